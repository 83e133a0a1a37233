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
#include <stdio.h>
#include <string.h>
#include <time.h>
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
	bool			sorted;		/* t is */
};

static struct fake *F;

/* The fake kernel's table sorted, sorting it only when it is not. */
static void
fake_sort(struct fake *f)
{
	if (!f->sorted)
		ipvs_table_sort(&f->t);
	f->sorted = true;
}

static int
fake_dest_cmp(const void *a, const void *b)
{
	return ipvs_dest_key_cmp(a, b);
}

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
	fake_sort(f);
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
	fake_sort(f);
	k = ipvs_table_find(&f->t, op->svc);
	switch (op->type) {
	case IPVS_OP_SVC_ADD:
		if (k != NULL)
			return -EEXIST;
		/* In key order (as a first sync adds them) it stays sorted. */
		f->sorted = f->t.n == 0 || ipvs_service_key_cmp(
		    &f->t.svcs[f->t.n - 1].svc, op->svc) < 0;
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
		f->sorted = false;
		break;
	case IPVS_OP_DEST_ADD:
		if (k == NULL)
			return -ESRCH;
		if (ipvs_table_find_dest(k, op->dest) != NULL)
			return -EEXIST;
		ipvs_table_add_dest(k, op->dest);
		qsort(k->dests, k->ndests, sizeof(*k->dests), fake_dest_cmp);
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
	fake_sort(f);
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

/*
 * Reloads text as the daemon does: the new config is spliced from the
 * running one (splice) or parsed whole, the engine is told while the old
 * one is alive, and the old one goes after.
 */
static void
reload(struct env *e, const char *text, bool splice)
{
	struct cfg_errors	 errs = { 0 };
	struct cfg		*old = e->d.cfg;

	e->d.cfg = splice ? cfg_load_string_next(text, "t.conf", old, &errs) :
	    cfg_load_string(text, "t.conf", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(e->d.cfg);
	lb_reconfigure(e->lb, old);
	cfg_free(old);
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
	e->f.sorted = false;
}

/* A stop removes director's services and leaves add_foreign()'s. */
static void
stop_leaves_only_foreign(struct env *e)
{
	lb_shutdown(e->lb);
	assert_int_equal(e->f.t.n, 1);
	assert_non_null(kernel_svc(e, "203.0.113.9", IPPROTO_TCP, 443));
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
	reload(e,
	    "virtual_servers = (\n"
	    " { name = \"web\"; address = \"192.0.2.1\"; port = 80;"
	    " scheduler = \"wlc\";\n"
	    "   real_servers = ( { address = \"198.51.100.1\"; weight = 5; },\n"
	    "                    { address = \"198.51.100.2\"; weight = 1; } ); }\n"
	    ");\n", false);
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

/* The engine started and settled on services_conf(n, w42). */
static void
start_services(struct env *e, size_t n, int w42)
{
	char *text = services_conf(n, w42);

	env_config(e, text);
	free(text);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
}

/* A reload that changes one weight: one read back, one operation. */
static void
reload_reads_only_what_changed(void **state)
{
	struct env	*e = *state;
	char		*text;
	unsigned	 dumps, dest_dumps;
	uint64_t	 ops;

	start_services(e, 100, 7);
	assert_int_equal(e->f.t.n, 100);
	dumps = e->f.dumps;
	dest_dumps = e->f.dest_dumps;
	ops = lb_stats(e->lb)->ops;
	text = services_conf(100, 8);
	reload(e, text, false);
	free(text);
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

static struct ipvs_service
port_key(uint16_t port)
{
	return svc_key("192.0.2.1", IPPROTO_TCP, port);
}

/*
 * A spliced reload that changes one weight builds that one virtual
 * server's part of the wanted table, reads its service back, and makes
 * one operation; the others keep their place in current, now tagged
 * with the new config's virtual servers.
 */
static void
spliced_reload_builds_only_what_changed(void **state)
{
	struct env		*e = *state;
	struct ipvs_service	 k = port_key(1001);
	char			*text;
	unsigned		 dumps, gets;
	uint64_t		 ops;

	start_services(e, 100, 7);
	assert_int_equal(lb_stats(e->lb)->last_sync_built, 100);
	dumps = e->f.dumps;
	gets = e->f.gets;
	ops = lb_stats(e->lb)->ops;
	text = services_conf(100, 8);
	reload(e, text, true);
	free(text);
	assert_int_equal(e->d.cfg->parsed_vs, 1);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->last_sync_built, 1);
	assert_int_equal(lb_stats(e->lb)->ops - ops, 1);
	assert_int_equal(e->f.dumps, dumps);
	assert_int_equal(e->f.gets - gets, 1);
	assert_int_equal(kernel_weight_port(e, 1042), 8);
	assert_ptr_equal(lb_vs_of(e->lb, &k), &e->d.cfg->vs[1]);
	k = port_key(1042);
	assert_ptr_equal(lb_vs_of(e->lb, &k), &e->d.cfg->vs[42]);
	/* What the engine believes is what the kernel holds. */
	lb_sync(e->lb, LB_SYNC_DRIFT);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 0);
	assert_int_equal(e->f.dumps, dumps + 1);
}

/* Removing one service and adding another: one delete, one add. */
static void
spliced_reload_adds_and_removes(void **state)
{
	struct env	*e = *state;
	char		*text, *p, *q;
	unsigned	 before[6];
	uint64_t	 ops;

	add_foreign(e);
	start_services(e, 100, 1);
	text = services_conf(100, 1);	/* to edit */
	memcpy(before, e->f.counts, sizeof(before));
	ops = lb_stats(e->lb)->ops;
	/* s10 goes; s11 becomes port 2011, a new service. */
	p = strstr(text, ",{ name = \"s10\"");
	q = strstr(text, ",{ name = \"s11\"");
	memmove(p, q, strlen(q) + 1);
	p = strstr(text, "port = 1011;");
	memcpy(p, "port = 2011;", 12);
	reload(e, text, true);
	free(text);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->last_sync_built, 1);
	assert_int_equal(lb_stats(e->lb)->ops - ops, 4);
	assert_int_equal(e->f.counts[IPVS_OP_SVC_DEL] - before[IPVS_OP_SVC_DEL],
	    2);
	assert_int_equal(e->f.counts[IPVS_OP_SVC_ADD] - before[IPVS_OP_SVC_ADD],
	    1);
	assert_int_equal(kernel_weight_port(e, 1010), -1);
	assert_int_equal(kernel_weight_port(e, 1011), -1);
	assert_int_equal(kernel_weight_port(e, 2011), 1);
	assert_int_equal(e->f.t.n, 99 + 1);
	lb_sync(e->lb, LB_SYNC_DRIFT);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 0);
	/* Ownership followed: the new one is removed, the foreign one kept. */
	stop_leaves_only_foreign(e);
}

