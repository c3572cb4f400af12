/* The agent's learning from punted frames: new tunnels, handover, extra UE
 * addresses, downlink TEIDs (incl. those the pinger reveals), Error
 * Indication, and app MAC addresses. */
#include <string.h>

#include "agent.h"
#include "agent_internal.h"
#include "tof_classify.h"

static const char *const tof_agent_event_names[TOF_EV__COUNT] = {
#define TOF_AGENT_EV_NAME(id, name) [TOF_EV_##id] = name,
	TOF_AGENT_EVENTS(TOF_AGENT_EV_NAME)
#undef TOF_AGENT_EV_NAME
};

const char *tof_agent_event_name(enum tof_agent_event ev)
{
	return (unsigned int)ev < TOF_EV__COUNT ? tof_agent_event_names[ev] : "?";
}

/* The session has no address of this family yet: the bearer is dual
 * stack. Another session that claims the address is stale (the UE now uses
 * this tunnel). */
static void tof_agent_claim_ue(struct tof_agent *a, uint32_t slot, const struct gtp_addr *ue)
{
	struct tof_tables *t = a->t;
	uint32_t other = tof_session_find_ue(t, ue);

	if (other == slot)
		return;
	if (other != TOF_NO_SLOT) {
		tof_agent_session_del(a, other);
		a->events[TOF_EV_TEID_MOVED]++;
	}
	tof_session_add_ue(t, slot, ue);
	a->events[TOF_EV_UE_ADDR_ADDED]++;
}

/* A tunnel we did not know. Returns the session slot or TOF_NO_SLOT. */
static uint32_t tof_agent_new_ul(struct tof_agent *a, const struct tof_s1_pkt *p, uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	uint32_t slot = tof_session_find_ue(t, &p->inner.src);

	if (slot == TOF_NO_SLOT) {
		slot = tof_session_add(t, &p->inner.src);
		if (slot == TOF_NO_SLOT) {
			a->events[TOF_EV_TABLE_FULL]++;
			return TOF_NO_SLOT;
		}
		t->sessions[slot].created_ns = now_ns;
		tof_agent_arm_purge(a, now_ns);
		tof_session_set_ul(t, slot, &p->outer.src, &p->outer.dst, p->gtp.teid);
		a->events[TOF_EV_UL_LEARNED]++;
		return slot;
	}
	const struct tof_session *s = &t->sessions[slot];
	if ((s->flags & TOF_SESS_UL) && gtp_addr_eq(&s->sgw, &p->outer.dst)) {
		/* Same UE, same SGW, another TEID: a dedicated bearer (or a new
		 * default one after idle; the old TEID then goes unused). */
		if (!gtp_addr_eq(&s->enb, &p->outer.src))
			tof_agent_handover(a, slot, &p->outer.src);
		tof_session_add_bearer(t, slot, p->gtp.teid);
		a->events[TOF_EV_BEARER_ADDED]++;
	} else {
		/* The UE's address now lives behind another SGW. */
		tof_session_set_ul(t, slot, &p->outer.src, &p->outer.dst, p->gtp.teid);
		a->events[TOF_EV_TEID_MOVED]++;
	}
	return slot;
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
		slot = tof_agent_new_ul(a, p, now_ns);
		if (slot == TOF_NO_SLOT)
			return;
	} else if (!gtp_addr_eq(&t->sessions[slot].enb, &p->outer.src)) {
		/* Same SGW TEID from another eNB: the UE was handed over. */
		tof_agent_handover(a, slot, &p->outer.src);
	} else {
		const struct tof_session *s = &t->sessions[slot];
		const struct gtp_addr *have = p->inner.src.family == GTP_AF_INET ? &s->ue4 : &s->ue6;
		if (have->family == GTP_AF_NONE) {
			tof_agent_claim_ue(a, slot, &p->inner.src);
		} else if (tof_session_find_ue(t, &p->inner.src) != slot) {
			/* The SGW gave this TEID to another UE: it leaves this
			 * session (or ends it), and is learned afresh. */
			if (!tof_session_del_bearer(t, slot, p->gtp.teid))
				tof_agent_session_del(a, slot);
			a->events[TOF_EV_TEID_MOVED]++;
			slot = tof_agent_new_ul(a, p, now_ns);
			if (slot == TOF_NO_SLOT)
				return;
		}
	}

	struct tof_session *s = &t->sessions[slot];
	tof_write_begin(t);
	tof_l2_tmpl_learn(&s->ul_l2, frame, &p->l2, a->pl->l2[in]);
	if (p->gtp.has_pdu_session) {
		s->flags |= TOF_SESS_QFI;
		s->qfi = p->gtp.qfi;
	}
	tof_write_end(t);
	__atomic_store_n(&s->ul_seen_ns, now_ns, __ATOMIC_RELAXED);
	if (!(s->flags & TOF_SESS_DL) && a->cfg->pinger_policy == TOF_PINGER_ALWAYS)
		tof_agent_probe_start(a, slot, now_ns);
}

