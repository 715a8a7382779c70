/* SPDX-License-Identifier: MIT */
/*
 * The sampler alone, with test drivers (this file provides
 * board_sensor_driver): schedules without drift, a failing sensor backs off
 * without touching the others, a change on a driver's event fd is read at
 * once, a driver that cannot open leaves its sensor DOWN and is retried
 * with backoff while the others run, blocking reads go to one worker per
 * driver, a read stuck in the kernel does not hold up the stop; a reshape
 * (a reload) keeps running sensors untouched, stops removed ones (after a
 * read in flight on the worker returns) and opens new ones.
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
	int closed;
};
static struct tdrv drv[4];
static unsigned int n_open, open_calls;
static int fd_for_next = -1;	/* event fd the first opened sensor gets */
static int absent_opens;	/* opens of source "absent" that still fail */

static int t_open(const char *source, void **state, char *why, unsigned int n)
{
	open_calls++;
	if (!strcmp(source, "absent") && absent_opens) {
		absent_opens--;
		snprintf(why, n, "device 28-1 not found");
		return -ENOENT;
	}
	if (!strcmp(source, "esc")) {	/* a reason with a device's raw bytes */
		snprintf(why, n, "chip \x1b[2Jgone\nat 0x76 \xc3");
		return -ENODEV;
	}
	if (!strcmp(source, "quiet") && absent_opens) {
		absent_opens--;
		return -EIO;	/* no reason given: errno's text is used */
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

static void t_close(void *state) { ((struct tdrv *)state)->closed++; }
static int t_event_fd(void *state) { return ((struct tdrv *)state)->fd; }

/* "i2c" instances of driver "bus" sit on a slow bus: reads on the worker */
static const char *t_slow_bus(void *state)
{
	return state == &drv[0] ? "i2c" : NULL;
}

static const struct sensor_ops t_ops = {
	.name = "t", .open = t_open, .read = t_read, .close = t_close,
	.event_fd = t_event_fd,
};
static const struct sensor_ops t_slow = {	/* like ds18b20 */
	.name = "slow", .open = t_open, .read = t_read, .close = t_close,
	.blocking = true,
};
static const struct sensor_ops t_slow2 = {	/* like bme280 */
	.name = "slow2", .open = t_open, .read = t_read, .close = t_close,
	.blocking = true,
};
static const struct sensor_ops t_bus = {	/* like hwmon */
	.name = "bus", .open = t_open, .read = t_read, .close = t_close,
	.slow_bus = t_slow_bus,
};

const struct sensor_ops *board_sensor_driver(const char *name)
{
	static const struct sensor_ops *const all[] = { &t_ops, &t_slow, &t_slow2, &t_bus };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(name, all[i]->name))
			return all[i];
	return NULL;
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
	fake_log_clear();
	fake_worker_reset();
	memset(drv, 0, sizeof(drv));
	memset(got, 0, sizeof(got));
	for (int i = 0; i < 4; i++)
		drv[i].fd = -1;
	drv[0].fd = fd_for_next;
	n_open = open_calls = 0;
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(sampler_create(l, c, n, on_reading, NULL, &sp, why, sizeof(why)), 0);
}

static void stop(void)
{
	assert_int_equal(sampler_destroy(sp), 0);
	loop_destroy(l);
	fake_worker_reset();
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
	struct sampler_status ss;

	(void)state;
	start(c, 2);
	drv[0].fail = 3;
	fake_loop_advance(l, 800);			/* fails: retry in 101 ms */
	sampler_get_stats(sp, 0, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.state, SAMPLER_FAILING);
	assert_int_equal(ss.error, -EIO);
	assert_int_equal(ss.retry_ms, 101);
	fake_loop_advance(l, 101);			/* fails: retry in 202 */
	fake_loop_advance(l, 202);			/* fails: retry in 404 */
	sampler_get_stats(sp, 0, &st);
	assert_int_equal(st.errors, 3);
	assert_int_equal(st.retries, 3);
	assert_int_equal(got[0], 0);
	fake_loop_advance(l, 404);			/* recovers */
	assert_int_equal(got[0], 1);
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.state, SAMPLER_OK);
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
	assert_int_equal(sampler_destroy(sp), 0);	/* unwatches its fd */
	assert_int_equal(fake_loop_watched(l, fd), -ENOENT);
	loop_destroy(l);
	fd_for_next = -1;
}

