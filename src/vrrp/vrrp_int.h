/*
 * vrrp_int.h - what the files of the VRRP engine share and nothing else
 * sees: the instance and the engine itself (vrrp.c), the sockets and
 * what arrives on them (vrrp_sock.c), and the virtual MAC policy of an
 * instance (vrrp_vmac_inst.c).
 */
#ifndef DIRECTOR_VRRP_INT_H
#define DIRECTOR_VRRP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include "vrrp.h"
#include "vrrp_net.h"
#include "vrrp_vmac.h"

#define VRRP_PRIORITY_EVENTS	0

struct vrrp_sock {
	LIST_ENTRY(vrrp_sock)	 entry;
	struct vrrp		*v;
	int			 af;
	struct vrrp_if		 ifp;
	int			 fd;
	struct event		*ev;
	int			 refs;
};

/*
 * An interface under virtual MACs (IPv4) must not answer ARP for the
 * VIPs its macvlans hold (arp_ignore, arp_filter), nor ask with a VIP
 * as sender when it talks for them (arp_announce): either would teach
 * its own MAC for a VIP. Raised while any macvlan uses it, put back as
 * found after the last.
 */
struct vrrp_arp_base {
	LIST_ENTRY(vrrp_arp_base) entry;
	int			 ifindex;
	char			 name[IF_NAMESIZE];
	int			 refs;
	struct vrrp_vmac_arp	 found;
};

struct vrrp_inst {
	struct vrrp		*v;
	const struct cfg_vrrp	*conf;
	struct vrrp_fsm		 fsm;
	/* On the macvlan with use_vmac: adverts, VIPs and announcements. */
	struct vrrp_sock	*sock;	/* NULL while it waits in FAULT */
	int			 ifindex;	/* conf->ifname's, when attached */
	char			 wait[96];	/* why it is not attached */
	char			 fault_reason[128];	/* "" unless in fault */
	int			 vmac_ifindex;	/* the macvlan we made, or 0 */
	struct vrrp_arp_base	*arp_base;
	union vrrp_addr		 src;		/* our address in adverts */
	struct event		*ev_timer;
	struct event		*ev_garp;
	unsigned		 garp_left;
	bool			 vips_up;
	bool			 own_down;	/* our interface's link */
	bool			 own_fault;	/* from our own tracking */
	bool			*track_down;	/* per conf->track_ifs */
	char			 master[64];
	const char		*last_reason;
	uint64_t		 drops[VRRP_DROP_N];
	uint64_t		 pkt_errors[VRRP_PKT_NERR];
	uint64_t		 drop_logged_us[VRRP_DROP_N];
};

struct vrrp {
	struct event_base	*base;
	struct vrrp_inst	**insts;
	size_t			 n;
	LIST_HEAD(, vrrp_sock)	 socks;
	LIST_HEAD(, vrrp_arp_base) arp_bases;
	struct vrrp_rtnl	*rtnl;
	struct vrrp_linkmon	*linkmon;
	struct vrrp_scripts	*scripts;
	struct proc_runner	*runner;
	uid_t			 uid;
	gid_t			 gid;
	vrrp_hook_fn		 hook;
	void			*hook_arg;
	uint64_t		 unknown_vrid;
	bool			 in_group;	/* propagating a group move */
	/* Aligned: the IPv4 header is read in place. */
	uint8_t			 buf[VRRP_MAX_LEN + 128] __attribute__((aligned(8)));
};

/* vrrp.c */
/* Arms the instance's timer at its state machine's next deadline. */
void			 vrrp_rearm(struct vrrp_inst *);
/* Installs and announces the instance's addresses (become_master). */
void			 vrrp_become_master_cb(void *ctx);

/* vrrp_sock.c */
/* The socket of c's family on ifname, shared and counted; NULL if none. */
struct vrrp_sock	*vrrp_sock_get(struct vrrp *, const struct cfg_vrrp *,
			    const char *ifname);
void			 vrrp_sock_put(struct vrrp_sock *);

/* vrrp_vmac_inst.c */
/*
 * Creates the instance's macvlan (use_vmac) on its interface, up, with
 * the ARP settings its interface needs. 0, or -1 (logged).
 */
int	vrrp_vmac_inst_start(struct vrrp_inst *);
/* Removes the macvlan if it is still the one we made. */
void	vrrp_vmac_inst_stop(struct vrrp_inst *);
/* Someone set the macvlan down or removed it: put it back. */
void	vrrp_vmac_inst_repair(struct vrrp_inst *);

#endif
