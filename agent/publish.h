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
struct publish;

struct publish_env {
	const struct config *cfg;
	struct loop *loop;
	struct assoc *const *assocs;	/* one per controller, config order */
	unsigned int n_assocs;
};

struct publish_stats {
	uint64_t readings;		/* taken by the sampler */
	uint64_t sendall;		/* fan-outs done with one SENDALL */
	uint64_t unicast_fanouts;	/* fan-outs done one send per controller */
	uint64_t encode_failed;		/* messages that could not be encoded */
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

#endif
