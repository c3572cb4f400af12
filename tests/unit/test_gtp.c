/* gtp/gtp_parse: GTPv1-U parsing of hand-built vectors: every flag
 * combination, every gtp_err, extension chains (PDU Session Container UL/DL,
 * several headers, zero length, truncated, unknown comprehension-required),
 * truncations and random mutations under ASan. */
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

/* A GTP-U message from its parts. The optional octets are written when any
 * of E/S/PN is set in flags; ext is the chain after them. */
static size_t mk_gtp(uint8_t *out, uint8_t flags, uint8_t type, uint32_t teid, uint16_t seq,
		     uint8_t npdu, uint8_t next, const uint8_t *ext, size_t ext_len,
		     const uint8_t *pl, size_t pl_len)
{
	size_t n = 8;

	out[0] = flags;
	out[1] = type;
	put32(out + 4, teid);
	if (flags & 0x07) {
		put16(out + 8, seq);
		out[10] = npdu;
		out[11] = next;
		n = 12;
	}
	if (ext_len)
		memcpy(out + n, ext, ext_len);
	n += ext_len;
	if (pl_len)
		memcpy(out + n, pl, pl_len);
	n += pl_len;
	put16(out + 2, (uint16_t)(n - 8));
	return n;
}

static void test_minimal_gpdu(void **state)
{
	uint8_t m[64];
	struct gtp_hdr h;
	size_t n = mk_gtp(m, 0x30, GTP_MSG_GPDU, 0xdeadbeef, 0, 0, 0, NULL, 0, tpdu4,
			  sizeof(tpdu4));
	(void)state;

	assert_gtp(m, n, &h, GTP_OK);
	assert_int_equal(h.flags, 0x30);
	assert_int_equal(h.msg_type, GTP_MSG_GPDU);
	assert_int_equal(h.length, sizeof(tpdu4));
	assert_int_equal(h.teid, 0xdeadbeef);
	assert_false(h.has_opt);
	assert_int_equal(h.hdr_len, 8);
	assert_int_equal(h.msg_len, n);
	assert_int_equal(h.ext_count, 0);
	assert_false(h.has_pdu_session);
	assert_false(h.has_udp_port);
	assert_false(h.ext_unknown_required);
	assert_memory_equal(m + h.hdr_len, tpdu4, sizeof(tpdu4));
}

/* All eight E/S/PN combinations; with E a PDU Session Container. The spare
 * bit (0x08) is ignored by receivers. */
static void test_flag_combinations(void **state)
{
	uint8_t m[96], ext[4];
	struct gtp_hdr h;
	(void)state;

	gtp_ext_pdu_session(ext, 1, 9);
	for (int spare = 0; spare < 2; spare++) {
		for (uint8_t f = 0; f < 8; f++) {
			uint8_t flags = (uint8_t)(0x30 | f | (spare ? 0x08 : 0));
			bool e = f & GTP_FLAG_E;
			size_t n = mk_gtp(m, flags, GTP_MSG_GPDU, 77, 0xa1b2, 0x5c,
					  e ? GTP_EXT_PDU_SESSION : 0xc0, ext, e ? 4 : 0, tpdu4,
					  sizeof(tpdu4));

			assert_gtp(m, n, &h, GTP_OK);
			assert_int_equal(h.has_opt, f != 0);
			assert_int_equal(h.hdr_len, f == 0 ? 8 : (e ? 16 : 12));
			assert_int_equal(h.flags, flags);
			if (f & GTP_FLAG_S)
				assert_int_equal(h.seq, 0xa1b2);
			if (f & GTP_FLAG_PN)
				assert_int_equal(h.npdu, 0x5c);
			/* without E the next-type octet means nothing */
			assert_int_equal(h.ext_count, e ? 1 : 0);
			assert_int_equal(h.has_pdu_session, e);
			if (e) {
				assert_int_equal(h.ext_types[0], GTP_EXT_PDU_SESSION);
				assert_int_equal(h.pdu_type, 1);
				assert_int_equal(h.qfi, 9);
			}
			assert_memory_equal(m + h.hdr_len, tpdu4, sizeof(tpdu4));
		}
	}
}

