/*
 * hc.h - health checks: the interface between the engine (scheduling,
 * rise/fall policy, weights) and the checkers (one probe each).
 *
 * A checker only probes and reports: it never logs, never changes a
 * weight, never retries. Each probe ends exactly once, through its done
 * callback, unless cancelled first (then never).
 */
#ifndef DIRECTOR_HC_H
#define DIRECTOR_HC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "cfg.h"

struct event_base;
struct proc_runner;

/* Why a probe failed (or HC_OK); names in hc_reason_name(). */
enum hc_reason {
	HC_OK = 0,
	HC_CONNECT_REFUSED,
	HC_CONNECT_TIMEOUT,
	HC_UNREACHABLE,		/* no route, host unreachable */
	HC_TIMEOUT,		/* connected, no complete answer in time */
	HC_RESET,		/* reset or closed too early */
	HC_BAD_RESPONSE,	/* expect not matched, garbage, protocol */
	HC_STATUS,		/* HTTP status not expected; code in result */
	HC_BODY_REGEX,		/* body did not match body_regex */
	HC_BODY_DIGEST,		/* body digest differs */
	HC_BODY_TOO_BIG,	/* more than max_body */
	HC_TLS_HANDSHAKE,
	HC_TLS_VERIFY,		/* certificate or hostname not verified */
	HC_SCRIPT_FAILED,	/* exit code in result */
	HC_SCRIPT_TIMEOUT,
	HC_INTERNAL,		/* could not even try (ENOMEM, fork...) */
	HC_NREASONS
};

struct hc_result {
	enum hc_reason	reason;
	int		code;		/* HTTP status, exit code, errno */
	int		weight;		/* dynamic weight, -1: none */
	uint64_t	latency_us;	/* from start to the answer */
	int		cert_days_left;	/* tls/https: -1 unknown */
	char		detail[128];	/* for logs: "status 503" */
};

typedef void (*hc_done_fn)(void *arg, const struct hc_result *);

/* What one probe targets. */
struct hc_target {
	const struct cfg_check	*ck;
	struct addr		 addr;	/* the real server */
	uint16_t		 port;	/* ck->port, else the real server's */
	void			**cache; /* the checker's, kept across one
					    server's probes; NULL: none */
};

/* Shared by all probes: the loop and the helpers checkers need. */
struct hc_ctx {
	struct event_base	*base;
	struct proc_runner	*runner;	/* script checks */
	uid_t			 uid;		/* scripts run as */
	gid_t			 gid;
	struct hc_http		*http;		/* libcurl multi, http/https */
};

/* A checker: start returns a probe handle, or NULL (then done never runs). */
struct hc_checker {
	void	*(*start)(struct hc_ctx *, const struct hc_target *,
		    hc_done_fn, void *arg);
	void	 (*cancel)(void *probe);
	void	 (*cache_free)(void *);	/* NULL: the checker keeps nothing */
};

extern const struct hc_checker hc_tcp_checker;
extern const struct hc_checker hc_http_checker;	/* http and https */
extern const struct hc_checker hc_tls_checker;
extern const struct hc_checker hc_script_checker;

const char	*hc_reason_name(enum hc_reason);
/* What a failed connect's errno says, for the socket checkers. */
enum hc_reason	 hc_reason_of_errno(int);

/* The libcurl multi handle on the loop (hc_http.c). NULL on error. */
struct hc_http	*hc_http_new(struct event_base *);
void		 hc_http_free(struct hc_http *);

#endif
