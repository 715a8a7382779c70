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

/* Merge with a range of the same (epoch, stream) that touches it. */
static bool merge(struct gaps *g, uint32_t epoch, uint16_t stream,
		  uint32_t first, uint32_t last)
{
	for (unsigned int i = g->n; i-- > 0;) {
		struct range *r = &g->r[i];

		if (r->epoch != epoch || r->stream != stream)
			continue;
		if (r->last + 1 == first || (seq_le(r->first, first) && seq_le(first, r->last))) {
			if (seq_gt(last, r->last))
				r->last = last;
		} else if (last + 1 == r->first) {
			r->first = first;
		} else {
			continue;
		}
		r->sent = false;
		return true;
	}
	return false;
}

int gaps_add(struct gaps *g, uint32_t epoch, uint16_t stream, uint32_t first,
	     uint32_t last)
{
	int forgot = 0;

	if (merge(g, epoch, stream, first, last))
		return 0;
	if (g->n == g->cap) {
		remove_at(g, 0);
		forgot = 1;
	}
	g->r[g->n++] = (struct range){ epoch, stream, false, first, last };
	return forgot;
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
