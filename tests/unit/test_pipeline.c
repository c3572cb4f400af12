/* Every row of the packet walk (DESIGN.md) through tof_pipeline_process,
 * with the tables set up directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "csum.h"
#include "gtp.h"
#include "pinger.h"
#include "tfix.h"
#include "tof_pipeline.h"

#define ENB "198.18.0.1"
#define SGW "198.18.0.2"
#define UE "198.19.0.5"
#define SVC "203.0.113.100"
#define APP "198.51.100.10"
#define PDN "203.0.113.7"

static const char *const fx_cfg_dual =
	"{\"mode\": \"dual\", \"enb\": [\"" ENB "\"], \"sgw\": [\"" SGW "\"],"
	" \"services\": [{\"name\": \"cache\", \"serviceIP\": \"" SVC "\", \"applicationIP\": \"" APP "\"},"
	"   {\"name\": \"v6\", \"serviceIP\": \"2001:db8:5::100\", \"applicationIP\": \"2001:db8:6::10\"}],"
	" \"pinger\": {\"target\": \"203.0.113.1\"}, \"punt\": {\"rate_pps\": 100, \"burst\": 4}}";

static const char *const fx_cfg_single =
	"{\"mode\": \"single\", \"enb\": [\"198.18.0.0/31\"], \"sgw\": [\"" SGW "\"],"
	" \"services\": [{\"name\": \"cache\", \"serviceIP\": \"" SVC "\", \"applicationIP\": \"" APP "\"}]}";

static int fx_setup_cfg(void **state, const char *json)
{
	struct tfix *x = tfix_new(json, 64);

	*state = x;
	return x == NULL ? -1 : 0;
}

static int fx_setup(void **state)
{
	return fx_setup_cfg(state, fx_cfg_dual);
}

static int fx_setup_single(void **state)
{
	return fx_setup_cfg(state, fx_cfg_single);
}

static int fx_teardown(void **state)
{
	tfix_free(*state);
	return 0;
}

/* A session for UE with uplink TEID 0x100 and (if dl) downlink TEID 0x200. */
static uint32_t fx_session(struct tfix *x, const char *ue, bool dl)
{
	struct gtp_addr u = tframe_addr(ue), e = tframe_addr(ENB), s = tframe_addr(SGW);
	uint32_t slot = tof_session_add(x->t, &u);
	tof_session_set_ul(x->t, slot, &e, &s, 0x100, 0);
	if (dl)
		tof_session_set_dl(x->t, slot, 0x200);
	/* L2 as learned from the traffic */
	struct tof_l2_tmpl *ul = &x->t->sessions[slot].ul_l2, *dlt = &x->t->sessions[slot].dl_l2;
	uint8_t enb_mac[6] = {2, 0xe, 0, 0, 0, 1}, sgw_mac[6] = {2, 0x5, 0, 0, 0, 2};
	ul->len = 14, ul->proto_off = 12;
	memcpy(ul->bytes, sgw_mac, 6), memcpy(ul->bytes + 6, enb_mac, 6);
	if (dl) {
		dlt->len = 14, dlt->proto_off = 12;
		memcpy(dlt->bytes, enb_mac, 6), memcpy(dlt->bytes + 6, sgw_mac, 6);
	}
	tof_session_publish(x->t, slot);
	return slot;
}

static void fx_ul(struct tframe *tf, const char *inner_dst, uint32_t teid)
{
	struct tframe_spec s;
	tframe_default(&s);
	s.outer_src = ENB, s.outer_dst = SGW, s.teid = teid;
	s.inner_src = UE, s.inner_dst = inner_dst;
	tframe_build(tf, &s);
}

static void fx_run(struct tfix *x, struct tframe *tf, enum tof_port in, struct tof_result *r)
{
	tfix_run(x, tf, in, 1000000000ULL, r);
}

