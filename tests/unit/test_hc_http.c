/*
 * test_hc_http.c - the http/https checker against real servers, all on
 * 127.0.0.1: hc_http_server.py (http, https and mutual TLS with a
 * self-signed certificate made here), a closed port and a listener whose
 * accept queue is full. Every server is killed by PID at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <event2/event.h>

#include "hc.h"

#ifndef HC_HTTP_SERVER
#define HC_HTTP_SERVER	"tests/unit/hc_http_server.py"
#endif
#define PYTHON		"/usr/bin/python3"
#define CN		"www.example.test"

/* The servers, shared by every test. */
static struct {
	bool		 up;
	pid_t		 pid;
	char		 dir[64];
	char		 cert[96];
	char		 key[96];
	uint16_t	 http, https, mtls;
	int		 closed_fd;	/* bound, never listening */
	uint16_t	 closed;
} srv = { .pid = -1, .closed_fd = -1 };

/* One test's loop and checker context. */
static struct hc_ctx ctx;

struct outcome {
	int		 calls;
	struct hc_result res;
	uint64_t	 ms;		/* from start to the callback */
	uint64_t	 t0;
};

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runs argv to completion, output discarded. Returns its exit status. */
static int
run_quiet(char *const argv[])
{
	pid_t	pid;
	int	status, fd;

	if ((pid = fork()) == 0) {
		if ((fd = open("/dev/null", O_WRONLY)) != -1) {
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Reads "HTTP HTTPS MTLS\n" from the server, at most 10 s. */
static int
read_ports(int fd)
{
	struct pollfd	pfd = { fd, POLLIN, 0 };
	char		line[64];
	size_t		n = 0;
	ssize_t		r;
	uint64_t	end = now_ms() + 10000;

	while (n < sizeof(line) - 1 && memchr(line, '\n', n) == NULL) {
		if (now_ms() > end || poll(&pfd, 1, 100) == -1)
			return -1;
		if (pfd.revents == 0)
			continue;
		if ((r = read(fd, line + n, sizeof(line) - 1 - n)) <= 0)
			return -1;
		n += r;
	}
	line[n] = '\0';
	return sscanf(line, "%hu %hu %hu", &srv.http, &srv.https,
	    &srv.mtls) == 3 ? 0 : -1;
}

static int
start_server(void)
{
	const char	*script = getenv("HC_HTTP_SERVER");
	int		 p[2], rv;

	if (script == NULL)
		script = HC_HTTP_SERVER;
	if (pipe(p) == -1)
		return -1;
	if ((srv.pid = fork()) == 0) {
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		execl(PYTHON, PYTHON, script, srv.cert, srv.key, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	rv = srv.pid == -1 ? -1 : read_ports(p[0]);
	close(p[0]);
	return rv;
}

/* A port that refuses: bound (so nobody takes it) but not listening. */
static int
closed_port(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	socklen_t		len = sizeof(sin);

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((srv.closed_fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(srv.closed_fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    getsockname(srv.closed_fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	srv.closed = ntohs(sin.sin_port);
	return 0;
}

static int
group_setup(void **state)
{
	char *argv[] = { "openssl", "req", "-x509", "-newkey", "rsa:2048",
	    "-nodes", "-days", "1", "-subj", "/CN=" CN, "-addext",
	    "subjectAltName=DNS:" CN, "-keyout", srv.key, "-out", srv.cert,
	    NULL };

	signal(SIGPIPE, SIG_IGN);
	if (closed_port() == -1)
		return -1;
	if (access(PYTHON, X_OK) == -1 || run_quiet((char *[]){ "openssl",
	    "version", NULL }) != 0) {
		fprintf(stderr, "# no %s or openssl: skipping\n", PYTHON);
		return 0;
	}
	snprintf(srv.dir, sizeof(srv.dir), "/tmp/test_hc_http.XXXXXX");
	if (mkdtemp(srv.dir) == NULL)
		return -1;
	snprintf(srv.cert, sizeof(srv.cert), "%s/cert.pem", srv.dir);
	snprintf(srv.key, sizeof(srv.key), "%s/key.pem", srv.dir);
	if (run_quiet(argv) != 0 || start_server() == -1)
		return -1;
	srv.up = true;
	return 0;
}

static int
group_teardown(void **state)
{
	int status;

	if (srv.pid > 0) {
		kill(srv.pid, SIGKILL);
		waitpid(srv.pid, &status, 0);
	}
	if (srv.closed_fd != -1)
		close(srv.closed_fd);
	if (srv.dir[0] != '\0') {
		unlink(srv.cert);
		unlink(srv.key);
		rmdir(srv.dir);
	}
	return 0;
}

static int
setup(void **state)
{
	memset(&ctx, 0, sizeof(ctx));
	if ((ctx.base = event_base_new()) == NULL ||
	    (ctx.http = hc_http_new(ctx.base)) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	hc_http_free(ctx.http);
	event_base_free(ctx.base);
	return 0;
}

static void
need_server(void)
{
	if (!srv.up)
		skip();
}

static void
done_cb(void *arg, const struct hc_result *res)
{
	struct outcome *o = arg;

	o->calls++;
	o->res = *res;
	o->ms = now_ms() - o->t0;
}

/* Runs the loop until *calls reaches want, or limit_ms passes. */
static void
run_until(const int *calls, int want, uint64_t limit_ms)
{
	struct timeval	tv = { 0, 10000 };
	uint64_t	end = now_ms() + limit_ms;

	while ((calls == NULL || *calls < want) && now_ms() < end) {
		event_base_loopexit(ctx.base, &tv);
		event_base_loop(ctx.base, 0);
	}
}

static struct cfg_check
http_check(enum cfg_check_type type, const char *path)
{
	struct cfg_check ck = { 0 };

	ck.type = type;
	ck.interval = 2000;
	ck.timeout = 2000;
	ck.method = "GET";
	ck.path = (char *)path;
	ck.max_body = 65536;
	ck.tls_verify = true;
	return ck;
}

static void *
start(const struct cfg_check *ck, uint16_t port, struct outcome *o)
{
	struct hc_target	 t = { .ck = ck, .port = port };
	void			*p;

	t.addr.af = AF_INET;
	t.addr.prefix = 32;
	t.addr.u.v4.s_addr = htonl(INADDR_LOOPBACK);
	memset(o, 0, sizeof(*o));
	o->t0 = now_ms();
	p = hc_http_checker.start(&ctx, &t, done_cb, o);
	assert_non_null(p);
	assert_int_equal(o->calls, 0);	/* never from inside start */
	return p;
}

/* One probe to its end (10 s at most). */
static struct hc_result
probe(const struct cfg_check *ck, uint16_t port)
{
	struct outcome o;

	start(ck, port, &o);
	run_until(&o.calls, 1, 10000);
	assert_int_equal(o.calls, 1);
	return o.res;
}

static void
http_ok(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/");
	struct hc_result	r;

	need_server();
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_OK);
	assert_int_equal(r.code, 200);
	assert_true(r.latency_us > 0 && r.latency_us < 2000000);
	assert_int_equal(r.weight, -1);
	assert_int_equal(r.cert_days_left, -1);
	assert_string_equal(r.detail, "status 200");
}

static void
http_status(void **state)
{
	struct cfg_check	 ck = http_check(CHECK_HTTP, "/status/503");
	struct cfg_status_range	 range[] = { { 200, 200 }, { 500, 599 } };
	struct hc_result	 r;

	need_server();
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_STATUS);
	assert_int_equal(r.code, 503);
	assert_string_equal(r.detail, "status 503");
	ck.status = range;
	ck.nstatus = 2;
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_OK);
	assert_int_equal(r.code, 503);
	/* Not followed: the redirect is the answer. */
	ck = http_check(CHECK_HTTP, "/redirect");
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_STATUS);
	assert_int_equal(r.code, 302);
}

static void
http_regex(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/");
	struct hc_result	r;

	need_server();
	ck.body_regex = "^o[k]+$";
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_OK);
	ck.body_regex = "^ko";
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_BODY_REGEX);
	assert_string_equal(r.detail, "body does not match");
}

static void
http_digest(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/");
	struct hc_result	r;

	need_server();
	ck.digest_alg = DIGEST_MD5;
	ck.digest = "444bcb3a3fcf8389296c49467f27e1d6";
	assert_int_equal(probe(&ck, srv.http).reason, HC_OK);
	ck.digest = "444bcb3a3fcf8389296c49467f27e1d7";
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_BODY_DIGEST);
	ck.digest_alg = DIGEST_SHA256;
	ck.digest = "2689367b205c16ce32ed4200942b8b8b"
	    "1e262dfc70d9bc9fbc77c49699a4f1df";
	assert_int_equal(probe(&ck, srv.http).reason, HC_OK);
	ck.digest = "0689367b205c16ce32ed4200942b8b8b"
	    "1e262dfc70d9bc9fbc77c49699a4f1df";
	assert_int_equal(probe(&ck, srv.http).reason, HC_BODY_DIGEST);
	/* Both checks at once, over a body that is kept and hashed. */
	ck.digest = "2689367b205c16ce32ed4200942b8b8b"
	    "1e262dfc70d9bc9fbc77c49699a4f1df";
	ck.body_regex = "ok";
	assert_int_equal(probe(&ck, srv.http).reason, HC_OK);
}

static void
http_body_too_big(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/big");
	struct outcome		o;

	need_server();
	ck.body_regex = "x";	/* so the body is also kept */
	start(&ck, srv.http, &o);
	run_until(&o.calls, 1, 10000);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.res.reason, HC_BODY_TOO_BIG);
	assert_true(o.ms < 1000);
	/* The limit is inclusive: "ok" is 2 bytes. */
	ck = http_check(CHECK_HTTP, "/");
	ck.max_body = 2;
	assert_int_equal(probe(&ck, srv.http).reason, HC_OK);
	ck.max_body = 1;
	assert_int_equal(probe(&ck, srv.http).reason, HC_BODY_TOO_BIG);
	/* A wrong status wins over the size of its page. */
	ck = http_check(CHECK_HTTP, "/status/503");
	ck.max_body = 1;
	assert_int_equal(probe(&ck, srv.http).reason, HC_STATUS);
}

static void
http_stall_times_out(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/stall");
	struct outcome		o;

	need_server();
	ck.timeout = 500;
	start(&ck, srv.http, &o);
	run_until(&o.calls, 1, 5000);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.res.reason, HC_TIMEOUT);
	assert_true(o.ms >= 450 && o.ms < 1000);
}

static void
http_refused(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/");
	struct hc_result	r;

	r = probe(&ck, srv.closed);
	assert_int_equal(r.reason, HC_CONNECT_REFUSED);
	assert_int_equal(r.code, ECONNREFUSED);
	assert_string_equal(r.detail, "connection refused");
}

/* Linux drops SYNs to a listener whose accept queue is full. */
static void
http_connect_timeout(void **state)
{
	struct sockaddr_in	 sin = { .sin_family = AF_INET };
	socklen_t		 len = sizeof(sin);
	struct cfg_check	 ck = http_check(CHECK_HTTP, "/");
	struct pollfd		 pfd;
	struct outcome		 o;
	int			 lfd, cfd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd != -1);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	assert_true(cfd != -1);
	connect(cfd, (struct sockaddr *)&sin, sizeof(sin));
	pfd.fd = cfd;
	pfd.events = POLLOUT;
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	usleep(50000);		/* the final ACK reaches the queue */

	ck.connect_timeout = 300;
	ck.timeout = 2000;
	start(&ck, ntohs(sin.sin_port), &o);
	run_until(&o.calls, 1, 5000);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.res.reason, HC_CONNECT_TIMEOUT);
	assert_true(o.ms >= 250 && o.ms < 1000);
	close(cfd);
	close(lfd);
}

