// SPDX-License-Identifier: MIT
/*
 * agent/outbox_open.c - recovery: the newest valid state slot, every segment
 * in numeric order (its index, or a scan that cuts a torn tail and skips bad
 * regions), unreadable files quarantined, holes turned into loss reports,
 * then a new epoch made durable. It never refuses because of what it finds.
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
#define MB (1024u * 1024u)

struct hole {
	uint32_t epoch;
	uint16_t stream;
	uint32_t first, last;
};

struct recov {				/* what the recovery collects */
	struct outbox *ob;
	uint64_t *ids;
	unsigned int n_ids, cap_ids;
	struct hole *holes;
	unsigned int n_holes, cap_holes;
	bool files_existed;		/* state slots or segments */
};

static int add_hole(struct recov *r, uint32_t epoch, uint16_t stream,
		    uint32_t first, uint32_t last)
{
	if (ob_seq_lt(last, first))
		return 0;
	if (ob_grow(r->ob, (void **)&r->holes, &r->cap_holes, r->n_holes + 1,
		    sizeof(*r->holes)))
		return -ENOMEM;
	r->holes[r->n_holes++] = (struct hole){ epoch, stream, first, last };
	return 0;
}

/* --- config ----------------------------------------------------------------------- */

static int apply_defaults(struct outbox_config *c, bool memory)
{
	if (!memory && (!c->dir || !c->dir[0] || strlen(c->dir) > 200))
		return -EINVAL;
	if (!c->max_bytes)
		c->max_bytes = 64ull * MB;
	if (c->max_bytes < 64 * 1024)
		return -EINVAL;
	if (!c->free_pct)
		c->free_pct = 50;
	if (c->free_pct > 100)
		return -EINVAL;
	if (!c->segment_bytes)
		c->segment_bytes = c->max_bytes / 4 < MB ?
				   (uint32_t)(c->max_bytes / 4) : MB;
	if (c->segment_bytes < 4096 || c->segment_bytes > c->max_bytes / 4)
		return -EINVAL;
	if (c->sync_interval_ms == OUTBOX_SYNC_DEFAULT)
		c->sync_interval_ms = 1000;
	if (!c->sync_bytes)
		c->sync_bytes = 32 * 1024;
	if (!c->state_interval_ms)
		c->state_interval_ms = 30000;
	if (!c->max_record)
		c->max_record = 64 * 1024;
	if (c->max_record > MB)
		return -EINVAL;
	if (!c->quarantine_bytes)
		c->quarantine_bytes = 4ull * MB;
	if (!c->mem_segment_bytes)
		c->mem_segment_bytes = 16 * 1024;
	if (c->mem_segment_bytes > c->segment_bytes)
		c->mem_segment_bytes = c->segment_bytes;
	if (c->n_ctrls > OUTBOX_MAX_CTRLS || (c->n_ctrls && !c->ctrl_names))
		return -EINVAL;
	for (unsigned int i = 0; i < c->n_ctrls; i++) {
		if (!c->ctrl_names[i] || !c->ctrl_names[i][0] ||
		    strlen(c->ctrl_names[i]) >= OUTBOX_NAME_MAX)
			return -EINVAL;
		for (unsigned int j = 0; j < i; j++)
			if (!strcmp(c->ctrl_names[i], c->ctrl_names[j]))
				return -EINVAL;
	}
	return 0;
}

static char *dup_join(struct outbox *ob, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = ob_alloc(ob, la + lb + 2);

	if (s) {
		memcpy(s, a, la);
		s[la] = '/';
		memcpy(s + la + 1, b, lb + 1);
	}
	return s;
}

