/* SPDX-License-Identifier: MIT */
/*
 * agent/outbox.h - the persistent outbox: every reading message on the
 * board's storage until each controller that takes its stream has
 * acknowledged it, it expired, or it was reported lost (docs/OUTBOX.md).
 *
 * Pure logic over port/file.h and port/clock.h: no timers, no sockets. The
 * caller (the agent core) arms a loop timer for outbox_next_due_ms() and
 * calls outbox_poll(); nothing here blocks longer than one file operation.
 *
 * Identity. A record is (epoch, stream, seq). outbox_open() persists and
 * syncs a new epoch before it returns, so no (epoch, stream, seq) is ever
 * reused across runs; sequence numbers restart at 1 per epoch and stream.
 * Appends belong to the current epoch; older epochs are only replayed.
 *
 * Durability. outbox_append() write(2)s the record at once (a killed
 * process loses nothing accepted); fdatasync() follows by time/bytes
 * (sync_interval_ms, sync_bytes), at a segment's seal and at close. The
 * deadline runs from the oldest record not yet acknowledged by every
 * controller that takes it: a record all of them acked needs no sync, so
 * with the controllers keeping up the card sees a sync per segment and per
 * state write, not one a second. outbox_durable() tells which seqs are safe
 * (on the device, or acknowledged by all). After a failed sync the records
 * since the last good one are written again to a new segment (never a
 * retried fsync trusted); if that fails too the outbox degrades.
 *
 * Degraded. After ENOSPC (the oldest segment dropped and the write retried
 * once) or EIO (retried once in a fresh segment) that still fails, the
 * outbox keeps appending to its memory tier: segments of the same format
 * in RAM (mem_segment_bytes each), replayed, acknowledged and evicted like
 * the others (a dropped one is reported lost, exactly), bounded by
 * mem_max_bytes or by the caller through outbox_mem_evict(). outbox_append
 * then returns OUTBOX_MEMORY; the caller raises an alarm and calls
 * outbox_resume() now and then, which writes the memory segments to the
 * device in order and goes on there. The unsynced records of the failed
 * segment move to the memory tier too, so nothing accepted is dropped.
 * outbox_open_memory() runs the whole outbox in RAM (state_dir unusable).
 *
 * Ownership: the outbox owns everything it allocates; outbox_close() frees
 * it. Iterators belong to the caller (outbox_iter_close); a record's
 * payload belongs to its iterator and is valid until its next call. Strings
 * and the config are copied at open.
 *
 * Not thread-safe: call everything from one thread (the agent's loop).
 */
#ifndef AGENT_OUTBOX_H
#define AGENT_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct outbox;
struct outbox_iter;

#define OUTBOX_NAME_MAX 32	/* controller names, NUL included */

struct outbox_config {
	const char *dir;		/* the agent's state_dir: the outbox
					 * lives in @dir/outbox/ */
	uint64_t max_bytes;		/* total on disk; 0 = 64 MiB */
	uint8_t free_pct;		/* and at most this % of the free space
					 * (re-read at every new segment);
					 * 0 = 50, 100 = all of it */
	uint32_t segment_bytes;		/* target segment size; 0 = 1 MiB;
					 * at most max_bytes / 4 */
	uint32_t sync_interval_ms;	/* fdatasync at most this long after a
					 * record; 0 = after every record;
					 * default (OUTBOX_SYNC_DEFAULT) 1000 */
	uint32_t sync_bytes;		/* ... or once this much is unsynced;
					 * 0 = 32 KiB */
	uint32_t state_interval_ms;	/* persist moved cursors at most this
					 * long after an ack; 0 = 30 s */
	uint32_t max_record;		/* largest payload; 0 = 64 KiB */
	uint64_t quarantine_bytes;	/* cap of quarantine/; 0 = 4 MiB */
	uint32_t mem_segment_bytes;	/* memory tier segments; 0 = 16 KiB
					 * (at most segment_bytes) */
	uint64_t mem_max_bytes;		/* memory tier limit; 0 = none here
					 * (the caller evicts) */
	unsigned int n_ctrls;		/* 0..OUTBOX_MAX_CTRLS */
	const char *const *ctrl_names;	/* the cursor's key across restarts
					 * (a controller renamed starts over) */
	/* Does controller @ctrl take @stream? NULL = every controller takes
	 * every stream. Called often: keep it a table lookup. */
	bool (*takes)(void *ctx, unsigned int ctrl, uint16_t stream);
	void *ctx;
};
#define OUTBOX_SYNC_DEFAULT UINT32_MAX	/* sync_interval_ms: 1000 */
#define OUTBOX_MAX_CTRLS 64

