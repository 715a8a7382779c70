// SPDX-License-Identifier: MIT
/*
 * agent/outbox_tab.c - the outbox's memory: counted allocations, file names,
 * the (epoch, stream) table, segments and their spans, the loss queues.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/outbox_int.h"

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
	const char *d = quarantine ? ob->qdir : ob->dir;

	snprintf(ob->path, ob->path_cap, "%s/seg-%016" PRIx64 ".log",
		 d ? d : "(memory)", id);
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

/* A controller new to this run starts as one the state file did not name
 * at open: a zero cursor on every (epoch, stream) known, so it is sent
 * everything still held of the streams it takes (HELLO's low says where
 * that begins), and segments are kept for it until it acks them. */
int outbox_add_ctrl(struct outbox *ob, const char *name, unsigned int *ctrl)
{
	unsigned int n = ob->cfg.n_ctrls;
	struct ob_ctrl *nc;

	if (!name || !name[0] || strlen(name) >= OUTBOX_NAME_MAX)
		return -EINVAL;
	for (unsigned int c = 0; c < n; c++)
		if (!strcmp(ob->ctrl[c].name, name))
			return -EEXIST;
	if (n == OUTBOX_MAX_CTRLS)
		return -ENOSPC;
	/* every table first, then the count: a failure leaves it as it was */
	for (unsigned int i = 0; i < ob->n_es; i++) {
		uint32_t *cur = ob_realloc(ob, ob->es[i].cur, sizeof(*cur) * (n + 1));

		if (!cur)
			return -ENOMEM;
		ob->es[i].cur = cur;
		cur[n] = 0;
	}
	nc = ob_realloc(ob, ob->ctrl, sizeof(*ob->ctrl) * (n + 2));
	if (!nc)
		return -ENOMEM;
	ob->ctrl = nc;
	memset(&nc[n], 0, sizeof(nc[n]));
	strcpy(nc[n].name, name);
	ob->cfg.n_ctrls = n + 1;
	*ctrl = n;
	return 0;
}

void ob_es_remove(struct outbox *ob, unsigned int i)
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

void ob_seg_remove(struct outbox *ob, unsigned int i)
{
	ob->bytes -= ob->seg[i].size;
	ob_seg_free(ob, &ob->seg[i]);
	memmove(&ob->seg[i], &ob->seg[i + 1],
		(ob->n_seg - i - 1) * sizeof(*ob->seg));
	ob->n_seg--;
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

