/* SPDX-License-Identifier: MIT */
/*
 * port/sctp.h - the SCTP service the core uses.
 *
 * One endpoint = one one-to-many (SOCK_SEQPACKET style) SCTP socket that
 * carries one association per peer. Implemented once per port and chosen at
 * link time: port/lksctp (Linux kernel SCTP through lksctp-tools),
 * port/usrsctp (the userspace stack over UDP, RFC 6951), the fake in
 * tests/fake. With both real ports built in, port/sctp.c picks one per
 * endpoint at ps_open() (ps_config.transport). Nothing from
 * <netinet/sctp.h> or <usrsctp.h> crosses this header.
 *
 * Every function returns 0 or a negative errno value; the possible values
 * are listed per function. All calls are non-blocking.
 *
 * Ownership: the endpoint owns every buffer an event points to; such a
 * pointer is valid until the next ps_recv() or ps_close() on the endpoint.
 * Buffers passed in (addresses, payloads) are only read during the call.
 */
#ifndef PORT_SCTP_H
#define PORT_SCTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include "netaddr.h"

struct ps_ep;			/* opaque endpoint (one socket) */
typedef uint32_t ps_assoc_id;	/* association id; 0 = none */

#define PS_MAX_ADDRS 8		/* addresses per bind / connect call */

/* Which SCTP stack carries an endpoint (ps_config.transport). */
enum ps_transport {
	PS_TRANSPORT_AUTO = 0,	/* kernel SCTP when the kernel has it (and UDP
				 * encapsulation if encap[] asks), else the
				 * userspace stack */
	PS_TRANSPORT_KERNEL,	/* kernel SCTP; UDP only for encap[] peers */
	PS_TRANSPORT_UDP,	/* the userspace stack, every packet over UDP */
};

#define PS_UDP_PORT_DEFAULT 9899	/* IANA sctp-tunneling (RFC 6951) */

/*
 * RFC 6951: SCTP to this peer address goes over UDP to @udp_port. The
 * kernel port sends native SCTP to addresses not listed; the userspace
 * stack sends everything over UDP, to PS_UDP_PORT_DEFAULT when not listed.
 * Whichever way a peer's packets arrive, replies follow them (RFC 6951
 * 5.4: the port a peer sends from is the one it is answered on).
 */
struct ps_encap {
	struct net_addr addr;	/* peer address; its port is ignored */
	uint16_t udp_port;	/* the peer's UDP encapsulation port, 1..65535 */
};
#define PS_MAX_ENCAP 32

/* Endpoint configuration; copied by ps_open(). */
struct ps_config {
	const struct net_addr *local;	/* addresses to bind; never wildcard */
	unsigned int n_local;		/* 0 = wildcard (tests/controller only) */
	uint16_t port;			/* local port; 0 = ephemeral */
	uint16_t out_streams;		/* INIT: outbound streams requested */
	uint16_t in_streams;		/* INIT: max inbound streams */
	uint16_t init_max_attempts;	/* INIT retransmissions */
	uint32_t init_timeout_ms;	/* INIT max RTO */
	uint32_t max_msg;		/* reassembly limit for one message */
	bool nodelay;			/* disable Nagle (latency over bytes) */
	bool interleave;		/* offer I-DATA (RFC 8260) if the stack can */
	bool listen;			/* accept incoming associations */
	enum ps_transport transport;
	/* Local UDP encapsulation port (0 = PS_UDP_PORT_DEFAULT). Kernel:
	 * the netns-wide sysctl net.sctp.udp_port, checked when encap[] is
	 * not empty or a listener gives a port (it then accepts SCTP over
	 * UDP too), set if 0 and allowed, else used as it is; userspace:
	 * the port its UDP socket binds, one per process. */
	uint16_t udp_port;
	const struct ps_encap *encap;	/* peers over UDP; copied */
	unsigned int n_encap;		/* <= PS_MAX_ENCAP */
};

