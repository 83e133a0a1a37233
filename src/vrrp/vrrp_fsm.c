/*
 * vrrp_fsm.c - the VRRP state machine, see vrrp_fsm.h.
 *
 * vrrp_fsm_step() is the whole machine: one switch on state, then on
 * event, following RFC 5798 section 6.4 (and RFC 3768 6.4 for v2,
 * which differs only in having no Master_Adver_Interval of its own and
 * a skew in seconds). vrrp_fsm_change_state() is the one place the
 * state changes. Where this machine goes beyond the RFC it says so:
 * the answer to a lower master, preempt_delay, FAULT, the priority 0
 * sent when a master enters FAULT, and in-place priority changes.
 *
 * Order of the callbacks in a transition follows the RFC's steps, the
 * transition itself last: to MASTER, send_advert, become_master,
 * state_change; out of MASTER, send_advert(0) unless to BACKUP,
 * leave_master, state_change.
 */
#include <errno.h>
#include <string.h>

#include "vrrp_fsm.h"

#define VRRP_US_PER_CS		10000ULL
#define VRRP_PRIORITY_MAX	254	/* for all but the owner */

enum vrrp_fsm_event {
	VRRP_EV_STARTUP,
	VRRP_EV_SHUTDOWN,
	VRRP_EV_ADVERT,
	VRRP_EV_ADVER_TIMER,
	VRRP_EV_MASTER_DOWN,
	VRRP_EV_FAULT,
	VRRP_EV_FAULT_CLEARED,
};

struct vrrp_fsm_advert {
	uint8_t		 priority;
	uint16_t	 interval_cs;
	const uint8_t	*addr;
	size_t		 addrlen;
};

static const char *const vrrp_state_names[] = {
	[VRRP_STATE_INIT] = "INIT",
	[VRRP_STATE_BACKUP] = "BACKUP",
	[VRRP_STATE_MASTER] = "MASTER",
	[VRRP_STATE_FAULT] = "FAULT",
};

static const char *const vrrp_reason_names[] = {
	[VRRP_REASON_STARTUP] = "startup",
	[VRRP_REASON_ADDRESS_OWNER] = "address owner",
	[VRRP_REASON_MASTER_DOWN] = "master down timer",
	[VRRP_REASON_PRIORITY_ZERO] = "master sent priority 0",
	[VRRP_REASON_PREEMPT] = "preempting a lower priority master",
	[VRRP_REASON_HIGHER_PRIORITY] = "higher priority advert",
	[VRRP_REASON_HIGHER_ADDRESS] = "equal priority, higher address",
	[VRRP_REASON_FAULT] = "fault",
	[VRRP_REASON_FAULT_CLEARED] = "fault cleared",
	[VRRP_REASON_SHUTDOWN] = "shutdown",
	[VRRP_REASON_SYNC_GROUP] = "sync group",
};

const char *
vrrp_state_name(enum vrrp_state s)
{
	if ((size_t)s >= sizeof(vrrp_state_names) / sizeof(*vrrp_state_names))
		return "unknown";
	return vrrp_state_names[s];
}

const char *
vrrp_reason_name(enum vrrp_reason r)
{
	if ((size_t)r >= sizeof(vrrp_reason_names) /
	    sizeof(*vrrp_reason_names))
		return "unknown";
	return vrrp_reason_names[r];
}

uint32_t
vrrp_skew_us(uint8_t version, uint8_t priority, uint16_t master_adver_cs)
{
	if (version == 2)
		return (uint32_t)((256u - priority) * 1000000ULL / 256);
	/* Integer centiseconds, the unit RFC 5798 6.1 defines it in. */
	return (uint32_t)((256u - priority) * master_adver_cs / 256 *
	    VRRP_US_PER_CS);
}

uint32_t
vrrp_master_down_us(uint8_t version, uint8_t priority,
    uint16_t master_adver_cs)
{
	return (uint32_t)(3 * master_adver_cs * VRRP_US_PER_CS) +
	    vrrp_skew_us(version, priority, master_adver_cs);
}

static bool
vrrp_fsm_conf_ok(const struct vrrp_fsm_conf *c)
{
	if (c->priority == 0)
		return false;
	if (c->version == 3)
		return c->advert_cs >= 1 && c->advert_cs <= 4095;
	/* v2 carries whole seconds in 8 bits. */
	if (c->version == 2)
		return c->advert_cs >= 100 && c->advert_cs <= 25500 &&
		    c->advert_cs % 100 == 0;
	return false;
}

static bool
vrrp_fsm_is_owner(const struct vrrp_fsm *fsm)
{
	return fsm->conf.priority == VRRP_PRIORITY_OWNER;
}

