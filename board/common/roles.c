/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "board/board.h"

enum board_role board_iface_role(const char *ifname)
{
	const struct board_iface_hint *h = board_iface_hints();

	for (; h->prefix; h++)
		if (!strncmp(ifname, h->prefix, strlen(h->prefix)))
			return h->role;
	return BOARD_ROLE_UNKNOWN;
}
