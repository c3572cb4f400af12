/* In-memory appliance fixture for unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "tfix.h"

static void tfix_record(struct tfix_rec *rec, int *n, enum tof_port port, enum tof_reason why,
			const uint8_t *frame, size_t len, uint64_t when_ns)
{
	if (*n < TFIX_MAX_REC && len <= sizeof(rec->frame)) {
		struct tfix_rec *r = &rec[*n];
		r->port = port;
		r->why = why;
		r->when_ns = when_ns;
		r->len = len;
		memcpy(r->frame, frame, len);
	}
	(*n)++;
}

static bool tfix_punt(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
		      enum tof_reason why, uint64_t now_ns)
{
	struct tfix *x = ctx;
	if (x->refuse_punts)
		return false;
	tfix_record(x->punts, &x->n_punts, in, why, frame, len, now_ns);
	if (x->n_pending < 4)
		tfix_record(x->pending, &x->n_pending, in, why, frame, len, now_ns);
	return true;
}

static void tfix_emit(void *ctx, enum tof_port port, const uint8_t *frame, size_t len,
		      uint64_t when_ns)
{
	struct tfix *x = ctx;
	if (port == TOF_PORT_APPS)
		tfix_record(x->emitted_apps, &x->n_emitted_apps, port, TOF_R__COUNT, frame, len,
			    when_ns);
	else
		tfix_record(x->emitted, &x->n_emitted, port, TOF_R__COUNT, frame, len, when_ns);
}

struct tfix *tfix_new(const char *json, uint32_t max_sessions)
{
	struct tfix *x = calloc(1, sizeof(*x));
	char err[256];

	if (x == NULL)
		return NULL;
	if (tof_config_load_string(json, &x->cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		free(x);
		return NULL;
	}
	x->t = tof_tables_create(max_sessions, 16);
	x->pl.cfg = &x->cfg;
	x->pl.tables = x->t;
	x->pl.pinger = x->cfg.pinger;
	for (int i = 0; i < TOF_PORT__COUNT; i++)
		x->pl.l2[i] = PKT_L2_ETH;
	tof_worker_init(&x->w, 16, tfix_punt, x);
	tof_agent_init(&x->a, &x->cfg, &x->pl, tfix_emit, x);
	if (tof_agent_load_services(&x->a, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		tfix_free(x);
		return NULL;
	}
	return x;
}

void tfix_free(struct tfix *x)
{
	if (x == NULL)
		return;
	tof_agent_fini(&x->a);
	tof_worker_fini(&x->w);
	tof_tables_destroy(x->t);
	tof_config_free(&x->cfg);
	free(x);
}

void tfix_tick(struct tfix *x, uint64_t now_ns)
{
	uint64_t d;

	while ((d = tof_agent_next_deadline(&x->a)) <= now_ns)
		tof_agent_tick(&x->a, d);
}

void tfix_run(struct tfix *x, struct tframe *tf, enum tof_port in, uint64_t now_ns,
	      struct tof_result *r)
{
	x->n_pending = 0;
	if (x->agent_learns)
		tfix_tick(x, now_ns);
	tof_pipeline_process(&x->pl, &x->w, &tf->f, in, now_ns, r);
	if (!x->agent_learns)
		return;
	for (int i = 0; i < x->n_pending; i++)
		tof_agent_punt(&x->a, x->pending[i].frame, x->pending[i].len, x->pending[i].port,
			       x->pending[i].why, now_ns);
}
