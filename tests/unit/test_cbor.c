/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_cbor.c - agent/cbor: RFC 8949 Appendix A vectors,
 * head/float boundaries, overflow at every capacity, truncation at every
 * prefix, depth limit, indefinite lengths and reserved values.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <float.h>
#include <stdio.h>
#include <string.h>

#include "agent/cbor.h"

/* Hex string (spaces ignored) -> bytes; returns the length. */
static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*h) {
		if (*h == ' ') {
			h++;
			continue;
		}
		assert_int_equal(sscanf(h, "%2x", &v), 1);
		assert_true(n < cap);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static void assert_hex(const uint8_t *p, size_t len, const char *hex)
{
	uint8_t want[256];
	size_t n = unhex(hex, want, sizeof(want));

	if (n != len || memcmp(p, want, n) != 0) {
		char got[600] = "";

		for (size_t i = 0; i < len && i < 256; i++)
			sprintf(got + 2 * i, "%02x", p[i]);
		fail_msg("got %s want %s", got, hex);
	}
}

/* ---- integers ---- */

static const struct { uint64_t v; const char *hex; } uints[] = {
	{ 0, "00" }, { 1, "01" }, { 10, "0a" }, { 23, "17" }, { 24, "1818" },
	{ 25, "1819" }, { 100, "1864" }, { 1000, "1903e8" },
	{ 1000000, "1a000f4240" }, { 1000000000000ull, "1b000000e8d4a51000" },
	{ UINT64_MAX, "1bffffffffffffffff" },
	/* head boundaries */
	{ 255, "18ff" }, { 256, "190100" }, { 65535, "19ffff" },
	{ 65536, "1a00010000" }, { 4294967295ull, "1affffffff" },
	{ 4294967296ull, "1b0000000100000000" },
};

static const struct { int64_t v; const char *hex; } ints[] = {
	{ -1, "20" }, { -10, "29" }, { -24, "37" }, { -25, "3818" },
	{ -100, "3863" }, { -1000, "3903e7" }, { -256, "38ff" },
	{ -257, "390100" }, { -65536, "39ffff" }, { -65537, "3a00010000" },
	{ -4294967296ll, "3affffffff" }, { -4294967297ll, "3b0000000100000000" },
	{ INT64_MIN, "3b7fffffffffffffff" }, { INT64_MAX, "1b7fffffffffffffff" },
};

static void test_uint_vectors(void **state)
{
	uint8_t buf[16];
	struct cbor_enc e;
	struct cbor_dec d;
	uint64_t v;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		cbor_enc_init(&e, buf, sizeof(buf));
		assert_int_equal(cbor_put_uint(&e, uints[i].v), 0);
		assert_int_equal(cbor_enc_finish(&e, &n), 0);
		assert_hex(buf, n, uints[i].hex);
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_get_uint(&d, &v), 0);
		assert_true(v == uints[i].v);
		assert_true(cbor_dec_done(&d));
	}
}

static void test_int_vectors(void **state)
{
	uint8_t buf[16];
	struct cbor_enc e;
	struct cbor_dec d;
	int64_t v;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		cbor_enc_init(&e, buf, sizeof(buf));
		assert_int_equal(cbor_put_int(&e, ints[i].v), 0);
		assert_int_equal(cbor_enc_finish(&e, &n), 0);
		assert_hex(buf, n, ints[i].hex);
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_get_int(&d, &v), 0);
		assert_true(v == ints[i].v);
		assert_int_equal(cbor_dec_offset(&d), n);
	}
}

