/* The agent's thread in the live appliance: drain the workers' punt rings,
 * learn, run the pinger and purge timers, and hand the frames it builds to
 * worker 0. Every table write happens under the control lock, which the
 * REST API takes too. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_lcore.h>

#include "dp_internal.h"

#define TOF_DP_AGENT_BURST 64

static void tof_dp_agent_emit(void *ctx, enum tof_port port, const uint8_t *frame, size_t len,
			      uint64_t when_ns)
{
	struct tof_dp *dp = ctx;
	struct tof_dp_msg *m;

	(void)when_ns;
	if (len > sizeof(m->data) || rte_mempool_get(dp->msgs, (void **)&m) != 0) {
		__atomic_fetch_add(&dp->inject_drops, 1, __ATOMIC_RELAXED);
		return;
	}
	m->port = (uint16_t)port;
	m->len = (uint16_t)len;
	memcpy(m->data, frame, len);
	if (rte_ring_mp_enqueue(dp->inject, m) != 0) {
		rte_mempool_put(dp->msgs, m);
		__atomic_fetch_add(&dp->inject_drops, 1, __ATOMIC_RELAXED);
	}
}

/* Hand up to one burst of a ring's punts to the agent; how many. */
static unsigned int tof_dp_agent_drain(struct tof_dp *dp, struct rte_ring *r)
{
	struct tof_dp_msg *msgs[TOF_DP_AGENT_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(r, (void **)msgs, TOF_DP_AGENT_BURST, NULL);

	for (unsigned int k = 0; k < n; k++)
		tof_agent_punt(dp->ctx.agent, msgs[k]->data, msgs[k]->len,
			       (enum tof_port)msgs[k]->port, (enum tof_reason)msgs[k]->reason,
			       msgs[k]->now_ns);
	rte_mempool_put_bulk(dp->msgs, (void **)msgs, n);
	return n;
}

static void *tof_dp_agent_main(void *arg)
{
	struct tof_dp *dp = arg;
	struct tof_agent *a = dp->ctx.agent;

	while (!dp->quit) {
		unsigned int total = 0, urgent;

		pthread_mutex_lock(dp->ctx.writer_lock);
		/* Urgent punts (known sessions, the pinger's replies, unknown
		 * downlink) all go first; a flood of new tunnels waits. */
		do {
			urgent = 0;
			for (unsigned int i = 0; i < dp->n_workers; i++)
				urgent += tof_dp_agent_drain(dp, dp->workers[i].punts_urgent);
			total += urgent;
		} while (urgent > 0 && total < 16 * TOF_DP_AGENT_BURST);
		for (unsigned int i = 0; i < dp->n_workers; i++)
			total += tof_dp_agent_drain(dp, dp->workers[i].punts);
		uint64_t now = tof_dp_now_ns(dp);
		if (tof_agent_next_deadline(a) <= now)
			tof_agent_tick(a, now);
		pthread_mutex_unlock(dp->ctx.writer_lock);
		if (total == 0)
			usleep(500); /* idle: timers have millisecond resolution */
	}
	return NULL;
}

int tof_dp_agent_start(struct tof_dp *dp, char *err, size_t errlen)
{
	struct tof_agent *a = dp->ctx.agent;

	/* From now on the agent's frames go out through the workers. */
	pthread_mutex_lock(dp->ctx.writer_lock);
	a->emit = tof_dp_agent_emit;
	a->emit_ctx = dp;
	pthread_mutex_unlock(dp->ctx.writer_lock);
	int rc = pthread_create(&dp->agent_thread, NULL, tof_dp_agent_main, dp);
	if (rc != 0) {
		snprintf(err, errlen, "agent thread: %s", strerror(rc));
		return -1;
	}
	pthread_setname_np(dp->agent_thread, "tof-agent");
	dp->agent_running = true;
	return 0;
}

void tof_dp_agent_stop(struct tof_dp *dp)
{
	if (!dp->agent_running)
		return;
	pthread_join(dp->agent_thread, NULL);
	dp->agent_running = false;
	pthread_mutex_lock(dp->ctx.writer_lock);
	dp->ctx.agent->emit = NULL;
	dp->ctx.agent->emit_ctx = NULL;
	pthread_mutex_unlock(dp->ctx.writer_lock);
}
