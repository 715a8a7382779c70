/* SPDX-License-Identifier: MIT */
/*
 * port/usrsctp: decode one notification (usrsctp.h's layouts, which are
 * FreeBSD's, not Linux's) into struct ps_event. Lengths are checked
 * against the bytes received before a field is read; structs are
 * memcpy'd out of the buffer.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/usrsctp/us.h"

static uint32_t send_flags(uint16_t f)
{
	return ((f & SCTP_UNORDERED) ? PS_SEND_UNORDERED : 0) |
	       ((f & SCTP_EOF) ? PS_SEND_EOF : 0) |
	       ((f & SCTP_ABORT) ? PS_SEND_ABORT : 0);
}

/* usrsctp fills sac_info with the peer's features at COMM_UP. */
static uint32_t info_features(const uint8_t *p, size_t n)
{
	static const uint32_t map[] = {
		[SCTP_ASSOC_SUPPORTS_PR] = PS_FEAT_PR,
		[SCTP_ASSOC_SUPPORTS_AUTH] = PS_FEAT_AUTH,
		[SCTP_ASSOC_SUPPORTS_ASCONF] = PS_FEAT_ASCONF,
		[SCTP_ASSOC_SUPPORTS_MULTIBUF] = PS_FEAT_MULTIBUF,
		[SCTP_ASSOC_SUPPORTS_RE_CONFIG] = PS_FEAT_RECONFIG,
		[SCTP_ASSOC_SUPPORTS_INTERLEAVING] = PS_FEAT_INTERLEAVE,
	};
	uint32_t f = 0;

	for (size_t i = 0; i < n; i++)
		if (p[i] < sizeof(map) / sizeof(map[0]))
			f |= map[p[i]];
	return f;
}

/* The endpoint's SCTP port (ephemeral unless configured). */
static uint16_t local_port(struct ps_ep *ep, sctp_assoc_t id)
{
	struct sockaddr *addrs = NULL;
	struct net_addr a;
	int n = usrsctp_getladdrs(ep->so, id, &addrs);

	memset(&a, 0, sizeof(a));
	if (n > 0)
		us_from_sa(addrs, sizeof(struct sockaddr_in6), &a);
	if (n > 0)
		usrsctp_freeladdrs(addrs);
	return a.port ? a.port : ep->cfg.port;
}

/* RFC 5061 Set Primary after an INIT steered over UDP (ps_connect). */
static void set_peer_primary(struct ps_ep *ep, sctp_assoc_t id)
{
	for (unsigned int i = 0; i < ep->n_steer; i++) {
		struct sctp_setpeerprim sp;
		struct sockaddr_storage ss;
		char a[NET_ADDR_STRLEN];
		socklen_t len;

		if (ep->steer[i].id != id)
			continue;
		memset(&sp, 0, sizeof(sp));
		sp.sspp_assoc_id = id;
		if (us_to_sa(&ep->steer[i].want, local_port(ep, id), &ss, &len) == 0) {
			sp.sspp_addr = ss;
			if (usrsctp_setsockopt(ep->so, IPPROTO_SCTP,
					       SCTP_SET_PEER_PRIMARY_ADDR, &sp,
					       sizeof(sp)) < 0) {
				net_addr_format(&ep->steer[i].want, a, sizeof(a));
				us_log(1, "assoc=%u: the INIT went over a UDP path "
				       "(NAT); cannot ask the peer to send to %s "
				       "(RFC 5061 Set Primary: %s): its traffic "
				       "stays on that path", (unsigned int)id, a,
				       strerror(errno));
			}
		}
		ep->steer[i] = ep->steer[--ep->n_steer];
		return;
	}
}

static int assoc_change(struct ps_ep *ep, const uint8_t *p, size_t n,
			struct ps_event *ev)
{
	struct sctp_assoc_change sac;

	memcpy(&sac, p, sizeof(sac));
	if (sac.sac_state < SCTP_COMM_UP || sac.sac_state > SCTP_CANT_STR_ASSOC)
		return -EINVAL;
	ev->type = PS_EV_ASSOC_CHANGE;
	ev->assoc = (ps_assoc_id)sac.sac_assoc_id;
	/* usrsctp's 1..5 are RFC 6458's, in ps_assoc_state's order */
	ev->u.assoc.state = (enum ps_assoc_state)sac.sac_state;
	ev->u.assoc.error = sac.sac_error;
	ev->u.assoc.out_streams = sac.sac_outbound_streams;
	ev->u.assoc.in_streams = sac.sac_inbound_streams;
	if (sac.sac_state == SCTP_COMM_UP || sac.sac_state == SCTP_RESTART) {
		us_assoc_add(ep, sac.sac_assoc_id);
		us_encap_apply(ep, sac.sac_assoc_id);
		set_peer_primary(ep, sac.sac_assoc_id);
		ev->u.assoc.features = info_features(p + sizeof(sac), n - sizeof(sac));
	} else {
		us_assoc_del(ep, sac.sac_assoc_id);
	}
	return 0;
}

