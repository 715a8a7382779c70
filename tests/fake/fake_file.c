// SPDX-License-Identifier: MIT
/*
 * tests/fake/fake_file.c - port/file.h over an in-memory file system that
 * remembers what is durable, so tests can cut the power at any operation.
 *
 * Model (pessimistic where Linux leaves a choice):
 * - An inode has the bytes every reader sees (the page cache) and the bytes
 *   on the "device". A write dirties 4 KiB pages; pf_datasync() copies the
 *   dirty pages and the size to the device. A failed pf_datasync() marks
 *   the pages clean WITHOUT writing them (Linux since 4.13 does the same),
 *   so a later successful sync does not bring them back; and readers see
 *   the device's bytes for them from then on (some file systems drop such
 *   pages from the cache; Linux's ext4 keeps them readable, so this fake
 *   is the more pessimistic one).
 * - A directory entry (create, unlink, rename, mkdir) is durable only after
 *   pf_sync_dir() of its parent. ext4 also commits the entry of a new file
 *   on the file's fsync; this fake does not, like POSIX and ext2.
 * - A power cut (fake_file_power_cycle) keeps only the device: in
 *   FAKE_CRASH_LOSE_UNSYNCED mode nothing unsynced survives; in
 *   FAKE_CRASH_RANDOM mode each dirty page, each size change and each
 *   entry change survives or not at random (seeded), so the tail of a file
 *   can come back with holes of zeros and later pages intact, as writeback
 *   order allows on a real disk.
 * - Mutating calls are numbered 1, 2, ... (fake_file_ops()); a fault can be
 *   attached to any number: an error without effect, a short write, a torn
 *   write (a prefix reaches the device, then the power is cut) or a plain
 *   power cut before the call. After a cut every call fails with -EIO
 *   until fake_file_power_cycle().
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake/fake.h"

#define PAGE 4096u
#define MAX_FAULTS 16

struct inode {
	struct inode *next;		/* every inode, for collection */
	bool is_dir, mark;
	uint8_t *data;			/* page cache: len bytes (+1 NUL) */
	size_t len, cap;
	uint8_t *disk;			/* device: disk_len bytes */
	size_t disk_len;
	uint8_t *dirty;			/* one flag per page of data */
	size_t npages;
	bool size_dirty;
	uint32_t mode;
	unsigned int writes;		/* pf_write_atomic count */
	uint32_t uid;			/* owner (credential checks) */
	enum fake_file_type type;	/* what the path is (credential checks) */
};

struct dent {
	struct dent *next;
	char *path;
	struct inode *cur;		/* what the name means now */
	struct inode *durable;		/* what it means after a power cut */
};

struct pf_file {
	struct pf_file *next;
	struct inode *ino;
	unsigned int flags;
	bool stale;			/* opened before a power cut */
};

struct fault {
	unsigned long op;
	enum fake_fault_kind kind;
	int err;
	size_t n;
};

static struct inode *inodes;
static struct dent *dents;
static struct pf_file *handles;
static uint32_t fake_euid;
static unsigned int live_secrets;
static int fail_err[FAKE_FILE_WRITE + 1];
static bool torn;
static size_t torn_prefix;
static struct fault faults[MAX_FAULTS];
static unsigned int nfaults;
static unsigned long ops;
static enum fake_file_opkind *op_kinds;
static size_t op_kinds_cap;
static unsigned long kind_count[FAKE_OP_NKINDS];
static uint64_t bytes_written;
static bool crashed;
static uint64_t capacity;		/* 0 = unlimited */
static char *fail_path;
static int fail_path_err;

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "fake_file: out of memory\n");
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = xrealloc(NULL, strlen(s) + 1);

	strcpy(d, s);
	return d;
}

/* --- inodes ---------------------------------------------------------------- */

static struct inode *inode_new(bool is_dir, uint32_t mode)
{
	struct inode *i = xrealloc(NULL, sizeof(*i));

	memset(i, 0, sizeof(*i));
	i->is_dir = is_dir;
	i->mode = mode;
	i->data = xrealloc(NULL, 1);
	i->data[0] = '\0';
	i->next = inodes;
	inodes = i;
	return i;
}

