/*
 * vrrp_fsm.h - the VRRP state machine of RFC 5798 section 6.4 (VRRPv3)
 * and RFC 3768 section 6.4 (VRRPv2), as pure logic.
 *
 * It owns no socket, event or log: the I/O layer hands it the time (a
 * monotonic clock in microseconds, never 0) and the events (start,
 * stop, a valid advertisement for this VRID, fault, priority change,
 * reload), and it acts through the callbacks of struct vrrp_fsm_ops.
 * Its timers are plain deadlines: the I/O layer arms one timer at
 * vrrp_fsm_next_deadline(), calls vrrp_fsm_timers() when it fires, and
 * re-arms it after every call, as any call may move the deadline.
 *
 * Callbacks must not call back into the same vrrp_fsm: an I/O error
 * seen in send_advert() is reported later (a fault event from the
 * loop), not from inside the callback.
 */
#ifndef DIRECTOR_VRRP_FSM_H
#define DIRECTOR_VRRP_FSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VRRP_PRIORITY_OWNER	255	/* owns the virtual addresses */
#define VRRP_PRIORITY_STOP	0	/* master leaving, RFC 5798 5.2.4 */
#define VRRP_ADDR_MAX		16

enum vrrp_state {
	VRRP_STATE_INIT,
	VRRP_STATE_BACKUP,
	VRRP_STATE_MASTER,
	VRRP_STATE_FAULT,
};

/* Why a transition happened, for logs, notify scripts and counters. */
enum vrrp_reason {
	VRRP_REASON_STARTUP,		/* INIT -> BACKUP */
	VRRP_REASON_ADDRESS_OWNER,	/* INIT -> MASTER: priority 255 */
	VRRP_REASON_MASTER_DOWN,	/* BACKUP -> MASTER: master silent */
	VRRP_REASON_PRIORITY_ZERO,	/* BACKUP -> MASTER: master left */
	VRRP_REASON_PREEMPT,		/* BACKUP -> MASTER: lower master */
	VRRP_REASON_HIGHER_PRIORITY,	/* MASTER -> BACKUP */
	VRRP_REASON_HIGHER_ADDRESS,	/* MASTER -> BACKUP: tie broken */
	VRRP_REASON_FAULT,		/* any -> FAULT */
	VRRP_REASON_FAULT_CLEARED,	/* FAULT -> BACKUP (owner: MASTER) */
	VRRP_REASON_SHUTDOWN,		/* any -> INIT */
	VRRP_REASON_SYNC_GROUP,		/* a group member moved first */
};

struct vrrp_fsm_conf {
	uint8_t		version;	/* 2 or 3 */
	uint8_t		priority;	/* 1..254; 255: address owner */
	uint16_t	advert_cs;	/* v3 1..4095, v2 100..25500 by 100 */
	bool		preempt;
	uint32_t	preempt_delay_ms;	/* 0: none; needs preempt */
};

/*
 * What the state machine asks of the I/O layer. All are required.
 * send_advert(): send one advertisement with this priority (0 when
 * leaving) and interval (the packet's Max Adver Int; v2 sends it as
 * seconds). become_master(): install the virtual addresses and announce
 * them (gratuitous ARP, unsolicited NA). leave_master(): remove them.
 * state_change(): called exactly once per transition, after the
 * actions of the transition, with fsm->state already set to new.
 */
struct vrrp_fsm_ops {
	void	(*send_advert)(void *ctx, uint8_t priority,
		    uint16_t interval_cs);
	void	(*become_master)(void *ctx);
	void	(*leave_master)(void *ctx);
	void	(*state_change)(void *ctx, enum vrrp_state old,
		    enum vrrp_state new, enum vrrp_reason why);
};

struct vrrp_fsm_stats {
	uint64_t	adverts_sent;		/* all, priority 0 too */
	uint64_t	adverts_received;	/* all handed in, any state */
	uint64_t	answers_sent;		/* to a lower master */
	uint64_t	transitions;
	uint64_t	became_master;
	uint64_t	priority_zero_sent;
	uint64_t	priority_zero_received;
};

/*
 * Runtime state; read it freely, change it only through the calls.
 * addr is the local primary address. Deadlines are in microseconds,
 * 0 when not armed: adver_deadline in MASTER, master_down_deadline
 * (master_down_start + Master_Down_Interval, or + Skew_Time after a
 * priority 0) in BACKUP. preempt_deadline (BACKUP) is no timer: only
 * the moment from which adverts of a lower master are discarded.
 * answer_after rate-limits the answers to a lower master.
 */
