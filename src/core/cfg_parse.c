/*
 * cfg_parse.c - loads director.conf (libconfig syntax) into struct cfg.
 *
 * This file holds the typed getters every section uses, the top level and
 * the global section. The whole file is parsed into a fresh arena; only a
 * config without a single error is returned.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "cfg_priv.h"
#include "suggest.h"

#define CFG_ERRMSG_MAX	512

const struct cfg_enum cfg_fwd_names[] = {
	{ "nat", FWD_NAT }, { "dr", FWD_DR }, { "tun", FWD_TUN }, { NULL, 0 },
};
const struct cfg_enum cfg_proto_names[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ "sctp", IPPROTO_SCTP }, { NULL, 0 },
};
const struct cfg_enum cfg_check_names[] = {
	{ "tcp", CHECK_TCP }, { "http", CHECK_HTTP }, { "https", CHECK_HTTPS },
	{ "tls", CHECK_TLS }, { "script", CHECK_SCRIPT }, { NULL, 0 },
};
const struct cfg_enum cfg_tun_names[] = {
	{ "ipip", TUN_IPIP }, { "gue", TUN_GUE }, { "gre", TUN_GRE },
	{ NULL, 0 },
};
const struct cfg_enum cfg_csum_names[] = {
	{ "none", TUN_CSUM_NONE }, { "csum", TUN_CSUM_CSUM },
	{ "remcsum", TUN_CSUM_REMCSUM }, { NULL, 0 },
};

/* Inserts msg after every error at or before line: reports read in order. */
static void
cfg_errors_insert(struct cfg_errors *e, int line, const char *msg)
{
	size_t i;

	if (e->n == e->cap) {
		size_t	 cap = e->cap ? e->cap * 2 : 16;
		char	**m = reallocarray(e->msg, cap, sizeof(*m));
		int	 *l;

		if (m == NULL)
			fatal("cfg_errors_add");
		e->msg = m;
		if ((l = reallocarray(e->line, cap, sizeof(*l))) == NULL)
			fatal("cfg_errors_add");
		e->line = l;
		e->cap = cap;
	}
	for (i = e->n; i > 0 && e->line[i - 1] > line; i--) {
		e->msg[i] = e->msg[i - 1];
		e->line[i] = e->line[i - 1];
	}
	if ((e->msg[i] = strdup(msg)) == NULL)
		fatal("cfg_errors_add");
	e->line[i] = line;
	e->n++;
}

void
cfg_errors_add(struct cfg_errors *e, const char *fmt, ...)
{
	va_list	ap;
	char	buf[CFG_ERRMSG_MAX];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cfg_errors_insert(e, INT32_MAX, buf);
}

void
cfg_errors_free(struct cfg_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->msg[i]);
	free(e->msg);
	free(e->line);
	memset(e, 0, sizeof(*e));
}

int
cfg_line(const config_setting_t *s)
{
	return s != NULL ? (int)config_setting_source_line(s) : 0;
}

static const char *
cfg_src(struct cfg_parser *p, const config_setting_t *s)
{
	const char *f = s != NULL ? config_setting_source_file(s) : NULL;

	return f != NULL ? f : p->file;
}

void
cfg_error_line(struct cfg_parser *p, const char *file, int line,
    const char *fmt, ...)
{
	va_list	ap;
	char	buf[CFG_ERRMSG_MAX];

	char	msg[CFG_ERRMSG_MAX + 256];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s:%d: %s", file ? file : p->file, line,
	    buf);
	cfg_errors_insert(p->errs, line, msg);
}

void
cfg_error(struct cfg_parser *p, const config_setting_t *s, const char *fmt,
    ...)
{
	va_list	ap;
	char	buf[CFG_ERRMSG_MAX];

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	cfg_error_line(p, cfg_src(p, s), cfg_line(s), "%s", buf);
}

