/*
 * lb_changes.c - see lb_changes.h. The lists hold at most
 * LB_CHANGES_MAX entries between them; one more and the set says
 * "everything", which costs what every sync cost before: a build of
 * the whole wanted table.
 */
#include <stdlib.h>
#include <string.h>

#include "lb_changes.h"

int
lb_changes_init(struct lb_changes *ch, size_t nvs)
{
	memset(ch, 0, sizeof(*ch));
	ch->vs = calloc(LB_CHANGES_MAX, sizeof(*ch->vs));
	ch->gone = calloc(LB_CHANGES_MAX, sizeof(*ch->gone));
	ch->mark = calloc(nvs ? nvs : 1, 1);
	ch->nmark = nvs;
	if (ch->vs == NULL || ch->gone == NULL || ch->mark == NULL) {
		lb_changes_free(ch);
		return -1;
	}
	return 0;
}

void
lb_changes_free(struct lb_changes *ch)
{
	free(ch->vs);
	free(ch->gone);
	free(ch->mark);
	memset(ch, 0, sizeof(*ch));
	ch->all = true;		/* nothing is known any more */
}

void
lb_changes_clear(struct lb_changes *ch)
{
	size_t i;

	for (i = 0; i < ch->nvs; i++)
		if (ch->vs[i] < ch->nmark)
			ch->mark[ch->vs[i]] = 0;
	ch->nvs = 0;
	ch->ngone = 0;
	ch->all = false;
}

void
lb_changes_all(struct lb_changes *ch)
{
	lb_changes_clear(ch);
	ch->all = true;
}

void
lb_changes_vs(struct lb_changes *ch, size_t vs)
{
	if (ch->all || vs >= ch->nmark || ch->mark[vs])
		return;
	if (ch->nvs + ch->ngone == LB_CHANGES_MAX) {
		lb_changes_all(ch);
		return;
	}
	ch->mark[vs] = 1;
	ch->vs[ch->nvs++] = vs;
}

void
lb_changes_gone(struct lb_changes *ch, const struct ipvs_service *key)
{
	if (ch->all)
		return;
	if (ch->nvs + ch->ngone == LB_CHANGES_MAX) {
		lb_changes_all(ch);
		return;
	}
	ch->gone[ch->ngone++] = *key;
}

void
lb_changes_take(struct lb_changes *dst, struct lb_changes *src)
{
	size_t i;

	dst->all = src->all;
	dst->nvs = 0;
	for (i = 0; i < src->nvs; i++)
		dst->vs[dst->nvs++] = src->vs[i];
	memcpy(dst->gone, src->gone, src->ngone * sizeof(*src->gone));
	dst->ngone = src->ngone;
	lb_changes_clear(src);
}

void
lb_changes_add(struct lb_changes *dst, const struct lb_changes *src)
{
	size_t i;

	if (src->all)
		lb_changes_all(dst);
	for (i = 0; i < src->nvs; i++)
		lb_changes_vs(dst, src->vs[i]);
	for (i = 0; i < src->ngone; i++)
		lb_changes_gone(dst, &src->gone[i]);
}

int
lb_changes_renumber(struct lb_changes *ch, const uint32_t *to, size_t nvs)
{
	uint8_t	*mark;
	size_t	 i, n = 0;

	if ((mark = calloc(nvs ? nvs : 1, 1)) == NULL) {
		lb_changes_all(ch);
		return -1;
	}
	for (i = 0; i < ch->nvs; i++)
		if (to[ch->vs[i]] != UINT32_MAX) {
			ch->vs[n] = to[ch->vs[i]];
			mark[ch->vs[n++]] = 1;
		}
	free(ch->mark);
	ch->mark = mark;
	ch->nmark = nvs;
	ch->nvs = n;
	return 0;
}
