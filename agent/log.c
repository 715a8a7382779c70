/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "agent/log.h"
#include "port/clock.h"
#include "port/log.h"

static int levels[LOGM_N] = { LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO,
			      LOG_INFO, LOG_INFO, LOG_INFO };
#define LOG_LINE_MAX_AGENT 1024	/* a cleaned line: \xHH makes it grow */

static const char *const modules[LOGM_N] = { "main", "config", "assoc",
					     "paths", "sampler", "cmd",
					     "outbox" };

void log_set_level(int level)
{
	for (int i = 0; i < LOGM_N; i++)
		levels[i] = level;
}

void log_set_module_level(enum log_module m, int level)
{
	if (m < LOGM_N)
		levels[m] = level;
}

int log_level_of(enum log_module m)
{
	return m < LOGM_N ? levels[m] : LOG_ERR;
}

const char *log_level_name(int level)
{
	static const char *const n[] = { "error", "warn", "info", "debug", "trace" };

	return level >= 0 && level <= LOG_TRACE ? n[level] : "?";
}

/* One event, one line, and nothing a terminal or the journal would act
 * on: a newline becomes a blank, other control bytes and non-ASCII bytes
 * (from a config value, a device's name) are written as \xHH. */
static size_t clean(char *out, size_t size, const char *in)
{
	size_t o = 0;

	for (; *in && o + 1 < size; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = ' ';
		} else {
			if (o + 5 >= size)
				break;
			snprintf(out + o, 5, "\\x%02x", c);
			o += 4;
		}
	}
	out[o] = 0;
	return o;
}

/* --- rate limit ------------------------------------------------------------ */

struct rl_key {
	uint32_t hash;		/* 0 = free */
	uint64_t start_ms;	/* its window began */
	uint32_t passed, suppressed;
	enum log_module m;
	int level;
	char last[LOG_RL_TEXT];	/* the last suppressed line (cleaned) */
};

static struct {
	atomic_flag lock;
	unsigned int burst;
	uint32_t window_ms;
	int unlimited;
	struct rl_key keys[LOG_RL_KEYS];
	struct log_rl_stats st;
} rl = { .lock = ATOMIC_FLAG_INIT, .burst = 10, .window_ms = 60000 };

static void rl_lock(void)
{
	while (atomic_flag_test_and_set_explicit(&rl.lock, memory_order_acquire))
		;
}

static void rl_unlock(void)
{
	atomic_flag_clear_explicit(&rl.lock, memory_order_release);
}

void log_set_ratelimit(unsigned int burst, uint32_t window_ms)
{
	rl_lock();
	rl.burst = burst;
	rl.window_ms = window_ms;
	memset(rl.keys, 0, sizeof(rl.keys));	/* windows start again */
	rl_unlock();
}

void log_unlimited(bool on)
{
	rl_lock();
	rl.unlimited += on ? 1 : rl.unlimited > 0 ? -1 : 0;
	rl_unlock();
}

void log_get_rl_stats(struct log_rl_stats *st)
{
	rl_lock();
	*st = rl.st;
	rl_unlock();
}

/* FNV-1a of the call site and the text with its numbers masked: a digit
 * run counts as one '#' unless it ends a word (eth0, ctrl12, w1). */
static uint32_t key_of(const char *site, const char *text)
{
	uint32_t h = 2166136261u;
	uintptr_t p = (uintptr_t)site;
	bool word = false, masked = false;

	for (unsigned int i = 0; i < sizeof(p); i++, p >>= 8)
		h = (h ^ (uint8_t)p) * 16777619u;
	for (; *text; text++) {
		char c = *text;
		bool digit = c >= '0' && c <= '9';

		if (digit && !word) {
			if (!masked)
				h = (h ^ (uint8_t)'#') * 16777619u;
			masked = true;
			continue;
		}
		masked = false;
		word = digit || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
		h = (h ^ (uint8_t)c) * 16777619u;
	}
	return h ? h : 1;
}

/* One "suppressed" line for @k, which then ends. Under the lock; the
 * text goes into @out (written by the caller once the lock is gone). */
static size_t summary(struct rl_key *k, uint64_t now, char *out, size_t cap, int *level)
{
	int n = 0;

	if (k->suppressed) {
		n = snprintf(out, cap, "%s: suppressed %u similar line%s in %llu s, the last: %s",
			     modules[k->m], k->suppressed, k->suppressed == 1 ? "" : "s",
			     (unsigned long long)((now - k->start_ms + 999) / 1000), k->last);
		*level = k->level;
		rl.st.summaries++;
	}
	k->hash = 0;
	return n > 0 ? ((size_t)n < cap ? (size_t)n : cap - 1) : 0;
}

/* The key's slot, or a free one, or the one whose window began first. */
static struct rl_key *find_key(uint32_t h)
{
	struct rl_key *old = &rl.keys[0];

	for (unsigned int i = 0; i < LOG_RL_KEYS; i++) {
		if (rl.keys[i].hash == h)
			return &rl.keys[i];
		if (old->hash && (!rl.keys[i].hash || rl.keys[i].start_ms < old->start_ms))
			old = &rl.keys[i];
	}
	return old;
}

/* Decide for one line: true = write it. A summary that must come first
 * (its window ended, or its slot is taken over) is put in @sum. */
static bool admit(enum log_module m, int level, uint32_t h, const char *line,
		  uint64_t now, char *sum, size_t *sum_len, int *sum_level)
{
	struct rl_key *k;
	bool pass = true;

	rl_lock();
	if (rl.burst && !rl.unlimited) {
		k = find_key(h);
		if (k->hash && (k->hash != h || now - k->start_ms >= rl.window_ms))
			*sum_len = summary(k, now, sum, LOG_LINE_MAX_AGENT, sum_level);
		if (!k->hash)
			*k = (struct rl_key){ .hash = h, .start_ms = now, .m = m, .level = level };
		if (k->passed < rl.burst) {
			k->passed++;
		} else {
			pass = false;
			k->suppressed++;
			rl.st.suppressed++;
			snprintf(k->last, sizeof(k->last), "%s", line);
		}
	}
	rl_unlock();
	return pass;
}

void log_tick(uint64_t now_ms)
{
	for (unsigned int i = 0; i < LOG_RL_KEYS; i++) {
		char sum[LOG_LINE_MAX_AGENT];
		size_t n = 0;
		int level = LOG_INFO;

		rl_lock();
		if (rl.keys[i].hash && now_ms - rl.keys[i].start_ms >= rl.window_ms)
			n = summary(&rl.keys[i], now_ms, sum, sizeof(sum), &level);
		rl_unlock();
		if (n)
			port_log_write(level, sum, n);
	}
}

/* --- lines ------------------------------------------------------------------ */

void log_msg(enum log_module m, int level, const char *fmt, ...)
{
	char line[512], out[LOG_LINE_MAX_AGENT], sum[LOG_LINE_MAX_AGENT];
	size_t n_out, n_sum = 0;
	int n, sum_level = level;
	bool pass;
	va_list ap;

	if (m >= LOGM_N)
		m = LOGM_MAIN;
	n = snprintf(line, sizeof(line), "%s: ", modules[m]);
	if (n < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	n_out = clean(out, sizeof(out), line);
	pass = admit(m, level, key_of(fmt, line + n), out + n, clock_mono_ms(), sum,
		     &n_sum, &sum_level);
	if (n_sum)	/* what an ended window held back comes first */
		port_log_write(sum_level, sum, n_sum);
	if (pass)
		port_log_write(level, out, n_out);
}
