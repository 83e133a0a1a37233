/*
 * cfg_loader.h - loads a config file off the event loop.
 *
 * A child process parses and validates the file into an arena that lives
 * in a shared mapping, then sends back its errors and where the config
 * is. The parent adopts that config as it is, no copy: parsing 10,000
 * virtual servers takes a third of a second, which the loop must not
 * wait for (VRRP adverts, checks, the control socket).
 */
#ifndef DIRECTOR_CFG_LOADER_H
#define DIRECTOR_CFG_LOADER_H

#include "cfg.h"

#define CFG_LOADER_TIMEOUT_MS	(10 * 60 * 1000)

struct event_base;
struct cfg_loader;
struct proc_runner;

/*
 * Called once with the new config (NULL on errors) and the errors; errs
 * is freed after the call, the config belongs to the callee.
 */
typedef void	(*cfg_loader_fn)(void *arg, struct cfg *c,
		    struct cfg_errors *errs);

/*
 * The child is forked and reaped by the runner (see proc.h), killed if it
 * takes longer than CFG_LOADER_TIMEOUT_MS. It loads with cfg_load_next()
 * after prev (the running config, or NULL), which it reads, never writes.
 * NULL with errno set when no child could be started.
 */
struct cfg_loader	*cfg_loader_start(struct event_base *,
			    struct proc_runner *, const char *file,
			    const struct cfg *prev, cfg_loader_fn, void *arg);
/* Stops a load in flight; fn is not called. */
void			 cfg_loader_cancel(struct cfg_loader *);

#endif
