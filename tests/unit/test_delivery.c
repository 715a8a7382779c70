/* SPDX-License-Identifier: MIT */
/*
 * Every reading accounted for (protocol v2) against the fake port: HELLO
 * carries the epoch and, per stream, the lowest seq still held; a seq that
 * is assigned but never sent (not encodable, evicted, abandoned, refused)
 * is named in a GAP, which goes again on every new association until the
 * controller's cumulative ACK has passed it.
 */
#include <errno.h>
#include <math.h>
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
#include "agent/budget.h"
#include "agent/msg.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

static const char ini2[] =
	"[agent]\nname = d1\nreconnect_min_ms = 1000\nreconnect_max_ms = 1000\n"
	"[controller.a]\naddress = 10.0.1.1\n"
	"[controller.b]\naddress = 10.0.2.1\n"
	"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\n"
	"[sensor.alarm]\ndriver = simulated\nsource = counter\ninterval_ms = 1000\n"
	"lifetime_ms = 500\n";

static void run(struct t *t)
{
	harness_run(t);
}

static int setup(void **state)
{
	*state = harness_start(ini2);
	return 0;
}

static int teardown(void **state)
{
	harness_stop(*state);
	return 0;
}

static struct msg_hdr hdr_of(const struct fake_sctp_msg *m, const uint8_t **body,
			     size_t *len)
{
	struct msg_hdr h;
	enum msg_err why;

	assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, body, len, &why), 0);
	assert_int_equal(h.version, MSG_VERSION);
	return h;
}

/* The GAP ranges sent to @assoc since the log was cleared, in order. */
static unsigned int gaps_to(struct t *t, ps_assoc_id assoc, struct msg_gap *out,
			    unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		const uint8_t *b;
		size_t bl;
		unsigned int k;

		if (m->assoc != assoc || !m->len || hdr_of(m, &b, &bl).type != MSG_GAP)
			continue;
		assert_int_equal(m->si.stream, MSG_STREAM_CTRL);
		assert_int_equal(msg_decode_gap(b, bl, out + n, max - n, &k, NULL), 0);
		n += k;
	}
	return n;
}

/* Only the ranges of @stream. */
static unsigned int gaps_on(struct t *t, ps_assoc_id assoc, uint16_t stream,
			    struct msg_gap *out, unsigned int max)
{
	struct msg_gap all[64];
	unsigned int n = gaps_to(t, assoc, all, 64), k = 0;

	for (unsigned int i = 0; i < n; i++)
		if (all[i].stream == stream && k < max)
			out[k++] = all[i];
	return k;
}

/* The HELLO last sent to @assoc. */
static void hello_to(struct t *t, ps_assoc_id assoc, struct msg_hello *h,
		     struct msg_low *low)
{
	static struct msg_stream_info si[CONFIG_MAX_SENSORS];

	for (unsigned int i = fake_sctp_nsent(t->ep); i-- > 0;) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		const uint8_t *b;
		size_t bl;

		if (m->assoc == assoc && m->len && hdr_of(m, &b, &bl).type == MSG_HELLO) {
			assert_int_equal(msg_decode_hello(b, bl, h, si, CONFIG_MAX_SENSORS,
							  low, CONFIG_MAX_SENSORS, NULL), 0);
			return;
		}
	}
	fail_msg("no HELLO to assoc %u", (unsigned int)assoc);
}

static void send_ack(struct t *t, ps_assoc_id id, uint32_t epoch, uint16_t stream,
		     uint32_t seq)
{
	struct msg_ack ack = { stream, seq };
	uint8_t buf[64];
	size_t len;

	assert_int_equal(msg_encode_ack(buf, sizeof(buf), epoch, &ack, 1, &len), 0);
	fake_sctp_data(t->ep, id, 0, MSG_PPID, buf, len);
	run(t);
}

static ps_assoc_id reconnect(struct t *t)
{
	ps_assoc_id id;

	fake_loop_advance(t->l, 1300);
	id = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc;
	fake_sctp_comm_up(t->ep, id);
	run(t);
	return id;
}

static void test_hello_epoch(void **state)
{
	struct t *t = *state;
	struct msg_low low[CONFIG_MAX_SENSORS];
	struct msg_hello h;

	fake_sctp_comm_up(t->ep, 1);
	run(t);
	hello_to(t, 1, &h, low);
	assert_int_equal(h.proto, 2);
	assert_int_not_equal(h.epoch, 0);
	assert_int_equal(h.epoch, t->ag->epoch);
	assert_int_equal(h.n_low, 0);		/* nothing missing yet */
}

