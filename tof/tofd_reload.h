/* SIGHUP: tofd run re-reads its config file and applies what can change
 * while it runs, without dropping a session.
 *
 * The config is loaded and checked in full first; a file that does not
 * load changes nothing (logged as reload_failed, naming the field). Then
 * each part below brings the running appliance to the new file, in order:
 *   services  the config's services become current: each is added, or
 *             updated by name; those an earlier load listed and this one
 *             does not are removed; services only the API registered stay.
 *             All or nothing, saved to the state file once.
 *   log       format and level
 *   chains    (before services) the config's chains are created or replaced
 *             by name; (after services) those an earlier load listed and
 *             this one does not are removed, if no service uses them;
 *             chains only the API made stay.
 * Any other top-level field that differs from the config tofd started
 * with is named in a reload_restart_needed warning: it takes effect at the
 * next start. */
#ifndef TOFD_RELOAD_H
#define TOFD_RELOAD_H

#include <stdint.h>

#include <jansson.h>

#include "agent_ctl.h"
#include "tof_config.h"

struct tofd_reload {
	const char *path;      /* the config file (NULL: nothing to reload) */
	struct tof_ctl *ctl;
	json_t *started_with;  /* the document tofd started with */
	char **cfg_services;   /* names of the services the config last listed */
	uint32_t n_cfg_services;
	char **cfg_chains;     /* ... and of its chains */
	uint32_t n_cfg_chains;
	uint64_t count;        /* reloads done */
};

/* Remember what the start-up config said. Returns 0, or -1 when out of
 * memory. Safe to fini after a failed or without an init (zeroed). */
int tofd_reload_init(struct tofd_reload *r, const char *path, const struct tof_config *cfg,
		     struct tof_ctl *ctl);
void tofd_reload_fini(struct tofd_reload *r);

/* Reload now (the main thread, on SIGHUP). Logs what it did. Returns 0
 * when the new config was applied, -1 when nothing changed for an error. */
int tofd_reload(struct tofd_reload *r);

#endif
