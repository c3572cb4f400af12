/* The flows of tof/ovs: what services and chains become (classifier, SFF,
 * reverse, isolation, delivery by MAC or port, fail-closed drops), cookies
 * per service, the OpenFlow encoding read back the way a switch answers,
 * and the diff that changes only what changed. Against the real switch:
 * tests/live/test_ovs.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ofp.h"
#include "ovs_flows.h"

/* The bridge: ports by name, numbered in this order from 1. */
static const char *const bridge_ports[] = {
	"tof0", "app1", "app2", "fw1-in", "fw1-out", "fw2-in", "fw2-out", "dpi0", NULL,
};
static bool port_gone[16]; /* a port taken off the bridge */

static uint32_t port_no(void *ctx, const char *name)
{
	(void)ctx;
	for (uint32_t i = 0; bridge_ports[i]; i++)
		if (strcmp(bridge_ports[i], name) == 0)
			return port_gone[i] ? 0 : i + 1;
	return 0;
}

enum { T = 1, APP1, APP2, FW1I, FW1O, FW2I, FW2O, DPI };

static struct tof_service_config svc(const char *name, const char *app, const char *chain,
				     const char *port)
{
	struct tof_service_config s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	assert_int_equal(gtp_addr_parse(app, &s.app_ip), 0);
	assert_int_equal(gtp_addr_parse(strchr(app, ':') ? "2001:db8:cafe::1" : "203.0.113.100",
					&s.service_ip), 0);
	snprintf(s.chain, sizeof(s.chain), "%s", chain ? chain : "");
	snprintf(s.app_port, sizeof(s.app_port), "%s", port ? port : "");
	return s;
}

static const struct tof_chain_config chain_fw = {
	.name = "fw", .n_hops = 2,
	.hops = { { "fw1-in", "fw1-out" }, { "fw2-in", "fw2-out" } },
};
static const struct tof_chain_config chain_dpi = {
	.name = "dpi", .n_hops = 2, .hops = { { "fw1-in", "fw1-out" }, { "dpi0", "dpi0" } },
};

static void build(const struct tof_service_config *svcs, uint32_t n, struct ovs_flowset *out)
{
	static struct tof_chain_config chains[2];
	struct ovs_model m = {
		.svcs = svcs, .n_svcs = n, .chains = chains, .n_chains = 2, .own_port = "tof0",
		.port_no = port_no,
	};

	chains[0] = chain_fw;
	chains[1] = chain_dpi;
	assert_int_equal(ovs_flows_build(&m, out), 0);
}

/* The flow with this priority and match (dir: 'd' matches dst, 's' src). */
static const struct ofp_flow *find(const struct ovs_flowset *s, uint16_t prio, uint32_t in_port,
				   char dir, const char *ip)
{
	struct gtp_addr a = { 0 };

	if (ip)
		assert_int_equal(gtp_addr_parse(ip, &a), 0);
	for (uint32_t i = 0; i < s->n; i++) {
		const struct ofp_flow *f = &s->flows[i];

		if (f->priority != prio || f->has_in_port != (in_port != 0) ||
		    (in_port && f->in_port != in_port))
			continue;
		if (!ip && f->src.family == GTP_AF_NONE && f->dst.family == GTP_AF_NONE)
			return f;
		if (ip && gtp_addr_eq(dir == 'd' ? &f->dst : &f->src, &a))
			return f;
	}
	return NULL;
}

static void expect_out(const struct ovs_flowset *s, uint16_t prio, uint32_t in, char dir,
		       const char *ip, uint32_t out)
{
	const struct ofp_flow *f = find(s, prio, in, dir, ip);
	char text[256];

	if (!f)
		fail_msg("no flow priority %u in_port %u %s=%s", prio, in, dir == 'd' ? "dst" : "src",
			 ip);
	ofp_flow_format(f, text, sizeof(text));
	if (out == 0) {
		if (f->n_actions != 0)
			fail_msg("%s: want drop", text);
		return;
	}
	if (f->n_actions != 1 || f->actions[0].kind != OFP_ACT_OUTPUT || f->actions[0].port != out)
		fail_msg("%s: want output:%u", text, out);
}

