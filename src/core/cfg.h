/*
 * cfg.h - the parsed, validated configuration.
 *
 * A struct cfg is built whole by cfg_load() into its own arena and is
 * immutable afterwards: subsystems keep pointers into it as their `conf`
 * part and rebind on reload. Times are milliseconds unless named
 * otherwise; `line` fields remember where an object was declared.
 */
#ifndef DIRECTOR_CFG_H
#define DIRECTOR_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "arena.h"

#define CFG_NAME_MAX		64
#define CFG_IFNAME_MAX		15	/* IFNAMSIZ - 1 */
#define CFG_VRRP_PASS_MAX	8	/* RFC 3768 simple text password */

/* A program and its arguments, run with execv(): never through a shell. */
struct cfg_argv {
	char		**argv;		/* NULL-terminated, NULL when unset */
	int		  argc;
	int		  line;
};

enum cfg_fwd {
	FWD_NAT,
	FWD_DR,
	FWD_TUN,
};

enum cfg_tun_type {
	TUN_IPIP,
	TUN_GUE,
	TUN_GRE,
};

enum cfg_tun_csum {
	TUN_CSUM_NONE,
	TUN_CSUM_CSUM,
	TUN_CSUM_REMCSUM,
};

struct cfg_fwd_conf {
	enum cfg_fwd		method;
	enum cfg_tun_type	tun_type;	/* FWD_TUN only */
	uint16_t		tun_port;	/* TUN_GUE only */
	enum cfg_tun_csum	tun_csum;	/* TUN_GUE and TUN_GRE */
};

enum cfg_check_type {
	CHECK_NONE,
	CHECK_TCP,
	CHECK_HTTP,
	CHECK_HTTPS,
	CHECK_TLS,
	CHECK_SCRIPT,
};

enum cfg_digest {
	DIGEST_NONE,
	DIGEST_MD5,
	DIGEST_SHA256,
};

struct cfg_status_range {
	uint16_t	lo, hi;
};

struct cfg_check {
	int			 line;
	enum cfg_check_type	 type;
	uint32_t		 interval;
	uint32_t		 timeout;
	uint32_t		 connect_timeout;	/* 0: same as timeout */
	uint32_t		 retry_delay;		/* after a failure */
	unsigned		 rise;
	unsigned		 fall;
	bool			 initial_up;
	uint16_t		 port;		/* 0: the real server's */
	struct addr		 source;	/* bind address, or unset */
	/* tcp */
	char			*send;
	char			*expect;
	/* http, https */
	char			*method;
	char			*path;
	char			*host;
	struct cfg_status_range	*status;
	size_t			 nstatus;
	char			*body_regex;
	enum cfg_digest		 digest_alg;
	char			*digest;	/* lower-case hex */
	uint32_t		 max_body;	/* bytes */
	char			*weight_header;	/* dynamic weight */
	/* https, tls */
	bool			 tls_verify;
	char			*ca_file;
	char			*client_cert;
	char			*client_key;
	char			*sni;
	unsigned		 cert_expiry_warn_days;
	/* script */
	struct cfg_argv		 script;
	bool			 dynamic_weight;
};

struct cfg_rs {
	int			 line;
	bool			 bad;		/* had a parse error */
	struct addr		 addr;
	uint16_t		 port;
	int			 weight;
	int			 max_weight;	/* dynamic weight clamp */
	struct cfg_fwd_conf	 fwd;
	uint32_t		 upper_threshold;
	uint32_t		 lower_threshold;
	uint32_t		 slow_start;
	struct cfg_check	 check;		/* type CHECK_NONE: always up */
	struct cfg_argv		 notify_up;
	struct cfg_argv		 notify_down;
};

