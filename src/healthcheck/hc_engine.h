/*
 * hc_engine.h - the health-check engine: schedules each real server's
 * check and keeps its state (see hc_engine.c for the policy).
 */
#ifndef DIRECTOR_HC_ENGINE_H
#define DIRECTOR_HC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cfg.h"
#include "hc.h"

struct event;
struct hc_engine;

/*
 * What the checks of one virtual server share: a reload that carries
 * them over points this at the new config, once for all of them.
 */
struct hc_vs {
	const struct cfg_vs	*vs;
	size_t			 index;		/* in cfg->vs */
	size_t			 refs;		/* servers pointing here */
};

/* One checked real server: conf pointers, then runtime; read only. */
struct hc_server {
	struct hc_engine	*engine;
	struct hc_vs		*hv;		/* see hc_server_vs() */
	const struct cfg_rs	*rs;
	const struct cfg_check	*ck;
	size_t			 rs_index;	/* in vs->rs */
	const struct hc_checker	*checker;
	bool			 up;
	int			 weight;	/* in use: target, or ramping */
	int			 target;	/* configured or dynamic */
	uint64_t		 up_since_us;	/* slow start: when it came up */
	uint64_t		 due_us;	/* when the current probe was due */
	unsigned		 ok_run;	/* consecutive */
	unsigned		 fail_run;
	uint64_t		 checks;
	uint64_t		 failures;
	uint64_t		 changes;
	uint64_t		 results[HC_NREASONS];
	struct hc_result	 last;
	time_t			 last_change;	/* 0: never */
	bool			 cert_warned;
	void			*probe;		/* in flight, or NULL */
	void			*cache;		/* the checker's (hc_target) */
	struct event		*ev;
	struct event		*ev_ramp;	/* slow start steps */
};

/* A server went up or down, or its dynamic weight changed. */
typedef void (*hc_change_fn)(void *arg, const struct hc_server *);

struct hc_engine *hc_engine_new(const struct hc_ctx *, const struct cfg *,
		    hc_change_fn, void *arg);
/*
 * A new config: servers whose vs, address, port and check settings are
 * unchanged keep their state, counters and schedule; others start anew
 * in their initial state. Call before the old config is freed.
 */
void		 hc_engine_reconfigure(struct hc_engine *, const struct cfg *);
void		 hc_engine_free(struct hc_engine *);
size_t		 hc_engine_count(const struct hc_engine *);
const struct hc_server *hc_engine_server(const struct hc_engine *, size_t);
/*
 * The servers the last build or reconfigure made anew (their state is
 * news to the IPVS engine); the others a reload carried over whole.
 */
size_t		 hc_engine_fresh_count(const struct hc_engine *);
const struct hc_server *hc_engine_fresh(const struct hc_engine *, size_t);

static inline const struct cfg_vs *
hc_server_vs(const struct hc_server *s)
{
	return s->hv->vs;
}

/* Its virtual server's index in the running config. */
static inline size_t
hc_server_vs_index(const struct hc_server *s)
{
	return s->hv->index;
}

#endif