static void test_uplink_unknown_punts_and_passes(void **state)
{
	struct tfix *x = *state;
	struct tframe tf, orig;
	struct tof_result r;

	fx_ul(&tf, PDN, 0x100);
	orig = tf;
	fx_run(x, &tf, TOF_PORT_ENB, &r);
	assert_int_equal(r.verdict, TOF_V_PASS);
	assert_true(r.punted);
	assert_int_equal(r.reason, TOF_R_UL_UNKNOWN);
	assert_int_equal(r.out_port, TOF_PORT_SGW);
	assert_int_equal(tf.f.len, orig.f.len);
	assert_memory_equal(tf.buf + tf.f.off, orig.buf + orig.f.off, tf.f.len);
	assert_int_equal(x->n_punts, 1);
	assert_memory_equal(x->punts[0].frame, orig.buf + orig.f.off, orig.f.len);
	assert_int_equal(x->w.ctr.decision_pkts[TOF_D_PUNT], 1);
	assert_int_equal(x->w.ctr.tx_pkts[TOF_PORT_SGW], 1);
}

static void test_uplink_known_no_service_passes(void **state)
{
	struct tfix *x = *state;
	struct tframe tf, orig;
	struct tof_result r;

	fx_session(x, UE, true);
	fx_ul(&tf, PDN, 0x100);
	orig = tf;
	fx_run(x, &tf, TOF_PORT_ENB, &r);
	assert_int_equal(r.verdict, TOF_V_PASS);
	assert_false(r.punted);
	assert_int_equal(r.reason, TOF_R_UL_KNOWN);
	assert_memory_equal(tf.buf + tf.f.off, orig.buf + orig.f.off, tf.f.len);
	assert_int_equal(tof_session_seen(x->t, r.session)->ul_seen_ns, 1000000000ULL);
	assert_int_equal(x->n_punts, 0);
}

