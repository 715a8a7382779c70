/* SPDX-License-Identifier: MIT */
/*
 * agent/assoc.h - one controller: its association's state machine, its
 * send path, the queues of what it was not sent yet and the store of what
 * it has not acknowledged yet.
 *
 *   IDLE --connect--> CONNECTING --COMM_UP--> UP --EOF--> SHUTTING_DOWN
 *     CONNECTING --CANT_STR_ASSOC--> DOWN      UP --COMM_LOST--> DOWN
 *     SHUTTING_DOWN --SHUTDOWN_COMP--> CLOSED (or DOWN if it reconnects)
 *     DOWN --backoff timer--> CONNECTING        UP --RESTART--> UP (HELLO)
 *
 * Seams for two later integrations (keep them when changing this file):
 *
 * (a) A secure channel per association (DTLS over SCTP, RFC 6083). Every
 *     message the agent sends to this controller (HELLO, GAP, readings,
 *     replay, replies) leaves through one function, assoc_tx.c's xmit(),
 *     the only caller of ps_send() with a payload for one association: with
 *     env->channel_send set it hands the message to the channel instead.
 *     Every DATA message from the controller enters through
 *     assoc_on_data(): with env->channel_data set it goes to the channel,
 *     which gives the plaintext back through assoc_deliver(). At COMM_UP
 *     the association calls env->channel_open() when set and holds
 *     everything of the agent's protocol (HELLO, readings, commands:
 *     assoc_deliver() drops what comes before) until assoc_channel_ready();
 *     without a channel it is ready at once. assoc_send_group() uses one
 *     SENDALL only for associations without a channel (a secured record is
 *     per association).
 * (b) The outbox (agent/outbox.h) holds every reading, on the device or in
 *     its memory tier, until each controller that takes it acknowledged
 *     it; the association's cursor (agent/cursor.h) replays what its
 *     controller has not acknowledged after a reconnect or a restart, and
 *     its ACKs move the controller's cursor in the outbox.
 *
 * Ownership: the caller provides the struct assoc storage (agent_int.h)
 * and an env that outlives it; payloads passed in are copied.
 */
#ifndef AGENT_ASSOC_H
#define AGENT_ASSOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "agent/log.h"
#include "port/sctp.h"

struct assoc;
struct budget;
struct cfg_controller;
struct config;
struct loop;
struct mq_msg;
struct outbox;

enum assoc_state {
	AS_IDLE,		/* not started */
	AS_CONNECTING,		/* INIT sent */
	AS_UP,
	AS_SHUTTING_DOWN,	/* EOF sent, waiting for SHUTDOWN_COMP */
	AS_DOWN,		/* lost; reconnect timer armed */
	AS_CLOSED,		/* closed on purpose; never reconnects */
};

struct assoc_stats {
	uint64_t msgs_sent, bytes_sent;
	uint64_t send_failed;		/* SEND_FAILED events */
	uint64_t requeued;		/* undelivered payloads left to the replay */
	uint64_t dropped;		/* never sent: unsendable, not stored, removed */
	uint64_t evicted;		/* lost in the outbox: budget, full disk, corrupt */
	uint64_t expired;		/* lifetime over before they could be sent */
	uint64_t connects, comm_up, comm_lost, restarts;
	uint64_t acks, cmds, bad_msgs;
	uint64_t failovers, failbacks, resent;
	uint64_t spurious;		/* failovers on a PF that was no fault */
	uint64_t abandoned;		/* PR-SCTP: lifetime over, not resent */
	uint64_t replayed;		/* readings sent from the outbox (reconnect,
					 * restart, catching up) */
	uint64_t lost;			/* seqs reported lost to the controller (GAP) */
	uint64_t no_stream;		/* readings on a stream the peer did not grant */
	uint64_t gap_msgs;		/* GAP messages sent */
	uint64_t ack_beyond;		/* ACKs above the highest seq assigned: refused */
	uint64_t ack_other_epoch;	/* ACKs naming an epoch this run does not hold */
};

/* The flag byte of a reading's outbox record (agent/outbox.h). */
#define ASSOC_REC_UNORDERED 0x1u	/* sent unordered (the sensor's setting) */

