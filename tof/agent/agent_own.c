/* Which session a UE address belongs to. An uplink frame is the word of
 * whoever sent it: a handset may put any source address in its own tunnel.
 * So an address a live session owns moves to another tunnel only when the
 * evidence says the UE really moved:
 *   - the owner has been silent for ue_move_silence_s (no uplink from the
 *     address itself, no downlink), or
 *   - the core network says so: downlink traffic for the address in the
 *     new tunnel, or the answer to a probe sent as the address up the new
 *     tunnel arriving down that tunnel (the pinger asks on the claim's
 *     behalf).
 * Until then the new tunnel's claim waits here, its frames are passed to
 * the core (which drops what it did not assign) and never offloaded. */
#include <string.h>

#include "agent_internal.h"
#include "tof_classify.h"

#define TOF_NS 1000000000ULL
/* A claim nobody probes for (pinger off) is forgotten after this. */
#define TOF_CLAIM_TTL_NS (120 * TOF_NS)

static uint64_t tof_silence_ns(const struct tof_agent *a)
{
	return (uint64_t)a->cfg->ue_move_silence_s * TOF_NS;
}

/* Has the session been silent long enough to give up its addresses? */
static bool tof_session_silent(const struct tof_agent *a, uint32_t slot, uint64_t now_ns)
{
	const struct tof_seen *seen = tof_session_seen(a->t, slot);
	uint64_t silence = tof_silence_ns(a);
	uint64_t last = a->t->sessions[slot].created_ns;
	uint64_t ul = __atomic_load_n(&seen->ul_seen_ns, __ATOMIC_RELAXED);
	uint64_t dl = __atomic_load_n(&seen->dl_seen_ns, __ATOMIC_RELAXED);

	if (silence == 0)
		return false;
	if (ul > last)
		last = ul;
	if (dl > last)
		last = dl;
	return now_ns >= last && now_ns - last >= silence;
}

/* Has this bearer carried none of the session's own traffic for as long? */
static bool tof_bearer_silent(const struct tof_agent *a, uint32_t slot, int b, uint64_t now_ns)
{
	uint64_t silence = tof_silence_ns(a);

	if (silence == 0 || b < 0)
		return false;
	uint32_t seen = __atomic_load_n(&tof_session_seen(a->t, slot)->bearer_seen[b],
					__ATOMIC_RELAXED);
	return tof_coarse_age_ns(seen, now_ns) >= silence;
}

static const struct gtp_addr *tof_session_addr_of(const struct tof_session *s, uint8_t family)
{
	return family == GTP_AF_INET ? &s->ue4 : &s->ue6;
}

void tof_agent_take_ue(struct tof_agent *a, uint32_t slot, const struct gtp_addr *ue)
{
	struct tof_session *s = &a->t->sessions[slot];

	tof_session_del_ue(a->t, slot, ue);
	a->events[TOF_EV_ADDR_MOVED]++;
	if (s->ue4.family == GTP_AF_NONE && s->ue6.family == GTP_AF_NONE)
		tof_agent_session_del(a, slot);
}

/* --- claims --- */

static bool tof_claim_is(const struct tof_claim *c, const struct gtp_addr *ue)
{
	struct gtp_addr k1, k2;

	tof_ue_key(&c->ue, &k1);
	tof_ue_key(ue, &k2);
	return gtp_addr_eq(&k1, &k2);
}

static int tof_claim_find(const struct tof_agent *a, const struct gtp_addr *ue)
{
	for (int i = 0; i < TOF_MAX_CLAIMS; i++)
		if (a->claims[i].in_use && tof_claim_is(&a->claims[i], ue))
			return i;
	return -1;
}

static void tof_claim_free(struct tof_agent *a, int i, enum tof_agent_event ev)
{
	/* Its timer, if any, sees the claim gone and drops out. */
	memset(&a->claims[i], 0, sizeof(a->claims[i]));
	a->events[ev]++;
}

/* A slot for a new claim: a free one, else the one heard from least
 * recently. Expired claims (nobody probing) go first. */
