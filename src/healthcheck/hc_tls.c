/*
 * hc_tls.c - the tls checker: a TLS handshake with OpenSSL on a
 * non-blocking socket (libevent's bufferevent_openssl), optionally
 * verifying the chain against ca_file and the name (sni); reports how
 * many days the certificate has left, for the expiry warning.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "clock.h"
#include "hc.h"

struct hc_tls {
	const struct cfg_check	*ck;
	hc_done_fn		 done;
	void			*arg;
	SSL_CTX			*ctx;
	struct bufferevent	*bev;
	struct event		*ev_conn;	/* the TCP connect, then bev */
	int			 fd;		/* until bev owns it */
	struct hc_target	 t;		/* a copy: the caller's is gone */
	struct hc_ctx		*hctx;
	struct event		*ev_timeout;
	uint64_t		 started;
	int			 err;		/* connect() failed at once */
};

static void
hc_tls_free(struct hc_tls *p)
{
	if (p->ev_conn != NULL)
		event_free(p->ev_conn);
	if (p->fd != -1)
		close(p->fd);
	if (p->bev != NULL)
		bufferevent_free(p->bev);	/* frees the SSL too */
	if (p->ev_timeout != NULL)
		event_free(p->ev_timeout);
	if (p->ctx != NULL)
		SSL_CTX_free(p->ctx);
	free(p);
}

static void
hc_tls_finish(struct hc_tls *p, enum hc_reason r, int days,
    const char *detail)
{
	struct hc_result res;

	memset(&res, 0, sizeof(res));
	res.reason = r;
	res.weight = -1;
	res.cert_days_left = days;
	res.latency_us = clock_now_us() - p->started;
	snprintf(res.detail, sizeof(res.detail), "%s", detail);
	p->done(p->arg, &res);
	hc_tls_free(p);
}

static int
hc_tls_days_left(SSL *ssl)
{
	X509	*cert = SSL_get1_peer_certificate(ssl);
	int	 days = -1, secs;

	if (cert == NULL)
		return -1;
	if (!ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(cert)))
		days = -1;
	X509_free(cert);
	return days;
}

static void
hc_tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct hc_tls	*p = arg;
	SSL		*ssl = bufferevent_openssl_get_ssl(bev);
	char		 detail[128];
	long		 v;

	if (what & BEV_EVENT_CONNECTED) {
		v = SSL_get_verify_result(ssl);
		if (p->ck->tls_verify && v != X509_V_OK) {
			snprintf(detail, sizeof(detail), "certificate: %s",
			    X509_verify_cert_error_string(v));
			hc_tls_finish(p, HC_TLS_VERIFY, hc_tls_days_left(ssl),
			    detail);
			return;
		}
		snprintf(detail, sizeof(detail), "handshake %s",
		    SSL_get_version(ssl));
		hc_tls_finish(p, HC_OK, hc_tls_days_left(ssl), detail);
		return;
	}
	if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) {
		unsigned long e = bufferevent_get_openssl_error(bev);
		int serr = EVUTIL_SOCKET_ERROR();

		if (e != 0) {
			snprintf(detail, sizeof(detail), "handshake: %s",
			    ERR_reason_error_string(e) ?
			    ERR_reason_error_string(e) : "failed");
			hc_tls_finish(p, ERR_GET_REASON(e) ==
			    SSL_R_CERTIFICATE_VERIFY_FAILED ? HC_TLS_VERIFY :
			    HC_TLS_HANDSHAKE, -1, detail);
		} else if (serr == ECONNREFUSED || serr == EHOSTUNREACH ||
		    serr == ENETUNREACH || serr == ECONNRESET)
			hc_tls_finish(p, hc_reason_of_errno(serr), -1,
			    strerror(serr));
		else
			hc_tls_finish(p, HC_TLS_HANDSHAKE, -1, what &
			    BEV_EVENT_EOF ? "closed during the handshake" :
			    "handshake failed");
	}
}

static void
hc_tls_timeout_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hc_tls	*p = arg;
	SSL		*ssl = p->bev ? bufferevent_openssl_get_ssl(p->bev) :
			    NULL;

	(void)fd;
	(void)ev;
	/* The TCP connect never completed, or no ClientHello went out. */
	if (p->bev == NULL || (ssl != NULL && SSL_get_wbio(ssl) != NULL &&
	    BIO_number_written(SSL_get_wbio(ssl)) == 0))
		hc_tls_finish(p, HC_CONNECT_TIMEOUT, -1, "connect timed out");
	else
		hc_tls_finish(p, HC_TIMEOUT, -1, "no handshake in time");
}

