/* SPDX-License-Identifier: MIT */
/*
 * agent/msg.h - wire format v2 (docs/PROTOCOL.md is the reference).
 *
 * A message = 8-byte big-endian header [+ 4-byte epoch when the EPOCH flag
 * is set] + one CBOR item (the body). Encoders always write version 2;
 * the header parser accepts versions 1 and 2 (a v1 peer's ACK and CMD
 * apply to the current epoch).
 * Encoders write header and body into a caller buffer and return the total
 * length; decoders parse a body (after msg_hdr_parse()) into caller structs.
 *
 * Ownership: every struct msg_str a decoder fills points into the buffer it
 * was given (no copy, not NUL-terminated), valid as long as that buffer;
 * the one exception is msg_cmd.op_name of a numeric op, which points to the
 * static name (msg_op_str()).
 * Encoders only read their inputs during the call.
 *
 * Return values:
 *   encoders: 0, -ENOSPC (does not fit @cap; @buf may hold a partial
 *             message, *@out_len untouched), -EINVAL (a string longer than
 *             MSG_MAX_STR, more than MSG_MAX_ITEMS items, an invalid field
 *             such as stream 0, or a NULL pointer with a non-zero count).
 *   decoders: 0, -EBADMSG (rejected; *@why says why when @why is not NULL).
 * Decoders ignore map keys they do not know (forward compatibility) but
 * reject a known key given twice, a known key with the wrong type, and any
 * byte after the body item.
 */
#ifndef AGENT_MSG_H
#define AGENT_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSG_VERSION	2
#define MSG_VERSION_MIN	1		/* oldest header version accepted */
#define MSG_PPID	0x53414731u	/* "SAG1"; private, not IANA-registered */
#define MSG_HDR_LEN	8
#define MSG_EPOCH_LEN	4		/* the EPOCH extension after the header */
#define MSG_F_EPOCH	0x0001u		/* flags: an epoch follows the header */
#define MSG_STREAM_CTRL	0		/* HELLO, ACK, CMD, REPLY, GAP */
#define MSG_MAX_STR	255		/* bytes in any one text field */
#define MSG_MAX_ITEMS	64		/* records, streams, ack entries, gap ranges */
#define MSG_MAX_LOW	256		/* HELLO "low" entries */
#define MSG_READINGS_BUF 4096		/* the agent's buffer for one READINGS message */

enum msg_type {
	MSG_HELLO = 1,		/* agent -> controller, stream 0 */
	MSG_READINGS = 2,	/* agent -> controller, stream >= 1 */
	MSG_ACK = 3,		/* controller -> agent, stream 0 */
	MSG_CMD = 4,		/* controller -> agent, stream 0 */
	MSG_REPLY = 5,		/* agent -> controller, stream 0 */
	MSG_GAP = 6,		/* agent -> controller, stream 0 (v2) */
};

/* Why a message was rejected; callers count these per reason. */
enum msg_err {
	MSG_OK = 0,
	MSG_ERR_TRUNCATED,	/* shorter than the 8-byte header */
	MSG_ERR_VERSION,	/* header version not 1 or 2 */
	MSG_ERR_TYPE,		/* unknown message type (for that version) */
	MSG_ERR_FLAGS,		/* reserved flag bits, or EPOCH on a type without it */
	MSG_ERR_CBOR,		/* body is not well-formed CBOR (or cut short) */
	MSG_ERR_TRAILING,	/* bytes after the body item */
	MSG_ERR_MISSING,	/* a required field is absent */
	MSG_ERR_WRONG_TYPE,	/* a field has the wrong CBOR type */
	MSG_ERR_DUPLICATE,	/* a known field given twice */
	MSG_ERR_TOO_MANY,	/* more items than the caller's array holds */
	MSG_ERR_OVERSIZED,	/* a text field longer than MSG_MAX_STR */
	MSG_ERR_RANGE,		/* a number out of range (stream 0, > u32, epoch 0...) */
	MSG_ERR_COUNT		/* number of reasons, for counter arrays */
};

