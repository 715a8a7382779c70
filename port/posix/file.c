// SPDX-License-Identifier: MIT
/*
 * port/posix/file.c - whole-file read, mode query, crash-safe replace;
 * streaming files and directories for the outbox.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE		/* d_type, DT_*, explicit_bzero */
/* 64-bit off_t, ino_t and d_off on 32-bit ARM too: without it readdir() fails
 * with EOVERFLOW where ext4 hands out 64-bit directory offsets (an armhf
 * process under qemu-user, found by test_loop) and pread() cannot go past
 * 2 GiB. */
#define _FILE_OFFSET_BITS 64

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "port/file.h"

/* Fold the many errno values into the few port/file.h documents. */
static int map_err(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return -ENOENT;
	case EACCES:
	case EPERM:
	case EROFS:
		return -EACCES;
	case ENOSPC:
	case EDQUOT:
		return -ENOSPC;
	case ENOMEM:
	case EISDIR:
	case EFBIG:
	case EEXIST:
	case ENOTEMPTY:
	case EINVAL:
		return -e;
	case EMFILE:
	case ENFILE:
		return -EMFILE;
	case ENAMETOOLONG:
	case ELOOP:
	case EXDEV:
	case EOPNOTSUPP:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int read_fd(int fd, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *b = NULL, *nb;
	int err = 0;

	if (max > SIZE_MAX / 2)
		max = SIZE_MAX / 2;	/* keeps the growth arithmetic exact */
	if (fstat(fd, &st))
		return map_err(errno);
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (st.st_size > 0 && (uint64_t)st.st_size > max)
		return -EFBIG;
	/* st_size is a hint (procfs says 0): read to EOF, up to @max. */
	cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096;
	for (;;) {
		ssize_t r;

		if (n + 1 >= cap || !b) {
			if (b)
				cap = cap > max / 2 ? max + 2 : cap * 2;
			nb = realloc(b, cap);
			if (!nb) {
				err = -ENOMEM;
				goto out;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = map_err(errno);
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > max) {
			err = -EFBIG;
			goto out;
		}
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	b = NULL;
out:
	free(b);
	return err;
}

int pf_read_all(const char *path, size_t max, char **buf, size_t *len)
{
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return map_err(errno);
	err = read_fd(fd, max, buf, len);
	close(fd);
	return err;
}

int pf_mode(const char *path, uint32_t *mode)
{
	struct stat st;

	if (stat(path, &st))
		return map_err(errno);
	*mode = (uint32_t)st.st_mode & 0777;
	return 0;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return map_err(errno);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync the directory holding @path so the rename itself is durable. */
static int sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = NULL;
	int fd, err = 0;

	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = map_err(errno);
		goto out;
	}
	/* Some filesystems cannot sync a directory; the data is safe anyway. */
	if (fsync(fd) && errno != EINVAL && errno != EROFS)
		err = map_err(errno);
	close(fd);
out:
	free(dir);
	return err;
}

/*
 * Temp file beside @path (same filesystem, so rename() is atomic), keeping
 * the old file's permissions (a new file gets mkstemp's 0600), then
 * write, fsync, rename, fsync the directory. A crash leaves either the old
 * or the new content, plus at worst a stray "<path>.tmp.XXXXXX".
 */
int pf_write_atomic(const char *path, const void *buf, size_t len)
{
	size_t plen = strlen(path);
	struct stat st;
	bool made = false;
	char *tmp;
	int fd = -1, err = 0;

	tmp = malloc(plen + sizeof(".tmp.XXXXXX"));
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, plen);
	memcpy(tmp + plen, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	fd = mkstemp(tmp);
	if (fd < 0) {
		err = map_err(errno);
		goto out;
	}
	made = true;
	if (!stat(path, &st) && fchmod(fd, st.st_mode & 0777)) {
		err = map_err(errno);
		goto out;
	}
	err = write_all(fd, buf, len);
	if (!err && fsync(fd))
		err = map_err(errno);
	if (close(fd) && !err)
		err = map_err(errno);
	fd = -1;
	if (!err && rename(tmp, path))
		err = map_err(errno);
	if (!err)
		err = sync_dir(path);
out:
	if (fd >= 0)
		close(fd);
	if (err && made)
		unlink(tmp);	/* ENOENT if the rename went through */
	free(tmp);
	return err;
}

/* ---- credential files --------------------------------------------------- */

static int cred_open(const char *path, enum pf_cred kind, struct pf_cred_info *info,
		     struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);

	info->euid = (uint32_t)geteuid();
	if (fd < 0) {
		/* O_NOFOLLOW on a symlink: ELOOP; a directory opens fine */
		return errno == ELOOP ? -ELOOP : map_err(errno);
	}
	if (fstat(fd, st)) {
		int e = map_err(errno);

		close(fd);
		return e;
	}
	info->mode = (uint32_t)st->st_mode & 0777;
	info->uid = (uint32_t)st->st_uid;
	if (S_ISDIR(st->st_mode) || !S_ISREG(st->st_mode)) {
		close(fd);
		return S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	}
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		close(fd);
		return -EPERM;
	}
	if ((kind == PF_SECRET && (st->st_mode & 077)) ||
	    (kind == PF_PUBLIC && (st->st_mode & 022))) {
		close(fd);
		return -EKEYREJECTED;
	}
	return fd;
}

