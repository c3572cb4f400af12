/* Services and chains -> OpenFlow flows, and the diff to a switch's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ovs_flows.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd

void ovs_flowset_free(struct ovs_flowset *s)
{
	free(s->flows);
	free(s->hop_ports);
	memset(s, 0, sizeof(*s));
}

static struct ofp_flow *fs_add(struct ovs_flowset *s, uint64_t cookie, uint16_t prio)
{
	struct ofp_flow *f;

	if (s->n == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 64;
		struct ofp_flow *v = realloc(s->flows, cap * sizeof(*v));

		if (!v) {
			s->oom = true;
			return NULL;
		}
		s->flows = v;
		s->cap = cap;
	}
	f = &s->flows[s->n++];
	memset(f, 0, sizeof(*f));
	f->cookie = cookie;
	f->priority = prio;
	return f;
}

static void flow_act(struct ofp_flow *f, enum ofp_act_kind kind, uint32_t port)
{
	f->actions[f->n_actions].kind = (uint8_t)kind;
	f->actions[f->n_actions].port = port;
	f->n_actions++;
}

/* A flow on service traffic: from in_port (0: any), to (dst) or from (src)
 * the app, to out (0: drop). */
static void fs_ip(struct ovs_flowset *s, uint64_t cookie, uint16_t prio, uint32_t in_port,
		  const struct gtp_addr *app, bool to_app, uint32_t out)
{
	struct ofp_flow *f = fs_add(s, cookie, prio);

	if (!f)
		return;
	f->has_in_port = in_port != 0;
	f->in_port = in_port;
	f->eth_type = app->family == GTP_AF_INET6 ? ETH_IPV6 : ETH_IPV4;
	*(to_app ? &f->dst : &f->src) = *app;
	if (out)
		flow_act(f, OFP_ACT_OUTPUT, out);
}

static void fs_missing(struct ovs_flowset *s, const char *port, const char *what,
		       const char *name)
{
	size_t n = strlen(s->missing);

	if (strstr(s->missing, port) && strstr(s->missing, name))
		return; /* said already (a port in and out of a one-armed hop) */
	if (n + 8 < sizeof(s->missing))
		snprintf(s->missing + n, sizeof(s->missing) - n, "%s%s (%s %s)", n ? ", " : "",
			 port, what, name);
}

/* --- cookies --- */

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

void ovs_flows_cookies(const struct ovs_model *m, uint64_t *cookies)
{
	/* ids by name hash, probing past a clash: stable across restarts */
	uint32_t cap = 16, *used;

	while (cap < m->n_svcs * 2 + 2)
		cap *= 2;
	used = calloc(cap, sizeof(*used)); /* id + 1; 0 empty */
	for (uint32_t i = 0; i < m->n_svcs; i++) {
		uint32_t id = fnv1a(m->svcs[i].name);

		for (;;) {
			uint32_t pos = id & (cap - 1);
			bool taken = false;

			while (used && used[pos]) {
				if (used[pos] == id + 1) {
					taken = true;
					break;
				}
				pos = (pos + 1) & (cap - 1);
			}
			if (!taken || !used) {
				if (used)
					used[pos] = id + 1;
				break;
			}
			id++;
		}
		cookies[i] = OVS_COOKIE_SVC | id;
	}
	free(used);
}

/* --- building --- */

static const struct tof_chain_config *model_chain(const struct ovs_model *m, const char *name)
{
	for (uint32_t i = 0; i < m->n_chains; i++)
		if (strcmp(m->chains[i].name, name) == 0)
			return &m->chains[i];
	return NULL;
}

static void fs_hop_port(struct ovs_flowset *s, uint32_t port)
{
	uint32_t *v;

	for (uint32_t i = 0; i < s->n_hop_ports; i++)
		if (s->hop_ports[i] == port)
			return;
	v = realloc(s->hop_ports, (s->n_hop_ports + 1) * sizeof(*v));
	if (!v) {
		s->oom = true;
		return;
	}
	s->hop_ports = v;
	s->hop_ports[s->n_hop_ports++] = port;
	struct ofp_flow *f = fs_add(s, OVS_COOKIE_INFRA, OVS_PRIO_ISOLATE);

	if (f) {
		f->has_in_port = true;
		f->in_port = port;
	}
}

