/*
 * ctl_checks.c - `directorctl checks`: each checked real server's state,
 * last result and reason, latency, consecutive counts, last change.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "ctl.h"
#include "daemon.h"
#include "json.h"
#include "stream.h"
#include "../healthcheck/hc_engine.h"

static const char *
when(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0)
		return "start";	/* no change since start-up */
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
	return buf;
}

static void
checks_json_one(struct json *j, const struct hc_server *s)
{
	char	a[ADDR_STRLEN], t[40];
	int	r;

	json_obj_begin(j, NULL);
	json_str(j, "vs", hc_server_vs(s)->name);
	json_str(j, "address", addr_fmt(&s->rs->addr, false, a, sizeof(a)));
	json_uint(j, "port", s->rs->port);
	json_str(j, "type", cfg_check_type_name(s->ck->type));
	json_str(j, "state", s->up ? "UP" : "DOWN");
	json_int(j, "weight", s->weight);
	json_int(j, "configured_weight", s->rs->weight);
	json_str(j, "last_result", s->checks ? hc_reason_name(s->last.reason) :
	    NULL);
	json_str(j, "last_detail", s->checks ? s->last.detail : NULL);
	json_double(j, "latency_ms", s->last.latency_us / 1000.0);
	if (s->checks && s->last.cert_days_left >= 0)
		json_int(j, "cert_days_left", s->last.cert_days_left);
	json_uint(j, "consecutive_ok", s->ok_run);
	json_uint(j, "consecutive_failures", s->fail_run);
	json_uint(j, "checks", s->checks);
	json_uint(j, "failures", s->failures);
	json_uint(j, "changes", s->changes);
	json_str(j, "last_change", s->last_change ? when(s->last_change, t,
	    sizeof(t)) : NULL);
	json_obj_begin(j, "results");
	for (r = 0; r < HC_NREASONS; r++)
		if (s->results[r] != 0)
			json_uint(j, hc_reason_name(r), s->results[r]);
	json_obj_end(j);
	json_obj_end(j);
}

static void
checks_text_one(struct evbuffer *out, const struct hc_server *s)
{
	char a[ADDR_STRLEN], ap[ADDR_STRLEN + 8], t[40];

	addr_fmt(&s->rs->addr, false, a, sizeof(a));
	snprintf(ap, sizeof(ap), s->rs->addr.af == AF_INET6 ? "[%s]:%u" :
	    "%s:%u", a, s->rs->port);
	evbuffer_add_printf(out, "%-12s %-24s %-6s %-4s w %-3d ok %-3u fail "
	    "%-3u %7.1f ms  %s%s%s  (since %s)\n", hc_server_vs(s)->name, ap,
	    cfg_check_type_name(s->ck->type), s->up ? "UP" : "DOWN", s->weight,
	    s->ok_run, s->fail_run, s->last.latency_us / 1000.0,
	    s->checks ? hc_reason_name(s->last.reason) : "not checked yet",
	    s->checks && s->last.detail[0] ? ": " : "", s->checks ?
	    s->last.detail : "", when(s->last_change, t, sizeof(t)));
	if (s->checks && s->last.cert_days_left >= 0 &&
	    s->ck->cert_expiry_warn_days > 0 && s->last.cert_days_left <
	    (int)s->ck->cert_expiry_warn_days)
		evbuffer_add_printf(out, "  WARNING: certificate expires in %d "
		    "days\n", s->last.cert_days_left);
}

/* The checks view in pieces: one server per call. */
struct checks_stream {
	struct json		j;
	bool			json;
	struct stream_hc	w;
};

static int
checks_more(struct director *d, void *arg, struct evbuffer *out)
{
	struct checks_stream	*st = arg;
	const struct hc_server	*s;

	st->j.b = out;
	if ((s = stream_hc_next(&st->w, d)) != NULL) {
		if (st->json)
			checks_json_one(&st->j, s);
		else
			checks_text_one(out, s);
		return 1;
	}
	/* The servers listed so far are gone with the old config. */
	if (st->w.cut && !st->json)
		evbuffer_add_printf(out, "(the config was reloaded: run "
		    "directorctl checks again)\n");
	if (st->json) {
		json_arr_end(&st->j);
		json_bool(&st->j, "complete", !st->w.cut);
		json_obj_end(&st->j);
		json_finish(&st->j);
	}
	return 0;
}

int
ctl_view_checks(struct director *d, const struct ctl_req *req,
    struct evbuffer *out, char *err, size_t errlen)
{
	struct checks_stream	*st;
	size_t			 n = d->hc ? hc_engine_count(d->hc) : 0;

	if (!req->json && n == 0) {
		evbuffer_add_printf(out, "no health checks configured\n");
		return 0;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->json = req->json;
	stream_hc_start(&st->w, d);
	if (st->json) {
		json_init(&st->j, out);
		json_obj_begin(&st->j, NULL);
		json_arr_begin(&st->j, "checks");
	}
	req->stream->more = checks_more;
	req->stream->done = free;
	req->stream->state = st;
	return CTL_STREAM;
}
