/* SPDX-License-Identifier: MIT */
/*
 * The outbox in the running agent, against the fakes (fake file system with
 * page cache and device apart, fake SCTP, fake clock): restarts with a
 * backlog (clean, kill -9, power cut), replay from each controller's
 * cursor with older epochs named in the header, alarm readings ahead of a
 * long backlog, a device that fails and comes back, a corrupt record
 * found by the replay, two agents on one state_dir.
 *
 * A small controller model reads what the agent sent: deduplicates by
 * (epoch, stream, seq), checks that new seqs of each (epoch, stream) come
 * in order, keeps what GAPs named lost, and acknowledges (cumulative, per
 * epoch) like the reference controller. Every test ends with the same
 * check: every seq the agent numbered reached the controller or was named
 * lost for a reason the test expects (0 otherwise), none twice after
 * dedup, per-stream order, and the agent's counters agree.
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
#include "agent/budget.h"
#include "agent/msg.h"
#include "agent/outbox.h"
#include "tests/fake/fake.h"

#define MAXSEQ 8192
#define MAXES 160
#define ODIR "/var/lib/sctpagent/outbox"

static const char ini_ab[] =
	"[agent]\nname = ob1\nreconnect_min_ms = 1000\nreconnect_max_ms = 1000\n"
	"state_dir = /var/lib/sctpagent\n"
	"[controller.a]\naddress = 10.0.1.1\n"
	"[controller.b]\naddress = 10.0.2.1\n"
	"[sensor.bulk]\ndriver = simulated\nsource = counter:start=1\n"
	"interval_ms = 100\npriority = 200\n"
	"[sensor.alarm]\ndriver = simulated\nsource = counter\n"
	"interval_ms = 1000\npriority = 0\ncontrollers = a\n";

/* --- the running agent -------------------------------------------------- */

struct run {
	struct config *cfg;
	struct agent *ag;
	struct loop *l;
	struct ps_ep *ep;
};

static void start(struct run *r, const char *ini)
{
	struct cfg_diag d;
	struct cli_opts o = { 0 };

	memset(r, 0, sizeof(*r));
	assert_int_equal(config_load_text("t.ini", ini, &r->cfg, &d), 0);
	assert_int_equal(agent_create(r->cfg, &o, &r->ag), 0);
	r->l = agent_loop(r->ag);
	r->ep = fake_sctp_last_ep();
}

static void stop(struct run *r)
{
	agent_destroy(r->ag);
	config_free(r->cfg);
	r->ag = NULL;
}

/* kill -9: none of the process's file calls happen any more; the page
 * cache survives it. */
static void kill9(struct run *r)
{
	fake_file_crash_now();
	stop(r);
	fake_file_power_cycle(FAKE_CRASH_PROCESS, 0);
}

static void pump(struct run *r)
{
	for (int i = 0; i < 200 && loop_run_once(r->l, 0) > 0; i++)
		;
}

/* --- the controller model ---------------------------------------------- */

struct es {
	uint32_t epoch;
	uint16_t stream;
	uint8_t got[MAXSEQ], gap[MAXSEQ];
	uint32_t last_new, acked;
	bool disorder;
};

struct ctl {
	struct es es[MAXES];
	unsigned int n;
	uint64_t dups, readings;
	uint32_t epoch;		/* the association's, from its HELLO */
	unsigned int seen;	/* messages of the endpoint's log read */
	struct ps_ep *ep;
};

static struct es *es_get(struct ctl *c, uint32_t epoch, uint16_t stream)
{
	for (unsigned int i = 0; i < c->n; i++)
		if (c->es[i].epoch == epoch && c->es[i].stream == stream)
			return &c->es[i];
	assert_true(c->n < MAXES);
	memset(&c->es[c->n], 0, sizeof(c->es[0]));
	c->es[c->n].epoch = epoch;
	c->es[c->n].stream = stream;
	return &c->es[c->n++];
}

static uint32_t contig(const struct es *e)
{
	uint32_t q = 1;

	while (q < MAXSEQ && (e->got[q] || e->gap[q]))
		q++;
	return q - 1;
}

