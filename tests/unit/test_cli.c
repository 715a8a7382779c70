/* SPDX-License-Identifier: MIT */
/* Command line: options, usage errors, and --check-config's output. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/cli.h"
#include "tests/fake/fake.h"

struct cap {
	char out[4096], err[4096];
	unsigned int nout, nerr;
};

static void cap_out(void *ctx, const char *line)
{
	struct cap *c = ctx;
	strncat(c->out, line, sizeof(c->out) - strlen(c->out) - 2);
	strcat(c->out, "\n");
	c->nout++;
}

static void cap_err(void *ctx, const char *line)
{
	struct cap *c = ctx;
	strncat(c->err, line, sizeof(c->err) - strlen(c->err) - 2);
	strcat(c->err, "\n");
	c->nerr++;
}

static struct cap cap;
static const struct cli_io io = { cap_out, cap_err, &cap };

static int parse(struct cli_opts *o, ...)
{
	char *argv[16] = { (char *)"sctpagent" };
	int argc = 1;
	va_list ap;

	va_start(ap, o);
	while (argc < 15 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	memset(&cap, 0, sizeof(cap));
	return cli_parse(argc, argv, o, &io);
}

static void test_defaults(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(parse(&o, NULL), 0);
	assert_int_equal(o.action, CLI_RUN);
	assert_string_equal(o.config, CLI_DEFAULT_CONFIG);
	assert_false(o.foreground);
	assert_int_equal(o.verbose, 0);
	assert_int_equal(o.duration_s, 0);
}

static void test_options(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-c", "/tmp/a.ini", "-f", "-v", "-vv",
			       "--duration", "30", NULL), 0);
	assert_string_equal(o.config, "/tmp/a.ini");
	assert_true(o.foreground);
	assert_int_equal(o.verbose, 3);
	assert_int_equal(o.duration_s, 30);
	assert_int_equal(parse(&o, "--config", "b.ini", "--foreground", NULL), 0);
	assert_string_equal(o.config, "b.ini");
	assert_int_equal(parse(&o, "--version", NULL), 0);
	assert_int_equal(o.action, CLI_VERSION);
	assert_int_equal(parse(&o, "-h", "--version", NULL), 0);
	assert_int_equal(o.action, CLI_HELP);	/* the first action wins */
	assert_int_equal(parse(&o, "--check-config", "x.ini", NULL), 0);
	assert_int_equal(o.action, CLI_CHECK);
	assert_string_equal(o.config, "x.ini");
}

static void test_usage_errors(void **state)
{
	struct cli_opts o;

	(void)state;
	assert_int_equal(parse(&o, "-x", NULL), -EINVAL);
	assert_string_equal(cap.err, "sctpagent: unknown option '-x'\n");
	assert_int_equal(parse(&o, "stray", NULL), -EINVAL);
	assert_string_equal(cap.err, "sctpagent: unexpected argument 'stray'\n");
	assert_int_equal(parse(&o, "-c", NULL), -EINVAL);
	assert_string_equal(cap.err, "sctpagent: -c needs an argument\n");
	assert_int_equal(parse(&o, "--check-config", NULL), -EINVAL);
	assert_string_equal(cap.err, "sctpagent: --check-config needs an argument\n");
	assert_int_equal(parse(&o, "--duration", "0", NULL), -EINVAL);
	assert_string_equal(cap.err, "sctpagent: --duration '0': expected seconds, 1..31536000\n");
	assert_int_equal(parse(&o, "--duration", "5s", NULL), -EINVAL);
	assert_int_equal(parse(&o, "-vx", NULL), -EINVAL);
}

static void test_version_help(void **state)
{
	struct cli_opts o;

	(void)state;
	parse(&o, "--version", NULL);
	assert_int_equal(cli_do(&o, &io), 0);
	assert_int_equal(cap.nout, 1);
	assert_non_null(strstr(cap.out, "sctpagent " SCTPAGENT_VERSION " (board "));
	parse(&o, "--help", NULL);
	assert_int_equal(cli_do(&o, &io), 0);
	assert_non_null(strstr(cap.out, "--check-config FILE"));
	assert_non_null(strstr(cap.out, "Exit status"));
	assert_int_equal(cap.nerr, 0);
}

