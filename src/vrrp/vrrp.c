/*
 * vrrp.c - the VRRP engine, see vrrp.h.
 *
 * Each instance couples a pure state machine (vrrp_fsm.c) with one timer
 * event, a socket shared by the instances of its interface and family,
 * and its virtual addresses. Every event and timer of VRRP runs at the
 * loop's highest priority, so checks and IPVS work never delay adverts.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "vrrp.h"
#include "vrrp_int.h"
#include "vrrp_net.h"
#include "vrrp_script.h"

static const char *const drop_names[] = {
	[VRRP_DROP_TTL] = "ttl",
	[VRRP_DROP_PACKET] = "packet",
	[VRRP_DROP_INTERVAL] = "interval",
	[VRRP_DROP_AUTH] = "auth",
	[VRRP_DROP_SELF] = "self",
};

const char *
vrrp_drop_name(enum vrrp_drop d)
{
	return d < VRRP_DROP_N ? drop_names[d] : "unknown";
}

static void	vrrp_rearm(struct vrrp_inst *);
static void	vrrp_inst_track(struct vrrp_inst *);
static void	vrrp_inst_free(struct vrrp_inst *, bool);
static void	vrrp_group_moved(struct vrrp_inst *, enum vrrp_state,
		    enum vrrp_state);

static const char *
vrrp_addr_str(int af, const void *a, char *buf, size_t len)
{
	return inet_ntop(af, a, buf, len) ? buf : "?";
}

/* Drops are counted always and logged at most once per advert interval. */
static void
vrrp_drop(struct vrrp_inst *vi, enum vrrp_drop why, const char *detail)
{
	uint64_t now = clock_now_us();

	vi->drops[why]++;
	if (now - vi->drop_logged_us[why] < vi->conf->advert_cs * 10000ull &&
	    vi->drop_logged_us[why] != 0)
		return;
	vi->drop_logged_us[why] = now;
	log_warnx("VRRP instance %s: dropped an advertisement (%s: %s; %llu "
	    "so far)", vi->conf->name, drop_names[why], detail,
	    (unsigned long long)vi->drops[why]);
}

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
		ifindex = vi->sock->ifp.ifindex;
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

/* Whether another member of vi's sync group is in FAULT on its own. */
static bool
vrrp_group_fault(const struct vrrp_inst *vi)
{
	const struct vrrp	*v = vi->v;
	size_t			 i;

	if (vi->conf->sync_group == NULL)
		return false;
	for (i = 0; i < v->n; i++)
		if (v->insts[i] != vi && v->insts[i]->conf->sync_group &&
		    strcmp(v->insts[i]->conf->sync_group,
		    vi->conf->sync_group) == 0 && v->insts[i]->own_fault)
			return true;
	return false;
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

static void
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

/* Checks that only this layer can make, then hands the advert over. */
static void
vrrp_rx_inst(struct vrrp_inst *vi, const struct vrrp_rx *rx)
{
	const struct cfg_vrrp	*c = vi->conf;
	struct vrrp_adv		 adv;
	enum vrrp_pkt_err	 e;
	char			 a[64];

	if (rx->ttl != 255) {
		vrrp_drop(vi, VRRP_DROP_TTL, "TTL or hop limit not 255");
		return;
	}
	if (memcmp(&rx->src, &vi->src, c->af == AF_INET ? 4 : 16) == 0) {
		vrrp_drop(vi, VRRP_DROP_SELF, "our own address");
		return;
	}
	e = vrrp_pkt_decode(rx->payload, rx->len, c->af, c->version, &rx->src,
	    &rx->dst, &adv);
	if (e != VRRP_PKT_OK) {
		vi->pkt_errors[e]++;
		vrrp_drop(vi, VRRP_DROP_PACKET, vrrp_pkt_err_name(e));
		return;
	}
	if (c->version == 2 && adv.interval * 100u != c->advert_cs) {
		vrrp_drop(vi, VRRP_DROP_INTERVAL, "advert interval differs");
		return;
	}
	if (c->version == 2 && (adv.has_auth != (c->auth_pass != NULL) ||
	    (c->auth_pass != NULL && strncmp(adv.auth, c->auth_pass,
	    sizeof(adv.auth)) != 0))) {
		vrrp_drop(vi, VRRP_DROP_AUTH, "authentication mismatch");
		return;
	}
	if (vi->fsm.state == VRRP_STATE_BACKUP && adv.priority != 0)
		snprintf(vi->master, sizeof(vi->master), "%s",
		    vrrp_addr_str(c->af, &rx->src, a, sizeof(a)));
	vrrp_fsm_advert(&vi->fsm, clock_now_us(), adv.priority,
	    c->version == 2 ? adv.interval * 100 : adv.interval,
	    (const uint8_t *)&rx->src, c->af == AF_INET ? 4 : 16);
	if (vi->fsm.state == VRRP_STATE_MASTER)
		strcpy(vi->master, "self");
	vrrp_rearm(vi);
}

static void
vrrp_sock_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct vrrp_sock	*s = arg;
	struct vrrp		*v = s->v;
	struct vrrp_rx		 rx;
	size_t			 i;
	int			 n;

	/* A bounded batch, then back to the loop. */
	for (n = 0; n < 64; n++) {
		if (vrrp_net_recv(fd, s->af, v->buf, sizeof(v->buf), &rx) < 0)
			return;
		if (rx.len < 2)
			continue;
		for (i = 0; i < v->n; i++)
			if (v->insts[i]->sock == s &&
			    v->insts[i]->conf->vrid == rx.payload[1])
				break;
		if (i == v->n) {
			v->unknown_vrid++;	/* not ours: quietly */
			continue;
		}
		vrrp_rx_inst(v->insts[i], &rx);
	}
}

