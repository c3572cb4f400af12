/* Address NAT with incremental checksum updates (RFC 1624), including the
 * packet an ICMP error quotes. */
#include <string.h>

#include "csum.h"
#include "pkt.h"

#define IPV4_CSUM_OFF 10
#define IPV4_SRC_OFF 12
#define IPV4_DST_OFF 16
#define IPV6_SRC_OFF 8
#define IPV6_DST_OFF 24

/* Offset of the checksum inside the transport header whose checksum covers
 * the pseudo-header, or -1 when the address is not covered (ICMPv4, other
 * protocols). */
static int l4_csum_off(uint8_t family, uint8_t proto)
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

/* With a routing header still to be processed (segments left > 0) the
 * pseudo-header holds the final destination from that header, not the
 * destination field (RFC 8200 8.1): rewriting the field leaves the transport
 * checksum as it is. The chain was validated by pkt_parse_ip. */
static bool ipv6_dst_in_pseudo(const uint8_t *ip, const struct pkt_ip *iph)
{
	size_t off = PKT_IPV6_HLEN;
	uint8_t nh = ip[6];

	while (off + 4 <= iph->hdr_len) {
		switch (nh) {
		case 43:
			if (ip[off + 3] != 0)
				return false;
			/* fall through */
		case 0:
		case 60:
			nh = ip[off];
			off += ((size_t)ip[off + 1] + 1) * 8;
			break;
		case 51:
			nh = ip[off];
			off += ((size_t)ip[off + 1] + 2) * 4;
			break;
		case 44:
			nh = ip[off];
			off += 8;
			break;
		default:
			return true;
		}
	}
	return true;
}

static void l4_csum_patch(uint8_t *ip, const struct pkt_ip *iph, const uint8_t *old_addr,
			  const uint8_t *new_addr, size_t alen)
{
	int off = l4_csum_off(iph->family, iph->proto);
	size_t at;
	uint16_t c;

	/* Later fragments hold no transport header. */
	if (off < 0 || !iph->first_fragment)
		return;
	at = (size_t)iph->l4_off + (size_t)off;
	if (at + 2 > iph->tot_len)
		return;
	memcpy(&c, ip + at, 2);
	/* A zero UDP checksum means "none": it stays zero. */
	if (iph->proto == PKT_PROTO_UDP && c == 0)
		return;
	c = csum_update_buf(c, old_addr, new_addr, alen);
	/* A computed zero is sent as all ones in UDP (RFC 768). */
	if (iph->proto == PKT_PROTO_UDP && c == 0)
		c = 0xffff;
	memcpy(ip + at, &c, 2);
}

