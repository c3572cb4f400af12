/* tof/ovs's OVSDB side against a real ovsdb-server (no switch needed):
 * JSON-RPC framing, the monitor's replica following changes made by
 * others, and the transactions that make the bridge and tofd's port what
 * the config says, from nothing and from a tampered state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ovs_bridge.h"
#include "ovs_int.h"
#include "ovs_sock.h"
#include "ovsdb.h"

struct fx {
	char dir[64], db[128];
	struct tof_ovs_config cfg;
	struct ovsdb c;
};

static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	return system(cmd);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	strcpy(f->dir, "/tmp/tof-test-ovsdb.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	if (sh("ovsdb-tool create %s/conf.db /usr/share/openvswitch/vswitch.ovsschema && "
	       "ovsdb-server %s/conf.db --remote=punix:$(dirname %1$s/x)/db.sock "
	       "--pidfile=$(dirname %1$s/x)/db.pid --unixctl=$(dirname %1$s/x)/db.ctl "
	       "-vconsole:off --detach --no-chdir", f->dir, f->dir) != 0)
		return -1;
	snprintf(f->db, sizeof(f->db), "unix:%s/db.sock", f->dir);
	if (sh("ovs-vsctl --db=unix:%s/db.sock --no-wait init%s", f->dir, "") != 0)
		return -1;
	f->cfg.db = f->db;
	f->cfg.bridge = "br-test";
	f->cfg.port = "tof0";
	f->cfg.socket = "/run/tof/tof0.sock";
	ovsdb_init(&f->c);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ovsdb_close(&f->c);
	sh("kill $(cat %s/db.pid) 2>/dev/null; rm -rf %s", f->dir, f->dir);
	free(f);
	return 0;
}

static void vsctl(struct fx *f, const char *args)
{
	if (sh("ovs-vsctl --db=unix:%s/db.sock --no-wait %s", f->dir, args) != 0)
		fail_msg("ovs-vsctl %s failed", args);
}

/* Read notifications until the replica's view satisfies ok (or 2 s). */
static void view_until(struct fx *f, struct ovs_bridge_view *v,
		       bool (*ok)(const struct ovs_bridge_view *v))
{
	uint64_t end = ovs_now_ms() + 2000;

	for (;;) {
		assert_int_equal(ovsdb_poll(&f->c), 0);
		assert_int_equal(ovs_bridge_view(&f->c, &f->cfg, v), 0);
		if (ok(v) || ovs_now_ms() > end)
			return;
		ovs_bridge_view_free(v);
		usleep(10000);
	}
}

static bool all_right(const struct ovs_bridge_view *v)
{
	return v->bridge_found && v->netdev && v->secure && v->port_found && v->port_ok;
}

static bool not_right(const struct ovs_bridge_view *v)
{
	return !all_right(v);
}

static void fix(struct fx *f, struct ovs_bridge_view *v)
{
	json_t *ops = ovs_bridge_fix(&f->c, &f->cfg, v);

	assert_non_null(ops);
	if (ovsdb_transact(&f->c, ops, NULL, 2000) != 0)
		fail_msg("transact: %s", f->c.err);
	ovs_bridge_view_free(v);
	view_until(f, v, all_right);
	assert_true(all_right(v));
}

/* Follow the database; its view now. */
static void open_view(struct fx *f, struct ovs_bridge_view *v)
{
	json_t *tables = ovs_bridge_monitor_tables();

	assert_int_equal(ovsdb_open(&f->c, f->db, tables, 2000), 0);
	json_decref(tables);
	assert_int_equal(ovs_bridge_view(&f->c, &f->cfg, v), 0);
}

static void test_create_and_repair(void **state)
{
	struct fx *f = *state;
	struct ovs_bridge_view v;

	open_view(f, &v);
	assert_true(v.has_root);
	assert_false(v.bridge_found);
	fix(f, &v); /* bridge + its internal port + tofd's port */
	assert_int_equal(v.n_ports, 2);
	ovs_bridge_view_free(&v);
	/* nothing left to do */
	assert_int_equal(ovs_bridge_view(&f->c, &f->cfg, &v), 0);
	assert_null(ovs_bridge_fix(&f->c, &f->cfg, &v));
	ovs_bridge_view_free(&v);
	if (sh("test \"$(ovs-vsctl --db=unix:%s/db.sock get Interface tof0 type)\" = "
	       "dpdkvhostuserclient%s", f->dir, "") != 0)
		fail_msg("tof0 is not a dpdkvhostuserclient interface");

	/* someone changes the interface: put back */
	vsctl(f, "set Interface tof0 type=internal");
	view_until(f, &v, not_right);
	assert_true(v.port_found);
	assert_false(v.port_ok);
	fix(f, &v);
	ovs_bridge_view_free(&v);
	/* ... removes the port: added again */
	vsctl(f, "del-port br-test tof0");
	view_until(f, &v, not_right);
	assert_false(v.port_found);
	fix(f, &v);
	ovs_bridge_view_free(&v);
	/* ... makes it a kernel bridge: netdev again */
	vsctl(f, "set Bridge br-test datapath_type=system");
	view_until(f, &v, not_right);
	fix(f, &v);
	ovs_bridge_view_free(&v);
	/* ... lets it fall back to NORMAL switching without tofd: secure again */
	vsctl(f, "set-fail-mode br-test standalone");
	view_until(f, &v, not_right);
	assert_false(v.secure);
	fix(f, &v);
	ovs_bridge_view_free(&v);
	if (sh("test \"$(ovs-vsctl --db=unix:%s/db.sock get-fail-mode br-test)\" = secure%s",
	       f->dir, "") != 0)
		fail_msg("br-test is not fail_mode=secure");
}

