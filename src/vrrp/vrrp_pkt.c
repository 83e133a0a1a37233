/*
 * vrrp_pkt.c - see vrrp_pkt.h. The two layouts, byte offsets:
 *
 *	   v3 (RFC 5798 5.1)		v2 (RFC 3768 5.1)
 *	0  version 3 | type 1		version 2 | type 1
 *	1  VRID				VRID
 *	2  priority			priority
 *	3  count IPvX addr		count IP addrs
 *	4  rsvd (4 bits) | max		auth type
 *	5  adver int (12 bits, cs)	adver int (seconds)
 *	6  checksum (2 bytes)		checksum (2 bytes)
 *	8  addresses, 4 or 16 bytes	IPv4 addresses, 4 bytes each,
 *					then 8 bytes authentication data
 *
 * Everything is read and written a byte at a time: a received buffer
 * need not be aligned, and there is no host byte order to get wrong.
 *
 * The length must be exactly what the count implies. Both RFCs ask
 * for the complete message (RFC 5798 7.1, RFC 3768 7.1); taking more
 * would leave it open where v2's authentication data sits (keepalived
 * reads it at the end of the IP packet, the RFC after the addresses)
 * and what a v3 checksum covers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "vrrp_pkt.h"

#define VRRP_TYPE_ADVERT	1	/* RFC 5798 5.2.2, RFC 3768 5.3.2 */
#define VRRP_AUTH_NONE		0	/* RFC 3768 5.3.6 */
#define VRRP_AUTH_PASS		1	/* RFC 2338 5.3.6, reserved in 3768 */
/* IPv4: src, dst, 0, protocol, length; IPv6: src, dst, length, next */
#define VRRP_PH4_LEN		12
#define VRRP_PH6_LEN		40

/* RFC 5798 5.1.1.2: where IPv4 advertisements go. */
static const uint8_t vrrp_group4[4] = { 224, 0, 0, 18 };

static const char *const vrrp_err_names[VRRP_PKT_NERR] = {
	[VRRP_PKT_OK] =			"ok",
	[VRRP_PKT_ERR_LENGTH] =		"length",
	[VRRP_PKT_ERR_VERSION] =	"version",
	[VRRP_PKT_ERR_TYPE] =		"type",
	[VRRP_PKT_ERR_FAMILY] =		"family",
	[VRRP_PKT_ERR_CHECKSUM] =	"checksum",
	[VRRP_PKT_ERR_ADDR_COUNT] =	"addr_count",
	[VRRP_PKT_ERR_AUTH_TYPE] =	"auth_type",
	[VRRP_PKT_ERR_INTERVAL] =	"interval",
};

const char *
vrrp_pkt_err_name(enum vrrp_pkt_err err)
{
	if ((unsigned)err >= VRRP_PKT_NERR)
		return "unknown";
	return vrrp_err_names[err];
}

const char *
vrrp_pkt_cksum_name(enum vrrp_cksum form)
{
	switch (form) {
	case VRRP_CKSUM_STD:
		return "standard";
	case VRRP_CKSUM_MSG_ONLY:
		return "message-only";
	case VRRP_CKSUM_MCAST_DST:
		return "multicast-destination";
	}
	return "unknown";
}

static size_t
vrrp_addr_len(int af)
{
	return af == AF_INET6 ? sizeof(struct in6_addr) :
	    sizeof(struct in_addr);
}

size_t
vrrp_pkt_len(int version, int af, unsigned naddrs)
{
	if (naddrs > VRRP_MAX_ADDRS)
		return 0;
	if (version == 2 && af == AF_INET)
		return VRRP_HDR_LEN + naddrs * sizeof(struct in_addr) +
		    VRRP_AUTH_LEN;
	if (version == 3 && (af == AF_INET || af == AF_INET6))
		return VRRP_HDR_LEN + naddrs * vrrp_addr_len(af);
	return 0;
}

/* Big-endian 16-bit words; an odd last byte is padded with zero. */
static uint64_t
vrrp_sum(uint64_t sum, const uint8_t *p, size_t len)
{
	size_t	i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len % 2 != 0)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

