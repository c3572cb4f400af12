/* Shared between the agent's files. */
#ifndef TOF_AGENT_INTERNAL_H
#define TOF_AGENT_INTERNAL_H

#include "agent.h"

/* Start probing a session without a downlink tunnel. */
void tof_agent_probe_start(struct tof_agent *a, uint32_t slot, uint64_t now_ns);
/* Stop probing (a reply came, or the downlink was learned otherwise, or the
 * tunnel changed). */
void tof_agent_probe_stop(struct tof_agent *a, uint32_t slot, bool by_reply);
/* Forget the probe state (the tunnel changed under it). */
void tof_agent_probe_reset(struct tof_agent *a, uint32_t slot);
/* The UE now talks through another eNB. */
void tof_agent_handover(struct tof_agent *a, uint32_t slot, const struct gtp_addr *enb);
/* Schedule the idle purge if it is not (sessions exist from now on). */
void tof_agent_arm_purge(struct tof_agent *a, uint64_t now_ns);
/* Answer an app's ARP request / IPv6 Neighbour Solicitation on the apps
 * port for any address but the app's own: the TOF is the apps' way to the
 * UEs (proxy ARP/ND). */
void tof_agent_arp(struct tof_agent *a, const uint8_t *frame, size_t len, uint64_t now_ns);
void tof_agent_nd(struct tof_agent *a, const uint8_t *frame, size_t len, uint64_t now_ns);
/* Ask for the MAC of every app not known yet (ARP probe / DAD-style
 * Neighbour Solicitation), with backoff. Returns when to look again. */
uint64_t tof_agent_resolve_apps(struct tof_agent *a, uint64_t now_ns);
/* Remove a session (its timers die with it). */
void tof_agent_session_del(struct tof_agent *a, uint32_t slot);

#endif
