/* Session and service tables: index behaviour under churn, session keys,
 * dual-stack UEs, service uniqueness rules, sizing. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "tframe.h"
#include "tof_tables.h"

/* Random inserts and removals against a plain array as the reference,
 * with a tiny table and colliding signatures so runs wrap and shift. */
static void test_index_churn(void **state)
{
	(void)state;
	struct tof_index ix;
	enum { N = 64 };
	uint32_t sig[N];
	bool present[N] = {0};

	assert_int_equal(tof_index_init(&ix, N), 0);
	srand(7);
	for (int i = 0; i < N; i++)
		sig[i] = (uint32_t)(rand() % 24) | ((uint32_t)i << 20); /* few home slots */
	for (int round = 0; round < 20000; round++) {
		int k = rand() % N;
		if (present[k]) {
			assert_true(tof_index_remove(&ix, sig[k], (uint32_t)k));
			present[k] = false;
		} else {
			assert_true(tof_index_insert(&ix, sig[k], (uint32_t)k));
			present[k] = true;
		}
		if (round % 97 == 0) {
			for (int j = 0; j < N; j++) {
				uint32_t slot, found = TOF_NO_SLOT;
				struct tof_index_iter it;
				tof_index_start(&ix, sig[j], &it);
				while ((slot = tof_index_next(&ix, sig[j], &it)) != TOF_NO_SLOT)
					if (slot == (uint32_t)j)
						found = slot;
				assert_int_equal(found != TOF_NO_SLOT, present[j]);
			}
		}
	}
	assert_false(tof_index_remove(&ix, 0xdead, 12345));
	tof_index_free(&ix);
}

static void test_hash_spreads(void **state)
{
	(void)state;
	/* Consecutive TEIDs must not pile into neighbouring buckets. */
	struct tof_hash_key hk;
	struct gtp_addr sgw = tframe_addr("198.18.0.2");
	uint32_t buckets[64] = {0};

	tof_hash_key_init(&hk, 1);
	for (uint32_t teid = 0; teid < 6400; teid++)
		buckets[tof_hash_addr(&hk, &sgw, teid) & 63]++;
	for (int i = 0; i < 64; i++) {
		assert_true(buckets[i] > 50);
		assert_true(buckets[i] < 150);
	}
}

static void test_session_lifecycle(void **state)
{
	(void)state;
	struct tof_tables *t = tof_tables_create(16, 8);
	struct gtp_addr ue = tframe_addr("198.19.0.5"), enb = tframe_addr("198.18.0.1"),
			sgw = tframe_addr("198.18.0.2"), enb2 = tframe_addr("198.18.0.11");

	assert_non_null(t);
	uint32_t s = tof_session_add(t, &ue);
	assert_int_not_equal(s, TOF_NO_SLOT);
	assert_int_equal(tof_session_find_ue(t, &ue), s);
	assert_int_equal(tof_session_find_ul(t, &sgw, 7), TOF_NO_SLOT);
	tof_session_set_ul(t, s, &enb, &sgw, 7, 0);
	assert_int_equal(tof_session_find_ul(t, &sgw, 7), s);
	assert_int_equal(tof_session_find_ul(t, &enb, 7), TOF_NO_SLOT);
	tof_session_set_dl(t, s, 9);
	assert_int_equal(tof_session_find_dl(t, &enb, 9), s);
	tof_session_set_dl(t, s, 10);
	assert_int_equal(tof_session_find_dl(t, &enb, 9), TOF_NO_SLOT);
	assert_int_equal(tof_session_find_dl(t, &enb, 10), s);
	/* Handover: a new eNB forgets the downlink TEID of the old one. */
	tof_session_set_ul(t, s, &enb2, &sgw, 7, 0);
	assert_int_equal(tof_session_find_dl(t, &enb, 10), TOF_NO_SLOT);
	assert_false(t->sessions[s].flags & TOF_SESS_DL);
	assert_int_equal(tof_session_find_ul(t, &sgw, 7), s);
	tof_session_del(t, s);
	assert_int_equal(tof_session_find_ue(t, &ue), TOF_NO_SLOT);
	assert_int_equal(tof_session_find_ul(t, &sgw, 7), TOF_NO_SLOT);
	assert_int_equal(t->n_sessions, 0);
	tof_tables_destroy(t);
}

