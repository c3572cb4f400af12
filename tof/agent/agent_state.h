/* The services' state file: what the REST API registered, kept across
 * restarts and crashes.
 *
 *   {"version": 2, "services": [{"name": ..., "serviceIP": ..., ...}],
 *    "chains": [{"name": ..., "hops": [...]}]}
 *
 * Version 1 files (before chains) are read too: their chains come from the
 * config.
 * Written atomically: the whole list goes to PATH.tmp in the same
 * directory, is fsync'd, renamed over PATH and the directory fsync'd, so a
 * crash at any moment leaves either the old or the new list, never a mix.
 * The config's services and chains seed the state on the first start only:
 * with no state file yet they are the state; once the file exists it wins.
 *
 * An exclusive lock on PATH.lock keeps a second tofd off the same file.
 * Symbolic links in place of PATH, PATH.tmp or PATH.lock are never
 * followed. A file that cannot be read or parsed is moved aside
 * (tof_state_set_aside) rather than stopping tofd; when even that is
 * impossible, or the lock cannot be had, saves are refused (the state is
 * "disabled") and nothing on disk is touched. */
#ifndef TOF_AGENT_STATE_H
#define TOF_AGENT_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tof_config.h"

struct tof_state;

/* What the file holds. Arrays malloc'd (NULL when empty); free with
 * tof_state_doc_free. */
struct tof_state_doc {
	struct tof_service_config *svcs;
	uint32_t n_svcs;
	struct tof_chain_config *chains;
	uint32_t n_chains;
};

void tof_state_doc_free(struct tof_state_doc *d);

/* Open the state at path (take the lock, remove a temp file a crash left).
 * path NULL: no persistence; every save succeeds and keeps nothing.
 * Returns 0, or -1 with a message in err (no such directory, none we may
 * write in, another tofd holds the lock). A lock that cannot be had
 * otherwise (a symbolic link) disables the state instead. */
int tof_state_open(const char *path, struct tof_state **out, char *err, size_t errlen);
void tof_state_close(struct tof_state *st);

/* Are changes kept in a file (one is configured and not disabled)? */
bool tof_state_persistent(const struct tof_state *st);
const char *tof_state_path(const struct tof_state *st);

/* Refuse every save from now on, saying why; and why, or NULL while saves
 * are taken. */
void tof_state_disable(struct tof_state *st, const char *why);
const char *tof_state_disabled(const struct tof_state *st);

/* The state file could not be loaded: rename it to PATH.bad-YYYYmmddTHHMMSSZ
 * (never over an earlier one) and fsync the directory, so the next save
 * starts a new file and the old one stays for whoever looks into it.
 * moved_to receives the new name. Returns 0, or -1 with a message in err;
 * then the state is disabled, so the bad file is never overwritten. */
int tof_state_set_aside(struct tof_state *st, char *moved_to, size_t len, char *err,
			size_t errlen);

/* The services to start with: the file's, or the config's when there is no
 * file yet (*seeded set: the caller saves them so the file exists from now
 * on). *svcs is malloc'd (NULL when *n is 0). Returns 0, or -1 with a
 * message naming the file and the field in err. */
int tof_state_load(struct tof_state *st, const struct tof_config *cfg,
		   struct tof_service_config **svcs, uint32_t *n, bool *seeded, char *err,
		   size_t errlen);

/* Services and chains to start with, as tof_state_load says; a version 1
 * file takes its chains from the config. */
int tof_state_load_doc(struct tof_state *st, const struct tof_config *cfg,
		       struct tof_state_doc *d, bool *seeded, char *err, size_t errlen);

/* Without opening it (a running tofd may hold it): does path's directory
 * exist, and does the file, if there is one, parse? *n_services: how many
 * it holds (-1: no file yet). Returns 0; -1 with a message in err when the
 * directory is missing (tofd run refuses that); 1 with a message when the
 * file cannot be used (tofd run would move it aside and start degraded). */
int tof_state_check(const char *path, long *n_services, char *err, size_t errlen);

/* Parse a state document (exposed for tests). *has_chains: the file is of
 * a version that keeps chains. */
int tof_state_parse_doc(const char *json, size_t len, struct tof_state_doc *d,
			bool *has_chains, char *err, size_t errlen);
/* The same, services only. */
int tof_state_parse(const char *json, size_t len, struct tof_service_config **svcs,
		    uint32_t *n, char *err, size_t errlen);

/* A save failed for want of room (ENOSPC, EDQUOT). */
#define TOF_STATE_NOSPACE (-2)

/* Replace the saved services and chains: prepare + commit. Returns 0, or
 * -1 (or TOF_STATE_NOSPACE) with a message in err (the file still holds
 * the previous list). */
int tof_state_save_doc(struct tof_state *st, const struct tof_state_doc *d, char *err,
		       size_t errlen);

/* The same with these services and no chains. */
int tof_state_save(struct tof_state *st, const struct tof_service_config *svcs, uint32_t n,
		   char *err, size_t errlen);

/* The two halves of a save, apart so tests can stop in between as a crash
 * would: the temp file written and fsync'd (refused while the state is
 * disabled); then renamed into place and the directory fsync'd. */
int tof_state_prepare_doc(struct tof_state *st, const struct tof_state_doc *d, char *err,
			  size_t errlen);
int tof_state_prepare(struct tof_state *st, const struct tof_service_config *svcs, uint32_t n,
		      char *err, size_t errlen);
int tof_state_commit(struct tof_state *st, char *err, size_t errlen);

#endif
