/* gtp/pkt: link/IP/UDP parsing on good and bad input (every pkt_err),
 * and the header builders. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "csum.h"
#include "gtp_testutil.h"
#include "pkt.h"

/* ---- link layer ---- */

static void test_l2_ethernet(void **state)
{
	uint8_t f[64] = { 0 };
	struct pkt_l2 l2;
	(void)state;

	put16(f + 12, PKT_ETHERTYPE_IPV4);
	assert_int_equal(pkt_parse_l2(f, 14, PKT_L2_ETH, &l2), PKT_OK);
	assert_int_equal(l2.l3_off, 14);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV4);
	assert_int_equal(l2.proto_off, 12);
	assert_int_equal(l2.vlan_count, 0);
	assert_int_equal(pkt_parse_l2(f, 13, PKT_L2_ETH, &l2), PKT_ERR_TRUNC);
	assert_int_equal(pkt_parse_l2(f, 0, PKT_L2_ETH, &l2), PKT_ERR_TRUNC);

	/* one 802.1Q tag */
	put16(f + 12, PKT_ETHERTYPE_VLAN);
	put16(f + 16, PKT_ETHERTYPE_IPV6);
	assert_int_equal(pkt_parse_l2(f, 18, PKT_L2_ETH, &l2), PKT_OK);
	assert_int_equal(l2.l3_off, 18);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV6);
	assert_int_equal(l2.proto_off, 16);
	assert_int_equal(l2.vlan_count, 1);
	assert_int_equal(pkt_parse_l2(f, 17, PKT_L2_ETH, &l2), PKT_ERR_TRUNC);

	/* 802.1ad outer + 802.1Q inner */
	put16(f + 12, PKT_ETHERTYPE_QINQ);
	put16(f + 16, PKT_ETHERTYPE_VLAN);
	put16(f + 20, PKT_ETHERTYPE_IPV4);
	assert_int_equal(pkt_parse_l2(f, 22, PKT_L2_ETH, &l2), PKT_OK);
	assert_int_equal(l2.l3_off, 22);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV4);
	assert_int_equal(l2.proto_off, 20);
	assert_int_equal(l2.vlan_count, 2);
	assert_int_equal(pkt_parse_l2(f, 21, PKT_L2_ETH, &l2), PKT_ERR_TRUNC);

	/* a third tag is not crossed: the payload is reported as a tag */
	put16(f + 20, PKT_ETHERTYPE_VLAN);
	put16(f + 24, PKT_ETHERTYPE_IPV4);
	assert_int_equal(pkt_parse_l2(f, 64, PKT_L2_ETH, &l2), PKT_OK);
	assert_int_equal(l2.vlan_count, 2);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_VLAN);
	assert_int_equal(l2.l3_off, 22);

	/* ARP is reported as such */
	put16(f + 12, PKT_ETHERTYPE_ARP);
	assert_int_equal(pkt_parse_l2(f, 60, PKT_L2_ETH, &l2), PKT_OK);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_ARP);
}

static void test_l2_cooked(void **state)
{
	uint8_t f[40] = { 0 };
	struct pkt_l2 l2;
	(void)state;

	/* SLL: protocol at offset 14 */
	put16(f + 2, 1);
	put16(f + 14, PKT_ETHERTYPE_IPV4);
	assert_int_equal(pkt_parse_l2(f, 16, PKT_L2_SLL, &l2), PKT_OK);
	assert_int_equal(l2.l3_off, 16);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV4);
	assert_int_equal(l2.proto_off, 14);
	assert_int_equal(pkt_parse_l2(f, 15, PKT_L2_SLL, &l2), PKT_ERR_TRUNC);
	/* SLL with a tag left in the payload */
	put16(f + 14, PKT_ETHERTYPE_VLAN);
	put16(f + 18, PKT_ETHERTYPE_IPV6);
	assert_int_equal(pkt_parse_l2(f, 20, PKT_L2_SLL, &l2), PKT_OK);
	assert_int_equal(l2.l3_off, 20);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV6);
	assert_int_equal(l2.vlan_count, 1);
	assert_int_equal(pkt_parse_l2(f, 19, PKT_L2_SLL, &l2), PKT_ERR_TRUNC);

	/* SLL2: protocol at offset 0, 20 octets */
	memset(f, 0, sizeof(f));
	put16(f, PKT_ETHERTYPE_IPV6);
	assert_int_equal(pkt_parse_l2(f, 20, PKT_L2_SLL2, &l2), PKT_OK);
	assert_int_equal(l2.l3_off, 20);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV6);
	assert_int_equal(l2.proto_off, 0);
	assert_int_equal(pkt_parse_l2(f, 19, PKT_L2_SLL2, &l2), PKT_ERR_TRUNC);
	put16(f, PKT_ETHERTYPE_VLAN);
	put16(f + 22, PKT_ETHERTYPE_IPV4);
	assert_int_equal(pkt_parse_l2(f, 24, PKT_L2_SLL2, &l2), PKT_OK);
	assert_int_equal(l2.l3_off, 24);
	assert_int_equal(l2.proto_off, 22);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV4);
	assert_int_equal(pkt_parse_l2(f, 23, PKT_L2_SLL2, &l2), PKT_ERR_TRUNC);
}

