/* The data plane's threads in miniature, for ThreadSanitizer (make tsan)
 * and as a consistency check in every build: two workers push bursts of
 * uplink, downlink and app frames through the pipeline while the agent
 * learns from their punts and purges idle sessions, a ctl thread moves,
 * deletes and re-registers services, and an API-like reader lists
 * services, tunnels and health. No frame may ever be offloaded to another
 * service's app or leave with another service's address. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent.h"
#include "agent_ctl.h"
#include "agent_state.h"
#include "config.h"
#include "tctl.h"
#include "tframe.h"

#define N_SVC 4
#define N_UE 48
#define WORKERS 2
#define BURST 8
#define ROUNDS 400       /* bursts per worker */
#define CTL_CHANGES 120
#define PUNT_Q 1024

static const char cfg_json[] =
	"{\"mode\": \"dual\", \"enb\": [\"198.18.0.1\"], \"sgw\": [\"198.18.0.2\"],"
	" \"idle_timeout_s\": 1, \"purge_interval_ms\": 50,"
	" \"pinger\": {\"target\": \"203.0.113.1\", \"policy\": \"off\"}}";

/* Punts from the workers, waiting for the agent. */
struct punt_msg {
	enum tof_port in;
	enum tof_reason why;
	uint64_t now_ns;
	size_t len;
	uint8_t frame[256];
};

struct race {
	struct tof_config cfg;
	struct tof_tables *t;
	struct tof_pipeline pl;
	struct tof_agent agent;
	struct tof_state *st;
	struct tof_ctl *ctl;

	pthread_mutex_t q_lock;
	struct punt_msg q[PUNT_Q];
	unsigned int q_head, q_len;
	uint64_t q_lost;

	uint64_t clock_ns;  /* atomic: the workers move it on */
	int bad_ctl, bad_reads; /* atomic: failed checks off the main thread
				 * (cmocka's asserts belong to it) */
	int stop;           /* atomic */
	int workers_done;   /* atomic */
};

struct worker_ctx {
	struct race *r;
	struct tof_worker w;
	int id;
	unsigned int reader; /* its place among the tables' readers */
	uint64_t offloads, encaps, wrong;
};

static const char *svc_ip(int k, char *b)
{
	sprintf(b, "203.0.113.%d", 110 + k);
	return b;
}

/* Service k's app lives at one of two addresses (the ctl moves it). */
static const char *app_ip(int k, int alt, char *b)
{
	sprintf(b, "198.51.100.%d", 10 + k + 20 * alt);
	return b;
}

static struct tof_service_config race_svc(int k, int alt)
{
	char name[16], s[32], a[32];

	snprintf(name, sizeof(name), "svc%d", k);
	return tctl_svc(name, svc_ip(k, s), app_ip(k, alt, a));
}

static uint64_t race_now(struct race *r)
{
	return __atomic_load_n(&r->clock_ns, __ATOMIC_RELAXED);
}

static bool race_punt(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
		      enum tof_reason why, uint64_t now_ns)
{
	struct race *r = ctx;
	bool queued = false;

	pthread_mutex_lock(&r->q_lock);
	if (r->q_len == PUNT_Q || len > sizeof(r->q[0].frame)) {
		r->q_lost++;
	} else {
		queued = true;
		struct punt_msg *m = &r->q[(r->q_head + r->q_len) % PUNT_Q];

		m->in = in;
		m->why = why;
		m->now_ns = now_ns;
		m->len = len;
		memcpy(m->frame, frame, len);
		r->q_len++;
	}
	pthread_mutex_unlock(&r->q_lock);
	return queued;
}

static void ue_addr(int ue, char *b)
{
	sprintf(b, "198.19.2.%d", ue + 1);
}

/* Frame i of a burst: uplink to a service, downlink to the UE, or an app's
 * reply to it, for UE u. */
