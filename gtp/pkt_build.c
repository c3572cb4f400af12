/* Builders for the Ethernet, IPv4/IPv6 and UDP headers the appliance
 * injects, and MAC address text parsing. */
#include <string.h>

#include "csum.h"
#include "pkt.h"

/* A TTL/hop limit of 0 from a caller that left it unset. */
#define PKT_DEFAULT_TTL 64

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

size_t pkt_build_ipv4(uint8_t *out, const struct gtp_addr *src, const struct gtp_addr *dst,
		      uint8_t proto, uint8_t ttl, uint16_t id, uint16_t payload_len)
{
	uint16_t c;

	out[0] = 0x45;  /* version 4, IHL 5 */
	out[1] = 0;     /* DSCP/ECN */
	wr16(out + 2, (uint16_t)(PKT_IPV4_HLEN + payload_len));
	wr16(out + 4, id);
	wr16(out + 6, 0); /* no DF: let the path fragment an outer packet */
	out[8] = ttl ? ttl : PKT_DEFAULT_TTL;
	out[9] = proto;
	out[10] = out[11] = 0;
	memcpy(out + 12, src->b, 4);
	memcpy(out + 16, dst->b, 4);
	c = csum_ipv4_hdr(out, PKT_IPV4_HLEN);
	memcpy(out + 10, &c, 2);
	return PKT_IPV4_HLEN;
}

size_t pkt_build_ipv6(uint8_t *out, const struct gtp_addr *src, const struct gtp_addr *dst,
		      uint8_t proto, uint8_t hop_limit, uint16_t payload_len)
{
	out[0] = 0x60; /* version 6, traffic class 0, flow label 0 */
	out[1] = out[2] = out[3] = 0;
	wr16(out + 4, payload_len);
	out[6] = proto;
	out[7] = hop_limit ? hop_limit : PKT_DEFAULT_TTL;
	memcpy(out + 8, src->b, 16);
	memcpy(out + 24, dst->b, 16);
	return PKT_IPV6_HLEN;
}

size_t pkt_build_ip(uint8_t *out, const struct gtp_addr *src, const struct gtp_addr *dst,
		    uint8_t proto, uint8_t ttl, uint16_t id, uint16_t payload_len)
{
	if (src->family == GTP_AF_INET6)
		return pkt_build_ipv6(out, src, dst, proto, ttl, payload_len);
	return pkt_build_ipv4(out, src, dst, proto, ttl, id, payload_len);
}

size_t pkt_build_udp(uint8_t *out, const struct gtp_addr *src, const struct gtp_addr *dst,
		     uint16_t sport, uint16_t dport, uint16_t payload_len, bool csum)
{
	uint16_t ulen = (uint16_t)(PKT_UDP_HLEN + payload_len);
	uint16_t c;

	wr16(out, sport);
	wr16(out + 2, dport);
	wr16(out + 4, ulen);
	out[6] = out[7] = 0;
	/* IPv6 forbids a zero UDP checksum (RFC 8200 8.1). */
	if (csum || src->family == GTP_AF_INET6) {
		c = csum_l4(src, dst, PKT_PROTO_UDP, out, ulen);
		if (c == 0)
			c = 0xffff;
		memcpy(out + 6, &c, 2);
	}
	return PKT_UDP_HLEN;
}

size_t pkt_build_eth(uint8_t *out, const uint8_t dst[6], const uint8_t src[6], uint16_t ethertype)
{
	memcpy(out, dst, 6);
	memcpy(out + 6, src, 6);
	wr16(out + 12, ethertype);
	return PKT_ETH_HLEN;
}

static int hex_val(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int pkt_mac_parse(const char *text, uint8_t mac[6])
{
	uint8_t b[6];
	int hi, lo;

	if (text == NULL)
		return -1;
	for (int i = 0; i < 6; i++) {
		const char *p = text + i * 3;

		hi = hex_val(p[0]);
		if (hi < 0)
			return -1;
		lo = hex_val(p[1]);
		if (lo < 0)
			return -1;
		if (p[2] != (i == 5 ? '\0' : ':'))
			return -1;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, b, 6);
	return 0;
}