static void test_uplink_service_offloaded(void **state)
{
	struct tfix *x = *state;
	struct tframe tf, orig;
	struct tof_result r;
	struct tframe_spec s;

	fx_session(x, UE, true);
	fx_ul(&tf, SVC, 0x100);
	orig = tf;
	fx_run(x, &tf, TOF_PORT_ENB, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	assert_int_equal(r.reason, TOF_R_UL_SERVICE);
	assert_int_equal(r.out_port, TOF_PORT_APPS);
	/* Expected: the inner packet as the UE sent it, addressed to the app. */
	struct tframe want;
	tframe_default(&s);
	s.inner_src = UE, s.inner_dst = APP;
	tframe_build(&want, &s);
	const uint8_t *out = tf.buf + tf.f.off, *exp = want.buf + want.f.off;
	assert_int_equal(tf.f.len, want.f.len);
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	assert_memory_equal(out, bcast, 6); /* app MAC not learned yet */
	assert_memory_equal(out + 6, x->cfg.apps_mac, 6);
	assert_memory_equal(out + 12, exp + 12, tf.f.len - 12);
	assert_true(tframe_csum_ok(out + 14, tf.f.len - 14));
	assert_int_equal(x->w.svc[r.service].ul_pkts, 1);
	(void)orig;
}

static void test_uplink_ipv6_service_offloaded(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	struct tframe_spec s;

	fx_session(x, "2001:db8:77::5", true);
	tframe_default(&s);
	s.outer_src = ENB, s.outer_dst = SGW, s.teid = 0x100;
	s.inner_src = "2001:db8:77::5", s.inner_dst = "2001:db8:5::100";
	s.proto = PKT_PROTO_TCP;
	tframe_build(&tf, &s);
	fx_run(x, &tf, TOF_PORT_ENB, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	const uint8_t *out = tf.buf + tf.f.off;
	assert_int_equal(out[12], 0x86);
	assert_int_equal(out[13], 0xdd);
	struct gtp_addr app = tframe_addr("2001:db8:6::10");
	assert_memory_equal(out + 14 + 24, app.b, 16);
	assert_true(tframe_csum_ok(out + 14, tf.f.len - 14));
}

static void test_uplink_handover_punts(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	struct tframe_spec s;

	fx_session(x, UE, true);
	tframe_default(&s);
	s.outer_src = "198.18.0.11", s.outer_dst = SGW, s.teid = 0x100;
	s.inner_src = UE, s.inner_dst = SVC;
	tframe_build(&tf, &s);
	fx_run(x, &tf, TOF_PORT_ENB, &r);
	/* Still offloaded (the tunnel is the same), and the agent is told. */
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	assert_true(r.punted);
	assert_int_equal(r.reason, TOF_R_UL_HANDOVER);
	assert_int_equal(x->punts[0].why, TOF_R_UL_HANDOVER);
	/* The copy is the frame as it arrived, not the rewritten one. */
	assert_int_equal(x->punts[0].len, 14 + 20 + 8 + 8 + 20 + 8 + 32);
}

static void test_downlink_unknown_and_known(void **state)
{
	struct tfix *x = *state;
	struct tframe tf, orig;
	struct tof_result r;
	struct tframe_spec s;

	fx_session(x, UE, false);
	tframe_default(&s);
	s.outer_src = SGW, s.outer_dst = ENB, s.teid = 0x200;
	s.inner_src = PDN, s.inner_dst = UE;
	tframe_build(&tf, &s);
	orig = tf;
	fx_run(x, &tf, TOF_PORT_SGW, &r);
	assert_int_equal(r.verdict, TOF_V_PASS);
	assert_true(r.punted);
	assert_int_equal(r.reason, TOF_R_DL_UNKNOWN);
	assert_int_equal(r.out_port, TOF_PORT_ENB);
	assert_memory_equal(tf.buf + tf.f.off, orig.buf + orig.f.off, tf.f.len);

	tof_session_set_dl(x->t, 0, 0x200);
	tf = orig;
	fx_run(x, &tf, TOF_PORT_SGW, &r);
	assert_int_equal(r.reason, TOF_R_DL_KNOWN);
	assert_false(r.punted);
}

static void test_downlink_pinger_reply_consumed(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	uint8_t ip[256];
	struct gtp_addr ue = tframe_addr(UE);

	fx_session(x, UE, false);
	size_t n = pinger_build_request(&x->pl.pinger, &ue, 1, ip, sizeof(ip));
	assert_true(n > 0);
	/* The target answers: swap addresses, type 0, fix the checksum. */
	uint8_t tmp[4];
	memcpy(tmp, ip + 12, 4), memcpy(ip + 12, ip + 16, 4), memcpy(ip + 16, tmp, 4);
	ip[20] = 0;
	ip[22] = ip[23] = 0;
	uint16_t c = csum_fold(csum_partial(ip + 20, n - 20, 0));
	memcpy(ip + 22, &c, 2);
	/* Wrap it by hand in a downlink G-PDU. */
	struct gtp_encap e = {.src = tframe_addr(SGW), .dst = tframe_addr(ENB), .sport = 2152,
			      .dport = 2152, .ttl = 64, .gtp = {.msg_type = GTP_MSG_GPDU, .teid = 0x200}};
	size_t hl = gtp_encap_len(&e);
	tf.f.buf = tf.buf, tf.f.off = 256, tf.f.cap = sizeof(tf.buf);
	memcpy(tf.buf + 256 + 14 + hl, ip, n);
	gtp_encap_write(tf.buf + 256 + 14, &e, n);
	static const uint8_t m1[6] = {2, 0, 0, 0, 0, 1}, m2[6] = {2, 0, 0, 0, 0, 2};
	pkt_build_eth(tf.buf + 256, m1, m2, PKT_ETHERTYPE_IPV4);
	tf.f.len = (uint32_t)(14 + hl + n);
	fx_run(x, &tf, TOF_PORT_SGW, &r);
	assert_int_equal(r.verdict, TOF_V_CONSUME);
	assert_int_equal(r.reason, TOF_R_DL_PINGER_REPLY);
	assert_true(r.punted);
	assert_int_equal(x->w.ctr.decision_pkts[TOF_D_CONSUME], 1);
	assert_int_equal(x->w.ctr.tx_pkts[TOF_PORT_ENB], 0);
}

static void fx_apps(struct tframe *tf, const char *src, const char *dst)
{
	struct tframe_spec s;
	tframe_default(&s);
	s.inner_src = src, s.inner_dst = dst;
	s.sport = 2000, s.dport = 1000;
	tframe_build(tf, &s);
}

static void test_apps_reply_encapsulated(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	struct gtp_hdr g;
	struct pkt_ip outer, inner;
	struct pkt_udp udp;

	fx_session(x, UE, true);
	fx_apps(&tf, APP, UE);
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.verdict, TOF_V_ENCAP);
	assert_int_equal(r.reason, TOF_R_APPS_REPLY);
	assert_int_equal(r.out_port, TOF_PORT_ENB);
	const uint8_t *out = tf.buf + tf.f.off;
	static const uint8_t enb_mac[6] = {2, 0xe, 0, 0, 0, 1}, sgw_mac[6] = {2, 0x5, 0, 0, 0, 2};
	assert_memory_equal(out, enb_mac, 6);
	assert_memory_equal(out + 6, sgw_mac, 6);
	assert_int_equal(pkt_parse_ip(out + 14, tf.f.len - 14, &outer), PKT_OK);
	struct gtp_addr enb = tframe_addr(ENB), sgw = tframe_addr(SGW);
	assert_true(gtp_addr_eq(&outer.src, &sgw));
	assert_true(gtp_addr_eq(&outer.dst, &enb));
	assert_true(tframe_csum_ok(out + 14, tf.f.len - 14));
	assert_int_equal(pkt_parse_udp(out + 14, &outer, &udp), PKT_OK);
	assert_int_equal(udp.dport, 2152);
	assert_int_equal(gtp_parse(out + 14 + udp.payload_off, udp.payload_len, &g), GTP_OK);
	assert_int_equal(g.msg_type, GTP_MSG_GPDU);
	assert_int_equal(g.teid, 0x200);
	const uint8_t *ip = out + 14 + udp.payload_off + g.hdr_len;
	assert_int_equal(pkt_parse_ip(ip, udp.payload_len - g.hdr_len, &inner), PKT_OK);
	struct gtp_addr svc = tframe_addr(SVC);
	assert_true(gtp_addr_eq(&inner.src, &svc));
	assert_true(tframe_csum_ok(ip, inner.tot_len));
	assert_int_equal(x->w.svc[r.service].dl_pkts, 1);
	/* The app's MAC was not known: a copy went to the agent to learn it. */
	assert_true(r.punted);
}

static void test_apps_reply_5g_carries_qfi(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	struct gtp_hdr g;

	uint32_t slot = fx_session(x, UE, true);
	x->t->sessions[slot].flags |= TOF_SESS_QFI;
	x->t->sessions[slot].qfi = 9;
	tof_session_publish(x->t, slot);
	fx_apps(&tf, APP, UE);
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.verdict, TOF_V_ENCAP);
	const uint8_t *gtp = tf.buf + tf.f.off + 14 + 20 + 8;
	assert_int_equal(gtp_parse(gtp, tf.f.len - 42, &g), GTP_OK);
	assert_true(g.has_pdu_session);
	assert_int_equal(g.pdu_type, 0);
	assert_int_equal(g.qfi, 9);
}

