/* SPDX-License-Identifier: MIT */
/*
 * port/usrsctp: the one usrsctp stack of the process and its watcher.
 *
 * usrsctp is a process-wide stack with one UDP port (usrsctp_init), its
 * own threads, and the local addresses it read at init. Endpoints share
 * it. The watcher thread ticks every US_TICK_MS:
 *  - it wakes an endpoint usrsctp has an event for: usrsctp calls the
 *    upcall after an incoming packet only, so what a timer raises (INIT
 *    given up, a path or the association lost, a PR-SCTP message
 *    abandoned) would otherwise wait for the next packet;
 *  - it ends a blocked endpoint's send retry wait (wake.c), ticking
 *    every US_FAST_TICK_MS while one waits;
 *  - it runs a re-init (a new local address): usrsctp_finish once the
 *    closed sockets are gone, then usrsctp_init, then wakes the endpoints
 *    so they make their sockets again on the loop's thread.
 * Every thread of the stack starts with all signals blocked: only the
 * loop's thread takes signals (port/loop.h, signalfd). usrsctp_init runs
 * under thread_call_masked() (its threads inherit the full mask), the
 * watcher is a thread_create() thread, and a re-init runs on the watcher.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <ifaddrs.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "port/log.h"
#include "port/thread.h"
#include "port/usrsctp/us.h"

#define MAX_IFADDRS 64

static struct {
	pthread_mutex_t mu;		/* recursive: the upcall may nest */
	bool up, reinit, watching;
	uint16_t udp_port;
	struct ps_ep *eps;
	struct thread *watcher;
	struct net_addr ifaddrs[MAX_IFADDRS];
	unsigned int n_ifaddrs;
} stk;
static pthread_once_t stk_once = PTHREAD_ONCE_INIT;

void us_log(int level, const char *fmt, ...)
{
	char line[300];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		port_log_write(level, line, strlen(line) < sizeof(line) ?
			       strlen(line) : sizeof(line) - 1);
}

/* usrsctp's SCTP_PRINTF: real trouble only (its debug output is off). */
static void stack_printf(const char *fmt, ...)
{
	char line[240];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	n = strcspn(line, "\n");
	line[n] = 0;
	if (n)
		us_log(1, "usrsctp: %s", line);
}

static void init_mutex(void)
{
	pthread_mutexattr_t a;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&stk.mu, &a);
	pthread_mutexattr_destroy(&a);
}

void us_stack_lock(void)
{
	pthread_once(&stk_once, init_mutex);
	pthread_mutex_lock(&stk.mu);
}

void us_stack_unlock(void)
{
	pthread_mutex_unlock(&stk.mu);
}

/* usrsctp reads the interfaces once at init; remember what it saw. */
static void snapshot_addrs(void)
{
	struct ifaddrs *ifa = NULL;

	stk.n_ifaddrs = 0;
	if (getifaddrs(&ifa))
		return;
	for (struct ifaddrs *i = ifa; i && stk.n_ifaddrs < MAX_IFADDRS; i = i->ifa_next) {
		struct net_addr a;

		if (!i->ifa_addr || us_from_sa(i->ifa_addr, sizeof(struct sockaddr_in6), &a))
			continue;
		a.port = 0;
		stk.ifaddrs[stk.n_ifaddrs++] = a;
	}
	freeifaddrs(ifa);
}

bool us_stack_has_addr(const struct net_addr *a)
{
	bool found = false;

	us_stack_lock();
	for (unsigned int i = 0; i < stk.n_ifaddrs && !found; i++)
		found = net_addr_same_host(&stk.ifaddrs[i], a);
	us_stack_unlock();
	return found;
}

/* usrsctp logs a busy UDP port at debug level only and runs without it. */
static int probe_udp_port(uint16_t port)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

	if (fd < 0)
		return -errno;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		rc = -errno;
	close(fd);
	if (rc)
		us_log(0, "usrsctp: cannot use UDP port %u for SCTP over UDP: %s",
		       port, strerror(-rc));
	return rc == -EACCES ? -EADDRNOTAVAIL : rc;
}

/* The settings every endpoint relies on (README.md: behaviour). */
static void tune(void)
{
	/* a kernel peer on loopback checks the CRC32c usrsctp would skip */
	usrsctp_sysctl_set_sctp_no_csum_on_loopback(0);
	/* RFC 9260 8.4: answer out-of-the-blue packets (the default) */
	usrsctp_sysctl_set_sctp_blackhole(0);
}

/* Under thread_call_masked(): usrsctp_init starts the stack's threads. */
static int init_masked(void *arg)
{
	usrsctp_init(*(uint16_t *)arg, NULL, stack_printf);
	return 0;
}