struct cfg_vs {
	int			 line;
	bool			 bad;		/* had a parse error */
	char			*name;
	/* identity: fwmark != 0, or address + port + protocol */
	uint32_t		 fwmark;
	int			 af;		/* AF_INET or AF_INET6 */
	struct addr		 addr;
	uint16_t		 port;
	int			 protocol;	/* IPPROTO_TCP, _UDP, _SCTP */
	char			*scheduler;
	uint32_t		 sched_flags;	/* CFG_SCHED_F_* */
	struct cfg_fwd_conf	 fwd;		/* default for real servers */
	uint32_t		 persistence_timeout;	/* seconds, 0: off */
	uint32_t		 persistence_netmask;	/* v4 mask or v6 prefix */
	bool			 one_packet;
	uint32_t		 quorum;
	uint32_t		 hysteresis;
	bool			 inhibit_on_failure;
	bool			 has_sorry;
	struct cfg_rs		 sorry;
	struct cfg_argv		 notify_quorum_up;
	struct cfg_argv		 notify_quorum_down;
	struct cfg_rs		*rs;
	size_t			 nrs;
	uint32_t		 nchecks;	/* rs[] with a check */
	uint32_t		 nprograms;	/* scripts, sorry and rs[] too */
	uint64_t		 name_hash;	/* cfg_name_hash(name) */
	/*
	 * Set by the load. A reload that did not parse this server shares
	 * rs[] and the strings with the config that did (owner, in its
	 * arena); lines inside rs[] are then off by rs_line_shift: read
	 * them with cfg_rs_line().
	 */
	const struct cfg	*owner;
	int			 rs_line_shift;
};

/* Scheduler flags; the names depend on the scheduler (sh-port, mh-port...). */
#define CFG_SCHED_F_1	0x1
#define CFG_SCHED_F_2	0x2
#define CFG_SCHED_F_3	0x4

struct cfg_vip {
	int			 line;
	struct addr		 addr;
	char			*dev;		/* NULL: the instance's interface */
	char			*label;
};

struct cfg_track_if {
	int			 line;
	char			*ifname;
	int			 weight;	/* 0: link down means FAULT */
};

struct cfg_vrrp_script {
	int			 line;
	char			*name;
	struct cfg_argv		 argv;
	uint32_t		 interval;
	uint32_t		 timeout;
	unsigned		 rise;
	unsigned		 fall;
	int			 weight;	/* 0: failure means FAULT */
};

struct cfg_track_script {
	int				 line;
	char				*name;
	int				 weight;
	const struct cfg_vrrp_script	*script;	/* resolved */
};

struct cfg_vrrp_notify {
	struct cfg_argv		 master;
	struct cfg_argv		 backup;
	struct cfg_argv		 fault;
	struct cfg_argv		 stop;
	struct cfg_argv		 any;		/* every transition */
};

struct cfg_garp {
	unsigned		 count;		/* announcements on MASTER */
	uint32_t		 interval;	/* between them */
	uint32_t		 refresh;	/* periodic re-announce, 0: off */
};

struct cfg_vrrp {
	int			 line;
	bool			 bad;		/* had a parse error */
	char			*name;
	char			*ifname;
	uint8_t			 vrid;
	uint8_t			 priority;
	bool			 address_owner;
	uint8_t			 version;	/* 2 or 3 */
	uint16_t		 advert_cs;	/* centiseconds */
	int			 af;		/* from the VIPs */
	bool			 preempt;
	uint32_t		 preempt_delay;
	bool			 accept;
	struct cfg_vip		*vips;
	size_t			 nvips;
	struct addr		 unicast_src;
	struct addr		*peers;
	size_t			 npeers;
	char			*auth_pass;	/* v2 only, NULL: none */
	struct cfg_track_if	*track_ifs;
	size_t			 ntrack_ifs;
	struct cfg_track_script	*track_scripts;
	size_t			 ntrack_scripts;
	struct cfg_vrrp_notify	 notify;
	struct cfg_garp		 garp;
	bool			 use_vmac;
	char			*vmac_ifname;
	const char		*sync_group;	/* resolved, or NULL */
};

struct cfg_sync_group {
	int			 line;
	char			*name;
	char			**members;
	int			*member_lines;
	size_t			 nmembers;
	struct cfg_vrrp_notify	 notify;
};

struct cfg_global {
	char			*router_id;
	int			 log_facility;
	int			 log_level;
	char			*control_socket;
	char			*script_user;
	bool			 script_security;
	bool			 drop_capabilities;	/* at start-up only */
	int			 realtime_priority;	/* 0 off, 1-99: SCHED_RR */
	struct cfg_argv		 notify;
	char			*notify_fifo;
	char			*metrics_listen;	/* "host:port" or NULL */
	char			*dump_file;
	/* ipvs */
	bool			 ipvs_load_module;
	bool			 ipvs_purge_unknown;
	uint32_t		 ipvs_drift_interval;
	char			*sync_ifname;	/* NULL: no sync daemon */
	uint8_t			 sync_id;
	uint32_t		 timeout_tcp;	/* seconds, 0: kernel's */
	uint32_t		 timeout_tcp_fin;
	uint32_t		 timeout_udp;
};

