/*
 * vrrp_vmac_inst.c - an instance's virtual MAC (use_vmac), see vrrp_int.h:
 * its macvlan made, repaired and removed, and the ARP settings of the
 * interface under it, counted over the macvlans that use it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "log.h"
#include "vrrp_int.h"

static struct vrrp_arp_base *
vrrp_arp_base_get(struct vrrp *v, int ifindex, const char *name)
{
	struct vrrp_arp_base	*b;
	struct vrrp_vmac_arp	 want;
	int			 rc;

	LIST_FOREACH(b, &v->arp_bases, entry)
		if (b->ifindex == ifindex) {
			b->refs++;
			return b;
		}
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->ifindex = ifindex;
	snprintf(b->name, sizeof(b->name), "%s", name);
	if ((rc = vrrp_vmac_arp_get(v->rtnl, ifindex, &b->found)) != 0) {
		log_warnx("VRRP: %s: cannot read its ARP settings: %s", name,
		    strerror(-rc));
		free(b);
		return NULL;
	}
	/* Stricter settings already there (arp_ignore 2, 3, 8) stay. */
	want.ignore = b->found.ignore == 0 ? 1 : b->found.ignore;
	want.filter = 1;
	want.announce = 2;
	if (memcmp(&want, &b->found, sizeof(want)) != 0) {
		if ((rc = vrrp_vmac_arp_set(v->rtnl, ifindex, &want)) != 0)
			log_warnx("VRRP: %s: cannot set its ARP settings: %s "
			    "(it may teach its own MAC for virtual addresses)",
			    name, strerror(-rc));
		else
			log_info("VRRP: %s: arp_ignore %u, arp_filter 1 and "
			    "arp_announce 2 while virtual MACs use it (were %u, "
			    "%u and %u)", name, want.ignore, b->found.ignore,
			    b->found.filter, b->found.announce);
	}
	b->refs = 1;
	LIST_INSERT_HEAD(&v->arp_bases, b, entry);
	return b;
}

static void
vrrp_arp_base_put(struct vrrp *v, struct vrrp_arp_base *b)
{
	struct vrrp_vmac_arp	now;
	int			rc;

	if (b == NULL || --b->refs > 0)
		return;
	LIST_REMOVE(b, entry);
	if (vrrp_vmac_arp_get(v->rtnl, b->ifindex, &now) == 0 &&
	    memcmp(&now, &b->found, sizeof(now)) != 0) {
		if ((rc = vrrp_vmac_arp_set(v->rtnl, b->ifindex,
		    &b->found)) != 0)
			log_warnx("VRRP: %s: cannot restore its ARP settings: "
			    "%s", b->name, strerror(-rc));
		else
			log_info("VRRP: %s: arp_ignore %u, arp_filter %u and "
			    "arp_announce %u restored", b->name,
			    b->found.ignore, b->found.filter,
			    b->found.announce);
	}
	free(b);
}

/* IPv6 adverts come from a link-local address: the interface's own. */
static void
vrrp_vmac_linklocal(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	struct vrrp_if		 base;
	int			 rc;

	if ((rc = vrrp_net_if(c->ifname, &base, NULL, 0)) != 0 ||
	    !addr_is_set(&base.linklocal6)) {
		log_warnx("VRRP instance %s: %s has no link-local IPv6 address "
		    "for %s", c->name, c->ifname, c->vmac_ifname);
		return;
	}
	base.linklocal6.prefix = 64;
	if ((rc = vrrp_rtnl_addr(vi->v->rtnl, true, vi->vmac_ifindex,
	    &base.linklocal6, NULL)) != 0)
		log_warnx("VRRP instance %s: link-local address on %s: %s",
		    c->name, c->vmac_ifname, strerror(-rc));
}

/*
 * Creates the instance's macvlan. One of that name left by an earlier
 * run (a crash) is removed first, so no old VIP or setting survives;
 * an interface of that name that is not a macvlan is not ours: the
 * instance does not start.
 */
