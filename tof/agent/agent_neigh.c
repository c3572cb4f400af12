/* Proxy ARP and Neighbour Discovery on the apps port. Apps are unmodified
 * Linux hosts: their route to the UEs points at a gateway (or is on-link),
 * and the TOF answers for it with the apps port's MAC. Only registered apps
 * are answered, and never for an app's own address (duplicate address
 * detection must not succeed). */
#include <string.h>

#include "agent_internal.h"
#include "csum.h"
#include "pkt.h"

static void tof_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Is addr a registered app (and so someone we answer)? */
static bool tof_agent_is_app(struct tof_agent *a, const struct gtp_addr *addr)
{
	return tof_service_find_app(a->t, addr) != TOF_NO_SLOT;
}

static void tof_agent_note_app_mac(struct tof_agent *a, const struct gtp_addr *app,
				   const uint8_t mac[6])
{
	uint32_t svc = tof_service_find_app(a->t, app);
	const struct tof_service *sv;

	if (svc == TOF_NO_SLOT)
		return;
	sv = &a->t->services[svc];
	if (!sv->mac_configured && (!sv->has_app_mac || memcmp(sv->app_mac, mac, 6) != 0)) {
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
		/* An answer to our resolution (or a gratuitous one). */
		tof_agent_note_app_mac(a, &spa, arp + 8);
		return;
	}
	if (!tof_agent_is_app(a, &spa) || gtp_addr_eq(&spa, &tpa) || tof_agent_is_app(a, &tpa))
		return;
	tof_agent_note_app_mac(a, &spa, arp + 8);

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

void tof_agent_nd(struct tof_agent *a, const uint8_t *frame, size_t len, uint64_t now_ns)
{
	struct pkt_l2 l2;
	struct pkt_ip ip;
	struct gtp_addr target;
	uint8_t out[128];

	if (pkt_parse_l2(frame, len, PKT_L2_ETH, &l2) != PKT_OK ||
	    pkt_parse_ip(frame + l2.l3_off, len - l2.l3_off, &ip) != PKT_OK ||
	    ip.family != GTP_AF_INET6 || ip.proto != PKT_PROTO_ICMPV6 || ip.l4_len < 24 ||
	    ip.ttl != 255) {
		a->events[TOF_EV_PUNT_IGNORED]++;
		return;
	}
	const uint8_t *ns = frame + l2.l3_off + ip.l4_off;
	gtp_addr_set6(&target, ns + 8);
	/* DAD (from ::) and solicitations from strangers get no answer. */
	if (!tof_agent_is_app(a, &ip.src) || tof_agent_is_app(a, &target) ||
	    gtp_addr_eq(&target, &ip.src))
		return;
	tof_agent_note_app_mac(a, &ip.src, frame + 6);

	memcpy(out, frame, l2.l3_off);
	memcpy(out, frame + 6, 6);
	memcpy(out + 6, a->cfg->apps_mac, 6);
	uint8_t *na = out + l2.l3_off + PKT_IPV6_HLEN;
	memset(na, 0, 32);
	na[0] = 136;
	na[4] = 0x60; /* solicited + override */
	memcpy(na + 8, target.b, 16);
	na[24] = 2; /* target link-layer address */
	na[25] = 1;
	memcpy(na + 26, a->cfg->apps_mac, 6);
	pkt_build_ipv6(out + l2.l3_off, &target, &ip.src, PKT_PROTO_ICMPV6, 255, 32);
	uint16_t c = csum_l4(&target, &ip.src, PKT_PROTO_ICMPV6, na, 32);
	memcpy(na + 2, &c, 2);
	tof_put16(out + l2.proto_off, PKT_ETHERTYPE_IPV6);
	a->events[TOF_EV_ND_REPLIED]++;
	if (a->emit != NULL)
		a->emit(a->emit_ctx, TOF_PORT_APPS, out, l2.l3_off + PKT_IPV6_HLEN + 32u, now_ns);
}

#define TOF_RESOLVE_FIRST_MS 1000
#define TOF_RESOLVE_MAX_MS 60000

/* ARP probe (sender 0.0.0.0, RFC 5227): the app answers without needing an
 * address of ours on its subnet. */
static size_t tof_agent_arp_request(const struct tof_agent *a, const struct gtp_addr *ip,
				    uint8_t *out)
{
	static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t hdr[8] = {0, 1, 8, 0, 6, 4, 0, 1};

	memset(out, 0, 60);
	pkt_build_eth(out, bcast, a->cfg->apps_mac, PKT_ETHERTYPE_ARP);
	memcpy(out + 14, hdr, 8);
	memcpy(out + 22, a->cfg->apps_mac, 6);
	memcpy(out + 38, ip->b, 4);
	return 60;
}

/* Neighbour Solicitation from :: to the app's solicited-node group, as in
 * duplicate address detection: the app answers to all nodes. */
static size_t tof_agent_ns_request(const struct tof_agent *a, const struct gtp_addr *ip,
				   uint8_t *out)
{
	struct gtp_addr src, dst;
	uint8_t mc[16] = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff};
	uint8_t mac[6] = {0x33, 0x33, 0xff};

	memcpy(mc + 13, ip->b + 13, 3);
	memcpy(mac + 3, ip->b + 13, 3);
	memset(&src, 0, sizeof(src));
	src.family = GTP_AF_INET6;
	gtp_addr_set6(&dst, mc);
	pkt_build_eth(out, mac, a->cfg->apps_mac, PKT_ETHERTYPE_IPV6);
	uint8_t *ns = out + 14 + PKT_IPV6_HLEN;
	memset(ns, 0, 24);
	ns[0] = 135;
	memcpy(ns + 8, ip->b, 16);
	pkt_build_ipv6(out + 14, &src, &dst, PKT_PROTO_ICMPV6, 255, 24);
	uint16_t c = csum_l4(&src, &dst, PKT_PROTO_ICMPV6, ns, 24);
	memcpy(ns + 2, &c, 2);
	return 14 + PKT_IPV6_HLEN + 24;
}

