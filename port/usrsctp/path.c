/* SPDX-License-Identifier: MIT */
/* port/usrsctp: primary path, per-path parameters, path status, streams. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/usrsctp/us.h"

static int setopt(struct ps_ep *ep, int name, const void *v, socklen_t len)
{
	if (!ep->so)
		return -ENOENT;
	return usrsctp_setsockopt(ep->so, IPPROTO_SCTP, name, v, len) < 0 ? -errno : 0;
}

static int getopt(struct ps_ep *ep, int name, void *v, socklen_t len)
{
	if (!ep->so)
		return -ENOENT;
	return usrsctp_getsockopt(ep->so, IPPROTO_SCTP, name, v, &len) < 0 ? -errno : 0;
}

static int map_err(const struct ps_ep *ep, ps_assoc_id assoc, int rc)
{
	if (assoc && !us_assoc_known(ep, assoc))
		return -ENOENT;
	if (rc == -ENOPROTOOPT)
		return -EOPNOTSUPP;
	return rc == -ENOENT || rc == -EOPNOTSUPP ? rc : -EINVAL;
}

/* @peer or, NULL, the wildcard usrsctp reads as "every path". */
static int peer_sa(const struct net_addr *peer, struct sockaddr_storage *ss)
{
	socklen_t len;

	if (!peer) {
		us_any_sa(ss);
		return 0;
	}
	return us_to_sa(peer, 0, ss, &len);
}

int ps_set_primary(struct ps_ep *ep, ps_assoc_id assoc,
		   const struct net_addr *peer)
{
	struct sctp_setprim prim;
	struct sockaddr_storage ss;
	int rc;

	if (!peer)
		return -EINVAL;
	if (!us_assoc_known(ep, assoc))
		return -ENOENT;
	memset(&prim, 0, sizeof(prim));
	prim.ssp_assoc_id = (sctp_assoc_t)assoc;
	rc = peer_sa(peer, &ss);
	prim.ssp_addr = ss;
	if (rc == 0)
		rc = setopt(ep, SCTP_PRIMARY_ADDR, &prim, sizeof(prim));
	return rc ? map_err(ep, assoc, rc) : 0;
}

static int set_paddr_params(struct ps_ep *ep, ps_assoc_id assoc,
			    const struct sockaddr_storage *ss,
			    const struct ps_path_params *p, bool one_path)
{
	struct sctp_paddrparams pp;

	if (!p->hb_interval_ms && !p->hb_disable && !p->path_max_retrans &&
	    !p->hb_now)
		return 0;
	memset(&pp, 0, sizeof(pp));
	pp.spp_assoc_id = (sctp_assoc_t)assoc;
	pp.spp_address = *ss;
	pp.spp_hbinterval = p->hb_interval_ms;
	pp.spp_pathmaxrxt = p->path_max_retrans;
	if (p->hb_disable)
		pp.spp_flags = SPP_HB_DISABLE;
	else if (p->hb_interval_ms)
		pp.spp_flags = SPP_HB_ENABLE;
	if (p->hb_now && one_path)
		pp.spp_flags |= SPP_HB_DEMAND;
	return setopt(ep, SCTP_PEER_ADDR_PARAMS, &pp, sizeof(pp));
}

/* RFC 7829 PF threshold; usrsctp needs the failure threshold with it and
 * fails over internally (it has no PF notification). */
static int set_pf(struct ps_ep *ep, ps_assoc_id assoc,
		  const struct sockaddr_storage *ss, const struct ps_path_params *p)
{
	struct us_paddrthlds th;
	int rc;

	if (p->pf_threshold == PS_PF_UNSET)
		return 0;
	memset(&th, 0, sizeof(th));
	th.spt_assoc_id = (sctp_assoc_t)assoc;
	th.spt_address = *ss;
	rc = getopt(ep, US_SO_PEER_ADDR_THLDS, &th, sizeof(th));
	if (rc && p->path_max_retrans == 0)
		return rc;
	if (p->path_max_retrans)
		th.spt_pathmaxrxt = p->path_max_retrans;
	th.spt_pathpfthld = p->pf_threshold;
	th.spt_pathcpthld = 0xffff;
	th.spt_assoc_id = (sctp_assoc_t)assoc;
	th.spt_address = *ss;
	return setopt(ep, US_SO_PEER_ADDR_THLDS, &th, sizeof(th));
}

