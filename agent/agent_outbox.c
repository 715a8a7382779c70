/* SPDX-License-Identifier: MIT */
/*
 * The agent's outbox, part of the composition root: opened from the
 * config (its epoch is the run's), driven by one loop timer (sync,
 * deletion, state, and while the device fails, attempts to resume), its
 * memory tier charged to the one memory budget, its loss reports handed
 * to the associations. agent.c calls these; nothing else does.
 */
#include <errno.h>
#include <string.h>

#include "agent/agent_int.h"
#include "agent/budget.h"
#include "agent/msg.h"
#include "agent/outbox.h"
#include "port/clock.h"
#include "port/loop.h"

#define RESUME_MIN_MS 1000	/* first retry after the device failed */
#define RESUME_MAX_MS 60000	/* then doubling up to this */

static bool takes(void *ctx, unsigned int ctrl, uint16_t stream)
{
	const struct agent *ag = ctx;

	return stream < CONFIG_MAX_STREAMS && (ag->stream_ctrls[stream] >> ctrl) & 1;
}

/* The budget evicts the memory tier's oldest segment (its loss is queued
 * per controller inside the outbox, and pulled by the associations). */
static size_t evict_outbox(void *arg)
{
	struct agent *ag = arg;
	uint64_t n = outbox_mem_evict(ag->ob);

	budget_release(ag->budget, ag->ob_acct, n);
	return n;
}

static void charge(struct agent *ag)
{
	uint64_t now = outbox_mem_bytes(ag->ob);
	size_t held = budget_account_used(ag->budget, ag->ob_acct);

	if (now > held)
		budget_charge(ag->budget, ag->ob_acct, now - held);
	else if (now < held)
		budget_release(ag->budget, ag->ob_acct, held - now);
}

static void arm(struct agent *ag)
{
	uint64_t due = outbox_next_due_ms(ag->ob);

	if (ag->ob_degraded && ag->ob_on_disk && ag->ob_resume_ms < due)
		due = ag->ob_resume_ms;
	if (due == UINT64_MAX)
		loop_timer_stop(ag->ob_timer);
	else
		loop_timer_at(ag->ob_timer, due, 0);
}

/* A change of the device's state: one alarm line when it fails, one when
 * it works again. */
static void watch_degraded(struct agent *ag)
{
	struct outbox_stats st;

	outbox_stats(ag->ob, &st);
	if (st.degraded == ag->ob_degraded || !ag->ob_on_disk)
		return;
	if (st.degraded) {
		LOG(LOGM_OUTBOX, LOG_ERR, "ALARM: the outbox in %s cannot write "
		    "(%s): readings are kept in memory (memory_budget_kb %u) "
		    "until it can; retrying", ag->cfg->agent.state_dir,
		    strerror(-st.degraded), ag->cfg->agent.memory_budget_kb);
		ag->ob_resume_wait = RESUME_MIN_MS;
		ag->ob_resume_ms = clock_mono_ms() + RESUME_MIN_MS;
	} else {
		LOG(LOGM_OUTBOX, LOG_WARN, "the outbox in %s writes again; what "
		    "was held in memory is on the device", ag->cfg->agent.state_dir);
	}
	ag->ob_degraded = st.degraded;
}

void agent_outbox_kick(struct agent *ag)
{
	charge(ag);
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_pull_lost(ag->assocs[i]);
	watch_degraded(ag);
	arm(ag);
}

static void try_resume(struct agent *ag)
{
	if (!ag->ob_degraded || !ag->ob_on_disk ||
	    clock_mono_ms() < ag->ob_resume_ms)
		return;
	if (!outbox_resume(ag->ob))
		return;
	ag->ob_resume_wait = ag->ob_resume_wait >= RESUME_MAX_MS / 2 ?
			     RESUME_MAX_MS : ag->ob_resume_wait * 2;
	ag->ob_resume_ms = clock_mono_ms() + ag->ob_resume_wait;
}

