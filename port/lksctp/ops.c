/* SPDX-License-Identifier: MIT */
/* port/lksctp: the kernel port's table for port/sctp.c (both ports built in). */
#include "port/lksctp/lksctp.h"
#include "port/sctp_ops.h"

static int o_open(const struct ps_config *c, void **ep)
{
	struct ps_ep *e = NULL;
	int rc = ps_open(c, &e);

	*ep = e;
	return rc;
}

static void o_close(void *ep) { ps_close(ep); }
static int o_fd(const void *ep) { return ps_fd(ep); }
static int o_connect(void *ep, const struct net_addr *a, unsigned int n,
		     ps_assoc_id *id) { return ps_connect(ep, a, n, id); }
static int o_send(void *ep, const struct ps_sndinfo *si, const void *b,
		  size_t len) { return ps_send(ep, si, b, len); }
static int o_recv(void *ep, struct ps_event *ev) { return ps_recv(ep, ev); }
static int o_prim(void *ep, ps_assoc_id id, const struct net_addr *p)
{ return ps_set_primary(ep, id, p); }
static int o_params(void *ep, ps_assoc_id id, const struct net_addr *p,
		    const struct ps_path_params *pp)
{ return ps_set_path_params(ep, id, p, pp); }
static int o_paths(void *ep, ps_assoc_id id, struct ps_path_info *o,
		   unsigned int max, unsigned int *n)
{ return ps_paths(ep, id, o, max, n); }
static int o_prio(void *ep, ps_assoc_id id, uint16_t s, uint16_t p)
{ return ps_set_stream_prio(ep, id, s, p); }
static int o_bind(void *ep, const struct net_addr *l, bool add)
{ return ps_bind_change(ep, l, add); }
static void o_stats(const void *ep, struct ps_stats *st) { ps_get_stats(ep, st); }
static int o_out_streams(void *ep, uint16_t n) { return ps_set_out_streams(ep, n); }

static int o_auth_setup(void *ep, const uint8_t *c, unsigned int n,
			const uint16_t *h, unsigned int nh)
{ return ps_auth_setup(ep, c, n, h, nh); }
static int o_auth_chunks(void *ep, ps_assoc_id id, bool peer, uint8_t *o,
			 unsigned int max, unsigned int *n)
{ return ps_auth_chunks(ep, id, peer, o, max, n); }
static int o_auth_key_set(void *ep, ps_assoc_id id, uint16_t k,
			  const uint8_t *key, size_t len)
{ return ps_auth_key_set(ep, id, k, key, len); }
static int o_auth_key(void *ep, ps_assoc_id id, uint16_t k, enum ps_auth_op op)
{ return ps_auth_key(ep, id, k, op); }
static int o_pending(void *ep, ps_assoc_id id, unsigned int *c)
{ return ps_assoc_pending(ep, id, c); }

const struct ps_ops lk_ps_ops = {
	.open = o_open, .close = o_close, .fd = o_fd, .connect = o_connect,
	.send = o_send, .recv = o_recv, .set_primary = o_prim,
	.set_path_params = o_params, .paths = o_paths,
	.set_stream_prio = o_prio, .bind_change = o_bind, .get_stats = o_stats,
	.auth_setup = o_auth_setup, .auth_chunks = o_auth_chunks,
	.auth_key_set = o_auth_key_set, .auth_key = o_auth_key,
	.assoc_pending = o_pending, .set_out_streams = o_out_streams,
};