/* What the association needs from the agent that owns it. */
struct assoc_env {
	const struct config *cfg;
	struct loop *loop;
	struct ps_ep *ep;
	struct budget *budget;		/* the agent's one memory budget */
	struct outbox *ob;		/* every reading until acknowledged */
	uint32_t epoch;			/* this run's epoch (never 0) */
	uint64_t boot_id;
	int64_t start_wall_ms;
	void *arg;			/* first argument of every callback */
	/* The state changed (from @old): multihoming, the stop check. */
	void (*on_state)(void *arg, struct assoc *a, enum assoc_state old);
	/* A DATA message from the controller (after the channel). */
	void (*on_message)(void *arg, struct assoc *a, uint16_t stream,
			   uint32_t ppid, const uint8_t *buf, size_t len);
	/* A message was handed to the stack (failover resend window). */
	void (*on_sent)(void *arg, struct assoc *a, const struct mq_msg *m,
			const void *data);
	/* PS_SEND_* flags the multihoming policy adds to a message for @a
	 * (PS_SEND_SACK_NOW while its primary is an unmetered path);
	 * @sending: it goes to the stack now (the ack-delay sample starts),
	 * else only asked. NULL = none. */
	uint32_t (*tx_flags)(void *arg, struct assoc *a, bool sending);
	/* The socket is full: call assoc_flush() when it is writable. */
	void (*want_writable)(void *arg);
	/* The controller's addresses in the order INIT tries them; returns
	 * how many were written (at most CONFIG_MAX_CTRL_ADDRS). */
	unsigned int (*connect_order)(void *arg, struct assoc *a,
				      struct net_addr *out);
	/* Optional: look up the controller's host names before each connect
	 * (agent/names.h); the answer comes back through assoc_resolved(),
	 * from this call or later from the loop. NULL = numeric addresses. */
	void (*resolve)(void *arg, struct assoc *a);
	/* Optional secure channel (seam (a)), all four or none: start it at
	 * COMM_UP and RESTART (it calls assoc_channel_ready() when the
	 * agent's protocol may flow); send one message through it
	 * (ps_send()'s contract; -ENOTCONN: not now, the message stays
	 * queued until the channel calls assoc_flush()); take one DATA event
	 * of this association (it calls assoc_deliver() with each plaintext
	 * message); close it gracefully, then SCTP EOF (ps_send()'s return).
	 * NULL = no channel. */
	void (*channel_open)(void *arg, struct assoc *a);
	int (*channel_send)(void *arg, struct assoc *a, const struct ps_sndinfo *si,
			    const void *buf, size_t len);
	void (*channel_data)(void *arg, struct assoc *a, const struct ps_event *ev);
	int (*channel_close)(void *arg, struct assoc *a);
};

/* @a is storage owned by the caller; @index is the controller's index in
 * env->cfg. -ENOMEM. */
int assoc_init(struct assoc *a, const struct assoc_env *env, unsigned int index);
void assoc_fini(struct assoc *a);

/* Start connecting (IDLE or DOWN; no effect once closed or stopping). */
void assoc_connect(struct assoc *a);

/* The host names of env->resolve are looked up: connect to @view (the
 * controller's entry with each name replaced by its addresses; it must
 * outlive the association), or, @rc < 0, try again after the backoff. */
void assoc_resolved(struct assoc *a, const struct cfg_controller *view, int rc);

/* Events of this association's id (current or the previous one). */
void assoc_on_change(struct assoc *a, const struct ps_event *ev);
void assoc_on_data(struct assoc *a, const struct ps_event *ev);
/* One message of the agent's protocol from the controller (plaintext,
 * after the channel if any); with a channel, dropped before it is ready. */
void assoc_deliver(struct assoc *a, uint16_t stream, uint32_t ppid,
		   const uint8_t *buf, size_t len);
void assoc_on_send_failed(struct assoc *a, const struct ps_event *ev);
/* The secure channel is up (seam (a)): HELLO, the replay, the queue. */
void assoc_channel_ready(struct assoc *a);

/* A reading for this controller (@data the whole message; m->epoch 0):
 * sent now when the association is live, else its cursor sends it from
 * the outbox later. @stored: the outbox holds it (if not, a reading that
 * cannot go now is lost, and named in a GAP). */
void assoc_send(struct assoc *a, const struct mq_msg *m, const void *data,
		bool stored);
/*
 * The same reading for every association in @as[0..n) whose bit is set in
 * @mask: one SENDALL when every association of the endpoint is among them,
 * live, without a backlog or a channel; else assoc_send() each. Returns
 * true if one SENDALL carried it.
 */
