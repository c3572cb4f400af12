/* tofd's log: one line per event on stderr (or a given fd).
 *
 * text (the default) is for people and keeps tofd's familiar lines:
 *   tofd run: API listening on http://127.0.0.1:8080
 *   tofd run: warning: no state_file in the config: ...
 *   tofd run: data plane: no hugepages: ...          (an error)
 * json ("log": {"format": "json"}) is one object per line for collectors:
 *   {"time":"2026-12-03T09:55:27.123Z","level":"info","event":"api_listening",
 *    "msg":"API listening on http://127.0.0.1:8080","url":"http://127.0.0.1:8080"}
 * Every event has a stable name (`event`) and its facts as fields; the
 * message is the same sentence text mode prints. A line is written with one
 * write(2), so lines from several threads never mix. */
#ifndef TOF_LOG_H
#define TOF_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tof_config.h"

enum tof_log_ftype { TOF_LOG_F_STR, TOF_LOG_F_U64, TOF_LOG_F_I64, TOF_LOG_F_BOOL };

/* One fact of an event: a key and a typed value. */
struct tof_log_field {
	const char *key;
	enum tof_log_ftype type;
	union {
		const char *s; /* NULL: the field is left out */
		uint64_t u;
		int64_t i;
		bool b;
	};
};

#define TOF_LOG_STR(k, v) ((struct tof_log_field){ .key = (k), .type = TOF_LOG_F_STR, .s = (v) })
#define TOF_LOG_U64(k, v) \
	((struct tof_log_field){ .key = (k), .type = TOF_LOG_F_U64, .u = (uint64_t)(v) })
#define TOF_LOG_I64(k, v) \
	((struct tof_log_field){ .key = (k), .type = TOF_LOG_F_I64, .i = (int64_t)(v) })
#define TOF_LOG_BOOL(k, v) \
	((struct tof_log_field){ .key = (k), .type = TOF_LOG_F_BOOL, .b = (v) })

/* The fields of one event, as the two arguments (array, count) that
 * tof_log takes: tof_log(lvl, "ev", TOF_FIELDS(TOF_LOG_STR("a", a)), ...). */
#define TOF_FIELDS(...)                                 \
	(const struct tof_log_field[]){ __VA_ARGS__ },  \
	sizeof((const struct tof_log_field[]){ __VA_ARGS__ }) / sizeof(struct tof_log_field)
#define TOF_NO_FIELDS NULL, 0

/* Where and how to log from now on: prefix starts text lines ("tofd run"),
 * fd is where lines go (2 unless a test says otherwise). Safe to call
 * while other threads log (a reload changes format and level). */
void tof_log_setup(const char *prefix, enum tof_log_format format, enum tof_log_level level);
void tof_log_set_fd(int fd);

/* Would an event at this level be written? */
bool tof_log_enabled(enum tof_log_level level);

/* Log one event: its level, name, facts and message (printf format). */
__attribute__((format(printf, 5, 6)))
void tof_log(enum tof_log_level level, const char *event, const struct tof_log_field *fields,
	     size_t n_fields, const char *fmt, ...);

/* The names config and JSON use: "debug", "info", "warning", "error". */
const char *tof_log_level_name(enum tof_log_level level);

/* Format one event into buf (at most len octets, newline included, NUL
 * after it); returns the line's length. Exposed for tests. now_ns is the
 * wall-clock time in ns since the epoch. */
size_t tof_log_format_line(char *buf, size_t len, enum tof_log_format format, const char *prefix,
			   uint64_t now_ns, enum tof_log_level level, const char *event,
			   const struct tof_log_field *fields, size_t n_fields, const char *msg);

#endif
