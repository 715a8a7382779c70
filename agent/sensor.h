/* SPDX-License-Identifier: MIT */
/*
 * agent/sensor.h - sensor drivers (multi-instance: a small ops table) and
 * the sampler that runs each sensor on its own interval.
 *
 * Drivers live in board/ (board/common for generic Linux ones); the core
 * finds them by name through board_sensor_driver().
 */
#ifndef AGENT_SENSOR_H
#define AGENT_SENSOR_H

#include <stdbool.h>
#include <stdint.h>

struct loop;
struct sampler;

struct sensor_ops {
	const char *name;
	/* Parse @source and make the instance state (*@state, owned by the
	 * driver until close). -EINVAL bad source (@why says why), -ENOMEM,
	 * -ENOENT device missing. */
	int (*open)(const char *source, void **state, char *why, unsigned int n);
	/* Take one reading at monotonic time @now_ms. -EIO, -EAGAIN (not
	 * ready: retry later), -ERANGE (value out of the device's range). */
	int (*read)(void *state, uint64_t now_ms, double *value);
	void (*close)(void *state);
	/* Optional: an fd that becomes readable when the value changes (a
	 * GPIO edge); the sampler then reads at once, besides the interval.
	 * -1 (or no function) = polled only. */
	int (*event_fd)(void *state);
	/* read() can block (a 1-Wire conversion, an I2C measurement): the
	 * sampler runs it on the worker thread (port/worker.h), never on
	 * the loop. read() must then touch only its own state. */
	bool blocking;
};

/* The driver called @name, or NULL. Implemented by board/. */
const struct sensor_ops *board_sensor_driver(const char *name);

/* Called for every reading: sensor index (config order), value, the wall
 * time it was taken. */
typedef void (*sampler_cb)(void *arg, unsigned int sensor, double value,
			   int64_t wall_ms);

struct sampler_sensor_cfg {
	const char *name;
	const char *driver;
	const char *source;
	uint32_t interval_ms;
};

struct sampler_stats {
	uint64_t reads, errors, retries;
	uint64_t skipped;	/* a blocking read still running when due */
	uint64_t events;	/* reads caused by a change (event_fd) */
};

/*
 * Open every sensor's driver and arm its timer. -EINVAL a driver rejected
 * its source (@why names the sensor), -ENOENT unknown driver, -ENOMEM.
 */
int sampler_create(struct loop *l, const struct sampler_sensor_cfg *s,
		   unsigned int n, sampler_cb cb, void *arg,
		   struct sampler **out, char *why, unsigned int why_size);
void sampler_destroy(struct sampler *sp);

/* Change one sensor's interval (next reading one interval from now). */
int sampler_set_interval(struct sampler *sp, unsigned int sensor, uint32_t ms);
/* Read one sensor now (outside its schedule). -EIO etc. from the driver. */
int sampler_read_now(struct sampler *sp, unsigned int sensor);
void sampler_get_stats(const struct sampler *sp, unsigned int sensor,
		       struct sampler_stats *st);
uint32_t sampler_interval(const struct sampler *sp, unsigned int sensor);

#endif
