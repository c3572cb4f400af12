/* libFuzzer target, stateful: one input is a sequence of frames arriving on
 * any port of a fresh appliance (pipeline, worker, agent, timers) with a
 * tiny session table, so fills, evictions, claims, handovers, purges and
 * the pinger's round trips are all reached. Nothing may crash, read out of
 * bounds, leak, loop, grow a frame beyond its buffer, or break a table's
 * invariants (checked after every frame).
 *
 * Input: one byte of set-up (link type of the S1 ports, punt budget), then
 * records: [ctl][len hi][len lo][frame...]. ctl bits 0-1: 0 eNB port,
 * 1 SGW port, 2 apps port, 3 "the SGW answers the last probe" (the
 * harness turns the agent's last probe into its echo reply, with the
 * record's first 4 octets as downlink TEID: the only way to produce a
 * reply carrying the pinger's secret tag); bits 2-5: time advance, 2^k
 * (x 100 us); bit 6: run the agent's timers first; bit 7: the agent's
 * queue is full for this frame. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "config.h"
#include "csum.h"
#include "tof_pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_SESSIONS 16
#define FUZZ_FRAME_MAX 2048

struct fuzz_punt {
	uint8_t frame[FUZZ_FRAME_MAX];
	size_t len;
	enum tof_port port;
	enum tof_reason why;
};

struct fuzz_ctx {
	struct tof_config cfg;
	struct tof_tables *t;
	struct tof_pipeline pl;
	struct tof_worker w;
	struct tof_agent a;
	struct fuzz_punt punts[4];
	int n_punts;
	bool refuse;
	uint8_t probe[FUZZ_FRAME_MAX]; /* the agent's last frame towards the SGW */
	size_t probe_len;
	uint64_t now;
};

static struct tof_config fuzz_cfg;
static bool fuzz_cfg_ok;

static bool fuzz_punt(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
		      enum tof_reason why, uint64_t now_ns)
{
	struct fuzz_ctx *c = ctx;
	(void)now_ns;
	if (c->refuse || c->n_punts == 4 || len > FUZZ_FRAME_MAX)
		return false;
	struct fuzz_punt *p = &c->punts[c->n_punts++];
	memcpy(p->frame, frame, len);
	p->len = len;
	p->port = in;
	p->why = why;
	return true;
}

static void fuzz_emit(void *ctx, enum tof_port port, const uint8_t *frame, size_t len,
		      uint64_t when_ns)
{
	struct fuzz_ctx *c = ctx;
	volatile uint8_t sink = 0;

	(void)when_ns;
	for (size_t i = 0; i < len; i++)
		sink ^= frame[i]; /* every emitted octet must be readable */
	(void)sink;
	if (port == TOF_PORT_SGW && len <= sizeof(c->probe)) {
		memcpy(c->probe, frame, len);
		c->probe_len = len;
	}
}

/* Every index entry points at a live entry with its key, and the counts
 * agree: the invariants a hostile sequence must not break. */
static void fuzz_check_tables(const struct tof_tables *t)
{
	uint32_t live = 0;

	for (uint32_t i = 0; i < t->max_sessions; i++) {
		const struct tof_session *s = &t->sessions[i];
		if (!s->in_use)
			continue;
		live++;
		if (s->n_extra > TOF_MAX_EXTRA_BEARERS)
			abort();
		if ((s->flags & TOF_SESS_UL) && tof_session_find_ul(t, &s->sgw, s->ul_teid) != i)
			abort();
		if ((s->flags & TOF_SESS_DL) && tof_session_find_dl(t, &s->enb, s->dl_teid) != i)
			abort();
		if (s->ue4.family && tof_session_find_ue(t, &s->ue4) != i)
			abort();
		if (s->ue6.family && tof_session_find_ue(t, &s->ue6) != i)
			abort();
	}
	if (live != t->n_sessions || t->ix_ue.used > 2 * t->max_sessions ||
	    t->ix_ul.used > TOF_MAX_BEARERS * t->max_sessions || t->ix_dl.used > t->max_sessions ||
	    t->refused != 0)
		abort();
}

