/*
 * cfg_vs.c - the virtual_servers section: services, real servers, checks.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cfg_priv.h"

static const struct cfg_enum family_names[] = {
	{ "inet", AF_INET }, { "inet6", AF_INET6 }, { NULL, 0 },
};

/* Keys each check type accepts besides the common ones. */
static const char *const check_common[] = { "type", "interval", "timeout",
	"connect_timeout", "retry_delay", "rise", "fall", "initial_state",
	"port", "source_address", NULL };
static const char *const check_tcp[] = { "send", "expect", NULL };
static const char *const check_http[] = { "method", "path", "host",
	"status", "body_regex", "digest", "max_body", "weight_header", NULL };
static const char *const check_https[] = { "method", "path", "host",
	"status", "body_regex", "digest", "max_body", "weight_header",
	"tls_verify", "ca_file", "client_cert", "client_key", "sni", NULL };
static const char *const check_tls[] = { "tls_verify", "ca_file",
	"client_cert", "client_key", "sni", "cert_expiry_warn_days", NULL };
static const char *const check_script[] = { "script", "dynamic_weight",
	NULL };

static const char *const *
check_type_keys(enum cfg_check_type t)
{
	switch (t) {
	case CHECK_TCP:
		return check_tcp;
	case CHECK_HTTP:
		return check_http;
	case CHECK_HTTPS:
		return check_https;
	case CHECK_TLS:
		return check_tls;
	case CHECK_SCRIPT:
		return check_script;
	default:
		return NULL;
	}
}

/* Unknown keys, or keys that belong to another check type. */
static void
cfg_check_check_keys(struct cfg_parser *p, const config_setting_t *g,
    enum cfg_check_type t)
{
	static const char *const *const all[] = { check_common, check_tcp,
	    check_https, check_tls, check_script };
	const char		*keys[64];
	const char *const	*tk = check_type_keys(t);
	const config_setting_t	*s;
	size_t			 n = 0, i, k;
	int			 e;

	for (i = 0; check_common[i] != NULL; i++)
		keys[n++] = check_common[i];
	for (i = 0; tk != NULL && tk[i] != NULL; i++)
		keys[n++] = tk[i];
	keys[n] = NULL;
	for (e = 0; (s = config_setting_get_elem(g, e)) != NULL; e++) {
		const char *name = config_setting_name(s);

		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], name) == 0)
				break;
		if (keys[i] != NULL)
			continue;
		for (i = 1; i < sizeof(all) / sizeof(all[0]); i++)
			for (k = 0; all[i][k] != NULL; k++)
				if (strcmp(all[i][k], name) == 0)
					goto other;
		continue;
other:
		cfg_error(p, s, "\"%s\" is not valid in a %s check", name,
		    cfg_check_type_name(t));
	}
	/* Keys of no check type at all get the usual "did you mean". */
	{
		const char *every[64];

		n = 0;
		for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
			for (k = 0; all[i][k] != NULL; k++)
				every[n++] = all[i][k];
		every[n] = NULL;
		cfg_check_keys(p, g, every, "check");
	}
}

/* "200", 204, "200-299": each a code or a range of codes. */
static void
cfg_check_status(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_check *ck)
{
	const config_setting_t	*list, *e;
	struct cfg_status_range	*r;
	unsigned long		 lo, hi;
	char			*end;
	const char		*s;
	size_t			 i, n;

	if ((list = cfg_get_list(p, g, "status", &n)) == NULL)
		return;
	ck->status = arena_calloc(&p->cfg->arena, n, sizeof(*r));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, i);
		r = &ck->status[ck->nstatus];
		if (config_setting_type(e) == CONFIG_TYPE_INT) {
			lo = hi = (unsigned long)config_setting_get_int(e);
		} else if (config_setting_type(e) == CONFIG_TYPE_STRING) {
			s = config_setting_get_string(e);
			lo = hi = strtoul(s, &end, 10);
			if (*end == '-')
				hi = strtoul(end + 1, &end, 10);
			if (!isdigit((unsigned char)*s) || *end != '\0')
				lo = 0;
		} else
			lo = 0;
		if (lo < 100 || hi > 599 || lo > hi) {
			cfg_error(p, e, "status: element %zu is not an HTTP "
			    "status code (100-599) or a range like \"200-299\"",
			    i + 1);
			continue;
		}
		r->lo = lo;
		r->hi = hi;
		ck->nstatus++;
	}
}

