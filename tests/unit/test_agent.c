/* SPDX-License-Identifier: MIT */
/*
 * The association core against the fake port and the fake clock: one
 * endpoint, three controllers, HELLO on COMM_UP, SENDALL fan-out when
 * everyone is up, unicast + queue when not, reconnect backoff, SEND_FAILED
 * re-queueing, per-association close, graceful stop, commands.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/agent.h"
#include "agent/agent_int.h"
#include "agent/cbor.h"
#include "agent/kconfig.h"
#include "agent/msg.h"
#include "agent/outbox.h"
#include "agent/sensor.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

static const char ini3[] =
	"[agent]\nname = t1\nreconnect_min_ms = 1000\nreconnect_max_ms = 60000\n"
	"shutdown_timeout_ms = 2000\n"
	"[path.eth]\ninterface = eth0\naddress = 10.0.0.2\n"
	"[controller.a]\naddress = 10.0.1.1, 10.1.1.1\n"
	"[controller.b]\naddress = 10.0.2.1\n"
	"[controller.c]\naddress = 10.0.3.1\n"
	"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\nunit = Cel\n"
	"[sensor.hum]\ndriver = simulated\nsource = counter:start=50\ninterval_ms = 1000\n"
	"unit = %RH\nordered = false\nlifetime_ms = 500\ncontrollers = a\n";

static uint64_t bad_count(struct t *t, enum msg_err why)
{
	struct command_stats cs;

	command_get_stats(t->ag->cmd, &cs);
	return cs.bad_msgs[why];
}

static void run(struct t *t)
{
	harness_run(t);
}

static int setup(void **state)
{
	*state = harness_start(ini3);
	return 0;
}

static int teardown(void **state)
{
	harness_stop(*state);
	return 0;
}

static struct msg_hdr hdr_of(const struct fake_sctp_msg *m)
{
	struct msg_hdr h;
	const uint8_t *body;
	size_t len;
	enum msg_err why;

	assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, &body, &len, &why), 0);
	return h;
}

static double value_of(const struct fake_sctp_msg *m)
{
	struct msg_hdr h;
	const uint8_t *body;
	size_t len;
	enum msg_err why;
	struct msg_reading r[4];
	unsigned int n;

	assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, &body, &len, &why), 0);
	assert_int_equal(h.type, MSG_READINGS);
	assert_int_equal(msg_decode_readings(body, len, r, 4, &n, &why), 0);
	assert_int_equal(n, 1);
	return r[0].value;
}

static void all_up(struct t *t)
{
	for (ps_assoc_id id = 1; id <= 3; id++)
		fake_sctp_comm_up(t->ep, id);
	run(t);
}

static void test_connects_every_controller(void **state)
{
	struct t *t = *state;
	const struct ps_config *pc = fake_sctp_config(t->ep);
	const struct fake_sctp_call *c;

	assert_int_equal(fake_sctp_nep(), 1);		/* one socket */
	assert_int_equal(pc->n_local, 1);		/* bound to the path */
	assert_int_equal(pc->local[0].a[3], 2);
	assert_int_equal(pc->out_streams, 3);		/* highest stream 2 + 1 */
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 3);
	c = fake_sctp_call(t->ep, FAKE_SCTP_CONNECT, 0);
	assert_int_equal(c->n_addrs, 2);		/* multihomed controller */
	assert_int_equal(c->addrs[1].a[1], 1);
	assert_int_equal(c->addrs[0].port, 9910);
}

static void test_hello_on_comm_up(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_msg *m;
	struct msg_hello h;
	struct msg_stream_info si[8];
	struct msg_low low[8];
	const uint8_t *body;
	size_t len;
	enum msg_err why;
	struct msg_hdr hd;

	fake_sctp_comm_up(t->ep, 1);
	run(t);
	assert_int_equal(fake_sctp_nsent(t->ep), 1);
	m = fake_sctp_sent(t->ep, 0);
	assert_int_equal(m->assoc, 1);
	assert_int_equal(m->si.stream, 0);
	assert_int_equal(m->si.ppid, MSG_PPID);
	assert_int_equal(msg_hdr_parse(m->buf, m->len, &hd, &body, &len, &why), 0);
	assert_int_equal(hd.type, MSG_HELLO);
	assert_int_equal(msg_decode_hello(body, len, &h, si, 8, low, 8, &why), 0);
	assert_int_equal(h.name.len, 2);
	assert_memory_equal(h.name.p, "t1", 2);
	assert_int_equal(h.n_streams, 2);		/* controller a takes both */
	assert_int_equal(si[0].stream, 1);
	assert_memory_equal(si[1].sensor.p, "hum", 3);

	/* RESTART: the peer restarted, HELLO again */
	fake_sctp_assoc_change(t->ep, 1, PS_RESTART);
	run(t);
	assert_int_equal(fake_sctp_nsent(t->ep), 2);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 1)).type, MSG_HELLO);
}

static void test_sendall_when_all_up(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_msg *m;

	all_up(t);
	fake_sctp_clear_sent(t->ep);
	fake_loop_advance(t->l, 100);			/* one temp reading */
	run(t);
	assert_int_equal(fake_sctp_nsent(t->ep), 3);
	for (unsigned int i = 0; i < 3; i++) {
		m = fake_sctp_sent(t->ep, i);
		assert_true(m->si.flags & PS_SEND_SENDALL);
		assert_int_equal(m->call, fake_sctp_sent(t->ep, 0)->call); /* one call */
		assert_int_equal(m->si.stream, 1);
		assert_int_equal(hdr_of(m).seq, 1);
		assert_true(value_of(m) == 1.0);
	}
	{
		struct publish_stats ps;
		publish_get_stats(t->ag->pub, &ps);
		assert_int_equal(ps.sendall, 1);
	}
	/* hum goes to controller a only: unicast, unordered, with lifetime */
	fake_sctp_clear_sent(t->ep);
	fake_loop_advance(t->l, 900);
	run(t);
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++)
		if (fake_sctp_sent(t->ep, i)->si.stream == 2)
			m = fake_sctp_sent(t->ep, i);
	assert_int_equal(fake_sctp_nsent_to(t->ep, 1), 9 + 1);
	assert_int_equal(m->assoc, 1);
	assert_int_equal(m->si.stream, 2);
	assert_true(m->si.flags & PS_SEND_UNORDERED);
	assert_false(m->si.flags & PS_SEND_SENDALL);
	assert_int_equal(m->si.lifetime_ms, 500);
}

