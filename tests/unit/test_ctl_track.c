/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_ctl_track.c - the reference controller's pure logic:
 * dedup / gap / out-of-order tracking, boot resets, JSON escaping and
 * numbers, CBOR to JSON, the summary line.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "tests/controller/track.h"

static struct trk_agent *agent(struct trk *t, const char *n)
{
	struct trk_agent *a = trk_agent_get(t, n, strlen(n));

	assert_non_null(a);
	return a;
}

static void test_in_order(void **state)
{
	struct trk t;
	struct trk_agent *a;
	struct trk_stream *s;

	(void)state;
	trk_init(&t);
	a = agent(&t, "t1");
	for (uint32_t q = 1; q <= 10000; q++)
		assert_int_equal(trk_see(&t, a, 1, 1, q), TRK_NEW);
	s = trk_stream_find(a, 1, 1);
	assert_non_null(s);
	assert_int_equal(s->contig, 10000);
	assert_int_equal(s->max, 10000);
	assert_int_equal(trk_stream_gaps(s), 0);
	assert_int_equal(t.readings, 10000);
	assert_int_equal(t.dups, 0);
	assert_int_equal(trk_see(&t, a, 1, 1, 10000), TRK_DUP);
	assert_int_equal(trk_see(&t, a, 1, 1, 1), TRK_DUP);
	assert_int_equal(t.dups, 2);
	assert_null(trk_stream_find(a, 1, 2));
	trk_free(&t);
}

static void test_gaps_and_late(void **state)
{
	struct trk t;
	struct trk_agent *a;
	struct trk_stream *s;

	(void)state;
	trk_init(&t);
	a = agent(&t, "t1");
	assert_int_equal(trk_see(&t, a, 1, 1, 1), TRK_NEW);
	assert_int_equal(trk_see(&t, a, 1, 1, 2), TRK_NEW);
	assert_int_equal(trk_see(&t, a, 1, 1, 5), TRK_NEW);
	assert_int_equal(trk_see(&t, a, 1, 1, 7), TRK_NEW);
	s = trk_stream_find(a, 1, 1);
	assert_int_equal(s->contig, 2);
	assert_int_equal(trk_stream_gaps(s), 3);	/* 3, 4, 6 */
	assert_int_equal(trk_see(&t, a, 1, 1, 5), TRK_DUP);
	assert_int_equal(trk_see(&t, a, 1, 1, 4), TRK_LATE);
	assert_int_equal(trk_see(&t, a, 1, 1, 3), TRK_LATE);
	assert_int_equal(s->contig, 5);
	assert_int_equal(trk_stream_gaps(s), 1);
	assert_int_equal(trk_see(&t, a, 1, 1, 6), TRK_LATE);
	assert_int_equal(s->contig, 7);
	assert_int_equal(trk_stream_gaps(s), 0);
	assert_int_equal(t.out_of_order, 3);
	assert_int_equal(t.readings, 7);
	assert_int_equal(t.dups, 1);
	trk_free(&t);
}

static void test_late_start_and_compaction(void **state)
{
	struct trk t;
	struct trk_agent *a;
	struct trk_stream *s;

	(void)state;
	trk_init(&t);
	a = agent(&t, "t1");
	/* a controller that joins late: history below the first is no gap */
	assert_int_equal(trk_see(&t, a, 1, 3, 41), TRK_NEW);
	s = trk_stream_find(a, 1, 3);
	assert_int_equal(s->first, 41);
	assert_int_equal(s->contig, 41);
	/* a hole, then far beyond the compaction size */
	for (uint32_t q = 43; q < 20000; q++)
		assert_int_equal(trk_see(&t, a, 1, 3, q), TRK_NEW);
	s = trk_stream_find(a, 1, 3);
	assert_int_equal(s->contig, 41);
	assert_int_equal(trk_stream_gaps(s), 1);
	assert_int_equal(trk_see(&t, a, 1, 3, 42), TRK_LATE);
	assert_int_equal(s->contig, 19999);
	for (uint32_t q = 20000; q < 30000; q++)
		assert_int_equal(trk_see(&t, a, 1, 3, q), TRK_NEW);
	assert_int_equal(trk_see(&t, a, 1, 3, 25000), TRK_DUP);
	assert_int_equal(trk_stream_gaps(s), 0);
	assert_true(s->base > 25000 && s->base <= s->contig + 1);	/* compacted */
	trk_free(&t);
}

