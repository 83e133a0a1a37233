/*
 * lb_changes.h - what changed since the IPVS engine last built its
 * wanted table: virtual servers (indexes into the running config) whose
 * inputs changed, the services a reload dropped (by key), or, when
 * that is not known or too much, everything. Pure bookkeeping: the
 * engine (lb.c) marks, takes a set for a sync, and gives it back when
 * the sync is abandoned.
 */
#ifndef DIRECTOR_LB_CHANGES_H
#define DIRECTOR_LB_CHANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ipvs_types.h"

/* More than this and a sync compares everything instead. */
#define LB_CHANGES_MAX	64

struct lb_changes {
	bool			 all;	/* unknown or too many */
	size_t			*vs;	/* marked, in marking order */
	size_t			 nvs;
	uint8_t			*mark;	/* per vs of the running config */
	size_t			 nmark;
	struct ipvs_service	*gone;	/* services the config dropped */
	size_t			 ngone;
};

/* Empty, for a config of nvs virtual servers; before any other call. */
int	lb_changes_init(struct lb_changes *, size_t nvs);
void	lb_changes_free(struct lb_changes *);
/* Forgets every change (a full build covers them). */
void	lb_changes_clear(struct lb_changes *);
void	lb_changes_all(struct lb_changes *);
void	lb_changes_vs(struct lb_changes *, size_t vs);
void	lb_changes_gone(struct lb_changes *, const struct ipvs_service *);
/* Moves src's changes into dst, which was empty; src is empty after. */
void	lb_changes_take(struct lb_changes *dst, struct lb_changes *src);
/* Adds src's changes to dst (a sync given up gives them back). */
void	lb_changes_add(struct lb_changes *dst, const struct lb_changes *src);
/*
 * A reload: renumbers the marks through to[] (old index -> new index,
 * or UINT32_MAX when the old one is gone) for a config of nvs virtual
 * servers. -1 when out of memory (then all is set).
 */
int	lb_changes_renumber(struct lb_changes *, const uint32_t *to,
	    size_t nvs);

#endif
