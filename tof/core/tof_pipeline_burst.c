/* Burst processing, the way the data plane runs the packet walk: the
 * frames' headers are prefetched a few frames ahead, every frame classified
 * and its index entry prefetched, then the snapshot the entry points at,
 * then the decisions, with the port's direction fixed for the whole burst
 * and the port counters added once. Three passes over up to TOF_BURST_MAX
 * frames let the memory system fetch many lines at once instead of one
 * cache miss after another (what keeps 1M sessions close to 1k). */
#include "tof_classify.h"
#include "tof_pipeline.h"
#include "tof_worker.h"

/* Frames ahead whose headers are prefetched while one is classified. */
#define TOF_PREFETCH_AHEAD 4

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

static inline void tof_prefetch_frame(const struct tof_frame *f)
{
	const uint8_t *d = f->buf + f->off;

	__builtin_prefetch(d);
	__builtin_prefetch(d + 64);
}

/* S1: classify, hash the tunnel key, prefetch its index entry. */
static void tof_burst_locate_s1(const struct tof_pipeline *pl, const struct tof_frame *f,
				enum tof_port in, struct tof_burst_ent *e)
{
	const struct tof_tables *t = pl->tables;

	e->ix = NULL;
	e->c = tof_classify_s1(f->buf + f->off, f->len, pl->l2[in], &e->p);
	if (e->c != TOF_C_GPDU)
		return;
	enum tof_dir dir = tof_classify_dir(pl->cfg, in, &e->p);
	if (dir == TOF_DIR_NONE)
		return;
	e->p.tun_sig = tof_tunnel_sig(t, &e->p.outer.dst, e->p.gtp.teid);
	e->p.has_sig = true;
	e->ix = dir == TOF_DIR_UPLINK ? &t->ix_ul : &t->ix_dl;
	e->pos = e->p.tun_sig & e->ix->mask;
	__builtin_prefetch(&e->ix->ents[e->pos]);
}

/* Apps: parse, hash the UE key, prefetch its index entry. */
static void tof_burst_locate_apps(const struct tof_pipeline *pl, const struct tof_frame *f,
				  struct tof_burst_ent *e)
{
	const struct tof_tables *t = pl->tables;

	e->ix = NULL;
	e->a.has_sig = false;
	e->parsed = tof_apps_parse(pl, f, &e->a);
	if (e->parsed != TOF_R_APPS_REPLY)
		return;
	e->a.ue_sig = tof_ue_sig(t, &e->a.ip.dst);
	e->a.has_sig = true;
	e->ix = &t->ix_ue;
	e->pos = e->a.ue_sig & e->ix->mask;
	__builtin_prefetch(&e->ix->ents[e->pos]);
}

/* A hint only: the entry may change before the lookup, which is harmless. */
static void tof_burst_prefetch_hot(const struct tof_tables *t, const struct tof_burst_ent *e,
				   bool encap)
{
	if (e->ix == NULL)
		return;
	uint64_t w = __atomic_load_n(&e->ix->ents[e->pos], __ATOMIC_RELAXED);
	uint32_t slot = (uint32_t)(w >> 32);
	if (slot == 0 || slot > t->hot_pool.size)
		return;
	const char *h = (const char *)&t->hot[slot - 1];
	__builtin_prefetch(h);
	__builtin_prefetch(h + 64);
	if (encap) {
		__builtin_prefetch(h + 128);
		__builtin_prefetch(h + 192);
	}
}

/* The decision and reason counters per frame; the port's rx and the tx
 * counters added up here and written once per burst. */
struct tof_burst_count {
	uint64_t rx_bytes;
	uint64_t tx_pkts[TOF_PORT__COUNT], tx_bytes[TOF_PORT__COUNT];
};

