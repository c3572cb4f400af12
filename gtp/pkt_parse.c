/* Bounds-checked parsing of link, IPv4/IPv6 and UDP headers. Every read is
 * preceded by a length check; no length field is trusted before it has been
 * compared with the bytes actually there. */
#include <string.h>

#include "pkt.h"

#define IPV6_NH_HOPOPTS 0
#define IPV6_NH_ROUTING 43
#define IPV6_NH_FRAGMENT 44
#define IPV6_NH_AH 51
#define IPV6_NH_NONE 59
#define IPV6_NH_DSTOPTS 60

#define IPV4_MF 0x2000
#define IPV4_OFFMASK 0x1fff

#define PKT_MAX_VLAN 2

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

const char *pkt_strerror(enum pkt_err err)
{
	switch (err) {
	case PKT_OK:
		return "ok";
	case PKT_ERR_TRUNC:
		return "truncated";
	case PKT_ERR_VERSION:
		return "bad IP version";
	case PKT_ERR_HDRLEN:
		return "bad IP header length";
	case PKT_ERR_TOTLEN:
		return "bad IP total length";
	case PKT_ERR_EXTHDR:
		return "bad IPv6 extension header";
	case PKT_ERR_UDPLEN:
		return "bad UDP length";
	case PKT_ERR__COUNT:
		break;
	}
	return "unknown error";
}

/* Cross up to two 802.1Q/802.1ad tags; *off points at an ethertype field. */
static enum pkt_err l2_walk_vlan(const uint8_t *frame, size_t len, size_t off,
				 struct pkt_l2 *out)
{
	uint16_t type = rd16(frame + off);

	while ((type == PKT_ETHERTYPE_VLAN || type == PKT_ETHERTYPE_QINQ) &&
	       out->vlan_count < PKT_MAX_VLAN) {
		/* tag: TCI(2) then the next ethertype(2) */
		if (len < off + 6)
			return PKT_ERR_TRUNC;
		off += 4;
		type = rd16(frame + off);
		out->vlan_count++;
	}
	out->ethertype = type;
	out->proto_off = (uint16_t)off;
	out->l3_off = (uint16_t)(off + 2);
	return PKT_OK;
}

enum pkt_err pkt_parse_l2(const uint8_t *frame, size_t len, enum pkt_l2_type type,
			  struct pkt_l2 *out)
{
	memset(out, 0, sizeof(*out));
	switch (type) {
	case PKT_L2_ETH:
		if (len < PKT_ETH_HLEN)
			return PKT_ERR_TRUNC;
		return l2_walk_vlan(frame, len, 12, out);
	case PKT_L2_SLL:
		/* packet type, ARPHRD, addr len, addr[8], protocol */
		if (len < PKT_SLL_HLEN)
			return PKT_ERR_TRUNC;
		return l2_walk_vlan(frame, len, 14, out);
	case PKT_L2_SLL2:
		/* protocol, reserved, ifindex, ARPHRD, type, addr len, addr[8] */
		if (len < PKT_SLL2_HLEN)
			return PKT_ERR_TRUNC;
		out->ethertype = rd16(frame);
		out->proto_off = 0;
		out->l3_off = PKT_SLL2_HLEN;
		/* A tag would sit after the header, not at the protocol field. */
		if (out->ethertype == PKT_ETHERTYPE_VLAN || out->ethertype == PKT_ETHERTYPE_QINQ) {
			if (len < PKT_SLL2_HLEN + 4)
				return PKT_ERR_TRUNC;
			out->vlan_count = 1;
			out->proto_off = PKT_SLL2_HLEN + 2;
			out->l3_off = PKT_SLL2_HLEN + 4;
			out->ethertype = rd16(frame + out->proto_off);
		}
		return PKT_OK;
	case PKT_L2_RAW:
		if (len < 1)
			return PKT_ERR_TRUNC;
		out->l3_off = 0;
		out->proto_off = 0xffff;
		switch (frame[0] >> 4) {
		case 4:
			out->ethertype = PKT_ETHERTYPE_IPV4;
			break;
		case 6:
			out->ethertype = PKT_ETHERTYPE_IPV6;
			break;
		default:
			out->ethertype = 0;
			break;
		}
		return PKT_OK;
	}
	return PKT_ERR_TRUNC;
}

static enum pkt_err parse_ipv4(const uint8_t *ip, size_t len, struct pkt_ip *out)
{
	size_t hlen, tot;
	uint16_t frag;

	if (len < PKT_IPV4_HLEN)
		return PKT_ERR_TRUNC;
	hlen = (size_t)(ip[0] & 0x0f) * 4;
	if (hlen < PKT_IPV4_HLEN || hlen > len)
		return PKT_ERR_HDRLEN;
	tot = rd16(ip + 2);
	if (tot < hlen || tot > len)
		return PKT_ERR_TOTLEN;
	frag = rd16(ip + 6);

