/* SPDX-License-Identifier: MIT */
/*
 * bme280: a Bosch BME280 (or BMP280, no humidity) on I2C through i2c-dev.
 *   bus=1,addr=0x76,quantity=temperature|pressure|humidity[,root=/]
 * Each read starts one forced-mode measurement (x1 oversampling, filter
 * off), waits its maximum time (9.3 ms, datasheet 9.1) and compensates with
 * the datasheet's integer formulas (BME280 4.2.3). Units: Cel, Pa, %RH.
 * If the kernel's bmp280 IIO driver owns the chip, use driver=iio instead.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sensor.h"
#include "board/common/bme280.h"
#include "board/common/i2cdev.h"
#include "board/common/sysfs.h"

enum { R_CALIB0 = 0x88, R_ID = 0xD0, R_CALIB1 = 0xE1, R_CTRL_HUM = 0xF2,
       R_STATUS = 0xF3, R_CTRL_MEAS = 0xF4, R_CONFIG = 0xF5, R_DATA = 0xF7 };
enum { ID_BME280 = 0x60, ID_BMP280 = 0x58 };
enum { Q_TEMP, Q_PRESS, Q_HUM };

#define MEAS_US 9300		/* max. time of T, P, H at x1 */
#define CTRL_MEAS_FORCED 0x25	/* osrs_t x1, osrs_p x1, forced mode */
#define STATUS_MEASURING 0x08
#define STATUS_IM_UPDATE 0x01

struct calib {
	uint16_t t1, p1;
	int16_t t2, t3, p2, p3, p4, p5, p6, p7, p8, p9, h2, h4, h5;
	uint8_t h1, h3;
	int8_t h6;
};

struct bme280 {
	const struct reg_io *io;
	void *ctx;
	int quantity, has_hum;
	struct calib c;
};

static int s16(const uint8_t *b)
{
	int v = b[0] | b[1] << 8;

	return v >= 0x8000 ? v - 0x10000 : v;
}

static int s8(uint8_t b)
{
	return b >= 0x80 ? b - 0x100 : b;
}

static int read_calib(struct bme280 *b)
{
	uint8_t r[26], h[7];
	struct calib *c = &b->c;
	int rc = b->io->read(b->ctx, R_CALIB0, r, sizeof(r));

	if (!rc && b->has_hum)
		rc = b->io->read(b->ctx, R_CALIB1, h, sizeof(h));
	if (rc)
		return rc;
	c->t1 = (uint16_t)(r[0] | r[1] << 8);
	c->t2 = (int16_t)s16(r + 2), c->t3 = (int16_t)s16(r + 4);
	c->p1 = (uint16_t)(r[6] | r[7] << 8);
	c->p2 = (int16_t)s16(r + 8), c->p3 = (int16_t)s16(r + 10);
	c->p4 = (int16_t)s16(r + 12), c->p5 = (int16_t)s16(r + 14);
	c->p6 = (int16_t)s16(r + 16), c->p7 = (int16_t)s16(r + 18);
	c->p8 = (int16_t)s16(r + 20), c->p9 = (int16_t)s16(r + 22);
	c->h1 = r[25];
	if (b->has_hum) {
		/* 0xE4..0xE6 pack two signed 12-bit values around a nibble */
		c->h2 = (int16_t)s16(h), c->h3 = h[2];
		c->h4 = (int16_t)(s8(h[3]) * 16 + (h[4] & 0x0F));
		c->h5 = (int16_t)(s8(h[5]) * 16 + (h[4] >> 4));
		c->h6 = (int8_t)s8(h[6]);
	}
	/* p1 is the divisor of the pressure formula; erased NVM reads 0 */
	return c->t1 && c->p1 ? 0 : -EIO;
}

/*
 * Datasheet 4.2.3 with int64 intermediates: the same results as its int32
 * code wherever that does not overflow, and defined behaviour (no signed
 * overflow, no left shift of negatives) for any register contents.
 * Temperature in 0.01 Cel; *t_fine for the other two.
 */
static int64_t comp_t(const struct calib *c, int32_t adc, int64_t *t_fine)
{
	int64_t a = adc, v1, v2;

	v1 = (((a >> 3) - ((int64_t)c->t1 * 2)) * c->t2) >> 11;
	v2 = (((((a >> 4) - c->t1) * ((a >> 4) - c->t1)) >> 12) * c->t3) >> 14;
	*t_fine = v1 + v2;
	return (*t_fine * 5 + 128) >> 8;
}

/* Pressure in Pa as Q24.8 into *@q. -EIO calibration makes no sense,
 * -ERANGE far out. Callers bound t_fine (temperature range check) and the
 * guards bound p, so nothing below can overflow. */
