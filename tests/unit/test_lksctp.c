/* SPDX-License-Identifier: MIT */
/*
 * port/lksctp's mapping of sendmsg() errors to ps_send() results: the
 * documented ones keep their meaning, anything else is -EIO (transient),
 * never -EINVAL, which the agent takes as "this message can never be sent".
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "port/lksctp/lksctp.h"

static void test_send_errno(void **state)
{
	static const int unknown[] = { ENETUNREACH, EHOSTUNREACH, ECONNREFUSED,
				       EIO, EACCES, EPERM, EFAULT, ENOSR, ETIMEDOUT };
	struct ps_ep ep;

	(void)state;
	memset(&ep, 0, sizeof(ep));
	assert_int_equal(lk_send_errno(&ep, 3, 0), 0);
	assert_int_equal(lk_send_errno(&ep, 3, -EWOULDBLOCK), -EAGAIN);
	assert_int_equal(lk_send_errno(&ep, 3, -EAGAIN), -EAGAIN);
	assert_int_equal(lk_send_errno(&ep, 3, -EINVAL), -EINVAL);
	assert_int_equal(lk_send_errno(&ep, 3, -EMSGSIZE), -EMSGSIZE);
	assert_int_equal(lk_send_errno(&ep, 3, -ENOBUFS), -ENOMEM);
	assert_int_equal(lk_send_errno(&ep, 3, -ESHUTDOWN), -EPIPE);
	assert_int_equal(lk_send_errno(&ep, 3, -EPIPE), -ENOENT);	/* not tracked */
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		assert_int_equal(lk_send_errno(&ep, 3, -unknown[i]), -EIO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_send_errno),
	};

	return cmocka_run_group_tests_name("lksctp", tests, NULL, NULL);
}
