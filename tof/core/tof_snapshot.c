/* Snapshots: pools that reuse a retired snapshot only after the workers
 * are past it, the publication of a session's snapshot (indexes re-pointed
 * one atomic store at a time), and the workers' lookups. */
#include <stdlib.h>
#include <string.h>

#include "gtp.h"
#include "tof_tables.h"

int tof_pool_init(struct tof_hot_pool *p, uint32_t size)
{
	memset(p, 0, sizeof(*p));
	p->next = calloc(size, sizeof(*p->next));
	p->retired = calloc(size, sizeof(*p->retired));
	if (p->next == NULL || p->retired == NULL)
		return -1;
	for (uint32_t i = 0; i < size; i++)
		p->next[i] = i + 1 < size ? i + 1 : TOF_NO_SLOT;
	p->size = size;
	return 0;
}

void tof_pool_fini(struct tof_hot_pool *p)
{
	free(p->next);
	free(p->retired);
	p->next = NULL;
	p->retired = NULL;
}

static void tof_pool_reclaim(struct tof_qsbr *q, struct tof_hot_pool *p)
{
	while (p->r_head != p->r_tail) {
		uint32_t i = p->r_head % p->size;
		if (!tof_qsbr_done(q, p->retired[i].token))
			break;
		p->next[p->retired[i].slot] = p->free_head;
		p->free_head = p->retired[i].slot;
		p->r_head++;
	}
}

uint32_t tof_pool_alloc(struct tof_tables *t, struct tof_hot_pool *p)
{
	tof_pool_reclaim(&t->qsbr, p);
	if (p->free_head == TOF_NO_SLOT) {
		if (p->r_head == p->r_tail)
			return TOF_NO_SLOT;
		/* Every spare snapshot is still being read: wait for the
		 * workers to finish their burst (never the other way round). */
		t->writer_waits++;
		tof_qsbr_wait(&t->qsbr, p->retired[p->r_head % p->size].token);
		tof_pool_reclaim(&t->qsbr, p);
	}
	uint32_t slot = p->free_head;
	p->free_head = p->next[slot];
	return slot;
}

void tof_pool_retire(struct tof_tables *t, struct tof_hot_pool *p, uint32_t slot)
{
	uint32_t i = p->r_tail % p->size;

	p->retired[i].slot = slot;
	p->retired[i].token = tof_qsbr_retire(&t->qsbr);
	p->r_tail++;
}

/* --- a snapshot's keys --- */

/* The keys a snapshot is found by in one index. */
struct tof_keys {
	uint32_t n;
	struct gtp_addr addr[TOF_MAX_BEARERS];
	uint32_t extra[TOF_MAX_BEARERS];
	uint32_t sig[TOF_MAX_BEARERS];
};

enum tof_key_kind { TOF_KEY_UL, TOF_KEY_DL, TOF_KEY_UE };

static void tof_keys_of(const struct tof_tables *t, const struct tof_sess_hot *h,
			enum tof_key_kind kind, struct tof_keys *k)
{
	k->n = 0;
	if (h == NULL)
		return;
	if (kind == TOF_KEY_UL && (h->flags & TOF_SESS_UL)) {
		for (uint32_t i = 0; i < h->n_ul && i < TOF_MAX_BEARERS; i++) {
			k->addr[k->n] = h->sgw;
			k->extra[k->n] = h->ul_teid[i];
			k->sig[k->n++] = tof_tunnel_sig(t, &h->sgw, h->ul_teid[i]);
		}
	} else if (kind == TOF_KEY_DL && (h->flags & TOF_SESS_DL)) {
		k->addr[0] = h->enb;
		k->extra[0] = h->dl_teid;
		k->sig[0] = tof_tunnel_sig(t, &h->enb, h->dl_teid);
		k->n = 1;
	} else if (kind == TOF_KEY_UE) {
		const struct gtp_addr *ue[2] = {&h->ue4, &h->ue6};
		for (int i = 0; i < 2; i++) {
			if (ue[i]->family == GTP_AF_NONE)
				continue;
			tof_ue_key(ue[i], &k->addr[k->n]);
			k->extra[k->n] = 0;
			k->sig[k->n++] = tof_ue_sig(t, ue[i]);
		}
	}
}

static bool tof_keys_has(const struct tof_keys *k, const struct gtp_addr *addr, uint32_t extra)
{
	for (uint32_t i = 0; i < k->n; i++)
		if (k->extra[i] == extra && gtp_addr_eq(&k->addr[i], addr))
			return true;
	return false;
}

