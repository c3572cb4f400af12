/* The services' state file: strict parsing, the seeding rule, atomic
 * saves (a crash between the temp write and the rename leaves the old
 * state), refusal of a second user, and failed writes leaving the file as
 * it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent_state.h"
#include "config.h"
#include "tctl.h"
#include "tfile.h"

#define ERRLEN 512

struct fx {
	char dir[64];
	char path[96];
	struct tof_config cfg;
};

static const char cfg_json[] =
	"{\"services\": [{\"name\": \"cache\", \"serviceIP\": \"203.0.113.100\","
	" \"applicationIP\": \"198.51.100.10\"}]}";

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[ERRLEN];

	if (!f)
		return -1;
	strcpy(f->dir, "/tmp/tof-test-state.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/state.json", f->dir);
	if (tof_config_load_string(cfg_json, &f->cfg, err, sizeof(err)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	tof_config_free(&f->cfg);
	free(f);
	return 0;
}

static void load(struct fx *f, struct tof_state *st, struct tof_service_config **v, uint32_t *n,
		 bool *seeded)
{
	char err[ERRLEN] = "";

	if (tof_state_load(st, &f->cfg, v, n, seeded, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
}

static void test_seed_on_first_start_only(void **state)
{
	struct fx *f = *state;
	struct tof_service_config *v, web = tctl_svc("web", "203.0.113.101", "198.51.100.11");
	struct tof_state *st;
	char err[ERRLEN];
	uint32_t n;
	bool seeded;

	/* no file: the config's services, to be saved */
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_true(tof_state_persistent(st));
	load(f, st, &v, &n, &seeded);
	assert_true(seeded);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "cache");
	free(v);
	/* the API replaced them: the file is the state from now on */
	assert_int_equal(tof_state_save(st, &web, 1, err, sizeof(err)), 0);
	tof_state_close(st);

	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	load(f, st, &v, &n, &seeded);
	assert_false(seeded);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "web");
	free(v);
	/* every service deleted: still the file's (empty) word, not the config */
	assert_int_equal(tof_state_save(st, NULL, 0, err, sizeof(err)), 0);
	tof_state_close(st);
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	load(f, st, &v, &n, &seeded);
	assert_false(seeded);
	assert_int_equal(n, 0);
	assert_null(v);
	tof_state_close(st);
}

static void test_no_state_file(void **state)
{
	struct fx *f = *state;
	struct tof_service_config *v;
	struct tof_state *st;
	char err[ERRLEN];
	uint32_t n;
	bool seeded;

	assert_int_equal(tof_state_open(NULL, &st, err, sizeof(err)), 0);
	assert_false(tof_state_persistent(st));
	assert_null(tof_state_path(st));
	load(f, st, &v, &n, &seeded);
	assert_true(seeded);
	assert_int_equal(n, 1);
	free(v);
	assert_int_equal(tof_state_save(st, NULL, 0, err, sizeof(err)), 0);
	tof_state_close(st);
}

static void test_round_trip_all_fields(void **state)
{
	struct fx *f = *state;
	struct tof_service_config in[2] = {
		tctl_svc("v6.app", "2001:db8:cafe::1", "2001:db8:51::10"),
		tctl_svc("cache", "203.0.113.100", "198.51.100.10"),
	}, *v;
	struct tof_state *st;
	char err[ERRLEN];
	uint32_t n;
	bool seeded;

	in[1].has_app_mac = true;
	memcpy(in[1].app_mac, "\x02\x00\x00\x00\x00\x0a", 6);
	strcpy(in[1].chain, "fw.v1");
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_save(st, in, 2, err, sizeof(err)), 0);
	load(f, st, &v, &n, &seeded);
	assert_int_equal(n, 2);
	assert_memory_equal(&v[0], &in[0], sizeof(in[0]));
	assert_memory_equal(&v[1], &in[1], sizeof(in[1]));
	free(v);
	tof_state_close(st);
}

/* A crash after the temp file is written but before the rename: the next
 * start sees the old list, and the stray temp file is cleared away. */
static void test_crash_before_rename_keeps_old(void **state)
{
	struct fx *f = *state;
	struct tof_service_config a = tctl_svc("a", "203.0.113.100", "198.51.100.10");
	struct tof_service_config b[2] = { a, tctl_svc("b", "203.0.113.101", "198.51.100.11") };
	struct tof_service_config *v;
	struct tof_state *st;
	char err[ERRLEN], tmp[128], *before, *after;
	struct stat sb;
	uint32_t n;
	bool seeded;

	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_save(st, &a, 1, err, sizeof(err)), 0);
	before = tfile_slurp(f->path);
	assert_int_equal(tof_state_prepare(st, b, 2, err, sizeof(err)), 0);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(stat(tmp, &sb), 0);
	after = tfile_slurp(f->path);
	assert_string_equal(before, after); /* untouched until the rename */
	free(after);
	tof_state_close(st); /* "crash": no commit */

	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_not_equal(stat(tmp, &sb), 0);
	load(f, st, &v, &n, &seeded);
	assert_false(seeded);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "a");
	free(v);
	/* and a prepare that is committed is the new state */
	assert_int_equal(tof_state_prepare(st, b, 2, err, sizeof(err)), 0);
	assert_int_equal(tof_state_commit(st, err, sizeof(err)), 0);
	load(f, st, &v, &n, &seeded);
	assert_int_equal(n, 2);
	free(v);
	free(before);
	tof_state_close(st);
}

