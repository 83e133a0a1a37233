/*
 * ipvs_msg.h - IPVS generic netlink messages: values to attributes and
 * back. Wire format only: no socket, no logging, no daemon state.
 *
 * Builders append attributes to a message the caller has allocated and
 * given its generic netlink header (genlmsg_put with the IPVS family id
 * and the command). They return 0, -ENOMEM when the message has no room
 * left, -EAFNOSUPPORT for a family other than AF_INET/AF_INET6 or
 * -EINVAL for a name that does not fit the kernel's field; on failure
 * the message holds no partial nest.
 *
 * Parsers take one reply or dump message and return 0, or -1 with a
 * reason in err.
 */
#ifndef DIRECTOR_IPVS_MSG_H
#define DIRECTOR_IPVS_MSG_H

#include <stddef.h>
#include <stdint.h>

#include "ipvs_types.h"

struct nl_msg;
struct nlmsghdr;

/* IPVS_CMD_NEW_SERVICE, IPVS_CMD_SET_SERVICE: the full service. */
int	ipvs_msg_put_service(struct nl_msg *, const struct ipvs_service *);
/*
 * IPVS_CMD_DEL_SERVICE, IPVS_CMD_GET_SERVICE (one service) and
 * IPVS_CMD_GET_DEST (the dump of one service's destinations): the key.
 */
int	ipvs_msg_put_service_key(struct nl_msg *,
	    const struct ipvs_service *);
/* IPVS_CMD_NEW_DEST, IPVS_CMD_SET_DEST: service key and full dest. */
int	ipvs_msg_put_dest(struct nl_msg *, const struct ipvs_service *,
	    const struct ipvs_dest *);
/* IPVS_CMD_DEL_DEST: service key and destination key. */
int	ipvs_msg_put_dest_key(struct nl_msg *, const struct ipvs_service *,
	    const struct ipvs_dest *);
/* IPVS_CMD_NEW_DAEMON. */
int	ipvs_msg_put_daemon(struct nl_msg *, const struct ipvs_daemon *);
/* IPVS_CMD_DEL_DAEMON: IP_VS_STATE_MASTER or IP_VS_STATE_BACKUP. */
int	ipvs_msg_put_daemon_state(struct nl_msg *, uint32_t state);
/* IPVS_CMD_SET_CONFIG: the non-zero timeouts; zero ones stay as they are. */
int	ipvs_msg_put_timeouts(struct nl_msg *, const struct ipvs_timeouts *);

/* A GET_SERVICE reply or dump message (or a NEW/SET_SERVICE request). */
int	ipvs_msg_parse_service(struct nlmsghdr *, struct ipvs_service *,
	    char *err, size_t errlen);
/*
 * A GET_DEST dump message (or a NEW/SET_DEST request). svc_af is the
 * family of the service dumped, taken for the destination when the
 * kernel (before 3.18) does not say.
 */
int	ipvs_msg_parse_dest(struct nlmsghdr *, uint16_t svc_af,
	    struct ipvs_dest *, char *err, size_t errlen);
/* A GET_DAEMON dump message: one per running daemon. */
int	ipvs_msg_parse_daemon(struct nlmsghdr *, struct ipvs_daemon *,
	    char *err, size_t errlen);
/* A GET_CONFIG reply; timeouts the kernel does not report are 0. */
int	ipvs_msg_parse_timeouts(struct nlmsghdr *, struct ipvs_timeouts *,
	    char *err, size_t errlen);

#endif
