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

unsigned int tof_punt_ring_drain(struct tof_punt_ring *r, struct tof_agent *a, unsigned int max)
{
	uint32_t tail = r->tail; /* only we write it */
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
	unsigned int n = 0;

	while (tail != head && n < max) {
		const struct tof_punt_msg *m = &r->slots[tail & r->mask];
		tof_agent_punt(a, m->data, m->len, (enum tof_port)m->port,
			       (enum tof_reason)m->reason, m->now_ns);
		tail++;
		n++;
	}
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
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

unsigned int tof_agent_loop_once(struct tof_agent_loop *l)
{
	unsigned int total = 0, urgent;

	pthread_mutex_lock(l->lock);
	/* Urgent punts (known sessions, the pinger's replies, unknown
	 * downlink) all go first; a flood of new tunnels waits. */
	do {
		urgent = 0;
		for (unsigned int i = 0; i < l->n_rings; i++)
			urgent += tof_punt_ring_drain(&l->rings[i]->urgent, l->agent, TOF_AGENT_BURST);
		total += urgent;
	} while (urgent > 0 && total < 16 * TOF_AGENT_BURST);
	for (unsigned int i = 0; i < l->n_rings; i++)
		total += tof_punt_ring_drain(&l->rings[i]->normal, l->agent, TOF_AGENT_BURST);
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
