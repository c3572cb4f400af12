/* tofd run: wire tables, pipeline, agent, ctl, state and the REST API
 * together, start the data plane (or not), and wait for a signal.
 *
 * Signals are blocked in every thread and taken synchronously by the main
 * thread, which (without a data plane) also runs the agent's timers. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "agent_ctl.h"
#include "agent_state.h"
#include "api.h"
#include "dp.h"
#include "config.h"
#include "log.h"
#include "nfq.h"
#include "ovs.h"
#include "tofd_reload.h"
#include "tofd_run.h"
#include "version.h"

#define EXIT_IO 1
#define EXIT_CONFIG 2
#define TICK_MS 100

struct tofd {
	struct tof_config *cfg;
	struct tof_tables *t;
	struct tof_pipeline pl;
	struct tof_agent agent;
	bool agent_ok;
	struct tof_state *state;
	struct tof_ctl *ctl;
	struct tof_api *api;
	struct tof_dp *dp;
	struct tof_nfq *nfq;
	struct tof_ovs *ovs;
	struct tofd_reload reload;
};

/* A start-up step failed: what, in the words of the step. */
static void tofd_log_failed(const char *err)
{
	tof_log(TOF_LOG_ERROR, "start_failed", TOF_FIELDS(TOF_LOG_STR("error", err)), "%s", err);
}

static uint64_t tofd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The probe tag key must not be guessable from outside (DESIGN: the
 * pinger recognises its own replies by it). */
static void tofd_pinger_key(struct tof_config *cfg)
{
	uint64_t key = 0;

	if (cfg->pinger_key_set)
		return;
	if (getrandom(&key, sizeof(key), 0) != (ssize_t)sizeof(key))
		key = tofd_now_ns() ^ ((uint64_t)getpid() << 32);
	cfg->pinger.key = key;
}

static void tofd_dp_counters(void *ctx, struct tof_counters *c, struct tof_service_counters *svc,
			     uint32_t n)
{
	tof_dp_counters(ctx, c, svc, n);
}

static void tofd_nfq_counters(void *ctx, struct tof_counters *c, struct tof_service_counters *svc,
			      uint32_t n)
{
	tof_nfq_counters(ctx, c, svc, n);
}

static void tofd_nfq_services(void *ctx)
{
	tof_nfq_services_changed(ctx);
}

/* The state file could not be used: say so loudly, move it aside (so it
 * is kept and never overwritten), and let the caller run with the
 * config's services and chains; /health shows the problem. */
static void tofd_state_bad(struct tofd *d, const char *why)
{
	const char *path = tof_state_path(d->state);
	char moved[600] = "", err[512] = "";
	uint32_t n = d->cfg->n_services, m = d->cfg->n_chains;

	tof_log(TOF_LOG_ERROR, "state_file_bad",
		TOF_FIELDS(TOF_LOG_STR("state_file", path), TOF_LOG_STR("error", why)),
		"ERROR: %s", why);
	if (tof_state_disabled(d->state)) {
		/* no lock: nothing on disk is touched */
	} else if (tof_state_set_aside(d->state, moved, sizeof(moved), err, sizeof(err)) < 0) {
		tof_log(TOF_LOG_ERROR, "state_file_kept", TOF_FIELDS(TOF_LOG_STR("error", err)),
			"ERROR: %s; service and chain changes through the API are refused until "
			"this is fixed", err);
	} else {
		tof_log(TOF_LOG_ERROR, "state_file_moved", TOF_FIELDS(TOF_LOG_STR("moved_to", moved)),
			"ERROR: moved it aside to %s", moved);
	}
	tof_log(TOF_LOG_ERROR, "state_file_degraded",
		TOF_FIELDS(TOF_LOG_U64("services", n), TOF_LOG_U64("chains", m)),
		"ERROR: running with the config's %u service(s) and %u chain(s); services and "
		"chains registered through the API before are not loaded (re-register them, or "
		"restore %s from the moved file and restart)", n, m, path);
	tof_ctl_add_problem(d->ctl, "state_file", "%s; %s%s; running with the config's %u "
			    "service(s) and %u chain(s)", why,
			    moved[0] ? "moved aside to " : "not moved aside: ",
			    moved[0] ? moved : err[0] ? err : "the state is not written", n, m);
}

