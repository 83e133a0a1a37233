/*
 * test_ipvs_msg.c - IPVS netlink messages: every builder's attributes
 * read back with plain libnl, byte by byte, then through our parsers;
 * kernel-shaped replies parsed; bad input refused.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <arpa/inet.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

#include "ipvs_msg.h"

#define FAKE_FAMILY	0x2a	/* any id: nothing here talks to a kernel */
#define BIT(n)		(1ULL << (n))
#define PUT(x)		assert_int_equal((x), 0)

static struct nl_msg *
msg_new(uint8_t cmd)
{
	struct nl_msg	*msg;

	assert_non_null(msg = nlmsg_alloc());
	assert_non_null(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ,
	    FAKE_FAMILY, 0, 0, cmd, IPVS_GENL_VERSION));
	return msg;
}

/* Asserts the attributes in [head, head+len) are exactly those in want. */
static void
assert_only(struct nlattr *head, int len, uint64_t want)
{
	struct nlattr	*pos;
	uint64_t	 seen = 0;
	int		 rem;

	nla_for_each_attr(pos, head, len, rem) {
		int	t = nla_type(pos);

		assert_true(t < 64);
		assert_true(want & BIT(t));
		assert_false(seen & BIT(t));
		seen |= BIT(t);
	}
	assert_int_equal(rem, 0);
	assert_int_equal(seen, want);
}

/* The generic header, then the top level: exactly the nests in want. */
static void
msg_top(struct nl_msg *msg, uint8_t cmd, struct nlattr **top, uint64_t want)
{
	struct nlmsghdr		*nlh = nlmsg_hdr(msg);
	struct genlmsghdr	*gh = genlmsg_hdr(nlh);

	assert_int_equal(nlh->nlmsg_type, FAKE_FAMILY);
	assert_int_equal(gh->cmd, cmd);
	assert_int_equal(gh->version, IPVS_GENL_VERSION);
	assert_int_equal(genlmsg_parse(nlh, 0, top, IPVS_CMD_ATTR_MAX, NULL),
	    0);
	assert_only(genlmsg_attrdata(gh, 0), genlmsg_attrlen(gh, 0), want);
}

/* An integer attribute of len bytes, host order. */
static void
assert_uint(struct nlattr *nla, int len, uint32_t v)
{
	assert_non_null(nla);
	assert_int_equal(nla_len(nla), len);
	assert_int_equal(len == 1 ? nla_get_u8(nla) : len == 2 ?
	    nla_get_u16(nla) : nla_get_u32(nla), v);
}

#define assert_u8(nla, v)	assert_uint((nla), 1, (v))
#define assert_u16(nla, v)	assert_uint((nla), 2, (v))
#define assert_u32(nla, v)	assert_uint((nla), 4, (v))

/* A port as the kernel reads it: two bytes, most significant first. */
static void
assert_be16(struct nlattr *nla, uint16_t host)
{
	const uint8_t	*p;

	assert_non_null(nla);
	assert_int_equal(nla_len(nla), 2);
	p = nla_data(nla);
	assert_int_equal(p[0], host >> 8);
	assert_int_equal(p[1], host & 0xff);
}

/* 16 bytes: the address, then zeroes. */
static void
assert_addr(struct nlattr *nla, uint16_t af, const union ipvs_addr *a)
{
	const uint8_t	*p;
	size_t		 alen = af == AF_INET6 ? 16 : 4, i;

	assert_non_null(nla);
	assert_int_equal(nla_len(nla), 16);
	p = nla_data(nla);
	assert_memory_equal(p, a, alen);
	for (i = alen; i < 16; i++)
		assert_int_equal(p[i], 0);
}

