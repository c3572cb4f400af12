/* gtp/pkt_nat: address NAT with incremental checksums, checked against a
 * full recomputation (tests/unit/gtp_testutil.h, independent of csum.c) over
 * many random packets, and the special cases: UDP zero checksum, ICMPv6,
 * ICMPv4, fragments, checksum outside the packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "csum.h"
#include "gtp_testutil.h"
#include "pkt.h"

#define NAT_ROUNDS 20000

struct gen_pkt {
	size_t len;       /* bytes in the buffer (incl. link padding) */
	uint8_t family;
	uint8_t proto;
	size_t l4_off, l4_len;
	struct gtp_addr src, dst;
};

static void rand_addr(struct test_rng *r, uint8_t family, struct gtp_addr *a)
{
	uint8_t b[16];

	test_rand_bytes(r, b, 16);
	if (family == GTP_AF_INET)
		gtp_addr_set4(a, b);
	else
		gtp_addr_set6(a, b);
}

/* A random unfragmented packet with correct checksums, sometimes with IPv4
 * options / IPv6 extension headers, a UDP zero checksum, link padding. */
static void gen_packet(struct test_rng *r, uint8_t *buf, struct gen_pkt *g)
{
	static const uint8_t protos4[] = { PKT_PROTO_TCP, PKT_PROTO_UDP, PKT_PROTO_ICMP, 47 };
	static const uint8_t protos6[] = { PKT_PROTO_TCP, PKT_PROTO_UDP, PKT_PROTO_ICMPV6, 47 };
	uint8_t ext[64];
	size_t hl, ext_len = 0;
	uint8_t first_nh;

	memset(g, 0, sizeof(*g));
	g->family = test_rand(r) & 1 ? GTP_AF_INET6 : GTP_AF_INET;
	g->proto = (g->family == GTP_AF_INET ? protos4 : protos6)[test_rand_below(r, 4)];
	rand_addr(r, g->family, &g->src);
	rand_addr(r, g->family, &g->dst);
	g->l4_len = min_l4(g->proto) + test_rand_below(r, 200);
	if (test_rand_below(r, 4) == 0)
		g->l4_len |= 1; /* odd lengths exercise the padding byte */
	bool udp_zero = g->proto == PKT_PROTO_UDP && g->family == GTP_AF_INET &&
			test_rand_below(r, 8) == 0;

	if (g->family == GTP_AF_INET) {
		size_t opt = test_rand_below(r, 3) == 0 ? 4 * test_rand_below(r, 11) : 0;

		hl = put_ipv4(buf, &g->src, &g->dst, g->proto, opt, g->l4_len, 0);
	} else {
		/* 0 to 2 extension headers of random size */
		size_t count = test_rand_below(r, 3);
		uint8_t types[] = { 0, 60, 43 };

		first_nh = count ? types[test_rand_below(r, 3)] : g->proto;
		for (size_t i = 0; i < count; i++) {
			size_t units = test_rand_below(r, 3);

			test_rand_bytes(r, ext + ext_len, (units + 1) * 8);
			ext[ext_len] = i + 1 < count ? 60 : g->proto;
			ext[ext_len + 1] = (uint8_t)units;
			ext_len += (units + 1) * 8;
		}
		/* a routing header done with (segments left 0): the
		 * destination field is the final one (see the test below) */
		if (first_nh == 43)
			ext[3] = 0;
		hl = put_ipv6(buf, &g->src, &g->dst, first_nh, ext, ext_len, g->l4_len);
	}
	g->l4_off = hl;
	put_l4(r, buf + hl, g->l4_len, g->family, g->proto, &g->src, &g->dst, udp_zero);
	g->len = hl + g->l4_len;
	if (test_rand_below(r, 5) == 0) { /* Ethernet minimum-size padding */
		size_t pad = test_rand_below(r, 20);

		test_rand_bytes(r, buf + g->len, pad);
		g->len += pad;
	}
}

