/* The agent's thread shared by both data planes (tof/agent/agent_loop.c):
 * the punt ring (order, full, frames cut at TOF_PUNT_ROOM, a producer and
 * the consumer on two threads) and the loop itself learning from what a
 * worker punted and firing the pinger's timer. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "agent_loop.h"
#include "tfix.h"

static const char cfg_json[] =
	"{\"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.2\"],"
	" \"pinger\": {\"target\": \"203.0.113.1\", \"interval_ms\": 10, \"tries\": 3}}";

static void uplink(struct tframe *t, uint32_t teid, const char *ue)
{
	struct tframe_spec s;

	tframe_default(&s);
	s.outer_src = "198.18.0.1", s.outer_dst = "198.18.0.2", s.teid = teid;
	s.inner_src = ue, s.inner_dst = "203.0.113.7";
	tframe_build(t, &s);
}

static void downlink(struct tframe *t, uint32_t teid, const char *ue)
{
	struct tframe_spec s;

	tframe_default(&s);
	s.outer_src = "198.18.0.2", s.outer_dst = "198.18.0.1", s.teid = teid;
	s.inner_src = "203.0.113.7", s.inner_dst = ue;
	tframe_build(t, &s);
}

static void test_ring(void **state)
{
	struct tof_punt_ring r;
	struct tfix *x = tfix_new(cfg_json, 64);
	uint8_t big[TOF_PUNT_ROOM + 100];
	struct tframe t;

	(void)state;
	assert_int_equal(tof_punt_ring_init(&r, 3), -1);
	assert_int_equal(tof_punt_ring_init(&r, 4), 0);
	for (uint32_t i = 0; i < 4; i++) {
		char ue[32];
		snprintf(ue, sizeof(ue), "198.19.0.%u", i + 1);
		uplink(&t, 100 + i, ue);
		assert_true(tof_punt_ring_push(&r, t.f.buf + t.f.off, t.f.len, TOF_PORT_ENB,
					       TOF_R_UL_UNKNOWN, 1000));
	}
	memset(big, 0, sizeof(big));
	assert_false(tof_punt_ring_push(&r, big, sizeof(big), TOF_PORT_ENB, TOF_R_UL_UNKNOWN, 1));
	assert_int_equal(tof_punt_ring_drain(&r, &x->a, 3), 3);
	assert_int_equal(x->t->n_sessions, 3);
	/* room again; an oversized frame is cut, and the agent copes */
	assert_true(tof_punt_ring_push(&r, big, sizeof(big), TOF_PORT_ENB, TOF_R_UL_UNKNOWN, 1));
	assert_int_equal(r.slots[(r.head - 1) & r.mask].len, TOF_PUNT_ROOM);
	assert_int_equal(tof_punt_ring_drain(&r, &x->a, 64), 2);
	assert_int_equal(x->t->n_sessions, 4);
	assert_int_equal(tof_punt_ring_drain(&r, &x->a, 64), 0);
	tof_punt_ring_fini(&r);
	tfix_free(x);
}

/* Each reason's class picks the ring; a frame handed over whole must fit. */
static void test_rings_classes(void **state)
{
	struct tof_punt_rings r;
	uint8_t f[TOF_PUNT_ROOM + 1];

	(void)state;
	memset(f, 0, sizeof(f));
	assert_int_equal(tof_punt_rings_init(&r, 2), 0);
	assert_int_equal(tof_punt_rings_push(&r, f, 100, TOF_PORT_SGW, TOF_R_DL_UNKNOWN, 1), 1);
	assert_int_equal(tof_punt_rings_push(&r, f, 100, TOF_PORT_ENB, TOF_R_UL_HANDOVER, 1), 1);
	assert_int_equal(r.urgent.head, 2);
	assert_int_equal(tof_punt_rings_push(&r, f, 100, TOF_PORT_SGW, TOF_R_DL_UNKNOWN, 1), -1);
	assert_int_equal(tof_punt_rings_push(&r, f, 100, TOF_PORT_ENB, TOF_R_UL_UNKNOWN, 1), 1);
	assert_int_equal(r.normal.head, 1);
	/* a copy to learn from is cut; a first packet to hand over whole is refused */
	assert_int_equal(tof_punt_rings_push(&r, f, sizeof(f), TOF_PORT_ENB, TOF_R_UL_UNKNOWN, 1), 1);
	assert_int_equal(tof_punt_rings_push(&r, f, sizeof(f), TOF_PORT_ENB, TOF_R_UL_FIRST, 1), 0);
	assert_int_equal(tof_punt_rings_push(&r, f, 100, TOF_PORT_ENB, TOF_R_UL_FIRST, 1), -1);
	tof_punt_rings_fini(&r);
}

