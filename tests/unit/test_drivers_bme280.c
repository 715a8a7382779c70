/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_drivers_bme280.c - the BME280/BMP280 driver on a fake
 * register file: the datasheet's example (BMP280 datasheet 3.12: 25.08 Cel,
 * 100653.27 Pa), a sweep against the datasheet's double-precision formulas
 * (BME280 datasheet 8.1), chip ids, forced mode, errors, bad sources.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "agent/sensor.h"
#include "board/common/bme280.h"

struct cal {
	unsigned t1, p1, h1, h3;
	int t2, t3, p2, p3, p4, p5, p6, p7, p8, p9, h2, h4, h5, h6;
};

/* T and P from the BMP280 datasheet's example, H from a real BME280. */
static const struct cal CAL = {
	.t1 = 27504, .t2 = 26435, .t3 = -1000,
	.p1 = 36477, .p2 = -10685, .p3 = 3024, .p4 = 2855, .p5 = 140, .p6 = -7,
	.p7 = 15500, .p8 = -14600, .p9 = 6000,
	.h1 = 75, .h2 = 362, .h3 = 0, .h4 = 313, .h5 = 50, .h6 = 30,
};

struct fake {
	uint8_t reg[256];
	int busy_polls;		/* status reads that still say "measuring" */
	int fail_reg;		/* read of this register fails with -EIO */
	int closed, forced, hum_before_meas, delays;
	int last_write;
};

static struct fake F;

static int f_read(void *ctx, uint8_t reg, uint8_t *buf, size_t len)
{
	struct fake *f = ctx;

	if (f->fail_reg == reg)
		return -EIO;
	memcpy(buf, f->reg + reg, len);
	if (reg == 0xF3 && f->busy_polls > 0) {
		f->busy_polls--;
		buf[0] |= 0x08;
	}
	return 0;
}

static int f_write(void *ctx, uint8_t reg, uint8_t val)
{
	struct fake *f = ctx;

	if (reg == 0xF4 && val == 0x25) {
		f->forced++;
		f->hum_before_meas += f->last_write == 0xF2;
	}
	f->last_write = reg;
	f->reg[reg] = val;
	return 0;
}

static void f_delay(void *ctx, unsigned int us)
{
	(void)us;
	((struct fake *)ctx)->delays++;
}

static void f_close(void *ctx)
{
	((struct fake *)ctx)->closed++;
}

static const struct reg_io fake_io = { f_read, f_write, f_delay, f_close };

static void put16(unsigned r, int v)
{
	F.reg[r] = (uint8_t)(v & 0xFF);
	F.reg[r + 1] = (uint8_t)((v >> 8) & 0xFF);
}

static void chip(uint8_t id, const struct cal *c)
{
	const int p[9] = { (int)c->p1, c->p2, c->p3, c->p4, c->p5, c->p6, c->p7, c->p8, c->p9 };

	memset(&F, 0, sizeof(F));
	F.fail_reg = -1;
	F.reg[0xD0] = id;
	put16(0x88, (int)c->t1), put16(0x8A, c->t2), put16(0x8C, c->t3);
	for (int i = 0; i < 9; i++)
		put16(0x8E + 2 * i, p[i]);
	F.reg[0xA1] = (uint8_t)c->h1;
	put16(0xE1, c->h2);
	F.reg[0xE3] = (uint8_t)c->h3;
	F.reg[0xE4] = (uint8_t)((c->h4 >> 4) & 0xFF);
	F.reg[0xE5] = (uint8_t)((c->h4 & 0x0F) | (c->h5 & 0x0F) << 4);
	F.reg[0xE6] = (uint8_t)((c->h5 >> 4) & 0xFF);
	F.reg[0xE7] = (uint8_t)c->h6;
}

static void adc(int32_t t, int32_t p, int32_t h)
{
	F.reg[0xF7] = (uint8_t)(p >> 12), F.reg[0xF8] = (uint8_t)(p >> 4);
	F.reg[0xF9] = (uint8_t)((p & 0xF) << 4);
	F.reg[0xFA] = (uint8_t)(t >> 12), F.reg[0xFB] = (uint8_t)(t >> 4);
	F.reg[0xFC] = (uint8_t)((t & 0xF) << 4);
	F.reg[0xFD] = (uint8_t)(h >> 8), F.reg[0xFE] = (uint8_t)h;
}

