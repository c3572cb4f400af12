/* The config's Open vSwitch parts for tof/config.c: the "ovs" section, the
 * "chains" list, and the rules that tie them to the services and ports. */
#ifndef TOF_CONFIG_OVS_H
#define TOF_CONFIG_OVS_H

#include <jansson.h>

#include "config_read.h"
#include "tof_config.h"

/* Where tofd serves the vhost-user socket when "ovs.socket" is not given
 * (DPDK mode). */
#define TOF_OVS_SOCKET_DIR "/run/tof"

/* "ovs": {"db": ..., "bridge": ..., "port": ..., "socket": ..., "openflow": ...} */
int cfg_ovs(struct cfg_ctx *c, const char *path, json_t *v, struct tof_config *cfg);

/* "chains": [{"name": ..., "hops": [...]}, ...] */
int cfg_chains(struct cfg_ctx *c, const char *path, const json_t *v, struct tof_config *cfg);

/* Once everything is read: ports.apps and ovs exclude each other, vhost-user
 * needs hugepages, services name chains that exist and app ports that are
 * no hop's. */
int cfg_check_ovs(struct cfg_ctx *c, const struct tof_config *cfg);

/* Once the checks passed: tofd's port type follows the data plane, and a
 * vhost-user port gets its default socket. */
int cfg_ovs_finish(struct cfg_ctx *c, struct tof_config *cfg);

/* Free what cfg_ovs and cfg_chains allocated. */
void cfg_free_ovs(struct tof_config *cfg);

#endif