/* A producer thread pushes numbered frames as fast as it can while this
 * thread drains: every frame arrives once, in order. */
struct prod {
	struct tof_punt_ring *r;
	uint32_t n, dropped;
};

static void *producer(void *arg)
{
	struct prod *p = arg;
	uint8_t frame[64];

	for (uint32_t i = 0; i < p->n;) {
		memcpy(frame, &i, sizeof(i));
		if (tof_punt_ring_push(p->r, frame, sizeof(frame), TOF_PORT_SGW, TOF_R_DL_UNKNOWN, i))
			i++;
		else
			p->dropped++;
	}
	return NULL;
}

static void test_ring_two_threads(void **state)
{
	struct tof_punt_ring r;
	struct prod p = { .r = &r, .n = 200000 };
	pthread_t th;
	uint32_t next = 0;

	(void)state;
	assert_int_equal(tof_punt_ring_init(&r, 64), 0);
	assert_int_equal(pthread_create(&th, NULL, producer, &p), 0);
	while (next < p.n) {
		uint32_t head = __atomic_load_n(&r.head, __ATOMIC_ACQUIRE);
		while (r.tail != head) {
			const struct tof_punt_msg *m = &r.slots[r.tail & r.mask];
			uint32_t v;
			memcpy(&v, m->data, sizeof(v));
			assert_int_equal(v, next);
			assert_int_equal(m->now_ns, next);
			next++;
			__atomic_store_n(&r.tail, r.tail + 1, __ATOMIC_RELEASE);
		}
	}
	pthread_join(th, NULL);
	tof_punt_ring_fini(&r);
}

static uint64_t fake_now(void *ctx)
{
	return *(volatile uint64_t *)ctx;
}

static void housekeep(void *ctx, uint64_t now_ns)
{
	(void)now_ns;
	__atomic_add_fetch((int *)ctx, 1, __ATOMIC_RELAXED);
}

/* Poll cond under the writers' lock, under which the agent works. */
static bool wait_for(bool (*cond)(struct tfix *), struct tfix *x, pthread_mutex_t *lock)
{
	for (int i = 0; i < 4000; i++) {
		pthread_mutex_lock(lock);
		bool ok = cond(x);
		pthread_mutex_unlock(lock);
		if (ok)
			return true;
		usleep(1000);
	}
	return false;
}

static bool learned(struct tfix *x)
{
	return x->t->n_sessions == 1;
}

static bool probed(struct tfix *x)
{
	return x->n_emitted > 0;
}

/* A round hands every urgent frame over first, then one burst of the
 * others, however many wait. */
static void test_urgent_first(void **state)
{
	struct tfix *x = tfix_new(cfg_json, 512);
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct tof_punt_rings r, *rings[1] = { &r };
	volatile uint64_t now = 1000000;
	struct tframe t;

	(void)state;
	assert_int_equal(tof_punt_rings_init(&r, 512), 0);
	for (uint32_t i = 0; i < 300; i++) {
		char ue[32];
		snprintf(ue, sizeof(ue), "198.19.%u.%u", 1 + i / 250, i % 250 + 1);
		uplink(&t, 1000 + i, ue);
		assert_int_equal(tof_punt_rings_push(&r, t.f.buf + t.f.off, t.f.len, TOF_PORT_ENB,
						     TOF_R_UL_UNKNOWN, now), 1);
	}
	for (uint32_t i = 0; i < 3; i++) {
		uplink(&t, 7 + i, "198.19.0.9");
		assert_int_equal(tof_punt_rings_push(&r, t.f.buf + t.f.off, t.f.len, TOF_PORT_ENB,
						     TOF_R_UL_HANDOVER, now), 1);
	}
	struct tof_agent_loop l = {
		.agent = &x->a, .lock = &lock, .rings = rings, .n_rings = 1,
		.now = fake_now, .now_ctx = (void *)&now,
	};
	assert_int_equal(tof_agent_loop_once(&l), 3 + 64);
	assert_int_equal(r.urgent.tail, 3);
	assert_int_equal(r.normal.tail, 64);
	unsigned int rounds = 1;
	while (tof_agent_loop_once(&l) > 0)
		rounds++;
	assert_int_equal(r.normal.tail, 300);
	assert_int_equal(rounds, 5);
	tof_punt_rings_fini(&r);
	tfix_free(x);
}

/* A UE's first packet is queued as a new tunnel, the reply from the core a
 * moment later as an unknown downlink (the urgent ring): the agent takes
 * them in that order, so the reply finds the session and teaches its
 * downlink TEID. Under a flood of older new tunnels the reply still goes
 * in the first round. */
