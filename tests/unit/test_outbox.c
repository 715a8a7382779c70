// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_outbox.c - the persistent outbox against the fake file
 * system (tests/fake/fake_file.c), with a settable clock and no sleeps.
 *
 * Most tests check results against a model: what the test appended, what
 * the outbox said was durable, what the test acknowledged. The crash tests
 * cut the power at every mutating file operation of a scripted run (in
 * several ways) and require, after recovery: start-up succeeds; the epoch
 * is new; every record ever reported durable is replayed or acknowledged
 * (never reported lost, never changed; a record every controller had
 * acknowledged may be gone, it needed no sync); nothing is replayed twice;
 * per stream order holds; cursors are never ahead of what was durable nor
 * of the acks the test gave.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "agent/crc32c.h"
#include "agent/outbox.h"
#include "tests/fake/fake.h"

#define DIR "/var/lib/sctpagent"
#define ODIR DIR "/outbox"
#define NS 3			/* streams 1..3 */
#define MAXSEQ 400

static const char *const names[] = { "a", "b" };

/* Controller "b" does not take stream 3. */
static bool takes(void *ctx, unsigned int ctrl, uint16_t stream)
{
	(void)ctx;
	return !(ctrl == 1 && stream == 3);
}

static struct outbox_config config(void)
{
	struct outbox_config c = {
		.dir = DIR, .max_bytes = 1024 * 1024, .segment_bytes = 4096,
		.sync_interval_ms = 1000, .state_interval_ms = 5000,
		.n_ctrls = 2, .ctrl_names = names, .takes = takes,
		.free_pct = 100, .quarantine_bytes = 16384, .max_record = 4000,
	};

	return c;
}

static int reset(void **state)
{
	(void)state;
	fake_file_reset();
	fake_clock_reset();
	fake_log_clear();
	fake_file_mkdir_p("/var/lib");
	return 0;
}

/* Deterministic payloads: (epoch, stream, seq) decide length and bytes. */
static size_t payload(uint32_t epoch, uint16_t stream, uint32_t seq,
		      uint8_t *buf)
{
	size_t len = 8 + (seq * 7u + stream * 13u) % 90u;

	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(epoch * 31u + stream * 7u + seq + i);
	return len;
}

static int append_lt(struct outbox *ob, uint16_t stream, uint32_t seq,
		     uint32_t lifetime_ms)
{
	uint8_t buf[128];
	size_t len = payload(outbox_epoch(ob), stream, seq, buf);

	return outbox_append(ob, stream, seq, (uint8_t)stream, lifetime_ms,
			     buf, len);
}

static int append(struct outbox *ob, uint16_t stream, uint32_t seq)
{
	return append_lt(ob, stream, seq, 0);
}

static struct outbox *open_ok(const struct outbox_config *c, uint32_t *epoch)
{
	struct outbox *ob = NULL;
	uint32_t e = 0;

	assert_int_equal(outbox_open(c, &ob, &e), 0);
	assert_non_null(ob);
	assert_int_not_equal(e, 0);
	if (epoch)
		*epoch = e;
	return ob;
}

/* What an iterator yielded, for the checks. */
struct got {
	unsigned int n;
	struct {
		uint32_t epoch, seq, last;
		uint16_t stream;
		enum outbox_rec_type type;
	} r[4 * MAXSEQ];
};

/* Drain @it; every DATA payload must be the generated one. */
static void drain(struct outbox_iter *it, struct got *g)
{
	struct outbox_rec rec;
	int rc;

	while ((rc = outbox_iter_next(it, &rec)) == 0) {
		uint8_t want[128];

		assert_true(g->n < sizeof(g->r) / sizeof(g->r[0]));
		if (rec.type == OUTBOX_REC_DATA) {
			size_t len = payload(rec.epoch, rec.stream, rec.seq, want);

			assert_int_equal(rec.len, len);
			assert_memory_equal(rec.payload, want, len);
			assert_int_equal(rec.flags, rec.stream);
			assert_int_equal(rec.last, rec.seq);
		}
		g->r[g->n].epoch = rec.epoch;
		g->r[g->n].seq = rec.seq;
		g->r[g->n].last = rec.last;
		g->r[g->n].stream = rec.stream;
		g->r[g->n].type = rec.type;
		g->n++;
	}
	assert_int_equal(rc, -ENOENT);
}

static void replay(struct outbox *ob, unsigned int ctrl, struct got *g)
{
	struct outbox_iter *it;

	memset(g, 0, sizeof(*g));
	assert_int_equal(outbox_iter_open(ob, ctrl, NULL, NULL, 0, &it), 0);
	drain(it, g);
	outbox_iter_close(it);
}

/* Seqs of (@epoch, @stream) in @g, in order, as "1-5,7" style coverage:
 * returns how many there are and checks they strictly increase. */
static unsigned int count_seqs(const struct got *g, uint32_t epoch,
			       uint16_t stream, uint32_t *first, uint32_t *last)
{
	unsigned int n = 0;
	uint32_t prev = 0;

	for (unsigned int i = 0; i < g->n; i++) {
		if (g->r[i].epoch != epoch || g->r[i].stream != stream)
			continue;
		assert_true(g->r[i].seq > prev);	/* order, no duplicate */
		if (!n && first)
			*first = g->r[i].seq;
		prev = g->r[i].last;
		n += g->r[i].last - g->r[i].seq + 1;
	}
	if (last)
		*last = prev;
	return n;
}

static bool yielded(const struct got *g, uint32_t epoch, uint16_t stream,
		    uint32_t seq)
{
	for (unsigned int i = 0; i < g->n; i++)
		if (g->r[i].epoch == epoch && g->r[i].stream == stream &&
		    g->r[i].seq <= seq && seq <= g->r[i].last)
			return true;
	return false;
}

struct lost {
	unsigned int n;
	struct outbox_range r[256];
};

static void pop_lost(struct outbox *ob, unsigned int ctrl, struct lost *l)
{
	memset(l, 0, sizeof(*l));
	while (l->n < 256 && outbox_lost_next(ob, ctrl, &l->r[l->n]) == 0)
		l->n++;
	assert_true(l->n < 256);
}

static bool in_lost(const struct lost *l, uint32_t epoch, uint16_t stream,
		    uint32_t seq)
{
	for (unsigned int i = 0; i < l->n; i++)
		if (l->r[i].epoch == epoch && l->r[i].stream == stream &&
		    l->r[i].first <= seq && seq <= l->r[i].last)
			return true;
	return false;
}

static unsigned int seg_files(void)
{
	unsigned int n = 0;
	char p[128];

	for (int id = 1; id < 200; id++) {
		snprintf(p, sizeof(p), ODIR "/seg-%016x.log", id);
		n += fake_file_exists(p);
	}
	return n;
}

static const char *seg_name(unsigned int id)
{
	static char p[128];

	snprintf(p, sizeof(p), ODIR "/seg-%016x.log", id);
	return p;
}

/* --- CRC32C ----------------------------------------------------------------------- */

static void test_crc32c_vectors(void **state)
{
	uint8_t b[48];

	(void)state;
	assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283u);
	/* RFC 3720 B.4 */
	memset(b, 0, 32);
	assert_int_equal(crc32c(0, b, 32), 0x8a9136aau);
	memset(b, 0xff, 32);
	assert_int_equal(crc32c(0, b, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)i;
	assert_int_equal(crc32c(0, b, 32), 0x46dd794eu);
	for (int i = 0; i < 32; i++)
		b[i] = (uint8_t)(31 - i);
	assert_int_equal(crc32c(0, b, 32), 0x113fdb5cu);
	/* Any split gives the same result, at any alignment. */
	for (int i = 0; i < 48; i++)
		b[i] = (uint8_t)(i * 37 + 1);
	for (size_t cut = 0; cut <= 45; cut++)
		assert_int_equal(crc32c(crc32c(0, b + 1, cut), b + 1 + cut,
					45 - cut),
				 crc32c(0, b + 1, 45));
	assert_int_equal(crc32c(0, NULL, 0), 0);
}

/* --- basics -------------------------------------------------------------------------- */

static void test_config_rejected(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	uint32_t e;
	const char *dup[] = { "a", "a" };

	(void)state;
	c.segment_bytes = 512 * 1024;	/* > max_bytes / 4 */
	assert_int_equal(outbox_open(&c, &ob, &e), -EINVAL);
	c = config();
	c.ctrl_names = dup;
	assert_int_equal(outbox_open(&c, &ob, &e), -EINVAL);
	c = config();
	c.free_pct = 101;
	assert_int_equal(outbox_open(&c, &ob, &e), -EINVAL);
	c = config();
	c.dir = "/no/such/parent/dir";
	assert_int_equal(outbox_open(&c, &ob, &e), -ENOENT);
	assert_true(fake_log_contains("/no/such/parent/dir/outbox"));
}

