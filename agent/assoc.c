/* SPDX-License-Identifier: MIT */
/*
 * One controller's association: the state machine (see assoc.h), driven
 * by the port's normalized ASSOC_CHANGE events. The send path (control
 * queue, GAPs, the cursor in the outbox) is in assoc_tx.c.
 *
 * Reconnects back off exponentially (reconnect_min_ms doubling to
 * reconnect_max_ms) with +-20 % jitter so a fleet does not reconnect in
 * lock step after a controller restart. The backoff starts again only
 * once an association proved good: the controller sent a valid ACK or
 * command on it, or it stayed ready for ASSOC_STABLE_MS. A controller that
 * aborts every association right after COMM_UP (one that refuses
 * plaintext, or does not know this board) sees the delays grow instead of
 * a connect every reconnect_min_ms.
 */
#include <errno.h>
#include <string.h>

#include "agent/assoc_int.h"
#include "agent/budget.h"
#include "agent/config.h"
#include "agent/cursor.h"
#include "agent/gaps.h"
#include "agent/mq.h"
#include "port/clock.h"
#include "port/loop.h"

#define ASSOC_GAPS_MAX 256	/* lost ranges kept until the ACK passes them */
#define ASSOC_STABLE_MS 10000	/* ready this long: the backoff starts again */

const char *assoc_state_name(enum assoc_state s)
{
	static const char *const n[] = { "idle", "connecting", "up",
					 "shutting-down", "down", "closed" };

	return s <= AS_CLOSED ? n[s] : "?";
}

void assoc_set_state(struct assoc *a, enum assoc_state s)
{
	enum assoc_state old = a->state;

	if (old == s)
		return;
	a->state = s;
	a->state_since_ms = clock_mono_ms();
	if (s != AS_UP) {
		a->ready = false;
		assoc_tx_down(a);
	}
	a->env->on_state(a->env->arg, a, old);
}

uint32_t assoc_jitter(uint32_t base, uint32_t rnd)
{
	/* uniform in [0.8, 1.2] * base */
	uint64_t span = (uint64_t)base * 2 / 5;

	return (uint32_t)((uint64_t)base * 4 / 5 + (span ? rnd % (span + 1) : 0));
}

static void on_reconnect(void *arg, struct loop_timer *t)
{
	(void)t;
	assoc_connect(arg);
}

/* Alarm-class streams (sensor priority < 128) replay ahead of the rest. */
static bool alarm_stream(void *ctx, uint16_t stream)
{
	const struct config *c = ctx;

	for (unsigned int i = 0; i < c->n_sensors; i++)
		if (c->sensors[i].stream == stream)
			return c->sensors[i].priority < 128;
	return false;
}

int assoc_init(struct assoc *a, const struct assoc_env *env, unsigned int index)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->env = env;
	a->index = index;
	a->cfg = &env->cfg->ctrls[index];
	a->backoff_ms = env->cfg->agent.reconnect_min_ms;
	a->primary = -1;
	/* its control queue counts against the one memory budget (never
	 * evicted: HELLO and replies); the readings are the outbox's */
	a->acct = budget_account(env->budget, NULL, a);
	rc = a->acct < 0 ? a->acct : 0;
	rc = rc ? rc : mq_create(0, &a->ctrlq);
	rc = rc ? rc : gaps_create(ASSOC_GAPS_MAX, &a->gaps);
	rc = rc ? rc : cursor_create(env->ob, index, alarm_stream,
				     (void *)env->cfg, &a->cur);
	if (!rc)
		mq_charge_to(a->ctrlq, env->budget, a->acct);
	rc = rc ? rc : loop_timer_new(env->loop, on_reconnect, a, &a->timer);
	return rc;
}

void assoc_fini(struct assoc *a)
{
	loop_timer_free(a->timer);
	mq_destroy(a->ctrlq);
	gaps_destroy(a->gaps);
	cursor_destroy(a->cur);
	a->gaps = NULL;
	a->timer = NULL;
	a->ctrlq = NULL;
	a->cur = NULL;
}

static void forget_id(struct assoc *a)
{
	if (a->id)
		a->old_id = a->id;
	a->id = 0;
}