/* A driver that cannot open does not stop the start: its sensor is DOWN,
 * says why, is opened again after 1, 2, 4 s, and then reads on its own
 * schedule; the other sensor reads all along. */
static void test_open_failure_retried_others_run(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "w1", "t", "absent", 500 },
						{ "cpu", "t", "", 100 } };
	struct sampler_status ss;
	struct sampler_stats st;

	(void)state;
	absent_opens = 3;
	start(c, 2);
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.state, SAMPLER_DOWN);
	assert_int_equal(ss.error, -ENOENT);
	assert_string_equal(ss.why, "device 28-1 not found");
	assert_int_equal(ss.retry_ms, SAMPLER_OPEN_RETRY_MIN_MS);
	assert_int_equal(sampler_read_now(sp, 0), -ENODEV);
	assert_true(fake_log_contains("sensor=w1 driver=t cannot open (1 x): device 28-1 "
				      "not found; the other sensors run, retry in 1000 ms"));
	fake_loop_advance(l, 999);
	assert_int_equal(open_calls, 2);		/* cpu + the first w1 try */
	fake_loop_advance(l, 1);			/* 2nd try: retry in 2 s */
	fake_loop_advance(l, 2000);			/* 3rd try: retry in 4 s */
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.retry_ms, 4000);
	assert_int_equal(got[0], 0);
	fake_loop_advance(l, 4000);			/* 4th try opens */
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.state, SAMPLER_OK);
	assert_string_equal(ss.why, "");
	assert_true(fake_log_contains("sensor=w1 driver=t open after 3 failures"));
	fake_loop_advance(l, 499);
	assert_int_equal(got[0], 0);			/* one interval after the open */
	fake_loop_advance(l, 1);
	assert_int_equal(got[0], 1);
	sampler_get_stats(sp, 0, &st);
	assert_int_equal(st.open_failures, 3);
	assert_int_equal(got[1], (7000 + 500) / 100);	/* never waited */
	stop();
}

/* The backoff stops at SAMPLER_OPEN_RETRY_MAX_MS; a driver without a
 * reason gets errno's text. */
static void test_open_backoff_capped(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "q", "t", "quiet", 1000 } };
	struct sampler_status ss;

	(void)state;
	absent_opens = 100;
	start(c, 1);
	for (int i = 0; i < 12; i++)
		fake_loop_advance_to_next(l);
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.retry_ms, SAMPLER_OPEN_RETRY_MAX_MS);
	assert_string_equal(ss.why, "Input/output error");
	absent_opens = 0;
	stop();
}

/* A blocking driver's open retried while the agent runs goes to its
 * worker, never on the loop. */
static void test_open_retry_of_blocking_driver_on_worker(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "w1", "slow", "absent", 500 } };
	struct sampler_status ss;

	(void)state;
	absent_opens = 2;
	start(c, 1);					/* the start opens inline */
	assert_int_equal(open_calls, 1);
	fake_loop_advance(l, 1000);
	assert_int_equal(open_calls, 1);		/* handed to the worker */
	assert_int_equal(fake_worker_pending(), 1);
	assert_int_equal(fake_worker_run(), 1);		/* fails again: 2 s */
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.state, SAMPLER_DOWN);
	assert_int_equal(ss.retry_ms, 2000);
	fake_loop_advance(l, 2000);
	assert_int_equal(fake_worker_run(), 1);		/* opens */
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.state, SAMPLER_OK);
	assert_true(ss.on_worker);
	fake_loop_advance(l, 500);
	assert_int_equal(fake_worker_pending(), 1);	/* the read, on the worker */
	assert_int_equal(fake_worker_run(), 1);
	assert_int_equal(got[0], 1);
	stop();
}

