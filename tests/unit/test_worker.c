/* SPDX-License-Identifier: MIT */
/*
 * The real worker (port/posix/worker.c) and threads (port/posix/thread.c)
 * with the real loop: jobs run on another thread, in order; their done()
 * runs on the loop's thread; a full queue says -EBUSY; destroy waits for
 * the running job, but only so long; the worker thread blocks every
 * signal, so a process signal reaches the loop's signalfd even when the
 * worker was made before the loop claimed the signal.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "port/clock.h"
#include "port/loop.h"
#include "port/thread.h"
#include "port/worker.h"

struct job {
	pthread_t ran_on, done_on;
	int id, rc;
	int *order, *n;
};

static int job_fn(void *arg)
{
	struct job *j = arg;

	j->ran_on = pthread_self();
	return j->id * 10;
}

static void job_done(void *arg, int rc)
{
	struct job *j = arg;

	j->done_on = pthread_self();
	j->rc = rc;
	j->order[(*j->n)++] = j->id;
}

static void test_jobs_run_off_loop_done_on_loop(void **state)
{
	struct loop *l;
	struct worker *w;
	struct job jobs[5];
	int order[5], n = 0;

	(void)state;
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(worker_create(l, &w), 0);
	for (int i = 0; i < 5; i++) {
		jobs[i] = (struct job){ .id = i + 1, .order = order, .n = &n };
		assert_int_equal(worker_submit(w, job_fn, job_done, &jobs[i]), 0);
	}
	for (int spins = 0; n < 5 && spins < 1000; spins++)
		loop_run_once(l, 100);
	assert_int_equal(n, 5);
	for (int i = 0; i < 5; i++) {
		assert_int_equal(order[i], i + 1);	/* in submit order */
		assert_int_equal(jobs[i].rc, (i + 1) * 10);
		assert_false(pthread_equal(jobs[i].ran_on, pthread_self()));
		assert_true(pthread_equal(jobs[i].done_on, pthread_self()));
	}
	assert_int_equal(worker_destroy(w, 5000), 0);
	loop_destroy(l);
}

static int slow_fn(void *arg)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	(void)arg;
	nanosleep(&ts, NULL);
	return 0;
}

static void count_done(void *arg, int rc)
{
	(void)rc;
	(*(int *)arg)++;
}

static void test_queue_bounded_and_destroy_waits(void **state)
{
	struct loop *l;
	struct worker *w;
	int done = 0, accepted = 0, rc;

	(void)state;
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(worker_create(l, &w), 0);
	while ((rc = worker_submit(w, slow_fn, count_done, &done)) == 0)
		accepted++;
	assert_int_equal(rc, -EBUSY);
	/* queued + finished-unreported < WORKER_QUEUE - 1, plus one running */
	assert_true(accepted >= 1 && accepted <= WORKER_QUEUE);
	/* joins the running job; no done() after it */
	assert_int_equal(worker_destroy(w, 60000), 0);
	loop_destroy(l);
	assert_true(done <= accepted);
}

/* --- signals ----------------------------------------------------------------- */

static int mask_fn(void *arg)
{
	return *(int *)arg = thread_signals_blocked();
}

static void noop_done(void *arg, int rc)
{
	(void)arg, (void)rc;
}

/* The worker thread blocks every signal, whatever its creator blocks. */
static void test_worker_thread_blocks_signals(void **state)
{
	struct loop *l;
	struct worker *w;
	int blocked = -1;

	(void)state;
	assert_int_equal(thread_signals_blocked(), 0);	/* the test's thread */
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(worker_create(l, &w), 0);
	assert_int_equal(worker_submit(w, mask_fn, noop_done, &blocked), 0);
	for (int spins = 0; blocked < 0 && spins < 1000; spins++)
		loop_run_once(l, 100);
	assert_int_equal(blocked, 1);
	assert_int_equal(worker_destroy(w, 5000), 0);
	loop_destroy(l);
}

struct sigs {
	int usr1;
};

static void on_usr1(void *arg, enum loop_sig sig)
{
	if (sig == LOOP_SIG_USR1)
		((struct sigs *)arg)->usr1++;
}

/*
 * The bug of issue 8: the sampler's worker was made before the loop
 * blocked SIGUSR1, so the kernel could hand a process-directed SIGUSR1 to
 * the worker, whose default action kills the process ("User defined
 * signal 1"). Here the worker exists first, then the loop claims the
 * signal; every kill() must arrive through the loop.
 */
