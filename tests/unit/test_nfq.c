/* Kernel mode's pure parts: the verdicts of a burst (batched where in
 * order), and the link headers of the frames it sends on S1 (the peers'
 * MACs learned by IP). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include <cmocka.h>

#include "gtp.h"
#include "nfq_internal.h"
#include "tframe.h"

#define A NF_ACCEPT
#define D NF_DROP

struct plan_case {
	const char *what;
	unsigned int n;
	int verdict[8];       /* -1: a message without an id */
	unsigned int m;
	struct nfq_verdict want[8];
};

static const struct plan_case cases[] = {
	{ "all accepted: one batch", 4, { A, A, A, A }, 1, { { 4, A, true } } },
	{ "one accepted: a plain verdict", 1, { A }, 1, { { 1, A, false } } },
	{ "a drop splits the runs", 6, { A, A, A, D, A, A }, 3,
	  { { 3, A, true }, { 4, D, false }, { 6, A, true } } },
	{ "drops alone, runs of one plain", 4, { A, D, D, A }, 4,
	  { { 1, A, false }, { 2, D, false }, { 3, D, false }, { 4, A, false } } },
	{ "all dropped", 3, { D, D, D }, 3, { { 1, D, false }, { 2, D, false }, { 3, D, false } } },
	{ "a message without an id is skipped", 4, { A, -1, A, D }, 2,
	  { { 3, A, true }, { 4, D, false } } },
	{ "nothing", 0, { 0 }, 0, { { 0, 0, false } } },
};

static void test_verdict_plan(void **state)
{
	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const struct plan_case *pc = &cases[c];
		struct nfq_pkt pk[8];
		struct nfq_verdict out[8];

		for (unsigned int i = 0; i < pc->n; i++)
			pk[i] = (struct nfq_pkt){ .id = i + 1, .parsed = pc->verdict[i] >= 0,
						  .verdict = pc->verdict[i] };
		unsigned int m = nfq_verdict_plan(pk, pc->n, out);
		if (m != pc->m)
			fail_msg("%s: %u messages, want %u", pc->what, m, pc->m);
		for (unsigned int i = 0; i < m; i++) {
			if (out[i].id != pc->want[i].id || out[i].verdict != pc->want[i].verdict ||
			    out[i].batch != pc->want[i].batch)
				fail_msg("%s: message %u is (%u, %d, %d)", pc->what, i, out[i].id,
					 out[i].verdict, out[i].batch);
		}
	}
}

/* Every id a plan's messages cover gets the verdict its packet asked for,
 * and none gets two: checked over all accept/drop patterns of 8. */
static void test_verdict_plan_exhaustive(void **state)
{
	(void)state;
	for (unsigned int bits = 0; bits < 256; bits++) {
		struct nfq_pkt pk[8];
		struct nfq_verdict out[8];
		int got[9] = { 0 };
		int times[9] = { 0 };

		for (unsigned int i = 0; i < 8; i++)
			pk[i] = (struct nfq_pkt){ .id = 100 + i, .parsed = true,
						  .verdict = (bits >> i) & 1 ? D : A };
		unsigned int m = nfq_verdict_plan(pk, 8, out);
		uint32_t done = 99; /* ids up to this have their verdict */
		for (unsigned int k = 0; k < m; k++) {
			uint32_t from = out[k].batch ? done + 1 : out[k].id;
			assert_true(out[k].id > done);
			for (uint32_t id = from; id <= out[k].id; id++) {
				got[id - 100] = out[k].verdict;
				times[id - 100]++;
			}
			done = out[k].id;
		}
		for (unsigned int i = 0; i < 8; i++) {
			assert_int_equal(times[i], 1);
			assert_int_equal(got[i], pk[i].verdict);
		}
	}
}

static struct tof_nfq *nfq_fixture(void)
{
	static const uint8_t enb_if[6] = { 2, 0, 0, 0, 1, 2 };
	struct tof_nfq *n = calloc(1, sizeof(*n));

	assert_non_null(n);
	pthread_mutex_init(&n->neigh.lock, NULL);
	n->s1[0] = (struct nfq_port_name){ .field = "kernel.enb", .name = "s1-enb" };
	n->s1[1] = (struct nfq_port_name){ .field = "kernel.sgw", .name = "s1-sgw" };
	memcpy(n->s1[0].mac, enb_if, 6);
	n->n_s1 = 2;
	return n;
}

