/* SPDX-License-Identifier: MIT */
/*
 * One worker thread with a small job ring. Completions go back through a
 * pipe the loop watches, so done() runs on the loop's thread.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "port/loop.h"
#include "port/worker.h"

struct job {
	worker_fn fn;
	worker_done done;
	void *arg;
	int rc;
};

struct worker {
	struct loop *loop;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job q[WORKER_QUEUE];	/* waiting */
	unsigned int head, n;
	struct job fin[WORKER_QUEUE];	/* finished, for the loop */
	unsigned int fin_n;
	bool stop;
	int pipe[2];
};

static void *run(void *arg)
{
	struct worker *w = arg;

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
		w->fin[w->fin_n++] = j;	/* fin_n <= queued jobs <= WORKER_QUEUE */
		(void)!write(w->pipe[1], "x", 1);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
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

int worker_create(struct loop *l, struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return -ENOMEM;
	w->loop = l;
	if (pipe(w->pipe) < 0) {
		rc = -errno;
		free(w);
		return rc;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(w->pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(w->pipe[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	rc = -pthread_create(&w->thread, NULL, run, w);
	if (!rc)
		rc = loop_watch(l, w->pipe[0], LOOP_IN, on_pipe, w);
	if (rc) {
		close(w->pipe[0]);
		close(w->pipe[1]);
		free(w);
		return rc;
	}
	*out = w;
	return 0;
}

void worker_destroy(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	loop_unwatch(w->loop, w->pipe[0]);
	close(w->pipe[0]);
	close(w->pipe[1]);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
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