/* "md5:<32 hex>" or "sha256:<64 hex>" */
static void
cfg_check_digest(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_check *ck)
{
	char	*v, *hex;
	size_t	 want, i;

	if (cfg_get_str(p, g, "digest", &v) != 1)
		return;
	if (strncmp(v, "md5:", 4) == 0) {
		ck->digest_alg = DIGEST_MD5;
		want = 32;
	} else if (strncmp(v, "sha256:", 7) == 0) {
		ck->digest_alg = DIGEST_SHA256;
		want = 64;
	} else
		want = 0;
	hex = strchr(v, ':');
	for (i = 0; hex != NULL && hex[i + 1] != '\0'; i++) {
		if (!isxdigit((unsigned char)hex[i + 1]))
			break;
		hex[i + 1] = tolower((unsigned char)hex[i + 1]);
	}
	if (want == 0 || hex[i + 1] != '\0' || i != want) {
		cfg_error(p, config_setting_get_member(g, "digest"), "digest: "
		    "expected \"md5:<32 hex digits>\" or \"sha256:<64 hex "
		    "digits>\"");
		ck->digest_alg = DIGEST_NONE;
		return;
	}
	ck->digest = hex + 1;
}

static void
cfg_check_defaults(struct cfg_check *ck)
{
	ck->interval = 2000;
	ck->timeout = 1000;
	ck->retry_delay = 1000;
	ck->rise = 2;
	ck->fall = 3;
	ck->initial_up = true;
	ck->max_body = 65536;
	ck->tls_verify = true;
	if (ck->type == CHECK_HTTP || ck->type == CHECK_HTTPS) {
		ck->method = "GET";
		ck->path = "/";
	}
	if (ck->type == CHECK_TLS)
		ck->cert_expiry_warn_days = 14;
}

static void
cfg_check_type_opts(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_check *ck)
{
	long long v;

	cfg_get_str(p, g, "send", &ck->send);
	cfg_get_str(p, g, "expect", &ck->expect);
	cfg_get_name(p, g, "method", &ck->method);
	if (cfg_get_str(p, g, "path", &ck->path) == 1 && ck->path[0] != '/')
		cfg_error(p, config_setting_get_member(g, "path"),
		    "path: must start with /");
	cfg_get_str(p, g, "host", &ck->host);
	cfg_check_status(p, g, ck);
	cfg_get_str(p, g, "body_regex", &ck->body_regex);
	cfg_check_digest(p, g, ck);
	if (cfg_get_int(p, g, "max_body", 0, 64 * 1024 * 1024, &v) == 1)
		ck->max_body = v;
	cfg_get_str(p, g, "weight_header", &ck->weight_header);
	cfg_get_bool(p, g, "tls_verify", &ck->tls_verify);
	cfg_get_path(p, g, "ca_file", &ck->ca_file);
	cfg_get_path(p, g, "client_cert", &ck->client_cert);
	cfg_get_path(p, g, "client_key", &ck->client_key);
	cfg_get_str(p, g, "sni", &ck->sni);
	if (cfg_get_int(p, g, "cert_expiry_warn_days", 0, 3650, &v) == 1)
		ck->cert_expiry_warn_days = v;
	if (cfg_get_argv(p, g, "script", &ck->script) == 0 &&
	    ck->type == CHECK_SCRIPT)
		cfg_error(p, g, "script check: missing \"script\"");
	cfg_get_bool(p, g, "dynamic_weight", &ck->dynamic_weight);
}

