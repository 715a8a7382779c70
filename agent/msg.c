/* SPDX-License-Identifier: MIT */
/*
 * agent/msg.c - wire format v2: header (+ epoch extension), HELLO,
 * READINGS (SenML), ACK, CMD, REPLY, GAP. See msg.h for the contract and
 * docs/PROTOCOL.md for the wire.
 */
#include <errno.h>
#include <string.h>

#include "agent/cbor.h"
#include "agent/msg.h"
#include "agent/seqnum.h"

/* SenML labels (RFC 8428 section 6, CBOR integer labels). */
enum {
	SENML_BN = -2, SENML_BT = -3, SENML_BU = -4,
	SENML_N = 0, SENML_U = 1, SENML_V = 2, SENML_T = 6,
};

/* Private record label (a text label, ignored by SenML decoders that do
 * not know it): the time was read from a wall clock not synchronized yet. */
#define LABEL_UNSYNC "unsync"
#define LABEL_UNSYNC_LEN 6
#define LABEL_UNSYNC_KEY (INT64_MAX - 1)	/* its place in the label switch */

/* Times beyond 2^53 ms cannot round-trip through a double. */
#define MAX_TIME_MS 9007199254740992LL

static const char *const err_names[MSG_ERR_COUNT] = {
	[MSG_OK] = "ok",
	[MSG_ERR_TRUNCATED] = "truncated",
	[MSG_ERR_VERSION] = "bad-version",
	[MSG_ERR_TYPE] = "unknown-type",
	[MSG_ERR_FLAGS] = "reserved-flags",
	[MSG_ERR_CBOR] = "bad-cbor",
	[MSG_ERR_TRAILING] = "trailing-bytes",
	[MSG_ERR_MISSING] = "missing-field",
	[MSG_ERR_WRONG_TYPE] = "wrong-type",
	[MSG_ERR_DUPLICATE] = "duplicate-field",
	[MSG_ERR_TOO_MANY] = "too-many-items",
	[MSG_ERR_OVERSIZED] = "oversized-string",
	[MSG_ERR_RANGE] = "out-of-range",
};

static const char *const op_names[] = {
	[MSG_OP_PING] = "ping",
	[MSG_OP_STATUS] = "status",
	[MSG_OP_SET_INTERVAL] = "set_interval",
	[MSG_OP_READ_NOW] = "read_now",
	[MSG_OP_CLOSE] = "close",
};
#define N_OPS (sizeof(op_names) / sizeof(op_names[0]))

const char *msg_err_str(enum msg_err e)
{
	if ((unsigned)e >= MSG_ERR_COUNT)
		return "?";
	return err_names[e];
}

const char *msg_op_str(enum msg_op op)
{
	if (op == MSG_OP_UNKNOWN || (unsigned)op >= N_OPS)
		return NULL;
	return op_names[op];
}

struct msg_str msg_str_of(const char *s)
{
	struct msg_str r = { s ? s : "", s ? strlen(s) : 0 };

	return r;
}

static bool str_eq(struct msg_str a, const char *b)
{
	size_t n = strlen(b);

	return a.len == n && (n == 0 || memcmp(a.p, b, n) == 0);
}

static int fail(enum msg_err *why, enum msg_err e)
{
	if (why)
		*why = e;
	return -EBADMSG;
}

/* Map a cbor getter error to the reason a caller counts. */
static enum msg_err cbor_reason(int rc)
{
	switch (rc) {
	case -ENOMSG:
		return MSG_ERR_WRONG_TYPE;
	case -ERANGE:
		return MSG_ERR_RANGE;
	default:		/* -EBADMSG, -ENODATA, -EOVERFLOW */
		return MSG_ERR_CBOR;
	}
}

