/* A whole new list of services at once (a config reload): checked as a
 * whole, then the tables are brought to it by name, then saved once. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_ctl_int.h"

/* Every field of a service's config (a change to any one is an update). */
static bool ctl_svc_same(const struct tof_service_config *a, const struct tof_service_config *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->chain, b->chain) == 0 &&
	       strcmp(a->app_port, b->app_port) == 0 &&
	       gtp_addr_eq(&a->service_ip, &b->service_ip) &&
	       gtp_addr_eq(&a->app_ip, &b->app_ip) && a->has_app_mac == b->has_app_mac &&
	       (!a->has_app_mac || memcmp(a->app_mac, b->app_mac, 6) == 0);
}

static int ctl_cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct tof_service_config *)a)->name,
		      ((const struct tof_service_config *)b)->name);
}

static const struct tof_service_config *ctl_lookup(const struct tof_service_config *sorted,
						   uint32_t n, const char *name)
{
	struct tof_service_config key;

	snprintf(key.name, sizeof(key.name), "%s", name);
	return n ? bsearch(&key, sorted, n, sizeof(*sorted), ctl_cmp_name) : NULL;
}

/* Bring the tables to exactly the list want (sorted by name, n entries):
 * remove, update and add by name. Caller holds svc_lock. Returns false if
 * an add found no free slot (the caller checked the count first). */
