/* SPDX-License-Identifier: MIT */
/*
 * ds18b20: a 1-Wire thermometer through the kernel's w1_therm driver.
 *   id=28-00000abcdef0[,root=/]      /sys/bus/w1/devices/<id>/
 * Newer kernels (5.9+) have "temperature" (millidegrees); older ones only
 * "w1_slave", two lines of scratchpad bytes:
 *   72 01 4b 46 7f ff 0e 10 57 : crc=57 YES
 *   72 01 4b 46 7f ff 0e 10 57 t=23125
 * A read blocks in the kernel for the conversion (up to 750 ms at 12 bits).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/sensor.h"
#include "board/common/sysfs.h"

#define T_MIN -55.0		/* the datasheet's measuring range */
#define T_MAX 125.0
#define POWER_ON 85000		/* scratchpad reset value: no conversion yet */

struct ds18b20 {
	char temperature[SYSFS_PATH_MAX], w1_slave[SYSFS_PATH_MAX];
};

/* "HH-HHHHHHHHHHHH": family code, 48-bit serial. */
static int valid_id(const char *id)
{
	if (strlen(id) != 15 || id[2] != '-')
		return 0;
	for (int i = 0; i < 15; i++)
		if (i != 2 && !strchr("0123456789abcdefABCDEF", id[i]))
			return 0;
	return 1;
}

static const char *const keys[] = { "id", "root", NULL };

static int ds_parse(const struct src *s, const char **root, const char **id,
		    char *why, unsigned int n)
{
	int rc = src_root(s, root, why, n);

	if (rc)
		return rc;
	*id = src_get(s, "id");
	if (!*id || !valid_id(*id)) {
		snprintf(why, n, "id='%s': expected a 1-Wire id like 28-00000abcdef0",
			 *id ? *id : "");
		return -EINVAL;
	}
	return 0;
}

static int ds_check(const char *source, char *why, unsigned int n)
{
	const char *root, *id;
	struct src s;
	int rc = src_parse_syntax(&s, source, keys, why, n);

	return rc ? rc : ds_parse(&s, &root, &id, why, n);
}

static int ds_open(const char *source, void **state, char *why, unsigned int n)
{
	struct src s;
	struct ds18b20 *d;
	const char *root, *id;
	char dir[SYSFS_PATH_MAX - 32];
	int rc = src_parse(&s, source, keys, why, n);

	if (rc || (rc = ds_parse(&s, &root, &id, why, n)))
		return rc;
	snprintf(dir, sizeof(dir), "/sys/bus/w1/devices/%s", id);
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	if (sysfs_join(d->temperature, sizeof(d->temperature), root, dir) ||
	    access(d->temperature, F_OK)) {
		snprintf(why, n, "1-Wire device %s not found under %s", id, root);
		free(d);
		return -ENOENT;
	}
	snprintf(d->w1_slave, sizeof(d->w1_slave), "%s/w1_slave", d->temperature);
	strcat(d->temperature, "/temperature");
	*state = d;
	return 0;
}

/* The millidegrees of a w1_slave text. -EIO bad CRC or garbled. */
static int parse_w1_slave(char *buf, long long *milli)
{
	char *nl = strchr(buf, '\n'), *t;

	if (!nl)
		return -EIO;
	*nl = 0;
	if (strlen(buf) < 3 || strcmp(buf + strlen(buf) - 3, "YES"))
		return -EIO;		/* CRC mismatch: a noisy bus */
	/* all-zero scratchpad has a "valid" CRC: a sensor that lost power */
	if (!strncmp(buf, "00 00 00 00 00 00 00 00 00", 26))
		return -EIO;
	t = strstr(nl + 1, "t=");
	return t ? sysfs_parse_ll(t + 2, milli) : -EIO;
}

static int ds_read(void *state, uint64_t now_ms, double *value)
{
	struct ds18b20 *d = state;
	char buf[256];
	long long milli;
	int rc;

	(void)now_ms;
	if (!access(d->temperature, F_OK)) {
		rc = sysfs_read_ll(d->temperature, &milli);
	} else {
		rc = sysfs_read_str(d->w1_slave, buf, sizeof(buf));
		if (!rc)
			rc = parse_w1_slave(buf, &milli);
	}
	if (rc)
		return rc;
	if (milli == POWER_ON)
		return -EAGAIN;
	if (sysfs_range((double)milli / 1000.0, T_MIN, T_MAX))
		return -ERANGE;
	*value = (double)milli / 1000.0;
	return 0;
}

static void ds_close(void *state)
{
	free(state);
}

const struct sensor_ops sensor_ds18b20_ops = {
	.name = "ds18b20",
	.open = ds_open,
	.read = ds_read,
	.close = ds_close,
	.check = ds_check,
	.blocking = true,	/* the kernel (or we) wait for the conversion */
};
