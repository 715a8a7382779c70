/* SPDX-License-Identifier: MIT */
/*
 * SIGHUP (agent/reload.h): the new file against the running
 * configuration, section by section, matched by name. What can change on
 * a live agent is written into the agent's own copy of the configuration
 * (every module reads it through the same pointer) and applied; what
 * cannot is left as it runs and named in one log line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/assoc.h"
#include "agent/config.h"
#include "agent/log.h"
#include "agent/reload.h"
#include "agent/sensor.h"
#include "port/clock.h"
#include "port/loop.h"

/* The names of what needs a restart, for one log line. */
struct later {
	char buf[400];
	size_t len;
	unsigned int n;
};

static void later_add(struct later *l, const char *what)
{
	int n;

	l->n++;
	if (l->len >= sizeof(l->buf) - 1)
		return;
	n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s",
		     l->n > 1 ? ", " : "", what);
	l->len += n > 0 ? (size_t)n : 0;
	if (l->len > sizeof(l->buf) - 1)
		l->len = sizeof(l->buf) - 1;
}

#define need_restart(l, ...) do {					\
		char what_[160];					\
		snprintf(what_, sizeof(what_), __VA_ARGS__);		\
		later_add(l, what_);					\
	} while (0)

/* ---- [agent] ---------------------------------------------------------- */

#define AGENT_LIVE(X) X(log_level) X(reconnect_min_ms) X(reconnect_max_ms) \
	X(shutdown_timeout_ms) X(status_interval_ms) X(log_burst) X(log_window_ms)

static void reload_agent(const struct reload_env *e, struct config *run, const struct config *nc,
			 struct later *l, struct reload_stats *st)
{
	struct cfg_agent a, r;

	memcpy(&a, &nc->agent, sizeof(a));	/* padding too: memcmp below */
	memcpy(&r, &run->agent, sizeof(r));

	/* everything but the live keys must be equal */
#define SAME(f) a.f = r.f;
	AGENT_LIVE(SAME)
#undef SAME
	a.name_from = r.name_from;
	memcpy(a.name_note, r.name_note, sizeof(a.name_note));
	if (memcmp(&a, &r, sizeof(a)))
		need_restart(l, "%s", "[agent] (name, port, transport, state, outbox, I-DATA, "
			     "memory budget, resolver, status socket or clock_jump_ms)");
	if (r.log_level != nc->agent.log_level) {
		int lv = nc->agent.log_level + e->verbose;

		log_set_level(lv > LOG_TRACE ? LOG_TRACE : lv);
	}
	if (r.log_burst != nc->agent.log_burst || r.log_window_ms != nc->agent.log_window_ms)
		log_set_ratelimit(nc->agent.log_burst, nc->agent.log_window_ms);
	if (r.status_interval_ms != nc->agent.status_interval_ms) {
		uint32_t iv = nc->agent.status_interval_ms;

		loop_timer_stop(e->status_timer);
		if (iv)
			loop_timer_at(e->status_timer, clock_mono_ms() + iv, iv);
	}
#define COPY(f) st->agent += run->agent.f != nc->agent.f; run->agent.f = nc->agent.f;
	AGENT_LIVE(COPY)
#undef COPY
}

/* ---- [path.*] --------------------------------------------------------- */

/* The same paths in the same order on the same interfaces and addresses
 * (they are bound): their parameters change live. */
static void reload_paths(const struct reload_env *e, struct config *run, const struct config *nc,
			 struct later *l, struct reload_stats *st)
{
	bool changed = false;

