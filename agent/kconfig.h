/* SPDX-License-Identifier: MIT */
/*
 * IS_ENABLED(CONFIG_X): 1 if the Kconfig bool is y, else 0, usable in plain
 * `if` so both branches are always compiled (the Linux kernel's trick).
 */
#ifndef AGENT_KCONFIG_H
#define AGENT_KCONFIG_H

#define KC_ARG_PLACEHOLDER_1 0,
#define KC_TAKE_SECOND(ignored, val, ...) val
#define KC_IS_DEFINED3(junk_or_placeholder) KC_TAKE_SECOND(junk_or_placeholder 1, 0, 0)
#define KC_IS_DEFINED2(val) KC_IS_DEFINED3(KC_ARG_PLACEHOLDER_##val)
#define IS_ENABLED(option) KC_IS_DEFINED2(option)

#include "agent/check_config.h"

#endif
