// SPDX-License-Identifier: MIT
/*
 * agent/outbox_ack.c - acknowledgements, what they free (deletion of whole
 * segments, after the state that covers them is durable), expiry, status.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent/log.h"
#include "agent/outbox_int.h"
#include "port/clock.h"

#define OLOG(lvl, ...) LOG(LOGM_OUTBOX, lvl, __VA_ARGS__)

/* --- acks, deletion ---------------------------------------------------------------------- */

int outbox_ack(struct outbox *ob, unsigned int ctrl, uint32_t epoch,
	       uint16_t stream, uint32_t seq)
{
	struct ob_es *e;

	if (ctrl >= ob->cfg.n_ctrls)
		return -EINVAL;
	e = ob_es_find(ob, epoch, stream);
	if (!e)
		return -ENOENT;
	ob->ctrl[ctrl].st.acks++;
	if (ob_seq_le(seq, e->cur[ctrl]))
		return 0;
	if (ob_seq_lt(e->last, seq)) {
		ob->ctrl[ctrl].st.acks_beyond++;
		if (e->cur[ctrl] != e->last) {
			e->cur[ctrl] = e->last;
			ob->cursors_moved = ob->check_delete = true;
			ob->pend_acked = true;
		}
		return -ERANGE;
	}
	e->cur[ctrl] = seq;
	ob->cursors_moved = ob->check_delete = ob->pend_acked = true;
	return 0;
}

uint32_t outbox_acked(const struct outbox *ob, unsigned int ctrl,
		      uint32_t epoch, uint16_t stream)
{
	const struct ob_es *e = ob_es_find(ob, epoch, stream);

	return e && ctrl < ob->cfg.n_ctrls ? e->cur[ctrl] : 0;
}

bool ob_seg_done(const struct outbox *ob, const struct ob_seg *s,
		 int64_t now_wall)
{
	for (unsigned int i = 0; i < s->n_span; i++) {
		const struct ob_span *sp = &s->span[i];
		const struct ob_es *e;

		if (ob_span_expired(sp, now_wall))
			continue;
		e = ob_es_find(ob, s->epoch, sp->stream);
		for (unsigned int c = 0; c < ob->cfg.n_ctrls; c++)
			if (ob_takes(ob, c, sp->stream) &&
			    (!e || ob_seq_lt(e->cur[c], sp->last)))
				return false;
	}
	return true;
}

/* Records of @s that go unacknowledged because they expired; each such
 * range is reported to the controllers that had not acknowledged it (a
 * GAP: its cumulative point must not wait for them). */
uint64_t ob_report_expired(struct outbox *ob, const struct ob_seg *s,
			   int64_t now_wall)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < s->n_span; i++) {
		const struct ob_span *sp = &s->span[i];
		const struct ob_es *e = ob_es_find(ob, s->epoch, sp->stream);

		if (!ob_span_expired(sp, now_wall))
			continue;
		for (unsigned int c = 0; c < ob->cfg.n_ctrls; c++) {
			if (ob_takes(ob, c, sp->stream) &&
			    (!e || ob_seq_lt(e->cur[c], sp->last))) {
				n += sp->count;
				ob_report_loss(ob, s->epoch, sp->stream,
					       sp->first, sp->last);
				break;
			}
		}
	}
	return n;
}

static bool es_in_use(const struct outbox *ob, const struct ob_es *e)
{
	if (e->epoch == ob->epoch)
		return true;
	for (unsigned int c = 0; c < ob->cfg.n_ctrls; c++)
		if (ob_takes(ob, c, e->stream) && ob_seq_lt(e->cur[c], e->last))
			return true;
	for (unsigned int i = 0; i < ob->n_seg; i++)
		for (unsigned int j = 0; j < ob->seg[i].n_span; j++)
			if (ob->seg[i].epoch == e->epoch &&
			    ob->seg[i].span[j].stream == e->stream)
				return true;
	return false;
}

/* Delete every sealed segment all its controllers acked (or that expired),
 * after the state that says so is durable. */
