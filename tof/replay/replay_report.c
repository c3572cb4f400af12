/* What a replay leaves besides the captures: tunnels.json (the sessions at
 * the end), stats.json (every counter) and a short summary for people. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "replay_int.h"

/* Builds a document and remembers whether any allocation failed, so the
 * code below can stay a flat list of fields. */
struct jdoc {
	bool oom;
};

static json_t *jnew(struct jdoc *d, json_t *v)
{
	if (!v)
		d->oom = true;
	return v;
}

static void jset(struct jdoc *d, json_t *obj, const char *key, json_t *v)
{
	if (!obj || !v || json_object_set_new(obj, key, v) < 0)
		d->oom = true;
}

static void jappend(struct jdoc *d, json_t *arr, json_t *v)
{
	if (!arr || !v || json_array_append_new(arr, v) < 0)
		d->oom = true;
}

static json_t *jint(struct jdoc *d, uint64_t v)
{
	return jnew(d, json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v));
}

static json_t *jaddr(struct jdoc *d, const struct gtp_addr *a)
{
	char buf[GTP_ADDR_STRLEN];

	if (a->family == GTP_AF_NONE)
		return jnew(d, json_null());
	return jnew(d, json_string(gtp_addr_format(a, buf, sizeof(buf))));
}

/* The UE's IPv6 /64, as "prefix/64". */
static json_t *jprefix64(struct jdoc *d, const struct gtp_addr *a)
{
	char buf[GTP_ADDR_STRLEN + 4];
	struct gtp_addr key = *a;

	if (a->family != GTP_AF_INET6)
		return jnew(d, json_null());
	memset(key.b + 8, 0, 8);
	gtp_addr_format(&key, buf, GTP_ADDR_STRLEN);
	strcat(buf, "/64");
	return jnew(d, json_string(buf));
}

static json_t *jopt_int(struct jdoc *d, bool present, uint64_t v)
{
	return present ? jint(d, v) : jnew(d, json_null());
}

static int dump(struct jdoc *d, json_t *root, const char *path, char *err, size_t errlen)
{
	FILE *fp = NULL;
	int rc = -1;

	if (d->oom || !root) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	fp = fopen(path, "w");
	if (!fp) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (json_dumpf(root, fp, JSON_INDENT(2)) < 0 || fputc('\n', fp) == EOF) {
		snprintf(err, errlen, "%s: write failed", path);
		goto out;
	}
	rc = 0;
out:
	if (fp && fclose(fp) == EOF && rc == 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		rc = -1;
	}
	json_decref(root);
	return rc;
}

static json_t *session_json(struct jdoc *d, const struct tof_session *s)
{
	json_t *o = jnew(d, json_object());

	jset(d, o, "ue", jaddr(d, &s->ue4));
	jset(d, o, "ue6", jprefix64(d, &s->ue6));
	jset(d, o, "enb", jaddr(d, &s->enb));
	jset(d, o, "sgw", jaddr(d, &s->sgw));
	jset(d, o, "uplink_teid", jopt_int(d, s->flags & TOF_SESS_UL, s->ul_teid));
	/* The dedicated bearers' TEIDs, after the first. */
	json_t *extra = jnew(d, json_array());
	for (unsigned int i = 0; extra != NULL && i < s->n_extra; i++)
		if (json_array_append_new(extra, json_integer(s->ul_extra[i])) != 0)
			d->oom = true;
	jset(d, o, "bearer_teids", extra);
	jset(d, o, "downlink_teid", jopt_int(d, s->flags & TOF_SESS_DL, s->dl_teid));
	jset(d, o, "qfi", jopt_int(d, s->flags & TOF_SESS_QFI, s->qfi));
	jset(d, o, "pinger",
	     jnew(d, json_string(pinger_state_name((enum pinger_state)s->probe.state))));
	jset(d, o, "handovers", jint(d, s->handovers));
	return o;
}

int tof_replay_write_tunnels(const struct tof_replay *r, const char *path, char *err,
			     size_t errlen)
{
	struct jdoc d = { false };
	json_t *root = jnew(&d, json_object());
	json_t *arr = jnew(&d, json_array());

	/* by slot: deterministic for a deterministic run */
	for (uint32_t i = 0; i < r->t->max_sessions; i++) {
		const struct tof_session *s = &r->t->sessions[i];

		if (s->in_use)
			jappend(&d, arr, session_json(&d, s));
	}
	jset(&d, root, "sessions", arr);
	return dump(&d, root, path, err, errlen);
}

