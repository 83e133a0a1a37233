/*
 * vrrp_vmac.h - the kernel side of VRRP's virtual MAC: macvlan interfaces
 * with the address 00:00:5e:00:01:VRID (IPv6: 00:00:5e:00:02:VRID), and
 * the per-interface settings they need. No policy and no logging: every
 * function returns 0 (or a value) or a negative errno.
 */
#ifndef DIRECTOR_VRRP_VMAC_H
#define DIRECTOR_VRRP_VMAC_H

#include <stdbool.h>
#include <stdint.h>

#include "vrrp_net.h"

/* What an interface name stands for now. */
struct vrrp_vmac_link {
	int		ifindex;	/* 0: no such interface */
	bool		macvlan;
	int		lower;		/* the macvlan's lower device */
	uint8_t		mac[6];
	bool		up;		/* IFF_UP */
};

/* The virtual router MAC of RFC 5798 7.3 for family af and vrid. */
void	vrrp_vmac_mac(int af, uint8_t vrid, uint8_t mac[6]);
/* Fills l for interface name; l->ifindex 0 if there is none. */
int	vrrp_vmac_query(struct vrrp_rtnl *, const char *name,
	    struct vrrp_vmac_link *l);
/*
 * Creates macvlan name on lower, private mode, with address mac, down.
 * Returns its ifindex.
 */
int	vrrp_vmac_create(struct vrrp_rtnl *, const char *name, int lower,
	    const uint8_t mac[6]);
int	vrrp_vmac_delete(struct vrrp_rtnl *, int ifindex);
int	vrrp_vmac_set_up(struct vrrp_rtnl *, int ifindex);
/*
 * Prepares a macvlan of family af before it goes up. IPv4: arp_ignore 1
 * (answer ARP only for its own addresses, the VIPs), accept_local 1 and
 * rp_filter 0 (hear adverts while it has no address), and IPv6 off so a
 * backup sends nothing from the virtual MAC. IPv6: no automatic
 * link-local address (every box would make the same one).
 */
int	vrrp_vmac_prepare(struct vrrp_rtnl *, int ifindex, const char *name,
	    int af);
/* The IPv4 ARP settings of an interface, as in net.ipv4.conf.IF. */
struct vrrp_vmac_arp {
	uint32_t	ignore;		/* arp_ignore */
	uint32_t	filter;		/* arp_filter */
	uint32_t	announce;	/* arp_announce */
};
int	vrrp_vmac_arp_get(struct vrrp_rtnl *, int ifindex,
	    struct vrrp_vmac_arp *);
int	vrrp_vmac_arp_set(struct vrrp_rtnl *, int ifindex,
	    const struct vrrp_vmac_arp *);

#endif
