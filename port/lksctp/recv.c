/* SPDX-License-Identifier: MIT */
/*
 * port/lksctp: ps_recv(). A message larger than the buffer arrives in
 * pieces without MSG_EOR (the kernel puts the rest back at the queue
 * head); pieces are appended to a growable buffer up to cfg.max_msg, and
 * the rest of a longer message is read and thrown away.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/lksctp/lksctp.h"

static size_t msg_limit(const struct ps_ep *ep)
{
	return ep->is_notif ? (size_t)ep->cfg.max_msg + LK_NOTIF_EXTRA
			    : ep->cfg.max_msg;
}

/* Room to read into: grow geometrically; NULL room = over the limit. */
static int make_room(struct ps_ep *ep, uint8_t **dst, size_t *room)
{
	size_t limit = ep->in_msg ? msg_limit(ep) : ep->cfg.max_msg + LK_NOTIF_EXTRA;

	if (ep->discard || (ep->in_msg && ep->len >= limit)) {
		ep->discard = true;	/* reuse the buffer as a sink */
		*dst = ep->buf;
		*room = ep->cap;
		return 0;
	}
	if (ep->cap - ep->len < 4096 && ep->cap < limit) {
		size_t cap = ep->cap ? ep->cap * 2 : 16384;
		uint8_t *b;

		if (cap > limit)
			cap = limit;
		b = realloc(ep->buf, cap);
		if (!b)
			return -ENOMEM;
		ep->buf = b;
		ep->cap = cap;
	}
	*dst = ep->buf + ep->len;
	*room = ep->cap - ep->len;
	if (ep->in_msg && *room > limit - ep->len)
		*room = limit - ep->len;
	return 0;
}

static void take_cmsgs(struct ps_ep *ep, struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != IPPROTO_SCTP)
			continue;
		if (c->cmsg_type == SCTP_RCVINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(ep->rcv))) {
			memcpy(&ep->rcv, CMSG_DATA(c), sizeof(ep->rcv));
			return;		/* preferred over SNDRCV */
		}
		if (c->cmsg_type == SCTP_SNDRCV &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct sctp_sndrcvinfo))) {
			struct sctp_sndrcvinfo s;

			memcpy(&s, CMSG_DATA(c), sizeof(s));
			ep->rcv.rcv_sid = s.sinfo_stream;
			ep->rcv.rcv_ssn = s.sinfo_ssn;
			ep->rcv.rcv_flags = s.sinfo_flags;
			ep->rcv.rcv_ppid = s.sinfo_ppid;
			ep->rcv.rcv_assoc_id = s.sinfo_assoc_id;
		}
	}
}

/* One recvmsg(); *eor when the message (or the discarded tail) ended. */
static int read_piece(struct ps_ep *ep, bool *eor)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
			  CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) +
			  CMSG_SPACE(sizeof(struct sctp_nxtinfo))];
	} ctl;
	struct sockaddr_storage from;
	struct iovec iov;
	struct msghdr mh;
	uint8_t *dst;
	ssize_t n;
	int rc = make_room(ep, &dst, &iov.iov_len);

	if (rc < 0)
		return rc;
	iov.iov_base = dst;
	memset(&mh, 0, sizeof(mh));	/* msg_flags zeroed before every read */
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	mh.msg_controllen = sizeof(ctl.b);
	do
		n = recvmsg(ep->fd, &mh, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN :
		       errno == ENOMEM || errno == ENOBUFS ? -ENOMEM : -EIO;
	if (n == 0 && !(mh.msg_flags & MSG_EOR))
		return -EIO;
	if (!ep->in_msg) {	/* first piece: remember who and what */
		ep->in_msg = true;
		ep->is_notif = (mh.msg_flags & MSG_NOTIFICATION) != 0;
		memset(&ep->rcv, 0, sizeof(ep->rcv));
		if (lk_from_sa((struct sockaddr *)&from, mh.msg_namelen,
			       &ep->from) < 0)
			memset(&ep->from, 0, sizeof(ep->from));
	}
	if (!ep->is_notif)
		take_cmsgs(ep, &mh);
	if (!ep->discard)
		ep->len += (size_t)n;
	if (!ep->discard && ep->len > msg_limit(ep)) {
		ep->discard = true;	/* first read was bigger than allowed */
		ep->len = 0;
	}
	*eor = (mh.msg_flags & MSG_EOR) != 0;
	return 0;
}

static void fill_data(struct ps_ep *ep, struct ps_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = PS_EV_DATA;
	ev->assoc = (ps_assoc_id)ep->rcv.rcv_assoc_id;
	ev->u.data.stream = ep->rcv.rcv_sid;
	ev->u.data.ssn = ep->rcv.rcv_ssn;
	ev->u.data.ppid = ntohl(ep->rcv.rcv_ppid);	/* opaque, wire order */
	ev->u.data.unordered = (ep->rcv.rcv_flags & SCTP_UNORDERED) != 0;
	ev->u.data.buf = ep->buf;
	ev->u.data.len = ep->len;
	ev->u.data.from = ep->from;
	ep->st.rx_msgs++;
	ep->st.rx_bytes += ep->len;
}

int ps_recv(struct ps_ep *ep, struct ps_event *ev)
{
	for (;;) {
		bool eor = false, discarded;
		int rc = read_piece(ep, &eor);

		if (rc < 0)
			return rc;	/* a partial message stays pending */
		if (!eor)
			continue;
		discarded = ep->discard;
		ep->in_msg = false;
		ep->discard = false;
		if (discarded) {
			ep->st.oversize_dropped++;
			ep->len = 0;
			continue;
		}
		if (ep->is_notif) {
			size_t n = ep->len;

			ep->len = 0;
			return lk_decode_notification(ep, ep->buf, n, ev);
		}
		fill_data(ep, ev);
		ep->len = 0;	/* buf stays valid until the next call */
		return 0;
	}
}
