/* SPDX-License-Identifier: MIT */
/*
 * agent/assoc_int.h - the layout of struct assoc. assoc.c owns every
 * field but the multihoming block, which paths.c owns (it steers this
 * association's paths); agent.c only allocates the storage. Nothing else
 * includes this file: the interface is agent/assoc.h.
 */
#ifndef AGENT_ASSOC_INT_H
#define AGENT_ASSOC_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/assoc.h"
#include "agent/paths_types.h"

struct agent;
struct cursor;
struct gaps;
struct loop_timer;
struct mq;

struct assoc {
	const struct assoc_env *env;
	struct agent *ag;		/* set by agent.c, read by paths.c and agent.c */
	const struct cfg_controller *cfg;
	unsigned int index;
	enum assoc_state state;
	ps_assoc_id id;
	ps_assoc_id old_id;		/* previous id: late SEND_FAILED events */
	uint16_t out_streams;
	uint32_t features;		/* PS_FEAT_* */
	uint32_t backoff_ms;		/* next reconnect delay (before jitter) */
	uint64_t state_since_ms;
	bool final;			/* stopping or removed: never reconnect */
	bool removed;			/* removed from the configuration */
	uint32_t hold_ms;		/* CLOSE command: reconnect after this */
	bool readdress;			/* closing to connect to new addresses */
	bool ready;			/* COMM_UP and the channel (if any) ready */
	uint64_t ready_ms;		/* when it became ready (ASSOC_STABLE_MS) */
	struct loop_timer *timer;	/* reconnect */
	/* what waits to be sent, flushed in this order */
	struct mq *ctrlq;		/* HELLO, replies (stream 0) */
	struct gaps *gaps;		/* lost ranges until the ACK passes them */
	struct cursor *cur;		/* its position in the outbox */
	uint64_t replay_from;		/* st.replayed when it came up */
	bool replay_told;		/* the catch-up line was logged */
	uint32_t acked[CONFIG_MAX_STREAMS];	/* last cumulative ACK per stream */
	uint32_t assigned[CONFIG_MAX_STREAMS];	/* highest seq handed to us */
	uint64_t ack_log_ms;		/* rate limit of the refused-ACK line */
	int acct;			/* its account in env->budget */
	uint64_t lost_log_ms;		/* rate limit of the loss line */
	uint64_t lost_logged;		/* losses said so far */
	/* multihoming (paths.c) */
	struct peer_path peers[CONFIG_MAX_CTRL_ADDRS];
	unsigned int n_peers;
	int primary;			/* index in peers, -1 = unknown */
	uint64_t up_ms;			/* COMM_UP time (confirm alarms) */
	struct loop_timer *failback_timer;
	struct loop_timer *confirm_timer;
	bool unconfirmed_alarm;
	struct mq *recent;		/* last messages sent, for failover resend */
	struct path_policy pol;		/* paths_health.c */
	struct assoc_stats st;
};

/* Shared by assoc.c (state machine) and assoc_tx.c (send path). */
void assoc_set_state(struct assoc *a, enum assoc_state s);
/* The association is up and ready: HELLO, replay, queue. */
void assoc_tx_up(struct assoc *a);
/* The association is gone: nothing more from the outbox until the next. */
void assoc_tx_down(struct assoc *a);
/* Drop everything held (removed from the configuration): counted, GAP. */
void assoc_tx_drop_all(struct assoc *a);
/* @m (a reading for this controller) will never be sent: GAP. */
void assoc_lose(struct assoc *a, const struct mq_msg *m);

#endif