bool
cfg_is_group(struct cfg_parser *p, const config_setting_t *s, const char *what)
{
	if (config_setting_is_group(s))
		return true;
	cfg_error(p, s, "%s must be a group { ... }", what);
	return false;
}

void
cfg_check_keys(struct cfg_parser *p, const config_setting_t *g,
    const char *const keys[], const char *what)
{
	const config_setting_t	*s;
	const char		*name, *near;
	int			 i, k;

	for (i = 0; (s = config_setting_get_elem(g, i)) != NULL; i++) {
		name = config_setting_name(s);
		for (k = 0; keys[k] != NULL; k++)
			if (strcmp(keys[k], name) == 0)
				break;
		if (keys[k] != NULL)
			continue;
		if ((near = suggest_closest(name, keys)) != NULL)
			cfg_error(p, s, "unknown key \"%s\" in %s "
			    "(did you mean \"%s\"?)", name, what, near);
		else
			cfg_error(p, s, "unknown key \"%s\" in %s", name, what);
	}
}

static const char *
cfg_type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "a boolean";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	case CONFIG_TYPE_GROUP:
		return "a group";
	default:
		return "nothing";
	}
}

static bool
cfg_is_int(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64;
}

int
cfg_get_int(struct cfg_parser *p, const config_setting_t *g, const char *key,
    long long min, long long max, long long *out)
{
	const config_setting_t	*s = config_setting_get_member(g, key);
	long long		 v;

	if (s == NULL)
		return 0;
	if (!cfg_is_int(s)) {
		cfg_error(p, s, "%s: expected an integer, got %s", key,
		    cfg_type_name(s));
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		cfg_error(p, s, "%s: %lld is out of range (%lld-%lld)", key, v,
		    min, max);
		return -1;
	}
	*out = v;
	return 1;
}

int
cfg_get_bool(struct cfg_parser *p, const config_setting_t *g, const char *key,
    bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cfg_error(p, s, "%s: expected true or false, got %s", key,
		    cfg_type_name(s));
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 1;
}

int
cfg_get_str(struct cfg_parser *p, const config_setting_t *g, const char *key,
    char **out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cfg_error(p, s, "%s: expected a string, got %s", key,
		    cfg_type_name(s));
		return -1;
	}
	*out = arena_strdup(&p->cfg->arena, config_setting_get_string(s));
	return 1;
}

int
cfg_get_path(struct cfg_parser *p, const config_setting_t *g, const char *key,
    char **out)
{
	int rc;

	if ((rc = cfg_get_str(p, g, key, out)) == 1 && (*out)[0] != '/') {
		cfg_error(p, config_setting_get_member(g, key),
		    "%s: must be an absolute path", key);
		return -1;
	}
	return rc;
}

int
cfg_check_name(struct cfg_parser *p, const config_setting_t *s,
    const char *key, const char *v, size_t max)
{
	size_t i;

	for (i = 0; v[i] != '\0'; i++)
		if (!isalnum((unsigned char)v[i]) && strchr("_.:-", v[i]) ==
		    NULL)
			break;
	if (i == 0 || v[i] != '\0' || i > max) {
		cfg_error(p, s, "%s: \"%s\" is not a valid name (1-%zu of "
		    "letters, digits, _ . : -)", key, v, max);
		return -1;
	}
	return 1;
}

int
cfg_get_name(struct cfg_parser *p, const config_setting_t *g, const char *key,
    char **out)
{
	char	*v;
	int	 rc;

	if ((rc = cfg_get_str(p, g, key, &v)) != 1)
		return rc;
	if (cfg_check_name(p, config_setting_get_member(g, key), key, v,
	    CFG_NAME_MAX) == -1)
		return -1;
	*out = v;
	return 1;
}

