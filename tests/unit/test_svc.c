/* SPDX-License-Identifier: MIT */
/*
 * The service manager notices (agent/svc.c) of a running agent on the
 * fake port: READY=1 once the endpoint is open, STATUS= on association
 * changes with its rate limit, RELOADING=1 + MONOTONIC_USEC= / READY=1
 * around SIGHUP (a bad file included), STOPPING=1, WATCHDOG=1 at half
 * the interval, ERRNO= when the start fails, failures never fatal.
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
#include "agent/svc.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

static const char ini[] =
	"[agent]\nname = t1\nshutdown_timeout_ms = 2000\n"
	"[path.eth]\ninterface = eth0\naddress = 10.0.0.2\n"
	"[controller.a]\naddress = 10.0.1.1\n"
	"[controller.b]\naddress = 10.0.2.1\n"
	"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\n";

static struct t *start(uint64_t wd_usec)
{
	fake_notify_reset();
	fake_notify_setup(true, wd_usec, 0);
	return harness_start(ini);
}

/* Messages from @from that are exactly a STATUS= change (no other key). */
static unsigned int status_only(unsigned int from)
{
	unsigned int n = 0;

	for (unsigned int i = from; i < fake_notify_count(); i++)
		n += !strncmp(fake_notify_msg(i), "STATUS=", 7);
	return n;
}

static void test_no_manager_no_messages(void **state)
{
	struct t *t;

	(void)state;
	fake_notify_reset();		/* $NOTIFY_SOCKET unset */
	t = harness_start(ini);
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	fake_loop_advance(t->l, 5000);
	assert_int_equal(fake_notify_count(), 0);
	assert_false(fake_notify_is_open());
	assert_int_equal(svc_ping_ms(t->ag->svc), 0);
	harness_stop(t);
}

static void test_ready_with_status_after_start(void **state)
{
	struct t *t = start(0);

	(void)state;
	/* READY=1 as agent_create returns: the endpoint is open, every
	 * controller's INIT is out, the sampler runs */
	assert_int_equal(fake_notify_count(), 1);
	assert_string_equal(fake_notify_msg(0),
			    "READY=1\nSTATUS=0/2 controllers up, 1 sensors; down: a, b");
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 2);
	assert_true(fake_notify_is_open());
	harness_stop(t);
	assert_false(fake_notify_is_open());	/* closed at destroy */
}

static void test_status_follows_changes_rate_limited(void **state)
{
	struct t *t = start(0);
	uint64_t ready_ms = fake_notify_at(0);
	int i;

	(void)state;
	/* two associations come up at once: one STATUS=, a second later */
	fake_sctp_comm_up(t->ep, 1);
	fake_sctp_comm_up(t->ep, 2);
	harness_run(t);
	assert_int_equal(fake_notify_count(), 1);
	fake_loop_advance(t->l, SVC_STATUS_MIN_MS);
	assert_int_equal(fake_notify_count(), 2);
	assert_string_equal(fake_notify_msg(1), "STATUS=2/2 controllers up, 1 sensors");
	assert_int_equal(fake_notify_at(1) - ready_ms, SVC_STATUS_MIN_MS);

	/* nothing changes: nothing is sent, however long */
	fake_loop_advance(t->l, 30000);
	assert_int_equal(fake_notify_count(), 2);

	/* a change long after the last one goes out at once */
	fake_sctp_comm_lost(t->ep, 2);
	harness_run(t);
	assert_int_equal(fake_notify_count(), 3);
	assert_string_equal(fake_notify_msg(2),
			    "STATUS=1/2 controllers up, 1 sensors; down: b");

	/* a flap inside the window that ends where it started: nothing */
	fake_loop_advance(t->l, 2000);		/* b reconnects: INIT out */
	i = (int)fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc;
	fake_sctp_comm_up(t->ep, (ps_assoc_id)i);
	harness_run(t);
	fake_sctp_comm_lost(t->ep, (ps_assoc_id)i);
	harness_run(t);
	assert_int_equal(fake_notify_count(), 4);	/* the up went out */
	fake_loop_advance(t->l, SVC_STATUS_MIN_MS);
	assert_int_equal(fake_notify_count(), 5);	/* the down, a second later */
	assert_int_equal(fake_notify_at(4) - fake_notify_at(3), SVC_STATUS_MIN_MS);
	assert_int_equal(status_only(1), 4);
	harness_stop(t);
}

static void test_watchdog_pings_at_half_interval(void **state)
{
	struct t *t = start(3000000);		/* WatchdogSec=3 */
	unsigned int first;

	(void)state;
	assert_int_equal(svc_ping_ms(t->ag->svc), 1500);
	fake_loop_advance(t->l, 15000);
	assert_int_equal(fake_notify_count_matching("WATCHDOG=1"), 10);
	first = (unsigned int)fake_notify_find("WATCHDOG=1", 0);
	for (unsigned int i = first, k = 1; i < fake_notify_count(); i++)
		if (!strcmp(fake_notify_msg(i), "WATCHDOG=1"))
			assert_int_equal(fake_notify_at(i) - FAKE_CLOCK_START_MS,
					 1500 * k++);
	assert_int_equal(svc_stats(t->ag->svc)->pings, 10);
	harness_stop(t);
}

static void test_watchdog_off_without_interval(void **state)
{
	struct t *t = start(0);

	(void)state;
	fake_loop_advance(t->l, 60000);
	assert_int_equal(fake_notify_count_matching("WATCHDOG"), 0);
	harness_stop(t);
}

