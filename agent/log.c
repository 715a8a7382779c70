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

void log_msg(enum log_module m, int level, const char *fmt, ...)
{
	char line[512];
	int n;
	va_list ap;

	n = snprintf(line, sizeof(line), "%s: ", m < LOGM_N ? modules[m] : "?");
	if (n < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	for (n = 0; line[n]; n++)
		if (line[n] == '\n')
			line[n] = ' ';	/* one event, one line */
	port_log_write(level, line, (size_t)n);
}
