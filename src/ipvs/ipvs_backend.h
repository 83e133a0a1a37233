/*
 * ipvs_backend.h - the kernel boundary of the IPVS engine as an ops
 * table: the netlink implementation in ipvs_nl.c, and an in-memory fake
 * in the unit tests, so the engine is tested without root or IPVS.
 * Every function returns 0 or a negative errno.
 */
#ifndef DIRECTOR_IPVS_BACKEND_H
#define DIRECTOR_IPVS_BACKEND_H

#include "ipvs_table.h"

struct ipvs_backend {
	const char	*name;
	/*
	 * Every service (no destinations), in pieces so a large table does
	 * not hold the loop: start asks, each more appends what one read
	 * brings to t and returns 1 while more is to come, 0 at the end;
	 * abort drops a dump in progress (after an error it is done).
	 */
	int		(*dump_services_start)(void *ctx);
	int		(*dump_services_more)(void *ctx, struct ipvs_table *t);
	void		(*dump_services_abort)(void *ctx);
	/* Fills the destinations of ts->svc. */
	int		(*dump_dests)(void *ctx, struct ipvs_table_svc *ts);
	/* Carries out one operation. */
	int		(*apply)(void *ctx, const struct ipvs_op *op);
	/* One service by key, no destinations; -ESRCH if absent. */
	int		(*get_service)(void *ctx, const struct ipvs_service *key,
			    struct ipvs_service *out);
};

/* ctx is a struct ipvs_nl *. */
extern const struct ipvs_backend ipvs_backend_netlink;

#endif
