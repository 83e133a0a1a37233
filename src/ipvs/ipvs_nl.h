/*
 * ipvs_nl.h - the kernel's IPVS over generic netlink (libnl-genl-3).
 *
 * A leaf module: it knows the wire protocol and nothing of the daemon.
 * Functions return 0 or a negative errno; they never log.
 */
#ifndef DIRECTOR_IPVS_NL_H
#define DIRECTOR_IPVS_NL_H

#include <stddef.h>
#include <stdint.h>

struct ipvs_nl;

struct ipvs_info {
	uint32_t	version;	/* (major << 16) | (minor << 8) | patch */
	uint32_t	conn_tab_size;
};

/* Connects and resolves the "IPVS" family: -ENOENT if the kernel has none. */
int	ipvs_nl_open(struct ipvs_nl **out);
void	ipvs_nl_close(struct ipvs_nl *);
/* IPVS_CMD_GET_INFO. */
int	ipvs_nl_get_info(struct ipvs_nl *, struct ipvs_info *);
/* "1.2.1" from an ipvs_info version. */
const char *ipvs_version_str(uint32_t version, char *buf, size_t len);

#endif
