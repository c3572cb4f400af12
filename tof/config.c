/* The JSON configuration, loaded strictly into struct tof_config. Each
 * object is walked key by key in document order, so the first problem in
 * the file is the one reported and a key nobody handles is an error; checks
 * that tie several fields together run once everything is read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "config.h"
#include "config_kernel.h"
#include "config_ovs.h"
#include "config_read.h"
#include "pkt.h"

/* Octets a probe needs besides its echo data inside the largest tunnel:
 * outer IPv6 40 + UDP 8 + GTP-U 8 + optional fields 4 + one extension
 * header 4 + inner IPv6 40 + ICMPv6 8. */
#define CFG_PROBE_OVERHEAD 112

/* --- sections --- */

static bool prefix_overlap(const struct tof_prefix *x, const struct tof_prefix *y)
{
	unsigned int plen = x->plen < y->plen ? x->plen : y->plen;

	return x->addr.family == y->addr.family && gtp_addr_in_prefix(&x->addr, &y->addr, plen);
}

static const char *prefix_format(const struct tof_prefix *p, char *buf, size_t len)
{
	char a[GTP_ADDR_STRLEN];

	snprintf(buf, len, "%s/%u", gtp_addr_format(&p->addr, a, sizeof(a)), p->plen);
	return buf;
}

static int cfg_peers(struct cfg_ctx *c, const char *path, const json_t *v,
		     struct tof_prefix *list, unsigned int *n)
{
	char p[CFG_PATH_MAX];
	size_t i;

	if (!json_is_array(v))
		return cfg_fail(c, path, "must be an array of addresses or prefixes");
	if (json_array_size(v) > TOF_MAX_PEERS)
		return cfg_fail(c, path, "at most %d entries", TOF_MAX_PEERS);
	for (i = 0; i < json_array_size(v); i++) {
		cfg_path_idx(p, sizeof(p), path, i);
		if (cfg_read_prefix(c, p, json_array_get(v, i), &list[i]))
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (gtp_addr_eq(&list[i].addr, &list[j].addr) &&
			    list[i].plen == list[j].plen)
				return cfg_fail(c, p, "listed twice (also %s[%zu])", path, j);
		}
	}
	*n = (unsigned int)i;
	return 0;
}

/* One address, or an array of up to max distinct unicast addresses. */
static int cfg_addrs(struct cfg_ctx *c, const char *path, const json_t *v, struct gtp_addr *list,
		     unsigned int max, unsigned int *n)
{
	char p[CFG_PATH_MAX];

	if (json_is_string(v)) {
		if (cfg_read_addr(c, path, v, &list[0]))
			return -1;
		if (!gtp_addr_is_unicast(&list[0]))
			return cfg_fail(c, path, "must be a unicast address");
		*n = 1;
		return 0;
	}
	if (!json_is_array(v))
		return cfg_fail(c, path, "must be an address or an array of addresses");
	if (json_array_size(v) > max)
		return cfg_fail(c, path, "at most %u addresses", max);
	for (size_t i = 0; i < json_array_size(v); i++) {
		cfg_path_idx(p, sizeof(p), path, i);
		if (cfg_read_addr(c, p, json_array_get(v, i), &list[i]))
			return -1;
		if (!gtp_addr_is_unicast(&list[i]))
			return cfg_fail(c, p, "must be a unicast address");
		for (size_t j = 0; j < i; j++)
			if (gtp_addr_eq(&list[i], &list[j]))
				return cfg_fail(c, p, "listed twice (also %s[%zu])", path, j);
	}
	*n = (unsigned int)json_array_size(v);
	return 0;
}

static int cfg_service(struct cfg_ctx *c, const char *path, json_t *v,
		       struct tof_service_config *s)
{
	char p[CFG_PATH_MAX], a1[GTP_ADDR_STRLEN], a2[GTP_ADDR_STRLEN];
	bool has_name = false, has_sip = false, has_aip = false;
	const char *key;
	json_t *val;
	int rc;