static void race_frame(struct tframe *tf, int kind, int u, int alt)
{
	struct tframe_spec s;
	char ue[32], sv[32], ap[32];
	int k = u % N_SVC;

	tframe_default(&s);
	ue_addr(u, ue);
	if (kind == 0) {
		s.outer_src = "198.18.0.1", s.outer_dst = "198.18.0.2";
		s.teid = 0x1000u + (uint32_t)u;
		s.inner_src = ue, s.inner_dst = svc_ip(k, sv);
	} else if (kind == 1) {
		s.outer_src = "198.18.0.2", s.outer_dst = "198.18.0.1";
		s.teid = 0x2000u + (uint32_t)u;
		s.inner_src = "203.0.113.7", s.inner_dst = ue;
	} else {
		s.inner_src = app_ip(k, alt, ap), s.inner_dst = ue;
		s.sport = 2000, s.dport = 1000;
	}
	tframe_build(tf, &s);
}

/* The packet that left: an offload must go to an app of the service the
 * UE addressed; an encapsulated reply must carry that service's address. */
static void race_check(struct worker_ctx *c, const struct tframe *tf, const struct tof_result *res,
		       int u)
{
	const uint8_t *p = tf->buf + tf->f.off;
	int k = u % N_SVC;
	char b[32];
	struct pkt_ip ip;

	if (res->verdict == TOF_V_OFFLOAD) {
		struct gtp_addr a0 = tframe_addr(app_ip(k, 0, b)), a1 = tframe_addr(app_ip(k, 1, b));

		c->offloads++;
		if (pkt_parse_ip(p + 14, tf->f.len - 14, &ip) != PKT_OK ||
		    !(gtp_addr_eq(&ip.dst, &a0) || gtp_addr_eq(&ip.dst, &a1)))
			c->wrong++;
	} else if (res->verdict == TOF_V_ENCAP) {
		struct gtp_addr sv = tframe_addr(svc_ip(k, b));
		struct pkt_ip outer;

		c->encaps++;
		/* Ethernet + outer IPv4 20 + UDP 8 + GTP-U 8 */
		if (pkt_parse_ip(p + 14, tf->f.len - 14, &outer) != PKT_OK ||
		    pkt_parse_ip(p + 14 + 36, tf->f.len - 50, &ip) != PKT_OK ||
		    !gtp_addr_eq(&ip.src, &sv))
			c->wrong++;
	}
}

/* Let the agent catch up now and then (a real agent has its own core). */
static void race_wait_agent(struct race *r)
{
	for (;;) {
		pthread_mutex_lock(&r->q_lock);
		unsigned int n = r->q_len;
		pthread_mutex_unlock(&r->q_lock);
		if (n < PUNT_Q / 4)
			return;
		sched_yield();
	}
}

