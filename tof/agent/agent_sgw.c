/* Where the pinger may send. A probe goes up a UE's tunnel to the tunnel's
 * SGW address, which the uplink frame named: a rogue eNB could name any
 * host and turn the pinger into a reflector. So probes go only to SGWs that
 * are configured (`sgw`) or have sent us downlink traffic from the SGW side,
 * and each SGW gets at most pinger.rate_pps of them. */
#include <string.h>

#include "agent_internal.h"

/* An SGW not confirmed yet: look again this much later. */
#define TOF_SGW_HOLD_NS 1000000000ULL

static bool tof_sgw_configured(const struct tof_config *cfg, const struct gtp_addr *addr)
{
	for (unsigned int i = 0; i < cfg->n_sgw; i++)
		if (gtp_addr_in_prefix(addr, &cfg->sgw[i].addr, cfg->sgw[i].plen))
			return true;
	return false;
}

static struct tof_sgw *tof_sgw_find(struct tof_agent *a, const struct gtp_addr *addr)
{
	for (uint32_t i = 0; i < a->n_sgws; i++)
		if (gtp_addr_eq(&a->sgws[i].addr, addr))
			return &a->sgws[i];
	return NULL;
}

/* An entry for addr; when the table is full, the SGW heard from longest
 * ago makes room (it is confirmed again by its next downlink frame). */
static struct tof_sgw *tof_sgw_add(struct tof_agent *a, const struct gtp_addr *addr,
				   uint64_t now_ns)
{
	struct tof_sgw *e;

	if (a->n_sgws < TOF_MAX_SGWS) {
		e = &a->sgws[a->n_sgws++];
	} else {
		e = &a->sgws[0];
		for (uint32_t i = 1; i < a->n_sgws; i++)
			if (a->sgws[i].seen_ns < e->seen_ns)
				e = &a->sgws[i];
	}
	memset(e, 0, sizeof(*e));
	e->addr = *addr;
	e->seen_ns = now_ns;
	e->probes.last_ns = UINT64_MAX; /* a second's worth to start with */
	a->events[TOF_EV_SGW_CONFIRMED]++;
	return e;
}

void tof_agent_sgw_seen(struct tof_agent *a, const struct gtp_addr *addr, uint64_t now_ns)
{
	struct tof_sgw *e;

	/* In single mode direction comes from addresses anyone on the link
	 * can forge: only the configured SGWs are SGWs there. */
	if (a->cfg->mode == TOF_MODE_SINGLE && !tof_sgw_configured(a->cfg, addr))
		return;
	e = tof_sgw_find(a, addr);

	if (e == NULL)
		e = tof_sgw_add(a, addr, now_ns);
	e->seen_ns = now_ns;
}

uint64_t tof_agent_sgw_wait(struct tof_agent *a, const struct gtp_addr *sgw, uint64_t now_ns)
{
	uint64_t rate = a->cfg->pinger_rate_pps ? a->cfg->pinger_rate_pps : 1;
	struct tof_sgw *e = tof_sgw_find(a, sgw);
	uint64_t wait = 0;

	if (e == NULL) {
		if (!tof_sgw_configured(a->cfg, sgw)) {
			a->events[TOF_EV_PROBE_HELD]++;
			return TOF_SGW_HOLD_NS;
		}
		e = tof_sgw_add(a, sgw, now_ns);
	}
	if (tof_bucket_take(&e->probes, now_ns, rate, rate, &wait))
		return 0;
	a->events[TOF_EV_PROBE_PACED]++;
	return wait ? wait : 1;
}
