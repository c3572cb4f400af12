/* Session and service tables.
 *
 * One writer (the agent, or the replay loop) and any number of readers (the
 * workers), which never lock and never wait for the writer. The writer
 * keeps its own record of each session and service (struct tof_session,
 * struct tof_service, by stable id) and publishes what readers need as an
 * immutable snapshot (struct tof_sess_hot, struct tof_svc_hot) in a pool:
 * a change writes a new snapshot, points the indexes' entries at it one
 * atomic store each, and retires the old one, which is reused only once
 * every worker has passed a quiescent point (tof_qsbr). A writer stopped
 * half-way through leaves every snapshot whole: readers see the old one or
 * the new one. The only fields readers write are the last-seen times in
 * the current snapshot (carried over to the next). */
#ifndef TOF_CORE_TABLES_H
#define TOF_CORE_TABLES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"
#include "pinger.h"
#include "tof_config.h"
#include "tof_index.h"
#include "tof_qsbr.h"

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

/* When a session's uplink, downlink and bearers last carried the UE's own
 * traffic. Written by the workers (relaxed atomics), read by the agent. */
struct tof_seen {
	uint64_t ul_seen_ns;  /* last uplink G-PDU from the UE's own address */
	uint64_t dl_seen_ns;  /* last downlink G-PDU */
	uint32_t bearer_seen[TOF_MAX_BEARERS]; /* coarse; ul_teid[] order */
};

/* Outer IP + UDP + GTP-U (+ PDU Session Container) of a session's downlink
 * encapsulation, built when the tunnel or its link header is learned; per
 * packet only the lengths, the IP identification and the checksums are
 * patched (incrementally for IPv4). */
#define TOF_OUTER_MAX 72
struct tof_encap_tmpl {
	uint8_t len;          /* 0: no downlink tunnel */
	uint8_t family;       /* of the outer header */
	uint8_t gtp_off;      /* where the GTP-U header starts */
	uint8_t l2_swap;      /* the link template is the uplink's: swap MACs */
	uint16_t ip_csum;     /* IPv4: checksum of the header with length and
			       * identification zero (host order, folded) */
	uint16_t pad;
	uint8_t bytes[TOF_OUTER_MAX];
};

/* What the workers read of a session: a snapshot the agent publishes and
 * never changes afterwards (but for `seen`). The first two cache lines
 * hold everything an uplink or downlink lookup needs; the rest is for
 * encapsulating an app's reply. */
struct tof_sess_hot {
	uint32_t id;           /* the session (index of tables->sessions) */
	uint8_t flags;         /* TOF_SESS_* */
	uint8_t qfi;
	uint8_t n_ul;          /* uplink TEIDs in ul_teid[] (1 + bearers) */
	uint8_t pad0;
	uint32_t ul_teid[TOF_MAX_BEARERS];
	uint32_t dl_teid;
	struct gtp_addr sgw;   /* SGW end of the tunnel (outer dst of uplink) */
	struct gtp_addr enb;   /* eNB end of the tunnel (outer src of uplink) */
	struct gtp_addr ue4;   /* IPv4 UE address, GTP_AF_NONE if none */
	struct gtp_addr ue6;   /* IPv6 UE address (matched by its /64), or none */
	uint32_t pad1;
	struct tof_seen seen;  /* (crosses into the third line: bearer_seen) */
	struct tof_l2_tmpl l2; /* link header of the downlink encapsulation */
	struct tof_encap_tmpl outer;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct tof_sess_hot) == 256, "a session snapshot is four cache lines");
_Static_assert(__builtin_offsetof(struct tof_sess_hot, ue6) + sizeof(struct gtp_addr) <= 128,
	       "what a lookup reads fits the first two cache lines");
_Static_assert(__builtin_offsetof(struct tof_sess_hot, seen) + 16 <= 128,
	       "the last-seen times a lookup stamps share those lines");

/* One UE's tunnels: the agent's record (only the writer reads or writes
 * it; workers read the published snapshot). */
