/* SPDX-License-Identifier: MIT */
/*
 * tests/conformance: the suite on the fake port (tests/fake in wire mode).
 * Its fds are numbers in the fake's readiness table, not descriptors:
 * waiting reads that table, sleeping a millisecond between looks.
 */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "tests/conformance/conf.h"
#include "tests/fake/fake.h"

int conf_poll(struct pollfd *p, unsigned int n, int ms)
{
	const struct timespec tick = { 0, 1000000L };

	for (int waited = 0;; waited++) {
		int ready = 0;

		for (unsigned int i = 0; i < n; i++) {
			uint32_t ev = fake_fd_ready(p[i].fd);

			p[i].revents = (short)(((p[i].events & POLLIN) && (ev & LOOP_IN) ? POLLIN : 0) |
					       ((p[i].events & POLLOUT) && (ev & LOOP_OUT) ? POLLOUT : 0));
			ready += p[i].revents != 0;
		}
		if (ready || waited >= ms)
			return ready;
		nanosleep(&tick, NULL);
	}
}

void conf_init_port(void)
{
	fake_sctp_wire(true);
}
