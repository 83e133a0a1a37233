/*
 * test_cfg_splice.c - a reload that parses only what changed gives the
 * config a full parse gives: the same canonical print, the same line for
 * every object, the same errors; and it does parse only what changed.
 *
 * Besides the edits an operator makes, 4,000 random edits (brackets,
 * quotes, comments, whole elements, @include) are checked against a full
 * parse, each new config becoming the next one's base, with the base
 * freed before the result is read (ASan then sees any pointer a copy
 * did not follow). Every virtual server a splice says it took from the
 * previous config (cfg.same_as, which the IPVS engine trusts) must print
 * the same as the one it names.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/buffer.h>

#include "cfg.h"
#include "cfg_text.h"

static const char *base =
    "# director.conf\n"
    "global = { router_id = \"lb1\"; script_security = false;\n"
    "  notify = [ \"/bin/echo\", \"any\" ]; };\n"
    "vrrp_instances = ( { name = \"VI_1\"; interface = \"eth0\";\n"
    "  virtual_router_id = 51; priority = 150;\n"
    "  virtual_addresses = ( \"192.0.2.100/24\" ); } );\n"
    "virtual_servers = (\n"
    "  { name = \"web\"; address = \"192.0.2.100\"; port = 80;\n"
    "    scheduler = \"wrr\"; quorum = 2; hysteresis = 1;\n"
    "    sorry_server = { address = \"192.0.2.99\"; };\n"
    "    notify = { quorum_up = \"/bin/true\";\n"
    "      quorum_down = [ \"/bin/echo\", \"down\" ]; };\n"
    "    real_servers = (\n"
    "      { address = \"198.51.100.11\"; weight = 3;\n"
    "        notify = { up = \"/bin/true\"; };\n"
    "        check = { type = \"http\"; path = \"/health\";\n"
    "          status = ( 200, \"301-302\" ); host = \"a.example\";\n"
    "          body_regex = \"^ok\"; weight_header = \"X-W\"; }; },\n"
    "      { address = \"198.51.100.12\"; weight = 1;\n"
    "        check = { type = \"tcp\"; send = \"PING\\r\\n\";"
    " expect = \"+PONG\"; }; } ); },\n"
    "  /* a comment with } and ( in it */\n"
    "  { name = \"tls\"; address = \"192.0.2.100\"; port = 443;\n"
    "    real_servers = ( { address = \"198.51.100.13\";\n"
    "      check = { type = \"https\"; tls_verify = false;\n"
    "        sni = \"s.example\"; digest = \"sha256:"
    "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855\";"
    " }; } ); },\n"
    "  { name = \"dns\"; address = \"192.0.2.100\"; port = 53;\n"
    "    protocol = \"udp\"; one_packet = true; # } not a brace\n"
    "    real_servers = ( { address = \"198.51.100.14\";\n"
    "      check = { type = \"script\"; script = [ \"/bin/sh\", \"-c\","
    " \"exit 0 # }\" ];\n"
    "        dynamic_weight = true; }; } ); },\n"
    "  { name = \"mark\"; fwmark = 7; scheduler = \"mh\";\n"
    "    scheduler_flags = [ \"mh-port\" ]; persistence_timeout = 60;\n"
    "    real_servers = ( { address = \"198.51.100.15\"; weight = 2;\n"
    "      forwarding = \"tun\"; tunnel = { type = \"gue\"; port = 6080; };\n"
    "      check = { type = \"tls\"; port = 443; }; } ); }\n"
    ");\n"
    "sync_groups = ( { name = \"G\"; instances = [ \"VI_1\" ]; } );\n";

static char *
errors(const struct cfg_errors *e)
{
	size_t	 i, len = 1;
	char	*s;

	for (i = 0; i < e->n; i++)
		len += strlen(e->msg[i]) + 1;
	s = calloc(1, len);
	for (i = 0; i < e->n; i++) {
		strcat(s, e->msg[i]);
		strcat(s, "\n");
	}
	return s;
}

