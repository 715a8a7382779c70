/* SPDX-License-Identifier: MIT */
/*
 * tests/fake/fake.h - the fake port every agent unit test links against.
 *
 * The fakes implement port/clock.h, port/loop.h, port/sctp.h, port/file.h
 * and port/log.h without a single syscall, plus the test-side controls
 * declared here. Link what you use (tests/unit/port.mk shows the sets):
 *   fake_clock.o                      clock
 *   fake_loop.o   + fake_clock.o      loop (timers run on the fake clock)
 *   fake_sctp.o   + fake_loop.o + fake_clock.o + port/netaddr.o
 *                 + port/sctp_names.o (ps_*_name, shared by all ports)
 *   fake_file.o, fake_log.o           stand alone
 *
 * All state is process-global and deterministic. Call the resets (or
 * fake_reset_all() at the end) in every test's setup or teardown: it frees
 * whatever the fakes still hold, so ASan sees no leak.
 *
 * Misuse that a real port would turn into memory corruption (a call on a
 * closed endpoint, moving the monotonic clock back, a timer callback that
 * re-arms itself at "now" forever) prints a message and abort()s, so the
 * bug shows up as a failing test rather than as silence.
 */
#ifndef TESTS_FAKE_H
#define TESTS_FAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/clock.h"
#include "port/file.h"
#include "port/log.h"
#include "port/loop.h"
#include "port/netaddr.h"
#include "port/sctp.h"


/* --- clock (fake_clock.c) ------------------------------------------------
 * clock_mono_ms() starts at FAKE_CLOCK_START_MS, not 0, so code that uses 0
 * as "never" is caught. clock_wall_ms() = mono + wall offset (default:
 * FAKE_CLOCK_WALL_MS at start). clock_random() is a xorshift32 with a fixed
 * default seed: the same test always sees the same "random" numbers.
 */
#define FAKE_CLOCK_START_MS 1000000ull
#define FAKE_CLOCK_WALL_MS 1700000000000ll	/* 2023-11-14T22:13:20Z */
#define FAKE_CLOCK_SEED 0x2545f491u

void fake_clock_reset(void);		/* start values, default seed */
void fake_clock_set(uint64_t ms);	/* abort()s if ms < now */
void fake_clock_advance(uint64_t ms);	/* clock only: no timer runs */
/* Wall clock = mono + offset; a change models an NTP step. */
void fake_clock_set_wall_offset(int64_t offset_ms);
void fake_clock_set_wall(int64_t wall_ms);	/* offset so wall = @wall_ms now */
/* clock_wall_synced() (default 1 = synchronized), apart from both clocks. */
void fake_clock_set_synced(bool on);
void fake_clock_seed(uint32_t seed);	/* 0 is replaced by the default */

/* --- loop (fake_loop.c) --------------------------------------------------
 * Timers run on the fake clock, only when the test says so:
 *   fake_loop_advance() moves the clock forward step by step, setting it
 *   to each due time and firing every timer due by then in (due, arm
 *   order); a periodic timer fires once per period, from its due time, so
 *   it never drifts. Callbacks may arm/stop/free timers (their own too);
 *   a timer armed for a time inside the window fires within the same call.
 *
 *   loop_run_once(l, timeout) never moves the clock and ignores the
 *   timeout: it delivers queued signals, then every watched fd that is
 *   ready (see below), then the timers due now that were armed before the
 *   call began. Returns the number of callbacks run (0 = idle).
 *
 *   loop_run() repeats loop_run_once() until loop_stop() or idle.
 *
 * Fd readiness is a level in a process-wide table: fake_fd_set_ready(fd,
 * LOOP_IN) keeps fd readable for every loop_run_once() until it is cleared.
 * The SCTP fake maintains it for its endpoints' fds (readable while events
 * are queued, writable unless fake_sctp_set_writable(ep, false)), so an
 * agent that watches ps_fd() is driven just as by epoll. A one-shot
 * notification without a level is fake_loop_fire_fd().
 */
uint64_t fake_loop_advance(struct loop *l, uint64_t ms); /* returns fires */
/* Advance exactly to the next armed timer's due time and fire what is due
 * then. Returns fires, 0 when no timer is armed (the clock stays put). */
uint64_t fake_loop_advance_to_next(struct loop *l);
/* Call @fd's callback now with @events (masked to what it watches, plus
 * LOOP_ERR). 0, or -ENOENT if @fd is not watched. */