/*
 * Tracking may not turn a router into an owner (255 is reserved for
 * it, RFC 5798 5.2.4) nor into one leaving (0); nor does it move the
 * owner, who answers for the addresses whatever else fails.
 */
static uint8_t
vrrp_fsm_effective(const struct vrrp_fsm *fsm)
{
	long p;

	if (vrrp_fsm_is_owner(fsm))
		return VRRP_PRIORITY_OWNER;
	p = (long)fsm->conf.priority + fsm->priority_offset;
	if (p < 1)
		return 1;
	if (p > VRRP_PRIORITY_MAX)
		return VRRP_PRIORITY_MAX;
	return (uint8_t)p;
}

static void
vrrp_fsm_change_state(struct vrrp_fsm *fsm, enum vrrp_state new,
    enum vrrp_reason why)
{
	enum vrrp_state old = fsm->state;

	fsm->state = new;
	fsm->st.transitions++;
	fsm->ops->state_change(fsm->ctx, old, new, why);
}

static void
vrrp_fsm_send(struct vrrp_fsm *fsm, uint8_t priority)
{
	fsm->st.adverts_sent++;
	if (priority == VRRP_PRIORITY_STOP)
		fsm->st.priority_zero_sent++;
	fsm->ops->send_advert(fsm->ctx, priority, fsm->conf.advert_cs);
}

/*
 * "Send an ADVERTISEMENT; (Re)set the Adver_Timer". When the timer
 * itself fired (a little late, as timers do), the next deadline keeps
 * the cadence instead of adding the lateness to every interval.
 */
static void
vrrp_fsm_advertise(struct vrrp_fsm *fsm, uint64_t now)
{
	uint64_t iv = fsm->conf.advert_cs * VRRP_US_PER_CS;

	vrrp_fsm_send(fsm, fsm->priority);
	if (fsm->adver_deadline != 0 && now >= fsm->adver_deadline &&
	    now - fsm->adver_deadline < iv)
		fsm->adver_deadline += iv;
	else
		fsm->adver_deadline = now + iv;
}

/*
 * The deadline is kept as start + length so that a priority or
 * interval change recomputes it from the same start.
 */
static void
vrrp_fsm_arm_master_down(struct vrrp_fsm *fsm)
{
	uint32_t us;

	if (fsm->master_down_why == VRRP_REASON_PRIORITY_ZERO)
		us = vrrp_skew_us(fsm->conf.version, fsm->priority,
		    fsm->master_adver_cs);
	else
		us = vrrp_master_down_us(fsm->conf.version, fsm->priority,
		    fsm->master_adver_cs);
	fsm->master_down_deadline = fsm->master_down_start + us;
}

/* why: the reason the BACKUP -> MASTER will give if the timer fires. */
static void
vrrp_fsm_start_master_down(struct vrrp_fsm *fsm, uint64_t now,
    enum vrrp_reason why)
{
	fsm->master_down_start = now;
	fsm->master_down_why = why;
	vrrp_fsm_arm_master_down(fsm);
}

/*
 * Following a master (RFC 5798 6.4.2, 6.4.3): adopt its interval (v3;
 * v2 has only ours, the packet layer drops others) and restart the
 * Master_Down_Timer.
 */
static void
vrrp_fsm_follow(struct vrrp_fsm *fsm, uint64_t now,
    const struct vrrp_fsm_advert *adv)
{
	if (fsm->conf.version == 3)
		fsm->master_adver_cs = adv->interval_cs;
	vrrp_fsm_start_master_down(fsm, now, VRRP_REASON_MASTER_DOWN);
}

/*
 * RFC 5798 6.4.2: a backup follows a master of higher or equal priority,
 * and any master without Preempt_Mode. With preempt_delay it follows a
 * lower one too until the delay has passed since the first advert of
 * that lower master (since startup at the earliest: the delay restarts
 * whenever a master not lower is heard, and on entering BACKUP).
 */
static bool
vrrp_fsm_backup_follows(struct vrrp_fsm *fsm, uint64_t now,
    uint8_t priority)
{
	if (!fsm->conf.preempt)
		return true;
	if (priority >= fsm->priority) {
		fsm->preempt_deadline = 0;
		return true;
	}
	if (fsm->conf.preempt_delay_ms == 0)
		return false;
	if (fsm->preempt_deadline == 0)
		fsm->preempt_deadline = now +
		    fsm->conf.preempt_delay_ms * 1000ULL;
	return now < fsm->preempt_deadline;
}

/*
 * RFC 5798 6.4.3, from the sender's side: > 0 if it wins (higher
 * priority, or equal and a greater primary address as unsigned bytes in
 * network order), < 0 if we do, 0 if it is us (a looped-back advert).
 */
