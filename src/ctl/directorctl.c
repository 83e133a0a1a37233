/*
 * directorctl.c - talks to director over its control socket.
 *
 * It forwards the command words as one line and prints the reply body, so
 * a view added to the daemon needs no change here. Exit status: 0 on OK,
 * 1 when the daemon answered ERROR, 2 on usage errors, 3 when the daemon
 * cannot be reached.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>


#define DEFAULT_SOCK	"/run/director.sock"
#define REQ_MAX		1024
#define TIMEOUT_MS	30000

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: directorctl [-S socket] [--json] command [args...]\n"
	    "commands: status, reload, help (ask the daemon: directorctl "
	    "help)\n"
	    "  -S SOCKET   control socket (default %s, or $DIRECTOR_SOCKET)\n"
	    "  --json      machine-readable output\n", DEFAULT_SOCK);
}

static int
connect_to(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "directorctl: socket path too long\n");
		return -1;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		perror("directorctl: socket");
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (errno == ENOENT || errno == ECONNREFUSED)
			fprintf(stderr, "directorctl: director is not running "
			    "(nothing listens on %s)\n", path);
		else if (errno == EACCES || errno == EPERM)
			fprintf(stderr, "directorctl: permission denied on %s "
			    "(run as root)\n", path);
		else
			fprintf(stderr, "directorctl: %s: %s\n", path,
			    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/* Reads the whole reply (the daemon closes after it). */
static char *
read_reply(int fd, size_t *lenp)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	size_t		 len = 0, cap = 8192;
	char		*buf = malloc(cap + 1), *nb;
	ssize_t		 n;
	int		 rc;

	while (buf != NULL) {
		if ((rc = poll(&pfd, 1, TIMEOUT_MS)) == 0) {
			fprintf(stderr, "directorctl: no reply within %d s\n",
			    TIMEOUT_MS / 1000);
			break;
		}
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc == -1 || (n = read(fd, buf + len, cap - len)) < 0) {
			if (rc != -1 && errno == EINTR)
				continue;
			perror("directorctl: read");
			break;
		}
		if (n == 0) {
			buf[len] = '\0';
			*lenp = len;
			return buf;
		}
		len += n;
		if (len == cap) {
			if ((nb = realloc(buf, cap * 2 + 1)) == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	free(buf);
	return NULL;
}

int
main(int argc, char *argv[])
{
	const char	*sock = getenv("DIRECTOR_SOCKET");
	char		 req[REQ_MAX], *reply, *body;
	size_t		 len = 0, rlen;
	bool		 json = false;
	int		 i, fd, rc;

	if (sock == NULL || *sock == '\0')
		sock = DEFAULT_SOCK;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-S") == 0 && i + 1 < argc)
			sock = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("directorctl %s\n", PACKAGE_VERSION);
			return 0;
		} else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else {
			usage(stderr);
			return 2;
		}
	}
	if (i == argc) {
		usage(stderr);
		return 2;
	}
	/* --json may also follow the command; the daemon reads it there. */
	if (json)
		len = snprintf(req, sizeof(req), "--json");
	for (; i < argc; i++) {
		if (strpbrk(argv[i], "\n\r") != NULL ||
		    len + strlen(argv[i]) + 2 > sizeof(req)) {
			fprintf(stderr, "directorctl: bad or too long "
			    "arguments\n");
			return 2;
		}
		len += snprintf(req + len, sizeof(req) - len, "%s%s",
		    len ? " " : "", argv[i]);
	}
	req[len++] = '\n';
	if ((fd = connect_to(sock)) == -1)
		return 3;
	if (send_all(fd, req, len) == -1) {
		perror("directorctl: send");
		close(fd);
		return 3;
	}
	reply = read_reply(fd, &rlen);
	close(fd);
	if (reply == NULL)
		return 3;
	if ((body = strchr(reply, '\n')) != NULL)
		*body++ = '\0';
	else
		body = reply + rlen;
	fputs(body, stdout);
	if (strcmp(reply, "OK") == 0)
		rc = 0;
	else {
		fprintf(stderr, "directorctl: %s\n", strncmp(reply, "ERROR ",
		    6) == 0 ? reply + 6 : "malformed reply from director");
		rc = 1;
	}
	free(reply);
	return rc;
}