static void test_chain_with_app_port(void **state)
{
	struct tof_service_config s = svc("cache", "198.51.100.10", "fw", "app1");
	struct ovs_flowset fs;

	(void)state;
	build(&s, 1, &fs);
	/* classifier, SFF, delivery to the app's port */
	expect_out(&fs, OVS_PRIO_CHAIN, T, 'd', "198.51.100.10", FW1I);
	expect_out(&fs, OVS_PRIO_CHAIN, FW1O, 'd', "198.51.100.10", FW2I);
	expect_out(&fs, OVS_PRIO_CHAIN, FW2O, 'd', "198.51.100.10", APP1);
	/* replies walk the hops backwards to tofd */
	expect_out(&fs, OVS_PRIO_CHAIN, APP1, 's', "198.51.100.10", FW2O);
	expect_out(&fs, OVS_PRIO_CHAIN, FW2I, 's', "198.51.100.10", FW1O);
	expect_out(&fs, OVS_PRIO_CHAIN, FW1I, 's', "198.51.100.10", T);
	/* every hop port isolated; NORMAL for the rest (ARP) */
	for (uint32_t p = FW1I; p <= DPI; p++)
		expect_out(&fs, OVS_PRIO_ISOLATE, p, 0, NULL, 0);
	assert_int_equal(fs.n_hop_ports, 5);
	const struct ofp_flow *normal = find(&fs, OVS_PRIO_NORMAL, 0, 0, NULL);
	assert_non_null(normal);
	assert_int_equal(normal->actions[0].port, OFPP_NORMAL);
	assert_int_equal(normal->cookie, OVS_COOKIE_INFRA);
	/* 6 service flows + 5 isolation + NORMAL, nothing else */
	assert_int_equal(fs.n, 12);
	assert_int_equal(fs.n_degraded, 0);
	ovs_flowset_free(&fs);
}

static void test_chain_delivery_by_mac(void **state)
{
	struct tof_service_config s = svc("cache", "198.51.100.10", "fw", NULL);
	const struct ofp_flow *last;
	struct ovs_flowset fs;

	(void)state;
	build(&s, 1, &fs);
	/* after the last hop: on as if tofd sent it, to NORMAL (no learning
	 * of tofd's MAC on the hop port) */
	last = find(&fs, OVS_PRIO_CHAIN, FW2O, 'd', "198.51.100.10");
	assert_non_null(last);
	assert_int_equal(last->n_actions, 2);
	assert_int_equal(last->actions[0].kind, OFP_ACT_SET_IN_PORT);
	assert_int_equal(last->actions[0].port, T);
	assert_int_equal(last->actions[1].port, OFPP_NORMAL);
	/* the app's replies, wherever it is, enter the last hop */
	expect_out(&fs, OVS_PRIO_FROM_APP, 0, 's', "198.51.100.10", FW2O);
	expect_out(&fs, OVS_PRIO_CHAIN, FW1I, 's', "198.51.100.10", T);
	ovs_flowset_free(&fs);
}

static void test_no_chain(void **state)
{
	struct tof_service_config s[2] = {
		svc("direct", "198.51.100.11", NULL, "app2"),
		svc("plain", "198.51.100.12", NULL, NULL),
	};
	struct ovs_flowset fs;

	(void)state;
	build(s, 2, &fs);
	expect_out(&fs, OVS_PRIO_DIRECT, T, 'd', "198.51.100.11", APP2);
	expect_out(&fs, OVS_PRIO_DIRECT, APP2, 's', "198.51.100.11", T);
	/* no port, no chain: NORMAL delivers by MAC, no flow of its own */
	for (uint32_t i = 0; i < fs.n; i++)
		assert_false(fs.flows[i].dst.b[3] == 12 || fs.flows[i].src.b[3] == 12);
	ovs_flowset_free(&fs);
}

