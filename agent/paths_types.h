/* SPDX-License-Identifier: MIT */
/*
 * agent/paths_types.h - the multihoming state paths.c keeps per
 * association (inside struct assoc) and per local path (inside struct
 * agent). Data only: the policy and its interface are agent/paths.h.
 */
#ifndef AGENT_PATHS_TYPES_H
#define AGENT_PATHS_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "port/netaddr.h"
#include "port/sctp.h"

struct agent;
struct loop_timer;

/* Per association, per controller address. */
struct peer_path {
	struct net_addr addr;
	int path;			/* local path index, -1 = any */
	enum ps_path_state state;
	bool confirmed;
	bool failed;			/* was unusable during this association */
	bool alarmed;			/* never-CONFIRMED alarm raised */
	uint64_t changed_ms;		/* last state change */
	uint64_t good_since_ms;		/* usable since (0 = not usable) */
};

/* Per local path. */
struct local_path {
	bool link_known, link_up;
	uint32_t ifindex;
	/* auto paths: addresses learnt from netlink and bound to the
	 * endpoint (an interface may hold the old and the new a while) */
	struct net_addr addrs[4];
	unsigned int n_addrs;
	/* new addresses the kernel announced before they could be bound,
	 * each with its own tries (a second never replaces the first) */
	struct { struct net_addr addr; unsigned int tries; } pending[4];
	unsigned int n_pending;
	/* addrs[] not confirmed by the dump after a netlink overrun */
	uint8_t stale;
	struct loop_timer *bind_timer;
	struct agent *ag;
	int index;
	uint64_t changed_ms;
	uint64_t up_since_ms;
};

#endif
