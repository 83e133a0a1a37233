/*
 * vrrp_vmac.c - see vrrp_vmac.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/if_link.h>
#include <linux/ip.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet.h>
#include <netlink/route/link/inet6.h>
#include <netlink/route/link/macvlan.h>

#include "vrrp_vmac.h"

#ifndef IFF_UP
#define IFF_UP	0x1
#endif

static int
vrrp_vmac_err(int nlerr)
{
	switch (-nlerr) {
	case NLE_EXIST:		return -EEXIST;
	case NLE_NODEV:
	case NLE_OBJ_NOTFOUND:	return -ENODEV;
	case NLE_PERM:		return -EPERM;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_INVAL:		return -EINVAL;
	case NLE_OPNOTSUPP:	return -EOPNOTSUPP;
	case NLE_BUSY:		return -EBUSY;
	default:		return -EIO;
	}
}

void
vrrp_vmac_mac(int af, uint8_t vrid, uint8_t mac[6])
{
	mac[0] = 0x00;
	mac[1] = 0x00;
	mac[2] = 0x5e;
	mac[3] = 0x00;
	mac[4] = af == AF_INET6 ? 0x02 : 0x01;
	mac[5] = vrid;
}

int
vrrp_vmac_query(struct vrrp_rtnl *r, const char *name,
    struct vrrp_vmac_link *l)
{
	struct rtnl_link	*link;
	struct nl_addr		*a;
	int			 rc;

	memset(l, 0, sizeof(*l));
	rc = rtnl_link_get_kernel(vrrp_rtnl_sock(r), 0, name, &link);
	if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND)
		return 0;
	if (rc < 0)
		return vrrp_vmac_err(rc);
	l->ifindex = rtnl_link_get_ifindex(link);
	l->macvlan = rtnl_link_is_macvlan(link) == 1;
	l->lower = rtnl_link_get_link(link);
	l->up = (rtnl_link_get_flags(link) & IFF_UP) != 0;
	if ((a = rtnl_link_get_addr(link)) != NULL &&
	    nl_addr_get_len(a) == sizeof(l->mac))
		memcpy(l->mac, nl_addr_get_binary_addr(a), sizeof(l->mac));
	rtnl_link_put(link);
	return 0;
}

int
vrrp_vmac_create(struct vrrp_rtnl *r, const char *name, int lower,
    const uint8_t mac[6])
{
	struct vrrp_vmac_link	 l;
	struct rtnl_link	*link;
	struct nl_addr		*a = NULL;
	int			 rc = -ENOMEM;

	if ((link = rtnl_link_macvlan_alloc()) == NULL)
		return -ENOMEM;
	if ((a = nl_addr_build(AF_LLC, mac, 6)) == NULL)
		goto out;
	rtnl_link_set_name(link, name);
	rtnl_link_set_link(link, lower);
	rtnl_link_set_addr(link, a);
	/*
	 * Private: the virtual MAC is the same on every box, so frames
	 * sourced from it must never be switched between our own macvlans.
	 */
	if ((rc = rtnl_link_macvlan_set_mode(link, MACVLAN_MODE_PRIVATE)) < 0 ||
	    (rc = rtnl_link_add(vrrp_rtnl_sock(r), link, NLM_F_CREATE |
	    NLM_F_EXCL)) < 0) {
		rc = vrrp_vmac_err(rc);
		goto out;
	}
	if ((rc = vrrp_vmac_query(r, name, &l)) == 0)
		rc = l.ifindex > 0 ? l.ifindex : -ENODEV;
out:
	if (a != NULL)
		nl_addr_put(a);
	rtnl_link_put(link);
	return rc;
}

int
vrrp_vmac_delete(struct vrrp_rtnl *r, int ifindex)
{
	struct rtnl_link	*link;
	int			 rc;

	if ((link = rtnl_link_alloc()) == NULL)
		return -ENOMEM;
	rtnl_link_set_ifindex(link, ifindex);
	rc = rtnl_link_delete(vrrp_rtnl_sock(r), link);
	rtnl_link_put(link);
	return rc < 0 ? vrrp_vmac_err(rc) : 0;
}

