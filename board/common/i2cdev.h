/* SPDX-License-Identifier: MIT */
/*
 * board/common/i2cdev.h - register access to an I2C chip through the
 * kernel's i2c-dev (/dev/i2c-N), behind a small ops table so a unit test
 * can put a fake register file in its place.
 */
#ifndef BOARD_COMMON_I2CDEV_H
#define BOARD_COMMON_I2CDEV_H

#include <stddef.h>
#include <stdint.h>

struct reg_io {
	/* Read @len registers from @reg on. 0 or -errno. */
	int (*read)(void *ctx, uint8_t reg, uint8_t *buf, size_t len);
	/* Write one register. 0 or -errno. */
	int (*write)(void *ctx, uint8_t reg, uint8_t val);
	/* Wait for the chip (conversion time); a fake returns at once. */
	void (*delay_us)(void *ctx, unsigned int us);
	/* Release @ctx. */
	void (*close)(void *ctx);
};

/* Register access over /dev/i2c-N: combined write-read (I2C_RDWR, a
 * repeated start) for reads, one two-byte message for writes. */
extern const struct reg_io i2cdev_io;

/*
 * Open @root/dev/i2c-@bus for the 7-bit address @addr; *@ctx is for
 * i2cdev_io. -ENOENT no such bus, -EBUSY a kernel driver owns the address,
 * -EACCES, -EIO, -ENOMEM.
 */
int i2cdev_open(const char *root, unsigned int bus, unsigned int addr, void **ctx);

#endif
