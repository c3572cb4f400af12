/* The agent: learning from punts, the pinger revealing a hidden downlink,
 * handover, Error Indication, idle purge, app MACs — through the pipeline,
 * as the data plane and the replay drive it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csum.h"
#include "gtp.h"
#include "pinger.h"
#include "tfix.h"

#define ENB "198.18.0.1"
#define ENB2 "198.18.0.11"
#define SGW "198.18.0.2"
#define UE "198.19.0.5"
#define SVC "203.0.113.100"
#define APP "198.51.100.10"
#define PDN "203.0.113.7"
#define SEC 1000000000ULL

static const char *const cfg_always =
	"{\"mode\": \"dual\", \"enb\": [\"" ENB "\"], \"sgw\": [\"" SGW "\"],"
	" \"services\": [{\"name\": \"cache\", \"serviceIP\": \"" SVC "\", \"applicationIP\": \"" APP "\"}],"
	" \"idle_timeout_s\": 30, \"purge_interval_ms\": 1000, \"apps_gateway\": \"198.51.100.1\","
	" \"pinger\": {\"target\": \"203.0.113.1\", \"interval_ms\": 1000, \"tries\": 3}}";

static const char *const cfg_on_demand =
	"{\"mode\": \"dual\", \"sgw\": [\"" SGW "\"],"
	" \"services\": [{\"name\": \"cache\", \"serviceIP\": \"" SVC "\", \"applicationIP\": \"" APP "\"}],"
	" \"pinger\": {\"target\": \"203.0.113.1\", \"policy\": \"on_demand\"}}";

static int setup_always(void **state)
{
	struct tfix *x = tfix_new(cfg_always, 64);
	if (x != NULL)
		x->agent_learns = true;
	*state = x;
	return x == NULL ? -1 : 0;
}

static int setup_on_demand(void **state)
{
	struct tfix *x = tfix_new(cfg_on_demand, 64);
	if (x != NULL)
		x->agent_learns = true;
	*state = x;
	return x == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	tfix_free(*state);
	return 0;
}

static void gpdu(struct tframe *tf, const char *osrc, const char *odst, uint32_t teid,
		 const char *isrc, const char *idst)
{
	struct tframe_spec s;
	tframe_default(&s);
	s.outer_src = osrc, s.outer_dst = odst, s.teid = teid;
	s.inner_src = isrc, s.inner_dst = idst;
	tframe_build(tf, &s);
}

static uint32_t ue_slot(struct tfix *x, const char *ue)
{
	struct gtp_addr a = tframe_addr(ue);
	return tof_session_find_ue(x->t, &a);
}

static void test_learn_both_directions(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	uint32_t s = ue_slot(x, UE);
	assert_int_not_equal(s, TOF_NO_SLOT);
	assert_int_equal(x->t->sessions[s].ul_teid, 0x100);
	assert_int_equal(x->a.events[TOF_EV_UL_LEARNED], 1);
	/* Second packet: known, no punt. */
	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	assert_false(r.punted);
	gpdu(&tf, SGW, ENB, 0x200, PDN, UE);
	tfix_run(x, &tf, TOF_PORT_SGW, 1 * SEC, &r);
	assert_true(r.punted);
	assert_true(x->t->sessions[s].flags & TOF_SESS_DL);
	assert_int_equal(x->t->sessions[s].dl_teid, 0x200);
	assert_int_equal(x->a.events[TOF_EV_DL_LEARNED], 1);
	gpdu(&tf, SGW, ENB, 0x200, PDN, UE);
	tfix_run(x, &tf, TOF_PORT_SGW, 1 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_DL_KNOWN);
	/* A downlink for a UE never seen uplink teaches nothing. */
	gpdu(&tf, SGW, ENB, 0x300, PDN, "198.19.0.99");
	tfix_run(x, &tf, TOF_PORT_SGW, 1 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_DL_NO_SESSION], 1);
	assert_int_equal(x->t->n_sessions, 1);
}