static void
cfg_check(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_check *ck)
{
	static const struct cfg_enum states[] = { { "up", 1 }, { "down", 0 },
	    { NULL, 0 } };
	long long	v;
	int		t = CHECK_NONE, st;

	if (!cfg_is_group(p, g, "check"))
		return;
	ck->line = cfg_line(g);
	if (cfg_get_enum(p, g, "type", cfg_check_names, &t) == 0)
		cfg_error(p, g, "check: missing \"type\" (tcp, http, https, "
		    "tls, script)");
	if (t == CHECK_NONE)
		return;
	ck->type = t;
	cfg_check_defaults(ck);
	cfg_check_check_keys(p, g, ck->type);
	cfg_get_secs(p, g, "interval", 10, 86400000, &ck->interval);
	cfg_get_secs(p, g, "timeout", 10, 3600000, &ck->timeout);
	cfg_get_secs(p, g, "connect_timeout", 10, 3600000,
	    &ck->connect_timeout);
	cfg_get_secs(p, g, "retry_delay", 0, 3600000, &ck->retry_delay);
	if (cfg_get_int(p, g, "rise", 1, 100, &v) == 1)
		ck->rise = v;
	if (cfg_get_int(p, g, "fall", 1, 100, &v) == 1)
		ck->fall = v;
	if (cfg_get_enum(p, g, "initial_state", states, &st) == 1)
		ck->initial_up = st;
	cfg_get_port(p, g, "port", &ck->port);
	cfg_get_addr(p, g, "source_address", false, &ck->source);
	cfg_check_type_opts(p, g, ck);
}

/* { type = "gue"; port = 6080; checksum = "remcsum"; } */
static void
cfg_tunnel(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_fwd_conf *f)
{
	static const char *const keys[] = { "type", "port", "checksum", NULL };
	int v;

	const config_setting_t *cs = config_setting_get_member(g, "checksum");

	if (!cfg_is_group(p, g, "tunnel"))
		return;
	/* A tunnel block says everything: nothing is inherited. */
	f->tun_type = TUN_IPIP;
	f->tun_port = 0;
	f->tun_csum = TUN_CSUM_NONE;
	cfg_check_keys(p, g, keys, "tunnel");
	if (cfg_get_enum(p, g, "type", cfg_tun_names, &v) == 1)
		f->tun_type = v;
	cfg_get_port(p, g, "port", &f->tun_port);
	if (cfg_get_enum(p, g, "checksum", cfg_csum_names, &v) == 1)
		f->tun_csum = v;
	if (f->tun_type == TUN_GUE && f->tun_port == 0)
		cfg_error(p, g, "tunnel: a gue tunnel needs a \"port\"");
	if (f->tun_type != TUN_GUE && config_setting_get_member(g, "port"))
		cfg_error(p, config_setting_get_member(g, "port"),
		    "tunnel: \"port\" is only for gue tunnels");
	if (f->tun_type == TUN_IPIP && cs != NULL)
		cfg_error(p, cs, "tunnel: ipip tunnels have no checksum option");
	else if (f->tun_type == TUN_GRE && f->tun_csum == TUN_CSUM_REMCSUM)
		cfg_error(p, cs, "tunnel: remcsum is for gue tunnels only");
}

static void
cfg_fwd(struct cfg_parser *p, const config_setting_t *g, struct cfg_fwd_conf *f)
{
	const config_setting_t	*s;
	int			 v;

	if (cfg_get_enum(p, g, "forwarding", cfg_fwd_names, &v) == 1)
		f->method = v;
	if ((s = config_setting_get_member(g, "tunnel")) != NULL) {
		if (f->method != FWD_TUN)
			cfg_error(p, s, "tunnel: only with forwarding = "
			    "\"tun\"");
		else
			cfg_tunnel(p, s, f);
	}
}

static void
cfg_rs_notify(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_rs *rs)
{
	static const char *const keys[] = { "up", "down", NULL };

	if (!cfg_is_group(p, g, "notify"))
		return;
	cfg_check_keys(p, g, keys, "real server notify");
	cfg_get_argv(p, g, "up", &rs->notify_up);
	cfg_get_argv(p, g, "down", &rs->notify_down);
}