/* The socket of c's family on ifname (c's interface or its macvlan). */
struct vrrp_sock *
vrrp_sock_get(struct vrrp *v, const struct cfg_vrrp *c, const char *ifname)
{
	struct vrrp_sock	*s;
	const struct addr	*skip = NULL;
	size_t			 nskip = 0;
	int			 rc;

	/* By index too: a macvlan made anew is another interface. */
	LIST_FOREACH(s, &v->socks, entry)
		if (s->af == c->af && strcmp(s->ifp.name, ifname) == 0 &&
		    s->ifp.ifindex == (int)if_nametoindex(ifname)) {
			s->refs++;
			return s;
		}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->v = v;
	s->af = c->af;
	/* A VIP left on the interface must not become our source address. */
	if (c->nvips > 0) {
		skip = &c->vips[0].addr;
		nskip = 1;
	}
	if ((rc = vrrp_net_if(ifname, &s->ifp, skip, nskip)) != 0 ||
	    (rc = vrrp_net_open(c->af, &s->ifp)) < 0) {
		log_warnx("VRRP instance %s: interface %s: %s", c->name,
		    ifname, strerror(-rc));
		free(s);
		return NULL;
	}
	s->fd = rc;
	s->ev = event_new(v->base, s->fd, EV_READ | EV_PERSIST, vrrp_sock_cb,
	    s);
	event_priority_set(s->ev, VRRP_PRIORITY_EVENTS);
	event_add(s->ev, NULL);
	s->refs = 1;
	LIST_INSERT_HEAD(&v->socks, s, entry);
	return s;
}