/*
 * Recover (never refusing because of what is on disk: torn tails cut, bad
 * records skipped, unreadable files quarantined, bad state slots ignored),
 * then persist and sync the new epoch (*epoch, never 0). What was lost is
 * queued per controller (outbox_lost_next). Memory is proportional to the
 * number of segments and streams, not to the bytes held.
 * -EINVAL bad config; -ENOMEM; -EBUSY another process has the directory
 * (its lock file); the directory cannot be used at all
 * (-EACCES, -ENOENT its parent is missing, -EIO, -ENOSPC, -EMFILE) or the
 * epoch cannot be made durable (-EIO, -ENOSPC): run from memory, with an
 * alarm, under a random epoch.
 */
int outbox_open(const struct outbox_config *cfg, struct outbox **ob,
		uint32_t *epoch);
/* An outbox without a device (cfg->dir is ignored): every record lives in
 * the memory tier, outbox_stats().degraded = @why (< 0, the error that
 * made the directory unusable), outbox_resume() always fails. The epoch is
 * random (never 0): nothing persists it. -EINVAL, -ENOMEM. */
int outbox_open_memory(const struct outbox_config *cfg, int why,
		       struct outbox **ob, uint32_t *epoch);
/* A controller joins the running outbox (a reload added it) as index
 * *@ctrl (the next one): its cursor starts where a controller the state
 * file does not know starts at outbox_open(), at zero on every (epoch,
 * stream), so it is sent what is still held of the streams it takes.
 * @name is copied. -EINVAL bad name, -EEXIST a controller has that name,
 * -ENOSPC OUTBOX_MAX_CTRLS already, -ENOMEM (nothing changed). */
int outbox_add_ctrl(struct outbox *ob, const char *name, unsigned int *ctrl);
/* Sync, seal the current segment, persist the cursors, free everything
 * (iterators still open are detached: their next call returns -EBADF).
 * Returns 0 or the first error of those writes (the outbox is freed). */
int outbox_close(struct outbox *ob);

uint32_t outbox_epoch(const struct outbox *ob);

/*
 * Append one message of the current epoch. @seq must be the stream's last
 * appended seq + 1 (any value >= 1 for its first append in this run): a
 * seq that will never be written is declared with outbox_append_gap(), so
 * a hole in the log always means loss. @flags are the caller's (kept, given
 * back by the iterator). @lifetime_ms 0 = never expires; else the record
 * is not replayed (and stops holding its segment) after that much wall
 * time. Written at once; durable per the sync policy.
 * 0 written to the device; OUTBOX_MEMORY kept in the memory tier only
 * (degraded: outbox_stats().degraded says why); -EINVAL stream 0, seq out
 * of order; -EMSGSIZE payload > max_record; -ENOMEM (nothing stored).
 */
#define OUTBOX_MEMORY 1
int outbox_append(struct outbox *ob, uint16_t stream, uint32_t seq,
		  uint8_t flags, uint32_t lifetime_ms, const void *payload,
		  size_t len);
/* Declare seqs @first..@last of @stream (current epoch) as never coming:
 * replayed as a GAP record (OUTBOX_REC_GAP). Same ordering rule and
 * returns as outbox_append (the range must start at the stream's next
 * seq). */
int outbox_append_gap(struct outbox *ob, uint16_t stream, uint32_t first,
		      uint32_t last);

/* Highest seq of @stream in the current epoch up to which every record is
 * on the device or acknowledged by every controller that takes it (0 =
 * none). Readings above it can still be lost by a power cut: keep them in
 * memory until then or until acked. */
uint32_t outbox_durable(const struct outbox *ob, uint16_t stream);

