/* The ctl under concurrent writers and readers: overlapping adds and
 * deletes lose no update and leave no duplicate; many threads registering
 * the same service at once get exactly one winner; lists taken meanwhile
 * are always consistent; and the state file agrees with the tables. */
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

#include "agent_ctl.h"
#include "agent_state.h"
#include "config.h"
#include "tctl.h"
#include "tfix.h"

#define POOL 12
#define THREADS 4
#define ROUNDS 300

struct worker_arg {
	struct tctl *f;
	unsigned int seed;
	int adds, dels;
};

/* Name i always comes with the same addresses, and neighbours overlap:
 * name i's application IP is name (i+1)'s service IP, so half the adds
 * clash on an address even when the name is free. */
static struct tof_service_config pool_svc(int i)
{
	char name[16], sip[32], aip[32];

	snprintf(name, sizeof(name), "p%d", i);
	snprintf(sip, sizeof(sip), "203.0.113.%d", 100 + i);
	snprintf(aip, sizeof(aip), "203.0.113.%d", 101 + i);
	return tctl_svc(name, sip, aip);
}

static void *writer(void *p)
{
	struct worker_arg *w = p;
	struct tof_ctl_err e;

	for (int k = 0; k < ROUNDS; k++) {
		int i = (int)(rand_r(&w->seed) % POOL);
		struct tof_service_config s = pool_svc(i);

		if (rand_r(&w->seed) % 2) {
			enum tof_ctl_code c = tof_ctl_service_add(w->f->ctl, &s, &e);

			assert_true(c == TOF_CTL_OK || c == TOF_CTL_CONFLICT);
			w->adds += c == TOF_CTL_OK;
		} else {
			enum tof_ctl_code c = tof_ctl_service_delete(w->f->ctl, s.name, NULL, &e);

			assert_true(c == TOF_CTL_OK || c == TOF_CTL_NOT_FOUND);
			w->dels += c == TOF_CTL_OK;
		}
	}
	return NULL;
}

static int readers_stop; /* atomic */

/* Lists taken while writers work are always a consistent set. */
static void *reader(void *p)
{
	struct tctl *f = p;
	struct tof_service_config *v;
	struct tof_ctl_err e;
	long lists = 0;
	uint32_t n;

	while (!__atomic_load_n(&readers_stop, __ATOMIC_ACQUIRE) || lists == 0) {
		assert_int_equal(tof_ctl_service_list(f->ctl, &v, &n, &e), TOF_CTL_OK);
		for (uint32_t i = 1; i < n; i++)
			assert_true(strcmp(v[i - 1].name, v[i].name) < 0); /* sorted, unique */
		for (uint32_t i = 0; i < n; i++)
			for (uint32_t j = i + 1; j < n; j++) {
				assert_false(gtp_addr_eq(&v[i].service_ip, &v[j].service_ip));
				assert_false(gtp_addr_eq(&v[i].service_ip, &v[j].app_ip));
				assert_false(gtp_addr_eq(&v[i].app_ip, &v[j].service_ip));
			}
		free(v);
		lists++;
	}
	return NULL;
}

static void test_concurrent_writers(void **state)
{
	struct tctl *f = *state;
	pthread_t th[THREADS], rd;
	struct worker_arg args[THREADS];
	struct tof_service_config *v;
	struct tof_ctl_err e;
	int adds = 0, dels = 0;
	uint32_t n;

	__atomic_store_n(&readers_stop, 0, __ATOMIC_RELEASE);
	pthread_create(&rd, NULL, reader, f);
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct worker_arg){ .f = f, .seed = 1234u + (unsigned int)i };
		pthread_create(&th[i], NULL, writer, &args[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		adds += args[i].adds;
		dels += args[i].dels;
	}
	__atomic_store_n(&readers_stop, 1, __ATOMIC_RELEASE);
	pthread_join(rd, NULL);
	/* no lost update: every acknowledged add and delete is accounted for */
	assert_int_equal(tof_ctl_service_list(f->ctl, &v, &n, &e), TOF_CTL_OK);
	assert_int_equal((int)n, adds - dels);
	assert_int_equal(f->x->t->n_services, n);
	for (uint32_t i = 0; i < n; i++) {
		/* each one whole and indexed */
		int idx = atoi(v[i].name + 1);
		struct tof_service_config want = pool_svc(idx);

		assert_true(gtp_addr_eq(&v[i].service_ip, &want.service_ip));
		assert_int_not_equal(tof_service_find_ip(f->x->t, &want.service_ip), TOF_NO_SLOT);
		assert_int_not_equal(tof_service_find_app(f->x->t, &want.app_ip), TOF_NO_SLOT);
	}
	/* and the file says the same */
	{
		struct tof_config cfg;
		struct tof_service_config *fv;
		char err[256];
		uint32_t fn;
		bool seeded;

		tof_config_defaults(&cfg);
		assert_int_equal(tof_state_load(f->st, &cfg, &fv, &fn, &seeded, err, sizeof(err)),
				 0);
		assert_int_equal(fn, n);
		for (uint32_t i = 0; i < n; i++)
			assert_string_equal(fv[i].name, v[i].name);
		free(fv);
	}
	free(v);
}

/* Many threads register the same name at once: exactly one wins. */
struct race_arg {
	struct tctl *f;
	pthread_barrier_t *bar;
	int round, won;
};

static void *racer(void *p)
{
	struct race_arg *a = p;
	struct tof_ctl_err e;

	for (int r = 0; r < 50; r++) {
		struct tof_service_config s = tctl_svc("same", "203.0.113.150", "198.51.100.50");

		pthread_barrier_wait(a->bar);
		if (tof_ctl_service_add(a->f->ctl, &s, &e) == TOF_CTL_OK)
			a->won++;
		pthread_barrier_wait(a->bar);
		if (a->round == 0) /* one thread clears up for the next round */
			tof_ctl_service_delete(a->f->ctl, "same", NULL, &e);
		pthread_barrier_wait(a->bar);
	}
	return NULL;
}

static void test_same_name_one_winner(void **state)
{
	struct tctl *f = *state;
	pthread_barrier_t bar;
	pthread_t th[THREADS];
	struct race_arg args[THREADS];
	int won = 0;

	pthread_barrier_init(&bar, NULL, THREADS);
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct race_arg){ .f = f, .bar = &bar, .round = i };
		pthread_create(&th[i], NULL, racer, &args[i]);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		won += args[i].won;
	}
	pthread_barrier_destroy(&bar);
	assert_int_equal(won, 50);
	assert_int_equal(f->x->t->n_services, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, tctl_setup, tctl_teardown)
	const struct CMUnitTest tests[] = {
		T(test_concurrent_writers),
		T(test_same_name_one_winner),
	};
#undef T
	return cmocka_run_group_tests_name("ctl_race", tests, NULL, NULL);
}
