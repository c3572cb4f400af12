/* The agent's learning from punted frames: new tunnels, handover, extra UE
 * addresses, downlink TEIDs (incl. those the pinger reveals), Error
 * Indication, and app MAC addresses. */
#include <string.h>

#include "agent.h"
#include "agent_internal.h"
#include "tof_classify.h"
#include "tof_worker.h"

static const char *const tof_agent_event_names[TOF_EV__COUNT] = {
#define TOF_AGENT_EV_NAME(id, name) [TOF_EV_##id] = name,
	TOF_AGENT_EVENTS(TOF_AGENT_EV_NAME)
#undef TOF_AGENT_EV_NAME
};

const char *tof_agent_event_name(enum tof_agent_event ev)
{
	return (unsigned int)ev < TOF_EV__COUNT ? tof_agent_event_names[ev] : "?";
}

static void tof_agent_learn_ul(struct tof_agent *a, const uint8_t *frame, enum tof_port in,
			       const struct tof_s1_pkt *p, uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	uint32_t slot = tof_session_find_ul(t, &p->outer.dst, p->gtp.teid);

	/* Link-local and other non-UE sources teach nothing about the UE. */
	if (!tof_ue_addr_ok(&p->inner.src)) {
		a->events[TOF_EV_PUNT_IGNORED]++;
		return;
	}
	if (slot == TOF_NO_SLOT) {
		slot = tof_agent_tunnel_new(a, frame, in, p, now_ns);
	} else {
		/* The SGW's TEID from another eNB: the UE was handed over (the
		 * TEID is the SGW's, handed out for this bearer only). */
		if (!gtp_addr_eq(&t->sessions[slot].enb, &p->outer.src))
			tof_agent_handover(a, slot, &p->outer.src);
		if (!tof_session_has_ue(&t->sessions[slot], &p->inner.src))
			slot = tof_agent_claim_known(a, slot, frame, in, p, now_ns);
	}
	if (slot == TOF_NO_SLOT)
		return;

	struct tof_session *s = &t->sessions[slot];
	struct tof_l2_tmpl l2 = s->ul_l2;
	uint8_t flags = s->flags, qfi = s->qfi;
	tof_l2_tmpl_learn(&s->ul_l2, frame, &p->l2, a->pl->l2[in]);
	if (p->gtp.has_pdu_session) {
		s->flags |= TOF_SESS_QFI;
		s->qfi = p->gtp.qfi;
	}
	if (flags != s->flags || qfi != s->qfi || memcmp(&l2, &s->ul_l2, sizeof(l2)) != 0)
		tof_session_publish(t, slot);
	struct tof_seen *seen = tof_session_seen(t, slot);
	__atomic_store_n(&seen->ul_seen_ns, now_ns, __ATOMIC_RELAXED);
	int b = tof_session_bearer(s, p->gtp.teid);
	if (b >= 0)
		__atomic_store_n(&seen->bearer_seen[b], tof_coarse(now_ns), __ATOMIC_RELAXED);
	if (!(s->flags & TOF_SESS_DL) && a->cfg->pinger_policy == TOF_PINGER_ALWAYS)
		tof_agent_probe_start(a, slot, now_ns);
}

