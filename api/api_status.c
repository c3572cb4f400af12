/* What the appliance knows and how it is doing: /tunnels, /stats,
 * /health. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "api_jw.h"
#include "version.h"

#define API_TUNNELS_DEFAULT 1000
#define API_TUNNELS_MAX 10000

/* A decimal in [lo, hi], digits only. */
static bool api_parse_u32(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v = 0;

	if (!s[0] || strlen(s) > 10)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	return true;
}

static void api_opt_u64(struct jw *w, bool present, uint64_t v)
{
	if (present)
		jw_u64(w, v);
	else
		jw_null(w);
}

/* As tofd replay writes tunnels.json, so both read the same. */
static void api_tunnel_json(struct jw *w, const struct tof_ctl_tunnel *t)
{
	char p[GTP_ADDR_STRLEN + 4];

	jw_obj(w);
	jw_key(w, "ue");
	jw_addr(w, &t->ue4);
	jw_key(w, "ue6");
	if (t->ue6.family == GTP_AF_INET6) {
		struct gtp_addr key = t->ue6;

		memset(key.b + 8, 0, 8);
		gtp_addr_format(&key, p, GTP_ADDR_STRLEN);
		strcat(p, "/64");
		jw_str(w, p);
	} else {
		jw_null(w);
	}
	jw_key(w, "enb");
	jw_addr(w, &t->enb);
	jw_key(w, "sgw");
	jw_addr(w, &t->sgw);
	jw_key(w, "uplink_teid");
	api_opt_u64(w, t->flags & TOF_SESS_UL, t->ul_teid);
	jw_key(w, "downlink_teid");
	api_opt_u64(w, t->flags & TOF_SESS_DL, t->dl_teid);
	jw_key(w, "qfi");
	api_opt_u64(w, t->flags & TOF_SESS_QFI, t->qfi);
	jw_key(w, "pinger");
	jw_str(w, pinger_state_name((enum pinger_state)t->pinger_state));
	jw_key(w, "handovers");
	jw_u64(w, t->handovers);
	jw_end_obj(w);
}

enum MHD_Result api_tunnels(struct api_req *r)
{
	const char *ue_s = api_query(r, "ue"), *lim_s = api_query(r, "limit");
	const char *cur_s = api_query(r, "cursor");
	uint32_t limit = API_TUNNELS_DEFAULT, cursor = 0, n, next, total;
	struct tof_ctl_tunnel *v;
	struct gtp_addr ue;
	struct jw w;
	char next_s[16], *text;
	size_t len = 0;

	if (ue_s && gtp_addr_parse(ue_s, &ue) != 0)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "ue",
				       "ue must be an IPv4 or IPv6 address");
	if (lim_s && !api_parse_u32(lim_s, 1, API_TUNNELS_MAX, &limit))
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "limit",
				       "limit must be an integer from 1 to %d", API_TUNNELS_MAX);
	if (cur_s && !api_parse_u32(cur_s, 0, UINT32_MAX - 1, &cursor))
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "cursor",
				       "cursor must be a value of \"next\" from an earlier page");
	if (ue_s && cur_s)
		return api_reply_error(r, MHD_HTTP_BAD_REQUEST, "cursor",
				       "cursor does not go with ue (one session at most)");
	v = malloc(limit * sizeof(*v));
	if (!v)
		return api_reply_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "out of memory");
	n = tof_ctl_tunnels(r->api->ctl, ue_s ? &ue : NULL, cursor, v, limit, &next, &total);
	jw_init(&w, 128 + (size_t)n * 256);
	jw_obj(&w);
	jw_key(&w, "total");
	jw_u64(&w, total);
	jw_key(&w, "count");
	jw_u64(&w, n);
	jw_key(&w, "next");
	if (next == UINT32_MAX) {
		jw_null(&w);
	} else {
		snprintf(next_s, sizeof(next_s), "%u", next);
		jw_str(&w, next_s);
	}
	jw_key(&w, "sessions");
	jw_arr(&w);
	for (uint32_t i = 0; i < n; i++)
		api_tunnel_json(&w, &v[i]);
	jw_end_arr(&w);
	jw_end_obj(&w);
	free(v);
	text = jw_finish(&w, &len);
	return api_reply_text(r, MHD_HTTP_OK, "application/json", text, len);
}

