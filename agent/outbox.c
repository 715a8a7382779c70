// SPDX-License-Identifier: MIT
/*
 * agent/outbox.c - the outbox's write path: append, the sync policy,
 * segment roll, the byte budget, the state slots, failures, poll, close.
 * Acks and deletion are outbox_ack.c, recovery outbox_open.c, replay
 * outbox_iter.c, bytes outbox_fmt.c, tables outbox_tab.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/outbox_int.h"
#include "port/clock.h"

#define OLOG(lvl, ...) LOG(LOGM_OUTBOX, lvl, __VA_ARGS__)

static struct ob_seg *active(struct outbox *ob)
{
	return ob->wf && ob->n_seg ? &ob->seg[ob->n_seg - 1] : NULL;
}

/* --- state ------------------------------------------------------------------------------ */

int ob_write_state(struct outbox *ob)
{
	int slot = ob->state.newest == 0 ? 1 : 0, err;
	struct pf_file *f = NULL;
	char name[8];
	uint8_t *buf;
	size_t len;

	if (!ob->dir) {		/* outbox_open_memory(): nothing persists */
		ob->cursors_moved = false;
		return 0;
	}
	ob->state.gen++;
	len = ob_state_encode(ob, &buf);
	if (!len)
		return -ENOMEM;
	snprintf(name, sizeof(name), "state.%d", slot);
	err = pf_open(ob_join(ob, ob->dir, name), PF_RDWR | PF_CREATE, &f);
	if (!err)
		err = pf_pwrite(f, buf, len, 0);
	if (!err)
		err = pf_datasync(f);
	if (f && pf_close(f) && !err)
		err = -EIO;
	if (!err && !ob->state.exists[slot]) {
		err = pf_sync_dir(ob->dir);
		ob->state.exists[slot] = !err;
	}
	ob_free(ob, buf);
	if (err) {
		/* This slot is now unreadable; the other one stays the
		 * newest valid, and the next write comes here again. */
		ob->state.valid[slot] = false;
		ob->state.last_write = clock_mono_ms();	/* retry later */
		ob->st.state_errors++;
		OLOG(LOG_WARN, "write %s/%s: %s", ob->dir, name, strerror(-err));
		return err;
	}
	ob->state.valid[slot] = true;
	ob->state.newest = slot;
	ob->state.last_write = clock_mono_ms();
	ob->cursors_moved = false;
	ob->st.state_writes++;
	return 0;
}

/* --- segments ---------------------------------------------------------------------------- */

static void sync_hist(struct outbox *ob, uint64_t ms)
{
	static const uint32_t bound[OUTBOX_HIST_N - 1] = {
		1, 2, 5, 10, 20, 50, 100, 200, 500, 1000 };
	unsigned int b = 0;

	while (b < OUTBOX_HIST_N - 1 && ms >= bound[b])
		b++;
	ob->st.sync_hist[b]++;
	ob->st.sync_total_ms += ms;
	ob->st.sync_last_ms = (uint32_t)(ms > UINT32_MAX ? UINT32_MAX : ms);
	if (ms > ob->st.sync_max_ms)
		ob->st.sync_max_ms = (uint32_t)(ms > UINT32_MAX ? UINT32_MAX : ms);
}

int ob_timed_sync(struct outbox *ob, struct pf_file *f)
{
	uint64_t t0 = clock_mono_ms();
	int err = pf_datasync(f);

	sync_hist(ob, clock_mono_ms() - t0);
	if (err)
		ob->st.sync_errors++;
	else
		ob->st.syncs++;
	return err;
}

/* Everything appended so far is on the device (or acknowledged by every
 * controller that takes it: those frames left ob->pend unsynced). */
void ob_now_durable(struct outbox *ob)
{
	const struct ob_seg *s = active(ob);

	for (unsigned int i = 0; i < ob->n_es; i++)
		if (ob->es[i].epoch == ob->epoch)
			ob->es[i].durable = ob->es[i].last;
	ob->pend_len = 0;
	ob->n_pr = 0;
	if (s) {
		ob->st.durable_seg = s->id;
		ob->st.durable_off = s->end;
	}
}

static bool acked_by_all(const struct outbox *ob, const struct ob_es *e,
			 uint32_t last)
{
	for (unsigned int c = 0; c < ob->cfg.n_ctrls; c++)
		if (ob_takes(ob, c, e->stream) && ob_seq_lt(e->cur[c], last))
			return false;
	return true;
}