/* The temp file cannot be written (a directory in its way): the save
 * fails with a message and the file still holds the old list. */
static void test_failed_write_keeps_old(void **state)
{
	struct fx *f = *state;
	struct tof_service_config a = tctl_svc("a", "203.0.113.100", "198.51.100.10");
	struct tof_service_config b = tctl_svc("b", "203.0.113.101", "198.51.100.11");
	struct tof_state *st;
	char err[ERRLEN] = "", tmp[128], *before, *after;

	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_save(st, &a, 1, err, sizeof(err)), 0);
	before = tfile_slurp(f->path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	assert_int_equal(tof_state_save(st, &b, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ".tmp"));
	after = tfile_slurp(f->path);
	assert_string_equal(before, after);
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(tof_state_save(st, &b, 1, err, sizeof(err)), 0);
	free(before);
	free(after);
	tof_state_close(st);
}

static void test_second_user_refused(void **state)
{
	struct fx *f = *state;
	struct tof_state *st, *st2;
	char err[ERRLEN] = "";

	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_open(f->path, &st2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "in use by another tofd"));
	tof_state_close(st);
	assert_int_equal(tof_state_open(f->path, &st2, err, sizeof(err)), 0);
	tof_state_close(st2);
}

static void test_open_errors(void **state)
{
	struct fx *f = *state;
	struct tof_state *st;
	char err[ERRLEN] = "", path[128];

	snprintf(path, sizeof(path), "%s/nope/state.json", f->dir);
	assert_int_equal(tof_state_open(path, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "state_file"));
	assert_non_null(strstr(err, "does not exist"));
}

static void test_corrupt_file_refused(void **state)
{
	struct fx *f = *state;
	struct tof_service_config *v;
	struct tof_state *st;
	char err[ERRLEN] = "";
	uint32_t n;
	bool seeded;

	tfile_write(f->path, "{\"version\": 1, \"services\": [{\"name\": \"x\"");
	assert_int_equal(tof_state_open(f->path, &st, err, sizeof(err)), 0);
	assert_int_equal(tof_state_load(st, &f->cfg, &v, &n, &seeded, err, sizeof(err)), -1);
	assert_non_null(strstr(err, f->path));
	assert_null(v);
	tfile_write(f->path, "");
	assert_int_equal(tof_state_load(st, &f->cfg, &v, &n, &seeded, err, sizeof(err)), -1);
	tof_state_close(st);
}

static void expect_parse_error(const char *doc, const char *want)
{
	struct tof_service_config *v = (void *)1;
	char err[ERRLEN] = "";
	uint32_t n = 7;

	assert_int_equal(tof_state_parse(doc, strlen(doc), &v, &n, err, sizeof(err)), -1);
	if (!strstr(err, want))
		fail_msg("%s: got \"%s\", want \"%s\"", doc, err, want);
	assert_null(v);
	assert_int_equal(n, 0);
}

static void test_parse_strict(void **state)
{
	(void)state;
	expect_parse_error("[]", "top level");
	expect_parse_error("{\"version\": 3, \"services\": []}", "\"version\"");
	expect_parse_error("{\"version\": 2, \"services\": []}", "\"chains\": missing");
	expect_parse_error("{\"version\": 1, \"services\": [], \"chains\": []}",
			   "\"chains\": not in a version 1 file");
	expect_parse_error("{\"version\": 2, \"services\": [], \"chains\": [{\"name\": \"c\", "
			   "\"hops\": []}]}", "\"chains[0].hops\"");
	expect_parse_error("{\"services\": []}", "\"version\": missing");
	expect_parse_error("{\"version\": 1}", "\"services\": missing");
	expect_parse_error("{\"version\": 1, \"services\": {}}", "must be an array");
	expect_parse_error("{\"version\": 1, \"services\": [], \"x\": 1}", "\"x\": unknown");
	expect_parse_error("{\"version\": 1, \"version\": 1, \"services\": []}", "duplicate");
	expect_parse_error("{\"version\": 1, \"services\": [{\"name\": \"a\", \"serviceIP\": "
			   "\"203.0.113.1\", \"applicationIP\": \"1.2.3\"}]}",
			   "\"services[0].applicationIP\"");
	expect_parse_error("{\"version\": 1, \"services\": [{\"name\": \"a\", \"serviceIP\": "
			   "\"203.0.113.1\", \"applicationIP\": \"198.51.100.1\", \"port\": 1}]}",
			   "\"services[0].port\"");
	expect_parse_error("{\"version\": 1, \"services\": [7]}", "\"services[0]\"");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_seed_on_first_start_only),
		T(test_no_state_file),
		T(test_round_trip_all_fields),
		T(test_crash_before_rename_keeps_old),
		T(test_failed_write_keeps_old),
		T(test_second_user_refused),
		T(test_open_errors),
		T(test_corrupt_file_refused),
		cmocka_unit_test(test_parse_strict),
	};
#undef T
	return cmocka_run_group_tests_name("state", tests, NULL, NULL);
}