/* ICMP messages that quote the packet that caused them (RFC 792, 4443). */
static bool icmp_is_error(uint8_t family, uint8_t type)
{
	if (family == GTP_AF_INET6)
		return type >= 1 && type <= 4;
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* Write n bytes (n even, at an even offset of the message) and keep the
 * message's checksum at *csum right. */
static void icmp_patch(uint8_t *at, const void *val, size_t n, uint8_t *csum)
{
	uint16_t c;

	memcpy(&c, csum, 2);
	c = csum_update_buf(c, at, val, n);
	memcpy(at, val, n);
	memcpy(csum, &c, 2);
}

/* Where the quoted transport header keeps a checksum over the addresses,
 * or -1 (none, or not in the quote). */
static int quote_l4_csum_off(uint8_t family, uint8_t proto, const uint8_t *l4, size_t avail)
{
	int off = l4_csum_off(family, proto);

	if (off < 0 || (size_t)off + 2 > avail)
		return -1;
	if (proto == PKT_PROTO_UDP && l4[6] == 0 && l4[7] == 0)
		return -1; /* no checksum: stays so */
	return off;
}

/* NAT inside an ICMP error: the quoted packet went the other way, so when
 * the error's source changes from old to new (the app's reply, SNAT) its
 * destination changes too, and the reverse for DNAT. The quoted IPv4
 * header's checksum and the quoted transport checksum (when quoted) follow,
 * and every change is folded into the ICMP checksum. Without this the
 * sender's stack cannot match the error to its socket (path MTU discovery,
 * port unreachable). */
static void nat_icmp_quote(uint8_t *ip, const struct pkt_ip *iph, int which,
			   const uint8_t *old_addr, const uint8_t *new_addr, size_t alen)
{
	bool v6 = iph->family == GTP_AF_INET6;
	uint8_t *icmp = ip + iph->l4_off, *q = icmp + 8, *csum = icmp + 2;
	size_t qlen, qhl;
	uint8_t qproto;
	size_t aoff;

	if (iph->proto != (v6 ? PKT_PROTO_ICMPV6 : PKT_PROTO_ICMP) || !iph->first_fragment ||
	    iph->l4_len < 8 || !icmp_is_error(iph->family, icmp[0]))
		return;
	qlen = iph->l4_len - 8u;
	if (v6) {
		if (qlen < PKT_IPV6_HLEN || (q[0] >> 4) != 6)
			return;
		qhl = PKT_IPV6_HLEN;
		qproto = q[6]; /* extension headers: the transport is not patched */
		aoff = which == PKT_NAT_SRC ? IPV6_DST_OFF : IPV6_SRC_OFF;
	} else {
		if (qlen < PKT_IPV4_HLEN || (q[0] >> 4) != 4)
			return;
		qhl = (size_t)(q[0] & 0x0f) * 4;
		if (qhl < PKT_IPV4_HLEN || qhl > qlen)
			return;
		qproto = q[9];
		if ((((size_t)q[6] & 0x1f) << 8 | q[7]) != 0)
			qproto = 0; /* a later fragment: no transport header */
		aoff = which == PKT_NAT_SRC ? IPV4_DST_OFF : IPV4_SRC_OFF;
	}
	if (memcmp(q + aoff, old_addr, alen) != 0)
		return; /* quotes a packet we did not translate */

	int toff = quote_l4_csum_off(iph->family, qproto, q + qhl, qlen - qhl);
	uint16_t c;

	if (toff >= 0) {
		memcpy(&c, q + qhl + toff, 2);
		c = csum_update_buf(c, old_addr, new_addr, alen);
		if (qproto == PKT_PROTO_UDP && c == 0)
			c = 0xffff;
		icmp_patch(q + qhl + toff, &c, 2, csum);
	}
	if (!v6) {
		memcpy(&c, q + IPV4_CSUM_OFF, 2);
		c = csum_update_buf(c, old_addr, new_addr, alen);
		icmp_patch(q + IPV4_CSUM_OFF, &c, 2, csum);
	}
	icmp_patch(q + aoff, new_addr, alen, csum);
}

int pkt_nat_rewrite(uint8_t *ip, struct pkt_ip *iph, int which, const struct gtp_addr *addr)
{
	uint8_t old_addr[16];
	size_t alen, at;
	uint16_t c;

	if (addr->family != iph->family ||
	    (iph->family != GTP_AF_INET && iph->family != GTP_AF_INET6))
		return -1;
	alen = gtp_addr_len(addr);
	if (iph->family == GTP_AF_INET)
		at = which == PKT_NAT_SRC ? IPV4_SRC_OFF : IPV4_DST_OFF;
	else
		at = which == PKT_NAT_SRC ? IPV6_SRC_OFF : IPV6_DST_OFF;

	memcpy(old_addr, ip + at, alen);
	memcpy(ip + at, addr->b, alen);
	if (iph->family == GTP_AF_INET) {
		memcpy(&c, ip + IPV4_CSUM_OFF, 2);
		c = csum_update_buf(c, old_addr, addr->b, alen);
		memcpy(ip + IPV4_CSUM_OFF, &c, 2);
	}
	if (!(iph->family == GTP_AF_INET6 && which == PKT_NAT_DST && iph->has_options &&
	      !ipv6_dst_in_pseudo(ip, iph)))
		l4_csum_patch(ip, iph, old_addr, addr->b, alen);
	nat_icmp_quote(ip, iph, which, old_addr, addr->b, alen);

	if (which == PKT_NAT_SRC)
		iph->src = *addr;
	else
		iph->dst = *addr;
	return 0;
}
