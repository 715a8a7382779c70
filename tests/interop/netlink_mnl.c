// SPDX-License-Identifier: MIT
/*
 * tests/interop/netlink_mnl.c - port/posix/nlparse.c on messages laid out by
 * libmnl (an implementation nobody here wrote): mnl_nlmsg_put_header,
 * mnl_nlmsg_put_extra_header, mnl_attr_put*, several messages in one buffer
 * through mnl_nlmsg_batch. Host only (libmnl is shared-only in Debian; the
 * agent never links it). Run by tests/interop/netlink_mnl.sh.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "port/posix/nlparse.h"

static int fails;
#define CHECK(c) do { if (!(c)) { fprintf(stderr, "%s:%d: %s\n", \
	__FILE__, __LINE__, #c); fails++; } } while (0)

static void put_link(struct mnl_nlmsg_batch *b, int idx, unsigned flags,
		     const char *name, int oper)
{
	struct nlmsghdr *nh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct ifinfomsg *ifi;

	nh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = idx;
	ifi->ifi_flags = flags;
	mnl_attr_put_strz(nh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nh, IFLA_MTU, 1500);
	if (oper >= 0)
		mnl_attr_put_u8(nh, IFLA_OPERSTATE, (uint8_t)oper);
	mnl_nlmsg_batch_next(b);
}

static void put_addr(struct mnl_nlmsg_batch *b, uint16_t type, int fam,
		     uint32_t idx, uint32_t flags, const char *local,
		     const char *peer)
{
	struct nlmsghdr *nh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct ifaddrmsg *ifa;
	uint8_t a[16];
	size_t n = fam == AF_INET ? 4 : 16;

	nh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)fam;
	ifa->ifa_index = idx;
	ifa->ifa_prefixlen = 24;
	inet_pton(fam, peer ? peer : local, a);
	mnl_attr_put(nh, IFA_ADDRESS, n, a);
	if (peer) {
		inet_pton(fam, local, a);
		mnl_attr_put(nh, IFA_LOCAL, n, a);
	}
	mnl_attr_put_strz(nh, IFA_LABEL, "ppp0");
	mnl_attr_put_u32(nh, IFA_FLAGS, flags);
	mnl_nlmsg_batch_next(b);
}

static void expect(struct nlp_iter *it, enum pn_ev_type t, uint32_t idx,
		   const char *text_or_name, int up)
{
	struct nlp_msg m;
	char s[NET_ADDR_STRLEN];

	CHECK(nlp_next(it, &m) == 1);
	CHECK(m.kind == NLP_EVENT && m.ev.type == t && m.ev.ifindex == idx);
	if (t == PN_LINK) {
		CHECK(!strcmp(m.ev.ifname, text_or_name));
		CHECK(m.ev.up == up);
	} else {
		net_addr_format(&m.ev.addr, s, sizeof(s));
		if (strcmp(s, text_or_name)) {
			fprintf(stderr, "got %s want %s\n", s, text_or_name);
			fails++;
		}
	}
}

int main(void)
{
	static char buf[16384];
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	struct nlmsghdr *nh;
	struct nlp_iter it;
	struct nlp_msg m;
	int odd;

	for (odd = 0; odd < 16; odd++) {	/* names of every length mod 4 */
		char name[16];

		snprintf(name, sizeof(name), "%.*s", odd % 15 + 1, "abcdefghijklmno");
		put_link(b, 10 + odd, IFF_UP | IFF_RUNNING | IFF_LOWER_UP, name,
			 odd % 3 ? IF_OPER_UP : -1);
	}
	put_link(b, 2, IFF_UP, "eth0", IF_OPER_DOWN);
	put_addr(b, RTM_NEWADDR, AF_INET, 5, IFA_F_PERMANENT, "10.64.1.2", "10.64.0.1");
	put_addr(b, RTM_NEWADDR, AF_INET6, 5, 0, "fe80::1", NULL);
	put_addr(b, RTM_NEWADDR, AF_INET6, 5, IFA_F_TENTATIVE, "2001:db8::7", NULL);
	put_addr(b, RTM_DELADDR, AF_INET, 5, 0, "192.0.2.9", NULL);
	nh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	nh->nlmsg_type = NLMSG_DONE;
	nh->nlmsg_seq = 77;
	mnl_nlmsg_batch_next(b);

	nlp_init(&it, mnl_nlmsg_batch_head(b), mnl_nlmsg_batch_size(b));
	for (odd = 0; odd < 16; odd++) {
		char name[16];

		snprintf(name, sizeof(name), "%.*s", odd % 15 + 1, "abcdefghijklmno");
		expect(&it, PN_LINK, 10 + (uint32_t)odd, name, 1);
	}
	expect(&it, PN_LINK, 2, "eth0", 0);
	expect(&it, PN_ADDR_ADD, 5, "10.64.1.2", 0);
	expect(&it, PN_ADDR_ADD, 5, "fe80::1%5", 0);
	expect(&it, PN_ADDR_DEL, 5, "2001:db8::7", 0);
	expect(&it, PN_ADDR_DEL, 5, "192.0.2.9", 0);
	CHECK(nlp_next(&it, &m) == 1 && m.kind == NLP_DONE && m.seq == 77);
	CHECK(nlp_next(&it, &m) == 0 && it.bad == 0);
	mnl_nlmsg_batch_stop(b);
	printf("netlink_mnl: %s\n", fails ? "FAILED" : "all libmnl messages decoded");
	return fails ? 1 : 0;
}
