/*
 * lb.c - the IPVS engine, see lb.h.
 *
 * A sync is a small state machine stepped by one low-priority event:
 * IDLE -> WANT (the wanted table, a virtual server at a time) -> LIST
 * (the kernel's services, a netlink batch at a time; a partial sync
 * reads only the changed ones instead) -> READ (each service's
 * destinations) -> DIFF (a few services at a time) -> APPLY (the diff's
 * operations) -> IDLE. Each step runs until its time
 * box is used up and then yields to the loop, so VRRP and checks keep
 * their timing while 100,000 destinations are read or written.
 *
 * How much a sync builds and reads depends on what is known to have
 * changed since the last clean one (lb_changes.h):
 *   - a few virtual servers (a health change, a spliced reload): only
 *     their part of the wanted table is built, merged into current at
 *     the end, and only their services are read back;
 *   - not known (a reload parsed whole): the whole table is built and
 *     compared with current, and what differs is read back;
 *   - a start, drift check, retry or directorctl, or any doubt that
 *     current equals the kernel: everything is built and read.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <event2/event.h>

#include "clock.h"
#include "daemon.h"
#include "lb.h"
#include "lb_changes.h"
#include "log.h"
#include "notify.h"
#include "../ipvs/ipvs_backend.h"

#define LB_SLICE_US		1000	/* time box of one step */
#define LB_LOG_OPS_MAX		50	/* more ops than this: a summary */
#define LB_PARTIAL_MAX		LB_CHANGES_MAX	/* services a partial sync reads */
#define LB_RETRY_MIN_MS		1000
#define LB_RETRY_MAX_MS		60000
#define LB_PRIORITY_BULK	2	/* see daemon_start() */

enum lb_phase {
	LB_IDLE,
	LB_WANT,
	LB_LIST,
	LB_READ,
	LB_DIFF,
	LB_APPLY,
};

/* What a step did, for the longest one: its phase at the start. */
static const char *const lb_phase_names[] = {
	[LB_IDLE] = "begin",
	[LB_WANT] = "wanted table",
	[LB_LIST] = "listing services",
	[LB_READ] = "reading destinations",
	[LB_DIFF] = "diff",
	[LB_APPLY] = "applying",
};

static const char *const lb_reason_names[] = {
	[LB_SYNC_START] = "start",
	[LB_SYNC_RELOAD] = "reload",
	[LB_SYNC_HEALTH] = "health change",
	[LB_SYNC_DRIFT] = "drift check",
	[LB_SYNC_RETRY] = "retry",
	[LB_SYNC_MANUAL] = "directorctl",
};

struct lb {
	struct director			*d;
	const struct ipvs_backend	*be;
	void				*ctx;
	enum lb_phase			 phase;
	enum lb_reason			 reason;
	bool				 pending;
	enum lb_reason			 pending_reason;
	struct ipvs_table		 want;
	struct ipvs_table		 current;	/* last sync's want */
	bool				 current_valid;	/* = the kernel */
	bool				 partial;	/* this sync */
	struct ipvs_table_svc		*sub;	/* partial: changed ones */
	size_t				 nsub;
	struct ipvs_table		 have;
	struct ipvs_table		 owned;	/* keys, sorted */
	struct ipvs_table		 added;	/* keys this sync added */
	struct lb_changes		 changed;	/* since taken */
	struct lb_changes		 taken;	/* by the sync in flight */
	bool				 only_changed;	/* this sync */
	bool				*owned_flags;	/* per have[] */
	bool				*quorum_ok;	/* per cfg vs */
	bool				*quorum_was;	/* at the sync's start */
	size_t				 nquorum;
	struct lb_rs_health		**health;	/* [vs][rs] */
	size_t				 nhealth;
	struct ipvs_diff		*differ;	/* LB_DIFF */
	struct ipvs_oplist		 ops;
	size_t				 next;
	size_t				 errors;	/* in this sync */
	uint64_t			 started_us;
	bool				 foreign_logged;
	uint32_t			 retry_ms;
	struct lb_stats			 st;
	struct event			*ev_step;
	struct event			*ev_retry;
	struct event			*ev_drift;
};

static void	lb_step_cb(evutil_socket_t, short, void *);

/* A check found the kernel changed behind our back: ops repair drift. */
static bool
lb_is_repair(enum lb_reason r)
{
	return r == LB_SYNC_DRIFT || r == LB_SYNC_MANUAL;
}

static void
lb_svc_ident(const struct ipvs_service *s, char *buf, size_t len)
{
	char a[64];

	if (s->fwmark != 0) {
		snprintf(buf, len, "fwmark %u%s", s->fwmark,
		    s->af == AF_INET6 ? " inet6" : "");
		return;
	}
	inet_ntop(s->af, &s->addr, a, sizeof(a));
	snprintf(buf, len, s->af == AF_INET6 ? "%s [%s]:%u" : "%s %s:%u",
	    cfg_proto_name(s->protocol), a, s->port);
}

const struct cfg_vs *
lb_vs_of(const struct lb *lb, const struct ipvs_service *svc)
{
	const struct ipvs_table_svc *ts = ipvs_table_find(&lb->current, svc);

	return ts != NULL ? ts->tag : NULL;
}

