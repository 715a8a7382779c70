/* SPDX-License-Identifier: MIT */
/*
 * agent/outbox_int.h - what the outbox's files share (outbox.c: append,
 * the sync policy, segments, the budget, failures, poll, close;
 * outbox_ack.c: acks, deletion, expiry, status; outbox_tab.c: memory,
 * names, tables, loss queues; outbox_fmt.c: records, index, state slots,
 * the scanner; outbox_open.c: recovery; outbox_iter.c: replay and the late
 * check of a segment found damaged).
 * Nothing outside agent/outbox*.c includes it.
 */
#ifndef AGENT_OUTBOX_INT_H
#define AGENT_OUTBOX_INT_H

#include "agent/outbox.h"
#include "port/file.h"

/* --- on-disk format (docs/OUTBOX.md), little-endian ------------------------- */
#define OB_MAGIC 0x424fu		/* "OB" */
#define OB_T_HEADER 1u
#define OB_T_DATA 2u
#define OB_T_GAP 3u
#define OB_T_INDEX 4u
#define OB_HDR 28u			/* frame header */
#define OB_OVH (OB_HDR + 4u)		/* + CRC32C */
#define OB_TRAILER 8u			/* after the INDEX frame */
#define OB_TRAILER_MAGIC 0x5849424fu	/* "OBIX" */
#define OB_SEG_HDR_LEN 17u		/* HEADER payload */
#define OB_SPAN_LEN 24u			/* one INDEX entry */
#define OB_INDEX_FIXED 16u		/* INDEX payload before entries */
#define OB_FORMAT 1u
#define OB_STATE_MAGIC 0x5453424fu	/* "OBST" */
#define OB_STATE_FIXED 36u
#define OB_STATE_MAX (8u << 20)
#define OB_CHUNK (64u * 1024)		/* largest read at a time */

struct ob_frame {			/* a decoded frame header */
	uint8_t type, flags;
	uint32_t len;			/* payload bytes */
	uint32_t epoch;
	uint16_t stream;
	uint32_t seq;
	int64_t expire;			/* wall ms; 0 = never */
};

/* --- memory ------------------------------------------------------------------ */
struct ob_span {			/* one stream inside one segment */
	uint16_t stream;
	uint32_t first, last;		/* seqs covered, serial */
	uint32_t count;			/* seqs covered (a GAP covers several) */
	int64_t max_expire;		/* 0 = some record never expires */
};

#define OB_SEG_SEALED 0x1u		/* no more appends */
#define OB_SEG_INDEXED 0x2u		/* ends with a valid INDEX */
#define OB_SEG_VERIFIED 0x4u		/* scanned whole in this run */
#define OB_SEG_SUSPECT 0x8u		/* a sync failed on it */
#define OB_SEG_MEM 0x10u		/* in the memory tier (mem, no file) */

struct ob_seg {
	uint64_t id;
	uint32_t epoch;
	uint32_t flags;
	uint64_t end;			/* end of the last record (data) */
	uint64_t size;			/* file size (INDEX included) */
	struct ob_span *span;
	unsigned int n_span, cap_span;
	uint8_t *mem;			/* OB_SEG_MEM: the segment's bytes */
	size_t mem_cap;
};

struct ob_es {				/* one (epoch, stream) known */
	uint32_t epoch;
	uint16_t stream;
	uint32_t last;			/* highest seq appended or known */
	uint32_t durable;		/* highest seq synced (old epochs: last) */
	bool started;			/* appended in this run */
	uint32_t *cur;			/* [n_ctrls] acked through */
};

struct ob_pend {			/* a frame written, not yet synced */
	uint64_t at;			/* mono ms */
	uint32_t len;
	uint16_t stream;
	uint32_t last;
};

struct ob_ctrl {
	char name[OUTBOX_NAME_MAX];
	struct outbox_range *lost;
	unsigned int n_lost, cap_lost;
	struct outbox_ctrl_stats st;
};

struct outbox {
	struct outbox_config cfg;	/* defaults applied; names copied */
	char *dir;			/* <state_dir>/outbox */
	char *qdir;			/* <dir>/quarantine */
	char *path;			/* scratch for file names */
	size_t path_cap;
	uint32_t epoch;
	int degraded;
	uint64_t mem;
	uint64_t next_id;		/* of the next segment */

