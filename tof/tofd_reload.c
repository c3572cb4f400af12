/* SIGHUP reloads: see tofd_reload.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "tofd_reload.h"

/* One part of the running appliance a reload brings up to date. It owns
 * the top-level config keys it applies (they are not "restart needed"). */
struct tofd_reload_part {
	const char *key;
	/* 0, or -1 with a message in err and field naming the field at fault */
	int (*apply)(struct tofd_reload *r, const struct tof_config *next, char *field,
		     size_t fieldlen, char *err, size_t errlen);
};

static int reload_log(struct tofd_reload *r, const struct tof_config *next, char *field,
		      size_t fieldlen, char *err, size_t errlen)
{
	(void)r, (void)field, (void)fieldlen, (void)err, (void)errlen;
	tof_log_setup(NULL, next->log_format, next->log_level);
	return 0;
}

static void names_free(char **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* The names of count entries of stride octets from first (services or
 * chains, whose name is their first member), malloc'd (NULL, 0 when none). */
static int names_copy(const void *first, size_t stride, uint32_t count, char ***out,
		      uint32_t *n)
{
	char **v = NULL;

	*out = NULL;
	*n = 0;
	if (count == 0)
		return 0;
	v = calloc(count, sizeof(*v));
	if (!v)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		v[i] = strdup((const char *)first + i * stride);
		if (!v[i]) {
			names_free(v, i);
			return -1;
		}
	}
	*out = v;
	*n = count;
	return 0;
}

static int names_of(const struct tof_config *cfg, char ***out, uint32_t *n)
{
	return names_copy(cfg->services, sizeof(*cfg->services), cfg->n_services, out, n);
}

static int chain_names_of(const struct tof_config *cfg, char ***out, uint32_t *n)
{
	return names_copy(cfg->chains, sizeof(*cfg->chains), cfg->n_chains, out, n);
}

static bool name_in(const char *name, char *const *v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(v[i], name) == 0)
			return true;
	return false;
}

/* Will a service still use chain `dropped` once the services are
 * reloaded? The new config's, and those only the API made. Before anything
 * changes, so a refusal leaves everything as it was. */
static int reload_chain_still_used(struct tofd_reload *r, const struct tof_config *next,
				   const char *dropped, char *field, size_t fieldlen, char *err,
				   size_t errlen)
{
	struct tof_service_config *now;
	struct tof_ctl_err e;
	uint32_t n;
	int rc = 0;

	for (uint32_t i = 0; i < next->n_services; i++) {
		if (strcmp(next->services[i].chain, dropped) == 0) {
			snprintf(field, fieldlen, "services[%u].chain", i);
			snprintf(err, errlen, "no chain named \"%s\"", dropped);
			return -1;
		}
	}
	if (tof_ctl_service_list(r->ctl, &now, &n, &e) != TOF_CTL_OK) {
		snprintf(err, errlen, "%s", e.msg);
		return -1;
	}
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		bool from_config = name_in(now[i].name, r->cfg_services, r->n_cfg_services);

		for (uint32_t j = 0; j < next->n_services && !from_config; j++)
			from_config = strcmp(next->services[j].name, now[i].name) == 0;
		if (!from_config && strcmp(now[i].chain, dropped) == 0) {
			snprintf(field, fieldlen, "chains");
			snprintf(err, errlen, "chain \"%s\" is no longer in the config but service "
				 "\"%s\" uses it", dropped, now[i].name);
			rc = -1;
		}
	}
	free(now);
	return rc;
}

/* The config's chains, created or replaced (none removed yet: a service
 * may still use one until "services" has run; whether one will is checked
 * now). */
static int reload_chains_put(struct tofd_reload *r, const struct tof_config *next, char *field,
			     size_t fieldlen, char *err, size_t errlen)
{
	struct tof_ctl_err e;

	for (uint32_t i = 0; i < r->n_cfg_chains; i++) {
		bool kept = false;

		for (uint32_t j = 0; j < next->n_chains && !kept; j++)
			kept = strcmp(next->chains[j].name, r->cfg_chains[i]) == 0;
		if (!kept && reload_chain_still_used(r, next, r->cfg_chains[i], field, fieldlen, err,
						     errlen) < 0)
			return -1;
	}

	if (tof_ctl_chains_apply(r->ctl, next->chains, next->n_chains, NULL, 0, &e) !=
	    TOF_CTL_OK) {
		snprintf(field, fieldlen, "%s", e.field);
		snprintf(err, errlen, "%s", e.msg);
		return -1;
	}
	return 0;
}

/* Chains an earlier config listed and this one does not: removed. */
static int reload_chains_drop(struct tofd_reload *r, const struct tof_config *next, char *field,
			      size_t fieldlen, char *err, size_t errlen)
{
	struct tof_ctl_err e;
	char **names;
	uint32_t n_names;

	if (chain_names_of(next, &names, &n_names) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tof_ctl_chains_apply(r->ctl, next->chains, next->n_chains,
				 (const char *const *)r->cfg_chains, r->n_cfg_chains, &e) !=
	    TOF_CTL_OK) {
		snprintf(field, fieldlen, "%s", e.field);
		snprintf(err, errlen, "%s", e.msg);
		names_free(names, n_names);
		return -1;
	}
	names_free(r->cfg_chains, r->n_cfg_chains);
	r->cfg_chains = names;
	r->n_cfg_chains = n_names;
	return 0;
}

