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
#include <event2/event_struct.h>

#include "clock.h"
#include "hc.h"

#define HC_TCP_READ_MAX	4096

/*
 * One probe is one allocation and one event: the event watches the
 * socket with the current deadline as its timeout, so a connect-only
 * probe costs one epoll add and one delete (measured by bench/hc-scale
 * at 10,000 checks a second). The receive buffer follows the struct
 * only when there is something to expect.
 */
struct hc_tcp {
	struct hc_ctx		*ctx;
	const struct cfg_check	*ck;
	hc_done_fn		 done;
	void			*arg;
	int			 fd;
	bool			 connected;
	size_t			 sent;
	size_t			 got;
	int			 err;		/* connect() failed at once */
	uint64_t		 started;
	uint64_t		 deadline;	/* of the whole probe */
	struct event		 ev;
	char			 buf[];		/* HC_TCP_READ_MAX + 1 */
};

/* Nothing sent that the server might not have read yet. */
static bool
hc_tcp_may_reset(const struct hc_tcp *p)
{
	return p->connected && (p->sent == 0 || p->got > 0);
}

static void
hc_tcp_free(struct hc_tcp *p)
{
	static const struct linger reset = { 1, 0 };

	event_del(&p->ev);
	if (p->fd != -1) {
		/*
		 * Close with a reset, like keepalived: no FIN exchange and
		 * no TIME_WAIT socket per check (600,000 of them at 10,000
		 * checks a second), and the source port is free at once.
		 * Not while a payload may still be unread by the server.
		 */
		if (hc_tcp_may_reset(p))
			(void)setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &reset,
			    sizeof(reset));
		close(p->fd);
	}
	free(p);
}

static void
hc_tcp_finish(struct hc_tcp *p, enum hc_reason r, int code,
    const char *detail)
{
	struct hc_result	res;
	size_t			len = strlen(detail);

	memset(&res, 0, sizeof(res));
	res.reason = r;
	res.code = code;
	res.weight = -1;
	res.cert_days_left = -1;
	res.latency_us = clock_now_us() - p->started;
	if (len >= sizeof(res.detail))
		len = sizeof(res.detail) - 1;
	memcpy(res.detail, detail, len);
	p->done(p->arg, &res);
	hc_tcp_free(p);
}

static void	hc_tcp_cb(evutil_socket_t, short, void *);

/* Waits for what, until deadline (absolute, clock_now_us()). */
static void
hc_tcp_wait(struct hc_tcp *p, short what, uint64_t deadline)
{
	uint64_t	now = clock_now_us(), left;
	struct timeval	tv;

	left = deadline > now ? deadline - now : 0;
	tv.tv_sec = left / 1000000;
	tv.tv_usec = left % 1000000;
	event_assign(&p->ev, p->ctx->base, p->fd, what, hc_tcp_cb, p);
	event_add(&p->ev, &tv);
}

/*
 * Connected: send the payload, then read until expect shows up. The
 * socket is writable right after the connect, so the payload usually
 * goes at once and the probe then only waits to read.
 */
static void
hc_tcp_io(struct hc_tcp *p, short what)
{
	const char	*send_buf = p->ck->send;
	size_t		 len = send_buf != NULL ? strlen(send_buf) : 0;
	ssize_t		 n;

	if (p->sent < len) {
		n = send(p->fd, send_buf + p->sent, len - p->sent,
		    MSG_NOSIGNAL);
		if (n == -1 && errno != EAGAIN) {
			hc_tcp_finish(p, HC_RESET, errno, strerror(errno));
			return;
		}
		if (n > 0)
			p->sent += n;
		if (p->sent < len) {
			hc_tcp_wait(p, EV_WRITE, p->deadline);
			return;
		}
		what = 0;	/* nothing read yet */
	}
	if (p->ck->expect == NULL) {
		hc_tcp_finish(p, HC_OK, 0, "connected");
		return;
	}
	if (!(what & EV_READ)) {
		hc_tcp_wait(p, EV_READ, p->deadline);
		return;
	}
	n = recv(p->fd, p->buf + p->got, HC_TCP_READ_MAX - p->got, 0);
	if (n == -1 && errno == EAGAIN) {
		hc_tcp_wait(p, EV_READ, p->deadline);
		return;
	}
	if (n == 0 && p->got > 0) {
		/* An answer, not the expected one: garbage, not a reset. */
		hc_tcp_finish(p, HC_BAD_RESPONSE, 0, "closed, expected answer "
		    "not in what came");
		return;
	}
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
	else
		hc_tcp_wait(p, EV_READ, p->deadline);
}

