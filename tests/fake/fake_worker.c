/* SPDX-License-Identifier: MIT */
/*
 * Fake port/worker.h: jobs wait until the test calls fake_worker_run(),
 * which runs each job and its done() in order on the test's thread.
 */
#include <errno.h>
#include <stdlib.h>

#include "port/worker.h"
#include "tests/fake/fake.h"

struct job {
	worker_fn fn;
	worker_done done;
	void *arg;
};

struct worker {
	struct job q[WORKER_QUEUE];
	unsigned int n;
};

static struct worker *last;

int worker_create(struct loop *l, struct worker **out)
{
	(void)l;
	*out = last = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void worker_destroy(struct worker *w)
{
	if (w == last)
		last = NULL;
	free(w);
}

int worker_submit(struct worker *w, worker_fn fn, worker_done done, void *arg)
{
	if (w->n == WORKER_QUEUE)
		return -EBUSY;
	w->q[w->n++] = (struct job){ fn, done, arg };
	return 0;
}

unsigned int fake_worker_run(void)
{
	unsigned int n = 0;

	while (last && last->n) {
		struct job j = last->q[0];

		for (unsigned int i = 1; i < last->n; i++)
			last->q[i - 1] = last->q[i];
		last->n--;
		j.done(j.arg, j.fn(j.arg));
		n++;
	}
	return n;
}

unsigned int fake_worker_pending(void)
{
	return last ? last->n : 0;
}