static void test_reply_after_request(void **state)
{
	struct tfix *x = tfix_new(cfg_json, 512);
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct tof_punt_rings r, *rings[2] = { NULL, &r };
	struct tof_punt_rings other;
	volatile uint64_t now = 1000000;
	struct tframe t;

	(void)state;
	assert_int_equal(tof_punt_rings_init(&r, 512), 0);
	assert_int_equal(tof_punt_rings_init(&other, 512), 0);
	rings[0] = &other;
	/* the request on one worker's ring, the reply on another's */
	uplink(&t, 7, "198.19.0.9");
	assert_int_equal(tof_punt_rings_push(&r, t.f.buf + t.f.off, t.f.len, TOF_PORT_ENB,
					     TOF_R_UL_UNKNOWN, now), 1);
	downlink(&t, 0x77, "198.19.0.9");
	assert_int_equal(tof_punt_rings_push(&other, t.f.buf + t.f.off, t.f.len, TOF_PORT_SGW,
					     TOF_R_DL_UNKNOWN, now + 300000), 1);
	struct tof_agent_loop l = {
		.agent = &x->a, .lock = &lock, .rings = rings, .n_rings = 2,
		.now = fake_now, .now_ctx = (void *)&now,
	};
	assert_int_equal(tof_agent_loop_once(&l), 2);
	assert_int_equal(x->t->n_sessions, 1);
	assert_true(x->t->sessions[0].flags & TOF_SESS_DL);
	assert_int_equal(x->t->sessions[0].dl_teid, 0x77);
	assert_int_equal(x->a.events[TOF_EV_DL_NO_SESSION], 0);

	/* 300 new tunnels queued before another UE's request and reply */
	for (uint32_t i = 0; i < 300; i++) {
		char ue[32];
		snprintf(ue, sizeof(ue), "198.19.%u.%u", 1 + i / 250, i % 250 + 1);
		uplink(&t, 1000 + i, ue);
		assert_int_equal(tof_punt_rings_push(&r, t.f.buf + t.f.off, t.f.len, TOF_PORT_ENB,
						     TOF_R_UL_UNKNOWN, now + 400000 + i), 1);
	}
	downlink(&t, 0x78, "198.19.0.9");
	assert_int_equal(tof_punt_rings_push(&other, t.f.buf + t.f.off, t.f.len, TOF_PORT_SGW,
					     TOF_R_DL_UNKNOWN, now + 900000), 1);
	assert_int_equal(tof_agent_loop_once(&l), 64 + 1);
	assert_int_equal(other.urgent.tail, 2);
	while (tof_agent_loop_once(&l) > 0)
		;
	assert_int_equal(r.normal.tail, 301);
	tof_punt_rings_fini(&r);
	tof_punt_rings_fini(&other);
	tfix_free(x);
}

static void test_loop(void **state)
{
	struct tfix *x = tfix_new(cfg_json, 64);
	pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	struct tof_punt_rings r, *rings[1] = { &r };
	volatile uint64_t now = 1000000;
	int chores = 0;
	struct tframe t;
	char err[128];

	(void)state;
	assert_int_equal(tof_punt_rings_init(&r, 16), 0);
	struct tof_agent_loop l = {
		.agent = &x->a, .lock = &lock, .rings = rings, .n_rings = 1,
		.emit = x->a.emit, .emit_ctx = x->a.emit_ctx,
		.now = fake_now, .now_ctx = (void *)&now,
		.housekeep = housekeep, .housekeep_ctx = &chores,
	};
	assert_int_equal(tof_agent_loop_start(&l, err, sizeof(err)), 0);
	uplink(&t, 7, "198.19.0.9");
	assert_int_equal(tof_punt_rings_push(&r, t.f.buf + t.f.off, t.f.len, TOF_PORT_ENB,
					     TOF_R_UL_UNKNOWN, now), 1);
	assert_true(wait_for(learned, x, &lock));
	/* no downlink: the pinger's first probe is due at once */
	pthread_mutex_lock(&lock);
	now += 20000000;
	pthread_mutex_unlock(&lock);
	assert_true(wait_for(probed, x, &lock));
	tof_agent_loop_stop(&l);
	assert_false(l.running);
	assert_true(__atomic_load_n(&chores, __ATOMIC_RELAXED) > 0);
	pthread_mutex_lock(&lock);
	assert_null(x->a.emit); /* taken back off the agent */
	pthread_mutex_unlock(&lock);
	tof_agent_loop_stop(&l); /* twice is fine */
	tof_punt_rings_fini(&r);
	tfix_free(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring),
		cmocka_unit_test(test_ring_two_threads),
		cmocka_unit_test(test_rings_classes),
		cmocka_unit_test(test_urgent_first),
		cmocka_unit_test(test_reply_after_request),
		cmocka_unit_test(test_loop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