/* Send flags (ps_sndinfo.flags). */
enum {
	PS_SEND_UNORDERED = 1u << 0,	/* deliver without stream ordering */
	PS_SEND_EOF = 1u << 1,		/* graceful SHUTDOWN of this association */
	PS_SEND_ABORT = 1u << 2,	/* ABORT this association; payload = reason */
	PS_SEND_SENDALL = 1u << 3,	/* to every association of the endpoint */
	/* RFC 7053 SACK-IMMEDIATELY: the I bit on the message's last DATA
	 * chunk asks the peer to SACK it at once instead of after its
	 * delayed-SACK timer (Linux: 200 ms). Per message only (Linux
	 * refuses it in the default send info); a stack without it sends
	 * the message without the bit. */
	PS_SEND_SACK_NOW = 1u << 4,
};

struct ps_sndinfo {
	ps_assoc_id assoc;	/* ignored with PS_SEND_SENDALL */
	uint16_t stream;
	uint32_t ppid;		/* host byte order */
	uint32_t flags;		/* PS_SEND_* */
	uint32_t lifetime_ms;	/* PR-SCTP timed reliability; 0 = reliable */
	uint32_t context;	/* returned in a SEND_FAILED event */
};

enum ps_ev_type {
	PS_EV_DATA = 1,
	PS_EV_ASSOC_CHANGE,
	PS_EV_PEER_ADDR_CHANGE,
	PS_EV_SEND_FAILED,
	PS_EV_REMOTE_ERROR,
	PS_EV_SHUTDOWN,		/* peer sent SHUTDOWN */
	PS_EV_PARTIAL_DELIVERY,
	PS_EV_ADAPTATION,
	PS_EV_AUTH,
	PS_EV_SENDER_DRY,
	PS_EV_STREAM_RESET,
	PS_EV_ASSOC_RESET,
	PS_EV_STREAM_CHANGE,
	PS_EV_UNKNOWN,		/* a notification type this port cannot name */
};

enum ps_assoc_state {
	PS_COMM_UP = 1,
	PS_COMM_LOST,
	PS_RESTART,
	PS_SHUTDOWN_COMP,
	PS_CANT_STR_ASSOC,
};

enum ps_addr_state {
	PS_ADDR_AVAILABLE = 1,
	PS_ADDR_UNREACHABLE,
	PS_ADDR_REMOVED,
	PS_ADDR_ADDED,
	PS_ADDR_MADE_PRIM,
	PS_ADDR_CONFIRMED,
	PS_ADDR_PF,		/* potentially failed (RFC 7829) */
};

/* Peer features learnt at COMM_UP (ps_event.u.assoc.features). */
enum {
	PS_FEAT_PR = 1u << 0,		/* PR-SCTP */
	PS_FEAT_AUTH = 1u << 1,
	PS_FEAT_ASCONF = 1u << 2,
	PS_FEAT_MULTIBUF = 1u << 3,
	PS_FEAT_RECONFIG = 1u << 4,
	PS_FEAT_INTERLEAVE = 1u << 5,	/* I-DATA */
};

struct ps_event {
	enum ps_ev_type type;
	ps_assoc_id assoc;
	union {
		struct {			/* PS_EV_DATA */
			uint16_t stream;
			uint16_t ssn;
			uint32_t ppid;
			bool unordered;
			const uint8_t *buf;	/* owned by the endpoint */
			size_t len;
			struct net_addr from;	/* peer address it came from */
		} data;
		struct {			/* PS_EV_ASSOC_CHANGE */
			enum ps_assoc_state state;
			uint16_t error;
			uint16_t out_streams;
			uint16_t in_streams;
			uint32_t features;	/* PS_FEAT_* */
		} assoc;
		struct {			/* PS_EV_PEER_ADDR_CHANGE */
			struct net_addr addr;
			enum ps_addr_state state;
			int error;
		} paddr;
		struct {			/* PS_EV_SEND_FAILED */
			bool unsent;		/* never put on the wire */
			int error;		/* the stack's cause code */
			uint16_t stream;
			uint32_t ppid;
			uint32_t context;
			uint32_t flags;		/* PS_SEND_* it was sent with */
			const uint8_t *buf;	/* the undelivered payload */
			size_t len;
		} send_failed;
		struct {			/* PS_EV_REMOTE_ERROR */
			uint16_t cause;
			const uint8_t *buf;
			size_t len;
		} remote_error;
		struct {			/* PS_EV_PARTIAL_DELIVERY */
			uint32_t indication;
			uint32_t stream;
		} pdapi;
		struct {			/* PS_EV_ADAPTATION */
			uint32_t indication;
		} adaptation;
		struct {			/* PS_EV_AUTH */
			uint16_t keynumber;
			uint32_t indication;
		} auth;
		struct {			/* PS_EV_STREAM_* / ASSOC_RESET */
			uint16_t flags;
			uint16_t n_streams;
		} reset;
		struct {			/* PS_EV_UNKNOWN */
			uint16_t raw_type;
		} unknown;
	} u;
};

