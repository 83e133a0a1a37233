/*
 * arena.c - bump allocator, see arena.h.
 */
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "log.h"

#define ARENA_CHUNK	(16 * 1024)

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	size_t			 used;
	alignas(max_align_t) unsigned char data[];
};

void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk	*c = a->head;
	size_t			 align = alignof(max_align_t);
	void			*p;

	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (c == NULL || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		if ((c = calloc(1, sizeof(*c) + size)) == NULL)
			fatal("arena_alloc");
		c->size = size;
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	a->total += n;
	return p;
}

void *
arena_calloc(struct arena *a, size_t n, size_t sz)
{
	if (sz != 0 && n > SIZE_MAX / sz)
		fatalx("arena_calloc: overflow");
	return arena_alloc(a, n * sz);
}

char *
arena_strdup(struct arena *a, const char *s)
{
	size_t	 len;
	char	*p;

	if (s == NULL)
		return NULL;
	len = strlen(s) + 1;
	p = arena_alloc(a, len);
	memcpy(p, s, len);
	return p;
}

void
arena_free(struct arena *a)
{
	struct arena_chunk *c, *next;

	for (c = a->head; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
	a->total = 0;
}
