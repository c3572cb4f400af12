/* Ports, decisions, reasons and counters shared by every part of the
 * appliance. */
#ifndef TOF_CORE_TYPES_H
#define TOF_CORE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "gtp.h"
#include "pkt.h"

/* Where a frame arrived or leaves. Dual mode uses ENB + SGW, single mode S1;
 * both have APPS (towards OVS and the edge apps). */
enum tof_port {
	TOF_PORT_ENB = 0,
	TOF_PORT_SGW,
	TOF_PORT_S1,
	TOF_PORT_APPS,
	TOF_PORT__COUNT
};
const char *tof_port_name(enum tof_port p);

/* Direction of a frame on S1-U. */
enum tof_dir { TOF_DIR_NONE = 0, TOF_DIR_UPLINK, TOF_DIR_DOWNLINK, TOF_DIR_APPS };

/* What happens to a frame. A punt is a copy for the agent: the frame itself
 * is still forwarded (or consumed), so it is a flag beside the verdict; the
 * decision counters count a punted forward as "punt". */
enum tof_verdict {
	TOF_V_PASS = 0, /* forward unchanged out the opposite S1 port */
	TOF_V_OFFLOAD,  /* decapsulated and NATed: out the apps port */
	TOF_V_ENCAP,    /* NATed and encapsulated: out towards the eNB */
	TOF_V_CONSUME,  /* ours (pinger reply, ARP for us): not forwarded */
	TOF_V_DROP,
	TOF_V_REPLY,    /* dropped, and the frame rewritten into our answer to its
			 * sender (ICMP too big): out res->out_port */
	TOF_V__COUNT
};

enum tof_decision {
	TOF_D_PASS = 0,
	TOF_D_PUNT,
	TOF_D_OFFLOAD,
	TOF_D_ENCAP,
	TOF_D_CONSUME,
	TOF_D_DROP,
	TOF_D__COUNT
};
const char *tof_decision_name(enum tof_decision d);

/* Why. Each frame counts under exactly one reason. */
#define TOF_REASONS(X)                                                              \
	X(NOT_IP, "not_ip")                   /* ARP, LLDP, ... */                    \
	X(L2_TRUNC, "l2_truncated")                                                   \
	X(IP_MALFORMED, "ip_malformed")                                               \
	X(NOT_GTPU, "not_gtpu")               /* IP but not UDP 2152 */               \
	X(GTPC, "gtpc")                       /* UDP 2123 */                          \
	X(OUTER_FRAGMENT, "outer_fragment")   /* fragments we do not own */           \
	X(GTP_MALFORMED, "gtp_malformed")                                             \
	X(GTP_ECHO, "gtp_echo")                                                       \
	X(GTP_END_MARKER, "gtp_end_marker")                                           \
	X(GTP_ERROR_IND, "gtp_error_indication")                                      \
	X(GTP_ERROR_IND_KNOWN, "gtp_error_indication_known")                          \
	X(GTP_OTHER_MSG, "gtp_other_message")                                         \
	X(GTP_EXT_REQUIRED, "gtp_ext_unknown_required")                               \
	X(INNER_MALFORMED, "inner_malformed")                                         \
	X(UNKNOWN_DIRECTION, "unknown_direction") /* single mode: peer not listed */  \
	X(UL_UNKNOWN, "uplink_unknown")                                               \
	X(UL_HANDOVER, "uplink_handover")                                             \
	X(UL_SPOOFED, "uplink_spoofed")      /* inner source not the session's */    \
	X(UL_KNOWN, "uplink_known")                                                   \
	X(UL_SERVICE, "uplink_service")                                               \
	X(UL_FIRST, "uplink_unknown_to_service") /* handed to the agent */           \
	X(UL_FIRST_PASSED, "uplink_unknown_to_service_passed") /* budget refused */  \
	X(DL_UNKNOWN, "downlink_unknown")                                             \
	X(DL_KNOWN, "downlink_known")                                                 \
	X(DL_NEW_UE_ADDR, "downlink_new_ue_address")                                  \
	X(DL_PINGER_REPLY, "downlink_pinger_reply")                                   \
	X(DL_PINGER_REPLY_PASSED, "downlink_pinger_reply_passed") /* not learnt */   \
	X(PUNT_RATE_LIMITED, "punt_rate_limited")                                     \
	X(APPS_NOT_IP, "apps_not_ip")                                                 \
	X(APPS_ARP, "apps_arp")                                                       \
	X(APPS_ND, "apps_neighbour_discovery")                                        \
	X(APPS_MALFORMED, "apps_malformed")                                           \
	X(APPS_UNKNOWN_SRC, "apps_unknown_source")                                    \
	X(APPS_NO_SESSION, "apps_no_session")                                         \
	X(APPS_NO_DOWNLINK, "apps_no_downlink")                                       \
	X(APPS_TOO_BIG, "apps_too_big")                                               \
	X(APPS_REPLY, "apps_reply")                                                   \
	X(NO_HEADROOM, "no_headroom")

