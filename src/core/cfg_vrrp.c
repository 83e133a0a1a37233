/*
 * cfg_vrrp.c - the vrrp_scripts, vrrp_instances and sync_groups sections.
 *
 * Checks that need one object only (ranges, types, per-version limits) are
 * here; checks across objects are in cfg_validate.c.
 */
#include <stdio.h>
#include <string.h>

#include "cfg_priv.h"

static void
cfg_vrrp_notify(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vrrp_notify *n, const char *what)
{
	static const char *const keys[] = { "master", "backup", "fault",
	    "stop", "any", NULL };

	if (!cfg_is_group(p, g, "notify"))
		return;
	cfg_check_keys(p, g, keys, what);
	cfg_get_argv(p, g, "master", &n->master);
	cfg_get_argv(p, g, "backup", &n->backup);
	cfg_get_argv(p, g, "fault", &n->fault);
	cfg_get_argv(p, g, "stop", &n->stop);
	cfg_get_argv(p, g, "any", &n->any);
}

void
cfg_parse_vrrp_scripts(struct cfg_parser *p, const config_setting_t *list)
{
	static const char *const keys[] = { "name", "script", "interval",
	    "timeout", "rise", "fall", "weight", NULL };
	struct cfg		*c = p->cfg;
	struct cfg_vrrp_script	*vs;
	const config_setting_t	*g;
	long long		 v;
	size_t			 i, n;

	if ((list = cfg_get_list(p, config_setting_parent(list),
	    "vrrp_scripts", &n)) == NULL)
		return;
	c->vrrp_scripts = arena_calloc(&c->arena, n, sizeof(*vs));
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, i);
		if (!cfg_is_group(p, g, "a vrrp script"))
			continue;
		vs = &c->vrrp_scripts[c->nvrrp_scripts++];
		vs->line = cfg_line(g);
		vs->interval = 1000;
		vs->timeout = 1000;
		vs->rise = vs->fall = 1;
		cfg_check_keys(p, g, keys, "vrrp script");
		if (cfg_get_name(p, g, "name", &vs->name) == 0)
			cfg_error(p, g, "vrrp script: missing \"name\"");
		if (cfg_get_argv(p, g, "script", &vs->argv) == 0)
			cfg_error(p, g, "vrrp script \"%s\": missing \"script\"",
			    vs->name ? vs->name : "?");
		cfg_get_secs(p, g, "interval", 10, 3600000, &vs->interval);
		cfg_get_secs(p, g, "timeout", 10, 3600000, &vs->timeout);
		if (cfg_get_int(p, g, "rise", 1, 100, &v) == 1)
			vs->rise = v;
		if (cfg_get_int(p, g, "fall", 1, 100, &v) == 1)
			vs->fall = v;
		if (cfg_get_int(p, g, "weight", -254, 254, &v) == 1)
			vs->weight = v;
	}
}

/* A VIP: "10.0.0.1/24" or { address = "..."; device = "..."; label = ""; } */
static void
cfg_vrrp_vip(struct cfg_parser *p, const config_setting_t *s,
    struct cfg_vip *vip)
{
	static const char *const keys[] = { "address", "device", "label",
	    NULL };
	char	 err[128];

	vip->line = cfg_line(s);
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		if (addr_parse(config_setting_get_string(s), true, &vip->addr,
		    err, sizeof(err)) == -1)
			cfg_error(p, s, "virtual_addresses: %s", err);
		return;
	}
	if (!cfg_is_group(p, s, "a virtual address"))
		return;
	cfg_check_keys(p, s, keys, "virtual address");
	if (cfg_get_addr(p, s, "address", true, &vip->addr) == 0)
		cfg_error(p, s, "virtual address: missing \"address\"");
	cfg_get_ifname(p, s, "device", &vip->dev);
	if (cfg_get_str(p, s, "label", &vip->label) == 1 &&
	    strlen(vip->label) > 15)
		cfg_error(p, config_setting_get_member(s, "label"),
		    "label: \"%s\" is longer than 15 characters", vip->label);
}

static void
cfg_vrrp_vips(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vrrp *vr)
{
	const config_setting_t	*list;
	size_t			 i, n;

	if ((list = cfg_get_list(p, g, "virtual_addresses", &n)) == NULL)
		return;
	vr->vips = arena_calloc(&p->cfg->arena, n, sizeof(*vr->vips));
	for (i = 0; i < n; i++)
		cfg_vrrp_vip(p, config_setting_get_elem(list, i),
		    &vr->vips[vr->nvips++]);
}

static void
cfg_vrrp_peers(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vrrp *vr)
{
	const config_setting_t	*list, *e;
	char			 err[128];
	size_t			 i, n;

	if ((list = cfg_get_list(p, g, "unicast_peers", &n)) == NULL)
		return;
	vr->peers = arena_calloc(&p->cfg->arena, n, sizeof(*vr->peers));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			cfg_error(p, e, "unicast_peers: expected address "
			    "strings");
			continue;
		}
		if (addr_parse(config_setting_get_string(e), false,
		    &vr->peers[vr->npeers], err, sizeof(err)) == -1)
			cfg_error(p, e, "unicast_peers: %s", err);
		else
			vr->npeers++;
	}
}

