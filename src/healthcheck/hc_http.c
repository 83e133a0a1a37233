/*
 * hc_http.c - http and https checks: one libcurl multi handle driven by
 * the event loop, one easy handle per probe.
 *
 * Nothing here blocks the loop: every socket libcurl opens is watched by
 * libevent through the multi socket interface, and no name is ever
 * resolved (the URL holds the real server's address, or a name that
 * CURLOPT_CONNECT_TO maps to that address).
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "hc.h"

#define HC_HTTP_NAME_MAX	255	/* a DNS name, for SNI */

/* A socket libcurl asked us to watch. */
struct hc_http_sock {
	LIST_ENTRY(hc_http_sock) entry;
	struct event		*ev;
	short			 kind;		/* EV_READ, EV_WRITE as added */
};

struct hc_http_probe {
	TAILQ_ENTRY(hc_http_probe) entry;
	struct hc_http		*http;		/* NULL: on no list */
	const struct cfg_check	*ck;
	hc_done_fn		 done;
	void			*arg;
	CURL			*easy;
	bool			 in_multi;
	struct curl_slist	*headers;
	struct curl_slist	*connect_to;
	struct event		*ev_fail;	/* failed before it started */
	struct hc_result	 fail;
	enum hc_reason		 abort;		/* why a callback ended it */
	EVP_MD_CTX		*md;		/* digest, fed as data comes */
	char			*body;		/* kept for body_regex only */
	size_t			 body_len;	/* received, kept or not */
	size_t			 body_cap;
	bool			 tls;
	bool			 tcp_up;	/* libcurl waited to read */
	bool			 got_cert;
	int			 weight;
	int			 cert_days;
	char			 errbuf[CURL_ERROR_SIZE];
};

struct hc_http {
	struct event_base		*base;
	CURLM				*multi;
	struct event			*ev_timer;
	LIST_HEAD(, hc_http_sock)	 socks;
	TAILQ_HEAD(, hc_http_probe)	 probes;
};

static void	hc_http_finish(struct hc_http *);

/*
 * The multi handle: libcurl tells us which sockets to watch and when to
 * wake it; libevent tells it which socket is ready.
 */
static void
hc_http_event_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_http	*h = arg;
	int		 action = 0, running;

	if (what & EV_READ)
		action |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		action |= CURL_CSELECT_OUT;
	/* May free this socket's event: touch nothing of it afterwards. */
	curl_multi_socket_action(h->multi, fd, action, &running);
	hc_http_finish(h);
}

static void
hc_http_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_http	*h = arg;
	int		 running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	hc_http_finish(h);
}

/* CURLMOPT_TIMERFUNCTION: libcurl may not be re-entered from here. */
static int
hc_http_timer_fn(CURLM *multi, long ms, void *arg)
{
	struct hc_http	*h = arg;
	struct timeval	 tv;

	(void)multi;
	if (ms < 0)
		return evtimer_del(h->ev_timer);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return evtimer_add(h->ev_timer, &tv);
}

static void
hc_http_sock_free(struct hc_http_sock *s)
{
	LIST_REMOVE(s, entry);
	event_free(s->ev);
	free(s);
}