int
lb_wanted_weight(const struct lb *lb, const struct ipvs_service *svc,
    const struct ipvs_dest *d)
{
	const struct ipvs_table_svc	*ts = ipvs_table_find(&lb->current,
					    svc);
	const struct ipvs_dest		*wd;

	if (ts == NULL || (wd = ipvs_table_find_dest(ts, d)) == NULL)
		return -1;
	return wd->weight;
}

const struct lb_rs_health *
lb_rs_health_of(const struct lb *lb, const struct cfg_vs *vs,
    const struct cfg_rs *rs)
{
	const struct cfg	*c = lb->d->cfg;
	size_t			 v;

	if (vs < c->vs || vs >= c->vs + c->nvs)
		return NULL;
	v = (size_t)(vs - c->vs);
	if (v >= lb->nhealth || rs < vs->rs || rs >= vs->rs + vs->nrs)
		return NULL;
	return &lb->health[v][rs - vs->rs];
}

/* "vs web (tcp 192.0.2.1:80)", or the bare identity of a foreign one. */
static void
lb_svc_name(const struct lb *lb, const struct ipvs_service *svc, char *buf,
    size_t len)
{
	const struct ipvs_table_svc	*ts = ipvs_table_find(&lb->want, svc);
	const struct cfg_vs		*vs = ts ? ts->tag : lb_vs_of(lb, svc);
	char				 id[96];

	lb_svc_ident(svc, id, sizeof(id));
	if (vs != NULL)
		snprintf(buf, len, "vs %s (%s)", vs->name, id);
	else
		snprintf(buf, len, "service %s", id);
}

static void
lb_op_log(struct lb *lb, const struct ipvs_op *op, int rc)
{
	char	name[160], a[64], what[128] = "";
	int	pri;

	lb_svc_name(lb, op->svc, name, sizeof(name));
	if (op->dest != NULL) {
		inet_ntop(op->dest->af, &op->dest->addr, a, sizeof(a));
		snprintf(what, sizeof(what), op->dest->af == AF_INET6 ?
		    " [%s]:%u" : " %s:%u", a, op->dest->port);
		if (op->type != IPVS_OP_DEST_DEL)
			snprintf(what + strlen(what), sizeof(what) -
			    strlen(what), " weight %d", op->dest->weight);
	} else if (op->type != IPVS_OP_SVC_DEL)
		snprintf(what, sizeof(what), " scheduler %s", op->svc->sched);
	if (rc != 0) {
		log_warnx("IPVS: %s: %s%s failed: %s (%s; will retry)", name,
		    ipvs_op_name(op->type), what, strerror(-rc),
		    lb_reason_names[lb->reason]);
		return;
	}
	pri = lb_is_repair(lb->reason) ? LOG_WARNING : LOG_INFO;
	log_msg(pri, "IPVS: %s: %s%s (%s%s)", name, ipvs_op_name(op->type),
	    what, lb_is_repair(lb->reason) ? "repairing drift, " : "",
	    lb_reason_names[lb->reason]);
}

/*
 * The next step as an expired timer, not event_active(): libevent runs
 * re-activated events in the same pass without polling, so a sync
 * would hold the loop from its first step to its last (found by
 * bench/ipvs-scale). A timer lets I/O and VRRP in between steps.
 */
static void
lb_schedule_step(struct lb *lb)
{
	static const struct timeval now = { 0, 0 };

	event_add(lb->ev_step, &now);
}

static void
lb_clear(struct lb *lb)
{
	if (lb->phase == LB_LIST)
		lb->be->dump_services_abort(lb->ctx);
	free(lb->quorum_was);
	lb->quorum_was = NULL;
	free(lb->sub);		/* copies: the destinations are want's */
	lb->sub = NULL;
	lb->nsub = 0;
	lb->partial = false;
	ipvs_table_free(&lb->want);
	ipvs_table_free(&lb->have);
	ipvs_diff_free(lb->differ);
	lb->differ = NULL;
	ipvs_oplist_free(&lb->ops);
	free(lb->owned_flags);
	lb->owned_flags = NULL;
	/* A sync given up: what it added is ours all the same. */
	ipvs_table_sort(&lb->added);
	if (ipvs_table_merge(&lb->owned, &lb->added, NULL, 0) == -1)
		log_warnx("IPVS: out of memory noting added services");
	ipvs_table_free(&lb->added);
	lb_changes_clear(&lb->taken);
	lb->only_changed = false;
	lb->phase = LB_IDLE;
	lb->next = 0;
}

static void
lb_fail(struct lb *lb, const char *what, int rc)
{
	snprintf(lb->st.last_error, sizeof(lb->st.last_error), "%s: %s",
	    what, strerror(-rc));
	log_warnx("IPVS: %s (%s; will retry)", lb->st.last_error,
	    lb_reason_names[lb->reason]);
	lb->errors++;
}

/* The quorum state array follows the config's virtual servers. */
static int
lb_quorum_resize(struct lb *lb)
{
	size_t	 n = lb->d->cfg->nvs, i;
	bool	*q;

	if (n == lb->nquorum)
		return 0;
	if ((q = reallocarray(lb->quorum_ok, n ? n : 1, sizeof(*q))) == NULL)
		return -ENOMEM;
	for (i = lb->nquorum; i < n; i++)
		q[i] = true;
	lb->quorum_ok = q;
	lb->nquorum = n;
	return 0;
}

