/* test_suggest.c - "did you mean" for unknown keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "suggest.h"

static const char *const keys[] = { "priority", "interface",
	"virtual_router_id", "advert_interval", "preempt", "preempt_delay",
	NULL };

static void
distance(void **state)
{
	assert_int_equal(suggest_distance("priority", "priority"), 0);
	assert_int_equal(suggest_distance("prority", "priority"), 1);
	assert_int_equal(suggest_distance("pirority", "priority"), 1);
	assert_int_equal(suggest_distance("", "abc"), 3);
	assert_int_equal(suggest_distance("kitten", "sitting"), 3);
}

static void
closest(void **state)
{
	assert_string_equal(suggest_closest("prority", keys), "priority");
	assert_string_equal(suggest_closest("Interface", keys), "interface");
	assert_string_equal(suggest_closest("advert_int", keys) ?
	    suggest_closest("advert_int", keys) : "(none)", "(none)");
	assert_string_equal(suggest_closest("preempt_dalay", keys),
	    "preempt_delay");
	assert_null(suggest_closest("weight", keys));
	assert_null(suggest_closest("x", keys));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(distance),
		cmocka_unit_test(closest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
