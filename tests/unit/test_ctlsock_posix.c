/* SPDX-License-Identifier: MIT */
/*
 * port/posix/ctlsock.c on real AF_UNIX sockets in a temporary directory,
 * served by the real loop while a client thread asks: request and reply
 * (a large one too, written as the socket drains), the file's mode, an
 * unknown or over-long request closed without a reply, a stale socket
 * file replaced, a live one and a non-socket file left alone, idle
 * clients that cannot starve the next one, the client's errors and its
 * timeout.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "port/ctlsock.h"
#include "port/loop.h"

static char dir[64], path[128];
static size_t big;		/* reply size of "big" */

static int handler(void *arg, const char *req, uint8_t *buf, size_t cap, size_t *len)
{
	(void)arg;
	if (!strcmp(req, "big")) {
		if (big > cap)
			return -ENOSPC;
		for (size_t i = 0; i < big; i++)
			buf[i] = (uint8_t)(i * 7);
		*len = big;
		return 0;
	}
	if (strncmp(req, "hello", 5))
		return -EINVAL;
	*len = (size_t)snprintf((char *)buf, cap, "reply to %s", req);
	return 0;
}

struct ask {
	const char *req;
	uint32_t timeout_ms;
	int rc;
	uint8_t *reply;
	size_t len;
	volatile int done;
};

static void *client(void *arg)
{
	struct ask *a = arg;

	a->rc = ctl_request(path, a->req, a->timeout_ms, &a->reply, &a->len);
	a->done = 1;
	return NULL;
}

/* Ask @req from a thread while the loop serves it. */
static struct ask ask(struct loop *l, const char *req)
{
	struct ask a = { .req = req, .timeout_ms = 5000 };
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, client, &a), 0);
	while (!a.done)
		loop_run_once(l, 20);
	pthread_join(th, NULL);
	return a;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/ctlsock.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/status.sock", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void test_request_reply(void **state)
{
	struct loop *l;
	struct ctl_server *s;
	struct ctl_stats st;
	struct stat sb;
	struct ask a;

	(void)state;
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(ctl_listen(l, path, 4096, handler, NULL, &s), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0660);
	a = ask(l, "hello there");
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.len, strlen("reply to hello there"));
	assert_memory_equal(a.reply, "reply to hello there", a.len);
	free(a.reply);
	a = ask(l, "nonsense");
	assert_int_equal(a.rc, -EPROTO);
	ctl_get_stats(s, &st);
	assert_int_equal(st.requests, 1);
	assert_int_equal(st.refused, 1);
	ctl_close(s);
	assert_int_not_equal(access(path, F_OK), 0);	/* removed */
	loop_destroy(l);
}

/* A reply larger than the socket buffer goes out as the client reads. */
static void test_large_reply(void **state)
{
	struct loop *l;
	struct ctl_server *s;
	struct ask a;

	(void)state;
	big = 3u << 20;
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(ctl_listen(l, path, big, handler, NULL, &s), 0);
	a = ask(l, "big");
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.len, big);
	for (size_t i = 0; i < big; i += 4093)
		assert_int_equal(a.reply[i], (uint8_t)(i * 7));
	free(a.reply);
	ctl_close(s);
	loop_destroy(l);
}

static void test_path_cases(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct loop *l;
	struct ctl_server *s, *s2;
	char nodir[160];
	int fd;
	FILE *f;

	(void)state;
	assert_int_equal(loop_create(&l), 0);
	/* a socket file nobody listens on (a killed agent): replaced */
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(ctl_listen(l, path, 64, handler, NULL, &s), 0);
	/* a live agent's socket: left alone */
	assert_int_equal(ctl_listen(l, path, 64, handler, NULL, &s2), -EADDRINUSE);
	assert_null(s2);
	ctl_close(s);
	/* not a socket: not ours to remove */
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(ctl_listen(l, path, 64, handler, NULL, &s), -EEXIST);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	snprintf(nodir, sizeof(nodir), "%s/none/status.sock", dir);
	assert_int_equal(ctl_listen(l, nodir, 64, handler, NULL, &s), -ENOENT);
	memset(nodir, 'x', sizeof(nodir) - 1);
	nodir[0] = '/';
	nodir[sizeof(nodir) - 1] = 0;
	assert_int_equal(ctl_listen(l, nodir, 64, handler, NULL, &s), -ENAMETOOLONG);
	loop_destroy(l);
}

static int raw_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	strcpy(sa.sun_path, path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Clients that send nothing, or too much, never block the next one. */
static void test_idle_and_long_clients(void **state)
{
	struct loop *l;
	struct ctl_server *s;
	struct ctl_stats st;
	char junk[CTL_REQ_MAX + 8];
	int idle[6], fd;
	struct ask a;

	(void)state;
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(ctl_listen(l, path, 64, handler, NULL, &s), 0);
	for (int i = 0; i < 6; i++) {
		idle[i] = raw_connect();
		loop_run_once(l, 20);
	}
	a = ask(l, "hello");
	assert_int_equal(a.rc, 0);
	free(a.reply);
	ctl_get_stats(s, &st);
	assert_true(st.dropped >= 3);	/* four slots; the oldest went */
	for (int i = 0; i < 6; i++)
		close(idle[i]);
	/* an over-long request: closed, counted */
	fd = raw_connect();
	memset(junk, 'a', sizeof(junk));
	assert_int_equal(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
	for (int i = 0; i < 5; i++)
		loop_run_once(l, 20);
	/* no reply: EOF, or a reset (the rest of the request was unread) */
	assert_true(read(fd, junk, sizeof(junk)) <= 0);
	close(fd);
	ctl_get_stats(s, &st);
	assert_int_equal(st.refused, 1);
	ctl_close(s);
	loop_destroy(l);
}

static void test_client_errors(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct loop *l;
	struct ctl_server *s;
	uint8_t *r;
	size_t n;
	int fd;

	(void)state;
	assert_int_equal(ctl_request(path, "hello", 500, &r, &n), -ENOENT);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(ctl_request(path, "hello", 500, &r, &n), -ECONNREFUSED);
	close(fd);
	unlink(path);
	/* a server whose loop does not run: the client gives up in time */
	assert_int_equal(loop_create(&l), 0);
	assert_int_equal(ctl_listen(l, path, 64, handler, NULL, &s), 0);
	assert_int_equal(ctl_request(path, "hello", 200, &r, &n), -ETIMEDOUT);
	ctl_close(s);
	loop_destroy(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_cases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_and_long_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