/* ---------------- header ---------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool epoch_allowed(uint8_t type)
{
	return type == MSG_READINGS || type == MSG_ACK || type == MSG_GAP;
}

int msg_hdr_parse(const uint8_t *buf, size_t len, struct msg_hdr *h,
		  const uint8_t **body, size_t *body_len, enum msg_err *why)
{
	size_t hl = MSG_HDR_LEN;

	if (!buf || len < MSG_HDR_LEN)
		return fail(why, MSG_ERR_TRUNCATED);
	h->version = buf[0];
	h->type = buf[1];
	h->flags = (uint16_t)(buf[2] << 8 | buf[3]);
	h->seq = be32(buf + 4);
	h->epoch = 0;
	if (h->version < MSG_VERSION_MIN || h->version > MSG_VERSION)
		return fail(why, MSG_ERR_VERSION);
	if (h->type < MSG_HELLO || h->type > (h->version == 1 ? MSG_REPLY : MSG_GAP))
		return fail(why, MSG_ERR_TYPE);
	if ((h->flags & ~MSG_F_EPOCH) || (h->flags && h->version == 1) ||
	    (h->flags && !epoch_allowed(h->type)))
		return fail(why, MSG_ERR_FLAGS);
	if (h->flags & MSG_F_EPOCH) {
		hl += MSG_EPOCH_LEN;
		if (len < hl)
			return fail(why, MSG_ERR_TRUNCATED);
		h->epoch = be32(buf + MSG_HDR_LEN);
		if (!h->epoch)
			return fail(why, MSG_ERR_RANGE);
	}
	*body = buf + hl;
	*body_len = len - hl;
	if (why)
		*why = MSG_OK;
	return 0;
}

/* Write the header (and the epoch extension when @epoch != 0) and point
 * @e at the body space behind it. */
static int enc_begin(struct cbor_enc *e, uint8_t *buf, size_t cap,
		     enum msg_type type, uint32_t seq, uint32_t epoch)
{
	size_t hl = MSG_HDR_LEN + (epoch ? MSG_EPOCH_LEN : 0);

	if (!buf || cap < hl)
		return -ENOSPC;
	buf[0] = MSG_VERSION;
	buf[1] = (uint8_t)type;
	buf[2] = 0;
	buf[3] = epoch ? MSG_F_EPOCH : 0;
	put_be32(buf + 4, seq);
	if (epoch)
		put_be32(buf + MSG_HDR_LEN, epoch);
	cbor_enc_init(e, buf + hl, cap - hl);
	return 0;
}

static int enc_end(const struct cbor_enc *e, const uint8_t *buf, size_t *out_len)
{
	size_t n;
	int rc = cbor_enc_finish(e, &n);

	if (!rc)
		*out_len = MSG_HDR_LEN + (buf[3] & MSG_F_EPOCH ? MSG_EPOCH_LEN : 0) + n;
	return rc;
}

static bool str_ok(struct msg_str s)
{
	return s.len <= MSG_MAX_STR && (s.p || !s.len);
}

static void put_kv_str(struct cbor_enc *e, const char *k, struct msg_str v)
{
	cbor_put_cstr(e, k);
	cbor_put_text(e, v.p, v.len);
}

static void put_kv_uint(struct cbor_enc *e, const char *k, uint64_t v)
{
	cbor_put_cstr(e, k);
	cbor_put_uint(e, v);
}

/* ---------------- text-keyed maps ---------------- */

enum fkind { F_TEXT, F_UINT, F_RAW };

/* One known key of a text-keyed map and where its value goes. */
struct field {
	const char *key;
	enum fkind kind;
	bool required;
	uint64_t max;		/* F_UINT: largest accepted value */
	void *out;		/* msg_str *, uint64_t *, or struct raw * */
};

struct raw {			/* F_RAW: any one item, checked later */
	const uint8_t *p;
	size_t len;
};

static int get_field(struct cbor_dec *d, const struct field *f,
		     enum msg_err *why)
{
	struct msg_str *s = f->out;
	struct raw *r = f->out;
	uint64_t *u = f->out;
	int rc;

	switch (f->kind) {
	case F_TEXT:
		rc = cbor_get_text(d, &s->p, &s->len);
		if (!rc && s->len > MSG_MAX_STR)
			return fail(why, MSG_ERR_OVERSIZED);
		break;
	case F_UINT:
		rc = cbor_get_uint(d, u);
		if (!rc && *u > f->max)
			return fail(why, MSG_ERR_RANGE);
		break;
	default:
		rc = cbor_skip(d, &r->p, &r->len);
		break;
	}
	return rc ? fail(why, cbor_reason(rc)) : 0;
}

/*
 * Decode a map with text keys into @f[0..nf). Unknown keys (and non-text
 * keys) are skipped; *@seen gets bit i for each field i found.
 */
