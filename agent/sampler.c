/* SPDX-License-Identifier: MIT */
/*
 * Sampler: one periodic loop timer per sensor. Timers are scheduled from
 * their due time (loop_timer_at with a period), so a sensor never drifts
 * however late a callback runs. A failed read is counted and retried with
 * backoff (interval/8 doubling up to the interval); other sensors are
 * unaffected.
 *
 * A sensor whose driver cannot open (a missing 1-Wire device, a wrong I2C
 * address) is DOWN: logged, counted, and opened again with backoff by the
 * same timer, while the others run. Reads that can sleep in the kernel run
 * on a worker thread, one per driver, so a hung 1-Wire bus stalls neither
 * the loop nor the I2C sensors; opens retried while the agent runs go
 * there too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/kconfig.h"
#include "agent/log.h"
#include "agent/sensor.h"
#include "port/clock.h"
#include "port/loop.h"
#include "port/worker.h"

struct sampled {
	struct sampler *sp;
	unsigned int index;
	const char *name, *driver, *source;
	const struct sensor_ops *ops;
	void *state;		/* the driver's instance; NULL while DOWN */
	uint32_t interval_ms;
	uint32_t retry_ms;	/* read backoff; 0 = on schedule */
	uint32_t open_retry_ms;	/* open backoff while DOWN */
	struct loop_timer *timer;
	struct sampler_stats st;
	int event_fd;		/* -1, or watched for changes */
	enum sampler_state sstate;
	int error;
	char why[SAMPLER_WHY_MAX];
	uint64_t since_ms;
	/* reads (and retried opens) on a worker */
	struct worker *w;	/* the driver's worker, NULL = on the loop */
	bool on_worker;
	const char *bus;	/* slow_bus() of the instance */
	bool busy;		/* one job in flight */
	bool stuck;		/* still running when the sampler stopped */
	bool retired;		/* removed by a reshape while its job ran */
	struct sampled *next_retired;
	uint64_t job_start, job_now;
	double job_value;
	int64_t job_wall;
	void *job_state;
	char job_why[SAMPLER_WHY_MAX];
};

/* One worker thread per driver whose calls block, shared by its sensors
 * and kept until the sampler stops (a reshape may remove its sensors
 * while one of their reads still runs there). */
struct drv_worker {
	const struct sensor_ops *ops;
	struct worker *w;
};

struct sampler {
	struct loop *loop;
	struct sampler *next_left;	/* see left_behind */
	sampler_cb cb;
	void *arg;
	unsigned int n;
	struct sampled *s[CONFIG_MAX_SENSORS];	/* in config order */
	struct sampled *retired;	/* removed, their job still running */
	struct drv_worker wk[CONFIG_MAX_SENSORS];
	unsigned int n_wk;
};

/* Samplers whose jobs were stuck in the kernel at stop: a worker thread
 * may still write into them, so they are never freed (and stay reachable:
 * no leak report for memory kept on purpose). */
static struct sampler *left_behind;

static void set_state(struct sampled *s, enum sampler_state st, int err)
{
	if (s->sstate != st)
		s->since_ms = clock_mono_ms();
	s->sstate = st;
	s->error = err;
}

static void schedule(struct sampled *s, uint64_t due)
{
	loop_timer_at(s->timer, due, s->retry_ms ? 0 : s->interval_ms);
}

