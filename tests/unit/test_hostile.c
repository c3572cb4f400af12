/* A network where any handset or eNB may lie: spoofed inner sources in both
 * families, claims settled by the core network, floods of bearers and
 * tunnels past the table, first packets that must not leak, punt classes
 * that keep a flood from starving the pinger, probes only to SGWs that
 * exist. Through the pipeline and the agent, as the data plane drives them. */
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
#include "tfix.h"

#define ENB "198.18.0.1"
#define ENB2 "198.18.0.11"
#define SGW "198.18.0.2"
#define ROGUE "198.18.0.77" /* an address no SGW has */
#define VICTIM "198.19.0.5"
#define VICTIM6 "2001:db8:9:1::5"
#define ATTACKER "198.19.0.66"
#define SVC "203.0.113.100"
#define SVC6 "2001:db8:5::100"
#define APP "198.51.100.10"
#define APP6 "2001:db8:6::10"
#define PDN "203.0.113.7"
#define SEC 1000000000ULL

static const char *const cfg_json =
	"{\"mode\": \"dual\", \"sgw\": [\"" SGW "\"],"
	" \"services\": [{\"name\": \"cache\", \"serviceIP\": \"" SVC "\", \"applicationIP\": \"" APP "\"},"
	"  {\"name\": \"cache6\", \"serviceIP\": \"" SVC6 "\", \"applicationIP\": \"" APP6 "\"}],"
	" \"apps_gateway\": [\"198.51.100.1\", \"2001:db8:6::1\"], \"idle_timeout_s\": 300,"
	" \"punt\": {\"rate_pps\": 100, \"burst\": 8},"
	" \"pinger\": {\"target\": \"203.0.113.1\", \"target6\": \"2001:db8:ffff::1\","
	" \"interval_ms\": 1000, \"tries\": 3, \"rate_pps\": 2}}";

