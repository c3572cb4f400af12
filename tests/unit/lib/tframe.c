/* Test frame builder, on the gtp library's builders. */
#include <assert.h>
#include <string.h>

#include "csum.h"
#include "gtp.h"
#include "tframe.h"

void tframe_default(struct tframe_spec *s)
{
	static const uint8_t a[6] = {2, 0, 0, 0, 0, 1}, b[6] = {2, 0, 0, 0, 0, 2};

	memset(s, 0, sizeof(*s));
	s->l2 = PKT_L2_ETH;
	memcpy(s->src_mac, a, 6);
	memcpy(s->dst_mac, b, 6);
	s->msg_type = GTP_MSG_GPDU;
	s->proto = PKT_PROTO_UDP;
	s->sport = 1000;
	s->dport = 2000;
	s->payload_len = 32;
}

struct gtp_addr tframe_addr(const char *text)
{
	struct gtp_addr a;
	int rc = gtp_addr_parse(text, &a);

	assert(rc == 0);
	(void)rc;
	return a;
}

/* Inner packet at out; returns its length. */
static size_t tframe_inner(uint8_t *out, const struct tframe_spec *s)
{
	struct gtp_addr src = tframe_addr(s->inner_src), dst = tframe_addr(s->inner_dst);
	size_t iph = src.family == GTP_AF_INET6 ? PKT_IPV6_HLEN : PKT_IPV4_HLEN;
	uint8_t *l4 = out + iph;
	size_t l4len;

	if (s->proto == PKT_PROTO_TCP) {
		l4len = 20 + s->payload_len;
		memset(l4, 0, 20);
		l4[0] = (uint8_t)(s->sport >> 8), l4[1] = (uint8_t)s->sport;
		l4[2] = (uint8_t)(s->dport >> 8), l4[3] = (uint8_t)s->dport;
		l4[12] = 5 << 4;
		l4[13] = 0x18;
		for (size_t i = 0; i < s->payload_len; i++)
			l4[20 + i] = (uint8_t)(i * 7);
		uint16_t c = csum_l4(&src, &dst, PKT_PROTO_TCP, l4, l4len);
		memcpy(l4 + 16, &c, 2);
	} else if (s->proto == PKT_PROTO_ICMP || s->proto == PKT_PROTO_ICMPV6) {
		l4len = 8 + s->payload_len;
		memset(l4, 0, 8);
		l4[0] = s->proto == PKT_PROTO_ICMP ? 8 : 128;
		l4[4] = 0x12, l4[5] = 0x34, l4[7] = 1;
		for (size_t i = 0; i < s->payload_len; i++)
			l4[8 + i] = (uint8_t)i;
		uint16_t c = s->proto == PKT_PROTO_ICMP ?
				     csum_fold(csum_partial(l4, l4len, 0)) :
				     csum_l4(&src, &dst, PKT_PROTO_ICMPV6, l4, l4len);
		memcpy(l4 + 2, &c, 2);
	} else {
		l4len = 8 + s->payload_len;
		for (size_t i = 0; i < s->payload_len; i++)
			l4[8 + i] = (uint8_t)(i * 3);
		pkt_build_udp(l4, &src, &dst, s->sport, s->dport, (uint16_t)s->payload_len, true);
	}
	pkt_build_ip(out, &src, &dst, s->proto, 64, 0x4242, (uint16_t)l4len);
	return iph + l4len;
}

size_t tframe_build(struct tframe *t, const struct tframe_spec *s)
{
	uint8_t inner[2048];
	size_t ilen = tframe_inner(inner, s);
	uint8_t *p = t->buf + TFRAME_HEADROOM;
	uint8_t fam;
	size_t l2len = 0, outer = 0;

	if (s->outer_src != NULL) {
		struct gtp_encap e;
		uint8_t ext[4];
		memset(&e, 0, sizeof(e));
		e.src = tframe_addr(s->outer_src);
		e.dst = tframe_addr(s->outer_dst);
		e.sport = GTPU_PORT;
		e.dport = GTPU_PORT;
		e.ttl = 64;
		e.udp_csum = true;
		e.gtp.msg_type = s->msg_type;
		e.gtp.teid = s->teid;
		if (s->with_qfi) {
			e.gtp.first_ext = GTP_EXT_PDU_SESSION;
			e.gtp.ext = ext;
			e.gtp.ext_len = gtp_ext_pdu_session(ext, s->pdu_type, s->qfi);
		}
		outer = gtp_encap_len(&e);
		fam = e.src.family;
		switch (s->l2) {
		case PKT_L2_ETH: l2len = PKT_ETH_HLEN; break;
		case PKT_L2_SLL: l2len = PKT_SLL_HLEN; break;
		case PKT_L2_SLL2: l2len = PKT_SLL2_HLEN; break;
		default: l2len = 0; break;
		}
		memcpy(p + l2len + outer, inner, ilen);
		size_t w = gtp_encap_write(p + l2len, &e, ilen);
		assert(w == outer);
		(void)w;
	} else {
		fam = tframe_addr(s->inner_src).family;
		l2len = s->l2 == PKT_L2_ETH ? PKT_ETH_HLEN : 0;
		memcpy(p + l2len, inner, ilen);
	}
	uint16_t et = fam == GTP_AF_INET6 ? PKT_ETHERTYPE_IPV6 : PKT_ETHERTYPE_IPV4;
	if (s->l2 == PKT_L2_ETH) {
		pkt_build_eth(p, s->dst_mac, s->src_mac, et);
	} else if (s->l2 == PKT_L2_SLL) {
		memset(p, 0, PKT_SLL_HLEN);
		p[1] = 0, p[3] = 1, p[5] = 6;
		memcpy(p + 6, s->src_mac, 6);
		p[14] = (uint8_t)(et >> 8), p[15] = (uint8_t)et;
	} else if (s->l2 == PKT_L2_SLL2) {
		memset(p, 0, PKT_SLL2_HLEN);
		p[0] = (uint8_t)(et >> 8), p[1] = (uint8_t)et;
		p[9] = 1, p[11] = 6;
		memcpy(p + 12, s->src_mac, 6);
	}
	t->f.buf = t->buf;
	t->f.off = TFRAME_HEADROOM;
	t->f.len = (uint32_t)(l2len + outer + ilen);
	t->f.cap = TFRAME_CAP;
	return t->f.len;
}

bool tframe_csum_ok(const uint8_t *ip, size_t len)
{
	struct pkt_ip h;

	if (pkt_parse_ip(ip, len, &h) != PKT_OK)
		return false;
	if (h.family == GTP_AF_INET && csum_fold(csum_partial(ip, h.hdr_len, 0)) != 0)
		return false;
	const uint8_t *l4 = ip + h.l4_off;
	if (h.proto == PKT_PROTO_UDP && h.family == GTP_AF_INET && l4[6] == 0 && l4[7] == 0)
		return true;
	if (h.proto == PKT_PROTO_ICMP)
		return csum_fold(csum_partial(l4, h.l4_len, 0)) == 0;
	if (h.proto == PKT_PROTO_UDP || h.proto == PKT_PROTO_TCP || h.proto == PKT_PROTO_ICMPV6)
		return csum_fold(csum_partial(l4, h.l4_len, csum_pseudo(&h.src, &h.dst, h.proto,
									h.l4_len))) == 0;
	return true;
}
