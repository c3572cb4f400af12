/* Quiescent-state-based reclamation (see tof_qsbr.h). */
#include <string.h>

#include "tof_qsbr.h"

void tof_qsbr_init(struct tof_qsbr *q)
{
	memset(q, 0, sizeof(*q));
	q->token = 1;
}

int tof_qsbr_register(struct tof_qsbr *q)
{
	if (q->n_readers == TOF_QSBR_MAX_READERS)
		return -1;
	unsigned int i = q->n_readers;
	__atomic_store_n(&q->r[i].seen, TOF_QSBR_OFFLINE, __ATOMIC_RELAXED);
	/* Readers are counted once their slot is initialised. */
	__atomic_store_n(&q->n_readers, i + 1, __ATOMIC_RELEASE);
	return (int)i;
}

uint64_t tof_qsbr_retire(struct tof_qsbr *q)
{
	/* Sequentially consistent: the unlink before it is visible to any
	 * reader that copies this token or a later one. */
	return __atomic_add_fetch(&q->token, 1, __ATOMIC_SEQ_CST);
}

bool tof_qsbr_done(const struct tof_qsbr *q, uint64_t token)
{
	unsigned int n = __atomic_load_n(&q->n_readers, __ATOMIC_ACQUIRE);

	for (unsigned int i = 0; i < n; i++) {
		uint64_t seen = __atomic_load_n(&q->r[i].seen, __ATOMIC_ACQUIRE);
		if (seen != TOF_QSBR_OFFLINE && seen < token)
			return false;
	}
	return true;
}

void tof_qsbr_wait(const struct tof_qsbr *q, uint64_t token)
{
	while (!tof_qsbr_done(q, token))
		__builtin_ia32_pause();
}