static void learn(struct tof_nfq *n, const char *ip, const uint8_t mac[6])
{
	struct gtp_addr a = tframe_addr(ip);
	uint8_t hdr[40] = { 0 }, k[16];

	if (a.family == GTP_AF_INET) {
		hdr[0] = 0x45;
		memcpy(hdr + 12, a.b, 4);
	} else {
		hdr[0] = 0x60;
		memcpy(hdr + 8, a.b, 16);
	}
	nfq_addr16(k, hdr, false);
	nfq_neigh_learn(n, k, mac);
}

static void test_link_header(void **state)
{
	static const uint8_t enb_mac[6] = { 2, 0, 0, 0, 0, 1 }, sgw_mac[6] = { 2, 0, 0, 0, 0, 2 },
			     other[6] = { 2, 0, 0, 0, 0, 9 },
			     bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct tof_nfq *n = nfq_fixture();
	struct tframe_spec s;
	struct tframe t;

	(void)state;
	learn(n, "198.18.0.1", enb_mac);
	learn(n, "198.18.0.2", sgw_mac);
	learn(n, "2001:db8:e::1", other);
	/* a reply towards the eNB: from the SGW's MAC to the eNB's */
	tframe_default(&s);
	s.outer_src = "198.18.0.2", s.outer_dst = "198.18.0.1", s.teid = 7;
	s.inner_src = "203.0.113.100", s.inner_dst = "198.19.0.5";
	size_t len = tframe_build(&t, &s);
	uint8_t *f = t.f.buf + t.f.off;
	memset(f, 0, 12);
	nfq_s1_link_header(n, TOF_PORT_ENB, f, len);
	assert_memory_equal(f, enb_mac, 6);
	assert_memory_equal(f + 6, sgw_mac, 6);
	/* the peer learned again with another MAC: the newest wins */
	learn(n, "198.18.0.1", other);
	nfq_s1_link_header(n, TOF_PORT_ENB, f, len);
	assert_memory_equal(f, other, 6);
	/* nobody known: broadcast from the port's own MAC */
	s.outer_src = "198.18.0.3", s.outer_dst = "198.18.0.4";
	len = tframe_build(&t, &s);
	f = t.f.buf + t.f.off;
	memset(f, 0, 12);
	nfq_s1_link_header(n, TOF_PORT_ENB, f, len);
	assert_memory_equal(f, bcast, 6);
	assert_memory_equal(f + 6, n->s1[0].mac, 6);
	/* IPv6 outer */
	s.outer_src = "2001:db8:5::2", s.outer_dst = "2001:db8:e::1";
	len = tframe_build(&t, &s);
	f = t.f.buf + t.f.off;
	memset(f, 0, 12);
	nfq_s1_link_header(n, TOF_PORT_SGW, f, len);
	assert_memory_equal(f, other, 6);
	/* not IP, or too short: left alone */
	memset(f, 0x11, 12);
	f[12] = 0x08, f[13] = 0x06;
	nfq_s1_link_header(n, TOF_PORT_SGW, f, len);
	assert_int_equal(f[0], 0x11);
	nfq_s1_link_header(n, TOF_PORT_SGW, f, 20);
	pthread_mutex_destroy(&n->neigh.lock);
	free(n);
}

/* The cache keeps working when more peers come than it has places. */
static void test_neigh_full(void **state)
{
	struct tof_nfq *n = nfq_fixture();
	uint8_t k[16] = { 0 }, mac[6], got[6];

	(void)state;
	k[10] = k[11] = 0xff;
	for (uint32_t i = 0; i < 4 * NFQ_NEIGH_SIZE; i++) {
		memcpy(k + 12, &i, 4);
		memcpy(mac, &i, 4);
		mac[4] = mac[5] = 0x42;
		nfq_neigh_learn(n, k, mac);
		assert_true(nfq_neigh_find(n, k, got));
		assert_memory_equal(got, mac, 6);
	}
	pthread_mutex_destroy(&n->neigh.lock);
	free(n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_plan),
		cmocka_unit_test(test_verdict_plan_exhaustive),
		cmocka_unit_test(test_link_header),
		cmocka_unit_test(test_neigh_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
