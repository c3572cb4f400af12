/* Pinger probes: building (every header field; checksums recomputed here
 * independently) and recognising replies (ours, and every kind of foreign
 * or malformed one). The state machine is in test_pinger_probe.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "gtp_addr.h"
#include "pinger.h"

static const uint8_t ue4_b[4] = { 198, 19, 0, 7 };
static const uint8_t tgt4_b[4] = { 203, 0, 113, 1 };
static const uint8_t ue6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x19, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x07 };
static const uint8_t tgt6_b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x71, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01 };

static struct gtp_addr ue4, ue6;

static void test_cfg(struct pinger_config *cfg)
{
	pinger_config_default(cfg);
	gtp_addr_set4(&cfg->target4, tgt4_b);
	gtp_addr_set6(&cfg->target6, tgt6_b);
	gtp_addr_set4(&ue4, ue4_b);
	gtp_addr_set6(&ue6, ue6_b);
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ones-complement sum of big-endian 16-bit words, written out longhand so it
 * shares nothing with gtp/csum.c. */
static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* Sum over the pseudo-header of ICMPv6 (RFC 8200 8.1). */
static uint32_t sum_pseudo6(const uint8_t *ip6, uint32_t l4_len)
{
	uint8_t ph[40];

	memcpy(ph, ip6 + 8, 32);
	ph[32] = (uint8_t)(l4_len >> 24);
	ph[33] = (uint8_t)(l4_len >> 16);
	ph[34] = (uint8_t)(l4_len >> 8);
	ph[35] = (uint8_t)l4_len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = 58;
	return sum16(ph, sizeof(ph), 0);
}

/* A packet with its checksum in place sums to 0xffff. */
static void assert_v4_csums_ok(const uint8_t *ip, size_t len)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;

	assert_int_equal(fold(sum16(ip, hl, 0)), 0xffff);
	assert_int_equal(fold(sum16(ip + hl, len - hl, 0)), 0xffff);
}

static void assert_v6_csum_ok(const uint8_t *ip, size_t len)
{
	assert_int_equal(fold(sum16(ip + 40, len - 40, sum_pseudo6(ip, (uint32_t)(len - 40)))),
			 0xffff);
}

static void fix_v4_csums(uint8_t *ip, size_t len)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;

	wr16(ip + 10, 0);
	wr16(ip + 10, (uint16_t)~fold(sum16(ip, hl, 0)));
	wr16(ip + hl + 2, 0);
	wr16(ip + hl + 2, (uint16_t)~fold(sum16(ip + hl, len - hl, 0)));
}

static void fix_v6_csum(uint8_t *ip, size_t len)
{
	wr16(ip + 42, 0);
	wr16(ip + 42, (uint16_t)~fold(sum16(ip + 40, len - 40, sum_pseudo6(ip, (uint32_t)(len - 40)))));
}

/* Turn our request into the reply the target would send. */
static void make_reply4(uint8_t *ip, size_t len)
{
	uint8_t tmp[4];

	memcpy(tmp, ip + 12, 4);
	memcpy(ip + 12, ip + 16, 4);
	memcpy(ip + 16, tmp, 4);
	ip[(ip[0] & 0x0f) * 4] = 0;
	fix_v4_csums(ip, len);
}

static void make_reply6(uint8_t *ip, size_t len)
{
	uint8_t tmp[16];

	memcpy(tmp, ip + 8, 16);
	memcpy(ip + 8, ip + 24, 16);
	memcpy(ip + 24, tmp, 16);
	ip[40] = 129;
	fix_v6_csum(ip, len);
}

static void test_config_default(void **state)
{
	struct pinger_config cfg;

	(void)state;
	memset(&cfg, 0xa5, sizeof(cfg));
	pinger_config_default(&cfg);
	assert_int_equal(cfg.ident, 0x544f);
	assert_int_equal(cfg.interval_ms, 1000);
	assert_int_equal(cfg.backoff_pct, 200);
	assert_int_equal(cfg.max_interval_ms, 30000);
	assert_int_equal(cfg.tries, 5);
	assert_int_equal(cfg.payload_len, 16);
	assert_int_equal(cfg.ttl, 64);
	assert_true(cfg.key == 0x544f465f50524f42ULL);
	assert_int_equal(cfg.target4.family, GTP_AF_NONE);
	assert_int_equal(cfg.target6.family, GTP_AF_NONE);
}

