/*
 * vrrp_pkt.h - VRRP advertisements on the wire: VRRPv3 for IPv4 and
 * IPv6 (RFC 5798 section 5) and VRRPv2 for IPv4 (RFC 3768 section 5).
 * Wire format only: no socket, no logging, no daemon state.
 *
 * A buffer is the VRRP message alone, after the IPv4 header or the
 * IPv6 header chain. The I/O layer checks what only the IP header
 * shows (TTL or hop limit 255, the protocol); the caller looks the
 * VRID up and applies the policy on priority, interval, addresses and
 * the v2 password. src and dst are the IP source and destination.
 */
#ifndef DIRECTOR_VRRP_PKT_H
#define DIRECTOR_VRRP_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <netinet/in.h>

#define VRRP_PROTO		112	/* IP protocol, RFC 5798 5.1.1.4 */
#define VRRP_HDR_LEN		8	/* the fixed part of a message */
#define VRRP_AUTH_LEN		8	/* v2 authentication data */
/*
 * The count field's whole range, so that every well-formed message
 * decodes; the struct is then about 4 KB.
 */
#define VRRP_MAX_ADDRS		255
#define VRRP_MAX_LEN		(VRRP_HDR_LEN + \
				    VRRP_MAX_ADDRS * sizeof(struct in6_addr))
#define VRRP_V3_MAX_INTERVAL	4095	/* centiseconds, 12 bits */
#define VRRP_V2_MAX_INTERVAL	255	/* seconds, 8 bits */

union vrrp_addr {
	struct in_addr		v4;
	struct in6_addr		v6;
};

/*
 * How a v3 IPv4 checksum is computed. RFC 5798 5.2.8 sums a pseudo-
 * header with the message, and keepalived has always done so; the
 * other two are what some peers send.
 */
enum vrrp_cksum {
	/*
	 * As the version's RFC says: v2 the message alone (RFC 3768
	 * 5.3.8), v3 the message after the IPv4 (RFC 768 layout) or IPv6
	 * (RFC 8200 8.1) pseudo-header with protocol 112.
	 */
	VRRP_CKSUM_STD = 0,
	/*
	 * v3 IPv4, the message alone as in v2: RFC 9568 5.2.8, Cisco,
	 * keepalived 2.2.8+ with v3_checksum_as_v2, FRR with "no
	 * checksum-with-ipv4-pseudoheader".
	 */
	VRRP_CKSUM_MSG_ONLY,
	/*
	 * v3 IPv4 with 224.0.0.18 as the pseudo-header's destination
	 * whatever the real one: unicast from keepalived 1.3.6 and
	 * earlier, and from later ones set to old_unicast_checksum or
	 * that have heard such a peer. Same as STD for multicast.
	 */
	VRRP_CKSUM_MCAST_DST,
};

struct vrrp_adv {
	uint8_t			version;	/* 2 or 3 */
	uint8_t			vrid;
	uint8_t			priority;
	/* v3: centiseconds, 1-4095; v2: seconds, 1-255 */
	uint16_t		interval;
	int			af;		/* AF_INET6: v3 only */
	/* v2 auth type 1, simple text password (RFC 2338 5.3.6) */
	bool			has_auth;
	char			auth[VRRP_AUTH_LEN];	/* 0-padded */
	/* decode: the form that matched; encode: the form to use */
	enum vrrp_cksum		cksum;
	uint8_t			naddrs;		/* 1-255 */
	union vrrp_addr		addrs[VRRP_MAX_ADDRS];
};

/* Why a message was refused; each has a name for counters. */
enum vrrp_pkt_err {
	VRRP_PKT_OK = 0,
	VRRP_PKT_ERR_LENGTH,		/* not the length the count makes */
	VRRP_PKT_ERR_VERSION,		/* not 2 or 3, or not expected */
	VRRP_PKT_ERR_TYPE,		/* not 1, ADVERTISEMENT */
	VRRP_PKT_ERR_FAMILY,		/* v2 over IPv6, or af unknown */
	VRRP_PKT_ERR_CHECKSUM,
	VRRP_PKT_ERR_ADDR_COUNT,	/* count 0 */
	VRRP_PKT_ERR_AUTH_TYPE,		/* v2: not 0 or 1 */
	VRRP_PKT_ERR_INTERVAL,		/* 0 */
	VRRP_PKT_NERR			/* the number of values */
};

/* "ok", "length", "version", ...; "unknown" outside the enum. */
const char	*vrrp_pkt_err_name(enum vrrp_pkt_err);
/* "standard", "message-only", "multicast-destination". */
const char	*vrrp_pkt_cksum_name(enum vrrp_cksum);

/*
 * The length of a message of that version and family carrying naddrs
 * addresses (with the v2 authentication data), or 0 if there is no
 * such message.
 */
size_t		 vrrp_pkt_len(int version, int af, unsigned naddrs);

/*
 * Writes adv as a message into buf (len bytes) and returns its length,
 * or -1 if buf is too small or adv cannot be sent: version, family,
 * interval or count out of range, auth with v3, a checksum form other
 * than STD outside v3 IPv4. The reserved bits are zero. src and dst
 * may be NULL for v2, whose checksum does not cover them.
 */
ssize_t		 vrrp_pkt_encode(const struct vrrp_adv *adv,
		    const union vrrp_addr *src, const union vrrp_addr *dst,
		    uint8_t *buf, size_t len);

/*
 * Reads one received message of family af (AF_INET or AF_INET6) that
 * should be expected_version (2 or 3) and fills adv. Checks, in this
 * order (RFC 5798 7.1, RFC 3768 7.1): the fixed header is there,
 * version, type, family, the length is exactly what the count implies,
 * checksum (any form of enum vrrp_cksum, the one found in adv->cksum),
 * count at least 1, v2 auth type 0 or 1, interval not 0. Returns
 * VRRP_PKT_OK or the first check that failed. On failure adv still
 * holds the header fields read (unverified), so that the caller can
 * count the error against the instance of that VRID. src and dst may
 * be NULL for v2.
 */
enum vrrp_pkt_err vrrp_pkt_decode(const uint8_t *buf, size_t len, int af,
		    int expected_version, const union vrrp_addr *src,
		    const union vrrp_addr *dst, struct vrrp_adv *adv);

/*
 * The Internet checksum (RFC 1071) of an optional pseudo-header of
 * even length phlen (ph NULL: none) followed by len bytes of buf, in
 * host order: store it most significant byte first. A message that
 * carries its right checksum gives 0.
 */
uint16_t	 vrrp_pkt_cksum(const uint8_t *ph, size_t phlen,
		    const uint8_t *buf, size_t len);

#endif