int
cfg_get_ifname(struct cfg_parser *p, const config_setting_t *g,
    const char *key, char **out)
{
	char	*v;
	int	 rc;

	if ((rc = cfg_get_str(p, g, key, &v)) != 1)
		return rc;
	if (cfg_check_name(p, config_setting_get_member(g, key), key, v,
	    CFG_IFNAME_MAX) == -1)
		return -1;
	*out = v;
	return 1;
}

int
cfg_get_secs(struct cfg_parser *p, const config_setting_t *g, const char *key,
    uint32_t min_ms, uint32_t max_ms, uint32_t *ms)
{
	const config_setting_t	*s = config_setting_get_member(g, key);
	double			 v;

	if (s == NULL)
		return 0;
	if (cfg_is_int(s))
		v = (double)config_setting_get_int64(s);
	else if (config_setting_type(s) == CONFIG_TYPE_FLOAT)
		v = config_setting_get_float(s);
	else {
		cfg_error(p, s, "%s: expected a number of seconds, got %s",
		    key, cfg_type_name(s));
		return -1;
	}
	if (!(v * 1000.0 >= (double)min_ms - 0.5 &&
	    v * 1000.0 <= (double)max_ms + 0.5)) {
		cfg_error(p, s, "%s: %g s is out of range (%g-%g s)", key, v,
		    min_ms / 1000.0, max_ms / 1000.0);
		return -1;
	}
	*ms = (uint32_t)llround(v * 1000.0);
	return 1;
}

int
cfg_get_addr(struct cfg_parser *p, const config_setting_t *g, const char *key,
    bool allow_prefix, struct addr *out)
{
	const config_setting_t	*s = config_setting_get_member(g, key);
	char			 err[128];
	char			*v;
	int			 rc;

	if ((rc = cfg_get_str(p, g, key, &v)) != 1)
		return rc;
	if (addr_parse(v, allow_prefix, out, err, sizeof(err)) == -1) {
		cfg_error(p, s, "%s: %s", key, err);
		return -1;
	}
	return 1;
}

int
cfg_get_port(struct cfg_parser *p, const config_setting_t *g, const char *key,
    uint16_t *out)
{
	long long	v;
	int		rc;

	if ((rc = cfg_get_int(p, g, key, 0, 65535, &v)) == 1)
		*out = (uint16_t)v;
	return rc;
}

int
cfg_get_enum(struct cfg_parser *p, const config_setting_t *g, const char *key,
    const struct cfg_enum *tab, int *out)
{
	const config_setting_t	*s = config_setting_get_member(g, key);
	char			 list[256] = "";
	char			*v;
	size_t			 i;
	int			 rc;

	if ((rc = cfg_get_str(p, g, key, &v)) != 1)
		return rc;
	for (i = 0; tab[i].name != NULL; i++) {
		if (strcmp(tab[i].name, v) == 0) {
			*out = tab[i].value;
			return 1;
		}
		if (i > 0)
			strncat(list, ", ", sizeof(list) - strlen(list) - 1);
		strncat(list, tab[i].name, sizeof(list) - strlen(list) - 1);
	}
	cfg_error(p, s, "%s: unknown value \"%s\" (one of: %s)", key, v, list);
	return -1;
}

const char *
cfg_enum_name(const struct cfg_enum *tab, int value)
{
	size_t i;

	for (i = 0; tab[i].name != NULL; i++)
		if (tab[i].value == value)
			return tab[i].name;
	return "?";
}

int
cfg_argv_from(struct cfg_parser *p, const config_setting_t *s,
    struct cfg_argv *out)
{
	const config_setting_t	*e;
	const char		*key = config_setting_name(s);
	int			 n, i;