/* CURLMOPT_SOCKETFUNCTION: watch fd for what, or forget it. */
static int
hc_http_sock_fn(CURL *easy, curl_socket_t fd, int what, void *arg,
    void *sockp)
{
	struct hc_http		*h = arg;
	struct hc_http_sock	*s = sockp;
	struct hc_http_probe	*p;
	char			*priv;
	short			 kind = EV_PERSIST;

	/*
	 * A connect only waits to write: once libcurl wants to read, the
	 * TCP connection is up (libcurl 7.88's connect time also covers
	 * the TLS handshake, so a stalled handshake would read as a
	 * connect timeout).
	 */
	if ((what & CURL_POLL_IN) && curl_easy_getinfo(easy,
	    CURLINFO_PRIVATE, &priv) == CURLE_OK && priv != NULL) {
		p = (struct hc_http_probe *)priv;
		p->tcp_up = true;
	}
	if (what == CURL_POLL_REMOVE) {
		if (s != NULL)
			hc_http_sock_free(s);
		return 0;
	}
	if (what & CURL_POLL_IN)
		kind |= EV_READ;
	if (what & CURL_POLL_OUT)
		kind |= EV_WRITE;
	/*
	 * No epoll_ctl when nothing changed: libcurl may repeat a request
	 * (7.88 did not in bench/hc-scale: 3 calls a probe, add, switch to
	 * read, remove; the other 2 epoll_ctl calls are libevent's DEL+ADD
	 * for the switch, which it has no single call for).
	 */
	if (s != NULL && s->kind == kind)
		return 0;
	if (s == NULL) {
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		if ((s->ev = event_new(h->base, fd, kind, hc_http_event_cb,
		    h)) == NULL) {
			free(s);
			return -1;
		}
		LIST_INSERT_HEAD(&h->socks, s, entry);
		curl_multi_assign(h->multi, fd, s);
	} else {
		event_del(s->ev);
		event_assign(s->ev, h->base, fd, kind, hc_http_event_cb, h);
	}
	s->kind = kind;
	return event_add(s->ev, NULL);
}

/*
 * libcurl keeps a count of curl_global_init() calls and only the last
 * curl_global_cleanup() tears down, so pairing them with this object keeps
 * the library's global state tied to its one user. The daemon makes one
 * hc_http at start-up, before any thread could exist (the init is not
 * thread-safe in older libcurl; director has no threads anyway).
 */
struct hc_http *
hc_http_new(struct event_base *base)
{
	struct hc_http	*h;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		goto fail;
	h->base = base;
	LIST_INIT(&h->socks);
	TAILQ_INIT(&h->probes);
	if ((h->multi = curl_multi_init()) == NULL ||
	    (h->ev_timer = evtimer_new(base, hc_http_timeout_cb, h)) == NULL)
		goto fail;
	if (curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION,
	    hc_http_sock_fn) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION,
	    hc_http_timer_fn) != CURLM_OK ||
	    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h) != CURLM_OK)
		goto fail;
	return h;
fail:
	if (h != NULL) {
		if (h->multi != NULL)
			curl_multi_cleanup(h->multi);
		if (h->ev_timer != NULL)
			event_free(h->ev_timer);
		free(h);
	}
	curl_global_cleanup();
	return NULL;
}

static void
hc_http_probe_free(struct hc_http_probe *p)
{
	if (p->in_multi)
		curl_multi_remove_handle(p->http->multi, p->easy);
	if (p->easy != NULL)
		curl_easy_cleanup(p->easy);
	if (p->http != NULL)
		TAILQ_REMOVE(&p->http->probes, p, entry);
	curl_slist_free_all(p->headers);
	curl_slist_free_all(p->connect_to);
	if (p->ev_fail != NULL)
		event_free(p->ev_fail);
	EVP_MD_CTX_free(p->md);
	free(p->body);
	free(p);
}

/* Not from inside a done callback: the multi handle is in use there. */
void
hc_http_free(struct hc_http *h)
{
	struct hc_http_probe	*p;
	struct hc_http_sock	*s;

	if (h == NULL)
		return;
	while ((p = TAILQ_FIRST(&h->probes)) != NULL)
		hc_http_probe_free(p);
	/* This still calls our socket and timer functions. */
	curl_multi_cleanup(h->multi);
	while ((s = LIST_FIRST(&h->socks)) != NULL)
		hc_http_sock_free(s);
	event_free(h->ev_timer);
	free(h);
	curl_global_cleanup();
}

