/* SPDX-License-Identifier: MIT */
/*
 * Stream numbers across a reload (config_load_keep): a sensor without
 * `stream =` keeps its running stream; an explicit stream wins over a
 * kept one; new sensors never take a stream a running sensor still holds
 * while another is free; without a hint (--check-config, the start)
 * streams are assigned in file order as always.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/config.h"
#include "agent/kconfig.h"
#include "tests/fake/fake.h"

#define AC "[agent]\nname = a\n[controller.c1]\naddress = 192.0.2.1\n"
#define S(n) "[sensor." n "]\ndriver = simulated\nsource = counter\n"
#define SS(n, st) "[sensor." n "]\ndriver = simulated\nsource = counter\nstream = " st "\n"

static struct config *load(const char *text, const struct config *prev)
{
	struct cfg_diag d;
	struct config *c = NULL;
	int rc;

	fake_file_put("/r.ini", text, 0644);
	rc = config_load_keep("/r.ini", prev, &c, &d);
	if (rc)
		fail_msg("load: %d %s", rc, d.n ? d.msg[0] : "");
	return c;
}

static unsigned int stream_of(const struct config *c, const char *name)
{
	int i = config_sensor_index(c, name);

	assert_true(i >= 0);
	return c->sensors[i].stream;
}

static int setup(void **state)
{
	(void)state;
	fake_file_reset();
	return 0;
}

/* A sensor inserted before the others: theirs stay, it gets a free one. */
static void test_insert_before(void **state)
{
	struct config *run = load(AC S("t") S("h") S("p"), NULL);
	struct config *nc;

	(void)state;
	assert_int_equal(stream_of(run, "t"), 1);
	assert_int_equal(stream_of(run, "h"), 2);
	assert_int_equal(stream_of(run, "p"), 3);
	nc = load(AC S("new") S("t") S("h") S("p"), run);
	assert_int_equal(stream_of(nc, "t"), 1);
	assert_int_equal(stream_of(nc, "h"), 2);
	assert_int_equal(stream_of(nc, "p"), 3);
	assert_int_equal(stream_of(nc, "new"), 4);
	/* the controller's automatic streams count follows */
	assert_int_equal(nc->ctrls[0].streams, 5);
	config_free(nc);
	config_free(run);
}

/* One removed: the others keep theirs, and its stream is not handed to a
 * new sensor while another is free. */
static void test_removed(void **state)
{
	struct config *run = load(AC S("t") S("h") S("p"), NULL);
	struct config *nc;

	(void)state;
	nc = load(AC S("t") S("p"), run);
	assert_int_equal(stream_of(nc, "t"), 1);
	assert_int_equal(stream_of(nc, "p"), 3);
	config_free(nc);
	nc = load(AC S("t") S("x") S("p"), run);
	assert_int_equal(stream_of(nc, "t"), 1);
	assert_int_equal(stream_of(nc, "p"), 3);
	assert_int_equal(stream_of(nc, "x"), 4);	/* not h's 2 */
	config_free(nc);
	/* removed by one reload, a new sensor by the next: still not 2 */
	nc = load(AC S("t") S("p"), run);
	config_free(run);
	run = nc;
	nc = load(AC S("t") S("p") S("y"), run);
	assert_int_equal(stream_of(nc, "y"), 4);
	config_free(nc);
	config_free(run);
}

/* An explicit stream takes a kept number: the explicit one wins, the
 * sensor that held it gets a free one. */
static void test_explicit_takes_kept(void **state)
{
	struct config *run = load(AC S("t") S("h"), NULL);
	struct config *nc;

	(void)state;
	nc = load(AC S("t") S("h") SS("e", "2"), run);
	assert_int_equal(stream_of(nc, "e"), 2);
	assert_int_equal(stream_of(nc, "t"), 1);
	assert_int_equal(stream_of(nc, "h"), 3);
	config_free(nc);
	/* an explicit stream moved by the file itself is taken as written */
	nc = load(AC SS("t", "7") S("h"), run);
	assert_int_equal(stream_of(nc, "t"), 7);
	assert_int_equal(stream_of(nc, "h"), 2);
	config_free(nc);
	config_free(run);
}

/* Without a hint (the start, --check-config): file order, as before. */
static void test_no_hint_file_order(void **state)
{
	struct config *run = load(AC S("t") S("h"), NULL);
	struct config *nc;
	struct cfg_diag d;

	(void)state;
	fake_file_put("/r.ini", AC S("new") S("t") S("h"), 0644);
	assert_int_equal(config_load("/r.ini", &nc, &d), 0);
	assert_int_equal(stream_of(nc, "new"), 1);
	assert_int_equal(stream_of(nc, "t"), 2);
	assert_int_equal(stream_of(nc, "h"), 3);
	config_free(nc);
	config_free(run);
}

/* A hint does not hide errors: a duplicate explicit stream is refused. */
static void test_errors_still_reported(void **state)
{
	struct config *run = load(AC S("t") S("h"), NULL);
	struct config *nc = NULL;
	struct cfg_diag d;

	(void)state;
	fake_file_put("/r.ini", AC SS("t", "2") SS("h", "2"), 0644);
	assert_int_equal(config_load_keep("/r.ini", run, &nc, &d), -EINVAL);
	assert_null(nc);
	assert_non_null(strstr(d.msg[0], "2 is already used by [sensor.t]"));
	config_free(run);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_insert_before, setup),
		cmocka_unit_test_setup(test_removed, setup),
		cmocka_unit_test_setup(test_explicit_takes_kept, setup),
		cmocka_unit_test_setup(test_no_hint_file_order, setup),
		cmocka_unit_test_setup(test_errors_still_reported, setup),
	};

	return cmocka_run_group_tests_name("config_keep", tests, NULL, NULL);
}
