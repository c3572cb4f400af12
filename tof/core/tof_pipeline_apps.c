/* The apps half of the packet walk: an app's reply is SNATed back to the
 * service IP and encapsulated into the UE's downlink tunnel. */
#include <string.h>

#include "tof_encap.h"
#include "tof_pipeline.h"
#include "tof_worker.h"

/* What the reply path needs of the tables, copied inside a read section. */
struct tof_apps_view {
	uint32_t svc;
	struct gtp_addr service_ip;
	uint8_t app_mac[6];
	bool mac_known;
	uint32_t slot;
	uint8_t flags;
	uint8_t qfi;
	struct gtp_addr enb, sgw;
	uint32_t dl_teid;
	struct tof_l2_tmpl l2;          /* the downlink's, or the uplink's */
	bool l2_from_uplink;            /* MACs to swap */
};

static void tof_apps_lookup(const struct tof_tables *t, const struct pkt_ip *ip,
			    struct tof_apps_view *v)
{
	uint32_t seq;

	do {
		seq = tof_read_begin(t);
		v->svc = tof_service_find_app(t, &ip->src);
		if (v->svc != TOF_NO_SLOT) {
			const struct tof_service *sv = &t->services[v->svc];
			v->service_ip = sv->service_ip;
			v->mac_known = sv->has_app_mac || sv->mac_configured;
			memcpy(v->app_mac, sv->app_mac, 6);
		}
		v->slot = tof_session_find_ue(t, &ip->dst);
		if (v->slot != TOF_NO_SLOT) {
			const struct tof_session *s = &t->sessions[v->slot];
			v->flags = s->flags;
			v->qfi = s->qfi;
			v->enb = s->enb;
			v->sgw = s->sgw;
			v->dl_teid = s->dl_teid;
			v->l2_from_uplink = s->dl_l2.len == 0;
			v->l2 = v->l2_from_uplink ? s->ul_l2 : s->dl_l2;
		}
	} while (tof_read_retry(t, seq));
}

enum tof_reason tof_apps_parse(const struct tof_pipeline *pl, const struct tof_frame *f,
			       struct tof_apps_pkt *a)
{
	const uint8_t *frame = f->buf + f->off;

	if (pkt_parse_l2(frame, f->len, pl->l2[TOF_PORT_APPS], &a->l2) != PKT_OK)
		return TOF_R_APPS_MALFORMED;
	if (a->l2.ethertype == PKT_ETHERTYPE_ARP)
		return TOF_R_APPS_ARP;
	if (a->l2.ethertype != PKT_ETHERTYPE_IPV4 && a->l2.ethertype != PKT_ETHERTYPE_IPV6)
		return TOF_R_APPS_NOT_IP;
	if (pkt_parse_ip(frame + a->l2.l3_off, f->len - a->l2.l3_off, &a->ip) != PKT_OK)
		return TOF_R_APPS_MALFORMED;
	/* (Test the ethertype, not ip.family: the parser just wrote that byte
	 * next to ip.proto and a merged 16-bit read would stall.) */
	if (a->l2.ethertype == PKT_ETHERTYPE_IPV6 && a->ip.proto == PKT_PROTO_ICMPV6 &&
	    a->ip.l4_len >= 24) {
		uint8_t type = frame[a->l2.l3_off + a->ip.l4_off];
		if (type == 135 || type == 136) /* solicitation, advertisement */
			return TOF_R_APPS_ND;
	}
	return TOF_R_APPS_REPLY;
}

void tof_pipeline_apps(const struct tof_pipeline *pl, struct tof_worker *w, struct tof_frame *f,
		       uint64_t now_ns, const struct tof_apps_pkt *a, enum tof_reason parsed,
		       struct tof_result *res)
{
	const uint8_t *frame = f->buf + f->off;
	const struct pkt_l2 l2 = a->l2;
	struct pkt_ip ip = a->ip;
	struct tof_apps_view v;

	res->dir = TOF_DIR_APPS;
	res->reason = parsed;
	switch (parsed) {
	case TOF_R_APPS_ARP:
	case TOF_R_APPS_ND:
		/* Neighbour resolution: the agent answers for its gateway
		 * addresses and hears the apps' answers to its own requests. */
		res->verdict = TOF_V_CONSUME;
		res->punted = tof_worker_punt(pl, w, frame, f->len, TOF_PORT_APPS, parsed, now_ns);
		return;
	case TOF_R_APPS_REPLY:
		break;
	default:
		res->verdict = TOF_V_DROP;
		return;
	}
	res->verdict = TOF_V_DROP;
	tof_apps_lookup(pl->tables, &ip, &v);
	if (v.svc == TOF_NO_SLOT) {
		res->reason = TOF_R_APPS_UNKNOWN_SRC;
		return;
	}
	res->reason = TOF_R_APPS_REPLY;
	res->service = v.svc;
	res->session = v.slot;
	/* The app's frames come from a MAC we do not know for it: the agent
	 * asks the app (its frames alone could be anyone's). */
	bool mac_news = pl->l2[TOF_PORT_APPS] == PKT_L2_ETH &&
			(!v.mac_known || memcmp(v.app_mac, frame + 6, 6) != 0);
	if (v.slot == TOF_NO_SLOT) {
		res->reason = TOF_R_APPS_NO_SESSION;
	} else if (!(v.flags & TOF_SESS_DL)) {
		/* Make sure the pinger runs for this UE. */
		res->reason = TOF_R_APPS_NO_DOWNLINK;
		mac_news = true;
	}
	if (mac_news)
		res->punted = tof_worker_punt(pl, w, frame, f->len, TOF_PORT_APPS, res->reason,
					      now_ns);
	if (res->reason != TOF_R_APPS_REPLY)
		return;

	enum tof_port out = tof_pipeline_port_towards(pl, TOF_DIR_DOWNLINK);
	struct tof_encap_params ep = {
		.src = v.sgw,
		.dst = v.enb,
		.teid = v.dl_teid,
		.with_qfi = (v.flags & TOF_SESS_QFI) != 0,
		.pdu_type = 0,
		.qfi = v.qfi,
		.l2 = &v.l2,
		.swap_macs = v.l2_from_uplink,
		.l2_type = pl->l2[out],
		.ttl = pl->cfg->encap_ttl,
		.ip_id = w->ip_id++,
		.mtu = pl->cfg->s1_mtu,
	};
	uint32_t outer = tof_encap_outer_len(&ep);
	if (ip.tot_len + outer > ep.mtu) {
		/* the app hears what fits (its packet as it sent it) */
		tof_apps_too_big(pl, w, f, &l2, &ip, &v.service_ip, (uint16_t)(ep.mtu - outer),
				 now_ns, res);
		return;
	}
	uint8_t *ipb = f->buf + f->off + l2.l3_off;
	pkt_nat_rewrite(ipb, &ip, PKT_NAT_SRC, &v.service_ip);
	struct tof_frame g = *f;
	g.off += l2.l3_off;
	g.len = ip.tot_len;
	enum tof_reason why = tof_encap_prepend(&g, &ep);
	if (why != TOF_R__COUNT) {
		/* Undo nothing: the frame is dropped. */
		res->reason = why;
		return;
	}
	*f = g;
	w->svc[v.svc].dl_pkts++;
	w->svc[v.svc].dl_bytes += ip.tot_len;
	res->verdict = TOF_V_ENCAP;
	res->reason = TOF_R_APPS_REPLY;
	res->out_port = out;
}
