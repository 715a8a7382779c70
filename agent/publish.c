/* SPDX-License-Identifier: MIT */
/*
 * Readings out: encode, number per stream, fan out to the controllers that
 * take the sensor. One SENDALL when every controller is up and eligible and
 * none has a backlog; one send per controller otherwise. A controller that
 * cannot take a message now (down, socket full) gets it queued, in order;
 * a payload the stack returns (SEND_FAILED) goes back to the head of its
 * controller's queue. Controllers deduplicate by (agent, stream, seq), so
 * a message sent twice (a SENDALL that failed half way, a SEND_FAILED for
 * data the peer did receive) is harmless; a message never sent is not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "agent/agent_int.h"
#include "agent/mq.h"
#include "port/loop.h"
#include "port/sctp.h"

#define MSG_BUF 4096
#define ASSOC_UNACKED_MAX 1024	/* readings kept per controller until ACKed */
/* Internal mq_msg flag (never given to the stack): a replayed copy of a
 * reading that stays in the un-ACKed store. */
#define MQ_F_REPLAY (1u << 31)

static void count_sent(struct assoc *a, size_t len)
{
	a->st.msgs_sent++;
	a->st.bytes_sent += len;
}

static int send_now(struct assoc *a, const struct mq_msg *m, const void *data)
{
	struct ps_sndinfo si = {
		.assoc = a->id, .stream = m->stream, .ppid = MSG_PPID,
		.flags = (m->flags & ~MQ_F_REPLAY) | paths_tx(a),
		.lifetime_ms = m->lifetime_ms,
		.context = m->seq,
	};
	int rc = ps_send(a->ag->ep, &si, data, m->len);

	if (!rc) {
		count_sent(a, m->len);
		if (!(m->flags & MQ_F_REPLAY))	/* a replay is still stored */
			publish_note_sent(a, m, data);
	}
	return rc;
}

static void enqueue(struct mq *q, struct assoc *a, const struct mq_msg *m,
		    const void *data, bool front)
{
	int rc = mq_push(q, m, data, front);

	if (rc == 1) {
		a->st.dropped++;
		ALOG(a, LOG_WARN, "queue full: dropped the oldest message "
		     "(%llu dropped so far)", (unsigned long long)a->st.dropped);
	} else if (rc < 0) {
		a->st.dropped++;
		ALOG(a, LOG_ERR, "out of memory: message stream %u seq %u dropped",
		     m->stream, m->seq);
	}
}

/* Errors after which the message can never go: count and drop. */
static bool fatal_send_error(int rc)
{
	return rc == -EINVAL || rc == -EMSGSIZE;
}

static void drop_unsendable(struct assoc *a, const struct mq_msg *m, int rc)
{
	a->st.dropped++;
	ALOG(a, LOG_ERR, "stream %u seq %u can never be sent (%s): dropped",
	     m->stream, m->seq, strerror(-rc));
}

/* HELLO and the replay first (older than anything queued), then alarm-
 * class streams, then the rest: the kernel's stream scheduler can only
 * order what it holds, so a backlog here must not keep an alarm behind
 * bulk readings. A stream is in one class only, so its order is kept. */
static struct mq *next_queue(struct assoc *a)
{
	if (mq_len(a->retq))
		return a->retq;
	return mq_len(a->queue_hi) ? a->queue_hi : a->queue;
}

static struct mq *class_queue(struct assoc *a, const struct mq_msg *m)
{
	return m->prio < 128 ? a->queue_hi : a->queue;
}

static unsigned int backlog(const struct assoc *a)
{
	return mq_len(a->retq) + mq_len(a->queue_hi) + mq_len(a->queue);
}

void publish_flush(struct assoc *a)
{
	const struct mq_msg *m;

	while (a->state == AS_UP && (m = mq_peek(next_queue(a)))) {
		int rc = send_now(a, m, m->data);

		if (rc == -EAGAIN) {
			agent_want_writable(a->ag, true);
			return;
		}
		if (rc && !fatal_send_error(rc))
			return;		/* down: an ASSOC_CHANGE will follow */
		if (rc)
			drop_unsendable(a, m, rc);
		mq_pop(next_queue(a));
	}
}

