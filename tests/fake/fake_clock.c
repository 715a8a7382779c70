// SPDX-License-Identifier: MIT
/*
 * tests/fake/fake_clock.c - port/clock.h on a clock the test sets.
 */
#include <stdio.h>
#include <stdlib.h>

#include "tests/fake/fake.h"

static uint64_t mono = FAKE_CLOCK_START_MS;
static int64_t wall_offset = FAKE_CLOCK_WALL_MS - (int64_t)FAKE_CLOCK_START_MS;
static uint32_t rnd = FAKE_CLOCK_SEED;
static int synced = 1;

uint64_t clock_mono_ms(void)
{
	return mono;
}

int64_t clock_wall_ms(void)
{
	return (int64_t)mono + wall_offset;
}

int clock_wall_synced(void)
{
	return synced;
}

/* xorshift32: fixed sequence per seed, never 0. */
uint32_t clock_random(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 17;
	rnd ^= rnd << 5;
	return rnd;
}

void fake_clock_reset(void)
{
	mono = FAKE_CLOCK_START_MS;
	wall_offset = FAKE_CLOCK_WALL_MS - (int64_t)FAKE_CLOCK_START_MS;
	rnd = FAKE_CLOCK_SEED;
	synced = 1;
}

void fake_clock_set(uint64_t ms)
{
	if (ms < mono) {
		fprintf(stderr, "fake_clock_set(%llu): monotonic clock at %llu "
			"cannot go back\n", (unsigned long long)ms,
			(unsigned long long)mono);
		abort();
	}
	mono = ms;
}

void fake_clock_advance(uint64_t ms)
{
	fake_clock_set(mono + ms);
}

void fake_clock_set_wall_offset(int64_t offset_ms)
{
	wall_offset = offset_ms;
}

void fake_clock_seed(uint32_t seed)
{
	rnd = seed ? seed : FAKE_CLOCK_SEED;
}

void fake_clock_set_wall(int64_t wall_ms)
{
	wall_offset = wall_ms - (int64_t)mono;
}

void fake_clock_set_synced(bool on)
{
	synced = on;
}
