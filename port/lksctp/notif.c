/* SPDX-License-Identifier: MIT */
/*
 * port/lksctp: decode one notification into struct ps_event. Every
 * length is checked against the bytes actually received before a field
 * is read; structs are memcpy'd out (the buffer has no alignment promise).
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>

#include "port/lksctp/lksctp.h"

static uint32_t send_flags(uint16_t f)
{
	return ((f & SCTP_UNORDERED) ? PS_SEND_UNORDERED : 0) |
	       ((f & SCTP_EOF) ? PS_SEND_EOF : 0) |
	       ((f & SCTP_ABORT) ? PS_SEND_ABORT : 0);
}

/* Linux leaves sac_info empty at COMM_UP: ask the association instead. */
static uint32_t peer_features(const struct ps_ep *ep, sctp_assoc_t id)
{
	static const struct { int opt; uint32_t feat; } q[] = {
		{ LK_SO_PR_SUPPORTED, PS_FEAT_PR },
		{ LK_SO_AUTH_SUPPORTED, PS_FEAT_AUTH },
		{ LK_SO_ASCONF_SUPPORTED, PS_FEAT_ASCONF },
		{ LK_SO_RECONFIG_SUPPORTED, PS_FEAT_RECONFIG },
		{ LK_SO_INTERLEAVING_SUPPORTED, PS_FEAT_INTERLEAVE },
	};
	uint32_t f = 0;

	for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		struct sctp_assoc_value av;
		socklen_t len = sizeof(av);

		if (q[i].opt < 0)
			continue;
		memset(&av, 0, sizeof(av));
		av.assoc_id = id;
		if (getsockopt(ep->fd, IPPROTO_SCTP, q[i].opt, &av, &len) == 0 &&
		    av.assoc_value)
			f |= q[i].feat;
	}
	return f;
}

static uint32_t info_features(const uint8_t *p, size_t n)
{
	static const uint32_t map[] = {
		[LK_SUPPORTS_PR] = PS_FEAT_PR,
		[LK_SUPPORTS_AUTH] = PS_FEAT_AUTH,
		[LK_SUPPORTS_ASCONF] = PS_FEAT_ASCONF,
		[LK_SUPPORTS_MULTIBUF] = PS_FEAT_MULTIBUF,
		[LK_SUPPORTS_RECONFIG] = PS_FEAT_RECONFIG,
		[LK_SUPPORTS_INTERLEAVING] = PS_FEAT_INTERLEAVE,
	};
	uint32_t f = 0;

	for (size_t i = 0; i < n; i++)
		if (p[i] < sizeof(map) / sizeof(map[0]))
			f |= map[p[i]];
	return f;
}

static int assoc_change(struct ps_ep *ep, const uint8_t *p, size_t n,
			struct ps_event *ev)
{
	static const enum ps_assoc_state st[] = {
		[SCTP_COMM_UP] = PS_COMM_UP, [SCTP_COMM_LOST] = PS_COMM_LOST,
		[SCTP_RESTART] = PS_RESTART,
		[SCTP_SHUTDOWN_COMP] = PS_SHUTDOWN_COMP,
		[SCTP_CANT_STR_ASSOC] = PS_CANT_STR_ASSOC,
	};
	struct sctp_assoc_change sac;

	memcpy(&sac, p, sizeof(sac));
	if (sac.sac_state >= sizeof(st) / sizeof(st[0]))
		return -EINVAL;
	ev->type = PS_EV_ASSOC_CHANGE;
	ev->assoc = (ps_assoc_id)sac.sac_assoc_id;
	ev->u.assoc.state = st[sac.sac_state];
	ev->u.assoc.error = sac.sac_error;
	ev->u.assoc.out_streams = sac.sac_outbound_streams;
	ev->u.assoc.in_streams = sac.sac_inbound_streams;
	if (sac.sac_state == SCTP_COMM_UP || sac.sac_state == SCTP_RESTART) {
		/* A failed add only disables the SENDALL fallback for it. */
		(void)lk_assoc_add(ep, sac.sac_assoc_id);
		ev->u.assoc.features = n > sizeof(sac) ?
			info_features(p + sizeof(sac), n - sizeof(sac)) :
			peer_features(ep, sac.sac_assoc_id);
	} else {
		lk_assoc_del(ep, sac.sac_assoc_id);
	}
	return 0;
}

