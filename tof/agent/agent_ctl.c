/* Service changes through the ctl: checked, written to the tables, saved
 * to the state file, or rolled back. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent_ctl_int.h"
#include "config_read.h"
#include "log.h"

const char *tof_ctl_code_name(enum tof_ctl_code c)
{
	static const char *const names[] = {
		[TOF_CTL_OK] = "ok",
		[TOF_CTL_NOT_FOUND] = "not found",
		[TOF_CTL_CONFLICT] = "conflict",
		[TOF_CTL_INVALID] = "invalid",
		[TOF_CTL_FULL] = "full",
		[TOF_CTL_IO] = "i/o error",
		[TOF_CTL_NOSPACE] = "no space",
	};

	return (unsigned int)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

uint64_t ctl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

__attribute__((format(printf, 4, 5)))
enum tof_ctl_code ctl_fail(struct tof_ctl_err *e, enum tof_ctl_code code,
				  const char *field, const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	snprintf(e->field, sizeof(e->field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return code;
}

void ctl_ok(struct tof_ctl_err *e)
{
	e->code = TOF_CTL_OK;
	e->field[0] = e->msg[0] = '\0';
}

struct tof_ctl *tof_ctl_create(struct tof_tables *t, struct tof_agent *agent,
			       struct tof_state *st)
{
	struct tof_ctl *ctl = calloc(1, sizeof(*ctl));

	if (!ctl)
		return NULL;
	ctl->base = calloc(t->max_services, sizeof(*ctl->base));
	ctl->pre = calloc(t->max_services, sizeof(*ctl->pre));
	if (!ctl->base || !ctl->pre) {
		free(ctl->base);
		free(ctl->pre);
		free(ctl);
		return NULL;
	}
	pthread_mutex_init(&ctl->write_lock, NULL);
	pthread_mutex_init(&ctl->svc_lock, NULL);
	pthread_mutex_init(&ctl->base_lock, NULL);
	pthread_mutex_init(&ctl->problem_lock, NULL);
	pthread_rwlock_init(&ctl->cb_lock, NULL);
	ctl_chains_init(ctl);
	ctl->t = t;
	ctl->agent = agent;
	ctl->state = st;
	ctl->started_ns = ctl_now_ns();
	return ctl;
}

void tof_ctl_destroy(struct tof_ctl *ctl)
{
	if (!ctl)
		return;
	pthread_mutex_destroy(&ctl->write_lock);
	pthread_mutex_destroy(&ctl->svc_lock);
	pthread_mutex_destroy(&ctl->base_lock);
	pthread_mutex_destroy(&ctl->problem_lock);
	pthread_rwlock_destroy(&ctl->cb_lock);
	ctl_chains_fini(ctl);
	free(ctl->base);
	free(ctl->pre);
	free(ctl);
}

void tof_ctl_lock(struct tof_ctl *ctl)
{
	pthread_mutex_lock(&ctl->write_lock);
}

void tof_ctl_unlock(struct tof_ctl *ctl)
{
	pthread_mutex_unlock(&ctl->write_lock);
}

pthread_mutex_t *tof_ctl_writer_lock(struct tof_ctl *ctl)
{
	return &ctl->write_lock;
}

void tof_ctl_set_counters(struct tof_ctl *ctl, tof_ctl_counters_fn fn, void *fn_ctx)
{
	pthread_rwlock_wrlock(&ctl->cb_lock);
	ctl->counters = fn;
	ctl->counters_ctx = fn_ctx;
	pthread_rwlock_unlock(&ctl->cb_lock);
}

void tof_ctl_set_dataplane(struct tof_ctl *ctl, bool required, bool up)
{
	__atomic_store_n(&ctl->dp_required, required, __ATOMIC_RELEASE);
	__atomic_store_n(&ctl->dp_up, up, __ATOMIC_RELEASE);
}

void tof_ctl_add_problem(struct tof_ctl *ctl, const char *what, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&ctl->problem_lock);
	if (ctl->n_problems < TOF_CTL_PROBLEMS_MAX) {
		struct tof_ctl_problem *p = &ctl->problems[ctl->n_problems++];

		snprintf(p->what, sizeof(p->what), "%s", what);
		va_start(ap, fmt);
		vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&ctl->problem_lock);
}

uint64_t tof_ctl_service_version(const struct tof_ctl *ctl)
{
	return __atomic_load_n(&ctl->svc_version, __ATOMIC_ACQUIRE);
}

/* --- checks --- */

