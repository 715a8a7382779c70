/* SPDX-License-Identifier: MIT */
/*
 * agent/agent_int.h - the running agent's layout, for agent.c (the
 * composition root that owns it) and paths.c (the multihoming policy,
 * which steers every association's paths and reads the local links and
 * the endpoint from here). Every other module gets what it needs through
 * its own header's env; none includes this file.
 */
#ifndef AGENT_AGENT_INT_H
#define AGENT_AGENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/assoc.h"
#include "agent/assoc_int.h"
#include "agent/command.h"
#include "agent/config.h"
#include "agent/log.h"
#include "agent/paths_types.h"
#include "agent/publish.h"
#include "agent/status.h"
#include "port/netlink.h"
#include "port/sctp.h"

struct budget;
struct loop;
struct loop_timer;
struct sampler;

struct agent {
	const struct config *cfg;
	struct loop *loop;
	struct ps_ep *ep;
	struct sampler *sampler;
	struct publish *pub;
	struct command *cmd;
	struct budget *budget;
	struct assoc assoc[CONFIG_MAX_CONTROLLERS];
	struct assoc *assocs[CONFIG_MAX_CONTROLLERS];	/* &assoc[i] */
	unsigned int n_assoc;
	struct assoc_env aenv;
	struct publish_env penv;
	struct command_env cenv;
	struct status_src ssrc;
	uint32_t epoch;			/* this run's sequence space, never 0 */
	uint64_t boot_id;
	int64_t start_wall_ms;
	bool stopping;
	bool want_out;			/* watching the socket for LOOP_OUT */
	struct loop_timer *stop_timer;	/* --duration */
	struct loop_timer *shutdown_timer;
	struct loop_timer *status_timer;
	/* the userspace stack's buffers in the memory budget */
	struct loop_timer *stack_timer;
	int stack_acct;			/* budget account (never evicted) */
	uint64_t stack_charged;		/* bytes charged to it now */
	struct local_path lpaths[CONFIG_MAX_PATHS];
	struct pn_sock *nl;
	uint64_t unknown_assoc;		/* events for an association we do not know */
};

#endif
