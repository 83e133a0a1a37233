/*
 * addr.h - IPv4/IPv6 addresses with an optional prefix length.
 */
#ifndef DIRECTOR_ADDR_H
#define DIRECTOR_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct addr {
	sa_family_t	af;		/* AF_UNSPEC when unset */
	uint8_t		prefix;		/* 32 or 128 when none was given */
	union {
		struct in_addr	v4;
		struct in6_addr	v6;
	} u;
};

/* Longest text addr_fmt() writes, with "/128". */
#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 4)

/*
 * Parses "A.B.C.D", "A.B.C.D/N", "X::Y" or "X::Y/N". Without a prefix
 * the host prefix is set. allow_prefix == false refuses "/N".
 * Returns 0, or -1 with a reason in err.
 */
int	 addr_parse(const char *s, bool allow_prefix, struct addr *a,
	    char *err, size_t errlen);
/* Writes the address (with "/N" when with_prefix); returns buf. */
const char *addr_fmt(const struct addr *a, bool with_prefix, char *buf,
	    size_t len);
/* Compares family then bytes (prefix ignored): <0, 0, >0. */
int	 addr_cmp(const struct addr *, const struct addr *);
/* Byte length of the address for its family (4 or 16, 0 if unset). */
size_t	 addr_len(const struct addr *);
bool	 addr_is_set(const struct addr *);
/* a with port as a socket address in *ss; returns its length. */
struct sockaddr_storage;
socklen_t addr_sockaddr(const struct addr *a, uint16_t port,
	    struct sockaddr_storage *ss);
/* True for 0.0.0.0 / :: and for multicast addresses. */
bool	 addr_is_unusable_host(const struct addr *);
bool	 addr_is_v6_linklocal(const struct addr *);

#endif