/* The bridge's own flows: NORMAL, and every hop port isolated. */
static void build_infra(const struct ovs_model *m, struct ovs_flowset *s)
{
	struct ofp_flow *f = fs_add(s, OVS_COOKIE_INFRA, OVS_PRIO_NORMAL);

	if (f)
		flow_act(f, OFP_ACT_OUTPUT, OFPP_NORMAL);
	for (uint32_t c = 0; c < m->n_chains; c++) {
		for (uint32_t h = 0; h < m->chains[c].n_hops; h++) {
			uint32_t in = m->port_no(m->ctx, m->chains[c].hops[h].ingress);
			uint32_t out = m->port_no(m->ctx, m->chains[c].hops[h].egress);

			if (in)
				fs_hop_port(s, in);
			if (out)
				fs_hop_port(s, out);
		}
	}
	for (uint32_t i = 0; i < m->n_marked; i++) {
		uint32_t p = m->port_no(m->ctx, m->marked[i]);

		if (p)
			fs_hop_port(s, p);
	}
}

/* A chained service whose ports are all there. */
static void build_chain(struct ovs_flowset *s, uint64_t ck, const struct gtp_addr *a,
			uint32_t own, const uint32_t *in, const uint32_t *out, uint32_t n,
			uint32_t app)
{
	struct ofp_flow *f;

	fs_ip(s, ck, OVS_PRIO_CHAIN, own, a, true, in[0]);
	for (uint32_t i = 0; i + 1 < n; i++)
		fs_ip(s, ck, OVS_PRIO_CHAIN, out[i], a, true, in[i + 1]);
	if (app) {
		fs_ip(s, ck, OVS_PRIO_CHAIN, out[n - 1], a, true, app);
		fs_ip(s, ck, OVS_PRIO_CHAIN, app, a, false, out[n - 1]);
	} else {
		/* delivery by MAC, as if tofd sent it: NORMAL learns nothing
		 * on the hop port */
		fs_ip(s, ck, OVS_PRIO_CHAIN, out[n - 1], a, true, 0);
		f = s->oom ? NULL : &s->flows[s->n - 1];
		if (f) {
			flow_act(f, OFP_ACT_SET_IN_PORT, own);
			flow_act(f, OFP_ACT_OUTPUT, OFPP_NORMAL);
		}
		fs_ip(s, ck, OVS_PRIO_FROM_APP, 0, a, false, out[n - 1]);
	}
	for (uint32_t i = n - 1; i > 0; i--)
		fs_ip(s, ck, OVS_PRIO_CHAIN, in[i], a, false, out[i - 1]);
	fs_ip(s, ck, OVS_PRIO_CHAIN, in[0], a, false, own);
}

static void build_service(const struct ovs_model *m, struct ovs_flowset *s,
			  const struct tof_service_config *sv, uint64_t ck, uint32_t own)
{
	const struct tof_chain_config *c = sv->chain[0] ? model_chain(m, sv->chain) : NULL;
	uint32_t in[TOF_MAX_HOPS] = { 0 }, out[TOF_MAX_HOPS] = { 0 }, app = 0;
	bool missing = false;

	if (sv->app_port[0]) {
		app = m->port_no(m->ctx, sv->app_port);
		if (!app) {
			fs_missing(s, sv->app_port, "service", sv->name);
			missing = true;
		}
	}
	if (sv->chain[0] && !c) {
		fs_missing(s, sv->chain, "chain of service", sv->name);
		missing = true;
	}
	for (uint32_t i = 0; c && i < c->n_hops; i++) {
		in[i] = m->port_no(m->ctx, c->hops[i].ingress);
		out[i] = m->port_no(m->ctx, c->hops[i].egress);
		if (!in[i])
			fs_missing(s, c->hops[i].ingress, "chain", c->name);
		if (!out[i])
			fs_missing(s, c->hops[i].egress, "chain", c->name);
		missing |= !in[i] || !out[i];
	}
	if (missing) {
		/* fail closed: nothing reaches the app around a missing function */
		fs_ip(s, ck, OVS_PRIO_CHAIN, own, &sv->app_ip, true, 0);
		fs_ip(s, ck, OVS_PRIO_FROM_APP, 0, &sv->app_ip, false, 0);
		s->n_degraded++;
	} else if (c) {
		build_chain(s, ck, &sv->app_ip, own, in, out, c->n_hops, app);
	} else if (app) {
		fs_ip(s, ck, OVS_PRIO_DIRECT, own, &sv->app_ip, true, app);
		fs_ip(s, ck, OVS_PRIO_DIRECT, app, &sv->app_ip, false, own);
	}
}

