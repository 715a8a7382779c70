/* SPDX-License-Identifier: MIT */
/*
 * `sctpagent status` against a running agent on the fake port: the
 * status socket's reply is, controller by controller, byte for byte the
 * STATUS map a controller gets (status_encode()); the table shows every
 * controller with its state and paths and every sensor with its last
 * value and error; --json carries the same keys; an unknown request gets
 * no reply; no socket (a bad directory, or status_socket empty) does not
 * stop the agent; the formatter refuses malformed replies.
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

#include "agent/agent.h"
#include "agent/agent_int.h"
#include "agent/cbor.h"
#include "agent/status.h"
#include "agent/status_fmt.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

static const char ini[] =
	"[agent]\nname = t1\n"
	"[path.eth]\ninterface = eth0\naddress = 10.0.0.2\n"
	"[controller.a]\naddress = 10.0.1.1, 10.0.1.2\n"
	"[controller.b]\naddress = 10.0.2.1\n"
	"[sensor.temp]\ndriver = simulated\nsource = counter:start=7\ninterval_ms = 100\n"
	"[sensor.gone]\ndriver = thermal\nsource = zone=0,root=/nonexistent\n";

static char out[64][8192];
static unsigned int n_out, n_err;

static void collect(void *ctx, const char *line)
{
	(void)ctx;
	if (n_out < 64)
		snprintf(out[n_out++], sizeof(out[0]), "%s", line);
}

static void collect_err(void *ctx, const char *line)
{
	(void)ctx;
	n_err++;
	collect(ctx, line);
}

static void reset_out(void)
{
	n_out = n_err = 0;
}

/* The line that has every one of @a, @b (NULL = any), or -1. */
static int find_line(const char *a, const char *b)
{
	for (unsigned int i = 0; i < n_out; i++)
		if (strstr(out[i], a) && (!b || strstr(out[i], b)))
			return (int)i;
	return -1;
}

static struct t *up_with_reading(void)
{
	struct t *t = harness_start(ini);

	fake_sctp_comm_up(t->ep, 1);	/* a up, b still connecting */
	harness_run(t);
	fake_loop_advance(t->l, 100);	/* temp: 7 */
	harness_run(t);
	return t;
}

static void test_reply_is_the_controllers_status(void **state)
{
	struct t *t = up_with_reading();
	uint8_t *reply, one[8192];
	size_t len, n, off, olen;
	struct cbor_dec d;
	const uint8_t *item;

	(void)state;
	assert_string_equal(fake_ctl_path(), "/run/sctpagent/status.sock");
	assert_int_equal(fake_ctl_request("status", &reply, &len), 0);
	cbor_dec_init(&d, reply, len);
	assert_int_equal(cbor_get_array(&d, &n), 0);
	assert_int_equal(n, 2);
	for (unsigned int i = 0; i < 2; i++) {
		off = cbor_dec_offset(&d);
		assert_int_equal(cbor_skip(&d, &item, &olen), 0);
		(void)off;
		/* what command.c's STATUS reply carries for this controller */
		assert_int_equal(status_encode(&t->ag->ssrc, t->ag->assocs[i], one,
					       sizeof(one), &n), 0);
		assert_int_equal(olen, n);
		assert_memory_equal(item, one, n);
	}
	assert_true(cbor_dec_done(&d));
	free(reply);
	harness_stop(t);
}

static void test_table(void **state)
{
	struct t *t = up_with_reading();
	int l;

	(void)state;
	reset_out();
	assert_int_equal(status_cli("/run/sctpagent/status.sock", false, 1000,
				    collect, collect_err, NULL), 0);
	assert_int_equal(n_err, 0);
	assert_true(find_line("agent t1, epoch ", "readings") == 0);
	l = find_line("a ", " up ");
	assert_true(l > 0);
	assert_non_null(strstr(out[l], "sent "));
	assert_true(find_line("b ", "connecting") > l);
	/* a's two paths, the primary flagged, srtt and rto from the stack */
	assert_true(find_line("PATH", "PRIMARY") > l);
	assert_true(find_line("10.0.1.1", "yes") > l);
	assert_true(find_line("10.0.1.2", " no ") > l);
	assert_true(find_line("10.0.1.1", "1000ms") > l);
	/* b is still connecting: its one path is not confirmed yet */
	assert_true(find_line("10.0.2.1", "UNCONFIRMED") > l);
	/* sensors: the last value, the failing one with its reason */
	assert_true(find_line("SENSOR", "LAST") > 0);
	l = find_line("temp ", " ok ");
	assert_true(l > 0);
	assert_non_null(strstr(out[l], " 7 "));
	l = find_line("gone ", "down");
	assert_true(l > 0);
	assert_non_null(strstr(out[l], "/nonexistent"));
	harness_stop(t);
}

