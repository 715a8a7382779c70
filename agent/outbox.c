// SPDX-License-Identifier: MIT
/*
 * agent/outbox.c - the outbox's running half: append, the sync policy,
 * segment roll, the byte budget, acks, deletion, loss reports, failures.
 * Recovery is outbox_open.c, replay outbox_iter.c, bytes outbox_fmt.c.
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
#define LOST_MAX 4096u		/* ranges queued per controller */

/* --- memory (counted, so the stats tell what the outbox holds) ------------- */

union ob_hdr {
	size_t n;
	long double align;
	void *p;
};

void *ob_alloc(struct outbox *ob, size_t n)
{
	union ob_hdr *h = calloc(1, sizeof(*h) + n);

	if (!h)
		return NULL;
	h->n = n;
	ob->mem += sizeof(*h) + n;
	return h + 1;
}

void *ob_realloc(struct outbox *ob, void *p, size_t n)
{
	union ob_hdr *h = p ? (union ob_hdr *)p - 1 : NULL, *nh;
	size_t old = h ? h->n : 0;

	if (!p)
		return ob_alloc(ob, n);
	nh = realloc(h, sizeof(*nh) + n);
	if (!nh)
		return NULL;
	if (n > old)
		memset((char *)(nh + 1) + old, 0, n - old);
	nh->n = n;
	ob->mem = ob->mem - old + n;
	return nh + 1;
}

void ob_free(struct outbox *ob, void *p)
{
	union ob_hdr *h;

	if (!p)
		return;
	h = (union ob_hdr *)p - 1;
	ob->mem -= sizeof(*h) + h->n;
	free(h);
}

int ob_grow(struct outbox *ob, void **arr, unsigned int *cap,
	    unsigned int need, size_t size)
{
	unsigned int nc;
	void *na;

	if (need <= *cap)
		return 0;
	nc = *cap ? *cap : 4;
	while (nc < need)
		nc *= 2;
	na = ob_realloc(ob, *arr, (size_t)nc * size);
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = nc;
	return 0;
}

/* --- names ---------------------------------------------------------------------- */

const char *ob_join(struct outbox *ob, const char *dir, const char *name)
{
	snprintf(ob->path, ob->path_cap, "%s/%s", dir, name);
	return ob->path;
}

const char *ob_seg_path(struct outbox *ob, uint64_t id, bool quarantine)
{
	snprintf(ob->path, ob->path_cap, "%s/seg-%016" PRIx64 ".log",
		 quarantine ? ob->qdir : ob->dir, id);
	return ob->path;
}