static void test_err_short(void **state)
{
	uint8_t m[16] = { 0x30, 0xff, 0x00, 0x00 };
	struct gtp_hdr h;
	(void)state;

	for (size_t n = 0; n < 8; n++)
		assert_gtp(m, n, &h, GTP_ERR_SHORT);
	/* S set but the length leaves no room for the optional octets
	 * (ndpi-gtp-false-positive.pcapng frame 6: 37 03 0000 42000000) */
	static const uint8_t fp[] = { 0x37, 0x03, 0x00, 0x00, 0x42, 0x00, 0x00, 0x00 };
	assert_gtp(fp, sizeof(fp), &h, GTP_ERR_SHORT);
	for (uint8_t f = 1; f < 8; f++) {
		for (uint16_t len = 0; len < 4; len++) {
			m[0] = (uint8_t)(0x30 | f);
			put16(m + 2, len);
			assert_gtp(m, 8 + len, &h, GTP_ERR_SHORT);
		}
	}
}

static void test_err_version_pt(void **state)
{
	uint8_t m[16];
	struct gtp_hdr h;
	(void)state;

	for (int v = 0; v < 8; v++) {
		size_t n = mk_gtp(m, (uint8_t)(v << 5 | 0x10), GTP_MSG_ECHO_REQ, 0, 0, 0, 0,
				  NULL, 0, NULL, 0);

		assert_gtp(m, n, &h, v == 1 ? GTP_OK : GTP_ERR_VERSION);
	}
	/* GTPv2-C (0x48) and GTP' (0x2e) */
	static const uint8_t v2[] = { 0x48, 0x20, 0x00, 0x04, 0, 0, 0, 0, 1, 2, 3, 0 };
	assert_gtp(v2, sizeof(v2), &h, GTP_ERR_VERSION);
	static const uint8_t prime[] = { 0x2e, 0xf0, 0x00, 0x00, 0, 0, 0, 0 };
	assert_gtp(prime, sizeof(prime), &h, GTP_ERR_PT);
	mk_gtp(m, 0x20, GTP_MSG_GPDU, 1, 0, 0, 0, NULL, 0, tpdu4, 4);
	assert_gtp(m, 12, &h, GTP_ERR_PT);
}

static void test_err_length(void **state)
{
	uint8_t m[64];
	struct gtp_hdr h;
	size_t n = mk_gtp(m, 0x32, GTP_MSG_GPDU, 1, 5, 0, 0, NULL, 0, tpdu4, sizeof(tpdu4));
	(void)state;

	assert_gtp(m, n, &h, GTP_OK);
	/* a UDP payload longer or shorter than the length field says */
	assert_gtp(m, n - 1, &h, GTP_ERR_LENGTH);
	memset(m + n, 0, 4);
	assert_gtp(m, n + 4, &h, GTP_ERR_LENGTH);
	/* the length field lies */
	put16(m + 2, 0xffff);
	assert_gtp(m, n, &h, GTP_ERR_LENGTH);
	put16(m + 2, 0);
	assert_gtp(m, n, &h, GTP_ERR_LENGTH);
}

static void test_err_no_payload(void **state)
{
	uint8_t m[64], ext[4];
	struct gtp_hdr h;
	size_t n;
	(void)state;

	n = mk_gtp(m, 0x30, GTP_MSG_GPDU, 1, 0, 0, 0, NULL, 0, NULL, 0);
	assert_gtp(m, n, &h, GTP_ERR_NO_PAYLOAD);
	n = mk_gtp(m, 0x32, GTP_MSG_GPDU, 1, 0, 0, 0, NULL, 0, NULL, 0);
	assert_gtp(m, n, &h, GTP_ERR_NO_PAYLOAD);
	gtp_ext_pdu_session(ext, 0, 1);
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDU_SESSION, ext, 4, NULL, 0);
	assert_gtp(m, n, &h, GTP_ERR_NO_PAYLOAD);
	/* other messages may be empty */
	n = mk_gtp(m, 0x30, GTP_MSG_END_MARKER, 1, 0, 0, 0, NULL, 0, NULL, 0);
	assert_gtp(m, n, &h, GTP_OK);
	/* one octet of T-PDU is a payload (what it holds is not our business) */
	n = mk_gtp(m, 0x30, GTP_MSG_GPDU, 1, 0, 0, 0, NULL, 0, tpdu4, 1);
	assert_gtp(m, n, &h, GTP_OK);
	assert_int_equal(h.hdr_len, 8);
}

