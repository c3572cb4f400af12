/* Agent set-up and timers: pinger probes (a min-heap of due times) and the
 * idle purge. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "agent_internal.h"
#include "tof_encap.h"

#define TOF_AGENT_TIMERS_INIT 1024

int tof_agent_init(struct tof_agent *a, const struct tof_config *cfg, struct tof_pipeline *pl,
		   tof_emit_fn emit, void *emit_ctx)
{
	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->pl = pl;
	a->t = pl->tables;
	a->emit = emit;
	a->emit_ctx = emit_ctx;
	a->max_timers = TOF_AGENT_TIMERS_INIT;
	a->timers = malloc(a->max_timers * sizeof(*a->timers));
	if (a->timers == NULL)
		return -1;
	a->next_purge_ns = UINT64_MAX;
	a->resolve = calloc(pl->tables->max_services, sizeof(*a->resolve));
	if (a->resolve == NULL) {
		free(a->timers);
		return -1;
	}
	a->next_resolve_ns = 0; /* at the first tick */
	if (tof_worker_init(&a->w, pl->tables->max_services, NULL, NULL) < 0) {
		free(a->timers);
		free(a->resolve);
		return -1;
	}
	return 0;
}

void tof_agent_fini(struct tof_agent *a)
{
	free(a->timers);
	a->timers = NULL;
	free(a->resolve);
	a->resolve = NULL;
	tof_worker_fini(&a->w);
}

int tof_agent_load_services(struct tof_agent *a, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < a->cfg->n_services; i++) {
		const struct tof_service_config *sc = &a->cfg->services[i];
		const char *clash = tof_service_conflict(a->t, sc, TOF_NO_SLOT);
		if (clash != NULL) {
			snprintf(err, errlen, "services[%u].%s: already taken", i, clash);
			return -1;
		}
		if (tof_service_add(a->t, sc) == TOF_NO_SLOT) {
			snprintf(err, errlen, "services[%u]: more than max_services (%u)", i,
				 a->t->max_services);
			return -1;
		}
	}
	return 0;
}

/* Min-heap on due_ns. */
void tof_agent_timer_push(struct tof_agent *a, uint64_t due_ns, uint32_t slot)
{
	if (a->n_timers == a->max_timers) {
		uint32_t n = a->max_timers * 2;
		struct tof_probe_timer *nt = realloc(a->timers, n * sizeof(*nt));
		if (nt == NULL)
			return; /* the probe is lost; counted as never sent */
		a->timers = nt;
		a->max_timers = n;
	}
	uint32_t i = a->n_timers++;
	while (i > 0) {
		uint32_t up = (i - 1) / 2;
		if (a->timers[up].due_ns <= due_ns)
			break;
		a->timers[i] = a->timers[up];
		i = up;
	}
	a->timers[i].due_ns = due_ns;
	a->timers[i].slot = slot;
}

static struct tof_probe_timer tof_timer_pop(struct tof_agent *a)
{
	struct tof_probe_timer top = a->timers[0];
	struct tof_probe_timer last = a->timers[--a->n_timers];
	uint32_t i = 0;

	for (;;) {
		uint32_t c = 2 * i + 1;
		if (c >= a->n_timers)
			break;
		if (c + 1 < a->n_timers && a->timers[c + 1].due_ns < a->timers[c].due_ns)
			c++;
		if (last.due_ns <= a->timers[c].due_ns)
			break;
		a->timers[i] = a->timers[c];
		i = c;
	}
	if (a->n_timers > 0)
		a->timers[i] = last;
	return top;
}

void tof_agent_probe_start(struct tof_agent *a, uint32_t slot, uint64_t now_ns)
{
	struct tof_session *s = &a->t->sessions[slot];

	const struct pinger_config *pc = &a->pl->pinger;
	bool v4 = s->ue4.family == GTP_AF_INET;

	if (a->cfg->pinger_policy == TOF_PINGER_OFF || s->probe.state == PINGER_PROBING)
		return;
	/* No target of the UE's family: nobody to ask. */
	if ((v4 ? pc->target4.family : pc->target6.family) == GTP_AF_NONE)
		return;
	/* After giving up, wait the longest interval before asking again so
	 * an app that keeps sending cannot turn the pinger into a flood. */
	if (s->probe.state == PINGER_GAVE_UP && now_ns < s->probe.next_ns)
		return;
	pinger_start(&a->pl->pinger, &s->probe, now_ns, &a->pinger);
	tof_agent_timer_push(a, s->probe.next_ns, slot);
}

void tof_agent_probe_stop(struct tof_agent *a, uint32_t slot, bool by_reply)
{
	struct tof_session *s = &a->t->sessions[slot];

	if (s->probe.state == PINGER_PROBING || by_reply)
		pinger_stop(&s->probe, by_reply, &a->pinger);
}

