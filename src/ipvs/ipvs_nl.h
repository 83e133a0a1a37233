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

#include "ipvs_table.h"

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

/* Reads every service (without destinations) into t, appended. */
int	ipvs_nl_dump_services(struct ipvs_nl *, struct ipvs_table *t);
/*
 * The same dump in pieces, on a socket of its own (requests on the main
 * one may run between pieces): start sends the request; each more reads
 * one batch into t and returns 1 while more is to come, 0 when done, or
 * -errno; abort drops what is left.
 */
int	ipvs_nl_dump_services_start(struct ipvs_nl *);
int	ipvs_nl_dump_services_more(struct ipvs_nl *, struct ipvs_table *t);
void	ipvs_nl_dump_services_abort(struct ipvs_nl *);
/*
 * Reads one service by its key into out (no destinations): 0, or
 * -ESRCH / -ENOENT when the kernel has no such service.
 */
int	ipvs_nl_get_service(struct ipvs_nl *, const struct ipvs_service *key,
	    struct ipvs_service *out);
/* Reads the destinations of ts->svc into ts (which must have none). */
int	ipvs_nl_dump_dests(struct ipvs_nl *, struct ipvs_table_svc *ts);
/* Carries out one operation of a diff and waits for the kernel's answer. */
int	ipvs_nl_apply(struct ipvs_nl *, const struct ipvs_op *);
/* Removes every service: only ever on an explicit request. */
int	ipvs_nl_flush(struct ipvs_nl *);
/* Starts / stops a connection-sync daemon. */
int	ipvs_nl_daemon_start(struct ipvs_nl *, const struct ipvs_daemon *);
int	ipvs_nl_daemon_stop(struct ipvs_nl *, uint32_t state);
/* The running sync daemons (at most 2: a master and a backup). */
int	ipvs_nl_daemons(struct ipvs_nl *, struct ipvs_daemon out[2],
	    size_t *n);
int	ipvs_nl_get_timeouts(struct ipvs_nl *, struct ipvs_timeouts *);
int	ipvs_nl_set_timeouts(struct ipvs_nl *, const struct ipvs_timeouts *);

#endif
