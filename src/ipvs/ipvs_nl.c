/*
 * ipvs_nl.c - see ipvs_nl.h. Protocol facts from <linux/ip_vs.h>.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/ip_vs.h>

#include "ipvs_msg.h"
#include "ipvs_backend.h"
#include "ipvs_nl.h"

struct ipvs_nl {
	struct nl_sock	*sk;
	struct nl_sock	*dsk;		/* a services dump in pieces */
	int		 family;
	int		 error;		/* errno of the last NLMSG_ERROR */
};

/* Large dumps (10,000 services) arrive in many messages: read big. */
#define IPVS_NL_BUFSIZE	(4 * 1024 * 1024)

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

/* Keeps the kernel's own errno: libnl's codes lose detail. */
static int
ipvs_err_cb(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	struct ipvs_nl *nl = arg;

	nl->error = -e->error;
	return NL_STOP;
}

int
ipvs_nl_open(struct ipvs_nl **out)
{
	struct ipvs_nl	*nl;
	struct nl_cb	*cb;
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
	nl_socket_enable_msg_peek(nl->sk);
	nl_socket_set_buffer_size(nl->sk, IPVS_NL_BUFSIZE, IPVS_NL_BUFSIZE);
	cb = nl_socket_get_cb(nl->sk);
	nl_cb_err(cb, NL_CB_CUSTOM, ipvs_err_cb, nl);
	nl_cb_put(cb);
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
	ipvs_nl_dump_services_abort(nl);
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

static struct nl_msg *ipvs_nl_msg(struct ipvs_nl *, int, int);
static int ipvs_nl_dump(struct ipvs_nl *, struct nl_msg *,
    nl_recvmsg_msg_cb_t, void *);

int
ipvs_nl_get_info(struct ipvs_nl *nl, struct ipvs_info *info)
{
	struct nl_msg *msg;

	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_GET_INFO, 0)) == NULL)
		return -ENOMEM;
	return ipvs_nl_dump(nl, msg, ipvs_info_cb, info);
}

const char *
ipvs_version_str(uint32_t v, char *buf, size_t len)
{
	snprintf(buf, len, "%u.%u.%u", (v >> 16) & 0xff, (v >> 8) & 0xff,
	    v & 0xff);
	return buf;
}

/* A request of cmd with flags; NULL on ENOMEM. */
static struct nl_msg *
ipvs_nl_msg(struct ipvs_nl *nl, int cmd, int flags)
{
	struct nl_msg *msg;

	if ((msg = nlmsg_alloc()) == NULL)
		return NULL;
	if (genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0, flags,
	    cmd, IPVS_GENL_VERSION) == NULL) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* The errno for a libnl result: the kernel's own when it sent one. */
static int
ipvs_nl_result(struct ipvs_nl *nl, int rc)
{
	if (rc >= 0)
		return 0;
	if (nl->error != 0)
		return -nl->error;
	return ipvs_errno(rc);
}

/* Sends msg (freed here) and waits for the ACK or the error. */
static int
ipvs_nl_exec(struct ipvs_nl *nl, struct nl_msg *msg)
{
	int rc;

	nl->error = 0;
	rc = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return ipvs_errno(rc);
	return ipvs_nl_result(nl, nl_wait_for_ack(nl->sk));
}

/* Sends a dump request (freed here) and feeds each reply to cb. */
static int
ipvs_nl_dump(struct ipvs_nl *nl, struct nl_msg *msg, nl_recvmsg_msg_cb_t cb,
    void *arg)
{
	int rc;

	nl->error = 0;
	rc = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return ipvs_errno(rc);
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, cb, arg);
	return ipvs_nl_result(nl, nl_recvmsgs_default(nl->sk));
}

struct ipvs_dump_arg {
	struct ipvs_table	*t;
	struct ipvs_table_svc	*ts;
	int			 error;
};

