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
/* Frees every service and destination; the table is empty afterwards. */
void			 ipvs_table_free(struct ipvs_table *);

#endif