/* After a read (inline or on the worker): deliver, or back off. */
static void finish(struct sampled *s, int rc, double v, int64_t wall, bool scheduled)
{
	s->st.reads++;
	if (!rc) {
		set_state(s, SAMPLER_OK, 0);
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
	set_state(s, SAMPLER_FAILING, rc);
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

static void free_retired(struct sampled *s);

static void job_done(void *arg, int rc)
{
	struct sampled *s = arg;

	s->busy = false;
	if (s->retired)
		free_retired(s);
	else
		finish(s, rc, s->job_value, s->job_wall, true);
}

static int submit(struct sampled *s, worker_fn fn, worker_done done)
{
	int rc = worker_submit(s->w, fn, done, s);

	if (!rc) {
		s->busy = true;
		s->job_start = clock_mono_ms();
	}
	return rc;
}

/* Take one reading; a driver whose reads block reads on its worker and
 * reports through job_done(). */
static int take(struct sampled *s, bool scheduled)
{
	double v = 0;
	int rc;

	if (!s->state)
		return -ENODEV;
	if (s->on_worker) {
		if (s->busy) {
			s->st.skipped++;
			return -EBUSY;
		}
		s->job_now = clock_mono_ms();
		return submit(s, job_read, job_done);
	}
	rc = s->ops->read(s->state, clock_mono_ms(), &v);
	finish(s, rc, v, clock_wall_ms(), scheduled);
	return rc;
}

static void on_event(void *arg, int fd, uint32_t events)
{
	struct sampled *s = arg;

	(void)fd, (void)events;
	s->st.events++;
	take(s, false);
}

/* --- opening, and opening again ------------------------------------------- */

/* The worker of @s's driver, shared with its other sensors; made on first
 * use. 0 or worker_create()'s error. */
static int worker_for(struct sampled *s)
{
	struct sampler *sp = s->sp;

	if (s->w)
		return 0;
	for (unsigned int i = 0; i < sp->n_wk; i++)
		if (sp->wk[i].ops == s->ops) {
			s->w = sp->wk[i].w;
			return 0;
		}
	if (sp->n_wk >= CONFIG_MAX_SENSORS || worker_create(sp->loop, &s->w))
		return -EAGAIN;
	sp->wk[sp->n_wk++] = (struct drv_worker){ s->ops, s->w };
	return 0;
}

static void open_failed(struct sampled *s, int rc, const char *why)
{
	s->st.open_failures++;
	set_state(s, SAMPLER_DOWN, rc);
	/* the driver's reason says more than errno when it gave one */
	snprintf(s->why, sizeof(s->why), "%s", why[0] ? why : strerror(-rc));
	s->open_retry_ms = !s->open_retry_ms ? SAMPLER_OPEN_RETRY_MIN_MS :
		s->open_retry_ms >= SAMPLER_OPEN_RETRY_MAX_MS / 2 ?
		SAMPLER_OPEN_RETRY_MAX_MS : s->open_retry_ms * 2;
	LOG(LOGM_SAMPLER, LOG_WARN, "sensor=%s driver=%s cannot open (%llu x): %s; "
	    "the other sensors run, retry in %u ms", s->name, s->driver,
	    (unsigned long long)s->st.open_failures, s->why, s->open_retry_ms);
	loop_timer_at(s->timer, clock_mono_ms() + s->open_retry_ms, 0);
}

/* The instance is open: decide where it reads, watch its event fd, and
 * put it on its schedule. */
static void opened(struct sampled *s, void *state)
{
	int rc = 0;

	s->state = state;
	s->bus = s->ops->slow_bus ? s->ops->slow_bus(state) : NULL;
	s->on_worker = s->ops->blocking || s->bus;
	if (s->on_worker)
		rc = worker_for(s);
	s->event_fd = s->ops->event_fd ? s->ops->event_fd(state) : -1;
	if (!rc && s->event_fd >= 0)
		rc = loop_watch(s->sp->loop, s->event_fd, LOOP_IN, on_event, s);
	if (rc) {
		s->ops->close(state);
		s->state = NULL;
		s->event_fd = -1;
		open_failed(s, rc, "");
		return;
	}
	if (s->st.open_failures)
		LOG(LOGM_SAMPLER, LOG_INFO, "sensor=%s driver=%s open after %llu failures",
		    s->name, s->driver, (unsigned long long)s->st.open_failures);
	if (s->bus)
		LOG(LOGM_SAMPLER, LOG_INFO, "sensor=%s driver=%s: device on %s, reads "
		    "on the worker", s->name, s->driver, s->bus);
	s->open_retry_ms = 0;
	s->retry_ms = 0;
	set_state(s, SAMPLER_OK, 0);
	/* first reading one interval after the open, like every later one */
	schedule(s, clock_mono_ms() + s->interval_ms);
}

static int job_open(void *arg)
{
	struct sampled *s = arg;

	s->job_why[0] = 0;
	s->job_state = NULL;
	return s->ops->open(s->source, &s->job_state, s->job_why, sizeof(s->job_why));
}

static void job_open_done(void *arg, int rc)
{
	struct sampled *s = arg;

	s->busy = false;
	if (s->retired) {
		if (!rc)
			s->state = s->job_state;	/* closed by free_retired */
		free_retired(s);
	} else if (rc)
		open_failed(s, rc, s->job_why);
	else
		opened(s, s->job_state);
}

/* Open @s's driver: inline at start (nothing waits on the loop yet), on
 * the driver's worker when retried later and the driver's calls block. */
static void try_open(struct sampled *s, bool later)
{
	char why[SAMPLER_WHY_MAX] = "";
	void *state = NULL;
	int rc;

	if (s->busy)
		return;
	if (later && s->ops->blocking) {
		rc = worker_for(s);
		if (!rc)
			rc = submit(s, job_open, job_open_done);
		if (rc)
			open_failed(s, rc, "");
		return;
	}
	rc = s->ops->open(s->source, &state, why, sizeof(why));
	if (rc)
		open_failed(s, rc, why);
	else
		opened(s, state);
}

static void on_timer(void *arg, struct loop_timer *t)
{
	struct sampled *s = arg;

	(void)t;
	if (s->state)
		take(s, true);
	else
		try_open(s, true);
}

/* A new sensor, not open yet (*out; freed with free_one). */
static int new_one(struct sampler *sp, unsigned int i, const struct sampler_sensor_cfg *c,
		   struct sampled **out, char *why, unsigned int n)
{
	struct sampled *s;
	const struct sensor_ops *ops = board_sensor_driver(c->driver);
	int rc;

	if (!ops) {
		snprintf(why, n, "sensor %s: unknown driver '%s'", c->name, c->driver);
		return -ENOENT;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->sp = sp, s->index = i, s->name = c->name, s->interval_ms = c->interval_ms;
	s->driver = c->driver, s->source = c->source;
	s->event_fd = -1;
	s->ops = ops;
	rc = loop_timer_new(sp->loop, on_timer, s, &s->timer);
	if (rc) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* Off the loop: no timer, no event watch (its job may still run). */
static void unhook(struct sampled *s)
{
	if (s->event_fd >= 0)
		loop_unwatch(s->sp->loop, s->event_fd);
	s->event_fd = -1;
	loop_timer_free(s->timer);
	s->timer = NULL;
}

/* A sensor no job uses any more: closed and freed. */
static void free_one(struct sampled *s)
{
	unhook(s);
	if (s->state)
		s->ops->close(s->state);
	free(s);
}

static void free_retired(struct sampled *s)
{
	struct sampled **pp = &s->sp->retired;

	while (*pp != s)
		pp = &(*pp)->next_retired;
	*pp = s->next_retired;
	LOG(LOGM_SAMPLER, LOG_DEBUG, "sensor=%s driver=%s: its last %s returned after "
	    "its removal: closed", s->name, s->driver, s->state ? "read" : "open");
	free_one(s);
}

int sampler_create(struct loop *l, const struct sampler_sensor_cfg *c,
		   unsigned int n, sampler_cb cb, void *arg,
		   struct sampler **out, char *why, unsigned int why_size)
{
	struct sampler *sp;
	int rc = 0;

	if (n > CONFIG_MAX_SENSORS)
		return -EINVAL;
	sp = calloc(1, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	sp->loop = l, sp->cb = cb, sp->arg = arg;
	for (unsigned int i = 0; i < n && !rc; i++) {
		rc = new_one(sp, i, &c[i], &sp->s[i], why, why_size);
		sp->n += !rc;
	}
	if (rc) {
		sampler_destroy(sp);
		return rc;
	}
	for (unsigned int i = 0; i < n; i++)
		try_open(sp->s[i], false);
	*out = sp;
	return 0;
}

/* --- stop -------------------------------------------------------------------- */

static void mark_stuck(struct sampled *s, const struct worker *w, unsigned int *left)
{
	if (s->w != w || !s->busy)
		return;
	s->stuck = true;
	(*left)++;
	LOG(LOGM_SAMPLER, LOG_WARN, "sensor=%s driver=%s: its %s has run for "
	    "%llu ms and is stuck in the kernel (hung bus?); stopping "
	    "without it", s->name, s->driver, s->state ? "read" : "open",
	    (unsigned long long)(clock_mono_ms() - s->job_start));
}

/* Worker @w gave up: its running job is stuck in the kernel. */
static unsigned int left_on(struct sampler *sp, const struct worker *w)
{
	unsigned int left = 0;

	for (unsigned int i = 0; i < sp->n; i++)
		mark_stuck(sp->s[i], w, &left);
	for (struct sampled *s = sp->retired; s; s = s->next_retired)
		mark_stuck(s, w, &left);
	return left;
}

/* After the workers stopped: close what no thread uses any more. */
static void close_all(struct sampled *s)
{
	unhook(s);
	if (s->state && !s->stuck) {
		s->ops->close(s->state);
		s->state = NULL;
	}
}

unsigned int sampler_destroy(struct sampler *sp)
{
	uint64_t until = clock_mono_ms() + SAMPLER_STOP_WAIT_MS;
	unsigned int left = 0;

	if (!sp)
		return 0;
	for (unsigned int i = 0; i < sp->n_wk; i++) {	/* no job runs after this */
		uint64_t now = clock_mono_ms();

		if (worker_destroy(sp->wk[i].w, until > now ? (uint32_t)(until - now) : 0))
			left += left_on(sp, sp->wk[i].w);
	}
	for (unsigned int i = 0; i < sp->n; i++)
		close_all(sp->s[i]);
	for (struct sampled *s = sp->retired; s; s = s->next_retired)
		close_all(s);
	if (left) {	/* kept whole: a thread may still write into it */
		sp->next_left = left_behind;
		left_behind = sp;
		return left;
	}
	for (unsigned int i = 0; i < sp->n; i++)
		free(sp->s[i]);
	while (sp->retired) {
		struct sampled *s = sp->retired;

		sp->retired = s->next_retired;
		free(s);
	}
	free(sp);
	return 0;
}

/* --- reshape (a reload) ----------------------------------------------------- */

/* Removed: off the loop now; closed now, or when its job returns (the
 * worker still uses it: never freed under it). */
static void retire(struct sampled *s)
{
	unhook(s);
	if (!s->busy) {
		free_one(s);
		return;
	}
	LOG(LOGM_SAMPLER, LOG_INFO, "sensor=%s driver=%s: removed while its %s runs "
	    "on the worker; closed when it returns", s->name, s->driver,
	    s->state ? "read" : "open");
	s->retired = true;
	s->next_retired = s->sp->retired;
	s->sp->retired = s;
}

static int check_map(const struct sampler *sp, const int *old_of_new, unsigned int n)
{
	bool seen[CONFIG_MAX_SENSORS] = { false };

	if (n > CONFIG_MAX_SENSORS)
		return -EINVAL;
	for (unsigned int j = 0; j < n; j++) {
		int o = old_of_new[j];

		if (o < -1 || o >= (int)sp->n || (o >= 0 && seen[o]))
			return -EINVAL;
		if (o >= 0)
			seen[o] = true;
	}
	return 0;
}

int sampler_reshape(struct sampler *sp, const struct sampler_sensor_cfg *c,
		    const int *old_of_new, unsigned int n, char *why, unsigned int why_size)
{
	struct sampled *ns[CONFIG_MAX_SENSORS] = { NULL };
	bool kept[CONFIG_MAX_SENSORS] = { false };
	int rc = check_map(sp, old_of_new, n);

	/* every new sensor made first: a failure changes nothing */
	for (unsigned int j = 0; !rc && j < n; j++)
		if (old_of_new[j] < 0)
			rc = new_one(sp, j, &c[j], &ns[j], why, why_size);
	if (rc) {
		for (unsigned int j = 0; j < n; j++)
			if (old_of_new[j] < 0 && ns[j])
				free_one(ns[j]);
		return rc;
	}
	for (unsigned int j = 0; j < n; j++) {
		struct sampled *s;

		if (old_of_new[j] < 0)
			continue;
		s = ns[j] = sp->s[old_of_new[j]];
		kept[old_of_new[j]] = true;
		/* the same sensor; its strings now live in @c's config slot */
		s->index = j, s->name = c[j].name, s->driver = c[j].driver;
		s->source = c[j].source;
	}
	for (unsigned int i = 0; i < sp->n; i++)
		if (!kept[i])
			retire(sp->s[i]);
	memcpy(sp->s, ns, sizeof(ns));
	sp->n = n;
	for (unsigned int j = 0; j < n; j++)	/* like a retried open */
		if (old_of_new[j] < 0)
			try_open(sp->s[j], true);
	return 0;
}

/* --- commands and status -------------------------------------------------- */

int sampler_set_interval(struct sampler *sp, unsigned int i, uint32_t ms)
{
	struct sampled *s;

	if (i >= sp->n || ms == 0)
		return -EINVAL;
	s = sp->s[i];
	s->interval_ms = ms;
	if (!s->state)
		return 0;	/* DOWN: the open retry keeps its time */
	s->retry_ms = 0;
	schedule(s, clock_mono_ms() + ms);
	return 0;
}

int sampler_read_now(struct sampler *sp, unsigned int i)
{
	if (i >= sp->n)
		return -EINVAL;
	return take(sp->s[i], false);
}

void sampler_get_stats(const struct sampler *sp, unsigned int i,
		       struct sampler_stats *st)
{
	*st = i < sp->n ? sp->s[i]->st : (struct sampler_stats){ 0 };
}

uint32_t sampler_interval(const struct sampler *sp, unsigned int i)
{
	return i < sp->n ? sp->s[i]->interval_ms : 0;
}

const char *sampler_state_name(enum sampler_state st)
{
	static const char *const names[] = { "ok", "failing", "down" };

	return (unsigned int)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

int sampler_status(const struct sampler *sp, unsigned int i, struct sampler_status *st)
{
	const struct sampled *s;

	if (i >= sp->n)
		return -EINVAL;
	s = sp->s[i];
	memset(st, 0, sizeof(*st));
	st->state = s->sstate;
	st->error = s->error;
	if (s->sstate == SAMPLER_DOWN)
		snprintf(st->why, sizeof(st->why), "%s", s->why);
	st->retry_ms = s->sstate == SAMPLER_DOWN ? s->open_retry_ms : s->retry_ms;
	st->since_ms = s->since_ms;
	st->on_worker = s->on_worker || (s->busy && !s->state);
	st->bus = s->bus;
	st->busy_ms = s->busy ? clock_mono_ms() - s->job_start : 0;
	return 0;
}

void sampler_log_status(const struct sampler *sp)
{
	if (!sp)
		return;
	for (unsigned int i = 0; i < sp->n; i++) {
		const struct sampled *s = sp->s[i];
		struct sampler_status st;
		char extra[SAMPLER_WHY_MAX + 64] = "", where[48], busy[64] = "";

		sampler_status(sp, i, &st);
		if (st.state == SAMPLER_DOWN)
			snprintf(extra, sizeof(extra), " (%s; next open in %u ms)",
				 st.why, st.retry_ms);
		else if (st.state == SAMPLER_FAILING)
			snprintf(extra, sizeof(extra), " (%s; retry in %u ms)",
				 strerror(-st.error), st.retry_ms);
		snprintf(where, sizeof(where), "%s%s%s%s", st.on_worker ? "worker" : "loop",
			 st.bus ? " (" : "", st.bus ? st.bus : "", st.bus ? ")" : "");
		if (st.busy_ms > s->interval_ms)
			snprintf(busy, sizeof(busy), "; a read has run for %llu ms",
				 (unsigned long long)st.busy_ms);
		LOG(LOGM_SAMPLER, LOG_INFO, "sensor=%s driver=%s state=%s%s, reads on "
		    "the %s: reads %llu, errors %llu, skipped %llu, events %llu, "
		    "open failures %llu%s", s->name, s->driver,
		    sampler_state_name(st.state), extra, where,
		    (unsigned long long)s->st.reads, (unsigned long long)s->st.errors,
		    (unsigned long long)s->st.skipped, (unsigned long long)s->st.events,
		    (unsigned long long)s->st.open_failures, busy);
	}
}