/* Read what @ep sent to association @id since the last call. */
static void ctl_read(struct ctl *c, struct ps_ep *ep, ps_assoc_id id)
{
	if (c->ep != ep) {
		c->ep = ep;
		c->seen = 0;
	}
	for (; c->seen < fake_sctp_nsent(ep); c->seen++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(ep, c->seen);
		struct msg_hdr h;
		const uint8_t *b;
		size_t bl;

		if (m->assoc != id || !m->len)
			continue;
		assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, &b, &bl, NULL), 0);
		if (h.type == MSG_HELLO) {
			struct msg_hello hel;
			struct msg_stream_info si[8];
			struct msg_low low[MSG_MAX_LOW];

			assert_int_equal(msg_decode_hello(b, bl, &hel, si, 8, low,
							  MSG_MAX_LOW, NULL), 0);
			c->epoch = hel.epoch;
			for (unsigned int i = 0; i < hel.n_low; i++) {
				struct es *e = es_get(c, low[i].epoch, low[i].stream);

				for (uint32_t q = 1; q < low[i].seq && q < MAXSEQ; q++)
					if (!e->got[q])
						e->gap[q] = 1;
			}
		} else if (h.type == MSG_READINGS) {
			struct es *e = es_get(c, h.epoch ? h.epoch : c->epoch,
					      m->si.stream);

			assert_true(h.seq < MAXSEQ);
			assert_int_not_equal(h.epoch, c->epoch);	/* implicit */
			if (e->got[h.seq]) {
				c->dups++;
				continue;
			}
			assert_false(e->gap[h.seq]);	/* named lost, then sent */
			e->got[h.seq] = 1;
			c->readings++;
			e->disorder |= h.seq < e->last_new;
			e->last_new = h.seq;
		} else if (h.type == MSG_GAP) {
			struct msg_gap g[MSG_MAX_ITEMS];
			unsigned int n;

			assert_int_equal(msg_decode_gap(b, bl, g, MSG_MAX_ITEMS, &n,
							NULL), 0);
			for (unsigned int i = 0; i < n; i++) {
				struct es *e = es_get(c, h.epoch ? h.epoch : c->epoch,
						      g[i].stream);

				for (uint32_t q = g[i].first; q <= g[i].last &&
				     q < MAXSEQ; q++)
					if (!e->got[q])
						e->gap[q] = 1;
			}
		}
	}
}

/* Cumulative ACKs of every (epoch, stream) that moved. */
static void ctl_ack(struct ctl *c, struct run *r, ps_assoc_id id)
{
	ctl_read(c, r->ep, id);
	for (unsigned int i = 0; i < c->n; i++) {
		struct es *e = &c->es[i];
		uint32_t p = contig(e);
		struct msg_ack a = { e->stream, p };
		uint8_t buf[64];
		size_t len;

		if (p <= e->acked)
			continue;
		assert_int_equal(msg_encode_ack(buf, sizeof(buf),
						e->epoch == c->epoch ? 0 : e->epoch,
						&a, 1, &len), 0);
		fake_sctp_data(r->ep, id, 0, MSG_PPID, buf, len);
		e->acked = p;
	}
	pump(r);
}

/* The controller with @id up and acknowledging for @ms of agent time. */
static void ctl_run(struct ctl *c, struct run *r, ps_assoc_id id, uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 100) {
		fake_loop_advance(r->l, 100);
		pump(r);
		ctl_ack(c, r, id);
	}
}

/* Every seq 1..@last of (@epoch, @stream) got or named lost; how many
 * were named lost. Order and duplicates are checked as they come. */
static uint32_t ctl_lost(struct ctl *c, uint32_t epoch, uint16_t stream,
			 uint32_t last)
{
	struct es *e = es_get(c, epoch, stream);
	uint32_t lost = 0;

	assert_false(e->disorder);
	for (uint32_t q = 1; q <= last; q++) {
		if (!e->got[q] && !e->gap[q])
			fail_msg("epoch %u stream %u seq %u neither received nor "
				 "named lost", epoch, stream, q);
		lost += e->gap[q];
	}
	for (uint32_t q = last + 1; q < MAXSEQ; q++)
		assert_false(e->got[q]);
	return lost;
}