/* Put a document's chains, then its services, into the ctl (saving both
 * when save). 0, or an exit code when they are the config's and the ctl
 * refuses them; -1 with why when they are the state file's. A failed save
 * only degrades the run. */
static int tofd_doc_in(struct tofd *d, const struct tof_state_doc *doc, bool save,
		       bool from_config, char *why, size_t whylen)
{
	struct tof_ctl_err e;
	enum tof_ctl_code rc = tof_ctl_load_chains(d->ctl, doc->chains, doc->n_chains, &e);
	bool chains_ok = rc == TOF_CTL_OK;

	why[0] = '\0';
	if (chains_ok)
		rc = tof_ctl_load_services(d->ctl, doc->svcs, doc->n_svcs, save, &e);
	if (rc == TOF_CTL_OK)
		return 0;
	if (chains_ok && (rc == TOF_CTL_IO || rc == TOF_CTL_NOSPACE)) {
		tof_log(TOF_LOG_ERROR, "services_unsaved", TOF_FIELDS(TOF_LOG_STR("error", e.msg)),
			"ERROR: %s: running with them unsaved", e.msg);
		tof_ctl_add_problem(d->ctl, "state_file", "the services and chains could not be "
				    "saved: %s", e.msg);
		return 0;
	}
	if (rc == TOF_CTL_IO) { /* out of memory */
		tofd_log_failed(e.msg);
		return EXIT_IO;
	}
	if (from_config) {
		tof_log(TOF_LOG_ERROR, "start_failed",
			TOF_FIELDS(TOF_LOG_STR("file", "config"), TOF_LOG_STR("field", e.field),
				   TOF_LOG_STR("error", e.msg)),
			"config: \"%s\": %s", e.field, e.msg);
		return EXIT_CONFIG;
	}
	snprintf(why, whylen, "state_file %s: \"%s\": %s", tof_state_path(d->state), e.field,
		 e.msg);
	return -1;
}

/* The services and chains from the state file, or the config's when there
 * is none yet; a state file that cannot be used does not stop start-up. */
static int tofd_load_state(struct tofd *d)
{
	struct tof_config *cfg = d->cfg;
	struct tof_state_doc doc;
	bool seeded, writable = tof_state_persistent(d->state);
	char err[1024];
	int rc;

	if (tof_state_disabled(d->state)) {
		tof_log(TOF_LOG_ERROR, "state_file_disabled",
			TOF_FIELDS(TOF_LOG_STR("error", tof_state_disabled(d->state))),
			"ERROR: state_file: %s: service and chain changes through the API are "
			"refused", tof_state_disabled(d->state));
		tof_ctl_add_problem(d->ctl, "state_file", "%s: service and chain changes are "
				    "refused", tof_state_disabled(d->state));
	}
	rc = tof_state_load_doc(d->state, cfg, &doc, &seeded, err, sizeof(err));
	if (rc == 0) {
		rc = tofd_doc_in(d, &doc, seeded && writable, seeded, err, sizeof(err));
		if (rc == 0 && writable)
			tof_log(TOF_LOG_INFO, "services_loaded",
				TOF_FIELDS(TOF_LOG_U64("services", doc.n_svcs),
					   TOF_LOG_U64("chains", doc.n_chains),
					   TOF_LOG_STR("from", seeded ? "config" : "state_file"),
					   TOF_LOG_STR("state_file", tof_state_path(d->state))),
				"services: %u, chains: %u from %s%s", doc.n_svcs, doc.n_chains,
				seeded ? "the config, saved to " : "", tof_state_path(d->state));
		tof_state_doc_free(&doc);
		if (rc >= 0)
			return rc;
	}
	tofd_state_bad(d, err);
	doc = (struct tof_state_doc){ .svcs = cfg->services, .n_svcs = cfg->n_services,
				      .chains = cfg->chains, .n_chains = cfg->n_chains };
	rc = tofd_doc_in(d, &doc, tof_state_persistent(d->state), true, err, sizeof(err));
	return rc < 0 ? EXIT_CONFIG : rc;
}