static void test_down_controller_queued_and_replayed(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_call *c;
	unsigned int to_b = 0;
	uint32_t next = 1;

	all_up(t);
	fake_sctp_comm_lost(t->ep, 2);
	run(t);
	fake_sctp_clear_sent(t->ep);
	fake_loop_advance(t->l, 500);			/* 5 temp readings */
	run(t);
	/* a and c get them one by one, b's are queued */
	assert_int_equal(fake_sctp_nsent_to(t->ep, 1), 5);
	assert_int_equal(fake_sctp_nsent_to(t->ep, 3), 5);
	assert_int_equal(fake_sctp_nsent_to(t->ep, 2), 0);
	assert_false(fake_sctp_last_send(t->ep)->si.flags & PS_SEND_SENDALL);
	/* reconnect after 1 s +-20 %, with a new association id */
	fake_loop_advance(t->l, 1300);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 4);
	/* lost at the start: back in 800..1200 ms */
	assert_true(c->at_ms - FAKE_CLOCK_START_MS >= 800);
	assert_true(c->at_ms - FAKE_CLOCK_START_MS <= 1200);
	fake_sctp_comm_up(t->ep, c->assoc);
	run(t);
	/* HELLO, then every queued reading in order, then live ones */
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		struct msg_hdr h;
		if (m->assoc != c->assoc)
			continue;
		h = hdr_of(m);
		if (to_b++ == 0) {
			assert_int_equal(h.type, MSG_HELLO);
			continue;
		}
		if (m->si.stream != 1)
			continue;
		assert_int_equal(h.seq, next);
		next++;
	}
	assert_true(next > 5);		/* all of 1..5 and what followed */
}

static void send_ack(struct t *t, ps_assoc_id id, uint16_t stream, uint32_t seq)
{
	struct msg_ack ack = { stream, seq };
	uint8_t buf[64];
	size_t len;

	assert_int_equal(msg_encode_ack(buf, sizeof(buf), 0, &ack, 1, &len), 0);
	fake_sctp_data(t->ep, id, 0, MSG_PPID, buf, len);
	run(t);
}

static void test_backoff_doubles_to_cap(void **state)
{
	struct t *t = *state;
	uint64_t last = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->at_ms;
	uint32_t base = 1000;

	for (int i = 0; i < 9; i++) {
		const struct fake_sctp_call *c = fake_sctp_call(t->ep, FAKE_SCTP_CONNECT, 0);
		unsigned int before = fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT);
		uint64_t delay;

		/* controller a keeps failing to associate */
		c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
		fake_sctp_assoc_change(t->ep, i == 0 ? 1 : c->assoc, PS_CANT_STR_ASSOC);
		run(t);
		fake_loop_advance_to_next(t->l);
		while (fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT) == before)
			fake_loop_advance_to_next(t->l);
		c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
		delay = c->at_ms - last;
		last = c->at_ms;
		assert_true(delay >= base * 8 / 10);
		assert_true(delay <= base * 12 / 10 + 100);
		base = base * 2 > 60000 ? 60000 : base * 2;
	}
	/* COMM_UP alone does not reset it (the next test); the controller's
	 * first valid message does: the backoff starts again at 1 s */
	fake_sctp_comm_up(t->ep, fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc);
	run(t);
	assert_int_equal(t->ag->assoc[0].backoff_ms, 60000);
	send_ack(t, fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc, 1, 1);
	assert_int_equal(t->ag->assoc[0].backoff_ms, 1000);
}

static void wait_connect(struct t *t)
{
	unsigned int before = fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT);

	while (fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT) == before)
		fake_loop_advance_to_next(t->l);
}

/* Controller a's last connect comes up, lives @up_for_ms and is lost:
 * the time from the loss to its next connect. */
static uint64_t up_then_abort(struct t *t, uint64_t up_for_ms)
{
	const struct fake_sctp_call *c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	ps_assoc_id id = c->assoc;
	uint64_t lost;

	fake_sctp_comm_up(t->ep, id);
	run(t);
	assert_int_equal(t->ag->assoc[0].state, AS_UP);
	fake_loop_advance(t->l, up_for_ms);
	run(t);
	fake_sctp_comm_lost(t->ep, id);
	run(t);
	lost = clock_mono_ms();
	wait_connect(t);
	return fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->at_ms - lost;
}

/* A controller that aborts every association right after COMM_UP (a DTLS
 * controller refusing a plaintext board, one that does not know it) saw
 * a connect every reconnect_min_ms forever: COMM_UP reset the backoff. */
static void test_abort_after_comm_up_backs_off(void **state)
{
	struct t *t = *state;
	uint64_t d[6];

	fake_sctp_assoc_change(t->ep, 1, PS_CANT_STR_ASSOC);
	run(t);
	wait_connect(t);
	for (int i = 0; i < 6; i++)
		d[i] = up_then_abort(t, 50);
	/* 2 s, 4 s, ... +-20 %: each delay longer than the one before */
	for (int i = 1; i < 6; i++)
		assert_true(d[i] > d[i - 1]);
	assert_true(d[5] >= 48000);
}

/* An association that stayed up ASSOC_STABLE_MS (10 s) proved good even
 * from a controller that never sends anything (sctp_darn): the next
 * reconnect is at reconnect_min_ms again. */
