// SPDX-License-Identifier: MIT
/*
 * port/posix/ctlsock.c - port/ctlsock.h on an AF_UNIX stream socket.
 * Every socket is non-blocking and watched on the loop: a client that
 * sends nothing, or reads nothing, costs one of CTL_CONNS slots and never
 * blocks the agent; when the slots are full the oldest client is closed.
 */
#define _GNU_SOURCE		/* accept4, SO_PEERCRED / struct ucred */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "port/ctlsock.h"
#include "port/loop.h"

#define CTL_CONNS 4
#define CTL_REPLY_LIMIT (16u << 20)

struct conn {
	int fd;				/* -1 = free */
	uint64_t serial;		/* age: the lowest is closed first */
	char req[CTL_REQ_MAX];
	size_t req_len;
	uint8_t *out;
	size_t out_len, out_off;	/* reply being written */
};

struct ctl_server {
	struct loop *loop;
	int fd;
	struct sockaddr_un sa;
	size_t reply_max;
	ctl_handler h;
	void *arg;
	uint64_t serial;
	struct conn c[CTL_CONNS];
	struct ctl_stats st;
};

static int make_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (!path[0])
		return -EINVAL;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static void conn_close(struct ctl_server *s, struct conn *c)
{
	if (c->fd < 0)
		return;
	loop_unwatch(s->loop, c->fd);
	close(c->fd);
	c->fd = -1;
	c->out_len = c->out_off = c->req_len = 0;
}

/* Only root and the user the agent runs as. */
static bool peer_allowed(int fd)
{
	struct ucred cr;
	socklen_t n = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &n))
		return false;
	return cr.uid == 0 || cr.uid == geteuid();
}

static void on_conn(void *arg, int fd, uint32_t events);

static void conn_write(struct ctl_server *s, struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			loop_watch(s->loop, c->fd, LOOP_OUT, on_conn, s);
			return;
		}
		if (w <= 0) {
			s->st.dropped++;
			conn_close(s, c);
			return;
		}
		c->out_off += (size_t)w;
	}
	s->st.requests++;
	conn_close(s, c);
}

static void conn_request(struct ctl_server *s, struct conn *c)
{
	size_t len = 0;

	c->req[c->req_len - 1] = 0;	/* the newline */
	if (c->req_len > 1 && c->req[c->req_len - 2] == '\r')
		c->req[c->req_len - 2] = 0;
	if (s->h(s->arg, c->req, c->out, s->reply_max, &len) || !len) {
		s->st.refused++;
		conn_close(s, c);
		return;
	}
	c->out_len = len;
	c->out_off = 0;
	conn_write(s, c);
}

static void conn_read(struct ctl_server *s, struct conn *c)
{
	for (;;) {
		ssize_t r = recv(c->fd, c->req + c->req_len, sizeof(c->req) - c->req_len, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r <= 0) {		/* gone before a whole request */
			s->st.dropped++;
			conn_close(s, c);
			return;
		}
		c->req_len += (size_t)r;
		if (memchr(c->req, '\n', c->req_len)) {
			c->req_len = (size_t)((char *)memchr(c->req, '\n', c->req_len) - c->req) + 1;
			conn_request(s, c);
			return;
		}
		if (c->req_len == sizeof(c->req)) {
			s->st.refused++;
			conn_close(s, c);
			return;
		}
	}
}

static void on_conn(void *arg, int fd, uint32_t events)
{
	struct ctl_server *s = arg;

	for (unsigned int i = 0; i < CTL_CONNS; i++) {
		struct conn *c = &s->c[i];

		if (c->fd != fd)
			continue;
		if (c->out_len)
			conn_write(s, c);
		else if (events & (LOOP_IN | LOOP_ERR))
			conn_read(s, c);
		return;
	}
}

static struct conn *free_slot(struct ctl_server *s)
{
	struct conn *oldest = &s->c[0];

	for (unsigned int i = 0; i < CTL_CONNS; i++) {
		if (s->c[i].fd < 0)
			return &s->c[i];
		if (s->c[i].serial < oldest->serial)
			oldest = &s->c[i];
	}
	s->st.dropped++;
	conn_close(s, oldest);
	return oldest;
}

static void on_listen(void *arg, int fd, uint32_t events)
{
	struct ctl_server *s = arg;

	(void)events;
	for (;;) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (cfd < 0)
			return;		/* EAGAIN, or a client already gone */
		if (!peer_allowed(cfd)) {
			s->st.refused++;
			close(cfd);
			continue;
		}
		c = free_slot(s);
		c->fd = cfd;
		c->serial = ++s->serial;
		if (loop_watch(s->loop, cfd, LOOP_IN, on_conn, s)) {
			close(cfd);
			c->fd = -1;
		}
	}
}

/* A file left by a previous run is removed; one an agent answers on
 * stays (two agents on one socket would answer for each other). */
