/* gtp/pkt and gtp/gtp_addr: link/IP/UDP parsing on good and bad input, NAT
 * with incremental checksums (checked against a full recomputation over
 * many random packets), header builders, MAC and address text. */
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

#define NAT_ROUNDS 20000

/* ---- packet construction for the tests ---- */

/* Offset of the checksum in a transport header, or -1 if the pseudo-header
 * does not enter it (then NAT must leave the transport bytes alone). */
static int csum_off_of(uint8_t family, uint8_t proto)
{
	switch (proto) {
	case PKT_PROTO_TCP:
		return 16;
	case PKT_PROTO_UDP:
		return 6;
	case PKT_PROTO_ICMPV6:
		return family == GTP_AF_INET6 ? 2 : -1;
	default:
		return -1;
	}
}

static size_t min_l4(uint8_t proto)
{
	return proto == PKT_PROTO_TCP ? 20 : 8;
}

/* IPv4 header with opt_len octets of options at p; returns header length. */
static size_t put_ipv4(uint8_t *p, const struct gtp_addr *s, const struct gtp_addr *d,
		       uint8_t proto, size_t opt_len, size_t l4_len, uint16_t frag)
{
	size_t hl = 20 + opt_len;

	memset(p, 0, hl);
	p[0] = (uint8_t)(0x40 | hl / 4);
	put16(p + 2, (uint16_t)(hl + l4_len));
	put16(p + 4, 0x1234);
	put16(p + 6, frag);
	p[8] = 64;
	p[9] = proto;
	memcpy(p + 12, s->b, 4);
	memcpy(p + 16, d->b, 4);
	for (size_t i = 0; i < opt_len; i++)
		p[20 + i] = 1; /* NOP options */
	put16(p + 10, ref_ipv4_csum(p, hl));
	return hl;
}

/* IPv6 header; ext (pre-encoded, ext_len octets) follows it, first_nh is
 * the next header of the fixed header. */
static size_t put_ipv6(uint8_t *p, const struct gtp_addr *s, const struct gtp_addr *d,
		       uint8_t first_nh, const uint8_t *ext, size_t ext_len, size_t l4_len)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	put16(p + 4, (uint16_t)(ext_len + l4_len));
	p[6] = first_nh;
	p[7] = 64;
	memcpy(p + 8, s->b, 16);
	memcpy(p + 24, d->b, 16);
	if (ext_len)
		memcpy(p + 40, ext, ext_len);
	return 40 + ext_len;
}

/* Fill a transport header + payload with random bytes and a correct
 * checksum where the protocol has one. */
static void put_l4(struct test_rng *r, uint8_t *l4, size_t len, uint8_t family, uint8_t proto,
		   const struct gtp_addr *s, const struct gtp_addr *d, bool udp_zero)
{
	int off;

	test_rand_bytes(r, l4, len);
	if (proto == PKT_PROTO_UDP)
		put16(l4 + 4, (uint16_t)len);
	off = csum_off_of(family, proto);
	if (proto == PKT_PROTO_ICMP)
		put16(l4 + 2, ref_l4_csum(s, d, proto, l4, len, 2));
	else if (off >= 0)
		put16(l4 + off, udp_zero ? 0 : ref_l4_csum(s, d, proto, l4, len, (size_t)off));
}

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

/* ---- NAT ---- */

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

/* ---- addresses ---- */

