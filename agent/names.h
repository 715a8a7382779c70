/* SPDX-License-Identifier: MIT */
/*
 * agent/names.h - controllers given by host name. Before each connect
 * attempt (the first and every reconnect) the names in a controller's
 * address list are looked up again (port/resolve.h: A and AAAA, the
 * board's resolv.conf, a bounded timeout), so a DNS change moves the
 * controller at its next association. The connect path then uses the
 * controller's *view*: its config entry with each name replaced by the
 * addresses it resolved to, each keeping the name's @path.
 *
 * A name that does not exist (NXDOMAIN, no address) contributes nothing;
 * one whose lookup failed for a passing reason (timeout, unreachable or
 * failing nameserver) keeps its last addresses, so a DNS outage does not
 * stop a fleet from reconnecting. Each failure is logged with the
 * controller, the name and the reason. Controllers with numeric
 * addresses only never touch the resolver.
 */
#ifndef AGENT_NAMES_H
#define AGENT_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/config.h"

struct loop;
struct names;

/* Lookups of one controller are over: 0 = its view has at least one
 * address, -EHOSTUNREACH = none. */
typedef void (*names_done)(void *arg, int rc);

struct names_stats {
	uint64_t lookups;	/* names looked up */
	uint64_t failed;	/* lookups that failed (each logged) */
	uint64_t moved;		/* a name's addresses changed */
	uint64_t kept;		/* failures that kept the last addresses */
};

/* No resolver is made when no controller has a host name. -ENOMEM, or
 * resolver_create()'s error. @cfg must outlive the object. */
int names_create(struct loop *l, const struct config *cfg, struct names **out);
/* Pending lookups are dropped (no callbacks). NULL is fine. */
void names_destroy(struct names *n);

/* Controller @ctrl of the config is new (a reload appended it) or its
 * entry changed in place. @forget (new, or its address list changed):
 * forget its lookups and last answers, pending ones cancelled without a
 * callback (its association connects again, which asks anew); else (its
 * streams, tls_name...) the view is rebuilt from the entry, keeping the
 * answers. The resolver is made if it is the first controller with a
 * host name. 0; -EINVAL @ctrl out of range; resolver_create()'s error
 * (its names then do not resolve: names_resolve() says -EHOSTUNREACH). */
int names_changed(struct names *n, unsigned int ctrl, bool forget);

/*
 * Before connecting controller @ctrl:
 *   0             connect now to names_view() (no host names: the view
 *                 is the config entry itself)
 *   -EINPROGRESS  lookups were started: @done runs later from the loop,
 *                 once; called again meanwhile, only @done/@arg change
 *   -EHOSTUNREACH no lookup could start (each logged) and no address is
 *                 known: try again later
 */
int names_resolve(struct names *n, unsigned int ctrl, names_done done, void *arg);

/* The addresses to connect @ctrl to: its config entry with the names
 * resolved by the last names_resolve() (none before the first). Valid
 * until names_destroy(). */
const struct cfg_controller *names_view(const struct names *n, unsigned int ctrl);

const struct names_stats *names_stats(const struct names *n);

#endif
