/*
 * ipvs_msg.c - see ipvs_msg.h. Protocol facts from <linux/ip_vs.h> and
 * the kernel's net/netfilter/ipvs/ip_vs_ctl.c.
 *
 * Addresses go out as 16 bytes, sizeof(union nf_inet_addr), whatever
 * the family: an IPv4 address in the first 4 and zeroes after. The
 * kernel's policy takes up to 16 and nla_memcpy()s into that union, so
 * 4 would do on kernels that zero the rest; but the kernel's own
 * replies carry 16 and ipvsadm and keepalived send 16, so this is the
 * path every kernel has been exercised with. Parsers accept 4 or more
 * bytes for IPv4, 16 for IPv6.
 *
 * Ports (service, destination, GUE tunnel) are big-endian on the wire:
 * the kernel reads and writes them with nla_get_be16()/nla_put_be16().
 * The persistence netmask is an __be32 mask for IPv4 but a plain prefix
 * length for IPv6 (the kernel checks 1..128 on the raw value).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ipvs_msg.h"

#define IPVS_NF_ADDR_LEN	16	/* sizeof(union nf_inet_addr) */

/*
 * Policies are not const: libnl before 3.5 declared the parse functions
 * with non-const policy pointers (ipvs_nl.c does the same).
 */
static struct nla_policy ipvs_cmd_policy[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] =	{ .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DEST] =		{ .type = NLA_NESTED },
	[IPVS_CMD_ATTR_DAEMON] =	{ .type = NLA_NESTED },
	[IPVS_CMD_ATTR_TIMEOUT_TCP] =	{ .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = { .type = NLA_U32 },
	[IPVS_CMD_ATTR_TIMEOUT_UDP] =	{ .type = NLA_U32 },
};

static struct nla_policy ipvs_svc_policy[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] =		{ .type = NLA_U16 },
	[IPVS_SVC_ATTR_PROTOCOL] =	{ .type = NLA_U16 },
	[IPVS_SVC_ATTR_ADDR] =		{ .type = NLA_UNSPEC,
					  .minlen = sizeof(struct in_addr),
					  .maxlen = IPVS_NF_ADDR_LEN },
	[IPVS_SVC_ATTR_PORT] =		{ .type = NLA_U16 },
	[IPVS_SVC_ATTR_FWMARK] =	{ .type = NLA_U32 },
	[IPVS_SVC_ATTR_SCHED_NAME] =	{ .type = NLA_STRING,
					  .maxlen = IP_VS_SCHEDNAME_MAXLEN },
	[IPVS_SVC_ATTR_FLAGS] =		{ .type = NLA_UNSPEC, .minlen =
					  sizeof(struct ip_vs_flags) },
	[IPVS_SVC_ATTR_TIMEOUT] =	{ .type = NLA_U32 },
	[IPVS_SVC_ATTR_NETMASK] =	{ .type = NLA_U32 },
	[IPVS_SVC_ATTR_STATS] =		{ .type = NLA_NESTED },
	[IPVS_SVC_ATTR_PE_NAME] =	{ .type = NLA_STRING,
					  .maxlen = IP_VS_PENAME_MAXLEN },
	[IPVS_SVC_ATTR_STATS64] =	{ .type = NLA_NESTED },
};

static struct nla_policy ipvs_dest_policy[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] =		{ .type = NLA_UNSPEC,
					  .minlen = sizeof(struct in_addr),
					  .maxlen = IPVS_NF_ADDR_LEN },
	[IPVS_DEST_ATTR_PORT] =		{ .type = NLA_U16 },
	[IPVS_DEST_ATTR_FWD_METHOD] =	{ .type = NLA_U32 },
	[IPVS_DEST_ATTR_WEIGHT] =	{ .type = NLA_U32 },
	[IPVS_DEST_ATTR_U_THRESH] =	{ .type = NLA_U32 },
	[IPVS_DEST_ATTR_L_THRESH] =	{ .type = NLA_U32 },
	[IPVS_DEST_ATTR_ACTIVE_CONNS] =	{ .type = NLA_U32 },
	[IPVS_DEST_ATTR_INACT_CONNS] =	{ .type = NLA_U32 },
	[IPVS_DEST_ATTR_PERSIST_CONNS] = { .type = NLA_U32 },
	[IPVS_DEST_ATTR_STATS] =	{ .type = NLA_NESTED },
	[IPVS_DEST_ATTR_ADDR_FAMILY] =	{ .type = NLA_U16 },
	[IPVS_DEST_ATTR_STATS64] =	{ .type = NLA_NESTED },
	[IPVS_DEST_ATTR_TUN_TYPE] =	{ .type = NLA_U8 },
	[IPVS_DEST_ATTR_TUN_PORT] =	{ .type = NLA_U16 },
	[IPVS_DEST_ATTR_TUN_FLAGS] =	{ .type = NLA_U16 },
};