static void test_l2_raw(void **state)
{
	uint8_t f[1] = { 0x45 };
	struct pkt_l2 l2;
	(void)state;

	assert_int_equal(pkt_parse_l2(f, 1, PKT_L2_RAW, &l2), PKT_OK);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV4);
	assert_int_equal(l2.l3_off, 0);
	assert_int_equal(l2.proto_off, 0xffff);
	f[0] = 0x60;
	assert_int_equal(pkt_parse_l2(f, 1, PKT_L2_RAW, &l2), PKT_OK);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV6);
	f[0] = 0x50;
	assert_int_equal(pkt_parse_l2(f, 1, PKT_L2_RAW, &l2), PKT_OK);
	assert_int_equal(l2.ethertype, 0);
	assert_int_equal(pkt_parse_l2(f, 0, PKT_L2_RAW, &l2), PKT_ERR_TRUNC);
}

/* ---- IPv4 ---- */

static void test_ipv4_basic(void **state)
{
	uint8_t p[100];
	struct gtp_addr s = addr4(198, 19, 0, 1), d = addr4(203, 0, 113, 100);
	struct pkt_ip ip;
	(void)state;

	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 30, 0x4000 /* DF */);
	assert_int_equal(pkt_parse_ip(p, 50, &ip), PKT_OK);
	assert_int_equal(ip.family, GTP_AF_INET);
	assert_int_equal(ip.proto, PKT_PROTO_UDP);
	assert_int_equal(ip.ttl, 64);
	assert_false(ip.has_options);
	assert_false(ip.is_fragment);
	assert_true(ip.first_fragment);
	assert_int_equal(ip.hdr_len, 20);
	assert_int_equal(ip.tot_len, 50);
	assert_int_equal(ip.l4_off, 20);
	assert_int_equal(ip.l4_len, 30);
	assert_true(gtp_addr_eq(&ip.src, &s));
	assert_true(gtp_addr_eq(&ip.dst, &d));

	/* link padding past tot_len is allowed and not counted */
	assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_OK);
	assert_int_equal(ip.tot_len, 50);
	assert_int_equal(ip.l4_len, 30);

	/* options */
	put_ipv4(p, &s, &d, PKT_PROTO_TCP, 8, 20, 0);
	assert_int_equal(pkt_parse_ip(p, 48, &ip), PKT_OK);
	assert_true(ip.has_options);
	assert_int_equal(ip.hdr_len, 28);
	assert_int_equal(ip.l4_off, 28);
	assert_int_equal(ip.l4_len, 20);
	/* the full 60-octet header */
	put_ipv4(p, &s, &d, PKT_PROTO_TCP, 40, 0, 0);
	assert_int_equal(pkt_parse_ip(p, 60, &ip), PKT_OK);
	assert_int_equal(ip.hdr_len, 60);
	assert_int_equal(ip.l4_len, 0);
}

