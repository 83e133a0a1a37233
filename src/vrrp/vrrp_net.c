/*
 * vrrp_net.c - see vrrp_net.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if_arp.h>
#include <netinet/icmp6.h>
#include <netinet/ip.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <linux/rtnetlink.h>

#include <event2/event.h>

#include "vrrp_net.h"

static const uint8_t vrrp_group6[16] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x12
};
static const uint8_t all_nodes6[16] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01
};

void
vrrp_net_group(int af, union vrrp_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (af == AF_INET)
		out->v4.s_addr = htonl(0xe0000012);	/* 224.0.0.18 */
	else
		memcpy(&out->v6, vrrp_group6, 16);
}

static bool
vrrp_skipped(const struct addr *a, const struct addr *skip, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (addr_cmp(a, &skip[i]) == 0)
			return true;
	return false;
}

static void
vrrp_if_addrs(struct vrrp_if *ifp, const struct addr *skip, size_t nskip)
{
	struct ifaddrs	*ifa, *i;
	struct addr	 a;

	if (getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifp->name) != 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.af = i->ifa_addr->sa_family;
		if (a.af == AF_INET) {
			a.u.v4 = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			a.prefix = 32;
			if (!addr_is_set(&ifp->primary4) &&
			    !vrrp_skipped(&a, skip, nskip))
				ifp->primary4 = a;
		} else if (a.af == AF_INET6) {
			a.u.v6 = ((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			a.prefix = 128;
			if (IN6_IS_ADDR_LINKLOCAL(&a.u.v6) &&
			    !addr_is_set(&ifp->linklocal6))
				ifp->linklocal6 = a;
		}
	}
	freeifaddrs(ifa);
}

int
vrrp_net_if(const char *name, struct vrrp_if *ifp, const struct addr *skip,
    size_t nskip)
{
	struct ifreq	ifr;
	int		fd, rc = 0;

	memset(ifp, 0, sizeof(*ifp));
	if (strlen(name) >= sizeof(ifp->name))
		return -ENAMETOOLONG;
	strcpy(ifp->name, name);
	if ((ifp->ifindex = if_nametoindex(name)) == 0)
		return -ENODEV;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, name);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0)
		memcpy(ifp->mac, ifr.ifr_hwaddr.sa_data, 6);
	else
		rc = -errno;
	if (rc == 0 && ioctl(fd, SIOCGIFFLAGS, &ifr) == 0)
		ifp->up = (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) ==
		    (IFF_UP | IFF_RUNNING);
	close(fd);
	vrrp_if_addrs(ifp, skip, nskip);
	return rc;
}

static int
vrrp_setopt(int fd, int level, int opt, const void *v, socklen_t len)
{
	return setsockopt(fd, level, opt, v, len) == -1 ? -errno : 0;
}

static int
vrrp_open4(int fd, const struct vrrp_if *ifp)
{
	struct ip_mreqn	m;
	int		ttl = 255, off = 0, rc;

	memset(&m, 0, sizeof(m));
	m.imr_multiaddr.s_addr = htonl(0xe0000012);
	m.imr_ifindex = ifp->ifindex;
	if ((rc = vrrp_setopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m,
	    sizeof(m))) != 0 ||
	    (rc = vrrp_setopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &m,
	    sizeof(m))) != 0 ||
	    (rc = vrrp_setopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl,
	    sizeof(ttl))) != 0 ||
	    (rc = vrrp_setopt(fd, IPPROTO_IP, IP_TTL, &ttl,
	    sizeof(ttl))) != 0)
		return rc;
	return vrrp_setopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &off,
	    sizeof(off));
}

