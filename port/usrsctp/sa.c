/* SPDX-License-Identifier: MIT */
/* port/usrsctp: struct net_addr <-> sockaddr (usrsctp's own AF_* values
 * are the system's for IPv4/IPv6). */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/usrsctp/us.h"

/* @port (host order) overrides a->port when nonzero. */
int us_to_sa(const struct net_addr *a, uint16_t port,
	     struct sockaddr_storage *ss, socklen_t *len)
{
	uint16_t p = port ? port : a->port;

	memset(ss, 0, sizeof(*ss));
	if (a->family == NET_AF_INET4) {
		struct sockaddr_in sin;

		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(p);
		memcpy(&sin.sin_addr, a->a, 4);
		memcpy(ss, &sin, sizeof(sin));
		*len = sizeof(sin);
		return 0;
	}
	if (a->family == NET_AF_INET6) {
		struct sockaddr_in6 sin6;

		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(p);
		sin6.sin6_scope_id = a->scope_id;
		memcpy(&sin6.sin6_addr, a->a, 16);
		memcpy(ss, &sin6, sizeof(sin6));
		*len = sizeof(sin6);
		return 0;
	}
	return -EINVAL;
}

/* usrsctp reads a zero ss_family as no address at all (EAFNOSUPPORT or
 * EINVAL); "every path" is the AF_INET wildcard. */
void us_any_sa(struct sockaddr_storage *ss)
{
	struct sockaddr_in sin;

	memset(ss, 0, sizeof(*ss));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	memcpy(ss, &sin, sizeof(sin));
}

/* v4-mapped IPv6 comes back as plain IPv4 so comparisons stay simple. */
int us_from_sa(const struct sockaddr *sa, socklen_t len, struct net_addr *a)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };

	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
		struct sockaddr_in sin;

		memcpy(&sin, sa, sizeof(sin));
		a->family = NET_AF_INET4;
		a->port = ntohs(sin.sin_port);
		memcpy(a->a, &sin.sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 sin6;

		memcpy(&sin6, sa, sizeof(sin6));
		a->port = ntohs(sin6.sin6_port);
		if (memcmp(&sin6.sin6_addr, mapped, 12) == 0) {
			a->family = NET_AF_INET4;
			memcpy(a->a, (const uint8_t *)&sin6.sin6_addr + 12, 4);
			return 0;
		}
		a->family = NET_AF_INET6;
		a->scope_id = sin6.sin6_scope_id;
		memcpy(a->a, &sin6.sin6_addr, 16);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int us_pack_addrs(const struct net_addr *a, unsigned int n, uint16_t port,
		  uint8_t *out, size_t size, size_t *used)
{
	size_t off = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		int rc = us_to_sa(&a[i], port, &ss, &len);

		if (rc < 0)
			return rc;
		if (off + len > size)
			return -EINVAL;
		memcpy(out + off, &ss, len);
		off += len;
	}
	*used = off;
	return 0;
}
