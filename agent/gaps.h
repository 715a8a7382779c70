/* SPDX-License-Identifier: MIT */
/*
 * agent/gaps.h - one controller's lost sequence ranges: numbers the agent
 * assigned that will never reach that controller (evicted from a full
 * budget, not encodable, refused by the stack, abandoned by PR-SCTP).
 * Each range is sent in a GAP message (docs/PROTOCOL.md) and kept until
 * the controller's cumulative ACK has passed it, so a GAP lost with its
 * association is sent again on the next one. Adjacent ranges merge.
 */
#ifndef AGENT_GAPS_H
#define AGENT_GAPS_H

#include <stdint.h>

struct gaps;
struct msg_gap;

/* At most @cap ranges are kept (when full, the oldest is forgotten; the
 * HELLO "low" still tells the controller). -EINVAL, -ENOMEM. */
int gaps_create(unsigned int cap, struct gaps **out);
void gaps_destroy(struct gaps *g);

/* first..last (serial order) of (@epoch, @stream) is lost. Returns how
 * many of those seqs no kept range covered yet (what to count as newly
 * lost: the same range reported twice counts once). When the table is
 * full the oldest range is forgotten (gaps_forgotten()). */
uint64_t gaps_add(struct gaps *g, uint32_t epoch, uint16_t stream,
		  uint32_t first, uint32_t last);
uint64_t gaps_forgotten(const struct gaps *g);
/* The controller's cumulative point on (@epoch, @stream) reached @seq:
 * the ranges it covers are done. */
void gaps_ack(struct gaps *g, uint32_t epoch, uint16_t stream, uint32_t seq);
/* Up to @max ranges of one epoch not sent on this association yet, marked
 * sent; *@epoch gets their epoch. Returns how many (0 = none). */
unsigned int gaps_take(struct gaps *g, struct msg_gap *out, unsigned int max,
		       uint32_t *epoch);
/* A new association: every kept range goes again. */
void gaps_unsend_all(struct gaps *g);
unsigned int gaps_count(const struct gaps *g);
unsigned int gaps_unsent(const struct gaps *g);

#endif