static void test_ipv4_errors(void **state)
{
	uint8_t p[100];
	struct gtp_addr s = addr4(198, 19, 0, 1), d = addr4(203, 0, 113, 100);
	struct pkt_ip ip;
	(void)state;

	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 30, 0);
	assert_int_equal(pkt_parse_ip(p, 0, &ip), PKT_ERR_TRUNC);
	assert_int_equal(pkt_parse_ip(p, 19, &ip), PKT_ERR_TRUNC);
	/* tot_len 50 > 49 available */
	assert_int_equal(pkt_parse_ip(p, 49, &ip), PKT_ERR_TOTLEN);
	/* tot_len smaller than the header */
	put16(p + 2, 19);
	assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_TOTLEN);
	put16(p + 2, 0);
	assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_TOTLEN);
	put16(p + 2, 50);
	/* IHL < 5 */
	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		p[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_HDRLEN);
	}
	/* IHL beyond the packet */
	p[0] = 0x4f; /* 60 octets */
	assert_int_equal(pkt_parse_ip(p, 40, &ip), PKT_ERR_HDRLEN);
	/* header longer than tot_len */
	assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_TOTLEN);
	/* versions other than 4 and 6 */
	for (int v = 0; v < 16; v++) {
		if (v == 4 || v == 6)
			continue;
		p[0] = (uint8_t)(v << 4 | 5);
		assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_VERSION);
	}
}

static void test_ipv4_fragments(void **state)
{
	uint8_t p[60];
	struct gtp_addr s = addr4(198, 19, 0, 1), d = addr4(203, 0, 113, 100);
	struct pkt_ip ip;
	struct pkt_udp udp;
	(void)state;

	/* first fragment: MF, offset 0; UDP length covers the whole datagram */
	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 16, 0x2000);
	put16(p + 20 + 4, 1000);
	assert_int_equal(pkt_parse_ip(p, 36, &ip), PKT_OK);
	assert_true(ip.is_fragment);
	assert_true(ip.first_fragment);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_ERR_UDPLEN);

	/* a later fragment, last one (no MF) */
	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 16, 0x00b9);
	assert_int_equal(pkt_parse_ip(p, 36, &ip), PKT_OK);
	assert_true(ip.is_fragment);
	assert_false(ip.first_fragment);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_ERR_TRUNC);

	/* a middle fragment */
	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 16, 0x2001);
	assert_int_equal(pkt_parse_ip(p, 36, &ip), PKT_OK);
	assert_true(ip.is_fragment);
	assert_false(ip.first_fragment);
}

/* ---- IPv6 ---- */

static void test_ipv6_basic(void **state)
{
	uint8_t p[200];
	struct gtp_addr s = addr_text("2001:db8::1"), d = addr_text("2001:db8::2");
	struct pkt_ip ip;
	(void)state;

	put_ipv6(p, &s, &d, PKT_PROTO_ICMPV6, NULL, 0, 16);
	assert_int_equal(pkt_parse_ip(p, 56, &ip), PKT_OK);
	assert_int_equal(ip.family, GTP_AF_INET6);
	assert_int_equal(ip.proto, PKT_PROTO_ICMPV6);
	assert_int_equal(ip.ttl, 64);
	assert_int_equal(ip.hdr_len, 40);
	assert_int_equal(ip.tot_len, 56);
	assert_int_equal(ip.l4_off, 40);
	assert_int_equal(ip.l4_len, 16);
	assert_false(ip.has_options);
	assert_false(ip.is_fragment);
	assert_true(ip.first_fragment);
	assert_true(gtp_addr_eq(&ip.src, &s));
	assert_true(gtp_addr_eq(&ip.dst, &d));
	/* padding allowed */
	assert_int_equal(pkt_parse_ip(p, 200, &ip), PKT_OK);
	assert_int_equal(ip.tot_len, 56);

	assert_int_equal(pkt_parse_ip(p, 39, &ip), PKT_ERR_TRUNC);
	assert_int_equal(pkt_parse_ip(p, 55, &ip), PKT_ERR_TOTLEN);

	/* no next header */
	put_ipv6(p, &s, &d, 59, NULL, 0, 0);
	assert_int_equal(pkt_parse_ip(p, 40, &ip), PKT_OK);
	assert_int_equal(ip.proto, 59);
	assert_int_equal(ip.l4_len, 0);
}

