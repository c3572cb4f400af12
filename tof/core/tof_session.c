/* Session table: UE -> tunnels, indexed by uplink tunnel, downlink tunnel
 * and UE address. Writers hold the seqlock for each change. */
#include <string.h>

#include "tof_tables.h"

static uint32_t tof_tunnel_hash(const struct tof_tables *t, const struct gtp_addr *a, uint32_t teid)
{
	return tof_tunnel_sig(t, a, teid);
}

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

int tof_session_bearer(const struct tof_session *s, uint32_t teid)
{
	if (s->ul_teid == teid)
		return 0;
	for (unsigned int i = 0; i < s->n_extra && i < TOF_MAX_EXTRA_BEARERS; i++)
		if (s->ul_extra[i] == teid)
			return (int)i + 1;
	return -1;
}

uint32_t tof_session_find_ul(const struct tof_tables *t, const struct gtp_addr *sgw, uint32_t teid)
{
	return tof_session_find_ul_sig(t, sgw, teid, tof_tunnel_hash(t, sgw, teid));
}

uint32_t tof_session_find_ul_sig(const struct tof_tables *t, const struct gtp_addr *sgw,
				 uint32_t teid, uint32_t sig)
{
	struct tof_index_iter it;
	uint32_t slot;

	tof_index_start(&t->ix_ul, sig, &it);
	while ((slot = tof_index_next(&t->ix_ul, sig, &it)) != TOF_NO_SLOT) {
		const struct tof_session *s = &t->sessions[slot];
		if (s->in_use && (s->flags & TOF_SESS_UL) && tof_session_bearer(s, teid) >= 0 &&
		    gtp_addr_eq(&s->sgw, sgw))
			return slot;
	}
	return TOF_NO_SLOT;
}

uint32_t tof_session_find_dl(const struct tof_tables *t, const struct gtp_addr *enb, uint32_t teid)
{
	return tof_session_find_dl_sig(t, enb, teid, tof_tunnel_hash(t, enb, teid));
}

uint32_t tof_session_find_dl_sig(const struct tof_tables *t, const struct gtp_addr *enb,
				 uint32_t teid, uint32_t sig)
{
	struct tof_index_iter it;
	uint32_t slot;

	tof_index_start(&t->ix_dl, sig, &it);
	while ((slot = tof_index_next(&t->ix_dl, sig, &it)) != TOF_NO_SLOT) {
		const struct tof_session *s = &t->sessions[slot];
		if (s->in_use && (s->flags & TOF_SESS_DL) && s->dl_teid == teid &&
		    gtp_addr_eq(&s->enb, enb))
			return slot;
	}
	return TOF_NO_SLOT;
}

uint32_t tof_session_find_ue(const struct tof_tables *t, const struct gtp_addr *ue)
{
	uint32_t sig = tof_ue_sig(t, ue);
	struct tof_index_iter it;
	uint32_t slot;

	tof_index_start(&t->ix_ue, sig, &it);
	while ((slot = tof_index_next(&t->ix_ue, sig, &it)) != TOF_NO_SLOT) {
		const struct tof_session *s = &t->sessions[slot];
		if (s->in_use && tof_session_has_ue(s, ue))
			return slot;
	}
	return TOF_NO_SLOT;
}

/* Every index is sized for all a full session table can put in it, so a
 * refusal means a bug; it is counted and the key left out (the session
 * then works without it) rather than looped on. */
static bool tof_index_put(struct tof_tables *t, struct tof_index *ix, uint32_t sig, uint32_t slot)
{
	if (tof_index_insert(ix, sig, slot))
		return true;
	t->refused++;
	return false;
}

static void tof_session_index_ue(struct tof_tables *t, uint32_t slot, const struct gtp_addr *ue)
{
	struct tof_session *s = &t->sessions[slot];

	if (!tof_index_put(t, &t->ix_ue, tof_ue_sig(t, ue), slot))
		return;
	if (ue->family == GTP_AF_INET)
		s->ue4 = *ue;
	else
		s->ue6 = *ue;
}

