// SPDX-License-Identifier: MIT
/*
 * port/posix/resolve.c (c-ares on port/posix/loop.c) against a real
 * nameserver: tests/interop/resolve_dnsmasq.sh runs it in a network
 * namespace of its own with dnsmasq on loopback.
 *
 *   resolve_check [options] NAME...
 *     --conf FILE        resolv.conf to use (default the system's)
 *     --timeout MS       resolve_config.timeout_ms
 *     --family any|4|6
 *     --silent ADDR      bind UDP ADDR:53 and never answer (a dead server)
 *     --cancel NAME      start a lookup of NAME and cancel it at once
 *     --destroy-pending  destroy the resolver with lookups pending
 *
 * Every NAME is looked up at once; one line each, in completion order:
 *   NAME status=0 ms=12 addrs=10.1.0.2,2001:db8::2
 *   NAME status=-2 ms=3
 * A callback for a cancelled lookup, a second callback, or one from
 * inside resolve_start() prints "BUG ..." and exits 1.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "port/clock.h"
#include "port/loop.h"
#include "port/resolve.h"

#define MAX_NAMES 32

struct job {
	const char *name;
	bool done, cancelled;
	uint64_t start;
};

static struct loop *l;
static struct job jobs[MAX_NAMES];
static unsigned int n_jobs, n_done;
static bool starting;

static void on_done(void *arg, int status, const struct net_addr *a, unsigned int n)
{
	struct job *j = arg;
	char s[NET_ADDR_STRLEN];

	if (starting || j->done || j->cancelled) {
		printf("BUG %s: callback %s\n", j->name, starting ? "inside resolve_start" :
		       j->done ? "twice" : "after cancel");
		exit(1);
	}
	j->done = true;
	printf("%s status=%d ms=%llu", j->name, status,
	       (unsigned long long)(clock_mono_ms() - j->start));
	for (unsigned int i = 0; i < n; i++) {
		net_addr_format(&a[i], s, sizeof(s));
		printf("%s%s", i ? "," : " addrs=", s);
	}
	printf("\n");
	fflush(stdout);
	if (++n_done == n_jobs)
		loop_stop(l);
}

static int silent_server(const char *addr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(53) };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0 || inet_pton(AF_INET, addr, &sa.sin_addr) != 1 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("silent server");
		exit(2);
	}
	return fd;			/* never read: queries go unanswered */
}

int main(int argc, char **argv)
{
	struct resolve_config rc = { 0 };
	enum resolve_family fam = RESOLVE_ANY;
	struct resolver *r;
	struct resolve_query *q;
	const char *cancel = NULL;
	bool destroy_pending = false;
	struct job cj = { 0 };
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--conf") && i + 1 < argc)
			rc.resolv_conf = argv[++i];
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			rc.timeout_ms = (uint32_t)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--family") && i + 1 < argc) {
			i++;
			fam = !strcmp(argv[i], "4") ? RESOLVE_INET4 :
			      !strcmp(argv[i], "6") ? RESOLVE_INET6 : RESOLVE_ANY;
		} else if (!strcmp(argv[i], "--silent") && i + 1 < argc)
			silent_server(argv[++i]);
		else if (!strcmp(argv[i], "--cancel") && i + 1 < argc)
			cancel = argv[++i];
		else if (!strcmp(argv[i], "--destroy-pending"))
			destroy_pending = true;
		else {
			fprintf(stderr, "usage: see the source\n");
			return 2;
		}
	}
	if (loop_create(&l) || resolver_create(l, &rc, &r)) {
		fprintf(stderr, "setup failed\n");
		return 2;
	}
	if (cancel) {
		cj.name = cancel;
		if (resolve_start(r, cancel, fam, on_done, &cj, &q) == 0) {
			resolve_cancel(q);
			cj.cancelled = true;
		}
	}
	for (; i < argc && n_jobs < MAX_NAMES; i++) {
		struct job *j = &jobs[n_jobs++];
		int err;

		j->name = argv[i];
		j->start = clock_mono_ms();
		starting = true;
		err = resolve_start(r, j->name, fam, on_done, j, NULL);
		starting = false;
		if (err) {
			printf("%s start=%d\n", j->name, err);
			n_done++;
			j->done = true;
		}
	}
	if (destroy_pending) {
		resolver_destroy(r);
		loop_destroy(l);
		printf("destroyed with %u pending\n", n_jobs - n_done);
		return 0;
	}
	if (n_done < n_jobs)
		loop_run(l);
	/* a cancelled lookup's answer would arrive by now: run a little more */
	for (int k = 0; cancel && k < 20; k++)
		loop_run_once(l, 10);
	resolver_destroy(r);
	loop_destroy(l);
	return 0;
}