static void tof_agent_learn_dl(struct tof_agent *a, const uint8_t *frame, enum tof_port in,
			       const struct tof_s1_pkt *p, enum tof_reason why, uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	const uint8_t *inner = frame + p->inner_off;
	bool by_pinger = false, claim_probe = false;
	uint16_t seq = 0;
	uint32_t slot;

	if (why == TOF_R_DL_PINGER_REPLY &&
	    pinger_is_reply(&a->pl->pinger, inner, p->inner_avail, &seq)) {
		by_pinger = true;
		claim_probe = (seq & TOF_PROBE_SEQ_CLAIM) != 0;
	}
	/* Downlink from the SGW side: that SGW exists, the pinger may ask it. */
	tof_agent_sgw_seen(a, &p->outer.src, now_ns);
	if (!tof_ue_addr_ok(&p->inner.dst)) {
		a->events[TOF_EV_PUNT_IGNORED]++;
		return;
	}
	if (why == TOF_R_DL_NEW_UE_ADDR) {
		slot = tof_session_find_dl(t, &p->outer.dst, p->gtp.teid);
		if (slot != TOF_NO_SLOT)
			tof_agent_dl_new_addr(a, slot, &p->inner.dst, now_ns);
		return;
	}
	slot = tof_session_find_ue(t, &p->inner.dst);
	/* A session exists once its uplink is seen, and the downlink must go
	 * to the eNB its uplink comes from; else it may settle a claim. */
	if (claim_probe || slot == TOF_NO_SLOT ||
	    !gtp_addr_eq(&t->sessions[slot].enb, &p->outer.dst)) {
		slot = tof_agent_claim_dl(a, &p->inner.dst, &p->outer.dst, p->gtp.teid, claim_probe,
					  now_ns);
		if (slot == TOF_NO_SLOT) {
			if (!claim_probe)
				a->events[TOF_EV_DL_NO_SESSION]++;
			return;
		}
	}
	struct tof_session *s = &t->sessions[slot];
	/* The link header first, so a new downlink is published once. */
	struct tof_l2_tmpl l2 = s->dl_l2;
	tof_l2_tmpl_learn(&s->dl_l2, frame, &p->l2, a->pl->l2[in]);
	if (!(s->flags & TOF_SESS_DL) || s->dl_teid != p->gtp.teid) {
		a->events[(s->flags & TOF_SESS_DL) ? TOF_EV_DL_CHANGED :
			  by_pinger ? TOF_EV_DL_BY_PINGER : TOF_EV_DL_LEARNED]++;
		tof_agent_set_dl(a, slot, p->gtp.teid);
	} else if (memcmp(&l2, &s->dl_l2, sizeof(l2)) != 0) {
		tof_session_publish(t, slot);
	}
	__atomic_store_n(&tof_session_seen(t, slot)->dl_seen_ns, now_ns, __ATOMIC_RELAXED);
	tof_agent_probe_stop(a, slot, by_pinger && !claim_probe);
}

static void tof_agent_error_ind(struct tof_agent *a, const uint8_t *frame, enum tof_dir dir,
				const struct tof_s1_pkt *p)
{
	struct gtp_error_ind ei;
	uint32_t slot = TOF_NO_SLOT;

	if (gtp_parse_error_ind(frame + p->gtp_off + p->gtp.hdr_len,
				p->gtp.msg_len - p->gtp.hdr_len, &ei) != 0) {
		a->events[TOF_EV_PUNT_IGNORED]++;
		return;
	}
	/* A node speaks for its own TEIDs only (the peer address is its own):
	 * one eNB cannot end another eNB's tunnels. */
	if (!gtp_addr_eq(&ei.gsn, &p->outer.src)) {
		a->events[TOF_EV_ERROR_IND_UNKNOWN]++;
		return;
	}
	if (dir != TOF_DIR_DOWNLINK)
		slot = tof_session_find_dl(a->t, &ei.gsn, ei.teid);
	if (slot != TOF_NO_SLOT) {
		/* The eNB lost the UE's context: the session is dead. */
		tof_agent_session_del(a, slot);
	} else if (dir != TOF_DIR_UPLINK &&
		   (slot = tof_session_find_ul(a->t, &ei.gsn, ei.teid)) != TOF_NO_SLOT) {
		/* The SGW does not know this bearer; the UE's others live on. */
		if (!tof_session_del_bearer(a->t, slot, ei.teid))
			tof_agent_session_del(a, slot);
	} else {
		a->events[TOF_EV_ERROR_IND_UNKNOWN]++;
		return;
	}
	a->events[TOF_EV_ERROR_IND_REMOVED]++;
}

/* An app's frame the pipeline flagged: its source MAC is not the one we
 * know (ask the app again: only its answer teaches the MAC), or its reply
 * found no downlink tunnel (make sure the pinger runs for that UE). */
static void tof_agent_apps(struct tof_agent *a, const uint8_t *frame, size_t len,
			   enum tof_reason why, uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	struct pkt_l2 l2;
	struct pkt_ip ip;

	if (pkt_parse_l2(frame, len, PKT_L2_ETH, &l2) != PKT_OK ||
	    (l2.ethertype != PKT_ETHERTYPE_IPV4 && l2.ethertype != PKT_ETHERTYPE_IPV6) ||
	    pkt_parse_ip(frame + l2.l3_off, len - l2.l3_off, &ip) != PKT_OK) {
		a->events[TOF_EV_PUNT_IGNORED]++;
		return;
	}
	uint32_t svc = tof_service_find_app(t, &ip.src);
	if (svc == TOF_NO_SLOT)
		return;
	const struct tof_service *sv = &t->services[svc];
	if (!sv->mac_configured && (!sv->has_app_mac || memcmp(sv->app_mac, frame + 6, 6) != 0))
		tof_agent_resolve_soon(a, svc, now_ns);
	if (why != TOF_R_APPS_NO_DOWNLINK || a->cfg->pinger_policy == TOF_PINGER_OFF)
		return;
	uint32_t slot = tof_session_find_ue(t, &ip.dst);
	if (slot != TOF_NO_SLOT && !(t->sessions[slot].flags & TOF_SESS_DL))
		tof_agent_probe_start(a, slot, now_ns);
}