/* Applies the settings in changes to ifindex. */
static int
vrrp_vmac_change(struct vrrp_rtnl *r, int ifindex, struct rtnl_link *changes)
{
	struct rtnl_link	*orig;
	int			 rc;

	if ((rc = rtnl_link_get_kernel(vrrp_rtnl_sock(r), ifindex, NULL,
	    &orig)) < 0)
		return vrrp_vmac_err(rc);
	rc = rtnl_link_change(vrrp_rtnl_sock(r), orig, changes, 0);
	rtnl_link_put(orig);
	return rc < 0 ? vrrp_vmac_err(rc) : 0;
}

int
vrrp_vmac_set_up(struct vrrp_rtnl *r, int ifindex)
{
	struct rtnl_link	*changes;
	int			 rc;

	if ((changes = rtnl_link_alloc()) == NULL)
		return -ENOMEM;
	rtnl_link_set_flags(changes, IFF_UP);
	rc = vrrp_vmac_change(r, ifindex, changes);
	rtnl_link_put(changes);
	return rc;
}

/* libnl sets no IPv6 devconf; the sysctl of this namespace does. */
static int
vrrp_vmac_ipv6_off(const char *name)
{
	char	path[96];
	int	fd, rc = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6",
	    name);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 0 : -errno;	/* no IPv6 at all */
	if (write(fd, "1\n", 2) != 2)
		rc = -errno;
	close(fd);
	return rc;
}

int
vrrp_vmac_prepare(struct vrrp_rtnl *r, int ifindex, const char *name, int af)
{
	struct rtnl_link	*changes;
	int			 rc;

	if ((changes = rtnl_link_alloc()) == NULL)
		return -ENOMEM;
	if (af == AF_INET) {
		if ((rc = rtnl_link_inet_set_conf(changes,
		    IPV4_DEVCONF_ARP_IGNORE, 1)) < 0 ||
		    (rc = rtnl_link_inet_set_conf(changes,
		    IPV4_DEVCONF_ACCEPT_LOCAL, 1)) < 0 ||
		    (rc = rtnl_link_inet_set_conf(changes,
		    IPV4_DEVCONF_RP_FILTER, 0)) < 0)
			rc = vrrp_vmac_err(rc);
		else
			rc = vrrp_vmac_change(r, ifindex, changes);
		if (rc == 0)
			rc = vrrp_vmac_ipv6_off(name);
	} else {
		if ((rc = rtnl_link_inet6_set_addr_gen_mode(changes,
		    IN6_ADDR_GEN_MODE_NONE)) < 0)
			rc = vrrp_vmac_err(rc);
		else
			rc = vrrp_vmac_change(r, ifindex, changes);
	}
	rtnl_link_put(changes);
	return rc;
}

int
vrrp_vmac_arp_get(struct vrrp_rtnl *r, int ifindex, struct vrrp_vmac_arp *a)
{
	struct rtnl_link	*link;
	int			 rc;

	if ((rc = rtnl_link_get_kernel(vrrp_rtnl_sock(r), ifindex, NULL,
	    &link)) < 0)
		return vrrp_vmac_err(rc);
	if ((rc = rtnl_link_inet_get_conf(link, IPV4_DEVCONF_ARP_IGNORE,
	    &a->ignore)) >= 0 && (rc = rtnl_link_inet_get_conf(link,
	    IPV4_DEVCONF_ARPFILTER, &a->filter)) >= 0)
		rc = rtnl_link_inet_get_conf(link, IPV4_DEVCONF_ARP_ANNOUNCE,
		    &a->announce);
	rtnl_link_put(link);
	return rc < 0 ? vrrp_vmac_err(rc) : 0;
}

int
vrrp_vmac_arp_set(struct vrrp_rtnl *r, int ifindex,
    const struct vrrp_vmac_arp *a)
{
	struct rtnl_link	*changes;
	int			 rc;

	if ((changes = rtnl_link_alloc()) == NULL)
		return -ENOMEM;
	if ((rc = rtnl_link_inet_set_conf(changes, IPV4_DEVCONF_ARP_IGNORE,
	    a->ignore)) < 0 || (rc = rtnl_link_inet_set_conf(changes,
	    IPV4_DEVCONF_ARPFILTER, a->filter)) < 0 ||
	    (rc = rtnl_link_inet_set_conf(changes, IPV4_DEVCONF_ARP_ANNOUNCE,
	    a->announce)) < 0)
		rc = vrrp_vmac_err(rc);
	else
		rc = vrrp_vmac_change(r, ifindex, changes);
	rtnl_link_put(changes);
	return rc;
}
