/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "board/board.h"

const char *board_name(void)
{
	return "host";
}

const struct board_iface_hint *board_iface_hints(void)
{
	static const struct board_iface_hint hints[] = {
	{ "eth", BOARD_ROLE_ETHERNET },
	{ "en", BOARD_ROLE_ETHERNET },
	{ "wwan", BOARD_ROLE_CELLULAR },
	{ "ww", BOARD_ROLE_CELLULAR },
	{ NULL, BOARD_ROLE_UNKNOWN },
	};

	return hints;
}
