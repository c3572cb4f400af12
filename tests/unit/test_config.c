/* Configuration loading: the example from the issue, every default, every
 * field, and every kind of bad input yielding -1 with a message that names
 * the field. Run under ASan, LeakSanitizer proves tof_config_free. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"

#define ERRLEN 512

static const char example[] =
	"{\"mode\": \"dual\", \"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.2\"],\n"
	" \"services\": [{\"name\": \"cache\", \"serviceIP\": \"203.0.113.100\","
	" \"applicationIP\": \"198.51.100.10\"}],\n"
	" \"idle_timeout_s\": 300,\n"
	" \"pinger\": {\"target\": \"203.0.113.1\", \"interval_ms\": 1000, \"tries\": 5}}\n";

/* Every field, none at its default. */
static const char full[] =
	"{\"mode\": \"single\",\n"
	" \"enb\": [\"198.18.0.1\", \"198.18.0.64/26\", \"2001:db8:e::/48\"],\n"
	" \"sgw\": [\"198.18.0.2\", \"2001:db8:5::2\"],\n"
	" \"services\": [\n"
	"  {\"name\": \"cache\", \"serviceIP\": \"203.0.113.100\", \"applicationIP\": \"198.51.100.10\","
	"   \"applicationMAC\": \"02:00:00:00:00:0a\", \"chain\": \"fw.v1-a_b\"},\n"
	"  {\"name\": \"v6.app\", \"serviceIP\": \"2001:db8:cafe::1\","
	"   \"applicationIP\": \"2001:db8:51::10\"}],\n"
	" \"chains\": [{\"name\": \"fw.v1-a_b\", \"hops\": [{\"ingress\": \"fw0\"}]}],\n"
	" \"idle_timeout_s\": 0, \"purge_interval_ms\": 250,\n"
	" \"max_sessions\": 4096, \"max_services\": 16,\n"
	" \"pinger\": {\"target\": \"2001:db8:71::1\", \"interval_ms\": 500, \"tries\": 7,\n"
	"   \"backoff_pct\": 150, \"max_interval_ms\": 8000, \"payload_len\": 56, \"ident\": 4660,\n"
	"   \"key\": 1234567890123, \"ttl\": 32, \"policy\": \"on_demand\", \"rate_pps\": 77},\n"
	" \"punt\": {\"rate_pps\": 0, \"burst\": 50},\n"
	" \"icmp_errors\": {\"rate_pps\": 5, \"burst\": 3},\n"
	" \"apps_mac\": \"02:aa:bb:cc:dd:ee\", \"s1_mtu\": 9000, \"encap_ttl\": 17,\n"
	" \"apps_gateway\": [\"198.51.100.1\", \"2001:db8:51::1\"], \"ue_move_silence_s\": 0,\n"
	" \"hash_seed\": 42,\n"
	" \"eal\": [\"-l\", \"0-1\", \"--in-memory\"],\n"
	" \"ports\": {\"s1\": \"net_af_packet0,iface=s1\", \"apps\": \"net_tap0\"},\n"
	" \"api\": {\"listen\": \"127.0.0.1:8080\", \"token_file\": \"/etc/tof/token\",\n"
	"   \"tls_cert\": \"/etc/tof/cert.pem\", \"tls_key\": \"/etc/tof/key.pem\",\n"
	"   \"max_connections\": 200, \"max_client_connections\": 8, \"request_timeout_s\": 3},\n"
	" \"state_file\": \"/var/lib/tof/state.json\",\n"
	" \"log\": {\"format\": \"json\", \"level\": \"warning\"}}\n";

static void addr4(struct gtp_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	const uint8_t b[4] = { x, y, z, w };

	gtp_addr_set4(a, b);
}

static void assert_addr(const struct gtp_addr *a, const char *text)
{
	struct gtp_addr want;

	assert_int_equal(gtp_addr_parse(text, &want), 0);
	assert_memory_equal(a, &want, sizeof(want));
}

static void assert_is_defaults(const struct tof_config *cfg)
{
	struct tof_config def;

	tof_config_defaults(&def);
	assert_memory_equal(cfg, &def, sizeof(def));
}