int pf_check_cred(const char *path, enum pf_cred kind, struct pf_cred_info *info)
{
	struct pf_cred_info dummy;
	struct stat st;
	int fd = cred_open(path, kind, info ? info : &dummy, &st);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int pf_read_cred(const char *path, enum pf_cred kind, size_t max,
		 uint8_t **buf, size_t *len, struct pf_cred_info *info)
{
	struct pf_cred_info dummy;
	struct stat st;
	uint8_t *b;
	size_t n = 0;
	int fd = cred_open(path, kind, info ? info : &dummy, &st);

	if (fd < 0)
		return fd;
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	/* exactly the size fstat saw (+ NUL): no realloc leaves key copies */
	b = malloc((size_t)st.st_size + 1);
	if (!b) {
		close(fd);
		return -ENOMEM;
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, b + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n != (size_t)st.st_size) {
		pf_free_secret(b, (size_t)st.st_size);
		return -EIO;		/* changed under us, or a read error */
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

void pf_free_secret(uint8_t *buf, size_t len)
{
	if (!buf)
		return;
	explicit_bzero(buf, len + 1);
	free(buf);
}

/* --- streaming files ----------------------------------------------------- */

struct pf_file {
	int fd;
	unsigned int flags;
};

int pf_open(const char *path, unsigned int flags, struct pf_file **f)
{
	int oflags = O_CLOEXEC, fd;
	struct stat st;
	struct pf_file *pf;

	if (flags & ~(PF_RDWR | PF_APPEND | PF_CREATE | PF_EXCL) ||
	    (flags & PF_RDWR && flags & PF_APPEND) ||
	    (flags & PF_EXCL && !(flags & PF_CREATE)))
		return -EINVAL;
	if (flags & PF_RDWR)
		oflags |= O_RDWR;
	else if (flags & PF_APPEND)
		oflags |= O_RDWR | O_APPEND;
	else
		oflags |= O_RDONLY;
	if (flags & PF_CREATE)
		oflags |= O_CREAT;
	if (flags & PF_EXCL)
		oflags |= O_EXCL;
	pf = malloc(sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	fd = open(path, oflags, 0600);
	if (fd < 0) {
		free(pf);
		return map_err(errno);
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		int err = fstat(fd, &st) ? map_err(errno) :
			  S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;

		close(fd);
		free(pf);
		return err;
	}
	pf->fd = fd;
	pf->flags = flags;
	*f = pf;
	return 0;
}

int pf_close(struct pf_file *f)
{
	int err = 0;

	if (!f)
		return 0;
	/* Linux releases the descriptor even when close() fails: no retry. */
	if (close(f->fd) && errno != EINTR)
		err = map_err(errno);
	free(f);
	return err;
}

int pf_pread(struct pf_file *f, void *buf, size_t len, uint64_t off,
	     size_t *got)
{
	size_t n = 0;

	while (n < len) {
		ssize_t r = pread(f->fd, (char *)buf + n, len - n,
				  (off_t)(off + n));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return map_err(errno);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*got = n;
	return 0;
}

int pf_append(struct pf_file *f, const void *buf, size_t len)
{
	if (!(f->flags & PF_APPEND))
		return -EINVAL;
	return write_all(f->fd, buf, len);
}

int pf_pwrite(struct pf_file *f, const void *buf, size_t len, uint64_t off)
{
	const char *p = buf;

	if (!(f->flags & PF_RDWR))
		return -EINVAL;
	while (len) {
		ssize_t w = pwrite(f->fd, p, len, (off_t)off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return map_err(errno);
		p += w;
		off += (uint64_t)w;
		len -= (size_t)w;
	}
	return 0;
}

int pf_size(struct pf_file *f, uint64_t *size)
{
	struct stat st;

	if (fstat(f->fd, &st))
		return map_err(errno);
	*size = (uint64_t)st.st_size;
	return 0;
}

int pf_truncate(struct pf_file *f, uint64_t size)
{
	int r;

	do
		r = ftruncate(f->fd, (off_t)size);
	while (r && errno == EINTR);
	return r ? map_err(errno) : 0;
}

int pf_datasync(struct pf_file *f)
{
	/* No EINTR loop: a retried fdatasync can report success for pages
	 * the first one already dropped (port/file.h). */
	return fdatasync(f->fd) ? map_err(errno) : 0;
}

/* --- directories --------------------------------------------------------- */

int pf_mkdir(const char *path, uint32_t mode)
{
	return mkdir(path, (mode_t)(mode & 0777)) ? map_err(errno) : 0;
}

int pf_sync_dir(const char *dir)
{
	int fd, err = 0;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return map_err(errno);
	if (fsync(fd))
		err = map_err(errno);
	close(fd);
	return err;
}

int pf_unlink(const char *path)
{
	return unlink(path) ? map_err(errno) : 0;
}

int pf_rename(const char *from, const char *to)
{
	return rename(from, to) ? map_err(errno) : 0;
}

static enum pf_type entry_type(int dfd, const struct dirent *de)
{
	struct stat st;

	switch (de->d_type) {
	case DT_REG:
		return PF_TYPE_FILE;
	case DT_DIR:
		return PF_TYPE_DIR;
	case DT_UNKNOWN:	/* some file systems do not fill d_type */
		if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			return PF_TYPE_OTHER;
		return S_ISREG(st.st_mode) ? PF_TYPE_FILE :
		       S_ISDIR(st.st_mode) ? PF_TYPE_DIR : PF_TYPE_OTHER;
	default:
		return PF_TYPE_OTHER;
	}
}

int pf_list_dir(const char *dir,
		int (*cb)(void *ctx, const char *name, enum pf_type type),
		void *ctx)
{
	struct dirent *de;
	DIR *d;
	int err = 0;

	d = opendir(dir);
	if (!d)
		return map_err(errno);
	for (;;) {
		errno = 0;
		de = readdir(d);
		if (!de) {
			if (errno)
				err = map_err(errno);
			break;
		}
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		err = cb(ctx, de->d_name, entry_type(dirfd(d), de));
		if (err)
			break;
	}
	closedir(d);
	return err;
}

int pf_fs_space(const char *path, uint64_t *avail, uint64_t *total)
{
	struct statvfs sv;

	if (statvfs(path, &sv))
		return map_err(errno);
	*avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	*total = (uint64_t)sv.f_blocks * sv.f_frsize;
	return 0;
}
