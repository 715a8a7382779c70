/* SPDX-License-Identifier: MIT */
/*
 * Readings out: bundle, number per stream, encode, append to the outbox,
 * fan out (see publish.h). Controllers deduplicate by (agent, epoch,
 * stream, seq), so a message sent twice (a SENDALL that failed half way)
 * is harmless; what an association could not send waits in the outbox.
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
#include "agent/outbox.h"
#include "agent/publish.h"
#include "port/clock.h"
#include "port/loop.h"
#include "port/sctp.h"


/* Readings of one sensor waiting to go out as one SenML pack. */
struct bundle {
	struct publish *p;
	unsigned int sensor;
	struct msg_reading *r;		/* cap entries */
	unsigned int n, cap;
	struct loop_timer *timer;	/* bundle_ms age limit; NULL = solo */
	struct msg_reading one;		/* r of a solo bundle */
};

#define STORE_LOG_MS 10000	/* one line per 10 s about failed appends */

struct publish {
	const struct publish_env *env;
	uint32_t seq[CONFIG_MAX_STREAMS];	/* last seq numbered, per stream */
	uint32_t ob_next[CONFIG_MAX_STREAMS];	/* next seq the outbox expects */
	struct bundle *b[CONFIG_MAX_SENSORS];	/* per sensor, config order */
	/* A sensor added by a reload when its bundle cannot be made: its
	 * readings go out one per message (never a reload that fails). */
	struct bundle solo[CONFIG_MAX_SENSORS];
	uint64_t store_log_ms;
	struct publish_stats st;
};

static void fan_out(struct publish *p, const struct cfg_sensor *s,
		    const struct mq_msg *m, const void *data, bool stored)
{
	if (assoc_send_group(p->env->assocs, p->env->n_assocs, s->ctrl_mask, m,
			     data, stored))
		p->st.sendall++;
	else
		p->st.unicast_fanouts++;
}

/* The outbox's stream stays gapless: seqs it never got (an append that
 * failed) are declared before the next one (GAP record). */
static void fill(struct publish *p, uint16_t stream, uint32_t seq)
{
	uint32_t next = p->ob_next[stream];

	if (next && next != seq &&
	    outbox_append_gap(p->env->ob, stream, next, seq - 1) >= 0)
		p->ob_next[stream] = seq;
}

/* Append message @m (its body: the outbox keeps no header) before anyone
 * sends it. True if the outbox holds it (on the device or in memory). */
static bool store(struct publish *p, const struct mq_msg *m, const uint8_t *buf)
{
	uint8_t flags = m->flags & PS_SEND_UNORDERED ? ASSOC_REC_UNORDERED : 0;
	uint64_t now = clock_mono_ms();
	int rc;

	fill(p, m->stream, m->seq);
	rc = outbox_append(p->env->ob, m->stream, m->seq, flags, m->lifetime_ms,
			   buf + MSG_HDR_LEN, m->len - MSG_HDR_LEN);
	if (rc >= 0)
		p->ob_next[m->stream] = m->seq + 1;
	if (rc == OUTBOX_MEMORY)
		p->st.stored_memory++;
	else if (!rc)
		p->st.stored_disk++;
	else if (++p->st.store_failed, !p->store_log_ms ||
		 now >= p->store_log_ms + STORE_LOG_MS) {
		p->store_log_ms = now;
		LOG(LOGM_MAIN, LOG_ERR, "outbox refused stream %u seq %u: %s (%llu "
		    "so far); sent if it can go now, else reported lost",
		    m->stream, m->seq, strerror(-rc),
		    (unsigned long long)p->st.store_failed);
	}
	if (p->env->stored)
		p->env->stored(p->env->arg);
	return rc >= 0;
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

	if (b->timer)
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
		fill(p, s->stream, m.seq);
		if (outbox_append_gap(p->env->ob, s->stream, m.seq, m.seq) >= 0)
			p->ob_next[s->stream] = m.seq + 1;
		for (unsigned int i = 0; i < p->env->n_assocs; i++)
			if ((s->ctrl_mask >> i) & 1)
				assoc_gap(p->env->assocs[i], s->stream, m.seq);
		return;
	}
	fan_out(p, s, &m, buf, store(p, &m, buf));
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
	struct bundle *b = p->b[sensor];

	p->st.readings++;
	if (b->n && b->r[0].unsynced != unsynced)
		send_bundle(b);		/* one pack, one clock state */
	b->r[b->n++] = (struct msg_reading){ .name = msg_str_of(s->name),
		.unit = msg_str_of(s->unit), .value = value, .time_ms = wall_ms,
		.unsynced = unsynced };
	if (b->n >= s->bundle_count || b->n >= b->cap)
		send_bundle(b);
	else if (b->n == 1 && s->bundle_ms)
		loop_timer_in(b->timer, s->bundle_ms);
}

