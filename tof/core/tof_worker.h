/* Internal to the core: helpers the pipeline files share. */
#ifndef TOF_CORE_WORKER_H
#define TOF_CORE_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include "tof_classify.h"
#include "tof_pipeline.h"

/* Hand a copy of the frame to the agent unless the port's punt budget is
 * spent. Returns whether it was punted. */
bool tof_worker_punt(const struct tof_pipeline *pl, struct tof_worker *w, const uint8_t *frame,
		     uint32_t len, enum tof_port in, enum tof_reason why, uint64_t now_ns);

/* Store a last-seen time, skipping the write (and the cache line bounce)
 * when it moved by less than a millisecond. Returns whether it wrote. */
static inline bool tof_touch(uint64_t *seen, uint64_t now_ns)
{
	uint64_t old = __atomic_load_n(seen, __ATOMIC_RELAXED);

	if (now_ns <= old + 1000000ULL)
		return false;
	__atomic_store_n(seen, now_ns, __ATOMIC_RELAXED);
	return true;
}

/* The same for a coarse time (tof_coarse). */
static inline void tof_touch_coarse(uint32_t *seen, uint64_t now_ns)
{
	uint32_t now = tof_coarse(now_ns);

	if (__atomic_load_n(seen, __ATOMIC_RELAXED) != now)
		__atomic_store_n(seen, now, __ATOMIC_RELAXED);
}

/* The S1 half, on a frame already classified into p / c. */
void tof_pipeline_s1(const struct tof_pipeline *pl, struct tof_worker *w, struct tof_frame *f,
		     enum tof_port in, uint64_t now_ns, struct tof_s1_pkt *p, enum tof_class c,
		     struct tof_result *res);

/* What a result counts as. */
enum tof_decision tof_pipeline_decision(const struct tof_result *res);

/* Does the frame leave (by res->out_port, counted there)? */
static inline bool tof_result_sends(const struct tof_result *res)
{
	return res->verdict == TOF_V_PASS || res->verdict == TOF_V_OFFLOAD ||
	       res->verdict == TOF_V_ENCAP || res->verdict == TOF_V_REPLY;
}

/* Count a processed frame (in_len: its length on arrival). */
void tof_pipeline_count(struct tof_worker *w, enum tof_port in, uint32_t in_len,
			const struct tof_frame *f, const struct tof_result *res);

static inline void tof_result_init(struct tof_result *res)
{
	res->verdict = TOF_V_PASS;
	res->reason = TOF_R_NOT_IP;
	res->dir = TOF_DIR_NONE;
	res->out_port = TOF_PORT_ENB;
	res->punted = false;
	res->handed_over = false;
	res->session = TOF_NO_SLOT;
	res->hot = NULL;
	res->service = TOF_NO_SLOT;
}

/* An apps-port frame, parsed. */
struct tof_apps_pkt {
	struct pkt_l2 l2;
	struct pkt_ip ip;
	bool has_sig;    /* ue_sig holds the UE key's hash (burst) */
	uint32_t ue_sig;
};

/* Parse an apps-port frame: TOF_R_APPS_REPLY for an IP packet to look up,
 * else the reason it goes no further (malformed, not IP, ARP, ND). */
enum tof_reason tof_apps_parse(const struct tof_pipeline *pl, const struct tof_frame *f,
			       struct tof_apps_pkt *a);

/* An app's packet too big for the S1 link once encapsulated (the
 * encapsulation allows at most mtu octets of it): turn the frame into an
 * ICMP "fragmentation needed" / "packet too big" back to the app, from
 * `from`, within the worker's ICMP budget (verdict REPLY); else it is
 * dropped. The packet is as the app sent it (not NATed yet). */
void tof_apps_too_big(const struct tof_pipeline *pl, struct tof_worker *w, struct tof_frame *f,
		      const struct pkt_l2 *l2, const struct pkt_ip *ip, const struct gtp_addr *from,
		      uint16_t mtu, uint64_t now_ns, struct tof_result *res);

/* The apps-port half of the pipeline, on a frame tof_apps_parse parsed. */
void tof_pipeline_apps(const struct tof_pipeline *pl, struct tof_worker *w, struct tof_frame *f,
		       uint64_t now_ns, const struct tof_apps_pkt *a, enum tof_reason parsed,
		       struct tof_result *res);

#endif