static void inode_free(struct inode *i)
{
	free(i->data);
	free(i->disk);
	free(i->dirty);
	free(i);
}

static void reserve(struct inode *i, size_t len)
{
	size_t np = (len + PAGE - 1) / PAGE;

	if (len + 1 > i->cap) {
		size_t cap = i->cap ? i->cap : 64;

		while (cap < len + 1)
			cap *= 2;
		i->data = xrealloc(i->data, cap);
		i->cap = cap;
	}
	if (np > i->npages) {
		i->dirty = xrealloc(i->dirty, np);
		memset(i->dirty + i->npages, 0, np - i->npages);
		i->npages = np;
	}
}

static void mark_dirty(struct inode *i, size_t off, size_t n)
{
	for (size_t p = off / PAGE; n && p <= (off + n - 1) / PAGE; p++)
		i->dirty[p] = 1;
}

/* Space in use as the running system sees it: files with a name now or an
 * open handle (an unlinked file's blocks are free at once on Linux, even
 * though this fake can bring its name back at a power cut). */
static uint64_t used_bytes(void)
{
	uint64_t u = 0;

	for (struct inode *i = inodes; i; i = i->next)
		i->mark = false;
	for (struct dent *d = dents; d; d = d->next)
		if (d->cur)
			d->cur->mark = true;
	for (struct pf_file *h = handles; h; h = h->next)
		if (!h->stale)
			h->ino->mark = true;
	for (struct inode *i = inodes; i; i = i->next)
		if (i->mark)
			u += i->len;
	return u;
}

/* Put @n bytes at @off into the page cache (zero-filling a gap). Stops at
 * the capacity: returns the bytes stored. */
static size_t cache_write(struct inode *i, uint64_t off, const void *buf,
			  size_t n)
{
	size_t end = (size_t)off + n;

	if (capacity && end > i->len) {
		uint64_t used = used_bytes(), room;

		room = used >= capacity ? 0 : capacity - used;
		if (end - i->len > room) {
			if (off >= i->len + room)
				return 0;
			n = (size_t)(i->len + room - off);
			end = (size_t)off + n;
		}
	}
	reserve(i, end);
	if (off > i->len)
		memset(i->data + i->len, 0, (size_t)off - i->len);
	memcpy(i->data + off, buf, n);
	if (end > i->len) {
		i->len = end;
		i->size_dirty = true;
	}
	i->data[i->len] = '\0';
	mark_dirty(i, (size_t)off, n);
	bytes_written += n;
	return n;
}

/* Resize the device copy to @len bytes (new bytes read as zeros). */
static void disk_fit(struct inode *i, size_t len)
{
	if (len > i->disk_len) {
		i->disk = xrealloc(i->disk, len);
		memset(i->disk + i->disk_len, 0, len - i->disk_len);
	}
	i->disk_len = len;
}

/* Copy page @p of the cache to the device. */
static void writeback_page(struct inode *i, size_t p)
{
	size_t off = p * PAGE, n = PAGE;

	if (off >= i->len)
		return;
	if (off + n > i->len)
		n = i->len - off;
	if (off + n > i->disk_len)
		disk_fit(i, off + n);
	memcpy(i->disk + off, i->data + off, n);
}

static void inode_sync(struct inode *i)
{
	for (size_t p = 0; p < i->npages; p++) {
		if (i->dirty[p])
			writeback_page(i, p);
		i->dirty[p] = 0;
	}
	disk_fit(i, i->len);
	i->size_dirty = false;
}

/* The cache becomes what the device holds. */
static void inode_reload(struct inode *i)
{
	reserve(i, i->disk_len);
	if (i->disk_len)
		memcpy(i->data, i->disk, i->disk_len);
	i->len = i->disk_len;
	i->data[i->len] = '\0';
	if (i->npages)
		memset(i->dirty, 0, i->npages);
	i->size_dirty = false;
}

/* --- names ----------------------------------------------------------------- */

static struct dent *dent_find(const char *path)
{
	struct dent *d;