/* What the tables need of a service, whoever built it. allow_noname: the
 * name may be "" (an update that keeps it). */
enum tof_ctl_code ctl_check(const struct tof_service_config *sc, bool allow_noname,
				   const char *prefix, struct tof_ctl_err *e)
{
	char f[TOF_SVC_FIELD_MAX];
	size_t nlen = strnlen(sc->name, sizeof(sc->name));
	size_t clen = strnlen(sc->chain, sizeof(sc->chain)), plen;

#define CTL_FIELD(name) (snprintf(f, sizeof(f), "%s%s", prefix, name), f)
	if (!(allow_noname && nlen == 0) && !tof_svc_name_valid(sc->name, nlen))
		return ctl_fail(e, TOF_CTL_INVALID, CTL_FIELD("name"),
				"name must be 1 to %d of A-Z a-z 0-9 . _ -", TOF_NAME_MAX);
	if (!gtp_addr_is_unicast(&sc->service_ip))
		return ctl_fail(e, TOF_CTL_INVALID, CTL_FIELD("serviceIP"),
				"serviceIP must be a unicast IPv4 or IPv6 address");
	if (!gtp_addr_is_unicast(&sc->app_ip))
		return ctl_fail(e, TOF_CTL_INVALID, CTL_FIELD("applicationIP"),
				"applicationIP must be a unicast IPv4 or IPv6 address");
	if (sc->service_ip.family != sc->app_ip.family)
		return ctl_fail(e, TOF_CTL_INVALID, CTL_FIELD("applicationIP"),
				"applicationIP is not of the family of serviceIP");
	if (gtp_addr_eq(&sc->service_ip, &sc->app_ip))
		return ctl_fail(e, TOF_CTL_INVALID, CTL_FIELD("applicationIP"),
				"applicationIP must differ from serviceIP");
	if (clen != 0 && !tof_svc_name_valid(sc->chain, clen))
		return ctl_fail(e, TOF_CTL_INVALID, CTL_FIELD("chain"),
				"chain must be 1 to %d of A-Z a-z 0-9 . _ -", TOF_NAME_MAX);
	plen = strnlen(sc->app_port, sizeof(sc->app_port));
	if (plen != 0 && !tof_svc_name_valid(sc->app_port, plen))
		return ctl_fail(e, TOF_CTL_INVALID, CTL_FIELD("applicationPort"),
				"applicationPort must be 1 to %d of A-Z a-z 0-9 . _ -",
				TOF_NAME_MAX);
#undef CTL_FIELD
	return TOF_CTL_OK;
}

/* Uniqueness, by tof_service_conflict; then the service it clashes with,
 * for the message. Caller holds svc_lock. */
static enum tof_ctl_code ctl_conflict(struct tof_ctl *ctl, const struct tof_service_config *sc,
				      uint32_t except, const char *prefix, struct tof_ctl_err *e)
{
	const struct tof_tables *t = ctl->t;
	const char *field = tof_service_conflict(t, sc, except);
	char a[GTP_ADDR_STRLEN], f[TOF_SVC_FIELD_MAX];
	const struct gtp_addr *mine;

	if (!field)
		return TOF_CTL_OK;
	snprintf(f, sizeof(f), "%s%s", prefix, field);
	if (strcmp(field, "name") == 0)
		return ctl_fail(e, TOF_CTL_CONFLICT, f, "a service named \"%s\" already exists",
				sc->name);
	mine = strcmp(field, "serviceIP") == 0 ? &sc->service_ip : &sc->app_ip;
	gtp_addr_format(mine, a, sizeof(a));
	for (uint32_t i = 0; i < t->max_services; i++) {
		const struct tof_service *s = &t->services[i];

		if (!s->in_use || i == except)
			continue;
		if (gtp_addr_eq(&s->service_ip, mine))
			return ctl_fail(e, TOF_CTL_CONFLICT, f, "%s %s is the serviceIP of "
					"service \"%s\"", field, a, s->name);
		if (gtp_addr_eq(&s->app_ip, mine))
			return ctl_fail(e, TOF_CTL_CONFLICT, f, "%s %s is the applicationIP of "
					"service \"%s\"", field, a, s->name);
	}
	return ctl_fail(e, TOF_CTL_CONFLICT, f, "%s %s is already taken", field, a);
}