/* The SGW's answer to the agent's last probe: outer and inner addresses
 * swapped, echo reply, downlink TEID from the input. */
static size_t fuzz_answer_probe(struct fuzz_ctx *c, const uint8_t *teid, uint8_t *out)
{
	struct pkt_l2 l2;
	struct pkt_ip outer, inner;
	struct gtp_hdr g;
	uint8_t tmp[16];

	if (c->probe_len == 0 || pkt_parse_l2(c->probe, c->probe_len, PKT_L2_ETH, &l2) != PKT_OK)
		return 0;
	memcpy(out, c->probe, c->probe_len);
	uint8_t *ip = out + l2.l3_off;
	if (pkt_parse_ip(ip, c->probe_len - l2.l3_off, &outer) != PKT_OK || outer.l4_len < 8)
		return 0;
	uint8_t *gtp = ip + outer.l4_off + 8;
	if (gtp_parse(gtp, outer.l4_len - 8, &g) != GTP_OK)
		return 0;
	uint8_t *in = gtp + g.hdr_len;
	if (pkt_parse_ip(in, outer.l4_len - 8 - g.hdr_len, &inner) != PKT_OK || inner.l4_len < 8)
		return 0;
	size_t al = outer.family == GTP_AF_INET6 ? 16 : 4, ao = outer.family == GTP_AF_INET6 ? 8 : 12;
	memcpy(tmp, ip + ao, al), memcpy(ip + ao, ip + ao + al, al), memcpy(ip + ao + al, tmp, al);
	ip[outer.l4_off + 6] = ip[outer.l4_off + 7] = 0; /* no UDP checksum */
	memcpy(gtp + 4, teid, 4);
	al = inner.family == GTP_AF_INET6 ? 16 : 4, ao = inner.family == GTP_AF_INET6 ? 8 : 12;
	memcpy(tmp, in + ao, al), memcpy(in + ao, in + ao + al, al), memcpy(in + ao + al, tmp, al);
	uint8_t *icmp = in + inner.l4_off;
	uint16_t old = (uint16_t)(icmp[0] << 8 | icmp[1]), ck;
	icmp[0] = inner.family == GTP_AF_INET6 ? 129 : 0;
	memcpy(&ck, icmp + 2, 2);
	ck = csum_update16(ck, __builtin_bswap16(old), __builtin_bswap16((uint16_t)(icmp[0] << 8 | icmp[1])));
	memcpy(icmp + 2, &ck, 2);
	return c->probe_len;
}

static void fuzz_frame(struct fuzz_ctx *c, enum tof_port in, const uint8_t *frame, size_t len)
{
	static uint8_t buf[TOF_ENCAP_HEADROOM + 160 + FUZZ_FRAME_MAX];
	struct tof_frame f = {.buf = buf, .off = TOF_ENCAP_HEADROOM + 160, .len = (uint32_t)len,
			      .cap = sizeof(buf)};
	struct tof_result r;

	memcpy(buf + f.off, frame, len);
	c->n_punts = 0;
	tof_pipeline_process(&c->pl, &c->w, &f, in, c->now, &r);
	if (f.off > f.cap || f.len > f.cap - f.off)
		abort();
	/* A frame is forwarded, offloaded, encapsulated, or the agent has it
	 * (handed over), or it is ours / dropped: never silently lost. */
	if (r.verdict == TOF_V_CONSUME && !r.handed_over && r.reason != TOF_R_DL_PINGER_REPLY &&
	    r.reason != TOF_R_APPS_ARP && r.reason != TOF_R_APPS_ND)
		abort();
	volatile uint8_t sink = 0;
	for (uint32_t i = 0; i < f.len; i++)
		sink ^= buf[f.off + i];
	(void)sink;
	for (int i = 0; i < c->n_punts; i++)
		tof_agent_punt(&c->a, c->punts[i].frame, c->punts[i].len, c->punts[i].port,
			       c->punts[i].why, c->now);
	fuzz_check_tables(c->t);
}

