/* SPDX-License-Identifier: MIT */
/*
 * agent/mq.h - a FIFO of encoded messages waiting for one controller
 * (while its association is down, while the socket is full) or kept for it
 * (the store of un-ACKed readings, the failover resend window). It owns
 * copies of everything pushed. A queue with a count limit drops its oldest
 * message when full (the caller counts it); a queue charged to a memory
 * budget (agent/budget.h) has every byte it allocates charged there, and
 * the budget decides what goes when memory is short.
 */
#ifndef AGENT_MQ_H
#define AGENT_MQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct budget;
struct mq;

struct mq_msg {
	uint16_t stream;
	uint32_t flags;		/* PS_SEND_* */
	uint32_t lifetime_ms;
	uint32_t seq;
	uint32_t epoch;		/* the reading's epoch (agent/store.c) */
	uint8_t prio;		/* sensor priority: lower goes first */
	uint64_t at_ms;		/* caller's time stamp (e.g. when queued) */
	uint64_t ticket;	/* caller's order number (agent/store.c) */
	size_t len;
	uint8_t data[];
};

/* @cap = most messages kept (the oldest is dropped to make room), 0 = no
 * count limit. -ENOMEM. */
int mq_create(unsigned int cap, struct mq **out);
void mq_destroy(struct mq *q);
/* Charge every byte this queue holds, from now on, to account @acct of
 * @b (call it while the queue is empty). */
void mq_charge_to(struct mq *q, struct budget *b, int acct);

/*
 * Copy a message in, at the tail or (@front, for one that is older than
 * all queued ones) at the head. Returns 0, 1 if a message was dropped to
 * make room under the count limit (the oldest; with @front that is this
 * one), or -ENOMEM: nothing was added and nothing dropped.
 */
int mq_push(struct mq *q, const struct mq_msg *hdr, const void *data, bool front);

/* The head (owned by the queue, valid until the queue changes) or NULL. */
const struct mq_msg *mq_peek(const struct mq *q);
void mq_pop(struct mq *q);
/* Remove the head and hand it to the caller, who frees it with free();
 * NULL if empty. */
struct mq_msg *mq_take(struct mq *q);
unsigned int mq_len(const struct mq *q);
/* Bytes this queue holds on the heap (messages and slot array). */
size_t mq_bytes(const struct mq *q);
/* The @i-th message from the head (0 = oldest), or NULL. */
const struct mq_msg *mq_at(const struct mq *q, unsigned int i);
void mq_clear(struct mq *q);
/* Remove every message for which @drop returns true; order is kept.
 * Returns how many were removed. */
unsigned int mq_filter(struct mq *q, bool (*drop)(const struct mq_msg *m, void *arg),
		       void *arg);

#endif