bool assoc_send_group(struct assoc *const *as, unsigned int n, uint64_t mask,
		      const struct mq_msg *m, const void *data, bool stored);
/* Take the outbox's loss reports for this controller into its GAP ranges
 * (counted; sent once it is up). */
void assoc_pull_lost(struct assoc *a);
/* Seq @seq of @stream was assigned but will never be sent to @a (it
 * could not be encoded): reported in a GAP. */
void assoc_gap(struct assoc *a, uint16_t stream, uint32_t seq);
/* A control message (a reply): before any reading waiting for @a. */
void assoc_send_ctrl(struct assoc *a, const void *data, size_t len);
/* Send what waits for @a while the socket takes it. */
void assoc_flush(struct assoc *a);

/* A cumulative ACK from the controller for (@epoch, @stream) up to @seq
 * (@epoch 0 = the current one): forget what it covers. An ACK above the
 * highest seq assigned is refused and counted; one that does not move
 * forward (serial-number order) is ignored. */
void assoc_on_ack(struct assoc *a, uint32_t epoch, uint16_t stream, uint32_t seq);
/* Counters of what the controller sent (command.c). */
enum assoc_input { ASSOC_IN_ACK, ASSOC_IN_CMD, ASSOC_IN_BAD };
void assoc_count_input(struct assoc *a, enum assoc_input what);

/* Why an association is closed (graceful EOF on it alone; a connecting
 * one is aborted: Linux deletes an EOF'd INIT without telling). */
enum assoc_close_how {
	ASSOC_CLOSE_STOP,	/* the agent stops: never again */
	ASSOC_CLOSE_REMOVE,	/* gone from the configuration: what it held and
				 * what comes for it is dropped (counted, GAP)
				 * until assoc_reopen() */
	ASSOC_CLOSE_HOLD,	/* the controller's CLOSE: keep its readings and
				 * connect again after @hold_ms (+-20 %) */
};
void assoc_close(struct assoc *a, enum assoc_close_how how, uint32_t hold_ms);
/* A reload changed the controller's entry in env->cfg (in place): its
 * addresses or port, host names, streams, the sensors it takes or its
 * tls_name (@what names them in the log line). Close this association
 * gracefully (a connecting one is aborted) and connect again at once as
 * the entry is now (the next HELLO lists its streams), keeping what is
 * held for it. No effect once closed for good or removed. */
void assoc_readdress(struct assoc *a, const char *what);
/* Back in the configuration after ASSOC_CLOSE_REMOVE: connect again. */
void assoc_reopen(struct assoc *a);
/* Removed from the configuration (and not reopened). */
bool assoc_removed(const struct assoc *a);

/* Read-only views. */
const char *assoc_name(const struct assoc *a);
unsigned int assoc_index(const struct assoc *a);
enum assoc_state assoc_state(const struct assoc *a);
const char *assoc_state_name(enum assoc_state s);
ps_assoc_id assoc_id(const struct assoc *a);
/* PS_FEAT_* the peer negotiated at the last COMM_UP (AUTH, PR-SCTP, ...). */
uint32_t assoc_features(const struct assoc *a);
/* @id is this association's current id or its previous one (late
 * SEND_FAILED events of a lost association). */
bool assoc_owns_id(const struct assoc *a, ps_assoc_id id);
void assoc_get_stats(const struct assoc *a, struct assoc_stats *st);
/* Messages waiting to be sent before a new reading can go directly
 * (control queue, GAPs, 1 while the cursor is behind). */
unsigned int assoc_backlog(const struct assoc *a);
/* Bytes held for this controller in memory (its control queue), as
 * charged to the budget; the readings are the outbox's. */
size_t assoc_bytes(const struct assoc *a);
uint32_t assoc_acked(const struct assoc *a, uint16_t stream);
uint32_t assoc_backoff_ms(const struct assoc *a);

/* Next reconnect delay: @base +-20 % from @rnd (32 random bits). */
uint32_t assoc_jitter(uint32_t base, uint32_t rnd);

/* Every log line of an association names the controller, id and state. */
#define ALOG(a, lvl, fmt, ...)                                              \
	LOG(LOGM_ASSOC, lvl, "ctrl=%s assoc=%u state=%s: " fmt, assoc_name(a), \
	    (unsigned int)assoc_id(a), assoc_state_name(assoc_state(a)),       \
	    ##__VA_ARGS__)

#endif
