/* SPDX-License-Identifier: MIT */
/*
 * agent/clockwatch.c on the fake clock, whose wall time, monotonic time
 * and sync state a test sets apart: a step of the wall clock between two
 * ticks is logged with its direction and size (not the slow slew of NTP,
 * not a late tick), and readings are flagged while the clock is not
 * synchronized, with the changes of that state logged.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "agent/clockwatch.h"
#include "agent/log.h"
#include "tests/fake/fake.h"

static int setup(void **state)
{
	(void)state;
	fake_clock_reset();
	fake_log_clear();
	log_set_level(LOG_INFO);
	log_set_ratelimit(0, 1000);
	return 0;
}

static void test_steps_both_ways(void **state)
{
	struct clockwatch *cw;
	struct clockwatch_stats st;

	(void)state;
	assert_int_equal(clockwatch_create(500, &cw), 0);
	assert_int_equal(fake_log_count(), 0);		/* synchronized: quiet */
	/* a tick 40 s late (a busy loop) with both clocks moving: no jump */
	fake_clock_advance(40000);
	clockwatch_tick(cw);
	/* NTP slewing 0.5 ms/s, a 400 ms step (below the threshold) */
	for (int i = 0; i < 10; i++) {
		fake_clock_advance(1000);
		fake_clock_set_wall(clock_wall_ms() + 1);
		clockwatch_tick(cw);
	}
	fake_clock_set_wall(clock_wall_ms() + 400);
	clockwatch_tick(cw);
	assert_int_equal(fake_log_count(), 0);
	/* a step forward by an hour, then back by 2.5 s */
	fake_clock_advance(1000);
	fake_clock_set_wall(clock_wall_ms() + 3600000);
	clockwatch_tick(cw);
	clockwatch_get_stats(cw, &st);
	assert_int_equal(st.jumps, 1);
	assert_int_equal(fake_log_count(), 1);
	assert_int_equal(fake_log_level(0), LOG_WARN);
	assert_non_null(strstr(fake_log_line(0), "main: clock: the wall clock jumped forward by "
			       "3600.000 s (now 1700003651410 ms since 1970)"));
	assert_int_equal(st.last_jump_ms, 3600000);
	fake_clock_advance(1000);
	fake_clock_set_wall(clock_wall_ms() - 2500);
	clockwatch_tick(cw);
	clockwatch_get_stats(cw, &st);
	assert_int_equal(st.jumps, 2);
	assert_int_equal(st.last_jump_ms, -2500);
	assert_non_null(strstr(fake_log_line(1), "jumped back by 2.500 s"));
	clockwatch_tick(cw);				/* once per step */
	assert_int_equal(fake_log_count(), 2);
	clockwatch_destroy(cw);
}

static void test_unsynced_readings(void **state)
{
	struct clockwatch *cw;
	struct clockwatch_stats st;

	(void)state;
	fake_clock_set_synced(false);
	fake_clock_set_wall(0);				/* no RTC: 1970 */
	assert_int_equal(clockwatch_create(500, &cw), 0);
	assert_int_equal(fake_log_count(), 1);
	assert_non_null(strstr(fake_log_line(0), "not synchronized"));
	assert_int_equal(fake_log_level(0), LOG_WARN);
	assert_true(clockwatch_reading(cw));
	assert_true(clockwatch_reading(cw));
	/* NTP answers: a step and the state at once; between two ticks a
	 * reading already sees the new state */
	fake_clock_advance(300);
	fake_clock_set_wall(1796130123045LL);
	fake_clock_set_synced(true);
	assert_false(clockwatch_reading(cw));
	assert_int_equal(fake_log_count(), 2);
	assert_non_null(strstr(fake_log_line(1), "is synchronized"));
	assert_int_equal(fake_log_level(1), LOG_INFO);
	fake_clock_advance(700);
	clockwatch_tick(cw);
	assert_non_null(strstr(fake_log_line(2), "jumped forward by 1796130122.745 s"));
	clockwatch_get_stats(cw, &st);
	assert_true(st.synced);
	assert_int_equal(st.unsynced, 2);
	/* set by hand (date -s): the kernel says unsynchronized again */
	fake_clock_set_synced(false);
	clockwatch_tick(cw);
	assert_non_null(strstr(fake_log_line(3), "not synchronized"));
	assert_true(clockwatch_reading(cw));
	assert_int_equal(fake_log_count(), 4);		/* a change, said once */
	clockwatch_log_status(cw);
	assert_non_null(strstr(fake_log_line(4), "clock: NOT synchronized, 1 jumps "
			       "(last 1796130122745 ms), 3 readings flagged unsync"));
	clockwatch_destroy(cw);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_steps_both_ways, setup),
		cmocka_unit_test_setup(test_unsynced_readings, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
