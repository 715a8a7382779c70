/* SPDX-License-Identifier: MIT */
/*
 * agent/paths.h - multihoming policy. Local paths ([path.NAME]: Ethernet,
 * cellular) are watched through link and address events; each controller
 * address is a peer path whose state comes from SCTP PEER_ADDR_CHANGE.
 * The policy keeps every association's primary on the best usable path:
 *   - at once, when the primary's local link goes down or its peer address
 *     becomes UNREACHABLE / POTENTIALLY_FAILED; messages sent on the dead
 *     path in the last RTO are sent again on the new one (the controller
 *     drops the duplicates), so none waits for T3 on a dead link;
 *   - back to a preferred path only after it stayed good for its
 *     failback_hold_ms, so a flapping cable does not flap traffic;
 *   - an alarm for a peer path never CONFIRMED within confirm_timeout_ms
 *     (RFC 9260 never fails over to an unconfirmed address).
 * Fast timers without the peer's help (paths_health.c):
 *   - every message sent while the primary is an unmetered path asks for
 *     an immediate SACK (RFC 7053 I bit), so a peer at its delayed-SACK
 *     default (Linux: 200 ms) never lets a 30 ms RTO fire;
 *   - the time from a send to SENDER_DRY (all acknowledged) is the peer's
 *     ack delay on the primary: the association's RTO floor stays above
 *     the recent worst of it (a peer that ignores the I bit, a metered path
 *     that does not ask), conservative until a few samples are in;
 *   - a PF that recovers within one RTO on a live link is a spurious
 *     failover: counted, and the floor of that path doubled;
 *   - a path that fails PATHS_FLAP_COUNT times within PATHS_FLAP_WINDOW_MS
 *     raises one alarm; its changes are logged at debug level until it
 *     has been stable for that window.
 */
#ifndef AGENT_PATHS_H
#define AGENT_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/netlink.h"
#include "port/sctp.h"

struct agent;
struct assoc;
struct loop_timer;
struct cfg_controller;

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
	/* a new address the kernel announced before it could be bound */
	struct net_addr pending;
	unsigned int bind_tries;
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

int paths_init(struct agent *ag);
void paths_fini(struct agent *ag);

/* Association events. */
void paths_assoc_up(struct assoc *a);
void paths_assoc_down(struct assoc *a);
void paths_on_peer(struct assoc *a, const struct ps_event *ev);

/* Local link / address events (port/netlink.h). */
void paths_on_netlink(struct agent *ag, const struct pn_event *ev);

/* Call just before a message goes to the stack for @a: returns the
 * PS_SEND_* flags to add (PS_SEND_SACK_NOW while the primary is an
 * unmetered path) and notes the send time for the ack-delay sample. */
uint32_t paths_tx(struct assoc *a);
/* The same for one SENDALL to every association that is up; the flags
 * are those of the first. paths_send_flags() lets the caller check that
 * they agree before it uses SENDALL at all. */
uint32_t paths_tx_all(struct agent *ag);
uint32_t paths_send_flags(const struct assoc *a);
/* SENDER_DRY for @a: everything sent is acknowledged. */
void paths_on_dry(struct assoc *a);

/* A message was handed to the stack for @a (kept for resend on failover). */
void paths_note_sent(struct assoc *a, uint16_t stream, uint32_t flags,
		     uint32_t lifetime_ms, uint32_t seq, const void *data,
		     size_t len);

/* Log every association's paths (SIGUSR1, status timer). */
void paths_log_status(struct agent *ag);

/* @c's addresses in the order INIT should try them (live local links
 * first, by priority); returns how many were written to @out. */
unsigned int paths_connect_order(const struct agent *ag, const struct cfg_controller *c,
				 struct net_addr *out);

/* Index of the peer path that should be primary now, or -1. */
int paths_best(const struct assoc *a);

#endif
