/*
 * test_vrrp_fsm.c - the VRRP state machine under a fake clock (each
 * call is given its time) with a recorder for the callbacks: every
 * transition with its reason, the exact deadlines of RFC 5798 and
 * RFC 3768, the order of the callbacks, preempt, preempt_delay,
 * FAULT, priority changes, reload, counters, and two instances on a
 * fake wire settling a healed split brain.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "vrrp_fsm.h"

#define T0		1000000000ULL	/* the fake clock's start, us */
#define MS		1000ULL
#define SEC		1000000ULL
#define NCALLS		512
#define NQUEUE		16
#define TEST(f)	cmocka_unit_test_setup_teardown(f, setup, teardown)

enum call_kind {
	CALL_SEND,
	CALL_BECOME,
	CALL_LEAVE,
	CALL_STATE,
};

struct call {
	enum call_kind		kind;
	uint64_t		at;
	uint8_t			priority;
	uint16_t		interval_cs;
	enum vrrp_state		old;
	enum vrrp_state		new;
	enum vrrp_reason	why;
};

struct wire;

/* One instance and what it asked of the I/O layer. */
struct rec {
	struct vrrp_fsm		fsm;
	struct call		calls[NCALLS];
	size_t			n;
	size_t			seen;	/* calls checked so far */
	uint64_t		now;	/* time of the call in progress */
	struct wire		*wire;	/* NULL: sends go nowhere */
	struct rec		*peer;
};

struct packet {
	struct rec		*to;
	uint8_t			 priority;
	uint16_t		 interval_cs;
	const uint8_t		*src;
};

/* A LAN between two instances: zero latency, delivered in order. */
struct wire {
	bool			up;
	struct packet		q[NQUEUE];
	size_t			nq;
};

struct env {
	struct rec		a;
	struct rec		b;
	struct wire		wire;
};

static const uint8_t addr_local[4] = { 192, 0, 2, 10 };
static const uint8_t addr_high[4] = { 200, 0, 0, 1 };	/* > as unsigned */
static const uint8_t addr_low[4] = { 10, 0, 0, 1 };

static struct call *
rec_push(struct rec *r, enum call_kind kind)
{
	struct call *c;

	assert_true(r->n < NCALLS);
	c = &r->calls[r->n++];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->at = r->now;
	return c;
}

static void
rec_send_advert(void *ctx, uint8_t priority, uint16_t interval_cs)
{
	struct rec	*r = ctx;
	struct call	*c = rec_push(r, CALL_SEND);
	struct packet	*p;

	c->priority = priority;
	c->interval_cs = interval_cs;
	if (r->wire == NULL || !r->wire->up)
		return;
	assert_true(r->wire->nq < NQUEUE);
	p = &r->wire->q[r->wire->nq++];
	p->to = r->peer;
	p->priority = priority;
	p->interval_cs = interval_cs;
	p->src = r->fsm.addr;
}

static void
rec_become_master(void *ctx)
{
	rec_push(ctx, CALL_BECOME);
}

static void
rec_leave_master(void *ctx)
{
	rec_push(ctx, CALL_LEAVE);
}

static void
rec_state_change(void *ctx, enum vrrp_state old, enum vrrp_state new,
    enum vrrp_reason why)
{
	struct rec	*r = ctx;
	struct call	*c = rec_push(r, CALL_STATE);

	/* The state is set before the callback, never changed inside. */
	assert_int_equal(r->fsm.state, new);
	c->old = old;
	c->new = new;
	c->why = why;
}

static const struct vrrp_fsm_ops rec_ops = {
	rec_send_advert, rec_become_master, rec_leave_master,
	rec_state_change,
};

static struct vrrp_fsm_conf
conf(uint8_t version, uint8_t priority, uint16_t advert_cs)
{
	struct vrrp_fsm_conf c;

	memset(&c, 0, sizeof(c));
	c.version = version;
	c.priority = priority;
	c.advert_cs = advert_cs;
	c.preempt = true;
	return c;
}

static void
rec_init(struct rec *r, const struct vrrp_fsm_conf *c, const uint8_t *addr)
{
	assert_int_equal(vrrp_fsm_init(&r->fsm, c, addr, 4, &rec_ops, r), 0);
	r->now = T0;
}

/* The event loop: fire every deadline up to t, in order, at its time. */
static void
run_until(struct rec *r, uint64_t t)
{
	uint64_t d;

	while ((d = vrrp_fsm_next_deadline(&r->fsm)) != 0 && d <= t) {
		assert_true(d >= r->now);
		r->now = d;
		vrrp_fsm_timers(&r->fsm, d);
	}
	r->now = t;
}

static void
advert(struct rec *r, uint64_t t, uint8_t priority, uint16_t interval_cs,
    const uint8_t *src)
{
	run_until(r, t);
	vrrp_fsm_advert(&r->fsm, t, priority, interval_cs, src, 4);
}

static void
startup(struct rec *r, uint64_t t)
{
	run_until(r, t);
	vrrp_fsm_startup(&r->fsm, t);
}

