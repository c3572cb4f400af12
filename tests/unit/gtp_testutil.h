/* Helpers shared by the gtp/ unit tests: a seeded PRNG and a reference
 * Internet checksum written independently of gtp/csum.c (big-endian words,
 * byte by byte, host-order results). */
#ifndef GTP_TESTUTIL_H
#define GTP_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gtp.h"
#include "gtp_addr.h"
#include "pkt.h"

/* xorshift64*: deterministic across platforms for a fixed seed. */
struct test_rng {
	uint64_t s;
};

static inline uint32_t test_rand(struct test_rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return (uint32_t)((r->s * 0x2545F4914F6CDD1DULL) >> 32);
}

static inline uint32_t test_rand_below(struct test_rng *r, uint32_t n)
{
	return n ? test_rand(r) % n : 0;
}

static inline void test_rand_bytes(struct test_rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)test_rand(r);
}

/* Ones-complement sum of big-endian 16-bit words, folded, not inverted. */
static inline uint32_t ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i < n; i++)
		s += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Pseudo-header of RFC 768 / RFC 8200 8.1, built as bytes. */
static inline uint32_t ref_pseudo(const struct gtp_addr *src, const struct gtp_addr *dst,
				  uint8_t proto, uint32_t l4_len)
{
	uint8_t ph[40];
	size_t n = 0;

	if (src->family == GTP_AF_INET) {
		memcpy(ph, src->b, 4);
		memcpy(ph + 4, dst->b, 4);
		ph[8] = 0;
		ph[9] = proto;
		ph[10] = (uint8_t)(l4_len >> 8);
		ph[11] = (uint8_t)l4_len;
		n = 12;
	} else {
		memcpy(ph, src->b, 16);
		memcpy(ph + 16, dst->b, 16);
		ph[32] = (uint8_t)(l4_len >> 24);
		ph[33] = (uint8_t)(l4_len >> 16);
		ph[34] = (uint8_t)(l4_len >> 8);
		ph[35] = (uint8_t)l4_len;
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		n = 40;
	}
	return ref_sum(ph, n, 0);
}

/* Full transport checksum, host order, with the field at csum_off taken as
 * zero; pseudo-header unless proto is ICMP (1). UDP maps 0 to 0xffff. */
static inline uint16_t ref_l4_csum(const struct gtp_addr *src, const struct gtp_addr *dst,
				   uint8_t proto, const uint8_t *l4, size_t len, size_t csum_off)
{
	uint8_t *copy = malloc(len ? len : 1);
	uint32_t s = 0;
	uint16_t c;

	memcpy(copy, l4, len);
	if (csum_off + 2 <= len)
		copy[csum_off] = copy[csum_off + 1] = 0;
	if (proto != 1)
		s = ref_pseudo(src, dst, proto, (uint32_t)len);
	s = ref_sum(copy, len, s);
	free(copy);
	c = (uint16_t)~s;
	if (proto == 17 && c == 0)
		c = 0xffff;
	return c;
}

/* IPv4 header checksum, host order. */
static inline uint16_t ref_ipv4_csum(const uint8_t *iph, size_t hlen)
{
	uint8_t h[60];

	memcpy(h, iph, hlen);
	h[10] = h[11] = 0;
	return (uint16_t)~ref_sum(h, hlen, 0);
}

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A copy of n bytes in a buffer of exactly n bytes, so that ASan catches
 * any read past the end. Caller frees. */
static inline uint8_t *dup_exact(const uint8_t *p, size_t n)
{
	uint8_t *b;

	if (n > 0x100000) /* a test bug; also tells the compiler n is sane */
		abort();
	b = malloc(n);
	if (n)
		memcpy(b, p, n);
	return b;
}

static inline struct gtp_addr addr4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	struct gtp_addr x;
	uint8_t v[4] = { a, b, c, d };

	gtp_addr_set4(&x, v);
	return x;
}

static inline struct gtp_addr addr_text(const char *s)
{
	struct gtp_addr x;

	memset(&x, 0, sizeof(x));
	if (gtp_addr_parse(s, &x) != 0)
		abort();
	return x;
}

/* ---- packets for the tests, built byte by byte ---- */

/* Offset of the checksum in a transport header, or -1 if the pseudo-header
 * does not enter it (then NAT must leave the transport bytes alone). */
static inline int csum_off_of(uint8_t family, uint8_t proto)
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

static inline size_t min_l4(uint8_t proto)
{
	return proto == PKT_PROTO_TCP ? 20 : 8;
}

/* IPv4 header with opt_len octets of options at p; returns header length. */
static inline size_t put_ipv4(uint8_t *p, const struct gtp_addr *s, const struct gtp_addr *d,
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
static inline size_t put_ipv6(uint8_t *p, const struct gtp_addr *s, const struct gtp_addr *d,
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
static inline void put_l4(struct test_rng *r, uint8_t *l4, size_t len, uint8_t family, uint8_t proto,
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

/* ---- GTP-U ---- */

/* gtp_parse from a buffer of exactly len bytes (ASan sees over-reads). */
static inline enum gtp_err parse_exact(const uint8_t *p, size_t len, struct gtp_hdr *h)
{
	uint8_t *b = dup_exact(p, len);
	enum gtp_err e = gtp_parse(b, len, h);

	free(b);
	return e;
}

/* Needs cmocka. */
#define assert_gtp(p, len, h, want)                                                    \
	do {                                                                           \
		enum gtp_err got_ = parse_exact((p), (len), (h));                     \
		if (got_ != (want))                                                    \
			fail_msg("gtp_parse: got %s, want %s", gtp_strerror(got_),    \
				 gtp_strerror(want));                                  \
	} while (0)

#endif