static void test_pinger_reveals_hidden_downlink(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	/* The UE only talks to the edge service: no downlink ever comes. */
	gpdu(&tf, ENB, SGW, 0x100, UE, SVC);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	uint32_t s = ue_slot(x, UE);
	assert_int_equal(x->t->sessions[s].probe.state, PINGER_PROBING);
	tfix_tick(x, 1 * SEC);
	assert_int_equal(x->n_emitted, 1);
	const struct tfix_rec *p = &x->emitted[0];
	assert_true(x->n_emitted_apps > 0); /* and the app's MAC is asked for */
	assert_int_equal(p->port, TOF_PORT_SGW);
	/* The probe goes up the UE's tunnel, as the UE, with the eNB's L2. */
	struct pkt_ip outer, inner;
	struct pkt_udp udp;
	struct gtp_hdr g;
	assert_memory_equal(p->frame, tf.buf + 0, 0);
	assert_int_equal(pkt_parse_ip(p->frame + 14, p->len - 14, &outer), PKT_OK);
	struct gtp_addr enb = tframe_addr(ENB), sgw = tframe_addr(SGW), ue = tframe_addr(UE);
	assert_true(gtp_addr_eq(&outer.src, &enb));
	assert_true(gtp_addr_eq(&outer.dst, &sgw));
	assert_int_equal(pkt_parse_udp(p->frame + 14, &outer, &udp), PKT_OK);
	assert_int_equal(gtp_parse(p->frame + 14 + udp.payload_off, udp.payload_len, &g), GTP_OK);
	assert_int_equal(g.teid, 0x100);
	const uint8_t *ip = p->frame + 14 + udp.payload_off + g.hdr_len;
	assert_int_equal(pkt_parse_ip(ip, udp.payload_len - g.hdr_len, &inner), PKT_OK);
	assert_true(gtp_addr_eq(&inner.src, &ue));
	assert_int_equal(inner.proto, PKT_PROTO_ICMP);
	assert_true(tframe_csum_ok(ip, inner.tot_len));

	/* No answer: retries with backoff (1 s, then 2 s), then give up. */
	tfix_tick(x, 2 * SEC - 1);
	assert_int_equal(x->n_emitted, 1);
	tfix_tick(x, 2 * SEC);
	assert_int_equal(x->n_emitted, 2);
	tfix_tick(x, 4 * SEC);
	assert_int_equal(x->n_emitted, 3);

	/* The SGW answers the third probe: consumed, downlink learned. */
	tfix_answer_probe(&x->emitted[2], 0x7777, &tf);
	tfix_run(x, &tf, TOF_PORT_SGW, 4 * SEC + 1000, &r);
	assert_int_equal(r.verdict, TOF_V_CONSUME);
	assert_true(x->t->sessions[s].flags & TOF_SESS_DL);
	assert_int_equal(x->t->sessions[s].dl_teid, 0x7777);
	assert_int_equal(x->t->sessions[s].probe.state, PINGER_DONE);
	assert_int_equal(x->a.events[TOF_EV_DL_BY_PINGER], 1);
	assert_int_equal(x->a.pinger.replies, 1);
	tfix_tick(x, 30 * SEC);
	assert_int_equal(x->n_emitted, 3);

	/* Now the app's reply reaches the UE. */
	struct tframe_spec sp;
	tframe_default(&sp);
	sp.inner_src = APP, sp.inner_dst = UE;
	tframe_build(&tf, &sp);
	tfix_run(x, &tf, TOF_PORT_APPS, 31 * SEC, &r);
	assert_string_equal(tof_reason_name(r.reason), "apps_reply");
	assert_int_equal(r.verdict, TOF_V_ENCAP);
}

static void test_pinger_gives_up(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	gpdu(&tf, ENB, SGW, 0x100, UE, SVC);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	for (uint64_t t = 1; t < 20; t++)
		gpdu(&tf, ENB, SGW, 0x100, UE, SVC), tfix_run(x, &tf, TOF_PORT_ENB, t * SEC, &r);
	assert_int_equal(x->n_emitted, 3);
	assert_int_equal(x->t->sessions[ue_slot(x, UE)].probe.state, PINGER_GAVE_UP);
	assert_int_equal(x->a.pinger.gave_up, 1);
}