static json_t *ports_json(struct jdoc *d, const struct tof_replay *r)
{
	const struct tof_counters *c = &r->w.ctr;
	json_t *o = jnew(d, json_object());

	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++) {
		json_t *po;

		if (!r->has_out[p])
			continue;
		/* tx: what the capture holds, the agent's own frames included */
		po = jnew(d, json_object());
		jset(d, po, "rx_packets", jint(d, c->rx_pkts[p]));
		jset(d, po, "rx_bytes", jint(d, c->rx_bytes[p]));
		jset(d, po, "tx_packets", jint(d, r->tx_frames[p]));
		jset(d, po, "tx_bytes", jint(d, r->tx_bytes[p]));
		jset(d, po, "agent_packets", jint(d, r->emitted[p]));
		jset(d, o, tof_replay_port_key(p), po);
	}
	return o;
}

static json_t *decisions_json(struct jdoc *d, const struct tof_counters *c)
{
	json_t *o = jnew(d, json_object());

	for (enum tof_decision i = 0; i < TOF_D__COUNT; i++) {
		json_t *e = jnew(d, json_object());

		jset(d, e, "packets", jint(d, c->decision_pkts[i]));
		jset(d, e, "bytes", jint(d, c->decision_bytes[i]));
		jset(d, o, tof_decision_name(i), e);
	}
	return o;
}

static json_t *reasons_json(struct jdoc *d, const struct tof_counters *c)
{
	json_t *o = jnew(d, json_object());

	for (enum tof_reason i = 0; i < TOF_R__COUNT; i++)
		jset(d, o, tof_reason_name(i), jint(d, c->reason[i]));
	return o;
}

static json_t *gtp_errors_json(struct jdoc *d, const struct tof_counters *c)
{
	json_t *o = jnew(d, json_object());

	for (enum gtp_err i = GTP_OK + 1; i < GTP_ERR__COUNT; i++)
		jset(d, o, gtp_err_name(i), jint(d, c->gtp_err[i]));
	return o;
}

static json_t *agent_json(struct jdoc *d, const struct tof_agent *a)
{
	json_t *o = jnew(d, json_object());

	for (enum tof_agent_event i = 0; i < TOF_EV__COUNT; i++)
		jset(d, o, tof_agent_event_name(i), jint(d, a->events[i]));
	return o;
}

static json_t *pinger_json(struct jdoc *d, const struct pinger_counters *pc)
{
	json_t *o = jnew(d, json_object());

	jset(d, o, "started", jint(d, pc->started));
	jset(d, o, "probes_sent", jint(d, pc->probes_sent));
	jset(d, o, "replies", jint(d, pc->replies));
	jset(d, o, "stopped", jint(d, pc->stopped));
	jset(d, o, "gave_up", jint(d, pc->gave_up));
	jset(d, o, "build_failed", jint(d, pc->build_failed));
	return o;
}

static json_t *punt_refused_json(struct jdoc *d, const struct tof_counters *c)
{
	json_t *o = jnew(d, json_object());

	for (int i = 0; i < TOF_PC__COUNT; i++)
		jset(d, o, tof_punt_class_name((enum tof_punt_class)i), jint(d, c->punt_refused[i]));
	return o;
}

static json_t *services_json(struct jdoc *d, const struct tof_replay *r)
{
	json_t *arr = jnew(d, json_array());

	for (uint32_t i = 0; i < r->t->max_services; i++) {
		const struct tof_service *s = &r->t->services[i];
		const struct tof_service_counters *w = &r->w.svc[i], *ag = &r->a.w.svc[i];
		struct tof_service_counters sum = {
			w->ul_pkts + ag->ul_pkts, w->ul_bytes + ag->ul_bytes,
			w->dl_pkts + ag->dl_pkts, w->dl_bytes + ag->dl_bytes,
		};
		const struct tof_service_counters *sc = &sum;
		json_t *o;

		if (!s->in_use)
			continue;
		o = jnew(d, json_object());
		jset(d, o, "name", jnew(d, json_string(s->name)));
		jset(d, o, "serviceIP", jaddr(d, &s->service_ip));
		jset(d, o, "applicationIP", jaddr(d, &s->app_ip));
		jset(d, o, "uplink_packets", jint(d, sc->ul_pkts));
		jset(d, o, "uplink_bytes", jint(d, sc->ul_bytes));
		jset(d, o, "downlink_packets", jint(d, sc->dl_pkts));
		jset(d, o, "downlink_bytes", jint(d, sc->dl_bytes));
		jappend(d, arr, o);
	}
	return arr;
}

