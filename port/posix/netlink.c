// SPDX-License-Identifier: MIT
/*
 * port/posix/netlink.c - port/netlink.h on a NETLINK_ROUTE socket, with the
 * kernel uapi headers only (no libmnl: Debian ships it shared-only and the
 * agent links statically). Decoding is port/posix/nlparse.c.
 *
 * - One socket, non-blocking, close-on-exec, bound to RTMGRP_LINK |
 *   RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR.
 * - pn_request_dump(): RTM_GETLINK dump, then after its NLMSG_DONE the
 *   RTM_GETADDR dump (a netlink socket runs one dump at a time; a second one
 *   would fail with EBUSY). A request while a dump runs is remembered and
 *   started once the running one ends. A dump the kernel marks
 *   NLM_F_DUMP_INTR (the table changed under it) is run again.
 * - pn_recv() hands out one event at a time from the last datagram; only
 *   datagrams from the kernel (nl_pid 0) are decoded, others are dropped.
 *
 * pn_recv() return values beyond the header's list:
 *   -ENOBUFS  the socket overran (the kernel dropped notifications) or a
 *             datagram was larger than the receive buffer (MSG_TRUNC): events
 *             were lost. The caller must call pn_request_dump() and rebuild
 *             its view from the dump. The socket stays usable.
 *   -EBADMSG  one malformed message was skipped (counted in s->bad).
 *   -EIO      the kernel refused a dump request (NLMSG_ERROR), or a
 *             follow-up dump request could not be sent.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE		/* SOCK_CLOEXEC, SOCK_NONBLOCK, SO_RCVBUFFORCE */

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "port/netlink.h"
#include "port/posix/nlparse.h"

/* The kernel sizes dump skbs up to 32 KiB for a reader with such a buffer
 * (netlink_dump(): max_recvmsg_len is capped at SKB_WITH_OVERHEAD(32768)). */
#define PN_BUFSZ 32768
/* Socket receive buffer: notifications queue here while the loop is busy.
 * 256 KiB holds ~2000 address messages; SO_RCVBUFFORCE (root) first,
 * then SO_RCVBUF (capped by net.core.rmem_max). */
#define PN_RCVBUF (256 * 1024)

enum pn_dump { DUMP_NONE, DUMP_LINK, DUMP_ADDR };

struct pn_sock {
	int fd;
	uint32_t seq;
	uint32_t dump_seq;	/* seq of the dump in flight */
	enum pn_dump dump;
	bool dump_again;	/* a request came while a dump was running */
	bool dump_intr;		/* the running dump saw NLM_F_DUMP_INTR */
	uint32_t bad;		/* malformed messages skipped */
	uint32_t foreign;	/* datagrams not from the kernel, dropped */
	uint32_t overruns;	/* ENOBUFS and truncated datagrams */
	struct nlp_iter it;
	union {
		struct nlmsghdr align;
		uint8_t b[PN_BUFSZ];
	} buf;
};

int pn_open(struct pn_sock **out)
{
	struct sockaddr_nl sa;
	struct pn_sock *s;
	int sz = PN_RCVBUF;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		       NETLINK_ROUTE);
	if (s->fd < 0) {
		int e = errno;

		free(s);
		return e == EAFNOSUPPORT ? -EPROTONOSUPPORT : -e;
	}
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		(void)setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(s->fd);
		free(s);
		return -e;
	}
	s->seq = 1;
	nlp_init(&s->it, s->buf.b, 0);
	*out = s;
	return 0;
}

void pn_close(struct pn_sock *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s);
}

int pn_fd(const struct pn_sock *s)
{
	return s->fd;
}

