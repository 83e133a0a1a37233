/*
 * ipvs_table.h - a growable table of services with their destinations,
 * as read from the kernel or built from the config. Owns its memory.
 */
#ifndef DIRECTOR_IPVS_TABLE_H
#define DIRECTOR_IPVS_TABLE_H

#include <stddef.h>

#include "ipvs_diff.h"

struct ipvs_table {
	struct ipvs_table_svc	*svcs;
	size_t			 n;
	size_t			 cap;
};

/* Appends a service with no destinations; returns it, or NULL (ENOMEM). */
struct ipvs_table_svc	*ipvs_table_add(struct ipvs_table *,
			    const struct ipvs_service *);
/* Appends a destination to ts; returns it, or NULL (ENOMEM). */
struct ipvs_dest	*ipvs_table_add_dest(struct ipvs_table_svc *ts,
			    const struct ipvs_dest *);
/* Sorts services by key (and each service's destinations). */
void			 ipvs_table_sort(struct ipvs_table *);
/* The service with svc's key in a sorted table, or NULL. */
struct ipvs_table_svc	*ipvs_table_find(const struct ipvs_table *,
			    const struct ipvs_service *svc);
/* The destination with d's key in ts (sorted), or NULL. */
struct ipvs_dest	*ipvs_table_find_dest(const struct ipvs_table_svc *ts,
			    const struct ipvs_dest *d);
/*
 * Brings sorted table t up to date in one pass: the services of sorted
 * upd replace those with their keys in t or join it, and those with the
 * keys of sorted del[] leave it, unless upd has them. upd's services and
 * destinations move into t (upd is empty afterwards, t stays sorted).
 * Returns 0, or -1 (ENOMEM) with both tables unchanged.
 */
int			 ipvs_table_merge(struct ipvs_table *t,
			    struct ipvs_table *upd,
			    const struct ipvs_service *del, size_t ndel);
/* Frees every service and destination; the table is empty afterwards. */
void			 ipvs_table_free(struct ipvs_table *);

#endif