/* Move one index from the old snapshot's keys to the new one's: keys both
 * have are re-pointed in place, then the old snapshot's other keys are
 * removed and the new one's inserted (so the index never holds more than
 * either). Readers find either snapshot whole, or (for a key that comes or
 * goes) nothing. */
static void tof_keys_switch(struct tof_tables *t, struct tof_index *ix,
			    const struct tof_keys *old, uint32_t old_slot,
			    const struct tof_keys *nw, uint32_t new_slot)
{
	bool moved[TOF_MAX_BEARERS] = {false};

	for (uint32_t i = 0; i < nw->n; i++)
		moved[i] = tof_keys_has(old, &nw->addr[i], nw->extra[i]) &&
			   tof_index_repoint(ix, nw->sig[i], old_slot, new_slot);
	if (t->publish_hook != NULL)
		t->publish_hook(t->publish_ctx);
	for (uint32_t i = 0; i < old->n; i++)
		if (!tof_keys_has(nw, &old->addr[i], old->extra[i]))
			tof_index_remove(ix, old->sig[i], old_slot);
	for (uint32_t i = 0; i < nw->n; i++)
		if (!moved[i] && !tof_index_insert(ix, nw->sig[i], new_slot))
			t->refused++; /* sized for all a full table holds: never */
}

/* The downlink encapsulation's outer headers, with no payload and IP
 * identification 0 (patched per packet). */
static void tof_outer_build(const struct tof_tables *t, const struct tof_session *s,
			    struct tof_encap_tmpl *o)
{
	uint8_t ext[4];
	struct gtp_encap e;

	memset(o, 0, sizeof(*o));
	if (!(s->flags & TOF_SESS_DL) || s->sgw.family != s->enb.family)
		return;
	memset(&e, 0, sizeof(e));
	e.src = s->sgw;
	e.dst = s->enb;
	e.sport = GTPU_PORT;
	e.dport = GTPU_PORT;
	e.ttl = t->encap_ttl;
	e.gtp.msg_type = GTP_MSG_GPDU;
	e.gtp.teid = s->dl_teid;
	if (s->flags & TOF_SESS_QFI) {
		e.gtp.first_ext = GTP_EXT_PDU_SESSION;
		e.gtp.ext = ext;
		e.gtp.ext_len = gtp_ext_pdu_session(ext, 0, s->qfi);
	}
	size_t len = gtp_encap_len(&e);
	if (len > sizeof(o->bytes) || gtp_encap_write(o->bytes, &e, 0) != len)
		return;
	o->len = (uint8_t)len;
	o->family = s->sgw.family;
	o->gtp_off = (uint8_t)(len - gtp_hdr_len(&e.gtp));
}

/* Fill snapshot h from the session's record; the last-seen times carry
 * over from the snapshot it replaces (by TEID for the bearers). */
static void tof_hot_fill(const struct tof_tables *t, struct tof_sess_hot *h, uint32_t id,
			 const struct tof_session *s, const struct tof_sess_hot *old)
{
	memset(h, 0, sizeof(*h));
	h->id = id;
	h->flags = s->flags;
	h->qfi = s->qfi;
	if (s->flags & TOF_SESS_UL) {
		h->n_ul = (uint8_t)(1 + s->n_extra);
		h->ul_teid[0] = s->ul_teid;
		for (unsigned int i = 0; i < s->n_extra && i < TOF_MAX_EXTRA_BEARERS; i++)
			h->ul_teid[i + 1] = s->ul_extra[i];
	}
	h->dl_teid = s->dl_teid;
	h->sgw = s->sgw;
	h->enb = s->enb;
	h->ue4 = s->ue4;
	h->ue6 = s->ue6;
	for (int i = 0; i < h->n_ul; i++) {
		int was = old != NULL ? tof_hot_bearer(old, h->ul_teid[i]) : -1;
		h->seen.bearer_seen[i] = was >= 0 ?
			__atomic_load_n(&old->seen.bearer_seen[was], __ATOMIC_RELAXED) :
			s->bearer_born[i];
	}
	if (old != NULL) {
		h->seen.ul_seen_ns = __atomic_load_n(&old->seen.ul_seen_ns, __ATOMIC_RELAXED);
		h->seen.dl_seen_ns = __atomic_load_n(&old->seen.dl_seen_ns, __ATOMIC_RELAXED);
	}
	/* The downlink's own link header, else the uplink's with the MACs
	 * swapped. */
	if (s->dl_l2.len > 0) {
		h->l2 = s->dl_l2;
	} else {
		h->l2 = s->ul_l2;
		h->outer.l2_swap = 1;
	}
	uint8_t swap = h->outer.l2_swap;
	tof_outer_build(t, s, &h->outer);
	h->outer.l2_swap = swap;
}

