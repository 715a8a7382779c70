/* SPDX-License-Identifier: MIT */
/*
 * The core's containers on their own: the memory budget (honest charges,
 * the fattest account evicted first, accounts with nothing evictable
 * skipped), the queue (charges what it allocates, grows and shrinks, an
 * allocation failure drops nothing), the store (tickets survive removals
 * under a replay cursor, serial-number ACKs across 2^32) and the gap ranges
 * (merge, retire on ACK, one epoch per message, bounded).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/budget.h"
#include "agent/gaps.h"
#include "agent/msg.h"
#include "agent/mq.h"

/* --wrap=malloc: the next @fail_at-th call (1 = the next) fails. */
void *__real_malloc(size_t n);
void *__wrap_malloc(size_t n);
static int fail_at;

void *__wrap_malloc(size_t n)
{
	if (fail_at && --fail_at == 0)
		return NULL;
	return __real_malloc(n);
}

static const uint8_t payload[100];

static struct mq_msg msg(uint16_t stream, uint32_t seq, size_t len)
{
	return (struct mq_msg){ .stream = stream, .seq = seq, .epoch = 1, .len = len };
}

/* ---- budget ---------------------------------------------------------------- */

struct fake_acct {
	struct budget *b;
	int id;
	size_t each;		/* bytes one eviction frees */
	unsigned int left;	/* evictable messages */
	unsigned int evicted;
};

static size_t evict(void *arg)
{
	struct fake_acct *f = arg;

	if (!f->left)
		return 0;
	f->left--;
	f->evicted++;
	budget_release(f->b, f->id, f->each);
	return f->each;
}

static void test_budget_evicts_the_fattest(void **state)
{
	struct budget *b;
	struct fake_acct a = { .each = 100 }, c = { .each = 100 }, h = { .each = 100 };

	(void)state;
	assert_int_equal(budget_create(0, &b), -EINVAL);
	assert_int_equal(budget_create(1000, &b), 0);
	a.b = c.b = h.b = b;
	a.id = budget_account(b, evict, &a);
	c.id = budget_account(b, evict, &c);
	h.id = budget_account(b, evict, &h);
	/* a holds 700 (down for long), c 200 (healthy) */
	a.left = 7, c.left = 2;
	budget_charge(b, a.id, 700);
	budget_charge(b, c.id, 200);
	assert_int_equal(budget_used(b), 900);
	assert_int_equal(a.evicted + c.evicted, 0);
	budget_charge(b, c.id, 200), c.left += 2;	/* 1100: 100 over */
	assert_int_equal(budget_used(b), 1000);
	assert_int_equal(a.evicted, 1);			/* from the fattest */
	assert_int_equal(c.evicted, 0);
	budget_charge(b, c.id, 300), c.left += 3;	/* a 600, c 700: 300 over */
	assert_int_equal(c.evicted, 2);			/* always the fattest: */
	assert_int_equal(a.evicted, 2);			/* c, a (tie), c */
	assert_int_equal(budget_account_used(b, a.id), 500);
	/* h holds only what cannot go (HELLO): skipped, others evicted */
	budget_charge(b, h.id, 700);
	assert_int_equal(h.evicted, 0);
	assert_int_equal(budget_account_used(b, h.id), 700);
	assert_true(budget_used(b) <= 1000 + 100);	/* never ends over unless unevictable */
	/* nothing evictable left anywhere: the loop ends, over the limit */
	a.left = c.left = 0;
	budget_charge(b, h.id, 5000);
	assert_int_equal(budget_used(b), budget_account_used(b, a.id) +
			 budget_account_used(b, c.id) + budget_account_used(b, h.id));
	assert_int_equal(budget_evictions(b), a.evicted + c.evicted);
	budget_release(b, h.id, 1u << 30);		/* never below 0 */
	assert_int_equal(budget_account_used(b, h.id), 0);
	budget_destroy(b);
}

static void test_heap_cost(void **state)
{
	(void)state;
	assert_int_equal(budget_heap_cost(0), 32);
	assert_int_equal(budget_heap_cost(24), 32);
	assert_int_equal(budget_heap_cost(25), 48);
	assert_int_equal(budget_heap_cost(100), 112);
	assert_int_equal(budget_heap_cost(4096), 4112);
}

/* ---- mq -------------------------------------------------------------------- */

static void test_mq_charges_what_it_holds(void **state)
{
	struct budget *b;
	struct mq *q;
	struct mq_msg m = msg(1, 1, 100);
	int acct;

	(void)state;
	assert_int_equal(budget_create(1u << 30, &b), 0);
	acct = budget_account(b, NULL, NULL);
	assert_int_equal(mq_create(0, &q), 0);
	mq_charge_to(q, b, acct);
	for (uint32_t i = 0; i < 1000; i++) {
		m.seq = i;
		assert_int_equal(mq_push(q, &m, payload, false), 0);
	}
	assert_int_equal(mq_len(q), 1000);
	/* 1000 chunks + a slot array of 1024 pointers */
	assert_int_equal(mq_bytes(q), 1000 * budget_heap_cost(sizeof(m) + 100) +
			 budget_heap_cost(1024 * sizeof(void *)));
	assert_int_equal(budget_used(b), mq_bytes(q));
	for (uint32_t i = 0; i < 990; i++) {
		assert_int_equal(mq_peek(q)->seq, i);
		mq_pop(q);
	}
	/* shrunk back: the slots follow the backlog down */
	assert_true(mq_bytes(q) < 10 * budget_heap_cost(sizeof(m) + 100) + 400);
	assert_int_equal(budget_used(b), mq_bytes(q));
	mq_destroy(q);
	assert_int_equal(budget_used(b), 0);
	budget_destroy(b);
}

