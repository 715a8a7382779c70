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

/* ---- credential files (keys, certificates) ------------------------------
 * Opened with O_NOFOLLOW and checked with fstat on the open descriptor (no
 * race between the check and the read): a regular file, owned by root or
 * by the user the process runs as; PF_SECRET: no permission for group or
 * others (mode 0600 or 0400); PF_PUBLIC (certificates, CA): not writable
 * by group or others.
 */
enum pf_cred { PF_SECRET, PF_PUBLIC };

struct pf_cred_info {
	uint32_t mode;			/* permission bits found (0777 mask) */
	uint32_t uid;			/* owner found */
	uint32_t euid;			/* the process's effective user */
};

/*
 * Check and read @path (at most @max bytes) into a new buffer, NUL-
 * terminated (not counted in *len); free it with pf_free_secret(), which
 * wipes it. @info (may be NULL) is filled as far as known.
 * -ENOENT missing, -ELOOP a symbolic link, -EISDIR a directory, -EINVAL
 * not a regular file, -EPERM wrong owner, -EKEYREJECTED mode too open,
 * -EACCES cannot be opened, -EFBIG larger than @max, -EIO, -ENOMEM.
 */
int pf_read_cred(const char *path, enum pf_cred kind, size_t max,
		 uint8_t **buf, size_t *len, struct pf_cred_info *info);
/* The same checks without keeping the content (--check-config). */
int pf_check_cred(const char *path, enum pf_cred kind,
		  struct pf_cred_info *info);
/* Wipe @len bytes (+ the NUL) of @buf and free it. NULL ok. */
void pf_free_secret(uint8_t *buf, size_t len);

#endif
