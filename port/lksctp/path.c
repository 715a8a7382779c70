/* SPDX-License-Identifier: MIT */
/* port/lksctp: primary path, per-path parameters, path status. */
#define _GNU_SOURCE		/* CLOCK_MONOTONIC_COARSE, clock_getres */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "port/lksctp/lksctp.h"

static int getopt_sctp(int fd, int name, void *v, socklen_t len)
{
	return getsockopt(fd, IPPROTO_SCTP, name, v, &len) < 0 ? -errno : 0;
}

static int setopt_sctp(int fd, int name, const void *v, socklen_t len)
{
	if (name < 0)
		return -EOPNOTSUPP;
	return setsockopt(fd, IPPROTO_SCTP, name, v, len) < 0 ? -errno : 0;
}

/* Linux says EINVAL both for "no such association" and "bad value". */
static int map_err(const struct ps_ep *ep, ps_assoc_id assoc, int rc)
{
	if (assoc && !lk_assoc_known(ep, assoc))
		return -ENOENT;
	if (rc == -ENOPROTOOPT)
		return -EOPNOTSUPP;
	return rc == -ENOENT || rc == -EOPNOTSUPP ? rc : -EINVAL;
}

int ps_set_primary(struct ps_ep *ep, ps_assoc_id assoc,
		   const struct net_addr *peer)
{
	struct sctp_prim prim;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	if (!peer)
		return -EINVAL;
	/* Linux finds the path by address alone and ignores a stale id. */
	if (!lk_assoc_known(ep, assoc))
		return -ENOENT;
	memset(&prim, 0, sizeof(prim));
	prim.ssp_assoc_id = (sctp_assoc_t)assoc;
	rc = lk_to_sa(peer, 0, &ss, &len);
	memcpy(&prim.ssp_addr, &ss, sizeof(ss));	/* packed struct */
	if (rc == 0)
		rc = setopt_sctp(ep->fd, SCTP_PRIMARY_ADDR, &prim, sizeof(prim));
	return rc ? map_err(ep, assoc, rc) : 0;
}

/* Heartbeat and path max retrans; a zero address = the whole assoc. */
static int set_paddr_params(struct ps_ep *ep, ps_assoc_id assoc,
			    const struct sockaddr_storage *ss,
			    const struct ps_path_params *p)
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
	/* one heartbeat now: measures the path's RTT before it carries data */
	if (p->hb_now && ss->ss_family != AF_UNSPEC)
		pp.spp_flags |= SPP_HB_DEMAND;
	/* Pre-5.1 size (no flowlabel/dscp): accepted by old and new kernels. */
	return setopt_sctp(ep->fd, SCTP_PEER_ADDR_PARAMS, &pp,
			   (offsetof(struct sctp_paddrparams, spp_ipv6_flowlabel)
			    + 3) & ~(socklen_t)3);
}

/* RFC 7829 PF threshold (0 = PF at the first timeout). */
static int set_pf(struct ps_ep *ep, ps_assoc_id assoc,
		  const struct sockaddr_storage *ss, const struct ps_path_params *p)
{
	struct sctp_paddrthlds th;

	if (p->pf_threshold == PS_PF_UNSET)
		return 0;
	memset(&th, 0, sizeof(th));
	th.spt_assoc_id = (sctp_assoc_t)assoc;
	th.spt_address = *ss;
	th.spt_pathmaxrxt = p->path_max_retrans;
	/* RFC 7829: PF after this many timeouts; 0 = at the first one */
	th.spt_pathpfthld = p->pf_threshold;
	return setopt_sctp(ep->fd, LK_SO_THLDS, &th, sizeof(th));
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
		rc = setopt_sctp(ep->fd, SCTP_RTOINFO, &ri, sizeof(ri));
	}
	if (rc == 0 && p->assoc_max_retrans) {
		struct sctp_assocparams ap;

		memset(&ap, 0, sizeof(ap));
		ap.sasoc_assoc_id = (sctp_assoc_t)assoc;
		ap.sasoc_asocmaxrxt = p->assoc_max_retrans;
		rc = setopt_sctp(ep->fd, SCTP_ASSOCINFO, &ap, sizeof(ap));
	}
	if (rc == 0 && (p->sack_freq || p->sack_delay_ms)) {
		struct sctp_sack_info si;

		memset(&si, 0, sizeof(si));
		si.sack_assoc_id = (sctp_assoc_t)assoc;
		si.sack_delay = p->sack_delay_ms;
		si.sack_freq = p->sack_freq;
		rc = setopt_sctp(ep->fd, SCTP_DELAYED_SACK, &si, sizeof(si));
	}
	return rc;
}

