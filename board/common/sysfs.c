/* SPDX-License-Identifier: MIT */
/* Shared helpers of the sysfs sensor drivers: see sysfs.h. */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700	/* realpath */
/* 32-bit userland on a 64-bit kernel: 64-bit d_off/d_ino, else readdir
 * fails with EOVERFLOW (armhf on a Pi 4/5 arm64 kernel, qemu-arm) */
#define _FILE_OFFSET_BITS 64

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/common/sysfs.h"

static int known(const char *key, const char *const *keys)
{
	for (; *keys; keys++)
		if (!strcmp(key, *keys))
			return 1;
	return 0;
}

static int add_pair(struct src *s, char *p, const char *const *keys,
		    char *why, unsigned int n)
{
	char *eq = strchr(p, '=');

	if (!eq || eq == p || !eq[1]) {
		snprintf(why, n, "'%s': expected key=value", p);
		return -EINVAL;
	}
	*eq = 0;
	if (!known(p, keys)) {
		char list[96] = "";

		for (const char *const *k = keys; *k; k++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", k == keys ? "" : ", ", *k);
		snprintf(why, n, "unknown key '%s' (expected %s)", p, list);
		return -EINVAL;
	}
	if (src_get(s, p)) {
		snprintf(why, n, "key '%s' given twice", p);
		return -EINVAL;
	}
	if (s->n == SRC_MAX_KV) {
		snprintf(why, n, "too many keys at '%s'", p);
		return -EINVAL;
	}
	s->kv[s->n].key = p;
	s->kv[s->n++].val = eq + 1;
	return 0;
}

int src_parse(struct src *s, const char *source, const char *const *keys,
	      char *why, unsigned int n)
{
	char *p, *next;

	s->n = 0;
	s->syntax_only = false;
	if (strlen(source) >= sizeof(s->buf)) {
		snprintf(why, n, "source longer than %zu characters", sizeof(s->buf) - 1);
		return -EINVAL;
	}
	memcpy(s->buf, source, strlen(source) + 1);
	if (!s->buf[0]) {
		snprintf(why, n, "empty source");
		return -EINVAL;
	}
	for (p = s->buf; p; p = next) {
		int rc;

		next = strchr(p, ',');
		if (next)
			*next++ = 0;
		rc = add_pair(s, p, keys, why, n);
		if (rc)
			return rc;
	}
	return 0;
}

int src_parse_syntax(struct src *s, const char *source, const char *const *keys,
		     char *why, unsigned int n)
{
	int rc = src_parse(s, source, keys, why, n);

	s->syntax_only = true;
	return rc;
}

const char *src_get(const struct src *s, const char *key)
{
	for (unsigned int i = 0; i < s->n; i++)
		if (!strcmp(s->kv[i].key, key))
			return s->kv[i].val;
	return NULL;
}

int src_uint(const struct src *s, const char *key, unsigned long max,
	     unsigned long *out, char *why, unsigned int n)
{
	const char *v = src_get(s, key);
	char *end;
	unsigned long u;

	if (!v)
		return 0;
	errno = 0;
	u = strtoul(v, &end, 0);
	if (!isdigit((unsigned char)v[0]) || *end || errno || u > max) {
		snprintf(why, n, "%s='%s': expected an integer 0..%lu", key, v, max);
		return -EINVAL;
	}
	*out = u;
	return 0;
}

int src_name(const struct src *s, const char *key, char *why, unsigned int n)
{
	const char *v = src_get(s, key);

	if (!v)
		return 0;
	if (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		   "0123456789_.:-") != strlen(v) || !strcmp(v, ".") || !strcmp(v, "..")) {
		snprintf(why, n, "%s='%s': expected a name of letters, digits, "
			 "'_', '.', ':' or '-'", key, v);
		return -EINVAL;
	}
	return 0;
}

