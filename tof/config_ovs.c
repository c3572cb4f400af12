/* The "ovs" section and the "chains" list of the config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_chain_json.h"
#include "config_ovs.h"

/* "unix:PATH" (absolute) or "tcp:ADDR:PORT". */
static int cfg_remote(struct cfg_ctx *c, const char *path, const char *s, bool tcp_ok)
{
	if (strncmp(s, "unix:/", 6) == 0 && s[6] != '\0')
		return 0;
	if (tcp_ok && strncmp(s, "tcp:", 4) == 0 && strchr(s + 4, ':'))
		return 0;
	return cfg_fail(c, path, "must be %s", tcp_ok ? "\"unix:/PATH\" or \"tcp:IP:PORT\"" :
			"\"unix:/PATH\"");
}

static int cfg_port_name(struct cfg_ctx *c, const char *path, const char *s, size_t max)
{
	char t[CFG_TEXT_MAX];
	size_t len = strlen(s);

	if (len > max || !tof_svc_name_valid(s, len))
		return cfg_fail(c, path, "\"%s\" must be 1 to %zu of A-Z a-z 0-9 . _ -",
				cfg_text(s, t, sizeof(t)), max);
	return 0;
}

/* The defaults that follow from the given fields. */
static int cfg_ovs_defaults(struct cfg_ctx *c, const char *path, struct tof_config *cfg)
{
	struct tof_ovs_config *o = &cfg->ovs;
	char p[CFG_PATH_MAX];
	size_t n;

	if (!o->openflow) {
		/* beside the database socket, as ovs-vswitchd puts it */
		const char *slash = strrchr(o->db, '/');

		if (strncmp(o->db, "unix:", 5) != 0 || !slash) {
			cfg_path_key(p, sizeof(p), path, "openflow");
			return cfg_fail(c, p, "missing (needed when \"%s.db\" is not a unix "
					"socket)", path);
		}
		n = (size_t)(slash - o->db) + strlen(o->bridge) + 8;
		o->openflow = malloc(n);
		if (!o->openflow)
			return cfg_fail(c, path, "out of memory");
		snprintf(o->openflow, n, "%.*s/%s.mgmt", (int)(slash - o->db), o->db, o->bridge);
	}
	return 0;
}

int cfg_ovs(struct cfg_ctx *c, const char *path, json_t *v, struct tof_config *cfg)
{
	struct tof_ovs_config *o = &cfg->ovs;
	char p[CFG_PATH_MAX];
	const char *key;
	json_t *val;
	int rc;

	if (cfg_read_object(c, path, v))
		return -1;
	json_object_foreach(v, key, val) {
		cfg_path_key(p, sizeof(p), path, key);
		if (strcmp(key, "db") == 0) {
			rc = cfg_read_strdup(c, p, val, &o->db);
			rc = rc ? rc : cfg_remote(c, p, o->db, true);
		} else if (strcmp(key, "bridge") == 0) {
			/* the bridge's own port is a network device: IFNAMSIZ */
			rc = cfg_read_strdup(c, p, val, &o->bridge);
			rc = rc ? rc : cfg_port_name(c, p, o->bridge, 15);
		} else if (strcmp(key, "port") == 0) {
			rc = cfg_read_strdup(c, p, val, &o->port);
			rc = rc ? rc : cfg_port_name(c, p, o->port, TOF_NAME_MAX);
		} else if (strcmp(key, "socket") == 0) {
			rc = cfg_read_strdup(c, p, val, &o->socket);
			if (rc == 0 && o->socket[0] != '/')
				rc = cfg_fail(c, p, "must be an absolute path");
		} else if (strcmp(key, "openflow") == 0) {
			rc = cfg_read_strdup(c, p, val, &o->openflow);
			rc = rc ? rc : cfg_remote(c, p, o->openflow, false);
		} else {
			rc = cfg_fail(c, p, "unknown field");
		}
		if (rc)
			return -1;
	}
	const char *need = !o->db ? "db" : !o->bridge ? "bridge" : !o->port ? "port" : NULL;
	if (need) {
		cfg_path_key(p, sizeof(p), path, need);
		return cfg_fail(c, p, "missing (\"%s\" needs db, bridge and port)", path);
	}
	cfg->ovs_enabled = true;
	return cfg_ovs_defaults(c, path, cfg);
}

int cfg_chains(struct cfg_ctx *c, const char *path, const json_t *v, struct tof_config *cfg)
{
	struct tof_svc_json_err e;
	char p[CFG_PATH_MAX];
	size_t n;

	if (!json_is_array(v))
		return cfg_fail(c, path, "must be an array of chains");
	n = json_array_size(v);
	if (n > TOF_MAX_CFG_CHAINS)
		return cfg_fail(c, path, "at most %d entries", TOF_MAX_CFG_CHAINS);
	free(cfg->chains);
	cfg->chains = n ? calloc(n, sizeof(*cfg->chains)) : NULL;
	cfg->n_chains = 0;
	if (n && !cfg->chains)
		return cfg_fail(c, path, "out of memory");
	for (size_t i = 0; i < n; i++) {
		cfg_path_idx(p, sizeof(p), path, i);
		if (tof_chain_json_read(json_array_get(v, i), 0, &cfg->chains[i], NULL, &e)) {
			if (e.field[0]) {
				char q[CFG_PATH_MAX];

				cfg_path_key(q, sizeof(q), p, e.field);
				return cfg_fail(c, q, "%s", e.msg);
			}
			return cfg_fail(c, p, "%s", e.msg);
		}
		cfg->n_chains = (unsigned int)i + 1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(cfg->chains[j].name, cfg->chains[i].name) == 0) {
				char q[CFG_PATH_MAX];

				cfg_path_key(q, sizeof(q), p, "name");
				return cfg_fail(c, q, "\"%s\" is already used by %s[%zu]",
						cfg->chains[i].name, path, j);
			}
		}
	}
	return 0;
}

