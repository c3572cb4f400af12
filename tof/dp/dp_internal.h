/* Shared by the data plane's files. */
#ifndef TOF_DP_INTERNAL_H
#define TOF_DP_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "agent_loop.h"
#include "dp.h"

#define TOF_DP_BURST 32
#define TOF_DP_MAX_WORKERS 16
#define TOF_DP_RING_SIZE 4096   /* punts waiting for the agent, per worker */
#define TOF_DP_NB_DESC 1024

/* A frame from the agent to send. */
struct tof_dp_msg {
	uint16_t port;    /* enum tof_port */
	uint16_t len;
	uint8_t data[TOF_PUNT_ROOM];
};
/* The agent's largest frame fits: a link header, the outer headers of the
 * largest tunnel, and the largest probe. */
_Static_assert(TOF_PUNT_ROOM >= TOF_L2_TMPL_MAX + 64 + PINGER_MAX_PACKET,
	       "an injected pinger probe must fit a message");

/* One DPDK port and how the workers use its queues. */
struct tof_dp_port {
	bool used;                     /* atomic: set last, once it works */
	uint16_t port_id;
	uint16_t nb_rxq, nb_txq;
	bool txq_shared;               /* fewer tx queues than workers: locked */
	rte_spinlock_t txq_lock[TOF_DP_MAX_WORKERS];
	char name[64];
};

struct tof_dp_worker {
	struct tof_dp *dp;
	unsigned int lcore;
	unsigned int index;
	struct tof_worker w;           /* core counters + punt buckets */
	unsigned int reader;           /* its place among the tables' readers */
	struct tof_punt_rings punts;   /* worker -> agent */
} __rte_cache_aligned;

struct tof_dp {
	struct tof_dp_ctx ctx;
	struct tof_dp_port ports[TOF_PORT__COUNT];
	struct rte_mempool *pool;      /* packet mbufs */
	struct rte_mempool *msgs;      /* struct tof_dp_msg */
	struct rte_ring *inject;       /* agent -> worker 0 */
	struct tof_agent_loop loop;    /* the agent's thread */
	struct tof_punt_rings *rings[TOF_DP_MAX_WORKERS];
	struct tof_dp_worker workers[TOF_DP_MAX_WORKERS];
	unsigned int n_workers;
	uint64_t tsc_hz;
	uint64_t tsc_start;
	uint64_t tsc_ns_mult;          /* (1e9 << 32) / tsc_hz */
	volatile bool quit;
	bool eal_up;
	uint64_t inject_drops;         /* atomic: the agent and worker 0 count */
	pthread_t vhost_thread;        /* attaches tofd's port on the OVS bridge */
	bool vhost_running;
	bool vhost_done;               /* atomic */
};

/* Nanoseconds on the data plane's clock (TSC since start). */
uint64_t tof_dp_now_ns(const struct tof_dp *dp);

int tof_dp_ports_open(struct tof_dp *dp, char *err, size_t errlen);
/* Probe, configure and start one port into p (used set last). */
int tof_dp_port_setup(struct tof_dp *dp, struct tof_dp_port *p, const char *devargs,
		      char *err, size_t errlen);
/* With "ovs": serve the vhost-user socket as the apps port. Its probe
 * waits for OVS to connect, so a thread does it while the S1 ports work;
 * stop interrupts a wait that never ended. */
int tof_dp_vhost_start(struct tof_dp *dp, char *err, size_t errlen);
void tof_dp_vhost_stop(struct tof_dp *dp);
void tof_dp_ports_close(struct tof_dp *dp);
/* Send a burst out a tof port from worker wi; frees what was not sent. */
void tof_dp_port_tx(struct tof_dp *dp, struct tof_dp_worker *w, enum tof_port p,
		    struct rte_mbuf **pkts, uint16_t n);

int tof_dp_worker_main(void *arg);
bool tof_dp_worker_punt(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
			enum tof_reason why, uint64_t now_ns);

/* DPDK's log lines into tofd's log (before EAL starts). */
void tof_dp_log_init(void);

int tof_dp_agent_start(struct tof_dp *dp, char *err, size_t errlen);
void tof_dp_agent_stop(struct tof_dp *dp);

#endif