/* Send one RTM_GETLINK / RTM_GETADDR dump request. */
static int send_dump(struct pn_sock *s, enum pn_dump what)
{
	struct {
		struct nlmsghdr nh;
		union {
			struct ifinfomsg ifi;
			struct ifaddrmsg ifa;
		} u;
	} req;
	struct sockaddr_nl sa;
	ssize_t n;

	memset(&req, 0, sizeof(req));
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;	/* nl_pid 0: the kernel */
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	if (++s->seq == 0)
		s->seq = 1;
	req.nh.nlmsg_seq = s->seq;
	if (what == DUMP_LINK) {
		req.nh.nlmsg_type = RTM_GETLINK;
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.u.ifi));
		req.u.ifi.ifi_family = AF_UNSPEC;
	} else {
		req.nh.nlmsg_type = RTM_GETADDR;
		req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.u.ifa));
		req.u.ifa.ifa_family = AF_UNSPEC;
	}
	do
		n = sendto(s->fd, &req, req.nh.nlmsg_len, 0,
			   (struct sockaddr *)&sa, sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if ((size_t)n != req.nh.nlmsg_len)
		return -EIO;
	s->dump = what;
	s->dump_seq = s->seq;
	s->dump_intr = false;
	return 0;
}

int pn_request_dump(struct pn_sock *s)
{
	if (s->dump != DUMP_NONE) {
		s->dump_again = true;	/* after the running one */
		return 0;
	}
	s->dump_again = false;
	return send_dump(s, DUMP_LINK);
}

/* A dump of ours ended (DONE, or an error): start what comes next. */
static int dump_done(struct pn_sock *s, bool failed)
{
	enum pn_dump next = DUMP_NONE;

	if (failed) {
		s->dump = DUMP_NONE;
		return -EIO;
	}
	if (s->dump == DUMP_LINK)
		next = DUMP_ADDR;
	if (s->dump_intr || s->dump_again) {
		/* inconsistent or superseded: the whole sequence again */
		s->dump_again = false;
		next = DUMP_LINK;
	}
	s->dump = DUMP_NONE;
	if (next == DUMP_NONE)
		return 0;
	return send_dump(s, next) < 0 ? -EIO : 0;
}

/* Read one datagram into the buffer. 0, -EAGAIN, -ENOBUFS, -EIO. */
static int fill(struct pn_sock *s)
{
	struct sockaddr_nl sa;
	struct iovec iov = { s->buf.b, sizeof(s->buf.b) };
	struct msghdr msg;
	ssize_t n;

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		memset(&sa, 0, sizeof(sa));
		msg.msg_name = &sa;
		msg.msg_namelen = sizeof(sa);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		n = recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -EAGAIN;
			if (errno == ENOBUFS) {
				s->overruns++;
				return -ENOBUFS;
			}
			return -EIO;
		}
		if ((size_t)n > sizeof(s->buf.b) || (msg.msg_flags & MSG_TRUNC)) {
			s->overruns++;	/* messages lost with the tail */
			return -ENOBUFS;
		}
		if (msg.msg_namelen < sizeof(sa) || sa.nl_family != AF_NETLINK ||
		    sa.nl_pid != 0) {
			s->foreign++;	/* not the kernel: drop it */
			continue;
		}
		nlp_init(&s->it, s->buf.b, (size_t)n);
		return 0;
	}
}

int pn_recv(struct pn_sock *s, struct pn_event *ev)
{
	struct nlp_msg m;
	int r;

	for (;;) {
		if (!nlp_more(&s->it)) {
			r = fill(s);
			if (r < 0)
				return r;
			continue;
		}
		r = nlp_next(&s->it, &m);
		if (r == 0)
			continue;
		if (r < 0) {
			s->bad++;
			return -EBADMSG;
		}
		if (s->dump != DUMP_NONE && m.seq == s->dump_seq) {
			if (m.flags & NLM_F_DUMP_INTR)
				s->dump_intr = true;
			if (m.kind == NLP_DONE) {
				bool all = s->dump == DUMP_ADDR && !s->dump_intr &&
					   !s->dump_again;

				r = dump_done(s, false);
				if (r < 0)
					return r;
				if (!all)
					continue;
				memset(ev, 0, sizeof(*ev));
				ev->type = PN_DUMP_DONE;	/* links and addresses all told */
				return 0;
			}
			if (m.kind == NLP_ERROR && m.error != 0) {
				(void)dump_done(s, true);
				return -EIO;
			}
		}
		if (m.kind != NLP_EVENT)
			continue;	/* ACKs, stale DONEs, NOOP, foreign types */
		*ev = m.ev;
		return 0;
	}
}
