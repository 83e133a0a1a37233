/*
 * cfg_loader.c - see cfg_loader.h.
 *
 * The child writes, on a pipe: a header (magic, number of errors, the
 * config's address or 0), then each error as a length and its bytes.
 * The parent reads it all until end of file; anything short of a whole
 * message means the child died, and the load fails with that error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "arena.h"
#include "cfg_loader.h"
#include "cfg_priv.h"
#include "proc.h"

/* Address space only: pages are used as the child touches them. */
#define CFG_LOADER_REGION	((size_t)1 << 30)
#define CFG_LOADER_MAGIC	0x64636667u	/* "dcfg" */

struct cfg_loader_hdr {
	uint32_t	magic;
	uint32_t	nerrors;
	uint64_t	cfg;		/* address in the region, 0: none */
};

struct cfg_loader {
	struct proc		*proc;		/* NULL once reaped */
	int			 fd;
	void			*region;
	struct event		*ev;
	struct evbuffer		*in;
	char			*file;
	cfg_loader_fn		 fn;
	void			*arg;
};

static int
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* In the child: load, report, exit. Never returns. */
static void
cfg_loader_child(int fd, void *region, const char *file,
    const struct cfg *prev)
{
	struct cfg_errors	 errs = { 0 };
	struct cfg_loader_hdr	 h;
	struct cfg		*c;
	sigset_t		 all;
	uint32_t		 len;
	size_t			 i;
	int			 sig;

	/*
	 * The parent's handlers would tell its loop about our signals (they
	 * write to its libevent socket pair): take the defaults.
	 */
	for (sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	arena_set_region(region, CFG_LOADER_REGION);
	cfg_load_in_child();		/* we exit next */
	c = cfg_load_next(file, prev, &errs);
	h.magic = CFG_LOADER_MAGIC;
	h.nerrors = (uint32_t)errs.n;
	h.cfg = (uint64_t)(uintptr_t)c;
	if (write_all(fd, &h, sizeof(h)) == -1)
		_exit(1);
	for (i = 0; i < errs.n; i++) {
		len = (uint32_t)strlen(errs.msg[i]);
		if (write_all(fd, &len, sizeof(len)) == -1 ||
		    write_all(fd, errs.msg[i], len) == -1)
			_exit(1);
	}
	_exit(0);
}

/* The runner reaped the child: forget it. */
static void
cfg_loader_reaped(void *arg, int status, bool timed_out)
{
	struct cfg_loader *l = arg;

	l->proc = NULL;
}

static void
cfg_loader_free(struct cfg_loader *l, bool keep_region)
{
	/* Not reaped yet, so its pid is still its own: kill it if need be. */
	if (l->proc != NULL)
		proc_cancel(l->proc);
	if (l->ev != NULL)
		event_free(l->ev);
	if (l->fd != -1)
		close(l->fd);
	if (l->in != NULL)
		evbuffer_free(l->in);
	if (l->region != NULL && !keep_region)
		munmap(l->region, CFG_LOADER_REGION);
	free(l->file);
	free(l);
}

/* The child's whole message: the config (or NULL) and errs. */
static struct cfg *
cfg_loader_parse(struct cfg_loader *l, struct cfg_errors *errs, bool *adopt)
{
	struct cfg_loader_hdr	 h;
	unsigned char		*reg = l->region;
	uintptr_t		 a;
	uint32_t		 len, i;
	char			*msg;

	*adopt = false;
	if (evbuffer_remove(l->in, &h, sizeof(h)) != sizeof(h) ||
	    h.magic != CFG_LOADER_MAGIC)
		goto died;
	for (i = 0; i < h.nerrors; i++) {
		if (evbuffer_remove(l->in, &len, sizeof(len)) != sizeof(len) ||
		    evbuffer_get_length(l->in) < len ||
		    (msg = malloc((size_t)len + 1)) == NULL)
			goto died;
		evbuffer_remove(l->in, msg, len);
		msg[len] = '\0';
		cfg_errors_add(errs, "%s", msg);
		free(msg);
	}
	a = (uintptr_t)h.cfg;
	if (a == 0)
		return NULL;
	if (a < (uintptr_t)reg || a + sizeof(struct cfg) >
	    (uintptr_t)reg + CFG_LOADER_REGION)
		goto died;
	*adopt = true;
	cfg_adopt((struct cfg *)a);
	return (struct cfg *)a;
died:
	cfg_errors_add(errs, "%s:0: the config loader process failed", l->file);
	return NULL;
}

static void
cfg_loader_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct cfg_loader	*l = arg;
	struct cfg_errors	 errs = { 0 };
	struct cfg		*c;
	cfg_loader_fn		 fn = l->fn;
	void			*fnarg = l->arg;
	bool			 adopt;
	int			 n;

	while ((n = evbuffer_read(l->in, fd, 65536)) > 0)
		;
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	/* End of file (or an error): the child is done. */
	c = cfg_loader_parse(l, &errs, &adopt);
	if (c == NULL && errs.n == 0)
		cfg_errors_add(&errs, "%s:0: the config loader process failed",
		    l->file);
	cfg_loader_free(l, adopt);
	fn(fnarg, c, &errs);
	cfg_errors_free(&errs);
}

struct cfg_loader *
cfg_loader_start(struct event_base *base, struct proc_runner *runner,
    const char *file, const struct cfg *prev, cfg_loader_fn fn, void *arg)
{
	struct proc_spec	 spec;
	struct cfg_loader	*l;
	pid_t			 pid;
	int			 p[2], saved;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->fd = -1;
	l->fn = fn;
	l->arg = arg;
	if ((l->file = strdup(file)) == NULL ||
	    (l->in = evbuffer_new()) == NULL)
		goto fail;
	l->region = mmap(NULL, CFG_LOADER_REGION, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (l->region == MAP_FAILED) {
		l->region = NULL;
		goto fail;
	}
	if (pipe2(p, O_CLOEXEC) == -1)
		goto fail;
	fflush(NULL);		/* the child must not write our buffers again */
	memset(&spec, 0, sizeof(spec));
	spec.timeout_ms = CFG_LOADER_TIMEOUT_MS;
	spec.done = cfg_loader_reaped;
	spec.arg = l;
	if ((pid = proc_fork(runner, &spec, &l->proc)) == -1) {
		saved = errno;
		close(p[0]);
		close(p[1]);
		errno = saved;
		goto fail;
	}
	if (pid == 0) {
		close(p[0]);
		cfg_loader_child(p[1], l->region, file, prev);
	}
	close(p[1]);
	l->fd = p[0];
	if (evutil_make_socket_nonblocking(l->fd) == -1 ||
	    (l->ev = event_new(base, l->fd, EV_READ | EV_PERSIST,
	    cfg_loader_read_cb, l)) == NULL || event_add(l->ev, NULL) == -1)
		goto fail;
	return l;
fail:
	saved = errno;
	cfg_loader_free(l, false);
	errno = saved ? saved : ENOMEM;
	return NULL;
}

void
cfg_loader_cancel(struct cfg_loader *l)
{
	if (l != NULL)
		cfg_loader_free(l, false);
}
