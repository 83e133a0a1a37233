/*
 * main.c - director: options, config check, start-up into the loop.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <event2/buffer.h>

#include "daemon.h"
#include "log.h"
#include "pidfile.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: director [-tpdn] [-f file] [-P pidfile] [-S socket]\n"
	    "  -f FILE     configuration file (default %s)\n"
	    "  -t          check the configuration and exit\n"
	    "  -p          print the parsed configuration in canonical form\n"
	    "  -d          stay in the foreground and log to stderr\n"
	    "  -n          stay in the foreground and log to syslog "
	    "(systemd)\n"
	    "  -P PIDFILE  pid file (default %s)\n"
	    "  -S SOCKET   control socket (default: global.control_socket, "
	    "else %s)\n"
	    "  -v          log debug messages\n"
	    "  --version   print the version\n"
	    "  --help      print this help\n",
	    DIRECTOR_DEFAULT_CONF, DIRECTOR_DEFAULT_PID,
	    DIRECTOR_DEFAULT_SOCK);
}

/* -t and -p: report to the terminal, never to syslog. */
static int
check_config(const char *file, bool print)
{
	struct cfg_errors	 errs = { 0 };
	struct cfg		*c;
	struct evbuffer		*b;
	size_t			 i;

	if ((c = cfg_load(file, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		cfg_errors_free(&errs);
		return 1;
	}
	if (print) {
		if ((b = evbuffer_new()) == NULL)
			return 1;
		cfg_print(c, b);
		evbuffer_write(b, STDOUT_FILENO);
		while (evbuffer_get_length(b) > 0 &&
		    evbuffer_write(b, STDOUT_FILENO) > 0)
			;
		evbuffer_free(b);
	} else
		printf("configuration OK\n");
	cfg_free(c);
	return 0;
}

/*
 * Forks into the background. The parent waits until the child reports
 * that start-up finished (a byte on the pipe) or failed (the pipe closes
 * empty), so the exit status of `director` tells the truth.
 * Returns the pipe's write end for the child.
 */
static int
detach(void)
{
	ssize_t	n;
	char	c;
	int	p[2], fd;

	if (pipe2(p, O_CLOEXEC) == -1)
		fatal("pipe");
	switch (fork()) {
	case -1:
		fatal("fork");
	case 0:
		break;
	default:
		close(p[1]);
		c = 0;
		do
			n = read(p[0], &c, 1);
		while (n == -1 && errno == EINTR);
		if (n == 1 && c == 'R')
			_exit(0);
		fprintf(stderr, "director: start-up failed, see the system "
		    "log\n");
		_exit(1);
	}
	close(p[0]);
	if (setsid() == -1)
		fatal("setsid");
	if (chdir("/") == -1)
		fatal("chdir /");
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return p[1];
}

/*
 * Thousands of checks in flight need as many sockets: the soft limit
 * (often 1,024) goes up to the hard one.
 */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("raising the open file limit");
	}
}

/* Paths stay valid after the daemon changes to "/". */
static const char *
absolute(const char *path)
{
	char	cwd[4096];
	char	*abs;

	if (path[0] == '/')
		return path;
	if (getcwd(cwd, sizeof(cwd)) == NULL || asprintf(&abs, "%s/%s", cwd,
	    path) == -1)
		fatal("cannot make %s absolute", path);
	return abs;	/* lives as long as the process */
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct director		 d;
	struct cfg_errors	 errs = { 0 };
	const char		*sock = NULL;
	bool			 test = false, print = false, fg = false;
	bool			 nodetach = false, verbose = false;
	pid_t			 holder;
	size_t			 i;
	char			 ready = 'R';
	int			 ch, pidfd, readyfd = -1;

	memset(&d, 0, sizeof(d));
	d.cfg_file = DIRECTOR_DEFAULT_CONF;
	d.pidfile = DIRECTOR_DEFAULT_PID;
	while ((ch = getopt_long(argc, argv, "f:tpdnP:S:vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f':
			d.cfg_file = optarg;
			break;
		case 't':
			test = true;
			break;
		case 'p':
			print = true;
			break;
		case 'd':
			fg = true;
			break;
		case 'n':
			nodetach = true;
			break;
		case 'P':
			d.pidfile = optarg;
			break;
		case 'S':
			sock = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case 'V':
			printf("director %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (test || print)
		return check_config(d.cfg_file, print);
	d.cfg_file = absolute(d.cfg_file);
	d.pidfile = absolute(d.pidfile);
	if (sock != NULL)
		sock = absolute(sock);

	log_init(1, LOG_DAEMON);
	if ((d.cfg = cfg_load(d.cfg_file, &errs)) == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		fprintf(stderr, "director: %s has errors, not starting\n",
		    d.cfg_file);
		cfg_errors_free(&errs);
		return 1;
	}
	d.verbose = verbose;
	d.sock_path = sock ? sock : d.cfg->global.control_socket ?
	    d.cfg->global.control_socket : DIRECTOR_DEFAULT_SOCK;
	if ((pidfd = pidfile_lock(d.pidfile, &holder)) == -1) {
		if (errno == EWOULDBLOCK)
			fprintf(stderr, "director: already running (pid %ld, "
			    "pid file %s)\n", (long)holder, d.pidfile);
		else
			fprintf(stderr, "director: pid file %s: %s\n",
			    d.pidfile, strerror(errno));
		cfg_free(d.cfg);
		return 1;
	}
	d.foreground = fg || nodetach;
	if (!d.foreground)
		readyfd = detach();
	log_init(fg, d.cfg->global.log_facility);
	raise_fd_limit();
	if (pidfile_write(pidfd) == -1)
		log_warn("pid file %s", d.pidfile);
	if (daemon_start(&d) == -1) {
		unlink(d.pidfile);
		fatalx("start-up failed");
	}
	if (readyfd != -1) {
		if (write(readyfd, &ready, 1) != 1)
			log_warn("start-up notification");
		close(readyfd);
	}
	daemon_run(&d);
	unlink(d.pidfile);
	close(pidfd);
	cfg_free(d.cfg);
	return 0;
}