/* The ports this mode has. */
static bool api_port_used(const struct tof_config *cfg, enum tof_port p)
{
	if (p == TOF_PORT_APPS)
		return true;
	return cfg->mode == TOF_MODE_SINGLE ? p == TOF_PORT_S1 : p != TOF_PORT_S1;
}

static void api_key_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_u64(w, v);
}

static void api_stats_json(struct jw *w, const struct tof_api *api, const struct tof_ctl_stats *s)
{
	const struct tof_counters *c = &s->ctr;

	jw_obj(w);
	jw_key(w, "dataplane");
	jw_bool(w, s->dataplane);
	jw_key(w, "ports");
	jw_obj(w);
	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++) {
		if (!api_port_used(api->cfg, p))
			continue;
		jw_key(w, tof_port_name(p));
		jw_obj(w);
		api_key_u64(w, "rx_packets", c->rx_pkts[p]);
		api_key_u64(w, "rx_bytes", c->rx_bytes[p]);
		api_key_u64(w, "tx_packets", c->tx_pkts[p]);
		api_key_u64(w, "tx_bytes", c->tx_bytes[p]);
		api_key_u64(w, "tx_drops", c->tx_drops[p]);
		jw_end_obj(w);
	}
	jw_end_obj(w);
	jw_key(w, "decisions");
	jw_obj(w);
	for (enum tof_decision d = 0; d < TOF_D__COUNT; d++) {
		jw_key(w, tof_decision_name(d));
		jw_obj(w);
		api_key_u64(w, "packets", c->decision_pkts[d]);
		api_key_u64(w, "bytes", c->decision_bytes[d]);
		jw_end_obj(w);
	}
	jw_end_obj(w);
	jw_key(w, "reasons");
	jw_obj(w);
	for (enum tof_reason i = 0; i < TOF_R__COUNT; i++)
		api_key_u64(w, tof_reason_name(i), c->reason[i]);
	jw_end_obj(w);
	jw_key(w, "gtp_errors");
	jw_obj(w);
	for (enum gtp_err i = GTP_OK + 1; i < GTP_ERR__COUNT; i++)
		api_key_u64(w, gtp_err_name(i), c->gtp_err[i]);
	jw_end_obj(w);
	api_key_u64(w, "punt_copies", c->punt_copies);
	api_key_u64(w, "punt_drops", c->punt_drops);
	jw_key(w, "punt_refused");
	jw_obj(w);
	for (enum tof_punt_class i = 0; i < TOF_PC__COUNT; i++)
		api_key_u64(w, tof_punt_class_name(i), c->punt_refused[i]);
	jw_end_obj(w);
	api_key_u64(w, "inject_drops", c->inject_drops);
	api_key_u64(w, "icmp_errors", c->icmp_errors);
	api_key_u64(w, "unprocessed", c->unprocessed);
	jw_key(w, "agent");
	jw_obj(w);
	for (enum tof_agent_event i = 0; i < TOF_EV__COUNT; i++)
		api_key_u64(w, tof_agent_event_name(i), s->events[i]);
	jw_end_obj(w);
	jw_key(w, "pinger");
	jw_obj(w);
	api_key_u64(w, "started", s->pinger.started);
	api_key_u64(w, "probes_sent", s->pinger.probes_sent);
	api_key_u64(w, "replies", s->pinger.replies);
	api_key_u64(w, "stopped", s->pinger.stopped);
	api_key_u64(w, "gave_up", s->pinger.gave_up);
	api_key_u64(w, "build_failed", s->pinger.build_failed);
	jw_end_obj(w);
	api_key_u64(w, "sessions", s->n_sessions);
	api_key_u64(w, "max_sessions", s->max_sessions);
	api_key_u64(w, "table_refused", s->table_refused);
	api_key_u64(w, "max_services", s->max_services);
	jw_key(w, "services");
	jw_arr(w);
	for (uint32_t i = 0; i < s->n_svc; i++) {
		const struct tof_ctl_svc_stats *v = &s->svc[i];

		jw_obj(w);
		jw_key(w, "name");
		jw_str(w, v->cfg.name);
		jw_key(w, "serviceIP");
		jw_addr(w, &v->cfg.service_ip);
		jw_key(w, "applicationIP");
		jw_addr(w, &v->cfg.app_ip);
		api_key_u64(w, "uplink_packets", v->ul_pkts);
		api_key_u64(w, "uplink_bytes", v->ul_bytes);
		api_key_u64(w, "downlink_packets", v->dl_pkts);
		api_key_u64(w, "downlink_bytes", v->dl_bytes);
		jw_end_obj(w);
	}
	jw_end_arr(w);
	jw_end_obj(w);
}

