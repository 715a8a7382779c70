/* SPDX-License-Identifier: MIT */
/*
 * agent/cursor.h - one controller's position in the outbox: what its
 * association still has to send from the log, oldest first, with the
 * alarm class (sensor priority < 128) ahead of the rest.
 *
 *   IDLE --rewind (association ready)--> BEHIND --caught up--> LIVE
 *   LIVE --behind_from_last (a send had to wait)--> BEHIND
 *   any --stop (association gone)--> IDLE
 *
 * BEHIND reads the outbox through two following iterators (alarm streams,
 * the others; agent/outbox.h): a new alarm reading is yielded before the
 * next bulk record of a long backlog, and a stream's order holds because
 * a stream is in one class. LIVE means everything in the log has been
 * handed to the stack: the association sends new readings directly (and
 * the outbox keeps them until the controller acknowledges them). The
 * cursor never copies a payload: the record belongs to its iterator until
 * cursor_next().
 *
 * Ownership: the caller owns the cursor; @ob must outlive it.
 */
#ifndef AGENT_CURSOR_H
#define AGENT_CURSOR_H

#include <stdbool.h>
#include <stdint.h>

struct cursor;
struct outbox;
struct outbox_rec;

/* @alarm(@ctx, stream): is the stream in the alarm class? -ENOMEM. */
int cursor_create(struct outbox *ob, unsigned int ctrl,
		  bool (*alarm)(void *ctx, uint16_t stream), void *ctx,
		  struct cursor **out);
void cursor_destroy(struct cursor *c);

/* A new association: everything the controller has not acknowledged, from
 * the oldest record on. */
void cursor_rewind(struct cursor *c);
/* LIVE, and the record just appended could not be handed to the stack:
 * BEHIND from that record on (everything before it was sent). */
void cursor_behind_from_last(struct cursor *c);
/* The association is gone: IDLE (the next one rewinds). */
void cursor_stop(struct cursor *c);

bool cursor_live(const struct cursor *c);
bool cursor_behind(const struct cursor *c);

/*
 * The next record to send (the same one again until cursor_next()): 0 and
 * *@rec; -ENOENT caught up (the cursor is LIVE now, or IDLE); -ENOMEM (try
 * again later).
 */
int cursor_peek(struct cursor *c, const struct outbox_rec **rec);
/* The record cursor_peek() gave is done (sent, or given up on). */
void cursor_next(struct cursor *c);

#endif
