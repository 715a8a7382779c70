/* SPDX-License-Identifier: MIT */
/*
 * Host names in [controller.NAME] address (agent/config_host.c): what is
 * a name, what is a mistyped address, every syntax error with its reason,
 * names beside numeric addresses with their @path, and resolve_timeout_ms.
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
#include "tests/fake/fake.h"

#define A "[agent]\nname = a\n"
#define P "[path.eth]\ninterface = eth0\n[path.cell]\ninterface = wwan0\n"

static struct config *load_ok(const char *ini)
{
	struct cfg_diag d;
	struct config *c = NULL;
	int rc = config_load_text("t.ini", ini, &c, &d);

	if (rc)
		for (unsigned int i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msg[i]);
	assert_int_equal(rc, 0);
	return c;
}

static void expect_err(const char *addr, const char *msg)
{
	char ini[512], want[512];
	struct cfg_diag d;
	struct config *c = NULL;

	snprintf(ini, sizeof(ini), A "[controller.c1]\naddress = %s\n", addr);
	snprintf(want, sizeof(want), "t.ini:4: [controller.c1] address: %s", msg);
	assert_int_equal(config_load_text("t.ini", ini, &c, &d), -EINVAL);
	assert_null(c);
	assert_int_equal(d.n, 1);
	assert_string_equal(d.msg[0], want);
}

static void test_names_beside_addresses(void **state)
{
	struct config *c;
	const struct cfg_controller *k;

	(void)state;
	c = load_ok(A P "[controller.c1]\naddress = ctl.example.com@eth, 198.51.100.10@cell, "
		    "backup.example.com.\nport = 9000\n");
	k = &c->ctrls[0];
	assert_int_equal(k->n_addrs, 3);
	assert_int_equal(k->n_hosts, 2);
	assert_string_equal(k->host[0], "ctl.example.com");
	assert_int_equal(k->addrs[0].family, NET_AF_NONE);
	assert_int_equal(k->addr_path[0], 0);		/* @eth */
	assert_string_equal(k->host[1], "");		/* numeric */
	assert_int_equal(k->addrs[1].family, NET_AF_INET4);
	assert_int_equal(k->addrs[1].port, 9000);
	assert_int_equal(k->addr_path[1], 1);		/* @cell */
	assert_string_equal(k->host[2], "backup.example.com.");	/* absolute */
	assert_int_equal(k->addr_path[2], -1);
	assert_int_equal(c->agent.resolve_timeout_ms, 5000);	/* default */
	config_free(c);
}

static void test_single_label_and_hexlike_names(void **state)
{
	struct config *c;

	(void)state;
	/* "controller" resolves through resolv.conf's search domains; "cafe"
	 * is all hex letters but has no ':' so it cannot be IPv6 */
	c = load_ok(A "[controller.c1]\naddress = controller cafe 1.example\n");
	assert_int_equal(c->ctrls[0].n_hosts, 3);
	assert_string_equal(c->ctrls[0].host[2], "1.example");
	config_free(c);
}

static void test_bad_names(void **state)
{
	char label64[80], long_name[300];

	(void)state;
	expect_err("ctl_1.example", "'ctl_1.example' is not a valid host name ('_' is not "
		   "allowed; expected letters, digits, '-' and '.')");
	expect_err("-ctl.example", "'-ctl.example' is not a valid host name (label '-ctl': "
		   "expected 1..63 letters, digits or inner '-')");
	expect_err("ctl-.example", "'ctl-.example' is not a valid host name (label 'ctl-': "
		   "expected 1..63 letters, digits or inner '-')");
	expect_err("ctl..example", "'ctl..example' is not a valid host name (label '': "
		   "expected 1..63 letters, digits or inner '-')");
	memset(label64, 'a', 64);
	strcpy(label64 + 64, ".example");
	{	/* the message repeats the label: cut at CFG_DIAG_LEN */
		struct cfg_diag d;
		struct config *c = NULL;
		char ini[200];

		snprintf(ini, sizeof(ini), A "[controller.c1]\naddress = %s\n", label64);
		assert_int_equal(config_load_text("t.ini", ini, &c, &d), -EINVAL);
		assert_non_null(strstr(d.msg[0], ".example' is not a valid host name (label "
				       "'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'"));
	}
	/* a dotted number that is no address stays an address error */
	expect_err("192.0.2.256", "'192.0.2.256' is not a valid IPv4 or IPv6 address");
	expect_err("10.1", "'10.1' is not a valid IPv4 or IPv6 address");
	expect_err("ctl.123", "'ctl.123' is not a valid IPv4 address or host name");
	expect_err("fe80::1%eth0", "'fe80::1%eth0' is not a valid IPv4 or IPv6 address");
	/* the same name twice, whatever its case or final dot */
	expect_err("ctl.example, CTL.Example.", "'CTL.Example.' is listed twice");
	/* longer than the line limit allows is caught as a long line; the
	 * 253-character limit is checked on what fits */
	memset(long_name, 'a', sizeof(long_name));
	for (int i = 63; i < 180; i += 64)
		long_name[i] = '.';
	long_name[180] = 0;
	{
		struct config *c = NULL;
		char ini[400];

		snprintf(ini, sizeof(ini), A "[controller.c1]\naddress = %s\n", long_name);
		c = load_ok(ini);
		assert_int_equal(strlen(c->ctrls[0].host[0]), 180);
		config_free(c);
	}
}

static void test_names_count_toward_the_limit(void **state)
{
	struct cfg_diag d;
	struct config *c = NULL;

	(void)state;
	assert_int_equal(config_load_text("t.ini", A "[controller.c1]\naddress = a.example "
					  "b.example 192.0.2.1 c.example d.example\n",
					  &c, &d), -EINVAL);
	assert_string_equal(d.msg[0], "t.ini:4: [controller.c1] address: more than 4 "
			    "addresses (CONFIG_MAX_CTRL_ADDRS)");
}

static void test_resolve_timeout_range(void **state)
{
	struct cfg_diag d;
	struct config *c = NULL;

	(void)state;
	c = load_ok("[agent]\nname = a\nresolve_timeout_ms = 800\n"
		    "[controller.c1]\naddress = ctl.example\n");
	assert_int_equal(c->agent.resolve_timeout_ms, 800);
	config_free(c);
	assert_int_equal(config_load_text("t.ini", "[agent]\nname = a\nresolve_timeout_ms = 50\n"
					  "[controller.c1]\naddress = ctl.example\n", &c, &d),
			 -EINVAL);
	assert_string_equal(d.msg[0], "t.ini:3: [agent] resolve_timeout_ms: 50 is out of "
			    "range; expected 100..60000");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_beside_addresses),
		cmocka_unit_test(test_single_label_and_hexlike_names),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_names_count_toward_the_limit),
		cmocka_unit_test(test_resolve_timeout_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