static void test_agents_and_epochs(void **state)
{
	struct trk t;
	struct trk_agent *a, *b;
	bool restarted = true;

	(void)state;
	trk_init(&t);
	a = trk_hello(&t, "a", 1, 7, 1, &restarted);
	assert_false(restarted);
	b = trk_hello(&t, "b", 1, 9, 1, &restarted);
	assert_ptr_not_equal(a, b);
	assert_int_equal(trk_see(&t, a, 1, 1, 1), TRK_NEW);
	assert_int_equal(trk_see(&t, b, 1, 1, 1), TRK_NEW);	/* per agent */
	assert_int_equal(trk_see(&t, a, 1, 1, 3), TRK_NEW);
	assert_ptr_equal(trk_hello(&t, "a", 1, 7, 1, &restarted), a);
	assert_false(restarted);
	assert_int_equal(trk_see(&t, a, 1, 1, 1), TRK_DUP);
	/* a restart: new boot id and epoch; (agent, epoch, stream, seq) is
	 * the identity, so seq 1 of the new epoch is new and the old epoch's
	 * state stays (an older run's readings may still be replayed) */
	assert_ptr_equal(trk_hello(&t, "a", 1, 8, 2, &restarted), a);
	assert_true(restarted);
	assert_int_equal(a->epoch, 2);
	assert_int_equal(trk_see(&t, a, 2, 1, 1), TRK_NEW);
	assert_int_equal(trk_see(&t, a, 1, 1, 2), TRK_LATE);	/* epoch 1 filled */
	assert_int_equal(trk_see(&t, a, 1, 1, 3), TRK_DUP);
	assert_int_equal(trk_total_gaps(&t), 0);
	trk_free(&t);
}

/* Serial-number arithmetic: a stream runs across 2^32 without a gap. */
static void test_wrap(void **state)
{
	struct trk t;
	struct trk_agent *a;
	struct trk_stream *s;

	(void)state;
	trk_init(&t);
	a = trk_agent_get(&t, "w", 1);
	assert_int_equal(trk_see(&t, a, 1, 1, UINT32_MAX - 2), TRK_NEW);
	for (uint32_t q = UINT32_MAX - 1; q != 5; q++)
		assert_int_equal(trk_see(&t, a, 1, 1, q), TRK_NEW);
	s = trk_stream_find(a, 1, 1);
	assert_int_equal(trk_seq(s->contig), 4);
	assert_int_equal(trk_see(&t, a, 1, 1, UINT32_MAX), TRK_DUP);
	assert_int_equal(trk_see(&t, a, 1, 1, 7), TRK_NEW);
	assert_int_equal(trk_stream_gaps(s), 2);		/* 5, 6 */
	/* 5, 6 and the 8 below the first seen (never seen here) */
	assert_int_equal(trk_gap(&t, a, 1, 1, UINT32_MAX - 10, 6), 2 + 8);
	assert_int_equal(trk_stream_gaps(s), 0);
	assert_int_equal(trk_seq(s->contig), 7);
	trk_free(&t);
}

/* GAP: what is still missing is counted lost once, never as a gap, and
 * the cumulative point moves over it; seen seqs are not counted. */
static void test_gap_and_low(void **state)
{
	struct trk t;
	struct trk_agent *a;
	struct trk_stream *s;

	(void)state;
	trk_init(&t);
	a = trk_hello(&t, "g", 1, 1, 9, &(bool){ false });
	assert_int_equal(trk_see(&t, a, 9, 1, 1), TRK_NEW);
	assert_int_equal(trk_see(&t, a, 9, 1, 4), TRK_NEW);
	s = trk_stream_find(a, 9, 1);
	assert_int_equal(trk_stream_gaps(s), 2);
	assert_int_equal(trk_gap(&t, a, 9, 1, 2, 5), 3);	/* 2, 3, 5 */
	assert_int_equal(trk_seq(s->contig), 5);
	assert_int_equal(trk_stream_gaps(s), 0);
	assert_int_equal(trk_gap(&t, a, 9, 1, 1, 5), 0);	/* idempotent */
	assert_int_equal(trk_see(&t, a, 9, 1, 6), TRK_NEW);
	assert_int_equal(s->lost, 3);
	/* a GAP before anything of its stream was seen starts the stream */
	assert_int_equal(trk_gap(&t, a, 9, 2, 1, 100), 100);
	assert_int_equal(trk_see(&t, a, 9, 2, 101), TRK_NEW);
	assert_int_equal(trk_seq(trk_stream_find(a, 9, 2)->contig), 101);
	/* HELLO low: a known stream counts what is missing below it ... */
	assert_int_equal(trk_see(&t, a, 9, 1, 9), TRK_NEW);	/* 7, 8 missing */
	assert_int_equal(trk_low(&t, a, 9, 1, 12), 4);	/* 7, 8, 10, 11 */
	s = trk_stream_find(a, 9, 1);		/* the array grew */
	assert_int_equal(trk_seq(s->contig), 11);
	assert_int_equal(trk_low(&t, a, 9, 1, 12), 0);
	/* ... an unknown one starts at it, nothing counted */
	assert_int_equal(trk_low(&t, a, 9, 3, 50), 0);
	assert_int_equal(trk_see(&t, a, 9, 3, 50), TRK_NEW);
	assert_int_equal(trk_total_gaps(&t), 0);
	assert_int_equal(t.lost, 107);
	/* a GAP below where a HELLO's low started the stream: lost here
	 * (a controller that came up after the agent dropped them) */
	assert_int_equal(trk_low(&t, a, 9, 4, 1023), 0);
	assert_int_equal(trk_gap(&t, a, 9, 4, 1, 1022), 1022);
	assert_int_equal(trk_gap(&t, a, 9, 4, 1, 1022), 0);	/* idempotent */
	assert_int_equal(trk_see(&t, a, 9, 4, 1023), TRK_NEW);
	assert_int_equal(trk_see(&t, a, 9, 4, 5), TRK_DUP);	/* named lost */
	assert_int_equal(trk_stream_find(a, 9, 4)->lost, 1022);
	/* one that reaches above it counts only what is missing there */
	assert_int_equal(trk_low(&t, a, 9, 5, 10), 0);
	assert_int_equal(trk_see(&t, a, 9, 5, 10), TRK_NEW);
	assert_int_equal(trk_gap(&t, a, 9, 5, 5, 12), 5 + 2);	/* 5..9, 11, 12 */
	t.lost -= 1022 + 7;
	/* a huge range is counted without a bit per seq */
	assert_int_equal(trk_gap(&t, a, 9, 3, 51, 50 + 3000000), 3000000);
	assert_int_equal(trk_see(&t, a, 9, 3, 3000051), TRK_NEW);
	assert_true(trk_stream_find(a, 9, 3)->nwords < 1024);
	trk_free(&t);
}