static void tof_session_unindex_ue(struct tof_tables *t, uint32_t slot, struct gtp_addr *ue)
{
	if (ue->family == GTP_AF_NONE)
		return;
	tof_index_remove(&t->ix_ue, tof_ue_sig(t, ue), slot);
	memset(ue, 0, sizeof(*ue));
}

uint32_t tof_session_add(struct tof_tables *t, const struct gtp_addr *ue)
{
	uint32_t slot = t->free_head;

	if (slot == TOF_NO_SLOT)
		return TOF_NO_SLOT;
	tof_write_begin(t);
	struct tof_session *s = &t->sessions[slot];
	t->free_head = s->next_free;
	memset(s, 0, sizeof(*s));
	__atomic_store_n(&s->in_use, 1, __ATOMIC_RELAXED);
	s->next_free = TOF_NO_SLOT;
	tof_session_index_ue(t, slot, ue);
	__atomic_store_n(&t->n_sessions, t->n_sessions + 1, __ATOMIC_RELAXED);
	tof_write_end(t);
	return slot;
}

/* Drop bearer i (0: ul_teid) from the uplink index and the session; the
 * first dedicated bearer takes the place of the first. */
static void tof_session_drop_bearer(struct tof_tables *t, uint32_t slot, unsigned int i)
{
	struct tof_session *s = &t->sessions[slot];
	uint32_t teid = i == 0 ? s->ul_teid : s->ul_extra[i - 1];

	tof_index_remove(&t->ix_ul, tof_tunnel_hash(t, &s->sgw, teid), slot);
	if (i == 0) {
		s->ul_teid = s->ul_extra[0];
		s->bearer_seen[0] = s->bearer_seen[1];
		i = 1;
	}
	for (unsigned int k = i; k < s->n_extra; k++) {
		s->ul_extra[k - 1] = s->ul_extra[k];
		s->bearer_seen[k] = s->bearer_seen[k + 1];
	}
	s->n_extra--;
}

/* Remove every uplink TEID of the session from the index. */
static void tof_session_unindex_ul(struct tof_tables *t, uint32_t slot)
{
	struct tof_session *s = &t->sessions[slot];

	if (!(s->flags & TOF_SESS_UL))
		return;
	tof_index_remove(&t->ix_ul, tof_tunnel_hash(t, &s->sgw, s->ul_teid), slot);
	for (unsigned int i = 0; i < s->n_extra; i++)
		tof_index_remove(&t->ix_ul, tof_tunnel_hash(t, &s->sgw, s->ul_extra[i]), slot);
	s->n_extra = 0;
	s->flags &= (uint8_t)~TOF_SESS_UL;
}

static void tof_session_unindex_dl(struct tof_tables *t, uint32_t slot)
{
	struct tof_session *s = &t->sessions[slot];

	if (!(s->flags & TOF_SESS_DL))
		return;
	tof_index_remove(&t->ix_dl, tof_tunnel_hash(t, &s->enb, s->dl_teid), slot);
	s->flags &= (uint8_t)~TOF_SESS_DL;
	s->dl_teid = 0;
}

void tof_session_add_bearer(struct tof_tables *t, uint32_t slot, uint32_t teid, uint64_t now_ns)
{
	struct tof_session *s = &t->sessions[slot];

	tof_write_begin(t);
	if (s->n_extra == TOF_MAX_EXTRA_BEARERS) {
		/* Full: the bearer silent longest (a re-attach's old default
		 * bearer, a finished call's) gives way. */
		unsigned int oldest = 1;
		for (unsigned int i = 2; i < TOF_MAX_BEARERS; i++)
			if ((int32_t)(s->bearer_seen[i] - s->bearer_seen[oldest]) < 0)
				oldest = i;
		/* Ties keep the default bearer, then the order of arrival. */
		if ((int32_t)(s->bearer_seen[0] - s->bearer_seen[oldest]) < 0)
			oldest = 0;
		tof_session_drop_bearer(t, slot, oldest);
	}
	if (tof_index_put(t, &t->ix_ul, tof_tunnel_hash(t, &s->sgw, teid), slot)) {
		s->ul_extra[s->n_extra++] = teid;
		s->bearer_seen[s->n_extra] = tof_coarse(now_ns);
	}
	tof_write_end(t);
}

