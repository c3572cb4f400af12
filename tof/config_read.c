/* Reading typed values out of a jansson document, each failure reported
 * with the path of the field it concerns. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_read.h"
#include "pkt.h"

/* User text for a message: printable ASCII only, shortened. */
const char *cfg_text(const char *s, char *buf, size_t len)
{
	size_t i = 0;

	if (len == 0)
		return buf;
	for (; *s && i + 1 < len; s++)
		buf[i++] = (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != '\\') ? *s : '?';
	if (*s && len >= 4) {
		memcpy(buf + len - 4, "...", 3);
		i = len - 1;
	}
	buf[i] = '\0';
	return buf;
}

int cfg_fail(struct cfg_ctx *c, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!c->err || c->errlen == 0)
		return -1;
	if (path)
		n = snprintf(c->err, c->errlen, "config: \"%s\": ", path);
	else
		n = snprintf(c->err, c->errlen, "config: ");
	if (n >= 0 && (size_t)n < c->errlen) {
		va_start(ap, fmt);
		vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* A path that does not fit is cut short and marked, never left unended. */
static void cfg_path_end(char *out, size_t len, int n)
{
	if (n >= 0 && (size_t)n < len)
		return;
	if (len >= 4)
		memcpy(out + len - 4, "...", 4);
}

void cfg_path_key(char *out, size_t len, const char *parent, const char *key)
{
	char k[CFG_TEXT_MAX];
	int n;

	cfg_text(key, k, sizeof(k));
	if (parent[0])
		n = snprintf(out, len, "%s.%s", parent, k);
	else
		n = snprintf(out, len, "%s", k);
	cfg_path_end(out, len, n);
}

void cfg_path_idx(char *out, size_t len, const char *parent, size_t i)
{
	cfg_path_end(out, len, snprintf(out, len, "%s[%zu]", parent, i));
}

/* --- values --- */

int cfg_read_uint(struct cfg_ctx *c, const char *path, const json_t *v, uint64_t lo,
		  uint64_t hi, uint64_t *out)
{
	json_int_t x;

	if (!json_is_integer(v))
		goto bad;
	x = json_integer_value(v);
	if (x < 0 || (uint64_t)x < lo || (uint64_t)x > hi)
		goto bad;
	*out = (uint64_t)x;
	return 0;
bad:
	return cfg_fail(c, path, "must be an integer between %llu and %llu",
			(unsigned long long)lo, (unsigned long long)hi);
}

int cfg_read_u32(struct cfg_ctx *c, const char *path, const json_t *v, uint32_t lo,
		 uint32_t hi, uint32_t *out)
{
	uint64_t x = 0;

	if (cfg_read_uint(c, path, v, lo, hi, &x))
		return -1;
	*out = (uint32_t)x;
	return 0;
}

int cfg_read_u16(struct cfg_ctx *c, const char *path, const json_t *v, uint16_t lo,
		 uint16_t hi, uint16_t *out)
{
	uint64_t x = 0;

	if (cfg_read_uint(c, path, v, lo, hi, &x))
		return -1;
	*out = (uint16_t)x;
	return 0;
}

int cfg_read_u8(struct cfg_ctx *c, const char *path, const json_t *v, uint8_t lo, uint8_t hi,
		uint8_t *out)
{
	uint64_t x = 0;

	if (cfg_read_uint(c, path, v, lo, hi, &x))
		return -1;
	*out = (uint8_t)x;
	return 0;
}

int cfg_read_str(struct cfg_ctx *c, const char *path, const json_t *v, const char **out)
{
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    json_string_length(v) > CFG_STR_MAX)
		return cfg_fail(c, path, "must be a non-empty string of at most %d characters",
				CFG_STR_MAX);
	*out = json_string_value(v);
	return 0;
}

int cfg_read_strdup(struct cfg_ctx *c, const char *path, const json_t *v, char **out)
{
	const char *s = NULL;

	if (cfg_read_str(c, path, v, &s))
		return -1;
	free(*out);
	*out = strdup(s);
	if (!*out)
		return cfg_fail(c, path, "out of memory");
	return 0;
}

/* One of the words in names (NULL-terminated); its index in *out. */
int cfg_read_enum(struct cfg_ctx *c, const char *path, const json_t *v,
		  const char *const *names, const char *expect, int *out)
{
	if (json_is_string(v)) {
		for (int i = 0; names[i]; i++) {
			if (strcmp(json_string_value(v), names[i]) == 0) {
				*out = i;
				return 0;
			}
		}
	}
	return cfg_fail(c, path, "must be %s", expect);
}