static void
lb_health_free(struct lb *lb)
{
	size_t i;

	for (i = 0; i < lb->nhealth; i++)
		free(lb->health[i]);
	free(lb->health);
	lb->health = NULL;
	lb->nhealth = 0;
}

/* Until the health engine says otherwise: each check's initial state. */
static struct lb_rs_health *
lb_health_new(const struct cfg_vs *vs)
{
	struct lb_rs_health	*h;
	size_t			 j;

	if ((h = calloc(vs->nrs ? vs->nrs : 1, sizeof(*h))) == NULL)
		return NULL;
	for (j = 0; j < vs->nrs; j++) {
		h[j].up = vs->rs[j].check.type == CHECK_NONE ||
		    vs->rs[j].check.initial_up;
		h[j].weight = vs->rs[j].weight;
	}
	return h;
}

static int
lb_health_init(struct lb *lb)
{
	const struct cfg	*c = lb->d->cfg;
	size_t			 i;

	lb_health_free(lb);
	if ((lb->health = calloc(c->nvs ? c->nvs : 1,
	    sizeof(*lb->health))) == NULL)
		return -ENOMEM;
	lb->nhealth = c->nvs;
	for (i = 0; i < c->nvs; i++)
		if ((lb->health[i] = lb_health_new(&c->vs[i])) == NULL)
			return -ENOMEM;
	return 0;
}

void
lb_set_rs_health(struct lb *lb, size_t vs, size_t rs, bool up, int weight)
{
	struct lb_rs_health *h;

	if (vs >= lb->nhealth || rs >= lb->d->cfg->vs[vs].nrs)
		return;
	h = &lb->health[vs][rs];
	if (h->up == up && h->weight == weight)
		return;
	h->up = up;
	h->weight = weight;
	lb_changes_vs(&lb->changed, vs);
	lb_sync(lb, LB_SYNC_HEALTH);
}

/* Quorum lost or regained: one log line and the vs's notify script. */
static void
lb_quorum_changes(struct lb *lb, const bool *prev)
{
	const struct cfg	*c = lb->d->cfg;
	const struct cfg_argv	*script;
	size_t			 i;
	bool			 ok;

	for (i = 0; i < lb->nquorum && i < c->nvs; i++) {
		if ((ok = lb->quorum_ok[i]) == prev[i])
			continue;
		lb->st.quorum_changes++;
		if (ok)
			log_info("vs %s: quorum regained (%u)%s", c->vs[i].name,
			    c->vs[i].quorum, c->vs[i].has_sorry ?
			    ", sorry server out" : "");
		else
			log_warnx("vs %s: quorum lost (%u)%s", c->vs[i].name,
			    c->vs[i].quorum, c->vs[i].has_sorry ?
			    ", sorry server in" : "");
		script = ok ? &c->vs[i].notify_quorum_up :
		    &c->vs[i].notify_quorum_down;
		if (lb->d->notify != NULL)
			notify_event(lb->d->notify, "VS", c->vs[i].name, ok ?
			    "QUORUM_UP" : "QUORUM_DOWN", (int)c->vs[i].quorum,
			    &script, 1, c->global.notify_fifo);
	}
}

static bool
lb_dest_equal(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	return ipvs_dest_key_cmp(a, b) == 0 && a->fwd == b->fwd &&
	    a->weight == b->weight && a->u_threshold == b->u_threshold &&
	    a->l_threshold == b->l_threshold && a->tun_type == b->tun_type &&
	    a->tun_port == b->tun_port && a->tun_flags == b->tun_flags;
}

/* The same wanted service and destinations as the last sync asked for. */
static bool
lb_svc_equal(const struct ipvs_table_svc *a, const struct ipvs_table_svc *b)
{
	size_t i;

	if (strcmp(a->svc.sched, b->svc.sched) != 0 ||
	    a->svc.flags != b->svc.flags || a->svc.timeout != b->svc.timeout ||
	    a->svc.netmask != b->svc.netmask || a->ndests != b->ndests)
		return false;
	for (i = 0; i < a->ndests; i++)
		if (!lb_dest_equal(&a->dests[i], &b->dests[i]))
			return false;
	return true;
}

/* Reads one service the kernel may or may not hold into have. */
static int
lb_read_key(struct lb *lb, const struct ipvs_service *key)
{
	struct ipvs_service	svc;
	int			rc;

	if ((rc = lb->be->get_service(lb->ctx, key, &svc)) == -ESRCH ||
	    rc == -ENOENT)
		return 0;
	if (rc != 0)
		return rc;
	return ipvs_table_add(&lb->have, &svc) == NULL ? -ENOMEM : 0;
}

/*
 * A reload or a health change after a clean sync touches only what its
 * wanted table changed: those services alone are read back and diffed
 * (a one-line reload of 10,000 services is then one read and one
 * operation). Drift checks, retries and the first sync read everything.
 * Returns 0 with lb->sub and lb->have ready, 1 for a full sync, or
 * -errno.
 */
