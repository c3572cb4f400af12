/* tofd run's data plane: EAL, the mbuf pool, ports, one worker per worker
 * lcore and the agent thread; and a clean stop. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dp_internal.h"

bool tof_dp_available(void)
{
	return true;
}

/* Is any of the EAL arguments this one? */
static bool tof_dp_has_arg(int argc, char **argv, const char *arg)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], arg) == 0)
			return true;
	return false;
}

/* EAL fails on a machine without hugepages with a message that does not
 * say what to do; say it first. */
static int tof_dp_check_hugepages(int argc, char **argv, char *err, size_t errlen)
{
	FILE *f;
	char line[128];
	long total = -1;

	if (tof_dp_has_arg(argc, argv, "--no-huge"))
		return 0;
	f = fopen("/proc/meminfo", "r");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "HugePages_Total: %ld", &total) == 1)
			break;
	fclose(f);
	if (total == 0) {
		snprintf(err, errlen,
			 "no hugepages: run 'echo 512 > /proc/sys/vm/nr_hugepages' and "
			 "'mount -t hugetlbfs nodev /dev/hugepages' (as root), or add "
			 "\"--no-huge\" to the config's \"eal\" list");
		return -1;
	}
	return 0;
}

static int tof_dp_eal_init(struct tof_dp *dp, char *err, size_t errlen)
{
	const struct tof_config *cfg = dp->ctx.cfg;
	char *argv[TOF_MAX_EAL_ARGS + 2];
	int argc = 0;

	argv[argc++] = "tofd";
	if (dp->ctx.eal_argc > 0) {
		for (int i = 0; i < dp->ctx.eal_argc && argc < TOF_MAX_EAL_ARGS + 1; i++)
			argv[argc++] = dp->ctx.eal_argv[i];
	} else {
		for (unsigned int i = 0; i < cfg->n_eal; i++)
			argv[argc++] = cfg->eal[i];
	}
	/* OVS maps tofd's memory for vhost-user: one file per segment list,
	 * or it runs out of regions ("Too many memory regions") */
	if (cfg->ovs_enabled && !tof_dp_has_arg(argc, argv, "--single-file-segments") &&
	    argc < TOF_MAX_EAL_ARGS + 1)
		argv[argc++] = "--single-file-segments";
	argv[argc] = NULL;
	tof_dp_log_init();
	if (tof_dp_check_hugepages(argc, argv, err, errlen) != 0)
		return -1;
	if (rte_eal_init(argc, argv) < 0) {
		snprintf(err, errlen,
			 "DPDK EAL initialisation failed: %s (check the \"eal\" options; DPDK "
			 "needs root, hugepages or --no-huge, and a --file-prefix of its own "
			 "per process)",
			 rte_strerror(rte_errno));
		return -1;
	}
	dp->eal_up = true;
	if (rte_lcore_count() < 2) {
		snprintf(err, errlen,
			 "eal: one lcore runs the control plane; give at least one more for a "
			 "worker (e.g. \"-l\", \"0-1\")");
		return -1;
	}
	return 0;
}

static int tof_dp_pools(struct tof_dp *dp, char *err, size_t errlen)
{
	unsigned int n_mbufs = dp->ctx.cfg->mbufs ? dp->ctx.cfg->mbufs :
			       TOF_PORT__COUNT * dp->n_workers * TOF_DP_NB_DESC * 2 + 8192;
	dp->pool = rte_pktmbuf_pool_create("tof_mbufs", n_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					   (int)rte_socket_id());
	dp->msgs = rte_mempool_create("tof_msgs", 2048, sizeof(struct tof_dp_msg), 64, 0, NULL,
				      NULL, NULL, NULL, (int)rte_socket_id(), 0);
	dp->inject = rte_ring_create("tof_inject", 1024, (int)rte_socket_id(), RING_F_SC_DEQ);
	if (dp->pool == NULL || dp->msgs == NULL || dp->inject == NULL) {
		snprintf(err, errlen, "cannot allocate packet buffers: %s (more hugepages?)",
			 rte_strerror(rte_errno));
		return -1;
	}
	for (unsigned int i = 0; i < dp->n_workers; i++) {
		if (tof_punt_rings_init(&dp->workers[i].punts, TOF_DP_RING_SIZE) != 0) {
			snprintf(err, errlen, "punt rings: out of memory");
			return -1;
		}
		dp->rings[i] = &dp->workers[i].punts;
	}
	return 0;
}

