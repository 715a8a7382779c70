// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_netlink.c - port/posix/nlparse.c, no sockets.
 * Messages come from a small builder here (laid out with the uapi macros
 * NLMSG_* / RTA_*); tests/interop/netlink_mnl.c cross-checks the same
 * parser against messages built by libmnl, and tests/interop/netlink_dump.sh
 * against the running kernel and iproute2.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <cmocka.h>

#include "port/posix/nlparse.h"

/* ---- builder ------------------------------------------------------------ */

struct bld {
	uint8_t b[8192];
	size_t len;	/* bytes used */
	size_t msg;	/* offset of the open message */
};

static void b_reset(struct bld *b)
{
	memset(b, 0, sizeof(*b));
}

static void b_put(struct bld *b, const void *p, size_t n, size_t align_to)
{
	assert_true(b->len + align_to <= sizeof(b->b));
	memcpy(b->b + b->len, p, n);
	b->len += align_to;
}

static void msg_begin(struct bld *b, uint16_t type, uint16_t flags, uint32_t seq)
{
	struct nlmsghdr nh = { 0 };

	nh.nlmsg_type = type;
	nh.nlmsg_flags = flags;
	nh.nlmsg_seq = seq;
	b->msg = b->len;
	b_put(b, &nh, sizeof(nh), NLMSG_HDRLEN);
}

/* Close the message; nlmsg_len is the unpadded length, as the kernel's. */
static void msg_end(struct bld *b)
{
	uint32_t l = (uint32_t)(b->len - b->msg);

	memcpy(b->b + b->msg + offsetof(struct nlmsghdr, nlmsg_len), &l, 4);
}

static void attr(struct bld *b, uint16_t type, const void *p, size_t n)
{
	struct rtattr rta;

	rta.rta_len = (unsigned short)RTA_LENGTH(n);
	rta.rta_type = type;
	b_put(b, &rta, sizeof(rta), sizeof(rta));
	b_put(b, p, n, RTA_ALIGN(n));
}

static void attr_str(struct bld *b, uint16_t type, const char *s)
{
	attr(b, type, s, strlen(s) + 1);
}

static void attr_u32(struct bld *b, uint16_t type, uint32_t v)
{
	attr(b, type, &v, sizeof(v));
}

#define NO_OPER (-1)

static void link_begin(struct bld *b, uint16_t type, unsigned char family,
		       int idx, unsigned int flags)
{
	struct ifinfomsg ifi = { 0 };

	msg_begin(b, type, 0, 0);
	ifi.ifi_family = family;
	ifi.ifi_index = idx;
	ifi.ifi_flags = flags;
	ifi.ifi_change = 0xffffffffu;
	b_put(b, &ifi, sizeof(ifi), NLMSG_ALIGN(sizeof(ifi)));
}

static void add_link(struct bld *b, uint16_t type, int idx, unsigned int flags,
		     const char *name, int oper)
{
	link_begin(b, type, AF_UNSPEC, idx, flags);
	if (name)
		attr_str(b, IFLA_IFNAME, name);
	attr_u32(b, IFLA_MTU, 1500);
	if (oper != NO_OPER) {
		uint8_t o = (uint8_t)oper;

		attr(b, IFLA_OPERSTATE, &o, 1);
	}
	msg_end(b);
}

static void addr_begin(struct bld *b, uint16_t type, unsigned char family,
		       uint32_t idx, unsigned char flags, unsigned char scope)
{
	struct ifaddrmsg ifa = { 0 };

	msg_begin(b, type, 0, 0);
	ifa.ifa_family = family;
	ifa.ifa_prefixlen = family == AF_INET ? 24 : 64;
	ifa.ifa_flags = flags;
	ifa.ifa_scope = scope;
	ifa.ifa_index = idx;
	b_put(b, &ifa, sizeof(ifa), NLMSG_ALIGN(sizeof(ifa)));
}