static struct nla_policy ipvs_daemon_policy[IPVS_DAEMON_ATTR_MAX + 1] = {
	[IPVS_DAEMON_ATTR_STATE] =	{ .type = NLA_U32 },
	[IPVS_DAEMON_ATTR_MCAST_IFN] =	{ .type = NLA_STRING,
					  .maxlen = IP_VS_IFNAME_MAXLEN },
	[IPVS_DAEMON_ATTR_SYNC_ID] =	{ .type = NLA_U32 },
};

/* Where each counter goes; its width on the wire varies, see below. */
static const struct {
	int	type;
	size_t	off;
} ipvs_stats_fields[] = {
	{ IPVS_STATS_ATTR_CONNS,	offsetof(struct ipvs_stats, conns) },
	{ IPVS_STATS_ATTR_INPKTS,	offsetof(struct ipvs_stats, inpkts) },
	{ IPVS_STATS_ATTR_OUTPKTS,	offsetof(struct ipvs_stats, outpkts) },
	{ IPVS_STATS_ATTR_INBYTES,	offsetof(struct ipvs_stats, inbytes) },
	{ IPVS_STATS_ATTR_OUTBYTES,	offsetof(struct ipvs_stats, outbytes) },
	{ IPVS_STATS_ATTR_CPS,		offsetof(struct ipvs_stats, cps) },
	{ IPVS_STATS_ATTR_INPPS,	offsetof(struct ipvs_stats, inpps) },
	{ IPVS_STATS_ATTR_OUTPPS,	offsetof(struct ipvs_stats, outpps) },
	{ IPVS_STATS_ATTR_INBPS,	offsetof(struct ipvs_stats, inbps) },
	{ IPVS_STATS_ATTR_OUTBPS,	offsetof(struct ipvs_stats, outbps) },
};

static bool
ipvs_af_ok(uint16_t af)
{
	return af == AF_INET || af == AF_INET6;
}

/* A name fits the kernel's char[len] field if it is NUL-terminated. */
static bool
ipvs_name_ok(const char *s, size_t len)
{
	return memchr(s, '\0', len) != NULL;
}

/*
 * Where the message ends now, and going back there: a failed builder
 * leaves the message as it found it, as nla_nest_cancel() would.
 */
static struct nlattr *
ipvs_msg_mark(struct nl_msg *msg)
{
	return nlmsg_tail(nlmsg_hdr(msg));
}

static int
ipvs_msg_rewind(struct nl_msg *msg, struct nlattr *mark)
{
	nla_nest_cancel(msg, mark);
	return -ENOMEM;
}

/* For the kernel the IPv4 mask is __be32, the IPv6 prefix a number. */
static uint32_t
ipvs_netmask_to_wire(uint16_t af, uint32_t netmask)
{
	return af == AF_INET6 ? netmask : htonl(netmask);
}

static uint32_t
ipvs_netmask_from_wire(uint16_t af, uint32_t netmask)
{
	return af == AF_INET6 ? netmask : ntohl(netmask);
}

static int
ipvs_put_addr(struct nl_msg *msg, int type, uint16_t af,
    const union ipvs_addr *addr)
{
	uint8_t	buf[IPVS_NF_ADDR_LEN];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, addr, ipvs_addr_len(af));
	return nla_put(msg, type, sizeof(buf), buf);
}

