/* Names of ports, decisions and reasons; counter arithmetic. */
#include "tof_types.h"

#include <stddef.h>

static const char *const tof_port_names[TOF_PORT__COUNT] = {
	[TOF_PORT_ENB] = "enb",
	[TOF_PORT_SGW] = "sgw",
	[TOF_PORT_S1] = "s1",
	[TOF_PORT_APPS] = "apps",
};

static const char *const tof_decision_names[TOF_D__COUNT] = {
	[TOF_D_PASS] = "pass",       [TOF_D_PUNT] = "punt",       [TOF_D_OFFLOAD] = "offload",
	[TOF_D_ENCAP] = "encap",     [TOF_D_CONSUME] = "consume", [TOF_D_DROP] = "drop",
};

static const char *const tof_reason_names[TOF_R__COUNT] = {
#define TOF_REASON_NAME(id, name) [TOF_R_##id] = name,
	TOF_REASONS(TOF_REASON_NAME)
#undef TOF_REASON_NAME
};

const char *tof_port_name(enum tof_port p)
{
	return (unsigned int)p < TOF_PORT__COUNT ? tof_port_names[p] : "?";
}

const char *tof_decision_name(enum tof_decision d)
{
	return (unsigned int)d < TOF_D__COUNT ? tof_decision_names[d] : "?";
}

const char *tof_reason_name(enum tof_reason r)
{
	return (unsigned int)r < TOF_R__COUNT ? tof_reason_names[r] : "?";
}

void tof_counters_add(struct tof_counters *sum, const struct tof_counters *c)
{
	/* The struct is all uint64_t: add it as an array. */
	uint64_t *s = (uint64_t *)sum;
	const uint64_t *a = (const uint64_t *)c;
	size_t n = sizeof(*c) / sizeof(uint64_t);

	_Static_assert(sizeof(struct tof_counters) % sizeof(uint64_t) == 0, "counters are u64");
	for (size_t i = 0; i < n; i++)
		s[i] += a[i];
}