/* Tables, pipeline, agent; the services from the state file or the config. */
static int tofd_setup(struct tofd *d)
{
	struct tof_config *cfg = d->cfg;
	char err[512];

	d->t = tof_tables_create(cfg->max_sessions, cfg->max_services);
	if (!d->t) {
		tof_log(TOF_LOG_ERROR, "start_failed",
			TOF_FIELDS(TOF_LOG_STR("error", "tables"),
				   TOF_LOG_U64("max_sessions", cfg->max_sessions)),
			"cannot allocate tables for %u sessions and %u services (%zu MiB; lower "
			"max_sessions)", cfg->max_sessions, cfg->max_services,
			tof_tables_memory(cfg->max_sessions, cfg->max_services) >> 20);
		return EXIT_IO;
	}
	tof_tables_seed(d->t, tof_config_hash_seed(cfg));
	tof_tables_set_ttl(d->t, cfg->encap_ttl);
	d->pl.cfg = cfg;
	d->pl.tables = d->t;
	d->pl.pinger = cfg->pinger;
	for (int p = 0; p < TOF_PORT__COUNT; p++)
		d->pl.l2[p] = PKT_L2_ETH;
	if (tof_agent_init(&d->agent, cfg, &d->pl, NULL, NULL) < 0) {
		tofd_log_failed("cannot set up the agent");
		return EXIT_IO;
	}
	d->agent_ok = true;
	if (tof_state_open(cfg->state_file, &d->state, err, sizeof(err)) < 0) {
		tofd_log_failed(err);
		return EXIT_CONFIG;
	}
	if (!cfg->state_file)
		tof_log(TOF_LOG_WARNING, "no_state_file", TOF_NO_FIELDS,
			"no state_file in the config: services registered through the API will "
			"not survive a restart");
	d->ctl = tof_ctl_create(d->t, &d->agent, d->state);
	if (!d->ctl) {
		tofd_log_failed("out of memory");
		return EXIT_IO;
	}
	return tofd_load_state(d);
}

static int tofd_start_api(struct tofd *d)
{
	struct tof_api_opts ao = { .cfg = d->cfg };
	char err[512];
	int rc = tof_api_start(&ao, d->ctl, &d->api, err, sizeof(err));

	if (rc < 0) {
		tofd_log_failed(err);
		return rc == -2 ? EXIT_IO : EXIT_CONFIG;
	}
	tof_log(TOF_LOG_INFO, "api_listening", TOF_FIELDS(TOF_LOG_STR("url", tof_api_url(d->api))),
		"API listening on %s", tof_api_url(d->api));
	return 0;
}

/* Kernel mode: the Linux bridge and NFQUEUE (tof/nfq). */
static int tofd_start_nfq(struct tofd *d, const struct tofd_run_opts *o)
{
	struct tof_nfq_ctx ctx = {
		.cfg = d->cfg,
		.pl = &d->pl,
		.agent = &d->agent,
		.writer_lock = tof_ctl_writer_lock(d->ctl),
	};
	char err[512] = "";

	if (o->eal_argc > 0) {
		tofd_log_failed("EAL arguments are for \"dataplane\": \"dpdk\"; this config has "
				"\"kernel\"");
		return EXIT_CONFIG;
	}
	tof_ctl_set_dataplane(d->ctl, true, false);
	if (tof_nfq_start(&ctx, &d->nfq, err, sizeof(err)) < 0) {
		tof_log(TOF_LOG_ERROR, "start_failed",
			TOF_FIELDS(TOF_LOG_STR("error", err[0] ? err : "cannot start"),
				   TOF_LOG_STR("part", "dataplane")),
			"kernel data plane: %s", err[0] ? err : "cannot start");
		return EXIT_IO;
	}
	tof_ctl_set_counters(d->ctl, tofd_nfq_counters, d->nfq);
	tof_ctl_set_services_hook(d->ctl, tofd_nfq_services, d->nfq);
	/* again, for a change the API made while the data plane started */
	tof_nfq_services_changed(d->nfq);
	tof_ctl_set_dataplane(d->ctl, true, true);
	return 0;
}

