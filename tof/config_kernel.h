/* The data-plane choice and kernel mode's section of the configuration,
 * read by tof/config.c. */
#ifndef TOF_CONFIG_KERNEL_H
#define TOF_CONFIG_KERNEL_H

#include <jansson.h>

#include "config_read.h"
#include "tof_config.h"

/* "dataplane": "dpdk" | "kernel". */
int cfg_dataplane(struct cfg_ctx *c, const char *path, const json_t *v, struct tof_config *cfg);

/* "kernel": {"enb", "sgw", "s1", "apps", "bridge", "queues"}. */
int cfg_kernel(struct cfg_ctx *c, const char *path, json_t *v, struct tof_config *cfg);

void cfg_kernel_defaults(struct tof_kernel_config *k);

/* Once everything is read: the sections match the data plane and the mode. */
int cfg_check_dataplane(struct cfg_ctx *c, const struct tof_config *cfg);

#endif
