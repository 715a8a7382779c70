// SPDX-License-Identifier: MIT
/*
 * tests/controller/ctl.c - the reference controller's run time: one
 * listening one-to-many endpoint, events in, JSON lines out, cumulative
 * ACKs per stream, scheduled commands. See tests/controller/README.md.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/msg.h"
#include "port/clock.h"
#include "port/loop.h"
#include "port/sctp.h"
#include "tests/controller/ctl.h"
#include "tests/controller/track.h"

#define LINE_MAX_LEN 8192
#define MAX_ASSOCS 256
#define EARLY_MAX 4096		/* messages held per association before HELLO */

/* A message that arrived before its association's HELLO (another stream
 * may overtake stream 0 after a loss): handled once the HELLO is in. */
struct early {
	uint16_t stream;
	size_t len;
	uint8_t *buf;
};

struct ctl_assoc {
	ps_assoc_id id;
	bool up;
	struct trk_agent *agent;	/* NULL until HELLO */
	uint32_t epoch;			/* its HELLO's epoch */
	struct early *early;
	unsigned int n_early;
};

struct ctl;

struct ctl_pending {
	struct ctl *c;
	const struct ctl_cmd *cmd;
	struct loop_timer *t;
	uint32_t id;
	bool sent;
};

struct ctl {
	const struct ctl_opts *o;
	struct loop *loop;
	struct ps_ep *ep;
	struct trk trk;
	struct loop_timer *ack_timer, *dur_timer;
	struct ctl_pending pend[CTL_MAX_CMDS];
	struct ctl_assoc assocs[MAX_ASSOCS];
	unsigned int n_assocs;
	struct trk_agent *first_agent;	/* first that said HELLO */
	uint32_t next_id;
	uint64_t start_ms;
};

