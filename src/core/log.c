/*
 * log.c - syslog or stderr logging, see log.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static int	log_stderr = 1;
static int	log_level = LOG_INFO;
static int	log_facility = LOG_DAEMON;

static const struct {
	const char	*name;
	int		 value;
} facilities[] = {
	{ "daemon", LOG_DAEMON }, { "user", LOG_USER },
	{ "local0", LOG_LOCAL0 }, { "local1", LOG_LOCAL1 },
	{ "local2", LOG_LOCAL2 }, { "local3", LOG_LOCAL3 },
	{ "local4", LOG_LOCAL4 }, { "local5", LOG_LOCAL5 },
	{ "local6", LOG_LOCAL6 }, { "local7", LOG_LOCAL7 },
}, levels[] = {
	{ "err", LOG_ERR }, { "warning", LOG_WARNING },
	{ "notice", LOG_NOTICE }, { "info", LOG_INFO }, { "debug", LOG_DEBUG },
};

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

void
log_init(int to_stderr, int facility)
{
	log_stderr = to_stderr;
	log_facility = facility;
	if (!to_stderr)
		openlog("director", LOG_PID | LOG_NDELAY, facility);
}

void
log_set_facility(int facility)
{
	if (facility == log_facility)
		return;
	log_facility = facility;
	if (!log_stderr) {
		closelog();
		openlog("director", LOG_PID | LOG_NDELAY, facility);
	}
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

void
log_vmsg(int pri, const char *fmt, va_list ap)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 tbuf[32];
	int		 saved = errno;

	if (pri > log_level)
		return;
	if (!log_stderr) {
		vsyslog(log_facility | pri, fmt, ap);
		errno = saved;
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: ", tbuf, ts.tv_nsec / 1000000,
	    log_level_name(pri));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
	errno = saved;
}

void
log_msg(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(pri, fmt, ap);
	va_end(ap);
}

static void log_verrno(int, const char *, va_list) LOG_FMT(2, 0);

static void
log_verrno(int pri, const char *fmt, va_list ap)
{
	char	 buf[1024];
	int	 saved = errno;

	vsnprintf(buf, sizeof(buf), fmt, ap);
	log_msg(pri, "%s: %s", buf, strerror(saved));
	errno = saved;
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_verrno(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_WARNING, fmt, ap);
	va_end(ap);
}

void
log_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_DEBUG, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_verrno(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}

int
log_facility_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < NITEMS(facilities); i++)
		if (strcmp(facilities[i].name, name) == 0)
			return facilities[i].value;
	return -1;
}

const char *
log_facility_name(int facility)
{
	size_t i;

	for (i = 0; i < NITEMS(facilities); i++)
		if (facilities[i].value == facility)
			return facilities[i].name;
	return "daemon";
}

int
log_level_from_name(const char *name)
{
	size_t i;

	for (i = 0; i < NITEMS(levels); i++)
		if (strcmp(levels[i].name, name) == 0)
			return levels[i].value;
	return -1;
}

const char *
log_level_name(int level)
{
	size_t i;

	if (level == LOG_CRIT)
		return "crit";
	for (i = 0; i < NITEMS(levels); i++)
		if (levels[i].value == level)
			return levels[i].name;
	return "debug";
}
