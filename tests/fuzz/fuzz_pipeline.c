/* libFuzzer target: any bytes, as a frame arriving on any port, through the
 * pipeline and (for what it punts) the agent, with services and sessions in
 * place so every path is reachable. Nothing may crash, read out of bounds,
 * leak, or grow a frame beyond its buffer. The first input byte picks the
 * port and the link type. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "config.h"
#include "tof_pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_ctx {
	struct tof_config cfg;
	struct tof_tables *t;
	struct tof_pipeline pl;
	struct tof_worker w;
	struct tof_agent a;
	uint8_t punted[4096];
	size_t punted_len;
	enum tof_port punted_port;
	enum tof_reason punted_why;
	int have_punt;
	uint64_t now;
};

static struct fuzz_ctx *fx;

static void fuzz_punt(void *ctx, const uint8_t *frame, size_t len, enum tof_port in,
		      enum tof_reason why, uint64_t now_ns)
{
	struct fuzz_ctx *c = ctx;
	(void)now_ns;
	if (len > sizeof(c->punted))
		abort();
	memcpy(c->punted, frame, len);
	c->punted_len = len;
	c->punted_port = in;
	c->punted_why = why;
	c->have_punt = 1;
}

static void fuzz_emit(void *ctx, enum tof_port port, const uint8_t *frame, size_t len,
		      uint64_t when_ns)
{
	(void)ctx, (void)port, (void)when_ns;
	volatile uint8_t sink = 0;
	for (size_t i = 0; i < len; i++)
		sink ^= frame[i]; /* every emitted octet must be readable */
	(void)sink;
}

static void fuzz_init(void)
{
	char err[256];
	const char *json =
		"{\"mode\": \"single\", \"enb\": [\"198.18.0.0/25\", \"2001:db8:ffff::/64\"],"
		" \"sgw\": [\"198.18.0.128/25\", \"2001:db8:fffe::/64\"],"
		" \"services\": [{\"name\": \"a\", \"serviceIP\": \"203.0.113.100\", \"applicationIP\": \"198.51.100.10\"},"
		"  {\"name\": \"b\", \"serviceIP\": \"2001:db8:5::100\", \"applicationIP\": \"2001:db8:6::10\"}],"
		" \"idle_timeout_s\": 1, \"purge_interval_ms\": 100,"
		" \"pinger\": {\"target\": \"203.0.113.1\", \"target6\": \"2001:db8:ffff::1\", \"interval_ms\": 10}}";

	fx = calloc(1, sizeof(*fx));
	if (tof_config_load_string(json, &fx->cfg, err, sizeof(err)) != 0)
		abort();
	fx->t = tof_tables_create(4096, 16);
	fx->pl.cfg = &fx->cfg;
	fx->pl.tables = fx->t;
	fx->pl.pinger = fx->cfg.pinger;
	tof_worker_init(&fx->w, 16, fuzz_punt, fx);
	tof_agent_init(&fx->a, &fx->cfg, &fx->pl, fuzz_emit, fx);
	if (tof_agent_load_services(&fx->a, err, sizeof(err)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[256 + 4096 + 64];
	static const enum pkt_l2_type l2s[4] = {PKT_L2_ETH, PKT_L2_RAW, PKT_L2_SLL, PKT_L2_SLL2};

	if (fx == NULL)
		fuzz_init();
	if (size < 1 || size > 4096)
		return 0;
	enum tof_port in = (data[0] & 1) ? TOF_PORT_APPS : TOF_PORT_S1;
	for (int p = 0; p < TOF_PORT__COUNT; p++)
		fx->pl.l2[p] = p == TOF_PORT_APPS ? PKT_L2_ETH : l2s[(data[0] >> 1) & 3];
	struct tof_frame f = {.buf = buf, .off = 256, .len = (uint32_t)(size - 1), .cap = sizeof(buf)};
	memcpy(buf + 256, data + 1, size - 1);
	struct tof_result r;
	fx->have_punt = 0;
	fx->now += 3000000; /* 3 ms a frame: timers and the purge fire too */
	tof_pipeline_process(&fx->pl, &fx->w, &f, in, fx->now, &r);
	if (f.off > f.cap || f.len > f.cap - f.off)
		abort();
	volatile uint8_t sink = 0;
	for (uint32_t i = 0; i < f.len; i++)
		sink ^= buf[f.off + i];
	(void)sink;
	if (fx->have_punt)
		tof_agent_punt(&fx->a, fx->punted, fx->punted_len, fx->punted_port, fx->punted_why,
			       fx->now);
	while (tof_agent_next_deadline(&fx->a) <= fx->now)
		tof_agent_tick(&fx->a, tof_agent_next_deadline(&fx->a));
	return 0;
}