/* Response data: counted against max_body, hashed, kept for the regex. */
static size_t
hc_http_write_cb(char *data, size_t size, size_t n, void *arg)
{
	struct hc_http_probe	*p = arg;
	size_t			 len = size * n, cap;
	char			*nb;

	if (len > p->ck->max_body - p->body_len) {
		p->abort = HC_BODY_TOO_BIG;
		return 0;		/* CURLE_WRITE_ERROR */
	}
	if (p->md != NULL && EVP_DigestUpdate(p->md, data, len) != 1) {
		p->abort = HC_INTERNAL;
		return 0;
	}
	if (p->ck->body_regex != NULL) {
		if (p->body_len + len + 1 > p->body_cap) {
			cap = p->body_cap < 4096 ? 4096 : p->body_cap * 2;
			if (cap < p->body_len + len + 1)
				cap = p->body_len + len + 1;
			if (cap > (size_t)p->ck->max_body + 1)
				cap = (size_t)p->ck->max_body + 1;
			if ((nb = realloc(p->body, cap)) == NULL) {
				p->abort = HC_INTERNAL;
				return 0;
			}
			p->body = nb;
			p->body_cap = cap;
		}
		memcpy(p->body + p->body_len, data, len);
		p->body[p->body_len + len] = '\0';
	}
	p->body_len += len;
	return len;
}

/* "Name: 7" -> 7 when name matches; -1 otherwise or on a bad value. */
static int
hc_http_parse_weight(const char *name, const char *line, size_t len)
{
	size_t	 nlen = strlen(name), i;
	char	 buf[16], *end;
	long	 v;

	if (len <= nlen || strncasecmp(line, name, nlen) != 0 ||
	    line[nlen] != ':')
		return -1;
	for (i = nlen + 1; i < len && (line[i] == ' ' || line[i] == '\t'); i++)
		;
	while (len > i && isspace((unsigned char)line[len - 1]))
		len--;
	if (len == i || len - i >= sizeof(buf) ||
	    !isdigit((unsigned char)line[i]))
		return -1;
	memcpy(buf, line + i, len - i);
	buf[len - i] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (*end != '\0' || errno != 0 || v > INT_MAX)
		return -1;
	return v;
}

/*
 * Days until the server certificate's notAfter, read from the live TLS
 * session (cheaper than CURLOPT_CERTINFO, which formats the whole chain
 * as text). -1 when unknown: another TLS backend, or no certificate.
 */
static int
hc_http_cert_days(CURL *easy)
{
	struct curl_tlssessioninfo	*ti = NULL;
	X509				*cert;
	int				 day, sec, days = -1;

	if (curl_easy_getinfo(easy, CURLINFO_TLS_SSL_PTR, &ti) != CURLE_OK ||
	    ti == NULL || ti->backend != CURLSSLBACKEND_OPENSSL ||
	    ti->internals == NULL)
		return -1;
	if ((cert = SSL_get_peer_certificate(ti->internals)) == NULL)
		return -1;
	if (ASN1_TIME_diff(&day, &sec, NULL, X509_get0_notAfter(cert)) == 1)
		days = day;
	X509_free(cert);
	return days;
}

static size_t
hc_http_header_cb(char *line, size_t size, size_t n, void *arg)
{
	struct hc_http_probe	*p = arg;
	size_t			 len = size * n;
	int			 w;

	/* The first header comes after the handshake, while it is alive. */
	if (p->tls && !p->got_cert) {
		p->got_cert = true;
		p->cert_days = hc_http_cert_days(p->easy);
	}
	/* A status line starts a new response (after a 100 Continue). */
	if (len >= 5 && strncmp(line, "HTTP/", 5) == 0)
		p->weight = -1;
	else if (p->ck->weight_header != NULL && (w = hc_http_parse_weight(
	    p->ck->weight_header, line, len)) != -1)
		p->weight = w;
	return len;
}

/*
 * The TLS name: sni, else host without a port. Returns 1 with name set,
 * 0 when there is none (the URL then holds the address), -1 if unusable.
 */
static int
hc_http_tls_name(const struct cfg_check *ck, char *name, size_t len)
{
	const char	*s = ck->sni != NULL ? ck->sni : ck->host;
	size_t		 n;

	if (ck->type != CHECK_HTTPS || s == NULL || *s == '\0')
		return 0;
	n = strlen(s);
	if (s == ck->host && s[0] != '[' && strchr(s, ':') != NULL)
		n = strchr(s, ':') - s;
	if (n == 0 || n >= len)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	return 1;
}

