/* Linear-probing hash index with backward-shift deletion. The writer
 * stores entries with relaxed atomics so concurrent readers (see
 * tof_index_next) never see a torn entry; the tables' seqlock tells them
 * to retry when an entry moved under them. */
#include <stdlib.h>

#include "tof_tables.h"

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
	return (size_t)tof_index_capacity(max_entries) * sizeof(struct tof_index_ent);
}

int tof_index_init(struct tof_index *ix, uint32_t max_entries)
{
	uint32_t cap = tof_index_capacity(max_entries);

	ix->ents = calloc(cap, sizeof(*ix->ents));
	if (ix->ents == NULL)
		return -1;
	ix->mask = cap - 1;
	ix->used = 0;
	ix->limit = max_entries < cap / 2 ? max_entries : cap / 2;
	ix->max_dist = 0;
	return 0;
}

void tof_index_free(struct tof_index *ix)
{
	free(ix->ents);
	ix->ents = NULL;
}

static void tof_index_store(struct tof_index_ent *e, uint32_t sig, uint32_t slot)
{
	__atomic_store_n(&e->sig, sig, __ATOMIC_RELAXED);
	__atomic_store_n(&e->slot, slot, __ATOMIC_RELAXED);
}

bool tof_index_insert(struct tof_index *ix, uint32_t sig, uint32_t slot)
{
	uint32_t pos = sig & ix->mask;
	uint32_t dist = 0;

	if (ix->used >= ix->limit)
		return false;
	/* At most half full: an empty entry comes within capacity steps. */
	while (ix->ents[pos].slot != 0) {
		pos = (pos + 1) & ix->mask;
		dist++;
	}
	/* Readers must probe this far before they can meet the entry. */
	if (dist > ix->max_dist)
		__atomic_store_n(&ix->max_dist, dist, __ATOMIC_RELEASE);
	tof_index_store(&ix->ents[pos], sig, slot + 1);
	ix->used++;
	return true;
}

bool tof_index_remove(struct tof_index *ix, uint32_t sig, uint32_t slot)
{
	uint32_t pos = sig & ix->mask;

	for (uint32_t d = 0;; d++) {
		struct tof_index_ent *e = &ix->ents[pos];
		if (e->slot == 0 || d > ix->max_dist)
			return false;
		if (e->sig == sig && e->slot == slot + 1)
			break;
		pos = (pos + 1) & ix->mask;
	}
	/* Backward shift: pull later entries of the run into the hole unless
	 * their home position lies cyclically in (hole, entry]. */
	uint32_t hole = pos;
	uint32_t j = pos;
	for (;;) {
		j = (j + 1) & ix->mask;
		struct tof_index_ent *e = &ix->ents[j];
		if (e->slot == 0)
			break;
		uint32_t home = e->sig & ix->mask;
		bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (stays)
			continue;
		tof_index_store(&ix->ents[hole], e->sig, e->slot);
		hole = j;
	}
	tof_index_store(&ix->ents[hole], 0, 0);
	ix->used--;
	/* Entries only move closer to home, so max_dist stays an upper
	 * bound; an empty index starts afresh. */
	if (ix->used == 0)
		__atomic_store_n(&ix->max_dist, 0, __ATOMIC_RELEASE);
	return true;
}

/* splitmix64: expands one seed into the key's words. */
static uint64_t tof_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

void tof_hash_key_init(struct tof_hash_key *hk, uint64_t seed)
{
	uint64_t x = seed;

	for (unsigned int i = 0; i < 8; i += 2) {
		uint64_t v = tof_splitmix(&x);
		hk->k[i] = (uint32_t)v;
		hk->k[i + 1] = (uint32_t)(v >> 32);
	}
	hk->fin = tof_splitmix(&x);
}