static void
cfg_rs(struct cfg_parser *p, const config_setting_t *g,
    const struct cfg_vs *vs, struct cfg_rs *rs, bool sorry)
{
	static const char *const keys[] = { "address", "port", "weight",
	    "max_weight", "forwarding", "tunnel", "upper_threshold",
	    "lower_threshold", "slow_start", "notify", "check", NULL };
	static const char *const sorry_keys[] = { "address", "port", "weight",
	    "forwarding", "tunnel", NULL };
	const config_setting_t	*s;
	long long		 v;
	size_t			 nerr = p->errs->n;

	rs->line = cfg_line(g);
	rs->port = vs->port;
	rs->weight = 1;
	rs->max_weight = -1;
	rs->fwd = vs->fwd;
	cfg_check_keys(p, g, sorry ? sorry_keys : keys,
	    sorry ? "sorry server" : "real server");
	if (cfg_get_addr(p, g, "address", false, &rs->addr) == 0)
		cfg_error(p, g, "%s: missing \"address\"",
		    sorry ? "sorry server" : "real server");
	cfg_get_port(p, g, "port", &rs->port);
	if (cfg_get_int(p, g, "weight", 0, 65535, &v) == 1)
		rs->weight = v;
	if (cfg_get_int(p, g, "max_weight", 0, 65535, &v) == 1)
		rs->max_weight = v;
	if (rs->max_weight < 0)
		rs->max_weight = rs->weight;
	cfg_fwd(p, g, &rs->fwd);
	if (cfg_get_int(p, g, "upper_threshold", 0, UINT32_MAX, &v) == 1)
		rs->upper_threshold = v;
	if (cfg_get_int(p, g, "lower_threshold", 0, UINT32_MAX, &v) == 1)
		rs->lower_threshold = v;
	cfg_get_secs(p, g, "slow_start", 0, 3600000, &rs->slow_start);
	if ((s = config_setting_get_member(g, "notify")) != NULL)
		cfg_rs_notify(p, s, rs);
	if ((s = config_setting_get_member(g, "check")) != NULL)
		cfg_check(p, s, &rs->check);
	rs->bad = p->errs->n != nerr;
}

static void
cfg_vs_identity(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vs *vs)
{
	long long	v;
	int		fam = AF_INET, has_fam;

	has_fam = cfg_get_enum(p, g, "family", family_names, &fam);
	if (cfg_get_int(p, g, "fwmark", 1, UINT32_MAX, &v) == 1) {
		vs->fwmark = v;
		vs->af = fam;
		if (config_setting_get_member(g, "address") ||
		    config_setting_get_member(g, "port") ||
		    config_setting_get_member(g, "protocol"))
			cfg_error(p, g, "virtual server \"%s\": a fwmark "
			    "service has no address, port or protocol",
			    vs->name ? vs->name : "?");
		return;
	}
	if (has_fam == 1)
		cfg_error(p, config_setting_get_member(g, "family"),
		    "family: only for fwmark services (the address gives "
		    "the family)");
	if (cfg_get_addr(p, g, "address", false, &vs->addr) == 0)
		cfg_error(p, g, "virtual server \"%s\": missing \"address\" "
		    "(or \"fwmark\")", vs->name ? vs->name : "?");
	vs->af = vs->addr.af ? vs->addr.af : AF_INET;
	if (cfg_get_port(p, g, "port", &vs->port) == 0)
		cfg_error(p, g, "virtual server \"%s\": missing \"port\"",
		    vs->name ? vs->name : "?");
	cfg_get_enum(p, g, "protocol", cfg_proto_names, &vs->protocol);
}

/* Scheduler flag names; "flag-N" works with any scheduler. */
static const struct {
	const char	*name;
	const char	*sched;
	uint32_t	 flag;
} sched_flags[] = {
	{ "sh-fallback", "sh", CFG_SCHED_F_1 },
	{ "sh-port", "sh", CFG_SCHED_F_2 },
	{ "mh-fallback", "mh", CFG_SCHED_F_1 },
	{ "mh-port", "mh", CFG_SCHED_F_2 },
	{ "flag-1", NULL, CFG_SCHED_F_1 },
	{ "flag-2", NULL, CFG_SCHED_F_2 },
	{ "flag-3", NULL, CFG_SCHED_F_3 },
};

