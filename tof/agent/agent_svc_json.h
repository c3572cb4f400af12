/* A service as JSON, the one shape the REST API and the state file share:
 *   {"name": "cache", "serviceIP": "203.0.113.100", "applicationIP":
 *    "198.51.100.10", "applicationMAC": "02:00:00:00:00:0a", "chain": "fw",
 *    "applicationPort": "app0"}
 * (the last three optional). The reader is strict: unknown fields, wrong
 * types, bad names and addresses are refused, and the error names the
 * field at fault. */
#ifndef TOF_AGENT_SVC_JSON_H
#define TOF_AGENT_SVC_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "tof_config.h"

#define TOF_SVC_FIELD_MAX 72
#define TOF_SVC_MSG_MAX 256

struct tof_svc_json_err {
	char field[TOF_SVC_FIELD_MAX]; /* "" when no single field is at fault */
	char msg[TOF_SVC_MSG_MAX];
};

/* Flags of tof_svc_json_read. */
#define TOF_SVC_NAME_OPTIONAL 0x1 /* PUT: the name may come from the path */

/* [A-Za-z0-9._-]{1,TOF_NAME_MAX} */
bool tof_svc_name_valid(const char *s, size_t len);

/* Fill out from a JSON object (out is zeroed first). *has_name tells
 * whether the object carried a name (may be NULL when the name is
 * required). Returns 0, or -1 with e filled. */
int tof_svc_json_read(const json_t *obj, unsigned int flags, struct tof_service_config *out,
		      bool *has_name, struct tof_svc_json_err *e);

/* Shared with the chain reader: fill e (field made safe to quote), -1. */
__attribute__((format(printf, 3, 4)))
int tof_svc_json_fail(struct tof_svc_json_err *e, const char *field, const char *fmt, ...);
/* A JSON string of the name characters into out; field names it in e. */
int tof_svc_json_name(const json_t *v, const char *field, char out[TOF_NAME_MAX + 1],
		  struct tof_svc_json_err *e);

/* The JSON object of a service (NULL when out of memory). Addresses in
 * their canonical text; applicationMAC and chain only when set. */
json_t *tof_svc_json_write(const struct tof_service_config *sc);

#endif
