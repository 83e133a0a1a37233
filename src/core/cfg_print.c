/*
 * cfg_print.c - the canonical form of a parsed config (director -p).
 *
 * Every key is written, defaults included, in a fixed order, so the output
 * is a complete statement of what the daemon runs with and parses back to
 * the same config. Golden tests compare it byte for byte.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#include <event2/buffer.h>

#include "cfg_priv.h"

const char *cfg_sched_flag_name(const char *sched, uint32_t flag);

struct pr {
	struct evbuffer	*b;
	int		 ind;
};

static void pr_line(struct pr *, const char *, ...) LOG_FMT(2, 3);

static void
pr_indent(struct pr *pr)
{
	int i;

	for (i = 0; i < pr->ind; i++)
		evbuffer_add(pr->b, "  ", 2);
}

static void
pr_line(struct pr *pr, const char *fmt, ...)
{
	va_list ap;

	pr_indent(pr);
	va_start(ap, fmt);
	evbuffer_add_vprintf(pr->b, fmt, ap);
	va_end(ap);
	evbuffer_add(pr->b, "\n", 1);
}

static void
pr_quoted(struct evbuffer *b, const char *s)
{
	evbuffer_add(b, "\"", 1);
	for (; *s != '\0'; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			evbuffer_add_printf(b, "\\%c", c);
		else if (c == '\n')
			evbuffer_add(b, "\\n", 2);
		else if (c == '\r')
			evbuffer_add(b, "\\r", 2);
		else if (c == '\t')
			evbuffer_add(b, "\\t", 2);
		else if (c < 0x20 || c == 0x7f)
			evbuffer_add_printf(b, "\\x%02x", c);
		else
			evbuffer_add(b, &c, 1);
	}
	evbuffer_add(b, "\"", 1);
}

static void
pr_str(struct pr *pr, const char *key, const char *v)
{
	if (v == NULL)
		return;
	pr_indent(pr);
	evbuffer_add_printf(pr->b, "%s = ", key);
	pr_quoted(pr->b, v);
	evbuffer_add(pr->b, ";\n", 2);
}

static void
pr_bool(struct pr *pr, const char *key, bool v)
{
	pr_line(pr, "%s = %s;", key, v ? "true" : "false");
}

/* Milliseconds as seconds with at least one decimal: 2000 -> "2.0". */
static void
pr_secs(struct pr *pr, const char *key, uint32_t ms)
{
	char	frac[8];
	size_t	n;

	snprintf(frac, sizeof(frac), "%03u", ms % 1000);
	for (n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
		frac[n - 1] = '\0';
	pr_line(pr, "%s = %u.%s;", key, ms / 1000, frac);
}

static void
pr_addr(struct pr *pr, const char *key, const struct addr *a, bool prefix)
{
	char buf[ADDR_STRLEN];

	if (addr_is_set(a))
		pr_str(pr, key, addr_fmt(a, prefix, buf, sizeof(buf)));
}

static void
pr_argv(struct pr *pr, const char *key, const struct cfg_argv *a)
{
	int i;

	if (a->argv == NULL)
		return;
	pr_indent(pr);
	evbuffer_add_printf(pr->b, "%s = [ ", key);
	for (i = 0; i < a->argc; i++) {
		pr_quoted(pr->b, a->argv[i]);
		evbuffer_add_printf(pr->b, i + 1 < a->argc ? ", " : " ");
	}
	evbuffer_add(pr->b, "];\n", 3);
}

static void
pr_open(struct pr *pr, const char *key, char bracket)
{
	if (key != NULL)
		pr_line(pr, "%s = %c", key, bracket);
	else
		pr_line(pr, "%c", bracket);
	pr->ind++;
}

static void
pr_close(struct pr *pr, char bracket, bool last_in_list, bool in_list)
{
	pr->ind--;
	if (in_list)
		pr_line(pr, "%c%s", bracket, last_in_list ? "" : ",");
	else
		pr_line(pr, "%c;", bracket);
}

static void
pr_global(struct pr *pr, const struct cfg_global *g)
{
	pr_open(pr, "global", '{');
	pr_str(pr, "router_id", g->router_id);
	pr_str(pr, "log_facility", log_facility_name(g->log_facility));
	pr_str(pr, "log_level", log_level_name(g->log_level));
	pr_str(pr, "control_socket", g->control_socket);
	pr_str(pr, "script_user", g->script_user);
	pr_bool(pr, "script_security", g->script_security);
	pr_bool(pr, "drop_capabilities", g->drop_capabilities);
	pr_argv(pr, "notify", &g->notify);
	pr_str(pr, "notify_fifo", g->notify_fifo);
	pr_str(pr, "metrics_listen", g->metrics_listen);
	pr_str(pr, "dump_file", g->dump_file);
	pr_line(pr, "realtime_priority = %d;", g->realtime_priority);
	pr_open(pr, "ipvs", '{');
	pr_bool(pr, "load_module", g->ipvs_load_module);
	pr_bool(pr, "purge_unknown", g->ipvs_purge_unknown);
	pr_secs(pr, "drift_check_interval", g->ipvs_drift_interval);
	if (g->sync_ifname != NULL) {
		pr_open(pr, "sync_daemon", '{');
		pr_str(pr, "interface", g->sync_ifname);
		pr_line(pr, "sync_id = %u;", g->sync_id);
		pr_close(pr, '}', true, false);
	}
	pr_open(pr, "timeouts", '{');
	pr_line(pr, "tcp = %u;", g->timeout_tcp);
	pr_line(pr, "tcp_fin = %u;", g->timeout_tcp_fin);
	pr_line(pr, "udp = %u;", g->timeout_udp);
	pr_close(pr, '}', true, false);
	pr_close(pr, '}', true, false);
	pr_close(pr, '}', true, false);
}

static void
pr_vrrp_scripts(struct pr *pr, const struct cfg *c)
{
	const struct cfg_vrrp_script	*s;
	size_t				 i;

	pr_open(pr, "vrrp_scripts", '(');
	for (i = 0; i < c->nvrrp_scripts; i++) {
		s = &c->vrrp_scripts[i];
		pr_open(pr, NULL, '{');
		pr_str(pr, "name", s->name);
		pr_argv(pr, "script", &s->argv);
		pr_secs(pr, "interval", s->interval);
		pr_secs(pr, "timeout", s->timeout);
		pr_line(pr, "rise = %u;", s->rise);
		pr_line(pr, "fall = %u;", s->fall);
		pr_line(pr, "weight = %d;", s->weight);
		pr_close(pr, '}', i + 1 == c->nvrrp_scripts, true);
	}
	pr_close(pr, ')', true, false);
}

static void
pr_notify(struct pr *pr, const struct cfg_vrrp_notify *n)
{
	if (!n->master.argv && !n->backup.argv && !n->fault.argv &&
	    !n->stop.argv && !n->any.argv)
		return;
	pr_open(pr, "notify", '{');
	pr_argv(pr, "master", &n->master);
	pr_argv(pr, "backup", &n->backup);
	pr_argv(pr, "fault", &n->fault);
	pr_argv(pr, "stop", &n->stop);
	pr_argv(pr, "any", &n->any);
	pr_close(pr, '}', true, false);
}

static void
pr_vips(struct pr *pr, const struct cfg_vrrp *vr)
{
	const struct cfg_vip	*v;
	size_t			 i;

	pr_open(pr, "virtual_addresses", '(');
	for (i = 0; i < vr->nvips; i++) {
		v = &vr->vips[i];
		pr_open(pr, NULL, '{');
		pr_addr(pr, "address", &v->addr, true);
		pr_str(pr, "device", v->dev);
		pr_str(pr, "label", v->label);
		pr_close(pr, '}', i + 1 == vr->nvips, true);
	}
	pr_close(pr, ')', true, false);
}

static void
pr_tracking(struct pr *pr, const struct cfg_vrrp *vr)
{
	size_t i;

	/* Names were checked to need no quoting. */
	pr_open(pr, "track_interfaces", '(');
	for (i = 0; i < vr->ntrack_ifs; i++)
		pr_line(pr, "{ interface = \"%s\"; weight = %d; }%s",
		    vr->track_ifs[i].ifname, vr->track_ifs[i].weight,
		    i + 1 == vr->ntrack_ifs ? "" : ",");
	pr_close(pr, ')', true, false);
	pr_open(pr, "track_scripts", '(');
	for (i = 0; i < vr->ntrack_scripts; i++)
		pr_line(pr, "{ name = \"%s\"; weight = %d; }%s",
		    vr->track_scripts[i].name, vr->track_scripts[i].weight,
		    i + 1 == vr->ntrack_scripts ? "" : ",");
	pr_close(pr, ')', true, false);
}

static void
pr_vrrp_instance(struct pr *pr, const struct cfg_vrrp *vr)
{
	char	buf[ADDR_STRLEN];
	size_t	i;

	pr_str(pr, "name", vr->name);
	pr_str(pr, "interface", vr->ifname);
	pr_line(pr, "virtual_router_id = %u;", vr->vrid);
	pr_line(pr, "priority = %u;", vr->priority);
	pr_bool(pr, "address_owner", vr->address_owner);
	pr_line(pr, "version = %u;", vr->version);
	pr_secs(pr, "advert_interval", vr->advert_cs * 10u);
	pr_bool(pr, "preempt", vr->preempt);
	pr_secs(pr, "preempt_delay", vr->preempt_delay);
	pr_bool(pr, "accept", vr->accept);
	pr_vips(pr, vr);
	pr_addr(pr, "unicast_source", &vr->unicast_src, false);
	if (vr->npeers > 0) {
		pr_indent(pr);
		evbuffer_add_printf(pr->b, "unicast_peers = [ ");
		for (i = 0; i < vr->npeers; i++)
			evbuffer_add_printf(pr->b, "\"%s\"%s", addr_fmt(
			    &vr->peers[i], false, buf, sizeof(buf)),
			    i + 1 < vr->npeers ? ", " : " ");
		evbuffer_add(pr->b, "];\n", 3);
	}
	pr_str(pr, "auth_pass", vr->auth_pass);
	pr_tracking(pr, vr);
	pr_notify(pr, &vr->notify);
	pr_open(pr, "garp", '{');
	pr_line(pr, "count = %u;", vr->garp.count);
	pr_secs(pr, "interval", vr->garp.interval);
	pr_secs(pr, "refresh", vr->garp.refresh);
	pr_close(pr, '}', true, false);
	pr_bool(pr, "use_vmac", vr->use_vmac);
	pr_str(pr, "vmac_interface", vr->vmac_ifname);
}

static void
pr_vrrp(struct pr *pr, const struct cfg *c)
{
	size_t i, j;

	pr_open(pr, "vrrp_instances", '(');
	for (i = 0; i < c->nvrrp; i++) {
		pr_open(pr, NULL, '{');
		pr_vrrp_instance(pr, &c->vrrp[i]);
		pr_close(pr, '}', i + 1 == c->nvrrp, true);
	}
	pr_close(pr, ')', true, false);
	pr_open(pr, "sync_groups", '(');
	for (i = 0; i < c->ngroups; i++) {
		const struct cfg_sync_group *sg = &c->groups[i];

		pr_open(pr, NULL, '{');
		pr_str(pr, "name", sg->name);
		pr_indent(pr);
		evbuffer_add_printf(pr->b, "instances = [ ");
		for (j = 0; j < sg->nmembers; j++) {
			pr_quoted(pr->b, sg->members[j]);
			evbuffer_add_printf(pr->b, j + 1 < sg->nmembers ?
			    ", " : " ");
		}
		evbuffer_add(pr->b, "];\n", 3);
		pr_notify(pr, &sg->notify);
		pr_close(pr, '}', i + 1 == c->ngroups, true);
	}
	pr_close(pr, ')', true, false);
}

static void
pr_fwd(struct pr *pr, const struct cfg_fwd_conf *f)
{
	pr_str(pr, "forwarding", cfg_fwd_name(f->method));
	if (f->method != FWD_TUN)
		return;
	pr_open(pr, "tunnel", '{');
	pr_str(pr, "type", cfg_enum_name(cfg_tun_names, f->tun_type));
	if (f->tun_type == TUN_GUE)
		pr_line(pr, "port = %u;", f->tun_port);
	if (f->tun_type != TUN_IPIP)
		pr_str(pr, "checksum", cfg_enum_name(cfg_csum_names,
		    f->tun_csum));
	pr_close(pr, '}', true, false);
}

static void
pr_check_type_opts(struct pr *pr, const struct cfg_check *ck)
{
	size_t i;

	switch (ck->type) {
	case CHECK_TCP:
		pr_str(pr, "send", ck->send);
		pr_str(pr, "expect", ck->expect);
		break;
	case CHECK_HTTP:
	case CHECK_HTTPS:
		pr_str(pr, "method", ck->method);
		pr_str(pr, "path", ck->path);
		pr_str(pr, "host", ck->host);
		if (ck->nstatus > 0) {
			pr_indent(pr);
			evbuffer_add_printf(pr->b, "status = [ ");
			for (i = 0; i < ck->nstatus; i++) {
				if (ck->status[i].lo == ck->status[i].hi)
					evbuffer_add_printf(pr->b, "\"%u\"",
					    ck->status[i].lo);
				else
					evbuffer_add_printf(pr->b, "\"%u-%u\"",
					    ck->status[i].lo, ck->status[i].hi);
				evbuffer_add_printf(pr->b, i + 1 < ck->nstatus ?
				    ", " : " ");
			}
			evbuffer_add(pr->b, "];\n", 3);
		} else
			pr_line(pr, "status = [ \"200-299\" ];");
		pr_str(pr, "body_regex", ck->body_regex);
		if (ck->digest_alg != DIGEST_NONE)
			pr_line(pr, "digest = \"%s:%s\";", ck->digest_alg ==
			    DIGEST_MD5 ? "md5" : "sha256", ck->digest);
		pr_line(pr, "max_body = %u;", ck->max_body);
		pr_str(pr, "weight_header", ck->weight_header);
		if (ck->type == CHECK_HTTP)
			break;
		/* FALLTHROUGH */
	case CHECK_TLS:
		pr_bool(pr, "tls_verify", ck->tls_verify);
		pr_str(pr, "ca_file", ck->ca_file);
		pr_str(pr, "client_cert", ck->client_cert);
		pr_str(pr, "client_key", ck->client_key);
		pr_str(pr, "sni", ck->sni);
		if (ck->type == CHECK_TLS)
			pr_line(pr, "cert_expiry_warn_days = %u;",
			    ck->cert_expiry_warn_days);
		break;
	case CHECK_SCRIPT:
		pr_argv(pr, "script", &ck->script);
		pr_bool(pr, "dynamic_weight", ck->dynamic_weight);
		break;
	case CHECK_NONE:
		break;
	}
}

static void
pr_check(struct pr *pr, const struct cfg_check *ck)
{
	if (ck->type == CHECK_NONE)
		return;
	pr_open(pr, "check", '{');
	pr_str(pr, "type", cfg_check_type_name(ck->type));
	pr_secs(pr, "interval", ck->interval);
	pr_secs(pr, "timeout", ck->timeout);
	if (ck->connect_timeout != 0)
		pr_secs(pr, "connect_timeout", ck->connect_timeout);
	pr_secs(pr, "retry_delay", ck->retry_delay);
	pr_line(pr, "rise = %u;", ck->rise);
	pr_line(pr, "fall = %u;", ck->fall);
	pr_str(pr, "initial_state", ck->initial_up ? "up" : "down");
	if (ck->port != 0)
		pr_line(pr, "port = %u;", ck->port);
	pr_addr(pr, "source_address", &ck->source, false);
	pr_check_type_opts(pr, ck);
	pr_close(pr, '}', true, false);
}

static void
pr_rs(struct pr *pr, const struct cfg_rs *rs, bool sorry)
{
	pr_addr(pr, "address", &rs->addr, false);
	pr_line(pr, "port = %u;", rs->port);
	pr_line(pr, "weight = %d;", rs->weight);
	if (!sorry)
		pr_line(pr, "max_weight = %d;", rs->max_weight);
	pr_fwd(pr, &rs->fwd);
	if (sorry)
		return;
	pr_line(pr, "upper_threshold = %u;", rs->upper_threshold);
	pr_line(pr, "lower_threshold = %u;", rs->lower_threshold);
	pr_secs(pr, "slow_start", rs->slow_start);
	if (rs->notify_up.argv || rs->notify_down.argv) {
		pr_open(pr, "notify", '{');
		pr_argv(pr, "up", &rs->notify_up);
		pr_argv(pr, "down", &rs->notify_down);
		pr_close(pr, '}', true, false);
	}
	pr_check(pr, &rs->check);
}

static void
pr_vs_head(struct pr *pr, const struct cfg_vs *vs)
{
	struct in_addr	m;
	char		buf[INET_ADDRSTRLEN];
	uint32_t	f;

	pr_str(pr, "name", vs->name);
	if (vs->fwmark != 0) {
		pr_line(pr, "fwmark = %u;", vs->fwmark);
		pr_str(pr, "family", vs->af == AF_INET6 ? "inet6" : "inet");
	} else {
		pr_addr(pr, "address", &vs->addr, false);
		pr_line(pr, "port = %u;", vs->port);
		pr_str(pr, "protocol", cfg_proto_name(vs->protocol));
	}
	pr_str(pr, "scheduler", vs->scheduler);
	pr_indent(pr);
	evbuffer_add_printf(pr->b, "scheduler_flags = [");
	for (f = CFG_SCHED_F_1; f <= CFG_SCHED_F_3; f <<= 1)
		if (vs->sched_flags & f)
			evbuffer_add_printf(pr->b, "%s\"%s\"", (vs->sched_flags &
			    (f - 1)) ? ", " : " ", cfg_sched_flag_name(
			    vs->scheduler, f));
	evbuffer_add_printf(pr->b, "%s];\n", vs->sched_flags ? " " : " ");
	pr_fwd(pr, &vs->fwd);
	pr_line(pr, "persistence_timeout = %u;", vs->persistence_timeout);
	if (vs->persistence_timeout != 0 && vs->af == AF_INET6)
		pr_line(pr, "persistence_netmask = %u;",
		    vs->persistence_netmask);
	else if (vs->persistence_timeout != 0) {
		m.s_addr = htonl(vs->persistence_netmask);
		pr_str(pr, "persistence_netmask", inet_ntop(AF_INET, &m, buf,
		    sizeof(buf)));
	}
	pr_bool(pr, "one_packet", vs->one_packet);
	pr_line(pr, "quorum = %u;", vs->quorum);
	pr_line(pr, "hysteresis = %u;", vs->hysteresis);
	pr_bool(pr, "inhibit_on_failure", vs->inhibit_on_failure);
}

static void
pr_vs(struct pr *pr, const struct cfg_vs *vs)
{
	size_t i;

	pr_vs_head(pr, vs);
	if (vs->has_sorry) {
		pr_open(pr, "sorry_server", '{');
		pr_rs(pr, &vs->sorry, true);
		pr_close(pr, '}', true, false);
	}
	if (vs->notify_quorum_up.argv || vs->notify_quorum_down.argv) {
		pr_open(pr, "notify", '{');
		pr_argv(pr, "quorum_up", &vs->notify_quorum_up);
		pr_argv(pr, "quorum_down", &vs->notify_quorum_down);
		pr_close(pr, '}', true, false);
	}
	pr_open(pr, "real_servers", '(');
	for (i = 0; i < vs->nrs; i++) {
		pr_open(pr, NULL, '{');
		pr_rs(pr, &vs->rs[i], false);
		pr_close(pr, '}', i + 1 == vs->nrs, true);
	}
	pr_close(pr, ')', true, false);
}

void
cfg_print_vs(const struct cfg_vs *vs, struct evbuffer *b)
{
	struct pr pr = { b, 0 };

	pr_vs(&pr, vs);
}

void
cfg_print(const struct cfg *c, struct evbuffer *b)
{
	struct pr	pr = { b, 0 };
	size_t		i;

	pr_line(&pr, "# director canonical configuration");
	pr_global(&pr, &c->global);
	pr_vrrp_scripts(&pr, c);
	pr_vrrp(&pr, c);
	pr_open(&pr, "virtual_servers", '(');
	for (i = 0; i < c->nvs; i++) {
		pr_open(&pr, NULL, '{');
		pr_vs(&pr, &c->vs[i]);
		pr_close(&pr, '}', i + 1 == c->nvs, true);
	}
	pr_close(&pr, ')', true, false);
}