static int
vrrp_open6(int fd, const struct vrrp_if *ifp)
{
	struct ipv6_mreq	m;
	int			hops = 255, off = 0, on = 1, rc;
	unsigned		idx = ifp->ifindex;

	memset(&m, 0, sizeof(m));
	memcpy(&m.ipv6mr_multiaddr, vrrp_group6, 16);
	m.ipv6mr_interface = ifp->ifindex;
	if ((rc = vrrp_setopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &m,
	    sizeof(m))) != 0 ||
	    (rc = vrrp_setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx,
	    sizeof(idx))) != 0 ||
	    (rc = vrrp_setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops))) != 0 ||
	    (rc = vrrp_setopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &hops,
	    sizeof(hops))) != 0 ||
	    (rc = vrrp_setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &off,
	    sizeof(off))) != 0 ||
	    (rc = vrrp_setopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &on,
	    sizeof(on))) != 0)
		return rc;
	return vrrp_setopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on,
	    sizeof(on));
}

int
vrrp_net_open(int af, const struct vrrp_if *ifp)
{
	int fd, rc;

	if ((fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    VRRP_PROTO)) == -1)
		return -errno;
	rc = vrrp_setopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifp->name,
	    strlen(ifp->name));
	if (rc == 0)
		rc = af == AF_INET ? vrrp_open4(fd, ifp) : vrrp_open6(fd, ifp);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	return fd;
}

static ssize_t
vrrp_recv4(int fd, uint8_t *buf, size_t len, struct vrrp_rx *rx)
{
	const struct ip	*ip = (const struct ip *)buf;
	ssize_t		 n;
	size_t		 hl;

	if ((n = recv(fd, buf, len, 0)) == -1)
		return -errno;
	if ((size_t)n < sizeof(*ip) || (hl = ip->ip_hl * 4u) < sizeof(*ip) ||
	    hl > (size_t)n)
		return -EBADMSG;
	rx->src.v4 = ip->ip_src;
	rx->dst.v4 = ip->ip_dst;
	rx->ttl = ip->ip_ttl;
	rx->payload = buf + hl;
	rx->len = n - hl;
	return n;
}

static ssize_t
vrrp_recv6(int fd, uint8_t *buf, size_t len, struct vrrp_rx *rx)
{
	struct sockaddr_in6	 from;
	struct iovec		 iov = { buf, len };
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
				    CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr		 msg;
	struct cmsghdr		*c;
	ssize_t			 n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	if ((n = recvmsg(fd, &msg, 0)) == -1)
		return -errno;
	rx->src.v6 = from.sin6_addr;
	for (c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_HOPLIMIT)
			memcpy(&rx->ttl, CMSG_DATA(c), sizeof(int));
		else if (c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			rx->dst.v6 = pi.ipi6_addr;
			rx->ifindex = pi.ipi6_ifindex;
		}
	}
	rx->payload = buf;
	rx->len = n;
	return n;
}

ssize_t
vrrp_net_recv(int fd, int af, uint8_t *buf, size_t len, struct vrrp_rx *rx)
{
	memset(rx, 0, sizeof(*rx));
	rx->af = af;
	rx->ttl = -1;
	return af == AF_INET ? vrrp_recv4(fd, buf, len, rx) :
	    vrrp_recv6(fd, buf, len, rx);
}

