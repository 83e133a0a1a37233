/*
 * daemon.h - the one daemon context and its life cycle.
 *
 * struct director is the only mutable state of the process; it is passed
 * explicitly. Leaves (ipvs/, *_pkt.c) never see it.
 */
#ifndef DIRECTOR_DAEMON_H
#define DIRECTOR_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "caps.h"
#include "cfg.h"

struct event_base;
struct event;
struct evbuffer;
struct ctl_server;
struct ipvs_nl;
struct lb;
struct vrrp;
struct proc_runner;
struct hc_engine;
struct hc_http;
struct metrics;
struct notify;

#define DIRECTOR_DEFAULT_CONF	"/etc/director.conf"
#define DIRECTOR_DEFAULT_PID	"/run/director.pid"
#define DIRECTOR_DEFAULT_SOCK	"/run/director.sock"

struct cfg_loader;

struct reload_status {
	time_t			 when;		/* 0: never reloaded */
	bool			 ok;
	char			*first_error;	/* malloc'd, NULL when ok */
	size_t			 nerrors;
	uint64_t		 n_ok;
	uint64_t		 n_failed;
	/*
	 * Loads are numbered: started is the last one begun, done the last
	 * one finished (its errors in errs). A load requested while one runs
	 * is made once that one ends (again), so that it reads the file as
	 * it is after the request.
	 */
	struct cfg_loader	*loader;	/* the load in flight, or NULL */
	uint64_t		 begun_us;	/* when it started */
	uint64_t		 started;
	uint64_t		 done;
	bool			 again;
	struct cfg_errors	 errs;
};

struct ipvs_status {
	bool			 available;
	uint32_t		 version;
	uint32_t		 conn_tab_size;
	char			 reason[128];	/* why unavailable */
};

struct director {
	struct event_base	*base;
	struct cfg		*cfg;		/* running config */
	const char		*cfg_file;
	const char		*pidfile;
	const char		*sock_path;
	bool			 foreground;
	bool			 verbose;	/* -v: debug whatever the file says */
	uint64_t		 generation;	/* 1 for the first config */
	time_t			 started;
	struct reload_status	 reload;
	struct ipvs_status	 ipvs;
	struct ctl_server	*ctl;
	struct ipvs_nl		*ipvs_nl;	/* NULL without kernel IPVS */
	struct lb		*lb;		/* the IPVS engine, or NULL */
	struct vrrp		*vrrp;		/* the VRRP engine */
	struct proc_runner	*procs;		/* scripts and hooks */
	struct hc_engine	*hc;		/* health checks */
	struct hc_http		*http;		/* libcurl for http checks */
	struct metrics		*metrics;
	struct notify		*notify;
	struct event		*ev_signals[4];
	struct event		*ev_reload;	/* coalesces reload requests */
	struct event		*ev_rt;		/* realtime fallback watch */
	bool			 stopping;
	int			 sync_role;	/* 0 none, 1 master, 2 backup */
	int			*group_state;	/* per cfg group, -1: none yet */
	struct caps_state	 caps;		/* as start-up left them */
	bool			 caps_dropped;
};

/* Sets up the loop, signals and control socket around d->cfg. 0 or -1. */
int	daemon_start(struct director *d);
/* Runs the loop until an orderly shutdown; then tears everything down. */
void	daemon_run(struct director *d);
/*
 * Starts loading the config file again (in a child process, see
 * cfg_loader.h); when it is valid it is swapped in, on errors the running
 * config stays. Returns the number of the load whose outcome answers
 * this request; ctl_reload_done() is called as each load ends.
 */
uint64_t daemon_reload(struct director *d);
/*
 * The outcome of the last finished load, to out (text or JSON). Returns 0
 * when it runs, -1 (with err) when it was refused.
 */
int	daemon_reload_outcome(struct director *d, struct evbuffer *out,
	    bool json, char *err, size_t errlen);
/* Asks for a reload at the next loop turn; several requests make one. */
void	daemon_request_reload(struct director *d);
/* Writes the state dump to the log, or the configured dump file. */
void	daemon_dump(struct director *d);
/* Seconds since start. */
long long daemon_uptime(const struct director *d);

#endif
