/* Per-worker state: counters, per-service counters, punt rate limiting. */
#include <stdlib.h>
#include <string.h>

#include "tof_pipeline.h"
#include "tof_worker.h"

int tof_worker_init(struct tof_worker *w, uint32_t max_services, tof_punt_fn punt, void *ctx)
{
	memset(w, 0, sizeof(*w));
	w->svc = calloc(max_services ? max_services : 1, sizeof(*w->svc));
	if (w->svc == NULL)
		return -1;
	w->punt = punt;
	w->punt_ctx = ctx;
	for (int i = 0; i < TOF_PC__COUNT; i++)
		w->punt_tb[i].last_ns = UINT64_MAX; /* full bucket at the first punt */
	return 0;
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
}

bool tof_worker_punt(const struct tof_pipeline *pl, struct tof_worker *w, const uint8_t *frame,
		     uint32_t len, enum tof_port in, enum tof_reason why, uint64_t now_ns)
{
	const struct tof_config *cfg = pl->cfg;
	enum tof_punt_class pc = tof_punt_class_of(why);
	struct tof_bucket *b = &w->punt_tb[pc];

	if (w->punt == NULL)
		return false;
	if (cfg->punt_rate_pps != 0) {
		uint64_t cap = (uint64_t)(cfg->punt_burst ? cfg->punt_burst : 1) * 1000;
		if (b->last_ns == UINT64_MAX) {
			b->tokens_milli = cap;
		} else if (now_ns > b->last_ns) {
			/* tokens x 1000 earned: rate/s x elapsed ns x 1000 / 1e9 */
			uint64_t dt = now_ns - b->last_ns;
			uint64_t earned = dt >= 1000000000ULL ? cap :
				dt * cfg->punt_rate_pps / 1000000ULL;
			b->tokens_milli = b->tokens_milli + earned > cap ? cap : b->tokens_milli + earned;
		}
		b->last_ns = now_ns;
		if (b->tokens_milli < 1000) {
			w->ctr.punt_refused[pc]++;
			return false;
		}
		b->tokens_milli -= 1000;
	}
	if (!w->punt(w->punt_ctx, frame, len, in, why, now_ns)) {
		w->ctr.punt_refused[pc]++;
		return false;
	}
	w->ctr.punt_copies++;
	return true;
}
