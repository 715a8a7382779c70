/* SPDX-License-Identifier: MIT */
/*
 * One controller's send path. What waits for the controller is flushed
 * in this order: control messages (HELLO, replies), its lost ranges (GAP),
 * the replay of the store after a new association, alarm-class readings,
 * the rest. The kernel's stream scheduler can only order what it holds,
 * so a local backlog must not keep an alarm behind bulk readings; a
 * stream is in one class only, so its order is kept. Every reading handed
 * to the stack is kept in the store until the controller's cumulative ACK
 * covers it; every seq that will never reach the controller is named in a
 * GAP (assoc_lose()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/assoc_int.h"
#include "agent/budget.h"
#include "agent/config.h"
#include "agent/gaps.h"
#include "agent/mq.h"
#include "agent/msg.h"
#include "agent/seqnum.h"
#include "agent/store.h"
#include "port/clock.h"

/* HELLO: the fixed keys, one stream entry and one "low" entry per sensor */
#define HELLO_BUF (512 + CONFIG_MAX_SENSORS * (16 + 2 * CFG_NAME_MAX + 16))
#define GAP_BUF (MSG_HDR_LEN + MSG_EPOCH_LEN + 2 + MSG_MAX_ITEMS * 15)
#define ACK_LOG_MS 10000	/* one refused-ACK line per 10 s at most */
#define EVICT_LOG_MS 10000	/* one eviction line per 10 s at most */

static void count_sent(struct assoc *a, size_t len)
{
	a->st.msgs_sent++;
	a->st.bytes_sent += len;
}

static uint32_t tx_flags(struct assoc *a, bool sending)
{
	return a->env->tx_flags ? a->env->tx_flags(a->env->arg, a, sending) : 0;
}

/* Seam (a): the one way a message to this controller reaches the stack. */
static int xmit(struct assoc *a, const struct mq_msg *m, const void *data)
{
	struct ps_sndinfo si = {
		.assoc = a->id, .stream = m->stream, .ppid = MSG_PPID,
		.flags = m->flags | tx_flags(a, true),
		.lifetime_ms = m->lifetime_ms, .context = m->seq,
	};

	if (a->env->channel_send)
		return a->env->channel_send(a->env->arg, a, &si, data, m->len);
	return ps_send(a->env->ep, &si, data, m->len);
}

void assoc_lose(struct assoc *a, const struct mq_msg *m)
{
	if (m->stream == MSG_STREAM_CTRL)
		return;
	a->st.lost++;
	gaps_add(a->gaps, m->epoch ? m->epoch : a->env->epoch, m->stream, m->seq,
		 m->seq);
}

static void lose_range(struct assoc *a, const struct store_range *r)
{
	a->st.lost += (uint32_t)(r->last - r->first) + 1ull;
	gaps_add(a->gaps, r->epoch, r->stream, r->first, r->last);
}

void assoc_gap(struct assoc *a, uint16_t stream, uint32_t seq)
{
	struct mq_msg m = { .stream = stream, .seq = seq };

	a->assigned[stream] = seq;
	assoc_lose(a, &m);
	assoc_flush(a);
}

/* A reading just handed to the stack: keep it until the controller ACKs. */
static void note_sent(struct assoc *a, const struct mq_msg *m, const void *data)
{
	struct mq_msg h = *m;

	count_sent(a, m->len);
	a->env->on_sent(a->env->arg, a, m, data);
	/* control messages and readings with a lifetime are not replayed:
	 * a late reading with a lifetime is worthless by definition */
	if (m->stream == MSG_STREAM_CTRL || m->lifetime_ms)
		return;
	h.epoch = m->epoch ? m->epoch : a->env->epoch;
	/* the budget may evict right here (flush_one() has already taken
	 * the message off its queue) */
	if (store_append(a->store, &h, data)) {
		a->st.dropped++;
		assoc_lose(a, m);
		ALOG(a, LOG_ERR, "out of memory: stream %u seq %u cannot be kept for "
		     "a replay (reported lost)", m->stream, m->seq);
	}
}

