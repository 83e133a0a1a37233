/*
 * stream.h - long answers made a slice at a time on the loop (the
 * control socket's large views, /metrics), and cursors over the two
 * large tables they read, which resume from one slice to the next.
 *
 * A slice is about a millisecond of work at the bulk priority; the
 * writer stops while its connection has more than STREAM_HIGH bytes
 * unsent, so a slow reader costs a bounded buffer, not the whole answer.
 */
#ifndef DIRECTOR_STREAM_H
#define DIRECTOR_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../ipvs/ipvs_table.h"

struct director;
struct evbuffer;
struct hc_server;
struct ipvs_nl;

#define STREAM_SLICE_US	1000		/* time box of one slice */
#define STREAM_HIGH	(256 * 1024)	/* stop producing above this */
#define STREAM_LOW	(64 * 1024)	/* and go on below this */
#define STREAM_PRIORITY	2		/* bulk, see daemon_start() */

/*
 * A long answer in pieces: more() adds to out and returns 1 while it has
 * more to say, 0 at the end; done() frees state, whether the answer ended
 * or the reader went away.
 */
struct stream {
	int		(*more)(struct director *, void *state,
			    struct evbuffer *out);
	void		(*done)(void *state);
	void		*state;
};

/*
 * One slice: calls more() until it ends, out holds limit bytes or more,
 * or STREAM_SLICE_US have passed. Returns more()'s last answer.
 */
int	stream_slice(struct director *, const struct stream *,
	    struct evbuffer *out, size_t limit);

/*
 * The health-checked servers, one at a time. A reload replaces them all,
 * so the walk ends there, with cut set: what was listed before belongs
 * to the old config.
 */
struct stream_hc {
	size_t		next;		/* how many were listed */
	uint64_t	generation;
	bool		cut;
};

void	stream_hc_start(struct stream_hc *, const struct director *);
/* The next server (valid until the loop runs on), or NULL at the end. */
const struct hc_server *stream_hc_next(struct stream_hc *,
	    const struct director *);

/*
 * The kernel's IPVS table on a netlink socket of its own (requests on
 * the daemon's socket go on between slices): the services a batch at a
 * time, sorted, then each service's destinations when asked for.
 */
struct stream_ipvs {
	struct ipvs_nl		*nl;
	struct ipvs_table	 t;
	bool			 listed;	/* every service read */
	size_t			 next;
	int			 error;		/* errno that cut it short */
};

/* Opens the socket and asks for the services: 0 or -errno. */
int	stream_ipvs_open(struct stream_ipvs *);
/*
 * One step: reads a batch of services (1, *ts NULL) or hands out the
 * next service without its destinations (1, *ts set, valid until the
 * next step). 0 at the end, -1 on error (w->error).
 */
int	stream_ipvs_next(struct stream_ipvs *, struct ipvs_table_svc **ts);
/*
 * Reads the destinations of the service next() handed out: 1, 0 when
 * it was deleted meanwhile, -1 on error (w->error).
 */
int	stream_ipvs_dests(struct stream_ipvs *, struct ipvs_table_svc *ts);
/* Closes the socket, dropping what is left of the dump, and frees. */
void	stream_ipvs_close(struct stream_ipvs *);

#endif