static void test_build_v4(void **state)
{
	struct pinger_config cfg;
	uint8_t pkt[256];
	size_t n;

	(void)state;
	test_cfg(&cfg);
	cfg.payload_len = 40;
	cfg.ttl = 33;
	memset(pkt, 0xee, sizeof(pkt));
	n = pinger_build_request(&cfg, &ue4, 0x1234, pkt, sizeof(pkt));
	assert_int_equal(n, 20 + 8 + 40);

	/* IPv4 header */
	assert_int_equal(pkt[0], 0x45);
	assert_int_equal(pkt[1], 0);
	assert_int_equal(rd16(pkt + 2), n);
	assert_int_equal(rd16(pkt + 4), 0x1234); /* identification = seq */
	assert_int_equal(rd16(pkt + 6) & 0x3fff, 0); /* not a fragment */
	assert_int_equal(pkt[8], 33);
	assert_int_equal(pkt[9], 1);
	assert_memory_equal(pkt + 12, ue4_b, 4);
	assert_memory_equal(pkt + 16, tgt4_b, 4);

	/* ICMP echo request */
	assert_int_equal(pkt[20], 8);
	assert_int_equal(pkt[21], 0);
	assert_int_equal(rd16(pkt + 24), 0x544f);
	assert_int_equal(rd16(pkt + 26), 0x1234);
	assert_memory_equal(pkt + 28, "TOFPROBE", 8);
	for (size_t i = 28 + 16; i < n; i++)
		assert_int_equal(pkt[i], 0);
	assert_int_equal(pkt[n], 0xee); /* nothing written past the end */
	assert_v4_csums_ok(pkt, n);
}

static void test_build_v6(void **state)
{
	struct pinger_config cfg;
	uint8_t pkt[256];
	size_t n;

	(void)state;
	test_cfg(&cfg);
	cfg.payload_len = 21; /* odd length exercises the checksum tail */
	cfg.ident = 0xbeef;
	memset(pkt, 0xee, sizeof(pkt));
	n = pinger_build_request(&cfg, &ue6, 7, pkt, sizeof(pkt));
	assert_int_equal(n, 40 + 8 + 21);

	/* IPv6 header: version 6, traffic class 0, flow label 0 */
	assert_int_equal(pkt[0], 0x60);
	assert_int_equal(pkt[1], 0);
	assert_int_equal(rd16(pkt + 2), 0);
	assert_int_equal(rd16(pkt + 4), 8 + 21);
	assert_int_equal(pkt[6], 58);
	assert_int_equal(pkt[7], 64);
	assert_memory_equal(pkt + 8, ue6_b, 16);
	assert_memory_equal(pkt + 24, tgt6_b, 16);

	/* ICMPv6 echo request */
	assert_int_equal(pkt[40], 128);
	assert_int_equal(pkt[41], 0);
	assert_int_equal(rd16(pkt + 44), 0xbeef);
	assert_int_equal(rd16(pkt + 46), 7);
	assert_memory_equal(pkt + 48, "TOFPROBE", 8);
	for (size_t i = 48 + 16; i < n; i++)
		assert_int_equal(pkt[i], 0);
	assert_int_equal(pkt[n], 0xee);
	assert_v6_csum_ok(pkt, n);
}

static void test_build_checksums_vary(void **state)
{
	struct pinger_config cfg;
	uint8_t pkt[128];
	size_t n;

	/* Many sequences and both families: the checksum is right for each. */
	(void)state;
	test_cfg(&cfg);
	for (unsigned int seq = 0; seq < 70000; seq += 997) {
		n = pinger_build_request(&cfg, &ue4, (uint16_t)seq, pkt, sizeof(pkt));
		assert_int_equal(n, 44);
		assert_v4_csums_ok(pkt, n);
		n = pinger_build_request(&cfg, &ue6, (uint16_t)seq, pkt, sizeof(pkt));
		assert_int_equal(n, 64);
		assert_v6_csum_ok(pkt, n);
	}
}

