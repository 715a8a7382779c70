// SPDX-License-Identifier: MIT
/*
 * port/posix/loop.c - the event loop on Linux: epoll for fds, one timerfd
 * armed at the earliest loop_timer (a binary min-heap), one signalfd.
 *
 * Callbacks may watch/unwatch any fd and arm/stop/free any timer, their own
 * included, while the loop dispatches:
 *  - an epoll event carries (generation << 32 | fd) and is looked up in
 *    the watch list at dispatch time, so an event for a watch removed
 *    earlier in the same batch (or for an fd closed without unwatching)
 *    finds nothing and is dropped;
 *  - a due timer is taken off the heap (and a periodic one re-armed) before
 *    its callback runs, and the loop never touches it afterwards.
 * Signals go through the process signal mask, so one loop per process
 * should handle them.
 */
#define _DEFAULT_SOURCE		/* epoll, timerfd, signalfd */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "port/clock.h"
#include "port/loop.h"

#define MAX_EVENTS 16

struct watch {
	struct watch *next;
	int fd;
	uint32_t gen;		/* tells a re-watched fd from a stale event */
	uint32_t events;
	loop_fd_cb cb;
	void *arg;
};

struct loop_timer {
	struct loop *loop;	/* NULL once the loop is destroyed */
	struct loop_timer *prev, *next;	/* every timer of the loop */
	loop_timer_cb cb;
	void *arg;
	uint64_t due;
	uint64_t seq;		/* arm order: FIFO among equal due times */
	uint32_t period;
	int idx;		/* heap slot; -1 = disarmed */
};

struct loop {
	int epfd, tfd, sfd;
	struct watch *watches;
	uint32_t gen;
	struct loop_timer **heap;
	unsigned int n, cap;	/* armed timers; heap room (>= timers) */
	struct loop_timer *timers;
	uint64_t seq;
	uint64_t tfd_due;
	bool tfd_armed;
	bool stop;
	sigset_t sigs;		/* handled through the signalfd */
	sigset_t ours;		/* blocked by us: unblocked at destroy */
	struct {
		loop_sig_cb cb;
		void *arg;
	} sig[LOOP_SIG_USR1 + 1];
};

static int res_err(int e)
{
	return e == EMFILE || e == ENFILE ? -EMFILE : -ENOMEM;
}

int loop_create(struct loop **out)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct loop *l;
	int err = 0;

	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->tfd = l->sfd = -1;
	sigemptyset(&l->sigs);
	sigemptyset(&l->ours);
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0) {
		err = res_err(errno);
		goto out;
	}
	l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (l->tfd < 0) {
		err = res_err(errno);
		goto out;
	}
	ev.data.u64 = (uint32_t)l->tfd;	/* generation 0: internal */
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->tfd, &ev))
		err = res_err(errno);
out:
	if (err) {
		loop_destroy(l);
		l = NULL;
	}
	*out = l;
	return err;
}

/* Take back the signals we blocked, dropping pending ones first: unblocked,
 * a pending SIGTERM would run its default action and kill the process. */
static void release_signals(sigset_t *set)
{
	static const struct timespec zero;

	while (sigtimedwait(set, NULL, &zero) > 0)
		;
	sigprocmask(SIG_UNBLOCK, set, NULL);
}

void loop_destroy(struct loop *l)
{
	if (!l)
		return;
	while (l->watches) {
		struct watch *w = l->watches;

		l->watches = w->next;
		free(w);
	}
	for (struct loop_timer *t = l->timers; t; t = t->next) {
		t->loop = NULL;	/* the owner still frees it */
		t->idx = -1;
	}
	release_signals(&l->ours);
	if (l->sfd >= 0)
		close(l->sfd);
	if (l->tfd >= 0)
		close(l->tfd);
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->heap);
	free(l);
}

static struct watch *find_watch(struct loop *l, int fd)
{
	struct watch *w;

