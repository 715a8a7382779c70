/* SPDX-License-Identifier: MIT */
/*
 * agent/transport.h - which SCTP stack, and which controller addresses go
 * over UDP (RFC 6951): the config's part of struct ps_config.
 */
#ifndef AGENT_TRANSPORT_H
#define AGENT_TRANSPORT_H

#include "agent/config.h"
#include "port/sctp.h"

/*
 * Fill pc->transport, pc->udp_port and pc->encap/n_encap from @c. A
 * controller address is over UDP when it says "udp=PORT", or when its
 * @path has a udp_port; @tab (PS_MAX_ENCAP entries) receives the table
 * pc->encap points at. Addresses beyond PS_MAX_ENCAP are counted in the
 * return value and left native (the loader's limits keep them below).
 */
unsigned int transport_fill(const struct config *c, struct ps_config *pc,
			    struct ps_encap *tab);

/* Every address of @ctl that goes over UDP (as transport_fill() decides
 * with @c's paths) is in @tab[0..@n) with its port: the endpoint opened
 * with that table reaches it (the table is fixed at ps_open()). */
bool transport_encap_known(const struct config *c, const struct cfg_controller *ctl,
			   const struct ps_encap *tab, unsigned int n);

#endif