static int get_map(struct cbor_dec *d, const struct field *f, unsigned nf,
		   uint32_t *seen, enum msg_err *why)
{
	struct msg_str key;
	size_t n;
	unsigned i;
	int rc = cbor_get_map(d, &n);

	if (rc)
		return fail(why, cbor_reason(rc));
	*seen = 0;
	for (; n > 0; n--) {
		rc = cbor_get_text(d, &key.p, &key.len);
		if (rc == -ENOMSG) {	/* non-text key: never one of ours */
			key = msg_str_of(NULL);
			rc = cbor_skip(d, NULL, NULL);
		}
		if (rc)
			return fail(why, cbor_reason(rc));
		for (i = 0; i < nf && !str_eq(key, f[i].key); i++)
			;
		if (i == nf) {
			rc = cbor_skip(d, NULL, NULL);
			if (rc)
				return fail(why, cbor_reason(rc));
			continue;
		}
		if (*seen & 1u << i)
			return fail(why, MSG_ERR_DUPLICATE);
		*seen |= 1u << i;
		rc = get_field(d, &f[i], why);
		if (rc)
			return rc;
	}
	for (i = 0; i < nf; i++)
		if (f[i].required && !(*seen & 1u << i))
			return fail(why, MSG_ERR_MISSING);
	return 0;
}

/* The body must be exactly one item: the decoder is at its end. */
static int body_end(const struct cbor_dec *d, enum msg_err *why)
{
	if (!cbor_dec_done(d))
		return fail(why, MSG_ERR_TRAILING);
	if (why)
		*why = MSG_OK;
	return 0;
}

/* ---------------- HELLO ---------------- */

int msg_encode_hello(uint8_t *buf, size_t cap, const struct msg_hello *m,
		     size_t *out_len)
{
	struct cbor_enc e;
	int rc;

	if (!str_ok(m->name) || !str_ok(m->sw) ||
	    m->n_streams > MSG_MAX_ITEMS || (!m->streams && m->n_streams))
		return -EINVAL;
	for (unsigned i = 0; i < m->n_streams; i++)
		if (!m->streams[i].stream || !str_ok(m->streams[i].sensor) ||
		    !str_ok(m->streams[i].unit))
			return -EINVAL;
	if (!m->epoch || m->n_low > MSG_MAX_LOW || (!m->low && m->n_low))
		return -EINVAL;
	for (unsigned i = 0; i < m->n_low; i++)
		if (!m->low[i].epoch || !m->low[i].stream)
			return -EINVAL;
	rc = enc_begin(&e, buf, cap, MSG_HELLO, 0, 0);
	if (rc)
		return rc;
	cbor_put_map(&e, 8);
	put_kv_str(&e, "name", m->name);
	put_kv_str(&e, "sw", m->sw);
	put_kv_uint(&e, "proto", m->proto);
	put_kv_uint(&e, "boot", m->boot_id);
	put_kv_uint(&e, "start", m->start_ms);
	cbor_put_cstr(&e, "streams");
	cbor_put_array(&e, m->n_streams);
	for (unsigned i = 0; i < m->n_streams; i++) {
		cbor_put_map(&e, 3);
		put_kv_uint(&e, "stream", m->streams[i].stream);
		put_kv_str(&e, "sensor", m->streams[i].sensor);
		put_kv_str(&e, "unit", m->streams[i].unit);
	}
	put_kv_uint(&e, "epoch", m->epoch);
	cbor_put_cstr(&e, "low");
	cbor_put_array(&e, m->n_low);
	for (unsigned i = 0; i < m->n_low; i++) {
		cbor_put_array(&e, 3);
		cbor_put_uint(&e, m->low[i].epoch);
		cbor_put_uint(&e, m->low[i].stream);
		cbor_put_uint(&e, m->low[i].seq);
	}
	return enc_end(&e, buf, out_len);
}

static int get_stream_info(struct cbor_dec *d, struct msg_stream_info *si,
			   enum msg_err *why)
{
	uint64_t stream = 0;
	uint32_t seen;
	const struct field f[] = {
		{ "stream", F_UINT, true, UINT16_MAX, &stream },
		{ "sensor", F_TEXT, true, 0, &si->sensor },
		{ "unit", F_TEXT, false, 0, &si->unit },
	};
	int rc;

	si->unit = msg_str_of(NULL);
	rc = get_map(d, f, 3, &seen, why);
	if (rc)
		return rc;
	if (stream == 0)
		return fail(why, MSG_ERR_RANGE);
	si->stream = (uint16_t)stream;
	return 0;
}