static int setup(void **state)
{
	struct tfix *x = tfix_new(cfg_json, 64);
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

static void send(struct tfix *x, const char *osrc, const char *odst, uint32_t teid,
		 const char *isrc, const char *idst, uint64_t now, struct tof_result *r)
{
	struct tframe tf;
	gpdu(&tf, osrc, odst, teid, isrc, idst);
	/* Frames from the SGWs' side arrive on the SGW port. */
	bool from_sgw = strcmp(osrc, SGW) == 0 || strcmp(osrc, ROGUE) == 0;
	tfix_run(x, &tf, from_sgw ? TOF_PORT_SGW : TOF_PORT_ENB, now, r);
}

static uint32_t ue_slot(struct tfix *x, const char *ue)
{
	struct gtp_addr a = tframe_addr(ue);
	return tof_session_find_ue(x->t, &a);
}

/* The app's reply to ue, through the pipeline: the encapsulated frame's
 * TEID and outer destination, or teid 0 if it was not encapsulated. */
static uint32_t app_reply(struct tfix *x, const char *app, const char *ue, uint64_t now,
			  struct gtp_addr *outer_dst)
{
	struct tframe tf;
	struct tframe_spec sp;
	struct tof_result r;
	struct pkt_ip ip;
	struct pkt_udp udp;
	struct gtp_hdr g;

	tframe_default(&sp);
	sp.inner_src = app, sp.inner_dst = ue;
	tframe_build(&tf, &sp);
	tfix_run(x, &tf, TOF_PORT_APPS, now, &r);
	if (r.verdict != TOF_V_ENCAP)
		return 0;
	const uint8_t *f = tf.buf + tf.f.off;
	assert_int_equal(pkt_parse_ip(f + 14, tf.f.len - 14, &ip), PKT_OK);
	assert_int_equal(pkt_parse_udp(f + 14, &ip, &udp), PKT_OK);
	assert_int_equal(gtp_parse(f + 14 + udp.payload_off, udp.payload_len, &g), GTP_OK);
	*outer_dst = ip.dst;
	return g.teid;
}

/* The victim: both directions known (uplink 0x100 from ENB, downlink
 * 0x200), IPv4 and IPv6. */
static uint32_t victim(struct tfix *x)
{
	struct tof_result r;

	send(x, ENB, SGW, 0x100, VICTIM, PDN, 1 * SEC, &r);
	send(x, ENB, SGW, 0x100, VICTIM6, "2001:db8:ffff::7", 1 * SEC, &r);
	send(x, SGW, ENB, 0x200, PDN, VICTIM, 1 * SEC, &r);
	uint32_t s = ue_slot(x, VICTIM);
	assert_int_not_equal(s, TOF_NO_SLOT);
	assert_int_equal(ue_slot(x, VICTIM6), s);
	assert_true(x->t->sessions[s].flags & TOF_SESS_DL);
	return s;
}

static void assert_victim_intact(struct tfix *x, uint32_t s, uint64_t now)
{
	struct gtp_addr dst, enb = tframe_addr(ENB);

	assert_int_equal(ue_slot(x, VICTIM), s);
	assert_int_equal(ue_slot(x, VICTIM6), s);
	assert_int_equal(app_reply(x, APP, VICTIM, now, &dst), 0x200);
	assert_true(gtp_addr_eq(&dst, &enb));
	assert_int_equal(app_reply(x, APP6, VICTIM6, now, &dst), 0x200);
	assert_true(gtp_addr_eq(&dst, &enb));
}

/* An IPv4-only attacker sends IPv6 from the victim's /64, and IPv4 from
 * the victim's address, through its own tunnel, from the same eNB and
 * from another: passed to the core, never offloaded; the victim's replies
 * stay in the victim's tunnel. */
static void test_spoofed_sources_both_families(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;
	uint32_t v = victim(x);

	send(x, ENB2, SGW, 0x300, ATTACKER, PDN, 2 * SEC, &r);
	send(x, SGW, ENB2, 0x400, PDN, ATTACKER, 2 * SEC, &r);
	uint32_t a = ue_slot(x, ATTACKER);
	assert_int_not_equal(a, TOF_NO_SLOT);
	for (int k = 0; k < 20; k++) {
		const char *src = k % 2 ? "2001:db8:9:1::bad" : VICTIM;
		const char *dst = k % 4 < 2 ? (k % 2 ? SVC6 : SVC) : (k % 2 ? "2001:db8:ffff::7" : PDN);
		/* (The victim goes on talking: it is no silent owner.) */
		send(x, ENB, SGW, 0x100, VICTIM, PDN, (3 + (uint64_t)k) * SEC, &r);
		send(x, ENB2, SGW, 0x300, src, dst, (3 + (uint64_t)k) * SEC, &r);
		assert_int_equal(r.reason, TOF_R_UL_SPOOFED);
		assert_int_not_equal(r.verdict, TOF_V_OFFLOAD);
		assert_int_equal(x->w.svc[0].ul_pkts + x->w.svc[1].ul_pkts, 0);
		assert_victim_intact(x, v, (3 + (uint64_t)k) * SEC);
	}
	assert_true(x->a.events[TOF_EV_SPOOFED] > 0);
	/* The handed-over ones went on to the SGW unchanged. */
	assert_int_equal(x->a.events[TOF_EV_FIRST_OFFLOADED], 0);
	assert_true(x->a.events[TOF_EV_FIRST_PASSED] > 0);
	for (int i = 0; i < x->n_emitted && i < TFIX_MAX_REC; i++)
		assert_int_not_equal(x->emitted[i].port, TOF_PORT_APPS);
	assert_int_equal(ue_slot(x, ATTACKER), a);
	/* Same eNB, a tunnel of its own: no better. */
	send(x, ENB, SGW, 0x100, VICTIM, PDN, 30 * SEC, &r);
	send(x, ENB, SGW, 0x301, "198.19.0.67", PDN, 30 * SEC, &r);
	send(x, ENB, SGW, 0x301, VICTIM, SVC, 30 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_SPOOFED);
	assert_victim_intact(x, v, 30 * SEC);
	/* A brand-new tunnel whose first frames carry the victim's address
	 * from another eNB: a claim, not a handover. */
	send(x, ENB2, SGW, 0x302, VICTIM, SVC, 31 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_FIRST);
	assert_victim_intact(x, v, 31 * SEC);
	assert_int_equal(x->t->sessions[v].handovers, 0);
}

/* The claim's probe, sent as the claimed address up the claiming tunnel: the
 * core answers down the victim's tunnel, which refutes the claim. */
static void test_claim_refuted_by_the_core(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;
	struct tframe tf;
	uint32_t v = victim(x);

	send(x, ENB2, SGW, 0x302, VICTIM, PDN, 2 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_SPOOFED], 1);
	tfix_tick(x, 2 * SEC);
	/* The claim probe: as the victim, up the attacker's tunnel. */
	int n = x->n_emitted;
	assert_true(n >= 1);
	const struct tfix_rec *p = &x->emitted[n - 1];
	struct pkt_ip outer;
	assert_int_equal(pkt_parse_ip(p->frame + 14, p->len - 14, &outer), PKT_OK);
	struct gtp_addr enb2 = tframe_addr(ENB2);
	assert_true(gtp_addr_eq(&outer.src, &enb2));
	/* The core delivers the victim's address where it lives: ENB, 0x200. */
	tfix_answer_probe(p, 0x200, &tf);
	struct pkt_ip o2;
	pkt_parse_ip(tf.buf + tf.f.off + 14, tf.f.len - 14, &o2);
	struct gtp_addr enb = tframe_addr(ENB);
	memcpy(tf.buf + tf.f.off + 14 + 16, enb.b, 4); /* outer dst: the victim's eNB */
	uint16_t zero = 0;
	memcpy(tf.buf + tf.f.off + 14 + 10, &zero, 2);
	uint16_t c = csum_ipv4_hdr(tf.buf + tf.f.off + 14, 20);
	memcpy(tf.buf + tf.f.off + 14 + 10, &c, 2);
	tfix_run(x, &tf, TOF_PORT_SGW, 2 * SEC + 1000, &r);
	assert_int_equal(r.verdict, TOF_V_CONSUME);
	assert_int_equal(x->a.events[TOF_EV_CLAIM_REFUTED], 1);
	assert_int_equal(x->a.events[TOF_EV_CLAIM_CONFIRMED], 0);
	assert_victim_intact(x, v, 3 * SEC);
}

