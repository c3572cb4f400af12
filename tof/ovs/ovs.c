/* The thread that keeps an Open vSwitch bridge in step with the services
 * and chains (see ovs.h): connections with backoff, the database's view,
 * reconciliation, health, and the interface the ctl calls. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "ovs_int.h"
#include "ovs_sock.h"

static void names_free(char **v, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void want_free(struct ovs_want *w)
{
	free(w->svcs);
	free(w->chains);
	memset(w, 0, sizeof(*w));
}

static int want_copy(struct ovs_want *w, const struct tof_service_config *svcs, uint32_t n,
		     const struct tof_chain_config *chains, uint32_t n_chains)
{
	memset(w, 0, sizeof(*w));
	w->svcs = malloc((n ? n : 1) * sizeof(*svcs));
	w->chains = malloc((n_chains ? n_chains : 1) * sizeof(*chains));
	if (!w->svcs || !w->chains) {
		want_free(w);
		return -1;
	}
	if (n)
		memcpy(w->svcs, svcs, n * sizeof(*svcs));
	if (n_chains)
		memcpy(w->chains, chains, n_chains * sizeof(*chains));
	w->n_svcs = n;
	w->n_chains = n_chains;
	return 0;
}

static void ovs_wake(struct tof_ovs *o)
{
	uint64_t one = 1;

	if (write(o->wake_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		tof_log(TOF_LOG_ERROR, "ovs_wake_failed", TOF_FIELDS(TOF_LOG_STR("error",
			strerror(errno))), "ovs: wake: %s", strerror(errno));
}

/* --- health --- */

/* Say what is wrong (logged when it is news). */
static void ovs_set_error(struct tof_ovs *o, const char *what, const char *err)
{
	char now[sizeof(o->health.error)];
	size_t n;

	/* "what: err", cut to fit */
	snprintf(now, sizeof(now), "%s: ", what);
	n = strlen(now);
	snprintf(now + n, sizeof(now) - n, "%.*s", (int)(sizeof(now) - n - 1), err);
	pthread_mutex_lock(&o->lock);
	if (strcmp(now, o->health.error) != 0) {
		tof_log(TOF_LOG_WARNING, "ovs_problem",
			TOF_FIELDS(TOF_LOG_STR("bridge", o->cfg.bridge), TOF_LOG_STR("what", what),
				   TOF_LOG_STR("error", err)), "ovs: %s", now);
		memcpy(o->health.error, now, sizeof(now));
	}
	pthread_mutex_unlock(&o->lock);
}

static void ovs_clear_error(struct tof_ovs *o)
{
	pthread_mutex_lock(&o->lock);
	if (o->health.error[0])
		tof_log(TOF_LOG_INFO, "ovs_in_sync", TOF_FIELDS(TOF_LOG_STR("bridge", o->cfg.bridge)),
			"ovs: %s: in step again", o->cfg.bridge);
	o->health.error[0] = '\0';
	pthread_mutex_unlock(&o->lock);
}

/* Connectivity changed: health, and nobody waits for a sync now. */
static void ovs_set_reachable(struct tof_ovs *o, bool reachable)
{
	pthread_mutex_lock(&o->lock);
	o->health.reachable = reachable;
	if (!reachable) {
		o->health.in_sync = false;
		o->health.port_up = false;
		pthread_cond_broadcast(&o->synced);
	}
	pthread_mutex_unlock(&o->lock);
}

/* --- the database --- */

