/* The ctl, the API's one door to the tables: service operations and their
 * errors, persistence with roll-back, counters from a registered source,
 * tunnels, health, and the effect of a change on frames through
 * tof_pipeline_process (the data plane's function), checked here until
 * live tests can do it on the wire. Concurrency: test_ctl_race.c. */
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
#include "agent_state.h"
#include "config.h"
#include "tctl.h"
#include "tfix.h"

#define UE TCTL_UE

static void add_ok(struct tctl *f, const char *name, const char *sip, const char *aip)
{
	struct tof_service_config s = tctl_svc(name, sip, aip);
	struct tof_ctl_err e;

	if (tof_ctl_service_add(f->ctl, &s, &e) != TOF_CTL_OK)
		fail_msg("add %s: %s", name, e.msg);
}

static void expect_add(struct tctl *f, const char *name, const char *sip, const char *aip,
		       enum tof_ctl_code code, const char *field)
{
	struct tof_service_config s = tctl_svc(name, sip, aip);
	struct tof_ctl_err e;

	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), code);
	assert_int_equal(e.code, code);
	assert_string_equal(e.field, field);
	assert_true(e.msg[0] != '\0');
}

static void test_add_get_list_delete(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config *v, got;
	struct tof_ctl_err e;
	uint32_t n;
	static const char *const saved[] = { "a", "b", "c" };

	add_ok(f, "c", "203.0.113.102", "198.51.100.12");
	add_ok(f, "a", "203.0.113.100", "198.51.100.10");
	add_ok(f, "b", "2001:db8:5::100", "2001:db8:6::10");
	assert_true(tctl_visible(f, "203.0.113.100")); /* in the tables at return */
	tctl_expect_saved(f, saved, 3);                /* and in the file */
	assert_int_equal(tof_ctl_service_list(f->ctl, &v, &n, &e), TOF_CTL_OK);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "a");
	assert_string_equal(v[1].name, "b");
	assert_string_equal(v[2].name, "c");
	free(v);
	assert_int_equal(tof_ctl_service_get(f->ctl, "b", false, &got, &e), TOF_CTL_OK);
	assert_int_equal(got.service_ip.family, GTP_AF_INET6);
	assert_int_equal(tof_ctl_service_get(f->ctl, "203.0.113.102", true, &got, &e), TOF_CTL_OK);
	assert_string_equal(got.name, "c");
	assert_int_equal(tof_ctl_service_get(f->ctl, "203.0.113.102", false, &got, &e),
			 TOF_CTL_NOT_FOUND);
	assert_string_equal(e.field, "name");
	/* delete by name and by service IP */
	assert_int_equal(tof_ctl_service_delete(f->ctl, "a", &got, &e), TOF_CTL_OK);
	assert_string_equal(got.name, "a");
	assert_false(tctl_visible(f, "203.0.113.100"));
	assert_int_equal(tof_ctl_service_delete(f->ctl, "2001:db8:5::100", &got, &e), TOF_CTL_OK);
	assert_string_equal(got.name, "b");
	assert_int_equal(tof_ctl_service_delete(f->ctl, "a", NULL, &e), TOF_CTL_NOT_FOUND);
	assert_int_equal(tof_ctl_service_delete(f->ctl, "203.0.113.199", NULL, &e),
			 TOF_CTL_NOT_FOUND);
	tctl_expect_saved(f, saved + 2, 1);
}

/* A name that reads as an address names by name first. */
static void test_name_before_address(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config got;
	struct tof_ctl_err e;

	add_ok(f, "x", "203.0.113.100", "198.51.100.10");
	add_ok(f, "203.0.113.100", "203.0.113.101", "198.51.100.11");
	assert_int_equal(tof_ctl_service_delete(f->ctl, "203.0.113.100", &got, &e), TOF_CTL_OK);
	assert_string_equal(got.name, "203.0.113.100");
	assert_int_equal(tof_ctl_service_delete(f->ctl, "203.0.113.100", &got, &e), TOF_CTL_OK);
	assert_string_equal(got.name, "x");
}

