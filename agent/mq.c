/* SPDX-License-Identifier: MIT */
/*
 * agent/mq.c - a ring of message pointers that grows (and shrinks back)
 * by powers of two; see mq.h. What it allocates is charged to its budget
 * account with its real heap cost, so the budget sees what RSS will see.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/budget.h"
#include "agent/mq.h"

#define MQ_MIN_SLOTS 16

struct mq {
	unsigned int cap;		/* count limit, 0 = none */
	unsigned int slots, head, len;
	struct mq_msg **m;
	size_t bytes;			/* heap held: messages + slot array */
	struct budget *budget;
	int acct;
};

static size_t msg_cost(const struct mq_msg *m)
{
	return budget_heap_cost(sizeof(*m) + m->len);
}

static void charge(struct mq *q, size_t n)
{
	q->bytes += n;
	if (q->budget)
		budget_charge(q->budget, q->acct, n);
}

static void release(struct mq *q, size_t n)
{
	q->bytes -= n;
	if (q->budget)
		budget_release(q->budget, q->acct, n);
}

int mq_create(unsigned int cap, struct mq **out)
{
	struct mq *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	q->cap = cap;
	q->acct = -1;
	*out = q;
	return 0;
}

void mq_charge_to(struct mq *q, struct budget *b, int acct)
{
	q->budget = b;
	q->acct = acct;
	if (b && q->bytes)
		budget_charge(b, acct, q->bytes);
}

void mq_clear(struct mq *q)
{
	while (q->len)
		mq_pop(q);
}

void mq_destroy(struct mq *q)
{
	if (!q)
		return;
	mq_clear(q);
	if (q->slots)
		release(q, budget_heap_cost(q->slots * sizeof(q->m[0])));
	free(q->m);
	free(q);
}

/* Re-lay the ring into @slots slots (>= len), head at 0. */
static int resize(struct mq *q, unsigned int slots)
{
	struct mq_msg **m = malloc(slots * sizeof(*m));

	if (!m)
		return -ENOMEM;
	for (unsigned int i = 0; i < q->len; i++)
		m[i] = q->m[(q->head + i) % q->slots];
	if (q->slots)
		release(q, budget_heap_cost(q->slots * sizeof(*m)));
	free(q->m);
	q->m = m;
	q->slots = slots;
	q->head = 0;
	charge(q, budget_heap_cost(slots * sizeof(*m)));
	return 0;
}

int mq_push(struct mq *q, const struct mq_msg *hdr, const void *data, bool front)
{
	struct mq_msg *m;
	int dropped = 0;

	if (q->cap && q->len == q->cap && front)
		return 1;	/* it is the oldest: it is the one to go */
	if (q->len == q->slots &&
	    resize(q, q->slots ? q->slots * 2 : MQ_MIN_SLOTS))
		return -ENOMEM;
	m = malloc(sizeof(*m) + hdr->len);
	if (!m)
		return -ENOMEM;	/* nothing dropped for it */
	*m = *hdr;
	memcpy(m->data, data, hdr->len);
	if (q->cap && q->len == q->cap) {
		mq_pop(q);
		dropped = 1;
	}
	if (front) {
		q->head = (q->head + q->slots - 1) % q->slots;
		q->m[q->head] = m;
	} else {
		q->m[(q->head + q->len) % q->slots] = m;
	}
	q->len++;
	charge(q, msg_cost(m));	/* last: the budget may evict from here */
	return dropped;
}

const struct mq_msg *mq_peek(const struct mq *q)
{
	return q->len ? q->m[q->head] : NULL;
}

static void maybe_shrink(struct mq *q)
{
	/* give memory back after a backlog (never below the minimum) */
	if (q->slots > MQ_MIN_SLOTS && q->len < q->slots / 4)
		(void)resize(q, q->slots / 2);
}

struct mq_msg *mq_take(struct mq *q)
{
	struct mq_msg *m;

	if (!q->len)
		return NULL;
	m = q->m[q->head];
	q->m[q->head] = NULL;
	q->head = (q->head + 1) % q->slots;
	q->len--;
	release(q, msg_cost(m));
	maybe_shrink(q);
	return m;
}

void mq_pop(struct mq *q)
{
	free(mq_take(q));
}

unsigned int mq_len(const struct mq *q)
{
	return q->len;
}

size_t mq_bytes(const struct mq *q)
{
	return q->bytes;
}

const struct mq_msg *mq_at(const struct mq *q, unsigned int i)
{
	return i < q->len ? q->m[(q->head + i) % q->slots] : NULL;
}

unsigned int mq_filter(struct mq *q, bool (*drop)(const struct mq_msg *m, void *arg),
		       void *arg)
{
	unsigned int kept = 0, n = q->len;

	for (unsigned int i = 0; i < n; i++) {
		struct mq_msg **src = &q->m[(q->head + i) % q->slots];
		struct mq_msg *m = *src;

		*src = NULL;
		if (drop(m, arg)) {
			release(q, msg_cost(m));
			free(m);
			continue;
		}
		q->m[(q->head + kept++) % q->slots] = m;
	}
	q->len = kept;
	maybe_shrink(q);
	return n - kept;
}
