/*
 * metrics.c - Prometheus text format on global.metrics_listen (evhttp),
 * and the loop stall gauge: a 100 ms ticker at the highest priority
 * whose lateness bounds how long any callback held the loop.
 *
 * An answer is made a slice at a time (stream.h) and sent as HTTP
 * chunks: the small parts at once, then the health-checked servers and
 * the kernel's IPVS table (read on a netlink socket of the answer's own)
 * about a millisecond per loop turn, pausing while the scraper lags.
 *
 * Every metric is listed in director(8); tests/man/metrics-doc.sh greps
 * this file for the names, so a name stays whole in one string literal.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "clock.h"
#include "daemon.h"
#include "lb.h"
#include "log.h"
#include "metrics.h"
#include "stream.h"
#include "../healthcheck/hc_engine.h"
#include "../vrrp/vrrp.h"

#define METRICS_TICK_US	100000
/*
 * Each answer in the making holds a netlink socket and up to 256 KB:
 * a few scrapers at once are enough, and one that stops reading is cut
 * off after this many seconds without progress.
 */
#define METRICS_SCRAPES_MAX	8
#define METRICS_IDLE_S		15

enum metrics_part {
	PART_CHECKS,
	PART_IPVS,
};

/* One answer in the making. */
struct metrics_scrape {
	TAILQ_ENTRY(metrics_scrape) entry;
	struct metrics		*m;
	struct evhttp_request	*req;
	struct evbuffer		*chunk;		/* what this slice made */
	struct event		*ev;		/* the next slice */
	enum metrics_part	 part;
	struct stream_hc	 hc;
	struct stream_ipvs	 ipvs;
};

struct metrics {
	struct director		*d;
	struct evhttp		*http;
	struct event		*ev_tick;
	uint64_t		 expected_us;
	uint64_t		 max_stall_us;
	TAILQ_HEAD(, metrics_scrape) scrapes;
	size_t			 nscrapes;
};

static void
metrics_tick_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct metrics	*m = arg;
	uint64_t	 now = clock_now_us();

	if (m->expected_us != 0 && now > m->expected_us &&
	    now - m->expected_us > m->max_stall_us)
		m->max_stall_us = now - m->expected_us;
	m->expected_us = now + METRICS_TICK_US;
}

static void
metrics_vrrp(struct director *d, struct evbuffer *b)
{
	static const char *const states[] = { "INIT", "BACKUP", "MASTER",
	    "FAULT" };
	struct vrrp_inst_info	 in;
	size_t			 i, s, n = d->vrrp ? vrrp_count(d->vrrp) : 0;
	int			 e;

	evbuffer_add_printf(b, "# TYPE director_vrrp_state gauge\n"
	    "# TYPE director_vrrp_priority gauge\n"
	    "# TYPE director_vrrp_transitions_total counter\n"
	    "# TYPE director_vrrp_adverts_sent_total counter\n"
	    "# TYPE director_vrrp_adverts_received_total counter\n"
	    "# TYPE director_vrrp_drops_total counter\n");
	for (i = 0; i < n; i++) {
		vrrp_info(d->vrrp, i, &in);
		for (s = 0; s < 4; s++)
			evbuffer_add_printf(b, "director_vrrp_state{instance="
			    "\"%s\",state=\"%s\"} %d\n", in.conf->name,
			    states[s], (size_t)in.state == s);
		evbuffer_add_printf(b, "director_vrrp_priority{instance=\"%s\"}"
		    " %u\n", in.conf->name, in.priority);
		evbuffer_add_printf(b, "director_vrrp_transitions_total{"
		    "instance=\"%s\"} %llu\n", in.conf->name,
		    (unsigned long long)in.fsm.transitions);
		evbuffer_add_printf(b, "director_vrrp_adverts_sent_total{"
		    "instance=\"%s\"} %llu\n", in.conf->name,
		    (unsigned long long)in.fsm.adverts_sent);
		evbuffer_add_printf(b, "director_vrrp_adverts_received_total{"
		    "instance=\"%s\"} %llu\n", in.conf->name,
		    (unsigned long long)in.fsm.adverts_received);
		for (e = 0; e < VRRP_DROP_N; e++)
			evbuffer_add_printf(b, "director_vrrp_drops_total{"
			    "instance=\"%s\",reason=\"%s\"} %llu\n",
			    in.conf->name, vrrp_drop_name(e),
			    (unsigned long long)in.drops[e]);
	}
}

