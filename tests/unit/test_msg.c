/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_msg.c - agent/msg wire format v2: round trips for every
 * type (GAP and the epoch extension included), every rejection reason, v1
 * headers accepted, serial-number arithmetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "agent/cbor.h"
#include "agent/msg.h"
#include "agent/seqnum.h"

#define S(lit) ((struct msg_str){ (lit), sizeof(lit) - 1 })

static bool str_is(struct msg_str s, const char *c)
{
	return s.len == strlen(c) && memcmp(s.p, c, s.len) == 0;
}

/* Parse a whole message and return its body (asserts a good header). */
static void body_of(const uint8_t *m, size_t len, uint8_t type,
		    const uint8_t **b, size_t *bl, uint32_t *seq)
{
	struct msg_hdr h;
	enum msg_err why = MSG_ERR_COUNT;

	assert_int_equal(msg_hdr_parse(m, len, &h, b, bl, &why), 0);
	assert_int_equal(why, MSG_OK);
	assert_int_equal(h.version, MSG_VERSION);
	assert_int_equal(h.type, type);
	assert_int_equal(h.flags, 0);
	if (seq)
		*seq = h.seq;
}

/* ---------------- fixtures: one valid message per type ---------------- */

static const struct msg_stream_info streams3[] = {
	{ 1, S("temp"), S("Cel") }, { 2, S("hum"), S("%RH") },
	{ 7, S("door"), S("") },
};

static const struct msg_low low2[] = { { 0xcafe, 1, 7 }, { 0xcafe, 7, 3 } };

static size_t enc_hello(uint8_t *buf, size_t cap, int *rc)
{
	struct msg_hello m = {
		S("pi-kitchen"), S("0.1.0"), MSG_VERSION,
		0x0123456789abcdefull, 1700000000123ull, streams3, 3,
		0xcafe, low2, 2,
	};
	size_t n = 0;

	*rc = msg_encode_hello(buf, cap, &m, &n);
	return n;
}

static const struct msg_reading rd3[] = {
	{ { 0 }, S("temp"), S("Cel"), 21.5, 1700000000000ll, false },
	{ { 0 }, S("temp"), S("Cel"), 21.25, 1700000000500ll, false },
	{ { 0 }, S("temp"), S("Cel"), -3.1, 1700000061001ll, false },
};

static size_t enc_readings(uint8_t *buf, size_t cap, int *rc)
{
	size_t n = 0;

	*rc = msg_encode_readings(buf, cap, 0, 42, S("urn:dev:pi-kitchen:"), rd3,
				  3, &n);
	return n;
}

static size_t enc_ack(uint8_t *buf, size_t cap, int *rc)
{
	static const struct msg_ack a[] = { { 1, 41 }, { 2, 0 },
					    { 65535, UINT32_MAX } };
	size_t n = 0;

	*rc = msg_encode_ack(buf, cap, 0, a, 3, &n);
	return n;
}

static const struct msg_gap gap2[] = { { 1, 5, 9 }, { 3, UINT32_MAX - 1, 2 } };

static size_t enc_gap(uint8_t *buf, size_t cap, int *rc)
{
	size_t n = 0;

	*rc = msg_encode_gap(buf, cap, 0, gap2, 2, &n);
	return n;
}

static size_t enc_cmd(uint8_t *buf, size_t cap, int *rc)
{
	struct msg_cmd c = { MSG_OP_SET_INTERVAL, { 0 }, S("temp"), 5000 };
	size_t n = 0;

	*rc = msg_encode_cmd(buf, cap, 7, &c, &n);
	return n;
}

static const uint8_t reply_data[] = { 0xa1, 0x66, 'u', 'p', 't', 'i', 'm',
				      'e', 0x19, 0x0e, 0x10 };

static size_t enc_reply(uint8_t *buf, size_t cap, int *rc)
{
	struct msg_reply r = { MSG_ST_OK, S("ok"), reply_data,
			       sizeof(reply_data) };
	size_t n = 0;

	*rc = msg_encode_reply(buf, cap, 7, &r, &n);
	return n;
}

/* Decode any body by type; the array caps are the ones tests use. */
static int decode_any(uint8_t type, const uint8_t *b, size_t bl,
		      enum msg_err *why)
{
	struct msg_stream_info si[4];
	struct msg_low lo[4];
	struct msg_reading r[4];
	struct msg_ack a[4];
	struct msg_gap g[4];
	struct msg_hello h;
	struct msg_cmd c;
	struct msg_reply rp;
	unsigned n;

	switch (type) {
	case MSG_HELLO: return msg_decode_hello(b, bl, &h, si, 4, lo, 4, why);
	case MSG_GAP: return msg_decode_gap(b, bl, g, 4, &n, why);
	case MSG_READINGS: return msg_decode_readings(b, bl, r, 4, &n, why);
	case MSG_ACK: return msg_decode_ack(b, bl, a, 4, &n, why);
	case MSG_CMD: return msg_decode_cmd(b, bl, &c, why);
	default: return msg_decode_reply(b, bl, &rp, why);
	}
}

typedef size_t (*enc_fn)(uint8_t *, size_t, int *);
static const struct { uint8_t type; enc_fn fn; } fixtures[] = {
	{ MSG_HELLO, enc_hello }, { MSG_READINGS, enc_readings },
	{ MSG_ACK, enc_ack }, { MSG_CMD, enc_cmd }, { MSG_REPLY, enc_reply },
	{ MSG_GAP, enc_gap },
};
#define N_FIX (sizeof(fixtures) / sizeof(fixtures[0]))

/* ---------------- header ---------------- */

static void test_hdr(void **state)
{
	uint8_t m[16] = { 2, MSG_ACK, 0, 0, 0xde, 0xad, 0xbe, 0xef, 0xa0 };
	const uint8_t *b;
	struct msg_hdr h;
	enum msg_err why;
	size_t bl;

	(void)state;
	assert_int_equal(msg_hdr_parse(m, 9, &h, &b, &bl, &why), 0);
	assert_int_equal(h.seq, 0xdeadbeef);
	assert_int_equal(h.epoch, 0);
	assert_ptr_equal(b, m + 8);
	assert_int_equal(bl, 1);
	for (size_t len = 0; len < MSG_HDR_LEN; len++) {
		assert_int_equal(msg_hdr_parse(m, len, &h, &b, &bl, &why),
				 -EBADMSG);
		assert_int_equal(why, MSG_ERR_TRUNCATED);
	}
	assert_int_equal(msg_hdr_parse(NULL, 0, &h, &b, &bl, &why), -EBADMSG);
	for (unsigned v = 0; v < 256; v++) {
		int ok = v == 1 || v == 2;

		m[0] = (uint8_t)v;
		assert_int_equal(msg_hdr_parse(m, 8, &h, &b, &bl, &why),
				 ok ? 0 : -EBADMSG);
		if (!ok) {
			assert_int_equal(why, MSG_ERR_VERSION);
			/* still filled, so the caller can reply to the id */
			assert_int_equal(h.seq, 0xdeadbeef);
			assert_int_equal(h.version, v);
		}
	}
	for (unsigned v = 1; v <= 2; v++) {
		m[0] = (uint8_t)v;
		for (unsigned t = 0; t < 256; t++) {
			/* GAP is new in version 2 */
			int ok = t >= MSG_HELLO && t <= (v == 1 ? MSG_REPLY : MSG_GAP);

			m[1] = (uint8_t)t;
			assert_int_equal(msg_hdr_parse(m, 8, &h, &b, &bl, &why),
					 ok ? 0 : -EBADMSG);
			assert_int_equal(why, ok ? MSG_OK : MSG_ERR_TYPE);
		}
	}
	m[0] = 2;
	m[1] = MSG_CMD;
	for (unsigned bit = 0; bit < 16; bit++) {
		m[2] = (uint8_t)((1u << bit) >> 8);
		m[3] = (uint8_t)(1u << bit);
		assert_int_equal(msg_hdr_parse(m, 12, &h, &b, &bl, &why),
				 -EBADMSG);
		assert_int_equal(why, MSG_ERR_FLAGS);	/* EPOCH not on a CMD */
		assert_int_equal(h.flags, 1u << bit);
	}
}

