// SPDX-License-Identifier: MIT
/*
 * tests/fake/fake_file.c - port/file.h over an in-memory path map.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake/fake.h"

struct ffile {
	struct ffile *next;
	char *path;
	char *data;		/* len bytes + NUL */
	size_t len;
	uint32_t mode;
	unsigned int writes;
	uint32_t uid;
	enum fake_file_type type;
};

static struct ffile *files;
static uint32_t fake_euid;
static unsigned int live_secrets;
static int fail_err[FAKE_FILE_WRITE + 1];
static bool torn;
static size_t torn_prefix;

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "fake_file: out of memory\n");
		abort();
	}
	return p;
}

static struct ffile *find(const char *path)
{
	struct ffile *f;

	for (f = files; f && strcmp(f->path, path); f = f->next)
		;
	return f;
}

static struct ffile *store(const char *path, const void *buf, size_t len)
{
	struct ffile *f = find(path);

	if (!f) {
		f = xmalloc(sizeof(*f));
		memset(f, 0, sizeof(*f));
		f->path = xmalloc(strlen(path) + 1);
		strcpy(f->path, path);
		f->mode = 0600;
		f->next = files;
		files = f;
	}
	free(f->data);
	f->data = xmalloc(len + 1);
	if (len)
		memcpy(f->data, buf, len);
	f->data[len] = '\0';
	f->len = len;
	return f;
}

static int take_fault(enum fake_file_op op)
{
	int err = fail_err[op];

	fail_err[op] = 0;
	return err;
}

int pf_read_all(const char *path, size_t max, char **buf, size_t *len)
{
	const struct ffile *f;
	int err = take_fault(FAKE_FILE_READ);

	if (err)
		return err;
	f = find(path);
	if (!f)
		return -ENOENT;
	if (f->len > max)
		return -EFBIG;
	*buf = xmalloc(f->len + 1);
	memcpy(*buf, f->data, f->len + 1);
	*len = f->len;
	return 0;
}

int pf_mode(const char *path, uint32_t *mode)
{
	const struct ffile *f;
	int err = take_fault(FAKE_FILE_MODE);

	if (err)
		return err;
	f = find(path);
	if (!f)
		return -ENOENT;
	*mode = f->mode;
	return 0;
}

int pf_write_atomic(const char *path, const void *buf, size_t len)
{
	int err = take_fault(FAKE_FILE_WRITE);

	if (err)
		return err;
	if (torn) {
		torn = false;
		store(path, buf, torn_prefix < len ? torn_prefix : len)
			->writes++;
		return -EIO;
	}
	store(path, buf, len)->writes++;
	return 0;
}

void fake_file_put(const char *path, const char *content, uint32_t mode)
{
	fake_file_put_bin(path, content, strlen(content), mode);
}

void fake_file_put_bin(const char *path, const void *buf, size_t len,
		       uint32_t mode)
{
	store(path, buf, len)->mode = mode & 0777;
}

const char *fake_file_get(const char *path, size_t *len)
{
	const struct ffile *f = find(path);

	if (f && len)
		*len = f->len;
	return f ? f->data : NULL;
}

bool fake_file_exists(const char *path)
{
	return find(path) != NULL;
}

unsigned int fake_file_writes(const char *path)
{
	const struct ffile *f = find(path);

	return f ? f->writes : 0;
}

static void free_file(struct ffile *f)
{
	free(f->path);
	free(f->data);
	free(f);
}

void fake_file_remove(const char *path)
{
	for (struct ffile **pp = &files; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->path, path)) {
			struct ffile *f = *pp;

			*pp = f->next;
			free_file(f);
			return;
		}
	}
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

void fake_file_reset(void)
{
	while (files) {
		struct ffile *f = files;

		files = f->next;
		free_file(f);
	}
	memset(fail_err, 0, sizeof(fail_err));
	torn = false;
	fake_euid = 0;
	live_secrets = 0;
}

/* --- credential files ---------------------------------------------------- */

void fake_file_set_attr(const char *path, uint32_t uid, enum fake_file_type type)
{
	struct ffile *f = find(path);

	if (!f)
		f = store(path, "", 0);
	f->uid = uid;
	f->type = type;
}

void fake_file_set_euid(uint32_t uid)
{
	fake_euid = uid;
}

static int cred_check(const struct ffile *f, enum pf_cred kind,
		      struct pf_cred_info *info)
{
	info->euid = fake_euid;
	if (!f)
		return -ENOENT;
	if (f->type == FAKE_FILE_SYMLINK)
		return -ELOOP;		/* O_NOFOLLOW */
	info->mode = f->mode;
	info->uid = f->uid;
	if (f->type == FAKE_FILE_DIR)
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

	return err ? err : cred_check(find(path), kind, info ? info : &dummy);
}

int pf_read_cred(const char *path, enum pf_cred kind, size_t max,
		 uint8_t **buf, size_t *len, struct pf_cred_info *info)
{
	struct pf_cred_info dummy;
	const struct ffile *f = find(path);
	int err = take_fault(FAKE_FILE_READ);

	if (!err)
		err = cred_check(f, kind, info ? info : &dummy);
	if (err)
		return err;
	if (f->len > max)
		return -EFBIG;
	*buf = xmalloc(f->len + 1);
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
