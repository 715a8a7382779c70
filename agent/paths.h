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

#include "agent/paths_types.h"
#include "port/netlink.h"
#include "port/sctp.h"

struct agent;
struct assoc;
struct loop_timer;
struct cfg_controller;

int paths_init(struct agent *ag);
void paths_fini(struct agent *ag);
/* An association made after paths_init() (a reload added a controller):
 * its timers and recent-send window. -ENOMEM (paths_fini() frees what
 * was made once it is counted in ag->n_assoc). */
int paths_add_assoc(struct agent *ag, struct assoc *a);

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
/* The same flags without noting a send: a SENDALL is used only when they
 * agree for every association it reaches (each then gets paths_tx()). */
uint32_t paths_send_flags(const struct assoc *a);
/* SENDER_DRY for @a: everything sent is acknowledged. */
void paths_on_dry(struct assoc *a);

/* A message was handed to the stack for @a (kept for resend on failover). */
void paths_note_sent(struct assoc *a, uint16_t stream, uint32_t flags,
		     uint32_t lifetime_ms, uint32_t seq, const void *data,
		     size_t len);

/* Log every association's paths (SIGUSR1, status timer). */
void paths_log_status(struct agent *ag);
/* A reload changed path parameters (in the agent's configuration, in
 * place): the defaults for new associations and every live one's. */
void paths_reapply(struct agent *ag);

/* @c's addresses in the order INIT should try them (live local links
 * first, by priority); returns how many were written to @out. */
unsigned int paths_connect_order(const struct agent *ag, const struct cfg_controller *c,
				 struct net_addr *out);

/* Index of the peer path that should be primary now, or -1. */
int paths_best(const struct assoc *a);

#endif