/* EPOCH: allowed on READINGS, ACK and GAP of version 2 only, never 0. */
static void test_hdr_epoch(void **state)
{
	uint8_t m[16] = { 2, MSG_READINGS, 0, MSG_F_EPOCH, 0, 0, 0, 9,
			  0x12, 0x34, 0x56, 0x78, 0x80 };
	const uint8_t *b;
	struct msg_hdr h;
	enum msg_err why;
	size_t bl;

	(void)state;
	assert_int_equal(msg_hdr_parse(m, 13, &h, &b, &bl, &why), 0);
	assert_int_equal(h.epoch, 0x12345678);
	assert_int_equal(h.seq, 9);
	assert_ptr_equal(b, m + 12);
	assert_int_equal(bl, 1);
	for (size_t len = 8; len < 12; len++) {
		assert_int_equal(msg_hdr_parse(m, len, &h, &b, &bl, &why), -EBADMSG);
		assert_int_equal(why, MSG_ERR_TRUNCATED);
	}
	for (unsigned t = MSG_HELLO; t <= MSG_GAP; t++) {
		int ok = t == MSG_READINGS || t == MSG_ACK || t == MSG_GAP;

		m[1] = (uint8_t)t;
		assert_int_equal(msg_hdr_parse(m, 13, &h, &b, &bl, &why),
				 ok ? 0 : -EBADMSG);
		assert_int_equal(why, ok ? MSG_OK : MSG_ERR_FLAGS);
	}
	m[1] = MSG_ACK;
	m[0] = 1;			/* v1 has no flags at all */
	assert_int_equal(msg_hdr_parse(m, 13, &h, &b, &bl, &why), -EBADMSG);
	assert_int_equal(why, MSG_ERR_FLAGS);
	m[0] = 2;
	memset(m + 8, 0, 4);		/* epoch 0 is invalid */
	assert_int_equal(msg_hdr_parse(m, 13, &h, &b, &bl, &why), -EBADMSG);
	assert_int_equal(why, MSG_ERR_RANGE);
}

/* The encoders write the extension only when asked, and its length. */
static void test_epoch_encoders(void **state)
{
	static const struct msg_ack a = { 2, 7 };
	uint8_t buf[128];
	const uint8_t *b;
	struct msg_hdr h;
	struct msg_ack out;
	struct msg_gap g;
	size_t n, bl;
	unsigned cnt;

	(void)state;
	assert_int_equal(msg_encode_ack(buf, sizeof(buf), 77, &a, 1, &n), 0);
	assert_int_equal(n, 12 + 3);
	assert_int_equal(msg_hdr_parse(buf, n, &h, &b, &bl, NULL), 0);
	assert_int_equal(h.flags, MSG_F_EPOCH);
	assert_int_equal(h.epoch, 77);
	assert_int_equal(msg_decode_ack(b, bl, &out, 1, &cnt, NULL), 0);
	assert_int_equal(out.seq, 7);
	assert_int_equal(msg_encode_gap(buf, sizeof(buf), 5, gap2, 1, &n), 0);
	assert_int_equal(msg_hdr_parse(buf, n, &h, &b, &bl, NULL), 0);
	assert_int_equal(h.epoch, 5);
	assert_int_equal(msg_decode_gap(b, bl, &g, 1, &cnt, NULL), 0);
	assert_int_equal(g.last, 9);
	assert_int_equal(msg_encode_readings(buf, sizeof(buf), 3, 1, S("x"), rd3, 1, &n), 0);
	assert_int_equal(msg_hdr_parse(buf, n, &h, &b, &bl, NULL), 0);
	assert_int_equal(h.epoch, 3);
	/* too small for the extension: nothing written past cap */
	assert_int_equal(msg_encode_ack(buf, 11, 77, &a, 1, &n), -ENOSPC);
}

static void test_seqnum(void **state)
{
	(void)state;
	assert_true(seq_lt(1, 2));
	assert_true(seq_lt(UINT32_MAX, 0));	/* wraps */
	assert_true(seq_lt(UINT32_MAX - 5, 3));
	assert_false(seq_lt(3, UINT32_MAX - 5));
	assert_true(seq_gt(0, UINT32_MAX));
	assert_true(seq_le(7, 7) && seq_ge(7, 7));
	assert_false(seq_lt(7, 7));
	/* exactly half the space apart: neither is before the other */
	assert_false(seq_lt(0, 0x80000000u));
	assert_false(seq_lt(0x80000000u, 0));
	assert_true(seq_lt(0, 0x7fffffffu));
}

/* ---------------- round trips ---------------- */

static void test_hello_roundtrip(void **state)
{
	uint8_t buf[256];
	struct msg_stream_info si[3];
	struct msg_low lo[2];
	struct msg_hello h;
	const uint8_t *b;
	enum msg_err why;
	size_t n, bl;
	int rc;

	(void)state;
	n = enc_hello(buf, sizeof(buf), &rc);
	assert_int_equal(rc, 0);
	body_of(buf, n, MSG_HELLO, &b, &bl, NULL);
	assert_int_equal(msg_decode_hello(b, bl, &h, si, 3, lo, 2, &why), 0);
	assert_int_equal(h.epoch, 0xcafe);
	assert_int_equal(h.n_low, 2);
	assert_ptr_equal(h.low, lo);
	assert_int_equal(lo[1].epoch, 0xcafe);
	assert_int_equal(lo[1].stream, 7);
	assert_int_equal(lo[1].seq, 3);
	assert_true(str_is(h.name, "pi-kitchen"));
	assert_true(str_is(h.sw, "0.1.0"));
	assert_int_equal(h.proto, MSG_VERSION);
	assert_true(h.boot_id == 0x0123456789abcdefull);
	assert_true(h.start_ms == 1700000000123ull);
	assert_int_equal(h.n_streams, 3);
	assert_ptr_equal(h.streams, si);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(si[i].stream, streams3[i].stream);
		assert_true(str_is(si[i].sensor, streams3[i].sensor.p));
		assert_true(str_is(si[i].unit, streams3[i].unit.p));
	}
	/* names point into the buffer: no copy */
	assert_true(h.name.p > (const char *)buf &&
		    h.name.p < (const char *)buf + n);
	assert_int_equal(msg_decode_hello(b, bl, &h, si, 2, lo, 2, &why), -EBADMSG);
	assert_int_equal(why, MSG_ERR_TOO_MANY);
	assert_int_equal(msg_decode_hello(b, bl, &h, si, 3, lo, 1, &why), -EBADMSG);
	assert_int_equal(why, MSG_ERR_TOO_MANY);
}

