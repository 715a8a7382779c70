// SPDX-License-Identifier: MIT
/*
 * agent/outbox_mem.c - the memory tier: where records go while the device
 * fails (ENOSPC, EIO) or when there is no usable directory at all. A memory
 * segment has the format of a segment file (HEADER, frames), sits in the
 * segment list in id order like the others, and is replayed, acknowledged
 * and expired the same way; dropping one reports its unacknowledged ranges
 * lost. outbox_resume() writes them to the device (in id order, synced,
 * indexed) before anything new is appended there, so every stream stays in
 * seq order on disk.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/outbox_int.h"
#include "port/clock.h"

#define OLOG(lvl, ...) LOG(LOGM_OUTBOX, lvl, __VA_ARGS__)
#define HDR_FRAME (OB_OVH + OB_SEG_HDR_LEN)

/* What a buffer of @cap bytes costs on the heap (malloc's chunk header and
 * 16-byte rounding), so a budget charged with it sees what RSS sees. */
static uint64_t cost(size_t cap)
{
	return (cap + 8 + 15) & ~(size_t)15;
}

void ob_mem_free_seg(struct outbox *ob, struct ob_seg *s)
{
	if (!(s->flags & OB_SEG_MEM) || !s->mem)
		return;
	ob->memtier -= cost(s->mem_cap);
	ob->st.mem_segments--;
	free(s->mem);
	s->mem = NULL;
	s->mem_cap = 0;
}

static void mem_remove(struct outbox *ob, unsigned int i)
{
	ob_mem_free_seg(ob, &ob->seg[i]);
	ob_seg_remove(ob, i);
}

static int oldest_mem(const struct outbox *ob)
{
	for (unsigned int i = 0; i < ob->n_seg; i++)
		if (ob->seg[i].flags & OB_SEG_MEM)
			return (int)i;
	return -1;
}

uint64_t outbox_mem_bytes(const struct outbox *ob)
{
	return ob->memtier;
}

uint64_t outbox_mem_evict(struct outbox *ob)
{
	int64_t now = clock_wall_ms();
	int i = oldest_mem(ob);
	uint64_t before = ob->memtier, records = 0;
	struct ob_seg *s;

	if (i < 0)
		return 0;
	s = &ob->seg[i];
	for (unsigned int j = 0; j < s->n_span; j++) {
		const struct ob_span *sp = &s->span[j];

		records += sp->count;
		if (!ob_span_expired(sp, now))
			ob_report_loss(ob, s->epoch, sp->stream, sp->first,
				       sp->last);
	}
	ob->st.mem_evicted++;
	OLOG(LOG_DEBUG, "memory tier full: dropped %" PRIu64 " readings held in "
	     "memory only (reported lost)", records);
	mem_remove(ob, (unsigned int)i);
	return before - ob->memtier;
}

/* A new memory segment with room for a frame of @n bytes. */
static struct ob_seg *mem_new(struct outbox *ob, size_t n)
{
	struct ob_frame h = { .type = OB_T_HEADER, .len = OB_SEG_HDR_LEN,
			      .epoch = ob->epoch };
	uint8_t pl[OB_SEG_HDR_LEN] = { 0 };
	size_t cap = ob->cfg.mem_segment_bytes;
	int64_t now = clock_wall_ms();
	uint64_t id = ob->next_id;
	struct ob_seg *s;
	uint8_t *buf;

	if (cap < HDR_FRAME + n)
		cap = HDR_FRAME + n;
	while (ob->cfg.mem_max_bytes && ob->memtier &&
	       ob->memtier + cost(cap) > ob->cfg.mem_max_bytes)
		outbox_mem_evict(ob);
	if (ob_grow(ob, (void **)&ob->seg, &ob->cap_seg, ob->n_seg + 1,
		    sizeof(*ob->seg)))
		return NULL;
	buf = malloc(cap);
	if (!buf)
		return NULL;
	for (int i = 0; i < 8; i++) {
		pl[i] = (uint8_t)(id >> (8 * i));
		pl[8 + i] = (uint8_t)((uint64_t)now >> (8 * i));
	}
	pl[16] = OB_FORMAT;
	s = &ob->seg[ob->n_seg++];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->epoch = ob->epoch;
	s->flags = OB_SEG_MEM;
	s->mem = buf;
	s->mem_cap = cap;
	s->end = ob_frame_encode(buf, &h, pl);
	ob->next_id = id + 1;
	ob->memtier += cost(cap);
	ob->st.mem_segments++;
	return s;
}

static struct ob_seg *mem_active(struct outbox *ob, size_t n)
{
	struct ob_seg *s = ob->n_seg ? &ob->seg[ob->n_seg - 1] : NULL;

