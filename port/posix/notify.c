// SPDX-License-Identifier: MIT
/*
 * port/posix/notify.c - port/notify.h on an AF_UNIX datagram socket, as
 * sd_notify(3) does it: one unconnected, non-blocking socket and one
 * sendto() per message to the address in $NOTIFY_SOCKET. The kernel adds
 * our credentials for the receiver (systemd sets SO_PASSCRED), which is
 * how systemd checks NotifyAccess=main. Unconnected, so a service manager
 * that re-creates its socket (systemctl daemon-reexec) is still reached.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE		/* SOCK_CLOEXEC, SOCK_NONBLOCK */

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "port/notify.h"

struct notify {
	int fd;
	struct sockaddr_un sa;
	socklen_t sa_len;
	uint64_t wd_usec;
};

/* "/path" or "@abstract"; the abstract name is not NUL-terminated. */
static int parse_addr(const char *s, struct sockaddr_un *sa, socklen_t *len)
{
	size_t n = strlen(s);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if ((s[0] != '/' && s[0] != '@') || n < 2 || n > sizeof(sa->sun_path) ||
	    (s[0] == '/' && n == sizeof(sa->sun_path)))
		return -EINVAL;
	memcpy(sa->sun_path, s, n);
	if (s[0] == '@')
		sa->sun_path[0] = 0;
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			   (s[0] == '/'));
	return 0;
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	return errno || *end ? 0 : (uint64_t)v;
}

/* WATCHDOG_PID set to another process: the watchdog is not ours. */
static uint64_t watchdog_usec(void)
{
	const char *pid = getenv("WATCHDOG_PID");

	if (pid && *pid && parse_u64(pid) != (uint64_t)getpid())
		return 0;
	return parse_u64(getenv("WATCHDOG_USEC"));
}

int notify_open(struct notify **out)
{
	const char *e = getenv("NOTIFY_SOCKET");
	struct notify *n;
	int rc;

	*out = NULL;
	if (!e || !*e)
		return 0;
	n = calloc(1, sizeof(*n));
	if (!n)
		return -ENOMEM;
	rc = parse_addr(e, &n->sa, &n->sa_len);
	if (rc) {
		free(n);
		return rc;
	}
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (n->fd < 0) {
		rc = errno == ENFILE || errno == EMFILE ? -EMFILE : -ENOMEM;
		free(n);
		return rc;
	}
	n->wd_usec = watchdog_usec();
	*out = n;
	return 0;
}

void notify_close(struct notify *n)
{
	if (!n)
		return;
	close(n->fd);
	free(n);
}

int notify_send(struct notify *n, const char *msg)
{
	ssize_t w;

	if (!n || !msg)
		return -EINVAL;
	do
		w = sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT,
			   (const struct sockaddr *)&n->sa, n->sa_len);
	while (w < 0 && errno == EINTR);
	if (w >= 0)
		return 0;
	switch (errno) {
	case EAGAIN:
	case ENOBUFS:
		return -EAGAIN;
	case ENOENT:
	case ENOTDIR:
		return -ENOENT;
	case EMSGSIZE:
		return -EMSGSIZE;
	default:
		return -ECONNREFUSED;	/* ECONNREFUSED, EPERM, EACCES, ... */
	}
}

uint64_t notify_watchdog_usec(const struct notify *n)
{
	return n ? n->wd_usec : 0;
}

uint64_t notify_mono_usec(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
