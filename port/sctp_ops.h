/* SPDX-License-Identifier: MIT */
/*
 * port/sctp_ops.h - one real port as port/sctp.c sees it when both are
 * built in (CONFIG_PORT_DISPATCH). Each port fills one table in its
 * ops.c with thin wrappers of its (renamed) ps_* functions; @ep is that
 * port's own endpoint. Port-internal: the core never includes it.
 */
#ifndef PORT_SCTP_OPS_H
#define PORT_SCTP_OPS_H

#include "port/sctp.h"

struct ps_ops {
	int (*open)(const struct ps_config *cfg, void **ep);
	void (*close)(void *ep);
	int (*fd)(const void *ep);
	int (*connect)(void *ep, const struct net_addr *addrs, unsigned int n,
		       ps_assoc_id *assoc);
	int (*send)(void *ep, const struct ps_sndinfo *si, const void *buf,
		    size_t len);
	int (*recv)(void *ep, struct ps_event *ev);
	int (*set_primary)(void *ep, ps_assoc_id assoc,
			   const struct net_addr *peer);
	int (*set_path_params)(void *ep, ps_assoc_id assoc,
			       const struct net_addr *peer,
			       const struct ps_path_params *p);
	int (*paths)(void *ep, ps_assoc_id assoc, struct ps_path_info *out,
		     unsigned int max, unsigned int *n);
	int (*set_stream_prio)(void *ep, ps_assoc_id assoc, uint16_t stream,
			       uint16_t prio);
	int (*bind_change)(void *ep, const struct net_addr *local, bool add);
	void (*get_stats)(const void *ep, struct ps_stats *st);
	/* SCTP-AUTH and the sender's backlog (DTLS): NULL = -EOPNOTSUPP */
	int (*auth_setup)(void *ep, const uint8_t *chunks, unsigned int n,
			  const uint16_t *hmacs, unsigned int n_hmacs);
	int (*auth_chunks)(void *ep, ps_assoc_id assoc, bool peer, uint8_t *out,
			   unsigned int max, unsigned int *n);
	int (*auth_key_set)(void *ep, ps_assoc_id assoc, uint16_t id,
			    const uint8_t *key, size_t len);
	int (*auth_key)(void *ep, ps_assoc_id assoc, uint16_t id, enum ps_auth_op op);
	int (*assoc_pending)(void *ep, ps_assoc_id assoc, unsigned int *chunks);
	int (*set_out_streams)(void *ep, uint16_t n);
};

extern const struct ps_ops lk_ps_ops;	/* port/lksctp/ops.c */
extern const struct ps_ops us_ps_ops;	/* port/usrsctp/ops.c */

#endif