static int comp_p(const struct calib *c, int32_t adc, int64_t t_fine, int64_t *q)
{
	int64_t v1, v2, p;

	v1 = t_fine - 128000;
	v2 = v1 * v1 * c->p6;
	v2 = v2 + v1 * c->p5 * 131072;
	v2 = v2 + (int64_t)c->p4 * ((int64_t)1 << 35);
	v1 = ((v1 * v1 * c->p3) >> 8) + v1 * c->p2 * 4096;
	v1 = ((((int64_t)1 << 47) + v1) * c->p1) >> 33;
	if (v1 == 0)
		return -EIO;
	p = 1048576 - adc;
	if (p * ((int64_t)1 << 31) - v2 > INT64_MAX / 3125 ||
	    p * ((int64_t)1 << 31) - v2 < INT64_MIN / 3125)
		return -ERANGE;
	p = ((p * ((int64_t)1 << 31) - v2) * 3125) / v1;
	if (p < 0 || p > ((int64_t)1 << 35))	/* Pa * 2^16: 0..524 kPa */
		return -ERANGE;
	v1 = ((int64_t)c->p9 * (p >> 13) * (p >> 13)) >> 25;
	v2 = ((int64_t)c->p8 * p) >> 19;
	*q = ((p + v1 + v2) >> 8) + (int64_t)c->p7 * 16;
	return 0;
}

/* Relative humidity in %RH as Q22.10, clamped to 0..100 as the datasheet. */
static int64_t comp_h(const struct calib *c, int32_t adc, int64_t t_fine)
{
	int64_t v = t_fine - 76800;

	v = ((((int64_t)adc * 16384) - ((int64_t)c->h4 * 1048576) - (c->h5 * v)) +
	     16384) >> 15;
	v = v * (((((((t_fine - 76800) * c->h6) >> 10) *
		    ((((t_fine - 76800) * c->h3) >> 11) + 32768)) >> 10) + 2097152) *
		  c->h2 + 8192) >> 14;
	v = v - (((((v >> 15) * (v >> 15)) >> 7) * c->h1) >> 4);
	v = v < 0 ? 0 : v > 419430400 ? 419430400 : v;
	return v >> 12;
}

/* Start a forced measurement and wait until the chip has finished. */
static int measure(struct bme280 *b, uint8_t *d)
{
	uint8_t st = STATUS_MEASURING;
	int rc = 0;

	if (b->has_hum)		/* ctrl_hum only takes effect with ctrl_meas */
		rc = b->io->write(b->ctx, R_CTRL_HUM, 0x01);
	if (rc || (rc = b->io->write(b->ctx, R_CTRL_MEAS, CTRL_MEAS_FORCED)))
		return rc;
	b->io->delay_us(b->ctx, MEAS_US);
	for (int i = 0; i < 5 && (st & STATUS_MEASURING); i++) {
		if (i)
			b->io->delay_us(b->ctx, 1000);
		if ((rc = b->io->read(b->ctx, R_STATUS, &st, 1)))
			return rc;
	}
	if (st & STATUS_MEASURING)
		return -EAGAIN;
	return b->io->read(b->ctx, R_DATA, d, b->has_hum ? 8 : 6);
}

static int bme_read(void *state, uint64_t now_ms, double *value)
{
	struct bme280 *b = state;
	uint8_t d[8];
	int32_t adc_p, adc_t, adc_h;
	int64_t t, t_fine, p, h;
	int rc = measure(b, d);

	(void)now_ms;
	if (rc)
		return rc;
	adc_p = (int32_t)d[0] << 12 | d[1] << 4 | d[2] >> 4;
	adc_t = (int32_t)d[3] << 12 | d[4] << 4 | d[5] >> 4;
	adc_h = b->has_hum ? d[6] << 8 | d[7] : 0;
	if (adc_t == 0x80000)	/* the reset value: measurement skipped */
		return -EAGAIN;
	t = comp_t(&b->c, adc_t, &t_fine);
	if (t < -4500 || t > 9000)	/* -40..85 Cel operating range + 5 */
		return -ERANGE;
	switch (b->quantity) {
	case Q_TEMP:
		*value = (double)t / 100.0;
		return 0;
	case Q_PRESS:
		if (adc_p == 0x80000)
			return -EAGAIN;
		rc = comp_p(&b->c, adc_p, t_fine, &p);
		if (rc)
			return rc;
		if (p < 20000 * 256 || p > 120000 * 256)	/* 300..1100 hPa + margin */
			return -ERANGE;
		*value = (double)p / 256.0;
		return 0;
	default:
		if (adc_h == 0x8000)
			return -EAGAIN;
		h = comp_h(&b->c, adc_h, t_fine);
		*value = (double)h / 1024.0;
		return 0;
	}
}

static int parse_quantity(const struct src *s, struct bme280 *b, char *why, unsigned int n)
{
	static const char *const q[] = { "temperature", "pressure", "humidity" };
	const char *v = src_get(s, "quantity");

	for (b->quantity = 0; v && b->quantity < 3; b->quantity++)
		if (!strcmp(v, q[b->quantity]))
			return 0;
	snprintf(why, n, "quantity='%s': expected temperature, pressure or humidity",
		 v ? v : "");
	return -EINVAL;
}