static ps_assoc_id connect_up(struct run *r, unsigned int ctrl)
{
	ps_assoc_id id = 0;

	for (unsigned int i = 0; i < fake_sctp_ncalls(r->ep, FAKE_SCTP_CONNECT); i++) {
		const struct fake_sctp_call *k = fake_sctp_call(r->ep, FAKE_SCTP_CONNECT, i);

		if (!k->ret && net_addr_equal(&k->addrs[0], &r->cfg->ctrls[ctrl].addrs[0]))
			id = k->assoc;
	}
	assert_int_not_equal(id, 0);
	fake_sctp_comm_up(r->ep, id);
	pump(r);
	return id;
}

/* The controllers of a test (static: they are large). */
static struct ctl ctls[2];

static int setup(void **state)
{
	(void)state;
	memset(ctls, 0, sizeof(ctls));
	fake_reset_all();
	fake_nl_fail_open(0);
	fake_file_mkdir_p("/var/lib");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_reset_all();
	return 0;
}

static uint32_t assigned(struct run *r, unsigned int ctrl, uint16_t stream)
{
	return r->ag->assoc[ctrl].assigned[stream];
}

/* --- tests --------------------------------------------------------------- */

/* The epoch comes from the outbox and grows by one per run; every run
 * logs where it is. */
static void test_epoch_persisted(void **state)
{
	struct run r;
	uint32_t e1, e2;

	(void)state;
	start(&r, ini_ab);
	e1 = r.ag->epoch;
	assert_true(r.ag->ob_on_disk);
	assert_true(fake_file_exists(ODIR "/state.0") || fake_file_exists(ODIR "/state.1"));
	stop(&r);
	start(&r, ini_ab);
	e2 = r.ag->epoch;
	assert_int_equal(e2, e1 + 1);
	kill9(&r);
	start(&r, ini_ab);
	assert_int_equal(r.ag->epoch, e2 + 1);
	stop(&r);
}

/* a is down for the whole first run; the agent is stopped (cleanly, then
 * killed) with a backlog and started again: a gets every reading of the
 * old epochs (EPOCH in the header), oldest first, then the new ones. */
static void restart_with_backlog(bool kill)
{
	struct run r;
	struct ctl *cp = &ctls[0];
	uint32_t e1, last1_bulk, last1_alarm;
	ps_assoc_id id;

	start(&r, ini_ab);
	e1 = r.ag->epoch;
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, -ENETUNREACH, 1000);
	fake_loop_advance(r.l, 30000);		/* 300 bulk, 30 alarm held */
	pump(&r);
	last1_bulk = assigned(&r, 0, 1);
	last1_alarm = assigned(&r, 0, 2);
	assert_true(last1_bulk >= 299);
	if (kill)
		kill9(&r);
	else
		stop(&r);
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, 0, 0);
	start(&r, ini_ab);
	assert_int_equal(r.ag->epoch, e1 + 1);
	id = connect_up(&r, 0);
	ctl_run(cp, &r, id, 5000);
	assert_int_equal(cp->epoch, e1 + 1);
	assert_int_equal(ctl_lost(cp, e1, 1, last1_bulk), 0);
	assert_int_equal(ctl_lost(cp, e1, 2, last1_alarm), 0);
	assert_int_equal(ctl_lost(cp, e1 + 1, 1, assigned(&r, 0, 1)), 0);
	assert_int_equal(ctl_lost(cp, e1 + 1, 2, assigned(&r, 0, 2)), 0);
	assert_int_equal(r.ag->assoc[0].st.lost, 0);
	/* everything a ACKed and b does not take (alarm) or b will get: the
	 * state records a's cursors; b (never up) still holds all bulk */
	assert_int_equal(outbox_acked(r.ag->ob, 0, e1, 1), last1_bulk);
	assert_int_equal(outbox_acked(r.ag->ob, 1, e1, 1), 0);
	stop(&r);
}

static void test_restart_with_backlog(void **state)
{
	(void)state;
	restart_with_backlog(false);
}

