/*
 * vrrp.c - the VRRP engine, see vrrp.h.
 *
 * Each instance couples a pure state machine (vrrp_fsm.c) with one timer
 * event, a socket shared by the instances of its interface and family,
 * and its virtual addresses. Every event and timer of VRRP runs at the
 * loop's highest priority, so checks and IPVS work never delay adverts.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "vrrp.h"
#include "vrrp_int.h"
#include "vrrp_net.h"
#include "vrrp_script.h"

static void	vrrp_inst_track(struct vrrp_inst *);
static void	vrrp_inst_free(struct vrrp_inst *, bool);
static void	vrrp_group_moved(struct vrrp_inst *, enum vrrp_state,
		    enum vrrp_state);


static void
vrrp_send_cb(void *ctx, uint8_t priority, uint16_t interval_cs)
{
	struct vrrp_inst	*vi = ctx;
	const struct cfg_vrrp	*c = vi->conf;
	struct vrrp_adv		 adv;
	union vrrp_addr		 dst;
	ssize_t			 len;
	size_t			 i;
	int			 rc;

	if (vi->sock == NULL)	/* our interface is gone */
		return;
	memset(&adv, 0, sizeof(adv));
	adv.version = c->version;
	adv.vrid = c->vrid;
	adv.priority = priority;
	adv.interval = c->version == 2 ? interval_cs / 100 : interval_cs;
	adv.af = c->af;
	for (i = 0; i < c->nvips && i < VRRP_MAX_ADDRS; i++)
		memcpy(&adv.addrs[adv.naddrs++], &c->vips[i].addr.u,
		    addr_len(&c->vips[i].addr));
	if (c->auth_pass != NULL) {
		adv.has_auth = true;
		/* Zero-padded, not NUL-terminated (RFC 2338 5.3.10). */
		memcpy(adv.auth, c->auth_pass, strnlen(c->auth_pass,
		    sizeof(adv.auth)));
	}
	vrrp_net_group(c->af, &dst);
	for (i = 0; i == 0 || i < c->npeers; i++) {
		if (c->npeers > 0)
			memcpy(&dst, &c->peers[i].u, addr_len(&c->peers[i]));
		if ((len = vrrp_pkt_encode(&adv, &vi->src, &dst, vi->v->buf,
		    sizeof(vi->v->buf))) < 0) {
			log_warnx("VRRP instance %s: cannot encode an advert",
			    c->name);
			return;
		}
		if ((rc = vrrp_net_send(vi->sock->fd, c->af, &vi->sock->ifp,
		    &vi->src, &dst, vi->v->buf, len)) != 0)
			log_warnx("VRRP instance %s: send on %s: %s", c->name,
			    c->ifname, strerror(-rc));
	}
}

static void
vrrp_garp_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct vrrp_inst	*vi = arg;
	const struct cfg_vrrp	*c = vi->conf;
	struct timeval		 tv;
	uint32_t		 ms;
	size_t			 i;
	int			 rc;

	if (vi->sock == NULL)
		return;
	for (i = 0; i < c->nvips; i++)
		if ((rc = vrrp_net_announce(&vi->sock->ifp,
		    &c->vips[i].addr)) != 0)
			log_warnx("VRRP instance %s: announcing a virtual "
			    "address: %s", c->name, strerror(-rc));
	if (vi->garp_left > 0)
		vi->garp_left--;
	/* The burst first, then the periodic refresh if configured. */
	ms = vi->garp_left > 0 ? c->garp.interval : c->garp.refresh;
	if (ms == 0 && vi->garp_left > 0)
		ms = 1;
	if (ms == 0)
		return;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(vi->ev_garp, &tv);
}

