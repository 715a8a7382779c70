/* SPDX-License-Identifier: MIT */
/* port/lksctp: endpoint life cycle, binding, connecting, association list. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port/lksctp/lksctp.h"

int lk_setup_options(struct ps_ep *ep);
int lk_subscribe(struct ps_ep *ep);

static int check_config(const struct ps_config *c)
{
	if (!c || c->n_local > PS_MAX_ADDRS || (c->n_local && !c->local))
		return -EINVAL;
	for (unsigned int i = 0; i < c->n_local; i++) {
		const struct net_addr *a = &c->local[i];

		if ((a->family != NET_AF_INET4 && a->family != NET_AF_INET6) ||
		    net_addr_is_any(a))
			return -EINVAL;
	}
	return 0;
}

/* IPv6 socket when any local address is v6 (or wildcard, v6 permitting). */
static int open_socket(struct ps_ep *ep)
{
	bool v6 = ep->cfg.n_local == 0;

	for (unsigned int i = 0; i < ep->cfg.n_local; i++)
		v6 = v6 || ep->local[i].family == NET_AF_INET6;
	ep->family = v6 ? AF_INET6 : AF_INET;
	ep->fd = socket(ep->family, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
			IPPROTO_SCTP);
	if (ep->fd < 0 && v6 && ep->cfg.n_local == 0 && errno == EAFNOSUPPORT) {
		ep->family = AF_INET;
		ep->fd = socket(AF_INET, SOCK_SEQPACKET | SOCK_NONBLOCK |
				SOCK_CLOEXEC, IPPROTO_SCTP);
	}
	if (ep->fd >= 0)
		return 0;
	if (errno == EPROTONOSUPPORT || errno == ESOCKTNOSUPPORT ||
	    errno == EAFNOSUPPORT)
		return -EPROTONOSUPPORT;
	return errno == ENFILE ? -EMFILE : -errno;
}

/* bind() the first address, SCTP_BINDX_ADD_ADDR the rest (same port). */
static int bind_local(struct ps_ep *ep)
{
	struct sockaddr_storage ss;
	socklen_t len;
	uint16_t port = ep->cfg.port;
	int rc;

	if (ep->cfg.n_local == 0) {
		struct net_addr any;

		memset(&any, 0, sizeof(any));
		any.family = ep->family == AF_INET6 ? NET_AF_INET6 : NET_AF_INET4;
		lk_to_sa(&any, port, &ss, &len);
		return bind(ep->fd, (struct sockaddr *)&ss, len) < 0 ? -errno : 0;
	}
	lk_to_sa(&ep->local[0], port, &ss, &len);
	if (bind(ep->fd, (struct sockaddr *)&ss, len) < 0)
		return -errno;
	if (ep->cfg.n_local > 1) {
		uint8_t packed[PS_MAX_ADDRS * sizeof(struct sockaddr_in6)];
		size_t used;

		len = sizeof(ss);
		if (getsockname(ep->fd, (struct sockaddr *)&ss, &len) < 0)
			return -errno;
		/* sin_port and sin6_port sit at the same offset. */
		port = ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port);
		rc = lk_pack_addrs(&ep->local[1], ep->cfg.n_local - 1, port,
				   packed, sizeof(packed), &used);
		if (rc < 0)
			return rc;
		if (sctp_bindx(ep->fd, (struct sockaddr *)(void *)packed,
			       (int)ep->cfg.n_local - 1, SCTP_BINDX_ADD_ADDR) < 0)
			return -errno;
	}
	return 0;
}

static int map_bind_err(int rc)
{
	switch (rc) {
	case -EADDRINUSE: case -EADDRNOTAVAIL: case -ENOMEM: case -EINVAL:
		return rc;
	case -EACCES: case -EPERM:
		return -EADDRNOTAVAIL;
	default:
		return -EINVAL;
	}
}

/* UDP encapsulation: the socket copies net.sctp.udp_port when created,
 * so one made before the sysctl was set is made again. */
static int open_encap(struct ps_ep *ep, const struct ps_config *cfg)
{
	bool reopen;
	int rc = lk_encap_open(ep, cfg, &reopen);

	if (rc < 0 || !reopen)
		return rc;
	close(ep->fd);
	return open_socket(ep);
}

