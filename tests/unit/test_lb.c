/*
 * test_lb.c - the IPVS engine against an in-memory fake kernel: first
 * sync, reload, drift repair, kernel errors and retry, ownership (foreign
 * services left alone, purge), shutdown, quorum and sorry server, and
 * time-boxed slices under a fake clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include <event2/event.h>

#include "clock.h"
#include "daemon.h"
#include "lb.h"
#include "../ipvs/ipvs_backend.h"

struct fake {
	struct ipvs_table	t;		/* the "kernel" */
	unsigned		counts[6];	/* applied ops by type */
	int			fail_type;	/* -1: none */
	int			fail_rc;
	int			fail_times;
	uint64_t		now;		/* fake clock, us */
	uint64_t		tick;		/* added per clock read */
	unsigned		dumps;		/* services dumps started */
	size_t			dump_next;	/* the one in progress */
	bool			dumping;
	unsigned		dump_reads;	/* dump_services_more calls */
	unsigned		dest_dumps;	/* dump_dests calls */
	unsigned		gets;		/* get_service calls */
};

static struct fake *F;

static uint64_t
fake_clock(void)
{
	F->now += F->tick;
	return F->now;
}

static int
fake_dump_services_start(void *ctx)
{
	struct fake *f = ctx;

	f->dumps++;
	f->dumping = true;
	f->dump_next = 0;
	return 0;
}

/* Like the kernel: a few services per read. */
#define FAKE_DUMP_BATCH	3

static int
fake_dump_services_more(void *ctx, struct ipvs_table *out)
{
	struct fake	*f = ctx;
	size_t		 n = 0;

	assert_true(f->dumping);
	f->dump_reads++;
	for (; f->dump_next < f->t.n && n < FAKE_DUMP_BATCH; n++)
		if (ipvs_table_add(out, &f->t.svcs[f->dump_next++].svc) ==
		    NULL)
			return -ENOMEM;
	if (f->dump_next < f->t.n)
		return 1;
	f->dumping = false;
	return 0;
}

static void
fake_dump_services_abort(void *ctx)
{
	((struct fake *)ctx)->dumping = false;
}

static int
fake_dump_dests(void *ctx, struct ipvs_table_svc *ts)
{
	struct fake		*f = ctx;
	struct ipvs_table_svc	*k;
	size_t			 i;

	f->dest_dumps++;
	ipvs_table_sort(&f->t);
	if ((k = ipvs_table_find(&f->t, &ts->svc)) == NULL)
		return -ESRCH;
	for (i = 0; i < k->ndests; i++)
		ipvs_table_add_dest(ts, &k->dests[i]);
	return 0;
}

static void
fake_del_dest(struct ipvs_table_svc *k, struct ipvs_dest *d)
{
	size_t i = d - k->dests;

	memmove(&k->dests[i], &k->dests[i + 1], (k->ndests - i - 1) *
	    sizeof(*d));
	k->ndests--;
}

static int
fake_apply(void *ctx, const struct ipvs_op *op)
{
	struct fake		*f = ctx;
	struct ipvs_table_svc	*k;
	struct ipvs_dest	*d;

	if ((int)op->type == f->fail_type && f->fail_times > 0) {
		f->fail_times--;
		return f->fail_rc;
	}
	ipvs_table_sort(&f->t);
	k = ipvs_table_find(&f->t, op->svc);
	switch (op->type) {
	case IPVS_OP_SVC_ADD:
		if (k != NULL)
			return -EEXIST;
		ipvs_table_add(&f->t, op->svc);
		break;
	case IPVS_OP_SVC_SET:
		if (k == NULL)
			return -ESRCH;
		k->svc = *op->svc;
		break;
	case IPVS_OP_SVC_DEL:
		if (k == NULL)
			return -ESRCH;
		free(k->dests);
		*k = f->t.svcs[--f->t.n];
		break;
	case IPVS_OP_DEST_ADD:
		if (k == NULL)
			return -ESRCH;
		if (ipvs_table_find_dest(k, op->dest) != NULL)
			return -EEXIST;
		ipvs_table_add_dest(k, op->dest);
		ipvs_table_sort(&f->t);
		break;
	case IPVS_OP_DEST_SET:
	case IPVS_OP_DEST_DEL:
		if (k == NULL || (d = ipvs_table_find_dest(k, op->dest)) ==
		    NULL)
			return -ENOENT;
		if (op->type == IPVS_OP_DEST_SET)
			*d = *op->dest;
		else
			fake_del_dest(k, d);
		break;
	}
	f->counts[op->type]++;
	return 0;
}

