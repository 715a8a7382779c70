// SPDX-License-Identifier: MIT
/*
 * port/posix/resolve.c - port/resolve.h on c-ares (Debian's libcares.a).
 *
 * One c-ares channel per query: the channel reads resolv.conf when it is
 * made, so a lookup always uses the board's current nameservers (which
 * NetworkManager rewrites when a modem comes up), and a query can be
 * dropped on its own (c-ares 1.18 cancels per channel only). Lookups are
 * rare (start, reconnects), so the cost of a channel each is nothing.
 *
 * The channel's sockets are watched by the loop (ARES_OPT_SOCK_STATE_CB);
 * one loop timer per query runs c-ares' retransmission timeouts and the
 * query's deadline. Results are always handed over from that timer, so
 * the caller's callback never runs inside c-ares or inside resolve_start()
 * (an /etc/hosts answer arrives synchronously), and the channel is
 * destroyed outside its own callbacks.
 *
 * Every nameserver first gets a fifth of the timeout (at least 200 ms):
 * with c-ares' default of 5 s per try a dead first nameserver would use
 * up the whole bound before the second one is asked. Later rounds double
 * it, as c-ares does.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/select.h>		/* ares.h uses fd_set and struct timeval */
#include <sys/socket.h>
#include <sys/time.h>
#include <ares.h>

#include "port/clock.h"
#include "port/loop.h"
#include "port/resolve.h"

#define MAX_FDS 16		/* sockets of one channel: UDP + TCP per server */
#define DEFAULT_TIMEOUT_MS 5000

struct resolver {
	struct loop *l;
	char *resolv_conf;
	uint32_t timeout_ms;
	struct resolve_query *qs;	/* pending */
};

struct resolve_query {
	struct resolver *r;
	struct resolve_query *next;
	ares_channel ch;
	struct loop_timer *t;
	uint64_t deadline;
	int fds[MAX_FDS];
	unsigned int nfds;
	resolve_cb cb;
	void *arg;
	bool done;		/* result known; handed over from the timer */
	int status;
	struct net_addr addrs[RESOLVE_MAX_ADDRS];
	unsigned int n;
};

static void on_fd(void *arg, int fd, uint32_t events);

static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct resolve_query *q = data;
	unsigned int i;

	for (i = 0; i < q->nfds && q->fds[i] != fd; i++)
		;
	if (!readable && !writable) {
		loop_unwatch(q->r->l, fd);
		if (i < q->nfds)
			q->fds[i] = q->fds[--q->nfds];
		return;
	}
	if (i == q->nfds && q->nfds < MAX_FDS)
		q->fds[q->nfds++] = fd;
	loop_watch(q->r->l, fd, (readable ? LOOP_IN : 0u) | (writable ? LOOP_OUT : 0u),
		   on_fd, q);
}

static int map_status(int st)
{
	switch (st) {
	case ARES_SUCCESS: return 0;
	case ARES_ENOTFOUND: return -ENOENT;
	case ARES_ENODATA: return -ENODATA;
	case ARES_ETIMEOUT: return -ETIMEDOUT;
	case ARES_ECONNREFUSED: return -ECONNREFUSED;
	case ARES_ESERVFAIL: return -EAGAIN;
	case ARES_EREFUSED: return -EACCES;
	case ARES_ENOMEM: return -ENOMEM;
	case ARES_EBADNAME: return -EINVAL;
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION: return -ECANCELED;
	default: return -EIO;	/* FORMERR, BADRESP, NOTIMP, EFILE, ... */
	}
}

