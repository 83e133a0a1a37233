/* test_json.c - the JSON writer used by every --json view. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "evbuffer_text.h"
#include "json.h"

static void
nested_document(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;
	char		*s;

	json_init(&j, b);
	json_obj_begin(&j, NULL);
	json_str(&j, "name", "VI_1");
	json_int(&j, "prio", -5);
	json_uint(&j, "big", 18446744073709551615ULL);
	json_bool(&j, "up", true);
	json_null(&j, "none");
	json_arr_begin(&j, "list");
	json_int(&j, NULL, 1);
	json_obj_begin(&j, NULL);
	json_bool(&j, "x", false);
	json_obj_end(&j);
	json_arr_end(&j);
	json_arr_begin(&j, "empty");
	json_arr_end(&j);
	json_obj_end(&j);
	json_finish(&j);
	s = evbuffer_text(b);
	assert_string_equal(s, "{\"name\":\"VI_1\",\"prio\":-5,"
	    "\"big\":18446744073709551615,\"up\":true,\"none\":null,"
	    "\"list\":[1,{\"x\":false}],\"empty\":[]}\n");
	free(s);
	evbuffer_free(b);
}

static void
escapes(void **state)
{
	struct evbuffer	*b = evbuffer_new();
	struct json	 j;
	char		*s;

	json_init(&j, b);
	json_arr_begin(&j, NULL);
	json_str(&j, NULL, "a\"b\\c\nd\x01");
	json_str(&j, NULL, NULL);
	json_double(&j, NULL, 0.25);
	json_arr_end(&j);
	s = evbuffer_text(b);
	assert_string_equal(s, "[\"a\\\"b\\\\c\\nd\\u0001\",null,0.25]");
	free(s);
	evbuffer_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nested_document),
		cmocka_unit_test(escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
