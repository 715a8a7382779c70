// SPDX-License-Identifier: MIT
/*
 * port/posix/thread.c - threads that never take a signal (port/thread.h).
 * A new thread inherits its creator's signal mask, so the creator blocks
 * every signal around pthread_create() and restores its own mask after:
 * the thread never runs a single instruction with a signal unblocked.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>

#include "port/thread.h"

struct thread {
	pthread_t id;
};

/* What the new thread runs; it frees this itself, so the handle can be
 * detached (and freed) before the thread has even started. */
struct start {
	thread_fn fn;
	void *arg;
};

static void *trampoline(void *arg)
{
	struct start s = *(struct start *)arg;

	free(arg);
	s.fn(s.arg);
	return NULL;
}

struct create_args {
	struct thread *t;
	pthread_attr_t *attr;
	struct start *s;
};

static int do_create(void *arg)
{
	struct create_args *c = arg;

	return pthread_create(&c->t->id, c->attr, trampoline, c->s);
}

int thread_create(struct thread **out, thread_fn fn, void *arg)
{
	struct thread *t = calloc(1, sizeof(*t));
	struct start *s = malloc(sizeof(*s));
	pthread_attr_t attr;
	struct create_args c = { t, &attr, s };
	int rc = -ENOMEM;

	if (!t || !s || pthread_attr_init(&attr))
		goto fail;
	*s = (struct start){ fn, arg };
	pthread_attr_setstacksize(&attr, THREAD_STACK);
	rc = thread_call_masked(do_create, &c);
	pthread_attr_destroy(&attr);
	if (rc) {
		rc = rc == ENOMEM ? -ENOMEM : -EAGAIN;
		goto fail;
	}
	*out = t;
	return 0;
fail:
	free(s);
	free(t);
	return rc;
}

void thread_join(struct thread *t)
{
	if (!t)
		return;
	pthread_join(t->id, NULL);
	free(t);
}

void thread_detach(struct thread *t)
{
	if (!t)
		return;
	pthread_detach(t->id);
	free(t);	/* the thread itself never touches the handle */
}

int thread_call_masked(int (*fn)(void *arg), void *arg)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = fn(arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int thread_signals_blocked(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGPIPE };
	sigset_t cur;

	if (pthread_sigmask(SIG_BLOCK, NULL, &cur))
		return 0;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (!sigismember(&cur, sigs[i]))
			return 0;
	return 1;
}