	for (w = l->watches; w; w = w->next)
		if (w->fd == fd)
			break;
	return w;
}

int loop_watch(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
	       void *arg)
{
	struct epoll_event ev = { 0 };
	struct watch *w;
	bool add;

	if (fd < 0)
		return -EBADF;
	if (!cb || (events & ~(uint32_t)(LOOP_IN | LOOP_OUT | LOOP_ERR)))
		return -EINVAL;
	w = find_watch(l, fd);
	add = !w;
	if (add) {
		w = calloc(1, sizeof(*w));
		if (!w)
			return -ENOMEM;
		w->fd = fd;
		w->gen = ++l->gen ? l->gen : ++l->gen;	/* 0 is internal */
	}
	ev.events = (events & LOOP_IN ? EPOLLIN : 0) |
		    (events & LOOP_OUT ? EPOLLOUT : 0);
	ev.data.u64 = (uint64_t)w->gen << 32 | (uint32_t)fd;
	if (epoll_ctl(l->epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &ev)) {
		int e = errno;

		if (add)
			free(w);
		/* EPERM: a regular file; EEXIST: one of the loop's own fds */
		return e == EBADF ? -EBADF : e == ENOMEM || e == ENOSPC ?
		       -ENOMEM : -EINVAL;
	}
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	if (add) {
		w->next = l->watches;
		l->watches = w;
	}
	return 0;
}

int loop_unwatch(struct loop *l, int fd)
{
	struct watch **pp, *w;

	for (pp = &l->watches; *pp && (*pp)->fd != fd; pp = &(*pp)->next)
		;
	w = *pp;
	if (!w)
		return -ENOENT;
	/* EBADF when the caller closed the fd first: epoll already forgot it */
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	*pp = w->next;
	free(w);
	return 0;
}

/* --- timers: a binary min-heap on (due, seq) ---------------------------- */