/* A reading that cannot be encoded still used its seq: every controller
 * of the sensor is told it will never come, and the next one follows. */
static void test_unencodable_is_a_gap(void **state)
{
	struct t *t = *state;
	struct msg_gap g[4];
	struct assoc_stats st;
	struct publish_stats ps;

	fake_sctp_comm_up(t->ep, 1);
	fake_sctp_comm_up(t->ep, 2);
	run(t);
	fake_loop_advance(t->l, 200);			/* temp seq 1, 2 */
	fake_sctp_clear_sent(t->ep);
	publish_reading(t->ag->pub, 0, NAN, 1700000000000ll, false);	/* seq 3 */
	run(t);
	for (ps_assoc_id id = 1; id <= 2; id++) {
		assert_int_equal(gaps_to(t, id, g, 4), 1);
		assert_int_equal(g[0].stream, 1);
		assert_int_equal(g[0].first, 3);
		assert_int_equal(g[0].last, 3);
	}
	publish_get_stats(t->ag->pub, &ps);
	assert_int_equal(ps.encode_failed, 1);
	assoc_get_stats(t->ag->assocs[0], &st);
	assert_int_equal(st.lost, 1);
	assert_int_equal(st.gap_msgs, 1);
	/* an ACK over the range retires it: the next association does not
	 * hear of it again; without that ACK it would */
	fake_loop_advance(t->l, 100);			/* seq 4 */
	send_ack(t, 1, 0, 1, 4);
	fake_sctp_comm_lost(t->ep, 1);
	fake_sctp_comm_lost(t->ep, 2);
	run(t);
	fake_sctp_clear_sent(t->ep);
	fake_loop_advance(t->l, 1300);
	for (unsigned int i = 2; i < 4; i++)
		fake_sctp_comm_up(t->ep, fake_sctp_call(t->ep, FAKE_SCTP_CONNECT, i)->assoc);
	run(t);
	/* (the alarm sensor's readings have a lifetime: those not ACKed are
	 * named as expired on stream 2, which this test does not look at) */
	assert_int_equal(gaps_on(t, fake_sctp_call(t->ep, FAKE_SCTP_CONNECT, 2)->assoc,
				 1, g, 4), 0);
	assert_int_equal(gaps_on(t, fake_sctp_call(t->ep, FAKE_SCTP_CONNECT, 3)->assoc,
				 1, g, 4), 1);
	assert_int_equal(g[0].first, 3);
}

/* PR-SCTP gave up on a reading with a lifetime: the controller is told,
 * so its cumulative ACK does not stop at the hole. */
static void test_abandoned_is_a_gap(void **state)
{
	struct t *t = *state;
	struct msg_gap g[2];
	unsigned int i;

	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_loop_advance(t->l, 1000);			/* alarm seq 1 */
	for (i = 0; fake_sctp_sent(t->ep, i)->si.stream != 2; i++)
		;
	assert_int_equal(fake_sctp_fail_sent(t->ep, i, false), 0);
	fake_sctp_clear_sent(t->ep);
	run(t);
	assert_int_equal(gaps_to(t, 1, g, 2), 1);
	assert_int_equal(g[0].stream, 2);
	assert_int_equal(g[0].first, 1);
}

/* HELLO "low" after a loss: the lowest seq still held per stream, where
 * the controller's point is below it. */
