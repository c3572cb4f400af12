/* The config's Open vSwitch parts: "ovs" with its defaults (DPDK mode and
 * kernel mode), "chains", services' applicationPort, and every rule that
 * ties them together, each refusal naming its field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#define ERRLEN 512
#define OVS "\"ovs\": {\"db\": \"unix:/run/tof-ovs/db.sock\", \"bridge\": \"br-tof\", " \
	    "\"port\": \"tof0\"}"
#define CHAIN "{\"name\": \"fw\", \"hops\": [{\"ingress\": \"fw1-in\", \"egress\": " \
	      "\"fw1-out\"}, {\"ingress\": \"dpi0\"}]}"
#define SVC(extra) "{\"name\": \"web\", \"serviceIP\": \"203.0.113.100\", " \
		   "\"applicationIP\": \"198.51.100.10\"" extra "}"

#define KOVS(kernel, ovs, more) "{\"dataplane\": \"kernel\", \"kernel\": {" kernel "}, " \
	"\"ovs\": {" ovs "}" more "}"
#define K_DUAL "\"enb\": \"s1-enb\", \"sgw\": \"s1-sgw\", \"apps\": \"tof0-k\""
#define O_DB "\"db\": \"unix:/run/tof-ovs/db.sock\""
#define O_STD O_DB ", \"bridge\": \"br-tof\", \"port\": \"tof0\""

static void test_ovs_defaults(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(tof_config_load_string("{" OVS ", \"chains\": [" CHAIN "], "
						"\"services\": [" SVC(", \"chain\": \"fw\", "
						"\"applicationPort\": \"app1\"") "]}",
						&cfg, err, sizeof(err)), 0);
	assert_true(cfg.ovs_enabled);
	assert_string_equal(cfg.ovs.db, "unix:/run/tof-ovs/db.sock");
	assert_string_equal(cfg.ovs.bridge, "br-tof");
	assert_string_equal(cfg.ovs.port, "tof0");
	/* tofd serves its socket in /run/tof; the management socket is the
	 * bridge's beside the database's */
	assert_string_equal(cfg.ovs.socket, "/run/tof/tof0.sock");
	assert_string_equal(cfg.ovs.openflow, "unix:/run/tof-ovs/br-tof.mgmt");
	assert_null(cfg.port_apps);
	assert_int_equal(cfg.n_chains, 1);
	assert_int_equal(cfg.chains[0].n_hops, 2);
	assert_string_equal(cfg.chains[0].hops[1].egress, "dpi0"); /* one-armed */
	assert_string_equal(cfg.services[0].app_port, "app1");
	tof_config_free(&cfg);
	assert_false(cfg.ovs_enabled);
	assert_null(cfg.chains);

	assert_int_equal(tof_config_load_string(
		"{\"ovs\": {\"db\": \"tcp:127.0.0.1:6640\", \"bridge\": \"b\", \"port\": \"p\", "
		"\"socket\": \"/var/run/x.sock\", \"openflow\": \"unix:/var/run/b.mgmt\"}}",
		&cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.ovs.socket, "/var/run/x.sock");
	assert_string_equal(cfg.ovs.openflow, "unix:/var/run/b.mgmt");
	tof_config_free(&cfg);

	/* without ovs, chains are still taken (kept for when it comes) */
	assert_int_equal(tof_config_load_string("{\"chains\": [" CHAIN "]}", &cfg, err,
						sizeof(err)), 0);
	assert_false(cfg.ovs_enabled);
	tof_config_free(&cfg);
}

/* Kernel mode: tofd's apps interface (kernel.apps) is one end of a veth
 * pair whose other end (ovs.port) is a system port of the bridge. */
