/*
 * proc.c - see proc.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "log.h"
#include "proc.h"

struct proc {
	LIST_ENTRY(proc)	 entry;
	struct proc_runner	*runner;
	pid_t			 pid;
	bool			 timed_out;
	bool			 cancelled;
	proc_done_fn		 done;
	void			*arg;
	struct event		*ev_timeout;
};

struct proc_runner {
	struct event_base	*base;
	struct event		*ev_chld;
	LIST_HEAD(, proc)	 procs;
	unsigned		 n;
};

static void
proc_free(struct proc *p)
{
	LIST_REMOVE(p, entry);
	p->runner->n--;
	if (p->ev_timeout != NULL)
		event_free(p->ev_timeout);
	free(p);
}

static struct proc *
proc_find(struct proc_runner *r, pid_t pid)
{
	struct proc *p;

	LIST_FOREACH(p, &r->procs, entry)
		if (p->pid == pid)
			return p;
	return NULL;
}

static void
proc_chld_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct proc_runner	*r = arg;
	struct proc		*p;
	pid_t			 pid;
	int			 status;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((p = proc_find(r, pid)) == NULL)
			continue;	/* not ours (modprobe is waited for) */
		if (!p->cancelled && p->done != NULL)
			p->done(p->arg, status, p->timed_out);
		proc_free(p);
	}
}

static void
proc_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct proc *p = arg;

	p->timed_out = true;
	/* The whole group: a script's own children die with it. */
	kill(-p->pid, SIGKILL);
}

struct proc_runner *
proc_runner_new(struct event_base *base)
{
	struct proc_runner *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->base = base;
	LIST_INIT(&r->procs);
	if ((r->ev_chld = evsignal_new(base, SIGCHLD, proc_chld_cb, r)) ==
	    NULL || evsignal_add(r->ev_chld, NULL) == -1) {
		if (r->ev_chld != NULL)
			event_free(r->ev_chld);
		free(r);
		return NULL;
	}
	return r;
}

void
proc_runner_free(struct proc_runner *r)
{
	struct proc	*p;
	int		 status;

	if (r == NULL)
		return;
	while ((p = LIST_FIRST(&r->procs)) != NULL) {
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, &status, 0) == -1 && errno == EINTR)
			;
		proc_free(p);
	}
	event_free(r->ev_chld);
	free(r);
}

/* In the child: a clean process, then exec. Never returns. */
static void
proc_exec(const struct proc_spec *spec)
{
	sigset_t	 all;
	int		 fd, sig;
	long		 maxfd;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
	}
	maxfd = sysconf(_SC_OPEN_MAX);
	for (fd = STDERR_FILENO + 1; fd < maxfd && fd < 65536; fd++)
		close(fd);
	if (spec->uid != 0 || spec->gid != 0) {
		if (setgroups(0, NULL) == -1 || setgid(spec->gid) == -1 ||
		    setuid(spec->uid) == -1)
			_exit(126);
	}
	execv(spec->argv[0], spec->argv);
	_exit(127);
}

pid_t
proc_fork(struct proc_runner *r, const struct proc_spec *spec,
    struct proc **out)
{
	struct proc	*p;
	struct timeval	 tv;
	int		 saved;

	*out = NULL;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -1;
	p->runner = r;
	p->done = spec->done;
	p->arg = spec->arg;
	if (spec->timeout_ms != 0 && (p->ev_timeout = evtimer_new(r->base,
	    proc_timeout_cb, p)) == NULL) {
		free(p);
		errno = ENOMEM;
		return -1;
	}
	switch (p->pid = fork()) {
	case -1:
		saved = errno;
		if (p->ev_timeout != NULL)
			event_free(p->ev_timeout);
		free(p);
		errno = saved;
		return -1;
	case 0:
		setpgid(0, 0);
		return 0;
	}
	/* Also here, so a kill at the timeout never races the child's own. */
	setpgid(p->pid, p->pid);
	LIST_INSERT_HEAD(&r->procs, p, entry);
	r->n++;
	if (p->ev_timeout != NULL) {
		tv.tv_sec = spec->timeout_ms / 1000;
		tv.tv_usec = (spec->timeout_ms % 1000) * 1000;
		evtimer_add(p->ev_timeout, &tv);
	}
	*out = p;
	return p->pid;
}

struct proc *
proc_spawn(struct proc_runner *r, const struct proc_spec *spec)
{
	struct proc *p;

	if (proc_fork(r, spec, &p) == 0)
		proc_exec(spec);
	return p;
}

void
proc_cancel(struct proc *p)
{
	p->cancelled = true;
	kill(-p->pid, SIGKILL);
	/* Reaped, and freed, by the SIGCHLD handler. */
	if (p->ev_timeout != NULL)
		event_del(p->ev_timeout);
}

unsigned
proc_running(const struct proc_runner *r)
{
	return r->n;
}

int
proc_lookup_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;

	if ((pw = getpwnam(name)) == NULL)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}
