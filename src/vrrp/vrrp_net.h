/*
 * vrrp_net.h - VRRP's kernel boundary on Linux: raw IP protocol 112
 * sockets, interface facts, virtual addresses over rtnetlink, and
 * gratuitous ARP / unsolicited neighbour advertisements. No policy and
 * no logging: functions return 0 (or a length) or a negative errno.
 */
#ifndef DIRECTOR_VRRP_NET_H
#define DIRECTOR_VRRP_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <sys/types.h>

#include "addr.h"
#include "vrrp_pkt.h"

struct vrrp_if {
	char		name[IF_NAMESIZE];
	int		ifindex;
	uint8_t		mac[6];
	bool		up;		/* IFF_UP and IFF_RUNNING */
	struct addr	primary4;	/* first IPv4 address, or unset */
	struct addr	linklocal6;	/* fe80::/10 address, or unset */
};

/* What the I/O layer learns of a received packet from its IP header. */
struct vrrp_rx {
	int		af;
	union vrrp_addr	src;
	union vrrp_addr	dst;
	int		ttl;		/* TTL or hop limit, -1 if unknown */
	int		ifindex;
	const uint8_t	*payload;	/* the VRRP message */
	size_t		len;
};

/* Fills ifp for interface name; skip is a VIP list not to take as primary. */
int	vrrp_net_if(const char *name, struct vrrp_if *ifp,
	    const struct addr *skip, size_t nskip);
/*
 * A raw socket for protocol 112 on ifp, family af: bound to the device,
 * multicast group joined, TTL/hop limit 255, own packets not looped.
 * Returns the descriptor (non-blocking) or a negative errno.
 */
int	vrrp_net_open(int af, const struct vrrp_if *ifp);
/* Reads one packet into buf and describes it in rx. Length or -errno. */
ssize_t	vrrp_net_recv(int fd, int af, uint8_t *buf, size_t len,
	    struct vrrp_rx *rx);
/* Sends a VRRP message from src to dst (multicast group or a peer). */
int	vrrp_net_send(int fd, int af, const struct vrrp_if *ifp,
	    const union vrrp_addr *src, const union vrrp_addr *dst,
	    const uint8_t *msg, size_t len);
/* The multicast group of the family: 224.0.0.18 or ff02::12. */
void	vrrp_net_group(int af, union vrrp_addr *out);

struct vrrp_rtnl;
/* An rtnetlink handle for address changes. */
int	vrrp_rtnl_open(struct vrrp_rtnl **);
void	vrrp_rtnl_close(struct vrrp_rtnl *);
/* The handle's libnl socket, for the other kernel files of vrrp/. */
struct nl_sock;
struct nl_sock	*vrrp_rtnl_sock(struct vrrp_rtnl *);
/*
 * Adds (add true) or deletes a virtual address with its prefix on
 * ifindex, with an optional label; IPv6 without duplicate address
 * detection. Adding one that is there, or deleting one that is not, is
 * not an error.
 */
int	vrrp_rtnl_addr(struct vrrp_rtnl *, bool add, int ifindex,
	    const struct addr *a, const char *label);
/* Whether ifindex holds address a now. 1, 0 or -errno. */
int	vrrp_rtnl_has_addr(struct vrrp_rtnl *, int ifindex,
	    const struct addr *a);

/* One gratuitous ARP (IPv4) or unsolicited NA with override (IPv6). */
int	vrrp_net_announce(const struct vrrp_if *ifp, const struct addr *a);



/* Link state of an interface: 1 up (IFF_UP and IFF_RUNNING), 0, -errno. */
int	vrrp_net_link_up(const char *ifname);

/*
 * Link events from rtnetlink (RTNLGRP_LINK) on the loop: fn is called
 * with the interface's name and whether it is up, for every change (a
 * removed interface is down); address events go to the second one.
 */
struct event_base;
struct vrrp_linkmon;
typedef void (*vrrp_link_fn)(void *arg, const char *ifname, bool up);
/* An address was added to (add true) or removed from interface ifindex. */
typedef void (*vrrp_addr_fn)(void *arg, bool add, int ifindex,
    const struct addr *a);
struct vrrp_linkmon	*vrrp_linkmon_new(struct event_base *, int priority,
			    vrrp_link_fn, vrrp_addr_fn, void *arg);
void			 vrrp_linkmon_free(struct vrrp_linkmon *);
#endif
