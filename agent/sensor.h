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
	/* read() and open() can block (a 1-Wire conversion, an I2C
	 * measurement): the sampler runs reads, and opens retried while the
	 * agent runs, on a worker thread (port/worker.h), never on the loop.
	 * They must then touch only their own state. */
	bool blocking;
	/* Optional, for drivers whose cost depends on the device (hwmon,
	 * iio, thermal): the slow bus behind this open instance ("i2c",
	 * "spi", "w1", ...) whose reads sleep in the kernel, so they run on
	 * the worker as for @blocking; NULL = a fast read, on the loop. */
	const char *(*slow_bus)(void *state);
	/* Check @source's syntax without touching any device (the config
	 * loader, --check-config). 0, or -EINVAL with @why naming the part. */
	int (*check)(const char *source, char *why, unsigned int n);
};

/* The driver called @name, or NULL. Implemented by board/. */
const struct sensor_ops *board_sensor_driver(const char *name);

/* Called for every reading: sensor index (config order), value, the wall
 * time it was taken. */
typedef void (*sampler_cb)(void *arg, unsigned int sensor, double value,
			   int64_t wall_ms);

/* The strings must outlive the sampler (they point into the config). */
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
	uint64_t open_failures;	/* the driver could not open (retried) */
};

/* A driver that cannot open is retried after 1 s, doubling up to 5 min. */
#define SAMPLER_OPEN_RETRY_MIN_MS 1000u
#define SAMPLER_OPEN_RETRY_MAX_MS 300000u
/* How long sampler_destroy() waits for reads still running on a worker
 * (a DS18B20 conversion takes 750 ms) before it gives up on them. */
#define SAMPLER_STOP_WAIT_MS 2000u

enum sampler_state {
	SAMPLER_OK,		/* open, reading on schedule */
	SAMPLER_FAILING,	/* open; the last read failed, retrying */
	SAMPLER_DOWN,		/* the driver cannot open: retried with backoff */
};

#define SAMPLER_WHY_MAX 128

/* What the status output and the STATUS reply show for one sensor. */
struct sampler_status {
	enum sampler_state state;
	int error;			/* last open/read error (-errno), 0 none */
	char why[SAMPLER_WHY_MAX];	/* the driver's reason (DOWN), or "" */
	uint32_t retry_ms;		/* backoff before the next try (not OK) */
	uint64_t since_ms;		/* clock_mono_ms() of the last change */
	bool on_worker;			/* reads run on a worker thread */
	const char *bus;		/* the slow bus that put it there, or NULL */
	uint64_t busy_ms;		/* the running worker job's age; 0 none */
};

/*
 * Make every sensor and arm its timer. A driver that cannot open does not
 * fail the start: the sensor is DOWN (logged, counted) and its open is
 * retried with backoff while the others run. -ENOENT unknown driver
 * (@why names the sensor), -ENOMEM, -EAGAIN no worker thread.
 */
int sampler_create(struct loop *l, const struct sampler_sensor_cfg *s,
		   unsigned int n, sampler_cb cb, void *arg,
		   struct sampler **out, char *why, unsigned int why_size);
/* Stop every sensor. Reads still running on a worker get at most
 * SAMPLER_STOP_WAIT_MS in all; one stuck longer is left behind (logged).
 * Returns how many were left behind. */
unsigned int sampler_destroy(struct sampler *sp);

/*
 * A reload: the sensor list becomes @c[0..n) (n <= CONFIG_MAX_SENSORS).
 * @old_of_new[j] is the index sensor j had before, or -1 for a sensor to
 * start (new, or changed: its old instance is not kept). A kept sensor
 * keeps everything it has (instance, schedule, backoff, counters, worker,
 * a read in flight); only its index (the callback's) and its strings
 * (@c's, which must outlive the sampler) change; its interval changes
 * with sampler_set_interval(). A sensor no index maps to stops: its
 * timer and event fd at once, its instance closed, or, while its read or
 * open runs on a worker, closed when that job returns (never freed under
 * the worker, and its reading is not delivered). A new one is opened like
 * a retried open (on the driver's worker when the driver blocks).
 * 0; -EINVAL a bad map (an index out of range or twice); -ENOENT unknown
 * driver (@why names the sensor), -ENOMEM: the sampler is unchanged.
 */
int sampler_reshape(struct sampler *sp, const struct sampler_sensor_cfg *c,
		    const int *old_of_new, unsigned int n, char *why,
		    unsigned int why_size);

/* Change one sensor's interval (next reading one interval from now). */
int sampler_set_interval(struct sampler *sp, unsigned int sensor, uint32_t ms);
/* Read one sensor now (outside its schedule). -EIO etc. from the driver,
 * -EBUSY a worker read is still running, -ENODEV the sensor is DOWN. */
int sampler_read_now(struct sampler *sp, unsigned int sensor);
void sampler_get_stats(const struct sampler *sp, unsigned int sensor,
		       struct sampler_stats *st);
uint32_t sampler_interval(const struct sampler *sp, unsigned int sensor);
/* Status of one sensor; -EINVAL no such sensor. */
int sampler_status(const struct sampler *sp, unsigned int sensor,
		   struct sampler_status *st);
const char *sampler_state_name(enum sampler_state s);
/* One log line per sensor: state, where it reads, counters (SIGUSR1). */
void sampler_log_status(const struct sampler *sp);

#endif
