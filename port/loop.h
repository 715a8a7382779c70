/* SPDX-License-Identifier: MIT */
/*
 * port/loop.h - the one event loop: fd watches, timers, signals.
 * Single-threaded: every callback runs from loop_run_once() on the caller's
 * thread. Implemented with epoll + timerfd + signalfd (port/posix/loop.c)
 * and by the fake in tests/fake (timers driven by the settable clock).
 */
#ifndef PORT_LOOP_H
#define PORT_LOOP_H

#include <stdint.h>

struct loop;
struct loop_timer;

enum { LOOP_IN = 1u << 0, LOOP_OUT = 1u << 1, LOOP_ERR = 1u << 2 };

/* Signals the agent handles, named without OS headers. */
enum loop_sig { LOOP_SIG_INT = 1, LOOP_SIG_TERM, LOOP_SIG_HUP, LOOP_SIG_USR1 };

typedef void (*loop_fd_cb)(void *arg, int fd, uint32_t events);
typedef void (*loop_timer_cb)(void *arg, struct loop_timer *t);
typedef void (*loop_sig_cb)(void *arg, enum loop_sig sig);

/* -ENOMEM, -EMFILE. The loop owns nothing it watches. */
int loop_create(struct loop **out);
void loop_destroy(struct loop *l);

/* Watch @fd for LOOP_IN/LOOP_OUT. Re-watching an fd updates it.
 * -EINVAL, -ENOMEM, -EBADF. */
int loop_watch(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
	       void *arg);
/* Stop watching; -ENOENT if not watched. */
int loop_unwatch(struct loop *l, int fd);

/* A timer, disarmed at creation. -ENOMEM. Freed by loop_timer_free(). */
int loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg,
		   struct loop_timer **out);
/* Fire at absolute monotonic time @due_ms (clock_mono_ms), then every
 * @period_ms if non-zero, scheduled from the due time so it never drifts. */
void loop_timer_at(struct loop_timer *t, uint64_t due_ms, uint32_t period_ms);
/* Fire @delay_ms from now, once. */
void loop_timer_in(struct loop_timer *t, uint32_t delay_ms);
void loop_timer_stop(struct loop_timer *t);
int loop_timer_armed(const struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);

/*
 * Block every signal of enum loop_sig in the calling thread, and ignore
 * SIGPIPE (a log reader that went away gives EPIPE, not death). Call it
 * first thing in main(), before any thread exists: threads inherit the
 * mask, so none of them can take a signal meant for the loop, and a
 * signal that comes before loop_signal() waits for it instead of killing
 * the process. 0 or -EINVAL.
 */
int loop_block_signals(void);

/* Deliver @sig through the loop instead of asynchronously. -EINVAL. */
int loop_signal(struct loop *l, enum loop_sig sig, loop_sig_cb cb, void *arg);

/* Wait up to @timeout_ms (-1 = until something happens) and dispatch.
 * Returns the number of callbacks run, or -EINTR / -EIO. */
int loop_run_once(struct loop *l, int timeout_ms);

/* Make loop_run() return after the current dispatch. */
void loop_stop(struct loop *l);
/* Dispatch until loop_stop(). Returns 0 or the first fatal error. */
int loop_run(struct loop *l);

#endif