enum ps_path_state {
	PS_PATH_ACTIVE = 1,
	PS_PATH_INACTIVE,
	PS_PATH_PF,
	PS_PATH_UNCONFIRMED,
	PS_PATH_UNKNOWN,
};

/* Per-path parameters; 0 in a field = leave the stack's value alone. */
struct ps_path_params {
	uint32_t hb_interval_ms;
	bool hb_disable;
	bool hb_now;			/* send one heartbeat now (per path): a
					 * backup path's RTT is known before
					 * traffic fails over to it */
	uint16_t path_max_retrans;
	uint16_t pf_threshold;		/* RFC 7829 PF threshold: timeouts
					 * before POTENTIALLY_FAILED, 0 = at the
					 * first; PS_PF_UNSET = leave alone */
	uint32_t rto_initial_ms;	/* RTO fields are per association */
	uint32_t rto_min_ms;
	uint32_t rto_max_ms;
	uint16_t assoc_max_retrans;
	/* SACK behaviour (per association): 1 = SACK every packet; a peer
	 * that delays SACKs 200 ms makes any RTO below that fire spuriously */
	uint16_t sack_freq;
	uint32_t sack_delay_ms;		/* 0..500 */
};
#define PS_PF_UNSET 0xffff

struct ps_path_info {
	struct net_addr addr;
	enum ps_path_state state;
	bool primary;
	uint32_t srtt_ms;
	uint32_t rto_ms;
	uint32_t cwnd;
	uint32_t mtu;
};

/* Counters an endpoint keeps (monotonic). */
struct ps_stats {
	uint64_t rx_msgs, rx_bytes, tx_msgs, tx_bytes;
	uint64_t notifications;
	uint64_t unknown_notifications;
	uint64_t oversize_dropped;	/* messages beyond max_msg */
	uint64_t sendall_fallbacks;	/* SENDALL emulated by a loop */
	uint64_t abandoned;		/* PR-SCTP messages the stack dropped */
	/* User data the stack holds in this process's memory now: the
	 * userspace stack's send queues (sent, not yet SACKed, or not sent)
	 * and receive queues of every association. 0 for kernel SCTP, whose
	 * buffers are kernel memory. The agent charges it to its memory
	 * budget. */
	uint64_t stack_bytes;
};

/*
 * Create and bind an endpoint. @out owns the socket until ps_close().
 * -EINVAL bad config, -EPROTONOSUPPORT no SCTP in this kernel (or no
 * transport of the kind asked in this build), -EADDRNOTAVAIL /
 * -EADDRINUSE bind failed (the local UDP port too), -ENOMEM, -EMFILE;
 * UDP encapsulation with the kernel port: -EOPNOTSUPP the kernel has no
 * SCTP over UDP (Linux < 5.11), -EACCES net.sctp.udp_port is 0 and may
 * not be set (both also log one line naming the sysctl).
 */
int ps_open(const struct ps_config *cfg, struct ps_ep **out);

