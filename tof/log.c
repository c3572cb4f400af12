/* tofd's log lines, text or JSON; see log.h. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 4096 /* a pipe writes this much at once, unmixed */
#define LOG_MSG_MAX 1024
#define LOG_VALUE_MAX 512 /* longest string field value kept */

static struct {
	pthread_mutex_t lock; /* one line at a time, and the settings */
	char prefix[32];
	enum tof_log_format format;
	enum tof_log_level level;
	int fd;
} tof_log_state = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.prefix = "tofd",
	.format = TOF_LOG_TEXT,
	.level = TOF_LOG_INFO,
	.fd = 2,
};

const char *tof_log_level_name(enum tof_log_level level)
{
	static const char *const names[] = {
		[TOF_LOG_DEBUG] = "debug",
		[TOF_LOG_INFO] = "info",
		[TOF_LOG_WARNING] = "warning",
		[TOF_LOG_ERROR] = "error",
	};

	return (unsigned int)level < sizeof(names) / sizeof(names[0]) ? names[level] : "info";
}

void tof_log_setup(const char *prefix, enum tof_log_format format, enum tof_log_level level)
{
	pthread_mutex_lock(&tof_log_state.lock);
	if (prefix)
		snprintf(tof_log_state.prefix, sizeof(tof_log_state.prefix), "%s", prefix);
	tof_log_state.format = format;
	__atomic_store_n(&tof_log_state.level, level, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&tof_log_state.lock);
}

void tof_log_set_fd(int fd)
{
	pthread_mutex_lock(&tof_log_state.lock);
	tof_log_state.fd = fd;
	pthread_mutex_unlock(&tof_log_state.lock);
}

bool tof_log_enabled(enum tof_log_level level)
{
	return level >= __atomic_load_n(&tof_log_state.level, __ATOMIC_RELAXED);
}

/* A bounded line: appends that do not fit are dropped whole. */
struct log_buf {
	char *p;
	size_t len, cap;
};

static bool buf_put(struct log_buf *b, const char *s, size_t n)
{
	if (b->len + n > b->cap)
		return false;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return true;
}

/* s as a JSON string (quotes included) into out; at most max input bytes.
 * Only printable ASCII stays as it is, so the line is valid JSON whatever
 * the input held. Returns the length. */
static size_t json_quote(char *out, size_t outlen, const char *s, size_t max)
{
	size_t o = 0;

	out[o++] = '"';
	for (size_t i = 0; s[i] && i < max && o + 8 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c == '\t') {
			out[o++] = '\\';
			out[o++] = 't';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, outlen - o, "\\u%04x", c);
		} else if (c >= 0x80) {
			out[o++] = '?';
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return o;
}

/* Text lines: control characters become spaces (one event, one line). */
static size_t text_clean(char *out, size_t outlen, const char *s)
{
	size_t o = 0;

	for (size_t i = 0; s[i] && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		out[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[o] = '\0';
	return o;
}

static size_t json_field(char *out, size_t outlen, const struct tof_log_field *f)
{
	char key[80], val[LOG_VALUE_MAX * 6 + 8];
	size_t n;

	json_quote(key, sizeof(key), f->key ? f->key : "?", 64);
	switch (f->type) {
	case TOF_LOG_F_STR:
		if (!f->s)
			return 0; /* an absent fact is left out */
		json_quote(val, sizeof(val), f->s, LOG_VALUE_MAX);
		break;
	case TOF_LOG_F_U64:
		snprintf(val, sizeof(val), "%" PRIu64, f->u);
		break;
	case TOF_LOG_F_I64:
		snprintf(val, sizeof(val), "%" PRId64, f->i);
		break;
	default:
		snprintf(val, sizeof(val), "%s", f->b ? "true" : "false");
		break;
	}
	n = (size_t)snprintf(out, outlen, ",%s:%s", key, val);
	return n < outlen ? n : 0;
}

size_t tof_log_format_line(char *buf, size_t len, enum tof_log_format format, const char *prefix,
			   uint64_t now_ns, enum tof_log_level level, const char *event,
			   const struct tof_log_field *fields, size_t n_fields, const char *msg)
{
	/* room for the closing "}\n" and the NUL, whatever was dropped */
	struct log_buf b = { .p = buf, .len = 0, .cap = len > 4 ? len - 4 : 0 };
	char piece[LOG_MSG_MAX * 6 + 64];
	size_t n;

	if (len < 8)
		return 0;
	if (format == TOF_LOG_TEXT) {
		/* warnings say so; errors read as they always have ("tofd run:
		 * data plane: ..."), which scripts may match */
		const char *tag = level == TOF_LOG_WARNING ? "warning: " : "";

		n = (size_t)snprintf(piece, sizeof(piece), "%s: %s", prefix, tag);
		buf_put(&b, piece, n < sizeof(piece) ? n : sizeof(piece) - 1);
		n = text_clean(piece, sizeof(piece), msg);
		if (!buf_put(&b, piece, n))
			buf_put(&b, piece, b.cap - b.len);
	} else {
		time_t sec = (time_t)(now_ns / 1000000000ULL);
		struct tm tm;
		char ts[40];

		gmtime_r(&sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
		n = (size_t)snprintf(piece, sizeof(piece), "{\"time\":\"%s.%03uZ\",\"level\":\"%s\","
				     "\"event\":", ts, (unsigned int)(now_ns / 1000000 % 1000),
				     tof_log_level_name(level));
		buf_put(&b, piece, n);
		n = json_quote(piece, sizeof(piece), event ? event : "log", 64);
		buf_put(&b, piece, n);
		buf_put(&b, ",\"msg\":", 7);
		n = json_quote(piece, sizeof(piece), msg, LOG_MSG_MAX);
		if (!buf_put(&b, piece, n))
			buf_put(&b, "\"\"", 2);
		for (size_t i = 0; i < n_fields; i++) {
			n = json_field(piece, sizeof(piece), &fields[i]);
			if (n)
				buf_put(&b, piece, n);
		}
		b.p[b.len++] = '}';
	}
	b.p[b.len++] = '\n';
	b.p[b.len] = '\0';
	return b.len;
}

static uint64_t log_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void tof_log(enum tof_log_level level, const char *event, const struct tof_log_field *fields,
	     size_t n_fields, const char *fmt, ...)
{
	char msg[LOG_MSG_MAX], line[LOG_LINE_MAX];
	size_t n, off = 0;
	va_list ap;
	int fd;

	if (!tof_log_enabled(level))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&tof_log_state.lock);
	n = tof_log_format_line(line, sizeof(line), tof_log_state.format, tof_log_state.prefix,
				log_now_ns(), level, event, fields, n_fields, msg);
	fd = tof_log_state.fd;
	while (off < n) {
		ssize_t w = write(fd, line + off, n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break; /* nowhere to say it */
		off += (size_t)w;
	}
	pthread_mutex_unlock(&tof_log_state.lock);
}
