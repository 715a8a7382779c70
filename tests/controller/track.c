// SPDX-License-Identifier: MIT
/*
 * tests/controller/track.c - dedup and gap tracking, JSON writer
 * (see track.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cbor.h"
#include "tests/controller/track.h"

/* Compact the bitmap once contig is this many bits past its base. */
#define TRK_COMPACT_BITS 4096

/* ---- sequence tracking -------------------------------------------------- */

void trk_init(struct trk *t)
{
	memset(t, 0, sizeof(*t));
}

static void stream_free(struct trk_stream *s)
{
	free(s->bits);
	s->bits = NULL;
	s->nwords = 0;
}

static void agent_free_streams(struct trk_agent *a)
{
	for (unsigned i = 0; i < a->n_streams; i++)
		stream_free(&a->streams[i]);
	free(a->streams);
	a->streams = NULL;
	a->n_streams = 0;
}

void trk_free(struct trk *t)
{
	for (unsigned i = 0; i < t->n_agents; i++) {
		agent_free_streams(t->agents[i]);
		free(t->agents[i]);
	}
	free(t->agents);
	trk_init(t);
}

struct trk_agent *trk_agent_get(struct trk *t, const char *name, size_t len)
{
	struct trk_agent *a, **n;

	if (len >= sizeof(a->name))
		len = sizeof(a->name) - 1;
	for (unsigned i = 0; i < t->n_agents; i++) {
		a = t->agents[i];
		if (strlen(a->name) == len && memcmp(a->name, name, len) == 0)
			return a;
	}
	n = realloc(t->agents, (t->n_agents + 1) * sizeof(*n));
	if (!n)
		return NULL;
	t->agents = n;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	memcpy(a->name, name, len);
	a->name[len] = '\0';
	t->agents[t->n_agents++] = a;
	return a;
}

struct trk_agent *trk_hello(struct trk *t, const char *name, size_t len,
			    uint64_t boot, uint32_t epoch, bool *restarted)
{
	struct trk_agent *a = trk_agent_get(t, name, len);

	*restarted = false;
	if (!a)
		return NULL;
	*restarted = a->have_boot && a->boot != boot;
	a->boot = boot;
	a->have_boot = true;
	a->epoch = epoch;
	return a;
}

struct trk_stream *trk_stream_find(struct trk_agent *a, uint32_t epoch,
				   uint16_t stream)
{
	for (unsigned i = 0; i < a->n_streams; i++)
		if (a->streams[i].stream == stream && a->streams[i].epoch == epoch)
			return &a->streams[i];
	return NULL;
}

/* The position of @seq: the one nearest the cumulative point. */
static int64_t unwrap(const struct trk_stream *s, uint32_t seq)
{
	return s->contig + (int32_t)(seq - (uint32_t)s->contig);
}

static bool bit_get(const struct trk_stream *s, int64_t pos)
{
	uint64_t i;

	if (pos <= s->contig)
		return true;
	if (pos < s->base)
		return false;
	i = (uint64_t)(pos - s->base);
	if (i / 64 >= s->nwords)
		return false;
	return (s->bits[i / 64] >> (i % 64)) & 1;
}

static int bit_set(struct trk_stream *s, int64_t pos)
{
	uint64_t i = (uint64_t)(pos - s->base);
	size_t w = (size_t)(i / 64);

	if (w >= s->nwords) {
		size_t n = w + 1 > s->nwords * 2 ? w + 1 : s->nwords * 2;
		uint64_t *b = realloc(s->bits, n * sizeof(*b));

		if (!b)
			return -ENOMEM;
		memset(b + s->nwords, 0, (n - s->nwords) * sizeof(*b));
		s->bits = b;
		s->nwords = n;
	}
	s->bits[w] |= 1ull << (i % 64);
	return 0;
}