	if (cfg_read_object(c, path, v))
		return -1;
	json_object_foreach(v, key, val) {
		cfg_path_key(p, sizeof(p), path, key);
		if (strcmp(key, "name") == 0) {
			rc = cfg_read_name(c, p, val, s->name);
			has_name = true;
		} else if (strcmp(key, "serviceIP") == 0) {
			rc = cfg_read_addr(c, p, val, &s->service_ip);
			has_sip = true;
		} else if (strcmp(key, "applicationIP") == 0) {
			rc = cfg_read_addr(c, p, val, &s->app_ip);
			has_aip = true;
		} else if (strcmp(key, "applicationMAC") == 0) {
			rc = cfg_read_mac(c, p, val, s->app_mac);
			s->has_app_mac = true;
		} else if (strcmp(key, "chain") == 0) {
			rc = cfg_read_name(c, p, val, s->chain);
		} else if (strcmp(key, "applicationPort") == 0) {
			rc = cfg_read_name(c, p, val, s->app_port);
		} else {
			rc = cfg_fail(c, p, "unknown field");
		}
		if (rc)
			return -1;
	}
	if (!has_name || !has_sip || !has_aip) {
		cfg_path_key(p, sizeof(p), path,
			     !has_name ? "name" : !has_sip ? "serviceIP" : "applicationIP");
		return cfg_fail(c, p, "missing (a service needs name, serviceIP and "
				"applicationIP)");
	}
	if (s->service_ip.family != s->app_ip.family) {
		cfg_path_key(p, sizeof(p), path, "applicationIP");
		return cfg_fail(c, p, "%s is not of the family of serviceIP %s",
				gtp_addr_format(&s->app_ip, a1, sizeof(a1)),
				gtp_addr_format(&s->service_ip, a2, sizeof(a2)));
	}
	return 0;
}

/* Names, service IPs and application IPs are unique, and no service IP is
 * an application IP, so both NAT directions are unambiguous. */
static int cfg_services_unique(struct cfg_ctx *c, const char *path,
			       const struct tof_config *cfg)
{
	const struct tof_service_config *sv = cfg->services;
	char p[CFG_PATH_MAX], base[CFG_PATH_MAX], a[GTP_ADDR_STRLEN];
	const char *field, *other;
	const struct gtp_addr *addr;
	unsigned int i, j;

	for (i = 0; i < cfg->n_services; i++) {
		for (j = 0; j < cfg->n_services; j++) {
			field = "serviceIP";
			addr = &sv[i].service_ip;
			other = "applicationIP";
			if (gtp_addr_eq(addr, &sv[j].app_ip))
				goto clash;
			if (j >= i)
				continue;
			other = "serviceIP";
			if (gtp_addr_eq(addr, &sv[j].service_ip))
				goto clash;
			field = other = "applicationIP";
			addr = &sv[i].app_ip;
			if (gtp_addr_eq(addr, &sv[j].app_ip))
				goto clash;
			if (strcmp(sv[i].name, sv[j].name) == 0) {
				field = "name";
				goto clash;
			}
		}
	}
	return 0;
clash:
	cfg_path_idx(base, sizeof(base), path, i);
	cfg_path_key(p, sizeof(p), base, field);
	if (strcmp(field, "name") == 0)
		return cfg_fail(c, p, "\"%s\" is already used by %s[%u]", sv[i].name, path, j);
	return cfg_fail(c, p, "%s is %s the %s of %s[%u]", gtp_addr_format(addr, a, sizeof(a)),
			strcmp(field, other) == 0 ? "already" : "also", other, path, j);
}

static int cfg_services(struct cfg_ctx *c, const char *path, const json_t *v,
			struct tof_config *cfg)
{
	char p[CFG_PATH_MAX];
	size_t n;

	if (!json_is_array(v))
		return cfg_fail(c, path, "must be an array of services");
	n = json_array_size(v);
	if (n > TOF_MAX_CFG_SERVICES)
		return cfg_fail(c, path, "at most %d entries", TOF_MAX_CFG_SERVICES);
	free(cfg->services);
	cfg->services = NULL;
	cfg->n_services = 0;
	if (n == 0)
		return 0;
	cfg->services = calloc(n, sizeof(*cfg->services));
	if (!cfg->services)
		return cfg_fail(c, path, "out of memory");
	cfg->n_services = (unsigned int)n;
	for (size_t i = 0; i < n; i++) {
		cfg_path_idx(p, sizeof(p), path, i);
		if (cfg_service(c, p, json_array_get(v, i), &cfg->services[i]))
			return -1;
	}
	return cfg_services_unique(c, path, cfg);
}

