/* gtp/pkt_nat on ICMP errors: the packet an error quotes is translated
 * too (its address, its IPv4 header checksum, its transport checksum when
 * quoted), and the ICMP checksum follows. Each result is compared byte for
 * byte with the same error built from scratch around the translated packet
 * (tests/unit/gtp_testutil.h, independent of csum.c and pkt_nat.c), over
 * many random errors of both families and directions, with quotes cut at
 * every length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "gtp_testutil.h"
#include "pkt.h"

#define ROUNDS 20000
#define BUF 1600

struct err_spec {
	uint8_t family;
	uint8_t type, code;
	uint8_t rest[4];            /* the ICMP header's second word */
	struct gtp_addr esrc, edst; /* the error's own addresses */
	struct gtp_addr qsrc, qdst; /* the quoted packet's */
	uint8_t qproto;
	bool frag;                  /* the quote is a later IPv4 fragment */
	bool ext;                   /* the quote has an IPv6 extension header */
	bool udp_zero;
	size_t l4_len;              /* of the whole quoted packet */
	size_t quote;               /* octets of it quoted */
	uint8_t payload[BUF];       /* its transport bytes (random) */
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

/* The quoted packet, whole, with right checksums; returns its length. */
static size_t build_quoted(const struct err_spec *e, uint8_t *p)
{
	struct test_rng none = { 1 };
	size_t hl;

	if (e->family == GTP_AF_INET) {
		hl = put_ipv4(p, &e->qsrc, &e->qdst, e->qproto, 0, e->l4_len,
			      e->frag ? 0x00b9 : 0x4000);
	} else {
		static const uint8_t dopt[8] = { 0, 0, 1, 4, 0, 0, 0, 0 };
		uint8_t ext[8];

		memcpy(ext, dopt, 8);
		ext[0] = e->qproto;
		hl = put_ipv6(p, &e->qsrc, &e->qdst, e->ext ? 60 : e->qproto, ext, e->ext ? 8 : 0,
			      e->l4_len);
	}
	/* the payload's bytes, then the protocol's length and checksum */
	put_l4(&none, p + hl, e->l4_len, e->family, e->qproto, &e->qsrc, &e->qdst, e->udp_zero);
	memcpy(p + hl, e->payload, e->l4_len);
	if (e->qproto == PKT_PROTO_UDP)
		put16(p + hl + 4, (uint16_t)e->l4_len);
	int off = csum_off_of(e->family, e->qproto);

	if (e->qproto == PKT_PROTO_ICMP)
		put16(p + hl + 2, ref_l4_csum(&e->qsrc, &e->qdst, 1, p + hl, e->l4_len, 2));
	else if (off >= 0)
		put16(p + hl + off, e->udp_zero ? 0 :
		      ref_l4_csum(&e->qsrc, &e->qdst, e->qproto, p + hl, e->l4_len, (size_t)off));
	return hl + e->l4_len;
}

/* The error: outer header, ICMP header, the quote; returns its length. */
static size_t build_error(const struct err_spec *e, const uint8_t *quoted, uint8_t *p)
{
	size_t icmp_len = 8 + e->quote, hl;
	uint8_t proto = e->family == GTP_AF_INET ? PKT_PROTO_ICMP : PKT_PROTO_ICMPV6;

	if (e->family == GTP_AF_INET)
		hl = put_ipv4(p, &e->esrc, &e->edst, proto, 0, icmp_len, 0);
	else
		hl = put_ipv6(p, &e->esrc, &e->edst, proto, NULL, 0, icmp_len);
	p[hl] = e->type;
	p[hl + 1] = e->code;
	memcpy(p + hl + 4, e->rest, 4);
	memcpy(p + hl + 8, quoted, e->quote);
	put16(p + hl + 2, ref_l4_csum(&e->esrc, &e->edst, proto, p + hl, icmp_len, 2));
	return hl + icmp_len;
}

static void rand_spec(struct test_rng *r, struct err_spec *e, uint8_t family)
{
	static const uint8_t types4[] = { 3, 3, 3, 11, 12, 4, 5, 0, 8 };
	static const uint8_t types6[] = { 1, 1, 2, 2, 3, 4, 128, 129 };
	static const uint8_t protos4[] = { PKT_PROTO_UDP, PKT_PROTO_TCP, PKT_PROTO_ICMP, 47 };
	static const uint8_t protos6[] = { PKT_PROTO_UDP, PKT_PROTO_TCP, PKT_PROTO_ICMPV6, 47 };
	size_t full;

	memset(e, 0, sizeof(*e));
	e->family = family;
	e->type = family == GTP_AF_INET ? types4[test_rand_below(r, sizeof(types4))] :
					  types6[test_rand_below(r, sizeof(types6))];
	e->code = (uint8_t)test_rand_below(r, 5);
	test_rand_bytes(r, e->rest, 4);
	e->qproto = (family == GTP_AF_INET ? protos4 : protos6)[test_rand_below(r, 4)];
	e->frag = family == GTP_AF_INET && test_rand_below(r, 8) == 0;
	e->ext = family == GTP_AF_INET6 && test_rand_below(r, 8) == 0;
	e->udp_zero = e->qproto == PKT_PROTO_UDP && family == GTP_AF_INET &&
		      test_rand_below(r, 6) == 0;
	e->l4_len = min_l4(e->qproto) + test_rand_below(r, 1300);
	test_rand_bytes(r, e->payload, e->l4_len);
	full = (family == GTP_AF_INET ? 20 : 40 + (e->ext ? 8 : 0)) + e->l4_len;
	/* cut anywhere, often around the headers */
	switch (test_rand_below(r, 5)) {
	case 0:
		e->quote = full;
		break;
	case 1:
		e->quote = test_rand_below(r, (uint32_t)full + 1);
		break;
	case 2: /* not even the IP header */
		e->quote = test_rand_below(r, family == GTP_AF_INET ? 20 : 40);
		break;
	default:
		e->quote = (family == GTP_AF_INET ? 20 : 40) + test_rand_below(r, 48);
		if (e->quote > full)
			e->quote = full;
	}
}