/* The stack an open endpoint runs on: PS_TRANSPORT_KERNEL or _UDP. */
enum ps_transport ps_transport_of(const struct ps_ep *ep);

/* "kernel", "udp" or "auto", for logs. */
const char *ps_transport_name(enum ps_transport t);

/* Close the socket and free the endpoint (aborts what is still up). NULL ok. */
void ps_close(struct ps_ep *ep);

/* File descriptor for the event loop (readable when ps_recv() has work). */
int ps_fd(const struct ps_ep *ep);

/*
 * Start an association to one peer over @n addresses (all the same port).
 * The INIT goes to addrs[0], except that when some of @addrs are in
 * cfg.encap and addrs[0] is not, it goes to the first of those: behind a
 * NAT the peer learns the path's public address only as the source of
 * the INIT (an address listed in an INIT is the private one), and a
 * packet from an address it never learnt is out of the blue (RFC 9260
 * 8.4: it answers ABORT). The port then asks the peer (RFC 5061 Set
 * Primary, where it supports ASCONF) to send to the local address that
 * reaches addrs[0], so its traffic stays off the encapsulated path.
 * Non-blocking: COMM_UP or CANT_STR_ASSOC arrives as an event.
 * -EINVAL n == 0 or n > PS_MAX_ADDRS, -EALREADY/-EISCONN an association to
 * that peer exists, -ENETUNREACH, -EADDRNOTAVAIL, -ENOMEM.
 */
int ps_connect(struct ps_ep *ep, const struct net_addr *addrs, unsigned int n,
	       ps_assoc_id *assoc);

/*
 * Send one message. With PS_SEND_SENDALL the port sends to every
 * association (emulating it with a loop where the stack cannot).
 * -EAGAIN no room (try again when writable), -EINVAL bad stream/flags,
 * -ENOENT/-ENOTCONN no such association, -EPIPE association shutting down,
 * -EMSGSIZE larger than the stack accepts, -ENOMEM, -EIO any other failure
 * (transient as far as the port knows: keep the message, try again).
 */
int ps_send(struct ps_ep *ep, const struct ps_sndinfo *si, const void *buf,
	    size_t len);

/*
 * Take the next event (data or one notification). Messages are reassembled
 * up to cfg.max_msg; larger ones are dropped and counted.
 * -EAGAIN nothing pending, -ENOMEM, -EIO the socket failed.
 */
int ps_recv(struct ps_ep *ep, struct ps_event *ev);

/* Make @peer the primary path of @assoc. -ENOENT, -EINVAL not a peer addr. */
int ps_set_primary(struct ps_ep *ep, ps_assoc_id assoc,
		   const struct net_addr *peer);

/*
 * Apply @p to one path (@peer) or, with @peer NULL, to the association and
 * all its paths (and to future associations when @assoc is 0).
 * -ENOENT, -EINVAL a value the stack rejects, -EOPNOTSUPP (e.g. PF).
 */
int ps_set_path_params(struct ps_ep *ep, ps_assoc_id assoc,
		       const struct net_addr *peer,
		       const struct ps_path_params *p);

/* Status of every peer path of @assoc; *n = paths written. -ENOENT. */
int ps_paths(struct ps_ep *ep, ps_assoc_id assoc, struct ps_path_info *out,
	     unsigned int max, unsigned int *n);

/*
 * Serve @stream of @assoc with priority @prio (lower = sooner) using the
 * stream scheduler (RFC 8260 priority scheduler). -ENOENT, -EOPNOTSUPP the
 * stack has no scheduler, -EINVAL.
 */
int ps_set_stream_prio(struct ps_ep *ep, ps_assoc_id assoc, uint16_t stream,
		       uint16_t prio);

/* The outbound streams the INIT of every association made from now on
 * asks for (SCTP_INITMSG on the one-to-many socket, RFC 6458 8.1.3; live
 * associations keep theirs). -EINVAL @n == 0 or refused by the stack,
 * -EIO any other failure (the previous value stays). */
int ps_set_out_streams(struct ps_ep *ep, uint16_t n);

