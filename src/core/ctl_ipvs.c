/*
 * ctl_ipvs.c - `directorctl ipvs`: the kernel's IPVS table as ipvsadm -Ln
 * shows it, plus what director wants for each destination; `ipvs sync`
 * asks for a sync (drift repair) now.
 *
 *   directorctl ipvs [--stats | --rate] [--json]
 *   directorctl ipvs sync
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "ctl.h"
#include "daemon.h"
#include "json.h"
#include "lb.h"
#include "stream.h"
#include "../ipvs/ipvs_nl.h"

enum ipvs_view {
	VIEW_PLAIN,
	VIEW_STATS,
	VIEW_RATE,
};

static const char *
fwd_name(uint32_t fwd)
{
	switch (fwd & IP_VS_CONN_F_FWD_MASK) {
	case IP_VS_CONN_F_MASQ:
		return "Masq";
	case IP_VS_CONN_F_DROUTE:
		return "Route";
	case IP_VS_CONN_F_TUNNEL:
		return "Tunnel";
	case IP_VS_CONN_F_LOCALNODE:
		return "Local";
	default:
		return "?";
	}
}

static const char *
proto_name(uint16_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "TCP";
	case IPPROTO_UDP:
		return "UDP";
	case IPPROTO_SCTP:
		return "SCTP";
	default:
		return "?";
	}
}

/* "192.0.2.1:80" or "[2001:db8::1]:80" */
static const char *
addrport(uint16_t af, const union ipvs_addr *a, uint16_t port, char *buf,
    size_t len)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(af, a, s, sizeof(s));
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", s, port);
	return buf;
}

static const char *
svc_key_text(const struct ipvs_service *s, char *buf, size_t len)
{
	char a[64];

	if (s->fwmark != 0)
		snprintf(buf, len, "FWM  %u", s->fwmark);
	else
		snprintf(buf, len, "%s  %s", proto_name(s->protocol),
		    addrport(s->af, &s->addr, s->port, a, sizeof(a)));
	return buf;
}

/* Scheduler flags by the names ipvsadm uses for sh and mh. */
static void
sched_flags_text(const struct ipvs_service *s, struct evbuffer *out)
{
	static const char *const generic[] = { "flag-1", "flag-2", "flag-3" };
	static const char *const sh[] = { "sh-fallback", "sh-port", "flag-3" };
	static const char *const mh[] = { "mh-fallback", "mh-port", "flag-3" };
	const char *const	*names = generic;
	const char		*sep = " (";
	int			 i;

	if (strcmp(s->sched, "sh") == 0)
		names = sh;
	else if (strcmp(s->sched, "mh") == 0)
		names = mh;
	for (i = 0; i < 3; i++) {
		if (!(s->flags & (IP_VS_SVC_F_SCHED1 << i)))
			continue;
		evbuffer_add_printf(out, "%s%s", sep, names[i]);
		sep = ",";
	}
	if (sep[0] == ',')
		evbuffer_add_printf(out, ")");
}

static void
svc_flags_text(const struct ipvs_service *s, struct evbuffer *out)
{
	struct in_addr m;
	char buf[INET_ADDRSTRLEN];

	sched_flags_text(s, out);
	if (s->flags & IP_VS_SVC_F_PERSISTENT)
		evbuffer_add_printf(out, " persistent %u", s->timeout);
	if ((s->flags & IP_VS_SVC_F_PERSISTENT) && s->af == AF_INET &&
	    s->netmask != 0xffffffff) {
		m.s_addr = htonl(s->netmask);
		evbuffer_add_printf(out, " mask %s", inet_ntop(AF_INET, &m,
		    buf, sizeof(buf)));
	} else if ((s->flags & IP_VS_SVC_F_PERSISTENT) &&
	    s->af == AF_INET6 && s->netmask != 128)
		evbuffer_add_printf(out, " mask %u", s->netmask);
	if (s->flags & IP_VS_SVC_F_ONEPACKET)
		evbuffer_add_printf(out, " ops");
}