static SSL_CTX *
hc_tls_ctx(const struct cfg_check *ck)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	/* Verification is judged after the handshake, with its reason. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* The system store is about 140 certificates: only if verifying. */
	if (ck->ca_file != NULL)
		SSL_CTX_load_verify_locations(ctx, ck->ca_file, NULL);
	else if (ck->tls_verify)
		SSL_CTX_set_default_verify_paths(ctx);
	if (ck->client_cert != NULL &&
	    (SSL_CTX_use_certificate_chain_file(ctx, ck->client_cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, ck->client_key,
	    SSL_FILETYPE_PEM) != 1)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * SSL_CTXs shared by the servers whose checks have the same TLS settings
 * (CA file, verification, client certificate and key), each made on the
 * first probe that needs it and freed with its last server. One per
 * probe cost a read and parse of the system CA bundle each time (about
 * 140 certificates): 40 tls checks a second kept the loop so busy that
 * handshakes and other checks timed out (bench/hc-soak). One per server
 * held the bundle once per server (~0.6 MB each). A reload rebuilds
 * every server, so the files are read again after it.
 */
struct hc_tls_shared {
	struct hc_tls_shared	*next;
	char			*ca_file, *client_cert, *client_key;
	bool			 verify;
	SSL_CTX			*ctx;
	unsigned		 users;
};

static struct hc_tls_shared *hc_tls_shared_list;

static bool
hc_tls_streq(const char *a, const char *b)
{
	return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

static char *
hc_tls_strdup(const char *s, bool *fail)
{
	char *d = NULL;

	if (s != NULL && (d = strdup(s)) == NULL)
		*fail = true;
	return d;
}

static void
hc_tls_cache_free(void *arg)
{
	struct hc_tls_shared *sh = arg, **pp;

	if (--sh->users > 0)
		return;
	for (pp = &hc_tls_shared_list; *pp != NULL; pp = &(*pp)->next)
		if (*pp == sh) {
			*pp = sh->next;
			break;
		}
	SSL_CTX_free(sh->ctx);
	free(sh->ca_file);
	free(sh->client_cert);
	free(sh->client_key);
	free(sh);
}

/* A reference to the SSL_CTX for t's settings, for one probe; or NULL. */
static SSL_CTX *
hc_tls_cached_ctx(const struct hc_target *t)
{
	const struct cfg_check	*ck = t->ck;
	struct hc_tls_shared	*sh = t->cache != NULL ? *t->cache : NULL;
	bool			 fail = false;

	if (t->cache == NULL)
		return hc_tls_ctx(ck);
	if (sh == NULL) {
		for (sh = hc_tls_shared_list; sh != NULL; sh = sh->next)
			if (sh->verify == ck->tls_verify &&
			    hc_tls_streq(sh->ca_file, ck->ca_file) &&
			    hc_tls_streq(sh->client_cert, ck->client_cert) &&
			    hc_tls_streq(sh->client_key, ck->client_key))
				break;
		if (sh == NULL) {
			if ((sh = calloc(1, sizeof(*sh))) == NULL)
				return NULL;
			sh->verify = ck->tls_verify;
			sh->ca_file = hc_tls_strdup(ck->ca_file, &fail);
			sh->client_cert = hc_tls_strdup(ck->client_cert, &fail);
			sh->client_key = hc_tls_strdup(ck->client_key, &fail);
			if (fail || (sh->ctx = hc_tls_ctx(ck)) == NULL) {
				sh->users = 1;
				hc_tls_cache_free(sh);
				return NULL;
			}
			sh->next = hc_tls_shared_list;
			hc_tls_shared_list = sh;
		}
		sh->users++;
		*t->cache = sh;
	}
	SSL_CTX_up_ref(sh->ctx);
	return sh->ctx;
}

/* Reports a connect that failed at once, from the loop. */
static void
hc_tls_later_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hc_tls	*p = arg;

	(void)fd;
	(void)ev;
	hc_tls_finish(p, hc_reason_of_errno(p->err), -1, strerror(p->err));
}

/*
 * A non-blocking connect of our own, not bufferevent_socket_connect():
 * on an OpenSSL bufferevent that call closes the socket itself when the
 * connect fails at once (a blackhole route: EINVAL) and reports nothing,
 * and under load tcp probes sharing the loop lost their sockets to it
 * (bench/hc-soak: tcp checks of local servers timing out on connect).
 * Returns the socket, or -1 with p->err set.
 */
static int
hc_tls_connect(struct hc_tls *p, const struct hc_target *t)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	int			 fd;

	len = addr_sockaddr(&t->addr, t->port, &ss);
	if ((fd = socket(t->addr.af, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		p->err = errno;
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&ss, len) == -1 &&
	    errno != EINPROGRESS) {
		p->err = errno;
		close(fd);
		return -1;
	}
	return fd;
}

/* The TCP connect is done: its error, or the TLS handshake on it. */
static void
hc_tls_connected_cb(evutil_socket_t fd, short ev, void *arg)
{
	struct hc_tls		*p = arg;
	const struct hc_target	*t = &p->t;
	socklen_t		 len = sizeof(p->err);
	SSL			*ssl;

	(void)ev;
	event_free(p->ev_conn);
	p->ev_conn = NULL;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &p->err, &len) == -1)
		p->err = errno;
	if (p->err != 0) {
		hc_tls_finish(p, hc_reason_of_errno(p->err), -1,
		    strerror(p->err));
		return;
	}
	if ((p->ctx = hc_tls_cached_ctx(t)) == NULL ||
	    (ssl = SSL_new(p->ctx)) == NULL) {
		hc_tls_finish(p, HC_TLS_HANDSHAKE, -1, "no TLS context");
		return;
	}
	if (t->ck->sni != NULL) {
		SSL_set_tlsext_host_name(ssl, t->ck->sni);
		SSL_set1_host(ssl, t->ck->sni);
	}
	/* Owns fd and ssl from here, even when it fails. */
	p->bev = bufferevent_openssl_socket_new(p->hctx->base, fd, ssl,
	    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
	    BEV_OPT_DEFER_CALLBACKS);
	p->fd = -1;
	if (p->bev == NULL) {
		hc_tls_finish(p, HC_TLS_HANDSHAKE, -1, "no TLS context");
		return;
	}
	bufferevent_setcb(p->bev, NULL, NULL, hc_tls_event_cb, p);
}

