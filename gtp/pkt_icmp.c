/* ICMP "fragmentation needed" (IPv4) and "packet too big" (IPv6) for the
 * sender of a packet that does not fit the next link, built in place in
 * front of the packet, which becomes the error's quote. */
#include <string.h>

#include "csum.h"
#include "pkt.h"

/* The whole error stays within what every host takes (RFC 1812 4.3.2.3,
 * RFC 4443 2.4 (c)). */
#define PKT_ICMP4_ERR_MAX 576
#define PKT_ICMP6_ERR_MAX 1280

size_t pkt_icmp_too_big_hlen(uint8_t family)
{
	return (family == GTP_AF_INET6 ? PKT_IPV6_HLEN : PKT_IPV4_HLEN) + 8;
}

bool pkt_icmp_may_answer(const uint8_t *ip, const struct pkt_ip *iph)
{
	const uint8_t *l4 = ip + iph->l4_off;

	/* never about a later fragment, nor about an ICMP error */
	if (!iph->first_fragment)
		return false;
	if (iph->proto == PKT_PROTO_ICMP && iph->family == GTP_AF_INET)
		return iph->l4_len >= 1 && (l4[0] == 0 || l4[0] == 8 || l4[0] == 13 ||
					    l4[0] == 14);
	if (iph->proto == PKT_PROTO_ICMPV6 && iph->family == GTP_AF_INET6)
		return iph->l4_len >= 1 && l4[0] >= 128;
	return true;
}

size_t pkt_icmp_too_big(uint8_t *ip, const struct pkt_ip *iph, const struct gtp_addr *from,
			uint16_t mtu, uint8_t ttl, uint16_t ip_id)
{
	bool v6 = iph->family == GTP_AF_INET6;
	size_t hlen = pkt_icmp_too_big_hlen(iph->family);
	size_t max = v6 ? PKT_ICMP6_ERR_MAX : PKT_ICMP4_ERR_MAX;
	size_t quote = iph->tot_len < max - hlen ? iph->tot_len : max - hlen;
	uint8_t *out = ip - hlen, *icmp = out + hlen - 8;
	struct gtp_addr to = iph->src;
	uint16_t c;

	if (from->family != iph->family)
		return 0;
	/* the quote is already in place, right behind the headers */
	memset(icmp, 0, 8);
	if (v6) {
		icmp[0] = 2; /* packet too big */
		icmp[6] = (uint8_t)(mtu >> 8);
		icmp[7] = (uint8_t)mtu;
		pkt_build_ipv6(out, from, &to, PKT_PROTO_ICMPV6, ttl, (uint16_t)(8 + quote));
	} else {
		icmp[0] = 3; /* destination unreachable */
		icmp[1] = 4; /* fragmentation needed and DF set */
		icmp[6] = (uint8_t)(mtu >> 8);
		icmp[7] = (uint8_t)mtu;
		pkt_build_ipv4(out, from, &to, PKT_PROTO_ICMP, ttl, ip_id, (uint16_t)(8 + quote));
	}
	c = csum_l4(from, &to, v6 ? PKT_PROTO_ICMPV6 : PKT_PROTO_ICMP, icmp, 8 + quote);
	memcpy(icmp + 2, &c, 2);
	return hlen + quote;
}
