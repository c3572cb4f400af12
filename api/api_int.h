/* Shared by the API's files: the server, a request, routing, replies. */
#ifndef TOF_API_INT_H
#define TOF_API_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <jansson.h>
#include <microhttpd.h>

#include "api.h"
#include "gtp.h"

/* A chunked body past this is not read to its end: the connection is
 * closed instead (libmicrohttpd cannot answer in the middle of a body). */
#define API_DISCARD_MAX (1024u * 1024)
#define API_STATUS_MAX 600

struct api_guard;

struct tof_api {
	struct MHD_Daemon *d;
	struct api_guard *guard;    /* request deadlines (api_guard.c) */
	struct tof_ctl *ctl;
	const struct tof_config *cfg;
	size_t body_limit;
	bool quiet;
	char *token;       /* NULL: no authentication */
	size_t token_len;
	char *cert_pem, *key_pem;
	uint16_t port;
	char url[80];
	uint64_t replies[API_STATUS_MAX]; /* atomic, by status code */

	/* GET /service rendered once per version of the service list */
	pthread_mutex_t cache_lock;
	uint64_t cache_version;
	char *cache_body;
	size_t cache_len;
};

struct api_req;
typedef enum MHD_Result (*api_handler)(struct api_req *r);

/* One method on a route. query: the query parameters it takes (NULL
 * terminated, or NULL for none). */
struct api_op {
	const char *method;
	api_handler fn;
	bool body;                  /* takes a JSON body */
	const char *const *query;
};

struct api_route {
	const char *path;           /* "/service", or "/service/" + {name} */
	bool param;                 /* the rest of the path is a parameter */
	bool open;                  /* answered without a token (/health/live) */
	const char *allow;          /* for 405 */
	struct api_op ops[4];
};

struct api_req {
	struct tof_api *api;
	struct MHD_Connection *conn;
	const char *method;
	const struct api_route *route;
	const struct api_op *op;
	char param[128];            /* {name}, when the route has one */
	char *body;
	size_t len, cap;
	size_t seen;                /* body octets received, kept or not */
	bool too_big;
	bool answered;
};

/* --- routing (api_server.c) --- */
const struct api_route *api_route_find(const char *url, char *param, size_t plen);

/* --- replies (api_reply.c) --- */
/* Send body (taken over) with status; always returns what MHD said. */
enum MHD_Result api_reply_json(struct api_req *r, unsigned int status, json_t *body);
enum MHD_Result api_reply_text(struct api_req *r, unsigned int status, const char *ctype,
			       char *text, size_t len);
/* {"error": ..., "field": ...}; field NULL or "" when no single field is
 * at fault. */
__attribute__((format(printf, 4, 5)))
enum MHD_Result api_reply_error(struct api_req *r, unsigned int status, const char *field,
				const char *fmt, ...);
/* The HTTP status of a ctl failure, and its error reply. */
enum MHD_Result api_reply_ctl(struct api_req *r, const struct tof_ctl_err *e);
/* Parse the request body as one JSON value; NULL after a 400 was sent. */
json_t *api_body_json(struct api_req *r);
/* Check the query string against r->op->query; false after a 400. */
bool api_query_ok(struct api_req *r);
/* A query parameter's value (NULL if absent). */
const char *api_query(struct api_req *r, const char *key);
void api_count_reply(struct tof_api *api, unsigned int status);

/* --- slow clients (api_guard.c) --- */
/* Start the reaper: connections whose request (or its answer) takes longer
 * than timeout_s are cut. */
int api_guard_start(struct tof_api *api, uint32_t timeout_s, char *err, size_t errlen);
/* After MHD_stop_daemon. */
void api_guard_stop(struct tof_api *api);
/* MHD_OPTION_NOTIFY_CONNECTION: track connections as they come and go. */
void api_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode code);
/* A new deadline for the connection: its request arrived (now the answer
 * must leave in time), or its exchange ended (the next request must come). */
void api_guard_rearm(struct tof_api *api, struct MHD_Connection *conn);
/* Connections cut so far, and connections open now. */
void api_guard_counts(struct tof_api *api, uint64_t *cut, uint32_t *open);

/* --- auth and TLS (api_auth.c) --- */
int api_auth_load(struct tof_api *api, const struct tof_config *cfg, char *err, size_t errlen);
void api_auth_free(struct tof_api *api);
/* Does the request carry the token? Always true without one. */
bool api_auth_ok(struct api_req *r);
/* "ADDR:PORT" with ADDR an IPv4 address or [IPv6]. */
int api_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sslen, char *err,
		     size_t errlen);

/* --- handlers --- */
enum MHD_Result api_service_list(struct api_req *r);
enum MHD_Result api_service_add(struct api_req *r);
enum MHD_Result api_service_get(struct api_req *r);
enum MHD_Result api_service_put(struct api_req *r);
enum MHD_Result api_service_delete(struct api_req *r);
enum MHD_Result api_chain_list(struct api_req *r);
enum MHD_Result api_chain_get(struct api_req *r);
enum MHD_Result api_chain_put(struct api_req *r);
enum MHD_Result api_chain_delete(struct api_req *r);
enum MHD_Result api_tunnels(struct api_req *r);
enum MHD_Result api_stats(struct api_req *r);
enum MHD_Result api_health(struct api_req *r);
enum MHD_Result api_health_live(struct api_req *r);
enum MHD_Result api_metrics(struct api_req *r);

/* JSON helpers for handlers: an address (null when unset) and a counter. */
json_t *api_json_addr(const struct gtp_addr *a);
json_t *api_json_u64(uint64_t v);

#endif
