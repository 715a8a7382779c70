/* SPDX-License-Identifier: MIT */
/*
 * One controller's send path. What waits for the controller is flushed
 * in this order: control messages (HELLO, replies), the replay of the
 * store after a new association, alarm-class readings, the rest. The
 * kernel's stream scheduler can only order what it holds, so a local
 * backlog must not keep an alarm behind bulk readings; a stream is in one
 * class only, so its order is kept. Every reading handed to the stack is
 * kept in the store until the controller's cumulative ACK covers it.
 */
#include <errno.h>
#include <string.h>

#include "agent/assoc_int.h"
#include "agent/config.h"
#include "agent/mq.h"
#include "agent/msg.h"
#include "agent/store.h"

#define HELLO_BUF 4096

static void count_sent(struct assoc *a, size_t len)
{
	a->st.msgs_sent++;
	a->st.bytes_sent += len;
}

/* Seam (a): the one way a message to this controller reaches the stack. */
static int xmit(struct assoc *a, const struct mq_msg *m, const void *data)
{
	struct ps_sndinfo si = {
		.assoc = a->id, .stream = m->stream, .ppid = MSG_PPID,
		.flags = m->flags, .lifetime_ms = m->lifetime_ms,
		.context = m->seq,
	};

	return ps_send(a->env->ep, &si, data, m->len);
}

static void drop_counted(struct assoc *a, const char *why)
{
	(void)why;
	a->st.dropped++;
	ALOG(a, LOG_WARN, "queue full: dropped the oldest message "
	     "(%llu dropped so far)", (unsigned long long)a->st.dropped);
}

/* A reading just handed to the stack: keep it until the controller ACKs. */
static void note_sent(struct assoc *a, const struct mq_msg *m, const void *data)
{
	struct store_range lost;

	count_sent(a, m->len);
	a->env->on_sent(a->env->arg, a, m, data);
	/* control messages and readings with a lifetime are not replayed:
	 * a late reading with a lifetime is worthless by definition */
	if (m->stream == MSG_STREAM_CTRL || m->lifetime_ms)
		return;
	if (store_append(a->store, m, data, &lost) == 1)
		a->st.unacked_evicted++;
}

