/* IPv4/IPv6 addresses in one comparable form. */
#ifndef GTP_ADDR_H
#define GTP_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GTP_AF_NONE 0
#define GTP_AF_INET 4
#define GTP_AF_INET6 6

/* An IP address. IPv4 lives in b[0..3] with b[4..15] zero, so two addresses
 * compare equal with memcmp over the whole struct. */
struct gtp_addr {
	uint8_t family; /* GTP_AF_INET or GTP_AF_INET6, GTP_AF_NONE if unset */
	uint8_t pad[3];
	uint8_t b[16];
};

static inline void gtp_addr_set4(struct gtp_addr *a, const void *b4)
{
	memset(a, 0, sizeof(*a));
	a->family = GTP_AF_INET;
	memcpy(a->b, b4, 4);
}

static inline void gtp_addr_set6(struct gtp_addr *a, const void *b16)
{
	memset(a, 0, sizeof(*a));
	a->family = GTP_AF_INET6;
	memcpy(a->b, b16, 16);
}

static inline bool gtp_addr_eq(const struct gtp_addr *x, const struct gtp_addr *y)
{
	return memcmp(x, y, sizeof(*x)) == 0;
}

static inline size_t gtp_addr_len(const struct gtp_addr *a)
{
	return a->family == GTP_AF_INET6 ? 16 : 4;
}

/* Text <-> address. gtp_addr_parse accepts dotted quad or RFC 4291 text and
 * returns 0, or -1 if the text is not an address. gtp_addr_format writes a
 * NUL-terminated string into buf (at least GTP_ADDR_STRLEN bytes). */
#define GTP_ADDR_STRLEN 46
int gtp_addr_parse(const char *text, struct gtp_addr *out);
const char *gtp_addr_format(const struct gtp_addr *a, char *buf, size_t len);

/* Prefix match: the first plen bits of a and prefix are equal and both are
 * of the same family. */
bool gtp_addr_in_prefix(const struct gtp_addr *a, const struct gtp_addr *prefix,
			unsigned int plen);

/* True for an address a host may own: not unspecified, multicast, broadcast,
 * loopback or (IPv4) 0.0.0.0/8 and 240.0.0.0/4. */
bool gtp_addr_is_unicast(const struct gtp_addr *a);

#endif