static void test_handover(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	gpdu(&tf, SGW, ENB, 0x200, PDN, UE);
	tfix_run(x, &tf, TOF_PORT_SGW, 1 * SEC, &r);
	uint32_t s = ue_slot(x, UE);
	assert_true(x->t->sessions[s].flags & TOF_SESS_DL);
	/* The same uplink TEID now comes from another eNB. */
	gpdu(&tf, ENB2, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 2 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_HANDOVER);
	struct gtp_addr enb2 = tframe_addr(ENB2);
	assert_true(gtp_addr_eq(&x->t->sessions[s].enb, &enb2));
	assert_false(x->t->sessions[s].flags & TOF_SESS_DL);
	assert_int_equal(x->t->sessions[s].handovers, 1);
	assert_int_equal(x->a.events[TOF_EV_HANDOVER], 1);
	/* The target eNB's downlink TEID is learned afresh. */
	gpdu(&tf, SGW, ENB2, 0x900, PDN, UE);
	tfix_run(x, &tf, TOF_PORT_SGW, 2 * SEC, &r);
	assert_int_equal(x->t->sessions[s].dl_teid, 0x900);
	gpdu(&tf, ENB2, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 2 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_KNOWN);
}

static void test_error_indication_removes(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	gpdu(&tf, SGW, ENB, 0x200, PDN, UE);
	tfix_run(x, &tf, TOF_PORT_SGW, 1 * SEC, &r);
	gpdu(&tf, ENB, SGW, 0x101, "198.19.0.6", PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	assert_int_equal(x->t->n_sessions, 2);
	/* Unknown TEID: nothing happens. */
	tfix_error_ind(x, ENB, SGW, 0x555, ENB, TOF_PORT_ENB, 3 * SEC);
	assert_int_equal(x->t->n_sessions, 2);
	/* The eNB does not know its downlink TEID 0x200 any more. */
	tfix_error_ind(x, ENB, SGW, 0x200, ENB, TOF_PORT_ENB, 3 * SEC);
	assert_int_equal(x->t->n_sessions, 1);
	assert_int_equal(ue_slot(x, UE), TOF_NO_SLOT);
	assert_int_equal(x->a.events[TOF_EV_ERROR_IND_REMOVED], 1);
	/* The SGW does not know uplink TEID 0x101. */
	tfix_error_ind(x, SGW, ENB, 0x101, SGW, TOF_PORT_SGW, 3 * SEC);
	assert_int_equal(x->t->n_sessions, 0);
	/* Traffic re-creates the session. */
	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 4 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_UNKNOWN);
	assert_int_not_equal(ue_slot(x, UE), TOF_NO_SLOT);
}

