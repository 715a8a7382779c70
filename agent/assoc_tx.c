/* SPDX-License-Identifier: MIT */
/*
 * One controller's send path. What waits for the controller is flushed
 * in this order: control messages (HELLO, replies), its lost ranges (GAP),
 * then what its cursor reads from the outbox (everything it has not
 * acknowledged, oldest first, alarm-class streams ahead of the rest: the
 * kernel's stream scheduler can only order what it holds, so a local
 * backlog must not keep an alarm behind bulk readings; a stream is in one
 * class only, so its order is kept). Once the cursor has caught up, new
 * readings go straight to the stack; the outbox keeps each until the
 * controller's cumulative ACK covers it. Every seq that will never reach
 * the controller is named in a GAP (assoc_lose()).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "agent/assoc_int.h"
#include "agent/budget.h"
#include "agent/config.h"
#include "agent/cursor.h"
#include "agent/gaps.h"
#include "agent/mq.h"
#include "agent/msg.h"
#include "agent/outbox.h"
#include "agent/seqnum.h"
#include "port/clock.h"

/* HELLO: the fixed keys, one stream entry per sensor, "low" entries */
#define HELLO_BUF (512 + CONFIG_MAX_SENSORS * (16 + 2 * CFG_NAME_MAX + 16) + \
		   MSG_MAX_LOW * 16)
#define GAP_BUF (MSG_HDR_LEN + MSG_EPOCH_LEN + 2 + MSG_MAX_ITEMS * 15)
#define READINGS_MAX (MSG_HDR_LEN + MSG_EPOCH_LEN + MSG_READINGS_BUF)
#define ACK_LOG_MS 10000	/* one refused-ACK line per 10 s at most */
#define LOST_LOG_MS 10000	/* one loss line per 10 s at most */

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

/* first..last of (@epoch, @stream) will never reach this controller:
 * counted once (a range named twice counts once) and sent in a GAP.
 * Returns how many were new. */
static uint64_t lose_range(struct assoc *a, uint32_t epoch, uint16_t stream,
			   uint32_t first, uint32_t last)
{
	uint64_t n = gaps_add(a->gaps, epoch, stream, first, last);

	a->st.lost += n;
	return n;
}

void assoc_lose(struct assoc *a, const struct mq_msg *m)
{
	if (m->stream == MSG_STREAM_CTRL)
		return;
	lose_range(a, m->epoch ? m->epoch : a->env->epoch, m->stream, m->seq,
		   m->seq);
}

void assoc_gap(struct assoc *a, uint16_t stream, uint32_t seq)
{
	struct mq_msg m = { .stream = stream, .seq = seq };

	a->assigned[stream] = seq;
	assoc_lose(a, &m);
	assoc_flush(a);
}

static void log_lost(struct assoc *a)
{
	uint64_t now = clock_mono_ms();

	if (a->lost_log_ms && now < a->lost_log_ms + LOST_LOG_MS)
		return;
	ALOG(a, LOG_WARN, "the outbox lost %llu reading(s) of this controller "
	     "(full, or unreadable); reported lost (%llu so far)",
	     (unsigned long long)(a->st.evicted - a->lost_logged),
	     (unsigned long long)a->st.evicted);
	a->lost_log_ms = now;
	a->lost_logged = a->st.evicted;
}

void assoc_pull_lost(struct assoc *a)
{
	struct outbox_range r;
	uint64_t before = a->st.evicted;

	while (!outbox_lost_next(a->env->ob, a->index, &r))
		a->st.evicted += lose_range(a, r.epoch, r.stream, r.first, r.last);
	if (a->st.evicted != before)
		log_lost(a);
}

/* A reading just handed to the stack (the outbox keeps it until ACKed). */
static void note_sent(struct assoc *a, const struct mq_msg *m, const void *data)
{
	count_sent(a, m->len);
	a->env->on_sent(a->env->arg, a, m, data);
}

