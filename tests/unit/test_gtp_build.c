/* gtp/gtp_build: header, echo, End Marker and Error Indication builders
 * round-tripped through the parser; G-PDUs encapsulated in outer IPv4/IPv6
 * and parsed back (both families outside and inside), checksums verified
 * with the reference of gtp_testutil.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "gtp.h"
#include "gtp_testutil.h"
#include "pkt.h"

static const uint8_t tpdu4[] = { 0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x01,
				 0x00, 0x00, 198,  19,   0,    2,    203,  0,    113,  100,
				 0x08, 0x00, 0xf7, 0xfe, 0x00, 0x01, 0x00, 0x00 };

static void test_build_hdr(void **state)
{
	uint8_t out[64], ext[4];
	struct gtp_hdr h;
	struct gtp_build b = { .msg_type = GTP_MSG_GPDU, .teid = 0x01020304 };
	(void)state;

	assert_int_equal(gtp_hdr_len(&b), 8);
	assert_int_equal(gtp_build_hdr(out, sizeof(out), &b, sizeof(tpdu4)), 8);
	memcpy(out + 8, tpdu4, sizeof(tpdu4));
	assert_gtp(out, 8 + sizeof(tpdu4), &h, GTP_OK);
	assert_int_equal(h.flags, 0x30);
	assert_int_equal(h.teid, 0x01020304);

	b.with_seq = true;
	b.seq = 4242;
	assert_int_equal(gtp_hdr_len(&b), 12);
	assert_int_equal(gtp_build_hdr(out, sizeof(out), &b, sizeof(tpdu4)), 12);
	memcpy(out + 12, tpdu4, sizeof(tpdu4));
	assert_gtp(out, 12 + sizeof(tpdu4), &h, GTP_OK);
	assert_int_equal(h.flags, 0x32);
	assert_int_equal(h.seq, 4242);

	gtp_ext_pdu_session(ext, 0, 33);
	b.first_ext = GTP_EXT_PDU_SESSION;
	b.ext = ext;
	b.ext_len = sizeof(ext);
	assert_int_equal(gtp_hdr_len(&b), 16);
	assert_int_equal(gtp_build_hdr(out, sizeof(out), &b, sizeof(tpdu4)), 16);
	memcpy(out + 16, tpdu4, sizeof(tpdu4));
	assert_gtp(out, 16 + sizeof(tpdu4), &h, GTP_OK);
	assert_int_equal(h.flags, 0x36);
	assert_int_equal(h.qfi, 33);
	assert_int_equal(h.pdu_type, 0);

	/* extension without sequence: E only, sequence octets zero */
	b.with_seq = false;
	assert_int_equal(gtp_build_hdr(out, sizeof(out), &b, 4), 16);
	assert_int_equal(out[0], 0x34);
	assert_int_equal(get16(out + 8), 0);
	assert_int_equal(out[11], GTP_EXT_PDU_SESSION);

	/* no room, or a length that does not fit 16 bits */
	assert_int_equal(gtp_build_hdr(out, 15, &b, 4), 0);
	assert_int_equal(gtp_build_hdr(out, 64, &b, 0xffff), 0);
	assert_int_equal(gtp_build_hdr(out, 64, &b, 0xffff - 8), 16);
}

