/* Path MTU on the apps side: an app's reply that would not fit s1_mtu once
 * encapsulated comes back to the app as an ICMP "fragmentation needed"
 * (IPv4) / "packet too big" (IPv6) with the size that fits, within the
 * worker's budget; and ICMP errors between apps and UEs are translated
 * inside their quote, both ways, so the other end's stack can match them. */
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
#include "tof_pipeline.h"

#define ENB "198.18.0.1"
#define SGW "198.18.0.2"
#define UE "198.19.0.5"
#define UE6 "2001:db8:19::5"
#define SVC "203.0.113.100"
#define APP "198.51.100.10"
#define SVC6 "2001:db8:5::100"
#define APP6 "2001:db8:6::10"

static const uint8_t app_mac[6] = { 2, 0, 0, 0, 0, 1 }, tof_mac[6] = { 2, 0, 0, 0, 0, 2 };

static const char cfg_json[] =
	"{\"mode\": \"dual\", \"enb\": [\"" ENB "\"], \"sgw\": [\"" SGW "\"],"
	" \"services\": [{\"name\": \"cache\", \"serviceIP\": \"" SVC "\", \"applicationIP\": \""
	APP "\"}, {\"name\": \"v6\", \"serviceIP\": \"" SVC6 "\", \"applicationIP\": \"" APP6 "\"}],"
	" \"icmp_errors\": {\"rate_pps\": 10, \"burst\": 2}}";

static int fx_setup(void **state)
{
	struct tfix *x = tfix_new(cfg_json, 64);

	*state = x;
	return x ? 0 : -1;
}

static int fx_teardown(void **state)
{
	tfix_free(*state);
	return 0;
}

/* A UE with both tunnels (v6 too when ue6), on the S1 link of the config. */
static void fx_session(struct tfix *x, const char *ue, bool qfi)
{
	struct gtp_addr u = tframe_addr(ue), e = tframe_addr(ENB), s = tframe_addr(SGW);
	uint32_t slot = tof_session_add(x->t, &u);

	assert_int_not_equal(slot, TOF_NO_SLOT);
	tof_session_set_ul(x->t, slot, &e, &s, 0x100, 0);
	tof_session_set_dl(x->t, slot, 0x200);
	if (qfi) {
		x->t->sessions[slot].flags |= TOF_SESS_QFI;
		x->t->sessions[slot].qfi = 9;
		tof_session_publish(x->t, slot);
	}
}

/* An app's packet of ip_len octets to the UE. */
static void fx_app_packet(struct tframe *tf, const char *app, const char *ue, size_t ip_len,
			  uint8_t proto)
{
	struct tframe_spec s;
	size_t hl = strchr(app, ':') ? 40 : 20;

	tframe_default(&s);
	memcpy(s.src_mac, app_mac, 6);
	memcpy(s.dst_mac, tof_mac, 6);
	s.inner_src = app, s.inner_dst = ue;
	s.proto = proto;
	s.payload_len = ip_len - hl - (proto == PKT_PROTO_TCP ? 20 : 8);
	tframe_build(tf, &s);
}

/* The frame is an ICMP too-big from SVC to the app saying mtu, quoting
 * `sent` (the app's packet as it was sent) as far as 576/1280 allow. */
static void assert_too_big(const struct tframe *tf, const uint8_t *sent, size_t sent_len,
			   const char *from, const char *to, uint16_t mtu)
{
	const uint8_t *f = tf->buf + tf->f.off;
	struct gtp_addr src = tframe_addr(from), dst = tframe_addr(to);
	bool v6 = src.family == GTP_AF_INET6;
	size_t hl = v6 ? 48 : 28, max = v6 ? 1280 : 576;
	size_t quote = sent_len < max - hl ? sent_len : max - hl;
	struct pkt_ip ip;

	assert_memory_equal(f, app_mac, 6);     /* back to the app */
	assert_memory_equal(f + 6, tof_mac, 6); /* from where it sent to */
	assert_int_equal(tf->f.len, 14 + hl + quote);
	assert_int_equal(pkt_parse_ip(f + 14, tf->f.len - 14, &ip), PKT_OK);
	assert_true(gtp_addr_eq(&ip.src, &src));
	assert_true(gtp_addr_eq(&ip.dst, &dst));
	assert_true(tframe_csum_ok(f + 14, tf->f.len - 14));
	const uint8_t *icmp = f + 14 + ip.l4_off;
	if (v6) {
		assert_int_equal(ip.proto, PKT_PROTO_ICMPV6);
		assert_int_equal(icmp[0], 2);
		assert_int_equal(icmp[1], 0);
		assert_int_equal(icmp[4] << 24 | icmp[5] << 16 | icmp[6] << 8 | icmp[7], mtu);
	} else {
		assert_int_equal(ip.proto, PKT_PROTO_ICMP);
		assert_int_equal(icmp[0], 3);
		assert_int_equal(icmp[1], 4);
		assert_int_equal(icmp[6] << 8 | icmp[7], mtu);
	}
	/* the packet as the app sent it: not NATed */
	assert_memory_equal(icmp + 8, sent, quote);
}