static void test_kernel_ovs(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(tof_config_load_string(KOVS(K_DUAL, O_STD, ""), &cfg, err, sizeof(err)),
			 0);
	assert_true(cfg.ovs_enabled);
	assert_int_equal(cfg.dataplane, TOF_DATAPLANE_KERNEL);
	assert_int_equal(cfg.ovs.port_type, TOF_OVS_PORT_SYSTEM);
	assert_null(cfg.ovs.socket); /* no vhost-user socket in kernel mode */
	assert_string_equal(cfg.ovs.port, "tof0");
	assert_string_equal(cfg.kernel.apps, "tof0-k");
	assert_string_equal(cfg.ovs.openflow, "unix:/run/tof-ovs/br-tof.mgmt");
	tof_config_free(&cfg);
	assert_int_equal(cfg.ovs.port_type, TOF_OVS_PORT_VHOST);

	/* "dataplane" after "ovs", single mode, chains and services on it */
	assert_int_equal(tof_config_load_string(
		"{\"mode\": \"single\", \"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.2\"], "
		"\"ovs\": {" O_DB ", \"bridge\": \"br-apps\", \"port\": \"abcdefghijklmno\", "
		"\"openflow\": \"unix:/run/ovs/br-apps.mgmt\"}, "
		"\"chains\": [{\"name\": \"fw\", \"hops\": [{\"ingress\": \"fw1-in\", "
		"\"egress\": \"fw1-out\"}]}], "
		"\"services\": [{\"name\": \"web\", \"serviceIP\": \"203.0.113.100\", "
		"\"applicationIP\": \"198.51.100.10\", \"chain\": \"fw\", "
		"\"applicationPort\": \"app1\"}], "
		"\"kernel\": {\"s1\": \"eth1\", \"apps\": \"apps0\"}, \"dataplane\": \"kernel\"}",
		&cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.ovs.port_type, TOF_OVS_PORT_SYSTEM);
	assert_null(cfg.ovs.socket);
	assert_string_equal(cfg.ovs.port, "abcdefghijklmno");
	assert_string_equal(cfg.ovs.openflow, "unix:/run/ovs/br-apps.mgmt");
	assert_int_equal(cfg.n_chains, 1);
	tof_config_free(&cfg);

	/* DPDK mode unchanged: a vhost-user port with its default socket */
	assert_int_equal(tof_config_load_string("{\"ovs\": {" O_STD "}}", &cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.ovs.port_type, TOF_OVS_PORT_VHOST);
	assert_string_equal(cfg.ovs.socket, "/run/tof/tof0.sock");
	tof_config_free(&cfg);
}

static const struct {
	const char *json;
	const char *err;
} bad[] = {
	{ "{\"ovs\": []}", "config: \"ovs\": must be an object" },
	{ "{\"ovs\": {\"bridge\": \"b\", \"port\": \"p\"}}", "config: \"ovs.db\": missing" },
	{ "{\"ovs\": {\"db\": \"unix:/x\", \"port\": \"p\"}}", "config: \"ovs.bridge\": missing" },
	{ "{\"ovs\": {\"db\": \"unix:/x\", \"bridge\": \"b\"}}", "config: \"ovs.port\": missing" },
	{ "{\"ovs\": {\"db\": \"/run/db.sock\"}}", "config: \"ovs.db\": must be \"unix:/PATH\"" },
	{ "{\"ovs\": {\"db\": \"tcp:1.2.3.4\"}}", "config: \"ovs.db\": must be" },
	{ "{\"ovs\": {\"bridge\": \"a-bridge-name-too-long\"}}",
	  "config: \"ovs.bridge\": \"a-bridge-name-too-long\" must be 1 to 15" },
	{ "{\"ovs\": {\"port\": \"a b\"}}", "config: \"ovs.port\": \"a b\" must be 1 to 64" },
	{ "{\"ovs\": {\"socket\": \"rel.sock\"}}", "config: \"ovs.socket\": must be an absolute path" },
	{ "{\"ovs\": {\"openflow\": \"tcp:1.2.3.4:6653\"}}",
	  "config: \"ovs.openflow\": must be \"unix:/PATH\"" },
	{ "{\"ovs\": {\"db\": \"tcp:127.0.0.1:6640\", \"bridge\": \"b\", \"port\": \"p\"}}",
	  "config: \"ovs.openflow\": missing (needed when \"ovs.db\" is not a unix socket)" },
	{ "{\"ovs\": {\"vlan\": 1}}", "config: \"ovs.vlan\": unknown field" },
	{ "{" OVS ", \"ports\": {\"apps\": \"net_tap0\"}}",
	  "config: \"ports.apps\": not with \"ovs\": the apps port is then tofd's port \"tof0\"" },
	{ "{\"eal\": [\"-l\", \"0-1\", \"--no-huge\"], " OVS "}",
	  "config: \"eal[2]\": vhost-user (\"ovs\") needs hugepages" },
	/* chains */
	{ "{\"chains\": {}}", "config: \"chains\": must be an array of chains" },
	{ "{\"chains\": [{\"hops\": [{\"ingress\": \"a\"}]}]}", "config: \"chains[0].name\": name is missing" },
	{ "{\"chains\": [{\"name\": \"c\"}]}", "config: \"chains[0].hops\": hops is missing" },
	{ "{\"chains\": [{\"name\": \"c\", \"hops\": []}]}",
	  "config: \"chains[0].hops\": hops must list 1 to 16 functions" },
	{ "{\"chains\": [{\"name\": \"c\", \"hops\": [{\"egress\": \"a\"}]}]}",
	  "config: \"chains[0].hops[0].ingress\": hops[0].ingress is missing" },
	{ "{\"chains\": [{\"name\": \"c\", \"hops\": [{\"ingress\": \"a\", \"vlan\": 1}]}]}",
	  "config: \"chains[0].hops[0].vlan\": unknown field" },
	{ "{\"chains\": [{\"name\": \"c\", \"hops\": [{\"ingress\": \"a\"}, {\"ingress\": \"b\", "
	  "\"egress\": \"a\"}]}]}", "config: \"chains[0].hops[1].egress\": port \"a\" is already in hops[0]" },
	{ "{\"chains\": [{\"name\": \"c\", \"hops\": [{\"ingress\": 7}]}]}",
	  "config: \"chains[0].hops[0].ingress\": hops[0].ingress must be a string" },
	{ "{\"chains\": [" CHAIN ", " CHAIN "]}", "config: \"chains[1].name\": \"fw\" is already used by chains[0]" },
	{ "{\"chains\": [" CHAIN "], " OVS ", \"chains\": []}", "duplicate" },
	/* services and chains together */
	{ "{\"services\": [" SVC(", \"chain\": \"fw\"") "]}",
	  "config: \"services[0].chain\": no chain named \"fw\" in \"chains\"" },
	{ "{\"chains\": [" CHAIN "], \"services\": [" SVC(", \"applicationPort\": \"dpi0\"") "]}",
	  "config: \"services[0].applicationPort\": \"dpi0\" is a hop of chains[0] (\"fw\")" },
	{ "{" OVS ", \"services\": [" SVC(", \"applicationPort\": \"tof0\"") "]}",
	  "config: \"services[0].applicationPort\": \"tof0\" is tofd's own port (ovs.port)" },
	{ "{" OVS ", \"chains\": [{\"name\": \"c\", \"hops\": [{\"ingress\": \"tof0\"}]}]}",
	  "config: \"chains[0]\": a hop uses tofd's own port \"tof0\" (ovs.port)" },
	{ "{\"services\": [" SVC(", \"applicationPort\": \"a/b\"") "]}",
	  "config: \"services[0].applicationPort\": \"a/b\" must be 1 to 64" },
	/* kernel mode with ovs */
	/* a vhost-user socket has no place in kernel mode */
	{ KOVS(K_DUAL, O_STD ", \"socket\": \"/run/tof/tof0.sock\"", ""),
	  "config: \"ovs.socket\": only with \"dataplane\": \"dpdk\" (vhost-user)" },
	/* ovs.port is a network device: 15 characters at most */
	{ KOVS(K_DUAL, O_DB ", \"bridge\": \"br-tof\", \"port\": \"abcdefghijklmnop\"", ""),
	  "config: \"ovs.port\": \"abcdefghijklmnop\" is not an interface name (kernel mode" },
	{ KOVS(K_DUAL, O_DB ", \"bridge\": \"br-tof\", \"port\": \"..\"", ""),
	  "config: \"ovs.port\": \"..\" is not an interface name" },
	/* the veth's two ends are two devices */
	{ KOVS(K_DUAL, O_DB ", \"bridge\": \"br-tof\", \"port\": \"tof0-k\"", ""),
	  "config: \"ovs.port\": \"tof0-k\" is already kernel.apps" },
	{ KOVS(K_DUAL, O_DB ", \"bridge\": \"br-tof\", \"port\": \"s1-sgw\"", ""),
	  "config: \"ovs.port\": \"s1-sgw\" is already kernel.sgw" },
	{ KOVS(K_DUAL ", \"bridge\": \"br-x\"", O_DB ", \"bridge\": \"br-tof\", \"port\": \"br-x\"",
	       ""), "config: \"ovs.port\": \"br-x\" is already kernel.bridge" },
	/* the OVS bridge is a device of its own: not the Linux bridge, not a port */
	{ KOVS(K_DUAL, O_DB ", \"bridge\": \"br-s1\", \"port\": \"tof0\"", ""),
	  "config: \"ovs.bridge\": \"br-s1\" is already kernel.bridge" },
	{ KOVS(K_DUAL, O_DB ", \"bridge\": \"tof0-k\", \"port\": \"tof0\"", ""),
	  "config: \"ovs.bridge\": \"tof0-k\" is already kernel.apps" },
	{ KOVS(K_DUAL, O_DB ", \"bridge\": \"tof0\", \"port\": \"tof0\"", ""),
	  "config: \"ovs.bridge\": \"tof0\" is already ovs.port" },
	/* the rest of kernel mode's rules still hold */
	{ KOVS("\"enb\": \"s1-enb\", \"sgw\": \"s1-sgw\"", O_STD, ""),
	  "config: \"kernel.apps\": missing" },
	{ "{\"dataplane\": \"kernel\", \"ovs\": {" O_STD "}}", "config: \"kernel\": missing" },
	{ KOVS(K_DUAL, O_STD, ", \"ports\": {\"apps\": \"net_tap0\"}"),
	  "config: \"ports.apps\": not with \"ovs\"" },
	{ KOVS(K_DUAL, O_STD, ", \"eal\": [\"-l\", \"0-1\"]"),
	  "config: \"eal\": only with \"dataplane\": \"dpdk\"" },
	/* and those of the ovs section */
	{ KOVS(K_DUAL, O_DB ", \"bridge\": \"br-tof\"", ""), "config: \"ovs.port\": missing" },
	{ KOVS(K_DUAL, O_STD, ", \"services\": [{\"name\": \"w\", \"serviceIP\": "
	       "\"203.0.113.100\", \"applicationIP\": \"198.51.100.10\", "
	       "\"applicationPort\": \"tof0\"}]"),
	  "config: \"services[0].applicationPort\": \"tof0\" is tofd's own port (ovs.port)" },
};

static void test_bad(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (tof_config_load_string(bad[i].json, &cfg, err, sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i].json);
		if (!strstr(err, bad[i].err))
			fail_msg("%s:\n  got  %s\n  want %s", bad[i].json, err, bad[i].err);
		/* nothing left allocated, defaults back */
		assert_false(cfg.ovs_enabled);
		assert_null(cfg.chains);
		assert_null(cfg.ovs.db);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ovs_defaults),
		cmocka_unit_test(test_kernel_ovs),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