static void test_readings_roundtrip(void **state)
{
	uint8_t buf[256];
	struct msg_reading r[3];
	const uint8_t *b;
	enum msg_err why;
	uint32_t seq;
	size_t n, bl;
	unsigned cnt = 0;
	int rc;

	(void)state;
	n = enc_readings(buf, sizeof(buf), &rc);
	assert_int_equal(rc, 0);
	body_of(buf, n, MSG_READINGS, &b, &bl, &seq);
	assert_int_equal(seq, 42);
	assert_int_equal(msg_decode_readings(b, bl, r, 3, &cnt, &why), 0);
	assert_int_equal(cnt, 3);
	for (int i = 0; i < 3; i++) {
		assert_true(str_is(r[i].base, "urn:dev:pi-kitchen:"));
		assert_true(str_is(r[i].name, "temp"));
		assert_true(str_is(r[i].unit, "Cel"));
		assert_true(r[i].value == rd3[i].value);
		assert_true(r[i].time_ms == rd3[i].time_ms);
	}
	/* the first record carries bn and bt; t of record 0 is omitted */
	assert_int_equal(b[0], 0x83);
	assert_int_equal(b[1], 0xa5);
	assert_int_equal(b[2], 0x21);		/* -2: bn */
	assert_int_equal(msg_decode_readings(b, bl, r, 2, &cnt, &why),
			 -EBADMSG);
	assert_int_equal(why, MSG_ERR_TOO_MANY);
}

/* Times and values at their limits survive the trip exactly. */
static void test_readings_extremes(void **state)
{
	const struct msg_reading in[] = {
		{ { 0 }, S("a"), S(""), 0.0, 0, false },
		{ { 0 }, S("b"), S("W"), 1e300, -1, false },
		{ { 0 }, S("c"), S("W"), -123456.789, 4102444800999ll, false },
		{ { 0 }, S("d"), S("W"), 5e-324, -4102444800001ll, false },
	};
	struct msg_reading r[4];
	uint8_t buf[256];
	const uint8_t *b;
	size_t n, bl;
	unsigned cnt;
	volatile double zero = 0.0;

	(void)state;
	assert_int_equal(msg_encode_readings(buf, sizeof(buf), 0, 0, S(""), in,
					     4, &n), 0);
	body_of(buf, n, MSG_READINGS, &b, &bl, NULL);
	assert_int_equal(msg_decode_readings(b, bl, r, 4, &cnt, NULL), 0);
	for (int i = 0; i < 4; i++) {
		assert_true(r[i].value == in[i].value);
		assert_true(r[i].time_ms == in[i].time_ms);
		assert_int_equal(r[i].base.len, 0);
	}
	assert_int_equal(r[0].unit.len, 0);
	/* encoder refusals */
	struct msg_reading bad = in[0];

	bad.value = zero / zero;
	assert_int_equal(msg_encode_readings(buf, sizeof(buf), 0, 0, S("x"),
					     &bad, 1, &n), -EINVAL);
	bad = in[0];
	bad.name = S("");
	assert_int_equal(msg_encode_readings(buf, sizeof(buf), 0, 0, S(""),
					     &bad, 1, &n), -EINVAL);
	bad = in[0];
	bad.time_ms = INT64_MIN;
	assert_int_equal(msg_encode_readings(buf, sizeof(buf), 0, 0, S("x"),
					     &bad, 1, &n), -EINVAL);
	assert_int_equal(msg_encode_readings(buf, sizeof(buf), 0, 0, S("x"),
					     in, 0, &n), -EINVAL);
}

static void test_ack_roundtrip(void **state)
{
	uint8_t buf[64];
	struct msg_ack a[3];
	const uint8_t *b;
	size_t n, bl;
	unsigned cnt;
	int rc;

	(void)state;
	n = enc_ack(buf, sizeof(buf), &rc);
	assert_int_equal(rc, 0);
	body_of(buf, n, MSG_ACK, &b, &bl, NULL);
	assert_int_equal(msg_decode_ack(b, bl, a, 3, &cnt, NULL), 0);
	assert_int_equal(cnt, 3);
	assert_int_equal(a[0].stream, 1);
	assert_int_equal(a[0].seq, 41);
	assert_int_equal(a[1].seq, 0);
	assert_int_equal(a[2].stream, 65535);
	assert_int_equal(a[2].seq, UINT32_MAX);
	assert_int_equal(msg_encode_ack(buf, sizeof(buf), 0, NULL, 0, &n), 0);
	body_of(buf, n, MSG_ACK, &b, &bl, NULL);
	assert_int_equal(msg_decode_ack(b, bl, a, 3, &cnt, NULL), 0);
	assert_int_equal(cnt, 0);
	struct msg_ack zero = { 0, 1 };
	assert_int_equal(msg_encode_ack(buf, sizeof(buf), 0, &zero, 1, &n),
			 -EINVAL);
}

static void test_cmd_roundtrip(void **state)
{
	static const struct msg_cmd cmds[] = {
		{ MSG_OP_PING, { 0 }, { 0 }, 0 },
		{ MSG_OP_STATUS, { 0 }, { 0 }, 0 },
		{ MSG_OP_SET_INTERVAL, { 0 }, S("temp"), UINT32_MAX },
		{ MSG_OP_READ_NOW, { 0 }, S("hum"), 0 },
		{ MSG_OP_CLOSE, { 0 }, { 0 }, 0 },
		{ MSG_OP_UNKNOWN, S("reboot"), { 0 }, 0 },
	};
	uint8_t buf[64];
	struct msg_cmd c;
	const uint8_t *b;
	size_t n, bl;
	uint32_t id;

	(void)state;
	for (unsigned i = 0; i < 6; i++) {
		assert_int_equal(msg_encode_cmd(buf, sizeof(buf), 100 + i,
						&cmds[i], &n), 0);
		body_of(buf, n, MSG_CMD, &b, &bl, &id);
		assert_int_equal(id, 100 + i);
		assert_int_equal(msg_decode_cmd(b, bl, &c, NULL), 0);
		assert_int_equal(c.op, cmds[i].op);
		if (cmds[i].op == MSG_OP_UNKNOWN)
			assert_true(str_is(c.op_name, "reboot"));
		else
			assert_true(str_is(c.op_name, msg_op_str(c.op)));
		if (cmds[i].sensor.len)
			assert_true(str_is(c.sensor, cmds[i].sensor.p));
		if (cmds[i].op == MSG_OP_SET_INTERVAL)
			assert_int_equal(c.interval_ms, UINT32_MAX);
	}
	/* op as a small uint is accepted too; an unknown number is UNKNOWN */
	static const uint8_t op_uint[] = { 0xa1, 0x62, 'o', 'p', 0x02 };
	static const uint8_t op_99[] = { 0xa1, 0x62, 'o', 'p', 0x18, 99 };

	assert_int_equal(msg_decode_cmd(op_uint, sizeof(op_uint), &c, NULL), 0);
	assert_int_equal(c.op, MSG_OP_STATUS);
	assert_int_equal(msg_decode_cmd(op_99, sizeof(op_99), &c, NULL), 0);
	assert_int_equal(c.op, MSG_OP_UNKNOWN);
	struct msg_cmd none = { MSG_OP_UNKNOWN, { 0 }, { 0 }, 0 };
	assert_int_equal(msg_encode_cmd(buf, sizeof(buf), 1, &none, &n),
			 -EINVAL);
	none.op = (enum msg_op)77;
	assert_int_equal(msg_encode_cmd(buf, sizeof(buf), 1, &none, &n),
			 -EINVAL);
}