	for (d = dents; d && strcmp(d->path, path); d = d->next)
		;
	return d;
}

static struct inode *lookup(const char *path)
{
	struct dent *d = dent_find(path);

	return d ? d->cur : NULL;
}

static struct dent *dent_get(const char *path)
{
	struct dent *d = dent_find(path);

	if (!d) {
		d = xrealloc(NULL, sizeof(*d));
		memset(d, 0, sizeof(*d));
		d->path = xstrdup(path);
		d->next = dents;
		dents = d;
	}
	return d;
}

/* @path's parent ("/x" -> "/", "x" -> "."). */
static void parent_of(const char *path, char *out, size_t size)
{
	const char *s = strrchr(path, '/');

	if (!s)
		snprintf(out, size, ".");
	else if (s == path)
		snprintf(out, size, "/");
	else
		snprintf(out, size, "%.*s", (int)(s - path), path);
}

static bool is_root(const char *dir)
{
	return !strcmp(dir, "/") || !strcmp(dir, ".");
}

static bool dir_exists(const char *dir)
{
	const struct inode *i;

	if (is_root(dir))
		return true;
	i = lookup(dir);
	return i && i->is_dir;
}

static bool parent_ok(const char *path)
{
	char p[512];

	parent_of(path, p, sizeof(p));
	return dir_exists(p);
}

static bool in_dir(const struct dent *d, const char *dir)
{
	char p[512];

	parent_of(d->path, p, sizeof(p));
	return !strcmp(p, dir);
}

/* Free inodes no name and no handle refers to. */
static void collect(void)
{
	struct inode **pi;

	for (struct inode *i = inodes; i; i = i->next)
		i->mark = false;
	for (struct dent *d = dents; d; d = d->next) {
		if (d->cur)
			d->cur->mark = true;
		if (d->durable)
			d->durable->mark = true;
	}
	for (struct pf_file *h = handles; h; h = h->next)
		h->ino->mark = true;
	for (pi = &inodes; *pi;) {
		struct inode *i = *pi;

		if (i->mark) {
			pi = &i->next;
		} else {
			*pi = i->next;
			inode_free(i);
		}
	}
}

static void dents_prune(void)
{
	bool again = true;

	while (again) {
		again = false;
		for (struct dent **pd = &dents; *pd;) {
			struct dent *d = *pd;

			if ((!d->cur && !d->durable) ||
			    (d->cur && !parent_ok(d->path))) {
				*pd = d->next;
				free(d->path);
				free(d);
				again = true;
			} else {
				pd = &d->next;
			}
		}
	}
}

/* A file made by a test helper: durable at once, parents created. */
static void mkdir_p(const char *path)
{
	char p[512];
	struct dent *d;

	if (is_root(path) || dir_exists(path))
		return;
	parent_of(path, p, sizeof(p));
	mkdir_p(p);
	d = dent_get(path);
	d->cur = d->durable = inode_new(true, 0755);
}

/* --- operation numbering and faults ---------------------------------------- */

static void log_kind(enum fake_file_opkind k)
{
	if (ops >= op_kinds_cap) {
		op_kinds_cap = op_kinds_cap ? op_kinds_cap * 2 : 256;
		op_kinds = xrealloc(op_kinds, op_kinds_cap * sizeof(*op_kinds));
	}
	op_kinds[ops] = k;	/* index = op number - 1 */
	ops++;
	kind_count[k]++;
}

/* Number this mutating call; the fault attached to it, if any. */
static const struct fault *begin_op(enum fake_file_opkind k)
{
	log_kind(k);
	for (unsigned int f = 0; f < nfaults; f++)
		if (faults[f].op == ops)
			return &faults[f];
	return NULL;
}

static bool path_fails(const char *path, int *err)
{
	if (fail_path && !strcmp(path, fail_path)) {
		*err = fail_path_err;
		return true;
	}
	return false;
}

/* --- whole-file functions (config, keys) ------------------------------------ */

static int take_fault(enum fake_file_op op)
{
	int err = fail_err[op];

	fail_err[op] = 0;
	return err;
}

