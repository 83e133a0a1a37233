/*
 * cfg_text.h - helpers of the config tests: a config's canonical print
 * as a string to compare (the caller frees it), and a script file for
 * script_security to look at.
 */
#ifndef TESTS_CFG_TEXT_H
#define TESTS_CFG_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

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

/*
 * An executable script (mode 0755, owned by whoever runs the test) named
 * name, in a new directory made from the template dir ("/tmp/x-XXXXXX");
 * its path in path. False if any step failed.
 */
static inline bool
cfg_test_script(char *dir, const char *name, char *path, size_t len)
{
	FILE *fp;

	if (mkdtemp(dir) == NULL)
		return false;
	snprintf(path, len, "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		return false;
	fputs("#!/bin/sh\nexit 0\n", fp);
	fclose(fp);
	return chmod(path, 0755) == 0;
}

#endif
