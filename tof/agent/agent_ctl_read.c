/* Reads through the ctl: copies of the agent's records taken under the
 * writers' lock, briefly, and checked once the lock is released. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_ctl_int.h"
#include "config_read.h"

/* The agent's records are the writers' own: the API reads them under the
 * writers' lock (the workers never take it: they read the snapshots). */
#define CTL_READ(ctl, body)                                                      \
	do {                                                                     \
		tof_ctl_lock(ctl);                                               \
		body;                                                            \
		tof_ctl_unlock(ctl);                                             \
	} while (0)

void ctl_svc_config(const struct tof_service *s, struct tof_service_config *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out->name, s->name, TOF_NAME_MAX);
	memcpy(out->chain, s->chain, TOF_NAME_MAX);
	memcpy(out->app_port, s->app_port, TOF_NAME_MAX);
	out->name[TOF_NAME_MAX] = out->chain[TOF_NAME_MAX] = out->app_port[TOF_NAME_MAX] = '\0';
	out->service_ip = s->service_ip;
	out->app_ip = s->app_ip;
	if (s->mac_configured) {
		out->has_app_mac = true;
		memcpy(out->app_mac, s->app_mac, 6);
	}
}

static int ctl_cmp_config(const void *a, const void *b)
{
	return strcmp(((const struct tof_service_config *)a)->name,
		      ((const struct tof_service_config *)b)->name);
}

void ctl_sort_configs(struct tof_service_config *v, uint32_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), ctl_cmp_config);
}

int ctl_services_snapshot(struct tof_ctl *ctl, struct ctl_svc_snap **out)
{
	const struct tof_tables *t = ctl->t;
	uint32_t cap = __atomic_load_n(&t->n_services, __ATOMIC_RELAXED) + 8;
	struct ctl_svc_snap *v = NULL;
	uint32_t n;
	bool more;

	if (cap > t->max_services)
		cap = t->max_services;
	for (;;) {
		struct ctl_svc_snap *nv = realloc(v, cap * sizeof(*v));

		if (!nv) {
			free(v);
			return -1;
		}
		v = nv;
		CTL_READ(ctl, {
			n = 0;
			more = false;
			for (uint32_t i = 0; i < t->max_services; i++) {
				if (!t->services[i].in_use)
					continue;
				if (n == cap) {
					more = true;
					break;
				}
				v[n].slot = i;
				memcpy(&v[n].s, &t->services[i], sizeof(v[n].s));
				n++;
			}
		});
		if (!more)
			break;
		cap = cap * 2 > t->max_services ? t->max_services : cap * 2;
	}
	*out = v;
	return (int)n;
}

enum tof_ctl_code tof_ctl_service_list(struct tof_ctl *ctl, struct tof_service_config **out,
				       uint32_t *n, struct tof_ctl_err *e)
{
	struct ctl_svc_snap *snap;
	struct tof_service_config *v;
	int count = ctl_services_snapshot(ctl, &snap);

	*out = NULL;
	*n = 0;
	memset(e, 0, sizeof(*e));
	if (count < 0)
		goto oom;
	if (count == 0) {
		free(snap);
		return TOF_CTL_OK;
	}
	v = malloc((size_t)count * sizeof(*v));
	if (!v) {
		free(snap);
		goto oom;
	}
	for (int i = 0; i < count; i++)
		ctl_svc_config(&snap[i].s, &v[i]);
	free(snap);
	ctl_sort_configs(v, (uint32_t)count);
	*out = v;
	*n = (uint32_t)count;
	return TOF_CTL_OK;
oom:
	e->code = TOF_CTL_IO;
	strcpy(e->msg, "out of memory");
	return TOF_CTL_IO;
}

enum tof_ctl_code tof_ctl_service_get(struct tof_ctl *ctl, const char *key, bool by_ip,
				      struct tof_service_config *out, struct tof_ctl_err *e)
{
	const struct tof_tables *t = ctl->t;
	struct tof_service copy;
	struct gtp_addr a;
	bool is_ip = by_ip && gtp_addr_parse(key, &a) == 0;
	bool found;

	memset(e, 0, sizeof(*e));
	CTL_READ(ctl, {
		uint32_t slot = tof_service_find_name(t, key);

		if (slot == TOF_NO_SLOT && is_ip)
			slot = tof_service_find_ip(t, &a);
		found = slot != TOF_NO_SLOT;
		if (found)
			memcpy(&copy, &t->services[slot], sizeof(copy));
	});
	if (!found) {
		char k[TOF_NAME_MAX + 4];

		e->code = TOF_CTL_NOT_FOUND;
		strcpy(e->field, "name");
		snprintf(e->msg, sizeof(e->msg), "no service %s \"%s\"",
			 by_ip ? "with the name or service IP" : "named",
			 cfg_text(key, k, sizeof(k)));
		return TOF_CTL_NOT_FOUND;
	}
	ctl_svc_config(&copy, out);
	return TOF_CTL_OK;
}

