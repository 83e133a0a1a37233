/* evbuffer_text.h - what an evbuffer holds, as a string, for the tests. */
#ifndef TESTS_EVBUFFER_TEXT_H
#define TESTS_EVBUFFER_TEXT_H

#include <stdlib.h>

#include <event2/buffer.h>

/* b's bytes, NUL-terminated and malloc'd; b is emptied. */
static inline char *
evbuffer_text(struct evbuffer *b)
{
	size_t	 len = evbuffer_get_length(b);
	char	*s = malloc(len + 1);

	evbuffer_remove(b, s, len);
	s[len] = '\0';
	return s;
}

#endif