/* The driver says per instance whether its reads sleep on a slow bus. */
static void test_slow_bus_instance_on_worker(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "bmp", "bus", "", 100 },
						{ "soc", "bus", "", 100 } };
	struct sampler_status ss;

	(void)state;
	start(c, 2);
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_true(ss.on_worker);
	assert_string_equal(ss.bus, "i2c");
	assert_int_equal(sampler_status(sp, 1, &ss), 0);
	assert_false(ss.on_worker);
	assert_null(ss.bus);
	assert_true(fake_log_contains("sensor=bmp driver=bus: device on i2c, reads on the worker"));
	fake_loop_advance(l, 100);
	assert_int_equal(got[1], 1);			/* inline */
	assert_int_equal(got[0], 0);
	assert_int_equal(fake_worker_pending(), 1);
	assert_int_equal(fake_worker_run(), 1);
	assert_int_equal(got[0], 1);
	stop();
}

/* One worker per driver: a 1-Wire read stuck in the kernel holds up
 * neither the loop nor the I2C driver's sensors; its own sensor's
 * readings are skipped and counted, the status says how long it runs. */
static void test_stuck_driver_does_not_stall_others(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "w1", "slow", "", 100 },
						{ "i2c", "slow2", "", 100 } };
	struct sampler_stats st;
	struct sampler_status ss;

	(void)state;
	start(c, 2);
	fake_loop_advance(l, 100);
	assert_int_equal(fake_worker_count(), 2);
	assert_true(fake_worker_hang());		/* w1's read never returns */
	for (int i = 0; i < 5; i++) {
		assert_int_equal(fake_worker_run(), 1);	/* i2c's read */
		fake_loop_advance(l, 100);
	}
	assert_int_equal(got[1], 5);
	assert_int_equal(got[0], 0);
	sampler_get_stats(sp, 0, &st);
	assert_int_equal(st.skipped, 5);
	assert_int_equal(sampler_status(sp, 0, &ss), 0);
	assert_int_equal(ss.busy_ms, 500);
	fake_log_clear();
	sampler_log_status(sp);
	assert_true(fake_log_contains("sensor=w1 driver=slow state=ok, reads on the "
				      "worker: reads 0, errors 0, skipped 5, events 0, open "
				      "failures 0; a read has run for 500 ms"));
	assert_true(fake_log_contains("sensor=i2c driver=slow2 state=ok, reads on the "
				      "worker: reads 5"));
	/* the stop gives up on the stuck read: its instance stays open (the
	 * thread still uses it), the other one is closed */
	assert_int_equal(sampler_destroy(sp), 1);
	assert_int_equal(fake_worker_gave_up(), 1);
	assert_true(fake_log_contains("sensor=w1 driver=slow: its read has run for 500 ms "
				      "and is stuck in the kernel (hung bus?); stopping without it"));
	assert_int_equal(drv[0].closed, 0);
	assert_int_equal(drv[1].closed, 1);
	loop_destroy(l);
	fake_worker_reset();
}

static void test_status_lines(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "w1", "t", "absent", 500 },
						{ "cpu", "t", "", 100 } };

	(void)state;
	absent_opens = 1;
	start(c, 2);
	fake_loop_advance(l, 300);
	fake_log_clear();
	sampler_log_status(sp);
	assert_int_equal(fake_log_count(), 2);
	assert_string_equal(fake_log_line(0), "sampler: sensor=w1 driver=t state=down "
			    "(device 28-1 not found; next open in 1000 ms), reads on the "
			    "loop: reads 0, errors 0, skipped 0, events 0, open failures 1");
	assert_string_equal(fake_log_line(1), "sampler: sensor=cpu driver=t state=ok, "
			    "reads on the loop: reads 3, errors 0, skipped 0, events 0, "
			    "open failures 0");
	assert_int_equal(sampler_status(sp, 2, &(struct sampler_status){ 0 }), -EINVAL);
	stop();
}

/* Control bytes never reach the log as is: a newline is a blank, the
 * rest \xHH (agent/log.c). */
static void test_log_line_escaped(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "x", "t", "esc", 500 } };

	(void)state;
	start(c, 1);
	assert_true(fake_log_contains("sensor=x driver=t cannot open (1 x): chip \\x1b[2Jgone "
				      "at 0x76 \\xc3; the other sensors run"));
	stop();
}