/* An address message; local/address are text or NULL. */
static void add_addr(struct bld *b, uint16_t type, int family, uint32_t idx,
		     unsigned char flags, const char *local, const char *address)
{
	uint8_t a[16];
	size_t n = family == AF_INET ? 4 : 16;

	addr_begin(b, type, (unsigned char)family, idx, flags,
		   RT_SCOPE_UNIVERSE);
	if (address) {
		assert_int_equal(inet_pton(family, address, a), 1);
		attr(b, IFA_ADDRESS, a, n);
	}
	if (local) {
		assert_int_equal(inet_pton(family, local, a), 1);
		attr(b, IFA_LOCAL, a, n);
	}
	attr_str(b, IFA_LABEL, "eth0");
	msg_end(b);
}

static void add_done(struct bld *b, uint32_t seq, int err)
{
	msg_begin(b, NLMSG_DONE, NLM_F_MULTI, seq);
	b_put(b, &err, sizeof(err), sizeof(err));
	msg_end(b);
}

/* ---- helpers ------------------------------------------------------------ */

/* Decode a buffer holding exactly one message. */
static int one(const struct bld *b, struct nlp_msg *m)
{
	struct nlp_iter it;
	struct nlp_msg end;
	int r;

	nlp_init(&it, b->b, b->len);
	r = nlp_next(&it, m);
	assert_int_equal(nlp_next(&it, &end), 0);
	return r;
}

static void expect_addr(const struct nlp_msg *m, enum pn_ev_type t,
			uint32_t idx, const char *text)
{
	char got[NET_ADDR_STRLEN], want[NET_ADDR_STRLEN];
	struct net_addr a;

	assert_int_equal(m->kind, NLP_EVENT);
	assert_int_equal(m->ev.type, t);
	assert_int_equal(m->ev.ifindex, idx);
	assert_int_equal(net_addr_parse(text, &a), 0);
	net_addr_format(&m->ev.addr, got, sizeof(got));
	net_addr_format(&a, want, sizeof(want));
	assert_string_equal(got, want);
	assert_true(net_addr_same_host(&m->ev.addr, &a));
}

#define ALLUP (IFF_UP | IFF_RUNNING | IFF_LOWER_UP)

/* ---- links -------------------------------------------------------------- */

static void test_link_up(void **state)
{
	struct bld b;
	struct nlp_msg m;

	(void)state;
	b_reset(&b);
	add_link(&b, RTM_NEWLINK, 2, ALLUP | IFF_BROADCAST, "eth0", IF_OPER_UP);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.kind, NLP_EVENT);
	assert_int_equal(m.ev.type, PN_LINK);
	assert_int_equal(m.ev.ifindex, 2);
	assert_string_equal(m.ev.ifname, "eth0");
	assert_true(m.ev.up);
	assert_int_equal(m.operstate, IF_OPER_UP);
}

static void test_link_down_cases(void **state)
{
	static const struct {
		unsigned int flags;
		int oper;
		bool up;
	} v[] = {
		{ ALLUP, NO_OPER, true },		/* no operstate attr */
		{ ALLUP, IF_OPER_UNKNOWN, true },	/* lo, tun */
		{ IFF_RUNNING | IFF_LOWER_UP, NO_OPER, false },	/* admin down */
		{ IFF_UP, IF_OPER_DOWN, false },		/* no carrier */
		{ IFF_UP | IFF_LOWER_UP, IF_OPER_DORMANT, false }, /* 802.1X */
		{ IFF_UP | IFF_RUNNING, NO_OPER, false },	/* no LOWER_UP */
		{ ALLUP, IF_OPER_LOWERLAYERDOWN, false },
		{ ALLUP, IF_OPER_DORMANT, false },
		{ 0, IF_OPER_DOWN, false },
	};
	struct bld b;
	struct nlp_msg m;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		b_reset(&b);
		add_link(&b, RTM_NEWLINK, 7, v[i].flags, "wlan0", v[i].oper);
		assert_int_equal(one(&b, &m), 1);
		assert_int_equal(m.ev.type, PN_LINK);
		assert_int_equal(m.ev.up, v[i].up);
	}
}