/* Check every checksum of the packet against a full recomputation. */
static void verify_packet(const uint8_t *buf, const struct gen_pkt *g, const uint8_t *before,
			  bool udp_zero)
{
	const uint8_t *l4 = buf + g->l4_off;
	int off = csum_off_of(g->family, g->proto);

	if (g->family == GTP_AF_INET)
		assert_int_equal(get16(buf + 10), ref_ipv4_csum(buf, g->l4_off));
	if (off < 0) {
		/* ICMPv4 and others: transport bytes untouched, and still right */
		assert_memory_equal(l4, before + g->l4_off, g->l4_len);
		if (g->proto == PKT_PROTO_ICMP)
			assert_int_equal(get16(l4 + 2),
					 ref_l4_csum(&g->src, &g->dst, 1, l4, g->l4_len, 2));
		return;
	}
	if (udp_zero) {
		assert_int_equal(get16(l4 + 6), 0);
		return;
	}
	assert_int_equal(get16(l4 + off),
			 ref_l4_csum(&g->src, &g->dst, g->proto, l4, g->l4_len, (size_t)off));
}

static void test_nat_property(void **state)
{
	struct test_rng r = { 0x5eed };
	uint8_t buf[400], before[400];
	unsigned int by_proto[256] = { 0 };
	(void)state;

	for (int i = 0; i < NAT_ROUNDS; i++) {
		struct gen_pkt g;
		struct pkt_ip ip, again;
		struct gtp_addr na;
		int which = test_rand(&r) & 1 ? PKT_NAT_DST : PKT_NAT_SRC;

		gen_packet(&r, buf, &g);
		bool udp_zero = g.proto == PKT_PROTO_UDP && get16(buf + g.l4_off + 6) == 0;

		memcpy(before, buf, g.len);
		uint8_t *b = dup_exact(buf, g.len);
		assert_int_equal(pkt_parse_ip(b, g.len, &ip), PKT_OK);
		assert_int_equal(ip.l4_off, g.l4_off);
		rand_addr(&r, g.family, &na);
		if (test_rand_below(&r, 10) == 0) { /* only one word changes */
			na = which == PKT_NAT_SRC ? g.src : g.dst;
			na.b[1] ^= 0x40;
		}
		assert_int_equal(pkt_nat_rewrite(b, &ip, which, &na), 0);
		if (which == PKT_NAT_SRC)
			g.src = na;
		else
			g.dst = na;
		assert_true(gtp_addr_eq(which == PKT_NAT_SRC ? &ip.src : &ip.dst, &na));
		verify_packet(b, &g, before, udp_zero);
		/* padding untouched; parses to the new addresses */
		assert_memory_equal(b + g.l4_off + g.l4_len, before + g.l4_off + g.l4_len,
				    g.len - g.l4_off - g.l4_len);
		assert_int_equal(pkt_parse_ip(b, g.len, &again), PKT_OK);
		assert_true(gtp_addr_eq(&again.src, &g.src));
		assert_true(gtp_addr_eq(&again.dst, &g.dst));
		by_proto[g.proto]++;
		free(b);
	}
	/* each kind was really exercised */
	assert_true(by_proto[PKT_PROTO_TCP] > 1000);
	assert_true(by_proto[PKT_PROTO_UDP] > 1000);
	assert_true(by_proto[PKT_PROTO_ICMP] > 1000);
	assert_true(by_proto[PKT_PROTO_ICMPV6] > 1000);
}

static void test_nat_udp_zero_csum(void **state)
{
	struct test_rng r = { 11 };
	uint8_t p[100];
	struct gtp_addr s = addr4(198, 19, 0, 1), d = addr4(203, 0, 113, 100);
	struct gtp_addr app = addr4(198, 51, 100, 10);
	struct pkt_ip ip;
	(void)state;

	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 30, 0);
	put_l4(&r, p + 20, 30, GTP_AF_INET, PKT_PROTO_UDP, &s, &d, true);
	assert_int_equal(pkt_parse_ip(p, 50, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_DST, &app), 0);
	assert_int_equal(get16(p + 26), 0);
	assert_int_equal(get16(p + 10), ref_ipv4_csum(p, 20));
	assert_memory_equal(p + 16, app.b, 4);
}