static void test_append_replay_ack(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct got g;
	uint32_t e1, e2, first, last;
	struct outbox_stats st;

	(void)state;
	ob = open_ok(&c, &e1);
	assert_int_equal(e1, 1);	/* a fresh directory */
	for (uint32_t seq = 1; seq <= 100; seq++)
		for (uint16_t s = 1; s <= NS; s++)
			assert_int_equal(append(ob, s, seq), 0);
	outbox_stats(ob, &st);
	assert_true(st.segments > 3);	/* 4 KiB segments */
	assert_int_equal(st.appended, 300);
	replay(ob, 0, &g);
	assert_int_equal(g.n, 300);
	for (uint16_t s = 1; s <= NS; s++) {
		assert_int_equal(count_seqs(&g, e1, s, &first, &last), 100);
		assert_int_equal(first, 1);
		assert_int_equal(last, 100);
	}
	replay(ob, 1, &g);
	assert_int_equal(g.n, 200);	/* b does not take stream 3 */
	assert_int_equal(count_seqs(&g, e1, 3, NULL, NULL), 0);

	assert_int_equal(outbox_ack(ob, 0, e1, 1, 60), 0);
	assert_int_equal(outbox_ack(ob, 0, e1, 1, 50), 0);	/* backwards */
	assert_int_equal(outbox_acked(ob, 0, e1, 1), 60);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e1, 1, &first, NULL), 40);
	assert_int_equal(first, 61);
	assert_int_equal(outbox_close(ob), 0);
	assert_int_equal(fake_file_open_handles(), 0);

	ob = open_ok(&c, &e2);
	assert_int_equal(e2, 2);
	assert_int_equal(outbox_acked(ob, 0, e1, 1), 60);	/* persisted */
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e1, 1, &first, NULL), 40);
	assert_int_equal(first, 61);
	assert_int_equal(count_seqs(&g, e1, 2, NULL, NULL), 100);
	/* The new epoch starts at 1 again, after the old epoch's records. */
	assert_int_equal(append(ob, 1, 1), 0);
	replay(ob, 0, &g);
	assert_int_equal(g.r[g.n - 1].epoch, e2);
	assert_int_equal(g.r[g.n - 1].seq, 1);
	outbox_stats(ob, &st);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(st.bad_regions, 0);
	assert_int_equal(st.scanned_bytes, 0);	/* every segment indexed */
	assert_int_equal(outbox_close(ob), 0);
}

static void test_append_rules(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	static uint8_t big[70000];
	uint32_t e = outbox_epoch(ob);

	(void)state;
	assert_int_equal(append(ob, 0, 1), -EINVAL);
	assert_int_equal(append(ob, 1, 0), -EINVAL);
	assert_int_equal(append(ob, 1, 5), 0);	/* first of the run: any */
	assert_int_equal(append(ob, 1, 5), -EINVAL);
	assert_int_equal(append(ob, 1, 7), -EINVAL);	/* a hole */
	assert_int_equal(append(ob, 1, 6), 0);
	assert_int_equal(outbox_append(ob, 2, 1, 0, 0, big, sizeof(big)),
			 -EMSGSIZE);
	assert_int_equal(outbox_append_gap(ob, 1, 9, 8), -EINVAL);
	assert_int_equal(outbox_append_gap(ob, 1, 7, 9), 0);
	assert_int_equal(append(ob, 1, 10), 0);
	/* acks */
	assert_int_equal(outbox_ack(ob, 2, e, 1, 1), -EINVAL);
	assert_int_equal(outbox_ack(ob, 0, e, 9, 1), -ENOENT);
	assert_int_equal(outbox_ack(ob, 0, e + 1, 1, 1), -ENOENT);
	assert_int_equal(outbox_ack(ob, 0, e, 1, 11), -ERANGE);
	assert_int_equal(outbox_acked(ob, 0, e, 1), 10);	/* moved to last */
	assert_int_equal(outbox_close(ob), 0);
}

static void test_gap_record(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob);
	struct got g;

	(void)state;
	assert_int_equal(append(ob, 1, 1), 0);
	assert_int_equal(outbox_append_gap(ob, 1, 2, 4), 0);
	assert_int_equal(append(ob, 1, 5), 0);
	replay(ob, 0, &g);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.r[1].type, OUTBOX_REC_GAP);
	assert_int_equal(g.r[1].seq, 2);
	assert_int_equal(g.r[1].last, 4);
	/* A GAP partly acknowledged comes back cut to what is missing. */
	assert_int_equal(outbox_ack(ob, 0, e, 1, 3), 0);
	replay(ob, 0, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.r[0].seq, 4);
	assert_int_equal(g.r[0].last, 4);
	assert_int_equal(outbox_close(ob), 0);
	ob = open_ok(&c, NULL);
	replay(ob, 0, &g);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.r[0].type, OUTBOX_REC_GAP);
	assert_int_equal(outbox_close(ob), 0);
}

static bool want_alarm(void *ctx, uint16_t stream)
{
	return stream == *(const uint16_t *)ctx;
}

static bool want_bulk(void *ctx, uint16_t stream)
{
	return stream != *(const uint16_t *)ctx;
}

/* An alarm-class stream is reachable at once behind a long backlog, and the
 * bulk iterator still gets everything else in order. */
static void test_interleave(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob);
	struct outbox_iter *alarm, *bulk;
	struct outbox_rec rec;
	uint16_t alarm_stream = 3;
	struct got g = { 0 };
	uint32_t first, last;

	(void)state;
	for (uint32_t seq = 1; seq <= 300; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	assert_int_equal(append(ob, 3, 1), 0);	/* the alarm, last */
	assert_int_equal(append(ob, 1, 301), 0);
	assert_int_equal(outbox_iter_open(ob, 0, want_bulk, &alarm_stream, 0,
					  &bulk), 0);
	assert_int_equal(outbox_iter_open(ob, 0, want_alarm, &alarm_stream, 0,
					  &alarm), 0);
	/* Two bulk records out, then the alarm comes before the rest. */
	assert_int_equal(outbox_iter_next(bulk, &rec), 0);
	assert_int_equal(outbox_iter_next(bulk, &rec), 0);
	assert_int_equal(rec.seq, 2);
	assert_int_equal(outbox_iter_next(alarm, &rec), 0);
	assert_int_equal(rec.stream, 3);
	assert_int_equal(rec.seq, 1);
	assert_int_equal(outbox_iter_next(alarm, &rec), -ENOENT);
	/* A new alarm appended later: a FOLLOW iterator sees it. */
	outbox_iter_close(alarm);
	assert_int_equal(outbox_iter_open(ob, 0, want_alarm, &alarm_stream,
					  OUTBOX_ITER_FOLLOW, &alarm), 0);
	assert_int_equal(outbox_ack(ob, 0, e, 3, 1), 0);
	assert_int_equal(outbox_iter_next(alarm, &rec), -ENOENT);
	assert_int_equal(append(ob, 3, 2), 0);
	assert_int_equal(outbox_iter_next(alarm, &rec), 0);
	assert_int_equal(rec.seq, 2);
	drain(bulk, &g);
	assert_int_equal(count_seqs(&g, e, 1, &first, &last), 299);
	assert_int_equal(first, 3);
	assert_int_equal(last, 301);
	assert_int_equal(count_seqs(&g, e, 3, NULL, NULL), 0);
	outbox_iter_close(alarm);
	outbox_iter_close(bulk);
	assert_int_equal(outbox_close(ob), 0);
}

static void test_iter_after_close(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	struct outbox_iter *it;
	struct outbox_rec rec;

	(void)state;
	assert_int_equal(append(ob, 1, 1), 0);
	assert_int_equal(outbox_iter_open(ob, 5, NULL, NULL, 0, &it), -EINVAL);
	assert_int_equal(outbox_iter_open(ob, 0, NULL, NULL, 0, &it), 0);
	assert_int_equal(outbox_close(ob), 0);
	assert_int_equal(outbox_iter_next(it, &rec), -EBADF);
	outbox_iter_close(it);
	assert_int_equal(fake_file_open_handles(), 0);
}

/* --- sync policy -------------------------------------------------------------------- */

