/*
 * suggest.h - "did you mean" for misspelt names.
 */
#ifndef DIRECTOR_SUGGEST_H
#define DIRECTOR_SUGGEST_H

#include <stddef.h>

/* Edit distance (insert, delete, substitute, transpose) between a and b. */
size_t		 suggest_distance(const char *a, const char *b);
/*
 * The candidate (NULL-terminated list) closest to word, if it is close
 * enough to be a likely typo; otherwise NULL.
 */
const char	*suggest_closest(const char *word, const char *const cands[]);

#endif