static void test_stable_association_resets_backoff(void **state)
{
	struct t *t = *state;
	uint64_t d;

	fake_sctp_assoc_change(t->ep, 1, PS_CANT_STR_ASSOC);
	run(t);
	wait_connect(t);
	for (int i = 0; i < 4; i++)
		up_then_abort(t, 50);
	assert_true(t->ag->assoc[0].backoff_ms >= 16000);
	d = up_then_abort(t, 9000);		/* not yet stable: grows */
	assert_true(d >= 32000 * 8 / 10);
	d = up_then_abort(t, 10000);
	assert_true(d >= 800 && d <= 1200);
}

static void test_jitter_bounds(void **state)
{
	(void)state;
	assert_int_equal(assoc_jitter(1000, 0), 800);
	assert_int_equal(assoc_jitter(1000, 400), 1200);
	assert_int_equal(assoc_jitter(1000, 401), 800);
	for (uint32_t r = 0; r < 100000; r += 7919) {
		uint32_t j = assoc_jitter(60000, r * 2654435761u);
		assert_true(j >= 48000 && j <= 72000);
	}
}


static void test_send_failed_requeued(void **state)
{
	struct t *t = *state;
	unsigned int n;

	all_up(t);
	fake_sctp_clear_sent(t->ep);
	fake_loop_advance(t->l, 300);			/* seq 1..3 by SENDALL */
	run(t);
	n = fake_sctp_nsent(t->ep);
	assert_int_equal(n, 9);
	/* b ACKed seq 1; it loses the association; the stack returns 2, 3 */
	send_ack(t, 2, 1, 1);
	fake_sctp_fail_sent(t->ep, 4, false);		/* 2nd SENDALL, b's copy */
	fake_sctp_fail_sent(t->ep, 7, true);
	fake_sctp_comm_lost(t->ep, 2);
	run(t);
	assert_int_equal(t->ag->assoc[1].st.send_failed, 2);
	assert_int_equal(t->ag->assoc[1].st.requeued, 2);
	fake_loop_advance(t->l, 1300);
	fake_sctp_comm_up(t->ep, fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc);
	fake_sctp_clear_sent(t->ep);
	run(t);
	/* after HELLO: seq 2, 3 (un-ACKed, once each although also returned)
	 * before the readings queued while b was down */
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 0)).type, MSG_HELLO);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 1)).seq, 2);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 2)).seq, 3);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 3)).seq, 4);
	/* everything after HELLO came from the outbox, seq 2 on */
	assert_int_equal(t->ag->assoc[1].st.replayed, fake_sctp_nsent(t->ep) - 1);
	assert_int_equal(hdr_of(fake_sctp_last_send(t->ep)).seq,
			 t->ag->assoc[1].assigned[1]);
}

/* A controller that crashed with readings delivered by SCTP but never
 * read: everything it did not ACK goes out again on the new association. */
static void test_unacked_replayed_after_reconnect(void **state)
{
	struct t *t = *state;

	all_up(t);
	fake_loop_advance(t->l, 1000);			/* temp seq 1..10 */
	run(t);
	send_ack(t, 1, 1, 6);				/* a read up to 6 */
	fake_sctp_assoc_change(t->ep, 1, PS_SHUTDOWN_COMP);	/* a killed */
	run(t);
	fake_loop_advance(t->l, 1300);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_comm_up(t->ep, fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc);
	run(t);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 0)).type, MSG_HELLO);
	{
		uint32_t want = 7, readings = 0;

		for (unsigned int i = 1; i < fake_sctp_nsent(t->ep); i++) {
			if (hdr_of(fake_sctp_sent(t->ep, i)).type == MSG_READINGS)
				readings++;
			if (fake_sctp_sent(t->ep, i)->si.stream == 1)
				assert_int_equal(hdr_of(fake_sctp_sent(t->ep, i)).seq,
						 want++);
		}
		/* 7..10 again, then what came while it was down, in order */
		assert_int_equal(want, t->ag->assoc[0].assigned[1] + 1);
		assert_int_equal(t->ag->assoc[0].st.replayed, readings);
	}
	/* hum seq 1 (lifetime 500 ms, never ACKed) is past its lifetime: not
	 * sent again, named in a GAP so the controller's point moves on */
	assert_int_equal(t->ag->assoc[0].st.expired, 1);
}

/* Lost again before the replay got out: nothing is forgotten. */
static void test_second_loss_during_replay(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_call *c;
	unsigned int seen = 0;

	all_up(t);
	fake_loop_advance(t->l, 500);			/* temp seq 1..5 */
	run(t);
	fake_sctp_comm_lost(t->ep, 1);
	run(t);
	fake_loop_advance(t->l, 1300);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	fake_sctp_set_writable(t->ep, false);		/* replay cannot go out */
	fake_sctp_comm_up(t->ep, c->assoc);
	run(t);
	fake_sctp_comm_lost(t->ep, c->assoc);		/* and it is lost again */
	run(t);
	fake_sctp_set_writable(t->ep, true);
	fake_loop_advance(t->l, 2500);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_comm_up(t->ep, c->assoc);
	run(t);
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		if (m->assoc == c->assoc && m->si.stream == 1 && hdr_of(m).seq == seen + 1)
			seen++;
	}
	assert_true(seen >= 5);				/* 1..5, in order, and on */
}

static void test_eagain_queues_and_flushes(void **state)
{
	struct t *t = *state;

	all_up(t);
	fake_sctp_set_writable(t->ep, false);
	fake_sctp_clear_sent(t->ep);
	fake_loop_advance(t->l, 300);
	run(t);
	assert_int_equal(fake_sctp_nsent(t->ep), 0);
	assert_int_equal(fake_loop_watched(t->l, ps_fd(t->ep)), LOOP_IN | LOOP_OUT);
	fake_sctp_set_writable(t->ep, true);
	run(t);
	/* 3 readings x 3 controllers, each in order */
	assert_int_equal(fake_sctp_nsent(t->ep), 9);
	assert_int_equal(fake_sctp_nsent_to(t->ep, 2), 3);
	assert_int_equal(fake_loop_watched(t->l, ps_fd(t->ep)), LOOP_IN);
}