static void backoff_reset(struct assoc *a)
{
	a->backoff_ms = a->env->cfg->agent.reconnect_min_ms;
}

static void schedule_reconnect(struct assoc *a)
{
	uint32_t delay, max = a->env->cfg->agent.reconnect_max_ms;

	if (a->ready && clock_mono_ms() - a->ready_ms >= ASSOC_STABLE_MS)
		backoff_reset(a);
	delay = assoc_jitter(a->backoff_ms, clock_random());

	forget_id(a);
	assoc_set_state(a, AS_DOWN);
	if (a->final)
		return;
	ALOG(a, LOG_INFO, "reconnect in %u ms", delay);
	loop_timer_in(a->timer, delay);
	a->backoff_ms = a->backoff_ms > max / 2 ? max : a->backoff_ms * 2;
}

/* The association is gone after a close: CLOSED for good, or DOWN for
 * the hold a CLOSE command asked for. */
static void finish_close(struct assoc *a)
{
	uint32_t delay = assoc_jitter(a->hold_ms, clock_random());

	forget_id(a);
	if (a->final) {
		assoc_set_state(a, AS_CLOSED);
		return;
	}
	if (!a->hold_ms) {		/* reopened while it was closing */
		schedule_reconnect(a);
		return;
	}
	if (a->readdress) {		/* a reload changed its entry */
		a->readdress = false;
		a->hold_ms = 0;
		assoc_set_state(a, AS_DOWN);
		ALOG(a, LOG_INFO, "connecting again as the reload left it, its readings are kept");
		assoc_connect(a);
		return;
	}
	assoc_set_state(a, AS_DOWN);
	a->hold_ms = 0;
	ALOG(a, LOG_INFO, "closed on the controller's request: connecting again "
	     "in %u ms, its readings are kept", delay);
	loop_timer_in(a->timer, delay);
}

static void connect_now(struct assoc *a)
{
	struct net_addr addrs[CONFIG_MAX_CTRL_ADDRS];
	unsigned int n;
	int rc;

	n = a->env->connect_order(a->env->arg, a, addrs);
	a->st.connects++;
	rc = ps_connect(a->env->ep, addrs, n, &a->id);
	if (rc) {
		ALOG(a, LOG_WARN, "connect failed: %s", strerror(-rc));
		schedule_reconnect(a);
		return;
	}
	assoc_set_state(a, AS_CONNECTING);
	ALOG(a, LOG_INFO, "connecting to %u address%s port %u", a->cfg->n_addrs,
	     a->cfg->n_addrs == 1 ? "" : "es", a->cfg->port);
}

void assoc_connect(struct assoc *a)
{
	if (a->final)
		return;
	a->hold_ms = 0;
	if (a->env->resolve)	/* host names first: assoc_resolved() follows */
		a->env->resolve(a->env->arg, a);
	else
		connect_now(a);
}

void assoc_resolved(struct assoc *a, const struct cfg_controller *view, int rc)
{
	a->cfg = view;
	if (a->final || a->state == AS_CONNECTING || a->state == AS_UP ||
	    a->state == AS_SHUTTING_DOWN)
		return;
	if (rc) {
		ALOG(a, LOG_WARN, "no address to connect to (no host name resolved)");
		schedule_reconnect(a);
		return;
	}
	connect_now(a);
}

static void log_up(struct assoc *a, const struct ps_event *ev, bool restart)
{
	ALOG(a, LOG_INFO, "%s: %u out / %u in streams%s%s%s%s%s",
	     restart ? "peer restarted" : "association up",
	     ev->u.assoc.out_streams, ev->u.assoc.in_streams,
	     a->features & PS_FEAT_PR ? ", PR-SCTP" : "",
	     a->features & PS_FEAT_ASCONF ? ", ASCONF" : "",
	     a->features & PS_FEAT_AUTH ? ", AUTH" : "",
	     a->features & PS_FEAT_RECONFIG ? ", RECONFIG" : "",
	     a->features & PS_FEAT_INTERLEAVE ? ", I-DATA" : "");
	if (a->out_streams && a->out_streams < a->cfg->streams)
		ALOG(a, LOG_ERR, "ALARM: peer granted %u outbound streams of the %u "
		     "needed: readings of streams %u and above cannot be sent on this "
		     "association; they are counted (no_stream) and reported lost",
		     a->out_streams, a->cfg->streams, a->out_streams);
}