void publish_flush_all(struct agent *ag)
{
	agent_want_writable(ag, false);
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		publish_flush(&ag->assoc[i]);
}

int publish_to(struct assoc *a, const struct mq_msg *m, const void *data)
{
	int rc;

	if (a->state == AS_CLOSED || a->state == AS_SHUTTING_DOWN)
		return -ENOTCONN;	/* closed on purpose: nothing to deliver */
	if (a->state != AS_UP || backlog(a)) {
		enqueue(class_queue(a, m), a, m, data, false);
		publish_flush(a);
		return 0;
	}
	rc = send_now(a, m, data);
	if (rc && fatal_send_error(rc)) {
		drop_unsendable(a, m, rc);
		return rc;
	}
	if (rc) {
		enqueue(class_queue(a, m), a, m, data, false);
		if (rc == -EAGAIN)
			agent_want_writable(a->ag, true);
	}
	return 0;
}

/* One SENDALL reaches exactly the right set: every controller takes the
 * sensor, every association is up with room on that stream, no backlog
 * would be overtaken. */
static bool sendall_ok(struct agent *ag, const struct cfg_sensor *s)
{
	if (ag->n_assoc < 2)
		return false;
	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		struct assoc *a = &ag->assoc[i];
		if (!((s->ctrl_mask >> i) & 1) || a->state != AS_UP ||
		    backlog(a) || s->stream >= a->out_streams ||
		    paths_send_flags(a) != paths_send_flags(&ag->assoc[0]))
			return false;
	}
	return true;
}

static void fan_out(struct agent *ag, const struct cfg_sensor *s,
		    const struct mq_msg *m, const void *data)
{
	if (sendall_ok(ag, s)) {
		struct ps_sndinfo si = {
			.stream = m->stream, .ppid = MSG_PPID,
			.flags = m->flags | PS_SEND_SENDALL | paths_tx_all(ag),
			.lifetime_ms = m->lifetime_ms, .context = m->seq,
		};
		if (!ps_send(ag->ep, &si, data, m->len)) {
			ag->st.sendall++;
			for (unsigned int i = 0; i < ag->n_assoc; i++) {
				count_sent(&ag->assoc[i], m->len);
				publish_note_sent(&ag->assoc[i], m, data);
			}
			return;
		}
		/* partial or refused: per controller (duplicates are deduped) */
	}
	ag->st.unicast_fanouts++;
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		if ((s->ctrl_mask >> i) & 1)
			publish_to(&ag->assoc[i], m, data);
}

/* One message carries the bundle: a SenML pack of n readings, one seq. */
static void send_bundle(struct bundle *b)
{
	struct agent *ag = b->ag;
	const struct cfg_sensor *s = &ag->cfg->sensors[b->sensor];
	char base[CFG_NAME_MAX + 2];
	uint8_t buf[MSG_BUF];
	struct mq_msg m = { .stream = s->stream, .lifetime_ms = s->lifetime_ms,
			    .flags = s->ordered ? 0 : PS_SEND_UNORDERED,
			    .prio = s->priority };
	unsigned int n = b->n;
	int rc;

	loop_timer_stop(b->timer);
	if (!n)
		return;
	snprintf(base, sizeof(base), "%s:", ag->cfg->agent.name);
	m.seq = ++ag->seq[s->stream];
	rc = msg_encode_readings(buf, sizeof(buf), m.seq, msg_str_of(base), b->r,
				 n, &m.len);
	b->n = 0;
	if (rc) {
		LOG(LOGM_MAIN, LOG_ERR, "sensor=%s: cannot encode %u reading(s): %s",
		    s->name, n, strerror(-rc));
		return;
	}
	fan_out(ag, s, &m, buf);
}