static void
shutdown_at(struct rec *r, uint64_t t)
{
	run_until(r, t);
	vrrp_fsm_shutdown(&r->fsm, t);
}

static void
fault_at(struct rec *r, uint64_t t, bool fault)
{
	run_until(r, t);
	vrrp_fsm_fault(&r->fsm, t, fault);
}

static void
offset_at(struct rec *r, uint64_t t, int offset)
{
	run_until(r, t);
	vrrp_fsm_set_priority_offset(&r->fsm, t, offset);
}

static int
reconfigure_at(struct rec *r, uint64_t t, const struct vrrp_fsm_conf *c)
{
	run_until(r, t);
	return vrrp_fsm_reconfigure(&r->fsm, t, c);
}

static const struct call *
next_call(struct rec *r, enum call_kind kind, uint64_t at)
{
	const struct call *c;

	assert_true(r->seen < r->n);
	c = &r->calls[r->seen++];
	assert_int_equal(c->kind, kind);
	assert_int_equal(c->at, at);
	return c;
}

static void
expect_send(struct rec *r, uint64_t at, uint8_t priority,
    uint16_t interval_cs)
{
	const struct call *c = next_call(r, CALL_SEND, at);

	assert_int_equal(c->priority, priority);
	assert_int_equal(c->interval_cs, interval_cs);
}

static void
expect_state(struct rec *r, uint64_t at, enum vrrp_state old,
    enum vrrp_state new, enum vrrp_reason why)
{
	const struct call *c = next_call(r, CALL_STATE, at);

	assert_string_equal(vrrp_state_name(c->old), vrrp_state_name(old));
	assert_string_equal(vrrp_state_name(c->new), vrrp_state_name(new));
	assert_string_equal(vrrp_reason_name(c->why), vrrp_reason_name(why));
}

/* RFC 5798 6.4.1 / 6.4.2: advert, addresses, then the transition. */
static void
expect_to_master(struct rec *r, uint64_t at, uint8_t priority,
    enum vrrp_state old, enum vrrp_reason why)
{
	expect_send(r, at, priority, r->fsm.conf.advert_cs);
	next_call(r, CALL_BECOME, at);
	expect_state(r, at, old, VRRP_STATE_MASTER, why);
}

/* Periodic adverts from first on, every interval, up to until. */
static void
expect_sends(struct rec *r, uint64_t first, uint64_t until,
    uint8_t priority)
{
	uint64_t t, step = r->fsm.conf.advert_cs * 10 * MS;

	for (t = first; t <= until; t += step)
		expect_send(r, t, priority, r->fsm.conf.advert_cs);
}

static void
expect_nothing(struct rec *r)
{
	assert_int_equal(r->seen, r->n);
}

/* Backup since T0, master by its own Master_Down_Timer at T0 + 3.6 s. */
static void
make_master(struct rec *r, uint8_t priority)
{
	struct vrrp_fsm_conf c = conf(3, priority, 100);

	rec_init(r, &c, addr_local);
	startup(r, T0);
	run_until(r, T0 + vrrp_master_down_us(3, priority, 100));
	r->seen = r->n;
	assert_int_equal(r->fsm.state, VRRP_STATE_MASTER);
}

static int
setup(void **state)
{
	struct env *e;

	if ((e = calloc(1, sizeof(*e))) == NULL)
		return -1;
	*state = e;
	return 0;
}

static int
teardown(void **state)
{
	free(*state);
	return 0;
}

static void
names(void **state)
{
	(void)state;
	assert_string_equal(vrrp_state_name(VRRP_STATE_INIT), "INIT");
	assert_string_equal(vrrp_state_name(VRRP_STATE_BACKUP), "BACKUP");
	assert_string_equal(vrrp_state_name(VRRP_STATE_MASTER), "MASTER");
	assert_string_equal(vrrp_state_name(VRRP_STATE_FAULT), "FAULT");
	assert_string_equal(vrrp_state_name((enum vrrp_state)42), "unknown");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_MASTER_DOWN),
	    "master down timer");
	assert_string_equal(vrrp_reason_name(VRRP_REASON_SHUTDOWN),
	    "shutdown");
	assert_string_equal(vrrp_reason_name((enum vrrp_reason)99),
	    "unknown");
}

static void
arithmetic(void **state)
{
	(void)state;
	/* v3: (156 * 100) / 256 = 60 cs; 3 * 100 + 60 = 360 cs. */
	assert_int_equal(vrrp_skew_us(3, 100, 100), 600 * MS);
	assert_int_equal(vrrp_master_down_us(3, 100, 100), 3600 * MS);
	/* A master at 0.5 s: (156 * 50) / 256 = 30 cs; 150 + 30 cs. */
	assert_int_equal(vrrp_skew_us(3, 100, 50), 300 * MS);
	assert_int_equal(vrrp_master_down_us(3, 100, 50), 1800 * MS);
	assert_int_equal(vrrp_master_down_us(3, 150, 100), 3410 * MS);
	/* Extremes: (255 * 4095) / 256 = 4079 cs; 1 cs: no skew. */
	assert_int_equal(vrrp_master_down_us(3, 1, 4095),
	    (3 * 4095 + 4079) * 10 * MS);
	assert_int_equal(vrrp_skew_us(3, 254, 1), 0);
	/* v2: (256 - 100) / 256 s = 0.609375 s, whatever the interval. */
	assert_int_equal(vrrp_skew_us(2, 100, 100), 609375);
	assert_int_equal(vrrp_skew_us(2, 100, 300), 609375);
	assert_int_equal(vrrp_master_down_us(2, 100, 100), 3609375);
	assert_int_equal(vrrp_master_down_us(2, 254, 100), 3007812);
	assert_int_equal(vrrp_master_down_us(2, 1, 25500),
	    765 * SEC + 996093);
}