static int
fake_get_service(void *ctx, const struct ipvs_service *key,
    struct ipvs_service *out)
{
	struct fake		*f = ctx;
	struct ipvs_table_svc	*k;

	f->gets++;
	ipvs_table_sort(&f->t);
	if ((k = ipvs_table_find(&f->t, key)) == NULL)
		return -ESRCH;
	*out = k->svc;
	return 0;
}

static const struct ipvs_backend fake_backend = {
	"fake", fake_dump_services_start, fake_dump_services_more,
	fake_dump_services_abort, fake_dump_dests, fake_apply,
	fake_get_service,
};

struct env {
	struct director	d;
	struct fake	f;
	struct lb	*lb;
};

static const char *base_conf =
    "virtual_servers = (\n"
    " { name = \"web\"; address = \"192.0.2.1\"; port = 80; scheduler = \"wrr\";\n"
    "   real_servers = ( { address = \"198.51.100.1\"; weight = 3; },\n"
    "                    { address = \"198.51.100.2\"; weight = 1; } ); },\n"
    " { name = \"dns\"; address = \"192.0.2.1\"; port = 53; protocol = \"udp\";\n"
    "   real_servers = ( { address = \"198.51.100.3\"; } ); }\n"
    ");\n";

static void
env_config(struct env *e, const char *text)
{
	struct cfg_errors errs = { 0 };

	cfg_free(e->d.cfg);
	e->d.cfg = cfg_load_string(text, "t.conf", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(e->d.cfg);
}

/* Runs the loop until the engine is idle with nothing pending. */
static void
settle(struct env *e)
{
	int i;

	for (i = 0; i < 100000; i++) {
		event_base_loop(e->d.base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
		if (!lb_stats(e->lb)->busy && i > 2 &&
		    event_base_get_num_events(e->d.base,
		    EVENT_BASE_COUNT_ACTIVE) == 0)
			return;
	}
	fail_msg("the engine did not settle");
}

static struct ipvs_service
svc_key(const char *addr, int proto, uint16_t port)
{
	struct ipvs_service s;

	memset(&s, 0, sizeof(s));
	s.af = AF_INET;
	s.protocol = proto;
	inet_pton(AF_INET, addr, &s.addr.v4);
	s.port = port;
	return s;
}

static struct ipvs_table_svc *
kernel_svc(struct env *e, const char *addr, int proto, uint16_t port)
{
	struct ipvs_service s = svc_key(addr, proto, port);

	ipvs_table_sort(&e->f.t);
	return ipvs_table_find(&e->f.t, &s);
}

static int
kernel_weight(struct env *e, uint16_t port, const char *rs)
{
	struct ipvs_table_svc	*k = kernel_svc(e, "192.0.2.1",
				    port == 53 ? IPPROTO_UDP : IPPROTO_TCP,
				    port);
	struct ipvs_dest	 d;
	struct ipvs_dest	*kd;

	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	inet_pton(AF_INET, rs, &d.addr.v4);
	d.port = port;
	if (k == NULL || (kd = ipvs_table_find_dest(k, &d)) == NULL)
		return -1;
	return kd->weight;
}

static int
kernel_weight_port(struct env *e, uint16_t port)
{
	struct ipvs_table_svc	*k = kernel_svc(e, "192.0.2.1", IPPROTO_TCP,
				    port);

	return k != NULL && k->ndests == 1 ? k->dests[0].weight : -1;
}

static int
setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	e->d.base = event_base_new();
	event_base_priority_init(e->d.base, 3);
	e->f.fail_type = -1;
	F = &e->f;
	env_config(e, base_conf);
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	struct env *e = *state;

	lb_free(e->lb);
	cfg_free(e->d.cfg);
	ipvs_table_free(&e->f.t);
	event_base_free(e->d.base);
	clock_set_source(NULL);
	free(e);
	return 0;
}

static void
add_foreign(struct env *e)
{
	struct ipvs_service s = svc_key("203.0.113.9", IPPROTO_TCP, 443);

	strcpy(s.sched, "rr");
	ipvs_table_add(&e->f.t, &s);
}

static void
first_sync_programs_config(void **state)
{
	struct env *e = *state;

	add_foreign(e);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	assert_int_equal(e->f.t.n, 3);
	assert_string_equal(kernel_svc(e, "192.0.2.1", IPPROTO_TCP, 80)->
	    svc.sched, "wrr");
	assert_int_equal(kernel_weight(e, 80, "198.51.100.1"), 3);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.2"), 1);
	assert_int_equal(kernel_weight(e, 53, "198.51.100.3"), 1);
	assert_int_equal(e->f.counts[IPVS_OP_SVC_ADD], 2);
	assert_int_equal(e->f.counts[IPVS_OP_DEST_ADD], 3);
	assert_int_equal(lb_stats(e->lb)->syncs, 1);
	/* The foreign service is untouched. */
	assert_non_null(kernel_svc(e, "203.0.113.9", IPPROTO_TCP, 443));
	/* A second sync finds nothing to do. */
	lb_sync(e->lb, LB_SYNC_MANUAL);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->syncs, 2);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 0);
}

