/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "board/board.h"

const char *board_name(void)
{
	return "rpi";
}

const struct board_iface_hint *board_iface_hints(void)
{
	static const struct board_iface_hint hints[] = {
	{ "eth", BOARD_ROLE_ETHERNET },
	{ "end", BOARD_ROLE_ETHERNET },	/* Pi 5 / newer kernels name eth0 end0 */
	{ "wwan", BOARD_ROLE_CELLULAR },
	{ "usb", BOARD_ROLE_CELLULAR },	/* USB modems in RNDIS/ECM mode */
	{ "ppp", BOARD_ROLE_CELLULAR },
	{ NULL, BOARD_ROLE_UNKNOWN },
	};

	return hints;
}
