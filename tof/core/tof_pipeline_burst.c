/* Burst processing: classify every frame, prefetch its index entry, then
 * its session, then decide. Three passes over up to TOF_BURST_MAX frames let
 * the memory system fetch many table lines at once instead of one cache
 * miss after another. */
#include "tof_classify.h"
#include "tof_pipeline.h"
#include "tof_worker.h"

struct tof_burst_ent {
	union {
		struct {
			struct tof_s1_pkt p; /* S1 ports */
			enum tof_class c;
		};
		struct {
			struct tof_apps_pkt a; /* the apps port */
			enum tof_reason parsed;
		};
	};
	const struct tof_index *ix; /* index the frame will be looked up in */
	uint32_t pos;
};

/* Which index a frame's main lookup goes to, and its position there. */
static void tof_burst_locate(const struct tof_pipeline *pl, const struct tof_frame *f,
			     enum tof_port in, struct tof_burst_ent *e)
{
	const struct tof_tables *t = pl->tables;
	uint32_t sig;

	e->ix = NULL;
	if (in == TOF_PORT_APPS) {
		e->parsed = tof_apps_parse(pl, f, &e->a);
		if (e->parsed != TOF_R_APPS_REPLY)
			return;
		sig = tof_ue_sig(t, &e->a.ip.dst);
		e->ix = &t->ix_ue;
	} else {
		e->c = tof_classify_s1(f->buf + f->off, f->len, pl->l2[in], &e->p);
		if (e->c != TOF_C_GPDU)
			return;
		enum tof_dir dir = tof_classify_dir(pl->cfg, in, &e->p);
		if (dir == TOF_DIR_NONE)
			return;
		sig = tof_tunnel_sig(t, &e->p.outer.dst, e->p.gtp.teid);
		e->p.tun_sig = sig;
		e->p.has_sig = true;
		e->ix = dir == TOF_DIR_UPLINK ? &t->ix_ul : &t->ix_dl;
	}
	e->pos = sig & e->ix->mask;
	__builtin_prefetch(&e->ix->ents[e->pos]);
}

void tof_pipeline_process_burst(const struct tof_pipeline *pl, struct tof_worker *w,
				struct tof_frame *f, uint16_t n, enum tof_port in, uint64_t now_ns,
				struct tof_result *res)
{
	struct tof_burst_ent ents[TOF_BURST_MAX];
	const struct tof_tables *t = pl->tables;

	if (n > TOF_BURST_MAX)
		n = TOF_BURST_MAX;
	for (uint16_t i = 0; i < n; i++)
		tof_burst_locate(pl, &f[i], in, &ents[i]);
	/* A hint only: a slot read while the agent writes is harmless here. */
	for (uint16_t i = 0; i < n; i++) {
		if (ents[i].ix == NULL)
			continue;
		uint32_t slot = __atomic_load_n(&ents[i].ix->ents[ents[i].pos].slot, __ATOMIC_RELAXED);
		if (slot != 0 && slot <= t->max_sessions) {
			const char *s = (const char *)&t->sessions[slot - 1];
			__builtin_prefetch(s);
			__builtin_prefetch(s + 64);
			__builtin_prefetch(s + 128);
		}
	}
	for (uint16_t i = 0; i < n; i++) {
		uint32_t in_len = f[i].len;
		tof_result_init(&res[i]);
		if (in == TOF_PORT_APPS)
			tof_pipeline_apps(pl, w, &f[i], now_ns, &ents[i].a, ents[i].parsed, &res[i]);
		else
			tof_pipeline_s1(pl, w, &f[i], in, now_ns, &ents[i].p, ents[i].c, &res[i]);
		tof_pipeline_count(w, in, in_len, &f[i], &res[i]);
	}
}
