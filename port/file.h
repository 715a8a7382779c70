/* SPDX-License-Identifier: MIT */
/*
 * port/file.h - the few file operations the core needs, behind a port so
 * tests can serve fixtures and inject torn writes.
 */
#ifndef PORT_FILE_H
#define PORT_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read a whole file of at most @max bytes into a new NUL-terminated buffer
 * the caller frees with free(). -ENOENT, -EACCES, -EFBIG (larger than @max),
 * -EISDIR, -EIO, -ENOMEM.
 */
int pf_read_all(const char *path, size_t max, char **buf, size_t *len);

/* Permission bits (0777 mask) of @path. -ENOENT, -EACCES. */
int pf_mode(const char *path, uint32_t *mode);

/* Replace @path atomically with @len bytes (write temp, fsync, rename).
 * -EACCES, -ENOSPC, -EIO. */
int pf_write_atomic(const char *path, const void *buf, size_t len);

#endif
