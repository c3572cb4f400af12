/* Session and service tables.
 *
 * One writer (the agent, or the replay loop) and any number of readers (the
 * workers). Readers never lock: every write is bracketed by a sequence
 * counter (seqlock), and a reader that saw the counter move retries its
 * lookup. Entries live in pools with stable slot numbers; hash indexes map
 * keys to slots and store a 32-bit signature so a probe rarely touches the
 * pool. Indexes use linear probing with backward-shift deletion (no
 * tombstones), at most half full. The only fields readers write are the
 * last-seen times, with relaxed atomic stores. The counts (n_sessions,
 * n_services) and in_use are also read outside read sections (/health, the
 * /tunnels walk), so the writer stores them atomically. */
#ifndef TOF_CORE_TABLES_H
#define TOF_CORE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"
#include "pinger.h"
#include "tof_config.h"

#define TOF_NO_SLOT UINT32_MAX

/* Open-addressing index: key hash -> pool slot. */
struct tof_index_ent {
	uint32_t sig;  /* full 32-bit hash of the key */
	uint32_t slot; /* pool slot + 1; 0 = empty */
};

/* Linear probing, at most half full, so an empty entry always ends a probe.
 * Inserts beyond `limit` are refused, never looped on; readers probe at most
 * max_dist + 1 entries (the longest displacement any entry has had), so no
 * lookup is unbounded even while the writer moves entries. */
struct tof_index {
	struct tof_index_ent *ents;
	uint32_t mask;     /* capacity - 1, capacity a power of two */
	uint32_t used;
	uint32_t limit;    /* most entries it takes (capacity / 2 or less) */
	uint32_t max_dist; /* atomic: longest probe an entry needs, minus one */
};

int tof_index_init(struct tof_index *ix, uint32_t max_entries);
void tof_index_free(struct tof_index *ix);
size_t tof_index_memory(uint32_t max_entries);
/* Writer side. insert: the key must not be present already; false (and
 * nothing changed) when the index already holds `limit` entries. */
bool tof_index_insert(struct tof_index *ix, uint32_t sig, uint32_t slot);
/* Remove the entry for (sig, slot); returns false if it is not there. */
bool tof_index_remove(struct tof_index *ix, uint32_t sig, uint32_t slot);

/* Reader side: iterate candidate slots whose signature matches. */
struct tof_index_iter {
	uint32_t pos;
	uint32_t left; /* entries still to look at */
};

static inline void tof_index_start(const struct tof_index *ix, uint32_t sig,
				   struct tof_index_iter *it)
{
	it->pos = sig & ix->mask;
	it->left = __atomic_load_n(&ix->max_dist, __ATOMIC_ACQUIRE) + 1;
}

/* The next slot whose entry has signature sig, or TOF_NO_SLOT. */
static inline uint32_t tof_index_next(const struct tof_index *ix, uint32_t sig,
				      struct tof_index_iter *it)
{
	while (it->left > 0) {
		const struct tof_index_ent *e = &ix->ents[it->pos];
		uint32_t slot = __atomic_load_n(&e->slot, __ATOMIC_RELAXED);
		uint32_t esig = __atomic_load_n(&e->sig, __ATOMIC_RELAXED);
		it->pos = (it->pos + 1) & ix->mask;
		it->left--;
		if (slot == 0)
			return TOF_NO_SLOT;
		if (esig == sig)
			return slot - 1;
	}
	return TOF_NO_SLOT;
}

/* 64-bit finaliser (every input bit reaches every output bit). */
static inline uint64_t tof_hash_fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Secret key of the tables' hash, drawn per process (tof_hash_key_init
 * expands a 64-bit seed). Keys are hashed with NH (the UMAC universal hash:
 * sums of (word + key) x (word + key) products), which makes two chosen keys
 * collide with probability about 2^-32 whatever the attacker picks, then
 * the finaliser. */
struct tof_hash_key {
	uint32_t k[8];
	uint64_t fin;
};

void tof_hash_key_init(struct tof_hash_key *hk, uint64_t seed);

static inline uint64_t tof_nh_pair(uint32_t a, uint32_t ka, uint32_t b, uint32_t kb)
{
	return (uint64_t)(uint32_t)(a + ka) * (uint32_t)(b + kb);
}

/* Hash of an address plus a 32-bit extra (a TEID, or 0): one product for
 * IPv4, three for IPv6. This is on every packet's path. */