static void test_example(void **state)
{
	struct tof_config cfg;
	struct gtp_addr a;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(tof_config_load_string(example, &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(cfg.mode, TOF_MODE_DUAL);
	assert_int_equal(cfg.n_enb, 1);
	addr4(&a, 198, 18, 0, 1);
	assert_memory_equal(&cfg.enb[0].addr, &a, sizeof(a));
	assert_int_equal(cfg.enb[0].plen, 32);
	assert_int_equal(cfg.n_sgw, 1);
	assert_addr(&cfg.sgw[0].addr, "198.18.0.2");
	assert_int_equal(cfg.sgw[0].plen, 32);
	assert_int_equal(cfg.n_services, 1);
	assert_string_equal(cfg.services[0].name, "cache");
	assert_addr(&cfg.services[0].service_ip, "203.0.113.100");
	assert_addr(&cfg.services[0].app_ip, "198.51.100.10");
	assert_false(cfg.services[0].has_app_mac);
	assert_string_equal(cfg.services[0].chain, "");
	assert_int_equal(cfg.idle_timeout_s, 300);
	assert_addr(&cfg.pinger.target4, "203.0.113.1");
	assert_int_equal(cfg.pinger.target6.family, GTP_AF_NONE);
	assert_int_equal(cfg.pinger.interval_ms, 1000);
	assert_int_equal(cfg.pinger.tries, 5);
	assert_false(cfg.pinger_key_set);
	tof_config_free(&cfg);
}

static void test_defaults(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];
	static const uint8_t mac[6] = { 0x02, 0x00, 0x00, 0x74, 0x6f, 0x66 };

	(void)state;
	memset(&cfg, 0x5a, sizeof(cfg));
	tof_config_defaults(&cfg);
	assert_int_equal(cfg.mode, TOF_MODE_DUAL);
	assert_int_equal(cfg.n_enb, 0);
	assert_int_equal(cfg.n_sgw, 0);
	assert_null(cfg.services);
	assert_int_equal(cfg.n_services, 0);
	assert_int_equal(cfg.idle_timeout_s, 300);
	assert_int_equal(cfg.purge_interval_ms, 1000);
	assert_int_equal(cfg.max_sessions, 1048576);
	assert_int_equal(cfg.max_services, 1024);
	assert_int_equal(cfg.pinger_policy, TOF_PINGER_ALWAYS);
	assert_false(cfg.pinger_key_set);
	assert_int_equal(cfg.pinger.ident, 0x544f);
	assert_true(cfg.pinger.key == 0x544f465f50524f42ULL);
	assert_int_equal(cfg.pinger.interval_ms, 1000);
	assert_int_equal(cfg.pinger.backoff_pct, 200);
	assert_int_equal(cfg.pinger.max_interval_ms, 30000);
	assert_int_equal(cfg.pinger.tries, 5);
	assert_int_equal(cfg.pinger.payload_len, 16);
	assert_int_equal(cfg.pinger.ttl, 64);
	assert_int_equal(cfg.pinger.target4.family, GTP_AF_NONE);
	assert_int_equal(cfg.pinger.target6.family, GTP_AF_NONE);
	assert_int_equal(cfg.punt_rate_pps, 10000);
	assert_int_equal(cfg.punt_burst, 1000);
	assert_int_equal(cfg.pinger_rate_pps, 1000);
	assert_int_equal(cfg.n_apps_gw, 0);
	assert_int_equal(cfg.ue_move_silence_s, 60);
	assert_false(cfg.hash_seed_set);
	assert_memory_equal(cfg.apps_mac, mac, 6);
	assert_int_equal(cfg.s1_mtu, 1500);
	assert_int_equal(cfg.icmp_rate_pps, 100);
	assert_int_equal(cfg.icmp_burst, 10);
	assert_int_equal(cfg.encap_ttl, 64);
	assert_int_equal(cfg.log_format, TOF_LOG_TEXT);
	assert_int_equal(cfg.log_level, TOF_LOG_INFO);
	assert_int_equal(cfg.dataplane, TOF_DATAPLANE_DPDK);
	assert_false(cfg.has_kernel);
	assert_string_equal(cfg.kernel.bridge, "br-s1");
	assert_string_equal(cfg.kernel.enb, "");
	assert_int_equal(cfg.kernel.queue_enb, 0);
	assert_int_equal(cfg.kernel.queue_sgw, 1);
	assert_int_equal(cfg.n_eal, 0);
	assert_null(cfg.eal[0]);
	assert_null(cfg.port_enb);
	assert_null(cfg.port_sgw);
	assert_null(cfg.port_s1);
	assert_null(cfg.port_apps);
	assert_null(cfg.api_listen);
	assert_null(cfg.api_token_file);
	assert_null(cfg.api_tls_cert);
	assert_null(cfg.api_tls_key);
	assert_int_equal(cfg.api_max_conns, 1000);
	assert_int_equal(cfg.api_max_client_conns, 64);
	assert_int_equal(cfg.api_request_timeout_s, 10);
	assert_null(cfg.state_file);

	/* an empty document is all defaults */
	memset(&cfg, 0x5a, sizeof(cfg));
	assert_int_equal(tof_config_load_string("{}", &cfg, err, sizeof(err)), 0);
	assert_is_defaults(&cfg);
	tof_config_free(&cfg);
	assert_is_defaults(&cfg);

	/* so are empty lists and sections */
	assert_int_equal(tof_config_load_string("{\"enb\": [], \"sgw\": [], \"services\": [], "
						"\"pinger\": {}, \"punt\": {}, \"eal\": [], "
						"\"ports\": {}, \"api\": {}}",
						&cfg, err, sizeof(err)),
			 0);
	assert_is_defaults(&cfg);
	tof_config_free(&cfg);
}

static void test_full(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];
	static const uint8_t amac[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };
	static const uint8_t smac[6] = { 0x02, 0, 0, 0, 0, 0x0a };

	(void)state;
	assert_int_equal(tof_config_load_string(full, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.mode, TOF_MODE_SINGLE);
	assert_int_equal(cfg.n_enb, 3);
	assert_addr(&cfg.enb[0].addr, "198.18.0.1");
	assert_int_equal(cfg.enb[0].plen, 32);
	assert_addr(&cfg.enb[1].addr, "198.18.0.64");
	assert_int_equal(cfg.enb[1].plen, 26);
	assert_addr(&cfg.enb[2].addr, "2001:db8:e::");
	assert_int_equal(cfg.enb[2].plen, 48);
	assert_int_equal(cfg.n_sgw, 2);
	assert_addr(&cfg.sgw[1].addr, "2001:db8:5::2");
	assert_int_equal(cfg.sgw[1].plen, 128);

	assert_int_equal(cfg.n_services, 2);
	assert_true(cfg.services[0].has_app_mac);
	assert_memory_equal(cfg.services[0].app_mac, smac, 6);
	assert_string_equal(cfg.services[0].chain, "fw.v1-a_b");
	assert_string_equal(cfg.services[1].name, "v6.app");
	assert_addr(&cfg.services[1].service_ip, "2001:db8:cafe::1");
	assert_addr(&cfg.services[1].app_ip, "2001:db8:51::10");
	assert_false(cfg.services[1].has_app_mac);
	assert_string_equal(cfg.services[1].chain, "");

	assert_int_equal(cfg.idle_timeout_s, 0);
	assert_int_equal(cfg.purge_interval_ms, 250);
	assert_int_equal(cfg.max_sessions, 4096);
	assert_int_equal(cfg.max_services, 16);

	/* an IPv6 "target" goes to target6 */
	assert_int_equal(cfg.pinger.target4.family, GTP_AF_NONE);
	assert_addr(&cfg.pinger.target6, "2001:db8:71::1");
	assert_int_equal(cfg.pinger.interval_ms, 500);
	assert_int_equal(cfg.pinger.tries, 7);
	assert_int_equal(cfg.pinger.backoff_pct, 150);
	assert_int_equal(cfg.pinger.max_interval_ms, 8000);
	assert_int_equal(cfg.pinger.payload_len, 56);
	assert_int_equal(cfg.pinger.ident, 4660);
	assert_true(cfg.pinger.key == 1234567890123ULL);
	assert_true(cfg.pinger_key_set);
	assert_int_equal(cfg.pinger.ttl, 32);
	assert_int_equal(cfg.pinger_policy, TOF_PINGER_ON_DEMAND);
	assert_int_equal(cfg.pinger_rate_pps, 77);
	assert_int_equal(cfg.n_apps_gw, 2);
	assert_addr(&cfg.apps_gw[0], "198.51.100.1");
	assert_addr(&cfg.apps_gw[1], "2001:db8:51::1");
	assert_int_equal(cfg.ue_move_silence_s, 0);
	assert_true(cfg.hash_seed_set);
	assert_int_equal(cfg.hash_seed, 42);

	assert_int_equal(cfg.punt_rate_pps, 0);
	assert_int_equal(cfg.punt_burst, 50);
	assert_int_equal(cfg.icmp_rate_pps, 5);
	assert_int_equal(cfg.icmp_burst, 3);
	assert_memory_equal(cfg.apps_mac, amac, 6);
	assert_int_equal(cfg.s1_mtu, 9000);
	assert_int_equal(cfg.encap_ttl, 17);
	assert_int_equal(cfg.log_format, TOF_LOG_JSON);
	assert_int_equal(cfg.log_level, TOF_LOG_WARNING);

	assert_int_equal(cfg.n_eal, 3);
	assert_string_equal(cfg.eal[0], "-l");
	assert_string_equal(cfg.eal[1], "0-1");
	assert_string_equal(cfg.eal[2], "--in-memory");
	assert_null(cfg.eal[3]);
	assert_null(cfg.port_enb);
	assert_null(cfg.port_sgw);
	assert_string_equal(cfg.port_s1, "net_af_packet0,iface=s1");
	assert_string_equal(cfg.port_apps, "net_tap0");
	assert_string_equal(cfg.api_listen, "127.0.0.1:8080");
	assert_string_equal(cfg.api_token_file, "/etc/tof/token");
	assert_string_equal(cfg.api_tls_cert, "/etc/tof/cert.pem");
	assert_string_equal(cfg.api_tls_key, "/etc/tof/key.pem");
	assert_int_equal(cfg.api_max_conns, 200);
	assert_int_equal(cfg.api_max_client_conns, 8);
	assert_int_equal(cfg.api_request_timeout_s, 3);
	assert_string_equal(cfg.state_file, "/var/lib/tof/state.json");

	tof_config_free(&cfg);
	assert_null(cfg.services);
	assert_int_equal(cfg.n_services, 0);
	assert_int_equal(cfg.n_eal, 0);
	assert_null(cfg.eal[0]);
	assert_null(cfg.port_s1);
	assert_null(cfg.port_apps);
	assert_null(cfg.api_listen);
	assert_null(cfg.api_token_file);
	assert_null(cfg.api_tls_cert);
	assert_null(cfg.api_tls_key);
	assert_null(cfg.state_file);
	tof_config_free(&cfg); /* twice is fine */
}

static void test_small_variants(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];

	(void)state;
	/* both pinger targets; the policies */
	assert_int_equal(tof_config_load_string(
				 "{\"pinger\": {\"target\": \"203.0.113.1\", \"target6\": \"2001:db8::1\","
				 " \"policy\": \"off\", \"key\": 0, \"ident\": 0}}",
				 &cfg, err, sizeof(err)),
			 0);
	assert_addr(&cfg.pinger.target4, "203.0.113.1");
	assert_addr(&cfg.pinger.target6, "2001:db8::1");
	assert_int_equal(cfg.pinger_policy, TOF_PINGER_OFF);
	assert_true(cfg.pinger_key_set);
	assert_true(cfg.pinger.key == 0);
	assert_int_equal(cfg.pinger.ident, 0);
	tof_config_free(&cfg);

	assert_int_equal(tof_config_load_string("{\"pinger\": {\"policy\": \"always\", "
						"\"key\": 9223372036854775807}}",
						&cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.pinger_policy, TOF_PINGER_ALWAYS);
	assert_true(cfg.pinger.key == 9223372036854775807ULL);
	tof_config_free(&cfg);

	/* dual mode with ports, range edges */
	assert_int_equal(tof_config_load_string(
				 "{\"mode\": \"dual\", \"ports\": {\"enb\": \"a\", \"sgw\": \"b\", "
				 "\"apps\": \"c\"}, \"s1_mtu\": 576, \"max_sessions\": 16, "
				 "\"max_services\": 1, \"encap_ttl\": 255, \"idle_timeout_s\": 31536000, "
				 "\"pinger\": {\"payload_len\": 464, \"tries\": 255, "
				 "\"interval_ms\": 3600000, \"max_interval_ms\": 3600000}}",
				 &cfg, err, sizeof(err)),
			 0);
	assert_string_equal(cfg.port_enb, "a");
	assert_string_equal(cfg.port_sgw, "b");
	assert_string_equal(cfg.port_apps, "c");
	assert_int_equal(cfg.s1_mtu, 576);
	assert_int_equal(cfg.pinger.payload_len, 464);
	tof_config_free(&cfg);

	/* /0 prefixes are allowed where they do not overlap the other list */
	assert_int_equal(tof_config_load_string("{\"enb\": [\"0.0.0.0/0\"], \"sgw\": [\"::/0\"]}",
						&cfg, err, sizeof(err)),
			 0);
	assert_int_equal(cfg.enb[0].plen, 0);
	assert_int_equal(cfg.sgw[0].plen, 0);
	tof_config_free(&cfg);
}

/* Kernel mode: the example, defaults, single mode. */
static void test_kernel(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];

	(void)state;
	assert_int_equal(tof_config_load_string(
		"{\"dataplane\": \"kernel\", \"kernel\": {\"enb\": \"s1-enb\", \"sgw\": \"s1-sgw\", "
		"\"apps\": \"apps0\", \"bridge\": \"br-s1\", \"queues\": [0, 1]}}", &cfg, err,
		sizeof(err)), 0);
	assert_int_equal(cfg.dataplane, TOF_DATAPLANE_KERNEL);
	assert_true(cfg.has_kernel);
	assert_string_equal(cfg.kernel.enb, "s1-enb");
	assert_string_equal(cfg.kernel.sgw, "s1-sgw");
	assert_string_equal(cfg.kernel.s1, "");
	assert_string_equal(cfg.kernel.apps, "apps0");
	assert_string_equal(cfg.kernel.bridge, "br-s1");
	assert_int_equal(cfg.kernel.queue_enb, 0);
	assert_int_equal(cfg.kernel.queue_sgw, 1);
	tof_config_free(&cfg);

	/* defaults: bridge br-s1, queues 0 and 1; the longest name fits */
	assert_int_equal(tof_config_load_string(
		"{\"dataplane\": \"kernel\", \"kernel\": {\"enb\": \"e\", \"sgw\": \"abcdefghijklmno\", "
		"\"apps\": \"a\", \"queues\": [7, 65535]}}", &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.kernel.bridge, "br-s1");
	assert_string_equal(cfg.kernel.sgw, "abcdefghijklmno");
	assert_int_equal(cfg.kernel.queue_enb, 7);
	assert_int_equal(cfg.kernel.queue_sgw, 65535);
	tof_config_free(&cfg);

	assert_int_equal(tof_config_load_string(
		"{\"mode\": \"single\", \"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.2\"], "
		"\"dataplane\": \"kernel\", \"kernel\": {\"s1\": \"eth1\", \"apps\": \"eth2\", "
		"\"bridge\": \"br0\"}}", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.mode, TOF_MODE_SINGLE);
	assert_string_equal(cfg.kernel.s1, "eth1");
	assert_string_equal(cfg.kernel.bridge, "br0");
	tof_config_free(&cfg);

	/* "dpdk" is the default and can be said */
	assert_int_equal(tof_config_load_string("{\"dataplane\": \"dpdk\"}", &cfg, err,
						sizeof(err)), 0);
	assert_int_equal(cfg.dataplane, TOF_DATAPLANE_DPDK);
	assert_false(cfg.has_kernel);
	tof_config_free(&cfg);
}

struct bad_case {
	const char *json;
	const char *want; /* substring of the message */
};

#define SVC(n, s, a) "{\"name\": \"" n "\", \"serviceIP\": \"" s "\", \"applicationIP\": \"" a "\"}"
#define SVC1 SVC("a", "203.0.113.100", "198.51.100.10")
#define SVC2 SVC("b", "203.0.113.101", "198.51.100.11")

/* Kernel mode with the given "kernel" fields; KERN2: a complete one and
 * more top-level fields. */
#define KERN(fields) "{\"dataplane\": \"kernel\", \"kernel\": {" fields "}}"
#define KERN2(more) "{\"dataplane\": \"kernel\", \"kernel\": {\"enb\": \"e\", \"sgw\": \"s\", " \
	"\"apps\": \"a\"}, " more "}"

static const struct bad_case bad_cases[] = {
	/* the messages of the brief, verbatim */
	{ "{\"pinger\": {\"interval_ms\": 0}}",
	  "config: \"pinger.interval_ms\": must be an integer between 1 and 3600000" },
	{ "{\"services\": [" SVC1 ", " SVC2 ", " SVC("c", "1.2.3", "198.51.100.12") "]}",
	  "config: \"services[2].serviceIP\": \"1.2.3\" is not an IP address" },
	{ "{\"mode\": \"triple\"}", "config: \"mode\": must be \"dual\" or \"single\"" },
	{ "{\"foo\": 1}", "config: \"foo\": unknown field" },

	/* document */
	{ "{\"mode\": \"dual\",\n \"enb\": [}", "config: line 2, column" },
	{ "", "config: line 1" },
	{ "[]", "config: the top level must be a JSON object" },
	{ "{\"mode\": \"dual\", \"mode\": \"single\"}", "duplicate" },
	{ "{\"idle_timeout_s\": 300} x", "config: line 1" },
	{ "{\"pinger\": {\"key\": 9223372036854775808}}", "config: line 1" },

	/* numbers: floats, negatives, strings, bools, null, out of range */
	{ "{\"pinger\": {\"interval_ms\": 1.5}}", "\"pinger.interval_ms\": must be an integer" },
	{ "{\"pinger\": {\"interval_ms\": 1000.0}}", "\"pinger.interval_ms\": must be an integer" },
	{ "{\"pinger\": {\"interval_ms\": 1e3}}", "\"pinger.interval_ms\": must be an integer" },
	{ "{\"pinger\": {\"interval_ms\": -1}}", "\"pinger.interval_ms\": must be an integer" },
	{ "{\"pinger\": {\"interval_ms\": \"1000\"}}", "\"pinger.interval_ms\": must be an integer" },
	{ "{\"pinger\": {\"interval_ms\": true}}", "\"pinger.interval_ms\": must be an integer" },
	{ "{\"pinger\": {\"interval_ms\": null}}", "\"pinger.interval_ms\": must be an integer" },
	{ "{\"pinger\": {\"interval_ms\": 3600001}}", "\"pinger.interval_ms\": must be an integer" },
	{ "{\"idle_timeout_s\": -5}", "\"idle_timeout_s\": must be an integer between 0 and" },
	{ "{\"idle_timeout_s\": \"300\"}", "\"idle_timeout_s\": must be an integer" },
	{ "{\"purge_interval_ms\": 0}", "\"purge_interval_ms\": must be an integer between 1" },
	{ "{\"max_sessions\": 15}", "\"max_sessions\": must be an integer between 16" },
	{ "{\"max_sessions\": 4294967296}", "\"max_sessions\": must be an integer" },
	{ "{\"max_services\": 0}", "\"max_services\": must be an integer between 1" },
	{ "{\"s1_mtu\": 575}", "\"s1_mtu\": must be an integer between 576 and 9000" },
	{ "{\"s1_mtu\": 9001}", "\"s1_mtu\": must be an integer between 576 and 9000" },
	{ "{\"encap_ttl\": 0}", "\"encap_ttl\": must be an integer between 1 and 255" },
	{ "{\"encap_ttl\": 256}", "\"encap_ttl\": must be an integer between 1 and 255" },
	{ "{\"log\": \"json\"}", "\"log\": must be an object" },
	{ "{\"log\": {\"format\": \"xml\"}}", "\"log.format\": must be \"text\" or \"json\"" },
	{ "{\"log\": {\"level\": \"verbose\"}}", "\"log.level\": must be \"debug\", \"info\"" },
	{ "{\"log\": {\"colour\": true}}", "\"log.colour\": unknown field" },

	/* mode */
	{ "{\"mode\": 1}", "\"mode\": must be \"dual\" or \"single\"" },
	{ "{\"mode\": \"Dual\"}", "\"mode\": must be" },
	{ "{\"mode\": \"single\", \"sgw\": [\"198.18.0.2\"]}",
	  "config: \"enb\": single mode needs at least one eNB address" },
	{ "{\"mode\": \"single\", \"enb\": [\"198.18.0.1\"]}",
	  "config: \"sgw\": single mode needs at least one SGW address" },
	{ "{\"mode\": \"single\", \"enb\": [\"198.18.0.1\"], \"sgw\": []}", "\"sgw\": single mode" },

	/* eNB / SGW lists */
	{ "{\"enb\": \"198.18.0.1\"}", "\"enb\": must be an array of addresses or prefixes" },
	{ "{\"enb\": [1]}", "\"enb[0]\": must be an address or prefix string" },
	{ "{\"enb\": [\"198.18.0.1\", \"198.18.0.300\"]}",
	  "\"enb[1]\": \"198.18.0.300\" is not an IP address or prefix" },
	{ "{\"sgw\": [\"198.18.0.1/33\"]}", "\"sgw[0]\": \"198.18.0.1/33\": the prefix length must be "
					    "at most 32" },
	{ "{\"sgw\": [\"2001:db8::/129\"]}", "\"sgw[0]\": \"2001:db8::/129\": the prefix length" },
	{ "{\"sgw\": [\"198.18.0.1/24\"]}",
	  "\"sgw[0]\": \"198.18.0.1/24\" has bits set past /24 (the prefix is 198.18.0.0/24)" },
	{ "{\"sgw\": [\"198.18.0.0/\"]}", "\"sgw[0]\": \"198.18.0.0/\" is not an IP address or prefix" },
	{ "{\"sgw\": [\"198.18.0.0/x\"]}", "\"sgw[0]\": \"198.18.0.0/x\" is not" },
	{ "{\"sgw\": [\"198.18.0.0/-1\"]}", "\"sgw[0]\": \"198.18.0.0/-1\" is not" },
	{ "{\"sgw\": [\"198.18.0.0/0024\"]}", "\"sgw[0]\": \"198.18.0.0/0024\" is not" },
	{ "{\"sgw\": [\"/24\"]}", "\"sgw[0]\": \"/24\" is not" },
	{ "{\"sgw\": [\"\"]}", "\"sgw[0]\": \"\" is not" },
	{ "{\"enb\": [\"224.0.0.1\"]}", "\"enb[0]\": 224.0.0.1 is not a unicast address" },
	{ "{\"enb\": [\"::\"]}", "\"enb[0]\": :: is not a unicast address" },
	{ "{\"enb\": [\"198.18.0.1\", \"198.18.0.1\"]}", "\"enb[1]\": listed twice (also enb[0])" },
	{ "{\"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.0/24\"]}",
	  "\"sgw[0]\": 198.18.0.0/24 overlaps enb[0] 198.18.0.1/32" },
	{ "{\"enb\": [\"2001:db8::/32\"], \"sgw\": [\"198.18.0.2\", \"2001:db8::2\"]}",
	  "\"sgw[1]\": 2001:db8::2/128 overlaps enb[0] 2001:db8::/32" },

	/* services */
	{ "{\"services\": {}}", "\"services\": must be an array of services" },
	{ "{\"services\": [" SVC1 ", 3]}", "\"services[1]\": must be an object" },
	{ "{\"services\": [{\"serviceIP\": \"203.0.113.100\", \"applicationIP\": \"198.51.100.10\"}]}",
	  "\"services[0].name\": missing" },
	{ "{\"services\": [{\"name\": \"a\", \"applicationIP\": \"198.51.100.10\"}]}",
	  "\"services[0].serviceIP\": missing" },
	{ "{\"services\": [{\"name\": \"a\", \"serviceIP\": \"203.0.113.100\"}]}",
	  "\"services[0].applicationIP\": missing" },
	{ "{\"services\": [" SVC("ca che", "203.0.113.100", "198.51.100.10") "]}",
	  "\"services[0].name\": \"ca che\" must be 1 to 64 of" },
	{ "{\"services\": [" SVC("", "203.0.113.100", "198.51.100.10") "]}",
	  "\"services[0].name\": \"\" must be 1 to 64" },
	{ "{\"services\": [" SVC("x2345678901234567890123456789012345678901234567890123456789012345",
				 "203.0.113.100", "198.51.100.10") "]}",
	  "\"services[0].name\":" },
	{ "{\"services\": [{\"name\": 5, \"serviceIP\": \"203.0.113.100\"}]}",
	  "\"services[0].name\": must be a string" },
	{ "{\"services\": [" SVC("a", "203.0.113.100", "2001:db8::10") "]}",
	  "\"services[0].applicationIP\": 2001:db8::10 is not of the family of serviceIP "
	  "203.0.113.100" },
	{ "{\"services\": [" SVC("a", "239.1.1.1", "198.51.100.10") "]}",
	  "\"services[0].serviceIP\": 239.1.1.1 is not a unicast address" },
	{ "{\"services\": [" SVC("a", "203.0.113.100", "0.0.0.0") "]}",
	  "\"services[0].applicationIP\": 0.0.0.0 is not a unicast address" },
	{ "{\"services\": [" SVC("a", "203.0.113.100", "127.0.0.1") "]}",
	  "\"services[0].applicationIP\": 127.0.0.1 is not a unicast" },
	{ "{\"services\": [" SVC("a", "203.0.113.100", "ff02::1") "]}",
	  "\"services[0].applicationIP\": ff02::1 is not a unicast" },
	{ "{\"services\": [" SVC("a", "203.0.113.100", "198.51.100.10") ", "
	  SVC("a", "203.0.113.101", "198.51.100.11") "]}",
	  "\"services[1].name\": \"a\" is already used by services[0]" },
	{ "{\"services\": [" SVC1 ", " SVC("b", "203.0.113.100", "198.51.100.11") "]}",
	  "\"services[1].serviceIP\": 203.0.113.100 is already the serviceIP of services[0]" },
	{ "{\"services\": [" SVC1 ", " SVC("b", "203.0.113.101", "198.51.100.10") "]}",
	  "\"services[1].applicationIP\": 198.51.100.10 is already the applicationIP of "
	  "services[0]" },
	{ "{\"services\": [" SVC1 ", " SVC("b", "198.51.100.10", "198.51.100.11") "]}",
	  "\"services[1].serviceIP\": 198.51.100.10 is also the applicationIP of services[0]" },
	{ "{\"services\": [" SVC("b", "198.51.100.11", "203.0.113.101") ", " SVC1 ", "
	  SVC("c", "203.0.113.102", "198.51.100.11") "]}",
	  "\"services[0].serviceIP\": 198.51.100.11 is also the applicationIP of services[2]" },
	{ "{\"services\": [" SVC("a", "198.51.100.10", "198.51.100.10") "]}",
	  "\"services[0].serviceIP\": 198.51.100.10 is also the applicationIP of services[0]" },
	{ "{\"services\": [{\"name\": \"a\", \"serviceIP\": \"203.0.113.100\", "
	  "\"applicationIP\": \"198.51.100.10\", \"applicationMAC\": \"02:00:00:00:00\"}]}",
	  "\"services[0].applicationMAC\": \"02:00:00:00:00\" is not a MAC address" },
	{ "{\"services\": [{\"name\": \"a\", \"serviceIP\": \"203.0.113.100\", "
	  "\"applicationIP\": \"198.51.100.10\", \"applicationMAC\": \"ff:ff:ff:ff:ff:ff\"}]}",
	  "\"services[0].applicationMAC\": ff:ff:ff:ff:ff:ff is not a unicast MAC address" },
	{ "{\"services\": [{\"name\": \"a\", \"serviceIP\": \"203.0.113.100\", "
	  "\"applicationIP\": \"198.51.100.10\", \"chain\": \"a/b\"}]}",
	  "\"services[0].chain\": \"a/b\" must be 1 to 64" },
	{ "{\"services\": [{\"name\": \"a\", \"serviceIP\": \"203.0.113.100\", "
	  "\"applicationIP\": \"198.51.100.10\", \"port\": 80}]}",
	  "config: \"services[0].port\": unknown field" },
	{ "{\"max_services\": 1, \"services\": [" SVC1 ", " SVC2 "]}",
	  "config: \"services\": 2 services but max_services is 1" },

	/* pinger */
	{ "{\"pinger\": []}", "\"pinger\": must be an object" },
	{ "{\"pinger\": {\"target\": \"example.com\"}}",
	  "\"pinger.target\": \"example.com\" is not an IP address" },
	{ "{\"pinger\": {\"target\": 1}}", "\"pinger.target\": must be an IP address string" },
	{ "{\"pinger\": {\"target\": \"255.255.255.255\"}}", "\"pinger.target\": 255.255.255.255 is not" },
	{ "{\"pinger\": {\"target6\": \"203.0.113.1\"}}", "\"pinger.target6\": must be an IPv6 address" },
	{ "{\"pinger\": {\"target\": \"2001:db8::1\", \"target6\": \"2001:db8::2\"}}",
	  "\"pinger.target6\": an IPv6 target is already given by \"pinger.target\"" },
	{ "{\"pinger\": {\"tries\": 0}}", "\"pinger.tries\": must be an integer between 1 and 255" },
	{ "{\"pinger\": {\"tries\": 256}}", "\"pinger.tries\": must be an integer between 1 and 255" },
	{ "{\"pinger\": {\"backoff_pct\": 99}}", "\"pinger.backoff_pct\": must be an integer between 100" },
	{ "{\"pinger\": {\"max_interval_ms\": 0}}", "\"pinger.max_interval_ms\": must be an integer" },
	{ "{\"pinger\": {\"interval_ms\": 5000, \"max_interval_ms\": 4000}}",
	  "\"pinger.max_interval_ms\": must be at least pinger.interval_ms (5000)" },
	{ "{\"pinger\": {\"interval_ms\": 40000}}",
	  "\"pinger.max_interval_ms\": must be at least pinger.interval_ms (40000)" },
	{ "{\"pinger\": {\"payload_len\": 15}}", "\"pinger.payload_len\": must be an integer between 16" },
	{ "{\"pinger\": {\"payload_len\": 1389}}",
	  "\"pinger.payload_len\": must be an integer between 16 and 1388 (s1_mtu 1500" },
	/* what the probe buffer takes, whatever s1_mtu allows */
	{ "{\"s1_mtu\": 9000, \"pinger\": {\"payload_len\": 1453}}",
	  "\"pinger.payload_len\": must be an integer between 16 and 1452" },
	{ "{\"icmp_errors\": {\"rate_pps\": -1}}", "\"icmp_errors.rate_pps\": must be" },
	{ "{\"icmp_errors\": {\"burst\": 0}}", "\"icmp_errors.burst\": must be" },
	{ "{\"icmp_errors\": {\"rate\": 1}}", "\"icmp_errors.rate\": unknown field" },
	{ "{\"s1_mtu\": 576, \"pinger\": {\"payload_len\": 465}}",
	  "\"pinger.payload_len\": must be an integer between 16 and 464 (s1_mtu 576" },
	{ "{\"pinger\": {\"ident\": 65536}}", "\"pinger.ident\": must be an integer between 0 and 65535" },
	{ "{\"pinger\": {\"key\": -1}}", "\"pinger.key\": must be an integer between 0 and" },
	{ "{\"pinger\": {\"key\": \"0x1234\"}}", "\"pinger.key\": must be an integer" },
	{ "{\"pinger\": {\"ttl\": 0}}", "\"pinger.ttl\": must be an integer between 1 and 255" },
	{ "{\"pinger\": {\"policy\": \"sometimes\"}}",
	  "\"pinger.policy\": must be \"always\", \"on_demand\" or \"off\"" },
	{ "{\"pinger\": {\"interval\": 1000}}", "config: \"pinger.interval\": unknown field" },

	/* punt */
	{ "{\"punt\": 5}", "\"punt\": must be an object" },
	{ "{\"punt\": {\"rate_pps\": -1}}", "\"punt.rate_pps\": must be an integer between 0" },
	{ "{\"punt\": {\"burst\": 0}}", "\"punt.burst\": must be an integer between 1" },
	{ "{\"punt\": {\"rate\": 10}}", "config: \"punt.rate\": unknown field" },

	/* MAC */
	{ "{\"apps_mac\": \"zz:00:00:00:00:00\"}", "\"apps_mac\": \"zz:00:00:00:00:00\" is not a MAC" },
	{ "{\"apps_mac\": 2}", "\"apps_mac\": must be a MAC address string" },
	{ "{\"apps_gateway\": \"198.51.100\"}", "\"apps_gateway\": \"198.51.100\" is not" },
	{ "{\"apps_gateway\": [\"198.51.100.1\", 5]}", "\"apps_gateway[1]\"" },
	{ "{\"apps_gateway\": [\"198.51.100.1\", \"198.51.100.1\"]}", "\"apps_gateway[1]\": listed twice" },
	{ "{\"apps_gateway\": \"224.0.0.1\"}", "\"apps_gateway\": 224.0.0.1 is not a unicast address" },
	{ "{\"apps_gateway\": {}}", "\"apps_gateway\": must be an address or an array" },
	{ "{\"apps_gateway\": [\"198.51.100.1\", \"198.51.100.2\", \"198.51.100.3\","
	  " \"198.51.100.4\", \"198.51.100.5\"]}", "\"apps_gateway\": at most 4" },
	{ "{\"ue_move_silence_s\": -1}", "\"ue_move_silence_s\": must be an integer" },
	{ "{\"ue_move_silence_s\": 86401}", "\"ue_move_silence_s\": must be an integer" },
	{ "{\"hash_seed\": \"x\"}", "\"hash_seed\": must be an integer" },
	{ "{\"pinger\": {\"rate_pps\": 0}}", "\"pinger.rate_pps\": must be an integer" },
	{ "{\"apps_mac\": \"01:00:5e:00:00:01\"}", "\"apps_mac\": 01:00:5e:00:00:01 is not a unicast MAC" },
	{ "{\"apps_mac\": \"00:00:00:00:00:00\"}", "\"apps_mac\": 00:00:00:00:00:00 is not a unicast" },

	/* tofd run */
	{ "{\"eal\": \"-l 0-1\"}", "\"eal\": must be an array of strings" },
	{ "{\"eal\": [\"-l\", 1]}", "\"eal[1]\": must be a non-empty string" },
	{ "{\"eal\": [\"-l\", \"\"]}", "\"eal[1]\": must be a non-empty string" },
	{ "{\"ports\": [\"x\"]}", "\"ports\": must be an object" },
	{ "{\"ports\": {\"enb\": 5}}", "\"ports.enb\": must be a non-empty string" },
	{ "{\"ports\": {\"apps\": \"\"}}", "\"ports.apps\": must be a non-empty string" },
	{ "{\"ports\": {\"wan\": \"x\"}}", "config: \"ports.wan\": unknown field" },
	{ "{\"ports\": {\"s1\": \"x\"}}", "config: \"ports.s1\": only in single mode" },
	{ "{\"mode\": \"single\", \"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.2\"], "
	  "\"ports\": {\"sgw\": \"x\"}}",
	  "config: \"ports.sgw\": only in dual mode" },
	{ "{\"api\": {\"listen\": \"\"}}", "\"api.listen\": must be a non-empty string" },
	{ "{\"api\": {\"tls_cert\": \"c.pem\"}}", "config: \"api.tls_key\": missing" },
	{ "{\"api\": {\"tls_key\": \"k.pem\"}}", "config: \"api.tls_cert\": missing" },
	{ "{\"api\": {\"port\": 80}}", "config: \"api.port\": unknown field" },
	{ "{\"api\": {\"request_timeout_s\": 0}}", "\"api.request_timeout_s\": must be" },
	{ "{\"api\": {\"max_connections\": \"9\"}}", "\"api.max_connections\": must be" },
	{ "{\"api\": {\"max_connections\": 10, \"max_client_connections\": 11}}",
	  "\"api.max_client_connections\": must be at most api.max_connections (10)" },
	{ "{\"state_file\": 1}", "\"state_file\": must be a non-empty string" },

	/* kernel mode */
	{ "{\"dataplane\": \"xdp\"}", "config: \"dataplane\": must be \"dpdk\" or \"kernel\"" },
	{ "{\"dataplane\": \"kernel\"}", "config: \"kernel\": missing" },
	{ "{\"kernel\": {\"apps\": \"a\"}}", "config: \"kernel\": only with \"dataplane\": \"kernel\"" },
	{ "{\"dataplane\": \"dpdk\", \"kernel\": {}}", "config: \"kernel\": only with" },
	{ KERN("\"enb\": \"e\", \"sgw\": \"s\""), "config: \"kernel.apps\": missing" },
	{ KERN("\"sgw\": \"s\", \"apps\": \"a\""), "config: \"kernel.enb\": missing" },
	{ KERN("\"enb\": \"e\", \"apps\": \"a\""), "config: \"kernel.sgw\": missing" },
	{ KERN("\"enb\": \"e\", \"sgw\": \"s\", \"s1\": \"x\", \"apps\": \"a\""),
	  "config: \"kernel.s1\": only in single mode" },
	{ "{\"mode\": \"single\", \"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.2\"], "
	  "\"dataplane\": \"kernel\", \"kernel\": {\"enb\": \"e\", \"s1\": \"x\", \"apps\": \"a\"}}",
	  "config: \"kernel.enb\": only in dual mode" },
	{ "{\"mode\": \"single\", \"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.2\"], "
	  "\"dataplane\": \"kernel\", \"kernel\": {\"apps\": \"a\"}}",
	  "config: \"kernel.s1\": missing (kernel mode, single" },
	{ KERN("\"enb\": \"e\", \"sgw\": \"e\", \"apps\": \"a\""),
	  "config: \"kernel.sgw\": \"e\" is already kernel.enb" },
	{ KERN("\"enb\": \"e\", \"sgw\": \"s\", \"apps\": \"a\", \"bridge\": \"s\""),
	  "config: \"kernel.bridge\": \"s\" is already kernel.sgw" },
	{ KERN("\"enb\": \"e\", \"sgw\": \"s\", \"apps\": \"br-s1\""),
	  "config: \"kernel.bridge\": \"br-s1\" is already kernel.apps" },
	{ KERN("\"enb\": \"a-very-long-name0\""), "\"kernel.enb\": \"a-very-long-name0\" is not an interface name" },
	{ KERN("\"enb\": \"\""), "\"kernel.enb\": \"\" is not an interface name" },
	{ KERN("\"enb\": \"a/b\""), "\"kernel.enb\": \"a/b\" is not an interface name" },
	{ KERN("\"enb\": \"a b\""), "\"kernel.enb\": \"a b\" is not an interface name" },
	{ KERN("\"enb\": \"..\""), "\"kernel.enb\": \"..\" is not an interface name" },
	{ KERN("\"enb\": 3"), "\"kernel.enb\": must be an interface name" },
	{ KERN("\"queues\": [0]"), "\"kernel.queues\": must be two queue numbers" },
	{ KERN("\"queues\": [0, 1, 2]"), "\"kernel.queues\": must be two queue numbers" },
	{ KERN("\"queues\": [0, 65536]"), "\"kernel.queues[1]\": must be an integer between 0 and 65535" },
	{ KERN("\"queues\": [\"0\", 1]"), "\"kernel.queues[0]\": must be an integer" },
	{ KERN("\"queues\": [3, 3]"), "\"kernel.queues[1]\": queue 3 is already kernel.queues[0]" },
	{ KERN("\"tap\": \"x\""), "config: \"kernel.tap\": unknown field" },
	{ "{\"dataplane\": \"kernel\", \"kernel\": []}", "config: \"kernel\": must be an object" },
	{ KERN2("\"ports\": {\"apps\": \"net_tap0\"}"), "config: \"ports\": only with \"dataplane\": \"dpdk\"" },
	{ KERN2("\"eal\": [\"-l\", \"0-1\"]"), "config: \"eal\": only with \"dataplane\": \"dpdk\"" },
	{ KERN2("\"mbufs\": 4096"), "config: \"mbufs\": only with \"dataplane\": \"dpdk\"" },
	/* kernel mode with "ovs": tests/unit/test_config_ovs.c */

	/* unknown fields are named safely */
	{ "{\"Mode\": \"dual\"}", "config: \"Mode\": unknown field" },
	{ "{\"a\\\"b\\nc\": 1}", "config: \"a?b?c\": unknown field" },
};

static void test_bad_cases(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		int rc;

		memset(err, 'X', sizeof(err));
		rc = tof_config_load_string(bc->json, &cfg, err, sizeof(err));
		if (rc != -1)
			fail_msg("case %zu loaded: %s", i, bc->json);
		assert_non_null(memchr(err, '\0', sizeof(err)));
		if (!strstr(err, bc->want))
			fail_msg("case %zu: %s\n  got:  %s\n  want: %s", i, bc->json, err, bc->want);
		if (strncmp(err, "config: ", 8) != 0)
			fail_msg("case %zu: no prefix: %s", i, err);
		/* nothing is left allocated, cfg holds the defaults */
		assert_is_defaults(&cfg);
	}
}

/* Messages after a partial load: everything allocated so far is freed
 * (LeakSanitizer checks), whichever section failed. */
static void test_partial_failures_free(void **state)
{
	static const char *const docs[] = {
		"{\"eal\": [\"a\", \"b\"], \"ports\": {\"enb\": \"x\"}, \"api\": {\"listen\": \"l\"},"
		" \"state_file\": \"s\", \"services\": [" SVC1 "], \"bogus\": 1}",
		"{\"eal\": [\"a\", \"b\", 3]}",
		"{\"services\": [" SVC1 ", " SVC2 ", 7], \"eal\": [\"a\"]}",
		"{\"state_file\": \"s\", \"api\": {\"tls_cert\": \"c\"}}",
		"{\"ports\": {\"s1\": \"x\", \"apps\": \"y\"}}",
	};
	struct tof_config cfg;
	char err[ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		assert_int_equal(tof_config_load_string(docs[i], &cfg, err, sizeof(err)), -1);
		assert_is_defaults(&cfg);
		tof_config_free(&cfg);
	}
}

static void test_err_buffer(void **state)
{
	struct tof_config cfg;
	char small[12];

	(void)state;
	/* no buffer at all */
	assert_int_equal(tof_config_load_string("{\"foo\": 1}", &cfg, NULL, 0), -1);
	assert_int_equal(tof_config_load_string("{", &cfg, NULL, 0), -1);
	assert_int_equal(tof_config_load_string(example, &cfg, NULL, 0), 0);
	tof_config_free(&cfg);

	/* a short one is cut, still terminated */
	memset(small, 'X', sizeof(small));
	assert_int_equal(tof_config_load_string("{\"foo\": 1}", &cfg, small, sizeof(small)), -1);
	assert_string_equal(small, "config: \"fo");
	memset(small, 'X', sizeof(small));
	assert_int_equal(tof_config_load_string("{\"foo\": 1}", &cfg, small, 3), -1);
	assert_string_equal(small, "co");
}

static void test_long_paths(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN], json[1024], key[301];

	(void)state;
	memset(key, 'k', 300);
	key[300] = '\0';
	snprintf(json, sizeof(json), "{\"pinger\": {\"%s\": 1}}", key);
	assert_int_equal(tof_config_load_string(json, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "config: \"pinger.kkkk"));
	assert_non_null(strstr(err, "...\": unknown field"));
	assert_true(strlen(err) < 120);
}