int fake_loop_fire_fd(struct loop *l, int fd, uint32_t events);
/* The LOOP_* events @fd is watched for, or -ENOENT. */
int fake_loop_watched(const struct loop *l, int fd);
unsigned int fake_loop_nwatches(const struct loop *l);
/* Armed timers, and the earliest due time (UINT64_MAX if none). */
unsigned int fake_loop_armed_timers(const struct loop *l);
uint64_t fake_loop_next_due(const struct loop *l);
/* Queue @sig for the next loop_run_once(). 0, or -ENOENT if no callback
 * was given with loop_signal() (a real process would take the default
 * action), -EINVAL not a loop_sig. */
int fake_loop_raise(struct loop *l, enum loop_sig sig);

/* Process-wide fd readiness (level), used by fake_loop_run_once(). */
void fake_fd_set_ready(int fd, uint32_t events);
uint32_t fake_fd_ready(int fd);
/* A fresh fake fd number (>= FAKE_FD_BASE), never a real descriptor. */
#define FAKE_FD_BASE 1000
int fake_fd_alloc(void);
void fake_fd_reset(void);		/* clears readiness and numbering */

/* --- sctp (fake_sctp.c) --------------------------------------------------
 * ps_open() makes an endpoint with a fake fd; ps_close() marks it closed
 * but keeps its records for inspection until fake_sctp_reset().
 *
 * Associations: ps_connect() gives ids 1, 2, 3 ... per endpoint, state
 * CONNECTING. Pushing an ASSOC_CHANGE event (helpers or push_event) also
 * sets the state: COMM_UP / RESTART -> UP (an unknown id is created, as an
 * incoming association would be); COMM_LOST / SHUTDOWN_COMP /
 * CANT_STR_ASSOC -> DOWN. A send with PS_SEND_EOF -> SHUTTING_DOWN (on a
 * CONNECTING association: deleted, state NONE, as Linux deletes it without
 * any event), with PS_SEND_ABORT -> DOWN. The fake never invents events:
 * the test scripts every one (e.g. the COMM_LOST that follows an ABORT).
 *
 * ps_send rules: unknown or deleted assoc -ENOENT; DOWN -ENOTCONN; SHUTTING_DOWN
 * -EPIPE; CONNECTING or UP accepted (the kernel queues data during the
 * handshake); stream >= negotiated out streams (once UP) -EINVAL; unknown
 * flags or EOF|ABORT -EINVAL; len > fake_sctp_set_max_send() -EMSGSIZE;
 * not writable -EAGAIN (never for an ABORT or an EOF without data, which
 * need no buffer room on Linux either). PS_SEND_SENDALL reaches every UP association (as
 * Linux, which skips those not ESTABLISHED) and returns 0 even if none.
 *
 * Every accepted message is logged once per recipient (a SENDALL to three
 * associations makes three entries, each with .assoc set and .call the
 * same). Every call of the other functions is logged with its arguments
 * and return value, failed calls included.
 */
/* Wire mode (off by default; fake_sctp_reset() turns it off): endpoints of
 * the process talk to each other as over loopback (fake_sctp.c, the end),
 * for the port conformance suite. Scripted events still work beside it. */
#define FAKE_WIRE_RWND (64u * 1024u)	/* unread DATA a receiver holds */
#define FAKE_WIRE_SNDBUF (64u * 1024u)	/* queued at a sender, then -EAGAIN */
void fake_sctp_wire(bool on);

enum fake_sctp_op {
	FAKE_SCTP_OPEN,
	FAKE_SCTP_CONNECT,
	FAKE_SCTP_SEND,
	FAKE_SCTP_RECV,
	FAKE_SCTP_SET_PRIMARY,
	FAKE_SCTP_SET_PATH_PARAMS,
	FAKE_SCTP_PATHS,
	FAKE_SCTP_BIND_CHANGE,
	FAKE_SCTP_STREAM_PRIO,
	FAKE_SCTP_AUTH,			/* faults only: auth_setup, key_set, key */
	FAKE_SCTP_OUT_STREAMS,		/* ps_set_out_streams (.stream = n) */
	FAKE_SCTP_NOPS
};