static void test_build_echo(void **state)
{
	uint8_t out[32];
	struct gtp_hdr h;
	size_t n;
	(void)state;

	n = gtp_build_echo(out, sizeof(out), GTP_MSG_ECHO_REQ, 0x1234, 0);
	assert_int_equal(n, 12);
	assert_gtp(out, n, &h, GTP_OK);
	assert_int_equal(h.msg_type, GTP_MSG_ECHO_REQ);
	assert_int_equal(h.teid, 0);
	assert_true(h.flags & GTP_FLAG_S);
	assert_int_equal(h.seq, 0x1234);
	assert_int_equal(h.hdr_len, 12);

	n = gtp_build_echo(out, sizeof(out), GTP_MSG_ECHO_RSP, 0x1234, 7);
	assert_int_equal(n, 14);
	assert_gtp(out, n, &h, GTP_OK);
	assert_int_equal(h.msg_type, GTP_MSG_ECHO_RSP);
	assert_int_equal(h.seq, 0x1234);
	assert_int_equal(out[h.hdr_len], GTP_IE_RECOVERY);
	assert_int_equal(out[h.hdr_len + 1], 7);

	assert_int_equal(gtp_build_echo(out, 13, GTP_MSG_ECHO_RSP, 1, 0), 0);
	assert_int_equal(gtp_build_echo(out, 11, GTP_MSG_ECHO_REQ, 1, 0), 0);
}

static void test_build_end_marker(void **state)
{
	uint8_t out[16];
	struct gtp_hdr h;
	size_t n;
	(void)state;

	n = gtp_build_end_marker(out, sizeof(out), 0xabcdef01);
	assert_int_equal(n, 8);
	assert_gtp(out, n, &h, GTP_OK);
	assert_int_equal(h.msg_type, GTP_MSG_END_MARKER);
	assert_int_equal(h.teid, 0xabcdef01);
	assert_int_equal(h.length, 0);
	assert_int_equal(gtp_build_end_marker(out, 7, 1), 0);
}

static void test_error_ind(void **state)
{
	uint8_t out[64];
	struct gtp_hdr h;
	struct gtp_error_ind ei;
	(void)state;

	for (int fam = 0; fam < 2; fam++) {
		struct gtp_addr gsn = fam ? addr_text("2001:db8::2") : addr4(198, 18, 0, 2);
		size_t n = gtp_build_error_ind(out, sizeof(out), 0x11223344, &gsn, 99);

		assert_int_equal(n, 12 + 5 + 3 + (fam ? 16 : 4));
		assert_gtp(out, n, &h, GTP_OK);
		assert_int_equal(h.msg_type, GTP_MSG_ERROR_IND);
		assert_int_equal(h.teid, 0);
		assert_int_equal(h.seq, 99);
		assert_int_equal(gtp_parse_error_ind(out + h.hdr_len, n - h.hdr_len, &ei), 0);
		assert_int_equal(ei.teid, 0x11223344);
		assert_true(gtp_addr_eq(&ei.gsn, &gsn));
		assert_int_equal(gtp_build_error_ind(out, n - 1, 1, &gsn, 0), 0);
		/* every cut of the IEs fails cleanly */
		for (size_t k = 0; k < n - h.hdr_len; k++) {
			uint8_t *b = dup_exact(out + h.hdr_len, k);

			assert_int_equal(gtp_parse_error_ind(b, k, &ei), -1);
			free(b);
		}
	}
	struct gtp_addr none;
	memset(&none, 0, sizeof(none));
	assert_int_equal(gtp_build_error_ind(out, sizeof(out), 1, &none, 0), 0);
}

