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
 */
#ifndef AGENT_PATHS_H
#define AGENT_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/paths_types.h"
#include "port/netlink.h"
#include "port/sctp.h"

struct agent;
struct assoc;
struct loop_timer;
struct cfg_controller;

int paths_init(struct agent *ag);
void paths_fini(struct agent *ag);

/* Association events. */
void paths_assoc_up(struct assoc *a);
void paths_assoc_down(struct assoc *a);
void paths_on_peer(struct assoc *a, const struct ps_event *ev);

/* Local link / address events (port/netlink.h). */
void paths_on_netlink(struct agent *ag, const struct pn_event *ev);

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
