/* The agent's thread: punt rings in, timers, under the writers' lock. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_loop.h"

#define TOF_AGENT_BURST 64
#define TOF_AGENT_IDLE_US 500 /* timers have millisecond resolution */

int tof_punt_ring_init(struct tof_punt_ring *r, uint32_t size)
{
	memset(r, 0, sizeof(*r));
	if (size == 0 || (size & (size - 1)) != 0)
		return -1;
	r->slots = calloc(size, sizeof(*r->slots));
	if (r->slots == NULL)
		return -1;
	r->mask = size - 1;
	return 0;
}

void tof_punt_ring_fini(struct tof_punt_ring *r)
{
	free(r->slots);
	r->slots = NULL;
}

bool tof_punt_ring_push(struct tof_punt_ring *r, const uint8_t *frame, size_t len,
			enum tof_port in, enum tof_reason why, uint64_t now_ns)
{
	uint32_t head = r->head; /* only we write it */
	uint32_t tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	if (head - tail > r->mask)
		return false;
	struct tof_punt_msg *m = &r->slots[head & r->mask];
	m->now_ns = now_ns;
	m->port = (uint16_t)in;
	m->reason = (uint16_t)why;
	m->len = (uint16_t)(len < TOF_PUNT_ROOM ? len : TOF_PUNT_ROOM);
	memcpy(m->data, frame, m->len);
	__atomic_store_n(&r->head, head + 1, __ATOMIC_RELEASE);
	return true;
}

/* The oldest frame waiting in r, or NULL. */
static const struct tof_punt_msg *tof_punt_ring_peek(const struct tof_punt_ring *r)
{
	uint32_t tail = r->tail; /* only the consumer writes it */

	if (tail == __atomic_load_n(&r->head, __ATOMIC_ACQUIRE))
		return NULL;
	return &r->slots[tail & r->mask];
}

/* Feed the frame tof_punt_ring_peek returned to the agent and free its slot. */
static void tof_punt_ring_feed(struct tof_punt_ring *r, const struct tof_punt_msg *m,
			       struct tof_agent *a)
{
	tof_agent_punt(a, m->data, m->len, (enum tof_port)m->port, (enum tof_reason)m->reason,
		       m->now_ns);
	__atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
}

unsigned int tof_punt_ring_drain(struct tof_punt_ring *r, struct tof_agent *a, unsigned int max)
{
	const struct tof_punt_msg *m;
	unsigned int n = 0;

	while (n < max && (m = tof_punt_ring_peek(r)) != NULL) {
		tof_punt_ring_feed(r, m, a);
		n++;
	}
	return n;
}

int tof_punt_rings_init(struct tof_punt_rings *r, uint32_t size)
{
	if (tof_punt_ring_init(&r->urgent, size) != 0 || tof_punt_ring_init(&r->normal, size) != 0) {
		tof_punt_rings_fini(r);
		return -1;
	}
	return 0;
}

void tof_punt_rings_fini(struct tof_punt_rings *r)
{
	tof_punt_ring_fini(&r->urgent);
	tof_punt_ring_fini(&r->normal);
}

int tof_punt_rings_push(struct tof_punt_rings *r, const uint8_t *frame, size_t len,
			enum tof_port in, enum tof_reason why, uint64_t now_ns)
{
	enum tof_punt_class pc = tof_punt_class_of(why);

	/* A frame handed over whole must fit; a copy to learn from needs
	 * only its headers. */
	if (pc == TOF_PC_FIRST && len > TOF_PUNT_ROOM)
		return 0;
	return tof_punt_ring_push(tof_punt_class_urgent(pc) ? &r->urgent : &r->normal, frame, len,
				  in, why, now_ns) ? 1 : -1;
}

bool tof_punt_rings_hand(struct tof_punt_rings *r, struct tof_worker *w, const uint8_t *frame,
			 size_t len, enum tof_port in, enum tof_reason why, uint64_t now_ns)
{
	int rc = tof_punt_rings_push(r, frame, len, in, why, now_ns);

	if (rc < 0)
		w->ctr.punt_drops++;
	return rc > 0;
}

/* Of the rings that may give a frame now (every urgent ring while
 * urgent_ok; a normal ring while it has budget left), the one whose oldest
 * frame arrived first: its frame, or NULL when none has any. */