static int cfg_pinger(struct cfg_ctx *c, const char *path, json_t *v, struct tof_config *cfg)
{
	static const char *const policies[] = { "always", "on_demand", "off", NULL };
	static const char policies_text[] = "\"always\", \"on_demand\" or \"off\"";
	struct pinger_config *pc = &cfg->pinger;
	struct gtp_addr any = { .family = GTP_AF_NONE }, t6 = { .family = GTP_AF_NONE };
	char p[CFG_PATH_MAX];
	const char *key;
	json_t *val;
	uint64_t key_val = 0;
	int rc, policy = 0;

	if (cfg_read_object(c, path, v))
		return -1;
	json_object_foreach(v, key, val) {
		cfg_path_key(p, sizeof(p), path, key);
		if (strcmp(key, "target") == 0) {
			rc = cfg_read_addr(c, p, val, &any);
		} else if (strcmp(key, "target6") == 0) {
			rc = cfg_read_addr(c, p, val, &t6);
			if (rc == 0 && t6.family != GTP_AF_INET6)
				rc = cfg_fail(c, p, "must be an IPv6 address");
		} else if (strcmp(key, "interval_ms") == 0) {
			rc = cfg_read_u32(c, p, val, 1, 3600000, &pc->interval_ms);
		} else if (strcmp(key, "tries") == 0) {
			rc = cfg_read_u32(c, p, val, 1, 255, &pc->tries);
		} else if (strcmp(key, "backoff_pct") == 0) {
			rc = cfg_read_u32(c, p, val, 100, 1000, &pc->backoff_pct);
		} else if (strcmp(key, "max_interval_ms") == 0) {
			rc = cfg_read_u32(c, p, val, 1, 3600000, &pc->max_interval_ms);
		} else if (strcmp(key, "payload_len") == 0) {
			rc = cfg_read_u16(c, p, val, PINGER_MIN_PAYLOAD, PINGER_MAX_PAYLOAD,
					  &pc->payload_len);
		} else if (strcmp(key, "ident") == 0) {
			rc = cfg_read_u16(c, p, val, 0, UINT16_MAX, &pc->ident);
		} else if (strcmp(key, "key") == 0) {
			rc = cfg_read_uint(c, p, val, 0, INT64_MAX, &key_val);
			if (rc == 0) {
				pc->key = key_val;
				cfg->pinger_key_set = true;
			}
		} else if (strcmp(key, "ttl") == 0) {
			rc = cfg_read_u8(c, p, val, 1, 255, &pc->ttl);
		} else if (strcmp(key, "rate_pps") == 0) {
			rc = cfg_read_u32(c, p, val, 1, 10000000, &cfg->pinger_rate_pps);
		} else if (strcmp(key, "policy") == 0) {
			rc = cfg_read_enum(c, p, val, policies, policies_text, &policy);
			if (rc == 0)
				cfg->pinger_policy = (enum tof_pinger_policy)policy;
		} else {
			rc = cfg_fail(c, p, "unknown field");
		}
		if (rc)
			return -1;
	}
	if (any.family == GTP_AF_INET6 && t6.family == GTP_AF_INET6) {
		cfg_path_key(p, sizeof(p), path, "target6");
		return cfg_fail(c, p, "an IPv6 target is already given by \"%s.target\"", path);
	}
	if (any.family == GTP_AF_INET)
		pc->target4 = any;
	else if (any.family == GTP_AF_INET6)
		pc->target6 = any;
	if (t6.family == GTP_AF_INET6)
		pc->target6 = t6;
	return 0;
}

