/* GET /metrics: every counter of /stats in the Prometheus text exposition
 * format 0.0.4, named tof_*, each family with its HELP and TYPE lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_int.h"
#include "version.h"

#define API_METRICS_CTYPE "text/plain; version=0.0.4; charset=utf-8"

static void m_head(FILE *fp, const char *name, const char *type, const char *help)
{
	fprintf(fp, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value: backslash, double quote and newline escaped. */
static void m_label(FILE *fp, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(fp, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", fp);
		else
			fputc(*v, fp);
	}
}

static void m_one(FILE *fp, const char *name, const char *label, const char *value,
		  uint64_t v)
{
	fputs(name, fp);
	if (label) {
		fprintf(fp, "{%s=\"", label);
		m_label(fp, value);
		fputs("\"}", fp);
	}
	fprintf(fp, " %llu\n", (unsigned long long)v);
}

static void m_ports(FILE *fp, const struct tof_config *cfg, const struct tof_counters *c)
{
	static const struct {
		const char *name, *help;
		size_t off;
	} fams[] = {
		{ "tof_rx_packets_total", "Frames received, by port.",
		  offsetof(struct tof_counters, rx_pkts) },
		{ "tof_rx_bytes_total", "Octets received, by port.",
		  offsetof(struct tof_counters, rx_bytes) },
		{ "tof_tx_packets_total", "Frames sent by the pipeline, by port.",
		  offsetof(struct tof_counters, tx_pkts) },
		{ "tof_tx_bytes_total", "Octets sent by the pipeline, by port.",
		  offsetof(struct tof_counters, tx_bytes) },
	};

	for (size_t f = 0; f < sizeof(fams) / sizeof(fams[0]); f++) {
		const uint64_t *v = (const uint64_t *)((const char *)c + fams[f].off);

		m_head(fp, fams[f].name, "counter", fams[f].help);
		for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++) {
			bool used = p == TOF_PORT_APPS ||
				    (cfg->mode == TOF_MODE_SINGLE ? p == TOF_PORT_S1 :
				     p != TOF_PORT_S1);
			if (used)
				m_one(fp, fams[f].name, "port", tof_port_name(p), v[p]);
		}
	}
}

static void m_services(FILE *fp, const struct tof_ctl_stats *s)
{
	static const char *const names[] = { "tof_service_packets_total",
					     "tof_service_bytes_total" };
	static const char *const helps[] = {
		"Packets offloaded to (uplink) or answered by (downlink) a service.",
		"Octets (inner IP) offloaded to (uplink) or answered by (downlink) a service.",
	};

	for (int k = 0; k < 2; k++) {
		m_head(fp, names[k], "counter", helps[k]);
		for (uint32_t i = 0; i < s->n_svc; i++) {
			const struct tof_ctl_svc_stats *v = &s->svc[i];

			fprintf(fp, "%s{service=\"", names[k]);
			m_label(fp, v->cfg.name);
			fprintf(fp, "\",direction=\"uplink\"} %llu\n",
				(unsigned long long)(k ? v->ul_bytes : v->ul_pkts));
			fprintf(fp, "%s{service=\"", names[k]);
			m_label(fp, v->cfg.name);
			fprintf(fp, "\",direction=\"downlink\"} %llu\n",
				(unsigned long long)(k ? v->dl_bytes : v->dl_pkts));
		}
	}
}

static void m_api(FILE *fp, struct tof_api *api)
{
	uint64_t cut;
	uint32_t open;
	char code[8];

	m_head(fp, "tof_api_responses_total", "counter",
	       "REST API responses sent, by HTTP status code.");
	for (unsigned int i = 100; i < API_STATUS_MAX; i++) {
		uint64_t n = __atomic_load_n(&api->replies[i], __ATOMIC_RELAXED);

		if (n) {
			snprintf(code, sizeof(code), "%u", i);
			m_one(fp, "tof_api_responses_total", "code", code, n);
		}
	}
	api_guard_counts(api, &cut, &open);
	m_head(fp, "tof_api_connections", "gauge", "REST API connections open now.");
	m_one(fp, "tof_api_connections", NULL, NULL, open);
	m_head(fp, "tof_api_connections_cut_total", "counter",
	       "REST API connections closed for taking longer than api.request_timeout_s.");
	m_one(fp, "tof_api_connections_cut_total", NULL, NULL, cut);
}

