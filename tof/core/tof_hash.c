/* The tables' secret hash key, expanded from a 64-bit seed. */
#include "tof_tables.h"

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