static int cfg_punt(struct cfg_ctx *c, const char *path, json_t *v, struct tof_config *cfg)
{
	char p[CFG_PATH_MAX];
	const char *key;
	json_t *val;
	int rc;

	if (cfg_read_object(c, path, v))
		return -1;
	json_object_foreach(v, key, val) {
		cfg_path_key(p, sizeof(p), path, key);
		if (strcmp(key, "rate_pps") == 0)
			rc = cfg_read_u32(c, p, val, 0, 100000000, &cfg->punt_rate_pps);
		else if (strcmp(key, "burst") == 0)
			rc = cfg_read_u32(c, p, val, 1, 100000000, &cfg->punt_burst);
		else
			rc = cfg_fail(c, p, "unknown field");
		if (rc)
			return -1;
	}
	return 0;
}

static int cfg_log(struct cfg_ctx *c, const char *path, json_t *v, struct tof_config *cfg)
{
	static const char *const formats[] = { "text", "json", NULL };
	static const char *const levels[] = { "debug", "info", "warning", "error", NULL };
	char p[CFG_PATH_MAX];
	const char *key;
	json_t *val;
	int rc, i = 0;

	if (cfg_read_object(c, path, v))
		return -1;
	json_object_foreach(v, key, val) {
		cfg_path_key(p, sizeof(p), path, key);
		if (strcmp(key, "format") == 0) {
			rc = cfg_read_enum(c, p, val, formats, "\"text\" or \"json\"", &i);
			if (rc == 0)
				cfg->log_format = i == 1 ? TOF_LOG_JSON : TOF_LOG_TEXT;
		} else if (strcmp(key, "level") == 0) {
			rc = cfg_read_enum(c, p, val, levels, "\"debug\", \"info\", \"warning\" or "
					   "\"error\"", &i);
			if (rc == 0)
				cfg->log_level = (enum tof_log_level)i;
		} else {
			rc = cfg_fail(c, p, "unknown field");
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* An object of plain fields: strings kept as they are (str), or integers
 * in [lo, hi] (num). */
struct cfg_field {
	const char *name;
	char **str;
	uint32_t *num;
	uint32_t lo, hi;
};

static int cfg_fields(struct cfg_ctx *c, const char *path, json_t *v,
		      const struct cfg_field *fields)
{
	char p[CFG_PATH_MAX];
	const char *key;
	json_t *val;
	int rc;

	if (cfg_read_object(c, path, v))
		return -1;
	json_object_foreach(v, key, val) {
		const struct cfg_field *f;

		cfg_path_key(p, sizeof(p), path, key);
		for (f = fields; f->name; f++) {
			if (strcmp(key, f->name) == 0)
				break;
		}
		if (f->str)
			rc = cfg_read_strdup(c, p, val, f->str);
		else if (f->num)
			rc = cfg_read_u32(c, p, val, f->lo, f->hi, f->num);
		else
			rc = cfg_fail(c, p, "unknown field");
		if (rc)
			return -1;
	}
	return 0;
}

static int cfg_eal(struct cfg_ctx *c, const char *path, const json_t *v, struct tof_config *cfg)
{
	char p[CFG_PATH_MAX];

	if (!json_is_array(v))
		return cfg_fail(c, path, "must be an array of strings");
	if (json_array_size(v) > TOF_MAX_EAL_ARGS)
		return cfg_fail(c, path, "at most %d entries", TOF_MAX_EAL_ARGS);
	for (size_t i = 0; i < json_array_size(v); i++) {
		cfg_path_idx(p, sizeof(p), path, i);
		if (cfg_read_strdup(c, p, json_array_get(v, i), &cfg->eal[i]))
			return -1;
		cfg->n_eal = (unsigned int)i + 1;
	}
	return 0;
}

static int cfg_root(struct cfg_ctx *c, json_t *root, struct tof_config *cfg)
{
	static const char *const modes[] = { "dual", "single", NULL };
	const struct cfg_field ports[] = {
		{ .name = "enb", .str = &cfg->port_enb },
		{ .name = "sgw", .str = &cfg->port_sgw },
		{ .name = "s1", .str = &cfg->port_s1 },
		{ .name = "apps", .str = &cfg->port_apps },
		{ .name = NULL },
	};
	const struct cfg_field icmp[] = {
		{ .name = "rate_pps", .num = &cfg->icmp_rate_pps, .lo = 0, .hi = 1000000 },
		{ .name = "burst", .num = &cfg->icmp_burst, .lo = 1, .hi = 1000000 },
		{ .name = NULL },
	};
	const struct cfg_field api[] = {
		{ .name = "listen", .str = &cfg->api_listen },
		{ .name = "token_file", .str = &cfg->api_token_file },
		{ .name = "tls_cert", .str = &cfg->api_tls_cert },
		{ .name = "tls_key", .str = &cfg->api_tls_key },
		{ .name = "max_connections", .num = &cfg->api_max_conns, .lo = 1, .hi = 10000 },
		{ .name = "max_client_connections", .num = &cfg->api_max_client_conns,
		  .lo = 1, .hi = 10000 },
		{ .name = "request_timeout_s", .num = &cfg->api_request_timeout_s, .lo = 1,
		  .hi = 3600 },
		{ .name = NULL },
	};
	char p[CFG_PATH_MAX];
	const char *key;
	json_t *val;
	int rc, mode = 0;

	if (!json_is_object(root))
		return cfg_fail(c, NULL, "the top level must be a JSON object");
	json_object_foreach(root, key, val) {
		cfg_path_key(p, sizeof(p), "", key);
		if (strcmp(key, "mode") == 0) {
			rc = cfg_read_enum(c, p, val, modes, "\"dual\" or \"single\"", &mode);
			if (rc == 0)
				cfg->mode = mode == 1 ? TOF_MODE_SINGLE : TOF_MODE_DUAL;
		} else if (strcmp(key, "enb") == 0) {
			rc = cfg_peers(c, p, val, cfg->enb, &cfg->n_enb);
		} else if (strcmp(key, "sgw") == 0) {
			rc = cfg_peers(c, p, val, cfg->sgw, &cfg->n_sgw);
		} else if (strcmp(key, "services") == 0) {
			rc = cfg_services(c, p, val, cfg);
		} else if (strcmp(key, "idle_timeout_s") == 0) {
			rc = cfg_read_u32(c, p, val, 0, 31536000, &cfg->idle_timeout_s);
		} else if (strcmp(key, "purge_interval_ms") == 0) {
			rc = cfg_read_u32(c, p, val, 1, 3600000, &cfg->purge_interval_ms);
		} else if (strcmp(key, "max_sessions") == 0) {
			rc = cfg_read_u32(c, p, val, 16, 1u << 26, &cfg->max_sessions);
		} else if (strcmp(key, "max_services") == 0) {
			rc = cfg_read_u32(c, p, val, 1, 1u << 20, &cfg->max_services);
		} else if (strcmp(key, "pinger") == 0) {
			rc = cfg_pinger(c, p, val, cfg);
		} else if (strcmp(key, "punt") == 0) {
			rc = cfg_punt(c, p, val, cfg);
		} else if (strcmp(key, "icmp_errors") == 0) {
			rc = cfg_fields(c, p, val, icmp);
		} else if (strcmp(key, "apps_mac") == 0) {
			rc = cfg_read_mac(c, p, val, cfg->apps_mac);
		} else if (strcmp(key, "apps_gateway") == 0) {
			rc = cfg_addrs(c, p, val, cfg->apps_gw, TOF_MAX_APPS_GW, &cfg->n_apps_gw);
		} else if (strcmp(key, "ue_move_silence_s") == 0) {
			rc = cfg_read_u32(c, p, val, 0, 86400, &cfg->ue_move_silence_s);
		} else if (strcmp(key, "hash_seed") == 0) {
			rc = cfg_read_uint(c, p, val, 0, INT64_MAX, &cfg->hash_seed);
			cfg->hash_seed_set = rc == 0;
		} else if (strcmp(key, "s1_mtu") == 0) {
			rc = cfg_read_u16(c, p, val, 576, 9000, &cfg->s1_mtu);
		} else if (strcmp(key, "encap_ttl") == 0) {
			rc = cfg_read_u8(c, p, val, 1, 255, &cfg->encap_ttl);
		} else if (strcmp(key, "dataplane") == 0) {
			rc = cfg_dataplane(c, p, val, cfg);
		} else if (strcmp(key, "kernel") == 0) {
			rc = cfg_kernel(c, p, val, cfg);
		} else if (strcmp(key, "eal") == 0) {
			rc = cfg_eal(c, p, val, cfg);
		} else if (strcmp(key, "mbufs") == 0) {
			rc = cfg_read_u32(c, p, val, 1024, 1u << 24, &cfg->mbufs);
		} else if (strcmp(key, "ports") == 0) {
			rc = cfg_fields(c, p, val, ports);
		} else if (strcmp(key, "api") == 0) {
			rc = cfg_fields(c, p, val, api);
		} else if (strcmp(key, "state_file") == 0) {
			rc = cfg_read_strdup(c, p, val, &cfg->state_file);
		} else if (strcmp(key, "ovs") == 0) {
			rc = cfg_ovs(c, p, val, cfg);
		} else if (strcmp(key, "chains") == 0) {
			rc = cfg_chains(c, p, val, cfg);
		} else if (strcmp(key, "log") == 0) {
			rc = cfg_log(c, p, val, cfg);
		} else {
			rc = cfg_fail(c, p, "unknown field");
		}
		if (rc)
			return -1;
	}
	return 0;
}

/* Rules that tie several fields together. */
static int cfg_check(struct cfg_ctx *c, const struct tof_config *cfg)
{
	char p[CFG_PATH_MAX], a1[64], a2[64];
	unsigned int room;

	if (cfg->mode == TOF_MODE_SINGLE) {
		/* One S1 port: direction comes from the outer addresses. */
		if (cfg->n_enb == 0)
			return cfg_fail(c, "enb", "single mode needs at least one eNB address "
					"to tell uplink from downlink");
		if (cfg->n_sgw == 0)
			return cfg_fail(c, "sgw", "single mode needs at least one SGW address "
					"to tell uplink from downlink");
		if (cfg->port_enb || cfg->port_sgw)
			return cfg_fail(c, cfg->port_enb ? "ports.enb" : "ports.sgw",
					"only in dual mode (single mode has \"s1\")");
	} else if (cfg->port_s1) {
		return cfg_fail(c, "ports.s1", "only in single mode (dual mode has \"enb\" and "
				"\"sgw\")");
	}
	for (unsigned int i = 0; i < cfg->n_sgw; i++) {
		for (unsigned int j = 0; j < cfg->n_enb; j++) {
			if (!prefix_overlap(&cfg->sgw[i], &cfg->enb[j]))
				continue;
			cfg_path_idx(p, sizeof(p), "sgw", i);
			return cfg_fail(c, p, "%s overlaps enb[%u] %s",
					prefix_format(&cfg->sgw[i], a1, sizeof(a1)), j,
					prefix_format(&cfg->enb[j], a2, sizeof(a2)));
		}
	}
	if (cfg->n_services > cfg->max_services)
		return cfg_fail(c, "services", "%u services but max_services is %u",
				cfg->n_services, cfg->max_services);
	if (cfg->pinger.max_interval_ms < cfg->pinger.interval_ms)
		return cfg_fail(c, "pinger.max_interval_ms",
				"must be at least pinger.interval_ms (%u)",
				cfg->pinger.interval_ms);
	room = cfg->s1_mtu - CFG_PROBE_OVERHEAD;
	if (cfg->pinger.payload_len > room)
		return cfg_fail(c, "pinger.payload_len", "must be an integer between %d and %u "
				"(s1_mtu %u less the tunnel and probe headers)",
				PINGER_MIN_PAYLOAD, room, cfg->s1_mtu);
	if (cfg->api_max_client_conns > cfg->api_max_conns)
		return cfg_fail(c, "api.max_client_connections", "must be at most "
				"api.max_connections (%u)", cfg->api_max_conns);
	if (!cfg->api_tls_cert != !cfg->api_tls_key)
		return cfg_fail(c, cfg->api_tls_cert ? "api.tls_key" : "api.tls_cert",
				"missing (api.tls_cert and api.tls_key go together)");
	if (cfg_check_ovs(c, cfg))
		return -1;
	return cfg_check_dataplane(c, cfg);
}

/* --- public --- */

uint64_t tof_config_hash_seed(const struct tof_config *cfg)
{
	uint64_t seed;

	if (cfg->hash_seed_set)
		return cfg->hash_seed;
	/* A secret per process: nobody can compute colliding keys offline.
	 * getrandom blocks only before the kernel's pool is seeded at boot. */
	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed))
		seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ULL ^ (uint64_t)getpid() << 32 ^
		       (uint64_t)(uintptr_t)&seed;
	return seed;
}

void tof_config_defaults(struct tof_config *cfg)
{
	static const uint8_t apps_mac[6] = { 0x02, 0x00, 0x00, 0x74, 0x6f, 0x66 };

	memset(cfg, 0, sizeof(*cfg));
	cfg->mode = TOF_MODE_DUAL;
	cfg->idle_timeout_s = 300;
	cfg->purge_interval_ms = 1000;
	cfg->max_sessions = 1048576;
	cfg->max_services = 1024;
	cfg->pinger_policy = TOF_PINGER_ALWAYS;
	pinger_config_default(&cfg->pinger);
	cfg->pinger_rate_pps = 1000;
	cfg->punt_rate_pps = 10000;
	cfg->punt_burst = 1000;
	cfg->icmp_rate_pps = 100;
	cfg->icmp_burst = 10;
	cfg->ue_move_silence_s = 60;
	memcpy(cfg->apps_mac, apps_mac, sizeof(apps_mac));
	cfg->s1_mtu = 1500;
	cfg->encap_ttl = 64;
	cfg->api_max_conns = 1000;
	cfg->api_max_client_conns = 64;
	cfg->api_request_timeout_s = 10;
	cfg->log_format = TOF_LOG_TEXT;
	cfg->log_level = TOF_LOG_INFO;
	cfg_kernel_defaults(&cfg->kernel);
}

void tof_config_free(struct tof_config *cfg)
{
	char **strs[] = {
		&cfg->port_enb, &cfg->port_sgw, &cfg->port_s1, &cfg->port_apps,
		&cfg->api_listen, &cfg->api_token_file, &cfg->api_tls_cert, &cfg->api_tls_key,
		&cfg->state_file,
	};

	free(cfg->services);
	cfg->services = NULL;
	cfg->n_services = 0;
	cfg_free_ovs(cfg);
	for (unsigned int i = 0; i < cfg->n_eal; i++) {
		free(cfg->eal[i]);
		cfg->eal[i] = NULL;
	}
	cfg->n_eal = 0;
	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		free(*strs[i]);
		*strs[i] = NULL;
	}
}

