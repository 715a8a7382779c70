/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_drivers_gpio.c - the gpio driver on a fake GPIO chip
 * (source parsing, request flags, values, errors), and the real uAPI
 * backend on the fixture tree, where /dev/gpiochip0 is a plain file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <linux/gpio.h>

#include "agent/sensor.h"
#include "board/common/gpio.h"

#define ROOT "root=tests/data/sysfs/pi"
#define CHIP 3			/* the fake's handles */
#define LINE 4

struct fake {
	int lines, open, request_rc, get_rc, pending_edges, drains;
	unsigned int offset;
	uint64_t flags;
	int level[64];		/* physical levels */
	char path[256];
};

static struct fake F;

static int f_open_chip(void *ctx, const char *path)
{
	struct fake *f = ctx;

	snprintf(f->path, sizeof(f->path), "%s", path);
	if (!strstr(path, "/dev/gpiochip0"))
		return -ENOENT;
	f->open++;
	return CHIP;
}

static int f_chip_lines(void *ctx, int chip)
{
	assert_int_equal(chip, CHIP);
	return ((struct fake *)ctx)->lines;
}

static int f_request(void *ctx, int chip, unsigned int offset, uint64_t flags)
{
	struct fake *f = ctx;

	assert_int_equal(chip, CHIP);
	f->offset = offset, f->flags = flags;
	if (f->request_rc)
		return f->request_rc;
	f->open++;
	return LINE;
}

/* The kernel applies active-low: the fake does too. */
static int f_get(void *ctx, int line)
{
	struct fake *f = ctx;

	assert_int_equal(line, LINE);
	if (f->get_rc)
		return f->get_rc;
	return f->level[f->offset] ^ !!(f->flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW);
}

static int f_drain(void *ctx, int line)
{
	struct fake *f = ctx;
	int n = f->pending_edges;

	assert_int_equal(line, LINE);
	f->drains++;
	f->pending_edges = 0;
	return n;
}

static void f_close(void *ctx, int handle)
{
	assert_true(handle == CHIP || handle == LINE);
	((struct fake *)ctx)->open--;
}

static const struct gpio_io fake_io = { f_open_chip, f_chip_lines, f_request,
					f_get, f_drain, f_close };

static void reset(void)
{
	memset(&F, 0, sizeof(F));
	F.lines = 54;
}

static int open_g(const char *source, void **st, char *why)
{
	return gpio_open_io(&fake_io, &F, source, st, why, 128);
}

/* edge=: the line's fd is watched; a read drains the events first. */
static void test_edges(void **unused)
{
	const struct sensor_ops *o = board_sensor_driver("gpio");
	char why[128] = "";
	void *st;
	double v = -1;

	(void)unused;
	reset();
	assert_int_equal(open_g("chip=0,line=5,edge=both," ROOT, &st, why), 0);
	assert_true(F.flags == (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING |
				GPIO_V2_LINE_FLAG_EDGE_FALLING));
	assert_int_equal(o->event_fd(st), LINE);
	F.pending_edges = 3;
	F.level[5] = 1;
	assert_int_equal(o->read(st, 0, &v), 0);
	assert_true(v == 1.0);
	assert_int_equal(F.drains, 1);
	assert_int_equal(F.pending_edges, 0);
	o->close(st);
	/* rising only; a polled line has no fd to watch and drains nothing */
	reset();
	assert_int_equal(open_g("chip=0,line=5,edge=rising," ROOT, &st, why), 0);
	assert_true(F.flags == (GPIO_V2_LINE_FLAG_INPUT | GPIO_V2_LINE_FLAG_EDGE_RISING));
	o->close(st);
	reset();
	assert_int_equal(open_g("chip=0,line=5," ROOT, &st, why), 0);
	assert_int_equal(o->event_fd(st), -1);
	assert_int_equal(o->read(st, 0, &v), 0);
	assert_int_equal(F.drains, 0);
	o->close(st);
	reset();
	assert_int_equal(open_g("chip=0,line=5,edge=sideways," ROOT, &st, why), -EINVAL);
	assert_string_equal(why, "edge='sideways': expected both, rising or falling");
}

static void test_values(void **unused)
{
	const struct sensor_ops *o = board_sensor_driver("gpio");
	char why[128] = "";
	void *st;
	double v = -1;

	(void)unused;
	reset();
	assert_int_equal(open_g("chip=gpiochip0,line=17," ROOT, &st, why), 0);
	assert_string_equal(F.path, "tests/data/sysfs/pi/dev/gpiochip0");
	assert_int_equal(F.offset, 17);
	assert_true(F.flags == GPIO_V2_LINE_FLAG_INPUT);
	assert_int_equal(F.open, 1);		/* chip closed, line held */
	assert_int_equal(o->read(st, 0, &v), 0);
	assert_true(v == 0.0);
	F.level[17] = 1;			/* a change is seen at the next read */
	assert_int_equal(o->read(st, 0, &v), 0);
	assert_true(v == 1.0);
	F.get_rc = -EIO;
	assert_int_equal(o->read(st, 0, &v), -EIO);
	F.get_rc = -ENODEV;			/* chip unbound */
	assert_int_equal(o->read(st, 0, &v), -ENOENT);
	o->close(st);
	assert_int_equal(F.open, 0);
}

