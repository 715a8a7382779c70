/* SPDX-License-Identifier: MIT */
/*
 * Readings out: bundle, number per stream, encode, fan out (see
 * publish.h). Controllers deduplicate by (agent, stream, seq), so a
 * message sent twice (a SENDALL that failed half way) is harmless; the
 * associations keep what could not be sent yet.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/assoc.h"
#include "agent/config.h"
#include "agent/log.h"
#include "agent/mq.h"
#include "agent/msg.h"
#include "agent/publish.h"
#include "port/loop.h"
#include "port/sctp.h"


/* Readings of one sensor waiting to go out as one SenML pack. */
struct bundle {
	struct publish *p;
	unsigned int sensor;
	struct msg_reading *r;		/* bundle_count entries */
	unsigned int n;
	struct loop_timer *timer;	/* bundle_ms age limit */
};

struct publish {
	const struct publish_env *env;
	uint32_t seq[CONFIG_MAX_STREAMS];	/* last seq numbered, per stream */
	struct bundle bundles[CONFIG_MAX_SENSORS];
	struct publish_stats st;
};

static void fan_out(struct publish *p, const struct cfg_sensor *s,
		    const struct mq_msg *m, const void *data)
{
	if (assoc_send_group(p->env->assocs, p->env->n_assocs, s->ctrl_mask, m, data))
		p->st.sendall++;
	else
		p->st.unicast_fanouts++;
}

/* One message carries the bundle: a SenML pack of n readings, one seq. */
static void send_bundle(struct bundle *b)
{
	struct publish *p = b->p;
	const struct config *c = p->env->cfg;
	const struct cfg_sensor *s = &c->sensors[b->sensor];
	char base[CFG_NAME_MAX + 2];
	uint8_t buf[MSG_READINGS_BUF];
	struct mq_msg m = { .stream = s->stream, .lifetime_ms = s->lifetime_ms,
			    .flags = s->ordered ? 0 : PS_SEND_UNORDERED,
			    .prio = s->priority };
	unsigned int n = b->n;
	int rc;

	loop_timer_stop(b->timer);
	if (!n)
		return;
	snprintf(base, sizeof(base), "%s:", c->agent.name);
	m.seq = ++p->seq[s->stream];
	rc = msg_encode_readings(buf, sizeof(buf), 0, m.seq, msg_str_of(base), b->r,
				 n, &m.len);
	b->n = 0;
	if (rc) {
		p->st.encode_failed++;
		LOG(LOGM_MAIN, LOG_ERR, "sensor=%s: cannot encode %u reading(s): %s; "
		    "seq %u reported lost", s->name, n, strerror(-rc), m.seq);
		for (unsigned int i = 0; i < p->env->n_assocs; i++)
			if ((s->ctrl_mask >> i) & 1)
				assoc_gap(p->env->assocs[i], s->stream, m.seq);
		return;
	}
	fan_out(p, s, &m, buf);
}

static void on_bundle_age(void *arg, struct loop_timer *t)
{
	(void)t;
	send_bundle(arg);
}

void publish_reading(struct publish *p, unsigned int sensor, double value,
		     int64_t wall_ms, bool unsynced)
{
	const struct cfg_sensor *s = &p->env->cfg->sensors[sensor];
	struct bundle *b = &p->bundles[sensor];

	p->st.readings++;
	if (b->n && b->r[0].unsynced != unsynced)
		send_bundle(b);		/* one pack, one clock state */
	b->r[b->n++] = (struct msg_reading){ .name = msg_str_of(s->name),
		.unit = msg_str_of(s->unit), .value = value, .time_ms = wall_ms,
		.unsynced = unsynced };
	if (b->n >= s->bundle_count)
		send_bundle(b);
	else if (b->n == 1 && s->bundle_ms)
		loop_timer_in(b->timer, s->bundle_ms);
}

void publish_flush_bundles(struct publish *p)
{
	for (unsigned int i = 0; i < p->env->cfg->n_sensors; i++)
		send_bundle(&p->bundles[i]);
}

void publish_get_stats(const struct publish *p, struct publish_stats *st)
{
	*st = p->st;
}

int publish_create(const struct publish_env *env, struct publish **out)
{
	struct publish *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->env = env;
	for (unsigned int i = 0; i < env->cfg->n_sensors; i++) {
		struct bundle *b = &p->bundles[i];
		int rc;

		b->p = p;
		b->sensor = i;
		b->r = calloc(env->cfg->sensors[i].bundle_count, sizeof(*b->r));
		rc = b->r ? loop_timer_new(env->loop, on_bundle_age, b, &b->timer) : -ENOMEM;
		if (rc) {
			publish_destroy(p);
			return rc;
		}
	}
	*out = p;
	return 0;
}

void publish_destroy(struct publish *p)
{
	if (!p)
		return;
	for (unsigned int i = 0; i < p->env->cfg->n_sensors; i++) {
		free(p->bundles[i].r);
		loop_timer_free(p->bundles[i].timer);
	}
	free(p);
}
