/*
 * ctl_views.c - what the control socket shows: status, reload, help.
 *
 * Each view writes either a human-readable text or one JSON document.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "ctl.h"
#include "daemon.h"
#include "json.h"
#include "lb.h"
#include "metrics.h"
#include "../ipvs/ipvs_nl.h"
#include "../vrrp/vrrp.h"
#include "../healthcheck/hc_engine.h"

struct status_counts {
	size_t	vrrp, groups, vs, rs, checks;
};

static void
status_count(const struct cfg *c, struct status_counts *n)
{
	size_t i, j;

	memset(n, 0, sizeof(*n));
	n->vrrp = c->nvrrp;
	n->groups = c->ngroups;
	n->vs = c->nvs;
	for (i = 0; i < c->nvs; i++) {
		n->rs += c->vs[i].nrs;
		for (j = 0; j < c->vs[i].nrs; j++)
			if (c->vs[i].rs[j].check.type != CHECK_NONE)
				n->checks++;
	}
}

static const char *
fmt_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (t == 0) {
		snprintf(buf, len, "never");
		return buf;
	}
	localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S%z", &tm);
	return buf;
}

/* A mask as a JSON array of names. */
static void
status_caps_json(struct json *j, const char *key, uint64_t mask)
{
	char	buf[512], *name, *save;

	json_arr_begin(j, key);
	caps_names(mask, buf, sizeof(buf));
	for (name = strtok_r(buf, ",", &save); mask != 0 && name != NULL;
	    name = strtok_r(NULL, ",", &save))
		json_str(j, NULL, name);
	json_arr_end(j);
}

static void
status_json(struct director *d, const struct status_counts *n,
    struct evbuffer *out)
{
	struct json	j;
	char		t[40], v[16];

	json_init(&j, out);
	json_obj_begin(&j, NULL);
	json_str(&j, "version", PACKAGE_VERSION);
	json_int(&j, "pid", getpid());
	json_int(&j, "uptime", daemon_uptime(d));
	json_str(&j, "started", fmt_time(d->started, t, sizeof(t)));
	json_str(&j, "config_file", d->cfg_file);
	json_uint(&j, "generation", d->generation);
	json_double(&j, "loop_stall_max", metrics_max_stall_us(d->metrics) /
	    1e6);
	json_obj_begin(&j, "last_reload");
	json_str(&j, "time", d->reload.when ? fmt_time(d->reload.when, t,
	    sizeof(t)) : NULL);
	json_str(&j, "result", d->reload.when == 0 ? "none" :
	    d->reload.ok ? "ok" : "failed");
	json_str(&j, "first_error", d->reload.first_error);
	json_uint(&j, "errors", d->reload.nerrors);
	json_uint(&j, "ok_count", d->reload.n_ok);
	json_uint(&j, "failed_count", d->reload.n_failed);
	json_bool(&j, "in_progress", d->reload.loader != NULL);
	json_obj_end(&j);
	json_obj_begin(&j, "capabilities");
	json_bool(&j, "dropped", d->caps_dropped);
	status_caps_json(&j, "effective", d->caps.effective);
	status_caps_json(&j, "permitted", d->caps.permitted);
	status_caps_json(&j, "bounding", d->caps.bounding);
	json_obj_end(&j);
	json_obj_begin(&j, "subsystems");
	json_obj_begin(&j, "vrrp");
	json_bool(&j, "active", d->vrrp != NULL && vrrp_count(d->vrrp) > 0);
	json_uint(&j, "instances", n->vrrp);
	json_uint(&j, "sync_groups", n->groups);
	json_obj_end(&j);
	json_obj_begin(&j, "healthcheck");
	json_bool(&j, "active", d->hc != NULL && hc_engine_count(d->hc) > 0);
	json_uint(&j, "checks", n->checks);
	json_obj_end(&j);
	json_obj_begin(&j, "ipvs");
	json_bool(&j, "active", d->lb != NULL);
	if (d->lb != NULL) {
		json_uint(&j, "syncs", lb_stats(d->lb)->syncs);
		json_str(&j, "last_error", lb_stats(d->lb)->last_error[0] ?
		    lb_stats(d->lb)->last_error : NULL);
	}
	json_bool(&j, "kernel_available", d->ipvs.available);
	json_str(&j, "kernel_version", d->ipvs.available ?
	    ipvs_version_str(d->ipvs.version, v, sizeof(v)) : NULL);
	json_str(&j, "reason", d->ipvs.available ? NULL : d->ipvs.reason);
	json_uint(&j, "virtual_servers", n->vs);
	json_uint(&j, "real_servers", n->rs);
	json_obj_end(&j);
	json_obj_end(&j);
	json_obj_end(&j);
	json_finish(&j);
}