static void
metrics_check(struct evbuffer *b, const struct hc_server *s)
{
	char	a[ADDR_STRLEN];
	int	r;

	addr_fmt(&s->rs->addr, false, a, sizeof(a));
#define LBL "{vs=\"%s\",server=\"%s\",port=\"%u\"}"
	evbuffer_add_printf(b, "director_check_up" LBL " %d\n",
	    hc_server_vs(s)->name, a, s->rs->port, s->up);
	evbuffer_add_printf(b, "director_check_weight" LBL " %d\n",
	    hc_server_vs(s)->name, a, s->rs->port, s->weight);
	evbuffer_add_printf(b, "director_check_latency_seconds" LBL
	    " %.6f\n", hc_server_vs(s)->name, a, s->rs->port,
	    s->last.latency_us / 1e6);
#undef LBL
	for (r = 0; r < HC_NREASONS; r++)
		if (s->results[r] != 0)
			evbuffer_add_printf(b, "director_check_results_total"
			    "{vs=\"%s\",server=\"%s\",port=\"%u\","
			    "result=\"%s\"} %llu\n", hc_server_vs(s)->name, a,
			    s->rs->port, hc_reason_name(r),
			    (unsigned long long)s->results[r]);
}

static void
metrics_ipvs_stats(struct evbuffer *b, const char *labels,
    const struct ipvs_stats *st)
{
	evbuffer_add_printf(b, "director_ipvs_connections_total{%s} %llu\n"
	    "director_ipvs_packets_total{%s,dir=\"in\"} %llu\n"
	    "director_ipvs_packets_total{%s,dir=\"out\"} %llu\n"
	    "director_ipvs_bytes_total{%s,dir=\"in\"} %llu\n"
	    "director_ipvs_bytes_total{%s,dir=\"out\"} %llu\n", labels,
	    (unsigned long long)st->conns, labels,
	    (unsigned long long)st->inpkts, labels,
	    (unsigned long long)st->outpkts, labels,
	    (unsigned long long)st->inbytes, labels,
	    (unsigned long long)st->outbytes);
}

static void
metrics_ipvs_service(struct evbuffer *b, const struct cfg_vs *vs,
    const struct ipvs_table_svc *ts)
{
	char	lbl[256], a[INET6_ADDRSTRLEN];
	size_t	j;

	snprintf(lbl, sizeof(lbl), "vs=\"%s\"", vs->name);
	metrics_ipvs_stats(b, lbl, &ts->svc.stats);
	for (j = 0; j < ts->ndests; j++) {
		inet_ntop(ts->dests[j].af, &ts->dests[j].addr, a, sizeof(a));
		snprintf(lbl, sizeof(lbl), "vs=\"%s\",server=\"%s\","
		    "port=\"%u\"", vs->name, a, ts->dests[j].port);
		metrics_ipvs_stats(b, lbl, &ts->dests[j].stats);
	}
}

/* The engine's counters, then the kernel's table is read: 1, or 0 (none). */
static int
metrics_ipvs_start(struct director *d, struct metrics_scrape *sc,
    struct evbuffer *b)
{
	const struct lb_stats *st;

	if (d->lb == NULL)
		return 0;
	st = lb_stats(d->lb);
	evbuffer_add_printf(b, "# TYPE director_ipvs_syncs_total counter\n"
	    "director_ipvs_syncs_total %llu\n"
	    "# TYPE director_ipvs_operations_total counter\n"
	    "director_ipvs_operations_total %llu\n"
	    "# TYPE director_ipvs_operation_errors_total counter\n"
	    "director_ipvs_operation_errors_total %llu\n"
	    "# TYPE director_ipvs_repairs_total counter\n"
	    "director_ipvs_repairs_total %llu\n"
	    "# TYPE director_ipvs_step_max_seconds gauge\n"
	    "director_ipvs_step_max_seconds %.6f\n",
	    (unsigned long long)st->syncs, (unsigned long long)st->ops,
	    (unsigned long long)st->op_errors,
	    (unsigned long long)st->repairs, st->max_slice_us / 1e6);
	/* Without the table, the answer just ends here. */
	if (stream_ipvs_open(&sc->ipvs) != 0)
		return 0;
	sc->part = PART_IPVS;
	return 1;
}

/* Counters are the kernel's, read at scrape time. */
static int
metrics_ipvs_more(struct director *d, struct metrics_scrape *sc,
    struct evbuffer *b)
{
	const struct cfg_vs	*vs;
	struct ipvs_table_svc	*ts;
	int			 rc;

