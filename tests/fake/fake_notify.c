/* SPDX-License-Identifier: MIT */
/*
 * Fake port/notify.h: a service manager that records every message.
 * notify_open() behaves as the posix port does with the environment the
 * test sets through fake_notify_setup(): absent -> *out = NULL, bad name
 * -> -EINVAL; the watchdog interval is what the test gave. The clock of
 * MONOTONIC_USEC is the fake clock.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/clock.h"
#include "port/notify.h"
#include "tests/fake/fake.h"

struct notify {
	int unused;
};

static struct {
	bool present;
	int open_err;
	uint64_t wd_usec;
	int fail_err;
	unsigned int fail_count;
	unsigned int n;			/* messages recorded */
	char *msg[FAKE_NOTIFY_MSGS];
	uint64_t at_ms[FAKE_NOTIFY_MSGS];
	struct notify *open;
} f;

void fake_notify_setup(bool present, uint64_t wd_usec, int open_err)
{
	f.present = present;
	f.wd_usec = wd_usec;
	f.open_err = open_err;
}

void fake_notify_fail_next(int err, unsigned int count)
{
	f.fail_err = err;
	f.fail_count = count;
}

int notify_open(struct notify **out)
{
	*out = NULL;
	if (!f.present)
		return 0;
	if (f.open_err)
		return f.open_err;
	*out = f.open = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void notify_close(struct notify *n)
{
	if (n && n == f.open)
		f.open = NULL;
	free(n);
}

int notify_send(struct notify *n, const char *msg)
{
	if (!n || !msg)
		return -EINVAL;
	if (f.fail_count) {
		f.fail_count--;
		return f.fail_err;
	}
	if (f.n == FAKE_NOTIFY_MSGS)
		abort();	/* a test that sends this much is broken */
	f.at_ms[f.n] = clock_mono_ms();
	f.msg[f.n++] = strdup(msg);
	return 0;
}

uint64_t notify_watchdog_usec(const struct notify *n)
{
	return n ? f.wd_usec : 0;
}

uint64_t notify_mono_usec(void)
{
	return clock_mono_ms() * 1000u;
}

unsigned int fake_notify_count(void)
{
	return f.n;
}

const char *fake_notify_msg(unsigned int i)
{
	return i < f.n ? f.msg[i] : NULL;
}

uint64_t fake_notify_at(unsigned int i)
{
	return i < f.n ? f.at_ms[i] : 0;
}

unsigned int fake_notify_count_matching(const char *substr)
{
	unsigned int c = 0;

	for (unsigned int i = 0; i < f.n; i++)
		c += strstr(f.msg[i], substr) != NULL;
	return c;
}

int fake_notify_find(const char *substr, unsigned int from)
{
	for (unsigned int i = from; i < f.n; i++)
		if (strstr(f.msg[i], substr))
			return (int)i;
	return -1;
}

bool fake_notify_is_open(void)
{
	return f.open != NULL;
}

void fake_notify_reset(void)
{
	for (unsigned int i = 0; i < f.n; i++)
		free(f.msg[i]);
	memset(&f, 0, sizeof(f));
}