/*
 * Controller @ctrl acknowledged everything up to @seq (cumulative, serial
 * arithmetic) on (@epoch, @stream). An ack that does not move forward is
 * ignored (0). Cheap: persistence and deletion happen in outbox_poll().
 * -EINVAL bad ctrl; -ENOENT nothing held or known of (@epoch, @stream);
 * -ERANGE beyond the last appended seq (the cursor moves to that last one).
 */
int outbox_ack(struct outbox *ob, unsigned int ctrl, uint32_t epoch,
	       uint16_t stream, uint32_t seq);

/* What @ctrl has acknowledged on (@epoch, @stream) as this outbox knows it
 * (after a restart: as persisted); 0 = nothing or unknown. */
uint32_t outbox_acked(const struct outbox *ob, unsigned int ctrl,
		      uint32_t epoch, uint16_t stream);

/* The work that is due: sync, delete acknowledged or expired segments
 * (after persisting the cursors), persist moved cursors. 0, or the error
 * that degraded the outbox (-ENOSPC, -EIO), also returned while degraded. */
int outbox_poll(struct outbox *ob);
/* clock_mono_ms() time of the next work for outbox_poll(); UINT64_MAX if
 * none. May be now or in the past. */
uint64_t outbox_next_due_ms(const struct outbox *ob);
/* Sync now (before a planned power-off). 0, -EIO, -ENOSPC. */
int outbox_sync(struct outbox *ob);
/* Leave the degraded state if the device works again: the memory tier's
 * segments are written to the device (in order, synced, indexed), then a
 * new segment is made and synced. 0 (also when not degraded), -ENOSPC,
 * -EIO (still degraded; what was written so far stays written). */
int outbox_resume(struct outbox *ob);

/* --- the memory tier -------------------------------------------------------- */
/* Bytes the memory tier holds (segment buffers; what a memory budget
 * charges). */
uint64_t outbox_mem_bytes(const struct outbox *ob);
/* Drop the oldest memory segment, reporting what it held that some
 * controller had not acknowledged as lost. Returns the bytes freed (0 if
 * the tier is empty). */
uint64_t outbox_mem_evict(struct outbox *ob);

/* --- replay ------------------------------------------------------------------
 * An iterator walks the log oldest first for one controller and yields the
 * records it has not acknowledged, of the streams it takes and @want
 * accepts (NULL = all), skipping expired ones and duplicates; per
 * (epoch, stream) order is kept. Interleaving: open one iterator per
 * class with disjoint @want sets (alarm-class streams, the rest) and take
 * from the alarm one first; whole segments without a wanted, unacked
 * stream are skipped from the index without reading them.
 */
enum outbox_rec_type {
	OUTBOX_REC_DATA = 2,
	OUTBOX_REC_GAP = 3,	/* seq..last declared never coming */
	OUTBOX_REC_EXPIRED = 4,	/* seq..last not acknowledged and past its
				 * lifetime: never sent (tell the controller) */
};

struct outbox_rec {
	enum outbox_rec_type type;
	uint32_t epoch;
	uint16_t stream;
	uint32_t seq;		/* GAP: first */
	uint32_t last;		/* GAP: last (DATA: = seq) */
	uint8_t flags;
	int64_t expire_wall_ms;	/* 0 = never */
	const uint8_t *payload;	/* owned by the iterator (DATA) */
	size_t len;
};

#define OUTBOX_ITER_FOLLOW 0x1u	/* go on into records appended after the
				 * open (default: stop at the end as it
				 * was at open) */
#define OUTBOX_ITER_LAST 0x2u	/* start at the most recently appended
				 * record instead of the oldest (a caller
				 * that sent everything before it) */

/* -EINVAL bad ctrl or flags, -ENOMEM. */
int outbox_iter_open(struct outbox *ob, unsigned int ctrl,
		     bool (*want)(void *ctx, uint16_t stream), void *ctx,
		     unsigned int flags, struct outbox_iter **it);
/* The next record: 0; -ENOENT none now (a FOLLOW iterator sees later
 * appends on the next call); -EBADF the outbox was closed; -ENOMEM.
 * Unreadable records are skipped and what they held is queued as lost. */
int outbox_iter_next(struct outbox_iter *it, struct outbox_rec *rec);
void outbox_iter_close(struct outbox_iter *it);