/* --- persistence --- */

/* Save what the tables hold now. Caller holds svc_lock, so no other
 * service change runs; skip: a slot to leave out (a deletion saved before
 * it is made), or TOF_NO_SLOT. */
int ctl_persist(struct tof_ctl *ctl, uint32_t skip, const struct tof_chain_config *chains,
		uint32_t n_chains, struct tof_ctl_err *e)
{
	const struct tof_tables *t = ctl->t;
	struct tof_service_config *v;
	struct tof_state_doc doc;
	char err[256];
	uint32_t n = 0;
	int rc;

	if (!tof_state_path(ctl->state))
		return 0; /* nothing kept: nothing to fail (a disabled state refuses) */
	v = calloc(t->n_services ? t->n_services : 1, sizeof(*v));
	if (!v) {
		ctl_fail(e, TOF_CTL_IO, NULL, "out of memory saving the state");
		return -1;
	}
	for (uint32_t i = 0; i < t->max_services && n < t->n_services; i++) {
		if (t->services[i].in_use && i != skip)
			ctl_svc_config(&t->services[i], &v[n++]);
	}
	ctl_sort_configs(v, n);
	doc = (struct tof_state_doc){ .svcs = v, .n_svcs = n,
				      .chains = (struct tof_chain_config *)chains,
				      .n_chains = n_chains };
	rc = tof_state_save_doc(ctl->state, &doc, err, sizeof(err));
	free(v);
	if (rc < 0) {
		tof_log(TOF_LOG_ERROR, "state_save_failed", TOF_FIELDS(TOF_LOG_STR("error", err)),
			"state_file: %s", err);
		ctl_fail(e, rc == TOF_STATE_NOSPACE ? TOF_CTL_NOSPACE : TOF_CTL_IO, NULL,
			 "the change could not be saved (%s); nothing changed", err);
	}
	return rc;
}

/* After a rollback: make sure the file says what the tables say again (a
 * rename may have gone through before its directory fsync failed). */
void ctl_persist_again(struct tof_ctl *ctl)
{
	struct tof_ctl_err ignore;

	ctl_persist(ctl, TOF_NO_SLOT, ctl->chains, ctl->n_chains, &ignore);
}

/* The counters of every slot now, into ctl->pre. Caller holds svc_lock. */
void ctl_counters_now(struct tof_ctl *ctl)
{
	struct tof_counters c;

	memset(ctl->pre, 0, ctl->t->max_services * sizeof(*ctl->pre));
	pthread_rwlock_rdlock(&ctl->cb_lock);
	if (ctl->counters)
		ctl->counters(ctl->counters_ctx, &c, ctl->pre, ctl->t->max_services);
	pthread_rwlock_unlock(&ctl->cb_lock);
}

void ctl_set_base(struct tof_ctl *ctl, uint32_t slot)
{
	pthread_mutex_lock(&ctl->base_lock);
	ctl->base[slot] = ctl->pre[slot];
	pthread_mutex_unlock(&ctl->base_lock);
}

void ctl_bump(struct tof_ctl *ctl)
{
	__atomic_add_fetch(&ctl->svc_version, 1, __ATOMIC_ACQ_REL);
}

/* --- changes --- */