/* A real server's lines, in a and b, each through its vs's shift. */
static void
same_rs(const struct cfg_vs *av, const struct cfg_rs *a,
    const struct cfg_vs *bv, const struct cfg_rs *b)
{
	assert_int_equal(cfg_rs_line(av, a->line), cfg_rs_line(bv, b->line));
	assert_int_equal(cfg_rs_line(av, a->check.line),
	    cfg_rs_line(bv, b->check.line));
	assert_int_equal(cfg_rs_line(av, a->check.script.line),
	    cfg_rs_line(bv, b->check.script.line));
	assert_int_equal(cfg_rs_line(av, a->notify_up.line),
	    cfg_rs_line(bv, b->notify_up.line));
	assert_int_equal(cfg_rs_line(av, a->notify_down.line),
	    cfg_rs_line(bv, b->notify_down.line));
}

/* What cfg_print leaves out: where each object was declared. */
static void
same_lines(const struct cfg *a, const struct cfg *b)
{
	const struct cfg_vs	*av, *bv;
	size_t			 i, j;

	assert_int_equal(a->nvs, b->nvs);
	for (i = 0; i < a->nvs; i++) {
		av = &a->vs[i];
		bv = &b->vs[i];
		assert_int_equal(av->line, bv->line);
		assert_int_equal(av->notify_quorum_up.line,
		    bv->notify_quorum_up.line);
		assert_int_equal(av->notify_quorum_down.line,
		    bv->notify_quorum_down.line);
		/* The sorry server is in the vs itself: its lines are exact. */
		assert_int_equal(av->sorry.line, bv->sorry.line);
		assert_int_equal(av->sorry.check.line, bv->sorry.check.line);
		assert_int_equal(av->nrs, bv->nrs);
		for (j = 0; j < av->nrs; j++)
			same_rs(av, &av->rs[j], bv, &bv->rs[j]);
	}
	assert_int_equal(a->nvrrp, b->nvrrp);
	for (i = 0; i < a->nvrrp; i++)
		assert_int_equal(a->vrrp[i].line, b->vrrp[i].line);
	assert_int_equal(a->ngroups, b->ngroups);
	for (i = 0; i < a->ngroups; i++)
		assert_int_equal(a->groups[i].line, b->groups[i].line);
}

/* Each virtual server the splice says it took from prev is equal to it. */
static void
same_as_prev(const struct cfg *prev, const struct cfg *next)
{
	struct evbuffer	*ba, *bb;
	char		*a, *b;
	size_t		 j;

	if (next->same_as == NULL)
		return;
	assert_ptr_equal(next->from, prev);
	for (j = 0; j < next->nvs; j++) {
		if (next->same_as[j] == CFG_VS_NEW)
			continue;
		assert_true(next->same_as[j] < prev->nvs);
		ba = evbuffer_new();
		bb = evbuffer_new();
		cfg_print_vs(&prev->vs[next->same_as[j]], ba);
		cfg_print_vs(&next->vs[j], bb);
		a = evbuffer_text(ba);
		b = evbuffer_text(bb);
		assert_string_equal(a, b);
		free(a);
		free(b);
		evbuffer_free(ba);
		evbuffer_free(bb);
	}
}

/*
 * Loads text after *prev both ways and checks they agree. Frees *prev
 * and replaces it with the new config when there is one. Returns how
 * many virtual servers the reload parsed, or -1 when the text is bad.
 */
static long
reload(struct cfg **prev, const char *text)
{
	struct cfg_errors	 e1 = { 0 }, e2 = { 0 };
	struct cfg		*full, *next;
	char			*s1, *s2;
	long			 parsed = -1;
	size_t			 i, n;

	full = cfg_load_string(text, "t.conf", &e1);
	next = cfg_load_string_next(text, "t.conf", *prev, &e2);
	s1 = errors(&e1);
	s2 = errors(&e2);
	assert_string_equal(s1, s2);
	free(s1);
	free(s2);
	assert_int_equal(full == NULL, next == NULL);
	if (next != NULL) {
		same_as_prev(*prev, next);
		/* A splice parses what it does not take from prev. */
		if (next->same_as != NULL) {
			for (i = n = 0; i < next->nvs; i++)
				n += next->same_as[i] == CFG_VS_NEW;
			assert_int_equal(n, next->parsed_vs);
		}
		cfg_free(*prev);
		*prev = next;
		s1 = cfg_text(full);
		s2 = cfg_text(next);
		assert_string_equal(s1, s2);
		free(s1);
		free(s2);
		same_lines(full, next);
		parsed = (long)next->parsed_vs;
	}
	cfg_free(full);
	cfg_errors_free(&e1);
	cfg_errors_free(&e2);
	return parsed;
}

