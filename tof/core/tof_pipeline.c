/* The S1 half of the packet walk (DESIGN.md): uplink and downlink G-PDUs,
 * GTP-U path messages, and everything else passed through byte for byte. */
#include <string.h>

#include "pinger.h"
#include "tof_classify.h"
#include "tof_pipeline.h"
#include "tof_worker.h"

static const uint8_t tof_bcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

enum tof_port tof_pipeline_peer_port(const struct tof_pipeline *pl, enum tof_port in)
{
	(void)pl;
	switch (in) {
	case TOF_PORT_ENB:
		return TOF_PORT_SGW;
	case TOF_PORT_SGW:
		return TOF_PORT_ENB;
	default:
		return in;
	}
}

enum tof_port tof_pipeline_port_towards(const struct tof_pipeline *pl, enum tof_dir dir)
{
	if (pl->cfg->mode == TOF_MODE_SINGLE)
		return TOF_PORT_S1;
	return dir == TOF_DIR_UPLINK ? TOF_PORT_SGW : TOF_PORT_ENB;
}

static void tof_result_set(struct tof_result *res, enum tof_verdict v, enum tof_reason r)
{
	res->verdict = v;
	res->reason = r;
}

/* Punt (if the budget allows) and keep the reason; a refused punt turns
 * the reason into punt_rate_limited. */
static void tof_punt_as(const struct tof_pipeline *pl, struct tof_worker *w,
			const struct tof_frame *f, enum tof_port in, enum tof_reason why,
			uint64_t now_ns, struct tof_result *res)
{
	if (tof_worker_punt(pl, w, f->buf + f->off, f->len, in, why, now_ns)) {
		res->punted = true;
		res->reason = why;
	} else {
		res->reason = TOF_R_PUNT_RATE_LIMITED;
	}
}

/* Decapsulate, DNAT to the application, and put an Ethernet header on for
 * the apps port. */
static void tof_offload(const struct tof_pipeline *pl, struct tof_frame *f, struct tof_s1_pkt *p,
			const struct gtp_addr *app_ip, const uint8_t *app_mac)
{
	uint8_t *inner = f->buf + f->off + p->inner_off;

	pkt_nat_rewrite(inner, &p->inner, PKT_NAT_DST, app_ip);
	f->off += p->inner_off - PKT_ETH_HLEN;
	f->len = p->inner.tot_len + PKT_ETH_HLEN;
	pkt_build_eth(f->buf + f->off, app_mac, pl->cfg->apps_mac,
		      p->inner.family == GTP_AF_INET6 ? PKT_ETHERTYPE_IPV6 : PKT_ETHERTYPE_IPV4);
}

/* Hand the frame itself to the agent (as TOF_R_UL_FIRST), which decides
 * where it goes: a first packet to a service must not leak to the core. It
 * counts under `why` here; if the budget refuses, it is forwarded
 * unchanged under `refused`. */
static void tof_hand_over(const struct tof_pipeline *pl, struct tof_worker *w,
			  const struct tof_frame *f, enum tof_port in, enum tof_reason why,
			  enum tof_reason refused, uint64_t now_ns, struct tof_result *res)
{
	if (tof_worker_punt(pl, w, f->buf + f->off, f->len, in, TOF_R_UL_FIRST, now_ns)) {
		tof_result_set(res, TOF_V_CONSUME, why);
		res->punted = true;
		res->handed_over = true;
	} else {
		tof_result_set(res, TOF_V_PASS, refused);
	}
}

static void tof_uplink(const struct tof_pipeline *pl, struct tof_worker *w, struct tof_frame *f,
		       enum tof_port in, struct tof_s1_pkt *p, uint64_t now_ns,
		       struct tof_result *res)
{
	const struct tof_tables *t = pl->tables;
	uint32_t sig = p->has_sig ? p->tun_sig : tof_tunnel_sig(t, &p->outer.dst, p->gtp.teid);
	const struct tof_sess_hot *h = tof_hot_find_ul(t, &p->outer.dst, p->gtp.teid, sig);
	const struct tof_svc_hot *sv = tof_svc_find_ip(t, &p->inner.dst);
	bool ue_src = tof_ue_addr_ok(&p->inner.src);
	/* A T-PDU with an extension we must understand and do not: we cannot
	 * act as its receiving endpoint, so it is never offloaded. */
	bool to_service = sv != NULL && !p->gtp.ext_unknown_required;

