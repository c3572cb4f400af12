/* Pinger probes: building an ICMP/ICMPv6 echo request on behalf of a UE and
 * recognising the reply to it.
 *
 * A probe is recognised by its identifier, the "TOFPROBE" magic and a tag:
 * SipHash-2-4 under the process key over (UE address, identifier, sequence).
 * The tag binds the reply to the UE it is addressed to, so a UE's own ping
 * that happens to use our identifier, or a reply forged without the key, is
 * left alone. */
#include <string.h>

#include "csum.h"
#include "pinger.h"
#include "pkt.h"

#define ICMP_HLEN 8
#define ICMP_ECHO_REQUEST 8
#define ICMP_ECHO_REPLY 0
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129

/* Second half of the 128-bit SipHash key, derived from the 64-bit one. */
#define PINGER_KEY_TWEAK 0x70696e6765722d31ULL /* "pinger-1" */

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL64(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL64(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL64(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL64(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL64(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL64(v[2], 32);
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t x = 0;

	for (int i = 7; i >= 0; i--)
		x = (x << 8) | p[i];
	return x;
}

/* SipHash-2-4 (Aumasson, Bernstein) of len octets at msg. */
static uint64_t siphash24(uint64_t k0, uint64_t k1, const uint8_t *msg, size_t len)
{
	uint64_t v[4] = {
		k0 ^ 0x736f6d6570736575ULL,
		k1 ^ 0x646f72616e646f6dULL,
		k0 ^ 0x6c7967656e657261ULL,
		k1 ^ 0x7465646279746573ULL,
	};
	size_t full = len & ~(size_t)7;
	uint8_t last[8] = { 0 };
	uint64_t m;

	for (size_t i = 0; i < full; i += 8) {
		m = load_le64(msg + i);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	memcpy(last, msg + full, len - full);
	last[7] = (uint8_t)len;
	m = load_le64(last);
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;

	v[2] ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* The tag of a probe for ue with (ident, seq), as the 8 octets on the wire. */
static void pinger_tag(uint64_t key, const struct gtp_addr *ue, uint16_t ident, uint16_t seq,
		       uint8_t tag[PINGER_TAG_LEN])
{
	uint8_t msg[16 + 4];
	size_t alen = gtp_addr_len(ue);
	uint64_t h;

	memcpy(msg, ue->b, alen);
	msg[alen + 0] = (uint8_t)(ident >> 8);
	msg[alen + 1] = (uint8_t)ident;
	msg[alen + 2] = (uint8_t)(seq >> 8);
	msg[alen + 3] = (uint8_t)seq;
	h = siphash24(key, key ^ PINGER_KEY_TWEAK, msg, alen + 4);
	for (int i = 0; i < PINGER_TAG_LEN; i++)
		tag[i] = (uint8_t)(h >> (56 - 8 * i));
}

void pinger_config_default(struct pinger_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->ident = 0x544f;
	cfg->key = 0x544f465f50524f42ULL; /* "TOF_PROB": replay stays deterministic */
	cfg->interval_ms = 1000;
	cfg->backoff_pct = 200;
	cfg->max_interval_ms = 30000;
	cfg->tries = 5;
	cfg->payload_len = PINGER_MIN_PAYLOAD;
	cfg->ttl = 64;
}

size_t pinger_build_request(const struct pinger_config *cfg, const struct gtp_addr *ue,
			    uint16_t seq, uint8_t *out, size_t room)
{
	const struct gtp_addr *dst;
	size_t iph_len, data_len, l4_len, total;
	uint8_t *icmp;
	uint16_t sum;

	if (ue->family == GTP_AF_INET) {
		dst = &cfg->target4;
		iph_len = PKT_IPV4_HLEN;
	} else if (ue->family == GTP_AF_INET6) {
		dst = &cfg->target6;
		iph_len = PKT_IPV6_HLEN;
	} else {
		return 0;
	}
	if (dst->family != ue->family)
		return 0;

	/* A payload shorter than magic + tag could not be recognised. */
	data_len = cfg->payload_len < PINGER_MIN_PAYLOAD ? PINGER_MIN_PAYLOAD : cfg->payload_len;
	l4_len = ICMP_HLEN + data_len;
	total = iph_len + l4_len;
	/* IPv4 total length and IPv6 payload length are 16-bit fields. */
	if ((ue->family == GTP_AF_INET ? total : l4_len) > UINT16_MAX)
		return 0;
	if (total > room)
		return 0;

	icmp = out + iph_len;
	icmp[0] = ue->family == GTP_AF_INET ? ICMP_ECHO_REQUEST : ICMP6_ECHO_REQUEST;
	icmp[1] = 0;
	icmp[2] = 0;
	icmp[3] = 0;
	icmp[4] = (uint8_t)(cfg->ident >> 8);
	icmp[5] = (uint8_t)cfg->ident;
	icmp[6] = (uint8_t)(seq >> 8);
	icmp[7] = (uint8_t)seq;
	memcpy(icmp + ICMP_HLEN, PINGER_MAGIC, PINGER_MAGIC_LEN);
	pinger_tag(cfg->key, ue, cfg->ident, seq, icmp + ICMP_HLEN + PINGER_MAGIC_LEN);
	memset(icmp + ICMP_HLEN + PINGER_MIN_PAYLOAD, 0, data_len - PINGER_MIN_PAYLOAD);

	if (ue->family == GTP_AF_INET) {
		/* The IPv4 identification follows the sequence: unique enough
		 * among our own probes, and never fragmented anyway. */
		pkt_build_ipv4(out, ue, dst, PKT_PROTO_ICMP, cfg->ttl, seq, (uint16_t)l4_len);
		sum = csum_fold(csum_partial(icmp, l4_len, 0));
	} else {
		pkt_build_ipv6(out, ue, dst, PKT_PROTO_ICMPV6, cfg->ttl, (uint16_t)l4_len);
		sum = csum_l4(ue, dst, PKT_PROTO_ICMPV6, icmp, l4_len);
	}
	memcpy(icmp + 2, &sum, sizeof(sum));
	return total;
}

bool pinger_is_reply(const struct pinger_config *cfg, const uint8_t *ip, size_t len,
		     uint16_t *seq)
{
	struct pkt_ip iph;
	const uint8_t *icmp;
	uint8_t tag[PINGER_TAG_LEN];
	uint16_t ident, rseq;

	if (pkt_parse_ip(ip, len, &iph) != PKT_OK)
		return false;
	/* Our probes are never fragmented, and a later fragment has no
	 * ICMP header to look at. */
	if (iph.is_fragment)
		return false;
	if (iph.family == GTP_AF_INET) {
		if (iph.proto != PKT_PROTO_ICMP)
			return false;
	} else if (iph.family == GTP_AF_INET6) {
		if (iph.proto != PKT_PROTO_ICMPV6)
			return false;
	} else {
		return false;
	}
	if (iph.l4_len < ICMP_HLEN + PINGER_MIN_PAYLOAD ||
	    (size_t)iph.l4_off + iph.l4_len > len)
		return false;

	icmp = ip + iph.l4_off;
	if (icmp[0] != (iph.family == GTP_AF_INET ? ICMP_ECHO_REPLY : ICMP6_ECHO_REPLY) ||
	    icmp[1] != 0)
		return false;
	ident = (uint16_t)(icmp[4] << 8 | icmp[5]);
	rseq = (uint16_t)(icmp[6] << 8 | icmp[7]);
	if (ident != cfg->ident)
		return false;
	if (memcmp(icmp + ICMP_HLEN, PINGER_MAGIC, PINGER_MAGIC_LEN) != 0)
		return false;
	pinger_tag(cfg->key, &iph.dst, ident, rseq, tag);
	if (memcmp(icmp + ICMP_HLEN + PINGER_MAGIC_LEN, tag, PINGER_TAG_LEN) != 0)
		return false;
	if (seq)
		*seq = rseq;
	return true;
}