/* "eth1" or { interface = "eth1"; weight = -20; } */
static void
cfg_vrrp_track_ifs(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vrrp *vr)
{
	static const char *const keys[] = { "interface", "weight", NULL };
	const config_setting_t	*list, *e;
	struct cfg_track_if	*t;
	long long		 v;
	size_t			 i, n;

	if ((list = cfg_get_list(p, g, "track_interfaces", &n)) == NULL)
		return;
	vr->track_ifs = arena_calloc(&p->cfg->arena, n, sizeof(*t));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, i);
		t = &vr->track_ifs[vr->ntrack_ifs++];
		t->line = cfg_line(e);
		if (config_setting_type(e) == CONFIG_TYPE_STRING) {
			if (cfg_check_name(p, e, "track_interfaces",
			    config_setting_get_string(e), CFG_IFNAME_MAX) == 1)
				t->ifname = arena_strdup(&p->cfg->arena,
				    config_setting_get_string(e));
			continue;
		}
		if (!cfg_is_group(p, e, "a tracked interface"))
			continue;
		cfg_check_keys(p, e, keys, "tracked interface");
		if (cfg_get_ifname(p, e, "interface", &t->ifname) == 0)
			cfg_error(p, e, "tracked interface: missing "
			    "\"interface\"");
		if (cfg_get_int(p, e, "weight", -254, 254, &v) == 1)
			t->weight = v;
	}
}

/* "chk_haproxy" or { name = "chk_haproxy"; weight = -20; } */
static void
cfg_vrrp_track_scripts(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vrrp *vr)
{
	static const char *const keys[] = { "name", "weight", NULL };
	const config_setting_t	*list, *e;
	struct cfg_track_script	*t;
	long long		 v;
	size_t			 i, n;

	if ((list = cfg_get_list(p, g, "track_scripts", &n)) == NULL)
		return;
	vr->track_scripts = arena_calloc(&p->cfg->arena, n, sizeof(*t));
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(list, i);
		t = &vr->track_scripts[vr->ntrack_scripts++];
		t->line = cfg_line(e);
		t->weight = INT32_MIN;	/* the script's own weight */
		if (config_setting_type(e) == CONFIG_TYPE_STRING) {
			if (cfg_check_name(p, e, "track_scripts",
			    config_setting_get_string(e), CFG_NAME_MAX) == 1)
				t->name = arena_strdup(&p->cfg->arena,
				    config_setting_get_string(e));
			continue;
		}
		if (!cfg_is_group(p, e, "a tracked script"))
			continue;
		cfg_check_keys(p, e, keys, "tracked script");
		if (cfg_get_name(p, e, "name", &t->name) == 0)
			cfg_error(p, e, "tracked script: missing \"name\"");
		if (cfg_get_int(p, e, "weight", -254, 254, &v) == 1)
			t->weight = v;
	}
}

static void
cfg_vrrp_garp(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_garp *garp)
{
	static const char *const keys[] = { "count", "interval", "refresh",
	    NULL };
	long long v;

	if (!cfg_is_group(p, g, "garp"))
		return;
	cfg_check_keys(p, g, keys, "garp");
	if (cfg_get_int(p, g, "count", 1, 100, &v) == 1)
		garp->count = v;
	cfg_get_secs(p, g, "interval", 0, 10000, &garp->interval);
	cfg_get_secs(p, g, "refresh", 0, 86400000, &garp->refresh);
}

/* Version-dependent: v3 in centiseconds 1-4095, v2 whole seconds 1-255. */
static void
cfg_vrrp_advert(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vrrp *vr)
{
	const config_setting_t	*s = config_setting_get_member(g,
				    "advert_interval");
	uint32_t		 ms;

	if (cfg_get_secs(p, g, "advert_interval", 0, 3600000, &ms) != 1)
		return;
	if (vr->version == 2) {
		if (ms % 1000 != 0 || ms < 1000 || ms > 255000)
			cfg_error(p, s, "advert_interval: VRRPv2 takes whole "
			    "seconds from 1 to 255");
		else
			vr->advert_cs = ms / 10;
	} else {
		if (ms % 10 != 0 || ms < 10 || ms > 40950)
			cfg_error(p, s, "advert_interval: VRRPv3 takes 0.01 to "
			    "40.95 seconds in steps of 0.01");
		else
			vr->advert_cs = ms / 10;
	}
}

static void
cfg_vrrp_defaults(struct cfg_vrrp *vr, const config_setting_t *g)
{
	vr->line = cfg_line(g);
	vr->priority = 100;
	vr->version = 3;
	vr->advert_cs = 100;
	vr->preempt = true;
	vr->garp.count = 5;
	vr->garp.interval = 10;
}

static void
cfg_vrrp_instance(struct cfg_parser *p, const config_setting_t *g,
    struct cfg_vrrp *vr)
{
	static const char *const keys[] = { "name", "interface",
	    "virtual_router_id", "priority", "address_owner", "version",
	    "advert_interval", "preempt", "preempt_delay", "accept",
	    "virtual_addresses", "unicast_source", "unicast_peers",
	    "auth_pass", "track_interfaces", "track_scripts", "notify",
	    "garp", "use_vmac", "vmac_interface", NULL };
	const config_setting_t	*s;
	long long		 v;
	size_t			 nerr = p->errs->n;

