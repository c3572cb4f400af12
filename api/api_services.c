/* /service and /service/{name}: the routes of the source design, kept
 * compatible, plus GET of one service. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "config_read.h"
#include "log.h"

/* {name} in a path: a name, or (where allowed) a service IP. Anything
 * else cannot name a service, so it is simply not found. */
static bool api_key_ok(const char *key, bool ip_too)
{
	struct gtp_addr a;

	return tof_svc_name_valid(key, strlen(key)) || (ip_too && gtp_addr_parse(key, &a) == 0);
}

static enum MHD_Result api_no_service(struct api_req *r, bool ip_too)
{
	char k[TOF_NAME_MAX + 4];

	return api_reply_error(r, MHD_HTTP_NOT_FOUND, "name", "no service %s \"%s\"",
			       ip_too ? "with the name or service IP" : "named",
			       cfg_text(r->param, k, sizeof(k)));
}

/* event: service_added, service_updated or service_deleted; renamed_from
 * the old name of a renamed service (else NULL). */
static void api_log_change(struct api_req *r, const char *event, const char *renamed_from,
			   const struct tof_service_config *sc)
{
	char a1[GTP_ADDR_STRLEN], a2[GTP_ADDR_STRLEN], from[TOF_NAME_MAX + 32] = "";

	if (r->api->quiet)
		return;
	gtp_addr_format(&sc->service_ip, a1, sizeof(a1));
	gtp_addr_format(&sc->app_ip, a2, sizeof(a2));
	if (renamed_from)
		snprintf(from, sizeof(from), ", renamed from \"%s\"", renamed_from);
	tof_log(TOF_LOG_INFO, event,
		TOF_FIELDS(TOF_LOG_STR("name", sc->name), TOF_LOG_STR("serviceIP", a1),
			   TOF_LOG_STR("applicationIP", a2), TOF_LOG_STR("renamed_from", renamed_from),
			   TOF_LOG_STR("by", "api")),
		"api: service \"%s\" %s%s (serviceIP %s, applicationIP %s)", sc->name,
		event + strlen("service_"), from, a1, a2);
}

/* The list changes rarely and is read often: render it once per version. */
enum MHD_Result api_service_list(struct api_req *r)
{
	struct tof_api *api = r->api;
	uint64_t version = tof_ctl_service_version(api->ctl);
	struct tof_service_config *v;
	struct tof_ctl_err e;
	char *text = NULL;
	size_t len = 0;
	uint32_t n;
	json_t *arr;

	pthread_mutex_lock(&api->cache_lock);
	if (api->cache_body && api->cache_version == version) {
		text = malloc(api->cache_len + 1);
		if (text) {
			memcpy(text, api->cache_body, api->cache_len + 1);
			len = api->cache_len;
		}
	}
	pthread_mutex_unlock(&api->cache_lock);
	if (text)
		return api_reply_text(r, MHD_HTTP_OK, "application/json", text, len);

	/* the version was read first: a change racing this listing makes
	 * the cached copy stale, never wrong for long */
	if (tof_ctl_service_list(api->ctl, &v, &n, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	arr = json_array();
	for (uint32_t i = 0; i < n && arr; i++) {
		if (json_array_append_new(arr, tof_svc_json_write(&v[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	free(v);
	text = arr ? json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(arr);
	if (!text)
		return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
	len = strlen(text);
	pthread_mutex_lock(&api->cache_lock);
	free(api->cache_body);
	api->cache_body = strdup(text);
	api->cache_len = len;
	api->cache_version = version;
	pthread_mutex_unlock(&api->cache_lock);
	return api_reply_text(r, MHD_HTTP_OK, "application/json", text, len);
}

/* The body as a service; false once a 400 was sent. */
static bool api_body_service(struct api_req *r, unsigned int flags,
			     struct tof_service_config *sc, bool *has_name)
{
	struct tof_svc_json_err e;
	json_t *body = api_body_json(r);
	int rc;

	if (!body)
		return false;
	rc = tof_svc_json_read(body, flags, sc, has_name, &e);
	json_decref(body);
	if (rc < 0) {
		api_reply_error(r, MHD_HTTP_BAD_REQUEST, e.field, "%s", e.msg);
		return false;
	}
	return true;
}

enum MHD_Result api_service_add(struct api_req *r)
{
	struct tof_service_config sc;
	struct tof_ctl_err e;

	if (!api_body_service(r, 0, &sc, NULL))
		return MHD_YES;
	if (tof_ctl_service_add(r->api->ctl, &sc, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	api_log_change(r, "service_added", NULL, &sc);
	return api_reply_json(r, MHD_HTTP_OK, tof_svc_json_write(&sc));
}

enum MHD_Result api_service_get(struct api_req *r)
{
	struct tof_service_config sc;
	struct tof_ctl_err e;

	if (!api_key_ok(r->param, true))
		return api_no_service(r, true);
	if (tof_ctl_service_get(r->api->ctl, r->param, true, &sc, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	return api_reply_json(r, MHD_HTTP_OK, tof_svc_json_write(&sc));
}

/* A full replacement. The body's name, if any, renames the service. */
enum MHD_Result api_service_put(struct api_req *r)
{
	struct tof_service_config sc, out;
	struct tof_ctl_err e;
	bool has_name;

	if (!api_key_ok(r->param, false))
		return api_no_service(r, false);
	if (!api_body_service(r, TOF_SVC_NAME_OPTIONAL, &sc, &has_name))
		return MHD_YES;
	if (tof_ctl_service_update(r->api->ctl, r->param, &sc, &out, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	api_log_change(r, "service_updated",
		       has_name && strcmp(r->param, out.name) != 0 ? r->param : NULL, &out);
	return api_reply_json(r, MHD_HTTP_OK, tof_svc_json_write(&out));
}

enum MHD_Result api_service_delete(struct api_req *r)
{
	struct tof_service_config out;
	struct tof_ctl_err e;

	if (!api_key_ok(r->param, true))
		return api_no_service(r, true);
	if (tof_ctl_service_delete(r->api->ctl, r->param, &out, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	api_log_change(r, "service_deleted", NULL, &out);
	return api_reply_json(r, MHD_HTTP_OK, tof_svc_json_write(&out));
}