static void test_reply_roundtrip(void **state)
{
	uint8_t buf[64];
	struct msg_reply r;
	const uint8_t *b;
	size_t n, bl;
	uint32_t id;
	int rc;

	(void)state;
	n = enc_reply(buf, sizeof(buf), &rc);
	assert_int_equal(rc, 0);
	body_of(buf, n, MSG_REPLY, &b, &bl, &id);
	assert_int_equal(id, 7);
	assert_int_equal(msg_decode_reply(b, bl, &r, NULL), 0);
	assert_int_equal(r.status, MSG_ST_OK);
	assert_true(str_is(r.msg, "ok"));
	assert_int_equal(r.data_len, sizeof(reply_data));
	assert_memory_equal(r.data, reply_data, sizeof(reply_data));

	struct msg_reply e = { MSG_ST_UNKNOWN_SENSOR, S("no sensor 'x'"),
			       NULL, 0 };
	assert_int_equal(msg_encode_reply(buf, sizeof(buf), 9, &e, &n), 0);
	body_of(buf, n, MSG_REPLY, &b, &bl, &id);
	assert_int_equal(msg_decode_reply(b, bl, &r, NULL), 0);
	assert_int_equal(r.status, MSG_ST_UNKNOWN_SENSOR);
	assert_null(r.data);
	/* data must be one map */
	e.data = (const uint8_t *)"\x81\x01";
	e.data_len = 2;
	assert_int_equal(msg_encode_reply(buf, sizeof(buf), 9, &e, &n),
			 -EINVAL);
	e.data = (const uint8_t *)"\xa1\x01";
	assert_int_equal(msg_encode_reply(buf, sizeof(buf), 9, &e, &n),
			 -EINVAL);
}

/* ---------------- every prefix, every capacity ---------------- */

static void test_truncated_every_byte(void **state)
{
	uint8_t buf[256];
	const uint8_t *b;
	struct msg_hdr h;
	enum msg_err why;
	size_t full, bl;
	int rc;

	(void)state;
	for (size_t f = 0; f < N_FIX; f++) {
		full = fixtures[f].fn(buf, sizeof(buf), &rc);
		assert_int_equal(rc, 0);
		for (size_t len = 0; len < full; len++) {
			rc = msg_hdr_parse(buf, len, &h, &b, &bl, &why);
			if (len < MSG_HDR_LEN) {
				assert_int_equal(rc, -EBADMSG);
				assert_int_equal(why, MSG_ERR_TRUNCATED);
				continue;
			}
			assert_int_equal(rc, 0);
			assert_int_equal(decode_any(h.type, b, bl, &why),
					 -EBADMSG);
			assert_int_equal(why, MSG_ERR_CBOR);
		}
		/* and one byte too many */
		buf[full] = 0;
		msg_hdr_parse(buf, full + 1, &h, &b, &bl, &why);
		assert_int_equal(decode_any(h.type, b, bl, &why), -EBADMSG);
		assert_int_equal(why, MSG_ERR_TRAILING);
	}
}

static void test_enospc_every_cap(void **state)
{
	uint8_t ref[256], buf[256 + 8];
	size_t full, n;
	int rc;

	(void)state;
	for (size_t f = 0; f < N_FIX; f++) {
		full = fixtures[f].fn(ref, sizeof(ref), &rc);
		for (size_t cap = 0; cap <= full; cap++) {
			memset(buf, 0x5a, sizeof(buf));
			n = fixtures[f].fn(buf, cap, &rc);
			assert_int_equal(rc, cap < full ? -ENOSPC : 0);
			for (size_t i = cap; i < sizeof(buf); i++)
				assert_int_equal(buf[i], 0x5a);
			if (cap == full) {
				assert_int_equal(n, full);
				assert_memory_equal(buf, ref, full);
			}
		}
	}
}

/* ---------------- hand-built bad bodies ---------------- */

struct body {
	uint8_t buf[1024];
	struct cbor_enc e;
};

static void body_start(struct body *b)
{
	cbor_enc_init(&b->e, b->buf, sizeof(b->buf));
}

static size_t body_len(struct body *b)
{
	size_t n;

	assert_int_equal(cbor_enc_finish(&b->e, &n), 0);
	return n;
}

static void expect(int type, struct body *b, enum msg_err want)
{
	enum msg_err why = MSG_OK;

	assert_int_equal(decode_any((uint8_t)type, b->buf, body_len(b), &why),
			 -EBADMSG);
	if (why != want)
		fail_msg("type %d: got %s want %s", type, msg_err_str(why),
			 msg_err_str(want));
}

/* HELLO with field @skip left out and field @bad given as an int. */
static void hello_body(struct body *b, int skip, int bad, int dup)
{
	static const char *const keys[] = { "name", "sw", "proto", "boot",
					    "start", "streams", "epoch" };
	struct cbor_enc *e = &b->e;

	body_start(b);
	cbor_put_map(e, 7 - (skip >= 0) + (dup >= 0));
	for (int i = 0; i < 7; i++) {
		if (i == skip)
			continue;
		for (int k = 0; k < 1 + (i == dup); k++) {
			cbor_put_cstr(e, keys[i]);
			if (i == bad)
				cbor_put_bool(e, true);
			else if (i < 2)
				cbor_put_cstr(e, "x");
			else if (i < 5 || i == 6)
				cbor_put_uint(e, 1);
			else
				cbor_put_array(e, 0);
		}
	}
}

