/* SPDX-License-Identifier: MIT */
/*
 * port/lksctp: ps_recv(). Each recvmsg() returns one piece of one message
 * (data or notification); MSG_EOR marks its last piece. With
 * SCTP_FRAGMENT_INTERLEAVE set (the endpoint does when it offers I-DATA),
 * the pieces a partial delivery hands up for one association and stream
 * may interleave with whole messages and notifications of other
 * associations and streams, so pieces are put together per (association,
 * stream, unordered) from the SCTP_RCVINFO every read carries. A piece the
 * buffer cut short (no partial delivery) is always continued by the next
 * read: the kernel puts the rest back at the head of the queue. A message
 * longer than cfg.max_msg is read to its end, thrown away and counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/lksctp/lksctp.h"

#define LK_RASM_MAX 256		/* messages being put together at once */

static size_t msg_limit(const struct ps_ep *ep, bool notif)
{
	return notif ? (size_t)ep->cfg.max_msg + LK_NOTIF_EXTRA : ep->cfg.max_msg;
}

/* The scratch buffer every read lands in: one whole message of the
 * largest size accepted fits. */
static int scratch(struct ps_ep *ep)
{
	size_t cap = msg_limit(ep, true);

	if (ep->buf)
		return 0;
	ep->buf = malloc(cap);
	if (!ep->buf)
		return -ENOMEM;
	ep->cap = cap;
	return 0;
}

static void take_cmsgs(struct sctp_rcvinfo *rcv, struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != IPPROTO_SCTP)
			continue;
		if (c->cmsg_type == SCTP_RCVINFO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*rcv))) {
			memcpy(rcv, CMSG_DATA(c), sizeof(*rcv));
			return;		/* preferred over SNDRCV */
		}
		if (c->cmsg_type == SCTP_SNDRCV &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct sctp_sndrcvinfo))) {
			struct sctp_sndrcvinfo s;

			memcpy(&s, CMSG_DATA(c), sizeof(s));
			rcv->rcv_sid = s.sinfo_stream;
			rcv->rcv_ssn = s.sinfo_ssn;
			rcv->rcv_flags = s.sinfo_flags;
			rcv->rcv_ppid = s.sinfo_ppid;
			rcv->rcv_assoc_id = s.sinfo_assoc_id;
		}
	}
}

/* One piece as recvmsg() gave it (in ep->buf). */
struct piece {
	size_t len;
	bool eor, notif;
	struct sctp_rcvinfo rcv;
	struct net_addr from;
};

static int read_piece(struct ps_ep *ep, struct piece *p)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct sctp_rcvinfo)) +
			  CMSG_SPACE(sizeof(struct sctp_sndrcvinfo)) +
			  CMSG_SPACE(sizeof(struct sctp_nxtinfo))];
	} ctl;
	struct sockaddr_storage from;
	struct iovec iov = { ep->buf, ep->cap };
	struct msghdr mh;
	ssize_t n;

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
	memset(p, 0, sizeof(*p));
	p->len = (size_t)n;
	p->eor = (mh.msg_flags & MSG_EOR) != 0;
	p->notif = (mh.msg_flags & MSG_NOTIFICATION) != 0;
	if (!p->notif)
		take_cmsgs(&p->rcv, &mh);
	if (lk_from_sa((struct sockaddr *)&from, mh.msg_namelen, &p->from) < 0)
		memset(&p->from, 0, sizeof(p->from));
	return 0;
}

static bool same_msg(const struct lk_rasm *r, const struct piece *p)
{
	if (r->notif || p->notif)
		return r->notif && p->notif;
	return r->rcv.rcv_assoc_id == p->rcv.rcv_assoc_id &&
	       r->rcv.rcv_sid == p->rcv.rcv_sid &&
	       (r->rcv.rcv_flags & SCTP_UNORDERED) == (p->rcv.rcv_flags & SCTP_UNORDERED);
}

static struct lk_rasm *find_rasm(struct ps_ep *ep, const struct piece *p)
{
	for (unsigned int i = 0; i < ep->n_rasm; i++)
		if (same_msg(&ep->rasm[i], p))
			return &ep->rasm[i];
	return NULL;
}

