/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_drivers.c - the sysfs sensor drivers (thermal, hwmon,
 * iio, ds18b20) on the fixture tree tests/data/sysfs/pi (run from the
 * repository root): good values, missing files, garbage, negative and huge
 * values, lookups by name, bad sources; and the driver table.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/sensor.h"
#include "board/board.h"

#define ROOT "root=tests/data/sysfs/pi"

struct want {
	const char *source;
	int rc;			/* of read */
	double value;
};

static void assert_near(double got, double want, double eps)
{
	if (fabs(got - want) > eps)
		fail_msg("got %.9g, want %.9g (+-%g)", got, want, eps);
}

/* Open @source with driver @drv (must succeed), read once, close. */
static int read_one(const char *drv, const char *source, double *v)
{
	const struct sensor_ops *o = board_sensor_driver(drv);
	char why[128] = "";
	void *st = NULL;
	int rc;

	assert_non_null(o);
	rc = o->open(source, &st, why, sizeof(why));
	if (rc)
		fail_msg("%s open '%s': %d %s", drv, source, rc, why);
	rc = o->read(st, 0, v);
	o->close(st);
	return rc;
}

static void check_reads(const char *drv, const struct want *w, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		double v = -12345;
		int rc = read_one(drv, w[i].source, &v);

		if (rc != w[i].rc)
			fail_msg("%s '%s': read %d, want %d", drv, w[i].source, rc, w[i].rc);
		if (!rc)
			assert_near(v, w[i].value, 1e-9 * fabs(w[i].value) + 1e-9);
		else
			assert_near(v, -12345, 0);	/* untouched on error */
	}
}

/* open must fail with @rc and a why that mentions @part. */
static void check_open_fails(const char *drv, const char *source, int rc,
			     const char *part)
{
	const struct sensor_ops *o = board_sensor_driver(drv);
	char why[128] = "";
	void *st = NULL;
	int got = o->open(source, &st, why, sizeof(why));

	if (got != rc)
		fail_msg("%s open '%s': %d (%s), want %d", drv, source, got, why, rc);
	if (!strstr(why, part))
		fail_msg("%s open '%s': why '%s' does not name '%s'", drv, source, why, part);
}

static void test_registry(void **unused)
{
	static const char *const all[] = { "simulated", "thermal", "hwmon", "iio",
					   "ds18b20", "bme280", "gpio",
					   "simulated_slow" };
	const char *const *names = board_sensor_drivers();
	size_t n = 0;

	(void)unused;
	while (names[n])
		n++;
	assert_int_equal(n, sizeof(all) / sizeof(all[0]));
	for (size_t i = 0; i < n; i++) {
		const struct sensor_ops *o = board_sensor_driver(all[i]);

		assert_non_null(o);
		assert_string_equal(o->name, all[i]);
		assert_non_null(o->open);
		assert_non_null(o->read);
		assert_non_null(o->close);
		assert_string_equal(names[i], all[i]);
	}
	assert_null(board_sensor_driver("nope"));
}

static void test_thermal_reads(void **unused)
{
	static const struct want w[] = {
		{ "zone=0," ROOT, 0, 48.312 },
		{ ROOT ",path=/sys/class/thermal/thermal_zone0/temp", 0, 48.312 },
		{ "zone=1," ROOT, -EIO, 0 },		/* abc */
		{ "zone=2," ROOT, -EIO, 0 },		/* empty */
		{ "zone=3," ROOT, -EIO, 0 },		/* 12x */
		{ "zone=4," ROOT, 0, -5.0 },		/* below freezing */
		{ "zone=5," ROOT, -ERANGE, 0 },	/* overflows long long */
		{ "zone=6," ROOT, -ERANGE, 0 },	/* 4000 Cel */
	};

	(void)unused;
	check_reads("thermal", w, sizeof(w) / sizeof(w[0]));
}

