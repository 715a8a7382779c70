/* SPDX-License-Identifier: MIT */
/* tests/conformance: waiting on the real ports' fds. */
#define _POSIX_C_SOURCE 200809L
#include "tests/conformance/conf.h"

int conf_poll(struct pollfd *p, unsigned int n, int ms)
{
	return poll(p, n, ms);
}

void conf_init_port(void)
{
}