/* The run itself: inputs, capture time span, and what did not fit. */
static json_t *replay_json(struct jdoc *d, const struct tof_replay *r)
{
	json_t *o = jnew(d, json_object());
	json_t *ins = jnew(d, json_array());

	for (unsigned int i = 0; i < r->m.n_in; i++) {
		const struct tof_pcap_input *in = &r->m.in[i];
		json_t *e = jnew(d, json_object());
		const char *lt = pcap_datalink_val_to_name(in->rd.dlt);

		jset(d, e, "file", jnew(d, json_string(in->rd.path)));
		jset(d, e, "port", jnew(d, json_string(tof_replay_port_key(in->port))));
		jset(d, e, "link_type", lt ? jnew(d, json_string(lt)) : jint(d, (uint64_t)in->rd.dlt));
		jset(d, e, "frames", jint(d, in->rd.frames));
		jappend(d, ins, e);
	}
	jset(d, o, "inputs", ins);
	jset(d, o, "frames", jint(d, r->frames_in));
	jset(d, o, "first_ns", jopt_int(d, r->frames_in > 0, r->first_ns));
	jset(d, o, "last_ns", jopt_int(d, r->frames_in > 0, r->last_ns));
	jset(d, o, "unroutable", jint(d, r->unroutable));
	jset(d, o, "punts_lost", jint(d, r->punts.lost));
	jset(d, o, "stuck_timers", jint(d, r->stuck_ticks));
	return o;
}

int tof_replay_write_stats(const struct tof_replay *r, const char *path, char *err,
			   size_t errlen)
{
	struct jdoc d = { false };
	json_t *root = jnew(&d, json_object());

	jset(&d, root, "ports", ports_json(&d, r));
	jset(&d, root, "decisions", decisions_json(&d, &r->w.ctr));
	jset(&d, root, "reasons", reasons_json(&d, &r->w.ctr));
	jset(&d, root, "gtp_errors", gtp_errors_json(&d, &r->w.ctr));
	jset(&d, root, "agent", agent_json(&d, &r->a));
	jset(&d, root, "pinger", pinger_json(&d, &r->a.pinger));
	jset(&d, root, "services", services_json(&d, r));
	jset(&d, root, "sessions", jint(&d, r->t->n_sessions));
	jset(&d, root, "table_refused", jint(&d, r->t->refused));
	jset(&d, root, "punt_copies", jint(&d, r->w.ctr.punt_copies));
	jset(&d, root, "punt_refused", punt_refused_json(&d, &r->w.ctr));
	jset(&d, root, "icmp_errors", jint(&d, r->w.ctr.icmp_errors));
	jset(&d, root, "replay", replay_json(&d, r));
	return dump(&d, root, path, err, errlen);
}

void tof_replay_print_summary(const struct tof_replay *r, FILE *fp)
{
	const struct tof_counters *c = &r->w.ctr;
	const char *sep;

	fprintf(fp, "tofd replay: %" PRIu64 " frames in", r->frames_in);
	if (r->frames_in > 0)
		fprintf(fp, " over %.3f s of capture time",
			(double)(r->last_ns - r->first_ns) / 1e9);
	fprintf(fp, "\n  in: ");
	sep = "";
	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++) {
		if (r->has_out[p]) {
			fprintf(fp, "%s%s %" PRIu64, sep, tof_replay_port_key(p), c->rx_pkts[p]);
			sep = ", ";
		}
	}
	fprintf(fp, "\n  out:");
	sep = " ";
	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++) {
		if (r->has_out[p]) {
			fprintf(fp, "%s%s.pcap %" PRIu64, sep, tof_replay_port_key(p),
				r->tx_frames[p]);
			sep = ", ";
		}
	}
	fprintf(fp, "\n  decisions:");
	sep = " ";
	for (enum tof_decision i = 0; i < TOF_D__COUNT; i++) {
		fprintf(fp, "%s%s %" PRIu64, sep, tof_decision_name(i), c->decision_pkts[i]);
		sep = ", ";
	}
	fprintf(fp, "\n  sessions %" PRIu32 ", punt copies %" PRIu64 ", pinger probes %" PRIu64
		    ", replies %" PRIu64 "\n",
		r->t->n_sessions, c->punt_copies, r->a.pinger.probes_sent, r->a.pinger.replies);
	if (r->unroutable || r->punts.lost || r->stuck_ticks)
		fprintf(fp, "  warning: %" PRIu64 " frames for ports this mode lacks, %" PRIu64
			    " punts lost, %" PRIu64 " stuck timers\n",
			r->unroutable, r->punts.lost, r->stuck_ticks);
	fprintf(fp, "  wrote %s/{", r->o->out_dir);
	sep = "";
	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++) {
		if (r->has_out[p]) {
			fprintf(fp, "%s%s.pcap", sep, tof_replay_port_key(p));
			sep = ",";
		}
	}
	fprintf(fp, ",tunnels.json,stats.json}\n");
}