int pf_read_all(const char *path, size_t max, char **buf, size_t *len)
{
	const struct inode *i;
	int err = take_fault(FAKE_FILE_READ);

	if (err)
		return err;
	if (crashed)
		return -EIO;
	if (path_fails(path, &err))
		return err;
	i = lookup(path);
	if (!i)
		return -ENOENT;
	if (i->is_dir)
		return -EISDIR;
	if (i->len > max)
		return -EFBIG;
	*buf = xrealloc(NULL, i->len + 1);
	memcpy(*buf, i->data, i->len + 1);
	*len = i->len;
	return 0;
}

int pf_mode(const char *path, uint32_t *mode)
{
	const struct inode *i;
	int err = take_fault(FAKE_FILE_MODE);

	if (err)
		return err;
	i = lookup(path);
	if (!i)
		return -ENOENT;
	*mode = i->mode;
	return 0;
}

static struct inode *put_file(const char *path, const void *buf, size_t len,
			      uint32_t mode, bool durable)
{
	struct dent *d = dent_get(path);
	struct inode *i = inode_new(false, mode);

	reserve(i, len);
	if (len)
		memcpy(i->data, buf, len);
	i->len = len;
	i->data[len] = '\0';
	mark_dirty(i, 0, len);
	if (d->cur && !d->cur->is_dir)
		i->writes = d->cur->writes;
	d->cur = i;
	if (durable) {
		inode_sync(i);
		d->durable = i;
	}
	collect();
	return i;
}

/* Write temp, fsync, rename, fsync the directory: durable when it returns. */
int pf_write_atomic(const char *path, const void *buf, size_t len)
{
	const struct inode *old = lookup(path);
	uint32_t mode = old ? old->mode : 0600;
	int err = take_fault(FAKE_FILE_WRITE);

	if (err)
		return err;
	if (crashed)
		return -EIO;
	if (!parent_ok(path))
		return -ENOENT;
	if (old && old->is_dir)
		return -EISDIR;
	if (torn) {
		torn = false;
		put_file(path, buf, torn_prefix < len ? torn_prefix : len,
			 mode, true)->writes++;
		return -EIO;
	}
	put_file(path, buf, len, mode, true)->writes++;
	return 0;
}

/* --- streaming files --------------------------------------------------------- */

static int handle_ok(const struct pf_file *f)
{
	if (crashed || f->stale)
		return -EIO;
	return 0;
}

static int open_create(const char *path, struct inode **ino)
{
	const struct fault *ft = begin_op(FAKE_OP_CREATE);
	struct dent *d;

	if (ft && ft->kind == FAKE_FAULT_CRASH)
		crashed = true;
	if (crashed)
		return -EIO;
	if (ft)
		return ft->err ? ft->err : -EIO;
	if (!parent_ok(path))
		return -ENOENT;
	if (capacity && used_bytes() >= capacity)
		return -ENOSPC;	/* no room for the inode */
	d = dent_get(path);
	d->cur = inode_new(false, 0600);
	*ino = d->cur;
	return 0;
}

int pf_open(const char *path, unsigned int flags, struct pf_file **f)
{
	struct inode *i;
	struct pf_file *h;
	int err;

	if (flags & ~(PF_RDWR | PF_APPEND | PF_CREATE | PF_EXCL) ||
	    (flags & PF_RDWR && flags & PF_APPEND) ||
	    (flags & PF_EXCL && !(flags & PF_CREATE)))
		return -EINVAL;
	if (crashed)
		return -EIO;
	if (path_fails(path, &err))
		return err;
	i = lookup(path);
	if (i && flags & PF_EXCL)
		return -EEXIST;
	if (i && i->is_dir)
		return -EISDIR;
	if (!i) {
		if (!(flags & PF_CREATE))
			return -ENOENT;
		err = open_create(path, &i);
		if (err)
			return err;
	}
	h = xrealloc(NULL, sizeof(*h));
	h->ino = i;
	h->flags = flags;
	h->stale = false;
	h->next = handles;
	handles = h;
	*f = h;
	return 0;
}