static void test_kill9_with_backlog(void **state)
{
	(void)state;
	restart_with_backlog(true);
}

/* A power cut with both controllers down: what was older than the sync
 * interval survives; the rest may go, and if it goes the controller is
 * not told anything false (it was never acknowledged, never numbered on
 * the wire). Start-up succeeds. */
static void test_power_cut(void **state)
{
	static const char ini1[] =
		"[agent]\nname = pc\nstate_dir = /var/lib/sctpagent\n"
		"reconnect_min_ms = 1000\nreconnect_max_ms = 1000\n"
		"[controller.a]\naddress = 10.0.1.1\n"
		"[sensor.bulk]\ndriver = simulated\nsource = counter\ninterval_ms = 100\n";
	struct run r;
	struct ctl *cp = &ctls[0];
	uint32_t e1, synced;
	ps_assoc_id id;

	(void)state;
	start(&r, ini1);
	e1 = r.ag->epoch;
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, -ENETUNREACH, 1000);
	fake_loop_advance(r.l, 20050);		/* 200 readings, synced each second */
	synced = outbox_durable(r.ag->ob, 1);
	assert_true(synced >= 190);		/* at most ~1 s behind */
	fake_file_crash_now();
	stop(&r);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, 0, 0);
	start(&r, ini1);
	assert_true(r.ag->epoch > e1);
	id = connect_up(&r, 0);
	ctl_run(cp, &r, id, 3000);
	/* everything synced arrived, in order; nothing after it was named */
	assert_int_equal(ctl_lost(cp, e1, 1, synced), 0);
	assert_int_equal(ctl_lost(cp, r.ag->epoch, 1, assigned(&r, 0, 1)), 0);
	stop(&r);
}

/* Sample time of the first reading of message @m (wall ms). */
static int64_t taken_ms(const struct fake_sctp_msg *m)
{
	struct msg_reading rd[MSG_MAX_ITEMS];
	struct msg_hdr h;
	const uint8_t *b;
	size_t bl;
	unsigned int n;

	assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, &b, &bl, NULL), 0);
	assert_int_equal(msg_decode_readings(b, bl, rd, MSG_MAX_ITEMS, &n, NULL), 0);
	return rd[0].time_ms;
}

/* A long backlog of bulk readings drains at the link's pace while alarm
 * readings keep coming: each alarm reading leaves within one link slot
 * of being taken, not behind the backlog. */
static void test_alarm_ahead_of_backlog(void **state)
{
	static const char ini1[] =
		"[agent]\nname = il\nstate_dir = /var/lib/sctpagent\n"
		"reconnect_min_ms = 1000\nreconnect_max_ms = 1000\n"
		"[controller.a]\naddress = 10.0.1.1\n"
		"[sensor.bulk]\ndriver = simulated\nsource = counter\ninterval_ms = 10\n"
		"priority = 200\n"
		"[sensor.alarm]\ndriver = simulated\nsource = counter\ninterval_ms = 500\n"
		"priority = 0\n";
	struct run r;
	struct ctl *cp = &ctls[0];
	ps_assoc_id id;
	unsigned int alarms = 0;
	int64_t bulk_late = 0, alarm_late = 0;

	(void)state;
	start(&r, ini1);
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, -ENETUNREACH, 1000);
	fake_loop_advance(r.l, 30000);		/* 3000 bulk readings held */
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, 0, 0);
	fake_loop_advance(r.l, 1000);
	fake_sctp_set_send_budget(r.ep, 0);
	id = connect_up(&r, 0);
	fake_sctp_clear_sent(r.ep);
	/* the link takes 5 messages per 10 ms (500/s): the 3000 + 100/s
	 * backlog needs about 8 s */
	for (int step = 0; step < 1500; step++) {
		fake_loop_advance(r.l, 10);
		fake_sctp_set_send_budget(r.ep, 5);
		pump(&r);
		if (!(step % 20))
			ctl_ack(cp, &r, id);
	}
	fake_sctp_set_send_budget(r.ep, -1);
	pump(&r);
	ctl_run(cp, &r, id, 1000);
	for (unsigned int i = 0; i < fake_sctp_nsent(r.ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(r.ep, i);
		int64_t late;

		if (!m->len || !m->si.stream)
			continue;
		late = (int64_t)m->at_ms + FAKE_CLOCK_WALL_MS -
		       (int64_t)FAKE_CLOCK_START_MS - taken_ms(m);
		if (m->si.stream == 1 && late > bulk_late)
			bulk_late = late;
		if (m->si.stream == 2 && taken_ms(m) > FAKE_CLOCK_WALL_MS + 31000) {
			alarms++;		/* taken during the replay */
			if (late > alarm_late)
				alarm_late = late;
		}
	}
	print_message("bulk late %lld ms, %u alarms late %lld ms, sent %u\n", (long long)bulk_late, alarms, (long long)alarm_late, fake_sctp_nsent(r.ep));
	assert_true(bulk_late > 5000);		/* the backlog took seconds */
	assert_true(alarms >= 10);
	assert_true(alarm_late <= 20);		/* the alarms did not wait */
	assert_int_equal(ctl_lost(cp, r.ag->epoch, 1, assigned(&r, 0, 1)), 0);
	assert_int_equal(ctl_lost(cp, r.ag->epoch, 2, assigned(&r, 0, 2)), 0);
	stop(&r);
}

