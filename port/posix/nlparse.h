/* SPDX-License-Identifier: MIT */
/*
 * port/posix/nlparse.h - a pure, bounded rtnetlink parser.
 *
 * Input: the bytes of one recv() on a NETLINK_ROUTE socket (any number of
 * nlmsghdr back to back). Output: one decoded message at a time. No
 * syscalls, no allocation, no alignment assumptions about the buffer (every
 * header is copied out with memcpy), so it is unit-tested and fuzzed on the
 * host and used unchanged by port/posix/netlink.c.
 *
 * Framing rules (as the kernel's nlmsg_ok()/nla_ok(), but never trusting a
 * length): a message needs nlmsg_len >= 16 and <= the bytes left; the next
 * one starts NLMSG_ALIGN(nlmsg_len) further (clamped to the end). A framing
 * error loses the position of every later message, so the iterator reports
 * it once (-EBADMSG) and stops. A message whose frame is sound but whose
 * body is malformed (short fixed header, bad attribute, wrong address size,
 * unterminated or over-long name) is skipped: -EBADMSG for it, and the next
 * call goes on with the next message. Unknown message types and attributes
 * are ignored.
 *
 * Decoding decisions (the agent relies on them):
 *  - RTM_NEWLINK/RTM_DELLINK of family AF_UNSPEC only. Bridge port messages
 *    (AF_BRIDGE) are skipped: an AF_BRIDGE RTM_DELLINK means "left the
 *    bridge", not "link gone".
 *  - PN_LINK.up = IFF_UP && IFF_RUNNING && IFF_LOWER_UP (admin up, operational
 *    and carrier), and false when IFLA_OPERSTATE is present and neither
 *    IF_OPER_UP nor IF_OPER_UNKNOWN (e.g. DORMANT before 802.1X/WPA is done).
 *    RTM_DELLINK is PN_LINK with up = false.
 *  - Addresses: AF_INET and AF_INET6 only (others skipped). IFA_LOCAL is
 *    preferred over IFA_ADDRESS for both families: on a point-to-point link
 *    IFA_ADDRESS is the peer (IPv4 ppp0; IPv6 with a peer too, see the
 *    kernel's inet6_fill_ifaddr()). IPv6 link-local (fe80::/10 or
 *    RT_SCOPE_LINK) gets scope_id = ifa_index; every other address 0.
 *  - The flags are IFA_FLAGS (u32) when present, else ifa_flags (u8). An
 *    RTM_NEWADDR whose address is IFA_F_TENTATIVE (DAD still running) or
 *    IFA_F_DADFAILED is reported as PN_ADDR_DEL: "this address is not usable",
 *    so the agent never binds it (and unbinds it if it somehow had it). When
 *    DAD completes the kernel sends RTM_NEWADDR again without the flag, which
 *    becomes PN_ADDR_ADD. Consumers must treat a DEL of an address they do not
 *    hold as a no-op. An optimistic-DAD address (IFA_F_OPTIMISTIC) carries
 *    IFA_F_TENTATIVE too until DAD ends, so it waits like the others;
 *    IFA_F_DEPRECATED addresses still work and are reported as ADD.
 */
#ifndef PORT_POSIX_NLPARSE_H
#define PORT_POSIX_NLPARSE_H

#include <stddef.h>
#include <stdint.h>
#include "port/netlink.h"

enum nlp_kind {
	NLP_EVENT = 1,	/* ev holds a PN_LINK / PN_ADDR_ADD / PN_ADDR_DEL */
	NLP_DONE,	/* NLMSG_DONE: end of a dump (seq); error if the kernel
			 * put one in it (0 otherwise) */
	NLP_ERROR,	/* NLMSG_ERROR: error is -errno, 0 for an ACK */
	NLP_IGNORED,	/* well formed, nothing for the agent: NOOP, unknown
			 * type, AF_BRIDGE link, non-IP address family */
};

struct nlp_msg {
	enum nlp_kind kind;
	uint16_t type;		/* nlmsg_type */
	uint16_t flags;		/* nlmsg_flags (NLM_F_MULTI, NLM_F_DUMP_INTR) */
	uint32_t seq;		/* nlmsg_seq */
	uint32_t pid;		/* nlmsg_pid */
	int error;		/* NLP_DONE / NLP_ERROR */
	uint32_t ifa_flags;	/* address events: the effective IFA_F_* flags */
	uint8_t operstate;	/* link events: IFLA_OPERSTATE, 0xff if absent */
	uint32_t ifi_flags;	/* link events: ifi_flags */
	struct pn_event ev;	/* NLP_EVENT */
};

struct nlp_iter {
	const uint8_t *buf;
	size_t len;
	size_t off;
	uint32_t bad;		/* malformed messages seen (framing included) */
};

void nlp_init(struct nlp_iter *it, const void *buf, size_t len);

/*
 * Decode the next message into *m.
 * Returns 1 with *m filled (every kind, NLP_IGNORED included), 0 at the end
 * of the buffer, -EBADMSG for a malformed message (it->bad counted; the next
 * call continues after it, or returns 0 when the framing was lost).
 */
int nlp_next(struct nlp_iter *it, struct nlp_msg *m);

/* True when more bytes are left to decode. */
int nlp_more(const struct nlp_iter *it);

#endif
