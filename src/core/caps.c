/*
 * caps.c - see caps.h. Raw capget/capset/prctl: no libcap.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "caps.h"

#define CAPS_BIT(c)	((uint64_t)1 << (c))

static const char *const caps_name[] = {
	"chown", "dac_override", "dac_read_search", "fowner", "fsetid",
	"kill", "setgid", "setuid", "setpcap", "linux_immutable",
	"net_bind_service", "net_broadcast", "net_admin", "net_raw",
	"ipc_lock", "ipc_owner", "sys_module", "sys_rawio", "sys_chroot",
	"sys_ptrace", "sys_pacct", "sys_admin", "sys_boot", "sys_nice",
	"sys_resource", "sys_time", "sys_tty_config", "mknod", "lease",
	"audit_write", "audit_control", "setfcap", "mac_override",
	"mac_admin", "syslog", "wake_alarm", "block_suspend", "audit_read",
	"perfmon", "bpf", "checkpoint_restore",
};

uint64_t
caps_runtime(void)
{
	return CAPS_BIT(CAP_NET_ADMIN) | CAPS_BIT(CAP_NET_RAW) |
	    CAPS_BIT(CAP_NET_BROADCAST) | CAPS_BIT(CAP_NET_BIND_SERVICE) |
	    CAPS_BIT(CAP_SETUID) | CAPS_BIT(CAP_SETGID) | CAPS_BIT(CAP_KILL);
}

static uint64_t
caps_join(uint32_t lo, uint32_t hi)
{
	return (uint64_t)hi << 32 | lo;
}

int
caps_get(struct caps_state *st)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3,
					    0 };
	struct __user_cap_data_struct	data[2];
	int				c, rc;

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	st->effective = caps_join(data[0].effective, data[1].effective);
	st->permitted = caps_join(data[0].permitted, data[1].permitted);
	st->inheritable = caps_join(data[0].inheritable,
	    data[1].inheritable);
	st->bounding = 0;
	for (c = 0; c < 64; c++) {
		if ((rc = prctl(PR_CAPBSET_READ, c, 0, 0, 0)) == -1)
			break;		/* EINVAL past the kernel's last cap */
		if (rc == 1)
			st->bounding |= CAPS_BIT(c);
	}
	return 0;
}

/* The bounding set first: dropping from it needs CAP_SETPCAP. */
static int
caps_drop_bounding(const struct caps_state *st, uint64_t keep,
    bool *bounding_kept)
{
	int c;

	*bounding_kept = false;
	if ((st->bounding & ~keep) == 0)
		return 0;
	if ((st->effective & CAPS_BIT(CAP_SETPCAP)) == 0) {
		*bounding_kept = true;
		return 0;
	}
	for (c = 0; c < 64; c++)
		if ((st->bounding & ~keep & CAPS_BIT(c)) &&
		    prctl(PR_CAPBSET_DROP, c, 0, 0, 0) == -1)
			return -1;
	return 0;
}

int
caps_drop(uint64_t keep, bool *bounding_kept)
{
	struct __user_cap_header_struct	hdr = { _LINUX_CAPABILITY_VERSION_3,
					    0 };
	struct __user_cap_data_struct	data[2];
	struct caps_state		st;
	uint64_t			set;

	if (caps_get(&st) == -1 ||
	    caps_drop_bounding(&st, keep, bounding_kept) == -1)
		return -1;
	/* Old kernels have no ambient set: nothing to clear there. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return -1;
	set = st.permitted & keep;
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (uint32_t)set;
	data[1].effective = data[1].permitted = (uint32_t)(set >> 32);
	return syscall(SYS_capset, &hdr, data) == -1 ? -1 : 0;
}

const char *
caps_names(uint64_t mask, char *buf, size_t len)
{
	size_t	n = 0;
	int	c, w;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (c = 0; c < 64 && n < len; c++) {
		if ((mask & CAPS_BIT(c)) == 0)
			continue;
		if (c < (int)(sizeof(caps_name) / sizeof(caps_name[0])))
			w = snprintf(buf + n, len - n, "%s%s", n ? "," : "",
			    caps_name[c]);
		else
			w = snprintf(buf + n, len - n, "%scap_%d", n ? "," :
			    "", c);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	if (mask == 0)
		snprintf(buf, len, "none");
	return buf;
}