/* URL, and for a TLS name the address to connect to and the Host header. */
static int
hc_http_set_target(struct hc_http_probe *p, const struct hc_target *t)
{
	const struct cfg_check	*ck = t->ck;
	struct curl_slist	*l;
	char			 a[ADDR_STRLEN], ip[ADDR_STRLEN + 2];
	char			 name[HC_HTTP_NAME_MAX + 1], *s = NULL;
	int			 rv = -1, named;
	bool			 v6;

	addr_fmt(&t->addr, false, a, sizeof(a));
	v6 = t->addr.af == AF_INET6;
	snprintf(ip, sizeof(ip), "%s%s%s", v6 ? "[" : "", a, v6 ? "]" : "");
	if ((named = hc_http_tls_name(ck, name, sizeof(name))) == -1)
		goto done;
	if (named) {
		/* Per handle, unlike CURLOPT_RESOLVE's shared DNS cache. */
		if (asprintf(&s, "%s:%u:%s:%u", name, t->port, ip,
		    t->port) == -1 || (l = curl_slist_append(NULL, s)) == NULL)
			goto done;
		p->connect_to = l;
		free(s);
		s = NULL;
	}
	if (ck->host != NULL) {
		if (asprintf(&s, "Host: %s", ck->host) == -1 ||
		    (l = curl_slist_append(NULL, s)) == NULL)
			goto done;
		p->headers = l;
		free(s);
		s = NULL;
	}
	if (asprintf(&s, "%s://%s:%u%s", ck->type == CHECK_HTTPS ? "https" :
	    "http", named ? name : ip, t->port, ck->path != NULL ? ck->path :
	    "/") == -1)
		goto done;
	if (curl_easy_setopt(p->easy, CURLOPT_URL, s) != CURLE_OK ||
	    (p->connect_to != NULL && curl_easy_setopt(p->easy,
	    CURLOPT_CONNECT_TO, p->connect_to) != CURLE_OK) ||
	    (p->headers != NULL && curl_easy_setopt(p->easy,
	    CURLOPT_HTTPHEADER, p->headers) != CURLE_OK))
		goto done;
	rv = 0;
done:
	free(s);
	return rv;
}

static int
hc_http_set_tls(struct hc_http_probe *p, const struct cfg_check *ck)
{
	CURL	*e = p->easy;
	long	 verify = ck->tls_verify ? 1L : 0L;
	int	 err = 0;

	err |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify);
	err |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify * 2);
	if (ck->ca_file != NULL)
		err |= curl_easy_setopt(e, CURLOPT_CAINFO, ck->ca_file);
	if (ck->client_cert != NULL)
		err |= curl_easy_setopt(e, CURLOPT_SSLCERT, ck->client_cert);
	if (ck->client_key != NULL)
		err |= curl_easy_setopt(e, CURLOPT_SSLKEY, ck->client_key);
	return err ? -1 : 0;
}