static void send_cmd(struct t *t, ps_assoc_id id, uint32_t req, const struct msg_cmd *c)
{
	uint8_t buf[256];
	size_t len;

	assert_int_equal(msg_encode_cmd(buf, sizeof(buf), req, c, &len), 0);
	fake_sctp_data(t->ep, id, 0, MSG_PPID, buf, len);
	run(t);
}

/* The last non-empty message on stream 0 (an EOF may follow a reply). */
static struct msg_reply last_reply(struct t *t, uint32_t *id)
{
	const struct fake_sctp_msg *m = NULL;
	struct msg_hdr h;
	struct msg_reply r;
	const uint8_t *body;
	size_t len;
	enum msg_err why;

	for (unsigned int i = fake_sctp_nsent(t->ep); i-- > 0 && !m;)
		if (fake_sctp_sent(t->ep, i)->si.stream == 0 && fake_sctp_sent(t->ep, i)->len)
			m = fake_sctp_sent(t->ep, i);
	assert_non_null(m);
	assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, &body, &len, &why), 0);
	assert_int_equal(h.type, MSG_REPLY);
	assert_int_equal(msg_decode_reply(body, len, &r, &why), 0);
	*id = h.seq;
	return r;
}

/* Whether every seq 1..@last of stream 1 reached controller @ids[0..n)
 * (on any of its associations). */
static bool all_seqs_reached(struct t *t, const ps_assoc_id *ids, unsigned int n,
			     uint32_t last)
{
	static uint8_t got[8192];

	memset(got, 0, sizeof(got));
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);

		for (unsigned int k = 0; k < n; k++)
			if (m->assoc == ids[k] && m->si.stream == 1 && hdr_of(m).seq < 8192)
				got[hdr_of(m).seq] = 1;
	}
	for (uint32_t q = 1; q <= last; q++)
		if (!got[q])
			return false;
	return true;
}

/* CLOSE: graceful EOF on that association only; the controller is not
 * silenced until a restart: its readings are kept and it is connected
 * again after the hold (reconnect_max_ms by default, 60 s here, or the
 * command's ms), then gets every reading of the meantime. */
static void test_close_holds_and_reconnects(void **state)
{
	struct t *t = *state;
	struct msg_cmd c = { .op = MSG_OP_CLOSE };
	const struct fake_sctp_msg *m;
	const struct fake_sctp_call *call;
	struct assoc_stats st;
	struct msg_reply r;
	ps_assoc_id ids[2] = { 2, 0 };
	uint32_t id;

	all_up(t);
	send_cmd(t, 2, 77, &c);
	/* reply, then EOF on b's association only */
	m = fake_sctp_last_send(t->ep);
	assert_non_null(m);
	assert_true(m->si.flags & PS_SEND_EOF);
	assert_int_equal(m->assoc, 2);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 2), FAKE_ASSOC_SHUTTING_DOWN);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 1), FAKE_ASSOC_UP);
	r = last_reply(t, &id);
	assert_int_equal(id, 77);
	assert_int_equal(r.status, MSG_ST_OK);
	assert_true(r.msg.len > 0 &&
		    !memcmp(r.msg.p, "closing; back in about 60000 ms", r.msg.len));
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	run(t);
	assert_int_equal(assoc_state(t->ag->assocs[1]), AS_DOWN);
	assert_true(fake_log_contains("closed on the controller's request: connecting again in"));
	/* the others keep flowing; b gets nothing for the hold (>= 48 s) */
	fake_loop_advance(t->l, 47000);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 3);
	assert_true(fake_sctp_nsent_to(t->ep, 1) >= 470);
	fake_loop_advance(t->l, 25100);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 4);
	call = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	assert_true(call->at_ms - FAKE_CLOCK_START_MS <= 72100);
	ids[1] = call->assoc;
	fake_sctp_comm_up(t->ep, ids[1]);
	run(t);
	/* everything numbered while it was away reached it, none lost */
	assert_true(all_seqs_reached(t, ids, 2, t->ag->assoc[1].assigned[1]));
	assoc_get_stats(t->ag->assocs[1], &st);
	assert_int_equal(st.lost + st.dropped + st.evicted, 0);
	/* CLOSE with ms: a shorter hold */
	c.interval_ms = 2000;
	send_cmd(t, ids[1], 78, &c);
	fake_sctp_assoc_change(t->ep, ids[1], PS_SHUTDOWN_COMP);
	run(t);
	fake_loop_advance(t->l, 2500);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 5);
}

/* The peer restarts while the agent is shutting its association down:
 * that new incarnation gets EOF too, no HELLO and no replay. */
static void test_restart_while_shutting_down(void **state)
{
	struct t *t = *state;
	struct msg_cmd c = { .op = MSG_OP_CLOSE };

	all_up(t);
	send_cmd(t, 2, 1, &c);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 2), FAKE_ASSOC_SHUTTING_DOWN);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_assoc_change(t->ep, 2, PS_RESTART);
	run(t);
	assert_int_equal(assoc_state(t->ag->assocs[1]), AS_SHUTTING_DOWN);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 2), FAKE_ASSOC_SHUTTING_DOWN);
	assert_int_equal(fake_sctp_nsent_to(t->ep, 2), 1);	/* the EOF */
	assert_true(fake_sctp_last_send(t->ep)->si.flags & PS_SEND_EOF);
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	run(t);
	assert_int_equal(assoc_state(t->ag->assocs[1]), AS_DOWN);	/* held, coming back */
}

