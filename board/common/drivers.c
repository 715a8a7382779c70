/* SPDX-License-Identifier: MIT */
/* The sensor drivers compiled into this build. */
#include <stddef.h>

#include "board/board.h"

const char *const *board_sensor_drivers(void)
{
	static const char *const names[] = { "simulated", NULL };

	return names;
}
