/* The control agent: the only writer of the tables. It consumes punted
 * frames (learning, handover, Error Indication, app MACs), runs the pinger
 * for sessions without a downlink tunnel, purges idle sessions and applies
 * service changes. No threads and no clock here: the caller passes the time
 * and runs tof_agent_tick when tof_agent_next_deadline says so, so the live
 * data plane and the replay run the same code. */
#ifndef TOF_AGENT_H
#define TOF_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pinger.h"
#include "tof_config.h"
#include "tof_pipeline.h"
#include "tof_tables.h"
#include "tof_types.h"

/* Largest frame the agent takes whole (a handed-over first packet). */
#define TOF_AGENT_FRAME_MAX 9216

/* Frames the agent originates (pinger probes): out `port`, at time when. */
typedef void (*tof_emit_fn)(void *ctx, enum tof_port port, const uint8_t *frame, size_t len,
			    uint64_t when_ns);

#define TOF_AGENT_EVENTS(X)                                \
	X(UL_LEARNED, "uplink_learned")                    \
	X(DL_LEARNED, "downlink_learned")                  \
	X(DL_CHANGED, "downlink_changed")                  \
	X(DL_BY_PINGER, "downlink_learned_by_pinger")      \
	X(DL_NO_SESSION, "downlink_without_session")       \
	X(HANDOVER, "handover")                            \
	X(BEARER_ADDED, "bearer_added")                    \
	X(UE_ADDR_ADDED, "ue_address_added")               \
	X(TEID_MOVED, "teid_reused")                       \
	X(BEARER_AGED, "bearer_aged_out")                  \
	X(SPOOFED, "uplink_spoofed")                       \
	X(ADDR_MOVED, "ue_address_moved")                  \
	X(CLAIM_CONFIRMED, "claim_confirmed")              \
	X(CLAIM_REFUTED, "claim_refuted")                  \
	X(CLAIM_EXPIRED, "claim_expired")                  \
	X(FIRST_OFFLOADED, "first_packet_offloaded")       \
	X(FIRST_PASSED, "first_packet_passed")             \
	X(SGW_CONFIRMED, "sgw_confirmed")                  \
	X(PROBE_HELD, "probe_held_sgw_unconfirmed")        \
	X(PROBE_PACED, "probe_paced_per_sgw")              \
	X(ERROR_IND_REMOVED, "error_indication_removed")   \
	X(ERROR_IND_UNKNOWN, "error_indication_unknown")   \
	X(PURGED, "purged_idle")                           \
	X(TABLE_FULL, "session_table_full")                \
	X(APP_MAC_LEARNED, "app_mac_learned")              \
	X(APP_MAC_UNSOLICITED, "app_mac_unsolicited")      \
	X(ARP_REPLIED, "apps_arp_replied")                 \
	X(ND_REPLIED, "apps_nd_replied")                   \
	X(APPS_NEIGH_IGNORED, "apps_neighbour_ignored")    \
	X(APP_RESOLVE_SENT, "app_resolve_sent")            \
	X(PUNT_IGNORED, "punt_ignored")

enum tof_agent_event {
#define TOF_AGENT_EV_ENUM(id, name) TOF_EV_##id,
	TOF_AGENT_EVENTS(TOF_AGENT_EV_ENUM)
#undef TOF_AGENT_EV_ENUM
	TOF_EV__COUNT
};
const char *tof_agent_event_name(enum tof_agent_event ev);

/* When to ask for an app's MAC again (backoff up to a minute), and whether
 * a request is out: only an answer to it teaches the MAC. */
struct tof_app_resolve {
	uint32_t generation; /* of the service this state is for */
	uint32_t wait_ms;
	uint64_t next_ns;
	uint64_t asked_ns;   /* last request sent; 0: none outstanding */
	uint64_t last_ask_ns; /* last request sent, answered or not */
};

/* A min-heap of (due time, session slot) for sessions being probed; claim
 * probes carry TOF_TIMER_CLAIM | claim index. */
#define TOF_TIMER_CLAIM 0x80000000u
struct tof_probe_timer {
	uint64_t due_ns;
	uint32_t slot;
};

/* A tunnel that carries a UE address another live session owns (or a
 * second address of one family): not believed until the core network says
 * so. The pinger asks as that address up this tunnel; the answer, or
 * downlink traffic, settles it. */
#define TOF_MAX_CLAIMS 256
struct tof_claim {
	bool in_use;
	bool with_qfi;
	uint8_t qfi;
	struct gtp_addr ue;       /* the address claimed, as seen */
	struct gtp_addr enb, sgw; /* the claiming tunnel */
	uint32_t teid;
	struct tof_l2_tmpl l2;    /* of its uplink frames, for the probes */
	uint64_t first_ns, last_ns;
	struct pinger_probe probe;
};

/* SGWs the pinger may send to: configured, or seen sending downlink from
 * the SGW side. Probes to each are paced (pinger.rate_pps). */
#define TOF_MAX_SGWS 64
struct tof_sgw {
	struct gtp_addr addr;
	uint64_t seen_ns;
	struct tof_bucket probes;
};

struct tof_agent {
	const struct tof_config *cfg;
	struct tof_pipeline *pl;
	struct tof_tables *t;
	tof_emit_fn emit;
	void *emit_ctx;

	uint64_t events[TOF_EV__COUNT];
	struct pinger_counters pinger;

	/* Resolving the apps' MACs (ARP / NS), per service slot. */
	struct tof_app_resolve *resolve;
	uint64_t next_resolve_ns;

	struct tof_probe_timer *timers; /* heap */
	uint32_t n_timers, max_timers;
	uint64_t next_purge_ns;
	uint16_t ip_id;

	struct tof_claim claims[TOF_MAX_CLAIMS];
	struct tof_sgw sgws[TOF_MAX_SGWS];
	uint32_t n_sgws;

	/* Frames the agent was handed whole (a first packet to a service) go
	 * through the pipeline here; its tx and service counters join the
	 * workers' in the statistics. */
	struct tof_worker w;
};

int tof_agent_init(struct tof_agent *a, const struct tof_config *cfg, struct tof_pipeline *pl,
		   tof_emit_fn emit, void *emit_ctx);
void tof_agent_fini(struct tof_agent *a);

/* Load the config's services into the tables. Returns 0, or -1 with a
 * message naming the service in err. */
int tof_agent_load_services(struct tof_agent *a, char *err, size_t errlen);

/* Services were added or changed (config, REST API): resolve the new
 * apps' MACs at the next tick. */
void tof_agent_services_changed(struct tof_agent *a);

/* Learn from one punted frame (as it arrived on `in`). A frame handed over
 * whole (TOF_R_UL_FIRST, or TOF_R_UL_SPOOFED towards a service) leaves
 * again through emit: offloaded if learning made that right, else forwarded
 * unchanged. */
void tof_agent_punt(struct tof_agent *a, const uint8_t *frame, size_t len, enum tof_port in,
		    enum tof_reason why, uint64_t now_ns);

/* Earliest time tof_agent_tick has work (UINT64_MAX if none). */
uint64_t tof_agent_next_deadline(const struct tof_agent *a);

/* Fire the pinger and purge timers due at now_ns. */
void tof_agent_tick(struct tof_agent *a, uint64_t now_ns);

#endif