	if (run->n_paths != nc->n_paths) {
		need_restart(l, "%s", "[path.*] added or removed");
		return;
	}
	for (unsigned int i = 0; i < nc->n_paths; i++) {
		struct cfg_path *r = &run->paths[i];
		const struct cfg_path *p = &nc->paths[i];

		if (strcmp(r->name, p->name) || strcmp(r->interface, p->interface) ||
		    r->addr_auto != p->addr_auto || r->udp_port != p->udp_port ||
		    (!r->addr_auto && memcmp(&r->addr, &p->addr, sizeof(r->addr)))) {
			need_restart(l, "[path.%s] interface, address or udp_port", r->name);
			continue;
		}
		if (r->priority == p->priority && r->hb_interval_ms == p->hb_interval_ms &&
		    r->rto_initial_ms == p->rto_initial_ms && r->rto_min_ms == p->rto_min_ms &&
		    r->rto_max_ms == p->rto_max_ms && r->path_max_retrans == p->path_max_retrans &&
		    r->pf_threshold == p->pf_threshold && r->metered == p->metered &&
		    r->failback_hold_ms == p->failback_hold_ms &&
		    r->confirm_timeout_ms == p->confirm_timeout_ms)
			continue;
		r->priority = p->priority;
		r->hb_interval_ms = p->hb_interval_ms;
		r->rto_initial_ms = p->rto_initial_ms;
		r->rto_min_ms = p->rto_min_ms;
		r->rto_max_ms = p->rto_max_ms;
		r->path_max_retrans = p->path_max_retrans;
		r->pf_threshold = p->pf_threshold;
		r->metered = p->metered;
		r->failback_hold_ms = p->failback_hold_ms;
		r->confirm_timeout_ms = p->confirm_timeout_ms;
		LOG(LOGM_CONFIG, LOG_INFO, "reload: [path.%s] parameters applied to the "
		    "live associations", r->name);
		st->paths++;
		changed = true;
	}
	if (changed)
		e->paths_changed(e->arg);
}

/* ---- [sensor.*] ------------------------------------------------------- */

/* The same sensor but for what changes live (its interval) and the
 * controllers that take it (masks are rewritten for every sensor). */
static bool same_sensor(const struct cfg_sensor *r, const struct cfg_sensor *n)
{
	struct cfg_sensor a;

	memcpy(&a, n, sizeof(a));	/* padding too: memcmp below */
	a.interval_ms = r->interval_ms;
	a.line = r->line;
	a.ctrl_mask = r->ctrl_mask;
	return !memcmp(&a, r, sizeof(a));
}

/* @n's controller bits (indices of @nc) in run indices, by name. A run
 * controller the new file lacks keeps its bit on a sensor it took (it is
 * being closed: what would go to it is dropped and counted, as for a
 * removed controller); one the run lacks is dropped (a new controller). */
static uint64_t run_mask(const struct config *run, const struct config *nc,
			 const struct cfg_sensor *n, const struct cfg_sensor *old)
{
	uint64_t m = 0;

	for (unsigned int k = 0; k < nc->n_ctrls; k++) {
		int r = config_ctrl_index(run, nc->ctrls[k].name);

		if ((n->ctrl_mask >> k) & 1 && r >= 0)
			m |= 1ull << r;
	}
	for (unsigned int i = 0; old && i < run->n_ctrls; i++)
		if (config_ctrl_index(nc, run->ctrls[i].name) < 0)
			m |= old->ctrl_mask & (1ull << i);
	return m;
}

/* Every controller's list (sensor indices: the run's are now @nc's): as
 * the new file says; one the file lacks, from the sensors it still has. */
static void ctrl_masks(struct config *run, const struct config *nc)
{
	for (unsigned int i = 0; i < run->n_ctrls; i++) {
		struct cfg_controller *c = &run->ctrls[i];
		int k = config_ctrl_index(nc, c->name);

		if (k >= 0) {
			c->sensor_mask = nc->ctrls[k].sensor_mask;
			c->all_sensors = nc->ctrls[k].all_sensors;
			continue;
		}
		if (c->all_sensors)
			continue;	/* "all" whatever the list */
		c->sensor_mask = 0;
		for (unsigned int j = 0; j < run->n_sensors; j++)
			if ((run->sensors[j].ctrl_mask >> i) & 1)
				c->sensor_mask |= 1ull << j;
	}
}

/* The (stream, sensor) pairs controller @ci takes differ between @a and
 * @b: its HELLO no longer lists what it gets. */
static bool takes_differ(const struct cfg_sensor *a, unsigned int na,
			 const struct cfg_sensor *b, unsigned int nb, unsigned int ci)
{
	unsigned int ka = 0, kb = 0;

	for (unsigned int i = 0; i < na; i++) {
		bool found = false;

		if (!((a[i].ctrl_mask >> ci) & 1))
			continue;
		ka++;
		for (unsigned int j = 0; j < nb && !found; j++)
			found = (b[j].ctrl_mask >> ci) & 1 && b[j].stream == a[i].stream &&
				!strcmp(b[j].name, a[i].name);
		if (!found)
			return true;
	}
	for (unsigned int j = 0; j < nb; j++)
		kb += (b[j].ctrl_mask >> ci) & 1;
	return ka != kb;
}

