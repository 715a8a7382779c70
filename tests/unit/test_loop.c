// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_loop.c - the real posix port: epoll loop, clock, files.
 * Pipes, raise() and timers armed in the past or a few ms ahead; the tests
 * assert what ran and in which order, never how fast.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "port/clock.h"
#include "port/file.h"
#include "port/log.h"
#include "port/loop.h"

/* Order in which callbacks ran: ids appended. */
struct trace {
	int ids[64];
	int n;
};

static void trace_add(struct trace *tr, int id)
{
	if (tr->n < 64)
		tr->ids[tr->n++] = id;
}

/* Run the loop until @done is reached (bounded to catch a hang). */
static void run_until(struct loop *l, const int *counter, int want)
{
	for (int i = 0; i < 10000 && *counter < want; i++) {
		int r = loop_run_once(l, 1000);

		assert_true(r >= 0 || r == -EINTR);
	}
	assert_true(*counter >= want);
}

/* --- fds ---------------------------------------------------------------- */

struct fdctx {
	struct loop *l;
	struct trace tr;
	int fds[2][2];		/* two pipes */
	int calls;
	uint32_t last_events;
};

static void on_read(void *arg, int fd, uint32_t events)
{
	struct fdctx *c = arg;
	char b[16];
	ssize_t r = read(fd, b, sizeof(b));

	(void)r;
	c->calls++;
	c->last_events = events;
	trace_add(&c->tr, fd);
}

static void test_fd_readiness(void **state)
{
	struct fdctx c = { 0 };

	(void)state;
	assert_int_equal(loop_create(&c.l), 0);
	assert_int_equal(pipe(c.fds[0]), 0);
	assert_int_equal(loop_watch(c.l, c.fds[0][0], LOOP_IN, on_read, &c),
			 0);
	assert_int_equal(loop_run_once(c.l, 0), 0);	/* nothing yet */
	assert_int_equal(write(c.fds[0][1], "x", 1), 1);
	assert_int_equal(loop_run_once(c.l, -1), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(c.last_events, LOOP_IN);
	assert_int_equal(loop_run_once(c.l, 0), 0);	/* drained */

	/* Re-watch updates; unwatch stops delivery. */
	assert_int_equal(loop_watch(c.l, c.fds[0][0], LOOP_IN, on_read, &c),
			 0);
	assert_int_equal(loop_unwatch(c.l, c.fds[0][0]), 0);
	assert_int_equal(loop_unwatch(c.l, c.fds[0][0]), -ENOENT);
	assert_int_equal(write(c.fds[0][1], "x", 1), 1);
	assert_int_equal(loop_run_once(c.l, 0), 0);

	/* Writer closed: hang-up comes as LOOP_ERR. */
	assert_int_equal(loop_watch(c.l, c.fds[0][0], LOOP_IN, on_read, &c),
			 0);
	close(c.fds[0][1]);
	run_until(c.l, &c.calls, 2);
	assert_true(c.last_events & (LOOP_IN | LOOP_ERR));

	assert_int_equal(loop_watch(c.l, -1, LOOP_IN, on_read, &c), -EBADF);
	assert_int_equal(loop_watch(c.l, c.fds[0][0], 0x80, on_read, &c),
			 -EINVAL);
	assert_int_equal(loop_watch(c.l, c.fds[0][0], LOOP_IN, NULL, &c),
			 -EINVAL);
	close(c.fds[0][0]);
	loop_destroy(c.l);
}

/* Both pipes readable in one batch; whichever runs first unwatches the
 * other, so exactly one callback runs. */
static void on_read_unwatch_other(void *arg, int fd, uint32_t events)
{
	struct fdctx *c = arg;
	int other = fd == c->fds[0][0] ? c->fds[1][0] : c->fds[0][0];

	on_read(arg, fd, events);
	assert_int_equal(loop_unwatch(c->l, other), 0);
	assert_int_equal(loop_unwatch(c->l, fd), 0);	/* itself too */
}

static void test_unwatch_during_dispatch(void **state)
{
	struct fdctx c = { 0 };

	(void)state;
	assert_int_equal(loop_create(&c.l), 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(pipe(c.fds[i]), 0);
		assert_int_equal(loop_watch(c.l, c.fds[i][0], LOOP_IN,
					    on_read_unwatch_other, &c), 0);
		assert_int_equal(write(c.fds[i][1], "x", 1), 1);
	}
	/* epoll reports both at once: both pipes are already readable. */
	assert_int_equal(loop_run_once(c.l, -1), 1);
	assert_int_equal(c.calls, 1);
	assert_int_equal(loop_run_once(c.l, 0), 0);
	for (int i = 0; i < 2; i++) {
		close(c.fds[i][0]);
		close(c.fds[i][1]);
	}
	loop_destroy(c.l);
}

/* --- timers ------------------------------------------------------------- */

struct tctx;

struct tid {		/* a timer callback's argument */
	struct tctx *c;
	int id;
};

struct tctx {
	struct loop *l;
	struct trace tr;
	struct loop_timer *t[4];
	int fired;
	struct tid id[4];
};

static void on_timer(void *arg, struct loop_timer *t)
{
	struct tid *ti = arg;

	(void)t;
	trace_add(&ti->c->tr, ti->id);
	ti->c->fired++;
}

static void tctx_init(struct tctx *c, loop_timer_cb cb)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(loop_create(&c->l), 0);
	for (int i = 0; i < 4; i++) {
		c->id[i] = (struct tid){ c, i };
		assert_int_equal(loop_timer_new(c->l, cb, &c->id[i], &c->t[i]),
				 0);
	}
}