static bool before(const struct loop_timer *a, const struct loop_timer *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_set(struct loop *l, unsigned int i, struct loop_timer *t)
{
	l->heap[i] = t;
	t->idx = (int)i;
}

static void sift_up(struct loop *l, unsigned int i)
{
	struct loop_timer *t = l->heap[i];

	while (i > 0 && before(t, l->heap[(i - 1) / 2])) {
		heap_set(l, i, l->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	heap_set(l, i, t);
}

static void sift_down(struct loop *l, unsigned int i)
{
	struct loop_timer *t = l->heap[i];

	for (;;) {
		unsigned int c = 2 * i + 1;

		if (c >= l->n)
			break;
		if (c + 1 < l->n && before(l->heap[c + 1], l->heap[c]))
			c++;
		if (!before(l->heap[c], t))
			break;
		heap_set(l, i, l->heap[c]);
		i = c;
	}
	heap_set(l, i, t);
}

static void heap_push(struct loop *l, struct loop_timer *t)
{
	/* Room was reserved by loop_timer_new(): arming cannot fail. */
	heap_set(l, l->n++, t);
	sift_up(l, l->n - 1);
}

static void heap_del(struct loop *l, struct loop_timer *t)
{
	unsigned int i = (unsigned int)t->idx;
	struct loop_timer *last = l->heap[--l->n];

	t->idx = -1;
	if (i == l->n)
		return;
	heap_set(l, i, last);
	sift_up(l, i);
	sift_down(l, (unsigned int)last->idx);
}

int loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg,
		   struct loop_timer **out)
{
	struct loop_timer *t;
	unsigned int ntimers = 1;

	for (t = l->timers; t; t = t->next)
		ntimers++;
	if (ntimers > l->cap) {
		unsigned int cap = l->cap ? 2 * l->cap : 8;
		void *h = realloc(l->heap, cap * sizeof(*l->heap));

		if (!h)
			return -ENOMEM;
		l->heap = h;
		l->cap = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->loop = l;
	t->cb = cb;
	t->arg = arg;
	t->idx = -1;
	t->next = l->timers;
	if (t->next)
		t->next->prev = t;
	l->timers = t;
	*out = t;
	return 0;
}

void loop_timer_at(struct loop_timer *t, uint64_t due_ms, uint32_t period_ms)
{
	struct loop *l = t->loop;

	if (!l)
		return;
	if (t->idx >= 0)
		heap_del(l, t);
	t->due = due_ms;
	t->period = period_ms;
	t->seq = ++l->seq;
	heap_push(l, t);
}

void loop_timer_in(struct loop_timer *t, uint32_t delay_ms)
{
	loop_timer_at(t, clock_mono_ms() + delay_ms, 0);
}

void loop_timer_stop(struct loop_timer *t)
{
	if (t->loop && t->idx >= 0)
		heap_del(t->loop, t);
}

int loop_timer_armed(const struct loop_timer *t)
{
	return t->idx >= 0;
}

void loop_timer_free(struct loop_timer *t)
{
	struct loop *l;

	if (!t)
		return;
	l = t->loop;
	if (l) {
		loop_timer_stop(t);
		if (t->prev)
			t->prev->next = t->next;
		else
			l->timers = t->next;
		if (t->next)
			t->next->prev = t->prev;
	}
	free(t);
}

/*
 * Run the timers due now. A periodic timer is re-armed on its own grid
 * (due + k * period) before its callback, so it never drifts and, after a
 * stall, fires once instead of once per missed period. At most as many
 * callbacks as timers were armed: a callback re-arming itself at "now"
 * runs again on the next loop_run_once(), not in an endless loop here.
 */
static int run_timers(struct loop *l)
{
	uint64_t now = clock_mono_ms();
	unsigned int budget = l->n;
	int ran = 0;

	while (budget-- && l->n && l->heap[0]->due <= now) {
		struct loop_timer *t = l->heap[0];

		heap_del(l, t);
		if (t->period) {
			uint64_t late = now - t->due;

			t->due += ((late / t->period) + 1) * t->period;
			t->seq = ++l->seq;
			heap_push(l, t);
		}
		t->cb(t->arg, t);
		ran++;
	}
	return ran;
}

/* Point the timerfd at the earliest timer (or disarm it). */
static int sync_timerfd(struct loop *l)
{
	struct itimerspec its = { 0 };
	uint64_t due;

	if (!l->n) {
		if (!l->tfd_armed)
			return 0;
		l->tfd_armed = false;
		return timerfd_settime(l->tfd, 0, &its, NULL) ? -EIO : 0;
	}
	due = l->heap[0]->due;
	if (l->tfd_armed && due == l->tfd_due)
		return 0;
	its.it_value.tv_sec = (time_t)(due / 1000);
	its.it_value.tv_nsec = (long)(due % 1000) * 1000000L;
	if (!its.it_value.tv_sec && !its.it_value.tv_nsec)
		its.it_value.tv_nsec = 1;	/* zero would disarm */
	if (timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL))
		return -EIO;
	l->tfd_due = due;
	l->tfd_armed = true;
	return 0;
}

/* --- signals ------------------------------------------------------------ */

static const int signo_of[] = {
	[LOOP_SIG_INT] = SIGINT, [LOOP_SIG_TERM] = SIGTERM,
	[LOOP_SIG_HUP] = SIGHUP, [LOOP_SIG_USR1] = SIGUSR1,
};

int loop_block_signals(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t set;

	sigemptyset(&set);
	for (int s = LOOP_SIG_INT; s <= LOOP_SIG_USR1; s++)
		sigaddset(&set, signo_of[s]);
	sigemptyset(&ign.sa_mask);
	if (sigprocmask(SIG_BLOCK, &set, NULL) || sigaction(SIGPIPE, &ign, NULL))
		return -EINVAL;
	return 0;
}

static int update_signalfd(struct loop *l)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = signalfd(l->sfd, &l->sigs, SFD_NONBLOCK | SFD_CLOEXEC);

	if (fd < 0)
		return res_err(errno);
	if (l->sfd < 0) {
		ev.data.u64 = (uint32_t)fd;
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			close(fd);
			return res_err(errno);
		}
		l->sfd = fd;
	}
	return 0;
}

