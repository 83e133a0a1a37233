/*
 * hc_engine.c - schedules every configured check and applies the one
 * policy for all checkers: rise successes bring a server up, fall
 * failures take it down, a failure while up is retried after
 * retry_delay, dynamic weights are clamped to max_weight. State changes
 * go to the daemon through one hook (it sets IPVS weights and runs
 * notify scripts); a checker only ever reports a result.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "clock.h"
#include "hc_engine.h"
#include "log.h"

#define HC_SLOT_US	2000

static const char *const reason_names[HC_NREASONS] = {
	[HC_OK] = "ok",
	[HC_CONNECT_REFUSED] = "connection refused",
	[HC_CONNECT_TIMEOUT] = "connect timeout",
	[HC_UNREACHABLE] = "unreachable",
	[HC_TIMEOUT] = "timeout",
	[HC_RESET] = "reset",
	[HC_BAD_RESPONSE] = "bad response",
	[HC_STATUS] = "status",
	[HC_BODY_REGEX] = "body regex",
	[HC_BODY_DIGEST] = "body digest",
	[HC_BODY_TOO_BIG] = "body too big",
	[HC_TLS_HANDSHAKE] = "tls handshake",
	[HC_TLS_VERIFY] = "tls verify",
	[HC_SCRIPT_FAILED] = "script failed",
	[HC_SCRIPT_TIMEOUT] = "script timeout",
	[HC_INTERNAL] = "internal error",
};

const char *
hc_reason_name(enum hc_reason r)
{
	return r < HC_NREASONS && reason_names[r] ? reason_names[r] : "?";
}

enum hc_reason
hc_reason_of_errno(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return HC_CONNECT_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EADDRNOTAVAIL:
	case EINVAL:		/* connect() on a blackhole route */
		return HC_UNREACHABLE;
	case ETIMEDOUT:
		return HC_CONNECT_TIMEOUT;
	default:
		return HC_RESET;
	}
}

struct hc_engine {
	struct hc_ctx		 ctx;
	struct hc_server	**srv;		/* each its own: see hc_build() */
	size_t			 n;
	size_t			*fresh;		/* indexes in srv: made anew */
	size_t			 nfresh;
	const struct cfg	*cfg;		/* the one srv was built from */
	hc_change_fn		 fn;
	void			*arg;
};

static const struct hc_checker *
hc_checker_of(enum cfg_check_type t)
{
	switch (t) {
	case CHECK_TCP:
		return &hc_tcp_checker;
	case CHECK_HTTP:
	case CHECK_HTTPS:
		return &hc_http_checker;
	case CHECK_TLS:
		return &hc_tls_checker;
	case CHECK_SCRIPT:
		return &hc_script_checker;
	default:
		return NULL;
	}
}

static void	hc_run(evutil_socket_t, short, void *);

static void
hc_arm(struct hc_server *s, uint32_t ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	s->due_us = clock_now_us() + ms * 1000ull;
	evtimer_add(s->ev, &tv);
}

/*
 * The next regular check, one interval after the previous one was due,
 * not after it answered: checks that answer in the same loop pass would
 * otherwise stay bunched, and 10,000 servers turn into bursts of
 * thousands of connects (measured by bench/hc-scale).
 */
static void
hc_arm_next(struct hc_server *s)
{
	uint64_t	now = clock_now_us();
	uint64_t	due = s->due_us + s->ck->interval * 1000ull, at;
	struct timeval	tv;

	if (s->due_us == 0 || due <= now) {
		hc_arm(s, s->ck->interval);
		return;
	}
	s->due_us = due;
	/*
	 * Fire on a 2 ms grid: checks due in the same slot start in one
	 * loop pass (one wakeup for ~20 of them at 10,000/s), and no pass
	 * holds more than a slot's worth.
	 */
	at = (due + HC_SLOT_US - 1) / HC_SLOT_US * HC_SLOT_US;
	tv.tv_sec = (at - now) / 1000000;
	tv.tv_usec = (at - now) % 1000000;
	evtimer_add(s->ev, &tv);
}

static void
hc_name(const struct hc_server *s, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	addr_fmt(&s->rs->addr, false, a, sizeof(a));
	snprintf(buf, len, s->rs->addr.af == AF_INET6 ? "[%s]:%u" : "%s:%u",
	    a, s->rs->port);
}

/*
 * Slow start: after coming up, the weight climbs from 1 to the target
 * over slow_start, so a cold server is not flooded at once.
 */
