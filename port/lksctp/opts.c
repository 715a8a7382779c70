/* SPDX-License-Identifier: MIT */
/* port/lksctp: socket options and event subscription at ps_open(). */
#include <errno.h>
#include <string.h>

#include "port/lksctp/lksctp.h"

int lk_setup_options(struct ps_ep *ep);
int lk_subscribe(struct ps_ep *ep);

static int setopt(int fd, int level, int name, const void *v, socklen_t len)
{
	if (name < 0)
		return -ENOPROTOOPT;	/* not in the build headers */
	return setsockopt(fd, level, name, v, len) < 0 ? -errno : 0;
}

/* Best effort: an option the kernel lacks must not stop the endpoint. */
static void setopt_future(int fd, int name, uint32_t value)
{
	struct sctp_assoc_value av;

	memset(&av, 0, sizeof(av));
	av.assoc_id = SCTP_FUTURE_ASSOC;
	av.assoc_value = value;
	(void)setopt(fd, IPPROTO_SCTP, name, &av, sizeof(av));
}

/* The INIT parameters of associations made from now on (RFC 6458 8.1.3). */
static int set_initmsg(struct ps_ep *ep)
{
	const struct ps_config *c = &ep->cfg;
	struct sctp_initmsg im;

	memset(&im, 0, sizeof(im));
	im.sinit_num_ostreams = c->out_streams;
	im.sinit_max_instreams = c->in_streams;
	im.sinit_max_attempts = c->init_max_attempts;
	im.sinit_max_init_timeo = c->init_timeout_ms > 0xffff ?
				  0xffff : (uint16_t)c->init_timeout_ms;
	return setopt(ep->fd, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im));
}

int ps_set_out_streams(struct ps_ep *ep, uint16_t n)
{
	uint16_t was = ep->cfg.out_streams;
	int rc;

	if (!n)
		return -EINVAL;
	ep->cfg.out_streams = n;
	rc = set_initmsg(ep);
	if (rc)
		ep->cfg.out_streams = was;
	return rc == -EINVAL || !rc ? rc : -EIO;
}

int lk_setup_options(struct ps_ep *ep)
{
	const struct ps_config *c = &ep->cfg;
	int one = 1, zero = 0, rcvbuf = 0;
	socklen_t len = sizeof(rcvbuf);
	int rc;

	rc = set_initmsg(ep);
	if (rc < 0)
		return rc == -EINVAL ? -EINVAL : rc;
	if (c->nodelay) {
		rc = setopt(ep->fd, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one));
		if (rc < 0)
			return rc;
	}
	/* The kernel default can be small on boards; rwnd derives from it. */
	if (getsockopt(ep->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) == 0 &&
	    rcvbuf < LK_MIN_RCVBUF) {
		rcvbuf = LK_MIN_RCVBUF;
		(void)setopt(ep->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	/* sctp_rcvinfo on every data read (RFC 6458 8.1.29, Linux 3.17+). */
	(void)setopt(ep->fd, IPPROTO_SCTP, SCTP_RECVRCVINFO, &one, sizeof(one));
	/* Peers' IPv4 addresses as AF_INET, not v4-mapped, on v6 sockets. */
	if (ep->family == AF_INET6)
		(void)setopt(ep->fd, IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR,
			     &zero, sizeof(zero));
	/* PR-SCTP without depending on net.sctp.prsctp_enable (4.7+). */
	setopt_future(ep->fd, LK_SO_PR_SUPPORTED, 1);
	/* PF state and SCTP_ADDR_PF events are hidden unless asked (5.5+). */
	setopt_future(ep->fd, LK_SO_EXPOSE_PF, LK_PF_EXPOSE_ENABLE);
	/* User-message interleaving (I-DATA, RFC 8260): needs fragment
	 * interleave level 2 and net.sctp.intl_enable; best effort. */
	if (c->interleave) {
		int two = 2;
		(void)setopt(ep->fd, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &two,
			     sizeof(two));
		setopt_future(ep->fd, LK_SO_INTERLEAVING_SUPPORTED, 1);
	}
	/* Automatic ASCONF is only allowed on wildcard-bound sockets. */
	if (c->n_local == 0)
		(void)setopt(ep->fd, IPPROTO_SCTP, SCTP_AUTO_ASCONF, &one,
			     sizeof(one));
	return 0;
}

static const uint16_t lk_events[] = {
	SCTP_DATA_IO_EVENT, SCTP_ASSOC_CHANGE, SCTP_PEER_ADDR_CHANGE,
	SCTP_SEND_FAILED, SCTP_SEND_FAILED_EVENT, SCTP_REMOTE_ERROR,
	SCTP_SHUTDOWN_EVENT, SCTP_PARTIAL_DELIVERY_EVENT,
	SCTP_ADAPTATION_INDICATION, SCTP_AUTHENTICATION_EVENT,
	SCTP_SENDER_DRY_EVENT, SCTP_STREAM_RESET_EVENT,
	SCTP_ASSOC_RESET_EVENT, SCTP_STREAM_CHANGE_EVENT,
};

/*
 * Pre-5.0 kernels: one struct sctp_event_subscribe. It grew over the
 * years and old kernels reject optlen > their sizeof with EINVAL, so
 * shrink until one is accepted (the fields are in kernel order).
 */
static int subscribe_legacy(struct ps_ep *ep)
{
	struct sctp_event_subscribe es;
	int rc = -EINVAL;

	memset(&es, 1, sizeof(es));
	for (socklen_t len = sizeof(es); len > 0; len--) {
		rc = setopt(ep->fd, IPPROTO_SCTP, SCTP_EVENTS, &es, len);
		if (rc != -EINVAL)
			break;
	}
	return rc;
}

/* SCTP_EVENT per type (5.0+); a type the kernel lacks is skipped. */
int lk_subscribe(struct ps_ep *ep)
{
	unsigned int ok = 0;

	for (size_t i = 0; i < sizeof(lk_events) / sizeof(lk_events[0]); i++) {
		struct sctp_event se;
		int rc;

		memset(&se, 0, sizeof(se));
		se.se_assoc_id = SCTP_FUTURE_ASSOC;
		se.se_type = lk_events[i];
		se.se_on = 1;
		rc = setopt(ep->fd, IPPROTO_SCTP, LK_SO_EVENT, &se, sizeof(se));
		if (rc == 0)
			ok++;
		else if (rc == -ENOPROTOOPT && ok == 0)
			return subscribe_legacy(ep);
	}
	return ok ? 0 : subscribe_legacy(ep);
}