/* Add under svc_lock; TOF_NO_SLOT when full. */
static uint32_t ctl_add_locked(struct tof_ctl *ctl, const struct tof_service_config *sc)
{
	uint32_t slot;

	/* counters before the add: whatever the slot counted until now is
	 * not the new service's */
	ctl_counters_now(ctl);
	tof_ctl_lock(ctl);
	slot = tof_service_add(ctl->t, sc);
	if (ctl->agent != NULL)
		tof_agent_services_changed(ctl->agent); /* ask for the app's MAC */
	tof_ctl_unlock(ctl);
	if (slot != TOF_NO_SLOT)
		ctl_set_base(ctl, slot);
	return slot;
}

enum tof_ctl_code tof_ctl_load_services(struct tof_ctl *ctl, const struct tof_service_config *svcs,
					uint32_t n, bool save, struct tof_ctl_err *e)
{
	enum tof_ctl_code rc = TOF_CTL_OK;
	uint32_t *added = calloc(n ? n : 1, sizeof(*added)), n_added = 0;
	char prefix[32];

	ctl_ok(e);
	if (!added)
		return ctl_fail(e, TOF_CTL_IO, NULL, "out of memory");
	pthread_mutex_lock(&ctl->svc_lock);
	for (uint32_t i = 0; i < n && rc == TOF_CTL_OK; i++) {
		snprintf(prefix, sizeof(prefix), "services[%u].", i);
		rc = ctl_check(&svcs[i], false, prefix, e);
		if (rc == TOF_CTL_OK)
			rc = ctl_conflict(ctl, &svcs[i], TOF_NO_SLOT, prefix, e);
		if (rc == TOF_CTL_OK)
			rc = ctl_check_refs(ctl, &svcs[i], prefix, e);
		if (rc == TOF_CTL_OK && (added[n_added] = ctl_add_locked(ctl, &svcs[i])) ==
						TOF_NO_SLOT) {
			snprintf(prefix, sizeof(prefix), "services[%u]", i);
			rc = ctl_fail(e, TOF_CTL_FULL, prefix, "more services than max_services "
				      "(%u)", ctl->t->max_services);
		} else if (rc == TOF_CTL_OK) {
			n_added++;
		}
	}
	if (rc != TOF_CTL_OK) {
		/* all or nothing: whoever loads something else next finds the
		 * tables as they were */
		tof_ctl_lock(ctl);
		for (uint32_t i = 0; i < n_added; i++)
			tof_service_del(ctl->t, added[i]);
		tof_ctl_unlock(ctl);
	} else {
		if (save && ctl_persist(ctl, TOF_NO_SLOT, ctl->chains, ctl->n_chains, e) < 0)
			rc = e->code; /* running, unsaved */
		ctl_bump(ctl);
		__atomic_store_n(&ctl->state_loaded, true, __ATOMIC_RELEASE);
		ctl_sink_apply(ctl);
	}
	pthread_mutex_unlock(&ctl->svc_lock);
	free(added);
	return rc;
}

enum tof_ctl_code tof_ctl_service_add(struct tof_ctl *ctl, const struct tof_service_config *sc,
				      struct tof_ctl_err *e)
{
	enum tof_ctl_code rc;
	uint32_t slot;

	ctl_ok(e);
	rc = ctl_check(sc, false, "", e);
	if (rc != TOF_CTL_OK)
		return rc;
	pthread_mutex_lock(&ctl->svc_lock);
	rc = ctl_conflict(ctl, sc, TOF_NO_SLOT, "", e);
	if (rc == TOF_CTL_OK)
		rc = ctl_check_refs(ctl, sc, "", e);
	if (rc != TOF_CTL_OK)
		goto out;
	if (ctl->t->n_services >= ctl->t->max_services ||
	    (slot = ctl_add_locked(ctl, sc)) == TOF_NO_SLOT) {
		rc = ctl_fail(e, TOF_CTL_FULL, NULL, "the service table is full (max_services "
			      "%u)", ctl->t->max_services);
		goto out;
	}
	if (ctl_persist(ctl, TOF_NO_SLOT, ctl->chains, ctl->n_chains, e) < 0) {
		tof_ctl_lock(ctl);
		tof_service_del(ctl->t, slot);
		tof_ctl_unlock(ctl);
		ctl_persist_again(ctl);
		rc = e->code;
	}
	ctl_bump(ctl);
	ctl_sink_apply(ctl);
out:
	pthread_mutex_unlock(&ctl->svc_lock);
	return rc;
}

