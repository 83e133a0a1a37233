/*
 * cfg_scan.c - the virtual_servers list's place in a config's text.
 *
 * A token here is a bracket, one of = : ; , or a run of anything else
 * (names, numbers, strings); what matters is never to take a bracket
 * inside a string or a comment for a real one, and to count lines the
 * way libconfig does.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_scan.h"

#define LIST_KEY	"virtual_servers"

enum tok {
	TOK_END,
	TOK_ERR,	/* unterminated string or comment, or '@' */
	TOK_PUNCT,	/* { } ( ) [ ] = : ; , */
	TOK_WORD,	/* anything else, strings included */
};

struct scan {
	const char	*t;
	size_t		 len;
	size_t		 i;
	int		 line;
	/* the last token */
	size_t		 off;
	int		 tline;
	char		 c;		/* TOK_PUNCT's character */
};

struct spans {
	struct cfg_span	*v;
	size_t		 n, cap;
};

static bool
scan_punct(char c)
{
	return strchr("{}()[]=:;,", c) != NULL && c != '\0';
}

/* Skips to the end of the line (not past it). */
static void
scan_line_comment(struct scan *s)
{
	const char *nl = memchr(s->t + s->i, '\n', s->len - s->i);

	s->i = nl != NULL ? (size_t)(nl - s->t) : s->len;
}

static bool
scan_block_comment(struct scan *s)
{
	for (s->i += 2; s->i + 1 < s->len; s->i++) {
		if (s->t[s->i] == '\n')
			s->line++;
		else if (s->t[s->i] == '*' && s->t[s->i + 1] == '/') {
			s->i += 2;
			return true;
		}
	}
	return false;
}

/* A backslash takes the next character with it, whatever it is. */
static bool
scan_string(struct scan *s)
{
	for (s->i++; s->i < s->len; s->i++) {
		switch (s->t[s->i]) {
		case '"':
			s->i++;
			return true;
		case '\\':
			if (++s->i < s->len && s->t[s->i] == '\n')
				s->line++;
			break;
		case '\n':
			s->line++;
			break;
		}
	}
	return false;
}

static bool
scan_comment_start(const struct scan *s)
{
	return s->t[s->i] == '#' || (s->t[s->i] == '/' && s->i + 1 < s->len &&
	    (s->t[s->i + 1] == '/' || s->t[s->i + 1] == '*'));
}

