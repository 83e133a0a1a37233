/* test_ctl.c - control socket request parsing and the command table. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "ctl.h"

static void
parse_command_and_flags(void **state)
{
	struct ctl_req	req;
	char		line[] = "status  --json extra\r";
	char		err[64];

	assert_int_equal(ctl_parse_request(line, &req, err, sizeof(err)), 0);
	assert_int_equal(req.argc, 2);
	assert_string_equal(req.argv[0], "status");
	assert_string_equal(req.argv[1], "extra");
	assert_true(req.json);
}

static void
parse_rejects_empty_and_long(void **state)
{
	struct ctl_req	req;
	char		empty[] = "   ";
	char		many[256];
	char		err[64];
	int		i;

	assert_int_equal(ctl_parse_request(empty, &req, err, sizeof(err)), -1);
	assert_string_equal(err, "empty request");
	many[0] = '\0';
	for (i = 0; i < CTL_ARGS_MAX + 1; i++)
		strcat(many, "a ");
	assert_int_equal(ctl_parse_request(many, &req, err, sizeof(err)), -1);
	assert_string_equal(err, "too many arguments");
}

static void
command_table(void **state)
{
	assert_non_null(ctl_find("status"));
	assert_non_null(ctl_find("reload"));
	assert_non_null(ctl_find("help"));
	assert_null(ctl_find("statu"));
	assert_null(ctl_find(""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_command_and_flags),
		cmocka_unit_test(parse_rejects_empty_and_long),
		cmocka_unit_test(command_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