static int set_assoc_params(struct ps_ep *ep, ps_assoc_id assoc,
			    const struct ps_path_params *p)
{
	int rc = 0;

	if (p->rto_initial_ms || p->rto_min_ms || p->rto_max_ms) {
		struct sctp_rtoinfo ri;

		memset(&ri, 0, sizeof(ri));
		ri.srto_assoc_id = (sctp_assoc_t)assoc;
		ri.srto_initial = p->rto_initial_ms;
		ri.srto_min = p->rto_min_ms;
		ri.srto_max = p->rto_max_ms;
		rc = setopt(ep, SCTP_RTOINFO, &ri, sizeof(ri));
	}
	if (rc == 0 && p->assoc_max_retrans) {
		struct sctp_assocparams ap;

		memset(&ap, 0, sizeof(ap));
		ap.sasoc_assoc_id = (sctp_assoc_t)assoc;
		ap.sasoc_asocmaxrxt = p->assoc_max_retrans;
		rc = setopt(ep, SCTP_ASSOCINFO, &ap, sizeof(ap));
	}
	if (rc == 0 && (p->sack_freq || p->sack_delay_ms)) {
		struct sctp_sack_info si;

		memset(&si, 0, sizeof(si));
		si.sack_assoc_id = (sctp_assoc_t)assoc;
		si.sack_delay = p->sack_delay_ms;
		si.sack_freq = p->sack_freq;
		rc = setopt(ep, SCTP_DELAYED_SACK, &si, sizeof(si));
	}
	return rc;
}

int ps_set_path_params(struct ps_ep *ep, ps_assoc_id assoc,
		       const struct net_addr *peer,
		       const struct ps_path_params *p)
{
	struct sockaddr_storage ss;
	int rc;

	if (!p)
		return -EINVAL;
	if (assoc && !us_assoc_known(ep, assoc))
		return -ENOENT;
	if (!assoc && !peer && p != &ep->defaults) {
		ep->defaults = *p;	/* a re-made socket gets them again */
		ep->defaults.hb_now = false;
		ep->have_defaults = true;
	}
	rc = peer_sa(peer, &ss);
	if (rc == 0)
		rc = set_paddr_params(ep, assoc, &ss, p, peer != NULL);
	if (rc == 0 && (assoc || peer))	/* no endpoint-wide thresholds */
		rc = set_pf(ep, assoc, &ss, p);
	if (rc == 0 && !peer)
		rc = set_assoc_params(ep, assoc, p);
	return rc ? map_err(ep, assoc, rc) : 0;
}

static enum ps_path_state path_state(int32_t s)
{
	switch (s) {
	case SCTP_ACTIVE: return PS_PATH_ACTIVE;
	case SCTP_INACTIVE: return PS_PATH_INACTIVE;
	case SCTP_UNCONFIRMED: return PS_PATH_UNCONFIRMED;
	default: return PS_PATH_UNKNOWN;
	}
}