/* base with the first from replaced by to (which must be there). */
static char *
edit(const char *text, const char *from, const char *to)
{
	const char	*at = strstr(text, from);
	size_t		 n = strlen(text) - strlen(from) + strlen(to);
	char		*s;

	assert_non_null(at);
	s = malloc(n + 1);
	snprintf(s, n + 1, "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from));
	return s;
}

static struct cfg *
load_base(void)
{
	struct cfg_errors	 e = { 0 };
	struct cfg		*c = cfg_load_string(base, "t.conf", &e);

	if (c == NULL && e.n > 0)
		fail_msg("%s", e.msg[0]);
	assert_non_null(c);
	assert_int_equal(c->nvs, 4);
	assert_int_equal(c->parsed_vs, 4);
	assert_non_null(c->src);
	return c;
}

/* Edits an operator makes, and how much of the file each one reparses. */
static void
operator_edits(void **state)
{
	static const struct {
		const char	*from, *to;
		long		 parsed;	/* -1: refused */
	} edits[] = {
		{ "weight = 3;", "weight = 5;", 1 },
		{ "port = 53;", "port = 54;", 1 },
		{ "type = \"tls\"; port = 443;", "type = \"tcp\";", 1 },
		{ "weight = 1;\n", "weight = 1;\n\n\n", 1 },
		/* a new server, with lines, in the middle: it and the
		 * neighbour the edit's text runs into */
		{ "  { name = \"dns\";", "  { name = \"new\"; address = "
		    "\"192.0.2.100\";\n    port = 8080; },\n  { name = \"dns\";",
		    2 },
		/* one removed */
		{ "  { name = \"tls\"; address = \"192.0.2.100\"; port = 443;\n"
		    "    real_servers = ( { address = \"198.51.100.13\";\n",
		    "  { name = \"tls\"; address = \"192.0.2.100\"; port = 443;"
		    " },\n  { name = \"tls2\"; address = \"192.0.2.101\"; port = "
		    "443;\n    real_servers = ( { address = \"198.51.100.13\";\n",
		    2 },
		/* outside the list, before and after it */
		{ "router_id = \"lb1\";", "router_id = \"lb2\";\n", 0 },
		{ "priority = 150;", "priority = 100;", 0 },
		{ "instances = [ \"VI_1\" ];", "instances = [ \"VI_1\" ];\n"
		    "  notify = { any = \"/bin/true\"; };", 0 },
		/* a comment between elements touches both neighbours */
		{ "/* a comment with } and ( in it */", "# x", 2 },
		/* bad: each is refused with the full parse's message */
		{ "scheduler = \"wrr\";", "scheduler = \"wrx\";", -1 },
		{ "name = \"dns\";", "name = \"web\";", -1 },
		/* tls becomes web's service, and then a second mark */
		{ "port = 443;\n", "port = 80;\n", -1 },
		{ "name = \"dns\"; address = \"192.0.2.100\"; port = 53;\n"
		    "    protocol = \"udp\";", "name = \"dns\"; fwmark = 7;\n"
		    "   ", -1 },
		{ "port = 53;", "port = = 53;", -1 },
		{ "\"exit 0 # }\"", "\"exit 0 # }", -1 },
		{ "router_id = \"lb1\";", "router_id = 5;", -1 },
		{ "instances = [ \"VI_1\" ];", "instances = [ \"VI_9\" ];", -1 },
		{ "# director.conf\n", "", 0 },
		{ "\n);\nsync_groups", "\n) ;\nsync_groups", 0 },
		/* the list's own brackets: a full parse, the same result */
		{ "virtual_servers = (\n", "virtual_servers = ( # x\n", 4 },
		{ "virtual_servers = (\n", "virtual_servers = [\n", -1 },
	};
	struct cfg	*prev;
	char		*t;
	size_t		 i;
	long		 r;

	(void)state;
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		prev = load_base();
		t = edit(base, edits[i].from, edits[i].to);
		if ((r = reload(&prev, t)) != edits[i].parsed)
			fail_msg("edit %zu: \"%s\" -> \"%s\": parsed %ld, "
			    "want %ld", i, edits[i].from, edits[i].to, r,
			    edits[i].parsed);
		free(t);
		cfg_free(prev);
	}
}