static int
lb_plan_partial(struct lb *lb)
{
	const struct ipvs_table	*w = &lb->want, *c = &lb->current;
	size_t			 i = 0, j = 0, reads = 0;
	int			 cmp, rc = 0;

	if (!lb->current_valid || (lb->reason != LB_SYNC_RELOAD &&
	    lb->reason != LB_SYNC_HEALTH))
		return 1;
	if ((lb->sub = calloc(w->n ? w->n : 1, sizeof(*lb->sub))) == NULL)
		return -ENOMEM;
	while (rc == 0 && (i < w->n || j < c->n)) {
		cmp = i == w->n ? 1 : j == c->n ? -1 :
		    ipvs_service_key_cmp(&w->svcs[i].svc, &c->svcs[j].svc);
		if (cmp < 0 || (cmp == 0 && !lb_svc_equal(&w->svcs[i],
		    &c->svcs[j]))) {
			lb->sub[lb->nsub++] = w->svcs[i];
			rc = lb_read_key(lb, &w->svcs[i].svc);
			reads++;
		} else if (cmp > 0) {	/* gone from the config */
			rc = lb_read_key(lb, &c->svcs[j].svc);
			reads++;
		}
		if (cmp <= 0)
			i++;
		if (cmp >= 0)
			j++;
		/*
		 * Many changes (a reload of every weight, a switch taking
		 * half the farm down): the reads here are one step, so read
		 * everything in slices instead.
		 */
		if (rc == 0 && reads > LB_PARTIAL_MAX) {
			free(lb->sub);
			lb->sub = NULL;
			lb->nsub = 0;
			ipvs_table_free(&lb->have);
			return 1;
		}
	}
	lb->partial = true;
	return rc;
}

/*
 * Only some virtual servers changed (lb->taken): their services are
 * compared with what current asks of the kernel, and those that differ
 * are read back, with the services the config dropped. Returns 0 with
 * lb->sub and lb->have ready, or -errno.
 */
static int
lb_plan_changed(struct lb *lb)
{
	const struct ipvs_table_svc	*cur;
	const struct ipvs_table		*w = &lb->want;
	size_t				 i;
	int				 rc = 0;

	if ((lb->sub = calloc(w->n ? w->n : 1, sizeof(*lb->sub))) == NULL)
		return -ENOMEM;
	for (i = 0; rc == 0 && i < w->n; i++) {
		cur = ipvs_table_find(&lb->current, &w->svcs[i].svc);
		if (cur != NULL && lb_svc_equal(&w->svcs[i], cur))
			continue;
		lb->sub[lb->nsub++] = w->svcs[i];
		rc = lb_read_key(lb, &w->svcs[i].svc);
	}
	for (i = 0; rc == 0 && i < lb->taken.ngone; i++)
		if (ipvs_table_find(w, &lb->taken.gone[i]) == NULL)
			rc = lb_read_key(lb, &lb->taken.gone[i]);
	lb->partial = true;
	return rc;
}

static void
lb_begin(struct lb *lb)
{
	lb->reason = lb->pending_reason;
	lb->pending = false;
	lb->errors = 0;
	lb->started_us = clock_now_us();
	lb->st.busy = true;
	lb->phase = LB_WANT;
	lb->next = 0;
	lb_changes_take(&lb->taken, &lb->changed);
	lb->only_changed = lb->current_valid && !lb->taken.all &&
	    lb->health != NULL && (lb->reason == LB_SYNC_RELOAD ||
	    lb->reason == LB_SYNC_HEALTH);
	if (lb_quorum_resize(lb) != 0 || (lb->health == NULL &&
	    lb_health_init(lb) != 0) || (lb->quorum_was =
	    malloc(lb->nquorum + 1)) == NULL) {
		lb_fail(lb, "building the wanted table", -ENOMEM);
		return;
	}
	if (lb->nquorum > 0)
		memcpy(lb->quorum_was, lb->quorum_ok, lb->nquorum);
}

/* Appends virtual server v's part of the wanted table. */
static bool
lb_want_vs(struct lb *lb, size_t v)
{
	const struct lb_rs_health *h = v < lb->nhealth ? lb->health[v] : NULL;

	if (lb_desired_vs(&lb->d->cfg->vs[v], h, &lb->quorum_ok[v],
	    &lb->want) == -1) {
		lb_fail(lb, "building the wanted table", -ENOMEM);
		return false;
	}
	return true;
}

/* The wanted table, a virtual server at a time; true when it is built. */
static bool
lb_want_some(struct lb *lb, uint64_t deadline)
{
	const struct cfg	*c = lb->d->cfg;
	size_t			 i;
	int			 rc;

	if (lb->only_changed) {		/* at most LB_CHANGES_MAX */
		for (i = 0; i < lb->taken.nvs; i++)
			if (!lb_want_vs(lb, lb->taken.vs[i]))
				return false;
		lb->st.last_sync_built = lb->taken.nvs;
	} else if (lb->next < c->nvs) {
		for (; lb->next < c->nvs; lb->next++) {
			if (clock_now_us() >= deadline)
				return false;
			if (!lb_want_vs(lb, lb->next))
				return false;
		}
		return false;	/* the rest on a step of its own */
	} else
		lb->st.last_sync_built = c->nvs;
	ipvs_table_sort(&lb->want);
	lb_quorum_changes(lb, lb->quorum_was);
	rc = lb->only_changed ? lb_plan_changed(lb) : lb_plan_partial(lb);
	if (rc < 0) {
		lb_fail(lb, "reading the changed services", rc);
		return false;
	}
	lb->next = 0;
	if (rc == 0) {
		lb->phase = LB_READ;
		return true;
	}
	if ((rc = lb->be->dump_services_start(lb->ctx)) != 0) {
		lb_fail(lb, "reading the kernel's services", rc);
		return false;
	}
	lb->phase = LB_LIST;
	return true;
}