static void
vrrp_vips(struct vrrp_inst *vi, bool add)
{
	const struct cfg_vrrp	*c = vi->conf;
	char			 a[ADDR_STRLEN];
	size_t			 i;
	int			 ifindex, rc;

	for (i = 0; i < c->nvips; i++) {
		/* Detached: those on our interface went with it. */
		if ((ifindex = vi->sock != NULL ? vi->sock->ifp.ifindex : 0) ==
		    0 && c->vips[i].dev == NULL)
			continue;
		if (c->vips[i].dev != NULL &&
		    (ifindex = if_nametoindex(c->vips[i].dev)) == 0) {
			log_warnx("VRRP instance %s: no device %s for %s",
			    c->name, c->vips[i].dev, addr_fmt(&c->vips[i].addr,
			    true, a, sizeof(a)));
			continue;
		}
		if ((rc = vrrp_rtnl_addr(vi->v->rtnl, add, ifindex,
		    &c->vips[i].addr, c->vips[i].label)) != 0)
			log_warnx("VRRP instance %s: %s %s: %s", c->name,
			    add ? "adding" : "removing", addr_fmt(
			    &c->vips[i].addr, true, a, sizeof(a)),
			    strerror(-rc));
	}
	vi->vips_up = add;
}

void
vrrp_become_master_cb(void *ctx)
{
	struct vrrp_inst *vi = ctx;

	vrrp_vips(vi, true);
	vi->garp_left = vi->conf->garp.count;
	event_del(vi->ev_garp);
	vrrp_garp_cb(-1, 0, vi);
}

static void
vrrp_leave_master_cb(void *ctx)
{
	struct vrrp_inst *vi = ctx;

	event_del(vi->ev_garp);
	vi->garp_left = 0;
	if (vi->vips_up)
		vrrp_vips(vi, false);
}

static void
vrrp_state_cb(void *ctx, enum vrrp_state old, enum vrrp_state new,
    enum vrrp_reason why)
{
	struct vrrp_inst *vi = ctx;

	vi->last_reason = vrrp_reason_name(why);
	log_info("VRRP instance %s: %s -> %s (priority %u, reason: %s)",
	    vi->conf->name, vrrp_state_name(old), vrrp_state_name(new),
	    vi->fsm.priority, vi->last_reason);
	if (new == VRRP_STATE_MASTER)
		strcpy(vi->master, "self");
	if (vi->v->hook != NULL)
		vi->v->hook(vi->v->hook_arg, vi->conf, old, new, why,
		    vi->fsm.priority);
	if (vi->conf->sync_group != NULL && !vi->v->in_group)
		vrrp_group_moved(vi, old, new);
}

/*
 * Sync groups: when one member becomes MASTER or BACKUP the others
 * follow at once; while one is in FAULT, all are (so the other box
 * takes the whole group).
 */
static void
vrrp_group_moved(struct vrrp_inst *vi, enum vrrp_state old,
    enum vrrp_state new)
{
	struct vrrp		*v = vi->v;
	struct vrrp_inst	*o;
	uint64_t		 now = clock_now_us();
	size_t			 i;

	v->in_group = true;
	for (i = 0; i < v->n; i++) {
		o = v->insts[i];
		if (o == vi || o->conf->sync_group == NULL ||
		    strcmp(o->conf->sync_group, vi->conf->sync_group) != 0)
			continue;
		if (new == VRRP_STATE_FAULT || old == VRRP_STATE_FAULT)
			vrrp_inst_track(o);
		else if (new == VRRP_STATE_MASTER || (new ==
		    VRRP_STATE_BACKUP && old == VRRP_STATE_MASTER)) {
			vrrp_fsm_follow_group(&o->fsm, now, new);
			vrrp_rearm(o);
		}
	}
	v->in_group = false;
}

/* Another member of vi's sync group in FAULT on its own, or NULL. */
static const struct vrrp_inst *
vrrp_group_fault(const struct vrrp_inst *vi)
{
	const struct vrrp	*v = vi->v;
	size_t			 i;

	if (vi->conf->sync_group == NULL)
		return NULL;
	for (i = 0; i < v->n; i++)
		if (v->insts[i] != vi && v->insts[i]->conf->sync_group &&
		    strcmp(v->insts[i]->conf->sync_group,
		    vi->conf->sync_group) == 0 && v->insts[i]->own_fault)
			return v->insts[i];
	return NULL;
}

