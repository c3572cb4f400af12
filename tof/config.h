/* Loading the appliance configuration from JSON (jansson) into struct
 * tof_config. Strict: unknown fields, wrong types, out-of-range numbers and
 * inconsistent values are errors, and the message names the field by its
 * path, e.g.
 *   config: "services[2].serviceIP": "1.2.3" is not an IP address */
#ifndef TOF_CONFIG_H
#define TOF_CONFIG_H

#include <stddef.h>

#include "tof_config.h"

/* Fill cfg with the defaults (see tof/core/tof_config.h); allocates nothing. */
void tof_config_defaults(struct tof_config *cfg);
/* The tables' hash seed: hash_seed when the config pins it, else a random
 * one (getrandom), different in every process. */
uint64_t tof_config_hash_seed(const struct tof_config *cfg);

/* Load a configuration. cfg is overwritten (free a previously loaded one
 * first) and starts from the defaults. Returns 0, or -1 with a message in
 * err (errlen octets, may be 0) and cfg left holding the defaults with
 * nothing allocated. On success release cfg with tof_config_free. */
int tof_config_load_file(const char *path, struct tof_config *cfg, char *err, size_t errlen);
int tof_config_load_string(const char *json, struct tof_config *cfg, char *err, size_t errlen);

/* Free what a load allocated; safe to call twice and on defaults. */
void tof_config_free(struct tof_config *cfg);

#endif