void tof_session_publish(struct tof_tables *t, uint32_t id)
{
	struct tof_session *s = &t->sessions[id];
	uint32_t old = s->hot;
	const struct tof_sess_hot *oh = old != TOF_NO_SLOT ? &t->hot[old] : NULL;
	struct tof_keys ok, nk;
	uint32_t nw;

	if (!s->in_use) {
		/* Gone: unlink the last snapshot. */
		if (oh == NULL)
			return;
		for (enum tof_key_kind k = TOF_KEY_UL; k <= TOF_KEY_UE; k++) {
			struct tof_index *ix = k == TOF_KEY_UL ? &t->ix_ul :
					       k == TOF_KEY_DL ? &t->ix_dl : &t->ix_ue;
			tof_keys_of(t, oh, k, &ok);
			for (uint32_t i = 0; i < ok.n; i++)
				tof_index_remove(ix, ok.sig[i], old);
		}
		s->hot = TOF_NO_SLOT;
		tof_pool_retire(t, &t->hot_pool, old);
		return;
	}
	nw = tof_pool_alloc(t, &t->hot_pool);
	if (nw == TOF_NO_SLOT) { /* more snapshots live than sessions: never */
		t->refused++;
		return;
	}
	tof_hot_fill(t, &t->hot[nw], id, s, oh);
	for (enum tof_key_kind k = TOF_KEY_UL; k <= TOF_KEY_UE; k++) {
		struct tof_index *ix = k == TOF_KEY_UL ? &t->ix_ul :
				       k == TOF_KEY_DL ? &t->ix_dl : &t->ix_ue;
		tof_keys_of(t, oh, k, &ok);
		tof_keys_of(t, &t->hot[nw], k, &nk);
		tof_keys_switch(t, ix, &ok, old, &nk, nw);
	}
	s->hot = nw;
	if (old != TOF_NO_SLOT)
		tof_pool_retire(t, &t->hot_pool, old);
}

struct tof_seen *tof_session_seen(const struct tof_tables *t, uint32_t slot)
{
	static struct tof_seen none;
	uint32_t h = t->sessions[slot].hot;

	return h != TOF_NO_SLOT ? &t->hot[h].seen : &none;
}

/* --- the workers' lookups --- */

/* Look a key up: each candidate snapshot is checked by match(); a miss is
 * looked up again if entries moved meanwhile (bounded). */
#define TOF_LOOKUP(ix, sig, pool, match)                                          \
	do {                                                                      \
		for (int try_ = 0; try_ <= TOF_INDEX_RETRIES; try_++) {           \
			uint64_t before_ = tof_index_changes(ix);                 \
			struct tof_index_iter it_;                                \
			uint32_t slot_;                                           \
			tof_index_start(ix, sig, &it_);                           \
			while ((slot_ = tof_index_next(ix, sig, &it_)) != TOF_NO_SLOT) { \
				const __typeof__(&(pool)[0]) h_ = &(pool)[slot_]; \
				if (match)                                        \
					return h_;                                \
			}                                                         \
			if (tof_index_changes(ix) == before_)                     \
				break;                                            \
		}                                                                 \
		return NULL;                                                      \
	} while (0)

const struct tof_sess_hot *tof_hot_find_ul(const struct tof_tables *t, const struct gtp_addr *sgw,
					   uint32_t teid, uint32_t sig)
{
	TOF_LOOKUP(&t->ix_ul, sig, t->hot,
		   tof_hot_bearer(h_, teid) >= 0 && gtp_addr_eq(&h_->sgw, sgw));
}

const struct tof_sess_hot *tof_hot_find_dl(const struct tof_tables *t, const struct gtp_addr *enb,
					   uint32_t teid, uint32_t sig)
{
	TOF_LOOKUP(&t->ix_dl, sig, t->hot,
		   (h_->flags & TOF_SESS_DL) && h_->dl_teid == teid && gtp_addr_eq(&h_->enb, enb));
}

const struct tof_sess_hot *tof_hot_find_ue(const struct tof_tables *t, const struct gtp_addr *ue,
					   uint32_t sig)
{
	TOF_LOOKUP(&t->ix_ue, sig, t->hot, tof_hot_has_ue(h_, ue));
}