static void
cfg_vs_sched_flags(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vs *vs)
{
	const config_setting_t	*list, *e;
	const char		*name;
	size_t			 i, k, n;

	if ((list = cfg_get_list(p, g, "scheduler_flags", &n)) == NULL)
		return;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, i);
		name = config_setting_get_string(e);
		for (k = 0; name && k < sizeof(sched_flags) /
		    sizeof(sched_flags[0]); k++)
			if (strcmp(sched_flags[k].name, name) == 0)
				break;
		if (name == NULL || k == sizeof(sched_flags) /
		    sizeof(sched_flags[0]))
			cfg_error(p, e, "scheduler_flags: unknown flag (sh-"
			    "fallback, sh-port, mh-fallback, mh-port, flag-1, "
			    "flag-2, flag-3)");
		else if (sched_flags[k].sched != NULL &&
		    strcmp(sched_flags[k].sched, vs->scheduler) != 0)
			cfg_error(p, e, "scheduler_flags: %s needs scheduler "
			    "\"%s\", not \"%s\"", name, sched_flags[k].sched,
			    vs->scheduler);
		else
			vs->sched_flags |= sched_flags[k].flag;
	}
}

/* Returns the flag names for vs's scheduler, for the printer. */
const char *cfg_sched_flag_name(const char *sched, uint32_t flag);
const char *
cfg_sched_flag_name(const char *sched, uint32_t flag)
{
	size_t k;

	for (k = 0; k < sizeof(sched_flags) / sizeof(sched_flags[0]); k++)
		if (sched_flags[k].flag == flag && (sched_flags[k].sched ==
		    NULL || strcmp(sched_flags[k].sched, sched) == 0))
			return sched_flags[k].name;
	return "?";
}

static void
cfg_vs_persistence(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vs *vs)
{
	const config_setting_t	*s;
	struct addr		 m;
	char			 err[128];
	long long		 v;
	uint32_t		 mask;

	if (cfg_get_int(p, g, "persistence_timeout", 0, UINT32_MAX / 1000,
	    &v) == 1)
		vs->persistence_timeout = v;
	vs->persistence_netmask = vs->af == AF_INET6 ? 128 : 0xffffffff;
	if ((s = config_setting_get_member(g, "persistence_netmask")) == NULL)
		return;
	if (vs->persistence_timeout == 0)
		cfg_error(p, s, "persistence_netmask: needs "
		    "persistence_timeout");
	if (vs->af == AF_INET6) {
		if (cfg_get_int(p, g, "persistence_netmask", 1, 128, &v) == 1)
			vs->persistence_netmask = v;
		return;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING ||
	    addr_parse(config_setting_get_string(s), false, &m, err,
	    sizeof(err)) == -1 || m.af != AF_INET) {
		cfg_error(p, s, "persistence_netmask: expected a netmask like "
		    "\"255.255.255.0\"");
		return;
	}
	mask = ntohl(m.u.v4.s_addr);
	if ((~mask & (~mask + 1)) != 0)
		cfg_error(p, s, "persistence_netmask: %s is not a contiguous "
		    "netmask", config_setting_get_string(s));
	else
		vs->persistence_netmask = mask;
}

static void
cfg_vs_quorum(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vs *vs)
{
	static const char *const keys[] = { "quorum_up", "quorum_down", NULL };
	const config_setting_t	*s;
	long long		 v;

	if (cfg_get_int(p, g, "quorum", 0, UINT32_MAX, &v) == 1)
		vs->quorum = v;
	if (cfg_get_int(p, g, "hysteresis", 0, UINT32_MAX, &v) == 1)
		vs->hysteresis = v;
	if ((s = config_setting_get_member(g, "notify")) != NULL &&
	    cfg_is_group(p, s, "notify")) {
		cfg_check_keys(p, s, keys, "virtual server notify");
		cfg_get_argv(p, s, "quorum_up", &vs->notify_quorum_up);
		cfg_get_argv(p, s, "quorum_down", &vs->notify_quorum_down);
	}
	if ((s = config_setting_get_member(g, "sorry_server")) != NULL &&
	    cfg_is_group(p, s, "sorry_server")) {
		vs->has_sorry = true;
		cfg_rs(p, s, vs, &vs->sorry, true);
	}
}