/* An IPVS_CMD_ATTR_SERVICE nest: the key, and with full the settings. */
static int
ipvs_put_svc_nest(struct nl_msg *msg, const struct ipvs_service *svc,
    bool full)
{
	struct ip_vs_flags	 fl;
	struct nlattr		*nest;

	if ((nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE)) == NULL)
		return -1;
	if (nla_put_u16(msg, IPVS_SVC_ATTR_AF, svc->af) < 0)
		return -1;
	if (svc->fwmark != 0) {
		if (nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, svc->fwmark) < 0)
			return -1;
	} else if (nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL,
	    svc->protocol) < 0 ||
	    ipvs_put_addr(msg, IPVS_SVC_ATTR_ADDR, svc->af, &svc->addr) < 0 ||
	    nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(svc->port)) < 0)
		return -1;
	if (full) {
		/*
		 * mask ~0: these flags replace the kernel's rather than
		 * merge. Never HASHED: ip_vs_add_service() would copy it
		 * and then refuse to hash a service it thinks is hashed.
		 */
		fl.flags = svc->flags & ~IP_VS_SVC_F_HASHED;
		fl.mask = ~0U;
		if (nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME,
		    svc->sched) < 0 ||
		    nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl) < 0 ||
		    nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, svc->timeout) < 0 ||
		    nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK,
		    ipvs_netmask_to_wire(svc->af, svc->netmask)) < 0)
			return -1;
	}
	return nla_nest_end(msg, nest) < 0 ? -1 : 0;
}

/* The tunnel settings: for other methods the kernel zeroes them. */
static int
ipvs_put_tunnel(struct nl_msg *msg, const struct ipvs_dest *d)
{
	if ((d->fwd & IP_VS_CONN_F_FWD_MASK) != IP_VS_CONN_F_TUNNEL)
		return 0;
	if (nla_put_u8(msg, IPVS_DEST_ATTR_TUN_TYPE, d->tun_type) < 0 ||
	    nla_put_u16(msg, IPVS_DEST_ATTR_TUN_PORT, htons(d->tun_port)) < 0 ||
	    nla_put_u16(msg, IPVS_DEST_ATTR_TUN_FLAGS, d->tun_flags) < 0)
		return -1;
	return 0;
}

/* An IPVS_CMD_ATTR_DEST nest: the key, and with full the settings. */
static int
ipvs_put_dest_nest(struct nl_msg *msg, uint16_t svc_af,
    const struct ipvs_dest *d, bool full)
{
	struct nlattr	*nest;

	if ((nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST)) == NULL)
		return -1;
	if (ipvs_put_addr(msg, IPVS_DEST_ATTR_ADDR, d->af, &d->addr) < 0 ||
	    nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(d->port)) < 0)
		return -1;
	/*
	 * Without it the kernel takes the service's family; kernels before
	 * 3.18 know no other, so say it only when it differs. DEL_DEST
	 * needs it too: the kernel looks the destination up by family.
	 */
	if (d->af != svc_af &&
	    nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, d->af) < 0)
		return -1;
	if (full) {
		if (nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD,
		    d->fwd & IP_VS_CONN_F_FWD_MASK) < 0 ||
		    nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT,
		    (uint32_t)d->weight) < 0 ||
		    nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH,
		    d->u_threshold) < 0 ||
		    nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH,
		    d->l_threshold) < 0 ||
		    ipvs_put_tunnel(msg, d) < 0)
			return -1;
	}
	return nla_nest_end(msg, nest) < 0 ? -1 : 0;
}

static int
ipvs_put_service_msg(struct nl_msg *msg, const struct ipvs_service *svc,
    bool full)
{
	struct nlattr	*mark;

	if (!ipvs_af_ok(svc->af))
		return -EAFNOSUPPORT;
	if (full && !ipvs_name_ok(svc->sched, sizeof(svc->sched)))
		return -EINVAL;
	mark = ipvs_msg_mark(msg);
	if (ipvs_put_svc_nest(msg, svc, full) < 0)
		return ipvs_msg_rewind(msg, mark);
	return 0;
}