static void test_unknown_driver_fails_start(void **state)
{
	const struct sampler_sensor_cfg u[] = { { "y", "nope", "", 1000 } };
	char why[128] = "";

	(void)state;
	fake_clock_reset();
	assert_int_equal(loop_create(&l), 0);
	n_open = 0;
	assert_int_equal(sampler_create(l, u, 1, on_reading, NULL, &sp, why, sizeof(why)), -ENOENT);
	assert_string_equal(why, "sensor y: unknown driver 'nope'");
	loop_destroy(l);
}

/* --- reshape (a reload) ---------------------------------------------------- */

static unsigned int total_got(void)
{
	return got[0] + got[1] + got[2] + got[3];
}

/* A sensor inserted before the others: they keep their instance,
 * schedule and counters and report under their new index; the new one
 * opens and reads one interval after. */
static void test_reshape_keeps_running(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "a", "t", "", 100 },
						{ "b", "t", "", 300 } };
	const struct sampler_sensor_cfg c2[] = { { "n", "t", "", 100 },
						 { "b", "t", "", 300 },
						 { "a", "t", "", 100 } };
	const int map[] = { -1, 1, 0 };
	struct sampler_stats st;
	uint64_t t0;

	(void)state;
	start(c, 2);
	t0 = clock_mono_ms();
	fake_loop_advance(l, 250);
	assert_int_equal(got[0], 2);
	assert_int_equal(got[1], 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(sampler_reshape(sp, c2, map, 3, NULL, 0), 0);
	assert_int_equal(open_calls, 3);		/* n only */
	assert_int_equal(drv[0].closed + drv[1].closed, 0);
	fake_loop_advance(l, 50);			/* t = 300: a and b due */
	assert_int_equal(got[2], 1);			/* a, as before */
	assert_int_equal(last_at[2], t0 + 300);
	assert_int_equal(got[1], 1);			/* b */
	assert_int_equal(got[0], 0);			/* n: at 350 */
	fake_loop_advance(l, 50);
	assert_int_equal(got[0], 1);
	assert_int_equal(last_at[0], t0 + 350);
	sampler_get_stats(sp, 2, &st);
	assert_int_equal(st.reads, 3);			/* a's counters kept */
	assert_int_equal(sampler_interval(sp, 1), 300);
	fake_log_clear();
	sampler_log_status(sp);
	assert_true(strstr(fake_log_line(0), "sensor=n "));
	assert_true(strstr(fake_log_line(2), "sensor=a "));
	stop();
}

/* A removed sensor: closed at once, read no more; the others go on. */
static void test_reshape_removed(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "a", "t", "", 100 },
						{ "b", "t", "", 100 } };
	const int map[] = { 1 };

	(void)state;
	start(c, 2);
	fake_loop_advance(l, 100);
	assert_int_equal(sampler_reshape(sp, &c[1], map, 1, NULL, 0), 0);
	assert_int_equal(drv[0].closed, 1);
	assert_int_equal(drv[1].closed, 0);
	assert_int_equal(fake_loop_armed_timers(l), 1);
	memset(got, 0, sizeof(got));
	fake_loop_advance(l, 1000);
	assert_int_equal(got[0], 10);			/* b, now index 0 */
	assert_int_equal(total_got(), 10);
	assert_int_equal(sampler_status(sp, 1, &(struct sampler_status){ 0 }), -EINVAL);
	stop();
	assert_int_equal(drv[0].closed, 1);		/* not twice */
}

/* Removed while its read runs on the worker: the loop does not wait, the
 * instance is closed (and freed) only when the read returns, and that
 * reading goes nowhere. */
static void test_reshape_removed_during_worker_read(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "w1", "slow", "", 100 },
						{ "w2", "slow", "", 100 } };
	const int map[] = { 1 };

	(void)state;
	start(c, 2);
	fake_loop_advance(l, 100);
	assert_int_equal(fake_worker_pending(), 2);
	assert_int_equal(sampler_reshape(sp, &c[1], map, 1, NULL, 0), 0);
	assert_int_equal(drv[0].closed, 0);		/* the worker still has it */
	assert_true(fake_log_contains("sensor=w1 driver=slow: removed while its read "
				      "runs on the worker; closed when it returns"));
	assert_int_equal(fake_worker_run(), 2);
	assert_int_equal(drv[0].closed, 1);
	assert_int_equal(got[0], 1);			/* w2's reading only */
	assert_int_equal(total_got(), 1);
	stop();
}