static void test_link_del_and_bridge(void **state)
{
	struct bld b;
	struct nlp_msg m;

	(void)state;
	b_reset(&b);
	add_link(&b, RTM_DELLINK, 5, ALLUP, "usb0", IF_OPER_UP);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.ev.type, PN_LINK);
	assert_int_equal(m.ev.ifindex, 5);
	assert_false(m.ev.up);
	assert_string_equal(m.ev.ifname, "usb0");

	/* AF_BRIDGE port notification: not about the link itself */
	b_reset(&b);
	link_begin(&b, RTM_DELLINK, AF_BRIDGE, 5, ALLUP);
	attr_str(&b, IFLA_IFNAME, "eth1");
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.kind, NLP_IGNORED);

	/* no IFLA_IFNAME: still an event, empty name */
	b_reset(&b);
	add_link(&b, RTM_NEWLINK, 9, ALLUP, NULL, NO_OPER);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.kind, NLP_EVENT);
	assert_string_equal(m.ev.ifname, "");
}

static void test_link_names(void **state)
{
	struct bld b;
	struct nlp_msg m;
	char n16[17] = "abcdefghijklmnop";	/* 16 chars: too long */
	static const char n15[] = "abcdefghijklmno";

	(void)state;
	b_reset(&b);
	add_link(&b, RTM_NEWLINK, 3, ALLUP, n15, NO_OPER);
	assert_int_equal(one(&b, &m), 1);
	assert_string_equal(m.ev.ifname, n15);

	b_reset(&b);
	add_link(&b, RTM_NEWLINK, 3, ALLUP, n16, NO_OPER);
	assert_int_equal(one(&b, &m), -EBADMSG);
	assert_int_equal(m.ev.ifname[0], '\0');

	/* no NUL inside the attribute (padding zeros do not count) */
	b_reset(&b);
	link_begin(&b, RTM_NEWLINK, AF_UNSPEC, 3, ALLUP);
	attr(&b, IFLA_IFNAME, "eth0x", 5);
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);

	/* NUL-terminated within, trailing bytes after the NUL: accepted */
	b_reset(&b);
	link_begin(&b, RTM_NEWLINK, AF_UNSPEC, 3, ALLUP);
	attr(&b, IFLA_IFNAME, "ppp0\0zz", 7);
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_string_equal(m.ev.ifname, "ppp0");

	/* empty name, zero-length attribute */
	b_reset(&b);
	add_link(&b, RTM_NEWLINK, 3, ALLUP, "", NO_OPER);
	assert_int_equal(one(&b, &m), -EBADMSG);
	b_reset(&b);
	link_begin(&b, RTM_NEWLINK, AF_UNSPEC, 3, ALLUP);
	attr(&b, IFLA_IFNAME, "", 0);
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);
}

/* ---- addresses ---------------------------------------------------------- */

static void test_addr_v4_local_vs_address(void **state)
{
	struct bld b;
	struct nlp_msg m;

	(void)state;
	/* ppp0: IFA_ADDRESS is the peer, IFA_LOCAL ours */
	b_reset(&b);
	add_addr(&b, RTM_NEWADDR, AF_INET, 4, IFA_F_PERMANENT, "10.64.1.2",
		 "10.64.0.1");
	assert_int_equal(one(&b, &m), 1);
	expect_addr(&m, PN_ADDR_ADD, 4, "10.64.1.2");
	assert_int_equal(m.ev.addr.scope_id, 0);
	assert_int_equal(m.ev.addr.port, 0);

	/* ... in the other attribute order too */
	b_reset(&b);
	addr_begin(&b, RTM_NEWADDR, AF_INET, 4, 0, 0);
	attr(&b, IFA_LOCAL, "\x0a\x40\x01\x02", 4);
	attr(&b, IFA_ADDRESS, "\x0a\x40\x00\x01", 4);
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	expect_addr(&m, PN_ADDR_ADD, 4, "10.64.1.2");

	/* only IFA_ADDRESS */
	b_reset(&b);
	add_addr(&b, RTM_NEWADDR, AF_INET, 2, 0, NULL, "192.0.2.7");
	assert_int_equal(one(&b, &m), 1);
	expect_addr(&m, PN_ADDR_ADD, 2, "192.0.2.7");

	b_reset(&b);
	add_addr(&b, RTM_DELADDR, AF_INET, 2, 0, "192.0.2.7", "192.0.2.7");
	assert_int_equal(one(&b, &m), 1);
	expect_addr(&m, PN_ADDR_DEL, 2, "192.0.2.7");
}

