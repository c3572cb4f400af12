/* Port chains through the ctl: create, replace, list, delete; the checks
 * that tie them to services and the bridge (a chain in use, an unknown
 * chain or port, tofd's own port, an app's port as a hop); persistence
 * beside the services (state file v2, v1 files taking the config's
 * chains); the sink seeing every change in order; and what the switch
 * adds to /health. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent_ctl.h"
#include "agent_state.h"
#include "config.h"
#include "tctl.h"

/* A sink standing for the bridge: its ports, and what it was handed. */
struct fake_bridge {
	int known;                 /* port_state for unknown names: 0 or -1 */
	uint32_t applies;
	uint32_t last_svcs, last_chains;
	char last_chain_of_first[TOF_NAME_MAX + 1];
};

static struct fake_bridge br;

static int br_port_state(void *ctx, const char *port)
{
	static const char *const ports[] = { "fw1-in", "fw1-out", "fw2", "app1", "tof0", NULL };

	(void)ctx;
	for (int i = 0; ports[i]; i++)
		if (strcmp(ports[i], port) == 0)
			return 1;
	return br.known;
}

static void br_apply(void *ctx, const struct tof_service_config *svcs, uint32_t n,
		     const struct tof_chain_config *chains, uint32_t n_chains)
{
	(void)ctx;
	(void)chains;
	br.applies++;
	br.last_svcs = n;
	br.last_chains = n_chains;
	snprintf(br.last_chain_of_first, sizeof(br.last_chain_of_first), "%s",
		 n ? svcs[0].chain : "");
}

static int setup(void **state)
{
	struct tof_ctl_sink sink = { .port_state = br_port_state, .apply = br_apply,
				     .own_port = "tof0" };
	struct tctl *f;

	if (tctl_setup(state) != 0)
		return -1;
	f = *state;
	memset(&br, 0, sizeof(br));
	tof_ctl_set_sink(f->ctl, &sink);
	return 0;
}

static struct tof_chain_config chain(const char *name, const char *in1, const char *out1,
				     const char *in2)
{
	struct tof_chain_config c;

	memset(&c, 0, sizeof(c));
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.hops[0].ingress, sizeof(c.hops[0].ingress), "%s", in1);
	snprintf(c.hops[0].egress, sizeof(c.hops[0].egress), "%s", out1);
	c.n_hops = 1;
	if (in2) {
		snprintf(c.hops[1].ingress, sizeof(c.hops[1].ingress), "%s", in2);
		snprintf(c.hops[1].egress, sizeof(c.hops[1].egress), "%s", in2);
		c.n_hops = 2;
	}
	return c;
}

static void put_ok(struct tctl *f, struct tof_chain_config c, bool want_created)
{
	struct tof_ctl_err e;
	bool created;

	if (tof_ctl_chain_put(f->ctl, &c, &created, &e) != TOF_CTL_OK)
		fail_msg("put %s: %s: %s", c.name, e.field, e.msg);
	assert_int_equal(created, want_created);
}

static void expect_put(struct tctl *f, struct tof_chain_config c, enum tof_ctl_code code,
		       const char *field)
{
	struct tof_ctl_err e;
	bool created;
	uint32_t before = br.applies;

	assert_int_equal(tof_ctl_chain_put(f->ctl, &c, &created, &e), code);
	assert_string_equal(e.field, field);
	assert_true(e.msg[0] != '\0');
	assert_int_equal(br.applies, before); /* nothing changed, nothing sent */
}

static struct tof_service_config svc_on(const char *name, const char *sip, const char *aip,
					const char *chain_name, const char *port)
{
	struct tof_service_config s = tctl_svc(name, sip, aip);

	snprintf(s.chain, sizeof(s.chain), "%s", chain_name ? chain_name : "");
	snprintf(s.app_port, sizeof(s.app_port), "%s", port ? port : "");
	return s;
}

static void test_put_get_list_delete(void **state)
{
	struct tctl *f = *state;
	struct tof_chain_config c, *v;
	struct tof_ctl_err e;
	uint32_t n;

	put_ok(f, chain("fw", "fw1-in", "fw1-out", NULL), true);
	put_ok(f, chain("both", "fw1-in", "fw1-out", "fw2"), true);
	put_ok(f, chain("fw", "fw2", "fw2", NULL), false); /* replaced */
	assert_int_equal(tof_ctl_chain_get(f->ctl, "fw", &c, &e), TOF_CTL_OK);
	assert_string_equal(c.hops[0].ingress, "fw2");
	assert_int_equal(tof_ctl_chain_list(f->ctl, &v, &n, &e), TOF_CTL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].name, "both"); /* by name */
	assert_int_equal(v[0].n_hops, 2);
	free(v);
	assert_int_equal(br.last_chains, 2);
	assert_int_equal(tof_ctl_chain_delete(f->ctl, "fw", &c, &e), TOF_CTL_OK);
	assert_string_equal(c.name, "fw");
	assert_int_equal(tof_ctl_chain_get(f->ctl, "fw", &c, &e), TOF_CTL_NOT_FOUND);
	assert_string_equal(e.field, "name");
	assert_int_equal(tof_ctl_chain_delete(f->ctl, "fw", NULL, &e), TOF_CTL_NOT_FOUND);
	assert_int_equal(br.last_chains, 1);
	assert_int_equal(br.applies, 4 + 1); /* the registration, then each change */
}

