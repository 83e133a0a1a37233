/*
 * cfg_validate.c - checks across objects, run after a clean parse.
 *
 * Duplicate names and identities, references between sections, limits
 * that depend on another key (version, family, scheduler), and script
 * security. Every problem is reported; nothing stops at the first.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg_priv.h"
#include "suggest.h"

static const char *const schedulers[] = { "rr", "wrr", "lc", "wlc", "lblc",
	"lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh", "twos", NULL };

#define ERR(p, line, ...)	cfg_error_line((p), NULL, (line), __VA_ARGS__)

/*
 * A script is safe when neither it nor any directory above it can be
 * changed by anyone but root. A sticky directory (like /tmp) is safe
 * for a root-owned file because others cannot replace it.
 */
static const char *
cfg_script_unsafe(const char *path)
{
	struct stat	 st;
	char		 buf[4096];
	char		*slash;
	bool		 file = true;

	if (strlen(path) >= sizeof(buf))
		return "path too long";
	strcpy(buf, path);
	for (;;) {
		if (stat(buf[0] ? buf : "/", &st) == -1)
			return file ? "does not exist" : "cannot stat a "
			    "parent directory";
		if (file && !S_ISREG(st.st_mode))
			return "is not a regular file";
		if (file && access(buf, X_OK) == -1)
			return "is not executable";
		if (st.st_uid != 0)
			return file ? "is not owned by root" :
			    "is in a directory not owned by root";
		if (file && (st.st_mode & (S_IWGRP | S_IWOTH)))
			return "is writable by others than root";
		if (!file && (st.st_mode & (S_IWGRP | S_IWOTH)) &&
		    !(st.st_mode & S_ISVTX))
			return "is in a directory writable by others than root";
		if (buf[0] == '\0')
			break;
		file = false;
		if ((slash = strrchr(buf, '/')) == NULL)
			break;
		*slash = '\0';
	}
	return NULL;
}

static void
cfg_check_argv(struct cfg_parser *p, const struct cfg_argv *a,
    const char *what)
{
	const char *why;

	if (a->argv == NULL || !p->cfg->global.script_security)
		return;
	if ((why = cfg_script_unsafe(a->argv[0])) != NULL)
		ERR(p, a->line, "%s %s: %s (script_security is on)", what,
		    a->argv[0], why);
}

static void
cfg_check_notify(struct cfg_parser *p, const struct cfg_vrrp_notify *n)
{
	cfg_check_argv(p, &n->master, "notify script");
	cfg_check_argv(p, &n->backup, "notify script");
	cfg_check_argv(p, &n->fault, "notify script");
	cfg_check_argv(p, &n->stop, "notify script");
	cfg_check_argv(p, &n->any, "notify script");
}

static void
cfg_validate_scripts(struct cfg_parser *p)
{
	struct cfg		*c = p->cfg;
	struct cfg_vrrp_script	*s;
	size_t			 i, j;

	for (i = 0; i < c->nvrrp_scripts; i++) {
		s = &c->vrrp_scripts[i];
		if (s->name == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (c->vrrp_scripts[j].name != NULL &&
			    strcmp(s->name, c->vrrp_scripts[j].name) == 0)
				ERR(p, s->line, "duplicate vrrp script \"%s\" "
				    "(first at line %d)", s->name,
				    c->vrrp_scripts[j].line);
		if (s->timeout > s->interval)
			ERR(p, s->line, "vrrp script \"%s\": timeout is longer "
			    "than interval", s->name);
		cfg_check_argv(p, &s->argv, "vrrp script");
	}
}

static const struct cfg_vrrp_script *
cfg_find_script(const struct cfg *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nvrrp_scripts; i++)
		if (c->vrrp_scripts[i].name != NULL &&
		    strcmp(c->vrrp_scripts[i].name, name) == 0)
			return &c->vrrp_scripts[i];
	return NULL;
}