/* Short stable name of @e ("truncated", ...); "?" if out of range. */
const char *msg_err_str(enum msg_err e);

/* A string slice; not NUL-terminated. */
struct msg_str {
	const char *p;
	size_t len;
};

/* Slice of a NUL-terminated string (NULL -> empty). */
struct msg_str msg_str_of(const char *s);

struct msg_hdr {
	uint8_t version;
	uint8_t type;		/* enum msg_type */
	uint16_t flags;		/* MSG_F_EPOCH or 0 */
	uint32_t seq;		/* READINGS: per-stream seq; CMD/REPLY: id */
	uint32_t epoch;		/* EPOCH extension; 0 = the association's current */
};

/*
 * Parse the header of @buf[0..len). On success *@body and *@body_len are the
 * CBOR body (after the epoch extension, if any). EPOCH is accepted on
 * READINGS, ACK and GAP of version 2 only; an epoch of 0 is out-of-range.
 * On MSG_ERR_VERSION, _TYPE and _FLAGS, *@h is still filled so the caller
 * can reply to h->seq; on MSG_ERR_TRUNCATED it is not.
 */
int msg_hdr_parse(const uint8_t *buf, size_t len, struct msg_hdr *h,
		  const uint8_t **body, size_t *body_len, enum msg_err *why);

/* ---- HELLO ---- */
struct msg_stream_info {
	uint16_t stream;	/* >= 1 */
	struct msg_str sensor;
	struct msg_str unit;	/* SenML unit, may be empty */
};

/* The lowest seq the agent may still send on (epoch, stream). */
struct msg_low {
	uint32_t epoch;		/* != 0 */
	uint16_t stream;	/* >= 1 */
	uint32_t seq;
};

struct msg_hello {
	struct msg_str name;	/* agent name */
	struct msg_str sw;	/* software version */
	uint32_t proto;		/* protocol version (MSG_VERSION) */
	uint64_t boot_id;	/* random per start (diagnostics) */
	uint64_t start_ms;	/* agent start, Unix time in ms */
	const struct msg_stream_info *streams;
	unsigned n_streams;
	uint32_t epoch;		/* the current epoch, != 0 */
	const struct msg_low *low;	/* may be empty */
	unsigned n_low;		/* <= MSG_MAX_LOW */
};

int msg_encode_hello(uint8_t *buf, size_t cap, const struct msg_hello *m,
		     size_t *out_len);
/* m->streams is set to @streams, which receives at most @cap entries;
 * m->low to @low (at most @low_cap entries; "low" is optional). */
int msg_decode_hello(const uint8_t *body, size_t len, struct msg_hello *m,
		     struct msg_stream_info *streams, unsigned cap,
		     struct msg_low *low, unsigned low_cap, enum msg_err *why);

/* ---- READINGS (SenML pack) ---- */
struct msg_reading {
	struct msg_str base;	/* decode: SenML bn in effect; encode: unused */
	struct msg_str name;	/* SenML n; full name = base + name */
	struct msg_str unit;	/* SenML u (or bu); may be empty */
	double value;		/* SenML v */
	int64_t time_ms;	/* Unix time in ms: (bt + t) * 1000, rounded */
	bool unsynced;		/* time_ms is from a wall clock not synchronized
				 * yet (label "unsync": true, in the first record
				 * of a pack for all of it: encode sets it when
				 * any of @r has it, so the caller splits packs
				 * where the state changes) */
};

/*
 * One pack of @n (1..MSG_MAX_ITEMS) readings; @basename becomes bn and
 * r[0].time_ms becomes bt, each record's t is relative to it. @epoch != 0
 * sets the EPOCH extension (a reading of an older run); 0 = current.
 */