static void
init_rejects_bad_conf(void **state)
{
	struct env		*e = *state;
	struct vrrp_fsm_conf	 bad[] = {
		conf(4, 100, 100), conf(3, 0, 100), conf(3, 100, 0),
		conf(3, 100, 4096), conf(2, 100, 150), conf(2, 100, 0),
		conf(2, 100, 25600),
	};
	struct vrrp_fsm_conf	 good = conf(2, 100, 25500);
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		errno = 0;
		assert_int_equal(vrrp_fsm_init(&e->a.fsm, &bad[i], addr_local,
		    4, &rec_ops, &e->a), -1);
		assert_int_equal(errno, EINVAL);
	}
	assert_int_equal(vrrp_fsm_init(&e->a.fsm, &good, addr_local, 5,
	    &rec_ops, &e->a), -1);
	assert_int_equal(vrrp_fsm_init(&e->a.fsm, &good, NULL, 4, &rec_ops,
	    &e->a), -1);
	assert_int_equal(vrrp_fsm_init(&e->a.fsm, &good, addr_local, 4,
	    &rec_ops, &e->a), 0);
	assert_int_equal(e->a.fsm.state, VRRP_STATE_INIT);
	assert_int_equal(vrrp_fsm_next_deadline(&e->a.fsm), 0);
}

static void
startup_then_master_down_v3(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(3, 100, 100);

	rec_init(r, &c, addr_local);
	startup(r, T0);
	expect_state(r, T0, VRRP_STATE_INIT, VRRP_STATE_BACKUP,
	    VRRP_REASON_STARTUP);
	assert_int_equal(r->fsm.master_adver_cs, 100);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), T0 + 3600 * MS);
	run_until(r, T0 + 3600 * MS - 1);
	expect_nothing(r);
	run_until(r, T0 + 3600 * MS);
	expect_to_master(r, T0 + 3600 * MS, 100, VRRP_STATE_BACKUP,
	    VRRP_REASON_MASTER_DOWN);
	/* RFC 5798 6.4.3: then one advert per Advertisement_Interval. */
	run_until(r, T0 + 6600 * MS);
	expect_sends(r, T0 + 4600 * MS, T0 + 6600 * MS, 100);
	expect_nothing(r);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), T0 + 7600 * MS);
}

static void
startup_then_master_down_v2(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(2, 100, 100);

	rec_init(r, &c, addr_local);
	startup(r, T0);
	expect_state(r, T0, VRRP_STATE_INIT, VRRP_STATE_BACKUP,
	    VRRP_REASON_STARTUP);
	run_until(r, T0 + 3609375 - 1);
	expect_nothing(r);
	run_until(r, T0 + 3609375);
	expect_to_master(r, T0 + 3609375, 100, VRRP_STATE_BACKUP,
	    VRRP_REASON_MASTER_DOWN);
	run_until(r, T0 + 5609375);
	expect_sends(r, T0 + 4609375, T0 + 5609375, 100);
	expect_nothing(r);
}

static void
owner_goes_master_at_startup(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(3, 255, 100);

	rec_init(r, &c, addr_local);
	startup(r, T0);
	expect_to_master(r, T0, 255, VRRP_STATE_INIT,
	    VRRP_REASON_ADDRESS_OWNER);
	expect_nothing(r);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), T0 + SEC);
	/* A second startup is no event outside INIT. */
	vrrp_fsm_startup(&r->fsm, T0 + 1);
	expect_nothing(r);
}

static void
backup_follows_live_master(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(3, 100, 100);
	uint64_t		 t;

	rec_init(r, &c, addr_local);
	startup(r, T0);
	r->seen = r->n;
	for (t = T0 + 500 * MS; t <= T0 + 10500 * MS; t += SEC) {
		advert(r, t, 150, 100, addr_low);
		assert_int_equal(vrrp_fsm_next_deadline(&r->fsm),
		    t + 3600 * MS);
	}
	/* Equal priority is followed too (6.4.2: "greater than or equal"). */
	advert(r, T0 + 11 * SEC, 100, 100, addr_low);
	run_until(r, T0 + 14600 * MS - 1);
	expect_nothing(r);
	run_until(r, T0 + 14600 * MS);
	expect_to_master(r, T0 + 14600 * MS, 100, VRRP_STATE_BACKUP,
	    VRRP_REASON_MASTER_DOWN);
}

