/* SPDX-License-Identifier: MIT */
/*
 * tests/controller/ctl.h - the reference controller (sctpctl): options and
 * the run function. The controller uses only the port layer
 * (port/sctp.h, port/loop.h, port/clock.h) and agent/msg.h for the wire.
 */
#ifndef TESTS_CONTROLLER_CTL_H
#define TESTS_CONTROLLER_CTL_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/msg.h"
#include "port/sctp.h"
#include "tests/controller/dtls.h"

#define CTL_MAX_CMDS 16

struct ctl_cmd {
	uint32_t at_ms;			/* after start */
	char agent[64];			/* "" = first agent that said HELLO */
	enum msg_op op;
	char sensor[64];
	uint32_t interval_ms;
	char text[160];			/* as given, for logs */
};

struct ctl_opts {
	struct net_addr addrs[PS_MAX_ADDRS];
	unsigned int n_addrs;
	uint16_t port;
	const char *name;		/* controller name */
	uint32_t ack_ms;		/* 0 = never ACK */
	uint32_t hb_ms;			/* heartbeat interval toward agents; 0 = kernel's */
	uint16_t sack_freq;		/* packets per SACK; 0 = the kernel's (default) */
	bool interleave;		/* offer I-DATA (RFC 8260) */
	uint32_t duration_s;		/* 0 = until SIGTERM/SIGINT */
	struct ctl_cmd cmds[CTL_MAX_CMDS];
	unsigned int n_cmds;
	bool quiet;			/* no reading lines */
	struct ctl_dtls_opts dtls;	/* DTLS over SCTP (dtls.h); off if no table/CA */
};

/* Parse "OP [ARGS]" into @c (op, sensor, interval). 0 or -1 (*why set). */
int ctl_parse_cmd(const char *s, struct ctl_cmd *c, const char **why);

/* Run until a signal or the duration; prints JSON lines on stdout.
 * Returns the process exit status. */
int ctl_run(const struct ctl_opts *o);

/* The pieces of ctl_run, for tests that drive the loop themselves:
 * @o must outlive the controller. -ENOMEM or the port's error. */
struct ctl;
struct loop;
struct trk;
int ctl_create(const struct ctl_opts *o, struct ctl **out);
struct loop *ctl_loop(struct ctl *c);
const struct trk *ctl_trk(const struct ctl *c);
void ctl_summary(struct ctl *c);	/* the exit summary line */
void ctl_destroy(struct ctl *c);

#endif
