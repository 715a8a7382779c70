/* SPDX-License-Identifier: MIT */
/*
 * port/usrsctp: ps_recv(). Each usrsctp_recvv() returns one piece of one
 * message (data or notification); MSG_EOR marks its last piece. usrsctp
 * turns fragment interleave level 1 on by default (2 where the endpoint
 * offers I-DATA), so the pieces a partial delivery hands up for one
 * association may interleave with messages of other associations (and,
 * at level 2, of other streams): pieces are put together per
 * (association, stream, unordered) from the rcvinfo every read carries,
 * as the kernel port does. A message longer than cfg.max_msg is read to
 * its end, thrown away and counted. Before the stack: the COMM_LOST events
 * a re-init made up, and making the socket again once the stack is back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/usrsctp/us.h"

#define US_RASM_MAX 256		/* messages being put together at once */

static size_t msg_limit(const struct ps_ep *ep, bool notif)
{
	return notif ? (size_t)ep->cfg.max_msg + US_NOTIF_EXTRA : ep->cfg.max_msg;
}

/* The buffer every read lands in: one whole message of the largest size
 * accepted fits. */
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

/* One piece as usrsctp_recvv() gave it (in ep->buf). */
struct piece {
	size_t len;
	bool eor, notif, has_rcv;
	struct sctp_rcvinfo rcv;
	struct net_addr from;
};

static int read_piece(struct ps_ep *ep, struct piece *p)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from), infolen = sizeof(p->rcv);
	unsigned int infotype = 0;
	int flags = 0;
	ssize_t n;

	memset(p, 0, sizeof(*p));
	n = usrsctp_recvv(ep->so, ep->buf, ep->cap, (struct sockaddr *)&from,
			  &fromlen, &p->rcv, &infolen, &infotype, &flags);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN :
		       errno == ENOMEM || errno == ENOBUFS ? -ENOMEM : -EIO;
	if (n == 0 && !(flags & MSG_EOR))
		return -EAGAIN;
	p->len = (size_t)n;
	p->eor = (flags & MSG_EOR) != 0;
	p->notif = (flags & MSG_NOTIFICATION) != 0;
	p->has_rcv = !p->notif && infotype == SCTP_RECVV_RCVINFO;
	if (!p->has_rcv)
		memset(&p->rcv, 0, sizeof(p->rcv));
	if (us_from_sa((struct sockaddr *)&from, fromlen, &p->from) < 0)
		memset(&p->from, 0, sizeof(p->from));
	return 0;
}

static bool same_msg(const struct us_rasm *r, const struct piece *p)
{
	if (r->notif || p->notif)
		return r->notif && p->notif;
	return r->rcv.rcv_assoc_id == p->rcv.rcv_assoc_id &&
	       r->rcv.rcv_sid == p->rcv.rcv_sid &&
	       (r->rcv.rcv_flags & SCTP_UNORDERED) == (p->rcv.rcv_flags & SCTP_UNORDERED);
}

static struct us_rasm *find_rasm(struct ps_ep *ep, const struct piece *p)
{
	struct us_rasm *data = NULL;
	unsigned int n_data = 0;

	for (unsigned int i = 0; i < ep->n_rasm; i++) {
		if (!ep->rasm[i].notif) {
			data = &ep->rasm[i];
			n_data++;
		}
		if (p->has_rcv || p->notif ? same_msg(&ep->rasm[i], p) : false)
			return &ep->rasm[i];
	}
	/* a data piece without rcvinfo continues the one message in pieces */
	return !p->notif && !p->has_rcv && n_data == 1 ? data : NULL;
}

static void rasm_free(struct us_rasm *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

static void rasm_remove(struct ps_ep *ep, struct us_rasm *r)
{
	rasm_free(r);
	*r = ep->rasm[--ep->n_rasm];
	memset(&ep->rasm[ep->n_rasm], 0, sizeof(ep->rasm[0]));
}

/* The first piece of a message that does not end in it. */
static struct us_rasm *rasm_start(struct ps_ep *ep, const struct piece *p)
{
	struct us_rasm *r;

	if (ep->n_rasm == ep->cap_rasm) {
		unsigned int cap = ep->cap_rasm ? ep->cap_rasm * 2 : 4;

		if (cap > US_RASM_MAX)
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
static int rasm_append(struct ps_ep *ep, struct us_rasm *r, const struct piece *p)
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
	ev->u.data.ppid = ntohl(rcv->rcv_ppid);
	ev->u.data.unordered = (rcv->rcv_flags & SCTP_UNORDERED) != 0;
	ev->u.data.buf = buf;
	ev->u.data.len = len;
	ev->u.data.from = *from;
	ep->st.rx_msgs++;
	ep->st.rx_bytes += len;
}

static int deliver(struct ps_ep *ep, struct ps_event *ev, bool notif,
		   const struct sctp_rcvinfo *rcv, const struct net_addr *from,
		   const uint8_t *buf, size_t len)
{
	if (notif)
		return us_decode_notification(ep, buf, len, ev);
	fill_data(ep, ev, rcv, from, buf, len);
	return 0;
}

/* A re-init ended these associations under the core's feet. */
static int synth_lost(struct ps_ep *ep, struct ps_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = PS_EV_ASSOC_CHANGE;
	ev->assoc = (ps_assoc_id)ep->synth[0];
	ev->u.assoc.state = PS_COMM_LOST;
	memmove(ep->synth, ep->synth + 1, --ep->n_synth * sizeof(ep->synth[0]));
	return 0;
}

/* No socket: the stack is being re-initialised, or is back. */
static int reopen(struct ps_ep *ep)
{
	int rc;

	if (!us_stack_ready())
		return -EAGAIN;
	us_recv_reset(ep);
	rc = us_ep_socket(ep);
	if (rc && !ep->reopen_logged)	/* the watcher retries every tick */
		us_log(0, "usrsctp: cannot make the endpoint again after a "
		       "re-init: %s (retrying)", strerror(-rc));
	ep->reopen_logged = rc != 0;
	return rc ? -EAGAIN : 0;
}

static int take(struct ps_ep *ep, struct ps_event *ev)
{
	int rc = scratch(ep);

	while (!rc) {
		struct us_rasm *r;
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

int ps_recv(struct ps_ep *ep, struct ps_event *ev)
{
	int rc;

	/* the message handed out last time is done with now */
	if (ep->done_rasm) {
		rasm_remove(ep, ep->done_rasm);
		ep->done_rasm = NULL;
	}
	if (ep->n_synth)
		return synth_lost(ep, ev);
	if (!ep->so && reopen(ep)) {
		us_wake_read_done(ep);
		return -EAGAIN;
	}
	rc = take(ep, ev);
	if (rc != -EAGAIN)
		return rc;
	/* nothing left: re-arm the wake-up, then look once more for what
	 * came in between */
	us_wake_read_done(ep);
	return take(ep, ev);
}

void us_recv_reset(struct ps_ep *ep)
{
	for (unsigned int i = 0; i < ep->n_rasm; i++)
		rasm_free(&ep->rasm[i]);
	ep->n_rasm = 0;
	ep->done_rasm = NULL;
}

void us_recv_free(struct ps_ep *ep)
{
	us_recv_reset(ep);
	free(ep->rasm);
	free(ep->buf);
	ep->rasm = NULL;
	ep->buf = NULL;
	ep->cap_rasm = 0;
}