static void
master_yields_to_higher_priority(void **state)
{
	struct rec *r = &((struct env *)*state)->a;

	make_master(r, 100);
	advert(r, T0 + 4 * SEC, 150, 100, addr_low);
	next_call(r, CALL_LEAVE, T0 + 4 * SEC);
	expect_state(r, T0 + 4 * SEC, VRRP_STATE_MASTER, VRRP_STATE_BACKUP,
	    VRRP_REASON_HIGHER_PRIORITY);
	/* Adver_Timer cancelled, Master_Down_Timer = Master_Down_Interval. */
	assert_int_equal(r->fsm.adver_deadline, 0);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm),
	    T0 + 7600 * MS);
	run_until(r, T0 + 7600 * MS - 1);
	expect_nothing(r);
	run_until(r, T0 + 7600 * MS);
	expect_to_master(r, T0 + 7600 * MS, 100, VRRP_STATE_BACKUP,
	    VRRP_REASON_MASTER_DOWN);
}

static void
equal_priority_broken_by_address(void **state)
{
	struct rec	*r = &((struct env *)*state)->a;
	uint64_t	 t = T0 + 4 * SEC;

	make_master(r, 100);
	/* 10.0.0.1 < 192.0.2.10: we stay, and answer at once. */
	advert(r, t, 100, 100, addr_low);
	expect_send(r, t, 100, 100);
	expect_nothing(r);
	assert_int_equal(r->fsm.state, VRRP_STATE_MASTER);
	/* Our own advert looped back: neither yield nor answer. */
	advert(r, t + 100 * MS, 100, 100, addr_local);
	expect_nothing(r);
	/* 200.0.0.1 > 192.0.2.10 as unsigned bytes: they win. */
	advert(r, t + 200 * MS, 100, 100, addr_high);
	next_call(r, CALL_LEAVE, t + 200 * MS);
	expect_state(r, t + 200 * MS, VRRP_STATE_MASTER, VRRP_STATE_BACKUP,
	    VRRP_REASON_HIGHER_ADDRESS);
	expect_nothing(r);
	assert_string_equal(vrrp_reason_name(VRRP_REASON_HIGHER_ADDRESS),
	    "equal priority, higher address");
}

static void
priority_zero_means_skew_time(void **state)
{
	struct env		*e = *state;
	struct rec		*r = &e->a, *r2 = &e->b;
	struct vrrp_fsm_conf	 c = conf(3, 100, 100);

	rec_init(r, &c, addr_local);
	startup(r, T0);
	r->seen = r->n;
	advert(r, T0 + 500 * MS, 150, 100, addr_low);
	advert(r, T0 + 1500 * MS, 150, 100, addr_low);
	advert(r, T0 + 2 * SEC, 0, 100, addr_low);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), T0 + 2600 * MS);
	run_until(r, T0 + 2600 * MS);
	expect_to_master(r, T0 + 2600 * MS, 100, VRRP_STATE_BACKUP,
	    VRRP_REASON_PRIORITY_ZERO);
	assert_int_equal(r->fsm.st.priority_zero_received, 1);

	/* v2: Skew_Time = 0.609375 s. */
	c = conf(2, 100, 100);
	rec_init(r2, &c, addr_local);
	startup(r2, T0);
	r2->seen = r2->n;
	advert(r2, T0 + 2 * SEC, 0, 100, addr_low);
	run_until(r2, T0 + 2609375);
	expect_to_master(r2, T0 + 2609375, 100, VRRP_STATE_BACKUP,
	    VRRP_REASON_PRIORITY_ZERO);
}

static void
shutdown_sends_priority_zero(void **state)
{
	struct env	*e = *state;
	struct rec	*r = &e->a, *b = &e->b;
	uint64_t	 t = T0 + 5 * SEC;
	struct vrrp_fsm_conf c = conf(3, 100, 100);

	make_master(r, 100);
	run_until(r, t);
	r->seen = r->n;
	shutdown_at(r, t);
	expect_send(r, t, 0, 100);
	next_call(r, CALL_LEAVE, t);
	expect_state(r, t, VRRP_STATE_MASTER, VRRP_STATE_INIT,
	    VRRP_REASON_SHUTDOWN);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), 0);
	assert_int_equal(r->fsm.st.priority_zero_sent, 1);
	run_until(r, t + 60 * SEC);
	shutdown_at(r, t + 60 * SEC);
	advert(r, t + 61 * SEC, 150, 100, addr_low);
	expect_nothing(r);

	/* A backup just stops; nothing is sent. */
	rec_init(b, &c, addr_local);
	startup(b, T0);
	shutdown_at(b, T0 + SEC);
	expect_state(b, T0, VRRP_STATE_INIT, VRRP_STATE_BACKUP,
	    VRRP_REASON_STARTUP);
	expect_state(b, T0 + SEC, VRRP_STATE_BACKUP, VRRP_STATE_INIT,
	    VRRP_REASON_SHUTDOWN);
	expect_nothing(b);
	assert_int_equal(vrrp_fsm_next_deadline(&b->fsm), 0);
	/* It can start again. */
	startup(b, T0 + 2 * SEC);
	expect_state(b, T0 + 2 * SEC, VRRP_STATE_INIT, VRRP_STATE_BACKUP,
	    VRRP_REASON_STARTUP);
}