static void test_sync_policy(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	struct outbox_stats st;
	unsigned long syncs;
	uint32_t seq = 0;

	(void)state;
	syncs = fake_file_count(FAKE_OP_SYNC);
	assert_int_equal(append(ob, 1, ++seq), 0);
	assert_int_equal(outbox_durable(ob, 1), 0);	/* written, not synced */
	assert_int_equal(outbox_next_due_ms(ob), FAKE_CLOCK_START_MS + 1000);
	fake_clock_advance(400);
	assert_int_equal(append(ob, 1, ++seq), 0);
	fake_clock_advance(599);
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(outbox_durable(ob, 1), 0);
	assert_int_equal(fake_file_count(FAKE_OP_SYNC), syncs);
	/* status: what is not durable yet, and since when */
	outbox_stats(ob, &st);
	assert_int_equal(st.unsynced_ms, 999);
	assert_true(st.unsynced_bytes > 0);
	/* the two records (the header of the segment is not counted) */
	assert_true(st.unsynced_bytes < st.written_off - st.durable_off);
	fake_clock_advance(1);	/* 1 s after the first unsynced record */
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(outbox_durable(ob, 1), 2);
	outbox_stats(ob, &st);
	assert_int_equal(st.unsynced_bytes, 0);
	assert_int_equal(st.unsynced_ms, 0);
	assert_int_equal(st.durable_seg, st.written_seg);
	assert_int_equal(st.durable_off, st.written_off);
	assert_int_equal(st.sync_last_ms, 0);	/* the fake syncs at once */
	assert_int_equal(st.sync_total_ms, 0);
	assert_int_equal(fake_file_count(FAKE_OP_SYNC), syncs + 1);
	assert_int_equal(outbox_next_due_ms(ob), UINT64_MAX);
	/* Records keep coming: about one sync per second, not per record. */
	syncs = fake_file_count(FAKE_OP_SYNC);
	for (int i = 0; i < 100; i++) {
		fake_clock_advance(100);	/* 10 readings/s for 10 s */
		assert_int_equal(append(ob, 2, (uint32_t)i + 1), 0);
		if (outbox_next_due_ms(ob) <= clock_mono_ms())
			assert_int_equal(outbox_poll(ob), 0);
	}
	/* A segment seal syncs too (index): 10-11 timed syncs + the seals. */
	outbox_stats(ob, &st);
	assert_true(fake_file_count(FAKE_OP_SYNC) - syncs <= 10 + 2 * st.segments);
	assert_true(outbox_durable(ob, 2) >= 90);
	/* The power-loss exposure is bounded by the interval. */
	assert_true(st.sync_hist[0] > 0);
	assert_int_equal(outbox_close(ob), 0);

	/* 0 = every record; sync_bytes bounds a burst. */
	c.sync_interval_ms = 0;
	ob = open_ok(&c, NULL);
	assert_int_equal(append(ob, 1, 1), 0);
	assert_int_equal(outbox_durable(ob, 1), 1);
	assert_int_equal(outbox_close(ob), 0);
	c.sync_interval_ms = 60000;
	c.sync_bytes = 1000;
	ob = open_ok(&c, NULL);
	for (seq = 1; seq <= 20; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	assert_true(outbox_durable(ob, 1) >= 10);	/* ~60 B each */
	outbox_stats(ob, &st);
	assert_int_equal(st.durable_seg, st.written_seg);
	assert_true(st.durable_off <= st.written_off);
	assert_int_equal(outbox_sync(ob), 0);
	assert_int_equal(outbox_durable(ob, 1), 20);
	outbox_stats(ob, &st);
	assert_int_equal(st.durable_off, st.written_off);
	assert_int_equal(outbox_close(ob), 0);
}

/* Records every controller acknowledged before their sync was due are never
 * synced: while the controllers keep up, no sync a second wears the card. */
static void test_acked_needs_no_sync(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	uint32_t e;
	struct outbox_stats st;
	unsigned long syncs;

	(void)state;
	c.state_interval_ms = 60000;	/* only the records' syncs here */
	ob = open_ok(&c, NULL);
	e = outbox_epoch(ob);
	syncs = fake_file_count(FAKE_OP_SYNC);
	for (uint32_t seq = 1; seq <= 30; seq++) {	/* 10 per second */
		assert_int_equal(append(ob, 1, seq), 0);
		fake_clock_advance(100);
		if (seq > 2) {	/* acks 200 ms behind */
			assert_int_equal(outbox_ack(ob, 0, e, 1, seq - 2), 0);
			assert_int_equal(outbox_ack(ob, 1, e, 1, seq - 2), 0);
		}
		if (outbox_next_due_ms(ob) <= clock_mono_ms())
			assert_int_equal(outbox_poll(ob), 0);
	}
	assert_int_equal(fake_file_count(FAKE_OP_SYNC), syncs);
	assert_int_equal(outbox_durable(ob, 1), 28);	/* acked by both */
	outbox_stats(ob, &st);
	assert_int_equal(st.sync_skipped, 28);
	/* Only a acks stream 1 from here: b still needs them synced. */
	assert_int_equal(append(ob, 1, 31), 0);
	assert_int_equal(outbox_ack(ob, 0, e, 1, 31), 0);
	fake_clock_advance(1000);
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(fake_file_count(FAKE_OP_SYNC), syncs + 1);
	assert_int_equal(outbox_durable(ob, 1), 31);
	/* Stream 3 is a's alone: a's ack is enough. */
	assert_int_equal(append(ob, 3, 1), 0);
	assert_int_equal(outbox_ack(ob, 0, e, 3, 1), 0);
	fake_clock_advance(1000);
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(fake_file_count(FAKE_OP_SYNC), syncs + 1);
	assert_int_equal(outbox_durable(ob, 3), 1);
	assert_int_equal(outbox_close(ob), 0);
	/* sync_interval_ms = 0 syncs every record, acked or not. */
	c.sync_interval_ms = 0;
	ob = open_ok(&c, &e);
	syncs = fake_file_count(FAKE_OP_SYNC);
	assert_int_equal(append(ob, 1, 1), 0);
	assert_int_equal(fake_file_count(FAKE_OP_SYNC), syncs + 1);
	assert_int_equal(outbox_close(ob), 0);
}

/* --- a controller added to the running outbox ------------------------------------------ */

static int add_low_cb(void *ctx, uint32_t epoch, uint16_t stream, uint32_t low)
{
	uint32_t *out = ctx;

	(void)epoch;
	out[stream] = low;
	return 0;
}

/* A controller added live starts where one the state file does not name
 * starts at open: the same records replayed, the same HELLO "low". */
static void test_add_ctrl_as_new_at_open(void **state)
{
	static const char *const abc[] = { "a", "b", "c" };
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob), low_live[NS + 1] = { 0 }, low_open[NS + 1] = { 0 };
	static struct got live, fresh;
	struct outbox_stats st;
	unsigned int i = 99;

	(void)state;
	for (uint32_t seq = 1; seq <= 200; seq++)
		for (uint16_t s = 1; s <= NS; s++)
			assert_int_equal(append(ob, s, seq), 0);
	/* a and b acked the oldest: those segments go */
	for (uint16_t s = 1; s <= NS; s++) {
		assert_int_equal(outbox_ack(ob, 0, e, s, 120), 0);
		assert_int_equal(outbox_ack(ob, 1, e, s, s == 3 ? 0 : 120), 0);	/* b: not 3 */
	}
	assert_int_equal(outbox_poll(ob), 0);
	outbox_stats(ob, &st);
	assert_true(st.segs_deleted >= 2);
	assert_int_equal(outbox_add_ctrl(ob, "a", &i), -EEXIST);
	assert_int_equal(outbox_add_ctrl(ob, "", &i), -EINVAL);
	assert_int_equal(outbox_add_ctrl(ob, "c", &i), 0);
	assert_int_equal(i, 2);
	for (uint16_t s = 1; s <= NS; s++)
		assert_int_equal(outbox_acked(ob, 2, e, s), 0);
	replay(ob, 2, &live);
	assert_int_equal(outbox_low(ob, 2, add_low_cb, low_live), 0);
	assert_true(live.n > 0);
	assert_true(yielded(&live, e, 1, 200));
	assert_false(yielded(&live, e, 1, 1));		/* deleted before it came */
	assert_true(low_live[1] > 1);
	/* appends after the add are its too */
	assert_int_equal(append(ob, 1, 201), 0);
	assert_int_equal(outbox_ack(ob, 2, e, 1, 201), 0);
	assert_int_equal(outbox_acked(ob, 2, e, 1), 201);
	assert_int_equal(outbox_close(ob), 0);
	/* the same log, c named in the config at open */
	c.n_ctrls = 3;
	c.ctrl_names = abc;
	ob = open_ok(&c, NULL);
	assert_int_equal(outbox_acked(ob, 2, e, 1), 201);	/* persisted by name */
	assert_int_equal(outbox_close(ob), 0);
	/* and a fresh c (no cursor of it on disk) after the same history */
	reset(NULL);
	c = config();
	ob = open_ok(&c, NULL);
	e = outbox_epoch(ob);
	for (uint32_t seq = 1; seq <= 200; seq++)
		for (uint16_t s = 1; s <= NS; s++)
			assert_int_equal(append(ob, s, seq), 0);
	for (uint16_t s = 1; s <= NS; s++) {
		assert_int_equal(outbox_ack(ob, 0, e, s, 120), 0);
		assert_int_equal(outbox_ack(ob, 1, e, s, s == 3 ? 0 : 120), 0);
	}
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(outbox_close(ob), 0);
	c.n_ctrls = 3;
	c.ctrl_names = abc;
	ob = open_ok(&c, NULL);
	replay(ob, 2, &fresh);
	assert_int_equal(outbox_low(ob, 2, add_low_cb, low_open), 0);
	assert_int_equal(fresh.n, live.n);
	for (unsigned int k = 0; k < live.n; k++) {
		assert_int_equal(fresh.r[k].stream, live.r[k].stream);
		assert_int_equal(fresh.r[k].seq, live.r[k].seq);
		assert_int_equal(fresh.r[k].type, live.r[k].type);
	}
	assert_memory_equal(low_open, low_live, sizeof(low_live));
	assert_int_equal(outbox_close(ob), 0);
}