static void test_idle_purge_and_relearn(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	gpdu(&tf, ENB, SGW, 0x101, "198.19.0.6", PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	/* UE keeps talking, 198.19.0.6 goes quiet. */
	for (uint64_t t = 5; t <= 30; t += 5)
		gpdu(&tf, ENB, SGW, 0x100, UE, PDN), tfix_run(x, &tf, TOF_PORT_ENB, t * SEC, &r);
	assert_int_equal(x->t->n_sessions, 2);
	tfix_tick(x, 32 * SEC + 1);
	assert_int_equal(x->t->n_sessions, 1);
	assert_int_equal(ue_slot(x, "198.19.0.6"), TOF_NO_SLOT);
	assert_int_equal(x->a.events[TOF_EV_PURGED], 1);
	/* It comes back: re-learned. */
	gpdu(&tf, ENB, SGW, 0x101, "198.19.0.6", PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 40 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_UNKNOWN);
	assert_int_not_equal(ue_slot(x, "198.19.0.6"), TOF_NO_SLOT);
	/* Everyone quiet: all gone, and the purge timer stops. */
	tfix_tick(x, 200 * SEC);
	assert_int_equal(x->t->n_sessions, 0);
	assert_int_equal(x->a.next_purge_ns, UINT64_MAX);
}

static void test_dual_stack_and_bearers(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	/* The same bearer carries the UE's IPv6 too: an address nobody owns,
	 * of a family the session has none of. */
	gpdu(&tf, ENB, SGW, 0x100, "2001:db8:9:1::5", "2001:db8:ffff::1");
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_SPOOFED);
	assert_int_equal(x->a.events[TOF_EV_UE_ADDR_ADDED], 1);
	uint32_t s = ue_slot(x, UE);
	assert_int_equal(ue_slot(x, "2001:db8:9:1::77"), s);
	assert_int_equal(x->t->n_sessions, 1);
	/* Another TEID for the same UE, eNB and SGW: a dedicated bearer. Both
	 * tunnels are the UE's. */
	gpdu(&tf, ENB, SGW, 0x222, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 2 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_UNKNOWN);
	assert_int_equal(ue_slot(x, UE), s);
	assert_int_equal(x->a.events[TOF_EV_BEARER_ADDED], 1);
	assert_int_equal(x->t->n_sessions, 1);
	for (int k = 0; k < 4; k++) {
		gpdu(&tf, ENB, SGW, k % 2 ? 0x222 : 0x100, UE, SVC);
		tfix_run(x, &tf, TOF_PORT_ENB, 2 * SEC, &r);
		assert_int_equal(r.verdict, TOF_V_OFFLOAD);
		assert_false(r.punted);
	}
	/* Another address in the live bearer 0x222: a spoof, passed and not
	 * believed. */
	gpdu(&tf, ENB, SGW, 0x222, "198.19.0.77", PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 3 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_SPOOFED);
	assert_int_equal(r.verdict, TOF_V_PASS);
	assert_int_equal(ue_slot(x, "198.19.0.77"), TOF_NO_SLOT);
	assert_int_equal(x->a.events[TOF_EV_SPOOFED], 1);
	/* The UE keeps using 0x100 only; 0x222 falls silent and ages out, and
	 * when the SGW gives it to another UE that one is learned afresh. */
	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 20 * SEC, &r);
	gpdu(&tf, ENB, SGW, 0x222, "198.19.0.77", PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 33 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_BEARER_AGED], 1);
	uint32_t s2 = ue_slot(x, "198.19.0.77");
	assert_int_not_equal(s2, TOF_NO_SLOT);
	assert_int_not_equal(s2, s);
	assert_int_equal(x->t->sessions[s2].ul_teid, 0x222);
	assert_int_equal(x->t->sessions[s].n_extra, 0);
	gpdu(&tf, ENB, SGW, 0x100, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 33 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_KNOWN);
}

static void test_link_local_sources_teach_nothing(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	/* A UE's first IPv6 packet is its router solicitation from fe80::. */
	gpdu(&tf, ENB, SGW, 0x100, "fe80::1", "2001:db8:ffff::1");
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	assert_true(r.punted);
	assert_int_equal(x->t->n_sessions, 0);
	gpdu(&tf, ENB, SGW, 0x100, "2001:db8:1:1::5", "2001:db8:ffff::1");
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	uint32_t s = ue_slot(x, "2001:db8:1:1::5");
	assert_int_not_equal(s, TOF_NO_SLOT);
	/* Later link-local traffic in the known tunnel changes nothing. */
	int punts = x->n_punts;
	gpdu(&tf, ENB, SGW, 0x100, "fe80::1", "2001:db8:ffff::1");
	tfix_run(x, &tf, TOF_PORT_ENB, 2 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_KNOWN);
	assert_int_equal(x->n_punts, punts);
	assert_int_equal(ue_slot(x, "2001:db8:1:1::5"), s);
}