static void test_shared_function(void **state)
{
	/* fw1 is in both chains; each service's IP keeps its traffic apart */
	struct tof_service_config s[2] = {
		svc("a", "198.51.100.10", "fw", "app1"),
		svc("b", "198.51.100.11", "dpi", "app2"),
	};
	struct ovs_flowset fs;

	(void)state;
	build(s, 2, &fs);
	expect_out(&fs, OVS_PRIO_CHAIN, FW1O, 'd', "198.51.100.10", FW2I);
	expect_out(&fs, OVS_PRIO_CHAIN, FW1O, 'd', "198.51.100.11", DPI);
	expect_out(&fs, OVS_PRIO_CHAIN, DPI, 'd', "198.51.100.11", APP2);
	expect_out(&fs, OVS_PRIO_CHAIN, APP2, 's', "198.51.100.11", DPI);
	expect_out(&fs, OVS_PRIO_CHAIN, DPI, 's', "198.51.100.11", FW1O);
	expect_out(&fs, OVS_PRIO_CHAIN, FW1I, 's', "198.51.100.10", T);
	expect_out(&fs, OVS_PRIO_CHAIN, FW1I, 's', "198.51.100.11", T);
	/* one-armed dpi0: in and out on one port, told apart by src/dst */
	assert_non_null(find(&fs, OVS_PRIO_CHAIN, DPI, 'd', "198.51.100.11"));
	assert_non_null(find(&fs, OVS_PRIO_CHAIN, DPI, 's', "198.51.100.11"));
	ovs_flowset_free(&fs);
}

static void test_missing_port_fails_closed(void **state)
{
	struct tof_service_config s[2] = {
		svc("a", "198.51.100.10", "fw", "app1"),
		svc("b", "198.51.100.11", NULL, "app2"),
	};
	struct ovs_flowset fs;

	(void)state;
	port_gone[FW2I - 1] = true;
	build(s, 2, &fs);
	port_gone[FW2I - 1] = false;
	/* nothing reaches app1 around the missing function */
	expect_out(&fs, OVS_PRIO_CHAIN, T, 'd', "198.51.100.10", 0);
	expect_out(&fs, OVS_PRIO_FROM_APP, 0, 's', "198.51.100.10", 0);
	assert_null(find(&fs, OVS_PRIO_CHAIN, FW1O, 'd', "198.51.100.10"));
	assert_int_equal(fs.n_degraded, 1);
	assert_non_null(strstr(fs.missing, "fw2-in (chain fw)"));
	/* the other service is untouched */
	expect_out(&fs, OVS_PRIO_DIRECT, T, 'd', "198.51.100.11", APP2);
	ovs_flowset_free(&fs);

	/* tofd's own port missing: no service flows at all */
	port_gone[T - 1] = true;
	build(s, 2, &fs);
	port_gone[T - 1] = false;
	assert_null(find(&fs, OVS_PRIO_DIRECT, T, 'd', "198.51.100.11"));
	assert_non_null(strstr(fs.missing, "tof0"));
	ovs_flowset_free(&fs);
}

static void test_ipv6(void **state)
{
	struct tof_service_config s = svc("v6", "2001:db8:51::10", "fw", "app1");
	struct ovs_flowset fs;
	const struct ofp_flow *f;

	(void)state;
	build(&s, 1, &fs);
	f = find(&fs, OVS_PRIO_CHAIN, T, 'd', "2001:db8:51::10");
	assert_non_null(f);
	assert_int_equal(f->eth_type, 0x86dd);
	expect_out(&fs, OVS_PRIO_CHAIN, FW1I, 's', "2001:db8:51::10", T);
	ovs_flowset_free(&fs);
}