	if (h == NULL) {
		if (to_service && ue_src) {
			tof_hand_over(pl, w, f, in, TOF_R_UL_FIRST, TOF_R_UL_FIRST_PASSED, now_ns, res);
			return;
		}
		tof_result_set(res, TOF_V_PASS, TOF_R_UL_UNKNOWN);
		tof_punt_as(pl, w, f, in, TOF_R_UL_UNKNOWN, now_ns, res);
		return;
	}
	res->session = h->id;
	res->hot = h;
	tof_result_set(res, TOF_V_PASS, TOF_R_UL_KNOWN);
	if (!tof_hot_has_ue(h, &p->inner.src)) {
		/* Not the session's address: passed to the core, which drops
		 * what it did not assign; never offloaded. The agent weighs
		 * the claim (a dual-stack UE's other address, a UE that
		 * really moved) and hands back what it accepts. */
		if (!ue_src) {
			if (to_service)
				res->reason = TOF_R_UL_SPOOFED;
			return;
		}
		if (to_service) {
			tof_hand_over(pl, w, f, in, TOF_R_UL_SPOOFED, TOF_R_UL_SPOOFED, now_ns, res);
			return;
		}
		res->reason = TOF_R_UL_SPOOFED;
		tof_punt_as(pl, w, f, in, TOF_R_UL_SPOOFED, now_ns, res);
		return;
	}
	/* Only the UE's own traffic keeps the session and the bearer alive:
	 * that is what tells a silent old tunnel from a live one. (The
	 * bearer's coarse stamp only when the session's moves, so most
	 * packets touch no third cache line.) */
	struct tof_seen *seen = (struct tof_seen *)&h->seen;
	if (tof_touch(&seen->ul_seen_ns, now_ns)) {
		int b = tof_hot_bearer(h, p->gtp.teid);
		if (b >= 0)
			tof_touch_coarse(&seen->bearer_seen[b], now_ns);
	}
	/* The tunnel is known; tell the agent what changed about it. */
	if (!gtp_addr_eq(&h->enb, &p->outer.src))
		tof_punt_as(pl, w, f, in, TOF_R_UL_HANDOVER, now_ns, res);
	if (!to_service) {
		if (sv != NULL && !res->punted)
			res->reason = TOF_R_GTP_EXT_REQUIRED;
		return;
	}
	res->service = sv->id;
	w->svc[sv->id].ul_pkts++;
	w->svc[sv->id].ul_bytes += p->inner.tot_len;
	tof_offload(pl, f, p, &sv->app_ip, sv->has_mac ? sv->app_mac : tof_bcast_mac);
	res->verdict = TOF_V_OFFLOAD;
	res->out_port = TOF_PORT_APPS;
	if (!res->punted)
		res->reason = TOF_R_UL_SERVICE;
}

static void tof_downlink(const struct tof_pipeline *pl, struct tof_worker *w, struct tof_frame *f,
			 enum tof_port in, struct tof_s1_pkt *p, uint64_t now_ns,
			 struct tof_result *res)
{
	const struct tof_tables *t = pl->tables;
	const uint8_t *inner = f->buf + f->off + p->inner_off;

	if ((p->inner.proto == PKT_PROTO_ICMP || p->inner.proto == PKT_PROTO_ICMPV6) &&
	    pinger_is_reply(&pl->pinger, inner, p->inner_avail, NULL)) {
		/* Our probe's answer: the UE never asked for it. Consumed only
		 * once the agent has it to learn from; else it goes on. */
		if (tof_worker_punt(pl, w, f->buf + f->off, f->len, in, TOF_R_DL_PINGER_REPLY,
				    now_ns)) {
			tof_result_set(res, TOF_V_CONSUME, TOF_R_DL_PINGER_REPLY);
			res->punted = true;
		} else {
			tof_result_set(res, TOF_V_PASS, TOF_R_DL_PINGER_REPLY_PASSED);
		}
		return;
	}
	uint32_t sig = p->has_sig ? p->tun_sig : tof_tunnel_sig(t, &p->outer.dst, p->gtp.teid);
	const struct tof_sess_hot *h = tof_hot_find_dl(t, &p->outer.dst, p->gtp.teid, sig);

	if (h == NULL) {
		tof_result_set(res, TOF_V_PASS, TOF_R_DL_UNKNOWN);
		tof_punt_as(pl, w, f, in, TOF_R_DL_UNKNOWN, now_ns, res);
		return;
	}
	res->session = h->id;
	res->hot = h;
	tof_touch(&((struct tof_seen *)&h->seen)->dl_seen_ns, now_ns);
	tof_result_set(res, TOF_V_PASS, TOF_R_DL_KNOWN);
	/* The core sends another address down this tunnel: its word that the
	 * address is this UE's (a re-attach, the other half of dual stack). */
	if (!tof_hot_has_ue(h, &p->inner.dst) && tof_ue_addr_ok(&p->inner.dst))
		tof_punt_as(pl, w, f, in, TOF_R_DL_NEW_UE_ADDR, now_ns, res);
}

/* Error Indication: pass it on; if it names a tunnel we know, the agent
 * removes that tunnel. From the eNB it names the eNB's (downlink) TEID,
 * from the SGW the SGW's (uplink) TEID. */