static int
ipvs_svc_cb(struct nl_msg *msg, void *arg)
{
	struct ipvs_dump_arg	*a = arg;
	struct ipvs_service	 svc;
	char			 err[128];

	if (ipvs_msg_parse_service(nlmsg_hdr(msg), &svc, err,
	    sizeof(err)) == -1)
		a->error = EPROTO;
	else if (ipvs_table_add(a->t, &svc) == NULL)
		a->error = ENOMEM;
	return NL_OK;
}

int
ipvs_nl_dump_services(struct ipvs_nl *nl, struct ipvs_table *t)
{
	struct ipvs_dump_arg	 a = { t, NULL, 0 };
	struct nl_msg		*msg;
	int			 rc;

	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_GET_SERVICE, NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	rc = ipvs_nl_dump(nl, msg, ipvs_svc_cb, &a);
	return rc != 0 ? rc : -a.error;
}

int
ipvs_nl_dump_services_start(struct ipvs_nl *nl)
{
	struct nl_msg	*msg;
	int		 rc;

	ipvs_nl_dump_services_abort(nl);
	if ((nl->dsk = nl_socket_alloc()) == NULL)
		return -ENOMEM;
	if ((rc = nl_connect(nl->dsk, NETLINK_GENERIC)) < 0) {
		ipvs_nl_dump_services_abort(nl);
		return ipvs_errno(rc);
	}
	nl_socket_enable_msg_peek(nl->dsk);
	nl_socket_set_buffer_size(nl->dsk, IPVS_NL_BUFSIZE, IPVS_NL_BUFSIZE);
	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_GET_SERVICE, NLM_F_DUMP)) == NULL) {
		ipvs_nl_dump_services_abort(nl);
		return -ENOMEM;
	}
	rc = nl_send_auto(nl->dsk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		ipvs_nl_dump_services_abort(nl);
		return ipvs_errno(rc);
	}
	return 0;
}

/*
 * One read: the kernel fills the next batch of the dump when the last
 * one is read, so a read never waits for long.
 */