static int clear_path(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct stat sb;
	int rc, err;

	if (fd < 0)
		return -errno;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	err = errno;
	close(fd);
	if (!rc)
		return -EADDRINUSE;
	if (err != ECONNREFUSED || lstat(sa->sun_path, &sb))
		return 0;	/* nothing there: bind() says what is wrong */
	if (!S_ISSOCK(sb.st_mode))
		return -EEXIST;	/* not ours to remove */
	if (unlink(sa->sun_path) && errno != ENOENT)
		return -errno;
	return 0;
}

static int open_socket(struct ctl_server *s)
{
	int rc = clear_path(&s->sa);

	if (rc)
		return rc;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (const struct sockaddr *)&s->sa, sizeof(s->sa)))
		return -errno;
	/* the directory (0750) keeps others out already; the file too */
	if (chmod(s->sa.sun_path, 0660) || listen(s->fd, CTL_CONNS)) {
		rc = -errno;
		unlink(s->sa.sun_path);
		return rc;
	}
	return loop_watch(s->loop, s->fd, LOOP_IN, on_listen, s);
}

int ctl_listen(struct loop *l, const char *path, size_t reply_max,
	       ctl_handler h, void *arg, struct ctl_server **out)
{
	struct ctl_server *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->loop = l;
	s->fd = -1;
	s->reply_max = reply_max;
	s->h = h;
	s->arg = arg;
	for (unsigned int i = 0; i < CTL_CONNS; i++)
		s->c[i].fd = -1;
	rc = make_addr(path, &s->sa);
	for (unsigned int i = 0; !rc && i < CTL_CONNS; i++)
		if (!(s->c[i].out = malloc(reply_max)))
			rc = -ENOMEM;
	rc = rc ? rc : open_socket(s);
	if (rc) {
		if (s->fd >= 0)
			close(s->fd);
		for (unsigned int i = 0; i < CTL_CONNS; i++)
			free(s->c[i].out);
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void ctl_close(struct ctl_server *s)
{
	if (!s)
		return;
	for (unsigned int i = 0; i < CTL_CONNS; i++) {
		conn_close(s, &s->c[i]);
		free(s->c[i].out);
	}
	loop_unwatch(s->loop, s->fd);
	close(s->fd);
	unlink(s->sa.sun_path);
	free(s);
}

int ctl_set_reply_max(struct ctl_server *s, size_t reply_max)
{
	if (reply_max <= s->reply_max)
		return 0;
	for (unsigned int i = 0; i < CTL_CONNS; i++) {
		uint8_t *b = realloc(s->c[i].out, reply_max);	/* a reply being written moves along */

		if (!b)
			return -ENOMEM;
		s->c[i].out = b;
	}
	s->reply_max = reply_max;
	return 0;
}

void ctl_get_stats(const struct ctl_server *s, struct ctl_stats *st)
{
	*st = s->st;
}

/* ---- the client ------------------------------------------------------- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for @ev on @fd until @deadline; 0 or -ETIMEDOUT. */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int64_t left;
	int n;

	do {
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)left);
	} while (n < 0 && errno == EINTR);
	return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

static int read_reply(int fd, int64_t deadline, uint8_t **reply, size_t *len)
{
	size_t cap = 0, n = 0;
	uint8_t *b = NULL;
	int rc = 0;

	for (;;) {
		ssize_t r;

		if (n == cap) {
			uint8_t *nb = cap >= CTL_REPLY_LIMIT ? NULL :
				      realloc(b, cap ? cap * 2 : 16384);

			if (!nb) {
				rc = cap >= CTL_REPLY_LIMIT ? -EMSGSIZE : -ENOMEM;
				break;
			}
			b = nb;
			cap = cap ? cap * 2 : 16384;
		}
		rc = wait_fd(fd, POLLIN, deadline);
		if (rc)
			break;
		r = recv(fd, b + n, cap - n, 0);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			rc = r < 0 && errno != ECONNRESET ? -errno : n && r == 0 ? 0 : -EPROTO;
			break;
		}
		n += (size_t)r;
	}
	if (rc) {
		free(b);
		return rc;
	}
	*reply = b;
	*len = n;
	return 0;
}

int ctl_request(const char *path, const char *req, uint32_t timeout_ms,
		uint8_t **reply, size_t *len)
{
	int64_t deadline = now_ms() + timeout_ms;
	char line[CTL_REQ_MAX + 1];
	struct sockaddr_un sa;
	int fd, rc = make_addr(path, &sa);
	size_t n = (size_t)snprintf(line, sizeof(line), "%s\n", req);

	if (rc)
		return rc;
	if (n >= sizeof(line) - 1)
		return -EINVAL;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a UNIX connect completes or fails at once (EAGAIN: backlog full) */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
	if (!rc && send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n)
		rc = -errno;
	/* the agent closed at once (another user): no reply, not an error of ours */
	if (rc == -EPIPE || rc == -ECONNRESET)
		rc = -EPROTO;
	rc = rc ? rc : read_reply(fd, deadline, reply, len);
	close(fd);
	return rc;
}