int
ipvs_msg_put_service(struct nl_msg *msg, const struct ipvs_service *svc)
{
	return ipvs_put_service_msg(msg, svc, true);
}

int
ipvs_msg_put_service_key(struct nl_msg *msg, const struct ipvs_service *svc)
{
	return ipvs_put_service_msg(msg, svc, false);
}

static int
ipvs_put_dest_msg(struct nl_msg *msg, const struct ipvs_service *svc,
    const struct ipvs_dest *d, bool full)
{
	struct nlattr	*mark;

	if (!ipvs_af_ok(svc->af) || !ipvs_af_ok(d->af))
		return -EAFNOSUPPORT;
	mark = ipvs_msg_mark(msg);
	if (ipvs_put_svc_nest(msg, svc, false) < 0 ||
	    ipvs_put_dest_nest(msg, svc->af, d, full) < 0)
		return ipvs_msg_rewind(msg, mark);
	return 0;
}

int
ipvs_msg_put_dest(struct nl_msg *msg, const struct ipvs_service *svc,
    const struct ipvs_dest *d)
{
	return ipvs_put_dest_msg(msg, svc, d, true);
}

int
ipvs_msg_put_dest_key(struct nl_msg *msg, const struct ipvs_service *svc,
    const struct ipvs_dest *d)
{
	return ipvs_put_dest_msg(msg, svc, d, false);
}

int
ipvs_msg_put_daemon(struct nl_msg *msg, const struct ipvs_daemon *dm)
{
	struct nlattr	*mark, *nest;

	if (dm->ifname[0] == '\0' ||
	    !ipvs_name_ok(dm->ifname, sizeof(dm->ifname)))
		return -EINVAL;
	mark = ipvs_msg_mark(msg);
	if ((nest = nla_nest_start(msg, IPVS_CMD_ATTR_DAEMON)) == NULL ||
	    nla_put_u32(msg, IPVS_DAEMON_ATTR_STATE, dm->state) < 0 ||
	    nla_put_string(msg, IPVS_DAEMON_ATTR_MCAST_IFN, dm->ifname) < 0 ||
	    nla_put_u32(msg, IPVS_DAEMON_ATTR_SYNC_ID, dm->syncid) < 0 ||
	    nla_nest_end(msg, nest) < 0)
		return ipvs_msg_rewind(msg, mark);
	return 0;
}

int
ipvs_msg_put_daemon_state(struct nl_msg *msg, uint32_t state)
{
	struct nlattr	*mark, *nest;

	mark = ipvs_msg_mark(msg);
	if ((nest = nla_nest_start(msg, IPVS_CMD_ATTR_DAEMON)) == NULL ||
	    nla_put_u32(msg, IPVS_DAEMON_ATTR_STATE, state) < 0 ||
	    nla_nest_end(msg, nest) < 0)
		return ipvs_msg_rewind(msg, mark);
	return 0;
}

int
ipvs_msg_put_timeouts(struct nl_msg *msg, const struct ipvs_timeouts *t)
{
	struct nlattr	*mark;

	/*
	 * Absent attributes keep the kernel's value; so would a 0 on
	 * current kernels, but leaving them out says so to every kernel.
	 */
	mark = ipvs_msg_mark(msg);
	if ((t->tcp != 0 &&
	    nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP, t->tcp) < 0) ||
	    (t->tcp_fin != 0 &&
	    nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, t->tcp_fin) < 0) ||
	    (t->udp != 0 &&
	    nla_put_u32(msg, IPVS_CMD_ATTR_TIMEOUT_UDP, t->udp) < 0))
		return ipvs_msg_rewind(msg, mark);
	return 0;
}

static int __attribute__((format(printf, 3, 4)))
ipvs_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* The top level of a message, or -1. */
static int
ipvs_parse_top(struct nlmsghdr *nlh, struct nlattr **top, char *err,
    size_t errlen)
{
	int	rc;

	if ((rc = genlmsg_parse(nlh, 0, top, IPVS_CMD_ATTR_MAX,
	    ipvs_cmd_policy)) < 0)
		return ipvs_err(err, errlen, "malformed message: %s",
		    nl_geterror(rc));
	return 0;
}