/* ---- extension headers ---- */

static void test_ext_pdu_session(void **state)
{
	uint8_t m[96], ext[16];
	struct gtp_hdr h;
	size_t n;
	(void)state;

	/* UL PDU SESSION INFORMATION, QFI 5 */
	assert_int_equal(gtp_ext_pdu_session(ext, 1, 5), 4);
	assert_int_equal(ext[0], 1);
	assert_int_equal(ext[1], 0x10);
	assert_int_equal(ext[2], 5);
	assert_int_equal(ext[3], 0);
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 0xc0bb, 0, 0, GTP_EXT_PDU_SESSION, ext, 4, tpdu4,
		   sizeof(tpdu4));
	assert_gtp(m, n, &h, GTP_OK);
	assert_true(h.has_pdu_session);
	assert_int_equal(h.pdu_type, 1);
	assert_int_equal(h.qfi, 5);
	assert_int_equal(h.hdr_len, 16);

	/* DL with PPP and RQI set and a PPI octet: 8 octets (length 2). The
	 * flag bits above QFI must not leak into it. */
	static const uint8_t dl[] = { 0x02, 0x00, 0xff, 0xa0, 0, 0, 0, 0x00 };
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDU_SESSION, dl, sizeof(dl), tpdu4,
		   sizeof(tpdu4));
	assert_gtp(m, n, &h, GTP_OK);
	assert_int_equal(h.pdu_type, 0);
	assert_int_equal(h.qfi, 63);
	assert_int_equal(h.hdr_len, 20);

	/* pcap4j-gtpv1-ext-pdu-session-container.pcap: DL, QFI 15 */
	static const uint8_t pcap4j[] = { 0x37, 0x02, 0x00, 0x10, 0x49, 0x96, 0x02, 0xd2,
					  0x11, 0x22, 0x33, 0x85, 0x02, 0x05, 0x8f, 0xf2,
					  0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03 };
	assert_gtp(pcap4j, sizeof(pcap4j), &h, GTP_OK);
	assert_int_equal(h.msg_type, GTP_MSG_ECHO_RSP);
	assert_int_equal(h.teid, 0x499602d2);
	assert_int_equal(h.seq, 0x1122);
	assert_int_equal(h.npdu, 0x33);
	assert_int_equal(h.ext_count, 1);
	assert_int_equal(h.pdu_type, 0);
	assert_int_equal(h.qfi, 15);
	assert_int_equal(h.hdr_len, 20);

	/* the QFI extraction for every value and both directions */
	for (uint8_t dir = 0; dir < 2; dir++) {
		for (uint8_t q = 0; q < 64; q++) {
			gtp_ext_pdu_session(ext, dir, q);
			n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDU_SESSION, ext, 4,
				   tpdu4, 4);
			assert_gtp(m, n, &h, GTP_OK);
			assert_int_equal(h.pdu_type, dir);
			assert_int_equal(h.qfi, q);
		}
	}
}