static void test_flags(void **unused)
{
	static const struct { const char *src; uint64_t flags; } c[] = {
		{ "chip=0,line=4,active_low=1", GPIO_V2_LINE_FLAG_ACTIVE_LOW },
		{ "chip=0,line=4,active_low=0", 0 },
		{ "chip=0,line=4,bias=pull-up", GPIO_V2_LINE_FLAG_BIAS_PULL_UP },
		{ "chip=0,line=4,bias=pull-down", GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN },
		{ "chip=0,line=4,bias=disable", GPIO_V2_LINE_FLAG_BIAS_DISABLED },
		{ "chip=0,line=4,bias=pull-up,active_low=1",
		  GPIO_V2_LINE_FLAG_BIAS_PULL_UP | GPIO_V2_LINE_FLAG_ACTIVE_LOW },
	};
	const struct sensor_ops *o = board_sensor_driver("gpio");

	(void)unused;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char why[128] = "";
		void *st;
		double v;

		reset();
		assert_int_equal(open_g(c[i].src, &st, why), 0);
		assert_true(F.flags == (GPIO_V2_LINE_FLAG_INPUT | c[i].flags));
		assert_int_equal(o->read(st, 0, &v), 0);	/* level 0 */
		assert_true(v == ((c[i].flags & GPIO_V2_LINE_FLAG_ACTIVE_LOW) ? 1.0 : 0.0));
		o->close(st);
		assert_int_equal(F.open, 0);
	}
}

static void check_fail(const char *source, int rc, const char *part, int request_rc)
{
	char why[128] = "";
	void *st = NULL;
	int got;

	reset();
	F.request_rc = request_rc;
	got = open_g(source, &st, why);
	if (got != rc || !strstr(why, part))
		fail_msg("'%s': %d '%s', want %d naming '%s'", source, got, why, rc, part);
	assert_int_equal(F.open, 0);		/* nothing leaks */
}

static void test_open_errors(void **unused)
{
	(void)unused;
	check_fail("chip=gpiochip1,line=1", -ENOENT, "gpiochip1", 0);
	check_fail("chip=gpiochip0,line=54", -EINVAL, "line=54", 0);
	check_fail("chip=gpiochip0,line=17", -EBUSY, "in use", -EBUSY);
	check_fail("chip=gpiochip0,line=17", -EOPNOTSUPP, "uAPI v2", -ENOTTY);
	check_fail("chip=gpiochip0,line=17", -EPERM, "line 17", -EPERM);
}

static void test_bad_source(void **unused)
{
	(void)unused;
	check_fail("chip=foo,line=1", -EINVAL, "chip='foo'", 0);
	check_fail("chip=gpiochip,line=1", -EINVAL, "chip='gpiochip'", 0);
	check_fail("chip=gpiochip-1,line=1", -EINVAL, "chip='gpiochip-1'", 0);
	check_fail("line=1", -EINVAL, "chip=''", 0);
	check_fail("chip=0", -EINVAL, "need line=N", 0);
	check_fail("chip=0,line=abc", -EINVAL, "line='abc'", 0);
	check_fail("chip=0,line=17,active_low=2", -EINVAL, "active_low='2'", 0);
	check_fail("chip=0,line=17,bias=weak", -EINVAL, "bias='weak'", 0);
	check_fail("chip=0,line=17,colour=red", -EINVAL, "unknown key 'colour'", 0);
}

/* The real backend: the fixture's gpiochip0 is a plain file (ENOTTY). */
static void test_uapi_on_fixture(void **unused)
{
	const struct sensor_ops *o = board_sensor_driver("gpio");
	char why[128] = "";
	void *st = NULL;

	(void)unused;
	assert_int_equal(o->open("chip=gpiochip0,line=17," ROOT, &st, why, sizeof(why)),
			 -ENOENT);
	assert_non_null(strstr(why, "not a GPIO chip"));
	assert_int_equal(o->open("chip=gpiochip5,line=17," ROOT, &st, why, sizeof(why)),
			 -ENOENT);
	assert_non_null(strstr(why, "gpiochip5"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_bad_source),
		cmocka_unit_test(test_uapi_on_fixture),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
