/*
 * clock.c - see clock.h.
 */
#include <time.h>

#include "clock.h"

static uint64_t (*clock_source)(void);

uint64_t
clock_now_us(void)
{
	struct timespec ts;

	if (clock_source != NULL)
		return clock_source();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
clock_set_source(uint64_t (*source)(void))
{
	clock_source = source;
}
