/* The narrow interface between the agent's tables and whoever steers them
 * from outside: the REST API and tofd. The API never touches data-plane
 * memory; it calls these.
 *
 * Locking:
 *  - tof_ctl_lock() is the writers' lock of the tables. Every writer takes
 *    it: service changes here, and the data plane's agent thread around
 *    punt handling and ticks. It is held only for the table write itself.
 *  - Service changes are also serialised among themselves by a second lock
 *    held from the uniqueness check through the state file's fsync, so two
 *    requests cannot both take a name, and the file follows the order in
 *    which changes were made. Lock order: service lock, then tof_ctl_lock.
 *  - Reads (lists, lookups, tunnels, stats) take no lock: they copy under
 *    the tables' seqlock and retry, falling back to tof_ctl_lock() if the
 *    writers keep them busy.
 *
 * Persistence: a change is in the tables and in the state file (fsync'd)
 * before the call returns. Added or updated services reach the tables
 * first, so the data plane acts on them at once, and are rolled back if
 * the file cannot be written; a deletion is written to the file first and
 * then leaves the tables. Either way a failed save leaves the tables and
 * the file as they were, and the call says TOF_CTL_IO. */
#ifndef TOF_AGENT_CTL_H
#define TOF_AGENT_CTL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "agent_chain_json.h"
#include "agent_state.h"
#include "agent_svc_json.h"
#include "tof_config.h"
#include "tof_tables.h"
#include "tof_types.h"

struct tof_ctl;

enum tof_ctl_code {
	TOF_CTL_OK = 0,
	TOF_CTL_NOT_FOUND, /* no such service or chain */
	TOF_CTL_CONFLICT,  /* a name or address already taken; a chain or
			    * port that does not exist or is in use */
	TOF_CTL_INVALID,   /* the request itself is wrong */
	TOF_CTL_FULL,      /* max_services reached */
	TOF_CTL_IO,        /* the state file could not be written */
	TOF_CTL_NOSPACE,   /* ... for want of room on its disk */
};

/* Why an operation failed: field names the one field at fault ("name",
 * "serviceIP", "applicationIP", ...) or is "" when none is. */
struct tof_ctl_err {
	enum tof_ctl_code code;
	char field[TOF_SVC_FIELD_MAX];
	char msg[TOF_SVC_MSG_MAX];
};

/* Sums the data plane's counters: c, and per-service counters indexed by
 * service slot (n entries); both are overwritten. */
typedef void (*tof_ctl_counters_fn)(void *ctx, struct tof_counters *c,
				    struct tof_service_counters *svc, uint32_t n);

/* t: the tables (the ctl does not own them); agent: for its event and
 * pinger counters (may be NULL); st: where services persist (not owned;
 * NULL keeps nothing). NULL when out of memory. */
struct tof_ctl *tof_ctl_create(struct tof_tables *t, struct tof_agent *agent,
			       struct tof_state *st);
void tof_ctl_destroy(struct tof_ctl *ctl);

/* The writers' lock (see above), and the mutex itself for code that takes
 * it directly (the data plane's agent thread). */
void tof_ctl_lock(struct tof_ctl *ctl);
void tof_ctl_unlock(struct tof_ctl *ctl);
pthread_mutex_t *tof_ctl_writer_lock(struct tof_ctl *ctl);

/* Start-up: put the services into the (empty) tables; with save, also
 * write them to the state file (the first start, seeded from the config).
 * Marks the state loaded. Returns TOF_CTL_OK, or the code with e saying
 * which entry ("services[3].serviceIP") is at fault; then the tables are
 * empty again. A failed save (TOF_CTL_IO, TOF_CTL_NOSPACE) keeps the
 * services in the tables and the state loaded: they run, unsaved. */
enum tof_ctl_code tof_ctl_load_services(struct tof_ctl *ctl, const struct tof_service_config *svcs,
					uint32_t n, bool save, struct tof_ctl_err *e);

/* Register (or with fn NULL, remove) the counters source. Removing waits
 * for readers in flight, so the source may be freed afterwards. */
void tof_ctl_set_counters(struct tof_ctl *ctl, tof_ctl_counters_fn fn, void *fn_ctx);

/* Readiness inputs: does this run need a data plane, and is it up? */
void tof_ctl_set_dataplane(struct tof_ctl *ctl, bool required, bool up);

/* Something that keeps the appliance from being whole while it runs on
 * (a bad state file moved aside, services that could not be saved): what
 * ("state_file") and a message. /health reports them; they last until
 * tofd stops. The first TOF_CTL_PROBLEMS_MAX are kept. */
#define TOF_CTL_PROBLEMS_MAX 4
struct tof_ctl_problem {
	char what[32];
	char msg[512];
};
__attribute__((format(printf, 3, 4)))
void tof_ctl_add_problem(struct tof_ctl *ctl, const char *what, const char *fmt, ...);