static int
hc_effective(const struct hc_server *s)
{
	uint64_t	span = s->rs->slow_start * 1000ull, t;
	int		w;

	if (span == 0 || s->up_since_us == 0 || s->target <= 1)
		return s->target;
	if ((t = clock_now_us() - s->up_since_us) >= span)
		return s->target;
	w = (int)((uint64_t)s->target * t / span);
	return w < 1 ? 1 : w;
}

static void
hc_ramp_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hc_server	*s = arg;
	uint32_t		 step = s->rs->slow_start / 10;
	int			 w = hc_effective(s);
	struct timeval		 tv;

	if (!s->up)
		return;
	if (w != s->weight) {
		s->weight = w;
		s->engine->fn(s->engine->arg, s);
	}
	if (w == s->target) {
		s->up_since_us = 0;
		return;
	}
	if (step < 100)
		step = 100;
	tv.tv_sec = step / 1000;
	tv.tv_usec = (step % 1000) * 1000;
	evtimer_add(s->ev_ramp, &tv);
}

static void
hc_change(struct hc_server *s, bool up, unsigned run)
{
	char name[80];

	s->up = up;
	s->up_since_us = up && s->rs->slow_start ? clock_now_us() : 0;
	s->weight = hc_effective(s);
	if (s->up_since_us != 0)
		hc_ramp_cb(-1, 0, s);	/* arms the next step */
	s->changes++;
	s->last_change = time(NULL);
	hc_name(s, name, sizeof(name));
	log_info("real server %s of vs %s: %s -> %s (%s: %s after %u %s)",
	    name, s->hv->vs->name, up ? "DOWN" : "UP", up ? "UP" : "DOWN",
	    cfg_check_type_name(s->ck->type), s->last.detail[0] ?
	    s->last.detail : hc_reason_name(s->last.reason), run,
	    up ? (run == 1 ? "success" : "successes") :
	    (run == 1 ? "failure" : "failures"));
	s->engine->fn(s->engine->arg, s);
}

/* Warns once when a certificate enters its last warn days. */
static void
hc_cert_expiry(struct hc_server *s)
{
	char	name[80];
	int	days = s->last.cert_days_left;

	if (days < 0 || s->ck->cert_expiry_warn_days == 0)
		return;
	if (days >= (int)s->ck->cert_expiry_warn_days) {
		s->cert_warned = false;
		return;
	}
	if (s->cert_warned)
		return;
	s->cert_warned = true;
	hc_name(s, name, sizeof(name));
	log_warnx("real server %s of vs %s: TLS certificate expires in %d "
	    "days", name, s->hv->vs->name, days);
}

/* The one policy: rise, fall, retry, dynamic weight. */
static void
hc_result(void *arg, const struct hc_result *r)
{
	struct hc_server	*s = arg;
	bool			 ok = r->reason == HC_OK;
	int			 w;

	s->probe = NULL;
	s->last = *r;
	s->checks++;
	hc_cert_expiry(s);
	s->results[r->reason < HC_NREASONS ? r->reason : HC_INTERNAL]++;
	if (ok) {
		s->ok_run++;
		s->fail_run = 0;
		if (r->weight >= 0) {
			s->target = r->weight > s->rs->max_weight ?
			    s->rs->max_weight : r->weight;
			if ((w = hc_effective(s)) != s->weight) {
				s->weight = w;
				if (s->up)
					s->engine->fn(s->engine->arg, s);
			}
		}
		if (!s->up && s->ok_run >= s->ck->rise)
			hc_change(s, true, s->ok_run);
		hc_arm_next(s);
		return;
	}
	s->failures++;
	s->fail_run++;
	s->ok_run = 0;
	if (s->up && s->fail_run >= s->ck->fall)
		hc_change(s, false, s->fail_run);
	/* Still up: look again soon, so it goes down within fall tries. */
	if (s->up && s->ck->retry_delay < s->ck->interval)
		hc_arm(s, s->ck->retry_delay);
	else
		hc_arm_next(s);
}

static void
hc_run(evutil_socket_t fd, short ev, void *arg)
{
	struct hc_server	*s = arg;
	struct hc_target	 t;
	struct hc_result	 r;

	t.ck = s->ck;
	t.addr = s->rs->addr;
	t.port = s->ck->port ? s->ck->port : s->rs->port;
	t.cache = &s->cache;
	if ((s->probe = s->checker->start(&s->engine->ctx, &t, hc_result,
	    s)) == NULL) {
		memset(&r, 0, sizeof(r));
		r.reason = HC_INTERNAL;
		r.weight = -1;
		snprintf(r.detail, sizeof(r.detail), "could not start");
		hc_result(s, &r);
	}
}