/* No room past OUTBOX_MAX_CTRLS; nothing changed by the refusal. */
static void test_add_ctrl_full(void **state)
{
	static char nm[OUTBOX_MAX_CTRLS][8];
	static const char *np[OUTBOX_MAX_CTRLS];
	struct outbox_config c = config();
	struct outbox *ob;
	unsigned int i;

	(void)state;
	for (unsigned int k = 0; k < OUTBOX_MAX_CTRLS; k++) {
		snprintf(nm[k], sizeof(nm[k]), "c%u", k);
		np[k] = nm[k];
	}
	c.n_ctrls = OUTBOX_MAX_CTRLS - 1;
	c.ctrl_names = np;
	c.takes = NULL;
	ob = open_ok(&c, NULL);
	assert_int_equal(append(ob, 1, 1), 0);
	assert_int_equal(outbox_add_ctrl(ob, nm[OUTBOX_MAX_CTRLS - 1], &i), 0);
	assert_int_equal(i, OUTBOX_MAX_CTRLS - 1);
	assert_int_equal(outbox_add_ctrl(ob, "more", &i), -ENOSPC);
	assert_int_equal(outbox_ack(ob, OUTBOX_MAX_CTRLS - 1, outbox_epoch(ob), 1, 1), 0);
	assert_int_equal(outbox_ack(ob, OUTBOX_MAX_CTRLS, outbox_epoch(ob), 1, 1), -EINVAL);
	assert_int_equal(outbox_close(ob), 0);
}

/* --- deletion ------------------------------------------------------------------------ */

static void test_delete_when_all_acked(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob);
	struct outbox_stats st;
	unsigned int before;

	(void)state;
	for (uint32_t seq = 1; seq <= 200; seq++)
		for (uint16_t s = 1; s <= NS; s++)
			assert_int_equal(append(ob, s, seq), 0);
	before = seg_files();
	assert_true(before >= 8);
	/* a acks everything: b still holds the segments (streams 1, 2). */
	for (uint16_t s = 1; s <= NS; s++)
		assert_int_equal(outbox_ack(ob, 0, e, s, 200), 0);
	assert_int_equal(outbox_next_due_ms(ob), clock_mono_ms());
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(seg_files(), before);
	/* b never needs stream 3, so its acks on 1 and 2 free them. */
	assert_int_equal(outbox_ack(ob, 1, e, 1, 200), 0);
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(seg_files(), before);
	assert_int_equal(outbox_ack(ob, 1, e, 2, 100), 0);
	assert_int_equal(outbox_poll(ob), 0);
	outbox_stats(ob, &st);
	assert_true(st.segs_deleted >= 3 && seg_files() < before);
	assert_true(st.segs_deleted < before - 1);
	assert_int_equal(outbox_ack(ob, 1, e, 2, 200), 0);
	assert_int_equal(outbox_poll(ob), 0);
	/* All sealed ones gone; the one being written stays. */
	assert_int_equal(seg_files(), 1);
	assert_int_equal(outbox_close(ob), 0);
	/* The cursors were durable before the files went. */
	ob = open_ok(&c, NULL);
	{
		struct got g;
		struct lost l;

		replay(ob, 0, &g);
		assert_int_equal(g.n, 0);
		replay(ob, 1, &g);
		assert_int_equal(g.n, 0);
		pop_lost(ob, 0, &l);
		assert_int_equal(l.n, 0);
		pop_lost(ob, 1, &l);
		assert_int_equal(l.n, 0);
	}
	assert_int_equal(outbox_close(ob), 0);
}

/* The state slot that covers a deletion is synced before the unlink. */
static void test_state_before_unlink(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob);
	unsigned long first_unlink = 0, last_sync = 0, base;

	(void)state;
	for (uint32_t seq = 1; seq <= 200; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	assert_int_equal(outbox_ack(ob, 0, e, 1, 200), 0);
	assert_int_equal(outbox_ack(ob, 1, e, 1, 200), 0);
	base = fake_file_ops();
	assert_int_equal(outbox_poll(ob), 0);
	for (unsigned long op = base + 1; op <= fake_file_ops(); op++) {
		enum fake_file_opkind k = fake_file_op_kind(op);

		if (k == FAKE_OP_UNLINK && !first_unlink)
			first_unlink = op;
		if (k == FAKE_OP_SYNC && !first_unlink)
			last_sync = op;
	}
	assert_true(first_unlink > 0);
	assert_true(last_sync > base && last_sync < first_unlink);
	assert_int_equal(fake_file_op_kind(last_sync - 1), FAKE_OP_WRITE);
	assert_int_equal(outbox_close(ob), 0);
}

static void test_expiry(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	struct got g;
	struct outbox_stats st;
	uint64_t expired;

	(void)state;
	for (uint32_t seq = 1; seq <= 200; seq++)
		assert_int_equal(append_lt(ob, 2, seq, 5000), 0);
	assert_true(seg_files() > 2);
	fake_clock_advance(4999);
	assert_int_equal(outbox_poll(ob), 0);	/* the sync */
	assert_int_equal(outbox_next_due_ms(ob), clock_mono_ms() + 1);
	replay(ob, 0, &g);
	assert_int_equal(g.n, 200);
	fake_clock_advance(1);
	replay(ob, 0, &g);
	/* expired: not replayed, but named, so the controller's cumulative
	 * point does not wait for them */
	assert_int_equal(count_seqs(&g, outbox_epoch(ob), 2, NULL, NULL), 200);
	for (unsigned int i = 0; i < g.n; i++)
		assert_int_equal(g.r[i].type, OUTBOX_REC_EXPIRED);
	assert_true(outbox_next_due_ms(ob) <= clock_mono_ms());
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(seg_files(), 1);	/* expired segments went */
	outbox_stats(ob, &st);
	expired = st.expired;
	assert_true(expired > 150 && expired < 200);
	assert_int_equal(outbox_close(ob), 0);	/* seals the last one */
	ob = open_ok(&c, NULL);
	assert_true(outbox_next_due_ms(ob) <= clock_mono_ms());
	assert_int_equal(outbox_poll(ob), 0);
	outbox_stats(ob, &st);
	assert_int_equal(expired + st.expired, 200);	/* each counted once */
	assert_int_equal(seg_files(), 0);
	assert_int_equal(outbox_close(ob), 0);
}

/* --- the byte budget and a full disk ------------------------------------------------ */

/* What controller @c must have been told it lost on (@e, @stream): from
 * its cursor to the first seq still held (evictions take the oldest). */
static void expect_lost_prefix(struct outbox *ob, unsigned int ctrl,
			       uint32_t e, uint16_t stream, const struct got *g,
			       const struct lost *l)
{
	uint32_t first = 0, cur = outbox_acked(ob, ctrl, e, stream);
	unsigned int n = 0;

	assert_true(count_seqs(g, e, stream, &first, NULL) > 0);
	for (unsigned int i = 0; i < l->n; i++) {
		if (l->r[i].epoch != e || l->r[i].stream != stream)
			continue;
		n++;
		assert_int_equal(l->r[i].first, cur + 1);
		assert_int_equal(l->r[i].last, first - 1);
	}
	assert_int_equal(n, first - 1 > cur ? 1 : 0);
}

static int low_cb(void *ctx, uint32_t epoch, uint16_t stream, uint32_t low)
{
	uint32_t *lows = ctx;

	(void)epoch;
	lows[stream] = low;
	return 0;
}

static void test_budget_exact_loss(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct outbox_stats st;
	struct outbox_ctrl_stats cs;
	struct got g;
	struct lost l;
	uint32_t e, lows[NS + 1] = { 0 }, first;
	uint64_t total = 0;

	(void)state;
	c.max_bytes = 64 * 1024;
	ob = open_ok(&c, &e);
	for (uint32_t seq = 1; seq <= 1500; seq++) {
		for (uint16_t s = 1; s <= NS; s++)
			assert_int_equal(append(ob, s, seq), 0);
		if (seq == 100)	/* a has stream 1 up to 100 */
			assert_int_equal(outbox_ack(ob, 0, e, 1, 100), 0);
	}
	outbox_stats(ob, &st);
	assert_true(st.segs_evicted > 10);
	assert_true(st.bytes <= c.max_bytes);
	assert_int_equal(st.degraded, 0);
	replay(ob, 0, &g);
	pop_lost(ob, 0, &l);
	for (uint16_t s = 1; s <= NS; s++)
		expect_lost_prefix(ob, 0, e, s, &g, &l);
	assert_int_equal(outbox_ctrl_stats(ob, 0, &cs), 0);
	for (unsigned int i = 0; i < l.n; i++)
		total += l.r[i].last - l.r[i].first + 1;
	assert_int_equal(cs.lost_records, total);
	replay(ob, 1, &g);
	pop_lost(ob, 1, &l);
	for (uint16_t s = 1; s <= 2; s++)
		expect_lost_prefix(ob, 1, e, s, &g, &l);
	/* HELLO's low for b: the first seq still held. */
	assert_int_equal(outbox_low(ob, 1, low_cb, lows), 0);
	count_seqs(&g, e, 1, &first, NULL);
	assert_int_equal(lows[1], first);
	assert_int_equal(lows[3], 0);	/* b does not take stream 3 */
	assert_int_equal(outbox_close(ob), 0);
	/* After a restart the same loss is found again from the data. */
	ob = open_ok(&c, NULL);
	replay(ob, 1, &g);
	pop_lost(ob, 1, &l);
	for (uint16_t s = 1; s <= 2; s++)
		expect_lost_prefix(ob, 1, e, s, &g, &l);
	assert_int_equal(outbox_close(ob), 0);
}

