/*
 * test_ipvs_diff.c - the IPVS reconciler: fixed wanted and kernel
 * tables in, exact operation lists out; order, foreign services,
 * input-order independence, and the time for 10,000 x 10. Also the
 * table merge a partial sync ends with.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <time.h>
#include <arpa/inet.h>

#include "ipvs_diff.h"
#include "ipvs_table.h"

/*
 * The kernel holds, and (unless a test changes it) director wants:
 *   S1 tcp 10.0.0.1:80 wlc    A 10.1.0.1:80 w1, B 10.1.0.2:80 w1
 *   S2 udp 10.0.0.2:53 rr     C 10.1.0.3:53 w1
 *   S3 fwmark 5 wrr           D 10.1.0.4:0 w2 (DR)
 */
struct world {
	struct ipvs_dest	s1d[4], s2d[2], s3d[2], s4d[2], s5d[2];
	struct ipvs_table_svc	t[6];
	size_t			n;
};

static struct ipvs_service
svc4(uint16_t proto, const char *addr, uint16_t port, const char *sched)
{
	struct ipvs_service	s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = proto;
	assert_int_equal(inet_pton(AF_INET, addr, &s.addr), 1);
	s.port = port;
	strncpy(s.sched, sched, sizeof(s.sched) - 1);
	s.netmask = 0xffffffff;
	return s;
}

static struct ipvs_service
svc_fwm(uint32_t fwmark, const char *sched)
{
	struct ipvs_service	s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.fwmark = fwmark;
	strncpy(s.sched, sched, sizeof(s.sched) - 1);
	s.netmask = 0xffffffff;
	return s;
}

static struct ipvs_dest
dst4(const char *addr, uint16_t port, int32_t weight)
{
	struct ipvs_dest	d;

	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	assert_int_equal(inet_pton(AF_INET, addr, &d.addr), 1);
	d.port = port;
	d.fwd = IP_VS_CONN_F_MASQ;
	d.weight = weight;
	return d;
}

static void
world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->s1d[0] = dst4("10.1.0.1", 80, 1);
	w->s1d[1] = dst4("10.1.0.2", 80, 1);
	w->s2d[0] = dst4("10.1.0.3", 53, 1);
	w->s3d[0] = dst4("10.1.0.4", 0, 2);
	w->s3d[0].fwd = IP_VS_CONN_F_DROUTE;
	w->t[0].svc = svc4(IPPROTO_TCP, "10.0.0.1", 80, "wlc");
	w->t[0].dests = w->s1d;
	w->t[0].ndests = 2;
	w->t[1].svc = svc4(IPPROTO_UDP, "10.0.0.2", 53, "rr");
	w->t[1].dests = w->s2d;
	w->t[1].ndests = 1;
	w->t[2].svc = svc_fwm(5, "wrr");
	w->t[2].dests = w->s3d;
	w->t[2].ndests = 1;
	w->n = 3;
}

/* S4 tcp 10.0.0.4:443 with E 10.1.0.6:443 and F 10.1.0.5:443. */
static void
world_add_s4(struct world *w)
{
	w->s4d[0] = dst4("10.1.0.6", 443, 1);
	w->s4d[1] = dst4("10.1.0.5", 443, 1);
	w->t[w->n].svc = svc4(IPPROTO_TCP, "10.0.0.4", 443, "rr");
	w->t[w->n].dests = w->s4d;
	w->t[w->n].ndests = 2;
	w->n++;
}

/* S5 tcp 10.0.0.5:25 with one destination. */
static void
world_add_s5(struct world *w)
{
	w->s5d[0] = dst4("10.1.0.9", 25, 1);
	w->t[w->n].svc = svc4(IPPROTO_TCP, "10.0.0.5", 25, "rr");
	w->t[w->n].dests = w->s5d;
	w->t[w->n].ndests = 1;
	w->n++;
}

static void
diff(struct world *want, struct world *have, const bool *owned, bool purge,
    struct ipvs_oplist *ops)
{
	assert_int_equal(ipvs_diff(want->t, want->n, have->t, have->n, owned,
	    purge, ops), 0);
}

