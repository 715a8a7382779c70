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
struct clockwatch;
struct ctl_server;
struct loop;
struct loop_timer;
struct names;
struct sampler;
struct secure;
struct svc;

struct agent {
	const struct config *cfg;	/* = own: what every module reads */
	struct config *own;		/* the running copy (reload.c changes it) */
	int verbose;			/* -v count, added to log_level */
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
	struct loop_timer *tick_timer;	/* 1 s: clock steps, log windows */
	struct clockwatch *cw;
	struct local_path lpaths[CONFIG_MAX_PATHS];
	struct pn_sock *nl;
	struct svc *svc;		/* service manager (systemd) notices */
	struct names *names;		/* controllers given by host name */
	uint64_t unknown_assoc;		/* events for an association we do not know */
	struct secure *sec;		/* DTLS channels (NULL: plaintext) */
	struct status_reading last[CONFIG_MAX_SENSORS];	/* for the status */
	struct ctl_server *ctl;		/* the local status socket, or NULL */
};

#endif
