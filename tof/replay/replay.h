/* Offline replay: the pipeline and the agent run over capture files on the
 * captures' clock, writing one capture per port that frames leave by plus
 * tunnels.json and stats.json. Deterministic: the same inputs and config
 * give the same outputs. */
#ifndef TOF_REPLAY_H
#define TOF_REPLAY_H

#include <stddef.h>
#include <stdio.h>

#include "tof_config.h"

/* Return values of tof_replay_run (also tofd's exit codes). */
#define TOF_REPLAY_OK 0
#define TOF_REPLAY_EIO 1    /* a capture unreadable, an output not written */
#define TOF_REPLAY_EINVAL 2 /* inputs that do not fit the config or each other */

struct tof_replay_opts {
	const struct tof_config *cfg;
	const char *config_name; /* the config's file, for messages (may be NULL) */
	const char *in_s1;   /* single mode: the S1 capture */
	const char *in_enb;  /* dual mode: frames arriving from the eNB side */
	const char *in_sgw;  /* dual mode: frames arriving from the SGW side */
	const char *in_apps; /* optional: frames arriving from the apps (Ethernet) */
	const char *out_dir; /* created if missing */
	unsigned int burst;  /* frames of one port run together (0, 1: one by one) */
	FILE *summary;       /* a short human summary at the end, or NULL */
	char *err;           /* why the run failed */
	size_t errlen;
};

/* Do the inputs fit the config's mode? TOF_REPLAY_OK, or TOF_REPLAY_EINVAL
 * with a message naming the option and the mode in err. */
int tof_replay_check_opts(const struct tof_replay_opts *o, char *err, size_t errlen);

/* Run the replay. The agent's timers fire at their due times as the
 * captures' clock passes them; the run ends with the last frame, so timers
 * due after it do not fire. Returns TOF_REPLAY_OK, or an error with o->err
 * set. */
int tof_replay_run(const struct tof_replay_opts *o);

#endif
