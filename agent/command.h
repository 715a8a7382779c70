/* SPDX-License-Identifier: MIT */
/*
 * agent/command.h - what controllers send on stream 0: cumulative ACKs and
 * commands (PING, STATUS, SET_INTERVAL, READ_NOW, CLOSE). Every malformed
 * or unknown message is counted by reason and, where it carried a request
 * id, answered with an error reply; nothing a peer sends can stop the
 * agent. ACKs, replies and CLOSE go to the association (agent/assoc.h);
 * what concerns sensors and status goes through the env.
 */
#ifndef AGENT_COMMAND_H
#define AGENT_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include "agent/msg.h"

struct assoc;
struct command;
struct config;

struct command_env {
	const struct config *cfg;
	void *arg;
	/* SET_INTERVAL / READ_NOW of sensor @sensor (config index): 0 or
	 * -errno (said in the reply). */
	int (*set_interval)(void *arg, unsigned int sensor, uint32_t ms);
	int (*read_now)(void *arg, unsigned int sensor);
	/* STATUS: one CBOR map about the agent and @a into @buf. 0 and
	 * *@len, or -ENOSPC. */
	int (*status)(void *arg, const struct assoc *a, uint8_t *buf, size_t cap,
		      size_t *len);
	size_t status_max;		/* a buffer that always holds it */
};

struct command_stats {
	uint64_t bad_msgs[MSG_ERR_COUNT];	/* rejected input, per reason */
};

/* @env must outlive the object. -ENOMEM. */
int command_create(const struct command_env *env, struct command **out);
void command_destroy(struct command *c);

/* One DATA message from @a's controller. */
void command_on_message(struct command *c, struct assoc *a, uint16_t stream,
			uint32_t ppid, const uint8_t *buf, size_t len);
void command_get_stats(const struct command *c, struct command_stats *st);

#endif