/* Kernel mode: tofd's port is a system port (type "", no options); a
 * vhost-user interface left by a DPDK tofd is turned into one. */
static void test_system_port(void **state)
{
	struct fx *f = *state;
	struct ovs_bridge_view v;

	open_view(f, &v);
	fix(f, &v); /* as DPDK mode leaves it */
	ovs_bridge_view_free(&v);
	f->cfg.port_type = TOF_OVS_PORT_SYSTEM;
	f->cfg.socket = NULL;
	assert_int_equal(ovs_bridge_view(&f->c, &f->cfg, &v), 0);
	assert_true(v.port_found);
	assert_false(v.port_ok);
	fix(f, &v);
	ovs_bridge_view_free(&v);
	if (sh("test \"$(ovs-vsctl --db=unix:%s/db.sock get Interface tof0 type)\" = "
	       "'\"\"'%s", f->dir, "") != 0 ||
	    sh("test \"$(ovs-vsctl --db=unix:%s/db.sock get Interface tof0 options)\" = "
	       "'{}'%s", f->dir, "") != 0)
		fail_msg("tof0 is not a system port");
	/* from nothing, and after someone made it an internal port */
	vsctl(f, "del-br br-test");
	view_until(f, &v, not_right);
	assert_false(v.bridge_found);
	fix(f, &v);
	assert_int_equal(v.n_ports, 2);
	ovs_bridge_view_free(&v);
	vsctl(f, "set Interface tof0 type=internal");
	view_until(f, &v, not_right);
	fix(f, &v);
	ovs_bridge_view_free(&v);
	assert_int_equal(ovs_bridge_view(&f->c, &f->cfg, &v), 0);
	assert_null(ovs_bridge_fix(&f->c, &f->cfg, &v));
	ovs_bridge_view_free(&v);
}

static bool has_marks(const struct ovs_bridge_view *v)
{
	return v->n_marked == 1;
}

static void test_marks_and_elsewhere(void **state)
{
	struct fx *f = *state;
	struct ovs_bridge_view v;
	json_t *tables = ovs_bridge_monitor_tables();

	vsctl(f, "add-br br-test -- set Bridge br-test datapath_type=netdev -- "
		 "add-port br-test fw1 -- set Port fw1 external_ids:tof-hop=true -- "
		 "add-port br-test app1");
	assert_int_equal(ovsdb_open(&f->c, f->db, tables, 2000), 0);
	json_decref(tables);
	view_until(f, &v, has_marks);
	assert_int_equal(v.n_marked, 1);
	assert_string_equal(v.marked[0], "fw1");
	fix(f, &v);
	assert_int_equal(v.n_ports, 4);
	ovs_bridge_view_free(&v);
	/* tofd's port on another bridge: said, not stolen */
	vsctl(f, "del-port br-test tof0 -- add-br br-other -- add-port br-other tof0");
	view_until(f, &v, not_right);
	assert_string_equal(v.elsewhere, "br-other");
	assert_null(ovs_bridge_fix(&f->c, &f->cfg, &v));
	ovs_bridge_view_free(&v);
}

static void test_errors(void **state)
{
	struct fx *f = *state;
	json_t *tables = ovs_bridge_monitor_tables();

	/* no server there */
	assert_int_equal(ovsdb_open(&f->c, "unix:/nonexistent/db.sock", tables, 500), -1);
	assert_non_null(strstr(f->c.err, "/nonexistent/db.sock"));
	assert_false(ovsdb_is_open(&f->c));
	assert_int_equal(ovsdb_open(&f->c, f->db, tables, 2000), 0);
	json_decref(tables);
	/* a refused operation says why */
	assert_int_equal(ovsdb_transact(&f->c, json_pack("[{s:s,s:s,s:{s:i}}]", "op", "insert",
							 "table", "Bridge", "row", "name", 7),
					NULL, 2000), -1);
	assert_true(f->c.err[0] != '\0');
	/* the connection survives a refusal */
	assert_int_equal(ovsdb_transact(&f->c, json_pack("[{s:s,s:s}]", "op", "comment",
							 "comment", "tof test"), NULL, 2000), 0);
}

/* One tofd per bridge of one OVS: the lock is the bridge's and the
 * database's, held until its fd closes; no lock file to be had is a
 * warning, not a refusal. */
static void test_bridge_lock(void **state)
{
	char dir[] = "/tmp/tof-test-ovslock.XXXXXX", err[256], bad[128];
	int a, b, c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	a = ovs_lock_take(dir, "unix:/run/a/db.sock", "br-x", err, sizeof(err));
	assert_true(a >= 0);
	assert_int_equal(ovs_lock_take(dir, "unix:/run/a/db.sock", "br-x", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "ovs.bridge: another tofd manages bridge br-x"));
	b = ovs_lock_take(dir, "unix:/run/b/db.sock", "br-x", err, sizeof(err)); /* another OVS */
	assert_true(b >= 0);
	c = ovs_lock_take(dir, "unix:/run/a/db.sock", "br-y", err, sizeof(err));
	assert_true(c >= 0);
	close(a);
	a = ovs_lock_take(dir, "unix:/run/a/db.sock", "br-x", err, sizeof(err));
	assert_true(a >= 0);
	close(a), close(b), close(c);
	/* a directory that cannot be: under a regular file */
	snprintf(bad, sizeof(bad), "%s/file", dir);
	FILE *fp = fopen(bad, "w");
	assert_non_null(fp);
	fclose(fp);
	strcat(bad, "/sub");
	assert_int_equal(ovs_lock_take(bad, "unix:/run/a/db.sock", "br-x", err, sizeof(err)),
			 OVS_LOCK_NONE);
	sh("rm -rf %s%s", dir, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create_and_repair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_marks_and_elsewhere, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test(test_bridge_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