/* With "ovs": the bridge, tofd's port on it and the flows, kept by a
 * thread of tof/ovs that the ctl hands every change to. In kernel mode
 * that port is the OVS end of tofd's veth, which must exist first. */
static int tofd_start_ovs(struct tofd *d, const struct tofd_run_opts *o)
{
	char err[256];

	if (!d->cfg->ovs_enabled)
		return 0;
	if (d->cfg->dataplane == TOF_DATAPLANE_KERNEL && !o->no_dataplane &&
	    tof_nfq_veth_setup(d->cfg, err, sizeof(err)) < 0) {
		tof_log(TOF_LOG_ERROR, "start_failed",
			TOF_FIELDS(TOF_LOG_STR("error", err), TOF_LOG_STR("part", "dataplane")),
			"kernel data plane: %s", err);
		return EXIT_IO;
	}
	d->ovs = tof_ovs_start(&d->cfg->ovs, err, sizeof(err));
	if (!d->ovs) {
		tofd_log_failed(err);
		return EXIT_IO;
	}
	tof_ovs_attach_ctl(d->ovs, d->ctl);
	tof_log(TOF_LOG_INFO, "ovs_started",
		TOF_FIELDS(TOF_LOG_STR("bridge", d->cfg->ovs.bridge),
			   TOF_LOG_STR("port", d->cfg->ovs.port), TOF_LOG_STR("db", d->cfg->ovs.db)),
		"ovs: bridge %s, port %s (%s)", d->cfg->ovs.bridge, d->cfg->ovs.port,
		d->cfg->ovs.db);
	return 0;
}

static int tofd_start_dp(struct tofd *d, const struct tofd_run_opts *o)
{
	struct tof_dp_ctx ctx = {
		.cfg = d->cfg,
		.pl = &d->pl,
		.agent = &d->agent,
		.writer_lock = tof_ctl_writer_lock(d->ctl),
		.eal_argc = o->eal_argc,
		.eal_argv = o->eal_argv,
	};
	char err[512] = "";

	if (d->cfg->dataplane == TOF_DATAPLANE_KERNEL)
		return tofd_start_nfq(d, o);
	tof_ctl_set_dataplane(d->ctl, true, false);
	if (tof_dp_start(&ctx, &d->dp, err, sizeof(err)) < 0) {
		tof_log(TOF_LOG_ERROR, "start_failed",
			TOF_FIELDS(TOF_LOG_STR("error", err[0] ? err : "cannot start"),
				   TOF_LOG_STR("part", "dataplane")),
			"data plane: %s%s", err[0] ? err : "cannot start",
			tof_dp_available() ? "" : " (--no-dataplane runs the API and the agent "
			"without one)");
		return EXIT_IO;
	}
	tof_ctl_set_counters(d->ctl, tofd_dp_counters, d->dp);
	tof_ctl_set_dataplane(d->ctl, true, true);
	return 0;
}

/* Wait for a signal to stop; SIGHUP reloads. Without a data plane, run the
 * agent's timers. */