/* Milliseconds left on a server's timer; 0 if a probe was in flight. */
static uint32_t
hc_remaining(const struct hc_server *s)
{
	struct timeval	when, now;
	int64_t		ms;

	if (s->probe != NULL || !event_pending(s->ev, EV_TIMEOUT, &when))
		return 0;
	event_base_gettimeofday_cached(event_get_base(s->ev), &now);
	ms = (int64_t)(when.tv_sec - now.tv_sec) * 1000 +
	    (when.tv_usec - now.tv_usec) / 1000;
	return ms > 0 ? (uint32_t)ms : 0;
}

/* Identity for keeping state across a reload: vs, address, port, check. */
static bool
hc_same(const struct hc_server *o, const struct cfg_vs *vs,
    const struct cfg_rs *rs)
{
	const struct cfg_check *a = o->ck, *b = &rs->check;

	return strcmp(o->hv->vs->name, vs->name) == 0 &&
	    addr_cmp(&o->rs->addr, &rs->addr) == 0 &&
	    o->rs->port == rs->port && a->type == b->type &&
	    a->interval == b->interval && a->timeout == b->timeout &&
	    a->rise == b->rise && a->fall == b->fall && a->port == b->port;
}

/* The identity part of hc_same(), for sorting and searching. */
struct hc_ident {
	const char		*vs;
	const struct addr	*addr;
	uint16_t		 port;
};

static int
hc_ident_cmp(const struct hc_ident *a, const struct hc_server *b)
{
	int c;

	if ((c = strcmp(a->vs, b->hv->vs->name)) != 0)
		return c;
	if ((c = addr_cmp(a->addr, &b->rs->addr)) != 0)
		return c;
	return (int)a->port - (int)b->rs->port;
}

static int
hc_key_cmp(const void *k, const void *m)
{
	return hc_ident_cmp(k, *(struct hc_server *const *)m);
}

static int
hc_srv_cmp(const void *x, const void *y)
{
	const struct hc_server	*a = *(struct hc_server *const *)x;
	struct hc_ident		 k = { a->hv->vs->name, &a->rs->addr,
				    a->rs->port };

	return hc_key_cmp(&k, y);
}

/*
 * The old servers sorted by identity, so a reload of 10,000 checks finds
 * each one's predecessor by binary search (it compared every pair).
 * Those of old virtual servers a new one repeats (taken) are left out:
 * they are carried over whole, and sorting 100,000 of them for one
 * edited server took 30 ms.
 */
static struct hc_server **
hc_index(const struct hc_engine *old, const size_t *firsts, const bool *taken,
    size_t *n)
{
	struct hc_server	**v;
	size_t			  i, k;

	*n = 0;
	if (old == NULL || (v = calloc(old->n ? old->n : 1,
	    sizeof(*v))) == NULL)
		return NULL;
	if (firsts == NULL) {
		for (i = 0; i < old->n; i++)
			v[(*n)++] = old->srv[i];
	} else {		/* by block: taken ones are not even read */
		for (k = 0; k < old->cfg->nvs; k++)
			for (i = firsts[k]; !taken[k] && i < firsts[k + 1];
			    i++)
				v[(*n)++] = old->srv[i];
	}
	qsort(v, *n, sizeof(*v), hc_srv_cmp);
	return v;
}

/* The old server s keeps the state of, or NULL. */
static struct hc_server *
hc_find_old(struct hc_server **v, size_t n, const struct hc_server *s)
{
	struct hc_ident		  k = { s->hv->vs->name, &s->rs->addr,
				    s->rs->port };
	struct hc_server	**p;

	if (v == NULL || (p = bsearch(&k, v, n, sizeof(*v),
	    hc_key_cmp)) == NULL)
		return NULL;
	while (p > v && hc_key_cmp(&k, p - 1) == 0)
		p--;
	for (; p < v + n && hc_key_cmp(&k, p) == 0; p++)
		if ((*p)->ev != NULL && hc_same(*p, s->hv->vs, s->rs))
			return *p;
	return NULL;
}

/*
 * A server for real server j of virtual server i, in its initial state;
 * *hv is the virtual server's share, made with its first server.
 */
static struct hc_server *
hc_server_new(struct hc_engine *e, const struct cfg *c, size_t i, size_t j,
    struct hc_vs **hv)
{
	struct hc_server *s;