static void
preempt_takes_over_from_lower_master(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(3, 150, 100);
	uint64_t		 t;

	rec_init(r, &c, addr_local);
	startup(r, T0);
	r->seen = r->n;
	/* Discarded: the timer of startup runs out, 300 + 41 cs. */
	for (t = T0 + 500 * MS; t < T0 + 3410 * MS; t += SEC)
		advert(r, t, 100, 100, addr_low);
	expect_nothing(r);
	run_until(r, T0 + 3410 * MS);
	expect_to_master(r, T0 + 3410 * MS, 150, VRRP_STATE_BACKUP,
	    VRRP_REASON_PREEMPT);
}

static void
nopreempt_never_takes_over(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(3, 150, 100);
	uint64_t		 t;

	c.preempt = false;
	rec_init(r, &c, addr_local);
	startup(r, T0);
	r->seen = r->n;
	for (t = T0 + 500 * MS; t <= T0 + 60500 * MS; t += SEC)
		advert(r, t, 100, 100, addr_low);
	run_until(r, T0 + 63 * SEC);
	expect_nothing(r);
	/* Only when the lower master falls silent. */
	run_until(r, T0 + 60500 * MS + 3410 * MS);
	expect_to_master(r, T0 + 63910 * MS, 150, VRRP_STATE_BACKUP,
	    VRRP_REASON_MASTER_DOWN);
}

static void
preempt_delay_holds_off(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(3, 150, 100);
	uint64_t		 t;

	c.preempt_delay_ms = 10000;
	rec_init(r, &c, addr_local);
	startup(r, T0);
	r->seen = r->n;
	/*
	 * First lower advert at 0.5 s: followed until 10.5 s; the one at
	 * 9.5 s is the last, so the takeover is at 9.5 + 3.41 s.
	 */
	for (t = T0 + 500 * MS; t <= T0 + 20500 * MS; t += SEC) {
		advert(r, t, 100, 100, addr_low);
		if (r->fsm.state == VRRP_STATE_MASTER)
			break;
		if (t == T0 + 500 * MS)
			assert_int_equal(r->fsm.preempt_deadline,
			    T0 + 10500 * MS);
		if (t <= T0 + 9500 * MS)
			assert_int_equal(vrrp_fsm_next_deadline(&r->fsm),
			    t + 3410 * MS);
	}
	expect_to_master(r, T0 + 12910 * MS, 150, VRRP_STATE_BACKUP,
	    VRRP_REASON_PREEMPT);
}

static void
preempt_delay_restarts(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(3, 150, 100);
	uint64_t		 t;

	c.preempt_delay_ms = 10000;
	rec_init(r, &c, addr_local);
	startup(r, T0);
	r->seen = r->n;
	for (t = T0 + 500 * MS; t <= T0 + 4500 * MS; t += SEC)
		advert(r, t, 100, 100, addr_low);
	/* A master not lower than us ends the run of lower adverts... */
	advert(r, T0 + 5500 * MS, 150, 100, addr_low);
	assert_int_equal(r->fsm.preempt_deadline, 0);
	/* ...so the delay counts again from the next lower one. */
	for (t = T0 + 6500 * MS; t <= T0 + 30 * SEC; t += SEC) {
		advert(r, t, 100, 100, addr_low);
		if (r->fsm.state == VRRP_STATE_MASTER)
			break;
	}
	expect_to_master(r, T0 + 15500 * MS + 3410 * MS, 150,
	    VRRP_STATE_BACKUP, VRRP_REASON_PREEMPT);
}

static void
master_answers_lower_at_once(void **state)
{
	struct rec	*r = &((struct env *)*state)->a;
	uint64_t	 t = T0 + 4200 * MS;

	make_master(r, 100);
	advert(r, t, 50, 100, addr_high);
	expect_send(r, t, 100, 100);
	assert_int_equal(r->fsm.st.answers_sent, 1);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), t + SEC);
	/* Within the interval: no second answer, the timer stands. */
	advert(r, t + 300 * MS, 50, 100, addr_high);
	expect_nothing(r);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), t + SEC);
	run_until(r, t + SEC);
	expect_send(r, t + SEC, 100, 100);
	advert(r, t + 1100 * MS, 50, 100, addr_high);
	expect_send(r, t + 1100 * MS, 100, 100);
	assert_int_equal(r->fsm.st.answers_sent, 2);
	/* Priority 0 from another: RFC 5798 6.4.3, send and reset. */
	advert(r, t + 1200 * MS, 0, 100, addr_high);
	expect_send(r, t + 1200 * MS, 100, 100);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), t + 2200 * MS);
	expect_nothing(r);
	assert_int_equal(r->fsm.state, VRRP_STATE_MASTER);
}