int
vrrp_net_send(int fd, int af, const struct vrrp_if *ifp,
    const union vrrp_addr *src, const union vrrp_addr *dst,
    const uint8_t *msgbuf, size_t len)
{
	struct sockaddr_in	 to4;
	struct sockaddr_in6	 to6;
	struct iovec		 iov = { (void *)msgbuf, len };
	union {
		struct cmsghdr	hdr;
		uint8_t		buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct msghdr		 msg;
	struct cmsghdr		*c;

	memset(&msg, 0, sizeof(msg));
	memset(&cbuf, 0, sizeof(cbuf));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	c = (struct cmsghdr *)cbuf.buf;
	/* The source is set so the checksum's pseudo-header is right. */
	if (af == AF_INET) {
		struct in_pktinfo pi = { 0 };

		memset(&to4, 0, sizeof(to4));
		to4.sin_family = AF_INET;
		to4.sin_addr = dst->v4;
		pi.ipi_ifindex = ifp->ifindex;
		pi.ipi_spec_dst = src->v4;
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		msg.msg_name = &to4;
		msg.msg_namelen = sizeof(to4);
	} else {
		struct in6_pktinfo pi;

		memset(&pi, 0, sizeof(pi));
		memset(&to6, 0, sizeof(to6));
		to6.sin6_family = AF_INET6;
		to6.sin6_addr = dst->v6;
		to6.sin6_scope_id = ifp->ifindex;
		pi.ipi6_addr = src->v6;
		pi.ipi6_ifindex = ifp->ifindex;
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		msg.msg_name = &to6;
		msg.msg_namelen = sizeof(to6);
	}
	if (sendmsg(fd, &msg, MSG_DONTWAIT) == -1)
		return -errno;
	return 0;
}

struct vrrp_rtnl {
	struct nl_sock	*sk;
};

int
vrrp_rtnl_open(struct vrrp_rtnl **out)
{
	struct vrrp_rtnl *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return -ENOMEM;
	if ((r->sk = nl_socket_alloc()) == NULL ||
	    nl_connect(r->sk, NETLINK_ROUTE) < 0) {
		if (r->sk != NULL)
			nl_socket_free(r->sk);
		free(r);
		return -EIO;
	}
	*out = r;
	return 0;
}

struct nl_sock *
vrrp_rtnl_sock(struct vrrp_rtnl *r)
{
	return r->sk;
}

void
vrrp_rtnl_close(struct vrrp_rtnl *r)
{
	if (r == NULL)
		return;
	nl_socket_free(r->sk);
	free(r);
}

int
vrrp_rtnl_addr(struct vrrp_rtnl *r, bool add, int ifindex,
    const struct addr *a, const char *label)
{
	struct rtnl_addr	*ra;
	struct nl_addr		*local;
	int			 rc;

	if ((ra = rtnl_addr_alloc()) == NULL)
		return -ENOMEM;
	if ((local = nl_addr_build(a->af, &a->u, addr_len(a))) == NULL) {
		rtnl_addr_put(ra);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, a->prefix);
	rtnl_addr_set_ifindex(ra, ifindex);
	rtnl_addr_set_family(ra, a->af);
	rtnl_addr_set_local(ra, local);
	rtnl_addr_set_prefixlen(ra, a->prefix);
	if (label != NULL && a->af == AF_INET)
		rtnl_addr_set_label(ra, label);
	/* A VIP is announced at once: duplicate detection would delay it. */
	if (a->af == AF_INET6)
		rtnl_addr_set_flags(ra, IFA_F_NODAD);
	rc = add ? rtnl_addr_add(r->sk, ra, 0) : rtnl_addr_delete(r->sk, ra,
	    0);
	nl_addr_put(local);
	rtnl_addr_put(ra);
	if (rc == -NLE_EXIST || (!add && (rc == -NLE_NOADDR ||
	    rc == -NLE_OBJ_NOTFOUND)))
		return 0;
	return rc < 0 ? -EIO : 0;
}

int
vrrp_rtnl_has_addr(struct vrrp_rtnl *r, int ifindex, const struct addr *a)
{
	struct ifaddrs	*ifa, *i;
	char		 name[IF_NAMESIZE];
	int		 found = 0;

	(void)r;
	if (if_indextoname(ifindex, name) == NULL)
		return -ENODEV;
	if (getifaddrs(&ifa) == -1)
		return -errno;
	for (i = ifa; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, name) != 0 ||
		    i->ifa_addr->sa_family != a->af)
			continue;
		if (a->af == AF_INET)
			found = memcmp(&((struct sockaddr_in *)i->ifa_addr)->
			    sin_addr, &a->u.v4, 4) == 0;
		else
			found = memcmp(&((struct sockaddr_in6 *)i->ifa_addr)->
			    sin6_addr, &a->u.v6, 16) == 0;
	}
	freeifaddrs(ifa);
	return found;
}

