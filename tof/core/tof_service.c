/* Service table: service IP <-> application IP, with names. Small and
 * changed only through the agent (config or REST API). */
#include <stdio.h>
#include <string.h>

#include "tof_tables.h"

static uint32_t tof_addr_hash(const struct tof_tables *t, const struct gtp_addr *a)
{
	return tof_hash_addr(&t->hkey, a, 0x5e5e);
}

static const struct tof_svc_hot *tof_svc_find_by(const struct tof_tables *t,
						 const struct tof_index *ix,
						 const struct gtp_addr *a, bool by_app)
{
	uint32_t sig = tof_addr_hash(t, a);

	for (int try = 0; try <= TOF_INDEX_RETRIES; try++) {
		uint64_t before = tof_index_changes(ix);
		struct tof_index_iter it;
		uint32_t slot;

		tof_index_start(ix, sig, &it);
		while ((slot = tof_index_next(ix, sig, &it)) != TOF_NO_SLOT) {
			const struct tof_svc_hot *h = &t->svc_hot[slot];
			if (gtp_addr_eq(by_app ? &h->app_ip : &h->service_ip, a))
				return h;
		}
		if (tof_index_changes(ix) == before)
			break;
	}
	return NULL;
}

const struct tof_svc_hot *tof_svc_find_ip(const struct tof_tables *t, const struct gtp_addr *ip)
{
	return tof_svc_find_by(t, &t->ix_svc, ip, false);
}

const struct tof_svc_hot *tof_svc_find_app(const struct tof_tables *t, const struct gtp_addr *ip)
{
	return tof_svc_find_by(t, &t->ix_app, ip, true);
}

uint32_t tof_service_find_ip(const struct tof_tables *t, const struct gtp_addr *service_ip)
{
	const struct tof_svc_hot *h = tof_svc_find_ip(t, service_ip);

	return h != NULL ? h->id : TOF_NO_SLOT;
}

uint32_t tof_service_find_app(const struct tof_tables *t, const struct gtp_addr *app_ip)
{
	const struct tof_svc_hot *h = tof_svc_find_app(t, app_ip);

	return h != NULL ? h->id : TOF_NO_SLOT;
}

uint32_t tof_service_find_name(const struct tof_tables *t, const char *name)
{
	for (uint32_t i = 0; i < t->max_services; i++)
		if (t->services[i].in_use && strcmp(t->services[i].name, name) == 0)
			return i;
	return TOF_NO_SLOT;
}

const char *tof_service_conflict(const struct tof_tables *t, const struct tof_service_config *sc,
				 uint32_t except)
{
	for (uint32_t i = 0; i < t->max_services; i++) {
		const struct tof_service *s = &t->services[i];
		if (!s->in_use || i == except)
			continue;
		if (strcmp(s->name, sc->name) == 0)
			return "name";
		if (gtp_addr_eq(&s->service_ip, &sc->service_ip) ||
		    gtp_addr_eq(&s->app_ip, &sc->service_ip))
			return "serviceIP";
		if (gtp_addr_eq(&s->app_ip, &sc->app_ip) || gtp_addr_eq(&s->service_ip, &sc->app_ip))
			return "applicationIP";
	}
	if (gtp_addr_eq(&sc->service_ip, &sc->app_ip))
		return "applicationIP";
	return NULL;
}

static void tof_service_fill(struct tof_service *s, const struct tof_service_config *sc)
{
	snprintf(s->name, sizeof(s->name), "%s", sc->name);
	snprintf(s->chain, sizeof(s->chain), "%s", sc->chain);
	snprintf(s->app_port, sizeof(s->app_port), "%s", sc->app_port);
	s->service_ip = sc->service_ip;
	s->app_ip = sc->app_ip;
	s->mac_configured = sc->has_app_mac;
	s->has_app_mac = sc->has_app_mac;
	if (sc->has_app_mac)
		memcpy(s->app_mac, sc->app_mac, 6);
	s->generation++;
}

/* Publish the service's record as a new snapshot (or, once it is gone,
 * unlink the last one): indexes re-pointed one store each, the old
 * snapshot reused only after the workers are past it. */