static void test_thermal_bad_source(void **unused)
{
	(void)unused;
	check_open_fails("thermal", "zone=42," ROOT, -ENOENT, "thermal_zone42");
	check_open_fails("thermal", "zone=x," ROOT, -EINVAL, "zone='x'");
	check_open_fails("thermal", "zone=-1," ROOT, -EINVAL, "zone='-1'");
	check_open_fails("thermal", ROOT, -EINVAL, "exactly one of");
	check_open_fails("thermal", "zone=0,path=/x," ROOT, -EINVAL, "exactly one of");
	check_open_fails("thermal", "path=sys/x," ROOT, -EINVAL, "path='sys/x'");
	check_open_fails("thermal", "zone=0,root=/no/such/dir", -EINVAL, "root='/no/such/dir'");
	check_open_fails("thermal", "zone=0,colour=red", -EINVAL, "unknown key 'colour'");
	check_open_fails("thermal", "zone=0,zone=1", -EINVAL, "'zone' given twice");
	check_open_fails("thermal", "zone", -EINVAL, "'zone': expected key=value");
	check_open_fails("thermal", "zone=", -EINVAL, "'zone=': expected key=value");
	check_open_fails("thermal", "", -EINVAL, "empty source");
}

static void test_hwmon_reads(void **unused)
{
	static const struct want w[] = {
		{ "chip=cpu_thermal,input=temp1," ROOT, 0, 48.312 },
		{ "chip=sht3x,input=temp1," ROOT, 0, 21.5 },	/* found among seven */
		{ "chip=sht3x,input=humidity1," ROOT, 0, 45.25 },
		{ "chip=ina219,input=in1," ROOT, 0, 5.012 },	/* hwmon2, not hwmon10 */
		{ "chip=ina219,input=in1_input," ROOT, 0, 5.012 },
		{ "chip=ina219,input=curr1," ROOT, 0, -0.25 },
		{ "chip=ina219,input=power1," ROOT, 0, 1.25 },
		{ "chip=pwmfan,input=fan1," ROOT, 0, 3200 },
		{ ROOT ",path=/sys/class/hwmon/hwmon2/in0_input", 0, 0.012 },
		{ "chip=bad,input=temp1," ROOT, -EIO, 0 },	/* abc */
		{ "chip=bad,input=temp2," ROOT, -EIO, 0 },	/* empty */
		{ "chip=bad,input=temp3," ROOT, -EIO, 0 },	/* 12x */
		{ "chip=bad,input=temp4," ROOT, 0, -40 },
		{ "chip=bad,input=temp5," ROOT, -ERANGE, 0 },	/* overflow */
		{ "chip=bad,input=temp6," ROOT, -ERANGE, 0 },	/* 5000 Cel */
		{ "chip=bad,input=humidity1," ROOT, -ERANGE, 0 },	/* 250 % */
		{ "chip=bad,input=fan1," ROOT, -ERANGE, 0 },	/* -5 RPM */
	};

	(void)unused;
	check_reads("hwmon", w, sizeof(w) / sizeof(w[0]));
}

static void test_hwmon_bad_source(void **unused)
{
	(void)unused;
	check_open_fails("hwmon", "chip=nosuch,input=temp1," ROOT, -ENOENT, "'nosuch'");
	check_open_fails("hwmon", "chip=rpi_volt,input=in0," ROOT, -ENOENT, "'in0'");
	check_open_fails("hwmon", "chip=sht3x,input=volts1," ROOT, -EINVAL, "'volts1'");
	check_open_fails("hwmon", "chip=sht3x,input=temp," ROOT, -EINVAL, "'temp'");
	check_open_fails("hwmon", "chip=sht3x," ROOT, -EINVAL, "chip=NAME,input=temp1");
	check_open_fails("hwmon", "chip=../../x,input=temp1," ROOT, -EINVAL, "chip='../../x'");
	check_open_fails("hwmon", "chip=sht3x,input=temp1,path=/a/temp1_input," ROOT,
			 -EINVAL, "chip=NAME,input=temp1");
	check_open_fails("hwmon", "path=/sys/class/hwmon/hwmon9/temp1_input," ROOT,
			 -ENOENT, "hwmon9");
	check_open_fails("hwmon", "path=/sys/class/hwmon/hwmon0/name," ROOT, -EINVAL, "'name'");
	check_open_fails("hwmon", "chip=sht3x,input=temp1,zone=0", -EINVAL, "unknown key 'zone'");
}

