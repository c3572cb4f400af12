/* Service table: service IP <-> application IP, with names. Small and
 * changed only through the agent (config or REST API). */
#include <stdio.h>
#include <string.h>

#include "tof_tables.h"

static uint32_t tof_addr_hash(const struct tof_tables *t, const struct gtp_addr *a)
{
	return tof_hash_addr(&t->hkey, a, 0x5e5e);
}

static uint32_t tof_service_find_by(const struct tof_tables *t, const struct tof_index *ix,
				    const struct gtp_addr *a, bool by_app)
{
	uint32_t sig = tof_addr_hash(t, a);
	struct tof_index_iter it;
	uint32_t slot;

	tof_index_start(ix, sig, &it);
	while ((slot = tof_index_next(ix, sig, &it)) != TOF_NO_SLOT) {
		const struct tof_service *s = &t->services[slot];
		if (s->in_use && gtp_addr_eq(by_app ? &s->app_ip : &s->service_ip, a))
			return slot;
	}
	return TOF_NO_SLOT;
}

uint32_t tof_service_find_ip(const struct tof_tables *t, const struct gtp_addr *service_ip)
{
	return tof_service_find_by(t, &t->ix_svc, service_ip, false);
}

uint32_t tof_service_find_app(const struct tof_tables *t, const struct gtp_addr *app_ip)
{
	return tof_service_find_by(t, &t->ix_app, app_ip, true);
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

static void tof_service_index(struct tof_tables *t, uint32_t slot, bool add)
{
	struct tof_service *s = &t->services[slot];
	uint32_t hs = tof_addr_hash(t, &s->service_ip), ha = tof_addr_hash(t, &s->app_ip);

	if (add) {
		/* Sized for max_services, one key each: never refused, but
		 * counted rather than ignored if it ever were. */
		if (!tof_index_insert(&t->ix_svc, hs, slot))
			t->refused++;
		if (!tof_index_insert(&t->ix_app, ha, slot))
			t->refused++;
	} else {
		tof_index_remove(&t->ix_svc, hs, slot);
		tof_index_remove(&t->ix_app, ha, slot);
	}
}

uint32_t tof_service_add(struct tof_tables *t, const struct tof_service_config *sc)
{
	uint32_t slot;

	for (slot = 0; slot < t->max_services; slot++)
		if (!t->services[slot].in_use)
			break;
	if (slot == t->max_services)
		return TOF_NO_SLOT;
	tof_write_begin(t);
	struct tof_service *s = &t->services[slot];
	uint32_t gen = s->generation;
	memset(s, 0, sizeof(*s));
	s->generation = gen;
	tof_service_fill(s, sc);
	__atomic_store_n(&s->in_use, 1, __ATOMIC_RELAXED);
	tof_service_index(t, slot, true);
	__atomic_store_n(&t->n_services, t->n_services + 1, __ATOMIC_RELAXED);
	tof_write_end(t);
	return slot;
}

void tof_service_update(struct tof_tables *t, uint32_t slot, const struct tof_service_config *sc)
{
	struct tof_service *s = &t->services[slot];
	bool same_app = gtp_addr_eq(&s->app_ip, &sc->app_ip);
	uint8_t mac[6];
	bool had_mac = s->has_app_mac && !s->mac_configured;

	memcpy(mac, s->app_mac, 6);
	tof_write_begin(t);
	tof_service_index(t, slot, false);
	tof_service_fill(s, sc);
	/* A learned MAC still holds if the app did not move. */
	if (!sc->has_app_mac && same_app && had_mac) {
		memcpy(s->app_mac, mac, 6);
		s->has_app_mac = 1;
	}
	tof_service_index(t, slot, true);
	tof_write_end(t);
}

void tof_service_del(struct tof_tables *t, uint32_t slot)
{
	struct tof_service *s = &t->services[slot];

	if (!s->in_use)
		return;
	tof_write_begin(t);
	tof_service_index(t, slot, false);
	__atomic_store_n(&s->in_use, 0, __ATOMIC_RELAXED);
	s->generation++;
	__atomic_store_n(&t->n_services, t->n_services - 1, __ATOMIC_RELAXED);
	tof_write_end(t);
}

void tof_service_set_mac(struct tof_tables *t, uint32_t slot, const uint8_t mac[6])
{
	struct tof_service *s = &t->services[slot];

	tof_write_begin(t);
	memcpy(s->app_mac, mac, 6);
	s->has_app_mac = 1;
	tof_write_end(t);
}