/* --- loss ------------------------------------------------------------------- */
struct outbox_range {
	uint32_t epoch;
	uint16_t stream;
	uint32_t first, last;	/* inclusive, serial arithmetic */
};
/* Pop the oldest range @ctrl lost (evicted by the budget or a full disk,
 * unreadable, cut by a power loss and known from another controller's
 * ack): what a GAP message carries. 0, -ENOENT none, -EINVAL bad ctrl.
 * Ranges found at start are found again at the next start until acked
 * past (GAP is idempotent). */
int outbox_lost_next(struct outbox *ob, unsigned int ctrl,
		     struct outbox_range *r);
/* @ctrl will never be sent what it has not acknowledged (removed from the
 * configuration): its cursor moves over everything held, and @cb gets each
 * (epoch, stream) range it skipped. 0, -EINVAL bad ctrl. */
int outbox_drop(struct outbox *ob, unsigned int ctrl,
		void (*cb)(void *ctx, const struct outbox_range *r), void *ctx);
/* For HELLO's "low": for every (epoch, stream) @ctrl takes whose lowest
 * seq still held is above its cursor + 1, call @cb with that lowest seq.
 * Returns 0, or the first non-zero @cb return; -EINVAL bad ctrl. */
int outbox_low(const struct outbox *ob, unsigned int ctrl,
	       int (*cb)(void *ctx, uint32_t epoch, uint16_t stream,
			 uint32_t low),
	       void *ctx);

/* --- status ----------------------------------------------------------------- */
#define OUTBOX_HIST_N 11	/* fdatasync ms: <1 <2 <5 <10 <20 <50 <100
				 * <200 <500 <1000 >=1000 */
struct outbox_stats {
	uint32_t epoch;
	int degraded;			/* 0, -ENOSPC or -EIO */
	unsigned int segments;
	uint64_t bytes;			/* segment files, on disk */
	uint64_t budget;		/* current limit (bytes, free share) */
	uint64_t heap_bytes;		/* heap held by the outbox + iterators
					 * (tables, buffers; not the tier) */
	/* this run */
	uint64_t appended, appended_bytes;	/* records, frame bytes */
	uint64_t durable_seg, durable_off;	/* position known synced */
	uint64_t written_seg, written_off;	/* position written */
	uint64_t syncs, sync_errors, write_errors, enospc;
	uint64_t sync_skipped;		/* records acked by all before their
					 * sync was due: never synced */
	uint32_t sync_hist[OUTBOX_HIST_N];
	uint32_t sync_max_ms, sync_last_ms;
	uint64_t sync_total_ms;		/* / (syncs + sync_errors): the mean */
	uint64_t unsynced_bytes;	/* written, not yet durable */
	uint64_t unsynced_ms;		/* age of the oldest of them */
	uint64_t state_writes, state_errors;
	uint64_t segs_deleted, segs_evicted, expired;
	/* the memory tier */
	unsigned int mem_segments;
	uint64_t mem_bytes;		/* outbox_mem_bytes() */
	uint64_t mem_appended;		/* records kept in memory only */
	uint64_t mem_evicted;		/* memory segments dropped */
	uint64_t mem_written;		/* memory segments written to the
					 * device by outbox_resume() */
	uint64_t resumes;
	/* recovery (at open) */
	uint64_t recovery_ms;
	uint64_t recovered_segments, recovered_bytes, scanned_bytes;
	uint64_t torn_bytes;		/* cut from segment tails */
	uint64_t bad_regions, bad_bytes;	/* skipped inside segments */
	uint64_t quarantined, quarantine_deleted, empty_removed;
	unsigned int state_slots_bad;	/* 0..2 unreadable at open */
	bool state_lost;		/* no valid slot, yet files existed */
};
void outbox_stats(const struct outbox *ob, struct outbox_stats *st);

struct outbox_ctrl_stats {
	uint64_t lost_ranges, lost_records;	/* queued so far */
	unsigned int lost_pending;		/* ranges not popped yet */
	uint64_t acks, acks_beyond;
};
int outbox_ctrl_stats(const struct outbox *ob, unsigned int ctrl,
		      struct outbox_ctrl_stats *st);

#endif
