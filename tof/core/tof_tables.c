/* Creation, sizing and destruction of the session and service tables. */
#include <stdlib.h>

#include "tof_mem.h"
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

static size_t tof_pool_memory(uint32_t size)
{
	return (size_t)size * (sizeof(uint32_t) + 16);
}

size_t tof_tables_memory(uint32_t max_sessions, uint32_t max_services)
{
	tof_tables_sizes(&max_sessions, &max_services);
	size_t hot = (size_t)max_sessions + TOF_HOT_RESERVE;
	size_t svc_hot = (size_t)max_services + TOF_SVC_RESERVE;
	/* The uplink index holds every bearer's TEID, the UE index up to
	 * two keys (IPv4 + IPv6) per session; the snapshots have room for
	 * every session plus changes in flight. */
	return sizeof(struct tof_tables) + (size_t)max_sessions * sizeof(struct tof_session) +
	       hot * sizeof(struct tof_sess_hot) + tof_pool_memory((uint32_t)hot) +
	       tof_index_memory(TOF_MAX_BEARERS * max_sessions) + tof_index_memory(max_sessions) +
	       tof_index_memory(2 * max_sessions) +
	       (size_t)max_services * sizeof(struct tof_service) +
	       svc_hot * sizeof(struct tof_svc_hot) + tof_pool_memory((uint32_t)svc_hot) +
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
	t->encap_ttl = 64;
	tof_qsbr_init(&t->qsbr);
	/* A fixed key until tof_tables_seed: tests and tools that never seed
	 * get reproducible tables; tofd seeds from getrandom. */
	tof_hash_key_init(&t->hkey, 0x746f6621);
	uint32_t hot = max_sessions + TOF_HOT_RESERVE, svc_hot = max_services + TOF_SVC_RESERVE;
	t->sessions = tof_mem_alloc((size_t)max_sessions * sizeof(*t->sessions));
	t->services = calloc(max_services, sizeof(*t->services));
	t->hot = tof_mem_alloc((size_t)hot * sizeof(*t->hot));
	t->svc_hot = aligned_alloc(64, (size_t)svc_hot * sizeof(*t->svc_hot));
	if (t->sessions == NULL || t->services == NULL || t->hot == NULL || t->svc_hot == NULL ||
	    tof_pool_init(&t->hot_pool, hot) || tof_pool_init(&t->svc_pool, svc_hot) ||
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
	for (uint32_t i = 0; i < max_services; i++)
		t->services[i].hot = TOF_NO_SLOT;
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
	tof_pool_fini(&t->hot_pool);
	tof_pool_fini(&t->svc_pool);
	tof_mem_free(t->sessions, (size_t)t->max_sessions * sizeof(*t->sessions));
	free(t->services);
	tof_mem_free(t->hot, ((size_t)t->max_sessions + TOF_HOT_RESERVE) * sizeof(*t->hot));
	free(t->svc_hot);
	free(t);
}

void tof_tables_seed(struct tof_tables *t, uint64_t seed)
{
	if (t->n_sessions == 0 && t->n_services == 0)
		tof_hash_key_init(&t->hkey, seed);
}

void tof_tables_set_ttl(struct tof_tables *t, uint8_t ttl)
{
	t->encap_ttl = ttl;
}
