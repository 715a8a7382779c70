/* SPDX-License-Identifier: MIT */
/*
 * board/common/bme280.h - the BME280/BMP280 driver's entry for unit tests:
 * the driver on a fake register file (struct reg_io) instead of
 * /dev/i2c-N. The driver itself is sensor_bme280_ops (bme280.c).
 */
#ifndef BOARD_COMMON_BME280_H
#define BOARD_COMMON_BME280_H

#include "board/common/i2cdev.h"

/*
 * The driver's open on @io/@ctx instead of an i2c-dev bus: @source as for
 * the driver (bus= and addr= optional here). The state owns @ctx from here
 * on, also on failure. Errors as sensor_ops.open, and -ENOENT (@why says
 * so) when the chip id is neither BME280 (0x60) nor BMP280 (0x56..0x58).
 */
int bme280_open_io(const struct reg_io *io, void *ctx, const char *source,
		   void **state, char *why, unsigned int n);

#endif
