/* SPDX-License-Identifier: MIT */
/*
 * The simulated sensor: deterministic waveforms of the monotonic time, so
 * QEMU boards, hosts and tests get readings that a test can predict.
 *   sine:period_s=60,min=40,max=70      triangle:...   square:...
 *   noise:mean=20,sd=0.5,seed=7         counter:start=0,step=1
 * Missing parameters take defaults (period 60 s, min 0, max 100, ...).
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/sensor.h"

#define PI 3.14159265358979323846

enum wave { W_SINE, W_TRIANGLE, W_SQUARE, W_NOISE, W_COUNTER };

struct sim {
	enum wave wave;
	double period_s, min, max, mean, sd, start, step;
	uint32_t seed;
	uint64_t n;		/* readings taken (counter, noise) */
	uint64_t t0;		/* first read time */
	int started;
};

static int set_param(struct sim *s, const char *key, double v)
{
	static const struct { const char *k; size_t off; } keys[] = {
		{ "period_s", offsetof(struct sim, period_s) },
		{ "min", offsetof(struct sim, min) },
		{ "max", offsetof(struct sim, max) },
		{ "mean", offsetof(struct sim, mean) },
		{ "sd", offsetof(struct sim, sd) },
		{ "start", offsetof(struct sim, start) },
		{ "step", offsetof(struct sim, step) },
	};

	if (!strcmp(key, "seed")) {
		s->seed = (uint32_t)v ? (uint32_t)v : 1;
		return 0;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i].k)) {
			*(double *)(void *)((char *)s + keys[i].off) = v;
			return 0;
		}
	return -EINVAL;
}

static int parse_params(struct sim *s, char *p, char *why, unsigned int n)
{
	while (p && *p) {
		char *next = strchr(p, ','), *eq, *end;
		double v;

		if (next)
			*next++ = 0;
		eq = strchr(p, '=');
		if (!eq) {
			snprintf(why, n, "'%s': expected key=value", p);
			return -EINVAL;
		}
		*eq = 0;
		v = strtod(eq + 1, &end);
		if (end == eq + 1 || *end || !isfinite(v) || set_param(s, p, v)) {
			snprintf(why, n, "bad parameter '%s=%s'", p, eq + 1);
			return -EINVAL;
		}
		p = next;
	}
	if (s->period_s <= 0 || s->max < s->min || s->sd < 0) {
		snprintf(why, n, "need period_s > 0, min <= max, sd >= 0");
		return -EINVAL;
	}
	return 0;
}

static int sim_open(const char *source, void **state, char *why, unsigned int n)
{
	static const char *const waves[] = { "sine", "triangle", "square", "noise", "counter" };
	struct sim *s = calloc(1, sizeof(*s));
	char buf[128], *colon;
	int rc = -EINVAL;

	if (!s)
		return -ENOMEM;
	*s = (struct sim){ .period_s = 60, .max = 100, .sd = 1, .step = 1, .seed = 1 };
	snprintf(buf, sizeof(buf), "%s", source[0] ? source : "sine");
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = 0;
	for (s->wave = 0; s->wave <= W_COUNTER; s->wave++)
		if (!strcmp(buf, waves[s->wave]))
			break;
	if (s->wave > W_COUNTER) {
		snprintf(why, n, "unknown waveform '%s'; expected sine, triangle, "
			 "square, noise or counter", buf);
		goto out;
	}
	rc = parse_params(s, colon, why, n);
out:
	if (rc)
		free(s);
	else
		*state = s;
	return rc;
}

/* xorshift32 + Box-Muller: reproducible Gaussian noise. */
static double gauss(uint32_t *x)
{
	double u1, u2;

	*x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
	u1 = (*x + 1.0) / 4294967297.0;
	*x ^= *x << 13, *x ^= *x >> 17, *x ^= *x << 5;
	u2 = (*x + 1.0) / 4294967297.0;
	return sqrt(-2.0 * log(u1)) * cos(2.0 * PI * u2);
}

static int sim_read(void *state, uint64_t now_ms, double *value)
{
	struct sim *s = state;
	double t, ph, amp;

	if (!s->started)
		s->t0 = now_ms, s->started = 1;
	t = (double)(now_ms - s->t0) / 1000.0;
	ph = fmod(t, s->period_s) / s->period_s;
	amp = s->max - s->min;
	switch (s->wave) {
	case W_SINE: *value = s->min + amp * (0.5 + 0.5 * sin(2 * PI * ph)); break;
	case W_TRIANGLE: *value = s->min + amp * (ph < 0.5 ? 2 * ph : 2 - 2 * ph); break;
	case W_SQUARE: *value = ph < 0.5 ? s->max : s->min; break;
	case W_NOISE: *value = s->mean + s->sd * gauss(&s->seed); break;
	case W_COUNTER: *value = s->start + s->step * (double)s->n; break;
	}
	s->n++;
	return 0;
}

static void sim_close(void *state)
{
	free(state);
}

/* A waveform touches no device: its check is an open. */
static int sim_check(const char *source, char *why, unsigned int n)
{
	void *state;
	int rc = sim_open(source, &state, why, n);

	if (!rc)
		sim_close(state);
	return rc;
}

const struct sensor_ops sensor_sim_ops = {
	.name = "simulated",
	.open = sim_open,
	.read = sim_read,
	.close = sim_close,
	.check = sim_check,
};

/* The same waveforms read on the worker thread, as a slow bus would be:
 * for tests and demos of the blocking-driver path. */
const struct sensor_ops sensor_sim_slow_ops = {
	.name = "simulated_slow",
	.open = sim_open,
	.read = sim_read,
	.close = sim_close,
	.check = sim_check,
	.blocking = true,
};