	if (*hv == NULL) {
		if ((*hv = calloc(1, sizeof(**hv))) == NULL)
			return NULL;
		(*hv)->vs = &c->vs[i];
		(*hv)->index = i;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->engine = e;
	s->hv = *hv;
	s->rs = &c->vs[i].rs[j];
	s->ck = &s->rs->check;
	s->rs_index = j;
	s->checker = hc_checker_of(s->ck->type);
	s->up = s->ck->initial_up;
	s->weight = s->target = s->rs->weight;
	s->ev = evtimer_new(e->ctx.base, hc_run, s);
	s->ev_ramp = evtimer_new(e->ctx.base, hc_ramp_cb, s);
	if (s->ev == NULL || s->ev_ramp == NULL) {
		if (s->ev != NULL)
			event_free(s->ev);
		free(s);
		return NULL;
	}
	s->hv->refs++;
	return s;
}

/* s takes over the state, counters and schedule of its predecessor o. */
static void
hc_keep_state(struct hc_server *s, const struct hc_server *o)
{
	s->up = o->up;
	s->ok_run = o->ok_run;
	s->fail_run = o->fail_run;
	s->checks = o->checks;
	s->failures = o->failures;
	s->changes = o->changes;
	s->last = o->last;
	s->last_change = o->last_change;
	memcpy(s->results, o->results, sizeof(s->results));
	/* A weight the check set (dynamic) stays; one from the file follows
	 * the file. */
	if (o->target != o->rs->weight && o->target <= s->rs->max_weight)
		s->weight = s->target = o->target;
	hc_arm(s, hc_remaining(o));
}

/*
 * An old server carried over whole, events, probe and all, to the same
 * real server in rs[] (equal to the old one) of a reloaded config, when
 * the old config held its own copy of it (and frees it): a probe in
 * flight or a checker cache may point into that copy, so both start
 * again.
 */
static void
hc_rebind(struct hc_server *s, const struct cfg_rs *rs)
{
	if (s->probe != NULL) {
		s->checker->cancel(s->probe);
		s->probe = NULL;
		hc_arm(s, 0);
	}
	if (s->cache != NULL) {
		s->checker->cache_free(s->cache);
		s->cache = NULL;
	}
	s->rs = &rs[s->rs_index];
	s->ck = &s->rs->check;
}

/*
 * After a spliced reload (c->same_as, from old's config), the old
 * servers of each virtual server c repeats: firsts[k] is where old
 * virtual server k's servers start in old->srv (they are in config
 * order, nchecks each), and taken[k] says some new one repeats it.
 * NULL otherwise.
 */
static size_t *
hc_old_blocks(const struct hc_engine *old, const struct cfg *c, bool **taken)
{
	const struct cfg	*oc = old != NULL ? old->cfg : NULL;
	size_t			*firsts, i, k = 0;

	*taken = NULL;
	if (oc == NULL || c->same_as == NULL || c->from != oc)
		return NULL;
	if ((firsts = calloc(oc->nvs + 1, sizeof(*firsts))) == NULL ||
	    (*taken = calloc(oc->nvs + 1, sizeof(**taken))) == NULL) {
		free(firsts);
		return NULL;
	}
	for (i = 0; i < oc->nvs; i++) {
		firsts[i] = k;
		k += oc->vs[i].nchecks;
	}
	firsts[oc->nvs] = k;
	if (k != old->n) {	/* the old build ran out of memory */
		free(firsts);
		free(*taken);
		*taken = NULL;
		return NULL;
	}
	for (i = 0; i < c->nvs; i++)
		if (c->same_as[i] < oc->nvs)
			(*taken)[c->same_as[i]] = true;
	return firsts;
}

/*
 * Moves old->srv[from..to), the servers of one old virtual server, over
 * to virtual server i of c, which repeats it: their hc_vs is pointed at
 * i, and a server is touched only if the real servers moved.
 */
static void
hc_carry(struct hc_engine *e, const struct cfg *c, size_t i,
    struct hc_engine *old, size_t from, size_t to)
{
	struct hc_vs	*hv = old->srv[from]->hv;
	bool		 moved = hv->vs->rs != c->vs[i].rs;
	size_t		 k;