static int paddr_change(const uint8_t *p, struct ps_event *ev)
{
	struct sctp_paddr_change spc;

	memcpy(&spc, p, sizeof(spc));
	/* 1..6 as in ps_addr_state; usrsctp has no PF notification */
	if (spc.spc_state < SCTP_ADDR_AVAILABLE || spc.spc_state > SCTP_ADDR_CONFIRMED)
		return -EINVAL;
	ev->type = PS_EV_PEER_ADDR_CHANGE;
	ev->assoc = (ps_assoc_id)spc.spc_assoc_id;
	ev->u.paddr.state = (enum ps_addr_state)spc.spc_state;
	ev->u.paddr.error = (int)spc.spc_error;
	if (us_from_sa((const struct sockaddr *)&spc.spc_aaddr,
		       sizeof(spc.spc_aaddr), &ev->u.paddr.addr) < 0)
		memset(&ev->u.paddr.addr, 0, sizeof(ev->u.paddr.addr));
	return 0;
}

static int send_failed(const uint8_t *p, size_t n, struct ps_event *ev)
{
	struct sctp_send_failed_event s;

	memcpy(&s, p, sizeof(s));
	ev->type = PS_EV_SEND_FAILED;
	ev->assoc = (ps_assoc_id)s.ssfe_assoc_id;
	ev->u.send_failed.unsent = (s.ssfe_flags & SCTP_DATA_UNSENT) != 0;
	ev->u.send_failed.error = (int)s.ssfe_error;
	ev->u.send_failed.stream = s.ssfe_info.snd_sid;
	ev->u.send_failed.ppid = ntohl(s.ssfe_info.snd_ppid);
	ev->u.send_failed.context = s.ssfe_info.snd_context;
	ev->u.send_failed.flags = send_flags(s.ssfe_info.snd_flags);
	ev->u.send_failed.buf = p + sizeof(s);
	ev->u.send_failed.len = n - sizeof(s);
	return 0;
}

static size_t min_len(uint16_t type)
{
	switch (type) {
	case SCTP_ASSOC_CHANGE: return sizeof(struct sctp_assoc_change);
	case SCTP_PEER_ADDR_CHANGE: return sizeof(struct sctp_paddr_change);
	case SCTP_SEND_FAILED_EVENT: return sizeof(struct sctp_send_failed_event);
	case SCTP_REMOTE_ERROR: return sizeof(struct sctp_remote_error);
	case SCTP_SHUTDOWN_EVENT: return sizeof(struct sctp_shutdown_event);
	case SCTP_PARTIAL_DELIVERY_EVENT: return sizeof(struct sctp_pdapi_event);
	case SCTP_ADAPTATION_INDICATION: return sizeof(struct sctp_adaptation_event);
	case SCTP_AUTHENTICATION_EVENT: return sizeof(struct sctp_authkey_event);
	case SCTP_SENDER_DRY_EVENT: return sizeof(struct sctp_sender_dry_event);
	case SCTP_STREAM_RESET_EVENT: return sizeof(struct sctp_stream_reset_event);
	case SCTP_ASSOC_RESET_EVENT: return sizeof(struct sctp_assoc_reset_event);
	case SCTP_STREAM_CHANGE_EVENT: return sizeof(struct sctp_stream_change_event);
	default: return 0;
	}
}

static int decode_small(const uint8_t *p, size_t n, uint16_t type,
			struct ps_event *ev)
{
	union {
		struct sctp_remote_error re;
		struct sctp_shutdown_event sh;
		struct sctp_pdapi_event pd;
		struct sctp_adaptation_event ad;
		struct sctp_authkey_event au;
		struct sctp_sender_dry_event dry;
		struct sctp_stream_reset_event sr;
		struct sctp_assoc_reset_event ar;
		struct sctp_stream_change_event sc;
	} u;