static int
vrrp_fsm_cmp(const struct vrrp_fsm *fsm, const struct vrrp_fsm_advert *adv)
{
	size_t	n = adv->addrlen < fsm->addrlen ? adv->addrlen :
		    fsm->addrlen;
	int	c;

	if (adv->priority != fsm->priority)
		return adv->priority > fsm->priority ? 1 : -1;
	if (n > 0 && (c = memcmp(adv->addr, fsm->addr, n)) != 0)
		return c;
	return (adv->addrlen > fsm->addrlen) - (adv->addrlen < fsm->addrlen);
}

/*
 * Beyond RFC 5798, which discards: a master that hears a lower one
 * answers at once, so that after a split brain heals the other side
 * yields within a round trip, not an Adver_Timer later. At most once an
 * interval, so that a peer that cannot hear us (one-way loss) does not
 * make us send at its rate.
 */
static void
vrrp_fsm_answer(struct vrrp_fsm *fsm, uint64_t now)
{
	if (now < fsm->answer_after)
		return;
	fsm->answer_after = now + fsm->conf.advert_cs * VRRP_US_PER_CS;
	fsm->st.answers_sent++;
	vrrp_fsm_advertise(fsm, now);
}

/* RFC 5798 6.4.1 (else branch); also leaving FAULT. */
static void
vrrp_fsm_enter_backup(struct vrrp_fsm *fsm, uint64_t now,
    enum vrrp_reason why)
{
	fsm->master_adver_cs = fsm->conf.advert_cs;
	fsm->preempt_deadline = 0;
	vrrp_fsm_start_master_down(fsm, now, VRRP_REASON_MASTER_DOWN);
	vrrp_fsm_change_state(fsm, VRRP_STATE_BACKUP, why);
}

/* RFC 5798 6.4.1 (owner) and 6.4.2 (Master_Down_Timer fires). */
static void
vrrp_fsm_enter_master(struct vrrp_fsm *fsm, uint64_t now,
    enum vrrp_reason why)
{
	fsm->master_down_deadline = 0;
	fsm->preempt_deadline = 0;
	fsm->master_adver_cs = fsm->conf.advert_cs;
	fsm->answer_after = 0;
	vrrp_fsm_advertise(fsm, now);
	fsm->ops->become_master(fsm->ctx);
	fsm->st.became_master++;
	vrrp_fsm_change_state(fsm, VRRP_STATE_MASTER, why);
}

/*
 * To BACKUP the caller has started the Master_Down_Timer. To INIT
 * (RFC 5798 6.4.3 Shutdown) and, as keepalived does, to FAULT, a last
 * advert with priority 0 lets a backup take over after Skew_Time
 * rather than Master_Down_Interval; it goes out before the addresses
 * are removed to keep the gap short.
 */
static void
vrrp_fsm_leave_master(struct vrrp_fsm *fsm, enum vrrp_state new,
    enum vrrp_reason why)
{
	fsm->adver_deadline = 0;
	if (new != VRRP_STATE_BACKUP)
		vrrp_fsm_send(fsm, VRRP_PRIORITY_STOP);
	fsm->ops->leave_master(fsm->ctx);
	vrrp_fsm_change_state(fsm, new, why);
}

/* Out of BACKUP or FAULT to INIT or FAULT: timers off, nothing sent. */
static void
vrrp_fsm_stop(struct vrrp_fsm *fsm, enum vrrp_state new,
    enum vrrp_reason why)
{
	fsm->master_down_deadline = 0;
	fsm->preempt_deadline = 0;
	vrrp_fsm_change_state(fsm, new, why);
}

