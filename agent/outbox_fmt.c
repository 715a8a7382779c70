// SPDX-License-Identifier: MIT
/*
 * agent/outbox_fmt.c - the outbox's bytes: record frames, the segment index
 * (INDEX frame + trailer), the state slots, and the scanner that finds every
 * valid frame of a file and the bad regions between them.
 */
#include <errno.h>
#include <string.h>

#include "agent/crc32c.h"
#include "agent/outbox_int.h"

#define OB_LEN_MAX ((2u << 20) - OB_OVH)	/* any frame's payload */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* --- frames ------------------------------------------------------------------- */

size_t ob_frame_encode(uint8_t *out, const struct ob_frame *h,
		       const void *payload)
{
	put16(out, OB_MAGIC);
	out[2] = h->type;
	out[3] = h->flags;
	put32(out + 4, h->len);
	put32(out + 8, h->epoch);
	put16(out + 12, h->stream);
	put16(out + 14, 0);
	put32(out + 16, h->seq);
	put64(out + 20, (uint64_t)h->expire);
	if (h->len)
		memcpy(out + OB_HDR, payload, h->len);
	put32(out + OB_HDR + h->len, crc32c(0, out, OB_HDR + h->len));
	return OB_OVH + h->len;
}

/* The payload sizes a frame type may have. */
static bool len_ok(uint8_t type, uint32_t len)
{
	switch (type) {
	case OB_T_HEADER:
		return len == OB_SEG_HDR_LEN;
	case OB_T_DATA:
		return len <= OB_LEN_MAX;
	case OB_T_GAP:
		return len == 4;
	case OB_T_INDEX:
		return len >= OB_INDEX_FIXED && len <= OB_LEN_MAX &&
		       (len - OB_INDEX_FIXED) % OB_SPAN_LEN == 0;
	default:
		return false;
	}
}

int ob_frame_decode(const uint8_t *p, size_t avail, uint32_t max_record,
		    struct ob_frame *h, size_t *need)
{
	uint32_t len;

	(void)max_record;	/* records of an earlier, larger limit stay
				 * readable: the bound is the format's */
	if (avail < OB_HDR) {
		if (avail >= 2 && get16(p) != OB_MAGIC)
			return 0;
		*need = OB_HDR;
		return -1;
	}
	len = get32(p + 4);
	if (get16(p) != OB_MAGIC || !len_ok(p[2], len) || get16(p + 14))
		return 0;
	if (avail < OB_OVH + (size_t)len) {
		*need = OB_OVH + (size_t)len;
		return -1;
	}
	if (crc32c(0, p, OB_HDR + len) != get32(p + OB_HDR + len))
		return 0;
	h->type = p[2];
	h->flags = p[3];
	h->len = len;
	h->epoch = get32(p + 8);
	h->stream = get16(p + 12);
	h->seq = get32(p + 16);
	h->expire = (int64_t)get64(p + 20);
	return 1;
}

/* --- the segment index ---------------------------------------------------------- */

size_t ob_index_encode(struct outbox *ob, const struct ob_seg *s,
		       uint8_t **out)
{
	size_t pl = OB_INDEX_FIXED + (size_t)s->n_span * OB_SPAN_LEN;
	struct ob_frame h = { .type = OB_T_INDEX, .len = (uint32_t)pl,
			      .epoch = s->epoch };
	uint8_t *buf = ob_alloc(ob, OB_OVH + pl + OB_TRAILER), *p;

	if (!buf)
		return 0;
	p = buf + OB_HDR;
	put64(p, s->end);
	put32(p + 8, s->n_span);
	put32(p + 12, 0);
	p += OB_INDEX_FIXED;
	for (unsigned int i = 0; i < s->n_span; i++, p += OB_SPAN_LEN) {
		const struct ob_span *sp = &s->span[i];

		put16(p, sp->stream);
		put16(p + 2, 0);
		put32(p + 4, sp->first);
		put32(p + 8, sp->last);
		put32(p + 12, sp->count);
		put64(p + 16, (uint64_t)sp->max_expire);
	}
	/* Encode in place: the payload is already where it belongs. */
	ob_frame_encode(buf, &h, buf + OB_HDR);
	put32(buf + OB_OVH + pl, (uint32_t)(OB_OVH + pl));
	put32(buf + OB_OVH + pl + 4, OB_TRAILER_MAGIC);
	*out = buf;
	return OB_OVH + pl + OB_TRAILER;
}