int pf_close(struct pf_file *f)
{
	int err;

	if (!f)
		return 0;
	err = handle_ok(f);
	for (struct pf_file **ph = &handles; *ph; ph = &(*ph)->next) {
		if (*ph == f) {
			*ph = f->next;
			break;
		}
	}
	free(f);
	collect();
	return err;
}

int pf_pread(struct pf_file *f, void *buf, size_t len, uint64_t off,
	     size_t *got)
{
	const struct inode *i = f->ino;
	int err = handle_ok(f);

	if (err)
		return err;
	if (off >= i->len) {
		*got = 0;
		return 0;
	}
	if (len > i->len - off)
		len = (size_t)(i->len - off);
	memcpy(buf, i->data + off, len);
	*got = len;
	return 0;
}

/* One write at @off: faults, capacity, then the page cache. */
static int do_write(struct pf_file *f, const void *buf, size_t len,
		    uint64_t off)
{
	const struct fault *ft = begin_op(FAKE_OP_WRITE);
	struct inode *i = f->ino;
	size_t n;

	if (ft && ft->kind == FAKE_FAULT_CRASH)
		crashed = true;
	if (crashed || f->stale)
		return -EIO;
	if (ft && ft->kind == FAKE_FAULT_ERR)
		return ft->err ? ft->err : -EIO;
	if (ft && (ft->kind == FAKE_FAULT_SHORT || ft->kind == FAKE_FAULT_TORN)) {
		n = cache_write(i, off, buf, ft->n < len ? ft->n : len);
		if (ft->kind == FAKE_FAULT_TORN) {
			/* The prefix reaches the device, then the power goes. */
			if (off + n > i->disk_len)
				disk_fit(i, (size_t)off + n);
			memcpy(i->disk + off, i->data + off, n);
			crashed = true;
			return -EIO;
		}
		return ft->err ? ft->err : -ENOSPC;
	}
	n = cache_write(i, off, buf, len);
	return n < len ? -ENOSPC : 0;
}

int pf_append(struct pf_file *f, const void *buf, size_t len)
{
	if (!(f->flags & PF_APPEND))
		return -EINVAL;
	return do_write(f, buf, len, f->ino->len);
}

int pf_pwrite(struct pf_file *f, const void *buf, size_t len, uint64_t off)
{
	if (!(f->flags & PF_RDWR))
		return -EINVAL;
	return do_write(f, buf, len, off);
}

int pf_size(struct pf_file *f, uint64_t *size)
{
	int err = handle_ok(f);

	if (!err)
		*size = f->ino->len;
	return err;
}

int pf_truncate(struct pf_file *f, uint64_t size)
{
	const struct fault *ft = begin_op(FAKE_OP_TRUNCATE);
	struct inode *i = f->ino;

	if (ft && ft->kind == FAKE_FAULT_CRASH)
		crashed = true;
	if (crashed || f->stale)
		return -EIO;
	if (!(f->flags & (PF_RDWR | PF_APPEND)))
		return -EINVAL;
	if (ft)
		return ft->err ? ft->err : -EIO;
	if (size > i->len) {
		reserve(i, (size_t)size);
		memset(i->data + i->len, 0, (size_t)size - i->len);
		mark_dirty(i, i->len, (size_t)size - i->len);
	}
	i->len = (size_t)size;
	i->data[i->len] = '\0';
	i->size_dirty = true;
	return 0;
}

int pf_datasync(struct pf_file *f)
{
	const struct fault *ft = begin_op(FAKE_OP_SYNC);
	struct inode *i = f->ino;

	if (ft && ft->kind == FAKE_FAULT_CRASH)
		crashed = true;
	if (crashed || f->stale)
		return -EIO;
	if (ft) {
		/* Linux: the failed pages are now clean and their data gone
		 * from the writeback queue; the size change stays pending.
		 * Some file systems also drop them from the cache: be that
		 * pessimistic, readers now see what the device has. */
		for (size_t p = 0; p < i->npages; p++) {
			size_t off = p * PAGE, n = PAGE;

			if (!i->dirty[p] || off >= i->len)
				continue;
			if (off + n > i->len)
				n = i->len - off;
			memset(i->data + off, 0, n);
			if (off < i->disk_len)
				memcpy(i->data + off, i->disk + off,
				       off + n <= i->disk_len ? n :
				       i->disk_len - off);
		}
		if (i->npages)
			memset(i->dirty, 0, i->npages);
		return ft->err ? ft->err : -EIO;
	}
	inode_sync(i);
	return 0;
}

