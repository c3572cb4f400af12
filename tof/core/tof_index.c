/* Linear-probing hash index with backward-shift deletion, safe for readers
 * that never wait (see tof_index.h). */
#include "tof_index.h"
#include "tof_mem.h"

static uint32_t tof_index_capacity(uint32_t max_entries)
{
	uint64_t cap = 16;

	/* At most half full keeps probes short and guarantees an empty entry. */
	while (cap < (uint64_t)max_entries * 2)
		cap <<= 1;
	return (uint32_t)cap;
}

size_t tof_index_memory(uint32_t max_entries)
{
	return (size_t)tof_index_capacity(max_entries) * sizeof(uint64_t);
}

int tof_index_init(struct tof_index *ix, uint32_t max_entries)
{
	uint32_t cap = tof_index_capacity(max_entries);

	ix->ents = tof_mem_alloc((size_t)cap * sizeof(*ix->ents));
	if (ix->ents == NULL)
		return -1;
	ix->mask = cap - 1;
	ix->used = 0;
	ix->limit = max_entries < cap / 2 ? max_entries : cap / 2;
	ix->max_dist = 0;
	ix->changes = 0;
	return 0;
}

void tof_index_free(struct tof_index *ix)
{
	if (ix->ents != NULL)
		tof_mem_free(ix->ents, ((size_t)ix->mask + 1) * sizeof(*ix->ents));
	ix->ents = NULL;
}

static void tof_index_store(struct tof_index *ix, uint32_t pos, uint64_t w)
{
	__atomic_store_n(&ix->ents[pos], w, __ATOMIC_RELEASE);
}

static void tof_index_changed(struct tof_index *ix)
{
	__atomic_store_n(&ix->changes, ix->changes + 1, __ATOMIC_RELEASE);
}

bool tof_index_insert(struct tof_index *ix, uint32_t sig, uint32_t slot)
{
	uint32_t pos = sig & ix->mask;
	uint32_t dist = 0;

	if (ix->used >= ix->limit)
		return false;
	/* At most half full: an empty entry comes within capacity steps. */
	while (ix->ents[pos] != 0) {
		pos = (pos + 1) & ix->mask;
		dist++;
	}
	/* Readers must probe this far before they can meet the entry. */
	if (dist > ix->max_dist)
		__atomic_store_n(&ix->max_dist, dist, __ATOMIC_RELEASE);
	tof_index_store(ix, pos, tof_index_word(sig, slot));
	ix->used++;
	return true;
}

/* Position of the entry (sig, slot), or the capacity if absent. */
static uint32_t tof_index_find(const struct tof_index *ix, uint32_t sig, uint32_t slot)
{
	uint64_t want = tof_index_word(sig, slot);
	uint32_t pos = sig & ix->mask;

	for (uint32_t d = 0; d <= ix->max_dist; d++) {
		uint64_t w = ix->ents[pos];
		if (w == 0)
			break;
		if (w == want)
			return pos;
		pos = (pos + 1) & ix->mask;
	}
	return ix->mask + 1;
}

bool tof_index_repoint(struct tof_index *ix, uint32_t sig, uint32_t slot, uint32_t new_slot)
{
	uint32_t pos = tof_index_find(ix, sig, slot);

	if (pos > ix->mask)
		return false;
	tof_index_store(ix, pos, tof_index_word(sig, new_slot));
	return true;
}

bool tof_index_remove(struct tof_index *ix, uint32_t sig, uint32_t slot)
{
	uint32_t hole = tof_index_find(ix, sig, slot);

	if (hole > ix->mask)
		return false;
	/* Backward shift: pull later entries of the run into the hole unless
	 * their home position lies cyclically in (hole, entry]. Each entry is
	 * written to its new place before its old one is reused, and the
	 * change counter moves in between, so a reader that missed it
	 * looks again. */
	uint32_t j = hole;
	for (;;) {
		j = (j + 1) & ix->mask;
		uint64_t w = ix->ents[j];
		if (w == 0)
			break;
		uint32_t home = (uint32_t)w & ix->mask;
		bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (stays)
			continue;
		tof_index_store(ix, hole, w);
		tof_index_changed(ix);
		hole = j;
	}
	tof_index_changed(ix);
	tof_index_store(ix, hole, 0);
	ix->used--;
	/* Entries only move closer to home, so max_dist stays an upper
	 * bound; an empty index starts afresh. */
	if (ix->used == 0)
		__atomic_store_n(&ix->max_dist, 0, __ATOMIC_RELEASE);
	return true;
}
