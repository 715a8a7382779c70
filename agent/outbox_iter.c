// SPDX-License-Identifier: MIT
/*
 * agent/outbox_iter.c - replay: a per-controller walk over the log, oldest
 * first, reading only segments that hold something the controller still
 * needs; and the late check of an indexed segment found damaged on the way.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/outbox_int.h"
#include "port/clock.h"

#define OLOG(lvl, ...) LOG(LOGM_OUTBOX, lvl, __VA_ARGS__)

struct seen {				/* last seq passed per (epoch, stream) */
	uint32_t epoch;
	uint16_t stream;
	uint32_t last;
};

struct outbox_iter {
	struct outbox *ob;		/* NULL once the outbox closed */
	struct outbox_iter *next;
	unsigned int ctrl, flags;
	bool (*want)(void *ctx, uint16_t stream);
	void *ctx;
	uint64_t seg_id, off;		/* the next frame */
	uint64_t end_id, end_off;	/* snapshot end (no FOLLOW) */
	struct pf_file *f;
	uint64_t f_id;
	struct ob_window w;
	struct seen *seen;
	unsigned int n_seen, cap_seen;
	unsigned int xspan;		/* next span to check for expiry in a
					 * segment skipped by its index */
};

static uint32_t frame_last(const struct ob_frame *h, const uint8_t *pl)
{
	return h->type == OB_T_GAP ? (uint32_t)pl[0] | (uint32_t)pl[1] << 8 |
				     (uint32_t)pl[2] << 16 | (uint32_t)pl[3] << 24 :
				     h->seq;
}

/* --- the late check --------------------------------------------------------------- */

struct verify {
	struct ob_seg *s;
	uint32_t *next;			/* per span: next seq expected */
	struct outbox *ob;
	uint64_t bad_regions, bad_bytes;
};

static int verify_frame(void *ctx, uint64_t off, const struct ob_frame *h,
			const uint8_t *payload)
{
	struct verify *v = ctx;
	uint32_t last = frame_last(h, payload);

	(void)off;
	if (h->type != OB_T_DATA && h->type != OB_T_GAP)
		return 0;
	for (unsigned int i = 0; i < v->s->n_span; i++) {
		const struct ob_span *sp = &v->s->span[i];

		if (sp->stream != h->stream || h->epoch != v->s->epoch)
			continue;
		if (ob_seq_le(last, v->next[i] - 1))
			return 0;
		if (ob_seq_lt(v->next[i], h->seq))
			ob_report_loss(v->ob, v->s->epoch, sp->stream,
				       v->next[i], h->seq - 1);
		v->next[i] = last + 1;
	}
	return 0;
}

static void verify_bad(void *ctx, uint64_t off, uint64_t len)
{
	struct verify *v = ctx;

	(void)off;
	v->bad_regions++;
	v->bad_bytes += len;
}

int ob_verify_segment(struct outbox *ob, struct ob_seg *s)
{
	struct verify v = { .s = s, .ob = ob };
	struct ob_scan_cb cb = { verify_frame, verify_bad, &v };
	struct pf_file *f;
	int err;

	s->flags |= OB_SEG_VERIFIED;	/* once per run, whatever happens */
	v.next = ob_alloc(ob, sizeof(*v.next) * (s->n_span + 1));
	if (!v.next)
		return -ENOMEM;
	for (unsigned int i = 0; i < s->n_span; i++)
		v.next[i] = s->span[i].first;
	err = pf_open(ob_seg_path(ob, s->id, false), PF_RDONLY, &f);
	if (!err) {
		err = ob_scan(ob, f, 0, s->end, &cb);
		pf_close(f);
	}
	if (!err) {
		for (unsigned int i = 0; i < s->n_span; i++)
			if (ob_seq_le(v.next[i], s->span[i].last))
				ob_report_loss(ob, s->epoch, s->span[i].stream,
					       v.next[i], s->span[i].last);
		ob->st.bad_regions += v.bad_regions;
		ob->st.bad_bytes += v.bad_bytes;
		OLOG(LOG_WARN, "%s: %" PRIu64 " bad regions (%" PRIu64 " bytes) "
		     "found in replay; what they held is reported lost",
		     ob_seg_path(ob, s->id, false), v.bad_regions, v.bad_bytes);
	}
	ob_free(ob, v.next);
	return err;
}