int ob_delete_done(struct outbox *ob)
{
	int64_t now = clock_wall_ms();
	unsigned int n = 0;
	int err;

	for (unsigned int i = 0; i < ob->n_seg; i++)
		n += (ob->seg[i].flags & (OB_SEG_SEALED | OB_SEG_MEM)) ==
		     OB_SEG_SEALED &&
		     ob_seg_done(ob, &ob->seg[i], now);
	if (!n)
		return 0;
	err = ob_write_state(ob);
	if (err)
		return err;
	for (unsigned int i = 0; i < ob->n_seg;) {
		struct ob_seg *s = &ob->seg[i];

		if ((s->flags & (OB_SEG_SEALED | OB_SEG_MEM)) != OB_SEG_SEALED ||
		    !ob_seg_done(ob, s, now)) {
			i++;
			continue;
		}
		ob->st.expired += ob_report_expired(ob, s, now);
		err = pf_unlink(ob_seg_path(ob, s->id, false));
		if (err && err != -ENOENT)
			OLOG(LOG_WARN, "unlink %s: %s", ob->path, strerror(-err));
		ob->st.segs_deleted++;
		ob->dir_dirty = true;
		ob_seg_remove(ob, i);
	}
	for (unsigned int i = 0; i < ob->n_es;) {
		if (es_in_use(ob, &ob->es[i]))
			i++;
		else
			ob_es_remove(ob, i);
	}
	return 0;
}

/* Wall time when every span of a sealed segment will have expired. */
int64_t ob_seg_expiry(const struct ob_seg *s)
{
	int64_t m = 0;

	if (!(s->flags & OB_SEG_SEALED) || !s->n_span)
		return 0;
	for (unsigned int i = 0; i < s->n_span; i++) {
		if (!s->span[i].max_expire)
			return 0;
		if (s->span[i].max_expire > m)
			m = s->span[i].max_expire;
	}
	return m;
}

/* --- status, low, close ---------------------------------------------------------------- */

void outbox_stats(const struct outbox *ob, struct outbox_stats *st)
{
	*st = ob->st;
	st->epoch = ob->epoch;
	st->degraded = ob->degraded;
	st->segments = ob->n_seg;
	st->bytes = ob->bytes;
	st->budget = ob->budget;
	st->heap_bytes = ob->mem;
	st->mem_bytes = ob->memtier;
	st->unsynced_bytes = ob->pend_len;
	st->unsynced_ms = ob->n_pr ? clock_mono_ms() - ob->pend_since : 0;
}

int outbox_ctrl_stats(const struct outbox *ob, unsigned int ctrl,
		      struct outbox_ctrl_stats *st)
{
	if (ctrl >= ob->cfg.n_ctrls)
		return -EINVAL;
	*st = ob->ctrl[ctrl].st;
	st->lost_pending = ob->ctrl[ctrl].n_lost;
	return 0;
}

/* Lowest seq above @cur that a segment still holds for (@e, @stream). */
static bool lowest_held(const struct outbox *ob, const struct ob_es *e,
			uint32_t cur, uint32_t *low)
{
	for (unsigned int i = 0; i < ob->n_seg; i++) {
		const struct ob_seg *s = &ob->seg[i];

		if (s->epoch != e->epoch)
			continue;
		for (unsigned int j = 0; j < s->n_span; j++) {
			const struct ob_span *sp = &s->span[j];

			if (sp->stream != e->stream || ob_seq_le(sp->last, cur))
				continue;
			*low = ob_seq_lt(cur, sp->first) ? sp->first : cur + 1;
			return true;
		}
	}
	return false;
}

int outbox_drop(struct outbox *ob, unsigned int ctrl,
		void (*cb)(void *ctx, const struct outbox_range *r), void *ctx)
{
	if (ctrl >= ob->cfg.n_ctrls)
		return -EINVAL;
	for (unsigned int i = 0; i < ob->n_es; i++) {
		struct ob_es *e = &ob->es[i];
		struct outbox_range r = { e->epoch, e->stream, e->cur[ctrl] + 1,
					  e->last };

		if (!ob_takes(ob, ctrl, e->stream) ||
		    !ob_seq_lt(e->cur[ctrl], e->last))
			continue;
		e->cur[ctrl] = e->last;
		ob->cursors_moved = ob->check_delete = ob->pend_acked = true;
		if (cb)
			cb(ctx, &r);
	}
	ob->ctrl[ctrl].n_lost = 0;	/* nothing more to tell it */
	return 0;
}

int outbox_low(const struct outbox *ob, unsigned int ctrl,
	       int (*cb)(void *ctx, uint32_t epoch, uint16_t stream,
			 uint32_t low),
	       void *ctx)
{
	if (ctrl >= ob->cfg.n_ctrls)
		return -EINVAL;
	for (unsigned int i = 0; i < ob->n_es; i++) {
		const struct ob_es *e = &ob->es[i];
		uint32_t cur = e->cur[ctrl], low;
		int rc;

		if (!ob_takes(ob, ctrl, e->stream))
			continue;
		if (!lowest_held(ob, e, cur, &low))
			low = e->last + 1;
		if (ob_seq_le(low, cur + 1))
			continue;
		rc = cb(ctx, e->epoch, e->stream, low);
		if (rc)
			return rc;
	}
	return 0;
}

