/*
 * metrics.h - Prometheus metrics over HTTP, and the loop stall gauge.
 */
#ifndef DIRECTOR_METRICS_H
#define DIRECTOR_METRICS_H

#include <stdint.h>

struct director;
struct metrics;

/* Serves global.metrics_listen if set; always runs the stall ticker. */
struct metrics	*metrics_new(struct director *);
void		 metrics_free(struct metrics *);
/* The longest the loop was late for the 100 ms ticker, microseconds. */
uint64_t	 metrics_max_stall_us(const struct metrics *);

#endif
