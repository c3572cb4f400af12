/* Pinger: ICMP/ICMPv6 echo requests sent on behalf of a UE through its
 * uplink tunnel, so the reply reveals the downlink TEID; and the per-UE probe
 * state machine (start, retry with backoff, stop on reply, give up). */
#ifndef PINGER_PINGER_H
#define PINGER_PINGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gtp_addr.h"

/* Echo payload: "TOFPROBE" + 8-octet tag. The tag is a keyed hash of (UE
 * address, identifier, sequence) so a reply is recognised as ours and not
 * a user's own ping that happened to use our identifier. */
#define PINGER_MAGIC "TOFPROBE"
#define PINGER_MAGIC_LEN 8
#define PINGER_TAG_LEN 8
#define PINGER_MIN_PAYLOAD (PINGER_MAGIC_LEN + PINGER_TAG_LEN)
/* The largest probe built (the inner IP packet), and so the most echo data
 * a probe carries in either family (IPv6 40 + ICMPv6 8 before it). */
#define PINGER_MAX_PACKET 1500
#define PINGER_MAX_PAYLOAD (PINGER_MAX_PACKET - 40 - 8)

struct pinger_config {
	struct gtp_addr target4;  /* IPv4 target (GTP_AF_NONE: none) */
	struct gtp_addr target6;  /* IPv6 target (GTP_AF_NONE: none) */
	uint16_t ident;           /* ICMP identifier; default 0x544f ("TO") */
	uint64_t key;             /* secret for the tag (random per process) */
	uint32_t interval_ms;     /* first retry after this; default 1000 */
	uint32_t backoff_pct;     /* each retry waits this % of the last; default 200 */
	uint32_t max_interval_ms; /* cap on the wait; default 30000 */
	uint32_t tries;           /* probes before giving up; default 5 */
	uint16_t payload_len;     /* echo data octets, PINGER_MIN_PAYLOAD to
				   * PINGER_MAX_PAYLOAD; default 16 */
	uint8_t ttl;              /* default 64 */
};

/* Fill cfg with the defaults above (no targets). */
void pinger_config_default(struct pinger_config *cfg);

/* Build an echo request (IPv4 ICMP or IPv6 ICMPv6 by the UE address family)
 * from ue to the target of that family, with sequence seq, at out. Returns
 * the IP packet length, or 0 if room is short or there is no target of
 * that family. A payload_len below PINGER_MIN_PAYLOAD is raised to it; the
 * IPv4 identification is seq. */
size_t pinger_build_request(const struct pinger_config *cfg, const struct gtp_addr *ue,
			    uint16_t seq, uint8_t *out, size_t room);

/* Is the IP packet at ip (len octets) an echo reply to one of our probes
 * for the UE it is addressed to? Checks family, ICMP type, identifier, the
 * magic and the tag. On a match stores the sequence in *seq (may be NULL). */
bool pinger_is_reply(const struct pinger_config *cfg, const uint8_t *ip, size_t len,
		     uint16_t *seq);

/* Per-UE probe state. Lives inside the session; times in nanoseconds on
 * the caller's clock. */
enum pinger_state {
	PINGER_IDLE = 0,   /* never started, or stopped */
	PINGER_PROBING,    /* probes in flight; next one at next_ns */
	PINGER_DONE,       /* a reply (or other downlink traffic) arrived */
	PINGER_GAVE_UP,    /* tries exhausted */
};

struct pinger_probe {
	uint8_t state;      /* enum pinger_state */
	uint8_t sent;       /* probes sent so far */
	uint16_t seq;       /* sequence of the last probe */
	uint32_t wait_ms;   /* current retry interval */
	uint64_t next_ns;   /* when the next probe is due (PROBING) */
};

struct pinger_counters {
	uint64_t started;
	uint64_t probes_sent;
	uint64_t replies;
	uint64_t stopped;   /* stopped because the tunnel was learned otherwise */
	uint64_t gave_up;
	uint64_t build_failed;
};

const char *pinger_state_name(enum pinger_state st);

/* Start probing now (no-op if already PROBING). The first probe is due at
 * now_ns. From IDLE, DONE or GAVE_UP: fresh tries and wait; the sequence
 * carries on from p->seq (the first probe of a zeroed probe has seq 1, and
 * seq 0 is never used). */
void pinger_start(const struct pinger_config *cfg, struct pinger_probe *p, uint64_t now_ns,
		  struct pinger_counters *ctr);

/* If a probe is due at now_ns: returns true, advances the state (sent, seq,
 * next_ns with backoff) and the caller sends a probe with p->seq. If tries
 * are exhausted and the last wait is over, moves to GAVE_UP and returns
 * false; next_ns is then now_ns + max_interval_ms, a hint for how long to
 * hold off a new start. */
bool pinger_due(const struct pinger_config *cfg, struct pinger_probe *p, uint64_t now_ns,
		struct pinger_counters *ctr);

/* A reply arrived (is_reply) or the downlink was learned by other means:
 * stop probing. Always leaves DONE. Counted (replies or stopped) only from
 * PROBING or GAVE_UP (a late reply); from IDLE or DONE nothing is counted. */
void pinger_stop(struct pinger_probe *p, bool is_reply, struct pinger_counters *ctr);

#endif
