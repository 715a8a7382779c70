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

#define PATHS_ACKD_SAMPLES 8		/* ack delays kept per peer path */
#define PATHS_FLAP_COUNT 4		/* failures within the window = flapping */
#define PATHS_FLAP_WINDOW_MS 60000u

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
	/* ack delay (send -> SENDER_DRY) while this path was primary, ms */
	uint16_t ackd[PATHS_ACKD_SAMPLES];
	unsigned int n_ackd;		/* samples taken (saturates) */
	unsigned int ackd_next;
	uint64_t pf_ms;			/* went PF/UNREACHABLE on a live link */
	uint32_t pf_window_ms;		/* recovery sooner than this = spurious */
	bool pf_failover;		/* ... and the primary moved away */
	/* we made it primary at prim_ms: Linux echoes that as MADE_PRIM */
	bool prim_echo;
	uint64_t prim_ms;
	/* a demand heartbeat went at hb_ms (see health_hb_due) */
	bool hb_asked;
	uint64_t hb_ms;
};

/* Per association: what paths_health.c needs between events. */
struct path_policy {
	uint64_t tx_ms;			/* last send since the last SENDER_DRY */
	int tx_peer;			/* the primary it went to */
	bool tx_disturbed;		/* the primary changed since: no sample */
	uint32_t floor_ms;		/* RTO floor applied to the association */
	uint32_t rto_max_ms;		/* the association's rto_max */
	int floor_peer;			/* ... for this peer path (-1 = none) */
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
	/* flapping: the last PATHS_FLAP_COUNT failures (link down, or PF /
	 * UNREACHABLE of a controller address on this path) */
	uint64_t fail_ms[PATHS_FLAP_COUNT];
	unsigned int fail_next;
	uint64_t failures;		/* since start */
	bool flapping;
	uint64_t flapping_since_ms;
	uint32_t muted;			/* changes logged at debug while flapping */
	struct loop_timer *flap_timer;
};

#endif
