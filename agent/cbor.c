/* SPDX-License-Identifier: MIT */
/*
 * agent/cbor.c - bounded CBOR codec; see cbor.h for the contract.
 */
#include <errno.h>
#include <float.h>
#include <string.h>

#include "agent/cbor.h"

enum {
	MT_UINT = 0, MT_NEG = 1, MT_BYTES = 2, MT_TEXT = 3,
	MT_ARRAY = 4, MT_MAP = 5, MT_TAG = 6, MT_SIMPLE = 7,
};

enum { AI_1 = 24, AI_2 = 25, AI_4 = 26, AI_8 = 27, AI_INDEF = 31 };

/* ---------------- encoder ---------------- */

void cbor_enc_init(struct cbor_enc *e, uint8_t *buf, size_t cap)
{
	e->buf = buf;
	e->cap = buf ? cap : 0;
	e->len = 0;
	e->err = 0;
}

int cbor_enc_finish(const struct cbor_enc *e, size_t *len)
{
	if (!e->err && len)
		*len = e->len;
	return e->err;
}

/* Big-endian store of the low @n bytes of @v. */
static void put_be(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

/* Size of the head for argument @v (preferred serialization). */
static size_t head_len(uint64_t v)
{
	if (v < 24)
		return 1;
	if (v <= 0xff)
		return 2;
	if (v <= 0xffff)
		return 3;
	if (v <= 0xffffffffu)
		return 5;
	return 9;
}

/*
 * Reserve @n bytes, all or nothing; the check is written so that no sum can
 * wrap. Returns the write position or NULL (error recorded, sticky).
 */
static uint8_t *reserve(struct cbor_enc *e, size_t n)
{
	uint8_t *p;

	if (e->err)
		return NULL;
	if (n > e->cap - e->len) {
		e->err = -ENOSPC;
		return NULL;
	}
	p = e->buf + e->len;
	e->len += n;
	return p;
}

/* Write a head, followed by @extra payload bytes that the caller copies. */
static uint8_t *put_head(struct cbor_enc *e, unsigned mt, uint64_t v,
			 size_t extra)
{
	size_t hl = head_len(v);
	uint8_t *p;

	if (!e->err && extra > SIZE_MAX - hl) {
		e->err = -ENOSPC;
		return NULL;
	}
	p = reserve(e, hl + extra);
	if (!p)
		return NULL;
	if (hl == 1) {
		p[0] = (uint8_t)(mt << 5 | v);
		return p + 1;
	}
	/* hl 2,3,5,9 -> AI 24,25,26,27 */
	p[0] = (uint8_t)(mt << 5 | (hl == 2 ? AI_1 : hl == 3 ? AI_2 :
				    hl == 5 ? AI_4 : AI_8));
	put_be(p + 1, v, (unsigned)hl - 1);
	return p + hl;
}

int cbor_put_uint(struct cbor_enc *e, uint64_t v)
{
	put_head(e, MT_UINT, v, 0);
	return e->err;
}

int cbor_put_int(struct cbor_enc *e, int64_t v)
{
	/* -1 - v as unsigned is ~v; exact for INT64_MIN too. */
	if (v < 0)
		put_head(e, MT_NEG, ~(uint64_t)v, 0);
	else
		put_head(e, MT_UINT, (uint64_t)v, 0);
	return e->err;
}

/* Half-precision bits for @f if the conversion is exact, else -1. */
static int32_t float_to_half(float f)
{
	uint32_t b, sign, mant;
	int exp;

	memcpy(&b, &f, sizeof(b));
	sign = (b >> 16) & 0x8000u;
	exp = (int)((b >> 23) & 0xff);
	mant = b & 0x7fffffu;
	if (exp == 0xff)	/* inf; NaN is handled by the caller */
		return mant ? -1 : (int32_t)(sign | 0x7c00u);
	if (exp == 0)		/* zero; float subnormals are too small */
		return mant ? -1 : (int32_t)sign;
	exp -= 127;
	if (exp >= -14 && exp <= 15) {		/* half normal */
		if (mant & 0x1fffu)
			return -1;
		return (int32_t)(sign | (uint32_t)(exp + 15) << 10 |
				 mant >> 13);
	}
	if (exp >= -24 && exp < -14) {		/* half subnormal: m * 2^-24 */
		uint32_t sig = mant | 0x800000u;
		unsigned shift = (unsigned)(-(exp + 1));

		if (sig & ((1u << shift) - 1))
			return -1;
		return (int32_t)(sign | sig >> shift);
	}
	return -1;
}

/* Initial byte @ib (0xf9/0xfa/0xfb) and @n big-endian bytes of @bits. */
static int put_fbits(struct cbor_enc *e, uint8_t ib, uint64_t bits,
		     unsigned n)
{
	uint8_t *p = put_head(e, MT_SIMPLE, 0, n);

	if (p) {
		p[-1] = ib;
		put_be(p, bits, n);
	}
	return e->err;
}

int cbor_put_float(struct cbor_enc *e, double v)
{
	uint64_t b64;
	uint32_t b32;
	int32_t h;
	float f;

	if (v != v)	/* NaN: one canonical form, as RFC 8949 4.2.2 */
		return put_fbits(e, 0xf9, 0x7e00, 2);
	/* out-of-range double -> float is undefined; inf converts fine */
	if ((v > FLT_MAX || v < -FLT_MAX) && v - v == 0.0)
		goto dbl;
	f = (float)v;
	if ((double)f != v)
		goto dbl;
	h = float_to_half(f);
	if (h >= 0)
		return put_fbits(e, 0xf9, (uint32_t)h, 2);
	memcpy(&b32, &f, sizeof(b32));
	return put_fbits(e, 0xfa, b32, 4);
dbl:
	memcpy(&b64, &v, sizeof(b64));
	return put_fbits(e, 0xfb, b64, 8);
}

static int put_string(struct cbor_enc *e, unsigned mt, const void *s,
		      size_t len)
{
	uint8_t *p;

	if (!s && len) {
		if (!e->err)
			e->err = -EINVAL;
		return e->err;
	}
	p = put_head(e, mt, len, len);
	if (p && len)
		memcpy(p, s, len);
	return e->err;
}

int cbor_put_bytes(struct cbor_enc *e, const void *p, size_t len)
{
	return put_string(e, MT_BYTES, p, len);
}

int cbor_put_text(struct cbor_enc *e, const char *s, size_t len)
{
	return put_string(e, MT_TEXT, s, len);
}

int cbor_put_cstr(struct cbor_enc *e, const char *s)
{
	return put_string(e, MT_TEXT, s, s ? strlen(s) : 0);
}

int cbor_put_array(struct cbor_enc *e, uint64_t n)
{
	put_head(e, MT_ARRAY, n, 0);
	return e->err;
}

int cbor_put_map(struct cbor_enc *e, uint64_t n)
{
	put_head(e, MT_MAP, n, 0);
	return e->err;
}

int cbor_put_bool(struct cbor_enc *e, bool v)
{
	put_head(e, MT_SIMPLE, v ? 21 : 20, 0);
	return e->err;
}

int cbor_put_null(struct cbor_enc *e)
{
	put_head(e, MT_SIMPLE, 22, 0);
	return e->err;
}

int cbor_put_raw(struct cbor_enc *e, const uint8_t *p, size_t len)
{
	struct cbor_dec d;
	uint8_t *w;

	if (e->err)
		return e->err;
	cbor_dec_init(&d, p, p ? len : 0);
	if (cbor_skip(&d, NULL, NULL) || !cbor_dec_done(&d)) {
		e->err = -EINVAL;
		return e->err;
	}
	w = reserve(e, len);
	if (w)
		memcpy(w, p, len);
	return e->err;
}

/* ---------------- decoder ---------------- */

void cbor_dec_init(struct cbor_dec *d, const uint8_t *buf, size_t len)
{
	d->buf = buf;
	d->len = buf ? len : 0;
	d->pos = 0;
}

size_t cbor_dec_offset(const struct cbor_dec *d)
{
	return d->pos;
}

bool cbor_dec_done(const struct cbor_dec *d)
{
	return d->pos >= d->len;
}

/* One parsed head: major type, additional info, argument, head size. */
struct head {
	unsigned mt;
	unsigned ai;
	uint64_t arg;
	size_t hlen;
};

/* Parse the head at @pos; the only place that reads the header bytes. */
static int read_head(const struct cbor_dec *d, size_t pos, struct head *h)
{
	size_t n, rem;
	uint8_t ib;

	if (pos >= d->len)
		return pos == d->len ? -ENODATA : -EBADMSG;
	rem = d->len - pos;
	ib = d->buf[pos];
	h->mt = ib >> 5;
	h->ai = ib & 0x1f;
	if (h->ai < 24) {
		h->arg = h->ai;
		h->hlen = 1;
		return 0;
	}
	if (h->ai > AI_8)	/* 28..30 reserved, 31 indefinite / break */
		return -EBADMSG;
	n = (size_t)1 << (h->ai - AI_1);
	if (n >= rem)
		return -EBADMSG;
	h->arg = 0;
	for (size_t i = 1; i <= n; i++)
		h->arg = h->arg << 8 | d->buf[pos + i];
	h->hlen = 1 + n;
	/* RFC 8949 3.3: a two-byte simple value below 32 is not well-formed */
	if (h->mt == MT_SIMPLE && h->ai == AI_1 && h->arg < 32)
		return -EBADMSG;
	return 0;
}

/* Read the head at the cursor and check that its payload fits. */
static int next_head(const struct cbor_dec *d, struct head *h)
{
	size_t rem;
	int rc = read_head(d, d->pos, h);

	if (rc)
		return rc;
	rem = d->len - d->pos - h->hlen;
	switch (h->mt) {
	case MT_BYTES:
	case MT_TEXT:
	case MT_ARRAY:	/* every element takes at least one byte */
		if (h->arg > rem)
			return -EBADMSG;
		break;
	case MT_MAP:
		if (h->arg > rem / 2)
			return -EBADMSG;
		break;
	case MT_TAG:	/* a tag needs content */
		if (rem == 0)
			return -EBADMSG;
		break;
	}
	return 0;
}

int cbor_peek(const struct cbor_dec *d, enum cbor_type *t)
{
	struct head h;
	int rc = next_head(d, &h);

	if (rc)
		return rc;
	if (h.mt != MT_SIMPLE)
		*t = (enum cbor_type)h.mt;
	else if (h.ai >= AI_2)
		*t = CBOR_FLOAT;
	else if (h.arg == 20 || h.arg == 21)
		*t = CBOR_BOOL;
	else if (h.arg == 22)
		*t = CBOR_NULL;
	else
		*t = CBOR_SIMPLE;
	return 0;
}

/* Tag 2/3 bignum with at most 8 significant bytes -> magnitude. */
static int get_bignum(struct cbor_dec *d, const struct head *tag,
		      uint64_t *mag)
{
	struct cbor_dec sub = *d;
	const uint8_t *p;
	size_t len, i = 0;
	int rc;

	sub.pos += tag->hlen;
	rc = cbor_get_bytes(&sub, &p, &len);
	if (rc == -ENOMSG)
		return -EBADMSG;	/* RFC 8949 3.4.3: content must be bytes */
	if (rc)
		return rc;
	while (i < len && p[i] == 0)
		i++;
	if (len - i > 8)
		return -ERANGE;
	*mag = 0;
	for (; i < len; i++)
		*mag = *mag << 8 | p[i];
	d->pos = sub.pos;
	return 0;
}

int cbor_get_uint(struct cbor_dec *d, uint64_t *v)
{
	struct cbor_dec sub = *d;
	uint64_t mag;
	struct head h;
	int rc = next_head(d, &h);

	if (rc)
		return rc;
	if (h.mt == MT_NEG)
		return -ERANGE;
	if (h.mt == MT_TAG && h.arg == 2)
		return get_bignum(d, &h, v);
	if (h.mt == MT_TAG && h.arg == 3) {	/* negative bignum */
		rc = get_bignum(&sub, &h, &mag);
		return rc && rc != -ERANGE ? rc : -ERANGE;
	}
	if (h.mt != MT_UINT)
		return -ENOMSG;
	*v = h.arg;
	d->pos += h.hlen;
	return 0;
}

int cbor_get_int(struct cbor_dec *d, int64_t *v)
{
	struct cbor_dec save = *d;
	uint64_t mag;
	struct head h;
	unsigned mt;
	int rc = next_head(d, &h);

	if (rc)
		return rc;
	mt = h.mt;
	mag = h.arg;
	if (mt == MT_TAG && (h.arg == 2 || h.arg == 3)) {
		rc = get_bignum(d, &h, &mag);
		if (rc)
			return rc;
		mt = h.arg == 2 ? MT_UINT : MT_NEG;
	} else if (mt == MT_UINT || mt == MT_NEG) {
		d->pos += h.hlen;
	} else {
		return -ENOMSG;
	}
	if (mag > INT64_MAX) {
		*d = save;
		return -ERANGE;
	}
	*v = mt == MT_UINT ? (int64_t)mag : -1 - (int64_t)mag;
	return 0;
}

/* Exact half -> double, built from bits so no libm is needed. */
static double half_to_double(uint32_t h)
{
	uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f;
	uint32_t mant = h & 0x3ff, b;
	double v;
	float f;

	if (exp == 0) {		/* zero or subnormal: mant * 2^-24 exactly */
		v = (double)mant / 16777216.0;
		return sign ? -v : v;
	}
	if (exp == 31)
		b = sign | 0x7f800000u | mant << 13;
	else
		b = sign | (exp + 127 - 15) << 23 | mant << 13;
	memcpy(&f, &b, sizeof(f));
	return (double)f;
}

int cbor_get_float(struct cbor_dec *d, double *v)
{
	struct head h;
	int rc = next_head(d, &h);

	if (rc)
		return rc;
	if (h.mt == MT_UINT) {
		*v = (double)h.arg;
	} else if (h.mt == MT_NEG) {
		*v = -1.0 - (double)h.arg;
	} else if (h.mt == MT_SIMPLE && h.ai == AI_2) {
		*v = half_to_double((uint32_t)h.arg);
	} else if (h.mt == MT_SIMPLE && h.ai == AI_4) {
		uint32_t b = (uint32_t)h.arg;
		float f;

		memcpy(&f, &b, sizeof(f));
		*v = f;
	} else if (h.mt == MT_SIMPLE && h.ai == AI_8) {
		memcpy(v, &h.arg, sizeof(*v));
	} else {
		return -ENOMSG;
	}
	d->pos += h.hlen;
	return 0;
}

static int get_string(struct cbor_dec *d, unsigned mt, const uint8_t **p,
		      size_t *len)
{
	struct head h;
	int rc = next_head(d, &h);

	if (rc)
		return rc;
	if (h.mt != mt)
		return -ENOMSG;
	*p = d->buf + d->pos + h.hlen;
	*len = (size_t)h.arg;	/* <= bytes left, checked by next_head() */
	d->pos += h.hlen + (size_t)h.arg;
	return 0;
}

int cbor_get_text(struct cbor_dec *d, const char **s, size_t *len)
{
	const uint8_t *p;
	int rc = get_string(d, MT_TEXT, &p, len);

	if (!rc)
		*s = (const char *)p;
	return rc;
}

int cbor_get_bytes(struct cbor_dec *d, const uint8_t **p, size_t *len)
{
	return get_string(d, MT_BYTES, p, len);
}

static int get_container(struct cbor_dec *d, unsigned mt, size_t *n)
{
	struct head h;
	int rc = next_head(d, &h);

	if (rc)
		return rc;
	if (h.mt != mt)
		return -ENOMSG;
	*n = (size_t)h.arg;	/* bounded by the buffer length */
	d->pos += h.hlen;
	return 0;
}

int cbor_get_array(struct cbor_dec *d, size_t *n)
{
	return get_container(d, MT_ARRAY, n);
}

int cbor_get_map(struct cbor_dec *d, size_t *n)
{
	return get_container(d, MT_MAP, n);
}

int cbor_get_bool(struct cbor_dec *d, bool *v)
{
	struct head h;
	int rc = next_head(d, &h);

	if (rc)
		return rc;
	if (h.mt != MT_SIMPLE || h.ai >= AI_1 || (h.arg != 20 && h.arg != 21))
		return -ENOMSG;
	*v = h.arg == 21;
	d->pos += h.hlen;
	return 0;
}

int cbor_get_null(struct cbor_dec *d)
{
	struct head h;
	int rc = next_head(d, &h);

	if (rc)
		return rc;
	if (h.mt != MT_SIMPLE || h.ai >= AI_1 || h.arg != 22)
		return -ENOMSG;
	d->pos += h.hlen;
	return 0;
}

/* Skip one item at d->pos; @depth counts enclosing containers and tags. */
static int skip_item(struct cbor_dec *d, unsigned depth)
{
	struct head h;
	uint64_t n;
	int rc = next_head(d, &h);

	if (rc)
		return rc == -ENODATA ? -EBADMSG : rc;
	d->pos += h.hlen;
	switch (h.mt) {
	case MT_BYTES:
	case MT_TEXT:
		d->pos += (size_t)h.arg;
		return 0;
	case MT_ARRAY:
	case MT_MAP:
	case MT_TAG:
		if (depth >= CBOR_MAX_DEPTH)
			return -EOVERFLOW;
		n = h.mt == MT_TAG ? 1 : h.mt == MT_MAP ? h.arg * 2 : h.arg;
		for (uint64_t i = 0; i < n; i++) {
			rc = skip_item(d, depth + 1);
			if (rc)
				return rc;
		}
		return 0;
	default:
		return 0;
	}
}

int cbor_skip(struct cbor_dec *d, const uint8_t **p, size_t *len)
{
	struct cbor_dec sub = *d;
	int rc;

	if (cbor_dec_done(d))
		return -ENODATA;
	rc = skip_item(&sub, 0);
	if (rc)
		return rc;
	if (p)
		*p = d->buf + d->pos;
	if (len)
		*len = sub.pos - d->pos;
	d->pos = sub.pos;
	return 0;
}