static void test_free_space_share(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct outbox_stats st;

	(void)state;
	fake_file_set_capacity(1024 * 1024);
	c.free_pct = 10;
	ob = open_ok(&c, NULL);
	for (uint32_t seq = 1; seq <= 3000; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	outbox_stats(ob, &st);
	assert_true(st.budget <= 1024 * 1024 / 10);
	assert_true(st.bytes <= 1024 * 1024 / 10);
	assert_true(st.segs_evicted > 0);
	assert_int_equal(st.enospc, 0);	/* the share kept it off the wall */
	assert_int_equal(outbox_close(ob), 0);
}

static void test_enospc(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct outbox_stats st;
	struct got g;
	struct lost l;
	uint32_t e, seq, first, last;
	static char filler[40000];

	(void)state;
	fake_file_set_capacity(48 * 1024);	/* the disk, not the budget */
	ob = open_ok(&c, &e);
	for (seq = 1; seq <= 1200; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	outbox_stats(ob, &st);
	assert_true(st.enospc > 0);	/* hit the wall, dropped, retried */
	assert_true(st.segs_evicted > 0);
	assert_int_equal(st.degraded, 0);
	replay(ob, 0, &g);
	pop_lost(ob, 0, &l);
	expect_lost_prefix(ob, 0, e, 1, &g, &l);
	count_seqs(&g, e, 1, NULL, &last);
	assert_int_equal(last, 1200);
	/* Another program fills the disk: nothing left to drop. */
	memset(filler, 'x', sizeof(filler));
	outbox_sync(ob);
	fake_file_put_bin("/var/lib/filler", filler, sizeof(filler), 0600);
	for (; seq <= 1400; seq++)
		if (append(ob, 1, seq))
			break;
	/* in the memory tier from here on, replayed like the rest */
	assert_true(seq < 1400);
	assert_int_equal(append(ob, 1, seq + 1), OUTBOX_MEMORY);
	assert_int_equal(append(ob, 1, seq + 2), OUTBOX_MEMORY);
	seq += 3;
	assert_int_equal(outbox_poll(ob), -ENOSPC);
	outbox_stats(ob, &st);
	assert_int_equal(st.degraded, -ENOSPC);
	assert_true(st.mem_segments > 0 && st.mem_bytes > 0);
	assert_true(fake_log_contains("the outbox stops writing"));
	replay(ob, 0, &g);
	count_seqs(&g, e, 1, NULL, &last);
	assert_int_equal(last, seq - 1);
	assert_int_equal(outbox_resume(ob), -ENOSPC);	/* still full */
	fake_file_remove("/var/lib/filler");
	assert_int_equal(outbox_resume(ob), 0);	/* memory to the device */
	outbox_stats(ob, &st);
	assert_int_equal(st.mem_segments, 0);
	assert_int_equal(outbox_mem_bytes(ob), 0);
	assert_true(st.mem_written > 0);
	assert_int_equal(append(ob, 1, seq), 0);	/* goes on in order */
	assert_int_equal(outbox_close(ob), 0);
	ob = open_ok(&c, NULL);
	replay(ob, 0, &g);
	count_seqs(&g, e, 1, &first, &last);
	assert_int_equal(last, seq);
	assert_int_equal(outbox_close(ob), 0);
}

/* Another program leaves the outbox room for about two and a half
 * segments while controller a keeps up (5 behind) and b is down: on
 * ENOSPC the outbox drops the oldest segment. Then the rest of the disk
 * goes too: the outbox drops older segments until only the one it wrote
 * last is left, and never that one (a has not acknowledged all of it:
 * that would be new data lost for a controller that is up); it keeps
 * records in memory instead (degraded, ENOSPC). Through it all a is told
 * of no loss; b is. */
static size_t file_len(const char *path)
{
	size_t n = 0;

	fake_file_get(path, &n);
	return fake_file_exists(path) ? n : 0;
}

static void test_full_disk_keeps_newest(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct outbox_stats st;
	struct lost l;
	uint32_t e, seq;
	static char filler[64 * 1024];
	uint64_t avail, total;
	size_t used;
	int rc = 0;

	(void)state;
	fake_file_set_capacity(64 * 1024);
	ob = open_ok(&c, &e);
	/* room for the state slots and two and a half segments */
	used = file_len(ODIR "/state.0") + file_len(ODIR "/state.1") + 200;
	memset(filler, 'x', sizeof(filler));
	fake_file_put_bin("/var/lib/filler", filler, 64 * 1024 - used - 10240,
			  0600);
	for (seq = 1; seq <= 2000; seq++) {
		rc = append(ob, 1, seq);
		assert_int_equal(rc, 0);
		if (seq > 5)
			outbox_ack(ob, 0, e, 1, seq - 5);	/* a: 5 behind */
	}
	outbox_stats(ob, &st);
	assert_true(st.enospc > 0);
	assert_true(st.segs_evicted > 0);
	assert_int_equal(st.degraded, 0);
	pop_lost(ob, 0, &l);
	assert_int_equal(l.n, 0);		/* a lost nothing */
	pop_lost(ob, 1, &l);
	assert_true(l.n > 0);			/* b did */
	assert_true(in_lost(&l, e, 1, 1));
	/* the rest of the disk goes, and what the outbox frees goes too */
	for (unsigned int k = 0; seq <= 4000 && rc != OUTBOX_MEMORY; seq++) {
		assert_int_equal(pf_fs_space(ODIR, &avail, &total), 0);
		if (avail) {
			char p[64];

			snprintf(p, sizeof(p), "/var/lib/filler%u", ++k);
			fake_file_put_bin(p, filler, (size_t)avail, 0600);
		}
		rc = append(ob, 1, seq);
		assert_true(rc == 0 || rc == OUTBOX_MEMORY);
		outbox_ack(ob, 0, e, 1, seq - 5);
	}
	assert_int_equal(rc, OUTBOX_MEMORY);
	outbox_stats(ob, &st);
	assert_int_equal(st.degraded, -ENOSPC);
	pop_lost(ob, 0, &l);
	assert_int_equal(l.n, 0);		/* a still lost nothing */
	assert_int_equal(outbox_close(ob), -ENOSPC);
}

/* Fail the next @n mutating calls with @err. */
static void fail_ops(unsigned int n, int err)
{
	for (unsigned int i = 1; i <= n; i++)
		fake_file_fault_at(fake_file_ops() + i, FAKE_FAULT_ERR, err, 0);
}

static void test_eio_write(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob);
	struct outbox_stats st;
	struct got g;

	(void)state;
	for (uint32_t seq = 1; seq <= 10; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	fail_ops(1, -EIO);	/* the next write */
	assert_int_equal(append(ob, 1, 11), 0);	/* retried in a new segment */
	outbox_stats(ob, &st);
	assert_int_equal(st.write_errors, 1);
	assert_int_equal(st.degraded, 0);
	assert_int_equal(outbox_durable(ob, 1), 10);	/* the batch moved */
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 11);
	fail_ops(16, -EIO);	/* the device is gone */
	assert_int_equal(append(ob, 1, 12), OUTBOX_MEMORY);
	assert_int_equal(append(ob, 1, 13), OUTBOX_MEMORY);
	outbox_stats(ob, &st);
	assert_int_equal(st.degraded, -EIO);
	assert_int_equal(st.mem_appended, 2);
	replay(ob, 0, &g);	/* the device's and the memory's, in order */
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 13);
	assert_int_equal(outbox_resume(ob), -EIO);	/* still gone */
	fake_file_clear_faults();
	assert_int_equal(outbox_resume(ob), 0);
	assert_int_equal(outbox_durable(ob, 1), 13);	/* written, synced */
	assert_int_equal(append(ob, 1, 14), 0);
	assert_int_equal(outbox_close(ob), 0);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	ob = open_ok(&c, NULL);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 14);
	assert_int_equal(outbox_close(ob), 0);
}

/* A failed fdatasync drops the pages (the fake does what Linux does): the
 * outbox must write the batch again elsewhere, never retry and trust. */