static void
status_text(struct director *d, const struct status_counts *n,
    struct evbuffer *out)
{
	char t[40], v[16], c[512];

	evbuffer_add_printf(out, "director %s, pid %ld, up %llds (since %s)\n",
	    PACKAGE_VERSION, (long)getpid(), daemon_uptime(d),
	    fmt_time(d->started, t, sizeof(t)));
	evbuffer_add_printf(out, "config:      %s, generation %llu\n",
	    d->cfg_file, (unsigned long long)d->generation);
	if (d->reload.when == 0)
		evbuffer_add_printf(out, "last reload: none\n");
	else if (d->reload.ok)
		evbuffer_add_printf(out, "last reload: ok at %s\n",
		    fmt_time(d->reload.when, t, sizeof(t)));
	else
		evbuffer_add_printf(out, "last reload: FAILED at %s (%zu "
		    "error%s): %s\n", fmt_time(d->reload.when, t, sizeof(t)),
		    d->reload.nerrors, d->reload.nerrors == 1 ? "" : "s",
		    d->reload.first_error);
	if (d->reload.loader != NULL)
		evbuffer_add_printf(out, "reload:      in progress (the new "
		    "config is being read)\n");
	evbuffer_add_printf(out, "vrrp:        %zu instance%s, %zu sync "
	    "group%s (%zu running)\n", n->vrrp, n->vrrp == 1 ? "" : "s",
	    n->groups, n->groups == 1 ? "" : "s", d->vrrp ?
	    vrrp_count(d->vrrp) : 0);
	evbuffer_add_printf(out, "healthcheck: %zu check%s (%s)\n", n->checks,
	    n->checks == 1 ? "" : "s", d->hc != NULL ? "running" :
	    "engine not active");
	evbuffer_add_printf(out, "ipvs:        %zu virtual server%s, %zu real "
	    "server%s (%s)\n", n->vs, n->vs == 1 ? "" : "s",
	    n->rs, n->rs == 1 ? "" : "s", d->lb == NULL ? "engine not active" :
	    lb_stats(d->lb)->last_error[0] ? lb_stats(d->lb)->last_error :
	    lb_stats(d->lb)->busy ? "syncing" : "in sync");
	if (d->ipvs.available)
		evbuffer_add_printf(out, "kernel ipvs: available, version "
		    "%s\n", ipvs_version_str(d->ipvs.version, v, sizeof(v)));
	else
		evbuffer_add_printf(out, "kernel ipvs: unavailable (%s)\n",
		    d->ipvs.reason);
	evbuffer_add_printf(out, "capabilities: %s%s\n",
	    caps_names(d->caps.effective, c, sizeof(c)), d->caps_dropped ?
	    " (the rest dropped at start-up)" : "");
}

int
ctl_view_status(struct director *d, const struct ctl_req *req,
    struct evbuffer *out, char *err, size_t errlen)
{
	struct status_counts n;

	status_count(d->cfg, &n);
	if (req->json)
		status_json(d, &n, out);
	else
		status_text(d, &n, out);
	return 0;
}

int
ctl_view_reload(struct director *d, const struct ctl_req *req,
    struct evbuffer *out, char *err, size_t errlen)
{
	uint64_t n = daemon_reload(d);

	if (d->reload.done >= n)	/* loaded already, on the loop */
		return daemon_reload_outcome(d, out, req->json, err, errlen);
	*req->wait_reload = n;
	return CTL_PENDING;
}

int
ctl_view_help(struct director *d, const struct ctl_req *req,
    struct evbuffer *out, char *err, size_t errlen)
{
	const struct ctl_cmd	*c;
	struct json		 j;

	if (!req->json) {
		for (c = ctl_commands; c->name != NULL; c++)
			evbuffer_add_printf(out, "%-10s %s\n", c->name, c->help);
		return 0;
	}
	json_init(&j, out);
	json_obj_begin(&j, NULL);
	for (c = ctl_commands; c->name != NULL; c++)
		json_str(&j, c->name, c->help);
	json_obj_end(&j);
	json_finish(&j);
	return 0;
}