static bool ctl_sync_locked(struct tof_ctl *ctl, const struct tof_service_config *want,
			    uint32_t n, struct tof_ctl_apply_stats *st)
{
	struct tof_tables *t = ctl->t;
	uint32_t *slot_of = malloc((n ? n : 1) * sizeof(*slot_of));
	uint32_t *added = malloc((n ? n : 1) * sizeof(*added));
	uint32_t n_added = 0;
	bool ok = true;

	if (!slot_of || !added) {
		free(slot_of);
		free(added);
		return false;
	}
	for (uint32_t i = 0; i < n; i++)
		slot_of[i] = TOF_NO_SLOT;
	memset(st, 0, sizeof(*st));
	/* counters before any add: a reused slot's past is not the new one's */
	ctl_counters_now(ctl);
	tof_ctl_lock(ctl);
	for (uint32_t s = 0; s < t->max_services; s++) {
		const struct tof_service_config *w;

		if (!t->services[s].in_use)
			continue;
		w = ctl_lookup(want, n, t->services[s].name);
		if (w) {
			slot_of[w - want] = s;
		} else {
			tof_service_del(t, s);
			st->removed++;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		struct tof_service_config now;

		if (slot_of[i] == TOF_NO_SLOT)
			continue;
		ctl_svc_config(&t->services[slot_of[i]], &now);
		if (ctl_svc_same(&now, &want[i])) {
			st->unchanged++;
		} else {
			tof_service_update(t, slot_of[i], &want[i]);
			st->updated++;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t s;

		if (slot_of[i] != TOF_NO_SLOT)
			continue;
		s = tof_service_add(t, &want[i]);
		if (s == TOF_NO_SLOT) {
			ok = false;
			continue;
		}
		added[n_added++] = s;
		st->added++;
	}
	if (ctl->agent != NULL && (st->added || st->updated))
		tof_agent_services_changed(ctl->agent);
	tof_ctl_unlock(ctl);
	for (uint32_t i = 0; i < n_added; i++)
		ctl_set_base(ctl, added[i]);
	free(slot_of);
	free(added);
	return ok;
}

/* One address of one entry of the result, for the uniqueness check. */
struct ctl_addr_ref {
	struct gtp_addr a;
	uint32_t entry;
	bool app; /* the applicationIP (else the serviceIP) */
};

static int ctl_cmp_addr_ref(const void *x, const void *y)
{
	const struct ctl_addr_ref *a = x, *b = y;

	if (a->a.family != b->a.family)
		return a->a.family < b->a.family ? -1 : 1;
	return memcmp(a->a.b, b->a.b, sizeof(a->a.b));
}

/* No address twice in the result (a service IP that is another's
 * application IP counts too). from_set[i]: the index in set of entry i,
 * or UINT32_MAX for a service kept as it is. */
static enum tof_ctl_code ctl_check_unique(const struct tof_service_config *res, uint32_t n,
					  const uint32_t *from_set, struct tof_ctl_err *e)
{
	struct ctl_addr_ref *v = malloc((n ? 2 * n : 1) * sizeof(*v));
	enum tof_ctl_code rc = TOF_CTL_OK;
	char f[TOF_SVC_FIELD_MAX], a[GTP_ADDR_STRLEN];

	if (!v)
		return ctl_fail(e, TOF_CTL_IO, NULL, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		v[2 * i] = (struct ctl_addr_ref){ .a = res[i].service_ip, .entry = i, .app = false };
		v[2 * i + 1] = (struct ctl_addr_ref){ .a = res[i].app_ip, .entry = i, .app = true };
	}
	qsort(v, 2 * (size_t)n, sizeof(*v), ctl_cmp_addr_ref);
	for (uint32_t i = 1; i < 2 * n && rc == TOF_CTL_OK; i++) {
		const struct ctl_addr_ref *x = &v[i - 1], *y = &v[i];

		if (ctl_cmp_addr_ref(x, y) != 0)
			continue;
		/* name the entry the reload brings (a kept one was fine before),
		 * the later one of two, as the config loader does */
		if (from_set[x->entry] == UINT32_MAX ||
		    (from_set[y->entry] != UINT32_MAX && from_set[y->entry] > from_set[x->entry])) {
			const struct ctl_addr_ref *tmp = x;

			x = y;
			y = tmp;
		}
		snprintf(f, sizeof(f), "services[%u].%s", from_set[x->entry],
			 x->app ? "applicationIP" : "serviceIP");
		gtp_addr_format(&x->a, a, sizeof(a));
		rc = ctl_fail(e, TOF_CTL_CONFLICT, f, "%s is also the %s of service \"%s\"", a,
			      y->app ? "applicationIP" : "serviceIP", res[y->entry].name);
	}
	free(v);
	return rc;
}

/* The result of the reload: the current services, less those dropped,
 * with set's entries in place of or beside them; sorted by name. */
static enum tof_ctl_code ctl_result(struct tof_ctl *ctl, const struct tof_service_config *set,
				    uint32_t n, const char *const *drop, uint32_t n_drop,
				    struct tof_service_config **out, uint32_t **from_set,
				    uint32_t *n_out, struct tof_ctl_err *e)
{
	const struct tof_tables *t = ctl->t;
	struct tof_service_config *sorted_set = malloc((n ? n : 1) * sizeof(*sorted_set));
	struct tof_service_config *res = malloc((t->n_services + n + 1) * sizeof(*res));
	uint32_t *from = malloc((t->n_services + n + 1) * sizeof(*from));
	uint32_t k = 0;

	if (!sorted_set || !res || !from) {
		free(sorted_set);
		free(res);
		free(from);
		return ctl_fail(e, TOF_CTL_IO, NULL, "out of memory");
	}
	if (n) {
		memcpy(sorted_set, set, n * sizeof(*set));
		qsort(sorted_set, n, sizeof(*sorted_set), ctl_cmp_name);
	}
	for (uint32_t s = 0; s < t->max_services; s++) {
		const struct tof_service *sv = &t->services[s];
		bool dropped = false;

		if (!sv->in_use || ctl_lookup(sorted_set, n, sv->name))
			continue;
		for (uint32_t d = 0; d < n_drop && !dropped; d++)
			dropped = strcmp(drop[d], sv->name) == 0;
		if (dropped)
			continue;
		ctl_svc_config(sv, &res[k]);
		from[k++] = UINT32_MAX;
	}
	for (uint32_t i = 0; i < n; i++) {
		res[k] = set[i];
		from[k++] = i;
	}
	free(sorted_set);
	*out = res;
	*from_set = from;
	*n_out = k;
	return TOF_CTL_OK;
}

enum tof_ctl_code tof_ctl_services_apply(struct tof_ctl *ctl, const struct tof_service_config *set,
					 uint32_t n, const char *const *drop, uint32_t n_drop,
					 struct tof_ctl_apply_stats *st, struct tof_ctl_err *e)
{
	struct tof_service_config *res = NULL, *before = NULL;
	struct tof_ctl_apply_stats ignore, back;
	enum tof_ctl_code rc;
	uint32_t *from = NULL, *from_before = NULL, n_res = 0, n_before = 0;
	char prefix[32];

	ctl_ok(e);
	if (!st)
		st = &ignore;
	memset(st, 0, sizeof(*st));
	for (uint32_t i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "services[%u].", i);
		rc = ctl_check(&set[i], false, prefix, e);
		if (rc != TOF_CTL_OK)
			return rc;
		for (uint32_t j = 0; j < i; j++) {
			if (strcmp(set[i].name, set[j].name) == 0) {
				snprintf(prefix, sizeof(prefix), "services[%u].name", i);
				return ctl_fail(e, TOF_CTL_CONFLICT, prefix, "\"%s\" is listed twice",
						set[i].name);
			}
		}
	}
	pthread_mutex_lock(&ctl->svc_lock);
	/* chains and ports are the ctl's to check, under its lock */
	for (uint32_t i = 0; i < n; i++) {
		snprintf(prefix, sizeof(prefix), "services[%u].", i);
		rc = ctl_check_refs(ctl, &set[i], prefix, e);
		if (rc != TOF_CTL_OK)
			goto out;
	}
	rc = ctl_result(ctl, set, n, drop, n_drop, &res, &from, &n_res, e);
	if (rc == TOF_CTL_OK)
		rc = ctl_check_unique(res, n_res, from, e);
	if (rc == TOF_CTL_OK && n_res > ctl->t->max_services)
		rc = ctl_fail(e, TOF_CTL_FULL, "services", "%u services would exceed max_services "
			      "(%u)", n_res, ctl->t->max_services);
	/* what to go back to if the save fails */
	if (rc == TOF_CTL_OK)
		rc = ctl_result(ctl, NULL, 0, NULL, 0, &before, &from_before, &n_before, e);
	if (rc != TOF_CTL_OK)
		goto out;
	if (n_res > 1)
		qsort(res, n_res, sizeof(*res), ctl_cmp_name);
	if (n_before > 1)
		qsort(before, n_before, sizeof(*before), ctl_cmp_name);
	if (!ctl_sync_locked(ctl, res, n_res, st)) {
		rc = ctl_fail(e, TOF_CTL_FULL, "services", "the service table is full "
			      "(max_services %u)", ctl->t->max_services);
		ctl_sync_locked(ctl, before, n_before, &back);
	} else if (ctl_persist(ctl, TOF_NO_SLOT, ctl->chains, ctl->n_chains, e) < 0) {
		rc = e->code;
		ctl_sync_locked(ctl, before, n_before, &back);
		ctl_persist_again(ctl);
	}
	if (rc != TOF_CTL_OK)
		memset(st, 0, sizeof(*st));
	ctl_bump(ctl);
	if (rc == TOF_CTL_OK)
		ctl_sink_apply(ctl);
out:
	pthread_mutex_unlock(&ctl->svc_lock);
	free(res);
	free(from);
	free(before);
	free(from_before);
	return rc;
}