static void
cfg_validate_vips(struct cfg_parser *p, struct cfg_vrrp *vr)
{
	char	a[ADDR_STRLEN];
	size_t	i, j;

	if (vr->nvips == 0) {
		ERR(p, vr->line, "vrrp instance \"%s\": needs at least one "
		    "virtual address", vr->name);
		return;
	}
	for (i = 0; i < vr->nvips && vr->af == 0; i++)
		vr->af = vr->vips[i].addr.af;
	for (i = 0; i < vr->nvips; i++) {
		if (!addr_is_set(&vr->vips[i].addr))
			continue;	/* already reported */
		if (vr->vips[i].addr.af != vr->af)
			ERR(p, vr->vips[i].line, "vrrp instance \"%s\": IPv4 and "
			    "IPv6 virtual addresses need separate instances",
			    vr->name);
		for (j = 0; j < i; j++)
			if (addr_cmp(&vr->vips[i].addr,
			    &vr->vips[j].addr) == 0)
				ERR(p, vr->vips[i].line, "vrrp instance \"%s\": "
				    "duplicate virtual address %s", vr->name,
				    addr_fmt(&vr->vips[i].addr, false, a,
				    sizeof(a)));
	}
	if (vr->af == AF_INET6 && vr->version == 2)
		ERR(p, vr->vips[0].line, "vrrp instance \"%s\": IPv6 virtual "
		    "addresses need version 3 (VRRPv2 is IPv4 only)", vr->name);
}

static void
cfg_validate_unicast(struct cfg_parser *p, struct cfg_vrrp *vr)
{
	size_t i;

	if (addr_is_set(&vr->unicast_src) && vr->unicast_src.af != vr->af)
		ERR(p, vr->line, "vrrp instance \"%s\": unicast_source is not "
		    "of the virtual addresses' family", vr->name);
	for (i = 0; i < vr->npeers; i++)
		if (vr->peers[i].af != vr->af)
			ERR(p, vr->line, "vrrp instance \"%s\": unicast peer "
			    "not of the virtual addresses' family", vr->name);
}

static void
cfg_validate_instance(struct cfg_parser *p, struct cfg_vrrp *vr)
{
	struct cfg_track_script	*t;
	char			 buf[32];
	size_t			 i;

	cfg_validate_vips(p, vr);
	cfg_validate_unicast(p, vr);
	if (vr->auth_pass != NULL && vr->version != 2)
		ERR(p, vr->line, "vrrp instance \"%s\": auth_pass is only for "
		    "version 2 (RFC 5798 removed authentication)", vr->name);
	if (vr->auth_pass != NULL && strlen(vr->auth_pass) > CFG_VRRP_PASS_MAX)
		ERR(p, vr->line, "vrrp instance \"%s\": auth_pass is longer "
		    "than 8 characters", vr->name);
	if (vr->priority == 255 && !vr->address_owner)
		ERR(p, vr->line, "vrrp instance \"%s\": priority 255 is for "
		    "the address owner only (set address_owner = true)",
		    vr->name);
	if (vr->address_owner && vr->priority != 255)
		ERR(p, vr->line, "vrrp instance \"%s\": an address owner has "
		    "priority 255", vr->name);
	if (!vr->preempt && vr->preempt_delay != 0)
		ERR(p, vr->line, "vrrp instance \"%s\": preempt_delay needs "
		    "preempt = true", vr->name);
	if (vr->vmac_ifname != NULL && !vr->use_vmac)
		ERR(p, vr->line, "vrrp instance \"%s\": vmac_interface needs "
		    "use_vmac = true", vr->name);
	/* An IPv4 and an IPv6 router may share a VRID on one interface. */
	if (vr->use_vmac && vr->vmac_ifname == NULL) {
		snprintf(buf, sizeof(buf), "%s.%u", vr->af == AF_INET6 ?
		    "vrrp6" : "vrrp", vr->vrid);
		vr->vmac_ifname = arena_strdup(&p->cfg->arena, buf);
	}
	if (vr->use_vmac && strcmp(vr->vmac_ifname, vr->ifname) == 0)
		ERR(p, vr->line, "vrrp instance \"%s\": vmac_interface is the "
		    "instance's own interface %s", vr->name, vr->ifname);
	for (i = 0; i < vr->ntrack_scripts; i++) {
		t = &vr->track_scripts[i];
		if (t->name == NULL)
			continue;
		if ((t->script = cfg_find_script(p->cfg, t->name)) == NULL)
			ERR(p, t->line, "vrrp instance \"%s\": unknown vrrp "
			    "script \"%s\"", vr->name, t->name);
		else if (t->weight == INT32_MIN)
			t->weight = t->script->weight;
	}
	cfg_check_notify(p, &vr->notify);
}