int
ipvs_nl_dump_services_more(struct ipvs_nl *nl, struct ipvs_table *t)
{
	struct sockaddr_nl	 peer;
	unsigned char		*buf = NULL;
	struct nlmsghdr		*h;
	struct ipvs_service	 svc;
	char			 err[128];
	int			 n, rc = 1;

	if (nl->dsk == NULL)
		return -EINVAL;
	if ((n = nl_recv(nl->dsk, &peer, &buf, NULL)) <= 0) {
		free(buf);
		ipvs_nl_dump_services_abort(nl);
		return n == 0 ? -EIO : ipvs_errno(n);
	}
	for (h = (struct nlmsghdr *)buf; rc == 1 && nlmsg_ok(h, n);
	    h = nlmsg_next(h, &n)) {
		if (h->nlmsg_type == NLMSG_DONE)
			rc = 0;
		else if (h->nlmsg_type == NLMSG_ERROR)
			rc = ((struct nlmsgerr *)nlmsg_data(h))->error;
		else if (h->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		else if (ipvs_msg_parse_service(h, &svc, err,
		    sizeof(err)) == -1)
			rc = -EPROTO;
		else if (ipvs_table_add(t, &svc) == NULL)
			rc = -ENOMEM;
	}
	free(buf);
	if (rc != 1)
		ipvs_nl_dump_services_abort(nl);
	return rc;
}

void
ipvs_nl_dump_services_abort(struct ipvs_nl *nl)
{
	if (nl->dsk != NULL)
		nl_socket_free(nl->dsk);
	nl->dsk = NULL;
}

struct ipvs_get_arg {
	struct ipvs_service	*out;
	int			 found;
};

static int
ipvs_get_svc_cb(struct nl_msg *msg, void *arg)
{
	struct ipvs_get_arg	*a = arg;
	char			 err[128];

	if (ipvs_msg_parse_service(nlmsg_hdr(msg), a->out, err,
	    sizeof(err)) == 0)
		a->found = 1;
	return NL_OK;
}

int
ipvs_nl_get_service(struct ipvs_nl *nl, const struct ipvs_service *key,
    struct ipvs_service *out)
{
	struct ipvs_get_arg	 a = { out, 0 };
	struct nl_msg		*msg;
	int			 rc;

	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_GET_SERVICE, 0)) == NULL)
		return -ENOMEM;
	if ((rc = ipvs_msg_put_service_key(msg, key)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	if ((rc = ipvs_nl_dump(nl, msg, ipvs_get_svc_cb, &a)) != 0)
		return rc;
	return a.found ? 0 : -ESRCH;
}

static int
ipvs_dest_cb(struct nl_msg *msg, void *arg)
{
	struct ipvs_dump_arg	*a = arg;
	struct ipvs_dest	 d;
	char			 err[128];

	if (ipvs_msg_parse_dest(nlmsg_hdr(msg), a->ts->svc.af, &d, err,
	    sizeof(err)) == -1)
		a->error = EPROTO;
	else if (ipvs_table_add_dest(a->ts, &d) == NULL)
		a->error = ENOMEM;
	return NL_OK;
}

int
ipvs_nl_dump_dests(struct ipvs_nl *nl, struct ipvs_table_svc *ts)
{
	struct ipvs_dump_arg	 a = { NULL, ts, 0 };
	struct nl_msg		*msg;
	int			 rc;

	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_GET_DEST, NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	if ((rc = ipvs_msg_put_service_key(msg, &ts->svc)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	rc = ipvs_nl_dump(nl, msg, ipvs_dest_cb, &a);
	return rc != 0 ? rc : -a.error;
}

int
ipvs_nl_apply(struct ipvs_nl *nl, const struct ipvs_op *op)
{
	static const int cmds[] = {
		[IPVS_OP_SVC_ADD] = IPVS_CMD_NEW_SERVICE,
		[IPVS_OP_SVC_SET] = IPVS_CMD_SET_SERVICE,
		[IPVS_OP_SVC_DEL] = IPVS_CMD_DEL_SERVICE,
		[IPVS_OP_DEST_ADD] = IPVS_CMD_NEW_DEST,
		[IPVS_OP_DEST_SET] = IPVS_CMD_SET_DEST,
		[IPVS_OP_DEST_DEL] = IPVS_CMD_DEL_DEST,
	};
	struct nl_msg	*msg;
	int		 rc;

	if ((msg = ipvs_nl_msg(nl, cmds[op->type], NLM_F_ACK)) == NULL)
		return -ENOMEM;
	switch (op->type) {
	case IPVS_OP_SVC_ADD:
	case IPVS_OP_SVC_SET:
		rc = ipvs_msg_put_service(msg, op->svc);
		break;
	case IPVS_OP_SVC_DEL:
		rc = ipvs_msg_put_service_key(msg, op->svc);
		break;
	case IPVS_OP_DEST_ADD:
	case IPVS_OP_DEST_SET:
		rc = ipvs_msg_put_dest(msg, op->svc, op->dest);
		break;
	case IPVS_OP_DEST_DEL:
	default:
		rc = ipvs_msg_put_dest_key(msg, op->svc, op->dest);
		break;
	}
	if (rc < 0) {
		nlmsg_free(msg);
		return rc;
	}
	return ipvs_nl_exec(nl, msg);
}

int
ipvs_nl_flush(struct ipvs_nl *nl)
{
	struct nl_msg *msg;

	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_FLUSH, NLM_F_ACK)) == NULL)
		return -ENOMEM;
	return ipvs_nl_exec(nl, msg);
}