static void fuzz_setup(struct fuzz_ctx *c, uint8_t setup)
{
	static const enum pkt_l2_type l2s[4] = {PKT_L2_ETH, PKT_L2_RAW, PKT_L2_SLL, PKT_L2_SLL2};

	c->cfg = fuzz_cfg;
	c->cfg.punt_rate_pps = (setup & 4) ? 10 : 0;
	c->cfg.punt_burst = 2;
	c->t = tof_tables_create(FUZZ_SESSIONS, 4);
	tof_tables_seed(c->t, setup);
	tof_tables_set_ttl(c->t, c->cfg.encap_ttl);
	c->pl.cfg = &c->cfg;
	c->pl.tables = c->t;
	c->pl.pinger = c->cfg.pinger;
	for (int p = 0; p < TOF_PORT__COUNT; p++)
		c->pl.l2[p] = p == TOF_PORT_APPS || !(setup & 8) ? PKT_L2_ETH : l2s[setup & 3];
	if (tof_worker_init(&c->w, 4, fuzz_punt, c) || tof_agent_init(&c->a, &c->cfg, &c->pl,
								    fuzz_emit, c))
		abort();
	char err[128];
	if (tof_agent_load_services(&c->a, err, sizeof(err)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_ctx c;
	static uint8_t reply[FUZZ_FRAME_MAX];
	char err[256];

	if (!fuzz_cfg_ok) {
		const char *json =
			"{\"mode\": \"dual\", \"sgw\": [\"198.18.0.0/24\", \"2001:db8:fffe::/64\"],"
			" \"services\": [{\"name\": \"a\", \"serviceIP\": \"203.0.113.100\", \"applicationIP\": \"198.51.100.10\"},"
			"  {\"name\": \"b\", \"serviceIP\": \"2001:db8:5::100\", \"applicationIP\": \"2001:db8:6::10\"}],"
			" \"apps_gateway\": [\"198.51.100.1\", \"2001:db8:6::1\"],"
			" \"idle_timeout_s\": 2, \"purge_interval_ms\": 500, \"ue_move_silence_s\": 1,"
			" \"pinger\": {\"target\": \"203.0.113.1\", \"target6\": \"2001:db8:ffff::1\","
			" \"interval_ms\": 100, \"max_interval_ms\": 1000, \"rate_pps\": 50}}";
		if (tof_config_load_string(json, &fuzz_cfg, err, sizeof(err)) != 0)
			abort();
		fuzz_cfg_ok = true;
	}
	if (size < 1)
		return 0;
	memset(&c, 0, sizeof(c));
	fuzz_setup(&c, data[0]);
	c.now = 1000000000ULL;
	size_t i = 1;
	while (i + 3 <= size) {
		uint8_t ctl = data[i];
		size_t len = (size_t)data[i + 1] << 8 | data[i + 2];
		i += 3;
		if (len > size - i)
			len = size - i;
		if (len > FUZZ_FRAME_MAX)
			len = FUZZ_FRAME_MAX;
		c.now += (100000ULL << ((ctl >> 2) & 15));
		if ((ctl & 0x40) && tof_agent_next_deadline(&c.a) <= c.now)
			tof_agent_tick(&c.a, c.now);
		c.refuse = (ctl & 0x80) != 0;
		switch (ctl & 3) {
		case 0:
			fuzz_frame(&c, TOF_PORT_ENB, data + i, len);
			break;
		case 1:
			fuzz_frame(&c, TOF_PORT_SGW, data + i, len);
			break;
		case 2:
			fuzz_frame(&c, TOF_PORT_APPS, data + i, len);
			break;
		default:
			if (len >= 4) {
				size_t n = fuzz_answer_probe(&c, data + i, reply);
				if (n > 0)
					fuzz_frame(&c, TOF_PORT_SGW, reply, n);
			}
			break;
		}
		i += len;
	}
	tof_agent_fini(&c.a);
	tof_worker_fini(&c.w);
	tof_tables_destroy(c.t);
	return 0;
}