static void enqueue_ctrl(struct assoc *a, const struct mq_msg *m,
			 const void *data, bool front)
{
	if (mq_push(a->ctrlq, m, data, front) < 0)
		ALOG(a, LOG_ERR, "out of memory: control message of %zu bytes "
		     "dropped", m->len);
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

unsigned int assoc_backlog(const struct assoc *a)
{
	return mq_len(a->ctrlq) + gaps_unsent(a->gaps) +
	       (cursor_behind(a->cur) ? 1u : 0u);
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

/* What the outbox knows will never come (a GAP record: not encodable;
 * EXPIRED: its lifetime ran out before it could be sent). */
static void backlog_loss(struct assoc *a, const struct outbox_rec *r)
{
	uint64_t n = lose_range(a, r->epoch, r->stream, r->seq, r->last);

	if (r->type == OUTBOX_REC_EXPIRED)
		a->st.expired += n;
}

/* One record of the backlog as the message it was: its header again (with
 * EPOCH when it is of an older run), its lifetime what is left of it. */
static int backlog_msg(struct assoc *a, const struct outbox_rec *r,
		       struct mq_msg *m, uint8_t *buf)
{
	int64_t left = r->expire_wall_ms ? r->expire_wall_ms - clock_wall_ms() : 0;

	*m = (struct mq_msg){ .stream = r->stream, .seq = r->seq,
		.epoch = r->epoch,
		.flags = r->flags & ASSOC_REC_UNORDERED ? PS_SEND_UNORDERED : 0,
		.lifetime_ms = r->expire_wall_ms ?
			(uint32_t)(left < 1 ? 1 : left > UINT32_MAX ? UINT32_MAX : left) : 0 };
	return msg_wrap_readings(buf, READINGS_MAX,
				 r->epoch == a->env->epoch ? 0 : r->epoch, r->seq,
				 r->payload, r->len, &m->len);
}

/* One line per association when its replay from the outbox has caught
 * up: what an operator looks for after an outage. */
static void replay_done(struct assoc *a)
{
	if (a->replay_told || a->st.replayed == a->replay_from || !cursor_live(a->cur))
		return;
	a->replay_told = true;
	ALOG(a, LOG_INFO, "replay done: %llu readings re-sent from the outbox",
	     (unsigned long long)(a->st.replayed - a->replay_from));
}

/* The next record of the backlog. 0 sent (or given up on), 1 caught up,
 * < 0 the socket is full or the association is going down. */
static int send_backlog(struct assoc *a)
{
	const struct outbox_rec *r;
	uint8_t buf[READINGS_MAX];
	struct mq_msg m;
	int rc = cursor_peek(a->cur, &r);

	if (rc) {
		replay_done(a);
		return 1;		/* caught up (or no memory now) */
	}
	if (r->type != OUTBOX_REC_DATA) {
		backlog_loss(a, r);
		cursor_next(a->cur);
		return 0;
	}
	rc = backlog_msg(a, r, &m, buf);
	if (!rc)
		rc = stream_ok(a, &m) ? xmit(a, &m, buf) : 1;
	if (rc < 0 && !fatal_send_error(rc) && rc != -ENOSPC)
		return rc;		/* kept: the same record next time */
	if (rc < 0)
		drop_unsendable(a, &m, rc);
	else if (!rc) {
		note_sent(a, &m, buf);
		a->st.replayed++;
	}
	cursor_next(a->cur);
	return 0;
}

/* Send the head of what waits. 0 sent (or dropped), 1 nothing left,
 * -EAGAIN socket full, other < 0: the association is going down. */
static int flush_one(struct assoc *a)
{
	const struct mq_msg *m = mq_peek(a->ctrlq);
	int rc;

	if (!m) {
		assoc_pull_lost(a);
		if (gaps_unsent(a->gaps))
			return send_gaps(a);
		return send_backlog(a);
	}
	rc = xmit(a, m, m->data);
	if (rc < 0 && !fatal_send_error(rc))
		return rc;
	if (rc < 0)
		ALOG(a, LOG_ERR, "control message not sent: %s", strerror(-rc));
	else
		count_sent(a, m->len);
	mq_pop(a->ctrlq);
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

/* Removed from the configuration: never sent, counted, named in a GAP;
 * the outbox need not keep it for this controller. */
static void drop_for_removed(struct assoc *a, const struct mq_msg *m, bool stored)
{
	a->st.dropped++;
	assoc_lose(a, m);
	if (stored)
		outbox_ack(a->env->ob, a->index, a->env->epoch, m->stream, m->seq);
}

void assoc_send(struct assoc *a, const struct mq_msg *m, const void *data,
		bool stored)
{
	int rc;

	a->assigned[m->stream] = m->seq;
	if (a->removed) {
		drop_for_removed(a, m, stored);
		return;
	}
	if (!a->ready || !cursor_live(a->cur) || a->final || assoc_backlog(a)) {
		if (!stored) {		/* nowhere to wait: lost */
			a->st.dropped++;
			assoc_lose(a, m);
		} else if (a->ready && !a->final) {
			/* behind a control message or a GAP that could not go
			 * (socket full, a DTLS rekey): a live cursor would never
			 * come back for this reading; it goes after them */
			cursor_behind_from_last(a->cur);
		}
		assoc_flush(a);		/* the cursor finds it in the outbox */
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
	if (stored) {			/* from the outbox when there is room */
		cursor_behind_from_last(a->cur);
	} else {
		a->st.dropped++;
		assoc_lose(a, m);
	}
	if (rc == -EAGAIN)
		a->env->want_writable(a->env->arg);
}

/* One SENDALL reaches exactly the right set: every association of the
 * endpoint takes the reading, is live with room on that stream, has no
 * backlog that would be overtaken and no channel of its own. */
static bool sendall_ok(struct assoc *const *as, unsigned int n, uint64_t mask,
		       uint16_t stream)
{
	if (n < 2)
		return false;
	for (unsigned int i = 0; i < n; i++) {
		struct assoc *a = as[i];

		/* one send info for all: the same policy flags too */
		if (!((mask >> i) & 1) || !a->ready || a->final || a->removed ||
		    a->env->channel_open || !cursor_live(a->cur) ||
		    assoc_backlog(a) || stream >= a->out_streams ||
		    tx_flags(a, false) != tx_flags(as[0], false))
			return false;
	}
	return true;
}

bool assoc_send_group(struct assoc *const *as, unsigned int n, uint64_t mask,
		      const struct mq_msg *m, const void *data, bool stored)
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
			assoc_send(as[i], m, data, stored);
	return false;
}

void assoc_send_ctrl(struct assoc *a, const void *data, size_t len)
{
	struct mq_msg m = { .stream = MSG_STREAM_CTRL, .len = len };

	if (a->state == AS_CLOSED || a->state == AS_SHUTTING_DOWN)
		return;
	enqueue_ctrl(a, &m, data, false);
	assoc_flush(a);
}

struct low_buf {
	struct msg_low *low;
	unsigned int n;
};

static int low_cb(void *ctx, uint32_t epoch, uint16_t stream, uint32_t low)
{
	struct low_buf *b = ctx;

	if (b->n == MSG_MAX_LOW)
		return 1;	/* the rest: from the GAPs that follow */
	b->low[b->n++] = (struct msg_low){ epoch, stream, low };
	return 0;
}

/* HELLO "low": per (epoch, stream) the outbox holds, where something below
 * the lowest seq still held was neither acknowledged by this controller
 * nor will come. */
static unsigned int hello_low(const struct assoc *a, struct msg_low *low)
{
	struct low_buf b = { low, 0 };

	outbox_low(a->env->ob, a->index, low_cb, &b);
	return b.n;
}

static void send_hello(struct assoc *a)
{
	const struct config *c = a->env->cfg;
	struct msg_stream_info streams[CONFIG_MAX_SENSORS];
	static struct msg_low low[MSG_MAX_LOW];	/* one loop thread */
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
	enqueue_ctrl(a, &m, buf, true);
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

/* A new association (after the channel, if any): HELLO, the GAPs still
 * open, then every reading the controller has not acknowledged, from the
 * outbox, oldest first. The outbox keeps each reading until an ACK covers
 * it, so a second loss in the middle of a replay loses nothing. */
void assoc_tx_up(struct assoc *a)
{
	stream_prio(a);
	mq_clear(a->ctrlq);		/* replies belonged to the old association */
	send_hello(a);
	gaps_unsend_all(a->gaps);	/* a GAP may have died with the old one */
	cursor_rewind(a->cur);
	a->replay_from = a->st.replayed;
	a->replay_told = false;
	assoc_flush(a);
}

void assoc_tx_down(struct assoc *a)
{
	cursor_stop(a->cur);
}

static void dropped_range(void *ctx, const struct outbox_range *r)
{
	struct assoc *a = ctx;

	a->st.dropped += lose_range(a, r->epoch, r->stream, r->first, r->last);
}

void assoc_tx_drop_all(struct assoc *a)
{
	uint64_t before = a->st.dropped;

	assoc_pull_lost(a);
	outbox_drop(a->env->ob, a->index, dropped_range, a);
	cursor_stop(a->cur);
	mq_clear(a->ctrlq);
	if (a->st.dropped > before)
		ALOG(a, LOG_INFO, "%llu reading(s) held for it dropped (counted)",
		     (unsigned long long)(a->st.dropped - before));
}

void assoc_on_ack(struct assoc *a, uint32_t epoch, uint16_t stream, uint32_t seq)
{
	uint64_t now = clock_mono_ms();
	int rc;

	if (epoch && epoch != a->env->epoch) {
		/* an older run's readings, replayed from the outbox */
		rc = outbox_ack(a->env->ob, a->index, epoch, stream, seq);
		if (rc == -ENOENT)
			a->st.ack_other_epoch++;
		else if (rc == -ERANGE)
			a->st.ack_beyond++;
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
	outbox_ack(a->env->ob, a->index, a->env->epoch, stream, seq);
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
	if (a->final) {		/* removed: dropped already; stopping: the
				 * outbox keeps it for the next run */
		ALOG(a, LOG_DEBUG, "undelivered stream %u seq %u: controller %s",
		     stream, seq, a->removed ? "removed (dropped)" :
		     "closed; kept in the outbox");
		return;
	}
	/* a reading with a lifetime that PR-SCTP abandoned on a live
	 * association is worthless now: count it and say so. One that died
	 * with its association stays in the outbox: the next association
	 * sends it if it is still within its lifetime (else EXPIRED). */
	for (unsigned int i = 0; i < c->n_sensors; i++)
		if (c->sensors[i].stream == stream)
			lifetime = c->sensors[i].lifetime_ms;
	if (lifetime && a->state == AS_UP && ev->assoc == a->id) {
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
	 * them path by path, not in send order; the outbox has them in order
	 * and the next association replays them, so nothing is resent here
	 * (into a dying association, out of order). */
	a->st.requeued++;
	ALOG(a, LOG_DEBUG, "undelivered stream %u seq %u (%s): replayed on the "
	     "next association", stream, seq,
	     ev->u.send_failed.unsent ? "unsent" : "unacked");
}