static int paddr_change(const uint8_t *p, struct ps_event *ev)
{
	static const enum ps_addr_state st[] = {
		[SCTP_ADDR_AVAILABLE] = PS_ADDR_AVAILABLE,
		[SCTP_ADDR_UNREACHABLE] = PS_ADDR_UNREACHABLE,
		[SCTP_ADDR_REMOVED] = PS_ADDR_REMOVED,
		[SCTP_ADDR_ADDED] = PS_ADDR_ADDED,
		[SCTP_ADDR_MADE_PRIM] = PS_ADDR_MADE_PRIM,
		[SCTP_ADDR_CONFIRMED] = PS_ADDR_CONFIRMED,
		[SCTP_ADDR_PF] = PS_ADDR_PF,
	};
	struct sctp_paddr_change spc;

	memcpy(&spc, p, sizeof(spc));
	if (spc.spc_state < 0 || (size_t)spc.spc_state >= sizeof(st) / sizeof(st[0]))
		return -EINVAL;
	ev->type = PS_EV_PEER_ADDR_CHANGE;
	ev->assoc = (ps_assoc_id)spc.spc_assoc_id;
	ev->u.paddr.state = st[spc.spc_state];
	ev->u.paddr.error = spc.spc_error;
	if (lk_from_sa((const struct sockaddr *)&spc.spc_aaddr,
		       sizeof(spc.spc_aaddr), &ev->u.paddr.addr) < 0)
		memset(&ev->u.paddr.addr, 0, sizeof(ev->u.paddr.addr));
	return 0;
}

/* Old (RFC 6458 6.1.11, deprecated) and new form; payload follows both. */
static int send_failed(const uint8_t *p, size_t n, bool new_form,
		       struct ps_event *ev)
{
	ev->type = PS_EV_SEND_FAILED;
	if (new_form) {
		/* Linux names the fields ssf_*, not RFC 6458's ssfe_*. */
		struct sctp_send_failed_event s;

		memcpy(&s, p, sizeof(s));
		ev->assoc = (ps_assoc_id)s.ssf_assoc_id;
		ev->u.send_failed.unsent = s.ssf_flags == SCTP_DATA_UNSENT;
		ev->u.send_failed.error = (int)s.ssf_error;
		ev->u.send_failed.stream = s.ssfe_info.snd_sid;
		ev->u.send_failed.ppid = ntohl(s.ssfe_info.snd_ppid);
		ev->u.send_failed.context = s.ssfe_info.snd_context;
		ev->u.send_failed.flags = send_flags(s.ssfe_info.snd_flags);
		ev->u.send_failed.buf = p + sizeof(s);
		ev->u.send_failed.len = n - sizeof(s);
	} else {
		struct sctp_send_failed s;

		memcpy(&s, p, sizeof(s));
		ev->assoc = (ps_assoc_id)s.ssf_assoc_id;
		ev->u.send_failed.unsent = s.ssf_flags == SCTP_DATA_UNSENT;
		ev->u.send_failed.error = (int)s.ssf_error;
		ev->u.send_failed.stream = s.ssf_info.sinfo_stream;
		ev->u.send_failed.ppid = ntohl(s.ssf_info.sinfo_ppid);
		ev->u.send_failed.context = s.ssf_info.sinfo_context;
		ev->u.send_failed.flags = send_flags(s.ssf_info.sinfo_flags);
		ev->u.send_failed.buf = p + sizeof(s);
		ev->u.send_failed.len = n - sizeof(s);
	}
	return 0;
}

/* The fixed part each known type needs; 0 = unknown type. */
static size_t min_len(uint16_t type)
{
	switch (type) {
	case SCTP_ASSOC_CHANGE: return sizeof(struct sctp_assoc_change);
	case SCTP_PEER_ADDR_CHANGE: return sizeof(struct sctp_paddr_change);
	case SCTP_SEND_FAILED: return sizeof(struct sctp_send_failed);
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
			struct ps_event *ev);

int lk_decode_notification(struct ps_ep *ep, const uint8_t *p, size_t n,
			   struct ps_event *ev)
{
	struct { uint16_t sn_type, sn_flags; uint32_t sn_length; } h;
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
		goto out;	/* truncated or lying about its length */
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
	else if (h.sn_type == SCTP_SEND_FAILED || h.sn_type == SCTP_SEND_FAILED_EVENT)
		rc = send_failed(p, n, h.sn_type == SCTP_SEND_FAILED_EVENT, ev);
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

/* Linux: SCTP_AUTH_NEW_KEY 0, SCTP_AUTH_FREE_KEY 1, SCTP_AUTH_NO_AUTH 2
 * (the last two are not in older uapi headers). */
static uint32_t auth_indication(uint32_t v)
{
	return v == SCTP_AUTH_NEW_KEY ? PS_AUTH_NEW_KEY : v == 1 ? PS_AUTH_FREE_KEY :
	       v == 2 ? PS_AUTH_NO_AUTH : v + 100;
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
		ev->u.auth.indication = auth_indication(u.au.auth_indication);
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
