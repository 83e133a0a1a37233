/*
 * stream.c - long answers in slices, and resumable walks over the
 * health-checked servers and the kernel's IPVS table; see stream.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "clock.h"
#include "daemon.h"
#include "stream.h"
#include "../healthcheck/hc_engine.h"
#include "../ipvs/ipvs_nl.h"

int
stream_slice(struct director *d, const struct stream *s,
    struct evbuffer *out, size_t limit)
{
	uint64_t	deadline = clock_now_us() + STREAM_SLICE_US;
	int		more;

	do {
		more = s->more(d, s->state, out);
	} while (more == 1 && evbuffer_get_length(out) < limit &&
	    clock_now_us() < deadline);
	return more;
}

void
stream_hc_start(struct stream_hc *w, const struct director *d)
{
	memset(w, 0, sizeof(*w));
	w->generation = d->generation;
}

const struct hc_server *
stream_hc_next(struct stream_hc *w, const struct director *d)
{
	/* The servers are looked up by index each time: a reload frees them. */
	if (d->generation != w->generation) {
		w->cut = true;
		return NULL;
	}
	if (d->hc == NULL || w->next >= hc_engine_count(d->hc))
		return NULL;
	return hc_engine_server(d->hc, w->next++);
}

int
stream_ipvs_open(struct stream_ipvs *w)
{
	int rc;

	memset(w, 0, sizeof(*w));
	if ((rc = ipvs_nl_open(&w->nl)) != 0 ||
	    (rc = ipvs_nl_dump_services_start(w->nl)) != 0)
		stream_ipvs_close(w);
	return rc;
}

int
stream_ipvs_next(struct stream_ipvs *w, struct ipvs_table_svc **ts)
{
	struct ipvs_table_svc	*prev;
	int			 rc;

	*ts = NULL;
	if (!w->listed) {
		if ((rc = ipvs_nl_dump_services_more(w->nl, &w->t)) < 0) {
			w->error = -rc;
			return -1;
		}
		if (rc == 0) {
			ipvs_table_sort(&w->t);
			w->listed = true;
		}
		return 1;
	}
	/* Only one service's destinations are held at a time. */
	if (w->next > 0) {
		prev = &w->t.svcs[w->next - 1];
		free(prev->dests);
		prev->dests = NULL;
		prev->ndests = 0;
	}
	if (w->next == w->t.n)
		return 0;
	*ts = &w->t.svcs[w->next++];
	return 1;
}

int
stream_ipvs_dests(struct stream_ipvs *w, struct ipvs_table_svc *ts)
{
	int rc;

	if ((rc = ipvs_nl_dump_dests(w->nl, ts)) == 0)
		return 1;
	if (rc == -ESRCH || rc == -ENOENT)
		return 0;
	w->error = -rc;
	return -1;
}

void
stream_ipvs_close(struct stream_ipvs *w)
{
	ipvs_table_free(&w->t);
	ipvs_nl_close(w->nl);
	w->nl = NULL;
}