/* Values outside int64_t / uint64_t are -ERANGE and leave the cursor. */
static void test_int_range(void **state)
{
	static const char *const neg_big[] = {
		"3b8000000000000000",		/* -2^63 - 1 */
		"3bffffffffffffffff",		/* RFC A: -18446744073709551616 */
		"c349010000000000000000",	/* RFC A: -18446744073709551617 */
	};
	uint8_t buf[16];
	struct cbor_dec d;
	uint64_t u;
	int64_t i;
	size_t n;

	(void)state;
	for (size_t k = 0; k < 3; k++) {
		n = unhex(neg_big[k], buf, sizeof(buf));
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_get_int(&d, &i), -ERANGE);
		assert_int_equal(cbor_get_uint(&d, &u), -ERANGE);
		assert_int_equal(cbor_dec_offset(&d), 0);
		assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
		assert_true(cbor_dec_done(&d));
	}
	n = unhex("1bffffffffffffffff", buf, sizeof(buf));
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_int(&d, &i), -ERANGE);
	assert_int_equal(cbor_dec_offset(&d), 0);
	n = unhex("20", buf, sizeof(buf));	/* -1 into unsigned */
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_uint(&d, &u), -ERANGE);
	/* RFC A: 2(h'010000000000000000') = 2^64 */
	n = unhex("c249010000000000000000", buf, sizeof(buf));
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_uint(&d, &u), -ERANGE);
	/* bignums that fit are accepted (leading zeros allowed) */
	n = unhex("c2490000000000000000ff", buf, sizeof(buf));
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_uint(&d, &u), 0);
	assert_true(u == 255);
	n = unhex("c34105", buf, sizeof(buf));
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_int(&d, &i), 0);
	assert_true(i == -6);
	n = unhex("c201", buf, sizeof(buf));	/* bignum content not bytes */
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_int(&d, &i), -EBADMSG);
}

/* ---- floats ---- */

static const struct { double v; const char *hex; } floats[] = {
	/* RFC 8949 Appendix A */
	{ 0.0, "f90000" }, { -0.0, "f98000" }, { 1.0, "f93c00" },
	{ 1.1, "fb3ff199999999999a" }, { 1.5, "f93e00" },
	{ 65504.0, "f97bff" }, { 100000.0, "fa47c35000" },
	{ 3.4028234663852886e+38, "fa7f7fffff" },
	{ 1.0e+300, "fb7e37e43c8800759c" },
	{ 5.960464477539063e-8, "f90001" }, { 0.00006103515625, "f90400" },
	{ -4.0, "f9c400" }, { -4.1, "fbc010666666666666" },
	/* shortest-form boundaries */
	{ 65505.0, "fa477fe100" },		/* > half max, exact in single */
	{ 65536.0, "fa47800000" },		/* half exponent overflow */
	{ 2.98023223876953125e-8, "fa33000000" },	/* 2^-25 < half min */
	{ 6.097555160522461e-05, "f903ff" },	/* largest half subnormal */
	{ 1.0009765625, "f93c01" },		/* 1 + 2^-10: half */
	{ 1.00048828125, "fa3f801000" },	/* 1 + 2^-11: single only */
	{ 1.4e-45, "fb369ff868bf4d956a" },	/* not exact in float */
	{ 1.401298464324817e-45, "fa00000001" },	/* float subnormal */
	{ 0.1, "fb3fb999999999999a" }, { 3.0e39, "fb4821a1e5f7753796" },
	{ DBL_MAX, "fb7fefffffffffffff" }, { -DBL_MAX, "fbffefffffffffffff" },
	{ 0.3333333432674408, "fa3eaaaaab" },	/* (float)1/3 */
};

static void test_float_vectors(void **state)
{
	uint8_t buf[16];
	struct cbor_enc e;
	struct cbor_dec d;
	double v;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++) {
		cbor_enc_init(&e, buf, sizeof(buf));
		assert_int_equal(cbor_put_float(&e, floats[i].v), 0);
		assert_int_equal(cbor_enc_finish(&e, &n), 0);
		assert_hex(buf, n, floats[i].hex);
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_get_float(&d, &v), 0);
		assert_memory_equal(&v, &floats[i].v, sizeof(v));	/* -0.0 */
	}
}