uint64_t tof_agent_resolve_apps(struct tof_agent *a, uint64_t now_ns)
{
	const struct tof_tables *t = a->t;
	uint64_t next = UINT64_MAX;
	uint8_t out[128];

	/* A service added or changed since the last look starts afresh
	 * (tof_agent_services_changed brings the look forward). */
	for (uint32_t i = 0; i < t->max_services; i++) {
		const struct tof_service *sv = &t->services[i];
		struct tof_app_resolve *r = &a->resolve[i];
		if (!sv->in_use || sv->has_app_mac || sv->mac_configured)
			continue;
		if (r->generation != sv->generation || r->wait_ms == 0) {
			r->generation = sv->generation;
			r->wait_ms = TOF_RESOLVE_FIRST_MS;
			r->next_ns = now_ns;
		}
		if (now_ns >= r->next_ns) {
			size_t n = sv->app_ip.family == GTP_AF_INET6 ?
					   tof_agent_ns_request(a, &sv->app_ip, out) :
					   tof_agent_arp_request(a, &sv->app_ip, out);
			a->events[TOF_EV_APP_RESOLVE_SENT]++;
			if (a->emit != NULL)
				a->emit(a->emit_ctx, TOF_PORT_APPS, out, n, now_ns);
			r->next_ns = now_ns + (uint64_t)r->wait_ms * 1000000ULL;
			r->wait_ms = r->wait_ms * 2 > TOF_RESOLVE_MAX_MS ? TOF_RESOLVE_MAX_MS :
									  r->wait_ms * 2;
		}
		if (r->next_ns < next)
			next = r->next_ns;
	}
	return next;
}

void tof_agent_services_changed(struct tof_agent *a)
{
	a->next_resolve_ns = 0;
}
