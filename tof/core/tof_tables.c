/* Creation, sizing and destruction of the session and service tables. */
#include <stdlib.h>

#include "tof_tables.h"

#define TOF_DEFAULT_SESSIONS (1u << 20)
#define TOF_DEFAULT_SERVICES 1024u

static void tof_tables_sizes(uint32_t *max_sessions, uint32_t *max_services)
{
	if (*max_sessions == 0)
		*max_sessions = TOF_DEFAULT_SESSIONS;
	if (*max_services == 0)
		*max_services = TOF_DEFAULT_SERVICES;
}

size_t tof_tables_memory(uint32_t max_sessions, uint32_t max_services)
{
	tof_tables_sizes(&max_sessions, &max_services);
	/* The uplink index holds every bearer's TEID, the UE index up to
	 * two keys (IPv4 + IPv6) per session. */
	return sizeof(struct tof_tables) + (size_t)max_sessions * sizeof(struct tof_session) +
	       tof_index_memory(TOF_MAX_BEARERS * max_sessions) + tof_index_memory(max_sessions) +
	       tof_index_memory(2 * max_sessions) +
	       (size_t)max_services * sizeof(struct tof_service) +
	       2 * tof_index_memory(max_services);
}

struct tof_tables *tof_tables_create(uint32_t max_sessions, uint32_t max_services)
{
	struct tof_tables *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	tof_tables_sizes(&max_sessions, &max_services);
	t->max_sessions = max_sessions;
	t->max_services = max_services;
	/* A fixed key until tof_tables_seed: tests and tools that never seed
	 * get reproducible tables; tofd seeds from getrandom. */
	tof_hash_key_init(&t->hkey, 0x746f6621);
	t->sessions = calloc(max_sessions, sizeof(*t->sessions));
	t->services = calloc(max_services, sizeof(*t->services));
	if (t->sessions == NULL || t->services == NULL ||
	    tof_index_init(&t->ix_ul, TOF_MAX_BEARERS * max_sessions) ||
	    tof_index_init(&t->ix_dl, max_sessions) ||
	    tof_index_init(&t->ix_ue, 2 * max_sessions) ||
	    tof_index_init(&t->ix_svc, max_services) || tof_index_init(&t->ix_app, max_services)) {
		tof_tables_destroy(t);
		return NULL;
	}
	/* Free list in slot order so the first sessions get the low slots. */
	for (uint32_t i = 0; i < max_sessions; i++)
		t->sessions[i].next_free = i + 1 < max_sessions ? i + 1 : TOF_NO_SLOT;
	t->free_head = 0;
	return t;
}

void tof_tables_destroy(struct tof_tables *t)
{
	if (t == NULL)
		return;
	tof_index_free(&t->ix_ul);
	tof_index_free(&t->ix_dl);
	tof_index_free(&t->ix_ue);
	tof_index_free(&t->ix_svc);
	tof_index_free(&t->ix_app);
	free(t->sessions);
	free(t->services);
	free(t);
}

void tof_tables_seed(struct tof_tables *t, uint64_t seed)
{
	if (t->n_sessions == 0 && t->n_services == 0)
		tof_hash_key_init(&t->hkey, seed);
}