static void
vrrp_fsm_step(struct vrrp_fsm *fsm, uint64_t now, enum vrrp_fsm_event ev,
    const struct vrrp_fsm_advert *adv)
{
	int cmp;

	switch (fsm->state) {
	case VRRP_STATE_INIT:
		if (ev != VRRP_EV_STARTUP)
			break;
		if (fsm->fault)
			vrrp_fsm_stop(fsm, VRRP_STATE_FAULT, VRRP_REASON_FAULT);
		else if (vrrp_fsm_is_owner(fsm))
			vrrp_fsm_enter_master(fsm, now,
			    VRRP_REASON_ADDRESS_OWNER);
		else
			vrrp_fsm_enter_backup(fsm, now, VRRP_REASON_STARTUP);
		break;
	case VRRP_STATE_BACKUP:
		if (ev == VRRP_EV_SHUTDOWN)
			vrrp_fsm_stop(fsm, VRRP_STATE_INIT,
			    VRRP_REASON_SHUTDOWN);
		else if (ev == VRRP_EV_FAULT)
			vrrp_fsm_stop(fsm, VRRP_STATE_FAULT, VRRP_REASON_FAULT);
		else if (ev == VRRP_EV_MASTER_DOWN)
			vrrp_fsm_enter_master(fsm, now, fsm->master_down_why);
		else if (ev != VRRP_EV_ADVERT)
			break;
		else if (adv->priority == VRRP_PRIORITY_STOP)
			vrrp_fsm_start_master_down(fsm, now,
			    VRRP_REASON_PRIORITY_ZERO);
		else if (vrrp_fsm_backup_follows(fsm, now, adv->priority))
			vrrp_fsm_follow(fsm, now, adv);
		else if (fsm->master_down_why == VRRP_REASON_MASTER_DOWN)
			/* Discarded: the timer now runs out on purpose. */
			fsm->master_down_why = VRRP_REASON_PREEMPT;
		break;
	case VRRP_STATE_MASTER:
		if (ev == VRRP_EV_SHUTDOWN)
			vrrp_fsm_leave_master(fsm, VRRP_STATE_INIT,
			    VRRP_REASON_SHUTDOWN);
		else if (ev == VRRP_EV_FAULT)
			vrrp_fsm_leave_master(fsm, VRRP_STATE_FAULT,
			    VRRP_REASON_FAULT);
		else if (ev == VRRP_EV_ADVER_TIMER)
			vrrp_fsm_advertise(fsm, now);
		else if (ev != VRRP_EV_ADVERT)
			break;
		else if (adv->priority == VRRP_PRIORITY_STOP)
			vrrp_fsm_advertise(fsm, now);
		else if ((cmp = vrrp_fsm_cmp(fsm, adv)) > 0) {
			vrrp_fsm_follow(fsm, now, adv);
			vrrp_fsm_leave_master(fsm, VRRP_STATE_BACKUP,
			    adv->priority > fsm->priority ?
			    VRRP_REASON_HIGHER_PRIORITY :
			    VRRP_REASON_HIGHER_ADDRESS);
		} else if (cmp < 0)
			vrrp_fsm_answer(fsm, now);
		break;
	case VRRP_STATE_FAULT:
		if (ev == VRRP_EV_SHUTDOWN)
			vrrp_fsm_stop(fsm, VRRP_STATE_INIT,
			    VRRP_REASON_SHUTDOWN);
		else if (ev != VRRP_EV_FAULT_CLEARED)
			break;
		else if (vrrp_fsm_is_owner(fsm))
			vrrp_fsm_enter_master(fsm, now,
			    VRRP_REASON_FAULT_CLEARED);
		else
			vrrp_fsm_enter_backup(fsm, now,
			    VRRP_REASON_FAULT_CLEARED);
		break;
	}
}

/*
 * The priority or interval changed in place. A master says so at once:
 * a preempting backup whose timer runs must see a risen priority before
 * it takes over for nothing, and v3 backups must learn a longer interval
 * before the old one runs out on them. A backup's Master_Down_Timer
 * keeps its start and gets the new Skew_Time (and v2 interval).
 */
static void
vrrp_fsm_settings_changed(struct vrrp_fsm *fsm, uint64_t now, bool changed)
{
	switch (fsm->state) {
	case VRRP_STATE_MASTER:
		fsm->master_adver_cs = fsm->conf.advert_cs;
		if (changed)
			vrrp_fsm_advertise(fsm, now);
		break;
	case VRRP_STATE_BACKUP:
		if (fsm->conf.version == 2)
			fsm->master_adver_cs = fsm->conf.advert_cs;
		vrrp_fsm_arm_master_down(fsm);
		break;
	default:
		break;
	}
}

