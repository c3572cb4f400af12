/* Shared by ovs.c (the thread, its state and the interface) and
 * ovs_sync.c (one reconciliation over OpenFlow). */
#ifndef TOF_OVS_INT_H
#define TOF_OVS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "ofconn.h"
#include "ovs.h"
#include "ovs_bridge.h"
#include "ovs_flows.h"
#include "ovsdb.h"

#define OVS_TIMEOUT_MS 3000       /* one exchange with OVS */
#define OVS_BACKOFF_MIN_MS 100
#define OVS_BACKOFF_MAX_MS 5000
#define OVS_RECHECK_MS 5000       /* reconcile this often anyway */

/* What the switch is told: a copy of the ctl's services and chains. */
struct ovs_want {
	struct tof_service_config *svcs;
	uint32_t n_svcs;
	struct tof_chain_config *chains;
	uint32_t n_chains;
};

/* Where the per-bridge locks live (kernel mode's are there too). */
#define OVS_LOCK_DIR "/run/tofd"
#define OVS_LOCK_NONE (-2)
/* Lock bridge (of the database db) for this process's life: the lock's
 * fd; -1 with a message in err when another tofd holds it; OVS_LOCK_NONE
 * (and a warning logged) when no lock file can be had. */
int ovs_lock_take(const char *dir, const char *db, const char *bridge, char *err, size_t errlen);

struct tof_ovs {
	struct tof_ovs_config cfg;  /* strings owned */
	int lock_fd;                /* ovs_lock_take's, or < 0 */
	pthread_t thread;
	bool running;
	int wake_fd;                /* eventfd: a change, or stop */
	bool quit;                  /* atomic */

	pthread_mutex_t lock;       /* everything below until "thread only" */
	pthread_cond_t synced;      /* done_gen moved, or OVS went away */
	struct ovs_want want;
	uint64_t want_gen, done_gen;
	char **bridge_ports;        /* the database's view, for port_state */
	uint32_t n_bridge_ports;
	bool ports_known;
	struct tof_ctl_sink_health health;

	/* thread only */
	struct ovsdb db;
	struct ofconn of;
	struct ofp_port *ports;     /* from the last port description */
	uint32_t n_ports;
	bool ports_dirty;
	char **marked;              /* hop ports marked in the database */
	uint32_t n_marked;
	uint32_t *no_flood;         /* ports set to no-flood over this connection */
	uint32_t n_no_flood;
	uint32_t bundle_id;
	uint32_t backoff_ms;
	uint64_t retry_at_ms, recheck_at_ms;
};

/* Bring the switch's flows (and no-flood ports) to want. 0, or -1 with
 * o->of.err (the connection may be closed). *flows: tofd's flows now. */
int ovs_sync_flows(struct tof_ovs *o, const struct ovs_want *want, uint32_t *flows,
		   struct ovs_flowset *set);

#endif
