/* SPDX-License-Identifier: MIT */
/*
 * port/worker.h - run a blocking call (a 1-Wire conversion that takes
 * 750 ms in the kernel, an I2C measurement) off the event loop. The job
 * runs on one worker thread (made by port/thread.h, so it never takes a
 * signal); its completion runs on the loop's thread, so core code is never
 * called from a foreign thread.
 */
#ifndef PORT_WORKER_H
#define PORT_WORKER_H

#include <stdint.h>

struct loop;
struct worker;

/* Runs on the worker thread: must touch only what @arg gives it. */
typedef int (*worker_fn)(void *arg);
/* Runs on the loop, with what @fn returned. */
typedef void (*worker_done)(void *arg, int rc);

#define WORKER_QUEUE 16		/* jobs waiting at most */

/* -ENOMEM, -EAGAIN (no thread), -EMFILE. */
int worker_create(struct loop *l, struct worker **out);
/*
 * Stop the worker: queued jobs are dropped without done(), and no done()
 * runs after this returns. Waits up to @wait_ms for the running job.
 * 0, or -ETIMEDOUT: a job is still running (a read stuck in the kernel);
 * the thread is left to end on its own and frees the worker then, so the
 * caller must leave alone whatever that job uses (the process is about
 * to exit).
 */
int worker_destroy(struct worker *w, uint32_t wait_ms);
/* Queue a job. -EBUSY the queue is full. */
int worker_submit(struct worker *w, worker_fn fn, worker_done done, void *arg);

#endif