static void *race_worker(void *arg)
{
	struct worker_ctx *c = arg;
	struct race *r = c->r;
	static struct tframe tfs[WORKERS][BURST];
	struct tframe *tf = tfs[c->id];
	struct tof_frame f[BURST];
	struct tof_result res[BURST];
	int ue[BURST];

	/* A reader of the tables, as a data plane worker: quiescent between
	 * bursts (and offline while it waits for the agent). */
	tof_qsbr_online(&r->t->qsbr, c->reader);
	for (int round = 0; round < ROUNDS; round++) {
		/* UEs come and go: each quarter of the run uses other ones, so
		 * the earlier ones fall idle and are purged. */
		int base = (round * 4 / ROUNDS) * (N_UE / 4);

		for (int i = 0; i < BURST; i++) {
			ue[i] = base + (c->id * BURST + 2 * i + round) % (N_UE / 4);
			race_frame(&tf[i], (round + i) % 3, ue[i], round % 2);
			f[i] = tf[i].f;
		}
		/* a burst is of one port: process each kind as its own burst */
		for (int kind = 0; kind < 3; kind++) {
			struct tof_frame g[BURST];
			int idx[BURST], n = 0;
			enum tof_port in = kind == 0 ? TOF_PORT_ENB : kind == 1 ? TOF_PORT_SGW :
						       TOF_PORT_APPS;

			for (int i = 0; i < BURST; i++)
				if ((round + i) % 3 == kind)
					idx[n] = i, g[n++] = f[i];
			tof_pipeline_process_burst(&r->pl, &c->w, g, (uint16_t)n, in, race_now(r),
						   res);
			for (int j = 0; j < n; j++) {
				tf[idx[j]].f = g[j];
				race_check(c, &tf[idx[j]], &res[j], ue[idx[j]]);
			}
			tof_qsbr_quiescent(&r->t->qsbr, c->reader);
		}
		__atomic_add_fetch(&r->clock_ns, 5000000ULL, __ATOMIC_RELAXED); /* 5 ms */
		tof_qsbr_offline(&r->t->qsbr, c->reader);
		race_wait_agent(r);
		tof_qsbr_online(&r->t->qsbr, c->reader);
	}
	tof_qsbr_offline(&r->t->qsbr, c->reader);
	__atomic_add_fetch(&r->workers_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The agent thread: drain punts and run timers under the writers' lock. */
static void *race_agent(void *arg)
{
	struct race *r = arg;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE)) {
		struct punt_msg m;
		bool got = false;

		pthread_mutex_lock(&r->q_lock);
		if (r->q_len) {
			m = r->q[r->q_head];
			r->q_head = (r->q_head + 1) % PUNT_Q;
			r->q_len--;
			got = true;
		}
		pthread_mutex_unlock(&r->q_lock);
		tof_ctl_lock(r->ctl);
		if (got)
			tof_agent_punt(&r->agent, m.frame, m.len, m.in, m.why, m.now_ns);
		uint64_t now = race_now(r);
		if (tof_agent_next_deadline(&r->agent) <= now)
			tof_agent_tick(&r->agent, now);
		tof_ctl_unlock(r->ctl);
	}
	return NULL;
}