void tof_agent_handover(struct tof_agent *a, uint32_t slot, const struct gtp_addr *enb)
{
	/* The downlink TEID belonged to the old eNB: forgotten, and the
	 * pinger looks for the new one. The probe state stays: probes in
	 * flight go to the new eNB from now on, and a UE that gave up is not
	 * probed again before its hold-off (a handover must not restart a
	 * flood). */
	tof_session_set_enb(a->t, slot, enb);
	a->t->sessions[slot].handovers++;
	a->events[TOF_EV_HANDOVER]++;
}

void tof_agent_arm_purge(struct tof_agent *a, uint64_t now_ns)
{
	uint64_t interval = (uint64_t)(a->cfg->purge_interval_ms ? a->cfg->purge_interval_ms : 1000) *
			    1000000ULL;

	if (a->cfg->idle_timeout_s != 0 && a->next_purge_ns == UINT64_MAX)
		a->next_purge_ns = now_ns + interval;
}

void tof_agent_session_del(struct tof_agent *a, uint32_t slot)
{
	/* Heap entries of a freed slot are recognised as stale when due. */
	tof_session_del(a->t, slot);
}

uint32_t tof_agent_session_new(struct tof_agent *a, const struct gtp_addr *ue,
			       const struct gtp_addr *enb, const struct gtp_addr *sgw, uint32_t teid,
			       uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	uint32_t slot;

	/* An address has one owner: the callers take it away first. */
	if (tof_session_find_ue(t, ue) != TOF_NO_SLOT)
		return TOF_NO_SLOT;
	slot = tof_session_add_ul(t, ue, enb, sgw, teid, now_ns);
	if (slot == TOF_NO_SLOT) {
		/* Known sessions and pass-through carry on; this UE waits for
		 * room (the idle purge). */
		a->events[TOF_EV_TABLE_FULL]++;
		return TOF_NO_SLOT;
	}
	t->sessions[slot].created_ns = now_ns;
	tof_agent_arm_purge(a, now_ns);
	a->events[TOF_EV_UL_LEARNED]++;
	return slot;
}

void tof_agent_set_dl(struct tof_agent *a, uint32_t slot, uint32_t teid)
{
	struct tof_tables *t = a->t;
	uint32_t other = tof_session_find_dl(t, &t->sessions[slot].enb, teid);

	if (other != TOF_NO_SLOT && other != slot) {
		/* The eNB reused the TEID for this UE: the old owner is gone. */
		tof_agent_session_del(a, other);
		a->events[TOF_EV_TEID_MOVED]++;
	}
	tof_session_set_dl(t, slot, teid);
}

/* Build a probe as the UE and send it up its tunnel towards the SGW. */
void tof_agent_send_probe(struct tof_agent *a, const struct tof_probe_path *path, uint16_t seq,
			  uint64_t now_ns)
{
	uint8_t buf[TOF_ENCAP_HEADROOM + 64 + PINGER_MAX_PACKET];
	struct tof_frame f = {.buf = buf, .off = TOF_ENCAP_HEADROOM + 64, .cap = sizeof(buf)};
	enum tof_port out = tof_pipeline_port_towards(a->pl, TOF_DIR_UPLINK);

	f.len = (uint32_t)pinger_build_request(&a->pl->pinger, path->ue, seq, buf + f.off,
					       sizeof(buf) - f.off);
	if (f.len == 0) {
		a->pinger.build_failed++;
		return;
	}
	struct tof_encap_params ep = {
		.src = *path->enb,
		.dst = *path->sgw,
		.teid = path->teid,
		.with_qfi = path->with_qfi,
		.pdu_type = 1,
		.qfi = path->qfi,
		.l2 = path->l2,
		.l2_type = a->pl->l2[out],
		.ttl = a->cfg->encap_ttl,
		.ip_id = a->ip_id++,
		.mtu = 65535,
	};
	if (tof_encap_prepend(&f, &ep) != TOF_R__COUNT) {
		a->pinger.build_failed++;
		return;
	}
	if (a->emit != NULL)
		a->emit(a->emit_ctx, out, f.buf + f.off, f.len, now_ns);
}