static void
text_header(struct director *d, enum ipvs_view v, struct evbuffer *out)
{
	char ver[16];

	evbuffer_add_printf(out, "IP Virtual Server version %s (size=%u)\n",
	    ipvs_version_str(d->ipvs.version, ver, sizeof(ver)),
	    d->ipvs.conn_tab_size);
	if (v == VIEW_PLAIN)
		evbuffer_add_printf(out, "Prot LocalAddress:Port Scheduler "
		    "Flags\n  -> RemoteAddress:Port           Forward Weight "
		    "ActiveConn InActConn\n");
	else if (v == VIEW_STATS)
		evbuffer_add_printf(out, "Prot LocalAddress:Port        "
		    "        Conns      InPkts     OutPkts     InBytes    "
		    "OutBytes\n  -> RemoteAddress:Port\n");
	else
		evbuffer_add_printf(out, "Prot LocalAddress:Port        "
		    "          CPS       InPPS      OutPPS       InBPS      "
		    "OutBPS\n  -> RemoteAddress:Port\n");
}

static void
text_numbers(const struct ipvs_stats *st, enum ipvs_view v,
    struct evbuffer *out)
{
	/* Totals, or the same five as rates per second. */
	const uint64_t	 totals[] = { st->conns, st->inpkts, st->outpkts,
			    st->inbytes, st->outbytes };
	const uint64_t	 rates[] = { st->cps, st->inpps, st->outpps,
			    st->inbps, st->outbps };
	const uint64_t	*n = v == VIEW_STATS ? totals : rates;
	int		 i;

	for (i = 0; i < 5; i++)
		evbuffer_add_printf(out, " %11llu", (unsigned long long)n[i]);
}

static bool
is_dest(const struct cfg_rs *rs, const struct ipvs_dest *dst)
{
	return rs->addr.af == dst->af && rs->port == dst->port &&
	    memcmp(&rs->addr.u, &dst->addr, addr_len(&rs->addr)) == 0;
}

/* The configured real server behind a destination, for its weight. */
static const struct cfg_rs *
find_rs(const struct cfg_vs *vs, const struct ipvs_dest *dst)
{
	size_t i;

	for (i = 0; vs != NULL && i < vs->nrs; i++)
		if (is_dest(&vs->rs[i], dst))
			return &vs->rs[i];
	return NULL;
}

static bool
is_sorry(const struct cfg_vs *vs, const struct ipvs_dest *dst)
{
	return vs != NULL && vs->has_sorry && is_dest(&vs->sorry, dst);
}

/*
 * What the health checks say of a destination: "up", "down", "unchecked"
 * (no check configured), "sorry server", or NULL (not ours).
 */
static const char *
dest_health(struct director *d, const struct cfg_vs *vs,
    const struct ipvs_dest *dst)
{
	const struct cfg_rs		*rs = find_rs(vs, dst);
	const struct lb_rs_health	*h;

	if (rs == NULL)
		return is_sorry(vs, dst) ? "sorry server" : NULL;
	if (rs->check.type == CHECK_NONE)
		return "unchecked";
	if ((h = lb_rs_health_of(d->lb, vs, rs)) == NULL)
		return NULL;
	return h->up ? "up" : "down";
}

static void
text_service(struct director *d, const struct ipvs_table_svc *ts,
    enum ipvs_view v, struct evbuffer *out)
{
	const struct cfg_vs	*vs = d->lb ? lb_vs_of(d->lb, &ts->svc) : NULL;
	const char		*health;
	char			 key[96], ap[64];
	size_t			 i;
	int			 want;

	svc_key_text(&ts->svc, key, sizeof(key));
	if (v == VIEW_PLAIN) {
		evbuffer_add_printf(out, "%s %s", key, ts->svc.sched);
		svc_flags_text(&ts->svc, out);
	} else {
		evbuffer_add_printf(out, "%-33s", key);
		text_numbers(&ts->svc.stats, v, out);
	}
	evbuffer_add_printf(out, "   # %s%s\n", vs ? "vs " : "",
	    vs ? vs->name : "not in the config");
	for (i = 0; i < ts->ndests; i++) {
		const struct ipvs_dest *dst = &ts->dests[i];

		addrport(dst->af, &dst->addr, dst->port, ap, sizeof(ap));
		if (v != VIEW_PLAIN) {
			evbuffer_add_printf(out, "  -> %-28s", ap);
			text_numbers(&dst->stats, v, out);
			evbuffer_add_printf(out, "\n");
			continue;
		}
		evbuffer_add_printf(out, "  -> %-28s %-7s %-6d %-10u %-10u",
		    ap, fwd_name(dst->fwd), dst->weight, dst->active_conns,
		    dst->inact_conns);
		want = d->lb ? lb_wanted_weight(d->lb, &ts->svc, dst) : -1;
		health = dest_health(d, vs, dst);
		if (vs != NULL && want >= 0)
			evbuffer_add_printf(out, " # want %d", want);
		else if (vs != NULL)
			evbuffer_add_printf(out, " # not wanted");
		if (health != NULL)
			evbuffer_add_printf(out, " (%s)", health);
		evbuffer_add_printf(out, "\n");
	}
}