/* The top level, then the nest of that type inside it. */
static int
ipvs_parse_nest(struct nlmsghdr *nlh, int type, struct nlattr **a, int max,
    struct nla_policy *policy, const char *what, char *err, size_t errlen)
{
	struct nlattr	*top[IPVS_CMD_ATTR_MAX + 1];
	int		 rc;

	if (ipvs_parse_top(nlh, top, err, errlen) < 0)
		return -1;
	if (top[type] == NULL)
		return ipvs_err(err, errlen, "%s: no %s attributes", what,
		    what);
	if ((rc = nla_parse_nested(a, max, top[type], policy)) < 0)
		return ipvs_err(err, errlen, "%s: malformed attributes: %s",
		    what, nl_geterror(rc));
	return 0;
}

static int
ipvs_get_addr(const struct nlattr *nla, uint16_t af, union ipvs_addr *addr)
{
	size_t	len = ipvs_addr_len(af);

	if ((size_t)nla_len(nla) < len)
		return -1;
	memcpy(addr, nla_data(nla), len);
	return 0;
}

/*
 * A stats nest. The 32-bit STATS nest mixes widths (byte counters are
 * 64-bit), STATS64 is all 64-bit, so each counter is read by its length.
 */
static int
ipvs_parse_stats(struct nlattr *nest, struct ipvs_stats *st)
{
	struct nlattr	*a[IPVS_STATS_ATTR_MAX + 1];
	uint64_t	 v;
	size_t		 i;

	if (nla_parse_nested(a, IPVS_STATS_ATTR_MAX, nest, NULL) < 0)
		return -1;
	for (i = 0; i < sizeof(ipvs_stats_fields) /
	    sizeof(ipvs_stats_fields[0]); i++) {
		struct nlattr *nla = a[ipvs_stats_fields[i].type];

		if (nla == NULL)
			continue;
		if (nla_len(nla) == sizeof(uint64_t))
			v = nla_get_u64(nla);
		else if (nla_len(nla) == sizeof(uint32_t))
			v = nla_get_u32(nla);
		else
			return -1;
		memcpy((char *)st + ipvs_stats_fields[i].off, &v, sizeof(v));
	}
	return 0;
}

/* Prefers the 64-bit nest (kernel 4.1+), else the 32-bit one. */
static int
ipvs_parse_either_stats(struct nlattr *s64, struct nlattr *s32,
    struct ipvs_stats *st)
{
	if (s64 != NULL)
		return ipvs_parse_stats(s64, st);
	if (s32 != NULL)
		return ipvs_parse_stats(s32, st);
	return 0;
}

static int
ipvs_parse_svc_key(struct nlattr **a, struct ipvs_service *svc, char *err,
    size_t errlen)
{
	if (a[IPVS_SVC_ATTR_AF] == NULL)
		return ipvs_err(err, errlen, "service: no address family");
	svc->af = nla_get_u16(a[IPVS_SVC_ATTR_AF]);
	if (!ipvs_af_ok(svc->af))
		return ipvs_err(err, errlen, "service: address family %u not "
		    "supported", svc->af);
	if (a[IPVS_SVC_ATTR_FWMARK] != NULL)
		svc->fwmark = nla_get_u32(a[IPVS_SVC_ATTR_FWMARK]);
	if (svc->fwmark != 0)
		return 0;
	if (a[IPVS_SVC_ATTR_PROTOCOL] == NULL ||
	    a[IPVS_SVC_ATTR_ADDR] == NULL || a[IPVS_SVC_ATTR_PORT] == NULL)
		return ipvs_err(err, errlen, "service: neither a firewall mark "
		    "nor protocol, address and port");
	svc->protocol = nla_get_u16(a[IPVS_SVC_ATTR_PROTOCOL]);
	if (ipvs_get_addr(a[IPVS_SVC_ATTR_ADDR], svc->af, &svc->addr) < 0)
		return ipvs_err(err, errlen, "service: %d-byte address for "
		    "family %u", nla_len(a[IPVS_SVC_ATTR_ADDR]), svc->af);
	svc->port = ntohs(nla_get_u16(a[IPVS_SVC_ATTR_PORT]));
	return 0;
}