static const struct vrrp_fsm_ops vrrp_ops = {
	vrrp_send_cb,
	vrrp_become_master_cb,
	vrrp_leave_master_cb,
	vrrp_state_cb,
};

static void
vrrp_timer_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct vrrp_inst *vi = arg;

	vrrp_fsm_timers(&vi->fsm, clock_now_us());
	vrrp_rearm(vi);
}

void
vrrp_rearm(struct vrrp_inst *vi)
{
	uint64_t	deadline = vrrp_fsm_next_deadline(&vi->fsm);
	uint64_t	now = clock_now_us();
	struct timeval	tv = { 0, 0 };

	event_del(vi->ev_timer);
	if (deadline == 0)
		return;
	if (deadline > now) {
		tv.tv_sec = (deadline - now) / 1000000;
		tv.tv_usec = (deadline - now) % 1000000;
	}
	evtimer_add(vi->ev_timer, &tv);
}


static void
vrrp_fsm_conf_of(const struct cfg_vrrp *c, struct vrrp_fsm_conf *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->version = c->version;
	fc->priority = c->priority;
	fc->advert_cs = c->advert_cs;
	fc->preempt = c->preempt;
	fc->preempt_delay_ms = c->preempt_delay;
}

/* Our address in adverts: unicast_source, else the interface's own. */
static int
vrrp_inst_src(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	const struct addr	*a = c->af == AF_INET ? &vi->sock->ifp.primary4 :
				    &vi->sock->ifp.linklocal6;
	struct vrrp_if		 base;

	/* A macvlan has no IPv4 address of its own: the interface's. */
	if (vi->vmac_ifindex != 0 && c->af == AF_INET &&
	    vrrp_net_if(c->ifname, &base, c->nvips > 0 ? &c->vips[0].addr :
	    NULL, c->nvips > 0) == 0)
		a = &base.primary4;
	if (addr_is_set(&c->unicast_src))
		a = &c->unicast_src;
	if (!addr_is_set(a)) {
		log_warnx("VRRP instance %s: %s has no %s address to send "
		    "from", c->name, c->ifname, c->af == AF_INET ? "IPv4" :
		    "link-local IPv6");
		return -1;
	}
	memset(&vi->src, 0, sizeof(vi->src));
	memcpy(&vi->src, &a->u, addr_len(a));
	return 0;
}

/*
 * Our own interface missing or down, or a tracked one of weight 0,
 * means FAULT, and so does another member of the sync group in FAULT
 * on its own; other tracked interfaces that are down add their weight
 * to the priority. The first cause found is kept for directorctl.
 */
static void
vrrp_inst_track(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	const struct vrrp_inst	*g;
	uint64_t		 now = clock_now_us();
	char			*why = vi->fault_reason;
	size_t			 wlen = sizeof(vi->fault_reason);
	int			 offset = 0, good;
	size_t			 i;

	why[0] = '\0';
	if (vi->sock == NULL)
		snprintf(why, wlen, "%s", vi->wait[0] ? vi->wait :
		    "not attached");
	else if (vi->own_down)
		snprintf(why, wlen, "interface %s down", c->ifname);
	/* As keepalived: a weight > 0 counts while good, < 0 while bad. */
	for (i = 0; i < c->ntrack_ifs; i++) {
		if (c->track_ifs[i].weight == 0) {
			if (vi->track_down[i] && why[0] == '\0')
				snprintf(why, wlen, "tracked interface %s "
				    "down", c->track_ifs[i].ifname);
		} else if (c->track_ifs[i].weight > 0 && !vi->track_down[i])
			offset += c->track_ifs[i].weight;
		else if (c->track_ifs[i].weight < 0 && vi->track_down[i])
			offset += c->track_ifs[i].weight;
	}
	for (i = 0; i < c->ntrack_scripts; i++) {
		good = vrrp_scripts_good(vi->v->scripts,
		    c->track_scripts[i].name) == 1;
		if (c->track_scripts[i].weight == 0) {
			if (!good && why[0] == '\0')
				snprintf(why, wlen, "tracked script %s failed",
				    c->track_scripts[i].name);
		} else if (c->track_scripts[i].weight > 0 && good)
			offset += c->track_scripts[i].weight;
		else if (c->track_scripts[i].weight < 0 && !good)
			offset += c->track_scripts[i].weight;
	}
	vi->own_fault = why[0] != '\0';
	if (!vi->own_fault && (g = vrrp_group_fault(vi)) != NULL)
		snprintf(why, wlen, "sync group %s: %s in fault", c->sync_group,
		    g->conf->name);
	vrrp_fsm_set_priority_offset(&vi->fsm, now, offset);
	vrrp_fsm_fault(&vi->fsm, now, why[0] != '\0');
	vrrp_rearm(vi);
}