static void test_addr_v6_scope(void **state)
{
	struct bld b;
	struct nlp_msg m;

	(void)state;
	b_reset(&b);
	add_addr(&b, RTM_NEWADDR, AF_INET6, 3, IFA_F_PERMANENT, NULL,
		 "fe80::ba27:ebff:fe01:203");
	assert_int_equal(one(&b, &m), 1);
	expect_addr(&m, PN_ADDR_ADD, 3, "fe80::ba27:ebff:fe01:203%3");
	assert_int_equal(m.ev.addr.scope_id, 3);

	b_reset(&b);
	add_addr(&b, RTM_NEWADDR, AF_INET6, 3, 0, NULL, "2001:db8::5");
	assert_int_equal(one(&b, &m), 1);
	expect_addr(&m, PN_ADDR_ADD, 3, "2001:db8::5");
	assert_int_equal(m.ev.addr.scope_id, 0);

	/* IPv6 with a peer: IFA_LOCAL is ours (kernel inet6_fill_ifaddr) */
	b_reset(&b);
	add_addr(&b, RTM_NEWADDR, AF_INET6, 8, 0, "2001:db8::1",
		 "2001:db8::2");
	assert_int_equal(one(&b, &m), 1);
	expect_addr(&m, PN_ADDR_ADD, 8, "2001:db8::1");

	/* scope link by ifa_scope even outside fe80::/10 */
	b_reset(&b);
	addr_begin(&b, RTM_NEWADDR, AF_INET6, 6, 0, RT_SCOPE_LINK);
	attr(&b, IFA_ADDRESS, "\xfe\xbf\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.ev.addr.scope_id, 6);
}

static void test_addr_tentative(void **state)
{
	struct bld b;
	struct nlp_msg m;

	(void)state;
	b_reset(&b);
	add_addr(&b, RTM_NEWADDR, AF_INET6, 3, IFA_F_TENTATIVE, NULL,
		 "2001:db8::9");
	assert_int_equal(one(&b, &m), 1);
	expect_addr(&m, PN_ADDR_DEL, 3, "2001:db8::9");
	assert_true(m.ifa_flags & IFA_F_TENTATIVE);

	b_reset(&b);
	add_addr(&b, RTM_NEWADDR, AF_INET6, 3,
		 IFA_F_TENTATIVE | IFA_F_DADFAILED, NULL, "2001:db8::9");
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.ev.type, PN_ADDR_DEL);

	b_reset(&b);
	add_addr(&b, RTM_NEWADDR, AF_INET6, 3, IFA_F_DEPRECATED, NULL,
		 "2001:db8::9");
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.ev.type, PN_ADDR_ADD);

	/* IFA_FLAGS (u32) overrides ifa_flags, in both directions */
	b_reset(&b);
	addr_begin(&b, RTM_NEWADDR, AF_INET6, 3, 0, 0);
	attr(&b, IFA_ADDRESS, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x09", 16);
	attr_u32(&b, IFA_FLAGS, IFA_F_TENTATIVE | IFA_F_MANAGETEMPADDR);
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.ev.type, PN_ADDR_DEL);
	assert_int_equal(m.ifa_flags, IFA_F_TENTATIVE | IFA_F_MANAGETEMPADDR);

	b_reset(&b);
	addr_begin(&b, RTM_NEWADDR, AF_INET6, 3, IFA_F_TENTATIVE, 0);
	attr(&b, IFA_ADDRESS, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x09", 16);
	attr_u32(&b, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_STABLE_PRIVACY);
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.ev.type, PN_ADDR_ADD);
}