/* Two instances holding the same address would fight over it. */
static void
cfg_validate_shared_vips(struct cfg_parser *p, const struct cfg_vrrp *a,
    const struct cfg_vrrp *b)
{
	char	buf[ADDR_STRLEN];
	size_t	i, j;

	for (i = 0; i < a->nvips; i++)
		for (j = 0; j < b->nvips; j++)
			if (addr_is_set(&a->vips[i].addr) &&
			    addr_cmp(&a->vips[i].addr, &b->vips[j].addr) == 0)
				ERR(p, a->vips[i].line, "vrrp instance \"%s\": "
				    "virtual address %s is also in \"%s\" (line "
				    "%d)", a->name, addr_fmt(&a->vips[i].addr,
				    false, buf, sizeof(buf)), b->name, b->line);
}

/* Each macvlan belongs to one instance and runs no VRRP of its own. */
static void
cfg_validate_vmac_names(struct cfg_parser *p, const struct cfg_vrrp *a,
    const struct cfg_vrrp *b)
{
	if (a->use_vmac && a->vmac_ifname != NULL && b->use_vmac &&
	    b->vmac_ifname != NULL && strcmp(a->vmac_ifname,
	    b->vmac_ifname) == 0)
		ERR(p, a->line, "vrrp instance \"%s\": vmac_interface %s is "
		    "also used by \"%s\" (line %d); name one with "
		    "vmac_interface", a->name, a->vmac_ifname, b->name,
		    b->line);
	else if (a->use_vmac && a->vmac_ifname != NULL &&
	    strcmp(a->vmac_ifname, b->ifname) == 0)
		ERR(p, a->line, "vrrp instance \"%s\": vmac_interface %s is "
		    "the interface of \"%s\" (line %d)", a->name,
		    a->vmac_ifname, b->name, b->line);
	else if (b->use_vmac && b->vmac_ifname != NULL &&
	    strcmp(b->vmac_ifname, a->ifname) == 0)
		ERR(p, a->line, "vrrp instance \"%s\": interface %s is the "
		    "vmac_interface of \"%s\" (line %d)", a->name, a->ifname,
		    b->name, b->line);
}

static void
cfg_validate_vrrp(struct cfg_parser *p)
{
	struct cfg	*c = p->cfg;
	struct cfg_vrrp	*a, *b;
	size_t		 i, j;

	for (i = 0; i < c->nvrrp; i++) {
		a = &c->vrrp[i];
		if (a->name == NULL || a->ifname == NULL)
			continue;	/* already reported */
		if (!a->bad)
			cfg_validate_instance(p, a);
		for (j = 0; j < i; j++) {
			b = &c->vrrp[j];
			if (b->name == NULL || b->ifname == NULL)
				continue;
			if (strcmp(a->name, b->name) == 0)
				ERR(p, a->line, "duplicate vrrp instance \"%s\" "
				    "(first at line %d)", a->name, b->line);
			else if (a->vrid == b->vrid && a->af == b->af &&
			    strcmp(a->ifname, b->ifname) == 0)
				ERR(p, a->line, "vrrp instance \"%s\": "
				    "virtual_router_id %u on %s is already used "
				    "by \"%s\" (line %d)", a->name, a->vrid,
				    a->ifname, b->name, b->line);
			if (strcmp(a->name, b->name) != 0)
				cfg_validate_shared_vips(p, a, b);
			cfg_validate_vmac_names(p, a, b);
		}
	}
}

static struct cfg_vrrp *
cfg_find_instance(struct cfg *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nvrrp; i++)
		if (c->vrrp[i].name != NULL && strcmp(c->vrrp[i].name,
		    name) == 0)
			return &c->vrrp[i];
	return NULL;
}