static void tof_agent_learn_dl(struct tof_agent *a, const uint8_t *frame, enum tof_port in,
			       const struct tof_s1_pkt *p, bool by_pinger, uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	uint32_t slot = tof_session_find_ue(t, &p->inner.dst);

	/* A session exists once its uplink is seen; and the downlink must go
	 * to the eNB that session's uplink comes from. */
	if (slot == TOF_NO_SLOT || !gtp_addr_eq(&t->sessions[slot].enb, &p->outer.dst)) {
		a->events[TOF_EV_DL_NO_SESSION]++;
		return;
	}
	struct tof_session *s = &t->sessions[slot];
	if (!(s->flags & TOF_SESS_DL) || s->dl_teid != p->gtp.teid) {
		uint32_t other = tof_session_find_dl(t, &p->outer.dst, p->gtp.teid);
		if (other != TOF_NO_SLOT && other != slot) {
			/* The eNB reused the TEID for this UE: the old owner is gone. */
			tof_session_del(t, other);
			a->events[TOF_EV_TEID_MOVED]++;
		}
		a->events[(s->flags & TOF_SESS_DL) ? TOF_EV_DL_CHANGED :
			  by_pinger ? TOF_EV_DL_BY_PINGER : TOF_EV_DL_LEARNED]++;
		tof_session_set_dl(t, slot, p->gtp.teid);
	}
	tof_write_begin(t);
	tof_l2_tmpl_learn(&s->dl_l2, frame, &p->l2, a->pl->l2[in]);
	tof_write_end(t);
	__atomic_store_n(&s->dl_seen_ns, now_ns, __ATOMIC_RELAXED);
	tof_agent_probe_stop(a, slot, by_pinger);
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
	if (!sv->mac_configured && (!sv->has_app_mac || memcmp(sv->app_mac, frame + 6, 6) != 0)) {
		tof_service_set_mac(t, svc, frame + 6);
		a->events[TOF_EV_APP_MAC_LEARNED]++;
	}
	if (why != TOF_R_APPS_NO_DOWNLINK || a->cfg->pinger_policy == TOF_PINGER_OFF)
		return;
	uint32_t slot = tof_session_find_ue(t, &ip.dst);
	if (slot != TOF_NO_SLOT && !(t->sessions[slot].flags & TOF_SESS_DL))
		tof_agent_probe_start(a, slot, now_ns);
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
	else if (c == TOF_C_GPDU && dir == TOF_DIR_UPLINK)
		tof_agent_learn_ul(a, frame, in, &p, now_ns);
	else if (c == TOF_C_GPDU && dir == TOF_DIR_DOWNLINK)
		tof_agent_learn_dl(a, frame, in, &p, why == TOF_R_DL_PINGER_REPLY, now_ns);
	else
		a->events[TOF_EV_PUNT_IGNORED]++;
}