/* A frame handed over whole (a first packet to a service, or one whose
 * source the tunnel did not own yet): now that it has been learned from,
 * it goes where the pipeline sends it. Offloaded if the tunnel and the
 * address are known now; otherwise forwarded unchanged, as if the TOF had
 * never held it. Nothing is lost either way. */
static void tof_agent_hand_back(struct tof_agent *a, const uint8_t *frame, size_t len,
				enum tof_port in, uint64_t now_ns)
{
	uint8_t buf[TOF_AGENT_FRAME_MAX + TOF_ENCAP_HEADROOM];
	struct tof_frame f = {.buf = buf, .off = TOF_ENCAP_HEADROOM, .len = (uint32_t)len,
			      .cap = sizeof(buf)};
	struct tof_result res;
	struct tof_s1_pkt p;
	enum tof_port out;

	if (a->emit == NULL)
		return;
	if (len > TOF_AGENT_FRAME_MAX) {
		/* Bigger than any punt can carry: forward it as it came. */
		a->events[TOF_EV_FIRST_PASSED]++;
		a->emit(a->emit_ctx, tof_pipeline_peer_port(a->pl, in), frame, len, now_ns);
		return;
	}
	memcpy(buf + f.off, frame, len);
	tof_result_init(&res);
	enum tof_class c = tof_classify_s1(buf + f.off, f.len, a->pl->l2[in], &p);
	tof_pipeline_s1(a->pl, &a->w, &f, in, now_ns, &p, c, &res);
	if (res.verdict == TOF_V_OFFLOAD) {
		a->events[TOF_EV_FIRST_OFFLOADED]++;
		out = TOF_PORT_APPS;
		frame = f.buf + f.off;
		len = f.len;
	} else {
		a->events[TOF_EV_FIRST_PASSED]++;
		out = tof_pipeline_peer_port(a->pl, in);
	}
	a->w.ctr.tx_pkts[out]++;
	a->w.ctr.tx_bytes[out] += len;
	a->emit(a->emit_ctx, out, frame, len, now_ns);
}

void tof_agent_punt(struct tof_agent *a, const uint8_t *frame, size_t len, enum tof_port in,
		    enum tof_reason why, uint64_t now_ns)
{
	struct tof_s1_pkt p;

	if (in == TOF_PORT_APPS) {
		if (why == TOF_R_APPS_ARP)
			tof_agent_arp(a, frame, len, now_ns);
		else if (why == TOF_R_APPS_ND)
			tof_agent_nd(a, frame, len, now_ns);
		else
			tof_agent_apps(a, frame, len, why, now_ns);
		return;
	}
	enum tof_class c = tof_classify_s1(frame, (uint32_t)len, a->pl->l2[in], &p);
	enum tof_dir dir = c == TOF_C_OTHER ? TOF_DIR_NONE : tof_classify_dir(a->cfg, in, &p);

	if (c == TOF_C_GTP_MSG && p.gtp.msg_type == GTP_MSG_ERROR_IND)
		tof_agent_error_ind(a, frame, dir, &p);
	else if (c == TOF_C_GTP_MSG && dir == TOF_DIR_DOWNLINK)
		tof_agent_sgw_seen(a, &p.outer.src, now_ns); /* path management */
	else if (c == TOF_C_GPDU && dir == TOF_DIR_UPLINK)
		tof_agent_learn_ul(a, frame, in, &p, now_ns);
	else if (c == TOF_C_GPDU && dir == TOF_DIR_DOWNLINK)
		tof_agent_learn_dl(a, frame, in, &p, why, now_ns);
	else
		a->events[TOF_EV_PUNT_IGNORED]++;
	if (why == TOF_R_UL_FIRST)
		tof_agent_hand_back(a, frame, len, in, now_ns);
}
