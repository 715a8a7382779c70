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

/* Whether the wall clock is synchronized to a time source: 1 yes, 0 no
 * (a board without an RTC boots at 1970 or at fake-hwclock's last save
 * and is wrong until NTP). Linux: the kernel's time status (adjtimex(2)
 * without STA_UNSYNC, set by ntpd, chrony and timesyncd once they slew;
 * any step such as `date -s` sets STA_UNSYNC again) or the flag file
 * systemd-timesyncd touches at its first sync (CLOCK_SYNC_FLAG_FILE: its
 * first step leaves STA_UNSYNC set until it next adjusts, and it keeps
 * the flag set with a local-time RTC). One syscall, and a stat() only
 * while the kernel says unsynchronized. */
#define CLOCK_SYNC_FLAG_FILE "/run/systemd/timesync/synchronized"
int clock_wall_synced(void);

/* 32 random bits for jitter (not for keys). */
uint32_t clock_random(void);

#endif