/* [epoch, stream, seq] entries of HELLO's "low". */
static int get_low(const struct raw *list, struct msg_low *low, unsigned cap,
		   unsigned *n_low, enum msg_err *why)
{
	struct cbor_dec d;
	size_t n, three;
	uint64_t v[3];
	int rc;

	*n_low = 0;
	if (!list->p)
		return 0;		/* optional */
	cbor_dec_init(&d, list->p, list->len);
	rc = cbor_get_array(&d, &n);
	if (rc)
		return fail(why, cbor_reason(rc));
	if (n > cap || n > MSG_MAX_LOW)
		return fail(why, MSG_ERR_TOO_MANY);
	for (size_t i = 0; i < n; i++) {
		rc = cbor_get_array(&d, &three);
		if (!rc && three != 3)
			return fail(why, MSG_ERR_WRONG_TYPE);
		for (int k = 0; !rc && k < 3; k++)
			rc = cbor_get_uint(&d, &v[k]);
		if (rc)
			return fail(why, cbor_reason(rc));
		if (!v[0] || v[0] > UINT32_MAX || !v[1] || v[1] > UINT16_MAX ||
		    v[2] > UINT32_MAX)
			return fail(why, MSG_ERR_RANGE);
		low[i] = (struct msg_low){ (uint32_t)v[0], (uint16_t)v[1], (uint32_t)v[2] };
		for (size_t j = 0; j < i; j++)
			if (low[j].epoch == low[i].epoch && low[j].stream == low[i].stream)
				return fail(why, MSG_ERR_DUPLICATE);
	}
	*n_low = (unsigned)n;
	return 0;
}

static int get_streams(const struct raw *list, struct msg_stream_info *streams,
		       unsigned cap, unsigned *n_streams, enum msg_err *why)
{
	struct cbor_dec ld;
	size_t n;
	int rc;

	cbor_dec_init(&ld, list->p, list->len);
	rc = cbor_get_array(&ld, &n);
	if (rc)
		return fail(why, cbor_reason(rc));
	if (n > cap)
		return fail(why, MSG_ERR_TOO_MANY);
	for (size_t i = 0; i < n; i++) {
		rc = get_stream_info(&ld, &streams[i], why);
		if (rc)
			return rc;
		for (size_t j = 0; j < i; j++)
			if (streams[j].stream == streams[i].stream)
				return fail(why, MSG_ERR_DUPLICATE);
	}
	*n_streams = (unsigned)n;
	return 0;
}

int msg_decode_hello(const uint8_t *body, size_t len, struct msg_hello *m,
		     struct msg_stream_info *streams, unsigned cap,
		     struct msg_low *low, unsigned low_cap, enum msg_err *why)
{
	struct raw list, lows = { NULL, 0 };
	struct cbor_dec d;
	uint64_t proto = 0, epoch = 0;
	uint32_t seen;
	const struct field f[] = {
		{ "name", F_TEXT, true, 0, &m->name },
		{ "sw", F_TEXT, true, 0, &m->sw },
		{ "proto", F_UINT, true, UINT32_MAX, &proto },
		{ "boot", F_UINT, true, UINT64_MAX, &m->boot_id },
		{ "start", F_UINT, true, UINT64_MAX, &m->start_ms },
		{ "streams", F_RAW, true, 0, &list },
		{ "epoch", F_UINT, true, UINT32_MAX, &epoch },
		{ "low", F_RAW, false, 0, &lows },
	};
	int rc;

	cbor_dec_init(&d, body, len);
	rc = get_map(&d, f, 8, &seen, why);
	if (rc)
		return rc;
	if (!epoch)
		return fail(why, MSG_ERR_RANGE);
	m->proto = (uint32_t)proto;
	m->epoch = (uint32_t)epoch;
	rc = get_streams(&list, streams, cap, &m->n_streams, why);
	if (!rc)
		rc = get_low(&lows, low, low_cap, &m->n_low, why);
	if (rc)
		return rc;
	m->streams = streams;
	m->low = low;
	return body_end(&d, why);
}

/* ---------------- READINGS ---------------- */

/* Seconds as SenML wants them: an integer when exact, else a float. */
static void put_seconds(struct cbor_enc *e, int64_t ms)
{
	if (ms % 1000 == 0)
		cbor_put_int(e, ms / 1000);
	else
		cbor_put_float(e, (double)ms / 1000.0);
}

static bool reading_ok(const struct msg_reading *r, struct msg_str bn,
		       int64_t base_ms)
{
	int64_t t = r->time_ms;

	return str_ok(r->name) && str_ok(r->unit) && r->value - r->value == 0.0 &&
	       (r->name.len || bn.len) && t > -MAX_TIME_MS && t < MAX_TIME_MS &&
	       t - base_ms > -MAX_TIME_MS && t - base_ms < MAX_TIME_MS;
}

