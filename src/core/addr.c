/*
 * addr.c - address parsing and formatting, see addr.h.
 */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

int
addr_parse(const char *s, bool allow_prefix, struct addr *a, char *err,
    size_t errlen)
{
	char		 buf[INET6_ADDRSTRLEN + 8];
	char		*slash, *end;
	unsigned long	 plen;
	int		 max;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "invalid address \"%s\"", s);
		return -1;
	}
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL) {
		if (!allow_prefix) {
			snprintf(err, errlen,
			    "address \"%s\" must not have a prefix length", s);
			return -1;
		}
		*slash++ = '\0';
	}
	if (inet_pton(AF_INET, buf, &a->u.v4) == 1) {
		a->af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, &a->u.v6) == 1) {
		a->af = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errlen, "invalid address \"%s\"", s);
		return -1;
	}
	a->prefix = max;
	if (slash != NULL) {
		plen = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || plen > (unsigned long)max) {
			snprintf(err, errlen, "invalid prefix length in \"%s\" "
			    "(0-%d)", s, max);
			return -1;
		}
		a->prefix = plen;
	}
	return 0;
}

const char *
addr_fmt(const struct addr *a, bool with_prefix, char *buf, size_t len)
{
	char	tmp[INET6_ADDRSTRLEN];

	if (a->af != AF_INET && a->af != AF_INET6) {
		snprintf(buf, len, "unset");
		return buf;
	}
	inet_ntop(a->af, &a->u, tmp, sizeof(tmp));
	if (with_prefix)
		snprintf(buf, len, "%s/%u", tmp, a->prefix);
	else
		snprintf(buf, len, "%s", tmp);
	return buf;
}

size_t
addr_len(const struct addr *a)
{
	switch (a->af) {
	case AF_INET:
		return sizeof(a->u.v4);
	case AF_INET6:
		return sizeof(a->u.v6);
	default:
		return 0;
	}
}

int
addr_cmp(const struct addr *x, const struct addr *y)
{
	if (x->af != y->af)
		return x->af < y->af ? -1 : 1;
	return memcmp(&x->u, &y->u, addr_len(x));
}

bool
addr_is_set(const struct addr *a)
{
	return a->af == AF_INET || a->af == AF_INET6;
}

bool
addr_is_unusable_host(const struct addr *a)
{
	if (a->af == AF_INET)
		return a->u.v4.s_addr == htonl(INADDR_ANY) ||
		    IN_MULTICAST(ntohl(a->u.v4.s_addr));
	if (a->af == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&a->u.v6) ||
		    IN6_IS_ADDR_MULTICAST(&a->u.v6);
	return true;
}

bool
addr_is_v6_linklocal(const struct addr *a)
{
	return a->af == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&a->u.v6);
}

socklen_t
addr_sockaddr(const struct addr *a, uint16_t port, struct sockaddr_storage *ss)
{
	struct sockaddr_in	*s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->af == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr = a->u.v4;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	s6->sin6_addr = a->u.v6;
	s6->sin6_port = htons(port);
	return sizeof(*s6);
}
