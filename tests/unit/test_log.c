/* SPDX-License-Identifier: MIT */
/*
 * The real log output (port/posix/log.c) on a pipe as stderr, on the fake
 * clock: the line format (a UTC stamp, or "<N>" and no stamp when stderr
 * is the stream JOURNAL_STREAM names), one write per whole line; a pipe nobody reads never blocks the
 * writer of log lines, the overflow is dropped and counted, and once the
 * pipe is read again a line says how many were dropped, where they were.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "port/log.h"
#include "tests/fake/fake.h"

static int saved = -1;

/* stderr becomes the write end of a new pipe; returns its read end. */
static int stderr_to_pipe(void)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	close(p[1]);
	return p[0];
}

static void stderr_back(void)
{
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	saved = -1;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Everything the pipe holds once the writer is done (stderr put back). */
static size_t read_all(int rd, char *out, size_t cap)
{
	ssize_t n;
	size_t len = 0;

	assert_int_equal(port_log_flush(10000), 0);
	stderr_back();
	while (len + 1 < cap && (n = read(rd, out + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(rd);
	out[len] = '\0';
	return len;
}

/* 2026-12-01 13:02:03.045 UTC as the fake wall clock. */
static void set_wall(int64_t wall_ms)
{
	fake_clock_set_wall_offset(wall_ms - (int64_t)clock_mono_ms());
}

static void test_format(void **state)
{
	char big[3000], out[8192];
	int rd = stderr_to_pipe();

	(void)state;
	unsetenv("JOURNAL_STREAM");
	assert_int_equal(port_log_detect(), PORT_LOG_WALL);
	set_wall(1796130123045LL);
	port_log_write(2, "test_log: a log line", 20);
	memset(big, 'y', sizeof(big));
	port_log_write(9, big, sizeof(big));	/* cut, no overflow */
	set_wall(-1);				/* before the epoch: still a date */
	port_log_write(0, "early", 5);
	read_all(rd, out, sizeof(out));
	assert_string_equal(strtok(out, "\n"), "2026-12-01T13:02:03.045Z I test_log: a log line");
	assert_non_null(strstr(strtok(NULL, "\n"), "2026-12-01T13:02:03.045Z ? yyy"));
	assert_string_equal(strtok(NULL, "\n"), "1969-12-31T23:59:59.999Z E early");
}

/* stderr is the journal's stream: "<N>" priorities, no stamp. */
static void test_journal_prefix(void **state)
{
	static const char *const want[] = { "<3>e", "<4>w", "<6>i", "<7>d", "<7>t" };
	char env[64], out[4096], *l;
	struct stat st;
	int rd = stderr_to_pipe();

	(void)state;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	assert_int_equal(port_log_detect(), PORT_LOG_JOURNAL);
	for (int i = 0; i < 5; i++)
		port_log_write(i, want[i] + 3, 1);
	read_all(rd, out, sizeof(out));
	l = strtok(out, "\n");
	for (int i = 0; i < 5; i++, l = strtok(NULL, "\n"))
		assert_string_equal(l, want[i]);
	assert_null(l);

	/* a JOURNAL_STREAM inherited by a process whose stderr is elsewhere
	 * (another inode, or not two numbers) is not the journal */
	rd = stderr_to_pipe();
	assert_int_equal(port_log_detect(), PORT_LOG_WALL);
	setenv("JOURNAL_STREAM", "8:x", 1);
	assert_int_equal(port_log_detect(), PORT_LOG_WALL);
	set_wall(1796130123045LL);
	port_log_write(2, "not the journal", 15);
	read_all(rd, out, sizeof(out));
	assert_string_equal(out, "2026-12-01T13:02:03.045Z I not the journal\n");
	unsetenv("JOURNAL_STREAM");
	assert_int_equal(port_log_detect(), PORT_LOG_WALL);
}

/* --- a pipe nobody reads -------------------------------------------------- */

#define FLOOD 20000	/* ~1.5 MB of lines: many times pipe + queue */

static atomic_int flood_done;

static void *flood(void *arg)
{
	char line[80];

	(void)arg;
	for (int i = 0; i < FLOOD; i++) {
		int n = snprintf(line, sizeof(line), "line %06d of the flood", i);

		port_log_write(2, line, (size_t)n);
	}
	atomic_store(&flood_done, 1);
	return NULL;
}

struct drain {
	int fd;
	char *buf;
	size_t len, cap;
};

static void *drain(void *arg)
{
	struct drain *d = arg;
	ssize_t n;

	for (;;) {
		if (d->len + 4096 > d->cap) {
			d->cap = d->cap ? 2 * d->cap : 1 << 20;
			d->buf = realloc(d->buf, d->cap);
			assert_non_null(d->buf);
		}
		n = read(d->fd, d->buf + d->len, 4096);
		if (n <= 0)
			break;
		d->len += (size_t)n;
	}
	return NULL;
}

/* Every line is whole, the flood's numbers only go up, and the "dropped"
 * lines add up to the count of drops. Returns the flood lines seen. A
 * "dropped" line stands where the gap is, even without a later line. */
static unsigned int check_output(char *buf, size_t len, uint64_t dropped)
{
	unsigned long long said = 0, n;
	unsigned int seen = 0;
	int last = -1, i;
	char *save, *l;

	assert_true(len > 0 && buf[len - 1] == '\n');
	buf[len - 1] = '\0';
	for (l = strtok_r(buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		assert_true(strlen(l) > 25 && l[4] == '-' && l[23] == 'Z');
		l += 24;
		if (sscanf(l, " W log: %llu lines dropped", &n) == 1) {
			assert_true(last >= 0);	/* where the gap is, not first */
			said += n;
			continue;
		}
		assert_int_equal(sscanf(l, " I line %d of the flood", &i), 1);
		assert_true(i > last);
		last = i;
		seen++;
	}
	assert_int_equal(said, dropped);
	return seen;
}

static void test_unread_pipe_never_blocks(void **state)
{
	struct port_log_stats before, st;
	struct drain d = { 0 };
	pthread_t t, r;
	int rd;

	(void)state;
	port_log_get_stats(&before);
	rd = stderr_to_pipe();
	atomic_store(&flood_done, 0);
	assert_int_equal(pthread_create(&t, NULL, flood, NULL), 0);
	/* a deadlock detector, not a speed target: the flood must end while
	 * nothing reads the pipe (the old synchronous write() never did) */
	for (int i = 0; !atomic_load(&flood_done) && i < 3000; i++)
		nap_ms(10);
	if (!atomic_load(&flood_done)) {
		stderr_back();	/* cmocka's report must not block on the pipe */
		fail_msg("port_log_write() blocked on a pipe nobody reads");
	}
	pthread_join(t, NULL);
	assert_int_equal(port_log_flush(50), -ETIMEDOUT);	/* still unread */
	port_log_get_stats(&st);
	assert_true(st.dropped - before.dropped > 0);
	assert_int_equal(st.lines - before.lines + st.dropped - before.dropped, FLOOD);
	assert_true(st.queued > 0);
	/* someone reads again: everything queued goes out, and a line says
	 * how many were dropped */
	d.fd = rd;
	assert_int_equal(pthread_create(&r, NULL, drain, &d), 0);
	assert_int_equal(port_log_flush(30000), 0);
	port_log_get_stats(&st);
	assert_int_equal(st.queued, 0);
	stderr_back();		/* the pipe's last writer: the drain sees EOF */
	pthread_join(r, NULL);
	close(rd);
	assert_int_equal(check_output(d.buf, d.len, st.dropped - before.dropped),
			 st.lines - before.lines);
	free(d.buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_journal_prefix),
		cmocka_unit_test(test_unread_pipe_never_blocks),
	};

	return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