static inline void tof_burst_count_one(struct tof_worker *w, struct tof_burst_count *bc,
				       uint32_t in_len, const struct tof_frame *f,
				       const struct tof_result *res)
{
	enum tof_decision d = tof_pipeline_decision(res);

	bc->rx_bytes += in_len;
	w->ctr.decision_pkts[d]++;
	w->ctr.decision_bytes[d] += in_len;
	w->ctr.reason[res->reason]++;
	if (tof_result_sends(res)) {
		bc->tx_pkts[res->out_port]++;
		bc->tx_bytes[res->out_port] += f->len;
	}
}

static void tof_burst_count_flush(struct tof_worker *w, enum tof_port in, uint16_t n,
				  const struct tof_burst_count *bc)
{
	w->ctr.rx_pkts[in] += n;
	w->ctr.rx_bytes[in] += bc->rx_bytes;
	for (int p = 0; p < TOF_PORT__COUNT; p++) {
		w->ctr.tx_pkts[p] += bc->tx_pkts[p];
		w->ctr.tx_bytes[p] += bc->tx_bytes[p];
	}
}

static void tof_burst_s1(const struct tof_pipeline *pl, struct tof_worker *w,
			 struct tof_frame *f, uint16_t n, enum tof_port in, uint64_t now_ns,
			 struct tof_result *res, struct tof_burst_ent *ents,
			 struct tof_burst_count *bc)
{
	for (uint16_t i = 0; i < n && i < TOF_PREFETCH_AHEAD; i++)
		tof_prefetch_frame(&f[i]);
	for (uint16_t i = 0; i < n; i++) {
		if (i + TOF_PREFETCH_AHEAD < n)
			tof_prefetch_frame(&f[i + TOF_PREFETCH_AHEAD]);
		tof_burst_locate_s1(pl, &f[i], in, &ents[i]);
	}
	for (uint16_t i = 0; i < n; i++)
		tof_burst_prefetch_hot(pl->tables, &ents[i], false);
	for (uint16_t i = 0; i < n; i++) {
		uint32_t in_len = f[i].len;
		tof_result_init(&res[i]);
		tof_pipeline_s1(pl, w, &f[i], in, now_ns, &ents[i].p, ents[i].c, &res[i]);
		tof_burst_count_one(w, bc, in_len, &f[i], &res[i]);
	}
}

static void tof_burst_apps(const struct tof_pipeline *pl, struct tof_worker *w,
			   struct tof_frame *f, uint16_t n, uint64_t now_ns,
			   struct tof_result *res, struct tof_burst_ent *ents,
			   struct tof_burst_count *bc)
{
	for (uint16_t i = 0; i < n && i < TOF_PREFETCH_AHEAD; i++)
		tof_prefetch_frame(&f[i]);
	for (uint16_t i = 0; i < n; i++) {
		if (i + TOF_PREFETCH_AHEAD < n)
			tof_prefetch_frame(&f[i + TOF_PREFETCH_AHEAD]);
		tof_burst_locate_apps(pl, &f[i], &ents[i]);
	}
	for (uint16_t i = 0; i < n; i++)
		tof_burst_prefetch_hot(pl->tables, &ents[i], true);
	for (uint16_t i = 0; i < n; i++) {
		uint32_t in_len = f[i].len;
		tof_result_init(&res[i]);
		tof_pipeline_apps(pl, w, &f[i], now_ns, &ents[i].a, ents[i].parsed, &res[i]);
		tof_burst_count_one(w, bc, in_len, &f[i], &res[i]);
	}
}

void tof_pipeline_process_burst(const struct tof_pipeline *pl, struct tof_worker *w,
				struct tof_frame *f, uint16_t n, enum tof_port in, uint64_t now_ns,
				struct tof_result *res)
{
	struct tof_burst_ent ents[TOF_BURST_MAX];
	struct tof_burst_count bc = {0};

	if (n > TOF_BURST_MAX)
		n = TOF_BURST_MAX;
	/* The port says which half of the walk; decided once a burst. */
	if (in == TOF_PORT_APPS)
		tof_burst_apps(pl, w, f, n, now_ns, res, ents, &bc);
	else
		tof_burst_s1(pl, w, f, n, in, now_ns, res, ents, &bc);
	tof_burst_count_flush(w, in, n, &bc);
}