bool tof_session_del_bearer(struct tof_tables *t, uint32_t slot, uint32_t teid)
{
	struct tof_session *s = &t->sessions[slot];
	int i = tof_session_bearer(s, teid);

	if (s->n_extra == 0 || i < 0)
		return false;
	tof_write_begin(t);
	tof_session_drop_bearer(t, slot, (unsigned int)i);
	tof_write_end(t);
	return true;
}

void tof_session_set_enb(struct tof_tables *t, uint32_t slot, const struct gtp_addr *enb)
{
	struct tof_session *s = &t->sessions[slot];

	tof_write_begin(t);
	tof_session_unindex_dl(t, slot);
	s->enb = *enb;
	tof_write_end(t);
}

void tof_session_set_ul(struct tof_tables *t, uint32_t slot, const struct gtp_addr *enb,
			const struct gtp_addr *sgw, uint32_t teid, uint64_t now_ns)
{
	struct tof_session *s = &t->sessions[slot];

	tof_write_begin(t);
	tof_session_unindex_ul(t, slot);
	/* The downlink key is (eNB, TEID): a new eNB makes the old one stale. */
	if (!gtp_addr_eq(&s->enb, enb))
		tof_session_unindex_dl(t, slot);
	s->enb = *enb;
	s->sgw = *sgw;
	s->ul_teid = teid;
	s->bearer_seen[0] = tof_coarse(now_ns);
	if (tof_index_put(t, &t->ix_ul, tof_tunnel_hash(t, sgw, teid), slot))
		s->flags |= TOF_SESS_UL;
	tof_write_end(t);
}

void tof_session_set_dl(struct tof_tables *t, uint32_t slot, uint32_t teid)
{
	struct tof_session *s = &t->sessions[slot];

	tof_write_begin(t);
	tof_session_unindex_dl(t, slot);
	if (tof_index_put(t, &t->ix_dl, tof_tunnel_hash(t, &s->enb, teid), slot)) {
		s->dl_teid = teid;
		s->flags |= TOF_SESS_DL;
	}
	tof_write_end(t);
}

void tof_session_add_ue(struct tof_tables *t, uint32_t slot, const struct gtp_addr *ue)
{
	struct tof_session *s = &t->sessions[slot];

	tof_write_begin(t);
	tof_session_unindex_ue(t, slot, ue->family == GTP_AF_INET ? &s->ue4 : &s->ue6);
	tof_session_index_ue(t, slot, ue);
	tof_write_end(t);
}

void tof_session_del_ue(struct tof_tables *t, uint32_t slot, const struct gtp_addr *ue)
{
	struct tof_session *s = &t->sessions[slot];

	tof_write_begin(t);
	tof_session_unindex_ue(t, slot, ue->family == GTP_AF_INET ? &s->ue4 : &s->ue6);
	tof_write_end(t);
}

void tof_session_del(struct tof_tables *t, uint32_t slot)
{
	struct tof_session *s = &t->sessions[slot];

	if (!s->in_use)
		return;
	tof_write_begin(t);
	tof_session_unindex_ul(t, slot);
	tof_session_unindex_dl(t, slot);
	tof_session_unindex_ue(t, slot, &s->ue4);
	tof_session_unindex_ue(t, slot, &s->ue6);
	__atomic_store_n(&s->in_use, 0, __ATOMIC_RELAXED);
	s->flags = 0;
	s->next_free = t->free_head;
	t->free_head = slot;
	__atomic_store_n(&t->n_sessions, t->n_sessions - 1, __ATOMIC_RELAXED);
	tof_write_end(t);
}

uint32_t tof_session_fresh_teid(const struct tof_session *s)
{
	unsigned int best = 0;

	for (unsigned int i = 1; i <= s->n_extra && i < TOF_MAX_BEARERS; i++)
		if ((int32_t)(s->bearer_seen[i] - s->bearer_seen[best]) > 0)
			best = i;
	return best == 0 ? s->ul_teid : s->ul_extra[best - 1];
}