	if ((rc = stream_ipvs_next(&sc->ipvs, &ts)) == 1 && ts == NULL) {
		if (sc->ipvs.listed)	/* once, and only if it was read */
			evbuffer_add_printf(b,
			    "# TYPE director_ipvs_connections_total counter\n"
			    "# TYPE director_ipvs_packets_total counter\n"
			    "# TYPE director_ipvs_bytes_total counter\n");
		return 1;
	}
	if (rc != 1 || d->lb == NULL)
		return 0;
	/* Services not in the config are not ours to report. */
	if ((vs = lb_vs_of(d->lb, &ts->svc)) == NULL)
		return 1;
	if ((rc = stream_ipvs_dests(&sc->ipvs, ts)) == 1)
		metrics_ipvs_service(b, vs, ts);
	return rc == -1 ? 0 : 1;
}

/* The stream's more(): the checks, then the IPVS part. */
static int
metrics_more(struct director *d, void *arg, struct evbuffer *b)
{
	struct metrics_scrape	*sc = arg;
	const struct hc_server	*s;

	if (sc->part == PART_IPVS)
		return metrics_ipvs_more(d, sc, b);
	if ((s = stream_hc_next(&sc->hc, d)) != NULL) {
		metrics_check(b, s);
		return 1;
	}
	/* The servers listed so far went with the old config. */
	if (sc->hc.cut)
		evbuffer_add_printf(b, "# the config was reloaded during this "
		    "answer: the checks after the first %zu are left out\n",
		    sc->hc.next);
	return metrics_ipvs_start(d, sc, b);
}

/* What is small and made at once: daemon gauges, VRRP, checks' types. */
static void
metrics_head(struct metrics *m, struct evbuffer *b)
{
	struct director	*d = m->d;

	evbuffer_add_printf(b, "# TYPE director_config_generation gauge\n"
	    "director_config_generation %llu\n"
	    "# TYPE director_reloads_total counter\n"
	    "director_reloads_total{result=\"ok\"} %llu\n"
	    "director_reloads_total{result=\"failed\"} %llu\n"
	    "# TYPE director_loop_stall_max_seconds gauge\n"
	    "director_loop_stall_max_seconds %.6f\n",
	    (unsigned long long)d->generation,
	    (unsigned long long)d->reload.n_ok,
	    (unsigned long long)d->reload.n_failed, m->max_stall_us / 1e6);
	metrics_vrrp(d, b);
	evbuffer_add_printf(b, "# TYPE director_check_up gauge\n"
	    "# TYPE director_check_weight gauge\n"
	    "# TYPE director_check_latency_seconds gauge\n"
	    "# TYPE director_check_results_total counter\n");
}

/* Frees the answer's own state; its request is the caller's business. */
static void
metrics_scrape_free(struct metrics_scrape *sc)
{
	if (sc == NULL)
		return;
	if (sc->m != NULL) {
		TAILQ_REMOVE(&sc->m->scrapes, sc, entry);
		sc->m->nscrapes--;
	}
	if (sc->ev != NULL)
		event_free(sc->ev);
	if (sc->chunk != NULL)
		evbuffer_free(sc->chunk);
	stream_ipvs_close(&sc->ipvs);
	free(sc);
}

/*
 * Ends the answer: cleanly, or without its last chunk when the scraper
 * went away (a request cut off from its connection is ours to free; one
 * still on it goes with the connection, as in metrics_free()).
 */
static void
metrics_scrape_end(struct metrics_scrape *sc)
{
	struct evhttp_connection *evcon;

	if ((evcon = evhttp_request_get_connection(sc->req)) != NULL)
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	evhttp_send_reply_end(sc->req);
	metrics_scrape_free(sc);
}

/* The scraper went away (or the listener is closing) mid-answer. */
static void
metrics_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct metrics_scrape *sc = arg;

	evhttp_connection_set_closecb(evcon, NULL, NULL);
	if (evhttp_request_get_connection(sc->req) == NULL)
		evhttp_send_reply_end(sc->req);
	metrics_scrape_free(sc);
}

/* The scraper read what was queued: make more. */
static void
metrics_drained_cb(struct evhttp_connection *evcon, void *arg)
{
	struct metrics_scrape *sc = arg;

	if (!event_pending(sc->ev, EV_TIMEOUT, NULL))
		event_active(sc->ev, EV_TIMEOUT, 0);
}

static size_t
metrics_queued(struct evhttp_connection *evcon)
{
	return evbuffer_get_length(bufferevent_get_output(
	    evhttp_connection_get_bufferevent(evcon)));
}