static void
check_svc_nest(struct nlattr *nest, const struct ipvs_service *svc,
    bool full)
{
	struct nlattr		*a[IPVS_SVC_ATTR_MAX + 1];
	struct ip_vs_flags	 fl;
	uint64_t		 want = BIT(IPVS_SVC_ATTR_AF);
	const uint8_t		*p;

	assert_non_null(nest);
	assert_int_equal(nla_parse_nested(a, IPVS_SVC_ATTR_MAX, nest, NULL),
	    0);
	if (svc->fwmark != 0)
		want |= BIT(IPVS_SVC_ATTR_FWMARK);
	else
		want |= BIT(IPVS_SVC_ATTR_PROTOCOL) | BIT(IPVS_SVC_ATTR_ADDR) |
		    BIT(IPVS_SVC_ATTR_PORT);
	if (full)
		want |= BIT(IPVS_SVC_ATTR_SCHED_NAME) |
		    BIT(IPVS_SVC_ATTR_FLAGS) | BIT(IPVS_SVC_ATTR_TIMEOUT) |
		    BIT(IPVS_SVC_ATTR_NETMASK);
	assert_only(nla_data(nest), nla_len(nest), want);

	assert_u16(a[IPVS_SVC_ATTR_AF], svc->af);
	if (svc->fwmark != 0)
		assert_u32(a[IPVS_SVC_ATTR_FWMARK], svc->fwmark);
	else {
		assert_u16(a[IPVS_SVC_ATTR_PROTOCOL], svc->protocol);
		assert_addr(a[IPVS_SVC_ATTR_ADDR], svc->af, &svc->addr);
		assert_be16(a[IPVS_SVC_ATTR_PORT], svc->port);
	}
	if (!full)
		return;
	assert_int_equal(nla_len(a[IPVS_SVC_ATTR_SCHED_NAME]),
	    strlen(svc->sched) + 1);
	assert_string_equal(nla_data(a[IPVS_SVC_ATTR_SCHED_NAME]), svc->sched);
	assert_int_equal(nla_len(a[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	memcpy(&fl, nla_data(a[IPVS_SVC_ATTR_FLAGS]), sizeof(fl));
	assert_int_equal(fl.flags, svc->flags & ~IP_VS_SVC_F_HASHED);
	assert_int_equal(fl.mask, 0xffffffffU);
	assert_u32(a[IPVS_SVC_ATTR_TIMEOUT], svc->timeout);
	assert_int_equal(nla_len(a[IPVS_SVC_ATTR_NETMASK]), 4);
	if (svc->af == AF_INET6)
		assert_u32(a[IPVS_SVC_ATTR_NETMASK], svc->netmask);
	else {
		/* __be32: the mask's bytes as in a struct in_addr */
		p = nla_data(a[IPVS_SVC_ATTR_NETMASK]);
		assert_int_equal(p[0], svc->netmask >> 24);
		assert_int_equal(p[1], (svc->netmask >> 16) & 0xff);
		assert_int_equal(p[2], (svc->netmask >> 8) & 0xff);
		assert_int_equal(p[3], svc->netmask & 0xff);
	}
}

static void
check_dest_nest(struct nlattr *nest, uint16_t svc_af,
    const struct ipvs_dest *d, bool full)
{
	struct nlattr	*a[IPVS_DEST_ATTR_MAX + 1];
	uint64_t	 want;
	bool		 tun = d->fwd == IP_VS_CONN_F_TUNNEL;

	assert_non_null(nest);
	assert_int_equal(nla_parse_nested(a, IPVS_DEST_ATTR_MAX, nest, NULL),
	    0);
	want = BIT(IPVS_DEST_ATTR_ADDR) | BIT(IPVS_DEST_ATTR_PORT);
	if (d->af != svc_af)
		want |= BIT(IPVS_DEST_ATTR_ADDR_FAMILY);
	if (full)
		want |= BIT(IPVS_DEST_ATTR_FWD_METHOD) |
		    BIT(IPVS_DEST_ATTR_WEIGHT) | BIT(IPVS_DEST_ATTR_U_THRESH) |
		    BIT(IPVS_DEST_ATTR_L_THRESH);
	if (full && tun)
		want |= BIT(IPVS_DEST_ATTR_TUN_TYPE) |
		    BIT(IPVS_DEST_ATTR_TUN_PORT) |
		    BIT(IPVS_DEST_ATTR_TUN_FLAGS);
	assert_only(nla_data(nest), nla_len(nest), want);

	assert_addr(a[IPVS_DEST_ATTR_ADDR], d->af, &d->addr);
	assert_be16(a[IPVS_DEST_ATTR_PORT], d->port);
	if (d->af != svc_af)
		assert_u16(a[IPVS_DEST_ATTR_ADDR_FAMILY], d->af);
	if (!full)
		return;
	assert_u32(a[IPVS_DEST_ATTR_FWD_METHOD], d->fwd);
	assert_u32(a[IPVS_DEST_ATTR_WEIGHT], (uint32_t)d->weight);
	assert_u32(a[IPVS_DEST_ATTR_U_THRESH], d->u_threshold);
	assert_u32(a[IPVS_DEST_ATTR_L_THRESH], d->l_threshold);
	if (!tun)
		return;
	assert_u8(a[IPVS_DEST_ATTR_TUN_TYPE], d->tun_type);
	assert_be16(a[IPVS_DEST_ATTR_TUN_PORT], d->tun_port);
	assert_u16(a[IPVS_DEST_ATTR_TUN_FLAGS], d->tun_flags);
}

static void
assert_stats_zero(const struct ipvs_stats *st)
{
	struct ipvs_stats	zero;

	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(st, &zero, sizeof(zero));
}

/* What parsing a service we built gives back: fwmark keys carry no more. */
static void
assert_svc_roundtrip(const struct ipvs_service *got,
    const struct ipvs_service *svc)
{
	assert_int_equal(ipvs_service_key_cmp(got, svc), 0);
	assert_int_equal(got->af, svc->af);
	assert_int_equal(got->fwmark, svc->fwmark);
	if (svc->fwmark == 0) {
		assert_int_equal(got->protocol, svc->protocol);
		assert_memory_equal(&got->addr, &svc->addr,
		    ipvs_addr_len(svc->af));
		assert_int_equal(got->port, svc->port);
	} else {
		assert_int_equal(got->protocol, 0);
		assert_int_equal(got->port, 0);
	}
	assert_string_equal(got->sched, svc->sched);
	assert_int_equal(got->flags, svc->flags & ~IP_VS_SVC_F_HASHED);
	assert_int_equal(got->timeout, svc->timeout);
	assert_int_equal(got->netmask, svc->netmask);
	assert_stats_zero(&got->stats);
}

/* Every service command's message for svc. */
static void
check_service_cmds(const struct ipvs_service *svc)
{
	static const uint8_t	 full[] = { IPVS_CMD_NEW_SERVICE,
				    IPVS_CMD_SET_SERVICE };
	static const uint8_t	 key[] = { IPVS_CMD_DEL_SERVICE,
				    IPVS_CMD_GET_SERVICE, IPVS_CMD_GET_DEST };
	struct nlattr		*top[IPVS_CMD_ATTR_MAX + 1];
	struct ipvs_service	 got;
	struct nl_msg		*msg;
	char			 err[128];
	size_t			 i;

	for (i = 0; i < sizeof(full); i++) {
		msg = msg_new(full[i]);
		assert_int_equal(ipvs_msg_put_service(msg, svc), 0);
		msg_top(msg, full[i], top, BIT(IPVS_CMD_ATTR_SERVICE));
		check_svc_nest(top[IPVS_CMD_ATTR_SERVICE], svc, true);
		assert_int_equal(ipvs_msg_parse_service(nlmsg_hdr(msg), &got,
		    err, sizeof(err)), 0);
		assert_svc_roundtrip(&got, svc);
		nlmsg_free(msg);
	}
	for (i = 0; i < sizeof(key); i++) {
		msg = msg_new(key[i]);
		assert_int_equal(ipvs_msg_put_service_key(msg, svc), 0);
		msg_top(msg, key[i], top, BIT(IPVS_CMD_ATTR_SERVICE));
		check_svc_nest(top[IPVS_CMD_ATTR_SERVICE], svc, false);
		/* a key is not a service: the parser wants the settings */
		assert_int_equal(ipvs_msg_parse_service(nlmsg_hdr(msg), &got,
		    err, sizeof(err)), -1);
		assert_non_null(strstr(err, "missing"));
		nlmsg_free(msg);
	}
}

/* Every destination command's message for d in svc. */
static void
check_dest_cmds(const struct ipvs_service *svc, const struct ipvs_dest *d)
{
	static const uint8_t	 full[] = { IPVS_CMD_NEW_DEST,
				    IPVS_CMD_SET_DEST };
	struct nlattr		*top[IPVS_CMD_ATTR_MAX + 1];
	struct ipvs_dest	 got;
	struct nl_msg		*msg;
	char			 err[128];
	size_t			 i;
	bool			 tun = d->fwd == IP_VS_CONN_F_TUNNEL;

	for (i = 0; i < sizeof(full); i++) {
		msg = msg_new(full[i]);
		assert_int_equal(ipvs_msg_put_dest(msg, svc, d), 0);
		msg_top(msg, full[i], top, BIT(IPVS_CMD_ATTR_SERVICE) |
		    BIT(IPVS_CMD_ATTR_DEST));
		check_svc_nest(top[IPVS_CMD_ATTR_SERVICE], svc, false);
		check_dest_nest(top[IPVS_CMD_ATTR_DEST], svc->af, d, true);
		assert_int_equal(ipvs_msg_parse_dest(nlmsg_hdr(msg), svc->af,
		    &got, err, sizeof(err)), 0);
		assert_int_equal(ipvs_dest_key_cmp(&got, d), 0);
		assert_int_equal(got.fwd, d->fwd);
		assert_int_equal(got.weight, d->weight);
		assert_int_equal(got.u_threshold, d->u_threshold);
		assert_int_equal(got.l_threshold, d->l_threshold);
		assert_int_equal(got.tun_type, tun ? d->tun_type : 0);
		assert_int_equal(got.tun_port, tun ? d->tun_port : 0);
		assert_int_equal(got.tun_flags, tun ? d->tun_flags : 0);
		assert_int_equal(got.active_conns, 0);
		assert_stats_zero(&got.stats);
		nlmsg_free(msg);
	}
	msg = msg_new(IPVS_CMD_DEL_DEST);
	assert_int_equal(ipvs_msg_put_dest_key(msg, svc, d), 0);
	msg_top(msg, IPVS_CMD_DEL_DEST, top, BIT(IPVS_CMD_ATTR_SERVICE) |
	    BIT(IPVS_CMD_ATTR_DEST));
	check_svc_nest(top[IPVS_CMD_ATTR_SERVICE], svc, false);
	check_dest_nest(top[IPVS_CMD_ATTR_DEST], svc->af, d, false);
	nlmsg_free(msg);
}

static struct ipvs_service
svc_addr(uint16_t af, uint16_t proto, const char *addr, uint16_t port,
    const char *sched)
{
	struct ipvs_service	svc;

	memset(&svc, 0, sizeof(svc));
	svc.af = af;
	svc.protocol = proto;
	assert_int_equal(inet_pton(af, addr, &svc.addr), 1);
	svc.port = port;
	strncpy(svc.sched, sched, sizeof(svc.sched) - 1);
	svc.netmask = af == AF_INET6 ? 128 : 0xffffffff;
	return svc;
}

static struct ipvs_service
svc_fwmark(uint16_t af, uint32_t fwmark, const char *sched)
{
	struct ipvs_service	svc;

	memset(&svc, 0, sizeof(svc));
	svc.af = af;
	svc.fwmark = fwmark;
	strncpy(svc.sched, sched, sizeof(svc.sched) - 1);
	svc.netmask = af == AF_INET6 ? 128 : 0xffffffff;
	return svc;
}

static struct ipvs_dest
dest_make(uint16_t af, const char *addr, uint16_t port, uint32_t fwd,
    int32_t weight)
{
	struct ipvs_dest	d;

	memset(&d, 0, sizeof(d));
	d.af = af;
	assert_int_equal(inet_pton(af, addr, &d.addr), 1);
	d.port = port;
	d.fwd = fwd;
	d.weight = weight;
	return d;
}

/* Builds cmd for svc; a[] gets its service attributes. */
static struct nl_msg *
svc_attrs(uint8_t cmd, const struct ipvs_service *svc, struct nlattr **a)
{
	struct nlattr	*top[IPVS_CMD_ATTR_MAX + 1];
	struct nl_msg	*msg = msg_new(cmd);

	assert_int_equal(ipvs_msg_put_service(msg, svc), 0);
	msg_top(msg, cmd, top, BIT(IPVS_CMD_ATTR_SERVICE));
	assert_int_equal(nla_parse_nested(a, IPVS_SVC_ATTR_MAX,
	    top[IPVS_CMD_ATTR_SERVICE], NULL), 0);
	return msg;
}

static void
svc_ipv4_tcp(void **state)
{
	struct ipvs_service	 svc;
	struct nlattr		*a[IPVS_SVC_ATTR_MAX + 1];
	struct nl_msg		*msg;
	static const uint8_t	 addr[16] = { 10, 0, 0, 1 };
	static const uint8_t	 port[2] = { 0, 80 };
	static const uint8_t	 mask[4] = { 255, 255, 255, 255 };

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_TCP, "10.0.0.1", 80, "wlc");
	check_service_cmds(&svc);

	/* the literal bytes, lest both sides share one mistake */
	msg = svc_attrs(IPVS_CMD_NEW_SERVICE, &svc, a);
	assert_memory_equal(nla_data(a[IPVS_SVC_ATTR_ADDR]), addr, 16);
	assert_memory_equal(nla_data(a[IPVS_SVC_ATTR_PORT]), port, 2);
	assert_memory_equal(nla_data(a[IPVS_SVC_ATTR_NETMASK]), mask, 4);
	assert_int_equal(nla_get_u16(a[IPVS_SVC_ATTR_PROTOCOL]), 6);
	assert_int_equal(nla_get_u16(a[IPVS_SVC_ATTR_AF]), 2);
	nlmsg_free(msg);
}

static void
svc_ipv6_udp(void **state)
{
	struct ipvs_service	svc;

	(void)state;
	svc = svc_addr(AF_INET6, IPPROTO_UDP, "2001:db8::10", 53, "rr");
	check_service_cmds(&svc);
}

static void
svc_fwmark_inet(void **state)
{
	struct ipvs_service	svc;

	(void)state;
	svc = svc_fwmark(AF_INET, 7, "wrr");
	check_service_cmds(&svc);
}

static void
svc_fwmark_inet6(void **state)
{
	struct ipvs_service	svc;

	(void)state;
	svc = svc_fwmark(AF_INET6, 0x10000, "lc");
	check_service_cmds(&svc);
}

static void
svc_sh_sched_flags(void **state)
{
	struct ipvs_service	svc;

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_TCP, "192.0.2.1", 443, "sh");
	svc.flags = IP_VS_SVC_F_SCHED1 | IP_VS_SVC_F_SCHED2;
	check_service_cmds(&svc);
	assert_int_equal(svc.flags, 0x18);
}

static void
svc_persistence_netmask(void **state)
{
	struct ipvs_service	 svc;
	struct nlattr		*a[IPVS_SVC_ATTR_MAX + 1];
	struct nl_msg		*msg;
	static const uint8_t	 mask[4] = { 255, 255, 255, 0 };

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_TCP, "10.0.0.1", 443, "wlc");
	svc.flags = IP_VS_SVC_F_PERSISTENT;
	svc.timeout = 300;
	svc.netmask = 0xffffff00;
	check_service_cmds(&svc);
	msg = svc_attrs(IPVS_CMD_NEW_SERVICE, &svc, a);
	assert_memory_equal(nla_data(a[IPVS_SVC_ATTR_NETMASK]), mask, 4);
	assert_int_equal(nla_get_u32(a[IPVS_SVC_ATTR_TIMEOUT]), 300);
	nlmsg_free(msg);

	/* IPv6: a prefix length, as a plain number */
	svc = svc_addr(AF_INET6, IPPROTO_TCP, "2001:db8::1", 443, "wlc");
	svc.flags = IP_VS_SVC_F_PERSISTENT;
	svc.timeout = 3600;
	svc.netmask = 64;
	check_service_cmds(&svc);
	msg = svc_attrs(IPVS_CMD_SET_SERVICE, &svc, a);
	assert_int_equal(nla_get_u32(a[IPVS_SVC_ATTR_NETMASK]), 64);
	nlmsg_free(msg);
}

