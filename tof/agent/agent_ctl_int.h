/* Shared between agent_ctl.c (changes) and agent_ctl_read.c (reads). */
#ifndef TOF_AGENT_CTL_INT_H
#define TOF_AGENT_CTL_INT_H

#include <pthread.h>

#include "agent_ctl.h"

/* Lock-free read attempts before a reader takes the writers' lock. */

struct tof_ctl {
	pthread_mutex_t write_lock; /* every writer of the tables */
	pthread_mutex_t svc_lock;   /* service changes, check through fsync */
	pthread_rwlock_t cb_lock;   /* the counters source */
	pthread_mutex_t base_lock;  /* base[] */

	struct tof_tables *t;
	struct tof_agent *agent;
	struct tof_state *state;

	tof_ctl_counters_fn counters;
	void *counters_ctx;
	tof_ctl_services_fn services_hook;
	void *services_hook_ctx;
	/* Per slot: the service counters when its service was registered,
	 * subtracted on read so a reused slot starts from zero. */
	struct tof_service_counters *base;
	struct tof_service_counters *pre; /* scratch for base, under svc_lock */

	/* Port chains: changed under svc_lock, swapped whole under
	 * chain_lock so readers copy without waiting for a save. */
	pthread_rwlock_t chain_lock;
	struct tof_chain_config *chains; /* by name */
	uint32_t n_chains;
	uint64_t chain_version;     /* atomic */
	struct tof_ctl_sink sink;   /* set under svc_lock and sink_lock (write);
				     * apply NULL: none */
	pthread_rwlock_t sink_lock;

	pthread_mutex_t problem_lock;
	struct tof_ctl_problem problems[TOF_CTL_PROBLEMS_MAX];
	uint32_t n_problems;

	uint64_t svc_version;       /* atomic */
	bool state_loaded, dp_required, dp_up; /* atomic */
	uint64_t started_ns;
};

/* A service as the table holds it, copied under the seqlock. */
struct ctl_svc_snap {
	uint32_t slot;
	struct tof_service s;
};

/* Copy every service out of the tables, consistent as a whole. *out is
 * malloc'd; returns the count, or -1 when out of memory. */
int ctl_services_snapshot(struct tof_ctl *ctl, struct ctl_svc_snap **out);

/* The config of a service as the table holds it (configured MAC only). */
void ctl_svc_config(const struct tof_service *s, struct tof_service_config *out);

/* Sort by name. */
void ctl_sort_configs(struct tof_service_config *v, uint32_t n);

uint64_t ctl_now_ns(void);

/* Shared by the service changes (agent_ctl.c) and reloads
 * (agent_ctl_apply.c); see agent_ctl.c. */
__attribute__((format(printf, 4, 5)))
enum tof_ctl_code ctl_fail(struct tof_ctl_err *e, enum tof_ctl_code code, const char *field,
			   const char *fmt, ...);
void ctl_ok(struct tof_ctl_err *e);

/* Save the services in the tables (less slot skip, or TOF_NO_SLOT) and
 * these chains. Caller holds svc_lock. 0, or < 0 with e (TOF_CTL_IO, or
 * TOF_CTL_NOSPACE when the disk is full). */
int ctl_persist(struct tof_ctl *ctl, uint32_t skip, const struct tof_chain_config *chains,
		uint32_t n_chains, struct tof_ctl_err *e);

/* A service's references: its chain exists, its app port is on the
 * bridge (when that is known) and is neither tofd's nor a hop's. Caller
 * holds svc_lock. prefix: for the field ("services[3]."). */
enum tof_ctl_code ctl_check_refs(struct tof_ctl *ctl, const struct tof_service_config *sc,
				 const char *prefix, struct tof_ctl_err *e);

/* Hand the services and chains as they are now to the sink. Caller holds
 * svc_lock. */
void ctl_sink_apply(struct tof_ctl *ctl);

void ctl_chains_init(struct tof_ctl *ctl);
void ctl_chains_fini(struct tof_ctl *ctl);
enum tof_ctl_code ctl_check(const struct tof_service_config *sc, bool allow_noname,
			    const char *prefix, struct tof_ctl_err *e);
void ctl_persist_again(struct tof_ctl *ctl);
void ctl_counters_now(struct tof_ctl *ctl);
void ctl_set_base(struct tof_ctl *ctl, uint32_t slot);
void ctl_bump(struct tof_ctl *ctl);

#endif