static void test_session_bearers(void **state)
{
	(void)state;
	struct tof_tables *t = tof_tables_create(16, 8);
	struct gtp_addr ue = tframe_addr("198.19.0.5"), enb = tframe_addr("198.18.0.1"),
			sgw = tframe_addr("198.18.0.2"), enb2 = tframe_addr("198.18.0.11");
	uint32_t s = tof_session_add(t, &ue);

	tof_session_set_ul(t, s, &enb, &sgw, 10, 0);
	assert_false(tof_session_del_bearer(t, s, 10)); /* the only one */
	tof_session_add_bearer(t, s, 11, 0);
	tof_session_add_bearer(t, s, 12, 0);
	for (uint32_t teid = 10; teid <= 12; teid++)
		assert_int_equal(tof_session_find_ul(t, &sgw, teid), s);
	/* The first bearer goes: the next one takes its place. */
	assert_true(tof_session_del_bearer(t, s, 10));
	assert_int_equal(t->sessions[s].ul_teid, 11);
	assert_int_equal(tof_session_find_ul(t, &sgw, 10), TOF_NO_SLOT);
	assert_int_equal(tof_session_find_ul(t, &sgw, 12), s);
	tof_session_set_dl(t, s, 99);
	tof_session_set_enb(t, s, &enb2);
	assert_int_equal(tof_session_find_dl(t, &enb, 99), TOF_NO_SLOT);
	assert_int_equal(tof_session_find_ul(t, &sgw, 12), s);
	/* Replacing the uplink drops every bearer from the index. */
	tof_session_set_ul(t, s, &enb2, &sgw, 20, 0);
	assert_int_equal(tof_session_find_ul(t, &sgw, 11), TOF_NO_SLOT);
	assert_int_equal(tof_session_find_ul(t, &sgw, 12), TOF_NO_SLOT);
	assert_int_equal(t->ix_ul.used, 1);
	tof_session_del(t, s);
	assert_int_equal(t->ix_ul.used, 0);
	tof_tables_destroy(t);
}

static void test_session_dual_stack_and_prefix(void **state)
{
	(void)state;
	struct tof_tables *t = tof_tables_create(16, 8);
	struct gtp_addr v4 = tframe_addr("198.19.0.9"), v6 = tframe_addr("2001:db8:1:2::10"),
			v6b = tframe_addr("2001:db8:1:2:aaaa::1"), other = tframe_addr("2001:db8:1:3::10");

	uint32_t s = tof_session_add(t, &v4);
	tof_session_add_ue(t, s, &v6);
	assert_int_equal(tof_session_find_ue(t, &v4), s);
	assert_int_equal(tof_session_find_ue(t, &v6), s);
	/* Any address of the UE's /64 is the UE. */
	assert_int_equal(tof_session_find_ue(t, &v6b), s);
	assert_int_equal(tof_session_find_ue(t, &other), TOF_NO_SLOT);
	tof_session_del(t, s);
	assert_int_equal(tof_session_find_ue(t, &v6b), TOF_NO_SLOT);
	tof_tables_destroy(t);
}

static void test_session_full_and_reuse(void **state)
{
	(void)state;
	struct tof_tables *t = tof_tables_create(16, 8);
	char ip[32];
	uint32_t slots[16];

	for (int i = 0; i < 16; i++) {
		snprintf(ip, sizeof(ip), "198.19.1.%d", i + 1);
		struct gtp_addr ue = tframe_addr(ip);
		slots[i] = tof_session_add(t, &ue);
		assert_int_not_equal(slots[i], TOF_NO_SLOT);
	}
	struct gtp_addr extra = tframe_addr("198.19.2.1");
	assert_int_equal(tof_session_add(t, &extra), TOF_NO_SLOT);
	tof_session_del(t, slots[3]);
	assert_int_equal(tof_session_add(t, &extra), slots[3]);
	assert_int_equal(tof_session_find_ue(t, &extra), slots[3]);
	tof_tables_destroy(t);
}