static int reload_services(struct tofd_reload *r, const struct tof_config *next, char *field,
			   size_t fieldlen, char *err, size_t errlen)
{
	struct tof_ctl_apply_stats st;
	struct tof_ctl_err e;
	char **names;
	uint32_t n_names;

	if (names_of(next, &names, &n_names) < 0) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (tof_ctl_services_apply(r->ctl, next->services, next->n_services,
				   (const char *const *)r->cfg_services, r->n_cfg_services, &st,
				   &e) != TOF_CTL_OK) {
		snprintf(field, fieldlen, "%s", e.field);
		snprintf(err, errlen, "%s", e.msg);
		names_free(names, n_names);
		return -1;
	}
	names_free(r->cfg_services, r->n_cfg_services);
	r->cfg_services = names;
	r->n_cfg_services = n_names;
	tof_log(TOF_LOG_INFO, "services_reloaded",
		TOF_FIELDS(TOF_LOG_U64("added", st.added), TOF_LOG_U64("updated", st.updated),
			   TOF_LOG_U64("removed", st.removed), TOF_LOG_U64("unchanged", st.unchanged)),
		"services: %u added, %u updated, %u removed, %u unchanged", st.added, st.updated,
		st.removed, st.unchanged);
	return 0;
}

static const struct tofd_reload_part tofd_reload_parts[] = {
	{ "chains", reload_chains_put },
	{ "services", reload_services },
	{ "chains", reload_chains_drop },
	{ "log", reload_log },
};

#define N_PARTS (sizeof(tofd_reload_parts) / sizeof(tofd_reload_parts[0]))

static bool part_owns(const char *key)
{
	for (size_t i = 0; i < N_PARTS; i++)
		if (strcmp(tofd_reload_parts[i].key, key) == 0)
			return true;
	return false;
}

int tofd_reload_init(struct tofd_reload *r, const char *path, const struct tof_config *cfg,
		     struct tof_ctl *ctl)
{
	memset(r, 0, sizeof(*r));
	r->path = path;
	r->ctl = ctl;
	if (path)
		r->started_with = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
	if (chain_names_of(cfg, &r->cfg_chains, &r->n_cfg_chains) < 0)
		return -1;
	return names_of(cfg, &r->cfg_services, &r->n_cfg_services);
}

void tofd_reload_fini(struct tofd_reload *r)
{
	json_decref(r->started_with);
	names_free(r->cfg_services, r->n_cfg_services);
	names_free(r->cfg_chains, r->n_cfg_chains);
	r->cfg_chains = NULL;
	r->n_cfg_chains = 0;
	r->started_with = NULL;
	r->cfg_services = NULL;
	r->n_cfg_services = 0;
}

/* Name the top-level fields that differ from the start-up config and that
 * no part applies: they need a restart. */
static void reload_warn_restart(struct tofd_reload *r, json_t *next)
{
	char list[512] = "";
	size_t len = 0;
	const char *key;
	json_t *v;

	if (!r->started_with || !next)
		return;
	/* keys in either document */
	for (int pass = 0; pass < 2; pass++) {
		json_t *a = pass ? r->started_with : next, *b = pass ? next : r->started_with;

		json_object_foreach(a, key, v) {
			if (part_owns(key) || json_equal(v, json_object_get(b, key)))
				continue;
			if (pass && json_object_get(next, key))
				continue; /* already named in the first pass */
			len += (size_t)snprintf(list + len, len < sizeof(list) ? sizeof(list) - len : 0,
						"%s%s", len ? ", " : "", key);
		}
	}
	if (len)
		tof_log(TOF_LOG_WARNING, "reload_restart_needed", TOF_FIELDS(TOF_LOG_STR("fields", list)),
			"reload: %s changed: takes effect at the next start (chains, services "
			"and log apply now)", list);
}

int tofd_reload(struct tofd_reload *r)
{
	struct tof_config next;
	char err[512] = "", field[TOF_SVC_FIELD_MAX] = "";
	json_t *doc;

	r->count++;
	if (!r->path) {
		tof_log(TOF_LOG_WARNING, "reload_failed", TOF_FIELDS(TOF_LOG_STR("error", "no config file")),
			"reload: no config file to read");
		return -1;
	}
	tof_log(TOF_LOG_INFO, "reload", TOF_FIELDS(TOF_LOG_STR("config", r->path)),
		"reload: reading %s", r->path);
	if (tof_config_load_file(r->path, &next, err, sizeof(err)) < 0) {
		tof_log(TOF_LOG_ERROR, "reload_failed",
			TOF_FIELDS(TOF_LOG_STR("config", r->path), TOF_LOG_STR("error", err)),
			"reload: %s: %s; nothing changed", r->path, err);
		return -1;
	}
	for (size_t i = 0; i < N_PARTS; i++) {
		const struct tofd_reload_part *p = &tofd_reload_parts[i];

		if (p->apply(r, &next, field, sizeof(field), err, sizeof(err)) == 0)
			continue;
		tof_log(TOF_LOG_ERROR, "reload_failed",
			TOF_FIELDS(TOF_LOG_STR("config", r->path), TOF_LOG_STR("part", p->key),
				   TOF_LOG_STR("field", field), TOF_LOG_STR("error", err)),
			"reload: %s: \"%s\": %s; %s unchanged", r->path, field[0] ? field : p->key,
			err, p->key);
		tof_config_free(&next);
		return -1;
	}
	doc = json_load_file(r->path, JSON_REJECT_DUPLICATES, NULL);
	reload_warn_restart(r, doc);
	json_decref(doc);
	tof_config_free(&next);
	return 0;
}