static int tof_claim_alloc(struct tof_agent *a, uint64_t now_ns)
{
	int oldest = 0;

	for (int i = 0; i < TOF_MAX_CLAIMS; i++) {
		struct tof_claim *c = &a->claims[i];
		if (c->in_use && c->probe.state != PINGER_PROBING &&
		    now_ns - c->last_ns > TOF_CLAIM_TTL_NS)
			tof_claim_free(a, i, TOF_EV_CLAIM_EXPIRED);
		if (!c->in_use)
			return i;
		if (c->last_ns < a->claims[oldest].last_ns)
			oldest = i;
	}
	tof_claim_free(a, oldest, TOF_EV_CLAIM_EXPIRED);
	return oldest;
}

static bool tof_claim_same_tunnel(const struct tof_claim *c, const struct tof_s1_pkt *p)
{
	return c->teid == p->gtp.teid && gtp_addr_eq(&c->sgw, &p->outer.dst) &&
	       gtp_addr_eq(&c->enb, &p->outer.src);
}

/* The tunnel of p claims its inner source: note it, and have the pinger
 * ask the core on its behalf. The first claimant of an address keeps the
 * place until its claim is settled or expires. */
static void tof_claim_note(struct tof_agent *a, const uint8_t *frame, enum tof_port in,
			   const struct tof_s1_pkt *p, uint64_t now_ns)
{
	const struct gtp_addr *ue = &p->inner.src;
	int i = tof_claim_find(a, ue);
	struct tof_claim *c;

	a->events[TOF_EV_SPOOFED]++;
	if (i >= 0) {
		c = &a->claims[i];
		if (tof_claim_same_tunnel(c, p))
			c->last_ns = now_ns;
		return;
	}
	i = tof_claim_alloc(a, now_ns);
	c = &a->claims[i];
	c->in_use = true;
	c->ue = *ue;
	c->enb = p->outer.src;
	c->sgw = p->outer.dst;
	c->teid = p->gtp.teid;
	c->with_qfi = p->gtp.has_pdu_session;
	c->qfi = p->gtp.qfi;
	c->first_ns = c->last_ns = now_ns;
	tof_l2_tmpl_learn(&c->l2, frame, &p->l2, a->pl->l2[in]);
	const struct pinger_config *pc = &a->pl->pinger;
	bool v4 = ue->family == GTP_AF_INET;
	if (a->cfg->pinger_policy == TOF_PINGER_OFF ||
	    (v4 ? pc->target4.family : pc->target6.family) == GTP_AF_NONE)
		return;
	pinger_start(pc, &c->probe, now_ns, &a->pinger);
	tof_agent_timer_push(a, c->probe.next_ns, TOF_TIMER_CLAIM | (uint32_t)i);
}

void tof_agent_claim_timer(struct tof_agent *a, uint32_t idx, uint64_t due_ns)
{
	struct tof_claim *c = &a->claims[idx];

	if (!c->in_use || c->probe.state != PINGER_PROBING || c->probe.next_ns != due_ns)
		return; /* stale: settled, freed, or moved on */
	uint64_t wait = tof_agent_sgw_wait(a, &c->sgw, due_ns);
	if (wait != 0) {
		c->probe.next_ns = due_ns + wait;
		tof_agent_timer_push(a, c->probe.next_ns, TOF_TIMER_CLAIM | idx);
		return;
	}
	if (pinger_due(&a->pl->pinger, &c->probe, due_ns, &a->pinger)) {
		struct tof_probe_path path = {
			.ue = &c->ue, .enb = &c->enb, .sgw = &c->sgw, .teid = c->teid,
			.with_qfi = c->with_qfi, .qfi = c->qfi, .l2 = &c->l2,
		};
		tof_agent_send_probe(a, &path,
				     (uint16_t)(TOF_PROBE_SEQ_CLAIM | (c->probe.seq & 0x7fff)), due_ns);
	}
	if (c->probe.state == PINGER_PROBING)
		tof_agent_timer_push(a, c->probe.next_ns, TOF_TIMER_CLAIM | idx);
	else
		tof_claim_free(a, (int)idx, TOF_EV_CLAIM_EXPIRED); /* no answer: not believed */
}

