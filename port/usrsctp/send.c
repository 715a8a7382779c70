/* SPDX-License-Identifier: MIT */
/*
 * port/usrsctp: ps_send() with usrsctp_sendv (SCTP_SENDV_SPA).
 * SENDALL is a loop over the associations: usrsctp's own SENDALL copies
 * the message and sends it later from its iterator thread, so a unicast
 * sent after it could overtake it on the same stream.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/usrsctp/us.h"

static int send_one(struct ps_ep *ep, sctp_assoc_t id, uint16_t flags,
		    const struct ps_sndinfo *si, const void *buf, size_t len)
{
	static const char none[1];	/* usrsctp refuses a NULL buffer */
	struct sctp_sendv_spa spa;

	memset(&spa, 0, sizeof(spa));
	spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
	spa.sendv_sndinfo.snd_sid = si->stream;
	spa.sendv_sndinfo.snd_flags = flags;
	spa.sendv_sndinfo.snd_ppid = htonl(si->ppid);	/* opaque to the stack */
	spa.sendv_sndinfo.snd_context = si->context;
	spa.sendv_sndinfo.snd_assoc_id = id;
	if (si->lifetime_ms && !(flags & (SCTP_EOF | SCTP_ABORT))) {
		spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
		spa.sendv_prinfo.pr_policy = SCTP_PR_SCTP_TTL;
		spa.sendv_prinfo.pr_value = si->lifetime_ms;
	}
	if (usrsctp_sendv(ep->so, buf ? buf : none, len, NULL, 0, &spa,
			  sizeof(spa), SCTP_SENDV_SPA, 0) >= 0)
		return 0;
	return -errno;
}

static int map_err(struct ps_ep *ep, sctp_assoc_t id, int rc)
{
	if (rc == 0)
		return 0;
	if (rc == -EWOULDBLOCK || rc == -EAGAIN) {
		us_wake_send_blocked(ep);
		return -EAGAIN;
	}
	switch (rc) {
	case -ENOENT:	/* gone; if its COMM_LOST is still unread, it is dying:
			 * never -EINVAL, which says "this message can never go" */
	case -EPIPE: case -ESHUTDOWN: case -ECONNRESET: case -ECONNABORTED:
		return us_assoc_known(ep, id) ? -EPIPE : -ENOENT;
	case -EINVAL:
		return us_assoc_known(ep, id) ? -EINVAL : -ENOENT;
	case -ENOTCONN: case -EMSGSIZE: case -ENOMEM:
		return rc;
	case -ENOBUFS:
		return -ENOMEM;
	default:
		return -EINVAL;
	}
}

static uint16_t sctp_flags(uint32_t f)
{
	return (uint16_t)(((f & PS_SEND_UNORDERED) ? SCTP_UNORDERED : 0) |
			  ((f & PS_SEND_ABORT) ? SCTP_ABORT : 0) |
			  ((f & PS_SEND_SACK_NOW) ? SCTP_SACK_IMMEDIATELY : 0));
}

/* EOF with data: the data, then SHUTDOWN (as the kernel port does). */
static int send_assoc(struct ps_ep *ep, sctp_assoc_t id,
		      const struct ps_sndinfo *si, const void *buf, size_t len)
{
	uint16_t fl = sctp_flags(si->flags);
	int rc = 0;

	if (!(si->flags & PS_SEND_EOF) || (si->flags & PS_SEND_ABORT))
		return map_err(ep, id, send_one(ep, id, fl, si, buf, len));
	if (len)
		rc = send_one(ep, id, fl, si, buf, len);
	if (rc == 0)
		rc = send_one(ep, id, SCTP_EOF, si, NULL, 0);
	return map_err(ep, id, rc);
}

static int send_loop(struct ps_ep *ep, const struct ps_sndinfo *si,
		     const void *buf, size_t len)
{
	sctp_assoc_t ids[US_MAX_ASSOCS];
	unsigned int n = ep->n_assocs;
	int first = 0;

	ep->st.sendall_fallbacks++;
	if (n == 0)
		return -ENOTCONN;
	memcpy(ids, ep->assocs, n * sizeof(ids[0]));	/* EOF may shrink it */
	for (unsigned int i = 0; i < n; i++) {
		int rc = send_assoc(ep, ids[i], si, buf, len);

		if (rc < 0 && first == 0)
			first = rc;
	}
	return first;
}

int ps_send(struct ps_ep *ep, const struct ps_sndinfo *si, const void *buf,
	    size_t len)
{
	int rc;

	if (!si || (len && !buf) ||
	    (si->flags & ~(uint32_t)(PS_SEND_UNORDERED | PS_SEND_EOF |
				     PS_SEND_ABORT | PS_SEND_SENDALL |
				     PS_SEND_SACK_NOW)))
		return -EINVAL;
	if (!ep->so)
		return si->flags & PS_SEND_SENDALL ? -ENOTCONN : -ENOENT;
	if (si->flags & PS_SEND_SENDALL)
		rc = send_loop(ep, si, buf, len);
	else
		rc = send_assoc(ep, (sctp_assoc_t)si->assoc, si, buf, len);
	if (rc == 0) {
		us_wake_sent(ep);
		if (len && !(si->flags & PS_SEND_ABORT)) {
			ep->st.tx_msgs++;
			ep->st.tx_bytes += len;
		}
	}
	return rc;
}
