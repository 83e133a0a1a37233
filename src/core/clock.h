/*
 * clock.h - the daemon's one notion of time: CLOCK_MONOTONIC in
 * microseconds. Tests replace it through clock_set_source().
 */
#ifndef DIRECTOR_CLOCK_H
#define DIRECTOR_CLOCK_H

#include <stdint.h>

uint64_t	clock_now_us(void);
/* NULL restores the real clock. */
void		clock_set_source(uint64_t (*source)(void));

#endif
