// SPDX-License-Identifier: MIT
/*
 * port/posix/log.c - log lines to stderr without ever blocking the caller.
 *
 * A line goes through three steps, each in one place:
 *   format()  the line as it will appear, cut at LOG_LINE_MAX: to the
 *             journal (JOURNAL_STREAM names stderr) a syslog priority
 *             prefix "<N>" and the text, since journald stamps every
 *             line itself; anywhere else a wall-clock stamp (ISO 8601,
 *             UTC, ms), the level letter and the text;
 *   admit()   into a bounded byte queue (LOG_QUEUE), or dropped and
 *             counted when it is full; the first line admitted after a
 *             drop is preceded by one saying how many went (repeated
 *             lines are rate-limited before they get here, agent/log.c);
 *   output()  a writer thread (port/thread.h: it takes no signal) writes
 *             whole lines, at most PIPE_BUF bytes per write(), so lines
 *             from several processes sharing stderr never interleave.
 * The caller only formats and copies under a mutex the writer never holds
 * across a write(): a reader that stops reading (journald stalled, a pipe
 * nobody drains) never stalls the agent's loop.
 */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64	/* glibc wants it for _TIME_BITS */
#define _TIME_BITS 64		/* 32-bit ARM: wall time past 2038 */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "port/clock.h"
#include "port/log.h"
#include "port/thread.h"

#define LOG_LINE_MAX 1024	/* longer lines are cut; "..." marks the cut */
#define LOG_QUEUE (32 * 1024)	/* bytes waiting for the output at most */
#define LOG_CHUNK 4096		/* PIPE_BUF: one write() of whole lines */
#define LOG_EXIT_WAIT_MS 1000	/* at exit, wait this long for the output */

enum { W_NONE, W_RUNNING, W_INLINE };	/* the writer thread */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t more;	/* bytes queued: the writer wakes */
	pthread_cond_t drained;	/* queue empty, chunk written: flush wakes */
	char q[LOG_QUEUE];
	size_t head, len;	/* ring: bytes [head, head + len) */
	bool writing;		/* the writer holds a chunk not written yet */
	uint64_t dropped_run;	/* drops since the last admitted line */
	int writer;
	int style;		/* enum port_log_style; -1 = not decided yet */
	struct thread *thread;
	struct port_log_stats st;
} lg = { .mu = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER,
	  .style = -1 };

/* --- format -------------------------------------------------------------- */

/* systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected
 * to stderr (systemd.exec(5)); it is the journal only while fd 2 is still
 * that file: a child that redirected stderr inherits the variable. */
static int detect(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	char end;

	if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &end) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return PORT_LOG_WALL;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino ? PORT_LOG_JOURNAL : PORT_LOG_WALL;
}

/* "<N>" for the journal: the syslog priority of agent level 0..4. */
static int prefix_journal(char *buf, int level)
{
	static const char pri[] = { 3, 4, 6, 7, 7 };	/* err warning info debug */

	return snprintf(buf, LOG_LINE_MAX, "<%d>", level >= 0 && level <= 4 ?
			pri[level] : 5);	/* notice: not one of ours */
}

/* "2026-12-01T13:02:03.123Z W ": UTC, so the lines of boards in other
 * zones (and of a board whose zone changed) compare as they are. */
static int prefix_wall(char *buf, int level, int64_t wall_ms)
{
	static const char lv[] = "EWIDT";
	int64_t ms = wall_ms >= 0 ? wall_ms % 1000 : (wall_ms % 1000 + 1000) % 1000;
	time_t t = (time_t)((wall_ms - ms) / 1000);
	struct tm tm;

	if (!gmtime_r(&t, &tm))
		memset(&tm, 0, sizeof(tm));
	return snprintf(buf, LOG_LINE_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %c ",
			tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			tm.tm_min, tm.tm_sec, (int)ms,
			level >= 0 && level <= 4 ? lv[level] : '?');
}

static size_t format(char *buf, int level, const char *line, size_t len)
{
	size_t off, room;
	int n = lg.style == PORT_LOG_JOURNAL ? prefix_journal(buf, level) :
		prefix_wall(buf, level, clock_wall_ms());

	off = n > 0 ? (size_t)n : 0;
	room = LOG_LINE_MAX - off - 1;	/* keep one byte for '\n' */
	if (len > room) {
		memcpy(buf + off, line, room - 3);
		memcpy(buf + off + room - 3, "...", 3);
		off += room;
	} else {
		memcpy(buf + off, line, len);
		off += len;
	}
	buf[off++] = '\n';
	return off;
}

int port_log_detect(void)
{
	int style = detect();

	pthread_mutex_lock(&lg.mu);
	lg.style = style;
	pthread_mutex_unlock(&lg.mu);
	return style;
}

/* --- admit ----------------------------------------------------------------- */

static void push(const char *b, size_t n)
{
	size_t tail = (lg.head + lg.len) % LOG_QUEUE;
	size_t first = n < LOG_QUEUE - tail ? n : LOG_QUEUE - tail;

	memcpy(lg.q + tail, b, first);
	memcpy(lg.q, b + first, n - first);
	lg.len += n;
}