/* The core network has confirmed claim i: its address lives in its tunnel,
 * whose downlink TEID is dl_teid. */
static uint32_t tof_claim_apply(struct tof_agent *a, int i, uint32_t dl_teid, uint64_t now_ns)
{
	struct tof_claim c = a->claims[i];
	struct tof_tables *t = a->t;
	uint32_t owner = tof_session_find_ue(t, &c.ue);
	uint32_t slot = tof_session_find_ul(t, &c.sgw, c.teid);

	tof_claim_free(a, i, TOF_EV_CLAIM_CONFIRMED);
	if (owner != TOF_NO_SLOT && owner == slot) {
		/* Settled meanwhile: the tunnel became one of the owner's own
		 * bearers. The answer still names its downlink. */
		tof_agent_set_dl(a, slot, dl_teid);
		return slot;
	}
	if (owner != TOF_NO_SLOT)
		tof_agent_take_ue(a, owner, &c.ue);
	slot = tof_session_find_ul(t, &c.sgw, c.teid); /* the owner may have gone */
	if (slot != TOF_NO_SLOT) {
		struct tof_session *s = &t->sessions[slot];
		const struct gtp_addr *have = tof_session_addr_of(s, c.ue.family);
		if (have->family != GTP_AF_NONE && s->n_extra > 0) {
			/* One bearer of a UE with another address: it leaves. */
			tof_session_del_bearer(t, slot, c.teid);
			slot = TOF_NO_SLOT;
		} else {
			if (!gtp_addr_eq(&s->enb, &c.enb))
				tof_agent_handover(a, slot, &c.enb);
			tof_session_add_ue(t, slot, &c.ue);
		}
	}
	if (slot == TOF_NO_SLOT)
		slot = tof_agent_session_new(a, &c.ue, &c.enb, &c.sgw, c.teid, now_ns);
	if (slot == TOF_NO_SLOT)
		return TOF_NO_SLOT;
	struct tof_session *s = &t->sessions[slot];
	s->ul_l2 = c.l2;
	if (c.with_qfi) {
		s->flags |= TOF_SESS_QFI;
		s->qfi = c.qfi;
	}
	tof_session_publish(t, slot);
	tof_agent_set_dl(a, slot, dl_teid);
	return slot;
}

/* --- decisions --- */

uint32_t tof_agent_tunnel_new(struct tof_agent *a, const uint8_t *frame, enum tof_port in,
			      const struct tof_s1_pkt *p, uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	uint32_t owner = tof_session_find_ue(t, &p->inner.src);

	if (owner == TOF_NO_SLOT)
		return tof_agent_session_new(a, &p->inner.src, &p->outer.src, &p->outer.dst,
					     p->gtp.teid, now_ns);
	const struct tof_session *s = &t->sessions[owner];
	if ((s->flags & TOF_SESS_UL) && gtp_addr_eq(&s->sgw, &p->outer.dst) &&
	    gtp_addr_eq(&s->enb, &p->outer.src)) {
		/* Same UE address, eNB and SGW, another TEID: a dedicated
		 * bearer, or the default one after a re-attach (the old TEID
		 * then falls silent and ages out). */
		tof_session_add_bearer(t, owner, p->gtp.teid, now_ns);
		a->events[TOF_EV_BEARER_ADDED]++;
		return owner;
	}
	if (tof_session_silent(a, owner, now_ns)) {
		/* The UE left its old tunnel long ago; the address follows. */
		tof_session_set_ul(t, owner, &p->outer.src, &p->outer.dst, p->gtp.teid, now_ns);
		a->events[TOF_EV_ADDR_MOVED]++;
		return owner;
	}
	tof_claim_note(a, frame, in, p, now_ns);
	return TOF_NO_SLOT;
}