/* The device fails (every write and sync: EIO) while a is up and b is
 * down: one alarm, readings go on through the memory tier (a live, b held
 * in memory), and when the device works again the memory tier is written
 * to it; a kill -9 after that loses nothing b has not acknowledged. */
static void test_device_fails_and_recovers(void **state)
{
	struct run r;
	struct ctl *cap = &ctls[0], *cbp = &ctls[1];
	struct outbox_stats st;
	struct publish_stats ps;
	uint32_t e1, last, last2;
	ps_assoc_id ida, idb;

	(void)state;
	start(&r, ini_ab);
	e1 = r.ag->epoch;
	ida = connect_up(&r, 0);
	ctl_run(cap, &r, ida, 2000);
	fake_file_fail_all(-EIO);
	ctl_run(cap, &r, ida, 5000);
	outbox_stats(r.ag->ob, &st);
	assert_int_equal(st.degraded, -EIO);
	assert_true(st.mem_appended > 0);
	assert_int_equal(fake_log_count_matching("ALARM: the outbox in"), 1);
	publish_get_stats(r.ag->pub, &ps);
	assert_true(ps.stored_memory > 0);
	assert_int_equal(ps.store_failed, 0);
	fake_file_fail_all(0);			/* it works again */
	ctl_run(cap, &r, ida, 5000);
	outbox_stats(r.ag->ob, &st);
	assert_int_equal(st.degraded, 0);
	assert_int_equal(st.mem_segments, 0);
	assert_true(st.mem_written > 0);
	assert_true(fake_log_contains("writes again"));
	last = assigned(&r, 1, 1);
	last2 = assigned(&r, 0, 2);
	kill9(&r);
	start(&r, ini_ab);
	ida = connect_up(&r, 0);
	idb = connect_up(&r, 1);
	for (int i = 0; i < 50; i++) {
		fake_loop_advance(r.l, 100);
		pump(&r);
		ctl_ack(cap, &r, ida);
		ctl_ack(cbp, &r, idb);
	}
	/* b, down in the first run, gets all of it, memory tier included */
	assert_int_equal(ctl_lost(cbp, e1, 1, last), 0);
	assert_int_equal(ctl_lost(cap, e1, 1, last), 0);
	assert_int_equal(ctl_lost(cap, e1, 2, last2), 0);
	assert_int_equal(ctl_lost(cbp, e1 + 1, 1, assigned(&r, 1, 1)), 0);
	stop(&r);
}

/* The device fails while b is down for long: the memory budget bounds the
 * memory tier; b is told exactly what was dropped (GAP), a loses
 * nothing. */
