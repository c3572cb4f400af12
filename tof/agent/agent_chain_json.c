/* Port chains <-> JSON for the REST API, the config and the state file. */
#include <stdio.h>
#include <string.h>

#include "agent_chain_json.h"
#include "config_read.h"

bool tof_chain_has_port(const struct tof_chain_config *c, const char *port)
{
	for (uint32_t i = 0; i < c->n_hops; i++)
		if (strcmp(c->hops[i].ingress, port) == 0 || strcmp(c->hops[i].egress, port) == 0)
			return true;
	return false;
}

int tof_chain_check(const struct tof_chain_config *c, struct tof_svc_json_err *e)
{
	char f[TOF_SVC_FIELD_MAX];

	if (c->n_hops == 0 || c->n_hops > TOF_MAX_HOPS)
		return tof_svc_json_fail(e, "hops", "hops must list 1 to %d functions",
					 TOF_MAX_HOPS);
	for (uint32_t i = 0; i < c->n_hops; i++) {
		const struct tof_hop_config *h = &c->hops[i];
		const char *ports[2] = { h->ingress, h->egress };
		const char *sides[2] = { "ingress", "egress" };

		for (int s = 0; s < 2; s++) {
			snprintf(f, sizeof(f), "hops[%u].%s", i, sides[s]);
			if (!tof_svc_name_valid(ports[s], strnlen(ports[s], TOF_NAME_MAX + 1)))
				return tof_svc_json_fail(e, f, "%s must be an OVS port name: 1 to %d "
							 "of A-Z a-z 0-9 . _ -", f, TOF_NAME_MAX);
			/* a function is passed once: its ports are in no other hop */
			for (uint32_t j = 0; j < i; j++) {
				if (strcmp(c->hops[j].ingress, ports[s]) == 0 ||
				    strcmp(c->hops[j].egress, ports[s]) == 0)
					return tof_svc_json_fail(e, f, "port \"%s\" is already in "
								 "hops[%u]", ports[s], j);
			}
		}
	}
	return 0;
}

/* One hop object: ingress required, egress defaults to it. */
static int chain_read_hop(const json_t *v, uint32_t i, struct tof_hop_config *h,
			  struct tof_svc_json_err *e)
{
	char f[TOF_SVC_FIELD_MAX], t[CFG_TEXT_MAX];
	bool in = false, out = false;
	const char *key;
	json_t *val;

	snprintf(f, sizeof(f), "hops[%u]", i);
	if (!json_is_object(v))
		return tof_svc_json_fail(e, f, "%s must be an object {\"ingress\": PORT, "
					 "\"egress\": PORT}", f);
	json_object_foreach((json_t *)v, key, val) {
		int rc;

		snprintf(f, sizeof(f), "hops[%u].%s", i, cfg_text(key, t, sizeof(t)));
		if (strcmp(key, "ingress") == 0) {
			rc = tof_svc_json_name(val, f, h->ingress, e);
			in = true;
		} else if (strcmp(key, "egress") == 0) {
			rc = tof_svc_json_name(val, f, h->egress, e);
			out = true;
		} else {
			rc = tof_svc_json_fail(e, f, "unknown field \"%s\"", t);
		}
		if (rc)
			return -1;
	}
	if (!in) {
		snprintf(f, sizeof(f), "hops[%u].ingress", i);
		return tof_svc_json_fail(e, f, "%s is missing", f);
	}
	if (!out)
		memcpy(h->egress, h->ingress, sizeof(h->egress));
	return 0;
}

static int chain_read_hops(const json_t *v, struct tof_chain_config *out,
			   struct tof_svc_json_err *e)
{
	size_t n;

	if (!json_is_array(v))
		return tof_svc_json_fail(e, "hops", "hops must be an array of "
					 "{\"ingress\": PORT, \"egress\": PORT}");
	n = json_array_size(v);
	if (n == 0 || n > TOF_MAX_HOPS)
		return tof_svc_json_fail(e, "hops", "hops must list 1 to %d functions",
					 TOF_MAX_HOPS);
	for (size_t i = 0; i < n; i++)
		if (chain_read_hop(json_array_get(v, i), (uint32_t)i, &out->hops[i], e))
			return -1;
	out->n_hops = (uint32_t)n;
	return 0;
}

int tof_chain_json_read(const json_t *obj, unsigned int flags, struct tof_chain_config *out,
			bool *has_name, struct tof_svc_json_err *e)
{
	bool name = false, hops = false;
	char t[CFG_TEXT_MAX];
	const char *key;
	json_t *v;
	int rc;

	memset(out, 0, sizeof(*out));
	e->field[0] = e->msg[0] = '\0';
	if (!json_is_object(obj))
		return tof_svc_json_fail(e, NULL, "a chain must be a JSON object "
					 "{\"hops\": [...]}");
	json_object_foreach((json_t *)obj, key, v) {
		if (strcmp(key, "name") == 0) {
			rc = tof_svc_json_name(v, key, out->name, e);
			name = true;
		} else if (strcmp(key, "hops") == 0) {
			rc = chain_read_hops(v, out, e);
			hops = true;
		} else {
			rc = tof_svc_json_fail(e, key, "unknown field \"%s\"",
					       cfg_text(key, t, sizeof(t)));
		}
		if (rc)
			return -1;
	}
	if (has_name)
		*has_name = name;
	if (!name && !(flags & TOF_CHAIN_NAME_OPTIONAL))
		return tof_svc_json_fail(e, "name", "name is missing");
	if (!hops)
		return tof_svc_json_fail(e, "hops", "hops is missing");
	return tof_chain_check(out, e);
}

json_t *tof_chain_json_write(const struct tof_chain_config *c)
{
	json_t *o = json_object(), *hops = json_array();
	int rc = (!o || !hops) ? -1 : 0;

	for (uint32_t i = 0; i < c->n_hops && rc == 0; i++) {
		json_t *h = json_object();

		rc |= h ? 0 : -1;
		if (h) {
			rc |= json_object_set_new(h, "ingress", json_string(c->hops[i].ingress));
			rc |= json_object_set_new(h, "egress", json_string(c->hops[i].egress));
			rc |= json_array_append_new(hops, h);
		}
	}
	if (rc == 0) {
		rc |= json_object_set_new(o, "name", json_string(c->name));
		rc |= json_object_set(o, "hops", hops);
	}
	json_decref(hops);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}