static void test_many_services(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];
	size_t cap = 200000, len = 0;
	char *json = malloc(cap);

	(void)state;
	assert_non_null(json);
	for (int round = 0; round < 2; round++) {
		unsigned int n = round == 0 ? TOF_MAX_CFG_SERVICES : TOF_MAX_CFG_SERVICES + 1;

		len = (size_t)snprintf(json, cap, "{\"services\": [");
		for (unsigned int i = 0; i < n; i++)
			len += (size_t)snprintf(json + len, cap - len,
						"%s{\"name\": \"s%u\", \"serviceIP\": \"2001:db8:100::%x\","
						" \"applicationIP\": \"2001:db8:200::%x\"}",
						i ? ", " : "", i, i + 1, i + 1);
		snprintf(json + len, cap - len, "]}");
		if (round == 0) {
			assert_int_equal(tof_config_load_string(json, &cfg, err, sizeof(err)), 0);
			assert_int_equal(cfg.n_services, TOF_MAX_CFG_SERVICES);
			assert_string_equal(cfg.services[1023].name, "s1023");
			assert_addr(&cfg.services[1023].app_ip, "2001:db8:200::400");
			tof_config_free(&cfg);
		} else {
			assert_int_equal(tof_config_load_string(json, &cfg, err, sizeof(err)), -1);
			assert_string_equal(err, "config: \"services\": at most 1024 entries");
		}
	}
	free(json);
}