	hv->vs = &c->vs[i];
	hv->index = i;
	for (k = from; k < to; k++) {
		if (moved)
			hc_rebind(old->srv[k], c->vs[i].rs);
		e->srv[e->n++] = old->srv[k];
		old->srv[k] = NULL;
	}
}

/*
 * Servers live on their own, each virtual server's sharing one hc_vs, so
 * that a spliced reload carries those of unchanged virtual servers over
 * as they are: a pointer each, and one hc_vs to point at the new config
 * (100,000 checks rebuilt with new timers held the loop for over 100 ms,
 * and even touching each of them took 15 ms). The others find their
 * predecessor by identity and settings, or start anew.
 */
static int
hc_build(struct hc_engine *e, const struct cfg *c, struct hc_engine *old)
{
	struct hc_server	*s, *o, **index = NULL;
	struct hc_vs		*hv;
	size_t			*firsts, i, j, n = 0, nindex = 0;
	uint32_t		 oi;
	bool			*taken;

	/* nchecks: 100,000 unchecked real servers are not read. */
	for (i = 0; i < c->nvs; i++)
		n += c->vs[i].nchecks;
	if ((e->srv = calloc(n ? n : 1, sizeof(*e->srv))) == NULL ||
	    (e->fresh = calloc(n ? n : 1, sizeof(*e->fresh))) == NULL)
		return -1;
	e->cfg = c;
	firsts = hc_old_blocks(old, c, &taken);
	for (i = 0; i < c->nvs; i++) {
		if (c->vs[i].nchecks == 0)
			continue;
		oi = firsts != NULL ? c->same_as[i] : CFG_VS_NEW;
		/* The same servers in the same order, not yet carried. */
		if (oi != CFG_VS_NEW &&
		    firsts[oi + 1] - firsts[oi] == c->vs[i].nchecks &&
		    old->srv[firsts[oi]] != NULL) {
			hc_carry(e, c, i, old, firsts[oi], firsts[oi + 1]);
			continue;
		}
		hv = NULL;
		for (j = 0; j < c->vs[i].nrs; j++) {
			if (c->vs[i].rs[j].check.type == CHECK_NONE)
				continue;
			if ((s = hc_server_new(e, c, i, j, &hv)) == NULL)
				break;
			if (index == NULL && old != NULL)
				index = hc_index(old, firsts, taken, &nindex);
			if ((o = hc_find_old(index, nindex, s)) != NULL)
				hc_keep_state(s, o);
			else	/* first checks spread over the interval */
				hc_arm(s, (uint32_t)(random() %
				    (s->ck->interval + 1)));
			e->fresh[e->nfresh++] = e->n;
			e->srv[e->n++] = s;
		}
		if (hv != NULL && hv->refs == 0)
			free(hv);	/* its first server could not be made */
	}
	free(index);
	free(firsts);
	free(taken);
	return e->n == n ? 0 : -1;
}

struct hc_engine *
hc_engine_new(const struct hc_ctx *ctx, const struct cfg *c, hc_change_fn fn,
    void *arg)
{
	struct hc_engine *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->ctx = *ctx;
	e->fn = fn;
	e->arg = arg;
	srandom((unsigned)clock_now_us());
	if (hc_build(e, c, NULL) == -1) {
		hc_engine_free(e);
		return NULL;
	}
	return e;
}

/* Frees e's servers but those a reload took over (NULL). */
static void
hc_free_servers(struct hc_engine *e)
{
	struct hc_server	*s;
	size_t			 i;

	for (i = 0; i < e->n; i++) {
		if ((s = e->srv[i]) == NULL)
			continue;
		if (s->probe != NULL)
			s->checker->cancel(s->probe);
		if (s->cache != NULL)
			s->checker->cache_free(s->cache);
		event_free(s->ev);
		event_free(s->ev_ramp);
		if (--s->hv->refs == 0)
			free(s->hv);
		free(s);
	}
	free(e->srv);
	free(e->fresh);
	e->fresh = NULL;
	e->nfresh = 0;
	e->srv = NULL;
	e->n = 0;
}

void
hc_engine_reconfigure(struct hc_engine *e, const struct cfg *c)
{
	struct hc_engine old = *e;

	e->srv = NULL;
	e->n = 0;
	e->fresh = NULL;
	e->nfresh = 0;
	if (hc_build(e, c, &old) == -1)
		log_warnx("health checks: out of memory on reload");
	hc_free_servers(&old);
}

void
hc_engine_free(struct hc_engine *e)
{
	if (e == NULL)
		return;
	hc_free_servers(e);
	free(e);
}

size_t
hc_engine_count(const struct hc_engine *e)
{
	return e->n;
}

const struct hc_server *
hc_engine_server(const struct hc_engine *e, size_t i)
{
	return e->srv[i];
}

size_t
hc_engine_fresh_count(const struct hc_engine *e)
{
	return e->nfresh;
}

const struct hc_server *
hc_engine_fresh(const struct hc_engine *e, size_t i)
{
	return e->srv[e->fresh[i]];
}