static void
http_weight(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/weight");
	struct hc_result	r;

	need_server();
	ck.weight_header = "x-weight";
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_OK);
	assert_int_equal(r.weight, 7);
	ck.path = "/";
	assert_int_equal(probe(&ck, srv.http).weight, -1);
	ck.path = "/weight";
	ck.weight_header = "X-Weigh";	/* a prefix is not the header */
	assert_int_equal(probe(&ck, srv.http).weight, -1);
}

/* Host header, methods, source address: the server echoes what it got. */
static void
http_request(void **state)
{
	struct cfg_check	 ck = http_check(CHECK_HTTP, "/echo");
	char			 err[64];

	need_server();
	ck.host = "www.example.test";
	ck.body_regex = "^GET host=www\\.example\\.test$";
	assert_int_equal(probe(&ck, srv.http).reason, HC_OK);
	ck.method = "DELETE";
	ck.body_regex = "^DELETE host=";
	assert_int_equal(probe(&ck, srv.http).reason, HC_OK);
	/* HEAD: no body, so even max_body 0 passes. */
	ck.method = "HEAD";
	ck.body_regex = NULL;
	ck.max_body = 0;
	assert_int_equal(probe(&ck, srv.http).reason, HC_OK);
	ck = http_check(CHECK_HTTP, "/");
	assert_int_equal(addr_parse("127.0.0.1", false, &ck.source, err,
	    sizeof(err)), 0);
	assert_int_equal(probe(&ck, srv.http).reason, HC_OK);
}