static inline uint32_t tof_hash_addr(const struct tof_hash_key *hk, const struct gtp_addr *a,
				     uint32_t extra)
{
	uint32_t w[4];
	uint64_t h;

	if (a->family != GTP_AF_INET6) {
		__builtin_memcpy(w, a->b, 4);
		h = tof_nh_pair(w[0], hk->k[0], extra, hk->k[1]);
	} else {
		__builtin_memcpy(w, a->b, 16);
		h = tof_nh_pair(w[0], hk->k[2], w[1], hk->k[3]) +
		    tof_nh_pair(w[2], hk->k[4], w[3], hk->k[5]) +
		    tof_nh_pair(extra, hk->k[6], 6, hk->k[7]);
	}
	return (uint32_t)tof_hash_fmix(h ^ hk->fin);
}

/* L2 header to put on frames we inject in one direction, learned from the
 * frames seen in that direction (any link type: Ethernet incl. VLAN tags,
 * Linux cooked, or none). proto_off locates the ethertype to patch. */
#define TOF_L2_TMPL_MAX 30
struct tof_l2_tmpl {
	uint8_t len;       /* 0: nothing learned (or raw IP) */
	uint8_t proto_off;
	uint8_t bytes[TOF_L2_TMPL_MAX];
};

/* Session flags. */
#define TOF_SESS_UL 0x01  /* uplink tunnel known */
#define TOF_SESS_DL 0x02  /* downlink tunnel known */
#define TOF_SESS_QFI 0x04 /* uplink carried a PDU Session Container (5G N3) */

/* A UE may have dedicated bearers beside its default one (same address,
 * same eNB and SGW, another uplink TEID each): all of them are its uplink
 * tunnels. Replies go down the one downlink tunnel learned. */
#define TOF_MAX_EXTRA_BEARERS 3
#define TOF_MAX_BEARERS (1 + TOF_MAX_EXTRA_BEARERS)

/* Coarse times (2^20 ns, about a millisecond) where 32 bits are enough:
 * they wrap after 52 days, far beyond any silence we measure. */
#define TOF_COARSE_SHIFT 20
static inline uint32_t tof_coarse(uint64_t ns)
{
	return (uint32_t)(ns >> TOF_COARSE_SHIFT);
}

/* Nanoseconds since coarse time c, at now_ns (0 if c is in the future). */
static inline uint64_t tof_coarse_age_ns(uint32_t c, uint64_t now_ns)
{
	uint32_t d = tof_coarse(now_ns) - c;

	return d > 0x80000000u ? 0 : (uint64_t)d << TOF_COARSE_SHIFT;
}

/* One UE's tunnels. Written only by the writer under the seqlock, except the
 * *_seen fields, which readers stamp. */
struct tof_session {
	/* First cache line: what an uplink/downlink lookup reads and writes. */
	uint8_t in_use;
	uint8_t flags;         /* TOF_SESS_* */
	uint8_t qfi;           /* QFI seen on the uplink (TOF_SESS_QFI) */
	uint8_t n_extra;       /* bearers beyond the first */
	uint32_t ul_teid;      /* TEID of uplink G-PDUs (SGW's), first bearer */
	uint32_t ul_extra[TOF_MAX_EXTRA_BEARERS]; /* dedicated bearers' TEIDs */
	uint32_t dl_teid;      /* TEID of downlink G-PDUs (eNB's) */
	struct gtp_addr sgw;   /* SGW end of the tunnel (outer dst of uplink) */
	struct gtp_addr enb;   /* eNB end of the tunnel (outer src of uplink) */
	uint64_t ul_seen_ns;   /* atomic: last uplink G-PDU from the UE's own address */
	/* Second line: the UE's addresses. */
	struct gtp_addr ue4;   /* IPv4 UE address, GTP_AF_NONE if none */
	struct gtp_addr ue6;   /* IPv6 UE address first seen, or none; indexed
				* and matched by its /64 (the UE owns the prefix) */
	uint64_t dl_seen_ns;   /* atomic: last downlink G-PDU */
	/* atomic, coarse: when each uplink TEID (ul_teid, then ul_extra[])
	 * last carried the UE's own traffic; stale bearers age out by it */
	uint32_t bearer_seen[TOF_MAX_BEARERS];
	uint64_t created_ns;
	uint32_t handovers;
	uint32_t next_free;    /* free list link when !in_use */
	struct tof_l2_tmpl ul_l2; /* as seen on uplink frames (eNB -> SGW) */
	struct tof_l2_tmpl dl_l2; /* as seen on downlink frames (SGW -> eNB) */
	struct pinger_probe probe;
};