/* The datasheet's double-precision compensation (BME280 8.1). */
static void reference(const struct cal *c, int32_t at, int32_t ap, int32_t ah,
		      double *t, double *p, double *h)
{
	double v1, v2, tf, x;

	v1 = (at / 16384.0 - c->t1 / 1024.0) * c->t2;
	v2 = (at / 131072.0 - c->t1 / 8192.0) * (at / 131072.0 - c->t1 / 8192.0) * c->t3;
	tf = (double)(int32_t)(v1 + v2);
	*t = (v1 + v2) / 5120.0;
	v1 = tf / 2.0 - 64000.0;
	v2 = v1 * v1 * c->p6 / 32768.0;
	v2 = v2 + v1 * c->p5 * 2.0;
	v2 = v2 / 4.0 + c->p4 * 65536.0;
	v1 = (c->p3 * v1 * v1 / 524288.0 + c->p2 * v1) / 524288.0;
	v1 = (1.0 + v1 / 32768.0) * c->p1;
	x = 1048576.0 - ap;
	x = (x - v2 / 4096.0) * 6250.0 / v1;
	v1 = c->p9 * x * x / 2147483648.0;
	v2 = x * c->p8 / 32768.0;
	*p = x + (v1 + v2 + c->p7) / 16.0;
	x = tf - 76800.0;
	x = (ah - (c->h4 * 64.0 + c->h5 / 16384.0 * x)) *
	    (c->h2 / 65536.0 * (1.0 + c->h6 / 67108864.0 * x * (1.0 + c->h3 / 67108864.0 * x)));
	x = x * (1.0 - c->h1 * x / 524288.0);
	*h = x > 100.0 ? 100.0 : x < 0.0 ? 0.0 : x;
}

static int open_q(const char *source, void **st, char *why)
{
	return bme280_open_io(&fake_io, &F, source, st, why, 128);
}

static int read_q(const char *quantity, double *v)
{
	const struct sensor_ops *o = board_sensor_driver("bme280");
	char src[64], why[128] = "";
	void *st;
	int rc;

	snprintf(src, sizeof(src), "quantity=%s", quantity);
	rc = open_q(src, &st, why);
	if (rc)
		fail_msg("open %s: %d %s", src, rc, why);
	rc = o->read(st, 0, v);
	o->close(st);
	return rc;
}

static void test_datasheet_example(void **unused)
{
	double v;

	(void)unused;
	chip(0x60, &CAL);
	adc(519888, 415148, 30000);
	assert_int_equal(read_q("temperature", &v), 0);
	assert_true(v == 25.08);
	assert_int_equal(read_q("pressure", &v), 0);
	/* the datasheet's 100653.27 Pa; its int64 formula gives 25767233/256 */
	assert_true(v == 25767233 / 256.0);
	assert_int_equal(F.forced, 2);
	assert_int_equal(F.hum_before_meas, 2);	/* ctrl_hum, then ctrl_meas */
	assert_int_equal(F.closed, 2);
}

static void test_sweep_against_reference(void **unused)
{
	static const int32_t cases[][3] = {
		{ 519888, 415148, 30000 }, { 400000, 380000, 20000 },	/* -12.6 Cel */
		{ 600000, 440000, 35000 }, { 450000, 400000, 25000 },	/* 50.1 Cel */
		{ 550000, 460000, 27000 }, { 480000, 430000, 40000 },
		{ 350000, 420000, 32000 },				/* -28.5 Cel */
	};

	(void)unused;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double t, p, h, rt, rp, rh;

		chip(0x60, &CAL);
		adc(cases[i][0], cases[i][1], cases[i][2]);
		reference(&CAL, cases[i][0], cases[i][1], cases[i][2], &rt, &rp, &rh);
		assert_int_equal(read_q("temperature", &t), 0);
		assert_int_equal(read_q("pressure", &p), 0);
		assert_int_equal(read_q("humidity", &h), 0);
		/* integer resolution 0.01 Cel, 1/1024 %RH; P within 0.25 Pa */
		if (fabs(t - rt) > 0.01 || fabs(p - rp) > 0.25 || fabs(h - rh) > 0.01)
			fail_msg("case %zu: T %.4f/%.4f P %.3f/%.3f H %.4f/%.4f",
				 i, t, rt, p, rp, h, rh);
	}
}

static void test_humidity_clamped(void **unused)
{
	double v;

	(void)unused;
	chip(0x60, &CAL);
	adc(519888, 415148, 65000);	/* saturated */
	assert_int_equal(read_q("humidity", &v), 0);
	assert_true(v == 100.0);
	adc(519888, 415148, 0);
	assert_int_equal(read_q("humidity", &v), 0);
	assert_true(v == 0.0);
}

static void test_bmp280(void **unused)
{
	char why[128] = "";
	void *st;
	double v;

	(void)unused;
	chip(0x58, &CAL);
	adc(519888, 415148, 0);
	assert_int_equal(read_q("temperature", &v), 0);
	assert_true(v == 25.08);
	assert_int_equal(F.hum_before_meas, 0);	/* no ctrl_hum on a BMP280 */
	assert_int_equal(read_q("pressure", &v), 0);
	assert_int_equal(open_q("quantity=humidity", &st, why), -EINVAL);
	assert_non_null(strstr(why, "BMP280"));
	assert_non_null(strstr(why, "humidity"));
	assert_int_equal(F.closed, 3);		/* ctx released on failure too */
}

