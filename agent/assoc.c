/* SPDX-License-Identifier: MIT */
/*
 * Per-controller association state machine, driven by the port's
 * normalized ASSOC_CHANGE events:
 *
 *   IDLE --connect--> CONNECTING --COMM_UP--> UP --EOF--> SHUTTING_DOWN
 *     CONNECTING --CANT_STR_ASSOC--> DOWN      UP --COMM_LOST--> DOWN
 *     SHUTTING_DOWN --SHUTDOWN_COMP--> CLOSED (or DOWN if the peer closed)
 *     DOWN --backoff timer--> CONNECTING        UP --RESTART--> UP (HELLO)
 *
 * Reconnects back off exponentially (reconnect_min_ms doubling to
 * reconnect_max_ms) with +-20 % jitter so a fleet does not reconnect in
 * lock step after a controller restart.
 */
#include <errno.h>
#include <string.h>

#include "agent/agent_int.h"
#include "agent/mq.h"
#include "agent/names.h"
#include "port/clock.h"
#include "port/loop.h"

#define ASSOC_QUEUE_MAX 1024	/* messages kept per controller while down */

const char *assoc_state_name(enum assoc_state s)
{
	static const char *const n[] = { "idle", "connecting", "up",
					 "shutting-down", "down", "closed" };

	return s <= AS_CLOSED ? n[s] : "?";
}