static void test_apps_no_downlink_dropped_and_punted(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	uint8_t mac[6] = {2, 0, 0, 0, 0, 1};

	fx_session(x, UE, false);
	tof_service_set_mac(x->t, 0, mac); /* the MAC is known: only the pinger punt */
	fx_apps(&tf, APP, UE);
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.verdict, TOF_V_DROP);
	assert_int_equal(r.reason, TOF_R_APPS_NO_DOWNLINK);
	assert_true(r.punted);
	assert_int_equal(x->punts[0].why, TOF_R_APPS_NO_DOWNLINK);
	/* without a pinger the agent could do nothing with it: not punted */
	x->cfg.pinger_policy = TOF_PINGER_OFF;
	fx_apps(&tf, APP, UE);
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.verdict, TOF_V_DROP);
	assert_int_equal(r.reason, TOF_R_APPS_NO_DOWNLINK);
	assert_false(r.punted);
	assert_int_equal(x->n_punts, 1);

	fx_apps(&tf, APP, "198.19.9.9");
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.reason, TOF_R_APPS_NO_SESSION);
	fx_apps(&tf, "198.51.100.99", UE);
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.verdict, TOF_V_DROP);
	assert_int_equal(r.reason, TOF_R_APPS_UNKNOWN_SRC);
}