static void
cfg_validate_groups(struct cfg_parser *p)
{
	struct cfg		*c = p->cfg;
	struct cfg_sync_group	*sg;
	struct cfg_vrrp		*vr;
	size_t			 i, j;

	for (i = 0; i < c->ngroups; i++) {
		sg = &c->groups[i];
		if (sg->name == NULL)
			continue;
		for (j = 0; j < i; j++)
			if (c->groups[j].name != NULL &&
			    strcmp(sg->name, c->groups[j].name) == 0)
				ERR(p, sg->line, "duplicate sync group \"%s\" "
				    "(first at line %d)", sg->name,
				    c->groups[j].line);
		for (j = 0; j < sg->nmembers; j++) {
			vr = cfg_find_instance(c, sg->members[j]);
			if (vr == NULL)
				ERR(p, sg->member_lines[j], "sync group \"%s\": "
				    "unknown vrrp instance \"%s\"", sg->name,
				    sg->members[j]);
			else if (vr->sync_group != NULL)
				ERR(p, sg->member_lines[j], "sync group \"%s\": "
				    "vrrp instance \"%s\" is already in sync "
				    "group \"%s\"", sg->name, vr->name,
				    vr->sync_group);
			else
				vr->sync_group = sg->name;
		}
		cfg_check_notify(p, &sg->notify);
	}
}

static bool
cfg_vs_same(const struct cfg_vs *a, const struct cfg_vs *b)
{
	if (a->fwmark != 0 || b->fwmark != 0)
		return a->fwmark == b->fwmark && a->af == b->af;
	return a->protocol == b->protocol && a->port == b->port &&
	    addr_cmp(&a->addr, &b->addr) == 0;
}

static void
cfg_validate_check(struct cfg_parser *p, const struct cfg_vs *vs,
    const struct cfg_check *ck)
{
	regex_t	re;
	char	msg[128];
	int	rc;

	if (ck->type == CHECK_NONE)
		return;
	if (ck->timeout > ck->interval)
		ERR(p, ck->line, "vs %s: check timeout (%g s) is longer than "
		    "its interval (%g s)", vs->name, ck->timeout / 1000.0,
		    ck->interval / 1000.0);
	if (ck->connect_timeout > ck->timeout)
		ERR(p, ck->line, "vs %s: check connect_timeout is longer than "
		    "its timeout", vs->name);
	if ((ck->client_cert == NULL) != (ck->client_key == NULL))
		ERR(p, ck->line, "vs %s: client_cert and client_key go "
		    "together", vs->name);
	if (ck->body_regex != NULL) {
		if ((rc = regcomp(&re, ck->body_regex, REG_EXTENDED |
		    REG_NOSUB)) != 0) {
			regerror(rc, &re, msg, sizeof(msg));
			ERR(p, ck->line, "vs %s: body_regex: %s", vs->name, msg);
		} else
			regfree(&re);
	}
	if (ck->type == CHECK_SCRIPT)
		cfg_check_argv(p, &ck->script, "check script");
}

/* Formatted only for a message: 100,000 servers are checked per load. */
#define RS_ADDR	addr_fmt(&rs->addr, false, a, sizeof(a))

static void
cfg_validate_rs(struct cfg_parser *p, const struct cfg_vs *vs,
    const struct cfg_rs *rs, const char *what)
{
	char a[ADDR_STRLEN];

	if (rs->bad)
		return;		/* already reported */
	if (rs->addr.af != vs->af && rs->fwd.method != FWD_TUN)
		ERR(p, rs->line, "vs %s: %s %s is not of the service's family "
		    "(only tunnelled servers may differ)", vs->name, what, RS_ADDR);
	if (addr_is_unusable_host(&rs->addr))
		ERR(p, rs->line, "vs %s: %s %s is not a host address",
		    vs->name, what, RS_ADDR);
	if (rs->upper_threshold != 0 &&
	    rs->lower_threshold > rs->upper_threshold)
		ERR(p, rs->line, "vs %s: %s %s: lower_threshold is above "
		    "upper_threshold", vs->name, what, RS_ADDR);
	if (rs->max_weight < rs->weight)
		ERR(p, rs->line, "vs %s: %s %s: max_weight is below weight",
		    vs->name, what, RS_ADDR);
	if (rs->port == 0 && vs->fwmark == 0 && vs->port != 0)
		ERR(p, rs->line, "vs %s: %s %s needs a port", vs->name, what,
		    RS_ADDR);
	cfg_check_argv(p, &rs->notify_up, "notify script");
	cfg_check_argv(p, &rs->notify_down, "notify script");
	cfg_validate_check(p, vs, &rs->check);
}