/* One registered service. */
struct tof_service {
	char name[TOF_NAME_MAX + 1];
	char chain[TOF_NAME_MAX + 1];
	char app_port[TOF_NAME_MAX + 1]; /* OVS port of the app (tof/ovs only) */
	struct gtp_addr service_ip;
	struct gtp_addr app_ip;
	uint8_t app_mac[6];    /* learned from the app's frames, or configured */
	uint8_t has_app_mac;
	uint8_t mac_configured;
	uint8_t in_use;
	uint32_t generation;   /* bumped on every change, so counters can reset */
};

struct tof_tables {
	uint32_t seq; /* seqlock: odd while the writer is changing things */

	struct tof_session *sessions;
	uint32_t max_sessions, n_sessions, free_head;
	struct tof_index ix_ul;  /* (sgw, ul_teid) */
	struct tof_index ix_dl;  /* (enb, dl_teid) */
	struct tof_index ix_ue;  /* ue4, or ue6 /64 */

	struct tof_service *services;
	uint32_t max_services, n_services;
	struct tof_index ix_svc; /* service_ip */
	struct tof_index ix_app; /* app_ip */

	struct tof_hash_key hkey; /* secret: set with tof_tables_seed */
	uint64_t refused;         /* inserts an index refused (full) */
};

/* Create tables for max_sessions / max_services (0 for the defaults:
 * 1M and 1024). NULL on allocation failure. */
struct tof_tables *tof_tables_create(uint32_t max_sessions, uint32_t max_services);
void tof_tables_destroy(struct tof_tables *t);
/* Bytes tof_tables_create allocates for these sizes. */
size_t tof_tables_memory(uint32_t max_sessions, uint32_t max_services);
/* Key the tables' hash with a secret seed (random per process; replay may
 * pin it). Only while the tables are empty. */
void tof_tables_seed(struct tof_tables *t, uint64_t seed);

/* ThreadSanitizer (make tsan): the plain reads inside a read section may
 * race with the writer by design (the sequence check throws such a copy
 * away), so the sanitizer is told to ignore them; every other access, the
 * writers' included, stays checked. Each tof_read_begin is paired with
 * exactly one tof_read_retry. */
#if defined(__SANITIZE_THREAD__)
#define TOF_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TOF_TSAN 1
#endif
#endif
#ifdef TOF_TSAN
void AnnotateIgnoreReadsBegin(const char *file, int line);
void AnnotateIgnoreReadsEnd(const char *file, int line);
#define TOF_TSAN_READS_BEGIN() AnnotateIgnoreReadsBegin(__FILE__, __LINE__)
#define TOF_TSAN_READS_END() AnnotateIgnoreReadsEnd(__FILE__, __LINE__)
#else
#define TOF_TSAN_READS_BEGIN() ((void)0)
#define TOF_TSAN_READS_END() ((void)0)
#endif

/* Seqlock, reader side. */
static inline uint32_t tof_read_begin(const struct tof_tables *t)
{
	uint32_t s;
	while ((s = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE)) & 1)
		__builtin_ia32_pause();
	TOF_TSAN_READS_BEGIN();
	return s;
}

static inline bool tof_read_retry(const struct tof_tables *t, uint32_t s)
{
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	TOF_TSAN_READS_END();
	return __atomic_load_n(&t->seq, __ATOMIC_RELAXED) != s;
}

