/*
 * ipvs_nl.c - see ipvs_nl.h. Protocol facts from <linux/ip_vs.h>.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/ip_vs.h>

#include "ipvs_nl.h"

struct ipvs_nl {
	struct nl_sock	*sk;
	int		 family;
};

/* libnl error codes back to errno values for callers. */
static int
ipvs_errno(int nlerr)
{
	switch (-nlerr) {
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_NOADDR:
		return -EADDRNOTAVAIL;
	case NLE_AGAIN:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

int
ipvs_nl_open(struct ipvs_nl **out)
{
	struct ipvs_nl	*nl;
	int		 rc;

	*out = NULL;
	if ((nl = calloc(1, sizeof(*nl))) == NULL)
		return -ENOMEM;
	if ((nl->sk = nl_socket_alloc()) == NULL) {
		free(nl);
		return -ENOMEM;
	}
	/* Requests here expect a reply message; errors come back anyway. */
	nl_socket_disable_auto_ack(nl->sk);
	if ((rc = genl_connect(nl->sk)) < 0)
		goto fail;
	if ((rc = genl_ctrl_resolve(nl->sk, IPVS_GENL_NAME)) < 0)
		goto fail;
	nl->family = rc;
	*out = nl;
	return 0;
fail:
	nl_socket_free(nl->sk);
	free(nl);
	return ipvs_errno(rc);
}

void
ipvs_nl_close(struct ipvs_nl *nl)
{
	if (nl == NULL)
		return;
	nl_socket_free(nl->sk);
	free(nl);
}

static int
ipvs_info_cb(struct nl_msg *msg, void *arg)
{
	static struct nla_policy policy[IPVS_INFO_ATTR_MAX + 1] = {
		[IPVS_INFO_ATTR_VERSION] = { .type = NLA_U32 },
		[IPVS_INFO_ATTR_CONN_TAB_SIZE] = { .type = NLA_U32 },
	};
	struct nlattr		*a[IPVS_INFO_ATTR_MAX + 1];
	struct ipvs_info	*info = arg;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, a, IPVS_INFO_ATTR_MAX,
	    policy) < 0)
		return NL_SKIP;
	if (a[IPVS_INFO_ATTR_VERSION])
		info->version = nla_get_u32(a[IPVS_INFO_ATTR_VERSION]);
	if (a[IPVS_INFO_ATTR_CONN_TAB_SIZE])
		info->conn_tab_size =
		    nla_get_u32(a[IPVS_INFO_ATTR_CONN_TAB_SIZE]);
	return NL_OK;
}

int
ipvs_nl_get_info(struct ipvs_nl *nl, struct ipvs_info *info)
{
	struct nl_msg	*msg;
	int		 rc;

	if ((msg = nlmsg_alloc()) == NULL)
		return -ENOMEM;
	if (genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, 0,
	    IPVS_CMD_GET_INFO, IPVS_GENL_VERSION) == NULL) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	rc = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return ipvs_errno(rc);
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, ipvs_info_cb,
	    info);
	if ((rc = nl_recvmsgs_default(nl->sk)) < 0)
		return ipvs_errno(rc);
	return 0;
}

const char *
ipvs_version_str(uint32_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u", (v >> 16) & 0xff, (v >> 8) & 0xff,
	    v & 0xff);
	return buf;
}