/* --- directories ------------------------------------------------------------- */

/* The common head of the name-changing calls. */
static int dir_op(enum fake_file_opkind k)
{
	const struct fault *ft = begin_op(k);

	if (ft && ft->kind == FAKE_FAULT_CRASH)
		crashed = true;
	if (crashed)
		return -EIO;
	if (ft)
		return ft->err ? ft->err : -EIO;
	return 0;
}

int pf_mkdir(const char *path, uint32_t mode)
{
	int err = dir_op(FAKE_OP_MKDIR);

	if (err)
		return err;
	if (is_root(path) || lookup(path))
		return -EEXIST;
	if (!parent_ok(path))
		return -ENOENT;
	dent_get(path)->cur = inode_new(true, mode & 0777);
	return 0;
}

int pf_sync_dir(const char *dir)
{
	int err = dir_op(FAKE_OP_SYNC_DIR);

	if (err)
		return err;
	if (!dir_exists(dir))
		return -ENOENT;
	for (struct dent *d = dents; d; d = d->next)
		if (in_dir(d, dir))
			d->durable = d->cur;
	dents_prune();
	collect();
	return 0;
}

int pf_unlink(const char *path)
{
	struct dent *d;
	int err = dir_op(FAKE_OP_UNLINK);

	if (err)
		return err;
	d = dent_find(path);
	if (!d || !d->cur)
		return -ENOENT;
	if (d->cur->is_dir)
		return -EISDIR;
	d->cur = NULL;
	dents_prune();
	collect();
	return 0;
}

int pf_rename(const char *from, const char *to)
{
	struct dent *s, *d;
	int err = dir_op(FAKE_OP_RENAME);

	if (err)
		return err;
	s = dent_find(from);
	if (!s || !s->cur || !parent_ok(to))
		return -ENOENT;
	d = dent_get(to);
	if (d->cur && d->cur->is_dir != s->cur->is_dir)
		return d->cur->is_dir ? -EISDIR : -EINVAL;
	if (s->cur->is_dir) {
		/* Only empty directories move in this fake. */
		for (const struct dent *c = dents; c; c = c->next)
			if (c->cur && in_dir(c, from))
				return -EINVAL;
	}
	d->cur = s->cur;
	s->cur = NULL;
	dents_prune();
	collect();
	return 0;
}

int pf_list_dir(const char *dir,
		int (*cb)(void *ctx, const char *name, enum pf_type type),
		void *ctx)
{
	int err = 0;

	if (crashed)
		return -EIO;
	if (path_fails(dir, &err))
		return err;
	if (!dir_exists(dir))
		return lookup(dir) ? -EINVAL : -ENOENT;
	for (struct dent *d = dents; d && !err; d = d->next) {
		const char *name;

		if (!d->cur || !in_dir(d, dir))
			continue;
		name = strrchr(d->path, '/');
		name = name ? name + 1 : d->path;
		err = cb(ctx, name, d->cur->is_dir ? PF_TYPE_DIR : PF_TYPE_FILE);
	}
	return err;
}

int pf_fs_space(const char *path, uint64_t *avail, uint64_t *total)
{
	uint64_t used = used_bytes();

	if (crashed)
		return -EIO;
	if (!is_root(path) && !lookup(path))
		return -ENOENT;
	*total = capacity ? capacity : (uint64_t)1 << 40;
	*avail = *total > used ? *total - used : 0;
	return 0;
}

/* --- test controls ------------------------------------------------------------- */

void fake_file_put(const char *path, const char *content, uint32_t mode)
{
	fake_file_put_bin(path, content, strlen(content), mode);
}

