/* SPDX-License-Identifier: MIT */
/*
 * port/usrsctp: ps_recv(). Same reassembly as the kernel port: a message
 * larger than the buffer comes in pieces without MSG_EOR, appended up to
 * cfg.max_msg; the rest of a longer one is read and thrown away. Before
 * the stack: the COMM_LOST events a re-init made up, and making the
 * socket again once the stack is back.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/usrsctp/us.h"

static size_t msg_limit(const struct ps_ep *ep)
{
	return ep->is_notif ? (size_t)ep->cfg.max_msg + US_NOTIF_EXTRA
			    : ep->cfg.max_msg;
}

static int make_room(struct ps_ep *ep, uint8_t **dst, size_t *room)
{
	size_t limit = ep->in_msg ? msg_limit(ep) : ep->cfg.max_msg + US_NOTIF_EXTRA;

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

/* One usrsctp_recvv(); *eor when the message (or its tail) ended. */
static int read_piece(struct ps_ep *ep, bool *eor)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from), infolen;
	struct sctp_rcvinfo rcv;
	unsigned int infotype = 0;
	int flags = 0;
	uint8_t *dst;
	size_t room;
	ssize_t n;
	int rc = make_room(ep, &dst, &room);

	if (rc < 0)
		return rc;
	infolen = sizeof(rcv);
	memset(&rcv, 0, sizeof(rcv));
	n = usrsctp_recvv(ep->so, dst, room, (struct sockaddr *)&from, &fromlen,
			  &rcv, &infolen, &infotype, &flags);
	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN :
		       errno == ENOMEM || errno == ENOBUFS ? -ENOMEM : -EIO;
	if (n == 0 && !(flags & MSG_EOR))
		return -EAGAIN;
	if (!ep->in_msg) {
		ep->in_msg = true;
		ep->is_notif = (flags & MSG_NOTIFICATION) != 0;
		memset(&ep->rcv, 0, sizeof(ep->rcv));
		if (us_from_sa((struct sockaddr *)&from, fromlen, &ep->from) < 0)
			memset(&ep->from, 0, sizeof(ep->from));
	}
	if (!ep->is_notif && infotype == SCTP_RECVV_RCVINFO)
		ep->rcv = rcv;
	if (!ep->discard)
		ep->len += (size_t)n;
	if (!ep->discard && ep->len > msg_limit(ep)) {
		ep->discard = true;
		ep->len = 0;
	}
	*eor = (flags & MSG_EOR) != 0;
	return 0;
}

static void fill_data(struct ps_ep *ep, struct ps_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->type = PS_EV_DATA;
	ev->assoc = (ps_assoc_id)ep->rcv.rcv_assoc_id;
	ev->u.data.stream = ep->rcv.rcv_sid;
	ev->u.data.ssn = ep->rcv.rcv_ssn;
	ev->u.data.ppid = ntohl(ep->rcv.rcv_ppid);
	ev->u.data.unordered = (ep->rcv.rcv_flags & SCTP_UNORDERED) != 0;
	ev->u.data.buf = ep->buf;
	ev->u.data.len = ep->len;
	ev->u.data.from = ep->from;
	ep->st.rx_msgs++;
	ep->st.rx_bytes += ep->len;
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
	ep->in_msg = ep->discard = false;
	ep->len = 0;
	rc = us_ep_socket(ep);
	if (rc && !ep->reopen_logged)	/* the watcher retries every tick */
		us_log(0, "usrsctp: cannot make the endpoint again after a "
		       "re-init: %s (retrying)", strerror(-rc));
	ep->reopen_logged = rc != 0;
	return rc ? -EAGAIN : 0;
}

static int take(struct ps_ep *ep, struct ps_event *ev)
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
			return us_decode_notification(ep, ep->buf, n, ev);
		}
		fill_data(ep, ev);
		ep->len = 0;
		return 0;
	}
}

int ps_recv(struct ps_ep *ep, struct ps_event *ev)
{
	int rc;

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