/* An allocation that fails drops nothing: neither the new message nor,
 * in a full count-limited queue, the oldest one. */
static void test_mq_oom_drops_nothing(void **state)
{
	struct mq *q;
	struct mq_msg m = msg(1, 1, 10);

	(void)state;
	assert_int_equal(mq_create(2, &q), 0);
	assert_int_equal(mq_push(q, &m, payload, false), 0);
	m.seq = 2;
	assert_int_equal(mq_push(q, &m, payload, false), 0);
	fail_at = 1;
	m.seq = 3;
	assert_int_equal(mq_push(q, &m, payload, false), -ENOMEM);
	assert_int_equal(mq_len(q), 2);
	assert_int_equal(mq_peek(q)->seq, 1);
	assert_int_equal(mq_push(q, &m, payload, false), 1);	/* full: oldest goes */
	assert_int_equal(mq_peek(q)->seq, 2);
	assert_int_equal(mq_at(q, 1)->seq, 3);
	mq_destroy(q);
}

/* ---- gaps -------------------------------------------------------------------- */

static void test_gaps(void **state)
{
	struct gaps *g;
	struct msg_gap out[4];
	uint32_t epoch;

	(void)state;
	assert_int_equal(gaps_create(3, &g), 0);
	for (uint32_t q = UINT32_MAX - 9; q <= UINT32_MAX - 5; q++)	/* merged */
		assert_int_equal(gaps_add(g, 1, 1, q, q), 1);
	assert_int_equal(gaps_add(g, 1, 1, UINT32_MAX - 8, UINT32_MAX - 6), 0);
	assert_int_equal(gaps_add(g, 1, 1, UINT32_MAX, UINT32_MAX), 1);
	assert_int_equal(gaps_add(g, 1, 1, 0, 1), 2);	/* joins across 2^32 */
	assert_int_equal(gaps_add(g, 2, 1, 3, 3), 1);	/* another epoch */
	assert_int_equal(gaps_count(g), 3);
	assert_int_equal(gaps_take(g, out, 4, &epoch), 2);	/* epoch 1 only */
	assert_int_equal(epoch, 1);
	assert_int_equal(out[0].first, UINT32_MAX - 9);
	assert_int_equal(out[0].last, UINT32_MAX - 5);
	assert_int_equal(out[1].first, UINT32_MAX);
	assert_int_equal(out[1].last, 1);
	assert_int_equal(gaps_take(g, out, 4, &epoch), 1);
	assert_int_equal(epoch, 2);
	assert_int_equal(gaps_take(g, out, 4, &epoch), 0);
	gaps_unsend_all(g);				/* a new association */
	assert_int_equal(gaps_unsent(g), 3);
	gaps_ack(g, 1, 1, UINT32_MAX - 7);		/* not past the first yet */
	assert_int_equal(gaps_count(g), 3);
	gaps_ack(g, 1, 1, 3);				/* past both, serially */
	assert_int_equal(gaps_count(g), 1);
	assert_int_equal(gaps_add(g, 1, 2, 10, 10), 1);
	assert_int_equal(gaps_add(g, 1, 3, 10, 10), 1);
	assert_int_equal(gaps_forgotten(g), 0);
	assert_int_equal(gaps_add(g, 1, 4, 10, 10), 1);	/* full: oldest forgotten */
	assert_int_equal(gaps_forgotten(g), 1);
	assert_int_equal(gaps_count(g), 3);
	/* a range that bridges two kept ones counts only what is new and
	 * leaves one range */
	assert_int_equal(gaps_add(g, 1, 3, 12, 12), 1);	/* forgets (1, 2) */
	assert_int_equal(gaps_add(g, 1, 3, 9, 14), 4);	/* 9, 11, 13, 14 */
	assert_int_equal(gaps_count(g), 2);		/* (1, 3) 9..14, (1, 4) */
	assert_int_equal(gaps_take(g, out, 4, &epoch), 2);
	assert_int_equal(out[0].stream, 4);
	assert_int_equal(out[1].first, 9);
	assert_int_equal(out[1].last, 14);
	gaps_destroy(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_budget_evicts_the_fattest),
		cmocka_unit_test(test_heap_cost),
		cmocka_unit_test(test_mq_charges_what_it_holds),
		cmocka_unit_test(test_mq_oom_drops_nothing),
		cmocka_unit_test(test_gaps),
	};

	return cmocka_run_group_tests_name("budget", tests, NULL, NULL);
}