/* One slice of an answer, then the next while the scraper keeps up. */
static void
metrics_slice_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct metrics_scrape		*sc = arg;
	struct evhttp_connection	*evcon;
	const struct stream		 s = { metrics_more, NULL, sc };
	size_t				 queued;
	int				 more;

	if ((evcon = evhttp_request_get_connection(sc->req)) == NULL) {
		metrics_scrape_end(sc);
		return;
	}
	if ((queued = metrics_queued(evcon)) >= STREAM_HIGH)
		return;			/* metrics_drained_cb() wakes us */
	more = stream_slice(sc->m->d, &s, sc->chunk, STREAM_HIGH - queued);
	evhttp_send_reply_chunk_with_cb(sc->req, sc->chunk, metrics_drained_cb,
	    sc);
	if (more == 0)
		metrics_scrape_end(sc);
	else if (metrics_queued(evcon) < STREAM_HIGH)
		event_active(sc->ev, EV_TIMEOUT, 0);
}

static void
metrics_request_cb(struct evhttp_request *req, void *arg)
{
	struct metrics		*m = arg;
	struct metrics_scrape	*sc;
	const char		*conn;

	if (m->nscrapes >= METRICS_SCRAPES_MAX) {
		evhttp_send_error(req, HTTP_SERVUNAVAIL,
		    "too many scrapes in progress");
		return;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL ||
	    (sc->chunk = evbuffer_new()) == NULL ||
	    (sc->ev = event_new(m->d->base, -1, 0, metrics_slice_cb,
	    sc)) == NULL ||
	    event_priority_set(sc->ev, STREAM_PRIORITY) == -1) {
		metrics_scrape_free(sc);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	sc->m = m;
	sc->req = req;
	TAILQ_INSERT_TAIL(&m->scrapes, sc, entry);
	m->nscrapes++;
	stream_hc_start(&sc->hc, m->d);
	metrics_head(m, sc->chunk);
	/*
	 * An HTTP/1.0 keep-alive request would get "Content-Length: 0" and
	 * no chunks: without the header it gets the body and a close
	 * instead. HTTP/1.1 keeps its connection open either way.
	 */
	conn = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Connection");
	if (conn != NULL && strcasecmp(conn, "keep-alive") == 0)
		evhttp_remove_header(evhttp_request_get_input_headers(req),
		    "Connection");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply_start(req, HTTP_OK, "OK");
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    metrics_close_cb, sc);
	event_active(sc->ev, EV_TIMEOUT, 0);
}

struct metrics *
metrics_new(struct director *d)
{
	struct metrics	*m;
	const char	*listen = d->cfg->global.metrics_listen;
	char		 host[INET6_ADDRSTRLEN + 2], *colon;
	struct timeval	 tv = { 0, METRICS_TICK_US };

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->d = d;
	TAILQ_INIT(&m->scrapes);
	if ((m->ev_tick = event_new(d->base, -1, EV_PERSIST, metrics_tick_cb,
	    m)) == NULL)
		goto fail;
	event_priority_set(m->ev_tick, 0);
	event_add(m->ev_tick, &tv);
	if (listen == NULL)
		return m;
	snprintf(host, sizeof(host), "%s", listen);
	if ((colon = strrchr(host, ':')) == NULL)
		goto fail;
	*colon = '\0';
	if (host[0] == '[') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if ((m->http = evhttp_new(d->base)) == NULL ||
	    evhttp_bind_socket(m->http, host, atoi(colon + 1)) == -1) {
		log_warn("metrics: cannot listen on %s", listen);
		goto fail;
	}
	evhttp_set_allowed_methods(m->http, EVHTTP_REQ_GET);
	evhttp_set_timeout(m->http, METRICS_IDLE_S);
	evhttp_set_cb(m->http, "/metrics", metrics_request_cb, m);
	log_info("metrics on http://%s/metrics", listen);
	return m;
fail:
	metrics_free(m);
	return NULL;
}

uint64_t
metrics_max_stall_us(const struct metrics *m)
{
	return m != NULL ? m->max_stall_us : 0;
}

void
metrics_free(struct metrics *m)
{
	struct metrics_scrape		*sc;
	struct evhttp_connection	*evcon;

	if (m == NULL)
		return;
	/*
	 * Answers in the making end here; evhttp_free() closes their
	 * connections and frees the requests still on them.
	 */
	while ((sc = TAILQ_FIRST(&m->scrapes)) != NULL) {
		if ((evcon = evhttp_request_get_connection(sc->req)) != NULL)
			evhttp_connection_set_closecb(evcon, NULL, NULL);
		else
			evhttp_send_reply_end(sc->req);
		metrics_scrape_free(sc);
	}
	if (m->http != NULL)
		evhttp_free(m->http);
	if (m->ev_tick != NULL)
		event_free(m->ev_tick);
	free(m);
}
