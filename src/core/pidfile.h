/*
 * pidfile.h - one director per pid file, enforced with a lock.
 */
#ifndef DIRECTOR_PIDFILE_H
#define DIRECTOR_PIDFILE_H

#include <sys/types.h>

/*
 * Opens and locks path. Returns the descriptor, or -1: with errno
 * EWOULDBLOCK when another process holds it (its pid in *holder, or 0).
 */
int	pidfile_lock(const char *path, pid_t *holder);
/* Writes the current pid into the locked file. Returns 0 or -1. */
int	pidfile_write(int fd);

#endif
