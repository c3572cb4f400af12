/* The flows a bridge must hold for the services and chains, and the
 * smallest change that gets it there. Pure functions: no I/O.
 *
 * Table 0, by priority (T = tofd's port, A = a service's application IP,
 * hops H1..Hn with ingress I and egress E, P = the app's port):
 *
 *   300 chain     in_port=T,  dst=A -> I1           (classifier)
 *                 in_port=Ei, dst=A -> I(i+1)       (SFF, towards the app)
 *                 in_port=En, dst=A -> P, or as if from T to NORMAL
 *                 in_port=P,  src=A -> En           (replies)
 *                 in_port=Ii, src=A -> E(i-1);  in_port=I1, src=A -> T
 *   260 isolate   in_port=H -> drop                 (every hop port: chain
 *                                                    traffic only)
 *   250 from app  src=A -> En                       (no app port: wherever
 *                                                    the app is)
 *   200 direct    in_port=T, dst=A -> P;  in_port=P, src=A -> T (no chain)
 *     0 normal    NORMAL                            (delivery by MAC, ARP)
 *
 * IP is matched at every hop, so chains may share functions. A service
 * whose chain or app port is missing from the bridge gets drop flows in
 * place of the classifier and the reply path: its traffic never skips a
 * function. Every flow has a cookie: "tof" in the top 24 bits, then a
 * kind (0: the bridge's own flows, 1: a service's), then the service's id. */
#ifndef TOF_OVS_FLOWS_H
#define TOF_OVS_FLOWS_H

#include <stdbool.h>
#include <stdint.h>

#include "ofp.h"
#include "tof_config.h"

#define OVS_COOKIE_TAG 0x746f660000000000ULL
#define OVS_COOKIE_MASK 0xffffff0000000000ULL
#define OVS_COOKIE_INFRA OVS_COOKIE_TAG
#define OVS_COOKIE_SVC (OVS_COOKIE_TAG | (1ULL << 32))

enum {
	OVS_PRIO_CHAIN = 300,
	OVS_PRIO_ISOLATE = 260,
	OVS_PRIO_FROM_APP = 250,
	OVS_PRIO_DIRECT = 200,
	OVS_PRIO_NORMAL = 0,
};

/* What the flows are built from. port_no: a port's OpenFlow number, 0
 * when it is not on the bridge. */
struct ovs_model {
	const struct tof_service_config *svcs; /* sorted by name */
	uint32_t n_svcs;
	const struct tof_chain_config *chains;
	uint32_t n_chains;
	const char *own_port;
	uint32_t (*port_no)(void *ctx, const char *name);
	void *ctx;
	const char *const *marked; /* ports marked as hops on the bridge */
	uint32_t n_marked;
};

#define OVS_MISSING_MAX 512

struct ovs_flowset {
	struct ofp_flow *flows;
	uint32_t n, cap;
	uint32_t *hop_ports;       /* OpenFlow numbers of hop ports present */
	uint32_t n_hop_ports;
	uint32_t n_degraded;       /* services held at drop for a missing port */
	char missing[OVS_MISSING_MAX]; /* "fw0-in (chain fw), app9 (service x)" */
	bool oom;
};

void ovs_flowset_free(struct ovs_flowset *s);

/* The flows for m. 0, or -1 when out of memory. */
int ovs_flows_build(const struct ovs_model *m, struct ovs_flowset *out);

/* The cookie of each service in m (same order), as ovs_flows_build gives
 * them: stable for a name, unique among the services. */
void ovs_flows_cookies(const struct ovs_model *m, uint64_t *cookies);

/* The change from have (the switch's flows with our cookie tag) to want,
 * as flow mods into a bundle (xids from *xid on). Returns the number of
 * flow mods (0: nothing to do); *added, *changed, *removed count them. */
struct ofp_buf;
uint32_t ovs_flows_diff(const struct ovs_flowset *want, const struct ofp_flow *have,
			uint32_t n_have, struct ofp_buf *b, uint32_t bundle_id, uint32_t *xid,
			uint32_t counts[3]);

#endif
