/* SPDX-License-Identifier: MIT */
/*
 * agent/store.c - the in-memory store of sent, un-ACKed readings (see
 * store.h): a FIFO in send order whose entries carry increasing tickets,
 * so the replay cursor is found again by binary search.
 */
#include <errno.h>
#include <stdlib.h>

#include "agent/mq.h"
#include "agent/seqnum.h"
#include "agent/store.h"

struct store {
	struct mq *q;
	uint64_t next_ticket;
};

int store_create(struct budget *b, int acct, struct store **out)
{
	struct store *s;
	int rc;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	rc = mq_create(0, &s->q);
	if (rc) {
		free(s);
		return rc;
	}
	mq_charge_to(s->q, b, acct);
	s->next_ticket = 1;
	*out = s;
	return 0;
}

void store_destroy(struct store *s)
{
	if (!s)
		return;
	mq_destroy(s->q);
	free(s);
}

static void range_of(const struct mq_msg *m, struct store_range *r)
{
	r->epoch = m->epoch;
	r->stream = m->stream;
	r->first = r->last = m->seq;
}

int store_evict_oldest(struct store *s, struct store_range *lost)
{
	const struct mq_msg *m = mq_peek(s->q);

	if (!m)
		return 0;
	range_of(m, lost);
	mq_pop(s->q);
	return 1;
}

int store_append(struct store *s, const struct mq_msg *m, const void *data)
{
	struct mq_msg h = *m;
	int rc;

	h.ticket = s->next_ticket++;	/* never reused, even on failure */
	rc = mq_push(s->q, &h, data, false);
	return rc < 0 ? rc : 0;
}

struct ack_range {
	uint32_t epoch;
	uint16_t stream;
	uint32_t seq;
};

static bool covered(const struct mq_msg *m, void *arg)
{
	const struct ack_range *r = arg;

	return m->epoch == r->epoch && m->stream == r->stream && seq_le(m->seq, r->seq);
}

unsigned int store_ack(struct store *s, uint32_t epoch, uint16_t stream,
		       uint32_t seq)
{
	struct ack_range r = { epoch, stream, seq };

	return mq_filter(s->q, covered, &r);
}

bool store_lowest(const struct store *s, uint32_t epoch, uint16_t stream,
		  uint32_t *seq)
{
	bool found = false;

	for (unsigned int i = 0; i < mq_len(s->q); i++) {
		const struct mq_msg *m = mq_at(s->q, i);

		if (m->epoch == epoch && m->stream == stream &&
		    (!found || seq_lt(m->seq, *seq))) {
			*seq = m->seq;
			found = true;
		}
	}
	return found;
}

const struct mq_msg *store_from(const struct store *s, uint64_t pos,
				uint64_t *ticket)
{
	unsigned int lo = 0, hi = mq_len(s->q);

	while (lo < hi) {		/* first entry with ticket >= pos */
		unsigned int mid = lo + (hi - lo) / 2;

		if (mq_at(s->q, mid)->ticket < pos)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == mq_len(s->q))
		return NULL;
	*ticket = mq_at(s->q, lo)->ticket;
	return mq_at(s->q, lo);
}

uint64_t store_next_ticket(const struct store *s)
{
	return s->next_ticket;
}

unsigned int store_len(const struct store *s)
{
	return mq_len(s->q);
}

size_t store_bytes(const struct store *s)
{
	return mq_bytes(s->q);
}

void store_clear(struct store *s)
{
	mq_clear(s->q);
}