static void
svc_one_packet(void **state)
{
	struct ipvs_service	svc;

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_UDP, "10.0.0.9", 5060, "rr");
	svc.flags = IP_VS_SVC_F_ONEPACKET;
	check_service_cmds(&svc);
	svc = svc_fwmark(AF_INET6, 3, "rr");
	svc.flags = IP_VS_SVC_F_ONEPACKET | IP_VS_SVC_F_PERSISTENT;
	svc.timeout = 60;
	check_service_cmds(&svc);
}

/* HASHED would stop the kernel from hashing a new service: never sent. */
static void
svc_hashed_never_sent(void **state)
{
	struct ipvs_service	svc;

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_TCP, "10.0.0.1", 80, "wlc");
	svc.flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED;
	check_service_cmds(&svc);
}

static void
dest_nat(void **state)
{
	struct ipvs_service	svc;
	struct ipvs_dest	d;

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_TCP, "10.0.0.1", 80, "wlc");
	d = dest_make(AF_INET, "10.1.0.1", 8080, IP_VS_CONN_F_MASQ, 10);
	d.u_threshold = 1000;
	d.l_threshold = 800;
	check_dest_cmds(&svc, &d);
	d.weight = 0;
	check_dest_cmds(&svc, &d);
}

static void
dest_dr(void **state)
{
	struct ipvs_service	svc;
	struct ipvs_dest	d;

	(void)state;
	svc = svc_addr(AF_INET6, IPPROTO_UDP, "2001:db8::10", 53, "rr");
	d = dest_make(AF_INET6, "2001:db8:1::5", 53, IP_VS_CONN_F_DROUTE, 1);
	check_dest_cmds(&svc, &d);
	svc = svc_fwmark(AF_INET, 9, "wrr");
	d = dest_make(AF_INET, "10.1.0.2", 0, IP_VS_CONN_F_DROUTE, 3);
	check_dest_cmds(&svc, &d);
}