bool ob_parse_seg_name(const char *name, uint64_t *id)
{
	uint64_t v = 0;

	if (strncmp(name, "seg-", 4) || strlen(name) != 4 + 16 + 4 ||
	    strcmp(name + 20, ".log"))
		return false;
	for (int i = 4; i < 20; i++) {
		char c = name[i];

		if (c >= '0' && c <= '9')
			v = v << 4 | (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v << 4 | (uint64_t)(c - 'a' + 10);
		else
			return false;
	}
	*id = v;
	return v != 0;
}

/* --- tables ------------------------------------------------------------------------ */

bool ob_takes(const struct outbox *ob, unsigned int ctrl, uint16_t stream)
{
	return !ob->cfg.takes || ob->cfg.takes(ob->cfg.ctx, ctrl, stream);
}

static int es_cmp(const struct ob_es *e, uint32_t epoch, uint16_t stream)
{
	if (e->epoch != epoch)
		return e->epoch < epoch ? -1 : 1;
	return e->stream < stream ? -1 : e->stream > stream;
}

/* Index of the first entry >= (epoch, stream). */
static unsigned int es_lower(const struct outbox *ob, uint32_t epoch,
			     uint16_t stream)
{
	unsigned int lo = 0, hi = ob->n_es;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (es_cmp(&ob->es[mid], epoch, stream) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct ob_es *ob_es_find(const struct outbox *ob, uint32_t epoch,
			 uint16_t stream)
{
	unsigned int i = es_lower(ob, epoch, stream);

	return i < ob->n_es && !es_cmp(&ob->es[i], epoch, stream) ?
	       &ob->es[i] : NULL;
}

struct ob_es *ob_es_get(struct outbox *ob, uint32_t epoch, uint16_t stream)
{
	unsigned int i = es_lower(ob, epoch, stream);
	struct ob_es *e;
	uint32_t *cur;

	if (i < ob->n_es && !es_cmp(&ob->es[i], epoch, stream))
		return &ob->es[i];
	cur = ob_alloc(ob, sizeof(*cur) * (ob->cfg.n_ctrls ? ob->cfg.n_ctrls : 1));
	if (!cur || ob_grow(ob, (void **)&ob->es, &ob->cap_es, ob->n_es + 1,
			    sizeof(*ob->es))) {
		ob_free(ob, cur);
		return NULL;
	}
	memmove(&ob->es[i + 1], &ob->es[i], (ob->n_es - i) * sizeof(*ob->es));
	ob->n_es++;
	e = &ob->es[i];
	memset(e, 0, sizeof(*e));
	e->epoch = epoch;
	e->stream = stream;
	e->cur = cur;
	return e;
}

static void es_remove(struct outbox *ob, unsigned int i)
{
	ob_free(ob, ob->es[i].cur);
	memmove(&ob->es[i], &ob->es[i + 1], (ob->n_es - i - 1) * sizeof(*ob->es));
	ob->n_es--;
}

struct ob_seg *ob_seg_find(const struct outbox *ob, uint64_t id_at_least)
{
	for (unsigned int i = 0; i < ob->n_seg; i++)
		if (ob->seg[i].id >= id_at_least)
			return &ob->seg[i];
	return NULL;
}

struct ob_span *ob_span_get(struct outbox *ob, struct ob_seg *s,
			    uint16_t stream)
{
	unsigned int i;

	for (i = 0; i < s->n_span && s->span[i].stream < stream; i++)
		;
	if (i < s->n_span && s->span[i].stream == stream)
		return &s->span[i];
	if (ob_grow(ob, (void **)&s->span, &s->cap_span, s->n_span + 1,
		    sizeof(*s->span)))
		return NULL;
	memmove(&s->span[i + 1], &s->span[i],
		(s->n_span - i) * sizeof(*s->span));
	s->n_span++;
	memset(&s->span[i], 0, sizeof(s->span[i]));
	s->span[i].stream = stream;
	return &s->span[i];
}

int ob_span_add(struct outbox *ob, struct ob_seg *s, uint16_t stream,
		uint32_t first, uint32_t last, int64_t expire)
{
	struct ob_span *sp = ob_span_get(ob, s, stream);

	if (!sp)
		return -ENOMEM;
	if (!sp->count) {
		sp->first = first;
		sp->max_expire = expire;
	} else if (!expire || !sp->max_expire) {
		sp->max_expire = 0;
	} else if (expire > sp->max_expire) {
		sp->max_expire = expire;
	}
	sp->last = last;
	sp->count += last - first + 1;
	return 0;
}

bool ob_span_expired(const struct ob_span *sp, int64_t now_wall)
{
	return sp->max_expire && sp->max_expire <= now_wall;
}

void ob_seg_free(struct outbox *ob, struct ob_seg *s)
{
	ob_free(ob, s->span);
	s->span = NULL;
	s->n_span = s->cap_span = 0;
}

static void seg_remove(struct outbox *ob, unsigned int i)
{
	ob->bytes -= ob->seg[i].size;
	ob_seg_free(ob, &ob->seg[i]);
	memmove(&ob->seg[i], &ob->seg[i + 1],
		(ob->n_seg - i - 1) * sizeof(*ob->seg));
	ob->n_seg--;
}

static struct ob_seg *active(struct outbox *ob)
{
	return ob->wf && ob->n_seg ? &ob->seg[ob->n_seg - 1] : NULL;
}

/* --- loss ------------------------------------------------------------------------------ */

static void lost_add(struct outbox *ob, struct ob_ctrl *c,
		     const struct outbox_range *r)
{
	struct outbox_range *t = NULL;

	c->st.lost_records += (uint64_t)(r->last - r->first) + 1;
	for (unsigned int i = c->n_lost; i-- > 0 && !t;)
		if (c->lost[i].epoch == r->epoch &&
		    c->lost[i].stream == r->stream)
			t = &c->lost[i];
	if (t && ob_seq_le(r->first, t->last + 1) &&
	    ob_seq_le(t->first, r->first)) {
		if (ob_seq_lt(t->last, r->last))
			t->last = r->last;	/* adjacent: one GAP */
		return;
	}
	c->st.lost_ranges++;
	if (c->n_lost < LOST_MAX &&
	    !ob_grow(ob, (void **)&c->lost, &c->cap_lost, c->n_lost + 1,
		     sizeof(*c->lost))) {
		c->lost[c->n_lost++] = *r;
		return;
	}
	/* Over-reporting is safe (a GAP applies only to what is still
	 * missing): widen the newest range of the same stream. */
	if (t) {
		if (ob_seq_lt(r->first, t->first))
			t->first = r->first;
		if (ob_seq_lt(t->last, r->last))
			t->last = r->last;
	}
}

void ob_report_loss(struct outbox *ob, uint32_t epoch, uint16_t stream,
		    uint32_t first, uint32_t last)
{
	const struct ob_es *e = ob_es_find(ob, epoch, stream);

	if (ob_seq_lt(last, first))
		return;
	for (unsigned int c = 0; c < ob->cfg.n_ctrls; c++) {
		struct outbox_range r = { epoch, stream, first, last };
		uint32_t cur = e ? e->cur[c] : 0;

		if (!ob_takes(ob, c, stream))
			continue;
		if (ob_seq_le(r.first, cur))
			r.first = cur + 1;
		if (ob_seq_lt(r.last, r.first))
			continue;
		lost_add(ob, &ob->ctrl[c], &r);
	}
}

int outbox_lost_next(struct outbox *ob, unsigned int ctrl,
		     struct outbox_range *r)
{
	struct ob_ctrl *c;

	if (ctrl >= ob->cfg.n_ctrls)
		return -EINVAL;
	c = &ob->ctrl[ctrl];
	if (!c->n_lost)
		return -ENOENT;
	*r = c->lost[0];
	memmove(&c->lost[0], &c->lost[1], (c->n_lost - 1) * sizeof(*c->lost));
	c->n_lost--;
	return 0;
}

/* --- state ------------------------------------------------------------------------------ */

int ob_write_state(struct outbox *ob)
{
	int slot = ob->state.newest == 0 ? 1 : 0, err;
	struct pf_file *f = NULL;
	char name[8];
	uint8_t *buf;
	size_t len;

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
	if (ms > ob->st.sync_max_ms)
		ob->st.sync_max_ms = (uint32_t)(ms > UINT32_MAX ? UINT32_MAX : ms);
}

static int timed_sync(struct outbox *ob, struct pf_file *f)
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
static void now_durable(struct outbox *ob)
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

	if (ob->cfg.free_pct < 100 && !pf_fs_space(ob->dir, &avail, &total)) {
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

/* Drop the oldest segment that is not being written, queueing what it held
 * as lost. -ENOSPC if there is none. */
int ob_evict_oldest(struct outbox *ob, const char *why)
{
	struct ob_seg *s;
	int64_t now = clock_wall_ms();
	uint64_t records = 0;
	int err;

	if (!ob->n_seg || (ob->n_seg == 1 && ob->wf))
		return -ENOSPC;
	s = &ob->seg[0];
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
	seg_remove(ob, 0);
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
static int move_to_new_segment(struct outbox *ob, int err)
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
		err = timed_sync(ob, ob->wf);
	}
	if (!err)
		now_durable(ob);
	return err;
}

static int sync_active(struct outbox *ob)
{
	int err;

	if (!ob->wf || !ob->pend_len)
		return 0;
	err = timed_sync(ob, ob->wf);
	if (!err) {
		now_durable(ob);
		return 0;
	}
	OLOG(LOG_WARN, "fdatasync %s: %s; writing the last %zu bytes again to "
	     "a new segment", ob_seg_path(ob, active(ob)->id, false),
	     strerror(-err), ob->pend_len);
	err = move_to_new_segment(ob, err);
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
		if (!pf_append(ob->wf, idx, n) && !timed_sync(ob, ob->wf)) {
			s->flags |= OB_SEG_INDEXED;
			s->size += n;
			ob->bytes += n;
			now_durable(ob);	/* acked frames too now */
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

static size_t index_len(const struct ob_seg *s)
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
	    s->end + flen + index_len(s) > ob->cfg.segment_bytes) {
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
	if (err == -ENOSPC && !pf_truncate(ob->wf, s->end) &&
	    !ob_evict_oldest(ob, "disk full")) {
		err = pf_append(ob->wf, frame, n);
		if (!err)
			return 0;
		pf_truncate(ob->wf, s->end);
	} else {
		pf_truncate(ob->wf, s->end);
		err = move_to_new_segment(ob, err);
		if (!err)
			err = pf_append(ob->wf, frame, n);
		if (!err)
			return 0;
	}
	return degrade(ob, err, "write failed twice");
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

	if (ob->degraded)
		return ob->degraded;
	if (!h->stream || !h->seq)
		return -EINVAL;
	e = ob_es_find(ob, ob->epoch, h->stream);
	if (e && e->started && h->seq != e->last + 1)
		return -EINVAL;
	if (h->type == OB_T_DATA && h->len > ob->cfg.max_record)
		return -EMSGSIZE;
	if (!e && !(e = ob_es_get(ob, ob->epoch, h->stream)))
		return -ENOMEM;
	if (ob_grow(ob, (void **)&ob->pend, &ob->pend_cap,
		    (unsigned int)(ob->pend_len + OB_OVH + h->len), 1) ||
	    ob_grow(ob, (void **)&ob->pr, &ob->cap_pr, ob->n_pr + 1,
		    sizeof(*ob->pr)))
		return -ENOMEM;
	err = make_room(ob, OB_OVH + h->len);
	if (err)
		return err;
	n = ob_frame_encode(ob->wbuf, h, payload);
	err = write_frame(ob, ob->wbuf, n);
	if (err)
		return err;
	s = active(ob);
	if (ob_span_add(ob, s, h->stream, h->seq, last, h->expire))
		return -ENOMEM;
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
		sync_active(ob);	/* a failure degrades; this one is written */
	return 0;
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

static bool seg_done(const struct outbox *ob, const struct ob_seg *s,
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

/* Records of @s that go unacknowledged because they expired. */
static uint64_t expired_records(const struct outbox *ob,
				const struct ob_seg *s, int64_t now_wall)
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
static int delete_done(struct outbox *ob)
{
	int64_t now = clock_wall_ms();
	unsigned int n = 0;
	int err;

	for (unsigned int i = 0; i < ob->n_seg; i++)
		n += (ob->seg[i].flags & OB_SEG_SEALED) &&
		     seg_done(ob, &ob->seg[i], now);
	if (!n)
		return 0;
	err = ob_write_state(ob);
	if (err)
		return err;
	for (unsigned int i = 0; i < ob->n_seg;) {
		struct ob_seg *s = &ob->seg[i];

		if (!(s->flags & OB_SEG_SEALED) || !seg_done(ob, s, now)) {
			i++;
			continue;
		}
		ob->st.expired += expired_records(ob, s, now);
		err = pf_unlink(ob_seg_path(ob, s->id, false));
		if (err && err != -ENOENT)
			OLOG(LOG_WARN, "unlink %s: %s", ob->path, strerror(-err));
		ob->st.segs_deleted++;
		ob->dir_dirty = true;
		seg_remove(ob, i);
	}
	for (unsigned int i = 0; i < ob->n_es;) {
		if (es_in_use(ob, &ob->es[i]))
			i++;
		else
			es_remove(ob, i);
	}
	return 0;
}

/* Wall time when every span of a sealed segment will have expired. */
static int64_t seg_expiry(const struct ob_seg *s)
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

uint64_t outbox_next_due_ms(const struct outbox *ob)
{
	uint64_t now = clock_mono_ms(), due = UINT64_MAX;
	int64_t wall = clock_wall_ms();

	if (ob->check_delete || ob->dir_dirty || (ob->pend_acked && ob->n_pr))
		return now;
	if (ob->pend_len && !ob->degraded)
		due = ob->pend_since + ob->cfg.sync_interval_ms;
	if (ob->cursors_moved) {
		uint64_t t = ob->state.last_write + ob->cfg.state_interval_ms;

		if (t < due)
			due = t;
	}
	for (unsigned int i = 0; i < ob->n_seg; i++) {
		int64_t x = seg_expiry(&ob->seg[i]);
		uint64_t t;

		if (!x)
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
		int64_t x = seg_expiry(&ob->seg[i]);

		expired = x && x <= wall;
	}
	if (ob->check_delete || expired) {
		ob->check_delete = false;
		delete_done(ob);
	}
	if (ob->cursors_moved &&
	    now - ob->state.last_write >= ob->cfg.state_interval_ms)
		ob_write_state(ob);
	if (ob->dir_dirty && !pf_sync_dir(ob->dir))
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
	ob->degraded = 0;
	err = move_to_new_segment(ob, 0);
	if (err == -ENOSPC && !ob_evict_oldest(ob, "disk full"))
		err = move_to_new_segment(ob, 0);
	if (err) {
		if (ob->wf)
			pf_close(ob->wf);
		ob->wf = NULL;
		ob->degraded = err == -ENOSPC ? -ENOSPC : -EIO;
		return ob->degraded;
	}
	OLOG(LOG_WARN, "writing again (%s)", ob_seg_path(ob, active(ob)->id,
							 false));
	return 0;
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
	st->mem_bytes = ob->mem;
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

void ob_destroy(struct outbox *ob)
{
	ob_iters_detach(ob);
	if (ob->wf)
		pf_close(ob->wf);
	for (unsigned int i = 0; i < ob->n_seg; i++)
		ob_seg_free(ob, &ob->seg[i]);
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
	if (!ob->degraded)
		err = seal_active(ob);
	e2 = ob_write_state(ob);
	if (!err)
		err = e2;
	if (ob->dir_dirty && (e2 = pf_sync_dir(ob->dir)) && !err)
		err = e2;
	ob_destroy(ob);
	return err;
}