/* What makes @n a restart of @r, for its log line. */
static void what_changed(const struct cfg_sensor *r, const struct cfg_sensor *n,
			 char *buf, size_t size)
{
	struct later w = { .len = 0 };

	if (strcmp(r->driver, n->driver))
		later_add(&w, "driver");
	if (strcmp(r->source, n->source))
		later_add(&w, "source");
	if (strcmp(r->unit, n->unit))
		later_add(&w, "unit");
	if (r->stream != n->stream)
		later_add(&w, "stream");
	if (r->lifetime_ms != n->lifetime_ms || r->ordered != n->ordered ||
	    r->bundle_count != n->bundle_count || r->bundle_ms != n->bundle_ms)
		later_add(&w, "delivery");
	if (r->priority != n->priority)
		later_add(&w, "priority");
	snprintf(buf, size, "%s", w.n ? w.buf : "its keys");
}

struct sensor_plan {
	struct cfg_sensor ns[CONFIG_MAX_SENSORS];	/* the new list, run masks */
	int old_of_new[CONFIG_MAX_SENSORS];
	bool kept[CONFIG_MAX_SENSORS];			/* by run index */
	unsigned int n;
};

/* Match @nc's sensors to the running ones by name; log each change. */
static void plan_sensors(const struct config *run, const struct config *nc,
			 struct sensor_plan *p, struct reload_stats *st)
{
	p->n = nc->n_sensors;
	for (unsigned int j = 0; j < nc->n_sensors; j++) {
		const struct cfg_sensor *n = &nc->sensors[j];
		int k = config_sensor_index(run, n->name);
		const struct cfg_sensor *r = k >= 0 ? &run->sensors[k] : NULL;

		p->ns[j] = *n;
		p->ns[j].ctrl_mask = run_mask(run, nc, n, r);
		p->old_of_new[j] = r && same_sensor(r, n) ? k : -1;
		if (p->old_of_new[j] >= 0) {
			p->kept[k] = true;
		} else if (r) {
			char what[80];

			what_changed(r, n, what, sizeof(what));
			st->sensors_changed++;
			LOG(LOGM_CONFIG, LOG_INFO, "reload: [sensor.%s] %s changed: "
			    "restarted (driver %s) on stream %u", n->name, what, n->driver,
			    n->stream);
		} else {
			st->sensors_added++;
			LOG(LOGM_CONFIG, LOG_INFO, "reload: [sensor.%s] added: driver %s "
			    "on stream %u", n->name, n->driver, n->stream);
		}
	}
	for (unsigned int i = 0; i < run->n_sensors; i++)
		if (config_sensor_index(nc, run->sensors[i].name) < 0) {
			st->sensors_removed++;
			LOG(LOGM_CONFIG, LOG_INFO, "reload: [sensor.%s] removed: its "
			    "readings stop (stream %u)", run->sensors[i].name,
			    run->sensors[i].stream);
		}
}

/* Matched by name: unchanged sensors keep running (a new interval
 * applies live), removed ones stop, new or changed ones start; every
 * module follows through e->sensors_changed(). */
static void reload_sensors(const struct reload_env *e, struct config *run, const struct config *nc,
			   struct later *l, struct reload_stats *st)
{
	struct sensor_plan *p = calloc(1, sizeof(*p));
	struct cfg_sensor *was = malloc(sizeof(run->sensors));
	unsigned int n_was = run->n_sensors;
	int rc = -ENOMEM;

	if (e->stopping) {	/* nothing new starts while the agent stops */
		free(p);
		free(was);
		return;
	}
	if (p && was) {
		plan_sensors(run, nc, p, st);
		for (unsigned int i = 0; i < run->n_sensors; i++)
			if (!p->kept[i])	/* out before its config slot changes */
				e->sensor_leaving(e->arg, i);
		memcpy(was, run->sensors, sizeof(run->sensors));
		memcpy(run->sensors, p->ns, p->n * sizeof(p->ns[0]));
		run->n_sensors = p->n;
		memcpy(run->streams_run, nc->streams_run, sizeof(run->streams_run));
		rc = e->sensors_changed(e->arg, p->old_of_new, p->n);
		if (rc) {	/* nothing changed: as it ran */
			memcpy(run->sensors, was, sizeof(run->sensors));
			run->n_sensors = n_was;
		}
	}
	if (rc) {
		st->sensors_added = st->sensors_removed = st->sensors_changed = 0;
		need_restart(l, "[sensor.*] added, removed or changed (%s)", strerror(-rc));
		free(p);
		free(was);
		return;
	}
	for (unsigned int i = 0; i < run->n_ctrls; i++)
		if (config_ctrl_index(nc, run->ctrls[i].name) >= 0 &&
		    takes_differ(was, n_was, run->sensors, run->n_sensors, i))
			need_restart(l, "[controller.%s] sensors taken (its HELLO)",
				     run->ctrls[i].name);
	ctrl_masks(run, nc);
	for (unsigned int j = 0; j < p->n; j++) {
		int o = p->old_of_new[j];

		if (o < 0 || was[o].interval_ms == run->sensors[j].interval_ms)
			continue;
		sampler_set_interval(e->sampler, j, run->sensors[j].interval_ms);
		LOG(LOGM_CONFIG, LOG_INFO, "reload: [sensor.%s] every %u ms",
		    run->sensors[j].name, run->sensors[j].interval_ms);
		st->sensors++;
	}
	free(p);
	free(was);
}