static void
dest_tun_ipip(void **state)
{
	struct ipvs_service	svc;
	struct ipvs_dest	d;

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_TCP, "10.0.0.1", 80, "wlc");
	d = dest_make(AF_INET, "10.2.0.1", 80, IP_VS_CONN_F_TUNNEL, 5);
	d.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
	check_dest_cmds(&svc, &d);
}

static void
dest_tun_gue(void **state)
{
	struct ipvs_service	 svc;
	struct ipvs_dest	 d;
	struct nlattr		*top[IPVS_CMD_ATTR_MAX + 1];
	struct nlattr		*a[IPVS_DEST_ATTR_MAX + 1];
	struct nl_msg		*msg;
	static const uint8_t	 tport[2] = { 0x17, 0xc0 };	/* 6080 */

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_TCP, "10.0.0.1", 80, "wlc");
	d = dest_make(AF_INET, "10.2.0.2", 80, IP_VS_CONN_F_TUNNEL, 5);
	d.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	d.tun_port = 6080;
	d.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
	check_dest_cmds(&svc, &d);
	d.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
	check_dest_cmds(&svc, &d);

	msg = msg_new(IPVS_CMD_NEW_DEST);
	assert_int_equal(ipvs_msg_put_dest(msg, &svc, &d), 0);
	msg_top(msg, IPVS_CMD_NEW_DEST, top, BIT(IPVS_CMD_ATTR_SERVICE) |
	    BIT(IPVS_CMD_ATTR_DEST));
	assert_int_equal(nla_parse_nested(a, IPVS_DEST_ATTR_MAX,
	    top[IPVS_CMD_ATTR_DEST], NULL), 0);
	assert_memory_equal(nla_data(a[IPVS_DEST_ATTR_TUN_PORT]), tport, 2);
	assert_int_equal(nla_get_u16(a[IPVS_DEST_ATTR_TUN_FLAGS]), 2);
	assert_int_equal(nla_get_u8(a[IPVS_DEST_ATTR_TUN_TYPE]), 1);
	assert_int_equal(nla_get_u32(a[IPVS_DEST_ATTR_FWD_METHOD]), 2);
	nlmsg_free(msg);
}