static void test_hello_bad(void **state)
{
	struct body b;

	(void)state;
	hello_body(&b, -1, -1, -1);
	enum msg_err why;
	struct msg_hello h;
	struct msg_stream_info si[1];
	struct msg_low lo[1];
	assert_int_equal(msg_decode_hello(b.buf, body_len(&b), &h, si, 1, lo, 1,
					  &why), 0);
	assert_int_equal(h.n_low, 0);		/* "low" is optional */
	for (int i = 0; i < 7; i++) {
		hello_body(&b, i, -1, -1);
		expect(MSG_HELLO, &b, MSG_ERR_MISSING);
		hello_body(&b, -1, i, -1);
		expect(MSG_HELLO, &b, MSG_ERR_WRONG_TYPE);
		hello_body(&b, -1, -1, i);
		expect(MSG_HELLO, &b, MSG_ERR_DUPLICATE);
	}
	uint8_t m[512];
	struct msg_stream_info dup[2] = { { 3, S("a"), S("") },
					  { 3, S("b"), S("") } };
	struct msg_hello hh = { S("n"), S("v"), 2, 1, 1, dup, 2, 9, NULL, 0 };
	size_t n, bl;
	const uint8_t *bb;
	assert_int_equal(msg_encode_hello(m, sizeof(m), &hh, &n), 0);
	body_of(m, n, MSG_HELLO, &bb, &bl, NULL);
	assert_int_equal(msg_decode_hello(bb, bl, &h, si, 1, lo, 1, &why), -EBADMSG);
	assert_int_equal(why, MSG_ERR_TOO_MANY);
	struct msg_stream_info two[2];
	assert_int_equal(msg_decode_hello(bb, bl, &h, two, 2, lo, 1, &why), -EBADMSG);
	assert_int_equal(why, MSG_ERR_DUPLICATE);
	dup[1].stream = 0;
	assert_int_equal(msg_encode_hello(m, sizeof(m), &hh, &n), -EINVAL);
	dup[1].stream = 4;
	hh.epoch = 0;			/* epoch 0 is invalid */
	assert_int_equal(msg_encode_hello(m, sizeof(m), &hh, &n), -EINVAL);
	hello_body(&b, -1, -1, -1);	/* ... and refused by the decoder */
	b.buf[body_len(&b) - 1] = 0;	/* the last value: epoch = 0 */
	expect(MSG_HELLO, &b, MSG_ERR_RANGE);
}

/* HELLO "low": [epoch, stream, seq] triples. */
static void test_hello_low_bad(void **state)
{
	static const struct { uint64_t v[3]; unsigned n; enum msg_err why; } cases[] = {
		{ { 0, 1, 1 }, 3, MSG_ERR_RANGE },		/* epoch 0 */
		{ { 1, 0, 1 }, 3, MSG_ERR_RANGE },		/* stream 0 */
		{ { 1, 65536, 1 }, 3, MSG_ERR_RANGE },
		{ { 1, 1, 1ull << 32 }, 3, MSG_ERR_RANGE },
		{ { 1ull << 32, 1, 1 }, 3, MSG_ERR_RANGE },
		{ { 1, 1, 1 }, 2, MSG_ERR_WRONG_TYPE },		/* not a triple */
	};
	struct msg_stream_info si[1];
	struct msg_low lo[2];
	struct msg_hello h;
	struct body b;
	enum msg_err why;

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		hello_body(&b, -1, -1, -1);
		b.buf[0]++;			/* one more pair in the map */
		cbor_put_cstr(&b.e, "low");
		cbor_put_array(&b.e, 1);
		cbor_put_array(&b.e, cases[c].n);
		for (unsigned k = 0; k < cases[c].n; k++)
			cbor_put_uint(&b.e, cases[c].v[k]);
		expect(MSG_HELLO, &b, cases[c].why);
	}
	/* the same (epoch, stream) twice */
	hello_body(&b, -1, -1, -1);
	b.buf[0]++;
	cbor_put_cstr(&b.e, "low");
	cbor_put_array(&b.e, 2);
	for (int k = 0; k < 2; k++) {
		cbor_put_array(&b.e, 3);
		cbor_put_uint(&b.e, 4), cbor_put_uint(&b.e, 2), cbor_put_uint(&b.e, k);
	}
	assert_int_equal(msg_decode_hello(b.buf, body_len(&b), &h, si, 1, lo, 2, &why),
			 -EBADMSG);
	assert_int_equal(why, MSG_ERR_DUPLICATE);
}

static void test_gap_roundtrip_and_bad(void **state)
{
	static const struct { uint64_t v[3]; unsigned n; enum msg_err why; } cases[] = {
		{ { 0, 1, 1 }, 3, MSG_ERR_RANGE },		/* stream 0 */
		{ { 70000, 1, 1 }, 3, MSG_ERR_RANGE },
		{ { 1, 9, 8 }, 3, MSG_ERR_RANGE },		/* first > last */
		{ { 1, 0, 0x80000000u }, 3, MSG_ERR_RANGE },	/* half the space */
		{ { 1, 1, 1ull << 32 }, 3, MSG_ERR_RANGE },
		{ { 1, 1 }, 2, MSG_ERR_WRONG_TYPE },
	};
	struct msg_gap g[2], many[MSG_MAX_ITEMS + 1];
	uint8_t buf[2048];
	const uint8_t *b;
	struct body bd;
	size_t n, bl;
	unsigned cnt;
	int rc;

	(void)state;
	n = enc_gap(buf, sizeof(buf), &rc);
	assert_int_equal(rc, 0);
	body_of(buf, n, MSG_GAP, &b, &bl, NULL);
	assert_int_equal(msg_decode_gap(b, bl, g, 2, &cnt, NULL), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(g[1].stream, 3);
	assert_int_equal(g[1].first, UINT32_MAX - 1);	/* across the wrap */
	assert_int_equal(g[1].last, 2);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		body_start(&bd);
		cbor_put_array(&bd.e, 1);
		cbor_put_array(&bd.e, cases[c].n);
		for (unsigned k = 0; k < cases[c].n; k++)
			cbor_put_uint(&bd.e, cases[c].v[k]);
		expect(MSG_GAP, &bd, cases[c].why);
	}
	body_start(&bd);
	cbor_put_array(&bd.e, 0);
	expect(MSG_GAP, &bd, MSG_ERR_MISSING);		/* an empty GAP */
	/* the encoder refuses what the decoder would; at most 64 ranges */
	struct msg_gap bad = { 1, 9, 8 };
	assert_int_equal(msg_encode_gap(buf, sizeof(buf), 0, &bad, 1, &n), -EINVAL);
	assert_int_equal(msg_encode_gap(buf, sizeof(buf), 0, gap2, 0, &n), -EINVAL);
	for (unsigned i = 0; i <= MSG_MAX_ITEMS; i++)
		many[i] = (struct msg_gap){ 1, 2 * i, 2 * i };
	assert_int_equal(msg_encode_gap(buf, sizeof(buf), 0, many, MSG_MAX_ITEMS + 1, &n),
			 -EINVAL);
	assert_int_equal(msg_encode_gap(buf, sizeof(buf), 0, many, MSG_MAX_ITEMS, &n), 0);
}

