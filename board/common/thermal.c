/* SPDX-License-Identifier: MIT */
/*
 * thermal: a kernel thermal zone (the Pi's CPU temperature is zone 0).
 *   zone=0[,root=/]      /sys/class/thermal/thermal_zone0/temp
 *   path=/sys/...[,root=/]
 * The attribute is millidegrees Celsius; the reading is in Cel. A zone of
 * an SoC reads fast, on the loop; one whose device hangs off a slow bus
 * (an I2C sensor registered as a zone) reads on the worker, and
 * blocking=yes|no overrides what the bus says.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/sensor.h"
#include "board/common/sysfs.h"

/* Silicon outside this is a broken zone, not a temperature. */
#define T_MIN -100.0
#define T_MAX 250.0

struct thermal {
	char path[SYSFS_PATH_MAX];
	const char *bus;	/* slow_bus(): NULL = reads on the loop */
};

static const char *const keys[] = { "zone", "path", "root", "blocking", NULL };

static int thermal_path(const struct src *s, char *out, size_t size,
			char *why, unsigned int n)
{
	const char *root, *path = src_get(s, "path");
	unsigned long zone = 0;
	char rel[64];
	int rc;

	if ((rc = src_root(s, &root, why, n)) ||
	    (rc = src_uint(s, "zone", 9999, &zone, why, n)))
		return rc;
	if (!path == !src_get(s, "zone")) {
		snprintf(why, n, "give exactly one of zone=N or path=FILE");
		return -EINVAL;
	}
	if (!path) {
		snprintf(rel, sizeof(rel), "/sys/class/thermal/thermal_zone%lu/temp", zone);
		path = rel;
	} else if (path[0] != '/') {
		snprintf(why, n, "path='%s': expected an absolute path", path);
		return -EINVAL;
	}
	if (sysfs_join(out, size, root, path)) {
		snprintf(why, n, "path too long");
		return -EINVAL;
	}
	if (s->syntax_only)
		return 0;
	if (access(out, R_OK)) {
		snprintf(why, n, "%s: %s", out, "no such thermal zone");
		return -ENOENT;
	}
	return 0;
}

static int thermal_check(const char *source, char *why, unsigned int n)
{
	char path[SYSFS_PATH_MAX];
	enum src_blocking mode;
	struct src s;
	int rc = src_parse_syntax(&s, source, keys, why, n);

	if (!rc)
		rc = src_blocking(&s, &mode, why, n);
	return rc ? rc : thermal_path(&s, path, sizeof(path), why, n);
}

static int thermal_open(const char *source, void **state, char *why, unsigned int n)
{
	enum src_blocking mode;
	const char *root;
	char dir[SYSFS_PATH_MAX];
	struct src s;
	struct thermal *t;
	int rc = src_parse(&s, source, keys, why, n);

	if (rc || (rc = src_blocking(&s, &mode, why, n)))
		return rc;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	rc = thermal_path(&s, t->path, sizeof(t->path), why, n);
	if (rc) {
		free(t);
		return rc;
	}
	src_root(&s, &root, why, n);
	snprintf(dir, sizeof(dir), "%s", t->path);
	*strrchr(dir, '/') = 0;		/* the zone (or device) directory */
	t->bus = sysfs_decide_bus(mode, root, dir);
	*state = t;
	return 0;
}

static const char *thermal_bus(void *state)
{
	return ((struct thermal *)state)->bus;
}

static int thermal_read(void *state, uint64_t now_ms, double *value)
{
	struct thermal *t = state;
	long long milli;
	int rc = sysfs_read_ll(t->path, &milli);

	(void)now_ms;
	if (rc)
		return rc;
	if (sysfs_range((double)milli / 1000.0, T_MIN, T_MAX))
		return -ERANGE;
	*value = (double)milli / 1000.0;
	return 0;
}

static void thermal_close(void *state)
{
	free(state);
}

const struct sensor_ops sensor_thermal_ops = {
	.name = "thermal",
	.open = thermal_open,
	.read = thermal_read,
	.close = thermal_close,
	.slow_bus = thermal_bus,
	.check = thermal_check,
};