	if (key == NULL)
		key = "program";
	out->line = cfg_line(s);
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		out->argc = 1;
		out->argv = arena_calloc(&p->cfg->arena, 2, sizeof(char *));
		out->argv[0] = arena_strdup(&p->cfg->arena,
		    config_setting_get_string(s));
	} else if (config_setting_is_aggregate(s) &&
	    !config_setting_is_group(s)) {
		n = config_setting_length(s);
		out->argc = n;
		out->argv = arena_calloc(&p->cfg->arena, n + 1, sizeof(char *));
		for (i = 0; i < n; i++) {
			e = config_setting_get_elem(s, i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				cfg_error(p, e, "%s: arguments must be strings",
				    key);
				out->argv = NULL;
				out->argc = 0;
				return -1;
			}
			out->argv[i] = arena_strdup(&p->cfg->arena,
			    config_setting_get_string(e));
		}
	} else {
		cfg_error(p, s, "%s: expected a path or [ \"path\", \"arg\", "
		    "... ], got %s", key, cfg_type_name(s));
		return -1;
	}
	if (out->argc == 0 || out->argv[0][0] != '/') {
		cfg_error(p, s, "%s: the program must be an absolute path", key);
		out->argv = NULL;
		out->argc = 0;
		return -1;
	}
	return 1;
}

int
cfg_get_argv(struct cfg_parser *p, const config_setting_t *g, const char *key,
    struct cfg_argv *out)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	if (s == NULL)
		return 0;
	return cfg_argv_from(p, s, out);
}

const config_setting_t *
cfg_get_list(struct cfg_parser *p, const config_setting_t *g, const char *key,
    size_t *n)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	*n = 0;
	if (s == NULL)
		return NULL;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cfg_error(p, s, "%s: expected a list ( ... ), got %s", key,
		    cfg_type_name(s));
		return NULL;
	}
	*n = (size_t)config_setting_length(s);
	return s;
}

