/* Streaming JSON writer (see api_jw.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_jw.h"

static bool jw_room(struct jw *w, size_t n)
{
	size_t cap;
	char *nb;

	if (w->oom)
		return false;
	if (w->len + n + 1 <= w->cap)
		return true;
	cap = w->cap ? w->cap : 256;
	while (cap < w->len + n + 1)
		cap *= 2;
	nb = realloc(w->buf, cap);
	if (!nb) {
		w->oom = true;
		return false;
	}
	w->buf = nb;
	w->cap = cap;
	return true;
}

static void jw_put(struct jw *w, const char *s, size_t n)
{
	if (!jw_room(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void jw_putc(struct jw *w, char c)
{
	jw_put(w, &c, 1);
}

/* A value at the current level: a comma unless it is the first, except
 * right after a key (which placed its own). */
static void jw_value(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth == 0)
		return;
	if (!w->first[w->depth - 1])
		jw_putc(w, ',');
	w->first[w->depth - 1] = false;
}

void jw_init(struct jw *w, size_t hint)
{
	memset(w, 0, sizeof(*w));
	w->buf = malloc(hint ? hint : 256);
	if (!w->buf) {
		w->oom = true;
		return;
	}
	w->cap = hint ? hint : 256;
	w->buf[0] = '\0';
}

char *jw_finish(struct jw *w, size_t *len)
{
	if (w->oom || w->depth != 0) {
		free(w->buf);
		w->buf = NULL;
		return NULL;
	}
	w->buf[w->len] = '\0'; /* jw_room always leaves room for it */
	*len = w->len;
	return w->buf;
}

static void jw_open(struct jw *w, char c)
{
	jw_value(w);
	jw_putc(w, c);
	if (w->depth < JW_DEPTH)
		w->first[w->depth] = true;
	w->depth++;
}

void jw_obj(struct jw *w)
{
	jw_open(w, '{');
}

void jw_arr(struct jw *w)
{
	jw_open(w, '[');
}

void jw_end_obj(struct jw *w)
{
	w->depth--;
	jw_putc(w, '}');
}

void jw_end_arr(struct jw *w)
{
	w->depth--;
	jw_putc(w, ']');
}

/* A string with the escapes JSON needs; runs of plain characters are
 * copied at once (names and addresses are all plain). */
static void jw_quoted(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	jw_putc(w, '"');
	for (;;) {
		size_t n = 0;

		while (s[n] && s[n] != '"' && s[n] != '\\' && (unsigned char)s[n] >= 0x20)
			n++;
		jw_put(w, s, n);
		s += n;
		if (!*s)
			break;
		if (*s == '"' || *s == '\\') {
			char e[2] = { '\\', *s };

			jw_put(w, e, 2);
		} else {
			unsigned char c = (unsigned char)*s;
			char e[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			jw_put(w, e, 6);
		}
		s++;
	}
	jw_putc(w, '"');
}

void jw_key(struct jw *w, const char *key)
{
	size_t n = strlen(key);

	/* keys are ours: plain text, no escapes needed */
	jw_value(w);
	if (!jw_room(w, n + 3))
		return;
	w->buf[w->len] = '"';
	memcpy(w->buf + w->len + 1, key, n);
	w->buf[w->len + 1 + n] = '"';
	w->buf[w->len + 2 + n] = ':';
	w->len += n + 3;
	w->after_key = true;
}

void jw_str(struct jw *w, const char *s)
{
	jw_value(w);
	jw_quoted(w, s);
}

void jw_u64(struct jw *w, uint64_t v)
{
	char b[24];
	int i = sizeof(b);

	jw_value(w);
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jw_put(w, b + i, sizeof(b) - (size_t)i);
}

void jw_bool(struct jw *w, bool v)
{
	jw_value(w);
	jw_put(w, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w)
{
	jw_value(w);
	jw_put(w, "null", 4);
}

/* IPv4 by hand: inet_ntop goes through sprintf, and /stats writes two
 * addresses per service. */
static size_t jw_fmt4(const uint8_t *b, char *out)
{
	size_t n = 0;

	for (int i = 0; i < 4; i++) {
		unsigned int v = b[i];

		if (i)
			out[n++] = '.';
		if (v >= 100)
			out[n++] = (char)('0' + v / 100);
		if (v >= 10)
			out[n++] = (char)('0' + v / 10 % 10);
		out[n++] = (char)('0' + v % 10);
	}
	out[n] = '\0';
	return n;
}

void jw_addr(struct jw *w, const struct gtp_addr *a)
{
	char buf[GTP_ADDR_STRLEN];

	if (a->family == GTP_AF_NONE) {
		jw_null(w);
	} else if (a->family == GTP_AF_INET) {
		jw_value(w);
		jw_putc(w, '"');
		jw_put(w, buf, jw_fmt4(a->b, buf));
		jw_putc(w, '"');
	} else {
		jw_str(w, gtp_addr_format(a, buf, sizeof(buf)));
	}
}