static void test_build_fails(void **state)
{
	struct pinger_config cfg;
	struct gtp_addr none;
	uint8_t pkt[128];

	(void)state;
	test_cfg(&cfg);
	memset(&none, 0, sizeof(none));

	/* room: one short fails, exact fits */
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, pkt, 43), 0);
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, pkt, 44), 44);
	assert_int_equal(pinger_build_request(&cfg, &ue6, 1, pkt, 63), 0);
	assert_int_equal(pinger_build_request(&cfg, &ue6, 1, pkt, 64), 64);
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, pkt, 0), 0);

	/* no UE family */
	assert_int_equal(pinger_build_request(&cfg, &none, 1, pkt, sizeof(pkt)), 0);

	/* no target of the UE's family */
	memset(&cfg.target6, 0, sizeof(cfg.target6));
	assert_int_equal(pinger_build_request(&cfg, &ue6, 1, pkt, sizeof(pkt)), 0);
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, pkt, sizeof(pkt)), 44);
	memset(&cfg.target4, 0, sizeof(cfg.target4));
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, pkt, sizeof(pkt)), 0);

	/* a target of the wrong family in the slot is not used */
	gtp_addr_set6(&cfg.target4, tgt6_b);
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, pkt, sizeof(pkt)), 0);
}

static void test_build_payload_limits(void **state)
{
	struct pinger_config cfg;
	static uint8_t big[70000];

	(void)state;
	test_cfg(&cfg);

	/* too short to carry magic + tag: raised to the minimum */
	cfg.payload_len = 3;
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, big, sizeof(big)), 44);

	/* IPv4 total length must fit 16 bits; IPv6 payload length likewise */
	cfg.payload_len = 65535 - 28;
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, big, sizeof(big)), 65535);
	assert_v4_csums_ok(big, 65535);
	cfg.payload_len = 65535 - 27;
	assert_int_equal(pinger_build_request(&cfg, &ue4, 1, big, sizeof(big)), 0);
	cfg.payload_len = 65535 - 8;
	assert_int_equal(pinger_build_request(&cfg, &ue6, 1, big, sizeof(big)), 40 + 65535);
	assert_v6_csum_ok(big, 40 + 65535);
	cfg.payload_len = 65535 - 7;
	assert_int_equal(pinger_build_request(&cfg, &ue6, 1, big, sizeof(big)), 0);
}

static void get_tag(const struct pinger_config *cfg, const struct gtp_addr *ue, uint16_t seq,
		    uint8_t tag[8])
{
	uint8_t pkt[128];
	size_t n = pinger_build_request(cfg, ue, seq, pkt, sizeof(pkt));
	size_t off = ue->family == GTP_AF_INET ? 20 + 8 + 8 : 40 + 8 + 8;

	assert_true(n > 0);
	memcpy(tag, pkt + off, 8);
}

static void test_tag(void **state)
{
	struct pinger_config cfg, cfg2;
	struct gtp_addr ue4b;
	uint8_t a[8], b[8];
	uint8_t other[4] = { 198, 19, 0, 8 };

	(void)state;
	test_cfg(&cfg);
	gtp_addr_set4(&ue4b, other);

	get_tag(&cfg, &ue4, 1, a);
	get_tag(&cfg, &ue4, 1, b);
	assert_memory_equal(a, b, 8); /* deterministic */
	get_tag(&cfg, &ue4, 2, b);
	assert_memory_not_equal(a, b, 8); /* per sequence */
	get_tag(&cfg, &ue4b, 1, b);
	assert_memory_not_equal(a, b, 8); /* per UE */
	cfg2 = cfg;
	cfg2.key ^= 1;
	get_tag(&cfg2, &ue4, 1, b);
	assert_memory_not_equal(a, b, 8); /* per key */
	cfg2 = cfg;
	cfg2.ident ^= 1;
	get_tag(&cfg2, &ue4, 1, b);
	assert_memory_not_equal(a, b, 8); /* per identifier */
	cfg2 = cfg;
	cfg2.payload_len = 100;
	get_tag(&cfg2, &ue4, 1, b);
	assert_memory_equal(a, b, 8); /* not per payload length */
}

static void test_reply_v4(void **state)
{
	struct pinger_config cfg;
	uint8_t pkt[128];
	uint16_t seq = 0;
	size_t n;

	(void)state;
	test_cfg(&cfg);
	n = pinger_build_request(&cfg, &ue4, 4242, pkt, sizeof(pkt));
	/* the request itself is not a reply */
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));
	make_reply4(pkt, n);
	assert_true(pinger_is_reply(&cfg, pkt, n, &seq));
	assert_int_equal(seq, 4242);
	assert_true(pinger_is_reply(&cfg, pkt, n, NULL));
	/* trailing link padding is fine */
	assert_true(pinger_is_reply(&cfg, pkt, sizeof(pkt), NULL));
}