static void tctx_fini(struct tctx *c)
{
	for (int i = 0; i < 4; i++)
		loop_timer_free(c->t[i]);
	loop_destroy(c->l);
}

static void test_timer_order(void **state)
{
	struct tctx c;
	uint64_t now = clock_mono_ms();

	(void)state;
	tctx_init(&c, on_timer);
	assert_false(loop_timer_armed(c.t[0]));
	/* All due already: one dispatch, in due order, ties by arm order. */
	loop_timer_at(c.t[0], now - 5, 0);
	loop_timer_at(c.t[1], now - 30, 0);
	loop_timer_at(c.t[2], now - 5, 0);
	loop_timer_at(c.t[3], now - 20, 0);
	assert_true(loop_timer_armed(c.t[0]));
	assert_int_equal(loop_run_once(c.l, -1), 4);
	assert_int_equal(c.tr.ids[0], 1);
	assert_int_equal(c.tr.ids[1], 3);
	assert_int_equal(c.tr.ids[2], 0);
	assert_int_equal(c.tr.ids[3], 2);
	assert_false(loop_timer_armed(c.t[0]));

	/* In the future: the loop sleeps on the timerfd until each is due. */
	/* absolute due times from one clock reading: relative arms taken at
	 * different moments reorder when the process is descheduled between
	 * them (seen under qemu-arm on a loaded machine) */
	c.tr.n = c.fired = 0;
	now = clock_mono_ms();
	loop_timer_at(c.t[0], now + 3, 0);
	loop_timer_at(c.t[1], now + 1, 0);
	loop_timer_at(c.t[2], now + 2, 0);
	loop_timer_in(c.t[3], 50);
	loop_timer_stop(c.t[3]);
	run_until(c.l, &c.fired, 3);
	assert_int_equal(c.tr.n, 3);
	assert_int_equal(c.tr.ids[0], 1);
	assert_int_equal(c.tr.ids[1], 2);
	assert_int_equal(c.tr.ids[2], 0);
	assert_false(loop_timer_armed(c.t[3]));
	tctx_fini(&c);
}

/* Frees itself, and stops timer 2 which is due in the same dispatch. */
static void on_timer_free_self(void *arg, struct loop_timer *t)
{
	struct tid *ti = arg;
	struct tctx *c = ti->c;

	on_timer(arg, t);
	if (ti->id == 1) {
		loop_timer_free(t);
		c->t[1] = NULL;
		loop_timer_stop(c->t[2]);
		loop_timer_free(c->t[3]);	/* due too, freed unfired */
		c->t[3] = NULL;
	}
}

static void test_timer_free_in_callback(void **state)
{
	struct tctx c;
	uint64_t now = clock_mono_ms();

	(void)state;
	tctx_init(&c, on_timer_free_self);
	loop_timer_at(c.t[1], now - 10, 0);
	loop_timer_at(c.t[2], now - 5, 0);
	loop_timer_at(c.t[3], now - 5, 0);
	loop_timer_at(c.t[0], now - 1, 0);
	assert_int_equal(loop_run_once(c.l, -1), 2);
	assert_int_equal(c.tr.ids[0], 1);
	assert_int_equal(c.tr.ids[1], 0);
	assert_false(loop_timer_armed(c.t[2]));
	tctx_fini(&c);
}