/* Drop the words below the cumulative point. */
static void compact(struct trk_stream *s)
{
	uint64_t done = (uint64_t)(s->contig + 1 - s->base);
	size_t k = (size_t)(done / 64);

	if (done < TRK_COMPACT_BITS)
		return;
	if (k >= s->nwords) {	/* nothing above contig is marked */
		if (s->nwords)
			memset(s->bits, 0, s->nwords * sizeof(*s->bits));
		s->base = s->contig + 1;
		return;
	}
	memmove(s->bits, s->bits + k, (s->nwords - k) * sizeof(*s->bits));
	memset(s->bits + (s->nwords - k), 0, k * sizeof(*s->bits));
	s->base += (int64_t)k * 64;
}

static void advance(struct trk_stream *s)
{
	/* a window too wide: give up on the oldest missing seqs */
	while (s->max - s->contig > (int64_t)TRK_WINDOW) {
		if (!bit_get(s, s->contig + 1))
			s->given_up++;
		s->contig++;
	}
	while (s->contig < s->max && bit_get(s, s->contig + 1))
		s->contig++;
	compact(s);
}

static struct trk_stream *stream_add(struct trk_agent *a, uint32_t epoch,
				     uint16_t stream, uint32_t seq)
{
	struct trk_stream *n = realloc(a->streams, (a->n_streams + 1) * sizeof(*n));

	if (!n)
		return NULL;
	a->streams = n;
	n = &a->streams[a->n_streams++];
	memset(n, 0, sizeof(*n));
	n->epoch = epoch;
	n->stream = stream;
	n->first = seq;
	n->contig = (int64_t)seq - 1;
	n->max = (int64_t)seq - 1;
	n->base = seq;
	n->acked = INT64_MIN;
	return n;
}

static struct trk_stream *stream_get(struct trk_agent *a, uint32_t epoch,
				     uint16_t stream, uint32_t seq)
{
	struct trk_stream *s = trk_stream_find(a, epoch, stream);

	return s ? s : stream_add(a, epoch, stream, seq);
}

enum trk_verdict trk_see(struct trk *t, struct trk_agent *a, uint32_t epoch,
			 uint16_t stream, uint32_t seq)
{
	struct trk_stream *s = stream_get(a, epoch, stream, seq);
	enum trk_verdict v;
	int64_t q;

	if (!s)
		return TRK_ERR;
	q = unwrap(s, seq);
	if (q < s->first) {
		/* older than the first seen: history we cannot tell apart
		 * (ordered streams never do this); new but late */
		t->readings++;
		t->out_of_order++;
		return TRK_LATE;
	}
	if (bit_get(s, q)) {
		t->dups++;
		return TRK_DUP;
	}
	if (bit_set(s, q))
		return TRK_ERR;
	if (q > s->max) {
		s->max = q;
		v = TRK_NEW;
	} else {
		v = TRK_LATE;
		t->out_of_order++;
	}
	t->readings++;
	advance(s);
	return v;
}

/* Positions lo..hi (above contig) will never come: mark what is missing. */
static int64_t mark_lost(struct trk *t, struct trk_stream *s, int64_t lo, int64_t hi)
{
	int64_t n = 0;

	if (lo <= s->contig)
		lo = s->contig + 1;
	if (lo > hi)
		return 0;
	if (lo == s->contig + 1 && s->max <= s->contig) {
		/* nothing pending above contig: move it, no bits needed */
		n = hi - lo + 1;
		s->contig = s->max = hi;
	} else {
		for (int64_t q = lo; q <= hi; q++) {
			if (bit_get(s, q))
				continue;
			if (q - s->contig > (int64_t)TRK_WINDOW || bit_set(s, q)) {
				n += hi - q + 1;	/* beyond any window: counted */
				s->max = hi > s->max ? hi : s->max;
				s->contig = hi;
				break;
			}
			n++;
		}
		if (hi > s->max)
			s->max = hi;
	}
	s->lost += (uint64_t)n;
	t->lost += (uint64_t)n;
	advance(s);
	return n;
}