static void
http_bad_answers(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/junk");
	struct hc_result	r;

	need_server();
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_BAD_RESPONSE);
	ck.path = "/close";
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_RESET);
	/* Plain HTTP to a TLS port: the server hangs up. */
	ck.path = "/";
	r = probe(&ck, srv.https);
	assert_true(r.reason == HC_RESET || r.reason == HC_BAD_RESPONSE);
}

static void
https_no_verify(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTPS, "/");
	struct hc_result	r;

	need_server();
	ck.tls_verify = false;
	r = probe(&ck, srv.https);
	assert_int_equal(r.reason, HC_OK);
	assert_int_equal(r.code, 200);
	/* Made with -days 1: less than a whole day left. */
	assert_int_equal(r.cert_days_left, 0);
}

static void
https_verify(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTPS, "/echo");
	struct hc_result	r;

	need_server();
	ck.ca_file = srv.cert;
	ck.sni = CN;
	ck.body_regex = "host=" CN;
	r = probe(&ck, srv.https);
	assert_int_equal(r.reason, HC_OK);
	assert_int_equal(r.cert_days_left, 0);
	/* The name from host, with its port dropped for SNI. */
	ck.sni = NULL;
	ck.host = CN ":8443";
	ck.body_regex = "host=" CN ":8443$";
	assert_int_equal(probe(&ck, srv.https).reason, HC_OK);
	/* No name: the certificate does not name 127.0.0.1. */
	ck.host = NULL;
	ck.body_regex = NULL;
	r = probe(&ck, srv.https);
	assert_int_equal(r.reason, HC_TLS_VERIFY);
	/* The name but not the CA. */
	ck.sni = CN;
	ck.ca_file = NULL;
	r = probe(&ck, srv.https);
	assert_int_equal(r.reason, HC_TLS_VERIFY);
	assert_non_null(strstr(r.detail, "TLS verify"));
}

