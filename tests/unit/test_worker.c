/* SPDX-License-Identifier: MIT */
/*
 * The real worker (port/posix/worker.c) with the real loop: jobs run on
 * another thread, in order; their done() runs on the loop's thread; a
 * full queue says -EBUSY; destroy waits for the running job.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "port/loop.h"
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
	worker_destroy(w);
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
	worker_destroy(w);	/* joins the running job; no done() after it */
	loop_destroy(l);
	assert_true(done <= accepted);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jobs_run_off_loop_done_on_loop),
		cmocka_unit_test(test_queue_bounded_and_destroy_waits),
	};

	return cmocka_run_group_tests_name("worker", tests, NULL, NULL);
}