static void tof_agent_fire_probes(struct tof_agent *a, uint64_t now_ns)
{
	while (a->n_timers > 0 && a->timers[0].due_ns <= now_ns) {
		struct tof_probe_timer tm = tof_timer_pop(a);
		if (tm.slot & TOF_TIMER_CLAIM) {
			tof_agent_claim_timer(a, tm.slot & ~TOF_TIMER_CLAIM, tm.due_ns);
			continue;
		}
		struct tof_session *s = &a->t->sessions[tm.slot];
		if (!s->in_use || s->probe.state != PINGER_PROBING || s->probe.next_ns != tm.due_ns)
			continue; /* stale: the session went, or the probe moved on */
		if ((s->flags & TOF_SESS_DL) || !(s->flags & TOF_SESS_UL)) {
			pinger_stop(&s->probe, false, &a->pinger);
			continue;
		}
		uint64_t wait = tof_agent_sgw_wait(a, &s->sgw, tm.due_ns);
		if (wait != 0) {
			/* Not a try spent: the SGW is not confirmed yet, or it
			 * has had its share of probes this second. */
			s->probe.next_ns = tm.due_ns + wait;
			tof_agent_timer_push(a, s->probe.next_ns, tm.slot);
			continue;
		}
		if (pinger_due(&a->pl->pinger, &s->probe, tm.due_ns, &a->pinger)) {
			struct tof_probe_path path = {
				.ue = s->ue4.family ? &s->ue4 : &s->ue6, .enb = &s->enb,
				.sgw = &s->sgw, .teid = tof_session_fresh_teid(a->t, tm.slot),
				.with_qfi = (s->flags & TOF_SESS_QFI) != 0, .qfi = s->qfi,
				.l2 = &s->ul_l2,
			};
			/* Sessions' probes never carry the claim bit. */
			uint16_t seq = (uint16_t)(s->probe.seq & 0x7fff);
			tof_agent_send_probe(a, &path, seq ? seq : 1, tm.due_ns);
		}
		if (s->probe.state == PINGER_PROBING)
			tof_agent_timer_push(a, s->probe.next_ns, tm.slot);
		else if (s->probe.state == PINGER_GAVE_UP)
			s->probe.next_ns = tm.due_ns + (uint64_t)a->pl->pinger.max_interval_ms * 1000000ULL;
	}
}

/* Remove sessions idle longer than the timeout; returns the earliest time
 * a surviving session can become idle (UINT64_MAX if none survive). */
static uint64_t tof_agent_purge(struct tof_agent *a, uint64_t now_ns)
{
	struct tof_tables *t = a->t;
	uint64_t idle_ns = (uint64_t)a->cfg->idle_timeout_s * 1000000000ULL;
	uint64_t oldest = UINT64_MAX;

	for (uint32_t i = 0; i < t->max_sessions && t->n_sessions > 0; i++) {
		const struct tof_session *s = &t->sessions[i];
		if (!s->in_use)
			continue;
		const struct tof_seen *st = tof_session_seen(t, i);
		uint64_t last = s->created_ns;
		uint64_t ul = __atomic_load_n(&st->ul_seen_ns, __ATOMIC_RELAXED);
		uint64_t dl = __atomic_load_n(&st->dl_seen_ns, __ATOMIC_RELAXED);
		if (ul > last)
			last = ul;
		if (dl > last)
			last = dl;
		if (now_ns >= last && now_ns - last > idle_ns) {
			tof_agent_session_del(a, i);
			a->events[TOF_EV_PURGED]++;
			continue;
		}
		if (last < oldest)
			oldest = last;
		/* A live UE's idle bearers (a re-attach's old default bearer, a
		 * finished call's) leave it. */
		for (int b = s->n_extra; b >= 0 && s->n_extra > 0; b--) {
			uint32_t seen = __atomic_load_n(&tof_session_seen(t, i)->bearer_seen[b],
							__ATOMIC_RELAXED);
			uint64_t age = tof_coarse_age_ns(seen, now_ns);
			if (age > idle_ns) {
				tof_session_del_bearer(t, i, b == 0 ? s->ul_teid : s->ul_extra[b - 1]);
				a->events[TOF_EV_BEARER_AGED]++;
			} else if (now_ns - age < oldest) {
				oldest = now_ns - age;
			}
		}
	}
	return oldest == UINT64_MAX ? UINT64_MAX : oldest + idle_ns + 1;
}

uint64_t tof_agent_next_deadline(const struct tof_agent *a)
{
	uint64_t d = a->next_purge_ns;

	if (a->next_resolve_ns < d)
		d = a->next_resolve_ns;
	if (a->n_timers > 0 && a->timers[0].due_ns < d)
		d = a->timers[0].due_ns;
	return d;
}

void tof_agent_tick(struct tof_agent *a, uint64_t now_ns)
{
	tof_agent_fire_probes(a, now_ns);
	if (now_ns >= a->next_resolve_ns)
		a->next_resolve_ns = tof_agent_resolve_apps(a, now_ns);
	if (a->next_purge_ns != UINT64_MAX && now_ns >= a->next_purge_ns) {
		uint64_t expiry = tof_agent_purge(a, now_ns);
		/* Sleep until the oldest survivor can expire, but scan no more
		 * often than the purge interval; with nobody left, until a
		 * session is learned. */
		a->next_purge_ns = UINT64_MAX;
		if (a->t->n_sessions > 0) {
			tof_agent_arm_purge(a, now_ns);
			if (expiry != UINT64_MAX && expiry > a->next_purge_ns)
				a->next_purge_ns = expiry;
		}
	}
}