/* The kernel's services, a batch at a time; true when all are read. */
static bool
lb_list_some(struct lb *lb, uint64_t deadline)
{
	int rc;

	do {
		if ((rc = lb->be->dump_services_more(lb->ctx,
		    &lb->have)) < 0) {
			lb->phase = LB_READ;	/* the dump is over */
			lb_fail(lb, "reading the kernel's services", rc);
			return false;
		}
	} while (rc == 1 && clock_now_us() < deadline);
	if (rc == 1)
		return false;
	lb->phase = LB_READ;
	lb->next = 0;
	return true;
}

/* Logs, once, the services found in the kernel that are not ours. */
static void
lb_log_foreign(struct lb *lb)
{
	char	id[96];
	size_t	i, n = 0;

	if (lb->foreign_logged)
		return;
	lb->foreign_logged = true;
	for (i = 0; i < lb->have.n; i++) {
		if (lb->owned_flags[i] ||
		    ipvs_table_find(&lb->want, &lb->have.svcs[i].svc) != NULL)
			continue;
		lb_svc_ident(&lb->have.svcs[i].svc, id, sizeof(id));
		if (n++ < 10)
			log_info("IPVS: %s is not in the config: %s", id,
			    lb->d->cfg->global.ipvs_purge_unknown ?
			    "purging it (purge_unknown)" : "leaving it alone");
	}
	if (n > 10)
		log_info("IPVS: %zu more services not in the config", n - 10);
}

/* Services merged per check of the time box. */
#define LB_DIFF_BATCH	16

static void
lb_diff_begin(struct lb *lb)
{
	size_t i;

	ipvs_table_sort(&lb->have);
	if ((lb->owned_flags = calloc(lb->have.n ? lb->have.n : 1,
	    sizeof(bool))) == NULL) {
		lb_fail(lb, "diff", -ENOMEM);
		return;
	}
	for (i = 0; i < lb->have.n; i++)
		lb->owned_flags[i] = ipvs_table_find(&lb->owned,
		    &lb->have.svcs[i].svc) != NULL;
	lb_log_foreign(lb);
	if ((lb->differ = ipvs_diff_new(lb->partial ? lb->sub :
	    lb->want.svcs, lb->partial ? lb->nsub : lb->want.n,
	    lb->have.svcs, lb->have.n, lb->owned_flags,
	    lb->d->cfg->global.ipvs_purge_unknown)) == NULL) {
		lb_fail(lb, "diff", -errno);
		return;
	}
	lb->phase = LB_DIFF;
}

/* The diff, a batch of services at a time; true when the ops are ready. */
static bool
lb_diff_some(struct lb *lb, uint64_t deadline)
{
	int rc;

	do {
		rc = ipvs_diff_step(lb->differ, LB_DIFF_BATCH);
	} while (rc == 1 && clock_now_us() < deadline);
	if (rc == 1)
		return false;
	if (rc == -1 || ipvs_diff_finish(lb->differ, &lb->ops) == -1) {
		lb_fail(lb, "diff", -errno);
		return false;
	}
	ipvs_diff_free(lb->differ);
	lb->differ = NULL;
	lb->phase = LB_APPLY;
	lb->next = 0;
	return true;
}

/* Reads destinations until the time box is used; true when all are read. */
static bool
lb_read_some(struct lb *lb, uint64_t deadline)
{
	int rc;

	while (lb->next < lb->have.n) {
		if (clock_now_us() >= deadline)
			return false;
		rc = lb->be->dump_dests(lb->ctx, &lb->have.svcs[lb->next]);
		if (rc != 0) {
			lb_fail(lb, "reading destinations", rc);
			return false;
		}
		lb->next++;
	}
	return true;
}

static bool
lb_apply_some(struct lb *lb, uint64_t deadline)
{
	const struct ipvs_op	*op;
	bool			 verbose = lb->ops.n <= LB_LOG_OPS_MAX;
	int			 rc;

	while (lb->next < lb->ops.n) {
		if (clock_now_us() >= deadline)
			return false;
		op = &lb->ops.ops[lb->next++];
		rc = lb->be->apply(lb->ctx, op);
		if (rc != 0) {
			lb->errors++;
			lb->st.op_errors++;
			snprintf(lb->st.last_error, sizeof(lb->st.last_error),
			    "%s: %s", ipvs_op_name(op->type), strerror(-rc));
			lb_op_log(lb, op, rc);
			/* Its destinations cannot go in without it. */
			while (op->type == IPVS_OP_SVC_ADD &&
			    lb->next < lb->ops.n &&
			    lb->ops.ops[lb->next].svc == op->svc)
				lb->next++;
			continue;
		}
		lb->st.ops++;
		if (lb_is_repair(lb->reason))
			lb->st.repairs++;
		/*
		 * Ours from now on, even if this sync never finishes: a stop
		 * in the middle of the first one removes what it added.
		 */
		if (op->type == IPVS_OP_SVC_ADD &&
		    ipvs_table_add(&lb->added, op->svc) == NULL)
			log_warnx("IPVS: out of memory noting an added service");
		if (verbose)
			lb_op_log(lb, op, 0);
	}
	return true;
}