static void test_list_limits(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];
	char *json = malloc(16384);
	size_t len;

	(void)state;
	assert_non_null(json);
	/* 256 eNBs load, 257 do not */
	for (unsigned int n = TOF_MAX_PEERS; n <= TOF_MAX_PEERS + 1; n++) {
		len = (size_t)sprintf(json, "{\"enb\": [");
		for (unsigned int i = 0; i < n; i++)
			len += (size_t)sprintf(json + len, "%s\"198.18.%u.%u\"", i ? ", " : "",
					       1 + i / 200, 1 + i % 200);
		sprintf(json + len, "]}");
		if (n == TOF_MAX_PEERS) {
			assert_int_equal(tof_config_load_string(json, &cfg, err, sizeof(err)), 0);
			assert_int_equal(cfg.n_enb, TOF_MAX_PEERS);
			tof_config_free(&cfg);
		} else {
			assert_int_equal(tof_config_load_string(json, &cfg, err, sizeof(err)), -1);
			assert_string_equal(err, "config: \"enb\": at most 256 entries");
		}
	}
	/* 64 EAL arguments load, 65 do not */
	for (unsigned int n = TOF_MAX_EAL_ARGS; n <= TOF_MAX_EAL_ARGS + 1; n++) {
		len = (size_t)sprintf(json, "{\"eal\": [");
		for (unsigned int i = 0; i < n; i++)
			len += (size_t)sprintf(json + len, "%s\"--a%u\"", i ? ", " : "", i);
		sprintf(json + len, "]}");
		if (n == TOF_MAX_EAL_ARGS) {
			assert_int_equal(tof_config_load_string(json, &cfg, err, sizeof(err)), 0);
			assert_int_equal(cfg.n_eal, TOF_MAX_EAL_ARGS);
			assert_string_equal(cfg.eal[63], "--a63");
			tof_config_free(&cfg);
		} else {
			assert_int_equal(tof_config_load_string(json, &cfg, err, sizeof(err)), -1);
			assert_string_equal(err, "config: \"eal\": at most 64 entries");
		}
	}
	free(json);
}

