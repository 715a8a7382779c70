/* SPDX-License-Identifier: MIT */
/*
 * Sampler: one periodic loop timer per sensor. Timers are scheduled from
 * their due time (loop_timer_at with a period), so a sensor never drifts
 * however late a callback runs. A failed read is counted and retried with
 * backoff (interval/8 doubling up to the interval); other sensors are
 * unaffected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/sensor.h"
#include "port/clock.h"
#include "port/loop.h"
#include "port/worker.h"

struct sampled {
	struct sampler *sp;
	unsigned int index;
	const char *name;
	const struct sensor_ops *ops;
	void *state;
	uint32_t interval_ms;
	uint32_t retry_ms;	/* 0 = on schedule */
	struct loop_timer *timer;
	struct sampler_stats st;
	int event_fd;		/* -1, or watched for changes */
	/* blocking drivers: one read in flight on the worker */
	bool busy;
	uint64_t job_now;
	double job_value;
	int64_t job_wall;
};

struct sampler {
	struct loop *loop;
	struct worker *worker;	/* created when a driver blocks */
	sampler_cb cb;
	void *arg;
	unsigned int n;
	struct sampled s[];
};

static void schedule(struct sampled *s, uint64_t due)
{
	loop_timer_at(s->timer, due, s->retry_ms ? 0 : s->interval_ms);
}

/* After a read (inline or on the worker): deliver, or back off. */
static void finish(struct sampled *s, int rc, double v, int64_t wall, bool scheduled)
{
	s->st.reads++;
	if (!rc) {
		s->sp->cb(s->sp->arg, s->index, v, wall);
		if (scheduled && s->retry_ms) {	/* recovered: plain schedule */
			s->retry_ms = 0;
			schedule(s, clock_mono_ms() + s->interval_ms);
		}
		return;
	}
	s->st.errors++;
	if (!scheduled)
		return;
	s->retry_ms = s->retry_ms ? s->retry_ms * 2 : s->interval_ms / 8 + 1;
	if (s->retry_ms > s->interval_ms)
		s->retry_ms = s->interval_ms;
	s->st.retries++;
	LOG(LOGM_SAMPLER, LOG_WARN, "sensor=%s read failed (%s), retry in %u ms",
	    s->name, strerror(-rc), s->retry_ms);
	schedule(s, clock_mono_ms() + s->retry_ms);
}

static int job_read(void *arg)
{
	struct sampled *s = arg;
	int rc = s->ops->read(s->state, s->job_now, &s->job_value);

	s->job_wall = clock_wall_ms();
	return rc;
}

static void job_done(void *arg, int rc)
{
	struct sampled *s = arg;

	s->busy = false;
	finish(s, rc, s->job_value, s->job_wall, true);
}

/* Take one reading; a blocking driver reads on the worker thread and
 * reports through job_done(). */
static int take(struct sampled *s, bool scheduled)
{
	double v = 0;
	int rc;

	if (s->ops->blocking && s->sp->worker) {
		if (s->busy) {
			s->st.skipped++;
			return -EBUSY;
		}
		s->job_now = clock_mono_ms();
		rc = worker_submit(s->sp->worker, job_read, job_done, s);
		if (!rc)
			s->busy = true;
		return rc;
	}
	rc = s->ops->read(s->state, clock_mono_ms(), &v);
	finish(s, rc, v, clock_wall_ms(), scheduled);
	return rc;
}

static void on_timer(void *arg, struct loop_timer *t)
{
	(void)t;
	take(arg, true);
}

static void on_event(void *arg, int fd, uint32_t events)
{
	struct sampled *s = arg;

	(void)fd, (void)events;
	s->st.events++;
	take(s, false);
}

static int open_one(struct sampler *sp, unsigned int i,
		    const struct sampler_sensor_cfg *c, char *why, unsigned int n)
{
	struct sampled *s = &sp->s[i];
	char reason[128] = "";
	int rc;

	s->sp = sp, s->index = i, s->name = c->name, s->interval_ms = c->interval_ms;
	s->event_fd = -1;
	s->ops = board_sensor_driver(c->driver);
	if (!s->ops) {
		snprintf(why, n, "sensor %s: unknown driver '%s'", c->name, c->driver);
		return -ENOENT;
	}
	rc = s->ops->open(c->source, &s->state, reason, sizeof(reason));
	if (rc) {
		s->ops = NULL;
		/* the driver's reason says more than errno when it gave one */
		snprintf(why, n, "sensor %s: driver %s: %s", c->name, c->driver,
			 reason[0] ? reason : strerror(-rc));
		return rc;
	}
	rc = loop_timer_new(sp->loop, on_timer, s, &s->timer);
	if (rc)
		return rc;
	s->event_fd = s->ops->event_fd ? s->ops->event_fd(s->state) : -1;
	if (s->event_fd >= 0) {
		rc = loop_watch(sp->loop, s->event_fd, LOOP_IN, on_event, s);
		if (rc)
			return rc;
	}
	/* first reading one interval after start, like every later one */
	schedule(s, clock_mono_ms() + s->interval_ms);
	return 0;
}

int sampler_create(struct loop *l, const struct sampler_sensor_cfg *c,
		   unsigned int n, sampler_cb cb, void *arg,
		   struct sampler **out, char *why, unsigned int why_size)
{
	struct sampler *sp = calloc(1, sizeof(*sp) + n * sizeof(sp->s[0]));
	int rc = 0;

	if (!sp)
		return -ENOMEM;
	sp->loop = l, sp->cb = cb, sp->arg = arg, sp->n = n;
	for (unsigned int i = 0; i < n && !rc; i++)
		rc = open_one(sp, i, &c[i], why, why_size);
	for (unsigned int i = 0; i < n && !rc; i++)
		if (sp->s[i].ops->blocking && !sp->worker)
			rc = worker_create(l, &sp->worker);
	if (rc) {
		sampler_destroy(sp);
		return rc;
	}
	*out = sp;
	return 0;
}

void sampler_destroy(struct sampler *sp)
{
	if (!sp)
		return;
	worker_destroy(sp->worker);	/* no read runs after this */
	for (unsigned int i = 0; i < sp->n; i++) {
		if (sp->s[i].ops && sp->s[i].event_fd >= 0)
			loop_unwatch(sp->loop, sp->s[i].event_fd);
		loop_timer_free(sp->s[i].timer);
		if (sp->s[i].ops)
			sp->s[i].ops->close(sp->s[i].state);
	}
	free(sp);
}

int sampler_set_interval(struct sampler *sp, unsigned int i, uint32_t ms)
{
	if (i >= sp->n || ms == 0)
		return -EINVAL;
	sp->s[i].interval_ms = ms;
	sp->s[i].retry_ms = 0;
	schedule(&sp->s[i], clock_mono_ms() + ms);
	return 0;
}

int sampler_read_now(struct sampler *sp, unsigned int i)
{
	if (i >= sp->n)
		return -EINVAL;
	return take(&sp->s[i], false);
}

void sampler_get_stats(const struct sampler *sp, unsigned int i,
		       struct sampler_stats *st)
{
	*st = i < sp->n ? sp->s[i].st : (struct sampler_stats){ 0 };
}

uint32_t sampler_interval(const struct sampler *sp, unsigned int i)
{
	return i < sp->n ? sp->s[i].interval_ms : 0;
}