int
ipvs_msg_parse_service(struct nlmsghdr *nlh, struct ipvs_service *svc,
    char *err, size_t errlen)
{
	struct nlattr		*a[IPVS_SVC_ATTR_MAX + 1];
	struct ip_vs_flags	 fl;

	memset(svc, 0, sizeof(*svc));
	if (ipvs_parse_nest(nlh, IPVS_CMD_ATTR_SERVICE, a, IPVS_SVC_ATTR_MAX,
	    ipvs_svc_policy, "service", err, errlen) < 0)
		return -1;
	if (ipvs_parse_svc_key(a, svc, err, errlen) < 0)
		return -1;
	if (a[IPVS_SVC_ATTR_SCHED_NAME] == NULL ||
	    a[IPVS_SVC_ATTR_FLAGS] == NULL ||
	    a[IPVS_SVC_ATTR_TIMEOUT] == NULL ||
	    a[IPVS_SVC_ATTR_NETMASK] == NULL)
		return ipvs_err(err, errlen, "service: scheduler, flags, "
		    "timeout or netmask missing");
	nla_strlcpy(svc->sched, a[IPVS_SVC_ATTR_SCHED_NAME],
	    sizeof(svc->sched));
	memcpy(&fl, nla_data(a[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	/* HASHED is the kernel's bookkeeping, not a setting to send back. */
	svc->flags = fl.flags & fl.mask & ~IP_VS_SVC_F_HASHED;
	svc->timeout = nla_get_u32(a[IPVS_SVC_ATTR_TIMEOUT]);
	svc->netmask = ipvs_netmask_from_wire(svc->af,
	    nla_get_u32(a[IPVS_SVC_ATTR_NETMASK]));
	if (ipvs_parse_either_stats(a[IPVS_SVC_ATTR_STATS64],
	    a[IPVS_SVC_ATTR_STATS], &svc->stats) < 0)
		return ipvs_err(err, errlen, "service: malformed statistics");
	return 0;
}

static void
ipvs_parse_dest_optional(struct nlattr **a, struct ipvs_dest *d)
{
	if (a[IPVS_DEST_ATTR_TUN_TYPE] != NULL)
		d->tun_type = nla_get_u8(a[IPVS_DEST_ATTR_TUN_TYPE]);
	if (a[IPVS_DEST_ATTR_TUN_PORT] != NULL)
		d->tun_port = ntohs(nla_get_u16(a[IPVS_DEST_ATTR_TUN_PORT]));
	if (a[IPVS_DEST_ATTR_TUN_FLAGS] != NULL)
		d->tun_flags = nla_get_u16(a[IPVS_DEST_ATTR_TUN_FLAGS]);
	if (a[IPVS_DEST_ATTR_ACTIVE_CONNS] != NULL)
		d->active_conns = nla_get_u32(a[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	if (a[IPVS_DEST_ATTR_INACT_CONNS] != NULL)
		d->inact_conns = nla_get_u32(a[IPVS_DEST_ATTR_INACT_CONNS]);
	if (a[IPVS_DEST_ATTR_PERSIST_CONNS] != NULL)
		d->persist_conns =
		    nla_get_u32(a[IPVS_DEST_ATTR_PERSIST_CONNS]);
}

int
ipvs_msg_parse_dest(struct nlmsghdr *nlh, uint16_t svc_af,
    struct ipvs_dest *d, char *err, size_t errlen)
{
	struct nlattr	*a[IPVS_DEST_ATTR_MAX + 1];

	memset(d, 0, sizeof(*d));
	if (ipvs_parse_nest(nlh, IPVS_CMD_ATTR_DEST, a, IPVS_DEST_ATTR_MAX,
	    ipvs_dest_policy, "destination", err, errlen) < 0)
		return -1;
	if (a[IPVS_DEST_ATTR_ADDR] == NULL || a[IPVS_DEST_ATTR_PORT] == NULL)
		return ipvs_err(err, errlen, "destination: no address or port");
	d->af = a[IPVS_DEST_ATTR_ADDR_FAMILY] != NULL ?
	    nla_get_u16(a[IPVS_DEST_ATTR_ADDR_FAMILY]) : svc_af;
	if (!ipvs_af_ok(d->af))
		return ipvs_err(err, errlen, "destination: address family %u "
		    "not supported", d->af);
	if (ipvs_get_addr(a[IPVS_DEST_ATTR_ADDR], d->af, &d->addr) < 0)
		return ipvs_err(err, errlen, "destination: %d-byte address "
		    "for family %u", nla_len(a[IPVS_DEST_ATTR_ADDR]), d->af);
	d->port = ntohs(nla_get_u16(a[IPVS_DEST_ATTR_PORT]));
	if (a[IPVS_DEST_ATTR_FWD_METHOD] == NULL ||
	    a[IPVS_DEST_ATTR_WEIGHT] == NULL ||
	    a[IPVS_DEST_ATTR_U_THRESH] == NULL ||
	    a[IPVS_DEST_ATTR_L_THRESH] == NULL)
		return ipvs_err(err, errlen, "destination: forwarding method, "
		    "weight or thresholds missing");
	d->fwd = nla_get_u32(a[IPVS_DEST_ATTR_FWD_METHOD]) &
	    IP_VS_CONN_F_FWD_MASK;
	d->weight = (int32_t)nla_get_u32(a[IPVS_DEST_ATTR_WEIGHT]);
	d->u_threshold = nla_get_u32(a[IPVS_DEST_ATTR_U_THRESH]);
	d->l_threshold = nla_get_u32(a[IPVS_DEST_ATTR_L_THRESH]);
	ipvs_parse_dest_optional(a, d);
	if (ipvs_parse_either_stats(a[IPVS_DEST_ATTR_STATS64],
	    a[IPVS_DEST_ATTR_STATS], &d->stats) < 0)
		return ipvs_err(err, errlen, "destination: malformed "
		    "statistics");
	return 0;
}

int
ipvs_msg_parse_daemon(struct nlmsghdr *nlh, struct ipvs_daemon *dm,
    char *err, size_t errlen)
{
	struct nlattr	*a[IPVS_DAEMON_ATTR_MAX + 1];

	memset(dm, 0, sizeof(*dm));
	if (ipvs_parse_nest(nlh, IPVS_CMD_ATTR_DAEMON, a, IPVS_DAEMON_ATTR_MAX,
	    ipvs_daemon_policy, "daemon", err, errlen) < 0)
		return -1;
	if (a[IPVS_DAEMON_ATTR_STATE] == NULL ||
	    a[IPVS_DAEMON_ATTR_MCAST_IFN] == NULL ||
	    a[IPVS_DAEMON_ATTR_SYNC_ID] == NULL)
		return ipvs_err(err, errlen, "daemon: state, interface or "
		    "sync id missing");
	dm->state = nla_get_u32(a[IPVS_DAEMON_ATTR_STATE]);
	nla_strlcpy(dm->ifname, a[IPVS_DAEMON_ATTR_MCAST_IFN],
	    sizeof(dm->ifname));
	dm->syncid = nla_get_u32(a[IPVS_DAEMON_ATTR_SYNC_ID]);
	return 0;
}

int
ipvs_msg_parse_timeouts(struct nlmsghdr *nlh, struct ipvs_timeouts *t,
    char *err, size_t errlen)
{
	struct nlattr	*top[IPVS_CMD_ATTR_MAX + 1];

	memset(t, 0, sizeof(*t));
	if (ipvs_parse_top(nlh, top, err, errlen) < 0)
		return -1;
	if (top[IPVS_CMD_ATTR_TIMEOUT_TCP] != NULL)
		t->tcp = nla_get_u32(top[IPVS_CMD_ATTR_TIMEOUT_TCP]);
	if (top[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] != NULL)
		t->tcp_fin = nla_get_u32(top[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
	if (top[IPVS_CMD_ATTR_TIMEOUT_UDP] != NULL)
		t->udp = nla_get_u32(top[IPVS_CMD_ATTR_TIMEOUT_UDP]);
	return 0;
}