static void test_add_errors(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config s;
	struct tof_ctl_err e;

	add_ok(f, "a", "203.0.113.100", "198.51.100.10");
	expect_add(f, "a", "203.0.113.101", "198.51.100.11", TOF_CTL_CONFLICT, "name");
	expect_add(f, "b", "203.0.113.100", "198.51.100.11", TOF_CTL_CONFLICT, "serviceIP");
	expect_add(f, "b", "198.51.100.10", "198.51.100.11", TOF_CTL_CONFLICT, "serviceIP");
	expect_add(f, "b", "203.0.113.101", "198.51.100.10", TOF_CTL_CONFLICT, "applicationIP");
	expect_add(f, "b", "203.0.113.101", "203.0.113.100", TOF_CTL_CONFLICT, "applicationIP");
	expect_add(f, "b", "203.0.113.101", "203.0.113.101", TOF_CTL_INVALID, "applicationIP");
	expect_add(f, "b", "203.0.113.101", "2001:db8:6::10", TOF_CTL_INVALID, "applicationIP");
	expect_add(f, "b", "224.0.0.1", "198.51.100.11", TOF_CTL_INVALID, "serviceIP");
	expect_add(f, "b", "203.0.113.101", "127.0.0.1", TOF_CTL_INVALID, "applicationIP");
	expect_add(f, "b", NULL, "198.51.100.11", TOF_CTL_INVALID, "serviceIP");
	expect_add(f, "", "203.0.113.101", "198.51.100.11", TOF_CTL_INVALID, "name");
	expect_add(f, "b/c", "203.0.113.101", "198.51.100.11", TOF_CTL_INVALID, "name");
	s = tctl_svc("b", "203.0.113.101", "198.51.100.11");
	strcpy(s.chain, "no spaces");
	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), TOF_CTL_INVALID);
	assert_string_equal(e.field, "chain");
	/* the clash names the other service */
	s = tctl_svc("b", "203.0.113.101", "198.51.100.10");
	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), TOF_CTL_CONFLICT);
	assert_non_null(strstr(e.msg, "service \"a\""));
	assert_int_equal(f->x->t->n_services, 1); /* bad input never changes state */
}

static void test_full(void **state)
{
	struct tctl *f = *state;
	char name[16], sip[32], aip[32];

	/* tfix makes 16 service slots */
	for (int i = 0; i < 16; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(sip, sizeof(sip), "203.0.113.%d", 100 + i);
		snprintf(aip, sizeof(aip), "198.51.100.%d", 10 + i);
		add_ok(f, name, sip, aip);
	}
	expect_add(f, "more", "203.0.113.199", "198.51.100.99", TOF_CTL_FULL, "");
	assert_int_equal(f->x->t->n_services, 16);
}

