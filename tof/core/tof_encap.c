/* In-place GTP-U encapsulation with a learned link header. */
#include <string.h>

#include <arpa/inet.h>

#include "csum.h"
#include "gtp.h"
#include "tof_encap.h"

uint32_t tof_l2_len(enum pkt_l2_type type, const struct tof_l2_tmpl *tmpl)
{
	if (tmpl != NULL && tmpl->len > 0)
		return tmpl->len;
	switch (type) {
	case PKT_L2_ETH:
		return PKT_ETH_HLEN;
	case PKT_L2_SLL:
		return PKT_SLL_HLEN;
	case PKT_L2_SLL2:
		return PKT_SLL2_HLEN;
	default:
		return 0;
	}
}

static void tof_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

uint32_t tof_l2_write(uint8_t *out, enum pkt_l2_type type, const struct tof_l2_tmpl *tmpl,
		      bool swap_macs, uint8_t family)
{
	uint16_t et = family == GTP_AF_INET6 ? PKT_ETHERTYPE_IPV6 : PKT_ETHERTYPE_IPV4;
	uint32_t len = tof_l2_len(type, tmpl);

	if (type == PKT_L2_RAW)
		return 0;
	if (tmpl != NULL && tmpl->len > 0) {
		memcpy(out, tmpl->bytes, tmpl->len);
		tof_put16(out + tmpl->proto_off, et);
		if (swap_macs && type == PKT_L2_ETH) {
			uint8_t tmp[6];
			memcpy(tmp, out, 6);
			memcpy(out, out + 6, 6);
			memcpy(out + 6, tmp, 6);
		}
		return len;
	}
	/* Nothing learned: a neutral header of the port's type. */
	memset(out, 0, len);
	if (type == PKT_L2_ETH) {
		memset(out, 0xff, 6);
		tof_put16(out + 12, et);
	} else if (type == PKT_L2_SLL) {
		tof_put16(out, 4);      /* sent by us */
		tof_put16(out + 2, 1);  /* ARPHRD_ETHER */
		tof_put16(out + 4, 6);
		tof_put16(out + 14, et);
	} else if (type == PKT_L2_SLL2) {
		tof_put16(out, et);
		tof_put16(out + 8, 1);
		out[10] = 4;
		out[11] = 6;
	}
	return len;
}

/* The outer headers' description (ext: room for the extension header). */
static void tof_encap_fill(struct gtp_encap *e, uint8_t ext[4], const struct tof_encap_params *p)
{
	memset(e, 0, sizeof(*e));
	e->src = p->src;
	e->dst = p->dst;
	e->sport = GTPU_PORT;
	e->dport = GTPU_PORT;
	e->ttl = p->ttl;
	e->ip_id = p->ip_id;
	e->udp_csum = false; /* IPv4: zero is allowed and what GTP-U peers send */
	e->gtp.msg_type = GTP_MSG_GPDU;
	e->gtp.teid = p->teid;
	if (p->with_qfi) {
		e->gtp.first_ext = GTP_EXT_PDU_SESSION;
		e->gtp.ext = ext;
		e->gtp.ext_len = gtp_ext_pdu_session(ext, p->pdu_type, p->qfi);
	}
}

uint32_t tof_encap_outer_len(const struct tof_encap_params *p)
{
	uint8_t ext[4];
	struct gtp_encap e;

	tof_encap_fill(&e, ext, p);
	return (uint32_t)gtp_encap_len(&e);
}

enum tof_reason tof_encap_prepend(struct tof_frame *f, const struct tof_encap_params *p)
{
	uint8_t ext[4];
	struct gtp_encap e;

	tof_encap_fill(&e, ext, p);
	uint32_t outer = (uint32_t)gtp_encap_len(&e);
	uint32_t l2 = tof_l2_len(p->l2_type, p->l2);
	if (outer + f->len > p->mtu)
		return TOF_R_APPS_TOO_BIG;
	if (f->off < outer + l2)
		return TOF_R_NO_HEADROOM;
	uint8_t *ip = f->buf + f->off - outer;
	if (gtp_encap_write(ip, &e, f->len) == 0)
		return TOF_R_APPS_TOO_BIG;
	tof_l2_write(ip - l2, p->l2_type, p->l2, p->swap_macs, p->dst.family);
	f->off -= outer + l2;
	f->len += outer + l2;
	return TOF_R__COUNT;
}

static uint16_t tof_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

enum tof_reason tof_encap_hot(struct tof_frame *f, const struct tof_sess_hot *h,
			      enum pkt_l2_type l2_type, uint16_t ip_id, uint16_t mtu)
{
	const struct tof_encap_tmpl *o = &h->outer;
	uint32_t outer = o->len, l2 = tof_l2_len(l2_type, &h->l2), plen = f->len;

	if (outer + plen > mtu)
		return TOF_R_APPS_TOO_BIG;
	if (f->off < outer + l2)
		return TOF_R_NO_HEADROOM;
	uint8_t *ip = f->buf + f->off - outer;
	memcpy(ip, o->bytes, outer);
	uint8_t *gtp = ip + o->gtp_off;
	tof_put16(gtp + 2, (uint16_t)(tof_get16(gtp + 2) + plen));
	if (o->family == GTP_AF_INET) {
		uint8_t *udp = ip + PKT_IPV4_HLEN;
		uint16_t tot = (uint16_t)(outer + plen), c;
		tof_put16(udp + 4, (uint16_t)(tof_get16(udp + 4) + plen));
		/* The template's checksum was for length `outer`, id 0. */
		memcpy(&c, ip + 10, 2);
		c = csum_update16(c, htons((uint16_t)outer), htons(tot));
		c = csum_update16(c, 0, htons(ip_id));
		tof_put16(ip + 2, tot);
		tof_put16(ip + 4, ip_id);
		memcpy(ip + 10, &c, 2);
	} else {
		/* IPv6 wants the UDP checksum, over everything. */
		struct gtp_addr src, dst;
		uint8_t *udp = ip + PKT_IPV6_HLEN;
		uint16_t ulen = (uint16_t)(tof_get16(udp + 4) + plen), c;
		gtp_addr_set6(&src, ip + 8);
		gtp_addr_set6(&dst, ip + 24);
		tof_put16(ip + 4, ulen);
		tof_put16(udp + 4, ulen);
		udp[6] = udp[7] = 0;
		c = csum_l4(&src, &dst, PKT_PROTO_UDP, udp, ulen);
		if (c == 0)
			c = 0xffff;
		memcpy(udp + 6, &c, 2);
	}
	tof_l2_write(ip - l2, l2_type, &h->l2, o->l2_swap, o->family);
	f->off -= outer + l2;
	f->len += outer + l2;
	return TOF_R__COUNT;
}
