/*
 * cfg_copy.c - a virtual server carried into the next config by a
 * reload that did not parse it (cfg_splice.c): shared (its real servers
 * and strings stay where they are) or copied deep into the new arena.
 *
 * Every pointer in the copied structs must be followed here. The size
 * checks below fail to compile when one of them grows: look at the new
 * field, copy it if it points anywhere, then update the size.
 */
#include "config.h"

#include <stdint.h>
#include <string.h>

#include "cfg_priv.h"

#if UINTPTR_MAX == UINT64_MAX && defined(__x86_64__)
_Static_assert(sizeof(struct cfg_argv) == 16, "cfg_copy_argv");
_Static_assert(sizeof(struct cfg_check) == 224, "cfg_copy_check");
_Static_assert(sizeof(struct cfg_rs) == 328, "cfg_copy_rs");
_Static_assert(sizeof(struct cfg_vs) == 520, "cfg_vs_copy, cfg_vs_move");
#endif

/* Lines move with the text after an edit; 0 means "not set". */
static int
cfg_copy_line(int line, int dline)
{
	return line != 0 ? line + dline : 0;
}

static void
cfg_copy_argv(struct arena *a, struct cfg_argv *d, const struct cfg_argv *s,
    int dline)
{
	int i;

	*d = *s;
	d->line = cfg_copy_line(s->line, dline);
	if (s->argv == NULL)
		return;
	d->argv = arena_calloc(a, (size_t)s->argc + 1, sizeof(*d->argv));
	for (i = 0; i < s->argc; i++)
		d->argv[i] = arena_strdup(a, s->argv[i]);
}

static void
cfg_copy_check(struct arena *a, struct cfg_check *d, const struct cfg_check *s,
    int dline)
{
	*d = *s;
	d->line = cfg_copy_line(s->line, dline);
	d->send = arena_strdup(a, s->send);
	d->expect = arena_strdup(a, s->expect);
	d->method = arena_strdup(a, s->method);
	d->path = arena_strdup(a, s->path);
	d->host = arena_strdup(a, s->host);
	if (s->status != NULL) {
		d->status = arena_calloc(a, s->nstatus, sizeof(*d->status));
		memcpy(d->status, s->status, s->nstatus * sizeof(*d->status));
	}
	d->body_regex = arena_strdup(a, s->body_regex);
	d->digest = arena_strdup(a, s->digest);
	d->weight_header = arena_strdup(a, s->weight_header);
	d->ca_file = arena_strdup(a, s->ca_file);
	d->client_cert = arena_strdup(a, s->client_cert);
	d->client_key = arena_strdup(a, s->client_key);
	d->sni = arena_strdup(a, s->sni);
	cfg_copy_argv(a, &d->script, &s->script, dline);
}

static void
cfg_copy_rs(struct arena *a, struct cfg_rs *d, const struct cfg_rs *s,
    int dline)
{
	*d = *s;
	d->line = cfg_copy_line(s->line, dline);
	cfg_copy_check(a, &d->check, &s->check, dline);
	cfg_copy_argv(a, &d->notify_up, &s->notify_up, dline);
	cfg_copy_argv(a, &d->notify_down, &s->notify_down, dline);
}

void
cfg_vs_move(struct cfg_vs *d, int dline)
{
	d->line = cfg_copy_line(d->line, dline);
	d->notify_quorum_up.line = cfg_copy_line(d->notify_quorum_up.line,
	    dline);
	d->notify_quorum_down.line = cfg_copy_line(d->notify_quorum_down.line,
	    dline);
	d->sorry.line = cfg_copy_line(d->sorry.line, dline);
	d->sorry.check.line = cfg_copy_line(d->sorry.check.line, dline);
	d->sorry.check.script.line = cfg_copy_line(d->sorry.check.script.line,
	    dline);
	d->sorry.notify_up.line = cfg_copy_line(d->sorry.notify_up.line, dline);
	d->sorry.notify_down.line = cfg_copy_line(d->sorry.notify_down.line,
	    dline);
	d->rs_line_shift += dline;
}

void
cfg_vs_copy(struct cfg *c, struct cfg_vs *d, const struct cfg_vs *s,
    int dline)
{
	struct arena	*a = &c->arena;
	size_t		 i;

	*d = *s;
	d->owner = c;
	d->rs_line_shift = 0;
	d->line = cfg_copy_line(s->line, dline);
	d->name = arena_strdup(a, s->name);
	d->scheduler = arena_strdup(a, s->scheduler);
	cfg_copy_rs(a, &d->sorry, &s->sorry, dline);
	cfg_copy_argv(a, &d->notify_quorum_up, &s->notify_quorum_up, dline);
	cfg_copy_argv(a, &d->notify_quorum_down, &s->notify_quorum_down,
	    dline);
	if (s->rs == NULL)
		return;
	d->rs = arena_calloc(a, s->nrs, sizeof(*d->rs));
	for (i = 0; i < s->nrs; i++)
		cfg_copy_rs(a, &d->rs[i], &s->rs[i], dline + s->rs_line_shift);
}

void
cfg_vs_share(struct cfg_vs *d, const struct cfg_vs *s, int dline)
{
	*d = *s;
	cfg_vs_move(d, dline);
}