	struct ob_ctrl *ctrl;
	struct ob_seg *seg;		/* by id, ascending */
	unsigned int n_seg, cap_seg;
	struct ob_es *es;		/* by (epoch, stream) */
	unsigned int n_es, cap_es;

	struct pf_file *lock;		/* <dir>/lock: one agent per state_dir */
	struct pf_file *wf;		/* the active segment, or NULL */
	uint8_t *wbuf;			/* one frame being written */
	uint8_t *pend;			/* unsynced frames nobody acked yet */
	size_t pend_len;
	unsigned int pend_cap;
	struct ob_pend *pr;		/* one per frame in pend, in order */
	unsigned int n_pr, cap_pr;
	uint64_t pend_since;		/* mono ms of the oldest of them */
	bool pend_acked;		/* an ack may cover some of them */
	uint64_t budget;
	uint64_t bytes;			/* segment files on disk */

	struct {			/* the state slots */
		uint64_t gen;
		int newest;		/* -1 none valid */
		bool valid[2], exists[2];
		uint64_t last_write;	/* mono ms */
	} state;
	bool cursors_moved;		/* since the last state write */
	bool check_delete;		/* an ack may have freed a segment */
	bool dir_dirty;			/* unlinks not yet synced */

	struct outbox_iter *iters;
	uint64_t memtier;		/* bytes of memory segment buffers */
	uint64_t last_rec_seg, last_rec_off;	/* the newest record */
	struct outbox_stats st;
};

/* --- helpers shared by the outbox files ----------------------------------- */
/* Read size: a segment at most (a larger frame grows the window). */
static inline size_t ob_chunk(const struct outbox *ob)
{
	return ob->cfg.segment_bytes < OB_CHUNK ? ob->cfg.segment_bytes :
						  OB_CHUNK;
}

static inline bool ob_seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}
static inline bool ob_seq_le(uint32_t a, uint32_t b)
{
	return a == b || ob_seq_lt(a, b);
}

void *ob_alloc(struct outbox *ob, size_t n);	/* zeroed; NULL on ENOMEM */
void *ob_realloc(struct outbox *ob, void *p, size_t n);
void ob_free(struct outbox *ob, void *p);
/* Grow an array of @size-byte items to hold @need. 0 or -ENOMEM. */
int ob_grow(struct outbox *ob, void **arr, unsigned int *cap,
	    unsigned int need, size_t size);

/* "<dir>/seg-<16 hex>.log" (or in quarantine/) in ob->path. */
const char *ob_seg_path(struct outbox *ob, uint64_t id, bool quarantine);
const char *ob_join(struct outbox *ob, const char *dir, const char *name);
bool ob_parse_seg_name(const char *name, uint64_t *id);

bool ob_takes(const struct outbox *ob, unsigned int ctrl, uint16_t stream);
struct ob_es *ob_es_find(const struct outbox *ob, uint32_t epoch,
			 uint16_t stream);
struct ob_es *ob_es_get(struct outbox *ob, uint32_t epoch, uint16_t stream);
struct ob_seg *ob_seg_find(const struct outbox *ob, uint64_t id_at_least);
struct ob_span *ob_span_get(struct outbox *ob, struct ob_seg *s,
			    uint16_t stream);
/* Extend @s's span of @stream by seqs @first..@last. -ENOMEM. */
int ob_span_add(struct outbox *ob, struct ob_seg *s, uint16_t stream,
		uint32_t first, uint32_t last, int64_t expire);
bool ob_span_expired(const struct ob_span *sp, int64_t now_wall);
/* Queue @first..@last of (@epoch, @stream) as lost for every controller
 * that takes the stream and had not acknowledged it. */
void ob_report_loss(struct outbox *ob, uint32_t epoch, uint16_t stream,
		    uint32_t first, uint32_t last);
void ob_seg_free(struct outbox *ob, struct ob_seg *s);
void ob_seg_remove(struct outbox *ob, unsigned int i);
void ob_es_remove(struct outbox *ob, unsigned int i);
/* outbox_ack.c: delete what is acknowledged or expired; when a sealed
 * segment will have expired whole (wall ms; 0 never). */
int ob_delete_done(struct outbox *ob);
int64_t ob_seg_expiry(const struct ob_seg *s);
int ob_write_state(struct outbox *ob);
uint64_t ob_free_budget(struct outbox *ob);
/* Drop the oldest segment not being written (its unacked ranges queued as
 * lost). 0, -ENOSPC none to drop. */
