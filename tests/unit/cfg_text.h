/*
 * cfg_text.h - a config's canonical print as a string, for the config
 * tests to compare (the caller frees it).
 */
#ifndef TESTS_CFG_TEXT_H
#define TESTS_CFG_TEXT_H

#include <stdlib.h>

#include <event2/buffer.h>

#include "cfg.h"
#include "evbuffer_text.h"

static inline char *
cfg_text(const struct cfg *c)
{
	struct evbuffer	*b = evbuffer_new();
	char		*s;

	cfg_print(c, b);
	s = evbuffer_text(b);
	evbuffer_free(b);
	return s;
}

#endif
