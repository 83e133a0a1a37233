/*
 * suggest.c - optimal string alignment distance, see suggest.h.
 */
#include <ctype.h>
#include <string.h>

#include "suggest.h"

#define SUGGEST_MAXLEN	64

size_t
suggest_distance(const char *a, const char *b)
{
	size_t	d[SUGGEST_MAXLEN + 1][SUGGEST_MAXLEN + 1];
	size_t	la = strlen(a), lb = strlen(b), i, j, cost, v;

	if (la > SUGGEST_MAXLEN || lb > SUGGEST_MAXLEN)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			cost = tolower((unsigned char)a[i - 1]) !=
			    tolower((unsigned char)b[j - 1]);
			v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	}
	return d[la][lb];
}

const char *
suggest_closest(const char *word, const char *const cands[])
{
	const char	*best = NULL;
	size_t		 bestd = (size_t)-1, limit, dist, i;

	/* A third of the word may be wrong, but at least one edit. */
	limit = strlen(word) / 3;
	if (limit < 1)
		limit = 1;
	for (i = 0; cands[i] != NULL; i++) {
		dist = suggest_distance(word, cands[i]);
		if (dist < bestd) {
			bestd = dist;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}