static struct tof_service_config svc(const char *name, const char *sip, const char *aip)
{
	struct tof_service_config sc;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.name, sizeof(sc.name), "%s", name);
	sc.service_ip = tframe_addr(sip);
	sc.app_ip = tframe_addr(aip);
	return sc;
}

static void test_services(void **state)
{
	(void)state;
	struct tof_tables *t = tof_tables_create(16, 4);
	struct tof_service_config a = svc("cache", "203.0.113.100", "198.51.100.10");

	assert_null(tof_service_conflict(t, &a, TOF_NO_SLOT));
	uint32_t s = tof_service_add(t, &a);
	assert_int_equal(tof_service_find_ip(t, &a.service_ip), s);
	assert_int_equal(tof_service_find_app(t, &a.app_ip), s);
	assert_int_equal(tof_service_find_name(t, "cache"), s);

	struct tof_service_config b = svc("cache", "203.0.113.101", "198.51.100.11");
	assert_string_equal(tof_service_conflict(t, &b, TOF_NO_SLOT), "name");
	b = svc("video", "203.0.113.100", "198.51.100.11");
	assert_string_equal(tof_service_conflict(t, &b, TOF_NO_SLOT), "serviceIP");
	b = svc("video", "203.0.113.101", "198.51.100.10");
	assert_string_equal(tof_service_conflict(t, &b, TOF_NO_SLOT), "applicationIP");
	/* A service IP may not be anyone's application IP, nor the reverse. */
	b = svc("video", "198.51.100.10", "198.51.100.11");
	assert_string_equal(tof_service_conflict(t, &b, TOF_NO_SLOT), "serviceIP");
	b = svc("video", "203.0.113.101", "203.0.113.100");
	assert_string_equal(tof_service_conflict(t, &b, TOF_NO_SLOT), "applicationIP");
	/* Updating a service against itself is no conflict. */
	assert_null(tof_service_conflict(t, &a, s));

	uint8_t mac[6] = {2, 1, 2, 3, 4, 5};
	tof_service_set_mac(t, s, mac);
	struct tof_service_config a2 = svc("cache", "203.0.113.150", "198.51.100.10");
	tof_service_update(t, s, &a2);
	assert_int_equal(tof_service_find_ip(t, &a.service_ip), TOF_NO_SLOT);
	assert_int_equal(tof_service_find_ip(t, &a2.service_ip), s);
	assert_true(t->services[s].has_app_mac); /* same app: MAC kept */
	a2.app_ip = tframe_addr("198.51.100.20");
	tof_service_update(t, s, &a2);
	assert_false(t->services[s].has_app_mac);
	tof_service_del(t, s);
	assert_int_equal(tof_service_find_name(t, "cache"), TOF_NO_SLOT);
	assert_int_equal(tof_service_find_app(t, &a2.app_ip), TOF_NO_SLOT);
	assert_int_equal(t->n_services, 0);

	char name[16], sip[32], aip[32];
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		snprintf(sip, sizeof(sip), "203.0.113.%d", 110 + i);
		snprintf(aip, sizeof(aip), "198.51.100.%d", 30 + i);
		struct tof_service_config c = svc(name, sip, aip);
		assert_int_not_equal(tof_service_add(t, &c), TOF_NO_SLOT);
	}
	struct tof_service_config d = svc("more", "203.0.113.120", "198.51.100.40");
	assert_int_equal(tof_service_add(t, &d), TOF_NO_SLOT);
	tof_tables_destroy(t);
}

