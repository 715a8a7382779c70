/* SPDX-License-Identifier: MIT */
/* One controller's position in the outbox (see cursor.h). */
#include <errno.h>
#include <stdlib.h>

#include "agent/cursor.h"
#include "agent/outbox.h"

enum cur_state { CUR_IDLE, CUR_BEHIND, CUR_LIVE };
enum { CLS_ALARM, CLS_BULK, CLS_N };

struct cursor {
	struct outbox *ob;
	unsigned int ctrl;
	bool (*alarm)(void *ctx, uint16_t stream);
	void *ctx;
	enum cur_state state;
	struct outbox_iter *it[CLS_N];
	struct outbox_rec rec[CLS_N];	/* each class's next record */
	bool has[CLS_N];		/* rec[k] is valid */
	int given;			/* class cursor_peek() gave, -1 none */
};

static bool want_alarm(void *ctx, uint16_t stream)
{
	struct cursor *c = ctx;

	return c->alarm(c->ctx, stream);
}

static bool want_bulk(void *ctx, uint16_t stream)
{
	struct cursor *c = ctx;

	return !c->alarm(c->ctx, stream);
}

int cursor_create(struct outbox *ob, unsigned int ctrl,
		  bool (*alarm)(void *ctx, uint16_t stream), void *ctx,
		  struct cursor **out)
{
	struct cursor *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->ob = ob;
	c->ctrl = ctrl;
	c->alarm = alarm;
	c->ctx = ctx;
	c->given = -1;
	*out = c;
	return 0;
}

static void close_iters(struct cursor *c)
{
	for (int k = 0; k < CLS_N; k++) {
		outbox_iter_close(c->it[k]);
		c->it[k] = NULL;
		c->has[k] = false;
	}
	c->given = -1;
}

void cursor_destroy(struct cursor *c)
{
	if (!c)
		return;
	close_iters(c);
	free(c);
}

/* Both iterators, following the log; on -ENOMEM the state stays BEHIND
 * without iterators and cursor_peek() tries again. */
static void open_iters(struct cursor *c, unsigned int flags)
{
	close_iters(c);
	c->state = CUR_BEHIND;
	if (outbox_iter_open(c->ob, c->ctrl, want_alarm, c,
			     flags | OUTBOX_ITER_FOLLOW, &c->it[CLS_ALARM]) ||
	    outbox_iter_open(c->ob, c->ctrl, want_bulk, c,
			     flags | OUTBOX_ITER_FOLLOW, &c->it[CLS_BULK]))
		close_iters(c);
}

void cursor_rewind(struct cursor *c)
{
	open_iters(c, 0);
}

void cursor_behind_from_last(struct cursor *c)
{
	if (c->state == CUR_LIVE)
		open_iters(c, OUTBOX_ITER_LAST);
}

void cursor_stop(struct cursor *c)
{
	close_iters(c);
	c->state = CUR_IDLE;
}

bool cursor_live(const struct cursor *c)
{
	return c->state == CUR_LIVE;
}

bool cursor_behind(const struct cursor *c)
{
	return c->state == CUR_BEHIND;
}

/* The alarm class first, every time: a bulk record that is waiting for
 * room in the socket does not keep a newer alarm behind it. */
int cursor_peek(struct cursor *c, const struct outbox_rec **rec)
{
	if (c->state != CUR_BEHIND)
		return -ENOENT;
	if (!c->it[CLS_ALARM]) {
		open_iters(c, 0);	/* after -ENOMEM: from the cursor */
		if (!c->it[CLS_ALARM])
			return -ENOMEM;
	}
	for (int k = 0; k < CLS_N; k++) {
		int rc = c->has[k] ? 0 : outbox_iter_next(c->it[k], &c->rec[k]);

		if (!rc) {
			c->has[k] = true;
			c->given = k;
			*rec = &c->rec[k];
			return 0;
		}
		if (rc != -ENOENT)
			return rc;	/* -ENOMEM; -EBADF cannot be */
	}
	close_iters(c);		/* everything in the log is out */
	c->state = CUR_LIVE;
	return -ENOENT;
}

void cursor_next(struct cursor *c)
{
	if (c->given >= 0)
		c->has[c->given] = false;
	c->given = -1;
}