/* A health change builds and reads its own virtual server only. */
static void
health_change_builds_one_virtual_server(void **state)
{
	struct env	*e = *state;
	char		*text;
	unsigned	 dumps, gets;

	start_services(e, 100, 5);
	text = services_conf(100, 5);	/* to edit */
	dumps = e->f.dumps;
	gets = e->f.gets;
	lb_set_rs_health(e->lb, 42, 0, false, 5);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->last_sync_built, 1);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 1);
	assert_int_equal(e->f.gets - gets, 1);
	assert_int_equal(e->f.dumps, dumps);
	assert_int_equal(kernel_weight_port(e, 1042), 0);	/* inhibited */
	/* A spliced reload of another one keeps s42 down... */
	memcpy(strstr(strstr(text, "port = 1007;"), "weight = 1;"),
	    "weight = 9;", 11);
	reload(e, text, true);
	free(text);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->last_sync_built, 1);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 1);
	assert_int_equal(kernel_weight_port(e, 1042), 0);
	assert_int_equal(kernel_weight_port(e, 1007), 9);
	/* ...and its recovery is one operation again. */
	lb_set_rs_health(e->lb, 42, 0, true, 5);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 1);
	assert_int_equal(kernel_weight_port(e, 1042), 5);
}

/*
 * A reload that arrives after a sync has applied some of its operations:
 * current no longer says what the kernel holds, so the next sync reads
 * everything. Here the reload undoes the change just applied.
 */
