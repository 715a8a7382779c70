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
 * (never reported lost, never changed); nothing is replayed twice; per
 * stream order holds; cursors are never ahead of the data nor of the acks
 * the test gave.
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
		.free_pct = 100, .quarantine_bytes = 16384,
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
	fake_clock_advance(1);	/* 1 s after the first unsynced record */
	assert_int_equal(outbox_poll(ob), 0);
	assert_int_equal(outbox_durable(ob, 1), 2);
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
	assert_int_equal(g.n, 0);	/* expired: not replayed */
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
	(void)yielded;
	(void)in_lost;
	(void)seg_name;
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
	assert_int_equal(append(ob, 1, seq), -ENOSPC);
	assert_int_equal(outbox_poll(ob), -ENOSPC);
	outbox_stats(ob, &st);
	assert_int_equal(st.degraded, -ENOSPC);
	assert_true(fake_log_contains("the outbox stops writing"));
	assert_int_equal(outbox_resume(ob), -ENOSPC);	/* still full */
	fake_file_remove("/var/lib/filler");
	assert_int_equal(outbox_resume(ob), 0);
	assert_int_equal(append(ob, 1, seq), 0);	/* goes on in order */
	assert_int_equal(outbox_close(ob), 0);
	ob = open_ok(&c, NULL);
	replay(ob, 0, &g);
	count_seqs(&g, e, 1, &first, &last);
	assert_int_equal(last, seq);
	assert_int_equal(outbox_close(ob), 0);
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
	assert_int_equal(append(ob, 1, 12), -EIO);
	assert_int_equal(append(ob, 1, 12), -EIO);
	outbox_stats(ob, &st);
	assert_int_equal(st.degraded, -EIO);
	replay(ob, 0, &g);	/* what is readable is still replayed */
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 11);
	fake_file_clear_faults();
	assert_int_equal(outbox_resume(ob), 0);
	assert_int_equal(outbox_durable(ob, 1), 11);	/* rewritten, synced */
	assert_int_equal(append(ob, 1, 12), 0);
	assert_int_equal(outbox_close(ob), 0);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	ob = open_ok(&c, NULL);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 12);
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
	unsigned long op;

	(void)state;
	for (uint32_t seq = 1; seq <= 10; seq++)
		assert_int_equal(append(ob, 1, seq), 0);
	fail_ops(1, -EIO);	/* the sync */
	fake_clock_advance(1000);
	assert_int_equal(outbox_poll(ob), 0);
	outbox_stats(ob, &st);
	assert_int_equal(st.sync_errors, 1);
	assert_int_equal(outbox_durable(ob, 1), 10);
	assert_true(fake_log_contains("writing the last"));
	/* No sync of the failed file after its failure. */
	for (op = fake_file_ops(); op > 0; op--)
		if (fake_file_op_kind(op) == FAKE_OP_CREATE)
			break;
	assert_true(op > 0);
	fake_file_crash_now();	/* the power goes right now */
	outbox_close(ob);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	ob = open_ok(&c, NULL);
	replay(ob, 0, &g);
	assert_int_equal(count_seqs(&g, e, 1, NULL, NULL), 10);
	assert_int_equal(outbox_close(ob), 0);
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
		cmocka_unit_test_setup(test_delete_when_all_acked, reset),
		cmocka_unit_test_setup(test_state_before_unlink, reset),
		cmocka_unit_test_setup(test_expiry, reset),
		cmocka_unit_test_setup(test_budget_exact_loss, reset),
		cmocka_unit_test_setup(test_free_space_share, reset),
		cmocka_unit_test_setup(test_enospc, reset),
		cmocka_unit_test_setup(test_eio_write, reset),
		cmocka_unit_test_setup(test_fsync_eio_not_trusted, reset),
	};

	return cmocka_run_group_tests(tests, NULL, reset);
}