int
vrrp_fsm_set_address(struct vrrp_fsm *fsm, const uint8_t *addr,
    size_t addrlen)
{
	if (addr == NULL || (addrlen != 4 && addrlen != 16)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(fsm->addr, addr, addrlen);
	fsm->addrlen = addrlen;
	return 0;
}

int
vrrp_fsm_init(struct vrrp_fsm *fsm, const struct vrrp_fsm_conf *conf,
    const uint8_t *addr, size_t addrlen, const struct vrrp_fsm_ops *ops,
    void *ctx)
{
	memset(fsm, 0, sizeof(*fsm));
	if (!vrrp_fsm_conf_ok(conf) ||
	    vrrp_fsm_set_address(fsm, addr, addrlen) == -1) {
		errno = EINVAL;
		return -1;
	}
	fsm->conf = *conf;
	fsm->ops = ops;
	fsm->ctx = ctx;
	fsm->state = VRRP_STATE_INIT;
	fsm->priority = vrrp_fsm_effective(fsm);
	fsm->master_adver_cs = conf->advert_cs;
	fsm->master_down_why = VRRP_REASON_MASTER_DOWN;
	return 0;
}

void
vrrp_fsm_follow_group(struct vrrp_fsm *fsm, uint64_t now, enum vrrp_state to)
{
	if (to == VRRP_STATE_MASTER && fsm->state == VRRP_STATE_BACKUP)
		vrrp_fsm_enter_master(fsm, now, VRRP_REASON_SYNC_GROUP);
	else if (to == VRRP_STATE_BACKUP && fsm->state == VRRP_STATE_MASTER) {
		vrrp_fsm_start_master_down(fsm, now, VRRP_REASON_MASTER_DOWN);
		vrrp_fsm_leave_master(fsm, VRRP_STATE_BACKUP,
		    VRRP_REASON_SYNC_GROUP);
	}
}

void
vrrp_fsm_startup(struct vrrp_fsm *fsm, uint64_t now)
{
	vrrp_fsm_step(fsm, now, VRRP_EV_STARTUP, NULL);
}

void
vrrp_fsm_shutdown(struct vrrp_fsm *fsm, uint64_t now)
{
	vrrp_fsm_step(fsm, now, VRRP_EV_SHUTDOWN, NULL);
}

void
vrrp_fsm_advert(struct vrrp_fsm *fsm, uint64_t now, uint8_t priority,
    uint16_t interval_cs, const uint8_t *src, size_t srclen)
{
	struct vrrp_fsm_advert adv = { priority, interval_cs, src, srclen };

	fsm->st.adverts_received++;
	if (priority == VRRP_PRIORITY_STOP)
		fsm->st.priority_zero_received++;
	/* Would make Master_Down_Interval 0; the packet layer drops it. */
	if (fsm->conf.version == 3 && interval_cs == 0)
		return;
	if (src == NULL)
		adv.addrlen = 0;
	vrrp_fsm_step(fsm, now, VRRP_EV_ADVERT, &adv);
}

void
vrrp_fsm_timers(struct vrrp_fsm *fsm, uint64_t now)
{
	if (fsm->adver_deadline != 0 && now >= fsm->adver_deadline)
		vrrp_fsm_step(fsm, now, VRRP_EV_ADVER_TIMER, NULL);
	if (fsm->master_down_deadline != 0 &&
	    now >= fsm->master_down_deadline)
		vrrp_fsm_step(fsm, now, VRRP_EV_MASTER_DOWN, NULL);
}

uint64_t
vrrp_fsm_next_deadline(const struct vrrp_fsm *fsm)
{
	uint64_t a = fsm->adver_deadline, d = fsm->master_down_deadline;

	if (a == 0 || (d != 0 && d < a))
		return d;
	return a;
}

void
vrrp_fsm_fault(struct vrrp_fsm *fsm, uint64_t now, bool fault)
{
	if (fault == fsm->fault)
		return;
	fsm->fault = fault;
	vrrp_fsm_step(fsm, now, fault ? VRRP_EV_FAULT : VRRP_EV_FAULT_CLEARED,
	    NULL);
}

void
vrrp_fsm_set_priority_offset(struct vrrp_fsm *fsm, uint64_t now, int offset)
{
	uint8_t old = fsm->priority;

	fsm->priority_offset = offset;
	fsm->priority = vrrp_fsm_effective(fsm);
	vrrp_fsm_settings_changed(fsm, now, fsm->priority != old);
}

int
vrrp_fsm_reconfigure(struct vrrp_fsm *fsm, uint64_t now,
    const struct vrrp_fsm_conf *conf)
{
	struct vrrp_fsm_conf	old = fsm->conf;
	uint8_t			oldprio = fsm->priority;

	if (!vrrp_fsm_conf_ok(conf)) {
		errno = EINVAL;
		return -1;
	}
	fsm->conf = *conf;
	fsm->priority = vrrp_fsm_effective(fsm);
	/* An armed delay is counted from the same first sighting. */
	if (!conf->preempt || conf->preempt_delay_ms == 0)
		fsm->preempt_deadline = 0;
	else if (fsm->preempt_deadline != 0)
		fsm->preempt_deadline = fsm->preempt_deadline -
		    old.preempt_delay_ms * 1000ULL +
		    conf->preempt_delay_ms * 1000ULL;
	vrrp_fsm_settings_changed(fsm, now, fsm->priority != oldprio ||
	    conf->advert_cs != old.advert_cs || conf->version != old.version);
	return 0;
}
