/*
 * ctl.c - the control socket server, see ctl.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "ctl.h"
#include "daemon.h"
#include "log.h"
#include "stream.h"

#define CTL_TIMEOUT_S	5
#define CTL_MAX_CONNS	64

const struct ctl_cmd ctl_commands[] = {
	{ "status", "daemon, config and subsystem status", ctl_view_status },
	{ "reload", "re-read the config file", ctl_view_reload },
	{ "vrrp", "VRRP instances: state, priority, master, counters",
	    ctl_view_vrrp },
	{ "checks", "health checks: state, last result, latency, counts",
	    ctl_view_checks },
	{ "ipvs", "the kernel's IPVS table [--stats|--rate]; ipvs sync: "
	    "repair drift now", ctl_view_ipvs },
	{ "help", "list the commands", ctl_view_help },
	{ NULL, NULL, NULL },
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct ctl_server	*srv;
	struct bufferevent	*bev;
	uint64_t		 wait_reload;	/* 0: not waiting */
	bool			 json;
	struct stream		 stream;	/* more != NULL: streaming */
	struct event		*ev_stream;
};

struct ctl_server {
	struct director		*d;
	struct evconnlistener	*lev;
	char			*path;
	TAILQ_HEAD(, ctl_conn)	 conns;
	int			 nconns;
};

const struct ctl_cmd *
ctl_find(const char *name)
{
	const struct ctl_cmd *c;

	for (c = ctl_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int
ctl_parse_request(char *line, struct ctl_req *req, char *err, size_t errlen)
{
	char	*w, *save;

	memset(req, 0, sizeof(*req));
	for (w = strtok_r(line, " \t\r", &save); w != NULL;
	    w = strtok_r(NULL, " \t\r", &save)) {
		if (strcmp(w, "--json") == 0) {
			req->json = true;
			continue;
		}
		if (req->argc == CTL_ARGS_MAX) {
			snprintf(err, errlen, "too many arguments");
			return -1;
		}
		req->argv[req->argc++] = w;
	}
	if (req->argc == 0) {
		snprintf(err, errlen, "empty request");
		return -1;
	}
	return 0;
}

static void
ctl_stream_end(struct ctl_conn *c)
{
	if (c->stream.more != NULL && c->stream.done != NULL)
		c->stream.done(c->stream.state);
	c->stream.more = NULL;
	if (c->ev_stream != NULL)
		event_free(c->ev_stream);
	c->ev_stream = NULL;
}

static void
ctl_conn_free(struct ctl_conn *c)
{
	ctl_stream_end(c);
	TAILQ_REMOVE(&c->srv->conns, c, entry);
	c->srv->nconns--;
	bufferevent_free(c->bev);
	free(c);
}

static void
ctl_write_cb(struct bufferevent *bev, void *arg)
{
	ctl_conn_free(arg);
}

static void
ctl_event_cb(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		ctl_conn_free(arg);
}

/* One piece of a long answer, then the next when the client keeps up. */
static void
ctl_stream_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*out = bufferevent_get_output(c->bev);

	if (stream_slice(c->srv->d, &c->stream, out, STREAM_HIGH) == 1) {
		/* Next turn, or once the client drained (write_cb). */
		if (evbuffer_get_length(out) < STREAM_HIGH)
			event_active(c->ev_stream, EV_TIMEOUT, 0);
		return;
	}
	ctl_stream_end(c);
	/* Closes once the rest is written. */
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	bufferevent_setcb(c->bev, NULL, ctl_write_cb, ctl_event_cb, c);
	if (evbuffer_get_length(out) == 0)
		ctl_conn_free(c);
}

/* The client read enough of a long answer: produce more. */
static void
ctl_stream_write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn *c = arg;

	if (c->ev_stream != NULL && !event_pending(c->ev_stream,
	    EV_TIMEOUT, NULL))
		event_active(c->ev_stream, EV_TIMEOUT, 0);
}

static void
ctl_stream_start(struct ctl_conn *c, struct evbuffer *body)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	event_base_update_cache_time(bufferevent_get_base(c->bev));
	evbuffer_add_printf(out, "OK\n");
	evbuffer_add_buffer(out, body);
	if ((c->ev_stream = event_new(bufferevent_get_base(c->bev), -1, 0,
	    ctl_stream_cb, c)) == NULL || event_priority_set(c->ev_stream,
	    STREAM_PRIORITY) == -1) {
		ctl_conn_free(c);
		return;
	}
	bufferevent_setwatermark(c->bev, EV_WRITE, STREAM_LOW, 0);
	bufferevent_setcb(c->bev, NULL, ctl_stream_write_cb, ctl_event_cb, c);
	event_active(c->ev_stream, EV_TIMEOUT, 0);
}

/* Sends "OK" or "ERROR err", then body, and closes once written. */
static void
ctl_reply(struct ctl_conn *c, int rc, const char *err, struct evbuffer *body)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	/*
	 * A long command left the cached time behind: the write timeout
	 * would count from it and drop the reply at once.
	 */
	event_base_update_cache_time(bufferevent_get_base(c->bev));
	if (rc == 0)
		evbuffer_add_printf(out, "OK\n");
	else
		evbuffer_add_printf(out, "ERROR %s\n", err);
	evbuffer_add_buffer(out, body);
	bufferevent_setcb(c->bev, NULL, ctl_write_cb, ctl_event_cb, c);
}