/* Seqlock, writer side. */
static inline void tof_write_begin(struct tof_tables *t)
{
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static inline void tof_write_end(struct tof_tables *t)
{
	__atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
}

/* Reader lookups: slot or TOF_NO_SLOT. Call inside a read section and copy
 * what you need before tof_read_retry. */
uint32_t tof_session_find_ul(const struct tof_tables *t, const struct gtp_addr *sgw,
			     uint32_t teid);
uint32_t tof_session_find_dl(const struct tof_tables *t, const struct gtp_addr *enb,
			     uint32_t teid);
/* The same with the key's hash (tof_tunnel_sig) already computed. */
uint32_t tof_session_find_ul_sig(const struct tof_tables *t, const struct gtp_addr *sgw,
				 uint32_t teid, uint32_t sig);
uint32_t tof_session_find_dl_sig(const struct tof_tables *t, const struct gtp_addr *enb,
				 uint32_t teid, uint32_t sig);
static inline uint32_t tof_tunnel_sig(const struct tof_tables *t, const struct gtp_addr *a,
				      uint32_t teid)
{
	return tof_hash_addr(&t->hkey, a, teid);
}
/* The UE index's hash of a UE address (IPv6: of its /64). */
uint32_t tof_ue_sig(const struct tof_tables *t, const struct gtp_addr *ue);
/* Which of the session's uplink TEIDs teid is: 0 for ul_teid, 1.. for
 * ul_extra[], -1 if none. */
int tof_session_bearer(const struct tof_session *s, uint32_t teid);
/* The uplink TEID that carried the UE's traffic last (where probes go). */
uint32_t tof_session_fresh_teid(const struct tof_session *s);
uint32_t tof_session_find_ue(const struct tof_tables *t, const struct gtp_addr *ue);
uint32_t tof_service_find_ip(const struct tof_tables *t, const struct gtp_addr *service_ip);
uint32_t tof_service_find_app(const struct tof_tables *t, const struct gtp_addr *app_ip);

/* Writer operations; each takes the seqlock itself. */

/* A new session for a UE address with an uplink tunnel; TOF_NO_SLOT if the
 * table is full. */
uint32_t tof_session_add(struct tof_tables *t, const struct gtp_addr *ue);
/* Set the uplink tunnel of a session, replacing every bearer it had
 * (re-indexes). A new eNB also forgets the downlink tunnel. now_ns starts
 * the bearer's clock. */
void tof_session_set_ul(struct tof_tables *t, uint32_t slot, const struct gtp_addr *enb,
			const struct gtp_addr *sgw, uint32_t teid, uint64_t now_ns);
/* Another bearer's uplink TEID (same eNB and SGW); when all places are
 * taken the one silent longest gives way. */
void tof_session_add_bearer(struct tof_tables *t, uint32_t slot, uint32_t teid, uint64_t now_ns);
/* Forget one uplink TEID; returns false if it was the session's only one. */
bool tof_session_del_bearer(struct tof_tables *t, uint32_t slot, uint32_t teid);
/* The UE moved to another eNB: all its bearers follow, the downlink TEID
 * (the old eNB's) is forgotten. */
void tof_session_set_enb(struct tof_tables *t, uint32_t slot, const struct gtp_addr *enb);
void tof_session_set_dl(struct tof_tables *t, uint32_t slot, uint32_t teid);
/* Give the session a UE address of ue's family (dual-stack PDN), replacing
 * the one of that family it had. */
void tof_session_add_ue(struct tof_tables *t, uint32_t slot, const struct gtp_addr *ue);
/* Take the UE address of ue's family away from the session. */
void tof_session_del_ue(struct tof_tables *t, uint32_t slot, const struct gtp_addr *ue);
/* Does the session own UE address ue (IPv6: by /64)? */
bool tof_session_has_ue(const struct tof_session *s, const struct gtp_addr *ue);
void tof_session_del(struct tof_tables *t, uint32_t slot);

/* Can this inner source be a UE's address? Not unspecified, multicast,
 * loopback or link-local (a UE's IPv6 router solicitation comes from
 * fe80::/10 inside its tunnel and must not be taken for a new address). */
bool tof_ue_addr_ok(const struct gtp_addr *a);

/* The /64 prefix key for an IPv6 UE address (identity for IPv4). */
void tof_ue_key(const struct gtp_addr *ue, struct gtp_addr *key);

/* Services. add returns the slot, or TOF_NO_SLOT when full; the caller has
 * checked uniqueness (tof_service_conflict). */
uint32_t tof_service_add(struct tof_tables *t, const struct tof_service_config *sc);
/* Replace the addresses/chain of an existing service. */
void tof_service_update(struct tof_tables *t, uint32_t slot, const struct tof_service_config *sc);
void tof_service_del(struct tof_tables *t, uint32_t slot);
uint32_t tof_service_find_name(const struct tof_tables *t, const char *name);
void tof_service_set_mac(struct tof_tables *t, uint32_t slot, const uint8_t mac[6]);

/* Does sc clash with another service (ignoring slot `except`, or
 * TOF_NO_SLOT)? Returns NULL if not, else the name of the clashing field:
 * "name", "serviceIP" or "applicationIP"; a service IP that is some
 * service's application IP (or the reverse) also clashes. */
const char *tof_service_conflict(const struct tof_tables *t, const struct tof_service_config *sc,
				 uint32_t except);

#endif
