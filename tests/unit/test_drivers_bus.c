/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_drivers_bus.c - where a sysfs sensor reads, and what a
 * driver's check() accepts.
 *
 * tests/data/sysfs/topo is a board's sysfs with its real shape: class and
 * bus entries are links into /sys/devices, every device has a "subsystem"
 * link. An iio or hwmon device whose ancestor sits on i2c, spi or w1 reads
 * on the worker (the kernel sleeps for the transfer or the conversion);
 * an on-SoC or virtual one (the CPU's thermal zone, an SoC ADC, the
 * firmware's voltage monitor) on the loop; blocking=yes|no overrides.
 * check() looks at the source's syntax only: no file is opened.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/sensor.h"
#include "board/board.h"

#define TOPO "root=tests/data/sysfs/topo"
#define PI "root=tests/data/sysfs/pi"

/* The slow bus of @source opened with driver @drv ("" = on the loop). */
static const char *bus_of(const char *drv, const char *source)
{
	static char out[32];
	const struct sensor_ops *o = board_sensor_driver(drv);
	const char *bus;
	char why[160] = "";
	void *st = NULL;
	double v;
	int rc;

	assert_non_null(o);
	assert_non_null(o->slow_bus);
	rc = o->open(source, &st, why, sizeof(why));
	if (rc)
		fail_msg("%s open '%s': %d %s", drv, source, rc, why);
	assert_int_equal(o->read(st, 0, &v), 0);	/* the fixture reads */
	bus = o->slow_bus(st);
	snprintf(out, sizeof(out), "%s", bus ? bus : "");
	o->close(st);
	return out;
}

static void test_iio_bus(void **unused)
{
	(void)unused;
	assert_string_equal(bus_of("iio", "device=bmp280,channel=in_temp," TOPO), "i2c");
	assert_string_equal(bus_of("iio", "device=bmp280,channel=in_pressure," TOPO), "i2c");
	assert_string_equal(bus_of("iio", "device=mcp3208,channel=in_voltage0," TOPO), "spi");
	assert_string_equal(bus_of("iio", "device=soc_adc,channel=in_voltage0," TOPO), "");
	/* the plain fixture has no subsystem links: nothing says "slow" */
	assert_string_equal(bus_of("iio", "device=bme280,channel=in_temp," PI), "");
}

static void test_hwmon_bus(void **unused)
{
	(void)unused;
	assert_string_equal(bus_of("hwmon", "chip=sht3x,input=temp1," TOPO), "i2c");
	assert_string_equal(bus_of("hwmon", "path=/sys/class/hwmon/hwmon2/temp1_input," TOPO),
			    "i2c");
	assert_string_equal(bus_of("hwmon", "chip=w1_slave_temp,input=temp1," TOPO), "w1");
	assert_string_equal(bus_of("hwmon", "chip=cpu_thermal,input=temp1," TOPO), "");
	assert_string_equal(bus_of("hwmon", "chip=rpi_volt,input=in0_lcrit_alarm," TOPO), "");
	assert_string_equal(bus_of("hwmon", "chip=sht3x,input=temp1," PI), "");
}

static void test_thermal_bus(void **unused)
{
	(void)unused;
	assert_string_equal(bus_of("thermal", "zone=0," TOPO), "");
	assert_string_equal(bus_of("thermal", "zone=0," PI), "");
}

static void test_blocking_override(void **unused)
{
	const struct sensor_ops *o = board_sensor_driver("iio");
	char why[160] = "";
	void *st = NULL;

	(void)unused;
	assert_string_equal(bus_of("iio", "device=soc_adc,channel=in_voltage0,blocking=yes,"
				   TOPO), "blocking=yes");
	assert_string_equal(bus_of("iio", "device=bmp280,channel=in_temp,blocking=no," TOPO), "");
	assert_string_equal(bus_of("iio", "device=bmp280,channel=in_temp,blocking=auto," TOPO),
			    "i2c");
	assert_string_equal(bus_of("thermal", "zone=0,blocking=yes," TOPO), "blocking=yes");
	assert_string_equal(bus_of("hwmon", "chip=sht3x,input=temp1,blocking=no," TOPO), "");
	assert_int_equal(o->open("device=bmp280,channel=in_temp,blocking=maybe," TOPO, &st,
				 why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "blocking='maybe': expected auto, yes or no");
}

/* Statically blocking drivers need no per-instance answer. */
static void test_static_blocking(void **unused)
{
	(void)unused;
	assert_true(board_sensor_driver("ds18b20")->blocking);
	assert_true(board_sensor_driver("bme280")->blocking);
	assert_true(board_sensor_driver("simulated_slow")->blocking);
	assert_false(board_sensor_driver("gpio")->blocking);
	assert_null(board_sensor_driver("gpio")->slow_bus);
}

/* --- check(): the syntax, no device -------------------------------------- */

struct chk {
	const char *drv, *source;
	const char *why;	/* NULL = accepted */
};

static void test_check_syntax_only(void **unused)
{
	static const struct chk c[] = {
		/* devices that are not there pass the syntax check */
		{ "ds18b20", "id=28-00000abcde99", NULL },
		{ "ds18b20", "id=28-00000abcdef0,root=/no/such/dir", NULL },
		{ "thermal", "zone=7", NULL },
		{ "hwmon", "chip=nosuch,input=temp1", NULL },
		{ "iio", "device=nosuch,channel=in_temp,blocking=yes", NULL },
		{ "bme280", "bus=9,addr=0x77,quantity=humidity", NULL },
		{ "gpio", "chip=gpiochip7,line=3,edge=both,bias=pull-up", NULL },
		{ "simulated", "counter:start=5", NULL },
		{ "simulated_slow", "sine:period_s=10", NULL },
		/* bad syntax names the part */
		{ "ds18b20", "id=28-0000", "id='28-0000'" },
		{ "ds18b20", "id=28-00000abcdef0,crc=1", "unknown key 'crc'" },
		{ "thermal", "zone=0,path=/x", "exactly one of zone=N or path=FILE" },
		{ "thermal", "zone=x", "zone='x'" },
		{ "thermal", "", "empty source" },
		{ "hwmon", "chip=sht3x", "give chip=NAME,input=temp1 or path=FILE" },
		{ "hwmon", "chip=sht3x,input=volts", "'volts': expected an input" },
		{ "hwmon", "path=relative/temp1_input", "expected an absolute path" },
		{ "iio", "device=bmp280,channel=temp", "channel='temp'" },
		{ "iio", "device=../x,channel=in_temp", "device='../x'" },
		{ "iio", "device=bmp280,channel=in_temp,blocking=1", "blocking='1'" },
		{ "bme280", "bus=1,addr=0x50,quantity=pressure", "addr=0x50" },
		{ "bme280", "addr=0x76,quantity=pressure", "need bus=N" },
		{ "bme280", "bus=1,quantity=wind", "quantity='wind'" },
		{ "gpio", "chip=gpiochip0", "need line=N" },
		{ "gpio", "chip=gpiochip0,line=1,edge=up", "edge='up'" },
		{ "gpio", "chip=x,line=1", "chip='x'" },
		{ "simulated", "sawtooth", "unknown waveform 'sawtooth'" },
		{ "simulated", "sine:period_s=0", "period_s > 0" },
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const struct sensor_ops *o = board_sensor_driver(c[i].drv);
		char why[160] = "";
		int rc;

		assert_non_null(o);
		assert_non_null(o->check);
		rc = o->check(c[i].source, why, sizeof(why));
		if (!c[i].why && rc)
			fail_msg("%s '%s': check %d (%s), want 0", c[i].drv, c[i].source, rc, why);
		if (c[i].why && (rc != -EINVAL || !strstr(why, c[i].why)))
			fail_msg("%s '%s': check %d '%s', want -EINVAL '%s'", c[i].drv,
				 c[i].source, rc, why, c[i].why);
	}
}

/* Every driver of the build has a check(): the loader relies on it. */
static void test_every_driver_checks(void **unused)
{
	const char *const *d = board_sensor_drivers();

	(void)unused;
	for (unsigned int i = 0; d[i]; i++)
		if (!board_sensor_driver(d[i])->check)
			fail_msg("driver %s has no check()", d[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iio_bus),
		cmocka_unit_test(test_hwmon_bus),
		cmocka_unit_test(test_thermal_bus),
		cmocka_unit_test(test_blocking_override),
		cmocka_unit_test(test_static_blocking),
		cmocka_unit_test(test_check_syntax_only),
		cmocka_unit_test(test_every_driver_checks),
	};

	return cmocka_run_group_tests_name("drivers_bus", tests, NULL, NULL);
}
