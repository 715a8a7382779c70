/* SPDX-License-Identifier: MIT */
/*
 * port/clock.h - time for the core. The fake port lets a test set it.
 */
#ifndef PORT_CLOCK_H
#define PORT_CLOCK_H

#include <stdint.h>

/* Monotonic milliseconds since an arbitrary start; never goes back. */
uint64_t clock_mono_ms(void);

/* Wall clock, milliseconds since the Unix epoch (may jump). */
int64_t clock_wall_ms(void);

/* 32 random bits for jitter (not for keys). */
uint32_t clock_random(void);

#endif