static void
reload_applies_only_the_difference(void **state)
{
	struct env	*e = *state;
	unsigned	 before[6];

	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	memcpy(before, e->f.counts, sizeof(before));
	/* dns goes away, one weight changes, the scheduler changes. */
	env_config(e,
	    "virtual_servers = (\n"
	    " { name = \"web\"; address = \"192.0.2.1\"; port = 80;"
	    " scheduler = \"wlc\";\n"
	    "   real_servers = ( { address = \"198.51.100.1\"; weight = 5; },\n"
	    "                    { address = \"198.51.100.2\"; weight = 1; } ); }\n"
	    ");\n");
	lb_reconfigure(e->lb);
	settle(e);
	assert_int_equal(e->f.counts[IPVS_OP_SVC_SET] -
	    before[IPVS_OP_SVC_SET], 1);
	assert_int_equal(e->f.counts[IPVS_OP_DEST_SET] -
	    before[IPVS_OP_DEST_SET], 1);
	assert_int_equal(e->f.counts[IPVS_OP_SVC_DEL] -
	    before[IPVS_OP_SVC_DEL], 1);
	assert_int_equal(e->f.counts[IPVS_OP_SVC_ADD] -
	    before[IPVS_OP_SVC_ADD], 0);
	assert_int_equal(e->f.counts[IPVS_OP_DEST_ADD] -
	    before[IPVS_OP_DEST_ADD], 0);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 3);
	assert_null(kernel_svc(e, "192.0.2.1", IPPROTO_UDP, 53));
	assert_int_equal(kernel_weight(e, 80, "198.51.100.1"), 5);
	assert_string_equal(kernel_svc(e, "192.0.2.1", IPPROTO_TCP, 80)->
	    svc.sched, "wlc");
}

/* 100 services, service 42's weight given. */
/* n services s0.. on ports 1000.., one real server each; s42 weighs w42. */
static char *
services_conf(size_t n, int w42)
{
	char	*text, *p;
	size_t	 i;

	p = text = malloc(64 + n * 160);
	p += sprintf(p, "virtual_servers = (\n");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s{ name = \"s%zu\"; address = \"192.0.2.1\"; "
		    "port = %zu; real_servers = ( { address = \"198.51.100.1\"; "
		    "weight = %d; } ); }\n", i ? "," : "", i, 1000 + i,
		    i == 42 ? w42 : 1);
	sprintf(p, ");\n");
	return text;
}

/* A reload that changes one weight: one read back, one operation. */
static void
reload_reads_only_what_changed(void **state)
{
	struct env	*e = *state;
	char		*text;
	unsigned	 dumps, dest_dumps;
	uint64_t	 ops;

	text = services_conf(100, 7);
	env_config(e, text);
	free(text);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	assert_int_equal(e->f.t.n, 100);
	dumps = e->f.dumps;
	dest_dumps = e->f.dest_dumps;
	ops = lb_stats(e->lb)->ops;
	text = services_conf(100, 8);
	env_config(e, text);
	free(text);
	lb_reconfigure(e->lb);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->ops - ops, 1);
	assert_int_equal(e->f.dumps, dumps);		/* no full dump */
	assert_int_equal(e->f.dest_dumps - dest_dumps, 1);
	assert_int_equal(kernel_weight_port(e, 1042), 8);
	/* A drift check still reads everything. */
	lb_sync(e->lb, LB_SYNC_DRIFT);
	settle(e);
	assert_int_equal(e->f.dumps, dumps + 1);
	assert_int_equal(e->f.dest_dumps - dest_dumps, 101);
}