static void
ctl_dispatch(struct ctl_conn *c, char *line)
{
	struct evbuffer		*body = evbuffer_new();
	const struct ctl_cmd	*cmd;
	struct ctl_req		 req;
	char			 err[256] = "";
	int			 rc = -1;

	if (body == NULL) {
		ctl_conn_free(c);
		return;
	}
	/* One request per connection. */
	bufferevent_disable(c->bev, EV_READ);
	if (ctl_parse_request(line, &req, err, sizeof(err)) == 0) {
		req.wait_reload = &c->wait_reload;
		req.stream = &c->stream;
		if ((cmd = ctl_find(req.argv[0])) == NULL)
			snprintf(err, sizeof(err), "unknown command \"%s\" "
			    "(try \"help\")", req.argv[0]);
		else
			rc = cmd->fn(c->srv->d, &req, body, err, sizeof(err));
	}
	if (rc == CTL_PENDING) {
		/* No timeout while it waits: a large load takes its time. */
		c->json = req.json;
		bufferevent_setcb(c->bev, NULL, NULL, ctl_event_cb, c);
	} else if (rc == CTL_STREAM) {
		ctl_stream_start(c, body);
	} else {
		c->wait_reload = 0;
		ctl_reply(c, rc, err, body);
	}
	evbuffer_free(body);
}

int
ctl_run_view(struct director *d, const struct ctl_cmd *cmd,
    struct ctl_req *req, struct evbuffer *out, char *err, size_t errlen)
{
	struct stream		stream = { NULL, NULL, NULL };
	uint64_t		wait = 0;
	int			rc;

	req->stream = &stream;
	req->wait_reload = &wait;
	if ((rc = cmd->fn(d, req, out, err, errlen)) == CTL_STREAM) {
		while (stream.more(d, stream.state, out) == 1)
			;
		if (stream.done != NULL)
			stream.done(stream.state);
		rc = 0;
	}
	return rc;
}

void
ctl_reload_done(struct ctl_server *srv)
{
	struct ctl_conn	*c, *next;
	struct evbuffer	*body;
	char		 err[256] = "";
	int		 rc;

	for (c = TAILQ_FIRST(&srv->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->wait_reload == 0 ||
		    c->wait_reload > srv->d->reload.done)
			continue;
		c->wait_reload = 0;
		if ((body = evbuffer_new()) == NULL) {
			ctl_conn_free(c);
			continue;
		}
		rc = daemon_reload_outcome(srv->d, body, c->json, err,
		    sizeof(err));
		ctl_reply(c, rc, err, body);
		evbuffer_free(body);
	}
}

static void
ctl_read_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	size_t		 len;
	char		*line;

	line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > CTL_LINE_MAX) {
			log_warnx("control: request line too long, closing");
			ctl_conn_free(c);
		}
		return;
	}
	ctl_dispatch(c, line);
	free(line);
}

static void
ctl_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl_server	*srv = arg;
	struct ctl_conn		*c;
	struct timeval		 tv = { CTL_TIMEOUT_S, 0 };

	if (srv->nconns >= CTL_MAX_CONNS || (c = calloc(1, sizeof(*c))) ==
	    NULL) {
		log_warnx("control: too many connections, refusing one");
		close(fd);
		return;
	}
	c->srv = srv;
	c->bev = bufferevent_socket_new(evconnlistener_get_base(lev), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		close(fd);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&srv->conns, c, entry);
	srv->nconns++;
	bufferevent_setcb(c->bev, ctl_read_cb, NULL, ctl_event_cb, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ);
}

struct ctl_server *
ctl_open(struct director *d, const char *path)
{
	struct ctl_server	*srv;
	struct sockaddr_un	 sun;
	mode_t			 old;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket path too long: %s", path);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	if ((srv = calloc(1, sizeof(*srv))) == NULL ||
	    (srv->path = strdup(path)) == NULL) {
		free(srv);
		return NULL;
	}
	srv->d = d;
	TAILQ_INIT(&srv->conns);
	/* We hold the pid file lock, so a socket left here is stale. */
	if (unlink(path) == -1 && errno != ENOENT)
		log_warn("control socket %s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1)
		goto fail;
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		close(fd);
		goto fail;
	}
	umask(old);
	if (chmod(path, 0600) == -1)
		log_warn("control socket %s: chmod", path);
	srv->lev = evconnlistener_new(d->base, ctl_accept_cb, srv,
	    LEV_OPT_CLOSE_ON_FREE, 16, fd);
	if (srv->lev == NULL) {
		close(fd);
		unlink(path);
		goto fail;
	}
	return srv;
fail:
	log_warn("control socket %s", path);
	free(srv->path);
	free(srv);
	return NULL;
}

void
ctl_close(struct ctl_server *srv)
{
	struct ctl_conn *c;

	if (srv == NULL)
		return;
	while ((c = TAILQ_FIRST(&srv->conns)) != NULL)
		ctl_conn_free(c);
	evconnlistener_free(srv->lev);
	if (unlink(srv->path) == -1 && errno != ENOENT)
		log_warn("control socket %s", srv->path);
	free(srv->path);
	free(srv);
}
