/* SPDX-License-Identifier: MIT */
/* port/usrsctp: endpoint life cycle, binding, connecting, associations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "port/usrsctp/us.h"
#include "port/sctp_encap.h"

static int check_config(const struct ps_config *c)
{
	if (!c || c->n_local > PS_MAX_ADDRS || (c->n_local && !c->local) ||
	    ps_encap_check(c))
		return -EINVAL;
	for (unsigned int i = 0; i < c->n_local; i++) {
		const struct net_addr *a = &c->local[i];

		if ((a->family != NET_AF_INET4 && a->family != NET_AF_INET6) ||
		    net_addr_is_any(a))
			return -EINVAL;
	}
	return 0;
}

static int map_bind_err(int e)
{
	switch (e) {
	case EADDRINUSE: case EADDRNOTAVAIL: case ENOMEM:
		return -e;
	case EACCES: case EPERM:
		return -EADDRNOTAVAIL;
	default:
		return -EINVAL;
	}
}

/* bind() the first address, bindx the rest (same port). No address: the
 * AF_INET wildcard, the only one usrsctp binds for IPv4 peers. */
static int bind_local(struct ps_ep *ep, struct socket *so)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (ep->cfg.n_local == 0) {
		us_any_sa(&ss);
		((struct sockaddr_in *)(void *)&ss)->sin_port = htons(ep->cfg.port);
		len = sizeof(struct sockaddr_in);
	} else if (us_to_sa(&ep->local[0], ep->cfg.port, &ss, &len)) {
		return -EINVAL;
	}
	if (usrsctp_bind(so, (struct sockaddr *)&ss, len) < 0)
		return map_bind_err(errno);
	if (ep->cfg.n_local > 1) {
		uint8_t packed[PS_MAX_ADDRS * sizeof(struct sockaddr_in6)];
		size_t used;
		int rc = us_pack_addrs(&ep->local[1], ep->cfg.n_local - 1, 0,
				       packed, sizeof(packed), &used);

		if (rc)
			return rc;
		if (usrsctp_bindx(so, (struct sockaddr *)(void *)packed,
				  (int)ep->cfg.n_local - 1, SCTP_BINDX_ADD_ADDR) < 0)
			return map_bind_err(errno);
	}
	return 0;
}

int us_ep_socket(struct ps_ep *ep)
{
	bool v6 = false;
	struct socket *so;
	int rc;

	for (unsigned int i = 0; i < ep->cfg.n_local; i++)
		v6 = v6 || ep->local[i].family == NET_AF_INET6;
	so = usrsctp_socket(v6 ? AF_INET6 : AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP,
			    NULL, NULL, 0, NULL);
	if (!so)
		return errno == ENOBUFS ? -ENOMEM : -EMFILE;
	rc = usrsctp_set_non_blocking(so, 1) < 0 ? -EINVAL : bind_local(ep, so);
	us_stack_lock();
	ep->so = so;		/* the options below need it */
	us_stack_unlock();
	if (rc == 0)
		rc = us_setup_options(ep);
	if (rc == 0 && ep->have_defaults)
		rc = ps_set_path_params(ep, 0, NULL, &ep->defaults);
	if (rc == 0 && ep->cfg.listen && usrsctp_listen(so, 16) < 0)
		rc = -errno;
	us_stack_lock();
	if (rc)
		ep->so = NULL;
	else
		us_stack_set_upcall(so, ep);
	us_stack_unlock();
	if (rc)
		usrsctp_close(so);
	return rc;
}

/* Stack lock held (us_stack_reinit): the associations end with the
 * socket; each gets a COMM_LOST the loop reads next. */
void us_ep_drop(struct ps_ep *ep)
{
	if (!ep->so)
		return;
	for (unsigned int i = 0; i < ep->n_assocs && ep->n_synth < US_MAX_SYNTH; i++)
		ep->synth[ep->n_synth++] = ep->assocs[i];
	ep->n_assocs = 0;
	ep->n_steer = 0;
	us_stack_set_upcall(ep->so, NULL);
	usrsctp_close(ep->so);
	ep->so = NULL;
	us_wake_read(ep);
}