enum fake_assoc_state {
	FAKE_ASSOC_NONE = 0,		/* no such association */
	FAKE_ASSOC_CONNECTING,
	FAKE_ASSOC_UP,
	FAKE_ASSOC_SHUTTING_DOWN,
	FAKE_ASSOC_DOWN,
};

/* One delivered message (ps_send payload copied; owned by the fake). */
struct fake_sctp_msg {
	struct ps_sndinfo si;	/* as passed */
	ps_assoc_id assoc;	/* the recipient (for SENDALL too) */
	unsigned int call;	/* index of the ps_send() call (0-based) */
	uint64_t at_ms;		/* clock_mono_ms() at the call */
	const uint8_t *buf;
	size_t len;
	int auth_key;		/* active AUTH key id at the send; -1 = no AUTH */
};

/* One call of ps_connect/set_primary/set_path_params/paths/bind_change
 * (ps_send and ps_recv are only counted). Fields unused by @op are 0. */
struct fake_sctp_call {
	enum fake_sctp_op op;
	int ret;			/* what the call returned */
	ps_assoc_id assoc;		/* argument, or the id connect gave */
	struct net_addr addrs[PS_MAX_ADDRS];	/* connect; [0] = peer/local */
	unsigned int n_addrs;
	bool has_peer;			/* set_path_params: @peer != NULL */
	bool add;			/* bind_change */
	struct ps_path_params params;	/* set_path_params */
	uint16_t stream, prio;		/* set_stream_prio; set_out_streams */
	uint64_t at_ms;
};

/* Endpoints: the latest one ps_open() returned (closed or not), NULL if
 * none since the reset; all of them by open order. */
struct ps_ep *fake_sctp_last_ep(void);
struct ps_ep *fake_sctp_ep(unsigned int i);
unsigned int fake_sctp_nep(void);
bool fake_sctp_closed(const struct ps_ep *ep);
/* The ps_config given to ps_open (local[] and encap[] point into the
 * fake's copies). ps_transport_of() says UDP when it asked for UDP. */
const struct ps_config *fake_sctp_config(const struct ps_ep *ep);
/* ps_stats.stack_bytes from now on (a userspace stack's buffers). */
void fake_sctp_set_stack_bytes(struct ps_ep *ep, uint64_t n);
/* Local addresses now bound: config plus/minus ps_bind_change(). */
unsigned int fake_sctp_nlocal(const struct ps_ep *ep);
const struct net_addr *fake_sctp_local(const struct ps_ep *ep, unsigned i);

/* Call counts per op (failed calls included); @ep NULL = all endpoints
 * (the only way to count FAKE_SCTP_OPEN). */
unsigned int fake_sctp_ncalls(const struct ps_ep *ep, enum fake_sctp_op op);
/* The @i-th (0-based) logged call of @op, or NULL. */
const struct fake_sctp_call *fake_sctp_call(const struct ps_ep *ep,
					    enum fake_sctp_op op,
					    unsigned int i);
const struct fake_sctp_call *fake_sctp_last_call(const struct ps_ep *ep,
						 enum fake_sctp_op op);

/* Delivered messages, in order; NULL out of range. */
unsigned int fake_sctp_nsent(const struct ps_ep *ep);
unsigned int fake_sctp_nsent_to(const struct ps_ep *ep, ps_assoc_id assoc);
const struct fake_sctp_msg *fake_sctp_sent(const struct ps_ep *ep,
					   unsigned int i);
const struct fake_sctp_msg *fake_sctp_last_send(const struct ps_ep *ep);
void fake_sctp_clear_sent(struct ps_ep *ep);	/* message log only */

/* Associations. */
enum fake_assoc_state fake_sctp_assoc_state(const struct ps_ep *ep,
					    ps_assoc_id assoc);
/* The primary set by ps_set_primary() or MADE_PRIM, else the first
 * address; NULL for an unknown assoc. */
const struct net_addr *fake_sctp_primary(const struct ps_ep *ep,
					 ps_assoc_id assoc);
/* Create an incoming association (listen side) in CONNECTING; returns
 * its id. Push COMM_UP to bring it up. */
ps_assoc_id fake_sctp_accept(struct ps_ep *ep, const struct net_addr *addrs,
			     unsigned int n);
/* What ps_paths() reports for @assoc. Until set, one path per connect
 * address: ACTIVE when UP (else UNCONFIRMED), primary flagged, srtt 10,
 * rto 1000, cwnd 4380, mtu 1500. -ENOENT, -EINVAL n > PS_MAX_ADDRS. */