static void test_memory_stated(void **state)
{
	(void)state;
	size_t m1k = tof_tables_memory(1024, 1024), m1m = tof_tables_memory(0, 0);
	assert_true(m1k < m1m);
	/* 1M sessions: some 600 bytes each, all told (the agent's record,
	 * the workers' 256-byte snapshot, the indexes). */
	assert_true(m1m > (size_t)100 << 20);
	assert_true(m1m < (size_t)768 << 20);
	print_message("tables: %zu KiB for 1k sessions, %zu MiB for 1M sessions\n", m1k >> 10,
		      m1m >> 20);
}

/* Readers that never wait: while a writer churns other sessions (inserts
 * and backward-shift deletions that move index entries, snapshots replaced
 * and reused), a reader must find every stable session, every time, with
 * its own data. The reader says when it holds nothing (quiescent), as the
 * workers do between bursts. */
struct churn_ctx {
	struct tof_tables *t;
	uint32_t stable[32];
	struct gtp_addr stable_sgw;
	int reader;
	int stop;               /* atomic */
	uint64_t misses, lookups; /* atomic */
};

static void *churn_reader(void *arg)
{
	struct churn_ctx *c = arg;

	tof_qsbr_online(&c->t->qsbr, (unsigned int)c->reader);
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		for (uint32_t i = 0; i < 32; i++) {
			struct gtp_addr ue;
			char ip[32];
			const struct tof_sess_hot *h =
				tof_hot_find_ul(c->t, &c->stable_sgw, 1000 + i,
						tof_tunnel_sig(c->t, &c->stable_sgw, 1000 + i));
			snprintf(ip, sizeof(ip), "198.19.0.%u", i + 1);
			ue = tframe_addr(ip);
			if (h == NULL || h->id != c->stable[i] || h->ul_teid[0] != 1000 + i ||
			    !gtp_addr_eq(&h->ue4, &ue))
				__atomic_fetch_add(&c->misses, 1, __ATOMIC_RELAXED);
			__atomic_fetch_add(&c->lookups, 1, __ATOMIC_RELAXED);
		}
		tof_qsbr_quiescent(&c->t->qsbr, (unsigned int)c->reader);
	}
	tof_qsbr_offline(&c->t->qsbr, (unsigned int)c->reader);
	return NULL;
}

static struct churn_ctx *churn_setup(uint32_t sessions)
{
	static struct churn_ctx c;
	struct gtp_addr enb = tframe_addr("198.18.0.1");
	char ip[32];

	memset(&c, 0, sizeof(c));
	c.t = tof_tables_create(sessions, 8);
	c.stable_sgw = tframe_addr("198.18.0.2");
	c.reader = tof_qsbr_register(&c.t->qsbr);
	assert_true(c.reader >= 0);
	for (uint32_t i = 0; i < 32; i++) {
		snprintf(ip, sizeof(ip), "198.19.0.%u", i + 1);
		struct gtp_addr ue = tframe_addr(ip);
		c.stable[i] = tof_session_add(c.t, &ue);
		tof_session_set_ul(c.t, c.stable[i], &enb, &c.stable_sgw, 1000 + i, 0);
	}
	return &c;
}

static void test_concurrent_readers(void **state)
{
	(void)state;
	struct churn_ctx *c = churn_setup(256);
	struct gtp_addr enb = tframe_addr("198.18.0.1");
	char ip[32];
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, churn_reader, c), 0);
	uint32_t churn[200];
	for (int round = 0; round < 300; round++) {
		for (uint32_t i = 0; i < 200; i++) {
			snprintf(ip, sizeof(ip), "198.19.1%02u.%u", (unsigned)round % 10, i + 1);
			struct gtp_addr ue = tframe_addr(ip);
			churn[i] = tof_session_add(c->t, &ue);
			assert_int_not_equal(churn[i], TOF_NO_SLOT);
			tof_session_set_ul(c->t, churn[i], &enb, &c->stable_sgw, 5000 + i, 0);
		}
		/* The stable ones change too: new snapshots, same answers. */
		tof_session_set_dl(c->t, c->stable[round % 32], 7000 + (uint32_t)round);
		for (uint32_t i = 0; i < 200; i++)
			tof_session_del(c->t, churn[i]);
	}
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	assert_true(c->lookups > 0);
	assert_int_equal(c->misses, 0);
	tof_tables_destroy(c->t);
}