int64_t trk_gap(struct trk *t, struct trk_agent *a, uint32_t epoch,
		uint16_t stream, uint32_t first, uint32_t last)
{
	struct trk_stream *s = stream_get(a, epoch, stream, first);
	int64_t lo;

	if (!s)
		return -1;
	lo = unwrap(s, first);
	if (lo < s->first)		/* reported before anything was seen */
		s->first = lo;
	return mark_lost(t, s, lo, lo + (int64_t)(uint32_t)(last - first));
}

int64_t trk_low(struct trk *t, struct trk_agent *a, uint32_t epoch,
		uint16_t stream, uint32_t low)
{
	struct trk_stream *s = trk_stream_find(a, epoch, stream);

	if (!s)		/* never seen: it starts at low */
		return stream_add(a, epoch, stream, low) ? 0 : -1;
	return mark_lost(t, s, s->contig + 1, unwrap(s, low) - 1);
}

uint64_t trk_stream_gaps(const struct trk_stream *s)
{
	uint64_t n = s->given_up;

	for (int64_t q = s->contig + 1; q < s->max; q++)
		if (!bit_get(s, q))
			n++;
	return n;
}

uint64_t trk_total_gaps(const struct trk *t)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < t->n_agents; i++)
		for (unsigned j = 0; j < t->agents[i]->n_streams; j++)
			n += trk_stream_gaps(&t->agents[i]->streams[j]);
	return n;
}

/* ---- JSON writer -------------------------------------------------------- */

void jb_init(struct jbuf *b, char *p, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->p = p;
	b->cap = cap;
	b->first[0] = true;
	if (cap)
		p[0] = '\0';
}

static void put(struct jbuf *b, const char *s, size_t n)
{
	/* keep one byte for the NUL */
	if (b->overflow || b->len + n + 1 > b->cap) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void putc1(struct jbuf *b, char c)
{
	put(b, &c, 1);
}

/* Separator before a value or key at the current level. */
static void sep(struct jbuf *b)
{
	if (b->after_key) {
		b->after_key = false;
		return;
	}
	if (!b->first[b->depth])
		putc1(b, ',');
	b->first[b->depth] = false;
}

static void open_tracked(struct jbuf *b, char o, char c)
{
	sep(b);
	putc1(b, o);
	if (b->depth + 1 < JB_DEPTH) {
		b->depth++;
	} else {
		b->overflow = true;
		return;
	}
	b->first[b->depth] = true;
	b->closer[b->depth] = c;
}

static void close_tracked(struct jbuf *b)
{
	if (b->depth == 0) {
		b->overflow = true;
		return;
	}
	putc1(b, b->closer[b->depth]);
	b->depth--;
	b->after_key = false;
}

void jb_obj(struct jbuf *b)
{
	open_tracked(b, '{', '}');
}

void jb_arr(struct jbuf *b)
{
	open_tracked(b, '[', ']');
}

void jb_end(struct jbuf *b)
{
	close_tracked(b);
}


static void raw_str(struct jbuf *b, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	char esc[8];
	size_t i = 0;

	putc1(b, '"');
	while (i < len) {
		unsigned char c = u[i];
		size_t n = 0;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(b, esc, 2);
			i++;
			continue;
		}
		if (c < 0x20 || c == 0x7f) {
			const char *e = c == '\n' ? "\\n" : c == '\r' ? "\\r" :
				c == '\t' ? "\\t" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
			if (e) {
				put(b, e, 2);
			} else {
				snprintf(esc, sizeof(esc), "\\u%04x", c);
				put(b, esc, 6);
			}
			i++;
			continue;
		}
		if (c < 0x80) {
			putc1(b, (char)c);
			i++;
			continue;
		}
		/* UTF-8: copy a well-formed sequence, else U+FFFD */
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef)
			n = 3;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 4;
		if (n && i + n <= len) {
			size_t k;

			for (k = 1; k < n; k++)
				if ((u[i + k] & 0xc0) != 0x80)
					break;
			if (k == n) {
				put(b, s + i, n);
				i += n;
				continue;
			}
		}
		put(b, "\\ufffd", 6);
		i++;
	}
	putc1(b, '"');
}

