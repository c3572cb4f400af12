/* tof_ctl_services_apply, the heart of a config reload: the config's
 * services become current by name, those the previous config listed and
 * this one does not go, the API's stay; checked as a whole (nothing
 * changes on a problem, and the entry at fault is named); sessions are
 * untouched and a change takes effect on frames at once; a failed save
 * puts the tables back. */
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

#include "agent_ctl.h"
#include "tctl.h"

static void add_ok(struct tctl *f, const char *name, const char *sip, const char *aip)
{
	struct tof_service_config s = tctl_svc(name, sip, aip);
	struct tof_ctl_err e;

	if (tof_ctl_service_add(f->ctl, &s, &e) != TOF_CTL_OK)
		fail_msg("add %s: %s", name, e.msg);
}

static void expect_app(struct tctl *f, const char *name, const char *aip)
{
	struct tof_service_config got, want = tctl_svc(name, NULL, aip);
	struct tof_ctl_err e;

	assert_int_equal(tof_ctl_service_get(f->ctl, name, false, &got, &e), TOF_CTL_OK);
	assert_true(gtp_addr_eq(&got.app_ip, &want.app_ip));
}

static uint32_t n_services(struct tctl *f)
{
	return f->x->t->n_services;
}

/* The first config listed cache and old; the API added apisvc. */
static void start(struct tctl *f)
{
	add_ok(f, "cache", "203.0.113.100", "198.51.100.10");
	add_ok(f, "old", "203.0.113.101", "198.51.100.11");
	add_ok(f, "apisvc", "203.0.113.150", "198.51.100.50");
}

static const char *const first_config[] = { "cache", "old" };

static void test_by_name_and_api_ones_stay(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config set[2] = {
		tctl_svc("cache", "203.0.113.100", "198.51.100.20"),
		tctl_svc("new", "203.0.113.102", "198.51.100.12"),
	};
	static const char *const saved[] = { "apisvc", "cache", "new" };
	struct tof_ctl_apply_stats st;
	struct tof_ctl_err e;
	uint64_t v;

	start(f);
	v = tof_ctl_service_version(f->ctl);
	assert_int_equal(tof_ctl_services_apply(f->ctl, set, 2, first_config, 2, &st, &e), TOF_CTL_OK);
	assert_int_equal(st.added, 1);
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.removed, 1);
	assert_int_equal(st.unchanged, 1);
	assert_true(tof_ctl_service_version(f->ctl) != v);
	assert_int_equal(n_services(f), 3);
	expect_app(f, "cache", "198.51.100.20");
	assert_true(tctl_visible(f, "203.0.113.102"));
	assert_false(tctl_visible(f, "203.0.113.101"));
	assert_true(tctl_visible(f, "203.0.113.150"));
	tctl_expect_saved(f, saved, 3);

	/* the same list again: nothing to do */
	assert_int_equal(tof_ctl_services_apply(f->ctl, set, 2, (const char *const[]){ "cache", "new" },
						2, &st, &e), TOF_CTL_OK);
	assert_int_equal(st.added + st.updated + st.removed, 0);
	assert_int_equal(st.unchanged, 3);
}

static void test_nothing_listed_removes_the_config_ones(void **state)
{
	struct tctl *f = *state;
	static const char *const saved[] = { "apisvc" };
	struct tof_ctl_apply_stats st;
	struct tof_ctl_err e;

	start(f);
	assert_int_equal(tof_ctl_services_apply(f->ctl, NULL, 0, first_config, 2, &st, &e), TOF_CTL_OK);
	assert_int_equal(st.removed, 2);
	tctl_expect_saved(f, saved, 1);
}

/* Each problem leaves everything as it was and names the entry. */
static void expect_refused(struct tctl *f, const struct tof_service_config *set, uint32_t n,
			   enum tof_ctl_code code, const char *field)
{
	static const char *const saved[] = { "apisvc", "cache", "old" };
	struct tof_ctl_apply_stats st;
	struct tof_ctl_err e;

	assert_int_equal(tof_ctl_services_apply(f->ctl, set, n, first_config, 2, &st, &e), code);
	assert_string_equal(e.field, field);
	assert_true(e.msg[0] != '\0');
	assert_int_equal(st.added + st.updated + st.removed, 0);
	assert_int_equal(n_services(f), 3);
	expect_app(f, "cache", "198.51.100.10");
	assert_true(tctl_visible(f, "203.0.113.101"));
	tctl_expect_saved(f, saved, 3);
}