static void test_fsync_eio_not_trusted(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob);
	struct outbox_stats st;
	struct got g;
	unsigned long failed = fake_file_ops() + 1, op;

	(void)state;
	for (uint32_t seq = 1; seq <= 10; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	failed = fake_file_ops() + 1;
	fail_ops(1, -EIO);	/* the sync */
	fake_clock_advance(1000);
	assert_int_equal(outbox_poll(ob), 0);
	outbox_stats(ob, &st);
	assert_int_equal(st.sync_errors, 1);
	assert_int_equal(fake_file_op_kind(failed), FAKE_OP_SYNC);
	assert_int_equal(outbox_durable(ob, 1), 10);
	assert_true(fake_log_contains("writing the last"));
	/* Durable through a new file: created, written, synced after. */
	for (op = failed + 1; op <= fake_file_ops(); op++)
		if (fake_file_op_kind(op) == FAKE_OP_CREATE)
			break;
	assert_true(op <= fake_file_ops());
	fake_file_crash_now();	/* the power goes right now */
	outbox_close(ob);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	ob = open_ok(&c, NULL);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 10);
	assert_int_equal(outbox_close(ob), 0);
}

/* --- damaged files ----------------------------------------------------------------- */

struct frame_info {
	uint64_t off;
	uint32_t len, seq;
	uint16_t stream;
	uint8_t type;
};

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* The frames of a healthy segment file, read the simple way. */
static unsigned int frames_of(const char *path, struct frame_info *fi,
			      unsigned int max)
{
	size_t len;
	const uint8_t *d = (const uint8_t *)fake_file_get(path, &len);
	unsigned int n = 0;

	assert_non_null(d);
	for (uint64_t off = 0; off + 32 <= len && n < max;) {
		uint32_t l = le32(d + off + 4);

		if (d[off] != 'O' || d[off + 1] != 'B')
			break;
		fi[n] = (struct frame_info){ off, l, le32(d + off + 16),
					     (uint16_t)(d[off + 12] |
							d[off + 13] << 8),
					     d[off + 2] };
		n++;
		off += 32 + l;
	}
	return n;
}

/* A bit flips inside a record of an older, indexed segment: start-up reads
 * only the index; replay finds it, skips it and reports exactly it. */
static void test_corrupt_record_indexed(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob), bad;
	struct frame_info fi[100];
	struct outbox_stats st;
	struct got g;
	struct lost l;
	unsigned int n;

	(void)state;
	for (uint32_t seq = 1; seq <= 300; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	assert_int_equal(outbox_close(ob), 0);
	n = frames_of(seg_name(2), fi, 100);
	assert_true(n > 10);
	assert_int_equal(fi[5].type, 2);
	bad = fi[5].seq;
	assert_int_equal(fake_file_corrupt(seg_name(2), fi[5].off + 40, 0x10), 0);

	ob = open_ok(&c, NULL);
	outbox_stats(ob, &st);
	assert_int_equal(st.scanned_bytes, 0);	/* index only at start */
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 299);
	assert_false(yielded(&g, e, 1, bad));
	assert_true(yielded(&g, e, 1, bad - 1) && yielded(&g, e, 1, bad + 1));
	pop_lost(ob, 0, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.r[0].stream, 1);
	assert_int_equal(l.r[0].first, bad);
	assert_int_equal(l.r[0].last, bad);
	pop_lost(ob, 1, &l);	/* b takes stream 1 too */
	assert_int_equal(l.n, 1);
	assert_int_equal(l.r[0].first, bad);
	outbox_stats(ob, &st);
	assert_int_equal(st.bad_regions, 1);
	/* Checked once: a second replay skips it without a new report. */
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 299);
	pop_lost(ob, 0, &l);
	assert_int_equal(l.n, 0);
	assert_int_equal(outbox_close(ob), 0);
}

/* The same in the segment a crash left unsealed: recovery scans it, skips
 * the bad record, keeps the ones after it and reports the hole at once. */
static void test_corrupt_record_scanned(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	uint32_t e, bad;
	struct frame_info fi[100];
	struct outbox_stats st;
	struct got g;
	struct lost l;
	unsigned int n;

	(void)state;
	c.sync_interval_ms = 0;
	ob = open_ok(&c, &e);
	for (uint32_t seq = 1; seq <= 20; seq++)
		assert_int_equal(append(ob, 2, seq), 0);
	fake_file_crash_now();	/* no seal, no index */
	outbox_close(ob);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	n = frames_of(seg_name(1), fi, 100);
	assert_int_equal(n, 21);	/* header + 20 */
	bad = fi[10].seq;
	assert_int_equal(fake_file_corrupt(seg_name(1), fi[10].off + 2, 0xff), 0);

	ob = open_ok(&c, NULL);
	outbox_stats(ob, &st);
	assert_true(st.scanned_bytes > 0);
	assert_int_equal(st.bad_regions, 1);
	assert_int_equal(st.bad_bytes, 32 + fi[10].len);
	assert_int_equal(st.torn_bytes, 0);
	pop_lost(ob, 0, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.r[0].first, bad);
	assert_int_equal(l.r[0].last, bad);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 2, NULL, NULL), 19);
	assert_int_equal(outbox_close(ob), 0);
	/* Sealed by the recovery: the next start reads its index. */
	ob = open_ok(&c, NULL);
	outbox_stats(ob, &st);
	assert_int_equal(st.scanned_bytes, 0);
	assert_int_equal(outbox_close(ob), 0);
}

static void test_torn_tail_cut(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct outbox_stats st;
	struct got g;
	uint32_t e;

	(void)state;
	c.sync_interval_ms = 0;
	ob = open_ok(&c, &e);
	for (uint32_t seq = 1; seq <= 10; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	fake_file_fault_at(fake_file_ops() + 1, FAKE_FAULT_TORN, 0, 21);
	/* the power went: kept in memory (this process is dead anyway) */
	assert_int_equal(append(ob, 1, 11), OUTBOX_MEMORY);
	assert_true(fake_file_crashed());
	outbox_close(ob);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	ob = open_ok(&c, NULL);
	outbox_stats(ob, &st);
	assert_int_equal(st.torn_bytes, 21);
	assert_int_equal(st.bad_regions, 0);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 10);
	assert_true(fake_log_contains("cut 21 bytes of torn tail"));
	assert_int_equal(outbox_close(ob), 0);
	ob = open_ok(&c, NULL);
	outbox_stats(ob, &st);
	assert_int_equal(st.torn_bytes, 0);
	assert_int_equal(st.scanned_bytes, 0);
	assert_int_equal(outbox_close(ob), 0);
}

/* A segment that cannot be read during replay (EIO) is skipped with a log
 * line; the others are replayed in order, and it comes back once readable. */
static void test_replay_read_error(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob), n2;
	struct got g;

	(void)state;
	for (uint32_t seq = 1; seq <= 200; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	assert_int_equal(outbox_close(ob), 0);
	ob = open_ok(&c, NULL);
	n2 = frames_of(seg_name(2), (struct frame_info[100]){ 0 }, 100) - 2;
	fake_file_fail_path(seg_name(2), -EIO);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 200 - n2);
	assert_true(fake_log_contains("replay " ODIR "/seg-0000000000000002.log"));
	fake_file_fail_path(NULL, 0);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 200);
	assert_int_equal(outbox_close(ob), 0);
}

/* --- state slots, epoch ------------------------------------------------------------------- */

