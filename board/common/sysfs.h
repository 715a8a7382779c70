/* SPDX-License-Identifier: MIT */
/*
 * board/common/sysfs.h - shared by the Linux sensor drivers: the
 * "key=value,key=value" source syntax, a root prefix for every path (so
 * unit tests read fixture trees), and strict reads of sysfs attributes.
 *
 * Error convention of the read helpers (what a driver's read returns):
 *   -ENOENT  the file or device is gone (unplugged, module unloaded)
 *   -EAGAIN  the kernel has no value yet (EAGAIN, EBUSY, ENODATA, ETIMEDOUT)
 *   -EIO     any other read error, or text that is not a number
 *   -ERANGE  a number that overflows, or is outside the physical range
 */
#ifndef BOARD_COMMON_SYSFS_H
#define BOARD_COMMON_SYSFS_H

#include <stdbool.h>
#include <stddef.h>

#define SRC_MAX 160		/* ini limits source to < 128 chars */
#define SRC_MAX_KV 8
#define SYSFS_PATH_MAX 512

struct src {
	char buf[SRC_MAX];
	unsigned int n;
	struct { const char *key, *val; } kv[SRC_MAX_KV];
	bool syntax_only;	/* a driver's check(): touch no file or device */
};

/* Split @source into key=value pairs; every key must be in @keys (NULL
 * terminated), none twice, no value empty. -EINVAL, @why names the part. */
int src_parse(struct src *s, const char *source, const char *const *keys,
	      char *why, unsigned int n);
/* The same for a driver's check(): sets syntax_only, so src_root() and
 * the driver's own device lookups are skipped. */
int src_parse_syntax(struct src *s, const char *source, const char *const *keys,
		     char *why, unsigned int n);
/* The value of @key, or NULL when absent. */
const char *src_get(const struct src *s, const char *key);
/* @key as an unsigned integer (decimal or 0x hex) <= @max into *@out;
 * absent leaves *@out alone. -EINVAL (@why says so). */
int src_uint(const struct src *s, const char *key, unsigned long max,
	     unsigned long *out, char *why, unsigned int n);
/* @key's value is a plain name: [A-Za-z0-9_.:-]+, so it cannot climb out
 * of the directory it is looked up in. Absent: 0. -EINVAL (@why). */
int src_name(const struct src *s, const char *key, char *why, unsigned int n);
/* The root= prefix (default "/"), checked to be an existing directory
 * (unless syntax_only). -EINVAL (@why) if it is not. */
int src_root(const struct src *s, const char **root, char *why, unsigned int n);

/* blocking=auto|yes|no: whether reads run on the worker (auto: decided by
 * the device's bus, sysfs_slow_bus()). */
enum src_blocking { SRC_BLOCKING_AUTO, SRC_BLOCKING_YES, SRC_BLOCKING_NO };
int src_blocking(const struct src *s, enum src_blocking *mode, char *why,
		 unsigned int n);

/* @root + @path, one slash between. -ENAMETOOLONG. */
int sysfs_join(char *out, size_t size, const char *root, const char *path);
/* Read a small attribute into @buf, trailing whitespace cut. See above. */
int sysfs_read_str(const char *path, char *buf, size_t size);
/* Strict decimal integer (optional sign, surrounding whitespace). -EIO
 * empty or trailing garbage ("12x"), -ERANGE overflow. */
int sysfs_parse_ll(const char *s, long long *v);
/* Strict floating point, as IIO prints scales ("0.000152587"). -EIO, -ERANGE. */
int sysfs_parse_double(const char *s, double *v);
int sysfs_read_ll(const char *path, long long *v);
int sysfs_read_double(const char *path, double *v);
/* -ERANGE unless @lo <= @v <= @hi (and finite). */
int sysfs_range(double v, double lo, double hi);
/* The driver error for a failed open/read with errno @e (see above). */
int sysfs_errno(int e);

/*
 * The entry "<prefix>N" of directory @dir under @root whose "name"
 * attribute equals @name, the lowest N if several (hwmon2 before hwmon10),
 * e.g. "/sys/class/hwmon", "hwmon", "cpu_thermal". Its path into @out.
 * -ENOENT none, -ENAMETOOLONG.
 */
int sysfs_find_by_name(const char *root, const char *dir, const char *prefix,
		       const char *name, char *out, size_t size);

/*
 * The slow bus a sysfs device hangs off, whose reads sleep in the kernel
 * for a transfer or a conversion: "i2c", "i3c", "spi", "w1", "usb", "hid",
 * "serio", "spmi" or "mdio_bus", found by walking up the real path of
 * @dir (a class or bus entry under @root, e.g. .../sys/class/hwmon/hwmon3)
 * and reading each ancestor's "subsystem" link. NULL when none is: an
 * on-SoC (platform) or virtual device such as the CPU's thermal zone.
 */
const char *sysfs_slow_bus(const char *root, const char *dir);
/* What a driver's slow_bus() says for @mode: "blocking=yes", NULL, or
 * sysfs_slow_bus(). */
const char *sysfs_decide_bus(enum src_blocking mode, const char *root, const char *dir);

#endif
