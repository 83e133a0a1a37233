/*
 * pidfile.c - see pidfile.h. flock() locks belong to the open file, so
 * the lock survives the fork into the background.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "pidfile.h"

int
pidfile_lock(const char *path, pid_t *holder)
{
	char	buf[32];
	ssize_t	n;
	int	fd, saved;

	*holder = 0;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		saved = errno;
		if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
			buf[n] = '\0';
			*holder = (pid_t)strtol(buf, NULL, 10);
		}
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
pidfile_write(int fd)
{
	char	buf[32];
	int	len;

	len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 || pwrite(fd, buf, len, 0) != len)
		return -1;
	return 0;
}