static void test_update_and_rename(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config s, out;
	struct tof_ctl_err e;
	static const char *const saved[] = { "b", "c" };

	add_ok(f, "a", "203.0.113.100", "198.51.100.10");
	add_ok(f, "b", "203.0.113.101", "198.51.100.11");
	/* new addresses, name kept ("" in the request) */
	s = tctl_svc("", "203.0.113.110", "198.51.100.20");
	assert_int_equal(tof_ctl_service_update(f->ctl, "a", &s, &out, &e), TOF_CTL_OK);
	assert_string_equal(out.name, "a");
	assert_false(tctl_visible(f, "203.0.113.100"));
	assert_true(tctl_visible(f, "203.0.113.110"));
	/* its own addresses swapped: no clash with itself */
	s = tctl_svc("a", "198.51.100.20", "203.0.113.110");
	assert_int_equal(tof_ctl_service_update(f->ctl, "a", &s, &out, &e), TOF_CTL_OK);
	/* rename onto a taken name, onto another's address */
	s = tctl_svc("b", "203.0.113.110", "198.51.100.20");
	assert_int_equal(tof_ctl_service_update(f->ctl, "a", &s, NULL, &e), TOF_CTL_CONFLICT);
	assert_string_equal(e.field, "name");
	s = tctl_svc("a", "203.0.113.101", "198.51.100.20");
	assert_int_equal(tof_ctl_service_update(f->ctl, "a", &s, NULL, &e), TOF_CTL_CONFLICT);
	assert_string_equal(e.field, "serviceIP");
	s = tctl_svc("", "203.0.113.101", "203.0.113.101");
	assert_int_equal(tof_ctl_service_update(f->ctl, "a", &s, NULL, &e), TOF_CTL_INVALID);
	assert_int_equal(tof_ctl_service_update(f->ctl, "zz", &s, NULL, &e), TOF_CTL_INVALID);
	s = tctl_svc("", "203.0.113.120", "198.51.100.30");
	assert_int_equal(tof_ctl_service_update(f->ctl, "zz", &s, NULL, &e), TOF_CTL_NOT_FOUND);
	/* a free name renames */
	s = tctl_svc("c", "203.0.113.110", "198.51.100.20");
	assert_int_equal(tof_ctl_service_update(f->ctl, "a", &s, &out, &e), TOF_CTL_OK);
	assert_string_equal(out.name, "c");
	assert_int_equal(tof_ctl_service_get(f->ctl, "a", false, &out, &e), TOF_CTL_NOT_FOUND);
	tctl_expect_saved(f, saved, 2);
}

/* The state file cannot be written: 'io', and the tables and the file are
 * as they were before the call. */
static void test_failed_save_rolls_back(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config s, got;
	struct tof_ctl_err e;
	char tmp[128];
	static const char *const saved[] = { "a" };

	add_ok(f, "a", "203.0.113.100", "198.51.100.10");
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->path);
	assert_int_equal(mkdir(tmp, 0700), 0);

	s = tctl_svc("b", "203.0.113.101", "198.51.100.11");
	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), TOF_CTL_IO);
	assert_false(tctl_visible(f, "203.0.113.101"));
	assert_int_equal(f->x->t->n_services, 1);

	s = tctl_svc("", "203.0.113.102", "198.51.100.12");
	assert_int_equal(tof_ctl_service_update(f->ctl, "a", &s, NULL, &e), TOF_CTL_IO);
	assert_true(tctl_visible(f, "203.0.113.100"));
	assert_false(tctl_visible(f, "203.0.113.102"));

	assert_int_equal(tof_ctl_service_delete(f->ctl, "a", NULL, &e), TOF_CTL_IO);
	assert_true(tctl_visible(f, "203.0.113.100"));
	assert_int_equal(tof_ctl_service_get(f->ctl, "a", false, &got, &e), TOF_CTL_OK);

	assert_int_equal(rmdir(tmp), 0);
	tctl_expect_saved(f, saved, 1);
	s = tctl_svc("b", "203.0.113.101", "198.51.100.11");
	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), TOF_CTL_OK);
}

static void test_load_services(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config v[2] = {
		tctl_svc("a", "203.0.113.100", "198.51.100.10"),
		tctl_svc("b", "203.0.113.100", "198.51.100.11"),
	};
	struct tof_ctl *ctl;
	struct tof_ctl_health h;
	struct tof_ctl_err e;
	struct tfix *x = tfix_new(tctl_cfg_json, 64);

	ctl = tof_ctl_create(x->t, NULL, NULL);
	tof_ctl_health(ctl, &h);
	assert_false(h.ready);
	assert_false(h.persistent);
	assert_int_equal(tof_ctl_load_services(ctl, v, 2, false, &e), TOF_CTL_CONFLICT);
	assert_string_equal(e.field, "services[1].serviceIP");
	tof_ctl_health(ctl, &h);
	assert_false(h.ready);
	/* all or nothing: "a" did not stay behind */
	assert_int_equal(x->t->n_services, 0);
	assert_int_equal(tof_ctl_load_services(ctl, v, 1, false, &e), TOF_CTL_OK);
	tof_ctl_health(ctl, &h);
	assert_true(h.ready);
	assert_int_equal(h.n_services, 1);
	assert_int_equal(h.n_problems, 0);
	tof_ctl_add_problem(ctl, "state_file", "moved aside to %s", "x.bad");
	tof_ctl_health(ctl, &h);
	assert_int_equal(h.n_problems, 1);
	assert_string_equal(h.problems[0].what, "state_file");
	assert_string_equal(h.problems[0].msg, "moved aside to x.bad");
	tof_ctl_destroy(ctl);
	tfix_free(x);
	(void)f;
}