int
ipvs_nl_daemon_start(struct ipvs_nl *nl, const struct ipvs_daemon *dm)
{
	struct nl_msg	*msg;
	int		 rc;

	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_NEW_DAEMON, NLM_F_ACK)) == NULL)
		return -ENOMEM;
	if ((rc = ipvs_msg_put_daemon(msg, dm)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	return ipvs_nl_exec(nl, msg);
}

int
ipvs_nl_daemon_stop(struct ipvs_nl *nl, uint32_t state)
{
	struct nl_msg	*msg;
	int		 rc;

	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_DEL_DAEMON, NLM_F_ACK)) == NULL)
		return -ENOMEM;
	if ((rc = ipvs_msg_put_daemon_state(msg, state)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	return ipvs_nl_exec(nl, msg);
}

struct ipvs_daemons_arg {
	struct ipvs_daemon	*out;
	size_t			*n;
};

static int
ipvs_daemon_cb(struct nl_msg *msg, void *arg)
{
	struct ipvs_daemons_arg	*a = arg;
	char			 err[128];

	if (*a->n < 2 && ipvs_msg_parse_daemon(nlmsg_hdr(msg),
	    &a->out[*a->n], err, sizeof(err)) == 0)
		(*a->n)++;
	return NL_OK;
}

int
ipvs_nl_daemons(struct ipvs_nl *nl, struct ipvs_daemon out[2], size_t *n)
{
	struct ipvs_daemons_arg	 a = { out, n };
	struct nl_msg		*msg;

	*n = 0;
	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_GET_DAEMON, NLM_F_DUMP)) == NULL)
		return -ENOMEM;
	return ipvs_nl_dump(nl, msg, ipvs_daemon_cb, &a);
}

static int
ipvs_timeouts_cb(struct nl_msg *msg, void *arg)
{
	char err[128];

	if (ipvs_msg_parse_timeouts(nlmsg_hdr(msg), arg, err,
	    sizeof(err)) == -1)
		return NL_SKIP;
	return NL_OK;
}

int
ipvs_nl_get_timeouts(struct ipvs_nl *nl, struct ipvs_timeouts *t)
{
	struct nl_msg *msg;

	memset(t, 0, sizeof(*t));
	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_GET_CONFIG, 0)) == NULL)
		return -ENOMEM;
	return ipvs_nl_dump(nl, msg, ipvs_timeouts_cb, t);
}

int
ipvs_nl_set_timeouts(struct ipvs_nl *nl, const struct ipvs_timeouts *t)
{
	struct nl_msg	*msg;
	int		 rc;

	if ((msg = ipvs_nl_msg(nl, IPVS_CMD_SET_CONFIG, NLM_F_ACK)) == NULL)
		return -ENOMEM;
	if ((rc = ipvs_msg_put_timeouts(msg, t)) < 0) {
		nlmsg_free(msg);
		return rc;
	}
	return ipvs_nl_exec(nl, msg);
}

static int
ipvs_be_dump_services_start(void *ctx)
{
	return ipvs_nl_dump_services_start(ctx);
}

static int
ipvs_be_dump_services_more(void *ctx, struct ipvs_table *t)
{
	return ipvs_nl_dump_services_more(ctx, t);
}

static void
ipvs_be_dump_services_abort(void *ctx)
{
	ipvs_nl_dump_services_abort(ctx);
}

static int
ipvs_be_dump_dests(void *ctx, struct ipvs_table_svc *ts)
{
	return ipvs_nl_dump_dests(ctx, ts);
}

static int
ipvs_be_apply(void *ctx, const struct ipvs_op *op)
{
	return ipvs_nl_apply(ctx, op);
}

static int
ipvs_be_get_service(void *ctx, const struct ipvs_service *key,
    struct ipvs_service *out)
{
	return ipvs_nl_get_service(ctx, key, out);
}

const struct ipvs_backend ipvs_backend_netlink = {
	"netlink",
	ipvs_be_dump_services_start,
	ipvs_be_dump_services_more,
	ipvs_be_dump_services_abort,
	ipvs_be_dump_dests,
	ipvs_be_apply,
	ipvs_be_get_service,
};