static int setup(struct outbox *ob, const struct outbox_config *cfg,
		 bool memory)
{
	ob->cfg = *cfg;
	if (apply_defaults(&ob->cfg, memory))
		return -EINVAL;
	if (!memory) {
		ob->dir = dup_join(ob, cfg->dir, "outbox");
		ob->qdir = ob->dir ? dup_join(ob, ob->dir, "quarantine") : NULL;
		if (!ob->dir || !ob->qdir)
			return -ENOMEM;
	}
	ob->path_cap = (memory ? 0 : strlen(cfg->dir)) + 96;
	ob->path = ob_alloc(ob, ob->path_cap);
	ob->ctrl = ob_alloc(ob, sizeof(*ob->ctrl) * (cfg->n_ctrls + 1));
	ob->wbuf = ob_alloc(ob, ob->cfg.max_record + OB_OVH);
	if (!ob->path || !ob->ctrl || !ob->wbuf)
		return -ENOMEM;
	for (unsigned int c = 0; c < cfg->n_ctrls; c++)
		strcpy(ob->ctrl[c].name, cfg->ctrl_names[c]);
	ob->cfg.ctrl_names = NULL;	/* the caller's; copied above */
	ob->cfg.dir = NULL;
	ob->state.newest = -1;
	ob->next_id = 1;
	return 0;
}

/* mkdir that tolerates an existing directory and makes a new name durable
 * (a sync of its parent). */
static int ensure_dir(const char *path)
{
	char parent[256];
	const char *sl = strrchr(path, '/');
	int err = pf_mkdir(path, 0700);

	if (err == -EEXIST)
		return 0;
	if (err)
		return err;
	if (!sl)
		snprintf(parent, sizeof(parent), ".");
	else if (sl == path)
		snprintf(parent, sizeof(parent), "/");
	else
		snprintf(parent, sizeof(parent), "%.*s", (int)(sl - path), path);
	return pf_sync_dir(parent);
}

/* --- state slots ------------------------------------------------------------------ */

/* Read both slots; keep the newest valid one in *buf (caller frees). */
static int read_state(struct recov *r, uint8_t **buf, struct ob_state_img *img)
{
	struct outbox *ob = r->ob;

	*buf = NULL;
	for (int slot = 0; slot < 2; slot++) {
		struct ob_state_img im;
		char name[8], *data = NULL;
		size_t len;
		int err;

		snprintf(name, sizeof(name), "state.%d", slot);
		err = pf_read_all(ob_join(ob, ob->dir, name), OB_STATE_MAX,
				  &data, &len);
		if (err == -ENOENT)
			continue;
		r->files_existed = true;
		if (!err && !ob_state_decode((uint8_t *)data, len, &im)) {
			ob->state.valid[slot] = true;
			if (ob->state.newest < 0 || im.gen > img->gen) {
				free(*buf);
				*buf = (uint8_t *)data;
				*img = im;
				ob->state.newest = slot;
				ob->state.gen = im.gen;
				continue;
			}
		} else {
			ob->st.state_slots_bad++;
			OLOG(LOG_WARN, "%s/%s: %s; using the other slot", ob->dir,
			     name, err ? strerror(-err) : "bad checksum or format");
		}
		free(data);
	}
	return 0;
}

static int apply_state(struct outbox *ob, const struct ob_state_img *img)
{
	int map[OUTBOX_MAX_CTRLS];
	uint32_t cur[OUTBOX_MAX_CTRLS];

	for (unsigned int sc = 0; sc < img->n_ctrl; sc++) {
		char name[OUTBOX_NAME_MAX];

		ob_state_name(img, sc, name);
		map[sc] = -1;
		for (unsigned int c = 0; c < ob->cfg.n_ctrls; c++)
			if (!strcmp(name, ob->ctrl[c].name))
				map[sc] = (int)c;
	}
	for (unsigned int i = 0; i < img->n_es; i++) {
		uint32_t epoch, last;
		uint16_t stream;
		struct ob_es *e;

		ob_state_entry(img, i, &epoch, &stream, &last, cur);
		if (!epoch || !stream)
			continue;
		e = ob_es_get(ob, epoch, stream);
		if (!e)
			return -ENOMEM;
		e->last = e->durable = last;
		for (unsigned int sc = 0; sc < img->n_ctrl; sc++)
			if (map[sc] >= 0)
				e->cur[map[sc]] = cur[sc];
	}
	if (img->next_id > ob->next_id)
		ob->next_id = img->next_id;
	return 0;
}