/* The ops, pointer for pointer: ADD/SET into want, DEL into have. */
static void
assert_ops(const struct ipvs_oplist *ops, const struct ipvs_op *exp,
    size_t n)
{
	size_t	i;

	for (i = 0; i < ops->n && i < n; i++) {
		if (ops->ops[i].type != exp[i].type)
			fail_msg("op %zu: %s, expected %s", i,
			    ipvs_op_name(ops->ops[i].type),
			    ipvs_op_name(exp[i].type));
		assert_ptr_equal(ops->ops[i].svc, exp[i].svc);
		assert_ptr_equal(ops->ops[i].dest, exp[i].dest);
	}
	assert_int_equal(ops->n, n);
}

static void
nothing_changed(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;
	bool			owned[] = { true, true, true };

	(void)state;
	world_init(&want);
	world_init(&have);
	/* what the kernel adds of its own changes nothing */
	have.t[0].svc.flags |= IP_VS_SVC_F_HASHED;
	have.t[0].svc.stats.conns = 12345;
	have.s1d[0].active_conns = 7;
	have.s1d[1].stats.inbytes = 1 << 20;
	/* tunnel settings of a non-tunnel destination are not compared */
	have.s2d[0].tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	have.s2d[0].tun_port = 1;
	diff(&want, &have, owned, false, &ops);
	assert_int_equal(ops.n, 0);
	assert_null(ops.ops);
	ipvs_oplist_free(&ops);
}

static void
weight_changed(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;

	(void)state;
	world_init(&want);
	world_init(&have);
	want.s1d[1].weight = 5;
	diff(&want, &have, NULL, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_DEST_SET, &want.t[0].svc, &want.s1d[1] },
	}, 1);
	ipvs_oplist_free(&ops);
}

static void
dest_settings_changed(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;

	(void)state;
	world_init(&want);
	world_init(&have);
	/* a new forwarding method is a SET: ip_vs_edit_dest() takes it */
	want.s1d[0].fwd = IP_VS_CONN_F_TUNNEL;
	/* tunnel ipip -> gue on a tunnel destination: a SET too */
	want.s3d[0].fwd = have.s3d[0].fwd = IP_VS_CONN_F_TUNNEL;
	want.s3d[0].tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	want.s3d[0].tun_port = 6080;
	/* thresholds */
	want.s2d[0].u_threshold = 100;
	diff(&want, &have, NULL, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_DEST_SET, &want.t[0].svc, &want.s1d[0] },
	    { IPVS_OP_DEST_SET, &want.t[1].svc, &want.s2d[0] },
	    { IPVS_OP_DEST_SET, &want.t[2].svc, &want.s3d[0] },
	}, 3);
	ipvs_oplist_free(&ops);

	/* tunnel checksum flags alone */
	world_init(&want);
	world_init(&have);
	want.s1d[0].fwd = have.s1d[0].fwd = IP_VS_CONN_F_TUNNEL;
	want.s1d[0].tun_type = have.s1d[0].tun_type =
	    IP_VS_CONN_F_TUNNEL_TYPE_GRE;
	want.s1d[0].tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
	diff(&want, &have, NULL, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_DEST_SET, &want.t[0].svc, &want.s1d[0] },
	}, 1);
	ipvs_oplist_free(&ops);
}

static void
scheduler_changed(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;

	(void)state;
	world_init(&want);
	world_init(&have);
	strcpy(want.t[1].svc.sched, "wrr");
	diff(&want, &have, NULL, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_SET, &want.t[1].svc, NULL },
	}, 1);
	ipvs_oplist_free(&ops);

	/* flags, persistence timeout and netmask are SETs as well */
	world_init(&want);
	want.t[0].svc.flags = IP_VS_SVC_F_PERSISTENT;
	want.t[0].svc.timeout = 300;
	want.t[1].svc.netmask = 0xffffff00;
	want.t[2].svc.flags = IP_VS_SVC_F_SCHED1;
	diff(&want, &have, NULL, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_SET, &want.t[0].svc, NULL },
	    { IPVS_OP_SVC_SET, &want.t[1].svc, NULL },
	    { IPVS_OP_SVC_SET, &want.t[2].svc, NULL },
	}, 3);
	ipvs_oplist_free(&ops);
}

static void
service_removed(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;
	bool			owned[] = { true, true, true };

	(void)state;
	world_init(&want);
	world_init(&have);
	want.t[1] = want.t[2];
	want.n = 2;
	diff(&want, &have, owned, false, &ops);
	/* its destination goes with it: no DEST_DEL */
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_DEL, &have.t[1].svc, NULL },
	}, 1);
	ipvs_oplist_free(&ops);
}

