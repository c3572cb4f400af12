/* The agent's thread with the DPDK data plane: the shared loop
 * (agent_loop.c) drains the workers' punt rings and runs the timers; the
 * frames the agent builds go to worker 0 through the inject ring. */
#include <string.h>

#include "dp_internal.h"

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

static uint64_t tof_dp_agent_now(void *ctx)
{
	return tof_dp_now_ns(ctx);
}

_Static_assert(TOF_DP_MAX_WORKERS <= TOF_AGENT_MAX_RINGS, "a punt ring pair per worker");

int tof_dp_agent_start(struct tof_dp *dp, char *err, size_t errlen)
{
	dp->loop = (struct tof_agent_loop){
		.agent = dp->ctx.agent,
		.lock = dp->ctx.writer_lock,
		.emit = tof_dp_agent_emit,
		.emit_ctx = dp,
		.rings = dp->rings,
		.n_rings = dp->n_workers,
		.now = tof_dp_agent_now,
		.now_ctx = dp,
	};
	return tof_agent_loop_start(&dp->loop, err, errlen);
}

void tof_dp_agent_stop(struct tof_dp *dp)
{
	tof_agent_loop_stop(&dp->loop);
}
