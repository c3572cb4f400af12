/* Kernel mode: the same pipeline and agent as the DPDK data plane, on a
 * Linux bridge. iptables queues GTP-U crossing the bridge to tofd (NFQUEUE
 * with --queue-bypass, fail-open queues); a BPF program lets the kernel
 * forward known tunnels' packets itself; offloaded packets leave by
 * AF_PACKET on the apps interface, where the apps' replies arrive too. */
#ifndef TOF_NFQ_H
#define TOF_NFQ_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"
#include "tof_config.h"
#include "tof_pipeline.h"
#include "tof_types.h"

struct tof_nfq;

struct tof_nfq_ctx {
	const struct tof_config *cfg;  /* dataplane "kernel" */
	struct tof_pipeline *pl;       /* tables + config; l2 set by us */
	struct tof_agent *agent;       /* run by our agent thread */
	pthread_mutex_t *writer_lock;  /* the control lock the REST API takes */
};

/* Bridge, rules, queues, threads. -1 with a message in err that says what
 * to do (missing interface, no permission, queue taken...); nothing is left
 * installed then. */
int tof_nfq_start(const struct tof_nfq_ctx *ctx, struct tof_nfq **out, char *err, size_t errlen);

/* With "ovs": make sure kernel.apps and ovs.port are the two ends of a veth
 * pair (created when neither exists), offloads off, both up. Before OVS is
 * told to take ovs.port as a system port. -1 with a message in err. */
int tof_nfq_veth_setup(const struct tof_config *cfg, char *err, size_t errlen);

/* Sum the threads' counters, the kernel's forwarded packets included. */
void tof_nfq_counters(struct tof_nfq *n, struct tof_counters *c, struct tof_service_counters *svc,
		      uint32_t n_svc);

/* The services changed: the kernel must send their traffic to us. */
void tof_nfq_services_changed(struct tof_nfq *n);

/* Rules out first (the bridge forwards on by itself), then the packets
 * already queued get their verdicts, then the threads stop. */
void tof_nfq_stop(struct tof_nfq *n);

#endif