static void run_once(const struct outbox_config *c, uint32_t *epoch,
		     uint32_t n)
{
	struct outbox *ob = open_ok(c, epoch);

	for (uint32_t seq = 1; seq <= n; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	assert_int_equal(outbox_close(ob), 0);
}

static void test_epoch_wrong_state(void **state)
{
	struct outbox_config c = config();
	uint32_t e1, e2, e3, e4;
	char old0[4096], old1[4096];
	size_t l0, l1;
	const char *p;

	(void)state;
	run_once(&c, &e1, 5);
	p = fake_file_get(ODIR "/state.0", &l0);
	memcpy(old0, p, l0);
	p = fake_file_get(ODIR "/state.1", &l1);
	memcpy(old1, p, l1);
	run_once(&c, &e2, 5);
	run_once(&c, &e3, 5);
	assert_true(e1 < e2 && e2 < e3);
	/* An old copy of the state comes back (a restored backup, a card
	 * image): the segments still say e3 existed. */
	fake_file_put_bin(ODIR "/state.0", old0, l0, 0600);
	fake_file_put_bin(ODIR "/state.1", old1, l1, 0600);
	run_once(&c, &e4, 1);
	assert_true(e4 > e3);
}

static void test_epoch_corrupt_state(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct outbox_stats st;
	uint32_t e1, e2, e3;

	(void)state;
	run_once(&c, &e1, 5);
	run_once(&c, &e2, 5);
	/* One slot bad: the other one is used, nothing is lost. */
	assert_int_equal(fake_file_corrupt(ODIR "/state.1", 9, 0x01), 0);
	ob = open_ok(&c, &e3);
	outbox_stats(ob, &st);
	assert_int_equal(st.state_slots_bad, 1);
	assert_false(st.state_lost);
	assert_true(e3 > e2);
	assert_int_equal(outbox_close(ob), 0);
	/* Both bad: start anyway, far above everything seen. */
	assert_int_equal(fake_file_corrupt(ODIR "/state.0", 20, 0x80), 0);
	assert_int_equal(fake_file_corrupt(ODIR "/state.1", 20, 0x80), 0);
	ob = open_ok(&c, &e1);
	outbox_stats(ob, &st);
	assert_int_equal(st.state_slots_bad, 2);
	assert_true(st.state_lost);
	assert_true(e1 > e3 + 1);
	assert_true(fake_log_contains("epoch counter lost"));
	assert_int_equal(outbox_close(ob), 0);
	/* Garbage in place of the slots (not even the length is right). */
	fake_file_put(ODIR "/state.0", "xx", 0600);
	fake_file_put(ODIR "/state.1", "", 0600);
	ob = open_ok(&c, &e2);
	assert_true(e2 > e1);
	assert_int_equal(outbox_close(ob), 0);
}

/* A power cut in the middle of a state slot write: the other slot holds. */
static void test_torn_state_slot(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob), e2;
	struct outbox_stats st;
	unsigned long op;

	(void)state;
	for (uint32_t seq = 1; seq <= 20; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	assert_int_equal(outbox_ack(ob, 0, e, 1, 7), 0);
	fake_clock_advance(5000);
	assert_int_equal(outbox_poll(ob), 0);	/* sync + state (7) */
	assert_int_equal(outbox_ack(ob, 0, e, 1, 15), 0);
	fake_clock_advance(5000);
	/* The next state write is torn after 30 bytes. */
	op = fake_file_ops();
	fake_file_fault_at(op + 1, FAKE_FAULT_TORN, 0, 30);
	outbox_poll(ob);
	assert_int_equal(fake_file_op_kind(op + 1), FAKE_OP_WRITE);
	assert_true(fake_file_crashed());
	outbox_close(ob);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	ob = open_ok(&c, &e2);
	outbox_stats(ob, &st);
	assert_int_equal(st.state_slots_bad, 1);
	assert_true(e2 > e);
	assert_int_equal(outbox_acked(ob, 0, e, 1), 7);	/* the older slot */
	assert_int_equal(outbox_close(ob), 0);
}

/* A cursor ahead of the data (the card lost synced blocks): the controller
 * that acked them is fine; the other one is told what is gone. */
static void test_cursor_ahead_of_data(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob = open_ok(&c, NULL);
	uint32_t e = outbox_epoch(ob);
	struct frame_info fi[100];
	struct got g;
	struct lost l;
	unsigned int n;

	(void)state;
	for (uint32_t seq = 1; seq <= 30; seq++)
		assert_int_equal(append(ob, 2, seq), 0);
	assert_int_equal(outbox_ack(ob, 0, e, 2, 30), 0);
	assert_int_equal(outbox_ack(ob, 1, e, 2, 10), 0);
	assert_int_equal(outbox_close(ob), 0);
	/* Cut the only segment after seq 20 (its index goes with it). */
	assert_false(fake_file_exists(seg_name(2)));
	n = frames_of(seg_name(1), fi, 100);
	assert_int_equal(n, 32);	/* header, 30 records, index */
	assert_int_equal(fi[31].type, 4);
	assert_int_equal(fi[20].seq, 20);
	assert_int_equal(fake_file_set_size(seg_name(1), fi[21].off), 0);

	ob = open_ok(&c, NULL);
	assert_int_equal(outbox_acked(ob, 0, e, 2), 30);
	pop_lost(ob, 0, &l);
	assert_int_equal(l.n, 0);
	pop_lost(ob, 1, &l);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.r[0].first, 21);
	assert_int_equal(l.r[0].last, 30);
	replay(ob, 1, &g);
	assert_int_equal(count_seqs(&g, e, 2, NULL, NULL), 10);	/* 11..20 */
	assert_int_equal(outbox_close(ob), 0);
}

/* --- quarantine -------------------------------------------------------------------------- */

static void test_quarantine_capped(void **state)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct outbox_stats st;
	static char junk[6000];
	char p[128];
	unsigned int left = 0;

	(void)state;
	memset(junk, 0xaa, sizeof(junk));
	fake_file_mkdir_p(ODIR);
	for (unsigned int id = 1; id <= 5; id++)
		fake_file_put_bin(seg_name(id), junk, sizeof(junk), 0600);
	fake_file_put(seg_name(6), "", 0600);	/* created, then the crash */
	fake_file_put_bin(seg_name(7), junk, 100, 0600);
	fake_file_fail_path(seg_name(7), -EIO);	/* unreadable */
	fake_file_put(ODIR "/notes.txt", "a user's file", 0644);
	ob = open_ok(&c, NULL);
	outbox_stats(ob, &st);
	assert_int_equal(st.quarantined, 6);
	assert_int_equal(st.empty_removed, 1);
	assert_int_equal(st.segments, 0);
	/* 5 * 6000 + 100 bytes into a 16 KiB cap: the oldest went. */
	assert_int_equal(st.quarantine_deleted, 3);
	for (unsigned int id = 1; id <= 7; id++) {
		snprintf(p, sizeof(p), ODIR "/quarantine/seg-%016x.log.0", id);
		left += fake_file_exists(p);
		assert_false(fake_file_exists(seg_name(id)));
	}
	assert_int_equal(left, 3);
	assert_true(fake_file_exists(ODIR "/notes.txt"));	/* not ours */
	assert_true(fake_log_contains("no valid record; moved to"));
	for (uint32_t seq = 1; seq <= 5; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	assert_int_equal(outbox_close(ob), 0);
	fake_file_fail_path(NULL, 0);
	ob = open_ok(&c, NULL);
	outbox_stats(ob, &st);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(st.segments, 1);
	assert_int_equal(outbox_close(ob), 0);
}

/* --- memory at start --------------------------------------------------------------------- */

/* Heap after recovery of @segs segments whose records carry @bytes each. */
static uint64_t mem_after_open(unsigned int segs, size_t bytes)
{
	struct outbox_config c = config();
	struct outbox *ob;
	struct outbox_stats st;
	static uint8_t buf[4000];
	uint32_t seq = 0;

	fake_file_reset();
	fake_file_mkdir_p("/var/lib");
	ob = open_ok(&c, NULL);
	do {
		assert_int_equal(outbox_append(ob, 1, ++seq, 0, 0, buf, bytes), 0);
		outbox_stats(ob, &st);
	} while (st.segments < segs + 1);
	assert_int_equal(outbox_close(ob), 0);
	ob = open_ok(&c, NULL);
	outbox_stats(ob, &st);
	assert_int_equal(st.segments, segs + 1);
	assert_int_equal(outbox_close(ob), 0);
	return st.heap_bytes;
}

static void test_memory_per_segment(void **state)
{
	uint64_t small = mem_after_open(20, 16), big = mem_after_open(20, 3000);
	uint64_t twice = mem_after_open(40, 16);

	(void)state;
	/* ~200 records vs ~20 per segment: the same memory. */
	assert_true(small < big + 256 && big < small + 256);
	/* Each segment costs a few hundred bytes of index. */
	assert_true(twice > small && (twice - small) / 20 < 512);
	print_message("outbox memory after open: %llu B (20 segments of 16 B "
		      "records), %llu B (20 of 3000 B), %llu B (40 of 16 B)\n",
		      (unsigned long long)small, (unsigned long long)big,
		      (unsigned long long)twice);
}

/* --- power cuts at every operation ---------------------------------------------------------
 * The scripted run: 3 streams, acks from both controllers as it goes, the
 * clock moving so syncs, state writes, segment rolls and deletions all
 * happen. The model keeps what the outbox promised.
 */
#define STEPS 150

struct model {
	bool opened;
	uint32_t epoch;
	uint32_t appended[NS + 1];	/* highest seq accepted */
	uint32_t durable[NS + 1];	/* highest ever reported durable */
	uint32_t acked[2][NS + 1];	/* what the test acknowledged */
	bool enospc;			/* losses allowed (evictions) */
};

static struct outbox_config crash_config(void)
{
	struct outbox_config c = config();

	c.sync_interval_ms = 700;	/* cursors get ahead of the */
	c.state_interval_ms = 300;	/* synced data between syncs */
	return c;
}

static void note_durable(struct outbox *ob, struct model *m)
{
	for (uint16_t s = 1; s <= NS; s++) {
		uint32_t d = outbox_durable(ob, s);

		if (d > m->durable[s])
			m->durable[s] = d;
	}
}

static void ack(struct outbox *ob, struct model *m, unsigned int ctrl,
		uint16_t s, uint32_t behind)
{
	uint32_t seq;

	if (m->appended[s] <= behind)
		return;
	seq = m->appended[s] - behind;
	if (outbox_ack(ob, ctrl, m->epoch, s, seq) == 0 && seq > m->acked[ctrl][s])
		m->acked[ctrl][s] = seq;
}