static void
json_stats(struct json *j, const struct ipvs_stats *st)
{
	json_obj_begin(j, "stats");
	json_uint(j, "conns", st->conns);
	json_uint(j, "inpkts", st->inpkts);
	json_uint(j, "outpkts", st->outpkts);
	json_uint(j, "inbytes", st->inbytes);
	json_uint(j, "outbytes", st->outbytes);
	json_uint(j, "cps", st->cps);
	json_uint(j, "inpps", st->inpps);
	json_uint(j, "outpps", st->outpps);
	json_uint(j, "inbps", st->inbps);
	json_uint(j, "outbps", st->outbps);
	json_obj_end(j);
}

static void
json_dest(struct director *d, struct json *j, const struct ipvs_table_svc *ts,
    const struct cfg_vs *vs, const struct ipvs_dest *dst)
{
	const struct cfg_rs	*rs = find_rs(vs, dst);
	char			 a[INET6_ADDRSTRLEN];

	json_obj_begin(j, NULL);
	json_str(j, "address", inet_ntop(dst->af, &dst->addr, a, sizeof(a)));
	json_uint(j, "port", dst->port);
	json_str(j, "forward", fwd_name(dst->fwd));
	json_int(j, "weight", dst->weight);
	if (vs != NULL)
		json_int(j, "wanted_weight", lb_wanted_weight(d->lb, &ts->svc,
		    dst));
	else
		json_null(j, "wanted_weight");
	if (rs != NULL)
		json_int(j, "configured_weight", rs->weight);
	else
		json_null(j, "configured_weight");
	json_bool(j, "sorry_server", rs == NULL && is_sorry(vs, dst));
	json_str(j, "health", dest_health(d, vs, dst));
	json_uint(j, "upper_threshold", dst->u_threshold);
	json_uint(j, "lower_threshold", dst->l_threshold);
	json_uint(j, "active_conns", dst->active_conns);
	json_uint(j, "inactive_conns", dst->inact_conns);
	json_uint(j, "persistent_conns", dst->persist_conns);
	json_stats(j, &dst->stats);
	json_obj_end(j);
}

static void
json_service(struct director *d, struct json *j, const struct ipvs_table_svc *ts)
{
	const struct cfg_vs	*vs = d->lb ? lb_vs_of(d->lb, &ts->svc) : NULL;
	char			 a[INET6_ADDRSTRLEN];
	size_t			 i;

	json_obj_begin(j, NULL);
	json_str(j, "name", vs ? vs->name : NULL);
	json_str(j, "family", ts->svc.af == AF_INET6 ? "inet6" : "inet");
	if (ts->svc.fwmark != 0) {
		json_uint(j, "fwmark", ts->svc.fwmark);
	} else {
		json_str(j, "protocol", proto_name(ts->svc.protocol));
		json_str(j, "address", inet_ntop(ts->svc.af, &ts->svc.addr, a,
		    sizeof(a)));
		json_uint(j, "port", ts->svc.port);
	}
	json_str(j, "scheduler", ts->svc.sched);
	json_uint(j, "flags", ts->svc.flags);
	json_uint(j, "persistence_timeout", ts->svc.timeout);
	json_uint(j, "netmask", ts->svc.netmask);
	json_stats(j, &ts->svc.stats);
	json_arr_begin(j, "destinations");
	for (i = 0; i < ts->ndests; i++)
		json_dest(d, j, ts, vs, &ts->dests[i]);
	json_arr_end(j);
	json_obj_end(j);
}