static void test_reply_v6(void **state)
{
	struct pinger_config cfg;
	uint8_t pkt[128];
	uint16_t seq = 0;
	size_t n;

	(void)state;
	test_cfg(&cfg);
	cfg.payload_len = 40;
	n = pinger_build_request(&cfg, &ue6, 1, pkt, sizeof(pkt));
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));
	make_reply6(pkt, n);
	assert_true(pinger_is_reply(&cfg, pkt, n, &seq));
	assert_int_equal(seq, 1);

	/* a reply with a different echo data length than we send now (config
	 * changed in flight) is still ours */
	cfg.payload_len = 16;
	assert_true(pinger_is_reply(&cfg, pkt, n, &seq));
}

static void test_reply_v4_options(void **state)
{
	struct pinger_config cfg;
	uint8_t req[128], pkt[128];
	size_t n;

	/* The target answered with an IPv4 option (a NOP-padded record). */
	(void)state;
	test_cfg(&cfg);
	n = pinger_build_request(&cfg, &ue4, 9, req, sizeof(req));
	memcpy(pkt, req, 20);
	memset(pkt + 20, 1, 4); /* four NOPs */
	memcpy(pkt + 24, req + 20, n - 20);
	pkt[0] = 0x46;
	wr16(pkt + 2, (uint16_t)(n + 4));
	make_reply4(pkt, n + 4);
	assert_int_equal(pkt[20], 1);
	assert_int_equal(pkt[24], 0);
	assert_true(pinger_is_reply(&cfg, pkt, n + 4, NULL));
}

/* Build a valid reply, then let the caller spoil it. */
static size_t reply4(const struct pinger_config *cfg, uint16_t seq, uint8_t *pkt, size_t room)
{
	size_t n = pinger_build_request(cfg, &ue4, seq, pkt, room);

	assert_true(n > 0);
	make_reply4(pkt, n);
	assert_true(pinger_is_reply(cfg, pkt, n, NULL));
	return n;
}

static size_t reply6(const struct pinger_config *cfg, uint16_t seq, uint8_t *pkt, size_t room)
{
	size_t n = pinger_build_request(cfg, &ue6, seq, pkt, room);

	assert_true(n > 0);
	make_reply6(pkt, n);
	assert_true(pinger_is_reply(cfg, pkt, n, NULL));
	return n;
}

static void test_reject_foreign_v4(void **state)
{
	struct pinger_config cfg, other;
	uint8_t pkt[128];
	size_t n;
	uint16_t seq = 0xdead;

	(void)state;
	test_cfg(&cfg);

	/* wrong type: echo request, destination unreachable */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	pkt[20] = 8;
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));
	pkt[20] = 3;
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));
	/* ICMPv6 echo reply type number inside IPv4 */
	pkt[20] = 129;
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));

	/* non-zero code */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	pkt[21] = 1;
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));

	/* wrong identifier (a UE's own ping) */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	wr16(pkt + 24, 0x544e);
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));

	/* another sequence than the tag was made for */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	wr16(pkt + 26, 6);
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));

	/* tag spoiled, each octet in turn */
	for (int i = 0; i < 8; i++) {
		n = reply4(&cfg, 5, pkt, sizeof(pkt));
		pkt[36 + i] ^= 0x01;
		fix_v4_csums(pkt, n);
		assert_false(pinger_is_reply(&cfg, pkt, n, &seq));
	}

	/* magic spoiled */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	pkt[28] = 't';
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));

	/* addressed to another UE than the probe was sent for */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	pkt[19] ^= 1;
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));

	/* the right packet under another key (another tofd) */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	other = cfg;
	other.key++;
	assert_false(pinger_is_reply(&other, pkt, n, &seq));

	/* the reply to a UDP probe is not an echo reply */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	pkt[9] = 17;
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, &seq));

	assert_int_equal(seq, 0xdead); /* never written on a mismatch */
}

