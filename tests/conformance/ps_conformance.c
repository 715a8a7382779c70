/* SPDX-License-Identifier: MIT */
/*
 * ps_conformance: one suite for port/sctp.h, run against every port.
 * This file is the harness (event queues, waiting, reporting); the checks
 * are in ps_checks.c. Written only against port/sctp.h plus poll().
 * Output: "ok N name" / "not ok N name - why", then "P passed, F failed".
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "port/sctp.h"
#include "tests/conformance/conf.h"

static int n_ok, n_fail;
enum ps_transport conf_transport = PS_TRANSPORT_AUTO;
uint16_t conf_encap;
static const char *port_name = "?";
static struct tep *all[16];
static unsigned int n_all;

void conf_result(bool ok, const char *name, const char *fmt, ...)
{
	char why[256] = "";
	va_list ap;

	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(why, sizeof(why), fmt, ap);
		va_end(ap);
	}
	if (ok)
		printf("ok %d %s\n", n_ok + n_fail + 1, name);
	else
		printf("not ok %d %s%s%s\n", n_ok + n_fail + 1, name,
		       why[0] ? " - " : "", why);
	fflush(stdout);
	ok ? n_ok++ : n_fail++;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

struct net_addr conf_addr(const char *s, uint16_t port)
{
	struct net_addr a;

	memset(&a, 0, sizeof(a));
	if (net_addr_parse(s, &a) < 0) {
		fprintf(stderr, "bad address %s\n", s);
		exit(2);
	}
	a.port = port;
	return a;
}

/* Copy an event (and the buffer it points to) into the endpoint's queue. */
static void enqueue(struct tep *t, const struct ps_event *ev)
{
	struct qev *q;
	const uint8_t *src = NULL;
	size_t len = 0;

	if (t->n == CONF_QLEN) {	/* full: drop the oldest */
		free(t->q[0].data);
		memmove(&t->q[0], &t->q[1], (CONF_QLEN - 1) * sizeof(t->q[0]));
		t->n--;
	}
	q = &t->q[t->n++];
	q->ev = *ev;
	if (ev->type == PS_EV_DATA) {
		src = ev->u.data.buf;
		len = ev->u.data.len;
	} else if (ev->type == PS_EV_SEND_FAILED) {
		src = ev->u.send_failed.buf;
		len = ev->u.send_failed.len;
	} else if (ev->type == PS_EV_REMOTE_ERROR) {
		src = ev->u.remote_error.buf;
		len = ev->u.remote_error.len;
	}
	q->data = len ? malloc(len) : NULL;
	if (len && q->data)
		memcpy(q->data, src, len);
	q->len = q->data ? len : 0;
	if (ev->type == PS_EV_DATA)
		q->ev.u.data.buf = q->data;
	else if (ev->type == PS_EV_SEND_FAILED)
		q->ev.u.send_failed.buf = q->data;
	else if (ev->type == PS_EV_REMOTE_ERROR)
		q->ev.u.remote_error.buf = q->data;
}

/* Read everything pending on every endpoint. */
static void drain_all(void)
{
	for (unsigned int i = 0; i < n_all; i++) {
		struct ps_event ev;
		int rc;

		if (!all[i]->ep)
			continue;
		while ((rc = ps_recv(all[i]->ep, &ev)) == 0)
			enqueue(all[i], &ev);
		if (rc != -EAGAIN)
			fprintf(stderr, "# %s: ps_recv %d\n", all[i]->name, rc);
	}
}

static void wait_readable(int ms)
{
	struct pollfd p[8];
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_all; i++) {
		if (!all[i]->ep)
			continue;
		p[n].fd = ps_fd(all[i]->ep);
		p[n].events = POLLIN;
		n++;
	}
	conf_poll(p, n, ms);
}

void conf_release(struct qev *q)
{
	free(q->data);
	q->data = NULL;
}

/* Wait for the first queued event @m accepts; it leaves the queue. */
bool conf_wait(struct tep *t, conf_match m, const void *arg, int timeout_ms,
	       struct qev *out)
{
	long end = now_ms() + timeout_ms;

	for (;;) {
		drain_all();
		for (int i = 0; i < t->n; i++) {
			if (!m(&t->q[i].ev, arg))
				continue;
			*out = t->q[i];
			memmove(&t->q[i], &t->q[i + 1],
				(size_t)(t->n - i - 1) * sizeof(t->q[0]));
			t->n--;
			return true;
		}
		if (now_ms() >= end)
			return false;
		wait_readable(20);
	}
}

void conf_sleep_drain(int ms)
{
	long end = now_ms() + ms;

	while (now_ms() < end) {
		drain_all();
		wait_readable(10);
	}
	drain_all();
}

void conf_flush(struct tep *t)
{
	for (int i = 0; i < t->n; i++)
		free(t->q[i].data);
	t->n = 0;
}

