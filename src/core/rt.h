/*
 * rt.h - real-time scheduling for the daemon (global realtime_priority).
 *
 * VRRP, the health checks and IPVS share one loop, so the whole process
 * runs SCHED_RR: a busy machine then cannot make adverts late, only a
 * higher real-time task can. Children (scripts) start with the normal
 * policy (SCHED_RESET_ON_FORK). RLIMIT_RTTIME bounds how long the loop
 * may run without blocking: past the soft limit the daemon falls back
 * to the normal policy (SIGXCPU) rather than starve the machine; the
 * hard limit (SIGKILL from the kernel) is a last resort.
 */
#ifndef DIRECTOR_RT_H
#define DIRECTOR_RT_H

#include <stdbool.h>

#define RT_PRIORITY_MAX		99
/* CPU time without blocking, in microseconds: soft, then hard. */
#define RT_RTTIME_SOFT_US	1000000
#define RT_RTTIME_HARD_US	3000000

/*
 * Switches the process to SCHED_RR at priority (1..RT_PRIORITY_MAX)
 * with the RLIMIT_RTTIME guard above. Needs CAP_SYS_NICE (or a high
 * enough RLIMIT_RTPRIO): call it before capabilities are dropped.
 * Returns 0, or -1 with errno set and the policy unchanged.
 */
int	rt_start(int priority);
/*
 * Whether the guard fell back to the normal policy since the last call
 * (then it logs nothing itself: the caller does, from the loop).
 */
bool	rt_fell_back(void);

#endif
