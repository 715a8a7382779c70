/* SPDX-License-Identifier: MIT */
/*
 * What controllers send on stream 0: cumulative ACKs and commands (PING,
 * STATUS, SET_INTERVAL, READ_NOW, CLOSE). Every malformed or unknown
 * message is counted by reason and, where it carried a request id,
 * answered with an error reply; nothing a peer sends can stop the agent.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent_int.h"
#include "agent/cbor.h"
#include "agent/mq.h"
#include "agent/sensor.h"

#define REPLY_BUF 2048

static void reply(struct assoc *a, uint32_t id, enum msg_status st,
		  const char *text, const uint8_t *data, size_t data_len)
{
	struct msg_reply r = { .status = st, .msg = msg_str_of(text),
			       .data = data, .data_len = data_len };
	uint8_t buf[REPLY_BUF];
	struct mq_msg m = { .stream = MSG_STREAM_CTRL, .prio = 0 };	/* replies first */

	if (msg_encode_reply(buf, sizeof(buf), id, &r, &m.len)) {
		ALOG(a, LOG_ERR, "cannot encode reply to request %u", id);
		return;
	}
	publish_to(a, &m, buf);
}

static void bad(struct assoc *a, enum msg_err why)
{
	a->st.bad_msgs++;
	a->ag->st.bad_msgs[why < MSG_ERR_COUNT ? why : 0]++;
	ALOG(a, LOG_WARN, "rejected message from controller: %s", msg_err_str(why));
}

static void on_ack(struct assoc *a, const uint8_t *body, size_t len)
{
	struct msg_ack acks[MSG_MAX_ITEMS];
	enum msg_err why;
	unsigned int n;

	if (msg_decode_ack(body, len, acks, MSG_MAX_ITEMS, &n, &why)) {
		bad(a, why);
		return;
	}
	a->st.acks++;
	for (unsigned int i = 0; i < n; i++)
		if (acks[i].stream < CONFIG_MAX_STREAMS && acks[i].stream)
			publish_acked(a, acks[i].stream, acks[i].seq);
}

/* STATUS data: a map of this association's counters and every sensor's
 * interval, so a controller can see the agent without a shell. */
static size_t status_map(struct assoc *a, uint8_t *buf, size_t cap)
{
	const struct config *c = a->ag->cfg;
	struct cbor_enc e;
	size_t len = 0;

	struct ps_path_info info[PS_MAX_ADDRS];
	unsigned int n = 0;

	if (ps_paths(a->ag->ep, a->id, info, PS_MAX_ADDRS, &n))
		n = 0;
	cbor_enc_init(&e, buf, cap);
	cbor_put_map(&e, 10);
	cbor_put_cstr(&e, "agent"), cbor_put_cstr(&e, c->agent.name);
	cbor_put_cstr(&e, "controller"), cbor_put_cstr(&e, a->cfg->name);
	cbor_put_cstr(&e, "msgs_sent"), cbor_put_uint(&e, a->st.msgs_sent);
	cbor_put_cstr(&e, "requeued"), cbor_put_uint(&e, a->st.requeued);
	cbor_put_cstr(&e, "dropped"), cbor_put_uint(&e, a->st.dropped);
	cbor_put_cstr(&e, "failovers"), cbor_put_uint(&e, a->st.failovers);
	cbor_put_cstr(&e, "spurious_failovers"), cbor_put_uint(&e, a->st.spurious);
	cbor_put_cstr(&e, "replayed"), cbor_put_uint(&e, a->st.replayed);
	/* the association's paths as the stack sees them now */
	cbor_put_cstr(&e, "paths");
	cbor_put_array(&e, n);
	for (unsigned int i = 0; i < n; i++) {
		char addr[NET_ADDR_STRLEN];
		net_addr_format(&info[i].addr, addr, sizeof(addr));
		cbor_put_map(&e, 6);
		cbor_put_cstr(&e, "addr"), cbor_put_cstr(&e, addr);
		cbor_put_cstr(&e, "state"), cbor_put_cstr(&e, ps_path_state_name(info[i].state));
		cbor_put_cstr(&e, "primary"), cbor_put_bool(&e, info[i].primary);
		cbor_put_cstr(&e, "srtt_ms"), cbor_put_uint(&e, info[i].srtt_ms);
		cbor_put_cstr(&e, "rto_ms"), cbor_put_uint(&e, info[i].rto_ms);
		cbor_put_cstr(&e, "cwnd"), cbor_put_uint(&e, info[i].cwnd);
	}
	cbor_put_cstr(&e, "sensors");
	cbor_put_map(&e, c->n_sensors);
	for (unsigned int i = 0; i < c->n_sensors; i++) {
		cbor_put_cstr(&e, c->sensors[i].name);
		cbor_put_uint(&e, sampler_interval(a->ag->sampler, i));
	}
	return cbor_enc_finish(&e, &len) ? 0 : len;
}