static void m_write(FILE *fp, struct tof_api *api, const struct tof_ctl_stats *s,
		    const struct tof_ctl_health *h)
{
	const struct tof_counters *c = &s->ctr;

	m_head(fp, "tof_info", "gauge", "Version of tofd (always 1).");
	fprintf(fp, "tof_info{version=\"%s\"} 1\n", TOF_VERSION);
	m_head(fp, "tof_up", "gauge", "1 when ready: state loaded and the data plane up "
	       "(or not required).");
	m_one(fp, "tof_up", NULL, NULL, h->ready);
	m_head(fp, "tof_degraded", "gauge", "1 while /health lists problems (e.g. a state "
	       "file moved aside).");
	m_one(fp, "tof_degraded", NULL, NULL, h->n_problems != 0);
	m_head(fp, "tof_dataplane_up", "gauge", "1 when a data plane feeds the counters.");
	m_one(fp, "tof_dataplane_up", NULL, NULL, s->dataplane);
	m_head(fp, "tof_uptime_seconds", "gauge", "Seconds since tofd started.");
	m_one(fp, "tof_uptime_seconds", NULL, NULL, h->uptime_ms / 1000);
	m_ports(fp, api->cfg, c);
	m_head(fp, "tof_decision_packets_total", "counter", "Frames by pipeline decision.");
	for (enum tof_decision d = 0; d < TOF_D__COUNT; d++)
		m_one(fp, "tof_decision_packets_total", "decision", tof_decision_name(d),
		      c->decision_pkts[d]);
	m_head(fp, "tof_decision_bytes_total", "counter", "Octets by pipeline decision.");
	for (enum tof_decision d = 0; d < TOF_D__COUNT; d++)
		m_one(fp, "tof_decision_bytes_total", "decision", tof_decision_name(d),
		      c->decision_bytes[d]);
	m_head(fp, "tof_reason_packets_total", "counter",
	       "Frames by the reason for their decision (each frame counts once).");
	for (enum tof_reason i = 0; i < TOF_R__COUNT; i++)
		m_one(fp, "tof_reason_packets_total", "reason", tof_reason_name(i), c->reason[i]);
	m_head(fp, "tof_gtp_errors_total", "counter", "GTP-U headers refused, by error.");
	for (enum gtp_err i = GTP_OK + 1; i < GTP_ERR__COUNT; i++)
		m_one(fp, "tof_gtp_errors_total", "error", gtp_err_name(i), c->gtp_err[i]);
	m_head(fp, "tof_punt_copies_total", "counter", "Frame copies handed to the agent.");
	m_one(fp, "tof_punt_copies_total", NULL, NULL, c->punt_copies);
	m_head(fp, "tof_punt_drops_total", "counter", "Copies for the agent lost (ring or pool full).");
	m_one(fp, "tof_punt_drops_total", NULL, NULL, c->punt_drops);
	m_head(fp, "tof_punt_refused_total", "counter",
	       "Frames the agent did not get (budget spent or queue full), by punt class.");
	for (enum tof_punt_class i = 0; i < TOF_PC__COUNT; i++)
		m_one(fp, "tof_punt_refused_total", "class", tof_punt_class_name(i),
		      c->punt_refused[i]);
	m_head(fp, "tof_inject_drops_total", "counter", "Frames of the agent that could not be sent.");
	m_one(fp, "tof_inject_drops_total", NULL, NULL, c->inject_drops);
	m_head(fp, "tof_icmp_errors_total", "counter", "ICMP fragmentation needed / packet too "
	       "big sent to apps whose replies did not fit s1_mtu.");
	m_one(fp, "tof_icmp_errors_total", NULL, NULL, c->icmp_errors);
	m_head(fp, "tof_agent_events_total", "counter", "What the agent learned and did.");
	for (enum tof_agent_event i = 0; i < TOF_EV__COUNT; i++)
		m_one(fp, "tof_agent_events_total", "event", tof_agent_event_name(i),
		      s->events[i]);
	m_head(fp, "tof_pinger_probes_total", "counter", "Pinger activity, by kind.");
	m_one(fp, "tof_pinger_probes_total", "kind", "started", s->pinger.started);
	m_one(fp, "tof_pinger_probes_total", "kind", "sent", s->pinger.probes_sent);
	m_one(fp, "tof_pinger_probes_total", "kind", "replies", s->pinger.replies);
	m_one(fp, "tof_pinger_probes_total", "kind", "stopped", s->pinger.stopped);
	m_one(fp, "tof_pinger_probes_total", "kind", "gave_up", s->pinger.gave_up);
	m_one(fp, "tof_pinger_probes_total", "kind", "build_failed", s->pinger.build_failed);
	m_head(fp, "tof_sessions", "gauge", "Learned sessions (UEs with a known tunnel).");
	m_one(fp, "tof_sessions", NULL, NULL, s->n_sessions);
	m_head(fp, "tof_table_refused_total", "counter", "Table inserts refused (index full).");
	m_one(fp, "tof_table_refused_total", NULL, NULL, s->table_refused);
	m_head(fp, "tof_sessions_max", "gauge", "Size of the session table.");
	m_one(fp, "tof_sessions_max", NULL, NULL, s->max_sessions);
	m_head(fp, "tof_services", "gauge", "Registered services.");
	m_one(fp, "tof_services", NULL, NULL, s->n_svc);
	m_head(fp, "tof_services_max", "gauge", "Size of the service table.");
	m_one(fp, "tof_services_max", NULL, NULL, s->max_services);
	m_services(fp, s);
	m_api(fp, api);
}

enum MHD_Result api_metrics(struct api_req *r)
{
	struct tof_ctl_stats s;
	struct tof_ctl_health h;
	struct tof_ctl_err e;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	if (tof_ctl_stats(r->api->ctl, &s, &e) != TOF_CTL_OK)
		return api_reply_ctl(r, &e);
	tof_ctl_health(r->api->ctl, &h);
	fp = open_memstream(&text, &len);
	if (fp) {
		m_write(fp, r->api, &s, &h);
		if (fclose(fp) != 0) {
			free(text);
			text = NULL;
		}
	}
	tof_ctl_stats_free(&s);
	return api_reply_text(r, MHD_HTTP_OK, API_METRICS_CTYPE, text, len);
}
