/* SPDX-License-Identifier: MIT */
/*
 * port/sctp.c - both real ports built in (CONFIG_PORT_DISPATCH): the one
 * place that picks the SCTP stack of an endpoint at run time, as
 * wireguard-tools' ipc.c picks the kernel or the userspace WireGuard.
 *   kernel: port/lksctp (UDP encapsulation only for ps_config.encap peers)
 *   udp:    port/usrsctp (every packet over UDP)
 *   auto:   the kernel when it has SCTP (and, if encap[] asks, SCTP over
 *           UDP that the agent may use), else the userspace stack
 * Every other call goes through the endpoint's table (port/sctp_ops.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/log.h"
#include "port/sctp_ops.h"

struct ps_ep {
	const struct ps_ops *ops;
	void *impl;			/* the port's own endpoint */
	enum ps_transport transport;
};

/* Why auto left the kernel: a kernel without SCTP, without SCTP over UDP
 * (Linux < 5.11), or one whose net.sctp.udp_port the agent may not set. */
static bool kernel_unusable(int rc, const struct ps_config *cfg)
{
	return rc == -EPROTONOSUPPORT ||
	       (cfg->n_encap && (rc == -EOPNOTSUPP || rc == -EACCES));
}

static int open_with(const struct ps_ops *ops, enum ps_transport t,
		     const struct ps_config *cfg, struct ps_ep **out)
{
	struct ps_ep *ep = calloc(1, sizeof(*ep));
	int rc;

	if (!ep)
		return -ENOMEM;
	rc = ops->open(cfg, &ep->impl);
	if (rc) {
		free(ep);
		return rc;
	}
	ep->ops = ops;
	ep->transport = t;
	*out = ep;
	return 0;
}

int ps_open(const struct ps_config *cfg, struct ps_ep **out)
{
	char line[160];
	int rc;

	if (!cfg || !out)
		return -EINVAL;
	if (cfg->transport == PS_TRANSPORT_KERNEL)
		return open_with(&lk_ps_ops, PS_TRANSPORT_KERNEL, cfg, out);
	if (cfg->transport == PS_TRANSPORT_UDP)
		return open_with(&us_ps_ops, PS_TRANSPORT_UDP, cfg, out);
	if (cfg->transport != PS_TRANSPORT_AUTO)
		return -EINVAL;
	rc = open_with(&lk_ps_ops, PS_TRANSPORT_KERNEL, cfg, out);
	if (!kernel_unusable(rc, cfg))
		return rc;
	snprintf(line, sizeof(line), "transport auto: kernel SCTP unusable (%s); "
		 "using the userspace stack over UDP", strerror(-rc));
	port_log_write(1, line, strlen(line));
	return open_with(&us_ps_ops, PS_TRANSPORT_UDP, cfg, out);
}

void ps_close(struct ps_ep *ep)
{
	if (!ep)
		return;
	ep->ops->close(ep->impl);
	free(ep);
}

enum ps_transport ps_transport_of(const struct ps_ep *ep)
{
	return ep->transport;
}

int ps_fd(const struct ps_ep *ep)
{
	return ep->ops->fd(ep->impl);
}

int ps_connect(struct ps_ep *ep, const struct net_addr *addrs, unsigned int n,
	       ps_assoc_id *assoc)
{
	return ep->ops->connect(ep->impl, addrs, n, assoc);
}

int ps_send(struct ps_ep *ep, const struct ps_sndinfo *si, const void *buf,
	    size_t len)
{
	return ep->ops->send(ep->impl, si, buf, len);
}

int ps_recv(struct ps_ep *ep, struct ps_event *ev)
{
	return ep->ops->recv(ep->impl, ev);
}

int ps_set_primary(struct ps_ep *ep, ps_assoc_id assoc,
		   const struct net_addr *peer)
{
	return ep->ops->set_primary(ep->impl, assoc, peer);
}

int ps_set_path_params(struct ps_ep *ep, ps_assoc_id assoc,
		       const struct net_addr *peer,
		       const struct ps_path_params *p)
{
	return ep->ops->set_path_params(ep->impl, assoc, peer, p);
}

int ps_paths(struct ps_ep *ep, ps_assoc_id assoc, struct ps_path_info *out,
	     unsigned int max, unsigned int *n)
{
	return ep->ops->paths(ep->impl, assoc, out, max, n);
}

int ps_set_stream_prio(struct ps_ep *ep, ps_assoc_id assoc, uint16_t stream,
		       uint16_t prio)
{
	return ep->ops->set_stream_prio(ep->impl, assoc, stream, prio);
}

int ps_bind_change(struct ps_ep *ep, const struct net_addr *local, bool add)
{
	return ep->ops->bind_change(ep->impl, local, add);
}

int ps_set_out_streams(struct ps_ep *ep, uint16_t n)
{
	return ep->ops->set_out_streams(ep->impl, n);
}

void ps_get_stats(const struct ps_ep *ep, struct ps_stats *st)
{
	ep->ops->get_stats(ep->impl, st);
}

/* SCTP-AUTH (DTLS): the kernel port has it, the userspace stack does not. */
int ps_auth_setup(struct ps_ep *ep, const uint8_t *chunks, unsigned int n,
		  const uint16_t *hmacs, unsigned int n_hmacs)
{
	if (!ep->ops->auth_setup)
		return -EOPNOTSUPP;
	return ep->ops->auth_setup(ep->impl, chunks, n, hmacs, n_hmacs);
}

int ps_auth_chunks(struct ps_ep *ep, ps_assoc_id assoc, bool peer,
		   uint8_t *out, unsigned int max, unsigned int *n)
{
	if (!ep->ops->auth_chunks)
		return -EOPNOTSUPP;
	return ep->ops->auth_chunks(ep->impl, assoc, peer, out, max, n);
}

int ps_auth_key_set(struct ps_ep *ep, ps_assoc_id assoc, uint16_t id,
		    const uint8_t *key, size_t len)
{
	if (!ep->ops->auth_key_set)
		return -EOPNOTSUPP;
	return ep->ops->auth_key_set(ep->impl, assoc, id, key, len);
}

int ps_auth_key(struct ps_ep *ep, ps_assoc_id assoc, uint16_t id,
		enum ps_auth_op op)
{
	if (!ep->ops->auth_key)
		return -EOPNOTSUPP;
	return ep->ops->auth_key(ep->impl, assoc, id, op);
}

int ps_assoc_pending(struct ps_ep *ep, ps_assoc_id assoc, unsigned int *chunks)
{
	if (!ep->ops->assoc_pending)
		return -EOPNOTSUPP;
	return ep->ops->assoc_pending(ep->impl, assoc, chunks);
}
