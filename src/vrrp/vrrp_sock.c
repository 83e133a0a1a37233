/*
 * vrrp_sock.c - the engine's VRRP sockets, see vrrp_int.h: one per
 * interface and family, shared by the instances on it; what arrives is
 * checked (TTL, our own address, the packet, v2 interval and password),
 * counted when dropped, and handed to the instance's state machine.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "log.h"
#include "vrrp_int.h"

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
