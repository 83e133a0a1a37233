/*
 * proc.h - running external programs without blocking the loop.
 *
 * Track scripts, check scripts and notify hooks all go through here: the
 * program is forked and exec'd directly (never through a shell), as the
 * script user, in its own process group, with stdin and stdout on
 * /dev/null; it is killed (the whole group) at its timeout, and reaped
 * from SIGCHLD on the event loop, after which its callback runs.
 */
#ifndef DIRECTOR_PROC_H
#define DIRECTOR_PROC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct event_base;
struct proc_runner;
struct proc;

/* status is a waitpid() status; timed_out when we killed it. */
typedef void (*proc_done_fn)(void *arg, int status, bool timed_out);

struct proc_spec {
	char *const	*argv;		/* argv[0] is an absolute path */
	uid_t		 uid;		/* run as; 0 keeps root */
	gid_t		 gid;
	uint32_t	 timeout_ms;	/* 0: no limit */
	proc_done_fn	 done;
	void		*arg;
};

/* One per daemon: owns the SIGCHLD handler. NULL on error. */
struct proc_runner	*proc_runner_new(struct event_base *);
/* Kills every program still running (no callbacks) and frees. */
void			 proc_runner_free(struct proc_runner *);
/* Starts a program; NULL (errno set) if it could not be forked. */
struct proc		*proc_spawn(struct proc_runner *,
			    const struct proc_spec *);
/*
 * fork() under the runner: 0 in the child (its own process group, to do
 * its work and _exit()), the pid in the parent with *out set, -1 on
 * error. spec->argv is not used; the timeout, done and arg are. The
 * runner reaps the child; until then its pid cannot be reused, so
 * proc_cancel() is safe as long as done has not run.
 */
pid_t			 proc_fork(struct proc_runner *,
			    const struct proc_spec *, struct proc **out);
/* Kills a running program; its callback will not run. */
void			 proc_cancel(struct proc *);
/* Programs running now. */
unsigned		 proc_running(const struct proc_runner *);
/* Looks up a user (and its group) for proc_spec; -1 if unknown. */
int			 proc_lookup_user(const char *name, uid_t *, gid_t *);

#endif
