/* gtp/gtp_addr: text conversion, prefix match, unicast test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "gtp_addr.h"
#include "gtp_testutil.h"

static void test_addr_text(void **state)
{
	static const char *good[] = { "198.18.0.1", "0.0.0.0", "255.255.255.255", "2001:db8::1",
				      "::", "::1", "fe80::1:2:3:4", "::ffff:198.51.100.1",
				      "2001:db8:0:1:2:3:4:5" };
	static const char *bad[] = { "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "10.1", "1.2.3.4/24",
				     "2001:db8:::1", "2001:db8::g", "hello", " 1.2.3.4", "1.2.3.4 " };
	char buf[GTP_ADDR_STRLEN];
	struct gtp_addr a, b;
	(void)state;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(gtp_addr_parse(good[i], &a), 0);
		gtp_addr_format(&a, buf, sizeof(buf));
		assert_int_equal(gtp_addr_parse(buf, &b), 0);
		assert_true(gtp_addr_eq(&a, &b));
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (gtp_addr_parse(bad[i], &a) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(gtp_addr_parse(NULL, &a), -1);

	assert_int_equal(gtp_addr_parse("198.18.0.1", &a), 0);
	assert_int_equal(a.family, GTP_AF_INET);
	assert_int_equal(gtp_addr_len(&a), 4);
	assert_string_equal(gtp_addr_format(&a, buf, sizeof(buf)), "198.18.0.1");
	/* IPv4 bytes beyond 4 are zero, so addresses compare with memcmp */
	b = addr4(198, 18, 0, 1);
	assert_true(gtp_addr_eq(&a, &b));
	assert_int_equal(gtp_addr_parse("2001:DB8:0::0:1", &a), 0);
	assert_int_equal(a.family, GTP_AF_INET6);
	assert_string_equal(gtp_addr_format(&a, buf, sizeof(buf)), "2001:db8::1");
	/* the longest text fits GTP_ADDR_STRLEN */
	assert_int_equal(gtp_addr_parse("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", &a), 0);
	assert_non_null(gtp_addr_format(&a, buf, sizeof(buf)));
	assert_true(strlen(buf) > 0);
	/* too small a buffer: an empty string, never an overflow */
	char tiny[4];
	assert_string_equal(gtp_addr_format(&a, tiny, sizeof(tiny)), "");
	memset(&a, 0, sizeof(a));
	assert_string_equal(gtp_addr_format(&a, buf, sizeof(buf)), "-");
}

static void test_addr_prefix(void **state)
{
	struct gtp_addr a = addr_text("198.19.42.7"), p16 = addr_text("198.19.0.0");
	struct gtp_addr v6 = addr_text("2001:db8:abcd:1234::5"), p6 = addr_text("2001:db8:ab00::");
	(void)state;

	assert_true(gtp_addr_in_prefix(&a, &p16, 16));
	assert_true(gtp_addr_in_prefix(&a, &p16, 0));
	assert_true(gtp_addr_in_prefix(&a, &p16, 18));  /* 42 = 0b00101010 */
	assert_false(gtp_addr_in_prefix(&a, &p16, 19));
	assert_false(gtp_addr_in_prefix(&a, &p16, 24));
	assert_true(gtp_addr_in_prefix(&a, &a, 32));
	assert_false(gtp_addr_in_prefix(&a, &a, 33));
	assert_false(gtp_addr_in_prefix(&a, &p6, 0)); /* family differs */
	assert_true(gtp_addr_in_prefix(&v6, &p6, 40));
	assert_false(gtp_addr_in_prefix(&v6, &p6, 41)); /* cd vs 00 */
	assert_true(gtp_addr_in_prefix(&v6, &p6, 32));
	assert_true(gtp_addr_in_prefix(&v6, &v6, 128));
	assert_false(gtp_addr_in_prefix(&v6, &v6, 129));
	struct gtp_addr none;
	memset(&none, 0, sizeof(none));
	assert_false(gtp_addr_in_prefix(&none, &none, 0));
}

static void test_addr_unicast(void **state)
{
	static const char *yes[] = { "198.18.0.1", "1.1.1.1", "223.255.255.254", "2001:db8::1",
				     "fe80::1", "::2", "::ffff:1.2.3.4" };
	static const char *no[] = { "0.0.0.0", "0.1.2.3", "127.0.0.1", "224.0.0.1",
				    "239.255.255.255", "240.0.0.1", "255.255.255.255", "::",
				    "::1", "ff02::1" };
	struct gtp_addr a;
	(void)state;

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		a = addr_text(yes[i]);
		if (!gtp_addr_is_unicast(&a))
			fail_msg("%s should be unicast", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		a = addr_text(no[i]);
		if (gtp_addr_is_unicast(&a))
			fail_msg("%s should not be unicast", no[i]);
	}
	memset(&a, 0, sizeof(a));
	assert_false(gtp_addr_is_unicast(&a));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_text),
		cmocka_unit_test(test_addr_prefix),
		cmocka_unit_test(test_addr_unicast),
	};

	return cmocka_run_group_tests_name("gtp_addr", tests, NULL, NULL);
}