static bool is_error(uint8_t family, uint8_t type)
{
	return family == GTP_AF_INET6 ? type >= 1 && type <= 4 :
	       type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

static void test_quote_translated(void **state)
{
	struct test_rng r = { 0x1c39 };
	uint8_t q[BUF], out[BUF + 100], want[BUF + 100], wq[BUF];
	unsigned int translated = 0, by_len[3] = { 0 };
	(void)state;

	for (int i = 0; i < ROUNDS; i++) {
		uint8_t family = test_rand(&r) & 1 ? GTP_AF_INET6 : GTP_AF_INET;
		struct gtp_addr ue, app, svc;
		struct err_spec e, x;
		struct pkt_ip ip;
		int which = test_rand(&r) & 1 ? PKT_NAT_SRC : PKT_NAT_DST;

		rand_spec(&r, &e, family);
		rand_addr(&r, family, &ue);
		rand_addr(&r, family, &app);
		rand_addr(&r, family, &svc);
		if (which == PKT_NAT_SRC) {
			/* the app's error about the UE's packet (DNATed to it) */
			e.esrc = app, e.edst = ue, e.qsrc = ue, e.qdst = app;
		} else {
			/* the UE's error about the app's packet (SNATed) */
			e.esrc = ue, e.edst = svc, e.qsrc = svc, e.qdst = ue;
		}
		build_quoted(&e, q);
		size_t len = build_error(&e, q, out);

		/* what it must become */
		x = e;
		bool hdr_quoted = e.quote >= (family == GTP_AF_INET ? 20u : 40u);
		bool quote_nat = is_error(family, e.type) && hdr_quoted;
		if (which == PKT_NAT_SRC) {
			x.esrc = svc;
			if (quote_nat)
				x.qdst = svc;
		} else {
			x.edst = app;
			if (quote_nat)
				x.qsrc = app;
		}
		build_quoted(&x, wq);
		/* a transport checksum not patched keeps its old value: a later
		 * fragment's (none there), one behind an extension header, or
		 * one not wholly in the quote */
		size_t qhl = family == GTP_AF_INET ? 20 : 40 + (e.ext ? 8 : 0);
		int off = csum_off_of(family, e.qproto);
		if (quote_nat && off >= 0 &&
		    (e.frag || e.ext || qhl + (size_t)off + 2 > e.quote))
			memcpy(wq + qhl + off, q + qhl + off, 2);
		assert_int_equal(build_error(&x, wq, want), len);

		uint8_t *b = dup_exact(out, len);
		assert_int_equal(pkt_parse_ip(b, len, &ip), PKT_OK);
		assert_int_equal(pkt_nat_rewrite(b, &ip, which, which == PKT_NAT_SRC ? &svc : &app),
				 0);
		if (memcmp(b, want, len) != 0)
			fail_msg("round %d: family %u type %u proto %u quote %zu of %zu, %s", i,
				 family, e.type, e.qproto, e.quote, qhl + e.l4_len,
				 which == PKT_NAT_SRC ? "SNAT" : "DNAT");
		free(b);
		translated += quote_nat;
		by_len[e.quote == qhl + e.l4_len ? 0 : hdr_quoted ? 1 : 2]++;
	}
	assert_true(translated > ROUNDS / 3);
	for (int k = 0; k < 3; k++)
		assert_true(by_len[k] > ROUNDS / 20);
}

/* An error quoting someone else's packet (not to or from the translated
 * address) keeps its quote. */
static void test_unrelated_quote_untouched(void **state)
{
	struct test_rng r = { 77 };
	uint8_t q[BUF], out[BUF + 100];
	struct gtp_addr ue = addr4(198, 19, 0, 5), app = addr4(198, 51, 100, 10);
	struct gtp_addr svc = addr4(203, 0, 113, 100), other = addr4(198, 51, 100, 99);
	struct err_spec e;
	struct pkt_ip ip;
	(void)state;

	rand_spec(&r, &e, GTP_AF_INET);
	e.type = 3;
	e.quote = 48;
	e.esrc = app, e.edst = ue, e.qsrc = ue, e.qdst = other;
	build_quoted(&e, q);
	size_t len = build_error(&e, q, out);
	assert_int_equal(pkt_parse_ip(out, len, &ip), PKT_OK);
	assert_int_equal(pkt_nat_rewrite(out, &ip, PKT_NAT_SRC, &svc), 0);
	assert_memory_equal(out + 28, q, 48);
	assert_int_equal(get16(out + 22), ref_l4_csum(&svc, &ue, 1, out + 20, len - 20, 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote_translated),
		cmocka_unit_test(test_unrelated_quote_untouched),
	};

	return cmocka_run_group_tests_name("pkt_nat_icmp", tests, NULL, NULL);
}