static void test_check_config(void **state)
{
	struct cli_opts o;

	(void)state;
	fake_file_reset();
	fake_file_put("/ok.ini", "[agent]\nname = a\n[controller.c]\naddress = 192.0.2.1\n", 0644);
	fake_file_put("/bad.ini", "[agent]\nname = a\nport = 1\n[controller.c]\n", 0644);
	parse(&o, "--check-config", "/ok.ini", NULL);
	assert_int_equal(cli_do(&o, &io), 0);
	assert_string_equal(cap.out, "/ok.ini: OK: agent 'a', 1 controller, 0 sensors, 0 paths, security none\n");
	assert_int_equal(cap.nerr, 0);

	parse(&o, "--check-config", "/bad.ini", NULL);
	assert_int_equal(cli_do(&o, &io), 1);
	assert_int_equal(cap.nout, 0);
	assert_string_equal(cap.err,
		"/bad.ini:3: [agent] port: unknown key in [agent]\n"
		"/bad.ini:4: [controller.c] address: missing; expected addresses or host names (each optionally @path) separated by ',' or spaces\n"
		"/bad.ini: 2 errors\n");

	parse(&o, "--check-config", "/missing.ini", NULL);
	assert_int_equal(cli_do(&o, &io), 1);
	assert_string_equal(cap.err, "/missing.ini: cannot read: No such file or directory\n/missing.ini: 1 error\n");
	fake_file_reset();
}

/* --probe opens every driver on this board (here: the fixture trees)
 * and takes one reading; the exit status says if one failed. */
static void test_probe(void **state)
{
	static const char ini[] =
		"[agent]\nname = a\n[controller.c]\naddress = 192.0.2.1\n"
		"[sensor.cpu]\ndriver = thermal\nsource = zone=0,root=tests/data/sysfs/topo\nunit = Cel\n"
		"[sensor.air]\ndriver = hwmon\nsource = chip=sht3x,input=temp1,root=tests/data/sysfs/topo\n"
		"[sensor.w1]\ndriver = ds18b20\nsource = id=28-00000abcdef0,root=tests/data/sysfs/topo\n"
		"[sensor.gone]\ndriver = ds18b20\nsource = id=28-00000abcde99,root=tests/data/sysfs/topo\n"
		"[sensor.sim]\ndriver = simulated\nsource = counter:start=7\n";
	struct cli_opts o;

	(void)state;
	fake_file_reset();
	fake_file_put("/p.ini", ini, 0644);
	assert_int_equal(parse(&o, "--check-config", "/p.ini", "--probe", NULL), 0);
	assert_true(o.probe);
	assert_int_equal(cli_do(&o, &io), CLI_EXIT_PROBE);
	assert_string_equal(cap.out,
		"/p.ini: OK: agent 'a', 1 controller, 5 sensors, 0 paths, security none\n"
		"sensor cpu (thermal): ok, 48.312 Cel; reads on the loop\n"
		"sensor air (hwmon): ok, 21.5; reads on the worker (i2c)\n"
		"sensor w1 (ds18b20): ok, 19.875; reads on the worker\n"
		"sensor sim (simulated): ok, 7; reads on the loop\n");
	assert_string_equal(cap.err,
		"sensor gone (ds18b20): cannot open: 1-Wire device 28-00000abcde99 not "
		"found under tests/data/sysfs/topo\n"
		"/p.ini: probe: 4 of 5 sensors work on this board\n");

	/* all there: 0, and the summary on stdout */
	fake_file_put("/q.ini", "[agent]\nname = a\n[controller.c]\naddress = 192.0.2.1\n"
		      "[sensor.sim]\ndriver = simulated\n", 0644);
	parse(&o, "--check-config", "/q.ini", "--probe", NULL);
	assert_int_equal(cli_do(&o, &io), 0);
	assert_non_null(strstr(cap.out, "/q.ini: probe: 1 of 1 sensor work on this board\n"));
	assert_int_equal(cap.nerr, 0);

	/* a file with errors is not probed */
	fake_file_put("/r.ini", "[agent]\nname = a\n", 0644);
	parse(&o, "--check-config", "/r.ini", "--probe", NULL);
	assert_int_equal(cli_do(&o, &io), 1);
	assert_null(strstr(cap.err, "probe"));

	assert_int_equal(parse(&o, "--probe", NULL), -EINVAL);
	assert_string_equal(cap.err, "sctpagent: --probe goes with --check-config FILE\n");
	fake_file_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_version_help),
		cmocka_unit_test(test_check_config),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
