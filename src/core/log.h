/*
 * log.h - the one logging module.
 *
 * syslog by default, stderr in the foreground (-d). Messages name the
 * object they concern ("VRRP instance VI_1: ...", "vs web: ...").
 */
#ifndef DIRECTOR_LOG_H
#define DIRECTOR_LOG_H

#include <stdarg.h>

#define LOG_FMT(a, b)	__attribute__((format(printf, a, b)))

/* Sets the destination: to_stderr != 0 logs to stderr, else syslog. */
void	log_init(int to_stderr, int facility);
/* Changes the syslog facility (LOG_DAEMON, LOG_LOCAL0, ...). */
void	log_set_facility(int facility);
/* Messages above this syslog level (LOG_DEBUG, LOG_INFO...) are dropped. */
void	log_set_level(int level);
int	log_get_level(void);

void	log_warn(const char *, ...) LOG_FMT(1, 2);	/* appends errno text */
void	log_warnx(const char *, ...) LOG_FMT(1, 2);
void	log_err(const char *, ...) LOG_FMT(1, 2);	/* LOG_ERR, no errno */
void	log_info(const char *, ...) LOG_FMT(1, 2);
void	log_debug(const char *, ...) LOG_FMT(1, 2);
void	log_msg(int pri, const char *, ...) LOG_FMT(2, 3);
void	log_vmsg(int pri, const char *, va_list) LOG_FMT(2, 0);

/* Start-up errors and broken invariants only: logs and exits 1. */
void	fatal(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));
void	fatalx(const char *, ...) LOG_FMT(1, 2) __attribute__((noreturn));

/* Facility by name ("daemon", "local0".."local7", "user"); -1 if unknown. */
int	log_facility_from_name(const char *);
const char *log_facility_name(int facility);
/* Level by name ("err", "warning", "info", "debug"); -1 if unknown. */
int	log_level_from_name(const char *);
const char *log_level_name(int level);

#endif