/* The slot of a service by name, or by service IP when by_ip and no name
 * matches. Caller holds svc_lock (or the writers' lock). */
static uint32_t ctl_find(const struct tof_tables *t, const char *key, bool by_ip)
{
	uint32_t slot = tof_service_find_name(t, key);
	struct gtp_addr a;

	if (slot == TOF_NO_SLOT && by_ip && gtp_addr_parse(key, &a) == 0)
		slot = tof_service_find_ip(t, &a);
	return slot;
}

static enum tof_ctl_code ctl_not_found(struct tof_ctl_err *e, const char *key, bool by_ip)
{
	char k[TOF_NAME_MAX + 4];

	return ctl_fail(e, TOF_CTL_NOT_FOUND, "name", "no service %s \"%s\"",
			by_ip ? "with the name or service IP" : "named",
			cfg_text(key, k, sizeof(k)));
}

enum tof_ctl_code tof_ctl_service_update(struct tof_ctl *ctl, const char *name,
					 const struct tof_service_config *sc,
					 struct tof_service_config *out, struct tof_ctl_err *e)
{
	struct tof_service_config next = *sc, old;
	enum tof_ctl_code rc;
	uint32_t slot;

	ctl_ok(e);
	rc = ctl_check(sc, true, "", e);
	if (rc != TOF_CTL_OK)
		return rc;
	pthread_mutex_lock(&ctl->svc_lock);
	slot = ctl_find(ctl->t, name, false);
	if (slot == TOF_NO_SLOT) {
		rc = ctl_not_found(e, name, false);
		goto out;
	}
	ctl_svc_config(&ctl->t->services[slot], &old);
	if (next.name[0] == '\0')
		memcpy(next.name, old.name, sizeof(next.name));
	rc = ctl_conflict(ctl, &next, slot, "", e);
	if (rc == TOF_CTL_OK)
		rc = ctl_check_refs(ctl, &next, "", e);
	if (rc != TOF_CTL_OK)
		goto out;
	tof_ctl_lock(ctl);
	tof_service_update(ctl->t, slot, &next);
	if (ctl->agent != NULL)
		tof_agent_services_changed(ctl->agent);
	tof_ctl_unlock(ctl);
	if (ctl_persist(ctl, TOF_NO_SLOT, ctl->chains, ctl->n_chains, e) < 0) {
		tof_ctl_lock(ctl);
		tof_service_update(ctl->t, slot, &old);
		tof_ctl_unlock(ctl);
		ctl_persist_again(ctl);
		rc = e->code;
	} else if (out) {
		ctl_svc_config(&ctl->t->services[slot], out);
	}
	ctl_bump(ctl);
	ctl_sink_apply(ctl);
out:
	pthread_mutex_unlock(&ctl->svc_lock);
	return rc;
}

enum tof_ctl_code tof_ctl_service_delete(struct tof_ctl *ctl, const char *key,
					 struct tof_service_config *out, struct tof_ctl_err *e)
{
	enum tof_ctl_code rc = TOF_CTL_OK;
	uint32_t slot;

	ctl_ok(e);
	pthread_mutex_lock(&ctl->svc_lock);
	slot = ctl_find(ctl->t, key, true);
	if (slot == TOF_NO_SLOT) {
		rc = ctl_not_found(e, key, true);
		goto out;
	}
	if (out)
		ctl_svc_config(&ctl->t->services[slot], out);
	/* the file first: if it cannot say the service is gone, it stays */
	if (ctl_persist(ctl, slot, ctl->chains, ctl->n_chains, e) < 0) {
		rc = e->code;
		goto out;
	}
	tof_ctl_lock(ctl);
	tof_service_del(ctl->t, slot);
	tof_ctl_unlock(ctl);
	ctl_bump(ctl);
	ctl_sink_apply(ctl);
out:
	pthread_mutex_unlock(&ctl->svc_lock);
	return rc;
}