/* The programs a real server names, which validation must look at. */
static uint32_t
cfg_rs_programs(const struct cfg_rs *rs)
{
	return (rs->notify_up.argv != NULL) + (rs->notify_down.argv != NULL) +
	    (rs->check.script.argv != NULL);
}

static void
cfg_vs(struct cfg_parser *p, const config_setting_t *g, struct cfg_vs *vs)
{
	static const char *const keys[] = { "name", "address", "port",
	    "protocol", "fwmark", "family", "scheduler", "scheduler_flags",
	    "forwarding", "tunnel", "persistence_timeout",
	    "persistence_netmask", "one_packet", "quorum", "hysteresis",
	    "inhibit_on_failure", "sorry_server", "notify", "real_servers",
	    NULL };
	const config_setting_t	*list;
	size_t			 i, n, nerr = p->errs->n;

	vs->line = cfg_line(g);
	vs->owner = p->cfg;
	vs->protocol = IPPROTO_TCP;
	vs->scheduler = "wlc";
	vs->quorum = 1;
	vs->inhibit_on_failure = true;
	cfg_check_keys(p, g, keys, "virtual server");
	if (cfg_get_name(p, g, "name", &vs->name) == 0)
		cfg_error(p, g, "virtual server: missing \"name\"");
	vs->name_hash = cfg_name_hash(vs->name);
	cfg_vs_identity(p, g, vs);
	cfg_get_name(p, g, "scheduler", &vs->scheduler);
	cfg_vs_sched_flags(p, g, vs);
	cfg_fwd(p, g, &vs->fwd);
	cfg_vs_persistence(p, g, vs);
	cfg_get_bool(p, g, "one_packet", &vs->one_packet);
	cfg_get_bool(p, g, "inhibit_on_failure", &vs->inhibit_on_failure);
	cfg_vs_quorum(p, g, vs);
	vs->bad = p->errs->n != nerr;
	vs->nprograms = (vs->notify_quorum_up.argv != NULL) +
	    (vs->notify_quorum_down.argv != NULL) +
	    (vs->has_sorry ? cfg_rs_programs(&vs->sorry) : 0);
	if ((list = cfg_get_list(p, g, "real_servers", &n)) == NULL)
		return;
	vs->rs = arena_calloc(&p->cfg->arena, n, sizeof(*vs->rs));
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, i);
		if (cfg_is_group(p, g, "a real server")) {
			cfg_rs(p, g, vs, &vs->rs[vs->nrs], false);
			vs->nchecks += vs->rs[vs->nrs].check.type !=
			    CHECK_NONE;
			vs->nprograms += cfg_rs_programs(&vs->rs[vs->nrs++]);
		}
	}
}

size_t
cfg_parse_vs_elems(struct cfg_parser *p, const config_setting_t *list,
    struct cfg_vs *out)
{
	const config_setting_t	*g;
	size_t			 i, n = (size_t)config_setting_length(list), k;

	for (i = k = 0; i < n; i++) {
		g = config_setting_get_elem(list, i);
		if (cfg_is_group(p, g, "a virtual server"))
			cfg_vs(p, g, &out[k++]);
	}
	return k;
}

void
cfg_parse_virtual_servers(struct cfg_parser *p, const config_setting_t *list)
{
	struct cfg	*c = p->cfg;
	size_t		 n;

	if ((list = cfg_get_list(p, config_setting_parent(list),
	    "virtual_servers", &n)) == NULL)
		return;
	c->vs = arena_calloc(&c->arena, n, sizeof(*c->vs));
	c->nvs = cfg_parse_vs_elems(p, list, c->vs);
	c->parsed_vs = c->nvs;
}
