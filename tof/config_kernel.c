/* "dataplane" and the "kernel" section of the configuration: tofd run on a
 * Linux bridge with NFQUEUE (tof/nfq) instead of DPDK ports. */
#include <stdio.h>
#include <string.h>

#include "config_kernel.h"

int cfg_dataplane(struct cfg_ctx *c, const char *path, const json_t *v, struct tof_config *cfg)
{
	static const char *const names[] = { "dpdk", "kernel", NULL };
	int which = 0;

	if (cfg_read_enum(c, path, v, names, "\"dpdk\" or \"kernel\"", &which))
		return -1;
	cfg->dataplane = which == 1 ? TOF_DATAPLANE_KERNEL : TOF_DATAPLANE_DPDK;
	return 0;
}

/* A Linux interface name: 1 to 15 characters, no '/', ':' or white space,
 * not "." or "..". */
static int cfg_read_ifname(struct cfg_ctx *c, const char *path, const json_t *v,
			   char out[TOF_IFNAME_MAX + 1])
{
	char t[CFG_TEXT_MAX];
	const char *s;
	size_t len;

	if (!json_is_string(v))
		return cfg_fail(c, path, "must be an interface name (a string)");
	s = json_string_value(v);
	len = strlen(s);
	if (len == 0 || len > TOF_IFNAME_MAX || len != json_string_length(v) ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		goto bad;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '/' || s[i] == ':' || s[i] <= ' ' || s[i] >= 0x7f)
			goto bad;
	}
	memcpy(out, s, len + 1);
	return 0;
bad:
	return cfg_fail(c, path, "\"%s\" is not an interface name (1 to %d characters, no '/', "
			"':' or spaces)", cfg_text(s, t, sizeof(t)), TOF_IFNAME_MAX);
}

static int cfg_queues(struct cfg_ctx *c, const char *path, const json_t *v,
		      struct tof_kernel_config *k)
{
	char p[CFG_PATH_MAX];
	uint16_t q[2];

	if (!json_is_array(v) || json_array_size(v) != 2)
		return cfg_fail(c, path, "must be two queue numbers: [from the eNB side, from the "
				"SGW side]");
	for (size_t i = 0; i < 2; i++) {
		cfg_path_idx(p, sizeof(p), path, i);
		if (cfg_read_u16(c, p, json_array_get(v, i), 0, UINT16_MAX, &q[i]))
			return -1;
	}
	if (q[0] == q[1]) {
		cfg_path_idx(p, sizeof(p), path, 1);
		return cfg_fail(c, p, "queue %u is already %s[0] (each side has its own queue)", q[1],
				path);
	}
	k->queue_enb = q[0];
	k->queue_sgw = q[1];
	return 0;
}

int cfg_kernel(struct cfg_ctx *c, const char *path, json_t *v, struct tof_config *cfg)
{
	struct tof_kernel_config *k = &cfg->kernel;
	char p[CFG_PATH_MAX];
	const char *key;
	json_t *val;
	int rc;

	if (cfg_read_object(c, path, v))
		return -1;
	cfg->has_kernel = true;
	json_object_foreach(v, key, val) {
		cfg_path_key(p, sizeof(p), path, key);
		if (strcmp(key, "enb") == 0)
			rc = cfg_read_ifname(c, p, val, k->enb);
		else if (strcmp(key, "sgw") == 0)
			rc = cfg_read_ifname(c, p, val, k->sgw);
		else if (strcmp(key, "s1") == 0)
			rc = cfg_read_ifname(c, p, val, k->s1);
		else if (strcmp(key, "apps") == 0)
			rc = cfg_read_ifname(c, p, val, k->apps);
		else if (strcmp(key, "bridge") == 0)
			rc = cfg_read_ifname(c, p, val, k->bridge);
		else if (strcmp(key, "queues") == 0)
			rc = cfg_queues(c, p, val, k);
		else
			rc = cfg_fail(c, p, "unknown field");
		if (rc)
			return -1;
	}
	return 0;
}

void cfg_kernel_defaults(struct tof_kernel_config *k)
{
	memset(k, 0, sizeof(*k));
	snprintf(k->bridge, sizeof(k->bridge), "br-s1");
	k->queue_enb = 0;
	k->queue_sgw = 1;
}

