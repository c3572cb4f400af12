/* tofd run: the appliance on live ports, or with --no-dataplane only the
 * control side (tables, agent, state, REST API). */
#ifndef TOFD_RUN_H
#define TOFD_RUN_H

#include <stdbool.h>

#include "tof_config.h"

struct tofd_run_opts {
	const char *config_path; /* re-read on SIGHUP */
	bool no_dataplane; /* tests, and provisioning before the ports exist */
	int eal_argc;      /* EAL arguments after "--" */
	char **eal_argv;
};

/* Run until SIGTERM or SIGINT; SIGHUP reloads the services (and whatever
 * else tofd_reload.h lists) from config_path without dropping sessions. cfg's pinger key is drawn at random unless
 * the file set one. Returns tofd's exit code: 0 after a clean stop, 1 when
 * something could not be started (data plane, listen socket), 2 for a bad
 * config or state file (the message names the field). */
int tofd_run(struct tof_config *cfg, const struct tofd_run_opts *o);

#endif