/* --- iterators ---------------------------------------------------------------------- */

int outbox_iter_open(struct outbox *ob, unsigned int ctrl,
		     bool (*want)(void *ctx, uint16_t stream), void *ctx,
		     unsigned int flags, struct outbox_iter **out)
{
	struct outbox_iter *it;

	if (ctrl >= ob->cfg.n_ctrls ||
	    flags & ~(OUTBOX_ITER_FOLLOW | OUTBOX_ITER_LAST))
		return -EINVAL;
	it = calloc(1, sizeof(*it));
	if (!it)
		return -ENOMEM;
	it->w.cap = ob_chunk(ob);
	it->w.buf = ob_alloc(ob, it->w.cap);
	if (!it->w.buf) {
		free(it);
		return -ENOMEM;
	}
	it->ob = ob;
	it->ctrl = ctrl;
	it->flags = flags;
	it->want = want;
	it->ctx = ctx;
	it->seg_id = ob->n_seg ? ob->seg[0].id : ob->next_id;
	if (ob->n_seg) {
		it->end_id = ob->seg[ob->n_seg - 1].id;
		it->end_off = ob->seg[ob->n_seg - 1].end;
	}
	if (flags & OUTBOX_ITER_LAST && ob->last_rec_seg) {
		it->seg_id = ob->last_rec_seg;
		it->off = ob->last_rec_off;
	} else if (flags & OUTBOX_ITER_LAST) {
		it->seg_id = ob->next_id;	/* nothing yet: what comes */
	}
	it->next = ob->iters;
	ob->iters = it;
	*out = it;
	return 0;
}

static void release(struct outbox_iter *it)
{
	if (!it->ob)
		return;
	if (it->f)
		pf_close(it->f);
	it->f = NULL;
	ob_free(it->ob, it->w.buf);
	ob_free(it->ob, it->seen);
	it->w.buf = NULL;
	it->seen = NULL;
}

void ob_iters_detach(struct outbox *ob)
{
	for (struct outbox_iter *it = ob->iters; it; it = it->next) {
		release(it);
		it->ob = NULL;
	}
	ob->iters = NULL;
}

void outbox_iter_close(struct outbox_iter *it)
{
	if (!it)
		return;
	if (it->ob) {
		for (struct outbox_iter **p = &it->ob->iters; *p; p = &(*p)->next) {
			if (*p == it) {
				*p = it->next;
				break;
			}
		}
	}
	release(it);
	free(it);
}

/* Does @s hold anything this iterator would yield? (from the index) */
static bool seg_wanted(const struct outbox_iter *it, const struct ob_seg *s,
		       int64_t wall)
{
	const struct outbox *ob = it->ob;

	for (unsigned int i = 0; i < s->n_span; i++) {
		const struct ob_span *sp = &s->span[i];
		const struct ob_es *e;

		if (!ob_takes(ob, it->ctrl, sp->stream) ||
		    (it->want && !it->want(it->ctx, sp->stream)) ||
		    ob_span_expired(sp, wall))
			continue;
		e = ob_es_find(ob, s->epoch, sp->stream);
		if (!e || ob_seq_lt(e->cur[it->ctrl], sp->last))
			return true;
	}
	return false;
}