/* Unchanged text: nothing parsed but the small rest; then edits chain. */
static void
chained_edits(void **state)
{
	struct cfg	*c = load_base();
	char		*t1, *t2, *t3;

	(void)state;
	assert_int_equal(reload(&c, base), 0);
	t1 = edit(base, "weight = 3;", "weight = 4;");
	assert_int_equal(reload(&c, t1), 1);
	t2 = edit(t1, "router_id = \"lb1\";", "router_id = \"lb1\";\n\n");
	assert_int_equal(reload(&c, t2), 0);
	t3 = edit(t2, "weight = 2;", "weight = 9;");
	assert_int_equal(reload(&c, t3), 1);
	assert_int_equal(c->vs[3].rs[0].weight, 9);
	assert_int_equal(c->vs[0].rs[0].weight, 4);
	free(t1);
	/* Two places, the first and the last server: all four are parsed. */
	t1 = edit(t3, "weight = 4;", "weight = 6;");
	free(t2);
	t2 = edit(t1, "weight = 9;", "weight = 8;");
	assert_int_equal(reload(&c, t2), 4);
	assert_int_equal(c->vs[3].rs[0].weight, 8);
	free(t1);
	free(t2);
	free(t3);
	cfg_free(c);
}

/* @include: the scanner does not follow it, so every load is full. */
static void
include_is_full(void **state)
{
	struct cfg_errors	 e = { 0 };
	struct cfg		*c;
	char			*t = edit(base, "sync_groups = (",
				    "@include \"/nonexistent.conf\"\nsync_groups = (");

	(void)state;
	c = cfg_load_string(t, "t.conf", &e);
	assert_null(c);
	assert_non_null(strstr(e.msg[0], "t.conf"));
	cfg_errors_free(&e);
	free(t);
	c = load_base();
	t = edit(base, "weight = 3;", "weight = 3; # @include \"x\"");
	assert_int_equal(reload(&c, t), 4);
	free(t);
	cfg_free(c);
}

static const char *const snippets[] = {
	"", "{", "}", "(", ")", "[", "]", ",", ";", "=", "\"", "\\\"", "\\",
	"#", "//", "/*", "*/", "\n", " ", "@include \"x\"\n", "weight = 7;",
	"port = 81;", "x", "1", "virtual_servers", "# }\n", "\"}\"",
	"{ name = \"n\"; address = \"10.9.9.9\"; port = 80; }",
	", { name = \"m\"; address = \"10.9.9.8\"; port = 80; }",
	"{ name = \"k\"; address = \"10.9.9.7\"; port = 80; },",
	"scheduler = \"rr\";", "/* } */", "real_servers = ( );",
};

/*
 * Random edits: a deletion and an insertion at one place, sometimes at
 * two. Whatever the result, the reload and a full parse must agree.
 */