static void test_bearers_limit_and_error_indication(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	/* Five bearers: the oldest dedicated one gives way. */
	for (uint32_t k = 0; k < 5; k++) {
		gpdu(&tf, ENB, SGW, 0x500 + k, UE, PDN);
		tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	}
	uint32_t s = ue_slot(x, UE);
	assert_int_equal(x->t->sessions[s].ul_teid, 0x500);
	assert_int_equal(x->t->sessions[s].n_extra, TOF_MAX_EXTRA_BEARERS);
	struct gtp_addr sgw = tframe_addr(SGW);
	assert_int_equal(tof_session_find_ul(x->t, &sgw, 0x501), TOF_NO_SLOT);
	for (uint32_t k = 2; k < 5; k++)
		assert_int_equal(tof_session_find_ul(x->t, &sgw, 0x500 + k), s);
	/* The SGW does not know 0x500 any more: only that bearer goes. */
	tfix_error_ind(x, SGW, ENB, 0x500, SGW, TOF_PORT_SGW, 3 * SEC);
	assert_int_equal(tof_session_find_ul(x->t, &sgw, 0x500), TOF_NO_SLOT);
	assert_int_equal(ue_slot(x, UE), s);
	assert_int_equal(tof_session_find_ul(x->t, &sgw, 0x502), s);
	assert_int_equal(x->a.events[TOF_EV_ERROR_IND_REMOVED], 1);
	/* Handover moves every bearer. */
	gpdu(&tf, ENB2, SGW, 0x503, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 4 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_HANDOVER);
	gpdu(&tf, ENB2, SGW, 0x504, UE, PDN);
	tfix_run(x, &tf, TOF_PORT_ENB, 4 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_KNOWN);
	assert_int_equal(x->t->sessions[s].handovers, 1);
}

static void test_table_full_counted(void **state)
{
	(void)state;
	struct tfix *x = tfix_new(cfg_always, 16);
	struct tframe tf;
	struct tof_result r;
	char ue[32];

	x->agent_learns = true;
	for (int i = 0; i < 20; i++) {
		snprintf(ue, sizeof(ue), "198.19.3.%d", i + 1);
		gpdu(&tf, ENB, SGW, 0x1000 + (uint32_t)i, ue, PDN);
		tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC + (uint64_t)i * 100000000ULL, &r);
		assert_int_equal(r.verdict, TOF_V_PASS); /* forwarding never suffers */
	}
	assert_int_equal(x->t->n_sessions, 16);
	uint64_t full = x->a.events[TOF_EV_TABLE_FULL];
	tfix_free(x);
	assert_int_equal(full, 4);
}

static void arp_request(struct tframe *tf, const char *sender, const char *target)
{
	static const uint8_t app_mac[6] = {2, 0xa, 0xb, 0xc, 0xd, 0xe};
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct gtp_addr s = tframe_addr(sender), t = tframe_addr(target);
	uint8_t *p = tf->buf + 256;

	memset(tf->buf, 0, sizeof(tf->buf));
	pkt_build_eth(p, bcast, app_mac, PKT_ETHERTYPE_ARP);
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	memcpy(p + 14, hdr, 8);
	memcpy(p + 22, app_mac, 6);
	memcpy(p + 28, s.b, 4);
	memcpy(p + 38, t.b, 4);
	tf->f.buf = tf->buf, tf->f.off = 256, tf->f.len = 60, tf->f.cap = sizeof(tf->buf);
}

/* The app's answer to the TOF's request for target's MAC. */
static void arp_reply(struct tfix *x, struct tframe *tf, const uint8_t mac[6], const char *target)
{
	arp_request(tf, target, "198.51.100.1");
	uint8_t *rep = tf->buf + tf->f.off;
	memcpy(rep, x->cfg.apps_mac, 6);
	memcpy(rep + 6, mac, 6);
	memcpy(rep + 22, mac, 6);
	rep[21] = 2;
	memcpy(rep + 32, x->cfg.apps_mac, 6);
}

