/*
 * hc_tcp.c - the tcp checker: a non-blocking connect on the loop, then
 * optionally send a payload and wait for bytes that must contain
 * `expect`. One deadline (timeout) for the whole probe, counted from
 * its start, and an earlier one for the connect (connect_timeout).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "clock.h"
#include "hc.h"

#define HC_TCP_READ_MAX	4096

struct hc_tcp {
	struct hc_ctx		*ctx;
	const struct cfg_check	*ck;
	hc_done_fn		 done;
	void			*arg;
	int			 fd;
	bool			 connected;
	size_t			 sent;
	char			 buf[HC_TCP_READ_MAX + 1];
	size_t			 got;
	int			 err;		/* connect() failed at once */
	uint64_t		 started;
	struct event		*ev;
	struct event		*ev_timeout;
	struct event		*ev_connect_timeout;
};

static void
hc_tcp_free(struct hc_tcp *p)
{
	if (p->ev != NULL)
		event_free(p->ev);
	if (p->ev_timeout != NULL)
		event_free(p->ev_timeout);
	if (p->ev_connect_timeout != NULL)
		event_free(p->ev_connect_timeout);
	if (p->fd != -1)
		close(p->fd);
	free(p);
}

static void
hc_tcp_finish(struct hc_tcp *p, enum hc_reason r, int code,
    const char *detail)
{
	struct hc_result res;

	memset(&res, 0, sizeof(res));
	res.reason = r;
	res.code = code;
	res.weight = -1;
	res.cert_days_left = -1;
	res.latency_us = clock_now_us() - p->started;
	snprintf(res.detail, sizeof(res.detail), "%s", detail);
	p->done(p->arg, &res);
	hc_tcp_free(p);
}

static enum hc_reason
hc_tcp_errno_reason(int e)
{
	switch (e) {
	case ECONNREFUSED:
		return HC_CONNECT_REFUSED;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EADDRNOTAVAIL:
		return HC_UNREACHABLE;
	case ETIMEDOUT:
		return HC_CONNECT_TIMEOUT;
	default:
		return HC_RESET;
	}
}

static void
hc_tcp_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hc_tcp *p = arg;

	if (!p->connected)
		hc_tcp_finish(p, HC_CONNECT_TIMEOUT, 0, "connect timed out");
	else
		hc_tcp_finish(p, HC_TIMEOUT, 0, "no answer in time");
}

/* Connected: send the payload, then read until expect shows up. */
static void
hc_tcp_io(struct hc_tcp *p, short what)
{
	const char	*send_buf = p->ck->send;
	ssize_t		 n;

	if (send_buf != NULL && p->sent < strlen(send_buf)) {
		n = send(p->fd, send_buf + p->sent, strlen(send_buf) - p->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN) {
			hc_tcp_finish(p, HC_RESET, errno, strerror(errno));
			return;
		}
		if (n > 0)
			p->sent += n;
		return;
	}
	if (p->ck->expect == NULL) {
		hc_tcp_finish(p, HC_OK, 0, "connected");
		return;
	}
	if (!(what & EV_READ))
		return;
	n = recv(p->fd, p->buf + p->got, HC_TCP_READ_MAX - p->got, 0);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n <= 0) {
		hc_tcp_finish(p, HC_RESET, n == 0 ? 0 : errno, n == 0 ?
		    "closed before the expected answer" : strerror(errno));
		return;
	}
	p->got += n;
	p->buf[p->got] = '\0';
	if (memmem(p->buf, p->got, p->ck->expect, strlen(p->ck->expect)))
		hc_tcp_finish(p, HC_OK, 0, "expected answer");
	else if (p->got == HC_TCP_READ_MAX)
		hc_tcp_finish(p, HC_BAD_RESPONSE, 0, "expected answer not in "
		    "the first 4 KB");
}

static void
hc_tcp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_tcp	*p = arg;
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	if (!p->connected) {
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err != 0) {
			hc_tcp_finish(p, hc_tcp_errno_reason(err), err,
			    strerror(err));
			return;
		}
		p->connected = true;
		event_del(p->ev_connect_timeout);
		/* From now on: readable for expect, writable to send. */
		event_del(p->ev);
		event_assign(p->ev, p->ctx->base, p->fd, EV_READ | EV_WRITE |
		    EV_PERSIST, hc_tcp_cb, p);
		event_add(p->ev, NULL);
	}
	hc_tcp_io(p, what);
}

static void
hc_tcp_later_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hc_tcp *p = arg;

	hc_tcp_finish(p, hc_tcp_errno_reason(p->err), p->err,
	    strerror(p->err));
}

static void *
hc_tcp_start(struct hc_ctx *ctx, const struct hc_target *t, hc_done_fn done,
    void *arg)
{
	struct hc_tcp		*p;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	uint32_t		 cto;
	struct timeval		 tv;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ctx = ctx;
	p->ck = t->ck;
	p->done = done;
	p->arg = arg;
	p->started = clock_now_us();
	p->fd = -1;
	p->ev_timeout = evtimer_new(ctx->base, hc_tcp_timeout_cb, p);
	p->ev_connect_timeout = evtimer_new(ctx->base, hc_tcp_timeout_cb, p);
	p->ev = event_new(ctx->base, -1, 0, NULL, NULL);
	if (p->ev_timeout == NULL || p->ev_connect_timeout == NULL ||
	    p->ev == NULL)
		goto fail;
	memset(&ss, 0, sizeof(ss));
	if (t->addr.af == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = t->addr.u.v4;
		sin->sin_port = htons(t->port);
		sslen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = t->addr.u.v6;
		sin6->sin6_port = htons(t->port);
		sslen = sizeof(*sin6);
	}
	if ((p->fd = socket(t->addr.af, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (addr_is_set(&t->ck->source)) {
		struct sockaddr_storage	src = ss;

		memset(&src, 0, sizeof(src));
		src.ss_family = t->ck->source.af;
		if (t->ck->source.af == AF_INET)
			((struct sockaddr_in *)&src)->sin_addr =
			    t->ck->source.u.v4;
		else
			((struct sockaddr_in6 *)&src)->sin6_addr =
			    t->ck->source.u.v6;
		if (bind(p->fd, (struct sockaddr *)&src, sslen) == -1)
			goto fail;
	}
	event_assign(p->ev, ctx->base, p->fd, EV_WRITE, hc_tcp_cb, p);
	if (connect(p->fd, (struct sockaddr *)&ss, sslen) == -1 &&
	    errno != EINPROGRESS) {
		/* Report from the loop, never from inside start(). */
		p->err = errno;
		event_assign(p->ev, ctx->base, -1, 0, hc_tcp_later_cb, p);
		event_active(p->ev, EV_TIMEOUT, 0);
		return p;
	}
	event_add(p->ev, NULL);
	tv.tv_sec = t->ck->timeout / 1000;
	tv.tv_usec = (t->ck->timeout % 1000) * 1000;
	evtimer_add(p->ev_timeout, &tv);
	if ((cto = t->ck->connect_timeout) != 0 && cto < t->ck->timeout) {
		tv.tv_sec = cto / 1000;
		tv.tv_usec = (cto % 1000) * 1000;
		evtimer_add(p->ev_connect_timeout, &tv);
	}
	return p;
fail:
	hc_tcp_free(p);
	return NULL;
}

static void
hc_tcp_cancel(void *probe)
{
	hc_tcp_free(probe);
}

const struct hc_checker hc_tcp_checker = { hc_tcp_start, hc_tcp_cancel };