/* A writer stopped in the middle of a change (here: asleep half-way
 * through publishing, index entries half re-pointed) stops no reader: they
 * go on finding every session, whole, the whole time. */
static void tof_test_sleep(void *ctx)
{
	struct churn_ctx *c = ctx;
	uint64_t before = __atomic_load_n(&c->lookups, __ATOMIC_RELAXED);

	usleep(200 * 1000);
	/* The readers went on while the writer slept. */
	uint64_t during = __atomic_load_n(&c->lookups, __ATOMIC_RELAXED) - before;
	c->t->publish_ctx = (void *)(uintptr_t)(during + 1);
	c->t->publish_hook = NULL;
}

static void *stalled_writer(void *arg)
{
	struct churn_ctx *c = arg;
	struct gtp_addr enb2 = tframe_addr("198.18.0.11");

	c->t->publish_ctx = c;
	c->t->publish_hook = tof_test_sleep;
	/* A handover of a stable session: every key of it re-pointed. */
	tof_session_set_enb(c->t, c->stable[5], &enb2);
	return NULL;
}

static void test_stalled_writer_stops_no_reader(void **state)
{
	(void)state;
	struct churn_ctx *c = churn_setup(64);
	pthread_t rd, wr;

	assert_int_equal(pthread_create(&rd, NULL, churn_reader, c), 0);
	while (__atomic_load_n(&c->lookups, __ATOMIC_RELAXED) < 1000)
		usleep(1000);
	assert_int_equal(pthread_create(&wr, NULL, stalled_writer, c), 0);
	pthread_join(wr, NULL);
	uint64_t during = (uint64_t)(uintptr_t)c->t->publish_ctx - 1;
	__atomic_store_n(&c->stop, 1, __ATOMIC_RELEASE);
	pthread_join(rd, NULL);
	print_message("lookups while the writer slept mid-change: %" PRIu64 "\n", during);
	assert_true(during > 1000);
	assert_int_equal(c->misses, 0);
	struct gtp_addr enb2 = tframe_addr("198.18.0.11");
	const struct tof_sess_hot *h = tof_hot_find_ul(c->t, &c->stable_sgw, 1005,
						       tof_tunnel_sig(c->t, &c->stable_sgw, 1005));
	assert_non_null(h);
	assert_true(gtp_addr_eq(&h->enb, &enb2));
	tof_tables_destroy(c->t);
}

/* An index takes what it was sized for and refuses the rest: never a loop. */
static void test_index_refuses_when_full(void **state)
{
	(void)state;
	struct tof_index ix;

	assert_int_equal(tof_index_init(&ix, 8), 0);
	for (uint32_t i = 0; i < 8; i++)
		assert_true(tof_index_insert(&ix, 7, i)); /* all in one home slot */
	assert_false(tof_index_insert(&ix, 7, 8));
	assert_int_equal(ix.used, 8);
	assert_int_equal(ix.max_dist, 7);
	struct tof_index_iter it;
	uint32_t n = 0;
	tof_index_start(&ix, 7, &it);
	while (tof_index_next(&ix, 7, &it) != TOF_NO_SLOT)
		n++;
	assert_int_equal(n, 8);
	for (uint32_t i = 0; i < 8; i++)
		assert_true(tof_index_remove(&ix, 7, i));
	assert_int_equal(ix.max_dist, 0);
	tof_index_free(&ix);
}

/* TEIDs chosen offline to collide under one key: with that key they pile
 * into one run (every lookup still right, and bounded by max_dist); with
 * the next process's key they spread like any others. */