static void test_v4_too_big_answered(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	uint8_t sent[1600];

	fx_session(x, UE, false);
	/* 1464 fits: with IPv4 20 + UDP 8 + GTP-U 8 it makes 1500 */
	fx_app_packet(&tf, APP, UE, 1464, PKT_PROTO_UDP);
	tfix_run(x, &tf, TOF_PORT_APPS, 1000000000ULL, &r);
	assert_int_equal(r.verdict, TOF_V_ENCAP);
	/* one more octet does not */
	fx_app_packet(&tf, APP, UE, 1465, PKT_PROTO_TCP);
	memcpy(sent, tf.buf + tf.f.off + 14, 1465);
	tfix_run(x, &tf, TOF_PORT_APPS, 1000000000ULL, &r);
	assert_int_equal(r.verdict, TOF_V_REPLY);
	assert_int_equal(r.reason, TOF_R_APPS_TOO_BIG);
	assert_int_equal(r.out_port, TOF_PORT_APPS);
	assert_too_big(&tf, sent, 1465, SVC, APP, 1464);
	assert_int_equal(x->w.ctr.icmp_errors, 1);
	assert_int_equal(x->w.ctr.tx_pkts[TOF_PORT_APPS], 1);
	assert_int_equal(x->w.ctr.decision_pkts[TOF_D_DROP], 1);
}

/* The burst path (what the DPDK workers run) answers and counts the same:
 * the ICMP error goes out of the apps port and counts there. */
static void test_too_big_in_a_burst(void **state)
{
	struct tfix *x = *state;
	struct tframe tf[2];
	struct tof_frame fb[2];
	struct tof_result rb[2];
	uint8_t sent[1600];

	fx_session(x, UE, false);
	fx_app_packet(&tf[0], APP, UE, 1464, PKT_PROTO_UDP);
	fx_app_packet(&tf[1], APP, UE, 1465, PKT_PROTO_UDP);
	memcpy(sent, tf[1].buf + tf[1].f.off + 14, 1465);
	fb[0] = tf[0].f, fb[1] = tf[1].f;
	fb[0].buf = tf[0].buf, fb[1].buf = tf[1].buf;
	tof_pipeline_process_burst(&x->pl, &x->w, fb, 2, TOF_PORT_APPS, 1000000000ULL, rb);
	assert_int_equal(rb[0].verdict, TOF_V_ENCAP);
	assert_int_equal(rb[1].verdict, TOF_V_REPLY);
	tf[1].f = fb[1];
	assert_too_big(&tf[1], sent, 1465, SVC, APP, 1464);
	assert_int_equal(x->w.ctr.rx_pkts[TOF_PORT_APPS], 2);
	assert_int_equal(x->w.ctr.tx_pkts[TOF_PORT_APPS], 1);
	assert_int_equal(x->w.ctr.tx_pkts[TOF_PORT_ENB], 1);
	assert_int_equal(x->w.ctr.decision_pkts[TOF_D_DROP], 1);
	assert_int_equal(x->w.ctr.decision_pkts[TOF_D_ENCAP], 1);
}