/* A gratuitous ARP request: sender and target are the VIP. */
static int
vrrp_garp(const struct vrrp_if *ifp, const struct addr *a)
{
	struct sockaddr_ll	sll;
	uint8_t			pkt[28];
	int			fd, rc = 0;

	memset(pkt, 0, sizeof(pkt));
	pkt[1] = ARPHRD_ETHER;
	pkt[2] = ETHERTYPE_IP >> 8;
	pkt[3] = ETHERTYPE_IP & 0xff;
	pkt[4] = 6;
	pkt[5] = 4;
	pkt[7] = ARPOP_REQUEST;
	memcpy(pkt + 8, ifp->mac, 6);
	memcpy(pkt + 14, &a->u.v4, 4);
	memcpy(pkt + 24, &a->u.v4, 4);
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ARP);
	sll.sll_ifindex = ifp->ifindex;
	sll.sll_halen = 6;
	memset(sll.sll_addr, 0xff, 6);
	if ((fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC,
	    htons(ETH_P_ARP))) == -1)
		return -errno;
	if (sendto(fd, pkt, sizeof(pkt), MSG_DONTWAIT,
	    (struct sockaddr *)&sll, sizeof(sll)) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

/* An unsolicited neighbour advertisement to all nodes, override set. */
static int
vrrp_na(const struct vrrp_if *ifp, const struct addr *a)
{
	struct sockaddr_in6	to;
	uint8_t			pkt[sizeof(struct nd_neighbor_advert) + 8];
	struct nd_neighbor_advert *na = (struct nd_neighbor_advert *)pkt;
	int			fd, hops = 255, rc = 0;
	unsigned		idx = ifp->ifindex;

	memset(pkt, 0, sizeof(pkt));
	na->nd_na_type = ND_NEIGHBOR_ADVERT;
	na->nd_na_flags_reserved = ND_NA_FLAG_OVERRIDE;
	na->nd_na_target = a->u.v6;
	pkt[sizeof(*na)] = ND_OPT_TARGET_LINKADDR;
	pkt[sizeof(*na) + 1] = 1;		/* 8 octets */
	memcpy(pkt + sizeof(*na) + 2, ifp->mac, 6);
	memset(&to, 0, sizeof(to));
	to.sin6_family = AF_INET6;
	memcpy(&to.sin6_addr, all_nodes6, 16);
	to.sin6_scope_id = ifp->ifindex;
	if ((fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC,
	    IPPROTO_ICMPV6)) == -1)
		return -errno;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops,
	    sizeof(hops)) == -1 || setsockopt(fd, IPPROTO_IPV6,
	    IPV6_MULTICAST_IF, &idx, sizeof(idx)) == -1 ||
	    sendto(fd, pkt, sizeof(pkt), MSG_DONTWAIT, (struct sockaddr *)&to,
	    sizeof(to)) == -1)
		rc = -errno;
	close(fd);
	return rc;
}

int
vrrp_net_announce(const struct vrrp_if *ifp, const struct addr *a)
{
	return a->af == AF_INET ? vrrp_garp(ifp, a) : vrrp_na(ifp, a);
}

int
vrrp_net_link_up(const char *ifname)
{
	struct ifreq	ifr;
	int		fd, rc;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -ENAMETOOLONG;
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == -1)
		rc = -errno;
	else
		rc = (ifr.ifr_flags & (IFF_UP | IFF_RUNNING)) ==
		    (IFF_UP | IFF_RUNNING);
	close(fd);
	return rc;
}

struct vrrp_linkmon {
	struct nl_sock		*sk;
	struct event		*ev;
	vrrp_link_fn		 fn;
	vrrp_addr_fn		 addr_fn;
	void			*arg;
};

