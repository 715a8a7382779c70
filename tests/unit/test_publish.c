/* SPDX-License-Identifier: MIT */
/*
 * The sensor pipeline against the fake port and clock: bundling by count
 * and by age (one SenML pack per message, one seq per pack), flush before
 * EOF, READ_NOW not delayed by a bundle, PR-SCTP lifetime passed to the
 * stack and abandoned readings counted (not re-sent), stream priorities
 * applied at COMM_UP, no sampler drift over simulated hours; readings
 * taken on an unsynchronized wall clock flagged, packs cut at the change.
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
#include "agent/sensor.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

static const char ini[] =
	"[agent]\nname = p1\n"
	"[controller.c]\naddress = 10.0.1.1\n"
	"[sensor.fast]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\n"
	"bundle_count = 10\nbundle_ms = 5000\npriority = 200\n"
	"[sensor.slow]\ndriver = simulated\nsource = counter:start=100\ninterval_ms = 1000\n"
	"bundle_count = 10\nbundle_ms = 2500\n"
	"[sensor.alarm]\ndriver = simulated\nsource = counter\ninterval_ms = 700\n"
	"priority = 0\nlifetime_ms = 300\n";

static void run(struct t *t)
{
	harness_run(t);
}

static int setup(void **state)
{
	struct t *t = harness_start(ini);

	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_sctp_clear_sent(t->ep);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	harness_stop(*state);
	return 0;
}

/* Decode message @m: its seq, records and first value. */
static unsigned int pack(const struct fake_sctp_msg *m, uint32_t *seq, double *first)
{
	struct msg_hdr h;
	const uint8_t *body;
	size_t len;
	enum msg_err why;
	struct msg_reading r[MSG_MAX_ITEMS];
	unsigned int n;

	assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, &body, &len, &why), 0);
	assert_int_equal(h.type, MSG_READINGS);
	assert_int_equal(msg_decode_readings(body, len, r, MSG_MAX_ITEMS, &n, &why), 0);
	*seq = h.seq;
	*first = r[0].value;
	for (unsigned int i = 1; i < n; i++)	/* time stamps kept per record */
		assert_true(r[i].time_ms >= r[i - 1].time_ms);
	return n;
}

static const struct fake_sctp_msg *on_stream(struct t *t, uint16_t stream, unsigned int k)
{
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++)
		if (fake_sctp_sent(t->ep, i)->si.stream == stream && k-- == 0)
			return fake_sctp_sent(t->ep, i);
	return NULL;
}

static void test_bundle_by_count(void **state)
{
	struct t *t = *state;
	uint32_t seq;
	double v;

	fake_loop_advance(t->l, 999);		/* 9 fast readings: nothing yet */
	assert_null(on_stream(t, 1, 0));
	fake_loop_advance(t->l, 1);		/* the 10th: one pack */
	assert_int_equal(pack(on_stream(t, 1, 0), &seq, &v), 10);
	assert_int_equal(seq, 1);
	assert_true(v == 1.0);
	fake_loop_advance(t->l, 1000);
	assert_int_equal(pack(on_stream(t, 1, 1), &seq, &v), 10);
	assert_int_equal(seq, 2);		/* one seq per message */
	assert_true(v == 11.0);
	assert_null(on_stream(t, 1, 2));
}

static void test_bundle_by_age(void **state)
{
	struct t *t = *state;
	uint32_t seq;
	double v;

	/* slow: first reading at 1 s, age limit 2.5 s -> sent at 3.5 s with 3 */
	fake_loop_advance(t->l, 3499);
	assert_null(on_stream(t, 2, 0));
	fake_loop_advance(t->l, 1);
	assert_int_equal(pack(on_stream(t, 2, 0), &seq, &v), 3);
	assert_true(v == 100.0);
}

static void test_flush_before_eof(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_msg *last;
	uint32_t seq;
	double v;

	fake_loop_advance(t->l, 1500);		/* 5 fast readings pending */
	agent_stop(t->ag);
	assert_int_equal(pack(on_stream(t, 1, 1), &seq, &v), 5);
	last = fake_sctp_last_send(t->ep);
	assert_true(last->si.flags & PS_SEND_EOF);	/* EOF after the pack */
}

