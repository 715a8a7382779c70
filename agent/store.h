/* SPDX-License-Identifier: MIT */
/*
 * agent/store.h - one controller's store of readings handed to the stack
 * that the controller has not acknowledged yet, in the order they were
 * sent. The association appends what it sends, removes what a cumulative
 * ACK covers, walks it oldest-first to replay it on a new association and
 * evicts its oldest entry when told to. This interface is what the durable
 * outbox backs later; this implementation keeps the entries in memory.
 *
 * Each entry gets a ticket (1, 2, ... in append order, never reused), so a
 * replay cursor survives entries removed under it by ACKs or eviction.
 * Ownership: the store copies what is appended; a returned entry is valid
 * until the next call that changes the store.
 */
#ifndef AGENT_STORE_H
#define AGENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct budget;
struct mq_msg;
struct store;

/* One lost sequence range of one (epoch, stream) (inclusive). */
struct store_range {
	uint32_t epoch;
	uint16_t stream;
	uint32_t first, last;
};

/* Every byte the store holds is charged to account @acct of @b (the
 * budget evicts through the account's owner, which calls
 * store_evict_oldest()). -ENOMEM. */
int store_create(struct budget *b, int acct, struct store **out);
void store_destroy(struct store *s);

/* Keep a copy of a reading just sent (m->epoch, m->stream, m->seq).
 * 0, or -ENOMEM (nothing changed). */
int store_append(struct store *s, const struct mq_msg *m, const void *data);
/* Cumulative ACK: remove every entry of (@epoch, @stream) with seq <= @seq
 * (serial-number order). Returns how many were removed. */
unsigned int store_ack(struct store *s, uint32_t epoch, uint16_t stream,
		       uint32_t seq);
/* The lowest seq (serial order) stored for (@epoch, @stream): true and
 * *@seq, or false if there is none. */
bool store_lowest(const struct store *s, uint32_t epoch, uint16_t stream,
		  uint32_t *seq);
/* The oldest entry whose ticket is >= @pos (NULL if none); *@ticket gets
 * its ticket. Replay: pos = 1, then ticket + 1 after each entry. */
const struct mq_msg *store_from(const struct store *s, uint64_t pos,
				uint64_t *ticket);
/* The ticket the next append will get (a replay of what is stored now
 * stops before it). */
uint64_t store_next_ticket(const struct store *s);
/* Remove the oldest entry: 1 and *@lost set, 0 if the store is empty. */
int store_evict_oldest(struct store *s, struct store_range *lost);
unsigned int store_len(const struct store *s);
size_t store_bytes(const struct store *s);
void store_clear(struct store *s);

#endif