static void
reload_during_apply_rereads(void **state)
{
	struct env	*e = *state;
	char		*text;
	unsigned	 sets, dumps;
	int		 n;

	start_services(e, 100, 1);
	sets = e->f.counts[IPVS_OP_DEST_SET];
	dumps = e->f.dumps;
	text = services_conf(100, 8);
	reload(e, text, true);
	free(text);
	for (n = 0; n < 1000 && e->f.counts[IPVS_OP_DEST_SET] == sets; n++)
		event_base_loop(e->d.base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
	assert_int_equal(kernel_weight_port(e, 1042), 8);
	assert_true(lb_stats(e->lb)->busy);	/* not finished yet */
	text = services_conf(100, 1);
	reload(e, text, true);
	free(text);
	settle(e);
	assert_int_equal(kernel_weight_port(e, 1042), 1);
	assert_int_equal(e->f.dumps, dumps + 1);
}

/*
 * A virtual server that lost quorum keeps that state across a reload
 * that changes it or parses the whole file: the loss is not logged, nor
 * its notify script run, again.
 */
static void
quorum_state_survives_reload(void **state)
{
	struct env	*e = *state;
	const char	*conf =
	    "virtual_servers = (\n"
	    " { name = \"web\"; address = \"192.0.2.1\"; port = 80; quorum = 2;"
	    " sorry_server = { address = \"198.51.100.99\"; };"
	    " real_servers = ( { address = \"198.51.100.1\"; weight = 3; } ); },\n"
	    " { name = \"dns\"; address = \"192.0.2.1\"; port = 53;"
	    " protocol = \"udp\";"
	    " real_servers = ( { address = \"198.51.100.3\"; } ); }\n"
	    ");\n";
	char		*t1, *t2;

	env_config(e, conf);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	lb_set_rs_health(e->lb, 0, 0, false, 3);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->quorum_changes, 1);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.99"), 1);
	/* web itself changes (spliced), then dns (parsed whole); the health
	 * engine says again that web's server is down, as after any reload.
	 * (A quorum of 1 is still not met by weight 0.) */
	t1 = strdup(conf);
	memcpy(strstr(t1, "quorum = 2;"), "quorum = 1;", 11);
	t2 = strdup(t1);
	memcpy(strstr(t2, "port = 53;"), "port = 54;", 10);
	reload(e, t1, true);
	assert_int_equal(e->d.cfg->parsed_vs, 1);
	lb_set_rs_health(e->lb, 0, 0, false, 3);
	settle(e);
	reload(e, t2, false);
	lb_set_rs_health(e->lb, 0, 0, false, 3);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->quorum_changes, 1);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.99"), 1);
	/* The server comes back: regained, once. */
	lb_set_rs_health(e->lb, 0, 0, true, 3);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->quorum_changes, 2);
	assert_int_equal(kernel_weight(e, 80, "198.51.100.99"), -1);
	free(t1);
	free(t2);
}