static void test_hello_low(void **state)
{
	struct t *t = *state;
	struct msg_low low[CONFIG_MAX_SENSORS];
	struct msg_hello h;
	ps_assoc_id id;

	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_loop_advance(t->l, 1000);			/* temp 1..10, alarm 1 */
	send_ack(t, 1, 0, 1, 4);
	send_ack(t, 1, 0, 2, 1);
	fake_sctp_comm_lost(t->ep, 1);
	run(t);
	id = reconnect(t);
	hello_to(t, id, &h, low);
	/* temp: 5..10 held (and replayed now), acked 4: nothing missing;
	 * alarm: acked 1, next is 2: nothing */
	assert_int_equal(h.n_low, 0);
	/* an ACK that skips ahead of what is held (stream 1 up to 8 while
	 * 5..10 are replayed) leaves low at 9 on the next association */
	send_ack(t, id, 0, 1, 8);
	fake_sctp_comm_lost(t->ep, id);
	run(t);
	fake_loop_advance(t->l, 100);			/* 11 queued while down */
	id = reconnect(t);
	hello_to(t, id, &h, low);
	/* temp: 9.. held, acked 8: nothing missing. alarm: seq 2 went out on
	 * the last association, the controller never acked it and its
	 * lifetime (500 ms) is over: the outbox still holds it, so "low" has
	 * nothing to say, and a GAP names it instead of sending it */
	assert_int_equal(h.n_low, 0);
	{
		struct msg_gap g[8] = { { 0 } };
		unsigned int n = gaps_on(t, id, 2, g, 8);
		uint64_t named = 0;

		assert_true(n >= 1);
		assert_int_equal(g[0].first, 2);
		/* and every alarm seq from 2 on was sent or named, not both */
		for (uint32_t q = 2; q <= t->ag->assoc[0].assigned[2]; q++) {
			bool sent = false, gap = false;

			for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
				const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
				const uint8_t *b;
				size_t bl;

				sent |= m->assoc == id && m->si.stream == 2 &&
					hdr_of(m, &b, &bl).seq == q;
			}
			for (unsigned int i = 0; i < n; i++)
				gap |= g[i].first <= q && q <= g[i].last;
			assert_true(sent != gap);
			named += gap;
		}
		assert_int_equal(t->ag->assoc[0].st.expired, named);
	}
	/* now everything is acked; while down, the next seq (last + 1)
	 * cannot be encoded and more wait in the outbox: the outbox holds a
	 * GAP record for last + 1, so "low" has no hole to name, and the GAP
	 * message that names last + 1 follows the HELLO */
	uint32_t last = t->ag->assoc[0].assigned[1];

	send_ack(t, id, 0, 1, last);
	send_ack(t, id, 0, 2, t->ag->assoc[0].assigned[2]);
	fake_sctp_comm_lost(t->ep, id);
	run(t);
	publish_reading(t->ag->pub, 0, NAN, 1700000000000ll, false);
	fake_sctp_clear_sent(t->ep);
	id = reconnect(t);
	hello_to(t, id, &h, low);
	assert_int_equal(h.n_low, 0);
	{
		struct msg_gap g[2];
		const uint8_t *b;
		size_t bl;

		assert_int_equal(gaps_on(t, id, 1, g, 2), 1);
		assert_int_equal(g[0].first, last + 1);
		assert_int_equal(g[0].last, last + 1);
		assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 0), &b, &bl).type, MSG_HELLO);
	}
	/* the other controller b (never up) holds temp from 1 on: nothing
	 * below that is missing, and 12 comes as a GAP */
	fake_sctp_comm_up(t->ep, 2);
	run(t);
	hello_to(t, 2, &h, low);
	assert_int_equal(h.n_low, 0);
	{
		struct msg_gap g[2];

		assert_int_equal(gaps_on(t, 2, 1, g, 2), 1);
		assert_int_equal(g[0].first, last + 1);
	}
}



/* A peer that grants fewer streams than the sensors need: one alarm for
 * the association, a counter and a GAP for each reading that cannot go,
 * no line per reading; the other streams flow. */
static void test_too_few_streams(void **state)
{
	struct t *t = *state;
	struct ps_event ev = { .type = PS_EV_ASSOC_CHANGE, .assoc = 1 };
	struct assoc_stats st;
	struct msg_gap g[16];
	uint8_t named[8] = { 0 };
	unsigned int n;

	ev.u.assoc.state = PS_COMM_UP;
	ev.u.assoc.out_streams = 2;			/* 0 and 1: no alarm stream 2 */
	ev.u.assoc.in_streams = 2;
	fake_sctp_push_event(t->ep, &ev);
	run(t);
	fake_loop_advance(t->l, 5000);			/* 5 alarm readings, 50 temp */
	assoc_get_stats(t->ag->assocs[0], &st);
	assert_int_equal(st.no_stream, 5);
	assert_int_equal(st.lost, 5);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(fake_log_count_matching("ALARM: peer granted 2 outbound streams"), 1);
	assert_int_equal(fake_log_count_matching("can never be sent"), 0);
	n = gaps_to(t, 1, g, 16);		/* a range grows: sent again, idempotent */
	for (unsigned int i = 0; i < n; i++) {
		assert_int_equal(g[i].stream, 2);
		for (uint32_t q = g[i].first; q <= g[i].last && q < 8; q++)
			named[q] = 1;
	}
	for (uint32_t q = 1; q <= 5; q++)
		assert_int_equal(named[q], 1);
	assert_int_equal(named[6], 0);
	assert_true(fake_sctp_nsent_to(t->ep, 1) >= 50);
}

/* A reply that met a full socket (or any transient error) waits at the
 * head; a reading sampled after it goes out after it, not never (it was
 * left in the outbox with the cursor live: lost to this association until
 * a reconnect). */