static void test_reject_malformed_v4(void **state)
{
	struct pinger_config cfg;
	uint8_t pkt[128];
	size_t n;

	(void)state;
	test_cfg(&cfg);

	/* truncated: every length short of the whole packet */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	for (size_t len = 0; len < n; len++)
		assert_false(pinger_is_reply(&cfg, pkt, len, NULL));

	/* total length says the echo data stops before the tag ends */
	for (size_t tl = 20; tl < n; tl++) {
		n = reply4(&cfg, 5, pkt, sizeof(pkt));
		wr16(pkt + 2, (uint16_t)tl);
		fix_v4_csums(pkt, tl);
		assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	}

	/* total length larger than the buffer */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	wr16(pkt + 2, (uint16_t)(n + 1));
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));

	/* fragments: more-fragments set, and a non-zero offset */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	wr16(pkt + 6, 0x2000);
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	wr16(pkt + 6, 0x0003);
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));

	/* bad header length, bad version */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	pkt[0] = 0x44;
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	pkt[0] = 0x4f;
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	pkt[0] = 0x55;
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));

	/* ICMPv6 (58) carried over IPv4 */
	n = reply4(&cfg, 5, pkt, sizeof(pkt));
	pkt[9] = 58;
	pkt[20] = 129;
	fix_v4_csums(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));

	/* garbage */
	memset(pkt, 0, sizeof(pkt));
	assert_false(pinger_is_reply(&cfg, pkt, sizeof(pkt), NULL));
	memset(pkt, 0xff, sizeof(pkt));
	assert_false(pinger_is_reply(&cfg, pkt, sizeof(pkt), NULL));
}

static void test_reject_v6(void **state)
{
	struct pinger_config cfg;
	uint8_t pkt[160];
	size_t n;

	(void)state;
	test_cfg(&cfg);

	/* request type, ICMPv4 echo reply type number */
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	pkt[40] = 128;
	fix_v6_csum(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	pkt[40] = 0;
	fix_v6_csum(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));

	/* ICMP (1) over IPv6 */
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	pkt[6] = 1;
	pkt[40] = 0;
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));

	/* wrong identifier, sequence, tag, destination UE */
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	wr16(pkt + 44, 0);
	fix_v6_csum(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	wr16(pkt + 46, 4);
	fix_v6_csum(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	pkt[63] ^= 0x80;
	fix_v6_csum(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	pkt[39] ^= 0x02;
	fix_v6_csum(pkt, n);
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));

	/* truncated buffers and a payload length that cuts the tag */
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	for (size_t len = 0; len < n; len++)
		assert_false(pinger_is_reply(&cfg, pkt, len, NULL));
	wr16(pkt + 4, (uint16_t)(n - 40 - 1));
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));
	wr16(pkt + 4, (uint16_t)(n - 40 + 1));
	assert_false(pinger_is_reply(&cfg, pkt, n, NULL));

	/* a fragment header in front of the ICMPv6 (even offset 0, M=1) */
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	memmove(pkt + 48, pkt + 40, n - 40);
	pkt[40] = 58;  /* next header */
	pkt[41] = 0;
	wr16(pkt + 42, 0x0001); /* offset 0, M = 1 */
	wr16(pkt + 44, 0x1234);
	wr16(pkt + 46, 0x5678);
	pkt[6] = 44;
	wr16(pkt + 4, (uint16_t)(n - 40 + 8));
	assert_false(pinger_is_reply(&cfg, pkt, n + 8, NULL));
}

static void test_reply_v6_after_ext_header(void **state)
{
	struct pinger_config cfg;
	uint8_t pkt[160];
	size_t n;

	/* A destination-options header before the ICMPv6 is allowed: the
	 * packet is still whole. The checksum does not cover it. */
	(void)state;
	test_cfg(&cfg);
	n = reply6(&cfg, 5, pkt, sizeof(pkt));
	memmove(pkt + 48, pkt + 40, n - 40);
	pkt[40] = 58;
	pkt[41] = 0;
	pkt[42] = 1; /* PadN, 4 octets of padding */
	pkt[43] = 4;
	memset(pkt + 44, 0, 4);
	pkt[6] = 60;
	wr16(pkt + 4, (uint16_t)(n - 40 + 8));
	assert_true(pinger_is_reply(&cfg, pkt, n + 8, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_default),
		cmocka_unit_test(test_build_v4),
		cmocka_unit_test(test_build_v6),
		cmocka_unit_test(test_build_checksums_vary),
		cmocka_unit_test(test_build_fails),
		cmocka_unit_test(test_build_payload_limits),
		cmocka_unit_test(test_tag),
		cmocka_unit_test(test_reply_v4),
		cmocka_unit_test(test_reply_v6),
		cmocka_unit_test(test_reply_v4_options),
		cmocka_unit_test(test_reject_foreign_v4),
		cmocka_unit_test(test_reject_malformed_v4),
		cmocka_unit_test(test_reject_v6),
		cmocka_unit_test(test_reply_v6_after_ext_header),
	};

	return cmocka_run_group_tests_name("pinger", tests, NULL, NULL);
}