static void
random_edits(void **state)
{
	struct cfg	*c = load_base();
	char		*cur = strdup(base), *t;
	size_t		 len, at, del, k, n_ok = 0, n_spliced = 0;
	unsigned	 seed = 12345;
	long		 r;
	int		 i, j, places;

	(void)state;
	for (i = 0; i < 4000; i++) {
		t = strdup(cur);
		places = rand_r(&seed) % 8 == 0 ? 2 : 1;
		for (j = 0; j < places; j++) {
			len = strlen(t);
			at = (size_t)rand_r(&seed) % (len + 1);
			del = (size_t)rand_r(&seed) % 4 == 0 ?
			    (size_t)rand_r(&seed) % 40 : 0;
			if (del > len - at)
				del = len - at;
			k = (size_t)rand_r(&seed) %
			    (sizeof(snippets) / sizeof(snippets[0]));
			char *n = malloc(len - del + strlen(snippets[k]) + 1);
			sprintf(n, "%.*s%s%s", (int)at, t, snippets[k],
			    t + at + del);
			free(t);
			t = n;
		}
		r = reload(&c, t);
		if (r >= 0) {
			n_ok++;
			n_spliced += (size_t)r < c->nvs;
			free(cur);
			cur = t;
		} else
			free(t);
		/* Drift back to the base now and then. */
		if (i % 200 == 199) {
			assert_true(reload(&c, base) >= 0);
			free(cur);
			cur = strdup(base);
		}
	}
	print_message("random edits: %zu of 4000 loaded, %zu of them by "
	    "parsing only what changed\n", n_ok, n_spliced);
	/* The test must have exercised both outcomes a good deal. */
	assert_true(n_ok > 400);
	assert_true(n_spliced > 200);
	free(cur);
	cfg_free(c);
}

/*
 * A virtual server the splice takes unchanged is validated again when
 * it names a program: the file may have become unsafe since the last
 * load, and the reload must then be refused as director -t would. Root
 * only (script_security wants root-owned files).
 */
static void
program_files_are_checked_again(void **state)
{
	char		 dir[] = "/tmp/splice-XXXXXX", path[64], text[512], *t2;
	struct cfg	*c;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_true(cfg_test_script(dir, "up.sh", path, sizeof(path)));
	assert_true(snprintf(text, sizeof(text), "global = { script_security = true; };\n"
	    "virtual_servers = (\n"
	    "  { name = \"a\"; address = \"192.0.2.1\"; port = 80;\n"
	    "    real_servers = ( { address = \"198.51.100.1\";\n"
	    "      notify = { up = \"%s\"; }; } ); },\n"
	    "  { name = \"b\"; address = \"192.0.2.1\"; port = 81;\n"
	    "    real_servers = ( { address = \"198.51.100.2\"; weight = 1; }"
	    " ); }\n);\n", path) < (int)sizeof(text));
	c = cfg_load_string(text, "t.conf", &(struct cfg_errors){ 0 });
	assert_non_null(c);
	/* Someone makes the script writable by all, then b is edited. */
	assert_int_equal(chmod(path, 0777), 0);
	t2 = edit(text, "weight = 1;", "weight = 2;");
	assert_int_equal(reload(&c, t2), -1);
	/* Made safe again: the same edit is spliced, a parsing only b. */
	assert_int_equal(chmod(path, 0755), 0);
	assert_int_equal(reload(&c, t2), 1);
	cfg_free(c);
	free(t2);
	unlink(path);
	rmdir(dir);
}

/*
 * n virtual servers of two real servers; the first real server of
 * those from "from" to before "to" has weight 7, the others 1.
 */
static char *
many(size_t n, size_t from, size_t to)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 i;
	char		*t;

	evbuffer_add_printf(b, "virtual_servers = (\n");
	for (i = 0; i < n; i++)
		evbuffer_add_printf(b, "  { name = \"s%zu\"; address = "
		    "\"10.10.0.1\"; port = %zu; real_servers = (\n"
		    "    { address = \"10.128.%zu.1\"; weight = %d; },\n"
		    "    { address = \"10.128.%zu.2\"; weight = 2; } ); }%s\n",
		    i, 1000 + i, i % 250, i >= from && i < to ? 7 : 1, i % 250,
		    i == n - 1 ? "" : ",");
	evbuffer_add_printf(b, ");\n");
	t = evbuffer_text(b);
	evbuffer_free(b);
	return t;
}