struct tof_session {
	uint8_t in_use;
	uint8_t flags;         /* TOF_SESS_* */
	uint8_t qfi;           /* QFI seen on the uplink (TOF_SESS_QFI) */
	uint8_t n_extra;       /* bearers beyond the first */
	uint32_t ul_teid;      /* TEID of uplink G-PDUs (SGW's), first bearer */
	uint32_t ul_extra[TOF_MAX_EXTRA_BEARERS]; /* dedicated bearers' TEIDs */
	uint32_t dl_teid;      /* TEID of downlink G-PDUs (eNB's) */
	struct gtp_addr sgw;   /* SGW end of the tunnel (outer dst of uplink) */
	struct gtp_addr enb;   /* eNB end of the tunnel (outer src of uplink) */
	struct gtp_addr ue4;   /* IPv4 UE address, GTP_AF_NONE if none */
	struct gtp_addr ue6;   /* IPv6 UE address first seen, or none; indexed
				* and matched by its /64 (the UE owns the prefix) */
	uint32_t hot;          /* its published snapshot, or TOF_NO_SLOT */
	uint32_t bearer_born[TOF_MAX_BEARERS]; /* coarse: when each TEID came */
	uint64_t created_ns;
	uint32_t handovers;
	uint32_t next_free;    /* free list link when !in_use */
	struct tof_l2_tmpl ul_l2; /* as seen on uplink frames (eNB -> SGW) */
	struct tof_l2_tmpl dl_l2; /* as seen on downlink frames (SGW -> eNB) */
	struct pinger_probe probe;
};

/* What the workers read of a service (a snapshot, as for sessions). */
struct tof_svc_hot {
	uint32_t id;           /* the service (index of tables->services) */
	uint8_t has_mac;
	uint8_t app_mac[6];
	uint8_t pad;
	struct gtp_addr service_ip;
	struct gtp_addr app_ip;
} __attribute__((aligned(64)));

_Static_assert(sizeof(struct tof_svc_hot) == 64, "a service snapshot is one cache line");

/* A pool of snapshots: free ones, and retired ones waiting for the workers
 * to pass a quiescent point. */
struct tof_hot_pool {
	uint32_t *next;        /* free list links */
	uint32_t free_head;
	uint32_t size;
	struct {
		uint32_t slot;
		uint64_t token;
	} *retired;            /* FIFO, size entries */
	uint32_t r_head, r_tail;
};

/* One registered service: the agent's record. */
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
	uint32_t hot;          /* its published snapshot, or TOF_NO_SLOT */
};

struct tof_tables {
	struct tof_session *sessions;     /* by id */
	uint32_t max_sessions, n_sessions, free_head;
	struct tof_sess_hot *hot;         /* snapshots */
	struct tof_hot_pool hot_pool;
	struct tof_index ix_ul;  /* (sgw, ul_teid) -> snapshot */
	struct tof_index ix_dl;  /* (enb, dl_teid) -> snapshot */
	struct tof_index ix_ue;  /* ue4, or ue6 /64 -> snapshot */

	struct tof_service *services;     /* by id */
	uint32_t max_services, n_services;
	struct tof_svc_hot *svc_hot;
	struct tof_hot_pool svc_pool;
	struct tof_index ix_svc; /* service_ip -> snapshot */
	struct tof_index ix_app; /* app_ip -> snapshot */

	struct tof_qsbr qsbr;     /* the workers */
	struct tof_hash_key hkey; /* secret: set with tof_tables_seed */
	uint64_t refused;         /* inserts an index refused (full) */
	uint64_t writer_waits;    /* times the writer waited for the workers */
	uint8_t encap_ttl;        /* TTL of the outer headers built */
	/* Tests: called half-way through publishing a snapshot. */
	void (*publish_hook)(void *ctx);
	void *publish_ctx;
};

/* Snapshots beyond the table's size, for changes in flight. */
#define TOF_HOT_RESERVE 1024
#define TOF_SVC_RESERVE 64

/* Internal to the tables: snapshot pools (tof_snapshot.c). alloc waits for
 * the workers when every spare snapshot is still read. */
int tof_pool_init(struct tof_hot_pool *p, uint32_t size);
void tof_pool_fini(struct tof_hot_pool *p);
uint32_t tof_pool_alloc(struct tof_tables *t, struct tof_hot_pool *p);
void tof_pool_retire(struct tof_tables *t, struct tof_hot_pool *p, uint32_t slot);