/* A reload that changes every service reads the table in slices instead. */
static void
reload_of_everything_reads_all(void **state)
{
	struct env	*e = *state;
	char		*text, *p;
	unsigned	 dumps, gets;
	uint64_t	 ops;

	start_services(e, 100, 1);
	text = services_conf(100, 1);	/* to edit */
	dumps = e->f.dumps;
	gets = e->f.gets;
	ops = lb_stats(e->lb)->ops;
	/* Every weight 1 becomes 2. */
	while ((p = strstr(text, "weight = 1;")) != NULL)
		p[9] = '2';
	reload(e, text, false);
	free(text);
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
	stop_leaves_only_foreign(e);
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

	start_services(e, 200, 1);
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
	text = services_conf(200, 1);
	reload(e, text, true);
	free(text);
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

/*
 * The model check. Random health changes and reloads (spliced or parsed
 * whole; one edit or several) arrive, often in the middle of a sync.
 * After each round the kernel must hold exactly what a wanted table
 * built from scratch asks for (from the config and the health the test
 * set), each service must name its virtual server in the new config, a
 * drift check must find nothing to do, and at the end a stop removes
 * exactly director's services.
 */
#define MODEL_MAX	48
#define MODEL_RS	3

struct model_vs {
	unsigned		id;		/* port 3000 + id */
	int			nrs;
	int			weight[MODEL_RS];
	bool			wrr;
	bool			quorum;		/* 2, with a sorry server */
	struct lb_rs_health	h[MODEL_RS];
};

struct model {
	struct model_vs		vs[MODEL_MAX];
	size_t			n;
	unsigned		next_id;
	uint32_t		seed;
};

static unsigned
model_rand(struct model *m, unsigned n)
{
	m->seed = m->seed * 1103515245 + 12345;
	return (m->seed >> 16) % n;
}

static void
model_new_vs(struct model *m, struct model_vs *v)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->id = m->next_id++;
	v->nrs = 1 + (int)model_rand(m, MODEL_RS);
	v->wrr = model_rand(m, 2);
	v->quorum = model_rand(m, 4) == 0;
	for (r = 0; r < v->nrs; r++) {
		v->weight[r] = 1 + (int)model_rand(m, 5);
		v->h[r].up = true;
		v->h[r].weight = v->weight[r];
	}
}

static char *
model_text(const struct model *m)
{
	const struct model_vs	*v;
	char			*text = malloc(64 + m->n * 400), *p = text;
	size_t			 i;
	int			 r;

	p += sprintf(p, "virtual_servers = (\n");
	for (i = 0; i < m->n; i++) {
		v = &m->vs[i];
		p += sprintf(p, "%s{ name = \"m%u\"; address = \"192.0.2.1\"; "
		    "port = %u; scheduler = \"%s\"; ", i ? "," : "", v->id,
		    3000 + v->id, v->wrr ? "wrr" : "rr");
		if (v->quorum)
			p += sprintf(p, "quorum = 2; sorry_server = { address "
			    "= \"198.51.100.99\"; }; ");
		p += sprintf(p, "real_servers = ( ");
		for (r = 0; r < v->nrs; r++)
			p += sprintf(p, "%s{ address = \"198.51.100.%d\"; "
			    "weight = %d; }", r ? ", " : "", r + 1,
			    v->weight[r]);
		p += sprintf(p, " ); }\n");
	}
	sprintf(p, ");\n");
	return text;
}

/* One edit of the config, as an operator might make it. */
static void
model_edit(struct model *m)
{
	struct model_vs	*v = &m->vs[model_rand(m, (unsigned)m->n)];
	size_t		 i = (size_t)(v - m->vs);
	int		 r = (int)model_rand(m, (unsigned)v->nrs);

	switch (model_rand(m, 7)) {
	case 0:
		v->weight[r] = (int)model_rand(m, 6);
		v->h[r].weight = v->weight[r];
		break;
	case 1:
		v->wrr = !v->wrr;
		break;
	case 2:
		v->quorum = !v->quorum;
		break;
	case 3:
		if (v->nrs < MODEL_RS) {
			v->weight[v->nrs] = 2;
			v->h[v->nrs].up = true;
			v->h[v->nrs++].weight = 2;
		} else
			v->nrs--;
		break;
	case 4:			/* a virtual server goes */
		if (m->n > 2) {
			memmove(v, v + 1, (m->n - i - 1) * sizeof(*v));
			m->n--;
		}
		break;
	default:		/* one comes, anywhere */
		if (m->n < MODEL_MAX) {
			i = model_rand(m, (unsigned)m->n + 1);
			memmove(&m->vs[i + 1], &m->vs[i], (m->n - i) *
			    sizeof(*v));
			model_new_vs(m, &m->vs[i]);
			m->n++;
		}
		break;
	}
}