static void test_ipv6_ext_chain(void **state)
{
	uint8_t p[300], ext[128];
	struct gtp_addr s = addr_text("2001:db8::1"), d = addr_text("2001:db8::2");
	struct pkt_ip ip;
	size_t n = 0;
	(void)state;

	/* hop-by-hop (8) -> dest opts (16) -> routing (24) -> AH (16)
	 * -> fragment (8, first) -> dest opts (8) -> UDP */
	memset(ext, 0, sizeof(ext));
	ext[n] = 60; ext[n + 1] = 0; n += 8;
	ext[n] = 43; ext[n + 1] = 1; n += 16;
	ext[n] = 51; ext[n + 1] = 2; n += 24;
	ext[n] = 44; ext[n + 1] = 2; n += 16;     /* AH: (2 + 2) * 4 */
	ext[n] = 60; put16(ext + n + 2, 0x0001); n += 8; /* offset 0, M=1 */
	ext[n] = PKT_PROTO_UDP; ext[n + 1] = 0; n += 8;
	assert_int_equal(n, 80);
	put_ipv6(p, &s, &d, 0, ext, n, 12);
	assert_int_equal(pkt_parse_ip(p, 40 + n + 12, &ip), PKT_OK);
	assert_int_equal(ip.proto, PKT_PROTO_UDP);
	assert_int_equal(ip.hdr_len, 40 + n);
	assert_int_equal(ip.l4_off, 40 + n);
	assert_int_equal(ip.l4_len, 12);
	assert_true(ip.has_options);
	assert_true(ip.is_fragment);
	assert_true(ip.first_fragment);

	/* every truncation of the chain inside the payload length is caught */
	for (size_t cut = 0; cut < n; cut++) {
		put_ipv6(p, &s, &d, 0, ext, cut, 0);
		uint8_t *b = dup_exact(p, 40 + cut);
		enum pkt_err e = pkt_parse_ip(b, 40 + cut, &ip);
		free(b);
		if (e != PKT_ERR_EXTHDR)
			fail_msg("cut %zu: %s", cut, pkt_strerror(e));
	}
}

static void test_ipv6_fragment(void **state)
{
	uint8_t p[100], ext[8] = { 0 };
	struct gtp_addr s = addr_text("2001:db8::1"), d = addr_text("2001:db8::2");
	struct pkt_ip ip;
	struct pkt_udp udp;
	(void)state;

	/* a later fragment: stops at the fragment header */
	ext[0] = PKT_PROTO_UDP;
	put16(ext + 2, (uint16_t)(185 << 3));
	put_ipv6(p, &s, &d, 44, ext, 8, 20);
	assert_int_equal(pkt_parse_ip(p, 68, &ip), PKT_OK);
	assert_true(ip.is_fragment);
	assert_false(ip.first_fragment);
	assert_true(ip.has_options);
	assert_int_equal(ip.proto, PKT_PROTO_UDP);
	assert_int_equal(ip.hdr_len, 48);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_ERR_TRUNC);

	/* first fragment, M set, offset 0 */
	put16(ext + 2, 1);
	put_ipv6(p, &s, &d, 44, ext, 8, 20);
	put16(p + 48 + 4, 20);
	assert_int_equal(pkt_parse_ip(p, 68, &ip), PKT_OK);
	assert_true(ip.is_fragment);
	assert_true(ip.first_fragment);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_OK);
	assert_int_equal(udp.payload_off, 56);
	assert_int_equal(udp.payload_len, 12);

	/* fragment header cut short */
	put_ipv6(p, &s, &d, 44, ext, 4, 0);
	assert_int_equal(pkt_parse_ip(p, 44, &ip), PKT_ERR_EXTHDR);
}