/* A UE that really moved (re-attached on another eNB with its address,
 * within the silence time): the claim probe's answer arrives in its new
 * tunnel, and the address moves there; the old session, left without an
 * address, ends. */
static void test_claim_confirmed_by_the_core(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;
	struct tframe tf;
	uint32_t v = victim(x);

	send(x, ENB2, SGW, 0x500, VICTIM, SVC, 2 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_UL_FIRST);
	tfix_tick(x, 2 * SEC);
	const struct tfix_rec *p = &x->emitted[x->n_emitted - 1];
	tfix_answer_probe(p, 0x600, &tf);
	tfix_run(x, &tf, TOF_PORT_SGW, 2 * SEC + 1000, &r);
	assert_int_equal(x->a.events[TOF_EV_CLAIM_CONFIRMED], 1);
	uint32_t s = ue_slot(x, VICTIM);
	assert_int_not_equal(s, TOF_NO_SLOT);
	struct gtp_addr enb2 = tframe_addr(ENB2), dst;
	assert_true(gtp_addr_eq(&x->t->sessions[s].enb, &enb2));
	assert_int_equal(x->t->sessions[s].ul_teid, 0x500);
	assert_int_equal(x->t->sessions[s].dl_teid, 0x600);
	assert_int_equal(app_reply(x, APP, VICTIM, 3 * SEC, &dst), 0x600);
	assert_true(gtp_addr_eq(&dst, &enb2));
	/* The old session kept its IPv6 address. */
	assert_int_equal(ue_slot(x, VICTIM6), v);
	send(x, ENB2, SGW, 0x500, VICTIM, SVC, 3 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
}

/* Silence: an owner quiet for ue_move_silence_s lets its address go to a
 * tunnel that uses it; before that, the same frame is a spoof. */
static void test_silent_owner_lets_go(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;

	victim(x);
	send(x, ENB2, SGW, 0x700, VICTIM, PDN, 50 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_ADDR_MOVED], 0);
	send(x, ENB2, SGW, 0x700, VICTIM, PDN, 62 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_ADDR_MOVED], 1);
	uint32_t s = ue_slot(x, VICTIM);
	assert_int_equal(x->t->sessions[s].ul_teid, 0x700);
	send(x, ENB2, SGW, 0x700, VICTIM, SVC, 62 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
}

/* The core sends another address down a session's known downlink tunnel:
 * its word beats any uplink frame, the address moves there at once. */