uint16_t
vrrp_pkt_cksum(const uint8_t *ph, size_t phlen, const uint8_t *buf,
    size_t len)
{
	uint64_t	sum = 0;

	if (ph != NULL)
		sum = vrrp_sum(sum, ph, phlen);
	sum = vrrp_sum(sum, buf, len);
	while (sum >> 16 != 0)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * The v3 pseudo-header for a message of len bytes: RFC 768's layout
 * for IPv4 (as keepalived and Wireshark build it), RFC 8200 8.1's for
 * IPv6. dst is 4 or 16 bytes. Returns the pseudo-header's length.
 */
static size_t
vrrp_pseudo(uint8_t *ph, int af, const union vrrp_addr *src,
    const uint8_t *dst, size_t len)
{
	if (af == AF_INET) {
		memcpy(ph, &src->v4, 4);
		memcpy(ph + 4, dst, 4);
		ph[8] = 0;
		ph[9] = VRRP_PROTO;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		return VRRP_PH4_LEN;
	}
	memcpy(ph, &src->v6, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = ph[33] = 0;		/* 32-bit upper-layer length */
	ph[34] = (uint8_t)(len >> 8);
	ph[35] = (uint8_t)len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = VRRP_PROTO;
	return VRRP_PH6_LEN;
}

/*
 * The checksum of the message in buf in that form: the value to store
 * when bytes 6-7 are zero, 0 when they hold the right checksum.
 */
static uint16_t
vrrp_msg_cksum(const uint8_t *buf, size_t len, int version, int af,
    enum vrrp_cksum form, const union vrrp_addr *src,
    const union vrrp_addr *dst)
{
	uint8_t		 ph[VRRP_PH6_LEN];
	const uint8_t	*d;
	size_t		 phlen;

	if (version == 2 || form == VRRP_CKSUM_MSG_ONLY)
		return vrrp_pkt_cksum(NULL, 0, buf, len);
	if (form == VRRP_CKSUM_MCAST_DST)
		d = vrrp_group4;
	else
		d = af == AF_INET ? (const uint8_t *)&dst->v4 :
		    (const uint8_t *)&dst->v6;
	phlen = vrrp_pseudo(ph, af, src, d, len);
	return vrrp_pkt_cksum(ph, phlen, buf, len);
}

static bool
vrrp_adv_ok(const struct vrrp_adv *adv)
{
	if (adv->naddrs == 0 || adv->interval == 0 ||
	    vrrp_pkt_len(adv->version, adv->af, adv->naddrs) == 0)
		return false;
	if (adv->version == 2)
		return adv->interval <= VRRP_V2_MAX_INTERVAL &&
		    adv->cksum == VRRP_CKSUM_STD;
	if (adv->interval > VRRP_V3_MAX_INTERVAL || adv->has_auth)
		return false;
	switch (adv->cksum) {
	case VRRP_CKSUM_STD:
		return true;
	case VRRP_CKSUM_MSG_ONLY:
	case VRRP_CKSUM_MCAST_DST:
		return adv->af == AF_INET;
	}
	return false;
}

ssize_t
vrrp_pkt_encode(const struct vrrp_adv *adv, const union vrrp_addr *src,
    const union vrrp_addr *dst, uint8_t *buf, size_t len)
{
	size_t		n, alen, i;
	uint16_t	sum;

	if (!vrrp_adv_ok(adv))
		return -1;
	n = vrrp_pkt_len(adv->version, adv->af, adv->naddrs);
	if (len < n)
		return -1;
	alen = vrrp_addr_len(adv->af);
	buf[0] = (uint8_t)(adv->version << 4 | VRRP_TYPE_ADVERT);
	buf[1] = adv->vrid;
	buf[2] = adv->priority;
	buf[3] = adv->naddrs;
	if (adv->version == 3) {
		/* the reserved bits MUST be zero: RFC 5798 5.2.6 */
		buf[4] = (uint8_t)(adv->interval >> 8);
		buf[5] = (uint8_t)adv->interval;
	} else {
		buf[4] = adv->has_auth ? VRRP_AUTH_PASS : VRRP_AUTH_NONE;
		buf[5] = (uint8_t)adv->interval;
	}
	buf[6] = buf[7] = 0;
	for (i = 0; i < adv->naddrs; i++)
		memcpy(buf + VRRP_HDR_LEN + i * alen, &adv->addrs[i], alen);
	if (adv->version == 2) {
		/* RFC 3768 5.3.10: zero unless a password is in use */
		if (adv->has_auth)
			memcpy(buf + n - VRRP_AUTH_LEN, adv->auth,
			    VRRP_AUTH_LEN);
		else
			memset(buf + n - VRRP_AUTH_LEN, 0, VRRP_AUTH_LEN);
	}
	sum = vrrp_msg_cksum(buf, n, adv->version, adv->af, adv->cksum, src,
	    dst);
	buf[6] = (uint8_t)(sum >> 8);
	buf[7] = (uint8_t)sum;
	return (ssize_t)n;
}

/* The fixed header, before anything is checked. */
static void
vrrp_read_header(const uint8_t *buf, int af, struct vrrp_adv *adv)
{
	adv->version = buf[0] >> 4;
	adv->vrid = buf[1];
	adv->priority = buf[2];
	adv->naddrs = buf[3];
	adv->af = af;
	/* v3: the reserved bits are ignored on receipt, RFC 5798 5.2.6 */
	if (adv->version == 3)
		adv->interval = (uint16_t)((buf[4] & 0x0f) << 8 | buf[5]);
	else
		adv->interval = buf[5];
}

/*
 * Every form of enum vrrp_cksum a v3 IPv4 peer may use, the RFC's
 * first. Taking three forms lets a corrupted message through with a
 * chance of 3 in 65536 instead of 1: a fair price for not splitting
 * the virtual router with a peer that reads RFC 5798 differently.
 */
static enum vrrp_pkt_err
vrrp_check_cksum(const uint8_t *buf, size_t len, struct vrrp_adv *adv,
    const union vrrp_addr *src, const union vrrp_addr *dst)
{
	static const enum vrrp_cksum forms[] = { VRRP_CKSUM_STD,
	    VRRP_CKSUM_MSG_ONLY, VRRP_CKSUM_MCAST_DST };
	size_t	i, n;

	n = adv->version == 3 && adv->af == AF_INET ?
	    sizeof(forms) / sizeof(forms[0]) : 1;
	for (i = 0; i < n; i++) {
		if (vrrp_msg_cksum(buf, len, adv->version, adv->af, forms[i],
		    src, dst) == 0) {
			adv->cksum = forms[i];
			return VRRP_PKT_OK;
		}
	}
	return VRRP_PKT_ERR_CHECKSUM;
}

/*
 * v2 auth type 0, none, whose data is ignored (RFC 3768 5.3.10), or 1,
 * the RFC 2338 password that keepalived still sends; 2 was RFC 2338's
 * IPsec AH, which comes as IP protocol 51 and is not ours to read.
 */
static enum vrrp_pkt_err
vrrp_read_auth(const uint8_t *buf, size_t len, struct vrrp_adv *adv)
{
	switch (buf[4]) {
	case VRRP_AUTH_NONE:
		return VRRP_PKT_OK;
	case VRRP_AUTH_PASS:
		adv->has_auth = true;
		memcpy(adv->auth, buf + len - VRRP_AUTH_LEN, VRRP_AUTH_LEN);
		return VRRP_PKT_OK;
	default:
		return VRRP_PKT_ERR_AUTH_TYPE;
	}
}

enum vrrp_pkt_err
vrrp_pkt_decode(const uint8_t *buf, size_t len, int af, int expected_version,
    const union vrrp_addr *src, const union vrrp_addr *dst,
    struct vrrp_adv *adv)
{
	enum vrrp_pkt_err	err;
	size_t			alen, i;

	memset(adv, 0, sizeof(*adv));
	if (af != AF_INET && af != AF_INET6)
		return VRRP_PKT_ERR_FAMILY;
	if (len < VRRP_HDR_LEN)
		return VRRP_PKT_ERR_LENGTH;
	vrrp_read_header(buf, af, adv);
	if ((adv->version != 2 && adv->version != 3) ||
	    adv->version != expected_version)
		return VRRP_PKT_ERR_VERSION;
	if ((buf[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_PKT_ERR_TYPE;
	/* RFC 3768 defines VRRPv2 for IPv4 only */
	if (adv->version == 2 && af != AF_INET)
		return VRRP_PKT_ERR_FAMILY;
	if (len != vrrp_pkt_len(adv->version, af, adv->naddrs))
		return VRRP_PKT_ERR_LENGTH;
	if ((err = vrrp_check_cksum(buf, len, adv, src, dst)) != VRRP_PKT_OK)
		return err;
	/* "The minimum value is 1", RFC 5798 5.2.5; v2 "one or more" */
	if (adv->naddrs == 0)
		return VRRP_PKT_ERR_ADDR_COUNT;
	if (adv->version == 2 &&
	    (err = vrrp_read_auth(buf, len, adv)) != VRRP_PKT_OK)
		return err;
	/* backups would time such a master out (almost) at once */
	if (adv->interval == 0)
		return VRRP_PKT_ERR_INTERVAL;
	alen = vrrp_addr_len(af);
	for (i = 0; i < adv->naddrs; i++)
		memcpy(&adv->addrs[i], buf + VRRP_HDR_LEN + i * alen, alen);
	return VRRP_PKT_OK;
}