static void test_addr_text(void **state)
{
	static const char *good[] = { "198.18.0.1", "0.0.0.0", "255.255.255.255", "2001:db8::1",
				      "::", "::1", "fe80::1:2:3:4", "::ffff:198.51.100.1",
				      "2001:db8:0:1:2:3:4:5" };
	static const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "10.1", "1.2.3.4/24",
				     "2001:db8:::1", "2001:db8::g", "hello", " 1.2.3.4", "1.2.3.4 " };
	char buf[GTP_ADDR_STRLEN];
	struct gtp_addr a, b;
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(gtp_addr_parse(good[i], &a), 0);
		gtp_addr_format(&a, buf, sizeof(buf));
		assert_int_equal(gtp_addr_parse(buf, &b), 0);
		assert_true(gtp_addr_eq(&a, &b));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gtp_addr_parse(bad[i], &a) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(gtp_addr_parse(NULL, &a), -1);

	assert_int_equal(gtp_addr_parse("198.18.0.1", &a), 0);
	assert_int_equal(a.family, GTP_AF_INET);
	assert_int_equal(gtp_addr_len(&a), 4);
	assert_string_equal(gtp_addr_format(&a, buf, sizeof(buf)), "198.18.0.1");
	/* IPv4 bytes beyond 4 are zero, so addresses compare with memcmp */
	b = addr4(198, 18, 0, 1);
	assert_true(gtp_addr_eq(&a, &b));
	assert_int_equal(gtp_addr_parse("2001:DB8:0::0:1", &a), 0);
	assert_int_equal(a.family, GTP_AF_INET6);
	assert_string_equal(gtp_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	/* the longest text fits GTP_ADDR_STRLEN */
	assert_int_equal(gtp_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", &a), 0);
	assert_non_null(gtp_addr_format(&a, buf, sizeof(buf)));
	assert_true(strlen(buf) > 0);
	/* too small a buffer: an empty string, never an overflow */
	char tiny[4];
	assert_string_equal(gtp_addr_format(&a, tiny, sizeof(tiny)), "");
	memset(&a, 0, sizeof(a));
	assert_string_equal(gtp_addr_format(&a, buf, sizeof(buf)), "-");
}

static void test_addr_prefix(void **state)
{
	struct gtp_addr a = addr_text("198.19.42.7"), p16 = addr_text("198.19.0.0");
	struct gtp_addr v6 = addr_text("2001:db8:abcd:1234::5"), p6 = addr_text("2001:db8:ab00::");
	(void)state;

	assert_true(gtp_addr_in_prefix(&a, &p16, 16));
	assert_true(gtp_addr_in_prefix(&a, &p16, 0));
	assert_true(gtp_addr_in_prefix(&a, &p16, 18));  /* 42 = 0b00101010 */
	assert_false(gtp_addr_in_prefix(&a, &p16, 19));
	assert_false(gtp_addr_in_prefix(&a, &p16, 24));
	assert_true(gtp_addr_in_prefix(&a, &a, 32));
	assert_false(gtp_addr_in_prefix(&a, &a, 33));
	assert_false(gtp_addr_in_prefix(&a, &p6, 0)); /* family differs */
	assert_true(gtp_addr_in_prefix(&v6, &p6, 40));
	assert_false(gtp_addr_in_prefix(&v6, &p6, 41)); /* cd vs 00 */
	assert_true(gtp_addr_in_prefix(&v6, &p6, 32));
	assert_true(gtp_addr_in_prefix(&v6, &v6, 128));
	assert_false(gtp_addr_in_prefix(&v6, &v6, 129));
	struct gtp_addr none;
	memset(&none, 0, sizeof(none));
	assert_false(gtp_addr_in_prefix(&none, &none, 0));
}

static void test_addr_unicast(void **state)
{
	static const char *yes[] = { "198.18.0.1", "1.1.1.1", "223.255.255.254", "2001:db8::1",
				     "fe80::1", "::2", "::ffff:1.2.3.4" };
	static const char *no[] = { "0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1",
				    "239.255.255.255", "240.0.0.1", "255.255.255.255", "::",
				    "::1", "ff02::1" };
	struct gtp_addr a;
	(void)state;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		a = addr_text(yes[i]);
		if (!gtp_addr_is_unicast(&a))
			fail_msg("%s should be unicast", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		a = addr_text(no[i]);
		if (gtp_addr_is_unicast(&a))
			fail_msg("%s should not be unicast", no[i]);
	}
	memset(&a, 0, sizeof(a));
	assert_false(gtp_addr_is_unicast(&a));
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
		cmocka_unit_test(test_nat_property),
		cmocka_unit_test(test_nat_udp_zero_csum),
		cmocka_unit_test(test_nat_udp_computed_zero),
		cmocka_unit_test(test_nat_icmpv6),
		cmocka_unit_test(test_nat_icmpv4_untouched),
		cmocka_unit_test(test_nat_fragments),
		cmocka_unit_test(test_nat_family_mismatch),
		cmocka_unit_test(test_build_ip_udp),
		cmocka_unit_test(test_build_eth_and_mac),
		cmocka_unit_test(test_addr_text),
		cmocka_unit_test(test_addr_prefix),
		cmocka_unit_test(test_addr_unicast),
	};

	return cmocka_run_group_tests_name("pkt", tests, NULL, NULL);
}