/* Removed while its read is stuck in the kernel: the stop gives up on it
 * and leaves it open, as for a running sensor. */
static void test_reshape_removed_stuck_at_stop(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "w1", "slow", "", 100 },
						{ "i2c", "slow2", "", 100 } };
	const int map[] = { 1 };

	(void)state;
	start(c, 2);
	fake_loop_advance(l, 100);
	assert_true(fake_worker_hang());		/* w1's read */
	assert_int_equal(sampler_reshape(sp, &c[1], map, 1, NULL, 0), 0);
	assert_int_equal(fake_worker_run(), 1);		/* i2c */
	assert_int_equal(got[0], 1);
	assert_int_equal(sampler_destroy(sp), 1);
	assert_int_equal(drv[0].closed, 0);
	assert_int_equal(drv[1].closed, 1);
	loop_destroy(l);
	fake_worker_reset();
}

/* A new sensor of a blocking driver opens on its worker (the loop runs). */
static void test_reshape_new_blocking_opens_on_worker(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "a", "t", "", 100 } };
	const struct sampler_sensor_cfg c2[] = { { "a", "t", "", 100 },
						 { "w1", "slow", "", 100 } };
	const int map[] = { 0, -1 };
	struct sampler_status ss;

	(void)state;
	start(c, 1);
	assert_int_equal(sampler_reshape(sp, c2, map, 2, NULL, 0), 0);
	assert_int_equal(open_calls, 1);
	assert_int_equal(fake_worker_pending(), 1);
	assert_int_equal(fake_worker_run(), 1);
	assert_int_equal(open_calls, 2);
	assert_int_equal(sampler_status(sp, 1, &ss), 0);
	assert_int_equal(ss.state, SAMPLER_OK);
	fake_loop_advance(l, 100);
	assert_int_equal(fake_worker_run(), 1);
	assert_int_equal(got[1], 1);
	stop();
}

/* A bad map or an unknown driver changes nothing. */
static void test_reshape_refused(void **state)
{
	const struct sampler_sensor_cfg c[] = { { "a", "t", "", 100 },
						{ "b", "t", "", 100 } };
	const struct sampler_sensor_cfg bad[] = { { "a", "t", "", 100 },
						  { "z", "nope", "", 100 } };
	char why[128] = "";

	(void)state;
	start(c, 2);
	assert_int_equal(sampler_reshape(sp, c, (const int[]){ 0, 0 }, 2, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(sampler_reshape(sp, c, (const int[]){ 0, 2 }, 2, why, sizeof(why)),
			 -EINVAL);
	assert_int_equal(sampler_reshape(sp, bad, (const int[]){ 0, -1 }, 2, why, sizeof(why)),
			 -ENOENT);
	assert_string_equal(why, "sensor z: unknown driver 'nope'");
	fake_loop_advance(l, 100);
	assert_int_equal(got[0], 1);
	assert_int_equal(got[1], 1);
	assert_int_equal(drv[0].closed + drv[1].closed, 0);
	stop();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_drift_over_hours),
		cmocka_unit_test(test_failing_sensor_backs_off_alone),
		cmocka_unit_test(test_event_fd_reads_at_once),
		cmocka_unit_test(test_open_failure_retried_others_run),
		cmocka_unit_test(test_open_backoff_capped),
		cmocka_unit_test(test_open_retry_of_blocking_driver_on_worker),
		cmocka_unit_test(test_slow_bus_instance_on_worker),
		cmocka_unit_test(test_stuck_driver_does_not_stall_others),
		cmocka_unit_test(test_status_lines),
		cmocka_unit_test(test_log_line_escaped),
		cmocka_unit_test(test_unknown_driver_fails_start),
		cmocka_unit_test(test_reshape_keeps_running),
		cmocka_unit_test(test_reshape_removed),
		cmocka_unit_test(test_reshape_removed_during_worker_read),
		cmocka_unit_test(test_reshape_removed_stuck_at_stop),
		cmocka_unit_test(test_reshape_new_blocking_opens_on_worker),
		cmocka_unit_test(test_reshape_refused),
	};

	return cmocka_run_group_tests_name("sampler", tests, NULL, NULL);
}
