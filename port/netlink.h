/* SPDX-License-Identifier: MIT */
/*
 * port/netlink.h - local link and address events (rtnetlink on Linux).
 */
#ifndef PORT_NETLINK_H
#define PORT_NETLINK_H

#include <stdbool.h>
#include <stdint.h>
#include "netaddr.h"

struct pn_sock;

enum pn_ev_type {
	PN_LINK = 1,		/* link state: up/carrier changed */
	PN_ADDR_ADD,
	PN_ADDR_DEL,
	PN_DUMP_DONE,		/* a pn_request_dump() answer is complete */
};

#define PN_IFNAMSIZ 16

struct pn_event {
	enum pn_ev_type type;
	uint32_t ifindex;
	char ifname[PN_IFNAMSIZ];	/* NUL-terminated; may be empty */
	bool up;			/* PN_LINK: admin up and carrier */
	struct net_addr addr;		/* PN_ADDR_* */
};

/* Subscribe to link and address groups. -EPROTONOSUPPORT, -ENOMEM. */
int pn_open(struct pn_sock **out);
void pn_close(struct pn_sock *s);
int pn_fd(const struct pn_sock *s);

/* Ask the kernel for every link and address (answers arrive as events,
 * then one PN_DUMP_DONE: whatever it did not name is gone). */
int pn_request_dump(struct pn_sock *s);

/* Next event. -EAGAIN none pending, -EBADMSG a malformed message (counted
 * and skipped), -ENOBUFS events were lost (socket overrun or a truncated
 * datagram): call pn_request_dump() and rebuild state, the socket stays
 * usable; -EIO the kernel refused a dump. A tentative or DAD-failed
 * address arrives as PN_ADDR_DEL (not usable yet). */
int pn_recv(struct pn_sock *s, struct pn_event *ev);

#endif
