/*
 * rt.c - see rt.h.
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>

#include "rt.h"

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK	0x40000000
#endif

static volatile sig_atomic_t rt_fallback;

/*
 * The loop ran RT_RTTIME_SOFT_US without blocking: a bug or a huge
 * reload. Give the CPU back to the machine; sched_setscheduler() is a
 * plain system call, safe here.
 */
static void
rt_xcpu(int sig)
{
	struct sched_param	sp;
	int			saved = errno;

	(void)sig;
	memset(&sp, 0, sizeof(sp));
	sched_setscheduler(0, SCHED_OTHER, &sp);
	rt_fallback = 1;
	errno = saved;
}

int
rt_start(int priority)
{
	struct sched_param	sp;
	struct sigaction	sa;
	struct rlimit		rl, old;
	int			e;

	if (priority < 1 || priority > RT_PRIORITY_MAX ||
	    priority > sched_get_priority_max(SCHED_RR)) {
		errno = EINVAL;
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = rt_xcpu;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (getrlimit(RLIMIT_RTTIME, &old) == -1 ||
	    sigaction(SIGXCPU, &sa, NULL) == -1)
		return -1;
	rl.rlim_cur = RT_RTTIME_SOFT_US;
	rl.rlim_max = RT_RTTIME_HARD_US;
	/* Lowering a hard limit needs no privilege; raising one does. */
	if (old.rlim_max != RLIM_INFINITY && old.rlim_max < rl.rlim_max)
		rl.rlim_max = old.rlim_max;
	if (rl.rlim_cur > rl.rlim_max)
		rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_RTTIME, &rl) == -1)
		return -1;
	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = priority;
	if (sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) == -1) {
		e = errno;
		setrlimit(RLIMIT_RTTIME, &old);
		errno = e;
		return -1;
	}
	return 0;
}

bool
rt_fell_back(void)
{
	if (!rt_fallback)
		return false;
	rt_fallback = 0;
	return true;
}