/* Everything but the target. Setopt copies strings: nothing to keep. */
static int
hc_http_set_opts(struct hc_http_probe *p, const struct cfg_check *ck)
{
	CURL		*e = p->easy;
	const char	*m = ck->method != NULL ? ck->method : "GET";
	char		 a[ADDR_STRLEN], src[ADDR_STRLEN + 5];
	int		 err = 0;

	err |= curl_easy_setopt(e, CURLOPT_PRIVATE, p);
	err |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, p->errbuf);
	err |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	err |= curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
	err |= curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
	    (long)CURL_HTTP_VERSION_1_1);
	err |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	err |= curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L);
	err |= curl_easy_setopt(e, CURLOPT_USERAGENT, PACKAGE_NAME "/"
	    PACKAGE_VERSION " health check");
	/*
	 * No name is resolved, yet libcurl caches every address in the
	 * multi handle and walks that whole cache on each probe to prune
	 * it: 5,000 servers made loop passes of up to 1.8 s (perf), and at
	 * 2,000 the walk was a tenth of the daemon's CPU (bench/hc-scale).
	 * With a timeout of 0 the cache holds only the probes in flight.
	 */
	err |= curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	/* Each probe proves a new connection works, and holds none after. */
	err |= curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
	err |= curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
	err |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)(ck->connect_timeout != 0 ? ck->connect_timeout :
	    ck->timeout));
	err |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)ck->timeout);
	if (strcasecmp(m, "HEAD") == 0)
		err |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
	else if (strcasecmp(m, "GET") != 0)
		err |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
	if (addr_is_set(&ck->source)) {
		snprintf(src, sizeof(src), "host!%s", addr_fmt(&ck->source,
		    false, a, sizeof(a)));
		err |= curl_easy_setopt(e, CURLOPT_INTERFACE, src);
	}
	err |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, hc_http_write_cb);
	err |= curl_easy_setopt(e, CURLOPT_WRITEDATA, p);
	err |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, hc_http_header_cb);
	err |= curl_easy_setopt(e, CURLOPT_HEADERDATA, p);
	return err ? -1 : 0;
}

static int
hc_http_setup(struct hc_http_probe *p, const struct hc_target *t)
{
	const struct cfg_check	*ck = t->ck;
	const EVP_MD		*md = NULL;

	if (ck->digest_alg == DIGEST_MD5)
		md = EVP_md5();
	else if (ck->digest_alg == DIGEST_SHA256)
		md = EVP_sha256();
	if (md != NULL && ck->digest != NULL && ((p->md = EVP_MD_CTX_new()) ==
	    NULL || EVP_DigestInit_ex(p->md, md, NULL) != 1))
		return -1;
	p->tls = ck->type == CHECK_HTTPS;
	if ((p->easy = curl_easy_init()) == NULL ||
	    hc_http_set_opts(p, ck) == -1 || hc_http_set_target(p, t) == -1 ||
	    (p->tls && hc_http_set_tls(p, ck) == -1))
		return -1;
	return 0;
}

static bool
hc_http_status_ok(const struct cfg_check *ck, long code)
{
	size_t i;

	if (ck->nstatus == 0)
		return code >= 200 && code <= 299;
	for (i = 0; i < ck->nstatus; i++)
		if (code >= ck->status[i].lo && code <= ck->status[i].hi)
			return true;
	return false;
}

/* The libcurl errors that need no more than their code to be told. */
static enum hc_reason
hc_http_curl_reason(CURLcode rc)
{
	switch (rc) {
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
		return HC_RESET;
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return HC_TLS_HANDSHAKE;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return HC_TLS_VERIFY;
	case CURLE_OUT_OF_MEMORY:
	case CURLE_FAILED_INIT:
	case CURLE_URL_MALFORMAT:
	case CURLE_INTERFACE_FAILED:
	case CURLE_COULDNT_RESOLVE_HOST:
		return HC_INTERNAL;
	default:	/* WEIRD_SERVER_REPLY, HTTP/0.9 junk... */
		return HC_BAD_RESPONSE;
	}
}

/* A libcurl failure as a reason; code becomes the system errno, if any. */
static void
hc_http_curl_error(struct hc_http_probe *p, CURLcode rc,
    struct hc_result *res)
{
	static const char *const what[HC_NREASONS] = {
		[HC_RESET] = "connection reset",
		[HC_TLS_HANDSHAKE] = "TLS handshake",
		[HC_TLS_VERIFY] = "TLS verify",
		[HC_INTERNAL] = "cannot try",
		[HC_BAD_RESPONSE] = "bad response",
	};
	const char	*s;
	long		 err = 0;
	curl_off_t	 conn = 0, app = 0;

