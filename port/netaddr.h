/* SPDX-License-Identifier: MIT */
/*
 * A network address as the core sees it: no sockaddr, no OS headers.
 * Plain value type; copy it freely. The port converts to/from sockaddr.
 */
#ifndef PORT_NETADDR_H
#define PORT_NETADDR_H

#include <stdint.h>
#include <stdbool.h>

enum net_family {
	NET_AF_NONE = 0,
	NET_AF_INET4 = 4,
	NET_AF_INET6 = 6,
};

struct net_addr {
	uint8_t family;		/* enum net_family */
	uint8_t pad;
	uint16_t port;		/* host byte order; 0 = unset */
	uint32_t scope_id;	/* IPv6 link-local zone (interface index) */
	uint8_t a[16];		/* network byte order; IPv4 in a[0..3] */
};

/* Longest text net_addr_format() writes, NUL included: "[v6%scope]:port". */
#define NET_ADDR_STRLEN 64

/*
 * Parse a numeric IPv4 ("192.0.2.1") or IPv6 ("2001:db8::1", "fe80::1%3")
 * address. No names, no port. Returns 0, or -EINVAL when @s is not a
 * numeric address (a host name included: resolution is the caller's job).
 */
int net_addr_parse(const char *s, struct net_addr *out);

/* Write "addr" (port 0) or "addr:port" / "[v6]:port". Always NUL-terminates. */
void net_addr_format(const struct net_addr *a, char *buf, unsigned int size);

/* Same family, bytes, scope and port. */
bool net_addr_equal(const struct net_addr *x, const struct net_addr *y);

/* Same family, bytes and scope; port ignored. */
bool net_addr_same_host(const struct net_addr *x, const struct net_addr *y);

/* True for 0.0.0.0 and :: (the wildcard, which the agent never binds). */
bool net_addr_is_any(const struct net_addr *a);

#endif
