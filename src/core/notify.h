/*
 * notify.h - notify scripts, in order per object, and the notify FIFO.
 */
#ifndef DIRECTOR_NOTIFY_H
#define DIRECTOR_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "cfg.h"

struct notify;
struct proc_runner;

struct notify	*notify_new(struct proc_runner *);
void		 notify_free(struct notify *);
/* The user scripts run as (0, 0: root). */
void		 notify_set_user(struct notify *, uid_t, gid_t);
/*
 * An event of object kind ("INSTANCE", "GROUP") name entering state:
 * queues each script (NULL or unset ones are skipped) with the four
 * keepalived arguments, and writes one line to fifo if given.
 */
void		 notify_event(struct notify *, const char *kind,
		    const char *name, const char *state, int priority,
		    const struct cfg_argv *const *scripts, size_t nscripts,
		    const char *fifo);
/* Scripts queued or running. */
bool		 notify_busy(const struct notify *);

#endif
