/* The ctl over an in-memory appliance (tfix) and a state file in a fresh
 * temp directory, as cmocka setup/teardown for the ctl tests; and a
 * service config built from text. */
#ifndef TESTS_TCTL_H
#define TESTS_TCTL_H

#include "agent_ctl.h"
#include "agent_state.h"
#include "tfix.h"
#include "tframe.h"
#include "tof_config.h"
#include "tof_pipeline.h"

#define TCTL_ENB "198.18.0.1"
#define TCTL_SGW "198.18.0.2"
#define TCTL_UE "198.19.0.5"

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

/* The state file lists exactly these names, in this order. */
void tctl_expect_saved(struct tctl *f, const char *const *names, uint32_t n);

/* Is sip a service IP in the tables? */
bool tctl_visible(struct tctl *f, const char *sip);

/* A session for ue with uplink TEID teid between TCTL_ENB and TCTL_SGW, put
 * straight into the tables; its slot. */
uint32_t tctl_session(struct tctl *f, const char *ue, uint32_t teid);

/* An uplink frame from TCTL_UE (TEID 0x100) to dst through the pipeline. */
void tctl_uplink(struct tctl *f, const char *dst, struct tframe *tf, struct tof_result *r);

/* The inner destination of an offloaded frame (Ethernet + IPv4). */
struct gtp_addr tctl_offload_dst(const struct tframe *tf);

#endif