int ob_evict_oldest(struct outbox *ob, const char *why);
void ob_destroy(struct outbox *ob);	/* free without writing anything */

/* outbox_fmt.c */
size_t ob_frame_encode(uint8_t *out, const struct ob_frame *h,
		       const void *payload);
/* Check the frame at @p (@avail bytes readable). 1 valid (*h filled),
 * 0 invalid, -1 needs more bytes than @avail (*need set). */
int ob_frame_decode(const uint8_t *p, size_t avail, uint32_t max_record,
		    struct ob_frame *h, size_t *need);
size_t ob_index_encode(struct outbox *ob, const struct ob_seg *s,
		       uint8_t **out);
int ob_index_decode(struct outbox *ob, struct ob_seg *s, const uint8_t *pl,
		    size_t len);
size_t ob_state_encode(struct outbox *ob, uint8_t **out);
struct ob_state_img {			/* a decoded state slot */
	uint64_t gen, next_id;
	uint32_t epoch;
	unsigned int n_ctrl, n_es;
	const uint8_t *names, *entries;	/* point into the slot buffer */
};
int ob_state_decode(const uint8_t *p, size_t len, struct ob_state_img *img);
/* Entry @i of @img: controller @c's cursor is cur[c] for c < n_ctrl. */
void ob_state_entry(const struct ob_state_img *img, unsigned int i,
		    uint32_t *epoch, uint16_t *stream, uint32_t *last,
		    uint32_t *cur);
/* Name of controller @c of @img in @out (NUL-terminated). */
void ob_state_name(const struct ob_state_img *img, unsigned int c,
		   char out[OUTBOX_NAME_MAX]);

/* A read window over a file: decode the frame at @pos (reading more as
 * needed, never past @to). 1 valid (*h filled, its payload at
 * w->buf + (pos - w->start) + OB_HDR), 0 not a frame or *err set. */
struct ob_window {
	uint8_t *buf;			/* ob_alloc'd, cap bytes */
	size_t cap, len;
	uint64_t start;
	const uint8_t *mem;		/* read from here instead of the file */
	size_t mem_len;
};
int ob_window_frame(struct outbox *ob, struct pf_file *f, struct ob_window *w,
		    uint64_t pos, uint64_t to, struct ob_frame *h, int *err);

/* The scanner: every valid frame in [@from, @to) of @f in order, with the
 * bad regions between them. @frame returns non-zero to stop (returned). */
struct ob_scan_cb {
	int (*frame)(void *ctx, uint64_t off, const struct ob_frame *h,
		     const uint8_t *payload);
	void (*bad)(void *ctx, uint64_t off, uint64_t len);
	void *ctx;
};
int ob_scan(struct outbox *ob, struct pf_file *f, uint64_t from,
	    uint64_t to, const struct ob_scan_cb *cb);

/* outbox.c, shared with outbox_mem.c */
int ob_timed_sync(struct outbox *ob, struct pf_file *f);
size_t ob_index_len(const struct ob_seg *s);
void ob_now_durable(struct outbox *ob);
int ob_move_to_new_segment(struct outbox *ob, int err);
/* outbox_mem.c: the memory tier */
int ob_mem_put(struct outbox *ob, const uint8_t *frame, size_t n,
	       const struct ob_frame *h, uint32_t last);
/* The unsynced records of the failed segment go to the memory tier. */
void ob_mem_take_pending(struct outbox *ob);
/* Write every memory segment to the device, in order. 0 or -errno. */
int ob_mem_write_all(struct outbox *ob);
void ob_mem_free_seg(struct outbox *ob, struct ob_seg *s);
/* Free memory segments every controller is done with. */
void ob_mem_delete_done(struct outbox *ob, int64_t now_wall);
bool ob_seg_done(const struct outbox *ob, const struct ob_seg *s,
		 int64_t now_wall);
/* Expired records of @s some controller had not acknowledged: reported
 * lost to those controllers; returns how many. */
uint64_t ob_report_expired(struct outbox *ob, const struct ob_seg *s,
			   int64_t now_wall);

/* outbox_iter.c: forget iterators on close. */
void ob_iters_detach(struct outbox *ob);
/* outbox_iter.c: full scan of @s, queueing what its index promised but
 * cannot be read as lost (once per segment and run). */
int ob_verify_segment(struct outbox *ob, struct ob_seg *s);

#endif
