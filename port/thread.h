/* SPDX-License-Identifier: MIT */
/*
 * port/thread.h - the one way the agent starts a thread.
 *
 * The agent handles its signals on the loop's thread through a signalfd
 * (port/loop.h). A process-directed signal goes to any thread that does not
 * block it, so a single thread with the default disposition (a worker, a
 * userspace SCTP stack's timer thread) would be killed by SIGUSR1 or SIGHUP
 * instead of the loop seeing it. Every thread made here therefore starts
 * with every signal blocked, and thread_call_masked() lets a library that
 * creates its own threads (usrsctp_init) do so under a full mask, which
 * those threads inherit.
 */
#ifndef PORT_THREAD_H
#define PORT_THREAD_H

#include <stddef.h>

struct thread;

typedef void (*thread_fn)(void *arg);

/* Stack size of thread_create()'s threads: enough for a driver read. */
#define THREAD_STACK (256 * 1024)

/* Start @fn(@arg) on a new thread with every signal blocked. *@out is the
 * handle for thread_join()/thread_detach(). -EAGAIN (no thread), -ENOMEM. */
int thread_create(struct thread **out, thread_fn fn, void *arg);
/* Wait for the thread to end and free the handle. */
void thread_join(struct thread *t);
/* Let the thread run on alone (its resources go when it ends) and free the
 * handle: for a thread stuck in the kernel that exit must not wait for. */
void thread_detach(struct thread *t);

/* Run @fn(@arg) on the calling thread with every signal blocked, then put
 * the mask back: threads @fn creates inherit the full mask. Returns what
 * @fn returns. */
int thread_call_masked(int (*fn)(void *arg), void *arg);

/* 1 if the calling thread blocks every signal the agent handles (SIGINT,
 * SIGTERM, SIGHUP, SIGUSR1) and SIGPIPE, else 0: for tests and asserts. */
int thread_signals_blocked(void);

#endif