/* ---- [controller.*] --------------------------------------------------- */

static bool same_addrs(const struct cfg_controller *a, const struct cfg_controller *b)
{
	return a->n_addrs == b->n_addrs && a->port == b->port &&
	       !memcmp(a->addrs, b->addrs, sizeof(a->addrs)) &&
	       !memcmp(a->addr_path, b->addr_path, sizeof(a->addr_path));
}

/* One controller in both files: new numeric addresses or port -> a new
 * association to them; its streams, sensors and host names are bound. */
static void reload_ctrl(struct assoc *a, struct cfg_controller *r,
			const struct cfg_controller *c, bool sensors_same,
			struct later *l, struct reload_stats *st)
{
	/* other sensors change streams and lists: said for the sensors */
	if ((sensors_same && (r->streams != c->streams || r->all_sensors != c->all_sensors ||
			      r->sensor_mask != c->sensor_mask)) ||
	    memcmp(r->host, c->host, sizeof(r->host)) || r->n_hosts != c->n_hosts) {
		need_restart(l, "[controller.%s] streams, sensors or host names", r->name);
		return;
	}
	if (same_addrs(r, c))
		return;
	memcpy(r->addrs, c->addrs, sizeof(r->addrs));
	memcpy(r->addr_path, c->addr_path, sizeof(r->addr_path));
	memcpy(r->addr_path_name, c->addr_path_name, sizeof(r->addr_path_name));
	r->n_addrs = c->n_addrs;
	r->port = c->port;
	st->ctrls_moved++;
	assoc_readdress(a);
}

static void reload_ctrls(const struct reload_env *e, struct config *run, const struct config *nc,
			 bool sensors_same, struct later *l, struct reload_stats *st)
{
	for (unsigned int i = 0; i < e->n_assocs; i++) {
		struct assoc *a = e->assocs[i];
		int k = config_ctrl_index(nc, assoc_name(a));

		if (k >= 0) {
			bool back = assoc_removed(a);

			/* new addresses first: a returning one connects to them */
			reload_ctrl(a, &run->ctrls[i], &nc->ctrls[k], sensors_same, l, st);
			st->ctrls_back += back;
			assoc_reopen(a);
		} else if (!assoc_removed(a) && !e->stopping) {
			ALOG(a, LOG_INFO, "removed from the configuration: closing");
			assoc_close(a, ASSOC_CLOSE_REMOVE, 0);
			st->ctrls_removed++;
		}
	}
	for (unsigned int i = 0; i < nc->n_ctrls; i++)
		if (config_ctrl_index(run, nc->ctrls[i].name) < 0)
			need_restart(l, "new [controller.%s]", nc->ctrls[i].name);
}

int reload_apply(const struct reload_env *e, const struct config *nc,
		 struct reload_stats *st)
{
	struct config *run = e->run;
	struct later l = { .len = 0 };

	memset(st, 0, sizeof(*st));
	reload_agent(e, run, nc, &l, st);
	reload_paths(e, run, nc, &l, st);
	reload_sensors(e, run, nc, &l, st);
	reload_ctrls(e, run, nc, true, &l, st);
	if (memcmp(&run->security, &nc->security, sizeof(run->security)))
		need_restart(&l, "%s", "[security]");
	st->later = l.n;
	if (l.n)
		LOG(LOGM_CONFIG, LOG_WARN, "reload: needs a restart to take effect "
		    "(running as before): %s", l.buf);
	return 0;
}