/* --- tunnels --- */

/* (Under the lock: the last-seen times are in the current snapshot.) */
static void ctl_tunnel(const struct tof_tables *t, uint32_t slot, const struct tof_session *s,
		       struct tof_ctl_tunnel *o)
{
	memset(o, 0, sizeof(*o));
	o->slot = slot;
	o->ue4 = s->ue4;
	o->ue6 = s->ue6;
	o->enb = s->enb;
	o->sgw = s->sgw;
	o->ul_teid = s->ul_teid;
	o->dl_teid = s->dl_teid;
	o->flags = s->flags;
	o->qfi = s->qfi;
	o->pinger_state = s->probe.state;
	o->handovers = s->handovers;
	o->created_ns = s->created_ns;
	o->ul_seen_ns = __atomic_load_n(&tof_session_seen(t, slot)->ul_seen_ns, __ATOMIC_RELAXED);
	o->dl_seen_ns = __atomic_load_n(&tof_session_seen(t, slot)->dl_seen_ns, __ATOMIC_RELAXED);
}

/* One slot, consistent in itself; false if it holds no session. */
static bool ctl_read_session(struct tof_ctl *ctl, uint32_t slot, struct tof_ctl_tunnel *out)
{
	const struct tof_session *s = &ctl->t->sessions[slot];
	bool used;

	CTL_READ(ctl, {
		used = s->in_use != 0;
		if (used)
			ctl_tunnel(ctl->t, slot, s, out);
	});
	return used;
}

uint32_t tof_ctl_tunnels(struct tof_ctl *ctl, const struct gtp_addr *ue, uint32_t from,
			 struct tof_ctl_tunnel *out, uint32_t max, uint32_t *next,
			 uint32_t *total)
{
	const struct tof_tables *t = ctl->t;
	uint32_t n = 0, i;

	*next = UINT32_MAX;
	*total = __atomic_load_n(&t->n_sessions, __ATOMIC_RELAXED);
	if (ue) {
		uint32_t slot;
		bool found;

		if (max == 0)
			return 0;
		CTL_READ(ctl, {
			slot = tof_session_find_ue(t, ue);
			found = slot != TOF_NO_SLOT;
			if (found)
				ctl_tunnel(t, slot, &t->sessions[slot], &out[n++]);
		});
		(void)found;
		return n;
	}
	/* One slot at a time: a listing of a million sessions must not hold
	 * the writers off, nor retry forever while they learn. */
	for (i = from; i < t->max_sessions; i++) {
		if (!__atomic_load_n(&t->sessions[i].in_use, __ATOMIC_RELAXED))
			continue;
		if (n == max) {
			*next = i;
			break;
		}
		if (ctl_read_session(ctl, i, &out[n]))
			n++;
	}
	return n;
}

/* --- stats and health --- */