/* Periodic: re-armed from the due time; it may stop itself. */
static void on_periodic(void *arg, struct loop_timer *t)
{
	struct tid *ti = arg;

	on_timer(arg, t);
	if (ti->id == 0 && ti->c->fired == 3)
		loop_timer_stop(t);
}

static void test_timer_periodic(void **state)
{
	struct tctx c;
	uint64_t due = clock_mono_ms() + 1;

	(void)state;
	tctx_init(&c, on_periodic);
	loop_timer_at(c.t[0], due, 2);
	run_until(c.l, &c.fired, 3);
	assert_int_equal(c.fired, 3);
	assert_false(loop_timer_armed(c.t[0]));

	/* Re-arming itself at "now" cannot trap the loop in one dispatch. */
	c.fired = 0;
	loop_timer_at(c.t[0], clock_mono_ms() - 100, 1);
	assert_int_equal(loop_run_once(c.l, -1), 1);
	assert_true(loop_timer_armed(c.t[0]));
	loop_timer_stop(c.t[0]);
	tctx_fini(&c);
}

/* --- signals, stop ------------------------------------------------------ */

struct sctx {
	struct loop *l;
	enum loop_sig got;
	int n;
};

static void on_sig(void *arg, enum loop_sig sig)
{
	struct sctx *c = arg;

	c->got = sig;
	c->n++;
	loop_stop(c->l);
}

static void test_signal(void **state)
{
	struct sctx c = { 0 };

	(void)state;
	assert_int_equal(loop_create(&c.l), 0);
	assert_int_equal(loop_signal(c.l, LOOP_SIG_USR1, on_sig, &c), 0);
	assert_int_equal(loop_signal(c.l, (enum loop_sig)0, on_sig, &c),
			 -EINVAL);
	assert_int_equal(loop_signal(c.l, (enum loop_sig)99, on_sig, &c),
			 -EINVAL);
	assert_int_equal(raise(SIGUSR1), 0);	/* blocked: queued */
	assert_int_equal(loop_run(c.l), 0);	/* on_sig stops it */
	assert_int_equal(c.n, 1);
	assert_int_equal(c.got, LOOP_SIG_USR1);

	/* Pending at destroy: dropped, not delivered to a default action. */
	assert_int_equal(raise(SIGUSR1), 0);
	loop_destroy(c.l);

	/* Unregistered: SIGUSR1 is back to what it was before. */
	assert_int_equal(loop_create(&c.l), 0);
	assert_int_equal(loop_signal(c.l, LOOP_SIG_HUP, on_sig, &c), 0);
	assert_int_equal(loop_signal(c.l, LOOP_SIG_HUP, NULL, NULL), 0);
	loop_destroy(c.l);
}

/* --- the rest of the posix port ----------------------------------------- */

static void test_clock(void **state)
{
	uint64_t a = clock_mono_ms(), b = clock_mono_ms();
	uint32_t r1 = clock_random(), r2 = clock_random(), r3 = clock_random();

	(void)state;
	assert_true(b >= a);
	assert_true(clock_wall_ms() > 1577836800000ll);	/* after 2020 */
	assert_false(r1 == r2 && r2 == r3);
}

