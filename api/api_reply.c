/* Replies and request parsing shared by every handler: JSON bodies, the
 * error shape {"error": "...", "field": "..."}, strict query strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "config_read.h"
#include "log.h"

void api_count_reply(struct tof_api *api, unsigned int status)
{
	if (status < API_STATUS_MAX)
		__atomic_add_fetch(&api->replies[status], 1, __ATOMIC_RELAXED);
}

static enum MHD_Result api_send(struct api_req *r, unsigned int status, const char *ctype,
				struct MHD_Response *resp)
{
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED && r->route)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, r->route->allow);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Bearer realm=\"tof\"");
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	r->answered = true;
	api_count_reply(r->api, status);
	return ret;
}

enum MHD_Result api_reply_text(struct api_req *r, unsigned int status, const char *ctype,
			       char *text, size_t len)
{
	struct MHD_Response *resp;

	if (!text)
		return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
	resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (!resp)
		free(text);
	return api_send(r, status, ctype, resp);
}

enum MHD_Result api_reply_json(struct api_req *r, unsigned int status, json_t *body)
{
	char *text = body ? json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(body);
	if (!text)
		return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
	return api_reply_text(r, status, "application/json", text, strlen(text));
}

enum MHD_Result api_reply_error(struct api_req *r, unsigned int status, const char *field,
				const char *fmt, ...)
{
	/* static fallback: an error reply must not fail for want of memory */
	static const char oom[] = "{\"error\":\"out of memory\"}";
	char msg[512];
	json_t *o;
	char *text = NULL;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_object();
	if (o && json_object_set_new(o, "error", json_string(msg)) == 0 &&
	    (!field || !field[0] || json_object_set_new(o, "field", json_string(field)) == 0))
		text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (status >= 500)
		tof_log(TOF_LOG_ERROR, "api_error",
			TOF_FIELDS(TOF_LOG_STR("method", r->method), TOF_LOG_U64("status", status),
				   TOF_LOG_STR("error", msg)),
			"api: %s: %u %s", r->method, status, msg);
	if (!text)
		return api_send(r, status, "application/json",
				MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
								MHD_RESPMEM_PERSISTENT));
	return api_reply_text(r, status, "application/json", text, strlen(text));
}

enum MHD_Result api_reply_ctl(struct api_req *r, const struct tof_ctl_err *e)
{
	unsigned int status;

	switch (e->code) {
	case TOF_CTL_NOT_FOUND:
		status = MHD_HTTP_NOT_FOUND;
		break;
	case TOF_CTL_CONFLICT:
		status = MHD_HTTP_CONFLICT;
		break;
	case TOF_CTL_INVALID:
		status = MHD_HTTP_BAD_REQUEST;
		break;
	case TOF_CTL_FULL:    /* the service table */
	case TOF_CTL_NOSPACE: /* the state file's disk */
		status = MHD_HTTP_INSUFFICIENT_STORAGE;
		break;
	default:
		status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		break;
	}
	return api_reply_error(r, status, e->field, "%s", e->msg[0] ? e->msg : "failed");
}

json_t *api_body_json(struct api_req *r)
{
	json_error_t jerr;
	json_t *v;

	if (r->len == 0) {
		api_reply_error(r, MHD_HTTP_BAD_REQUEST, NULL, "the body is empty (expected a "
				"JSON object)");
		return NULL;
	}
	/* strict: one value, no duplicate keys, no NUL in strings, UTF-8 */
	v = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v) {
		api_reply_error(r, MHD_HTTP_BAD_REQUEST, NULL,
				"the body is not valid JSON: %s (at octet %d)", jerr.text,
				jerr.position);
		return NULL;
	}
	if (!json_is_object(v)) {
		json_decref(v);
		api_reply_error(r, MHD_HTTP_BAD_REQUEST, NULL, "the body must be a JSON object");
		return NULL;
	}
	return v;
}

struct api_query_check {
	struct api_req *r;
	const char *bad;     /* first unknown or repeated key */
	const char *why;
	unsigned int seen;   /* bit per known key */
};

static enum MHD_Result api_query_iter(void *cls, enum MHD_ValueKind kind, const char *key,
				      const char *value)
{
	struct api_query_check *c = cls;
	const char *const *q = c->r->op->query;
	unsigned int i;

	(void)kind;
	for (i = 0; q && q[i]; i++)
		if (strcmp(q[i], key) == 0)
			break;
	if (!q || !q[i]) {
		c->bad = key;
		c->why = "unknown query parameter";
		return MHD_NO;
	}
	if (c->seen & (1u << i)) {
		c->bad = key;
		c->why = "query parameter given twice";
		return MHD_NO;
	}
	c->seen |= 1u << i;
	if (!value || !value[0]) {
		c->bad = key;
		c->why = "no value for the query parameter";
		return MHD_NO;
	}
	return MHD_YES;
}

bool api_query_ok(struct api_req *r)
{
	struct api_query_check c = { .r = r };
	char k[TOF_SVC_FIELD_MAX];

	MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, api_query_iter, &c);
	if (!c.bad)
		return true;
	cfg_text(c.bad, k, sizeof(k));
	api_reply_error(r, MHD_HTTP_BAD_REQUEST, k, "%s \"%s\"", c.why, k);
	return false;
}

const char *api_query(struct api_req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

json_t *api_json_addr(const struct gtp_addr *a)
{
	char buf[GTP_ADDR_STRLEN];

	if (a->family == GTP_AF_NONE)
		return json_null();
	return json_string(gtp_addr_format(a, buf, sizeof(buf)));
}

json_t *api_json_u64(uint64_t v)
{
	/* JSON integers are int64 in jansson; counters do not get there */
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}