static void test_addr_bad_sizes(void **state)
{
	struct bld b;
	struct nlp_msg m;

	(void)state;
	b_reset(&b);		/* IPv4 with 16 bytes */
	addr_begin(&b, RTM_NEWADDR, AF_INET, 2, 0, 0);
	attr(&b, IFA_LOCAL, "0123456789abcdef", 16);
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);

	b_reset(&b);		/* IPv6 with 4 bytes */
	addr_begin(&b, RTM_NEWADDR, AF_INET6, 2, 0, 0);
	attr(&b, IFA_ADDRESS, "\x0a\0\0\x01", 4);
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);

	b_reset(&b);		/* IPv4 with 5 bytes */
	addr_begin(&b, RTM_NEWADDR, AF_INET, 2, 0, 0);
	attr(&b, IFA_ADDRESS, "\x0a\0\0\x01\x02", 5);
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);

	b_reset(&b);		/* IFA_FLAGS of 2 bytes */
	addr_begin(&b, RTM_NEWADDR, AF_INET, 2, 0, 0);
	attr(&b, IFA_ADDRESS, "\x0a\0\0\x01", 4);
	attr(&b, IFA_FLAGS, "\0\0", 2);
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);

	b_reset(&b);		/* no address attribute at all */
	addr_begin(&b, RTM_NEWADDR, AF_INET, 2, 0, 0);
	attr_str(&b, IFA_LABEL, "eth0");
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);

	b_reset(&b);		/* ifa_index 0 */
	add_addr(&b, RTM_NEWADDR, AF_INET, 0, 0, NULL, "192.0.2.1");
	assert_int_equal(one(&b, &m), -EBADMSG);

	b_reset(&b);		/* IFLA_OPERSTATE of 4 bytes */
	link_begin(&b, RTM_NEWLINK, AF_UNSPEC, 2, ALLUP);
	attr_u32(&b, IFLA_OPERSTATE, IF_OPER_UP);
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);

	b_reset(&b);		/* ifi_index 0 / negative */
	add_link(&b, RTM_NEWLINK, 0, ALLUP, "eth0", NO_OPER);
	assert_int_equal(one(&b, &m), -EBADMSG);
	b_reset(&b);
	add_link(&b, RTM_NEWLINK, -4, ALLUP, "eth0", NO_OPER);
	assert_int_equal(one(&b, &m), -EBADMSG);

	/* other families: walked for bounds, then ignored */
	b_reset(&b);
	addr_begin(&b, RTM_NEWADDR, 17 /* AF_PACKET */, 2, 0, 0);
	attr(&b, IFA_ADDRESS, "\x01\x02\x03\x04\x05\x06", 6);
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.kind, NLP_IGNORED);
}

/* ---- buffers of several messages, control messages ---------------------- */