int fake_sctp_set_paths(struct ps_ep *ep, ps_assoc_id assoc,
			const struct ps_path_info *p, unsigned int n);

/* Heartbeats as Linux counts them: ps_set_primary() queues MADE_PRIM
 * (as sctp_assoc_set_primary() does for every set); an hb_now to an
 * address whose previous hb_now is unanswered (each is answered one srtt
 * later, ps_paths()' srtt_ms, default 10) is a strike, and an address
 * given a pf_threshold goes PF (event queued) once its strikes exceed
 * it. The strikes counted on @peer since its last answered heartbeat: */
unsigned int fake_sctp_hb_strikes(const struct ps_ep *ep, ps_assoc_id assoc,
				  const struct net_addr *peer);

/* Scripted events, returned by ps_recv() in push order. Payloads (data,
 * send_failed, remote_error buf) are copied. Events with DATA larger than
 * cfg.max_msg (if non-zero) are dropped by ps_recv and counted. */
void fake_sctp_push_event(struct ps_ep *ep, const struct ps_event *ev);
unsigned int fake_sctp_pending(const struct ps_ep *ep);
void fake_sctp_assoc_change(struct ps_ep *ep, ps_assoc_id assoc,
			    enum ps_assoc_state state);
/* COMM_UP with out/in streams from the config (10 when 0) and
 * PS_FEAT_PR | PS_FEAT_ASCONF | PS_FEAT_RECONFIG. */
void fake_sctp_comm_up(struct ps_ep *ep, ps_assoc_id assoc);
void fake_sctp_comm_lost(struct ps_ep *ep, ps_assoc_id assoc);
void fake_sctp_data(struct ps_ep *ep, ps_assoc_id assoc, uint16_t stream,
		    uint32_t ppid, const void *buf, size_t len);
void fake_sctp_send_failed(struct ps_ep *ep, ps_assoc_id assoc,
			   const struct ps_sndinfo *si, const void *buf,
			   size_t len, bool unsent);
/* Push a SEND_FAILED for logged message @i with the sndinfo and payload
 * ps_send() was given. 0, or -ENOENT if there is no message @i. */
int fake_sctp_fail_sent(struct ps_ep *ep, unsigned int i, bool unsent);
void fake_sctp_paddr(struct ps_ep *ep, ps_assoc_id assoc,
		     const struct net_addr *addr, enum ps_addr_state state);

/* Faults. The next @count calls of @op (any endpoint) return @err (< 0)
 * without effect; they are still counted/logged. count 0 clears. */
void fake_sctp_fail_next(enum fake_sctp_op op, int err, unsigned int count);
/* Not writable: ps_send -EAGAIN and the fd loses LOOP_OUT; writable again
 * sets LOOP_OUT so a watching agent is woken. Default writable. */
void fake_sctp_set_writable(struct ps_ep *ep, bool writable);
void fake_sctp_set_max_send(struct ps_ep *ep, size_t max); /* 0 = none */
/* A link of limited rate: the next @n sends are accepted, then the socket
 * is full (-EAGAIN, no LOOP_OUT) until the budget is set again; n < 0 =
 * no budget (writable), 0 = full now. */
void fake_sctp_set_send_budget(struct ps_ep *ep, int64_t n);

/* SCTP-AUTH. Like Linux: every association starts with key 0 (empty)
 * active; ps_auth_key never deactivates or deletes the active key
 * (-EINVAL) and refuses to activate a deactivated one; the keys and the
 * active id survive a RESTART. Before ps_auth_setup() the AUTH calls
 * return -EACCES (net.sctp.auth_enable = 0). After it, COMM_UP events
 * from the helpers carry PS_FEAT_AUTH, and the peer's chunk list is the
 * endpoint's own (a peer like us) unless set. Every logged message
 * records the key id active when it was sent (fake_sctp_msg.auth_key).
 * ps_assoc_pending() reports what fake_sctp_set_pending() said (0 = dry);
 * fake_sctp_sender_dry() sets 0 and pushes a SENDER_DRY event. */
#define FAKE_AUTH_KEYS 8
struct fake_auth_key {
	uint16_t id;
	size_t len;
	uint8_t key[128];
	bool deactivated;
};
bool fake_sctp_auth_enabled(const struct ps_ep *ep);
unsigned int fake_sctp_auth_required(const struct ps_ep *ep, uint8_t *out,
				     unsigned int max);