int src_root(const struct src *s, const char **root, char *why, unsigned int n)
{
	const char *r = src_get(s, "root");
	struct stat st;

	*root = r ? r : "/";
	if (s->syntax_only)
		return 0;
	if (stat(*root, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(why, n, "root='%s': not a directory", *root);
		return -EINVAL;
	}
	return 0;
}

int src_blocking(const struct src *s, enum src_blocking *mode, char *why,
		 unsigned int n)
{
	const char *v = src_get(s, "blocking");

	*mode = SRC_BLOCKING_AUTO;
	if (!v || !strcmp(v, "auto"))
		return 0;
	if (!strcmp(v, "yes"))
		*mode = SRC_BLOCKING_YES;
	else if (!strcmp(v, "no"))
		*mode = SRC_BLOCKING_NO;
	else {
		snprintf(why, n, "blocking='%s': expected auto, yes or no", v);
		return -EINVAL;
	}
	return 0;
}

int sysfs_join(char *out, size_t size, const char *root, const char *path)
{
	size_t rl = strlen(root);
	int len;

	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	while (*path == '/')
		path++;
	len = snprintf(out, size, "%.*s%s%s", (int)rl, root,
		       rl && root[rl - 1] == '/' ? "" : "/", path);
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

int sysfs_errno(int e)
{
	switch (e) {
	case ENOENT: case ENODEV: case ENXIO:
		return -ENOENT;
	case EAGAIN: case EBUSY: case ENODATA: case ETIMEDOUT: case EINTR:
		return -EAGAIN;
	default:
		return -EIO;
	}
}

int sysfs_read_str(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t len;

	if (fd < 0)
		return sysfs_errno(errno);
	len = read(fd, buf, size - 1);
	if (len < 0) {
		int e = errno;

		close(fd);
		return sysfs_errno(e);
	}
	close(fd);
	if ((size_t)len == size - 1)	/* an attribute this long is not ours */
		return -EIO;
	buf[len] = 0;
	if (memchr(buf, 0, (size_t)len))
		return -EIO;
	while (len && isspace((unsigned char)buf[len - 1]))
		buf[--len] = 0;
	return 0;
}

int sysfs_parse_ll(const char *s, long long *v)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	if (!isdigit((unsigned char)(*s == '-' || *s == '+' ? s[1] : s[0])))
		return -EIO;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -EIO : 0;
}

int sysfs_parse_double(const char *s, double *v)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	/* digits only: strtod would also take "nan", "inf" and hex */
	if (!*s || strspn(s, "+-0123456789.eE \t\n") != strlen(s) ||
	    !strpbrk(s, "0123456789"))
		return -EIO;
	errno = 0;
	*v = strtod(s, &end);
	if (errno == ERANGE || !isfinite(*v))
		return -ERANGE;
	while (isspace((unsigned char)*end))
		end++;
	return *end ? -EIO : 0;
}

int sysfs_read_ll(const char *path, long long *v)
{
	char buf[64];
	int rc = sysfs_read_str(path, buf, sizeof(buf));

	return rc ? rc : sysfs_parse_ll(buf, v);
}

int sysfs_read_double(const char *path, double *v)
{
	char buf[64];
	int rc = sysfs_read_str(path, buf, sizeof(buf));

	return rc ? rc : sysfs_parse_double(buf, v);
}

int sysfs_range(double v, double lo, double hi)
{
	return isfinite(v) && v >= lo && v <= hi ? 0 : -ERANGE;
}

/* Natural order of "<prefix>N" names: hwmon2 before hwmon10. */
static int before(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	return la < lb || (la == lb && strcmp(a, b) < 0);
}

int sysfs_find_by_name(const char *root, const char *dir, const char *prefix,
		       const char *name, char *out, size_t size)
{
	char path[SYSFS_PATH_MAX], file[SYSFS_PATH_MAX], got[128], best[256] = "";
	struct dirent *e;
	DIR *d;
	int rc = sysfs_join(path, sizeof(path), root, dir);

	if (rc)
		return rc;
	/* readdir, not glob(3): glob drags getpwnam (NSS) into a static binary */
	d = opendir(path);
	if (!d)
		return -ENOENT;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, prefix, strlen(prefix)) ||
		    (best[0] && !before(e->d_name, best)) ||
		    snprintf(file, sizeof(file), "%s/%s/name", path, e->d_name) >=
		    (int)sizeof(file) ||
		    sysfs_read_str(file, got, sizeof(got)) || strcmp(got, name))
			continue;
		snprintf(best, sizeof(best), "%s", e->d_name);
	}
	closedir(d);
	if (!best[0])
		return -ENOENT;
	return snprintf(out, size, "%s/%s", path, best) >= (int)size ? -ENAMETOOLONG : 0;
}

/* "i2c" for a link to .../bus/i2c, else NULL. */
static const char *slow_subsystem(const char *dir)
{
	static const char *const slow[] = { "i2c", "i3c", "spi", "w1", "usb", "hid",
					    "serio", "spmi", "mdio_bus" };
	char link[SYSFS_PATH_MAX], target[SYSFS_PATH_MAX];
	const char *base;
	ssize_t len;

	if (snprintf(link, sizeof(link), "%s/subsystem", dir) >= (int)sizeof(link))
		return NULL;
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0)
		return NULL;
	target[len] = 0;
	base = strrchr(target, '/') ? strrchr(target, '/') + 1 : target;
	for (size_t i = 0; i < sizeof(slow) / sizeof(slow[0]); i++)
		if (!strcmp(base, slow[i]))
			return slow[i];
	return NULL;
}

const char *sysfs_slow_bus(const char *root, const char *dir)
{
	char top[SYSFS_PATH_MAX], *real = NULL, *rroot = realpath(root, NULL);
	const char *bus = NULL;
	size_t tl;

	if (!rroot || sysfs_join(top, sizeof(top), rroot, "/sys/devices"))
		goto out;
	real = realpath(dir, NULL);
	tl = strlen(top);
	/* up from the device itself to (not including) /sys/devices */
	while (real && !bus && strlen(real) > tl && !strncmp(real, top, tl)) {
		bus = slow_subsystem(real);
		*strrchr(real, '/') = 0;
	}
out:
	free(real);
	free(rroot);
	return bus;
}

const char *sysfs_decide_bus(enum src_blocking mode, const char *root, const char *dir)
{
	if (mode == SRC_BLOCKING_YES)
		return "blocking=yes";
	return mode == SRC_BLOCKING_NO ? NULL : sysfs_slow_bus(root, dir);
}