static void test_health(void **state)
{
	struct tctl *f = *state;
	struct tof_ctl_health h;

	tof_ctl_health(f->ctl, &h);
	assert_true(h.live && h.ready && h.state_loaded && h.persistent);
	assert_false(h.dp_required);
	tof_ctl_set_dataplane(f->ctl, true, false);
	tof_ctl_health(f->ctl, &h);
	assert_false(h.ready);
	tof_ctl_set_dataplane(f->ctl, true, true);
	tof_ctl_health(f->ctl, &h);
	assert_true(h.ready);
	assert_true(h.dp_up);
}

/* A counters source as the data plane registers it. */
struct fake_dp {
	struct tof_counters c;
	struct tof_service_counters svc[16];
};

static void fake_counters(void *ctx, struct tof_counters *c, struct tof_service_counters *svc,
			  uint32_t n)
{
	struct fake_dp *d = ctx;

	*c = d->c;
	memcpy(svc, d->svc, (n < 16 ? n : 16) * sizeof(*svc));
}

static const struct tof_ctl_svc_stats *stats_of(const struct tof_ctl_stats *s, const char *name)
{
	for (uint32_t i = 0; i < s->n_svc; i++)
		if (strcmp(s->svc[i].cfg.name, name) == 0)
			return &s->svc[i];
	return NULL;
}

static void test_stats(void **state)
{
	struct tctl *f = *state;
	struct fake_dp d;
	struct tof_ctl_stats s;
	struct tof_ctl_err e;
	uint32_t slot;
	struct gtp_addr a;

	memset(&d, 0, sizeof(d));
	assert_int_equal(tof_ctl_stats(f->ctl, &s, &e), TOF_CTL_OK);
	assert_false(s.dataplane);
	assert_true(s.has_agent);
	tof_ctl_stats_free(&s);

	tof_ctl_set_counters(f->ctl, fake_counters, &d);
	add_ok(f, "a", "203.0.113.100", "198.51.100.10");
	gtp_addr_parse("203.0.113.100", &a);
	slot = tof_service_find_ip(f->x->t, &a);
	d.c.rx_pkts[TOF_PORT_ENB] = 7;
	d.c.reason[TOF_R_UL_SERVICE] = 3;
	d.svc[slot].ul_pkts = 3;
	d.svc[slot].ul_bytes = 300;
	f->x->a.events[TOF_EV_UL_LEARNED] = 2;
	assert_int_equal(tof_ctl_stats(f->ctl, &s, &e), TOF_CTL_OK);
	assert_true(s.dataplane);
	assert_int_equal(s.ctr.rx_pkts[TOF_PORT_ENB], 7);
	assert_int_equal(s.events[TOF_EV_UL_LEARNED], 2);
	assert_int_equal(s.n_svc, 1);
	assert_int_equal(stats_of(&s, "a")->ul_pkts, 3);
	assert_int_equal(stats_of(&s, "a")->ul_bytes, 300);
	tof_ctl_stats_free(&s);

	/* the slot goes to a new service: it counts from zero */
	assert_int_equal(tof_ctl_service_delete(f->ctl, "a", NULL, &e), TOF_CTL_OK);
	add_ok(f, "b", "203.0.113.101", "198.51.100.11");
	gtp_addr_parse("203.0.113.101", &a);
	assert_int_equal(tof_service_find_ip(f->x->t, &a), slot);
	d.svc[slot].ul_pkts += 1;
	assert_int_equal(tof_ctl_stats(f->ctl, &s, &e), TOF_CTL_OK);
	assert_int_equal(stats_of(&s, "b")->ul_pkts, 1);
	tof_ctl_stats_free(&s);
	tof_ctl_set_counters(f->ctl, NULL, NULL);
}