/* Choose the new address so that the updated checksum computes to zero:
 * UDP must then carry ffff, and the datagram must still verify. */
static void test_nat_udp_computed_zero(void **state)
{
	struct test_rng r = { 12 };
	uint8_t p[100];
	(void)state;

	for (int fam = 0; fam < 2; fam++) {
		struct gtp_addr s = fam ? addr_text("2001:db8::1") : addr4(198, 19, 0, 1);
		struct gtp_addr d = fam ? addr_text("2001:db8::2") : addr4(203, 0, 113, 100);
		size_t hl = fam ? put_ipv6(p, &s, &d, PKT_PROTO_UDP, NULL, 0, 30) :
				  put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 30, 0);
		struct pkt_ip ip;

		put_l4(&r, p + hl, 30, s.family, PKT_PROTO_UDP, &s, &d, false);
		/* S = sum with the field zero; new word w' = ~S + w makes
		 * S' = ffff, whose complement is 0. */
		uint8_t z[30];
		memcpy(z, p + hl, 30);
		z[6] = z[7] = 0;
		uint32_t sum = ref_sum(z, 30, ref_pseudo(&s, &d, PKT_PROTO_UDP, 30));
		uint32_t w = get16(d.b + 2) + (uint16_t)~sum;
		w = (w & 0xffff) + (w >> 16);
		struct gtp_addr nd = d;
		put16(nd.b + 2, (uint16_t)w);

		assert_int_equal(pkt_parse_ip(p, hl + 30, &ip), PKT_OK);
		assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_DST, &nd), 0);
		assert_int_equal(get16(p + hl + 6), 0xffff);
		assert_int_equal(ref_l4_csum(&s, &nd, PKT_PROTO_UDP, p + hl, 30, 6), 0xffff);
		/* and it verifies: everything sums to ffff */
		assert_int_equal(ref_sum(p + hl, 30, ref_pseudo(&s, &nd, PKT_PROTO_UDP, 30)),
				 0xffff);
	}
}

static void test_nat_icmpv6(void **state)
{
	struct test_rng r = { 13 };
	uint8_t p[120];
	struct gtp_addr s = addr_text("2001:db8:1::10"), d = addr_text("2001:db8:2::20");
	struct gtp_addr ns = addr_text("2001:db8:3::30"), nd = addr_text("2001:db8:4::40");
	struct pkt_ip ip;
	(void)state;

	put_ipv6(p, &s, &d, PKT_PROTO_ICMPV6, NULL, 0, 64);
	put_l4(&r, p + 40, 64, GTP_AF_INET6, PKT_PROTO_ICMPV6, &s, &d, false);
	p[40] = 128; /* echo request */
	p[41] = 0;
	put16(p + 42, ref_l4_csum(&s, &d, PKT_PROTO_ICMPV6, p + 40, 64, 2));
	assert_int_equal(pkt_parse_ip(p, 104, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_DST, &nd), 0);
	assert_int_equal(get16(p + 42), ref_l4_csum(&s, &nd, PKT_PROTO_ICMPV6, p + 40, 64, 2));
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_SRC, &ns), 0);
	assert_int_equal(get16(p + 42), ref_l4_csum(&ns, &nd, PKT_PROTO_ICMPV6, p + 40, 64, 2));
	assert_true(gtp_addr_eq(&ip.src, &ns));
	assert_true(gtp_addr_eq(&ip.dst, &nd));
	assert_memory_equal(p + 8, ns.b, 16);
	assert_memory_equal(p + 24, nd.b, 16);
}

