/*
 * daemon.c - life cycle: start, signals, reload, state dump, shutdown.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "cfg_loader.h"
#include "clock.h"
#include "cfg_priv.h"
#include "ctl.h"
#include "daemon.h"
#include "json.h"
#include "lb.h"
#include "metrics.h"
#include "notify.h"
#include "proc.h"
#include "rt.h"
#include "log.h"
#include "sdnotify.h"
#include "../ipvs/ipvs_backend.h"
#include "../ipvs/ipvs_nl.h"
#include "../vrrp/vrrp.h"
#include "../healthcheck/hc_engine.h"

static void
daemon_notify(const char *what)
{
	if (sd_notify_send(what) == -1)
		log_warn("systemd notify \"%s\"", what);
}

/* Start-up only: it waits for modprobe. */
static int
daemon_modprobe(const char *module)
{
	pid_t	pid;
	int	status, fd;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp("modprobe", "modprobe", "-q", module, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The SIGXCPU handler cannot log: this timer says it happened. */
static void
daemon_rt_cb(evutil_socket_t fd, short ev, void *arg)
{
	if (rt_fell_back())
		log_warnx("scheduling: the loop ran %d ms without blocking "
		    "(RLIMIT_RTTIME): back to the normal policy until the next "
		    "restart", RT_RTTIME_SOFT_US / 1000);
}

/* A failure is logged: the daemon runs on with the normal policy. */
static void
daemon_realtime(struct director *d)
{
	static const struct timeval	every = { 5, 0 };
	int				prio = d->cfg->global.realtime_priority;

	if (prio == 0)
		return;
	if (rt_start(prio) == -1) {
		log_warn("realtime_priority %d: cannot switch to SCHED_RR "
		    "(CAP_SYS_NICE?), running with the normal policy", prio);
		return;
	}
	log_info("scheduling: SCHED_RR priority %d (after %d ms of CPU "
	    "without blocking, the normal policy)", prio,
	    RT_RTTIME_SOFT_US / 1000);
	if ((d->ev_rt = event_new(d->base, -1, EV_PERSIST, daemon_rt_cb,
	    d)) != NULL) {
		event_priority_set(d->ev_rt, 2);
		event_add(d->ev_rt, &every);
	}
}

/*
 * The last start-up step: every socket is open and ip_vs is loaded (a
 * kernel without IPVS is not probed again), so CAP_SYS_MODULE and the
 * rest can go.
 */
static int
daemon_drop_caps(struct director *d)
{
	char	buf[256];
	bool	bounding_kept = false;

	if (d->cfg->global.drop_capabilities && caps_get(&d->caps) == 0 &&
	    d->caps.permitted != 0) {
		if (caps_drop(caps_runtime(), &bounding_kept) == -1) {
			log_warn("dropping capabilities");
			return -1;
		}
		d->caps_dropped = true;
	}
	if (caps_get(&d->caps) == -1) {
		log_warn("reading capabilities");
		return -1;
	}
	log_info("capabilities: %s%s%s", d->caps_dropped ? "kept " : "",
	    caps_names(d->caps.permitted, buf, sizeof(buf)),
	    !d->cfg->global.drop_capabilities ? " (drop_capabilities is off)" :
	    bounding_kept ? " (no CAP_SETPCAP: the bounding set stays as "
	    "given)" : "");
	return 0;
}

static void
daemon_probe_ipvs(struct director *d)
{
	struct ipvs_status	*st = &d->ipvs;
	struct ipvs_nl		*nl;
	struct ipvs_info	 info = { 0 };
	char			 v[16];
	int			 rc;

	rc = ipvs_nl_open(&nl);
	if (rc == -ENOENT && d->cfg->global.ipvs_load_module &&
	    daemon_modprobe("ip_vs") == 0)
		rc = ipvs_nl_open(&nl);
	if (rc == 0 && (rc = ipvs_nl_get_info(nl, &info)) == 0) {
		st->available = true;
		st->version = info.version;
		st->conn_tab_size = info.conn_tab_size;
		st->reason[0] = '\0';
		log_info("IPVS: kernel version %s, %u connection buckets",
		    ipvs_version_str(info.version, v, sizeof(v)),
		    info.conn_tab_size);
		d->ipvs_nl = nl;
		return;
	} else {
		st->available = false;
		snprintf(st->reason, sizeof(st->reason), "%s",
		    rc == -ENOENT ? "the kernel has no IPVS (ip_vs module "
		    "missing)" : strerror(-rc));
		log_warnx("IPVS: unavailable: %s; load balancing is off, VRRP "
		    "and health checks keep running", st->reason);
	}
	ipvs_nl_close(nl);
}

/*
 * The IPVS connection sync daemon follows VRRP: master while any
 * instance is MASTER, backup otherwise, so connections survive a
 * failover.
 */
static void
daemon_sync_role(struct director *d, bool master)
{
	const struct cfg_global	*g = &d->cfg->global;
	struct ipvs_daemon	 dm;
	int			 rc;

	if (d->ipvs_nl == NULL || g->sync_ifname == NULL ||
	    (d->sync_role == (master ? 1 : 2)))
		return;
	ipvs_nl_daemon_stop(d->ipvs_nl, master ? IP_VS_STATE_BACKUP :
	    IP_VS_STATE_MASTER);
	memset(&dm, 0, sizeof(dm));
	dm.state = master ? IP_VS_STATE_MASTER : IP_VS_STATE_BACKUP;
	snprintf(dm.ifname, sizeof(dm.ifname), "%s", g->sync_ifname);
	dm.syncid = g->sync_id;
	if ((rc = ipvs_nl_daemon_start(d->ipvs_nl, &dm)) != 0 && rc != -EEXIST)
		log_warnx("IPVS: sync daemon as %s on %s: %s", master ?
		    "master" : "backup", g->sync_ifname, strerror(-rc));
	else
		log_info("IPVS: connection sync daemon is now %s on %s (sync id "
		    "%u)", master ? "master" : "backup", g->sync_ifname,
		    g->sync_id);
	d->sync_role = master ? 1 : 2;
}

/* A group's notify scripts run once, when its first member moves. */
static void
daemon_group_notify(struct director *d, const struct cfg_vrrp *c,
    enum vrrp_state new, uint8_t priority)
{
	const struct cfg_sync_group	*g = NULL;
	const struct cfg_argv		*s[2];
	size_t				 i;

	for (i = 0; i < d->cfg->ngroups; i++)
		if (strcmp(d->cfg->groups[i].name, c->sync_group) == 0)
			g = &d->cfg->groups[i];
	if (g == NULL || d->group_state == NULL ||
	    d->group_state[g - d->cfg->groups] == (int)new)
		return;
	d->group_state[g - d->cfg->groups] = new;
	s[0] = new == VRRP_STATE_MASTER ? &g->notify.master :
	    new == VRRP_STATE_BACKUP ? &g->notify.backup :
	    new == VRRP_STATE_FAULT ? &g->notify.fault : &g->notify.stop;
	s[1] = &g->notify.any;
	notify_event(d->notify, "GROUP", g->name, new == VRRP_STATE_INIT ?
	    "STOP" : vrrp_state_name(new), priority, s, 2,
	    d->cfg->global.notify_fifo);
}

/* Group states start unknown with each config. */
static void
daemon_group_reset(struct director *d)
{
	size_t i;

	free(d->group_state);
	if ((d->group_state = calloc(d->cfg->ngroups ? d->cfg->ngroups : 1,
	    sizeof(int))) == NULL)
		return;
	for (i = 0; i < d->cfg->ngroups; i++)
		d->group_state[i] = -1;
}

/* A VRRP transition becomes notify scripts and the sync daemon's role. */
static void
daemon_vrrp_hook(void *arg, const struct cfg_vrrp *c, enum vrrp_state old,
    enum vrrp_state new, enum vrrp_reason why, uint8_t priority)
{
	struct director		*d = arg;
	const struct cfg_argv	*s[3] = { NULL, &c->notify.any,
				    &d->cfg->global.notify };

	switch (new) {
	case VRRP_STATE_MASTER:
		s[0] = &c->notify.master;
		break;
	case VRRP_STATE_BACKUP:
		s[0] = &c->notify.backup;
		break;
	case VRRP_STATE_FAULT:
		s[0] = &c->notify.fault;
		break;
	case VRRP_STATE_INIT:
		s[0] = &c->notify.stop;
		break;
	}
	notify_event(d->notify, "INSTANCE", c->name, new == VRRP_STATE_INIT ?
	    "STOP" : vrrp_state_name(new), priority, s, 3,
	    d->cfg->global.notify_fifo);
	if (c->sync_group != NULL)
		daemon_group_notify(d, c, new, priority);
	if (new == VRRP_STATE_MASTER)
		daemon_sync_role(d, true);
	else if (old == VRRP_STATE_MASTER || d->sync_role == 0)
		daemon_sync_role(d, vrrp_any_master(d->vrrp));
}

/* A real server changed: its IPVS weight, then its notify script. */
static void
daemon_hc_hook(void *arg, const struct hc_server *s)
{
	struct director		*d = arg;
	const struct cfg_argv	*script = s->up ? &s->rs->notify_up :
				    &s->rs->notify_down;
	char			 a[ADDR_STRLEN], name[ADDR_STRLEN + 16];

	if (d->lb != NULL)
		lb_set_rs_health(d->lb, hc_server_vs_index(s), s->rs_index, s->up,
		    s->weight);
	addr_fmt(&s->rs->addr, false, a, sizeof(a));
	snprintf(name, sizeof(name), s->rs->addr.af == AF_INET6 ?
	    "[%s]:%u" : "%s:%u", a, s->rs->port);
	notify_event(d->notify, "REALSERVER", name, s->up ? "UP" : "DOWN",
	    s->weight, &script, 1, d->cfg->global.notify_fifo);
}

/*
 * The checks' states the IPVS engine does not know: at start and after
 * a reload it has only initial states, or (all false) those it carried
 * over for unchanged virtual servers, whose checks the health-check
 * engine carried over too: then only the others are told (100,000
 * checks each cost a cache miss or two).
 */
static void
daemon_hc_push(struct director *d, bool all)
{
	const struct hc_server	*s;
	size_t			 i, n;

	if (d->hc == NULL || d->lb == NULL)
		return;
	n = all ? hc_engine_count(d->hc) : hc_engine_fresh_count(d->hc);
	for (i = 0; i < n; i++) {
		s = all ? hc_engine_server(d->hc, i) :
		    hc_engine_fresh(d->hc, i);
		lb_set_rs_health(d->lb, hc_server_vs_index(s), s->rs_index,
		    s->up, s->weight);
	}
}

static int
daemon_start_hc(struct director *d, uid_t uid, gid_t gid)
{
	struct hc_ctx ctx;

	if ((d->http = hc_http_new(d->base)) == NULL) {
		log_warnx("health checks: cannot start libcurl");
		return -1;
	}
	memset(&ctx, 0, sizeof(ctx));
	ctx.base = d->base;
	ctx.runner = d->procs;
	ctx.uid = uid;
	ctx.gid = gid;
	ctx.http = d->http;
	if ((d->hc = hc_engine_new(&ctx, d->cfg, daemon_hc_hook, d)) == NULL) {
		log_warnx("health checks: cannot start");
		return -1;
	}
	daemon_hc_push(d, true);
	return 0;
}

static void
daemon_apply_globals(struct director *d)
{
	const struct cfg_global	*g = &d->cfg->global;
	struct ipvs_timeouts	 t = { g->timeout_tcp, g->timeout_tcp_fin,
				    g->timeout_udp };
	int			 rc;

	uid_t			 uid = 0;
	gid_t			 gid = 0;

	log_set_facility(g->log_facility);
	log_set_level(d->verbose ? LOG_DEBUG : g->log_level);
	if (d->notify != NULL) {
		if (proc_lookup_user(g->script_user, &uid, &gid) == -1)
			log_warnx("script_user %s: no such user, scripts run "
			    "as root", g->script_user);
		notify_set_user(d->notify, uid, gid);
	}
	if (d->ipvs_nl != NULL && (t.tcp || t.tcp_fin || t.udp) &&
	    (rc = ipvs_nl_set_timeouts(d->ipvs_nl, &t)) != 0)
		log_warnx("IPVS: setting timeouts: %s", strerror(-rc));
}

int
daemon_reload_outcome(struct director *d, struct evbuffer *out, bool json,
    char *err, size_t errlen)
{
	const struct cfg_errors	*errs = &d->reload.errs;
	struct json		 j;
	size_t			 i;

	if (!json) {
		if (errs->n == 0)
			evbuffer_add_printf(out, "reload OK: generation %llu\n",
			    (unsigned long long)d->generation);
		else
			evbuffer_add_printf(out, "reload failed, generation "
			    "%llu keeps running:\n",
			    (unsigned long long)d->generation);
		for (i = 0; i < errs->n; i++)
			evbuffer_add_printf(out, "%s\n", errs->msg[i]);
	} else {
		json_init(&j, out);
		json_obj_begin(&j, NULL);
		json_bool(&j, "ok", errs->n == 0);
		json_uint(&j, "generation", d->generation);
		json_arr_begin(&j, "errors");
		for (i = 0; i < errs->n; i++)
			json_str(&j, NULL, errs->msg[i]);
		json_arr_end(&j);
		json_obj_end(&j);
		json_finish(&j);
	}
	if (errs->n == 0)
		return 0;
	snprintf(err, errlen, "reload failed, the running config stays");
	return -1;
}

/* Swaps in nc, or records why there is none. */
static void
daemon_reload_apply(struct director *d, struct cfg *nc,
    const struct cfg_errors *errs)
{
	uint64_t	 t0 = clock_now_us();
	struct cfg	*old;
	size_t		 i;
	bool		 carried = false;

	d->reload.when = time(NULL);
	free(d->reload.first_error);
	d->reload.first_error = NULL;
	d->reload.nerrors = errs->n;
	if (nc == NULL) {
		d->reload.ok = false;
		d->reload.n_failed++;
		d->reload.first_error = strdup(errs->n ? errs->msg[0] : "?");
		for (i = 0; i < errs->n; i++)
			log_err("%s", errs->msg[i]);
		log_err("reload failed with %zu error%s; generation %llu keeps "
		    "running", errs->n, errs->n == 1 ? "" : "s",
		    (unsigned long long)d->generation);
		return;
	}
	if (nc->global.drop_capabilities != d->cfg->global.drop_capabilities)
		log_warnx("drop_capabilities changed: takes effect at the next "
		    "restart");
	if (nc->global.realtime_priority != d->cfg->global.realtime_priority)
		log_warnx("realtime_priority changed: takes effect at the next "
		    "restart");
	if (nc->global.control_socket != NULL &&
	    (d->cfg->global.control_socket == NULL ||
	    strcmp(nc->global.control_socket,
	    d->cfg->global.control_socket) != 0))
		log_warnx("control_socket changed: takes effect at the next "
		    "restart");
	old = d->cfg;
	d->cfg = nc;
	d->generation++;
	d->reload.ok = true;
	d->reload.n_ok++;
	daemon_apply_globals(d);
	if (d->lb != NULL)
		carried = lb_reconfigure(d->lb, old);
	/* Instances compare against the old config: free it after. */
	daemon_group_reset(d);
	if (d->vrrp != NULL)
		vrrp_reconfigure(d->vrrp, d->cfg);
	if (d->hc != NULL) {
		hc_engine_reconfigure(d->hc, d->cfg);
		daemon_hc_push(d, !carried);
	}
	if ((old->global.metrics_listen == NULL) !=
	    (nc->global.metrics_listen == NULL) ||
	    (nc->global.metrics_listen != NULL &&
	    strcmp(old->global.metrics_listen,
	    nc->global.metrics_listen) != 0)) {
		metrics_free(d->metrics);
		d->metrics = metrics_new(d);
	}
	cfg_free(old);
	/* A config parsed here leaves libconfig's tree: give its pages back. */
	malloc_trim(0);
	log_info("reload OK: generation %llu (read in %llu ms, %zu of %zu "
	    "virtual servers parsed, applied in %llu ms)",
	    (unsigned long long)d->generation,
	    (unsigned long long)(t0 - d->reload.begun_us) / 1000,
	    nc->parsed_vs, nc->nvs,
	    (unsigned long long)(clock_now_us() - t0) / 1000);
}

static void	daemon_reload_begin(struct director *);

/* A load ended: apply it, answer who waited, start the next if asked. */
static void
daemon_reload_loaded(void *arg, struct cfg *nc, struct cfg_errors *errs)
{
	struct director	*d = arg;
	size_t		 i;

	d->reload.loader = NULL;
	daemon_reload_apply(d, nc, errs);
	cfg_errors_free(&d->reload.errs);
	for (i = 0; i < errs->n; i++)
		cfg_errors_add(&d->reload.errs, "%s", errs->msg[i]);
	d->reload.done = d->reload.started;
	daemon_notify("READY=1");
	if (d->ctl != NULL)
		ctl_reload_done(d->ctl);
	if (d->reload.again && !d->stopping) {
		d->reload.again = false;
		daemon_reload_begin(d);
	}
}

static void
daemon_reload_begin(struct director *d)
{
	struct cfg_errors	 errs = { 0 };
	struct cfg		*nc;

	daemon_notify("RELOADING=1");
	log_info("reloading %s", d->cfg_file);
	d->reload.started++;
	d->reload.begun_us = clock_now_us();
	d->reload.loader = d->procs == NULL ? NULL :
	    cfg_loader_start(d->base, d->procs, d->cfg_file, d->cfg,
	    daemon_reload_loaded, d);
	if (d->reload.loader != NULL)
		return;
	/* No child (out of processes or memory?): load here, on the loop. */
	log_warn("config loader process");
	nc = cfg_load_next(d->cfg_file, d->cfg, &errs);
	daemon_reload_loaded(d, nc, &errs);
	cfg_errors_free(&errs);
}

uint64_t
daemon_reload(struct director *d)
{
	if (d->reload.loader != NULL) {
		d->reload.again = true;
		return d->reload.started + 1;
	}
	daemon_reload_begin(d);
	/* Loaded already when no child could be started. */
	return d->reload.started;
}

static void
daemon_reload_cb(evutil_socket_t fd, short ev, void *arg)
{
	daemon_reload(arg);
}

void
daemon_request_reload(struct director *d)
{
	/* event_active() on an already active event is a no-op. */
	event_active(d->ev_reload, EV_TIMEOUT, 0);
}

long long
daemon_uptime(const struct director *d)
{
	return (long long)(time(NULL) - d->started);
}

/* The full state: what directorctl vrrp, checks and ipvs show. */
static void
daemon_dump_views(struct director *d, FILE *fp)
{
	static const char *const views[] = { "vrrp", "checks", "ipvs" };
	struct ctl_req		 req;
	struct evbuffer		*b;
	const struct ctl_cmd	*cmd;
	char			 err[256];
	size_t			 i, len;

	for (i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
		if ((cmd = ctl_find(views[i])) == NULL ||
		    (b = evbuffer_new()) == NULL)
			continue;
		memset(&req, 0, sizeof(req));
		req.argv[0] = (char *)views[i];
		req.argc = 1;
		fprintf(fp, "--- %s\n", views[i]);
		if (ctl_run_view(d, cmd, &req, b, err, sizeof(err)) == -1)
			fprintf(fp, "%s\n", err);
		if ((len = evbuffer_get_length(b)) > 0)
			fwrite(evbuffer_pullup(b, -1), 1, len, fp);
		evbuffer_free(b);
	}
}

static void
daemon_dump_to(struct director *d, FILE *fp)
{
	const struct cfg	*c = d->cfg;
	char			 v[16];
	size_t			 i, nrs = 0;

	for (i = 0; i < c->nvs; i++)
		nrs += c->vs[i].nrs;
	fprintf(fp, "state dump: director %s pid %ld uptime %llds\n",
	    PACKAGE_VERSION, (long)getpid(), daemon_uptime(d));
	fprintf(fp, "config %s generation %llu: %zu vrrp instances, %zu sync "
	    "groups, %zu virtual servers, %zu real servers\n", d->cfg_file,
	    (unsigned long long)d->generation, c->nvrrp, c->ngroups, c->nvs,
	    nrs);
	fprintf(fp, "reloads: %llu ok, %llu failed%s%s\n",
	    (unsigned long long)d->reload.n_ok,
	    (unsigned long long)d->reload.n_failed,
	    d->reload.first_error ? "; last error: " : "",
	    d->reload.first_error ? d->reload.first_error : "");
	if (d->ipvs.available)
		fprintf(fp, "ipvs: available, version %s\n",
		    ipvs_version_str(d->ipvs.version, v, sizeof(v)));
	else
		fprintf(fp, "ipvs: unavailable: %s\n", d->ipvs.reason);
	daemon_dump_views(d, fp);
}

void
daemon_dump(struct director *d)
{
	const char	*path = d->cfg->global.dump_file;
	char		*buf = NULL, *line, *save;
	size_t		 len = 0;
	FILE		*fp;

	if (path != NULL) {
		if ((fp = fopen(path, "ae")) == NULL) {
			log_warn("state dump: %s", path);
			return;
		}
		daemon_dump_to(d, fp);
		fclose(fp);
		log_info("state dump written to %s", path);
		return;
	}
	if ((fp = open_memstream(&buf, &len)) == NULL) {
		log_warn("state dump");
		return;
	}
	daemon_dump_to(d, fp);
	fclose(fp);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		log_info("%s", line);
	free(buf);
}

static void
daemon_signal_cb(evutil_socket_t sig, short ev, void *arg)
{
	struct director *d = arg;

	switch (sig) {
	case SIGHUP:
		daemon_request_reload(d);
		break;
	case SIGUSR1:
		daemon_dump(d);
		break;
	case SIGTERM:
	case SIGINT:
		if (d->stopping)
			break;
		d->stopping = true;
		log_info("received %s, shutting down",
		    sig == SIGTERM ? "SIGTERM" : "SIGINT");
		daemon_notify("STOPPING=1");
		event_base_loopexit(d->base, NULL);
		break;
	}
}

int
daemon_start(struct director *d)
{
	static const int sigs[] = { SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	static const struct timeval max_dispatch = { 0, 500 };
	struct event_config	*ecfg;
	uid_t			 uid;
	gid_t			 gid;
	size_t			 i;

	signal(SIGPIPE, SIG_IGN);
	d->started = time(NULL);
	d->generation = 1;
	daemon_apply_globals(d);
	/*
	 * Precise timers: the default coarse clock (4 ms here) made 10 ms
	 * adverts go out every 12 ms (measured in bench/vrrp-failover).
	 * Priorities alone only order the callbacks of one pass: a pass of
	 * 32 health check connects (about 50 us each on loopback) kept a
	 * due advert waiting 2-5 ms at 5,000 checks. So below VRRP's
	 * priority, libevent looks for due events again after 0.5 ms.
	 */
	if ((ecfg = event_config_new()) == NULL ||
	    event_config_set_flag(ecfg, EVENT_BASE_FLAG_PRECISE_TIMER) == -1 ||
	    event_config_set_max_dispatch_interval(ecfg, &max_dispatch, -1,
	    1) == -1 ||
	    (d->base = event_base_new_with_config(ecfg)) == NULL) {
		if (ecfg != NULL)
			event_config_free(ecfg);
		log_warnx("cannot create the event loop");
		return -1;
	}
	event_config_free(ecfg);
	/* 0: VRRP, 1: everything else, 2: bulk IPVS work in slices. */
	if (event_base_priority_init(d->base, 3) == -1) {
		log_warnx("cannot set event priorities");
		return -1;
	}
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d->ev_signals[i] = evsignal_new(d->base, sigs[i],
		    daemon_signal_cb, d);
		if (d->ev_signals[i] == NULL ||
		    evsignal_add(d->ev_signals[i], NULL) == -1) {
			log_warnx("cannot watch signal %d", sigs[i]);
			return -1;
		}
	}
	if ((d->ev_reload = event_new(d->base, -1, 0, daemon_reload_cb,
	    d)) == NULL)
		return -1;
	malloc_trim(0);		/* after the first config load */
	daemon_probe_ipvs(d);
	daemon_apply_globals(d);
	if (d->ipvs_nl != NULL && (d->lb = lb_new(d, &ipvs_backend_netlink,
	    d->ipvs_nl)) == NULL) {
		log_warnx("IPVS: cannot start the engine");
		return -1;
	}
	if ((d->procs = proc_runner_new(d->base)) == NULL ||
	    (d->notify = notify_new(d->procs)) == NULL) {
		log_warnx("cannot start the script runner");
		return -1;
	}
	daemon_apply_globals(d);
	if (proc_lookup_user(d->cfg->global.script_user, &uid, &gid) == -1)
		uid = gid = 0;
	daemon_group_reset(d);
	if ((d->vrrp = vrrp_new(d->base, d->procs, uid, gid, d->cfg,
	    daemon_vrrp_hook, d)) == NULL) {
		log_warnx("VRRP: cannot start the engine");
		return -1;
	}
	if (daemon_start_hc(d, uid, gid) == -1)
		return -1;
	if ((d->ctl = ctl_open(d, d->sock_path)) == NULL)
		return -1;
	if ((d->metrics = metrics_new(d)) == NULL)
		log_warnx("metrics: not served");
	/* Before the capabilities go: CAP_SYS_NICE is not kept. */
	daemon_realtime(d);
	if (daemon_drop_caps(d) == -1)
		return -1;
	log_info("director %s started: config %s, generation 1, control "
	    "socket %s", PACKAGE_VERSION, d->cfg_file, d->sock_path);
	daemon_notify("READY=1");
	return 0;
}

/* Gives stop scripts up to 5 s to run before the loop goes away. */
static void
daemon_drain_notify(struct director *d)
{
	struct timeval	tv = { 0, 50000 };
	int		i;

	for (i = 0; i < 100 && d->notify != NULL && notify_busy(d->notify);
	    i++) {
		event_base_loopexit(d->base, &tv);
		event_base_dispatch(d->base);
	}
}

void
daemon_run(struct director *d)
{
	size_t i;

	event_base_dispatch(d->base);
	/* A load in flight is dropped: the running config stops as it is. */
	cfg_loader_cancel(d->reload.loader);
	d->reload.loader = NULL;
	ctl_close(d->ctl);
	d->ctl = NULL;
	metrics_free(d->metrics);
	d->metrics = NULL;
	/* Masters announce priority 0 first, so the backup takes over now. */
	if (d->vrrp != NULL) {
		vrrp_shutdown(d->vrrp);
		vrrp_free(d->vrrp);
		d->vrrp = NULL;
	}
	hc_engine_free(d->hc);
	d->hc = NULL;
	hc_http_free(d->http);
	d->http = NULL;
	daemon_drain_notify(d);
	notify_free(d->notify);
	d->notify = NULL;
	proc_runner_free(d->procs);
	d->procs = NULL;
	if (d->ipvs_nl != NULL && d->sync_role != 0) {
		ipvs_nl_daemon_stop(d->ipvs_nl, IP_VS_STATE_MASTER);
		ipvs_nl_daemon_stop(d->ipvs_nl, IP_VS_STATE_BACKUP);
	}
	if (d->lb != NULL) {
		lb_shutdown(d->lb);
		lb_free(d->lb);
		d->lb = NULL;
	}
	ipvs_nl_close(d->ipvs_nl);
	d->ipvs_nl = NULL;
	for (i = 0; i < sizeof(d->ev_signals) / sizeof(d->ev_signals[0]); i++)
		if (d->ev_signals[i] != NULL)
			event_free(d->ev_signals[i]);
	if (d->ev_reload != NULL)
		event_free(d->ev_reload);
	if (d->ev_rt != NULL)
		event_free(d->ev_rt);
	event_base_free(d->base);
	d->base = NULL;
	free(d->reload.first_error);
	d->reload.first_error = NULL;
	cfg_errors_free(&d->reload.errs);
	free(d->group_state);
	d->group_state = NULL;
	log_info("director stopped");
}
