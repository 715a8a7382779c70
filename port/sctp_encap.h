/* SPDX-License-Identifier: MIT */
/*
 * port/sctp_encap.h - helpers every port uses for ps_config.encap (RFC
 * 6951 peers): lookup, the INIT steering ps_connect() documents, checks.
 * Port-internal: the core never includes it.
 */
#ifndef PORT_SCTP_ENCAP_H
#define PORT_SCTP_ENCAP_H

#include <errno.h>
#include "port/sctp.h"

/* Index of @peer (address only) in @tab, or -1. */
int ps_encap_find(const struct ps_encap *tab, unsigned int n,
		  const struct net_addr *peer);

/* @peer's UDP port from @tab, or @dflt when it is not listed. */
uint16_t ps_encap_port(const struct ps_encap *tab, unsigned int n,
		       const struct net_addr *peer, uint16_t dflt);

/* Move the first listed address of @addrs to the front when addrs[0] is
 * not listed. Returns true if it moved one. */
bool ps_encap_steer(struct net_addr *addrs, unsigned int n,
		    const struct ps_encap *tab, unsigned int ntab);

/* 0, or -EINVAL for a table that is too long, NULL, or has port 0 or a
 * wildcard address. */
int ps_encap_check(const struct ps_config *c);

#endif
