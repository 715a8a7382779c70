/* SPDX-License-Identifier: MIT */
/*
 * agent/budget.h - the agent's one memory budget for what it holds for
 * controllers: every queue and store charges the bytes it allocates (each
 * message's heap chunk with its header, each queue's slot array) to the
 * account of its controller. When a charge takes the total over the
 * limit, the budget evicts, oldest first, from the account that holds the
 * most, until it fits again: a controller that has been down for hours
 * cannot starve the healthy ones, whose stores hold only what is in
 * flight. The limit is enforced here and nowhere else.
 *
 * An account's evict callback drops that controller's oldest evictable
 * message and returns the bytes it freed (0 when nothing is evictable:
 * HELLO and replies never are), reporting the loss itself (GAP).
 */
#ifndef AGENT_BUDGET_H
#define AGENT_BUDGET_H

#include <stddef.h>
#include <stdint.h>

#define BUDGET_MAX_ACCOUNTS 64

struct budget;

typedef size_t (*budget_evict_fn)(void *arg);

/* -EINVAL limit 0, -ENOMEM. */
int budget_create(size_t limit, struct budget **out);
void budget_destroy(struct budget *b);

/* A new account; returns its id (>= 0), -ENOSPC (BUDGET_MAX_ACCOUNTS). */
int budget_account(struct budget *b, budget_evict_fn evict, void *arg);

/* @bytes more held by account @acct; evicts until the total fits. */
void budget_charge(struct budget *b, int acct, size_t bytes);
/* @bytes freed by account @acct. */
void budget_release(struct budget *b, int acct, size_t bytes);

size_t budget_limit(const struct budget *b);
size_t budget_used(const struct budget *b);
size_t budget_peak(const struct budget *b);
size_t budget_account_used(const struct budget *b, int acct);
uint64_t budget_evictions(const struct budget *b);

/* What a heap block of @n bytes really costs with glibc's allocator: the
 * chunk header and the 16-byte rounding (at least 32 bytes). */
size_t budget_heap_cost(size_t n);

#endif