static void test_error_ind_ies(void **state)
{
	struct gtp_error_ind ei;
	(void)state;

	/* Recovery, Private Extension, an unknown TLV, GSN before TEID */
	static const uint8_t ok[] = { 14, 0, 255, 0, 3, 0, 1, 2, 200, 0, 0, 133, 0, 4, 198, 18,
				      0, 1, 16, 0, 0, 0, 9 };
	assert_int_equal(gtp_parse_error_ind(ok, sizeof(ok), &ei), 0);
	assert_int_equal(ei.teid, 9);
	struct gtp_addr want = addr4(198, 18, 0, 1);
	assert_true(gtp_addr_eq(&ei.gsn, &want));

	static const uint8_t no_gsn[] = { 16, 0, 0, 0, 9 };
	assert_int_equal(gtp_parse_error_ind(no_gsn, sizeof(no_gsn), &ei), -1);
	static const uint8_t no_teid[] = { 133, 0, 4, 1, 2, 3, 4 };
	assert_int_equal(gtp_parse_error_ind(no_teid, sizeof(no_teid), &ei), -1);
	static const uint8_t gsn5[] = { 16, 0, 0, 0, 9, 133, 0, 5, 1, 2, 3, 4, 5 };
	assert_int_equal(gtp_parse_error_ind(gsn5, sizeof(gsn5), &ei), -1);
	/* an unknown TV type cannot be stepped over */
	static const uint8_t tv3[] = { 3, 1, 2, 3, 4, 5, 6, 16, 0, 0, 0, 9, 133, 0, 4, 1, 2, 3, 4 };
	assert_int_equal(gtp_parse_error_ind(tv3, sizeof(tv3), &ei), -1);
	/* a TLV length beyond the end */
	static const uint8_t tlv_long[] = { 16, 0, 0, 0, 9, 133, 0, 4, 1, 2, 3, 4, 255, 0, 9, 1 };
	assert_int_equal(gtp_parse_error_ind(tlv_long, sizeof(tlv_long), &ei), -1);
	assert_int_equal(gtp_parse_error_ind(NULL, 0, &ei), -1);
}

/* ---- encapsulation ---- */

/* An inner packet of the given family: ICMP/ICMPv6 echo with a correct
 * checksum, n octets of data. */
static size_t mk_inner(uint8_t *p, bool v6, size_t data)
{
	struct gtp_addr s = v6 ? addr_text("2001:db8:19::2") : addr4(198, 19, 0, 2);
	struct gtp_addr d = v6 ? addr_text("2001:db8:113::100") : addr4(203, 0, 113, 100);
	uint8_t proto = v6 ? PKT_PROTO_ICMPV6 : PKT_PROTO_ICMP;
	size_t hl = pkt_build_ip(p, &s, &d, proto, 64, 7, (uint16_t)(8 + data));
	uint8_t *l4 = p + hl;

	memset(l4, 0, 8);
	l4[0] = v6 ? 128 : 8;
	for (size_t i = 0; i < data; i++)
		l4[8 + i] = (uint8_t)i;
	put16(l4 + 2, ref_l4_csum(&s, &d, proto, l4, 8 + data, 2));
	return hl + 8 + data;
}