static void add_addr(struct resolve_query *q, const struct sockaddr *sa)
{
	struct net_addr a;

	memset(&a, 0, sizeof(a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		a.family = NET_AF_INET4;
		memcpy(a.a, &s4->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		a.family = NET_AF_INET6;
		memcpy(a.a, &s6->sin6_addr, 16);
		a.scope_id = s6->sin6_scope_id;
	} else {
		return;
	}
	for (unsigned int i = 0; i < q->n; i++)
		if (net_addr_same_host(&q->addrs[i], &a))
			return;
	if (q->n < RESOLVE_MAX_ADDRS)
		q->addrs[q->n++] = a;
}

static void on_addrinfo(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct resolve_query *q = arg;

	(void)timeouts;
	if (!q->done) {		/* else: our own ares_destroy() */
		q->done = true;
		q->status = map_status(status);
		for (struct ares_addrinfo_node *nd = res ? res->nodes : NULL; nd;
		     nd = nd->ai_next)
			if (nd->ai_addr)
				add_addr(q, nd->ai_addr);
		if (!q->status && !q->n)
			q->status = -ENODATA;
	}
	if (res)
		ares_freeaddrinfo(res);
}

/* Next wake-up: now if done, else c-ares' next timeout, capped by the
 * deadline. */
static void schedule(struct resolve_query *q)
{
	uint64_t now = clock_mono_ms(), due = q->deadline;
	struct timeval tv, *p;

	if (q->done) {
		loop_timer_at(q->t, now, 0);
		return;
	}
	p = ares_timeout(q->ch, NULL, &tv);
	if (p) {
		uint64_t in = (uint64_t)p->tv_sec * 1000 + ((uint64_t)p->tv_usec + 999) / 1000;
		if (now + in < due)
			due = now + in;
	}
	loop_timer_at(q->t, due, 0);
}

static void on_fd(void *arg, int fd, uint32_t events)
{
	struct resolve_query *q = arg;

	ares_process_fd(q->ch, events & (LOOP_IN | LOOP_ERR) ? fd : ARES_SOCKET_BAD,
			events & LOOP_OUT ? fd : ARES_SOCKET_BAD);
	schedule(q);
}

static void unlink_query(struct resolve_query *q)
{
	for (struct resolve_query **pp = &q->r->qs; *pp; pp = &(*pp)->next)
		if (*pp == q) {
			*pp = q->next;
			return;
		}
}

/* The channel closes its sockets (unwatched through sock_state). */
static void free_query(struct resolve_query *q)
{
	q->done = true;
	if (q->ch)
		ares_destroy(q->ch);
	while (q->nfds)
		loop_unwatch(q->r->l, q->fds[--q->nfds]);
	loop_timer_free(q->t);
	free(q);
}

static void on_timer(void *arg, struct loop_timer *t)
{
	struct resolve_query *q = arg;
	struct net_addr addrs[RESOLVE_MAX_ADDRS];
	resolve_cb cb = q->cb;
	void *cb_arg = q->arg;
	unsigned int n;
	int status;

	(void)t;
	if (!q->done) {
		if (clock_mono_ms() >= q->deadline) {
			q->done = true;
			q->status = -ETIMEDOUT;
		} else {
			ares_process_fd(q->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			if (!q->done) {
				schedule(q);
				return;
			}
		}
	}
	status = q->status;
	n = q->n;
	memcpy(addrs, q->addrs, sizeof(addrs));
	unlink_query(q);
	free_query(q);
	cb(cb_arg, status, addrs, n);	/* may start or cancel queries */
}

int resolver_create(struct loop *l, const struct resolve_config *c,
		    struct resolver **out)
{
	struct resolver *r;

	*out = NULL;
	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return -EIO;
	r = calloc(1, sizeof(*r));
	if (!r) {
		ares_library_cleanup();
		return -ENOMEM;
	}
	r->l = l;
	r->timeout_ms = c && c->timeout_ms ? c->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (c && c->resolv_conf && !(r->resolv_conf = strdup(c->resolv_conf))) {
		free(r);
		ares_library_cleanup();
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void resolver_destroy(struct resolver *r)
{
	if (!r)
		return;
	while (r->qs)
		resolve_cancel(r->qs);
	free(r->resolv_conf);
	free(r);
	ares_library_cleanup();
}

static int open_channel(struct resolve_query *q)
{
	struct ares_options o;
	int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS, rc;
	uint32_t per_try = q->r->timeout_ms / 5;

	memset(&o, 0, sizeof(o));
	o.sock_state_cb = sock_state;
	o.sock_state_cb_data = q;
	o.timeout = (int)(per_try < 200 ? 200 : per_try);
	if (q->r->resolv_conf) {
		o.resolvconf_path = q->r->resolv_conf;
		mask |= ARES_OPT_RESOLVCONF;
	}
	rc = ares_init_options(&q->ch, &o, mask);
	if (rc == ARES_SUCCESS)
		return 0;
	q->ch = NULL;
	return rc == ARES_ENOMEM ? -ENOMEM : -EMFILE;
}

int resolve_start(struct resolver *r, const char *name, enum resolve_family fam,
		  resolve_cb cb, void *arg, struct resolve_query **qp)
{
	struct ares_addrinfo_hints h;
	struct resolve_query *q;
	int rc;

	if (!r || !name || !*name || strlen(name) > 253 + 1 || !cb)
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	q->r = r;
	q->cb = cb;
	q->arg = arg;
	q->deadline = clock_mono_ms() + r->timeout_ms;
	rc = loop_timer_new(r->l, on_timer, q, &q->t);
	rc = rc ? rc : open_channel(q);
	if (rc) {
		free_query(q);
		return rc;
	}
	memset(&h, 0, sizeof(h));
	h.ai_family = fam == RESOLVE_INET4 ? AF_INET : fam == RESOLVE_INET6 ? AF_INET6 :
		      AF_UNSPEC;
	h.ai_socktype = SOCK_STREAM;	/* one node per address */
	q->next = r->qs;
	r->qs = q;
	ares_getaddrinfo(q->ch, name, NULL, &h, on_addrinfo, q);
	schedule(q);
	if (qp)
		*qp = q;
	return 0;
}

void resolve_cancel(struct resolve_query *q)
{
	if (!q)
		return;
	unlink_query(q);
	free_query(q);
}
