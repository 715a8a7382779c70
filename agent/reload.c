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
#include "agent/transport.h"
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

/* The endpoint's UDP encapsulation table is set at its open: a
 * controller's address over UDP must be in it. */
static bool reload_encap_known(const struct reload_env *e, const struct config *run,
			       const struct cfg_controller *c)
{
	return transport_encap_known(run, c, e->encap, e->n_encap);
}

/* Step 2: every controller of @nc the running config lacks gets the next
 * run index (its association's slot, never reused within a run: a removed
 * controller keeps its own while its old association may still close).
 * Its association is made here and connected in reload_ctrls(). */
static void reload_ctrl_slots(const struct reload_env *e, struct config *run,
			      const struct config *nc, struct later *l,
			      struct reload_stats *st)
{
	for (unsigned int k = 0; k < nc->n_ctrls; k++) {
		const struct cfg_controller *c = &nc->ctrls[k];
		unsigned int i = run->n_ctrls;
		int rc;

		if (config_ctrl_index(run, c->name) >= 0)
			continue;
		if (e->stopping) {
			need_restart(l, "new [controller.%s] (the agent is stopping)", c->name);
			continue;
		}
		if (!reload_encap_known(e, run, c)) {
			need_restart(l, "new [controller.%s]: an address over UDP (udp=PORT or "
				     "its path's udp_port) the endpoint was not opened with", c->name);
			continue;
		}
		if (i >= CONFIG_MAX_CONTROLLERS) {
			need_restart(l, "new [controller.%s]: no controller slot left "
				     "(CONFIG_MAX_CONTROLLERS %u, removed ones keep theirs "
				     "until a restart)", c->name, CONFIG_MAX_CONTROLLERS);
			continue;
		}
		run->ctrls[i] = *c;
		run->ctrls[i].sensor_mask = 0;	/* in run indices: reload_routes() */
		run->n_ctrls++;
		rc = e->ctrl_added(e->arg, i);
		if (rc) {
			run->n_ctrls--;
			memset(&run->ctrls[i], 0, sizeof(run->ctrls[i]));
			need_restart(l, "new [controller.%s]: %s", c->name, rc == -ENOSPC ?
				     "no room left (the outbox's controllers or the "
				     "memory budget's accounts)" : strerror(-rc));
			continue;
		}
		st->ctrls_added++;
	}
}

/* Step 3, before the sensors change: what each run controller takes, as
 * its HELLO lists it (stream, sensor name), and its streams count. */
struct takes_snap {
	unsigned int n_sensors, n_ctrls;
	uint16_t stream[CONFIG_MAX_SENSORS];
	char name[CONFIG_MAX_SENSORS][CFG_NAME_MAX];
	uint64_t mask[CONFIG_MAX_CONTROLLERS];	/* bit j: run sensor j */
	uint16_t streams[CONFIG_MAX_CONTROLLERS];
};

static void ctrl_takes_snapshot(const struct config *run, struct takes_snap *sn)
{
	memset(sn, 0, sizeof(*sn));
	sn->n_sensors = run->n_sensors;
	sn->n_ctrls = run->n_ctrls;
	for (unsigned int j = 0; j < run->n_sensors; j++) {
		sn->stream[j] = run->sensors[j].stream;
		memcpy(sn->name[j], run->sensors[j].name, CFG_NAME_MAX);
		for (unsigned int i = 0; i < run->n_ctrls; i++)
			if ((run->sensors[j].ctrl_mask >> i) & 1)
				sn->mask[i] |= 1ull << j;
	}
	for (unsigned int i = 0; i < run->n_ctrls; i++)
		sn->streams[i] = run->ctrls[i].streams;
}

/* Does run controller @i take the same (stream, name) set as in @sn? */
static bool takes_same(const struct takes_snap *sn, const struct config *run, unsigned int i)
{
	unsigned int now = 0, was = 0;

	for (unsigned int j = 0; j < sn->n_sensors; j++)
		was += (sn->mask[i] >> j) & 1;
	for (unsigned int j = 0; j < run->n_sensors; j++) {
		const struct cfg_sensor *s = &run->sensors[j];
		bool found = false;

		if (!((s->ctrl_mask >> i) & 1))
			continue;
		now++;
		for (unsigned int o = 0; o < sn->n_sensors && !found; o++)
			found = (sn->mask[i] >> o) & 1 && sn->stream[o] == s->stream &&
				!strcmp(sn->name[o], s->name);
		if (!found)
			return false;
	}
	return now == was;
}