static void test_nat_icmpv4_untouched(void **state)
{
	struct test_rng r = { 14 };
	uint8_t p[100], before[100];
	struct gtp_addr s = addr4(198, 19, 0, 1), d = addr4(203, 0, 113, 100);
	struct gtp_addr app = addr4(198, 51, 100, 10);
	struct pkt_ip ip;
	(void)state;

	put_ipv4(p, &s, &d, PKT_PROTO_ICMP, 0, 40, 0);
	put_l4(&r, p + 20, 40, GTP_AF_INET, PKT_PROTO_ICMP, &s, &d, false);
	memcpy(before, p, sizeof(p));
	assert_int_equal(pkt_parse_ip(p, 60, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_DST, &app), 0);
	assert_memory_equal(p + 20, before + 20, 40);
	assert_int_equal(get16(p + 10), ref_ipv4_csum(p, 20));
}

static void test_nat_fragments(void **state)
{
	struct test_rng r = { 15 };
	uint8_t p[120], before[120];
	struct gtp_addr s = addr4(198, 19, 0, 1), d = addr4(203, 0, 113, 100);
	struct gtp_addr app = addr4(198, 51, 100, 10);
	struct pkt_ip ip;
	(void)state;

	/* IPv4 later fragment whose payload happens to look like UDP: the
	 * payload is not touched, only the IP header. */
	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 40, 0x0010);
	test_rand_bytes(&r, p + 20, 40);
	memcpy(before, p, sizeof(p));
	assert_int_equal(pkt_parse_ip(p, 60, &ip), PKT_OK);
	assert_false(ip.first_fragment);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_DST, &app), 0);
	assert_memory_equal(p + 20, before + 20, 40);
	assert_int_equal(get16(p + 10), ref_ipv4_csum(p, 20));
	assert_memory_equal(p + 16, app.b, 4);

	/* IPv4 first fragment of a TCP segment: the checksum covers the
	 * whole segment, the update is still exact for the address change. */
	put_ipv4(p, &s, &d, PKT_PROTO_TCP, 0, 40, 0x2000);
	put_l4(&r, p + 20, 40, GTP_AF_INET, PKT_PROTO_TCP, &s, &d, false);
	uint16_t want = ref_l4_csum(&s, &app, PKT_PROTO_TCP, p + 20, 40, 16);
	assert_int_equal(pkt_parse_ip(p, 60, &ip), PKT_OK);
	assert_true(ip.is_fragment && ip.first_fragment);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_DST, &app), 0);
	assert_int_equal(get16(p + 36), want);

	/* A first fragment too short to hold the TCP checksum (8 octets of
	 * TCP): header rewritten, nothing read or written past the packet. */
	put_ipv4(p, &s, &d, PKT_PROTO_TCP, 0, 8, 0x2000);
	test_rand_bytes(&r, p + 20, 8);
	memcpy(before, p, 28);
	uint8_t *b = dup_exact(p, 28);
	assert_int_equal(pkt_parse_ip(b, 28, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(b, &ip, PKT_NAT_DST, &app), 0);
	assert_memory_equal(b + 20, before + 20, 8);
	assert_int_equal(get16(b + 10), ref_ipv4_csum(b, 20));
	free(b);
	/* The same with UDP: 6 octets, its checksum at 6..7 is outside. */
	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 6, 0x2000);
	b = dup_exact(p, 26);
	assert_int_equal(pkt_parse_ip(b, 26, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(b, &ip, PKT_NAT_SRC, &app), 0);
	free(b);

	/* IPv6: later fragment left alone, first fragment patched */
	struct gtp_addr s6 = addr_text("2001:db8::1"), d6 = addr_text("2001:db8::2");
	struct gtp_addr n6 = addr_text("2001:db8::99");
	uint8_t fh[8] = { PKT_PROTO_UDP, 0, 0, 0, 1, 2, 3, 4 };
	put16(fh + 2, 100 << 3);
	put_ipv6(p, &s6, &d6, 44, fh, 8, 30);
	test_rand_bytes(&r, p + 48, 30);
	memcpy(before, p, sizeof(p));
	assert_int_equal(pkt_parse_ip(p, 78, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_SRC, &n6), 0);
	assert_memory_equal(p + 40, before + 40, 38);
	assert_memory_equal(p + 8, n6.b, 16);

	put16(fh + 2, 1); /* offset 0, M */
	put_ipv6(p, &s6, &d6, 44, fh, 8, 30);
	put_l4(&r, p + 48, 30, GTP_AF_INET6, PKT_PROTO_UDP, &s6, &d6, false);
	assert_int_equal(pkt_parse_ip(p, 78, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_SRC, &n6), 0);
	assert_int_equal(get16(p + 54), ref_l4_csum(&n6, &d6, PKT_PROTO_UDP, p + 48, 30, 6));
}

