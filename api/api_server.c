/* The HTTP server: libmicrohttpd daemon, routing, and the order in which a
 * request is checked before its handler runs:
 *   route (404) -> token (401) -> method (405) -> a body where none is
 *   taken (400) -> content type (415) -> declared length (413) -> body read,
 *   bounded (413) -> query string (400) -> handler.
 * Every refusal before the body is answered at once, without reading it. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include "api_int.h"
#include "log.h"

static const char *const q_tunnels[] = { "ue", "limit", "cursor", NULL };

static const struct api_route api_routes[] = {
	{ "/service", false, false, "GET, POST",
	  { { "GET", api_service_list, false, NULL },
	    { "POST", api_service_add, true, NULL } } },
	{ "/service/", true, false, "GET, PUT, DELETE",
	  { { "GET", api_service_get, false, NULL },
	    { "PUT", api_service_put, true, NULL },
	    { "DELETE", api_service_delete, false, NULL } } },
	{ "/chains", false, false, "GET", { { "GET", api_chain_list, false, NULL } } },
	{ "/chains/", true, false, "GET, PUT, DELETE",
	  { { "GET", api_chain_get, false, NULL },
	    { "PUT", api_chain_put, true, NULL },
	    { "DELETE", api_chain_delete, false, NULL } } },
	{ "/tunnels", false, false, "GET", { { "GET", api_tunnels, false, q_tunnels } } },
	{ "/stats", false, false, "GET", { { "GET", api_stats, false, NULL } } },
	{ "/metrics", false, false, "GET", { { "GET", api_metrics, false, NULL } } },
	/* readiness follows the token (it tells counts and problems); liveness
	 * is open and says no more than that it answers */
	{ "/health", false, false, "GET", { { "GET", api_health, false, NULL } } },
	{ "/health/live", false, true, "GET", { { "GET", api_health_live, false, NULL } } },
};

const struct api_route *api_route_find(const char *url, char *param, size_t plen)
{
	for (size_t i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		const struct api_route *rt = &api_routes[i];
		size_t n = strlen(rt->path);

		if (!rt->param) {
			if (strcmp(url, rt->path) == 0)
				return rt;
			continue;
		}
		/* one non-empty segment after the prefix */
		if (strncmp(url, rt->path, n) != 0 || url[n] == '\0' || strchr(url + n, '/'))
			continue;
		if (strlen(url + n) >= plen)
			return NULL; /* no name or address is that long */
		strcpy(param, url + n);
		return rt;
	}
	return NULL;
}

static const struct api_op *api_op_find(const struct api_route *rt, const char *method)
{
	for (size_t i = 0; i < sizeof(rt->ops) / sizeof(rt->ops[0]) && rt->ops[i].method; i++)
		if (strcmp(rt->ops[i].method, method) == 0)
			return &rt->ops[i];
	return NULL;
}

/* "application/json", with parameters or not, in any case. */
static bool api_is_json(const char *ctype)
{
	size_t n = strlen("application/json");

	if (!ctype)
		return false;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	if (strncasecmp(ctype, "application/json", n) != 0)
		return false;
	ctype += n;
	while (*ctype == ' ' || *ctype == '\t')
		ctype++;
	return *ctype == '\0' || *ctype == ';';
}

/* The first call for a request: everything the headers can decide. Returns
 * false once a refusal was sent. */