static void enqueue(struct mq *q, struct assoc *a, const struct mq_msg *m,
		    const void *data, bool front)
{
	struct mq_msg h = *m;

	h.at_ms = clock_mono_ms();	/* age, for the oldest-first eviction */
	if (mq_push(q, &h, data, front) < 0) {
		a->st.dropped++;
		assoc_lose(a, m);
		ALOG(a, LOG_ERR, "out of memory: message stream %u seq %u dropped",
		     m->stream, m->seq);
	}
}

/* The older head of the two reading queues (bulk first at equal age). */
static struct mq *oldest_queue(struct assoc *a)
{
	const struct mq_msg *lo = mq_peek(a->queue), *hi = mq_peek(a->queue_hi);

	if (!lo || !hi)
		return lo ? a->queue : hi ? a->queue_hi : NULL;
	return hi->at_ms < lo->at_ms ? a->queue_hi : a->queue;
}

static void log_eviction(struct assoc *a)
{
	uint64_t now = clock_mono_ms();

	if (a->evict_log_ms && now < a->evict_log_ms + EVICT_LOG_MS)
		return;
	ALOG(a, LOG_WARN, "memory budget full (%zu KiB): dropped the oldest %llu "
	     "reading(s) of this controller, reported lost (%llu so far)",
	     budget_limit(a->env->budget) / 1024,
	     (unsigned long long)(a->st.evicted - a->evict_logged),
	     (unsigned long long)a->st.evicted);
	a->evict_log_ms = now;
	a->evict_logged = a->st.evicted;
}

/* Oldest first: what the controller may already have (the store: sent,
 * not yet ACKed), then what it was never sent. HELLO and replies stay. */
size_t assoc_evict(void *arg)
{
	struct assoc *a = arg;
	size_t before = assoc_bytes(a);
	struct store_range r;
	struct mq *q;

	if (store_evict_oldest(a->store, &r)) {
		lose_range(a, &r);
		a->st.unacked_evicted++;
	} else if ((q = oldest_queue(a))) {
		assoc_lose(a, mq_peek(q));
		mq_pop(q);
	} else {
		return 0;
	}
	a->st.evicted++;
	log_eviction(a);
	return before - assoc_bytes(a);
}

size_t assoc_bytes(const struct assoc *a)
{
	return budget_account_used(a->env->budget, a->acct);
}

/* Errors after which the message can never go: count and drop. */
static bool fatal_send_error(int rc)
{
	return rc == -EINVAL || rc == -EMSGSIZE;
}

static void drop_unsendable(struct assoc *a, const struct mq_msg *m, int rc)
{
	a->st.dropped++;
	assoc_lose(a, m);
	ALOG(a, LOG_ERR, "stream %u seq %u can never be sent (%s): dropped",
	     m->stream, m->seq, strerror(-rc));
}

/* A stream the peer did not grant can never carry this reading on this
 * association: counted and named lost, no line per reading (the alarm
 * at COMM_UP said it once). */
static bool stream_ok(struct assoc *a, const struct mq_msg *m)
{
	if (!a->out_streams || m->stream < a->out_streams)
		return true;
	a->st.no_stream++;
	assoc_lose(a, m);
	return false;
}

static struct mq *class_queue(struct assoc *a, const struct mq_msg *m)
{
	return m->prio < 128 ? a->queue_hi : a->queue;
}

unsigned int assoc_backlog(const struct assoc *a)
{
	return mq_len(a->ctrlq) + gaps_unsent(a->gaps) + mq_len(a->queue_hi) +
	       mq_len(a->queue) + (a->replaying ? 1u : 0u);
}

