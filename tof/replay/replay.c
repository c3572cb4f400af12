/* The replay loop: merge the input captures by time, fire the agent's
 * timers on the captures' clock, run each frame through the pipeline, write
 * it out by its verdict and feed punted copies to the agent. */
#include "replay.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "config.h"
#include "replay_int.h"

/* Agent ticks in a row that leave a deadline at or before the time they
 * ran at, before we stop asking (a guard against a timer that never moves;
 * one tick normally clears everything due). */
#define TOF_REPLAY_MAX_STUCK_TICKS 100000

const char *tof_replay_port_key(enum tof_port p)
{
	static const char *const keys[TOF_PORT__COUNT] = {
		[TOF_PORT_ENB] = "enb",
		[TOF_PORT_SGW] = "sgw",
		[TOF_PORT_S1] = "s1",
		[TOF_PORT_APPS] = "apps",
	};

	return (unsigned int)p < TOF_PORT__COUNT ? keys[p] : "?";
}

int tof_replay_check_opts(const struct tof_replay_opts *o, char *err, size_t errlen)
{
	const char *cfg_name = o->config_name ? o->config_name : "the config";
	bool dual_in = o->in_enb || o->in_sgw;

	if (!o->cfg) {
		snprintf(err, errlen, "no config");
		return TOF_REPLAY_EINVAL;
	}
	if (o->in_s1 && dual_in) {
		snprintf(err, errlen, "--in cannot be combined with --in-enb/--in-sgw");
		return TOF_REPLAY_EINVAL;
	}
	if (!o->in_s1 && !dual_in) {
		snprintf(err, errlen, "no input: give --in (single mode) or --in-enb/--in-sgw "
				      "(dual mode)");
		return TOF_REPLAY_EINVAL;
	}
	if (o->in_s1 && o->cfg->mode != TOF_MODE_SINGLE) {
		snprintf(err, errlen,
			 "--in is for a \"single\" mode config, but %s has \"mode\": \"dual\" "
			 "(use --in-enb/--in-sgw)",
			 cfg_name);
		return TOF_REPLAY_EINVAL;
	}
	if (dual_in && o->cfg->mode != TOF_MODE_DUAL) {
		snprintf(err, errlen,
			 "%s is for a \"dual\" mode config, but %s has \"mode\": \"single\" "
			 "(use --in)",
			 o->in_enb ? "--in-enb" : "--in-sgw", cfg_name);
		return TOF_REPLAY_EINVAL;
	}
	if (!o->out_dir || !*o->out_dir) {
		snprintf(err, errlen, "--out is required");
		return TOF_REPLAY_EINVAL;
	}
	return TOF_REPLAY_OK;
}

/* mkdir -p */
static int make_dir(const char *path, char *err, size_t errlen)
{
	char tmp[PATH_MAX];
	struct stat st;
	size_t n = strlen(path);

	if (n >= sizeof(tmp)) {
		snprintf(err, errlen, "%s: path too long", path);
		return -1;
	}
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0777) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(tmp, 0777) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return -1;
	}
	return 0;
}

static int out_path(char *buf, size_t len, const char *dir, const char *name, char *err,
		    size_t errlen)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len) {
		snprintf(err, errlen, "%s/%s: path too long", dir, name);
		return -1;
	}
	return 0;
}

/* Open the inputs, in the order that breaks timestamp ties. */
static int open_inputs(struct tof_replay *r, char *err, size_t errlen)
{
	const struct tof_replay_opts *o = r->o;
	struct {
		const char *path;
		enum tof_port port;
	} ins[] = {
		{ o->in_s1, TOF_PORT_S1 },
		{ o->in_enb, TOF_PORT_ENB },
		{ o->in_sgw, TOF_PORT_SGW },
		{ o->in_apps, TOF_PORT_APPS },
	};

	for (size_t i = 0; i < sizeof(ins) / sizeof(ins[0]); i++) {
		if (ins[i].path &&
		    tof_pcap_merger_add(&r->m, ins[i].path, ins[i].port, err, errlen) < 0)
			return TOF_REPLAY_EIO;
	}
	return TOF_REPLAY_OK;
}

static const struct tof_pcap_input *find_input(const struct tof_replay *r, enum tof_port p)
{
	for (unsigned int i = 0; i < r->m.n_in; i++)
		if (r->m.in[i].port == p)
			return &r->m.in[i];
	return NULL;
}

