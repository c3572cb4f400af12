/* The per-UE probe state machine: IDLE -> PROBING -> DONE | GAVE_UP, and
 * back to PROBING on a new start. Pure function of the caller's clock. */
#include "pinger.h"

#define NS_PER_MS 1000000ULL

static const char *const pinger_state_names[] = {
	[PINGER_IDLE] = "idle",
	[PINGER_PROBING] = "probing",
	[PINGER_DONE] = "done",
	[PINGER_GAVE_UP] = "gave_up",
};

const char *pinger_state_name(enum pinger_state st)
{
	if ((unsigned int)st < sizeof(pinger_state_names) / sizeof(pinger_state_names[0]))
		return pinger_state_names[st];
	return "unknown";
}

static uint32_t pinger_cap(const struct pinger_config *cfg, uint64_t wait_ms)
{
	return wait_ms > cfg->max_interval_ms ? cfg->max_interval_ms : (uint32_t)wait_ms;
}

void pinger_start(const struct pinger_config *cfg, struct pinger_probe *p, uint64_t now_ns,
		  struct pinger_counters *ctr)
{
	if (p->state == PINGER_PROBING)
		return;
	/* Fresh tries; the sequence carries on from the last run so a late
	 * reply to an old probe is still told apart by its number. */
	p->state = PINGER_PROBING;
	p->sent = 0;
	p->wait_ms = pinger_cap(cfg, cfg->interval_ms);
	p->next_ns = now_ns;
	if (ctr)
		ctr->started++;
}

bool pinger_due(const struct pinger_config *cfg, struct pinger_probe *p, uint64_t now_ns,
		struct pinger_counters *ctr)
{
	if (p->state != PINGER_PROBING || now_ns < p->next_ns)
		return false;
	if (p->sent >= cfg->tries || p->sent == UINT8_MAX) {
		/* next_ns now says when asking again is reasonable, so a
		 * caller can hold off restarting a UE that never answers. */
		p->state = PINGER_GAVE_UP;
		p->next_ns = now_ns + (uint64_t)cfg->max_interval_ms * NS_PER_MS;
		if (ctr)
			ctr->gave_up++;
		return false;
	}
	p->sent++;
	/* 0 is never used: a session's seq of 0 means no probe went out. */
	p->seq = (uint16_t)(p->seq + 1);
	if (p->seq == 0)
		p->seq = 1;
	p->next_ns = now_ns + (uint64_t)p->wait_ms * NS_PER_MS;
	p->wait_ms = pinger_cap(cfg, (uint64_t)p->wait_ms * cfg->backoff_pct / 100);
	if (ctr)
		ctr->probes_sent++;
	return true;
}

void pinger_stop(struct pinger_probe *p, bool is_reply, struct pinger_counters *ctr)
{
	/* IDLE: nothing was in flight, so nothing to count; DONE: already
	 * stopped (a duplicate reply). A late reply after GAVE_UP still
	 * revealed the tunnel and counts. */
	bool counted = p->state == PINGER_PROBING || p->state == PINGER_GAVE_UP;

	p->state = PINGER_DONE;
	if (!counted || !ctr)
		return;
	if (is_reply)
		ctr->replies++;
	else
		ctr->stopped++;
}
