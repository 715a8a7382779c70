/* SPDX-License-Identifier: MIT */
/* port/usrsctp: socket options, events, the remote UDP ports. */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/usrsctp/us.h"
#include "port/sctp_encap.h"

static int setopt(struct ps_ep *ep, int level, int name, const void *v,
		  socklen_t len)
{
	return usrsctp_setsockopt(ep->so, level, name, v, len) < 0 ? -errno : 0;
}

/* Best effort: an option this usrsctp lacks must not stop the endpoint. */
static void setopt_future(struct ps_ep *ep, int name, uint32_t value)
{
	struct sctp_assoc_value av;

	memset(&av, 0, sizeof(av));
	av.assoc_id = SCTP_FUTURE_ASSOC;
	av.assoc_value = value;
	(void)setopt(ep, IPPROTO_SCTP, name, &av, sizeof(av));
}

static const uint16_t us_events[] = {
	SCTP_ASSOC_CHANGE, SCTP_PEER_ADDR_CHANGE, SCTP_SEND_FAILED_EVENT,
	SCTP_REMOTE_ERROR, SCTP_SHUTDOWN_EVENT, SCTP_PARTIAL_DELIVERY_EVENT,
	SCTP_ADAPTATION_INDICATION, SCTP_AUTHENTICATION_EVENT,
	SCTP_SENDER_DRY_EVENT, SCTP_STREAM_RESET_EVENT, SCTP_ASSOC_RESET_EVENT,
	SCTP_STREAM_CHANGE_EVENT,
};

static int subscribe(struct ps_ep *ep)
{
	for (size_t i = 0; i < sizeof(us_events) / sizeof(us_events[0]); i++) {
		struct sctp_event se;
		int rc;

		memset(&se, 0, sizeof(se));
		se.se_assoc_id = SCTP_FUTURE_ASSOC;
		se.se_type = us_events[i];
		se.se_on = 1;
		rc = setopt(ep, IPPROTO_SCTP, SCTP_EVENT, &se, sizeof(se));
		if (rc && us_events[i] == SCTP_ASSOC_CHANGE)
			return rc;	/* the one the core cannot do without */
	}
	return 0;
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
	return setopt(ep, IPPROTO_SCTP, SCTP_INITMSG, &im, sizeof(im));
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

int us_setup_options(struct ps_ep *ep)
{
	const struct ps_config *c = &ep->cfg;
	int one = 1, zero = 0;
	int rc;

	rc = set_initmsg(ep);
	/* usrsctp's Nagle holds a lone small message for a full-sized one */
	if (rc == 0 && c->nodelay)
		rc = setopt(ep, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof(one));
	if (rc == 0)
		rc = setopt(ep, IPPROTO_SCTP, SCTP_RECVRCVINFO, &one, sizeof(one));
	if (rc)
		return rc == -ENOMEM ? rc : -EINVAL;
	(void)setopt(ep, IPPROTO_SCTP, SCTP_I_WANT_MAPPED_V4_ADDR, &zero,
		     sizeof(zero));
	setopt_future(ep, SCTP_PR_SUPPORTED, 1);
	if (c->interleave) {
		int two = 2;

		(void)setopt(ep, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, &two,
			     sizeof(two));
		setopt_future(ep, US_SO_INTERLEAVING_SUPPORTED, 1);
	}
	/* every peer address not in the table: the IANA port */
	(void)us_set_encap(ep, SCTP_FUTURE_ASSOC, NULL, PS_UDP_PORT_DEFAULT);
	return subscribe(ep);
}

int us_set_encap(struct ps_ep *ep, sctp_assoc_t id, const struct net_addr *peer,
		 uint16_t port)
{
	struct sctp_udpencaps ue;
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ue, 0, sizeof(ue));
	if (!peer)
		us_any_sa(&ss);
	else if (us_to_sa(peer, 0, &ss, &len))
		return -EINVAL;
	ue.sue_address = ss;
	ue.sue_assoc_id = id;
	ue.sue_port = htons(port);
	return setopt(ep, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue, sizeof(ue));
}

/* Each peer address of @id: its port from the table, else the IANA one. */
void us_encap_apply(struct ps_ep *ep, sctp_assoc_t id)
{
	struct sockaddr *addrs = NULL;
	const uint8_t *p;
	int cnt;

	if (!ep->cfg.n_encap || !ep->so)
		return;
	cnt = usrsctp_getpaddrs(ep->so, id, &addrs);
	p = (const uint8_t *)addrs;
	for (int i = 0; i < cnt; i++) {
		struct sockaddr_storage ss;
		struct net_addr a;
		size_t salen;

		memcpy(&ss, p, sizeof(struct sockaddr));
		salen = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
		memcpy(&ss, p, salen);
		p += salen;
		if (us_from_sa((struct sockaddr *)&ss, (socklen_t)salen, &a))
			continue;
		(void)us_set_encap(ep, id, &a, ps_encap_port(ep->encap,
				   ep->cfg.n_encap, &a, PS_UDP_PORT_DEFAULT));
	}
	if (cnt > 0)
		usrsctp_freepaddrs(addrs);
}
