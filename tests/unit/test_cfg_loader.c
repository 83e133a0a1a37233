/*
 * test_cfg_loader.c - a config loaded in a child process is the same
 * config as one loaded in process (same canonical print), with the same
 * errors when it is bad; the parent adopts it from the shared mapping and
 * frees it like any other; a cancelled load calls nobody back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sys/mman.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "cfg.h"
#include "cfg_text.h"
#include "cfg_loader.h"
#include "proc.h"

static const char *good =
    "global = { router_id = \"lb1\"; };\n"
    "vrrp_instances = ( { name = \"VI_1\"; interface = \"eth0\";\n"
    "  virtual_router_id = 51; priority = 150;\n"
    "  virtual_addresses = ( \"192.0.2.100/24\" ); } );\n"
    "virtual_servers = ( { name = \"web\"; address = \"192.0.2.100\";\n"
    "  port = 80; scheduler = \"wrr\"; real_servers = (\n"
    "  { address = \"198.51.100.11\"; weight = 3;\n"
    "    check = { type = \"http\"; path = \"/health\"; }; },\n"
    "  { address = \"198.51.100.12\"; } ); } );\n";

static const char *bad =
    "vrrp_instances = ( { name = \"VI_1\"; interface = \"eth0\";\n"
    "  virtual_router_id = 300; priority = 150;\n"
    "  virtual_addresses = ( \"192.0.2.100/24\" ); } );\n"
    "virtual_servers = ( { name = \"web\"; address = \"192.0.2.100\";\n"
    "  port = 80; schedular = \"wrr\"; } );\n";

struct result {
	bool		 called;
	struct cfg	*cfg;
	char		*errors;	/* joined by newlines */
};

static void
loaded(void *arg, struct cfg *c, struct cfg_errors *errs)
{
	struct result	*r = arg;
	size_t		 i, len = 1;

	r->called = true;
	r->cfg = c;
	for (i = 0; i < errs->n; i++)
		len += strlen(errs->msg[i]) + 1;
	r->errors = calloc(1, len);
	for (i = 0; i < errs->n; i++) {
		strcat(r->errors, errs->msg[i]);
		strcat(r->errors, "\n");
	}
}

static char *
write_file(const char *text)
{
	char	*path = strdup("/tmp/test_cfg_loader.XXXXXX");
	int	 fd = mkstemp(path);
	FILE	*fp;

	assert_true(fd >= 0);
	fp = fdopen(fd, "w");
	fputs(text, fp);
	fclose(fp);
	return path;
}

/* The file at *path replaced by one with text (a new name). */
static void
rewrite(char **path, const char *text)
{
	unlink(*path);
	free(*path);
	*path = write_file(text);
}

static void
load_child_after(const char *path, const struct cfg *prev, struct result *r)
{
	struct event_base	*base = event_base_new();
	struct proc_runner	*runner = proc_runner_new(base);
	struct cfg_loader	*l;
	int			 i;

	memset(r, 0, sizeof(*r));
	l = cfg_loader_start(base, runner, path, prev, loaded, r);
	assert_non_null(l);
	for (i = 0; i < 1000 && !r->called; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_true(r->called);
	/* The child is reaped by the runner. */
	for (i = 0; i < 1000 && proc_running(runner) > 0; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(proc_running(runner), 0);
	proc_runner_free(runner);
	event_base_free(base);
}

static void
load_child(const char *path, struct result *r)
{
	load_child_after(path, NULL, r);
}

static void
good_config_is_the_same(void **state)
{
	struct cfg_errors	 errs = { 0 };
	struct result		 r;
	struct cfg		*here;
	char			*path = write_file(good), *a, *b;

	(void)state;
	load_child(path, &r);
	assert_non_null(r.cfg);
	assert_string_equal(r.errors, "");
	/* Built in the child, in the shared mapping, adopted as it is. */
	assert_non_null(r.cfg->arena.region);
	here = cfg_load(path, &errs);
	assert_non_null(here);
	assert_null(here->arena.region);
	a = cfg_text(r.cfg);
	b = cfg_text(here);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "198.51.100.12"));
	free(a);
	free(b);
	cfg_free(here);
	cfg_free(r.cfg);	/* unmaps the region */
	free(r.errors);
	unlink(path);
	free(path);
}

static void
bad_config_same_errors(void **state)
{
	struct cfg_errors	 errs = { 0 };
	struct result		 r;
	char			*path = write_file(bad), *want;
	size_t			 i, len = 1;

	(void)state;
	load_child(path, &r);
	assert_null(r.cfg);
	assert_null(cfg_load(path, &errs));
	assert_true(errs.n >= 2);
	for (i = 0; i < errs.n; i++)
		len += strlen(errs.msg[i]) + 1;
	want = calloc(1, len);
	for (i = 0; i < errs.n; i++) {
		strcat(want, errs.msg[i]);
		strcat(want, "\n");
	}
	assert_string_equal(r.errors, want);
	assert_non_null(strstr(want, "virtual_router_id: 300 is out of range"));
	free(want);
	cfg_errors_free(&errs);
	free(r.errors);
	unlink(path);
	free(path);
}

static void
missing_file(void **state)
{
	struct result r;

	(void)state;
	load_child("/nonexistent/director.conf", &r);
	assert_null(r.cfg);
	assert_non_null(strstr(r.errors, "/nonexistent/director.conf:0: "
	    "cannot open"));
	free(r.errors);
}