static void test_bad_chains(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config s = svc_on("web", "203.0.113.100", "198.51.100.10", NULL, "app1");
	struct tof_chain_config c = chain("fw", "fw1-in", "fw1-out", NULL), *v;
	struct tof_ctl_err e;
	uint32_t n;

	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), TOF_CTL_OK);
	expect_put(f, chain("x", "nope", "fw1-out", NULL), TOF_CTL_CONFLICT, "hops[0].ingress");
	expect_put(f, chain("x", "fw1-in", "tof0", NULL), TOF_CTL_CONFLICT, "hops[0].egress");
	expect_put(f, chain("x", "fw1-in", "fw1-out", "app1"), TOF_CTL_CONFLICT, "hops[1].ingress");
	expect_put(f, chain("x", "fw1-in", "fw1-out", "fw1-in"), TOF_CTL_INVALID, "hops[1].ingress");
	expect_put(f, chain("x y", "fw1-in", "fw1-out", NULL), TOF_CTL_INVALID, "name");
	c.n_hops = 0;
	expect_put(f, c, TOF_CTL_INVALID, "hops");
	/* the bridge cannot be asked: the port is taken on trust */
	br.known = -1;
	put_ok(f, chain("later", "fw9-in", "fw9-out", NULL), true);
	assert_int_equal(tof_ctl_chain_list(f->ctl, &v, &n, &e), TOF_CTL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(v[0].name, "later");
	free(v);
}

static void test_services_and_chains(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config s = svc_on("web", "203.0.113.100", "198.51.100.10", "fw", NULL);
	struct tof_service_config out;
	struct tof_ctl_err e;

	/* an unknown chain */
	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), TOF_CTL_CONFLICT);
	assert_string_equal(e.field, "chain");
	put_ok(f, chain("fw", "fw1-in", "fw1-out", NULL), true);
	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), TOF_CTL_OK);
	assert_string_equal(br.last_chain_of_first, "fw");
	/* in use: not deleted, still there */
	assert_int_equal(tof_ctl_chain_delete(f->ctl, "fw", NULL, &e), TOF_CTL_CONFLICT);
	assert_non_null(strstr(e.msg, "web"));
	/* the app's port: not a hop, not tofd's, on the bridge */
	snprintf(s.app_port, sizeof(s.app_port), "fw1-out");
	assert_int_equal(tof_ctl_service_update(f->ctl, "web", &s, &out, &e), TOF_CTL_CONFLICT);
	assert_string_equal(e.field, "applicationPort");
	snprintf(s.app_port, sizeof(s.app_port), "tof0");
	assert_int_equal(tof_ctl_service_update(f->ctl, "web", &s, &out, &e), TOF_CTL_CONFLICT);
	snprintf(s.app_port, sizeof(s.app_port), "app7");
	assert_int_equal(tof_ctl_service_update(f->ctl, "web", &s, &out, &e), TOF_CTL_CONFLICT);
	snprintf(s.app_port, sizeof(s.app_port), "app1");
	assert_int_equal(tof_ctl_service_update(f->ctl, "web", &s, &out, &e), TOF_CTL_OK);
	assert_string_equal(out.app_port, "app1");
	/* a chain may not take an app's port later either */
	expect_put(f, chain("fw", "app1", "app1", NULL), TOF_CTL_CONFLICT, "hops[0].ingress");
	/* off the chain, then the chain can go */
	s.chain[0] = '\0';
	assert_int_equal(tof_ctl_service_update(f->ctl, "web", &s, &out, &e), TOF_CTL_OK);
	assert_string_equal(br.last_chain_of_first, "");
	assert_int_equal(tof_ctl_chain_delete(f->ctl, "fw", NULL, &e), TOF_CTL_OK);
}

static void test_persisted(void **state)
{
	struct tctl *f = *state;
	struct tof_service_config s = svc_on("web", "203.0.113.100", "198.51.100.10", "fw", "app1");
	struct tof_state_doc d;
	struct tof_config cfg;
	struct tof_ctl_err e;
	char err[256];
	bool seeded;

	put_ok(f, chain("fw", "fw1-in", "fw1-out", "fw2"), true);
	assert_int_equal(tof_ctl_service_add(f->ctl, &s, &e), TOF_CTL_OK);
	tof_config_defaults(&cfg);
	assert_int_equal(tof_state_load_doc(f->st, &cfg, &d, &seeded, err, sizeof(err)), 0);
	assert_false(seeded);
	assert_int_equal(d.n_chains, 1);
	assert_int_equal(d.chains[0].n_hops, 2);
	assert_string_equal(d.chains[0].hops[1].egress, "fw2");
	assert_int_equal(d.n_svcs, 1);
	assert_string_equal(d.svcs[0].chain, "fw");
	assert_string_equal(d.svcs[0].app_port, "app1");
	tof_state_doc_free(&d);
}