/* Lost ranges not sent on this association yet: one GAP message. */
static int send_gaps(struct assoc *a)
{
	struct msg_gap g[MSG_MAX_ITEMS];
	uint8_t buf[GAP_BUF];
	uint32_t epoch = 0;
	struct mq_msg m = { .stream = MSG_STREAM_CTRL };
	unsigned int n = gaps_take(a->gaps, g, MSG_MAX_ITEMS, &epoch);
	int rc;

	if (!n)
		return 1;
	rc = msg_encode_gap(buf, sizeof(buf), epoch == a->env->epoch ? 0 : epoch,
			    g, n, &m.len);
	if (!rc)
		rc = xmit(a, &m, buf);
	if (rc == -EAGAIN || (rc && !fatal_send_error(rc))) {
		gaps_unsend_all(a->gaps);	/* all again: GAP is idempotent */
		return rc;
	}
	if (rc)
		ALOG(a, LOG_ERR, "GAP not sent: %s", strerror(-rc));
	else
		count_sent(a, m.len), a->st.gap_msgs++;
	return 0;
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
	struct mq_msg *own;
	uint64_t ticket = 0;
	int rc;

	if (!m && gaps_unsent(a->gaps))
		return send_gaps(a);
	if (!m && (m = replay_next(a, &ticket)))
		q = NULL;
	if (!m) {
		q = mq_len(a->queue_hi) ? a->queue_hi : a->queue;
		m = mq_peek(q);
	}
	if (!m)
		return 1;
	rc = stream_ok(a, m) ? xmit(a, m, m->data) : 1;
	if (rc < 0 && !fatal_send_error(rc))
		return rc;
	if (!q) {			/* a replay: the store keeps it */
		if (rc < 0)
			drop_unsendable(a, m, rc);
		else if (!rc)
			count_sent(a, m->len);
		a->replay_pos = ticket + 1;
		return 0;
	}
	/* off the queue before note_sent(): the budget may evict under it */
	own = mq_take(q);
	if (rc < 0)
		drop_unsendable(a, own, rc);
	else if (rc)
		;			/* no such stream: counted by stream_ok() */
	else if (q == a->ctrlq)
		count_sent(a, own->len);
	else
		note_sent(a, own, own->data);
	free(own);
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

	a->assigned[m->stream] = m->seq;
	if (a->final) {		/* removed, or the agent stops: counted */
		a->st.dropped++;
		assoc_lose(a, m);
		return;
	}
	if (!a->ready || assoc_backlog(a)) {
		enqueue(class_queue(a, m), a, m, data, false);
		assoc_flush(a);
		return;
	}
	rc = stream_ok(a, m) ? xmit(a, m, data) : 1;
	if (!rc) {
		note_sent(a, m, data);
		return;
	}
	if (rc > 0 || fatal_send_error(rc)) {	/* lost: the GAP goes now */
		if (rc < 0)
			drop_unsendable(a, m, rc);
		assoc_flush(a);
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
		struct assoc *a = as[i];

		/* one send info for all: the same policy flags too */
		if (!((mask >> i) & 1) || !a->ready || a->env->channel_open ||
		    assoc_backlog(a) || stream >= a->out_streams ||
		    tx_flags(a, false) != tx_flags(as[0], false))
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
			.flags = m->flags | PS_SEND_SENDALL | tx_flags(as[0], true),
			.lifetime_ms = m->lifetime_ms, .context = m->seq,
		};

		for (unsigned int i = 1; i < n; i++)
			(void)tx_flags(as[i], true);
		if (!ps_send(as[0]->env->ep, &si, data, m->len)) {
			for (unsigned int i = 0; i < n; i++) {
				as[i]->assigned[m->stream] = m->seq;
				note_sent(as[i], m, data);
			}
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

/* The lowest seq of @stream still held for this controller (queued or
 * stored), or the next one to be assigned. */
static uint32_t lowest_held(const struct assoc *a, uint16_t stream)
{
	const struct mq *qs[] = { a->queue_hi, a->queue };
	uint32_t low = a->assigned[stream] + 1, s;

	if (store_lowest(a->store, a->env->epoch, stream, &s) && seq_lt(s, low))
		low = s;
	for (unsigned int k = 0; k < 2; k++)
		for (unsigned int i = 0; i < mq_len(qs[k]); i++) {
			const struct mq_msg *m = mq_at(qs[k], i);

			if (m->stream == stream && seq_lt(m->seq, low))
				low = m->seq;
		}
	return low;
}

/* HELLO "low": per stream, where something below the lowest seq still
 * held was neither acknowledged by this controller nor will come. */
static unsigned int hello_low(const struct assoc *a, struct msg_low *low)
{
	const struct config *c = a->env->cfg;
	unsigned int n = 0;

	for (unsigned int i = 0; i < c->n_sensors; i++) {
		uint16_t st = c->sensors[i].stream;
		uint32_t l = lowest_held(a, st);

		if ((c->sensors[i].ctrl_mask >> a->index) & 1 && l - 1 != a->acked[st])
			low[n++] = (struct msg_low){ a->env->epoch, st, l };
	}
	return n;
}

static void send_hello(struct assoc *a)
{
	const struct config *c = a->env->cfg;
	struct msg_stream_info streams[CONFIG_MAX_SENSORS];
	struct msg_low low[CONFIG_MAX_SENSORS];
	struct msg_hello h = {
		.name = msg_str_of(c->agent.name), .sw = msg_str_of(SCTPAGENT_VERSION),
		.proto = MSG_VERSION, .boot_id = a->env->boot_id,
		.start_ms = (uint64_t)a->env->start_wall_ms, .streams = streams,
		.epoch = a->env->epoch, .low = low, .n_low = hello_low(a, low),
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
	gaps_unsend_all(a->gaps);	/* a GAP may have died with the old one */
	a->replaying = n > 0;
	a->replay_pos = 1;
	a->replay_end = store_next_ticket(a->store);
	a->st.replayed += n;
	if (n)
		ALOG(a, LOG_INFO, "replaying %u reading(s) the controller had not "
		     "acknowledged", n);
	assoc_flush(a);
}

void assoc_tx_drop_all(struct assoc *a)
{
	struct mq *qs[] = { a->queue_hi, a->queue };
	const struct mq_msg *m;
	struct store_range r;
	uint64_t before = a->st.dropped;

	while (store_evict_oldest(a->store, &r)) {
		lose_range(a, &r);
		a->st.dropped += (uint32_t)(r.last - r.first) + 1ull;
	}
	for (unsigned int k = 0; k < 2; k++)
		while ((m = mq_peek(qs[k]))) {
			assoc_lose(a, m);
			a->st.dropped++;
			mq_pop(qs[k]);
		}
	mq_clear(a->ctrlq);
	a->replaying = false;
	if (a->st.dropped > before)
		ALOG(a, LOG_INFO, "%llu reading(s) held for it dropped (counted)",
		     (unsigned long long)(a->st.dropped - before));
}

void assoc_on_ack(struct assoc *a, uint32_t epoch, uint16_t stream, uint32_t seq)
{
	uint64_t now = clock_mono_ms();

	if (epoch && epoch != a->env->epoch) {
		/* an older run's readings: none is held in memory */
		a->st.ack_other_epoch++;
		store_ack(a->store, epoch, stream, seq);
		gaps_ack(a->gaps, epoch, stream, seq);
		return;
	}
	if (seq_gt(seq, a->assigned[stream])) {
		a->st.ack_beyond++;
		if (!a->ack_log_ms || now >= a->ack_log_ms + ACK_LOG_MS) {
			a->ack_log_ms = now;
			ALOG(a, LOG_DEBUG, "ACK of stream %u up to %u, above the highest "
			     "seq sent (%u): refused (%llu so far)", stream, seq,
			     a->assigned[stream], (unsigned long long)a->st.ack_beyond);
		}
		return;
	}
	if (!seq_gt(seq, a->acked[stream]))
		return;		/* old news (or moving backwards) */
	a->acked[stream] = seq;
	store_ack(a->store, a->env->epoch, stream, seq);
	gaps_ack(a->gaps, a->env->epoch, stream, seq);
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
	if (a->final) {
		struct mq_msg m = { .stream = stream, .seq = seq };

		a->st.dropped++;
		assoc_lose(a, &m);
		ALOG(a, LOG_DEBUG, "undelivered stream %u seq %u: controller closed "
		     "for good; dropped (counted)", stream, seq);
		return;
	}
	/* a reading with a lifetime is worthless when late: the stack gave up
	 * on it (PR-SCTP abandoned it or the association died); count it */
	for (unsigned int i = 0; i < c->n_sensors; i++)
		if (c->sensors[i].stream == stream)
			lifetime = c->sensors[i].lifetime_ms;
	if (lifetime) {
		struct mq_msg m = { .stream = stream, .seq = seq };

		a->st.abandoned++;
		assoc_lose(a, &m);	/* it will never come: say so */
		assoc_flush(a);
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