static void test_wrong_chip_id(void **unused)
{
	char why[128] = "";
	void *st;

	(void)unused;
	chip(0x55, &CAL);
	assert_int_equal(open_q("quantity=temperature", &st, why), -ENOENT);
	assert_non_null(strstr(why, "0x55"));
	chip(0x00, &CAL);
	assert_int_equal(open_q("quantity=temperature", &st, why), -ENOENT);
	assert_int_equal(F.closed, 1);
}

static void test_read_errors(void **unused)
{
	const struct sensor_ops *o = board_sensor_driver("bme280");
	char why[128] = "";
	void *st;
	double v = -1;

	(void)unused;
	chip(0x60, &CAL);
	adc(519888, 415148, 30000);
	assert_int_equal(open_q("quantity=pressure", &st, why), 0);
	F.busy_polls = 100;			/* never finishes */
	assert_int_equal(o->read(st, 0, &v), -EAGAIN);
	F.busy_polls = 2;			/* finishes on the 3rd poll */
	assert_int_equal(o->read(st, 0, &v), 0);
	F.fail_reg = 0xF7;			/* bus error */
	assert_int_equal(o->read(st, 0, &v), -EIO);
	F.fail_reg = -1;
	adc(0x80000, 415148, 30000);		/* measurement skipped */
	assert_int_equal(o->read(st, 0, &v), -EAGAIN);
	adc(519888, 0x80000, 30000);
	assert_int_equal(o->read(st, 0, &v), -EAGAIN);
	adc(0xFFFFF, 415148, 30000);		/* far above 85 Cel */
	assert_int_equal(o->read(st, 0, &v), -ERANGE);
	adc(0, 415148, 30000);			/* far below -40 Cel */
	assert_int_equal(o->read(st, 0, &v), -ERANGE);
	adc(519888, 0, 30000);			/* pressure far out */
	assert_int_equal(o->read(st, 0, &v), -ERANGE);
	adc(519888, 0xFFFFF, 30000);
	assert_int_equal(o->read(st, 0, &v), -ERANGE);
	o->close(st);
}

static void test_open_errors(void **unused)
{
	struct cal erased = { 0 };
	char why[128] = "";
	void *st;

	(void)unused;
	chip(0x60, &erased);			/* calibration NVM reads 0 */
	assert_int_equal(open_q("quantity=temperature", &st, why), -EIO);
	assert_non_null(strstr(why, "calibration"));
	chip(0x60, &CAL);
	F.fail_reg = 0xD0;
	assert_int_equal(open_q("quantity=temperature", &st, why), -EIO);
	assert_non_null(strstr(why, "chip id"));
}

static void check_bad(const char *source, int rc, const char *part)
{
	const struct sensor_ops *o = board_sensor_driver("bme280");
	char why[128] = "";
	void *st = NULL;
	int got = o->open(source, &st, why, sizeof(why));

	if (got != rc || !strstr(why, part))
		fail_msg("'%s': %d '%s', want %d naming '%s'", source, got, why, rc, part);
}

static void test_bad_source(void **unused)
{
	char why[128] = "";
	void *st;

	(void)unused;
	chip(0x60, &CAL);
	assert_int_equal(open_q("quantity=wind", &st, why), -EINVAL);
	assert_non_null(strstr(why, "quantity='wind'"));
	assert_int_equal(open_q("addr=0x76", &st, why), -EINVAL);
	assert_non_null(strstr(why, "quantity=''"));
	check_bad("addr=0x76,quantity=temperature", -EINVAL, "need bus=N");
	check_bad("bus=1,addr=0x20,quantity=temperature", -EINVAL, "addr=0x20");
	check_bad("bus=1,addr=zz,quantity=temperature", -EINVAL, "addr='zz'");
	check_bad("bus=1,addr=0x76,quantity=temperature,speed=9", -EINVAL, "'speed'");
	check_bad("bus=1,quantity=temperature,root=tests/data/sysfs/none", -EINVAL, "root=");
	/* the i2c-dev path: no bus 7; bus 1 is a plain file, not an adapter */
	check_bad("bus=7,quantity=temperature,root=tests/data/sysfs/pi", -ENOENT, "/dev/i2c-7");
	check_bad("bus=1,quantity=temperature,root=tests/data/sysfs/pi", -EIO, "/dev/i2c-1");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datasheet_example),
		cmocka_unit_test(test_sweep_against_reference),
		cmocka_unit_test(test_humidity_clamped),
		cmocka_unit_test(test_bmp280),
		cmocka_unit_test(test_wrong_chip_id),
		cmocka_unit_test(test_read_errors),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_bad_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