static void
v3_backup_adopts_master_interval(void **state)
{
	struct env		*e = *state;
	struct rec		*r = &e->a, *r2 = &e->b;
	struct vrrp_fsm_conf	 c = conf(3, 100, 100);

	rec_init(r, &c, addr_local);
	startup(r, T0);
	r->seen = r->n;
	advert(r, T0 + 100 * MS, 200, 50, addr_low);
	assert_int_equal(r->fsm.master_adver_cs, 50);
	/* 3 * 50 + (156 * 50) / 256 = 180 cs. */
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), T0 + 1900 * MS);
	run_until(r, T0 + 1900 * MS);
	expect_to_master(r, T0 + 1900 * MS, 100, VRRP_STATE_BACKUP,
	    VRRP_REASON_MASTER_DOWN);
	/* As master it sends at its own interval again. */
	assert_int_equal(r->fsm.master_adver_cs, 100);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), T0 + 2900 * MS);
	/* Yielding to a master at 2 s: 600 + 121 cs. */
	advert(r, T0 + 2 * SEC, 200, 200, addr_low);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), T0 + 9210 * MS);

	/* v2 has no Master_Adver_Interval of its own: always ours. */
	c = conf(2, 100, 100);
	rec_init(r2, &c, addr_local);
	startup(r2, T0);
	advert(r2, T0 + 100 * MS, 200, 300, addr_low);
	assert_int_equal(r2->fsm.master_adver_cs, 100);
	assert_int_equal(vrrp_fsm_next_deadline(&r2->fsm), T0 + 3709375);
}

static void
master_fault_and_clear(void **state)
{
	struct rec	*r = &((struct env *)*state)->a;
	uint64_t	 t = T0 + 5 * SEC;

	make_master(r, 100);
	run_until(r, t);
	r->seen = r->n;
	fault_at(r, t, true);
	/* Priority 0 first, so a backup takes over after Skew_Time. */
	expect_send(r, t, 0, 100);
	next_call(r, CALL_LEAVE, t);
	expect_state(r, t, VRRP_STATE_MASTER, VRRP_STATE_FAULT,
	    VRRP_REASON_FAULT);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), 0);
	/* Nothing sent, nothing processed, repeats are no events. */
	fault_at(r, t + SEC, true);
	advert(r, t + 2 * SEC, 0, 100, addr_low);
	advert(r, t + 3 * SEC, 50, 100, addr_low);
	vrrp_fsm_timers(&r->fsm, t + 60 * SEC);
	run_until(r, t + 60 * SEC);
	expect_nothing(r);
	assert_int_equal(r->fsm.st.adverts_received, 2);

	fault_at(r, t + 60 * SEC, false);
	expect_state(r, t + 60 * SEC, VRRP_STATE_FAULT, VRRP_STATE_BACKUP,
	    VRRP_REASON_FAULT_CLEARED);
	run_until(r, t + 63600 * MS);
	expect_to_master(r, t + 63600 * MS, 100, VRRP_STATE_BACKUP,
	    VRRP_REASON_MASTER_DOWN);
}

static void
fault_in_init_and_backup(void **state)
{
	struct env		*e = *state;
	struct rec		*r = &e->a, *o = &e->b;
	struct vrrp_fsm_conf	 c = conf(3, 100, 100);

	rec_init(r, &c, addr_local);
	/* Reported before startup: no transition yet, FAULT at startup. */
	fault_at(r, T0, true);
	expect_nothing(r);
	startup(r, T0);
	expect_state(r, T0, VRRP_STATE_INIT, VRRP_STATE_FAULT,
	    VRRP_REASON_FAULT);
	fault_at(r, T0 + SEC, false);
	expect_state(r, T0 + SEC, VRRP_STATE_FAULT, VRRP_STATE_BACKUP,
	    VRRP_REASON_FAULT_CLEARED);
	fault_at(r, T0 + 2 * SEC, true);
	expect_state(r, T0 + 2 * SEC, VRRP_STATE_BACKUP, VRRP_STATE_FAULT,
	    VRRP_REASON_FAULT);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), 0);
	shutdown_at(r, T0 + 3 * SEC);
	expect_state(r, T0 + 3 * SEC, VRRP_STATE_FAULT, VRRP_STATE_INIT,
	    VRRP_REASON_SHUTDOWN);
	expect_nothing(r);

	/* An address owner leaves FAULT as it starts: straight to MASTER. */
	c = conf(3, 255, 100);
	rec_init(o, &c, addr_local);
	fault_at(o, T0, true);
	startup(o, T0);
	expect_state(o, T0, VRRP_STATE_INIT, VRRP_STATE_FAULT,
	    VRRP_REASON_FAULT);
	fault_at(o, T0 + SEC, false);
	expect_to_master(o, T0 + SEC, 255, VRRP_STATE_FAULT,
	    VRRP_REASON_FAULT_CLEARED);
	expect_nothing(o);
}

