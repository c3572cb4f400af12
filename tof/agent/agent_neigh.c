/* ARP and Neighbour Discovery on the apps port. Apps are unmodified Linux
 * hosts whose route to the UEs points at a gateway address the TOF owns
 * (apps_gateway): the TOF answers for those addresses only, so it never
 * competes with the subnet's real hosts (its router, DNS, the apps
 * themselves). It learns an app's MAC only from the answer to its own
 * request, or from the service's applicationMAC. */
#include <string.h>

#include "agent_internal.h"
#include "csum.h"
#include "pkt.h"

#define TOF_RESOLVE_FIRST_MS 1000
#define TOF_RESOLVE_MAX_MS 60000
/* A learned MAC is checked this often (an app restarted with a new one). */
#define TOF_RESOLVE_REFRESH_MS 60000ULL
/* At most one question to an app per this long, whatever prompts it. */
#define TOF_RESOLVE_MIN_GAP_NS 1000000000ULL

static void tof_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Is addr one the TOF owns on the apps port (an apps_gateway address)? */
static bool tof_agent_owns(const struct tof_agent *a, const struct gtp_addr *addr)
{
	for (unsigned int i = 0; i < a->cfg->n_apps_gw; i++)
		if (gtp_addr_eq(&a->cfg->apps_gw[i], addr))
			return true;
	return false;
}

/* Our gateway address of a family, or NULL. */
static const struct gtp_addr *tof_agent_gw(const struct tof_agent *a, uint8_t family)
{
	for (unsigned int i = 0; i < a->cfg->n_apps_gw; i++)
		if (a->cfg->apps_gw[i].family == family)
			return &a->cfg->apps_gw[i];
	return NULL;
}

/* An answer about app's MAC: believed only if we asked that app and have
 * not had our answer yet (never from gratuitous ARP, unsolicited NAs or
 * the app's ordinary frames, which anyone on the subnet can forge). */
static void tof_agent_answer_mac(struct tof_agent *a, const struct gtp_addr *app,
				 const uint8_t mac[6], uint64_t now_ns)
{
	uint32_t svc = tof_service_find_app(a->t, app);
	const struct tof_service *sv;

	if (svc == TOF_NO_SLOT || a->resolve[svc].asked_ns == 0 ||
	    a->resolve[svc].generation != a->t->services[svc].generation) {
		a->events[TOF_EV_APP_MAC_UNSOLICITED]++;
		return;
	}
	a->resolve[svc].asked_ns = 0;
	a->resolve[svc].next_ns = now_ns + TOF_RESOLVE_REFRESH_MS * 1000000ULL;
	sv = &a->t->services[svc];
	if (sv->mac_configured)
		return;
	if (!sv->has_app_mac || memcmp(sv->app_mac, mac, 6) != 0) {
		tof_service_set_mac(a->t, svc, mac);
		a->events[TOF_EV_APP_MAC_LEARNED]++;
	}
}

void tof_agent_arp(struct tof_agent *a, const uint8_t *frame, size_t len, uint64_t now_ns)
{
	struct pkt_l2 l2;
	struct gtp_addr spa, tpa;
	uint8_t out[64];

	if (pkt_parse_l2(frame, len, PKT_L2_ETH, &l2) != PKT_OK || len < l2.l3_off + 28u) {
		a->events[TOF_EV_PUNT_IGNORED]++;
		return;
	}
	const uint8_t *arp = frame + l2.l3_off;
	/* Ethernet/IPv4 requests and replies only. */
	if (arp[0] != 0 || arp[1] != 1 || arp[2] != 0x08 || arp[3] != 0 || arp[4] != 6 ||
	    arp[5] != 4 || arp[6] != 0 || (arp[7] != 1 && arp[7] != 2)) {
		a->events[TOF_EV_PUNT_IGNORED]++;
		return;
	}
	gtp_addr_set4(&spa, arp + 14);
	gtp_addr_set4(&tpa, arp + 24);
	if (arp[7] == 2) {
		/* An answer to our own request carries our MAC as its target. */
		if (memcmp(arp + 18, a->cfg->apps_mac, 6) == 0 && !gtp_addr_eq(&spa, &tpa))
			tof_agent_answer_mac(a, &spa, arp + 8, now_ns);
		else
			a->events[TOF_EV_APPS_NEIGH_IGNORED]++;
		return;
	}
	/* Requests: only for an address of ours, and never a gratuitous one. */
	if (!tof_agent_owns(a, &tpa) || gtp_addr_eq(&spa, &tpa)) {
		a->events[TOF_EV_APPS_NEIGH_IGNORED]++;
		return;
	}
	/* Reply keeps the request's VLAN tags: copy its link header. */
	memcpy(out, frame, l2.l3_off);
	memcpy(out, arp + 8, 6);
	memcpy(out + 6, a->cfg->apps_mac, 6);
	uint8_t *r = out + l2.l3_off;
	memcpy(r, arp, 6);
	r[6] = 0, r[7] = 2;
	memcpy(r + 8, a->cfg->apps_mac, 6);
	memcpy(r + 14, arp + 24, 4);
	memcpy(r + 18, arp + 8, 6);
	memcpy(r + 24, arp + 14, 4);
	size_t n = l2.l3_off + 28u;
	if (n < 60) {
		memset(out + n, 0, 60 - n);
		n = 60;
	}
	a->events[TOF_EV_ARP_REPLIED]++;
	if (a->emit != NULL)
		a->emit(a->emit_ctx, TOF_PORT_APPS, out, n, now_ns);
}