/* The health engine's word on every server, as daemon_hc_push() gives. */
static void
model_push(struct env *e, const struct model *m)
{
	size_t	i;
	int	r;

	for (i = 0; i < m->n; i++)
		for (r = 0; r < m->vs[i].nrs; r++)
			lb_set_rs_health(e->lb, i, (size_t)r,
			    m->vs[i].h[r].up, m->vs[i].h[r].weight);
}

/* Runs a few steps of whatever sync is going on, maybe none. */
static void
model_steps(struct env *e, struct model *m)
{
	unsigned n = model_rand(m, 12);

	while (n-- > 0)
		event_base_loop(e->d.base, EVLOOP_NONBLOCK | EVLOOP_ONCE);
}

static void
model_verify(struct env *e, const struct model *m)
{
	const struct cfg	*c = e->d.cfg;
	struct ipvs_table	 want = { 0 };
	struct ipvs_table_svc	*k, *w;
	size_t			 i, j, ours = 0;
	bool			 q;

	assert_int_equal(c->nvs, m->n);
	for (i = 0; i < m->n; i++) {
		q = true;
		assert_int_equal(lb_desired_vs(&c->vs[i], m->vs[i].h, &q,
		    &want), 0);
	}
	ipvs_table_sort(&want);
	ipvs_table_sort(&e->f.t);
	for (i = 0; i < e->f.t.n; i++) {
		k = &e->f.t.svcs[i];
		if (k->svc.port == 443)
			continue;	/* the foreign one */
		ours++;
		assert_non_null(w = ipvs_table_find(&want, &k->svc));
		assert_string_equal(k->svc.sched, w->svc.sched);
		assert_int_equal(k->ndests, w->ndests);
		for (j = 0; j < w->ndests; j++)
			assert_int_equal(ipvs_table_find_dest(k,
			    &w->dests[j])->weight, w->dests[j].weight);
		assert_ptr_equal(lb_vs_of(e->lb, &k->svc), w->tag);
	}
	assert_int_equal(ours, want.n);
	assert_non_null(kernel_svc(e, "203.0.113.9", IPPROTO_TCP, 443));
	ipvs_table_free(&want);
}

static void
model_check(void **state, uint32_t seed)
{
	struct env	*e = *state;
	struct model	 m = { .seed = seed };
	char		*text;
	size_t		 i;
	unsigned	 round, op, spliced = 0, partial = 0;

	for (i = 0; i < 24; i++)
		model_new_vs(&m, &m.vs[m.n++]);
	add_foreign(e);
	text = model_text(&m);
	env_config(e, text);
	free(text);
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	e->f.tick = 300;	/* a few items per step */
	clock_set_source(fake_clock);
	for (round = 0; round < 400; round++) {
		for (op = 1 + model_rand(&m, 3); op > 0; op--) {
			if (model_rand(&m, 3) == 0) {
				for (i = 1 + model_rand(&m, 3); i > 0; i--)
					model_edit(&m);
				text = model_text(&m);
				reload(e, text, model_rand(&m, 4) != 0);
				free(text);
				spliced += e->d.cfg->same_as != NULL;
				model_push(e, &m);
			} else {
				i = model_rand(&m, (unsigned)m.n);
				m.vs[i].h[0].up = model_rand(&m, 3) != 0;
				m.vs[i].h[0].weight = (int)model_rand(&m, 7);
				lb_set_rs_health(e->lb, i, 0, m.vs[i].h[0].up,
				    m.vs[i].h[0].weight);
			}
			model_steps(e, &m);
		}
		settle(e);
		partial += lb_stats(e->lb)->last_sync_built < m.n;
		model_verify(e, &m);
		if (round % 50 == 0) {
			lb_sync(e->lb, LB_SYNC_DRIFT);
			settle(e);
			assert_int_equal(lb_stats(e->lb)->last_sync_ops, 0);
		}
	}
	/* Both kinds of sync were exercised, most of them partial. */
	assert_true(spliced > 50);
	assert_true(partial > 200);
	assert_int_equal(lb_stats(e->lb)->op_errors, 0);
	stop_leaves_only_foreign(e);
	clock_set_source(NULL);
}

