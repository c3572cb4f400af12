/* Session table, the writer's side: each change edits the session's record
 * and publishes a new snapshot for the workers (tof_snapshot.c). */
#include <string.h>

#include "tof_tables.h"

bool tof_ue_addr_ok(const struct gtp_addr *a)
{
	if (!gtp_addr_is_unicast(a))
		return false;
	if (a->family == GTP_AF_INET6)
		return !(a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80);
	return !(a->b[0] == 169 && a->b[1] == 254);
}

void tof_ue_key(const struct gtp_addr *ue, struct gtp_addr *key)
{
	*key = *ue;
	if (ue->family == GTP_AF_INET6)
		memset(key->b + 8, 0, 8);
}

uint32_t tof_ue_sig(const struct tof_tables *t, const struct gtp_addr *ue)
{
	struct gtp_addr key;

	tof_ue_key(ue, &key);
	return tof_hash_addr(&t->hkey, &key, 0x0e0e);
}

bool tof_session_has_ue(const struct tof_session *s, const struct gtp_addr *ue)
{
	if (ue->family == GTP_AF_INET)
		return gtp_addr_eq(&s->ue4, ue);
	if (ue->family == GTP_AF_INET6)
		return s->ue6.family == GTP_AF_INET6 && memcmp(s->ue6.b, ue->b, 8) == 0;
	return false;
}

static uint32_t tof_session_take(struct tof_tables *t, const struct gtp_addr *ue);

int tof_session_bearer(const struct tof_session *s, uint32_t teid)
{
	if (!(s->flags & TOF_SESS_UL))
		return -1;
	if (s->ul_teid == teid)
		return 0;
	for (unsigned int i = 0; i < s->n_extra && i < TOF_MAX_EXTRA_BEARERS; i++)
		if (s->ul_extra[i] == teid)
			return (int)i + 1;
	return -1;
}

static uint32_t tof_id_of(const struct tof_sess_hot *h)
{
	return h != NULL ? h->id : TOF_NO_SLOT;
}

uint32_t tof_session_find_ul(const struct tof_tables *t, const struct gtp_addr *sgw, uint32_t teid)
{
	return tof_id_of(tof_hot_find_ul(t, sgw, teid, tof_tunnel_sig(t, sgw, teid)));
}

uint32_t tof_session_find_dl(const struct tof_tables *t, const struct gtp_addr *enb, uint32_t teid)
{
	return tof_id_of(tof_hot_find_dl(t, enb, teid, tof_tunnel_sig(t, enb, teid)));
}

uint32_t tof_session_find_ue(const struct tof_tables *t, const struct gtp_addr *ue)
{
	return tof_id_of(tof_hot_find_ue(t, ue, tof_ue_sig(t, ue)));
}

uint32_t tof_session_add(struct tof_tables *t, const struct gtp_addr *ue)
{
	uint32_t slot = tof_session_take(t, ue);

	if (slot != TOF_NO_SLOT)
		tof_session_publish(t, slot);
	return slot;
}

uint32_t tof_session_add_ul(struct tof_tables *t, const struct gtp_addr *ue,
			    const struct gtp_addr *enb, const struct gtp_addr *sgw, uint32_t teid,
			    uint64_t now_ns)
{
	uint32_t slot = tof_session_take(t, ue);

	if (slot == TOF_NO_SLOT)
		return TOF_NO_SLOT;
	struct tof_session *s = &t->sessions[slot];
	s->enb = *enb;
	s->sgw = *sgw;
	s->ul_teid = teid;
	s->bearer_born[0] = tof_coarse(now_ns);
	s->flags |= TOF_SESS_UL;
	tof_session_publish(t, slot); /* once, whole */
	return slot;
}

/* A free record for ue, not published yet. */
static uint32_t tof_session_take(struct tof_tables *t, const struct gtp_addr *ue)
{
	uint32_t slot = t->free_head;

	if (slot == TOF_NO_SLOT)
		return TOF_NO_SLOT;
	struct tof_session *s = &t->sessions[slot];
	t->free_head = s->next_free;
	memset(s, 0, sizeof(*s));
	/* (in_use and the counts are read outside the lock: /tunnels, /health.) */
	__atomic_store_n(&s->in_use, 1, __ATOMIC_RELAXED);
	s->hot = TOF_NO_SLOT;
	s->next_free = TOF_NO_SLOT;
	if (ue->family == GTP_AF_INET)
		s->ue4 = *ue;
	else
		s->ue6 = *ue;
	__atomic_store_n(&t->n_sessions, t->n_sessions + 1, __ATOMIC_RELAXED);
	return slot;
}

/* Drop bearer i (0: ul_teid) from the record; the first dedicated bearer
 * takes the place of the first. */
static void tof_session_drop_bearer(struct tof_session *s, unsigned int i)
{
	if (i == 0) {
		s->ul_teid = s->ul_extra[0];
		s->bearer_born[0] = s->bearer_born[1];
		i = 1;
	}
	for (unsigned int k = i; k < s->n_extra; k++) {
		s->ul_extra[k - 1] = s->ul_extra[k];
		s->bearer_born[k] = s->bearer_born[k + 1];
	}
	s->n_extra--;
}