static void
dest_removed(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;

	(void)state;
	world_init(&want);
	world_init(&have);
	want.t[0].ndests = 1;
	diff(&want, &have, NULL, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_DEST_DEL, &have.t[0].svc, &have.s1d[1] },
	}, 1);
	ipvs_oplist_free(&ops);
}

static void
new_service(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;

	(void)state;
	world_init(&want);
	world_init(&have);
	world_add_s4(&want);
	diff(&want, &have, NULL, false, &ops);
	/* the service first; its destinations in key order (F < E) */
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_ADD, &want.t[3].svc, NULL },
	    { IPVS_OP_DEST_ADD, &want.t[3].svc, &want.s4d[1] },
	    { IPVS_OP_DEST_ADD, &want.t[3].svc, &want.s4d[0] },
	}, 3);
	ipvs_oplist_free(&ops);
}

static void
foreign_services(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;
	bool			owned[] = { true, true, true, false };

	(void)state;
	world_init(&want);
	world_init(&have);
	world_add_s5(&have);		/* someone else's */
	diff(&want, &have, owned, false, &ops);
	assert_int_equal(ops.n, 0);
	ipvs_oplist_free(&ops);
	diff(&want, &have, NULL, false, &ops);
	assert_int_equal(ops.n, 0);
	ipvs_oplist_free(&ops);

	diff(&want, &have, owned, true, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_DEL, &have.t[3].svc, NULL },
	}, 1);
	ipvs_oplist_free(&ops);

	/* ours after all */
	owned[3] = true;
	diff(&want, &have, owned, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_DEL, &have.t[3].svc, NULL },
	}, 1);
	ipvs_oplist_free(&ops);

	/* a foreign service that is also wanted is adopted, not skipped */
	world_add_s5(&want);
	want.s5d[0].weight = 3;
	owned[3] = false;
	diff(&want, &have, owned, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_DEST_SET, &want.t[3].svc, &want.s5d[0] },
	}, 1);
	ipvs_oplist_free(&ops);
}

/* A changed key is another service: the new one added, the old deleted. */
static void
key_changed(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;
	bool			owned[] = { true, true, true };

	(void)state;
	world_init(&want);
	world_init(&have);
	want.t[0].svc.port = 8080;
	diff(&want, &have, owned, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_ADD, &want.t[0].svc, NULL },
	    { IPVS_OP_DEST_ADD, &want.t[0].svc, &want.s1d[0] },
	    { IPVS_OP_DEST_ADD, &want.t[0].svc, &want.s1d[1] },
	    { IPVS_OP_SVC_DEL, &have.t[0].svc, NULL },
	}, 4);
	ipvs_oplist_free(&ops);
}

/*
 * Everything at once, and the order of ipvs_diff.h: new services with
 * their destinations, SVC_SET, DEST_ADD, DEST_SET, DEST_DEL, SVC_DEL.
 */
static void
mixed_order(void **state)
{
	struct world		 want, have;
	struct ipvs_oplist	 ops;
	bool			 owned[] = { true, true, true, true };
	size_t			 i, j;

	(void)state;
	world_init(&want);
	world_init(&have);
	world_add_s5(&have);			/* owned, no longer wanted */
	world_add_s4(&want);			/* new */
	want.s1d[1] = dst4("10.1.0.7", 80, 1);	/* B leaves, G comes */
	want.s2d[0].weight = 9;			/* C weight */
	strcpy(want.t[2].svc.sched, "lc");	/* S3 scheduler */
	diff(&want, &have, owned, false, &ops);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_ADD, &want.t[3].svc, NULL },
	    { IPVS_OP_DEST_ADD, &want.t[3].svc, &want.s4d[1] },
	    { IPVS_OP_DEST_ADD, &want.t[3].svc, &want.s4d[0] },
	    { IPVS_OP_SVC_SET, &want.t[2].svc, NULL },
	    { IPVS_OP_DEST_ADD, &want.t[0].svc, &want.s1d[1] },
	    { IPVS_OP_DEST_SET, &want.t[1].svc, &want.s2d[0] },
	    { IPVS_OP_DEST_DEL, &have.t[0].svc, &have.s1d[1] },
	    { IPVS_OP_SVC_DEL, &have.t[3].svc, NULL },
	}, 8);

	/* the general rule: no DEST_ADD to a service not yet there */
	for (i = 0; i < ops.n; i++) {
		bool	there = false;

		if (ops.ops[i].type != IPVS_OP_DEST_ADD)
			continue;
		for (j = 0; j < have.n; j++)
			if (ipvs_service_key_cmp(&have.t[j].svc,
			    ops.ops[i].svc) == 0)
				there = true;
		for (j = 0; j < i; j++)
			if (ops.ops[j].type == IPVS_OP_SVC_ADD &&
			    ops.ops[j].svc == ops.ops[i].svc)
				there = true;
		assert_true(there);
	}
	ipvs_oplist_free(&ops);
}