/* Reads the link state of our interface and the tracked ones. */
static int
vrrp_inst_links(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	size_t			 i;

	free(vi->track_down);
	if ((vi->track_down = calloc(c->ntrack_ifs ? c->ntrack_ifs : 1,
	    sizeof(bool))) == NULL)
		return -1;
	vi->own_down = vrrp_net_link_up(c->ifname) != 1;
	for (i = 0; i < c->ntrack_ifs; i++)
		vi->track_down[i] = vrrp_net_link_up(c->track_ifs[i].ifname) !=
		    1;
	return 0;
}

static void
vrrp_inst_detach(struct vrrp_inst *vi)
{
	vrrp_sock_put(vi->sock);
	vi->sock = NULL;
	vi->ifindex = 0;
	vrrp_vmac_inst_stop(vi);
}

/*
 * Binds the instance to its interface: its macvlan (use_vmac), socket
 * and source address. 0, or -1 with nothing held and vi->wait saying
 * what is missing (logged when that changes); the instance then waits
 * in FAULT until a link or address event lets it try again.
 */
static int
vrrp_inst_attach(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	char			 why[sizeof(vi->wait)];
	int			 ifindex;

	if ((ifindex = if_nametoindex(c->ifname)) == 0)
		snprintf(why, sizeof(why), "interface %s missing", c->ifname);
	else if (c->use_vmac && vrrp_vmac_inst_start(vi) == -1)
		snprintf(why, sizeof(why), "no macvlan %s on %s",
		    c->vmac_ifname, c->ifname);
	else if ((vi->sock = vrrp_sock_get(vi->v, c, c->use_vmac ?
	    c->vmac_ifname : c->ifname)) == NULL)
		snprintf(why, sizeof(why), "no VRRP socket on %s",
		    c->use_vmac ? c->vmac_ifname : c->ifname);
	else if (vrrp_inst_src(vi) == -1)
		snprintf(why, sizeof(why), "no %s address on %s",
		    c->af == AF_INET ? "IPv4" : "link-local IPv6", c->ifname);
	else {
		vi->ifindex = ifindex;
		vi->wait[0] = '\0';
		vrrp_fsm_set_address(&vi->fsm, (const uint8_t *)&vi->src,
		    c->af == AF_INET ? 4 : 16);
		return 0;
	}
	vrrp_inst_detach(vi);
	if (strcmp(why, vi->wait) != 0)
		log_warnx("VRRP instance %s: waiting in FAULT: %s", c->name,
		    why);
	snprintf(vi->wait, sizeof(vi->wait), "%s", why);
	return -1;
}

/*
 * Our interface came, went or was made anew (another index): an
 * attached instance whose interface is gone lets go of it through
 * FAULT; a waiting one tries again.
 */
static void
vrrp_inst_recheck(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	int			 ifindex = if_nametoindex(c->ifname);

	if (vi->sock != NULL) {
		if (ifindex == vi->ifindex)
			return;
		log_warnx("VRRP instance %s: interface %s %s", c->name,
		    c->ifname, ifindex == 0 ? "removed" : "made anew");
		vrrp_inst_detach(vi);
		snprintf(vi->wait, sizeof(vi->wait), "interface %s missing",
		    c->ifname);
		vrrp_inst_track(vi);
	}
	if (ifindex == 0 || vrrp_inst_attach(vi) == -1)
		return;
	log_info("VRRP instance %s: interface %s is there: starting",
	    c->name, c->ifname);
	vrrp_inst_links(vi);
	vrrp_inst_track(vi);
}