static void set_state(struct assoc *a, enum assoc_state s)
{
	if (a->state == s)
		return;
	a->state = s;
	a->state_since_ms = clock_mono_ms();
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

int assoc_init(struct agent *ag, struct assoc *a, unsigned int index)
{
	int rc;

	memset(a, 0, sizeof(*a));
	a->ag = ag;
	a->index = index;
	a->cfg = &ag->cfg->ctrls[index];
	a->backoff_ms = ag->cfg->agent.reconnect_min_ms;
	rc = mq_create(ASSOC_QUEUE_MAX, &a->queue);
	if (!rc)
		rc = mq_create(ASSOC_QUEUE_MAX, &a->queue_hi);
	if (!rc)
		rc = mq_create(ASSOC_QUEUE_MAX, &a->retq);
	if (!rc)
		rc = mq_create(ASSOC_QUEUE_MAX, &a->unacked);
	if (!rc)
		rc = loop_timer_new(ag->loop, on_reconnect, a, &a->timer);
	return rc;
}

void assoc_fini(struct assoc *a)
{
	loop_timer_free(a->timer);
	mq_destroy(a->queue);
	mq_destroy(a->queue_hi);
	a->queue_hi = NULL;
	mq_destroy(a->retq);
	mq_destroy(a->unacked);
	a->unacked = NULL;
	a->timer = NULL;
	a->queue = NULL;
	a->retq = NULL;
}

static void schedule_reconnect(struct assoc *a)
{
	uint32_t delay = assoc_jitter(a->backoff_ms, clock_random());
	uint32_t max = a->ag->cfg->agent.reconnect_max_ms;

	set_state(a, AS_DOWN);
	paths_assoc_down(a);
	if (a->id)
		a->old_id = a->id;
	a->id = 0;
	if (a->ag->stopping) {
		agent_check_stopped(a->ag);
		return;
	}
	ALOG(a, LOG_INFO, "reconnect in %u ms", delay);
	loop_timer_in(a->timer, delay);
	a->backoff_ms = a->backoff_ms > max / 2 ? max : a->backoff_ms * 2;
}

static void connect_now(struct assoc *a)
{
	struct net_addr addrs[CONFIG_MAX_CTRL_ADDRS];
	unsigned int n;
	int rc;

	n = paths_connect_order(a->ag, a->cfg, addrs);
	a->st.connects++;
	rc = ps_connect(a->ag->ep, addrs, n, &a->id);
	if (rc) {
		ALOG(a, LOG_WARN, "connect failed: %s", strerror(-rc));
		schedule_reconnect(a);
		return;
	}
	set_state(a, AS_CONNECTING);
	ALOG(a, LOG_INFO, "connecting to %u address%s port %u", a->cfg->n_addrs,
	     a->cfg->n_addrs == 1 ? "" : "es", a->cfg->port);
}

/* Host names looked up (agent/names.c): connect to what they gave. */
static void on_resolved(void *arg, int rc)
{
	struct assoc *a = arg;

	a->cfg = names_view(a->ag->names, a->index);
	if (a->ag->stopping || a->state == AS_CLOSED)
		return;
	if (rc) {
		ALOG(a, LOG_WARN, "no address to connect to (no host name resolved)");
		schedule_reconnect(a);
		return;
	}
	connect_now(a);
}

void assoc_connect(struct assoc *a)
{
	int rc;

	if (a->ag->stopping || a->state == AS_CLOSED)
		return;
	rc = names_resolve(a->ag->names, a->index, on_resolved, a);
	if (rc != -EINPROGRESS)
		on_resolved(a, rc);
}

static void comm_up(struct assoc *a, const struct ps_event *ev, bool restart)
{
	a->id = ev->assoc;
	a->out_streams = ev->u.assoc.out_streams;
	a->features = ev->u.assoc.features;
	a->backoff_ms = a->ag->cfg->agent.reconnect_min_ms;
	loop_timer_stop(a->timer);
	set_state(a, AS_UP);
	if (restart)
		a->st.restarts++;
	else
		a->st.comm_up++;
	ALOG(a, LOG_INFO, "%s: %u out / %u in streams%s%s%s%s%s",
	     restart ? "peer restarted" : "association up",
	     ev->u.assoc.out_streams, ev->u.assoc.in_streams,
	     a->features & PS_FEAT_PR ? ", PR-SCTP" : "",
	     a->features & PS_FEAT_ASCONF ? ", ASCONF" : "",
	     a->features & PS_FEAT_AUTH ? ", AUTH" : "",
	     a->features & PS_FEAT_RECONFIG ? ", RECONFIG" : "",
	     a->features & PS_FEAT_INTERLEAVE ? ", I-DATA" : "");
	if (a->out_streams && a->out_streams < a->cfg->streams)
		ALOG(a, LOG_WARN, "peer granted %u streams of %u: sensors above "
		     "stream %u cannot be sent", a->out_streams, a->cfg->streams,
		     a->out_streams - 1);
	paths_assoc_up(a);
	publish_stream_prio(a);
	publish_replay(a);	/* HELLO, then what the controller never ACKed */
	publish_flush(a);
}

static void comm_down(struct assoc *a, const struct ps_event *ev)
{
	enum ps_assoc_state s = ev->u.assoc.state;

	if (s == PS_SHUTDOWN_COMP && a->state == AS_SHUTTING_DOWN) {
		ALOG(a, LOG_INFO, "shutdown complete");
		set_state(a, AS_CLOSED);
		paths_assoc_down(a);
		a->old_id = a->id;
		a->id = 0;
		agent_check_stopped(a->ag);
		return;
	}
	if (s == PS_COMM_LOST)
		a->st.comm_lost++;
	ALOG(a, LOG_WARN, "%s (error %u)", ps_assoc_state_name(s), ev->u.assoc.error);
	schedule_reconnect(a);
}

void assoc_on_change(struct assoc *a, const struct ps_event *ev)
{
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

void assoc_close(struct assoc *a)
{
	struct ps_sndinfo si = { .assoc = a->id, .flags = PS_SEND_EOF };
	int rc;

	loop_timer_stop(a->timer);
	if (a->state != AS_UP && a->state != AS_CONNECTING) {
		set_state(a, AS_CLOSED);
		return;
	}
	rc = ps_send(a->ag->ep, &si, NULL, 0);
	if (rc) {
		ALOG(a, LOG_WARN, "EOF failed: %s; aborting", strerror(-rc));
		si.flags = PS_SEND_ABORT;
		ps_send(a->ag->ep, &si, "closing", 7);
		set_state(a, AS_CLOSED);
		return;
	}
	set_state(a, AS_SHUTTING_DOWN);
	ALOG(a, LOG_INFO, "graceful shutdown (SCTP_EOF) of this association only");
}

struct assoc *assoc_by_id(struct agent *ag, ps_assoc_id id)
{
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		if (ag->assoc[i].id == id && id)
			return &ag->assoc[i];
	return NULL;
}