static void test_ext_chain_multiple(void **state)
{
	uint8_t m[128], ext[64];
	struct gtp_hdr h;
	size_t n = 0, len;
	(void)state;

	/* UDP Port -> PDCP PDU Number -> NR RAN Container (12) -> PDU
	 * Session Container -> Long PDCP -> SCI -> end */
	ext[n++] = 1; put16(ext + n, 40000); n += 2; ext[n++] = GTP_EXT_PDCP_PDU_NUMBER;
	ext[n++] = 1; put16(ext + n, 0x0123); n += 2; ext[n++] = GTP_EXT_NR_RAN_CONTAINER;
	ext[n++] = 3; memset(ext + n, 0xaa, 10); n += 10; ext[n++] = GTP_EXT_PDU_SESSION;
	ext[n++] = 1; ext[n++] = 0x10; ext[n++] = 0x07; ext[n++] = GTP_EXT_LONG_PDCP;
	ext[n++] = 2; memset(ext + n, 0x01, 6); n += 6; ext[n++] = GTP_EXT_SCI;
	ext[n++] = 1; ext[n++] = 0x42; ext[n++] = 0; ext[n++] = GTP_EXT_NONE;
	len = mk_gtp(m, 0x36, GTP_MSG_GPDU, 9, 1, 0, GTP_EXT_UDP_PORT, ext, n, tpdu4,
		     sizeof(tpdu4));
	assert_gtp(m, len, &h, GTP_OK);
	assert_int_equal(h.ext_count, 6);
	static const uint8_t want[] = { GTP_EXT_UDP_PORT, GTP_EXT_PDCP_PDU_NUMBER,
					GTP_EXT_NR_RAN_CONTAINER, GTP_EXT_PDU_SESSION,
					GTP_EXT_LONG_PDCP, GTP_EXT_SCI };
	assert_memory_equal(h.ext_types, want, sizeof(want));
	assert_true(h.has_udp_port);
	assert_int_equal(h.udp_port, 40000);
	assert_true(h.has_pdu_session);
	assert_int_equal(h.pdu_type, 1);
	assert_int_equal(h.qfi, 7);
	assert_false(h.ext_unknown_required);
	assert_int_equal(h.hdr_len, 12 + n);
	assert_memory_equal(m + h.hdr_len, tpdu4, sizeof(tpdu4));

	/* E set with next type 0: no chain */
	len = mk_gtp(m, 0x34, GTP_MSG_GPDU, 9, 0, 0, GTP_EXT_NONE, NULL, 0, tpdu4, 4);
	assert_gtp(m, len, &h, GTP_OK);
	assert_int_equal(h.ext_count, 0);
	assert_int_equal(h.hdr_len, 12);
}

static void test_ext_unknown(void **state)
{
	uint8_t m[64], ext[8] = { 1, 0, 0, 0, 1, 0, 0, 0 };
	struct gtp_hdr h;
	(void)state;

	/* every type the library does not know, by its comprehension class */
	for (int t = 1; t < 256; t++) {
		if (gtp_ext_known((uint8_t)t))
			continue;
		size_t n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, (uint8_t)t, ext, 4, tpdu4, 4);

		assert_gtp(m, n, &h, GTP_OK);
		assert_int_equal(h.ext_count, 1);
		assert_int_equal(h.ext_types[0], t);
		assert_int_equal(h.ext_unknown_required, (t >> 6) >= 2);
	}
	/* class 3 unknown after a known one */
	ext[3] = 0xe1;
	size_t n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDCP_PDU_NUMBER, ext, 8,
			  tpdu4, 4);
	assert_gtp(m, n, &h, GTP_OK);
	assert_int_equal(h.ext_count, 2);
	assert_true(h.ext_unknown_required);
	/* class 1 unknown (0x41): not required */
	ext[3] = 0x41;
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDCP_PDU_NUMBER, ext, 8, tpdu4, 4);
	assert_gtp(m, n, &h, GTP_OK);
	assert_false(h.ext_unknown_required);
}

