/* SPDX-License-Identifier: MIT */
/*
 * agent/cbor.h - a small bounded CBOR (RFC 8949) encoder and decoder.
 *
 * Only what the wire protocol needs: definite lengths, integers, floats,
 * strings, arrays, maps, bool, null; the decoder also skips tags and
 * simple values. No allocation: both sides work on a buffer the caller owns.
 *
 * The encoder and decoder structs are declared here so callers can keep them
 * on the stack; their fields are private, use the functions.
 *
 * Encoder: every put writes a whole item or nothing. The first failure is
 * sticky: later puts write nothing and return the same error, so a caller
 * may encode a whole message and check the result once (cbor_enc_finish()).
 *   -ENOSPC  the item does not fit in the remaining capacity.
 *   -EINVAL  a NULL pointer with a non-zero length, or a raw item that is
 *            not exactly one well-formed CBOR item (cbor_put_raw()).
 *
 * Decoder: a cursor over a const buffer. Every getter reads the next item,
 * checks every length against the end of the buffer, and on success moves
 * the cursor past the item. On any error the cursor does not move.
 *   -EBADMSG    malformed or truncated: indefinite length or break (0x1f),
 *               reserved additional info 28..30, a length or element count
 *               beyond the buffer, a two-byte simple value below 32.
 *   -ENOMSG     well-formed, but not the type the getter asked for.
 *   -ERANGE     the right type, but the value does not fit (negative into
 *               unsigned, an integer outside int64_t, a too-large bignum).
 *   -EOVERFLOW  nested deeper than CBOR_MAX_DEPTH (cbor_skip()).
 *   -ENODATA    no item left (the cursor is at the end of the buffer).
 * Text strings are returned as pointer + length into the buffer (not NUL
 * terminated, UTF-8 not checked); they stay valid as long as the buffer.
 */
#ifndef AGENT_CBOR_H
#define AGENT_CBOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Nesting limit for cbor_skip() / cbor_put_raw(): bounds the recursion. */
#define CBOR_MAX_DEPTH 16

/* Major types and simple kinds, as cbor_peek() reports them. */
enum cbor_type {
	CBOR_UINT = 0,		/* major 0 */
	CBOR_NEGINT,		/* major 1 */
	CBOR_BYTES,		/* major 2 */
	CBOR_TEXT,		/* major 3 */
	CBOR_ARRAY,		/* major 4 */
	CBOR_MAP,		/* major 5 */
	CBOR_TAG,		/* major 6 */
	CBOR_FLOAT,		/* major 7, half/single/double */
	CBOR_BOOL,		/* major 7, simple 20/21 */
	CBOR_NULL,		/* major 7, simple 22 */
	CBOR_SIMPLE,		/* major 7, any other simple value */
};

struct cbor_enc {		/* private */
	uint8_t *buf;
	size_t cap;
	size_t len;
	int err;
};

struct cbor_dec {		/* private */
	const uint8_t *buf;
	size_t len;
	size_t pos;
};

/* ---- encoder ---- */

/* Start encoding into @buf[0..cap). @buf may be NULL only if @cap is 0. */
void cbor_enc_init(struct cbor_enc *e, uint8_t *buf, size_t cap);
/* The sticky error (0, -ENOSPC, -EINVAL); *@len = bytes written if 0. */
int cbor_enc_finish(const struct cbor_enc *e, size_t *len);

int cbor_put_uint(struct cbor_enc *e, uint64_t v);
int cbor_put_int(struct cbor_enc *e, int64_t v);	/* any int64_t */
/* The shortest of half/single/double that holds @v exactly; NaN -> f97e00. */
int cbor_put_float(struct cbor_enc *e, double v);
int cbor_put_bytes(struct cbor_enc *e, const void *p, size_t len);
int cbor_put_text(struct cbor_enc *e, const char *s, size_t len);
int cbor_put_cstr(struct cbor_enc *e, const char *s);	/* NUL-terminated */
int cbor_put_array(struct cbor_enc *e, uint64_t n);	/* n items follow */
int cbor_put_map(struct cbor_enc *e, uint64_t n);	/* n pairs follow */
int cbor_put_bool(struct cbor_enc *e, bool v);
int cbor_put_null(struct cbor_enc *e);
/* Copy one already-encoded item; checked with cbor_skip() first. */
int cbor_put_raw(struct cbor_enc *e, const uint8_t *p, size_t len);

/* ---- decoder ---- */

void cbor_dec_init(struct cbor_dec *d, const uint8_t *buf, size_t len);
size_t cbor_dec_offset(const struct cbor_dec *d);	/* bytes consumed */
bool cbor_dec_done(const struct cbor_dec *d);		/* nothing left */

/* Type of the next item without consuming it (-EBADMSG, -ENODATA). */
int cbor_peek(const struct cbor_dec *d, enum cbor_type *t);

/* Major 0 or a tag-2 bignum that fits; any negative value is -ERANGE. */
int cbor_get_uint(struct cbor_dec *d, uint64_t *v);
/* Major 0 or 1, and bignums (tags 2/3) that fit; else -ERANGE. */
int cbor_get_int(struct cbor_dec *d, int64_t *v);
/* Half, single or double, or any integer (converted; may round). */
int cbor_get_float(struct cbor_dec *d, double *v);
int cbor_get_text(struct cbor_dec *d, const char **s, size_t *len);
int cbor_get_bytes(struct cbor_dec *d, const uint8_t **p, size_t *len);
/*
 * Container headers: *@n = element count (pairs for a map). A count that
 * could not fit in the bytes left (each item takes at least one) is
 * -EBADMSG, so a caller may loop n times without its own bound.
 */
int cbor_get_array(struct cbor_dec *d, size_t *n);
int cbor_get_map(struct cbor_dec *d, size_t *n);
int cbor_get_bool(struct cbor_dec *d, bool *v);
int cbor_get_null(struct cbor_dec *d);
/*
 * Skip one whole item of any type, containers and tags included (at most
 * CBOR_MAX_DEPTH levels). If @p is not NULL, *@p and *@len get the raw item.
 */
int cbor_skip(struct cbor_dec *d, const uint8_t **p, size_t *len);

#endif
