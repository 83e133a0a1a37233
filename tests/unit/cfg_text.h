/*
 * cfg_text.h - a config's canonical print as a string, for the config
 * tests to compare (the caller frees it).
 */
#ifndef TESTS_CFG_TEXT_H
#define TESTS_CFG_TEXT_H

#include <stdlib.h>

#include <event2/buffer.h>

#include "cfg.h"

static inline char *
cfg_text(const struct cfg *c)
{
	struct evbuffer	*b = evbuffer_new();
	size_t		 len;
	char		*s;

	cfg_print(c, b);
	len = evbuffer_get_length(b);
	s = malloc(len + 1);
	evbuffer_remove(b, s, len);
	s[len] = '\0';
	evbuffer_free(b);
	return s;
}

#endif
