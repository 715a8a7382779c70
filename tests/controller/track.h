/* SPDX-License-Identifier: MIT */
/*
 * tests/controller/track.h - the pure logic of the reference controller
 * (sctpctl): per (agent, stream) deduplication and gap tracking, and a
 * small JSON writer. No sockets, no clock: unit-tested in
 * tests/unit/test_ctl_track.c.
 *
 * Sequence tracking per (agent, epoch, stream): the first seq seen on a
 * stream starts it (seqs below it are history the controller never saw,
 * not gaps). After that every seq is NEW (printed), LATE (new, but below
 * the highest seen: it fills a gap, counted out_of_order) or DUP (counted,
 * not printed). Seqs are compared in serial-number arithmetic (RFC 1982):
 * each is placed at the 64-bit position nearest the stream's cumulative
 * point, so a stream may run past 2^32.
 * lost = seqs the agent reported it will never send (GAP, HELLO "low"):
 * counted once, never as gaps, and the cumulative point moves over them.
 * gaps = seqs never seen nor reported between the first and the highest.
 * contig = highest position such that every seq from first to it was seen
 * or reported lost (what the cumulative ACK carries, as a 32-bit seq).
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
	uint32_t epoch;
	uint16_t stream;
	int64_t first;		/* position of the first seq seen */
	int64_t contig;		/* highest contiguous position (first - 1 if none) */
	int64_t max;		/* highest position seen */
	int64_t acked;		/* last position sent in an ACK; INT64_MIN = none */
	uint64_t given_up;	/* missing seqs dropped out of the window */
	uint64_t lost;		/* reported lost by the agent */
	int64_t base;		/* position of bit 0 of bits */
	uint64_t *bits;		/* seen (or reported lost) flags from base */
	size_t nwords;
};

struct trk_agent {
	char name[64];		/* HELLO name, or "assoc-N" */
	uint64_t boot;
	bool have_boot;
	uint32_t epoch;		/* current epoch (last HELLO); 0 = none yet */
	uint32_t assoc;		/* association it last spoke on; 0 = none */
	struct trk_stream *streams;
	unsigned n_streams;
};

struct trk {
	struct trk_agent **agents;
	unsigned n_agents;
	uint64_t readings, dups, out_of_order, bad, lost;
};

void trk_init(struct trk *t);
void trk_free(struct trk *t);

/* The agent called @name (created on first use); NULL on ENOMEM. */
struct trk_agent *trk_agent_get(struct trk *t, const char *name, size_t len);

/* A HELLO from @name with @boot and @epoch: returns the agent; *@restarted
 * is true when a known agent came with a new boot id. The state of every
 * epoch is kept: readings of an older run may still be replayed. */
struct trk_agent *trk_hello(struct trk *t, const char *name, size_t len,
			    uint64_t boot, uint32_t epoch, bool *restarted);

/* One READINGS message (epoch, stream, seq) of @a: updates the counters. */
enum trk_verdict trk_see(struct trk *t, struct trk_agent *a, uint32_t epoch,
			 uint16_t stream, uint32_t seq);
/* GAP: first..last (serial order) will never come. Returns how many of
 * them were still missing (now counted lost); -1 on ENOMEM. */
int64_t trk_gap(struct trk *t, struct trk_agent *a, uint32_t epoch,
		uint16_t stream, uint32_t first, uint32_t last);
/* HELLO "low": nothing below @low will come on (epoch, stream). A stream
 * never seen starts at @low; a known one counts what was still missing
 * below it as lost. Returns that count; -1 on ENOMEM. */
int64_t trk_low(struct trk *t, struct trk_agent *a, uint32_t epoch,
		uint16_t stream, uint32_t low);

/* Stream state, NULL if never seen. */
struct trk_stream *trk_stream_find(struct trk_agent *a, uint32_t epoch,
				   uint16_t stream);
/* The 32-bit seq of a position. */
static inline uint32_t trk_seq(int64_t pos)
{
	return (uint32_t)pos;
}
/* Missing seqs between first and max (not seen, not reported lost). */
uint64_t trk_stream_gaps(const struct trk_stream *s);
/* Sum over all agents and streams. */
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