/* Identify the chip, wait for its NVM copy, read the calibration. */
static int probe(struct bme280 *b, char *why, unsigned int n)
{
	uint8_t id, st = STATUS_IM_UPDATE;
	int rc = b->io->read(b->ctx, R_ID, &id, 1);

	if (rc) {
		snprintf(why, n, "chip id read failed: %s", strerror(-rc));
		return rc;
	}
	if (id != ID_BME280 && (id < 0x56 || id > ID_BMP280)) {
		snprintf(why, n, "chip id 0x%02x is neither BME280 (0x60) nor "
			 "BMP280 (0x58)", id);
		return -ENOENT;
	}
	b->has_hum = id == ID_BME280;
	if (b->quantity == Q_HUM && !b->has_hum) {
		snprintf(why, n, "quantity=humidity: the chip is a BMP280 (id 0x%02x), "
			 "which has no humidity sensor", id);
		return -EINVAL;
	}
	for (int i = 0; i < 5 && (st & STATUS_IM_UPDATE) && !rc; i++) {
		if (i)
			b->io->delay_us(b->ctx, 2000);
		rc = b->io->read(b->ctx, R_STATUS, &st, 1);
	}
	if (!rc)
		rc = b->io->write(b->ctx, R_CONFIG, 0x00);	/* filter off */
	if (!rc)
		rc = read_calib(b);
	if (rc)
		snprintf(why, n, "reading the calibration failed: %s", strerror(-rc));
	return rc;
}

int bme280_open_io(const struct reg_io *io, void *ctx, const char *source,
		   void **state, char *why, unsigned int n)
{
	static const char *const keys[] = { "bus", "addr", "quantity", "root", NULL };
	struct src s;
	struct bme280 *b = calloc(1, sizeof(*b));
	int rc = -ENOMEM;

	if (!b)
		goto out;
	b->io = io, b->ctx = ctx;
	rc = src_parse(&s, source, keys, why, n);
	if (!rc)
		rc = parse_quantity(&s, b, why, n);
	if (!rc)
		rc = probe(b, why, n);
out:
	if (rc) {
		if (io->close)
			io->close(ctx);
		free(b);
		return rc;
	}
	*state = b;
	return 0;
}

/* bus=, addr=, quantity=, root=: the syntax, no device touched. */
static int bme_parse(const struct src *s, const char **root, unsigned long *bus,
		     unsigned long *addr, char *why, unsigned int n)
{
	struct bme280 q;
	int rc;

	*bus = ~0ul, *addr = 0x76;
	if ((rc = src_root(s, root, why, n)) ||
	    (rc = src_uint(s, "bus", 255, bus, why, n)) ||
	    (rc = src_uint(s, "addr", 0x7f, addr, why, n)) ||
	    (rc = parse_quantity(s, &q, why, n)))
		return rc;
	if (*bus == ~0ul) {
		snprintf(why, n, "need bus=N (the N of /dev/i2c-N)");
		return -EINVAL;
	}
	if (*addr != 0x76 && *addr != 0x77) {
		snprintf(why, n, "addr=0x%02lx: a BME280 answers at 0x76 or 0x77", *addr);
		return -EINVAL;
	}
	return 0;
}

static const char *const bme_keys[] = { "bus", "addr", "quantity", "root", NULL };

static int bme_check(const char *source, char *why, unsigned int n)
{
	unsigned long bus, addr;
	const char *root;
	struct src s;
	int rc = src_parse_syntax(&s, source, bme_keys, why, n);

	return rc ? rc : bme_parse(&s, &root, &bus, &addr, why, n);
}

static int bme_open(const char *source, void **state, char *why, unsigned int n)
{
	unsigned long bus, addr;
	const char *root;
	struct src s;
	void *ctx;
	int rc = src_parse(&s, source, bme_keys, why, n);

	if (rc || (rc = bme_parse(&s, &root, &bus, &addr, why, n)))
		return rc;
	rc = i2cdev_open(root, (unsigned int)bus, (unsigned int)addr, &ctx);
	if (rc) {
		snprintf(why, n, "/dev/i2c-%lu address 0x%02lx: %s", bus, addr,
			 rc == -EBUSY ? "in use by a kernel driver (use driver=iio)" :
			 strerror(-rc));
		return rc;
	}
	return bme280_open_io(&i2cdev_io, ctx, source, state, why, n);
}

static void bme_close(void *state)
{
	struct bme280 *b = state;

	if (b->io->close)
		b->io->close(b->ctx);
	free(b);
}

const struct sensor_ops sensor_bme280_ops = {
	.name = "bme280",
	.open = bme_open,
	.read = bme_read,
	.close = bme_close,
	.check = bme_check,
	.blocking = true,	/* the kernel (or we) wait for the conversion */
};
