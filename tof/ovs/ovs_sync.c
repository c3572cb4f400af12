/* One reconciliation of the bridge's flows over OpenFlow: read the ports
 * and tofd's flows back, build the flows wanted, commit the difference as
 * one bundle, keep hop ports out of flooding. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ovs_int.h"

/* --- reading the switch --- */

static int collect_ports(void *ctx, const uint8_t *body, size_t len)
{
	struct tof_ovs *o = ctx;
	struct ofp_port p;
	size_t off = 0;
	int rc;

	while ((rc = ofp_next_port(body, len, &off, &p)) > 0) {
		struct ofp_port *v = realloc(o->ports, (o->n_ports + 1) * sizeof(*v));

		if (!v)
			return -1;
		o->ports = v;
		o->ports[o->n_ports++] = p;
	}
	return rc;
}

static int read_ports(struct tof_ovs *o)
{
	struct ofp_buf b;
	uint32_t xid = ofconn_xid(&o->of);
	int rc;

	free(o->ports);
	o->ports = NULL;
	o->n_ports = 0;
	o->of.ports_changed = false;
	ofp_buf_init(&b);
	ofp_put_port_desc_request(&b, xid);
	rc = ofconn_multipart(&o->of, &b, xid, collect_ports, o, OVS_TIMEOUT_MS);
	ofp_buf_free(&b);
	return rc;
}

struct flow_list {
	struct ofp_flow *v;
	uint32_t n, cap;
};

static int collect_flows(void *ctx, const uint8_t *body, size_t len)
{
	struct flow_list *l = ctx;
	struct ofp_flow f;
	size_t off = 0;
	int rc;

	while ((rc = ofp_next_flow_stats(body, len, &off, &f)) > 0) {
		if (l->n == l->cap) {
			uint32_t cap = l->cap ? l->cap * 2 : 64;
			struct ofp_flow *v = realloc(l->v, cap * sizeof(*v));

			if (!v)
				return -1;
			l->v = v;
			l->cap = cap;
		}
		l->v[l->n++] = f;
	}
	return rc;
}

static int read_flows(struct tof_ovs *o, struct flow_list *l)
{
	struct ofp_buf b;
	uint32_t xid = ofconn_xid(&o->of);
	int rc;

	ofp_buf_init(&b);
	ofp_put_flow_stats_request(&b, xid, OVS_COOKIE_TAG, OVS_COOKIE_MASK);
	rc = ofconn_multipart(&o->of, &b, xid, collect_flows, l, OVS_TIMEOUT_MS);
	ofp_buf_free(&b);
	return rc;
}

static uint32_t port_no(void *ctx, const char *name)
{
	const struct tof_ovs *o = ctx;

	for (uint32_t i = 0; i < o->n_ports; i++)
		if (strcmp(o->ports[i].name, name) == 0)
			return o->ports[i].port_no;
	return 0;
}

/* --- no flooding into hop ports --- */

static const struct ofp_port *port_by_no(const struct tof_ovs *o, uint32_t no)
{
	for (uint32_t i = 0; i < o->n_ports; i++)
		if (o->ports[i].port_no == no)
			return &o->ports[i];
	return NULL;
}

static bool in_list(const uint32_t *v, uint32_t n, uint32_t x)
{
	for (uint32_t i = 0; i < n; i++)
		if (v[i] == x)
			return true;
	return false;
}

/* OpenFlow 1.4 has no "no flood" port flag: set it over a short 1.0
 * connection on the hop ports (all of them after the ports changed, else
 * the new ones), and clear it on ports that are no longer hops. */