int ps_open(const struct ps_config *cfg, struct ps_ep **out)
{
	struct ps_ep *ep;
	int rc = check_config(cfg);

	if (rc < 0 || !out)
		return -EINVAL;
	if (cfg->transport == PS_TRANSPORT_KERNEL)
		return -EPROTONOSUPPORT;	/* the kernel port's job */
	ep = calloc(1, sizeof(*ep));
	if (!ep)
		return -ENOMEM;
	ep->wake[0] = ep->wake[1] = -1;
	ep->cfg = *cfg;
	if (cfg->n_local)
		memcpy(ep->local, cfg->local, cfg->n_local * sizeof(*cfg->local));
	if (cfg->n_encap)
		memcpy(ep->encap, cfg->encap, cfg->n_encap * sizeof(*cfg->encap));
	ep->cfg.local = ep->local;
	ep->cfg.encap = ep->encap;
	if (!ep->cfg.udp_port)
		ep->cfg.udp_port = PS_UDP_PORT_DEFAULT;
	if (!ep->cfg.max_msg)
		ep->cfg.max_msg = US_DEFAULT_MAX_MSG;
	rc = us_wake_open(ep);
	if (rc == 0) {
		rc = us_stack_add(ep, ep->cfg.udp_port);
		if (rc) {
			us_wake_close(ep);
			free(ep);
			return rc;
		}
		/* mid re-init: ps_recv makes the socket once the stack is back */
		rc = us_stack_ready() ? us_ep_socket(ep) : 0;
	}
	if (rc) {
		ps_close(ep);
		return rc;
	}
	*out = ep;
	return 0;
}

void ps_close(struct ps_ep *ep)
{
	if (!ep)
		return;
	us_stack_remove(ep);
	us_stack_lock();
	if (ep->so) {
		us_stack_set_upcall(ep->so, NULL);
		usrsctp_close(ep->so);
		ep->so = NULL;
	}
	us_stack_unlock();
	us_wake_close(ep);
	us_recv_free(ep);
	free(ep);
}

int ps_fd(const struct ps_ep *ep)
{
	return ep->wake[0];
}

enum ps_transport ps_transport_of(const struct ps_ep *ep)
{
	(void)ep;
	return PS_TRANSPORT_UDP;
}

/* The local address the kernel routes toward @dst (UDP connect() sends
 * nothing): the one the peer is asked to send to after a steered INIT. */