static void test_ipv6_ext_errors(void **state)
{
	uint8_t p[100], ext[16] = { 0 };
	struct gtp_addr s = addr_text("2001:db8::1"), d = addr_text("2001:db8::2");
	struct pkt_ip ip;
	(void)state;

	/* hop-by-hop claims 16 octets, payload length gives 8 (the buffer
	 * has more: the walk must stop at the payload length, not the buffer) */
	ext[0] = PKT_PROTO_UDP;
	ext[1] = 1;
	put_ipv6(p, &s, &d, 0, ext, 8, 0);
	assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_EXTHDR);
	/* AH claims (3 + 2) * 4 = 20 octets with 16 present */
	ext[1] = 3;
	put_ipv6(p, &s, &d, 51, ext, 16, 0);
	assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_EXTHDR);
	/* an extension header announced, nothing after the fixed header */
	put_ipv6(p, &s, &d, 60, NULL, 0, 0);
	assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_EXTHDR);
	put_ipv6(p, &s, &d, 43, ext, 1, 0);
	assert_int_equal(pkt_parse_ip(p, 100, &ip), PKT_ERR_EXTHDR);
}

/* ---- UDP ---- */

static void test_udp(void **state)
{
	uint8_t p[100];
	struct gtp_addr s = addr4(198, 18, 0, 1), d = addr4(198, 18, 0, 2);
	struct pkt_ip ip;
	struct pkt_udp udp;
	(void)state;

	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 4, 20, 0);
	put16(p + 24, 2152);
	put16(p + 26, 1234);
	put16(p + 28, 20);
	assert_int_equal(pkt_parse_ip(p, 44, &ip), PKT_OK);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_OK);
	assert_int_equal(udp.sport, 2152);
	assert_int_equal(udp.dport, 1234);
	assert_int_equal(udp.len, 20);
	assert_int_equal(udp.payload_off, 32);
	assert_int_equal(udp.payload_len, 12);

	/* UDP length shorter than the IP payload: allowed, it rules */
	put16(p + 28, 10);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_OK);
	assert_int_equal(udp.payload_len, 2);
	put16(p + 28, 8);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_OK);
	assert_int_equal(udp.payload_len, 0);
	/* lengths that lie */
	put16(p + 28, 21);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_ERR_UDPLEN);
	put16(p + 28, 7);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_ERR_UDPLEN);
	put16(p + 28, 0);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_ERR_UDPLEN);
	/* no room for the header */
	put_ipv4(p, &s, &d, PKT_PROTO_UDP, 0, 7, 0);
	assert_int_equal(pkt_parse_ip(p, 27, &ip), PKT_OK);
	assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_ERR_TRUNC);
}

static void test_strerror(void **state)
{
	(void)state;
	for (int i = 0; i < PKT_ERR__COUNT; i++) {
		const char *a = pkt_strerror((enum pkt_err)i);

		assert_non_null(a);
		assert_string_not_equal(a, "unknown error");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(a, pkt_strerror((enum pkt_err)j));
	}
	assert_string_equal(pkt_strerror(PKT_ERR__COUNT), "unknown error");
}

/* Every prefix of valid frames, in a buffer of exactly that size, and
 * random garbage: a named result and no read past the end (ASan). */
