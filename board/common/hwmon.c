/* SPDX-License-Identifier: MIT */
/*
 * hwmon: one input of a hardware-monitoring chip.
 *   chip=NAME,input=temp1[,root=/]   the hwmon device whose "name" is NAME
 *   path=/sys/class/hwmon/hwmon0/temp1_input[,root=/]
 * hwmon numbers change with probe order, so chip= is looked up by name, and
 * again when the device vanishes (module reloaded). The input's type gives
 * the scale (Documentation/hwmon/sysfs-interface.rst) and the unit:
 * temp Cel, in V, curr A, power W, fan 1/min, humidity %RH. A chip on a
 * slow bus (an I2C SHT3x, a 1-Wire sensor's hwmon) reads on the worker, an
 * on-SoC one on the loop; blocking=yes|no overrides what the bus says.
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/sensor.h"
#include "board/common/sysfs.h"

struct hw_type {
	const char *prefix;
	double scale, lo, hi;	/* sysfs unit -> SenML unit; physical range */
};

static const struct hw_type types[] = {
	{ "temp", 1e-3, -273.15, 2000 },	/* millidegree; thermocouples */
	{ "in", 1e-3, -1000, 1000 },		/* millivolt */
	{ "curr", 1e-3, -10000, 10000 },	/* milliampere */
	{ "power", 1e-6, -1e7, 1e7 },		/* microwatt */
	{ "fan", 1, 0, 1e6 },			/* RPM */
	{ "humidity", 1e-3, -5, 105 },		/* milli-percent */
};

struct hwmon {
	const struct hw_type *type;
	char root[SYSFS_PATH_MAX / 2], chip[64], input[64];
	char path[SYSFS_PATH_MAX];
	const char *bus;	/* slow_bus(): NULL = reads on the loop */
};

static const char *const keys[] = { "chip", "input", "path", "root", "blocking", NULL };

/* "temp1" or "temp1_input": the type by its prefix, then digits. */
static const struct hw_type *input_type(const char *name)
{
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t l = strlen(types[i].prefix);

		if (!strncmp(name, types[i].prefix, l) && isdigit((unsigned char)name[l]))
			return &types[i];
	}
	return NULL;
}

/* Find the chip by name and make the input's path. -ENOENT, -ENAMETOOLONG. */
static int resolve(struct hwmon *h)
{
	char dir[SYSFS_PATH_MAX - 80];
	int rc = sysfs_find_by_name(h->root, "/sys/class/hwmon", "hwmon", h->chip,
				    dir, sizeof(dir));

	if (rc)
		return rc;
	snprintf(h->path, sizeof(h->path), "%s/%s%s", dir, h->input,
		 strchr(h->input, '_') ? "" : "_input");
	return access(h->path, R_OK) ? -ENOENT : 0;
}

/* The source's syntax, into @h; no file is touched. */
static int hwmon_parse(struct hwmon *h, const struct src *s, enum src_blocking *mode,
		       char *why, unsigned int n)
{
	const char *root, *path = src_get(s, "path"), *chip = src_get(s, "chip");
	const char *input = src_get(s, "input"), *base;
	int rc;

	if ((rc = src_root(s, &root, why, n)) || (rc = src_name(s, "chip", why, n)) ||
	    (rc = src_name(s, "input", why, n)) || (rc = src_blocking(s, mode, why, n)))
		return rc;
	if (!path == !(chip && input) || (path && (chip || input))) {
		snprintf(why, n, "give chip=NAME,input=temp1 or path=FILE");
		return -EINVAL;
	}
	base = path ? (strrchr(path, '/') ? strrchr(path, '/') + 1 : path) : input;
	h->type = input_type(base);
	if (!h->type || (path && !strchr(base, '_'))) {
		snprintf(why, n, "'%s': expected an input like temp1, in0, curr1, "
			 "power1, fan1 or humidity1", base);
		return -EINVAL;
	}
	snprintf(h->root, sizeof(h->root), "%s", root);
	if (path) {
		if (path[0] != '/' || sysfs_join(h->path, sizeof(h->path), root, path)) {
			snprintf(why, n, "path='%s': expected an absolute path", path);
			return -EINVAL;
		}
		return 0;
	}
	snprintf(h->chip, sizeof(h->chip), "%s", chip);
	snprintf(h->input, sizeof(h->input), "%s", input);
	return 0;
}

/* Find the input on this board and decide where it reads. */
static int hwmon_bind(struct hwmon *h, enum src_blocking mode, char *why, unsigned int n)
{
	char dir[SYSFS_PATH_MAX];

	if (!h->chip[0] && access(h->path, R_OK)) {
		snprintf(why, n, "%s: no such hwmon input", h->path);
		return -ENOENT;
	}
	if (h->chip[0] && resolve(h)) {
		snprintf(why, n, "no hwmon chip '%s' with input '%s' under %s",
			 h->chip, h->input, h->root);
		return -ENOENT;
	}
	snprintf(dir, sizeof(dir), "%s", h->path);
	*strrchr(dir, '/') = 0;		/* the hwmonN directory */
	h->bus = sysfs_decide_bus(mode, h->root, dir);
	return 0;
}

static int hwmon_check(const char *source, char *why, unsigned int n)
{
	struct hwmon h = { 0 };
	enum src_blocking mode;
	struct src s;
	int rc = src_parse_syntax(&s, source, keys, why, n);

	return rc ? rc : hwmon_parse(&h, &s, &mode, why, n);
}

static int hwmon_open(const char *source, void **state, char *why, unsigned int n)
{
	enum src_blocking mode;
	struct src s;
	struct hwmon *h;
	int rc = src_parse(&s, source, keys, why, n);

	if (rc)
		return rc;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	rc = hwmon_parse(h, &s, &mode, why, n);
	if (!rc)
		rc = hwmon_bind(h, mode, why, n);
	if (rc) {
		free(h);
		return rc;
	}
	*state = h;
	return 0;
}

static int hwmon_read(void *state, uint64_t now_ms, double *value)
{
	struct hwmon *h = state;
	long long raw;
	double v;
	int rc = sysfs_read_ll(h->path, &raw);

	(void)now_ms;
	if (rc == -ENOENT && h->chip[0] && !resolve(h))	/* renumbered */
		rc = sysfs_read_ll(h->path, &raw);
	if (rc)
		return rc;
	v = (double)raw * h->type->scale;
	if (sysfs_range(v, h->type->lo, h->type->hi))
		return -ERANGE;
	*value = v;
	return 0;
}

static void hwmon_close(void *state)
{
	free(state);
}

static const char *hwmon_bus(void *state)
{
	return ((struct hwmon *)state)->bus;
}

const struct sensor_ops sensor_hwmon_ops = {
	.name = "hwmon",
	.open = hwmon_open,
	.read = hwmon_read,
	.close = hwmon_close,
	.slow_bus = hwmon_bus,
	.check = hwmon_check,
};
