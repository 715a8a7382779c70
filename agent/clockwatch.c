/* SPDX-License-Identifier: MIT */
/*
 * Wall-clock steps and sync state (see clockwatch.h).
 */
#include <errno.h>
#include <stdlib.h>

#include "agent/clockwatch.h"
#include "agent/log.h"
#include "port/clock.h"

struct clockwatch {
	uint32_t jump_ms;
	int64_t offset_ms;	/* wall - monotonic at the last tick */
	struct clockwatch_stats st;
};

static int64_t offset_now(void)
{
	uint64_t mono = clock_mono_ms();

	return clock_wall_ms() - (int64_t)mono;
}

static void note_sync(struct clockwatch *cw, bool synced)
{
	if (synced == cw->st.synced)
		return;
	cw->st.synced = synced;
	if (synced)
		LOG(LOGM_MAIN, LOG_INFO, "clock: the wall clock is synchronized; "
		    "readings are no longer flagged unsync");
	else
		LOG(LOGM_MAIN, LOG_WARN, "clock: the wall clock is not synchronized "
		    "(no NTP yet, or it was set by hand): readings are flagged unsync "
		    "until it is");
}

int clockwatch_create(uint32_t jump_ms, struct clockwatch **out)
{
	struct clockwatch *cw = calloc(1, sizeof(*cw));

	if (!cw)
		return -ENOMEM;
	cw->jump_ms = jump_ms;
	cw->offset_ms = offset_now();
	cw->st.synced = true;	/* say so at once if it is not */
	note_sync(cw, clock_wall_synced() == 1);
	*out = cw;
	return 0;
}

void clockwatch_destroy(struct clockwatch *cw)
{
	free(cw);
}

static void log_jump(int64_t d)
{
	uint64_t a = d < 0 ? (uint64_t)-d : (uint64_t)d;

	LOG(LOGM_MAIN, LOG_WARN, "clock: the wall clock jumped %s by %llu.%03u s "
	    "(now %lld ms since 1970); readings keep the time they were taken at",
	    d < 0 ? "back" : "forward", (unsigned long long)(a / 1000),
	    (unsigned int)(a % 1000), (long long)clock_wall_ms());
}

void clockwatch_tick(struct clockwatch *cw)
{
	int64_t off = offset_now(), d = off - cw->offset_ms;

	cw->offset_ms = off;
	if (d > (int64_t)cw->jump_ms || d < -(int64_t)cw->jump_ms) {
		cw->st.jumps++;
		cw->st.last_jump_ms = d;
		log_jump(d);
	}
	note_sync(cw, clock_wall_synced() == 1);
}

bool clockwatch_reading(struct clockwatch *cw)
{
	bool synced = clock_wall_synced() == 1;

	note_sync(cw, synced);
	cw->st.unsynced += !synced;
	return !synced;
}

void clockwatch_get_stats(const struct clockwatch *cw, struct clockwatch_stats *st)
{
	*st = cw->st;
}

void clockwatch_log_status(const struct clockwatch *cw)
{
	LOG(LOGM_MAIN, LOG_INFO, "clock: %s, %llu jumps (last %lld ms), %llu readings "
	    "flagged unsync", cw->st.synced ? "synchronized" : "NOT synchronized",
	    (unsigned long long)cw->st.jumps, (long long)cw->st.last_jump_ms,
	    (unsigned long long)cw->st.unsynced);
}
