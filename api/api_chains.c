/* /chains and /chains/{name}: Open vSwitch port chains, the functions a
 * service's traffic passes on its way to the app and back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_chain_json.h"
#include "api_int.h"
#include "config_read.h"
#include "log.h"

static bool api_chain_key_ok(struct api_req *r)
{
	char k[TOF_NAME_MAX + 4];

	if (tof_svc_name_valid(r->param, strlen(r->param)))
		return true;
	api_reply_error(r, MHD_HTTP_NOT_FOUND, "name", "no chain named \"%s\"",
			cfg_text(r->param, k, sizeof(k)));
	return false;
}

static void api_chain_log(struct api_req *r, const char *what, const struct tof_chain_config *c)
{
	char hops[512];
	size_t off = 0;

	if (r->api->quiet)
		return;
	hops[0] = '\0';
	for (uint32_t i = 0; i < c->n_hops && off < sizeof(hops); i++)
		off += (size_t)snprintf(hops + off, sizeof(hops) - off, "%s%s>%s", i ? " " : "",
					c->hops[i].ingress, c->hops[i].egress);
	tof_log(TOF_LOG_INFO, what,
		TOF_FIELDS(TOF_LOG_STR("name", c->name), TOF_LOG_STR("hops", hops),
			   TOF_LOG_STR("by", "api")),
		"api: chain \"%s\" %s (%s)", c->name, what + strlen("chain_"), hops);
}

enum MHD_Result api_chain_list(struct api_req *r)
{
	struct tof_chain_config *v;
	struct tof_ctl_err e;
	uint32_t n;
	json_t *arr;

	if (tof_ctl_chain_list(r->api->ctl, &v, &n, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	arr = json_array();
	for (uint32_t i = 0; i < n && arr; i++) {
		if (json_array_append_new(arr, tof_chain_json_write(&v[i])) < 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	free(v);
	return api_reply_json(r, MHD_HTTP_OK, arr);
}

enum MHD_Result api_chain_get(struct api_req *r)
{
	struct tof_chain_config c;
	struct tof_ctl_err e;

	if (!api_chain_key_ok(r))
		return MHD_YES;
	if (tof_ctl_chain_get(r->api->ctl, r->param, &c, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	return api_reply_json(r, MHD_HTTP_OK, tof_chain_json_write(&c));
}

/* Create or replace: 201 with the chain when it is new, 200 when it
 * replaced one (services on it take the new hops at once). */
enum MHD_Result api_chain_put(struct api_req *r)
{
	struct tof_chain_config c;
	struct tof_svc_json_err je;
	struct tof_ctl_err e;
	bool has_name, created = false;
	json_t *body;
	int rc;

	if (!tof_svc_name_valid(r->param, strlen(r->param))) {
		char k[TOF_NAME_MAX + 4];

		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "name", "a chain name must be 1 to "
				       "%d of A-Z a-z 0-9 . _ -, not \"%s\"", TOF_NAME_MAX,
				       cfg_text(r->param, k, sizeof(k)));
	}
	body = api_body_json(r);
	if (!body)
		return MHD_YES;
	rc = tof_chain_json_read(body, TOF_CHAIN_NAME_OPTIONAL, &c, &has_name, &je);
	json_decref(body);
	if (rc < 0)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, je.field, "%s", je.msg);
	if (has_name && strcmp(c.name, r->param) != 0)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "name", "name \"%s\" differs from "
				       "the path's (a chain is renamed by a PUT of the new name "
				       "and a DELETE of the old)", c.name);
	memcpy(c.name, r->param, strlen(r->param) + 1); /* checked: at most TOF_NAME_MAX */
	if (tof_ctl_chain_put(r->api->ctl, &c, &created, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	api_chain_log(r, created ? "chain_created" : "chain_replaced", &c);
	return api_reply_json(r, created ? MHD_HTTP_CREATED : MHD_HTTP_OK, tof_chain_json_write(&c));
}

enum MHD_Result api_chain_delete(struct api_req *r)
{
	struct tof_chain_config c;
	struct tof_ctl_err e;

	if (!api_chain_key_ok(r))
		return MHD_YES;
	if (tof_ctl_chain_delete(r->api->ctl, r->param, &c, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	api_chain_log(r, "chain_deleted", &c);
	return api_reply_json(r, MHD_HTTP_OK, tof_chain_json_write(&c));
}