static void on_timer(void *arg, struct loop_timer *t)
{
	struct agent *ag = arg;

	(void)t;
	outbox_poll(ag->ob);
	try_resume(ag);
	agent_outbox_kick(ag);
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_flush(ag->assocs[i]);	/* GAPs of what the poll found */
}

static void stream_table(struct agent *ag)
{
	const struct config *c = ag->cfg;

	memset(ag->stream_ctrls, 0, sizeof(ag->stream_ctrls));
	for (unsigned int i = 0; i < c->n_sensors; i++)
		ag->stream_ctrls[c->sensors[i].stream] |= c->sensors[i].ctrl_mask;
}

/* A stream a sensor has: exactly the controllers that take it now (the
 * outbox waits for no one else's acknowledgement, and replays it to no
 * one else). A stream no sensor has any more (a removed sensor's): as it
 * was, so what it holds still goes to those controllers
 * (config_load_keep() gives it to no other sensor while another stream
 * is free). */
void agent_outbox_routes(struct agent *ag)
{
	const struct config *c = ag->cfg;
	bool held[CONFIG_MAX_STREAMS] = { false };

	for (unsigned int i = 0; i < c->n_sensors; i++) {
		uint16_t st = c->sensors[i].stream;

		if (!held[st])
			ag->stream_ctrls[st] = 0;
		held[st] = true;
		ag->stream_ctrls[st] |= c->sensors[i].ctrl_mask;
	}
	agent_outbox_kick(ag);		/* segments no longer held may go */
}

/* The outbox in state_dir, or in memory when the config says so or the
 * directory cannot be used (an alarm: nothing then survives a restart).
 * -EBUSY: another agent has state_dir (refuse to start). */
int agent_outbox_open(struct agent *ag)
{
	const struct cfg_agent *c = &ag->cfg->agent;
	const char *names[CONFIG_MAX_CONTROLLERS];
	struct outbox_config oc = {
		.dir = c->state_dir, .max_bytes = c->outbox_max_bytes,
		.free_pct = c->outbox_free_pct, .sync_interval_ms = c->sync_interval_ms,
		.max_record = MSG_READINGS_BUF, .n_ctrls = ag->cfg->n_ctrls,
		.ctrl_names = names, .takes = takes, .ctx = ag,
	};
	int rc = 0;

	stream_table(ag);
	for (unsigned int i = 0; i < ag->cfg->n_ctrls; i++)
		names[i] = ag->cfg->ctrls[i].name;
	ag->ob_acct = budget_account(ag->budget, evict_outbox, ag);
	if (ag->ob_acct < 0)
		return ag->ob_acct;
	if (c->outbox == CFG_OUTBOX_DISK) {
		rc = outbox_open(&oc, &ag->ob, &ag->epoch);
		if (rc == -EBUSY) {
			LOG(LOGM_MAIN, LOG_ERR, "state_dir %s is in use by another "
			    "sctpagent: refusing to start", c->state_dir);
			return rc;
		}
		ag->ob_on_disk = !rc;
		if (rc)
			LOG(LOGM_OUTBOX, LOG_ERR, "ALARM: state_dir %s cannot hold the "
			    "outbox (%s): readings are kept in memory only and a "
			    "restart loses what no controller acknowledged",
			    c->state_dir, strerror(-rc));
	}
	if (!ag->ob_on_disk)
		rc = outbox_open_memory(&oc, rc ? rc : -EIO, &ag->ob, &ag->epoch);
	rc = rc ? rc : loop_timer_new(ag->loop, on_timer, ag, &ag->ob_timer);
	if (!rc)
		arm(ag);
	return rc;
}

void agent_outbox_close(struct agent *ag)
{
	int rc;

	loop_timer_free(ag->ob_timer);
	ag->ob_timer = NULL;
	if (!ag->ob)
		return;
	rc = outbox_close(ag->ob);
	ag->ob = NULL;
	if (rc && ag->ob_on_disk)
		LOG(LOGM_OUTBOX, LOG_ERR, "closing the outbox: %s", strerror(-rc));
}