/* Link types: the S1 side's from its input(s), the apps side Ethernet.
 * Fills the pipeline's l2[] before anything else looks at it. */
static int choose_link_types(struct tof_replay *r, char *err, size_t errlen)
{
	const struct tof_pcap_input *s1, *enb, *sgw, *apps;
	char d1[128], d2[128];

	s1 = find_input(r, TOF_PORT_S1);
	enb = find_input(r, TOF_PORT_ENB);
	sgw = find_input(r, TOF_PORT_SGW);
	apps = find_input(r, TOF_PORT_APPS);
	if (enb && sgw && enb->rd.dlt != sgw->rd.dlt) {
		snprintf(err, errlen,
			 "--in-enb and --in-sgw must have the same link type (%s is %s, %s "
			 "is %s)",
			 enb->rd.path, tof_pcap_dlt_name(enb->rd.dlt, d1, sizeof(d1)),
			 sgw->rd.path, tof_pcap_dlt_name(sgw->rd.dlt, d2, sizeof(d2)));
		return TOF_REPLAY_EINVAL;
	}
	if (apps && apps->rd.dlt != DLT_EN10MB) {
		snprintf(err, errlen, "--in-apps must be an Ethernet capture (%s is %s)",
			 apps->rd.path, tof_pcap_dlt_name(apps->rd.dlt, d1, sizeof(d1)));
		return TOF_REPLAY_EINVAL;
	}
	/* dual mode with one side given: the other side's link is the same */
	s1 = s1 ? s1 : enb ? enb : sgw;
	r->s1_dlt = s1->rd.dlt;
	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++)
		r->pl.l2[p] = s1->rd.l2;
	r->pl.l2[TOF_PORT_APPS] = PKT_L2_ETH;
	r->has_out[TOF_PORT_ENB] = r->has_out[TOF_PORT_SGW] = r->dual;
	r->has_out[TOF_PORT_S1] = !r->dual;
	r->has_out[TOF_PORT_APPS] = true;
	return TOF_REPLAY_OK;
}

/* Every output capture of the mode, even those that will stay empty. Each
 * keeps its side's link type; nanosecond timestamps if any input has them. */
static int open_outputs(struct tof_replay *r, char *err, size_t errlen)
{
	uint32_t snaplen = TOF_PCAP_SNAPLEN;
	char path[PATH_MAX];
	bool nano = false;

	for (unsigned int i = 0; i < r->m.n_in; i++) {
		nano |= r->m.in[i].rd.nano;
		if (r->m.in[i].rd.snaplen > snaplen)
			snaplen = r->m.in[i].rd.snaplen;
	}
	if (make_dir(r->o->out_dir, err, errlen) < 0)
		return TOF_REPLAY_EIO;
	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++) {
		char name[16];
		int dlt = p == TOF_PORT_APPS ? DLT_EN10MB : r->s1_dlt;

		if (!r->has_out[p])
			continue;
		snprintf(name, sizeof(name), "%s.pcap", tof_replay_port_key(p));
		if (out_path(path, sizeof(path), r->o->out_dir, name, err, errlen) < 0 ||
		    tof_pcap_writer_open(&r->out[p], path, dlt, snaplen, nano, err, errlen) < 0)
			return TOF_REPLAY_EIO;
	}
	return TOF_REPLAY_OK;
}

/* Punt callback: the frame is about to be rewritten, so copy it now. */
static bool punt_enqueue(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
			 enum tof_reason why, uint64_t now_ns)
{
	struct tof_replay_punt_queue *q = ctx;
	struct tof_replay_punt *e;

	if (q->n == q->cap) {
		unsigned int cap = q->cap ? q->cap * 2 : 4;
		struct tof_replay_punt *ent = realloc(q->ent, cap * sizeof(*ent));

		if (!ent) {
			q->lost++;
			return false;
		}
		memset(ent + q->cap, 0, (cap - q->cap) * sizeof(*ent));
		q->ent = ent;
		q->cap = cap;
	}
	e = &q->ent[q->n];
	if (e->cap < len) {
		uint8_t *data = realloc(e->data, len);

		if (!data) {
			q->lost++;
			return false;
		}
		e->data = data;
		e->cap = len;
	}
	if (len)
		memcpy(e->data, frame, len);
	e->len = len;
	e->in = in;
	e->why = why;
	e->now_ns = now_ns;
	q->n++;
	return true;
}