/* Two servers; the second one's weight is the %d. */
#define TWO \
    "virtual_servers = (\n" \
    "  { name = \"a\"; address = \"192.0.2.1\"; port = 80; real_servers = (\n" \
    "    { address = \"198.51.100.11\"; weight = 3;\n" \
    "      check = { type = \"http\"; path = \"/a\"; }; } ); },\n" \
    "  { name = \"b\"; address = \"192.0.2.1\"; port = 81; real_servers = (\n" \
    "    { address = \"198.51.100.12\"; weight = %d;\n" \
    "      check = { type = \"http\"; path = \"/b\"; }; } ); }\n" \
    ");\n"

static bool
mapped(void *region)
{
	return msync(region, 4096, MS_ASYNC) == 0;
}

/*
 * A reload after a config the child built: only the changed server is
 * parsed, the other is shared with the config that parsed it, whose
 * mapping the parent keeps as long as a config uses it, in whatever
 * order they are freed.
 */
static void
reload_shares_the_old_mapping(void **state)
{
	struct cfg_errors	 errs = { 0 };
	struct result		 r1, r2, r3;
	struct cfg		*here;
	char			 text[1024], *path, *a, *b;
	void			*reg1, *reg2;

	(void)state;
	snprintf(text, sizeof(text), TWO, 1);
	path = write_file(text);
	load_child(path, &r1);
	assert_non_null(r1.cfg);
	assert_int_equal(r1.cfg->parsed_vs, 2);
	reg1 = r1.cfg->arena.region;
	snprintf(text, sizeof(text), TWO, 2);
	rewrite(&path, text);
	load_child_after(path, r1.cfg, &r2);
	assert_non_null(r2.cfg);
	assert_int_equal(r2.cfg->parsed_vs, 1);
	assert_ptr_equal(r2.cfg->base, r1.cfg);
	assert_ptr_equal(r2.cfg->vs[0].rs, r1.cfg->vs[0].rs);
	reg2 = r2.cfg->arena.region;
	cfg_free(r1.cfg);	/* r2 keeps its mapping */
	assert_true(mapped(reg1));
	here = cfg_load(path, &errs);
	a = cfg_text(r2.cfg);
	b = cfg_text(here);
	assert_string_equal(a, b);
	free(a);
	free(b);
	cfg_free(here);
	snprintf(text, sizeof(text), TWO, 5);
	rewrite(&path, text);
	load_child_after(path, r2.cfg, &r3);
	cfg_free(r2.cfg);
	assert_false(mapped(reg2));
	assert_true(mapped(reg1));
	assert_non_null(r3.cfg);
	assert_int_equal(r3.cfg->parsed_vs, 1);
	assert_string_equal(r3.cfg->vs[0].rs[0].check.path, "/a");
	assert_int_equal(r3.cfg->vs[1].rs[0].weight, 5);
	cfg_free(r3.cfg);	/* the last one using the first mapping */
	assert_false(mapped(reg1));
	free(r1.errors);
	free(r2.errors);
	free(r3.errors);
	unlink(path);
	free(path);
}

/*
 * A bad reload after a good config, in the child: the splice gives up
 * and the full parse reports the errors, as in process (both for an
 * error among the virtual servers and for one before them).
 */
static void
bad_reload_after_a_good_config(void **state)
{
	struct cfg_errors	 errs = { 0 };
	struct result		 r1, r2;
	char			 text[1024], *path, *want;
	size_t			 i, j;

	(void)state;
	snprintf(text, sizeof(text), TWO, 1);
	path = write_file(text);
	load_child(path, &r1);
	assert_non_null(r1.cfg);
	for (i = 0; i < 2; i++) {
		if (i == 0)	/* among the servers */
			snprintf(text, sizeof(text), TWO, -3);
		else		/* before them */
			snprintf(text, sizeof(text), "global = { router_id = "
			    "5; };\n" TWO, 1);
		rewrite(&path, text);
		load_child_after(path, r1.cfg, &r2);
		assert_null(r2.cfg);
		assert_null(cfg_load_next(path, r1.cfg, &errs));
		assert_true(errs.n > 0);
		want = calloc(1, 4096);
		for (j = 0; j < errs.n; j++) {
			strcat(want, errs.msg[j]);
			strcat(want, "\n");
		}
		assert_string_equal(r2.errors, want);
		free(want);
		free(r2.errors);
		cfg_errors_free(&errs);
	}
	cfg_free(r1.cfg);
	free(r1.errors);
	unlink(path);
	free(path);
}

static void
cancel_calls_nobody(void **state)
{
	struct event_base	*base = event_base_new();
	struct proc_runner	*runner = proc_runner_new(base);
	struct result		 r = { 0 };
	struct cfg_loader	*l;
	char			*path = write_file(good);
	int			 i;

	(void)state;
	l = cfg_loader_start(base, runner, path, NULL, loaded, &r);
	assert_non_null(l);
	cfg_loader_cancel(l);
	for (i = 0; i < 1000 && proc_running(runner) > 0; i++)
		event_base_loop(base, EVLOOP_ONCE);
	assert_int_equal(proc_running(runner), 0);
	assert_false(r.called);
	proc_runner_free(runner);
	event_base_free(base);
	unlink(path);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_config_is_the_same),
		cmocka_unit_test(bad_config_same_errors),
		cmocka_unit_test(missing_file),
		cmocka_unit_test(reload_shares_the_old_mapping),
		cmocka_unit_test(bad_reload_after_a_good_config),
		cmocka_unit_test(cancel_calls_nobody),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