static void test_process_signal_reaches_loop_not_worker(void **state)
{
	struct loop *l;
	struct worker *w;
	struct sigs got = { 0 };
	int blocked = -1;

	(void)state;
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(worker_create(l, &w), 0);
	assert_int_equal(loop_signal(l, LOOP_SIG_USR1, on_usr1, &got), 0);
	for (int i = 0; i < 20; i++) {
		/* the worker is idle in its wait: the only thread that could
		 * take the signal if it did not block it */
		assert_int_equal(kill(getpid(), SIGUSR1), 0);
		for (int spins = 0; got.usr1 <= i && spins < 100; spins++)
			loop_run_once(l, 100);
		assert_int_equal(got.usr1, i + 1);
	}
	assert_int_equal(worker_submit(w, mask_fn, noop_done, &blocked), 0);
	for (int spins = 0; blocked < 0 && spins < 1000; spins++)
		loop_run_once(l, 100);
	assert_int_equal(blocked, 1);
	assert_int_equal(worker_destroy(w, 5000), 0);
	assert_int_equal(loop_signal(l, LOOP_SIG_USR1, NULL, NULL), 0);
	loop_destroy(l);
}

static void *raw_thread(void *arg)
{
	mask_fn(arg);
	return NULL;
}

static int spawn_raw(void *arg)
{
	pthread_t t;
	int rc = pthread_create(&t, NULL, raw_thread, arg);

	return rc ? rc : pthread_join(t, NULL);
}

/* A library that makes its own threads (usrsctp_init) does so inside
 * thread_call_masked(): they inherit the full mask; the caller's mask is
 * back afterwards. */
static void test_call_masked(void **state)
{
	int blocked = -1;

	(void)state;
	assert_int_equal(thread_call_masked(spawn_raw, &blocked), 0);
	assert_int_equal(blocked, 1);
	assert_int_equal(thread_signals_blocked(), 0);
}

/* --- a job stuck in the kernel ---------------------------------------------- */

struct hung {
	int fd;		/* read end of a pipe nobody writes to (yet) */
	_Atomic int started, ret;
};

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int hung_fn(void *arg)
{
	struct hung *h = arg;
	char c;

	h->started = 1;
	h->ret = (int)read(h->fd, &c, 1);	/* like a read of a hung w1 bus */
	return 0;
}

/* destroy gives up on a job that does not return within its wait, and
 * returns -ETIMEDOUT; the thread frees the worker itself if the job ever
 * returns. */
static void test_destroy_bounded_on_stuck_job(void **state)
{
	struct loop *l;
	struct worker *w;
	struct hung h = { .ret = -2 };
	int p[2], done = 0;
	uint64_t t0;

	(void)state;
	assert_int_equal(pipe(p), 0);
	h.fd = p[0];
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(worker_create(l, &w), 0);
	assert_int_equal(worker_submit(w, hung_fn, noop_done, &h), 0);
	assert_int_equal(worker_submit(w, slow_fn, count_done, &done), 0);
	for (int i = 0; !h.started && i < 1000; i++)
		nap_ms(10);
	assert_true(h.started);
	t0 = clock_mono_ms();
	assert_int_equal(worker_destroy(w, 100), -ETIMEDOUT);
	assert_true(clock_mono_ms() - t0 >= 100);
	loop_destroy(l);
	/* the job comes back at last: the thread ends and frees the worker
	 * (ASan would report the leak or a use after free) */
	assert_int_equal(write(p[1], "x", 1), 1);
	for (int i = 0; h.ret == -2 && i < 1000; i++)
		nap_ms(10);
	assert_int_equal(h.ret, 1);
	nap_ms(50);
	close(p[0]);
	close(p[1]);
	assert_int_equal(done, 0);	/* no done() after destroy */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_run_off_loop_done_on_loop),
		cmocka_unit_test(test_queue_bounded_and_destroy_waits),
		cmocka_unit_test(test_worker_thread_blocks_signals),
		cmocka_unit_test(test_process_signal_reaches_loop_not_worker),
		cmocka_unit_test(test_call_masked),
		cmocka_unit_test(test_destroy_bounded_on_stuck_job),
	};

	return cmocka_run_group_tests_name("worker", tests, NULL, NULL);
}