/* Copies w with services and destinations in reverse order. */
static void
world_reversed(const struct world *w, struct world *r)
{
	size_t	i, j;

	memset(r, 0, sizeof(*r));
	r->n = w->n;
	for (i = 0; i < w->n; i++) {
		const struct ipvs_table_svc	*from = &w->t[w->n - 1 - i];
		struct ipvs_dest		*to;

		to = from->dests == w->s1d ? r->s1d : from->dests == w->s2d ?
		    r->s2d : from->dests == w->s3d ? r->s3d :
		    from->dests == w->s4d ? r->s4d : r->s5d;
		for (j = 0; j < from->ndests; j++)
			to[j] = from->dests[from->ndests - 1 - j];
		r->t[i] = *from;
		r->t[i].dests = to;
	}
}

static void
assert_same_ops(const struct ipvs_oplist *a, const struct ipvs_oplist *b)
{
	size_t	i;

	assert_int_equal(a->n, b->n);
	for (i = 0; i < a->n; i++) {
		assert_int_equal(a->ops[i].type, b->ops[i].type);
		assert_int_equal(ipvs_service_key_cmp(a->ops[i].svc,
		    b->ops[i].svc), 0);
		if (a->ops[i].dest == NULL)
			assert_null(b->ops[i].dest);
		else
			assert_int_equal(ipvs_dest_key_cmp(a->ops[i].dest,
			    b->ops[i].dest), 0);
	}
}

static void
shuffled_inputs(void **state)
{
	struct world		 want, have, rwant, rhave;
	struct ipvs_oplist	 ops, rops;
	bool			 owned[] = { true, true, true, true };

	(void)state;
	world_init(&want);
	world_init(&have);
	world_add_s5(&have);
	world_add_s4(&want);
	want.s1d[1] = dst4("10.1.0.7", 80, 1);
	want.s1d[2] = dst4("10.1.0.0", 80, 1);
	want.t[0].ndests = 3;
	want.s2d[0].weight = 9;
	strcpy(want.t[2].svc.sched, "lc");
	world_reversed(&want, &rwant);
	world_reversed(&have, &rhave);
	diff(&want, &have, owned, false, &ops);
	diff(&rwant, &rhave, owned, false, &rops);	/* all owned anyway */
	assert_int_equal(ops.n, 9);
	assert_same_ops(&ops, &rops);
	ipvs_oplist_free(&ops);
	ipvs_oplist_free(&rops);
}

static void
duplicates_refused(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;

	(void)state;
	world_init(&want);
	world_init(&have);
	want.t[1].svc = want.t[0].svc;
	errno = 0;
	assert_int_equal(ipvs_diff(want.t, want.n, have.t, have.n, NULL,
	    false, &ops), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ops.n, 0);
	assert_null(ops.ops);

	world_init(&want);
	want.s1d[1] = want.s1d[0];
	errno = 0;
	assert_int_equal(ipvs_diff(want.t, want.n, have.t, have.n, NULL,
	    false, &ops), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ops.n, 0);
}

static void
empty_tables(void **state)
{
	struct world		want, have;
	struct ipvs_oplist	ops;

	(void)state;
	world_init(&want);
	world_init(&have);
	assert_int_equal(ipvs_diff(NULL, 0, NULL, 0, NULL, true, &ops), 0);
	assert_int_equal(ops.n, 0);
	/* from nothing: every service added */
	assert_int_equal(ipvs_diff(want.t, want.n, NULL, 0, NULL, false,
	    &ops), 0);
	assert_int_equal(ops.n, 3 + 4);
	ipvs_oplist_free(&ops);
	/* to nothing, purging: every service deleted, nothing else */
	assert_int_equal(ipvs_diff(NULL, 0, have.t, have.n, NULL, true,
	    &ops), 0);
	assert_ops(&ops, (struct ipvs_op[]){
	    { IPVS_OP_SVC_DEL, &have.t[0].svc, NULL },
	    { IPVS_OP_SVC_DEL, &have.t[1].svc, NULL },
	    { IPVS_OP_SVC_DEL, &have.t[2].svc, NULL },
	}, 3);
	ipvs_oplist_free(&ops);
}

