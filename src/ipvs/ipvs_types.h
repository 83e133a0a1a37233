/*
 * ipvs_types.h - IPVS objects as the kernel sees them, as plain values.
 *
 * These mirror what IPVS holds, not what the config says: the glue in
 * core converts cfg_vs / cfg_rs into them, ipvs_msg.c turns them into
 * netlink attributes and back, ipvs_diff.c compares two tables of them.
 * Integers are in host byte order; addresses are in network order, as
 * in struct in_addr / in6_addr. Nothing here allocates.
 */
#ifndef DIRECTOR_IPVS_TYPES_H
#define DIRECTOR_IPVS_TYPES_H

#include <stdint.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/ip_vs.h>

/* Service flags a user may set; the kernel adds IP_VS_SVC_F_HASHED. */
#define IPVS_SVC_F_SETTABLE	(IP_VS_SVC_F_PERSISTENT | \
				 IP_VS_SVC_F_ONEPACKET | \
				 IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2 | \
				 IP_VS_SVC_F_SCHED3)

union ipvs_addr {
	struct in_addr		v4;
	struct in6_addr		v6;
};

/* From the STATS64 nest, or widened from the older 32-bit STATS nest. */
struct ipvs_stats {
	uint64_t		conns;
	uint64_t		inpkts;
	uint64_t		outpkts;
	uint64_t		inbytes;
	uint64_t		outbytes;
	uint64_t		cps;
	uint64_t		inpps;
	uint64_t		outpps;
	uint64_t		inbps;
	uint64_t		outbps;
};

/*
 * A virtual service. Identity: af + fwmark when fwmark != 0, otherwise
 * af + protocol + addr + port (protocol, addr and port are then unused).
 */
struct ipvs_service {
	uint16_t		af;		/* AF_INET or AF_INET6 */
	uint16_t		protocol;	/* IPPROTO_TCP, _UDP, _SCTP */
	union ipvs_addr		addr;
	uint16_t		port;
	uint32_t		fwmark;
	char			sched[IP_VS_SCHEDNAME_MAXLEN];
	uint32_t		flags;		/* IPVS_SVC_F_SETTABLE bits */
	uint32_t		timeout;	/* persistence, seconds */
	/*
	 * Persistence granularity. AF_INET: a mask, host order
	 * (0xffffff00 is /24). AF_INET6: a prefix length, 1..128; the
	 * kernel refuses 0 even for a service without persistence.
	 */
	uint32_t		netmask;
	struct ipvs_stats	stats;		/* read only */
};

/*
 * A destination (real server). Identity within a service: af + addr +
 * port. af differs from the service's only for tunnels. fwd is
 * IP_VS_CONN_F_MASQ, _DROUTE or _TUNNEL.
 */
struct ipvs_dest {
	uint16_t		af;
	union ipvs_addr		addr;
	uint16_t		port;
	uint32_t		fwd;
	int32_t			weight;
	uint32_t		u_threshold;	/* 0: none */
	uint32_t		l_threshold;
	/* IP_VS_CONN_F_TUNNEL only: */
	uint8_t			tun_type;	/* IP_VS_CONN_F_TUNNEL_TYPE_* */
	uint16_t		tun_port;	/* GUE only */
	uint16_t		tun_flags;	/* IP_VS_TUNNEL_ENCAP_FLAG_* */
	/* read only: */
	uint32_t		active_conns;
	uint32_t		inact_conns;
	uint32_t		persist_conns;
	struct ipvs_stats	stats;
};

/* One connection-sync daemon; a host may run a master and a backup. */
struct ipvs_daemon {
	uint32_t		state;		/* IP_VS_STATE_MASTER... */
	char			ifname[IP_VS_IFNAME_MAXLEN];
	uint32_t		syncid;
};

/* Connection timeouts in seconds; 0 in a request means "leave as is". */
struct ipvs_timeouts {
	uint32_t		tcp;
	uint32_t		tcp_fin;
	uint32_t		udp;
};

/* Byte length of an address of family af. */
static inline size_t
ipvs_addr_len(uint16_t af)
{
	return af == AF_INET6 ? sizeof(struct in6_addr) :
	    sizeof(struct in_addr);
}

/* Orders addresses of one family: <0, 0, >0. */
static inline int
ipvs_addr_cmp(uint16_t af, const union ipvs_addr *a,
    const union ipvs_addr *b)
{
	return memcmp(a, b, ipvs_addr_len(af));
}

/*
 * Orders services by identity: af, then fwmark (address services, with
 * fwmark 0, first), then protocol, address and port. <0, 0, >0.
 */
static inline int
ipvs_service_key_cmp(const struct ipvs_service *a,
    const struct ipvs_service *b)
{
	int	c;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if (a->fwmark != b->fwmark)
		return a->fwmark < b->fwmark ? -1 : 1;
	if (a->fwmark != 0)
		return 0;
	if (a->protocol != b->protocol)
		return a->protocol < b->protocol ? -1 : 1;
	if ((c = ipvs_addr_cmp(a->af, &a->addr, &b->addr)) != 0)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

/* Orders destinations of one service by af, address, port. */
static inline int
ipvs_dest_key_cmp(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	int	c;

	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	if ((c = ipvs_addr_cmp(a->af, &a->addr, &b->addr)) != 0)
		return c;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	return 0;
}

#endif
