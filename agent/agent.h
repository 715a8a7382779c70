/* SPDX-License-Identifier: MIT */
/*
 * agent/agent.h - the running agent: owns the loop, the endpoint, the
 * controllers and the sensors built from one config.
 */
#ifndef AGENT_AGENT_H
#define AGENT_AGENT_H

#include "agent/cli.h"
#include "agent/config.h"

/* Run until SIGTERM/SIGINT (or --duration); returns the exit code.
 * Does not take ownership of @cfg. */
int agent_run(const struct config *cfg, const struct cli_opts *o);

#endif