int ob_index_decode(struct outbox *ob, struct ob_seg *s, const uint8_t *pl,
		    size_t len)
{
	uint32_t n;

	if (len < OB_INDEX_FIXED)
		return -EINVAL;
	n = get32(pl + 8);
	if (len != OB_INDEX_FIXED + (size_t)n * OB_SPAN_LEN || get32(pl + 12))
		return -EINVAL;
	s->end = get64(pl);
	if (ob_grow(ob, (void **)&s->span, &s->cap_span, n, sizeof(*s->span)))
		return -ENOMEM;
	pl += OB_INDEX_FIXED;
	for (uint32_t i = 0; i < n; i++, pl += OB_SPAN_LEN) {
		struct ob_span *sp = &s->span[i];

		sp->stream = get16(pl);
		sp->first = get32(pl + 4);
		sp->last = get32(pl + 8);
		sp->count = get32(pl + 12);
		sp->max_expire = (int64_t)get64(pl + 16);
		if (!sp->stream || get16(pl + 2) ||
		    (i && sp->stream <= s->span[i - 1].stream))
			return -EINVAL;	/* sorted, unique, never stream 0 */
	}
	s->n_span = n;
	return 0;
}

/* --- state slots ------------------------------------------------------------------ */

static size_t names_len(const struct outbox *ob)
{
	size_t n = 0;

	for (unsigned int c = 0; c < ob->cfg.n_ctrls; c++)
		n += 1 + strlen(ob->ctrl[c].name);
	return n;
}

size_t ob_state_encode(struct outbox *ob, uint8_t **out)
{
	unsigned int nc = ob->cfg.n_ctrls;
	size_t ent = 12 + 4 * (size_t)nc;
	size_t total = OB_STATE_FIXED + names_len(ob) + ob->n_es * ent + 4;
	uint8_t *buf, *p;

	if (total > OB_STATE_MAX)
		return 0;
	buf = ob_alloc(ob, total);
	if (!buf)
		return 0;
	put32(buf, OB_STATE_MAGIC);
	put16(buf + 4, OB_FORMAT);
	put16(buf + 6, (uint16_t)nc);
	put64(buf + 8, ob->state.gen);
	put32(buf + 16, ob->epoch);
	put32(buf + 20, ob->n_es);
	put32(buf + 24, (uint32_t)total);
	put64(buf + 28, ob->next_id);
	p = buf + OB_STATE_FIXED;
	for (unsigned int c = 0; c < nc; c++) {
		size_t l = strlen(ob->ctrl[c].name);

		*p++ = (uint8_t)l;
		memcpy(p, ob->ctrl[c].name, l);
		p += l;
	}
	for (unsigned int i = 0; i < ob->n_es; i++, p += ent) {
		const struct ob_es *e = &ob->es[i];

		put32(p, e->epoch);
		put16(p + 4, e->stream);
		put16(p + 6, 0);
		put32(p + 8, e->durable);
		/* Never a cursor ahead of what is on the device. */
		for (unsigned int c = 0; c < nc; c++)
			put32(p + 12 + 4 * c, ob_seq_lt(e->durable, e->cur[c]) ?
					      e->durable : e->cur[c]);
	}
	put32(p, crc32c(0, buf, total - 4));
	*out = buf;
	return total;
}

int ob_state_decode(const uint8_t *p, size_t len, struct ob_state_img *img)
{
	uint32_t total;
	size_t off = OB_STATE_FIXED, ent;

	if (len < OB_STATE_FIXED + 4 || get32(p) != OB_STATE_MAGIC ||
	    get16(p + 4) != OB_FORMAT)
		return -EINVAL;
	total = get32(p + 24);
	if (total < OB_STATE_FIXED + 4 || total > len ||
	    crc32c(0, p, total - 4) != get32(p + total - 4))
		return -EINVAL;
	img->n_ctrl = get16(p + 6);
	img->gen = get64(p + 8);
	img->epoch = get32(p + 16);
	img->n_es = get32(p + 20);
	img->next_id = get64(p + 28);
	if (img->n_ctrl > OUTBOX_MAX_CTRLS || !img->epoch)
		return -EINVAL;
	img->names = p + off;
	for (unsigned int c = 0; c < img->n_ctrl; c++) {
		if (off >= total - 4 || p[off] >= OUTBOX_NAME_MAX)
			return -EINVAL;
		off += 1 + (size_t)p[off];
	}
	ent = 12 + 4 * (size_t)img->n_ctrl;
	if (off > total - 4 || (total - 4 - off) / ent != img->n_es ||
	    (total - 4 - off) % ent)
		return -EINVAL;
	img->entries = p + off;
	return 0;
}