#undef RS_ADDR

static void
cfg_validate_one_vs(struct cfg_parser *p, struct cfg_vs *vs)
{
	char	 a[ADDR_STRLEN];
	size_t	 i, j;

	for (i = 0; schedulers[i] != NULL; i++)
		if (strcmp(schedulers[i], vs->scheduler) == 0)
			break;
	if (schedulers[i] == NULL && suggest_closest(vs->scheduler,
	    schedulers) != NULL)
		ERR(p, vs->line, "vs %s: unknown scheduler \"%s\" (did you "
		    "mean \"%s\"?)", vs->name, vs->scheduler,
		    suggest_closest(vs->scheduler, schedulers));
	else if (schedulers[i] == NULL)
		ERR(p, vs->line, "vs %s: unknown scheduler \"%s\" (rr, wrr, lc, "
		    "wlc, lblc, lblcr, dh, sh, sed, nq, fo, ovf, mh, twos)",
		    vs->name, vs->scheduler);
	if (vs->fwmark == 0 && addr_is_set(&vs->addr) &&
	    addr_is_unusable_host(&vs->addr))
		ERR(p, vs->line, "vs %s: %s is not a usable service address",
		    vs->name, addr_fmt(&vs->addr, false, a, sizeof(a)));
	if (vs->fwmark == 0 && vs->port == 0 && vs->persistence_timeout == 0)
		ERR(p, vs->line, "vs %s: port 0 (all ports) needs "
		    "persistence_timeout", vs->name);
	if (vs->one_packet && vs->fwmark == 0 && vs->protocol != IPPROTO_UDP)
		ERR(p, vs->line, "vs %s: one_packet is for UDP services",
		    vs->name);
	if (vs->hysteresis > vs->quorum)
		ERR(p, vs->line, "vs %s: hysteresis is larger than quorum",
		    vs->name);
	if (vs->has_sorry)
		cfg_validate_rs(p, vs, &vs->sorry, "sorry server");
	cfg_check_argv(p, &vs->notify_quorum_up, "notify script");
	cfg_check_argv(p, &vs->notify_quorum_down, "notify script");
	for (i = 0; i < vs->nrs; i++) {
		cfg_validate_rs(p, vs, &vs->rs[i], "real server");
		for (j = 0; j < i; j++)
			if (addr_cmp(&vs->rs[i].addr, &vs->rs[j].addr) == 0 &&
			    vs->rs[i].port == vs->rs[j].port)
				ERR(p, vs->rs[i].line, "vs %s: duplicate real "
				    "server %s port %u (first at line %d)",
				    vs->name, addr_fmt(&vs->rs[i].addr, false,
				    a, sizeof(a)), vs->rs[i].port,
				    vs->rs[j].line);
	}
}

/*
 * A virtual server a splice took unchanged from a valid config passes
 * cfg_validate_one_vs() again if it names no program (whose file may
 * have changed since: script_security looks at it). Skipping it keeps a
 * one-line reload from reading 100,000 real servers (in the loader
 * child, each page of them is a fault).
 */
static bool
cfg_validated_before(const struct cfg_parser *p, size_t i)
{
	const struct cfg *c = p->cfg;

	return p->prev != NULL && c->same_as != NULL &&
	    c->same_as[i] != CFG_VS_NEW && c->vs[i].nprograms == 0;
}

/* Orders by name, then line: duplicates end up side by side. */
static int
cfg_vs_name_cmp(const void *x, const void *y)
{
	const struct cfg_vs *a = *(const struct cfg_vs *const *)x;
	const struct cfg_vs *b = *(const struct cfg_vs *const *)y;
	int c = strcmp(a->name, b->name);

	return c != 0 ? c : a->line - b->line;
}

