/* The pinger's per-UE probe state machine: timing with backoff and cap,
 * giving up, stopping, restarting, counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pinger.h"

#define MS 1000000ULL

static void test_probe_sequence(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p;
	struct pinger_counters c;
	uint64_t t0 = 10000 * MS;
	/* interval 1000, x2 each time, capped at 5000 */
	static const uint64_t at_ms[] = { 0, 1000, 3000, 7000, 12000, 17000 };
	static const uint32_t wait_after[] = { 2000, 4000, 5000, 5000, 5000, 5000 };

	(void)state;
	pinger_config_default(&cfg);
	cfg.max_interval_ms = 5000;
	cfg.tries = 6;
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	assert_int_equal(p.state, PINGER_IDLE);
	assert_false(pinger_due(&cfg, &p, t0, &c)); /* IDLE: never due */

	pinger_start(&cfg, &p, t0, &c);
	assert_int_equal(p.state, PINGER_PROBING);
	assert_int_equal(p.sent, 0);
	assert_true(p.next_ns == t0);
	assert_int_equal(p.wait_ms, 1000);
	assert_int_equal(c.started, 1);

	for (unsigned int i = 0; i < 6; i++) {
		uint64_t t = t0 + at_ms[i] * MS;

		if (i > 0)
			assert_false(pinger_due(&cfg, &p, t - 1, &c));
		assert_true(pinger_due(&cfg, &p, t, &c));
		assert_int_equal(p.sent, i + 1);
		assert_int_equal(p.seq, i + 1);
		assert_int_equal(p.wait_ms, wait_after[i]);
		assert_int_equal(p.state, PINGER_PROBING);
		assert_int_equal(c.probes_sent, i + 1);
		/* not due twice at the same instant */
		assert_false(pinger_due(&cfg, &p, t, &c));
	}
	/* the last probe's wait (5000) must pass before giving up */
	assert_true(p.next_ns == t0 + 22000 * MS);
	assert_false(pinger_due(&cfg, &p, t0 + 22000 * MS - 1, &c));
	assert_int_equal(p.state, PINGER_PROBING);
	assert_false(pinger_due(&cfg, &p, t0 + 22000 * MS, &c));
	assert_int_equal(p.state, PINGER_GAVE_UP);
	assert_int_equal(c.gave_up, 1);
	/* hold-off hint: one longest interval from giving up */
	assert_true(p.next_ns == t0 + 27000 * MS);
	assert_false(pinger_due(&cfg, &p, t0 + 99000 * MS, &c));
	assert_int_equal(c.gave_up, 1);
	assert_int_equal(c.probes_sent, 6);
	assert_int_equal(c.replies, 0);
	assert_int_equal(c.stopped, 0);
}

static void test_probe_defaults_timing(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p;
	struct pinger_counters c;
	uint64_t t = 0;
	unsigned int n = 0;

	/* Defaults: 5 probes at 0, 1, 3, 7, 15 s; give up at 31 s. */
	(void)state;
	pinger_config_default(&cfg);
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	pinger_start(&cfg, &p, 0, &c);
	for (t = 0; t <= 40000; t += 500) {
		if (pinger_due(&cfg, &p, t * MS, &c)) {
			static const uint64_t want[] = { 0, 1000, 3000, 7000, 15000 };

			assert_true(n < 5);
			assert_true(t == want[n]);
			n++;
		}
		if (p.state == PINGER_GAVE_UP)
			break;
	}
	assert_int_equal(n, 5);
	assert_true(t == 31000);
	assert_int_equal(c.gave_up, 1);
}

static void test_probe_late_tick(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p;

	/* Called late: the next wait counts from when the probe went out. */
	(void)state;
	pinger_config_default(&cfg);
	memset(&p, 0, sizeof(p));
	pinger_start(&cfg, &p, 0, NULL);
	assert_true(pinger_due(&cfg, &p, 0, NULL));
	assert_true(pinger_due(&cfg, &p, 1500 * MS, NULL));
	assert_true(p.next_ns == 3500 * MS);
	assert_int_equal(p.seq, 2);
}

static void test_probe_cap_from_start(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p;

	(void)state;
	pinger_config_default(&cfg);
	cfg.interval_ms = 9000;
	cfg.max_interval_ms = 4000;
	cfg.backoff_pct = 100;
	memset(&p, 0, sizeof(p));
	pinger_start(&cfg, &p, 0, NULL);
	assert_int_equal(p.wait_ms, 4000);
	assert_true(pinger_due(&cfg, &p, 0, NULL));
	assert_true(p.next_ns == 4000 * MS);
	assert_int_equal(p.wait_ms, 4000);
}

static void test_probe_start_while_probing(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p, before;
	struct pinger_counters c;

	(void)state;
	pinger_config_default(&cfg);
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	pinger_start(&cfg, &p, 0, &c);
	assert_true(pinger_due(&cfg, &p, 0, &c));
	assert_true(pinger_due(&cfg, &p, 1000 * MS, &c));
	before = p;
	pinger_start(&cfg, &p, 1500 * MS, &c);
	assert_memory_equal(&p, &before, sizeof(p));
	assert_int_equal(c.started, 1);
}