static void test_degraded_memory_budget(void **state)
{
	static const char ini1[] =
		"[agent]\nname = mb\nstate_dir = /var/lib/sctpagent\n"
		"reconnect_min_ms = 1000\nreconnect_max_ms = 1000\nmemory_budget_kb = 64\n"
		"[controller.a]\naddress = 10.0.1.1\n"
		"[controller.b]\naddress = 10.0.2.1\n"
		"[sensor.bulk]\ndriver = simulated\nsource = counter\ninterval_ms = 20\n";
	struct run r;
	struct ctl *cap = &ctls[0], *cbp = &ctls[1];
	ps_assoc_id ida, idb;
	uint32_t lost;

	(void)state;
	start(&r, ini1);
	fake_file_fail_all(-EIO);
	ida = connect_up(&r, 0);
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, -ENETUNREACH, 1000);
	ctl_run(cap, &r, ida, 60000);		/* 3000 readings, b down */
	assert_true(budget_peak(r.ag->budget) <= budget_limit(r.ag->budget));
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, 0, 0);
	fake_loop_advance(r.l, 1000);
	idb = connect_up(&r, 1);
	for (int i = 0; i < 30; i++) {
		fake_loop_advance(r.l, 100);
		pump(&r);
		ctl_ack(cap, &r, ida);
		ctl_ack(cbp, &r, idb);
	}
	assert_int_equal(ctl_lost(cap, r.ag->epoch, 1, assigned(&r, 0, 1)), 0);
	lost = ctl_lost(cbp, r.ag->epoch, 1, assigned(&r, 1, 1));
	assert_true(lost > 1000);		/* 64 KiB hold far fewer */
	assert_int_equal(r.ag->assoc[1].st.lost, lost);
	assert_int_equal(r.ag->assoc[1].st.evicted, lost);
	assert_int_equal(r.ag->assoc[0].st.lost, 0);
	stop(&r);
}

/* The frames of a segment file: offset of the @n-th DATA frame of @stream
 * (0-based), and its seq. */
static uint64_t nth_frame(const char *path, uint16_t stream, unsigned int n,
			  uint32_t *seq)
{
	size_t len;
	const uint8_t *d = (const uint8_t *)fake_file_get(path, &len);

	assert_non_null(d);
	for (uint64_t off = 0; off + 32 <= len;) {
		uint32_t l = (uint32_t)d[off + 4] | (uint32_t)d[off + 5] << 8 |
			     (uint32_t)d[off + 6] << 16 | (uint32_t)d[off + 7] << 24;

		assert_true(d[off] == 'O' && d[off + 1] == 'B');
		if (d[off + 2] == 2 && (d[off + 12] | d[off + 13] << 8) == stream &&
		    !n--) {
			*seq = (uint32_t)d[off + 16] | (uint32_t)d[off + 17] << 8 |
			       (uint32_t)d[off + 18] << 16 | (uint32_t)d[off + 19] << 24;
			return off;
		}
		off += 32 + l;
	}
	fail_msg("no such frame");
	return 0;
}

/* A bit flips in a record of a sealed, indexed segment while the agent
 * is stopped: start-up reads only the index; the replay finds the bad
 * record, and the controller gets a GAP for exactly its seq and every
 * other reading. */
static void test_corrupt_record_is_a_gap(void **state)
{
	struct run r;
	struct ctl *cp = &ctls[0];
	uint32_t e1, last, bad = 0;
	uint64_t off;
	ps_assoc_id id;

	(void)state;
	start(&r, ini_ab);
	e1 = r.ag->epoch;
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, -ENETUNREACH, 1000);
	fake_loop_advance(r.l, 20000);
	last = assigned(&r, 0, 1);
	stop(&r);				/* seals the segment with its index */
	off = nth_frame(ODIR "/seg-0000000000000001.log", 1, 100, &bad);
	assert_int_equal(fake_file_corrupt(ODIR "/seg-0000000000000001.log",
					   off + 40, 0x10), 0);
	fake_sctp_fail_next(FAKE_SCTP_CONNECT, 0, 0);
	start(&r, ini_ab);
	{
		struct outbox_stats st;

		outbox_stats(r.ag->ob, &st);
		assert_int_equal(st.scanned_bytes, 0);	/* index only */
	}
	id = connect_up(&r, 0);
	ctl_run(cp, &r, id, 3000);
	assert_int_equal(ctl_lost(cp, e1, 1, last), 1);
	assert_true(es_get(cp, e1, 1)->gap[bad]);
	assert_int_equal(r.ag->assoc[0].st.evicted, 1);
	assert_int_equal(r.ag->assoc[0].st.lost, 1);
	assert_int_equal(ctl_lost(cp, r.ag->epoch, 1, assigned(&r, 0, 1)), 0);
	stop(&r);
}

