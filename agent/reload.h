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
 * dropped and counted), back (connected again), new (a slot of its own, never a removed one's: an
 * association, an outbox cursor starting as a controller new at start-up
 * does, a DTLS channel, its host names; connected), or changed: new
 * addresses, port, host names, streams, tls_name or another set of
 * (stream, sensor) it takes re-associate that controller alone (graceful
 * close, connect again, HELLO lists its streams, its readings kept), the
 * endpoint's INIT out_streams raised first when it needs more (the next
 * associations ask for them; live ones keep theirs). Everything else keeps
 * running as it is and is named in one log line "needs a restart": added
 * or removed paths, a new controller without a slot
 * (CONFIG_MAX_CONTROLLERS, OUTBOX_MAX_CTRLS) or with an address over UDP
 * the endpoint was not opened with, a path's interface or address,
 * [security] and the other [agent] keys.
 *
 * Order (docs/ARCHITECTURE.md, Reload): agent keys, paths; new
 * controllers get their slots (ctrl_added); what every controller takes
 * is recorded; routes follow the file; sensors (sensor_leaving for each
 * one that goes, the list rewritten, sensors_changed); then per controller:
 * removed closed, new connected, changed re-associated.
 */
#ifndef AGENT_RELOAD_H
#define AGENT_RELOAD_H

#include <stdbool.h>
#include <stdint.h>

struct assoc;
struct config;
struct loop_timer;
struct ps_encap;
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
	/* C (controllers). @assocs has one entry per controller of @run
	 * (removed ones included), ctrl_added() appends to it. */
	/* run->ctrls[@i] is new (@i = the count so far): make its
	 * association, outbox cursor, DTLS channel, names and status entry;
	 * do not connect. 0, -ENOSPC no room (outbox), -ENOMEM. */
	int (*ctrl_added)(void *arg, unsigned int i);
	/* run->ctrls[@i]'s streams, tls_name or (@addrs) its address list
	 * (numeric addresses, host names, port) were rewritten, before it
	 * re-associates: the views of it follow. */
	void (*ctrl_changed)(void *arg, unsigned int i, bool addrs);
	/* who takes which sensor changed in @run: the tables built from it */
	void (*routes_changed)(void *arg);
	/* associations made from now on ask for at least @n outbound streams
	 * in their INIT: 0, or ps_set_out_streams()'s error */
	int (*out_streams)(void *arg, uint16_t n);
	/* the endpoint's UDP encapsulation table (fixed at its open) */
	const struct ps_encap *encap;
	unsigned int n_encap;
	/* S (sensors). */
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
	unsigned int ctrls_added;	/* new controllers, connecting */
	unsigned int sensors_added, sensors_removed;
	unsigned int sensors_changed;	/* restarted: driver, source, ... */
};

/* Apply @nc (the new file, loaded and checked) to @e->run. Returns 0 (a
 * file that loads is never refused here). */
int reload_apply(const struct reload_env *e, const struct config *nc,
		 struct reload_stats *st);

#endif
