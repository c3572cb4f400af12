/* Port chains through the ctl: kept beside the tables (the data plane does
 * not read them), checked against the services and the bridge, saved with
 * the services, and handed with them to the sink (tof/ovs) after every
 * change. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_ctl_int.h"
#include "config_read.h"

void ctl_chains_init(struct tof_ctl *ctl)
{
	pthread_rwlock_init(&ctl->chain_lock, NULL);
	pthread_rwlock_init(&ctl->sink_lock, NULL);
}

void ctl_chains_fini(struct tof_ctl *ctl)
{
	pthread_rwlock_destroy(&ctl->chain_lock);
	pthread_rwlock_destroy(&ctl->sink_lock);
	free(ctl->chains);
	ctl->chains = NULL;
	ctl->n_chains = 0;
}

uint64_t tof_ctl_chain_version(const struct tof_ctl *ctl)
{
	return __atomic_load_n(&ctl->chain_version, __ATOMIC_ACQUIRE);
}

static int ctl_cmp_chain(const void *a, const void *b)
{
	return strcmp(((const struct tof_chain_config *)a)->name,
		      ((const struct tof_chain_config *)b)->name);
}

/* Index of a chain by name, or -1. Caller holds svc_lock or chain_lock. */
static int ctl_chain_find(const struct tof_ctl *ctl, const char *name)
{
	for (uint32_t i = 0; i < ctl->n_chains; i++)
		if (strcmp(ctl->chains[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Put the new list in place (taken over) for readers. */
static void ctl_chains_swap(struct tof_ctl *ctl, struct tof_chain_config *v, uint32_t n)
{
	struct tof_chain_config *old;

	pthread_rwlock_wrlock(&ctl->chain_lock);
	old = ctl->chains;
	ctl->chains = v;
	ctl->n_chains = n;
	pthread_rwlock_unlock(&ctl->chain_lock);
	free(old);
	__atomic_add_fetch(&ctl->chain_version, 1, __ATOMIC_ACQ_REL);
}

/* --- checks --- */

/* The name of the service (in the tables) with port as its app port, or
 * that uses chain, or NULL. Caller holds svc_lock. */
static const char *ctl_service_using(const struct tof_ctl *ctl, const char *port,
				     const char *chain)
{
	const struct tof_tables *t = ctl->t;

	for (uint32_t i = 0; i < t->max_services; i++) {
		const struct tof_service *s = &t->services[i];

		if (!s->in_use)
			continue;
		if ((port && strcmp(s->app_port, port) == 0) ||
		    (chain && strcmp(s->chain, chain) == 0))
			return s->name;
	}
	return NULL;
}

/* A port is on the bridge, or the bridge cannot be asked now. */
static enum tof_ctl_code ctl_port_exists(struct tof_ctl *ctl, const char *port,
					 const char *field, struct tof_ctl_err *e)
{
	if (!ctl->sink.port_state || ctl->sink.port_state(ctl->sink.ctx, port) != 0)
		return TOF_CTL_OK;
	return ctl_fail(e, TOF_CTL_CONFLICT, field, "%s: no port \"%s\" on the bridge", field,
			port);
}

static bool ctl_own_port(const struct tof_ctl *ctl, const char *port)
{
	return ctl->sink.own_port && strcmp(ctl->sink.own_port, port) == 0;
}

enum tof_ctl_code ctl_check_refs(struct tof_ctl *ctl, const struct tof_service_config *sc,
				 const char *prefix, struct tof_ctl_err *e)
{
	char f[TOF_SVC_FIELD_MAX];

	if (sc->chain[0] && ctl_chain_find(ctl, sc->chain) < 0) {
		snprintf(f, sizeof(f), "%schain", prefix);
		return ctl_fail(e, TOF_CTL_CONFLICT, f, "no chain named \"%s\" (PUT "
				"/chains/%s first)", sc->chain, sc->chain);
	}
	if (!sc->app_port[0])
		return TOF_CTL_OK;
	snprintf(f, sizeof(f), "%sapplicationPort", prefix);
	if (ctl_own_port(ctl, sc->app_port))
		return ctl_fail(e, TOF_CTL_CONFLICT, f, "\"%s\" is tofd's own port on the bridge",
				sc->app_port);
	for (uint32_t i = 0; i < ctl->n_chains; i++)
		if (tof_chain_has_port(&ctl->chains[i], sc->app_port))
			return ctl_fail(e, TOF_CTL_CONFLICT, f, "port \"%s\" is a hop of chain "
					"\"%s\"", sc->app_port, ctl->chains[i].name);
	return ctl_port_exists(ctl, sc->app_port, f, e);
}

/* A chain's ports: on the bridge, neither tofd's nor an app's. */
static enum tof_ctl_code ctl_check_chain(struct tof_ctl *ctl, const struct tof_chain_config *c,
					 const char *prefix, struct tof_ctl_err *e)
{
	struct tof_svc_json_err je;
	char f[TOF_SVC_FIELD_MAX];
	enum tof_ctl_code rc;

	if (!tof_svc_name_valid(c->name, strnlen(c->name, sizeof(c->name)))) {
		snprintf(f, sizeof(f), "%sname", prefix);
		return ctl_fail(e, TOF_CTL_INVALID, f, "name must be 1 to %d of A-Z a-z 0-9 . _ -",
				TOF_NAME_MAX);
	}
	if (tof_chain_check(c, &je) < 0) {
		snprintf(f, sizeof(f), "%s%s", prefix, je.field);
		return ctl_fail(e, TOF_CTL_INVALID, f, "%s", je.msg);
	}
	for (uint32_t i = 0; i < c->n_hops; i++) {
		const char *ports[2] = { c->hops[i].ingress, c->hops[i].egress };

		for (int s = 0; s < 2; s++) {
			const char *user;

			snprintf(f, sizeof(f), "%shops[%u].%s", prefix, i, s ? "egress" : "ingress");
			if (ctl_own_port(ctl, ports[s]))
				return ctl_fail(e, TOF_CTL_CONFLICT, f, "\"%s\" is tofd's own port "
						"on the bridge", ports[s]);
			user = ctl_service_using(ctl, ports[s], NULL);
			if (user)
				return ctl_fail(e, TOF_CTL_CONFLICT, f, "port \"%s\" is the "
						"applicationPort of service \"%s\"", ports[s], user);
			rc = ctl_port_exists(ctl, ports[s], f, e);
			if (rc != TOF_CTL_OK)
				return rc;
		}
	}
	return TOF_CTL_OK;
}

/* --- the sink --- */

void ctl_sink_apply(struct tof_ctl *ctl)
{
	struct tof_service_config *v = NULL;
	struct ctl_svc_snap *snap;
	int n;

	if (!ctl->sink.apply)
		return;
	n = ctl_services_snapshot(ctl, &snap);
	if (n < 0)
		return;
	v = calloc(n ? (size_t)n : 1, sizeof(*v));
	if (v) {
		for (int i = 0; i < n; i++)
			ctl_svc_config(&snap[i].s, &v[i]);
		ctl_sort_configs(v, (uint32_t)n);
		ctl->sink.apply(ctl->sink.ctx, v, (uint32_t)n, ctl->chains, ctl->n_chains);
	}
	free(v);
	free(snap);
}

void tof_ctl_set_sink(struct tof_ctl *ctl, const struct tof_ctl_sink *sink)
{
	pthread_mutex_lock(&ctl->svc_lock);
	pthread_rwlock_wrlock(&ctl->sink_lock);
	if (sink)
		ctl->sink = *sink;
	else
		memset(&ctl->sink, 0, sizeof(ctl->sink));
	pthread_rwlock_unlock(&ctl->sink_lock);
	ctl_sink_apply(ctl);
	pthread_mutex_unlock(&ctl->svc_lock);
}

/* --- operations --- */

enum tof_ctl_code tof_ctl_load_chains(struct tof_ctl *ctl, const struct tof_chain_config *chains,
				      uint32_t n, struct tof_ctl_err *e)
{
	struct tof_chain_config *v = NULL;
	enum tof_ctl_code rc = TOF_CTL_OK;
	char prefix[32];

	ctl_ok(e);
	if (n) {
		v = malloc(n * sizeof(*v));
		if (!v)
			return ctl_fail(e, TOF_CTL_IO, NULL, "out of memory");
		memcpy(v, chains, n * sizeof(*v));
		qsort(v, n, sizeof(*v), ctl_cmp_chain);
	}
	pthread_mutex_lock(&ctl->svc_lock);
	for (uint32_t i = 0; i < n && rc == TOF_CTL_OK; i++) {
		snprintf(prefix, sizeof(prefix), "chains[%u].", i);
		rc = ctl_check_chain(ctl, &chains[i], prefix, e);
		if (rc == TOF_CTL_OK && i > 0 && strcmp(v[i].name, v[i - 1].name) == 0)
			rc = ctl_fail(e, TOF_CTL_CONFLICT, "name", "chain \"%s\" is given twice",
				      v[i].name);
	}
	if (rc == TOF_CTL_OK)
		ctl_chains_swap(ctl, v, n);
	else
		free(v);
	pthread_mutex_unlock(&ctl->svc_lock);
	return rc;
}

enum tof_ctl_code tof_ctl_chain_list(struct tof_ctl *ctl, struct tof_chain_config **out,
				     uint32_t *n, struct tof_ctl_err *e)
{
	ctl_ok(e);
	*out = NULL;
	*n = 0;
	pthread_rwlock_rdlock(&ctl->chain_lock);
	if (ctl->n_chains) {
		*out = malloc(ctl->n_chains * sizeof(**out));
		if (*out) {
			memcpy(*out, ctl->chains, ctl->n_chains * sizeof(**out));
			*n = ctl->n_chains;
		}
	}
	pthread_rwlock_unlock(&ctl->chain_lock);
	if (*n == 0 && *out == NULL && ctl->n_chains)
		return ctl_fail(e, TOF_CTL_IO, NULL, "out of memory");
	return TOF_CTL_OK;
}

static enum tof_ctl_code ctl_no_chain(struct tof_ctl_err *e, const char *name)
{
	char k[TOF_NAME_MAX + 4];

	return ctl_fail(e, TOF_CTL_NOT_FOUND, "name", "no chain named \"%s\"",
			cfg_text(name, k, sizeof(k)));
}

enum tof_ctl_code tof_ctl_chain_get(struct tof_ctl *ctl, const char *name,
				    struct tof_chain_config *out, struct tof_ctl_err *e)
{
	int i;

	ctl_ok(e);
	pthread_rwlock_rdlock(&ctl->chain_lock);
	i = ctl_chain_find(ctl, name);
	if (i >= 0)
		*out = ctl->chains[i];
	pthread_rwlock_unlock(&ctl->chain_lock);
	return i >= 0 ? TOF_CTL_OK : ctl_no_chain(e, name);
}

/* The list with c put in (replacing its namesake) or, with c NULL, the
 * chain `drop` left out; sorted. NULL when out of memory. */
static struct tof_chain_config *ctl_chains_with(const struct tof_ctl *ctl,
						const struct tof_chain_config *c, int drop,
						uint32_t *n)
{
	struct tof_chain_config *v = malloc((ctl->n_chains + 1) * sizeof(*v));
	uint32_t k = 0;

	if (!v)
		return NULL;
	for (uint32_t i = 0; i < ctl->n_chains; i++) {
		if ((int)i == drop || (c && strcmp(ctl->chains[i].name, c->name) == 0))
			continue;
		v[k++] = ctl->chains[i];
	}
	if (c)
		v[k++] = *c;
	qsort(v, k, sizeof(*v), ctl_cmp_chain);
	*n = k;
	return v;
}

/* The chains with c put in and index drop taken out: saved with the
 * services, then in force (the tables' and OVS's view follow). */
static enum tof_ctl_code ctl_chains_commit(struct tof_ctl *ctl, const struct tof_chain_config *c,
					   int drop, struct tof_ctl_err *e)
{
	uint32_t n;
	struct tof_chain_config *v = ctl_chains_with(ctl, c, drop, &n);

	if (!v)
		return ctl_fail(e, TOF_CTL_IO, NULL, "out of memory");
	if (ctl_persist(ctl, TOF_NO_SLOT, v, n, e) < 0) {
		free(v);
		return e->code;
	}
	ctl_chains_swap(ctl, v, n);
	ctl_sink_apply(ctl);
	return TOF_CTL_OK;
}

enum tof_ctl_code tof_ctl_chain_put(struct tof_ctl *ctl, const struct tof_chain_config *c,
				    bool *created, struct tof_ctl_err *e)
{
	enum tof_ctl_code rc;
	uint32_t n;

	ctl_ok(e);
	pthread_mutex_lock(&ctl->svc_lock);
	rc = ctl_check_chain(ctl, c, "", e);
	if (rc != TOF_CTL_OK)
		goto out;
	if (ctl_chain_find(ctl, c->name) < 0 && ctl->n_chains >= TOF_MAX_CFG_CHAINS) {
		rc = ctl_fail(e, TOF_CTL_FULL, NULL, "at most %d chains", TOF_MAX_CFG_CHAINS);
		goto out;
	}
	n = ctl->n_chains;
	rc = ctl_chains_commit(ctl, c, -1, e);
	if (rc == TOF_CTL_OK)
		*created = ctl->n_chains > n;
out:
	pthread_mutex_unlock(&ctl->svc_lock);
	return rc;
}

/* Is name in drop and not in set? */
static bool ctl_chain_dropped(const char *name, const struct tof_chain_config *set, uint32_t n,
			      const char *const *drop, uint32_t n_drop)
{
	bool listed = false;

	for (uint32_t i = 0; i < n_drop && !listed; i++)
		listed = strcmp(drop[i], name) == 0;
	for (uint32_t i = 0; i < n && listed; i++)
		listed = strcmp(set[i].name, name) != 0;
	return listed;
}

enum tof_ctl_code tof_ctl_chains_apply(struct tof_ctl *ctl, const struct tof_chain_config *set,
				       uint32_t n, const char *const *drop, uint32_t n_drop,
				       struct tof_ctl_err *e)
{
	struct tof_chain_config *v = malloc((ctl->n_chains + n + 1) * sizeof(*v));
	enum tof_ctl_code rc = TOF_CTL_OK;
	char prefix[32];
	uint32_t k = 0;

	ctl_ok(e);
	if (!v)
		return ctl_fail(e, TOF_CTL_IO, NULL, "out of memory");
	pthread_mutex_lock(&ctl->svc_lock);
	for (uint32_t i = 0; i < ctl->n_chains && rc == TOF_CTL_OK; i++) {
		const struct tof_chain_config *c = &ctl->chains[i];
		const char *user;
		bool replaced = false;

		for (uint32_t j = 0; j < n && !replaced; j++)
			replaced = strcmp(set[j].name, c->name) == 0;
		if (replaced)
			continue;
		if (!ctl_chain_dropped(c->name, set, n, drop, n_drop)) {
			v[k++] = *c;
			continue;
		}
		user = ctl_service_using(ctl, NULL, c->name);
		if (user)
			rc = ctl_fail(e, TOF_CTL_CONFLICT, "chains", "chain \"%s\" is no longer in "
				      "the config but service \"%s\" uses it", c->name, user);
	}
	for (uint32_t i = 0; i < n && rc == TOF_CTL_OK; i++) {
		snprintf(prefix, sizeof(prefix), "chains[%u].", i);
		rc = ctl_check_chain(ctl, &set[i], prefix, e);
		for (uint32_t j = 0; j < i && rc == TOF_CTL_OK; j++)
			if (strcmp(set[i].name, set[j].name) == 0)
				rc = ctl_fail(e, TOF_CTL_CONFLICT, "chains", "chain \"%s\" is listed "
					      "twice", set[i].name);
		v[k++] = set[i];
	}
	if (rc == TOF_CTL_OK && k > TOF_MAX_CFG_CHAINS)
		rc = ctl_fail(e, TOF_CTL_FULL, "chains", "at most %d chains", TOF_MAX_CFG_CHAINS);
	if (rc == TOF_CTL_OK) {
		qsort(v, k, sizeof(*v), ctl_cmp_chain);
		if (ctl_persist(ctl, TOF_NO_SLOT, v, k, e) < 0)
			rc = e->code;
	}
	if (rc == TOF_CTL_OK) {
		ctl_chains_swap(ctl, v, k);
		v = NULL;
		ctl_sink_apply(ctl);
	}
	pthread_mutex_unlock(&ctl->svc_lock);
	free(v);
	return rc;
}

enum tof_ctl_code tof_ctl_chain_delete(struct tof_ctl *ctl, const char *name,
				       struct tof_chain_config *out, struct tof_ctl_err *e)
{
	enum tof_ctl_code rc = TOF_CTL_OK;
	const char *user;
	int i;

	ctl_ok(e);
	pthread_mutex_lock(&ctl->svc_lock);
	i = ctl_chain_find(ctl, name);
	if (i < 0) {
		rc = ctl_no_chain(e, name);
		goto out;
	}
	user = ctl_service_using(ctl, NULL, name);
	if (user) {
		rc = ctl_fail(e, TOF_CTL_CONFLICT, "name", "chain \"%s\" is used by service \"%s\"",
			      name, user);
		goto out;
	}
	if (out)
		*out = ctl->chains[i];
	rc = ctl_chains_commit(ctl, NULL, i, e);
out:
	pthread_mutex_unlock(&ctl->svc_lock);
	return rc;
}