int msg_encode_readings(uint8_t *buf, size_t cap, uint32_t epoch, uint32_t seq,
			struct msg_str basename, const struct msg_reading *r,
			unsigned n, size_t *out_len)
{
	struct cbor_enc e;
	int64_t base_ms, rel;
	bool unsync = false;
	int rc;

	if (!r || n == 0 || n > MSG_MAX_ITEMS || !str_ok(basename))
		return -EINVAL;
	base_ms = r[0].time_ms;
	for (unsigned i = 0; i < n; i++) {
		if (!reading_ok(&r[i], basename, base_ms))
			return -EINVAL;
		unsync |= r[i].unsynced;
	}
	rc = enc_begin(&e, buf, cap, MSG_READINGS, seq, epoch);
	if (rc)
		return rc;
	cbor_put_array(&e, n);
	for (unsigned i = 0; i < n; i++) {
		rel = r[i].time_ms - base_ms;
		cbor_put_map(&e, (i == 0 ? 2u : 0u) + (r[i].name.len > 0) +
			     (r[i].unit.len > 0) + 1 + (rel != 0) + (i == 0 && unsync));
		if (i == 0) {
			cbor_put_int(&e, SENML_BN);
			cbor_put_text(&e, basename.p, basename.len);
			cbor_put_int(&e, SENML_BT);
			put_seconds(&e, base_ms);
		}
		if (r[i].name.len) {
			cbor_put_int(&e, SENML_N);
			cbor_put_text(&e, r[i].name.p, r[i].name.len);
		}
		if (r[i].unit.len) {
			cbor_put_int(&e, SENML_U);
			cbor_put_text(&e, r[i].unit.p, r[i].unit.len);
		}
		cbor_put_int(&e, SENML_V);
		cbor_put_float(&e, r[i].value);
		if (rel) {
			cbor_put_int(&e, SENML_T);
			put_seconds(&e, rel);
		}
		if (i == 0 && unsync) {
			cbor_put_text(&e, LABEL_UNSYNC, LABEL_UNSYNC_LEN);
			cbor_put_bool(&e, true);
		}
	}
	return enc_end(&e, buf, out_len);
}

/* Head of a text string of @len (<= MSG_MAX_STR) bytes, plus the text. */
static size_t text_len(size_t len)
{
	return (len < 24 ? 1 : 2) + len;
}

size_t msg_readings_max_len(size_t base_len, size_t name_len, size_t unit_len,
			    unsigned n)
{
	/* per record: map head, n, u, v (double), t (double); the first
	 * also bn and bt (double), and "unsync": true */
	size_t rec = 1 + 1 + text_len(name_len) + 1 + text_len(unit_len) + 1 + 9 + 1 + 9;

	return MSG_HDR_LEN + MSG_EPOCH_LEN + 3 + (size_t)n * rec +
	       1 + text_len(base_len) + 1 + 9 + text_len(LABEL_UNSYNC_LEN) + 1;
}