	curl_easy_getinfo(p->easy, CURLINFO_OS_ERRNO, &err);
	res->code = err;
	if (rc == CURLE_COULDNT_CONNECT) {
		if (err == EHOSTUNREACH || err == ENETUNREACH ||
		    err == EINVAL) {	/* EINVAL: a blackhole route */
			res->reason = HC_UNREACHABLE;
			s = strerror(err);
		} else if (err == ECONNRESET || err == EPIPE) {
			/* Accepted, then reset before libcurl saw it up. */
			res->reason = HC_RESET;
			s = "connection reset";
		} else if (err == ETIMEDOUT) {
			res->reason = HC_CONNECT_TIMEOUT;
			s = "connect timed out";
		} else {
			res->reason = HC_CONNECT_REFUSED;
			s = "connection refused";
		}
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		curl_easy_getinfo(p->easy, CURLINFO_CONNECT_TIME_T, &conn);
		curl_easy_getinfo(p->easy, CURLINFO_APPCONNECT_TIME_T, &app);
		/* libcurl 7.88 counts the TLS handshake in the connect time. */
		if (p->tcp_up && conn == 0)
			conn = 1;
		res->reason = conn == 0 ? HC_CONNECT_TIMEOUT : HC_TIMEOUT;
		s = conn == 0 ? "connect timed out" : p->tls && app == 0 ?
		    "timed out in the TLS handshake" : "timed out";
	} else if (rc == CURLE_GOT_NOTHING) {
		res->reason = HC_RESET;
		s = "closed without an answer";
	} else {
		/* libcurl's own text says which certificate, what junk... */
		res->reason = hc_http_curl_reason(rc);
		snprintf(res->detail, sizeof(res->detail), "%s: %.100s",
		    what[res->reason], p->errbuf[0] != '\0' ? p->errbuf :
		    curl_easy_strerror(rc));
		return;
	}
	snprintf(res->detail, sizeof(res->detail), "%s", s);
}

/*
 * The regex is compiled here, once per probe, rather than cached by
 * cfg_check pointer: after a reload a new check may sit at a freed one's
 * address, and a short ERE compiles in microseconds once per interval.
 */
static void
hc_http_check_body(struct hc_http_probe *p, struct hc_result *res)
{
	const struct cfg_check	*ck = p->ck;
	unsigned char		 md[EVP_MAX_MD_SIZE];
	char			 hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned		 i, mdlen;
	regex_t			 re;
	regmatch_t		 m[1];
	int			 rc, flags = 0;

	if (ck->body_regex != NULL) {
		if (regcomp(&re, ck->body_regex, REG_EXTENDED | REG_NOSUB)) {
			res->reason = HC_INTERNAL;
			snprintf(res->detail, sizeof(res->detail),
			    "body_regex does not compile");
			return;
		}
		m[0].rm_so = 0;
		m[0].rm_eo = p->body_len;
#ifdef REG_STARTEND
		flags = REG_STARTEND;	/* a NUL in the body ends nothing */
#endif
		rc = regexec(&re, p->body != NULL ? p->body : "", 1, m, flags);
		regfree(&re);
		if (rc != 0) {
			res->reason = HC_BODY_REGEX;
			snprintf(res->detail, sizeof(res->detail),
			    "body does not match");
			return;
		}
	}
	if (p->md != NULL) {
		if (EVP_DigestFinal_ex(p->md, md, &mdlen) != 1) {
			res->reason = HC_INTERNAL;
			snprintf(res->detail, sizeof(res->detail), "digest");
			return;
		}
		for (i = 0; i < mdlen; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		if (strcasecmp(hex, ck->digest) != 0) {
			res->reason = HC_BODY_DIGEST;
			snprintf(res->detail, sizeof(res->detail),
			    "body digest differs");
			return;
		}
	}
	res->reason = HC_OK;
	snprintf(res->detail, sizeof(res->detail), "status %d", res->code);
}

static void
hc_http_result(struct hc_http_probe *p, CURLcode rc, struct hc_result *res)
{
	curl_off_t	us = 0;
	long		code = 0;

	res->weight = p->weight;
	res->cert_days_left = p->cert_days;
	curl_easy_getinfo(p->easy, CURLINFO_TOTAL_TIME_T, &us);
	res->latency_us = us;
	curl_easy_getinfo(p->easy, CURLINFO_RESPONSE_CODE, &code);
	res->code = code;
	/* A wrong status says more than the size of its error page. */
	if (p->abort == HC_BODY_TOO_BIG && hc_http_status_ok(p->ck, code)) {
		res->reason = HC_BODY_TOO_BIG;
		snprintf(res->detail, sizeof(res->detail),
		    "body larger than %u bytes", p->ck->max_body);
	} else if (p->abort == HC_INTERNAL) {
		res->reason = HC_INTERNAL;
		snprintf(res->detail, sizeof(res->detail), "out of memory");
	} else if (rc != CURLE_OK && p->abort == HC_OK)
		hc_http_curl_error(p, rc, res);
	else if (!hc_http_status_ok(p->ck, code)) {
		res->reason = HC_STATUS;
		snprintf(res->detail, sizeof(res->detail), "status %ld", code);
	} else
		hc_http_check_body(p, res);
}

/* Ends finished transfers; a done callback may start or cancel probes. */
static void
hc_http_finish(struct hc_http *h)
{
	struct hc_http_probe	*p;
	struct hc_result	 res;
	CURLMsg			*msg;
	CURLcode		 rc;
	hc_done_fn		 done;
	char			*priv;
	void			*arg;
	int			 left;

	while ((msg = curl_multi_info_read(h->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		rc = msg->data.result;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    &priv) != CURLE_OK || priv == NULL)
			continue;
		p = (struct hc_http_probe *)priv;
		memset(&res, 0, sizeof(res));
		hc_http_result(p, rc, &res);
		done = p->done;
		arg = p->arg;
		hc_http_probe_free(p);
		done(arg, &res);
	}
}

static void
hc_http_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct hc_http_probe	*p = arg;
	struct hc_result	 res = p->fail;
	hc_done_fn		 done = p->done;
	void			*parg = p->arg;

	(void)fd;
	(void)what;
	hc_http_probe_free(p);
	done(parg, &res);
}