static void
https_handshake(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTPS, "/");
	struct hc_result	r;

	need_server();
	ck.tls_verify = false;
	r = probe(&ck, srv.http);
	assert_int_equal(r.reason, HC_TLS_HANDSHAKE);
}

static void
https_client_cert(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTPS, "/");
	struct hc_result	r;

	need_server();
	ck.ca_file = srv.cert;
	ck.sni = CN;
	ck.client_cert = srv.cert;
	ck.client_key = srv.key;
	r = probe(&ck, srv.mtls);
	assert_int_equal(r.reason, HC_OK);
	ck.client_cert = NULL;
	ck.client_key = NULL;
	r = probe(&ck, srv.mtls);
	assert_int_not_equal(r.reason, HC_OK);
}

static void
cancel_no_callback(void **state)
{
	struct cfg_check	 ck = http_check(CHECK_HTTP, "/stall");
	struct outcome		 o;
	void			*p;

	need_server();
	/* Before it starts. */
	p = start(&ck, srv.http, &o);
	hc_http_checker.cancel(p);
	run_until(NULL, 0, 200);
	assert_int_equal(o.calls, 0);
	/* Connected, waiting for the answer; it would time out at 300 ms. */
	ck.timeout = 300;
	p = start(&ck, srv.http, &o);
	run_until(NULL, 0, 200);
	assert_int_equal(o.calls, 0);
	hc_http_checker.cancel(p);
	run_until(NULL, 0, 400);
	assert_int_equal(o.calls, 0);
	/* One that failed before it started. */
	ck.type = CHECK_TCP;
	p = start(&ck, srv.http, &o);
	hc_http_checker.cancel(p);
	run_until(NULL, 0, 100);
	assert_int_equal(o.calls, 0);
}