static void
vrrp_link_cb(void *arg, const char *ifname, bool up)
{
	struct vrrp		*v = arg;
	struct vrrp_inst	*vi;
	const struct cfg_vrrp	*c;
	size_t			 i, k;
	bool			 changed;

	for (i = 0; i < v->n; i++) {
		vi = v->insts[i];
		c = vi->conf;
		changed = false;
		/* Its macvlan goes too when the interface does. */
		if (strcmp(c->ifname, ifname) == 0 || (c->use_vmac &&
		    strcmp(c->vmac_ifname, ifname) == 0))
			vrrp_inst_recheck(vi);
		if (vi->sock != NULL && vi->vmac_ifindex != 0 && !up &&
		    strcmp(c->vmac_ifname, ifname) == 0)
			vrrp_vmac_inst_repair(vi);
		if (strcmp(c->ifname, ifname) == 0 && vi->own_down == up) {
			vi->own_down = !up;
			changed = true;
		}
		for (k = 0; k < c->ntrack_ifs; k++)
			if (strcmp(c->track_ifs[k].ifname, ifname) == 0 &&
			    vi->track_down[k] == up) {
				vi->track_down[k] = !up;
				changed = true;
			}
		if (!changed)
			continue;
		log_info("VRRP instance %s: interface %s is %s", c->name,
		    ifname, up ? "up" : "down");
		vrrp_inst_track(vi);
	}
}

/* A waiting instance may have the source address it lacked. */
static void
vrrp_addr_add(struct vrrp *v, int ifindex)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		if (v->insts[i]->sock == NULL &&
		    (int)if_nametoindex(v->insts[i]->conf->ifname) == ifindex)
			vrrp_inst_recheck(v->insts[i]);
}

/* Someone removed one of a master's VIPs: put it back, announce it. */
static void
vrrp_addr_cb(void *arg, bool add, int ifindex, const struct addr *a)
{
	struct vrrp		*v = arg;
	struct vrrp_inst	*vi;
	const struct cfg_vip	*vip;
	char			 buf[ADDR_STRLEN];
	size_t			 i, k;

	if (add) {
		vrrp_addr_add(v, ifindex);
		return;
	}
	for (i = 0; i < v->n; i++) {
		vi = v->insts[i];
		if (!vi->vips_up || vi->fsm.state != VRRP_STATE_MASTER ||
		    vi->sock == NULL)
			continue;
		for (k = 0; k < vi->conf->nvips; k++) {
			vip = &vi->conf->vips[k];
			if (addr_cmp(&vip->addr, a) != 0 || (vip->dev == NULL &&
			    ifindex != vi->sock->ifp.ifindex))
				continue;
			log_warnx("VRRP instance %s: %s was removed by someone "
			    "else: putting it back", vi->conf->name,
			    addr_fmt(&vip->addr, true, buf, sizeof(buf)));
			vrrp_rtnl_addr(v->rtnl, true, ifindex, &vip->addr,
			    vip->label);
			vrrp_net_announce(&vi->sock->ifp, &vip->addr);
		}
	}
}

/*
 * Makes an instance in INIT, attached to its interface if it can be
 * (else it will wait in FAULT); vrrp_inst_start() starts it. NULL on a
 * fatal error (logged).
 */
