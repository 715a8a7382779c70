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

#include <stddef.h>

#define SRC_MAX 160		/* ini limits source to < 128 chars */
#define SRC_MAX_KV 8
#define SYSFS_PATH_MAX 512

struct src {
	char buf[SRC_MAX];
	unsigned int n;
	struct { const char *key, *val; } kv[SRC_MAX_KV];
};

/* Split @source into key=value pairs; every key must be in @keys (NULL
 * terminated), none twice, no value empty. -EINVAL, @why names the part. */
int src_parse(struct src *s, const char *source, const char *const *keys,
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
/* The root= prefix (default "/"), checked to be an existing directory.
 * -EINVAL (@why) if it is not. */
int src_root(const struct src *s, const char **root, char *why, unsigned int n);

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

#endif