static void test_file(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN], path[] = "/tmp/tof_test_config_XXXXXX";
	int fd;
	FILE *f;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(full, f);
	fclose(f);
	assert_int_equal(tof_config_load_file(path, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.mode, TOF_MODE_SINGLE);
	assert_int_equal(cfg.n_services, 2);
	tof_config_free(&cfg);

	/* a syntax error names the file, line and column */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"mode\": \"dual\",\n\n  \"enb\": [\"198.18.0.1\",]}\n", f);
	fclose(f);
	assert_int_equal(tof_config_load_file(path, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "line 3, column"));

	/* a field error is the same as from a string */
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\"mode\": \"dual\", \"pinger\": {\"tries\": 1000}}", f);
	fclose(f);
	assert_int_equal(tof_config_load_file(path, &cfg, err, sizeof(err)), -1);
	assert_string_equal(err, "config: \"pinger.tries\": must be an integer between 1 and 255");
	unlink(path);

	/* no such file */
	assert_int_equal(tof_config_load_file(path, &cfg, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "config: "));
	assert_non_null(strstr(err, path));
	assert_is_defaults(&cfg);
}

static void test_reload(void **state)
{
	struct tof_config cfg;
	char err[ERRLEN];

	/* load, free, load again into the same struct: no leaks, no stale data */
	(void)state;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(tof_config_load_string(full, &cfg, err, sizeof(err)), 0);
		tof_config_free(&cfg);
		assert_int_equal(tof_config_load_string(example, &cfg, err, sizeof(err)), 0);
		assert_null(cfg.state_file);
		assert_int_equal(cfg.n_eal, 0);
		assert_int_equal(cfg.mode, TOF_MODE_DUAL);
		tof_config_free(&cfg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_small_variants),
		cmocka_unit_test(test_bad_cases),
		cmocka_unit_test(test_partial_failures_free),
		cmocka_unit_test(test_err_buffer),
		cmocka_unit_test(test_kernel),
		cmocka_unit_test(test_long_paths),
		cmocka_unit_test(test_many_services),
		cmocka_unit_test(test_list_limits),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_reload),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
