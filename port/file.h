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
/*
 * Streaming files and directories, for the persistent outbox: append-only
 * segments, in-place state slots, whole-file deletion. Every call is one
 * system call (or a loop of them) with no hidden fsync: durability is the
 * caller's, through pf_datasync() and pf_sync_dir().
 *
 * Error values (all functions): -ENOENT (no such file or directory, or a
 * path component is not a directory), -EACCES (permission, read-only file
 * system), -EEXIST (pf_mkdir, PF_EXCL), -ENOSPC (no space or quota),
 * -EIO (the device failed, or any unexpected errno), -EINVAL (bad flags,
 * name too long, an operation the file system does not support),
 * -EISDIR, -ENOTEMPTY, -EMFILE (out of descriptors), -ENOMEM.
 */
struct pf_file;

#define PF_RDONLY 0x0u	/* read only */
#define PF_RDWR 0x1u	/* read and write (pf_pwrite) */
#define PF_APPEND 0x2u	/* read, and write only at the end (pf_append) */
#define PF_CREATE 0x4u	/* create if missing, mode 0600 */
#define PF_EXCL 0x8u	/* with PF_CREATE: -EEXIST if it exists */

/* Open @path; *f is the caller's until pf_close(). Regular files only:
 * a directory is -EISDIR, anything else -EINVAL. */
int pf_open(const char *path, unsigned int flags, struct pf_file **f);
/* Close and free @f (always freed). -EIO if the close reported an error. */
int pf_close(struct pf_file *f);
/* Up to @len bytes at @off; *got < @len only at end of file. */
int pf_pread(struct pf_file *f, void *buf, size_t len, uint64_t off,
	     size_t *got);
/* Write all @len bytes at the end of a PF_APPEND file (write(2) at once,
 * no sync). On an error a prefix of @buf may have been written: the caller
 * truncates it away or treats the file's tail as torn. */
int pf_append(struct pf_file *f, const void *buf, size_t len);
/* Write all @len bytes at @off of a PF_RDWR file; same error rule. */
int pf_pwrite(struct pf_file *f, const void *buf, size_t len, uint64_t off);
int pf_size(struct pf_file *f, uint64_t *size);
int pf_truncate(struct pf_file *f, uint64_t size);
/* fdatasync(2). After an error the kernel may have dropped the unwritten
 * pages and marked them clean: a later successful call does NOT mean the
 * earlier data is on the device. Never retried here. */
int pf_datasync(struct pf_file *f);

/* Directories. None of these syncs: a created, renamed or removed entry
 * is durable only after pf_sync_dir() of its directory. */
int pf_mkdir(const char *path, uint32_t mode);
int pf_sync_dir(const char *dir);
int pf_unlink(const char *path);
/* rename(2) within one file system; replaces @to atomically. */
int pf_rename(const char *from, const char *to);

enum pf_type { PF_TYPE_FILE, PF_TYPE_DIR, PF_TYPE_OTHER };
/* Call @cb for every entry of @dir but "." and "..", in no particular
 * order; a non-zero return of @cb stops the walk and is returned. */
int pf_list_dir(const char *dir,
		int (*cb)(void *ctx, const char *name, enum pf_type type),
		void *ctx);
/* Space an unprivileged writer may still use on @path's file system, and
 * its size, in bytes. */
int pf_fs_space(const char *path, uint64_t *avail, uint64_t *total);

#endif