static void
dest_tun_gre(void **state)
{
	struct ipvs_service	svc;
	struct ipvs_dest	d;

	(void)state;
	svc = svc_addr(AF_INET6, IPPROTO_TCP, "2001:db8::1", 443, "mh");
	d = dest_make(AF_INET6, "2001:db8:2::1", 443, IP_VS_CONN_F_TUNNEL, 1);
	d.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GRE;
	d.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM;
	check_dest_cmds(&svc, &d);
}

/* A v4 real server behind a v6 service (and back): ADDR_FAMILY says so. */
static void
dest_mixed_family(void **state)
{
	struct ipvs_service	svc;
	struct ipvs_dest	d;

	(void)state;
	svc = svc_addr(AF_INET6, IPPROTO_TCP, "2001:db8::1", 80, "wlc");
	d = dest_make(AF_INET, "10.3.0.1", 80, IP_VS_CONN_F_TUNNEL, 2);
	d.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_IPIP;
	check_dest_cmds(&svc, &d);
	svc = svc_fwmark(AF_INET, 12, "wlc");
	d = dest_make(AF_INET6, "2001:db8:3::1", 0, IP_VS_CONN_F_TUNNEL, 2);
	d.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	d.tun_port = 5555;
	d.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
	check_dest_cmds(&svc, &d);
}

static void
daemon_msgs(void **state)
{
	struct ipvs_daemon	 dm, got;
	struct nlattr		*top[IPVS_CMD_ATTR_MAX + 1];
	struct nlattr		*a[IPVS_DAEMON_ATTR_MAX + 1];
	struct nl_msg		*msg;
	char			 err[128];

	(void)state;
	memset(&dm, 0, sizeof(dm));
	dm.state = IP_VS_STATE_BACKUP;
	strcpy(dm.ifname, "eth0.100");
	dm.syncid = 42;
	msg = msg_new(IPVS_CMD_NEW_DAEMON);
	assert_int_equal(ipvs_msg_put_daemon(msg, &dm), 0);
	msg_top(msg, IPVS_CMD_NEW_DAEMON, top, BIT(IPVS_CMD_ATTR_DAEMON));
	assert_int_equal(nla_parse_nested(a, IPVS_DAEMON_ATTR_MAX,
	    top[IPVS_CMD_ATTR_DAEMON], NULL), 0);
	assert_only(nla_data(top[IPVS_CMD_ATTR_DAEMON]),
	    nla_len(top[IPVS_CMD_ATTR_DAEMON]), BIT(IPVS_DAEMON_ATTR_STATE) |
	    BIT(IPVS_DAEMON_ATTR_MCAST_IFN) | BIT(IPVS_DAEMON_ATTR_SYNC_ID));
	assert_u32(a[IPVS_DAEMON_ATTR_STATE], IP_VS_STATE_BACKUP);
	assert_int_equal(nla_len(a[IPVS_DAEMON_ATTR_MCAST_IFN]), 9);
	assert_string_equal(nla_data(a[IPVS_DAEMON_ATTR_MCAST_IFN]),
	    "eth0.100");
	assert_u32(a[IPVS_DAEMON_ATTR_SYNC_ID], 42);
	assert_int_equal(ipvs_msg_parse_daemon(nlmsg_hdr(msg), &got, err,
	    sizeof(err)), 0);
	assert_int_equal(got.state, IP_VS_STATE_BACKUP);
	assert_string_equal(got.ifname, "eth0.100");
	assert_int_equal(got.syncid, 42);
	nlmsg_free(msg);

	msg = msg_new(IPVS_CMD_DEL_DAEMON);
	assert_int_equal(ipvs_msg_put_daemon_state(msg, IP_VS_STATE_MASTER),
	    0);
	msg_top(msg, IPVS_CMD_DEL_DAEMON, top, BIT(IPVS_CMD_ATTR_DAEMON));
	assert_int_equal(nla_parse_nested(a, IPVS_DAEMON_ATTR_MAX,
	    top[IPVS_CMD_ATTR_DAEMON], NULL), 0);
	assert_only(nla_data(top[IPVS_CMD_ATTR_DAEMON]),
	    nla_len(top[IPVS_CMD_ATTR_DAEMON]), BIT(IPVS_DAEMON_ATTR_STATE));
	assert_u32(a[IPVS_DAEMON_ATTR_STATE], IP_VS_STATE_MASTER);
	/* a stop request names no interface: not a daemon description */
	assert_int_equal(ipvs_msg_parse_daemon(nlmsg_hdr(msg), &got, err,
	    sizeof(err)), -1);
	nlmsg_free(msg);

	/* 15 characters fit IP_VS_IFNAME_MAXLEN, 16 do not; nor does "" */
	msg = msg_new(IPVS_CMD_NEW_DAEMON);
	memcpy(dm.ifname, "abcdefghijklmno", 16);
	assert_int_equal(ipvs_msg_put_daemon(msg, &dm), 0);
	memcpy(dm.ifname, "abcdefghijklmnop", 16);
	assert_int_equal(ipvs_msg_put_daemon(msg, &dm), -EINVAL);
	dm.ifname[0] = '\0';
	assert_int_equal(ipvs_msg_put_daemon(msg, &dm), -EINVAL);
	nlmsg_free(msg);
}

