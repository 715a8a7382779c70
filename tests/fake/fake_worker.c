/* SPDX-License-Identifier: MIT */
/*
 * Fake port/worker.h: jobs wait until the test calls fake_worker_run(),
 * which runs each job and its done() in submission order (over every
 * worker) on the test's thread. fake_worker_hang() models a job stuck in
 * the kernel: it starts and never returns, so worker_destroy() gives up on
 * it (-ETIMEDOUT), as the real worker does after its bounded wait.
 */
#include <errno.h>
#include <stdlib.h>

#include "port/worker.h"
#include "tests/fake/fake.h"

struct job {
	worker_fn fn;
	worker_done done;
	void *arg;
	uint64_t seq;
};

struct worker {
	struct worker *next;
	struct job q[WORKER_QUEUE];
	unsigned int n;
	bool hung;		/* a job started and never returns */
};

static struct worker *workers;
static uint64_t seq;
static unsigned int gave_up;

int worker_create(struct loop *l, struct worker **out)
{
	struct worker *w = calloc(1, sizeof(*w));

	(void)l;
	if (!w)
		return -ENOMEM;
	w->next = workers;
	workers = w;
	*out = w;
	return 0;
}

int worker_destroy(struct worker *w, uint32_t wait_ms)
{
	struct worker **pp;
	bool hung;

	(void)wait_ms;	/* the fake never waits: a hung job never ends */
	if (!w)
		return 0;
	for (pp = &workers; *pp && *pp != w; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = w->next;
	hung = w->hung;
	free(w);
	if (hung)
		gave_up++;
	return hung ? -ETIMEDOUT : 0;
}

int worker_submit(struct worker *w, worker_fn fn, worker_done done, void *arg)
{
	if (w->n + (w->hung ? 1u : 0u) >= WORKER_QUEUE - 1)
		return -EBUSY;
	w->q[w->n++] = (struct job){ fn, done, arg, ++seq };
	return 0;
}

/* The worker whose head job was submitted first; NULL if none waits. */
static struct worker *oldest(void)
{
	struct worker *best = NULL;

	for (struct worker *w = workers; w; w = w->next)
		if (w->n && !w->hung && (!best || w->q[0].seq < best->q[0].seq))
			best = w;
	return best;
}

static struct job pop(struct worker *w)
{
	struct job j = w->q[0];

	for (unsigned int i = 1; i < w->n; i++)
		w->q[i - 1] = w->q[i];
	w->n--;
	return j;
}

unsigned int fake_worker_run(void)
{
	unsigned int n = 0;
	struct worker *w;

	while ((w = oldest())) {
		struct job j = pop(w);

		j.done(j.arg, j.fn(j.arg));
		n++;
	}
	return n;
}

unsigned int fake_worker_pending(void)
{
	unsigned int n = 0;

	for (struct worker *w = workers; w; w = w->next)
		n += w->n;
	return n;
}

bool fake_worker_hang(void)
{
	struct worker *w = oldest();

	if (!w)
		return false;
	pop(w);		/* started, and it never comes back */
	w->hung = true;
	return true;
}

unsigned int fake_worker_count(void)
{
	unsigned int n = 0;

	for (struct worker *w = workers; w; w = w->next)
		n++;
	return n;
}

unsigned int fake_worker_gave_up(void)
{
	return gave_up;
}

void fake_worker_reset(void)
{
	while (workers) {
		struct worker *w = workers;

		workers = w->next;
		free(w);
	}
	seq = 0;
	gave_up = 0;
}