static void
vrrp_addr_msg(struct vrrp_linkmon *lm, struct nlmsghdr *nlh, bool add)
{
	struct ifaddrmsg	*ifa = nlmsg_data(nlh);
	struct nlattr		*tb[IFA_MAX + 1];
	struct nlattr		*a;
	struct addr		 addr;

	if (nlmsg_parse(nlh, sizeof(*ifa), tb, IFA_MAX, NULL) < 0)
		return;
	/* IPv4 puts the interface's own address in IFA_LOCAL. */
	if ((a = tb[IFA_LOCAL]) == NULL && (a = tb[IFA_ADDRESS]) == NULL)
		return;
	memset(&addr, 0, sizeof(addr));
	addr.af = ifa->ifa_family;
	addr.prefix = ifa->ifa_prefixlen;
	if ((size_t)nla_len(a) != addr_len(&addr))
		return;
	memcpy(&addr.u, nla_data(a), addr_len(&addr));
	lm->addr_fn(lm->arg, add, ifa->ifa_index, &addr);
}

static int
vrrp_link_msg_cb(struct nl_msg *msg, void *arg)
{
	struct vrrp_linkmon	*lm = arg;
	struct nlmsghdr		*nlh = nlmsg_hdr(msg);
	struct ifinfomsg	*ifi;
	struct nlattr		*tb[IFLA_MAX + 1];
	bool			 up;

	if (nlh->nlmsg_type == RTM_DELADDR || nlh->nlmsg_type == RTM_NEWADDR) {
		vrrp_addr_msg(lm, nlh, nlh->nlmsg_type == RTM_NEWADDR);
		return NL_OK;
	}
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return NL_OK;
	if (nlmsg_parse(nlh, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 ||
	    tb[IFLA_IFNAME] == NULL)
		return NL_OK;
	ifi = nlmsg_data(nlh);
	up = nlh->nlmsg_type == RTM_NEWLINK && (ifi->ifi_flags &
	    (IFF_UP | IFF_RUNNING)) == (IFF_UP | IFF_RUNNING);
	lm->fn(lm->arg, nla_get_string(tb[IFLA_IFNAME]), up);
	return NL_OK;
}

static void
vrrp_link_read_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct vrrp_linkmon *lm = arg;

	nl_recvmsgs_default(lm->sk);
}

struct vrrp_linkmon *
vrrp_linkmon_new(struct event_base *base, int priority, vrrp_link_fn fn,
    vrrp_addr_fn addr_fn, void *arg)
{
	struct vrrp_linkmon *lm;

	if ((lm = calloc(1, sizeof(*lm))) == NULL)
		return NULL;
	lm->fn = fn;
	lm->addr_fn = addr_fn;
	lm->arg = arg;
	if ((lm->sk = nl_socket_alloc()) == NULL)
		goto fail;
	nl_socket_disable_seq_check(lm->sk);
	nl_socket_modify_cb(lm->sk, NL_CB_VALID, NL_CB_CUSTOM,
	    vrrp_link_msg_cb, lm);
	if (nl_connect(lm->sk, NETLINK_ROUTE) < 0 ||
	    nl_socket_add_memberships(lm->sk, RTNLGRP_LINK,
	    RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR, 0) < 0 ||
	    nl_socket_set_nonblocking(lm->sk) < 0)
		goto fail;
	lm->ev = event_new(base, nl_socket_get_fd(lm->sk), EV_READ |
	    EV_PERSIST, vrrp_link_read_cb, lm);
	if (lm->ev == NULL)
		goto fail;
	event_priority_set(lm->ev, priority);
	event_add(lm->ev, NULL);
	return lm;
fail:
	vrrp_linkmon_free(lm);
	return NULL;
}

void
vrrp_linkmon_free(struct vrrp_linkmon *lm)
{
	if (lm == NULL)
		return;
	if (lm->ev != NULL)
		event_free(lm->ev);
	if (lm->sk != NULL)
		nl_socket_free(lm->sk);
	free(lm);
}