int msg_encode_readings(uint8_t *buf, size_t cap, uint32_t epoch, uint32_t seq,
			struct msg_str basename, const struct msg_reading *r,
			unsigned n, size_t *out_len);
/* The largest message msg_encode_readings() can make of @n readings whose
 * base name, name and unit are at most these lengths (config checks). */
size_t msg_readings_max_len(size_t base_len, size_t name_len, size_t unit_len,
			    unsigned n);
int msg_decode_readings(const uint8_t *body, size_t len,
			struct msg_reading *r, unsigned cap, unsigned *n,
			enum msg_err *why);

/* ---- ACK ---- */
struct msg_ack {
	uint16_t stream;	/* >= 1 */
	uint32_t seq;		/* highest contiguous seq received */
};

/* @epoch != 0 sets the EPOCH extension; 0 = the current epoch. */
int msg_encode_ack(uint8_t *buf, size_t cap, uint32_t epoch,
		   const struct msg_ack *a, unsigned n, size_t *out_len);
int msg_decode_ack(const uint8_t *body, size_t len, struct msg_ack *a,
		   unsigned cap, unsigned *n, enum msg_err *why);

/* ---- GAP ---- */
/* first..last (inclusive, serial-number order) of @stream will never come. */
struct msg_gap {
	uint16_t stream;	/* >= 1 */
	uint32_t first, last;	/* first <= last, less than 2^31 apart */
};

/* 1..MSG_MAX_ITEMS ranges; @epoch != 0 sets the EPOCH extension. */
int msg_encode_gap(uint8_t *buf, size_t cap, uint32_t epoch,
		   const struct msg_gap *g, unsigned n, size_t *out_len);
int msg_decode_gap(const uint8_t *body, size_t len, struct msg_gap *g,
		   unsigned cap, unsigned *n, enum msg_err *why);

/* ---- CMD ---- */
enum msg_op {
	MSG_OP_UNKNOWN = 0,	/* decode only: op not known, reply status 2 */
	MSG_OP_PING,
	MSG_OP_STATUS,
	MSG_OP_SET_INTERVAL,	/* sensor, ms */
	MSG_OP_READ_NOW,	/* sensor */
	MSG_OP_CLOSE,		/* optional ms: stay away that long */
};

struct msg_cmd {
	enum msg_op op;
	struct msg_str op_name;	/* decode: the op as sent (text form) */
	struct msg_str sensor;	/* SET_INTERVAL, READ_NOW */
	uint32_t interval_ms;	/* SET_INTERVAL; CLOSE: 0 = the default hold */
};

/* Op name on the wire ("ping", ...) or NULL for MSG_OP_UNKNOWN. */
const char *msg_op_str(enum msg_op op);
int msg_encode_cmd(uint8_t *buf, size_t cap, uint32_t id,
		   const struct msg_cmd *c, size_t *out_len);
/* An unknown op is not an error: c->op = MSG_OP_UNKNOWN, c->op_name set. */
int msg_decode_cmd(const uint8_t *body, size_t len, struct msg_cmd *c,
		   enum msg_err *why);

/* ---- REPLY ---- */
enum msg_status {
	MSG_ST_OK = 0,
	MSG_ST_BAD_REQUEST = 1,
	MSG_ST_UNKNOWN_CMD = 2,
	MSG_ST_UNKNOWN_SENSOR = 3,
	MSG_ST_OUT_OF_RANGE = 4,
	MSG_ST_INTERNAL = 5,
};

struct msg_reply {
	uint32_t status;	/* enum msg_status; others are kept as sent */
	struct msg_str msg;
	const uint8_t *data;	/* optional: one encoded CBOR map, or NULL */
	size_t data_len;
};

int msg_encode_reply(uint8_t *buf, size_t cap, uint32_t id,
		     const struct msg_reply *r, size_t *out_len);
int msg_decode_reply(const uint8_t *body, size_t len, struct msg_reply *r,
		     enum msg_err *why);

#endif