static void test_reload_brackets(void **state)
{
	struct t *t = start(0);
	char want[64];
	int r;

	(void)state;
	fake_file_put("t.ini", ini, 0644);
	fake_loop_advance(t->l, 250);
	assert_int_equal(fake_loop_raise(t->l, LOOP_SIG_HUP), 0);
	harness_run(t);
	r = fake_notify_find("RELOADING=1", 0);
	assert_true(r > 0);
	snprintf(want, sizeof(want), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)(FAKE_CLOCK_START_MS + 250) * 1000);
	assert_string_equal(fake_notify_msg((unsigned int)r), want);
	assert_string_equal(fake_notify_msg((unsigned int)r + 1),
			    "READY=1\nSTATUS=0/2 controllers up, 1 sensors; down: a, b");

	/* a file with errors: refused, and the status says so */
	fake_file_put("t.ini", "[agent]\nname = \n", 0644);
	fake_loop_raise(t->l, LOOP_SIG_HUP);
	harness_run(t);
	r = fake_notify_find("RELOADING=1", (unsigned int)r + 1);
	assert_true(r > 0);
	assert_non_null(strstr(fake_notify_msg((unsigned int)r + 1),
			       "READY=1\nSTATUS=reload refused"));
	assert_true(fake_log_contains("keeping the running configuration"));
	harness_stop(t);
}

static void test_stopping_on_sigterm(void **state)
{
	struct t *t = start(0);
	int i;

	(void)state;
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	fake_loop_raise(t->l, LOOP_SIG_TERM);
	harness_run(t);
	i = fake_notify_find("STOPPING=1", 0);
	assert_true(i > 0);
	assert_int_equal((unsigned int)i, fake_notify_count() - 1);
	harness_stop(t);
}

static void test_failed_start_reports_errno(void **state)
{
	struct config *c;
	struct cfg_diag d;
	struct cli_opts o = { 0 };
	struct agent *ag = NULL;

	(void)state;
	fake_reset_all();
	fake_notify_reset();
	fake_notify_setup(true, 0, 0);
	assert_int_equal(config_load_text("t.ini", ini, &c, &d), 0);
	fake_sctp_fail_next(FAKE_SCTP_OPEN, -EPROTONOSUPPORT, 1);
	assert_int_equal(agent_create(c, &o, &ag), -EPROTONOSUPPORT);
	assert_int_equal(fake_notify_count(), 1);
	assert_string_equal(fake_notify_msg(0), "STATUS=cannot open the SCTP endpoint: "
			    "Protocol not supported\nERRNO=93");
	assert_false(fake_notify_is_open());
	config_free(c);
	fake_reset_all();
	fake_notify_reset();
}

/* A sensor that cannot be opened at start is retried with a backoff
 * (sampler.c): the agent is ready all the same, never a failed start. */
static void test_failed_sensor_still_ready(void **state)
{
	struct config *c;
	struct cfg_diag d;
	struct cli_opts o = { 0 };
	struct agent *ag = NULL;
	bool ready = false;

	(void)state;
	fake_reset_all();
	fake_notify_reset();
	fake_notify_setup(true, 0, 0);
	assert_int_equal(config_load_text("t.ini", "[agent]\nname = t1\n[controller.a]\n"
					  "address = 10.0.1.1\n[sensor.cpu]\ndriver = thermal\n"
					  "source = zone=0,root=/nonexistent\n", &c, &d), 0);
	assert_int_equal(agent_create(c, &o, &ag), 0);
	for (unsigned int i = 0; i < fake_notify_count(); i++) {
		assert_null(strstr(fake_notify_msg(i), "ERRNO="));
		ready |= strstr(fake_notify_msg(i), "READY=1") != NULL;
	}
	assert_true(ready);
	agent_destroy(ag);
	config_free(c);
	fake_reset_all();
	fake_notify_reset();
}

static void test_send_failures_counted_logged_once(void **state)
{
	struct t *t;

	(void)state;
	fake_notify_reset();
	fake_notify_setup(true, 2000000, 0);
	fake_notify_fail_next(-ECONNREFUSED, 5);
	t = harness_start(ini);			/* READY fails */
	fake_loop_advance(t->l, 4000);		/* 4 pings fail */
	assert_int_equal(svc_stats(t->ag->svc)->failed, 5);
	assert_int_equal(fake_log_count_matching("notification failed"), 1);
	fake_loop_advance(t->l, 1000);
	assert_int_equal(fake_notify_count(), 1);	/* the agent goes on */
	assert_string_equal(fake_notify_msg(0), "WATCHDOG=1");
	harness_stop(t);
}

static void test_bad_socket_name_runs_without(void **state)
{
	struct t *t;

	(void)state;
	fake_notify_reset();
	fake_notify_setup(true, 0, -EINVAL);
	t = harness_start(ini);
	assert_true(fake_log_contains("NOTIFY_SOCKET: Invalid argument"));
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 2);
	assert_int_equal(fake_notify_count(), 0);
	harness_stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_manager_no_messages),
		cmocka_unit_test(test_ready_with_status_after_start),
		cmocka_unit_test(test_status_follows_changes_rate_limited),
		cmocka_unit_test(test_watchdog_pings_at_half_interval),
		cmocka_unit_test(test_watchdog_off_without_interval),
		cmocka_unit_test(test_reload_brackets),
		cmocka_unit_test(test_stopping_on_sigterm),
		cmocka_unit_test(test_failed_start_reports_errno),
		cmocka_unit_test(test_failed_sensor_still_ready),
		cmocka_unit_test(test_send_failures_counted_logged_once),
		cmocka_unit_test(test_bad_socket_name_runs_without),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
