/*
 * cfg_splice.c - a reload that parses only what changed.
 *
 * libconfig needs 0.15 s for a 7.6 MB file of 10,000 virtual servers,
 * and an operator's reload usually changes one line. A config therefore
 * keeps its text and where each virtual server is in it (cfg_scan.c).
 * The next load compares the new text with it: when everything that
 * differs lies inside the virtual_servers list's elements, or wholly
 * outside the list, it parses
 *   - the text without the list's content (global, VRRP: small), and
 *   - the elements that overlap the change, on their own,
 * takes the other virtual servers from the running config, and runs
 * the same validation over the whole. Every line keeps its number
 * (inside shared real servers, through cfg_rs_line()).
 *
 * Taken, not copied: copying 100,000 real servers into the child's
 * fresh shared memory was most of a 10,000-service reload (70 ms). The
 * new config shares them with the config that parsed them, its base,
 * and holds a reference on it (cfg_free()).
 *
 * Anything unexpected, errors included, returns NULL and the caller
 * parses the whole file, so messages and results are exactly those of a
 * full parse.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_priv.h"
#include "cfg_scan.h"

#define SPLICE_BLOCK	4096
/* Servers a splice may copy before it copies all (see splice_base()). */
#define SPLICE_OWN_MAX(n)	((n) / 8 > 64 ? (n) / 8 : 64)

struct cfg_src {
	char		*text;
	size_t		 len;
	struct cfg_scan	 scan;		/* el in the arena */
};

/* What changed, and how the new text maps onto the old one. */
struct splice {
	const struct cfg_src	*o;
	const struct cfg_vs	*ovs;		/* the running config's */
	const char		*t;		/* the new text */
	size_t			 len;
	size_t			 p;		/* common prefix */
	size_t			 oe, ne;	/* change ends, old and new */
	long long		 delta;		/* len - o->len */
	int			 dline;		/* lines added by the change */
	size_t			 a, b;		/* old elements a..b replaced */
	bool			 inside;
	struct cfg_span		*el;		/* new elements a.. (malloc) */
	size_t			 nel;
	struct cfg_scan		 ns;		/* the new text's list */
};

static int
count_lines(const char *t, size_t n)
{
	const char	*e = t + n, *nl;
	int		 c = 0;

	while ((nl = memchr(t, '\n', (size_t)(e - t))) != NULL) {
		c++;
		t = nl + 1;
	}
	return c;
}

/* The text, kept in c: taken from ta, or copied. */
static char *
splice_keep(struct cfg *c, const char *t, size_t len, struct arena *ta)
{
	char *k;

	if (ta != NULL) {
		arena_take(&c->arena, ta);
		return (char *)(uintptr_t)t;
	}
	k = arena_alloc(&c->arena, len + 1);
	memcpy(k, t, len);
	return k;
}

void
cfg_src_attach(struct cfg *c, const char *t, size_t len, struct arena *ta)
{
	struct cfg_scan	 sc;
	struct cfg_src	*src;
	size_t		 i;

	if (memchr(t, '\0', len) != NULL || cfg_scan_text(t, len, &sc) == -1)
		return;
	/* libconfig's lines and ours must agree, element by element. */
	if (sc.nel != c->nvs)
		goto out;
	for (i = 0; i < sc.nel; i++)
		if (sc.el[i].line != c->vs[i].line)
			goto out;
	src = arena_alloc(&c->arena, sizeof(*src));
	src->text = splice_keep(c, t, len, ta);
	src->len = len;
	src->scan = sc;
	src->scan.el = arena_calloc(&c->arena, sc.nel ? sc.nel : 1,
	    sizeof(*sc.el));
	if (sc.nel > 0)
		memcpy(src->scan.el, sc.el, sc.nel * sizeof(*sc.el));
	c->src = src;
out:
	cfg_scan_free(&sc);
}