/* The config loader's bound on a bundle is never below the encoder's. */
static void test_readings_max_len(void **state)
{
	static char name[32], unit[16], base[40];
	struct msg_reading r[MSG_MAX_ITEMS];
	static uint8_t buf[16384];
	size_t n;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	memset(unit, 'u', sizeof(unit) - 1);
	memset(base, 'b', sizeof(base) - 1);
	for (unsigned i = 0; i < MSG_MAX_ITEMS; i++)
		r[i] = (struct msg_reading){ { 0 }, S(name), S(unit), -3.1 - i,
					     1700000000001ll + 1111 * i, i % 2 == 1 };
	for (unsigned cnt = 1; cnt <= MSG_MAX_ITEMS; cnt++) {
		assert_int_equal(msg_encode_readings(buf, sizeof(buf), 0xffffffffu, 7,
						     S(base), r, cnt, &n), 0);
		assert_true(n <= msg_readings_max_len(sizeof(base) - 1, sizeof(name) - 1,
						      sizeof(unit) - 1, cnt));
	}
}

/* A full HELLO with one stream entry: @stream, "sensor" if @sensor. */
static void hello_with_stream(struct body *b, uint64_t stream, bool sensor)
{
	hello_body(b, 5, -1, -1);	/* without "streams": 6 pairs */
	b->buf[0] = 0xa7;		/* now 7 pairs */
	cbor_put_cstr(&b->e, "streams");
	cbor_put_array(&b->e, 1);
	cbor_put_map(&b->e, 1 + sensor);
	cbor_put_cstr(&b->e, "stream");
	cbor_put_uint(&b->e, stream);
	if (sensor) {
		cbor_put_cstr(&b->e, "sensor");
		cbor_put_cstr(&b->e, "t");
	}
}

static void test_hello_stream_bad(void **state)
{
	struct body b;

	(void)state;
	hello_with_stream(&b, 0, true);
	expect(MSG_HELLO, &b, MSG_ERR_RANGE);
	hello_with_stream(&b, 65536, true);
	expect(MSG_HELLO, &b, MSG_ERR_RANGE);
	hello_with_stream(&b, 1, false);
	expect(MSG_HELLO, &b, MSG_ERR_MISSING);
}

/* SenML record with selectable faults. */
static void record(struct cbor_enc *e, int64_t vlabel, bool text_v)
{
	cbor_put_map(e, 2);
	cbor_put_int(e, 0);
	cbor_put_cstr(e, "n");
	cbor_put_int(e, vlabel);
	if (text_v)
		cbor_put_cstr(e, "1");
	else
		cbor_put_float(e, 1.5);
}

static void test_readings_bad(void **state)
{
	struct body b;
	char big[MSG_MAX_STR + 2];

	(void)state;
	body_start(&b);				/* not an array */
	cbor_put_map(&b.e, 0);
	expect(MSG_READINGS, &b, MSG_ERR_WRONG_TYPE);
	body_start(&b);				/* empty pack */
	cbor_put_array(&b.e, 0);
	expect(MSG_READINGS, &b, MSG_ERR_MISSING);
	body_start(&b);				/* too many records */
	cbor_put_array(&b.e, 5);
	for (int i = 0; i < 5; i++)
		record(&b.e, 2, false);
	expect(MSG_READINGS, &b, MSG_ERR_TOO_MANY);
	body_start(&b);				/* no v: vs only */
	cbor_put_array(&b.e, 1);
	record(&b.e, 3, true);
	expect(MSG_READINGS, &b, MSG_ERR_MISSING);
	body_start(&b);				/* v as text */
	cbor_put_array(&b.e, 1);
	record(&b.e, 2, true);
	expect(MSG_READINGS, &b, MSG_ERR_WRONG_TYPE);
	body_start(&b);				/* no name at all */
	cbor_put_array(&b.e, 1);
	cbor_put_map(&b.e, 1);
	cbor_put_int(&b.e, 2);
	cbor_put_uint(&b.e, 1);
	expect(MSG_READINGS, &b, MSG_ERR_MISSING);
	body_start(&b);				/* record not a map */
	cbor_put_array(&b.e, 1);
	cbor_put_array(&b.e, 0);
	expect(MSG_READINGS, &b, MSG_ERR_WRONG_TYPE);
	body_start(&b);				/* duplicate v */
	cbor_put_array(&b.e, 1);
	cbor_put_map(&b.e, 3);
	cbor_put_int(&b.e, 0);
	cbor_put_cstr(&b.e, "n");
	cbor_put_int(&b.e, 2);
	cbor_put_uint(&b.e, 1);
	cbor_put_int(&b.e, 2);
	cbor_put_uint(&b.e, 1);
	expect(MSG_READINGS, &b, MSG_ERR_DUPLICATE);
	memset(big, 'x', sizeof(big));		/* oversized name */
	body_start(&b);
	cbor_put_array(&b.e, 1);
	cbor_put_map(&b.e, 2);
	cbor_put_int(&b.e, 0);
	cbor_put_text(&b.e, big, MSG_MAX_STR + 1);
	cbor_put_int(&b.e, 2);
	cbor_put_uint(&b.e, 1);
	expect(MSG_READINGS, &b, MSG_ERR_OVERSIZED);
	body_start(&b);				/* time out of range */
	cbor_put_array(&b.e, 1);
	cbor_put_map(&b.e, 3);
	cbor_put_int(&b.e, 0);
	cbor_put_cstr(&b.e, "n");
	cbor_put_int(&b.e, 2);
	cbor_put_uint(&b.e, 1);
	cbor_put_int(&b.e, 6);
	cbor_put_float(&b.e, 1e300);
	expect(MSG_READINGS, &b, MSG_ERR_RANGE);
	body_start(&b);				/* infinite value */
	cbor_put_array(&b.e, 1);
	cbor_put_map(&b.e, 2);
	cbor_put_int(&b.e, 0);
	cbor_put_cstr(&b.e, "n");
	cbor_put_int(&b.e, 2);
	cbor_put_float(&b.e, 1e300 * 1e300);
	expect(MSG_READINGS, &b, MSG_ERR_RANGE);
	/* the encoder refuses what the decoder would */
	struct msg_reading r = { { 0 }, { big, MSG_MAX_STR + 1 }, S(""), 1, 0, false };
	uint8_t m[1024];
	size_t n;
	assert_int_equal(msg_encode_readings(m, sizeof(m), 0, 1, S("x"), &r, 1,
					     &n), -EINVAL);
	r.name = S("n");
	assert_int_equal(msg_encode_readings(m, sizeof(m), 0, 1,
					     (struct msg_str){ big, sizeof(big) },
					     &r, 1, &n), -EINVAL);
}

/* SenML features we do not emit but must read: bu, bn/bt changes,
 * text labels, unknown labels. */
