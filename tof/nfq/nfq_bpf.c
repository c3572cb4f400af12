/* Maps, program load and pin for the kernel's share of the decision (see
 * nfq_bpf.h), through the bpf(2) system call. */
#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "nfq_bpf.h"

#define NFQ_BPF_MAX_INSNS 512
#define NFQ_BPF_FS_MAGIC 0xcafe4a11
#define NFQ_SVC_KEY_LEN 16

struct nfq_bpf_stat {
	uint64_t pkts, bytes;
};

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static int map_create(uint32_t type, uint32_t key_size, uint32_t value_size, uint32_t max,
		      uint32_t flags, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max;
	a.map_flags = flags;
	snprintf(a.map_name, sizeof(a.map_name), "%s", name);
	return sys_bpf(BPF_MAP_CREATE, &a);
}

static int map_op(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return sys_bpf(cmd, &a);
}

static int map_next_key(int fd, const void *key, void *next)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)key;
	a.next_key = (uintptr_t)next;
	return sys_bpf(BPF_MAP_GET_NEXT_KEY, &a);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int prog_load(struct nfq_bpf *b, uint16_t ident, char *err, size_t errlen)
{
	static char log[65536];
	struct bpf_insn insns[NFQ_BPF_MAX_INSNS];
	size_t n = nfq_bpf_prog_build(insns, NFQ_BPF_MAX_INSNS, b, ident);
	union bpf_attr a;

	if (n == 0) {
		snprintf(err, errlen, "bpf: the program does not assemble");
		return -1;
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER; /* what the xt bpf match runs */
	a.insns = (uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uintptr_t)"GPL";
	snprintf(a.prog_name, sizeof(a.prog_name), "tof_gtpu");
	b->prog_fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (b->prog_fd >= 0)
		return 0;
	int e = errno;
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	log[0] = '\0';
	b->prog_fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (b->prog_fd >= 0)
		return 0;
	size_t ll = strlen(log);
	snprintf(err, errlen, "bpf: cannot load the program: %s%s%s", strerror(e),
		 ll ? "; verifier: " : "", ll > 300 ? log + ll - 300 : log);
	return -1;
}

int nfq_bpf_open(struct nfq_bpf *b, uint32_t max_tunnels, uint32_t max_services,
		 uint16_t pinger_ident, char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	b->prog_fd = b->tun_fd = b->svc_fd = b->filter_fd = b->stats_fd = -1;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	b->n_cpus = ncpu > 0 ? (uint32_t)ncpu : 1;
	/* LRU: when full, a new confirmation pushes out the tunnel confirmed
	 * longest ago (its packets go to tofd until it is confirmed again) */
	b->tun_fd = map_create(BPF_MAP_TYPE_LRU_HASH, sizeof(struct nfq_bpf_key),
			       sizeof(struct nfq_bpf_tun), max_tunnels, 0, "tof_tunnels");
	if (b->tun_fd >= 0)
		b->svc_fd = map_create(BPF_MAP_TYPE_HASH, NFQ_SVC_KEY_LEN, sizeof(uint32_t),
				       max_services, BPF_F_NO_PREALLOC, "tof_services");
	if (b->svc_fd >= 0)
		b->filter_fd = map_create(BPF_MAP_TYPE_ARRAY, sizeof(uint32_t), sizeof(uint64_t), 1,
					  0, "tof_svcfilter");
	if (b->filter_fd >= 0)
		b->stats_fd = map_create(BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(uint32_t),
					 sizeof(struct nfq_bpf_stat), 2, 0, "tof_kpass");
	if (b->stats_fd < 0) {
		snprintf(err, errlen, "bpf: cannot create maps: %s (tofd needs CAP_BPF and "
			 "CAP_NET_ADMIN)", strerror(errno));
		nfq_bpf_close(b);
		return -1;
	}
	if (prog_load(b, pinger_ident, err, errlen) != 0) {
		nfq_bpf_close(b);
		return -1;
	}
	return 0;
}

static bool is_bpffs(const char *dir)
{
	struct statfs st;

	return statfs(dir, &st) == 0 && (unsigned long)st.f_type == NFQ_BPF_FS_MAGIC;
}

void nfq_bpf_unmount_stale(const char *dir)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/prog", dir);
	if (!is_bpffs(dir))
		return;
	unlink(path);
	umount2(dir, MNT_DETACH);
}

