/*
 * lb.h - the IPVS engine: keeps the kernel's table equal to the config.
 *
 * Every sync takes the same path, whatever asked for it (start, reload,
 * health change, drift check, directorctl): build the wanted table, read
 * the kernel's, diff, apply. Reading and applying run in time-boxed
 * slices at low event priority, so a 100,000-destination sync never holds
 * the loop for long. director owns the services its configs declared;
 * others are left alone unless global.ipvs.purge_unknown.
 */
#ifndef DIRECTOR_LB_H
#define DIRECTOR_LB_H

#include <stdbool.h>
#include <stdint.h>

#include "cfg.h"

struct director;
struct evbuffer;
struct ipvs_backend;
struct ipvs_table;
struct ipvs_service;
struct ipvs_dest;
struct lb;

enum lb_reason {
	LB_SYNC_START,
	LB_SYNC_RELOAD,
	LB_SYNC_HEALTH,
	LB_SYNC_DRIFT,
	LB_SYNC_RETRY,
	LB_SYNC_MANUAL,
};

/* What the health-check engine says of one real server. */
struct lb_rs_health {
	bool	up;
	int	weight;		/* effective weight while up */
};

struct lb_stats {
	uint64_t	syncs;		/* completed */
	uint64_t	ops;		/* applied successfully */
	uint64_t	op_errors;
	uint64_t	repairs;	/* ops a drift check needed */
	uint64_t	steps;		/* time-boxed steps run */
	uint64_t	max_slice_us;	/* longest time one step held the loop */
	const char	*max_slice_phase;	/* what that step did */
	uint64_t	last_sync_us;	/* duration of the last sync */
	uint64_t	last_sync_ops;
	uint64_t	last_sync_built;	/* virtual servers it built */
	uint64_t	quorum_changes;	/* lost or regained, logged */
	bool		busy;		/* a sync runs or is asked for */
	char		last_error[256];
};

/*
 * Starts the engine on backend be (ctx is its handle) and runs a first
 * sync. Returns NULL on ENOMEM.
 */
struct lb	*lb_new(struct director *, const struct ipvs_backend *be,
		    void *ctx);
/* Asks for a sync; requests during a sync make one more after it. */
void		 lb_sync(struct lb *, enum lb_reason);
/*
 * The config changed (after a successful reload) from old, which is
 * still alive: rebinds and syncs. When the new config was spliced from
 * old (cfg_load_next()), only its changed virtual servers are rebuilt,
 * and the others keep the health they had: then it returns true, and
 * only new servers' health needs telling. False: all of it does.
 */
bool		 lb_reconfigure(struct lb *, const struct cfg *old);
/*
 * The health engine's word on real server rs_index of virtual server
 * vs_index (indexes into the running config): syncs if it changed.
 */
void		 lb_set_rs_health(struct lb *, size_t vs_index, size_t rs_index,
		    bool up, int weight);
/* Deletes the services director owns (blocking: shutdown only). */
void		 lb_shutdown(struct lb *);
void		 lb_free(struct lb *);
const struct lb_stats *lb_stats(const struct lb *);
/* The configured virtual server a kernel service belongs to, or NULL. */
const struct cfg_vs *lb_vs_of(const struct lb *, const struct ipvs_service *);
/* A configured real server's health as the engine knows it; NULL if none. */
const struct lb_rs_health *lb_rs_health_of(const struct lb *,
		    const struct cfg_vs *, const struct cfg_rs *);
/* The weight director asks for a destination; -1 if not wanted. */
int		 lb_wanted_weight(const struct lb *, const struct ipvs_service *,
		    const struct ipvs_dest *);

/* Pure parts, in lb_desired.c. */
void	lb_conv_service(const struct cfg_vs *, struct ipvs_service *);
void	lb_conv_dest(const struct cfg_rs *, int weight, struct ipvs_dest *);
bool	lb_quorum(const struct cfg_vs *, uint64_t live, bool was_ok);
/*
 * The wanted table, one virtual server at a time: appends its service
 * (tag: the cfg_vs) to out, unsorted. health[j] is real server j, NULL:
 * all up at their configured weights. *quorum_ok carries the vs's quorum
 * state. -1 when out of memory.
 */
int	lb_desired_vs(const struct cfg_vs *, const struct lb_rs_health *health,
	    bool *quorum_ok, struct ipvs_table *out);

#endif