enum tof_reason {
#define TOF_REASON_ENUM(id, name) TOF_R_##id,
	TOF_REASONS(TOF_REASON_ENUM)
#undef TOF_REASON_ENUM
	TOF_R__COUNT
};
const char *tof_reason_name(enum tof_reason r);

/* Punts compete for the agent in classes, each with its own budget, so a
 * flood of one kind (unknown TEIDs from a rogue eNB) cannot starve another
 * (our pinger's replies, handovers of known UEs). Adapters queue the urgent
 * classes ahead of the others. */
enum tof_punt_class {
	TOF_PC_KNOWN = 0, /* known sessions: handover, new address, Error
			   * Indication, replies to our own probes */
	TOF_PC_DOWNLINK,  /* unknown downlink tunnels: only the SGW side sends */
	TOF_PC_NEW,       /* unknown uplink tunnels, spoofed inner sources */
	TOF_PC_FIRST,     /* a UE's first packet to a service, handed over */
	TOF_PC_APPS,      /* ARP/ND and app frames on the apps port */
	TOF_PC__COUNT
};
enum tof_punt_class tof_punt_class_of(enum tof_reason why);
const char *tof_punt_class_name(enum tof_punt_class c);
static inline bool tof_punt_class_urgent(enum tof_punt_class c)
{
	return c == TOF_PC_KNOWN || c == TOF_PC_DOWNLINK;
}

/* Counters of one worker (or of the replay). Summed on read. */
struct tof_counters {
	uint64_t rx_pkts[TOF_PORT__COUNT], rx_bytes[TOF_PORT__COUNT];
	uint64_t tx_pkts[TOF_PORT__COUNT], tx_bytes[TOF_PORT__COUNT];
	uint64_t decision_pkts[TOF_D__COUNT], decision_bytes[TOF_D__COUNT];
	uint64_t reason[TOF_R__COUNT];
	uint64_t gtp_err[GTP_ERR__COUNT];
	uint64_t punt_copies; /* copies handed to the agent (incl. consumed) */
	uint64_t punt_refused[TOF_PC__COUNT]; /* budget spent or the agent's
					       * queue full, by class */
	/* Filled by the data plane: */
	uint64_t punt_drops;  /* copies lost: the agent's ring or pool full */
	uint64_t tx_drops[TOF_PORT__COUNT]; /* the port took no more */
	uint64_t unprocessed; /* chained (jumbo) mbufs forwarded untouched */
	uint64_t inject_drops; /* frames of the agent that could not be sent */
	uint64_t icmp_errors; /* ICMP "too big" sent back to apps */
};

/* Per-service traffic, indexed by service slot; one array per worker. */
struct tof_service_counters {
	uint64_t ul_pkts, ul_bytes;   /* UE -> app (offloaded) */
	uint64_t dl_pkts, dl_bytes;   /* app -> UE (encapsulated) */
};

void tof_counters_add(struct tof_counters *sum, const struct tof_counters *c);

#endif