/* Parse the decoded document (or report why jansson could not) into cfg. */
static int cfg_load(json_t *root, const json_error_t *jerr, const char *file,
		    struct tof_config *cfg, char *err, size_t errlen)
{
	struct cfg_ctx c = { .err = err, .errlen = errlen };
	int rc;

	tof_config_defaults(cfg);
	if (err && errlen)
		err[0] = '\0';
	if (!root) {
		if (jerr->line < 1)
			return cfg_fail(&c, NULL, "%s", jerr->text); /* names the file */
		if (file)
			return cfg_fail(&c, NULL, "%s: line %d, column %d: %s", file, jerr->line,
					jerr->column, jerr->text);
		return cfg_fail(&c, NULL, "line %d, column %d: %s", jerr->line, jerr->column,
				jerr->text);
	}
	rc = cfg_root(&c, root, cfg);
	if (rc == 0)
		rc = cfg_check(&c, cfg);
	if (rc == 0)
		rc = cfg_ovs_finish(&c, cfg);
	json_decref(root);
	if (rc) {
		tof_config_free(cfg);
		tof_config_defaults(cfg);
	}
	return rc;
}

int tof_config_load_file(const char *path, struct tof_config *cfg, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);

	return cfg_load(root, &jerr, path, cfg, err, errlen);
}

int tof_config_load_string(const char *json, struct tof_config *cfg, char *err, size_t errlen)
{
	json_error_t jerr;
	json_t *root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);

	return cfg_load(root, &jerr, NULL, cfg, err, errlen);
}
