/* gtp/csum: full and incremental Internet checksums against known vectors
 * and an independent byte-by-byte reference. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "csum.h"
#include "gtp_testutil.h"

#define PROPERTY_ROUNDS 20000

/* csum_* return values as they sit in packets; compare in host order. */
static uint16_t h16(uint16_t net)
{
	return ntohs(net);
}

static void test_rfc1071_example(void **state)
{
	/* RFC 1071 section 3: the sum of these words is ddf2. */
	static const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	(void)state;

	assert_int_equal(h16(csum_fold(csum_partial(b, sizeof(b), 0))), 0x220d);
	/* split at an even offset: the same */
	assert_int_equal(h16(csum_fold(csum_partial(b + 4, 4, csum_partial(b, 4, 0)))),
			 0x220d);
}

static void test_ipv4_header_vector(void **state)
{
	/* A well-known header whose checksum is b861. */
	uint8_t h[] = { 0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
			0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	(void)state;

	assert_int_equal(h16(csum_ipv4_hdr(h, sizeof(h))), 0xb861);
	/* the field's current value does not matter */
	h[10] = 0x12;
	h[11] = 0x34;
	assert_int_equal(h16(csum_ipv4_hdr(h, sizeof(h))), 0xb861);
	h[10] = h[11] = 0;
	assert_int_equal(h16(csum_ipv4_hdr(h, sizeof(h))), 0xb861);
}

static void test_fold_edges(void **state)
{
	(void)state;
	assert_int_equal(csum_fold(0), 0xffff);
	assert_int_equal(csum_fold(0xffff), 0);
	assert_int_equal(csum_fold(0xffffffffu), 0);
	assert_int_equal(h16(csum_fold(htons(0x1234) + 0u)), 0xedcb);
	assert_int_equal(csum_partial(NULL, 0, 77), 77);
}

/* Random lengths (odd ones included) at random alignments. */
static void test_partial_matches_reference(void **state)
{
	struct test_rng r = { 0x1234567 };
	uint8_t buf[1600];
	(void)state;

	for (int i = 0; i < PROPERTY_ROUNDS; i++) {
		size_t off = test_rand_below(&r, 8);
		size_t len = test_rand_below(&r, sizeof(buf) - 8);

		test_rand_bytes(&r, buf, sizeof(buf));
		if (i % 7 == 0)
			memset(buf, 0xff, sizeof(buf));
		uint16_t want = (uint16_t)~ref_sum(buf + off, len, 0);
		assert_int_equal(h16(csum_fold(csum_partial(buf + off, len, 0))), want);
	}
}

/* Chained partial sums over even-sized pieces equal one pass. */
static void test_partial_chaining(void **state)
{
	struct test_rng r = { 99 };
	uint8_t buf[512];
	(void)state;

	for (int i = 0; i < 2000; i++) {
		size_t cut = test_rand_below(&r, sizeof(buf) / 2) * 2;

		test_rand_bytes(&r, buf, sizeof(buf));
		uint32_t s = csum_partial(buf + cut, sizeof(buf) - cut, csum_partial(buf, cut, 0));
		assert_int_equal(csum_fold(s), csum_fold(csum_partial(buf, sizeof(buf), 0)));
	}
}

/* A large buffer and a large starting sum do not lose carries. */
static void test_partial_large(void **state)
{
	static uint8_t big[65536];
	(void)state;

	memset(big, 0xff, sizeof(big));
	assert_int_equal(h16(csum_fold(csum_partial(big, sizeof(big), 0))),
			 (uint16_t)~ref_sum(big, sizeof(big), 0));
	assert_int_equal(csum_fold(csum_partial(big, sizeof(big), 0xffffffffu)), 0);
}

static void test_pseudo_header(void **state)
{
	struct test_rng r = { 7 };
	struct gtp_addr s4 = addr4(198, 18, 0, 1), d4 = addr4(198, 18, 0, 2);
	struct gtp_addr s6 = addr_text("2001:db8::1"), d6 = addr_text("2001:db8:ffff::abcd");
	(void)state;

	for (int i = 0; i < 1000; i++) {
		uint32_t len = test_rand_below(&r, 65536);
		uint8_t proto = (uint8_t)test_rand(&r);

		assert_int_equal(h16(csum_fold(csum_pseudo(&s4, &d4, proto, len))),
				 (uint16_t)~ref_pseudo(&s4, &d4, proto, len));
		assert_int_equal(h16(csum_fold(csum_pseudo(&s6, &d6, proto, len))),
				 (uint16_t)~ref_pseudo(&s6, &d6, proto, len));
	}
	/* IPv6 carries a 32-bit length: a jumbo length is summed whole. */
	assert_int_equal(h16(csum_fold(csum_pseudo(&s6, &d6, 17, 0x12345u))),
			 (uint16_t)~ref_pseudo(&s6, &d6, 17, 0x12345u));
}

/* csum_l4 for each transport against the reference; the checksum field's
 * current content is ignored, and ICMPv4 has no pseudo-header. */
static void test_l4_udp_tcp_icmp(void **state)
{
	struct test_rng r = { 2024 };
	uint8_t l4[300];
	struct gtp_addr s4 = addr4(198, 19, 0, 5), d4 = addr4(203, 0, 113, 100);
	struct gtp_addr s6 = addr_text("2001:db8::5"), d6 = addr_text("2001:db8::100");
	static const struct {
		uint8_t proto;
		size_t off;
	} kinds[] = { { 17, 6 }, { 6, 16 }, { 1, 2 }, { 58, 2 } };
	(void)state;

	for (int i = 0; i < 4000; i++) {
		size_t k = test_rand_below(&r, 4);
		size_t len = 20 + test_rand_below(&r, sizeof(l4) - 20);
		bool v6 = test_rand(&r) & 1;
		const struct gtp_addr *s = v6 ? &s6 : &s4, *d = v6 ? &d6 : &d4;

		test_rand_bytes(&r, l4, len);
		uint16_t want = ref_l4_csum(s, d, kinds[k].proto, l4, len, kinds[k].off);
		uint16_t got = h16(csum_l4(s, d, kinds[k].proto, l4, len));
		/* the caller maps a UDP 0 to ffff */
		if (kinds[k].proto == 17 && got == 0)
			got = 0xffff;
		assert_int_equal(got, want);

		/* Insert it: the datagram now verifies (sum folds to ffff). */
		put16(l4 + kinds[k].off, want);
		uint32_t s_all = kinds[k].proto == 1 ? 0 :
			ref_pseudo(s, d, kinds[k].proto, (uint32_t)len);
		assert_int_equal(ref_sum(l4, len, s_all), 0xffff);
	}
}

/* Short transport buffers: the checksum field outside still works. */
static void test_l4_short(void **state)
{
	uint8_t b[3] = { 0x12, 0x34, 0x56 };
	struct gtp_addr s = addr4(1, 2, 3, 4), d = addr4(5, 6, 7, 8);
	(void)state;

	assert_int_equal(h16(csum_l4(&s, &d, 6, b, 3)), ref_l4_csum(&s, &d, 6, b, 3, 16));
	assert_int_equal(h16(csum_l4(&s, &d, 1, b, 3)), ref_l4_csum(&s, &d, 1, b, 3, 2));
}

/* RFC 1624: after any 16-bit change the incremental result equals the full
 * recomputation (both are in [0, fffe] unless the data is all zero). */
static void test_update16_property(void **state)
{
	struct test_rng r = { 0xfeedbeef };
	uint8_t buf[64];
	(void)state;

	for (int i = 0; i < PROPERTY_ROUNDS; i++) {
		size_t w = test_rand_below(&r, sizeof(buf) / 2) * 2;
		uint16_t old_v, new_v, c;

		test_rand_bytes(&r, buf, sizeof(buf));
		if (i % 5 == 0)
			memset(buf, 0, sizeof(buf) / 2); /* plenty of zero words */
		c = csum_fold(csum_partial(buf, sizeof(buf), 0));
		memcpy(&old_v, buf + w, 2);
		test_rand_bytes(&r, buf + w, 2);
		if (i % 3 == 0)
			memset(buf + w, i % 2 ? 0xff : 0, 2);
		memcpy(&new_v, buf + w, 2);
		assert_int_equal(csum_update16(c, old_v, new_v),
				 csum_fold(csum_partial(buf, sizeof(buf), 0)));
		assert_int_equal(h16(csum_update16(c, old_v, new_v)),
				 (uint16_t)~ref_sum(buf, sizeof(buf), 0));
	}
}

static void test_update_buf_property(void **state)
{
	struct test_rng r = { 31337 };
	uint8_t buf[96], old_b[16];
	(void)state;

	for (int i = 0; i < PROPERTY_ROUNDS; i++) {
		size_t n = test_rand_below(&r, 2) ? 16 : 4;
		size_t at = test_rand_below(&r, (sizeof(buf) - n) / 2) * 2;
		uint16_t c;

		test_rand_bytes(&r, buf, sizeof(buf));
		c = csum_fold(csum_partial(buf, sizeof(buf), 0));
		memcpy(old_b, buf + at, n);
		test_rand_bytes(&r, buf + at, n);
		assert_int_equal(csum_update_buf(c, old_b, buf + at, n),
				 csum_fold(csum_partial(buf, sizeof(buf), 0)));
	}
}

/* The same new value: nothing changes. */
static void test_update_identity(void **state)
{
	uint8_t a[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	(void)state;

	assert_int_equal(csum_update_buf(0x1234, a, a, 16), 0x1234);
	assert_int_equal(csum_update16(0xabcd, 0x5555, 0x5555), 0xabcd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc1071_example),
		cmocka_unit_test(test_ipv4_header_vector),
		cmocka_unit_test(test_fold_edges),
		cmocka_unit_test(test_partial_matches_reference),
		cmocka_unit_test(test_partial_chaining),
		cmocka_unit_test(test_partial_large),
		cmocka_unit_test(test_pseudo_header),
		cmocka_unit_test(test_l4_udp_tcp_icmp),
		cmocka_unit_test(test_l4_short),
		cmocka_unit_test(test_update16_property),
		cmocka_unit_test(test_update_buf_property),
		cmocka_unit_test(test_update_identity),
	};

	return cmocka_run_group_tests_name("csum", tests, NULL, NULL);
}