static void tof_error_ind(const struct tof_pipeline *pl, struct tof_worker *w,
			  const struct tof_frame *f, enum tof_port in, enum tof_dir dir,
			  const struct tof_s1_pkt *p, uint64_t now_ns, struct tof_result *res)
{
	const struct tof_tables *t = pl->tables;
	const uint8_t *ies = f->buf + f->off + p->gtp_off + p->gtp.hdr_len;
	struct gtp_error_ind ei;
	bool known;

	if (gtp_parse_error_ind(ies, p->gtp.msg_len - p->gtp.hdr_len, &ei) != 0)
		return;
	known = (dir != TOF_DIR_DOWNLINK &&
		 tof_hot_find_dl(t, &ei.gsn, ei.teid, tof_tunnel_sig(t, &ei.gsn, ei.teid)) != NULL) ||
		(dir != TOF_DIR_UPLINK &&
		 tof_hot_find_ul(t, &ei.gsn, ei.teid, tof_tunnel_sig(t, &ei.gsn, ei.teid)) != NULL);
	if (known)
		tof_punt_as(pl, w, f, in, TOF_R_GTP_ERROR_IND_KNOWN, now_ns, res);
}

void tof_pipeline_s1(const struct tof_pipeline *pl, struct tof_worker *w, struct tof_frame *f,
		     enum tof_port in, uint64_t now_ns, struct tof_s1_pkt *p, enum tof_class c,
		     struct tof_result *res)
{
	tof_result_set(res, TOF_V_PASS, p->reason);
	res->out_port = tof_pipeline_peer_port(pl, in);
	if (c == TOF_C_OTHER) {
		if (p->reason == TOF_R_GTP_MALFORMED)
			w->ctr.gtp_err[p->gtp_err]++;
		return;
	}
	res->dir = tof_classify_dir(pl->cfg, in, p);
	if (c == TOF_C_GTP_MSG) {
		if (p->gtp.msg_type == GTP_MSG_ERROR_IND)
			tof_error_ind(pl, w, f, in, res->dir, p, now_ns, res);
		else if (res->dir == TOF_DIR_DOWNLINK && p->gtp.msg_type == GTP_MSG_ECHO_REQ)
			/* The SGW's path management: it exists (the pinger
			 * may ask it). */
			tof_punt_as(pl, w, f, in, TOF_R_GTP_ECHO, now_ns, res);
		return;
	}
	if (res->dir == TOF_DIR_UPLINK)
		tof_uplink(pl, w, f, in, p, now_ns, res);
	else if (res->dir == TOF_DIR_DOWNLINK)
		tof_downlink(pl, w, f, in, p, now_ns, res);
	else
		res->reason = TOF_R_UNKNOWN_DIRECTION;
}

enum tof_decision tof_pipeline_decision(const struct tof_result *res)
{
	if (res->handed_over)
		return TOF_D_PUNT;
	switch (res->verdict) {
	case TOF_V_PASS:
		return res->punted ? TOF_D_PUNT : TOF_D_PASS;
	case TOF_V_OFFLOAD:
		return TOF_D_OFFLOAD;
	case TOF_V_ENCAP:
		return TOF_D_ENCAP;
	case TOF_V_CONSUME:
		return TOF_D_CONSUME;
	default: /* DROP, and REPLY: the frame was dropped and answered */
		return TOF_D_DROP;
	}
}

void tof_pipeline_count(struct tof_worker *w, enum tof_port in, uint32_t in_len,
			const struct tof_frame *f, const struct tof_result *res)
{
	struct tof_counters *c = &w->ctr;
	enum tof_decision d = tof_pipeline_decision(res);

	c->rx_pkts[in]++;
	c->rx_bytes[in] += in_len;
	c->decision_pkts[d]++;
	c->decision_bytes[d] += in_len;
	c->reason[res->reason]++;
	if (tof_result_sends(res)) {
		c->tx_pkts[res->out_port]++;
		c->tx_bytes[res->out_port] += f->len;
	}
}

void tof_pipeline_process(const struct tof_pipeline *pl, struct tof_worker *w,
			  struct tof_frame *f, enum tof_port in, uint64_t now_ns,
			  struct tof_result *res)
{
	uint32_t in_len = f->len;

	tof_result_init(res);
	if (in == TOF_PORT_APPS) {
		struct tof_apps_pkt a;
		enum tof_reason parsed = tof_apps_parse(pl, f, &a);
		tof_pipeline_apps(pl, w, f, now_ns, &a, parsed, res);
	} else {
		struct tof_s1_pkt p;
		enum tof_class c = tof_classify_s1(f->buf + f->off, f->len, pl->l2[in], &p);
		tof_pipeline_s1(pl, w, f, in, now_ns, &p, c, res);
	}
	tof_pipeline_count(w, in, in_len, f, res);
}
