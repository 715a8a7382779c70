/* SPDX-License-Identifier: MIT */
/*
 * port/log.h - where formatted log lines go (stderr, syslog, a test buffer).
 *
 * Writing a line never blocks the caller: a reader that does not keep up
 * (journald under load, a pipe into a stopped pager) costs lines, never
 * the loop's time. Lines that do not fit in the port's bounded queue are
 * dropped and counted, and once output flows again one line says how
 * many went missing, at the place where they did.
 */
#ifndef PORT_LOG_H
#define PORT_LOG_H

#include <stddef.h>
#include <stdint.h>

/* How lines are written, decided from the environment at the first line:
 * to the journal (stderr is the stream JOURNAL_STREAM names) "<N>text"
 * with the syslog priority N (err 3, warn 4, info 6, debug and trace 7)
 * and no time stamp (journald keeps its own, from a synchronized clock
 * or not); anywhere else "YYYY-MM-DDTHH:MM:SS.mmmZ L text", the wall
 * clock in UTC and the level letter (E W I D T). */
enum port_log_style { PORT_LOG_WALL, PORT_LOG_JOURNAL };

/* Decide the style again (stderr was redirected); returns it. */
int port_log_detect(void);

/* Queue one finished line (no trailing newline) at @level (0 err ..
 * 4 trace) for output. Never blocks. */
void port_log_write(int level, const char *line, size_t len);

struct port_log_stats {
	uint64_t lines;		/* accepted for output */
	uint64_t dropped;	/* the queue was full */
	uint64_t written;	/* lines the output took */
	uint64_t errors;	/* output failed (EPIPE, EIO): lines lost */
	size_t queued;		/* bytes waiting now */
};
void port_log_get_stats(struct port_log_stats *st);

/* Wait up to @wait_ms for every queued line to be written: 0, or
 * -ETIMEDOUT (the reader is not reading; what is queued may be lost at
 * exit). The process calls it at exit on its own. */
int port_log_flush(uint32_t wait_ms);

#endif
