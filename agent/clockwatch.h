/* SPDX-License-Identifier: MIT */
/*
 * agent/clockwatch.h - is the wall clock trustworthy, and did it jump?
 *
 * A Pi has no RTC: it boots at 1970 (or at fake-hwclock's last save) and
 * is stepped when NTP first answers, often minutes later on cellular.
 * Readings keep the wall time they were taken at (that is what a
 * controller stores), so the agent says which ones were taken before the
 * clock was synchronized (the READINGS record label "unsync", see
 * docs/PROTOCOL.md) and logs every step of the wall clock.
 *
 * A step shows as a change of (wall - monotonic) between two ticks; a
 * slewing NTP moves it by at most 0.5 ms per s, so any change beyond
 * @jump_ms is a step: logged at warn with its direction and size, and
 * counted. Changes of the sync state are logged at info (unsynchronized
 * at warn). Owned by the agent; one loop thread.
 */
#ifndef AGENT_CLOCKWATCH_H
#define AGENT_CLOCKWATCH_H

#include <stdbool.h>
#include <stdint.h>

struct clockwatch;

struct clockwatch_stats {
	bool synced;		/* at the last look */
	uint64_t jumps;		/* steps beyond the threshold */
	int64_t last_jump_ms;	/* the last one: > 0 forward, < 0 back */
	uint64_t unsynced;	/* readings flagged (clockwatch_reading()) */
};

/* Takes the first look (logs if the clock is not synchronized).
 * -ENOMEM. */
int clockwatch_create(uint32_t jump_ms, struct clockwatch **out);
void clockwatch_destroy(struct clockwatch *cw);

/* One loop tick: compares (wall - monotonic) with the last tick's and
 * looks at the sync state. */
void clockwatch_tick(struct clockwatch *cw);

/* For a reading taken now: true when its wall time is unsynchronized
 * (asks the port each time, so a step between ticks is seen; counted). */
bool clockwatch_reading(struct clockwatch *cw);

void clockwatch_get_stats(const struct clockwatch *cw, struct clockwatch_stats *st);

/* One status line (SIGUSR1). */
void clockwatch_log_status(const struct clockwatch *cw);

#endif