struct vrrp_fsm {
	struct vrrp_fsm_conf		 conf;
	const struct vrrp_fsm_ops	*ops;
	void				*ctx;
	uint8_t				 addr[VRRP_ADDR_MAX];
	size_t				 addrlen;
	enum vrrp_state			 state;
	bool				 fault;	/* reported */
	int				 priority_offset;
	uint8_t				 priority;	/* effective */
	uint16_t			 master_adver_cs;
	uint64_t			 adver_deadline;
	uint64_t			 master_down_deadline;
	uint64_t			 master_down_start;
	enum vrrp_reason		 master_down_why;
	uint64_t			 preempt_deadline;
	uint64_t			 answer_after;
	struct vrrp_fsm_stats		 st;
};

/* "INIT", "BACKUP", "MASTER", "FAULT". */
const char	*vrrp_state_name(enum vrrp_state);
/* "master down timer", "higher priority advert"... */
const char	*vrrp_reason_name(enum vrrp_reason);

/*
 * Sets fsm up in INIT. addr is the local primary address (4 or 16
 * bytes, network order; for IPv6 the link-local one, RFC 5798 5.1.2.2)
 * that breaks priority ties. Returns 0, or -1 with errno EINVAL on a
 * conf or address out of the ranges above.
 */
int	vrrp_fsm_init(struct vrrp_fsm *, const struct vrrp_fsm_conf *,
	    const uint8_t *addr, size_t addrlen, const struct vrrp_fsm_ops *,
	    void *ctx);
/* The primary address changed. 0, or -1 with errno EINVAL. */
int	vrrp_fsm_set_address(struct vrrp_fsm *, const uint8_t *addr,
	    size_t addrlen);
/*
 * The Startup event (RFC 5798 6.4.1): an address owner becomes MASTER,
 * others BACKUP, or FAULT if a fault is already reported. Only in INIT.
 */
void	vrrp_fsm_startup(struct vrrp_fsm *, uint64_t now);
/* The Shutdown event: a MASTER sends priority 0 first. Back to INIT. */
void	vrrp_fsm_shutdown(struct vrrp_fsm *, uint64_t now);
/*
 * A valid advertisement for our VRID, already checked by the packet
 * and I/O layers (version, TTL, authentication, v2 interval equal to
 * ours); interval_cs is the packet's (v2: seconds * 100) and src the
 * sender's primary address, as addr above. Ignored in INIT and FAULT.
 */
void	vrrp_fsm_advert(struct vrrp_fsm *, uint64_t now, uint8_t priority,
	    uint16_t interval_cs, const uint8_t *src, size_t srclen);
/*
 * Sync groups: another member of this instance's group became MASTER
 * (to MASTER) or BACKUP (to BACKUP), and this one follows at once. Only
 * from BACKUP to MASTER or MASTER to BACKUP; otherwise nothing.
 */
void	vrrp_fsm_follow_group(struct vrrp_fsm *, uint64_t now,
	    enum vrrp_state to);
/* Fires whatever is due at now. */
void	vrrp_fsm_timers(struct vrrp_fsm *, uint64_t now);
/* The earliest armed deadline, or 0 if none. */
uint64_t vrrp_fsm_next_deadline(const struct vrrp_fsm *);
/*
 * A tracked interface or script that means FAULT went bad (fault true)
 * or good again. Reported in INIT, it takes effect at startup.
 */
void	vrrp_fsm_fault(struct vrrp_fsm *, uint64_t now, bool fault);
/*
 * The sum of the weights of the tracked objects that apply now. The
 * effective priority is conf.priority + offset within 1..254; an
 * address owner stays at 255 whatever the offset.
 */
void	vrrp_fsm_set_priority_offset(struct vrrp_fsm *, uint64_t now,
	    int offset);
/*
 * A reload: new settings in place, no transition; the priority offset
 * is kept. 0, or -1 with errno EINVAL and nothing changed.
 */
int	vrrp_fsm_reconfigure(struct vrrp_fsm *, uint64_t now,
	    const struct vrrp_fsm_conf *);

/*
 * Skew_Time and Master_Down_Interval in microseconds for a local
 * priority and Master_Adver_Interval (centiseconds). v3 (RFC 5798 6.1)
 * computes the skew in whole centiseconds; v2 (RFC 3768 6.1) in
 * seconds, (256 - priority) / 256, whatever the interval.
 */
uint32_t	vrrp_skew_us(uint8_t version, uint8_t priority,
		    uint16_t master_adver_cs);
uint32_t	vrrp_master_down_us(uint8_t version, uint8_t priority,
		    uint16_t master_adver_cs);

#endif