static void test_reading_behind_waiting_reply(void **state)
{
	struct t *t = *state;
	struct msg_cmd c = { .op = MSG_OP_PING };
	uint32_t hi = 0;
	uint8_t buf[64];
	size_t len;

	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_loop_advance(t->l, 50);
	fake_sctp_clear_sent(t->ep);
	assert_int_equal(msg_encode_cmd(buf, sizeof(buf), 9, &c, &len), 0);
	fake_sctp_set_writable(t->ep, false);
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, buf, len);
	run(t);					/* the pong: -EAGAIN, kept */
	fake_sctp_set_writable(t->ep, true);	/* ... but no wake-up yet */
	fake_loop_advance(t->l, 100);		/* temp seq 2 behind it */
	run(t);
	fake_loop_advance(t->l, 300);
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		const uint8_t *b;
		size_t bl;
		struct msg_hdr h;

		if (m->si.assoc != 1 || m->si.stream != 1)
			continue;
		h = hdr_of(m, &b, &bl);
		assert_int_equal(h.seq, hi + 1);
		hi = h.seq;
	}
	assert_true(hi >= 4);		/* 1..4 in 450 ms, none skipped */
}

/* An error the port does not know is transient: the reading is kept and
 * goes out, in order, with the next one. */
static void test_unknown_send_error_is_transient(void **state)
{
	struct t *t = *state;
	struct assoc_stats st;
	const uint8_t *b;
	size_t bl;

	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_fail_next(FAKE_SCTP_SEND, -EIO, 1);
	fake_loop_advance(t->l, 100);			/* temp seq 1: -EIO */
	assert_int_equal(fake_sctp_nsent(t->ep), 0);
	fake_loop_advance(t->l, 100);			/* seq 2 brings it along */
	assert_int_equal(fake_sctp_nsent(t->ep), 2);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 0), &b, &bl).seq, 1);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 1), &b, &bl).seq, 2);
	assoc_get_stats(t->ag->assocs[0], &st);
	assert_int_equal(st.dropped + st.lost, 0);
}

/* A message the stack refuses for good (too large) is dropped, counted
 * and named in a GAP, once. */
static void test_unsendable_is_a_gap(void **state)
{
	struct t *t = *state;
	struct assoc_stats st;
	struct msg_gap g[4];

	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_set_max_send(t->ep, 20);		/* readings are larger, GAPs not */
	fake_loop_advance(t->l, 100);
	assoc_get_stats(t->ag->assocs[0], &st);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.lost, 1);
	assert_int_equal(gaps_to(t, 1, g, 4), 1);
	assert_int_equal(g[0].first, 1);
	assert_int_equal(fake_log_count_matching("can never be sent"), 1);
}

/* ---- the memory budget ---------------------------------------------------- */

static const char ini_budget[] =
	"[agent]\nname = m1\nreconnect_min_ms = 1000\nreconnect_max_ms = 1000\n"
	"memory_budget_kb = 64\n"
	"[controller.a]\naddress = 10.0.1.1\n"
	"[controller.b]\naddress = 10.0.2.1\n"
	"[controller.c]\naddress = 10.0.3.1\n"
	"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\n"
	"[sensor.hum]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\n";

/* Seqs of @stream seen by any association of controller @c (ids in
 * @ids), and the ranges GAPs named, as bits 1..max. */
struct seen {
	uint8_t got[4096], gap[4096];
	bool gap_then_sent;	/* a seq sent after a GAP had named it */
};

static void collect(struct t *t, const ps_assoc_id *ids, unsigned int n_ids,
		    uint16_t stream, struct seen *sn)
{
	memset(sn, 0, sizeof(*sn));
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		const uint8_t *b;
		struct msg_hdr h;
		size_t bl;
		bool ours = false;

		for (unsigned int k = 0; k < n_ids; k++)
			ours |= m->assoc == ids[k];
		if (!ours || !m->len)
			continue;
		h = hdr_of(m, &b, &bl);
		if (h.type == MSG_READINGS && m->si.stream == stream && h.seq < 4096) {
			sn->gap_then_sent |= sn->gap[h.seq];
			sn->got[h.seq] = 1;
		} else if (h.type == MSG_GAP) {
			struct msg_gap g[MSG_MAX_ITEMS];
			unsigned int k;

			assert_int_equal(msg_decode_gap(b, bl, g, MSG_MAX_ITEMS, &k, NULL), 0);
			for (unsigned int j = 0; j < k; j++)
				for (uint32_t q = g[j].first; g[j].stream == stream &&
				     q <= g[j].last && q < 4096; q++)
					sn->gap[q] = 1;
		}
	}
}