#define BIG_NSVC	10000
#define BIG_NDEST	10

/* BIG_NSVC services of BIG_NDEST destinations each, in shuffled order. */
static struct ipvs_table_svc *
big_table(unsigned seed, bool changed)
{
	struct ipvs_table_svc	*t, tmp;
	size_t			 i, j, k;

	assert_non_null(t = calloc(BIG_NSVC, sizeof(*t)));
	for (i = 0; i < BIG_NSVC; i++) {
		t[i].svc = svc4(IPPROTO_TCP, "10.0.0.0", 80, "wlc");
		t[i].svc.addr.v4.s_addr = htonl(0x0a000000 + (uint32_t)i);
		assert_non_null(t[i].dests = calloc(BIG_NDEST,
		    sizeof(*t[i].dests)));
		t[i].ndests = BIG_NDEST;
		for (j = 0; j < BIG_NDEST; j++) {
			t[i].dests[j] = dst4("10.0.0.0", 8080, 1);
			t[i].dests[j].addr.v4.s_addr = htonl(0x0b000000 +
			    (uint32_t)(i * BIG_NDEST + j));
			/* every 100th destination gets a new weight */
			if (changed && (i * BIG_NDEST + j) % 100 == 0)
				t[i].dests[j].weight = 2;
		}
	}
	srand(seed);
	for (i = BIG_NSVC - 1; i > 0; i--) {
		k = (size_t)rand() % (i + 1);
		tmp = t[i];
		t[i] = t[k];
		t[k] = tmp;
	}
	return t;
}