static struct vrrp_inst *
vrrp_inst_new(struct vrrp *v, const struct cfg_vrrp *c)
{
	struct vrrp_inst	*vi;
	struct vrrp_fsm_conf	 fc;

	if ((vi = calloc(1, sizeof(*vi))) == NULL)
		return NULL;
	vi->v = v;
	vi->conf = c;
	vi->last_reason = "";
	vrrp_fsm_conf_of(c, &fc);
	/* The address (still zero) is set on attaching. */
	if (vrrp_fsm_init(&vi->fsm, &fc, (const uint8_t *)&vi->src,
	    c->af == AF_INET ? 4 : 16, &vrrp_ops, vi) == -1) {
		log_warnx("VRRP instance %s: bad settings", c->name);
		goto fail;
	}
	vi->ev_timer = evtimer_new(v->base, vrrp_timer_cb, vi);
	vi->ev_garp = evtimer_new(v->base, vrrp_garp_cb, vi);
	if (vi->ev_timer == NULL || vi->ev_garp == NULL ||
	    vrrp_inst_links(vi) == -1)
		goto fail;
	event_priority_set(vi->ev_timer, VRRP_PRIORITY_EVENTS);
	event_priority_set(vi->ev_garp, VRRP_PRIORITY_EVENTS);
	vrrp_inst_attach(vi);
	return vi;
fail:
	vrrp_inst_free(vi, false);
	return NULL;
}

/*
 * The Startup event for n new instances, already listed in v->insts.
 * Every one's own faults are known first, so that a sync group with a
 * member in FAULT starts in FAULT rather than passing through BACKUP.
 */
static void
vrrp_inst_start(struct vrrp_inst **fresh, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		vrrp_inst_track(fresh[i]);
	for (i = 0; i < n; i++) {
		vrrp_inst_track(fresh[i]);
		vrrp_fsm_startup(&fresh[i]->fsm, clock_now_us());
		vrrp_rearm(fresh[i]);
	}
}

static void
vrrp_inst_free(struct vrrp_inst *vi, bool stop)
{
	if (stop) {
		vrrp_fsm_shutdown(&vi->fsm, clock_now_us());
		if (vi->vips_up)
			vrrp_vips(vi, false);
	}
	if (vi->ev_timer != NULL)
		event_free(vi->ev_timer);
	if (vi->ev_garp != NULL)
		event_free(vi->ev_garp);
	free(vi->track_down);
	vrrp_inst_detach(vi);
	free(vi);
}

static void
vrrp_start_all(struct vrrp *v, const struct cfg *c)
{
	struct vrrp_inst	*vi;
	size_t			 i;

	for (i = 0; i < c->nvrrp; i++)
		if ((vi = vrrp_inst_new(v, &c->vrrp[i])) != NULL)
			v->insts[v->n++] = vi;
		else
			log_warnx("VRRP instance %s: not started",
			    c->vrrp[i].name);
	vrrp_inst_start(v->insts, v->n);
}

static void
vrrp_script_cb(void *arg, const char *name, bool good)
{
	struct vrrp	*v = arg;
	size_t		 i, k;

	for (i = 0; i < v->n; i++)
		for (k = 0; k < v->insts[i]->conf->ntrack_scripts; k++)
			if (strcmp(v->insts[i]->conf->track_scripts[k].name,
			    name) == 0) {
				vrrp_inst_track(v->insts[i]);
				break;
			}
}

struct vrrp *
vrrp_new(struct event_base *base, struct proc_runner *runner, uid_t uid,
    gid_t gid, const struct cfg *c, vrrp_hook_fn hook, void *arg)
{
	struct vrrp	*v;
	int		 rc;

	if ((v = calloc(1, sizeof(*v))) == NULL)
		return NULL;
	v->base = base;
	v->runner = runner;
	v->uid = uid;
	v->gid = gid;
	v->hook = hook;
	v->hook_arg = arg;
	LIST_INIT(&v->socks);
	LIST_INIT(&v->arp_bases);
	if ((rc = vrrp_rtnl_open(&v->rtnl)) != 0 ||
	    (v->insts = calloc(c->nvrrp ? c->nvrrp : 1,
	    sizeof(*v->insts))) == NULL) {
		log_warnx("VRRP: cannot start: %s", strerror(rc ? -rc :
		    ENOMEM));
		vrrp_free(v);
		return NULL;
	}
	v->linkmon = vrrp_linkmon_new(base, VRRP_PRIORITY_EVENTS, vrrp_link_cb,
	    vrrp_addr_cb, v);
	if (v->linkmon == NULL)
		log_warnx("VRRP: cannot watch link events: tracked interfaces "
		    "will not be followed");
	v->scripts = vrrp_scripts_new(base, runner, c, uid, gid, NULL,
	    vrrp_script_cb, v);
	vrrp_start_all(v, c);
	return v;
}

