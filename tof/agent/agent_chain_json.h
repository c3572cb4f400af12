/* A port chain as JSON, the one shape the REST API, the config and the
 * state file share:
 *   {"name": "fw", "hops": [{"ingress": "fw0-in", "egress": "fw0-out"},
 *                           {"ingress": "dpi0", "egress": "dpi0"}]}
 * Hops are OVS port names in order from the TOF towards the app; "egress"
 * may be left out for a one-armed function (it is then the ingress). The
 * reader is strict and names the field at fault ("hops[1].ingress"). */
#ifndef TOF_AGENT_CHAIN_JSON_H
#define TOF_AGENT_CHAIN_JSON_H

#include <stdbool.h>

#include <jansson.h>

#include "agent_svc_json.h"
#include "tof_config.h"

/* Flags of tof_chain_json_read. */
#define TOF_CHAIN_NAME_OPTIONAL 0x1 /* PUT: the name comes from the path */

/* Fill out from a JSON object (zeroed first). *has_name tells whether the
 * object carried a name (may be NULL when the name is required). Also
 * checks the chain in itself (tof_chain_check). Returns 0, or -1 with e. */
int tof_chain_json_read(const json_t *obj, unsigned int flags, struct tof_chain_config *out,
			bool *has_name, struct tof_svc_json_err *e);

/* {"name": ..., "hops": [...]} (NULL when out of memory). */
json_t *tof_chain_json_write(const struct tof_chain_config *c);

/* What a chain must be by itself: 1 to TOF_MAX_HOPS hops of valid port
 * names, and no port in two hops (a function is passed once). Returns 0,
 * or -1 with e naming the field ("hops[2].egress"). */
int tof_chain_check(const struct tof_chain_config *c, struct tof_svc_json_err *e);

/* Is port one of the chain's hops' ports? */
bool tof_chain_has_port(const struct tof_chain_config *c, const char *port);

#endif
