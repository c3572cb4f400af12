/* The agent's thread in the live appliance, whichever data plane carries
 * the packets (tof/dp with DPDK, tof/nfq in the kernel): the data plane's
 * threads hand it copies of frames through punt rings (a pair per
 * producing thread); it feeds them to the agent oldest first and fires the
 * agent's timers, all
 * under the writers' lock the REST API takes too. What the agent builds
 * leaves through the emit function the data plane set on the agent. */
#ifndef TOF_AGENT_LOOP_H
#define TOF_AGENT_LOOP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"

#define TOF_PUNT_ROOM 2048 /* a punted frame is copied up to this */

/* A copy of a frame for the agent. */
struct tof_punt_msg {
	uint64_t now_ns;
	uint16_t port;   /* enum tof_port */
	uint16_t reason; /* enum tof_reason */
	uint16_t len;
	uint8_t data[TOF_PUNT_ROOM];
};

/* Single producer (a data-plane thread), single consumer (the agent's
 * thread); no locks. */
struct tof_punt_ring {
	struct tof_punt_msg *slots;
	uint32_t mask;
	/* head and tail a cache line apart, so the two threads do not share
	 * one (padding, not alignment: rings live in calloc'd structs) */
	uint32_t head;              /* next slot the producer fills */
	uint8_t pad[60];
	uint32_t tail;              /* next slot the consumer reads */
	uint8_t pad2[60];
};

/* size: a power of two. -1 when out of memory. */
int tof_punt_ring_init(struct tof_punt_ring *r, uint32_t size);
void tof_punt_ring_fini(struct tof_punt_ring *r);

/* Copy a frame in (cut at TOF_PUNT_ROOM); false when the ring is full. */
bool tof_punt_ring_push(struct tof_punt_ring *r, const uint8_t *frame, size_t len,
			enum tof_port in, enum tof_reason why, uint64_t now_ns);

/* Feed up to max waiting frames to the agent (caller holds the writers'
 * lock); returns how many. */
unsigned int tof_punt_ring_drain(struct tof_punt_ring *r, struct tof_agent *a, unsigned int max);

/* One data-plane thread's way to the agent: the urgent punt classes
 * (known sessions, unknown downlink) in a ring of their own, with a
 * larger share of each round, so a flood of new tunnels cannot delay
 * them. */
struct tof_punt_rings {
	struct tof_punt_ring urgent, normal;
};

int tof_punt_rings_init(struct tof_punt_rings *r, uint32_t size);
void tof_punt_rings_fini(struct tof_punt_rings *r);

/* Queue a punted frame by its class: 1 queued; 0 refused, a frame handed
 * over whole (TOF_PC_FIRST) that does not fit; -1 its ring is full (the
 * caller counts a punt drop). */
int tof_punt_rings_push(struct tof_punt_rings *r, const uint8_t *frame, size_t len,
			enum tof_port in, enum tof_reason why, uint64_t now_ns);

/* The same as a data plane's punt function wants it: true if queued; a
 * full ring counts in w's punt_drops. */
bool tof_punt_rings_hand(struct tof_punt_rings *r, struct tof_worker *w, const uint8_t *frame,
			 size_t len, enum tof_port in, enum tof_reason why, uint64_t now_ns);

#define TOF_AGENT_MAX_RINGS 32 /* producing threads */

struct tof_agent_loop {
	struct tof_agent *agent;
	pthread_mutex_t *lock;          /* the writers' lock */
	tof_emit_fn emit;               /* where the agent's frames go while */
	void *emit_ctx;                 /* the loop runs */
	struct tof_punt_rings **rings;  /* one pair per producing thread */
	unsigned int n_rings;
	uint64_t (*now)(void *ctx);     /* the data plane's clock, in ns */
	void *now_ctx;
	/* Optional: more periodic work of the data plane, outside the lock,
	 * about every millisecond and when idle. */
	void (*housekeep)(void *ctx, uint64_t now_ns);
	void *housekeep_ctx;

	bool quit;                      /* atomic */
	pthread_t thread;
	bool running;
};

/* One round of the thread's work (tests call it themselves): the waiting
 * frames oldest first (now_ns), up to a burst of each normal ring and more
 * of the urgent ones, then the timers due, all under the lock; then
 * housekeeping. Returns the frames handed over. */
unsigned int tof_agent_loop_once(struct tof_agent_loop *l);

/* Point the agent's frames at l->emit and start the thread ("tof-agent");
 * -1 with a message in err. */
int tof_agent_loop_start(struct tof_agent_loop *l, char *err, size_t errlen);

/* Stop and join it, and take the emit function back off the agent (no-op
 * if not running). */
void tof_agent_loop_stop(struct tof_agent_loop *l);

#endif