static void test_readings_senml_base(void **state)
{
	struct body b;
	struct msg_reading r[3];
	unsigned n;

	(void)state;
	body_start(&b);
	cbor_put_array(&b.e, 3);
	cbor_put_map(&b.e, 5);
	cbor_put_int(&b.e, -2);
	cbor_put_cstr(&b.e, "urn:dev:a:");
	cbor_put_int(&b.e, -4);
	cbor_put_cstr(&b.e, "Cel");
	cbor_put_int(&b.e, -3);
	cbor_put_uint(&b.e, 1700000000);
	cbor_put_int(&b.e, 0);
	cbor_put_cstr(&b.e, "t1");
	cbor_put_int(&b.e, 2);
	cbor_put_uint(&b.e, 20);
	cbor_put_map(&b.e, 5);			/* inherits bn, bu, bt */
	cbor_put_cstr(&b.e, "ext");		/* text label: skipped */
	cbor_put_array(&b.e, 0);
	cbor_put_int(&b.e, 0);
	cbor_put_cstr(&b.e, "t2");
	cbor_put_int(&b.e, 2);
	cbor_put_float(&b.e, -0.5);
	cbor_put_int(&b.e, 6);
	cbor_put_float(&b.e, 0.25);
	cbor_put_int(&b.e, 4);			/* vb: ignored */
	cbor_put_bool(&b.e, true);
	cbor_put_map(&b.e, 4);			/* new base name, own unit */
	cbor_put_int(&b.e, -2);
	cbor_put_cstr(&b.e, "urn:dev:b:");
	cbor_put_int(&b.e, 1);
	cbor_put_cstr(&b.e, "%RH");
	cbor_put_int(&b.e, 2);
	cbor_put_int(&b.e, -7);
	cbor_put_int(&b.e, 6);
	cbor_put_int(&b.e, -60);
	assert_int_equal(msg_decode_readings(b.buf, body_len(&b), r, 3, &n,
					     NULL), 0);
	assert_int_equal(n, 3);
	assert_true(str_is(r[0].base, "urn:dev:a:"));
	assert_true(str_is(r[1].base, "urn:dev:a:"));
	assert_true(str_is(r[2].base, "urn:dev:b:"));
	assert_true(str_is(r[0].unit, "Cel"));
	assert_true(str_is(r[1].unit, "Cel"));
	assert_true(str_is(r[2].unit, "%RH"));
	assert_true(str_is(r[2].name, ""));
	assert_true(r[0].time_ms == 1700000000000ll);
	assert_true(r[1].time_ms == 1700000000250ll);
	assert_true(r[2].time_ms == 1699999940000ll);
	assert_true(r[1].value == -0.5 && r[2].value == -7.0);
}

/* Readings taken before the agent's clock was synchronized: "unsync":
 * true once, in the first record, for the whole pack (a text label: a
 * v2 reader that does not know it skips it, as "ext" above). */
static void test_readings_unsync(void **state)
{
	static const uint8_t label[] = { 0x66, 'u', 'n', 's', 'y', 'n', 'c', 0xf5 };
	struct msg_reading in[3], r[3];
	uint8_t buf[256], plain[256];
	const uint8_t *b;
	size_t n, pn, bl;
	unsigned cnt, hits = 0;
	struct body bb;
	enum msg_err why;

	(void)state;
	memcpy(in, rd3, sizeof(in));
	assert_int_equal(msg_encode_readings(plain, sizeof(plain), 0, 1, S("urn:dev:p:"),
					     in, 3, &pn), 0);
	in[1].unsynced = true;			/* any record: the pack is */
	assert_int_equal(msg_encode_readings(buf, sizeof(buf), 0, 1, S("urn:dev:p:"),
					     in, 3, &n), 0);
	assert_int_equal(n, pn + sizeof(label));
	for (size_t i = 0; i + sizeof(label) <= n; i++)
		hits += !memcmp(buf + i, label, sizeof(label));
	assert_int_equal(hits, 1);
	assert_true(n <= msg_readings_max_len(10, 4, 3, 3));
	body_of(buf, n, MSG_READINGS, &b, &bl, NULL);
	assert_int_equal(b[1], 0xa6);		/* bn bt n u v + unsync */
	assert_int_equal(msg_decode_readings(b, bl, r, 3, &cnt, &why), 0);
	for (int i = 0; i < 3; i++) {
		assert_true(r[i].unsynced);
		assert_true(r[i].time_ms == rd3[i].time_ms);
	}
	body_of(plain, pn, MSG_READINGS, &b, &bl, NULL);
	assert_int_equal(msg_decode_readings(b, bl, r, 3, &cnt, &why), 0);
	for (int i = 0; i < 3; i++)
		assert_false(r[i].unsynced);

	/* only a bool; once per record; an int label of any value is not it */
	for (int k = 0; k < 3; k++) {
		body_start(&bb);
		cbor_put_array(&bb.e, 1);
		cbor_put_map(&bb.e, k == 1 ? 4 : 3);
		cbor_put_int(&bb.e, 0);
		cbor_put_cstr(&bb.e, "t");
		cbor_put_int(&bb.e, 2);
		cbor_put_uint(&bb.e, 1);
		if (k == 2) {
			cbor_put_int(&bb.e, INT64_MAX - 1);
			cbor_put_bool(&bb.e, true);
		} else {
			cbor_put_cstr(&bb.e, "unsync");
			if (k == 0)
				cbor_put_uint(&bb.e, 1);
			else
				cbor_put_bool(&bb.e, true);
		}
		if (k == 1) {
			cbor_put_cstr(&bb.e, "unsync");
			cbor_put_bool(&bb.e, false);
		}
		why = MSG_OK;
		assert_int_equal(msg_decode_readings(bb.buf, body_len(&bb), r, 1, &cnt, &why),
				 k == 2 ? 0 : -EBADMSG);
		assert_int_equal(why, k == 0 ? MSG_ERR_WRONG_TYPE : k == 1 ?
				 MSG_ERR_DUPLICATE : MSG_OK);
		if (k == 2)
			assert_false(r[0].unsynced);
	}
}

static void test_ack_bad(void **state)
{
	struct body b;

	(void)state;
	body_start(&b);
	cbor_put_array(&b.e, 0);
	expect(MSG_ACK, &b, MSG_ERR_WRONG_TYPE);
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_cstr(&b.e, "1");
	cbor_put_uint(&b.e, 1);
	expect(MSG_ACK, &b, MSG_ERR_WRONG_TYPE);
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_uint(&b.e, 1);
	cbor_put_float(&b.e, 1.0);
	expect(MSG_ACK, &b, MSG_ERR_WRONG_TYPE);
	static const uint64_t bad[][2] = { { 0, 1 }, { 65536, 1 },
					   { 1, 4294967296ull } };
	for (int i = 0; i < 3; i++) {
		body_start(&b);
		cbor_put_map(&b.e, 1);
		cbor_put_uint(&b.e, bad[i][0]);
		cbor_put_uint(&b.e, bad[i][1]);
		expect(MSG_ACK, &b, MSG_ERR_RANGE);
	}
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_int(&b.e, -1);
	cbor_put_uint(&b.e, 1);
	expect(MSG_ACK, &b, MSG_ERR_RANGE);
	body_start(&b);
	cbor_put_map(&b.e, 2);
	for (int i = 0; i < 2; i++) {
		cbor_put_uint(&b.e, 5);
		cbor_put_uint(&b.e, (uint64_t)i);
	}
	expect(MSG_ACK, &b, MSG_ERR_DUPLICATE);
	body_start(&b);
	cbor_put_map(&b.e, 5);
	for (int i = 1; i <= 5; i++) {
		cbor_put_uint(&b.e, (uint64_t)i);
		cbor_put_uint(&b.e, 1);
	}
	expect(MSG_ACK, &b, MSG_ERR_TOO_MANY);
}