static void
master_priority_changes_in_place(void **state)
{
	struct env		*e = *state;
	struct rec		*r = &e->a, *o = &e->b;
	uint64_t		 t = T0 + 4 * SEC;
	struct vrrp_fsm_conf	 c = conf(3, 255, 100);

	make_master(r, 100);
	offset_at(r, t, -30);
	/* Said at once, then at the new priority; no transition. */
	expect_send(r, t, 70, 100);
	run_until(r, t + 2 * SEC);
	expect_sends(r, t + SEC, t + 2 * SEC, 70);
	offset_at(r, t + 2500 * MS, -30);
	expect_nothing(r);
	offset_at(r, t + 2600 * MS, -200);
	expect_send(r, t + 2600 * MS, 1, 100);
	offset_at(r, t + 2700 * MS, 200);
	expect_send(r, t + 2700 * MS, 254, 100);
	expect_nothing(r);
	assert_int_equal(r->fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(r->fsm.st.transitions, 2);

	/* The address owner stays at 255. */
	rec_init(o, &c, addr_local);
	startup(o, T0);
	o->seen = o->n;
	offset_at(o, T0 + 100 * MS, -50);
	expect_nothing(o);
	assert_int_equal(o->fsm.priority, 255);
}

static void
backup_priority_rise_preempts(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	struct vrrp_fsm_conf	 c = conf(3, 100, 100);
	uint64_t		 t;

	rec_init(r, &c, addr_local);
	startup(r, T0);
	r->seen = r->n;
	advert(r, T0 + 500 * MS, 120, 100, addr_low);
	advert(r, T0 + 1500 * MS, 120, 100, addr_low);
	advert(r, T0 + 2500 * MS, 120, 100, addr_low);
	/* 150 now: the running timer keeps its start, with 150's skew. */
	offset_at(r, T0 + 3 * SEC, 50);
	expect_nothing(r);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm),
	    T0 + 2500 * MS + 3410 * MS);
	for (t = T0 + 3500 * MS; t < T0 + 5910 * MS; t += SEC)
		advert(r, t, 120, 100, addr_low);
	expect_nothing(r);
	run_until(r, T0 + 5910 * MS);
	expect_to_master(r, T0 + 5910 * MS, 150, VRRP_STATE_BACKUP,
	    VRRP_REASON_PREEMPT);
}

