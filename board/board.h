/* SPDX-License-Identifier: MIT */
/*
 * board/board.h - what a board provides to the core. One board = one
 * folder (board/<name>/) chosen by Kconfig; the core never names a board.
 */
#ifndef BOARD_BOARD_H
#define BOARD_BOARD_H

enum board_role { BOARD_ROLE_UNKNOWN, BOARD_ROLE_ETHERNET, BOARD_ROLE_CELLULAR };

struct board_iface_hint {
	const char *prefix;		/* interface name prefix, e.g. "wwan" */
	enum board_role role;
};

/* Board name as shown by --version and in HELLO. */
const char *board_name(void);

/* Interface role hints, terminated by a NULL prefix. */
const struct board_iface_hint *board_iface_hints(void);

/* Role of interface @ifname by the board's hints. */
enum board_role board_iface_role(const char *ifname);

/* Sensor driver names this build has, NULL-terminated. */
const char *const *board_sensor_drivers(void);

#endif