/* "192.0.2.1:80" or "[2001:db8::1]:80", port 1-65535. */
static bool
cfg_hostport_ok(const char *s)
{
	struct addr	 a;
	char		 host[INET6_ADDRSTRLEN + 2], err[8];
	const char	*colon = strrchr(s, ':');
	char		*end;
	size_t		 hlen;
	long		 port;

	if (colon == NULL || (hlen = colon - s) == 0 || hlen >= sizeof(host))
		return false;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (host[0] == '[') {
		if (host[hlen - 1] != ']')
			return false;
		host[hlen - 1] = '\0';
		memmove(host, host + 1, hlen - 1);
	}
	port = strtol(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
		return false;
	if (addr_parse(host, false, &a, err, sizeof(err)) == -1)
		return false;
	return (a.af == AF_INET6) == (s[0] == '[');
}

static void
cfg_parse_ipvs(struct cfg_parser *p, const config_setting_t *g)
{
	static const char *const keys[] = { "load_module", "purge_unknown",
	    "drift_check_interval", "sync_daemon", "timeouts", NULL };
	static const char *const sync_keys[] = { "interface", "sync_id", NULL };
	static const char *const to_keys[] = { "tcp", "tcp_fin", "udp", NULL };
	struct cfg_global	*gl = &p->cfg->global;
	const config_setting_t	*s;
	long long		 v;

	cfg_check_keys(p, g, keys, "global.ipvs");
	cfg_get_bool(p, g, "load_module", &gl->ipvs_load_module);
	cfg_get_bool(p, g, "purge_unknown", &gl->ipvs_purge_unknown);
	cfg_get_secs(p, g, "drift_check_interval", 0, 86400000,
	    &gl->ipvs_drift_interval);
	if ((s = config_setting_get_member(g, "sync_daemon")) != NULL &&
	    cfg_is_group(p, s, "sync_daemon")) {
		cfg_check_keys(p, s, sync_keys, "global.ipvs.sync_daemon");
		if (cfg_get_ifname(p, s, "interface", &gl->sync_ifname) == 0)
			cfg_error(p, s, "sync_daemon: missing \"interface\"");
		if (cfg_get_int(p, s, "sync_id", 0, 255, &v) == 1)
			gl->sync_id = v;
	}
	if ((s = config_setting_get_member(g, "timeouts")) != NULL &&
	    cfg_is_group(p, s, "timeouts")) {
		cfg_check_keys(p, s, to_keys, "global.ipvs.timeouts");
		if (cfg_get_int(p, s, "tcp", 0, 86400 * 30, &v) == 1)
			gl->timeout_tcp = v;
		if (cfg_get_int(p, s, "tcp_fin", 0, 86400 * 30, &v) == 1)
			gl->timeout_tcp_fin = v;
		if (cfg_get_int(p, s, "udp", 0, 86400 * 30, &v) == 1)
			gl->timeout_udp = v;
	}
}

static void
cfg_parse_global(struct cfg_parser *p, const config_setting_t *g)
{
	static const char *const keys[] = { "router_id", "log_facility",
	    "log_level", "control_socket", "script_user", "script_security",
	    "drop_capabilities", "notify", "notify_fifo", "metrics_listen",
	    "dump_file", "realtime_priority", "ipvs", NULL };
	struct cfg_global	*gl = &p->cfg->global;
	const config_setting_t	*s;
	char			*v;
	long long		 n;

	if (!cfg_is_group(p, g, "global"))
		return;
	cfg_check_keys(p, g, keys, "global");
	cfg_get_name(p, g, "router_id", &gl->router_id);
	if (cfg_get_str(p, g, "log_facility", &v) == 1 &&
	    (gl->log_facility = log_facility_from_name(v)) == -1) {
		cfg_error(p, config_setting_get_member(g, "log_facility"),
		    "log_facility: unknown facility \"%s\" (daemon, user, "
		    "local0-local7)", v);
		gl->log_facility = LOG_DAEMON;
	}
	if (cfg_get_str(p, g, "log_level", &v) == 1 &&
	    (gl->log_level = log_level_from_name(v)) == -1) {
		cfg_error(p, config_setting_get_member(g, "log_level"),
		    "log_level: unknown level \"%s\" (err, warning, notice, "
		    "info, debug)", v);
		gl->log_level = LOG_INFO;
	}
	cfg_get_path(p, g, "control_socket", &gl->control_socket);
	if (cfg_get_name(p, g, "script_user", &gl->script_user) == 1 &&
	    getpwnam(gl->script_user) == NULL)
		cfg_error(p, config_setting_get_member(g, "script_user"),
		    "script_user: no user \"%s\"", gl->script_user);
	cfg_get_bool(p, g, "script_security", &gl->script_security);
	cfg_get_bool(p, g, "drop_capabilities", &gl->drop_capabilities);
	cfg_get_argv(p, g, "notify", &gl->notify);
	cfg_get_path(p, g, "notify_fifo", &gl->notify_fifo);
	if (cfg_get_str(p, g, "metrics_listen", &gl->metrics_listen) == 1 &&
	    cfg_hostport_ok(gl->metrics_listen) == false)
		cfg_error(p, config_setting_get_member(g, "metrics_listen"),
		    "metrics_listen: expected \"address:port\" like "
		    "\"127.0.0.1:9367\" or \"[::1]:9367\"");
	cfg_get_path(p, g, "dump_file", &gl->dump_file);
	if (cfg_get_int(p, g, "realtime_priority", 0, 99, &n) == 1)
		gl->realtime_priority = n;
	if ((s = config_setting_get_member(g, "ipvs")) != NULL &&
	    cfg_is_group(p, s, "ipvs"))
		cfg_parse_ipvs(p, s);
}

static void
cfg_defaults(struct cfg *c)
{
	struct cfg_global *gl = &c->global;

	gl->log_facility = LOG_DAEMON;
	gl->log_level = LOG_INFO;
	gl->script_user = arena_strdup(&c->arena, "root");
	gl->script_security = true;
	gl->drop_capabilities = true;
	gl->ipvs_load_module = true;
	gl->ipvs_drift_interval = 30000;
}

void
cfg_parse_root(struct cfg_parser *p, const config_setting_t *root)
{
	static const char *const keys[] = { "global", "vrrp_scripts",
	    "vrrp_instances", "sync_groups", "virtual_servers", NULL };
	const config_setting_t *s;

	cfg_check_keys(p, root, keys, "the top level");
	if ((s = config_setting_get_member(root, "global")) != NULL)
		cfg_parse_global(p, s);
	if ((s = config_setting_get_member(root, "vrrp_scripts")) != NULL)
		cfg_parse_vrrp_scripts(p, s);
	if ((s = config_setting_get_member(root, "vrrp_instances")) != NULL)
		cfg_parse_vrrp_instances(p, s);
	if ((s = config_setting_get_member(root, "sync_groups")) != NULL)
		cfg_parse_sync_groups(p, s);
	if ((s = config_setting_get_member(root, "virtual_servers")) != NULL)
		cfg_parse_virtual_servers(p, s);
}

struct cfg *
cfg_new(const char *file)
{
	struct arena	 a = { 0 };
	struct cfg	*c;

	c = arena_alloc(&a, sizeof(*c));
	c->arena = a;
	c->refs = 1;
	c->file = arena_strdup(&c->arena, file);
	cfg_defaults(c);
	return c;
}

void
cfg_lc_init(config_t *lc, const char *file)
{
	char	*copy;

	config_init(lc);
	config_set_options(lc, 0);
	/* @include paths are relative to the main file's directory. */
	if ((copy = strdup(file)) == NULL)
		fatal("strdup");
	config_set_include_dir(lc, dirname(copy));
	free(copy);
}

/* See cfg_load_in_child(). */
static bool cfg_in_child;

void
cfg_load_in_child(void)
{
	cfg_in_child = true;
}

void
cfg_adopt(struct cfg *c)
{
	if (c->base != NULL)
		c->base->refs++;
}

/* The whole text, through libconfig's stream reader as a file would be. */
static struct cfg *
cfg_load_full(const char *text, size_t len, struct arena *ta,
    const char *file, struct cfg_errors *errs)
{
	struct cfg_parser	 p;
	struct cfg		*c;
	config_t		 lc;
	FILE			*fp;
	size_t			 nerr = errs->n;
	int			 rc;

	cfg_lc_init(&lc, file);
	if (len == 0)
		rc = config_read_string(&lc, "");
	else {
		if ((fp = fmemopen((void *)(uintptr_t)text, len, "r")) == NULL)
			fatal("fmemopen");
		rc = config_read(&lc, fp);
		fclose(fp);
	}
	if (rc != CONFIG_TRUE) {
		const char *f = config_error_file(&lc);

		cfg_errors_add(errs, "%s:%d: %s", f ? f : file,
		    config_error_line(&lc), config_error_text(&lc));
		config_destroy(&lc);
		return NULL;
	}
	c = cfg_new(file);
	p.cfg = c;
	p.errs = errs;
	p.file = c->file;
	cfg_parse_root(&p, config_root_setting(&lc));
	/* Cross-checks run even after errors, so one run shows them all. */
	cfg_validate(&p);
	if (!cfg_in_child)
		config_destroy(&lc);
	if (errs->n != nerr) {
		cfg_free(c);
		return NULL;
	}
	cfg_src_attach(c, text, len, ta);
	return c;
}

/* ta: the arena text is in, for the config to keep; NULL: it copies. */
static struct cfg *
cfg_load_text(const char *text, size_t len, struct arena *ta,
    const char *file, const struct cfg *prev, struct cfg_errors *errs)
{
	struct cfg *c;

	if (prev != NULL &&
	    (c = cfg_splice(prev, text, len, ta, file)) != NULL) {
		if (!cfg_in_child)
			cfg_adopt(c);
		return c;
	}
	return cfg_load_full(text, len, ta, file, errs);
}

/*
 * The file's bytes, NUL-terminated, in ta (where a config can keep them
 * without a copy: 7.6 MB at 10,000 services), or NULL with an error.
 */
static char *
cfg_read_file(const char *file, size_t *len, struct arena *ta,
    struct cfg_errors *errs)
{
	struct stat	 st;
	char		*t, *n;
	size_t		 cap;
	ssize_t		 r;
	int		 fd, saved;

	*len = 0;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) == -1) {
		cfg_errors_add(errs, "%s:0: cannot open: %s", file,
		    strerror(errno));
		return NULL;
	}
	/* One more than its size: end of file is seen without a regrowth. */
	cap = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ?
	    (size_t)st.st_size + 1 : 65536;
	t = arena_alloc(ta, cap + 1);
	for (;;) {
		if (*len == cap) {	/* it grew while we read */
			n = arena_alloc(ta, cap * 2 + 1);
			memcpy(n, t, *len);
			t = n;
			cap *= 2;
		}
		if ((r = read(fd, t + *len, cap - *len)) == -1 &&
		    errno == EINTR)
			continue;
		if (r <= 0)
			break;
		*len += (size_t)r;
	}
	if (r == -1) {
		saved = errno;
		close(fd);
		cfg_errors_add(errs, "%s:0: cannot read: %s", file,
		    strerror(saved));
		return NULL;
	}
	close(fd);
	t[*len] = '\0';
	return t;
}