/*
 * After a sync, director owns what it wants; after a sync with errors
 * also what it owned before (a failed delete is tried again), so a
 * reload that drops a service deletes it.
 */
static bool
lb_update_owned(struct lb *lb)
{
	struct ipvs_table	 owned = { 0 };
	size_t			 i;

	for (i = 0; i < lb->want.n; i++)
		if (ipvs_table_add(&owned, &lb->want.svcs[i].svc) == NULL)
			goto nomem;
	for (i = 0; i < lb->have.n; i++)
		if (lb->owned_flags[i] && ipvs_table_find(&lb->want,
		    &lb->have.svcs[i].svc) == NULL && lb->errors > 0 &&
		    ipvs_table_add(&owned, &lb->have.svcs[i].svc) == NULL)
			goto nomem;
	ipvs_table_sort(&owned);
	ipvs_table_free(&lb->owned);
	lb->owned = owned;
	return true;
nomem:
	ipvs_table_free(&owned);
	lb_fail(lb, "ownership", -ENOMEM);
	return false;
}

static int
lb_svc_key_cmp(const void *a, const void *b)
{
	return ipvs_service_key_cmp(a, b);
}

/*
 * The same after a sync of some virtual servers: their services join
 * owned and current, and those the config dropped leave both (owned
 * only after a clean sync: a failed delete is tried again). One pass
 * over each, no sort.
 */
static bool
lb_update_changed(struct lb *lb)
{
	struct ipvs_table	keys = { 0 };
	struct lb_changes	*t = &lb->taken;
	size_t			 i;

	qsort(t->gone, t->ngone, sizeof(*t->gone), lb_svc_key_cmp);
	for (i = 0; i < lb->want.n; i++)
		if (ipvs_table_add(&keys, &lb->want.svcs[i].svc) == NULL)
			goto nomem;
	if (ipvs_table_merge(&lb->owned, &keys, t->gone,
	    lb->errors > 0 ? 0 : t->ngone) == -1 ||
	    ipvs_table_merge(&lb->current, &lb->want, t->gone,
	    t->ngone) == -1)
		goto nomem;
	return true;
nomem:
	ipvs_table_free(&keys);
	lb_fail(lb, "ownership", -ENOMEM);
	return false;
}

static void
lb_finish(struct lb *lb)
{
	struct timeval	tv;
	uint64_t	took = clock_now_us() - lb->started_us;

	/* Each takes what the sync added from want: lb_clear() need not. */
	if (lb->phase == LB_APPLY && (lb->only_changed ?
	    lb_update_changed(lb) : lb_update_owned(lb)))
		ipvs_table_free(&lb->added);
	lb->st.syncs++;
	lb->st.last_sync_us = took;
	lb->st.last_sync_ops = lb->ops.n;
	lb->st.busy = lb->pending;	/* asked for during this one */
	if (lb->ops.n > 0 || lb->errors > 0)
		log_info("IPVS: sync (%s) done in %llu ms: %zu services (%zu "
		    "rebuilt), %zu operations, %zu errors",
		    lb_reason_names[lb->reason],
		    (unsigned long long)took / 1000, lb->only_changed ?
		    lb->current.n : lb->want.n, (size_t)lb->st.last_sync_built,
		    lb->ops.n, lb->errors);
	if (lb->errors > 0) {
		lb->retry_ms = lb->retry_ms ? lb->retry_ms * 2 : LB_RETRY_MIN_MS;
		if (lb->retry_ms > LB_RETRY_MAX_MS)
			lb->retry_ms = LB_RETRY_MAX_MS;
		tv.tv_sec = lb->retry_ms / 1000;
		tv.tv_usec = (lb->retry_ms % 1000) * 1000;
		evtimer_add(lb->ev_retry, &tv);
	} else {
		lb->retry_ms = 0;
		lb->st.last_error[0] = '\0';
	}
	/* What was asked for stays visible to the views until the next. */
	if (lb->phase == LB_APPLY && !lb->only_changed) {
		ipvs_table_free(&lb->current);
		lb->current = lb->want;
		memset(&lb->want, 0, sizeof(lb->want));
	}
	/* Partial syncs trust current: only a clean sync may set it. */
	lb->current_valid = lb->phase == LB_APPLY && lb->errors == 0;
	lb_clear(lb);
	if (lb->pending)
		lb_schedule_step(lb);
}