void
vrrp_sock_put(struct vrrp_sock *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	LIST_REMOVE(s, entry);
	event_free(s->ev);
	close(s->fd);
	free(s);
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
 * Our own interface down, or a tracked one of weight 0, means FAULT;
 * other tracked interfaces that are down add their weight to the
 * priority.
 */
static void
vrrp_inst_track(struct vrrp_inst *vi)
{
	const struct cfg_vrrp	*c = vi->conf;
	uint64_t		 now = clock_now_us();
	bool			 fault = vi->own_down;
	int			 offset = 0;
	size_t			 i;

	int			 good;

	/* As keepalived: a weight > 0 counts while good, < 0 while bad. */
	for (i = 0; i < c->ntrack_ifs; i++) {
		if (c->track_ifs[i].weight == 0)
			fault |= vi->track_down[i];
		else if (c->track_ifs[i].weight > 0 && !vi->track_down[i])
			offset += c->track_ifs[i].weight;
		else if (c->track_ifs[i].weight < 0 && vi->track_down[i])
			offset += c->track_ifs[i].weight;
	}
	for (i = 0; i < c->ntrack_scripts; i++) {
		good = vrrp_scripts_good(vi->v->scripts,
		    c->track_scripts[i].name) == 1;
		if (c->track_scripts[i].weight == 0)
			fault |= !good;
		else if (c->track_scripts[i].weight > 0 && good)
			offset += c->track_scripts[i].weight;
		else if (c->track_scripts[i].weight < 0 && !good)
			offset += c->track_scripts[i].weight;
	}
	vi->own_fault = fault;
	vrrp_fsm_set_priority_offset(&vi->fsm, now, offset);
	vrrp_fsm_fault(&vi->fsm, now, fault || vrrp_group_fault(vi));
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
		if (vi->vmac_ifindex != 0 && !up &&
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

/* Someone removed one of a master's VIPs: put it back, announce it. */
static void
vrrp_addr_del_cb(void *arg, int ifindex, const struct addr *a)
{
	struct vrrp		*v = arg;
	struct vrrp_inst	*vi;
	const struct cfg_vip	*vip;
	char			 buf[ADDR_STRLEN];
	size_t			 i, k;

	for (i = 0; i < v->n; i++) {
		vi = v->insts[i];
		if (!vi->vips_up || vi->fsm.state != VRRP_STATE_MASTER)
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
	if (c->use_vmac && vrrp_vmac_inst_start(vi) == -1)
		goto fail;
	if ((vi->sock = vrrp_sock_get(v, c, c->use_vmac ? c->vmac_ifname :
	    c->ifname)) == NULL || vrrp_inst_src(vi) == -1)
		goto fail;
	vrrp_fsm_conf_of(c, &fc);
	if (vrrp_fsm_init(&vi->fsm, &fc, (const uint8_t *)&vi->src,
	    c->af == AF_INET ? 4 : 16, &vrrp_ops, vi) == -1) {
		log_warnx("VRRP instance %s: bad settings", c->name);
		goto fail;
	}
	vi->ev_timer = evtimer_new(v->base, vrrp_timer_cb, vi);
	vi->ev_garp = evtimer_new(v->base, vrrp_garp_cb, vi);
	event_priority_set(vi->ev_timer, VRRP_PRIORITY_EVENTS);
	event_priority_set(vi->ev_garp, VRRP_PRIORITY_EVENTS);
	if (vrrp_inst_links(vi) == -1)
		goto fail;
	vrrp_inst_track(vi);	/* a fault now takes effect at startup */
	vrrp_fsm_startup(&vi->fsm, clock_now_us());
	vrrp_rearm(vi);
	return vi;
fail:
	vrrp_inst_free(vi, false);
	return NULL;
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
	vrrp_sock_put(vi->sock);
	vrrp_vmac_inst_stop(vi);
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
	    vrrp_addr_del_cb, v);
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

	if (vi->vips_up)
		for (i = 0; i < oc->nvips; i++)
			if (!vrrp_vip_listed(nc, &oc->vips[i]))
				vrrp_rtnl_addr(vi->v->rtnl, false,
				    vi->sock->ifp.ifindex, &oc->vips[i].addr,
				    NULL);
	vi->conf = nc;
	vrrp_fsm_conf_of(nc, &fc);
	if (vrrp_fsm_reconfigure(&vi->fsm, clock_now_us(), &fc) == -1)
		log_warnx("VRRP instance %s: new settings refused", nc->name);
	if (vrrp_inst_links(vi) == 0)
		vrrp_inst_track(vi);
	if (vi->vips_up) {
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
	size_t			  nold = v->n, i, j;

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
	v->n = 0;
	for (i = 0; i < c->nvrrp; i++) {
		if ((vi = kept[i]) == NULL &&
		    (vi = vrrp_inst_new(v, &c->vrrp[i])) == NULL) {
			log_warnx("VRRP instance %s: not started",
			    c->vrrp[i].name);
			continue;
		}
		v->insts[v->n++] = vi;
	}
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
}