/* --- services --- */

/* All services, sorted by name; *out is malloc'd (NULL when *n is 0).
 * Only configured MACs are reported (has_app_mac), not learned ones. */
enum tof_ctl_code tof_ctl_service_list(struct tof_ctl *ctl, struct tof_service_config **out,
				       uint32_t *n, struct tof_ctl_err *e);

/* One service by name, or (with by_ip) by service IP when no service has
 * that name. */
enum tof_ctl_code tof_ctl_service_get(struct tof_ctl *ctl, const char *key, bool by_ip,
				      struct tof_service_config *out, struct tof_ctl_err *e);

/* Register a service. */
enum tof_ctl_code tof_ctl_service_add(struct tof_ctl *ctl, const struct tof_service_config *sc,
				      struct tof_ctl_err *e);

/* Replace service `name` by sc (addresses, MAC, chain). sc->name "" keeps
 * the name; another name renames the service (which must be free). The
 * result is in *out if out is not NULL. */
enum tof_ctl_code tof_ctl_service_update(struct tof_ctl *ctl, const char *name,
					 const struct tof_service_config *sc,
					 struct tof_service_config *out, struct tof_ctl_err *e);

/* Remove a service by name, or by service IP when no service has that
 * name. What was removed is in *out if out is not NULL. */
enum tof_ctl_code tof_ctl_service_delete(struct tof_ctl *ctl, const char *key,
					 struct tof_service_config *out, struct tof_ctl_err *e);

/* What a tof_ctl_services_apply changed. */
struct tof_ctl_apply_stats {
	uint32_t added, updated, removed, unchanged;
};

/* A reload of the config's services: every service in set (n entries)
 * ends up exactly as given (added, or updated by name); the services named
 * in drop (n_drop names, e.g. those an earlier config listed) that set no
 * longer names are removed; all other services (registered through the
 * API) stay. Checked as a whole before anything changes: each entry, the
 * uniqueness of names and addresses in the result, max_services. On a
 * problem nothing changes and e names the entry of set at fault
 * ("services[2].serviceIP"). The change reaches the tables under the
 * writers' lock (sessions are untouched) and the state file in one save;
 * if the save fails, the tables are put back. st may be NULL. */
enum tof_ctl_code tof_ctl_services_apply(struct tof_ctl *ctl, const struct tof_service_config *set,
					 uint32_t n, const char *const *drop, uint32_t n_drop,
					 struct tof_ctl_apply_stats *st, struct tof_ctl_err *e);

/* Version of the service list: changes whenever a service does. */
uint64_t tof_ctl_service_version(const struct tof_ctl *ctl);

/* --- port chains --- */

/* How the sink is doing, for /health. */
struct tof_ctl_sink_health {
	bool reachable;       /* the switch answers (database and OpenFlow) */
	bool in_sync;         /* its flows are the services' and chains' now */
	bool bridge_ok;       /* the bridge and tofd's port are as configured */
	bool port_up;         /* tofd's port is connected */
	uint32_t flows;       /* tofd's flows on the bridge */
	uint32_t degraded;    /* services held at drop: a port is missing */
	uint64_t syncs;       /* changes committed (bundles) */
	uint32_t retry_ms;    /* while unreachable: the next try is this far */
	char bridge[TOF_NAME_MAX + 1], port[TOF_NAME_MAX + 1];
	char missing[512];    /* "fw0-in (chain fw), ..." */
	char error[256];      /* the last problem, "" if none */
};

/* Where services and chains take effect besides the tables: the flows of
 * an Open vSwitch bridge (tof/ovs), whichever data plane runs. */
struct tof_ctl_sink {
	/* Is port on the bridge? 1 yes, 0 no, -1 not known now (the switch
	 * is unreachable: the chain is taken and waits for it). NULL: no
	 * check. */
	int (*port_state)(void *ctx, const char *port);
	/* The whole set after a change, in the order changes were made;
	 * called with the service lock held, so it may wait a little for the
	 * effect but must not call back into the ctl. */
	void (*apply)(void *ctx, const struct tof_service_config *svcs, uint32_t n,
		      const struct tof_chain_config *chains, uint32_t n_chains);
	/* Fill h (zeroed). NULL: nothing to say. */
	void (*health)(void *ctx, struct tof_ctl_sink_health *h);
	const char *own_port; /* tofd's port on the bridge: no hop nor app's */
	void *ctx;
};

/* Register the sink (copied; NULL removes it) and hand it the current set. */
void tof_ctl_set_sink(struct tof_ctl *ctl, const struct tof_ctl_sink *sink);

/* Start-up, before tof_ctl_load_services: the chains to start with (the
 * services' load saves them too). e names the entry ("chains[2].hops"). */
