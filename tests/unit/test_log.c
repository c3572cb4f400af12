/* tofd's log: one line per event, text for people or JSON with time,
 * level, event, message and typed fields; whatever the message or a field
 * holds, a JSON line parses and a text line stays one line; levels filter;
 * lines reach the fd whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "log.h"

#define T_2023 1700000000123456789ULL /* 2023-11-14T22:13:20.123Z */

static json_t *parse_line(const char *line)
{
	json_error_t err;
	size_t n = strlen(line);
	json_t *o;

	assert_true(n > 0 && line[n - 1] == '\n');
	assert_null(memchr(line, '\n', n - 1)); /* one line */
	o = json_loadb(line, n - 1, 0, &err);
	if (!o)
		fail_msg("not JSON (%s): %s", err.text, line);
	return o;
}

static void test_text_line(void **state)
{
	char buf[512];
	size_t n;

	(void)state;
	n = tof_log_format_line(buf, sizeof(buf), TOF_LOG_TEXT, "tofd run", T_2023, TOF_LOG_INFO,
				"ready", NULL, 0, "ready");
	assert_string_equal(buf, "tofd run: ready\n");
	assert_int_equal(n, strlen(buf));
	tof_log_format_line(buf, sizeof(buf), TOF_LOG_TEXT, "tofd run", T_2023, TOF_LOG_WARNING,
			    "x", NULL, 0, "two\nlines\tand a\rreturn");
	assert_string_equal(buf, "tofd run: warning: two lines and a return\n");
	tof_log_format_line(buf, sizeof(buf), TOF_LOG_TEXT, "tofd", T_2023, TOF_LOG_ERROR, "x", NULL,
			    0, "bad");
	assert_string_equal(buf, "tofd: bad\n");
}

static void test_json_line(void **state)
{
	const struct tof_log_field f[] = {
		TOF_LOG_STR("name", "cache"), TOF_LOG_U64("added", 3), TOF_LOG_I64("exit_code", -2),
		TOF_LOG_BOOL("dataplane", true), TOF_LOG_STR("absent", NULL),
	};
	char buf[1024];
	json_t *o;

	(void)state;
	tof_log_format_line(buf, sizeof(buf), TOF_LOG_JSON, "tofd run", T_2023, TOF_LOG_INFO,
			    "services_reloaded", f, sizeof(f) / sizeof(f[0]), "services: 3 added");
	o = parse_line(buf);
	assert_string_equal(json_string_value(json_object_get(o, "time")), "2023-11-14T22:13:20.123Z");
	assert_string_equal(json_string_value(json_object_get(o, "level")), "info");
	assert_string_equal(json_string_value(json_object_get(o, "event")), "services_reloaded");
	assert_string_equal(json_string_value(json_object_get(o, "msg")), "services: 3 added");
	assert_string_equal(json_string_value(json_object_get(o, "name")), "cache");
	assert_int_equal(json_integer_value(json_object_get(o, "added")), 3);
	assert_int_equal(json_integer_value(json_object_get(o, "exit_code")), -2);
	assert_true(json_is_true(json_object_get(o, "dataplane")));
	assert_null(json_object_get(o, "absent"));
	/* time, level, event, msg first, in that order */
	assert_true(strncmp(buf, "{\"time\":", 8) == 0);
	assert_true(strstr(buf, "\"level\"") < strstr(buf, "\"event\""));
	json_decref(o);
}

/* Quotes, backslashes, control characters and bytes that are not ASCII:
 * the line still parses. */
static void test_json_hostile_text(void **state)
{
	const char nasty[] = "a\"b\\c\nd\x01" "e\x7f\xc3\x28\xff}";
	const struct tof_log_field f[] = { TOF_LOG_STR("k\"ey", nasty) };
	char buf[1024];
	json_t *o;
	const char *m;

	(void)state;
	tof_log_format_line(buf, sizeof(buf), TOF_LOG_JSON, "tofd", 0, TOF_LOG_ERROR, "e\"v", f, 1,
			    nasty);
	o = parse_line(buf);
	m = json_string_value(json_object_get(o, "msg"));
	assert_non_null(m);
	assert_non_null(strstr(m, "a\"b\\c\nd\x01"));
	assert_non_null(json_object_get(o, "k\"ey"));
	assert_string_equal(json_string_value(json_object_get(o, "time")), "1970-01-01T00:00:00.000Z");
	json_decref(o);
}

/* Too much for one line: the message is cut, fields that do not fit are
 * left out whole, and the line still parses. */
static void test_json_too_long(void **state)
{
	struct tof_log_field f[40];
	char big[3000], buf[4096];
	json_t *o;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	for (int i = 0; i < 40; i++)
		f[i] = TOF_LOG_STR("field", big);
	tof_log_format_line(buf, sizeof(buf), TOF_LOG_JSON, "tofd", T_2023, TOF_LOG_INFO, "big", f,
			    40, big);
	assert_true(strlen(buf) < sizeof(buf));
	o = parse_line(buf);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "big");
	json_decref(o);
	tof_log_format_line(buf, sizeof(buf), TOF_LOG_TEXT, "tofd", T_2023, TOF_LOG_INFO, "big", f,
			    40, big);
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	assert_null(memchr(buf, '\n', strlen(buf) - 1));
}

static char *read_all(int fd)
{
	static char buf[8192];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void test_levels_and_fd(void **state)
{
	int p[2];
	char *out;
	json_t *o;

	(void)state;
	assert_int_equal(pipe(p), 0);
	tof_log_set_fd(p[1]);
	tof_log_setup("tofd run", TOF_LOG_TEXT, TOF_LOG_INFO);
	assert_false(tof_log_enabled(TOF_LOG_DEBUG));
	tof_log(TOF_LOG_DEBUG, "noise", TOF_NO_FIELDS, "not %s", "shown");
	tof_log(TOF_LOG_INFO, "ready", TOF_NO_FIELDS, "ready");
	out = read_all(p[0]);
	assert_string_equal(out, "tofd run: ready\n");

	tof_log_setup(NULL, TOF_LOG_JSON, TOF_LOG_WARNING);
	tof_log(TOF_LOG_INFO, "quiet", TOF_NO_FIELDS, "filtered");
	tof_log(TOF_LOG_WARNING, "reload_failed", TOF_FIELDS(TOF_LOG_STR("field", "mode")),
		"reload: %s", "bad");
	out = read_all(p[0]);
	o = parse_line(out);
	assert_string_equal(json_string_value(json_object_get(o, "event")), "reload_failed");
	assert_string_equal(json_string_value(json_object_get(o, "level")), "warning");
	assert_string_equal(json_string_value(json_object_get(o, "field")), "mode");
	json_decref(o);
	tof_log_setup(NULL, TOF_LOG_TEXT, TOF_LOG_INFO);
	tof_log_set_fd(2);
	close(p[0]);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_line),
		cmocka_unit_test(test_json_line),
		cmocka_unit_test(test_json_hostile_text),
		cmocka_unit_test(test_json_too_long),
		cmocka_unit_test(test_levels_and_fd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