static void on_bundle_age(void *arg, struct loop_timer *t)
{
	(void)t;
	send_bundle(arg);
}

void publish_reading(struct agent *ag, unsigned int sensor, double value,
		     int64_t wall_ms)
{
	const struct cfg_sensor *s = &ag->cfg->sensors[sensor];
	struct bundle *b = &ag->bundles[sensor];

	ag->st.readings++;
	b->r[b->n++] = (struct msg_reading){ .name = msg_str_of(s->name),
		.unit = msg_str_of(s->unit), .value = value, .time_ms = wall_ms };
	if (b->n >= s->bundle_count)
		send_bundle(b);
	else if (b->n == 1 && s->bundle_ms)
		loop_timer_in(b->timer, s->bundle_ms);
}

void publish_flush_bundles(struct agent *ag)
{
	for (unsigned int i = 0; i < ag->cfg->n_sensors; i++)
		send_bundle(&ag->bundles[i]);
}

int publish_init(struct agent *ag)
{
	for (unsigned int i = 0; i < ag->cfg->n_sensors; i++) {
		struct bundle *b = &ag->bundles[i];
		int rc;

		b->ag = ag;
		b->sensor = i;
		b->r = calloc(ag->cfg->sensors[i].bundle_count, sizeof(*b->r));
		if (!b->r)
			return -ENOMEM;
		rc = loop_timer_new(ag->loop, on_bundle_age, b, &b->timer);
		if (rc)
			return rc;
	}
	return 0;
}

void publish_fini(struct agent *ag)
{
	for (unsigned int i = 0; i < ag->cfg->n_sensors; i++) {
		free(ag->bundles[i].r);
		loop_timer_free(ag->bundles[i].timer);
		ag->bundles[i].r = NULL;
		ag->bundles[i].timer = NULL;
	}
}

void publish_stream_prio(struct assoc *a)
{
	const struct config *c = a->ag->cfg;
	bool any = false;

	for (unsigned int i = 0; i < c->n_sensors; i++)
		any |= c->sensors[i].priority != 128;
	for (unsigned int i = 0; any && i < c->n_sensors; i++) {
		int rc = ps_set_stream_prio(a->ag->ep, a->id, c->sensors[i].stream,
					    c->sensors[i].priority);
		if (rc) {
			ALOG(a, LOG_WARN, "stream priorities not applied: %s%s",
			     strerror(-rc), rc == -EOPNOTSUPP ?
			     " (kernel without the stream scheduler, < 4.15)" : "");
			return;
		}
	}
}

void publish_note_sent(struct assoc *a, const struct mq_msg *m, const void *data)
{
	paths_note_sent(a, m->stream, m->flags, m->lifetime_ms, m->seq, data, m->len);
	/* control messages and readings with a lifetime are not replayed:
	 * a late reading with a lifetime is worthless by definition */
	if (m->stream == MSG_STREAM_CTRL || m->lifetime_ms)
		return;
	if (mq_len(a->unacked) == ASSOC_UNACKED_MAX) {
		mq_pop(a->unacked);
		a->st.unacked_evicted++;
	}
	mq_push(a->unacked, m, data, false);
}

struct ack_range {
	uint16_t stream;
	uint32_t seq;
};

static bool covered(const struct mq_msg *m, void *arg)
{
	const struct ack_range *r = arg;

	return m->stream == r->stream && m->seq <= r->seq;
}

void publish_acked(struct assoc *a, uint16_t stream, uint32_t seq)
{
	struct ack_range r = { stream, seq };

	a->acked[stream] = seq;
	mq_filter(a->unacked, covered, &r);
}