/* A reload that changes every service reads the table in slices instead. */
static void
reload_of_everything_reads_all(void **state)
{
	struct env	*e = *state;
	char		*text, *p;
	unsigned	 dumps, gets;
	uint64_t	 ops;

	text = services_conf(100, 1);
	env_config(e, text);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	dumps = e->f.dumps;
	gets = e->f.gets;
	ops = lb_stats(e->lb)->ops;
	/* Every weight 1 becomes 2. */
	while ((p = strstr(text, "weight = 1;")) != NULL)
		p[9] = '2';
	env_config(e, text);
	free(text);
	lb_reconfigure(e->lb);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->ops - ops, 100);
	assert_int_equal(e->f.dumps, dumps + 1);	/* one full listing */
	/* It gave up reading one by one after 64 (LB_PARTIAL_MAX) + 1. */
	assert_int_equal(e->f.gets - gets, 65);
	assert_int_equal(kernel_weight_port(e, 1042), 2);
}

static void
drift_is_repaired(void **state)
{
	struct env		*e = *state;
	struct ipvs_op		 op = { IPVS_OP_SVC_DEL, NULL, NULL };
	struct ipvs_service	 s = svc_key("192.0.2.1", IPPROTO_TCP, 80);
	struct ipvs_table_svc	*k;

	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	/* Someone runs ipvsadm -D and changes a weight by hand. */
	op.svc = &s;
	assert_int_equal(fake_apply(&e->f, &op), 0);
	k = kernel_svc(e, "192.0.2.1", IPPROTO_UDP, 53);
	k->dests[0].weight = 9;
	lb_sync(e->lb, LB_SYNC_DRIFT);
	settle(e);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.1"), 3);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.2"), 1);
	assert_int_equal(kernel_weight(e, 53, "198.51.100.3"), 1);
	/* service + 2 dests re-added, one weight set back */
	assert_int_equal(lb_stats(e->lb)->repairs, 4);
}

static void
kernel_error_is_retried(void **state)
{
	struct env *e = *state;

	e->f.fail_type = IPVS_OP_SVC_ADD;
	e->f.fail_rc = -ENOBUFS;
	e->f.fail_times = 1;
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	/* One service failed (its dests were skipped), the other went in. */
	assert_int_equal(lb_stats(e->lb)->op_errors, 1);
	assert_non_null(strstr(lb_stats(e->lb)->last_error, "No buffer"));
	assert_int_equal(e->f.t.n, 1);
	assert_int_equal(e->f.counts[IPVS_OP_DEST_ADD], 1);
	/* The retry timer fires: simulate it by asking again. */
	lb_sync(e->lb, LB_SYNC_RETRY);
	settle(e);
	assert_int_equal(e->f.t.n, 2);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.1"), 3);
	assert_string_equal(lb_stats(e->lb)->last_error, "");
}

static void
shutdown_removes_only_ours(void **state)
{
	struct env *e = *state;

	add_foreign(e);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	lb_shutdown(e->lb);
	assert_int_equal(e->f.t.n, 1);
	assert_non_null(kernel_svc(e, "203.0.113.9", IPPROTO_TCP, 443));
}

static void
purge_unknown_removes_foreign(void **state)
{
	struct env *e = *state;

	add_foreign(e);
	env_config(e, "global = { ipvs = { purge_unknown = true; }; };\n");
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	assert_int_equal(e->f.t.n, 0);
}

static void
quorum_installs_sorry_server(void **state)
{
	struct env	*e = *state;
	struct cfg_vs	 vs;

	env_config(e,
	    "virtual_servers = ( { name = \"web\"; address = \"192.0.2.1\";"
	    " port = 80; quorum = 10; hysteresis = 2;"
	    " sorry_server = { address = \"198.51.100.99\"; };"
	    " real_servers = ( { address = \"198.51.100.1\"; weight = 3; } ); } );\n");
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.1"), 3);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.99"), 1);
	/* Hysteresis: lost below quorum - h, regained at quorum + h. */
	memset(&vs, 0, sizeof(vs));
	vs.quorum = 10;
	vs.hysteresis = 2;
	assert_true(lb_quorum(&vs, 8, true));
	assert_false(lb_quorum(&vs, 7, true));
	assert_false(lb_quorum(&vs, 11, false));
	assert_true(lb_quorum(&vs, 12, false));
}