static int tofd_wait(struct tofd *d, const sigset_t *sigs, bool tick)
{
	struct timespec tmo = { .tv_sec = 0, .tv_nsec = TICK_MS * 1000000L };

	for (;;) {
		int sig = sigtimedwait(sigs, NULL, &tmo);

		if (sig == SIGTERM || sig == SIGINT)
			return sig;
		if (sig == SIGHUP)
			tofd_reload(&d->reload);
		if (sig < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (tick) {
			uint64_t now = tofd_now_ns();

			tof_ctl_lock(d->ctl);
			if (tof_agent_next_deadline(&d->agent) <= now)
				tof_agent_tick(&d->agent, now);
			tof_ctl_unlock(d->ctl);
		}
	}
}

static void tofd_teardown(struct tofd *d)
{
	tof_api_stop(d->api);
	tofd_reload_fini(&d->reload);
	if (d->ovs) {
		tof_ovs_detach_ctl(d->ovs, d->ctl);
		tof_ovs_stop(d->ovs);
	}
	if (d->ctl) {
		tof_ctl_set_counters(d->ctl, NULL, NULL);
		tof_ctl_set_services_hook(d->ctl, NULL, NULL);
	}
	if (d->dp)
		tof_dp_stop(d->dp);
	if (d->nfq)
		tof_nfq_stop(d->nfq);
	tof_ctl_destroy(d->ctl);
	if (d->agent_ok)
		tof_agent_fini(&d->agent);
	tof_state_close(d->state);
	tof_tables_destroy(d->t);
}

int tofd_run(struct tof_config *cfg, const struct tofd_run_opts *o)
{
	struct tofd d;
	sigset_t sigs;
	int rc, sig;

	memset(&d, 0, sizeof(d));
	d.cfg = cfg;
	/* before any thread exists, so they all inherit the mask */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	tofd_pinger_key(cfg);
	tof_log_setup("tofd run", cfg->log_format, cfg->log_level);
	tof_log(TOF_LOG_INFO, "start",
		TOF_FIELDS(TOF_LOG_STR("version", TOF_VERSION),
			   TOF_LOG_STR("config", o->config_path),
			   TOF_LOG_STR("mode", cfg->mode == TOF_MODE_SINGLE ? "single" : "dual"),
			   TOF_LOG_BOOL("dataplane", !o->no_dataplane)),
		"starting version %s (%s mode%s)", TOF_VERSION,
		cfg->mode == TOF_MODE_SINGLE ? "single" : "dual",
		o->no_dataplane ? ", no data plane" : "");

	rc = tofd_setup(&d);
	if (rc == 0)
		rc = tofd_reload_init(&d.reload, o->config_path, cfg, d.ctl) < 0 ? EXIT_IO : 0;
	if (rc == 0)
		rc = tofd_start_api(&d);
	if (rc == 0)
		rc = tofd_start_ovs(&d, o);
	if (rc == 0 && o->no_dataplane)
		tof_ctl_set_dataplane(d.ctl, false, false);
	else if (rc == 0)
		rc = tofd_start_dp(&d, o);
	if (rc != 0) {
		tofd_teardown(&d);
		tof_log(TOF_LOG_ERROR, "stopped", TOF_FIELDS(TOF_LOG_I64("exit_code", rc)),
			"could not start (exit code %d)", rc);
		return rc;
	}
	tof_log(TOF_LOG_INFO, "ready", TOF_FIELDS(TOF_LOG_BOOL("dataplane", !o->no_dataplane)),
		"ready%s", o->no_dataplane ? " (no data plane)" : "");
	sig = tofd_wait(&d, &sigs, o->no_dataplane);
	tof_log(sig < 0 ? TOF_LOG_ERROR : TOF_LOG_INFO, "stopping",
		TOF_FIELDS(TOF_LOG_STR("signal", sig == SIGINT ? "SIGINT" :
						 sig == SIGTERM ? "SIGTERM" : NULL)),
		"%s, stopping", sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" :
		"error waiting for signals");
	tofd_teardown(&d);
	tof_log(TOF_LOG_INFO, "stopped", TOF_FIELDS(TOF_LOG_I64("exit_code", sig < 0 ? EXIT_IO : 0)),
		"stopped");
	return sig < 0 ? EXIT_IO : 0;
}
