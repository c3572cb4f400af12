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
	if (w->svc == NULL)
		return -1;
	w->punt = punt;
	w->punt_ctx = ctx;
	for (int i = 0; i < TOF_PORT__COUNT; i++)
		w->punt_tb[i].last_ns = UINT64_MAX; /* full bucket at the first punt */
	w->icmp_tb.last_ns = UINT64_MAX;
	return 0;
}

void tof_worker_fini(struct tof_worker *w)
{
	free(w->svc);
	w->svc = NULL;
}

bool tof_bucket_take(struct tof_bucket *b, uint32_t rate_pps, uint32_t burst, uint64_t now_ns)
{
	uint64_t cap = (uint64_t)(burst ? burst : 1) * 1000;

	if (b->last_ns == UINT64_MAX) {
		b->tokens_milli = cap;
	} else if (now_ns > b->last_ns) {
		/* tokens x 1000 earned: rate/s x elapsed ns x 1000 / 1e9 */
		uint64_t dt = now_ns - b->last_ns;
		uint64_t earned = dt >= 1000000000ULL ? cap : dt * rate_pps / 1000000ULL;
		b->tokens_milli = b->tokens_milli + earned > cap ? cap : b->tokens_milli + earned;
	}
	b->last_ns = now_ns;
	if (b->tokens_milli < 1000)
		return false;
	b->tokens_milli -= 1000;
	return true;
}

bool tof_worker_punt(const struct tof_pipeline *pl, struct tof_worker *w, const uint8_t *frame,
		     uint32_t len, enum tof_port in, enum tof_reason why, uint64_t now_ns)
{
	const struct tof_config *cfg = pl->cfg;

	if (w->punt == NULL)
		return false;
	if (cfg->punt_rate_pps != 0 &&
	    !tof_bucket_take(&w->punt_tb[in], cfg->punt_rate_pps, cfg->punt_burst, now_ns))
		return false;
	w->punt(w->punt_ctx, frame, len, in, why, now_ns);
	w->ctr.punt_copies++;
	return true;
}