/* Drop from ob->pend what every controller has acknowledged: it needs no
 * fdatasync (a power cut may take it; nobody needs it any more). The sync
 * deadline then runs from the oldest frame still unacknowledged, so while
 * the controllers keep up, the card sees about a sync per segment and per
 * state write instead of one a second. */
static void prune_acked(struct outbox *ob)
{
	size_t in = 0, out = 0;
	unsigned int k = 0;

	if (!ob->pend_acked || !ob->cfg.sync_interval_ms)
		return;
	ob->pend_acked = false;
	for (unsigned int i = 0; i < ob->n_pr; i++) {
		struct ob_pend p = ob->pr[i];
		struct ob_es *e = ob_es_find(ob, ob->epoch, p.stream);

		if (e && acked_by_all(ob, e, p.last)) {
			if (ob_seq_lt(e->durable, p.last))
				e->durable = p.last;
			ob->st.sync_skipped++;
		} else {
			if (out != in)
				memmove(ob->pend + out, ob->pend + in, p.len);
			ob->pr[k++] = p;
			out += p.len;
		}
		in += p.len;
	}
	ob->n_pr = k;
	ob->pend_len = out;
	ob->pend_since = k ? ob->pr[0].at : 0;
}

uint64_t ob_free_budget(struct outbox *ob)
{
	uint64_t avail, total, b = ob->cfg.max_bytes, share;

	if (ob->dir && ob->cfg.free_pct < 100 &&
	    !pf_fs_space(ob->dir, &avail, &total)) {
		share = (ob->bytes + avail) / 100 * ob->cfg.free_pct;
		if (share < b)
			b = share;
	}
	return b;
}

static int degrade(struct outbox *ob, int err, const char *what)
{
	struct ob_seg *s = active(ob);

	err = err == -ENOSPC ? -ENOSPC : -EIO;
	if (s)
		s->flags |= OB_SEG_SEALED | OB_SEG_SUSPECT;
	if (ob->wf)
		pf_close(ob->wf);
	ob->wf = NULL;
	if (!ob->degraded)
		OLOG(LOG_ERR, "%s: %s; the outbox stops writing (readings stay "
		     "in memory until it works again)", what, strerror(-err));
	ob->degraded = err;
	ob_mem_take_pending(ob);
	return err;
}

/* A new segment with its HEADER, its name durable (the data is synced with
 * the first records). 0 or -errno; nothing left behind on error. */