/* --- quarantine ---------------------------------------------------------------------- */

struct qfile {
	char name[64];
};

struct qlist {
	struct outbox *ob;
	struct qfile *f;
	unsigned int n, cap;
};

static int q_collect(void *ctx, const char *name, enum pf_type type)
{
	struct qlist *q = ctx;

	if (type != PF_TYPE_FILE || strlen(name) >= sizeof(q->f->name))
		return 0;
	if (ob_grow(q->ob, (void **)&q->f, &q->cap, q->n + 1, sizeof(*q->f)))
		return -ENOMEM;
	strcpy(q->f[q->n++].name, name);
	return 0;
}

static int q_cmp(const void *a, const void *b)
{
	return strcmp(((const struct qfile *)a)->name,
		      ((const struct qfile *)b)->name);
}

/* Delete the oldest quarantined files while they take more than the cap
 * (the names sort by segment id, then by the suffix that kept them apart). */
static void quarantine_cap(struct outbox *ob)
{
	struct qlist q = { .ob = ob };
	uint64_t total = 0, *size;

	if (pf_list_dir(ob->qdir, q_collect, &q) || !q.n)
		goto out;
	qsort(q.f, q.n, sizeof(*q.f), q_cmp);
	size = ob_alloc(ob, sizeof(*size) * q.n);
	if (!size)
		goto out;
	for (unsigned int i = 0; i < q.n; i++) {
		struct pf_file *f;

		size[i] = 0;
		if (!pf_open(ob_join(ob, ob->qdir, q.f[i].name), PF_RDONLY, &f)) {
			pf_size(f, &size[i]);
			pf_close(f);
		}
		total += size[i];
	}
	for (unsigned int i = 0; i < q.n && total > ob->cfg.quarantine_bytes; i++) {
		if (pf_unlink(ob_join(ob, ob->qdir, q.f[i].name)))
			continue;
		total -= size[i];
		ob->st.quarantine_deleted++;
		OLOG(LOG_INFO, "quarantine over %" PRIu64 " bytes: deleted %s",
		     ob->cfg.quarantine_bytes, ob->path);
	}
	pf_sync_dir(ob->qdir);
	ob_free(ob, size);
out:
	ob_free(ob, q.f);
}

/* Move segment @id out of the way (keeping it for a human), or delete it if
 * even that fails. Never fatal. */
static void quarantine(struct outbox *ob, uint64_t id, const char *why)
{
	char src[300], dst[320];
	int err = ensure_dir(ob->qdir);

	snprintf(src, sizeof(src), "%s", ob_seg_path(ob, id, false));
	for (int n = 0; !err && n < 100; n++) {
		struct pf_file *f;

		snprintf(dst, sizeof(dst), "%s.%d", ob_seg_path(ob, id, true), n);
		if (pf_open(dst, PF_RDONLY, &f) == -ENOENT)
			break;
		pf_close(f);
	}
	if (!err)
		err = pf_rename(src, dst);
	if (!err) {
		pf_sync_dir(ob->qdir);
		pf_sync_dir(ob->dir);
		ob->st.quarantined++;
		OLOG(LOG_WARN, "%s: %s; moved to %s", src, why, dst);
		quarantine_cap(ob);
		return;
	}
	if (!pf_unlink(src)) {
		ob->dir_dirty = true;
		ob->st.quarantined++;
		OLOG(LOG_WARN, "%s: %s; cannot quarantine (%s): deleted", src,
		     why, strerror(-err));
	} else {
		OLOG(LOG_ERR, "%s: %s; cannot move or delete it: ignored", src,
		     why);
	}
}

/* --- segments ----------------------------------------------------------------------- */