static void test_apps_too_big_and_headroom(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	struct tframe_spec s;

	fx_session(x, UE, true);
	tframe_default(&s);
	s.inner_src = APP, s.inner_dst = UE, s.payload_len = 1472; /* 1500 inner */
	tframe_build(&tf, &s);
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	/* dropped, and answered with an ICMP too big (tests/unit/test_mtu.c) */
	assert_int_equal(r.verdict, TOF_V_REPLY);
	assert_int_equal(r.reason, TOF_R_APPS_TOO_BIG);

	fx_apps(&tf, APP, UE);
	memmove(tf.buf + 10, tf.buf + tf.f.off, tf.f.len);
	tf.f.off = 10;
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.reason, TOF_R_NO_HEADROOM);
}

static void test_apps_arp_consumed(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	memset(tf.buf, 0, sizeof(tf.buf));
	tf.f.buf = tf.buf, tf.f.off = 256, tf.f.len = 42, tf.f.cap = sizeof(tf.buf);
	tf.buf[256 + 12] = 0x08, tf.buf[256 + 13] = 0x06;
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.verdict, TOF_V_CONSUME);
	assert_int_equal(r.reason, TOF_R_APPS_ARP);
	tf.buf[256 + 13] = 0x88; /* not IP, not ARP */
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.verdict, TOF_V_DROP);
	assert_int_equal(r.reason, TOF_R_APPS_NOT_IP);
}

/* Path management and everything that is not a G-PDU: byte for byte. */
static void fx_expect_pass(struct tfix *x, struct tframe *tf, enum tof_port in, enum tof_reason why)
{
	struct tframe orig = *tf;
	struct tof_result r;

	fx_run(x, tf, in, &r);
	assert_int_equal(r.verdict, TOF_V_PASS);
	assert_int_equal(r.reason, why);
	assert_int_equal(tf->f.len, orig.f.len);
	assert_int_equal(tf->f.off, orig.f.off);
	assert_memory_equal(tf->buf + tf->f.off, orig.buf + orig.f.off, tf->f.len);
}

static void fx_gtp_msg(struct tframe *tf, const uint8_t *msg, size_t n, const char *src,
		       const char *dst)
{
	struct gtp_addr a = tframe_addr(src), b = tframe_addr(dst);
	static const uint8_t m1[6] = {2, 0, 0, 0, 0, 1}, m2[6] = {2, 0, 0, 0, 0, 2};
	uint8_t *p = tf->buf + 256;

	memcpy(p + 14 + 28, msg, n);
	pkt_build_udp(p + 14 + 20, &a, &b, 2152, 2152, (uint16_t)n, true);
	pkt_build_ipv4(p + 14, &a, &b, PKT_PROTO_UDP, 64, 1, (uint16_t)(n + 8));
	pkt_build_eth(p, m2, m1, PKT_ETHERTYPE_IPV4);
	tf->f.buf = tf->buf, tf->f.off = 256, tf->f.len = (uint32_t)(14 + 28 + n);
	tf->f.cap = sizeof(tf->buf);
}

