/* SPDX-License-Identifier: MIT */
/*
 * agent/mq.h - a bounded FIFO of encoded messages waiting for one
 * controller (while its association is down, while the socket is full, or
 * returned by SEND_FAILED). When full, the oldest message is dropped and
 * the caller counts it. The queue owns copies of everything pushed.
 */
#ifndef AGENT_MQ_H
#define AGENT_MQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mq;

struct mq_msg {
	uint16_t stream;
	uint32_t flags;		/* PS_SEND_* */
	uint32_t lifetime_ms;
	uint32_t seq;
	uint32_t epoch;		/* the reading's epoch (agent/store.c) */
	uint8_t prio;		/* sensor priority: lower goes first */
	uint64_t at_ms;		/* caller's time stamp (e.g. when sent) */
	uint64_t ticket;	/* caller's order number (agent/store.c) */
	size_t len;
	uint8_t data[];
};

/* -ENOMEM. @cap >= 1 messages. */
int mq_create(unsigned int cap, struct mq **out);
void mq_destroy(struct mq *q);

/*
 * Copy a message in, at the tail or (@front, for a returned message that
 * is older than all queued ones) at the head. Returns 0, 1 if a message
 * was dropped to make room (the oldest; with @front that is this one),
 * or -ENOMEM.
 */
int mq_push(struct mq *q, const struct mq_msg *hdr, const void *data, bool front);

/* The head (owned by the queue, valid until mq_pop) or NULL if empty. */
const struct mq_msg *mq_peek(const struct mq *q);
void mq_pop(struct mq *q);
unsigned int mq_len(const struct mq *q);
bool mq_full(const struct mq *q);
/* The @i-th message from the head (0 = oldest), or NULL. */
const struct mq_msg *mq_at(const struct mq *q, unsigned int i);
void mq_clear(struct mq *q);
/* Remove every message for which @drop returns true; order is kept.
 * Returns how many were removed. */
unsigned int mq_filter(struct mq *q, bool (*drop)(const struct mq_msg *m, void *arg),
		       void *arg);

#endif