void fake_file_put_bin(const char *path, const void *buf, size_t len,
		       uint32_t mode)
{
	char p[512];

	parent_of(path, p, sizeof(p));
	mkdir_p(p);
	put_file(path, buf, len, mode & 0777, true);
}

void fake_file_mkdir_p(const char *path)
{
	mkdir_p(path);
}

const char *fake_file_get(const char *path, size_t *len)
{
	const struct inode *i = lookup(path);

	if (i && i->is_dir)
		i = NULL;
	if (i && len)
		*len = i->len;
	return i ? (const char *)i->data : NULL;
}

bool fake_file_exists(const char *path)
{
	return lookup(path) != NULL;
}

unsigned int fake_file_writes(const char *path)
{
	const struct inode *i = lookup(path);

	return i ? i->writes : 0;
}

void fake_file_remove(const char *path)
{
	struct dent *d = dent_find(path);

	if (d) {
		d->cur = d->durable = NULL;
		dents_prune();
		collect();
	}
}

int fake_file_corrupt(const char *path, uint64_t off, uint8_t xor_mask)
{
	struct inode *i = lookup(path);

	if (!i || i->is_dir || off >= i->len)
		return -ENOENT;
	i->data[off] ^= xor_mask;
	if (off < i->disk_len)
		i->disk[off] ^= xor_mask;
	return 0;
}

int fake_file_set_size(const char *path, uint64_t size)
{
	struct inode *i = lookup(path);

	if (!i || i->is_dir)
		return -ENOENT;
	if (size > i->len) {
		reserve(i, (size_t)size);
		memset(i->data + i->len, 0, (size_t)size - i->len);
	}
	i->len = (size_t)size;
	i->data[i->len] = '\0';
	inode_sync(i);
	return 0;
}

size_t fake_file_durable_len(const char *path)
{
	const struct dent *d = dent_find(path);

	return d && d->durable ? d->durable->disk_len : 0;
}

void fake_file_fail_next(enum fake_file_op op, int err)
{
	if (op <= FAKE_FILE_WRITE)
		fail_err[op] = err;
}

void fake_file_torn_next(size_t prefix)
{
	torn = true;
	torn_prefix = prefix;
}

int fake_file_fault_at(unsigned long op, enum fake_fault_kind kind, int err,
		       size_t n)
{
	if (nfaults >= MAX_FAULTS || !op)
		return -ENOSPC;
	faults[nfaults++] = (struct fault){ op, kind, err, n };
	return 0;
}

void fake_file_clear_faults(void)
{
	nfaults = 0;
}

unsigned long fake_file_ops(void)
{
	return ops;
}

enum fake_file_opkind fake_file_op_kind(unsigned long op)
{
	return op && op <= ops ? op_kinds[op - 1] : FAKE_OP_NKINDS;
}

unsigned long fake_file_count(enum fake_file_opkind k)
{
	return k < FAKE_OP_NKINDS ? kind_count[k] : 0;
}

uint64_t fake_file_bytes_written(void)
{
	return bytes_written;
}

bool fake_file_crashed(void)
{
	return crashed;
}

void fake_file_crash_now(void)
{
	crashed = true;
}

void fake_file_set_capacity(uint64_t bytes)
{
	capacity = bytes;
}

void fake_file_fail_path(const char *path, int err)
{
	free(fail_path);
	fail_path = path ? xstrdup(path) : NULL;
	fail_path_err = err;
}

unsigned int fake_file_open_handles(void)
{
	unsigned int n = 0;

	for (const struct pf_file *h = handles; h; h = h->next)
		n += !h->stale;
	return n;
}

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void crash_inode(struct inode *i, enum fake_crash_mode mode,
			uint32_t *seed)
{
	if (i->is_dir)
		return;
	if (mode == FAKE_CRASH_RANDOM) {
		/* Each dirty page, and the size, may or may not have been
		 * written back before the power went. */
		bool size_made_it = (rnd(seed) & 1) != 0;
		size_t keep = size_made_it ? i->len : i->disk_len;

		for (size_t p = 0; p < i->npages; p++)
			if (i->dirty[p] && (rnd(seed) & 1) &&
			    p * PAGE < keep)
				writeback_page(i, p);
		disk_fit(i, keep);
	}
	inode_reload(i);
}

