/*
 * ipvs_diff.c - see ipvs_diff.h.
 *
 * Both tables are sorted as arrays of pointers (the callers' arrays stay
 * untouched and the ops point into them) and merged in one pass; each
 * kept service's destinations are sorted and merged the same way. That
 * is O(n log n) in services plus O(d log d) per service, and makes the
 * result independent of input order. Each step of the order documented
 * in ipvs_diff.h collects its ops in a list of its own; the lists are
 * joined at the end.
 *
 * What a SET can change follows the kernel: ip_vs_edit_service() takes
 * a new scheduler, flags, timeout and netmask, and ip_vs_edit_dest()
 * a new weight, thresholds, forwarding method and tunnel settings, so
 * none of those needs a delete and re-add (which would drop the
 * connections the kernel tracks). Only the keys (family, protocol,
 * address, port, firewall mark) cannot change, and a changed key is a
 * different object: the old one is deleted, the new one added.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipvs_diff.h"

enum ipvs_step {
	IPVS_STEP_NEW_SVC,	/* SVC_ADD, then that service's DEST_ADDs */
	IPVS_STEP_SVC_SET,
	IPVS_STEP_DEST_ADD,
	IPVS_STEP_DEST_SET,
	IPVS_STEP_DEST_DEL,
	IPVS_STEP_SVC_DEL,
	IPVS_STEP_MAX,
};

struct ipvs_diff {
	struct ipvs_oplist		  step[IPVS_STEP_MAX];
	/* scratch for one service's destinations, sorted */
	const struct ipvs_dest		**wd;
	const struct ipvs_dest		**hd;
	size_t				  dcap;
	/* the merge, resumable: both tables sorted, and where it is */
	const struct ipvs_table_svc	**sw, **sh;
	size_t				  nwant, nhave, i, j;
	const struct ipvs_table_svc	 *have;
	const bool			 *owned;
	bool				  purge;
};

static int
ipvs_oplist_push(struct ipvs_oplist *l, enum ipvs_op_type type,
    const struct ipvs_service *svc, const struct ipvs_dest *dest)
{
	struct ipvs_op	*ops;
	size_t		 cap;

	if (l->n == l->cap) {
		cap = l->cap != 0 ? l->cap * 2 : 64;
		if (cap > SIZE_MAX / sizeof(*ops)) {
			errno = ENOMEM;
			return -1;
		}
		if ((ops = realloc(l->ops, cap * sizeof(*ops))) == NULL)
			return -1;
		l->ops = ops;
		l->cap = cap;
	}
	l->ops[l->n].type = type;
	l->ops[l->n].svc = svc;
	l->ops[l->n].dest = dest;
	l->n++;
	return 0;
}

void
ipvs_oplist_free(struct ipvs_oplist *l)
{
	free(l->ops);
	l->ops = NULL;
	l->n = l->cap = 0;
}

const char *
ipvs_op_name(enum ipvs_op_type type)
{
	switch (type) {
	case IPVS_OP_SVC_ADD:
		return "svc-add";
	case IPVS_OP_SVC_SET:
		return "svc-set";
	case IPVS_OP_SVC_DEL:
		return "svc-del";
	case IPVS_OP_DEST_ADD:
		return "dest-add";
	case IPVS_OP_DEST_SET:
		return "dest-set";
	case IPVS_OP_DEST_DEL:
		return "dest-del";
	}
	return "?";
}

static bool
ipvs_svc_differs(const struct ipvs_service *w, const struct ipvs_service *h)
{
	return strncmp(w->sched, h->sched, sizeof(w->sched)) != 0 ||
	    (w->flags & IPVS_SVC_F_SETTABLE) !=
	    (h->flags & IPVS_SVC_F_SETTABLE) ||
	    w->timeout != h->timeout || w->netmask != h->netmask;
}

static bool
ipvs_dest_differs(const struct ipvs_dest *w, const struct ipvs_dest *h)
{
	uint32_t	fwd = w->fwd & IP_VS_CONN_F_FWD_MASK;

	if (fwd != (h->fwd & IP_VS_CONN_F_FWD_MASK) ||
	    w->weight != h->weight || w->u_threshold != h->u_threshold ||
	    w->l_threshold != h->l_threshold)
		return true;
	/* Meaningless for other methods, which we send without them. */
	if (fwd != IP_VS_CONN_F_TUNNEL)
		return false;
	return w->tun_type != h->tun_type || w->tun_port != h->tun_port ||
	    w->tun_flags != h->tun_flags;
}