void tof_session_add_bearer(struct tof_tables *t, uint32_t slot, uint32_t teid, uint64_t now_ns)
{
	struct tof_session *s = &t->sessions[slot];
	const struct tof_seen *seen = tof_session_seen(t, slot);

	if (s->n_extra == TOF_MAX_EXTRA_BEARERS) {
		/* Full: the bearer silent longest (a re-attach's old default
		 * bearer, a finished call's) gives way. */
		uint32_t at[TOF_MAX_BEARERS];
		for (unsigned int i = 0; i < TOF_MAX_BEARERS; i++)
			at[i] = __atomic_load_n(&seen->bearer_seen[i], __ATOMIC_RELAXED);
		unsigned int oldest = 1;
		for (unsigned int i = 2; i < TOF_MAX_BEARERS; i++)
			if ((int32_t)(at[i] - at[oldest]) < 0)
				oldest = i;
		/* Ties keep the default bearer, then the order of arrival. */
		if ((int32_t)(at[0] - at[oldest]) < 0)
			oldest = 0;
		tof_session_drop_bearer(s, oldest);
	}
	s->ul_extra[s->n_extra++] = teid;
	s->bearer_born[s->n_extra] = tof_coarse(now_ns);
	tof_session_publish(t, slot);
}

bool tof_session_del_bearer(struct tof_tables *t, uint32_t slot, uint32_t teid)
{
	struct tof_session *s = &t->sessions[slot];
	int i = tof_session_bearer(s, teid);

	if (s->n_extra == 0 || i < 0)
		return false;
	tof_session_drop_bearer(s, (unsigned int)i);
	tof_session_publish(t, slot);
	return true;
}

void tof_session_set_enb(struct tof_tables *t, uint32_t slot, const struct gtp_addr *enb)
{
	struct tof_session *s = &t->sessions[slot];

	/* The downlink key is (eNB, TEID): the old eNB's TEID means nothing. */
	s->flags &= (uint8_t)~TOF_SESS_DL;
	s->dl_teid = 0;
	s->enb = *enb;
	tof_session_publish(t, slot);
}

void tof_session_set_ul(struct tof_tables *t, uint32_t slot, const struct gtp_addr *enb,
			const struct gtp_addr *sgw, uint32_t teid, uint64_t now_ns)
{
	struct tof_session *s = &t->sessions[slot];

	if (!gtp_addr_eq(&s->enb, enb)) {
		s->flags &= (uint8_t)~TOF_SESS_DL;
		s->dl_teid = 0;
	}
	s->enb = *enb;
	s->sgw = *sgw;
	s->ul_teid = teid;
	s->n_extra = 0;
	s->bearer_born[0] = tof_coarse(now_ns);
	s->flags |= TOF_SESS_UL;
	tof_session_publish(t, slot);
}

void tof_session_set_dl(struct tof_tables *t, uint32_t slot, uint32_t teid)
{
	struct tof_session *s = &t->sessions[slot];

	s->dl_teid = teid;
	s->flags |= TOF_SESS_DL;
	tof_session_publish(t, slot);
}

void tof_session_add_ue(struct tof_tables *t, uint32_t slot, const struct gtp_addr *ue)
{
	struct tof_session *s = &t->sessions[slot];

	if (ue->family == GTP_AF_INET)
		s->ue4 = *ue;
	else
		s->ue6 = *ue;
	tof_session_publish(t, slot);
}

void tof_session_del_ue(struct tof_tables *t, uint32_t slot, const struct gtp_addr *ue)
{
	struct tof_session *s = &t->sessions[slot];

	memset(ue->family == GTP_AF_INET ? &s->ue4 : &s->ue6, 0, sizeof(struct gtp_addr));
	tof_session_publish(t, slot);
}

void tof_session_del(struct tof_tables *t, uint32_t slot)
{
	struct tof_session *s = &t->sessions[slot];

	if (!s->in_use)
		return;
	__atomic_store_n(&s->in_use, 0, __ATOMIC_RELAXED);
	tof_session_publish(t, slot);
	s->flags = 0;
	s->next_free = t->free_head;
	t->free_head = slot;
	__atomic_store_n(&t->n_sessions, t->n_sessions - 1, __ATOMIC_RELAXED);
}

uint32_t tof_session_fresh_teid(const struct tof_tables *t, uint32_t slot)
{
	const struct tof_session *s = &t->sessions[slot];
	const struct tof_seen *seen = tof_session_seen(t, slot);
	unsigned int best = 0;

	for (unsigned int i = 1; i <= s->n_extra && i < TOF_MAX_BEARERS; i++)
		if ((int32_t)(__atomic_load_n(&seen->bearer_seen[i], __ATOMIC_RELAXED) -
			      __atomic_load_n(&seen->bearer_seen[best], __ATOMIC_RELAXED)) > 0)
			best = i;
	return best == 0 ? s->ul_teid : s->ul_extra[best - 1];
}
