/*
 * lb_desired.c - the IPVS table director wants, from the config and the
 * health of the real servers. Pure: no kernel, no logging.
 */
#include <string.h>
#include <sys/socket.h>

#include "lb.h"
#include "../ipvs/ipvs_table.h"

static void
lb_conv_addr(const struct addr *a, union ipvs_addr *out)
{
	memset(out, 0, sizeof(*out));
	memcpy(out, &a->u, addr_len(a));
}

/* Fills svc from vs: the service's identity and settings. */
void
lb_conv_service(const struct cfg_vs *vs, struct ipvs_service *svc)
{
	memset(svc, 0, sizeof(*svc));
	svc->af = vs->af;
	if (vs->fwmark != 0)
		svc->fwmark = vs->fwmark;
	else {
		svc->protocol = vs->protocol;
		lb_conv_addr(&vs->addr, &svc->addr);
		svc->port = vs->port;
	}
	strncpy(svc->sched, vs->scheduler, sizeof(svc->sched) - 1);
	if (vs->sched_flags & CFG_SCHED_F_1)
		svc->flags |= IP_VS_SVC_F_SCHED1;
	if (vs->sched_flags & CFG_SCHED_F_2)
		svc->flags |= IP_VS_SVC_F_SCHED2;
	if (vs->sched_flags & CFG_SCHED_F_3)
		svc->flags |= IP_VS_SVC_F_SCHED3;
	if (vs->one_packet)
		svc->flags |= IP_VS_SVC_F_ONEPACKET;
	if (vs->persistence_timeout != 0) {
		svc->flags |= IP_VS_SVC_F_PERSISTENT;
		svc->timeout = vs->persistence_timeout;
	}
	/* The config's defaults are the kernel's: all-ones and 128. */
	svc->netmask = vs->persistence_netmask;
}

/* Fills d from rs with the given weight. */
void
lb_conv_dest(const struct cfg_rs *rs, int weight, struct ipvs_dest *d)
{
	memset(d, 0, sizeof(*d));
	d->af = rs->addr.af;
	lb_conv_addr(&rs->addr, &d->addr);
	d->port = rs->port;
	d->weight = weight;
	d->u_threshold = rs->upper_threshold;
	d->l_threshold = rs->lower_threshold;
	switch (rs->fwd.method) {
	case FWD_NAT:
		d->fwd = IP_VS_CONN_F_MASQ;
		return;
	case FWD_DR:
		d->fwd = IP_VS_CONN_F_DROUTE;
		return;
	case FWD_TUN:
		d->fwd = IP_VS_CONN_F_TUNNEL;
		break;
	}
	switch (rs->fwd.tun_type) {
	case TUN_IPIP:
		d->tun_type = IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
		return;
	case TUN_GUE:
		d->tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
		d->tun_port = rs->fwd.tun_port;
		break;
	case TUN_GRE:
		d->tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GRE;
		break;
	}
	if (rs->fwd.tun_csum == TUN_CSUM_CSUM)
		d->tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
	else if (rs->fwd.tun_csum == TUN_CSUM_REMCSUM)
		d->tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
}

/*
 * Quorum with hysteresis: lost below quorum - hysteresis, regained at
 * quorum + hysteresis, so a weight hovering at the edge does not flap.
 */
bool
lb_quorum(const struct cfg_vs *vs, uint64_t live, bool was_ok)
{
	if (was_ok)
		return live + vs->hysteresis >= vs->quorum;
	return live >= (uint64_t)vs->quorum + vs->hysteresis;
}

int
lb_desired_vs(const struct cfg_vs *vs, const struct lb_rs_health *h,
    bool *quorum_ok, struct ipvs_table *out)
{
	struct ipvs_table_svc	*ts;
	struct ipvs_service	 svc;
	struct ipvs_dest	 d;
	uint64_t		 live = 0;
	size_t			 i;
	bool			 up;
	int			 w;

	lb_conv_service(vs, &svc);
	if ((ts = ipvs_table_add(out, &svc)) == NULL)
		return -1;
	ts->tag = vs;
	for (i = 0; i < vs->nrs; i++) {
		up = h == NULL || h[i].up;
		w = h == NULL ? vs->rs[i].weight : h[i].weight;
		if (!up && !vs->inhibit_on_failure)
			continue;	/* removed while down */
		if (!up)
			w = 0;
		live += w;
		lb_conv_dest(&vs->rs[i], w, &d);
		if (ipvs_table_add_dest(ts, &d) == NULL)
			return -1;
	}
	*quorum_ok = lb_quorum(vs, live, *quorum_ok);
	if (!*quorum_ok && vs->has_sorry) {
		lb_conv_dest(&vs->sorry, vs->sorry.weight, &d);
		for (i = 0; i < ts->ndests; i++)
			if (ipvs_dest_key_cmp(&ts->dests[i], &d) == 0)
				return 0;	/* a real server is the sorry one */
		if (ipvs_table_add_dest(ts, &d) == NULL)
			return -1;
	}
	return 0;
}