/*
 * Same interface, VRID, family, peers and virtual MAC interface: the
 * same virtual router.
 */
static bool
vrrp_same_identity(const struct cfg_vrrp *a, const struct cfg_vrrp *b)
{
	size_t i;

	if (a->vrid != b->vrid || a->af != b->af || a->version !=
	    b->version || strcmp(a->ifname, b->ifname) != 0 ||
	    a->npeers != b->npeers || a->use_vmac != b->use_vmac ||
	    (a->use_vmac && strcmp(a->vmac_ifname, b->vmac_ifname) != 0))
		return false;
	for (i = 0; i < a->npeers; i++)
		if (addr_cmp(&a->peers[i], &b->peers[i]) != 0)
			return false;
	return true;
}

static bool
vrrp_vip_listed(const struct cfg_vrrp *c, const struct cfg_vip *vip)
{
	size_t i;

	for (i = 0; i < c->nvips; i++)
		if (addr_cmp(&c->vips[i].addr, &vip->addr) == 0 &&
		    c->vips[i].addr.prefix == vip->addr.prefix)
			return true;
	return false;
}

/* A master keeps its state: add the new VIPs, remove the dropped ones. */
static void
vrrp_inst_rebind(struct vrrp_inst *vi, const struct cfg_vrrp *nc)
{
	const struct cfg_vrrp	*oc = vi->conf;
	struct vrrp_fsm_conf	 fc;
	char			 a[ADDR_STRLEN];
	size_t			 i;

	if (vi->vips_up && vi->sock != NULL)
		for (i = 0; i < oc->nvips; i++)
			if (!vrrp_vip_listed(nc, &oc->vips[i]))
				vrrp_rtnl_addr(vi->v->rtnl, false,
				    vi->sock->ifp.ifindex, &oc->vips[i].addr,
				    NULL);
	vi->conf = nc;
	vrrp_fsm_conf_of(nc, &fc);
	if (vrrp_fsm_reconfigure(&vi->fsm, clock_now_us(), &fc) == -1)
		log_warnx("VRRP instance %s: new settings refused", nc->name);
	if (vi->sock == NULL)
		vrrp_inst_attach(vi);
	if (vrrp_inst_links(vi) == 0)
		vrrp_inst_track(vi);
	if (vi->vips_up && vi->sock != NULL) {
		for (i = 0; i < nc->nvips; i++)
			if (!vrrp_vip_listed(oc, &nc->vips[i])) {
				vrrp_rtnl_addr(vi->v->rtnl, true,
				    vi->sock->ifp.ifindex, &nc->vips[i].addr,
				    nc->vips[i].label);
				vrrp_net_announce(&vi->sock->ifp,
				    &nc->vips[i].addr);
				log_info("VRRP instance %s: added %s", nc->name,
				    addr_fmt(&nc->vips[i].addr, true, a,
				    sizeof(a)));
			}
	}
	vrrp_rearm(vi);
}

/*
 * Instances that keep their identity are rebound; the others stop
 * before new ones start, so a virtual address or a macvlan name passed
 * from an old instance to a new one is released first.
 */