static void script(struct model *m)
{
	struct outbox_config c = crash_config();
	struct outbox *ob;

	memset(m, 0, sizeof(*m));
	if (outbox_open(&c, &ob, &m->epoch))
		return;
	m->opened = true;
	for (unsigned int step = 0; step < STEPS; step++) {
		uint16_t s = (uint16_t)(1 + step % NS);

		if (append(ob, s, m->appended[s] + 1) >= 0)
			m->appended[s]++;
		if (step % 5 == 4) {
			fake_clock_advance(137);
			outbox_poll(ob);
		}
		if (step % 11 == 10)
			for (uint16_t t = 1; t <= NS; t++)
				ack(ob, m, 0, t, 3);
		if (step % 17 == 16)
			for (uint16_t t = 1; t <= 2; t++)
				ack(ob, m, 1, t, 9);
		note_durable(ob, m);
	}
	note_durable(ob, m);
	if (outbox_close(ob) == 0)
		for (uint16_t s = 1; s <= NS; s++)
			m->durable[s] = m->appended[s];
}

static bool acked_by_all(const struct model *m, uint16_t s, uint32_t seq)
{
	for (unsigned int c = 0; c < 2; c++)
		if (takes(NULL, c, s) && m->acked[c][s] < seq)
			return false;
	return true;
}

/* After the power came back: everything the model says must hold. */
static void check_recovery(const struct model *m, const char *what,
			   unsigned long op)
{
	struct outbox_config c = crash_config();
	struct outbox *ob = NULL;
	static struct got g;
	struct lost l;
	uint32_t e2 = 0, e3 = 0;
	int rc = outbox_open(&c, &ob, &e2);

	if (rc)
		fail_msg("%s at op %lu: open %d", what, op, rc);
	if (m->opened && e2 <= m->epoch)
		fail_msg("%s at op %lu: epoch %u after %u", what, op, e2, m->epoch);
	for (unsigned int ctrl = 0; ctrl < 2; ctrl++) {
		replay(ob, ctrl, &g);
		pop_lost(ob, ctrl, &l);
		for (uint16_t s = 1; s <= NS; s++) {
			uint32_t acked = outbox_acked(ob, ctrl, m->epoch, s), last = 0;

			if (!takes(NULL, ctrl, s))
				continue;
			count_seqs(&g, m->epoch, s, NULL, &last);
			if (last > m->appended[s] || acked > m->acked[ctrl][s] ||
			    acked > m->durable[s])
				fail_msg("%s at op %lu: ctrl %u stream %u: last %u "
					 "acked %u (appended %u acked %u durable %u)",
					 what, op, ctrl, s, last, acked,
					 m->appended[s], m->acked[ctrl][s],
					 m->durable[s]);
			for (uint32_t seq = acked + 1; seq <= m->durable[s]; seq++) {
				bool y = yielded(&g, m->epoch, s, seq);
				bool lost = in_lost(&l, m->epoch, s, seq);

				/* Acked by every controller that takes it: it
				 * needed no sync, nobody misses it. */
				if (acked_by_all(m, s, seq))
					continue;
				if ((!y && !(m->enospc && lost)) ||
				    (lost && !m->enospc))
					fail_msg("%s at op %lu: ctrl %u stream %u "
						 "seq %u durable %u: %s", what, op,
						 ctrl, s, seq, m->durable[s],
						 y ? "reported lost" : "missing");
			}
		}
	}
	/* The next run works, and the one after it sees both. */
	assert_int_equal(append(ob, 1, 1), 0);
	assert_int_equal(outbox_close(ob), 0);
	assert_int_equal(outbox_open(&c, &ob, &e3), 0);
	assert_true(e3 > e2);
	replay(ob, 0, &g);
	assert_true(yielded(&g, e2, 1, 1));
	assert_int_equal(outbox_close(ob), 0);
	assert_int_equal(fake_file_open_handles(), 0);
}

static void fresh(void)
{
	fake_file_reset();
	fake_clock_reset();
	fake_file_mkdir_p("/var/lib");
}

static unsigned long script_ops(void)
{
	struct model m;
	unsigned long n;

	fresh();
	script(&m);
	n = fake_file_ops();
	assert_true(n > 150);
	return n;
}

static void crash_run(unsigned long op, enum fake_fault_kind kind, size_t n,
		      enum fake_crash_mode mode, uint32_t seed, const char *what)
{
	struct model m;

	fresh();
	fake_file_fault_at(op, kind, 0, n);
	script(&m);
	assert_true(fake_file_crashed());
	fake_file_power_cycle(mode, seed);
	check_recovery(&m, what, op);
}

static void test_crash_every_op(void **state)
{
	unsigned long total = script_ops();

	(void)state;
	for (unsigned long op = 1; op <= total; op++) {
		crash_run(op, FAKE_FAULT_CRASH, 0, FAKE_CRASH_LOSE_UNSYNCED, 0,
			  "cut, unsynced lost");
		crash_run(op, FAKE_FAULT_CRASH, 0, FAKE_CRASH_RANDOM,
			  (uint32_t)op, "cut, unsynced pages at random");
	}
	print_message("power cut at each of %lu operations, two ways\n", total);
}

static void test_torn_every_write(void **state)
{
	unsigned long total = script_ops(), writes = 0;

	(void)state;
	for (unsigned long op = 1; op <= total; op++) {
		fresh();
		{
			struct model m;

			script(&m);
		}
		if (fake_file_op_kind(op) != FAKE_OP_WRITE)
			continue;
		writes++;
		crash_run(op, FAKE_FAULT_TORN, 1 + op % 40, FAKE_CRASH_LOSE_UNSYNCED,
			  0, "torn write");
		crash_run(op, FAKE_FAULT_TORN, 3 + op % 20, FAKE_CRASH_RANDOM,
			  (uint32_t)op * 7, "torn write, pages at random");
	}
	assert_true(writes > 100);
	print_message("torn write at each of %lu writes\n", writes);
}

/* An error at each operation, the run going on (a failed fsync dropping its
 * pages), then the power cut at the end: nothing reported durable lost. */
static void test_error_every_op(void **state)
{
	unsigned long total = script_ops();

	(void)state;
	for (unsigned long op = 1; op <= total; op++) {
		for (int k = 0; k < 2; k++) {
			struct model m;

			fresh();
			fake_file_fault_at(op, FAKE_FAULT_ERR, k ? -ENOSPC : -EIO, 0);
			script(&m);
			m.enospc = k == 1;
			fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
			check_recovery(&m, k ? "ENOSPC" : "EIO", op);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test_setup(test_config_rejected, reset),
		cmocka_unit_test_setup(test_append_replay_ack, reset),
		cmocka_unit_test_setup(test_append_rules, reset),
		cmocka_unit_test_setup(test_gap_record, reset),
		cmocka_unit_test_setup(test_interleave, reset),
		cmocka_unit_test_setup(test_iter_after_close, reset),
		cmocka_unit_test_setup(test_sync_policy, reset),
		cmocka_unit_test_setup(test_acked_needs_no_sync, reset),
		cmocka_unit_test_setup(test_delete_when_all_acked, reset),
		cmocka_unit_test_setup(test_state_before_unlink, reset),
		cmocka_unit_test_setup(test_expiry, reset),
		cmocka_unit_test_setup(test_budget_exact_loss, reset),
		cmocka_unit_test_setup(test_free_space_share, reset),
		cmocka_unit_test_setup(test_enospc, reset),
		cmocka_unit_test_setup(test_full_disk_keeps_newest, reset),
		cmocka_unit_test_setup(test_eio_write, reset),
		cmocka_unit_test_setup(test_fsync_eio_not_trusted, reset),
		cmocka_unit_test_setup(test_corrupt_record_indexed, reset),
		cmocka_unit_test_setup(test_corrupt_record_scanned, reset),
		cmocka_unit_test_setup(test_torn_tail_cut, reset),
		cmocka_unit_test_setup(test_replay_read_error, reset),
		cmocka_unit_test_setup(test_epoch_wrong_state, reset),
		cmocka_unit_test_setup(test_epoch_corrupt_state, reset),
		cmocka_unit_test_setup(test_torn_state_slot, reset),
		cmocka_unit_test_setup(test_cursor_ahead_of_data, reset),
		cmocka_unit_test_setup(test_quarantine_capped, reset),
		cmocka_unit_test_setup(test_memory_per_segment, reset),
		cmocka_unit_test_setup(test_add_ctrl_as_new_at_open, reset),
		cmocka_unit_test_setup(test_add_ctrl_full, reset),
		cmocka_unit_test_setup(test_crash_every_op, reset),
		cmocka_unit_test_setup(test_torn_every_write, reset),
		cmocka_unit_test_setup(test_error_every_op, reset),
	};

	return cmocka_run_group_tests(tests, NULL, reset);
}
