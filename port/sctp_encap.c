/* SPDX-License-Identifier: MIT */
/* port/sctp_encap.c: the RFC 6951 peer table rules every port shares. */
#include "port/sctp_encap.h"

int ps_encap_find(const struct ps_encap *tab, unsigned int n,
		  const struct net_addr *peer)
{
	for (unsigned int i = 0; i < n; i++)
		if (net_addr_same_host(&tab[i].addr, peer))
			return (int)i;
	return -1;
}

uint16_t ps_encap_port(const struct ps_encap *tab, unsigned int n,
		       const struct net_addr *peer, uint16_t dflt)
{
	int i = ps_encap_find(tab, n, peer);

	return i < 0 ? dflt : tab[i].udp_port;
}

/* Stable: the first listed address moves to the front, the rest keep
 * their order (the agent's preference among them). */
bool ps_encap_steer(struct net_addr *addrs, unsigned int n,
		    const struct ps_encap *tab, unsigned int ntab)
{
	struct net_addr first;
	unsigned int k;

	if (n < 2 || ps_encap_find(tab, ntab, &addrs[0]) >= 0)
		return false;
	for (k = 1; k < n; k++)
		if (ps_encap_find(tab, ntab, &addrs[k]) >= 0)
			break;
	if (k == n)
		return false;
	first = addrs[k];
	for (; k > 0; k--)
		addrs[k] = addrs[k - 1];
	addrs[0] = first;
	return true;
}

int ps_encap_check(const struct ps_config *c)
{
	if (c->n_encap > PS_MAX_ENCAP || (c->n_encap && !c->encap))
		return -EINVAL;
	for (unsigned int i = 0; i < c->n_encap; i++)
		if (!c->encap[i].udp_port || net_addr_is_any(&c->encap[i].addr))
			return -EINVAL;
	return 0;
}