static int id_collect(void *ctx, const char *name, enum pf_type type)
{
	struct recov *r = ctx;
	uint64_t id;

	if (type != PF_TYPE_FILE || !ob_parse_seg_name(name, &id))
		return 0;	/* not ours: left alone */
	if (ob_grow(r->ob, (void **)&r->ids, &r->cap_ids, r->n_ids + 1,
		    sizeof(*r->ids)))
		return -ENOMEM;
	r->ids[r->n_ids++] = id;
	return 0;
}

static int id_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The INDEX at the end of a sealed segment: 0 (spans loaded) or -EINVAL. */
static int try_index(struct outbox *ob, struct pf_file *f, struct ob_seg *s,
		     uint64_t size)
{
	uint8_t t[OB_TRAILER], *buf;
	struct ob_frame h;
	uint32_t len;
	size_t got, need;
	int err = -EINVAL;

	if (size < OB_OVH + OB_INDEX_FIXED + OB_TRAILER ||
	    pf_pread(f, t, OB_TRAILER, size - OB_TRAILER, &got) ||
	    got != OB_TRAILER)
		return -EINVAL;
	len = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
	      (uint32_t)t[3] << 24;
	if (((uint32_t)t[4] | (uint32_t)t[5] << 8 | (uint32_t)t[6] << 16 |
	     (uint32_t)t[7] << 24) != OB_TRAILER_MAGIC ||
	    len < OB_OVH + OB_INDEX_FIXED || len > size - OB_TRAILER)
		return -EINVAL;
	buf = ob_alloc(ob, len);
	if (!buf)
		return -ENOMEM;
	if (!pf_pread(f, buf, len, size - OB_TRAILER - len, &got) &&
	    got == len && ob_frame_decode(buf, len, 0, &h, &need) == 1 &&
	    h.type == OB_T_INDEX && OB_OVH + h.len == len &&
	    !ob_index_decode(ob, s, buf + OB_HDR, h.len) &&
	    s->end == size - OB_TRAILER - len) {
		s->epoch = h.epoch;
		s->size = size;
		err = 0;
	}
	ob_free(ob, buf);
	return err;
}

struct scan_ctx {
	struct recov *r;
	struct ob_seg *s;
	uint64_t end;			/* after the last data frame */
	uint64_t index_at;		/* a valid INDEX frame, or UINT64_MAX */
	uint64_t bad_regions, bad_bytes;
	uint64_t bad_at, bad_len;	/* the last bad region */
	bool header, any;
	int err;
};

static int scan_frame(void *ctx, uint64_t off, const struct ob_frame *h,
		      const uint8_t *payload)
{
	struct scan_ctx *x = ctx;
	struct ob_span *sp;
	uint32_t first, last = h->seq;

	if (h->type == OB_T_HEADER) {
		if (!x->any && !x->header)
			x->s->epoch = h->epoch;
		x->header = true;
		x->end = off + OB_OVH + h->len;
		return 0;
	}
	if (h->type == OB_T_INDEX) {
		x->index_at = off;
		return 1;	/* what follows is its trailer */
	}
	if (!x->s->epoch)
		x->s->epoch = h->epoch;
	if (h->epoch != x->s->epoch || !h->stream || !h->seq)
		return 0;	/* not of this segment: skip it */
	if (h->type == OB_T_GAP)
		last = (uint32_t)payload[0] | (uint32_t)payload[1] << 8 |
		       (uint32_t)payload[2] << 16 | (uint32_t)payload[3] << 24;
	sp = ob_span_get(x->r->ob, x->s, h->stream);
	if (!sp) {
		x->err = -ENOMEM;
		return 1;
	}
	first = h->seq;
	if (sp->count) {
		if (ob_seq_le(last, sp->last))
			return 0;	/* written twice: keep the first */
		if (ob_seq_le(first, sp->last))
			first = sp->last + 1;	/* an overlapping GAP */
		if (ob_seq_lt(sp->last + 1, first) &&
		    add_hole(x->r, x->s->epoch, h->stream, sp->last + 1,
			     first - 1)) {
			x->err = -ENOMEM;
			return 1;
		}
	}
	if (ob_span_add(x->r->ob, x->s, h->stream, first, last, h->expire)) {
		x->err = -ENOMEM;
		return 1;
	}
	x->any = true;
	x->end = off + OB_OVH + h->len;
	return 0;
}