int loop_signal(struct loop *l, enum loop_sig sig, loop_sig_cb cb, void *arg)
{
	sigset_t one, old;
	int signo, err = 0;

	if (sig < LOOP_SIG_INT || sig > LOOP_SIG_USR1)
		return -EINVAL;
	signo = signo_of[sig];
	sigemptyset(&one);
	sigaddset(&one, signo);
	if (!cb) {
		if (sigismember(&l->sigs, signo)) {
			sigdelset(&l->sigs, signo);
			err = update_signalfd(l);
			if (sigismember(&l->ours, signo)) {
				sigdelset(&l->ours, signo);
				release_signals(&one);
			}
		}
		goto out;
	}
	if (!sigismember(&l->sigs, signo)) {
		/* Blocked so it queues for the signalfd instead of running a
		 * handler; threads created later (usrsctp) inherit the mask. */
		sigprocmask(SIG_BLOCK, &one, &old);
		if (!sigismember(&old, signo))
			sigaddset(&l->ours, signo);
		sigaddset(&l->sigs, signo);
		err = update_signalfd(l);
	}
out:
	l->sig[sig].cb = cb;
	l->sig[sig].arg = arg;
	return err;
}

static int run_signals(struct loop *l)
{
	struct signalfd_siginfo si;
	int ran = 0;

	while (read(l->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		for (int s = LOOP_SIG_INT; s <= LOOP_SIG_USR1; s++) {
			if ((uint32_t)signo_of[s] != si.ssi_signo || !l->sig[s].cb)
				continue;
			l->sig[s].cb(l->sig[s].arg, (enum loop_sig)s);
			ran++;
		}
	}
	return ran;
}

/* --- dispatch ----------------------------------------------------------- */

static uint32_t loop_events(uint32_t ev)
{
	return (ev & EPOLLIN ? LOOP_IN : 0) | (ev & EPOLLOUT ? LOOP_OUT : 0) |
	       (ev & (EPOLLERR | EPOLLHUP) ? LOOP_ERR : 0);
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	struct epoll_event ev[MAX_EVENTS];
	int n, ran = 0;

	if (sync_timerfd(l))
		return -EIO;
	n = epoll_wait(l->epfd, ev, MAX_EVENTS, timeout_ms);
	if (n < 0)
		return errno == EINTR ? -EINTR : -EIO;
	for (int i = 0; i < n; i++) {
		int fd = (int)(uint32_t)ev[i].data.u64;
		uint32_t gen = (uint32_t)(ev[i].data.u64 >> 32);
		struct watch *w;
		uint64_t expirations;

		if (gen == 0 && fd == l->tfd) {
			/* Expired: re-arm on the next pass even for the same
			 * due time (the budget may have left it on the heap). */
			ssize_t r = read(l->tfd, &expirations,
					 sizeof(expirations));

			(void)r;	/* EAGAIN is fine: drained already */
			l->tfd_armed = false;
			continue;
		}
		if (gen == 0 && fd == l->sfd) {
			ran += run_signals(l);
			continue;
		}
		w = find_watch(l, fd);
		if (!w || w->gen != gen)
			continue;	/* unwatched earlier in this batch */
		w->cb(w->arg, fd, loop_events(ev[i].events));
		ran++;
	}
	return ran + run_timers(l);
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

int loop_run(struct loop *l)
{
	int err = 0;

	while (!l->stop) {
		int r = loop_run_once(l, -1);

		if (r < 0 && r != -EINTR) {
			err = r;
			break;
		}
	}
	l->stop = false;	/* ready for the next loop_run() */
	return err;
}
