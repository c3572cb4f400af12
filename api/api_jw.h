/* A streaming JSON writer for the large, often-read answers (/stats,
 * /tunnels): straight into one growing buffer, no tree of objects, so a
 * reply costs a few microseconds per hundred fields rather than a malloc
 * per field. Commas are placed by the writer; out of memory is remembered
 * and reported once at the end. */
#ifndef TOF_API_JW_H
#define TOF_API_JW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"

#define JW_DEPTH 8

struct jw {
	char *buf;
	size_t len, cap;
	bool oom;
	bool after_key;     /* the next value follows a key: no comma */
	int depth;
	bool first[JW_DEPTH]; /* nothing written yet at this level */
};

void jw_init(struct jw *w, size_t hint);
/* The text (NUL-terminated, malloc'd, the caller frees it) or NULL when
 * out of memory; w is spent either way. */
char *jw_finish(struct jw *w, size_t *len);

void jw_obj(struct jw *w);          /* {  (as a value) */
void jw_arr(struct jw *w);          /* [  (as a value) */
void jw_end_obj(struct jw *w);      /* } */
void jw_end_arr(struct jw *w);      /* ] */
/* "key": (then one value); key is plain text of ours, written unescaped */
void jw_key(struct jw *w, const char *key);

void jw_str(struct jw *w, const char *s);
void jw_u64(struct jw *w, uint64_t v);
void jw_bool(struct jw *w, bool v);
void jw_null(struct jw *w);
void jw_addr(struct jw *w, const struct gtp_addr *a); /* text, or null when unset */

#endif