static uint64_t ctl_sub(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

enum tof_ctl_code tof_ctl_stats(struct tof_ctl *ctl, struct tof_ctl_stats *out,
				struct tof_ctl_err *e)
{
	const struct tof_tables *t = ctl->t;
	struct tof_service_counters *sc = NULL;
	struct ctl_svc_snap *snap = NULL;
	int count;

	memset(out, 0, sizeof(*out));
	memset(e, 0, sizeof(*e));
	sc = calloc(t->max_services, sizeof(*sc));
	if (!sc)
		goto oom;
	pthread_rwlock_rdlock(&ctl->cb_lock);
	if (ctl->counters) {
		ctl->counters(ctl->counters_ctx, &out->ctr, sc, t->max_services);
		out->dataplane = true;
	}
	pthread_rwlock_unlock(&ctl->cb_lock);

	count = ctl_services_snapshot(ctl, &snap);
	if (count < 0)
		goto oom;
	out->svc = calloc(count ? (size_t)count : 1, sizeof(*out->svc));
	if (!out->svc)
		goto oom;
	pthread_mutex_lock(&ctl->base_lock);
	for (int i = 0; i < count; i++) {
		struct tof_ctl_svc_stats *o = &out->svc[i];
		const struct tof_service_counters *b = &ctl->base[snap[i].slot];
		const struct tof_service_counters *c = &sc[snap[i].slot];

		ctl_svc_config(&snap[i].s, &o->cfg);
		o->ul_pkts = ctl_sub(c->ul_pkts, b->ul_pkts);
		o->ul_bytes = ctl_sub(c->ul_bytes, b->ul_bytes);
		o->dl_pkts = ctl_sub(c->dl_pkts, b->dl_pkts);
		o->dl_bytes = ctl_sub(c->dl_bytes, b->dl_bytes);
	}
	pthread_mutex_unlock(&ctl->base_lock);
	out->n_svc = (uint32_t)count;
	/* by name: cfg is the first member, so the config order applies */
	if (count > 1)
		qsort(out->svc, (size_t)count, sizeof(*out->svc), ctl_cmp_config);

	if (ctl->agent) {
		/* the agent's counters move under the writers' lock */
		tof_ctl_lock(ctl);
		memcpy(out->events, ctl->agent->events, sizeof(out->events));
		out->pinger = ctl->agent->pinger;
		tof_ctl_unlock(ctl);
		out->has_agent = true;
	}
	out->n_sessions = __atomic_load_n(&t->n_sessions, __ATOMIC_RELAXED);
	out->max_sessions = t->max_sessions;
	out->table_refused = __atomic_load_n(&t->refused, __ATOMIC_RELAXED);
	out->max_services = t->max_services;
	free(snap);
	free(sc);
	return TOF_CTL_OK;
oom:
	free(snap);
	free(sc);
	tof_ctl_stats_free(out);
	e->code = TOF_CTL_IO;
	strcpy(e->msg, "out of memory");
	return TOF_CTL_IO;
}

void tof_ctl_stats_free(struct tof_ctl_stats *s)
{
	free(s->svc);
	s->svc = NULL;
	s->n_svc = 0;
}

/* What the switch lacks, as problems beside the lasting ones: OVS away
 * (then not ready), or services held at drop for want of a port. They go
 * as soon as the switch is whole again. */
static void ctl_health_sink_problems(struct tof_ctl_health *h)
{
	const struct tof_ctl_sink_health *s = &h->sink;
	struct tof_ctl_problem *p;

	if (h->n_problems >= TOF_CTL_PROBLEMS_MAX || (s->reachable && !s->degraded))
		return;
	p = &h->problems[h->n_problems++];
	snprintf(p->what, sizeof(p->what), "ovs");
	if (!s->reachable)
		snprintf(p->msg, sizeof(p->msg), "Open vSwitch (bridge %s) is unreachable: %s; "
			 "the next try in %u ms", s->bridge, s->error[0] ? s->error : "not connected",
			 s->retry_ms);
	else
		snprintf(p->msg, sizeof(p->msg), "%u service(s) held at drop, ports missing on "
			 "bridge %s: %.360s", s->degraded, s->bridge, s->missing);
}

void tof_ctl_health(struct tof_ctl *ctl, struct tof_ctl_health *h)
{
	memset(h, 0, sizeof(*h));
	h->live = true;
	h->state_loaded = __atomic_load_n(&ctl->state_loaded, __ATOMIC_ACQUIRE);
	h->dp_required = __atomic_load_n(&ctl->dp_required, __ATOMIC_ACQUIRE);
	h->dp_up = __atomic_load_n(&ctl->dp_up, __ATOMIC_ACQUIRE);
	h->persistent = tof_state_persistent(ctl->state);
	h->ready = h->state_loaded && (h->dp_up || !h->dp_required);
	h->n_chains = __atomic_load_n(&ctl->n_chains, __ATOMIC_RELAXED);
	/* not under svc_lock: a change may be waiting for the switch */
	pthread_rwlock_rdlock(&ctl->sink_lock);
	if (ctl->sink.health) {
		h->has_sink = true;
		ctl->sink.health(ctl->sink.ctx, &h->sink);
		h->ready = h->ready && h->sink.reachable && h->sink.in_sync;
	}
	pthread_rwlock_unlock(&ctl->sink_lock);
	h->n_services = __atomic_load_n(&ctl->t->n_services, __ATOMIC_RELAXED);
	h->n_sessions = __atomic_load_n(&ctl->t->n_sessions, __ATOMIC_RELAXED);
	h->uptime_ms = (ctl_now_ns() - ctl->started_ns) / 1000000ULL;
	pthread_mutex_lock(&ctl->problem_lock);
	h->n_problems = ctl->n_problems;
	memcpy(h->problems, ctl->problems, ctl->n_problems * sizeof(h->problems[0]));
	pthread_mutex_unlock(&ctl->problem_lock);
	if (h->has_sink)
		ctl_health_sink_problems(h);
}
