/* SPDX-License-Identifier: MIT */
/*
 * One worker thread with a small job ring. Completions go back through a
 * pipe the loop watches, so done() runs on the loop's thread. The thread
 * comes from port/thread.h: it blocks every signal.
 *
 * A job stuck in the kernel (a hung 1-Wire or I2C bus) must not hang the
 * agent's exit: worker_destroy() waits a bounded time, then abandons the
 * thread, which frees the worker itself if the job ever returns.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "port/loop.h"
#include "port/thread.h"
#include "port/worker.h"

struct job {
	worker_fn fn;
	worker_done done;
	void *arg;
	int rc;
};

struct worker {
	struct loop *loop;
	struct thread *thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;		/* a job was queued, or stop */
	pthread_cond_t exit_cv;		/* the thread is about to end */
	struct job q[WORKER_QUEUE];	/* waiting */
	unsigned int head, n;
	struct job fin[WORKER_QUEUE];	/* finished, for the loop */
	unsigned int fin_n;
	bool stop;
	bool exited;			/* the thread left its loop */
	bool abandoned;			/* destroy gave up: the thread frees */
	int pipe[2];
};

static void free_worker(struct worker *w)
{
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->exit_cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static void run(void *arg)
{
	struct worker *w = arg;
	bool abandoned;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct job j;

		while (!w->n && !w->stop)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->stop)
			break;
		j = w->q[w->head];
		w->head = (w->head + 1) % WORKER_QUEUE;
		w->n--;
		pthread_mutex_unlock(&w->mu);
		j.rc = j.fn(j.arg);
		pthread_mutex_lock(&w->mu);
		if (w->stop)
			break;	/* nobody reports it any more */
		w->fin[w->fin_n++] = j;	/* fin_n <= queued jobs <= WORKER_QUEUE */
		(void)!write(w->pipe[1], "x", 1);
	}
	w->exited = true;
	abandoned = w->abandoned;
	pthread_cond_signal(&w->exit_cv);
	pthread_mutex_unlock(&w->mu);
	if (abandoned)
		free_worker(w);
}

static void on_pipe(void *arg, int fd, uint32_t events)
{
	struct worker *w = arg;
	struct job done[WORKER_QUEUE];
	unsigned int n;
	char buf[64];

	(void)events;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&w->mu);
	n = w->fin_n;
	for (unsigned int i = 0; i < n; i++)
		done[i] = w->fin[i];
	w->fin_n = 0;
	pthread_mutex_unlock(&w->mu);
	for (unsigned int i = 0; i < n; i++)	/* outside the lock */
		done[i].done(done[i].arg, done[i].rc);
}

static int init_sync(struct worker *w)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	/* the bounded wait in destroy must not jump with the wall clock */
	if (pthread_condattr_init(&ca) || pthread_condattr_setclock(&ca, CLOCK_MONOTONIC))
		return -ENOMEM;
	pthread_cond_init(&w->exit_cv, &ca);
	pthread_condattr_destroy(&ca);
	return 0;
}

int worker_create(struct loop *l, struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	w->loop = l;
	if (pipe(w->pipe) < 0) {
		rc = errno == EMFILE || errno == ENFILE ? -EMFILE : -ENOMEM;
		free(w);
		return rc;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(w->pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(w->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	rc = init_sync(w);
	if (!rc)
		rc = loop_watch(l, w->pipe[0], LOOP_IN, on_pipe, w);
	if (!rc) {
		rc = thread_create(&w->thread, run, w);
		if (rc)
			loop_unwatch(l, w->pipe[0]);
	}
	if (rc) {
		free_worker(w);
		return rc;
	}
	*out = w;
	return 0;
}

static struct timespec deadline(uint32_t wait_ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += wait_ms / 1000;
	ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

int worker_destroy(struct worker *w, uint32_t wait_ms)
{
	struct timespec until = deadline(wait_ms);
	struct thread *t;
	bool exited;

	if (!w)
		return 0;
	t = w->thread;
	loop_unwatch(w->loop, w->pipe[0]);	/* no done() from here on */
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	while (!w->exited &&
	       pthread_cond_timedwait(&w->exit_cv, &w->mu, &until) != ETIMEDOUT)
		;
	exited = w->exited;
	if (!exited)
		w->abandoned = true;
	pthread_mutex_unlock(&w->mu);
	if (!exited) {
		thread_detach(t);	/* @w is the thread's now: not touched again */
		return -ETIMEDOUT;
	}
	thread_join(t);
	free_worker(w);
	return 0;
}

int worker_submit(struct worker *w, worker_fn fn, worker_done done, void *arg)
{
	int rc = 0;

	pthread_mutex_lock(&w->mu);
	/* a queued job plus every unreported one must fit in fin[] too */
	if (w->n + w->fin_n >= WORKER_QUEUE - 1) {
		rc = -EBUSY;
	} else {
		w->q[(w->head + w->n) % WORKER_QUEUE] = (struct job){ fn, done, arg, 0 };
		w->n++;
		pthread_cond_signal(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return rc;
}
