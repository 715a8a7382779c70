/* SPDX-License-Identifier: MIT */
/*
 * The real notify port (port/posix/notify.c) against AF_UNIX datagram
 * sockets of the test's own (a temp dir, the abstract namespace): what
 * arrives, with whose credentials, the watchdog variables, bad names, no
 * listener, and a full socket that must not block.
 */
#define _GNU_SOURCE		/* struct ucred, SO_PASSCRED, mkdtemp */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "port/notify.h"

static char dir[64], path[128];

static int listener(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + strlen(name);
	int one = 1, fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memcpy(sa.sun_path, name, strlen(name));
	if (name[0] == '@')
		sa.sun_path[0] = 0;
	else
		len++;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)), 0);
	return fd;
}

/* One datagram (NUL-terminated) and its sender's pid. */
static void receive(int fd, char *buf, size_t size, pid_t *pid)
{
	union {
		char b[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} c;
	struct iovec iov = { buf, size - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	struct ucred uc;

	assert_true(n >= 0);
	buf[n] = 0;
	assert_non_null(cm);
	assert_int_equal(cm->cmsg_type, SCM_CREDENTIALS);
	memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
	*pid = uc.pid;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/notify-test.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void test_unset_is_no_manager(void **state)
{
	struct notify *n = (struct notify *)1;

	(void)state;
	assert_int_equal(notify_open(&n), 0);
	assert_null(n);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(notify_open(&n), 0);
	assert_null(n);
	assert_int_equal(notify_send(NULL, "READY=1"), -EINVAL);
	assert_int_equal(notify_watchdog_usec(NULL), 0);
	notify_close(NULL);
}

static void test_path_socket(void **state)
{
	int fd = listener(path);
	struct notify *n;
	char buf[256];
	pid_t pid;

	(void)state;
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_open(&n), 0);
	assert_non_null(n);
	assert_int_equal(notify_send(n, "READY=1\nSTATUS=2/2 controllers up"), 0);
	receive(fd, buf, sizeof(buf), &pid);
	assert_string_equal(buf, "READY=1\nSTATUS=2/2 controllers up");
	assert_int_equal(pid, getpid());	/* what NotifyAccess=main checks */
	notify_close(n);
	close(fd);
}

static void test_abstract_socket(void **state)
{
	char name[64], buf[64];
	struct notify *n;
	pid_t pid;
	int fd;

	(void)state;
	snprintf(name, sizeof(name), "@sctpagent-notify-test-%d", (int)getpid());
	fd = listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	assert_int_equal(notify_open(&n), 0);
	assert_int_equal(notify_send(n, "WATCHDOG=1"), 0);
	receive(fd, buf, sizeof(buf), &pid);
	assert_string_equal(buf, "WATCHDOG=1");
	notify_close(n);
	close(fd);
}

static void test_watchdog_variables(void **state)
{
	struct notify *n;
	char me[32];

	(void)state;
	setenv("NOTIFY_SOCKET", path, 1);
	setenv("WATCHDOG_USEC", "30000000", 1);
	assert_int_equal(notify_open(&n), 0);
	assert_int_equal(notify_watchdog_usec(n), 30000000);
	notify_close(n);
	snprintf(me, sizeof(me), "%d", (int)getpid());
	setenv("WATCHDOG_PID", me, 1);		/* ours */
	assert_int_equal(notify_open(&n), 0);
	assert_int_equal(notify_watchdog_usec(n), 30000000);
	notify_close(n);
	setenv("WATCHDOG_PID", "1", 1);		/* another process's */
	assert_int_equal(notify_open(&n), 0);
	assert_int_equal(notify_watchdog_usec(n), 0);
	notify_close(n);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "30s", 1);	/* not a number */
	assert_int_equal(notify_open(&n), 0);
	assert_int_equal(notify_watchdog_usec(n), 0);
	notify_close(n);
	setenv("WATCHDOG_USEC", "-5", 1);
	assert_int_equal(notify_open(&n), 0);
	assert_int_equal(notify_watchdog_usec(n), 0);
	notify_close(n);
	unsetenv("WATCHDOG_USEC");
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = { "run/notify", "vsock:2:1234", "@", "/" };
	char longname[200];
	struct notify *n;

	(void)state;
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("NOTIFY_SOCKET", bad[i], 1);
		n = (struct notify *)1;
		assert_int_equal(notify_open(&n), -EINVAL);
		assert_null(n);
	}
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = 0;
	setenv("NOTIFY_SOCKET", longname, 1);
	assert_int_equal(notify_open(&n), -EINVAL);
}

static void test_nobody_listening(void **state)
{
	struct notify *n;
	int fd;

	(void)state;
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_open(&n), 0);
	assert_int_equal(notify_send(n, "READY=1"), -ENOENT);	/* no file */
	fd = listener(path);
	close(fd);						/* file, no socket */
	assert_int_equal(notify_send(n, "READY=1"), -ECONNREFUSED);
	notify_close(n);
}

static void test_full_socket_does_not_block(void **state)
{
	int fd = listener(path), rc = 0, i;
	struct notify *n;

	(void)state;
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_open(&n), 0);
	/* the receiver never reads: its queue (net.unix.max_dgram_qlen)
	 * fills and the sender must get -EAGAIN, not wait */
	for (i = 0; i < 100000 && !rc; i++)
		rc = notify_send(n, "WATCHDOG=1");
	assert_int_equal(rc, -EAGAIN);
	notify_close(n);
	close(fd);
}

static void test_monotonic_usec(void **state)
{
	struct timespec ts;
	uint64_t a, b;

	(void)state;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	a = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
	b = notify_mono_usec();
	assert_true(b >= a);
	assert_true(b - a < 5000000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_unset_is_no_manager, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_abstract_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_watchdog_variables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nobody_listening, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_socket_does_not_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_monotonic_usec, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
