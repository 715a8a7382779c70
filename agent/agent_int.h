/* SPDX-License-Identifier: MIT */
/*
 * agent/agent_int.h - the running agent's state, shared by agent.c (wiring,
 * events), assoc.c (per-controller state machine), publish.c (readings,
 * fan-out, queues) and command.c (controller commands).
 */
#ifndef AGENT_AGENT_INT_H
#define AGENT_AGENT_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/config.h"
#include "agent/log.h"
#include "agent/msg.h"
#include "agent/paths.h"
#include "port/netlink.h"
#include "port/sctp.h"

struct loop;
struct loop_timer;
struct mq;
struct mq_msg;
struct names;
struct sampler;
struct svc;

enum assoc_state {
	AS_IDLE,		/* not started */
	AS_CONNECTING,		/* INIT sent */
	AS_UP,
	AS_SHUTTING_DOWN,	/* EOF sent, waiting for SHUTDOWN_COMP */
	AS_DOWN,		/* lost; reconnect timer armed */
	AS_CLOSED,		/* closed on purpose; never reconnects */
};

struct assoc_stats {
	uint64_t msgs_sent, bytes_sent;
	uint64_t send_failed;		/* SEND_FAILED events */
	uint64_t requeued;		/* payloads put back in the queue */
	uint64_t dropped;		/* queue full: oldest dropped */
	uint64_t connects, comm_up, comm_lost, restarts;
	uint64_t acks, cmds, bad_msgs;
	uint64_t failovers, failbacks, resent;
	uint64_t abandoned;		/* PR-SCTP: lifetime over, not resent */
	uint64_t replayed;		/* un-ACKed readings sent again after a reconnect */
	uint64_t unacked_evicted;	/* un-ACKed store full: oldest forgotten */
};

struct assoc {
	struct agent *ag;
	const struct cfg_controller *cfg;
	unsigned int index;
	enum assoc_state state;
	ps_assoc_id id;
	ps_assoc_id old_id;		/* previous id: late SEND_FAILED events */
	uint16_t out_streams;
	uint32_t features;		/* PS_FEAT_* */
	uint32_t backoff_ms;		/* next reconnect delay (before jitter) */
	uint64_t state_since_ms;
	struct loop_timer *timer;	/* reconnect */
	struct mq *queue;		/* messages never handed to the stack yet */
	struct mq *queue_hi;		/* the same for priority < 128 (alarms) */
	struct mq *retq;		/* HELLO + the replay of un-ACKed readings */
	struct mq *unacked;		/* sent readings the controller has not ACKed */
	uint32_t acked[CONFIG_MAX_STREAMS];	/* last cumulative ACK per stream */
	/* multihoming (paths.c) */
	struct peer_path peers[CONFIG_MAX_CTRL_ADDRS];
	unsigned int n_peers;
	int primary;			/* index in peers, -1 = unknown */
	uint64_t up_ms;			/* COMM_UP time (confirm alarms) */
	struct loop_timer *failback_timer;
	struct loop_timer *confirm_timer;
	bool unconfirmed_alarm;
	struct mq *recent;		/* last messages sent, for failover resend */
	struct assoc_stats st;
};

/* Every log line of an association names the controller, id and state. */
#define ALOG(a, lvl, fmt, ...)                                             \
	LOG(LOGM_ASSOC, lvl, "ctrl=%s assoc=%u state=%s: " fmt, (a)->cfg->name, \
	    (unsigned int)(a)->id, assoc_state_name((a)->state), ##__VA_ARGS__)

struct agent_stats {
	uint64_t readings;		/* taken by the sampler */
	uint64_t sendall;		/* fan-outs done with one SENDALL */
	uint64_t unicast_fanouts;	/* fan-outs done one send per controller */
	uint64_t bad_msgs[MSG_ERR_COUNT];	/* rejected input, per reason */
	uint64_t unknown_assoc;		/* events for an association we do not know */
};

/* Readings of one sensor waiting to go out as one SenML pack. */
struct bundle {
	struct agent *ag;
	unsigned int sensor;
	struct msg_reading *r;		/* bundle_count entries */
	unsigned int n;
	struct loop_timer *timer;	/* bundle_ms age limit */
};

struct agent {
	const struct config *cfg;
	struct loop *loop;
	struct ps_ep *ep;
	struct sampler *sampler;
	struct assoc assoc[CONFIG_MAX_CONTROLLERS];
	unsigned int n_assoc;
	uint32_t seq[CONFIG_MAX_STREAMS];	/* last seq sent, per stream */
	struct bundle bundles[CONFIG_MAX_SENSORS];
	uint64_t boot_id;
	int64_t start_wall_ms;
	bool stopping;
	bool want_out;			/* watching the socket for LOOP_OUT */
	struct loop_timer *stop_timer;	/* --duration */
	struct loop_timer *shutdown_timer;
	struct loop_timer *status_timer;
	struct local_path lpaths[CONFIG_MAX_PATHS];
	struct pn_sock *nl;
	struct svc *svc;		/* service manager (systemd) notices */
	struct names *names;		/* controllers given by host name */
	int exit_code;
	struct agent_stats st;
};

/* assoc.c */
const char *assoc_state_name(enum assoc_state s);
int assoc_init(struct agent *ag, struct assoc *a, unsigned int index);
void assoc_fini(struct assoc *a);
void assoc_connect(struct assoc *a);
void assoc_on_change(struct assoc *a, const struct ps_event *ev);
void assoc_close(struct assoc *a);		/* graceful EOF, no reconnect */
/* Next reconnect delay: @base +-20 % from @rnd (32 random bits). */
uint32_t assoc_jitter(uint32_t base, uint32_t rnd);
struct assoc *assoc_by_id(struct agent *ag, ps_assoc_id id);

/* publish.c */
int publish_init(struct agent *ag);
void publish_fini(struct agent *ag);
/* Send every partial bundle now (stop, READ_NOW). */
void publish_flush_bundles(struct agent *ag);
/* Stream priorities for @a's streams (stream scheduler), at COMM_UP. */
void publish_stream_prio(struct assoc *a);
void publish_reading(struct agent *ag, unsigned int sensor, double value,
		     int64_t wall_ms);
void publish_hello(struct assoc *a);
/* Send what is queued for @a while the socket takes it. */
void publish_flush(struct assoc *a);
void publish_flush_all(struct agent *ag);
/* A payload the stack could not deliver: back to its controller's queue. */
void publish_send_failed(struct assoc *a, const struct ps_event *ev);
/* Record a reading handed to the stack until the controller ACKs it. */
void publish_note_sent(struct assoc *a, const struct mq_msg *m, const void *data);
/* Cumulative ACK for @stream up to @seq: forget what it covers. */
void publish_acked(struct assoc *a, uint16_t stream, uint32_t seq);
/* New association after a loss: HELLO, then every un-ACKed reading. */
void publish_replay(struct assoc *a);
/* Send one message to @a now or queue it. */
int publish_to(struct assoc *a, const struct mq_msg *m, const void *data);

/* command.c */
void command_on_data(struct assoc *a, const struct ps_event *ev);

/* agent.c */
void agent_want_writable(struct agent *ag, bool on);
void agent_check_stopped(struct agent *ag);

#endif