void jb_key(struct jbuf *b, const char *k)
{
	sep(b);
	raw_str(b, k, strlen(k));
	putc1(b, ':');
	b->after_key = true;
}

static void jb_key_n(struct jbuf *b, const char *k, size_t len)
{
	sep(b);
	raw_str(b, k, len);
	putc1(b, ':');
	b->after_key = true;
}

void jb_str(struct jbuf *b, const char *s, size_t len)
{
	sep(b);
	raw_str(b, s ? s : "", s ? len : 0);
}

void jb_cstr(struct jbuf *b, const char *s)
{
	jb_str(b, s, s ? strlen(s) : 0);
}

void jb_int(struct jbuf *b, int64_t v)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%" PRId64, v);

	sep(b);
	put(b, t, (size_t)n);
}

void jb_uint(struct jbuf *b, uint64_t v)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%" PRIu64, v);

	sep(b);
	put(b, t, (size_t)n);
}

void jb_num(struct jbuf *b, double v)
{
	char t[40];
	int n = 0;

	if (!isfinite(v)) {
		jb_null(b);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(t, sizeof(t), "%.*g", prec, v);
		if (strtod(t, NULL) == v)
			break;
	}
	sep(b);
	put(b, t, (size_t)n);
}

void jb_bool(struct jbuf *b, bool v)
{
	sep(b);
	put(b, v ? "true" : "false", v ? 4 : 5);
}

void jb_null(struct jbuf *b)
{
	sep(b);
	put(b, "null", 4);
}

int jb_finish(struct jbuf *b)
{
	if (b->cap)
		b->p[b->len < b->cap ? b->len : b->cap - 1] = '\0';
	return b->overflow ? -1 : 0;
}

/* ---- CBOR to JSON ------------------------------------------------------- */

static int cbor_item(struct jbuf *b, struct cbor_dec *d, unsigned depth);

/* A non-text map key: render it as JSON text and use that as the key. */
static int cbor_key(struct jbuf *b, struct cbor_dec *d, unsigned depth)
{
	enum cbor_type ty;
	const char *s;
	size_t len;
	char tmp[256];
	struct jbuf k;

	if (cbor_peek(d, &ty))
		return -1;
	if (ty == CBOR_TEXT) {
		if (cbor_get_text(d, &s, &len))
			return -1;
		jb_key_n(b, s, len);
		return 0;
	}
	jb_init(&k, tmp, sizeof(tmp));
	if (cbor_item(&k, d, depth))
		return -1;
	jb_finish(&k);
	jb_key_n(b, tmp, k.len);
	return 0;
}

static int cbor_item(struct jbuf *b, struct cbor_dec *d, unsigned depth)
{
	enum cbor_type ty;
	uint64_t u;
	int64_t i;
	double f;
	bool bo;
	const char *s;
	const uint8_t *p;
	size_t n;

	if (depth > CBOR_MAX_DEPTH || cbor_peek(d, &ty))
		return -1;
	switch (ty) {
	case CBOR_UINT:
		if (cbor_get_uint(d, &u))
			return -1;
		jb_uint(b, u);
		return 0;
	case CBOR_NEGINT:
		if (cbor_get_int(d, &i)) {
			if (cbor_get_float(d, &f))
				return -1;
			jb_num(b, f);
			return 0;
		}
		jb_int(b, i);
		return 0;
	case CBOR_BYTES: {
		static const char hx[] = "0123456789abcdef";
		char h[2];

		if (cbor_get_bytes(d, &p, &n))
			return -1;
		sep(b);
		putc1(b, '"');
		for (size_t k = 0; k < n; k++) {
			h[0] = hx[p[k] >> 4];
			h[1] = hx[p[k] & 15];
			put(b, h, 2);
		}
		putc1(b, '"');
		return 0;
	}
	case CBOR_TEXT:
		if (cbor_get_text(d, &s, &n))
			return -1;
		jb_str(b, s, n);
		return 0;
	case CBOR_ARRAY:
		if (cbor_get_array(d, &n))
			return -1;
		open_tracked(b, '[', ']');
		for (size_t k = 0; k < n; k++)
			if (cbor_item(b, d, depth + 1))
				return -1;
		close_tracked(b);
		return 0;
	case CBOR_MAP:
		if (cbor_get_map(d, &n))
			return -1;
		open_tracked(b, '{', '}');
		for (size_t k = 0; k < n; k++)
			if (cbor_key(b, d, depth + 1) || cbor_item(b, d, depth + 1))
				return -1;
		close_tracked(b);
		return 0;
	case CBOR_FLOAT:
		if (cbor_get_float(d, &f))
			return -1;
		jb_num(b, f);
		return 0;
	case CBOR_BOOL:
		if (cbor_get_bool(d, &bo))
			return -1;
		jb_bool(b, bo);
		return 0;
	case CBOR_NULL:
		if (cbor_get_null(d))
			return -1;
		jb_null(b);
		return 0;
	case CBOR_TAG:
		if (!cbor_get_int(d, &i)) {	/* a bignum that fits */
			jb_int(b, i);
			return 0;
		}
		/* fall through */
	case CBOR_SIMPLE:
	default:
		if (cbor_skip(d, NULL, NULL))
			return -1;
		jb_null(b);
		return 0;
	}
}

