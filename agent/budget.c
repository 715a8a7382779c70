/* SPDX-License-Identifier: MIT */
/* The agent's memory budget (see budget.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "agent/budget.h"

struct account {
	size_t used;
	budget_evict_fn evict;
	void *arg;
};

struct budget {
	size_t limit, used, peak;
	uint64_t evictions;
	bool enforcing;			/* an eviction is running */
	struct account acct[BUDGET_MAX_ACCOUNTS];
	unsigned int n;
};

int budget_create(size_t limit, struct budget **out)
{
	struct budget *b;

	if (!limit)
		return -EINVAL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->limit = limit;
	*out = b;
	return 0;
}

void budget_destroy(struct budget *b)
{
	free(b);
}

int budget_account(struct budget *b, budget_evict_fn evict, void *arg)
{
	if (b->n == BUDGET_MAX_ACCOUNTS)
		return -ENOSPC;
	b->acct[b->n] = (struct account){ 0, evict, arg };
	return (int)b->n++;
}

/* The account holding the most that still has something to evict. */
static int fattest(const struct budget *b, const bool *dry)
{
	int best = -1;

	for (unsigned int i = 0; i < b->n; i++)
		if (!dry[i] && b->acct[i].evict && b->acct[i].used &&
		    (best < 0 || b->acct[i].used > b->acct[best].used))
			best = (int)i;
	return best;
}

static void enforce(struct budget *b)
{
	bool dry[BUDGET_MAX_ACCOUNTS] = { false };
	int a;

	b->enforcing = true;
	while (b->used > b->limit && (a = fattest(b, dry)) >= 0) {
		if (b->acct[a].evict(b->acct[a].arg))
			b->evictions++;
		else
			dry[a] = true;	/* only what must stay: HELLO, replies */
	}
	b->enforcing = false;
}

void budget_charge(struct budget *b, int acct, size_t bytes)
{
	if (acct < 0 || (unsigned int)acct >= b->n)
		return;
	b->acct[acct].used += bytes;
	b->used += bytes;
	if (b->used > b->limit && !b->enforcing)
		enforce(b);
	if (b->used > b->peak)		/* what was held after enforcing */
		b->peak = b->used;
}

void budget_release(struct budget *b, int acct, size_t bytes)
{
	if (acct < 0 || (unsigned int)acct >= b->n)
		return;
	bytes = bytes < b->acct[acct].used ? bytes : b->acct[acct].used;
	b->acct[acct].used -= bytes;
	b->used -= bytes;
}

size_t budget_limit(const struct budget *b)
{
	return b->limit;
}

size_t budget_used(const struct budget *b)
{
	return b->used;
}

size_t budget_peak(const struct budget *b)
{
	return b->peak;
}

size_t budget_account_used(const struct budget *b, int acct)
{
	return acct >= 0 && (unsigned int)acct < b->n ? b->acct[acct].used : 0;
}

uint64_t budget_evictions(const struct budget *b)
{
	return b->evictions;
}

size_t budget_heap_cost(size_t n)
{
	size_t c = (n + 8 + 15) & ~(size_t)15;

	return c < 32 ? 32 : c;
}