/*
 * The TCP connect first, on its own: an OpenSSL bufferevent reports a
 * refused connect as a failed handshake (SSL_ERROR_SYSCALL, errno long
 * gone), and a tls check of a closed port must say "connection refused"
 * like any other check.
 */
static void *
hc_tls_start(struct hc_ctx *hctx, const struct hc_target *t, hc_done_fn done,
    void *arg)
{
	struct hc_tls	*p;
	struct timeval	 tv;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ck = t->ck;
	p->done = done;
	p->arg = arg;
	p->t = *t;
	p->hctx = hctx;
	p->fd = -1;
	p->started = clock_now_us();
	if ((p->fd = hc_tls_connect(p, t)) == -1) {
		if ((p->ev_timeout = evtimer_new(hctx->base, hc_tls_later_cb,
		    p)) == NULL)
			goto fail;
		event_active(p->ev_timeout, EV_TIMEOUT, 0);
		return p;
	}
	if ((p->ev_conn = event_new(hctx->base, p->fd, EV_WRITE,
	    hc_tls_connected_cb, p)) == NULL ||
	    event_add(p->ev_conn, NULL) == -1 ||
	    (p->ev_timeout = evtimer_new(hctx->base, hc_tls_timeout_cb,
	    p)) == NULL)
		goto fail;
	tv.tv_sec = t->ck->timeout / 1000;
	tv.tv_usec = (t->ck->timeout % 1000) * 1000;
	evtimer_add(p->ev_timeout, &tv);
	return p;
fail:
	hc_tls_free(p);
	return NULL;
}

static void
hc_tls_cancel(void *probe)
{
	hc_tls_free(probe);
}

const struct hc_checker hc_tls_checker = { hc_tls_start, hc_tls_cancel,
    hc_tls_cache_free };
