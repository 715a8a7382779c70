/* SPDX-License-Identifier: MIT */
/*
 * agent/publish.h - the fan-out: readings in, messages out. Bundles each
 * sensor's readings into one SenML pack (bundle_count, bundle_ms), numbers
 * the messages per stream, encodes them and hands each to the
 * associations of the controllers that take the sensor (agent/assoc.h is
 * the only thing it calls to send).
 */
#ifndef AGENT_PUBLISH_H
#define AGENT_PUBLISH_H

#include <stdbool.h>
#include <stdint.h>

struct assoc;
struct config;
struct loop;
struct outbox;
struct publish;

struct publish_env {
	const struct config *cfg;
	struct loop *loop;
	struct assoc *const *assocs;	/* one per controller, config order */
	unsigned int n_assocs;
	struct outbox *ob;
	/* After each append to the outbox (its timer, the budget). */
	void (*stored)(void *arg);
	void *arg;
};

struct publish_stats {
	uint64_t readings;		/* taken by the sampler */
	uint64_t sendall;		/* fan-outs done with one SENDALL */
	uint64_t unicast_fanouts;	/* fan-outs done one send per controller */
	uint64_t encode_failed;		/* messages that could not be encoded */
	uint64_t stored_disk;		/* messages the outbox wrote to the device */
	uint64_t stored_memory;		/* ... kept in its memory tier only */
	uint64_t store_failed;		/* ... could not keep at all */
};

/* @env (and what it points to) must outlive the object. -ENOMEM. */
int publish_create(const struct publish_env *env, struct publish **out);
void publish_destroy(struct publish *p);

/* One reading of sensor @sensor (config index) taken at @wall_ms;
 * @unsynced: that wall clock was not synchronized (flagged on the wire). */
void publish_reading(struct publish *p, unsigned int sensor, double value,
		     int64_t wall_ms, bool unsynced);
/* Send every partial bundle now (stop, READ_NOW). */
void publish_flush_bundles(struct publish *p);
void publish_get_stats(const struct publish *p, struct publish_stats *st);

/* A reload, before the config's sensors change: send sensor @sensor's
 * partial bundle now (a sensor that is removed or restarted). */
void publish_flush_sensor(struct publish *p, unsigned int sensor);
/*
 * A reload, after the config's sensors changed (env->cfg->sensors[0..n)):
 * sensor j had index @old_of_new[j] before, or is new (-1). A kept
 * sensor's partial bundle stays with it (its readings' names re-pointed
 * into its new config slot); a new one gets an empty bundle; the bundles
 * of sensors no index maps to are dropped (publish_flush_sensor() them
 * first). Message seqs are per stream and never go back: a stream that
 * changes hands goes on from its last seq. Never fails: a new sensor
 * whose bundle cannot be made (no memory) sends one reading per message
 * (logged).
 */
void publish_reshape(struct publish *p, const int *old_of_new, unsigned int n);

#endif