static void test_file(void **state)
{
	char dir[] = "/tmp/sctpagent-test-XXXXXX", path[64], *buf = NULL;
	size_t len = 0;
	uint32_t mode = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(pf_read_all(path, 100, &buf, &len), -ENOENT);
	assert_int_equal(pf_mode(path, &mode), -ENOENT);
	assert_int_equal(pf_write_atomic(path, "hello", 5), 0);
	assert_int_equal(pf_mode(path, &mode), 0);
	assert_int_equal(mode, 0600);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(pf_write_atomic(path, "bye", 3), 0);
	assert_int_equal(pf_mode(path, &mode), 0);
	assert_int_equal(mode, 0640);	/* kept across the replace */
	assert_int_equal(pf_read_all(path, 3, &buf, &len), 0);
	assert_int_equal(len, 3);
	assert_string_equal(buf, "bye");
	free(buf);
	assert_int_equal(pf_read_all(path, 2, &buf, &len), -EFBIG);
	assert_int_equal(pf_read_all(dir, 100, &buf, &len), -EISDIR);
	assert_int_equal(pf_write_atomic(path, "", 0), 0);
	assert_int_equal(pf_read_all(path, 0, &buf, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	free(buf);
	snprintf(path, sizeof(path), "%s/no/such", dir);
	assert_int_equal(pf_write_atomic(path, "x", 1), -ENOENT);
	snprintf(path, sizeof(path), "%s/state", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);	/* no temp file left behind */
}

static int count_entries(void *ctx, const char *name, enum pf_type type)
{
	unsigned int *n = ctx;

	if (!strcmp(name, "seg") && type == PF_TYPE_FILE)
		n[0]++;
	else if (!strcmp(name, "sub") && type == PF_TYPE_DIR)
		n[1]++;
	else
		n[2]++;
	return 0;
}

/* The streaming file functions the outbox uses, on the real file system. */
static void test_file_stream(void **state)
{
	char dir[] = "/tmp/sctpagent-test-XXXXXX", p[64], q[64], buf[16];
	struct pf_file *f, *r;
	unsigned int n[3] = { 0 };
	uint64_t size, avail, total;
	size_t got;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(pf_mkdir(p, 0700), 0);
	assert_int_equal(pf_mkdir(p, 0700), -EEXIST);
	assert_int_equal(pf_open(p, PF_RDONLY, &f), -EISDIR);
	snprintf(p, sizeof(p), "%s/seg", dir);
	assert_int_equal(pf_open(p, PF_RDONLY, &f), -ENOENT);
	assert_int_equal(pf_open(p, PF_RDWR | PF_APPEND, &f), -EINVAL);
	assert_int_equal(pf_open(p, PF_APPEND | PF_CREATE | PF_EXCL, &f), 0);
	assert_int_equal(pf_open(p, PF_APPEND | PF_CREATE | PF_EXCL, &r),
			 -EEXIST);
	assert_int_equal(pf_append(f, "hello ", 6), 0);
	assert_int_equal(pf_append(f, "world", 5), 0);
	assert_int_equal(pf_pwrite(f, "x", 1, 0), -EINVAL);
	assert_int_equal(pf_datasync(f), 0);
	assert_int_equal(pf_size(f, &size), 0);
	assert_int_equal(size, 11);
	assert_int_equal(pf_open(p, PF_RDONLY, &r), 0);
	assert_int_equal(pf_pread(r, buf, sizeof(buf), 6, &got), 0);
	assert_int_equal(got, 5);
	assert_memory_equal(buf, "world", 5);
	assert_int_equal(pf_pread(r, buf, 4, 100, &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(pf_append(r, "x", 1), -EINVAL);	/* read only */
	assert_int_equal(pf_truncate(f, 5), 0);
	assert_int_equal(pf_size(r, &size), 0);
	assert_int_equal(size, 5);
	assert_int_equal(pf_close(r), 0);
	assert_int_equal(pf_close(f), 0);
	assert_int_equal(pf_open(p, PF_RDWR, &f), 0);
	assert_int_equal(pf_pwrite(f, "J", 1, 0), 0);
	assert_int_equal(pf_pread(f, buf, 5, 0, &got), 0);
	assert_memory_equal(buf, "Jello", 5);
	assert_int_equal(pf_close(f), 0);
	assert_int_equal(pf_sync_dir(dir), 0);
	assert_int_equal(pf_list_dir(dir, count_entries, n), 0);
	assert_int_equal(n[0], 1);
	assert_int_equal(n[1], 1);
	assert_int_equal(n[2], 0);
	assert_int_equal(pf_fs_space(dir, &avail, &total), 0);
	assert_true(total > 0 && avail <= total);
	snprintf(q, sizeof(q), "%s/sub/seg2", dir);
	assert_int_equal(pf_rename(p, q), 0);
	assert_int_equal(pf_unlink(p), -ENOENT);
	assert_int_equal(pf_unlink(q), 0);
	snprintf(p, sizeof(p), "%s/sub", dir);
	assert_int_equal(pf_unlink(p), -EISDIR);
	assert_int_equal(pf_list_dir(q, count_entries, n), -ENOENT);
	assert_int_equal(rmdir(p), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fd_readiness),
		cmocka_unit_test(test_unwatch_during_dispatch),
		cmocka_unit_test(test_timer_order),
		cmocka_unit_test(test_timer_free_in_callback),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_signal),
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_stream),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
