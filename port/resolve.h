/* SPDX-License-Identifier: MIT */
/*
 * port/resolve.h - asynchronous host name lookups on the event loop.
 * One query asks for a name's IPv4 (A) and/or IPv6 (AAAA) addresses with
 * the board's resolver configuration (resolv.conf: nameservers, search
 * domains, timeout/attempts options; /etc/hosts), bounded by a timeout.
 * port/posix/resolve.c is c-ares (its sockets watched by the loop, its
 * retransmission timeouts on a loop timer); tests/fake/fake_resolve.c
 * answers from a table the test fills.
 */
#ifndef PORT_RESOLVE_H
#define PORT_RESOLVE_H

#include <stdint.h>

#include "port/netaddr.h"

struct loop;
struct resolver;
struct resolve_query;

#define RESOLVE_MAX_ADDRS 16	/* addresses one answer keeps, at most */

enum resolve_family {
	RESOLVE_ANY,		/* A and AAAA */
	RESOLVE_INET4,		/* A only */
	RESOLVE_INET6,		/* AAAA only */
};

struct resolve_config {
	const char *resolv_conf;	/* NULL = /etc/resolv.conf */
	uint32_t timeout_ms;		/* a whole query, every server and
					 * retry included; 0 = 5000 */
};

/*
 * Called once per query, always from the loop (never from inside
 * resolve_start()), unless the query was cancelled. @status:
 *   0             @n >= 1 addresses (port 0), in the resolver's order
 *                 (RFC 6724), duplicates removed; valid during the call
 *   -ENOENT       the name does not exist (NXDOMAIN, or not in /etc/hosts
 *                 and not in DNS)
 *   -ENODATA      the name exists but has no address of that family
 *   -ETIMEDOUT    no answer within the timeout
 *   -ECONNREFUSED no nameserver could be reached
 *   -EAGAIN       the nameserver failed (SERVFAIL): try again later
 *   -EACCES       the nameserver refused to answer (REFUSED)
 *   -EINVAL       the name is not a valid DNS name
 *   -EIO          a malformed answer, or resolv.conf could not be used
 *   -ENOMEM
 */
typedef void (*resolve_cb)(void *arg, int status, const struct net_addr *addrs,
			   unsigned int n);

/* -ENOMEM, -EIO (the library would not initialize). @c may be NULL. */
int resolver_create(struct loop *l, const struct resolve_config *c,
		    struct resolver **out);
/* Cancels every pending query (no callbacks). NULL is fine. */
void resolver_destroy(struct resolver *r);

/*
 * Start resolving @name (a host name; a numeric address is returned as
 * it is). *q, if @q is not NULL, identifies the query until its callback
 * runs. -EINVAL an empty or too long name, -ENOMEM, -EMFILE.
 */
int resolve_start(struct resolver *r, const char *name, enum resolve_family fam,
		  resolve_cb cb, void *arg, struct resolve_query **q);
/* Drop a pending query: its callback will not run. */
void resolve_cancel(struct resolve_query *q);

#endif
