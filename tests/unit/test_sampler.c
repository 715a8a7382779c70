/* SPDX-License-Identifier: MIT */
/*
 * The sampler alone, with test drivers (this file provides
 * board_sensor_driver): schedules without drift, a failing sensor backs off
 * without touching the others, a change on a driver's event fd is read at
 * once, a driver that rejects its source stops the start with its reason.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/sensor.h"
#include "tests/fake/fake.h"

/* --- test drivers ---------------------------------------------------------- */
struct tdrv {
	int fail;		/* reads left that fail with -EIO */
	int fd;			/* event fd, -1 = none */
	double next;
};
static struct tdrv drv[4];
static unsigned int n_open;
static int fd_for_next = -1;	/* event fd the first opened sensor gets */

static int t_open(const char *source, void **state, char *why, unsigned int n)
{
	if (!strcmp(source, "bad")) {
		snprintf(why, n, "source 'bad' is bad");
		return -EINVAL;
	}
	*state = &drv[n_open++];
	return 0;
}

static int t_read(void *state, uint64_t now_ms, double *v)
{
	struct tdrv *d = state;

	(void)now_ms;
	if (d->fail > 0) {
		d->fail--;
		return -EIO;
	}
	*v = d->next++;
	return 0;
}

static void t_close(void *state) { (void)state; }
static int t_event_fd(void *state) { return ((struct tdrv *)state)->fd; }

static const struct sensor_ops t_ops = { "t", t_open, t_read, t_close, t_event_fd, false };

const struct sensor_ops *board_sensor_driver(const char *name)
{
	return !strcmp(name, "t") ? &t_ops : NULL;
}

/* --- readings seen ---------------------------------------------------------- */
static unsigned int got[4];
static uint64_t last_at[4];

static void on_reading(void *arg, unsigned int sensor, double value, int64_t wall)
{
	(void)arg, (void)value, (void)wall;
	got[sensor]++;
	last_at[sensor] = clock_mono_ms();
}

static struct loop *l;
static struct sampler *sp;

static void start(const struct sampler_sensor_cfg *c, unsigned int n)
{
	char why[128] = "";

	fake_clock_reset();
	memset(drv, 0, sizeof(drv));
	memset(got, 0, sizeof(got));
	for (int i = 0; i < 4; i++)
		drv[i].fd = -1;
	drv[0].fd = fd_for_next;
	n_open = 0;
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(sampler_create(l, c, n, on_reading, NULL, &sp, why, sizeof(why)), 0);
}

static void stop(void)
{
	sampler_destroy(sp);
	loop_destroy(l);
}

static void test_no_drift_over_hours(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "a", "t", "", 1000 }, { "b", "t", "", 333 } };

	(void)state;
	start(c, 2);
	fake_loop_advance(l, 10ull * 3600 * 1000);	/* 10 simulated hours */
	assert_int_equal(got[0], 36000);
	assert_int_equal(got[1], 10ull * 3600 * 1000 / 333);
	/* the last reading is exactly on the grid: no accumulated lateness */
	assert_int_equal((last_at[0] - FAKE_CLOCK_START_MS) % 1000, 0);
	stop();
}

static void test_failing_sensor_backs_off_alone(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "bad", "t", "", 800 }, { "ok", "t", "", 100 } };
	struct sampler_stats st;

	(void)state;
	start(c, 2);
	drv[0].fail = 3;
	fake_loop_advance(l, 800);			/* fails: retry in 101 ms */
	sampler_get_stats(sp, 0, &st);
	assert_int_equal(st.errors, 1);
	fake_loop_advance(l, 101);			/* fails: retry in 202 */
	fake_loop_advance(l, 202);			/* fails: retry in 404 */
	sampler_get_stats(sp, 0, &st);
	assert_int_equal(st.errors, 3);
	assert_int_equal(st.retries, 3);
	assert_int_equal(got[0], 0);
	fake_loop_advance(l, 404);			/* recovers */
	assert_int_equal(got[0], 1);
	fake_loop_advance(l, 800);			/* back on its interval */
	assert_int_equal(got[0], 2);
	/* the healthy sensor never missed a beat */
	assert_int_equal(got[1], (800 + 101 + 202 + 404 + 800) / 100);
	assert_true(fake_log_contains("sensor=bad read failed (Input/output error), retry in 101 ms"));
	stop();
}

static void test_event_fd_reads_at_once(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "door", "t", "", 60000 } };
	struct sampler_stats st;
	int fd;

	(void)state;
	start(c, 1);				/* no event fd: polled only */
	assert_int_equal(fake_loop_nwatches(l), 0);
	stop();

	fd_for_next = fake_fd_alloc();
	fd = fd_for_next;
	start(c, 1);
	assert_int_equal(fake_loop_watched(l, fd), LOOP_IN);
	assert_int_equal(fake_loop_fire_fd(l, fd, LOOP_IN), 0);	/* the door opened */
	assert_int_equal(got[0], 1);
	sampler_get_stats(sp, 0, &st);
	assert_int_equal(st.events, 1);
	sampler_destroy(sp);			/* unwatches its fd */
	assert_int_equal(fake_loop_watched(l, fd), -ENOENT);
	loop_destroy(l);
	fd_for_next = -1;
}

static void test_bad_source_names_sensor(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "x", "t", "bad", 1000 } };
	const struct sampler_sensor_cfg u[] = { { "y", "nope", "", 1000 } };
	char why[128] = "";

	(void)state;
	fake_clock_reset();
	assert_int_equal(loop_create(&l), 0);
	n_open = 0;
	assert_int_equal(sampler_create(l, c, 1, on_reading, NULL, &sp, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "sensor x: driver t: source 'bad' is bad");
	assert_int_equal(sampler_create(l, u, 1, on_reading, NULL, &sp, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "sensor y: unknown driver 'nope'");
	loop_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_drift_over_hours),
		cmocka_unit_test(test_failing_sensor_backs_off_alone),
		cmocka_unit_test(test_event_fd_reads_at_once),
		cmocka_unit_test(test_bad_source_names_sensor),
	};

	return cmocka_run_group_tests_name("sampler", tests, NULL, NULL);
}
