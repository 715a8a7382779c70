/* SPDX-License-Identifier: MIT */
/*
 * port/usrsctp internals: the endpoint, the process-wide stack, and the
 * two usrsctp definitions usrsctp.h leaves out. port/usrsctp/README.md
 * says how this port behaves differently from the kernel port.
 *
 * Threads: usrsctp runs its own (timer, UDP receive) and this port adds
 * one watcher; none of them calls back into the core. They only make the
 * endpoint's wake socket readable (data or an event to take) or writable
 * (room to send); every ps_* call runs on the loop's thread.
 */
#ifndef PORT_USRSCTP_US_H
#define PORT_USRSCTP_US_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <usrsctp.h>

#define PS_PREFIX us_		/* both ports built in: port/sctp_rename.h */
#include "port/sctp_rename.h"
#include "port/sctp.h"

/* In usrsctp's netinet/sctp.h and sctp_uio.h but not in usrsctp.h. */
#define US_SO_PEER_ADDR_THLDS 0x00000023
#define US_SO_INTERLEAVING_SUPPORTED 0x00001206
/* FreeBSD's SCTP_GET_SNDBUF_USE, which usrsctp.h does not declare. */
#define US_SO_GET_SNDBUF_USE 0x00001101
struct us_sockstat {
	sctp_assoc_t ss_assoc_id;
	uint32_t ss_total_sndbuf;	/* the association's output queue */
	uint32_t ss_total_recv_buf;	/* its reassembly and stream queues */
};
struct us_paddrthlds {
	struct sockaddr_storage spt_address;
	sctp_assoc_t spt_assoc_id;
	uint16_t spt_pathmaxrxt;
	uint16_t spt_pathpfthld;
	uint16_t spt_pathcpthld;	/* must be 0xffff */
};

#define US_DEFAULT_MAX_MSG (64u * 1024u)
#define US_NOTIF_EXTRA 1024u
#define US_MAX_ASSOCS 64
#define US_MAX_SYNTH 16		/* events made up by the port (re-init) */
#define US_MAX_STEERED 16
#define US_TICK_MS 10		/* the watcher; usrsctp's own timer ticks so */
#define US_FAST_TICK_MS 1	/* the watcher while a send waits for room */
#define US_WR_BACKOFF_MAX 16	/* fast ticks between send retries, at most */

/* One message being put together from pieces (recv.c). */
struct us_rasm {
	bool notif;			/* the one notification in progress */
	bool discard;			/* over the limit: read to its end */
	struct sctp_rcvinfo rcv;	/* assoc, stream, flags of its first piece */
	struct net_addr from;
	uint8_t *buf;
	size_t len, cap;
};

struct ps_ep {
	struct socket *so;		/* NULL while the stack re-initialises */
	int wake[2];			/* socketpair: [0] the loop's fd, [1] ours */
	atomic_int rd_pending;		/* a byte waits in wake[0] */
	atomic_int wr_blocked;		/* wake[0] kept full: not writable */
	atomic_int wr_ticks;		/* watcher ticks until the retry */
	atomic_int wr_backoff;		/* ticks the next EAGAIN waits */
	struct ps_config cfg;		/* cfg.local / cfg.encap point below */
	struct net_addr local[PS_MAX_ADDRS];
	struct ps_encap encap[PS_MAX_ENCAP];
	/* receive: every read lands in buf; messages in pieces are put
	 * together per (association, stream, unordered), as pieces of
	 * different associations interleave (fragment interleave 1, usrsctp's
	 * default; 2 with I-DATA: streams too) */
	uint8_t *buf;
	size_t cap;
	struct us_rasm *rasm;
	unsigned int n_rasm, cap_rasm;
	struct us_rasm *done_rasm;	/* handed out by the last ps_recv */
	/* associations seen up: SENDALL loop, -ENOENT mapping */
	sctp_assoc_t assocs[US_MAX_ASSOCS];
	unsigned int n_assocs;
	struct { sctp_assoc_t id; struct net_addr want; } steer[US_MAX_STEERED];
	unsigned int n_steer;
	/* COMM_LOST made up for every association a re-init dropped */
	sctp_assoc_t synth[US_MAX_SYNTH];
	unsigned int n_synth;
	bool reopen_logged;
	/* endpoint-wide path parameters (assoc 0), applied again to a socket
	 * a re-init makes */
	struct ps_path_params defaults;
	bool have_defaults;
	struct ps_stats st;
	struct ps_ep *next;		/* the stack's list (stack.c) */
};

/* stack.c: the one usrsctp stack of the process. */
int us_stack_add(struct ps_ep *ep, uint16_t udp_port);	/* init on first use */
void us_stack_remove(struct ps_ep *ep);
bool us_stack_ready(void);
bool us_stack_has_addr(const struct net_addr *a);	/* local at init */
void us_stack_reinit(void);			/* new local address */
void us_stack_set_upcall(struct socket *so, struct ps_ep *ep); /* NULL = off */
void us_stack_lock(void);			/* ep->so vs the watcher */
void us_stack_unlock(void);

/* wake.c: the fd the loop watches. */
int us_wake_open(struct ps_ep *ep);
void us_wake_close(struct ps_ep *ep);
void us_wake_read(struct ps_ep *ep);		/* any thread */
void us_wake_writable(struct ps_ep *ep);	/* any thread */
void us_wake_read_done(struct ps_ep *ep);	/* loop: nothing to read */
void us_wake_send_blocked(struct ps_ep *ep);	/* loop: send said EAGAIN */
void us_wake_sent(struct ps_ep *ep);		/* loop: a send went through */
bool us_wake_tick(struct ps_ep *ep);		/* watcher: true = still waits */

/* ep.c */
int us_ep_socket(struct ps_ep *ep);		/* (re)create and set up */
void us_ep_drop(struct ps_ep *ep);		/* close for a re-init */
bool us_assoc_known(const struct ps_ep *ep, sctp_assoc_t id);
void us_assoc_add(struct ps_ep *ep, sctp_assoc_t id);
void us_assoc_del(struct ps_ep *ep, sctp_assoc_t id);

/* opts.c */
int us_setup_options(struct ps_ep *ep);
int us_set_encap(struct ps_ep *ep, sctp_assoc_t id, const struct net_addr *peer,
		 uint16_t port);
void us_encap_apply(struct ps_ep *ep, sctp_assoc_t id);

/* sa.c: net_addr <-> sockaddr; a NULL / wildcard address is AF_INET any,
 * the only wildcard usrsctp takes. */
int us_to_sa(const struct net_addr *a, uint16_t port,
	     struct sockaddr_storage *ss, socklen_t *len);
void us_any_sa(struct sockaddr_storage *ss);
int us_from_sa(const struct sockaddr *sa, socklen_t len, struct net_addr *a);
int us_pack_addrs(const struct net_addr *a, unsigned int n, uint16_t port,
		  uint8_t *out, size_t size, size_t *used);

/* notif.c */
/* recv.c: drop what is half put together (re-init), free it all (close). */
void us_recv_reset(struct ps_ep *ep);
void us_recv_free(struct ps_ep *ep);

int us_decode_notification(struct ps_ep *ep, const uint8_t *p, size_t n,
			   struct ps_event *ev);

/* Log one line (port/log.h) at @level. */
void us_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
