/* The packet walk of DESIGN.md as a pure function: a frame, the port it
 * arrived on, the time and the tables in; a verdict out and the frame
 * rewritten in place. No DPDK, no syscalls, no clock. */
#ifndef TOF_CORE_PIPELINE_H
#define TOF_CORE_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pkt.h"
#include "tof_config.h"
#include "tof_tables.h"
#include "tof_types.h"

/* A frame in a buffer with headroom: data is buf + off, len octets; the
 * pipeline may move off back (encapsulation) or forward (decapsulation). */
struct tof_frame {
	uint8_t *buf;
	uint32_t off;
	uint32_t len;
	uint32_t cap; /* octets in buf */
};

/* Headroom a frame from the apps port needs to be encapsulated in place
 * (link header with two VLAN tags + IPv6 + UDP + GTP with a PDU Session
 * Container, minus the apps Ethernet header). */
#define TOF_ENCAP_HEADROOM 96

/* Token bucket (punts per class per worker; probes per SGW). Tokens are
 * kept in units of 1e-9 so no fraction is lost however close the calls. */
struct tof_bucket {
	uint64_t tokens_nano; /* tokens x 1e9 */
	uint64_t last_ns;     /* UINT64_MAX: not used yet (starts full) */
};

/* Take one token at now_ns if there is one (rate per second, at most burst
 * saved up); else how many ns until there is (*wait_ns, may be NULL). */
bool tof_bucket_take(struct tof_bucket *b, uint64_t now_ns, uint64_t rate, uint64_t burst,
		     uint64_t *wait_ns);

/* Called for each frame handed to the agent, as it arrived (before any
 * rewrite). Returns false if it could not be queued (the frame is then
 * handled as if the budget had refused it). */
typedef bool (*tof_punt_fn)(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
			    enum tof_reason why, uint64_t now_ns);

/* What one worker owns: counters and punt buckets. */
struct tof_worker {
	struct tof_counters ctr;
	struct tof_service_counters *svc; /* max_services entries */
	uint64_t *svc_mac_news_ns;        /* per service: when this worker last told
					   * the agent of a frame from an unknown MAC */
	struct tof_bucket punt_tb[TOF_PC__COUNT];
	struct tof_bucket icmp_tb;        /* ICMP errors to the apps */
	tof_punt_fn punt;
	void *punt_ctx;
	uint16_t ip_id; /* IPv4 identification of the packets we build */
};

/* Shared, read-only during processing. */
struct tof_pipeline {
	const struct tof_config *cfg;
	struct tof_tables *tables;
	enum pkt_l2_type l2[TOF_PORT__COUNT]; /* link type of each port */
	struct pinger_config pinger;          /* to recognise probe replies */
};

struct tof_result {
	enum tof_verdict verdict;
	enum tof_reason reason;
	enum tof_dir dir;
	enum tof_port out_port; /* meaningful for PASS, OFFLOAD, ENCAP, REPLY */
	bool punted;
	bool handed_over;       /* the agent has the frame itself (CONSUME here) */
	uint32_t session;       /* slot or TOF_NO_SLOT */
	/* The session's snapshot the decision used (or NULL): valid until
	 * the worker's next quiescent point. */
	const struct tof_sess_hot *hot;
	uint32_t service;       /* slot or TOF_NO_SLOT */
};

int tof_worker_init(struct tof_worker *w, uint32_t max_services, tof_punt_fn punt, void *ctx);
void tof_worker_fini(struct tof_worker *w);
/* Add a worker's counters to c, and its per-service counters to svc
 * (n_svc entries, may be NULL): how data planes sum their threads. */
void tof_worker_sum(const struct tof_worker *w, struct tof_counters *c,
		    struct tof_service_counters *svc, uint32_t n_svc);

/* The port a frame arriving on `in` is forwarded to unchanged. */
enum tof_port tof_pipeline_peer_port(const struct tof_pipeline *pl, enum tof_port in);

/* The port frames travelling in direction dir leave by: uplink towards the
 * SGW, downlink towards the eNB (dual mode), or the S1 port (single mode). */
enum tof_port tof_pipeline_port_towards(const struct tof_pipeline *pl, enum tof_dir dir);

/* Process one frame. Updates w's counters (rx of `in`, decision, reason;
 * tx of the out port for PASS/OFFLOAD/ENCAP/REPLY). */
void tof_pipeline_process(const struct tof_pipeline *pl, struct tof_worker *w,
			  struct tof_frame *f, enum tof_port in, uint64_t now_ns,
			  struct tof_result *res);

/* Process up to TOF_BURST_MAX frames that arrived together on one port:
 * the same decisions as tof_pipeline_process frame by frame, with the
 * table lookups of the whole burst prefetched first so their cache misses
 * overlap (what keeps 1M sessions close to 1k). */
#define TOF_BURST_MAX 64
void tof_pipeline_process_burst(const struct tof_pipeline *pl, struct tof_worker *w,
				struct tof_frame *f, uint16_t n, enum tof_port in, uint64_t now_ns,
				struct tof_result *res);

#endif