static void test_float_special(void **state)
{
	static const char *const inf[] = { "f97c00", "fa7f800000",
					   "fb7ff0000000000000" };
	static const char *const nan[] = { "f97e00", "fa7fc00000",
					   "fb7ff8000000000000" };
	uint8_t buf[16];
	struct cbor_enc e;
	struct cbor_dec d;
	double v;
	size_t n;
	volatile double zero = 0.0;

	(void)state;
	for (int k = 0; k < 3; k++) {
		n = unhex(inf[k], buf, sizeof(buf));
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_get_float(&d, &v), 0);
		assert_true(v > DBL_MAX);
		n = unhex(nan[k], buf, sizeof(buf));
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_get_float(&d, &v), 0);
		assert_true(v != v);
		n = unhex("f9fc00", buf, sizeof(buf));
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_get_float(&d, &v), 0);
		assert_true(v < -DBL_MAX);
	}
	cbor_enc_init(&e, buf, sizeof(buf));
	cbor_put_float(&e, 1.0 / zero);
	cbor_put_float(&e, -1.0 / zero);
	cbor_put_float(&e, zero / zero);
	assert_int_equal(cbor_enc_finish(&e, &n), 0);
	assert_hex(buf, n, "f97c00 f9fc00 f97e00");
	/* integers are accepted as floats */
	n = unhex("1864 3863 1bffffffffffffffff", buf, sizeof(buf));
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_float(&d, &v), 0);
	assert_true(v == 100.0);
	assert_int_equal(cbor_get_float(&d, &v), 0);
	assert_true(v == -100.0);
	assert_int_equal(cbor_get_float(&d, &v), 0);
	assert_true(v == 18446744073709551615.0);
	/* but not other types, and the cursor stays */
	n = unhex("f5", buf, sizeof(buf));
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_float(&d, &v), -ENOMSG);
	assert_int_equal(cbor_dec_offset(&d), 0);
}

/* ---- strings, simple values, containers ---- */

static void test_string_vectors(void **state)
{
	static const char *const texts[][2] = {
		{ "", "60" }, { "a", "6161" }, { "IETF", "6449455446" },
		{ "\"\\", "62225c" }, { "\xc3\xbc", "62c3bc" },
		{ "\xe6\xb0\xb4", "63e6b0b4" }, { "\xf0\x90\x85\x91", "64f0908591" },
	};
	uint8_t buf[64];
	struct cbor_enc e;
	struct cbor_dec d;
	const char *s;
	const uint8_t *p;
	size_t n, len;

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		cbor_enc_init(&e, buf, sizeof(buf));
		assert_int_equal(cbor_put_cstr(&e, texts[i][0]), 0);
		assert_int_equal(cbor_enc_finish(&e, &n), 0);
		assert_hex(buf, n, texts[i][1]);
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_get_text(&d, &s, &len), 0);
		assert_int_equal(len, strlen(texts[i][0]));
		assert_memory_equal(s, texts[i][0], len);
		assert_ptr_equal(s, buf + 1);	/* a slice, not a copy */
	}
	cbor_enc_init(&e, buf, sizeof(buf));
	cbor_put_bytes(&e, NULL, 0);
	cbor_put_bytes(&e, "\x01\x02\x03\x04", 4);
	cbor_put_bool(&e, false);
	cbor_put_bool(&e, true);
	cbor_put_null(&e);
	assert_int_equal(cbor_enc_finish(&e, &n), 0);
	assert_hex(buf, n, "40 4401020304 f4 f5 f6");
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_bytes(&d, &p, &len), 0);
	assert_int_equal(len, 0);
	assert_int_equal(cbor_get_text(&d, &s, &len), -ENOMSG);
	assert_int_equal(cbor_get_bytes(&d, &p, &len), 0);
	assert_int_equal(len, 4);
	assert_int_equal(p[3], 4);
	bool b = true;
	assert_int_equal(cbor_get_bool(&d, &b), 0);
	assert_false(b);
	assert_int_equal(cbor_get_null(&d), -ENOMSG);
	assert_int_equal(cbor_get_bool(&d, &b), 0);
	assert_true(b);
	assert_int_equal(cbor_get_bool(&d, &b), -ENOMSG);
	assert_int_equal(cbor_get_null(&d), 0);
	assert_int_equal(cbor_get_null(&d), -ENODATA);
	/* NULL with a length is a caller bug */
	cbor_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(cbor_put_text(&e, NULL, 1), -EINVAL);
	assert_int_equal(cbor_put_uint(&e, 1), -EINVAL);	/* sticky */
}