static void test_v6_too_big_with_qfi(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	uint8_t sent[1600];

	fx_session(x, UE6, true);
	/* IPv4 outer with a PDU Session Container: 20 + 8 + 12 + 4 */
	fx_app_packet(&tf, APP6, UE6, 1500, PKT_PROTO_UDP);
	memcpy(sent, tf.buf + tf.f.off + 14, 1500);
	tfix_run(x, &tf, TOF_PORT_APPS, 1000000000ULL, &r);
	assert_int_equal(r.verdict, TOF_V_REPLY);
	assert_too_big(&tf, sent, 1500, SVC6, APP6, 1456);
}

/* The budget: burst 2, then 10 per second. */
static void test_rate_limited(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;
	int replies = 0;

	fx_session(x, UE, false);
	for (int i = 0; i < 6; i++) {
		fx_app_packet(&tf, APP, UE, 1480, PKT_PROTO_UDP);
		tfix_run(x, &tf, TOF_PORT_APPS, 5000000000ULL, &r);
		assert_int_equal(r.reason, TOF_R_APPS_TOO_BIG);
		replies += r.verdict == TOF_V_REPLY;
		if (r.verdict != TOF_V_REPLY)
			assert_int_equal(r.verdict, TOF_V_DROP);
	}
	assert_int_equal(replies, 2);
	/* a tenth of a second later there is one more */
	fx_app_packet(&tf, APP, UE, 1480, PKT_PROTO_UDP);
	tfix_run(x, &tf, TOF_PORT_APPS, 5100000000ULL, &r);
	assert_int_equal(r.verdict, TOF_V_REPLY);
	assert_int_equal(x->w.ctr.icmp_errors, 3);
	assert_int_equal(x->w.ctr.reason[TOF_R_APPS_TOO_BIG], 7);
}

/* An ICMP error is never answered with one; nor is anything when the
 * budget is 0. */
static void test_no_error_about_errors(void **state)
{
	struct tfix *x = *state;
	struct tframe tf;
	struct tof_result r;

	fx_session(x, UE, false);
	fx_app_packet(&tf, APP, UE, 1480, PKT_PROTO_ICMP);
	uint8_t *icmp = tf.buf + tf.f.off + 14 + 20;
	icmp[0] = 3, icmp[1] = 3; /* port unreachable */
	icmp[2] = icmp[3] = 0;
	uint16_t c = csum_fold(csum_partial(icmp, 1460, 0));
	memcpy(icmp + 2, &c, 2);
	tfix_run(x, &tf, TOF_PORT_APPS, 1000000000ULL, &r);
	assert_int_equal(r.verdict, TOF_V_DROP);
	assert_int_equal(r.reason, TOF_R_APPS_TOO_BIG);

	struct tfix *off = tfix_new("{\"mode\": \"dual\", \"enb\": [\"" ENB "\"], \"sgw\": [\""
				    SGW "\"], \"services\": [{\"name\": \"cache\", \"serviceIP\": \""
				    SVC "\", \"applicationIP\": \"" APP "\"}],"
				    " \"icmp_errors\": {\"rate_pps\": 0}}", 64);
	fx_session(off, UE, false);
	fx_app_packet(&tf, APP, UE, 1480, PKT_PROTO_UDP);
	tfix_run(off, &tf, TOF_PORT_APPS, 1000000000ULL, &r);
	assert_int_equal(r.verdict, TOF_V_DROP);
	assert_int_equal(off->w.ctr.icmp_errors, 0);
	tfix_free(off);
}

/* An ICMP error at ip (family v4/v6) from src to dst about `quoted`. */
static size_t fx_icmp_error(uint8_t *ip, const char *src, const char *dst, const uint8_t *quoted,
			    size_t qlen)
{
	struct gtp_addr s = tframe_addr(src), d = tframe_addr(dst);
	bool v6 = s.family == GTP_AF_INET6;
	size_t hl = v6 ? 40 : 20;
	uint8_t *icmp = ip + hl;

	memset(icmp, 0, 8);
	icmp[0] = v6 ? 1 : 3; /* unreachable */
	icmp[1] = v6 ? 4 : 3; /* port */
	memcpy(icmp + 8, quoted, qlen);
	uint16_t c = csum_l4(&s, &d, v6 ? PKT_PROTO_ICMPV6 : PKT_PROTO_ICMP, icmp, 8 + qlen);
	memcpy(icmp + 2, &c, 2);
	pkt_build_ip(ip, &s, &d, v6 ? PKT_PROTO_ICMPV6 : PKT_PROTO_ICMP, 64, 7,
		     (uint16_t)(8 + qlen));
	return hl + 8 + qlen;
}