static void test_multi(void **state)
{
	struct bld b;
	struct nlp_iter it;
	struct nlp_msg m;
	uint8_t *odd;

	(void)state;
	b_reset(&b);
	add_link(&b, RTM_NEWLINK, 1, ALLUP | IFF_LOOPBACK, "lo", IF_OPER_UNKNOWN);
	add_link(&b, RTM_NEWLINK, 2, IFF_UP, "eth0", IF_OPER_DOWN);	/* odd name len */
	add_addr(&b, RTM_NEWADDR, AF_INET, 1, 0, "127.0.0.1", "127.0.0.1");
	add_addr(&b, RTM_NEWADDR, AF_INET6, 2, 0, NULL, "fe80::1");
	msg_begin(&b, NLMSG_NOOP, 0, 0);
	msg_end(&b);
	msg_begin(&b, 0x7777, 0, 0);	/* unknown type */
	b_put(&b, "junkjunk", 8, 8);
	msg_end(&b);
	add_done(&b, 42, 0);

	/* also at an odd address: the parser must not assume alignment */
	odd = malloc(b.len + 1);
	assert_non_null(odd);
	memcpy(odd + 1, b.b, b.len);
	for (int pass = 0; pass < 2; pass++) {
		nlp_init(&it, pass ? (const void *)(odd + 1) : (const void *)b.b,
			 b.len);
		assert_int_equal(nlp_next(&it, &m), 1);
		assert_string_equal(m.ev.ifname, "lo");
		assert_true(m.ev.up);
		assert_int_equal(nlp_next(&it, &m), 1);
		assert_string_equal(m.ev.ifname, "eth0");
		assert_false(m.ev.up);
		assert_int_equal(nlp_next(&it, &m), 1);
		expect_addr(&m, PN_ADDR_ADD, 1, "127.0.0.1");
		assert_int_equal(nlp_next(&it, &m), 1);
		expect_addr(&m, PN_ADDR_ADD, 2, "fe80::1%2");
		assert_int_equal(nlp_next(&it, &m), 1);
		assert_int_equal(m.kind, NLP_IGNORED);
		assert_int_equal(nlp_next(&it, &m), 1);
		assert_int_equal(m.kind, NLP_IGNORED);
		assert_int_equal(m.type, 0x7777);
		assert_int_equal(nlp_next(&it, &m), 1);
		assert_int_equal(m.kind, NLP_DONE);
		assert_int_equal(m.seq, 42);
		assert_int_equal(m.error, 0);
		assert_true(m.flags & NLM_F_MULTI);
		assert_int_equal(nlp_next(&it, &m), 0);
		assert_int_equal(nlp_next(&it, &m), 0);
		assert_int_equal(it.bad, 0);
	}
	free(odd);
}

static void test_done_error(void **state)
{
	struct bld b;
	struct nlp_msg m;
	struct nlmsgerr e;

	(void)state;
	b_reset(&b);		/* DONE without payload (old kernels) */
	msg_begin(&b, NLMSG_DONE, NLM_F_MULTI, 7);
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.kind, NLP_DONE);
	assert_int_equal(m.error, 0);

	b_reset(&b);		/* DONE carrying a dump error */
	add_done(&b, 7, -EINTR);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.error, -EINTR);

	b_reset(&b);		/* error reply */
	memset(&e, 0, sizeof(e));
	e.error = -EBUSY;
	e.msg.nlmsg_type = RTM_GETADDR;
	e.msg.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	msg_begin(&b, NLMSG_ERROR, 0, 9);
	b_put(&b, &e, sizeof(e), NLMSG_ALIGN(sizeof(e)));
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.kind, NLP_ERROR);
	assert_int_equal(m.error, -EBUSY);
	assert_int_equal(m.seq, 9);

	b_reset(&b);		/* ACK */
	e.error = 0;
	msg_begin(&b, NLMSG_ERROR, 0, 9);
	b_put(&b, &e, sizeof(e), NLMSG_ALIGN(sizeof(e)));
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_int_equal(m.kind, NLP_ERROR);
	assert_int_equal(m.error, 0);

	b_reset(&b);		/* error with no room for the code */
	msg_begin(&b, NLMSG_ERROR, 0, 9);
	b_put(&b, "\0\0", 2, 2);
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);

	b_reset(&b);		/* positive error code: not from a kernel */
	e.error = 5;
	msg_begin(&b, NLMSG_ERROR, 0, 9);
	b_put(&b, &e, sizeof(e), NLMSG_ALIGN(sizeof(e)));
	msg_end(&b);
	assert_int_equal(one(&b, &m), -EBADMSG);
}

/* ---- malformed framing and attributes ----------------------------------- */

static void set_u32(struct bld *b, size_t off, uint32_t v)
{
	memcpy(b->b + off, &v, 4);
}

static void set_u16(struct bld *b, size_t off, uint16_t v)
{
	memcpy(b->b + off, &v, 2);
}