static void test_cmd_bad(void **state)
{
	struct body b;
	char big[MSG_MAX_STR + 1];

	(void)state;
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_cstr(&b.e, "sensor");
	cbor_put_cstr(&b.e, "t");
	expect(MSG_CMD, &b, MSG_ERR_MISSING);		/* no op */
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_cstr(&b.e, "op");
	cbor_put_array(&b.e, 0);
	expect(MSG_CMD, &b, MSG_ERR_WRONG_TYPE);
	body_start(&b);
	cbor_put_map(&b.e, 2);
	cbor_put_cstr(&b.e, "op");
	cbor_put_cstr(&b.e, "set_interval");
	cbor_put_cstr(&b.e, "sensor");
	cbor_put_cstr(&b.e, "t");
	expect(MSG_CMD, &b, MSG_ERR_MISSING);		/* no ms */
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_cstr(&b.e, "op");
	cbor_put_cstr(&b.e, "read_now");
	expect(MSG_CMD, &b, MSG_ERR_MISSING);		/* no sensor */
	body_start(&b);
	cbor_put_map(&b.e, 3);
	cbor_put_cstr(&b.e, "op");
	cbor_put_cstr(&b.e, "set_interval");
	cbor_put_cstr(&b.e, "sensor");
	cbor_put_cstr(&b.e, "t");
	cbor_put_cstr(&b.e, "ms");
	cbor_put_uint(&b.e, 4294967296ull);
	expect(MSG_CMD, &b, MSG_ERR_RANGE);
	body_start(&b);
	cbor_put_map(&b.e, 2);
	cbor_put_cstr(&b.e, "op");
	cbor_put_cstr(&b.e, "read_now");
	cbor_put_cstr(&b.e, "sensor");
	cbor_put_uint(&b.e, 3);
	expect(MSG_CMD, &b, MSG_ERR_WRONG_TYPE);
	memset(big, 'o', sizeof(big));
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_cstr(&b.e, "op");
	cbor_put_text(&b.e, big, sizeof(big));
	expect(MSG_CMD, &b, MSG_ERR_OVERSIZED);
	body_start(&b);
	cbor_put_uint(&b.e, 1);
	expect(MSG_CMD, &b, MSG_ERR_WRONG_TYPE);	/* body not a map */
}

static void test_reply_bad(void **state)
{
	struct body b;

	(void)state;
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_cstr(&b.e, "msg");
	cbor_put_cstr(&b.e, "x");
	expect(MSG_REPLY, &b, MSG_ERR_MISSING);
	body_start(&b);
	cbor_put_map(&b.e, 1);
	cbor_put_cstr(&b.e, "status");
	cbor_put_uint(&b.e, 0);
	expect(MSG_REPLY, &b, MSG_ERR_MISSING);
	body_start(&b);
	cbor_put_map(&b.e, 2);
	cbor_put_cstr(&b.e, "status");
	cbor_put_int(&b.e, -1);
	cbor_put_cstr(&b.e, "msg");
	cbor_put_cstr(&b.e, "x");
	expect(MSG_REPLY, &b, MSG_ERR_RANGE);
	body_start(&b);
	cbor_put_map(&b.e, 2);
	cbor_put_cstr(&b.e, "status");
	cbor_put_cstr(&b.e, "0");
	cbor_put_cstr(&b.e, "msg");
	cbor_put_cstr(&b.e, "x");
	expect(MSG_REPLY, &b, MSG_ERR_WRONG_TYPE);
	body_start(&b);
	cbor_put_map(&b.e, 3);
	cbor_put_cstr(&b.e, "status");
	cbor_put_uint(&b.e, 0);
	cbor_put_cstr(&b.e, "msg");
	cbor_put_cstr(&b.e, "x");
	cbor_put_cstr(&b.e, "data");
	cbor_put_array(&b.e, 0);
	expect(MSG_REPLY, &b, MSG_ERR_WRONG_TYPE);
	/* unknown keys are skipped, even with non-text keys */
	body_start(&b);
	cbor_put_map(&b.e, 4);
	cbor_put_uint(&b.e, 9);
	cbor_put_map(&b.e, 0);
	cbor_put_cstr(&b.e, "status");
	cbor_put_uint(&b.e, 4);
	cbor_put_cstr(&b.e, "future");
	cbor_put_array(&b.e, 1);
	cbor_put_null(&b.e);
	cbor_put_cstr(&b.e, "msg");
	cbor_put_cstr(&b.e, "x");
	struct msg_reply r;
	assert_int_equal(msg_decode_reply(b.buf, body_len(&b), &r, NULL), 0);
	assert_int_equal(r.status, MSG_ST_OUT_OF_RANGE);
}

static void test_err_str(void **state)
{
	(void)state;
	for (int i = 0; i < MSG_ERR_COUNT; i++) {
		assert_non_null(msg_err_str((enum msg_err)i));
		assert_string_not_equal(msg_err_str((enum msg_err)i), "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(msg_err_str((enum msg_err)i),
						msg_err_str((enum msg_err)j));
	}
	assert_string_equal(msg_err_str(MSG_ERR_COUNT), "?");
	assert_string_equal(msg_op_str(MSG_OP_READ_NOW), "read_now");
	assert_null(msg_op_str(MSG_OP_UNKNOWN));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr),
		cmocka_unit_test(test_hdr_epoch),
		cmocka_unit_test(test_epoch_encoders),
		cmocka_unit_test(test_seqnum),
		cmocka_unit_test(test_hello_low_bad),
		cmocka_unit_test(test_gap_roundtrip_and_bad),
		cmocka_unit_test(test_readings_max_len),
		cmocka_unit_test(test_hello_roundtrip),
		cmocka_unit_test(test_readings_roundtrip),
		cmocka_unit_test(test_readings_extremes),
		cmocka_unit_test(test_ack_roundtrip),
		cmocka_unit_test(test_cmd_roundtrip),
		cmocka_unit_test(test_reply_roundtrip),
		cmocka_unit_test(test_truncated_every_byte),
		cmocka_unit_test(test_enospc_every_cap),
		cmocka_unit_test(test_hello_bad),
		cmocka_unit_test(test_hello_stream_bad),
		cmocka_unit_test(test_readings_bad),
		cmocka_unit_test(test_readings_senml_base),
		cmocka_unit_test(test_readings_unsync),
		cmocka_unit_test(test_ack_bad),
		cmocka_unit_test(test_cmd_bad),
		cmocka_unit_test(test_reply_bad),
		cmocka_unit_test(test_err_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