static void test_probe_stop(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p;
	struct pinger_counters c;

	(void)state;
	pinger_config_default(&cfg);
	memset(&c, 0, sizeof(c));

	/* a reply while probing */
	memset(&p, 0, sizeof(p));
	pinger_start(&cfg, &p, 0, &c);
	assert_true(pinger_due(&cfg, &p, 0, &c));
	pinger_stop(&p, true, &c);
	assert_int_equal(p.state, PINGER_DONE);
	assert_int_equal(c.replies, 1);
	assert_false(pinger_due(&cfg, &p, 1000 * MS, &c));
	assert_int_equal(c.probes_sent, 1);
	/* a duplicate reply is not counted again */
	pinger_stop(&p, true, &c);
	pinger_stop(&p, false, &c);
	assert_int_equal(c.replies, 1);
	assert_int_equal(c.stopped, 0);

	/* the downlink learned from other traffic */
	memset(&p, 0, sizeof(p));
	pinger_start(&cfg, &p, 0, &c);
	pinger_stop(&p, false, &c);
	assert_int_equal(p.state, PINGER_DONE);
	assert_int_equal(c.stopped, 1);

	/* stopping a pinger that never ran: DONE, nothing counted */
	memset(&p, 0, sizeof(p));
	pinger_stop(&p, false, &c);
	assert_int_equal(p.state, PINGER_DONE);
	assert_int_equal(c.stopped, 1);
	assert_int_equal(c.started, 2);

	/* a late reply after giving up still counts */
	cfg.tries = 1;
	memset(&p, 0, sizeof(p));
	pinger_start(&cfg, &p, 0, &c);
	assert_true(pinger_due(&cfg, &p, 0, &c));
	assert_false(pinger_due(&cfg, &p, 1000 * MS, &c));
	assert_int_equal(p.state, PINGER_GAVE_UP);
	pinger_stop(&p, true, &c);
	assert_int_equal(p.state, PINGER_DONE);
	assert_int_equal(c.replies, 2);
	assert_int_equal(c.gave_up, 1);

	/* counters are optional */
	memset(&p, 0, sizeof(p));
	pinger_start(&cfg, &p, 0, NULL);
	pinger_stop(&p, true, NULL);
	assert_int_equal(p.state, PINGER_DONE);
}

static void test_probe_restart(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p;
	struct pinger_counters c;

	(void)state;
	pinger_config_default(&cfg);
	cfg.tries = 2;
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));

	/* run 1: two probes, then a reply */
	pinger_start(&cfg, &p, 0, &c);
	assert_true(pinger_due(&cfg, &p, 0, &c));
	assert_true(pinger_due(&cfg, &p, 1000 * MS, &c));
	pinger_stop(&p, true, &c);

	/* run 2 from DONE: fresh tries and wait, sequence carries on */
	pinger_start(&cfg, &p, 50000 * MS, &c);
	assert_int_equal(p.state, PINGER_PROBING);
	assert_int_equal(p.sent, 0);
	assert_int_equal(p.wait_ms, 1000);
	assert_false(pinger_due(&cfg, &p, 49999 * MS, &c));
	assert_true(pinger_due(&cfg, &p, 50000 * MS, &c));
	assert_int_equal(p.seq, 3);
	assert_true(pinger_due(&cfg, &p, 51000 * MS, &c));
	assert_int_equal(p.seq, 4);
	assert_false(pinger_due(&cfg, &p, 53000 * MS, &c));
	assert_int_equal(p.state, PINGER_GAVE_UP);

	/* run 3 from GAVE_UP */
	pinger_start(&cfg, &p, 60000 * MS, &c);
	assert_int_equal(p.state, PINGER_PROBING);
	assert_true(pinger_due(&cfg, &p, 60000 * MS, &c));
	assert_int_equal(p.sent, 1);
	assert_int_equal(p.seq, 5);

	assert_int_equal(c.started, 3);
	assert_int_equal(c.probes_sent, 5);
	assert_int_equal(c.replies, 1);
	assert_int_equal(c.gave_up, 1);
}

static void test_probe_seq_wrap(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p;

	(void)state;
	pinger_config_default(&cfg);
	memset(&p, 0, sizeof(p));
	p.seq = 0xffff;
	pinger_start(&cfg, &p, 0, NULL);
	assert_true(pinger_due(&cfg, &p, 0, NULL));
	assert_int_equal(p.seq, 1); /* 0 is skipped */
}

static void test_probe_zero_tries(void **state)
{
	struct pinger_config cfg;
	struct pinger_probe p;
	struct pinger_counters c;

	(void)state;
	pinger_config_default(&cfg);
	cfg.tries = 0;
	memset(&p, 0, sizeof(p));
	memset(&c, 0, sizeof(c));
	pinger_start(&cfg, &p, 0, &c);
	assert_false(pinger_due(&cfg, &p, 0, &c));
	assert_int_equal(p.state, PINGER_GAVE_UP);
	assert_int_equal(c.probes_sent, 0);
	assert_int_equal(c.gave_up, 1);
}

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(pinger_state_name(PINGER_IDLE), "idle");
	assert_string_equal(pinger_state_name(PINGER_PROBING), "probing");
	assert_string_equal(pinger_state_name(PINGER_DONE), "done");
	assert_string_equal(pinger_state_name(PINGER_GAVE_UP), "gave_up");
	assert_string_equal(pinger_state_name((enum pinger_state)99), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_sequence),
		cmocka_unit_test(test_probe_defaults_timing),
		cmocka_unit_test(test_probe_late_tick),
		cmocka_unit_test(test_probe_cap_from_start),
		cmocka_unit_test(test_probe_start_while_probing),
		cmocka_unit_test(test_probe_stop),
		cmocka_unit_test(test_probe_restart),
		cmocka_unit_test(test_probe_seq_wrap),
		cmocka_unit_test(test_probe_zero_tries),
		cmocka_unit_test(test_state_names),
	};

	return cmocka_run_group_tests_name("pinger_probe", tests, NULL, NULL);
}