/* The target link-layer address option of a Neighbour Advertisement
 * (options from offset 24 of the ICMPv6 message), or NULL. */
static const uint8_t *tof_nd_tlla(const uint8_t *icmp, size_t len)
{
	size_t off = 24;

	while (off + 8 <= len) {
		size_t olen = (size_t)icmp[off + 1] * 8;
		if (olen == 0 || off + olen > len)
			return NULL;
		if (icmp[off] == 2 && olen == 8)
			return icmp + off + 2;
		off += olen;
	}
	return NULL;
}

/* Answer a Neighbour Solicitation for one of our addresses: unicast with
 * the solicited flag, or to all nodes for duplicate address detection (so
 * a host that wants our address learns it is taken). */
static void tof_agent_na_send(struct tof_agent *a, const uint8_t *frame, const struct pkt_l2 *l2,
			      const struct pkt_ip *ip, const struct gtp_addr *target,
			      uint64_t now_ns)
{
	static const uint8_t all_nodes[16] = {0xff, 0x02, [15] = 1};
	static const uint8_t all_nodes_mac[6] = {0x33, 0x33, 0, 0, 0, 1};
	bool dad = ip->src.family == GTP_AF_INET6 && !gtp_addr_is_unicast(&ip->src);
	struct gtp_addr dst;
	uint8_t out[128];

	if (dad)
		gtp_addr_set6(&dst, all_nodes);
	else
		dst = ip->src;
	memcpy(out, frame, l2->l3_off);
	memcpy(out, dad ? all_nodes_mac : frame + 6, 6);
	memcpy(out + 6, a->cfg->apps_mac, 6);
	uint8_t *na = out + l2->l3_off + PKT_IPV6_HLEN;
	memset(na, 0, 32);
	na[0] = 136;
	na[4] = dad ? 0xa0 : 0xe0; /* router + (solicited) + override */
	memcpy(na + 8, target->b, 16);
	na[24] = 2; /* target link-layer address */
	na[25] = 1;
	memcpy(na + 26, a->cfg->apps_mac, 6);
	pkt_build_ipv6(out + l2->l3_off, target, &dst, PKT_PROTO_ICMPV6, 255, 32);
	uint16_t c = csum_l4(target, &dst, PKT_PROTO_ICMPV6, na, 32);
	memcpy(na + 2, &c, 2);
	tof_put16(out + l2->proto_off, PKT_ETHERTYPE_IPV6);
	a->events[TOF_EV_ND_REPLIED]++;
	if (a->emit != NULL)
		a->emit(a->emit_ctx, TOF_PORT_APPS, out, l2->l3_off + PKT_IPV6_HLEN + 32u, now_ns);
}

void tof_agent_nd(struct tof_agent *a, const uint8_t *frame, size_t len, uint64_t now_ns)
{
	struct pkt_l2 l2;
	struct pkt_ip ip;
	struct gtp_addr target;

	if (pkt_parse_l2(frame, len, PKT_L2_ETH, &l2) != PKT_OK ||
	    pkt_parse_ip(frame + l2.l3_off, len - l2.l3_off, &ip) != PKT_OK ||
	    ip.family != GTP_AF_INET6 || ip.proto != PKT_PROTO_ICMPV6 || ip.l4_len < 24 ||
	    ip.ttl != 255 || (size_t)l2.l3_off + ip.l4_off + ip.l4_len > len) {
		a->events[TOF_EV_PUNT_IGNORED]++;
		return;
	}
	const uint8_t *icmp = frame + l2.l3_off + ip.l4_off;
	gtp_addr_set6(&target, icmp + 8);
	if (icmp[0] == 136) {
		/* An advertisement: only an answer to our own solicitation
		 * for an app, with the app's link-layer address in it. */
		const uint8_t *mac = tof_nd_tlla(icmp, ip.l4_len);
		if (mac != NULL && icmp[1] == 0)
			tof_agent_answer_mac(a, &target, mac, now_ns);
		else
			a->events[TOF_EV_APPS_NEIGH_IGNORED]++;
		return;
	}
	if (icmp[0] != 135 || icmp[1] != 0 || !tof_agent_owns(a, &target)) {
		a->events[TOF_EV_APPS_NEIGH_IGNORED]++;
		return;
	}
	tof_agent_na_send(a, frame, &l2, &ip, &target, now_ns);
}


/* ARP request for the app's address: from our gateway address if we have
 * one (the app learns our MAC too), else an ARP probe (sender 0.0.0.0,
 * RFC 5227), which the app answers without an address of ours. */