/* RFC A: {"a": 1, "b": [2, 3]} and [1, [2, 3], [4, 5]] and [1..25] */
static size_t enc_composite(uint8_t *buf, size_t cap, int *rc)
{
	struct cbor_enc e;
	size_t n = 0;

	cbor_enc_init(&e, buf, cap);
	cbor_put_array(&e, 4);
	cbor_put_map(&e, 2);
	cbor_put_cstr(&e, "a");
	cbor_put_uint(&e, 1);
	cbor_put_cstr(&e, "b");
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 3);
	cbor_put_array(&e, 3);
	cbor_put_uint(&e, 1);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, 2);
	cbor_put_uint(&e, 3);
	cbor_put_array(&e, 2);
	cbor_put_uint(&e, 4);
	cbor_put_uint(&e, 5);
	cbor_put_array(&e, 25);
	for (uint64_t i = 1; i <= 25; i++)
		cbor_put_uint(&e, i);
	cbor_put_map(&e, 3);
	cbor_put_int(&e, -2);
	cbor_put_bytes(&e, "xyz", 3);
	cbor_put_uint(&e, 4294967296ull);
	cbor_put_float(&e, 1.1);
	cbor_put_cstr(&e, "t");
	cbor_put_float(&e, 100000.0);
	*rc = cbor_enc_finish(&e, &n);
	return n;
}

static const char composite_hex[] =
	"84 a26161016162820203 8301820203820405"
	"98190102030405060708090a0b0c0d0e0f101112131415161718181819"
	"a3 21 4378797a 1b0000000100000000 fb3ff199999999999a 6174 fa47c35000";

static void test_containers(void **state)
{
	uint8_t buf[128];
	struct cbor_dec d;
	const uint8_t *p;
	const char *s;
	size_t n, len, cnt;
	uint64_t u;
	int rc;

	(void)state;
	n = enc_composite(buf, sizeof(buf), &rc);
	assert_int_equal(rc, 0);
	assert_hex(buf, n, composite_hex);
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_array(&d, &cnt), 0);
	assert_int_equal(cnt, 4);
	assert_int_equal(cbor_get_map(&d, &cnt), 0);
	assert_int_equal(cnt, 2);
	assert_int_equal(cbor_get_text(&d, &s, &len), 0);
	assert_int_equal(cbor_get_uint(&d, &u), 0);
	assert_int_equal(cbor_get_text(&d, &s, &len), 0);
	assert_int_equal(cbor_get_map(&d, &cnt), -ENOMSG);
	assert_int_equal(cbor_skip(&d, &p, &len), 0);	/* [2, 3] */
	assert_int_equal(len, 3);
	assert_int_equal(p[0], 0x82);
	assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
	assert_int_equal(cbor_get_array(&d, &cnt), 0);
	assert_int_equal(cnt, 25);
	for (size_t i = 1; i <= 25; i++) {
		assert_int_equal(cbor_get_uint(&d, &u), 0);
		assert_true(u == i);
	}
	assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
	assert_true(cbor_dec_done(&d));
	assert_int_equal(cbor_skip(&d, NULL, NULL), -ENODATA);
}

static void test_peek(void **state)
{
	static const struct { const char *hex; enum cbor_type t; } v[] = {
		{ "00", CBOR_UINT }, { "20", CBOR_NEGINT }, { "40", CBOR_BYTES },
		{ "60", CBOR_TEXT }, { "80", CBOR_ARRAY }, { "a0", CBOR_MAP },
		{ "c000", CBOR_TAG }, { "f93c00", CBOR_FLOAT },
		{ "f4", CBOR_BOOL }, { "f6", CBOR_NULL }, { "f7", CBOR_SIMPLE },
		{ "f820", CBOR_SIMPLE },
	};
	uint8_t buf[8];
	struct cbor_dec d;
	enum cbor_type t;

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = unhex(v[i].hex, buf, sizeof(buf));

		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_peek(&d, &t), 0);
		assert_int_equal(t, v[i].t);
		assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
		assert_true(cbor_dec_done(&d));
	}
}

/* ---- overflow: every capacity, canary behind the end ---- */

static void test_overflow_every_cap(void **state)
{
	uint8_t ref[128], buf[128 + 16];
	size_t full, n;
	int rc;

	(void)state;
	full = enc_composite(ref, sizeof(ref), &rc);
	assert_int_equal(rc, 0);
	for (size_t cap = 0; cap <= full; cap++) {
		memset(buf, 0xa5, sizeof(buf));
		n = enc_composite(buf, cap, &rc);
		if (cap < full) {
			assert_int_equal(rc, -ENOSPC);
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(n, full);
			assert_memory_equal(buf, ref, full);
		}
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], 0xa5);
	}
	/* large lengths must not wrap the capacity check */
	struct cbor_enc e;

	cbor_enc_init(&e, buf, 16);
	assert_int_equal(cbor_put_bytes(&e, buf, SIZE_MAX - 4), -ENOSPC);
	cbor_enc_init(&e, NULL, 0);
	assert_int_equal(cbor_put_null(&e), -ENOSPC);
}