static void test_bad_framing(void **state)
{
	struct bld b;
	struct nlp_iter it;
	struct nlp_msg m;
	size_t cut;

	(void)state;
	/* every truncation of a valid message: exactly one error, then end */
	b_reset(&b);
	add_link(&b, RTM_NEWLINK, 2, ALLUP, "eth0", IF_OPER_UP);
	for (cut = 1; cut < b.len; cut++) {
		nlp_init(&it, b.b, cut);
		assert_int_equal(nlp_next(&it, &m), -EBADMSG);
		assert_int_equal(nlp_next(&it, &m), 0);
		assert_int_equal(it.bad, 1);
	}
	nlp_init(&it, b.b, 0);
	assert_int_equal(nlp_next(&it, &m), 0);
	nlp_init(&it, NULL, 100);
	assert_int_equal(nlp_next(&it, &m), 0);

	/* nlmsg_len 0, 15, len+1, huge: framing lost, the rest not read */
	static const uint32_t lens[] = { 0, 1, 15, 0, 0xffffffffu };
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		b_reset(&b);
		add_link(&b, RTM_NEWLINK, 2, ALLUP, "eth0", IF_OPER_UP);
		add_link(&b, RTM_NEWLINK, 3, ALLUP, "eth1", IF_OPER_UP);
		set_u32(&b, 0, lens[i] ? lens[i] : (uint32_t)b.len + 1);
		nlp_init(&it, b.b, b.len);
		assert_int_equal(nlp_next(&it, &m), -EBADMSG);
		assert_int_equal(nlp_next(&it, &m), 0);
		assert_int_equal(it.bad, 1);
	}

	/* body too short for ifinfomsg / ifaddrmsg: skipped, next one read */
	b_reset(&b);
	msg_begin(&b, RTM_NEWLINK, 0, 0);
	b_put(&b, "\0\0\0\0\0\0\0\0", 8, 8);
	msg_end(&b);
	msg_begin(&b, RTM_NEWADDR, 0, 0);
	b_put(&b, "\x02\0\0", 3, 4);
	msg_end(&b);
	set_u32(&b, b.msg, NLMSG_HDRLEN + 3);
	add_link(&b, RTM_NEWLINK, 3, ALLUP, "eth1", IF_OPER_UP);
	nlp_init(&it, b.b, b.len);
	assert_int_equal(nlp_next(&it, &m), -EBADMSG);
	assert_int_equal(nlp_next(&it, &m), -EBADMSG);
	assert_int_equal(nlp_next(&it, &m), 1);
	assert_string_equal(m.ev.ifname, "eth1");
	assert_int_equal(nlp_next(&it, &m), 0);
	assert_int_equal(it.bad, 2);

	/* last message unpadded (odd nlmsg_len at the very end) */
	b_reset(&b);
	link_begin(&b, RTM_NEWLINK, AF_UNSPEC, 4, ALLUP);
	attr(&b, IFLA_IFNAME, "wwan0", 6);
	b.len -= 2;		/* drop the attribute's padding */
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_string_equal(m.ev.ifname, "wwan0");
}

/* A link message with one attribute whose header is then damaged. */
static void bad_attr_case(uint16_t rta_len, int trailing)
{
	struct bld b;
	struct nlp_iter it;
	struct nlp_msg m;
	size_t at;

	b_reset(&b);
	link_begin(&b, RTM_NEWLINK, AF_UNSPEC, 2, ALLUP);
	at = b.len;
	attr_str(&b, IFLA_IFNAME, "eth0");
	if (trailing)
		b_put(&b, "\0\0\0\0", 4, 4);
	msg_end(&b);
	if (trailing)	/* nlmsg_len ends @trailing bytes into the pad */
		set_u32(&b, b.msg, (uint32_t)(b.len - b.msg - 4 + (size_t)trailing));
	if (!trailing)
		set_u16(&b, at, rta_len);
	add_link(&b, RTM_NEWLINK, 3, ALLUP, "eth1", IF_OPER_UP);
	nlp_init(&it, b.b, b.len);
	assert_int_equal(nlp_next(&it, &m), -EBADMSG);
	assert_int_equal(nlp_next(&it, &m), 1);	/* the next one survives */
	assert_string_equal(m.ev.ifname, "eth1");
	assert_int_equal(nlp_next(&it, &m), 0);
	assert_int_equal(it.bad, 1);
}