	memcpy(&u, p, n < sizeof(u) ? n : sizeof(u));
	switch (type) {
	case SCTP_REMOTE_ERROR:
		ev->type = PS_EV_REMOTE_ERROR;
		ev->assoc = (ps_assoc_id)u.re.sre_assoc_id;
		ev->u.remote_error.cause = ntohs(u.re.sre_error);
		ev->u.remote_error.buf = p + sizeof(u.re);
		ev->u.remote_error.len = n - sizeof(u.re);
		return 0;
	case SCTP_SHUTDOWN_EVENT:
		ev->type = PS_EV_SHUTDOWN;
		ev->assoc = (ps_assoc_id)u.sh.sse_assoc_id;
		return 0;
	case SCTP_PARTIAL_DELIVERY_EVENT:
		ev->type = PS_EV_PARTIAL_DELIVERY;
		ev->assoc = (ps_assoc_id)u.pd.pdapi_assoc_id;
		ev->u.pdapi.indication = u.pd.pdapi_indication;
		ev->u.pdapi.stream = u.pd.pdapi_stream;
		return 0;
	case SCTP_ADAPTATION_INDICATION:
		ev->type = PS_EV_ADAPTATION;
		ev->assoc = (ps_assoc_id)u.ad.sai_assoc_id;
		ev->u.adaptation.indication = u.ad.sai_adaptation_ind;
		return 0;
	case SCTP_AUTHENTICATION_EVENT:
		ev->type = PS_EV_AUTH;
		ev->assoc = (ps_assoc_id)u.au.auth_assoc_id;
		ev->u.auth.keynumber = u.au.auth_keynumber;
		ev->u.auth.indication = u.au.auth_indication;
		return 0;
	case SCTP_SENDER_DRY_EVENT:
		ev->type = PS_EV_SENDER_DRY;
		ev->assoc = (ps_assoc_id)u.dry.sender_dry_assoc_id;
		return 0;
	case SCTP_STREAM_RESET_EVENT:
		ev->type = PS_EV_STREAM_RESET;
		ev->assoc = (ps_assoc_id)u.sr.strreset_assoc_id;
		ev->u.reset.flags = u.sr.strreset_flags;
		ev->u.reset.n_streams = (uint16_t)((n - sizeof(u.sr)) / 2);
		return 0;
	case SCTP_ASSOC_RESET_EVENT:
		ev->type = PS_EV_ASSOC_RESET;
		ev->assoc = (ps_assoc_id)u.ar.assocreset_assoc_id;
		ev->u.reset.flags = u.ar.assocreset_flags;
		return 0;
	case SCTP_STREAM_CHANGE_EVENT:
		ev->type = PS_EV_STREAM_CHANGE;
		ev->assoc = (ps_assoc_id)u.sc.strchange_assoc_id;
		ev->u.reset.flags = u.sc.strchange_flags;
		ev->u.reset.n_streams = u.sc.strchange_outstrms;
		return 0;
	default:
		return -EINVAL;
	}
}

int us_decode_notification(struct ps_ep *ep, const uint8_t *p, size_t n,
			   struct ps_event *ev)
{
	struct sctp_tlv h;
	size_t need;
	int rc = -EINVAL;

	memset(ev, 0, sizeof(*ev));
	ep->st.notifications++;
	if (n < sizeof(h))
		goto out;
	memcpy(&h, p, sizeof(h));
	ev->u.unknown.raw_type = h.sn_type;
	need = min_len(h.sn_type);
	if (h.sn_length > n || (need && h.sn_length < need))
		goto out;
	n = h.sn_length;
	if (!need) {
		ev->type = PS_EV_UNKNOWN;
		ep->st.unknown_notifications++;
		return 0;
	}
	if (h.sn_type == SCTP_ASSOC_CHANGE)
		rc = assoc_change(ep, p, n, ev);
	else if (h.sn_type == SCTP_PEER_ADDR_CHANGE)
		rc = paddr_change(p, ev);
	else if (h.sn_type == SCTP_SEND_FAILED_EVENT)
		rc = send_failed(p, n, ev);
	else
		rc = decode_small(p, n, h.sn_type, ev);
out:
	if (rc < 0) {	/* malformed: reported as UNKNOWN, counted, never fatal */
		uint16_t raw = ev->u.unknown.raw_type;

		memset(ev, 0, sizeof(*ev));
		ev->type = PS_EV_UNKNOWN;
		ev->u.unknown.raw_type = raw;
		ep->st.unknown_notifications++;
	}
	return 0;
}