int ps_open(const struct ps_config *cfg, struct ps_ep **out)
{
	struct ps_ep *ep = NULL;
	int rc = check_config(cfg);

	if (rc < 0 || !out)
		return -EINVAL;
	if (cfg->transport == PS_TRANSPORT_UDP)
		return -EPROTONOSUPPORT;	/* the userspace port's job */
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->fd = -1;
	ep->cfg = *cfg;
	memcpy(ep->local, cfg->local, cfg->n_local * sizeof(*cfg->local));
	ep->cfg.local = ep->local;
	if (ep->cfg.max_msg == 0)
		ep->cfg.max_msg = LK_DEFAULT_MAX_MSG;
	rc = open_socket(ep);
	if (rc < 0)
		goto out;
	rc = open_encap(ep, cfg);
	if (rc < 0)
		goto out;
	rc = bind_local(ep);
	if (rc < 0) {
		rc = map_bind_err(rc);
		goto out;
	}
	rc = lk_setup_options(ep);
	if (rc < 0)
		goto out;
	rc = lk_subscribe(ep);
	if (rc < 0)
		goto out;
	if (cfg->listen && listen(ep->fd, 16) < 0) {
		rc = -errno;
		goto out;
	}
	*out = ep;
	ep = NULL;
out:
	ps_close(ep);
	return rc;
}

void ps_close(struct ps_ep *ep)
{
	if (!ep)
		return;
	if (ep->fd >= 0)
		close(ep->fd);
	lk_encap_close(ep);
	lk_recv_free(ep);
	free(ep->assocs);
	free(ep);
}

int ps_fd(const struct ps_ep *ep)
{
	return ep->fd;
}

enum ps_transport ps_transport_of(const struct ps_ep *ep)
{
	(void)ep;
	return PS_TRANSPORT_KERNEL;
}

int ps_connect(struct ps_ep *ep, const struct net_addr *addrs, unsigned int n,
	       ps_assoc_id *assoc)
{
	uint8_t packed[PS_MAX_ADDRS * sizeof(struct sockaddr_in6)];
	struct net_addr order[PS_MAX_ADDRS], want;
	sctp_assoc_t id = 0;
	size_t used;
	int rc;

	if (!addrs || n == 0 || n > PS_MAX_ADDRS)
		return -EINVAL;
	memcpy(order, addrs, n * sizeof(*addrs));
	rc = lk_encap_pre_connect(ep, order, n, &want);
	if (rc == 0)
		rc = lk_pack_addrs(order, n, addrs[0].port, packed, sizeof(packed), &used);
	if (rc < 0)
		return rc;
	/* connectx3 reports the id even while the handshake is in progress. */
	if (sctp_connectx(ep->fd, (struct sockaddr *)(void *)packed, (int)n,
			  &id) < 0 && errno != EINPROGRESS) {
		rc = -errno;
		if (rc == -EAFNOSUPPORT)
			rc = -EINVAL;
		return rc;
	}
	lk_encap_post_connect(ep, id, &want);
	if (assoc)
		*assoc = (ps_assoc_id)id;
	return 0;
}

int ps_bind_change(struct ps_ep *ep, const struct net_addr *local, bool add)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	if (!local || net_addr_is_any(local))
		return -EINVAL;
	rc = lk_to_sa(local, ep->cfg.port, &ss, &len);
	if (rc < 0)
		return rc;
	if (sctp_bindx(ep->fd, (struct sockaddr *)&ss, 1,
		       add ? SCTP_BINDX_ADD_ADDR : SCTP_BINDX_REM_ADDR) == 0)
		return 0;
	switch (errno) {
	case EADDRNOTAVAIL: case EADDRINUSE:
		return -EADDRNOTAVAIL;
	case EOPNOTSUPP: case EPERM: case EACCES:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

void ps_get_stats(const struct ps_ep *ep, struct ps_stats *st)
{
	*st = ep->st;
}

bool lk_assoc_known(const struct ps_ep *ep, sctp_assoc_t id)
{
	for (unsigned int i = 0; i < ep->n_assocs; i++)
		if (ep->assocs[i] == id)
			return true;
	return false;
}

int lk_assoc_add(struct ps_ep *ep, sctp_assoc_t id)
{
	if (lk_assoc_known(ep, id))
		return 0;
	if (ep->n_assocs == ep->cap_assocs) {
		unsigned int cap = ep->cap_assocs ? ep->cap_assocs * 2 : 8;
		sctp_assoc_t *a = realloc(ep->assocs, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		ep->assocs = a;
		ep->cap_assocs = cap;
	}
	ep->assocs[ep->n_assocs++] = id;
	return 0;
}

void lk_assoc_del(struct ps_ep *ep, sctp_assoc_t id)
{
	for (unsigned int i = 0; i < ep->n_assocs; i++) {
		if (ep->assocs[i] == id) {
			ep->assocs[i] = ep->assocs[--ep->n_assocs];
			return;
		}
	}
}
