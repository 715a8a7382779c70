// SPDX-License-Identifier: MIT
/*
 * port/posix/clock.c - monotonic and wall milliseconds, jitter randomness.
 */
#define _DEFAULT_SOURCE		/* getrandom() on glibc and musl */
#define _POSIX_C_SOURCE 200809L
#define _FILE_OFFSET_BITS 64	/* glibc wants it for _TIME_BITS */
#define _TIME_BITS 64		/* 32-bit ARM: wall time past 2038 */

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/random.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "port/clock.h"

static uint64_t ts_ms(clockid_t id)
{
	struct timespec ts;

	/* Cannot fail for these clocks on Linux; 0 keeps callers defined. */
	if (clock_gettime(id, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t clock_mono_ms(void)
{
	return ts_ms(CLOCK_MONOTONIC);
}

int64_t clock_wall_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts))
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int clock_wall_synced(void)
{
	struct timex tx = { .modes = 0 };	/* read only: no privilege needed */

	if (ntp_adjtime(&tx) >= 0 && !(tx.status & STA_UNSYNC))
		return 1;
	return access(CLOCK_SYNC_FLAG_FILE, F_OK) == 0;
}

/* Kernel entropy: getrandom(), then /dev/urandom (old kernels, seccomp). */
static bool os_random(uint32_t *v)
{
	ssize_t n;
	int fd;

	do
		n = getrandom(v, sizeof(*v), GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)sizeof(*v))
		return true;
	fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	do
		n = read(fd, v, sizeof(*v));
	while (n < 0 && errno == EINTR);
	close(fd);
	return n == (ssize_t)sizeof(*v);
}

/* Jitter only: when the kernel gives nothing (early boot), a xorshift
 * seeded from the clocks and the pid still spreads boards apart. */
uint32_t clock_random(void)
{
	static uint32_t state;
	uint32_t v;

	if (os_random(&v))
		return v;
	if (!state)
		state = (uint32_t)ts_ms(CLOCK_REALTIME) ^
			(uint32_t)ts_ms(CLOCK_MONOTONIC) << 7 ^
			(uint32_t)getpid() << 16 ^ 0x9e3779b9u;
	state ^= state << 13;
	state ^= state >> 17;
	state ^= state << 5;
	return state;
}