void publish_replay(struct assoc *a)
{
	unsigned int n = mq_len(a->unacked);

	/* what a previous replay did not get out is in the store too */
	mq_clear(a->retq);
	publish_hello(a);
	for (unsigned int i = 0; i < n; i++) {
		struct mq_msg m = *mq_at(a->unacked, i);

		/* the store keeps its copy until an ACK covers it, so a second
		 * loss in the middle of a replay loses nothing */
		m.flags |= MQ_F_REPLAY;
		enqueue(a->retq, a, &m, mq_at(a->unacked, i)->data, false);
	}
	a->st.replayed += n;
	if (n)
		ALOG(a, LOG_INFO, "replaying %u reading(s) the controller had not "
		     "acknowledged", n);
}

void publish_hello(struct assoc *a)
{
	const struct config *c = a->ag->cfg;
	struct msg_stream_info streams[CONFIG_MAX_SENSORS];
	struct msg_hello h = {
		.name = msg_str_of(c->agent.name), .sw = msg_str_of(SCTPAGENT_VERSION),
		.proto = MSG_VERSION, .boot_id = a->ag->boot_id,
		.start_ms = (uint64_t)a->ag->start_wall_ms, .streams = streams,
	};
	uint8_t buf[MSG_BUF];
	struct mq_msg m = { .stream = MSG_STREAM_CTRL };
	int rc;

	for (unsigned int i = 0; i < c->n_sensors; i++)
		if ((c->sensors[i].ctrl_mask >> a->index) & 1)
			streams[h.n_streams++] = (struct msg_stream_info){
				c->sensors[i].stream, msg_str_of(c->sensors[i].name),
				msg_str_of(c->sensors[i].unit) };
	rc = msg_encode_hello(buf, sizeof(buf), &h, &m.len);
	if (rc) {
		ALOG(a, LOG_ERR, "cannot encode HELLO: %s", strerror(-rc));
		return;
	}
	/* HELLO goes before anything returned or queued while it was down */
	enqueue(a->retq, a, &m, buf, true);
}

void publish_send_failed(struct assoc *a, const struct ps_event *ev)
{
	struct mq_msg m = {
		.stream = ev->u.send_failed.stream, .len = ev->u.send_failed.len,
		.flags = ev->u.send_failed.flags & PS_SEND_UNORDERED,
		.seq = ev->u.send_failed.context,
	};

	a->st.send_failed++;
	if (ev->u.send_failed.ppid != MSG_PPID || !m.len ||
	    m.stream == MSG_STREAM_CTRL) {
		/* HELLO goes again on the next association; a reply or
		 * anything foreign belonged to the old one */
		ALOG(a, LOG_DEBUG, "SEND_FAILED on stream %u: not resent", m.stream);
		return;
	}
	if (a->state == AS_CLOSED || a->state == AS_SHUTTING_DOWN) {
		a->st.dropped++;
		ALOG(a, LOG_WARN, "undelivered stream %u seq %u: controller closed; "
		     "dropped (counted)", m.stream, m.seq);
		return;
	}
	/* a reading with a lifetime is worthless when late: the stack gave up
	 * on it (PR-SCTP abandoned it or the association died); count it */
	for (unsigned int i = 0; i < a->ag->cfg->n_sensors; i++)
		if (a->ag->cfg->sensors[i].stream == m.stream)
			m.lifetime_ms = a->ag->cfg->sensors[i].lifetime_ms;
	if (m.lifetime_ms) {
		a->st.abandoned++;
		ALOG(a, LOG_INFO, "stream %u seq %u abandoned (lifetime %u ms; %llu "
		     "so far)", m.stream, m.seq, m.lifetime_ms,
		     (unsigned long long)a->st.abandoned);
		return;
	}
	/* A reliable message fails only with its association. Linux returns
	 * them path by path, not in send order; the un-ACKed store has them
	 * in order and the next association replays it, so nothing is resent
	 * here (into a dying association, out of order). */
	a->st.requeued++;
	ALOG(a, LOG_DEBUG, "undelivered stream %u seq %u (%s): replayed on the "
	     "next association", m.stream, m.seq,
	     ev->u.send_failed.unsent ? "unsent" : "unacked");
}
