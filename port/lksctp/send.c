/* SPDX-License-Identifier: MIT */
/* port/lksctp: ps_send() with SCTP_SNDINFO / SCTP_PRINFO cmsgs. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/lksctp/lksctp.h"

union lk_ctl {
	struct cmsghdr align;
	uint8_t b[CMSG_SPACE(sizeof(struct sctp_sndinfo)) +
		  CMSG_SPACE(sizeof(struct sctp_prinfo)) +
		  CMSG_SPACE(sizeof(struct sctp_sndrcvinfo))];
};

static struct cmsghdr *add_cmsg(struct msghdr *mh, struct cmsghdr *prev,
				int type, const void *data, size_t len)
{
	struct cmsghdr *c;

	mh->msg_controllen += CMSG_SPACE(len);
	c = prev ? CMSG_NXTHDR(mh, prev) : CMSG_FIRSTHDR(mh);
	c->cmsg_level = IPPROTO_SCTP;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return c;
}

/*
 * One sendmsg. @legacy: a single SCTP_SNDRCV cmsg with sinfo_timetolive,
 * for kernels that reject SCTP_PRINFO. Returns 0 or -errno (raw).
 */
static int send_one(struct ps_ep *ep, sctp_assoc_t id, uint16_t flags,
		    const struct ps_sndinfo *si, const void *buf, size_t len,
		    bool legacy)
{
	union lk_ctl ctl;
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.b;
	if (legacy) {
		struct sctp_sndrcvinfo s;

		memset(&s, 0, sizeof(s));
		s.sinfo_stream = si->stream;
		s.sinfo_flags = flags;
		s.sinfo_ppid = htonl(si->ppid);
		s.sinfo_context = si->context;
		s.sinfo_timetolive = si->lifetime_ms;
		s.sinfo_assoc_id = id;
		add_cmsg(&mh, NULL, SCTP_SNDRCV, &s, sizeof(s));
	} else {
		struct sctp_sndinfo s;

		memset(&s, 0, sizeof(s));
		s.snd_sid = si->stream;
		s.snd_flags = flags;
		s.snd_ppid = htonl(si->ppid);	/* kernel passes it opaquely */
		s.snd_context = si->context;
		s.snd_assoc_id = id;
		c = add_cmsg(&mh, NULL, SCTP_SNDINFO, &s, sizeof(s));
		if (si->lifetime_ms) {
			struct sctp_prinfo pr;

			memset(&pr, 0, sizeof(pr));
			pr.pr_policy = SCTP_PR_SCTP_TTL;
			pr.pr_value = si->lifetime_ms;
			add_cmsg(&mh, c, SCTP_PRINFO, &pr, sizeof(pr));
		}
	}
	for (;;) {
		ssize_t n = sendmsg(ep->fd, &mh, MSG_NOSIGNAL);

		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* PRINFO fallback on EINVAL, remembered once the legacy form worked. */
static int send_prinfo(struct ps_ep *ep, sctp_assoc_t id, uint16_t flags,
		       const struct ps_sndinfo *si, const void *buf, size_t len)
{
	int rc = send_one(ep, id, flags, si, buf, len, ep->no_prinfo);

	if (rc == -EINVAL && si->lifetime_ms && !ep->no_prinfo) {
		rc = send_one(ep, id, flags, si, buf, len, true);
		if (rc == 0)
			ep->no_prinfo = true;
	}
	return rc;
}

int lk_send_errno(const struct ps_ep *ep, sctp_assoc_t id, int rc)
{
	if (rc == 0)
		return 0;
	if (rc == -EWOULDBLOCK)	/* may differ from EAGAIN elsewhere */
		return -EAGAIN;
	switch (rc) {
	case -EPIPE:	/* Linux: no association with that id */
		return lk_assoc_known(ep, id) ? -EPIPE : -ENOENT;
	case -ESHUTDOWN: case -ECONNRESET:
		return -EPIPE;
	case -EAGAIN: case -EINVAL: case -ENOENT: case -ENOTCONN:
	case -EMSGSIZE: case -ENOMEM:
		return rc;
	case -ENOBUFS:
		return -ENOMEM;
	default:	/* transient as far as we know: the caller keeps it */
		return -EIO;
	}
}

static uint16_t sctp_flags(uint32_t f)
{
	return (uint16_t)(((f & PS_SEND_UNORDERED) ? SCTP_UNORDERED : 0) |
			  ((f & PS_SEND_ABORT) ? SCTP_ABORT : 0) |
			  ((f & PS_SEND_SACK_NOW) ? LK_SACK_IMMEDIATELY : 0));
}

/* EOF with data: data first, then SHUTDOWN (Linux drops EOF's payload). */
static int send_assoc(struct ps_ep *ep, sctp_assoc_t id,
		      const struct ps_sndinfo *si, const void *buf, size_t len)
{
	uint16_t fl = sctp_flags(si->flags);
	int rc = 0;

	if (!(si->flags & PS_SEND_EOF) || (si->flags & PS_SEND_ABORT))
		return lk_send_errno(ep, id, send_prinfo(ep, id, fl, si, buf, len));
	if (len)
		rc = send_prinfo(ep, id, fl, si, buf, len);
	if (rc == 0)
		rc = send_one(ep, id, SCTP_EOF, si, NULL, 0, false);
	return lk_send_errno(ep, id, rc);
}

/* SENDALL by hand: every tracked association; first error wins. */
static int send_loop(struct ps_ep *ep, const struct ps_sndinfo *si,
		     const void *buf, size_t len)
{
	int first = 0;

	ep->st.sendall_fallbacks++;
	if (ep->n_assocs == 0)
		return -ENOTCONN;
	for (unsigned int i = 0; i < ep->n_assocs; i++) {
		int rc = send_assoc(ep, ep->assocs[i], si, buf, len);

		if (rc < 0 && first == 0)
			first = rc;
	}
	return first;
}

static int send_flags(struct ps_ep *ep, const struct ps_sndinfo *si,
		      const void *buf, size_t len)
{
	int rc;

	if (!(si->flags & PS_SEND_SENDALL)) {
		rc = send_assoc(ep, (sctp_assoc_t)si->assoc, si, buf, len);
		goto out;
	}
	if (!LK_HAVE_SENDALL || ep->no_sendall || (si->flags & PS_SEND_EOF)) {
		rc = send_loop(ep, si, buf, len);
		goto out;
	}
	rc = send_one(ep, 0, (uint16_t)(sctp_flags(si->flags) | LK_SENDALL),
		      si, buf, len, ep->sendall_sndrcv);
	if (rc == -EINVAL && !ep->sendall_sndrcv) {
		/* Some kernels accept SENDALL only in SCTP_SNDRCV's flags. */
		rc = send_one(ep, 0, (uint16_t)(sctp_flags(si->flags) |
			      LK_SENDALL), si, buf, len, true);
		ep->sendall_sndrcv = rc == 0;
	}
	if (rc == -EINVAL) {	/* pre-4.17 kernel, or a bad stream */
		rc = send_loop(ep, si, buf, len);
		if (rc == 0)
			ep->no_sendall = true;
	} else {
		rc = lk_send_errno(ep, 0, rc);
	}
out:
	if (rc == 0 && len && !(si->flags & PS_SEND_ABORT)) {
		ep->st.tx_msgs++;
		ep->st.tx_bytes += len;
	}
	return rc;
}

/* A kernel before 3.13 answers EINVAL to SACK_IMMEDIATELY: the message
 * goes without it, and so does every later one. */
int ps_send(struct ps_ep *ep, const struct ps_sndinfo *si, const void *buf,
	    size_t len)
{
	struct ps_sndinfo plain;
	int rc;

	if (!si || (len && !buf) ||
	    (si->flags & ~(uint32_t)(PS_SEND_UNORDERED | PS_SEND_EOF |
				     PS_SEND_ABORT | PS_SEND_SENDALL |
				     PS_SEND_SACK_NOW)))
		return -EINVAL;
	if (!(si->flags & PS_SEND_SACK_NOW))
		return send_flags(ep, si, buf, len);
	plain = *si;
	plain.flags &= ~(uint32_t)PS_SEND_SACK_NOW;
	if (ep->no_sack_now)
		return send_flags(ep, &plain, buf, len);
	rc = send_flags(ep, si, buf, len);
	if (rc == -EINVAL) {
		rc = send_flags(ep, &plain, buf, len);
		ep->no_sack_now = rc == 0;
	}
	return rc;
}
