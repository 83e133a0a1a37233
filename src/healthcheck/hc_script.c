/*
 * hc_script.c - the script checker: the program runs through the process
 * runner (no shell, as the script user, killed at the check's timeout).
 * Exit 0 is up and 1 down; with dynamic_weight, as keepalived's MISC_CHECK,
 * 2-255 is up with weight = code - 2.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "clock.h"
#include "hc.h"
#include "proc.h"

struct hc_script {
	const struct cfg_check	*ck;
	hc_done_fn		 done;
	void			*arg;
	struct proc		*proc;
	uint64_t		 started;
};

static void
hc_script_done(void *arg, int status, bool timed_out)
{
	struct hc_script	*p = arg;
	struct hc_result	 r;
	int			 code = WIFEXITED(status) ? WEXITSTATUS(status) :
				    -1;

	memset(&r, 0, sizeof(r));
	r.weight = -1;
	r.cert_days_left = -1;
	r.code = code;
	r.latency_us = clock_now_us() - p->started;
	if (timed_out) {
		r.reason = HC_SCRIPT_TIMEOUT;
		snprintf(r.detail, sizeof(r.detail), "killed after %u ms",
		    p->ck->timeout);
	} else if (code == 0) {
		r.reason = HC_OK;
		snprintf(r.detail, sizeof(r.detail), "exit 0");
	} else if (code >= 2 && p->ck->dynamic_weight) {
		r.reason = HC_OK;
		r.weight = code - 2;
		snprintf(r.detail, sizeof(r.detail), "exit %d: weight %d",
		    code, code - 2);
	} else {
		r.reason = HC_SCRIPT_FAILED;
		if (code >= 0)
			snprintf(r.detail, sizeof(r.detail), "exit %d", code);
		else
			snprintf(r.detail, sizeof(r.detail), "killed by signal "
			    "%d", WTERMSIG(status));
	}
	p->done(p->arg, &r);
	free(p);
}

static void *
hc_script_start(struct hc_ctx *ctx, const struct hc_target *t,
    hc_done_fn done, void *arg)
{
	struct hc_script	*p;
	struct proc_spec	 spec;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ck = t->ck;
	p->done = done;
	p->arg = arg;
	p->started = clock_now_us();
	memset(&spec, 0, sizeof(spec));
	spec.argv = t->ck->script.argv;
	spec.uid = ctx->uid;
	spec.gid = ctx->gid;
	spec.timeout_ms = t->ck->timeout;
	spec.done = hc_script_done;
	spec.arg = p;
	if ((p->proc = proc_spawn(ctx->runner, &spec)) == NULL) {
		free(p);
		return NULL;
	}
	return p;
}

static void
hc_script_cancel(void *probe)
{
	struct hc_script *p = probe;

	proc_cancel(p->proc);
	free(p);
}

const struct hc_checker hc_script_checker = { hc_script_start,
	hc_script_cancel, NULL };
