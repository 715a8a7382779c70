/* SPDX-License-Identifier: MIT */
/*
 * iio: one channel of an Industrial I/O device.
 *   device=NAME,channel=in_temp[,root=/]
 * NAME is the device's "name" attribute under /sys/bus/iio/devices/
 * iio:device*. The value is <channel>_input when the driver has it, else
 * (<channel>_raw + offset) * scale (Documentation/ABI/testing/sysfs-bus-iio),
 * offset and scale from <channel>_offset / _scale or the type-wide
 * in_voltage_scale (trailing index dropped), missing offset 0, scale 1.
 * IIO units are converted to SenML's: temp milli°C -> Cel, pressure kPa ->
 * Pa, humidityrelative milli% -> %RH, voltage mV -> V, current mA -> A,
 * power mW -> W; other types pass through unscaled. A device on a slow
 * bus (the Pi's bmp280 on I2C: a read starts a conversion and sleeps for
 * it) reads on the worker, an on-SoC ADC on the loop; blocking=yes|no
 * overrides what the bus says.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/sensor.h"
#include "board/common/sysfs.h"

struct iio_type {
	const char *prefix;	/* after "in_" */
	double scale, lo, hi;	/* IIO unit -> SenML unit; physical range */
};

static const struct iio_type types[] = {
	{ "temp", 1e-3, -273.15, 2000 },
	{ "humidityrelative", 1e-3, -5, 105 },
	{ "pressure", 1e3, 0, 1e8 },
	{ "voltage", 1e-3, -1e4, 1e4 },
	{ "current", 1e-3, -1e4, 1e4 },
	{ "power", 1e-3, -1e7, 1e7 },
	{ "", 1, -DBL_MAX, DBL_MAX },		/* any other type: as is */
};

struct iio {
	const struct iio_type *type;
	char root[SYSFS_PATH_MAX / 2], device[64], channel[64];
	char dir[SYSFS_PATH_MAX - 96];
	int has_input;
	const char *bus;	/* slow_bus(): NULL = reads on the loop */
};

static const char *const keys[] = { "device", "channel", "root", "blocking", NULL };

static int resolve(struct iio *d)
{
	char f[SYSFS_PATH_MAX];
	int rc = sysfs_find_by_name(d->root, "/sys/bus/iio/devices", "iio:device",
				    d->device, d->dir, sizeof(d->dir));

	if (rc)
		return rc;
	snprintf(f, sizeof(f), "%s/%s_input", d->dir, d->channel);
	d->has_input = !access(f, R_OK);
	snprintf(f, sizeof(f), "%s/%s_raw", d->dir, d->channel);
	return d->has_input || !access(f, R_OK) ? 0 : -ENOENT;
}

/* <channel>_<attr>, else the type-wide attribute: in_voltage0 -> in_voltage. */
static int read_attr(const struct iio *d, const char *attr, double dflt, double *v)
{
	char f[SYSFS_PATH_MAX];
	size_t l = strlen(d->channel);
	int rc;

	snprintf(f, sizeof(f), "%s/%s_%s", d->dir, d->channel, attr);
	rc = sysfs_read_double(f, v);
	if (rc != -ENOENT)
		return rc;
	while (l && isdigit((unsigned char)d->channel[l - 1]))
		l--;
	snprintf(f, sizeof(f), "%s/%.*s_%s", d->dir, (int)l, d->channel, attr);
	rc = sysfs_read_double(f, v);
	if (rc == -ENOENT)
		*v = dflt, rc = 0;
	return rc;
}

/* The source's syntax, into @d; no file is touched. */
static int iio_parse(struct iio *d, const struct src *s, enum src_blocking *mode,
		     char *why, unsigned int n)
{
	const char *root, *dev = src_get(s, "device"), *ch = src_get(s, "channel");
	int rc;

	if ((rc = src_root(s, &root, why, n)) || (rc = src_name(s, "device", why, n)) ||
	    (rc = src_name(s, "channel", why, n)) || (rc = src_blocking(s, mode, why, n)))
		return rc;
	if (!dev || !ch) {
		snprintf(why, n, "need device=NAME,channel=in_TYPE");
		return -EINVAL;
	}
	if (strncmp(ch, "in_", 3) || !ch[3] || strstr(ch, "_raw") || strstr(ch, "_input")) {
		snprintf(why, n, "channel='%s': expected an input channel like "
			 "in_temp or in_voltage0 (without _raw/_input)", ch);
		return -EINVAL;
	}
	for (d->type = types; strncmp(ch + 3, d->type->prefix, strlen(d->type->prefix));)
		d->type++;
	snprintf(d->root, sizeof(d->root), "%s", root);
	snprintf(d->device, sizeof(d->device), "%s", dev);
	snprintf(d->channel, sizeof(d->channel), "%s", ch);
	return 0;
}

static int iio_check(const char *source, char *why, unsigned int n)
{
	struct iio d = { 0 };
	enum src_blocking mode;
	struct src s;
	int rc = src_parse_syntax(&s, source, keys, why, n);

	return rc ? rc : iio_parse(&d, &s, &mode, why, n);
}

static int iio_open(const char *source, void **state, char *why, unsigned int n)
{
	enum src_blocking mode;
	struct src s;
	struct iio *d;
	int rc = src_parse(&s, source, keys, why, n);

	if (rc)
		return rc;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	rc = iio_parse(d, &s, &mode, why, n);
	if (!rc && resolve(d)) {
		snprintf(why, n, "no iio device '%s' with channel '%s' under %s",
			 d->device, d->channel, d->root);
		rc = -ENOENT;
	}
	if (!rc)
		d->bus = sysfs_decide_bus(mode, d->root, d->dir);
	if (rc) {
		free(d);
		return rc;
	}
	*state = d;
	return 0;
}

/* The channel in IIO units. */
static int iio_value(const struct iio *d, double *v)
{
	char f[SYSFS_PATH_MAX];
	long long raw;
	double offset, scale;
	int rc;

	snprintf(f, sizeof(f), "%s/%s_%s", d->dir, d->channel,
		 d->has_input ? "input" : "raw");
	if (d->has_input)
		return sysfs_read_double(f, v);
	if ((rc = sysfs_read_ll(f, &raw)) || (rc = read_attr(d, "offset", 0, &offset)) ||
	    (rc = read_attr(d, "scale", 1, &scale)))
		return rc;
	*v = ((double)raw + offset) * scale;
	return 0;
}

static int iio_read(void *state, uint64_t now_ms, double *value)
{
	struct iio *d = state;
	double v;
	int rc = iio_value(d, &v);

	(void)now_ms;
	if (rc == -ENOENT && !resolve(d))	/* renumbered */
		rc = iio_value(d, &v);
	if (rc)
		return rc;
	v *= d->type->scale;
	if (sysfs_range(v, d->type->lo, d->type->hi))
		return -ERANGE;
	*value = v;
	return 0;
}

static void iio_close(void *state)
{
	free(state);
}

static const char *iio_bus(void *state)
{
	return ((struct iio *)state)->bus;
}

const struct sensor_ops sensor_iio_ops = {
	.name = "iio",
	.open = iio_open,
	.read = iio_read,
	.close = iio_close,
	.slow_bus = iio_bus,
	.check = iio_check,
};