static void test_ext_errors(void **state)
{
	uint8_t m[200], ext[128];
	struct gtp_hdr h;
	size_t n;
	(void)state;

	/* zero length, first and second in the chain */
	memset(ext, 0, sizeof(ext));
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDU_SESSION, ext, 4, tpdu4, 4);
	assert_gtp(m, n, &h, GTP_ERR_EXT_ZERO_LEN);
	gtp_ext_pdu_session(ext, 1, 1);
	ext[3] = 0x81;
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDU_SESSION, ext, 8, tpdu4, 4);
	assert_gtp(m, n, &h, GTP_ERR_EXT_ZERO_LEN);

	/* the chain runs past the message: a length too long ... */
	ext[0] = 5; /* 20 octets, 8 there */
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDU_SESSION, ext, 4, tpdu4, 4);
	assert_gtp(m, n, &h, GTP_ERR_EXT_TRUNC);
	/* ... or a next type with nothing after it */
	gtp_ext_pdu_session(ext, 1, 1);
	ext[3] = GTP_EXT_UDP_PORT;
	n = mk_gtp(m, 0x34, GTP_MSG_ECHO_REQ, 0, 0, 0, GTP_EXT_PDU_SESSION, ext, 4, NULL, 0);
	assert_gtp(m, n, &h, GTP_ERR_EXT_TRUNC);
	/* ... or E with a first type and no header at all */
	n = mk_gtp(m, 0x34, GTP_MSG_ECHO_REQ, 0, 0, 0, GTP_EXT_PDU_SESSION, NULL, 0, NULL, 0);
	assert_gtp(m, n, &h, GTP_ERR_EXT_TRUNC);
	/* ... on a G-PDU, the T-PDU does not count as room for the chain */
	ext[0] = 2;
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, GTP_EXT_PDU_SESSION, ext, 4, NULL, 0);
	assert_gtp(m, n, &h, GTP_ERR_EXT_TRUNC);

	/* more than GTP_MAX_EXT headers (each a 4-octet unknown class 0) */
	for (int i = 0; i <= GTP_MAX_EXT; i++) {
		ext[i * 4] = 1;
		ext[i * 4 + 1] = ext[i * 4 + 2] = 0;
		ext[i * 4 + 3] = i < GTP_MAX_EXT ? 0x01 : 0;
	}
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, 0x01, ext, (GTP_MAX_EXT + 1) * 4, tpdu4, 4);
	assert_gtp(m, n, &h, GTP_ERR_EXT_TOO_MANY);
	/* exactly GTP_MAX_EXT is fine */
	ext[(GTP_MAX_EXT - 1) * 4 + 3] = 0;
	n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, 0x01, ext, GTP_MAX_EXT * 4, tpdu4, 4);
	assert_gtp(m, n, &h, GTP_OK);
	assert_int_equal(h.ext_count, GTP_MAX_EXT);

	/* known fixed-size headers with the wrong length */
	static const struct {
		uint8_t type, units;
	} bad[] = { { GTP_EXT_UDP_PORT, 2 }, { GTP_EXT_PDCP_PDU_NUMBER, 2 },
		    { GTP_EXT_SCI, 3 }, { GTP_EXT_LONG_PDCP, 1 }, { GTP_EXT_LONG_PDCP, 3 } };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(ext, 0, sizeof(ext));
		ext[0] = bad[i].units;
		n = mk_gtp(m, 0x34, GTP_MSG_GPDU, 1, 0, 0, bad[i].type, ext, bad[i].units * 4u,
			   tpdu4, 4);
		assert_gtp(m, n, &h, GTP_ERR_EXT_BAD);
	}
}

static void test_ext_known_and_class(void **state)
{
	static const uint8_t known[] = { 0x20, 0x40, 0x81, 0x82, 0x83, 0x84, 0x85, 0xc0 };
	(void)state;

	for (int t = 0; t < 256; t++) {
		bool want = memchr(known, t, sizeof(known)) != NULL;

		assert_int_equal(gtp_ext_known((uint8_t)t), want);
	}
	assert_int_equal(gtp_ext_comprehension(0x20), 0);
	assert_int_equal(gtp_ext_comprehension(0x40), 1);
	assert_int_equal(gtp_ext_comprehension(0x85), 2);
	assert_int_equal(gtp_ext_comprehension(0xc0), 3);
}

/* Every error has its own name, and only out-of-range gets the fallback. */
static void expect_err_names(const char *(*name)(enum gtp_err), const char *fallback)
{
	for (int i = 0; i < GTP_ERR__COUNT; i++) {
		const char *a = name((enum gtp_err)i);

		assert_non_null(a);
		assert_string_not_equal(a, fallback);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, name((enum gtp_err)j));
	}
	assert_string_equal(name(GTP_ERR__COUNT), fallback);
}

static void test_strerror(void **state)
{
	(void)state;
	expect_err_names(gtp_strerror, "unknown error");
}