static int
ipvs_tsvc_cmp(const void *a, const void *b)
{
	const struct ipvs_table_svc	*const *x = a, *const *y = b;

	return ipvs_service_key_cmp(&(*x)->svc, &(*y)->svc);
}

static int
ipvs_dest_ptr_cmp(const void *a, const void *b)
{
	const struct ipvs_dest	*const *x = a, *const *y = b;

	return ipvs_dest_key_cmp(*x, *y);
}

/* Pointers to t's n services in key order, or NULL (errno set). */
static const struct ipvs_table_svc **
ipvs_sort_svcs(const struct ipvs_table_svc *t, size_t n)
{
	const struct ipvs_table_svc	**s;
	size_t				  i;

	if ((s = calloc(n != 0 ? n : 1, sizeof(*s))) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		s[i] = &t[i];
	qsort(s, n, sizeof(*s), ipvs_tsvc_cmp);
	for (i = 1; i < n; i++)
		if (ipvs_service_key_cmp(&s[i - 1]->svc, &s[i]->svc) == 0) {
			free(s);
			errno = EINVAL;
			return NULL;
		}
	return s;
}

/* Fills out[] with pointers to ts's destinations in key order. */
static int
ipvs_sort_dests(const struct ipvs_table_svc *ts, const struct ipvs_dest **out)
{
	size_t	i;

	if (ts->ndests == 0)
		return 0;
	for (i = 0; i < ts->ndests; i++)
		out[i] = &ts->dests[i];
	qsort(out, ts->ndests, sizeof(*out), ipvs_dest_ptr_cmp);
	for (i = 1; i < ts->ndests; i++)
		if (ipvs_dest_key_cmp(out[i - 1], out[i]) == 0) {
			errno = EINVAL;
			return -1;
		}
	return 0;
}

/* Makes the scratch arrays hold n destinations each. */
static int
ipvs_diff_scratch(struct ipvs_diff *df, size_t n)
{
	const struct ipvs_dest	**p;

	if (n <= df->dcap)
		return 0;
	if (n > SIZE_MAX / sizeof(*p)) {
		errno = ENOMEM;
		return -1;
	}
	if ((p = realloc(df->wd, n * sizeof(*p))) == NULL)
		return -1;
	df->wd = p;
	if ((p = realloc(df->hd, n * sizeof(*p))) == NULL)
		return -1;
	df->hd = p;
	df->dcap = n;
	return 0;
}

/* A service the kernel lacks: add it, then its destinations. */
static int
ipvs_diff_added(struct ipvs_diff *df, const struct ipvs_table_svc *w)
{
	struct ipvs_oplist	*l = &df->step[IPVS_STEP_NEW_SVC];
	size_t			 i;

	if (ipvs_diff_scratch(df, w->ndests) < 0 ||
	    ipvs_sort_dests(w, df->wd) < 0)
		return -1;
	if (ipvs_oplist_push(l, IPVS_OP_SVC_ADD, &w->svc, NULL) < 0)
		return -1;
	for (i = 0; i < w->ndests; i++)
		if (ipvs_oplist_push(l, IPVS_OP_DEST_ADD, &w->svc,
		    df->wd[i]) < 0)
			return -1;
	return 0;
}

/* A service in both tables: its settings, then its destinations. */
static int
ipvs_diff_kept(struct ipvs_diff *df, const struct ipvs_table_svc *w,
    const struct ipvs_table_svc *h)
{
	const struct ipvs_dest	**wd, **hd;
	size_t			  i = 0, j = 0;
	int			  c, rc = 0;

	if (ipvs_svc_differs(&w->svc, &h->svc) &&
	    ipvs_oplist_push(&df->step[IPVS_STEP_SVC_SET], IPVS_OP_SVC_SET,
	    &w->svc, NULL) < 0)
		return -1;
	if (ipvs_diff_scratch(df, w->ndests > h->ndests ? w->ndests :
	    h->ndests) < 0 || ipvs_sort_dests(w, df->wd) < 0 ||
	    ipvs_sort_dests(h, df->hd) < 0)
		return -1;
	wd = df->wd;
	hd = df->hd;
	while (rc == 0 && (i < w->ndests || j < h->ndests)) {
		if (j == h->ndests)
			c = -1;
		else if (i == w->ndests)
			c = 1;
		else
			c = ipvs_dest_key_cmp(wd[i], hd[j]);
		if (c < 0)
			rc = ipvs_oplist_push(&df->step[IPVS_STEP_DEST_ADD],
			    IPVS_OP_DEST_ADD, &w->svc, wd[i++]);
		else if (c > 0)
			rc = ipvs_oplist_push(&df->step[IPVS_STEP_DEST_DEL],
			    IPVS_OP_DEST_DEL, &h->svc, hd[j++]);
		else {
			if (ipvs_dest_differs(wd[i], hd[j]))
				rc = ipvs_oplist_push(
				    &df->step[IPVS_STEP_DEST_SET],
				    IPVS_OP_DEST_SET, &w->svc, wd[i]);
			i++;
			j++;
		}
	}
	return rc;
}

/* Joins the steps, in order, into out. */
static int
ipvs_diff_join(struct ipvs_diff *df, struct ipvs_oplist *out)
{
	size_t	n = 0, k;

	for (k = 0; k < IPVS_STEP_MAX; k++)
		n += df->step[k].n;
	if (n == 0)
		return 0;
	if ((out->ops = calloc(n, sizeof(*out->ops))) == NULL)
		return -1;
	out->cap = n;
	for (k = 0; k < IPVS_STEP_MAX; k++) {
		if (df->step[k].n == 0)
			continue;
		memcpy(out->ops + out->n, df->step[k].ops,
		    df->step[k].n * sizeof(*out->ops));
		out->n += df->step[k].n;
	}
	return 0;
}

/*
 * The merge of the two sorted service lists, for at most max services of
 * either table: 1 while some are left, 0 at the end, -1 on error.
 */
int
ipvs_diff_step(struct ipvs_diff *df, size_t max)
{
	const struct ipvs_table_svc	**sw = df->sw, **sh = df->sh;
	size_t				  n = 0;
	int				  c, rc = 0;

	while (rc == 0 && (df->i < df->nwant || df->j < df->nhave)) {
		if (n++ == max)
			return 1;
		if (df->j == df->nhave)
			c = -1;
		else if (df->i == df->nwant)
			c = 1;
		else
			c = ipvs_service_key_cmp(&sw[df->i]->svc,
			    &sh[df->j]->svc);
		if (c < 0)
			rc = ipvs_diff_added(df, sw[df->i++]);
		else if (c == 0) {
			rc = ipvs_diff_kept(df, sw[df->i], sh[df->j]);
			df->i++;
			df->j++;
		} else {
			/* Foreign services are left alone unless purging. */
			if (df->purge || (df->owned != NULL &&
			    df->owned[sh[df->j] - df->have]))
				rc = ipvs_oplist_push(
				    &df->step[IPVS_STEP_SVC_DEL],
				    IPVS_OP_SVC_DEL, &sh[df->j]->svc, NULL);
			df->j++;
		}
	}
	return rc;
}

void
ipvs_diff_free(struct ipvs_diff *df)
{
	size_t	k;
	int	saved = errno;

	if (df == NULL)
		return;
	for (k = 0; k < IPVS_STEP_MAX; k++)
		ipvs_oplist_free(&df->step[k]);
	free(df->wd);
	free(df->hd);
	free(df->sw);
	free(df->sh);
	free(df);
	errno = saved;
}

struct ipvs_diff *
ipvs_diff_new(const struct ipvs_table_svc *want, size_t nwant,
    const struct ipvs_table_svc *have, size_t nhave, const bool *owned,
    bool purge_unknown)
{
	struct ipvs_diff *df;

	if ((df = calloc(1, sizeof(*df))) == NULL)
		return NULL;
	df->nwant = nwant;
	df->nhave = nhave;
	df->have = have;
	df->owned = owned;
	df->purge = purge_unknown;
	if ((df->sw = ipvs_sort_svcs(want, nwant)) == NULL ||
	    (df->sh = ipvs_sort_svcs(have, nhave)) == NULL) {
		ipvs_diff_free(df);
		return NULL;
	}
	return df;
}

int
ipvs_diff_finish(struct ipvs_diff *df, struct ipvs_oplist *ops)
{
	memset(ops, 0, sizeof(*ops));
	return ipvs_diff_join(df, ops);
}

int
ipvs_diff(const struct ipvs_table_svc *want, size_t nwant,
    const struct ipvs_table_svc *have, size_t nhave, const bool *owned,
    bool purge_unknown, struct ipvs_oplist *ops)
{
	struct ipvs_diff	*df;
	int			 rc = -1;

	memset(ops, 0, sizeof(*ops));
	if ((df = ipvs_diff_new(want, nwant, have, nhave, owned,
	    purge_unknown)) == NULL)
		return -1;
	if (ipvs_diff_step(df, SIZE_MAX) == 0)
		rc = ipvs_diff_finish(df, ops);
	ipvs_diff_free(df);
	return rc;
}