static void
big_free(struct ipvs_table_svc *t)
{
	size_t	i;

	for (i = 0; i < BIG_NSVC; i++)
		free(t[i].dests);
	free(t);
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	    (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * The diff in steps of any size gives the list the one-shot diff gives:
 * same operations, same order. Mixed changes over 10,000 services.
 */
static void
stepped_equals_one_shot(void **state)
{
	static const size_t	 steps[] = { 1, 3, 16, 9999, SIZE_MAX };
	struct ipvs_table_svc	*want = big_table(1, true);
	struct ipvs_table_svc	*have = big_table(2, false);
	struct ipvs_oplist	 one, ops;
	struct ipvs_diff	*df;
	bool			*owned;
	size_t			 k, i, rounds;
	int			 rc;

	(void)state;
	/* Some services only wanted, some only held (owned every 3rd). */
	assert_non_null(owned = calloc(BIG_NSVC, sizeof(*owned)));
	for (i = 0; i < BIG_NSVC; i++) {
		owned[i] = i % 3 == 0;
		if (i % 7 == 0)
			have[i].svc.port = 81;
	}
	assert_int_equal(ipvs_diff(want, BIG_NSVC, have, BIG_NSVC, owned,
	    false, &one), 0);
	assert_true(one.n > 1000);
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		assert_non_null(df = ipvs_diff_new(want, BIG_NSVC, have,
		    BIG_NSVC, owned, false));
		rounds = 0;
		while ((rc = ipvs_diff_step(df, steps[k])) == 1)
			rounds++;
		assert_int_equal(rc, 0);
		if (steps[k] == 1)
			assert_true(rounds >= BIG_NSVC);
		assert_int_equal(ipvs_diff_finish(df, &ops), 0);
		assert_same_ops(&one, &ops);
		ipvs_oplist_free(&ops);
		ipvs_diff_free(df);
	}
	ipvs_oplist_free(&one);
	free(owned);
	big_free(want);
	big_free(have);
}

static void
bench_10000x10(void **state)
{
	struct ipvs_table_svc	*want, *have;
	struct ipvs_oplist	 ops;
	struct timespec		 t0;
	double			 same, changed;

	(void)state;
	want = big_table(1, true);
	have = big_table(2, false);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipvs_diff(have, BIG_NSVC, have, BIG_NSVC, NULL,
	    false, &ops), 0);
	same = ms_since(&t0);
	assert_int_equal(ops.n, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(ipvs_diff(want, BIG_NSVC, have, BIG_NSVC, NULL,
	    false, &ops), 0);
	changed = ms_since(&t0);
	assert_int_equal(ops.n, BIG_NSVC * BIG_NDEST / 100);
	print_message("# diff of %d x %d: %.1f ms unchanged, %.1f ms with "
	    "%zu changes\n", BIG_NSVC, BIG_NDEST, same, changed, ops.n);
	/* a loose bound: sanitizers and loaded builders are slow */
	assert_true(changed < 1000.0);
	ipvs_oplist_free(&ops);
	big_free(want);
	big_free(have);
}

/* A table of tcp 10.0.0.1 services on the given ports, each with a
 * destination whose weight is the port plus w. */
static void
ports_table(struct ipvs_table *t, const uint16_t *ports, size_t n, int w)
{
	struct ipvs_service	 s;
	struct ipvs_dest	 d;
	struct ipvs_table_svc	*ts;
	size_t			 i;

	memset(t, 0, sizeof(*t));
	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	for (i = 0; i < n; i++) {
		s = svc4(IPPROTO_TCP, "10.0.0.1", ports[i], "rr");
		assert_non_null(ts = ipvs_table_add(t, &s));
		d.weight = ports[i] + w;
		assert_non_null(ipvs_table_add_dest(ts, &d));
	}
	ipvs_table_sort(t);
}

static void
assert_ports(const struct ipvs_table *t, const uint16_t *ports, size_t n,
    const int *w)
{
	size_t i;

	assert_int_equal(t->n, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(t->svcs[i].svc.port, ports[i]);
		assert_int_equal(t->svcs[i].ndests, 1);
		assert_int_equal(t->svcs[i].dests[0].weight, w[i]);
	}
}

/*
 * Merging a partial sync's services into the full table: replaced in
 * place, added in order, deleted unless also updated; the updates' memory
 * moves (ASan sees a double free or a leak otherwise).
 */
static void
table_merge(void **state)
{
	static const uint16_t	 base[] = { 10, 20, 30, 40 };
	static const uint16_t	 upd2[] = { 20, 40 }, upd3[] = { 5, 30, 50 };
	struct ipvs_table	 t, u;
	struct ipvs_service	 del[3];

	(void)state;
	ports_table(&t, base, 4, 0);
	/* Only replacements: in place. */
	ports_table(&u, upd2, 2, 1000);
	assert_int_equal(ipvs_table_merge(&t, &u, NULL, 0), 0);
	assert_int_equal(u.n, 0);
	assert_null(u.svcs);
	assert_ports(&t, base, 4, (const int[]){ 10, 1020, 30, 1040 });
	/* New ones before, between and after; 10 and 40 go, 30 is both
	 * deleted and updated: updated wins. */
	ports_table(&u, upd3, 3, 2000);
	del[0] = svc4(IPPROTO_TCP, "10.0.0.1", 10, "rr");
	del[1] = svc4(IPPROTO_TCP, "10.0.0.1", 30, "rr");
	del[2] = svc4(IPPROTO_TCP, "10.0.0.1", 40, "rr");
	assert_int_equal(ipvs_table_merge(&t, &u, del, 3), 0);
	assert_ports(&t, (const uint16_t[]){ 5, 20, 30, 50 }, 4,
	    (const int[]){ 2005, 1020, 2030, 2050 });
	/* Into an empty table, and an empty update. */
	ipvs_table_free(&t);
	ports_table(&u, upd2, 2, 0);
	assert_int_equal(ipvs_table_merge(&t, &u, NULL, 0), 0);
	assert_ports(&t, upd2, 2, (const int[]){ 20, 40 });
	assert_int_equal(ipvs_table_merge(&t, &u, del, 1), 0);
	assert_ports(&t, upd2, 2, (const int[]){ 20, 40 });
	ipvs_table_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(nothing_changed),
		cmocka_unit_test(weight_changed),
		cmocka_unit_test(dest_settings_changed),
		cmocka_unit_test(scheduler_changed),
		cmocka_unit_test(service_removed),
		cmocka_unit_test(dest_removed),
		cmocka_unit_test(new_service),
		cmocka_unit_test(foreign_services),
		cmocka_unit_test(key_changed),
		cmocka_unit_test(mixed_order),
		cmocka_unit_test(shuffled_inputs),
		cmocka_unit_test(duplicates_refused),
		cmocka_unit_test(empty_tables),
		cmocka_unit_test(table_merge),
		cmocka_unit_test(stepped_equals_one_shot),
		cmocka_unit_test(bench_10000x10),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