static int sync_no_flood(struct tof_ovs *o, const struct ovs_flowset *set, bool all)
{
	const struct ofp_port *on[256], *off[256];
	uint32_t n_on = 0, n_off = 0, xid;
	struct ofconn c;
	struct ofp_buf b;
	int rc = 0;

	for (uint32_t i = 0; i < set->n_hop_ports && n_on < 256; i++) {
		const struct ofp_port *p = port_by_no(o, set->hop_ports[i]);

		if (p && (all || !in_list(o->no_flood, o->n_no_flood, p->port_no)))
			on[n_on++] = p;
	}
	for (uint32_t i = 0; i < o->n_no_flood && n_off < 256; i++) {
		const struct ofp_port *p = port_by_no(o, o->no_flood[i]);

		if (p && !in_list(set->hop_ports, set->n_hop_ports, p->port_no))
			off[n_off++] = p;
	}
	if (n_on + n_off) {
		ofconn_init(&c);
		ofp_buf_init(&b);
		rc = ofconn_open(&c, o->cfg.openflow, OFP_VERSION_10, OVS_TIMEOUT_MS);
		if (rc == 0) {
			uint32_t first = c.next_xid;

			for (uint32_t i = 0; i < n_on + n_off; i++)
				ofp_put_port_mod10_no_flood(&b, ofconn_xid(&c),
							    i < n_on ? on[i] : off[i - n_on],
							    i < n_on);
			xid = ofconn_xid(&c);
			ofp_put_barrier(&b, OFP_VERSION_10, xid);
			rc = ofconn_transact(&c, &b, first, xid, OVS_TIMEOUT_MS);
		}
		if (rc < 0)
			snprintf(o->of.err, sizeof(o->of.err), "no-flood on hop ports: %.200s", c.err);
		ofconn_close(&c);
		ofp_buf_free(&b);
	}
	if (rc == 0) {
		uint32_t *v = malloc((set->n_hop_ports ? set->n_hop_ports : 1) * sizeof(*v));

		if (!v)
			return -1;
		if (set->n_hop_ports)
			memcpy(v, set->hop_ports, set->n_hop_ports * sizeof(*v));
		free(o->no_flood);
		o->no_flood = v;
		o->n_no_flood = set->n_hop_ports;
	}
	return rc;
}

/* --- the flows --- */

static void log_changes(const struct tof_ovs *o, const uint32_t counts[3], uint32_t total)
{
	tof_log(TOF_LOG_INFO, "ovs_flows_changed",
		TOF_FIELDS(TOF_LOG_STR("bridge", o->cfg.bridge), TOF_LOG_U64("added", counts[0]),
			   TOF_LOG_U64("changed", counts[1]), TOF_LOG_U64("removed", counts[2]),
			   TOF_LOG_U64("flows", total)),
		"ovs: %s: %u flows added, %u changed, %u removed (%u of tofd's now)",
		o->cfg.bridge, counts[0], counts[1], counts[2], total);
}

int ovs_sync_flows(struct tof_ovs *o, const struct ovs_want *want, uint32_t *flows,
		   struct ovs_flowset *set)
{
	struct ovs_model m = {
		.svcs = want->svcs, .n_svcs = want->n_svcs,
		.chains = want->chains, .n_chains = want->n_chains,
		.own_port = o->cfg.port, .port_no = port_no, .ctx = o,
		.marked = (const char *const *)o->marked, .n_marked = o->n_marked,
	};
	struct flow_list have = { 0 };
	uint32_t counts[3], xid, first, n;
	struct ofp_buf b;
	int rc = -1;

	bool ports_new = o->ports_dirty || o->of.ports_changed;

	/* the ports every time: a port status can come before its port is in
	 * the description, and a few ports are cheap to read */
	memset(set, 0, sizeof(*set));
	if (read_ports(o) < 0)
		return -1;
	o->ports_dirty = false;
	if (ovs_flows_build(&m, set) < 0) {
		snprintf(o->of.err, sizeof(o->of.err), "out of memory building flows");
		return -1;
	}
	if (read_flows(o, &have) < 0)
		goto out;
	ofp_buf_init(&b);
	first = xid = ofconn_xid(&o->of);
	o->bundle_id++;
	ofp_put_bundle_ctrl(&b, xid++, o->bundle_id, OFPBCT_OPEN_REQUEST);
	n = ovs_flows_diff(set, have.v, have.n, &b, o->bundle_id, &xid, counts);
	if (n > 0) {
		ofp_put_bundle_ctrl(&b, xid, o->bundle_id, OFPBCT_COMMIT_REQUEST);
		o->of.next_xid = xid + 1;
		rc = ofconn_transact(&o->of, &b, first, xid, OVS_TIMEOUT_MS);
		if (rc == 0) {
			log_changes(o, counts, set->n);
			pthread_mutex_lock(&o->lock);
			o->health.syncs++;
			pthread_mutex_unlock(&o->lock);
		}
	} else {
		rc = b.oom ? -1 : 0;
		if (b.oom)
			snprintf(o->of.err, sizeof(o->of.err), "out of memory");
	}
	ofp_buf_free(&b);
	if (rc == 0)
		rc = sync_no_flood(o, set, ports_new);
	*flows = set->n;
out:
	free(have.v);
	return rc;
}
