// SPDX-License-Identifier: MIT
/*
 * tests/fake/fake_loop.c - port/loop.h without syscalls: timers run on the
 * fake clock when the test advances it, fds are "ready" when the test (or
 * the SCTP fake) says so, signals are queued by fake_loop_raise().
 * Linear scans everywhere: a test has a handful of timers and fds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake/fake.h"

/* A callback re-arming itself at "now" this many times in a row is a
 * livelock in the code under test: report it instead of hanging. */
#define SAME_TIME_FIRES_MAX 1000000u

struct fwatch {
	int fd;
	uint32_t gen;
	uint32_t events;
	loop_fd_cb cb;
	void *arg;
};

struct loop_timer {
	struct loop *loop;	/* NULL once the loop is destroyed */
	struct loop_timer *prev, *next;
	loop_timer_cb cb;
	void *arg;
	uint64_t due;
	uint64_t seq;		/* arm order breaks ties */
	uint32_t period;
	bool armed;
};

struct loop {
	struct fwatch *w;
	unsigned int nw, capw;
	uint32_t gen;
	struct loop_timer *timers;
	uint64_t seq;
	struct {
		loop_sig_cb cb;
		void *arg;
	} sig[LOOP_SIG_USR1 + 1];
	unsigned int raised;	/* bit per loop_sig */
	bool stop;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "fake_loop: out of memory\n");
		abort();
	}
	return p;
}

/* --- process-wide fd readiness ------------------------------------------ */

static struct {
	int fd;
	uint32_t events;
} *ready;
static unsigned int nready;
static int next_fd = FAKE_FD_BASE;

void fake_fd_set_ready(int fd, uint32_t events)
{
	unsigned int i;

	for (i = 0; i < nready && ready[i].fd != fd; i++)
		;
	if (!events) {
		if (i < nready)
			ready[i] = ready[--nready];
		if (!nready) {
			free(ready);
			ready = NULL;
		}
		return;
	}
	if (i == nready) {
		ready = xrealloc(ready, (nready + 1) * sizeof(*ready));
		ready[nready++].fd = fd;
	}
	ready[i].events = events;
}

uint32_t fake_fd_ready(int fd)
{
	for (unsigned int i = 0; i < nready; i++)
		if (ready[i].fd == fd)
			return ready[i].events;
	return 0;
}

int fake_fd_alloc(void)
{
	return next_fd++;
}

void fake_fd_reset(void)
{
	free(ready);
	ready = NULL;
	nready = 0;
	next_fd = FAKE_FD_BASE;
}

/* --- loop and fds ------------------------------------------------------- */

int loop_create(struct loop **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void loop_destroy(struct loop *l)
{
	if (!l)
		return;
	for (struct loop_timer *t = l->timers; t; t = t->next) {
		t->loop = NULL;
		t->armed = false;
	}
	free(l->w);
	free(l);
}

static struct fwatch *find_watch(const struct loop *l, int fd)
{
	for (unsigned int i = 0; i < l->nw; i++)
		if (l->w[i].fd == fd)
			return &l->w[i];
	return NULL;
}

int loop_watch(struct loop *l, int fd, uint32_t events, loop_fd_cb cb,
	       void *arg)
{
	struct fwatch *w;

	if (fd < 0)
		return -EBADF;
	if (!cb || (events & ~(uint32_t)(LOOP_IN | LOOP_OUT | LOOP_ERR)))
		return -EINVAL;
	w = find_watch(l, fd);
	if (!w) {
		if (l->nw == l->capw) {
			l->capw = l->capw ? 2 * l->capw : 8;
			l->w = xrealloc(l->w, l->capw * sizeof(*l->w));
		}
		w = &l->w[l->nw++];
		w->fd = fd;
		w->gen = ++l->gen;
	}
	w->events = events;
	w->cb = cb;
	w->arg = arg;
	return 0;
}

int loop_unwatch(struct loop *l, int fd)
{
	struct fwatch *w = find_watch(l, fd);

	if (!w)
		return -ENOENT;
	*w = l->w[--l->nw];
	return 0;
}

int fake_loop_watched(const struct loop *l, int fd)
{
	const struct fwatch *w = find_watch(l, fd);

	return w ? (int)w->events : -ENOENT;
}

unsigned int fake_loop_nwatches(const struct loop *l)
{
	return l->nw;
}

int fake_loop_fire_fd(struct loop *l, int fd, uint32_t events)
{
	struct fwatch *w = find_watch(l, fd);

	if (!w)
		return -ENOENT;
	w->cb(w->arg, fd, events & (w->events | LOOP_ERR));
	return 0;
}

/* Ready fds, snapshotted first: callbacks may (un)watch as they run. */
static int run_fds(struct loop *l)
{
	struct fwatch *snap;
	unsigned int n = 0;
	int ran = 0;

	if (!l->nw)
		return 0;
	snap = xrealloc(NULL, l->nw * sizeof(*snap));
	for (unsigned int i = 0; i < l->nw; i++) {
		uint32_t ev = fake_fd_ready(l->w[i].fd) &
			      (l->w[i].events | LOOP_ERR);

		if (ev) {
			snap[n] = l->w[i];
			snap[n++].events = ev;
		}
	}
	for (unsigned int i = 0; i < n; i++) {
		struct fwatch *w = find_watch(l, snap[i].fd);

		if (!w || w->gen != snap[i].gen)
			continue;	/* unwatched by an earlier callback */
		w->cb(w->arg, w->fd, snap[i].events);
		ran++;
	}
	free(snap);
	return ran;
}

/* --- timers ------------------------------------------------------------- */

int loop_timer_new(struct loop *l, loop_timer_cb cb, void *arg,
		   struct loop_timer **out)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->loop = l;
	t->cb = cb;
	t->arg = arg;
	t->next = l->timers;
	if (t->next)
		t->next->prev = t;
	l->timers = t;
	*out = t;
	return 0;
}