static void
lb_step_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct lb	*lb = arg;
	uint64_t	 t0 = clock_now_us(), took;
	uint64_t	 deadline = t0 + LB_SLICE_US;
	enum lb_phase	 phase = lb->phase;
	bool		 done = false;

	if (lb->phase == LB_IDLE) {
		if (!lb->pending)
			return;
		lb_begin(lb);
	} else if (lb->phase == LB_WANT) {
		lb_want_some(lb, deadline);
	} else if (lb->phase == LB_LIST) {
		lb_list_some(lb, deadline);
	} else if (lb->phase == LB_READ) {
		/* Each phase's closing work (sorts, over every service) on a
		 * step of its own, not on the end of a full time box. */
		if (lb->next < lb->have.n)
			lb_read_some(lb, deadline);
		else if (lb->errors == 0)
			lb_diff_begin(lb);
	} else if (lb->phase == LB_DIFF) {
		lb_diff_some(lb, deadline);
	} else if (lb->phase == LB_APPLY) {
		if (lb->next < lb->ops.n)
			lb_apply_some(lb, deadline);
		else
			done = true;
	}
	if (lb->errors > 0 && lb->phase != LB_APPLY)
		done = true;	/* reading failed: retry later */
	lb->st.steps++;
	if (done)
		lb_finish(lb);
	else
		lb_schedule_step(lb);
	took = clock_now_us() - t0;
	if (took > lb->st.max_slice_us) {
		lb->st.max_slice_us = took;
		lb->st.max_slice_phase = done ? "finishing" :
		    lb_phase_names[phase];
	}
}

void
lb_sync(struct lb *lb, enum lb_reason why)
{
	if (!lb->pending) {
		lb->pending = true;
		lb->pending_reason = why;
	}
	lb->st.busy = true;
	if (lb->phase == LB_IDLE)
		lb_schedule_step(lb);
}

static void
lb_retry_cb(evutil_socket_t fd, short ev, void *arg)
{
	lb_sync(arg, LB_SYNC_RETRY);
}

static void
lb_drift_cb(evutil_socket_t fd, short ev, void *arg)
{
	lb_sync(arg, LB_SYNC_DRIFT);
}

static void
lb_arm_drift(struct lb *lb)
{
	uint32_t	ms = lb->d->cfg->global.ipvs_drift_interval;
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	event_del(lb->ev_drift);
	if (ms != 0)
		event_add(lb->ev_drift, &tv);
}

/*
 * Whether the virtual server of the old config with vs's service had
 * quorum: a reload that changed it (or parsed the whole file) keeps that
 * state, so it neither logs nor notifies a loss again. current's tags
 * must still point into old.
 */
static bool
lb_quorum_was(const struct lb *lb, const struct cfg *old,
    const struct cfg_vs *vs)
{
	const struct ipvs_table_svc	*ts;
	const struct cfg_vs		*ovs;
	struct ipvs_service		 key;

	lb_conv_service(vs, &key);
	if (old == NULL || (ts = ipvs_table_find(&lb->current, &key)) == NULL)
		return true;
	ovs = ts->tag;
	if (ovs < old->vs || ovs >= old->vs + old->nvs ||
	    (size_t)(ovs - old->vs) >= lb->nquorum)
		return true;
	return lb->quorum_ok[ovs - old->vs];
}

/*
 * A spliced reload (c->same_as): what the engine knows of each virtual
 * server that did not change moves to its new index (health, quorum,
 * current's tag), the others are marked changed, and the services of
 * the old ones that have no successor are noted as gone.
 */
static int
lb_carry(struct lb *lb, const struct cfg *old)
{
	const struct cfg	 *c = lb->d->cfg;
	const struct cfg_vs	 *tag;
	struct lb_rs_health	**h;
	struct ipvs_service	  key;
	uint32_t		 *to;
	bool			 *q;
	size_t			  i, j;

	h = calloc(c->nvs + 1, sizeof(*h));
	q = calloc(c->nvs + 1, sizeof(*q));
	to = malloc((old->nvs + 1) * sizeof(*to));
	if (h == NULL || q == NULL || to == NULL)
		goto nomem;
	memset(to, 0xff, (old->nvs + 1) * sizeof(*to));
	for (j = 0; j < c->nvs; j++) {
		if ((i = c->same_as[j]) < old->nvs && to[i] == UINT32_MAX)
			to[i] = (uint32_t)j;
		else if ((h[j] = lb_health_new(&c->vs[j])) == NULL)
			goto nomem;
	}
	/* Nothing fails from here on. */
	lb_changes_renumber(&lb->changed, to, c->nvs);
	for (j = 0; j < c->nvs; j++)
		if (h[j] != NULL) {
			q[j] = lb_quorum_was(lb, old, &c->vs[j]);
			lb_changes_vs(&lb->changed, j);
		}
	for (i = 0; i < old->nvs; i++) {
		if (to[i] == UINT32_MAX) {
			lb_conv_service(&old->vs[i], &key);
			lb_changes_gone(&lb->changed, &key);
			continue;
		}
		h[to[i]] = lb->health[i];
		lb->health[i] = NULL;
		q[to[i]] = i < lb->nquorum ? lb->quorum_ok[i] : true;
	}
	for (i = 0; i < lb->current.n; i++) {
		tag = lb->current.svcs[i].tag;
		j = tag >= old->vs && tag < old->vs + old->nvs ?
		    to[tag - old->vs] : UINT32_MAX;
		lb->current.svcs[i].tag = j != UINT32_MAX ? &c->vs[j] : NULL;
	}
	lb_health_free(lb);
	lb->health = h;
	lb->nhealth = c->nvs;
	free(lb->quorum_ok);
	lb->quorum_ok = q;
	lb->nquorum = c->nvs;
	free(to);
	return 0;
nomem:
	for (j = 0; h != NULL && j < c->nvs; j++)
		free(h[j]);		/* only new ones so far */
	free(h);
	free(q);
	free(to);
	return -ENOMEM;
}