static void put(const char *dir, const char *file, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Module reload: hwmon0 becomes hwmon3; chip= finds it again on -ENOENT. */
static void test_hwmon_renumbered(void **unused)
{
	const struct sensor_ops *o = board_sensor_driver("hwmon");
	char tmp[] = "/tmp/test_drivers.XXXXXX", d0[128], d3[128], src[96], why[128];
	void *st;
	double v;

	(void)unused;
	assert_non_null(mkdtemp(tmp));
	snprintf(d0, sizeof(d0), "%s/sys", tmp);
	assert_int_equal(mkdir(d0, 0700), 0);
	snprintf(d0, sizeof(d0), "%s/sys/class", tmp);
	assert_int_equal(mkdir(d0, 0700), 0);
	snprintf(d0, sizeof(d0), "%s/sys/class/hwmon", tmp);
	assert_int_equal(mkdir(d0, 0700), 0);
	snprintf(d3, sizeof(d3), "%s/hwmon3", d0);
	snprintf(d0 + strlen(d0), sizeof(d0) - strlen(d0), "/hwmon0");
	assert_int_equal(mkdir(d0, 0700), 0);
	put(d0, "name", "sht3x\n");
	put(d0, "temp1_input", "20000\n");
	snprintf(src, sizeof(src), "chip=sht3x,input=temp1,root=%s", tmp);
	assert_int_equal(o->open(src, &st, why, sizeof(why)), 0);
	assert_int_equal(o->read(st, 0, &v), 0);
	assert_true(v == 20.0);
	assert_int_equal(rename(d0, d3), 0);
	put(d3, "temp1_input", "22500\n");
	assert_int_equal(o->read(st, 0, &v), 0);
	assert_true(v == 22.5);
	put(d3, "name", "other\n");		/* gone for good */
	assert_int_equal(rename(d3, d0), 0);
	assert_int_equal(unlink(strcat(d0, "/temp1_input")), 0);
	assert_int_equal(o->read(st, 0, &v), -ENOENT);
	o->close(st);
	assert_int_equal(unlink(strcat(strcpy(d3, tmp), "/sys/class/hwmon/hwmon0/name")), 0);
	d3[strlen(d3) - 5] = 0;
	assert_int_equal(rmdir(d3), 0);
	snprintf(d3, sizeof(d3), "%s/sys/class/hwmon", tmp);
	assert_int_equal(rmdir(d3), 0);
	snprintf(d3, sizeof(d3), "%s/sys/class", tmp);
	assert_int_equal(rmdir(d3), 0);
	snprintf(d3, sizeof(d3), "%s/sys", tmp);
	assert_int_equal(rmdir(d3), 0);
	assert_int_equal(rmdir(tmp), 0);
}

static void test_iio_reads(void **unused)
{
	static const struct want w[] = {
		{ "device=bme280,channel=in_temp," ROOT, 0, 23.45 },
		{ "device=bme280,channel=in_pressure," ROOT, 0, 100512 },	/* kPa -> Pa */
		{ "device=bme280,channel=in_humidityrelative," ROOT, 0, 48.123 },
		{ "device=ads1115,channel=in_voltage0," ROOT, 0, 0.125 },	/* type scale */
		{ "device=ads1115,channel=in_voltage1," ROOT, 0, -0.0125 },	/* own scale */
		{ "device=ads1115,channel=in_voltage2," ROOT, -EIO, 0 },	/* abc */
		{ "device=tmp117,channel=in_temp," ROOT, 0, 11.71875 },	/* raw+off*scale */
		{ "device=tsl2561,channel=in_illuminance," ROOT, 0, 345 },	/* no scale */
		{ "device=bad,channel=in_temp," ROOT, -EIO, 0 },		/* scale abc */
		{ "device=bad,channel=in_pressure," ROOT, -ERANGE, 0 },	/* 1e9 Pa */
		{ "device=bad,channel=in_voltage0," ROOT, -ERANGE, 0 },	/* overflow */
		{ "device=bad,channel=in_humidityrelative," ROOT, -EIO, 0 },	/* empty */
	};

	(void)unused;
	check_reads("iio", w, sizeof(w) / sizeof(w[0]));
}

static void test_iio_bad_source(void **unused)
{
	(void)unused;
	check_open_fails("iio", "device=nosuch,channel=in_temp," ROOT, -ENOENT, "'nosuch'");
	check_open_fails("iio", "device=bme280,channel=in_voltage0," ROOT, -ENOENT,
			 "'in_voltage0'");
	check_open_fails("iio", "device=bme280,channel=temp," ROOT, -EINVAL, "channel='temp'");
	check_open_fails("iio", "device=bme280,channel=in_temp_raw," ROOT, -EINVAL,
			 "channel='in_temp_raw'");
	check_open_fails("iio", "device=bme280," ROOT, -EINVAL, "need device=NAME");
	check_open_fails("iio", "device=a/b,channel=in_temp," ROOT, -EINVAL, "device='a/b'");
}

static void test_ds18b20_reads(void **unused)
{
	static const struct want w[] = {
		{ "id=28-00000abcdef0," ROOT, 0, 23.125 },
		{ "id=28-00000abcdef1," ROOT, -EIO, 0 },	/* crc NO */
		{ "id=28-00000abcdef2," ROOT, -EAGAIN, 0 },	/* 85000 power-on */
		{ "id=28-00000abcdef3," ROOT, 0, 21.437 },	/* "temperature" first */
		{ "id=28-00000abcdef4," ROOT, 0, -10.125 },
		{ "id=28-00000abcdef5," ROOT, -EIO, 0 },	/* abc */
		{ "id=28-00000abcdef6," ROOT, -EIO, 0 },	/* t=12x */
		{ "id=28-00000abcdef7," ROOT, -ERANGE, 0 },	/* 200 Cel */
		{ "id=28-00000abcdef8," ROOT, -EIO, 0 },	/* all-zero scratchpad */
		{ "id=28-00000abcdef9," ROOT, -EAGAIN, 0 },	/* temperature 85000 */
		{ "id=28-00000abcdefa," ROOT, -ENOENT, 0 },	/* no attribute */
		{ "id=28-00000abcdefb," ROOT, -EIO, 0 },	/* empty */
		{ "id=28-00000abcdefc," ROOT, -ERANGE, 0 },	/* overflow */
	};

	(void)unused;
	check_reads("ds18b20", w, sizeof(w) / sizeof(w[0]));
}

static void test_ds18b20_bad_source(void **unused)
{
	(void)unused;
	check_open_fails("ds18b20", "id=28-00000abcde99," ROOT, -ENOENT, "28-00000abcde99");
	check_open_fails("ds18b20", "id=28-0000," ROOT, -EINVAL, "id='28-0000'");
	check_open_fails("ds18b20", "id=28-00000abcdefg," ROOT, -EINVAL, "id='28-00000abcdefg'");
	check_open_fails("ds18b20", "id=../../../etc/x," ROOT, -EINVAL, "id='../../../etc/x'");
	check_open_fails("ds18b20", ROOT, -EINVAL, "id=''");
	check_open_fails("ds18b20", "id=28-00000abcdef0,crc=1", -EINVAL, "unknown key 'crc'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_thermal_reads),
		cmocka_unit_test(test_thermal_bad_source),
		cmocka_unit_test(test_hwmon_reads),
		cmocka_unit_test(test_hwmon_bad_source),
		cmocka_unit_test(test_hwmon_renumbered),
		cmocka_unit_test(test_iio_reads),
		cmocka_unit_test(test_iio_bad_source),
		cmocka_unit_test(test_ds18b20_reads),
		cmocka_unit_test(test_ds18b20_bad_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