/* Orders by identity (fwmark and family, or protocol, address, port). */
static int
cfg_vs_ident_cmp(const void *x, const void *y)
{
	const struct cfg_vs *a = *(const struct cfg_vs *const *)x;
	const struct cfg_vs *b = *(const struct cfg_vs *const *)y;
	int c;

	if (a->fwmark != b->fwmark)
		return a->fwmark < b->fwmark ? -1 : 1;
	if (a->fwmark != 0 && a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->fwmark == 0) {
		if (a->protocol != b->protocol)
			return a->protocol < b->protocol ? -1 : 1;
		if ((c = addr_cmp(&a->addr, &b->addr)) != 0)
			return c;
		if (a->port != b->port)
			return a->port < b->port ? -1 : 1;
	}
	return a->line - b->line;
}

/*
 * A splice that parsed a few virtual servers: the others were distinct
 * in prev, so only the new ones can clash, and each is compared with all
 * through what the structs hold (no name is read unless the hashes
 * match: in the loader child, reading 10,000 names is a fault each).
 * Any error makes the caller parse the whole file, whose messages are
 * the ones the operator sees. Returns false when this does not apply.
 */
#define CFG_FEW_NEW	32
static bool
cfg_validate_new_vs(struct cfg_parser *p)
{
	const struct cfg	*c = p->cfg;
	const struct cfg_vs	*a, *b;
	size_t			 i, j, n = 0;

	if (p->prev == NULL || c->same_as == NULL)
		return false;
	for (i = 0; i < c->nvs; i++)
		n += c->same_as[i] == CFG_VS_NEW;
	if (n > CFG_FEW_NEW)
		return false;
	for (i = 0; i < c->nvs; i++) {
		if (c->same_as[i] != CFG_VS_NEW)
			continue;
		a = &c->vs[i];
		for (j = 0; j < c->nvs; j++) {
			b = &c->vs[j];
			if (j == i || a->name == NULL || b->name == NULL)
				continue;
			if ((a->name_hash == b->name_hash &&
			    strcmp(a->name, b->name) == 0) ||
			    cfg_vs_same(a, b)) {
				ERR(p, a->line, "virtual server \"%s\" clashes "
				    "with \"%s\"", a->name, b->name);
				return true;
			}
		}
	}
	return true;
}

/*
 * Sorted, not pairwise: 10,000 services must validate in well under a
 * second (the pairwise loop took 0.76 s on its own).
 */
static void
cfg_validate_vs(struct cfg_parser *p)
{
	struct cfg	 *c = p->cfg;
	struct cfg_vs	**v, *first;
	char		  id[96];
	size_t		  i, n = 0;

	for (i = 0; i < c->nvs; i++)
		if (c->vs[i].name != NULL && !c->vs[i].bad &&
		    !cfg_validated_before(p, i))
			cfg_validate_one_vs(p, &c->vs[i]);
	if (cfg_validate_new_vs(p))
		return;
	if ((v = calloc(c->nvs ? c->nvs : 1, sizeof(*v))) == NULL)
		fatal("cfg_validate_vs");
	for (i = 0; i < c->nvs; i++)
		if (c->vs[i].name != NULL)	/* else already reported */
			v[n++] = &c->vs[i];
	qsort(v, n, sizeof(*v), cfg_vs_name_cmp);
	for (i = 1, first = n ? v[0] : NULL; i < n; i++) {
		if (strcmp(v[i]->name, first->name) != 0) {
			first = v[i];
			continue;
		}
		ERR(p, v[i]->line, "duplicate virtual server \"%s\" (first at "
		    "line %d)", v[i]->name, first->line);
	}
	qsort(v, n, sizeof(*v), cfg_vs_ident_cmp);
	for (i = 1, first = n ? v[0] : NULL; i < n; i++) {
		if (!cfg_vs_same(v[i], first)) {
			first = v[i];
			continue;
		}
		if (strcmp(v[i]->name, first->name) != 0)
			ERR(p, v[i]->line, "virtual server \"%s\": %s is "
			    "already declared by \"%s\" (line %d)", v[i]->name,
			    cfg_vs_ident(v[i], id, sizeof(id)), first->name,
			    first->line);
	}
	free(v);
}

void
cfg_validate(struct cfg_parser *p)
{
	cfg_check_argv(p, &p->cfg->global.notify, "notify script");
	cfg_validate_scripts(p);
	cfg_validate_vrrp(p);
	cfg_validate_groups(p);
	cfg_validate_vs(p);
}