int ovs_flows_build(const struct ovs_model *m, struct ovs_flowset *s)
{
	uint64_t *cookies = calloc(m->n_svcs ? m->n_svcs : 1, sizeof(*cookies));
	uint32_t own = m->port_no(m->ctx, m->own_port);

	memset(s, 0, sizeof(*s));
	if (!cookies)
		return -1;
	build_infra(m, s);
	ovs_flows_cookies(m, cookies);
	if (!own && m->n_svcs)
		fs_missing(s, m->own_port, "tofd's", "port");
	for (uint32_t i = 0; own && i < m->n_svcs; i++)
		build_service(m, s, &m->svcs[i], cookies[i], own);
	free(cookies);
	if (s->oom) {
		ovs_flowset_free(s);
		return -1;
	}
	return 0;
}

/* --- the diff --- */

static uint32_t entry_hash(const struct ofp_flow *f)
{
	uint32_t h = 2166136261u;
	const uint8_t *parts[3] = { (const uint8_t *)&f->in_port, f->src.b, f->dst.b };
	const size_t lens[3] = { sizeof(f->in_port), sizeof(f->src.b), sizeof(f->dst.b) };

	h = (h ^ f->priority) * 16777619u;
	h = (h ^ f->eth_type) * 16777619u;
	h = (h ^ f->table) * 16777619u;
	for (int k = 0; k < 3; k++)
		for (size_t i = 0; i < lens[k]; i++)
			h = (h ^ parts[k][i]) * 16777619u;
	return h;
}

uint32_t ovs_flows_diff(const struct ovs_flowset *want, const struct ofp_flow *have,
			uint32_t n_have, struct ofp_buf *b, uint32_t bundle_id, uint32_t *xid,
			uint32_t counts[3])
{
	uint32_t cap = 16, n = 0, *ix;
	bool *seen;

	counts[0] = counts[1] = counts[2] = 0;
	while (cap < n_have * 2 + 2)
		cap *= 2;
	ix = calloc(cap, sizeof(*ix)); /* index into have + 1 */
	seen = calloc(n_have ? n_have : 1, sizeof(*seen));
	if (!ix || !seen) {
		free(ix);
		free(seen);
		b->oom = true;
		return 0;
	}
	for (uint32_t i = 0; i < n_have; i++) {
		uint32_t pos = entry_hash(&have[i]) & (cap - 1);

		if (have[i].unknown)
			continue;
		while (ix[pos])
			pos = (pos + 1) & (cap - 1);
		ix[pos] = i + 1;
	}
	for (uint32_t w = 0; w < want->n; w++) {
		const struct ofp_flow *f = &want->flows[w];
		uint32_t pos = entry_hash(f) & (cap - 1);
		const struct ofp_flow *h = NULL;

		for (; ix[pos]; pos = (pos + 1) & (cap - 1)) {
			if (ofp_flow_same_entry(&have[ix[pos] - 1], f)) {
				h = &have[ix[pos] - 1];
				seen[ix[pos] - 1] = true;
				break;
			}
		}
		if (h && h->cookie == f->cookie && ofp_flow_same_actions(h, f))
			continue;
		/* a new entry, or the same entry with other actions: a modify
		 * keeps its counters; another cookie needs the add */
		ofp_put_bundle_flow_mod(b, (*xid)++, bundle_id,
					h && h->cookie == f->cookie ? OFPFC_MODIFY_STRICT :
					OFPFC_ADD, f, 0);
		counts[h ? 1 : 0]++;
		n++;
	}
	for (uint32_t i = 0; i < n_have; i++) {
		if (seen[i])
			continue;
		ofp_put_bundle_flow_mod(b, (*xid)++, bundle_id, OFPFC_DELETE_STRICT, &have[i],
					~0ULL);
		counts[2]++;
		n++;
	}
	free(ix);
	free(seen);
	return n;
}