static void test_path_messages_pass(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	uint8_t msg[128];
	size_t n;
	struct gtp_addr enb = tframe_addr(ENB);

	n = gtp_build_echo(msg, sizeof(msg), GTP_MSG_ECHO_REQ, 7, 0);
	fx_gtp_msg(&tf, msg, n, ENB, SGW);
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_GTP_ECHO);
	n = gtp_build_end_marker(msg, sizeof(msg), 0x200);
	fx_gtp_msg(&tf, msg, n, SGW, ENB);
	fx_expect_pass(x, &tf, TOF_PORT_SGW, TOF_R_GTP_END_MARKER);
	n = gtp_build_error_ind(msg, sizeof(msg), 0x999, &enb, 1);
	fx_gtp_msg(&tf, msg, n, ENB, SGW);
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_GTP_ERROR_IND);
	assert_int_equal(x->n_punts, 0);

	/* An Error Indication naming a tunnel we know goes to the agent too. */
	fx_session(x, UE, true);
	n = gtp_build_error_ind(msg, sizeof(msg), 0x200, &enb, 1);
	fx_gtp_msg(&tf, msg, n, ENB, SGW);
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_GTP_ERROR_IND_KNOWN);
	assert_int_equal(x->n_punts, 1);
}

static void test_malformed_and_other_pass(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	uint8_t msg[64] = {0x30, 0xff, 0x00, 0x10, 0, 0, 0, 1}; /* length lies */
	struct tframe_spec s;

	fx_session(x, UE, true);
	fx_gtp_msg(&tf, msg, 12, ENB, SGW);
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_GTP_MALFORMED);
	assert_int_equal(x->w.ctr.gtp_err[GTP_ERR_LENGTH], 1);
	msg[0] = 0x50; /* version 2 */
	fx_gtp_msg(&tf, msg, 12, ENB, SGW);
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_GTP_MALFORMED);

	/* Plain IP, GTP-C, truncated frames. */
	tframe_default(&s);
	s.inner_src = UE, s.inner_dst = SVC;
	tframe_build(&tf, &s);
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_NOT_GTPU);
	s.dport = 2123;
	tframe_build(&tf, &s);
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_GTPC);
	fx_ul(&tf, SVC, 0x100);
	for (uint32_t cut = 0; cut < tf.f.len; cut++) {
		struct tframe t2 = tf;
		t2.f.len = cut;
		struct tof_result r;
		fx_run(x, &t2, TOF_PORT_ENB, &r);
		assert_int_equal(r.verdict, TOF_V_PASS);
		assert_memory_equal(t2.buf + t2.f.off, tf.buf + tf.f.off, cut);
	}
	/* Outer fragment. */
	fx_ul(&tf, SVC, 0x100);
	tf.buf[tf.f.off + 14 + 6] = 0x20; /* MF */
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_OUTER_FRAGMENT);
}

static void test_ext_unknown_required_not_offloaded(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tframe_spec s;

	fx_session(x, UE, true);
	tframe_default(&s);
	s.outer_src = ENB, s.outer_dst = SGW, s.teid = 0x100;
	s.inner_src = UE, s.inner_dst = SVC;
	s.with_qfi = true, s.pdu_type = 1, s.qfi = 5;
	tframe_build(&tf, &s);
	/* Turn the PDU Session Container into an unknown type 0xbe (class 2). */
	uint8_t *gtp = tf.buf + tf.f.off + 14 + 20 + 8;
	assert_int_equal(gtp[11], GTP_EXT_PDU_SESSION);
	gtp[11] = 0xbe;
	fx_expect_pass(x, &tf, TOF_PORT_ENB, TOF_R_GTP_EXT_REQUIRED);
}