static bool api_precheck(struct api_req *r, const char *url, enum MHD_Result *ret)
{
	const char *clen;

	/* absolute-form ("GET http://host/service"), which servers must take */
	if (strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0) {
		const char *path = strchr(strstr(url, "//") + 2, '/');

		url = path ? path : "/";
	}
	r->route = api_route_find(url, r->param, sizeof(r->param));
	if (!r->route) {
		/* without the token even the set of routes is not told */
		if (!api_auth_ok(r))
			*ret = api_reply_error(r, MHD_HTTP_UNAUTHORIZED, NULL,
					       "missing or wrong bearer token");
		else
			*ret = api_reply_error(r, MHD_HTTP_NOT_FOUND, NULL, "no such route: %s %s",
					       r->method, url);
		return false;
	}
	if (!r->route->open && !api_auth_ok(r)) {
		*ret = api_reply_error(r, MHD_HTTP_UNAUTHORIZED, NULL,
				       "missing or wrong bearer token");
		return false;
	}
	r->op = api_op_find(r->route, r->method);
	if (!r->op) {
		*ret = api_reply_error(r, MHD_HTTP_METHOD_NOT_ALLOWED, NULL,
				       "%s is not allowed here (allowed: %s)", r->method,
				       r->route->allow);
		return false;
	}
	clen = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!r->op->body) {
		if ((clen && strtoull(clen, NULL, 10) > 0) ||
		    MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						MHD_HTTP_HEADER_TRANSFER_ENCODING)) {
			*ret = api_reply_error(r, MHD_HTTP_BAD_REQUEST, NULL,
					       "%s takes no body here", r->method);
			return false;
		}
		return true;
	}
	if (!api_is_json(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE))) {
		*ret = api_reply_error(r, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, NULL,
				       "the body must be JSON (Content-Type: application/json)");
		return false;
	}
	if (clen && strtoull(clen, NULL, 10) > r->api->body_limit) {
		*ret = api_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
				       "the body is larger than %zu octets", r->api->body_limit);
		return false;
	}
	return true;
}

/* Keep body octets up to the limit; past it, only count them. */
static bool api_take_body(struct api_req *r, const char *data, size_t n)
{
	size_t limit = r->api->body_limit;

	r->seen += n;
	if (r->too_big || r->len + n > limit) {
		r->too_big = true;
		return r->seen <= API_DISCARD_MAX;
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 1024;
		char *nb;

		while (cap < r->len + n + 1)
			cap *= 2;
		nb = realloc(r->body, cap);
		if (!nb)
			return false;
		r->body = nb;
		r->cap = cap;
	}
	memcpy(r->body + r->len, data, n);
	r->len += n;
	r->body[r->len] = '\0';
	return true;
}

static enum MHD_Result api_access(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_size, void **con_cls)
{
	struct tof_api *api = cls;
	struct api_req *r = *con_cls;
	enum MHD_Result ret = MHD_YES;

	(void)version;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return MHD_NO;
		r->api = api;
		r->conn = conn;
		r->method = method;
		*con_cls = r;
		if (!api_precheck(r, url, &ret))
			return ret;
		return MHD_YES;
	}
	if (r->answered) {
		/* refused before the body: drop whatever still comes */
		*upload_size = 0;
		return MHD_YES;
	}
	if (*upload_size) {
		bool keep = api_take_body(r, upload_data, *upload_size);

		*upload_size = 0;
		return keep ? MHD_YES : MHD_NO;
	}
	if (r->too_big)
		return api_reply_error(r, MHD_HTTP_CONTENT_TOO_LARGE, NULL,
				       "the body is larger than %zu octets", api->body_limit);
	if (!r->op->body && r->seen)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, NULL, "%s takes no body here",
				       method);
	/* the request is in: from now on its answer has the time limit */
	api_guard_rearm(api, conn);
	if (!api_query_ok(r))
		return MHD_YES;
	return r->op->fn(r);
}

static void api_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			  enum MHD_RequestTerminationCode toe)
{
	struct api_req *r = *con_cls;

	(void)toe;
	api_guard_rearm(cls, conn); /* a kept-alive connection's next request */
	if (!r)
		return;
	free(r->body);
	free(r);
	*con_cls = NULL;
}

/* libmicrohttpd's own messages (lines ending in a newline). */
static void api_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	tof_log(TOF_LOG_WARNING, "api_http", TOF_FIELDS(TOF_LOG_STR("error", msg)), "api: %s", msg);
}

static void api_free(struct tof_api *api)
{
	api_guard_stop(api);
	api_auth_free(api);
	pthread_mutex_destroy(&api->cache_lock);
	free(api->cache_body);
	free(api);
}