int ps_set_path_params(struct ps_ep *ep, ps_assoc_id assoc,
		       const struct net_addr *peer,
		       const struct ps_path_params *p)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc = 0;

	if (!p)
		return -EINVAL;
	if (assoc && !lk_assoc_known(ep, assoc))
		return -ENOENT;
	memset(&ss, 0, sizeof(ss));	/* the wildcard means "every path" */
	if (peer)
		rc = lk_to_sa(peer, 0, &ss, &len);
	if (rc == 0)
		rc = set_paddr_params(ep, assoc, &ss, p);
	if (rc == 0)
		rc = set_pf(ep, assoc, &ss, p);
	if (rc == 0 && !peer)
		rc = set_assoc_params(ep, assoc, p);
	return rc ? map_err(ep, assoc, rc) : 0;
}

static enum ps_path_state path_state(int s)
{
	switch (s) {
	case SCTP_ACTIVE: return PS_PATH_ACTIVE;
	case SCTP_INACTIVE: return PS_PATH_INACTIVE;
	case SCTP_PF: return PS_PATH_PF;
	case SCTP_UNCONFIRMED: return PS_PATH_UNCONFIRMED;
	default: return PS_PATH_UNKNOWN;
	}
}

/* Linux gives spinfo_srtt in jiffies (spinfo_rto in ms): one jiffy is the
 * resolution of the coarse clock. Seen: "srtt=22" for an 88 ms round trip
 * at HZ=250. */
static uint32_t jiffies_ms(uint32_t j)
{
	static long tick_ns;
	struct timespec r;

	if (!tick_ns)
		tick_ns = clock_getres(CLOCK_MONOTONIC_COARSE, &r) == 0 && r.tv_sec == 0 &&
			  r.tv_nsec > 0 ? r.tv_nsec : -1;
	return tick_ns > 0 ? (uint32_t)((uint64_t)j * (uint64_t)tick_ns / 1000000u) : j;
}

static void path_info(struct ps_ep *ep, ps_assoc_id assoc,
		      const struct sockaddr *sa, const struct net_addr *prim,
		      struct ps_path_info *pi)
{
	struct sctp_paddrinfo info;
	size_t salen = sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);

	memset(pi, 0, sizeof(*pi));
	lk_from_sa(sa, (socklen_t)salen, &pi->addr);
	pi->primary = prim && net_addr_equal(prim, &pi->addr);
	pi->state = PS_PATH_UNKNOWN;
	memset(&info, 0, sizeof(info));
	info.spinfo_assoc_id = (sctp_assoc_t)assoc;
	memcpy(&info.spinfo_address, sa, salen);
	if (getopt_sctp(ep->fd, SCTP_GET_PEER_ADDR_INFO, &info, sizeof(info)))
		return;
	pi->state = path_state(info.spinfo_state);
	pi->srtt_ms = jiffies_ms(info.spinfo_srtt);
	pi->rto_ms = info.spinfo_rto;
	pi->cwnd = info.spinfo_cwnd;
	pi->mtu = info.spinfo_mtu;
}

int ps_paths(struct ps_ep *ep, ps_assoc_id assoc, struct ps_path_info *out,
	     unsigned int max, unsigned int *n)
{
	struct sockaddr *addrs = NULL;
	struct sctp_prim prim;
	struct net_addr pa;
	bool have_prim;
	const uint8_t *p;
	int cnt, rc = 0;

	*n = 0;
	cnt = sctp_getpaddrs(ep->fd, (sctp_assoc_t)assoc, &addrs);
	if (cnt < 0)
		return -ENOENT;	/* Linux: EINVAL for an unknown id */
	memset(&prim, 0, sizeof(prim));
	prim.ssp_assoc_id = (sctp_assoc_t)assoc;
	have_prim = getopt_sctp(ep->fd, SCTP_PRIMARY_ADDR, &prim, sizeof(prim)) == 0 &&
		    lk_from_sa((struct sockaddr *)&prim.ssp_addr, sizeof(prim.ssp_addr),
			       &pa) == 0;
	p = (const uint8_t *)addrs;
	for (int i = 0; i < cnt && *n < max; i++) {
		struct sockaddr_storage ss;
		size_t salen;

		memcpy(&ss, p, sizeof(struct sockaddr));
		salen = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
		memcpy(&ss, p, salen);
		path_info(ep, assoc, (struct sockaddr *)&ss,
			  have_prim ? &pa : NULL, &out[(*n)++]);
		p += salen;
	}
	if (cnt > 0)
		sctp_freepaddrs(addrs);
	return rc;
}
