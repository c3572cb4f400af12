/* The DPDK data plane as tofd run sees it: start EAL, ports, workers and the
 * agent thread; read counters; stop. Built from tof/dp/ when DPDK is there,
 * otherwise dp_stub.c says so. */
#ifndef TOF_DP_H
#define TOF_DP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "tof_config.h"
#include "tof_pipeline.h"
#include "tof_types.h"

struct tof_dp;

struct tof_dp_ctx {
	const struct tof_config *cfg;
	struct tof_pipeline *pl;   /* tables + config; l2 filled by the dp */
	struct tof_agent *agent;   /* run by the dp's agent thread */
	pthread_mutex_t *writer_lock; /* serialises every table writer: the
				       * control lock the REST API takes too */
	int eal_argc;              /* EAL arguments after "--" (override cfg->eal) */
	char **eal_argv;
};

/* Is a DPDK data plane built into this binary? */
bool tof_dp_available(void);

/* Start everything; returns 0, or -1 with a message in err that says what
 * to do (missing port, no hugepages, no permission...). */
int tof_dp_start(const struct tof_dp_ctx *ctx, struct tof_dp **out, char *err, size_t errlen);

/* Sum the workers' counters into c, and per-service counters into svc
 * (n_svc entries); both are overwritten. */
void tof_dp_counters(struct tof_dp *dp, struct tof_counters *c, struct tof_service_counters *svc,
		     uint32_t n_svc);

/* Drain and stop: workers finish their bursts, ports close, EAL cleans up. */
void tof_dp_stop(struct tof_dp *dp);

#endif
