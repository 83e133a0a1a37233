/*
 * ipvs_diff.h - the IPVS reconciler: from the table director wants and
 * the table the kernel holds, the list of operations that turns one
 * into the other. Pure: no kernel access, no logging, no daemon state.
 *
 * Order of the list (make before break, so a service never loses a
 * working destination to a replacement that is not there yet):
 *   1. SVC_ADD of each new service, each followed by its DEST_ADDs;
 *   2. SVC_SET of kept services whose settings differ;
 *   3. DEST_ADD of destinations new to kept services;
 *   4. DEST_SET of destinations whose settings differ;
 *   5. DEST_DEL of destinations leaving kept services;
 *   6. SVC_DEL of services no longer wanted, their destinations with
 *      them (no DEST_DEL for those).
 * Within a step, operations follow service then destination key order,
 * so the list does not depend on the order of the input tables.
 * A DEST_ADD only ever follows the SVC_ADD of its service or concerns
 * a service the kernel already holds.
 */
#ifndef DIRECTOR_IPVS_DIFF_H
#define DIRECTOR_IPVS_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "ipvs_types.h"

/* One service with its destinations, as wanted or as read back. */
struct ipvs_table_svc {
	struct ipvs_service	 svc;
	struct ipvs_dest	*dests;
	size_t			 ndests;
	const void		*tag;	/* the caller's, never read here */
};

enum ipvs_op_type {
	IPVS_OP_SVC_ADD,
	IPVS_OP_SVC_SET,
	IPVS_OP_SVC_DEL,
	IPVS_OP_DEST_ADD,
	IPVS_OP_DEST_SET,
	IPVS_OP_DEST_DEL,
};

/*
 * ADD and SET point into the wanted table (the values to send), DEL
 * into the kernel table (the key to send). dest is NULL for SVC_*.
 */
struct ipvs_op {
	enum ipvs_op_type		 type;
	const struct ipvs_service	*svc;
	const struct ipvs_dest		*dest;
};

/* Zero-initialise; ipvs_oplist_free() releases and empties it. */
struct ipvs_oplist {
	struct ipvs_op		*ops;
	size_t			 n;
	size_t			 cap;
};

/*
 * Fills ops (which it empties first) with what turns the kernel table
 * have[] into want[]. Services in have[] but not in want[] are deleted
 * if director owned them (owned[i] for have[i]; owned may be NULL for
 * none) or if purge_unknown is set; others belong to someone else and
 * are left alone. A wanted service found in the kernel is adopted
 * whoever made it: its settings and destinations are made to match.
 * What is compared: services by scheduler, flags (IPVS_SVC_F_SETTABLE),
 * timeout and netmask; destinations by forwarding method, weight,
 * thresholds and, for tunnels, tunnel type, port and flags. Statistics
 * and connection counts never are. Both tables must outlive ops.
 * Returns 0, or -1 with errno ENOMEM, or EINVAL when a table holds one
 * service twice or a service one destination twice (ops is then empty).
 */
int	ipvs_diff(const struct ipvs_table_svc *want, size_t nwant,
	    const struct ipvs_table_svc *have, size_t nhave,
	    const bool *owned, bool purge_unknown, struct ipvs_oplist *ops);
/*
 * The same in steps, for large tables: ipvs_diff_new() sorts both tables
 * (NULL with errno on error), each ipvs_diff_step() merges at most max
 * services and returns 1 while some are left, 0 at the end, -1 with
 * errno on error; ipvs_diff_finish() then fills ops, in the same order
 * as ipvs_diff(). ipvs_diff_free() at the end, whatever happened.
 */
struct ipvs_diff;
struct ipvs_diff *ipvs_diff_new(const struct ipvs_table_svc *want,
		    size_t nwant, const struct ipvs_table_svc *have,
		    size_t nhave, const bool *owned, bool purge_unknown);
int		 ipvs_diff_step(struct ipvs_diff *, size_t max);
int		 ipvs_diff_finish(struct ipvs_diff *, struct ipvs_oplist *ops);
void		 ipvs_diff_free(struct ipvs_diff *);
void	ipvs_oplist_free(struct ipvs_oplist *);
/* "svc-add", "dest-del"... for logs. */
const char *ipvs_op_name(enum ipvs_op_type);

#endif