static void test_json_escape(void **state)
{
	char buf[256];
	struct jbuf b;
	const char odd[] = "a\"b\\c\n\x01\xc3\xa9\xff";

	(void)state;
	jb_init(&b, buf, sizeof(buf));
	jb_obj(&b);
	jb_key(&b, "s");
	jb_str(&b, odd, sizeof(odd) - 1);
	jb_key(&b, "a");
	jb_arr(&b);
	jb_int(&b, -3);
	jb_uint(&b, 18446744073709551615ull);
	jb_num(&b, 21.5);
	jb_num(&b, 0.1);
	jb_num(&b, 1.0 / 0.0);
	jb_bool(&b, false);
	jb_null(&b);
	jb_obj(&b);
	jb_end(&b);
	jb_end(&b);
	jb_end(&b);
	assert_int_equal(jb_finish(&b), 0);
	assert_string_equal(buf, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\xc3\xa9\\ufffd\","
			    "\"a\":[-3,18446744073709551615,21.5,0.1,null,false,null,{}]}");
}

static void test_json_overflow(void **state)
{
	char buf[8];
	struct jbuf b;

	(void)state;
	jb_init(&b, buf, sizeof(buf));
	jb_obj(&b);
	jb_key(&b, "long key");
	jb_end(&b);
	assert_int_equal(jb_finish(&b), -1);
	assert_true(strlen(buf) < sizeof(buf));
}

static void test_cbor_json(void **state)
{
	/* {"uptime_s": 3600, 1: [-2, h'01ff', 1.5, true, null], "x": "y"} */
	static const uint8_t m[] = {
		0xa3, 0x68, 'u', 'p', 't', 'i', 'm', 'e', '_', 's', 0x19, 0x0e, 0x10,
		0x01, 0x85, 0x21, 0x42, 0x01, 0xff, 0xf9, 0x3e, 0x00, 0xf5, 0xf6,
		0x61, 'x', 0x61, 'y',
	};
	static const uint8_t bad[] = { 0xa1, 0x61, 'x' };
	char buf[256];
	struct jbuf b;

	(void)state;
	jb_init(&b, buf, sizeof(buf));
	assert_int_equal(jb_cbor(&b, m, sizeof(m)), 0);
	assert_int_equal(jb_finish(&b), 0);
	assert_string_equal(buf, "{\"uptime_s\":3600,\"1\":[-2,\"01ff\",1.5,true,null],"
			    "\"x\":\"y\"}");
	jb_init(&b, buf, sizeof(buf));
	assert_int_equal(jb_cbor(&b, bad, sizeof(bad)), -1);
}

static void test_summary(void **state)
{
	struct trk t;
	struct trk_agent *a;
	char buf[1024];
	struct jbuf b;
	bool reset;

	(void)state;
	trk_init(&t);
	a = trk_hello(&t, "t\"1", 3, 5, 1, &reset);
	trk_see(&t, a, 1, 1, 1);
	trk_see(&t, a, 1, 1, 3);
	trk_see(&t, a, 1, 1, 3);
	t.bad = 2;
	jb_init(&b, buf, sizeof(buf));
	trk_summary_json(&t, "ctl", &b);
	assert_int_equal(jb_finish(&b), 0);
	assert_string_equal(buf, "{\"summary\":true,\"controller\":\"ctl\",\"readings\":2,"
			    "\"dups\":1,\"gaps\":1,\"lost\":0,\"out_of_order\":0,\"bad\":2,"
			    "\"agents\":{\"t\\\"1\":{\"boot\":5,\"epoch\":1,\"streams\":{\"1\":"
			    "{\"first\":1,\"last\":3,\"contig\":1,\"gaps\":1,\"lost\":0}}}}}");
	trk_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_gaps_and_late),
		cmocka_unit_test(test_late_start_and_compaction),
		cmocka_unit_test(test_agents_and_epochs),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_gap_and_low),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_json_overflow),
		cmocka_unit_test(test_cbor_json),
		cmocka_unit_test(test_summary),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