/* Create tables for max_sessions / max_services (0 for the defaults:
 * 1M and 1024). NULL on allocation failure. */
struct tof_tables *tof_tables_create(uint32_t max_sessions, uint32_t max_services);
void tof_tables_destroy(struct tof_tables *t);
/* Bytes tof_tables_create allocates for these sizes. */
size_t tof_tables_memory(uint32_t max_sessions, uint32_t max_services);
/* Key the tables' hash with a secret seed (random per process; replay may
 * pin it). Only while the tables are empty. */
void tof_tables_seed(struct tof_tables *t, uint64_t seed);

/* Set the TTL of the outer headers the snapshots carry (before use). */
void tof_tables_set_ttl(struct tof_tables *t, uint8_t ttl);

/* Reader side (workers, between two quiescent points): the snapshot for a
 * key, or NULL. It stays valid until the reader's next quiescent point. */
const struct tof_sess_hot *tof_hot_find_ul(const struct tof_tables *t, const struct gtp_addr *sgw,
					   uint32_t teid, uint32_t sig);
const struct tof_sess_hot *tof_hot_find_dl(const struct tof_tables *t, const struct gtp_addr *enb,
					   uint32_t teid, uint32_t sig);
const struct tof_sess_hot *tof_hot_find_ue(const struct tof_tables *t, const struct gtp_addr *ue,
					   uint32_t sig);
const struct tof_svc_hot *tof_svc_find_ip(const struct tof_tables *t, const struct gtp_addr *ip);
const struct tof_svc_hot *tof_svc_find_app(const struct tof_tables *t, const struct gtp_addr *ip);
/* Which of the snapshot's uplink TEIDs teid is, or -1. */
static inline int tof_hot_bearer(const struct tof_sess_hot *h, uint32_t teid)
{
	for (int i = 0; i < TOF_MAX_BEARERS; i++)
		if (i < h->n_ul && h->ul_teid[i] == teid)
			return i;
	return -1;
}
/* Does the snapshot own UE address a (IPv6: by /64)? */
static inline bool tof_hot_has_ue(const struct tof_sess_hot *h, const struct gtp_addr *a)
{
	if (a->family == GTP_AF_INET)
		return gtp_addr_eq(&h->ue4, a);
	return h->ue6.family == GTP_AF_INET6 && __builtin_memcmp(h->ue6.b, a->b, 8) == 0;
}

/* The agent's (writer's) view: a session's last-seen times. */
struct tof_seen *tof_session_seen(const struct tof_tables *t, uint32_t slot);

/* Writer-side lookups: the session's (or service's) id, or TOF_NO_SLOT. */
uint32_t tof_session_find_ul(const struct tof_tables *t, const struct gtp_addr *sgw,
			     uint32_t teid);
uint32_t tof_session_find_dl(const struct tof_tables *t, const struct gtp_addr *enb,
			     uint32_t teid);
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
uint32_t tof_session_fresh_teid(const struct tof_tables *t, uint32_t slot);
uint32_t tof_session_find_ue(const struct tof_tables *t, const struct gtp_addr *ue);
uint32_t tof_service_find_ip(const struct tof_tables *t, const struct gtp_addr *service_ip);
uint32_t tof_service_find_app(const struct tof_tables *t, const struct gtp_addr *app_ip);

/* Writer operations; each publishes a new snapshot. */

/* A new session for a UE address with an uplink tunnel; TOF_NO_SLOT if the
 * table is full. */
uint32_t tof_session_add(struct tof_tables *t, const struct gtp_addr *ue);
/* The same with its uplink tunnel (one snapshot published, not two). */
uint32_t tof_session_add_ul(struct tof_tables *t, const struct gtp_addr *ue,
			    const struct gtp_addr *enb, const struct gtp_addr *sgw, uint32_t teid,
			    uint64_t now_ns);
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
/* Publish the session's record after changing fields the workers read but
 * no function above sets: the link templates, the QFI. */
void tof_session_publish(struct tof_tables *t, uint32_t slot);

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
