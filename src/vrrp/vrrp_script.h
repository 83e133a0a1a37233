/*
 * vrrp_script.h - tracked scripts (vrrp_scripts in the config).
 */
#ifndef DIRECTOR_VRRP_SCRIPT_H
#define DIRECTOR_VRRP_SCRIPT_H

#include <stdbool.h>
#include <sys/types.h>

#include "cfg.h"

struct event_base;
struct proc_runner;
struct vrrp_scripts;

/* Called when script name turns good or bad. */
typedef void (*vrrp_script_fn)(void *arg, const char *name, bool good);

/*
 * Starts every script of c, run as uid/gid. With old, scripts of the
 * same name and program keep their state (a reload changes nothing).
 */
struct vrrp_scripts *vrrp_scripts_new(struct event_base *,
		    struct proc_runner *, const struct cfg *, uid_t, gid_t,
		    const struct vrrp_scripts *old, vrrp_script_fn, void *arg);
void		 vrrp_scripts_free(struct vrrp_scripts *);
/* 1 good, 0 bad, -1 no such script. */
int		 vrrp_scripts_good(const struct vrrp_scripts *,
		    const char *name);

#endif