static void test_bad_attrs(void **state)
{
	(void)state;
	bad_attr_case(0, 0);
	bad_attr_case(1, 0);
	bad_attr_case(3, 0);
	bad_attr_case(13, 0);	/* beyond the 12 bytes left in this message */
	bad_attr_case(0xffff, 0);
	bad_attr_case(0, 1);	/* 1..3 trailing bytes: not an attribute */
	bad_attr_case(0, 2);
	bad_attr_case(0, 3);
}

static void test_unknown_attrs(void **state)
{
	struct bld b;
	struct nlp_msg m;

	(void)state;
	b_reset(&b);
	link_begin(&b, RTM_NEWLINK, AF_UNSPEC, 2, ALLUP);
	attr(&b, 0x7fff, "x", 1);
	attr(&b, NLA_F_NESTED | IFLA_AF_SPEC, "\x04\0\x01\0", 4);
	attr(&b, 300, "", 0);	/* empty unknown attribute: fine */
	attr_str(&b, NLA_F_NET_BYTEORDER | IFLA_IFNAME, "eth0");
	msg_end(&b);
	assert_int_equal(one(&b, &m), 1);
	assert_string_equal(m.ev.ifname, "eth0");
}

/* Random damage to a valid buffer: no crash, bounded, counts agree. */
static void test_random_damage(void **state)
{
	struct bld good, b;
	struct nlp_iter it;
	struct nlp_msg m;
	uint32_t rng = 0x2545f491u;

	(void)state;
	b_reset(&good);
	add_link(&good, RTM_NEWLINK, 1, ALLUP, "lo", IF_OPER_UNKNOWN);
	add_addr(&good, RTM_NEWADDR, AF_INET6, 2, IFA_F_TENTATIVE, NULL, "fe80::2");
	add_addr(&good, RTM_NEWADDR, AF_INET, 4, 0, "10.0.0.1", "10.0.0.2");
	add_done(&good, 1, 0);
	for (int n = 0; n < 20000; n++) {
		unsigned int steps = 0, bad = 0;
		int r;

		b = good;
		for (int k = 0; k < 1 + n % 4; k++) {
			rng ^= rng << 13;
			rng ^= rng >> 17;
			rng ^= rng << 5;
			b.b[rng % b.len] = (uint8_t)(rng >> 24);
		}
		nlp_init(&it, b.b, b.len - (n % 7 == 0 ? rng % 8 : 0));
		while ((r = nlp_next(&it, &m)) != 0) {
			assert_true(r == 1 || r == -EBADMSG);
			if (r < 0)
				bad++;
			else if (m.kind == NLP_EVENT)
				assert_non_null(memchr(m.ev.ifname, '\0',
						       sizeof(m.ev.ifname)));
			assert_true(++steps <= b.len / NLMSG_HDRLEN + 1);
		}
		assert_int_equal(bad, it.bad);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_up),
		cmocka_unit_test(test_link_down_cases),
		cmocka_unit_test(test_link_del_and_bridge),
		cmocka_unit_test(test_link_names),
		cmocka_unit_test(test_addr_v4_local_vs_address),
		cmocka_unit_test(test_addr_v6_scope),
		cmocka_unit_test(test_addr_tentative),
		cmocka_unit_test(test_addr_bad_sizes),
		cmocka_unit_test(test_multi),
		cmocka_unit_test(test_done_error),
		cmocka_unit_test(test_bad_framing),
		cmocka_unit_test(test_bad_attrs),
		cmocka_unit_test(test_unknown_attrs),
		cmocka_unit_test(test_random_damage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