static void
hc_tcp_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_tcp	*p = arg;
	socklen_t	 len = sizeof(int);
	int		 err = 0;

	/* Ready and timed out in one pass: the answer counts. */
	if ((what & EV_TIMEOUT) && !(what & (EV_READ | EV_WRITE))) {
		if (!p->connected)
			hc_tcp_finish(p, HC_CONNECT_TIMEOUT, 0,
			    "connect timed out");
		else
			hc_tcp_finish(p, HC_TIMEOUT, 0, "no answer in time");
		return;
	}
	if (!p->connected) {
		/*
		 * A failed connect always shows as an error, which libevent
		 * reports as readable: writable alone is a connection, and
		 * saves a getsockopt() per check.
		 */
		if ((what & EV_READ) && getsockopt(fd, SOL_SOCKET, SO_ERROR,
		    &err, &len) == -1)
			err = errno;
		if (err != 0) {
			hc_tcp_finish(p, hc_reason_of_errno(err), err,
			    strerror(err));
			return;
		}
		p->connected = true;
	}
	hc_tcp_io(p, what);
}

static void
hc_tcp_later_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hc_tcp *p = arg;

	hc_tcp_finish(p, hc_reason_of_errno(p->err), p->err,
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

	if ((p = malloc(sizeof(*p) + (t->ck->expect != NULL ?
	    HC_TCP_READ_MAX + 1 : 0))) == NULL)
		return NULL;
	memset(p, 0, sizeof(*p));
	p->ctx = ctx;
	p->ck = t->ck;
	p->done = done;
	p->arg = arg;
	p->started = clock_now_us();
	p->deadline = p->started + t->ck->timeout * 1000ull;
	p->fd = -1;
	/* Not pending: hc_tcp_free() may event_del() it at any point. */
	event_assign(&p->ev, ctx->base, -1, 0, hc_tcp_cb, p);
	sslen = addr_sockaddr(&t->addr, t->port, &ss);
	if ((p->fd = socket(t->addr.af, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		goto fail;
	if (addr_is_set(&t->ck->source)) {
		struct sockaddr_storage	src;
		socklen_t		srclen;

		srclen = addr_sockaddr(&t->ck->source, 0, &src);
		if (bind(p->fd, (struct sockaddr *)&src, srclen) == -1)
			goto fail;
	}
	if (connect(p->fd, (struct sockaddr *)&ss, sslen) == -1 &&
	    errno != EINPROGRESS) {
		/* Report from the loop, never from inside start(). */
		p->err = errno;
		event_assign(&p->ev, ctx->base, -1, 0, hc_tcp_later_cb, p);
		event_active(&p->ev, EV_TIMEOUT, 0);
		return p;
	}
	/* The connect has its own, earlier deadline if one is set. */
	if ((cto = t->ck->connect_timeout) == 0 || cto > t->ck->timeout)
		cto = t->ck->timeout;
	tv.tv_sec = cto / 1000;
	tv.tv_usec = (cto % 1000) * 1000;
	event_assign(&p->ev, ctx->base, p->fd, EV_READ | EV_WRITE, hc_tcp_cb,
	    p);
	event_add(&p->ev, &tv);
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

const struct hc_checker hc_tcp_checker = { hc_tcp_start, hc_tcp_cancel, NULL };