static const struct tof_punt_msg *tof_agent_loop_oldest(struct tof_agent_loop *l,
							const unsigned int *normal_left,
							bool urgent_ok, struct tof_punt_ring **ring,
							unsigned int *ring_idx)
{
	const struct tof_punt_msg *best = NULL;

	for (unsigned int i = 0; i < l->n_rings; i++) {
		struct tof_punt_ring *cand[2] = {
			urgent_ok ? &l->rings[i]->urgent : NULL,
			normal_left[i] > 0 ? &l->rings[i]->normal : NULL,
		};
		for (unsigned int k = 0; k < 2; k++) {
			const struct tof_punt_msg *m = cand[k] ? tof_punt_ring_peek(cand[k]) : NULL;
			if (m != NULL && (best == NULL || m->now_ns < best->now_ns)) {
				best = m;
				*ring = cand[k];
				*ring_idx = i;
			}
		}
	}
	return best;
}

unsigned int tof_agent_loop_once(struct tof_agent_loop *l)
{
	unsigned int normal_left[TOF_AGENT_MAX_RINGS], total = 0, urgent = 0, i;
	const struct tof_punt_msg *m;
	struct tof_punt_ring *r;

	for (i = 0; i < l->n_rings; i++)
		normal_left[i] = TOF_AGENT_BURST;
	pthread_mutex_lock(l->lock);
	/* In the order the frames arrived, so that a reply never overtakes
	 * the request that made its session; but a round takes at most a
	 * burst from each normal ring (16 from the urgent ones), so a flood
	 * of new tunnels cannot hold up known sessions, the pinger's replies
	 * and unknown downlinks for long. */
	while ((m = tof_agent_loop_oldest(l, normal_left, urgent < 16 * TOF_AGENT_BURST, &r,
					  &i)) != NULL) {
		if (r == &l->rings[i]->urgent)
			urgent++;
		else
			normal_left[i]--;
		tof_punt_ring_feed(r, m, l->agent);
		total++;
	}
	uint64_t now = l->now(l->now_ctx);
	if (tof_agent_next_deadline(l->agent) <= now)
		tof_agent_tick(l->agent, now);
	pthread_mutex_unlock(l->lock);
	if (l->housekeep)
		l->housekeep(l->housekeep_ctx, now);
	return total;
}

static void *tof_agent_loop_main(void *arg)
{
	struct tof_agent_loop *l = arg;

	while (!__atomic_load_n(&l->quit, __ATOMIC_ACQUIRE)) {
		if (tof_agent_loop_once(l) == 0)
			usleep(TOF_AGENT_IDLE_US);
	}
	return NULL;
}

static void tof_agent_loop_emit(struct tof_agent_loop *l, tof_emit_fn fn, void *ctx)
{
	pthread_mutex_lock(l->lock);
	l->agent->emit = fn;
	l->agent->emit_ctx = ctx;
	pthread_mutex_unlock(l->lock);
}

int tof_agent_loop_start(struct tof_agent_loop *l, char *err, size_t errlen)
{
	if (l->n_rings > TOF_AGENT_MAX_RINGS) {
		snprintf(err, errlen, "%u punt rings, at most %u", l->n_rings,
			 TOF_AGENT_MAX_RINGS);
		return -1;
	}
	__atomic_store_n(&l->quit, false, __ATOMIC_RELAXED);
	/* From now on the agent's frames go out through the data plane. */
	tof_agent_loop_emit(l, l->emit, l->emit_ctx);
	int rc = pthread_create(&l->thread, NULL, tof_agent_loop_main, l);
	if (rc != 0) {
		tof_agent_loop_emit(l, NULL, NULL);
		snprintf(err, errlen, "agent thread: %s", strerror(rc));
		return -1;
	}
	pthread_setname_np(l->thread, "tof-agent");
	l->running = true;
	return 0;
}

void tof_agent_loop_stop(struct tof_agent_loop *l)
{
	if (!l->running)
		return;
	__atomic_store_n(&l->quit, true, __ATOMIC_RELEASE);
	pthread_join(l->thread, NULL);
	l->running = false;
	tof_agent_loop_emit(l, NULL, NULL);
}
