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
	X(ERROR_IND_REMOVED, "error_indication_removed")   \
	X(ERROR_IND_UNKNOWN, "error_indication_unknown")   \
	X(PURGED, "purged_idle")                           \
	X(TABLE_FULL, "session_table_full")                \
	X(APP_MAC_LEARNED, "app_mac_learned")              \
	X(ARP_REPLIED, "apps_arp_replied")                 \
	X(ND_REPLIED, "apps_nd_replied")                   \
	X(APP_RESOLVE_SENT, "app_resolve_sent")            \
	X(PUNT_IGNORED, "punt_ignored")

enum tof_agent_event {
#define TOF_AGENT_EV_ENUM(id, name) TOF_EV_##id,
	TOF_AGENT_EVENTS(TOF_AGENT_EV_ENUM)
#undef TOF_AGENT_EV_ENUM
	TOF_EV__COUNT
};
const char *tof_agent_event_name(enum tof_agent_event ev);

/* When to ask for an app's MAC again (backoff up to a minute). */
struct tof_app_resolve {
	uint32_t generation; /* of the service this state is for */
	uint32_t wait_ms;
	uint64_t next_ns;
};

/* A min-heap of (due time, session slot) for sessions being probed. */
struct tof_probe_timer {
	uint64_t due_ns;
	uint32_t slot;
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

/* Learn from one punted frame (as it arrived on `in`). */
void tof_agent_punt(struct tof_agent *a, const uint8_t *frame, size_t len, enum tof_port in,
		    enum tof_reason why, uint64_t now_ns);

/* Earliest time tof_agent_tick has work (UINT64_MAX if none). */
uint64_t tof_agent_next_deadline(const struct tof_agent *a);

/* Fire the pinger and purge timers due at now_ns. */
void tof_agent_tick(struct tof_agent *a, uint64_t now_ns);

#endif