static void scan_bad(void *ctx, uint64_t off, uint64_t len)
{
	struct scan_ctx *x = ctx;

	x->bad_regions++;
	x->bad_bytes += len;
	x->bad_at = off;
	x->bad_len = len;
}

/* Cut what follows the last record and append an INDEX, so the next start
 * reads the index instead of scanning. Failure only costs that scan. */
static void seal_scanned(struct outbox *ob, struct ob_seg *s)
{
	struct pf_file *f;
	uint8_t *idx;
	size_t n;

	if (pf_open(ob_seg_path(ob, s->id, false), PF_APPEND, &f))
		return;
	if (!pf_truncate(f, s->end)) {
		s->size = s->end;
		n = ob_index_encode(ob, s, &idx);
		if (n && !pf_append(f, idx, n) && !pf_datasync(f)) {
			s->size += n;
			s->flags |= OB_SEG_INDEXED;
		} else if (n) {
			pf_truncate(f, s->end);
		}
		if (n)
			ob_free(ob, idx);
	}
	pf_close(f);
}

/* Scan a segment without a valid index. 1 = nothing usable in it. */
static int scan_segment(struct recov *r, struct pf_file *f, struct ob_seg *s,
			uint64_t size, bool newest)
{
	struct outbox *ob = r->ob;
	struct scan_ctx x = { .r = r, .s = s, .index_at = UINT64_MAX };
	struct ob_scan_cb cb = { scan_frame, scan_bad, &x };
	int err = ob_scan(ob, f, 0, size, &cb);
	uint64_t tail;

	if (err < 0)
		return err;
	if (x.err)
		return x.err;
	ob->st.scanned_bytes += size;
	if (!x.any && !x.header)
		return 1;
	s->end = x.end;
	s->size = size;
	s->flags |= OB_SEG_SEALED | OB_SEG_VERIFIED;
	tail = x.index_at != UINT64_MAX ? 0 :
	       x.bad_at + x.bad_len == size && x.bad_at >= x.end ? x.bad_len : 0;
	if (tail) {
		x.bad_regions--;
		x.bad_bytes -= tail;
		if (newest)
			ob->st.torn_bytes += tail;
		else
			ob->st.bad_bytes += tail;
		OLOG(newest ? LOG_INFO : LOG_WARN, "%s: cut %" PRIu64
		     " bytes of %s at %" PRIu64, ob_seg_path(ob, s->id, false),
		     tail, newest ? "torn tail" : "garbage", x.end);
	}
	ob->st.bad_regions += x.bad_regions;
	ob->st.bad_bytes += x.bad_bytes;
	if (x.bad_regions)
		OLOG(LOG_WARN, "%s: skipped %" PRIu64 " bad regions (%" PRIu64
		     " bytes)", ob_seg_path(ob, s->id, false), x.bad_regions,
		     x.bad_bytes);
	if (x.index_at != UINT64_MAX)
		s->end = x.index_at;
	seal_scanned(ob, s);
	return 0;
}