static void
reconfigure_without_transition(void **state)
{
	struct env		*e = *state;
	struct rec		*r = &e->a, *b = &e->b;
	uint64_t		 t = T0 + 4200 * MS;
	struct vrrp_fsm_conf	 c = conf(3, 120, 200), bad = conf(5, 1, 1);

	make_master(r, 100);
	assert_int_equal(reconfigure_at(r, t, &c), 0);
	/* The new interval goes out at once, backups adopt it (v3). */
	expect_send(r, t, 120, 200);
	assert_int_equal(vrrp_fsm_next_deadline(&r->fsm), t + 2 * SEC);
	run_until(r, t + 4 * SEC);
	expect_send(r, t + 2 * SEC, 120, 200);
	expect_send(r, t + 4 * SEC, 120, 200);
	/* The same settings again: nothing to say. */
	assert_int_equal(reconfigure_at(r, t + 5 * SEC, &c), 0);
	errno = 0;
	assert_int_equal(reconfigure_at(r, t + 5 * SEC, &bad),
	    -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(r->fsm.conf.advert_cs, 200);
	expect_nothing(r);
	assert_int_equal(r->fsm.st.transitions, 2);

	/* A backup's Master_Down_Timer keeps its start, new skew. */
	c = conf(3, 100, 100);
	c.preempt_delay_ms = 10000;
	rec_init(b, &c, addr_local);
	startup(b, T0);
	advert(b, T0 + 500 * MS, 90, 100, addr_low);
	assert_int_equal(b->fsm.preempt_deadline, T0 + 10500 * MS);
	c = conf(3, 200, 100);
	c.preempt_delay_ms = 2000;
	assert_int_equal(reconfigure_at(b, T0 + SEC, &c), 0);
	/* 300 + (56 * 100) / 256 = 321 cs from the advert at 0.5 s. */
	assert_int_equal(vrrp_fsm_next_deadline(&b->fsm), T0 + 3710 * MS);
	assert_int_equal(b->fsm.preempt_deadline, T0 + 2500 * MS);
	c.preempt = false;
	c.preempt_delay_ms = 0;
	assert_int_equal(reconfigure_at(b, T0 + SEC, &c), 0);
	assert_int_equal(b->fsm.preempt_deadline, 0);
	assert_int_equal(b->fsm.st.transitions, 1);
	assert_int_equal(b->fsm.state, VRRP_STATE_BACKUP);
}

static void
counters(void **state)
{
	struct rec		*r = &((struct env *)*state)->a;
	const struct vrrp_fsm_stats *st = &r->fsm.st;

	make_master(r, 100);			/* sent 1 */
	run_until(r, T0 + 5600 * MS);		/* sent 3 */
	advert(r, T0 + 5700 * MS, 50, 100, addr_low);	/* answer: 4 */
	advert(r, T0 + 5800 * MS, 0, 100, addr_low);	/* 5 */
	advert(r, T0 + 5900 * MS, 150, 100, addr_low);	/* to BACKUP */
	advert(r, T0 + 6 * SEC, 0, 100, addr_low);	/* MASTER at 6.6 */
	run_until(r, T0 + 6600 * MS);		/* sent 6 */
	shutdown_at(r, T0 + 7 * SEC);	/* sent 7, priority 0 */
	assert_int_equal(st->adverts_sent, 7);
	assert_int_equal(st->adverts_received, 4);
	assert_int_equal(st->answers_sent, 1);
	assert_int_equal(st->priority_zero_sent, 1);
	assert_int_equal(st->priority_zero_received, 2);
	assert_int_equal(st->became_master, 2);
	/* INIT-BACKUP-MASTER-BACKUP-MASTER-INIT */
	assert_int_equal(st->transitions, 5);
}

/* Both instances' loops: deliver what is on the wire, fire deadlines. */
static void
wire_run(struct env *e, uint64_t until)
{
	struct rec	*rs[2] = { &e->a, &e->b };
	struct packet	 p;
	uint64_t	 d, best;
	size_t		 i;

	for (;;) {
		while (e->wire.nq > 0) {
			p = e->wire.q[0];
			memmove(&e->wire.q[0], &e->wire.q[1],
			    --e->wire.nq * sizeof(p));
			vrrp_fsm_advert(&p.to->fsm, p.to->now, p.priority,
			    p.interval_cs, p.src, 4);
		}
		best = 0;
		for (i = 0; i < 2; i++)
			if ((d = vrrp_fsm_next_deadline(&rs[i]->fsm)) != 0 &&
			    (best == 0 || d < best))
				best = d;
		if (best == 0 || best > until)
			break;
		for (i = 0; i < 2; i++)
			rs[i]->now = best;
		for (i = 0; i < 2; i++)
			vrrp_fsm_timers(&rs[i]->fsm, best);
	}
	e->a.now = e->b.now = until;
}

static void
split_brain_heals_within_a_round_trip(void **state)
{
	struct env		*e = *state;
	struct vrrp_fsm_conf	 ca = conf(3, 150, 100);
	struct vrrp_fsm_conf	 cb = conf(3, 100, 100);
	const struct call	*c;

	rec_init(&e->a, &ca, addr_high);
	rec_init(&e->b, &cb, addr_low);
	e->a.wire = e->b.wire = &e->wire;
	e->a.peer = &e->b;
	e->b.peer = &e->a;
	vrrp_fsm_startup(&e->a.fsm, T0);
	vrrp_fsm_startup(&e->b.fsm, T0);
	/* Cut: both become master, at 3.41 s and 3.6 s. */
	wire_run(e, T0 + 10500 * MS);
	assert_int_equal(e->a.fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(e->b.fsm.state, VRRP_STATE_MASTER);
	e->a.seen = e->a.n;
	e->b.seen = e->b.n;
	/*
	 * Healed at 10.5 s. B's advert at 10.6 s reaches A first; A
	 * answers at once and B yields at 10.6 s, not at A's next
	 * advert at 11.41 s.
	 */
	e->wire.up = true;
	wire_run(e, T0 + 10600 * MS);
	expect_send(&e->b, T0 + 10600 * MS, 100, 100);
	next_call(&e->b, CALL_LEAVE, T0 + 10600 * MS);
	c = next_call(&e->b, CALL_STATE, T0 + 10600 * MS);
	assert_int_equal(c->why, VRRP_REASON_HIGHER_PRIORITY);
	expect_send(&e->a, T0 + 10600 * MS, 150, 100);
	assert_int_equal(e->a.fsm.st.answers_sent, 1);
	/* And it stays settled. */
	wire_run(e, T0 + 60 * SEC);
	assert_int_equal(e->a.fsm.state, VRRP_STATE_MASTER);
	assert_int_equal(e->b.fsm.state, VRRP_STATE_BACKUP);
	assert_int_equal(e->a.fsm.st.answers_sent, 1);
	assert_int_equal(e->b.fsm.st.transitions, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(names),
		cmocka_unit_test(arithmetic),
		TEST(init_rejects_bad_conf),
		TEST(startup_then_master_down_v3),
		TEST(startup_then_master_down_v2),
		TEST(owner_goes_master_at_startup),
		TEST(backup_follows_live_master),
		TEST(master_yields_to_higher_priority),
		TEST(equal_priority_broken_by_address),
		TEST(priority_zero_means_skew_time),
		TEST(shutdown_sends_priority_zero),
		TEST(preempt_takes_over_from_lower_master),
		TEST(nopreempt_never_takes_over),
		TEST(preempt_delay_holds_off),
		TEST(preempt_delay_restarts),
		TEST(master_answers_lower_at_once),
		TEST(v3_backup_adopts_master_interval),
		TEST(master_fault_and_clear),
		TEST(fault_in_init_and_backup),
		TEST(master_priority_changes_in_place),
		TEST(backup_priority_rise_preempts),
		TEST(reconfigure_without_transition),
		TEST(counters),
		TEST(split_brain_heals_within_a_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