int jb_cbor(struct jbuf *b, const uint8_t *p, size_t len)
{
	struct cbor_dec d;

	cbor_dec_init(&d, p, len);
	if (cbor_item(b, &d, 0))
		return -1;
	return cbor_dec_done(&d) ? 0 : -1;
}

/* ---- summary ------------------------------------------------------------ */

void trk_summary_json(const struct trk *t, const char *controller,
		      struct jbuf *b)
{
	trk_summary_json_open(t, controller, b);
	close_tracked(b);
}

void trk_summary_json_open(const struct trk *t, const char *controller,
			   struct jbuf *b)
{
	char key[32];

	open_tracked(b, '{', '}');
	jb_key(b, "summary");
	jb_bool(b, true);
	jb_key(b, "controller");
	jb_cstr(b, controller);
	jb_key(b, "readings");
	jb_uint(b, t->readings);
	jb_key(b, "dups");
	jb_uint(b, t->dups);
	jb_key(b, "gaps");
	jb_uint(b, trk_total_gaps(t));
	jb_key(b, "lost");
	jb_uint(b, t->lost);
	jb_key(b, "out_of_order");
	jb_uint(b, t->out_of_order);
	jb_key(b, "bad");
	jb_uint(b, t->bad);
	jb_key(b, "agents");
	open_tracked(b, '{', '}');
	for (unsigned i = 0; i < t->n_agents; i++) {
		const struct trk_agent *a = t->agents[i];

		jb_key(b, a->name);
		open_tracked(b, '{', '}');
		if (a->have_boot) {
			jb_key(b, "boot");
			jb_uint(b, a->boot);
			jb_key(b, "epoch");
			jb_uint(b, a->epoch);
		}
		/* "stream" for the current epoch, "epoch/stream" for others */
		jb_key(b, "streams");
		open_tracked(b, '{', '}');
		for (unsigned j = 0; j < a->n_streams; j++) {
			const struct trk_stream *s = &a->streams[j];

			if (s->epoch == a->epoch)
				snprintf(key, sizeof(key), "%u", s->stream);
			else
				snprintf(key, sizeof(key), "%u/%u", s->epoch, s->stream);
			jb_key(b, key);
			open_tracked(b, '{', '}');
			jb_key(b, "first");
			jb_uint(b, trk_seq(s->first));
			jb_key(b, "last");
			jb_uint(b, trk_seq(s->max));
			jb_key(b, "contig");
			jb_uint(b, trk_seq(s->contig));
			jb_key(b, "gaps");
			jb_uint(b, trk_stream_gaps(s));
			jb_key(b, "lost");
			jb_uint(b, s->lost);
			close_tracked(b);
		}
		close_tracked(b);
		close_tracked(b);
	}
	close_tracked(b);
}