static void
timeouts_msgs(void **state)
{
	struct ipvs_timeouts	 t, got;
	struct nlattr		*top[IPVS_CMD_ATTR_MAX + 1];
	struct nl_msg		*msg;
	char			 err[128];

	(void)state;
	t.tcp = 900;
	t.tcp_fin = 120;
	t.udp = 300;
	msg = msg_new(IPVS_CMD_SET_CONFIG);
	assert_int_equal(ipvs_msg_put_timeouts(msg, &t), 0);
	msg_top(msg, IPVS_CMD_SET_CONFIG, top,
	    BIT(IPVS_CMD_ATTR_TIMEOUT_TCP) |
	    BIT(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN) |
	    BIT(IPVS_CMD_ATTR_TIMEOUT_UDP));
	assert_u32(top[IPVS_CMD_ATTR_TIMEOUT_TCP], 900);
	assert_u32(top[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN], 120);
	assert_u32(top[IPVS_CMD_ATTR_TIMEOUT_UDP], 300);
	/* a GET_CONFIG reply has the same shape */
	assert_int_equal(ipvs_msg_parse_timeouts(nlmsg_hdr(msg), &got, err,
	    sizeof(err)), 0);
	assert_int_equal(got.tcp, 900);
	assert_int_equal(got.tcp_fin, 120);
	assert_int_equal(got.udp, 300);
	nlmsg_free(msg);

	/* zero leaves the kernel's value: the attribute is not sent */
	t.tcp = 0;
	t.udp = 0;
	msg = msg_new(IPVS_CMD_SET_CONFIG);
	assert_int_equal(ipvs_msg_put_timeouts(msg, &t), 0);
	msg_top(msg, IPVS_CMD_SET_CONFIG, top,
	    BIT(IPVS_CMD_ATTR_TIMEOUT_TCP_FIN));
	assert_u32(top[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN], 120);
	assert_int_equal(ipvs_msg_parse_timeouts(nlmsg_hdr(msg), &got, err,
	    sizeof(err)), 0);
	assert_int_equal(got.tcp, 0);
	assert_int_equal(got.tcp_fin, 120);
	assert_int_equal(got.udp, 0);
	nlmsg_free(msg);
}

/* Counters as the kernel sends them: 32-bit nest mixes widths. */
static void
put_stats(struct nl_msg *msg, int type, bool is64, uint64_t base)
{
	struct nlattr	*nest;
	int		 k;

	assert_non_null(nest = nla_nest_start(msg, type));
	for (k = IPVS_STATS_ATTR_CONNS; k <= IPVS_STATS_ATTR_OUTBPS; k++) {
		if (is64 || k == IPVS_STATS_ATTR_INBYTES ||
		    k == IPVS_STATS_ATTR_OUTBYTES)
			PUT(nla_put_u64(msg, k, base + k));
		else
			PUT(nla_put_u32(msg, k, (uint32_t)(base + k)));
		/* nla_put_64bit() pads with empty PAD attributes */
		if (is64 && k == IPVS_STATS_ATTR_INPKTS)
			PUT(nla_put(msg, IPVS_STATS_ATTR_PAD, 0, NULL));
	}
	assert_int_equal(nla_nest_end(msg, nest), 0);
}

static void
assert_stats(const struct ipvs_stats *st, uint64_t base)
{
	assert_int_equal(st->conns, base + IPVS_STATS_ATTR_CONNS);
	assert_int_equal(st->inpkts, base + IPVS_STATS_ATTR_INPKTS);
	assert_int_equal(st->outpkts, base + IPVS_STATS_ATTR_OUTPKTS);
	assert_int_equal(st->inbytes, base + IPVS_STATS_ATTR_INBYTES);
	assert_int_equal(st->outbytes, base + IPVS_STATS_ATTR_OUTBYTES);
	assert_int_equal(st->cps, base + IPVS_STATS_ATTR_CPS);
	assert_int_equal(st->inpps, base + IPVS_STATS_ATTR_INPPS);
	assert_int_equal(st->outpps, base + IPVS_STATS_ATTR_OUTPPS);
	assert_int_equal(st->inbps, base + IPVS_STATS_ATTR_INBPS);
	assert_int_equal(st->outbps, base + IPVS_STATS_ATTR_OUTBPS);
}

/* A GET_SERVICE dump message as ip_vs_genl_fill_service() writes it. */
static struct nl_msg *
kernel_service(bool with64)
{
	struct nl_msg		*msg = msg_new(IPVS_CMD_NEW_SERVICE);
	struct nlattr		*nest;
	struct ip_vs_flags	 fl = { IP_VS_SVC_F_PERSISTENT |
				    IP_VS_SVC_F_HASHED, ~0U };
	uint8_t			 addr[16] = { 192, 0, 2, 7 };

	assert_non_null(nest = nla_nest_start(msg, IPVS_CMD_ATTR_SERVICE));
	PUT(nla_put_u16(msg, IPVS_SVC_ATTR_AF, AF_INET));
	PUT(nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_SCTP));
	PUT(nla_put(msg, IPVS_SVC_ATTR_ADDR, 16, addr));
	PUT(nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(3868)));
	PUT(nla_put_string(msg, IPVS_SVC_ATTR_SCHED_NAME, "sed"));
	PUT(nla_put_string(msg, IPVS_SVC_ATTR_PE_NAME, "sip"));
	PUT(nla_put(msg, IPVS_SVC_ATTR_FLAGS, sizeof(fl), &fl));
	PUT(nla_put_u32(msg, IPVS_SVC_ATTR_TIMEOUT, 360));
	PUT(nla_put_u32(msg, IPVS_SVC_ATTR_NETMASK, htonl(0xffff0000)));
	put_stats(msg, IPVS_SVC_ATTR_STATS, false, 1000);
	if (with64)
		put_stats(msg, IPVS_SVC_ATTR_STATS64, true, 5000000000ULL);
	/* an attribute from a future kernel is ignored */
	PUT(nla_put_u32(msg, IPVS_SVC_ATTR_MAX + 1, 1));
	assert_int_equal(nla_nest_end(msg, nest), 0);
	return msg;
}