static const struct tof_chain_config *cfg_find_chain(const struct tof_config *cfg,
						     const char *name)
{
	for (unsigned int i = 0; i < cfg->n_chains; i++)
		if (strcmp(cfg->chains[i].name, name) == 0)
			return &cfg->chains[i];
	return NULL;
}

/* A port of the bridge is either tofd's, an app's or a function's. */
static int cfg_check_ports(struct cfg_ctx *c, const struct tof_config *cfg)
{
	char p[CFG_PATH_MAX], base[CFG_PATH_MAX];

	for (unsigned int i = 0; cfg->ovs_enabled && i < cfg->n_chains; i++) {
		if (!tof_chain_has_port(&cfg->chains[i], cfg->ovs.port))
			continue;
		cfg_path_idx(p, sizeof(p), "chains", i);
		return cfg_fail(c, p, "a hop uses tofd's own port \"%s\" (ovs.port)",
				cfg->ovs.port);
	}
	for (unsigned int i = 0; i < cfg->n_services; i++) {
		const char *port = cfg->services[i].app_port;

		if (!port[0])
			continue;
		cfg_path_idx(base, sizeof(base), "services", i);
		cfg_path_key(p, sizeof(p), base, "applicationPort");
		if (cfg->ovs_enabled && strcmp(port, cfg->ovs.port) == 0)
			return cfg_fail(c, p, "\"%s\" is tofd's own port (ovs.port)", port);
		for (unsigned int j = 0; j < cfg->n_chains; j++)
			if (tof_chain_has_port(&cfg->chains[j], port))
				return cfg_fail(c, p, "\"%s\" is a hop of chains[%u] (\"%s\")", port,
						j, cfg->chains[j].name);
	}
	return 0;
}

int cfg_check_ovs(struct cfg_ctx *c, const struct tof_config *cfg)
{
	char p[CFG_PATH_MAX], base[CFG_PATH_MAX];

	if (cfg->ovs_enabled && cfg->port_apps)
		return cfg_fail(c, "ports.apps", "not with \"ovs\": the apps port is then tofd's "
				"port \"%s\" on the bridge", cfg->ovs.port);
	for (unsigned int i = 0; cfg->ovs_enabled && i < cfg->n_eal; i++) {
		if (strcmp(cfg->eal[i], "--no-huge") == 0) {
			cfg_path_idx(p, sizeof(p), "eal", i);
			return cfg_fail(c, p, "vhost-user (\"ovs\") needs hugepages: remove "
					"\"--no-huge\"");
		}
	}
	for (unsigned int i = 0; i < cfg->n_services; i++) {
		const char *chain = cfg->services[i].chain;

		if (!chain[0] || cfg_find_chain(cfg, chain))
			continue;
		cfg_path_idx(base, sizeof(base), "services", i);
		cfg_path_key(p, sizeof(p), base, "chain");
		return cfg_fail(c, p, "no chain named \"%s\" in \"chains\"", chain);
	}
	return cfg_check_ports(c, cfg);
}

int cfg_ovs_finish(struct cfg_ctx *c, struct tof_config *cfg)
{
	struct tof_ovs_config *o = &cfg->ovs;
	size_t n;

	if (!cfg->ovs_enabled)
		return 0;
	/* known only once "dataplane" is read, wherever it stands */
	o->port_type = cfg->dataplane == TOF_DATAPLANE_KERNEL ? TOF_OVS_PORT_SYSTEM :
								TOF_OVS_PORT_VHOST;
	if (o->port_type != TOF_OVS_PORT_VHOST || o->socket)
		return 0;
	n = strlen(TOF_OVS_SOCKET_DIR) + strlen(o->port) + 8;
	o->socket = malloc(n);
	if (!o->socket)
		return cfg_fail(c, "ovs", "out of memory");
	snprintf(o->socket, n, "%s/%s.sock", TOF_OVS_SOCKET_DIR, o->port);
	return 0;
}

void cfg_free_ovs(struct tof_config *cfg)
{
	char **strs[] = { &cfg->ovs.db, &cfg->ovs.bridge, &cfg->ovs.port, &cfg->ovs.socket,
			  &cfg->ovs.openflow };

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
	cfg->ovs_enabled = false;
	cfg->ovs.port_type = TOF_OVS_PORT_VHOST;
	free(cfg->chains);
	cfg->chains = NULL;
	cfg->n_chains = 0;
}