/* Stop while one controller is still connecting: Linux would delete an
 * EOF'd INIT without an event, so the agent aborts it and does not wait
 * for it: the loop ends when the others are shut down, not at the
 * timeout; a late CANT_STR_ASSOC of the aborted id changes nothing. */
static void test_stop_while_connecting(void **state)
{
	struct t *t = *state;
	struct assoc_stats st;

	fake_sctp_comm_up(t->ep, 2);
	fake_sctp_comm_up(t->ep, 3);
	run(t);					/* a (id 1) still connecting */
	agent_stop(t->ag);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 1), FAKE_ASSOC_DOWN);	/* ABORT */
	assert_int_equal(assoc_state(t->ag->assocs[0]), AS_CLOSED);
	fake_sctp_assoc_change(t->ep, 1, PS_CANT_STR_ASSOC);	/* the abort's event */
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	fake_sctp_assoc_change(t->ep, 3, PS_SHUTDOWN_COMP);
	assert_int_equal(loop_run(t->l), 0);
	assert_true(fake_log_contains("every association closed"));
	assert_false(fake_log_contains("shutdown timeout"));
	assert_int_equal(assoc_state(t->ag->assocs[0]), AS_CLOSED);
	/* readings taken while stopping stay in the outbox for the next run:
	 * nothing dropped, nothing named lost */
	fake_loop_advance(t->l, 500);
	assoc_get_stats(t->ag->assocs[0], &st);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.lost, 0);
	assert_true(t->ag->assoc[0].assigned[1] >= 5);
}

static void test_reload_closes_removed_controller(void **state)
{
	struct t *t = *state;
	char *ini = malloc(sizeof(ini3)), *p;
	struct assoc_stats st;
	ps_assoc_id id;

	memcpy(ini, ini3, sizeof(ini3));
	all_up(t);
	/* the file on disk loses [controller.b] and gains [controller.d] */
	p = strstr(ini, "[controller.b]");
	memcpy(p, "[controller.d]", 14);
	fake_file_put("t.ini", ini, 0644);
	assert_int_equal(fake_loop_raise(t->l, LOOP_SIG_HUP), 0);
	run(t);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 2), FAKE_ASSOC_SHUTTING_DOWN);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 1), FAKE_ASSOC_UP);
	assert_true(fake_log_contains("ctrl=b assoc=2 state=up: removed from the configuration: closing"));
	/* d joins in a slot of its own (b keeps its slot) */
	assert_true(fake_log_contains("ctrl=d assoc=0 state=idle: added by the reload: connecting"));
	assert_int_equal(t->ag->n_assoc, 4);
	assert_string_equal(assoc_name(t->ag->assocs[3]), "d");
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 4);
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	run(t);
	assert_int_equal(assoc_state(t->ag->assocs[1]), AS_CLOSED);
	/* what comes for it meanwhile is counted, not kept, not sent */
	fake_loop_advance(t->l, 1000);
	assoc_get_stats(t->ag->assocs[1], &st);
	assert_true(st.dropped >= 10);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 4);
	/* a broken file changes nothing */
	fake_file_put("t.ini", "[agent]\nname = \n", 0644);
	fake_loop_raise(t->l, LOOP_SIG_HUP);
	run(t);
	assert_true(fake_log_contains("has errors; keeping the running configuration"));
	assert_int_equal(fake_sctp_assoc_state(t->ep, 3), FAKE_ASSOC_UP);
	/* b back in the file: connected again, told what it missed */
	fake_file_put("t.ini", ini3, 0644);
	free(ini);
	fake_loop_raise(t->l, LOOP_SIG_HUP);
	run(t);
	assert_true(fake_log_contains("back in the configuration: connecting again"));
	assert_true(assoc_removed(t->ag->assocs[3]));	/* d is gone from ini3 */
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 5);
	id = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc;
	fake_sctp_clear_sent(t->ep);
	fake_sctp_comm_up(t->ep, id);
	run(t);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 0)).type, MSG_HELLO);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 1)).type, MSG_GAP);
}

/* Removed while still connecting: aborted at once, not left shutting
 * down forever waiting for an event Linux never sends. */
static void test_reload_removes_connecting(void **state)
{
	struct t *t = *state;
	char *ini = malloc(sizeof(ini3)), *p;

	memcpy(ini, ini3, sizeof(ini3));
	p = strstr(ini, "[controller.b]");
	memcpy(p, "[controller.d]", 14);
	fake_file_put("t.ini", ini, 0644);
	free(ini);
	fake_loop_raise(t->l, LOOP_SIG_HUP);		/* nobody is up yet */
	run(t);
	assert_int_equal(assoc_state(t->ag->assocs[1]), AS_CLOSED);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 2), FAKE_ASSOC_DOWN);	/* ABORT */
	fake_sctp_comm_up(t->ep, 1);
	fake_sctp_comm_up(t->ep, 3);
	run(t);
	agent_stop(t->ag);
	fake_sctp_assoc_change(t->ep, 1, PS_SHUTDOWN_COMP);
	fake_sctp_assoc_change(t->ep, 3, PS_SHUTDOWN_COMP);
	assert_int_equal(loop_run(t->l), 0);
	assert_false(fake_log_contains("shutdown timeout"));
}

static void test_graceful_stop(void **state)
{
	struct t *t = *state;

	all_up(t);
	fake_sctp_comm_lost(t->ep, 3);			/* c is down: nothing to close */
	run(t);
	agent_stop(t->ag);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 1), FAKE_ASSOC_SHUTTING_DOWN);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 2), FAKE_ASSOC_SHUTTING_DOWN);
	fake_sctp_assoc_change(t->ep, 1, PS_SHUTDOWN_COMP);
	run(t);
	assert_false(fake_sctp_closed(t->ep));		/* b still closing */
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	assert_int_equal(loop_run(t->l), 0);		/* returns: all closed */
	assert_true(fake_log_contains("every association closed"));
	/* no reconnect for c while stopping */
	fake_loop_advance(t->l, 5000);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 3);
}

