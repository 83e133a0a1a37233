/*
 * caps.h - the capabilities the daemon keeps after start-up.
 *
 * Start-up needs more than the loop does (CAP_SYS_MODULE for modprobe
 * ip_vs, CAP_SETPCAP to shrink the bounding set). Once every socket is
 * open the daemon keeps only what run time needs, in the permitted,
 * effective and bounding sets; inheritable and ambient are emptied. A
 * script that runs as root is exec'd with the bounding set, so it gets
 * the same reduced set.
 */
#ifndef DIRECTOR_CAPS_H
#define DIRECTOR_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Capabilities as bit masks (1 << CAP_X), as /proc/PID/status shows. */
struct caps_state {
	uint64_t	 effective;
	uint64_t	 permitted;
	uint64_t	 inheritable;
	uint64_t	 bounding;
};

/*
 * What the loop needs: NET_ADMIN, NET_RAW, NET_BROADCAST,
 * NET_BIND_SERVICE, and SETUID, SETGID, KILL for script_user.
 */
uint64_t	 caps_runtime(void);
/* Reads the process's sets. 0, or -1 with errno set. */
int		 caps_get(struct caps_state *);
/*
 * Reduces permitted, effective and bounding to their intersection with
 * keep; empties inheritable and ambient. When CAP_SETPCAP is missing
 * (systemd already shrank the bounding set) the bounding set stays and
 * *bounding_kept is set. 0, or -1 with errno set.
 */
int		 caps_drop(uint64_t keep, bool *bounding_kept);
/* "net_admin,net_raw" (lower case, without "cap_"); "none" when 0. */
const char	*caps_names(uint64_t mask, char *buf, size_t len);

#endif