/* Add or remove a local address on the live endpoint (ASCONF if the peer
 * supports it). -EADDRNOTAVAIL, -EOPNOTSUPP, -EINVAL. */
int ps_bind_change(struct ps_ep *ep, const struct net_addr *local, bool add);

/* ---- SCTP-AUTH (RFC 4895), as DTLS over SCTP (RFC 6083) needs it -------- */

/* Chunk types that may have to be authenticated. */
enum {
	PS_CHUNK_DATA = 0x00,
	PS_CHUNK_IDATA = 0x40,		/* RFC 8260 */
	PS_CHUNK_FWD_TSN = 0xc0,	/* RFC 3758 */
	PS_CHUNK_IFWD_TSN = 0xc2,	/* RFC 8260 */
};
/* HMAC identifiers (RFC 4895 6.1). */
enum { PS_HMAC_SHA1 = 1, PS_HMAC_SHA256 = 3 };
/* ps_event.u.auth.indication (AUTHENTICATION_EVENT). */
enum {
	PS_AUTH_NEW_KEY = 1,		/* the peer used a new key */
	PS_AUTH_FREE_KEY = 2,		/* a deactivated key is no longer used */
	PS_AUTH_NO_AUTH = 3,		/* the peer does not support AUTH */
};
#define PS_AUTH_MAX_CHUNKS 32

/*
 * Endpoint-wide, before the first ps_connect(): switch AUTH on for this
 * socket where the stack allows it (Linux 5.1+; else net.sctp.auth_enable
 * decides), require the peer to authenticate the @n chunk types, and offer
 * the @n_hmacs HMACs in order of preference (SHA-1 must be among them).
 * -EACCES AUTH is disabled (net.sctp.auth_enable = 0 on an old kernel),
 * -EOPNOTSUPP no AUTH in this stack, -EINVAL.
 */
int ps_auth_setup(struct ps_ep *ep, const uint8_t *chunks, unsigned int n,
		  const uint16_t *hmacs, unsigned int n_hmacs);

/* Chunk types the peer requires us to authenticate (@peer) or that we
 * require of the peer (!@peer), as negotiated for @assoc. *n = written.
 * -ENOENT no such association, -EACCES/-EOPNOTSUPP no AUTH, -EINVAL. */
int ps_auth_chunks(struct ps_ep *ep, ps_assoc_id assoc, bool peer,
		   uint8_t *out, unsigned int max, unsigned int *n);

/* Install shared key @id (@len bytes, copied) on @assoc; replaces an
 * existing key with that id. -ENOENT, -EACCES, -EINVAL. */
int ps_auth_key_set(struct ps_ep *ep, ps_assoc_id assoc, uint16_t id,
		    const uint8_t *key, size_t len);

enum ps_auth_op {
	PS_AUTH_ACTIVATE,		/* send with key @id from now on */
	PS_AUTH_DEACTIVATE,		/* no new use; FREE_KEY once unused */
	PS_AUTH_DELETE,
};
/* -ENOENT no association, -EINVAL no such key or the active one
 * (deactivate/delete), -EOPNOTSUPP (deactivate: Linux < 5.0; delete it). */
int ps_auth_key(struct ps_ep *ep, ps_assoc_id assoc, uint16_t id,
		enum ps_auth_op op);

/* User data of @assoc not yet acknowledged by the peer, in chunks (0 =
 * the sender is dry). -ENOENT, -EINVAL. */
int ps_assoc_pending(struct ps_ep *ep, ps_assoc_id assoc, unsigned int *chunks);

/* Copy the endpoint's counters. */
void ps_get_stats(const struct ps_ep *ep, struct ps_stats *st);

/* Human-readable names for logs (never NULL). */
const char *ps_ev_name(enum ps_ev_type t);
const char *ps_assoc_state_name(enum ps_assoc_state s);
const char *ps_addr_state_name(enum ps_addr_state s);
const char *ps_path_state_name(enum ps_path_state s);

#endif