static void path_info(struct ps_ep *ep, ps_assoc_id assoc,
		      const struct sockaddr_storage *ss, size_t salen,
		      const struct net_addr *prim, struct ps_path_info *pi)
{
	struct sctp_paddrinfo info;

	memset(pi, 0, sizeof(*pi));
	us_from_sa((const struct sockaddr *)ss, (socklen_t)salen, &pi->addr);
	pi->primary = prim && net_addr_same_host(prim, &pi->addr);
	pi->state = PS_PATH_UNKNOWN;
	memset(&info, 0, sizeof(info));
	info.spinfo_assoc_id = (sctp_assoc_t)assoc;
	memcpy(&info.spinfo_address, ss, salen);
	if (getopt(ep, SCTP_GET_PEER_ADDR_INFO, &info, sizeof(info)))
		return;
	pi->state = path_state(info.spinfo_state);
	pi->srtt_ms = info.spinfo_srtt;
	pi->rto_ms = info.spinfo_rto;
	if (!pi->rto_ms) {	/* no RTT sample yet: usrsctp says 0, Linux the initial RTO */
		struct sctp_rtoinfo ri;

		memset(&ri, 0, sizeof(ri));
		ri.srto_assoc_id = (sctp_assoc_t)assoc;
		if (getopt(ep, SCTP_RTOINFO, &ri, sizeof(ri)) == 0)
			pi->rto_ms = ri.srto_initial;
	}
	pi->cwnd = info.spinfo_cwnd;
	pi->mtu = info.spinfo_mtu;
}

int ps_paths(struct ps_ep *ep, ps_assoc_id assoc, struct ps_path_info *out,
	     unsigned int max, unsigned int *n)
{
	struct sockaddr *addrs = NULL;
	struct sctp_setprim prim;
	struct net_addr pa;
	bool have_prim;
	const uint8_t *p;
	int cnt;

	*n = 0;
	if (!ep->so || !us_assoc_known(ep, assoc))
		return -ENOENT;
	cnt = usrsctp_getpaddrs(ep->so, (sctp_assoc_t)assoc, &addrs);
	if (cnt < 0)
		return -ENOENT;
	memset(&prim, 0, sizeof(prim));
	prim.ssp_assoc_id = (sctp_assoc_t)assoc;
	have_prim = getopt(ep, SCTP_PRIMARY_ADDR, &prim, sizeof(prim)) == 0 &&
		    us_from_sa((struct sockaddr *)&prim.ssp_addr, sizeof(prim.ssp_addr),
			       &pa) == 0;
	p = (const uint8_t *)addrs;
	for (int i = 0; i < cnt && *n < max; i++) {
		struct sockaddr_storage ss;
		size_t salen;

		memcpy(&ss, p, sizeof(struct sockaddr));
		salen = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
		memcpy(&ss, p, salen);
		path_info(ep, assoc, &ss, salen, have_prim ? &pa : NULL, &out[(*n)++]);
		p += salen;
	}
	if (cnt > 0)
		usrsctp_freepaddrs(addrs);
	return 0;
}

/* RFC 8260 priority scheduler: usrsctp's SCTP_SS_PRIORITY (lower first). */
int ps_set_stream_prio(struct ps_ep *ep, ps_assoc_id assoc, uint16_t stream,
		       uint16_t prio)
{
	struct sctp_assoc_value av;
	struct sctp_stream_value sv;
	int rc;

	if (!us_assoc_known(ep, assoc))
		return -ENOENT;
	/* switching scheduler clears every stream's value: only once */
	memset(&av, 0, sizeof(av));
	av.assoc_id = (sctp_assoc_t)assoc;
	rc = getopt(ep, SCTP_PLUGGABLE_SS, &av, sizeof(av));
	if (rc == 0 && av.assoc_value != SCTP_SS_PRIORITY) {
		av.assoc_id = (sctp_assoc_t)assoc;
		av.assoc_value = SCTP_SS_PRIORITY;
		rc = setopt(ep, SCTP_PLUGGABLE_SS, &av, sizeof(av));
	}
	if (rc == 0) {
		memset(&sv, 0, sizeof(sv));
		sv.assoc_id = (sctp_assoc_t)assoc;
		sv.stream_id = stream;
		sv.stream_value = prio;
		rc = setopt(ep, SCTP_SS_VALUE, &sv, sizeof(sv));
	}
	return rc == -ENOPROTOOPT ? -EOPNOTSUPP : rc;
}
