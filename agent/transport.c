/* SPDX-License-Identifier: MIT */
/* agent/transport.c - [agent] transport / udp_port, [path] udp_port and
 * the controller addresses' "udp=PORT" as the port sees them. */
#include "agent/transport.h"

static enum ps_transport transport(enum cfg_transport t)
{
	switch (t) {
	case CFG_TRANSPORT_KERNEL: return PS_TRANSPORT_KERNEL;
	case CFG_TRANSPORT_UDP: return PS_TRANSPORT_UDP;
	default: return PS_TRANSPORT_AUTO;
	}
}

/* The address's own port, else its path's; 0 = native SCTP. */
static uint16_t addr_port(const struct config *c, const struct cfg_controller *ctl,
			  unsigned int k)
{
	int p = ctl->addr_path[k];

	if (ctl->addr_udp[k])
		return ctl->addr_udp[k];
	return p >= 0 && (unsigned int)p < c->n_paths ? c->paths[p].udp_port : 0;
}

unsigned int transport_fill(const struct config *c, struct ps_config *pc,
			    struct ps_encap *tab)
{
	unsigned int n = 0, over = 0;

	pc->transport = transport(c->agent.transport);
	pc->udp_port = c->agent.udp_port;
	for (unsigned int i = 0; i < c->n_ctrls; i++) {
		const struct cfg_controller *ctl = &c->ctrls[i];

		for (unsigned int k = 0; k < ctl->n_addrs; k++) {
			uint16_t port = addr_port(c, ctl, k);

			if (!port || ctl->host[k][0])
				continue;	/* native, or a host name (refused) */
			if (n == PS_MAX_ENCAP) {
				over++;
				continue;
			}
			tab[n].addr = ctl->addrs[k];
			tab[n].udp_port = port;
			n++;
		}
	}
	pc->encap = n ? tab : NULL;
	pc->n_encap = n;
	return over;
}

bool transport_encap_known(const struct config *c, const struct cfg_controller *ctl,
			   const struct ps_encap *tab, unsigned int n)
{
	for (unsigned int k = 0; k < ctl->n_addrs; k++) {
		uint16_t port = addr_port(c, ctl, k);
		bool found = false;

		if (!port || ctl->host[k][0])
			continue;
		for (unsigned int t = 0; t < n && !found; t++)
			found = tab[t].udp_port == port &&
				net_addr_same_host(&tab[t].addr, &ctl->addrs[k]);
		if (!found)
			return false;
	}
	return true;
}