	cfg_vrrp_defaults(vr, g);
	cfg_check_keys(p, g, keys, "vrrp instance");
	if (cfg_get_name(p, g, "name", &vr->name) == 0)
		cfg_error(p, g, "vrrp instance: missing \"name\"");
	if (cfg_get_ifname(p, g, "interface", &vr->ifname) == 0)
		cfg_error(p, g, "vrrp instance \"%s\": missing \"interface\"",
		    vr->name ? vr->name : "?");
	if (cfg_get_int(p, g, "virtual_router_id", 1, 255, &v) == 1)
		vr->vrid = v;
	else if (config_setting_get_member(g, "virtual_router_id") == NULL)
		cfg_error(p, g, "vrrp instance \"%s\": missing "
		    "\"virtual_router_id\"", vr->name ? vr->name : "?");
	if (cfg_get_int(p, g, "version", 2, 3, &v) == 1)
		vr->version = v;
	cfg_get_bool(p, g, "address_owner", &vr->address_owner);
	if (cfg_get_int(p, g, "priority", 1, 255, &v) == 1)
		vr->priority = v;
	cfg_vrrp_advert(p, g, vr);
	cfg_get_bool(p, g, "preempt", &vr->preempt);
	cfg_get_secs(p, g, "preempt_delay", 0, 3600000, &vr->preempt_delay);
	cfg_get_bool(p, g, "accept", &vr->accept);
	cfg_vrrp_vips(p, g, vr);
	cfg_get_addr(p, g, "unicast_source", false, &vr->unicast_src);
	cfg_vrrp_peers(p, g, vr);
	cfg_get_str(p, g, "auth_pass", &vr->auth_pass);
	cfg_vrrp_track_ifs(p, g, vr);
	cfg_vrrp_track_scripts(p, g, vr);
	if ((s = config_setting_get_member(g, "notify")) != NULL)
		cfg_vrrp_notify(p, s, &vr->notify, "vrrp instance notify");
	if ((s = config_setting_get_member(g, "garp")) != NULL)
		cfg_vrrp_garp(p, s, &vr->garp);
	cfg_get_bool(p, g, "use_vmac", &vr->use_vmac);
	cfg_get_ifname(p, g, "vmac_interface", &vr->vmac_ifname);
	vr->bad = p->errs->n != nerr;
}

void
cfg_parse_vrrp_instances(struct cfg_parser *p, const config_setting_t *list)
{
	struct cfg		*c = p->cfg;
	const config_setting_t	*g;
	size_t			 i, n;

	if ((list = cfg_get_list(p, config_setting_parent(list),
	    "vrrp_instances", &n)) == NULL)
		return;
	c->vrrp = arena_calloc(&c->arena, n, sizeof(*c->vrrp));
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, i);
		if (cfg_is_group(p, g, "a vrrp instance"))
			cfg_vrrp_instance(p, g, &c->vrrp[c->nvrrp++]);
	}
}

void
cfg_parse_sync_groups(struct cfg_parser *p, const config_setting_t *list)
{
	static const char *const keys[] = { "name", "instances", "notify",
	    NULL };
	struct cfg		*c = p->cfg;
	struct cfg_sync_group	*sg;
	const config_setting_t	*g, *m, *e;
	size_t			 i, j, n, nm;

	if ((list = cfg_get_list(p, config_setting_parent(list),
	    "sync_groups", &n)) == NULL)
		return;
	c->groups = arena_calloc(&c->arena, n, sizeof(*sg));
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, i);
		if (!cfg_is_group(p, g, "a sync group"))
			continue;
		sg = &c->groups[c->ngroups++];
		sg->line = cfg_line(g);
		cfg_check_keys(p, g, keys, "sync group");
		if (cfg_get_name(p, g, "name", &sg->name) == 0)
			cfg_error(p, g, "sync group: missing \"name\"");
		if ((m = cfg_get_list(p, g, "instances", &nm)) == NULL ||
		    nm == 0) {
			cfg_error(p, g, "sync group \"%s\": \"instances\" must "
			    "list at least one vrrp instance",
			    sg->name ? sg->name : "?");
			continue;
		}
		sg->members = arena_calloc(&c->arena, nm, sizeof(char *));
		sg->member_lines = arena_calloc(&c->arena, nm, sizeof(int));
		for (j = 0; j < nm; j++) {
			e = config_setting_get_elem(m, j);
			if (config_setting_type(e) != CONFIG_TYPE_STRING) {
				cfg_error(p, e, "instances: expected instance "
				    "names");
				continue;
			}
			sg->member_lines[sg->nmembers] = cfg_line(e);
			sg->members[sg->nmembers++] = arena_strdup(&c->arena,
			    config_setting_get_string(e));
		}
		if ((e = config_setting_get_member(g, "notify")) != NULL)
			cfg_vrrp_notify(p, e, &sg->notify, "sync group notify");
	}
}