static void rasm_free(struct lk_rasm *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

static void rasm_remove(struct ps_ep *ep, struct lk_rasm *r)
{
	rasm_free(r);
	*r = ep->rasm[--ep->n_rasm];
	memset(&ep->rasm[ep->n_rasm], 0, sizeof(ep->rasm[0]));
}

/* The first piece of a message that does not end in it. */
static struct lk_rasm *rasm_start(struct ps_ep *ep, const struct piece *p)
{
	struct lk_rasm *r;

	if (ep->n_rasm == ep->cap_rasm) {
		unsigned int cap = ep->cap_rasm ? ep->cap_rasm * 2 : 4;

		if (cap > LK_RASM_MAX)
			return NULL;
		r = realloc(ep->rasm, cap * sizeof(*r));
		if (!r)
			return NULL;
		memset(r + ep->cap_rasm, 0, (cap - ep->cap_rasm) * sizeof(*r));
		ep->rasm = r;
		ep->cap_rasm = cap;
	}
	r = &ep->rasm[ep->n_rasm++];
	r->notif = p->notif;
	r->rcv = p->rcv;
	r->from = p->from;
	return r;
}

/* Append the piece in ep->buf; past the limit the message is discarded. */
static int rasm_append(struct ps_ep *ep, struct lk_rasm *r, const struct piece *p)
{
	size_t limit = msg_limit(ep, r->notif);

	if (r->discard || r->len + p->len > limit) {
		r->discard = true;
		free(r->buf);
		r->buf = NULL;
		r->len = r->cap = 0;
		return 0;
	}
	if (r->len + p->len > r->cap) {
		size_t cap = r->cap ? r->cap : 16384;
		uint8_t *b;

		while (cap < r->len + p->len)
			cap *= 2;
		cap = cap > limit ? limit : cap;
		b = realloc(r->buf, cap);
		if (!b)
			return -ENOMEM;
		r->buf = b;
		r->cap = cap;
	}
	memcpy(r->buf + r->len, ep->buf, p->len);
	r->len += p->len;
	return 0;
}

static void fill_data(struct ps_ep *ep, struct ps_event *ev, const struct sctp_rcvinfo *rcv,
		      const struct net_addr *from, const uint8_t *buf, size_t len)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = PS_EV_DATA;
	ev->assoc = (ps_assoc_id)rcv->rcv_assoc_id;
	ev->u.data.stream = rcv->rcv_sid;
	ev->u.data.ssn = rcv->rcv_ssn;
	ev->u.data.ppid = ntohl(rcv->rcv_ppid);	/* opaque, wire order */
	ev->u.data.unordered = (rcv->rcv_flags & SCTP_UNORDERED) != 0;
	ev->u.data.buf = buf;
	ev->u.data.len = len;
	ev->u.data.from = *from;
	ep->st.rx_msgs++;
	ep->st.rx_bytes += len;
}

/* A whole message: an event (or counted and dropped: 1). */
static int deliver(struct ps_ep *ep, struct ps_event *ev, bool notif,
		   const struct sctp_rcvinfo *rcv, const struct net_addr *from,
		   const uint8_t *buf, size_t len)
{
	if (notif)
		return lk_decode_notification(ep, buf, len, ev);
	fill_data(ep, ev, rcv, from, buf, len);
	return 0;
}

int ps_recv(struct ps_ep *ep, struct ps_event *ev)
{
	int rc = scratch(ep);

	/* the message handed out last time is done with now */
	if (ep->done_rasm) {
		rasm_remove(ep, ep->done_rasm);
		ep->done_rasm = NULL;
	}
	while (!rc) {
		struct lk_rasm *r;
		struct piece p;

		rc = read_piece(ep, &p);
		if (rc)
			return rc;	/* a partial message stays pending */
		r = find_rasm(ep, &p);
		if (!r && p.eor) {	/* a whole message in one read */
			if (p.len > msg_limit(ep, p.notif)) {
				ep->st.oversize_dropped++;
				continue;
			}
			return deliver(ep, ev, p.notif, &p.rcv, &p.from, ep->buf, p.len);
		}
		if (!r && !(r = rasm_start(ep, &p))) {
			ep->st.oversize_dropped++;	/* too many at once */
			continue;
		}
		rc = rasm_append(ep, r, &p);
		if (rc || !p.eor)
			continue;
		if (r->discard) {
			ep->st.oversize_dropped++;
			rasm_remove(ep, r);
			continue;
		}
		ep->done_rasm = r;	/* its buffer stays valid until the next call */
		return deliver(ep, ev, r->notif, &r->rcv, &r->from, r->buf, r->len);
	}
	return rc;
}

void lk_recv_free(struct ps_ep *ep)
{
	for (unsigned int i = 0; i < ep->n_rasm; i++)
		rasm_free(&ep->rasm[i]);
	free(ep->rasm);
	free(ep->buf);
	ep->rasm = NULL;
	ep->buf = NULL;
	ep->n_rasm = ep->cap_rasm = 0;
	ep->done_rasm = NULL;
}