bool
lb_reconfigure(struct lb *lb, const struct cfg *old)
{
	const struct cfg	*c = lb->d->cfg;
	bool			*q, carried = true;
	size_t			 i;

	/*
	 * A sync in flight holds pointers into the old config: restart it,
	 * with the changes it had taken. If it had begun to apply, current
	 * no longer says what the kernel holds.
	 */
	if (lb->phase != LB_IDLE)
		lb_changes_add(&lb->changed, &lb->taken);
	if (lb->phase == LB_APPLY && lb->next > 0)
		lb->current_valid = false;
	lb_clear(lb);
	lb->st.busy = false;
	/* Which services may be purged changed: look at all of them. */
	if (old == NULL || old->global.ipvs_purge_unknown !=
	    c->global.ipvs_purge_unknown)
		lb->current_valid = false;
	if (old == NULL || c->from != old || c->same_as == NULL ||
	    lb->health == NULL || lb->nhealth != old->nvs ||
	    lb_carry(lb, old) != 0) {
		/* Unknown: everything is new but quorum (by service). */
		carried = false;
		if ((q = calloc(c->nvs + 1, sizeof(*q))) != NULL)
			for (i = 0; i < c->nvs; i++)
				q[i] = lb_quorum_was(lb, old, &c->vs[i]);
		for (i = 0; i < lb->current.n; i++)
			lb->current.svcs[i].tag = NULL;
		free(lb->quorum_ok);
		lb->quorum_ok = q;
		lb->nquorum = q != NULL ? c->nvs : 0;
		lb_changes_free(&lb->changed);
		if (lb_health_init(lb) != 0 ||
		    lb_changes_init(&lb->changed, c->nvs) != 0)
			log_warnx("IPVS: out of memory on reload");
		lb_changes_all(&lb->changed);
	}
	lb_arm_drift(lb);
	lb->pending = false;
	lb_sync(lb, LB_SYNC_RELOAD);
	return carried;
}

struct lb *
lb_new(struct director *d, const struct ipvs_backend *be, void *ctx)
{
	struct lb *lb;

	if ((lb = calloc(1, sizeof(*lb))) == NULL)
		return NULL;
	lb->d = d;
	lb->be = be;
	lb->ctx = ctx;
	lb->ev_step = event_new(d->base, -1, 0, lb_step_cb, lb);
	lb->ev_retry = evtimer_new(d->base, lb_retry_cb, lb);
	lb->ev_drift = event_new(d->base, -1, EV_PERSIST, lb_drift_cb, lb);
	if (lb->ev_step == NULL || lb->ev_retry == NULL ||
	    lb->ev_drift == NULL) {
		lb_free(lb);
		return NULL;
	}
	if (lb_changes_init(&lb->changed, d->cfg->nvs) != 0 ||
	    lb_changes_init(&lb->taken, 0) != 0) {
		lb_free(lb);
		return NULL;
	}
	lb_changes_all(&lb->changed);	/* the first sync builds it all */
	event_priority_set(lb->ev_step, LB_PRIORITY_BULK);
	lb_arm_drift(lb);
	lb_sync(lb, LB_SYNC_START);
	return lb;
}

void
lb_shutdown(struct lb *lb)
{
	struct ipvs_op	op = { IPVS_OP_SVC_DEL, NULL, NULL };
	size_t		i, n = 0;
	int		rc;

	lb_clear(lb);
	for (i = 0; i < lb->owned.n; i++) {
		op.svc = &lb->owned.svcs[i].svc;
		rc = lb->be->apply(lb->ctx, &op);
		if (rc == 0)
			n++;
		else if (rc != -ENOENT && rc != -ESRCH)
			lb_op_log(lb, &op, rc);
	}
	log_info("IPVS: removed %zu services on shutdown", n);
	ipvs_table_free(&lb->owned);
}

void
lb_free(struct lb *lb)
{
	if (lb == NULL)
		return;
	lb_clear(lb);
	ipvs_table_free(&lb->current);
	ipvs_table_free(&lb->owned);
	lb_changes_free(&lb->changed);
	lb_changes_free(&lb->taken);
	free(lb->quorum_ok);
	lb_health_free(lb);
	if (lb->ev_step != NULL)
		event_free(lb->ev_step);
	if (lb->ev_retry != NULL)
		event_free(lb->ev_retry);
	if (lb->ev_drift != NULL)
		event_free(lb->ev_drift);
	free(lb);
}

const struct lb_stats *
lb_stats(const struct lb *lb)
{
	return &lb->st;
}
