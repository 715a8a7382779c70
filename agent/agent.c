/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>

#include "agent/agent.h"
#include "agent/log.h"
#include "port/loop.h"

struct agent {
	struct loop *loop;
	struct loop_timer *stop_timer;
	int exit_code;
};

static void on_signal(void *arg, enum loop_sig sig)
{
	struct agent *a = arg;

	LOG(LOGM_MAIN, LOG_INFO, "signal %d: stopping", (int)sig);
	loop_stop(a->loop);
}

static void on_duration(void *arg, struct loop_timer *t)
{
	struct agent *a = arg;

	(void)t;
	LOG(LOGM_MAIN, LOG_INFO, "duration reached: stopping");
	loop_stop(a->loop);
}

int agent_run(const struct config *cfg, const struct cli_opts *o)
{
	struct agent a = { 0 };
	int rc;

	rc = loop_create(&a.loop);
	if (rc)
		return 1;
	loop_signal(a.loop, LOOP_SIG_TERM, on_signal, &a);
	loop_signal(a.loop, LOOP_SIG_INT, on_signal, &a);
	if (o->duration_s) {
		loop_timer_new(a.loop, on_duration, &a, &a.stop_timer);
		loop_timer_in(a.stop_timer, o->duration_s * 1000u);
	}
	LOG(LOGM_MAIN, LOG_INFO, "agent '%s' started: %u controllers, %u sensors",
	    cfg->agent.name, cfg->n_ctrls, cfg->n_sensors);
	rc = loop_run(a.loop);
	loop_timer_free(a.stop_timer);
	loop_destroy(a.loop);
	return rc ? 1 : a.exit_code;
}