static int sensor_of(struct assoc *a, struct msg_str name)
{
	char buf[CFG_NAME_MAX];

	if (name.len >= sizeof(buf))
		return -ENOENT;
	memcpy(buf, name.p, name.len);
	buf[name.len] = 0;
	return config_sensor_index(a->ag->cfg, buf);
}

static void run_sensor_cmd(struct assoc *a, uint32_t id, const struct msg_cmd *c)
{
	int s = sensor_of(a, c->sensor);
	int rc;

	if (s < 0) {
		reply(a, id, MSG_ST_UNKNOWN_SENSOR, "no such sensor", NULL, 0);
		return;
	}
	if (c->op == MSG_OP_SET_INTERVAL) {
		if (c->interval_ms < 10 || c->interval_ms > 86400000u) {
			reply(a, id, MSG_ST_OUT_OF_RANGE, "interval: expected 10..86400000 ms",
			      NULL, 0);
			return;
		}
		rc = sampler_set_interval(a->ag->sampler, (unsigned int)s, c->interval_ms);
	} else {
		rc = sampler_read_now(a->ag->sampler, (unsigned int)s);
		/* asked for now: do not let it wait in a bundle */
		if (!rc)
			publish_flush_bundles(a->ag);
	}
	reply(a, id, rc ? MSG_ST_INTERNAL : MSG_ST_OK, rc ? strerror(-rc) : "ok",
	      NULL, 0);
}

static void on_cmd(struct assoc *a, uint32_t id, const uint8_t *body, size_t len)
{
	uint8_t data[REPLY_BUF / 2];
	struct msg_cmd c;
	enum msg_err why;
	size_t n;

	if (msg_decode_cmd(body, len, &c, &why)) {
		bad(a, why);
		reply(a, id, MSG_ST_BAD_REQUEST, msg_err_str(why), NULL, 0);
		return;
	}
	a->st.cmds++;
	ALOG(a, LOG_INFO, "command %u: %.*s", id, (int)c.op_name.len, c.op_name.p);
	switch (c.op) {
	case MSG_OP_PING:
		reply(a, id, MSG_ST_OK, "pong", NULL, 0);
		break;
	case MSG_OP_STATUS:
		n = status_map(a, data, sizeof(data));
		reply(a, id, n ? MSG_ST_OK : MSG_ST_INTERNAL, n ? "ok" : "too large",
		      n ? data : NULL, n);
		break;
	case MSG_OP_SET_INTERVAL:
	case MSG_OP_READ_NOW:
		run_sensor_cmd(a, id, &c);
		break;
	case MSG_OP_CLOSE:
		reply(a, id, MSG_ST_OK, "closing", NULL, 0);
		assoc_close(a);
		break;
	default:
		a->ag->st.bad_msgs[MSG_ERR_TYPE]++;
		reply(a, id, MSG_ST_UNKNOWN_CMD, "unknown command", NULL, 0);
		break;
	}
}

void command_on_data(struct assoc *a, const struct ps_event *ev)
{
	const uint8_t *body;
	struct msg_hdr h;
	enum msg_err why;
	size_t len;
	int rc;

	if (ev->u.data.stream != MSG_STREAM_CTRL || ev->u.data.ppid != MSG_PPID) {
		bad(a, MSG_ERR_TYPE);
		return;
	}
	rc = msg_hdr_parse(ev->u.data.buf, ev->u.data.len, &h, &body, &len, &why);
	if (rc) {
		bad(a, why);
		if (why != MSG_ERR_TRUNCATED && h.type == MSG_CMD)
			reply(a, h.seq, MSG_ST_BAD_REQUEST, msg_err_str(why), NULL, 0);
		return;
	}
	if (h.type == MSG_ACK)
		on_ack(a, body, len);
	else if (h.type == MSG_CMD)
		on_cmd(a, h.seq, body, len);
	else
		bad(a, MSG_ERR_TYPE);
}