struct cfg *
cfg_load_next(const char *file, const struct cfg *prev,
    struct cfg_errors *errs)
{
	struct arena	 ta = { 0 };
	struct cfg	*c = NULL;
	size_t		 len;
	char		*t;

	if ((t = cfg_read_file(file, &len, &ta, errs)) != NULL)
		c = cfg_load_text(t, len, &ta, file, prev, errs);
	arena_free(&ta);	/* unless the config took it */
	return c;
}

struct cfg *
cfg_load(const char *file, struct cfg_errors *errs)
{
	return cfg_load_next(file, NULL, errs);
}

struct cfg *
cfg_load_string_next(const char *text, const char *file,
    const struct cfg *prev, struct cfg_errors *errs)
{
	return cfg_load_text(text, strlen(text), NULL, file, prev, errs);
}

struct cfg *
cfg_load_string(const char *text, const char *file, struct cfg_errors *errs)
{
	return cfg_load_string_next(text, file, NULL, errs);
}

void
cfg_free(struct cfg *c)
{
	struct cfg	*base;
	struct arena	 a;

	if (c == NULL || --c->refs > 0)
		return;
	/* The struct lives in its own arena: copy what we need out first. */
	base = c->base;
	a = c->arena;
	arena_free(&a);
	cfg_free(base);
}

const char *
cfg_fwd_name(enum cfg_fwd f)
{
	return cfg_enum_name(cfg_fwd_names, f);
}

const char *
cfg_proto_name(int protocol)
{
	return cfg_enum_name(cfg_proto_names, protocol);
}

const char *
cfg_check_type_name(enum cfg_check_type t)
{
	return t == CHECK_NONE ? "none" : cfg_enum_name(cfg_check_names, t);
}

const char *
cfg_vs_ident(const struct cfg_vs *vs, char *buf, size_t len)
{
	char a[ADDR_STRLEN];

	if (vs->fwmark != 0)
		snprintf(buf, len, "fwmark %u%s", vs->fwmark,
		    vs->af == AF_INET6 ? " inet6" : "");
	else if (vs->af == AF_INET6)
		snprintf(buf, len, "%s [%s]:%u", cfg_proto_name(vs->protocol),
		    addr_fmt(&vs->addr, false, a, sizeof(a)), vs->port);
	else
		snprintf(buf, len, "%s %s:%u", cfg_proto_name(vs->protocol),
		    addr_fmt(&vs->addr, false, a, sizeof(a)), vs->port);
	return buf;
}
