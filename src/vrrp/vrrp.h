/*
 * vrrp.h - the VRRP engine: one state machine per configured instance,
 * the sockets they share, their virtual addresses and announcements.
 *
 * It depends on core only (config, log, clock). The daemon creates it
 * with the running config, hands it every new config on reload, and
 * learns of transitions through a hook (notify scripts, sync daemon).
 */
#ifndef DIRECTOR_VRRP_H
#define DIRECTOR_VRRP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cfg.h"
#include "vrrp_fsm.h"
#include "vrrp_pkt.h"

struct event_base;
struct vrrp;

/* Why received packets were dropped; counted per instance. */
enum vrrp_drop {
	VRRP_DROP_TTL,
	VRRP_DROP_PACKET,	/* see the packet error counters */
	VRRP_DROP_INTERVAL,	/* v2: not our advert interval */
	VRRP_DROP_AUTH,
	VRRP_DROP_SELF,
	VRRP_DROP_N
};

struct vrrp_inst_info {
	const struct cfg_vrrp	*conf;
	const char		*vmac;		/* its macvlan, or NULL */
	enum vrrp_state		 state;
	uint8_t			 priority;	/* effective */
	uint16_t		 master_adver_cs;
	char			 master[64];	/* last master heard, or "" */
	uint64_t		 master_down_in_us;	/* 0: not armed */
	struct vrrp_fsm_stats	 fsm;
	uint64_t		 drops[VRRP_DROP_N];
	uint64_t		 pkt_errors[VRRP_PKT_NERR];
	const char		*last_reason;
	/* In FAULT: why ("interface eth1 missing"), else NULL. */
	const char		*fault_reason;
};

typedef void (*vrrp_hook_fn)(void *arg, const struct cfg_vrrp *,
    enum vrrp_state old, enum vrrp_state new, enum vrrp_reason why,
    uint8_t priority);

struct proc_runner;

/*
 * Starts every instance of c; tracked scripts run through runner as
 * uid/gid. NULL on a fatal error (logged).
 */
struct vrrp	*vrrp_new(struct event_base *, struct proc_runner *,
		    uid_t, gid_t, const struct cfg *, vrrp_hook_fn hook,
		    void *arg);
/*
 * A new config (after a successful reload): instances whose identity
 * (interface, VRID, family, peers, use_vmac and vmac_interface) is
 * unchanged keep their state; the others stop, then new ones start.
 */
void		 vrrp_reconfigure(struct vrrp *, const struct cfg *);
/*
 * Orderly stop: masters send priority 0 and release their addresses;
 * the macvlans made for use_vmac are removed.
 */
void		 vrrp_shutdown(struct vrrp *);
void		 vrrp_free(struct vrrp *);
size_t		 vrrp_count(const struct vrrp *);
/* Whether any instance is MASTER now. */
bool		 vrrp_any_master(const struct vrrp *);
/* Fills info for instance i (0 <= i < vrrp_count()). */
void		 vrrp_info(const struct vrrp *, size_t i,
		    struct vrrp_inst_info *info);
uint64_t	 vrrp_unknown_vrid(const struct vrrp *);
const char	*vrrp_drop_name(enum vrrp_drop);

#endif