/* The peer restarted while we were closing: that new incarnation is
 * closed too, nothing of the protocol is sent on it. */
static void restart_closing(struct assoc *a)
{
	struct ps_sndinfo si = { .assoc = a->id, .flags = PS_SEND_EOF };

	a->st.restarts++;
	ALOG(a, LOG_INFO, "peer restarted while shutting down: EOF again");
	if (ps_send(a->env->ep, &si, NULL, 0)) {
		si.flags = PS_SEND_ABORT;
		ps_send(a->env->ep, &si, "closing", 7);
		finish_close(a);
	}
}

static void comm_up(struct assoc *a, const struct ps_event *ev, bool restart)
{
	if (a->state == AS_SHUTTING_DOWN) {
		restart_closing(a);
		return;
	}
	a->id = ev->assoc;
	a->out_streams = ev->u.assoc.out_streams;
	a->features = ev->u.assoc.features;
	loop_timer_stop(a->timer);
	if (restart)
		a->st.restarts++;
	else
		a->st.comm_up++;
	log_up(a, ev, restart);
	a->ready = false;
	if (a->state == AS_UP)		/* RESTART: up again, from scratch */
		a->env->on_state(a->env->arg, a, AS_UP);
	else
		assoc_set_state(a, AS_UP);
	if (a->env->channel_open)
		a->env->channel_open(a->env->arg, a);
	else
		assoc_channel_ready(a);
}

void assoc_channel_ready(struct assoc *a)
{
	if (a->state != AS_UP || a->ready)
		return;
	a->ready = true;
	a->ready_ms = clock_mono_ms();	/* the backoff resets once it proves good */
	assoc_tx_up(a);		/* HELLO, then what the controller never ACKed */
}

static void comm_down(struct assoc *a, const struct ps_event *ev)
{
	enum ps_assoc_state s = ev->u.assoc.state;

	if (a->state == AS_SHUTTING_DOWN) {
		ALOG(a, s == PS_SHUTDOWN_COMP ? LOG_INFO : LOG_WARN, "%s",
		     s == PS_SHUTDOWN_COMP ? "shutdown complete" : ps_assoc_state_name(s));
		finish_close(a);
		return;
	}
	if (s == PS_COMM_LOST)
		a->st.comm_lost++;
	ALOG(a, LOG_WARN, "%s (error %u)", ps_assoc_state_name(s), ev->u.assoc.error);
	schedule_reconnect(a);
}

void assoc_on_change(struct assoc *a, const struct ps_event *ev)
{
	if (ev->assoc != a->id) {	/* e.g. the CANT_STR_ASSOC of an abort */
		ALOG(a, LOG_DEBUG, "%s of the previous association %u: ignored",
		     ps_assoc_state_name(ev->u.assoc.state), (unsigned int)ev->assoc);
		return;
	}
	switch (ev->u.assoc.state) {
	case PS_COMM_UP:
		comm_up(a, ev, false);
		break;
	case PS_RESTART:
		comm_up(a, ev, true);
		break;
	case PS_COMM_LOST:
	case PS_CANT_STR_ASSOC:
	case PS_SHUTDOWN_COMP:
		comm_down(a, ev);
		break;
	}
}

/* Seam (a): a secure channel decrypts here before the agent sees it. */
void assoc_on_data(struct assoc *a, const struct ps_event *ev)
{
	if (a->env->channel_data) {
		a->env->channel_data(a->env->arg, a, ev);
		return;
	}
	assoc_deliver(a, ev->u.data.stream, ev->u.data.ppid, ev->u.data.buf,
		      ev->u.data.len);
}

void assoc_deliver(struct assoc *a, uint16_t stream, uint32_t ppid,
		   const uint8_t *buf, size_t len)
{
	if (a->env->channel_open && !a->ready) {	/* nothing before the channel */
		ALOG(a, LOG_DEBUG, "message before the secure channel is up: dropped");
		return;
	}
	a->env->on_message(a->env->arg, a, stream, ppid, buf, len);
}