static void enqueue(struct mq *q, struct assoc *a, const struct mq_msg *m,
		    const void *data, bool front)
{
	int rc = mq_push(q, m, data, front);

	if (rc == 1) {
		drop_counted(a, "queue full");
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

static struct mq *class_queue(struct assoc *a, const struct mq_msg *m)
{
	return m->prio < 128 ? a->queue_hi : a->queue;
}

unsigned int assoc_backlog(const struct assoc *a)
{
	return mq_len(a->ctrlq) + mq_len(a->queue_hi) + mq_len(a->queue) +
	       (a->replaying ? 1u : 0u);
}

/* The next replay entry, or NULL when the replay is done. */
static const struct mq_msg *replay_next(struct assoc *a, uint64_t *ticket)
{
	const struct mq_msg *m = NULL;

	if (a->replaying)
		m = store_from(a->store, a->replay_pos, ticket);
	if (!m || *ticket >= a->replay_end) {
		a->replaying = false;
		return NULL;
	}
	return m;
}

/* Send the head of what waits. 0 sent (or dropped), 1 nothing left,
 * -EAGAIN socket full, other < 0: the association is going down. */
static int flush_one(struct assoc *a)
{
	struct mq *q = a->ctrlq;
	const struct mq_msg *m = mq_peek(q);
	uint64_t ticket = 0;
	int rc;

	if (!m && (m = replay_next(a, &ticket)))
		q = NULL;
	if (!m) {
		q = mq_len(a->queue_hi) ? a->queue_hi : a->queue;
		m = mq_peek(q);
	}
	if (!m)
		return 1;
	rc = xmit(a, m, m->data);
	if (rc && !fatal_send_error(rc))
		return rc;
	if (rc)
		drop_unsendable(a, m, rc);
	else if (q == a->queue_hi || q == a->queue)
		note_sent(a, m, m->data);
	else
		count_sent(a, m->len);
	if (q)
		mq_pop(q);
	else
		a->replay_pos = ticket + 1;
	return 0;
}

void assoc_flush(struct assoc *a)
{
	int rc = 0;

	while (a->ready && !rc)
		rc = flush_one(a);
	if (rc == -EAGAIN)
		a->env->want_writable(a->env->arg);
}

void assoc_send(struct assoc *a, const struct mq_msg *m, const void *data)
{
	int rc;

	if (a->state == AS_CLOSED || a->state == AS_SHUTTING_DOWN)
		return;		/* closed on purpose: nothing to deliver */
	if (!a->ready || assoc_backlog(a)) {
		enqueue(class_queue(a, m), a, m, data, false);
		assoc_flush(a);
		return;
	}
	rc = xmit(a, m, data);
	if (!rc) {
		note_sent(a, m, data);
		return;
	}
	if (fatal_send_error(rc)) {
		drop_unsendable(a, m, rc);
		return;
	}
	enqueue(class_queue(a, m), a, m, data, false);
	if (rc == -EAGAIN)
		a->env->want_writable(a->env->arg);
}

/* One SENDALL reaches exactly the right set: every association of the
 * endpoint takes the reading, is up and ready with room on that stream,
 * has no backlog that would be overtaken and no channel of its own. */
static bool sendall_ok(struct assoc *const *as, unsigned int n, uint64_t mask,
		       uint16_t stream)
{
	if (n < 2)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		const struct assoc *a = as[i];

		if (!((mask >> i) & 1) || !a->ready || a->env->channel_open ||
		    assoc_backlog(a) || stream >= a->out_streams)
			return false;
	}
	return true;
}

bool assoc_send_group(struct assoc *const *as, unsigned int n, uint64_t mask,
		      const struct mq_msg *m, const void *data)
{
	if (sendall_ok(as, n, mask, m->stream)) {
		struct ps_sndinfo si = {
			.stream = m->stream, .ppid = MSG_PPID,
			.flags = m->flags | PS_SEND_SENDALL,
			.lifetime_ms = m->lifetime_ms, .context = m->seq,
		};
		if (!ps_send(as[0]->env->ep, &si, data, m->len)) {
			for (unsigned int i = 0; i < n; i++)
				note_sent(as[i], m, data);
			return true;
		}
		/* partial or refused: per controller (duplicates are deduped) */
	}
	for (unsigned int i = 0; i < n; i++)
		if ((mask >> i) & 1)
			assoc_send(as[i], m, data);
	return false;
}

void assoc_send_ctrl(struct assoc *a, const void *data, size_t len)
{
	struct mq_msg m = { .stream = MSG_STREAM_CTRL, .len = len };

	if (a->state == AS_CLOSED || a->state == AS_SHUTTING_DOWN)
		return;
	enqueue(a->ctrlq, a, &m, data, false);
	assoc_flush(a);
}

static void send_hello(struct assoc *a)
{
	const struct config *c = a->env->cfg;
	struct msg_stream_info streams[CONFIG_MAX_SENSORS];
	struct msg_hello h = {
		.name = msg_str_of(c->agent.name), .sw = msg_str_of(SCTPAGENT_VERSION),
		.proto = MSG_VERSION, .boot_id = a->env->boot_id,
		.start_ms = (uint64_t)a->env->start_wall_ms, .streams = streams,
	};
	uint8_t buf[HELLO_BUF];
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
	/* HELLO goes before anything queued while it was down */
	enqueue(a->ctrlq, a, &m, buf, true);
}

static void stream_prio(struct assoc *a)
{
	const struct config *c = a->env->cfg;
	bool any = false;

	for (unsigned int i = 0; i < c->n_sensors; i++)
		any |= c->sensors[i].priority != 128;
	for (unsigned int i = 0; any && i < c->n_sensors; i++) {
		int rc = ps_set_stream_prio(a->env->ep, a->id, c->sensors[i].stream,
					    c->sensors[i].priority);
		if (rc) {
			ALOG(a, LOG_WARN, "stream priorities not applied: %s%s",
			     strerror(-rc), rc == -EOPNOTSUPP ?
			     " (kernel without the stream scheduler, < 4.15)" : "");
			return;
		}
	}
}

/* A new association (after the channel, if any): HELLO, then every
 * reading the controller never ACKed, then what was queued. The store
 * keeps each reading until an ACK covers it, even while it is replayed,
 * so a second loss in the middle of a replay loses nothing. */
void assoc_tx_up(struct assoc *a)
{
	unsigned int n = store_len(a->store);

	stream_prio(a);
	mq_clear(a->ctrlq);		/* replies belonged to the old association */
	send_hello(a);
	a->replaying = n > 0;
	a->replay_pos = 1;
	a->replay_end = store_next_ticket(a->store);
	a->st.replayed += n;
	if (n)
		ALOG(a, LOG_INFO, "replaying %u reading(s) the controller had not "
		     "acknowledged", n);
	assoc_flush(a);
}

void assoc_on_ack(struct assoc *a, uint16_t stream, uint32_t seq)
{
	a->acked[stream] = seq;
	store_ack(a->store, stream, seq);
}

void assoc_on_send_failed(struct assoc *a, const struct ps_event *ev)
{
	const struct config *c = a->env->cfg;
	uint16_t stream = ev->u.send_failed.stream;
	uint32_t seq = ev->u.send_failed.context, lifetime = 0;

	a->st.send_failed++;
	if (ev->u.send_failed.ppid != MSG_PPID || !ev->u.send_failed.len ||
	    stream == MSG_STREAM_CTRL) {
		/* HELLO goes again on the next association; a reply or
		 * anything foreign belonged to the old one */
		ALOG(a, LOG_DEBUG, "SEND_FAILED on stream %u: not resent", stream);
		return;
	}
	if (a->state == AS_CLOSED || a->state == AS_SHUTTING_DOWN) {
		a->st.dropped++;
		ALOG(a, LOG_WARN, "undelivered stream %u seq %u: controller closed; "
		     "dropped (counted)", stream, seq);
		return;
	}
	/* a reading with a lifetime is worthless when late: the stack gave up
	 * on it (PR-SCTP abandoned it or the association died); count it */
	for (unsigned int i = 0; i < c->n_sensors; i++)
		if (c->sensors[i].stream == stream)
			lifetime = c->sensors[i].lifetime_ms;
	if (lifetime) {
		a->st.abandoned++;
		ALOG(a, LOG_INFO, "stream %u seq %u abandoned (lifetime %u ms; %llu "
		     "so far)", stream, seq, lifetime,
		     (unsigned long long)a->st.abandoned);
		return;
	}
	/* A reliable message fails only with its association. Linux returns
	 * them path by path, not in send order; the store has them in order
	 * and the next association replays it, so nothing is resent here
	 * (into a dying association, out of order). */
	a->st.requeued++;
	ALOG(a, LOG_DEBUG, "undelivered stream %u seq %u (%s): replayed on the "
	     "next association", stream, seq,
	     ev->u.send_failed.unsent ? "unsent" : "unacked");
}
