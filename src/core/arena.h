/*
 * arena.h - a bump allocator that frees everything at once.
 *
 * A parsed configuration lives in one arena, so a failed reload is
 * discarded with one call and nothing in it can leak.
 */
#ifndef DIRECTOR_ARENA_H
#define DIRECTOR_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk	*head;
	size_t			 total;		/* bytes handed out */
	void			*region;	/* mapping the chunks are in */
	size_t			 region_size;
};

/* Zeroed memory for n bytes, aligned for any type; aborts on ENOMEM. */
void	*arena_alloc(struct arena *, size_t n);
/* Zeroed array of n elements of size sz; aborts on overflow or ENOMEM. */
void	*arena_calloc(struct arena *, size_t n, size_t sz);
/* Copy of s (NULL stays NULL). */
char	*arena_strdup(struct arena *, const char *s);
/*
 * Moves src's allocations into dst (to be freed with it); src is empty
 * afterwards. Both must come from the same process and region.
 */
void	 arena_take(struct arena *dst, struct arena *src);
/* Frees every allocation; the arena can be reused afterwards. */
void	 arena_free(struct arena *);
/*
 * From now on, in this process, chunks come from the mapping at base
 * (size bytes, zeroed, e.g. MAP_SHARED) instead of the heap, and each
 * arena records it: arena_free() then unmaps it. A config loader child
 * calls this so that its parent can adopt what it built.
 */
void	 arena_set_region(void *base, size_t size);

#endif
