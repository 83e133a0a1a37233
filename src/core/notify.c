/*
 * notify.c - notify scripts and the notify FIFO, in order per object.
 *
 * Every script of an event gets keepalived's arguments appended:
 * "INSTANCE"|"GROUP", the name, the new state, the priority. Events of
 * one object run one after the other (never two scripts of one instance
 * at once); the queue copies what it needs, so a reload can free the
 * config while scripts wait.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"
#include "proc.h"

#define NOTIFY_TIMEOUT_MS	30000

struct notify_job {
	TAILQ_ENTRY(notify_job)	 entry;
	char			**argv;
};

struct notify_queue {
	LIST_ENTRY(notify_queue) entry;
	struct notify		*n;
	char			*key;		/* "INSTANCE VI_1" */
	TAILQ_HEAD(, notify_job) jobs;
	struct proc		*running;
};

struct notify {
	struct proc_runner	*runner;
	uid_t			 uid;
	gid_t			 gid;
	LIST_HEAD(, notify_queue) queues;
	uint64_t		 run;
	uint64_t		 failed;
};

static void	notify_next(struct notify_queue *);

static void
notify_job_free(struct notify_job *j)
{
	char **a;

	for (a = j->argv; a != NULL && *a != NULL; a++)
		free(*a);
	free(j->argv);
	free(j);
}

static void
notify_done(void *arg, int status, bool timed_out)
{
	struct notify_queue	*q = arg;
	struct notify_job	*j = TAILQ_FIRST(&q->jobs);

	q->running = NULL;
	q->n->run++;
	if (timed_out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		q->n->failed++;
		log_warnx("notify %s: %s %s (%s)", q->key, j->argv[0],
		    timed_out ? "timed out" : "failed", WIFEXITED(status) ?
		    "non-zero exit" : "killed");
	}
	TAILQ_REMOVE(&q->jobs, j, entry);
	notify_job_free(j);
	notify_next(q);
}

static void
notify_next(struct notify_queue *q)
{
	struct notify_job	*j;
	struct proc_spec	 spec;

	while ((j = TAILQ_FIRST(&q->jobs)) != NULL) {
		memset(&spec, 0, sizeof(spec));
		spec.argv = j->argv;
		spec.uid = q->n->uid;
		spec.gid = q->n->gid;
		spec.timeout_ms = NOTIFY_TIMEOUT_MS;
		spec.done = notify_done;
		spec.arg = q;
		if ((q->running = proc_spawn(q->n->runner, &spec)) != NULL)
			return;
		log_warn("notify %s: %s", q->key, j->argv[0]);
		TAILQ_REMOVE(&q->jobs, j, entry);
		notify_job_free(j);
	}
}

static struct notify_queue *
notify_queue(struct notify *n, const char *key)
{
	struct notify_queue *q;

	LIST_FOREACH(q, &n->queues, entry)
		if (strcmp(q->key, key) == 0)
			return q;
	if ((q = calloc(1, sizeof(*q))) == NULL ||
	    (q->key = strdup(key)) == NULL) {
		free(q);
		return NULL;
	}
	q->n = n;
	TAILQ_INIT(&q->jobs);
	LIST_INSERT_HEAD(&n->queues, q, entry);
	return q;
}

/* argv of the script, then the four keepalived arguments. */
static struct notify_job *
notify_job(const struct cfg_argv *s, const char *const extra[4])
{
	struct notify_job	*j;
	int			 i, n = 0;

	if ((j = calloc(1, sizeof(*j))) == NULL ||
	    (j->argv = calloc(s->argc + 5, sizeof(char *))) == NULL)
		goto fail;
	for (i = 0; i < s->argc; i++)
		if ((j->argv[n++] = strdup(s->argv[i])) == NULL)
			goto fail;
	for (i = 0; i < 4; i++)
		if ((j->argv[n++] = strdup(extra[i])) == NULL)
			goto fail;
	return j;
fail:
	if (j != NULL)
		notify_job_free(j);
	return NULL;
}

/* One line per event to the FIFO, if a reader is there. */
static void
notify_fifo(const char *path, const char *const extra[4])
{
	char	line[256];
	int	fd, len;

	if (path == NULL)
		return;
	if ((fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno != ENXIO && errno != ENOENT)
			log_warn("notify FIFO %s", path);
		return;
	}
	len = snprintf(line, sizeof(line), "%s %s %s %s\n", extra[0],
	    extra[1], extra[2], extra[3]);
	if (write(fd, line, len) != len)
		log_warn("notify FIFO %s", path);
	close(fd);
}

void
notify_event(struct notify *n, const char *kind, const char *name,
    const char *state, int priority, const struct cfg_argv *const *scripts,
    size_t nscripts, const char *fifo)
{
	struct notify_queue	*q;
	struct notify_job	*j;
	char			 key[128], prio[16];
	const char		*extra[4];
	size_t			 i;

	snprintf(prio, sizeof(prio), "%d", priority);
	extra[0] = kind;
	extra[1] = name;
	extra[2] = state;
	extra[3] = prio;
	notify_fifo(fifo, extra);
	snprintf(key, sizeof(key), "%s %s", kind, name);
	if ((q = notify_queue(n, key)) == NULL)
		return;
	for (i = 0; i < nscripts; i++) {
		if (scripts[i] == NULL || scripts[i]->argv == NULL)
			continue;
		if ((j = notify_job(scripts[i], extra)) == NULL) {
			log_warnx("notify %s: out of memory", key);
			continue;
		}
		TAILQ_INSERT_TAIL(&q->jobs, j, entry);
	}
	if (q->running == NULL)
		notify_next(q);
}

struct notify *
notify_new(struct proc_runner *runner)
{
	struct notify *n;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return NULL;
	n->runner = runner;
	LIST_INIT(&n->queues);
	return n;
}

bool
notify_busy(const struct notify *n)
{
	const struct notify_queue *q;

	LIST_FOREACH(q, &n->queues, entry)
		if (q->running != NULL || !TAILQ_EMPTY(&q->jobs))
			return true;
	return false;
}

void
notify_set_user(struct notify *n, uid_t uid, gid_t gid)
{
	n->uid = uid;
	n->gid = gid;
}

/* Pending scripts are dropped; running ones are the runner's to kill. */
void
notify_free(struct notify *n)
{
	struct notify_queue	*q;
	struct notify_job	*j;

	if (n == NULL)
		return;
	while ((q = LIST_FIRST(&n->queues)) != NULL) {
		if (q->running != NULL)
			proc_cancel(q->running);
		while ((j = TAILQ_FIRST(&q->jobs)) != NULL) {
			TAILQ_REMOVE(&q->jobs, j, entry);
			notify_job_free(j);
		}
		LIST_REMOVE(q, entry);
		free(q->key);
		free(q);
	}
	free(n);
}