int nfq_bpf_pin(struct nfq_bpf *b, const char *dir, char *err, size_t errlen)
{
	union bpf_attr a;

	nfq_bpf_unmount_stale(dir);
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "bpf: cannot create %s: %s", dir, strerror(errno));
		return -1;
	}
	if (mount("bpf", dir, "bpf", 0, "mode=0700") != 0) {
		snprintf(err, errlen, "bpf: cannot mount a bpffs at %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(b->mnt, sizeof(b->mnt), "%s", dir);
	snprintf(b->pin, sizeof(b->pin), "%s/prog", dir);
	memset(&a, 0, sizeof(a));
	a.pathname = (uintptr_t)b->pin;
	a.bpf_fd = (uint32_t)b->prog_fd;
	if (sys_bpf(BPF_OBJ_PIN, &a) != 0) {
		snprintf(err, errlen, "bpf: cannot pin the program at %s: %s", b->pin,
			 strerror(errno));
		b->pin[0] = '\0';
		return -1;
	}
	return 0;
}

void nfq_bpf_close(struct nfq_bpf *b)
{
	if (b->pin[0])
		unlink(b->pin);
	if (b->mnt[0]) {
		umount2(b->mnt, MNT_DETACH);
		rmdir(b->mnt);
	}
	b->pin[0] = b->mnt[0] = '\0';
	close_fd(&b->prog_fd);
	close_fd(&b->tun_fd);
	close_fd(&b->svc_fd);
	close_fd(&b->filter_fd);
	close_fd(&b->stats_fd);
}

/* IPv4 as ::ffff:a.b.c.d, IPv6 as is. */
static void addr16(uint8_t out[16], const struct gtp_addr *a)
{
	memset(out, 0, 16);
	if (a->family == GTP_AF_INET6) {
		memcpy(out, a->b, 16);
	} else if (a->family == GTP_AF_INET) {
		out[10] = out[11] = 0xff;
		memcpy(out + 12, a->b, 4);
	}
}

void nfq_bpf_key_make(struct nfq_bpf_key *k, const struct gtp_addr *src,
		      const struct gtp_addr *dst, uint32_t teid)
{
	memset(k, 0, sizeof(*k));
	k->teid = __builtin_bswap32(teid); /* network order, as the packet has it */
	addr16(k->src, src);
	addr16(k->dst, dst);
}

int nfq_bpf_tunnel_set(struct nfq_bpf *b, const struct nfq_bpf_key *k,
		       const struct nfq_bpf_tun *v)
{
	return map_op(BPF_MAP_UPDATE_ELEM, b->tun_fd, k, (void *)v, BPF_ANY);
}

int nfq_bpf_tunnel_get(struct nfq_bpf *b, const struct nfq_bpf_key *k, struct nfq_bpf_tun *v)
{
	return map_op(BPF_MAP_LOOKUP_ELEM, b->tun_fd, k, v, 0);
}

int nfq_bpf_tunnel_del(struct nfq_bpf *b, const struct nfq_bpf_key *k)
{
	return map_op(BPF_MAP_DELETE_ELEM, b->tun_fd, k, NULL, 0);
}

int nfq_bpf_services_sync(struct nfq_bpf *b, const struct tof_tables *t)
{
	uint8_t key[NFQ_SVC_KEY_LEN], next[NFQ_SVC_KEY_LEN];
	uint64_t filter = 0;
	uint32_t one = 1;
	bool first = true;
	int rc = 0;

	/* Drop what is no longer a service IP, then add every one. */
	while (map_next_key(b->svc_fd, first ? NULL : key, next) == 0) {
		struct gtp_addr a;
		bool v4 = memcmp(next, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0;
		if (v4)
			gtp_addr_set4(&a, next + 12);
		else
			gtp_addr_set6(&a, next);
		if (tof_service_find_ip(t, &a) == TOF_NO_SLOT &&
		    map_op(BPF_MAP_DELETE_ELEM, b->svc_fd, next, NULL, 0) == 0)
			continue; /* next is gone: carry on from the same key */
		memcpy(key, next, sizeof(key));
		first = false;
	}
	for (uint32_t s = 0; s < t->max_services; s++) {
		uint32_t low;
		if (!t->services[s].in_use)
			continue;
		addr16(key, &t->services[s].service_ip);
		if (map_op(BPF_MAP_UPDATE_ELEM, b->svc_fd, key, &one, BPF_ANY) != 0)
			rc = -1;
		memcpy(&low, key + 12, 4);
		filter |= 1ULL << ((low * NFQ_BPF_FILTER_MUL) >> 26);
	}
	/* after the map: a set bit with no entry behind it only costs a lookup */
	uint32_t zero = 0;
	if (map_op(BPF_MAP_UPDATE_ELEM, b->filter_fd, &zero, &filter, BPF_ANY) != 0)
		rc = -1;
	return rc;
}

void nfq_bpf_counts(struct nfq_bpf *b, struct nfq_bpf_counts *c)
{
	struct nfq_bpf_stat per[256];

	memset(c, 0, sizeof(*c));
	if (b->stats_fd < 0 || b->n_cpus > 256)
		return;
	for (uint32_t i = 0; i < 2; i++) {
		if (map_op(BPF_MAP_LOOKUP_ELEM, b->stats_fd, &i, per, 0) != 0)
			continue;
		for (uint32_t cpu = 0; cpu < b->n_cpus; cpu++) {
			c->pkts[i] += per[cpu].pkts;
			c->bytes[i] += per[cpu].bytes;
		}
	}
}

uint32_t nfq_bpf_sweep(struct nfq_bpf *b, uint64_t now_ns, uint32_t budget)
{
	struct nfq_bpf_key next;
	struct nfq_bpf_tun v;
	uint32_t deleted = 0;

	for (uint32_t i = 0; i < budget; i++) {
		if (map_next_key(b->tun_fd, b->cursor_set ? &b->cursor : NULL, &next) != 0) {
			b->cursor_set = false; /* the end (or the cursor vanished): again */
			break;
		}
		if (nfq_bpf_tunnel_get(b, &next, &v) == 0 && v.until_ns < now_ns &&
		    nfq_bpf_tunnel_del(b, &next) == 0) {
			deleted++;
			continue; /* the cursor still names a key before next */
		}
		b->cursor = next;
		b->cursor_set = true;
	}
	return deleted;
}

int nfq_bpf_run(struct nfq_bpf *b, const uint8_t *ip, size_t len)
{
	uint8_t frame[2048];
	union bpf_attr a;

	/* The test run takes an Ethernet frame and hands the program the
	 * packet from its network header on, as iptables does. */
	if (len + 14 > sizeof(frame))
		return -1;
	memset(frame, 0, 12);
	frame[0] = 0x02;
	frame[12] = (ip[0] >> 4) == 6 ? 0x86 : 0x08;
	frame[13] = (ip[0] >> 4) == 6 ? 0xdd : 0x00;
	memcpy(frame + 14, ip, len);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)b->prog_fd;
	a.test.data_in = (uintptr_t)frame;
	a.test.data_size_in = (uint32_t)(len + 14);
	a.test.repeat = 1;
	if (sys_bpf(BPF_PROG_TEST_RUN, &a) != 0)
		return -1;
	return (int)a.test.retval;
}
