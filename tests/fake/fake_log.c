// SPDX-License-Identifier: MIT
/*
 * tests/fake/fake_log.c - port/log.h into a ring a test can search.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake/fake.h"

static struct {
	int level;
	char text[FAKE_LOG_LINE_MAX];
} ring[FAKE_LOG_LINES];
static unsigned int total;	/* lines since the last clear */
static uint64_t lines;		/* since the start: port_log_get_stats() */

void port_log_write(int level, const char *line, size_t len)
{
	static int echo = -1;
	unsigned int slot = total++ % FAKE_LOG_LINES;
	size_t n = len < FAKE_LOG_LINE_MAX - 1 ? len : FAKE_LOG_LINE_MAX - 1;

	if (echo < 0) {
		const char *e = getenv("FAKE_LOG_ECHO");

		echo = e && *e == '1';
	}
	lines++;
	ring[slot].level = level;
	memcpy(ring[slot].text, line, n);
	ring[slot].text[n] = '\0';
	if (echo)
		fprintf(stderr, "log %d: %.*s\n", level, (int)len, line);
}

unsigned int fake_log_count(void)
{
	return total;
}

static unsigned int kept(void)
{
	return total < FAKE_LOG_LINES ? total : FAKE_LOG_LINES;
}

const char *fake_log_line(unsigned int i)
{
	if (i >= kept())
		return NULL;
	return ring[(total - kept() + i) % FAKE_LOG_LINES].text;
}

int fake_log_level(unsigned int i)
{
	if (i >= kept())
		return -1;
	return ring[(total - kept() + i) % FAKE_LOG_LINES].level;
}

unsigned int fake_log_count_matching(const char *substr)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < kept(); i++)
		n += strstr(fake_log_line(i), substr) != NULL;
	return n;
}

bool fake_log_contains(const char *substr)
{
	return fake_log_count_matching(substr) > 0;
}

void fake_log_clear(void)
{
	total = 0;
}

/* The fake keeps every line at once: nothing is ever queued or dropped. */
void port_log_get_stats(struct port_log_stats *st)
{
	*st = (struct port_log_stats){ .lines = lines, .written = lines };
}

int port_log_flush(uint32_t wait_ms)
{
	(void)wait_ms;
	return 0;
}

/* The fake takes lines without a prefix: the style is the real port's. */
int port_log_detect(void)
{
	return PORT_LOG_WALL;
}
