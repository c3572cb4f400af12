/* Frame classification: the fast path for the common shape agrees with the
 * general parsers on every frame, valid or mangled. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tframe.h"
#include "tof_classify.h"

static void check_same(const uint8_t *f, uint32_t len)
{
	struct tof_s1_pkt a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	enum tof_class ca = tof_classify_s1(f, len, PKT_L2_ETH, &a);
	enum tof_class cb = tof_classify_s1_general(f, len, PKT_L2_ETH, &b);
	assert_int_equal(ca, cb);
	assert_int_equal(a.reason, b.reason);
	assert_int_equal(a.gtp_err, b.gtp_err);
	if (ca == TOF_C_GPDU)
		assert_memory_equal(&a, &b, sizeof(a));
}

static void build(struct tframe *tf, const char *outer, const char *inner, bool qfi, size_t pl)
{
	struct tframe_spec s;

	tframe_default(&s);
	s.outer_src = outer;
	s.outer_dst = strchr(outer, ':') ? "2001:db8:ffff::2" : "198.18.0.2";
	s.teid = 0x12345678;
	s.inner_src = inner;
	s.inner_dst = strchr(inner, ':') ? "2001:db8:5::100" : "203.0.113.100";
	s.with_qfi = qfi;
	s.pdu_type = 1;
	s.qfi = 7;
	s.payload_len = pl;
	tframe_build(tf, &s);
}

static void test_fast_path_matches_general(void **state)
{
	(void)state;
	static const char *const outers[] = {"198.18.0.1", "2001:db8:ffff::1"};
	static const char *const inners[] = {"198.19.0.5", "2001:db8:1::5"};
	struct tframe tf;

	for (int o = 0; o < 2; o++)
		for (int i = 0; i < 2; i++)
			for (int q = 0; q < 2; q++)
				for (size_t pl = 0; pl < 80; pl += 7) {
					build(&tf, outers[o], inners[i], q, pl);
					const uint8_t *f = tf.buf + tf.f.off;
					check_same(f, tf.f.len);
					/* every truncation */
					for (uint32_t cut = 0; cut < tf.f.len; cut += 3)
						check_same(f, cut);
				}
}

static void test_fast_path_mutations(void **state)
{
	(void)state;
	struct tframe tf;
	uint8_t m[512];

	build(&tf, "198.18.0.1", "198.19.0.5", false, 40);
	srand(11);
	for (int round = 0; round < 200000; round++) {
		memcpy(m, tf.buf + tf.f.off, tf.f.len);
		int flips = 1 + rand() % 3;
		for (int k = 0; k < flips; k++) {
			/* Most of the mangling where the fast path looks. */
			uint32_t at = (uint32_t)(rand() % 70);
			m[at] = (uint8_t)rand();
		}
		check_same(m, tf.f.len - (uint32_t)(rand() % 4 == 0 ? rand() % 20 : 0));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_path_matches_general),
		cmocka_unit_test(test_fast_path_mutations),
	};
	return cmocka_run_group_tests_name("classify", tests, NULL, NULL);
}
