/* test_addr.c - address parsing and formatting. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <sys/socket.h>

#include "addr.h"

static void
parse_v4_with_prefix(void **state)
{
	struct addr	a;
	char		err[128], buf[ADDR_STRLEN];

	assert_int_equal(addr_parse("10.1.2.3/24", true, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(a.af, AF_INET);
	assert_int_equal(a.prefix, 24);
	assert_string_equal(addr_fmt(&a, true, buf, sizeof(buf)),
	    "10.1.2.3/24");
	assert_string_equal(addr_fmt(&a, false, buf, sizeof(buf)), "10.1.2.3");
}

static void
parse_v6_defaults_host_prefix(void **state)
{
	struct addr	a;
	char		err[128], buf[ADDR_STRLEN];

	assert_int_equal(addr_parse("2001:DB8::1", true, &a, err,
	    sizeof(err)), 0);
	assert_int_equal(a.af, AF_INET6);
	assert_int_equal(a.prefix, 128);
	assert_string_equal(addr_fmt(&a, true, buf, sizeof(buf)),
	    "2001:db8::1/128");
}

static void
parse_rejects(void **state)
{
	struct addr	a;
	char		err[128];

	assert_int_equal(addr_parse("10.0.0.1/33", true, &a, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "prefix length"));
	assert_int_equal(addr_parse("10.0.0.1/24", false, &a, err,
	    sizeof(err)), -1);
	assert_non_null(strstr(err, "must not have a prefix"));
	assert_int_equal(addr_parse("10.0.0", true, &a, err, sizeof(err)), -1);
	assert_int_equal(addr_parse("fe80::1/129", true, &a, err,
	    sizeof(err)), -1);
	assert_int_equal(addr_parse("10.0.0.1/", true, &a, err, sizeof(err)),
	    -1);
	assert_int_equal(addr_parse("10.0.0.1/2x", true, &a, err,
	    sizeof(err)), -1);
}

static void
compare_and_classify(void **state)
{
	struct addr	a, b, c;
	char		err[128];

	addr_parse("10.0.0.1/8", true, &a, err, sizeof(err));
	addr_parse("10.0.0.1/32", true, &b, err, sizeof(err));
	addr_parse("10.0.0.2", true, &c, err, sizeof(err));
	assert_int_equal(addr_cmp(&a, &b), 0);	/* prefix ignored */
	assert_true(addr_cmp(&a, &c) < 0);
	addr_parse("224.0.0.18", false, &a, err, sizeof(err));
	assert_true(addr_is_unusable_host(&a));
	addr_parse("::", false, &a, err, sizeof(err));
	assert_true(addr_is_unusable_host(&a));
	addr_parse("fe80::1", false, &a, err, sizeof(err));
	assert_true(addr_is_v6_linklocal(&a));
	assert_false(addr_is_unusable_host(&a));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_v4_with_prefix),
		cmocka_unit_test(parse_v6_defaults_host_prefix),
		cmocka_unit_test(parse_rejects),
		cmocka_unit_test(compare_and_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