static void test_on_demand_pinger_and_app_mac(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	struct tframe_spec sp;

	gpdu(&tf, ENB, SGW, 0x100, UE, SVC);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	uint32_t s = ue_slot(x, UE);
	assert_int_equal(x->t->sessions[s].probe.state, PINGER_IDLE);
	tfix_tick(x, 5 * SEC);
	assert_int_equal(x->n_emitted, 0);
	/* The app answers; no downlink: dropped, the pinger starts. */
	tframe_default(&sp);
	static const uint8_t app_mac[6] = {2, 0xa, 0xb, 0xc, 0xd, 0xe};
	memcpy(sp.src_mac, app_mac, 6);
	sp.inner_src = APP, sp.inner_dst = UE;
	tframe_build(&tf, &sp);
	int asked = x->n_emitted_apps;
	tfix_run(x, &tf, TOF_PORT_APPS, 6 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_APPS_NO_DOWNLINK);
	assert_int_equal(x->t->sessions[s].probe.state, PINGER_PROBING);
	/* Its frame alone teaches no MAC (anyone can send one): the agent
	 * asks the app, and its answer does. */
	assert_int_equal(x->a.events[TOF_EV_APP_MAC_LEARNED], 0);
	tfix_tick(x, 6 * SEC);
	assert_int_equal(x->n_emitted, 1);
	assert_int_equal(x->n_emitted_apps, asked + 1);
	arp_reply(x, &tf, app_mac, APP);
	tfix_run(x, &tf, TOF_PORT_APPS, 6 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_APP_MAC_LEARNED], 1);
	/* The next offloaded packet goes to the app's MAC. */
	gpdu(&tf, ENB, SGW, 0x100, UE, SVC);
	tfix_run(x, &tf, TOF_PORT_ENB, 6 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	assert_memory_equal(tf.buf + tf.f.off, app_mac, 6);
}

static void test_arp_only_for_our_gateway(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	/* (The first tick also asks for the app's MAC: skip that frame.) */
	tfix_tick(x, 1 * SEC);
	int base = x->n_emitted_apps;
	/* The app asks for its gateway: answered with the apps port's MAC. */
	arp_request(&tf, APP, "198.51.100.1");
	tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_CONSUME);
	assert_int_equal(x->n_emitted_apps, base + 1);
	const uint8_t *rep = x->emitted_apps[base].frame;
	static const uint8_t app_mac[6] = {2, 0xa, 0xb, 0xc, 0xd, 0xe};
	assert_int_equal(x->emitted_apps[base].port, TOF_PORT_APPS);
	assert_memory_equal(rep, app_mac, 6);
	assert_memory_equal(rep + 6, x->cfg.apps_mac, 6);
	assert_int_equal(rep[21], 2); /* reply */
	assert_memory_equal(rep + 22, x->cfg.apps_mac, 6);
	struct gtp_addr gw = tframe_addr("198.51.100.1"), app = tframe_addr(APP);
	assert_memory_equal(rep + 28, gw.b, 4);
	assert_memory_equal(rep + 32, app_mac, 6);
	assert_memory_equal(rep + 38, app.b, 4);
	assert_int_equal(x->a.events[TOF_EV_ARP_REPLIED], 1);
	/* A request teaches nothing about the asker. */
	assert_int_equal(x->a.events[TOF_EV_APP_MAC_LEARNED], 0);
	/* Any host may ask for our address; nobody gets an answer for one that
	 * is not ours (the subnet's router, DNS, an app, a UE), and gratuitous
	 * requests get none. */
	arp_request(&tf, "198.51.100.99", "198.51.100.1");
	tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	assert_int_equal(x->n_emitted_apps, base + 2);
	const char *not_ours[] = {APP, "198.51.100.2", "198.51.100.53", UE};
	for (int i = 0; i < 4; i++) {
		arp_request(&tf, APP, not_ours[i]);
		tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	}
	arp_request(&tf, "198.51.100.1", "198.51.100.1");
	tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	assert_int_equal(x->n_emitted_apps, base + 2);
	assert_int_equal(x->a.events[TOF_EV_APPS_NEIGH_IGNORED], 5);
}

/* Nobody re-points an app's MAC: not a gratuitous ARP, not an unsolicited
 * reply, not an IP frame claiming the app's address. Only the answer to
 * the TOF's own request counts, once. */