enum tof_ctl_code tof_ctl_load_chains(struct tof_ctl *ctl, const struct tof_chain_config *chains,
				      uint32_t n, struct tof_ctl_err *e);

/* All chains by name; *out malloc'd (NULL when *n is 0). */
enum tof_ctl_code tof_ctl_chain_list(struct tof_ctl *ctl, struct tof_chain_config **out,
				     uint32_t *n, struct tof_ctl_err *e);
enum tof_ctl_code tof_ctl_chain_get(struct tof_ctl *ctl, const char *name,
				    struct tof_chain_config *out, struct tof_ctl_err *e);

/* Create or replace chain c->name; *created says which. Its ports must be
 * on the bridge (when known), not tofd's, not an app's. Saved before it
 * returns; services using it move to the new hops at once. */
enum tof_ctl_code tof_ctl_chain_put(struct tof_ctl *ctl, const struct tof_chain_config *c,
				    bool *created, struct tof_ctl_err *e);

/* Remove a chain no service uses (TOF_CTL_CONFLICT otherwise). */
enum tof_ctl_code tof_ctl_chain_delete(struct tof_ctl *ctl, const char *name,
				       struct tof_chain_config *out, struct tof_ctl_err *e);

/* A reload of the config's chains: every chain in set (n entries) is
 * created or replaced by name, then the chains named in drop (n_drop, those
 * an earlier config listed) that set does not name are removed; chains the
 * API made stay. All or nothing: each entry checked as PUT checks it, a
 * dropped chain no service uses (else TOF_CTL_CONFLICT, e naming it);
 * saved once; the sink gets the result. e names the entry at fault
 * ("chains[1].hops[0].ingress"). */
enum tof_ctl_code tof_ctl_chains_apply(struct tof_ctl *ctl, const struct tof_chain_config *set,
				       uint32_t n, const char *const *drop, uint32_t n_drop,
				       struct tof_ctl_err *e);

/* Version of the chain list: changes whenever a chain does. */
uint64_t tof_ctl_chain_version(const struct tof_ctl *ctl);

/* --- tunnels --- */

/* A learned session, copied out of the table. */
struct tof_ctl_tunnel {
	uint32_t slot;
	struct gtp_addr ue4, ue6, enb, sgw;
	uint32_t ul_teid, dl_teid;
	uint8_t flags; /* TOF_SESS_* */
	uint8_t qfi;
	uint8_t pinger_state; /* enum pinger_state */
	uint32_t handovers;
	uint64_t created_ns, ul_seen_ns, dl_seen_ns;
};

/* Sessions from slot `from` on, at most max, into out (max entries).
 * *next is the slot to continue from, or UINT32_MAX at the end. With ue
 * set, only the session owning that UE address (IPv6: by its /64), and
 * *next is UINT32_MAX. *total is the number of sessions in the table. */
uint32_t tof_ctl_tunnels(struct tof_ctl *ctl, const struct gtp_addr *ue, uint32_t from,
			 struct tof_ctl_tunnel *out, uint32_t max, uint32_t *next,
			 uint32_t *total);

/* --- stats and health --- */

struct tof_ctl_svc_stats {
	struct tof_service_config cfg;
	uint64_t ul_pkts, ul_bytes, dl_pkts, dl_bytes;
};

struct tof_ctl_stats {
	bool dataplane;                /* the counters come from a data plane */
	struct tof_counters ctr;
	bool has_agent;
	uint64_t events[TOF_EV__COUNT];
	struct pinger_counters pinger;
	uint32_t n_sessions, max_sessions, max_services;
	uint64_t table_refused;        /* index inserts refused (tables full) */
	struct tof_ctl_svc_stats *svc; /* by name, malloc'd */
	uint32_t n_svc;
};

/* A snapshot of every counter; free with tof_ctl_stats_free. Per-service
 * counters count from the service's registration. */
enum tof_ctl_code tof_ctl_stats(struct tof_ctl *ctl, struct tof_ctl_stats *out,
				struct tof_ctl_err *e);
void tof_ctl_stats_free(struct tof_ctl_stats *s);

struct tof_ctl_health {
	bool live;          /* always, if anyone can ask */
	bool ready;         /* state loaded, data plane up or not required,
			     * the sink (if any) reachable and in sync */
	bool state_loaded;
	bool persistent;    /* services are kept in a state file */
	bool dp_required, dp_up;
	uint32_t n_services, n_sessions, n_chains;
	uint64_t uptime_ms;
	bool has_sink;      /* services and chains go to a switch too */
	struct tof_ctl_sink_health sink;
	uint32_t n_problems;  /* degraded when not 0 */
	struct tof_ctl_problem problems[TOF_CTL_PROBLEMS_MAX];
};

void tof_ctl_health(struct tof_ctl *ctl, struct tof_ctl_health *h);

const char *tof_ctl_code_name(enum tof_ctl_code c);

#endif
