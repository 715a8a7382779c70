/* SPDX-License-Identifier: MIT */
/*
 * port/lksctp internals: the endpoint, shared helpers, and every
 * build-header compatibility check (kept here, in one place).
 */
#ifndef PORT_LKSCTP_LKSCTP_H
#define PORT_LKSCTP_LKSCTP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/sctp.h>

#include "port/sctp.h"

/* ---- constants older build headers may lack (the only #ifdefs) ---- */
/* SCTP_SENDALL is an enum member in linux/sctp.h (no #define to test), so
 * use its ABI value (Linux 4.17+); older kernels answer EINVAL and the
 * port falls back to a loop over the associations. */
#define LK_HAVE_SENDALL 1
#define LK_SENDALL (1 << 6)
/* SCTP_SACK_IMMEDIATELY is an enum member too (Linux 3.13+; ABI value). */
#define LK_SACK_IMMEDIATELY (1 << 3)
#ifndef SCTP_FUTURE_ASSOC
#define SCTP_FUTURE_ASSOC 0
#endif
#ifdef SCTP_EVENT
#define LK_SO_EVENT SCTP_EVENT
#else
#define LK_SO_EVENT (-1)		/* never accepted: use SCTP_EVENTS */
#endif
#ifdef SCTP_EXPOSE_POTENTIALLY_FAILED_STATE
#define LK_SO_EXPOSE_PF SCTP_EXPOSE_POTENTIALLY_FAILED_STATE
#else
#define LK_SO_EXPOSE_PF (-1)
#endif
#define LK_PF_EXPOSE_ENABLE 2		/* kernel enum: UNSET, DISABLE, ENABLE */
#ifdef SCTP_PR_SUPPORTED
#define LK_SO_PR_SUPPORTED SCTP_PR_SUPPORTED
#else
#define LK_SO_PR_SUPPORTED (-1)
#endif
/* Peer capability queries (getsockopt with an assoc id, 4.7 - 5.1). */
#ifdef SCTP_AUTH_SUPPORTED
#define LK_SO_AUTH_SUPPORTED SCTP_AUTH_SUPPORTED
#define LK_SO_ASCONF_SUPPORTED SCTP_ASCONF_SUPPORTED
#else
#define LK_SO_AUTH_SUPPORTED (-1)
#define LK_SO_ASCONF_SUPPORTED (-1)
#endif
#ifdef SCTP_RECONFIG_SUPPORTED
#define LK_SO_RECONFIG_SUPPORTED SCTP_RECONFIG_SUPPORTED
#else
#define LK_SO_RECONFIG_SUPPORTED (-1)
#endif
#ifdef SCTP_INTERLEAVING_SUPPORTED
#define LK_SO_INTERLEAVING_SUPPORTED SCTP_INTERLEAVING_SUPPORTED
#else
#define LK_SO_INTERLEAVING_SUPPORTED (-1)
#endif
#ifdef SCTP_PEER_ADDR_THLDS
#define LK_SO_THLDS SCTP_PEER_ADDR_THLDS
#else
#define LK_SO_THLDS (-1)
#endif
#ifndef SCTP_PR_SCTP_TTL
#define SCTP_PR_SCTP_TTL 0x0010
#endif
/* Feature ids RFC 6458 puts in sac_info at COMM_UP (FreeBSD fills them). */
#define LK_SUPPORTS_PR 0x01
#define LK_SUPPORTS_AUTH 0x02
#define LK_SUPPORTS_ASCONF 0x03
#define LK_SUPPORTS_MULTIBUF 0x04
#define LK_SUPPORTS_RECONFIG 0x05
#define LK_SUPPORTS_INTERLEAVING 0x06

#define LK_DEFAULT_MAX_MSG (64u * 1024u)
#define LK_NOTIF_EXTRA 1024u		/* room for a SEND_FAILED header */
#define LK_MIN_RCVBUF (128 * 1024)

/* One message being put together from pieces (recv.c). */
struct lk_rasm {
	bool notif;			/* the one notification in progress */
	bool discard;			/* over the limit: read to its end */
	struct sctp_rcvinfo rcv;	/* assoc, stream, flags of its first piece */
	struct net_addr from;
	uint8_t *buf;
	size_t len, cap;
};

/* Opaque to the core. */
struct ps_ep {
	int fd;
	int family;			/* AF_INET or AF_INET6 socket */
	struct ps_config cfg;		/* cfg.local points at local[] */
	struct net_addr local[PS_MAX_ADDRS];
	/* receive: every read lands in buf; messages in pieces are put
	 * together per (association, stream, unordered) */
	uint8_t *buf;
	size_t cap;
	struct lk_rasm *rasm;
	unsigned int n_rasm, cap_rasm;
	struct lk_rasm *done_rasm;	/* handed out by the last ps_recv */
	/* associations seen up (SENDALL fallback, -ENOENT mapping) */
	sctp_assoc_t *assocs;
	unsigned int n_assocs, cap_assocs;
	bool no_sendall, no_prinfo, sendall_sndrcv;
	bool no_sack_now;		/* kernel refused SACK_IMMEDIATELY */
	struct ps_stats st;
};

/* sa.c: net_addr <-> sockaddr. */
int lk_to_sa(const struct net_addr *a, uint16_t port,
	     struct sockaddr_storage *ss, socklen_t *len);
int lk_from_sa(const struct sockaddr *sa, socklen_t len, struct net_addr *a);
int lk_pack_addrs(const struct net_addr *a, unsigned int n, uint16_t port,
		  uint8_t *out, size_t size, size_t *used);

/* ep.c: association tracking. */
bool lk_assoc_known(const struct ps_ep *ep, sctp_assoc_t id);
int lk_assoc_add(struct ps_ep *ep, sctp_assoc_t id);
void lk_assoc_del(struct ps_ep *ep, sctp_assoc_t id);

/* send.c: ps_send()'s return value for sendmsg()'s -errno @rc on @id.
 * An errno not listed in port/sctp.h becomes -EIO (transient). */
int lk_send_errno(const struct ps_ep *ep, sctp_assoc_t id, int rc);

/* recv.c: free the receive buffers (ps_close). */
void lk_recv_free(struct ps_ep *ep);

/* notif.c: decode one complete notification. */
int lk_decode_notification(struct ps_ep *ep, const uint8_t *p, size_t n,
			   struct ps_event *ev);

#endif