/* Two probes; the first to end cancels the other, maybe already done. */
struct pair {
	struct outcome	 o;
	void		*probe;
	struct pair	*other;
};

static void
pair_done(void *arg, const struct hc_result *res)
{
	struct pair *p = arg;

	p->o.calls++;
	if (p->other->o.calls == 0 && p->other->probe != NULL) {
		hc_http_checker.cancel(p->other->probe);
		p->other->probe = NULL;
	}
}

static void
cancel_from_callback(void **state)
{
	struct cfg_check	 ck = http_check(CHECK_HTTP, "/");
	struct hc_target	 t = { .ck = &ck, .port = srv.http };
	struct pair		 a = { { 0 }, NULL, NULL }, b = a;
	int			 i;

	need_server();
	t.addr.af = AF_INET;
	t.addr.u.v4.s_addr = htonl(INADDR_LOOPBACK);
	a.other = &b;
	b.other = &a;
	a.probe = hc_http_checker.start(&ctx, &t, pair_done, &a);
	b.probe = hc_http_checker.start(&ctx, &t, pair_done, &b);
	assert_non_null(a.probe);
	assert_non_null(b.probe);
	for (i = 0; i < 100 && a.o.calls + b.o.calls == 0; i++)
		run_until(NULL, 0, 20);
	run_until(NULL, 0, 300);
	assert_int_equal(a.o.calls + b.o.calls, 1);
}

static void
free_pending(void **state)
{
	struct cfg_check	ck = http_check(CHECK_HTTP, "/stall");
	struct cfg_check	bad = http_check(CHECK_TCP, "/");
	struct outcome		o[4];
	int			i;

	need_server();
	for (i = 0; i < 3; i++)
		start(&ck, srv.http, &o[i]);
	run_until(NULL, 0, 200);
	/* Its failure is due on the next turn of the loop. */
	start(&bad, srv.http, &o[3]);
	hc_http_free(ctx.http);
	ctx.http = NULL;
	run_until(NULL, 0, 200);
	for (i = 0; i < 4; i++)
		assert_int_equal(o[i].calls, 0);
}

static void
parallel_200(void **state)
{
	struct cfg_check	 ck = http_check(CHECK_HTTP, "/");
	struct outcome		*o;
	int			 i, calls = 0, ok = 0;
	uint64_t		 end = now_ms() + 20000;

	need_server();
	ck.timeout = 10000;
	o = calloc(200, sizeof(*o));
	assert_non_null(o);
	for (i = 0; i < 200; i++)
		start(&ck, srv.http, &o[i]);
	while (calls < 200 && now_ms() < end) {
		run_until(NULL, 0, 20);
		for (calls = 0, i = 0; i < 200; i++)
			calls += o[i].calls;
	}
	for (ok = 0, i = 0; i < 200; i++) {
		assert_int_equal(o[i].calls, 1);
		ok += o[i].res.reason == HC_OK;
	}
	assert_int_equal(ok, 200);
	free(o);
}

static void
not_started(void **state)
{
	struct cfg_check	 ck = http_check(CHECK_TCP, "/");
	struct hc_http		*http = ctx.http;
	struct outcome		 o;

	start(&ck, 1, &o);
	run_until(&o.calls, 1, 1000);
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.res.reason, HC_INTERNAL);
	/* Without the libcurl engine. */
	ctx.http = NULL;
	ck.type = CHECK_HTTP;
	start(&ck, 1, &o);
	run_until(&o.calls, 1, 1000);
	ctx.http = http;
	assert_int_equal(o.calls, 1);
	assert_int_equal(o.res.reason, HC_INTERNAL);
	assert_string_equal(o.res.detail, "no http engine");
}

#define T(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(http_ok),
		T(http_status),
		T(http_regex),
		T(http_digest),
		T(http_body_too_big),
		T(http_stall_times_out),
		T(http_refused),
		T(http_connect_timeout),
		T(http_weight),
		T(http_request),
		T(http_bad_answers),
		T(https_no_verify),
		T(https_verify),
		T(https_handshake),
		T(https_client_cert),
		T(cancel_no_callback),
		T(cancel_from_callback),
		T(free_pending),
		T(parallel_200),
		T(not_started),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
