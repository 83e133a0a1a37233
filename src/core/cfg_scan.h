/*
 * cfg_scan.h - finds the virtual servers in a config's text without
 * parsing it, so that a reload can parse only the ones that changed.
 *
 * The scanner knows just enough of libconfig's lexer to stay in step
 * with it: strings with backslash escapes, #, // and block comments, and
 * brackets. It refuses what it does not follow (@include, unterminated
 * strings or comments); callers then parse the whole file.
 */
#ifndef DIRECTOR_CFG_SCAN_H
#define DIRECTOR_CFG_SCAN_H

#include <stdbool.h>
#include <stddef.h>

/* One element of the virtual_servers list: a group, '{' to '}'. */
struct cfg_span {
	size_t	off;		/* of its '{' */
	size_t	end;		/* one past its '}' */
	int	line;		/* of its '{', from 1 */
};

/* Where the top-level virtual_servers list is, and its elements. */
struct cfg_scan {
	size_t		 cs;		/* content: just after its '(' */
	size_t		 ce;		/* at its ')' */
	int		 cs_line;
	int		 ce_line;
	struct cfg_span	*el;		/* malloc'd */
	size_t		 nel;
};

/*
 * Scans the whole text t (len bytes). Returns 0 with out filled when it
 * has one top-level `virtual_servers` list whose elements are all groups
 * and no @include; -1 otherwise (out is left empty).
 */
int	cfg_scan_text(const char *t, size_t len, struct cfg_scan *out);
/*
 * Scans t[0, len), the start of a text, and returns where the content of
 * its top-level virtual_servers list starts (just after the '('), with
 * its line in *line; 0 when that is not in t[0, len).
 */
size_t	cfg_scan_list_start(const char *t, size_t len, int *line);
/*
 * Scans a run of list elements, t[0, len) = "{...}, {...}": each a
 * group, commas between, nothing else but blanks and comments between
 * them, the first starting at 0 and the last ending at len. line is the
 * line of t[0]. Returns the number of elements with *el malloc'd, or -1.
 */
int	cfg_scan_elems(const char *t, size_t len, int line,
	    struct cfg_span **el);
/* Whether t[0, len), from the list's ')', holds nothing but ')' and ';'. */
bool	cfg_scan_list_is_last(const char *t, size_t len);
void	cfg_scan_free(struct cfg_scan *);

#endif
