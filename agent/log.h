/* SPDX-License-Identifier: MIT */
/*
 * agent/log.h - leveled logging with a level per module. Lines go to
 * port_log_write() (which stamps them: wall clock, or the journal's
 * priority prefix). Messages above CONFIG_LOG_LEVEL are compiled out.
 *
 * Repeated lines are rate-limited, so a link that flaps all night on a
 * board cannot fill the journal (or a cellular log shipper) with the same
 * three lines: lines are "the same" when they come from one call site and
 * differ only in numbers (counters, ids, addresses: a digit run that does
 * not follow a letter; "eth0", "ctrl2" and "w1" keep their identity).
 * Each such key may pass @burst lines per window of @window_ms (the
 * window starts at its first line); the rest are counted, and one line
 * "suppressed N similar lines in S s, the last: ..." is written at the
 * key's level when the window ends (log_tick()) or, at the latest,
 * before the next line of that key passes. Keys are tracked in a small
 * table (LOG_RL_KEYS); a key evicted from it says what it suppressed
 * first, so no count is lost.
 *
 * Calls are safe from any thread (the table takes a spin lock held only
 * while it is looked up).
 */
#ifndef AGENT_LOG_H
#define AGENT_LOG_H

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_ERR, LOG_WARN, LOG_INFO, LOG_DEBUG, LOG_TRACE };

enum log_module { LOGM_MAIN, LOGM_CONFIG, LOGM_ASSOC, LOGM_PATHS, LOGM_SAMPLER,
		  LOGM_CMD, LOGM_OUTBOX, LOGM_N };

/* Run-time level for every module / one module. */
void log_set_level(int level);
void log_set_module_level(enum log_module m, int level);
int log_level_of(enum log_module m);

void log_msg(enum log_module m, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

const char *log_level_name(int level);

#define LOG_RL_KEYS 32		/* keys rate-limited at once */
#define LOG_RL_TEXT 160		/* bytes of the last suppressed line kept */

/* @burst lines per @window_ms and key; @burst 0 = no limit. The default
 * is 10 per 60 s ([agent] log_burst, log_window_ms). Forgets the keys
 * (and what they suppressed: flush with log_tick() first). */
void log_set_ratelimit(unsigned int burst, uint32_t window_ms);

/* Let every line through until log_unlimited(false): a status dump asked
 * for (SIGUSR1, status_interval_ms) is never cut. Nests. */
void log_unlimited(bool on);

/* Close the windows that ended by monotonic time @now_ms, writing their
 * "suppressed" lines. The agent calls it from its 1 s tick. */
void log_tick(uint64_t now_ms);

struct log_rl_stats {
	uint64_t suppressed;	/* lines not written, since the start */
	uint64_t summaries;	/* "suppressed N" lines written */
};
void log_get_rl_stats(struct log_rl_stats *st);

#define LOG(m, lvl, ...)                                              \
	do {                                                          \
		if ((lvl) <= CONFIG_LOG_LEVEL && (lvl) <= log_level_of(m)) \
			log_msg((m), (lvl), __VA_ARGS__);             \
	} while (0)

#endif
