/* SPDX-License-Identifier: MIT */
/*
 * agent/agent.h - the running agent: owns the loop, the endpoint, the
 * controllers and the sensors built from one config.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include "agent/cli.h"
#include "agent/config.h"

struct agent;
struct loop;

/* Run until SIGTERM/SIGINT (or --duration); returns the exit code.
 * Does not take ownership of @cfg. */
int agent_run(const struct config *cfg, const struct cli_opts *o);

/* The pieces of agent_run, for tests that drive the loop themselves.
 * agent_create opens the endpoint, starts the sampler and connects every
 * controller. -ENOMEM, or the port's error from ps_open. @cfg must outlive
 * the agent. */
int agent_create(const struct config *cfg, const struct cli_opts *o,
		 struct agent **out);
void agent_destroy(struct agent *ag);
/* Graceful stop: EOF on every association, loop stops when all are
 * closed or after [agent] shutdown_timeout_ms. */
void agent_stop(struct agent *ag);
struct loop *agent_loop(struct agent *ag);
/* Re-read the config file (SIGHUP): controllers removed from it are
 * closed with SCTP_EOF; other changes are logged as needing a restart. */
void agent_reload(struct agent *ag);

#endif
