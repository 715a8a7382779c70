/* SPDX-License-Identifier: MIT */
/* One controller's lost sequence ranges (see gaps.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "agent/gaps.h"
#include "agent/msg.h"
#include "agent/seqnum.h"

struct range {
	uint32_t epoch;
	uint16_t stream;
	bool sent;
	uint32_t first, last;
};

struct gaps {
	struct range *r;	/* oldest first */
	unsigned int n, cap;
	uint64_t forgotten;	/* ranges dropped to make room */
};

int gaps_create(unsigned int cap, struct gaps **out)
{
	struct gaps *g;

	if (!cap)
		return -EINVAL;
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->r = calloc(cap, sizeof(*g->r));
	if (!g->r) {
		free(g);
		return -ENOMEM;
	}
	g->cap = cap;
	*out = g;
	return 0;
}

void gaps_destroy(struct gaps *g)
{
	if (!g)
		return;
	free(g->r);
	free(g);
}

static void remove_at(struct gaps *g, unsigned int i)
{
	memmove(&g->r[i], &g->r[i + 1], (g->n - i - 1) * sizeof(g->r[0]));
	g->n--;
}

static bool same(const struct range *r, uint32_t epoch, uint16_t stream)
{
	return r->epoch == epoch && r->stream == stream;
}

/* Do [a, b] and [c, d] overlap or touch (serial-number order)? */
static bool touch(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	return seq_le(c, b + 1) && seq_le(a, d + 1);
}

/* How many of first..last a kept range already covers. */
static uint64_t overlap(const struct range *r, uint32_t first, uint32_t last)
{
	uint32_t lo = seq_gt(r->first, first) ? r->first : first;
	uint32_t hi = seq_lt(r->last, last) ? r->last : last;

	return seq_le(lo, hi) ? (uint64_t)(hi - lo) + 1 : 0;
}

/* Grow a range of the same (epoch, stream) that touches first..last to
 * cover it, then fold in every other range the grown one touches. */
static bool merge(struct gaps *g, uint32_t epoch, uint16_t stream,
		  uint32_t first, uint32_t last)
{
	struct range *r = NULL;

	for (unsigned int i = g->n; i-- > 0 && !r;)
		if (same(&g->r[i], epoch, stream) &&
		    touch(g->r[i].first, g->r[i].last, first, last))
			r = &g->r[i];
	if (!r)
		return false;
	if (seq_lt(first, r->first))
		r->first = first;
	if (seq_gt(last, r->last))
		r->last = last;
	r->sent = false;
	for (unsigned int i = g->n; i-- > 0;) {
		struct range *o = &g->r[i];

		if (o == r || !same(o, epoch, stream) ||
		    !touch(o->first, o->last, r->first, r->last))
			continue;
		if (seq_lt(o->first, r->first))
			r->first = o->first;
		if (seq_gt(o->last, r->last))
			r->last = o->last;
		if (o < r)
			r--;		/* it moves down one */
		remove_at(g, i);
	}
	return true;
}

uint64_t gaps_add(struct gaps *g, uint32_t epoch, uint16_t stream,
		  uint32_t first, uint32_t last)
{
	uint64_t n = (uint64_t)(last - first) + 1;

	for (unsigned int i = 0; i < g->n; i++)	/* kept ranges are disjoint */
		if (same(&g->r[i], epoch, stream))
			n -= overlap(&g->r[i], first, last);
	if (!n)
		return 0;	/* known (and maybe sent) already */
	if (merge(g, epoch, stream, first, last))
		return n;
	if (g->n == g->cap) {
		remove_at(g, 0);
		g->forgotten++;
	}
	g->r[g->n++] = (struct range){ epoch, stream, false, first, last };
	return n;
}

void gaps_ack(struct gaps *g, uint32_t epoch, uint16_t stream, uint32_t seq)
{
	for (unsigned int i = g->n; i-- > 0;)
		if (g->r[i].epoch == epoch && g->r[i].stream == stream &&
		    seq_ge(seq, g->r[i].last))
			remove_at(g, i);
}

unsigned int gaps_take(struct gaps *g, struct msg_gap *out, unsigned int max,
		       uint32_t *epoch)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < g->n && n < max; i++) {
		struct range *r = &g->r[i];

		if (r->sent || (n && r->epoch != *epoch))
			continue;
		*epoch = r->epoch;
		r->sent = true;
		out[n++] = (struct msg_gap){ r->stream, r->first, r->last };
	}
	return n;
}

void gaps_unsend_all(struct gaps *g)
{
	for (unsigned int i = 0; i < g->n; i++)
		g->r[i].sent = false;
}

unsigned int gaps_count(const struct gaps *g)
{
	return g->n;
}

unsigned int gaps_unsent(const struct gaps *g)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < g->n; i++)
		n += !g->r[i].sent;
	return n;
}

uint64_t gaps_forgotten(const struct gaps *g)
{
	return g->forgotten;
}