void publish_flush_bundles(struct publish *p)
{
	for (unsigned int i = 0; i < p->env->cfg->n_sensors; i++)
		send_bundle(p->b[i]);
}

void publish_flush_sensor(struct publish *p, unsigned int sensor)
{
	if (sensor < p->env->cfg->n_sensors)
		send_bundle(p->b[sensor]);
}

void publish_get_stats(const struct publish *p, struct publish_stats *st)
{
	*st = p->st;
}

static void free_bundle(struct bundle *b)
{
	if (b->timer) {	/* not a solo one */
		loop_timer_free(b->timer);
		free(b->r);
		free(b);
	}
}

/* Sensor @i's bundle, for @s's bundle_count. -ENOMEM. */
static int new_bundle(struct publish *p, unsigned int i, const struct cfg_sensor *s,
		      struct bundle **out)
{
	struct bundle *b = calloc(1, sizeof(*b));
	int rc = -ENOMEM;

	if (b) {
		b->p = p, b->sensor = i, b->cap = s->bundle_count ? s->bundle_count : 1;
		b->r = calloc(b->cap, sizeof(*b->r));
		rc = b->r ? loop_timer_new(p->env->loop, on_bundle_age, b, &b->timer) : -ENOMEM;
	}
	if (rc && b) {
		free(b->r);
		free(b);
	}
	if (!rc)
		*out = b;
	return rc;
}

static struct bundle *solo(struct publish *p, unsigned int i)
{
	struct bundle *b = &p->solo[i];

	*b = (struct bundle){ .p = p, .sensor = i, .r = &b->one, .cap = 1 };
	return b;
}

int publish_create(const struct publish_env *env, struct publish **out)
{
	struct publish *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->env = env;
	for (unsigned int i = 0; i < env->cfg->n_sensors; i++) {
		int rc = new_bundle(p, i, &env->cfg->sensors[i], &p->b[i]);

		if (rc) {
			publish_destroy(p);
			return rc;
		}
	}
	*out = p;
	return 0;
}

void publish_reshape(struct publish *p, const int *old_of_new, unsigned int n)
{
	const struct config *c = p->env->cfg;
	struct bundle *nb[CONFIG_MAX_SENSORS] = { NULL };
	bool kept[CONFIG_MAX_SENSORS] = { false };

	for (unsigned int j = 0; j < n && j < CONFIG_MAX_SENSORS; j++) {
		struct bundle *b;

		if (old_of_new[j] < 0) {
			if (new_bundle(p, j, &c->sensors[j], &nb[j])) {
				LOG(LOGM_MAIN, LOG_ERR, "sensor=%s: no memory for its "
				    "bundle: one reading per message", c->sensors[j].name);
				nb[j] = solo(p, j);
			}
			continue;
		}
		b = nb[j] = p->b[old_of_new[j]];
		kept[old_of_new[j]] = true;
		if (b == &p->solo[old_of_new[j]])	/* solo slots follow the index */
			b = nb[j] = solo(p, j);
		b->sensor = j;
		for (unsigned int k = 0; k < b->n; k++)	/* the names' new home */
			b->r[k].name = msg_str_of(c->sensors[j].name),
			b->r[k].unit = msg_str_of(c->sensors[j].unit);
	}
	for (unsigned int i = 0; i < CONFIG_MAX_SENSORS; i++)
		if (p->b[i] && !kept[i])
			free_bundle(p->b[i]);
	memcpy(p->b, nb, sizeof(nb));
}

void publish_destroy(struct publish *p)
{
	if (!p)
		return;
	for (unsigned int i = 0; i < CONFIG_MAX_SENSORS; i++)
		if (p->b[i])
			free_bundle(p->b[i]);
	free(p);
}