static void test_nat_family_mismatch(void **state)
{
	uint8_t p[60], before[60];
	struct gtp_addr s = addr4(198, 19, 0, 1), d = addr4(203, 0, 113, 100);
	struct gtp_addr v6 = addr_text("2001:db8::1"), none;
	struct pkt_ip ip;
	(void)state;

	memset(&none, 0, sizeof(none));
	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 8, 0);
	memcpy(before, p, sizeof(p));
	assert_int_equal(pkt_parse_ip(p, 28, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_DST, &v6), -1);
	assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_SRC, &none), -1);
	assert_memory_equal(p, before, sizeof(p));
	assert_true(gtp_addr_eq(&ip.dst, &d));
}

/* IPv6 routing header with segments left: the transport checksum covers the
 * final destination from the routing header, so a rewrite of the
 * destination field leaves it alone; the source is always covered. */
static void test_nat_ipv6_routing_header(void **state)
{
	struct test_rng r = { 16 };
	uint8_t p[140], rh[24];
	struct gtp_addr s = addr_text("2001:db8::1"), d = addr_text("2001:db8::2");
	struct gtp_addr home = addr_text("2001:db8:aaaa::1");
	struct gtp_addr nd = addr_text("2001:db8::99"), ns = addr_text("2001:db8::77");
	struct pkt_ip ip;
	(void)state;

	for (int segleft = 0; segleft < 2; segleft++) {
		/* type 2 routing header: next, len 2, type 2, segments left */
		memset(rh, 0, sizeof(rh));
		rh[0] = PKT_PROTO_UDP;
		rh[1] = 2;
		rh[2] = 2;
		rh[3] = (uint8_t)segleft;
		memcpy(rh + 8, home.b, 16);
		const struct gtp_addr *final = segleft ? &home : &d;
		put_ipv6(p, &s, &d, 43, rh, sizeof(rh), 40);
		put_l4(&r, p + 64, 40, GTP_AF_INET6, PKT_PROTO_UDP, &s, final, false);
		assert_int_equal(pkt_parse_ip(p, 104, &ip), PKT_OK);
		assert_int_equal(ip.l4_off, 64);

		assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_DST, &nd), 0);
		final = segleft ? &home : &nd;
		assert_int_equal(get16(p + 70), ref_l4_csum(&s, final, PKT_PROTO_UDP, p + 64, 40, 6));
		assert_int_equal(pkt_nat_rewrite(p, &ip, PKT_NAT_SRC, &ns), 0);
		assert_int_equal(get16(p + 70), ref_l4_csum(&ns, final, PKT_PROTO_UDP, p + 64, 40, 6));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nat_property),
		cmocka_unit_test(test_nat_udp_zero_csum),
		cmocka_unit_test(test_nat_udp_computed_zero),
		cmocka_unit_test(test_nat_icmpv6),
		cmocka_unit_test(test_nat_icmpv4_untouched),
		cmocka_unit_test(test_nat_fragments),
		cmocka_unit_test(test_nat_family_mismatch),
		cmocka_unit_test(test_nat_ipv6_routing_header),
	};

	return cmocka_run_group_tests_name("pkt_nat", tests, NULL, NULL);
}