static void
parse_kernel_service(void **state)
{
	struct ipvs_service	 svc;
	struct nl_msg		*msg;
	char			 err[128];
	int			 with64;

	(void)state;
	for (with64 = 0; with64 <= 1; with64++) {
		msg = kernel_service(with64);
		assert_int_equal(ipvs_msg_parse_service(nlmsg_hdr(msg), &svc,
		    err, sizeof(err)), 0);
		assert_int_equal(svc.af, AF_INET);
		assert_int_equal(svc.protocol, IPPROTO_SCTP);
		assert_int_equal(ntohl(svc.addr.v4.s_addr), 0xc0000207);
		assert_int_equal(svc.port, 3868);
		assert_int_equal(svc.fwmark, 0);
		assert_string_equal(svc.sched, "sed");
		assert_int_equal(svc.flags, IP_VS_SVC_F_PERSISTENT);
		assert_int_equal(svc.timeout, 360);
		assert_int_equal(svc.netmask, 0xffff0000);
		assert_stats(&svc.stats, with64 ? 5000000000ULL : 1000);
		nlmsg_free(msg);
	}
}

/* A GET_DEST dump message as ip_vs_genl_fill_dest() writes it. */
static struct nl_msg *
kernel_dest(bool with_af)
{
	struct nl_msg	*msg = msg_new(IPVS_CMD_NEW_DEST);
	struct nlattr	*nest;
	uint8_t		 addr[16];

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::99", addr), 1);
	assert_non_null(nest = nla_nest_start(msg, IPVS_CMD_ATTR_DEST));
	PUT(nla_put(msg, IPVS_DEST_ATTR_ADDR, 16, addr));
	PUT(nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(8443)));
	PUT(nla_put_u32(msg, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_TUNNEL));
	PUT(nla_put_u32(msg, IPVS_DEST_ATTR_WEIGHT, 7));
	PUT(nla_put_u8(msg, IPVS_DEST_ATTR_TUN_TYPE,
	    IP_VS_CONN_F_TUNNEL_TYPE_GUE));
	PUT(nla_put_u16(msg, IPVS_DEST_ATTR_TUN_PORT, htons(6080)));
	PUT(nla_put_u16(msg, IPVS_DEST_ATTR_TUN_FLAGS,
	    IP_VS_TUNNEL_ENCAP_FLAG_CSUM));
	PUT(nla_put_u32(msg, IPVS_DEST_ATTR_U_THRESH, 100));
	PUT(nla_put_u32(msg, IPVS_DEST_ATTR_L_THRESH, 50));
	PUT(nla_put_u32(msg, IPVS_DEST_ATTR_ACTIVE_CONNS, 11));
	PUT(nla_put_u32(msg, IPVS_DEST_ATTR_INACT_CONNS, 22));
	PUT(nla_put_u32(msg, IPVS_DEST_ATTR_PERSIST_CONNS, 33));
	if (with_af)
		PUT(nla_put_u16(msg, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET6));
	put_stats(msg, IPVS_DEST_ATTR_STATS, false, 10);
	put_stats(msg, IPVS_DEST_ATTR_STATS64, true, 20);
	assert_int_equal(nla_nest_end(msg, nest), 0);
	return msg;
}

