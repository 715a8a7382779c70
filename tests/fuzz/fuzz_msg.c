/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_msg.c - libFuzzer target over agent/msg and agent/cbor.
 *
 * Input = one SCTP message. Runs msg_hdr_parse, then every body decoder on
 * the body whatever the header says (so each decoder sees every input), and
 * cbor_skip over the raw bytes. Checks that every slice a decoder returns
 * lies inside the input, that the epoch extension is parsed where the flag
 * says, and that an ACK and a GAP re-encode to the same values.
 * Also linked with replay.c for a plain-C corpus replay.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cbor.h"
#include "agent/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *lo, *hi;

static void in_input(struct msg_str s)
{
	if (s.len && ((const uint8_t *)s.p < lo ||
		      (const uint8_t *)s.p + s.len > hi))
		abort();
}

static void ack_roundtrip(const struct msg_ack *a, unsigned n)
{
	uint8_t buf[1024];
	struct msg_ack b[MSG_MAX_ITEMS];
	const uint8_t *body;
	struct msg_hdr h;
	size_t len, bl;
	unsigned m;

	if (msg_encode_ack(buf, sizeof(buf), 0, a, n, &len) ||
	    msg_hdr_parse(buf, len, &h, &body, &bl, NULL) ||
	    msg_decode_ack(body, bl, b, MSG_MAX_ITEMS, &m, NULL) || m != n)
		abort();
	for (unsigned i = 0; i < n; i++)	/* field-wise: padding */
		if (a[i].stream != b[i].stream || a[i].seq != b[i].seq)
			abort();
}

/* A decoded GAP re-encodes to the same ranges (and every range is valid
 * in serial-number order, or the encoder would refuse it). */
static void gap_roundtrip(const struct msg_gap *g, unsigned n)
{
	uint8_t buf[2048];
	struct msg_gap b[MSG_MAX_ITEMS];
	const uint8_t *body;
	struct msg_hdr h;
	size_t len, bl;
	unsigned m;

	if (msg_encode_gap(buf, sizeof(buf), 7, g, n, &len) ||
	    msg_hdr_parse(buf, len, &h, &body, &bl, NULL) || h.epoch != 7 ||
	    msg_decode_gap(body, bl, b, MSG_MAX_ITEMS, &m, NULL) || m != n)
		abort();
	for (unsigned i = 0; i < n; i++)
		if (g[i].stream != b[i].stream || g[i].first != b[i].first ||
		    g[i].last != b[i].last)
			abort();
}

static void decoders(const uint8_t *b, size_t bl)
{
	struct msg_stream_info si[MSG_MAX_ITEMS];
	struct msg_low lows[MSG_MAX_LOW];
	struct msg_reading r[MSG_MAX_ITEMS];
	struct msg_ack a[MSG_MAX_ITEMS];
	struct msg_gap g[MSG_MAX_ITEMS];
	struct msg_hello h;
	struct msg_cmd c;
	struct msg_reply rp;
	enum msg_err why;
	unsigned n;

	if (!msg_decode_hello(b, bl, &h, si, MSG_MAX_ITEMS, lows, MSG_MAX_LOW, &why)) {
		in_input(h.name);
		in_input(h.sw);
		if (!h.epoch || h.n_low > MSG_MAX_LOW)
			abort();
		for (unsigned i = 0; i < h.n_low; i++)
			if (!lows[i].epoch || !lows[i].stream)
				abort();
		for (unsigned i = 0; i < h.n_streams; i++) {
			in_input(si[i].sensor);
			in_input(si[i].unit);
		}
	} else if (why <= MSG_OK || why >= MSG_ERR_COUNT) {
		abort();	/* a rejection always names a reason */
	}
	if (!msg_decode_readings(b, bl, r, MSG_MAX_ITEMS, &n, &why)) {
		for (unsigned i = 0; i < n; i++) {
			in_input(r[i].base);
			in_input(r[i].name);
			in_input(r[i].unit);
			if (r[i].value != r[i].value)
				abort();
		}
	}
	if (!msg_decode_ack(b, bl, a, MSG_MAX_ITEMS, &n, &why))
		ack_roundtrip(a, n);
	if (!msg_decode_gap(b, bl, g, MSG_MAX_ITEMS, &n, &why))
		gap_roundtrip(g, n);
	else if (why <= MSG_OK || why >= MSG_ERR_COUNT)
		abort();
	if (!msg_decode_cmd(b, bl, &c, &why)) {
		if (c.op_name.p != msg_op_str(c.op))	/* numeric op */
			in_input(c.op_name);
		in_input(c.sensor);
	}
	if (!msg_decode_reply(b, bl, &rp, &why)) {
		in_input(rp.msg);
		if (rp.data_len && (rp.data < lo || rp.data + rp.data_len > hi))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t copy[4096];
	struct cbor_enc e;
	struct cbor_dec d;
	struct msg_hdr h;
	const uint8_t *body, *item;
	size_t bl, il, n;

	lo = data;
	hi = data + size;
	if (!msg_hdr_parse(data, size, &h, &body, &bl, NULL)) {
		/* the epoch extension is where the flag says, never 0 */
		if ((h.flags & MSG_F_EPOCH) != (h.epoch != 0) ||
		    body != data + MSG_HDR_LEN + (h.epoch ? MSG_EPOCH_LEN : 0))
			abort();
		decoders(body, bl);
	} else if (size > MSG_HDR_LEN) {
		decoders(data + MSG_HDR_LEN, size - MSG_HDR_LEN);
	}
	decoders(data, size);		/* raw CBOR bodies too */

	/* every well-formed item copies through cbor_put_raw unchanged */
	cbor_dec_init(&d, data, size);
	while (cbor_skip(&d, &item, &il) == 0) {
		cbor_enc_init(&e, copy, sizeof(copy));
		if (il <= sizeof(copy) &&
		    (cbor_put_raw(&e, item, il) || cbor_enc_finish(&e, &n) ||
		     n != il || memcmp(copy, item, il)))
			abort();
	}
	return 0;
}