void loop_timer_at(struct loop_timer *t, uint64_t due_ms, uint32_t period_ms)
{
	if (!t->loop)
		return;
	t->due = due_ms;
	t->period = period_ms;
	t->seq = ++t->loop->seq;
	t->armed = true;
}

void loop_timer_in(struct loop_timer *t, uint32_t delay_ms)
{
	loop_timer_at(t, clock_mono_ms() + delay_ms, 0);
}

void loop_timer_stop(struct loop_timer *t)
{
	t->armed = false;
}

int loop_timer_armed(const struct loop_timer *t)
{
	return t->armed;
}

void loop_timer_free(struct loop_timer *t)
{
	if (!t)
		return;
	if (t->loop) {
		if (t->prev)
			t->prev->next = t->next;
		else
			t->loop->timers = t->next;
		if (t->next)
			t->next->prev = t->prev;
	}
	free(t);
}

/* Earliest armed timer by (due, arm order); with @max_seq, only those
 * armed before the dispatch that passes it. */
static struct loop_timer *earliest(const struct loop *l, uint64_t max_seq)
{
	struct loop_timer *best = NULL;

	for (struct loop_timer *t = l->timers; t; t = t->next) {
		if (!t->armed || t->seq > max_seq)
			continue;
		if (!best || t->due < best->due ||
		    (t->due == best->due && t->seq < best->seq))
			best = t;
	}
	return best;
}

/* Same rule as the real loop: re-arm on the period grid before the
 * callback, so the callback may stop, re-arm or free the timer. */
static void fire(struct loop *l, struct loop_timer *t)
{
	uint64_t now = clock_mono_ms();

	if (t->period) {
		t->due += ((now - t->due) / t->period + 1) * t->period;
		t->seq = ++l->seq;
	} else {
		t->armed = false;
	}
	t->cb(t->arg, t);
}

uint64_t fake_loop_advance(struct loop *l, uint64_t ms)
{
	uint64_t target = clock_mono_ms() + ms, fires = 0, last = 0;
	unsigned int same = 0;
	struct loop_timer *t;

	while ((t = earliest(l, UINT64_MAX)) && t->due <= target) {
		if (t->due > clock_mono_ms())
			fake_clock_set(t->due);
		same = clock_mono_ms() == last ? same + 1 : 0;
		last = clock_mono_ms();
		if (same > SAME_TIME_FIRES_MAX) {
			fprintf(stderr, "fake_loop: timers keep firing at %llu "
				"ms: a callback re-arms at now?\n",
				(unsigned long long)last);
			abort();
		}
		fire(l, t);
		fires++;
	}
	fake_clock_set(target);
	return fires;
}

uint64_t fake_loop_advance_to_next(struct loop *l)
{
	struct loop_timer *t = earliest(l, UINT64_MAX);
	uint64_t now = clock_mono_ms();

	if (!t)
		return 0;
	return fake_loop_advance(l, t->due > now ? t->due - now : 0);
}

unsigned int fake_loop_armed_timers(const struct loop *l)
{
	unsigned int n = 0;

	for (const struct loop_timer *t = l->timers; t; t = t->next)
		n += t->armed;
	return n;
}

uint64_t fake_loop_next_due(const struct loop *l)
{
	const struct loop_timer *t = earliest(l, UINT64_MAX);

	return t ? t->due : UINT64_MAX;
}

/* --- signals and dispatch ----------------------------------------------- */

/* Nothing to block: the fake delivers only what fake_loop_raise() raises. */
int loop_block_signals(void)
{
	return 0;
}

int loop_signal(struct loop *l, enum loop_sig sig, loop_sig_cb cb, void *arg)
{
	if (sig < LOOP_SIG_INT || sig > LOOP_SIG_USR1)
		return -EINVAL;
	l->sig[sig].cb = cb;
	l->sig[sig].arg = arg;
	return 0;
}

int fake_loop_raise(struct loop *l, enum loop_sig sig)
{
	if (sig < LOOP_SIG_INT || sig > LOOP_SIG_USR1)
		return -EINVAL;
	if (!l->sig[sig].cb)
		return -ENOENT;
	l->raised |= 1u << sig;	/* pending signals coalesce, as in a kernel */
	return 0;
}

static int run_signals(struct loop *l)
{
	int ran = 0;

	for (int s = LOOP_SIG_INT; s <= LOOP_SIG_USR1; s++) {
		if (!(l->raised & 1u << s))
			continue;
		l->raised &= ~(1u << s);
		if (l->sig[s].cb) {
			l->sig[s].cb(l->sig[s].arg, (enum loop_sig)s);
			ran++;
		}
	}
	return ran;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
	uint64_t start_seq = l->seq, now = clock_mono_ms();
	struct loop_timer *t;
	int ran;

	(void)timeout_ms;	/* the fake never waits */
	ran = run_signals(l);
	ran += run_fds(l);
	while ((t = earliest(l, start_seq)) && t->due <= now) {
		fire(l, t);
		ran++;
	}
	return ran;
}

void loop_stop(struct loop *l)
{
	l->stop = true;
}

int loop_run(struct loop *l)
{
	unsigned long rounds = 0;

	while (!l->stop && loop_run_once(l, -1) > 0) {
		if (++rounds > 10000000ul) {
			fprintf(stderr, "fake_loop: loop_run never idles "
				"(an fd always ready?)\n");
			abort();
		}
	}
	l->stop = false;
	return 0;
}