static void test_truncation_and_garbage(void **state)
{
	struct test_rng r = { 4242 };
	uint8_t f[200], ext[16] = { 0 };
	struct gtp_addr s4 = addr4(198, 18, 0, 1), d4 = addr4(198, 18, 0, 2);
	struct gtp_addr s6 = addr_text("2001:db8::1"), d6 = addr_text("2001:db8::2");
	size_t len4, len6;
	(void)state;

	/* Ethernet + 2 tags + IPv4 with options + UDP */
	memset(f, 0, sizeof(f));
	put16(f + 12, PKT_ETHERTYPE_QINQ);
	put16(f + 16, PKT_ETHERTYPE_VLAN);
	put16(f + 20, PKT_ETHERTYPE_IPV4);
	put_ipv4(f + 22, &s4, &d4, PKT_PROTO_UDP, 12, 40, 0);
	put16(f + 22 + 32 + 4, 40);
	len4 = 22 + 32 + 40;
	for (size_t n = 0; n <= len4; n++) {
		uint8_t *b = dup_exact(f, n);
		struct pkt_l2 l2;
		struct pkt_ip ip;
		struct pkt_udp udp;
		enum pkt_err e = pkt_parse_l2(b, n, PKT_L2_ETH, &l2);

		if (e == PKT_OK) {
			e = pkt_parse_ip(b + l2.l3_off, n - l2.l3_off, &ip);
			if (e == PKT_OK)
				e = pkt_parse_udp(b + l2.l3_off, &ip, &udp);
		}
		assert_int_equal(e == PKT_OK, n == len4);
		free(b);
	}

	/* SLL + IPv6 with hop-by-hop + UDP */
	memset(f, 0, sizeof(f));
	put16(f + 14, PKT_ETHERTYPE_IPV6);
	ext[0] = PKT_PROTO_UDP;
	put_ipv6(f + 16, &s6, &d6, 0, ext, 8, 20);
	put16(f + 16 + 48 + 4, 20);
	len6 = 16 + 48 + 20;
	for (size_t n = 0; n <= len6; n++) {
		uint8_t *b = dup_exact(f, n);
		struct pkt_l2 l2;
		struct pkt_ip ip;
		struct pkt_udp udp;
		enum pkt_err e = pkt_parse_l2(b, n, PKT_L2_SLL, &l2);

		if (e == PKT_OK) {
			e = pkt_parse_ip(b + l2.l3_off, n - l2.l3_off, &ip);
			if (e == PKT_OK)
				e = pkt_parse_udp(b + l2.l3_off, &ip, &udp);
		}
		assert_int_equal(e == PKT_OK, n == len6);
		free(b);
	}

	/* garbage with a plausible version nibble */
	for (int i = 0; i < 50000; i++) {
		size_t n = test_rand_below(&r, 120);
		struct pkt_ip ip;
		struct pkt_udp udp;

		test_rand_bytes(&r, f, n);
		if (n) {
			f[0] = (uint8_t)((i & 1 ? 0x60 : 0x40) | (f[0] & 0x0f));
			if (i & 1 && n > 6) /* steer into the extension walk */
				f[6] = (uint8_t[]){ 0, 43, 44, 51, 60, 59, 17 }[i % 7];
			if (n > 5 && i % 3 == 0) /* a length that fits */
				put16(f + ((i & 1) ? 4 : 2),
				      (uint16_t)((i & 1) ? (n > 40 ? n - 40 : 0) : n));
		}
		uint8_t *b = dup_exact(f, n);
		enum pkt_err e = pkt_parse_ip(b, n, &ip);

		assert_true(e >= PKT_OK && e < PKT_ERR__COUNT);
		if (e == PKT_OK) {
			assert_true(ip.tot_len <= n);
			assert_true(ip.hdr_len <= ip.tot_len);
			if (ip.proto == PKT_PROTO_UDP) {
				e = pkt_parse_udp(b, &ip, &udp);
				assert_true(e >= PKT_OK && e < PKT_ERR__COUNT);
				if (e == PKT_OK)
					assert_true(udp.payload_off + udp.payload_len <= ip.tot_len);
			}
		}
		free(b);
	}
}

/* ---- builders ---- */