static void test_stop_timeout(void **state)
{
	struct t *t = *state;

	all_up(t);
	agent_stop(t->ag);
	fake_loop_advance(t->l, 1999);
	assert_false(fake_log_contains("shutdown timeout"));
	fake_loop_advance(t->l, 1);
	assert_true(fake_log_contains("shutdown timeout: closing the socket anyway"));
}

static void test_commands(void **state)
{
	struct t *t = *state;
	struct msg_cmd ping = { .op = MSG_OP_PING };
	struct msg_cmd setiv = { .op = MSG_OP_SET_INTERVAL, .sensor = msg_str_of("hum"),
				 .interval_ms = 200 };
	struct msg_cmd bad_sensor = { .op = MSG_OP_READ_NOW, .sensor = msg_str_of("nope") };
	struct msg_cmd range = { .op = MSG_OP_SET_INTERVAL, .sensor = msg_str_of("hum"),
				 .interval_ms = 1 };
	struct msg_cmd readnow = { .op = MSG_OP_READ_NOW, .sensor = msg_str_of("hum") };
	struct msg_reply r;
	uint32_t id;
	static const uint8_t junk[] = { 1, 4, 0, 0, 0, 0, 0, 9, 0xff, 0xff };
	static const uint8_t badver[] = { 9, 4, 0, 0, 0, 0, 0, 5, 0xa0 };

	all_up(t);
	send_cmd(t, 1, 1, &ping);
	r = last_reply(t, &id);
	assert_int_equal(id, 1);
	assert_int_equal(r.status, MSG_ST_OK);
	assert_memory_equal(r.msg.p, "pong", 4);

	send_cmd(t, 1, 2, &setiv);
	r = last_reply(t, &id);
	assert_int_equal(r.status, MSG_ST_OK);
	assert_int_equal(sampler_interval(t->ag->sampler, 1), 200);

	send_cmd(t, 1, 3, &bad_sensor);
	assert_int_equal(last_reply(t, &id).status, MSG_ST_UNKNOWN_SENSOR);
	send_cmd(t, 1, 4, &range);
	assert_int_equal(last_reply(t, &id).status, MSG_ST_OUT_OF_RANGE);

	fake_sctp_clear_sent(t->ep);
	send_cmd(t, 1, 5, &readnow);
	/* the reading (stream 2 to a) and then the reply */
	assert_int_equal(fake_sctp_nsent(t->ep), 2);
	assert_int_equal(fake_sctp_sent(t->ep, 0)->si.stream, 2);
	assert_int_equal(last_reply(t, &id).status, MSG_ST_OK);

	/* malformed CBOR: error reply with the request id, counted */
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, junk, sizeof(junk));
	run(t);
	r = last_reply(t, &id);
	assert_int_equal(id, 9);
	assert_int_equal(r.status, MSG_ST_BAD_REQUEST);
	assert_int_equal(bad_count(t, MSG_ERR_CBOR), 1);
	/* wrong version: counted, still answered */
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, badver, sizeof(badver));
	run(t);
	assert_int_equal(bad_count(t, MSG_ERR_VERSION), 1);
	/* truncated, wrong stream, wrong PPID: counted, no crash */
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, junk, 3);
	fake_sctp_data(t->ep, 1, 1, MSG_PPID, junk, sizeof(junk));
	fake_sctp_data(t->ep, 1, 0, 42, junk, sizeof(junk));
	run(t);
	assert_int_equal(bad_count(t, MSG_ERR_TRUNCATED), 1);
	assert_int_equal(t->ag->assoc[0].st.bad_msgs, 5);
}