static void test_downlink_moves_an_address(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;
	uint32_t v = victim(x);

	send(x, ENB2, SGW, 0x300, ATTACKER, PDN, 2 * SEC, &r);
	send(x, SGW, ENB2, 0x400, PDN, ATTACKER, 2 * SEC, &r);
	uint32_t a = ue_slot(x, ATTACKER);
	/* (Here the "attacker" really got the address: the SGW says so.) */
	send(x, SGW, ENB2, 0x400, "2001:db8:ffff::7", "2001:db8:9:1::77", 3 * SEC, &r);
	assert_int_equal(r.reason, TOF_R_DL_NEW_UE_ADDR);
	assert_int_equal(ue_slot(x, VICTIM6), a);
	assert_int_equal(ue_slot(x, VICTIM), v);
	assert_int_equal(x->a.events[TOF_EV_ADDR_MOVED], 1);
}

/* A UE's very first packet to a service: handed to the agent, which learns
 * the tunnel and offloads that very frame; nothing reaches the SGW. IPv4
 * and IPv6. */
static void test_first_packet_offloaded(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;
	struct tframe tf;

	gpdu(&tf, ENB, SGW, 0x100, VICTIM, SVC);
	uint8_t inner[256];
	size_t inner_len = tf.f.len - (14 + 20 + 8 + 8);
	memcpy(inner, tf.buf + tf.f.off + 14 + 20 + 8 + 8, inner_len);
	tfix_run(x, &tf, TOF_PORT_ENB, 1 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_CONSUME);
	assert_true(r.handed_over);
	assert_int_equal(r.reason, TOF_R_UL_FIRST);
	assert_int_equal(x->a.events[TOF_EV_FIRST_OFFLOADED], 1);
	int n = x->n_emitted_apps;
	assert_true(n >= 1);
	const struct tfix_rec *o = NULL;
	for (int i = 0; i < n && i < TFIX_MAX_REC; i++)
		if (x->emitted_apps[i].len == 14 + inner_len)
			o = &x->emitted_apps[i];
	assert_non_null(o);
	struct pkt_ip ip;
	assert_int_equal(pkt_parse_ip(o->frame + 14, o->len - 14, &ip), PKT_OK);
	struct gtp_addr app = tframe_addr(APP), ue = tframe_addr(VICTIM);
	assert_true(gtp_addr_eq(&ip.dst, &app));
	assert_true(gtp_addr_eq(&ip.src, &ue));
	assert_true(tframe_csum_ok(o->frame + 14, o->len - 14));
	for (int i = 0; i < x->n_emitted && i < TFIX_MAX_REC; i++)
		assert_false(x->emitted[i].port == TOF_PORT_SGW && x->emitted[i].len > 100);
	assert_int_equal(x->a.w.svc[0].ul_pkts, 1);
	/* IPv6. */
	send(x, ENB, SGW, 0x101, "2001:db8:1:1::9", SVC6, 1 * SEC, &r);
	assert_true(r.handed_over);
	assert_int_equal(x->a.events[TOF_EV_FIRST_OFFLOADED], 2);
	assert_int_equal(x->a.w.svc[1].ul_pkts, 1);
	/* The second packet: offloaded by the pipeline itself. */
	send(x, ENB, SGW, 0x100, VICTIM, SVC, 1 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
}

/* No budget, or no room: the first packet goes on as it came (counted);
 * nothing is ever lost. */
static void test_first_packet_never_lost(void **state)
{
	(void)state;
	struct tfix *x = tfix_new(cfg_json, 16);
	struct tof_result r;
	char ue[32];

	x->agent_learns = true;
	x->refuse_punts = true;
	send(x, ENB, SGW, 0x100, VICTIM, SVC, 1 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_PASS);
	assert_int_equal(r.reason, TOF_R_UL_FIRST_PASSED);
	assert_int_equal(x->w.ctr.punt_refused[TOF_PC_FIRST], 1);
	x->refuse_punts = false;
	for (int i = 0; i < 16; i++) {
		snprintf(ue, sizeof(ue), "198.19.4.%d", i + 1);
		send(x, ENB, SGW, 0x1000 + (uint32_t)i, ue, PDN, 2 * SEC + (uint64_t)i * SEC / 10, &r);
	}
	assert_int_equal(x->t->n_sessions, 16);
	/* Table full: the agent cannot learn the tunnel and sends the frame
	 * on to the SGW unchanged. */
	struct tframe orig;
	gpdu(&orig, ENB, SGW, 0x2000, "198.19.4.99", SVC);
	tfix_tick(x, 4 * SEC);
	x->n_emitted = 0;
	send(x, ENB, SGW, 0x2000, "198.19.4.99", SVC, 4 * SEC, &r);
	assert_true(r.handed_over);
	assert_int_equal(x->a.events[TOF_EV_FIRST_PASSED], 1);
	assert_int_equal(x->n_emitted, 1);
	assert_int_equal(x->emitted[0].port, TOF_PORT_SGW);
	assert_int_equal(x->emitted[0].len, orig.f.len);
	assert_memory_equal(x->emitted[0].frame, orig.buf + orig.f.off, orig.f.len);
	tfix_free(x);
}

/* 200 UE addresses x 4 TEIDs into a table of 64: every frame is passed,
 * the tables never refuse an insert they were sized for, the known UE
 * keeps its offload, and the flood of unknown TEIDs (20 x max_sessions)
 * on top changes nothing. */
static void test_floods_past_the_table(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;
	char ue[32];
	uint64_t now = 2 * SEC;

	uint32_t v = victim(x);
	for (uint32_t i = 0; i < 200; i++) {
		snprintf(ue, sizeof(ue), "198.19.%u.%u", 10 + i / 200, 1 + i % 200);
		for (uint32_t b = 0; b < 4; b++) {
			send(x, ENB, SGW, 0x10000 + i * 4 + b, ue, PDN, now, &r);
			assert_int_equal(r.verdict, TOF_V_PASS);
			now += SEC / 100; /* within the punt budget: every frame learned */
		}
	}
	for (uint32_t i = 0; i < 20 * 64; i++) {
		snprintf(ue, sizeof(ue), "198.19.%u.%u", 20 + i / 200, 1 + i % 200);
		send(x, ENB2, SGW, 0x900000 + i * 7919, ue, i % 3 ? PDN : SVC, now, &r);
		assert_true(r.verdict == TOF_V_PASS || r.handed_over);
		now += SEC / 100;
	}
	assert_int_equal(x->t->n_sessions, 64);
	assert_true(x->a.events[TOF_EV_TABLE_FULL] > 0);
	assert_int_equal(x->t->refused, 0);
	assert_true(x->t->ix_ul.used <= 4 * 64);
	send(x, ENB, SGW, 0x100, VICTIM, SVC, now, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	assert_victim_intact(x, v, now);
}

/* A flood of unknown TEIDs spends the "new" class's budget; the pinger's
 * replies, downlink learning and handovers have budgets of their own. */
static void test_flood_does_not_starve_the_pinger(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;
	struct tframe tf;
	char ue[32];

	send(x, ENB, SGW, 0x100, VICTIM, SVC, 1 * SEC, &r);
	tfix_tick(x, 1 * SEC);
	int probe = x->n_emitted - 1;
	assert_true(probe >= 0);
	for (uint32_t i = 0; i < 100; i++) {
		snprintf(ue, sizeof(ue), "198.19.30.%u", 1 + i);
		send(x, ENB2, SGW, 0x40000 + i, ue, PDN, 1 * SEC + 1, &r);
	}
	assert_true(x->w.ctr.punt_refused[TOF_PC_NEW] > 0);
	tfix_answer_probe(&x->emitted[probe], 0x700, &tf);
	tfix_run(x, &tf, TOF_PORT_SGW, 1 * SEC + 2, &r);
	assert_int_equal(r.verdict, TOF_V_CONSUME);
	assert_int_equal(x->a.events[TOF_EV_DL_BY_PINGER], 1);
	/* A handover of the known UE gets through as well. */
	send(x, ENB2, SGW, 0x100, VICTIM, PDN, 1 * SEC + 3, &r);
	assert_true(r.punted);
	assert_int_equal(x->a.events[TOF_EV_HANDOVER], 1);
	/* A reply the agent cannot take goes on to the UE, unconsumed. */
	send(x, ENB2, SGW, 0x100, VICTIM, SVC, 2 * SEC, &r);
	x->refuse_punts = true;
	tfix_answer_probe(&x->emitted[probe], 0x700, &tf);
	tfix_run(x, &tf, TOF_PORT_SGW, 2 * SEC, &r);
	assert_int_equal(r.verdict, TOF_V_PASS);
	assert_int_equal(r.reason, TOF_R_DL_PINGER_REPLY_PASSED);
}

/* Probes go only to SGWs that are configured or have sent downlink, at
 * most pinger.rate_pps each; a rogue eNB naming another host as the SGW
 * gets no probes sent there. */
static void test_probes_only_to_real_sgws(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;
	char ue[32];

	send(x, ENB, ROGUE, 0x100, VICTIM, SVC, 1 * SEC, &r);
	tfix_tick(x, 5 * SEC);
	for (int i = 0; i < x->n_emitted && i < TFIX_MAX_REC; i++)
		assert_int_not_equal(x->emitted[i].port, TOF_PORT_SGW);
	assert_true(x->a.events[TOF_EV_PROBE_HELD] > 0);
	/* Paced: 6 UEs behind the real SGW, 2 probes a second. */
	int base = x->n_emitted;
	for (int i = 0; i < 6; i++) {
		snprintf(ue, sizeof(ue), "198.19.5.%d", i + 1);
		send(x, ENB, SGW, 0x200 + (uint32_t)i, ue, PDN, 6 * SEC, &r);
	}
	tfix_tick(x, 6 * SEC);
	assert_int_equal(x->n_emitted - base, 2);
	tfix_tick(x, 7 * SEC + SEC / 100);
	assert_int_equal(x->n_emitted - base, 4);
	assert_true(x->a.events[TOF_EV_PROBE_PACED] > 0);
	/* Once the rogue address sends downlink from the SGW side, it is an
	 * SGW: its UE is probed. */
	send(x, ROGUE, ENB, 0x999, PDN, "198.19.99.1", 8 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_SGW_CONFIRMED], 2);
}

/* A UE that gave up is not probed again at once because of a handover. */
static void test_handover_does_not_restart_a_given_up_probe(void **state)
{
	struct tfix *x = *state;
	struct tof_result r;

	send(x, ENB, SGW, 0x100, VICTIM, SVC, 1 * SEC, &r);
	for (uint64_t t = 1; t < 10; t++)
		tfix_tick(x, t * SEC);
	uint32_t s = ue_slot(x, VICTIM);
	assert_int_equal(x->t->sessions[s].probe.state, PINGER_GAVE_UP);
	int n = x->n_emitted;
	send(x, ENB2, SGW, 0x100, VICTIM, SVC, 10 * SEC, &r);
	assert_int_equal(x->a.events[TOF_EV_HANDOVER], 1);
	tfix_tick(x, 11 * SEC);
	assert_int_equal(x->n_emitted, n);
}

/* An Error Indication names the sender's own TEIDs only: one eNB cannot
 * end another's tunnels. */
static void test_error_indication_for_others_ignored(void **state)
{
	struct tfix *x = *state;
	uint32_t v = victim(x);

	/* ENB2 claims to speak for ENB's downlink TEID, and for the SGW's. */
	tfix_error_ind(x, ENB2, SGW, 0x200, ENB, TOF_PORT_ENB, 2 * SEC);
	tfix_error_ind(x, ENB2, SGW, 0x100, SGW, TOF_PORT_ENB, 2 * SEC);
	assert_int_equal(ue_slot(x, VICTIM), v);
	assert_true(x->t->sessions[v].flags & TOF_SESS_DL);
	assert_int_equal(x->a.events[TOF_EV_ERROR_IND_REMOVED], 0);
	/* ENB itself: believed. */
	tfix_error_ind(x, ENB, SGW, 0x200, ENB, TOF_PORT_ENB, 3 * SEC);
	assert_int_equal(x->a.events[TOF_EV_ERROR_IND_REMOVED], 1);
	assert_int_equal(ue_slot(x, VICTIM), TOF_NO_SLOT);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_spoofed_sources_both_families),
		T(test_claim_refuted_by_the_core),
		T(test_claim_confirmed_by_the_core),
		T(test_silent_owner_lets_go),
		T(test_downlink_moves_an_address),
		T(test_first_packet_offloaded),
		cmocka_unit_test(test_first_packet_never_lost),
		T(test_floods_past_the_table),
		T(test_flood_does_not_starve_the_pinger),
		T(test_probes_only_to_real_sgws),
		T(test_handover_does_not_restart_a_given_up_probe),
		T(test_error_indication_for_others_ignored),
	};
	return cmocka_run_group_tests_name("hostile", tests, NULL, NULL);
}