static int load_segment(struct recov *r, uint64_t id, bool newest)
{
	struct outbox *ob = r->ob;
	struct pf_file *f = NULL;
	struct ob_seg *s;
	uint64_t size = 0;
	int err;

	err = pf_open(ob_seg_path(ob, id, false), PF_RDONLY, &f);
	if (err == -ENOENT || err == -ENOMEM)
		return err == -ENOMEM ? err : 0;
	if (!err) {
		err = pf_size(f, &size);
		if (err)
			pf_close(f);
	}
	if (err) {
		quarantine(ob, id, strerror(-err));
		return 0;
	}
	if (ob_grow(ob, (void **)&ob->seg, &ob->cap_seg, ob->n_seg + 1,
		    sizeof(*ob->seg))) {
		pf_close(f);
		return -ENOMEM;
	}
	s = &ob->seg[ob->n_seg];
	memset(s, 0, sizeof(*s));
	s->id = id;
	if (!try_index(ob, f, s, size)) {
		s->flags = OB_SEG_SEALED | OB_SEG_INDEXED;
		err = 0;
	} else {
		ob_seg_free(ob, s);
		s->n_span = 0;
		err = size ? scan_segment(r, f, s, size, newest) : 1;
	}
	pf_close(f);
	if (err < 0) {
		ob_seg_free(ob, s);
		if (err == -ENOMEM)
			return err;
		quarantine(ob, id, strerror(-err));
		return 0;
	}
	if (err > 0) {
		ob_seg_free(ob, s);
		if (size <= OB_OVH + OB_SEG_HDR_LEN) {
			/* Made just before a crash: nothing was in it. */
			if (!pf_unlink(ob_seg_path(ob, id, false))) {
				ob->dir_dirty = true;
				ob->st.empty_removed++;
			}
		} else {
			quarantine(ob, id, "no valid record");
		}
		return 0;
	}
	ob->n_seg++;
	ob->bytes += s->size;
	ob->st.recovered_segments++;
	ob->st.recovered_bytes += s->size;
	return 0;
}

static int load_segments(struct recov *r)
{
	struct outbox *ob = r->ob;
	int err = pf_list_dir(ob->dir, id_collect, r);

	if (err)
		return err;
	if (!r->n_ids)
		return 0;
	r->files_existed = true;
	qsort(r->ids, r->n_ids, sizeof(*r->ids), id_cmp);
	for (unsigned int i = 0; i < r->n_ids; i++) {
		err = load_segment(r, r->ids[i], i == r->n_ids - 1);
		if (err)
			return err;
		if (r->ids[i] >= ob->next_id)
			ob->next_id = r->ids[i] + 1;
	}
	return 0;
}

/* --- what was lost ----------------------------------------------------------------------- */

/* Per (epoch, stream): holes between segments, a start above 1, and a tail
 * that another controller's ack (or the state) proves existed. */
static int find_losses(struct recov *r)
{
	struct outbox *ob = r->ob;

	for (unsigned int i = 0; i < ob->n_seg; i++) {
		const struct ob_seg *s = &ob->seg[i];

		for (unsigned int j = 0; j < s->n_span; j++) {
			struct ob_es *e = ob_es_get(ob, s->epoch,
						    s->span[j].stream);

			if (!e)
				return -ENOMEM;
			if (ob_seq_lt(e->last, s->span[j].last))
				e->last = e->durable = s->span[j].last;
		}
	}
	for (unsigned int k = 0; k < ob->n_es; k++) {
		struct ob_es *e = &ob->es[k];
		uint32_t next = 1;

		for (unsigned int i = 0; i < ob->n_seg; i++) {
			const struct ob_seg *s = &ob->seg[i];

			for (unsigned int j = 0; j < s->n_span; j++) {
				const struct ob_span *sp = &s->span[j];

				if (s->epoch != e->epoch || sp->stream != e->stream)
					continue;
				if (ob_seq_lt(next, sp->first) &&
				    add_hole(r, e->epoch, e->stream, next,
					     sp->first - 1))
					return -ENOMEM;
				if (ob_seq_le(next, sp->last))
					next = sp->last + 1;
			}
		}
		for (unsigned int c = 0; c < ob->cfg.n_ctrls; c++)
			if (ob_seq_lt(e->last, e->cur[c]))
				e->last = e->durable = e->cur[c];
		if (ob_seq_le(next, e->last) &&
		    add_hole(r, e->epoch, e->stream, next, e->last))
			return -ENOMEM;
	}
	for (unsigned int h = 0; h < r->n_holes; h++)
		ob_report_loss(ob, r->holes[h].epoch, r->holes[h].stream,
			       r->holes[h].first, r->holes[h].last);
	return 0;
}