static void api_make_url(struct tof_api *api, const struct sockaddr_storage *ss)
{
	char a[INET6_ADDRSTRLEN];
	const char *scheme = api->cert_pem ? "https" : "http";

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ss)->sin6_addr, a, sizeof(a));
		snprintf(api->url, sizeof(api->url), "%s://[%s]:%u", scheme, a, api->port);
	} else {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, a, sizeof(a));
		snprintf(api->url, sizeof(api->url), "%s://%s:%u", scheme, a, api->port);
	}
}

int tof_api_start(const struct tof_api_opts *o, struct tof_ctl *ctl, struct tof_api **out,
		  char *err, size_t errlen)
{
	const struct tof_config *cfg = o->cfg;
	const char *listen = cfg->api_listen ? cfg->api_listen : TOF_API_LISTEN_DEFAULT;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG;
	unsigned int threads = o->threads ? o->threads : 4;
	struct sockaddr_storage ss;
	socklen_t sslen;
	const union MHD_DaemonInfo *info;
	struct tof_api *api;

	*out = NULL;
	if (api_parse_listen(listen, &ss, &sslen, err, errlen) < 0)
		return -1;
	api = calloc(1, sizeof(*api));
	if (!api) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pthread_mutex_init(&api->cache_lock, NULL);
	api->ctl = ctl;
	api->cfg = cfg;
	api->quiet = o->quiet;
	api->body_limit = o->body_limit ? o->body_limit : TOF_API_BODY_LIMIT;
	api->cache_version = UINT64_MAX;
	if (api_auth_load(api, cfg, err, errlen) < 0 ||
	    api_guard_start(api, cfg->api_request_timeout_s, err, errlen) < 0)
		goto fail;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (api->cert_pem) {
		if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			snprintf(err, errlen, "api.tls_cert: this libmicrohttpd has no TLS support");
			goto fail;
		}
		flags |= MHD_USE_TLS;
	}
	struct MHD_OptionItem opts[] = {
		{ MHD_OPTION_SOCK_ADDR, 0, &ss },
		{ MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)threads, NULL },
		{ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)cfg->api_max_conns, NULL },
		{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, (intptr_t)cfg->api_max_client_conns, NULL },
		/* idle connections; slow ones are api_guard.c's */
		{ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)cfg->api_request_timeout_s, NULL },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)api_guard_notify, api },
		/* headers and the read buffer; bodies go to the handler */
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, 64 * 1024, NULL },
		{ MHD_OPTION_LISTEN_BACKLOG_SIZE, 256, NULL },
		{ MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)api_completed, api },
		{ api->cert_pem ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, api->cert_pem },
		{ MHD_OPTION_HTTPS_MEM_KEY, 0, api->key_pem },
		{ MHD_OPTION_END, 0, NULL },
	};

	/* the logger first, so MHD's own messages about the rest go to it */
	api->d = MHD_start_daemon(flags, 0, NULL, NULL, api_access, api,
				  MHD_OPTION_EXTERNAL_LOGGER, api_log, api,
				  MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!api->d) {
		snprintf(err, errlen, "api.listen: cannot serve on %s (address in use or not "
			 "this host's%s)", listen,
			 api->cert_pem ? ", or api.tls_cert and api.tls_key do not match" : "");
		api_free(api);
		return -2;
	}
	info = MHD_get_daemon_info(api->d, MHD_DAEMON_INFO_BIND_PORT);
	api->port = info ? info->port : 0;
	api_make_url(api, &ss);
	*out = api;
	return 0;
fail:
	api_free(api);
	return -1;
}

const char *tof_api_url(const struct tof_api *api)
{
	return api->url;
}

uint16_t tof_api_port(const struct tof_api *api)
{
	return api->port;
}

void tof_api_stop(struct tof_api *api)
{
	if (!api)
		return;
	if (api->d)
		MHD_stop_daemon(api->d);
	api_free(api);
}