static void tof_service_publish(struct tof_tables *t, uint32_t slot)
{
	struct tof_service *s = &t->services[slot];
	uint32_t old = s->hot, nw = TOF_NO_SLOT;
	const struct tof_svc_hot *oh = old != TOF_NO_SLOT ? &t->svc_hot[old] : NULL;

	if (s->in_use) {
		nw = tof_pool_alloc(t, &t->svc_pool);
		if (nw == TOF_NO_SLOT) { /* more snapshots live than services: never */
			t->refused++;
			return;
		}
		struct tof_svc_hot *h = &t->svc_hot[nw];
		memset(h, 0, sizeof(*h));
		h->id = slot;
		h->has_mac = s->has_app_mac;
		memcpy(h->app_mac, s->app_mac, 6);
		h->service_ip = s->service_ip;
		h->app_ip = s->app_ip;
	}
	struct tof_index *ix[2] = {&t->ix_svc, &t->ix_app};
	for (int k = 0; k < 2; k++) {
		const struct gtp_addr *oa = oh == NULL ? NULL : k ? &oh->app_ip : &oh->service_ip;
		const struct gtp_addr *na = s->in_use ? (k ? &s->app_ip : &s->service_ip) : NULL;
		bool same = oa != NULL && na != NULL && gtp_addr_eq(oa, na);
		if (same && tof_index_repoint(ix[k], tof_addr_hash(t, na), old, nw))
			continue;
		/* Sized for max_services, one key each: never refused, but
		 * counted rather than ignored if it ever were. */
		if (na != NULL && !tof_index_insert(ix[k], tof_addr_hash(t, na), nw))
			t->refused++;
		if (oa != NULL)
			tof_index_remove(ix[k], tof_addr_hash(t, oa), old);
	}
	s->hot = nw;
	if (old != TOF_NO_SLOT)
		tof_pool_retire(t, &t->svc_pool, old);
}

uint32_t tof_service_add(struct tof_tables *t, const struct tof_service_config *sc)
{
	uint32_t slot;

	for (slot = 0; slot < t->max_services; slot++)
		if (!t->services[slot].in_use)
			break;
	if (slot == t->max_services)
		return TOF_NO_SLOT;
	struct tof_service *s = &t->services[slot];
	uint32_t gen = s->generation;
	memset(s, 0, sizeof(*s));
	s->generation = gen;
	s->hot = TOF_NO_SLOT;
	tof_service_fill(s, sc);
	__atomic_store_n(&s->in_use, 1, __ATOMIC_RELAXED);
	tof_service_publish(t, slot);
	__atomic_store_n(&t->n_services, t->n_services + 1, __ATOMIC_RELAXED);
	return slot;
}

void tof_service_update(struct tof_tables *t, uint32_t slot, const struct tof_service_config *sc)
{
	struct tof_service *s = &t->services[slot];
	bool same_app = gtp_addr_eq(&s->app_ip, &sc->app_ip);
	uint8_t mac[6];
	bool had_mac = s->has_app_mac && !s->mac_configured;

	memcpy(mac, s->app_mac, 6);
	tof_service_fill(s, sc);
	/* A learned MAC still holds if the app did not move. */
	if (!sc->has_app_mac && same_app && had_mac) {
		memcpy(s->app_mac, mac, 6);
		s->has_app_mac = 1;
	}
	tof_service_publish(t, slot);
}

void tof_service_del(struct tof_tables *t, uint32_t slot)
{
	struct tof_service *s = &t->services[slot];

	if (!s->in_use)
		return;
	__atomic_store_n(&s->in_use, 0, __ATOMIC_RELAXED);
	s->generation++;
	tof_service_publish(t, slot);
	__atomic_store_n(&t->n_services, t->n_services - 1, __ATOMIC_RELAXED);
}

void tof_service_set_mac(struct tof_tables *t, uint32_t slot, const uint8_t mac[6])
{
	struct tof_service *s = &t->services[slot];

	memcpy(s->app_mac, mac, 6);
	s->has_app_mac = 1;
	tof_service_publish(t, slot);
}
