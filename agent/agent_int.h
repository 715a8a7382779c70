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
struct outbox;
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
	struct outbox *ob;		/* every reading until acknowledged */
	int ob_acct;			/* its memory tier in the budget */
	bool ob_on_disk;		/* false: outbox = memory, or unusable */
	int ob_degraded;		/* last seen (0, -ENOSPC, -EIO) */
	uint64_t ob_resume_ms;		/* next outbox_resume() attempt */
	uint32_t ob_resume_wait;	/* between attempts (doubling) */
	struct loop_timer *ob_timer;	/* its sync, deletion, resume */
	uint64_t stream_ctrls[CONFIG_MAX_STREAMS];	/* who takes a stream */
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
	uint16_t out_streams;		/* the endpoint's INIT asks for (a reload raises it) */
	struct ps_encap encap[PS_MAX_ENCAP];	/* over UDP, as the endpoint opened */
	unsigned int n_encap;
	bool add_broken;		/* a controller half added (ENOMEM): no more adds */
};

/* agent_outbox.c: the outbox in the composition root. */
int agent_outbox_open(struct agent *ag);	/* sets ag->ob, ag->epoch */
void agent_outbox_close(struct agent *ag);
/* After appends and acks: the budget, loss reports, the timer. */
void agent_outbox_kick(struct agent *ag);
/* Who takes which stream, for the outbox, from the config's routes again
 * (a reload changed them). */
void agent_outbox_routes(struct agent *ag);

#endif