/* The keys are JSON and metric labels: one each, stable. */
static void test_err_name(void **state)
{
	(void)state;
	expect_err_names(gtp_err_name, "?");
	assert_string_equal(gtp_err_name(GTP_OK), "ok");
	assert_string_equal(gtp_err_name(GTP_ERR_PT), "gtp_prime");
	assert_string_equal(gtp_err_name(GTP_ERR_NO_PAYLOAD), "no_payload");
}

/* Every prefix of a message with a long chain, and random mutations of it:
 * a named result, no read past the end, invariants when accepted. */
static void test_truncation_and_mutation(void **state)
{
	struct test_rng r = { 0xc0ffee };
	uint8_t m[128], ext[32], mut[128];
	struct gtp_hdr h;
	size_t n = 0, len;
	int seen[GTP_ERR__COUNT] = { 0 };
	(void)state;

	ext[n++] = 1; put16(ext + n, 2152); n += 2; ext[n++] = GTP_EXT_PDU_SESSION;
	ext[n++] = 2; memset(ext + n, 0x11, 6); n += 6; ext[n++] = 0x90;
	ext[n++] = 1; memset(ext + n, 0x22, 2); n += 2; ext[n++] = 0;
	len = mk_gtp(m, 0x37, GTP_MSG_GPDU, 1, 2, 3, GTP_EXT_UDP_PORT, ext, n, tpdu4,
		     sizeof(tpdu4));
	assert_gtp(m, len, &h, GTP_OK);
	assert_true(h.ext_unknown_required);

	/* prefixes: the length field now disagrees */
	for (size_t k = 0; k < len; k++) {
		enum gtp_err e = parse_exact(m, k, &h);

		assert_int_equal(e, k < 8 ? GTP_ERR_SHORT : GTP_ERR_LENGTH);
	}
	/* prefixes with the length field fixed up: the chain is cut */
	for (size_t k = 8; k < 12 + n; k++) {
		memcpy(mut, m, k);
		put16(mut + 2, (uint16_t)(k - 8));
		enum gtp_err e = parse_exact(mut, k, &h);

		assert_true(e == GTP_ERR_SHORT || e == GTP_ERR_EXT_TRUNC);
	}
	for (int i = 0; i < 100000; i++) {
		size_t k = 8 + test_rand_below(&r, len - 7);

		memcpy(mut, m, k);
		for (int j = test_rand_below(&r, 4); j >= 0; j--)
			mut[test_rand_below(&r, (uint32_t)k)] = (uint8_t)test_rand(&r);
		if (test_rand_below(&r, 4))
			put16(mut + 2, (uint16_t)(k - 8));
		enum gtp_err e = parse_exact(mut, k, &h);

		assert_true(e >= GTP_OK && e < GTP_ERR__COUNT);
		seen[e]++;
		if (e == GTP_OK) {
			assert_true(h.hdr_len <= k);
			assert_int_equal(h.msg_len, k);
			assert_true(h.ext_count <= GTP_MAX_EXT);
			if (h.msg_type == GTP_MSG_GPDU)
				assert_true(h.hdr_len < k);
		}
	}
	/* the mutations reached every outcome */
	for (int e = 0; e < GTP_ERR__COUNT; e++)
		if (e != GTP_ERR_EXT_TOO_MANY && seen[e] == 0)
			fail_msg("no mutation gave %s", gtp_strerror((enum gtp_err)e));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_gpdu),
		cmocka_unit_test(test_flag_combinations),
		cmocka_unit_test(test_err_short),
		cmocka_unit_test(test_err_version_pt),
		cmocka_unit_test(test_err_length),
		cmocka_unit_test(test_err_no_payload),
		cmocka_unit_test(test_ext_pdu_session),
		cmocka_unit_test(test_ext_chain_multiple),
		cmocka_unit_test(test_ext_unknown),
		cmocka_unit_test(test_ext_errors),
		cmocka_unit_test(test_ext_known_and_class),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_err_name),
		cmocka_unit_test(test_truncation_and_mutation),
	};

	return cmocka_run_group_tests_name("gtp", tests, NULL, NULL);
}
