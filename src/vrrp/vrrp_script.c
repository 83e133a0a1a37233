/*
 * vrrp_script.c - tracked scripts: each configured vrrp_script runs
 * every interval through the process runner (never blocking the loop,
 * killed at its timeout); rise successes make it good, fall failures bad.
 * A script starts bad, so an instance tracking it does not take over
 * before the service it watches has been seen healthy once.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "log.h"
#include "proc.h"
#include "vrrp_script.h"

struct vrrp_script {
	struct vrrp_scripts		*set;
	const struct cfg_vrrp_script	*conf;
	bool				 good;
	unsigned			 ok_run;	/* consecutive */
	unsigned			 bad_run;
	struct proc			*running;
	struct event			*ev;
};

struct vrrp_scripts {
	struct event_base	*base;
	struct proc_runner	*runner;
	uid_t			 uid;
	gid_t			 gid;
	struct vrrp_script	*s;
	size_t			 n;
	vrrp_script_fn		 fn;
	void			*arg;
};

static void	vrrp_script_start(struct vrrp_script *);

static void
vrrp_script_arm(struct vrrp_script *vs)
{
	struct timeval tv;

	tv.tv_sec = vs->conf->interval / 1000;
	tv.tv_usec = (vs->conf->interval % 1000) * 1000;
	evtimer_add(vs->ev, &tv);
}

static void
vrrp_script_done(void *arg, int status, bool timed_out)
{
	struct vrrp_script	*vs = arg;
	bool			 ok = !timed_out && WIFEXITED(status) &&
				    WEXITSTATUS(status) == 0;

	vs->running = NULL;
	if (ok) {
		vs->ok_run++;
		vs->bad_run = 0;
	} else {
		vs->bad_run++;
		vs->ok_run = 0;
	}
	if (!vs->good && ok && vs->ok_run >= vs->conf->rise) {
		vs->good = true;
		log_info("VRRP script %s: now good (%u successes)",
		    vs->conf->name, vs->ok_run);
		vs->set->fn(vs->set->arg, vs->conf->name, true);
	} else if (vs->good && !ok && vs->bad_run >= vs->conf->fall) {
		vs->good = false;
		log_warnx("VRRP script %s: now bad (%s, %u failures)",
		    vs->conf->name, timed_out ? "timed out" : "failed",
		    vs->bad_run);
		vs->set->fn(vs->set->arg, vs->conf->name, false);
	}
	vrrp_script_arm(vs);
}

static void
vrrp_script_start(struct vrrp_script *vs)
{
	struct proc_spec spec;

	memset(&spec, 0, sizeof(spec));
	spec.argv = vs->conf->argv.argv;
	spec.uid = vs->set->uid;
	spec.gid = vs->set->gid;
	spec.timeout_ms = vs->conf->timeout;
	spec.done = vrrp_script_done;
	spec.arg = vs;
	if ((vs->running = proc_spawn(vs->set->runner, &spec)) == NULL) {
		log_warn("VRRP script %s", vs->conf->name);
		vrrp_script_arm(vs);
	}
}

static void
vrrp_script_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	vrrp_script_start(arg);
}

static bool
vrrp_same_argv(const struct cfg_argv *a, const struct cfg_argv *b)
{
	int i;

	if (a->argc != b->argc)
		return false;
	for (i = 0; i < a->argc; i++)
		if (strcmp(a->argv[i], b->argv[i]) != 0)
			return false;
	return true;
}

/* The state of the same script in the previous set, if any. */
static const struct vrrp_script *
vrrp_script_old(const struct vrrp_scripts *old,
    const struct cfg_vrrp_script *c)
{
	size_t i;

	for (i = 0; old != NULL && i < old->n; i++)
		if (strcmp(old->s[i].conf->name, c->name) == 0 &&
		    vrrp_same_argv(&old->s[i].conf->argv, &c->argv))
			return &old->s[i];
	return NULL;
}

struct vrrp_scripts *
vrrp_scripts_new(struct event_base *base, struct proc_runner *runner,
    const struct cfg *c, uid_t uid, gid_t gid,
    const struct vrrp_scripts *old, vrrp_script_fn fn, void *arg)
{
	const struct vrrp_script *prev;
	struct vrrp_scripts	*set;
	struct vrrp_script	*vs;
	size_t			 i;

	if ((set = calloc(1, sizeof(*set))) == NULL ||
	    (set->s = calloc(c->nvrrp_scripts ? c->nvrrp_scripts : 1,
	    sizeof(*set->s))) == NULL) {
		free(set);
		return NULL;
	}
	set->base = base;
	set->runner = runner;
	set->uid = uid;
	set->gid = gid;
	set->fn = fn;
	set->arg = arg;
	for (i = 0; i < c->nvrrp_scripts; i++) {
		vs = &set->s[set->n];
		vs->set = set;
		vs->conf = &c->vrrp_scripts[i];
		if ((vs->ev = evtimer_new(base, vrrp_script_timer_cb,
		    vs)) == NULL)
			continue;
		set->n++;
		if ((prev = vrrp_script_old(old, vs->conf)) != NULL) {
			vs->good = prev->good;
			vs->ok_run = prev->ok_run;
			vs->bad_run = prev->bad_run;
			vrrp_script_arm(vs);
		} else
			vrrp_script_start(vs);	/* know the state early */
	}
	return set;
}

void
vrrp_scripts_free(struct vrrp_scripts *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++) {
		if (set->s[i].running != NULL)
			proc_cancel(set->s[i].running);
		event_free(set->s[i].ev);
	}
	free(set->s);
	free(set);
}

int
vrrp_scripts_good(const struct vrrp_scripts *set, const char *name)
{
	size_t i;

	for (i = 0; set != NULL && i < set->n; i++)
		if (strcmp(set->s[i].conf->name, name) == 0)
			return set->s[i].good;
	return -1;
}