	out->family = GTP_AF_INET;
	out->ttl = ip[8];
	out->proto = ip[9];
	out->has_options = hlen > PKT_IPV4_HLEN;
	out->is_fragment = (frag & (IPV4_MF | IPV4_OFFMASK)) != 0;
	out->first_fragment = (frag & IPV4_OFFMASK) == 0;
	out->hdr_len = (uint16_t)hlen;
	out->tot_len = (uint16_t)tot;
	gtp_addr_set4(&out->src, ip + 12);
	gtp_addr_set4(&out->dst, ip + 16);
	return PKT_OK;
}

/* Walk the extension headers from off (just past the fixed header) up to
 * tot; leaves the upper-layer protocol and its offset in out. */
static enum pkt_err ipv6_walk_ext(const uint8_t *ip, size_t tot, uint8_t nh,
				  struct pkt_ip *out)
{
	size_t off = PKT_IPV6_HLEN, elen;

	for (;;) {
		switch (nh) {
		case IPV6_NH_HOPOPTS:
		case IPV6_NH_ROUTING:
		case IPV6_NH_DSTOPTS:
			if (off + 2 > tot)
				return PKT_ERR_EXTHDR;
			elen = ((size_t)ip[off + 1] + 1) * 8;
			break;
		case IPV6_NH_AH:
			if (off + 2 > tot)
				return PKT_ERR_EXTHDR;
			elen = ((size_t)ip[off + 1] + 2) * 4;
			break;
		case IPV6_NH_FRAGMENT:
			elen = 8;
			if (off + elen > tot)
				return PKT_ERR_EXTHDR;
			out->is_fragment = true;
			/* offset (13 bits) | res(2) | M */
			if ((rd16(ip + off + 2) & 0xfff8) != 0) {
				/* A later fragment carries no upper-layer
				 * header: what follows is payload. */
				out->first_fragment = false;
				out->proto = ip[off];
				out->hdr_len = (uint16_t)(off + elen);
				return PKT_OK;
			}
			break;
		default: /* upper layer, or 59 no next header */
			out->proto = nh;
			out->hdr_len = (uint16_t)off;
			return PKT_OK;
		}
		if (off + elen > tot)
			return PKT_ERR_EXTHDR;
		nh = ip[off];
		off += elen;
	}
}

static enum pkt_err parse_ipv6(const uint8_t *ip, size_t len, struct pkt_ip *out)
{
	size_t tot;
	enum pkt_err err;

	if (len < PKT_IPV6_HLEN)
		return PKT_ERR_TRUNC;
	tot = PKT_IPV6_HLEN + (size_t)rd16(ip + 4);
	/* tot_len is 16 bits: a payload over 65495 octets cannot be told. */
	if (tot > len || tot > UINT16_MAX)
		return PKT_ERR_TOTLEN;

	out->family = GTP_AF_INET6;
	out->ttl = ip[7];
	out->first_fragment = true;
	out->tot_len = (uint16_t)tot;
	gtp_addr_set6(&out->src, ip + 8);
	gtp_addr_set6(&out->dst, ip + 24);
	err = ipv6_walk_ext(ip, tot, ip[6], out);
	if (err != PKT_OK)
		return err;
	out->has_options = out->hdr_len > PKT_IPV6_HLEN;
	return PKT_OK;
}

enum pkt_err pkt_parse_ip(const uint8_t *ip, size_t len, struct pkt_ip *out)
{
	enum pkt_err err;

	memset(out, 0, sizeof(*out));
	if (len < 1)
		return PKT_ERR_TRUNC;
	switch (ip[0] >> 4) {
	case 4:
		err = parse_ipv4(ip, len, out);
		break;
	case 6:
		err = parse_ipv6(ip, len, out);
		break;
	default:
		return PKT_ERR_VERSION;
	}
	if (err != PKT_OK)
		return err;
	out->l4_off = out->hdr_len;
	out->l4_len = (uint16_t)(out->tot_len - out->hdr_len);
	return PKT_OK;
}

enum pkt_err pkt_parse_udp(const uint8_t *ip, const struct pkt_ip *iph, struct pkt_udp *out)
{
	const uint8_t *udp = ip + iph->l4_off;
	uint16_t ulen;

	memset(out, 0, sizeof(*out));
	/* A later fragment has no UDP header in it. */
	if (!iph->first_fragment || iph->l4_len < PKT_UDP_HLEN)
		return PKT_ERR_TRUNC;
	ulen = rd16(udp + 4);
	if (ulen < PKT_UDP_HLEN || ulen > iph->l4_len)
		return PKT_ERR_UDPLEN;
	out->sport = rd16(udp);
	out->dport = rd16(udp + 2);
	out->len = ulen;
	out->payload_off = (uint16_t)(iph->l4_off + PKT_UDP_HLEN);
	out->payload_len = (uint16_t)(ulen - PKT_UDP_HLEN);
	return PKT_OK;
}