/* The peer's list for @assoc (@n = -1: back to the endpoint's own). */
int fake_sctp_set_peer_auth(struct ps_ep *ep, ps_assoc_id assoc,
			    const uint8_t *chunks, int n);
const struct fake_auth_key *fake_sctp_key(const struct ps_ep *ep,
					  ps_assoc_id assoc, uint16_t id);
unsigned int fake_sctp_nkeys(const struct ps_ep *ep, ps_assoc_id assoc);
int fake_sctp_active_key(const struct ps_ep *ep, ps_assoc_id assoc);
void fake_sctp_set_pending(struct ps_ep *ep, ps_assoc_id assoc,
			   unsigned int chunks);
void fake_sctp_auth_event(struct ps_ep *ep, ps_assoc_id assoc,
			  uint32_t indication, uint16_t key);
void fake_sctp_sender_dry(struct ps_ep *ep, ps_assoc_id assoc);

/* Free every endpoint and clear faults. */
void fake_sctp_reset(void);

/* --- files (fake_file.c) -------------------------------------------------
 * An in-memory file system that knows what is durable (the header of
 * fake_file.c has the model): a write reaches the page cache, pf_datasync()
 * the device, a name change is durable after pf_sync_dir() of its parent.
 * A failed pf_datasync() drops the dirty pages without writing them, as
 * Linux does, and readers see the device's bytes for them from then on. Parent directories must exist for pf_open(PF_CREATE),
 * pf_mkdir(), pf_rename() and pf_write_atomic(), as on Linux; "/" and "."
 * always exist. fake_file_put*() create their parents and are durable at
 * once (fixtures). pf_write_atomic keeps an existing mode, new files get
 * 0600, and it is durable when it returns 0.
 */
enum fake_file_op { FAKE_FILE_READ, FAKE_FILE_MODE, FAKE_FILE_WRITE };

/* Create or replace a NUL-terminated file / a binary one. */
void fake_file_put(const char *path, const char *content, uint32_t mode);
void fake_file_put_bin(const char *path, const void *buf, size_t len,
		       uint32_t mode);
void fake_file_mkdir_p(const char *path);	/* durable, with parents */
/* Content as readers see it (NUL-terminated, owned by the fake) or NULL if
 * absent or a directory. */
const char *fake_file_get(const char *path, size_t *len);
bool fake_file_exists(const char *path);	/* file or directory */
void fake_file_remove(const char *path);	/* at once, durably */
/* XOR one byte of @path, in the cache and on the device (bit rot). 0, or
 * -ENOENT (no such file, or @off beyond its end). */
int fake_file_corrupt(const char *path, uint64_t off, uint8_t xor_mask);
/* Cut or zero-extend @path to @size, durably. 0 or -ENOENT. */
int fake_file_set_size(const char *path, uint64_t size);
/* Bytes of @path on the device (what a power cut would leave). */
size_t fake_file_durable_len(const char *path);
/* The next call of @op (whole-file functions) returns @err, no effect. */
void fake_file_fail_next(enum fake_file_op op, int err);
/* The next pf_write_atomic stores only the first @prefix bytes (a torn
 * write on a filesystem that broke the rename's promise) and returns
 * -EIO. */
void fake_file_torn_next(size_t prefix);
unsigned int fake_file_writes(const char *path); /* successful + torn */
/* Credential files (pf_read_cred/pf_check_cred) follow the real rules on
 * these attributes: owner (default root) against the process's user
 * (fake_file_set_euid, default 0), and what the path is. Setting the
 * attributes of a missing path creates it (empty). pf_free_secret zeroes
 * the buffer; fake_file_live_secrets() counts buffers not yet freed. */
enum fake_file_type { FAKE_FILE_REG, FAKE_FILE_DIR, FAKE_FILE_SYMLINK, FAKE_FILE_FIFO };
void fake_file_set_attr(const char *path, uint32_t uid, enum fake_file_type type);
void fake_file_set_euid(uint32_t uid);
unsigned int fake_file_live_secrets(void);
/* Every open, read and listing of @path fails with @err (an unreadable
 * file or directory); NULL clears. */
void fake_file_fail_path(const char *path, int err);
/* File bytes the "disk" holds at most (sum of file sizes); a write beyond
 * stores what fits and fails -ENOSPC. 0 = unlimited (1 TiB reported). */