static void test_app_mac_not_poisoned(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	static const uint8_t app_mac[6] = {2, 0xa, 0xb, 0xc, 0xd, 0xe};
	static const uint8_t evil[6] = {2, 0xe, 0xe, 0xe, 0xe, 0xe};
	struct tframe_spec sp;

	tfix_tick(x, 0); /* the TOF asks */
	arp_reply(x, &tf, app_mac, APP);
	tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	assert_memory_equal(x->t->services[0].app_mac, app_mac, 6);
	/* A second answer (a racing attacker's) is not asked for. */
	arp_reply(x, &tf, evil, APP);
	tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	/* Gratuitous ARP, as a request and as a reply. */
	arp_request(&tf, APP, APP);
	memcpy(tf.buf + tf.f.off + 6, evil, 6);
	memcpy(tf.buf + tf.f.off + 22, evil, 6);
	tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	tf.buf[tf.f.off + 21] = 2;
	tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	/* An IP frame from the app's address out of another MAC. */
	tframe_default(&sp);
	memcpy(sp.src_mac, evil, 6);
	sp.inner_src = APP, sp.inner_dst = UE;
	tframe_build(&tf, &sp);
	tfix_run(x, &tf, TOF_PORT_APPS, 2 * SEC, &r);
	assert_memory_equal(x->t->services[0].app_mac, app_mac, 6);
	assert_int_equal(x->a.events[TOF_EV_APP_MAC_LEARNED], 1);
	assert_int_equal(x->a.events[TOF_EV_APP_MAC_UNSOLICITED], 1);
	assert_int_equal(x->a.events[TOF_EV_APPS_NEIGH_IGNORED], 2);
	/* That frame makes the TOF ask again (a restarted app): the real app
	 * answers with its MAC; had it moved, its answer would move it. */
	int asked = x->n_emitted_apps;
	tfix_tick(x, 3 * SEC);
	assert_int_equal(x->n_emitted_apps, asked + 1);
	arp_reply(x, &tf, app_mac, APP);
	tfix_run(x, &tf, TOF_PORT_APPS, 3 * SEC, &r);
	assert_memory_equal(x->t->services[0].app_mac, app_mac, 6);
}

static void test_proxy_nd_for_apps(void **state)
{
	(void)state;
	struct tfix *x = tfix_new("{\"services\": [{\"name\": \"v6\", \"serviceIP\": \"2001:db8:5::100\","
				  " \"applicationIP\": \"2001:db8:6::10\"}],"
				  " \"apps_gateway\": [\"198.51.100.1\", \"2001:db8:6::1\"]}", 16);
	struct tframe tf;
	struct tof_result r;
	struct gtp_addr src = tframe_addr("2001:db8:6::10"), dst = tframe_addr("ff02::1:ff00:1"),
			tgt = tframe_addr("2001:db8:6::1");
	static const uint8_t app_mac[6] = {2, 0xa, 0xb, 0xc, 0xd, 0xe};
	static const uint8_t mc[6] = {0x33, 0x33, 0xff, 0, 0, 1};
	uint8_t *p = tf.buf + 256;

	x->agent_learns = true;
	tfix_tick(x, 1 * SEC);
	int base = x->n_emitted_apps;
	memset(tf.buf, 0, sizeof(tf.buf));
	pkt_build_eth(p, mc, app_mac, PKT_ETHERTYPE_IPV6);
	uint8_t *ns = p + 14 + 40;
	ns[0] = 135;
	memcpy(ns + 8, tgt.b, 16);
	ns[24] = 1, ns[25] = 1;
	memcpy(ns + 26, app_mac, 6);
	pkt_build_ipv6(p + 14, &src, &dst, PKT_PROTO_ICMPV6, 255, 32);
	uint16_t c = csum_l4(&src, &dst, PKT_PROTO_ICMPV6, ns, 32);
	memcpy(ns + 2, &c, 2);
	tf.f.buf = tf.buf, tf.f.off = 256, tf.f.len = 14 + 40 + 32, tf.f.cap = sizeof(tf.buf);
	tfix_run(x, &tf, TOF_PORT_APPS, 1 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_CONSUME);
	assert_int_equal(r.reason, TOF_R_APPS_ND);
	assert_int_equal(x->n_emitted_apps, base + 1);
	const uint8_t *na = x->emitted_apps[base].frame;
	assert_memory_equal(na, app_mac, 6);
	struct pkt_ip ip;
	assert_int_equal(pkt_parse_ip(na + 14, x->emitted_apps[base].len - 14, &ip), PKT_OK);
	assert_true(gtp_addr_eq(&ip.src, &tgt));
	assert_true(gtp_addr_eq(&ip.dst, &src));
	assert_int_equal(ip.ttl, 255);
	assert_int_equal(na[54], 136);
	assert_memory_equal(na + 54 + 8, tgt.b, 16);
	assert_memory_equal(na + 54 + 26, x->cfg.apps_mac, 6);
	assert_true(tframe_csum_ok(na + 14, x->emitted_apps[base].len - 14));
	tfix_free(x);
}