/* At 1,000 virtual servers a one-line change parses one of them. */
static void
large_one_line(void **state)
{
	struct cfg	*c;
	char		*t1 = many(1000, 0, 0), *t2 = many(1000, 500, 501);

	(void)state;
	c = cfg_load_string(t1, "big.conf", &(struct cfg_errors){ 0 });
	assert_non_null(c);
	assert_int_equal(reload(&c, t2), 1);
	assert_int_equal(c->vs[500].rs[0].weight, 7);
	assert_int_equal(c->vs[501].rs[0].weight, 1);
	assert_string_equal(c->vs[999].name, "s999");
	free(t1);
	free(t2);
	cfg_free(c);
}

/*
 * Servers a reload did not parse are shared with the config that did
 * (its base), which lives as long as any config uses it, whatever order
 * the configs are freed in; servers a splice parsed are copied forward.
 */
static void
sharing_and_its_base(void **state)
{
	struct cfg_errors	 e = { 0 };
	struct cfg		*b = load_base(), *c1, *c2, *c3;
	char			*t1, *t2, *t3;

	(void)state;
	t1 = edit(base, "weight = 3;", "weight = 4;");
	c1 = cfg_load_string_next(t1, "t.conf", b, &e);
	assert_non_null(c1);
	assert_ptr_equal(c1->base, b);
	assert_ptr_equal(c1->vs[0].owner, c1);
	assert_ptr_equal(c1->vs[1].owner, b);
	assert_ptr_equal(c1->vs[1].rs, b->vs[1].rs);
	cfg_free(b);		/* c1 keeps it */
	t2 = edit(t1, "weight = 4;", "weight = 5;");
	c2 = cfg_load_string_next(t2, "t.conf", c1, &e);
	assert_ptr_equal(c2->base, b);
	t3 = edit(t2, "weight = 2;", "weight = 6;\n\n");
	c3 = cfg_load_string_next(t3, "t.conf", c2, &e);
	assert_ptr_equal(c3->base, b);
	assert_ptr_equal(c3->vs[0].owner, c3);	/* c2's, copied */
	assert_ptr_equal(c3->vs[3].owner, c3);	/* parsed */
	assert_ptr_equal(c3->vs[2].owner, b);
	cfg_free(c2);
	cfg_free(c1);
	assert_int_equal(reload(&c3, t3), 0);
	assert_int_equal(c3->vs[0].rs[0].weight, 5);
	assert_int_equal(c3->vs[3].rs[0].weight, 6);
	cfg_free(c3);		/* the last: b goes with it (LSan) */
	free(t1);
	free(t2);
	free(t3);
	cfg_errors_free(&e);
}

/*
 * Each reload copies forward the servers parsed since the base; past
 * 125 of 1,000 (an eighth) the reload copies all and is a base itself.
 */
static void
copies_all_past_an_eighth(void **state)
{
	struct cfg	*c, *first;
	char		*t;
	size_t		 k, became = 0;

	(void)state;
	t = many(1000, 0, 0);
	c = cfg_load_string(t, "big.conf", &(struct cfg_errors){ 0 });
	free(t);
	first = c;
	for (k = 1; k <= 140; k++) {
		t = many(1000, 0, k);
		assert_int_equal(reload(&c, t), 1);
		free(t);
		if (c->base == NULL && became == 0)
			became = k;
		else if (became == 0)
			assert_ptr_equal(c->base, first);
	}
	assert_int_equal(became, 127);
	assert_non_null(c->base);	/* the reloads after it share again */
	assert_int_equal(c->vs[10].rs[0].weight, 7);
	cfg_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(operator_edits),
		cmocka_unit_test(chained_edits),
		cmocka_unit_test(include_is_full),
		cmocka_unit_test(random_edits),
		cmocka_unit_test(program_files_are_checked_again),
		cmocka_unit_test(large_one_line),
		cmocka_unit_test(sharing_and_its_base),
		cmocka_unit_test(copies_all_past_an_eighth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
