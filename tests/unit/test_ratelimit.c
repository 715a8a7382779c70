/* SPDX-License-Identifier: MIT */
/*
 * agent/log.c's rate limit on the fake clock: a burst per key and window,
 * then counted; one "suppressed N" line when the window ends (log_tick)
 * or before the next line of that key; keys are call site + text without
 * its numbers; an evicted key says what it suppressed; status dumps pass.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/kconfig.h"
#include "agent/log.h"
#include "tests/fake/fake.h"

static int setup(void **state)
{
	(void)state;
	fake_clock_reset();
	fake_log_clear();
	log_set_level(LOG_DEBUG);
	log_set_ratelimit(3, 10000);
	return 0;
}

/* The flapping link: the same site, numbers differing every time. */
static void flap(unsigned int assoc)
{
	LOG(LOGM_ASSOC, LOG_WARN, "ctrl=site1 assoc=%u state=down: reconnect in %u ms",
	    assoc, 1000 + assoc);
}

static void test_burst_then_window_end(void **state)
{
	struct log_rl_stats st0, st;

	(void)state;
	log_get_rl_stats(&st0);
	for (unsigned int i = 0; i < 10; i++) {
		flap(i);
		fake_clock_advance(100);
	}
	assert_int_equal(fake_log_count(), 3);		/* the burst */
	assert_string_equal(fake_log_line(0), "assoc: ctrl=site1 assoc=0 state=down: "
			    "reconnect in 1000 ms");
	log_get_rl_stats(&st);
	assert_int_equal(st.suppressed - st0.suppressed, 7);
	log_tick(clock_mono_ms());			/* 1 s in: window runs on */
	assert_int_equal(fake_log_count(), 3);
	fake_clock_advance(9000);			/* 10 s after the first */
	log_tick(clock_mono_ms());
	assert_int_equal(fake_log_count(), 4);
	assert_string_equal(fake_log_line(3), "assoc: suppressed 7 similar lines in 10 s, "
			    "the last: ctrl=site1 assoc=9 state=down: reconnect in 1009 ms");
	assert_int_equal(fake_log_level(3), LOG_WARN);
	log_tick(clock_mono_ms());			/* said once */
	assert_int_equal(fake_log_count(), 4);
	/* a new window: a new burst */
	flap(10);
	assert_int_equal(fake_log_count(), 5);
	log_get_rl_stats(&st);
	assert_int_equal(st.summaries - st0.summaries, 1);
}

/* No tick (a loop that was busy): the count comes before the next line. */
static void test_count_before_next_line(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < 5; i++)
		flap(i);
	assert_int_equal(fake_log_count(), 3);
	fake_clock_advance(10000);
	flap(5);
	assert_int_equal(fake_log_count(), 5);
	assert_string_equal(fake_log_line(3), "assoc: suppressed 2 similar lines in 10 s, "
			    "the last: ctrl=site1 assoc=4 state=down: reconnect in 1004 ms");
	assert_string_equal(fake_log_line(4), "assoc: ctrl=site1 assoc=5 state=down: "
			    "reconnect in 1005 ms");
}

static void other_ctrl(const char *name)
{
	LOG(LOGM_ASSOC, LOG_WARN, "ctrl=%s assoc=%u state=down", name, 7u);
}

/* Keys: names with digits (ctrl1, ctrl2, eth0) stay apart, a different
 * site with the same text is another key, numbers alone do not count. */
static void test_keys(void **state)
{
	(void)state;
	for (int i = 0; i < 5; i++) {
		other_ctrl("ctrl1");
		other_ctrl("ctrl2");
	}
	assert_int_equal(fake_log_count_matching("ctrl=ctrl1 "), 3);
	assert_int_equal(fake_log_count_matching("ctrl=ctrl2 "), 3);
	for (int i = 0; i < 5; i++)
		LOG(LOGM_PATHS, LOG_INFO, "ctrl=ctrl1 assoc=%u state=down", 7u + (unsigned)i);
	assert_int_equal(fake_log_count_matching("paths: ctrl=ctrl1"), 3);
	for (int i = 0; i < 5; i++)
		LOG(LOGM_PATHS, LOG_INFO, "peer 10.0.0.%d unreachable", i);
	assert_int_equal(fake_log_count_matching("unreachable"), 3);
}

/* Fill every slot with a suppressing key; a new key takes the oldest
 * slot, whose count is written first: no suppressed line goes uncounted. */
static void test_eviction_says_its_count(void **state)
{
	char name[16];

	(void)state;
	for (int k = 0; k < LOG_RL_KEYS; k++) {
		snprintf(name, sizeof(name), "c%d", k);
		for (int i = 0; i < 4; i++)
			other_ctrl(name);
		fake_clock_advance(10);
	}
	assert_int_equal(fake_log_count(), 3 * LOG_RL_KEYS);
	other_ctrl("newcomer");
	assert_int_equal(fake_log_count(), 3 * LOG_RL_KEYS + 2);
	assert_non_null(strstr(fake_log_line(3 * LOG_RL_KEYS),
			       "suppressed 1 similar line in 1 s, the last: ctrl=c0 "));
	assert_non_null(strstr(fake_log_line(3 * LOG_RL_KEYS + 1), "ctrl=newcomer"));
}

/* Status dumps pass whole; burst 0 turns the limit off. */
static void test_unlimited(void **state)
{
	(void)state;
	log_unlimited(true);
	log_unlimited(true);
	for (int i = 0; i < 20; i++)
		flap((unsigned int)i);
	log_unlimited(false);
	for (int i = 0; i < 20; i++)
		flap((unsigned int)i);
	log_unlimited(false);
	assert_int_equal(fake_log_count(), 40);
	log_unlimited(false);		/* unbalanced: stays at 0 */
	for (int i = 0; i < 5; i++)
		flap((unsigned int)i);
	assert_int_equal(fake_log_count(), 43);
	log_set_ratelimit(0, 10000);
	for (int i = 0; i < 20; i++)
		flap((unsigned int)i);
	assert_int_equal(fake_log_count(), 63);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst_then_window_end, setup),
		cmocka_unit_test_setup(test_count_before_next_line, setup),
		cmocka_unit_test_setup(test_keys, setup),
		cmocka_unit_test_setup(test_eviction_says_its_count, setup),
		cmocka_unit_test_setup(test_unlimited, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