static enum tok
scan_next(struct scan *s)
{
	char c;

	for (;;) {
		if (s->i >= s->len)
			return TOK_END;
		c = s->t[s->i];
		if (c == '\n') {
			s->line++;
			s->i++;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f')
			s->i++;
		else if (c == '#' || (c == '/' && s->i + 1 < s->len &&
		    s->t[s->i + 1] == '/'))
			scan_line_comment(s);
		else if (c == '/' && s->i + 1 < s->len && s->t[s->i + 1] == '*') {
			if (!scan_block_comment(s))
				return TOK_ERR;
		} else
			break;
	}
	s->off = s->i;
	s->tline = s->line;
	if (c == '@' || c == '\0')
		return TOK_ERR;
	if (c == '"')
		return scan_string(s) ? TOK_WORD : TOK_ERR;
	if (scan_punct(c)) {
		s->c = c;
		s->i++;
		return TOK_PUNCT;
	}
	while (s->i < s->len && !scan_punct(s->t[s->i]) &&
	    strchr(" \t\r\f\n\"@", s->t[s->i]) == NULL && !scan_comment_start(s))
		s->i++;
	return TOK_WORD;
}

static bool
scan_is(const struct scan *s, enum tok k, char c)
{
	return k == TOK_PUNCT && s->c == c;
}

/* After a '{' at depth 0: to just past its matching '}'. */
static bool
scan_skip_group(struct scan *s)
{
	enum tok	k;
	int		depth = 1;

	while ((k = scan_next(s)) != TOK_END && k != TOK_ERR) {
		if (k != TOK_PUNCT)
			continue;
		if (strchr("{([", s->c) != NULL)
			depth++;
		else if (strchr("})]", s->c) != NULL && --depth == 0)
			return s->c == '}';
	}
	return false;
}

static bool
spans_add(struct spans *v, size_t off, size_t end, int line)
{
	struct cfg_span	*n;
	size_t		 cap;

	if (v->n == v->cap) {
		cap = v->cap ? v->cap * 2 : 64;
		if ((n = reallocarray(v->v, cap, sizeof(*n))) == NULL)
			return false;
		v->v = n;
		v->cap = cap;
	}
	v->v[v->n++] = (struct cfg_span){ off, end, line };
	return true;
}

/*
 * Elements up to the list's ')' (list) or the end of the text: groups
 * separated by commas. Leaves s just past the ')' in a list.
 */
static bool
scan_elems_run(struct scan *s, bool list, struct spans *v)
{
	enum tok	k;
	size_t		off;
	int		line;

	k = scan_next(s);
	if (list && scan_is(s, k, ')'))
		return true;
	for (;;) {
		if (!scan_is(s, k, '{'))
			return false;
		off = s->off;
		line = s->tline;
		if (!scan_skip_group(s) || !spans_add(v, off, s->i, line))
			return false;
		k = scan_next(s);
		if (list && scan_is(s, k, ')'))
			return true;
		if (!list && k == TOK_END)
			return true;
		if (!scan_is(s, k, ','))
			return false;
		k = scan_next(s);
	}
}

/*
 * To just past the '(' of the top-level list, or false. A name at depth
 * 0 is a setting's name: values are never bare words of this spelling.
 */
static bool
scan_to_list(struct scan *s)
{
	enum tok	k;
	int		depth = 0, want = 0;

	while ((k = scan_next(s)) != TOK_END && k != TOK_ERR) {
		if (want == 1 && (scan_is(s, k, '=') || scan_is(s, k, ':')))
			want = 2;
		else if (want == 2 && scan_is(s, k, '('))
			return true;
		else
			want = 0;
		if (k == TOK_PUNCT && strchr("{([", s->c) != NULL)
			depth++;
		else if (k == TOK_PUNCT && strchr("})]", s->c) != NULL)
			depth--;
		else if (k == TOK_WORD && depth == 0 &&
		    s->i - s->off == strlen(LIST_KEY) &&
		    memcmp(s->t + s->off, LIST_KEY, strlen(LIST_KEY)) == 0)
			want = 1;
	}
	return false;
}

/* The rest of the text, after the list: no second list, no @include. */
static bool
scan_rest(struct scan *s)
{
	enum tok k;

	while ((k = scan_next(s)) != TOK_END) {
		if (k == TOK_ERR)
			return false;
		if (k == TOK_WORD && s->i - s->off == strlen(LIST_KEY) &&
		    memcmp(s->t + s->off, LIST_KEY, strlen(LIST_KEY)) == 0)
			return false;
	}
	return true;
}

int
cfg_scan_text(const char *t, size_t len, struct cfg_scan *out)
{
	struct scan	s = { .t = t, .len = len, .line = 1 };
	struct spans	v = { 0 };

	memset(out, 0, sizeof(*out));
	if (!scan_to_list(&s))
		goto fail;
	out->cs = s.i;
	out->cs_line = s.line;
	if (!scan_elems_run(&s, true, &v))
		goto fail;
	out->ce = s.off;
	out->ce_line = s.tline;
	if (!scan_rest(&s))
		goto fail;
	out->el = v.v;
	out->nel = v.n;
	return 0;
fail:
	free(v.v);
	memset(out, 0, sizeof(*out));
	return -1;
}

size_t
cfg_scan_list_start(const char *t, size_t len, int *line)
{
	struct scan s = { .t = t, .len = len, .line = 1 };

	if (!scan_to_list(&s))
		return 0;
	*line = s.line;
	return s.i;
}

int
cfg_scan_elems(const char *t, size_t len, int line, struct cfg_span **el)
{
	struct scan	s = { .t = t, .len = len, .line = line };
	struct spans	v = { 0 };

	*el = NULL;
	if (!scan_elems_run(&s, false, &v) || v.n == 0 || v.v[0].off != 0 ||
	    v.v[v.n - 1].end != len || v.n > INT32_MAX) {
		free(v.v);
		return -1;
	}
	*el = v.v;
	return (int)v.n;
}

bool
cfg_scan_list_is_last(const char *t, size_t len)
{
	struct scan	s = { .t = t, .len = len, .line = 1 };
	enum tok	k;

	if (!scan_is(&s, scan_next(&s), ')'))
		return false;
	k = scan_next(&s);
	if (scan_is(&s, k, ';') || scan_is(&s, k, ','))
		k = scan_next(&s);
	return k == TOK_END;
}

void
cfg_scan_free(struct cfg_scan *s)
{
	free(s->el);
	memset(s, 0, sizeof(*s));
}