static uint32_t new_epoch(struct recov *r, const struct ob_state_img *img)
{
	struct outbox *ob = r->ob;
	uint32_t max = ob->state.newest >= 0 ? img->epoch : 0, e;

	for (unsigned int i = 0; i < ob->n_seg; i++)
		if (ob->seg[i].epoch > max)
			max = ob->seg[i].epoch;
	for (unsigned int i = 0; i < ob->n_es; i++)
		if (ob->es[i].epoch > max)
			max = ob->es[i].epoch;
	e = max + 1;
	if (ob->state.newest < 0 && r->files_existed) {
		/* The counter is gone: an epoch whose data was all deleted
		 * could be above everything left. Jump far at random. */
		ob->st.state_lost = true;
		e += 1 + (clock_random() & 0xffffffu);
		OLOG(LOG_WARN, "no valid state slot: epoch counter lost; "
		     "taking %u (above every epoch still on disk)", e);
	}
	return e ? e : 1;
}

/* --- open ---------------------------------------------------------------------------------- */

static int recover(struct recov *r)
{
	struct outbox *ob = r->ob;
	struct ob_state_img img = { 0 };
	uint8_t *sbuf = NULL;
	int err;

	read_state(r, &sbuf, &img);
	err = ob->state.newest >= 0 ? apply_state(ob, &img) : 0;
	if (!err)
		err = load_segments(r);
	if (!err)
		err = find_losses(r);
	if (!err)
		ob->epoch = new_epoch(r, &img);
	free(sbuf);
	return err;
}

int outbox_open(const struct outbox_config *cfg, struct outbox **out,
		uint32_t *epoch)
{
	uint64_t t0 = clock_mono_ms();
	struct outbox *ob = calloc(1, sizeof(*ob));
	struct recov r = { .ob = ob };
	int err;

	if (!ob)
		return -ENOMEM;
	ob->mem = sizeof(*ob);
	err = setup(ob, cfg, false);
	if (!err)
		err = ensure_dir(cfg->dir);
	if (!err)
		err = ensure_dir(ob->dir);
	if (!err)
		err = pf_lock(ob_join(ob, ob->dir, "lock"), &ob->lock);
	if (err == -EBUSY)
		OLOG(LOG_ERR, "%s is in use by another process", ob->dir);
	if (!err)
		err = recover(&r);
	ob_free(ob, r.ids);
	ob_free(ob, r.holes);
	if (!err) {
		ob->budget = ob_free_budget(ob);
		err = ob_write_state(ob);
		if (err == -ENOSPC && !ob_evict_oldest(ob, "disk full at start"))
			err = ob_write_state(ob);
	}
	if (ob->dir_dirty && !err && !pf_sync_dir(ob->dir))
		ob->dir_dirty = false;
	if (err) {
		OLOG(LOG_ERR, "%s/outbox: %s", cfg->dir ? cfg->dir : "?",
		     strerror(-err));
		ob_destroy(ob);
		return err;
	}
	ob->st.recovery_ms = clock_mono_ms() - t0;
	OLOG(LOG_INFO, "%s: epoch %u; %u segments, %" PRIu64 " bytes recovered "
	     "in %" PRIu64 " ms", ob->dir, ob->epoch, ob->n_seg, ob->bytes,
	     ob->st.recovery_ms);
	*out = ob;
	*epoch = ob->epoch;
	return 0;
}

int outbox_open_memory(const struct outbox_config *cfg, int why,
		       struct outbox **out, uint32_t *epoch)
{
	struct outbox *ob = calloc(1, sizeof(*ob));
	int err;

	if (!ob)
		return -ENOMEM;
	ob->mem = sizeof(*ob);
	err = setup(ob, cfg, true);
	if (err) {
		ob_destroy(ob);
		return err;
	}
	do
		ob->epoch = clock_random();
	while (!ob->epoch);
	ob->degraded = why < 0 ? (why == -ENOSPC ? -ENOSPC : -EIO) : -EIO;
	OLOG(LOG_WARN, "no outbox on a device: readings are held in memory "
	     "only (epoch %u, random)", ob->epoch);
	*out = ob;
	*epoch = ob->epoch;
	return 0;
}