static int route_source(const struct net_addr *dst, struct net_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc = 0;

	if (us_to_sa(dst, 9, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		rc = -errno;
	len = sizeof(ss);
	if (!rc && getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		rc = -errno;
	close(fd);
	if (!rc)
		rc = us_from_sa((struct sockaddr *)&ss, len, src);
	src->port = 0;
	return rc;
}

static void remember_steer(struct ps_ep *ep, sctp_assoc_t id,
			   const struct net_addr *want)
{
	if (ep->n_steer == US_MAX_STEERED)
		memmove(ep->steer, ep->steer + 1, sizeof(ep->steer) - sizeof(ep->steer[0]));
	else
		ep->n_steer++;
	ep->steer[ep->n_steer - 1].id = id;
	ep->steer[ep->n_steer - 1].want = *want;
}

int ps_connect(struct ps_ep *ep, const struct net_addr *addrs, unsigned int n,
	       ps_assoc_id *assoc)
{
	uint8_t packed[PS_MAX_ADDRS * sizeof(struct sockaddr_in6)];
	struct net_addr order[PS_MAX_ADDRS], want = { 0 };
	sctp_assoc_t id = 0;
	size_t used;
	bool steered;
	int rc;

	if (!addrs || n == 0 || n > PS_MAX_ADDRS)
		return -EINVAL;
	if (!ep->so)
		return -ENETUNREACH;	/* the stack is re-initialising */
	memcpy(order, addrs, n * sizeof(*addrs));
	steered = ps_encap_steer(order, n, ep->encap, ep->cfg.n_encap);
	if (steered && route_source(&addrs[0], &want))
		memset(&want, 0, sizeof(want));
	rc = us_pack_addrs(order, n, addrs[0].port, packed, sizeof(packed), &used);
	if (rc)
		return rc;
	/* the transports made now (and the INIT) take the first one's port */
	(void)us_set_encap(ep, SCTP_FUTURE_ASSOC, NULL, ps_encap_port(ep->encap,
			   ep->cfg.n_encap, &order[0], PS_UDP_PORT_DEFAULT));
	rc = usrsctp_connectx(ep->so, (struct sockaddr *)(void *)packed, (int)n, &id);
	(void)us_set_encap(ep, SCTP_FUTURE_ASSOC, NULL, PS_UDP_PORT_DEFAULT);
	if (rc < 0 && errno != EINPROGRESS) {
		rc = errno == EALREADY || errno == EISCONN ? -errno :
		     errno == ENETUNREACH || errno == EHOSTUNREACH ? -ENETUNREACH :
		     errno == EADDRNOTAVAIL ? -EADDRNOTAVAIL :
		     errno == ENOMEM || errno == ENOBUFS ? -ENOMEM : -EINVAL;
		return rc;
	}
	us_encap_apply(ep, id);
	if (steered && want.family != NET_AF_NONE)
		remember_steer(ep, id, &want);
	if (assoc)
		*assoc = (ps_assoc_id)id;
	return 0;
}

/* A new local address usrsctp never saw needs a new stack (it reads the
 * interfaces once); every association ends and is made again. */
int ps_bind_change(struct ps_ep *ep, const struct net_addr *local, bool add)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (!local || net_addr_is_any(local) || us_to_sa(local, 0, &ss, &len))
		return -EINVAL;
	if (add && !us_stack_has_addr(local)) {
		if (ep->cfg.n_local && ep->cfg.n_local < PS_MAX_ADDRS)
			ep->local[ep->cfg.n_local++] = *local;
		us_log(2, "usrsctp: new local address: re-initialising the stack "
		       "(its associations end and start again)");
		us_stack_reinit();
		return 0;
	}
	if (!ep->so)
		return -EADDRNOTAVAIL;
	if (ep->cfg.n_local == 0)
		return 0;	/* wildcard: the stack uses every address it knows */
	if (usrsctp_bindx(ep->so, (struct sockaddr *)&ss, 1,
			  add ? SCTP_BINDX_ADD_ADDR : SCTP_BINDX_REM_ADDR) < 0)
		return errno == EADDRNOTAVAIL || errno == EADDRINUSE ? -EADDRNOTAVAIL :
		       errno == EOPNOTSUPP ? -EOPNOTSUPP : -EINVAL;
	for (unsigned int i = 0; !add && i < ep->cfg.n_local; i++)
		if (net_addr_same_host(&ep->local[i], local))
			ep->local[i] = ep->local[--ep->cfg.n_local];
	if (add && ep->cfg.n_local < PS_MAX_ADDRS)
		ep->local[ep->cfg.n_local++] = *local;
	return 0;
}

/* What usrsctp holds for every association we know (process memory). */
static uint64_t stack_bytes(const struct ps_ep *ep)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; ep->so && i < ep->n_assocs; i++) {
		struct us_sockstat ss = { .ss_assoc_id = ep->assocs[i] };
		socklen_t len = sizeof(ss);

		if (usrsctp_getsockopt(ep->so, IPPROTO_SCTP, US_SO_GET_SNDBUF_USE,
				       &ss, &len) == 0)
			sum += (uint64_t)ss.ss_total_sndbuf + ss.ss_total_recv_buf;
	}
	return sum;
}

void ps_get_stats(const struct ps_ep *ep, struct ps_stats *st)
{
	*st = ep->st;
	st->stack_bytes = stack_bytes(ep);
}

bool us_assoc_known(const struct ps_ep *ep, sctp_assoc_t id)
{
	for (unsigned int i = 0; i < ep->n_assocs; i++)
		if (ep->assocs[i] == id)
			return true;
	return false;
}

void us_assoc_add(struct ps_ep *ep, sctp_assoc_t id)
{
	if (!us_assoc_known(ep, id) && ep->n_assocs < US_MAX_ASSOCS)
		ep->assocs[ep->n_assocs++] = id;
}

void us_assoc_del(struct ps_ep *ep, sctp_assoc_t id)
{
	for (unsigned int i = 0; i < ep->n_assocs; i++)
		if (ep->assocs[i] == id) {
			ep->assocs[i] = ep->assocs[--ep->n_assocs];
			break;
		}
	for (unsigned int i = 0; i < ep->n_steer; i++)
		if (ep->steer[i].id == id)
			ep->steer[i] = ep->steer[--ep->n_steer];
}
