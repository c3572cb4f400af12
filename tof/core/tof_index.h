/* Open-addressing hash index: a key's 32-bit hash (signature) -> a pool
 * slot. One writer, any number of lock-free readers that never wait.
 *
 * Linear probing, at most half full, so an empty entry always ends a probe.
 * An entry is one 64-bit word (signature, slot + 1), stored atomically, so
 * a reader never sees half an entry. Deletion shifts the rest of the run
 * back (no tombstones); a reader that misses a key because an entry moved
 * under it sees the index's change counter move and looks again, so a
 * reader retries only when the writer has made progress, never waits for
 * it. Inserts beyond `limit` are refused, never looped on; readers probe
 * at most max_dist + 1 entries. */
#ifndef TOF_CORE_INDEX_H
#define TOF_CORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TOF_NO_SLOT UINT32_MAX

struct tof_index {
	uint64_t *ents;    /* atomic words: slot + 1 << 32 | signature; 0 = empty */
	uint32_t mask;     /* capacity - 1, capacity a power of two */
	uint32_t used;
	uint32_t limit;    /* most entries it takes (capacity / 2 or less) */
	uint32_t max_dist; /* atomic: longest probe an entry needs, minus one */
	uint64_t changes;  /* atomic: bumped when an entry moves or goes */
};

int tof_index_init(struct tof_index *ix, uint32_t max_entries);
void tof_index_free(struct tof_index *ix);
size_t tof_index_memory(uint32_t max_entries);

/* Writer side. insert: the (signature, slot) pair must not be present
 * already; false (and nothing changed) when the index holds `limit`. */
bool tof_index_insert(struct tof_index *ix, uint32_t sig, uint32_t slot);
/* Remove the entry (sig, slot); false if it is not there. */
bool tof_index_remove(struct tof_index *ix, uint32_t sig, uint32_t slot);
/* Point the entry (sig, slot) at new_slot in one store; false if absent. */
bool tof_index_repoint(struct tof_index *ix, uint32_t sig, uint32_t slot, uint32_t new_slot);

static inline uint64_t tof_index_word(uint32_t sig, uint32_t slot)
{
	return (uint64_t)(slot + 1) << 32 | sig;
}

/* Reader side: iterate candidate slots whose signature matches. */
struct tof_index_iter {
	uint32_t pos;
	uint32_t left; /* entries still to look at */
};

static inline void tof_index_start(const struct tof_index *ix, uint32_t sig,
				   struct tof_index_iter *it)
{
	it->pos = sig & ix->mask;
	it->left = __atomic_load_n(&ix->max_dist, __ATOMIC_ACQUIRE) + 1;
}

/* The next slot whose entry has signature sig, or TOF_NO_SLOT. */
static inline uint32_t tof_index_next(const struct tof_index *ix, uint32_t sig,
				      struct tof_index_iter *it)
{
	while (it->left > 0) {
		uint64_t w = __atomic_load_n(&ix->ents[it->pos], __ATOMIC_ACQUIRE);
		it->pos = (it->pos + 1) & ix->mask;
		it->left--;
		if (w == 0)
			return TOF_NO_SLOT;
		if ((uint32_t)w == sig)
			return (uint32_t)(w >> 32) - 1;
	}
	return TOF_NO_SLOT;
}

/* A reader that found nothing asks whether to look again: the index
 * changed since `before` (tof_index_changes at the start). */
static inline uint64_t tof_index_changes(const struct tof_index *ix)
{
	return __atomic_load_n(&ix->changes, __ATOMIC_ACQUIRE);
}

/* Lookups retry a miss this often at most while the writer moves entries. */
#define TOF_INDEX_RETRIES 4

#endif