static void punt_drain(struct tof_replay *r)
{
	struct tof_replay_punt_queue *q = &r->punts;

	for (unsigned int i = 0; i < q->n; i++) {
		struct tof_replay_punt *e = &q->ent[i];

		tof_agent_punt(&r->a, e->data, e->len, e->in, e->why, e->now_ns);
	}
	q->n = 0;
}

static void punt_queue_free(struct tof_replay_punt_queue *q)
{
	for (unsigned int i = 0; i < q->cap; i++)
		free(q->ent[i].data);
	free(q->ent);
	memset(q, 0, sizeof(*q));
}

static void write_frame(struct tof_replay *r, enum tof_port p, const uint8_t *data,
			uint32_t len, uint32_t wirelen, uint64_t ts_ns)
{
	if ((unsigned int)p >= TOF_PORT__COUNT || !r->has_out[p]) {
		r->unroutable++;
		return;
	}
	tof_pcap_writer_write(&r->out[p], data, len, wirelen, ts_ns);
}

/* Emit callback: frames the agent originates (pinger probes). */
static void agent_emit(void *ctx, enum tof_port port, const uint8_t *frame, size_t len,
		       uint64_t when_ns)
{
	struct tof_replay *r = ctx;

	if (len > UINT32_MAX) {
		r->unroutable++;
		return;
	}
	write_frame(r, port, frame, (uint32_t)len, (uint32_t)len, when_ns);
	if ((unsigned int)port < TOF_PORT__COUNT && r->has_out[port])
		r->emitted[port]++;
}

/* Fire every timer due by now, each at its own due time (but never before
 * what the replay has already reached). */
static void run_timers(struct tof_replay *r, uint64_t now)
{
	unsigned int stuck = 0;

	for (;;) {
		uint64_t due = tof_agent_next_deadline(&r->a);
		uint64_t at;

		if (due > now)
			break;
		at = due > r->clock_ns ? due : r->clock_ns;
		tof_agent_tick(&r->a, at);
		r->clock_ns = at;
		if (tof_agent_next_deadline(&r->a) > at) {
			stuck = 0;
		} else if (++stuck >= TOF_REPLAY_MAX_STUCK_TICKS) {
			r->stuck_ticks++;
			break;
		}
	}
}

static int frame_reserve(struct tof_replay *r, size_t caplen)
{
	size_t need = TOF_REPLAY_HEADROOM + caplen;
	uint8_t *buf;

	if (need <= r->buf_cap)
		return 0;
	if (need < TOF_REPLAY_HEADROOM + 65536)
		need = TOF_REPLAY_HEADROOM + 65536;
	buf = realloc(r->buf, need);
	if (!buf)
		return -1;
	r->buf = buf;
	r->buf_cap = need;
	return 0;
}

/* A frame arrives: the replay's clock and counts; the time the pipeline
 * sees it at. */
static uint64_t frame_arrives(struct tof_replay *r, uint64_t ts_ns)
{
	uint64_t now = ts_ns > r->clock_ns ? ts_ns : r->clock_ns;

	if (r->frames_in == 0) {
		r->first_ns = ts_ns;
		r->clock_ns = ts_ns;
		now = ts_ns;
	}
	r->frames_in++;
	if (ts_ns > r->last_ns)
		r->last_ns = ts_ns;
	return now;
}

/* Out by the verdict, at the frame's own capture time. */
static void frame_leaves(struct tof_replay *r, const struct tof_frame *f,
			 const struct tof_result *res, uint32_t lost_tail, uint64_t ts_ns)
{
	switch (res->verdict) {
	case TOF_V_PASS:
	case TOF_V_ENCAP:
		write_frame(r, res->out_port, f->buf + f->off, f->len, f->len + lost_tail, ts_ns);
		break;
	case TOF_V_OFFLOAD:
		write_frame(r, TOF_PORT_APPS, f->buf + f->off, f->len, f->len + lost_tail, ts_ns);
		break;
	case TOF_V_REPLY: /* our answer, back where the frame came from */
		write_frame(r, res->out_port, f->buf + f->off, f->len, f->len, ts_ns);
		break;
	default: /* CONSUME, DROP */
		break;
	}
}

