/* Reading typed values out of a jansson document for tof/config.c. Every
 * reader checks the JSON type and range, stores the value and returns 0,
 * or writes `config: "PATH": what is wrong` into the context's buffer and
 * returns -1. */
#ifndef TOF_CONFIG_READ_H
#define TOF_CONFIG_READ_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "gtp_addr.h"
#include "tof_config.h"

#define CFG_PATH_MAX 192  /* "services[12].applicationIP" and the like */
#define CFG_TEXT_MAX 64   /* user text quoted in a message */
#define CFG_STR_MAX 4096  /* longest string value (file names, devargs) */

/* Where messages go (err may be NULL or errlen 0: nothing is written). */
struct cfg_ctx {
	char *err;
	size_t errlen;
};

/* Report a problem with the field at path (NULL: the document). Returns -1. */
__attribute__((format(printf, 3, 4)))
int cfg_fail(struct cfg_ctx *c, const char *path, const char *fmt, ...);

/* User text made safe to quote in a message or a JSON field: printable
 * ASCII, no quotes or backslashes, cut short with "..." (also for the
 * agent and the API). */
const char *cfg_text(const char *s, char *buf, size_t len);

/* Child paths: parent.key and parent[i] (cut short with "..." if long). */
void cfg_path_key(char *out, size_t len, const char *parent, const char *key);
void cfg_path_idx(char *out, size_t len, const char *parent, size_t i);

/* Non-negative JSON integers in [lo, hi]; floats and strings are refused. */
int cfg_read_uint(struct cfg_ctx *c, const char *path, const json_t *v, uint64_t lo,
		  uint64_t hi, uint64_t *out);
int cfg_read_u32(struct cfg_ctx *c, const char *path, const json_t *v, uint32_t lo,
		 uint32_t hi, uint32_t *out);
int cfg_read_u16(struct cfg_ctx *c, const char *path, const json_t *v, uint16_t lo,
		 uint16_t hi, uint16_t *out);
int cfg_read_u8(struct cfg_ctx *c, const char *path, const json_t *v, uint8_t lo, uint8_t hi,
		uint8_t *out);

/* A non-empty string of at most CFG_STR_MAX characters: borrowed from the
 * document, or copied into *out (freeing what was there). */
int cfg_read_str(struct cfg_ctx *c, const char *path, const json_t *v, const char **out);
int cfg_read_strdup(struct cfg_ctx *c, const char *path, const json_t *v, char **out);

/* One of the words in names (NULL-terminated): its index. expect says what
 * is allowed, for the message. */
int cfg_read_enum(struct cfg_ctx *c, const char *path, const json_t *v,
		  const char *const *names, const char *expect, int *out);

/* A unicast IPv4 or IPv6 address. */
int cfg_read_addr(struct cfg_ctx *c, const char *path, const json_t *v, struct gtp_addr *out);

/* "addr" (a unicast host, /32 or /128) or "addr/len" with no bits set past
 * len. */
int cfg_read_prefix(struct cfg_ctx *c, const char *path, const json_t *v,
		    struct tof_prefix *out);

/* "aa:bb:cc:dd:ee:ff", unicast and not all zero. */
int cfg_read_mac(struct cfg_ctx *c, const char *path, const json_t *v, uint8_t mac[6]);

/* A service or chain name: [A-Za-z0-9._-]{1,TOF_NAME_MAX}. */
int cfg_read_name(struct cfg_ctx *c, const char *path, const json_t *v,
		  char out[TOF_NAME_MAX + 1]);

/* The value is a JSON object. */
int cfg_read_object(struct cfg_ctx *c, const char *path, const json_t *v);

#endif