static void test_tunnels(void **state)
{
	struct tctl *f = *state;
	struct tof_ctl_tunnel v[8];
	uint32_t n, next, total, seen = 0, from = 0;
	struct gtp_addr ue;
	char a[32];

	for (int i = 0; i < 5; i++) {
		snprintf(a, sizeof(a), "198.19.0.%d", i + 1);
		tctl_session(f, a, 0x100 + (uint32_t)i);
	}
	tctl_session(f, "2001:db8:77:1::5", 0x200);
	/* pages of two */
	do {
		n = tof_ctl_tunnels(f->ctl, NULL, from, v, 2, &next, &total);
		assert_int_equal(total, 6);
		assert_true(n <= 2);
		seen += n;
		from = next;
	} while (next != UINT32_MAX);
	assert_int_equal(seen, 6);
	/* by UE: IPv4 exact, IPv6 by /64 */
	gtp_addr_parse("198.19.0.3", &ue);
	n = tof_ctl_tunnels(f->ctl, &ue, 0, v, 8, &next, &total);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].ul_teid, 0x102);
	assert_int_equal(next, UINT32_MAX);
	gtp_addr_parse("2001:db8:77:1::abcd", &ue);
	n = tof_ctl_tunnels(f->ctl, &ue, 0, v, 8, &next, &total);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].ul_teid, 0x200);
	gtp_addr_parse("2001:db8:77:2::5", &ue);
	assert_int_equal(tof_ctl_tunnels(f->ctl, &ue, 0, v, 8, &next, &total), 0);
}

/* --- the data-plane effect --- */

static void test_change_takes_effect_on_frames(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config s;
	struct tof_ctl_err e;
	struct tof_result r;
	struct tframe tf;
	struct gtp_addr app, got;

	tctl_session(f, UE, 0x100);
	tctl_uplink(f, "203.0.113.100", &tf, &r);
	assert_int_equal(r.verdict, TOF_V_PASS);

	add_ok(f, "cache", "203.0.113.100", "198.51.100.10");
	tctl_uplink(f, "203.0.113.100", &tf, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	got = tctl_offload_dst(&tf);
	gtp_addr_parse("198.51.100.10", &app);
	assert_true(gtp_addr_eq(&got, &app));

	s = tctl_svc("", "203.0.113.100", "198.51.100.20");
	assert_int_equal(tof_ctl_service_update(f->ctl, "cache", &s, NULL, &e), TOF_CTL_OK);
	tctl_uplink(f, "203.0.113.100", &tf, &r);
	assert_int_equal(r.verdict, TOF_V_OFFLOAD);
	got = tctl_offload_dst(&tf);
	gtp_addr_parse("198.51.100.20", &app);
	assert_true(gtp_addr_eq(&got, &app));

	assert_int_equal(tof_ctl_service_delete(f->ctl, "203.0.113.100", NULL, &e), TOF_CTL_OK);
	tctl_uplink(f, "203.0.113.100", &tf, &r);
	assert_int_equal(r.verdict, TOF_V_PASS);
	assert_int_equal(r.reason, TOF_R_UL_KNOWN);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tctl_setup, tctl_teardown)
	const struct CMUnitTest tests[] = {
		T(test_add_get_list_delete),
		T(test_name_before_address),
		T(test_add_errors),
		T(test_full),
		T(test_update_and_rename),
		T(test_failed_save_rolls_back),
		T(test_load_services),
		T(test_health),
		T(test_stats),
		T(test_tunnels),
		T(test_change_takes_effect_on_frames),
	};
#undef T
	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
