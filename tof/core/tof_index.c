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

void tof_index_insert(struct tof_index *ix, uint32_t sig, uint32_t slot)
{
	uint32_t pos = sig & ix->mask;

	while (ix->ents[pos].slot != 0)
		pos = (pos + 1) & ix->mask;
	tof_index_store(&ix->ents[pos], sig, slot + 1);
	ix->used++;
}

bool tof_index_remove(struct tof_index *ix, uint32_t sig, uint32_t slot)
{
	uint32_t pos = sig & ix->mask;

	for (;;) {
		struct tof_index_ent *e = &ix->ents[pos];
		if (e->slot == 0)
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
	return true;
}

/* Generic keys: 8-octet words folded through the finaliser. */
uint32_t tof_hash_bytes(const void *p, size_t len, uint32_t seed)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ ((uint64_t)len << 32);

	while (len >= 8) {
		uint64_t v;
		__builtin_memcpy(&v, b, 8);
		h = tof_hash_fmix(h ^ v);
		b += 8;
		len -= 8;
	}
	if (len > 0) {
		uint64_t v = 0;
		__builtin_memcpy(&v, b, len);
		h = tof_hash_fmix(h ^ v ^ 0x8000000000000000ULL);
	}
	return (uint32_t)tof_hash_fmix(h);
}