void fake_file_set_capacity(uint64_t bytes);

/* Mutating calls are numbered from 1: pf_open that creates, pf_append,
 * pf_pwrite, pf_truncate, pf_datasync, pf_mkdir, pf_sync_dir, pf_unlink,
 * pf_rename. fake_file_ops() is the number of the last one. */
enum fake_file_opkind {
	FAKE_OP_CREATE, FAKE_OP_WRITE, FAKE_OP_TRUNCATE, FAKE_OP_SYNC,
	FAKE_OP_MKDIR, FAKE_OP_SYNC_DIR, FAKE_OP_UNLINK, FAKE_OP_RENAME,
	FAKE_OP_NKINDS
};
enum fake_fault_kind {
	FAKE_FAULT_ERR,		/* return @err (< 0; 0 = -EIO), no effect;
				 * on pf_datasync the pages are dropped */
	FAKE_FAULT_SHORT,	/* write: the first @n bytes reach the cache,
				 * then @err (0 = -ENOSPC) */
	FAKE_FAULT_TORN,	/* write: the first @n bytes reach the device,
				 * then the power is cut (-EIO) */
	FAKE_FAULT_CRASH,	/* the power is cut before the call (-EIO) */
};
/* Attach a fault to mutating call number @op (1-based; up to 16 pending).
 * 0, -ENOSPC too many. Cleared by a power cycle or the reset. */
int fake_file_fault_at(unsigned long op, enum fake_fault_kind kind, int err,
		       size_t n);
void fake_file_clear_faults(void);
/* A failing device: every mutating call returns @err (< 0) without effect
 * (a failed pf_datasync drops its pages, as above) until
 * fake_file_fail_all(0) or the reset; reads still work. */
void fake_file_fail_all(int err);
unsigned long fake_file_ops(void);
/* What call number @op was; FAKE_OP_NKINDS if none yet. */
enum fake_file_opkind fake_file_op_kind(unsigned long op);
unsigned long fake_file_count(enum fake_file_opkind k);
uint64_t fake_file_bytes_written(void);	/* bytes that reached the cache */
/* After a cut every call fails -EIO (the process is dead) until: */
bool fake_file_crashed(void);
void fake_file_crash_now(void);
enum fake_crash_mode {
	FAKE_CRASH_LOSE_UNSYNCED,	/* nothing unsynced survives */
	FAKE_CRASH_RANDOM,		/* each dirty page / size / name change
					 * survives or not, from @seed */
	FAKE_CRASH_PROCESS,		/* kill -9, not a power cut: the page
					 * cache and every name survive */
};
/* Power on again: only the device survives (@mode), open handles go stale
 * (every call -EIO; pf_close frees them), faults are cleared. A kill -9 is
 * fake_file_crash_now(), freeing the process's objects (their calls fail),
 * then fake_file_power_cycle(FAKE_CRASH_PROCESS, 0). */
void fake_file_power_cycle(enum fake_crash_mode mode, uint32_t seed);
unsigned int fake_file_open_handles(void);	/* not stale */
void fake_file_reset(void);

/* --- log (fake_log.c) ----------------------------------------------------
 * port_log_write() keeps the last FAKE_LOG_LINES lines (each cut to
 * FAKE_LOG_LINE_MAX - 1 bytes). Set FAKE_LOG_ECHO=1 in the environment to
 * also see them on stderr.
 */
#define FAKE_LOG_LINES 512
#define FAKE_LOG_LINE_MAX 512

bool fake_log_contains(const char *substr);	/* any kept line */
unsigned int fake_log_count_matching(const char *substr);
unsigned int fake_log_count(void);	/* lines since the last clear */
const char *fake_log_line(unsigned int i);	/* i-th oldest kept; NULL */
int fake_log_level(unsigned int i);		/* its level; -1 */
void fake_log_clear(void);

/* --- netlink (fake_netlink.c) -------------------------------------------
 * pn_open() makes one socket with a fake fd (the latest is the one the
 * helpers push to); pushed events come out of pn_recv() in order and keep
 * the fd readable while queued. */
