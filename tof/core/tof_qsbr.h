/* Quiescent-state-based reclamation: how the tables' one writer knows that
 * no worker still reads an entry it has replaced, without ever making a
 * worker wait. Each reader (a worker) says "I hold no table pointers" at a
 * quiescent point (between bursts) by copying the writer's token; the writer
 * bumps the token when it retires something and may reuse it once every
 * online reader has copied that token or a later one. Only the writer ever
 * waits, and only for readers to finish the burst they are in. Threads that
 * read nothing for a while go offline (an idle worker, a stopped one).
 * The same idea as DPDK's rte_rcu_qsbr, written here without DPDK so the
 * core stays free of it. */
#ifndef TOF_CORE_QSBR_H
#define TOF_CORE_QSBR_H

#include <stdbool.h>
#include <stdint.h>

#define TOF_QSBR_MAX_READERS 64
#define TOF_QSBR_OFFLINE 0

struct tof_qsbr_reader {
	uint64_t seen; /* atomic: token at its last quiescent point, or OFFLINE */
} __attribute__((aligned(64)));

struct tof_qsbr {
	uint64_t token; /* atomic: bumped by the writer; starts at 1 */
	uint32_t n_readers;
	struct tof_qsbr_reader r[TOF_QSBR_MAX_READERS];
};

void tof_qsbr_init(struct tof_qsbr *q);

/* A new reader (its index), offline until it says otherwise; -1 if full.
 * Registration is the writer's business (under its lock). */
int tof_qsbr_register(struct tof_qsbr *q);

/* Reader side. */
static inline void tof_qsbr_quiescent(struct tof_qsbr *q, unsigned int reader)
{
	/* Release: every table read before this point is done. */
	__atomic_store_n(&q->r[reader].seen, __atomic_load_n(&q->token, __ATOMIC_ACQUIRE),
			 __ATOMIC_RELEASE);
}

static inline void tof_qsbr_online(struct tof_qsbr *q, unsigned int reader)
{
	__atomic_store_n(&q->r[reader].seen, __atomic_load_n(&q->token, __ATOMIC_ACQUIRE),
			 __ATOMIC_SEQ_CST);
}

static inline void tof_qsbr_offline(struct tof_qsbr *q, unsigned int reader)
{
	__atomic_store_n(&q->r[reader].seen, TOF_QSBR_OFFLINE, __ATOMIC_RELEASE);
}

/* Writer side: something was just unlinked; the token that marks it. */
uint64_t tof_qsbr_retire(struct tof_qsbr *q);

/* Has every online reader passed a quiescent point since `token`? */
bool tof_qsbr_done(const struct tof_qsbr *q, uint64_t token);

/* Wait until tof_qsbr_done(token). Spins (with a pause): readers are in a
 * burst for microseconds. */
void tof_qsbr_wait(const struct tof_qsbr *q, uint64_t token);

#endif
