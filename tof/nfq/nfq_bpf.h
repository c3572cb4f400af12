/* The kernel's share of the decision in kernel mode.
 *
 * iptables runs a BPF program (the xt "bpf" match, program pinned in a
 * bpffs) on every GTP-U packet crossing the bridge. It returns 1 — the
 * kernel forwards the packet itself, tofd never sees it — only for a G-PDU
 * of a tunnel tofd has confirmed within the last refresh interval, whose
 * inner source is the UE's address (uplink), whose inner destination is
 * not a service IP, and that cannot be a reply to the pinger. Everything
 * else returns 0 and goes to tofd's queue: unknown tunnels, service
 * traffic, GTP-U messages, fragments, anything the program cannot parse.
 *
 * tofd confirms a tunnel by writing its entry (until = now + refresh) when
 * the pipeline passed one of its packets as known; so a tunnel sends one
 * packet per refresh interval to tofd, which keeps its last-seen time and
 * catches changes (purged, moved, re-used TEIDs) within an interval. */
#ifndef TOF_NFQ_BPF_H
#define TOF_NFQ_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"
#include "tof_tables.h"

/* A tunnel as the packet shows it: TEID (network order) and the outer
 * source and destination, IPv4 as ::ffff:a.b.c.d. */
struct nfq_bpf_key {
	uint32_t teid;
	uint8_t src[16];
	uint8_t dst[16];
};

#define NFQ_BPF_UPLINK 1
#define NFQ_BPF_DOWNLINK 2

/* What the program checks for a confirmed tunnel. */
struct nfq_bpf_tun {
	uint64_t until_ns;  /* CLOCK_MONOTONIC; later packets go to tofd (the
			     * program reads the coarse clock: a tick late) */
	uint8_t dir;        /* NFQ_BPF_UPLINK / NFQ_BPF_DOWNLINK */
	uint8_t has4, has6; /* the UE has an IPv4 address / an IPv6 /64 */
	uint8_t pad;
	uint8_t ue4[4];
	uint8_t ue6[8];     /* the /64 */
};

/* Kernel-passed packets and octets, [0] from the eNB side, [1] from the
 * SGW side. */
struct nfq_bpf_counts {
	uint64_t pkts[2], bytes[2];
};

/* A 64-bit filter in front of the service map: bit
 * (last 32 bits of the address, host order) * NFQ_BPF_FILTER_MUL >> 26 is
 * set for every service IP, so most destinations skip the map. */
#define NFQ_BPF_FILTER_MUL 0x9e3779b1u

struct nfq_bpf {
	int prog_fd, tun_fd, svc_fd, filter_fd, stats_fd;
	uint32_t n_cpus;
	char mnt[96];       /* our bpffs mount, "" if none */
	char pin[128];      /* the pinned program, "" if not pinned */
	struct nfq_bpf_key cursor; /* where the sweep goes on */
	bool cursor_set;
};

/* Maps for max_tunnels confirmed tunnels and max_services services, and
 * the program (pinger_ident: the ICMP identifier of the pinger's probes,
 * whose replies always go to tofd). -1 with a message in err. */
int nfq_bpf_open(struct nfq_bpf *b, uint32_t max_tunnels, uint32_t max_services,
		 uint16_t pinger_ident, char *err, size_t errlen);

/* Mount a bpffs of our own at dir (replacing a stale one) and pin the
 * program there as "prog"; the path is then b->pin, for iptables. */
int nfq_bpf_pin(struct nfq_bpf *b, const char *dir, char *err, size_t errlen);

/* Unpin, unmount, close. Rules that hold the program keep it alive. */
void nfq_bpf_close(struct nfq_bpf *b);

/* Remove what a tofd that died left at dir (its pin and mount). */
void nfq_bpf_unmount_stale(const char *dir);

void nfq_bpf_key_make(struct nfq_bpf_key *k, const struct gtp_addr *src,
		      const struct gtp_addr *dst, uint32_t teid);

int nfq_bpf_tunnel_set(struct nfq_bpf *b, const struct nfq_bpf_key *k,
		       const struct nfq_bpf_tun *v);
int nfq_bpf_tunnel_get(struct nfq_bpf *b, const struct nfq_bpf_key *k, struct nfq_bpf_tun *v);
int nfq_bpf_tunnel_del(struct nfq_bpf *b, const struct nfq_bpf_key *k);

/* Make the service map hold exactly the service IPs of the tables. */
int nfq_bpf_services_sync(struct nfq_bpf *b, const struct tof_tables *t);

/* Summed over CPUs. */
void nfq_bpf_counts(struct nfq_bpf *b, struct nfq_bpf_counts *c);

/* Delete up to budget entries expired before now_ns, going on from where
 * the last call stopped. Returns how many it deleted. */
uint32_t nfq_bpf_sweep(struct nfq_bpf *b, uint64_t now_ns, uint32_t budget);

/* Run the program on an IP packet (tests): its return value, or -1. */
int nfq_bpf_run(struct nfq_bpf *b, const uint8_t *ip, size_t len);

/* The program's instructions (nfq_bpf_prog.c), for b's maps. */
struct bpf_insn;
size_t nfq_bpf_prog_build(struct bpf_insn *out, size_t room, const struct nfq_bpf *b,
			  uint16_t pinger_ident);

#endif
