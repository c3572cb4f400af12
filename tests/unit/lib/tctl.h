/* The ctl over an in-memory appliance (tfix) and a state file in a fresh
 * temp directory, as cmocka setup/teardown for the ctl tests; and a
 * service config built from text. */
#ifndef TESTS_TCTL_H
#define TESTS_TCTL_H

#include "agent_ctl.h"
#include "agent_state.h"
#include "tfix.h"
#include "tof_config.h"

#define TCTL_ENB "198.18.0.1"
#define TCTL_SGW "198.18.0.2"

/* Dual mode, TCTL_ENB and TCTL_SGW, no services. */
extern const char tctl_cfg_json[];

struct tctl {
	struct tfix *x;
	struct tof_state *st;
	struct tof_ctl *ctl;
	char dir[64], path[96]; /* path: dir/state.json */
};

/* *state becomes a struct tctl with no services loaded; 0 or -1. */
int tctl_setup(void **state);
/* Frees it and removes the temp directory; 0 or -1. */
int tctl_teardown(void **state);

/* A service named name (may be ""); sip and aip parsed when not NULL,
 * failing the test if they do not parse. */
struct tof_service_config tctl_svc(const char *name, const char *sip, const char *aip);

#endif