static void test_build_ip_udp(void **state)
{
	uint8_t p[200];
	struct gtp_addr s4 = addr4(198, 18, 0, 2), d4 = addr4(198, 18, 0, 1);
	struct gtp_addr s6 = addr_text("2001:db8::2"), d6 = addr_text("2001:db8::1");
	struct pkt_ip ip;
	struct pkt_udp udp;
	(void)state;

	for (int fam = 0; fam < 2; fam++) {
		for (int want_csum = 0; want_csum < 2; want_csum++) {
			const struct gtp_addr *s = fam ? &s6 : &s4, *d = fam ? &d6 : &d4;
			size_t hl, ul;

			memset(p, 0xee, sizeof(p));
			hl = fam ? 40 : 20;
			for (int i = 0; i < 33; i++) /* odd payload */
				p[hl + 8 + i] = (uint8_t)(i * 7);
			ul = pkt_build_udp(p + hl, s, d, 2152, 40000, 33, want_csum);
			assert_int_equal(ul, 8);
			assert_int_equal(pkt_build_ip(p, s, d, PKT_PROTO_UDP, 0, 0xbeef, 41), hl);
			assert_int_equal(pkt_parse_ip(p, hl + 41, &ip), PKT_OK);
			assert_int_equal(ip.family, s->family);
			assert_int_equal(ip.proto, PKT_PROTO_UDP);
			assert_int_equal(ip.tot_len, hl + 41);
			assert_int_equal(ip.ttl, 64); /* 0 means the default */
			assert_true(gtp_addr_eq(&ip.src, s));
			assert_true(gtp_addr_eq(&ip.dst, d));
			assert_int_equal(pkt_parse_udp(p, &ip, &udp), PKT_OK);
			assert_int_equal(udp.sport, 2152);
			assert_int_equal(udp.dport, 40000);
			assert_int_equal(udp.payload_len, 33);
			if (!fam) {
				assert_int_equal(get16(p + 10), ref_ipv4_csum(p, 20));
				assert_int_equal(get16(p + 4), 0xbeef);
				assert_int_equal(get16(p + 6), 0);
			}
			if (fam || want_csum)
				assert_int_equal(get16(p + hl + 6),
						 ref_l4_csum(s, d, PKT_PROTO_UDP, p + hl, 41, 6));
			else
				assert_int_equal(get16(p + hl + 6), 0);
		}
	}
	/* explicit builders and TTL */
	assert_int_equal(pkt_build_ipv4(p, &s4, &d4, PKT_PROTO_ICMP, 7, 1, 0), 20);
	assert_int_equal(pkt_parse_ip(p, 20, &ip), PKT_OK);
	assert_int_equal(ip.ttl, 7);
	assert_int_equal(ip.proto, PKT_PROTO_ICMP);
	assert_int_equal(pkt_build_ipv6(p, &s6, &d6, PKT_PROTO_ICMPV6, 255, 0), 40);
	assert_int_equal(pkt_parse_ip(p, 40, &ip), PKT_OK);
	assert_int_equal(ip.ttl, 255);
	assert_int_equal(ip.proto, PKT_PROTO_ICMPV6);
}

static void test_build_eth_and_mac(void **state)
{
	uint8_t f[14], a[6], b[6];
	struct pkt_l2 l2;
	(void)state;

	assert_int_equal(pkt_mac_parse("02:00:5e:10:ab:CD", a), 0);
	assert_int_equal(pkt_mac_parse("ff:ff:ff:ff:ff:ff", b), 0);
	assert_int_equal(a[0], 0x02);
	assert_int_equal(a[5], 0xcd);
	assert_int_equal(pkt_build_eth(f, b, a, PKT_ETHERTYPE_IPV6), 14);
	assert_memory_equal(f, b, 6);
	assert_memory_equal(f + 6, a, 6);
	assert_int_equal(pkt_parse_l2(f, 14, PKT_L2_ETH, &l2), PKT_OK);
	assert_int_equal(l2.ethertype, PKT_ETHERTYPE_IPV6);

	static const char *bad[] = { "", "02:00:5e:10:ab", "02:00:5e:10:ab:cd:", "02-00-5e-10-ab-cd",
				     "2:00:5e:10:ab:cd", "02:00:5e:10:ab:cg", "02:00:5e:10:ab:cd0",
				     "02:00:5e:10:abc:d", " 02:00:5e:10:ab:cd" };
	memcpy(b, a, 6);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (pkt_mac_parse(bad[i], a) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_memory_equal(a, b, 6); /* untouched on failure */
	}
	assert_int_equal(pkt_mac_parse(NULL, a), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_l2_ethernet),
		cmocka_unit_test(test_l2_cooked),
		cmocka_unit_test(test_l2_raw),
		cmocka_unit_test(test_ipv4_basic),
		cmocka_unit_test(test_ipv4_errors),
		cmocka_unit_test(test_ipv4_fragments),
		cmocka_unit_test(test_ipv6_basic),
		cmocka_unit_test(test_ipv6_ext_chain),
		cmocka_unit_test(test_ipv6_fragment),
		cmocka_unit_test(test_ipv6_ext_errors),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_strerror),
		cmocka_unit_test(test_truncation_and_garbage),
		cmocka_unit_test(test_build_ip_udp),
		cmocka_unit_test(test_build_eth_and_mac),
	};

	return cmocka_run_group_tests_name("pkt", tests, NULL, NULL);
}