/* The interfaces the mode needs are there, the others are not, and no
 * interface is named twice (with "ovs", its bridge and tofd's port on it
 * are network devices of this namespace too). */
static int cfg_check_kernel_ifaces(struct cfg_ctx *c, const struct tof_config *cfg)
{
	const struct tof_kernel_config *k = &cfg->kernel;
	bool dual = cfg->mode == TOF_MODE_DUAL, ovs = cfg->ovs_enabled;
	const struct {
		const char *field, *name;
	} f[] = {
		{ "kernel.enb", k->enb }, { "kernel.sgw", k->sgw }, { "kernel.s1", k->s1 },
		{ "kernel.apps", k->apps }, { "kernel.bridge", k->bridge },
		{ "ovs.port", ovs ? cfg->ovs.port : "" }, { "ovs.bridge", ovs ? cfg->ovs.bridge : "" },
	};

	if (dual && k->s1[0])
		return cfg_fail(c, "kernel.s1", "only in single mode (dual mode has \"enb\" and "
				"\"sgw\")");
	if (!dual && (k->enb[0] || k->sgw[0]))
		return cfg_fail(c, k->enb[0] ? "kernel.enb" : "kernel.sgw",
				"only in dual mode (single mode has \"s1\")");
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		bool needed = i == 3 || (dual ? i < 2 : i == 2);
		if (needed && !f[i].name[0])
			return cfg_fail(c, f[i].field, "missing (kernel mode, %s: %s)",
					dual ? "dual" : "single",
					dual ? "\"enb\", \"sgw\" and \"apps\"" : "\"s1\" and \"apps\"");
		for (size_t j = 0; j < i && f[i].name[0]; j++) {
			if (strcmp(f[i].name, f[j].name) == 0)
				return cfg_fail(c, f[i].field, "\"%s\" is already %s", f[i].name,
						f[j].field);
		}
	}
	return 0;
}

/* Kernel mode's port on the bridge is the OVS end of a veth pair whose
 * other end is kernel.apps: a network device, not a vhost-user socket. */
static int cfg_check_kernel_ovs(struct cfg_ctx *c, const struct tof_ovs_config *o)
{
	const char *port = o->port;

	if (o->socket)
		return cfg_fail(c, "ovs.socket", "only with \"dataplane\": \"dpdk\" (vhost-user); "
				"in kernel mode tofd's port is a veth (kernel.apps, ovs.port)");
	if (strlen(port) > TOF_IFNAME_MAX || strcmp(port, ".") == 0 || strcmp(port, "..") == 0)
		return cfg_fail(c, "ovs.port", "\"%s\" is not an interface name (kernel mode: the "
				"OVS end of tofd's veth, 1 to %d characters)", port, TOF_IFNAME_MAX);
	return 0;
}

int cfg_check_dataplane(struct cfg_ctx *c, const struct tof_config *cfg)
{
	if (cfg->dataplane == TOF_DATAPLANE_DPDK) {
		if (cfg->has_kernel)
			return cfg_fail(c, "kernel", "only with \"dataplane\": \"kernel\" (DPDK "
					"ports are in \"ports\")");
		return 0;
	}
	if (cfg->port_enb || cfg->port_sgw || cfg->port_s1 || cfg->port_apps)
		return cfg_fail(c, "ports", "only with \"dataplane\": \"dpdk\" (kernel mode names "
				"its interfaces in \"kernel\")");
	if (cfg->n_eal)
		return cfg_fail(c, "eal", "only with \"dataplane\": \"dpdk\"");
	if (cfg->mbufs)
		return cfg_fail(c, "mbufs", "only with \"dataplane\": \"dpdk\"");
	if (cfg->ovs_enabled && cfg_check_kernel_ovs(c, &cfg->ovs))
		return -1;
	if (!cfg->has_kernel)
		return cfg_fail(c, "kernel", "missing (\"dataplane\": \"kernel\" needs the "
				"interfaces, e.g. {\"enb\": \"s1-enb\", \"sgw\": \"s1-sgw\", "
				"\"apps\": \"apps0\"})");
	return cfg_check_kernel_ifaces(c, cfg);
}