static void elog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void elog(const char *fmt, ...)
{
	va_list ap;
	uint64_t ms = clock_mono_ms();

	fprintf(stderr, "[%llu.%03u] sctpctl: ", (unsigned long long)(ms / 1000),
		(unsigned int)(ms % 1000));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Finish a JSON line and print it (flushed: scenarios tail the output). */
static void emit(struct jbuf *b)
{
	if (jb_finish(b)) {
		elog("output line too long: cut");
		return;
	}
	fputs(b->p, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void early_free(struct ctl_assoc *a)
{
	for (unsigned int i = 0; i < a->n_early; i++)
		free(a->early[i].buf);
	free(a->early);
	a->early = NULL;
	a->n_early = 0;
}

static struct ctl_assoc *assoc_find(struct ctl *c, ps_assoc_id id, bool add)
{
	for (unsigned int i = 0; i < c->n_assocs; i++)
		if (c->assocs[i].id == id)
			return &c->assocs[i];
	if (!add)
		return NULL;
	if (c->n_assocs == MAX_ASSOCS) {
		/* reuse a dead slot */
		for (unsigned int i = 0; i < c->n_assocs; i++)
			if (!c->assocs[i].up) {
				early_free(&c->assocs[i]);
				memset(&c->assocs[i], 0, sizeof(c->assocs[i]));
				c->assocs[i].id = id;
				return &c->assocs[i];
			}
		return NULL;
	}
	memset(&c->assocs[c->n_assocs], 0, sizeof(c->assocs[0]));
	c->assocs[c->n_assocs].id = id;
	return &c->assocs[c->n_assocs++];
}

/* The agent an association speaks for ("assoc-N" before its HELLO). */
static struct trk_agent *agent_of(struct ctl *c, ps_assoc_id id)
{
	struct ctl_assoc *a = assoc_find(c, id, true);
	char name[32];
	int n;

	if (a && a->agent)
		return a->agent;
	n = snprintf(name, sizeof(name), "assoc-%u", (unsigned int)id);
	return trk_agent_get(&c->trk, name, (size_t)n);
}

static void bad(struct ctl *c, ps_assoc_id id, const char *why)
{
	c->trk.bad++;
	elog("assoc %u: rejected message: %s", (unsigned int)id, why);
}

static void line_start(struct jbuf *b, char *buf)
{
	jb_init(b, buf, LINE_MAX_LEN);
	jb_obj(b);
}

/* "agent", "controller", "assoc": the first keys of most lines. */
static void jb_who(struct jbuf *b, const struct ctl *c, const char *agent,
		   ps_assoc_id assoc)
{
	jb_key(b, "agent");
	jb_cstr(b, agent);
	jb_key(b, "controller");
	jb_cstr(b, c->o->name);
	jb_key(b, "assoc");
	jb_uint(b, assoc);
}

/* ---- ACKs --------------------------------------------------------------- */

/* One ACK message of up to MSG_MAX_ITEMS streams of @epoch that moved;
 * returns 1 if there was nothing (left) to send, 0 sent, < 0 error. */
static int ack_epoch(struct ctl *c, struct trk_agent *ag, struct ctl_assoc *a,
		     uint32_t epoch)
{
	struct msg_ack acks[MSG_MAX_ITEMS];
	struct trk_stream *ss[MSG_MAX_ITEMS];
	struct ps_sndinfo si = { .assoc = a->id, .stream = MSG_STREAM_CTRL,
				 .ppid = MSG_PPID };
	uint8_t buf[1024];
	unsigned int n = 0;
	size_t len;
	int rc;

	for (unsigned int i = 0; i < ag->n_streams && n < MSG_MAX_ITEMS; i++) {
		struct trk_stream *s = &ag->streams[i];

		if (s->epoch == epoch && s->contig > s->acked && s->contig >= s->first) {
			acks[n] = (struct msg_ack){ s->stream, trk_seq(s->contig) };
			ss[n++] = s;
		}
	}
	if (!n)
		return 1;
	/* the current epoch is implicit, another one is named */
	rc = msg_encode_ack(buf, sizeof(buf), epoch == ag->epoch ? 0 : epoch,
			    acks, n, &len);
	if (!rc)
		rc = ctl_dtls_send(c->ep, &si, buf, len);
	if (rc)
		return rc;
	for (unsigned int k = 0; k < n; k++)
		ss[k]->acked = ss[k]->contig;
	return 0;
}

/* Cumulative ACKs of every epoch with progress (nearly always one). */
static void ack_agent(struct ctl *c, struct trk_agent *ag)
{
	struct ctl_assoc *a = ag->assoc ? assoc_find(c, ag->assoc, false) : NULL;

	if (!a || !a->up || !a->agent)
		return;
	for (unsigned int i = 0; i < ag->n_streams; i++) {
		uint32_t e = ag->streams[i].epoch;
		int rc;

		while ((rc = ack_epoch(c, ag, a, e)) == 0)
			;
		if (rc < 0) {
			if (rc != -EAGAIN)
				elog("agent %s: ACK not sent: %s", ag->name, strerror(-rc));
			return;
		}
	}
}

static void on_ack_timer(void *arg, struct loop_timer *t)
{
	struct ctl *c = arg;

	(void)t;
	for (unsigned int i = 0; i < c->trk.n_agents; i++)
		ack_agent(c, c->trk.agents[i]);
}

/* ---- commands ----------------------------------------------------------- */

static struct trk_agent *cmd_target(struct ctl *c, const struct ctl_cmd *cmd)
{
	if (!cmd->agent[0])
		return c->first_agent;
	for (unsigned int i = 0; i < c->trk.n_agents; i++)
		if (strcmp(c->trk.agents[i]->name, cmd->agent) == 0)
			return c->trk.agents[i];
	return NULL;
}

static void on_cmd_timer(void *arg, struct loop_timer *t)
{
	struct ctl_pending *p = arg;
	struct ctl *c = p->c;
	struct trk_agent *ag = cmd_target(c, p->cmd);
	struct ctl_assoc *a = ag && ag->assoc ? assoc_find(c, ag->assoc, false) : NULL;
	struct msg_cmd mc = { .op = p->cmd->op, .sensor = msg_str_of(p->cmd->sensor),
			      .interval_ms = p->cmd->interval_ms };
	struct ps_sndinfo si = { .stream = MSG_STREAM_CTRL, .ppid = MSG_PPID };
	uint8_t buf[512];
	char line[LINE_MAX_LEN];
	struct jbuf b;
	size_t len;
	int rc;

	if (!a || !a->up) {
		/* the agent is not (yet) there: try again shortly */
		elog("command '%s': agent %s not connected; retrying",
		     p->cmd->text, p->cmd->agent[0] ? p->cmd->agent : "(first)");
		loop_timer_in(t, 200);
		return;
	}
	p->id = ++c->next_id;
	si.assoc = a->id;
	rc = msg_encode_cmd(buf, sizeof(buf), p->id, &mc, &len);
	if (!rc)
		rc = ctl_dtls_send(c->ep, &si, buf, len);
	if (rc == -EAGAIN || rc == -ENOTCONN) {	/* DTLS: handshake still running */
		loop_timer_in(t, 50);
		return;
	}
	line_start(&b, line);
	jb_key(&b, "event");
	jb_cstr(&b, "cmd");
	jb_key(&b, "agent");
	jb_cstr(&b, ag->name);
	jb_key(&b, "assoc");
	jb_uint(&b, a->id);
	jb_key(&b, "id");
	jb_uint(&b, p->id);
	jb_key(&b, "cmd");
	jb_cstr(&b, p->cmd->text);
	jb_key(&b, "time");
	jb_int(&b, clock_wall_ms());
	if (rc) {
		jb_key(&b, "error");
		jb_cstr(&b, strerror(-rc));
	}
	jb_end(&b);
	emit(&b);
	p->sent = !rc;
}

/* ---- incoming messages -------------------------------------------------- */

static void on_data(struct ctl *c, const struct ps_event *ev);

/* "gap" line: a range the agent said it will never send, and how many of
 * its seqs were still missing here (now counted lost). */
static void gap_line(struct ctl *c, const struct trk_agent *ag, ps_assoc_id id,
		     uint32_t epoch, uint16_t stream, uint32_t first, uint32_t last,
		     int64_t lost, const char *from)
{
	char line[LINE_MAX_LEN];
	struct jbuf b;

	line_start(&b, line);
	jb_key(&b, "event");
	jb_cstr(&b, "gap");
	jb_who(&b, c, ag->name, id);
	jb_key(&b, "epoch");
	jb_uint(&b, epoch);
	jb_key(&b, "stream");
	jb_uint(&b, stream);
	jb_key(&b, "first");
	jb_uint(&b, first);
	jb_key(&b, "last");
	jb_uint(&b, last);
	jb_key(&b, "lost");
	jb_int(&b, lost);
	jb_key(&b, "from");
	jb_cstr(&b, from);
	jb_key(&b, "time");
	jb_int(&b, clock_wall_ms());
	jb_end(&b);
	emit(&b);
}

static void hello_line(struct ctl *c, const struct ps_event *ev,
		       const struct trk_agent *ag, const struct msg_hello *h,
		       bool restarted)
{
	char line[LINE_MAX_LEN];
	struct jbuf b;

	line_start(&b, line);
	jb_key(&b, "event");
	jb_cstr(&b, "hello");
	jb_who(&b, c, ag->name, ev->assoc);
	jb_key(&b, "sw");
	jb_str(&b, h->sw.p, h->sw.len);
	jb_key(&b, "proto");
	jb_uint(&b, h->proto);
	jb_key(&b, "boot");
	jb_uint(&b, h->boot_id);
	jb_key(&b, "start");
	jb_uint(&b, h->start_ms);
	jb_key(&b, "reset");		/* a new run of a known agent */
	jb_bool(&b, restarted);
	jb_key(&b, "streams");
	jb_arr(&b);
	for (unsigned int i = 0; i < h->n_streams; i++) {
		jb_obj(&b);
		jb_key(&b, "stream");
		jb_uint(&b, h->streams[i].stream);
		jb_key(&b, "sensor");
		jb_str(&b, h->streams[i].sensor.p, h->streams[i].sensor.len);
		jb_key(&b, "unit");
		jb_str(&b, h->streams[i].unit.p, h->streams[i].unit.len);
		jb_end(&b);
	}
	jb_end(&b);
	jb_key(&b, "epoch");
	jb_uint(&b, h->epoch);
	jb_key(&b, "time");
	jb_int(&b, clock_wall_ms());
	jb_end(&b);
	emit(&b);
}

/* The messages that came before the HELLO, now that it is in. */
static void run_early(struct ctl *c, ps_assoc_id id, struct ctl_assoc *a)
{
	struct early *e = a->early;
	unsigned int n = a->n_early;

	a->early = NULL;
	a->n_early = 0;
	for (unsigned int i = 0; i < n; i++) {
		struct ps_event ev = { .type = PS_EV_DATA, .assoc = id };

		ev.u.data.stream = e[i].stream;
		ev.u.data.ppid = MSG_PPID;
		ev.u.data.buf = e[i].buf;
		ev.u.data.len = e[i].len;
		on_data(c, &ev);
		free(e[i].buf);
	}
	free(e);
}

static void on_hello(struct ctl *c, const struct ps_event *ev,
		     const uint8_t *body, size_t blen)
{
	struct msg_stream_info si[MSG_MAX_ITEMS];
	struct msg_low low[MSG_MAX_LOW];
	struct msg_hello h;
	enum msg_err why = MSG_OK;
	struct trk_agent *ag;
	struct ctl_assoc *a;
	bool restarted;

	if (msg_decode_hello(body, blen, &h, si, MSG_MAX_ITEMS, low, MSG_MAX_LOW, &why)) {
		bad(c, ev->assoc, msg_err_str(why));
		return;
	}
	if (!h.name.len) {
		bad(c, ev->assoc, "HELLO with an empty name");
		return;
	}
	ag = trk_hello(&c->trk, h.name.p, h.name.len, h.boot_id, h.epoch, &restarted);
	a = assoc_find(c, ev->assoc, true);
	if (!ag || !a) {
		elog("out of memory");
		return;
	}
	a->agent = ag;
	a->epoch = h.epoch;
	ag->assoc = ev->assoc;
	/* a new association: ACK again from scratch */
	for (unsigned int i = 0; i < ag->n_streams; i++)
		ag->streams[i].acked = INT64_MIN;
	if (!c->first_agent)
		c->first_agent = ag;
	hello_line(c, ev, ag, &h, restarted);
	for (unsigned int i = 0; i < h.n_low; i++) {
		int64_t n = trk_low(&c->trk, ag, h.low[i].epoch, h.low[i].stream,
				    h.low[i].seq);

		if (n > 0)
			gap_line(c, ag, ev->assoc, h.low[i].epoch, h.low[i].stream,
				 h.low[i].seq - (uint32_t)n, h.low[i].seq - 1, n, "hello");
	}
	run_early(c, ev->assoc, a);
}

static void on_gap(struct ctl *c, const struct ps_event *ev, struct ctl_assoc *a,
		   const struct msg_hdr *hd, const uint8_t *body, size_t blen)
{
	struct msg_gap g[MSG_MAX_ITEMS];
	enum msg_err why = MSG_OK;
	uint32_t epoch = hd->epoch ? hd->epoch : a->epoch;
	unsigned int n;

	if (msg_decode_gap(body, blen, g, MSG_MAX_ITEMS, &n, &why)) {
		bad(c, ev->assoc, msg_err_str(why));
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		int64_t lost = trk_gap(&c->trk, a->agent, epoch, g[i].stream,
				       g[i].first, g[i].last);

		if (lost < 0)
			elog("out of memory");
		gap_line(c, a->agent, ev->assoc, epoch, g[i].stream, g[i].first,
			 g[i].last, lost, "gap");
	}
}

static void on_readings(struct ctl *c, const struct ps_event *ev, struct ctl_assoc *a,
			const struct msg_hdr *hd, const uint8_t *body, size_t blen)
{
	struct msg_reading r[MSG_MAX_ITEMS];
	enum msg_err why = MSG_OK;
	struct trk_agent *ag = a->agent;
	enum trk_verdict v;
	char line[LINE_MAX_LEN];
	struct jbuf b;
	unsigned int n;

	if (msg_decode_readings(body, blen, r, MSG_MAX_ITEMS, &n, &why)) {
		bad(c, ev->assoc, msg_err_str(why));
		return;
	}
	v = trk_see(&c->trk, ag, hd->epoch ? hd->epoch : a->epoch, ev->u.data.stream,
		    hd->seq);
	if (v == TRK_DUP || v == TRK_ERR || c->o->quiet)
		return;
	for (unsigned int i = 0; i < n; i++) {
		line_start(&b, line);
		jb_who(&b, c, ag->name, ev->assoc);
		jb_key(&b, "stream");
		jb_uint(&b, ev->u.data.stream);
		jb_key(&b, "seq");
		jb_uint(&b, hd->seq);
		jb_key(&b, "sensor");
		if (r[i].name.len)
			jb_str(&b, r[i].name.p, r[i].name.len);
		else
			jb_str(&b, r[i].base.p, r[i].base.len);
		jb_key(&b, "value");
		jb_num(&b, r[i].value);
		jb_key(&b, "unit");
		jb_str(&b, r[i].unit.p, r[i].unit.len);
		jb_key(&b, "time");
		jb_int(&b, r[i].time_ms);
		jb_key(&b, "rx_ms");	/* this controller's wall clock now */
		jb_int(&b, clock_wall_ms());
		if (v == TRK_LATE) {
			jb_key(&b, "late");
			jb_bool(&b, true);
		}
		if (hd->epoch && hd->epoch != a->epoch) {
			jb_key(&b, "epoch");	/* a reading of an older run */
			jb_uint(&b, hd->epoch);
		}
		if (r[i].unsynced) {	/* the agent's wall clock was not synced */
			jb_key(&b, "unsync");
			jb_bool(&b, true);
		}
		jb_end(&b);
		emit(&b);
	}
}

static void on_reply(struct ctl *c, const struct ps_event *ev,
		     const struct msg_hdr *hd, const uint8_t *body, size_t blen)
{
	struct msg_reply rp;
	enum msg_err why = MSG_OK;
	struct trk_agent *ag;
	char line[LINE_MAX_LEN];
	struct jbuf b;

	if (msg_decode_reply(body, blen, &rp, &why)) {
		bad(c, ev->assoc, msg_err_str(why));
		return;
	}
	ag = agent_of(c, ev->assoc);
	line_start(&b, line);
	jb_key(&b, "event");
	jb_cstr(&b, "reply");
	jb_who(&b, c, ag ? ag->name : "?", ev->assoc);
	jb_key(&b, "id");
	jb_uint(&b, hd->seq);
	jb_key(&b, "status");
	jb_uint(&b, rp.status);
	jb_key(&b, "msg");
	jb_str(&b, rp.msg.p, rp.msg.len);
	if (rp.data) {
		jb_key(&b, "data");
		if (jb_cbor(&b, rp.data, rp.data_len)) {
			/* cannot happen after a successful decode; be safe */
			line_start(&b, line);
			jb_key(&b, "event");
			jb_cstr(&b, "reply");
			jb_key(&b, "id");
			jb_uint(&b, hd->seq);
			jb_key(&b, "data_error");
			jb_bool(&b, true);
		}
	}
	jb_key(&b, "time");
	jb_int(&b, clock_wall_ms());
	jb_end(&b);
	emit(&b);
}

/* A protocol-1 agent: this controller needs 2 (GAP, epochs). Said once,
 * and that association alone is aborted. */
static void refuse_v1(struct ctl *c, ps_assoc_id id)
{
	struct ps_sndinfo si = { .assoc = id, .flags = PS_SEND_ABORT };
	static const char why[] = "agent speaks protocol 1; this controller needs 2";

	c->trk.bad++;
	elog("assoc %u: %s: aborting that association", (unsigned int)id, why);
	ps_send(c->ep, &si, why, sizeof(why) - 1);
}

/* Hold a message until its association's HELLO is in. */
static void hold_early(struct ctl *c, struct ctl_assoc *a, const struct ps_event *ev)
{
	struct early *e;

	if (a->n_early == EARLY_MAX) {
		bad(c, ev->assoc, "too many messages before HELLO");
		return;
	}
	e = realloc(a->early, (a->n_early + 1) * sizeof(*e));
	if (!e) {
		elog("out of memory");
		return;
	}
	a->early = e;
	e = &a->early[a->n_early];
	e->buf = malloc(ev->u.data.len ? ev->u.data.len : 1);
	if (!e->buf)
		return;
	memcpy(e->buf, ev->u.data.buf, ev->u.data.len);
	e->len = ev->u.data.len;
	e->stream = ev->u.data.stream;
	a->n_early++;
}

static void on_data(struct ctl *c, const struct ps_event *ev)
{
	struct msg_hdr hd;
	const uint8_t *body;
	size_t blen;
	enum msg_err why = MSG_OK;
	uint16_t st = ev->u.data.stream;
	struct ctl_assoc *a;

	if (ev->u.data.ppid != MSG_PPID) {
		bad(c, ev->assoc, "foreign PPID");
		return;
	}
	if (msg_hdr_parse(ev->u.data.buf, ev->u.data.len, &hd, &body, &blen, &why)) {
		bad(c, ev->assoc, msg_err_str(why));
		return;
	}
	if ((hd.type == MSG_READINGS) != (st != MSG_STREAM_CTRL)) {
		bad(c, ev->assoc, "message on the wrong stream");
		return;
	}
	if (hd.version < MSG_VERSION) {
		if (hd.type == MSG_HELLO)
			refuse_v1(c, ev->assoc);
		else
			bad(c, ev->assoc, "protocol 1 message");
		return;
	}
	a = assoc_find(c, ev->assoc, true);
	if (!a) {
		elog("too many associations");
		return;
	}
	if (hd.type != MSG_HELLO && hd.type != MSG_REPLY && !a->agent) {
		hold_early(c, a, ev);
		return;
	}
	switch (hd.type) {
	case MSG_HELLO:
		on_hello(c, ev, body, blen);
		break;
	case MSG_READINGS:
		on_readings(c, ev, a, &hd, body, blen);
		break;
	case MSG_GAP:
		on_gap(c, ev, a, &hd, body, blen);
		break;
	case MSG_REPLY:
		on_reply(c, ev, &hd, body, blen);
		break;
	default:
		bad(c, ev->assoc, "ACK or CMD sent to a controller");
		break;
	}
}

static void dtls_deliver(void *arg, const struct ps_event *ev)
{
	on_data(arg, ev);
}

static const char *assoc_state_json(enum ps_assoc_state s)
{
	switch (s) {
	case PS_COMM_UP: return "up";
	case PS_COMM_LOST: return "lost";
	case PS_RESTART: return "restart";
	case PS_SHUTDOWN_COMP: return "shutdown_comp";
	case PS_CANT_STR_ASSOC: return "cant_start";
	}
	return "?";
}

static void on_assoc_change(struct ctl *c, const struct ps_event *ev)
{
	enum ps_assoc_state s = ev->u.assoc.state;
	struct ctl_assoc *a = assoc_find(c, ev->assoc, s == PS_COMM_UP ||
					 s == PS_RESTART);
	char line[LINE_MAX_LEN];
	struct jbuf b;

	if (a)
		a->up = s == PS_COMM_UP || s == PS_RESTART;
	if (a && !a->up)
		early_free(a);
	line_start(&b, line);
	jb_key(&b, "event");
	jb_cstr(&b, "assoc");
	jb_key(&b, "controller");
	jb_cstr(&b, c->o->name);
	jb_key(&b, "state");
	jb_cstr(&b, assoc_state_json(s));
	jb_key(&b, "assoc");
	jb_uint(&b, ev->assoc);
	if (a && a->agent) {
		jb_key(&b, "agent");
		jb_cstr(&b, a->agent->name);
	}
	jb_key(&b, "error");
	jb_uint(&b, ev->u.assoc.error);
	jb_key(&b, "out_streams");
	jb_uint(&b, ev->u.assoc.out_streams);
	jb_key(&b, "in_streams");
	jb_uint(&b, ev->u.assoc.in_streams);
	jb_key(&b, "time");
	jb_int(&b, clock_wall_ms());
	jb_end(&b);
	emit(&b);
}

static void on_event(struct ctl *c, const struct ps_event *ev)
{
	char addr[NET_ADDR_STRLEN];

	if (ctl_dtls_on()) {	/* DTLS: records in, decrypted DATA back (dtls.c) */
		ctl_dtls_event(ev);
		if (ev->type == PS_EV_DATA)
			return;
	}
	switch (ev->type) {
	case PS_EV_DATA:
		on_data(c, ev);
		break;
	case PS_EV_ASSOC_CHANGE:
		on_assoc_change(c, ev);
		break;
	case PS_EV_SHUTDOWN: {
		char line[LINE_MAX_LEN];
		struct jbuf b;

		line_start(&b, line);
		jb_key(&b, "event");
		jb_cstr(&b, "shutdown");
		jb_key(&b, "assoc");
		jb_uint(&b, ev->assoc);
		jb_key(&b, "time");
		jb_int(&b, clock_wall_ms());
		jb_end(&b);
		emit(&b);
		break;
	}
	case PS_EV_PEER_ADDR_CHANGE:
		net_addr_format(&ev->u.paddr.addr, addr, sizeof(addr));
		elog("assoc %u: peer address %s %s", (unsigned int)ev->assoc, addr,
		     ps_addr_state_name(ev->u.paddr.state));
		break;
	case PS_EV_SENDER_DRY:	/* every time the queue empties: noise */
		break;
	default:
		elog("assoc %u: event %s", (unsigned int)ev->assoc, ps_ev_name(ev->type));
		break;
	}
}

static void on_sctp(void *arg, int fd, uint32_t events)
{
	struct ctl *c = arg;
	struct ps_event ev;

	(void)fd;
	(void)events;
	for (int i = 0; i < 256; i++) {
		int rc = ps_recv(c->ep, &ev);

		if (rc == -EAGAIN)
			return;
		if (rc) {
			elog("receive failed: %s", strerror(-rc));
			if (rc == -EIO)
				loop_stop(c->loop);
			return;
		}
		on_event(c, &ev);
	}
}

static void on_signal(void *arg, enum loop_sig sig)
{
	struct ctl *c = arg;

	elog("signal %d: stopping", (int)sig);
	loop_stop(c->loop);
}

static void on_duration(void *arg, struct loop_timer *t)
{
	struct ctl *c = arg;

	(void)t;
	loop_stop(c->loop);
}

static int setup(struct ctl *c)
{
	const struct ctl_opts *o = c->o;
	struct ps_config pc = {
		.local = o->addrs, .n_local = o->n_addrs, .port = o->port,
		.out_streams = 4, .in_streams = 1024, .init_max_attempts = 4,
		.init_timeout_ms = 3000, .max_msg = 64 * 1024, .nodelay = true,
		.listen = true,
		.interleave = o->interleave,
	};
	int rc = loop_create(&c->loop);

	if (rc) {
		elog("loop: %s", strerror(-rc));
		return rc;
	}
	rc = ps_open(&pc, &c->ep);
	if (rc) {
		elog("cannot open the SCTP endpoint on port %u: %s%s", o->port,
		     strerror(-rc), rc == -EPROTONOSUPPORT ?
		     " (no SCTP in this kernel: modprobe sctp)" : "");
		return rc;
	}
	{
		/* every future association: the kernel's delayed SACK unless
		 * told (a realistic peer: the agent must not need more) and
		 * heartbeats as sparse as asked */
		struct ps_path_params hp = { .hb_interval_ms = o->hb_ms,
					     .pf_threshold = PS_PF_UNSET,
					     .sack_freq = o->sack_freq };
		rc = ps_set_path_params(c->ep, 0, NULL, &hp);
		if (rc)
			elog("--hb-ms %u / --sack-freq %u refused: %s", o->hb_ms,
			     o->sack_freq, strerror(-rc));
	}
	if ((o->dtls.psk_table || o->dtls.ca) &&
	    ctl_dtls_init(c->ep, c->loop, &o->dtls, dtls_deliver, c))
		return -EINVAL;
	rc = loop_watch(c->loop, ps_fd(c->ep), LOOP_IN, on_sctp, c);
	rc = rc ? rc : loop_timer_new(c->loop, on_ack_timer, c, &c->ack_timer);
	rc = rc ? rc : loop_timer_new(c->loop, on_duration, c, &c->dur_timer);
	for (unsigned int i = 0; !rc && i < o->n_cmds; i++) {
		c->pend[i].c = c;
		c->pend[i].cmd = &o->cmds[i];
		rc = loop_timer_new(c->loop, on_cmd_timer, &c->pend[i], &c->pend[i].t);
		if (!rc)
			loop_timer_at(c->pend[i].t, c->start_ms + o->cmds[i].at_ms, 0);
	}
	rc = rc ? rc : loop_signal(c->loop, LOOP_SIG_TERM, on_signal, c);
	rc = rc ? rc : loop_signal(c->loop, LOOP_SIG_INT, on_signal, c);
	if (rc) {
		elog("setup: %s", strerror(-rc));
		return rc;
	}
	if (o->ack_ms)
		loop_timer_at(c->ack_timer, c->start_ms + o->ack_ms, o->ack_ms);
	if (o->duration_s)
		loop_timer_in(c->dur_timer, o->duration_s * 1000u);
	return 0;
}

int ctl_create(const struct ctl_opts *o, struct ctl **out)
{
	struct ctl *c = calloc(1, sizeof(*c));	/* large: not on the stack */
	int rc;

	if (!c)
		return -ENOMEM;
	c->o = o;
	c->start_ms = clock_mono_ms();
	trk_init(&c->trk);
	rc = setup(c);
	if (rc) {
		ctl_destroy(c);
		return rc;
	}
	*out = c;
	return 0;
}

struct loop *ctl_loop(struct ctl *c)
{
	return c->loop;
}

const struct trk *ctl_trk(const struct ctl *c)
{
	return &c->trk;
}

void ctl_destroy(struct ctl *c)
{
	if (!c)
		return;
	for (unsigned int i = 0; i < c->n_assocs; i++)
		early_free(&c->assocs[i]);
	for (unsigned int i = 0; i < c->o->n_cmds; i++)
		loop_timer_free(c->pend[i].t);
	loop_timer_free(c->ack_timer);
	loop_timer_free(c->dur_timer);
	if (c->ep && c->loop)
		loop_unwatch(c->loop, ps_fd(c->ep));
	ctl_dtls_fini();
	ps_close(c->ep);
	loop_destroy(c->loop);
	trk_free(&c->trk);
	free(c);
}

void ctl_summary(struct ctl *c)
{
	static char line[LINE_MAX_LEN * 4];
	struct jbuf b;

	jb_init(&b, line, sizeof(line));
	trk_summary_json_open(&c->trk, c->o->name, &b);
	ctl_dtls_summary(&b);	/* "dtls": handshakes, refusals (none without) */
	jb_end(&b);
	emit(&b);
}

int ctl_run(const struct ctl_opts *o)
{
	char a0[NET_ADDR_STRLEN];
	struct ctl *c;
	int rc = ctl_create(o, &c);

	if (rc)
		return 1;
	net_addr_format(&o->addrs[0], a0, sizeof(a0));
	elog("controller '%s' listening on %s (%u address%s) port %u",
	     o->name, a0, o->n_addrs, o->n_addrs == 1 ? "" : "es", o->port);
	rc = loop_run(c->loop);
	if (rc)
		elog("loop: %s", strerror(-rc));
	ctl_summary(c);
	ctl_destroy(c);
	return rc ? 1 : 0;
}