int
vrrp_vmac_inst_start(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	struct vrrp		*v = vi->v;
	struct vrrp_vmac_link	 l;
	uint8_t			 mac[6];
	int			 lower, rc;

	vrrp_vmac_mac(c->af, c->vrid, mac);
	if ((lower = if_nametoindex(c->ifname)) == 0) {
		log_warnx("VRRP instance %s: no interface %s", c->name,
		    c->ifname);
		return -1;
	}
	if ((rc = vrrp_vmac_query(v->rtnl, c->vmac_ifname, &l)) != 0) {
		log_warnx("VRRP instance %s: looking for %s: %s", c->name,
		    c->vmac_ifname, strerror(-rc));
		return -1;
	}
	if (l.ifindex != 0 && !l.macvlan) {
		log_warnx("VRRP instance %s: %s exists and is not a macvlan: "
		    "leaving it alone", c->name, c->vmac_ifname);
		return -1;
	}
	if (l.ifindex != 0) {
		if ((rc = vrrp_vmac_delete(v->rtnl, l.ifindex)) != 0) {
			log_warnx("VRRP instance %s: removing the stale "
			    "macvlan %s: %s", c->name, c->vmac_ifname,
			    strerror(-rc));
			return -1;
		}
		log_info("VRRP instance %s: removed a stale macvlan %s (left "
		    "by an earlier run?) to make it anew", c->name,
		    c->vmac_ifname);
	}
	if ((rc = vrrp_vmac_create(v->rtnl, c->vmac_ifname, lower,
	    mac)) < 0) {
		log_warnx("VRRP instance %s: creating macvlan %s on %s: %s",
		    c->name, c->vmac_ifname, c->ifname, strerror(-rc));
		return -1;
	}
	vi->vmac_ifindex = rc;
	log_info("VRRP instance %s: created macvlan %s on %s with MAC "
	    "%02x:%02x:%02x:%02x:%02x:%02x", c->name, c->vmac_ifname,
	    c->ifname, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	if ((rc = vrrp_vmac_prepare(v->rtnl, vi->vmac_ifindex,
	    c->vmac_ifname, c->af)) != 0)
		log_warnx("VRRP instance %s: settings of %s: %s", c->name,
		    c->vmac_ifname, strerror(-rc));
	if (c->af == AF_INET)
		vi->arp_base = vrrp_arp_base_get(v, lower, c->ifname);
	else
		vrrp_vmac_linklocal(vi);
	/* Up from the start, as keepalived: a backup holds no address. */
	if ((rc = vrrp_vmac_set_up(v->rtnl, vi->vmac_ifindex)) != 0) {
		log_warnx("VRRP instance %s: bringing %s up: %s", c->name,
		    c->vmac_ifname, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Removes the macvlan if it is still the one we made. */
void
vrrp_vmac_inst_stop(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	struct vrrp_vmac_link	 l;
	int			 rc;

	if (vi->vmac_ifindex != 0 && vrrp_vmac_query(vi->v->rtnl,
	    c->vmac_ifname, &l) == 0 && l.ifindex == vi->vmac_ifindex &&
	    l.macvlan) {
		if ((rc = vrrp_vmac_delete(vi->v->rtnl, l.ifindex)) != 0)
			log_warnx("VRRP instance %s: removing macvlan %s: %s",
			    c->name, c->vmac_ifname, strerror(-rc));
		else
			log_info("VRRP instance %s: removed macvlan %s",
			    c->name, c->vmac_ifname);
	}
	vi->vmac_ifindex = 0;
	vrrp_arp_base_put(vi->v, vi->arp_base);
	vi->arp_base = NULL;
}

/* Someone set our macvlan down or removed it: put it back. */
void
vrrp_vmac_inst_repair(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	struct vrrp_vmac_link	 l;
	struct vrrp_sock	*s;

	if (vrrp_vmac_query(vi->v->rtnl, c->vmac_ifname, &l) != 0 ||
	    (l.ifindex == vi->vmac_ifindex && l.up))
		return;
	if (l.ifindex == vi->vmac_ifindex) {
		log_warnx("VRRP instance %s: %s was set down: setting it up",
		    c->name, c->vmac_ifname);
		vrrp_vmac_set_up(vi->v->rtnl, l.ifindex);
		return;
	}
	log_warnx("VRRP instance %s: macvlan %s was removed: making it anew",
	    c->name, c->vmac_ifname);
	vi->vmac_ifindex = 0;
	vrrp_arp_base_put(vi->v, vi->arp_base);
	vi->arp_base = NULL;
	if (vrrp_vmac_inst_start(vi) != 0 ||
	    (s = vrrp_sock_get(vi->v, c, c->vmac_ifname)) == NULL)
		return;
	vrrp_sock_put(vi->sock);
	vi->sock = s;
	if (vi->vips_up)
		vrrp_become_master_cb(vi);
}
