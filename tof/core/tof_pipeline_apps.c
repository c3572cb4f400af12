/* The apps half of the packet walk: an app's reply is SNATed back to the
 * service IP and encapsulated into the UE's downlink tunnel. */
#include <string.h>

#include "tof_encap.h"
#include "tof_pipeline.h"
#include "tof_worker.h"

enum tof_reason tof_apps_parse(const struct tof_pipeline *pl, const struct tof_frame *f,
			       struct tof_apps_pkt *a)
{
	const uint8_t *frame = f->buf + f->off;

	a->has_sig = false;
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
	const struct tof_tables *t = pl->tables;
	const struct tof_svc_hot *sv = tof_svc_find_app(t, &ip.src);
	if (sv == NULL) {
		res->reason = TOF_R_APPS_UNKNOWN_SRC;
		return;
	}
	uint32_t sig = a->has_sig ? a->ue_sig : tof_ue_sig(t, &ip.dst);
	const struct tof_sess_hot *h = tof_hot_find_ue(t, &ip.dst, sig);
	res->reason = TOF_R_APPS_REPLY;
	res->service = sv->id;
	/* The app's frames come from a MAC we do not know for it: the agent
	 * asks the app (its frames alone could be anyone's). It asks at most
	 * once a second, so it hears of it at most every 100 ms. */
	bool mac_news = pl->l2[TOF_PORT_APPS] == PKT_L2_ETH &&
			(!sv->has_mac || memcmp(sv->app_mac, frame + 6, 6) != 0);
	if (mac_news) {
		uint64_t *last = &w->svc_mac_news_ns[sv->id];
		if (*last != 0 && now_ns - *last < 100000000ULL)
			mac_news = false;
		else
			*last = now_ns ? now_ns : 1;
	}
	if (h == NULL) {
		res->reason = TOF_R_APPS_NO_SESSION;
	} else {
		res->session = h->id;
		res->hot = h;
		if (!(h->flags & TOF_SESS_DL) || h->outer.len == 0) {
			/* Make sure the pinger runs for this UE (if there is
			 * one: else the agent could do nothing with it). */
			res->reason = TOF_R_APPS_NO_DOWNLINK;
			mac_news = mac_news || pl->cfg->pinger_policy != TOF_PINGER_OFF;
		}
	}
	if (mac_news)
		res->punted = tof_worker_punt(pl, w, frame, f->len, TOF_PORT_APPS, res->reason,
					      now_ns);
	if (res->reason != TOF_R_APPS_REPLY)
		return;

	enum tof_port out = tof_pipeline_port_towards(pl, TOF_DIR_DOWNLINK);
	uint32_t outer = h->outer.len;
	if (ip.tot_len + outer > pl->cfg->s1_mtu) {
		/* the app hears what fits (its packet as it sent it) */
		tof_apps_too_big(pl, w, f, &l2, &ip, &sv->service_ip,
				 (uint16_t)(pl->cfg->s1_mtu - outer), now_ns, res);
		return;
	}
	uint8_t *ipb = f->buf + f->off + l2.l3_off;
	pkt_nat_rewrite(ipb, &ip, PKT_NAT_SRC, &sv->service_ip);
	struct tof_frame g = *f;
	g.off += l2.l3_off;
	g.len = ip.tot_len;
	enum tof_reason why = tof_encap_hot(&g, h, pl->l2[out], w->ip_id++, pl->cfg->s1_mtu);
	if (why != TOF_R__COUNT) {
		/* Undo nothing: the frame is dropped. */
		res->reason = why;
		return;
	}
	*f = g;
	w->svc[sv->id].dl_pkts++;
	w->svc[sv->id].dl_bytes += ip.tot_len;
	res->verdict = TOF_V_ENCAP;
	res->reason = TOF_R_APPS_REPLY;
	res->out_port = out;
}