static int open_segment(struct outbox *ob)
{
	struct ob_frame h = { .type = OB_T_HEADER, .len = OB_SEG_HDR_LEN,
			      .epoch = ob->epoch };
	uint8_t pl[OB_SEG_HDR_LEN] = { 0 }, frame[OB_OVH + OB_SEG_HDR_LEN];
	uint64_t id = ob->next_id;
	struct pf_file *f = NULL;
	struct ob_seg *s;
	int64_t now = clock_wall_ms();
	size_t n;
	int err;

	if (ob_grow(ob, (void **)&ob->seg, &ob->cap_seg, ob->n_seg + 1,
		    sizeof(*ob->seg)))
		return -ENOMEM;
	for (int i = 0; i < 8; i++) {
		err = pf_open(ob_seg_path(ob, id, false),
			      PF_APPEND | PF_CREATE | PF_EXCL, &f);
		if (err != -EEXIST)
			break;
		id++;	/* a stray file nobody listed: leave it alone */
	}
	if (err)
		return err;
	ob->next_id = id + 1;
	for (int i = 0; i < 8; i++) {
		pl[i] = (uint8_t)(id >> (8 * i));
		pl[8 + i] = (uint8_t)((uint64_t)now >> (8 * i));
	}
	pl[16] = OB_FORMAT;
	n = ob_frame_encode(frame, &h, pl);
	err = pf_append(f, frame, n);
	if (!err)
		err = pf_sync_dir(ob->dir);
	if (err) {
		pf_close(f);
		pf_unlink(ob_seg_path(ob, id, false));
		return err;
	}
	s = &ob->seg[ob->n_seg++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->epoch = ob->epoch;
	s->end = s->size = n;
	ob->bytes += n;
	ob->wf = f;
	ob->budget = ob_free_budget(ob);
	return 0;
}

/* Drop the oldest segment, queueing what it held as lost. Never the one
 * written last (being written, or just sealed): that is the newest data,
 * still in flight to the controllers that are up; when nothing older is
 * left the caller degrades to memory instead. -ENOSPC if there is none. */
int ob_evict_oldest(struct outbox *ob, const char *why)
{
	struct ob_seg *s;
	int64_t now = clock_wall_ms();
	uint64_t records = 0;
	int err, newest = -1;
	unsigned int k = 0;

	for (unsigned int i = 0; i < ob->n_seg; i++)
		if (!(ob->seg[i].flags & OB_SEG_MEM))
			newest = (int)i;
	while (k < ob->n_seg && ob->seg[k].flags & OB_SEG_MEM)
		k++;
	if (newest < 0 || (int)k >= newest)
		return -ENOSPC;
	s = &ob->seg[k];
	for (unsigned int i = 0; i < s->n_span; i++) {
		const struct ob_span *sp = &s->span[i];

		const struct ob_es *e = ob_es_find(ob, s->epoch, sp->stream);
		uint32_t last = sp->last;

		records += sp->count;
		/* Unsynced records of this run are still in ob->pend and get
		 * written again: not lost. */
		if (e && s->epoch == ob->epoch && ob_seq_lt(e->durable, last))
			last = e->durable;
		if (!ob_span_expired(sp, now) && ob_seq_le(sp->first, last))
			ob_report_loss(ob, s->epoch, sp->stream, sp->first,
				       last);
	}
	/* The state first: what is known of a stream whose data all goes. */
	ob_write_state(ob);
	err = pf_unlink(ob_seg_path(ob, s->id, false));
	OLOG(LOG_WARN, "%s: dropped %s (%" PRIu64 " bytes, %" PRIu64
	     " readings)%s", why, ob->path, s->size, records,
	     err && err != -ENOENT ? "; unlink failed" : "");
	ob->dir_dirty = true;
	ob->st.segs_evicted++;
	ob_seg_remove(ob, k);
	return 0;
}

static uint32_t gap_last(const struct ob_frame *h, const void *payload)
{
	const uint8_t *p = payload;

	return h->type == OB_T_GAP ? (uint32_t)p[0] | (uint32_t)p[1] << 8 |
				     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 :
				     h->seq;
}

/* Retry after @err: on ENOSPC make room first. The pending frames go to a
 * fresh segment and are synced there (the old file's pages may be gone). */
int ob_move_to_new_segment(struct outbox *ob, int err)
{
	struct ob_seg *s = active(ob);
	size_t off = 0;

	if (s)
		s->flags |= OB_SEG_SEALED | OB_SEG_SUSPECT;
	if (ob->wf)
		pf_close(ob->wf);
	ob->wf = NULL;
	if (err == -ENOSPC)
		ob_evict_oldest(ob, "disk full");
	err = open_segment(ob);
	if (!err && ob->pend_len)
		err = pf_append(ob->wf, ob->pend, ob->pend_len);
	s = active(ob);
	while (!err && off < ob->pend_len) {
		struct ob_frame h;
		size_t need;
		uint32_t last;

		ob_frame_decode(ob->pend + off, ob->pend_len - off,
				ob->cfg.max_record, &h, &need);
		last = gap_last(&h, ob->pend + off + OB_HDR);
		err = ob_span_add(ob, s, h.stream, h.seq, last, h.expire);
		off += OB_OVH + h.len;
	}
	if (!err) {
		s->end += ob->pend_len;
		s->size += ob->pend_len;
		ob->bytes += ob->pend_len;
		err = ob_timed_sync(ob, ob->wf);
	}
	if (!err)
		ob_now_durable(ob);
	return err;
}

static int sync_active(struct outbox *ob)
{
	int err;

	if (!ob->wf || !ob->pend_len)
		return 0;
	err = ob_timed_sync(ob, ob->wf);
	if (!err) {
		ob_now_durable(ob);
		return 0;
	}
	OLOG(LOG_WARN, "fdatasync %s: %s; writing the last %zu bytes again to "
	     "a new segment", ob_seg_path(ob, active(ob)->id, false),
	     strerror(-err), ob->pend_len);
	err = ob_move_to_new_segment(ob, err);
	return err ? degrade(ob, err, "sync failed twice") : 0;
}

/* Sync, then INDEX + trailer, sync again, close. Failing to write the index
 * only costs a scan at the next start. */
static int seal_active(struct outbox *ob)
{
	struct ob_seg *s;
	uint8_t *idx;
	size_t n;
	int err = sync_active(ob);

	s = active(ob);
	if (err || !s)
		return err;
	n = ob_index_encode(ob, s, &idx);
	if (n) {
		if (!pf_append(ob->wf, idx, n) && !ob_timed_sync(ob, ob->wf)) {
			s->flags |= OB_SEG_INDEXED;
			s->size += n;
			ob->bytes += n;
			ob_now_durable(ob);	/* acked frames too now */
		} else {
			pf_truncate(ob->wf, s->end);
		}
		ob_free(ob, idx);
	}
	s->flags |= OB_SEG_SEALED;
	pf_close(ob->wf);
	ob->wf = NULL;
	return 0;
}

size_t ob_index_len(const struct ob_seg *s)
{
	return OB_OVH + OB_INDEX_FIXED + (s->n_span + 1) * OB_SPAN_LEN +
	       OB_TRAILER;
}

/* A segment with room for @flen more bytes, within the budget. */
static int make_room(struct outbox *ob, size_t flen)
{
	struct ob_seg *s = active(ob);
	int err = 0;

	if (s && s->end > OB_OVH + OB_SEG_HDR_LEN &&
	    s->end + flen + ob_index_len(s) > ob->cfg.segment_bytes) {
		err = seal_active(ob);
		s = NULL;
	}
	if (!err && !ob->wf) {
		err = open_segment(ob);
		if (err == -ENOSPC && !ob_evict_oldest(ob, "disk full"))
			err = open_segment(ob);
		if (err)
			return degrade(ob, err, "new segment");
	}
	if (err)
		return err;
	while (ob->bytes + flen > ob->budget)
		if (ob_evict_oldest(ob, "outbox full"))
			return degrade(ob, -ENOSPC, "outbox full");
	return 0;
}

/* write(2) one frame; on failure cut it off again, make room, retry once. */
static int write_frame(struct outbox *ob, const uint8_t *frame, size_t n)
{
	struct ob_seg *s = active(ob);
	int err = pf_append(ob->wf, frame, n);

	if (!err)
		return 0;
	ob->st.write_errors++;
	if (err == -ENOSPC)
		ob->st.enospc++;
	OLOG(LOG_WARN, "write %s: %s", ob_seg_path(ob, s->id, false),
	     strerror(-err));
	if (err == -ENOSPC) {
		/* make room by dropping the oldest, once; a new segment
		 * would not fit either */
		if (!pf_truncate(ob->wf, s->end) && !ob_evict_oldest(ob, "disk full")) {
			err = pf_append(ob->wf, frame, n);
			if (!err)
				return 0;
			pf_truncate(ob->wf, s->end);
		}
	} else {
		pf_truncate(ob->wf, s->end);
		err = ob_move_to_new_segment(ob, err);
		if (!err)
			err = pf_append(ob->wf, frame, n);
		if (!err)
			return 0;
	}
	return degrade(ob, err, "write failed twice");
}

/* The record in the memory tier (degraded): replayed like the others,
 * written to the device by outbox_resume(). */
static int put_mem(struct outbox *ob, struct ob_es *e, const struct ob_frame *h,
		   const void *payload, uint32_t last)
{
	size_t n = ob_frame_encode(ob->wbuf, h, payload);
	int err = ob_mem_put(ob, ob->wbuf, n, h, last);

	if (err)
		return err;
	e->last = last;
	e->started = true;
	ob->st.appended++;
	ob->st.appended_bytes += n;
	ob->st.mem_appended++;
	return OUTBOX_MEMORY;
}

static int put_record(struct outbox *ob, struct ob_frame *h,
		      const void *payload)
{
	uint32_t last = gap_last(h, payload);
	struct ob_es *e;
	struct ob_seg *s;
	uint64_t now = clock_mono_ms();
	size_t n;
	int err;

	if (!h->stream || !h->seq)
		return -EINVAL;
	e = ob_es_find(ob, ob->epoch, h->stream);
	if (e && e->started && h->seq != e->last + 1)
		return -EINVAL;
	if (h->type == OB_T_DATA && h->len > ob->cfg.max_record)
		return -EMSGSIZE;
	if (!e && !(e = ob_es_get(ob, ob->epoch, h->stream)))
		return -ENOMEM;
	if (ob->degraded)
		return put_mem(ob, e, h, payload, last);
	if (ob_grow(ob, (void **)&ob->pend, &ob->pend_cap,
		    (unsigned int)(ob->pend_len + OB_OVH + h->len), 1) ||
	    ob_grow(ob, (void **)&ob->pr, &ob->cap_pr, ob->n_pr + 1,
		    sizeof(*ob->pr)))
		return -ENOMEM;
	err = make_room(ob, OB_OVH + h->len);
	n = err ? 0 : ob_frame_encode(ob->wbuf, h, payload);
	if (!err)
		err = write_frame(ob, ob->wbuf, n);
	if (err)
		return ob->degraded ? put_mem(ob, e, h, payload, last) : err;
	s = active(ob);
	if (ob_span_add(ob, s, h->stream, h->seq, last, h->expire))
		return -ENOMEM;
	ob->last_rec_seg = s->id;
	ob->last_rec_off = s->end;
	s->end += n;
	s->size += n;
	ob->bytes += n;
	prune_acked(ob);
	if (!ob->n_pr)
		ob->pend_since = now;
	memcpy(ob->pend + ob->pend_len, ob->wbuf, n);
	ob->pend_len += n;
	ob->pr[ob->n_pr++] = (struct ob_pend){ now, (uint32_t)n, h->stream,
					       last };
	e->last = last;
	e->started = true;
	ob->st.appended++;
	ob->st.appended_bytes += n;
	ob->st.written_seg = s->id;
	ob->st.written_off = s->end;
	if (!ob->cfg.sync_interval_ms || ob->pend_len >= ob->cfg.sync_bytes ||
	    now - ob->pend_since >= ob->cfg.sync_interval_ms)
		sync_active(ob);	/* a failure moves it to memory */
	return ob->degraded ? OUTBOX_MEMORY : 0;
}

int outbox_append(struct outbox *ob, uint16_t stream, uint32_t seq,
		  uint8_t flags, uint32_t lifetime_ms, const void *payload,
		  size_t len)
{
	struct ob_frame h = { .type = OB_T_DATA, .flags = flags,
			      .len = (uint32_t)len, .epoch = ob->epoch,
			      .stream = stream, .seq = seq };

	if (len > ob->cfg.max_record)
		return -EMSGSIZE;
	if (lifetime_ms) {
		h.expire = clock_wall_ms() + lifetime_ms;
		if (!h.expire)
			h.expire = 1;
	}
	return put_record(ob, &h, payload);
}

int outbox_append_gap(struct outbox *ob, uint16_t stream, uint32_t first,
		      uint32_t last)
{
	struct ob_frame h = { .type = OB_T_GAP, .len = 4, .epoch = ob->epoch,
			      .stream = stream, .seq = first };
	uint8_t pl[4] = { (uint8_t)last, (uint8_t)(last >> 8),
			  (uint8_t)(last >> 16), (uint8_t)(last >> 24) };

	if (ob_seq_lt(last, first))
		return -EINVAL;
	return put_record(ob, &h, pl);
}

uint32_t outbox_durable(const struct outbox *ob, uint16_t stream)
{
	const struct ob_es *e = ob_es_find(ob, ob->epoch, stream);

	return e ? e->durable : 0;
}

uint32_t outbox_epoch(const struct outbox *ob)
{
	return ob->epoch;
}

/* While degraded only the memory tier's work is due: writes to the device
 * wait for outbox_resume(). */
uint64_t outbox_next_due_ms(const struct outbox *ob)
{
	uint64_t now = clock_mono_ms(), due = UINT64_MAX;
	int64_t wall = clock_wall_ms();
	bool dev = !ob->degraded;

	if (ob->check_delete || (dev && (ob->dir_dirty ||
					 (ob->pend_acked && ob->n_pr))))
		return now;
	if (dev && ob->pend_len)
		due = ob->pend_since + ob->cfg.sync_interval_ms;
	if (dev && ob->cursors_moved) {
		uint64_t t = ob->state.last_write + ob->cfg.state_interval_ms;

		if (t < due)
			due = t;
	}
	for (unsigned int i = 0; i < ob->n_seg; i++) {
		int64_t x = ob_seg_expiry(&ob->seg[i]);
		uint64_t t;

		if (!x || (!dev && !(ob->seg[i].flags & OB_SEG_MEM)))
			continue;
		t = x <= wall ? now : now + (uint64_t)(x - wall);
		if (t < due)
			due = t;
	}
	return due;
}

int outbox_poll(struct outbox *ob)
{
	uint64_t now = clock_mono_ms();
	int64_t wall = clock_wall_ms();
	bool expired = false;

	prune_acked(ob);
	if (ob->pend_len && !ob->degraded &&
	    (now - ob->pend_since >= ob->cfg.sync_interval_ms ||
	     ob->pend_len >= ob->cfg.sync_bytes))
		sync_active(ob);
	for (unsigned int i = 0; i < ob->n_seg && !expired; i++) {
		int64_t x = ob_seg_expiry(&ob->seg[i]);

		expired = x && x <= wall;
	}
	if (ob->check_delete || expired) {
		ob->check_delete = false;
		ob_mem_delete_done(ob, wall);
		ob_delete_done(ob);
	}
	if (ob->cursors_moved &&
	    now - ob->state.last_write >= ob->cfg.state_interval_ms)
		ob_write_state(ob);
	if (ob->dir && ob->dir_dirty && !pf_sync_dir(ob->dir))
		ob->dir_dirty = false;
	return ob->degraded;
}

int outbox_sync(struct outbox *ob)
{
	if (ob->degraded)
		return ob->degraded;
	return sync_active(ob);
}

int outbox_resume(struct outbox *ob)
{
	int err;

	if (!ob->degraded)
		return 0;
	if (!ob->dir)
		return ob->degraded;
	ob->degraded = 0;
	err = ob_mem_write_all(ob);
	if (!err)
		err = ob_move_to_new_segment(ob, 0);
	if (err == -ENOSPC && !ob_evict_oldest(ob, "disk full"))
		err = ob_move_to_new_segment(ob, 0);
	if (err) {
		struct ob_seg *s = active(ob);

		if (s)
			s->flags |= OB_SEG_SEALED | OB_SEG_SUSPECT;
		if (ob->wf)
			pf_close(ob->wf);
		ob->wf = NULL;
		ob->degraded = err == -ENOSPC ? -ENOSPC : -EIO;
		return ob->degraded;
	}
	ob->st.resumes++;
	OLOG(LOG_WARN, "writing again (%s)", ob_seg_path(ob, active(ob)->id,
							 false));
	return 0;
}

/* --- close ---------------------------------------------------------------------------------- */

void ob_destroy(struct outbox *ob)
{
	ob_iters_detach(ob);
	if (ob->wf)
		pf_close(ob->wf);
	pf_close(ob->lock);
	for (unsigned int i = 0; i < ob->n_seg; i++) {
		ob_mem_free_seg(ob, &ob->seg[i]);
		ob_seg_free(ob, &ob->seg[i]);
	}
	for (unsigned int i = 0; i < ob->n_es; i++)
		ob_free(ob, ob->es[i].cur);
	for (unsigned int c = 0; ob->ctrl && c < ob->cfg.n_ctrls; c++)
		ob_free(ob, ob->ctrl[c].lost);
	ob_free(ob, ob->ctrl);
	ob_free(ob, ob->seg);
	ob_free(ob, ob->es);
	ob_free(ob, ob->wbuf);
	ob_free(ob, ob->pend);
	ob_free(ob, ob->pr);
	ob_free(ob, ob->dir);
	ob_free(ob, ob->qdir);
	ob_free(ob, ob->path);
	free(ob);
}

int outbox_close(struct outbox *ob)
{
	int err = 0, e2;

	if (!ob)
		return 0;
	if (ob->degraded && ob->dir)
		outbox_resume(ob);	/* the memory tier to the device */
	if (ob->degraded) {
		err = ob->degraded;
		if (ob->memtier)
			OLOG(LOG_ERR, "closing with %u segments in memory only: "
			     "their readings are lost with this run",
			     ob->st.mem_segments);
	} else {
		err = seal_active(ob);
	}
	e2 = ob_write_state(ob);
	if (!err)
		err = e2;
	if (ob->dir && ob->dir_dirty && (e2 = pf_sync_dir(ob->dir)) && !err)
		err = e2;
	ob_destroy(ob);
	return err;
}
