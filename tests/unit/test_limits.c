/* SPDX-License-Identifier: MIT */
/*
 * Limits that only show at their edges: a bundle too large for one message
 * is refused by the loader with the reason (instead of failing to encode
 * every time), and --duration beyond 2^32 ms (49.7 days) stops on time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/agent.h"
#include "agent/config.h"
#include "tests/fake/fake.h"

static int load(const char *ini, struct config **c, struct cfg_diag *d)
{
	fake_reset_all();
	memset(d, 0, sizeof(*d));
	return config_load_text("t.ini", ini, c, d);
}

static void test_bundle_must_fit_a_message(void **state)
{
	static const char too_big[] =
		"[agent]\nname = abcdefghijklmnopqrstuvwxyz01234\n"
		"[controller.c]\naddress = 10.0.0.1\n"
		"[sensor.temperature_of_the_boiler_r]\ndriver = simulated\n"
		"unit = abcdefghijklmno\nbundle_count = 64\n";
	static const char fits[] =
		"[agent]\nname = p1\n[controller.c]\naddress = 10.0.0.1\n"
		"[sensor.t]\ndriver = simulated\nunit = Cel\nbundle_count = 64\n";
	struct config *c = NULL;
	struct cfg_diag d;

	(void)state;
	assert_int_equal(load(too_big, &c, &d), -EINVAL);
	assert_int_equal(d.n, 1);
	assert_non_null(strstr(d.msg[0], "t.ini:8: [sensor.temperature_of_the_boiler_r] "
			       "bundle_count: 64 readings of this sensor"));
	assert_non_null(strstr(d.msg[0], "more than one message holds (4096); expected "
			       "at most 59"));
	assert_int_equal(load(fits, &c, &d), 0);
	config_free(c);
}

/* --duration 5000000 s (57.9 days): not stopped at 5e9 mod 2^32 ms
 * (8.2 days, what a 32-bit product gives), stopped at 5e9 ms. */
static void test_duration_beyond_49_days(void **state)
{
	static const char ini[] =
		"[agent]\nname = long\n[controller.c]\naddress = 10.0.0.1\n"
		"[sensor.t]\ndriver = simulated\ninterval_ms = 86400000\n";
	struct cli_opts o = { .duration_s = 5000000 };
	struct config *c = NULL;
	struct cfg_diag d;
	struct agent *ag;
	struct loop *l;

	(void)state;
	assert_int_equal(load(ini, &c, &d), 0);
	assert_int_equal(agent_create(c, &o, &ag), 0);
	l = agent_loop(ag);
	fake_sctp_comm_up(fake_sctp_last_ep(), 1);
	fake_loop_advance(l, 5000000000ull % 4294967296ull + 60000);
	assert_false(fake_log_contains("duration reached"));
	fake_loop_advance(l, 5000000000ull - 5000000000ull % 4294967296ull - 61000);
	assert_false(fake_log_contains("duration reached"));
	fake_loop_advance(l, 2000);
	assert_true(fake_log_contains("duration reached"));
	agent_destroy(ag);
	config_free(c);
	fake_reset_all();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bundle_must_fit_a_message),
		cmocka_unit_test(test_duration_beyond_49_days),
	};

	return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
