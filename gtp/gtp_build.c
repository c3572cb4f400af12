/* GTPv1-U builders: the header, the PDU Session Container, the outer
 * IP/UDP/GTP encapsulation and the path-management messages. */
#include <string.h>

#include "gtp.h"
#include "pkt.h"

#define GTP_MAX_LENGTH 0xffff

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool build_has_ext(const struct gtp_build *b)
{
	return b->ext != NULL && b->ext_len > 0;
}

size_t gtp_hdr_len(const struct gtp_build *b)
{
	size_t len = GTP_HDR_LEN;

	if (b->with_seq || build_has_ext(b))
		len += GTP_OPT_LEN;
	if (build_has_ext(b))
		len += b->ext_len;
	return len;
}

size_t gtp_build_hdr(uint8_t *out, size_t room, const struct gtp_build *b, size_t payload_len)
{
	size_t hlen = gtp_hdr_len(b);
	uint8_t flags = GTP_VERSION_1 | GTP_FLAG_PT;

	if (hlen > room || hlen - GTP_HDR_LEN + payload_len > GTP_MAX_LENGTH)
		return 0;
	if (b->with_seq)
		flags |= GTP_FLAG_S;
	if (build_has_ext(b))
		flags |= GTP_FLAG_E;
	out[0] = flags;
	out[1] = b->msg_type;
	wr16(out + 2, (uint16_t)(hlen - GTP_HDR_LEN + payload_len));
	wr32(out + 4, b->teid);
	if (hlen > GTP_HDR_LEN) {
		/* Absent fields are sent as zero (TS 29.281 5.1). */
		wr16(out + 8, b->with_seq ? b->seq : 0);
		out[10] = 0;
		out[11] = build_has_ext(b) ? b->first_ext : GTP_EXT_NONE;
	}
	if (build_has_ext(b))
		memcpy(out + GTP_HDR_LEN + GTP_OPT_LEN, b->ext, b->ext_len);
	return hlen;
}

size_t gtp_ext_pdu_session(uint8_t out[4], uint8_t pdu_type, uint8_t qfi)
{
	out[0] = 1;                          /* 4 octets */
	out[1] = (uint8_t)(pdu_type << 4);   /* PDU type | spare / flags */
	out[2] = qfi & 0x3f;                 /* PPP=0 RQI=0 | QFI */
	out[3] = GTP_EXT_NONE;
	return 4;
}

static size_t ip_hdr_len(const struct gtp_addr *a)
{
	return a->family == GTP_AF_INET6 ? PKT_IPV6_HLEN : PKT_IPV4_HLEN;
}

size_t gtp_encap_len(const struct gtp_encap *e)
{
	return ip_hdr_len(&e->src) + PKT_UDP_HLEN + gtp_hdr_len(&e->gtp);
}

size_t gtp_encap_write(uint8_t *out, const struct gtp_encap *e, size_t payload_len)
{
	size_t hlen = gtp_encap_len(e);
	size_t iplen = ip_hdr_len(&e->src);
	size_t ghlen = gtp_hdr_len(&e->gtp);
	size_t udp_payload = ghlen + payload_len;

	if (e->src.family != e->dst.family ||
	    (e->src.family != GTP_AF_INET && e->src.family != GTP_AF_INET6))
		return 0;
	if (hlen + payload_len > 0xffff)
		return 0;
	gtp_build_hdr(out + iplen + PKT_UDP_HLEN, ghlen, &e->gtp, payload_len);
	/* The UDP checksum covers the GTP header: it goes second. */
	pkt_build_udp(out + iplen, &e->src, &e->dst, e->sport, e->dport,
		      (uint16_t)udp_payload, e->udp_csum);
	pkt_build_ip(out, &e->src, &e->dst, PKT_PROTO_UDP, e->ttl, e->ip_id,
		     (uint16_t)(PKT_UDP_HLEN + udp_payload));
	return hlen;
}

size_t gtp_build_echo(uint8_t *out, size_t room, uint8_t msg_type, uint16_t seq,
		      uint8_t recovery)
{
	struct gtp_build b = { .msg_type = msg_type, .teid = 0, .with_seq = true, .seq = seq };
	/* TS 29.281 7.2: the Response carries Recovery, the Request nothing. */
	size_t ie_len = msg_type == GTP_MSG_ECHO_RSP ? 2 : 0;
	size_t hlen;

	hlen = gtp_build_hdr(out, room, &b, ie_len);
	if (hlen == 0 || hlen + ie_len > room)
		return 0;
	if (ie_len) {
		out[hlen] = GTP_IE_RECOVERY;
		out[hlen + 1] = recovery;
	}
	return hlen + ie_len;
}

size_t gtp_build_end_marker(uint8_t *out, size_t room, uint32_t teid)
{
	struct gtp_build b = { .msg_type = GTP_MSG_END_MARKER, .teid = teid };

	return gtp_build_hdr(out, room, &b, 0);
}

size_t gtp_build_error_ind(uint8_t *out, size_t room, uint32_t teid_data,
			   const struct gtp_addr *gsn, uint16_t seq)
{
	struct gtp_build b = { .msg_type = GTP_MSG_ERROR_IND, .teid = 0, .with_seq = true,
			       .seq = seq };
	size_t alen, ie_len, hlen;
	uint8_t *ie;

	if (gsn->family != GTP_AF_INET && gsn->family != GTP_AF_INET6)
		return 0;
	alen = gtp_addr_len(gsn);
	ie_len = 5 + 3 + alen; /* TEID Data I (TV) + GSN Address (TLV) */
	hlen = gtp_build_hdr(out, room, &b, ie_len);
	if (hlen == 0 || hlen + ie_len > room)
		return 0;
	ie = out + hlen;
	ie[0] = GTP_IE_TEID_DATA_I;
	wr32(ie + 1, teid_data);
	ie[5] = GTP_IE_GSN_ADDRESS;
	wr16(ie + 6, (uint16_t)alen);
	memcpy(ie + 8, gsn->b, alen);
	return hlen + ie_len;
}