static void test_punt_rate_limited(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	int punted = 0;

	/* burst 4 at 100/s: the first 4 at once, then none in the same ns. */
	for (int i = 0; i < 10; i++) {
		fx_ul(&tf, PDN, 0x300 + (uint32_t)i);
		fx_run(x, &tf, TOF_PORT_ENB, &r);
		assert_int_equal(r.verdict, TOF_V_PASS);
		punted += r.punted;
	}
	assert_int_equal(punted, 4);
	assert_int_equal(x->w.ctr.reason[TOF_R_PUNT_RATE_LIMITED], 6);
	/* 50 ms later at 100/s: 5 more tokens, capped at the burst of 4. */
	punted = 0;
	for (int i = 0; i < 10; i++) {
		fx_ul(&tf, PDN, 0x400 + (uint32_t)i);
		tof_pipeline_process(&x->pl, &x->w, &tf.f, TOF_PORT_ENB, 1050000000ULL, &r);
		punted += r.punted;
	}
	assert_int_equal(punted, 4);
}

static void test_single_mode_directions(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	struct tframe_spec s;

	fx_session(x, UE, true);
	fx_ul(&tf, SVC, 0x100);
	fx_run(x, &tf, TOF_PORT_S1, &r);
	assert_int_equal(r.dir, TOF_DIR_UPLINK);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);

	fx_apps(&tf, APP, UE);
	fx_run(x, &tf, TOF_PORT_APPS, &r);
	assert_int_equal(r.verdict, TOF_V_ENCAP);
	assert_int_equal(r.out_port, TOF_PORT_S1);

	tframe_default(&s);
	s.outer_src = SGW, s.outer_dst = ENB, s.teid = 0x200;
	s.inner_src = PDN, s.inner_dst = UE;
	tframe_build(&tf, &s);
	fx_run(x, &tf, TOF_PORT_S1, &r);
	assert_int_equal(r.dir, TOF_DIR_DOWNLINK);
	assert_int_equal(r.out_port, TOF_PORT_S1);
	assert_int_equal(r.reason, TOF_R_DL_KNOWN);

	s.outer_src = "198.18.0.200", s.outer_dst = "198.18.0.201";
	tframe_build(&tf, &s);
	fx_expect_pass(x, &tf, TOF_PORT_S1, TOF_R_UNKNOWN_DIRECTION);
}

/* A burst gives the same decisions, frames and counters as the frames one
 * by one: the prefetching pass changes nothing but timing. */
static void mixed_frames(struct tframe *tf, int n)
{
	struct tframe_spec s;
	for (int i = 0; i < n; i++) {
		tframe_default(&s);
		switch (i % 6) {
		case 0: /* uplink to a service */
			s.outer_src = ENB, s.outer_dst = SGW, s.teid = 0x100;
			s.inner_src = UE, s.inner_dst = SVC;
			break;
		case 1: /* uplink to the PDN */
			s.outer_src = ENB, s.outer_dst = SGW, s.teid = 0x100;
			s.inner_src = UE, s.inner_dst = PDN;
			break;
		case 2: /* unknown uplink tunnel */
			s.outer_src = ENB, s.outer_dst = SGW, s.teid = 0x900 + (uint32_t)i;
			s.inner_src = "198.19.4.4", s.inner_dst = PDN;
			break;
		case 3: /* downlink */
			s.outer_src = SGW, s.outer_dst = ENB, s.teid = 0x200;
			s.inner_src = PDN, s.inner_dst = UE;
			break;
		case 4: /* plain IP */
			s.inner_src = UE, s.inner_dst = PDN;
			break;
		default: /* a truncated G-PDU */
			s.outer_src = ENB, s.outer_dst = SGW, s.teid = 0x100;
			s.inner_src = UE, s.inner_dst = SVC;
			break;
		}
		tframe_build(&tf[i], &s);
		if (i % 6 == 5)
			tf[i].f.len -= 30;
	}
}

