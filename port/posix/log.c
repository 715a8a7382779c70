// SPDX-License-Identifier: MIT
/*
 * port/posix/log.c - log lines to stderr with a monotonic timestamp.
 * One write() per line: lines from several processes sharing stderr (the
 * agent and a test controller under a supervisor) never interleave.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "port/clock.h"
#include "port/log.h"

/* Longer lines are cut; "..." marks the cut. */
#define LOG_LINE_MAX 1024

void port_log_write(int level, const char *line, size_t len)
{
	static const char lv[] = "EWIDT";
	char buf[LOG_LINE_MAX];
	uint64_t now = clock_mono_ms();
	size_t off, room;
	int n;

	n = snprintf(buf, sizeof(buf), "[%6llu.%03u] %c ",
		     (unsigned long long)(now / 1000), (unsigned int)(now % 1000),
		     level >= 0 && level <= 4 ? lv[level] : '?');
	if (n < 0)
		return;
	off = (size_t)n;
	room = sizeof(buf) - off - 1;	/* keep one byte for '\n' */
	if (len > room) {
		memcpy(buf + off, line, room - 3);
		memcpy(buf + off + room - 3, "...", 3);
		off += room;
	} else {
		memcpy(buf + off, line, len);
		off += len;
	}
	buf[off++] = '\n';
	for (size_t done = 0; done < off;) {
		ssize_t w = write(STDERR_FILENO, buf + done, off - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;	/* nowhere to report a logging failure */
		done += (size_t)w;
	}
}