static void test_status_reply(void **state)
{
	struct t *t = *state;
	struct msg_cmd c = { .op = MSG_OP_STATUS };
	struct msg_reply r;
	struct cbor_dec d;
	uint32_t id;
	size_t n, len;
	const char *k;
	bool saw_paths = false, saw_ctrl = false;

	all_up(t);
	send_cmd(t, 1, 42, &c);
	r = last_reply(t, &id);
	assert_int_equal(id, 42);
	assert_int_equal(r.status, MSG_ST_OK);
	assert_non_null(r.data);
	cbor_dec_init(&d, r.data, r.data_len);
	assert_int_equal(cbor_get_map(&d, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(cbor_get_text(&d, &k, &len), 0);
		if (len == 5 && !memcmp(k, "paths", 5)) {
			size_t np;
			assert_int_equal(cbor_get_array(&d, &np), 0);
			assert_int_equal(np, 2);	/* controller a: two addresses */
			for (size_t j = 0; j < np; j++)
				assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
			saw_paths = true;
			continue;
		}
		if (len == 10 && !memcmp(k, "controller", 10)) {
			const char *v;
			size_t vl;
			assert_int_equal(cbor_get_text(&d, &v, &vl), 0);
			assert_int_equal(vl, 1);
			assert_int_equal(v[0], 'a');
			saw_ctrl = true;
			continue;
		}
		assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
	}
	assert_true(saw_paths && saw_ctrl);
}

/* ACKs: cumulative per stream, serial-number order; one above the highest
 * seq the agent assigned is refused and counted, one moving backwards is
 * ignored. */
static void test_ack_recorded(void **state)
{
	struct t *t = *state;
	struct msg_ack acks[2] = { { 1, 17 }, { 2, 3 } };
	struct assoc_stats st;
	uint8_t buf[64];
	size_t len;

	all_up(t);
	assert_int_equal(msg_encode_ack(buf, sizeof(buf), 0, acks, 2, &len), 0);
	fake_sctp_data(t->ep, 3, 0, MSG_PPID, buf, len);
	run(t);
	/* nothing was sent yet: both refused */
	assoc_get_stats(t->ag->assocs[2], &st);
	assert_int_equal(st.ack_beyond, 2);
	assert_int_equal(assoc_acked(t->ag->assocs[2], 1), 0);
	fake_loop_advance(t->l, 2000);			/* temp seq 1..20 */
	fake_sctp_data(t->ep, 3, 0, MSG_PPID, buf, len);
	run(t);
	assoc_get_stats(t->ag->assocs[2], &st);
	assert_int_equal(assoc_acked(t->ag->assocs[2], 1), 17);
	assert_int_equal(assoc_acked(t->ag->assocs[2], 2), 0);	/* c has no hum */
	assert_int_equal(st.ack_beyond, 3);
	assert_int_equal(st.acks, 2);
	send_ack(t, 3, 1, 12);				/* backwards: ignored */
	assert_int_equal(assoc_acked(t->ag->assocs[2], 1), 17);
	/* an ACK naming another epoch moves nothing of this run */
	assert_int_equal(msg_encode_ack(buf, sizeof(buf), t->ag->epoch + 1, acks, 1, &len), 0);
	fake_sctp_data(t->ep, 3, 0, MSG_PPID, buf, len);
	run(t);
	assoc_get_stats(t->ag->assocs[2], &st);
	assert_int_equal(st.ack_other_epoch, 1);
	assert_int_equal(assoc_acked(t->ag->assocs[2], 1), 17);
}

static void test_foreign_association_aborted(void **state)
{
	struct t *t = *state;
	static const struct net_addr stranger = { .family = NET_AF_INET4,
						   .a = { 192, 0, 2, 99 } };
	ps_assoc_id id = fake_sctp_accept(t->ep, &stranger, 1);

	fake_sctp_comm_up(t->ep, id);
	run(t);
	assert_int_equal(fake_sctp_assoc_state(t->ep, id), FAKE_ASSOC_DOWN);
	assert_int_equal(t->ag->unknown_assoc, 1);
}


/* STATUS with the most sensors a build allows, each with the longest
 * name: the reply is sized for it and names every sensor with its
 * counters; every counter the agent keeps is in it. */
static void test_status_all_sensors(void **state)
{
	static char ini[16384];
	struct msg_cmd c = { .op = MSG_OP_STATUS };
	struct cbor_dec d;
	struct msg_reply r;
	struct t *t;
	size_t n, len, off;
	uint32_t id;
	const char *k;
	unsigned int sensors = 0, found = 0;
	static const char *const want[] = { "lost", "evicted", "expired",
		"resent", "ack_beyond", "no_stream", "gap_msgs", "memory_budget",
		"memory_used", "held_bytes", "epoch", "encode_failed", "outbox",
		"outbox_lost" };

	(void)state;
	off = (size_t)snprintf(ini, sizeof(ini), "[agent]\nname = big\n"
			       "[controller.a]\naddress = 10.0.1.1\n");
	for (unsigned int i = 0; i < CONFIG_MAX_SENSORS; i++)
		off += (size_t)snprintf(ini + off, sizeof(ini) - off,
			"[sensor.s%030u]\ndriver = simulated\nsource = counter\n"
			"interval_ms = 1000\nunit = abcdefghijklmno\n", i);
	t = harness_start(ini);
	fake_sctp_comm_up(t->ep, 1);
	run(t);
	/* the HELLO with every stream and the longest names went out */
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 0)).type, MSG_HELLO);
	fake_loop_advance(t->l, 1000);
	send_cmd(t, 1, 9, &c);
	r = last_reply(t, &id);
	assert_int_equal(id, 9);
	assert_int_equal(r.status, MSG_ST_OK);
	cbor_dec_init(&d, r.data, r.data_len);
	assert_int_equal(cbor_get_map(&d, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(cbor_get_text(&d, &k, &len), 0);
		for (unsigned int w = 0; w < sizeof(want) / sizeof(want[0]); w++)
			found += len == strlen(want[w]) && !memcmp(k, want[w], len);
		if (len == 7 && !memcmp(k, "sensors", 7)) {
			size_t ns;

			assert_int_equal(cbor_get_map(&d, &ns), 0);
			for (size_t j = 0; j < 2 * ns; j++)
				assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
			sensors = (unsigned int)ns;
			continue;
		}
		assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
	}
	assert_int_equal(sensors, CONFIG_MAX_SENSORS);
	assert_int_equal(found, sizeof(want) / sizeof(want[0]));
	/* the status log shows the same counters (SIGUSR1) */
	fake_log_clear();
	fake_loop_raise(t->l, LOOP_SIG_USR1);
	run(t);
	assert_true(fake_log_contains("lost in the outbox 0, expired 0, lost 0 in 0 GAPs"));
	assert_true(fake_log_contains("outbox memory, epoch "));
	assert_true(fake_log_contains("outbox fdatasync 0 (0 failed"));
	assert_true(fake_log_contains("re-sent 0"));
	assert_true(fake_log_contains("errors 0, retries 0"));
	{
		char line[64];

		snprintf(line, sizeof(line), "memory budget %u KiB", CONFIG_MEM_BUDGET_KB);
		assert_true(fake_log_contains(line));
	}
	harness_stop(t);
}

/* The endpoint gets the transport, the local UDP port and one RFC 6951
 * entry per controller address over UDP (docs/CONFIG.md). */