static void ack_all(struct t *t, ps_assoc_id id, unsigned int ctrl)
{
	send_ack(t, id, 0, 1, t->ag->assoc[ctrl].assigned[1]);
	send_ack(t, id, 0, 2, t->ag->assoc[ctrl].assigned[2]);
}

/* Controller b is down for minutes while a and c are up and ACK: the
 * budget is never exceeded, only b's oldest readings go, a and c lose
 * nothing, and b is told exactly what it lost: every seq either reaches
 * it or is named in a GAP, and none is sent after a GAP named it. */
static void test_budget_bounds_a_down_controller(void **state)
{
	struct t *t = harness_start(ini_budget);
	ps_assoc_id ids[8];
	unsigned int n_ids = 0;
	struct assoc_stats sa, sb, sc;
	struct seen sn;
	size_t limit = budget_limit(t->ag->budget);

	(void)state;
	for (ps_assoc_id id = 1; id <= 3; id++)
		fake_sctp_comm_up(t->ep, id);
	run(t);
	ids[n_ids++] = 2;
	fake_loop_advance(t->l, 500);			/* b has some in flight */
	fake_sctp_comm_lost(t->ep, 2);
	run(t);
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, -ENETUNREACH, 1000);
	for (int s = 0; s < 120; s++) {			/* 2 minutes, 2400 readings */
		fake_loop_advance(t->l, 1000);
		ack_all(t, 1, 0);
		ack_all(t, 3, 2);
		assert_true(budget_used(t->ag->budget) <= limit);
	}
	assert_true(budget_peak(t->ag->budget) <= limit);
	assoc_get_stats(t->ag->assocs[0], &sa);
	assoc_get_stats(t->ag->assocs[1], &sb);
	assoc_get_stats(t->ag->assocs[2], &sc);
	assert_int_equal(sa.evicted + sc.evicted + sa.lost + sc.lost, 0);
	assert_true(sb.evicted > 1500);
	assert_int_equal(sb.lost, sb.evicted);
	/* one line per 10 s at most, not one per message */
	assert_true(fake_log_count_matching("the outbox lost") <= 120 / 10 + 1);
	assert_true(fake_log_contains("ctrl=b assoc=0 state=down: the outbox lost"));
	/* b comes back: HELLO, the GAPs, what was held; all accounted for */
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, 0, 0);
	fake_loop_advance(t->l, 1300);
	ids[n_ids] = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc;
	fake_sctp_comm_up(t->ep, ids[n_ids++]);
	run(t);
	for (uint16_t st = 1; st <= 2; st++) {
		uint32_t last = t->ag->assoc[1].assigned[st];

		collect(t, ids, n_ids, st, &sn);
		assert_false(sn.gap_then_sent);
		for (uint32_t q = 1; q <= last; q++)
			if (!sn.got[q] && !sn.gap[q])
				fail_msg("stream %u seq %u neither sent nor named lost", st, q);
	}
	harness_stop(t);
}

/* HELLO is never evicted: b comes up but cannot be written to while the
 * readings pour in far beyond the budget; HELLO still goes first. */
static void test_budget_never_evicts_hello(void **state)
{
	struct t *t = harness_start(ini_budget);
	const uint8_t *b;
	size_t bl;

	(void)state;
	fake_sctp_set_writable(t->ep, false);
	fake_sctp_comm_up(t->ep, 2);
	run(t);
	fake_loop_advance(t->l, 60000);			/* 1200 readings held for b */
	assert_true(budget_used(t->ag->budget) <= budget_limit(t->ag->budget));
	fake_sctp_clear_sent(t->ep);
	fake_sctp_set_writable(t->ep, true);
	run(t);
	assert_true(fake_sctp_nsent_to(t->ep, 2) > 10);
	assert_int_equal(fake_sctp_sent(t->ep, 0)->assoc, 2);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 0), &b, &bl).type, MSG_HELLO);
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 1), &b, &bl).type, MSG_GAP);
	harness_stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_hello_epoch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unencodable_is_a_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abandoned_is_a_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_low, setup, teardown),
		cmocka_unit_test_setup_teardown(test_too_few_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_send_error_is_transient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reading_behind_waiting_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsendable_is_a_gap, setup, teardown),
		cmocka_unit_test(test_budget_bounds_a_down_controller),
		cmocka_unit_test(test_budget_never_evicts_hello),
	};

	return cmocka_run_group_tests_name("delivery", tests, NULL, NULL);
}
