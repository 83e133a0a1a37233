/*
 * metrics.c - Prometheus text format on global.metrics_listen (evhttp),
 * and the loop stall gauge: a 100 ms ticker at the highest priority
 * whose lateness bounds how long any callback held the loop.
 *
 * Every metric is listed in director(8); tests/man/metrics-doc.sh greps
 * this file for the names, so a name stays whole in one string literal.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "clock.h"
#include "daemon.h"
#include "lb.h"
#include "log.h"
#include "metrics.h"
#include "../healthcheck/hc_engine.h"
#include "../ipvs/ipvs_nl.h"
#include "../vrrp/vrrp.h"

#define METRICS_TICK_US	100000

struct metrics {
	struct director		*d;
	struct evhttp		*http;
	struct event		*ev_tick;
	uint64_t		 expected_us;
	uint64_t		 max_stall_us;
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
metrics_checks(struct director *d, struct evbuffer *b)
{
	const struct hc_server	*s;
	char			 a[ADDR_STRLEN];
	size_t			 i, n = d->hc ? hc_engine_count(d->hc) : 0;
	int			 r;

	evbuffer_add_printf(b, "# TYPE director_check_up gauge\n"
	    "# TYPE director_check_weight gauge\n"
	    "# TYPE director_check_latency_seconds gauge\n"
	    "# TYPE director_check_results_total counter\n");
	for (i = 0; i < n; i++) {
		s = hc_engine_server(d->hc, i);
		addr_fmt(&s->rs->addr, false, a, sizeof(a));
#define LBL "{vs=\"%s\",server=\"%s\",port=\"%u\"}"
		evbuffer_add_printf(b, "director_check_up" LBL " %d\n",
		    s->vs->name, a, s->rs->port, s->up);
		evbuffer_add_printf(b, "director_check_weight" LBL " %d\n",
		    s->vs->name, a, s->rs->port, s->weight);
		evbuffer_add_printf(b, "director_check_latency_seconds" LBL
		    " %.6f\n", s->vs->name, a, s->rs->port,
		    s->last.latency_us / 1e6);
#undef LBL
		for (r = 0; r < HC_NREASONS; r++)
			if (s->results[r] != 0)
				evbuffer_add_printf(b,
				    "director_check_results_total"
				    "{vs=\"%s\",server=\"%s\",port=\"%u\","
				    "result=\"%s\"} %llu\n", s->vs->name, a,
				    s->rs->port, hc_reason_name(r),
				    (unsigned long long)s->results[r]);
	}
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

/* Reads the kernel table at scrape time: counters are the kernel's. */
static void
metrics_ipvs(struct director *d, struct evbuffer *b)
{
	const struct lb_stats	*st;
	struct ipvs_table	 t = { 0 };
	const struct cfg_vs	*vs;
	char			 lbl[256], a[INET6_ADDRSTRLEN];
	size_t			 i, j;

	if (d->lb == NULL)
		return;
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
	if (ipvs_nl_dump_services(d->ipvs_nl, &t) != 0)
		goto out;
	evbuffer_add_printf(b,
	    "# TYPE director_ipvs_connections_total counter\n"
	    "# TYPE director_ipvs_packets_total counter\n"
	    "# TYPE director_ipvs_bytes_total counter\n");
	for (i = 0; i < t.n; i++) {
		if ((vs = lb_vs_of(d->lb, &t.svcs[i].svc)) == NULL ||
		    ipvs_nl_dump_dests(d->ipvs_nl, &t.svcs[i]) != 0)
			continue;
		snprintf(lbl, sizeof(lbl), "vs=\"%s\"", vs->name);
		metrics_ipvs_stats(b, lbl, &t.svcs[i].svc.stats);
		for (j = 0; j < t.svcs[i].ndests; j++) {
			inet_ntop(t.svcs[i].dests[j].af,
			    &t.svcs[i].dests[j].addr, a, sizeof(a));
			snprintf(lbl, sizeof(lbl), "vs=\"%s\",server=\"%s\","
			    "port=\"%u\"", vs->name, a,
			    t.svcs[i].dests[j].port);
			metrics_ipvs_stats(b, lbl, &t.svcs[i].dests[j].stats);
		}
	}
out:
	ipvs_table_free(&t);
}

static void
metrics_request_cb(struct evhttp_request *req, void *arg)
{
	struct metrics	*m = arg;
	struct director	*d = m->d;
	struct evbuffer	*b = evbuffer_new();

	if (b == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
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
	metrics_checks(d, b);
	metrics_ipvs(d, b);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
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
	if (m == NULL)
		return;
	if (m->http != NULL)
		evhttp_free(m->http);
	if (m->ev_tick != NULL)
		event_free(m->ev_tick);
	free(m);
}