void ob_state_entry(const struct ob_state_img *img, unsigned int i,
		    uint32_t *epoch, uint16_t *stream, uint32_t *last,
		    uint32_t *cur)
{
	const uint8_t *p = img->entries + (size_t)i * (12 + 4 * img->n_ctrl);

	*epoch = get32(p);
	*stream = get16(p + 4);
	*last = get32(p + 8);
	for (unsigned int c = 0; c < img->n_ctrl; c++)
		cur[c] = get32(p + 12 + 4 * c);
}

void ob_state_name(const struct ob_state_img *img, unsigned int c,
		   char out[OUTBOX_NAME_MAX])
{
	const uint8_t *p = img->names;

	while (c--)
		p += 1 + *p;
	memcpy(out, p + 1, *p);
	out[*p] = '\0';
}

/* --- the scanner ------------------------------------------------------------------- */

/* Read [@off, @off + cap) into the window. 0 or -errno. */
static int refill(struct outbox *ob, struct pf_file *f, struct ob_window *w,
		  uint64_t off, uint64_t to, size_t want)
{
	size_t n;
	int err;

	if (want > w->cap) {
		uint8_t *nb = ob_realloc(ob, w->buf, want);

		if (!nb)
			return -ENOMEM;
		w->buf = nb;
		w->cap = want;
	}
	n = w->cap;
	if ((uint64_t)n > to - off)
		n = (size_t)(to - off);
	w->start = off;
	if (w->mem) {			/* a memory segment */
		w->len = off >= w->mem_len ? 0 :
			 n < w->mem_len - off ? n : (size_t)(w->mem_len - off);
		memcpy(w->buf, w->mem + off, w->len);
		return 0;
	}
	err = pf_pread(f, w->buf, n, off, &w->len);
	return err;
}

/* At most two reads: the header, then the whole frame. */
int ob_window_frame(struct outbox *ob, struct pf_file *f, struct ob_window *w,
		    uint64_t pos, uint64_t to, struct ob_frame *h, int *err)
{
	bool filled = false;

	for (;;) {
		size_t need = OB_HDR;

		if (pos >= w->start && pos < w->start + w->len) {
			size_t avail = (size_t)(w->start + w->len - pos);
			int r = ob_frame_decode(w->buf + (pos - w->start),
						avail, ob->cfg.max_record, h,
						&need);

			if (r >= 0)
				return r;
		}
		if (pos + need > to)
			return 0;	/* would run past the end */
		if (filled && w->len < need)
			return 0;	/* the file ends early */
		*err = refill(ob, f, w, pos, to,
			      need > w->cap ? need : w->cap);
		if (*err || w->len < need)
			return 0;
		filled = true;
	}
}

int ob_scan(struct outbox *ob, struct pf_file *f, uint64_t from,
	    uint64_t to, const struct ob_scan_cb *cb)
{
	struct ob_window w = { .cap = ob_chunk(ob) };
	uint64_t pos = from, bad = UINT64_MAX;
	int rc = 0;

	w.buf = ob_alloc(ob, w.cap);
	if (!w.buf)
		return -ENOMEM;
	w.start = from;
	while (pos < to && !rc) {
		struct ob_frame h;
		int err = 0;

		if (!ob_window_frame(ob, f, &w, pos, to, &h, &err)) {
			if (err) {
				rc = err;
				break;
			}
			if (bad == UINT64_MAX)
				bad = pos;
			pos++;
			continue;
		}
		if (bad != UINT64_MAX && cb->bad)
			cb->bad(cb->ctx, bad, pos - bad);
		bad = UINT64_MAX;
		rc = cb->frame(cb->ctx, pos, &h, w.buf + (pos - w.start) + OB_HDR);
		pos += OB_OVH + h.len;
	}
	if (!rc && bad != UINT64_MAX && cb->bad)
		cb->bad(cb->ctx, bad, to - bad);
	ob_free(ob, w.buf);
	return rc;
}
