/* SPDX-License-Identifier: MIT */
/*
 * Fake port/netlink.h: events the test pushes come out of pn_recv() in
 * order; the fake fd is readable while any is queued (fake_loop drives it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/netlink.h"
#include "tests/fake/fake.h"

#define FAKE_NL_MAX 256

struct pn_sock {
	int fd;
	unsigned int head, n, dumps, overruns;
	struct pn_event q[FAKE_NL_MAX];
};

static struct pn_sock *last;
static int fail_open;

int pn_open(struct pn_sock **out)
{
	struct pn_sock *s;

	if (fail_open)
		return fail_open;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->fd = fake_fd_alloc();
	*out = last = s;
	return 0;
}

void pn_close(struct pn_sock *s)
{
	if (s == last)
		last = NULL;
	free(s);
}

int pn_fd(const struct pn_sock *s)
{
	return s->fd;
}

int pn_request_dump(struct pn_sock *s)
{
	s->dumps++;
	return 0;
}

int pn_recv(struct pn_sock *s, struct pn_event *ev)
{
	if (s->overruns) {
		s->overruns--;
		return -ENOBUFS;
	}
	if (!s->n) {
		fake_fd_set_ready(s->fd, 0);
		return -EAGAIN;
	}
	*ev = s->q[s->head];
	s->head = (s->head + 1) % FAKE_NL_MAX;
	if (!--s->n)
		fake_fd_set_ready(s->fd, 0);
	return 0;
}

void fake_nl_push(const struct pn_event *ev)
{
	struct pn_sock *s = last;

	if (!s || s->n == FAKE_NL_MAX)
		abort();
	s->q[(s->head + s->n++) % FAKE_NL_MAX] = *ev;
	fake_fd_set_ready(s->fd, LOOP_IN);
}

void fake_nl_link(const char *ifname, uint32_t ifindex, bool up)
{
	struct pn_event ev = { .type = PN_LINK, .ifindex = ifindex, .up = up };

	strncpy(ev.ifname, ifname, PN_IFNAMSIZ - 1);
	fake_nl_push(&ev);
}

void fake_nl_addr(uint32_t ifindex, const struct net_addr *a, bool add)
{
	struct pn_event ev = { .type = add ? PN_ADDR_ADD : PN_ADDR_DEL,
			       .ifindex = ifindex, .addr = *a };

	fake_nl_push(&ev);
}

void fake_nl_overrun(void)
{
	if (!last)
		abort();
	last->overruns++;
	fake_fd_set_ready(last->fd, LOOP_IN);
}

void fake_nl_dump_done(void)
{
	struct pn_event ev = { .type = PN_DUMP_DONE };

	fake_nl_push(&ev);
}

unsigned int fake_nl_dumps(void)
{
	return last ? last->dumps : 0;
}

void fake_nl_fail_open(int err)
{
	fail_open = err;
}
