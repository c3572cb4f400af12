/* tof/ovs's thread against a real ovsdb-server and no switch (its
 * OpenFlow side unreachable): it makes the bridge and tofd's port in the
 * database, says it cannot reach OpenFlow, backs off, and stays
 * answerable: applies from several threads return at once (nothing to
 * wait for while the switch is away), health and port lookups never block
 * on it, and it stops cleanly. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ovs.h"
#include "ovs_sock.h"

struct fx {
	char dir[64], db[128], mgmt[128];
	struct tof_ovs *o;
};

static int sh(const char *fmt, const char *a)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, a, a, a, a);
	return system(cmd);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/tof-test-ovsthr.XXXXXX");
	if (!mkdtemp(f->dir) ||
	    sh("ovsdb-tool create %s/conf.db /usr/share/openvswitch/vswitch.ovsschema && "
	       "ovsdb-server %s/conf.db --remote=punix:%s/db.sock --pidfile=%s/db.pid "
	       "--unixctl=%s/db.ctl -vconsole:off --detach --no-chdir", f->dir) != 0 ||
	    sh("ovs-vsctl --db=unix:%s/db.sock --no-wait init", f->dir) != 0)
		return -1;
	snprintf(f->db, sizeof(f->db), "unix:%s/db.sock", f->dir);
	snprintf(f->mgmt, sizeof(f->mgmt), "unix:%s/br-t.mgmt", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sh("kill $(cat %s/db.pid) 2>/dev/null; rm -rf %s", f->dir);
	free(f);
	return 0;
}

static bool stop_all; /* atomic */

static void *applier(void *arg)
{
	struct tof_ovs *o = arg;
	struct tof_service_config s;
	struct tof_chain_config c = { .name = "fw", .n_hops = 1,
				      .hops = { { "fw1-in", "fw1-out" } } };

	memset(&s, 0, sizeof(s));
	strcpy(s.name, "web");
	strcpy(s.chain, "fw");
	gtp_addr_parse("203.0.113.100", &s.service_ip);
	gtp_addr_parse("198.51.100.10", &s.app_ip);
	while (!__atomic_load_n(&stop_all, __ATOMIC_ACQUIRE)) {
		uint64_t t0 = ovs_now_ms();

		tof_ovs_apply(o, &s, 1, &c, 1, 2000);
		/* the switch is away: nothing to wait for */
		assert_true(ovs_now_ms() - t0 < 500);
	}
	return NULL;
}

static void *reader(void *arg)
{
	struct tof_ovs *o = arg;
	struct tof_ctl_sink_health h;

	while (!__atomic_load_n(&stop_all, __ATOMIC_ACQUIRE)) {
		tof_ovs_health(o, &h);
		assert_false(h.in_sync);
		assert_int_equal(tof_ovs_port_state(o, "fw1-in"), -1);
	}
	return NULL;
}

static void test_unreachable_switch(void **state)
{
	struct fx *f = *state;
	struct tof_ovs_config cfg = { .db = f->db, .bridge = "br-t", .port = "tof0",
				      .socket = "/run/tof/tof0.sock", .openflow = f->mgmt };
	struct tof_ctl_sink_health h;
	pthread_t th[4];
	char err[128];
	uint64_t end;

	f->o = tof_ovs_start(&cfg, err, sizeof(err));
	assert_non_null(f->o);
	/* a second one on the same bridge is refused before it touches it */
	assert_null(tof_ovs_start(&cfg, err, sizeof(err)));
	assert_non_null(strstr(err, "ovs.bridge: another tofd manages bridge br-t"));
	for (int i = 0; i < 4; i++)
		pthread_create(&th[i], NULL, i < 2 ? applier : reader, f->o);
	/* the database side is done while OpenFlow is refused */
	end = ovs_now_ms() + 5000;
	for (;;) {
		tof_ovs_health(f->o, &h);
		if (h.bridge_ok && strstr(h.error, "openflow"))
			break;
		assert_true(ovs_now_ms() < end);
		usleep(20000);
	}
	assert_false(h.reachable);
	assert_true(h.retry_ms >= 100);
	assert_string_equal(h.bridge, "br-t");
	usleep(300000);
	__atomic_store_n(&stop_all, true, __ATOMIC_RELEASE);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	tof_ovs_stop(f->o);
	if (sh("test \"$(ovs-vsctl --db=unix:%s/db.sock get Interface tof0 type)\" = "
	       "dpdkvhostuserclient", f->dir) != 0)
		fail_msg("tofd's port was not made in the database");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unreachable_switch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