static void test_lifetime_and_abandoned(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_msg *m;
	unsigned int i;

	fake_loop_advance(t->l, 700);
	m = on_stream(t, 3, 0);
	assert_non_null(m);
	assert_int_equal(m->si.lifetime_ms, 300);
	/* the stack gives up on it: counted, not queued again */
	for (i = 0; fake_sctp_sent(t->ep, i) != m; i++)
		;
	assert_int_equal(fake_sctp_fail_sent(t->ep, i, false), 0);
	run(t);
	assert_int_equal(t->ag->assoc[0].st.abandoned, 1);
	assert_int_equal(t->ag->assoc[0].st.requeued, 0);
	fake_sctp_comm_lost(t->ep, 1);
	run(t);
	fake_loop_advance(t->l, 1300);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_comm_up(t->ep, fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc);
	run(t);
	/* after the reconnect the abandoned reading (seq 1) is not among them */
	for (i = 0; (m = on_stream(t, 3, i)); i++)
		assert_int_not_equal(((const uint8_t *)m->buf)[7], 1);
}

static void test_stream_priorities(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_call *c;
	unsigned int n = fake_sctp_ncalls(t->ep, FAKE_SCTP_STREAM_PRIO);

	assert_int_equal(n, 3);
	for (unsigned int i = 0; i < n; i++) {
		c = fake_sctp_call(t->ep, FAKE_SCTP_STREAM_PRIO, i);
		assert_int_equal(c->prio, c->stream == 1 ? 200 : c->stream == 3 ? 0 : 128);
	}
	/* a kernel without the scheduler: said once, not fatal */
	fake_sctp_fail_next(FAKE_SCTP_STREAM_PRIO, -EOPNOTSUPP, 1);
	fake_sctp_assoc_change(t->ep, 1, PS_RESTART);
	run(t);
	assert_true(fake_log_contains("stream priorities not applied"));
}

static void test_sampler_no_drift(void **state)
{
	struct t *t = *state;
	struct sampler_stats st;

	/* 6 simulated hours: exactly 6*3600*1000/700 alarm readings */
	fake_loop_advance(t->l, 6ull * 3600 * 1000);
	sampler_get_stats(t->ag->sampler, 2, &st);
	assert_int_equal(st.reads, 6ull * 3600 * 1000 / 700);
	sampler_get_stats(t->ag->sampler, 0, &st);
	assert_int_equal(st.reads, 6ull * 3600 * 10);
}

static void test_read_now_not_delayed(void **state)
{
	struct t *t = *state;
	struct msg_cmd c = { .op = MSG_OP_READ_NOW, .sensor = msg_str_of("slow") };
	uint8_t buf[128];
	size_t len;
	uint32_t seq;
	double v;

	assert_int_equal(msg_encode_cmd(buf, sizeof(buf), 5, &c, &len), 0);
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, buf, len);
	run(t);
	assert_int_equal(pack(on_stream(t, 2, 0), &seq, &v), 1);
}

/* A blocking driver reads on the worker: the loop never waits for it, a
 * reading due while one is still running is skipped and counted. */
static void test_blocking_driver_on_worker(void **state)
{
	static const char slow_ini[] =
		"[agent]\nname = s1\n[controller.c]\naddress = 10.0.1.1\n"
		"[sensor.w1]\ndriver = simulated_slow\nsource = counter:start=5\n"
		"interval_ms = 100\n";
	struct t *t = harness_start(slow_ini);
	struct sampler_stats st;
	uint32_t seq;
	double v;

	(void)state;
	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_sctp_clear_sent(t->ep);
	fake_loop_advance(t->l, 100);		/* due: handed to the worker */
	assert_int_equal(fake_worker_pending(), 1);
	assert_null(on_stream(t, 1, 0));	/* nothing yet: still reading */
	fake_loop_advance(t->l, 100);		/* due again while busy */
	sampler_get_stats(t->ag->sampler, 0, &st);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(fake_worker_run(), 1);	/* the read completes */
	run(t);
	assert_int_equal(pack(on_stream(t, 1, 0), &seq, &v), 1);
	assert_true(v == 5.0);
	harness_stop(t);
}

/* A backlog in the agent's own queue must not keep an alarm behind bulk
 * readings: alarm-class streams are flushed first, each stream in order. */