static void test_endpoint_udp_config(void **state)
{
	static const char ini[] =
		"[agent]\nname = u1\ntransport = udp\nudp_port = 9977\n"
		"[path.eth]\ninterface = eth0\naddress = 10.0.0.2\n"
		"[path.cell]\ninterface = wwan0\naddress = 10.9.0.2\nudp_port = 9899\n"
		"[controller.a]\naddress = 10.0.1.1@eth, 10.9.1.1@cell\n"
		"[controller.b]\naddress = 10.0.2.1@eth udp=12345\n";
	const struct ps_config *pc;
	struct net_addr a;
	struct t *t;

	(void)state;
	if (!IS_ENABLED(CONFIG_PORT_USRSCTP))
		skip();		/* transport = udp is refused without it */
	t = harness_start(ini);
	pc = fake_sctp_config(t->ep);
	assert_int_equal(pc->transport, PS_TRANSPORT_UDP);
	assert_int_equal(ps_transport_of(t->ep), PS_TRANSPORT_UDP);
	assert_int_equal(pc->udp_port, 9977);
	assert_int_equal(pc->n_encap, 2);
	assert_int_equal(net_addr_parse("10.9.1.1", &a), 0);
	assert_true(net_addr_same_host(&pc->encap[0].addr, &a));
	assert_int_equal(pc->encap[0].udp_port, 9899);
	assert_int_equal(net_addr_parse("10.0.2.1", &a), 0);
	assert_true(net_addr_same_host(&pc->encap[1].addr, &a));
	assert_int_equal(pc->encap[1].udp_port, 12345);
	harness_stop(t);
}

/* STATUS's memory_used (the budget's total). */
static uint64_t status_memory_used(struct t *t, uint32_t req)
{
	struct msg_cmd c = { .op = MSG_OP_STATUS };
	struct cbor_dec d;
	struct msg_reply r;
	uint64_t v = UINT64_MAX;
	uint32_t id;
	size_t n, len;
	const char *k;

	send_cmd(t, 1, req, &c);
	memset(&r, 0, sizeof(r));
	id = 0;
	for (unsigned int i = fake_sctp_nsent(t->ep); i-- > 0 && id != req;) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		const uint8_t *body;
		enum msg_err why;
		struct msg_hdr h;
		size_t blen;

		/* GAPs may follow the reply on stream 0 */
		if (m->si.stream == 0 && m->len &&
		    !msg_hdr_parse(m->buf, m->len, &h, &body, &blen, &why) &&
		    h.type == MSG_REPLY && h.seq == req &&
		    !msg_decode_reply(body, blen, &r, &why))
			id = h.seq;
	}
	assert_int_equal(id, req);
	cbor_dec_init(&d, r.data, r.data_len);
	assert_int_equal(cbor_get_map(&d, &n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(cbor_get_text(&d, &k, &len), 0);
		if (len == 11 && !memcmp(k, "memory_used", 11))
			assert_int_equal(cbor_get_uint(&d, &v), 0);
		else
			assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
	}
	assert_true(v != UINT64_MAX);
	return v;
}

/* The userspace stack's buffers are in the memory budget: what it holds
 * is charged within a second and released as it drains, and with a
 * stack holding most of the budget a down controller's readings are
 * evicted sooner. Kernel SCTP's buffers are not the agent's memory. */
static void test_stack_memory_in_budget(void **state)
{
	static const char udp[] =
		"[agent]\nname = u2\ntransport = udp\nmemory_budget_kb = 256\noutbox = memory\n"
		"[controller.a]\naddress = 10.0.1.1\n"
		"[controller.b]\naddress = 10.0.2.1\n"
		"[sensor.t]\ndriver = simulated\nsource = counter\ninterval_ms = 100\n";
	struct assoc_stats st;
	struct outbox_stats ost;
	struct t *t;
	uint64_t base, evicted;

	(void)state;
	if (!IS_ENABLED(CONFIG_PORT_USRSCTP))
		skip();
	t = harness_start(udp);
	fake_sctp_comm_up(t->ep, 1);
	run(t);
	base = status_memory_used(t, 1);
	fake_sctp_set_stack_bytes(t->ep, 200 * 1024);
	fake_loop_advance(t->l, 1000);
	assert_true(status_memory_used(t, 2) >= base + 200 * 1024);
	/* a does not ACK, b never comes up: 3 minutes of readings (one copy
	 * in the outbox's memory tier for both, ~80 bytes each) fit the
	 * budget alone, not beside the stack's 200 KiB */
	fake_loop_advance(t->l, 180000);
	/* the outbox's memory tier gave way (the stack's share is never
	 * evicted), and each controller is told what it lost */
	outbox_stats(t->ag->ob, &ost);
	assert_true(ost.mem_evicted > 0);
	assoc_pull_lost(&t->ag->assoc[0]);
	assoc_pull_lost(&t->ag->assoc[1]);
	assoc_get_stats(&t->ag->assoc[0], &st);
	evicted = st.evicted;
	assoc_get_stats(&t->ag->assoc[1], &st);
	evicted += st.evicted;
	assert_true(evicted > 0);
	assert_true(status_memory_used(t, 3) <= 256 * 1024);
	fake_sctp_set_stack_bytes(t->ep, 0);
	fake_loop_advance(t->l, 1000);
	assert_true(status_memory_used(t, 4) < 200 * 1024);
	harness_stop(t);

	t = harness_start("[agent]\nname = k1\ntransport = kernel\n"
			  "[controller.a]\naddress = 10.0.1.1\n");
	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_sctp_set_stack_bytes(t->ep, 200 * 1024);
	fake_loop_advance(t->l, 2000);
	assert_true(status_memory_used(t, 5) < 200 * 1024);
	harness_stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_connects_every_controller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_on_comm_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sendall_when_all_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_down_controller_queued_and_replayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backoff_doubles_to_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abort_after_comm_up_backs_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stable_association_resets_backoff, setup, teardown),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test_setup_teardown(test_send_failed_requeued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unacked_replayed_after_reconnect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_loss_during_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eagain_queues_and_flushes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_holds_and_reconnects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_while_shutting_down, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_while_connecting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_removes_connecting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_closes_removed_controller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_graceful_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_reply, setup, teardown),
		cmocka_unit_test(test_status_all_sensors),
		cmocka_unit_test_setup_teardown(test_ack_recorded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_association_aborted, setup, teardown),
		cmocka_unit_test(test_endpoint_udp_config),
		cmocka_unit_test(test_stack_memory_in_budget),
	};

	return cmocka_run_group_tests_name("agent", tests, NULL, NULL);
}