static size_t tof_agent_arp_request(const struct tof_agent *a, const struct gtp_addr *ip,
				    uint8_t *out)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};
	const struct gtp_addr *gw = tof_agent_gw(a, GTP_AF_INET);

	memset(out, 0, 60);
	pkt_build_eth(out, bcast, a->cfg->apps_mac, PKT_ETHERTYPE_ARP);
	memcpy(out + 14, hdr, 8);
	memcpy(out + 22, a->cfg->apps_mac, 6);
	if (gw != NULL)
		memcpy(out + 28, gw->b, 4);
	memcpy(out + 38, ip->b, 4);
	return 60;
}

/* Neighbour Solicitation to the app's solicited-node group: from our
 * gateway address with our link-layer address (the app answers us), else
 * from :: as in duplicate address detection (the app answers all nodes). */
static size_t tof_agent_ns_request(const struct tof_agent *a, const struct gtp_addr *ip,
				   uint8_t *out)
{
	const struct gtp_addr *gw = tof_agent_gw(a, GTP_AF_INET6);
	struct gtp_addr src, dst;
	uint8_t mc[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
	uint8_t mac[6] = {0x33, 0x33, 0xff};
	size_t len = gw != NULL ? 32 : 24;

	memcpy(mc + 13, ip->b + 13, 3);
	memcpy(mac + 3, ip->b + 13, 3);
	memset(&src, 0, sizeof(src));
	src.family = GTP_AF_INET6;
	if (gw != NULL)
		src = *gw;
	gtp_addr_set6(&dst, mc);
	pkt_build_eth(out, mac, a->cfg->apps_mac, PKT_ETHERTYPE_IPV6);
	uint8_t *ns = out + 14 + PKT_IPV6_HLEN;
	memset(ns, 0, len);
	ns[0] = 135;
	memcpy(ns + 8, ip->b, 16);
	if (gw != NULL) {
		ns[24] = 1; /* source link-layer address */
		ns[25] = 1;
		memcpy(ns + 26, a->cfg->apps_mac, 6);
	}
	pkt_build_ipv6(out + 14, &src, &dst, PKT_PROTO_ICMPV6, 255, (uint16_t)len);
	uint16_t c = csum_l4(&src, &dst, PKT_PROTO_ICMPV6, ns, len);
	memcpy(ns + 2, &c, 2);
	return 14 + PKT_IPV6_HLEN + len;
}

static void tof_agent_ask_app(struct tof_agent *a, uint32_t svc, uint64_t now_ns)
{
	const struct tof_service *sv = &a->t->services[svc];
	uint8_t out[128];
	size_t n = sv->app_ip.family == GTP_AF_INET6 ? tof_agent_ns_request(a, &sv->app_ip, out) :
						       tof_agent_arp_request(a, &sv->app_ip, out);

	a->resolve[svc].asked_ns = now_ns;
	a->resolve[svc].last_ask_ns = now_ns;
	a->events[TOF_EV_APP_RESOLVE_SENT]++;
	if (a->emit != NULL)
		a->emit(a->emit_ctx, TOF_PORT_APPS, out, n, now_ns);
}

uint64_t tof_agent_resolve_apps(struct tof_agent *a, uint64_t now_ns)
{
	const struct tof_tables *t = a->t;
	uint64_t next = UINT64_MAX;

	/* A service added or changed since the last look starts afresh
	 * (tof_agent_services_changed brings the look forward). */
	for (uint32_t i = 0; i < t->max_services; i++) {
		const struct tof_service *sv = &t->services[i];
		struct tof_app_resolve *r = &a->resolve[i];
		if (!sv->in_use || sv->mac_configured)
			continue;
		if (r->generation != sv->generation || r->wait_ms == 0) {
			r->generation = sv->generation;
			r->wait_ms = TOF_RESOLVE_FIRST_MS;
			r->next_ns = now_ns;
			r->asked_ns = 0;
		}
		if (now_ns >= r->next_ns) {
			tof_agent_ask_app(a, i, now_ns);
			if (sv->has_app_mac) {
				/* Known: only checked now and then. */
				r->next_ns = now_ns + TOF_RESOLVE_REFRESH_MS * 1000000ULL;
			} else {
				r->next_ns = now_ns + (uint64_t)r->wait_ms * 1000000ULL;
				r->wait_ms = r->wait_ms * 2 > TOF_RESOLVE_MAX_MS ?
						     TOF_RESOLVE_MAX_MS : r->wait_ms * 2;
			}
		}
		if (r->next_ns < next)
			next = r->next_ns;
	}
	return next;
}

void tof_agent_resolve_soon(struct tof_agent *a, uint32_t svc, uint64_t now_ns)
{
	struct tof_app_resolve *r = &a->resolve[svc];
	uint64_t when = now_ns;

	if (r->last_ask_ns != 0 && r->last_ask_ns + TOF_RESOLVE_MIN_GAP_NS > when)
		when = r->last_ask_ns + TOF_RESOLVE_MIN_GAP_NS;
	if (r->generation == a->t->services[svc].generation && r->next_ns > when)
		r->next_ns = when;
	if (a->next_resolve_ns > when)
		a->next_resolve_ns = when;
}

void tof_agent_services_changed(struct tof_agent *a)
{
	a->next_resolve_ns = 0;
}
