/* Internet checksum (RFC 1071) and its incremental update (RFC 1624).
 *
 * The ones-complement sum does not depend on byte order (RFC 1071 2.(B)),
 * so words are summed as they sit in memory and every 16-bit value taken or
 * returned here is in network byte order, ready to be copied into a packet.
 * Numbers that are not packet bytes (protocol, length) are converted with
 * htons() before they join the sum. */
#include <arpa/inet.h>
#include <string.h>

#include "csum.h"

/* Offsets of the checksum field inside the transport headers. */
#define CSUM_OFF_ICMP 2
#define CSUM_OFF_TCP 16
#define CSUM_OFF_UDP 6

static uint32_t csum_fold64(uint64_t s)
{
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

static uint16_t load16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The last odd byte is summed as if followed by a zero byte. */
static uint16_t load_odd(uint8_t last)
{
	uint8_t two[2] = { last, 0 };

	return load16(two);
}

uint32_t csum_partial(const void *buf, size_t len, uint32_t sum)
{
	const uint8_t *p = buf;
	uint64_t s = sum;
	uint32_t w;

	while (len >= 4) {
		memcpy(&w, p, sizeof(w));
		s += w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		s += load16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		s += load_odd(*p);
	return csum_fold64(s);
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint16_t csum_ipv4_hdr(const void *iph, size_t hlen)
{
	uint32_t s;

	if (hlen < 12)
		return csum_fold(csum_partial(iph, hlen, 0));
	s = csum_partial(iph, 10, 0);
	s = csum_partial((const uint8_t *)iph + 12, hlen - 12, s);
	return csum_fold(s);
}

uint32_t csum_pseudo(const struct gtp_addr *src, const struct gtp_addr *dst,
		     uint8_t proto, uint32_t l4_len)
{
	uint64_t s;

	s = csum_partial(src->b, gtp_addr_len(src), 0);
	s += csum_partial(dst->b, gtp_addr_len(dst), 0);
	/* IPv4: zero, protocol, 16-bit length. IPv6: 32-bit length, three
	 * zero octets, next header. Summed as 16-bit words both come to the
	 * same thing for lengths under 64k. */
	s += htons(proto);
	s += htons((uint16_t)(l4_len >> 16));
	s += htons((uint16_t)l4_len);
	return csum_fold64(s);
}

static size_t csum_field_off(uint8_t proto)
{
	switch (proto) {
	case 6:
		return CSUM_OFF_TCP;
	case 17:
		return CSUM_OFF_UDP;
	default: /* ICMP, ICMPv6 */
		return CSUM_OFF_ICMP;
	}
}

uint16_t csum_l4(const struct gtp_addr *src, const struct gtp_addr *dst,
		 uint8_t proto, const void *l4, size_t l4_len)
{
	const uint8_t *p = l4;
	size_t off = csum_field_off(proto);
	uint32_t s = 0;

	/* ICMP over IPv4 has no pseudo-header. */
	if (proto != 1)
		s = csum_pseudo(src, dst, proto, (uint32_t)l4_len);
	/* The checksum field counts as zero whatever it holds now. */
	if (off + 2 <= l4_len) {
		s = csum_partial(p, off, s);
		s = csum_partial(p + off + 2, l4_len - off - 2, s);
	} else {
		s = csum_partial(p, l4_len, s);
	}
	return csum_fold(s);
}

uint16_t csum_update16(uint16_t csum, uint16_t old_val, uint16_t new_val)
{
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') */
	uint32_t s = (uint16_t)~csum;

	s += (uint16_t)~old_val;
	s += new_val;
	return csum_fold(s);
}

uint16_t csum_update_buf(uint16_t csum, const void *old_buf, const void *new_buf,
			 size_t len)
{
	const uint8_t *o = old_buf, *n = new_buf;
	uint64_t s = (uint16_t)~csum;
	size_t i;

	for (i = 0; i + 1 < len; i += 2) {
		s += (uint16_t)~load16(o + i);
		s += load16(n + i);
	}
	if (i < len) {
		s += (uint16_t)~load_odd(o[i]);
		s += load_odd(n[i]);
	}
	return csum_fold(csum_fold64(s));
}
