/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>

#include "agent/log.h"
#include "port/log.h"

static int levels[LOGM_N] = { LOG_INFO, LOG_INFO, LOG_INFO, LOG_INFO,
			      LOG_INFO, LOG_INFO, LOG_INFO };
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

void log_msg(enum log_module m, int level, const char *fmt, ...)
{
	char line[512], out[1024];
	int n;
	va_list ap;

	n = snprintf(line, sizeof(line), "%s: ", m < LOGM_N ? modules[m] : "?");
	if (n < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	port_log_write(level, out, clean(out, sizeof(out), line));
}
