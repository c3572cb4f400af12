/* Shared between the agent's files. */
#ifndef TOF_AGENT_INTERNAL_H
#define TOF_AGENT_INTERNAL_H

#include "agent.h"
#include "tof_classify.h"

/* Start probing a session without a downlink tunnel. */
void tof_agent_probe_start(struct tof_agent *a, uint32_t slot, uint64_t now_ns);
/* Stop probing (a reply came, or the downlink was learned otherwise, or the
 * tunnel changed). */
void tof_agent_probe_stop(struct tof_agent *a, uint32_t slot, bool by_reply);
/* Queue a probe timer (TOF_TIMER_CLAIM | index for a claim's). */
void tof_agent_timer_push(struct tof_agent *a, uint64_t due_ns, uint32_t slot);
/* Send an echo request as ue up the tunnel (enb -> sgw, teid). */
struct tof_probe_path {
	const struct gtp_addr *ue, *enb, *sgw;
	uint32_t teid;
	bool with_qfi;
	uint8_t qfi;
	const struct tof_l2_tmpl *l2;
};
void tof_agent_send_probe(struct tof_agent *a, const struct tof_probe_path *path, uint16_t seq,
			  uint64_t now_ns);
/* Claim probes carry this bit in their sequence; a session's never do. */
#define TOF_PROBE_SEQ_CLAIM 0x8000u
/* The UE now talks through another eNB. */
void tof_agent_handover(struct tof_agent *a, uint32_t slot, const struct gtp_addr *enb);
/* Schedule the idle purge if it is not (sessions exist from now on). */
void tof_agent_arm_purge(struct tof_agent *a, uint64_t now_ns);
/* ARP / Neighbour Discovery on the apps port: answer requests for our
 * apps_gateway addresses; take an app's MAC from the answer to our own
 * request only. */
void tof_agent_arp(struct tof_agent *a, const uint8_t *frame, size_t len, uint64_t now_ns);
void tof_agent_nd(struct tof_agent *a, const uint8_t *frame, size_t len, uint64_t now_ns);
/* Ask for the MAC of every app not known yet (ARP / Neighbour
 * Solicitation) with backoff, and check known ones now and then. Returns
 * when to look again. */
uint64_t tof_agent_resolve_apps(struct tof_agent *a, uint64_t now_ns);
/* An app's frames come from another MAC than we know: ask it again soon. */
void tof_agent_resolve_soon(struct tof_agent *a, uint32_t svc, uint64_t now_ns);
/* Remove a session (its timers die with it). */
void tof_agent_session_del(struct tof_agent *a, uint32_t slot);
/* A new session for ue on the tunnel enb -> sgw, teid; TOF_NO_SLOT (and
 * counted) when the table is full. */
uint32_t tof_agent_session_new(struct tof_agent *a, const struct gtp_addr *ue,
			       const struct gtp_addr *enb, const struct gtp_addr *sgw, uint32_t teid,
			       uint64_t now_ns);
/* Learn the downlink TEID of a session: another session holding the same
 * (eNB, TEID) is stale (the eNB reused it) and goes. */
void tof_agent_set_dl(struct tof_agent *a, uint32_t slot, uint32_t teid);

/* Address ownership (agent_own.c). */
/* An uplink frame of a tunnel we did not know: the session that now owns
 * the tunnel, or TOF_NO_SLOT (table full, or the address is another live
 * session's: the tunnel's claim waits for the core network's word). */
uint32_t tof_agent_tunnel_new(struct tof_agent *a, const uint8_t *frame, enum tof_port in,
			      const struct tof_s1_pkt *p, uint64_t now_ns);
/* A known tunnel (session slot) carries an inner source the session does
 * not own: slot if it owns it now, else TOF_NO_SLOT (spoofed; claimed). */
uint32_t tof_agent_claim_known(struct tof_agent *a, uint32_t slot, const uint8_t *frame,
			       enum tof_port in, const struct tof_s1_pkt *p, uint64_t now_ns);
/* Downlink evidence for address ue arriving at (enb, teid) (an unknown
 * downlink tunnel, or our claim probe's answer): the session it settles
 * ue to, or TOF_NO_SLOT. */
uint32_t tof_agent_claim_dl(struct tof_agent *a, const struct gtp_addr *ue,
			    const struct gtp_addr *enb, uint32_t teid, bool claim_probe,
			    uint64_t now_ns);
/* The core sends ue down the known downlink tunnel of session slot. */
void tof_agent_dl_new_addr(struct tof_agent *a, uint32_t slot, const struct gtp_addr *ue,
			   uint64_t now_ns);
/* A claim's probe timer fired. */
void tof_agent_claim_timer(struct tof_agent *a, uint32_t idx, uint64_t due_ns);
/* Take ue away from session slot; a session left without an address ends. */
void tof_agent_take_ue(struct tof_agent *a, uint32_t slot, const struct gtp_addr *ue);

/* SGWs the pinger may address (agent_sgw.c). */
/* Downlink traffic came from addr on the SGW side. */
void tof_agent_sgw_seen(struct tof_agent *a, const struct gtp_addr *addr, uint64_t now_ns);
/* 0 if a probe may go to sgw now (and takes its token), else how long to
 * wait before asking again. */
uint64_t tof_agent_sgw_wait(struct tof_agent *a, const struct gtp_addr *sgw, uint64_t now_ns);

#endif