void
vrrp_reconfigure(struct vrrp *v, const struct cfg *c)
{
	struct vrrp_inst	**old = v->insts, **kept, *vi;
	struct vrrp_scripts	 *os = v->scripts;
	size_t			  nold = v->n, nfresh = 0, i, j;

	/* Scripts first: rebound instances read their state. */
	v->scripts = vrrp_scripts_new(v->base, v->runner, c, v->uid, v->gid,
	    os, vrrp_script_cb, v);
	vrrp_scripts_free(os);

	kept = calloc(c->nvrrp ? c->nvrrp : 1, sizeof(*kept));
	if (kept == NULL || (v->insts = calloc(c->nvrrp ? c->nvrrp : 1,
	    sizeof(*v->insts))) == NULL) {
		log_warnx("VRRP: reconfigure: out of memory");
		free(kept);
		v->insts = old;
		return;
	}
	/* The kept ones stay listed while the others stop (hooks walk it). */
	v->n = 0;
	for (i = 0; i < c->nvrrp; i++) {
		for (j = 0; j < nold; j++)
			if (old[j] != NULL && strcmp(old[j]->conf->name,
			    c->vrrp[i].name) == 0 && vrrp_same_identity(
			    old[j]->conf, &c->vrrp[i]))
				break;
		if (j < nold) {
			kept[i] = v->insts[v->n++] = old[j];
			old[j] = NULL;
			vrrp_inst_rebind(kept[i], &c->vrrp[i]);
		}
	}
	for (j = 0; j < nold; j++)
		if (old[j] != NULL) {
			log_info("VRRP instance %s: removed from the config",
			    old[j]->conf->name);
			vrrp_inst_free(old[j], true);
		}
	/* kept[] then lists the new ones: slot nfresh <= i is read. */
	v->n = 0;
	for (i = 0; i < c->nvrrp; i++) {
		if ((vi = kept[i]) == NULL) {
			if ((vi = vrrp_inst_new(v, &c->vrrp[i])) == NULL) {
				log_warnx("VRRP instance %s: not started",
				    c->vrrp[i].name);
				continue;
			}
			kept[nfresh++] = vi;
		}
		v->insts[v->n++] = vi;
	}
	vrrp_inst_start(kept, nfresh);
	free(kept);
	free(old);
}

void
vrrp_shutdown(struct vrrp *v)
{
	struct vrrp_inst *vi;

	/*
	 * Out of the list before it stops: its transition runs hooks that
	 * walk the list (sync groups, the sync daemon's role).
	 */
	while (v->n > 0) {
		vi = v->insts[--v->n];
		v->insts[v->n] = NULL;
		vrrp_inst_free(vi, true);
	}
}

void
vrrp_free(struct vrrp *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++)
		vrrp_inst_free(v->insts[i], false);
	free(v->insts);
	vrrp_scripts_free(v->scripts);
	vrrp_linkmon_free(v->linkmon);
	vrrp_rtnl_close(v->rtnl);
	free(v);
}

size_t
vrrp_count(const struct vrrp *v)
{
	return v->n;
}

bool
vrrp_any_master(const struct vrrp *v)
{
	size_t i;

	for (i = 0; v != NULL && i < v->n; i++)
		if (v->insts[i]->fsm.state == VRRP_STATE_MASTER)
			return true;
	return false;
}

uint64_t
vrrp_unknown_vrid(const struct vrrp *v)
{
	return v->unknown_vrid;
}

void
vrrp_info(const struct vrrp *v, size_t i, struct vrrp_inst_info *info)
{
	const struct vrrp_inst	*vi = v->insts[i];
	uint64_t		 now = clock_now_us();

	memset(info, 0, sizeof(*info));
	info->conf = vi->conf;
	info->vmac = vi->vmac_ifindex != 0 ? vi->conf->vmac_ifname : NULL;
	info->state = vi->fsm.state;
	info->priority = vi->fsm.priority;
	info->master_adver_cs = vi->fsm.master_adver_cs;
	snprintf(info->master, sizeof(info->master), "%s", vi->master);
	if (vi->fsm.master_down_deadline > now)
		info->master_down_in_us = vi->fsm.master_down_deadline - now;
	info->fsm = vi->fsm.st;
	memcpy(info->drops, vi->drops, sizeof(info->drops));
	memcpy(info->pkt_errors, vi->pkt_errors, sizeof(info->pkt_errors));
	info->last_reason = vi->last_reason;
	if (vi->fsm.state == VRRP_STATE_FAULT && vi->fault_reason[0])
		info->fault_reason = vi->fault_reason;
}
