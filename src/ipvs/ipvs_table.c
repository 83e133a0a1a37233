/*
 * ipvs_table.c - see ipvs_table.h.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ipvs_table.h"

struct ipvs_table_svc *
ipvs_table_add(struct ipvs_table *t, const struct ipvs_service *svc)
{
	struct ipvs_table_svc	*ts;

	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;

		if ((ts = reallocarray(t->svcs, cap, sizeof(*ts))) == NULL)
			return NULL;
		t->svcs = ts;
		t->cap = cap;
	}
	ts = &t->svcs[t->n++];
	memset(ts, 0, sizeof(*ts));
	ts->svc = *svc;
	return ts;
}

struct ipvs_dest *
ipvs_table_add_dest(struct ipvs_table_svc *ts, const struct ipvs_dest *d)
{
	struct ipvs_dest *nd;

	/* Capacities are 4, 8, 16...: known from the count alone. */
	if (ts->ndests == 0 || (ts->ndests >= 4 &&
	    (ts->ndests & (ts->ndests - 1)) == 0)) {
		size_t cap = ts->ndests == 0 ? 4 : ts->ndests * 2;

		if ((nd = reallocarray(ts->dests, cap, sizeof(*nd))) == NULL)
			return NULL;
		ts->dests = nd;
	}
	nd = &ts->dests[ts->ndests++];
	*nd = *d;
	return nd;
}

static int
ipvs_svc_cmp(const void *a, const void *b)
{
	return ipvs_service_key_cmp(&((const struct ipvs_table_svc *)a)->svc,
	    &((const struct ipvs_table_svc *)b)->svc);
}

static int
ipvs_dest_cmp(const void *a, const void *b)
{
	return ipvs_dest_key_cmp(a, b);
}

void
ipvs_table_sort(struct ipvs_table *t)
{
	size_t i;

	/* qsort() and bsearch() must not see a NULL array, even empty. */
	if (t->n > 1)
		qsort(t->svcs, t->n, sizeof(*t->svcs), ipvs_svc_cmp);
	for (i = 0; i < t->n; i++)
		if (t->svcs[i].ndests > 1)
			qsort(t->svcs[i].dests, t->svcs[i].ndests,
			    sizeof(*t->svcs[i].dests), ipvs_dest_cmp);
}

struct ipvs_table_svc *
ipvs_table_find(const struct ipvs_table *t, const struct ipvs_service *svc)
{
	struct ipvs_table_svc key;

	if (t->n == 0)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.svc = *svc;
	return bsearch(&key, t->svcs, t->n, sizeof(*t->svcs), ipvs_svc_cmp);
}

struct ipvs_dest *
ipvs_table_find_dest(const struct ipvs_table_svc *ts,
    const struct ipvs_dest *d)
{
	if (ts->ndests == 0)
		return NULL;
	return bsearch(d, ts->dests, ts->ndests, sizeof(*ts->dests),
	    ipvs_dest_cmp);
}

/* Every service of upd replaces one in t, and none leaves: in place. */
static bool
ipvs_table_replace(struct ipvs_table *t, struct ipvs_table *upd)
{
	struct ipvs_table_svc	*ts;
	size_t			 i;

	for (i = 0; i < upd->n; i++)
		if (ipvs_table_find(t, &upd->svcs[i].svc) == NULL)
			return false;
	for (i = 0; i < upd->n; i++) {
		ts = ipvs_table_find(t, &upd->svcs[i].svc);
		free(ts->dests);
		*ts = upd->svcs[i];
	}
	return true;
}

int
ipvs_table_merge(struct ipvs_table *t, struct ipvs_table *upd,
    const struct ipvs_service *del, size_t ndel)
{
	struct ipvs_table_svc	*out;
	size_t			 i = 0, j = 0, k = 0, n = 0;
	size_t			 cap = t->n + upd->n + 1;
	int			 cmp;

	if (ndel == 0 && ipvs_table_replace(t, upd))
		goto done;
	if ((out = calloc(cap, sizeof(*out))) == NULL)
		return -1;
	while (i < t->n || j < upd->n) {
		cmp = i == t->n ? 1 : j == upd->n ? -1 :
		    ipvs_service_key_cmp(&t->svcs[i].svc, &upd->svcs[j].svc);
		if (cmp > 0) {
			out[n++] = upd->svcs[j++];
			continue;
		}
		if (cmp == 0) {
			free(t->svcs[i++].dests);
			out[n++] = upd->svcs[j++];
			continue;
		}
		while (k < ndel && ipvs_service_key_cmp(&del[k],
		    &t->svcs[i].svc) < 0)
			k++;
		if (k < ndel && ipvs_service_key_cmp(&del[k],
		    &t->svcs[i].svc) == 0)
			free(t->svcs[i++].dests);
		else
			out[n++] = t->svcs[i++];
	}
	free(t->svcs);
	t->svcs = out;
	t->n = n;
	t->cap = cap;
done:
	free(upd->svcs);
	memset(upd, 0, sizeof(*upd));
	return 0;
}

void
ipvs_table_free(struct ipvs_table *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->svcs[i].dests);
	free(t->svcs);
	memset(t, 0, sizeof(*t));
}