/* Send, waiting (bounded) while the stack says -EAGAIN. */
int conf_send(struct tep *t, const struct ps_sndinfo *si, const void *buf,
	      size_t len, int timeout_ms)
{
	long end = now_ms() + timeout_ms;
	int rc;

	while ((rc = ps_send(t->ep, si, buf, len)) == -EAGAIN &&
	       now_ms() < end) {
		struct pollfd p = { .fd = ps_fd(t->ep), .events = POLLOUT };

		drain_all();
		conf_poll(&p, 1, 10);
	}
	return rc;
}

const char *conf_port_name(void)
{
	return port_name;
}

void conf_differs(const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	printf("# differs(%s): %s\n", port_name, why);
}

long conf_now_ms(void)
{
	return now_ms();
}

bool conf_fd_readable(struct ps_ep *ep, int ms)
{
	struct pollfd p = { .fd = ps_fd(ep), .events = POLLIN };

	return ms > 0 && conf_poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static int open_ep(struct tep *t, const char *name, const char *const *addrs,
		   unsigned int n, uint16_t port, uint32_t max_msg, bool listen,
		   uint16_t init_attempts, bool interleave);

int conf_open(struct tep *t, const char *name, const char *const *addrs,
	      unsigned int n, uint16_t port, uint32_t max_msg, bool listen)
{
	return open_ep(t, name, addrs, n, port, max_msg, listen, 4, false);
}

int conf_open_attempts(struct tep *t, const char *name, const char *const *addrs,
		       unsigned int n, uint16_t port, uint32_t max_msg,
		       uint16_t init_attempts)
{
	return open_ep(t, name, addrs, n, port, max_msg, false, init_attempts, false);
}

int conf_open2(struct tep *t, const char *name, const char *const *addrs,
	       unsigned int n, uint16_t port, uint32_t max_msg, bool listen,
	       bool interleave)
{
	return open_ep(t, name, addrs, n, port, max_msg, listen, 4, interleave);
}

static int open_ep(struct tep *t, const char *name, const char *const *addrs,
		   unsigned int n, uint16_t port, uint32_t max_msg, bool listen,
		   uint16_t init_attempts, bool interleave)
{
	struct net_addr local[PS_MAX_ADDRS];
	struct ps_encap encap[2];
	struct ps_config cfg;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.transport = conf_transport;
	if (conf_encap) {	/* every peer (127.0.0.1/2) over UDP */
		encap[0] = (struct ps_encap){ conf_addr("127.0.0.1", 0), conf_encap };
		encap[1] = (struct ps_encap){ conf_addr("127.0.0.2", 0), conf_encap };
		cfg.encap = encap;
		cfg.n_encap = 2;
		cfg.udp_port = conf_encap;
	}
	for (unsigned int i = 0; i < n; i++)
		local[i] = conf_addr(addrs[i], port);
	cfg.local = local;
	cfg.n_local = n;
	cfg.port = port;
	cfg.out_streams = 8;
	cfg.in_streams = 8;
	cfg.init_max_attempts = init_attempts;
	cfg.init_timeout_ms = 3000;
	cfg.max_msg = max_msg;
	cfg.nodelay = true;
	cfg.listen = listen;
	cfg.interleave = interleave;
	memset(t, 0, sizeof(*t));
	t->name = name;
	if (n_all == sizeof(all) / sizeof(all[0]))
		return -ENOSPC;
	all[n_all++] = t;
	rc = ps_open(&cfg, &t->ep);
	if (rc == 0 && !strcmp(port_name, "?"))
		port_name = ps_transport_of(t->ep) == PS_TRANSPORT_UDP ? "usrsctp" :
			    conf_encap ? "kernel+udp" : "kernel";
	return rc;
}

void conf_close(struct tep *t)
{
	ps_close(t->ep);
	t->ep = NULL;
	conf_flush(t);
}

bool m_assoc(const struct ps_event *ev, const void *arg)
{
	const struct m_assoc_arg *a = arg;

	return ev->type == PS_EV_ASSOC_CHANGE && ev->u.assoc.state == a->state &&
	       (!a->assoc || ev->assoc == a->assoc);
}

bool m_type(const struct ps_event *ev, const void *arg)
{
	const struct m_assoc_arg *a = arg;

	return ev->type == a->type && (!a->assoc || ev->assoc == a->assoc);
}

static int usage(void)
{
	fprintf(stderr, "usage: ps_conformance [--transport auto|kernel|udp] "
		"[--encap UDPPORT] [--port-name NAME]\n");
	return 2;
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			return usage();
		if (!strcmp(argv[i], "--transport"))
			conf_transport = !strcmp(v, "kernel") ? PS_TRANSPORT_KERNEL :
					 !strcmp(v, "udp") ? PS_TRANSPORT_UDP :
					 PS_TRANSPORT_AUTO;
		else if (!strcmp(argv[i], "--encap"))
			conf_encap = (uint16_t)atoi(v);
		else if (!strcmp(argv[i], "--port-name"))
			port_name = v;
		else
			return usage();
		i++;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	conf_init_port();
	conf_run_all();
	printf("# port: %s\n", port_name);
	printf("%d passed, %d failed\n", n_ok, n_fail);
	return n_fail ? 1 : 0;
}