/* Two agents on one state_dir would corrupt each other's outbox: the
 * second refuses to start, naming the reason. */
static void test_state_dir_in_use(void **state)
{
	struct run r;
	struct config *cfg;
	struct agent *ag;
	struct cfg_diag d;
	struct cli_opts o = { 0 };

	(void)state;
	start(&r, ini_ab);
	assert_int_equal(config_load_text("t2.ini", ini_ab, &cfg, &d), 0);
	assert_int_equal(agent_create(cfg, &o, &ag), -EBUSY);
	assert_true(fake_log_contains("is in use by another sctpagent"));
	config_free(cfg);
	stop(&r);
	start(&r, ini_ab);			/* free again */
	stop(&r);
}

/* Small PRNG for the kill loop (the fake clock's is the agent's). */
static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/* kill -9 at random moments, 50 times in a row, with the controller up
 * (acknowledging as it goes) or down; in the end it gets every reading
 * of every run exactly once after dedup, in order, nothing named lost. */
static void kill_loop(bool ctl_up)
{
	struct run r;
	struct ctl *cp = &ctls[0];
	uint32_t seed = ctl_up ? 0x1234567u : 0x7654321u;
	struct { uint32_t epoch, last[3]; } runs[52];
	unsigned int n = 0;
	ps_assoc_id id = 0;

	for (unsigned int k = 0; k < 50; k++) {
		start(&r, ini_ab);
		if (ctl_up)
			id = connect_up(&r, 0);
		else
			fake_sctp_fail_next(FAKE_SCTP_CONNECT, -ENETUNREACH, 1000);
		for (uint32_t t = 0, end = 50 + rnd(&seed) % 1500; t < end; t += 10) {
			fake_loop_advance(r.l, 10);
			if (ctl_up && rnd(&seed) % 8 == 0)
				ctl_ack(cp, &r, id);
		}
		if (ctl_up)
			ctl_read(cp, r.ep, id);
		runs[n].epoch = r.ag->epoch;
		runs[n].last[1] = assigned(&r, 0, 1);
		runs[n].last[2] = assigned(&r, 0, 2);
		n++;
		kill9(&r);
		fake_sctp_fail_next(FAKE_SCTP_CONNECT, 0, 0);
	}
	start(&r, ini_ab);
	id = connect_up(&r, 0);
	ctl_run(cp, &r, id, 5000);
	for (unsigned int k = 0; k < n; k++) {
		if (k)
			assert_int_equal(runs[k].epoch, runs[k - 1].epoch + 1);
		assert_int_equal(ctl_lost(cp, runs[k].epoch, 1, runs[k].last[1]), 0);
		assert_int_equal(ctl_lost(cp, runs[k].epoch, 2, runs[k].last[2]), 0);
	}
	assert_int_equal(r.ag->assoc[0].st.lost, 0);
	print_message("%u kills (controller %s): %llu readings, %llu duplicates "
		      "removed\n", n, ctl_up ? "up" : "down",
		      (unsigned long long)cp->readings, (unsigned long long)cp->dups);
	stop(&r);
}

static void test_kill_loop_ctl_up(void **state)
{
	(void)state;
	kill_loop(true);
}

static void test_kill_loop_ctl_down(void **state)
{
	(void)state;
	kill_loop(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_epoch_persisted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_with_backlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill9_with_backlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_power_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alarm_ahead_of_backlog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_fails_and_recovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_degraded_memory_budget, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_record_is_a_gap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_dir_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_loop_ctl_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kill_loop_ctl_down, setup, teardown),
	};

	return cmocka_run_group_tests_name("outbox_agent", tests, NULL, NULL);
}