struct cfg_src;

struct cfg {
	struct arena		 arena;
	char			*file;
	struct cfg_global	 global;
	struct cfg_vrrp_script	*vrrp_scripts;
	size_t			 nvrrp_scripts;
	struct cfg_vrrp		*vrrp;
	size_t			 nvrrp;
	struct cfg_sync_group	*groups;
	size_t			 ngroups;
	struct cfg_vs		*vs;
	size_t			 nvs;
	/* how it was loaded */
	size_t			 parsed_vs;	/* the others were shared */
	/*
	 * After a splice (cfg_load_next()): from is the config it was read
	 * against, and same_as[i] the index in from of a virtual server
	 * equal to vs[i] in every field but its lines, or CFG_VS_NEW. Both
	 * NULL after a full parse. from is only compared, never read: it
	 * may be gone.
	 */
	const struct cfg	*from;
	const uint32_t		*same_as;
	const struct cfg_src	*src;		/* its text, or NULL */
	unsigned		 refs;		/* see cfg_free() */
	struct cfg		*base;		/* whose servers it shares */
};

#define CFG_VS_NEW	UINT32_MAX

/* FNV-1a of a name (0 for none): compared before the names themselves. */
static inline uint64_t
cfg_name_hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* A line inside vs->rs[] (0 stays "not set"). */
static inline int
cfg_rs_line(const struct cfg_vs *vs, int line)
{
	return line != 0 ? line + vs->rs_line_shift : 0;
}

/* Error list filled by cfg_load(): each entry is "FILE:LINE: message". */
struct cfg_errors {
	char			**msg;		/* sorted by line, stable */
	int			 *line;
	size_t			  n;
	size_t			  cap;
};

/*
 * Parses and validates file. Returns a new config, or NULL with every
 * problem appended to errs (which the caller frees with cfg_errors_free).
 */
struct cfg	*cfg_load(const char *file, struct cfg_errors *errs);
/*
 * The same, for a reload: when the file differs from prev's text in one
 * place (one edit inside the virtual_servers list, or one outside it),
 * only the virtual servers that overlap the change are parsed and the
 * others are taken from prev (shared with the config that parsed them:
 * see cfg_splice.c). The result and the errors are exactly those of
 * cfg_load(); prev may be NULL.
 */
struct cfg	*cfg_load_next(const char *file, const struct cfg *prev,
		    struct cfg_errors *errs);
/*
 * For the config loader child, which exits right after its load: from
 * now on cfg_load() leaves libconfig's parse tree allocated (freeing it
 * node by node is a sixth of the load's time at 10,000 services), and a
 * config that shares servers with prev takes no reference on it: the
 * parent takes it with cfg_adopt().
 */
void		 cfg_load_in_child(void);
/* The references a config built by the loader child holds. */
void		 cfg_adopt(struct cfg *);
/* Same, from a string; file is only used in messages. */
struct cfg	*cfg_load_string(const char *text, const char *file,
		    struct cfg_errors *errs);
struct cfg	*cfg_load_string_next(const char *text, const char *file,
		    const struct cfg *prev, struct cfg_errors *errs);
/*
 * Drops the caller's reference. A config that shares servers with its
 * base holds a reference on it, so the base's memory goes with the last
 * config that uses it, whatever the order of the calls.
 */
void		 cfg_free(struct cfg *);
void		 cfg_errors_free(struct cfg_errors *);

/* Writes the canonical form (parses back to the same config). */
struct evbuffer;
void		 cfg_print(const struct cfg *, struct evbuffer *);
/* One virtual server's settings, the same way. */
void		 cfg_print_vs(const struct cfg_vs *, struct evbuffer *);

/* Names for enums, shared by the parser, printer and views. */
const char	*cfg_fwd_name(enum cfg_fwd);
const char	*cfg_proto_name(int protocol);
const char	*cfg_check_type_name(enum cfg_check_type);
/* A virtual server's identity as text: "tcp 10.0.0.1:80", "fwmark 7". */
const char	*cfg_vs_ident(const struct cfg_vs *, char *buf, size_t len);

#endif