/* Three seeds: each run takes a different path through the same rules. */
static void
model_check_1(void **state)
{
	model_check(state, 20261122);
}

static void
model_check_2(void **state)
{
	model_check(state, 1);
}

static void
model_check_3(void **state)
{
	model_check(state, 0xdeadbeef);
}

/* n virtual servers of 10 real servers; vs "wvs" real server 3 weighs w. */
static char *
farm_conf(size_t n, size_t wvs, int w)
{
	char	*text = malloc(64 + n * 800), *p = text;
	size_t	 i, r;

	p += sprintf(p, "virtual_servers = (\n");
	for (i = 0; i < n; i++) {
		p += sprintf(p, "%s{ name = \"v%zu\"; address = \"10.%zu.%zu.1\"; "
		    "port = 80; scheduler = \"wrr\"; real_servers = (\n",
		    i ? "," : "", i, i / 250, i % 250);
		for (r = 0; r < 10; r++)
			p += sprintf(p, "  { address = \"10.200.%zu.%zu\"; "
			    "weight = %d; }%s\n", i % 250, r + 1,
			    i == wvs && r == 3 ? w : 1, r < 9 ? "," : "");
		p += sprintf(p, "); }\n");
	}
	sprintf(p, ");\n");
	return text;
}

static double
ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

/*
 * Figures, not a timed test: the engine's part of a one-line reload of
 * 10,000 virtual servers x 10 on this machine, after a splice and after
 * a whole parse, with a fake kernel that already holds the table. What
 * is asserted is the work: one virtual server built (or all of them),
 * one operation.
 */
static void
bench_reload_10000x10(void **state)
{
	struct env		*e = *state;
	struct cfg_errors	 errs = { 0 };
	struct cfg		*old;
	struct timespec		 t0;
	double			 load, reconf, sync;
	char			*text;
	bool			 q;
	size_t			 i;
	int			 mode;

	text = farm_conf(10000, 5000, 1);
	env_config(e, text);
	free(text);
	for (i = 0; i < e->d.cfg->nvs; i++) {
		q = true;
		assert_int_equal(lb_desired_vs(&e->d.cfg->vs[i], NULL, &q,
		    &e->f.t), 0);
	}
	ipvs_table_sort(&e->f.t);
	e->f.sorted = true;
	e->lb = lb_new(&e->d, &fake_backend, &e->f);
	settle(e);
	assert_int_equal(lb_stats(e->lb)->last_sync_ops, 0);
	for (mode = 0; mode < 2; mode++) {
		text = farm_conf(10000, 5000, 2 + mode);
		old = e->d.cfg;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		e->d.cfg = mode == 0 ? cfg_load_string_next(text, "t.conf",
		    old, &errs) : cfg_load_string(text, "t.conf", &errs);
		load = ms_since(&t0);
		assert_non_null(e->d.cfg);
		free(text);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		lb_reconfigure(e->lb, old);
		reconf = ms_since(&t0);
		cfg_free(old);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		settle(e);
		sync = ms_since(&t0);
		assert_int_equal(lb_stats(e->lb)->last_sync_ops, 1);
		assert_int_equal(lb_stats(e->lb)->last_sync_built,
		    mode == 0 ? 1 : 10000);
		print_message("10,000 x 10, one weight, %s: load %.1f ms, "
		    "lb_reconfigure %.2f ms, sync %.2f ms\n", mode == 0 ?
		    "spliced" : "parsed whole", load, reconf, sync);
	}
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
		cmocka_unit_test_setup_teardown(
		    spliced_reload_builds_only_what_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(spliced_reload_adds_and_removes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    health_change_builds_one_virtual_server, setup, teardown),
		cmocka_unit_test_setup_teardown(reload_during_apply_rereads,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(quorum_state_survives_reload,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(model_check_1, setup, teardown),
		cmocka_unit_test_setup_teardown(model_check_2, setup, teardown),
		cmocka_unit_test_setup_teardown(model_check_3, setup, teardown),
		cmocka_unit_test_setup_teardown(bench_reload_10000x10, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
