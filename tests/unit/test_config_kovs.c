/* Kernel mode with "ovs": tofd's apps interface (kernel.apps) is one end of
 * a veth pair whose other end (ovs.port) is a system port of the bridge.
 * The accepted forms, and each refusal naming its field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"

#define ERRLEN 512
#define KOVS(kernel, ovs, more) "{\"dataplane\": \"kernel\", \"kernel\": {" kernel "}, " \
	"\"ovs\": {" ovs "}" more "}"
#define K_DUAL "\"enb\": \"s1-enb\", \"sgw\": \"s1-sgw\", \"apps\": \"tof0-k\""
#define O_DB "\"db\": \"unix:/run/tof-ovs/db.sock\""
#define O_STD O_DB ", \"bridge\": \"br-tof\", \"port\": \"tof0\""

static void test_accepted(void **state)
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

static void test_refused(void **state)
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
		assert_false(cfg.ovs_enabled);
		assert_null(cfg.ovs.socket);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
