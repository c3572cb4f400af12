/* A worker lcore: rx burst -> pipeline -> tx burst, for every port, with its
 * own counters and its own punt ring. Worker 0 also sends what the agent
 * injects (pinger probes, ARP replies). */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>

#include "dp_internal.h"

uint64_t tof_dp_now_ns(const struct tof_dp *dp)
{
	uint64_t c = rte_get_tsc_cycles() - dp->tsc_start;

	/* ns = cycles x (1e9 / hz), as a 32.32 fixed-point multiply: no
	 * division per burst. */
	return (uint64_t)(((unsigned __int128)c * dp->tsc_ns_mult) >> 32);
}

bool tof_dp_worker_punt(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
			enum tof_reason why, uint64_t now_ns)
{
	struct tof_dp_worker *w = ctx;

	return tof_punt_rings_hand(&w->punts, &w->w, frame, len, in, why, now_ns);
}

/* Frames the agent built go out through worker 0's queues. */
static void tof_dp_worker_inject(struct tof_dp *dp, struct tof_dp_worker *w)
{
	struct tof_dp_msg *msgs[TOF_DP_BURST];
	unsigned int n = rte_ring_sc_dequeue_burst(dp->inject, (void **)msgs, TOF_DP_BURST, NULL);

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(dp->pool);
		if (m != NULL && rte_pktmbuf_append(m, msgs[i]->len) != NULL) {
			memcpy(rte_pktmbuf_mtod(m, void *), msgs[i]->data, msgs[i]->len);
			tof_dp_port_tx(dp, w, (enum tof_port)msgs[i]->port, &m, 1);
		} else {
			rte_pktmbuf_free(m);
			__atomic_fetch_add(&dp->inject_drops, 1, __ATOMIC_RELAXED);
		}
		rte_mempool_put(dp->msgs, msgs[i]);
	}
}

static void tof_dp_worker_rx(struct tof_dp *dp, struct tof_dp_worker *w, enum tof_port in)
{
	struct tof_dp_port *p = &dp->ports[in];
	struct rte_mbuf *rx[TOF_DP_BURST];
	struct rte_mbuf *tx[TOF_PORT__COUNT][TOF_DP_BURST];
	uint16_t ntx[TOF_PORT__COUNT] = {0};
	const struct tof_pipeline *pl = dp->ctx.pl;

	if (w->index >= p->nb_rxq)
		return; /* fewer queues than workers: this one is not ours */
	uint16_t n = rte_eth_rx_burst(p->port_id, (uint16_t)w->index, rx, TOF_DP_BURST);
	if (n == 0)
		return;
	uint64_t now = tof_dp_now_ns(dp);
	struct tof_frame f[TOF_DP_BURST];
	struct tof_result res[TOF_DP_BURST];
	struct rte_mbuf *pm[TOF_DP_BURST];
	uint16_t np = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = rx[i];
		if (m->nb_segs > 1) {
			/* Chained (jumbo) frames: forward untouched. */
			w->w.ctr.unprocessed++;
			enum tof_port out = tof_pipeline_peer_port(pl, in);
			if (in == TOF_PORT_APPS)
				rte_pktmbuf_free(m);
			else
				tx[out][ntx[out]++] = m;
			continue;
		}
		f[np] = (struct tof_frame){.buf = m->buf_addr, .off = m->data_off,
					   .len = m->data_len, .cap = m->buf_len};
		pm[np++] = m;
	}
	tof_pipeline_process_burst(pl, &w->w, f, np, in, now, res);
	for (uint16_t i = 0; i < np; i++) {
		struct rte_mbuf *m = pm[i];
		if (res[i].verdict == TOF_V_CONSUME || res[i].verdict == TOF_V_DROP) {
			rte_pktmbuf_free(m);
			continue;
		}
		m->data_off = (uint16_t)f[i].off;
		m->data_len = (uint16_t)f[i].len;
		m->pkt_len = f[i].len;
		enum tof_port out = res[i].out_port;
		tx[out][ntx[out]++] = m;
	}
	for (int o = 0; o < TOF_PORT__COUNT; o++)
		tof_dp_port_tx(dp, w, (enum tof_port)o, tx[o], ntx[o]);
}

int tof_dp_worker_main(void *arg)
{
	struct tof_dp_worker *w = arg;
	struct tof_dp *dp = w->dp;

	struct tof_qsbr *q = &dp->ctx.pl->tables->qsbr;

	tof_qsbr_online(q, w->reader);
	while (!dp->quit) {
		for (int p = 0; p < TOF_PORT__COUNT; p++)
			if (__atomic_load_n(&dp->ports[p].used, __ATOMIC_ACQUIRE))
				tof_dp_worker_rx(dp, w, (enum tof_port)p);
		if (w->index == 0)
			tof_dp_worker_inject(dp, w);
		/* No table pointer is held from here on: the writer may
		 * reuse what it retired before now. */
		tof_qsbr_quiescent(q, w->reader);
	}
	tof_qsbr_offline(q, w->reader);
	return 0;
}