static void test_enc_sticky(void **state)
{
	uint8_t buf[8];
	struct cbor_enc e;
	size_t n = 99;

	(void)state;
	cbor_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(cbor_put_uint(&e, 1), 0);
	assert_int_equal(cbor_put_text(&e, "too long!", 9), -ENOSPC);
	/* a later item that would fit is not written either */
	assert_int_equal(cbor_put_uint(&e, 2), -ENOSPC);
	assert_int_equal(cbor_enc_finish(&e, &n), -ENOSPC);
	assert_int_equal(n, 99);
	assert_int_equal(e.len, 1);
}

/* ---- truncation: every prefix of a valid item is rejected ---- */

static void test_truncation_every_prefix(void **state)
{
	uint8_t ref[128];
	struct cbor_dec d;
	size_t full;
	int rc;

	(void)state;
	full = enc_composite(ref, sizeof(ref), &rc);
	for (size_t len = 0; len < full; len++) {
		cbor_dec_init(&d, ref, len);
		rc = cbor_skip(&d, NULL, NULL);
		assert_int_equal(rc, len ? -EBADMSG : -ENODATA);
		assert_int_equal(cbor_dec_offset(&d), 0);
	}
	cbor_dec_init(&d, ref, full);
	assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
	/* scalar getters too */
	static const char *const items[] = {
		"1b0000000100000000", "3a00010000", "fb3ff199999999999a",
		"fa47c35000", "f93c00", "6449455446", "4401020304", "f820",
		"c249010000000000000000",
	};
	for (size_t k = 0; k < sizeof(items) / sizeof(items[0]); k++) {
		uint8_t b[16];
		size_t n = unhex(items[k], b, sizeof(b));

		for (size_t len = 1; len < n; len++) {
			uint64_t u;
			int64_t i;
			double f;
			const char *s;
			const uint8_t *p;
			size_t sl;

			/* a getter reads only the head of a tag it does not
			 * handle, so there "wrong type" may come first */
			int other = b[0] == 0xc2 && len > 1 ? -ENOMSG : -EBADMSG;

			cbor_dec_init(&d, b, len);
			assert_int_equal(cbor_get_uint(&d, &u), -EBADMSG);
			assert_int_equal(cbor_get_int(&d, &i), -EBADMSG);
			assert_int_equal(cbor_get_float(&d, &f), other);
			assert_int_equal(cbor_get_text(&d, &s, &sl), other);
			assert_int_equal(cbor_get_bytes(&d, &p, &sl), other);
			assert_int_equal(cbor_skip(&d, NULL, NULL), -EBADMSG);
			assert_int_equal(cbor_dec_offset(&d), 0);
		}
	}
}

static void test_lengths_beyond_buffer(void **state)
{
	static const char *const bad[] = {
		"4401020304", "7bffffffffffffffff61", "9bffffffffffffffff00",
		"9a0000000300", "a2010203", "bbffffffffffffffff0000",
		"c0", "5bffffffffffffffe0",
	};
	uint8_t buf[16];
	struct cbor_dec d;
	size_t n, cnt;

	(void)state;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		n = unhex(bad[k], buf, sizeof(buf));
		if (k == 0)
			n = 4;		/* claims 4 payload bytes, has 3 */
		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_skip(&d, NULL, NULL), -EBADMSG);
	}
	/* counts are bounded by the bytes left before any loop runs */
	n = unhex("9a00000002 00 00", buf, sizeof(buf));
	cbor_dec_init(&d, buf, n);
	assert_int_equal(cbor_get_array(&d, &cnt), 0);
	assert_int_equal(cnt, 2);
	cbor_dec_init(&d, buf, n - 1);
	assert_int_equal(cbor_get_array(&d, &cnt), -EBADMSG);
}

/* ---- indefinite lengths, break, reserved additional info ---- */

