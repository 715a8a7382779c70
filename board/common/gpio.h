/* SPDX-License-Identifier: MIT */
/*
 * board/common/gpio.h - the gpio driver's access to the GPIO character
 * device, behind an ops table so unit tests run it on a fake chip. The
 * driver itself is sensor_gpio_ops (gpio.c).
 */
#ifndef BOARD_COMMON_GPIO_H
#define BOARD_COMMON_GPIO_H

#include <stdint.h>

struct gpio_io {
	/* Open the chip device @path: a handle >= 0 or -errno. */
	int (*open_chip)(void *ctx, const char *path);
	/* How many lines the chip has, or -errno (-ENOTTY: not a GPIO chip). */
	int (*chip_lines)(void *ctx, int chip);
	/* Request line @offset as input with GPIO_V2_LINE_FLAG_* @flags: a
	 * line handle >= 0 or -errno (-EBUSY: another consumer has it). */
	int (*request)(void *ctx, int chip, unsigned int offset, uint64_t flags);
	/* The line's logical value (active_low applied): 0, 1 or -errno. */
	int (*get)(void *ctx, int line);
	/* Consume the line's pending edge events (non-blocking): how many,
	 * or -errno. */
	int (*drain)(void *ctx, int line);
	void (*close)(void *ctx, int handle);
};

/* The kernel's GPIO uAPI v2 (Linux 5.10+): ioctls on /dev/gpiochipN. */
extern const struct gpio_io gpio_uapi;

/* The driver's open on @io/@ctx (tests); @source as for the driver. */
int gpio_open_io(const struct gpio_io *io, void *ctx, const char *source,
		 void **state, char *why, unsigned int n);

#endif