/* After the snapshot, before the sensors: who takes which sensor, from
 * @nc, in run indices (bit i = run->ctrls[i], matched by name), for the
 * sensors both files have. A sensor @nc lacks keeps its routes (it runs
 * as before until a restart), and so does a removed controller (what
 * comes for it is counted as dropped). A reload_sensors() that rewrites
 * the routes itself writes the same values again. */
static void reload_routes(struct config *run, const struct config *nc)
{
	int map[CONFIG_MAX_CONTROLLERS];

	for (unsigned int i = 0; i < run->n_ctrls; i++)
		map[i] = config_ctrl_index(nc, run->ctrls[i].name);
	for (unsigned int j = 0; j < run->n_sensors; j++) {
		int k = config_sensor_index(nc, run->sensors[j].name);
		uint64_t m = 0;

		if (k < 0)
			continue;
		for (unsigned int i = 0; i < run->n_ctrls; i++)
			if (map[i] >= 0 ? (nc->sensors[k].ctrl_mask >> map[i]) & 1 :
			    (run->sensors[j].ctrl_mask >> i) & 1)	/* removed: as today */
				m |= 1ull << i;
		run->sensors[j].ctrl_mask = m;
	}
	for (unsigned int i = 0; i < run->n_ctrls; i++) {
		struct cfg_controller *r = &run->ctrls[i];

		if (map[i] < 0)
			continue;
		r->all_sensors = nc->ctrls[map[i]].all_sensors;
		r->sensor_mask = r->all_sensors ? UINT64_MAX : 0;
		for (unsigned int j = 0; !r->all_sensors && j < run->n_sensors; j++)
			if ((run->sensors[j].ctrl_mask >> i) & 1)
				r->sensor_mask |= 1ull << j;
	}
}

static bool same_addrs(const struct cfg_controller *a, const struct cfg_controller *b)
{
	return a->n_addrs == b->n_addrs && a->port == b->port &&
	       !memcmp(a->addrs, b->addrs, sizeof(a->addrs)) &&
	       !memcmp(a->addr_path, b->addr_path, sizeof(a->addr_path)) &&
	       !memcmp(a->addr_udp, b->addr_udp, sizeof(a->addr_udp));
}

static bool same_hosts(const struct cfg_controller *a, const struct cfg_controller *b)
{
	return a->n_hosts == b->n_hosts && !memcmp(a->host, b->host, sizeof(a->host));
}

/* Streams controller @i of @c needs for the sensors it takes there (as
 * config_check.c counts them when the file gives no `streams`). */
static uint16_t streams_need(const struct config *c, unsigned int i)
{
	unsigned int need = 2;

	for (unsigned int j = 0; j < c->n_sensors; j++)
		if ((c->sensors[j].ctrl_mask >> i) & 1 && c->sensors[j].stream >= need)
			need = c->sensors[j].stream + 1u;
	return (uint16_t)need;
}

/* The streams run controller @i gets from @nc's controller @k: its
 * `streams` when the file gives more than its sensors need there, else what
 * the sensors it takes in @run need (a sensor @nc adds that the run does
 * not start changes nothing). */
static uint16_t streams_of(const struct config *run, unsigned int i,
			   const struct config *nc, unsigned int k)
{
	if (nc->ctrls[k].streams != streams_need(nc, k))
		return nc->ctrls[k].streams;
	return streams_need(run, i);
}

/* What changed for controller @i (in both files), named for its log
 * line; its entry takes @c's values. "" = nothing: it stays untouched. */
static void reload_ctrl(const struct reload_env *e, struct config *run, unsigned int i,
			const struct config *nc, unsigned int k, const struct takes_snap *sn,
			struct later *l, char *what, size_t size)
{
	struct cfg_controller *r = &run->ctrls[i];
	const struct cfg_controller *c = &nc->ctrls[k];
	bool addrs = !same_addrs(r, c), hosts = !same_hosts(r, c);
	uint16_t streams = streams_of(run, i, nc, k);
	size_t n = 0;