static void test_burst_matches_single(void **state)
{
	struct tfix *x = *state;
	struct tfix *y = tfix_new(fx_cfg_dual, 64);
	enum { N = 40 };
	static struct tframe a[N], b[N];
	struct tof_frame fb[N];
	struct tof_result ra, rb[N];

	fx_session(x, UE, true);
	fx_session(y, UE, true);
	mixed_frames(a, N);
	mixed_frames(b, N);
	for (int i = 0; i < N; i++)
		fb[i] = b[i].f;
	tof_pipeline_process_burst(&y->pl, &y->w, fb, N, TOF_PORT_ENB, 1000000000ULL, rb);
	for (int i = 0; i < N; i++) {
		tfix_run(x, &a[i], TOF_PORT_ENB, 1000000000ULL, &ra);
		assert_int_equal(ra.verdict, rb[i].verdict);
		assert_int_equal(ra.reason, rb[i].reason);
		assert_int_equal(ra.dir, rb[i].dir);
		assert_int_equal(ra.out_port, rb[i].out_port);
		assert_int_equal(ra.punted, rb[i].punted);
		assert_int_equal(ra.session, rb[i].session);
		assert_int_equal(ra.service, rb[i].service);
		assert_int_equal(a[i].f.off, fb[i].off);
		assert_int_equal(a[i].f.len, fb[i].len);
		assert_memory_equal(a[i].buf + a[i].f.off, b[i].buf + fb[i].off, fb[i].len);
	}
	assert_memory_equal(&x->w.ctr, &y->w.ctr, sizeof(x->w.ctr));
	assert_int_equal(x->n_punts, y->n_punts);

	/* The apps port too: replies, strangers, ARP, truncated frames. */
	for (int i = 0; i < N; i++) {
		switch (i % 4) {
		case 0:
			fx_apps(&a[i], APP, UE);
			break;
		case 1:
			fx_apps(&a[i], "198.51.100.99", UE);
			break;
		case 2:
			memset(a[i].buf, 0, sizeof(a[i].buf));
			a[i].f = (struct tof_frame){.buf = a[i].buf, .off = 256, .len = 42,
						    .cap = sizeof(a[i].buf)};
			a[i].buf[256 + 12] = 0x08, a[i].buf[256 + 13] = 0x06;
			break;
		default:
			fx_apps(&a[i], APP, UE);
			a[i].f.len = 30;
			break;
		}
		b[i] = a[i];
		b[i].f.buf = b[i].buf;
		fb[i] = b[i].f;
	}
	tof_pipeline_process_burst(&y->pl, &y->w, fb, N, TOF_PORT_APPS, 1000000000ULL, rb);
	for (int i = 0; i < N; i++) {
		tfix_run(x, &a[i], TOF_PORT_APPS, 1000000000ULL, &ra);
		assert_int_equal(ra.verdict, rb[i].verdict);
		assert_int_equal(ra.reason, rb[i].reason);
		assert_int_equal(ra.punted, rb[i].punted);
		assert_int_equal(ra.out_port, rb[i].out_port);
		assert_int_equal(a[i].f.len, fb[i].len);
		assert_memory_equal(a[i].buf + a[i].f.off, b[i].buf + fb[i].off, fb[i].len);
	}
	assert_memory_equal(&x->w.ctr, &y->w.ctr, sizeof(x->w.ctr));
	tfix_free(y);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_uplink_unknown_punts_and_passes),
		T(test_uplink_known_no_service_passes),
		T(test_uplink_service_offloaded),
		T(test_uplink_ipv6_service_offloaded),
		T(test_uplink_handover_punts),
		T(test_downlink_unknown_and_known),
		T(test_downlink_pinger_reply_consumed),
		T(test_apps_reply_encapsulated),
		T(test_apps_reply_5g_carries_qfi),
		T(test_apps_no_downlink_dropped_and_punted),
		T(test_apps_too_big_and_headroom),
		T(test_apps_arp_consumed),
		T(test_path_messages_pass),
		T(test_malformed_and_other_pass),
		T(test_ext_unknown_required_not_offloaded),
		T(test_punt_rate_limited),
		T(test_burst_matches_single),
		cmocka_unit_test_setup_teardown(test_single_mode_directions, fx_setup_single,
						fx_teardown),
	};
	return cmocka_run_group_tests_name("pipeline", tests, NULL, NULL);
}
