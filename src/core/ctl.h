/*
 * ctl.h - the control socket.
 *
 * Protocol (one request per connection): the client sends one line,
 * "COMMAND [ARG...] [--json]\n". The daemon answers "OK\n" or
 * "ERROR <message>\n", then the body (text, or one JSON document with
 * --json), and closes. New views are new rows in the command table.
 */
#ifndef DIRECTOR_CTL_H
#define DIRECTOR_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

struct director;
struct evbuffer;
struct stream;

#define CTL_LINE_MAX	1024
#define CTL_ARGS_MAX	16

struct ctl_req {
	char		*argv[CTL_ARGS_MAX];
	int		 argc;		/* argv[0] is the command */
	bool		 json;
	uint64_t	*wait_reload;	/* see CTL_PENDING */
	struct stream	*stream;	/* see CTL_STREAM, stream.h */
};

/*
 * A command's answer that is not ready: it sets *req->wait_reload to the
 * number of the config load whose outcome is the answer, and the reply
 * goes out from ctl_reload_done() once that load has ended.
 */
#define CTL_PENDING	1
/*
 * An answer too long to build in one go (thousands of checks): the view
 * fills *req->stream; "OK" and what the view wrote go out at once, then
 * more() is called at the bulk priority for about a millisecond per loop
 * turn, while the client keeps up, until it says it is done.
 */
#define CTL_STREAM	2

struct ctl_cmd {
	const char	*name;
	const char	*help;
	/* Writes the body to out; returns 0, or -1 with a message in err. */
	int		(*fn)(struct director *, const struct ctl_req *,
			    struct evbuffer *out, char *err, size_t errlen);
};

struct ctl_server;

/* Listens on path (mode 0600). NULL on error, logged. */
struct ctl_server	*ctl_open(struct director *, const char *path);
/* Closes every connection and removes the socket file. */
void			 ctl_close(struct ctl_server *);

/*
 * Splits a request line into req (modifies line). Returns 0, or -1 with
 * a message in err. Pure: unit-tested.
 */
int	ctl_parse_request(char *line, struct ctl_req *req, char *err,
	    size_t errlen);
/* The command named name, or NULL. */
const struct ctl_cmd *ctl_find(const char *name);

/*
 * Runs a view to its end in one go (the state dump): a streamed answer
 * is drained into out. Not for reload (CTL_PENDING is returned as is).
 */
int	ctl_run_view(struct director *, const struct ctl_cmd *,
	    struct ctl_req *, struct evbuffer *out, char *err, size_t errlen);
/* A config load ended: answers the reloads that waited for it. */
void	ctl_reload_done(struct ctl_server *);

/* Views, in ctl_views.c. */
int	ctl_view_status(struct director *, const struct ctl_req *,
	    struct evbuffer *, char *, size_t);
int	ctl_view_reload(struct director *, const struct ctl_req *,
	    struct evbuffer *, char *, size_t);
int	ctl_view_help(struct director *, const struct ctl_req *,
	    struct evbuffer *, char *, size_t);
int	ctl_view_ipvs(struct director *, const struct ctl_req *,
	    struct evbuffer *, char *, size_t);
int	ctl_view_vrrp(struct director *, const struct ctl_req *,
	    struct evbuffer *, char *, size_t);
int	ctl_view_checks(struct director *, const struct ctl_req *,
	    struct evbuffer *, char *, size_t);

extern const struct ctl_cmd ctl_commands[];

#endif