	what[0] = 0;
	if ((addrs || hosts) && !reload_encap_known(e, run, c)) {
		need_restart(l, "[controller.%s] an address over UDP (udp=PORT or its "
			     "path's udp_port) the endpoint was not opened with", r->name);
		addrs = hosts = false;
	}
#define WHAT(cond, s) if (cond) n += (size_t)snprintf(what + n, size - n, "%s%s", n ? ", " : "", s)
	WHAT(addrs, "addresses");
	WHAT(hosts, "host names");
	WHAT(r->streams != streams || (i < sn->n_ctrls && sn->streams[i] != streams), "streams");
	WHAT(i < sn->n_ctrls && !takes_same(sn, run, i), "sensors");
	WHAT(strcmp(r->tls_name, c->tls_name), "tls_name");
#undef WHAT
	if (!what[0])
		return;
	if (addrs || hosts) {
		memcpy(r->addrs, c->addrs, sizeof(r->addrs));
		memcpy(r->addr_path, c->addr_path, sizeof(r->addr_path));
		memcpy(r->addr_path_name, c->addr_path_name, sizeof(r->addr_path_name));
		memcpy(r->addr_udp, c->addr_udp, sizeof(r->addr_udp));
		memcpy(r->host, c->host, sizeof(r->host));
		r->n_addrs = c->n_addrs;
		r->n_hosts = c->n_hosts;
		r->port = c->port;
	}
	r->streams = streams;
	memcpy(r->tls_name, c->tls_name, sizeof(r->tls_name));
	e->ctrl_changed(e->arg, i, addrs || hosts);
}

/* The endpoint's INIT asks for what the most demanding controller needs
 * (associations made from now on; the live ones keep theirs). */
static void raise_out_streams(const struct reload_env *e, const struct config *run,
			      struct later *l)
{
	uint16_t need = 0;
	int rc;

	for (unsigned int i = 0; i < run->n_ctrls; i++)
		if (!assoc_removed(e->assocs[i]) && run->ctrls[i].streams > need)
			need = run->ctrls[i].streams;
	rc = e->out_streams(e->arg, need);
	if (rc)
		need_restart(l, "INIT out_streams %u (the stack refused: %s)", need,
			     strerror(-rc));
}

/* Step 5: removed -> closed; new -> connected; changed -> only that one
 * re-associates (graceful close, connect again: HELLO lists its streams
 * now, its readings kept); back -> connected again. */
static void reload_ctrls(const struct reload_env *e, struct config *run, const struct config *nc,
			 unsigned int first_new, const struct takes_snap *sn,
			 struct later *l, struct reload_stats *st)
{
	char what[CONFIG_MAX_CONTROLLERS][64];

	e->routes_changed(e->arg);
	for (unsigned int i = 0; i < first_new; i++) {
		int k = config_ctrl_index(nc, run->ctrls[i].name);

		what[i][0] = 0;
		if (k >= 0)
			reload_ctrl(e, run, i, nc, (unsigned int)k, sn, l, what[i], sizeof(what[i]));
	}
	raise_out_streams(e, run, l);
	for (unsigned int i = 0; i < run->n_ctrls; i++) {
		struct assoc *a = e->assocs[i];
		bool back = assoc_removed(a);

		if (i >= first_new) {
			ALOG(a, LOG_INFO, "added by the reload: connecting");
			assoc_connect(a);
		} else if (config_ctrl_index(nc, assoc_name(a)) >= 0) {
			if (what[i][0] && !back) {
				st->ctrls_moved++;
				assoc_readdress(a, what[i]);
			}
			st->ctrls_back += back;
			assoc_reopen(a);	/* after the new entry: it connects to that */
		} else if (!back && !e->stopping) {
			ALOG(a, LOG_INFO, "removed from the configuration: closing");
			assoc_close(a, ASSOC_CLOSE_REMOVE, 0);
			st->ctrls_removed++;
		}
	}
}

int reload_apply(const struct reload_env *e, const struct config *nc,
		 struct reload_stats *st)
{
	struct config *run = e->run;
	struct later l = { .len = 0 };
	struct takes_snap sn;
	unsigned int first_new;

	memset(st, 0, sizeof(*st));
	reload_agent(e, run, nc, &l, st);
	reload_paths(e, run, nc, &l, st);
	first_new = run->n_ctrls;
	reload_ctrl_slots(e, run, nc, &l, st);
	ctrl_takes_snapshot(run, &sn);
	reload_routes(run, nc);
	reload_sensors(e, run, nc, &l, st);
	reload_ctrls(e, run, nc, first_new, &sn, &l, st);
	if (memcmp(&run->security, &nc->security, sizeof(run->security)))
		need_restart(&l, "%s", "[security]");
	st->later = l.n;
	if (l.n)
		LOG(LOGM_CONFIG, LOG_WARN, "reload: needs a restart to take effect "
		    "(running as before): %s", l.buf);
	return 0;
}
