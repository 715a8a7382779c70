/* SPDX-License-Identifier: MIT */
/*
 * agent/paths_int.h - what agent/paths.c (the failover policy) and
 * agent/paths_health.c (timers that need no help from the peer, spurious
 * failovers, flapping) share. Nothing outside these two includes it.
 */
#ifndef AGENT_PATHS_INT_H
#define AGENT_PATHS_INT_H

#include <stdbool.h>
#include <stdint.h>

struct agent;
struct assoc;
struct cfg_path;

/* paths.c */
const struct cfg_path *paths_cfg(const struct agent *ag, int p);
const char *paths_peer_name(const struct assoc *a, int i);
bool paths_local_up(const struct agent *ag, int p);

/* paths_health.c */
int health_init(struct agent *ag);
void health_fini(struct agent *ag);
/* The RTO floor for a new association, before any ack delay is known. */
uint32_t health_start_floor(uint32_t rto_min_ms, uint32_t rto_max_ms);
void health_assoc_up(struct assoc *a);
/* The primary moved to a->primary (on purpose or on a failure). */
void health_primary_changed(struct assoc *a);
/* True (and noted) if a demand heartbeat to peer path @i may go now. */
bool health_hb_due(struct assoc *a, int i);
/* Peer path @i went PF / UNREACHABLE; @primary: it carried the traffic. */
void health_peer_failed(struct assoc *a, int i, bool primary);
/* Peer path @i is AVAILABLE again. */
void health_peer_ok(struct assoc *a, int i);
/* Local path @p failed (link down, or one of its peer paths failed). */
void health_path_failed(struct agent *ag, int p);
/* @lvl, or LOG_DEBUG while local path @p flaps (counted as muted). */
int health_level(struct agent *ag, int p, int lvl);
void health_log_status(struct assoc *a);
void health_log_local(struct agent *ag, int p);

#endif