static void
work_is_sliced(void **state)
{
	struct env	*e = *state;
	char		*text;
	int		 n;

	/* 200 services; every clock read costs 300 us: many slices. */
	text = services_conf(200, 1);
	env_config(e, text);
	free(text);
	e->f.tick = 300;
	clock_set_source(fake_clock);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	for (n = 0; n < 100000 && lb_stats(e->lb)->syncs == 0; n++)
		event_base_loop(e->d.base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	assert_int_equal(e->f.t.n, 200);
	assert_int_equal(e->f.counts[IPVS_OP_DEST_ADD], 200);
	/* A step stops after its 1 ms box: at most a few clock reads. */
	assert_true(lb_stats(e->lb)->max_slice_us <= 1500);
	/* An empty kernel: 400 operations at 3 per step, plus begin/diff. */
	assert_true(lb_stats(e->lb)->steps >= 130);
}

/*
 * A full re-read builds the wanted table and lists the kernel's services
 * in slices too (before, both were one step), and a reload arriving in
 * the middle of the listing drops the dump in progress.
 */
static void
reread_is_sliced(void **state)
{
	struct env	*e = *state;
	char		*text;
	uint64_t	 steps;
	int		 n;

	text = services_conf(200, 1);
	env_config(e, text);
	free(text);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->syncs, 1);
	/* Every clock read costs 300 us: about 3 items per 1 ms step. */
	e->f.tick = 300;
	clock_set_source(fake_clock);
	steps = lb_stats(e->lb)->steps;
	e->f.dump_reads = 0;
	lb_sync(e->lb, LB_SYNC_DRIFT);
	for (n = 0; n < 100000 && lb_stats(e->lb)->syncs < 2; n++)
		event_base_loop(e->d.base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	assert_int_equal(lb_stats(e->lb)->syncs, 2);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 0);
	assert_int_equal(e->f.dumps, 2);
	assert_int_equal(e->f.dump_reads, (200 + FAKE_DUMP_BATCH - 1) /
	    FAKE_DUMP_BATCH);
	/*
	 * ~67 steps for the wanted table, ~67 reading destinations, and the
	 * diff a batch of 16 services per check of the clock: ~4 per step.
	 */
	assert_true(lb_stats(e->lb)->steps - steps >= 120 + 4);
	/* A reload while the services are being listed. */
	lb_sync(e->lb, LB_SYNC_DRIFT);
	for (n = 0; n < 100000 && !e->f.dumping; n++)
		event_base_loop(e->d.base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	assert_true(e->f.dumping);
	lb_reconfigure(e->lb);
	assert_false(e->f.dumping);
	clock_set_source(NULL);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->syncs, 3);
	assert_int_equal(e->f.t.n, 200);
	assert_int_equal(lb_stats(e->lb)->op_errors, 0);
}

/* SIGTERM in the middle of the first sync: what it added goes again. */
static void
stop_during_first_sync(void **state)
{
	struct env	*e = *state;
	char		*text;
	int		 n;

	text = services_conf(100, 1);
	env_config(e, text);
	free(text);
	e->f.tick = 300;
	clock_set_source(fake_clock);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	for (n = 0; n < 100000 && e->f.counts[IPVS_OP_SVC_ADD] < 30; n++)
		event_base_loop(e->d.base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	assert_int_equal(lb_stats(e->lb)->syncs, 0);	/* still going */
	assert_true(e->f.t.n >= 30 && e->f.t.n < 100);
	lb_shutdown(e->lb);
	assert_int_equal(e->f.t.n, 0);
	clock_set_source(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(first_sync_programs_config,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    reload_applies_only_the_difference, setup, teardown),
		cmocka_unit_test_setup_teardown(drift_is_repaired, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(reload_reads_only_what_changed,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(reload_of_everything_reads_all,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(kernel_error_is_retried, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(shutdown_removes_only_ours,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(purge_unknown_removes_foreign,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(quorum_installs_sorry_server,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(work_is_sliced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(reread_is_sliced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(stop_during_first_sync, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
