/* SPDX-License-Identifier: MIT */
/*
 * tests/controller/track.h - the pure logic of the reference controller
 * (sctpctl): per (agent, stream) deduplication and gap tracking, and a
 * small JSON writer. No sockets, no clock: unit-tested in
 * tests/unit/test_ctl_track.c.
 *
 * Sequence tracking per stream: the first seq seen on a stream starts it
 * (seqs below it are history the controller never saw, not gaps). After
 * that every seq is NEW (printed), LATE (new, but below the highest seen:
 * it fills a gap, counted out_of_order) or DUP (counted, not printed).
 * gaps = seqs never seen between the first and the highest seen.
 * contig = highest seq such that every seq from first to it was seen
 * (what the cumulative ACK carries).
 */
#ifndef TESTS_CONTROLLER_TRACK_H
#define TESTS_CONTROLLER_TRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A window larger than this many seqs above contig is cut: the oldest
 * missing seqs are given up on (they stay counted in gaps). */
#define TRK_WINDOW (1u << 20)

enum trk_verdict { TRK_NEW = 0, TRK_LATE, TRK_DUP, TRK_ERR };

struct trk_stream {
	uint16_t stream;
	uint32_t first;		/* first seq seen */
	int64_t contig;		/* highest contiguous seq (first - 1 if none) */
	int64_t max;		/* highest seq seen */
	int64_t acked;		/* last value sent in an ACK; -1 = none */
	uint64_t lost;		/* missing seqs dropped out of the window */
	int64_t base;		/* seq of bit 0 of bits */
	uint64_t *bits;		/* seen flags for seqs base.. */
	size_t nwords;
};

struct trk_agent {
	char name[64];		/* HELLO name, or "assoc-N" */
	uint64_t boot;
	bool have_boot;
	uint32_t assoc;		/* association it last spoke on; 0 = none */
	struct trk_stream *streams;
	unsigned n_streams;
};

struct trk {
	struct trk_agent **agents;
	unsigned n_agents;
	uint64_t readings, dups, out_of_order, bad;
	uint64_t gaps_reset;	/* gaps of stream states dropped by a reset */
};

void trk_init(struct trk *t);
void trk_free(struct trk *t);

/* The agent called @name (created on first use); NULL on ENOMEM. */
struct trk_agent *trk_agent_get(struct trk *t, const char *name, size_t len);

/* A HELLO from @name with @boot: returns the agent; *@reset is true when a
 * known agent came with a new boot id (its stream states were dropped). */
struct trk_agent *trk_hello(struct trk *t, const char *name, size_t len,
			    uint64_t boot, bool *reset);

/* One READINGS message (stream, seq) of @a: updates the counters. */
enum trk_verdict trk_see(struct trk *t, struct trk_agent *a, uint16_t stream,
			 uint32_t seq);

/* Stream state, NULL if never seen. */
struct trk_stream *trk_stream_find(struct trk_agent *a, uint16_t stream);
/* Missing seqs between first and max. */
uint64_t trk_stream_gaps(const struct trk_stream *s);
/* Sum over all agents and streams (plus gaps_reset). */
uint64_t trk_total_gaps(const struct trk *t);

/* ---- JSON writer -------------------------------------------------------
 * Writes into a caller buffer; commas are inserted automatically. On
 * overflow the output is cut and jb_finish() returns -1. */
#define JB_DEPTH 24
struct jbuf {
	char *p;
	size_t cap, len;
	bool overflow;
	unsigned depth;
	bool first[JB_DEPTH];	/* nothing written yet at this level */
	char closer[JB_DEPTH];	/* '}' or ']' per open level */
	bool after_key;
};

void jb_init(struct jbuf *b, char *p, size_t cap);
void jb_obj(struct jbuf *b);		/* { */
void jb_arr(struct jbuf *b);		/* [ */
void jb_end(struct jbuf *b);		/* } or ] */
void jb_key(struct jbuf *b, const char *k);
void jb_str(struct jbuf *b, const char *s, size_t len);	/* escaped */
void jb_cstr(struct jbuf *b, const char *s);
void jb_int(struct jbuf *b, int64_t v);
void jb_uint(struct jbuf *b, uint64_t v);
void jb_num(struct jbuf *b, double v);	/* shortest round trip; non-finite: null */
void jb_bool(struct jbuf *b, bool v);
void jb_null(struct jbuf *b);
/* NUL-terminate; 0 or -1 if the output was cut. */
int jb_finish(struct jbuf *b);

/* One CBOR item (@p, @len) as JSON: maps with non-text keys get the key's
 * JSON text as key, byte strings become hex strings, tags and other simple
 * values null. -1 if it is not one well-formed item. */
int jb_cbor(struct jbuf *b, const uint8_t *p, size_t len);

/* The exit summary line (without newline). */
void trk_summary_json(const struct trk *t, const char *controller,
		      struct jbuf *b);
/* The same, its outer object left open for more members (jb_end()). */
void trk_summary_json_open(const struct trk *t, const char *controller,
			   struct jbuf *b);

#endif