/* Duplicate filter: the part of [@first, @last] not passed yet, or false. */
static bool not_seen(struct outbox_iter *it, uint32_t epoch, uint16_t stream,
		     uint32_t *first, uint32_t last)
{
	struct seen *s = NULL;

	for (unsigned int i = 0; i < it->n_seen; i++)
		if (it->seen[i].epoch == epoch && it->seen[i].stream == stream)
			s = &it->seen[i];
	if (!s) {
		if (ob_grow(it->ob, (void **)&it->seen, &it->cap_seen,
			    it->n_seen + 1, sizeof(*it->seen)))
			return true;	/* no memory: duplicates are harmless */
		s = &it->seen[it->n_seen++];
		*s = (struct seen){ epoch, stream, last };
		return true;
	}
	if (ob_seq_le(last, s->last))
		return false;
	if (ob_seq_le(*first, s->last))
		*first = s->last + 1;
	s->last = last;
	return true;
}

static void to_next_seg(struct outbox_iter *it, const struct ob_seg *s)
{
	it->seg_id = s->id + 1;
	it->off = 0;
	it->xspan = 0;
}

/* A segment skipped by its index may hold spans this controller needs but
 * whose lifetime is over: each is yielded as one EXPIRED range, so the
 * controller learns they will never come. */
static bool expired_span(struct outbox_iter *it, const struct ob_seg *s,
			 int64_t wall, struct outbox_rec *r)
{
	const struct outbox *ob = it->ob;

	while (it->xspan < s->n_span) {
		const struct ob_span *sp = &s->span[it->xspan++];
		const struct ob_es *e = ob_es_find(ob, s->epoch, sp->stream);
		uint32_t cur = e ? e->cur[it->ctrl] : 0, first = sp->first;

		if (!ob_span_expired(sp, wall) ||
		    !ob_takes(ob, it->ctrl, sp->stream) ||
		    (it->want && !it->want(it->ctx, sp->stream)) ||
		    ob_seq_le(sp->last, cur))
			continue;
		if (ob_seq_le(first, cur))
			first = cur + 1;
		if (!not_seen(it, s->epoch, sp->stream, &first, sp->last))
			continue;
		*r = (struct outbox_rec){ .type = OUTBOX_REC_EXPIRED,
			.epoch = s->epoch, .stream = sp->stream, .seq = first,
			.last = sp->last };
		return true;
	}
	return false;
}

/* Skip a bad frame: check the segment once, go on at the next valid one. */
static int skip_bad(struct outbox_iter *it, struct ob_seg *s, uint64_t limit)
{
	struct outbox *ob = it->ob;
	uint64_t id = s->id, pos = it->off + 1;

	if ((s->flags & (OB_SEG_INDEXED | OB_SEG_VERIFIED)) == OB_SEG_INDEXED)
		ob_verify_segment(ob, s);
	s = ob_seg_find(ob, id);
	if (!s || s->id != id)
		return 0;
	for (; pos < limit; pos++) {
		struct ob_frame h;
		int err = 0;

		if (ob_window_frame(ob, it->f, &it->w, pos, limit, &h, &err))
			break;
		if (err)
			return err;
	}
	it->off = pos;
	return 0;
}

/* Whether the record just read is one to yield; fills @r. */
static bool yield(struct outbox_iter *it, const struct ob_seg *s,
		  const struct ob_frame *h, const uint8_t *pl,
		  struct outbox_rec *r)
{
	struct outbox *ob = it->ob;
	uint32_t first = h->seq, last = frame_last(h, pl), cur;
	const struct ob_es *e;

