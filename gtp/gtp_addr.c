/* IPv4/IPv6 addresses: text conversion, prefix match, unicast test. */
#include <arpa/inet.h>
#include <string.h>

#include "gtp_addr.h"

int gtp_addr_parse(const char *text, struct gtp_addr *out)
{
	uint8_t b[16];

	if (text == NULL)
		return -1;
	/* inet_pton(AF_INET) takes only the dotted quad, no shorthand
	 * forms such as "10.1" or octal parts. */
	if (strchr(text, ':') != NULL) {
		if (inet_pton(AF_INET6, text, b) != 1)
			return -1;
		gtp_addr_set6(out, b);
	} else {
		if (inet_pton(AF_INET, text, b) != 1)
			return -1;
		gtp_addr_set4(out, b);
	}
	return 0;
}

const char *gtp_addr_format(const struct gtp_addr *a, char *buf, size_t len)
{
	const char *r = NULL;

	if (len == 0)
		return buf;
	if (a->family == GTP_AF_INET)
		r = inet_ntop(AF_INET, a->b, buf, (socklen_t)len);
	else if (a->family == GTP_AF_INET6)
		r = inet_ntop(AF_INET6, a->b, buf, (socklen_t)len);
	else if (len > 1) {
		buf[0] = '-';
		buf[1] = '\0';
		return buf;
	}
	if (r == NULL)
		buf[0] = '\0';
	return buf;
}

bool gtp_addr_in_prefix(const struct gtp_addr *a, const struct gtp_addr *prefix,
			unsigned int plen)
{
	unsigned int full, rest;
	uint8_t mask;

	if (a->family != prefix->family || a->family == GTP_AF_NONE)
		return false;
	if (plen > gtp_addr_len(a) * 8)
		return false;
	full = plen / 8;
	rest = plen % 8;
	if (memcmp(a->b, prefix->b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return ((a->b[full] ^ prefix->b[full]) & mask) == 0;
}

static bool addr4_is_unicast(const uint8_t *b)
{
	if (b[0] == 0)          /* 0.0.0.0/8: "this network" */
		return false;
	if (b[0] == 127)        /* loopback */
		return false;
	if (b[0] >= 224)        /* 224/4 multicast, 240/4 reserved + broadcast */
		return false;
	return true;
}

static bool addr6_is_unicast(const uint8_t *b)
{
	static const uint8_t zero[15];

	if (b[0] == 0xff)       /* multicast */
		return false;
	if (memcmp(b, zero, 15) == 0 && (b[15] == 0 || b[15] == 1))
		return false;   /* :: unspecified, ::1 loopback */
	return true;
}

bool gtp_addr_is_unicast(const struct gtp_addr *a)
{
	if (a->family == GTP_AF_INET)
		return addr4_is_unicast(a->b);
	if (a->family == GTP_AF_INET6)
		return addr6_is_unicast(a->b);
	return false;
}