static int process_frame(struct tof_replay *r, const struct tof_pcap_pkt *pkt, char *err,
			 size_t errlen)
{
	struct tof_frame f;
	struct tof_result res;
	uint32_t lost_tail = pkt->wirelen > pkt->caplen ? pkt->wirelen - pkt->caplen : 0;
	uint64_t now = frame_arrives(r, pkt->ts_ns);

	run_timers(r, now);
	r->clock_ns = now;

	if (frame_reserve(r, pkt->caplen) < 0) {
		snprintf(err, errlen, "out of memory for a frame of %u octets", pkt->caplen);
		return -1;
	}
	memcpy(r->buf + TOF_REPLAY_HEADROOM, pkt->data, pkt->caplen);
	f.buf = r->buf;
	f.off = TOF_REPLAY_HEADROOM;
	f.len = pkt->caplen;
	f.cap = (uint32_t)r->buf_cap;

	memset(&res, 0, sizeof(res));
	tof_pipeline_process(&r->pl, &r->w, &f, pkt->port, now, &res);
	frame_leaves(r, &f, &res, lost_tail, pkt->ts_ns);
	punt_drain(r);
	return 0;
}

/* --burst: the held frames through the burst pipeline together, as one
 * receive burst of the data plane: at the last one's time, the agent
 * hearing of them afterwards. */
static void run_held(struct tof_replay *r)
{
	struct tof_frame f[TOF_BURST_MAX];
	struct tof_result res[TOF_BURST_MAX];
	uint64_t now = 0;
	unsigned int n = r->n_held;

	if (n == 0)
		return;
	for (unsigned int i = 0; i < n; i++)
		now = frame_arrives(r, r->held[i].ts_ns);
	run_timers(r, now);
	r->clock_ns = now;
	for (unsigned int i = 0; i < n; i++)
		f[i] = (struct tof_frame){.buf = r->held[i].buf, .off = TOF_REPLAY_HEADROOM,
					  .len = r->held[i].caplen, .cap = (uint32_t)r->held[i].cap};
	tof_pipeline_process_burst(&r->pl, &r->w, f, (uint16_t)n, r->held_port, now, res);
	for (unsigned int i = 0; i < n; i++) {
		const struct tof_replay_held *h = &r->held[i];
		frame_leaves(r, &f[i], &res[i], h->wirelen > h->caplen ? h->wirelen - h->caplen : 0,
			     h->ts_ns);
	}
	r->n_held = 0;
	punt_drain(r);
}

/* A receive burst holds what arrived together: frames of one port within a
 * millisecond of the first. */
#define TOF_REPLAY_BURST_NS 1000000ULL

static int hold_frame(struct tof_replay *r, const struct tof_pcap_pkt *pkt, char *err,
		      size_t errlen)
{
	if (r->n_held > 0 && (r->held_port != pkt->port || r->n_held == r->o->burst ||
			      pkt->ts_ns > r->held[0].ts_ns + TOF_REPLAY_BURST_NS))
		run_held(r);
	struct tof_replay_held *h = &r->held[r->n_held];
	size_t need = TOF_REPLAY_HEADROOM + pkt->caplen;
	if (h->cap < need) {
		uint8_t *b = realloc(h->buf, need);
		if (b == NULL) {
			snprintf(err, errlen, "out of memory for a frame of %u octets", pkt->caplen);
			return -1;
		}
		h->buf = b;
		h->cap = need;
	}
	memcpy(h->buf + TOF_REPLAY_HEADROOM, pkt->data, pkt->caplen);
	h->caplen = pkt->caplen;
	h->wirelen = pkt->wirelen;
	h->ts_ns = pkt->ts_ns;
	r->held_port = pkt->port;
	r->n_held++;
	return 0;
}

static int run_loop(struct tof_replay *r, char *err, size_t errlen)
{
	struct tof_pcap_pkt pkt;
	int rc;

	while ((rc = tof_pcap_merger_next(&r->m, &pkt, err, errlen)) == 1) {
		if ((r->o->burst > 1 ? hold_frame(r, &pkt, err, errlen) :
				       process_frame(r, &pkt, err, errlen)) < 0)
			return TOF_REPLAY_EIO;
	}
	run_held(r);
	return rc < 0 ? TOF_REPLAY_EIO : TOF_REPLAY_OK;
}