static void test_cookies(void **state)
{
	struct tof_service_config s[40];
	struct tof_chain_config none = { 0 };
	uint64_t ck[40], again[40];
	struct ovs_model m = { .svcs = s, .n_svcs = 40, .chains = &none, .own_port = "tof0",
			       .port_no = port_no };
	char name[16];

	(void)state;
	for (int i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "svc%d", i);
		s[i] = svc(name, "198.51.100.10", NULL, NULL);
	}
	ovs_flows_cookies(&m, ck);
	for (int i = 0; i < 40; i++) {
		assert_int_equal(ck[i] & OVS_COOKIE_MASK, OVS_COOKIE_TAG);
		assert_int_equal(ck[i] & ~0xffffffffULL, OVS_COOKIE_SVC);
		for (int j = 0; j < i; j++)
			assert_true(ck[i] != ck[j]);
	}
	/* stable: a name keeps its cookie whatever else changes */
	m.svcs = s + 10;
	m.n_svcs = 30;
	ovs_flows_cookies(&m, again);
	for (int i = 0; i < 30; i++)
		assert_int_equal(again[i], ck[i + 10]);
	/* two names that hash alike still get two cookies */
	s[1] = s[0];
	m.svcs = s;
	m.n_svcs = 2;
	ovs_flows_cookies(&m, ck);
	assert_true(ck[0] != ck[1]);
}

/* --- the wire --- */

/* A flow as a switch's flow stats entry would carry it: the flow mod's
 * match and instructions behind the stats header. */
static size_t as_stats_entry(const struct ofp_flow *f, uint8_t *out, uint64_t packets)
{
	struct ofp_buf b;
	size_t n;

	ofp_buf_init(&b);
	ofp_put_flow_mod(&b, 1, OFPFC_ADD, f, 0);
	assert_false(b.oom);
	n = 48 + (b.len - 48);
	memset(out, 0, 48);
	out[0] = (uint8_t)(n >> 8);
	out[1] = (uint8_t)n;
	out[2] = f->table;
	out[12] = (uint8_t)(f->priority >> 8);
	out[13] = (uint8_t)f->priority;
	for (int i = 0; i < 8; i++) {
		out[24 + i] = (uint8_t)(f->cookie >> (56 - 8 * i));
		out[32 + i] = (uint8_t)(packets >> (56 - 8 * i));
	}
	memcpy(out + 48, b.data + 48, b.len - 48);
	ofp_buf_free(&b);
	return n;
}

static void test_wire_round_trip(void **state)
{
	struct tof_service_config s[2] = {
		svc("a", "198.51.100.10", "fw", NULL),
		svc("v6", "2001:db8:51::10", "dpi", "app2"),
	};
	uint8_t body[65536];
	struct ovs_flowset fs;
	struct ofp_flow got;
	size_t len = 0, off = 0;
	uint32_t i = 0;

	(void)state;
	build(s, 2, &fs);
	for (uint32_t k = 0; k < fs.n; k++)
		len += as_stats_entry(&fs.flows[k], body + len, k);
	while (ofp_next_flow_stats(body, len, &off, &got) == 1) {
		const struct ofp_flow *f = &fs.flows[i];

		assert_false(got.unknown);
		assert_true(ofp_flow_same_entry(&got, f));
		assert_true(ofp_flow_same_actions(&got, f));
		assert_int_equal(got.cookie, f->cookie);
		assert_int_equal(got.packets, i);
		assert_true(got.raw_len > 0);
		i++;
	}
	assert_int_equal(i, fs.n);
	assert_int_equal(off, len);
	/* cut short anywhere: refused, never read past the end */
	for (size_t cut = 1; cut < 120; cut++) {
		off = 0;
		while (ofp_next_flow_stats(body, cut, &off, &got) == 1)
			;
		assert_true(off <= cut);
	}
	ovs_flowset_free(&fs);
}

static void test_foreign_fields_are_unknown(void **state)
{
	/* in_port + a VLAN match (OXM 6) + output: not tofd's shape */
	static const uint8_t entry[] = {
		0x00, 0x60, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0x01, 0x2c, 0, 0,
		0, 0, 0, 0, 0, 0, 0, 0, 0x74, 0x6f, 0x66, 0x01, 0, 0, 0, 9,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x00, 0x01, 0x00, 0x12, 0x80, 0x00, 0x00, 0x04, 0, 0, 0, 3,
		0x80, 0x00, 0x0c, 0x02, 0x10, 0x05, 0, 0, 0, 0, 0, 0,
		0x00, 0x04, 0x00, 0x18, 0, 0, 0, 0, 0x00, 0x00, 0x00, 0x10,
		0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
	};
	struct ofp_flow f;
	size_t off = 0;

	(void)state;
	assert_int_equal(ofp_next_flow_stats(entry, sizeof(entry), &off, &f), 1);
	assert_true(f.unknown);
	assert_true(f.has_in_port);
	assert_int_equal(f.raw_len, 24);
}