static void ovs_db_view(struct tof_ovs *o)
{
	struct ovs_bridge_view v;
	json_t *ops;

	o->db.changed = false;
	if (ovs_bridge_view(&o->db, &o->cfg, &v) < 0)
		return;
	pthread_mutex_lock(&o->lock);
	names_free(o->bridge_ports, o->n_bridge_ports);
	o->bridge_ports = v.ports;
	o->n_bridge_ports = v.n_ports;
	o->ports_known = true;
	o->health.bridge_ok = v.bridge_found && v.netdev && v.secure && v.port_found && v.port_ok;
	o->health.port_up = v.port_up;
	pthread_mutex_unlock(&o->lock);
	v.ports = NULL;
	v.n_ports = 0;
	names_free(o->marked, o->n_marked);
	o->marked = v.marked;
	o->n_marked = v.n_marked;
	v.marked = NULL;
	v.n_marked = 0;
	o->recheck_at_ms = 0; /* the marks may have changed: reconcile */
	if (v.elsewhere[0]) {
		char e[400];

		snprintf(e, sizeof(e), "port \"%s\" is on bridge \"%s\"; remove it there "
			 "(ovs-vsctl del-port %s %s)", o->cfg.port, v.elsewhere, v.elsewhere,
			 o->cfg.port);
		ovs_set_error(o, "database", e);
	} else if (v.has_root && !v.dpdk_initialized && o->cfg.port_type == TOF_OVS_PORT_VHOST) {
		ovs_set_error(o, "database", "DPDK is not initialised in ovs-vswitchd "
			      "(other_config:dpdk-init=true): vhost-user ports cannot work");
	} else if (v.port_error[0]) {
		ovs_set_error(o, o->cfg.port, v.port_error);
	}
	ops = ovs_bridge_fix(&o->db, &o->cfg, &v);
	ovs_bridge_view_free(&v);
	if (ops) {
		tof_log(TOF_LOG_INFO, "ovs_bridge_fixed",
			TOF_FIELDS(TOF_LOG_STR("bridge", o->cfg.bridge),
				   TOF_LOG_STR("port", o->cfg.port)),
			"ovs: %s: creating or fixing the bridge and port %s", o->cfg.bridge,
			o->cfg.port);
		if (ovsdb_transact(&o->db, ops, NULL, OVS_TIMEOUT_MS) < 0)
			ovs_set_error(o, "database", o->db.err);
	}
}

/* --- reconciliation --- */

static void ovs_sync(struct tof_ovs *o)
{
	struct ovs_flowset set;
	struct ovs_want w;
	uint64_t gen;
	uint32_t flows = 0;
	int rc;

	pthread_mutex_lock(&o->lock);
	gen = o->want_gen;
	rc = want_copy(&w, o->want.svcs, o->want.n_svcs, o->want.chains, o->want.n_chains);
	pthread_mutex_unlock(&o->lock);
	if (rc < 0)
		return;
	rc = ovs_sync_flows(o, &w, &flows, &set);
	want_free(&w);
	pthread_mutex_lock(&o->lock);
	if (rc == 0) {
		o->done_gen = gen;
		o->health.in_sync = true;
		o->health.flows = flows;
		o->health.degraded = set.n_degraded;
		snprintf(o->health.missing, sizeof(o->health.missing), "%s", set.missing);
	} else {
		o->health.in_sync = false;
	}
	pthread_cond_broadcast(&o->synced);
	pthread_mutex_unlock(&o->lock);
	ovs_flowset_free(&set);
	if (rc == 0) {
		ovs_clear_error(o);
		o->backoff_ms = OVS_BACKOFF_MIN_MS; /* only a sync proves OVS is well */
		o->recheck_at_ms = ovs_now_ms() + OVS_RECHECK_MS;
	} else {
		ovs_set_error(o, "openflow", o->of.err);
		ofconn_close(&o->of);
	}
}

/* --- the thread --- */

static void ovs_backoff(struct tof_ovs *o)
{
	o->retry_at_ms = ovs_now_ms() + o->backoff_ms;
	pthread_mutex_lock(&o->lock);
	o->health.retry_ms = o->backoff_ms;
	pthread_mutex_unlock(&o->lock);
	o->backoff_ms = o->backoff_ms * 2 > OVS_BACKOFF_MAX_MS ? OVS_BACKOFF_MAX_MS :
								 o->backoff_ms * 2;
}

/* Connect what is not connected. true when both are. */
static bool ovs_connect(struct tof_ovs *o)
{
	json_t *tables;

	if (ovsdb_is_open(&o->db) && ofconn_is_open(&o->of))
		return true;
	if (ovs_now_ms() < o->retry_at_ms)
		return false;
	if (!ovsdb_is_open(&o->db)) {
		tables = ovs_bridge_monitor_tables();
		if (ovsdb_open(&o->db, o->cfg.db, tables, OVS_TIMEOUT_MS) < 0) {
			json_decref(tables);
			ovs_set_error(o, "database", o->db.err);
			ovs_backoff(o);
			return false;
		}
		json_decref(tables);
		ovs_db_view(o);
	}
	if (ofconn_open(&o->of, o->cfg.openflow, OFP_VERSION_14, OVS_TIMEOUT_MS) < 0) {
		/* a new bridge needs a moment before its management socket is up */
		ovs_set_error(o, "openflow", o->of.err);
		ovs_backoff(o);
		return false;
	}
	tof_log(TOF_LOG_INFO, "ovs_connected",
		TOF_FIELDS(TOF_LOG_STR("db", o->cfg.db), TOF_LOG_STR("openflow", o->cfg.openflow)),
		"ovs: connected to %s and %s", o->cfg.db, o->cfg.openflow);
	o->ports_dirty = true;   /* a new switch may number ports anew */
	o->recheck_at_ms = 0;    /* reconcile now */
	ovs_set_reachable(o, true);
	/* health from the replica again: losing OpenFlow cleared port_up, and
	 * a port that stayed up (a veth) brings no database change to say so */
	o->db.changed = true;
	return true;
}

