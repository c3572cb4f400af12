/* Stand-in when tofd is built without DPDK. */
#include <stdio.h>

#include "dp.h"

bool tof_dp_available(void)
{
	return false;
}

int tof_dp_start(const struct tof_dp_ctx *ctx, struct tof_dp **out, char *err, size_t errlen)
{
	(void)ctx;
	*out = NULL;
	snprintf(err, errlen, "this tofd was built without DPDK (install libdpdk-dev and rebuild)");
	return -1;
}

void tof_dp_counters(struct tof_dp *dp, struct tof_counters *c, struct tof_service_counters *svc,
		     uint32_t n_svc)
{
	(void)dp, (void)c, (void)svc, (void)n_svc;
}

void tof_dp_stop(struct tof_dp *dp)
{
	(void)dp;
}