uint32_t tof_agent_claim_known(struct tof_agent *a, uint32_t slot, const uint8_t *frame,
			       enum tof_port in, const struct tof_s1_pkt *p, uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	const struct gtp_addr *ue = &p->inner.src;
	uint32_t owner = tof_session_find_ue(t, ue);
	const struct tof_session *s = &t->sessions[slot];

	if (owner != TOF_NO_SLOT && !tof_session_silent(a, owner, now_ns)) {
		tof_claim_note(a, frame, in, p, now_ns);
		return TOF_NO_SLOT;
	}
	if (tof_session_addr_of(s, ue->family)->family == GTP_AF_NONE) {
		/* The session's first address of this family: a dual-stack
		 * PDN (an owner silent that long has let it go). */
		if (owner != TOF_NO_SLOT)
			tof_agent_take_ue(a, owner, ue);
		tof_session_add_ue(t, slot, ue);
		a->events[TOF_EV_UE_ADDR_ADDED]++;
		return slot;
	}
	if (tof_bearer_silent(a, slot, tof_session_bearer(s, p->gtp.teid), now_ns)) {
		/* This TEID carried none of its UE's traffic for long: the
		 * SGW gave it to another UE. It leaves the session and is
		 * learned afresh. */
		if (!tof_session_del_bearer(t, slot, p->gtp.teid))
			tof_agent_session_del(a, slot);
		a->events[TOF_EV_TEID_MOVED]++;
		return tof_agent_tunnel_new(a, frame, in, p, now_ns);
	}
	/* Two addresses of one family in one live bearer: not believed. */
	tof_claim_note(a, frame, in, p, now_ns);
	return TOF_NO_SLOT;
}

uint32_t tof_agent_claim_dl(struct tof_agent *a, const struct gtp_addr *ue,
			    const struct gtp_addr *enb, uint32_t teid, bool claim_probe,
			    uint64_t now_ns)
{
	const struct tof_tables *t = a->t;
	int i = tof_claim_find(a, ue);

	if (i < 0)
		return TOF_NO_SLOT;
	const struct tof_claim *c = &a->claims[i];
	if (!gtp_addr_eq(&c->enb, enb)) {
		/* The core delivers the address elsewhere. */
		if (claim_probe)
			tof_claim_free(a, i, TOF_EV_CLAIM_REFUTED);
		return TOF_NO_SLOT;
	}
	uint32_t owner = tof_session_find_ue(t, ue);
	if (owner != TOF_NO_SLOT && gtp_addr_eq(&t->sessions[owner].enb, enb)) {
		const struct tof_session *o = &t->sessions[owner];
		/* Owner and claimant behind one eNB: only a downlink TEID
		 * that is not the owner's tells them apart. */
		if (!(o->flags & TOF_SESS_DL))
			return TOF_NO_SLOT; /* not yet: the owner's own probe will tell */
		if (o->dl_teid == teid) {
			if (claim_probe)
				tof_claim_free(a, i, TOF_EV_CLAIM_REFUTED);
			return TOF_NO_SLOT;
		}
	}
	return tof_claim_apply(a, i, teid, now_ns);
}

void tof_agent_dl_new_addr(struct tof_agent *a, uint32_t slot, const struct gtp_addr *ue,
			   uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	uint32_t owner = tof_session_find_ue(t, ue);
	int i = tof_claim_find(a, ue);

	(void)now_ns;
	if (owner == slot)
		return;
	if (owner != TOF_NO_SLOT) {
		const struct tof_session *o = &t->sessions[owner];
		if (gtp_addr_eq(&o->enb, &t->sessions[slot].enb)) {
			/* The eNB gave this downlink TEID to the owner: the
			 * session that had it is gone. */
			tof_agent_set_dl(a, owner, t->sessions[slot].dl_teid);
			return;
		}
		tof_agent_take_ue(a, owner, ue);
	}
	else
		a->events[TOF_EV_UE_ADDR_ADDED]++;
	if (i >= 0)
		tof_claim_free(a, i, TOF_EV_CLAIM_CONFIRMED);
	tof_session_add_ue(t, slot, ue);
}
