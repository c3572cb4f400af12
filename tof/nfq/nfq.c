/* tofd run in kernel mode: bridge, BPF program, queues, sockets, threads
 * (one per queue, one on the apps interface, the agent's), then the
 * iptables rules last; stopping takes the rules out first. */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "nfq_internal.h"

#define NFQ_RUN_DIR "/run/tofd"
#define NFQ_SWEEP_EVERY_NS 1000000000ULL
#define NFQ_SWEEP_BUDGET 4096
/* Tunnels the kernel passes by itself at most: the most recently confirmed
 * ones (LRU); more go through tofd. A bigger map costs every packet
 * (its buckets leave the caches and the TLB). */
#define NFQ_MAX_BPF_TUNNELS (1u << 16)

uint64_t nfq_now_ns(void)
{
	struct timespec ts;

	/* the clock of the BPF program's bpf_ktime_get_ns() too */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static bool nfq_queue_punt(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
			   enum tof_reason why, uint64_t now_ns)
{
	struct nfq_queue *q = ctx;

	return tof_punt_rings_hand(&q->punts, &q->w, frame, len, in, why, now_ns);
}

static bool nfq_apps_punt(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
			  enum tof_reason why, uint64_t now_ns)
{
	struct nfq_apps *a = ctx;

	return tof_punt_rings_hand(&a->punts, &a->w, frame, len, in, why, now_ns);
}

static uint64_t nfq_loop_now(void *ctx)
{
	(void)ctx;
	return nfq_now_ns();
}

/* In the agent's thread: forget confirmed tunnels that expired. */
static void nfq_housekeep(void *ctx, uint64_t now_ns)
{
	struct tof_nfq *n = ctx;

	if (!n->bpf_on || now_ns < n->next_sweep_ns)
		return;
	nfq_bpf_sweep(&n->bpf, now_ns, NFQ_SWEEP_BUDGET);
	n->next_sweep_ns = now_ns + NFQ_SWEEP_EVERY_NS;
}

static void nfq_own_mac(struct nfq_port_name *p)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", p->name);
	if (fd >= 0 && ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(p->mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
}

static void nfq_names(struct tof_nfq *n)
{
	const struct tof_config *cfg = n->ctx.cfg;
	const struct tof_kernel_config *k = &cfg->kernel;

	if (cfg->mode == TOF_MODE_DUAL) {
		n->s1[0] = (struct nfq_port_name){ .field = "kernel.enb", .name = k->enb };
		n->s1[1] = (struct nfq_port_name){ .field = "kernel.sgw", .name = k->sgw };
		n->n_s1 = 2;
	} else {
		n->s1[0] = (struct nfq_port_name){ .field = "kernel.s1", .name = k->s1 };
		n->n_s1 = 1;
	}
	n->apps = (struct nfq_port_name){ .field = "kernel.apps", .name = k->apps };
	n->bridge = (struct nfq_port_name){ .field = "kernel.bridge", .name = k->bridge };
	snprintf(n->chain, sizeof(n->chain), "TOF-%s", k->bridge);
}

/* One tofd per bridge and network namespace: a lock held for our life
 * (the kernel drops it when we die), beside our bpffs. */
static int nfq_lock(struct tof_nfq *n, char *err, size_t errlen)
{
	struct stat ns;
	char *path = n->lock_path;

	if (stat("/proc/self/ns/net", &ns) != 0)
		ns.st_ino = 0;
	mkdir(NFQ_RUN_DIR, 0755);
	snprintf(n->bpf_dir, sizeof(n->bpf_dir), NFQ_RUN_DIR "/%s.net%lu.bpf", n->bridge.name,
		 (unsigned long)ns.st_ino);
	snprintf(path, sizeof(n->lock_path), NFQ_RUN_DIR "/%s.net%lu.lock", n->bridge.name,
		 (unsigned long)ns.st_ino);
	n->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (n->lock_fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (flock(n->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errlen, "another tofd runs on the bridge %s here (%s is locked)",
			 n->bridge.name, path);
		close(n->lock_fd);
		n->lock_fd = -1; /* (and the file is the other tofd's) */
		return -1;
	}
	return 0;
}

/* The kernel's share: without it every GTP-U packet goes through tofd,
 * which is slower but the same. */
static void nfq_bpf_setup(struct tof_nfq *n)
{
	const struct tof_config *cfg = n->ctx.cfg;
	uint64_t want = 2ULL * cfg->max_sessions + 1024;
	char err[512];

	if (nfq_bpf_open(&n->bpf, want > NFQ_MAX_BPF_TUNNELS ? NFQ_MAX_BPF_TUNNELS : (uint32_t)want,
			 cfg->max_services, cfg->pinger.ident, err, sizeof(err)) != 0 ||
	    nfq_bpf_pin(&n->bpf, n->bpf_dir, err, sizeof(err)) != 0 ||
	    nfq_bpf_services_sync(&n->bpf, n->ctx.pl->tables) != 0) {
		tof_log(TOF_LOG_WARNING, "kernel_bpf_unavailable", TOF_FIELDS(TOF_LOG_STR("error", err)),
			"kernel: %s; every GTP-U packet goes through tofd", err);
		nfq_bpf_close(&n->bpf);
		return;
	}
	n->bpf_on = true;
	uint32_t idle = cfg->idle_timeout_s;
	n->refresh_ns = idle > 0 && idle < 4 ? idle * 250000000ULL : 1000000000ULL;
}

/* The queues first: binding them is what fails when another program
 * serves them, before we touch anything shared. */
/* A reader of the tables: the writer waits for it (never the other way
 * round) before reusing what it replaced. */
static int nfq_reader(struct tof_nfq *n, unsigned int *reader, char *err, size_t errlen)
{
	pthread_mutex_lock(n->ctx.writer_lock);
	int r = tof_qsbr_register(&n->ctx.pl->tables->qsbr);
	pthread_mutex_unlock(n->ctx.writer_lock);
	if (r < 0) {
		snprintf(err, errlen, "too many readers of the tables");
		return -1;
	}
	*reader = (unsigned int)r;
	return 0;
}

static int nfq_open_queues(struct tof_nfq *n, char *err, size_t errlen)
{
	const struct tof_config *cfg = n->ctx.cfg;
	bool dual = cfg->mode == TOF_MODE_DUAL;
	uint32_t max_svc = n->ctx.pl->tables->max_services;

	n->q[0] = (struct nfq_queue){ .n = n, .port = dual ? TOF_PORT_ENB : TOF_PORT_S1,
				      .num = cfg->kernel.queue_enb, .copy_range = NFQ_FULL_COPY };
	n->q[1] = (struct nfq_queue){ .n = n, .port = dual ? TOF_PORT_SGW : TOF_PORT_S1,
				      .num = cfg->kernel.queue_sgw, .copy_range = NFQ_HDR_COPY };
	for (int i = 0; i < 2; i++) {
		struct nfq_queue *q = &n->q[i];
		if (tof_worker_init(&q->w, max_svc, nfq_queue_punt, q) != 0 ||
		    tof_punt_rings_init(&q->punts, NFQ_PUNT_RING) != 0) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		n->rings[i] = &q->punts;
		if (nfq_reader(n, &q->reader, err, errlen) != 0 || nfq_queue_open(q, err, errlen) != 0)
			return -1;
	}
	return 0;
}

static int nfq_open_sockets(struct tof_nfq *n, char *err, size_t errlen)
{
	uint32_t max_svc = n->ctx.pl->tables->max_services;

	n->ap = (struct nfq_apps){ .n = n, .fd = -1 };
	for (int p = 0; p < TOF_PORT__COUNT; p++)
		n->ap.tx[p].fd = -1;
	for (int i = 0; i < 2; i++)
		if (nfq_tx_open_all(n, n->q[i].tx, err, errlen) != 0)
			return -1;
	if (tof_worker_init(&n->ap.w, max_svc, nfq_apps_punt, &n->ap) != 0 ||
	    tof_punt_rings_init(&n->ap.punts, NFQ_PUNT_RING) != 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n->rings[2] = &n->ap.punts;
	if (nfq_reader(n, &n->ap.reader, err, errlen) != 0)
		return -1;
	if (nfq_apps_open(&n->ap, err, errlen) != 0 || nfq_tx_open_all(n, n->ap.tx, err, errlen) != 0)
		return -1;
	return nfq_tx_open_all(n, n->agent_tx, err, errlen);
}

static int nfq_threads_start(struct tof_nfq *n, char *err, size_t errlen)
{
	int rc;

	n->loop = (struct tof_agent_loop){
		.agent = n->ctx.agent,
		.lock = n->ctx.writer_lock,
		.emit = nfq_agent_emit,
		.emit_ctx = n,
		.rings = n->rings,
		.n_rings = 3,
		.now = nfq_loop_now,
		.housekeep = nfq_housekeep,
		.housekeep_ctx = n,
	};
	if (tof_agent_loop_start(&n->loop, err, errlen) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		char name[16];
		rc = pthread_create(&n->q[i].thread, NULL, nfq_queue_main, &n->q[i]);
		if (rc != 0)
			goto fail;
		n->q[i].running = true;
		snprintf(name, sizeof(name), "tof-nfq%u", n->q[i].num);
		pthread_setname_np(n->q[i].thread, name);
	}
	rc = pthread_create(&n->ap.thread, NULL, nfq_apps_main, &n->ap);
	if (rc != 0)
		goto fail;
	n->ap.running = true;
	pthread_setname_np(n->ap.thread, "tof-apps");
	return 0;
fail:
	snprintf(err, errlen, "threads: %s", strerror(rc));
	return -1;
}

int tof_nfq_start(const struct tof_nfq_ctx *ctx, struct tof_nfq **out, char *err, size_t errlen)
{
	struct tof_nfq *n = calloc(1, sizeof(*n));

	*out = NULL;
	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n->ctx = *ctx;
	n->ap.fd = n->lock_fd = -1;
	for (int p = 0; p < TOF_PORT__COUNT; p++) {
		n->ctx.pl->l2[p] = PKT_L2_ETH;
		n->agent_tx[p].fd = n->ap.tx[p].fd = n->q[0].tx[p].fd = n->q[1].tx[p].fd = -1;
	}
	n->bpf.prog_fd = n->bpf.tun_fd = n->bpf.svc_fd = n->bpf.filter_fd = n->bpf.stats_fd = -1;
	pthread_mutex_init(&n->neigh.lock, NULL);
	pthread_mutex_init(&n->svc_lock, NULL);
	n->refresh_ns = 1000000000ULL;
	nfq_names(n);
	n->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (n->stop_fd < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		goto fail;
	}
	if (nfq_lock(n, err, errlen) != 0 || nfq_link_setup(n, err, errlen) != 0 ||
	    nfq_open_queues(n, err, errlen) != 0)
		goto fail;
	for (int i = 0; i < n->n_s1; i++)
		nfq_own_mac(&n->s1[i]);
	nfq_bpf_setup(n);
	if (nfq_open_sockets(n, err, errlen) != 0 || nfq_threads_start(n, err, errlen) != 0 ||
	    nfq_rules_install(n, err, errlen) != 0)
		goto fail;
	tof_log(TOF_LOG_INFO, "kernel_dataplane",
		TOF_FIELDS(TOF_LOG_STR("bridge", n->bridge.name), TOF_LOG_U64("queue_enb", n->q[0].num),
			   TOF_LOG_U64("queue_sgw", n->q[1].num), TOF_LOG_STR("apps", n->apps.name),
			   TOF_LOG_BOOL("kernel_pass", n->bpf_on)),
		"kernel: %s: queues %u (%s) and %u (%s), apps on %s, %s", n->bridge.name,
		n->q[0].num, n->s1[0].name, n->q[1].num, n->s1[n->n_s1 - 1].name, n->apps.name,
		n->bpf_on ? "known tunnels stay in the kernel" : "every GTP-U packet through tofd");
	*out = n;
	return 0;
fail:
	tof_nfq_stop(n);
	return -1;
}

void tof_nfq_counters(struct tof_nfq *n, struct tof_counters *c, struct tof_service_counters *svc,
		      uint32_t n_svc)
{
	struct nfq_bpf_counts k;

	memset(c, 0, sizeof(*c));
	if (svc != NULL)
		memset(svc, 0, n_svc * sizeof(*svc));
	if (n == NULL)
		return;
	tof_worker_sum(&n->ctx.agent->w, c, svc, n_svc); /* frames handed over whole */
	tof_worker_sum(&n->q[0].w, c, svc, n_svc);
	tof_worker_sum(&n->q[1].w, c, svc, n_svc);
	tof_worker_sum(&n->ap.w, c, svc, n_svc);
	c->inject_drops += __atomic_load_n(&n->inject_drops, __ATOMIC_RELAXED);
	if (!n->bpf_on)
		return;
	/* What the kernel passed itself: known tunnels, forwarded unchanged. */
	nfq_bpf_counts(&n->bpf, &k);
	for (int d = 0; d < 2; d++) {
		enum tof_port in = n->q[d].port, out = n->q[1 - d].port;
		c->rx_pkts[in] += k.pkts[d];
		c->rx_bytes[in] += k.bytes[d];
		c->tx_pkts[out] += k.pkts[d];
		c->tx_bytes[out] += k.bytes[d];
		c->decision_pkts[TOF_D_PASS] += k.pkts[d];
		c->decision_bytes[TOF_D_PASS] += k.bytes[d];
		c->reason[d == 0 ? TOF_R_UL_KNOWN : TOF_R_DL_KNOWN] += k.pkts[d];
	}
}

void tof_nfq_services_changed(struct tof_nfq *n)
{
	if (n == NULL || !n->bpf_on)
		return;
	pthread_mutex_lock(&n->svc_lock);
	if (nfq_bpf_services_sync(&n->bpf, n->ctx.pl->tables) != 0)
		tof_log(TOF_LOG_WARNING, "kernel_services_sync_failed", TOF_NO_FIELDS,
			"kernel: the kernel's service list could not be updated");
	pthread_mutex_unlock(&n->svc_lock);
}

void tof_nfq_stop(struct tof_nfq *n)
{
	uint64_t one = 1;

	if (n == NULL)
		return;
	/* First the rules: from now on the bridge forwards on its own. */
	if (n->rules_on)
		nfq_rules_remove(n);
	__atomic_store_n(&n->quit, true, __ATOMIC_RELEASE);
	/* wake the threads (they would see quit within a poll timeout anyway) */
	if (n->stop_fd >= 0)
		(void)!write(n->stop_fd, &one, sizeof(one));
	for (int i = 0; i < 2; i++)
		if (n->q[i].running)
			pthread_join(n->q[i].thread, NULL);
	if (n->ap.running)
		pthread_join(n->ap.thread, NULL);
	tof_agent_loop_stop(&n->loop);
	for (int i = 0; i < 2; i++) {
		nfq_queue_close(&n->q[i]);
		nfq_tx_close_all(n->q[i].tx);
		tof_punt_rings_fini(&n->q[i].punts);
		tof_worker_fini(&n->q[i].w);
	}
	nfq_apps_close(&n->ap);
	nfq_tx_close_all(n->ap.tx);
	tof_punt_rings_fini(&n->ap.punts);
	tof_worker_fini(&n->ap.w);
	nfq_tx_close_all(n->agent_tx);
	nfq_bpf_close(&n->bpf);
	if (n->stop_fd >= 0)
		close(n->stop_fd);
	if (n->lock_fd >= 0) {
		/* a tofd starting now fails to take the lock or makes a new file */
		unlink(n->lock_path);
		close(n->lock_fd);
	}
	pthread_mutex_destroy(&n->neigh.lock);
	pthread_mutex_destroy(&n->svc_lock);
	free(n);
}
