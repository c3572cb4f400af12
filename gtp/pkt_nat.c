/* Address NAT with incremental checksum updates (RFC 1624). */
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

	if (which == PKT_NAT_SRC)
		iph->src = *addr;
	else
		iph->dst = *addr;
	return 0;
}