static void
parse_kernel_dest(void **state)
{
	struct ipvs_dest	 d;
	struct nl_msg		*msg;
	char			 err[128], buf[INET6_ADDRSTRLEN];
	int			 with_af;

	(void)state;
	for (with_af = 0; with_af <= 1; with_af++) {
		msg = kernel_dest(with_af);
		/* without ADDR_FAMILY (before 3.18) the service's counts */
		assert_int_equal(ipvs_msg_parse_dest(nlmsg_hdr(msg),
		    with_af ? AF_INET : AF_INET6, &d, err, sizeof(err)), 0);
		assert_int_equal(d.af, AF_INET6);
		assert_string_equal(inet_ntop(AF_INET6, &d.addr, buf,
		    sizeof(buf)), "2001:db8::99");
		assert_int_equal(d.port, 8443);
		assert_int_equal(d.fwd, IP_VS_CONN_F_TUNNEL);
		assert_int_equal(d.weight, 7);
		assert_int_equal(d.u_threshold, 100);
		assert_int_equal(d.l_threshold, 50);
		assert_int_equal(d.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
		assert_int_equal(d.tun_port, 6080);
		assert_int_equal(d.tun_flags, IP_VS_TUNNEL_ENCAP_FLAG_CSUM);
		assert_int_equal(d.active_conns, 11);
		assert_int_equal(d.inact_conns, 22);
		assert_int_equal(d.persist_conns, 33);
		assert_stats(&d.stats, 20);
		nlmsg_free(msg);
	}
}

/* Parses msg with parser 's'ervice, 'd'est or 't'imeouts: it must fail. */
static void
expect_error(struct nl_msg *msg, char which, const char *want)
{
	struct ipvs_service	svc;
	struct ipvs_dest	d;
	struct ipvs_timeouts	t;
	char			err[128];
	int			rc;

	if (which == 's')
		rc = ipvs_msg_parse_service(nlmsg_hdr(msg), &svc, err,
		    sizeof(err));
	else if (which == 'd')
		rc = ipvs_msg_parse_dest(nlmsg_hdr(msg), AF_INET, &d, err,
		    sizeof(err));
	else
		rc = ipvs_msg_parse_timeouts(nlmsg_hdr(msg), &t, err,
		    sizeof(err));
	assert_int_equal(rc, -1);
	if (strncmp(err, want, strlen(want)) != 0)
		fail_msg("error \"%s\", expected \"%s...\"", err, want);
	nlmsg_free(msg);
}

/* A message whose top level holds one nest, left open. */
static struct nl_msg *
nest_msg(uint8_t cmd, int type, struct nlattr **nest)
{
	struct nl_msg	*msg = msg_new(cmd);

	assert_non_null(*nest = nla_nest_start(msg, type));
	return msg;
}

static void
parse_errors(void **state)
{
	struct nl_msg	*msg;
	struct nlattr	*nest;
	uint8_t		 v4[4] = { 10, 0, 0, 1 }, big[20] = { 0 };

	(void)state;
	expect_error(msg_new(IPVS_CMD_NEW_SERVICE), 's',
	    "service: no service attributes");
	expect_error(msg_new(IPVS_CMD_NEW_DEST), 'd',
	    "destination: no destination attributes");
	/* too short to hold a generic netlink header */
	assert_non_null(msg = nlmsg_alloc_simple(FAKE_FAMILY, 0));
	expect_error(msg, 't', "malformed message");

	msg = nest_msg(IPVS_CMD_NEW_SERVICE, IPVS_CMD_ATTR_SERVICE, &nest);
	PUT(nla_put_u32(msg, IPVS_SVC_ATTR_FWMARK, 1));
	nla_nest_end(msg, nest);
	expect_error(msg, 's', "service: no address family");

	msg = nest_msg(IPVS_CMD_NEW_SERVICE, IPVS_CMD_ATTR_SERVICE, &nest);
	PUT(nla_put_u16(msg, IPVS_SVC_ATTR_AF, AF_UNIX));
	nla_nest_end(msg, nest);
	expect_error(msg, 's', "service: address family 1 not supported");

	msg = nest_msg(IPVS_CMD_NEW_SERVICE, IPVS_CMD_ATTR_SERVICE, &nest);
	PUT(nla_put_u16(msg, IPVS_SVC_ATTR_AF, AF_INET6));
	PUT(nla_put_u16(msg, IPVS_SVC_ATTR_PROTOCOL, 6));
	PUT(nla_put(msg, IPVS_SVC_ATTR_ADDR, 4, v4));
	PUT(nla_put_u16(msg, IPVS_SVC_ATTR_PORT, htons(80)));
	nla_nest_end(msg, nest);
	expect_error(msg, 's', "service: 4-byte address for family 10");

	/* longer than any address: the policy refuses it */
	msg = nest_msg(IPVS_CMD_NEW_DEST, IPVS_CMD_ATTR_DEST, &nest);
	PUT(nla_put(msg, IPVS_DEST_ATTR_ADDR, sizeof(big), big));
	nla_nest_end(msg, nest);
	expect_error(msg, 'd', "destination: malformed attributes");

	msg = nest_msg(IPVS_CMD_NEW_DEST, IPVS_CMD_ATTR_DEST, &nest);
	PUT(nla_put(msg, IPVS_DEST_ATTR_ADDR, 4, v4));
	PUT(nla_put_u16(msg, IPVS_DEST_ATTR_PORT, htons(80)));
	nla_nest_end(msg, nest);
	expect_error(msg, 'd', "destination: forwarding method, weight or "
	    "thresholds missing");
}

static void
build_errors(void **state)
{
	struct ipvs_service	 svc;
	struct ipvs_dest	 d;
	struct nl_msg		*msg;
	uint32_t		 len;

	(void)state;
	svc = svc_addr(AF_INET, IPPROTO_TCP, "10.0.0.1", 80, "wlc");
	d = dest_make(AF_INET, "10.1.0.1", 80, IP_VS_CONN_F_DROUTE, 1);
	msg = msg_new(IPVS_CMD_NEW_SERVICE);
	len = nlmsg_hdr(msg)->nlmsg_len;
	svc.af = AF_UNIX;
	assert_int_equal(ipvs_msg_put_service(msg, &svc), -EAFNOSUPPORT);
	assert_int_equal(ipvs_msg_put_dest(msg, &svc, &d), -EAFNOSUPPORT);
	svc.af = AF_INET;
	d.af = 0;
	assert_int_equal(ipvs_msg_put_dest_key(msg, &svc, &d), -EAFNOSUPPORT);
	d.af = AF_INET;
	memset(svc.sched, 'x', sizeof(svc.sched));	/* not terminated */
	assert_int_equal(ipvs_msg_put_service(msg, &svc), -EINVAL);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_len, len);
	/* a key does not carry the scheduler */
	assert_int_equal(ipvs_msg_put_service_key(msg, &svc), 0);
	nlmsg_free(msg);

	/* no room: an error, and the message as it was */
	strcpy(svc.sched, "wlc");
	assert_non_null(msg = nlmsg_alloc_size(96));
	assert_non_null(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ,
	    FAKE_FAMILY, 0, 0, IPVS_CMD_NEW_DEST, IPVS_GENL_VERSION));
	len = nlmsg_hdr(msg)->nlmsg_len;
	assert_int_equal(ipvs_msg_put_service(msg, &svc), -ENOMEM);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_len, len);
	assert_int_equal(ipvs_msg_put_dest(msg, &svc, &d), -ENOMEM);
	assert_int_equal(nlmsg_hdr(msg)->nlmsg_len, len);
	assert_int_equal(ipvs_msg_put_service_key(msg, &svc), 0);
	nlmsg_free(msg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(svc_ipv4_tcp),
		cmocka_unit_test(svc_ipv6_udp),
		cmocka_unit_test(svc_fwmark_inet),
		cmocka_unit_test(svc_fwmark_inet6),
		cmocka_unit_test(svc_sh_sched_flags),
		cmocka_unit_test(svc_persistence_netmask),
		cmocka_unit_test(svc_one_packet),
		cmocka_unit_test(svc_hashed_never_sent),
		cmocka_unit_test(dest_nat),
		cmocka_unit_test(dest_dr),
		cmocka_unit_test(dest_tun_ipip),
		cmocka_unit_test(dest_tun_gue),
		cmocka_unit_test(dest_tun_gre),
		cmocka_unit_test(dest_mixed_family),
		cmocka_unit_test(daemon_msgs),
		cmocka_unit_test(timeouts_msgs),
		cmocka_unit_test(parse_kernel_service),
		cmocka_unit_test(parse_kernel_dest),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(build_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