	if ((h->type != OB_T_DATA && h->type != OB_T_GAP) ||
	    h->epoch != s->epoch || !h->stream)
		return false;
	if (!not_seen(it, h->epoch, h->stream, &first, last))
		return false;
	if (!ob_takes(ob, it->ctrl, h->stream) ||
	    (it->want && !it->want(it->ctx, h->stream)))
		return false;
	e = ob_es_find(ob, h->epoch, h->stream);
	cur = e ? e->cur[it->ctrl] : 0;
	if (ob_seq_le(last, cur))
		return false;
	if (ob_seq_le(first, cur))
		first = cur + 1;
	if (h->expire && h->expire <= clock_wall_ms()) {
		*r = (struct outbox_rec){ .type = OUTBOX_REC_EXPIRED,
			.epoch = h->epoch, .stream = h->stream, .seq = first,
			.last = last, .expire_wall_ms = h->expire };
		return true;	/* never sent: the controller is told */
	}
	*r = (struct outbox_rec){
		.type = h->type == OB_T_GAP ? OUTBOX_REC_GAP : OUTBOX_REC_DATA,
		.epoch = h->epoch, .stream = h->stream, .seq = first,
		.last = last, .flags = h->flags, .expire_wall_ms = h->expire,
		.payload = h->type == OB_T_DATA ? pl : NULL,
		.len = h->type == OB_T_DATA ? h->len : 0,
	};
	return true;
}

/* The segment's file, or its bytes in memory (a memory segment keeps its
 * buffer until it is freed or written out, so the pointer is set again on
 * every call). */
static int open_file(struct outbox_iter *it, const struct ob_seg *s)
{
	bool mem = s->flags & OB_SEG_MEM;

	it->w.mem = mem ? s->mem : NULL;
	it->w.mem_len = mem ? s->end : 0;
	if (it->f_id == s->id && (mem || it->f))
		return 0;
	if (it->f)
		pf_close(it->f);
	it->f = NULL;
	it->w.len = 0;
	it->f_id = s->id;
	return mem ? 0 : pf_open(ob_seg_path(it->ob, s->id, false), PF_RDONLY,
				 &it->f);
}

int outbox_iter_next(struct outbox_iter *it, struct outbox_rec *rec)
{
	int64_t wall = clock_wall_ms();
	bool follow = it->flags & OUTBOX_ITER_FOLLOW;

	if (!it->ob)
		return -EBADF;
	for (;;) {
		struct outbox *ob = it->ob;
		struct ob_seg *s = ob_seg_find(ob, it->seg_id);
		uint64_t limit, pos;
		struct ob_frame h;
		int err = 0;

		if (!s || (!follow && s->id > it->end_id))
			return -ENOENT;
		if (s->id != it->seg_id) {
			it->seg_id = s->id;	/* ours was deleted */
			it->off = 0;
			it->xspan = 0;
		}
		limit = s->end;
		if (!follow && s->id == it->end_id && it->end_off < limit)
			limit = it->end_off;
		if (it->off >= limit) {
			if (!(s->flags & OB_SEG_SEALED) ||
			    (!follow && s->id == it->end_id))
				return -ENOENT;	/* the end, or more may come */
			to_next_seg(it, s);
			continue;
		}
		/* Skip from the index; the segment being written may still
		 * get something this iterator wants. */
		if (!it->off && s->flags & OB_SEG_SEALED &&
		    !seg_wanted(it, s, wall)) {
			if (expired_span(it, s, wall, rec))
				return 0;
			to_next_seg(it, s);
			continue;
		}
		err = open_file(it, s);
		if (err) {
			OLOG(LOG_WARN, "replay %s: %s; skipped", ob->path,
			     strerror(-err));
			to_next_seg(it, s);
			continue;
		}
		if (!ob_window_frame(ob, it->f, &it->w, it->off, limit, &h, &err)) {
			if (err == -ENOMEM)
				return err;
			if (err) {
				OLOG(LOG_WARN, "replay %s at %" PRIu64 ": %s; "
				     "skipped the rest of it",
				     ob_seg_path(ob, s->id, false), it->off,
				     strerror(-err));
				to_next_seg(it, s);
			}
			else if ((err = skip_bad(it, s, limit)))
				return err;
			continue;
		}
		pos = it->off;
		it->off += OB_OVH + h.len;
		if (yield(it, s, &h, it->w.buf + (pos - it->w.start) + OB_HDR,
			  rec))
			return 0;
	}
}