#include "port/netlink.h"
void fake_nl_push(const struct pn_event *ev);
void fake_nl_link(const char *ifname, uint32_t ifindex, bool up);
void fake_nl_addr(uint32_t ifindex, const struct net_addr *a, bool add);
unsigned int fake_nl_dumps(void);	/* pn_request_dump() calls */
/* The next pn_recv() returns -ENOBUFS (events lost, as on an overrun). */
void fake_nl_overrun(void);
/* Push the PN_DUMP_DONE that ends a dump's answer. */
void fake_nl_dump_done(void);
void fake_nl_fail_open(int err);	/* next pn_open()s return err; 0 = ok */

/* --- worker (fake_worker.c) ---------------------------------------------
 * Jobs wait until fake_worker_run() runs them (fn, then done) in
 * submission order over every worker. fake_worker_hang() starts the
 * oldest waiting job and never lets it return (a read stuck in the
 * kernel): its worker takes no more jobs, and worker_destroy() on it
 * returns -ETIMEDOUT. */
unsigned int fake_worker_run(void);	/* jobs run */
unsigned int fake_worker_pending(void);	/* waiting, over every worker */
bool fake_worker_hang(void);		/* false if no job waits */
unsigned int fake_worker_count(void);	/* workers alive */
unsigned int fake_worker_gave_up(void);	/* destroys that returned -ETIMEDOUT */
void fake_worker_reset(void);		/* frees every worker */

/* --- notify (fake_notify.c) ---------------------------------------------
 * A service manager that records every notify_send() message (copied).
 * Until fake_notify_setup(true, ...) there is none: notify_open() gives
 * NULL, as with $NOTIFY_SOCKET unset. */
#define FAKE_NOTIFY_MSGS 4096
/* present: $NOTIFY_SOCKET set; wd_usec: $WATCHDOG_USEC (0 = none);
 * open_err: what notify_open() returns (0 = success). */
void fake_notify_setup(bool present, uint64_t wd_usec, int open_err);
/* The next @count sends return @err (< 0) and record nothing. */
void fake_notify_fail_next(int err, unsigned int count);
unsigned int fake_notify_count(void);
const char *fake_notify_msg(unsigned int i);	/* NULL out of range */
uint64_t fake_notify_at(unsigned int i);	/* clock_mono_ms() at send */
unsigned int fake_notify_count_matching(const char *substr);
/* Index of the first message from @from containing @substr, or -1. */
int fake_notify_find(const char *substr, unsigned int from);
bool fake_notify_is_open(void);		/* opened and not closed */
void fake_notify_reset(void);

/* --- the status socket (fake_ctlsock.c) ----------------------------------
 * No socket: ctl_listen() records the handler; fake_ctl_request() asks it
 * as a client would (0 and a malloc()ed reply, -EPROTO refused,
 * -ECONNREFUSED nobody listens). */
int fake_ctl_request(const char *req, uint8_t **reply, size_t *len);
void fake_ctl_listen_fail(int err);	/* the next ctl_listen() only */
const char *fake_ctl_path(void);	/* the listening path, or NULL */
size_t fake_ctl_reply_max(void);	/* its reply limit now, or 0 */

/* --- resolve (fake_resolve.c) --------------------------------------------
 * Host name lookups answered from a table, on the fake loop: each answer
 * comes from a loop timer @delay ms after resolve_start() (default 0: the
 * next dispatch). An unknown name answers -ENOENT (NXDOMAIN); a name with
 * addresses but none of the family asked, -ENODATA; a hanging name,
 * -ETIMEDOUT once the resolver's timeout_ms is over. Queries of unknown
 * names are not counted. */
#include "port/resolve.h"
/* @status 0 with @n addresses, or the error every lookup of @name gets. */
void fake_resolve_set(const char *name, int status, const struct net_addr *addrs,
		      unsigned int n);
void fake_resolve_hang(const char *name);
void fake_resolve_set_delay(uint32_t ms);
void fake_resolve_fail_start(int err);	/* the next resolve_start() only */
unsigned int fake_resolve_queries(const char *name);
enum resolve_family fake_resolve_last_family(const char *name);
unsigned int fake_resolve_pending(void);
void fake_resolve_reset(void);

/* Reset every fake; only the fakes a test links may be reset, so this is
 * inline and each test calls the resets it needs (or this one). */
static inline void fake_reset_all(void)
{
	fake_clock_reset();
	fake_fd_reset();
	fake_sctp_reset();
	fake_file_reset();
	fake_log_clear();
}

#endif
