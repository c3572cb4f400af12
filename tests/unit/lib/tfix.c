/* In-memory appliance fixture for unit tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "csum.h"
#include "gtp.h"
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
	tof_tables_set_ttl(x->t, x->cfg.encap_ttl);
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

/* Turn a probe (as emitted: Ethernet + outer IPv4 + UDP + GTP + ICMP) into
 * the SGW's downlink answer with downlink TEID teid. */
void tfix_answer_probe(const struct tfix_rec *probe, uint32_t teid, struct tframe *tf)
{
	struct pkt_ip outer;
	struct pkt_udp udp;
	struct gtp_hdr g;
	const uint8_t *f = probe->frame;

	if (pkt_parse_ip(f + 14, probe->len - 14, &outer) != PKT_OK ||
	    pkt_parse_udp(f + 14, &outer, &udp) != PKT_OK ||
	    gtp_parse(f + 14 + udp.payload_off, udp.payload_len, &g) != GTP_OK)
		abort();
	size_t n = udp.payload_len - g.hdr_len;
	uint8_t ip[512];
	memcpy(ip, f + 14 + udp.payload_off + g.hdr_len, n);
	uint8_t tmp[4];
	memcpy(tmp, ip + 12, 4), memcpy(ip + 12, ip + 16, 4), memcpy(ip + 16, tmp, 4);
	ip[20] = 0, ip[22] = 0, ip[23] = 0;
	uint16_t c = csum_fold(csum_partial(ip + 20, n - 20, 0));
	memcpy(ip + 22, &c, 2);
	struct gtp_encap e = {.src = outer.dst, .dst = outer.src, .sport = 2152, .dport = 2152,
			      .ttl = 64, .gtp = {.msg_type = GTP_MSG_GPDU, .teid = teid}};
	size_t hl = gtp_encap_len(&e);
	tf->f.buf = tf->buf, tf->f.off = 256, tf->f.cap = sizeof(tf->buf);
	memcpy(tf->buf + 256 + 14 + hl, ip, n);
	gtp_encap_write(tf->buf + 256 + 14, &e, n);
	pkt_build_eth(tf->buf + 256, f + 6, f, PKT_ETHERTYPE_IPV4);
	tf->f.len = (uint32_t)(14 + hl + n);
}


void tfix_error_ind(struct tfix *x, const char *src, const char *dst, uint32_t teid,
		    const char *gsn, enum tof_port in, uint64_t now_ns)
{
	struct tframe tf;
	struct tof_result r;
	uint8_t msg[64];
	struct gtp_addr a = tframe_addr(src), b = tframe_addr(dst), g = tframe_addr(gsn);
	size_t n = gtp_build_error_ind(msg, sizeof(msg), teid, &g, 3);
	uint8_t *p = tf.buf + 256;
	static const uint8_t m1[6] = {2, 0, 0, 0, 0, 1}, m2[6] = {2, 0, 0, 0, 0, 2};

	memcpy(p + 42, msg, n);
	pkt_build_udp(p + 34, &a, &b, 2152, 2152, (uint16_t)n, true);
	pkt_build_ipv4(p + 14, &a, &b, PKT_PROTO_UDP, 64, 1, (uint16_t)(n + 8));
	pkt_build_eth(p, m2, m1, PKT_ETHERTYPE_IPV4);
	tf.f.buf = tf.buf, tf.f.off = 256, tf.f.len = (uint32_t)(42 + n), tf.f.cap = sizeof(tf.buf);
	tfix_run(x, &tf, in, now_ns, &r);
	if (r.verdict != TOF_V_PASS) /* path messages always go on */
		abort();
}