/* A file from before chains: its services, the config's chains. */
static void test_version1_file(void **state)
{
	struct tctl *f = *state;
	struct tof_state_doc d;
	struct tof_config cfg;
	char err[512];
	bool seeded;
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs("{\"version\": 1, \"services\": [{\"name\": \"web\", \"serviceIP\": "
	      "\"203.0.113.100\", \"applicationIP\": \"198.51.100.10\", \"chain\": \"fw\"}]}",
	      fp);
	fclose(fp);
	assert_int_equal(tof_config_load_string("{\"chains\": [{\"name\": \"fw\", \"hops\": "
						"[{\"ingress\": \"a\"}]}], \"services\": []}",
						&cfg, err, sizeof(err)), 0);
	assert_int_equal(tof_state_load_doc(f->st, &cfg, &d, &seeded, err, sizeof(err)), 0);
	assert_int_equal(d.n_svcs, 1);
	assert_int_equal(d.n_chains, 1);
	assert_string_equal(d.chains[0].hops[0].egress, "a"); /* one-armed */
	tof_state_doc_free(&d);
	tof_config_free(&cfg);
}

static void test_load_order(void **state)
{
	struct tctl *f = *state;
	struct tof_chain_config c[2] = { chain("b", "fw2", "fw2", NULL),
					 chain("b", "fw1-in", "fw1-out", NULL) };
	struct tof_ctl_err e;

	/* a name twice */
	assert_int_equal(tof_ctl_load_chains(f->ctl, c, 2, &e), TOF_CTL_CONFLICT);
	snprintf(c[1].name, sizeof(c[1].name), "a");
	assert_int_equal(tof_ctl_load_chains(f->ctl, c, 2, &e), TOF_CTL_OK);
	assert_int_equal(tof_ctl_chain_get(f->ctl, "a", &c[0], &e), TOF_CTL_OK);
	assert_string_equal(c[0].hops[0].ingress, "fw1-in");
}

/* What the fake switch says to /health. */
static struct tof_ctl_sink_health br_said;

static void br_health(void *ctx, struct tof_ctl_sink_health *h)
{
	(void)ctx;
	*h = br_said;
}

/* /health's inputs with a switch: unreachable is not ready, with an "ovs"
 * problem beside the lasting ones; a service held at drop is a problem
 * of a ready appliance (degraded); a whole bridge adds none. */
static void test_health_problems(void **state)
{
	struct tctl *f = *state;
	struct tof_ctl_sink sink = { .port_state = br_port_state, .apply = br_apply,
				     .health = br_health, .own_port = "tof0" };
	struct tof_ctl_health h;

	memset(&br_said, 0, sizeof(br_said));
	snprintf(br_said.bridge, sizeof(br_said.bridge), "br-tof");
	snprintf(br_said.error, sizeof(br_said.error), "openflow: connection refused");
	br_said.retry_ms = 800;
	tof_ctl_set_sink(f->ctl, &sink);
	tof_ctl_add_problem(f->ctl, "state_file", "moved aside");
	tof_ctl_health(f->ctl, &h);
	assert_true(h.has_sink);
	assert_false(h.ready);
	assert_int_equal(h.n_problems, 2);
	assert_string_equal(h.problems[0].what, "state_file");
	assert_string_equal(h.problems[1].what, "ovs");
	assert_non_null(strstr(h.problems[1].msg, "unreachable"));
	assert_non_null(strstr(h.problems[1].msg, "connection refused"));
	assert_non_null(strstr(h.problems[1].msg, "800 ms"));

	br_said.reachable = br_said.in_sync = true;
	br_said.error[0] = '\0';
	br_said.degraded = 1;
	snprintf(br_said.missing, sizeof(br_said.missing), "fw9-in (chain fw)");
	tof_ctl_health(f->ctl, &h);
	assert_true(h.ready);
	assert_int_equal(h.n_problems, 2);
	assert_string_equal(h.problems[1].what, "ovs");
	assert_non_null(strstr(h.problems[1].msg, "1 service(s) held at drop"));
	assert_non_null(strstr(h.problems[1].msg, "fw9-in (chain fw)"));

	br_said.degraded = 0;
	br_said.missing[0] = '\0';
	tof_ctl_health(f->ctl, &h);
	assert_true(h.ready);
	assert_int_equal(h.n_problems, 1); /* the state file's stays */
	assert_string_equal(h.problems[0].what, "state_file");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_get_list_delete, setup, tctl_teardown),
		cmocka_unit_test_setup_teardown(test_bad_chains, setup, tctl_teardown),
		cmocka_unit_test_setup_teardown(test_services_and_chains, setup, tctl_teardown),
		cmocka_unit_test_setup_teardown(test_persisted, setup, tctl_teardown),
		cmocka_unit_test_setup_teardown(test_version1_file, setup, tctl_teardown),
		cmocka_unit_test_setup_teardown(test_load_order, setup, tctl_teardown),
		cmocka_unit_test_setup_teardown(test_health_problems, setup, tctl_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