/* The last element starting at or before off (o has elements). */
static size_t
splice_first(const struct cfg_scan *sc, size_t off)
{
	size_t lo = 0, hi = sc->nel, mid;

	while (hi - lo > 1) {
		mid = lo + (hi - lo) / 2;
		if (sc->el[mid].off <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The first element ending at or after off. */
static size_t
splice_last(const struct cfg_scan *sc, size_t off)
{
	size_t lo = 0, hi = sc->nel - 1, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sc->el[mid].end >= off)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * Finds the change and what it touches; fills sp->ns with the new text's
 * list (elements not yet merged). False when only a full parse will do.
 */
static bool
splice_plan(struct splice *sp)
{
	const struct cfg_scan	*os = &sp->o->scan;
	size_t			 s = 0, max, cs;
	int			 line, n;

	max = sp->len < sp->o->len ? sp->len : sp->o->len;
	/* Block by block first: byte by byte is a third of a splice. */
	while (sp->p + SPLICE_BLOCK <= max &&
	    memcmp(sp->t + sp->p, sp->o->text + sp->p, SPLICE_BLOCK) == 0)
		sp->p += SPLICE_BLOCK;
	while (sp->p < max && sp->t[sp->p] == sp->o->text[sp->p])
		sp->p++;
	while (s + SPLICE_BLOCK <= max - sp->p && memcmp(sp->t + sp->len - s -
	    SPLICE_BLOCK, sp->o->text + sp->o->len - s - SPLICE_BLOCK,
	    SPLICE_BLOCK) == 0)
		s += SPLICE_BLOCK;
	while (s < max - sp->p && sp->t[sp->len - 1 - s] ==
	    sp->o->text[sp->o->len - 1 - s])
		s++;
	sp->oe = sp->o->len - s;
	sp->ne = sp->len - s;
	sp->delta = (long long)sp->len - (long long)sp->o->len;
	if (memchr(sp->t + sp->p, '@', sp->ne - sp->p) != NULL)
		return false;
	sp->dline = count_lines(sp->t + sp->p, sp->ne - sp->p) -
	    count_lines(sp->o->text + sp->p, sp->oe - sp->p);
	sp->ns = *os;
	if (sp->p >= os->ce)			/* after the list */
		return true;
	if (sp->oe <= os->cs) {			/* before it: find it again */
		cs = os->cs + (size_t)sp->delta;
		if (cfg_scan_list_start(sp->t, cs, &line) != cs)
			return false;
		sp->ns.cs = cs;
		sp->ns.cs_line = line;
		sp->ns.ce += (size_t)sp->delta;
		sp->ns.ce_line += sp->dline;
		return true;
	}
	if (os->nel == 0 || sp->p < os->el[0].off ||
	    sp->oe > os->el[os->nel - 1].end)
		return false;
	sp->inside = true;
	sp->a = splice_first(os, sp->p);
	sp->b = splice_last(os, sp->oe);
	n = cfg_scan_elems(sp->t + os->el[sp->a].off, (size_t)((long long)
	    os->el[sp->b].end + sp->delta) - os->el[sp->a].off,
	    os->el[sp->a].line, &sp->el);
	if (n == -1)
		return false;
	sp->nel = (size_t)n;
	sp->ns.ce += (size_t)sp->delta;
	sp->ns.ce_line += sp->dline;
	return true;
}

/* libconfig's tree of text, or NULL; *used: the caller destroys lc. */
static const config_setting_t *
splice_read(config_t *lc, bool *used, const char *file, const char *text)
{
	cfg_lc_init(lc, file);
	*used = true;
	if (config_read_string(lc, text) != CONFIG_TRUE)
		return NULL;
	return config_root_setting(lc);
}

/*
 * The text without the list's content. Newlines stand in for the lines
 * it had when something follows the list, whose lines must not move
 * (lexing them is a fifth of a 10,000-service splice otherwise).
 */
static char *
splice_rest(const struct splice *sp)
{
	size_t	 nl = (size_t)(sp->ns.ce_line - sp->ns.cs_line);
	size_t	 tail = sp->len - sp->ns.ce;
	char	*r;

	if (cfg_scan_list_is_last(sp->t + sp->ns.ce, tail))
		nl = 0;
	if ((r = malloc(sp->ns.cs + nl + tail + 1)) == NULL)
		return NULL;
	memcpy(r, sp->t, sp->ns.cs);
	memset(r + sp->ns.cs, '\n', nl);
	memcpy(r + sp->ns.cs + nl, sp->t + sp->ns.ce, tail);
	r[sp->ns.cs + nl + tail] = '\0';
	return r;
}

/* The changed elements as a list of their own, from line 1. */
static char *
splice_chunk(const struct splice *sp)
{
	const struct cfg_span	*first = &sp->o->scan.el[sp->a];
	size_t			 n = sp->el[sp->nel - 1].end;
	char			*r;

	if ((r = malloc(3 + n + 4)) == NULL)
		return NULL;
	memcpy(r, "x=(", 3);
	memcpy(r + 3, sp->t + first->off, n);
	memcpy(r + 3 + n, "\n);", 4);
	return r;
}

/* The old element i's place in the new text. */
static struct cfg_span
splice_moved(const struct splice *sp, size_t i)
{
	struct cfg_span e = sp->o->scan.el[i];

	if (sp->p < sp->o->scan.ce && (!sp->inside || i > sp->b)) {
		e.off = (size_t)((long long)e.off + sp->delta);
		e.end = (size_t)((long long)e.end + sp->delta);
		e.line += sp->dline;
	}
	return e;
}

/*
 * Which config the new one shares servers with: prev's own base, so
 * that there is only ever one (NULL: copy them all). Servers that prev
 * parsed or copied itself are copied again; when they are too many, all
 * are, and the new config is a base of its own. That bounds what a base
 * keeps alive: its text and servers no one uses any more.
 */
static struct cfg *
splice_base(const struct splice *sp, const struct cfg *prev)
{
	struct cfg	*base = prev->base != NULL ? prev->base :
			    (struct cfg *)(uintptr_t)prev;
	size_t		 i, own = 0, n = sp->o->scan.nel;

	for (i = 0; i < n; i++)
		if ((!sp->inside || i < sp->a || i > sp->b) &&
		    sp->ovs[i].owner != base)
			own++;
	return own > SPLICE_OWN_MAX(n) ? NULL : base;
}

/* The virtual servers: shared, copied or parsed; and their spans. */
static bool
splice_vs(struct cfg_parser *p, const struct splice *sp,
    const config_setting_t *chunk, struct cfg_span *el)
{
	struct cfg	*c = p->cfg;
	size_t		 i, j, on = sp->o->scan.nel, k = 0, off;
	uint32_t	*same = arena_calloc(&c->arena, on + sp->nel + 1,
			    sizeof(*same));
	int		 dline;

	for (i = j = 0; i < on; i++) {
		if (sp->inside && i == sp->a) {
			k = cfg_parse_vs_elems(p, chunk, &c->vs[j]);
			if (k != sp->nel)
				return false;
			off = sp->o->scan.el[sp->a].off;
			for (; k > 0; k--, j++) {
				el[j] = sp->el[sp->nel - k];
				el[j].off += off;
				el[j].end += off;
				/* The chunk started on line 1. */
				cfg_vs_move(&c->vs[j],
				    sp->o->scan.el[sp->a].line - 1);
				if (c->vs[j].line != el[j].line)
					return false;
				same[j] = CFG_VS_NEW;
			}
			i = sp->b;
			continue;
		}
		el[j] = splice_moved(sp, i);
		dline = el[j].line - sp->o->scan.el[i].line;
		if (c->base != NULL && sp->ovs[i].owner == c->base)
			cfg_vs_share(&c->vs[j], &sp->ovs[i], dline);
		else
			cfg_vs_copy(c, &c->vs[j], &sp->ovs[i], dline);
		same[j] = (uint32_t)i;
		j++;
	}
	c->nvs = j;
	c->parsed_vs = sp->nel;
	c->same_as = same;
	return true;
}

/* Takes the new text as this config's source, for the reload after. */
static void
splice_src(struct cfg *c, const struct splice *sp, struct cfg_span *el,
    struct arena *ta)
{
	struct cfg_src *src = arena_alloc(&c->arena, sizeof(*src));

	src->text = splice_keep(c, sp->t, sp->len, ta);
	src->len = sp->len;
	src->scan = sp->ns;
	src->scan.el = el;
	src->scan.nel = c->nvs;
	c->src = src;
}

struct cfg *
cfg_splice(const struct cfg *prev, const char *t, size_t len,
    struct arena *ta, const char *file)
{
	struct splice		 sp = { .o = prev->src, .ovs = prev->vs,
				    .t = t, .len = len };
	struct cfg_errors	 errs = { 0 };
	struct cfg_parser	 p = { .errs = &errs, .prev = prev };
	config_t		 lrest, lchunk;
	const config_setting_t	*root, *list, *chunk = NULL;
	struct cfg_span		*el;
	struct cfg		*c = NULL;
	char			*rest = NULL, *ctext = NULL;
	size_t			 n;
	bool			 used_rest = false, used_chunk = false;

	if (sp.o == NULL || memchr(t, '\0', len) != NULL || !splice_plan(&sp))
		goto fail;
	if ((rest = splice_rest(&sp)) == NULL ||
	    (root = splice_read(&lrest, &used_rest, file, rest)) == NULL ||
	    (list = config_setting_get_member(root, "virtual_servers")) ==
	    NULL || !config_setting_is_list(list) ||
	    config_setting_length(list) != 0)
		goto fail;
	if (sp.inside && ((ctext = splice_chunk(&sp)) == NULL ||
	    (chunk = splice_read(&lchunk, &used_chunk, file,
	    ctext)) == NULL ||
	    (chunk = config_setting_get_member(chunk, "x")) == NULL ||
	    (size_t)config_setting_length(chunk) != sp.nel))
		goto fail;
	c = cfg_new(file);
	c->base = splice_base(&sp, prev);
	p.cfg = c;
	p.file = c->file;
	cfg_parse_root(&p, root);
	n = sp.inside ? sp.o->scan.nel - (sp.b - sp.a + 1) + sp.nel :
	    sp.o->scan.nel;
	c->vs = arena_calloc(&c->arena, n ? n : 1, sizeof(*c->vs));
	el = arena_calloc(&c->arena, n ? n : 1, sizeof(*el));
	if (errs.n != 0 || !splice_vs(&p, &sp, chunk, el))
		goto fail;
	/*
	 * The lines inside shared servers are off (cfg_rs_line()), but only
	 * messages use them, and any message means a full parse instead.
	 */
	cfg_validate(&p);
	if (errs.n != 0)
		goto fail;
	splice_src(c, &sp, el, ta);
	c->from = prev;
	goto out;
fail:
	if (c != NULL)
		c->base = NULL;		/* it took no reference yet */
	cfg_free(c);
	c = NULL;
out:
	if (used_chunk)
		config_destroy(&lchunk);
	if (used_rest)
		config_destroy(&lrest);
	free(rest);
	free(ctext);
	free(sp.el);
	cfg_errors_free(&errs);
	return c;
}