void assoc_close(struct assoc *a, enum assoc_close_how how, uint32_t hold_ms)
{
	struct ps_sndinfo si = { .assoc = a->id, .flags = PS_SEND_EOF };

	loop_timer_stop(a->timer);
	a->final = how != ASSOC_CLOSE_HOLD || a->final;
	a->removed = how == ASSOC_CLOSE_REMOVE || (a->removed && how != ASSOC_CLOSE_HOLD);
	a->hold_ms = how == ASSOC_CLOSE_HOLD ? (hold_ms ? hold_ms : 1) : 0;
	if (a->removed)
		assoc_tx_drop_all(a);
	if (a->state == AS_SHUTTING_DOWN)
		return;			/* on its way; how it ends is set above */
	if (a->state == AS_CONNECTING) {
		/* Linux deletes a connecting association on EOF without an
		 * event: abort it and be done with it now */
		si.flags = PS_SEND_ABORT;
		ps_send(a->env->ep, &si, "closing", 7);
		ALOG(a, LOG_INFO, "closed while connecting: aborted");
		finish_close(a);
		return;
	}
	if (a->state != AS_UP) {
		finish_close(a);
		return;
	}
	/* a channel says goodbye first (DTLS: close_notify once dry, then EOF) */
	if (a->env->channel_close ? a->env->channel_close(a->env->arg, a) :
				    ps_send(a->env->ep, &si, NULL, 0)) {
		ALOG(a, LOG_WARN, "EOF failed; aborting");
		si.flags = PS_SEND_ABORT;
		ps_send(a->env->ep, &si, "closing", 7);
		finish_close(a);
		return;
	}
	assoc_set_state(a, AS_SHUTTING_DOWN);
	ALOG(a, LOG_INFO, "graceful shutdown (SCTP_EOF) of this association only");
}

void assoc_readdress(struct assoc *a, const char *what)
{
	if (a->final)
		return;
	backoff_reset(a);
	a->cfg = &a->env->cfg->ctrls[a->index];	/* the new entry; names.c's view follows */
	ALOG(a, LOG_INFO, "reload changed its %s: a new association", what);
	a->readdress = true;
	assoc_close(a, ASSOC_CLOSE_HOLD, 1);
}

void assoc_reopen(struct assoc *a)
{
	if (!a->removed)
		return;
	a->removed = a->final = false;
	a->hold_ms = 0;
	backoff_reset(a);
	ALOG(a, LOG_INFO, "back in the configuration: connecting again");
	if (a->state == AS_CLOSED || a->state == AS_DOWN)
		assoc_connect(a);
	/* SHUTTING_DOWN: reconnects when the shutdown completes */
}

bool assoc_removed(const struct assoc *a)
{
	return a->removed;
}

void assoc_count_input(struct assoc *a, enum assoc_input what)
{
	if (what == ASSOC_IN_ACK)
		a->st.acks++;
	else if (what == ASSOC_IN_CMD)
		a->st.cmds++;
	else
		a->st.bad_msgs++;
	if (what != ASSOC_IN_BAD && a->ready)	/* a controller that speaks to us */
		backoff_reset(a);
}

const char *assoc_name(const struct assoc *a)
{
	return a->cfg->name;
}

unsigned int assoc_index(const struct assoc *a)
{
	return a->index;
}

enum assoc_state assoc_state(const struct assoc *a)
{
	return a->state;
}

ps_assoc_id assoc_id(const struct assoc *a)
{
	return a->id;
}

uint32_t assoc_features(const struct assoc *a)
{
	return a->features;
}

bool assoc_owns_id(const struct assoc *a, ps_assoc_id id)
{
	return id && (a->id == id || a->old_id == id);
}

void assoc_get_stats(const struct assoc *a, struct assoc_stats *st)
{
	*st = a->st;
}

uint32_t assoc_acked(const struct assoc *a, uint16_t stream)
{
	return stream < CONFIG_MAX_STREAMS ? a->acked[stream] : 0;
}

uint32_t assoc_backoff_ms(const struct assoc *a)
{
	return a->backoff_ms;
}