void fake_file_power_cycle(enum fake_crash_mode mode, uint32_t seed)
{
	uint32_t s = seed ? seed : 0x9e3779b9u;

	for (struct dent *d = dents; d; d = d->next) {
		if (d->cur != d->durable && mode == FAKE_CRASH_RANDOM &&
		    (rnd(&s) & 1))
			d->durable = d->cur;
		d->cur = d->durable;
	}
	dents_prune();
	for (struct pf_file *h = handles; h; h = h->next)
		h->stale = true;
	for (struct inode *i = inodes; i; i = i->next)
		crash_inode(i, mode, &s);
	collect();
	crashed = false;
	nfaults = 0;
}

void fake_file_reset(void)
{
	while (handles) {
		struct pf_file *h = handles;

		handles = h->next;
		free(h);
	}
	while (dents) {
		struct dent *d = dents;

		dents = d->next;
		free(d->path);
		free(d);
	}
	while (inodes) {
		struct inode *i = inodes;

		inodes = i->next;
		inode_free(i);
	}
	memset(fail_err, 0, sizeof(fail_err));
	torn = false;
	nfaults = 0;
	ops = 0;
	free(op_kinds);
	op_kinds = NULL;
	op_kinds_cap = 0;
	memset(kind_count, 0, sizeof(kind_count));
	bytes_written = 0;
	crashed = false;
	capacity = 0;
	fake_file_fail_path(NULL, 0);
	fake_euid = 0;
	live_secrets = 0;
}

/* --- credential files ---------------------------------------------------- */

void fake_file_set_attr(const char *path, uint32_t uid, enum fake_file_type type)
{
	struct inode *i = lookup(path);

	if (!i) {
		fake_file_put_bin(path, "", 0, 0600);
		i = lookup(path);
	}
	i->uid = uid;
	i->type = type;
}

void fake_file_set_euid(uint32_t uid)
{
	fake_euid = uid;
}

static int cred_check(const struct inode *f, enum pf_cred kind,
		      struct pf_cred_info *info)
{
	info->euid = fake_euid;
	if (crashed)
		return -EIO;
	if (!f)
		return -ENOENT;
	if (f->type == FAKE_FILE_SYMLINK)
		return -ELOOP;		/* O_NOFOLLOW */
	info->mode = f->mode;
	info->uid = f->uid;
	if (f->is_dir || f->type == FAKE_FILE_DIR)
		return -EISDIR;
	if (f->type == FAKE_FILE_FIFO)
		return -EINVAL;
	if (f->uid != 0 && f->uid != fake_euid)
		return -EPERM;
	if ((kind == PF_SECRET && (f->mode & 077)) ||
	    (kind == PF_PUBLIC && (f->mode & 022)))
		return -EKEYREJECTED;
	return 0;
}

int pf_check_cred(const char *path, enum pf_cred kind, struct pf_cred_info *info)
{
	struct pf_cred_info dummy;
	int err = take_fault(FAKE_FILE_READ);

	return err ? err : cred_check(lookup(path), kind, info ? info : &dummy);
}

int pf_read_cred(const char *path, enum pf_cred kind, size_t max,
		 uint8_t **buf, size_t *len, struct pf_cred_info *info)
{
	struct pf_cred_info dummy;
	const struct inode *f = lookup(path);
	int err = take_fault(FAKE_FILE_READ);

	if (!err)
		err = cred_check(f, kind, info ? info : &dummy);
	if (err)
		return err;
	if (f->len > max)
		return -EFBIG;
	*buf = xrealloc(NULL, f->len + 1);
	memcpy(*buf, f->data, f->len + 1);
	*len = f->len;
	live_secrets++;
	return 0;
}

void pf_free_secret(uint8_t *buf, size_t len)
{
	if (!buf)
		return;
	for (size_t i = 0; i <= len; i++)
		((volatile uint8_t *)buf)[i] = 0;
	live_secrets--;
	free(buf);
}

unsigned int fake_file_live_secrets(void)
{
	return live_secrets;
}