static void test_encap_roundtrip(void **state)
{
	uint8_t buf[2048], inner[1600], ext[4];
	(void)state;

	gtp_ext_pdu_session(ext, 0, 9);
	for (int combo = 0; combo < 32; combo++) {
		bool outer6 = combo & 1, inner6 = combo & 2, with_ext = combo & 4;
		bool csum = combo & 8, odd = combo & 16;
		struct gtp_encap e = {
			.src = outer6 ? addr_text("2001:db8:18::2") : addr4(198, 18, 0, 2),
			.dst = outer6 ? addr_text("2001:db8:18::1") : addr4(198, 18, 0, 1),
			.sport = GTPU_PORT,
			.dport = GTPU_PORT,
			.ttl = 33,
			.ip_id = 0x4321,
			.udp_csum = csum,
			.gtp = { .msg_type = GTP_MSG_GPDU, .teid = 0x0a0b0c0d + (uint32_t)combo,
				 .with_seq = odd, .seq = 5 },
		};
		if (with_ext) {
			e.gtp.first_ext = GTP_EXT_PDU_SESSION;
			e.gtp.ext = ext;
			e.gtp.ext_len = sizeof(ext);
		}
		size_t in_len = mk_inner(inner, inner6, odd ? 1001 : 56);
		size_t hl = gtp_encap_len(&e);

		assert_int_equal(hl, (outer6 ? 40 : 20) + 8 + 8 + (odd || with_ext ? 4 : 0) +
					     (with_ext ? 4 : 0));
		memcpy(buf + hl, inner, in_len);
		assert_int_equal(gtp_encap_write(buf, &e, in_len), hl);

		/* parse it back as a receiver would, from an exact buffer */
		size_t total = hl + in_len;
		uint8_t *b = dup_exact(buf, total);
		struct pkt_ip oip, iip;
		struct pkt_udp udp;
		struct gtp_hdr h;

		assert_int_equal(pkt_parse_ip(b, total, &oip), PKT_OK);
		assert_int_equal(oip.family, outer6 ? GTP_AF_INET6 : GTP_AF_INET);
		assert_int_equal(oip.proto, PKT_PROTO_UDP);
		assert_int_equal(oip.tot_len, total);
		assert_int_equal(oip.ttl, 33);
		assert_true(gtp_addr_eq(&oip.src, &e.src));
		assert_true(gtp_addr_eq(&oip.dst, &e.dst));
		if (!outer6) {
			assert_int_equal(get16(b + 10), ref_ipv4_csum(b, 20));
			assert_int_equal(get16(b + 4), 0x4321);
		}
		assert_int_equal(pkt_parse_udp(b, &oip, &udp), PKT_OK);
		assert_int_equal(udp.sport, GTPU_PORT);
		assert_int_equal(udp.dport, GTPU_PORT);
		assert_int_equal(udp.payload_len, total - oip.hdr_len - 8);
		uint16_t uc = get16(b + oip.l4_off + 6);
		if (outer6 || csum)
			assert_int_equal(uc, ref_l4_csum(&e.src, &e.dst, PKT_PROTO_UDP,
							 b + oip.l4_off, udp.len, 6));
		else
			assert_int_equal(uc, 0);

		assert_int_equal(gtp_parse(b + udp.payload_off, udp.payload_len, &h), GTP_OK);
		assert_int_equal(h.msg_type, GTP_MSG_GPDU);
		assert_int_equal(h.teid, e.gtp.teid);
		assert_int_equal(h.has_pdu_session, with_ext);
		if (with_ext)
			assert_int_equal(h.qfi, 9);
		assert_int_equal(h.msg_len - h.hdr_len, in_len);
		const uint8_t *ip = b + udp.payload_off + h.hdr_len;
		assert_memory_equal(ip, inner, in_len);
		assert_int_equal(pkt_parse_ip(ip, in_len, &iip), PKT_OK);
		assert_int_equal(iip.family, inner6 ? GTP_AF_INET6 : GTP_AF_INET);
		assert_int_equal(iip.tot_len, in_len);
		free(b);
	}
}

static void test_encap_limits(void **state)
{
	static uint8_t buf[70000];
	struct gtp_encap e = {
		.src = addr4(198, 18, 0, 2),
		.dst = addr4(198, 18, 0, 1),
		.sport = GTPU_PORT,
		.dport = GTPU_PORT,
		.gtp = { .msg_type = GTP_MSG_GPDU, .teid = 1 },
	};
	(void)state;

	/* 65535 octets in all is the most an IPv4 packet holds */
	assert_int_equal(gtp_encap_write(buf, &e, 65535 - 36), 36);
	assert_int_equal(get16(buf + 2), 65535);
	assert_int_equal(gtp_encap_write(buf, &e, 65535 - 35), 0);
	/* mixed or missing families */
	e.dst = addr_text("2001:db8::1");
	assert_int_equal(gtp_encap_write(buf, &e, 10), 0);
	memset(&e.src, 0, sizeof(e.src));
	memset(&e.dst, 0, sizeof(e.dst));
	assert_int_equal(gtp_encap_write(buf, &e, 10), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_hdr),
		cmocka_unit_test(test_build_echo),
		cmocka_unit_test(test_build_end_marker),
		cmocka_unit_test(test_error_ind),
		cmocka_unit_test(test_error_ind_ies),
		cmocka_unit_test(test_encap_roundtrip),
		cmocka_unit_test(test_encap_limits),
	};

	return cmocka_run_group_tests_name("gtp_build", tests, NULL, NULL);
}