enum MHD_Result api_stats(struct api_req *r)
{
	struct tof_ctl_stats s;
	struct tof_ctl_err e;
	struct jw w;
	size_t len = 0;
	char *text;

	if (tof_ctl_stats(r->api->ctl, &s, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	jw_init(&w, 4096 + (size_t)s.n_svc * 200);
	api_stats_json(&w, r->api, &s);
	tof_ctl_stats_free(&s);
	text = jw_finish(&w, &len);
	return api_reply_text(r, MHD_HTTP_OK, "application/json", text, len);
}

/* The switch the chains live on: reachable, in step, what is missing. */
static json_t *api_health_ovs(const struct tof_ctl_sink_health *s)
{
	json_t *o = json_object();

	json_object_set_new(o, "state", json_string(!s->reachable ? "unreachable" :
						    !s->in_sync ? "syncing" : "in_sync"));
	json_object_set_new(o, "bridge", json_string(s->bridge));
	json_object_set_new(o, "port", json_string(s->port));
	json_object_set_new(o, "bridge_ok", json_boolean(s->bridge_ok));
	json_object_set_new(o, "port_up", json_boolean(s->port_up));
	json_object_set_new(o, "flows", api_json_u64(s->flows));
	json_object_set_new(o, "syncs", api_json_u64(s->syncs));
	json_object_set_new(o, "degraded_services", api_json_u64(s->degraded));
	json_object_set_new(o, "missing_ports", s->missing[0] ? json_string(s->missing) :
			    json_null());
	json_object_set_new(o, "error", s->error[0] ? json_string(s->error) : json_null());
	if (!s->reachable)
		json_object_set_new(o, "retry_in_ms", api_json_u64(s->retry_ms));
	return o;
}

/* 200 when ready, 503 while not; the body says why either way, and what
 * keeps a running appliance from being whole (status "degraded"). */
enum MHD_Result api_health(struct api_req *r)
{
	struct tof_ctl_health h;
	json_t *o = json_object(), *problems = json_array();

	tof_ctl_health(r->api->ctl, &h);
	for (uint32_t i = 0; i < h.n_problems; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "what", json_string(h.problems[i].what));
		json_object_set_new(p, "message", json_string(h.problems[i].msg));
		json_array_append_new(problems, p);
	}
	json_object_set_new(o, "status", json_string(!h.ready ? "not_ready" :
						     h.n_problems ? "degraded" : "ok"));
	json_object_set_new(o, "live", json_true());
	json_object_set_new(o, "ready", json_boolean(h.ready));
	json_object_set_new(o, "state_loaded", json_boolean(h.state_loaded));
	json_object_set_new(o, "persistent", json_boolean(h.persistent));
	json_object_set_new(o, "dataplane", json_string(!h.dp_required ? "not_required" :
							h.dp_up ? "up" : "down"));
	json_object_set_new(o, "services", api_json_u64(h.n_services));
	json_object_set_new(o, "chains", api_json_u64(h.n_chains));
	json_object_set_new(o, "sessions", api_json_u64(h.n_sessions));
	if (h.has_sink)
		json_object_set_new(o, "ovs", api_health_ovs(&h.sink));
	json_object_set_new(o, "uptime_s", api_json_u64(h.uptime_ms / 1000));
	json_object_set_new(o, "version", json_string(TOF_VERSION));
	json_object_set_new(o, "problems", problems);
	return api_reply_json(r, h.ready ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE, o);
}

/* Liveness, open to anyone: answering at all is the proof, and it tells
 * nothing else. */
enum MHD_Result api_health_live(struct api_req *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "status", json_string("ok"));
	return api_reply_json(r, MHD_HTTP_OK, o);
}