static void test_json(void **state)
{
	struct t *t = up_with_reading();

	(void)state;
	reset_out();
	assert_int_equal(status_cli("/run/sctpagent/status.sock", true, 1000,
				    collect, collect_err, NULL), 0);
	assert_int_equal(n_out, 1);
	assert_int_equal(out[0][0], '[');
	assert_non_null(strstr(out[0], "{\"agent\":\"t1\",\"controller\":\"a\",\"state\":\"up\""));
	assert_non_null(strstr(out[0], "\"controller\":\"b\",\"state\":\"connecting\""));
	assert_non_null(strstr(out[0], "\"primary\":true"));
	assert_non_null(strstr(out[0], "\"temp\":{\"interval_ms\":100,"));
	assert_non_null(strstr(out[0], "\"state\":\"ok\",\"error\":\"\",\"last\":7,"));
	assert_non_null(strstr(out[0], "\"gone\":{"));
	assert_non_null(strstr(out[0], "\"last\":null,\"last_ms\":0}"));
	harness_stop(t);
}

static void test_unknown_request_refused(void **state)
{
	struct t *t = harness_start(ini);
	uint8_t *reply = NULL;
	size_t len;

	(void)state;
	assert_int_equal(fake_ctl_request("stats", &reply, &len), -EPROTO);
	assert_int_equal(fake_ctl_request("", &reply, &len), -EPROTO);
	assert_null(reply);
	harness_stop(t);
}

static void test_no_socket_still_runs(void **state)
{
	struct t *t;

	(void)state;
	fake_reset_all();
	fake_ctl_listen_fail(-ENOENT);
	t = harness_start(ini);
	assert_null(fake_ctl_path());
	assert_true(fake_log_contains("status socket /run/sctpagent/status.sock: "));
	assert_true(fake_log_contains("RuntimeDirectory="));
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	assert_int_equal(assoc_state(t->ag->assocs[0]), AS_UP);
	reset_out();
	assert_int_equal(status_cli("/run/sctpagent/status.sock", false, 1000,
				    collect, collect_err, NULL), 1);
	assert_int_equal(n_err, 1);
	assert_non_null(strstr(out[0], "is the agent running?"));
	harness_stop(t);

	t = harness_start("[agent]\nname = t1\nstatus_socket =\n"
			  "[controller.a]\naddress = 10.0.1.1\n");
	assert_null(fake_ctl_path());
	harness_stop(t);
}

static void test_bad_reply_refused(void **state)
{
	static const uint8_t trunc[] = { 0x81, 0xa2, 0x61, 'a' };
	static const uint8_t notarray[] = { 0xa0 };
	uint8_t deep[40];

	(void)state;
	memset(deep, 0x81, sizeof(deep));	/* arrays nested 40 deep */
	deep[sizeof(deep) - 1] = 0x00;
	reset_out();
	assert_int_equal(status_fmt_json(trunc, sizeof(trunc), collect, NULL), -EBADMSG);
	assert_int_equal(status_fmt_table(trunc, sizeof(trunc), 0, collect, NULL), -EBADMSG);
	assert_int_equal(status_fmt_table(notarray, 1, 0, collect, NULL), -EBADMSG);
	assert_int_equal(status_fmt_json(deep, sizeof(deep), collect, NULL), -EBADMSG);
	assert_int_equal(n_out, 0);
}

/* JSON strings: quotes, backslashes and control bytes escaped; a float
 * that is not finite is null. */
static void test_json_escapes(void **state)
{
	uint8_t buf[64];
	struct cbor_enc e;
	size_t len;

	(void)state;
	cbor_enc_init(&e, buf, sizeof(buf));
	cbor_put_array(&e, 3);
	cbor_put_cstr(&e, "a\"b\\c\nd");
	cbor_put_float(&e, 1.0 / 0.0);
	cbor_put_int(&e, -5);
	assert_int_equal(cbor_enc_finish(&e, &len), 0);
	reset_out();
	assert_int_equal(status_fmt_json(buf, len, collect, NULL), 0);
	assert_string_equal(out[0], "[\"a\\\"b\\\\c\\u000ad\",null,-5]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reply_is_the_controllers_status),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_unknown_request_refused),
		cmocka_unit_test(test_no_socket_still_runs),
		cmocka_unit_test(test_bad_reply_refused),
		cmocka_unit_test(test_json_escapes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
