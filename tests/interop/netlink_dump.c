// SPDX-License-Identifier: MIT
/*
 * tests/interop/netlink_dump.c - port/posix/netlink.c against the running
 * kernel (reads local state only).
 *   netlink_dump events      pn_open + pn_request_dump, print one line per
 *                            event until the socket stays quiet for 300 ms:
 *                              link IDX NAME up|down
 *                              addr add|del IDX ADDRESS
 *   netlink_dump raw DIR     RTM_GETLINK and RTM_GETADDR dumps with plain
 *                            uapi calls; each datagram as DIR/{link,addr}-N
 *                            (seed corpus for tests/fuzz/fuzz_netlink.c)
 * tests/interop/netlink_dump.sh compares "events" with iproute2's ip -j.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "port/netlink.h"

static int events(void)
{
	struct pn_sock *s;
	struct pn_event ev;
	struct pollfd p;
	char a[NET_ADDR_STRLEN];
	int r, bad = 0;

	r = pn_open(&s);
	if (r < 0) {
		fprintf(stderr, "pn_open: %s\n", strerror(-r));
		return 2;
	}
	if ((r = pn_request_dump(s)) < 0) {
		fprintf(stderr, "pn_request_dump: %s\n", strerror(-r));
		return 2;
	}
	p.fd = pn_fd(s);
	p.events = POLLIN;
	for (;;) {
		r = pn_recv(s, &ev);
		if (r == -EAGAIN) {
			if (poll(&p, 1, 300) <= 0)
				break;
			continue;
		}
		if (r == -EBADMSG) {
			bad++;
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "pn_recv: %s\n", strerror(-r));
			pn_close(s);
			return 2;
		}
		if (ev.type == PN_DUMP_DONE)
			continue;
		if (ev.type == PN_LINK) {
			printf("link %u %s %s\n", (unsigned)ev.ifindex, ev.ifname,
			       ev.up ? "up" : "down");
		} else {
			net_addr_format(&ev.addr, a, sizeof(a));
			printf("addr %s %u %s\n",
			       ev.type == PN_ADDR_ADD ? "add" : "del",
			       (unsigned)ev.ifindex, a);
		}
	}
	pn_close(s);
	if (bad)
		fprintf(stderr, "%d malformed messages\n", bad);
	return bad ? 1 : 0;
}

static int raw_dump(int fd, int type, const char *dir, const char *tag)
{
	struct {
		struct nlmsghdr nh;
		struct ifaddrmsg ifa;	/* 8 bytes; ifinfomsg is 16 */
		uint8_t pad[8];
	} req;
	static uint8_t buf[32768];
	char path[4096];
	int n, files = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_type = (uint16_t)type;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = (uint32_t)type;
	req.nh.nlmsg_len = NLMSG_LENGTH(type == RTM_GETLINK ?
					sizeof(struct ifinfomsg) :
					sizeof(struct ifaddrmsg));
	if (send(fd, &req, req.nh.nlmsg_len, 0) < 0)
		return -1;
	for (;;) {
		FILE *f;
		struct nlmsghdr last;
		size_t off = 0;

		n = (int)recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			return -1;
		snprintf(path, sizeof(path), "%s/%s-%d", dir, tag, files++);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n)
			return -1;
		fclose(f);
		/* stop after the datagram holding NLMSG_DONE */
		while (off + sizeof(last) <= (size_t)n) {
			memcpy(&last, buf + off, sizeof(last));
			if (last.nlmsg_type == NLMSG_DONE ||
			    last.nlmsg_type == NLMSG_ERROR)
				return files;
			if (last.nlmsg_len < sizeof(last))
				return -1;
			off += NLMSG_ALIGN(last.nlmsg_len);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "events"))
		return events();
	if (argc == 3 && !strcmp(argv[1], "raw")) {
		int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

		if (fd < 0 || raw_dump(fd, RTM_GETLINK, argv[2], "link") < 0 ||
		    raw_dump(fd, RTM_GETADDR, argv[2], "addr") < 0) {
			perror("raw dump");
			return 2;
		}
		close(fd);
		return 0;
	}
	fprintf(stderr, "usage: %s events | raw DIR\n", argv[0]);
	return 2;
}
