/* SPDX-License-Identifier: MIT */
/*
 * Fake port/ctlsock.h: no socket. The server records its handler and
 * reply size; fake_ctl_request() is a client's request, answered as the
 * posix port answers it (the handler into a reply_max buffer, nothing on
 * an error). fake_ctl_listen_fail() makes the next ctl_listen() fail.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/ctlsock.h"
#include "tests/fake/fake.h"

struct ctl_server {
	size_t reply_max;
	ctl_handler h;
	void *arg;
	struct ctl_stats st;
	char path[128];
};

static struct ctl_server *cur;
static int listen_err;

void fake_ctl_listen_fail(int err)
{
	listen_err = err;
}

const char *fake_ctl_path(void)
{
	return cur ? cur->path : NULL;
}

size_t fake_ctl_reply_max(void)
{
	return cur ? cur->reply_max : 0;
}

int ctl_listen(struct loop *l, const char *path, size_t reply_max,
	       ctl_handler h, void *arg, struct ctl_server **out)
{
	struct ctl_server *s;
	int err = listen_err;

	(void)l;
	*out = NULL;
	listen_err = 0;
	if (err)
		return err;
	if (strlen(path) >= sizeof(s->path))
		return -ENAMETOOLONG;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->reply_max = reply_max;
	s->h = h;
	s->arg = arg;
	strcpy(s->path, path);
	cur = s;
	*out = s;
	return 0;
}

void ctl_close(struct ctl_server *s)
{
	if (s == cur)
		cur = NULL;
	free(s);
}

int ctl_set_reply_max(struct ctl_server *s, size_t reply_max)
{
	if (reply_max > s->reply_max)
		s->reply_max = reply_max;
	return 0;
}

void ctl_get_stats(const struct ctl_server *s, struct ctl_stats *st)
{
	*st = s->st;
}

int fake_ctl_request(const char *req, uint8_t **reply, size_t *len)
{
	uint8_t *b;
	int rc;

	if (!cur)
		return -ECONNREFUSED;
	b = malloc(cur->reply_max);
	if (!b)
		return -ENOMEM;
	rc = cur->h(cur->arg, req, b, cur->reply_max, len);
	if (rc) {
		cur->st.refused++;
		free(b);
		return -EPROTO;
	}
	cur->st.requests++;
	*reply = b;
	return 0;
}

int ctl_request(const char *path, const char *req, uint32_t timeout_ms,
		uint8_t **reply, size_t *len)
{
	(void)timeout_ms;
	if (!cur || strcmp(path, cur->path))
		return -ENOENT;
	return fake_ctl_request(req, reply, len);
}