/* The flow mods of a diff, decoded: command and priority of each. */
static uint32_t diff(const struct ovs_flowset *want, const struct ovs_flowset *have_set,
		     uint32_t counts[3], struct ofp_buf *b)
{
	static uint8_t body[1 << 20];
	struct ofp_flow *have = calloc(have_set->n + 1, sizeof(*have));
	size_t len = 0, off = 0;
	uint32_t n = 0, xid = 10;

	for (uint32_t k = 0; k < have_set->n; k++)
		len += as_stats_entry(&have_set->flows[k], body + len, 0);
	while (ofp_next_flow_stats(body, len, &off, &have[n]) == 1)
		n++;
	ofp_buf_init(b);
	n = ovs_flows_diff(want, have, n, b, 7, &xid, counts);
	free(have);
	assert_false(b->oom);
	return n;
}

static void test_diff_changes_only_what_changed(void **state)
{
	struct tof_service_config s[2] = {
		svc("a", "198.51.100.10", "fw", "app1"),
		svc("b", "198.51.100.11", NULL, "app2"),
	};
	struct ovs_flowset before, after;
	uint32_t counts[3];
	struct ofp_buf b;

	(void)state;
	build(s, 2, &before);
	/* the same: nothing to send */
	assert_int_equal(diff(&before, &before, counts, &b), 0);
	ofp_buf_free(&b);
	/* b's chain changes: its 2 direct flows go, 6 chain flows come; a's stay */
	snprintf(s[1].chain, sizeof(s[1].chain), "dpi");
	build(s, 2, &after);
	assert_int_equal(diff(&after, &before, counts, &b), 8);
	assert_int_equal(counts[0], 6);
	assert_int_equal(counts[1], 0);
	assert_int_equal(counts[2], 2);
	/* every message is a bundle add of a flow mod */
	for (size_t off = 0; off < b.len;) {
		struct ofp_header h;

		assert_int_equal(ofp_parse_header(b.data + off, b.len - off, &h), 0);
		assert_int_equal(h.type, OFPT_BUNDLE_ADD_MESSAGE);
		assert_int_equal(b.data[off + 16 + 1], OFPT_FLOW_MOD);
		off += h.length;
	}
	ofp_buf_free(&b);
	/* a's app moves to app2: only the two flows at the app's end change
	 * (modify keeps their counters) */
	ovs_flowset_free(&before);
	before = after;
	snprintf(s[0].app_port, sizeof(s[0].app_port), "app2");
	snprintf(s[1].app_port, sizeof(s[1].app_port), "app1");
	build(s, 2, &after);
	diff(&after, &before, counts, &b);
	assert_int_equal(counts[0], 2);
	assert_int_equal(counts[1], 2);
	assert_int_equal(counts[2], 2);
	ofp_buf_free(&b);
	/* a service gone: its flows go, nothing else */
	ovs_flowset_free(&before);
	before = after;
	build(s, 1, &after);
	assert_int_equal(diff(&after, &before, counts, &b), 6);
	assert_int_equal(counts[2], 6);
	assert_int_equal(counts[0] + counts[1], 0);
	ofp_buf_free(&b);
	ovs_flowset_free(&before);
	ovs_flowset_free(&after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_with_app_port),
		cmocka_unit_test(test_chain_delivery_by_mac),
		cmocka_unit_test(test_no_chain),
		cmocka_unit_test(test_shared_function),
		cmocka_unit_test(test_missing_port_fails_closed),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_cookies),
		cmocka_unit_test(test_wire_round_trip),
		cmocka_unit_test(test_foreign_fields_are_unknown),
		cmocka_unit_test(test_diff_changes_only_what_changed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