/* Reports a probe that could not start, from the loop: never from start. */
static void *
hc_http_fail(struct hc_http_probe *p, struct event_base *base,
    const char *detail)
{
	struct timeval tv = { 0, 0 };

	p->fail.reason = HC_INTERNAL;
	p->fail.weight = -1;
	p->fail.cert_days_left = -1;
	snprintf(p->fail.detail, sizeof(p->fail.detail), "%s", detail);
	if ((p->ev_fail = evtimer_new(base, hc_http_fail_cb, p)) == NULL ||
	    evtimer_add(p->ev_fail, &tv) == -1) {
		hc_http_probe_free(p);
		return NULL;
	}
	return p;
}

static void *
hc_http_start(struct hc_ctx *ctx, const struct hc_target *t, hc_done_fn done,
    void *arg)
{
	struct hc_http_probe	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ck = t->ck;
	p->done = done;
	p->arg = arg;
	p->weight = -1;
	p->cert_days = -1;
	if ((p->http = ctx->http) == NULL)
		return hc_http_fail(p, ctx->base, "no http engine");
	TAILQ_INSERT_TAIL(&p->http->probes, p, entry);
	if (t->ck->type != CHECK_HTTP && t->ck->type != CHECK_HTTPS)
		return hc_http_fail(p, ctx->base, "not an http check");
	if (hc_http_setup(p, t) == -1)
		return hc_http_fail(p, ctx->base, "cannot set up the request");
	/* Only arms the timer: the transfer starts from the loop. */
	if (curl_multi_add_handle(p->http->multi, p->easy) != CURLM_OK)
		return hc_http_fail(p, ctx->base, "cannot add the request");
	p->in_multi = true;
	return p;
}

static void
hc_http_cancel(void *probe)
{
	/* Also drops a finished transfer's message still in libcurl's queue. */
	hc_http_probe_free(probe);
}

const struct hc_checker hc_http_checker = { hc_http_start, hc_http_cancel,
    NULL };
