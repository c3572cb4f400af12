/* Per-worker state: counters, per-service counters, rate limits (punts,
 * ICMP errors). */
#include <stdlib.h>
#include <string.h>

#include "tof_pipeline.h"
#include "tof_worker.h"

int tof_worker_init(struct tof_worker *w, uint32_t max_services, tof_punt_fn punt, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->svc = calloc(max_services ? max_services : 1, sizeof(*w->svc));
	w->svc_mac_news_ns = calloc(max_services ? max_services : 1, sizeof(*w->svc_mac_news_ns));
	if (w->svc == NULL || w->svc_mac_news_ns == NULL) {
		free(w->svc);
		free(w->svc_mac_news_ns);
		return -1;
	}
	w->punt = punt;
	w->punt_ctx = ctx;
	for (int i = 0; i < TOF_PC__COUNT; i++)
		w->punt_tb[i].last_ns = UINT64_MAX; /* full bucket at the first punt */
	w->icmp_tb.last_ns = UINT64_MAX;
	return 0;
}

bool tof_bucket_take(struct tof_bucket *b, uint64_t now_ns, uint64_t rate, uint64_t burst,
		     uint64_t *wait_ns)
{
	const uint64_t unit = 1000000000ULL;
	uint64_t cap = burst * unit;

	if (b->last_ns == UINT64_MAX) {
		b->tokens_nano = cap;
	} else if (now_ns > b->last_ns) {
		/* dt x rate would overflow past a second; by then it is full. */
		uint64_t dt = now_ns - b->last_ns;
		uint64_t earned = dt >= unit ? cap : dt * rate;
		b->tokens_nano = earned >= cap - b->tokens_nano ? cap : b->tokens_nano + earned;
	}
	if (now_ns > b->last_ns || b->last_ns == UINT64_MAX)
		b->last_ns = now_ns;
	if (b->tokens_nano >= unit) {
		b->tokens_nano -= unit;
		return true;
	}
	if (wait_ns != NULL)
		*wait_ns = (unit - b->tokens_nano + rate - 1) / rate;
	return false;
}

enum tof_punt_class tof_punt_class_of(enum tof_reason why)
{
	switch (why) {
	case TOF_R_UL_HANDOVER:
	case TOF_R_DL_NEW_UE_ADDR:
	case TOF_R_DL_PINGER_REPLY:
	case TOF_R_GTP_ERROR_IND_KNOWN:
		return TOF_PC_KNOWN;
	case TOF_R_DL_UNKNOWN:
	case TOF_R_GTP_ECHO:
		return TOF_PC_DOWNLINK;
	case TOF_R_UL_FIRST:
		return TOF_PC_FIRST;
	case TOF_R_UL_UNKNOWN:
	case TOF_R_UL_SPOOFED:
		return TOF_PC_NEW;
	default:
		return TOF_PC_APPS;
	}
}

const char *tof_punt_class_name(enum tof_punt_class c)
{
	static const char *const names[TOF_PC__COUNT] = {
		[TOF_PC_KNOWN] = "known", [TOF_PC_DOWNLINK] = "downlink", [TOF_PC_NEW] = "new",
		[TOF_PC_FIRST] = "first", [TOF_PC_APPS] = "apps",
	};
	return (unsigned int)c < TOF_PC__COUNT ? names[c] : "?";
}

void tof_worker_fini(struct tof_worker *w)
{
	free(w->svc);
	w->svc = NULL;
	free(w->svc_mac_news_ns);
	w->svc_mac_news_ns = NULL;
}

void tof_worker_sum(const struct tof_worker *w, struct tof_counters *c,
		    struct tof_service_counters *svc, uint32_t n_svc)
{
	tof_counters_add(c, &w->ctr);
	for (uint32_t s = 0; svc != NULL && w->svc != NULL && s < n_svc; s++) {
		svc[s].ul_pkts += w->svc[s].ul_pkts;
		svc[s].ul_bytes += w->svc[s].ul_bytes;
		svc[s].dl_pkts += w->svc[s].dl_pkts;
		svc[s].dl_bytes += w->svc[s].dl_bytes;
	}
}

bool tof_worker_punt(const struct tof_pipeline *pl, struct tof_worker *w, const uint8_t *frame,
		     uint32_t len, enum tof_port in, enum tof_reason why, uint64_t now_ns)
{
	const struct tof_config *cfg = pl->cfg;
	enum tof_punt_class pc = tof_punt_class_of(why);

	if (w->punt == NULL)
		return false;
	if (cfg->punt_rate_pps != 0 &&
	    !tof_bucket_take(&w->punt_tb[pc], now_ns, cfg->punt_rate_pps,
			     cfg->punt_burst ? cfg->punt_burst : 1, NULL)) {
		w->ctr.punt_refused[pc]++;
		return false;
	}
	if (!w->punt(w->punt_ctx, frame, len, in, why, now_ns)) {
		w->ctr.punt_refused[pc]++;
		return false;
	}
	w->ctr.punt_copies++;
	return true;
}