int cfg_read_addr(struct cfg_ctx *c, const char *path, const json_t *v, struct gtp_addr *out)
{
	char t[CFG_TEXT_MAX];
	const char *s;

	if (!json_is_string(v))
		return cfg_fail(c, path, "must be an IP address string");
	s = json_string_value(v);
	if (gtp_addr_parse(s, out) != 0)
		return cfg_fail(c, path, "\"%s\" is not an IP address", cfg_text(s, t, sizeof(t)));
	if (!gtp_addr_is_unicast(out))
		return cfg_fail(c, path, "%s is not a unicast address", cfg_text(s, t, sizeof(t)));
	return 0;
}

/* Clear the bits of a past its first plen. */
static void addr_mask(struct gtp_addr *a, unsigned int plen)
{
	for (unsigned int i = 0; i < sizeof(a->b); i++) {
		unsigned int bits = plen > i * 8 ? plen - i * 8 : 0;

		if (bits < 8)
			a->b[i] &= (uint8_t)(0xff00 >> bits);
	}
}

/* "addr" (a host: /32 or /128, must be unicast) or "addr/len". */
int cfg_read_prefix(struct cfg_ctx *c, const char *path, const json_t *v,
		    struct tof_prefix *out)
{
	char buf[64], t[CFG_TEXT_MAX], a[GTP_ADDR_STRLEN];
	const char *s, *slash, *d;
	unsigned int plen = 0, maxlen;
	struct gtp_addr net;
	size_t alen;

	if (!json_is_string(v))
		return cfg_fail(c, path, "must be an address or prefix string");
	s = json_string_value(v);
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen >= sizeof(buf))
		goto bad;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (gtp_addr_parse(buf, &out->addr) != 0)
		goto bad;
	maxlen = out->addr.family == GTP_AF_INET ? 32 : 128;
	if (!slash) {
		out->plen = (uint8_t)maxlen;
		if (!gtp_addr_is_unicast(&out->addr))
			return cfg_fail(c, path, "%s is not a unicast address",
					cfg_text(s, t, sizeof(t)));
		return 0;
	}
	d = slash + 1;
	if (*d == '\0' || strlen(d) > 3)
		goto bad;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			goto bad;
		plen = plen * 10 + (unsigned int)(*d - '0');
	}
	if (plen > maxlen)
		return cfg_fail(c, path, "\"%s\": the prefix length must be at most %u",
				cfg_text(s, t, sizeof(t)), maxlen);
	out->plen = (uint8_t)plen;
	net = out->addr;
	addr_mask(&net, plen);
	if (!gtp_addr_eq(&net, &out->addr))
		return cfg_fail(c, path, "\"%s\" has bits set past /%u (the prefix is %s/%u)",
				cfg_text(s, t, sizeof(t)), plen,
				gtp_addr_format(&net, a, sizeof(a)), plen);
	return 0;
bad:
	return cfg_fail(c, path, "\"%s\" is not an IP address or prefix",
			cfg_text(s, t, sizeof(t)));
}

int cfg_read_mac(struct cfg_ctx *c, const char *path, const json_t *v, uint8_t mac[6])
{
	static const uint8_t zero[6];
	char t[CFG_TEXT_MAX];
	const char *s;

	if (!json_is_string(v))
		return cfg_fail(c, path, "must be a MAC address string like \"02:00:00:00:00:01\"");
	s = json_string_value(v);
	if (pkt_mac_parse(s, mac) != 0)
		return cfg_fail(c, path, "\"%s\" is not a MAC address", cfg_text(s, t, sizeof(t)));
	if ((mac[0] & 0x01) || memcmp(mac, zero, 6) == 0)
		return cfg_fail(c, path, "%s is not a unicast MAC address",
				cfg_text(s, t, sizeof(t)));
	return 0;
}

/* A service or chain name: [A-Za-z0-9._-]{1,64}. */
int cfg_read_name(struct cfg_ctx *c, const char *path, const json_t *v,
		  char out[TOF_NAME_MAX + 1])
{
	char t[CFG_TEXT_MAX];
	const char *s;
	size_t len;

	if (!json_is_string(v))
		goto bad;
	s = json_string_value(v);
	len = strlen(s);
	if (len == 0 || len > TOF_NAME_MAX || len != json_string_length(v))
		goto bad;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-'))
			goto bad;
	}
	memcpy(out, s, len + 1);
	return 0;
bad:
	if (json_is_string(v))
		return cfg_fail(c, path, "\"%s\" must be 1 to %d of A-Z a-z 0-9 . _ -",
				cfg_text(json_string_value(v), t, sizeof(t)), TOF_NAME_MAX);
	return cfg_fail(c, path, "must be a string of 1 to %d of A-Z a-z 0-9 . _ -",
			TOF_NAME_MAX);
}

int cfg_read_object(struct cfg_ctx *c, const char *path, const json_t *v)
{
	if (!json_is_object(v))
		return cfg_fail(c, path, "must be an object");
	return 0;
}