/* Tables, worker and agent, as the live appliance sets them up. */
static int setup_core(struct tof_replay *r, char *err, size_t errlen)
{
	const struct tof_config *cfg = r->cfg;

	r->t = tof_tables_create(cfg->max_sessions, cfg->max_services);
	if (!r->t) {
		snprintf(err, errlen, "cannot allocate tables for %u sessions and %u services",
			 cfg->max_sessions, cfg->max_services);
		return TOF_REPLAY_EIO;
	}
	/* Random like the live appliance's unless the config pins it; the
	 * outputs never depend on it. */
	tof_tables_seed(r->t, tof_config_hash_seed(cfg));
	tof_tables_set_ttl(r->t, cfg->encap_ttl);
	r->pl.cfg = cfg;
	r->pl.tables = r->t;
	r->pl.pinger = cfg->pinger;
	if (tof_worker_init(&r->w, r->t->max_services, punt_enqueue, &r->punts) < 0) {
		snprintf(err, errlen, "cannot set up the worker");
		return TOF_REPLAY_EIO;
	}
	r->worker_ok = true;
	if (tof_agent_init(&r->a, cfg, &r->pl, agent_emit, r) < 0) {
		snprintf(err, errlen, "cannot set up the agent");
		return TOF_REPLAY_EIO;
	}
	r->agent_ok = true;
	if (tof_agent_load_services(&r->a, err, errlen) < 0)
		return TOF_REPLAY_EINVAL;
	return TOF_REPLAY_OK;
}

/* Close the captures and write the reports. */
static int finish(struct tof_replay *r, char *err, size_t errlen)
{
	char path[PATH_MAX];
	int rc = TOF_REPLAY_OK;

	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++) {
		if (!r->has_out[p])
			continue;
		r->tx_frames[p] = r->out[p].frames;
		r->tx_bytes[p] = r->out[p].bytes;
		if (tof_pcap_writer_close(&r->out[p], err, errlen) < 0)
			rc = TOF_REPLAY_EIO;
	}
	if (rc != TOF_REPLAY_OK)
		return rc;
	if (out_path(path, sizeof(path), r->o->out_dir, "tunnels.json", err, errlen) < 0 ||
	    tof_replay_write_tunnels(r, path, err, errlen) < 0)
		return TOF_REPLAY_EIO;
	if (out_path(path, sizeof(path), r->o->out_dir, "stats.json", err, errlen) < 0 ||
	    tof_replay_write_stats(r, path, err, errlen) < 0)
		return TOF_REPLAY_EIO;
	return TOF_REPLAY_OK;
}

static void cleanup(struct tof_replay *r)
{
	char ignore[8];

	for (enum tof_port p = 0; p < TOF_PORT__COUNT; p++)
		tof_pcap_writer_close(&r->out[p], ignore, sizeof(ignore));
	tof_pcap_merger_close(&r->m);
	if (r->agent_ok)
		tof_agent_fini(&r->a);
	if (r->worker_ok)
		tof_worker_fini(&r->w);
	if (r->t)
		tof_tables_destroy(r->t);
	punt_queue_free(&r->punts);
	free(r->buf);
	for (unsigned int i = 0; i < TOF_BURST_MAX; i++)
		free(r->held[i].buf);
}

int tof_replay_run(const struct tof_replay_opts *o)
{
	struct tof_replay *r;
	char scratch[8];
	char *err = o->err ? o->err : scratch;
	size_t errlen = o->err ? o->errlen : sizeof(scratch);
	int rc;

	rc = tof_replay_check_opts(o, err, errlen);
	if (rc != TOF_REPLAY_OK)
		return rc;
	/* big (a merger holds its readers inline), so on the heap */
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(err, errlen, "out of memory");
		return TOF_REPLAY_EIO;
	}
	r->o = o;
	r->cfg = o->cfg;
	r->dual = o->cfg->mode == TOF_MODE_DUAL;
	tof_pcap_merger_init(&r->m);

	rc = open_inputs(r, err, errlen);
	if (rc == TOF_REPLAY_OK)
		rc = choose_link_types(r, err, errlen);
	if (rc == TOF_REPLAY_OK)
		rc = setup_core(r, err, errlen);
	if (rc == TOF_REPLAY_OK)
		rc = open_outputs(r, err, errlen);
	if (rc == TOF_REPLAY_OK)
		rc = run_loop(r, err, errlen);
	if (rc == TOF_REPLAY_OK)
		rc = finish(r, err, errlen);
	if (rc == TOF_REPLAY_OK && o->summary)
		tof_replay_print_summary(r, o->summary);
	cleanup(r);
	free(r);
	return rc;
}
