/* SPDX-License-Identifier: MIT */
/*
 * agent/reload.h - SIGHUP without disruption: apply a new configuration
 * (already loaded and checked) to the running agent, touching only what
 * changed. Live: [agent] log_level, reconnect_min_ms/max_ms,
 * shutdown_timeout_ms, status_interval_ms; every [path.*] parameter
 * (priority, heartbeat, RTOs, retransmissions, PF, metered, failback,
 * confirm), applied to the live associations; sensors matched by name:
 * an unchanged one keeps running untouched (instance, schedule, backoff,
 * counters, stream, message seqs; a new interval_ms applies live), a
 * removed one stops (its partial bundle sent first), a new one starts, a
 * changed one (driver, source, unit, stream, delivery or priority) is
 * restarted; stream numbers of running sensors are kept
 * (config_load_keep()); a controller removed (closed, what it held
 * dropped and counted), back (connected again) or with new numeric
 * addresses or port (only its association is closed and made again, its
 * readings kept). Everything else keeps running as it is and is named in
 * one log line "needs a restart": added or removed paths, new
 * controllers, a controller's streams/host names or the sensors it takes
 * (its HELLO lists them), a path's interface or address, [security] and
 * the other [agent] keys.
 */
#ifndef AGENT_RELOAD_H
#define AGENT_RELOAD_H

#include <stdbool.h>

struct assoc;
struct config;
struct loop_timer;
struct sampler;

/* What a reload may touch, from the agent (composition root). */
struct reload_env {
	struct config *run;		/* the running configuration, changed in place */
	struct sampler *sampler;
	struct loop_timer *status_timer;	/* [agent] status_interval_ms */
	struct assoc *const *assocs;	/* one per controller of @run, in order */
	unsigned int n_assocs;
	int verbose;			/* -v count, added to log_level */
	bool stopping;
	void *arg;
	/* path parameters changed in @run: apply them to live associations */
	void (*paths_changed)(void *arg);
	/* Sensor @run_index is removed or restarted; @run's sensors are
	 * still as they ran (its partial bundle goes out now). */
	void (*sensor_leaving)(void *arg, unsigned int run_index);
	/* @run's sensors were rewritten: sensor j had run index
	 * @old_of_new[j] before, or is new or restarted (-1). The agent
	 * reshapes the sampler, the fan-out, the status and the outbox's
	 * stream table. 0, or -errno with nothing changed (the reload then
	 * puts the sensors back as they ran and names them). */
	int (*sensors_changed)(void *arg, const int *old_of_new, unsigned int n);
};

struct reload_stats {
	unsigned int agent;		/* [agent] keys applied */
	unsigned int paths;		/* paths with new parameters */
	unsigned int sensors;		/* sensors with a new interval */
	unsigned int ctrls_moved;	/* controllers re-associated */
	unsigned int ctrls_removed, ctrls_back;
	unsigned int later;		/* changes that need a restart */
	unsigned int sensors_added, sensors_removed;
	unsigned int sensors_changed;	/* restarted: driver, source, ... */
};

/* Apply @nc (the new file, loaded and checked) to @e->run. Returns 0 (a
 * file that loads is never refused here). */
int reload_apply(const struct reload_env *e, const struct config *nc,
		 struct reload_stats *st);

#endif