static void test_alarm_overtakes_backlog(void **state)
{
	static const char prio_ini[] =
		"[agent]\nname = q1\n[controller.c]\naddress = 10.0.1.1\n"
		"[sensor.bulk]\ndriver = simulated\nsource = counter\ninterval_ms = 100\n"
		"priority = 200\n"
		"[sensor.alarm]\ndriver = simulated\nsource = counter\ninterval_ms = 650\n"
		"priority = 0\n";
	struct t *t = harness_start(prio_ini);
	uint32_t seq, last = 0;
	double v;

	(void)state;
	fake_sctp_comm_up(t->ep, 1);
	run(t);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_set_writable(t->ep, false);
	fake_loop_advance(t->l, 700);		/* 7 bulk then 1 alarm queued */
	fake_sctp_set_writable(t->ep, true);
	run(t);
	assert_int_equal(fake_sctp_nsent(t->ep), 8);
	assert_int_equal(fake_sctp_sent(t->ep, 0)->si.stream, 2);	/* alarm first */
	for (unsigned int i = 1; i < 8; i++) {	/* then bulk, in order */
		assert_int_equal(fake_sctp_sent(t->ep, i)->si.stream, 1);
		pack(fake_sctp_sent(t->ep, i), &seq, &v);
		assert_true(seq > last);
		last = seq;
	}
	harness_stop(t);
}

/* Every record of message @m: is it flagged unsync? -1 mixed. */
static int pack_unsync(const struct fake_sctp_msg *m, unsigned int *n)
{
	struct msg_reading r[MSG_MAX_ITEMS];
	struct msg_hdr h;
	const uint8_t *body;
	size_t len;
	int any = 0, all = 1;

	assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, &body, &len, NULL), 0);
	assert_int_equal(msg_decode_readings(body, len, r, MSG_MAX_ITEMS, n, NULL), 0);
	for (unsigned int i = 0; i < *n; i++) {
		any |= r[i].unsynced;
		all &= r[i].unsynced;
	}
	return all ? 1 : any ? -1 : 0;
}

/* Readings taken while the wall clock is not synchronized go out
 * flagged; a pack never mixes both states (it is cut where the state
 * changes); the agent's tick logs the step NTP makes. */
static void test_unsynced_flagged(void **state)
{
	struct t *t = *state;
	unsigned int n;

	fake_loop_advance(t->l, 300);		/* 3 fast readings, synced */
	fake_clock_set_synced(false);		/* (date -s: the kernel says so) */
	fake_loop_advance(t->l, 700);		/* 7 more, not synced */
	assert_int_equal(pack_unsync(on_stream(t, 1, 0), &n), 0);
	assert_int_equal(n, 3);
	assert_null(on_stream(t, 1, 1));
	assert_true(fake_log_contains("wall clock is not synchronized"));
	fake_clock_set_wall(clock_wall_ms() + 3600000);	/* NTP steps it */
	fake_clock_set_synced(true);
	fake_loop_advance(t->l, 100);
	assert_int_equal(pack_unsync(on_stream(t, 1, 1), &n), 1);
	assert_int_equal(n, 7);
	assert_true(fake_log_contains("wall clock is synchronized"));
	assert_false(fake_log_contains("jumped"));	/* the next tick says it */
	fake_loop_advance(t->l, 900);
	assert_true(fake_log_contains("main: clock: the wall clock jumped forward by 3600.000 s"));
	assert_int_equal(pack_unsync(on_stream(t, 1, 2), &n), 0);
	assert_int_equal(n, 10);
	/* the slow sensor's pack was cut the same way: its reading at 1 s
	 * went alone, flagged, when the one at 2 s came synced */
	assert_int_equal(pack_unsync(on_stream(t, 2, 0), &n), 1);
	assert_int_equal(n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bundle_by_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_by_age, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_before_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lifetime_and_abandoned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_priorities, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sampler_no_drift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_now_not_delayed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unsynced_flagged, setup, teardown),
		cmocka_unit_test(test_blocking_driver_on_worker),
		cmocka_unit_test(test_alarm_overtakes_backlog),
	};

	return cmocka_run_group_tests_name("publish", tests, NULL, NULL);
}
