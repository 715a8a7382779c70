// SPDX-License-Identifier: MIT
/*
 * notify_listen - a stand-in for systemd's notification socket, for the
 * systemd_notify VM scenario: binds an AF_UNIX datagram socket (a path,
 * or "@name" in the abstract namespace), asks for the sender's
 * credentials as systemd does (SO_PASSCRED) and prints one line per
 * datagram, flushed:
 *   <CLOCK_MONOTONIC ms> pid=<sender pid> <message, newlines as '|'>
 * until SIGTERM/SIGINT.   Usage: notify_listen PATH|@NAME
 */
#define _GNU_SOURCE		/* struct ucred, SO_PASSCRED */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static unsigned long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000 + (unsigned long long)ts.tv_nsec / 1000000;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len;
	int one = 1, fd;
	size_t n;

	if (argc != 2 || (n = strlen(argv[1])) < 2 || n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: notify_listen PATH|@NAME\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[1], n);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	if (argv[1][0] == '@')
		sa.sun_path[0] = 0;
	else
		unlink(argv[1]);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, len) ||
	    setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one))) {
		perror("notify_listen");
		return 1;
	}
	printf("%llu listening %s\n", now_ms(), argv[1]);
	fflush(stdout);
	for (;;) {
		char buf[4096];
		union {
			char b[CMSG_SPACE(sizeof(struct ucred))];
			struct cmsghdr align;
		} c;
		struct iovec iov = { buf, sizeof(buf) - 1 };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
				     .msg_control = c.b, .msg_controllen = sizeof(c.b) };
		struct cmsghdr *cm;
		struct ucred uc = { 0 };
		ssize_t r = recvmsg(fd, &mh, 0);

		if (r < 0)
			continue;
		buf[r] = 0;
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
				memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
		for (char *p = buf; *p; p++)
			if (*p == '\n')
				*p = '|';
		printf("%llu pid=%d %s\n", now_ms(), (int)uc.pid, buf);
		fflush(stdout);
	}
}