/* The app's "port unreachable" for a UE's datagram to the service: the UE
 * gets it from the service IP, quoting its datagram to the service IP. */
static void test_app_error_quote_translated(void **state)
{
	struct tfix *x = *state;
	struct tframe dg, tf;
	struct tof_result r;
	struct pkt_ip outer, inner, q;

	fx_session(x, UE, false);
	/* what the UE sent, as the app received it (DNATed) */
	fx_app_packet(&dg, UE, APP, 60, PKT_PROTO_UDP);
	fx_app_packet(&tf, APP, UE, 100, PKT_PROTO_UDP);
	uint8_t *ip = tf.buf + tf.f.off + 14;
	tf.f.len = 14 + (uint32_t)fx_icmp_error(ip, APP, UE, dg.buf + dg.f.off + 14, 60);
	tfix_run(x, &tf, TOF_PORT_APPS, 1000000000ULL, &r);
	assert_int_equal(r.verdict, TOF_V_ENCAP);
	const uint8_t *f = tf.buf + tf.f.off;
	assert_int_equal(pkt_parse_ip(f + 14, tf.f.len - 14, &outer), PKT_OK);
	const uint8_t *in = f + 14 + outer.l4_off + 8 + 8;
	assert_int_equal(pkt_parse_ip(in, outer.tot_len - outer.l4_off - 16, &inner), PKT_OK);
	struct gtp_addr svc = tframe_addr(SVC), ue = tframe_addr(UE);
	assert_true(gtp_addr_eq(&inner.src, &svc));
	assert_true(tframe_csum_ok(in, inner.tot_len));
	assert_int_equal(pkt_parse_ip(in + 28, 60, &q), PKT_OK);
	assert_true(gtp_addr_eq(&q.src, &ue));
	assert_true(gtp_addr_eq(&q.dst, &svc));
	assert_true(tframe_csum_ok(in + 28, 60)); /* the UE's datagram as it sent it */
}

/* The UE's "port unreachable" (v6) for an app's datagram: the app gets it
 * quoting its own datagram, from its own address. */
static void test_ue_error_quote_translated(void **state)
{
	struct tfix *x = *state;
	struct tframe dg, tf;
	struct tframe_spec s;
	struct tof_result r;
	struct pkt_ip ip, q;
	uint8_t inner[400];

	fx_session(x, UE6, false);
	/* what the app sent, as the UE received it (SNATed) */
	fx_app_packet(&dg, SVC6, UE6, 100, PKT_PROTO_UDP);
	size_t len = fx_icmp_error(inner, UE6, SVC6, dg.buf + dg.f.off + 14, 100);
	/* through the UE's tunnel */
	tframe_default(&s);
	s.outer_src = ENB, s.outer_dst = SGW, s.teid = 0x100;
	s.inner_src = UE6, s.inner_dst = SVC6;
	s.payload_len = len - 48;
	tframe_build(&tf, &s);
	memcpy(tf.buf + tf.f.off + 14 + 36, inner, len);
	tfix_run(x, &tf, TOF_PORT_ENB, 1000000000ULL, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	const uint8_t *p = tf.buf + tf.f.off + 14;
	assert_int_equal(pkt_parse_ip(p, tf.f.len - 14, &ip), PKT_OK);
	struct gtp_addr app = tframe_addr(APP6), ue = tframe_addr(UE6);
	assert_true(gtp_addr_eq(&ip.dst, &app));
	assert_true(tframe_csum_ok(p, ip.tot_len));
	assert_int_equal(pkt_parse_ip(p + 48, 100, &q), PKT_OK);
	assert_true(gtp_addr_eq(&q.src, &app));
	assert_true(gtp_addr_eq(&q.dst, &ue));
	assert_true(tframe_csum_ok(p + 48, 100));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_v4_too_big_answered),
		T(test_too_big_in_a_burst),
		T(test_v6_too_big_with_qfi),
		T(test_rate_limited),
		T(test_no_error_about_errors),
		T(test_app_error_quote_translated),
		T(test_ue_error_quote_translated),
	};
#undef T
	return cmocka_run_group_tests_name("mtu", tests, NULL, NULL);
}