/* A connection broke (or a sync failed and closed OpenFlow): try again
 * after the backoff; what still works stays open. */
static void ovs_lost(struct tof_ovs *o)
{
	if (!ovsdb_is_open(&o->db) && o->db.err[0])
		ovs_set_error(o, "database", o->db.err);
	else if (!ofconn_is_open(&o->of) && o->of.err[0])
		ovs_set_error(o, "openflow", o->of.err);
	ovs_set_reachable(o, false);
	ovs_backoff(o);
}

static void *ovs_main(void *arg)
{
	struct tof_ovs *o = arg;

	while (!__atomic_load_n(&o->quit, __ATOMIC_ACQUIRE)) {
		struct pollfd p[3] = { { .fd = o->wake_fd, .events = POLLIN },
				       { .fd = o->db.fd, .events = POLLIN },
				       { .fd = o->of.fd, .events = POLLIN } };
		uint64_t now = ovs_now_ms(), until, v;
		bool up = ovs_connect(o);
		int wait;

		/* the database is followed even while OpenFlow is away */
		if ((ovsdb_is_open(&o->db) && ovsdb_poll(&o->db) < 0) ||
		    (up && ofconn_poll(&o->of) < 0)) {
			ovs_lost(o);
			continue;
		}
		if (ovsdb_is_open(&o->db) && o->db.changed)
			ovs_db_view(o);
		pthread_mutex_lock(&o->lock);
		bool behind = o->want_gen != o->done_gen;
		pthread_mutex_unlock(&o->lock);
		now = ovs_now_ms();
		if (up && (behind || o->of.ports_changed || now >= o->recheck_at_ms))
			ovs_sync(o);
		if (up && (!ovsdb_is_open(&o->db) || !ofconn_is_open(&o->of))) {
			ovs_lost(o);
			continue;
		}
		until = up ? o->recheck_at_ms : o->retry_at_ms;
		now = ovs_now_ms();
		wait = until > now ? (int)(until - now) : 0;
		p[1].fd = o->db.fd;
		p[2].fd = o->of.fd;
		if (poll(p, 3, wait) > 0 && (p[0].revents & POLLIN))
			if (read(o->wake_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				break;
	}
	ovsdb_close(&o->db);
	ofconn_close(&o->of);
	return NULL;
}

/* --- interface --- */

static void ovs_cfg_free(struct tof_ovs_config *c)
{
	free(c->db);
	free(c->bridge);
	free(c->port);
	free(c->socket);
	free(c->openflow);
}

static void ovs_free(struct tof_ovs *o)
{
	if (o->wake_fd >= 0)
		close(o->wake_fd);
	if (o->lock_fd >= 0)
		close(o->lock_fd);
	pthread_mutex_destroy(&o->lock);
	pthread_cond_destroy(&o->synced);
	want_free(&o->want);
	names_free(o->bridge_ports, o->n_bridge_ports);
	names_free(o->marked, o->n_marked);
	free(o->ports);
	free(o->no_flood);
	ovs_cfg_free(&o->cfg);
	free(o);
}

struct tof_ovs *tof_ovs_start(const struct tof_ovs_config *cfg, char *err, size_t errlen)
{
	struct tof_ovs *o = calloc(1, sizeof(*o));
	pthread_condattr_t ca;
	int rc;

	if (!o) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	o->lock_fd = ovs_lock_take(OVS_LOCK_DIR, cfg->db, cfg->bridge, err, errlen);
	if (o->lock_fd == -1) {
		free(o);
		return NULL;
	}
	pthread_mutex_init(&o->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&o->synced, &ca);
	pthread_condattr_destroy(&ca);
	ovsdb_init(&o->db);
	ofconn_init(&o->of);
	o->backoff_ms = OVS_BACKOFF_MIN_MS;
	o->cfg.db = strdup(cfg->db);
	o->cfg.bridge = strdup(cfg->bridge);
	o->cfg.port = strdup(cfg->port);
	o->cfg.port_type = cfg->port_type;
	o->cfg.socket = cfg->socket ? strdup(cfg->socket) : NULL; /* vhost-user only */
	o->cfg.openflow = strdup(cfg->openflow);
	snprintf(o->health.bridge, sizeof(o->health.bridge), "%s", cfg->bridge);
	snprintf(o->health.port, sizeof(o->health.port), "%s", cfg->port);
	o->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (!o->cfg.db || !o->cfg.bridge || !o->cfg.port || (cfg->socket && !o->cfg.socket) ||
	    !o->cfg.openflow || o->wake_fd < 0 || want_copy(&o->want, NULL, 0, NULL, 0) < 0) {
		snprintf(err, errlen, "out of memory");
		ovs_free(o);
		return NULL;
	}
	rc = pthread_create(&o->thread, NULL, ovs_main, o);
	if (rc != 0) {
		snprintf(err, errlen, "ovs thread: %s", strerror(rc));
		ovs_free(o);
		return NULL;
	}
	pthread_setname_np(o->thread, "tof-ovs");
	o->running = true;
	return o;
}

void tof_ovs_stop(struct tof_ovs *o)
{
	if (!o)
		return;
	if (o->running) {
		__atomic_store_n(&o->quit, true, __ATOMIC_RELEASE);
		ovs_wake(o);
		pthread_join(o->thread, NULL);
	}
	ovs_free(o);
}

void tof_ovs_apply(struct tof_ovs *o, const struct tof_service_config *svcs, uint32_t n,
		   const struct tof_chain_config *chains, uint32_t n_chains, unsigned int wait_ms)
{
	struct ovs_want w;
	struct timespec until;
	uint64_t gen;

	if (want_copy(&w, svcs, n, chains, n_chains) < 0) {
		ovs_set_error(o, "apply", "out of memory");
		return;
	}
	pthread_mutex_lock(&o->lock);
	want_free(&o->want);
	o->want = w;
	gen = ++o->want_gen;
	pthread_mutex_unlock(&o->lock);
	ovs_wake(o);
	/* the effect before the reply, when the switch is there to give it */
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&o->lock);
	while (o->done_gen < gen && o->health.reachable)
		if (pthread_cond_timedwait(&o->synced, &o->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&o->lock);
}

int tof_ovs_port_state(struct tof_ovs *o, const char *port)
{
	int state = -1;

	pthread_mutex_lock(&o->lock);
	if (o->ports_known && o->health.reachable) {
		state = 0;
		for (uint32_t i = 0; i < o->n_bridge_ports && !state; i++)
			state = strcmp(o->bridge_ports[i], port) == 0;
	}
	pthread_mutex_unlock(&o->lock);
	return state;
}

void tof_ovs_health(struct tof_ovs *o, struct tof_ctl_sink_health *h)
{
	pthread_mutex_lock(&o->lock);
	*h = o->health;
	pthread_mutex_unlock(&o->lock);
}

/* --- as the ctl's sink --- */

#define OVS_APPLY_WAIT_MS 3000

static int sink_port_state(void *ctx, const char *port)
{
	return tof_ovs_port_state(ctx, port);
}

static void sink_apply(void *ctx, const struct tof_service_config *svcs, uint32_t n,
		       const struct tof_chain_config *chains, uint32_t n_chains)
{
	tof_ovs_apply(ctx, svcs, n, chains, n_chains, OVS_APPLY_WAIT_MS);
}

static void sink_health(void *ctx, struct tof_ctl_sink_health *h)
{
	tof_ovs_health(ctx, h);
}

void tof_ovs_attach_ctl(struct tof_ovs *o, struct tof_ctl *ctl)
{
	struct tof_ctl_sink s = {
		.port_state = sink_port_state,
		.apply = sink_apply,
		.health = sink_health,
		.own_port = o->cfg.port,
		.ctx = o,
	};

	tof_ctl_set_sink(ctl, &s);
}

void tof_ovs_detach_ctl(struct tof_ovs *o, struct tof_ctl *ctl)
{
	(void)o;
	tof_ctl_set_sink(ctl, NULL);
}