/* Under lg.mu: say how many lines went missing, where they went, when
 * @room more bytes still fit after it. 0, or -ENOSPC. */
static int mark_drops(size_t room)
{
	char mark[LOG_LINE_MAX], text[96];
	int t = snprintf(text, sizeof(text), "log: %llu lines dropped: the output "
			 "was not read fast enough", (unsigned long long)lg.dropped_run);
	size_t m = format(mark, 1, text, t > 0 ? (size_t)t : 0);

	if (lg.len + m + room > LOG_QUEUE)
		return -ENOSPC;
	push(mark, m);
	lg.dropped_run = 0;
	return 0;
}

/* Under lg.mu. */
static void admit(const char *b, size_t n)
{
	if ((lg.dropped_run && mark_drops(n)) || lg.len + n > LOG_QUEUE) {
		lg.dropped_run++;
		lg.st.dropped++;
		return;
	}
	push(b, n);
	lg.st.lines++;
}

/* --- output ------------------------------------------------------------------ */

/* Write all of @b to stderr; lines in it, or -1 when the output failed. */
static int output(const char *b, size_t n)
{
	int lines = 0;

	for (size_t i = 0; i < n; i++)
		lines += b[i] == '\n';
	for (size_t done = 0; done < n;) {
		ssize_t w = write(STDERR_FILENO, b + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {	/* someone made it non-blocking */
			struct pollfd p = { .fd = STDERR_FILENO, .events = POLLOUT };

			poll(&p, 1, -1);
			continue;
		}
		if (w <= 0)
			return -lines;
		done += (size_t)w;
	}
	return lines;
}

/* Take whole lines, at most LOG_CHUNK bytes, off the queue into @chunk. */
static size_t take(char *chunk)
{
	size_t n = lg.len < LOG_CHUNK ? lg.len : LOG_CHUNK;
	size_t first = n < LOG_QUEUE - lg.head ? n : LOG_QUEUE - lg.head;

	memcpy(chunk, lg.q + lg.head, first);
	memcpy(chunk + first, lg.q, n - first);
	while (n && chunk[n - 1] != '\n')
		n--;		/* a line never exceeds LOG_LINE_MAX < LOG_CHUNK */
	lg.head = (lg.head + n) % LOG_QUEUE;
	lg.len -= n;
	return n;
}

static void writer(void *arg)
{
	static char chunk[LOG_CHUNK];

	(void)arg;
	pthread_mutex_lock(&lg.mu);
	for (;;) {
		size_t n;
		int lines;

		while (!lg.len) {
			/* the output flows again: say so even if no new line comes */
			if (lg.dropped_run && !mark_drops(0))
				continue;
			lg.writing = false;
			pthread_cond_broadcast(&lg.drained);
			pthread_cond_wait(&lg.more, &lg.mu);
		}
		n = take(chunk);
		lg.writing = true;
		pthread_mutex_unlock(&lg.mu);
		lines = output(chunk, n);
		pthread_mutex_lock(&lg.mu);
		if (lines >= 0)
			lg.st.written += (uint64_t)lines;
		else
			lg.st.errors += (uint64_t)-lines;	/* nowhere to say so */
	}
}

static void at_exit(void)
{
	port_log_flush(LOG_EXIT_WAIT_MS);
}

/* Under lg.mu, on the first line. Without a thread, lines are written by
 * the caller (blocking), which beats losing them all. */
static void start_writer(void)
{
	pthread_condattr_t ca;

	lg.writer = W_INLINE;
	if (pthread_condattr_init(&ca))
		return;
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);	/* flush's deadline */
	pthread_cond_init(&lg.drained, &ca);
	pthread_condattr_destroy(&ca);
	if (thread_create(&lg.thread, writer, NULL))
		return;
	lg.writer = W_RUNNING;
	atexit(at_exit);
}

void port_log_write(int level, const char *line, size_t len)
{
	char buf[LOG_LINE_MAX];
	size_t n;

	pthread_mutex_lock(&lg.mu);
	if (lg.style < 0)
		lg.style = detect();
	n = format(buf, level, line, len);
	if (lg.writer == W_NONE)
		start_writer();
	if (lg.writer == W_INLINE) {
		int lines = output(buf, n);

		lg.st.lines++;
		lg.st.written += lines > 0 ? 1u : 0u;
		lg.st.errors += lines > 0 ? 0u : 1u;
	} else {
		admit(buf, n);
		pthread_cond_signal(&lg.more);
	}
	pthread_mutex_unlock(&lg.mu);
}

void port_log_get_stats(struct port_log_stats *st)
{
	pthread_mutex_lock(&lg.mu);
	*st = lg.st;
	st->queued = lg.len;
	pthread_mutex_unlock(&lg.mu);
}

int port_log_flush(uint32_t wait_ms)
{
	struct timespec until;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += wait_ms / 1000;
	until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&lg.mu);
	while (lg.writer == W_RUNNING && (lg.len || lg.writing) && !rc)
		rc = pthread_cond_timedwait(&lg.drained, &lg.mu, &until) == ETIMEDOUT ?
		     -ETIMEDOUT : 0;
	pthread_mutex_unlock(&lg.mu);
	return rc;
}