static int tof_dp_workers_init(struct tof_dp *dp)
{
	unsigned int lcore, i = 0;

	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i == TOF_DP_MAX_WORKERS)
			break;
		struct tof_dp_worker *w = &dp->workers[i];
		w->dp = dp;
		w->lcore = lcore;
		w->index = i;
		if (tof_worker_init(&w->w, dp->ctx.pl->tables->max_services, tof_dp_worker_punt, w))
			return -1;
		/* A reader of the tables: the writer waits for it (never the
		 * other way round) before reusing what it replaced. */
		pthread_mutex_lock(dp->ctx.writer_lock);
		int r = tof_qsbr_register(&dp->ctx.pl->tables->qsbr);
		pthread_mutex_unlock(dp->ctx.writer_lock);
		if (r < 0)
			return -1;
		w->reader = (unsigned int)r;
		i++;
	}
	dp->n_workers = i;
	return 0;
}

int tof_dp_start(const struct tof_dp_ctx *ctx, struct tof_dp **out, char *err, size_t errlen)
{
	/* cache-aligned workers inside: calloc's alignment is not enough */
	struct tof_dp *dp = aligned_alloc(RTE_CACHE_LINE_SIZE,
					  RTE_ALIGN_CEIL(sizeof(*dp), RTE_CACHE_LINE_SIZE));

	*out = NULL;
	if (dp != NULL)
		memset(dp, 0, sizeof(*dp));
	if (dp == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	dp->ctx = *ctx;
	for (int p = 0; p < TOF_PORT__COUNT; p++)
		dp->ctx.pl->l2[p] = PKT_L2_ETH;
	if (tof_dp_eal_init(dp, err, errlen) != 0 || tof_dp_workers_init(dp) != 0 ||
	    tof_dp_pools(dp, err, errlen) != 0 || tof_dp_ports_open(dp, err, errlen) != 0)
		goto fail;
	dp->tsc_hz = rte_get_tsc_hz();
	dp->tsc_start = rte_get_tsc_cycles();
	dp->tsc_ns_mult = (uint64_t)(((unsigned __int128)1000000000ULL << 32) / dp->tsc_hz);
	if (tof_dp_agent_start(dp, err, errlen) != 0)
		goto fail;
	for (unsigned int i = 0; i < dp->n_workers; i++) {
		int rc = rte_eal_remote_launch(tof_dp_worker_main, &dp->workers[i],
					       dp->workers[i].lcore);
		if (rc != 0) {
			snprintf(err, errlen, "cannot start worker on lcore %u: %s",
				 dp->workers[i].lcore, rte_strerror(-rc));
			goto fail;
		}
	}
	if (ctx->cfg->ovs_enabled && tof_dp_vhost_start(dp, err, errlen) != 0)
		goto fail;
	*out = dp;
	return 0;
fail:
	tof_dp_stop(dp);
	return -1;
}

void tof_dp_counters(struct tof_dp *dp, struct tof_counters *c, struct tof_service_counters *svc,
		     uint32_t n_svc)
{
	memset(c, 0, sizeof(*c));
	if (svc != NULL)
		memset(svc, 0, n_svc * sizeof(*svc));
	if (dp == NULL)
		return;
	c->inject_drops = __atomic_load_n(&dp->inject_drops, __ATOMIC_RELAXED);
	/* The agent's own (handed-over frames it sent on). */
	tof_worker_sum(&dp->ctx.agent->w, c, svc, n_svc);
	for (unsigned int i = 0; i < dp->n_workers; i++)
		tof_worker_sum(&dp->workers[i].w, c, svc, n_svc);
}

void tof_dp_stop(struct tof_dp *dp)
{
	if (dp == NULL)
		return;
	dp->quit = true;
	if (dp->eal_up)
		rte_eal_mp_wait_lcore();
	tof_dp_vhost_stop(dp);
	tof_dp_agent_stop(dp);
	tof_dp_ports_close(dp);
	for (unsigned int i = 0; i < dp->n_workers; i++) {
		tof_punt_rings_fini(&dp->workers[i].punts);
		tof_worker_fini(&dp->workers[i].w);
	}
	rte_ring_free(dp->inject);
	rte_mempool_free(dp->msgs);
	rte_mempool_free(dp->pool);
	if (dp->eal_up)
		rte_eal_cleanup();
	/* no socket left behind: OVS retries until tofd serves it again */
	if (dp->ctx.cfg->ovs_enabled)
		unlink(dp->ctx.cfg->ovs.socket);
	free(dp);
}