	if (s && (s->flags & (OB_SEG_MEM | OB_SEG_SEALED)) == OB_SEG_MEM &&
	    s->epoch == ob->epoch) {
		if (s->end + n <= s->mem_cap)
			return s;
		s->flags |= OB_SEG_SEALED;
	}
	return mem_new(ob, n);
}

int ob_mem_put(struct outbox *ob, const uint8_t *frame, size_t n,
	       const struct ob_frame *h, uint32_t last)
{
	struct ob_seg *s = mem_active(ob, n);

	if (!s || ob_span_add(ob, s, h->stream, h->seq, last, h->expire))
		return -ENOMEM;
	memcpy(s->mem + s->end, frame, n);
	ob->last_rec_seg = s->id;
	ob->last_rec_off = s->end;
	s->end += n;
	return 0;
}

void ob_mem_take_pending(struct outbox *ob)
{
	size_t off = 0;

	while (off < ob->pend_len) {
		const uint8_t *p = ob->pend + off;
		struct ob_frame h;
		size_t need;
		uint32_t last;

		if (ob_frame_decode(p, ob->pend_len - off, ob->cfg.max_record,
				    &h, &need) != 1)
			break;
		last = h.type == OB_T_GAP ? (uint32_t)p[OB_HDR] |
			(uint32_t)p[OB_HDR + 1] << 8 | (uint32_t)p[OB_HDR + 2] << 16 |
			(uint32_t)p[OB_HDR + 3] << 24 : h.seq;
		if (ob_mem_put(ob, p, OB_OVH + h.len, &h, last))
			OLOG(LOG_ERR, "out of memory: stream %u seq %u kept only "
			     "in the failed segment", h.stream, h.seq);
		off += OB_OVH + h.len;
	}
	ob->pend_len = 0;
	ob->n_pr = 0;
}

void ob_mem_delete_done(struct outbox *ob, int64_t now_wall)
{
	for (unsigned int i = 0; i < ob->n_seg;) {
		struct ob_seg *s = &ob->seg[i];

		if ((s->flags & (OB_SEG_MEM | OB_SEG_SEALED)) ==
		    (OB_SEG_MEM | OB_SEG_SEALED) && ob_seg_done(ob, s, now_wall)) {
			ob->st.expired += ob_report_expired(ob, s, now_wall);
			mem_remove(ob, i);
		} else
			i++;
	}
}

/* One memory segment to a file of its own id: its bytes, synced, then its
 * index, synced. Nothing is left behind on failure. */
static int write_one(struct outbox *ob, uint64_t id)
{
	struct pf_file *f = NULL;
	struct ob_seg *s = ob_seg_find(ob, id);
	uint8_t *idx = NULL;
	size_t n = 0;
	int err;

	while (ob->bytes + s->end + ob_index_len(s) > ob->budget) {
		if (ob_evict_oldest(ob, "outbox full"))
			return -ENOSPC;
		s = ob_seg_find(ob, id);	/* the table moved */
	}
	err = pf_open(ob_seg_path(ob, s->id, false),
		      PF_APPEND | PF_CREATE | PF_EXCL, &f);
	if (err)
		return err;
	err = pf_append(f, s->mem, s->end);
	if (!err)
		err = ob_timed_sync(ob, f);
	if (!err && (n = ob_index_encode(ob, s, &idx)) &&
	    !pf_append(f, idx, n) && !ob_timed_sync(ob, f))
		s->flags |= OB_SEG_INDEXED;
	else if (!err)
		pf_truncate(f, s->end);	/* only costs a scan at start */
	ob_free(ob, idx);
	if (pf_close(f) && !err)
		err = -EIO;
	if (err) {
		pf_unlink(ob_seg_path(ob, s->id, false));
		return err;
	}
	ob_mem_free_seg(ob, s);
	s->flags = (s->flags & ~OB_SEG_MEM) | OB_SEG_SEALED;
	s->size = s->end + (s->flags & OB_SEG_INDEXED ? n : 0);
	ob->bytes += s->size;
	ob->st.mem_written++;
	return 0;
}

int ob_mem_write_all(struct outbox *ob)
{
	unsigned int n = 0;
	int err = 0;

	int i;

	ob->budget = ob_free_budget(ob);
	while (!err && (i = oldest_mem(ob)) >= 0) {
		ob->seg[i].flags |= OB_SEG_SEALED;
		err = write_one(ob, ob->seg[i].id);
		n += !err;
	}
	if (n && !err)
		err = pf_sync_dir(ob->dir);
	if (n)
		OLOG(err ? LOG_WARN : LOG_INFO, "%u memory segments written to "
		     "the device%s", n, err ? ", then it failed again" : "");
	if (!err)
		ob_now_durable(ob);
	return err;
}