static void
json_engine(struct director *d, struct json *j)
{
	const struct lb_stats *st = lb_stats(d->lb);

	json_obj_begin(j, "engine");
	json_bool(j, "busy", st->busy);
	json_uint(j, "syncs", st->syncs);
	json_uint(j, "ops", st->ops);
	json_uint(j, "op_errors", st->op_errors);
	json_uint(j, "repairs", st->repairs);
	json_uint(j, "last_sync_us", st->last_sync_us);
	json_uint(j, "last_sync_ops", st->last_sync_ops);
	json_uint(j, "last_sync_built", st->last_sync_built);
	json_uint(j, "quorum_changes", st->quorum_changes);
	json_uint(j, "steps", st->steps);
	json_uint(j, "max_slice_us", st->max_slice_us);
	json_str(j, "max_slice_phase", st->max_slice_phase);
	json_str(j, "last_error", st->last_error[0] ? st->last_error : NULL);
	json_obj_end(j);
}

/* The view in pieces: the table as stream.h walks it. */
struct ipvs_stream {
	struct stream_ipvs	 w;
	enum ipvs_view		 v;
	bool			 json;
	struct json		 j;
};

static void
ipvs_stream_done(void *arg)
{
	struct ipvs_stream *st = arg;

	stream_ipvs_close(&st->w);
	free(st);
}

static int
ipvs_stream_end(struct director *d, struct ipvs_stream *st,
    struct evbuffer *out)
{
	int error = st->w.error;

	if (st->json) {
		json_arr_end(&st->j);
		json_engine(d, &st->j);
		json_str(&st->j, "error", error ? strerror(error) : NULL);
		json_obj_end(&st->j);
		json_finish(&st->j);
	} else if (error)
		evbuffer_add_printf(out, "(reading the IPVS table: %s)\n",
		    strerror(error));
	return 0;
}

static int
ipvs_stream_more(struct director *d, void *arg, struct evbuffer *out)
{
	struct ipvs_stream	*st = arg;
	struct ipvs_table_svc	*ts;
	int			 rc;

	st->j.b = out;
	if ((rc = stream_ipvs_next(&st->w, &ts)) == 1 && ts == NULL)
		return 1;		/* a batch of the service list */
	if (rc != 1 || d->lb == NULL ||
	    (rc = stream_ipvs_dests(&st->w, ts)) == -1)
		return ipvs_stream_end(d, st, out);
	if (rc == 1) {		/* else deleted meanwhile: skip it */
		if (st->json)
			json_service(d, &st->j, ts);
		else
			text_service(d, ts, st->v, out);
	}
	return 1;
}

int
ctl_view_ipvs(struct director *d, const struct ctl_req *req,
    struct evbuffer *out, char *err, size_t errlen)
{
	struct ipvs_stream	*st;
	enum ipvs_view		 v = VIEW_PLAIN;
	int			 a, rc;

	if (d->ipvs_nl == NULL || d->lb == NULL) {
		snprintf(err, errlen, "IPVS is unavailable: %s",
		    d->ipvs.reason[0] ? d->ipvs.reason : "not started");
		return -1;
	}
	for (a = 1; a < req->argc; a++) {
		if (strcmp(req->argv[a], "sync") == 0 && req->argc == 2) {
			lb_sync(d->lb, LB_SYNC_MANUAL);
			evbuffer_add_printf(out, req->json ? "{\"sync\":"
			    "\"requested\"}\n" : "IPVS sync requested\n");
			return 0;
		} else if (strcmp(req->argv[a], "--stats") == 0)
			v = VIEW_STATS;
		else if (strcmp(req->argv[a], "--rate") == 0)
			v = VIEW_RATE;
		else {
			snprintf(err, errlen, "usage: ipvs [--stats | --rate] "
			    "[--json] | ipvs sync");
			return -1;
		}
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	st->v = v;
	st->json = req->json;
	if ((rc = stream_ipvs_open(&st->w)) != 0) {
		snprintf(err, errlen, "reading the IPVS table: %s",
		    strerror(-rc));
		free(st);
		return -1;
	}
	if (st->json) {
		json_init(&st->j, out);
		json_obj_begin(&st->j, NULL);
		json_arr_begin(&st->j, "services");
	} else
		text_header(d, v, out);
	req->stream->more = ipvs_stream_more;
	req->stream->done = ipvs_stream_done;
	req->stream->state = st;
	return CTL_STREAM;
}