/* Seconds (any CBOR number) -> ms, rounded half away from zero. */
static int get_ms(struct cbor_dec *d, int64_t *ms, enum msg_err *why)
{
	double s, x;
	int rc = cbor_get_float(d, &s);

	if (rc)
		return fail(why, cbor_reason(rc));
	x = s * 1000.0;
	if (!(x > -(double)MAX_TIME_MS && x < (double)MAX_TIME_MS))
		return fail(why, MSG_ERR_RANGE);	/* NaN lands here too */
	*ms = (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
	return 0;
}

static int get_text_field(struct cbor_dec *d, struct msg_str *s,
			  enum msg_err *why)
{
	int rc = cbor_get_text(d, &s->p, &s->len);

	if (rc)
		return fail(why, cbor_reason(rc));
	if (s->len > MSG_MAX_STR)
		return fail(why, MSG_ERR_OVERSIZED);
	return 0;
}

/* SenML base values carried from record to record. */
struct senml_base {
	struct msg_str bn, bu;
	int64_t bt_ms;
	bool unsync;		/* "unsync" applies to later records too */
};

/* Bit in the per-record "seen" mask for a SenML label we know. */
static int label_bit(int64_t label)
{
	switch (label) {
	case SENML_BN: return 0;
	case SENML_BT: return 1;
	case SENML_BU: return 2;
	case SENML_N: return 3;
	case SENML_U: return 4;
	case SENML_V: return 5;
	case SENML_T: return 6;
	case LABEL_UNSYNC_KEY: return 7;
	default: return -1;
	}
}

static int get_label_value(struct cbor_dec *d, int64_t label,
			   struct senml_base *b, struct msg_reading *r,
			   int64_t *t_ms, enum msg_err *why)
{
	int rc;

	switch (label) {
	case SENML_BN: return get_text_field(d, &b->bn, why);
	case SENML_BT: return get_ms(d, &b->bt_ms, why);
	case SENML_BU: return get_text_field(d, &b->bu, why);
	case SENML_N: return get_text_field(d, &r->name, why);
	case SENML_U: return get_text_field(d, &r->unit, why);
	case SENML_T: return get_ms(d, t_ms, why);
	case LABEL_UNSYNC_KEY:	/* like a base value: this record on */
		rc = cbor_get_bool(d, &b->unsync);
		return rc ? fail(why, cbor_reason(rc)) : 0;
	default:	/* SENML_V */
		rc = cbor_get_float(d, &r->value);
		if (rc)
			return fail(why, cbor_reason(rc));
		if (r->value - r->value != 0.0)		/* NaN, inf */
			return fail(why, MSG_ERR_RANGE);
		return 0;
	}
}

/* A label that is not an int: ours ("unsync") or unknown (INT64_MAX). */
static int get_text_label(struct cbor_dec *d, int64_t *label)
{
	const char *p;
	size_t len;
	int rc = cbor_get_text(d, &p, &len);

	*label = INT64_MAX;
	if (rc == -ENOMSG || rc == -ERANGE)	/* a huge int, bytes...: skip */
		return cbor_skip(d, NULL, NULL);
	if (!rc && len == LABEL_UNSYNC_LEN && !memcmp(p, LABEL_UNSYNC, len))
		*label = LABEL_UNSYNC_KEY;
	return rc;
}

static int get_record(struct cbor_dec *d, struct senml_base *b,
		      struct msg_reading *r, enum msg_err *why)
{
	unsigned seen = 0;
	int64_t label, t_ms = 0;
	size_t n;
	int bit, rc = cbor_get_map(d, &n);

	if (rc)
		return fail(why, cbor_reason(rc));
	r->name = r->unit = msg_str_of(NULL);
	for (; n > 0; n--) {
		rc = cbor_get_int(d, &label);
		if (rc == -ENOMSG || rc == -ERANGE)	/* text/huge label */
			rc = get_text_label(d, &label);
		else if (label == LABEL_UNSYNC_KEY)	/* that int is not ours */
			label = INT64_MAX;
		if (rc)
			return fail(why, cbor_reason(rc));
		bit = label_bit(label);
		if (bit < 0) {			/* vs, vb, s, ut, ... */
			rc = cbor_skip(d, NULL, NULL);
			if (rc)
				return fail(why, cbor_reason(rc));
			continue;
		}
		if (seen & 1u << bit)
			return fail(why, MSG_ERR_DUPLICATE);
		seen |= 1u << bit;
		rc = get_label_value(d, label, b, r, &t_ms, why);
		if (rc)
			return rc;
	}
	if (!(seen & 1u << label_bit(SENML_V)) ||
	    (b->bn.len == 0 && r->name.len == 0))
		return fail(why, MSG_ERR_MISSING);
	r->base = b->bn;
	r->unsynced = b->unsync;
	if (!(seen & 1u << label_bit(SENML_U)))
		r->unit = b->bu;
	r->time_ms = b->bt_ms + t_ms;
	return 0;
}

int msg_decode_readings(const uint8_t *body, size_t len,
			struct msg_reading *r, unsigned cap, unsigned *n,
			enum msg_err *why)
{
	struct senml_base b = { { "", 0 }, { "", 0 }, 0, false };
	struct cbor_dec d;
	size_t count;
	int rc;

	cbor_dec_init(&d, body, len);
	rc = cbor_get_array(&d, &count);
	if (rc)
		return fail(why, cbor_reason(rc));
	if (count == 0)
		return fail(why, MSG_ERR_MISSING);
	if (count > cap)
		return fail(why, MSG_ERR_TOO_MANY);
	for (size_t i = 0; i < count; i++) {
		rc = get_record(&d, &b, &r[i], why);
		if (rc)
			return rc;
	}
	*n = (unsigned)count;
	return body_end(&d, why);
}

/* ---------------- ACK ---------------- */

int msg_encode_ack(uint8_t *buf, size_t cap, uint32_t epoch,
		   const struct msg_ack *a, unsigned n, size_t *out_len)
{
	struct cbor_enc e;
	int rc;

	if (n > MSG_MAX_ITEMS || (!a && n))
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (a[i].stream == 0)
			return -EINVAL;
	rc = enc_begin(&e, buf, cap, MSG_ACK, 0, epoch);
	if (rc)
		return rc;
	cbor_put_map(&e, n);
	for (unsigned i = 0; i < n; i++) {
		cbor_put_uint(&e, a[i].stream);
		cbor_put_uint(&e, a[i].seq);
	}
	return enc_end(&e, buf, out_len);
}

int msg_decode_ack(const uint8_t *body, size_t len, struct msg_ack *a,
		   unsigned cap, unsigned *n, enum msg_err *why)
{
	struct cbor_dec d;
	uint64_t stream, seq;
	size_t count;
	int rc;

	cbor_dec_init(&d, body, len);
	rc = cbor_get_map(&d, &count);
	if (rc)
		return fail(why, cbor_reason(rc));
	if (count > cap)
		return fail(why, MSG_ERR_TOO_MANY);
	for (size_t i = 0; i < count; i++) {
		rc = cbor_get_uint(&d, &stream);
		if (!rc)
			rc = cbor_get_uint(&d, &seq);
		if (rc)
			return fail(why, cbor_reason(rc));
		if (stream == 0 || stream > UINT16_MAX || seq > UINT32_MAX)
			return fail(why, MSG_ERR_RANGE);
		for (size_t j = 0; j < i; j++)
			if (a[j].stream == stream)
				return fail(why, MSG_ERR_DUPLICATE);
		a[i].stream = (uint16_t)stream;
		a[i].seq = (uint32_t)seq;
	}
	*n = (unsigned)count;
	return body_end(&d, why);
}

/* ---------------- GAP ---------------- */

static bool gap_ok(uint64_t stream, uint64_t first, uint64_t last)
{
	return stream && stream <= UINT16_MAX && first <= UINT32_MAX &&
	       last <= UINT32_MAX && seq_le((uint32_t)first, (uint32_t)last) &&
	       (uint32_t)(last - first) < 0x80000000u;
}

int msg_encode_gap(uint8_t *buf, size_t cap, uint32_t epoch,
		   const struct msg_gap *g, unsigned n, size_t *out_len)
{
	struct cbor_enc e;
	int rc;

	if (!n || n > MSG_MAX_ITEMS || !g)
		return -EINVAL;
	for (unsigned i = 0; i < n; i++)
		if (!gap_ok(g[i].stream, g[i].first, g[i].last))
			return -EINVAL;
	rc = enc_begin(&e, buf, cap, MSG_GAP, 0, epoch);
	if (rc)
		return rc;
	cbor_put_array(&e, n);
	for (unsigned i = 0; i < n; i++) {
		cbor_put_array(&e, 3);
		cbor_put_uint(&e, g[i].stream);
		cbor_put_uint(&e, g[i].first);
		cbor_put_uint(&e, g[i].last);
	}
	return enc_end(&e, buf, out_len);
}

int msg_decode_gap(const uint8_t *body, size_t len, struct msg_gap *g,
		   unsigned cap, unsigned *n, enum msg_err *why)
{
	struct cbor_dec d;
	size_t count, three;
	uint64_t v[3];
	int rc;

	cbor_dec_init(&d, body, len);
	rc = cbor_get_array(&d, &count);
	if (rc)
		return fail(why, cbor_reason(rc));
	if (!count)
		return fail(why, MSG_ERR_MISSING);
	if (count > cap || count > MSG_MAX_ITEMS)
		return fail(why, MSG_ERR_TOO_MANY);
	for (size_t i = 0; i < count; i++) {
		rc = cbor_get_array(&d, &three);
		if (!rc && three != 3)
			return fail(why, MSG_ERR_WRONG_TYPE);
		for (int k = 0; !rc && k < 3; k++)
			rc = cbor_get_uint(&d, &v[k]);
		if (rc)
			return fail(why, cbor_reason(rc));
		if (!gap_ok(v[0], v[1], v[2]))
			return fail(why, MSG_ERR_RANGE);
		g[i] = (struct msg_gap){ (uint16_t)v[0], (uint32_t)v[1], (uint32_t)v[2] };
	}
	*n = (unsigned)count;
	return body_end(&d, why);
}

/* ---------------- CMD ---------------- */

int msg_encode_cmd(uint8_t *buf, size_t cap, uint32_t id,
		   const struct msg_cmd *c, size_t *out_len)
{
	struct msg_str op = msg_str_of(msg_op_str(c->op));
	bool sensor = c->op == MSG_OP_SET_INTERVAL || c->op == MSG_OP_READ_NOW;
	bool ms = c->op == MSG_OP_SET_INTERVAL ||
		  (c->op == MSG_OP_CLOSE && c->interval_ms);
	struct cbor_enc e;
	int rc;

	/* MSG_OP_UNKNOWN sends op_name as is: lets a test peer probe. */
	if (c->op == MSG_OP_UNKNOWN)
		op = c->op_name;
	else if (!msg_op_str(c->op))
		return -EINVAL;
	if (!op.len || !str_ok(op) || (sensor && !str_ok(c->sensor)))
		return -EINVAL;
	rc = enc_begin(&e, buf, cap, MSG_CMD, id, 0);
	if (rc)
		return rc;
	cbor_put_map(&e, 1u + sensor + ms);
	put_kv_str(&e, "op", op);
	if (sensor)
		put_kv_str(&e, "sensor", c->sensor);
	if (ms)
		put_kv_uint(&e, "ms", c->interval_ms);
	return enc_end(&e, buf, out_len);
}

/* "op" is text (the normal form) or a small uint (enum msg_op). */
static int get_op(struct cbor_dec *d, struct msg_cmd *c, enum msg_err *why)
{
	uint64_t v;
	int rc;

	c->op = MSG_OP_UNKNOWN;
	c->op_name = msg_str_of(NULL);
	rc = cbor_get_uint(d, &v);
	if (!rc) {
		if (v < N_OPS && op_names[v])
			c->op = (enum msg_op)v;
		c->op_name = msg_str_of(msg_op_str(c->op));
		return 0;
	}
	if (rc != -ENOMSG && rc != -ERANGE)
		return fail(why, cbor_reason(rc));
	rc = get_text_field(d, &c->op_name, why);
	if (rc)
		return rc;
	for (unsigned i = 1; i < N_OPS; i++)
		if (str_eq(c->op_name, op_names[i]))
			c->op = (enum msg_op)i;
	return 0;
}

int msg_decode_cmd(const uint8_t *body, size_t len, struct msg_cmd *c,
		   enum msg_err *why)
{
	struct cbor_dec d, od;
	struct raw op;
	uint64_t ms = 0;
	uint32_t seen;
	const struct field f[] = {
		{ "op", F_RAW, true, 0, &op },
		{ "sensor", F_TEXT, false, 0, &c->sensor },
		{ "ms", F_UINT, false, UINT32_MAX, &ms },
	};
	int rc;

	c->sensor = msg_str_of(NULL);
	cbor_dec_init(&d, body, len);
	rc = get_map(&d, f, 3, &seen, why);
	if (rc)
		return rc;
	cbor_dec_init(&od, op.p, op.len);
	rc = get_op(&od, c, why);
	if (rc)
		return rc;
	c->interval_ms = (uint32_t)ms;
	if ((c->op == MSG_OP_SET_INTERVAL && (seen & 6u) != 6u) ||
	    (c->op == MSG_OP_READ_NOW && !(seen & 2u)))
		return fail(why, MSG_ERR_MISSING);
	return body_end(&d, why);
}

/* ---------------- REPLY ---------------- */

int msg_encode_reply(uint8_t *buf, size_t cap, uint32_t id,
		     const struct msg_reply *r, size_t *out_len)
{
	struct cbor_enc e;
	int rc;

	if (!str_ok(r->msg) || (r->data_len && (!r->data || r->data[0] >> 5 != 5)))
		return -EINVAL;
	rc = enc_begin(&e, buf, cap, MSG_REPLY, id, 0);
	if (rc)
		return rc;
	cbor_put_map(&e, r->data_len ? 3 : 2);
	put_kv_uint(&e, "status", r->status);
	put_kv_str(&e, "msg", r->msg);
	if (r->data_len) {
		cbor_put_cstr(&e, "data");
		cbor_put_raw(&e, r->data, r->data_len);	/* -EINVAL if bad */
	}
	return enc_end(&e, buf, out_len);
}

int msg_decode_reply(const uint8_t *body, size_t len, struct msg_reply *r,
		     enum msg_err *why)
{
	struct cbor_dec d;
	struct raw data = { NULL, 0 };
	uint64_t status = 0;
	uint32_t seen;
	const struct field f[] = {
		{ "status", F_UINT, true, UINT32_MAX, &status },
		{ "msg", F_TEXT, true, 0, &r->msg },
		{ "data", F_RAW, false, 0, &data },
	};
	int rc;

	cbor_dec_init(&d, body, len);
	rc = get_map(&d, f, 3, &seen, why);
	if (rc)
		return rc;
	if (data.len && data.p[0] >> 5 != 5)		/* must be a map */
		return fail(why, MSG_ERR_WRONG_TYPE);
	r->status = (uint32_t)status;
	r->data = data.len ? data.p : NULL;
	r->data_len = data.len;
	return body_end(&d, why);
}
