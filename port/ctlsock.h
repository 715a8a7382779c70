/* SPDX-License-Identifier: MIT */
/*
 * port/ctlsock.h - the agent's local status socket: an AF_UNIX stream
 * socket (in systemd's RuntimeDirectory, /run/sctpagent) served on the
 * loop. A client sends one request line ("status\n"), the agent answers
 * with one reply and closes; the end of the reply is the end of the
 * stream. Only root and the agent's own user are served (the peer's
 * credentials are checked, beside the file's mode 0660 in a 0750
 * directory). Implemented by port/posix/ctlsock.c; the fake
 * (tests/fake/fake_ctlsock.c) calls the handler directly.
 */
#ifndef PORT_CTLSOCK_H
#define PORT_CTLSOCK_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct ctl_server;

/* Requests longer than this (newline included) are refused. */
#define CTL_REQ_MAX 64

/*
 * Write the reply to @req (the line without its newline) into
 * @buf[0..@cap): 0 and *@len, or -EINVAL an unknown request (the
 * connection is closed without a reply), -ENOSPC.
 */
typedef int (*ctl_handler)(void *arg, const char *req, uint8_t *buf,
			   size_t cap, size_t *len);

struct ctl_stats {
	uint64_t requests;	/* replies sent */
	uint64_t refused;	/* another user, a bad or unknown request */
	uint64_t dropped;	/* clients closed: too many at once, or gone */
};

/*
 * Listen on @path; replies are at most @reply_max bytes. A socket file
 * left by a previous run is replaced; one an agent still answers on is
 * not (-EADDRINUSE). -EEXIST a file that is no socket is
 * there, -ENAMETOOLONG, -ENOENT / -EACCES (the directory),
 * -ENOMEM, -EMFILE. @path is copied.
 */
int ctl_listen(struct loop *l, const char *path, size_t reply_max,
	       ctl_handler h, void *arg, struct ctl_server **out);
/* Replies may be up to @reply_max bytes from now on (more controllers
 * after a reload); never shrinks. 0, -ENOMEM (the old limit stays). */
int ctl_set_reply_max(struct ctl_server *s, size_t reply_max);
/* Close every client and the socket, remove the file. NULL is fine. */
void ctl_close(struct ctl_server *s);
void ctl_get_stats(const struct ctl_server *s, struct ctl_stats *st);

/*
 * The client (sctpagent status): connect to @path, send @req, read the
 * reply into a malloc()ed *@reply (caller frees) of *@len bytes, all
 * within @timeout_ms. -ENOENT / -ECONNREFUSED no agent there, -EACCES,
 * -ETIMEDOUT, -EPROTO an empty reply (the request was refused), -EMSGSIZE
 * a reply over 16 MiB, -ENOMEM.
 */
int ctl_request(const char *path, const char *req, uint32_t timeout_ms,
		uint8_t **reply, size_t *len);

#endif
