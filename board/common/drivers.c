/* SPDX-License-Identifier: MIT */
/* The sensor drivers compiled into this build, by name. */
#include <stddef.h>
#include <string.h>

#include "agent/sensor.h"
#include "board/board.h"

extern const struct sensor_ops sensor_sim_ops, sensor_thermal_ops,
	sensor_hwmon_ops, sensor_iio_ops, sensor_ds18b20_ops,
	sensor_bme280_ops, sensor_gpio_ops, sensor_sim_slow_ops;

static const struct sensor_ops *const drivers[] = {
	&sensor_sim_ops, &sensor_thermal_ops, &sensor_hwmon_ops, &sensor_iio_ops,
	&sensor_ds18b20_ops, &sensor_bme280_ops, &sensor_gpio_ops,
	&sensor_sim_slow_ops,
};
#define N_DRIVERS (sizeof(drivers) / sizeof(drivers[0]))

const char *const *board_sensor_drivers(void)
{
	static const char *names[N_DRIVERS + 1];

	for (size_t i = 0; i < N_DRIVERS; i++)
		names[i] = drivers[i]->name;
	return names;
}

const struct sensor_ops *board_sensor_driver(const char *name)
{
	for (size_t i = 0; i < N_DRIVERS; i++)
		if (!strcmp(drivers[i]->name, name))
			return drivers[i];
	return NULL;
}