static void test_indefinite_and_reserved(void **state)
{
	uint8_t b[4] = { 0, 0, 0, 0 };
	struct cbor_dec d;
	enum cbor_type t;

	(void)state;
	for (unsigned mt = 0; mt < 8; mt++) {
		for (unsigned ai = 28; ai <= 31; ai++) {
			b[0] = (uint8_t)(mt << 5 | ai);
			cbor_dec_init(&d, b, sizeof(b));
			assert_int_equal(cbor_skip(&d, NULL, NULL), -EBADMSG);
			assert_int_equal(cbor_peek(&d, &t), -EBADMSG);
		}
	}
	/* RFC A indefinite items, and a two-byte simple value below 32 */
	static const char *const bad[] = {
		"5f42010243030405ff", "7f657374726561646d696e67ff", "9fff",
		"9f018202039f0405ffff", "bf61610161629f0203ffff", "ff",
		"f818", "f81f", "8301025f4101ff",
	};
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		uint8_t buf[32];
		size_t n = unhex(bad[k], buf, sizeof(buf));

		cbor_dec_init(&d, buf, n);
		assert_int_equal(cbor_skip(&d, NULL, NULL), -EBADMSG);
	}
}

/* ---- depth limit ---- */

static void test_depth_limit(void **state)
{
	uint8_t buf[64];
	struct cbor_dec d;

	(void)state;
	memset(buf, 0x81, sizeof(buf));		/* [[[[...]]]] */
	buf[CBOR_MAX_DEPTH] = 0x00;
	cbor_dec_init(&d, buf, CBOR_MAX_DEPTH + 1);
	assert_int_equal(cbor_skip(&d, NULL, NULL), 0);
	buf[CBOR_MAX_DEPTH] = 0x81;
	buf[CBOR_MAX_DEPTH + 1] = 0x00;
	cbor_dec_init(&d, buf, CBOR_MAX_DEPTH + 2);
	assert_int_equal(cbor_skip(&d, NULL, NULL), -EOVERFLOW);
	assert_int_equal(cbor_dec_offset(&d), 0);
	/* tags nest too: 17 x tag 0 */
	memset(buf, 0xc0, sizeof(buf));
	buf[CBOR_MAX_DEPTH + 1] = 0x00;
	cbor_dec_init(&d, buf, CBOR_MAX_DEPTH + 2);
	assert_int_equal(cbor_skip(&d, NULL, NULL), -EOVERFLOW);
	/* very deep input: bounded, no stack exhaustion */
	uint8_t deep[100000];

	memset(deep, 0xa1, sizeof(deep));
	cbor_dec_init(&d, deep, sizeof(deep));
	assert_int_equal(cbor_skip(&d, NULL, NULL), -EOVERFLOW);
}

static void test_put_raw(void **state)
{
	uint8_t item[8], buf[16];
	struct cbor_enc e;
	size_t n, il;

	(void)state;
	il = unhex("a1616101", item, sizeof(item));
	cbor_enc_init(&e, buf, sizeof(buf));
	cbor_put_array(&e, 1);
	assert_int_equal(cbor_put_raw(&e, item, il), 0);
	assert_int_equal(cbor_enc_finish(&e, &n), 0);
	assert_hex(buf, n, "81a1616101");
	cbor_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(cbor_put_raw(&e, item, il - 1), -EINVAL);
	cbor_enc_init(&e, buf, sizeof(buf));
	assert_int_equal(cbor_put_raw(&e, (const uint8_t *)"\x01\x02", 2),
			 -EINVAL);		/* two items */
	cbor_enc_init(&e, buf, 3);
	assert_int_equal(cbor_put_raw(&e, item, il), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uint_vectors),
		cmocka_unit_test(test_int_vectors),
		cmocka_unit_test(test_int_range),
		cmocka_unit_test(test_float_vectors),
		cmocka_unit_test(test_float_special),
		cmocka_unit_test(test_string_vectors),
		cmocka_unit_test(test_containers),
		cmocka_unit_test(test_peek),
		cmocka_unit_test(test_overflow_every_cap),
		cmocka_unit_test(test_enc_sticky),
		cmocka_unit_test(test_truncation_every_prefix),
		cmocka_unit_test(test_lengths_beyond_buffer),
		cmocka_unit_test(test_indefinite_and_reserved),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_put_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
