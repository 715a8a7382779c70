/* SPDX-License-Identifier: MIT */
/* Register access through i2c-dev: see i2cdev.h. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/i2c.h>
#include <linux/i2c-dev.h>

#include "board/common/i2cdev.h"
#include "board/common/sysfs.h"

struct i2cdev {
	int fd;
	uint16_t addr;
};

static int xfer(struct i2cdev *d, struct i2c_msg *m, unsigned int n)
{
	struct i2c_rdwr_ioctl_data x = { .msgs = m, .nmsgs = n };

	return ioctl(d->fd, I2C_RDWR, &x) < 0 ? sysfs_errno(errno) : 0;
}

static int i2cdev_read(void *ctx, uint8_t reg, uint8_t *buf, size_t len)
{
	struct i2cdev *d = ctx;
	struct i2c_msg m[2] = {
		{ .addr = d->addr, .flags = 0, .len = 1, .buf = &reg },
		{ .addr = d->addr, .flags = I2C_M_RD, .len = (uint16_t)len, .buf = buf },
	};

	return xfer(d, m, 2);
}

static int i2cdev_write(void *ctx, uint8_t reg, uint8_t val)
{
	struct i2cdev *d = ctx;
	uint8_t b[2] = { reg, val };
	struct i2c_msg m = { .addr = d->addr, .flags = 0, .len = 2, .buf = b };

	return xfer(d, &m, 1);
}

static void i2cdev_delay(void *ctx, unsigned int us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = (long)(us % 1000000) * 1000 };

	(void)ctx;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void i2cdev_close(void *ctx)
{
	struct i2cdev *d = ctx;

	if (d) {
		close(d->fd);
		free(d);
	}
}

const struct reg_io i2cdev_io = {
	.read = i2cdev_read,
	.write = i2cdev_write,
	.delay_us = i2cdev_delay,
	.close = i2cdev_close,
};

int i2cdev_open(const char *root, unsigned int bus, unsigned int addr, void **ctx)
{
	char rel[32], path[SYSFS_PATH_MAX];
	struct i2cdev *d;
	int rc;

	snprintf(rel, sizeof(rel), "/dev/i2c-%u", bus);
	if (sysfs_join(path, sizeof(path), root, rel))
		return -ENAMETOOLONG;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->addr = (uint16_t)addr;
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0) {
		rc = errno == ENOENT || errno == EACCES ? -errno : -EIO;
		free(d);
		return rc;
	}
	/* I2C_RDWR ignores it, but I2C_SLAVE says if a kernel driver is bound */
	if (ioctl(d->fd, I2C_SLAVE, (unsigned long)addr) < 0) {
		rc = errno == EBUSY ? -EBUSY : -EIO;
		i2cdev_close(d);
		return rc;
	}
	*ctx = d;
	return 0;
}