static void start_stack(uint16_t port)
{
	thread_call_masked(init_masked, &port);
	tune();
	snapshot_addrs();
	stk.udp_port = port;
	stk.up = true;
}

/* @fast: a short tick (send retries only, no event check). Returns
 * whether some endpoint still waits to send. */
static bool tick_endpoints(bool fast)
{
	bool blocked = false;

	for (struct ps_ep *ep = stk.eps; ep; ep = ep->next) {
		if (ep->so) {
			int ev = fast ? 0 : usrsctp_get_events(ep->so);

			if (ev & (SCTP_EVENT_READ | SCTP_EVENT_ERROR))
				us_wake_read(ep);
			blocked |= us_wake_tick(ep);
		} else if (stk.up && !fast) {
			us_wake_read(ep);	/* its socket is to be made again */
		}
	}
	return blocked;
}

/* Outside the lock: usrsctp_finish joins threads that may be waiting in
 * our upcall for it. */
static void run_reinit(void)
{
	uint16_t port = stk.udp_port;

	us_stack_unlock();
	if (usrsctp_finish() != 0) {
		us_stack_lock();
		return;			/* closed sockets not freed yet */
	}
	thread_call_masked(init_masked, &port);	/* the watcher's mask is full anyway */
	us_stack_lock();
	tune();
	snapshot_addrs();
	stk.reinit = false;
	stk.up = true;
	us_log(2, "usrsctp: stack re-initialised (local addresses changed)");
}

/* Every US_TICK_MS; every US_FAST_TICK_MS while a send waits for room
 * (the event check still every US_TICK_MS). */
static void watch(void *arg)
{
	bool fast = false;
	int since = 0;

	(void)arg;
	for (;;) {
		int ms = fast ? US_FAST_TICK_MS : US_TICK_MS;
		struct timespec t = { 0, ms * 1000000L };
		bool full;

		nanosleep(&t, NULL);
		since += ms;
		full = since >= US_TICK_MS;
		if (full)
			since = 0;
		us_stack_lock();
		if (stk.reinit && full)
			run_reinit();
		fast = tick_endpoints(!full);
		us_stack_unlock();
	}
}

/* usrsctp's threads, after an incoming packet (or a socket error). */
static void upcall(struct socket *so, void *arg, int flags)
{
	(void)flags;
	us_stack_lock();
	for (struct ps_ep *ep = stk.eps; ep; ep = ep->next) {
		if (ep != arg || ep->so != so)
			continue;
		if (usrsctp_get_events(so) & (SCTP_EVENT_READ | SCTP_EVENT_ERROR))
			us_wake_read(ep);
		break;
	}
	us_stack_unlock();
}

void us_stack_set_upcall(struct socket *so, struct ps_ep *ep)
{
	usrsctp_set_upcall(so, ep ? upcall : NULL, ep);
}

/* The stack and its watcher; every thread they make blocks every signal. */
static int start_blocked(uint16_t port)
{
	int rc = 0;

	start_stack(port);
	if (!stk.watching) {
		rc = thread_create(&stk.watcher, watch, NULL);
		stk.watching = rc == 0;
	}
	return rc;
}

int us_stack_add(struct ps_ep *ep, uint16_t udp_port)
{
	int rc = 0;

	us_stack_lock();
	if (!stk.up && !stk.reinit) {
		rc = probe_udp_port(udp_port);
		if (rc == 0)
			rc = start_blocked(udp_port);
	} else if (udp_port != stk.udp_port) {
		us_log(0, "usrsctp: one UDP port per process: %u is in use, "
		       "%u asked", stk.udp_port, udp_port);
		rc = -EINVAL;
	}
	if (rc == 0) {
		ep->next = stk.eps;
		stk.eps = ep;
	}
	us_stack_unlock();
	return rc;
}

void us_stack_remove(struct ps_ep *ep)
{
	us_stack_lock();
	for (struct ps_ep **p = &stk.eps; *p; p = &(*p)->next)
		if (*p == ep) {
			*p = ep->next;
			break;
		}
	us_stack_unlock();
}

bool us_stack_ready(void)
{
	bool up;

	us_stack_lock();
	up = stk.up;
	us_stack_unlock();
	return up;
}

/* Loop thread: close every endpoint's socket (their associations end)
 * and let the watcher restart the stack. */
void us_stack_reinit(void)
{
	us_stack_lock();
	if (!stk.reinit) {
		for (struct ps_ep *ep = stk.eps; ep; ep = ep->next)
			us_ep_drop(ep);
		stk.reinit = true;
		stk.up = false;
	}
	us_stack_unlock();
}