static void test_colliding_keys_need_the_key(void **state)
{
	(void)state;
	enum { N = 300, SESSIONS = 4096 };
	struct gtp_addr sgw = tframe_addr("198.18.0.2"), enb = tframe_addr("198.18.0.1");
	uint32_t teids[N], n = 0;
	char ip[32];

	struct tof_tables *t = tof_tables_create(SESSIONS, 4);
	tof_tables_seed(t, 1);
	for (uint32_t teid = 1; n < N; teid++)
		if ((tof_tunnel_sig(t, &sgw, teid) & t->ix_ul.mask) < 4)
			teids[n++] = teid;
	for (int round = 0; round < 2; round++) {
		if (round == 1) {
			tof_tables_destroy(t);
			t = tof_tables_create(SESSIONS, 4);
			tof_tables_seed(t, 2);
		}
		for (uint32_t i = 0; i < N; i++) {
			snprintf(ip, sizeof(ip), "198.19.%u.%u", i / 200, 1 + i % 200);
			struct gtp_addr ue = tframe_addr(ip);
			uint32_t s = tof_session_add(t, &ue);
			tof_session_set_ul(t, s, &enb, &sgw, teids[i], 0);
		}
		for (uint32_t i = 0; i < N; i++)
			assert_int_not_equal(tof_session_find_ul(t, &sgw, teids[i]), TOF_NO_SLOT);
		assert_int_equal(tof_session_find_ul(t, &sgw, 0xdeadbeef), TOF_NO_SLOT);
		if (round == 0)
			assert_true(t->ix_ul.max_dist >= N - 4);
		else
			assert_true(t->ix_ul.max_dist < 16);
		assert_int_equal(t->refused, 0);
	}
	tof_tables_destroy(t);
}

/* 4 bearers for every session of a full table fit the uplink index. */
static void test_bearers_fit_a_full_table(void **state)
{
	(void)state;
	struct tof_tables *t = tof_tables_create(128, 4);
	struct gtp_addr sgw = tframe_addr("198.18.0.2"), enb = tframe_addr("198.18.0.1");
	char ip[32];

	for (uint32_t i = 0; i < 128; i++) {
		snprintf(ip, sizeof(ip), "198.19.1.%u", i + 1);
		struct gtp_addr ue = tframe_addr(ip);
		uint32_t s = tof_session_add(t, &ue);
		tof_session_set_ul(t, s, &enb, &sgw, i * 8, 0);
		for (uint32_t b = 1; b < 6; b++) /* two more than fit: the oldest go */
			tof_session_add_bearer(t, s, i * 8 + b, b * 1000000000ULL);
		assert_int_equal(t->sessions[s].n_extra, TOF_MAX_EXTRA_BEARERS);
	}
	struct gtp_addr ue = tframe_addr("198.19.9.9");
	assert_int_equal(tof_session_add(t, &ue), TOF_NO_SLOT);
	assert_int_equal(t->refused, 0);
	assert_int_equal(t->ix_ul.used, 128 * TOF_MAX_BEARERS);
	for (uint32_t i = 0; i < 128; i++) {
		assert_int_equal(tof_session_find_ul(t, &sgw, i * 8), TOF_NO_SLOT); /* silent longest */
		assert_int_not_equal(tof_session_find_ul(t, &sgw, i * 8 + 5), TOF_NO_SLOT);
	}
	tof_tables_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_churn),
		cmocka_unit_test(test_index_refuses_when_full),
		cmocka_unit_test(test_colliding_keys_need_the_key),
		cmocka_unit_test(test_bearers_fit_a_full_table),
		cmocka_unit_test(test_hash_spreads),
		cmocka_unit_test(test_session_lifecycle),
		cmocka_unit_test(test_session_dual_stack_and_prefix),
		cmocka_unit_test(test_session_bearers),
		cmocka_unit_test(test_session_full_and_reuse),
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_memory_stated),
		cmocka_unit_test(test_concurrent_readers),
		cmocka_unit_test(test_stalled_writer_stops_no_reader),
	};
	return cmocka_run_group_tests_name("tables", tests, NULL, NULL);
}
