/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/mq.h"

struct mq {
	unsigned int cap, head, len;
	struct mq_msg *m[];
};

int mq_create(unsigned int cap, struct mq **out)
{
	struct mq *q;

	if (!cap)
		return -EINVAL;
	q = calloc(1, sizeof(*q) + cap * sizeof(q->m[0]));
	if (!q)
		return -ENOMEM;
	q->cap = cap;
	*out = q;
	return 0;
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
	free(q);
}

int mq_push(struct mq *q, const struct mq_msg *hdr, const void *data, bool front)
{
	struct mq_msg *m;
	int dropped = 0;

	if (q->len == q->cap) {
		if (front)
			return 1;	/* it is the oldest: it is the one to go */
		mq_pop(q);
		dropped = 1;
	}
	m = malloc(sizeof(*m) + hdr->len);
	if (!m)
		return -ENOMEM;
	*m = *hdr;
	memcpy(m->data, data, hdr->len);
	if (front) {
		q->head = (q->head + q->cap - 1) % q->cap;
		q->m[q->head] = m;
	} else {
		q->m[(q->head + q->len) % q->cap] = m;
	}
	q->len++;
	return dropped;
}

const struct mq_msg *mq_peek(const struct mq *q)
{
	return q->len ? q->m[q->head] : NULL;
}

void mq_pop(struct mq *q)
{
	if (!q->len)
		return;
	free(q->m[q->head]);
	q->m[q->head] = NULL;
	q->head = (q->head + 1) % q->cap;
	q->len--;
}

unsigned int mq_len(const struct mq *q)
{
	return q->len;
}

bool mq_full(const struct mq *q)
{
	return q->len == q->cap;
}

const struct mq_msg *mq_at(const struct mq *q, unsigned int i)
{
	return i < q->len ? q->m[(q->head + i) % q->cap] : NULL;
}

unsigned int mq_filter(struct mq *q, bool (*drop)(const struct mq_msg *m, void *arg),
		       void *arg)
{
	unsigned int kept = 0, n = q->len;

	for (unsigned int i = 0; i < n; i++) {
		struct mq_msg **src = &q->m[(q->head + i) % q->cap];
		struct mq_msg *m = *src;

		*src = NULL;
		if (drop(m, arg)) {
			free(m);
			continue;
		}
		q->m[(q->head + kept++) % q->cap] = m;
	}
	q->len = kept;
	return n - kept;
}