/* REST-like service changes: move an app, delete and re-register. */
static void *race_ctl(void *arg)
{
	struct race *r = arg;
	struct tof_ctl_err e;

	for (int i = 0; i < CTL_CHANGES; i++) {
		int k = i % N_SVC;
		struct tof_service_config s = race_svc(k, (i / N_SVC) % 2);
		enum tof_ctl_code rc;

		if (i % 3 == 2) {
			rc = tof_ctl_service_delete(r->ctl, s.name, NULL, &e);
			if (rc == TOF_CTL_OK)
				rc = tof_ctl_service_add(r->ctl, &s, &e);
		} else {
			rc = tof_ctl_service_update(r->ctl, s.name, &s, NULL, &e);
		}
		if (rc != TOF_CTL_OK)
			__atomic_add_fetch(&r->bad_ctl, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

/* Readers of the API: lists, tunnels, health, while all the above runs. */
static void *race_reader(void *arg)
{
	struct race *r = arg;
	struct tof_ctl_tunnel tun[N_UE];
	long reads = 0;

	while (!__atomic_load_n(&r->stop, __ATOMIC_ACQUIRE) || reads == 0) {
		struct tof_service_config *v;
		struct tof_ctl_health h;
		struct tof_ctl_err e;
		uint32_t n, next, total;

		bool ok = tof_ctl_service_list(r->ctl, &v, &n, &e) == TOF_CTL_OK;

		/* one service may be between its delete and its re-add */
		ok = ok && (n == N_SVC || n == N_SVC - 1);
		free(v);
		/* (a session being learned may show without its uplink yet: the
		 * agent adds it and sets its tunnel in two steps) */
		n = tof_ctl_tunnels(r->ctl, NULL, 0, tun, N_UE, &next, &total);
		for (uint32_t i = 0; i < n; i++)
			ok = ok && (tun[i].ue4.family == GTP_AF_INET);
		tof_ctl_health(r->ctl, &h);
		ok = ok && h.ready;
		if (!ok)
			__atomic_add_fetch(&r->bad_reads, 1, __ATOMIC_RELAXED);
		reads++;
	}
	return NULL;
}

static void test_workers_agent_ctl_readers(void **state)
{
	struct race *r = calloc(1, sizeof(*r));
	struct worker_ctx wc[WORKERS];
	struct tof_service_config svcs[N_SVC];
	struct tof_ctl_err e;
	pthread_t tw[WORKERS], ta, tc, tr;
	char err[256];
	uint64_t offloads = 0, encaps = 0, wrong = 0;

	(void)state;
	assert_non_null(r);
	assert_int_equal(tof_config_load_string(cfg_json, &r->cfg, err, sizeof(err)), 0);
	r->t = tof_tables_create(256, 16);
	assert_non_null(r->t);
	r->pl.cfg = &r->cfg;
	r->pl.tables = r->t;
	r->pl.pinger = r->cfg.pinger;
	assert_int_equal(tof_agent_init(&r->agent, &r->cfg, &r->pl, NULL, NULL), 0);
	assert_int_equal(tof_state_open(NULL, &r->st, err, sizeof(err)), 0);
	r->ctl = tof_ctl_create(r->t, &r->agent, r->st);
	assert_non_null(r->ctl);
	for (int k = 0; k < N_SVC; k++) {
		svcs[k] = race_svc(k, 0);
		svcs[k].has_app_mac = true; /* no ARP needed to offload */
		svcs[k].app_mac[5] = (uint8_t)k;
	}
	assert_int_equal(tof_ctl_load_services(r->ctl, svcs, N_SVC, false, &e), TOF_CTL_OK);
	pthread_mutex_init(&r->q_lock, NULL);

	pthread_create(&ta, NULL, race_agent, r);
	pthread_create(&tr, NULL, race_reader, r);
	for (int i = 0; i < WORKERS; i++) {
		wc[i] = (struct worker_ctx){ .r = r, .id = i };
		assert_int_equal(tof_worker_init(&wc[i].w, r->t->max_services, race_punt, r), 0);
		int reader = tof_qsbr_register(&r->t->qsbr);
		assert_true(reader >= 0);
		wc[i].reader = (unsigned int)reader;
		pthread_create(&tw[i], NULL, race_worker, &wc[i]);
	}
	pthread_create(&tc, NULL, race_ctl, r);
	pthread_join(tc, NULL);
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(tw[i], NULL);
		offloads += wc[i].offloads;
		encaps += wc[i].encaps;
		wrong += wc[i].wrong;
	}
	__atomic_store_n(&r->stop, 1, __ATOMIC_RELEASE);
	pthread_join(ta, NULL);
	pthread_join(tr, NULL);

	printf("race: %llu offloads, %llu encapsulated replies, %llu learned, %llu purged, "
	       "%llu punts lost (queue full)\n", (unsigned long long)offloads,
	       (unsigned long long)encaps,
	       (unsigned long long)r->agent.events[TOF_EV_UL_LEARNED],
	       (unsigned long long)r->agent.events[TOF_EV_PURGED],
	       (unsigned long long)r->q_lost);
	assert_int_equal(r->bad_ctl, 0);
	assert_int_equal(r->bad_reads, 0);
	assert_int_equal(wrong, 0);
	assert_true(offloads > 0);
	assert_true(encaps > 0);
	assert_true(r->agent.events[TOF_EV_PURGED] > 0);

	for (int i = 0; i < WORKERS; i++)
		tof_worker_fini(&wc[i].w);
	pthread_mutex_destroy(&r->q_lock);
	tof_ctl_destroy(r->ctl);
	tof_state_close(r->st);
	tof_agent_fini(&r->agent);
	tof_tables_destroy(r->t);
	tof_config_free(&r->cfg);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_workers_agent_ctl_readers),
	};
	return cmocka_run_group_tests_name("pipeline_race", tests, NULL, NULL);
}