static void test_refusals(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config set[3];

	start(f);
	/* a service IP the API's service holds */
	set[0] = tctl_svc("cache", "203.0.113.100", "198.51.100.20");
	set[1] = tctl_svc("new", "203.0.113.150", "198.51.100.12");
	expect_refused(f, set, 2, TOF_CTL_CONFLICT, "services[1].serviceIP");
	/* an application IP that is the API service's */
	set[1] = tctl_svc("new", "203.0.113.102", "198.51.100.50");
	expect_refused(f, set, 2, TOF_CTL_CONFLICT, "services[1].applicationIP");
	/* one entry's service IP is another's application IP */
	set[1] = tctl_svc("new", "198.51.100.20", "198.51.100.12");
	expect_refused(f, set, 2, TOF_CTL_CONFLICT, "services[1].serviceIP");
	/* an entry that is wrong in itself */
	set[1] = tctl_svc("new", "203.0.113.102", "203.0.113.102");
	expect_refused(f, set, 2, TOF_CTL_INVALID, "services[1].applicationIP");
	set[1] = tctl_svc("new", "203.0.113.102", "2001:db8:6::1");
	expect_refused(f, set, 2, TOF_CTL_INVALID, "services[1].applicationIP");
	/* the same name twice */
	set[1] = tctl_svc("cache", "203.0.113.102", "198.51.100.12");
	expect_refused(f, set, 2, TOF_CTL_CONFLICT, "services[1].name");
}

static void test_max_services(void **state)
{
	struct tctl *f = *state;
	uint32_t max = f->x->t->max_services, n = max;
	struct tof_service_config *set = calloc(n, sizeof(*set));
	char name[16], sip[32], aip[32];

	start(f);
	/* max new ones beside the API's: one too many */
	for (uint32_t i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "s%u", i);
		snprintf(sip, sizeof(sip), "203.0.%u.%u", 100 + i / 200, i % 200 + 1);
		snprintf(aip, sizeof(aip), "198.51.%u.%u", 100 + i / 200, i % 200 + 1);
		set[i] = tctl_svc(name, sip, aip);
	}
	expect_refused(f, set, n, TOF_CTL_FULL, "services");
	free(set);
}

static void test_sessions_stay_and_frames_follow(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config set[1] = { tctl_svc("cache", "203.0.113.100", "198.51.100.20") };
	struct tof_ctl_apply_stats st;
	struct tof_ctl_err e;
	struct tof_result r;
	struct tframe tf;
	struct gtp_addr want, got;
	uint32_t sessions;

	start(f);
	tctl_session(f, TCTL_UE, 0x100);
	tctl_session(f, "198.19.0.6", 0x200);
	sessions = f->x->t->n_sessions;
	tctl_uplink(f, "203.0.113.101", &tf, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);

	assert_int_equal(tof_ctl_services_apply(f->ctl, set, 1, first_config, 2, &st, &e), TOF_CTL_OK);
	assert_int_equal(f->x->t->n_sessions, sessions);
	tctl_uplink(f, "203.0.113.100", &tf, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	got = tctl_offload_dst(&tf);
	gtp_addr_parse("198.51.100.20", &want);
	assert_true(gtp_addr_eq(&got, &want));
	tctl_uplink(f, "203.0.113.101", &tf, &r); /* "old" is gone */
	assert_int_equal(r.verdict, TOF_V_PASS);
}

static void test_failed_save_puts_the_tables_back(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config set[2] = {
		tctl_svc("cache", "203.0.113.100", "198.51.100.20"),
		tctl_svc("new", "203.0.113.102", "198.51.100.12"),
	};
	static const char *const saved[] = { "apisvc", "cache", "old" };
	struct tof_ctl_apply_stats st;
	struct tof_ctl_err e;
	char tmp[128];

	start(f);
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(mkdir(tmp, 0700), 0); /* every save fails */
	assert_int_equal(tof_ctl_services_apply(f->ctl, set, 2, first_config, 2, &st, &e), TOF_CTL_IO);
	assert_int_equal(st.added + st.updated + st.removed, 0);
	assert_int_equal(n_services(f), 3);
	expect_app(f, "cache", "198.51.100.10");
	assert_true(tctl_visible(f, "203.0.113.101"));
	assert_false(tctl_visible(f, "203.0.113.102"));
	assert_int_equal(rmdir(tmp), 0);
	tctl_expect_saved(f, saved, 3);
	assert_int_equal(tof_ctl_services_apply(f->ctl, set, 2, first_config, 2, &st, &e), TOF_CTL_OK);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tctl_setup, tctl_teardown)
	const struct CMUnitTest tests[] = {
		T(test_by_name_and_api_ones_stay),
		T(test_nothing_listed_removes_the_config_ones),
		T(test_refusals),
		T(test_max_services),
		T(test_sessions_stay_and_frames_follow),
		T(test_failed_save_puts_the_tables_back),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