/* Apps whose MAC is not known are asked for it (ARP probe), with backoff,
 * until they answer. */
static void test_resolves_app_mac(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	static const uint8_t app_mac[6] = {2, 0xa, 0xb, 0xc, 0xd, 0xe};
	struct gtp_addr app = tframe_addr(APP);

	tfix_tick(x, 0);
	assert_int_equal(x->n_emitted_apps, 1);
	const uint8_t *q = x->emitted_apps[0].frame;
	for (int i = 0; i < 6; i++)
		assert_int_equal(q[i], 0xff);
	assert_memory_equal(q + 6, x->cfg.apps_mac, 6);
	assert_int_equal(q[21], 1);                      /* request */
	struct gtp_addr gw = tframe_addr("198.51.100.1");
	assert_memory_equal(q + 28, gw.b, 4);            /* from our gateway address */
	assert_memory_equal(q + 38, app.b, 4);
	/* Again after 1 s, then 2 s more. */
	tfix_tick(x, 1 * SEC - 1);
	assert_int_equal(x->n_emitted_apps, 1);
	tfix_tick(x, 1 * SEC);
	assert_int_equal(x->n_emitted_apps, 2);
	tfix_tick(x, 3 * SEC);
	assert_int_equal(x->n_emitted_apps, 3);
	/* The app answers: learned, and then only checked once a minute. */
	arp_reply(x, &tf, app_mac, APP);
	tfix_run(x, &tf, TOF_PORT_APPS, 4 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_APP_MAC_LEARNED], 1);
	assert_memory_equal(x->t->services[0].app_mac, app_mac, 6);
	int n = x->n_emitted_apps;
	tfix_tick(x, 63 * SEC);
	assert_int_equal(x->n_emitted_apps, n);
	tfix_tick(x, 64 * SEC);
	assert_int_equal(x->n_emitted_apps, n + 1);
	assert_int_equal(x->a.events[TOF_EV_APP_RESOLVE_SENT], 4);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_always, teardown)
	const struct CMUnitTest tests[] = {
		T(test_learn_both_directions),
		T(test_pinger_reveals_hidden_downlink),
		T(test_pinger_gives_up),
		T(test_handover),
		T(test_error_indication_removes),
		T(test_idle_purge_and_relearn),
		T(test_dual_stack_and_bearers),
		T(test_bearers_limit_and_error_indication),
		T(test_link_local_sources_teach_nothing),
		cmocka_unit_test(test_table_full_counted),
		T(test_arp_only_for_our_gateway),
		T(test_app_mac_not_poisoned),
		T(test_resolves_app_mac),
		cmocka_unit_test(test_proxy_nd_for_apps),
		cmocka_unit_test_setup_teardown(test_on_demand_pinger_and_app_mac, setup_on_demand,
						teardown),
	};
	return cmocka_run_group_tests_name("agent", tests, NULL, NULL);
}
