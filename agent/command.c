/* SPDX-License-Identifier: MIT */
/* What controllers send on stream 0 (see command.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/assoc.h"
#include "agent/command.h"
#include "agent/config.h"

/* A reply without data: header, status, a short text */
#define REPLY_BUF (MSG_HDR_LEN + 32 + MSG_MAX_STR)

struct command {
	const struct command_env *env;
	struct command_stats st;
};

static void reply(struct assoc *a, uint32_t id, enum msg_status st,
		  const char *text, const uint8_t *data, size_t data_len)
{
	struct msg_reply r = { .status = st, .msg = msg_str_of(text),
			       .data = data, .data_len = data_len };
	uint8_t small[REPLY_BUF], *buf = small;
	size_t len, cap = sizeof(small) + data_len;

	if (data_len && !(buf = malloc(cap))) {
		ALOG(a, LOG_ERR, "out of memory: no reply to request %u", id);
		return;
	}
	if (msg_encode_reply(buf, cap, id, &r, &len))
		ALOG(a, LOG_ERR, "cannot encode reply to request %u", id);
	else
		assoc_send_ctrl(a, buf, len);
	if (buf != small)
		free(buf);
}

static void bad(struct command *c, struct assoc *a, enum msg_err why)
{
	assoc_count_input(a, ASSOC_IN_BAD);
	c->st.bad_msgs[why < MSG_ERR_COUNT ? why : 0]++;
	ALOG(a, LOG_WARN, "rejected message from controller: %s", msg_err_str(why));
}

static void on_ack(struct command *c, struct assoc *a, uint32_t epoch,
		   const uint8_t *body, size_t len)
{
	struct msg_ack acks[MSG_MAX_ITEMS];
	enum msg_err why;
	unsigned int n;

	if (msg_decode_ack(body, len, acks, MSG_MAX_ITEMS, &n, &why)) {
		bad(c, a, why);
		return;
	}
	assoc_count_input(a, ASSOC_IN_ACK);
	for (unsigned int i = 0; i < n; i++)
		if (acks[i].stream < CONFIG_MAX_STREAMS && acks[i].stream)
			assoc_on_ack(a, epoch, acks[i].stream, acks[i].seq);
}

static int sensor_of(const struct command *c, struct msg_str name)
{
	char buf[CFG_NAME_MAX];

	if (name.len >= sizeof(buf))
		return -ENOENT;
	memcpy(buf, name.p, name.len);
	buf[name.len] = 0;
	return config_sensor_index(c->env->cfg, buf);
}

static void run_sensor_cmd(struct command *c, struct assoc *a, uint32_t id,
			   const struct msg_cmd *cmd)
{
	int s = sensor_of(c, cmd->sensor);
	int rc;

	if (s < 0) {
		reply(a, id, MSG_ST_UNKNOWN_SENSOR, "no such sensor", NULL, 0);
		return;
	}
	if (cmd->op == MSG_OP_SET_INTERVAL) {
		if (cmd->interval_ms < 10 || cmd->interval_ms > 86400000u) {
			reply(a, id, MSG_ST_OUT_OF_RANGE, "interval: expected 10..86400000 ms",
			      NULL, 0);
			return;
		}
		rc = c->env->set_interval(c->env->arg, (unsigned int)s, cmd->interval_ms);
	} else {
		rc = c->env->read_now(c->env->arg, (unsigned int)s);
	}
	reply(a, id, rc ? MSG_ST_INTERNAL : MSG_ST_OK, rc ? strerror(-rc) : "ok",
	      NULL, 0);
}

/* The STATUS map is sized for the configuration (every sensor). */
static void status(struct command *c, struct assoc *a, uint32_t id)
{
	uint8_t *data = malloc(c->env->status_max);
	size_t n = 0;

	if (!data)
		reply(a, id, MSG_ST_INTERNAL, "out of memory", NULL, 0);
	else if (c->env->status(c->env->arg, a, data, c->env->status_max, &n))
		reply(a, id, MSG_ST_INTERNAL, "too large", NULL, 0);
	else
		reply(a, id, MSG_ST_OK, "ok", data, n);
	free(data);
}

/* CLOSE: go away for a while (ms, default reconnect_max_ms, at most a
 * day), keeping this controller's readings; not for good. */
static void close_for(struct command *c, struct assoc *a, uint32_t id, uint32_t ms)
{
	char text[64];

	if (ms > 86400000u) {
		reply(a, id, MSG_ST_OUT_OF_RANGE, "ms: expected 0..86400000", NULL, 0);
		return;
	}
	if (!ms)
		ms = c->env->cfg->agent.reconnect_max_ms;
	snprintf(text, sizeof(text), "closing; back in about %u ms", ms);
	reply(a, id, MSG_ST_OK, text, NULL, 0);
	assoc_close(a, ASSOC_CLOSE_HOLD, ms);
}

static void on_cmd(struct command *c, struct assoc *a, uint32_t id,
		   const uint8_t *body, size_t len)
{
	struct msg_cmd cmd;
	enum msg_err why;

	if (msg_decode_cmd(body, len, &cmd, &why)) {
		bad(c, a, why);
		reply(a, id, MSG_ST_BAD_REQUEST, msg_err_str(why), NULL, 0);
		return;
	}
	assoc_count_input(a, ASSOC_IN_CMD);
	ALOG(a, LOG_INFO, "command %u: %.*s", id, (int)cmd.op_name.len, cmd.op_name.p);
	switch (cmd.op) {
	case MSG_OP_PING:
		reply(a, id, MSG_ST_OK, "pong", NULL, 0);
		break;
	case MSG_OP_STATUS:
		status(c, a, id);
		break;
	case MSG_OP_SET_INTERVAL:
	case MSG_OP_READ_NOW:
		run_sensor_cmd(c, a, id, &cmd);
		break;
	case MSG_OP_CLOSE:
		close_for(c, a, id, cmd.interval_ms);
		break;
	default:
		c->st.bad_msgs[MSG_ERR_TYPE]++;
		reply(a, id, MSG_ST_UNKNOWN_CMD, "unknown command", NULL, 0);
		break;
	}
}

void command_on_message(struct command *c, struct assoc *a, uint16_t stream,
			uint32_t ppid, const uint8_t *buf, size_t len)
{
	const uint8_t *body;
	struct msg_hdr h;
	enum msg_err why;
	size_t blen;

	if (stream != MSG_STREAM_CTRL || ppid != MSG_PPID) {
		bad(c, a, MSG_ERR_TYPE);
		return;
	}
	if (msg_hdr_parse(buf, len, &h, &body, &blen, &why)) {
		bad(c, a, why);
		if (why != MSG_ERR_TRUNCATED && h.type == MSG_CMD)
			reply(a, h.seq, MSG_ST_BAD_REQUEST, msg_err_str(why), NULL, 0);
		return;
	}
	if (h.type == MSG_ACK)
		on_ack(c, a, h.epoch, body, blen);
	else if (h.type == MSG_CMD)
		on_cmd(c, a, h.seq, body, blen);
	else
		bad(c, a, MSG_ERR_TYPE);
}

int command_create(const struct command_env *env, struct command **out)
{
	struct command *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	c->env = env;
	*out = c;
	return 0;
}

void command_destroy(struct command *c)
{
	free(c);
}

void command_get_stats(const struct command *c, struct command_stats *st)
{
	*st = c->st;
}
