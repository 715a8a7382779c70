/* SPDX-License-Identifier: MIT */
/*
 * Controllers given by host name (agent/names.c + the connect hook in
 * assoc.c) on the fake port: the connect waits for the lookup, A and
 * AAAA with each name's @path, lookups again at every reconnect so a DNS
 * change moves the controller, NXDOMAIN / no data / timeout each logged
 * with the name and reason, the last addresses kept through a passing
 * failure, numeric controllers never looked up, a stop while a lookup
 * runs.
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
#include "agent/names.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

#define AG "[agent]\nname = t1\nreconnect_min_ms = 1000\nreconnect_max_ms = 8000\n" \
	"resolve_timeout_ms = 3000\n"
#define PATHS "[path.eth]\ninterface = eth0\naddress = 10.0.0.2\npriority = 10\n" \
	"[path.cell]\ninterface = wwan0\naddress = 10.9.0.2\npriority = 50\n"
#define SENSOR "[sensor.t]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 1000\n"

static struct net_addr ip(const char *s)
{
	struct net_addr a;

	assert_int_equal(net_addr_parse(s, &a), 0);
	return a;
}

static void answer(const char *name, const char *a1, const char *a2)
{
	struct net_addr a[2];
	unsigned int n = 0;

	if (a1)
		a[n++] = ip(a1);
	if (a2)
		a[n++] = ip(a2);
	fake_resolve_set(name, 0, a, n);
}

static unsigned int nconnects(struct t *t)
{
	return fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT);
}

static const struct fake_sctp_call *last_connect(struct t *t)
{
	return fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
}

static bool connect_has(const struct fake_sctp_call *c, const char *addr)
{
	struct net_addr a = ip(addr);

	for (unsigned int i = 0; i < c->n_addrs; i++)
		if (net_addr_same_host(&c->addrs[i], &a))
			return true;
	return false;
}

/* Lose association @id and let the reconnect timer fire. */
static void lose_and_reconnect(struct t *t, ps_assoc_id id)
{
	fake_sctp_comm_lost(t->ep, id);
	harness_run(t);
	fake_loop_advance(t->l, 1300);		/* 1 s +-20 % */
	harness_run(t);
}

static void test_connect_waits_for_lookup(void **state)
{
	struct t *t;
	const struct fake_sctp_call *c;

	(void)state;
	fake_resolve_reset();
	answer("ctl.test", "10.1.0.2", NULL);
	fake_resolve_set_delay(200);
	t = harness_start(AG PATHS "[controller.c1]\naddress = ctl.test@eth\nport = 9000\n"
			  SENSOR);
	assert_int_equal(fake_resolve_queries("ctl.test"), 1);
	assert_int_equal(nconnects(t), 0);		/* not before the answer */
	fake_loop_advance(t->l, 199);
	assert_int_equal(nconnects(t), 0);
	fake_loop_advance(t->l, 1);
	assert_int_equal(nconnects(t), 1);
	c = last_connect(t);
	assert_int_equal(c->n_addrs, 1);
	assert_true(connect_has(c, "10.1.0.2"));
	assert_int_equal(c->addrs[0].port, 9000);
	assert_true(fake_log_contains("ctrl=c1: 'ctl.test' is 10.1.0.2"));
	/* the association's view: the resolved address on the eth path */
	assert_int_equal(t->ag->assoc[0].cfg->n_addrs, 1);
	assert_int_equal(t->ag->assoc[0].cfg->addr_path[0], 0);
	/* IPv4-only endpoint: only A is asked for */
	assert_int_equal(fake_resolve_last_family("ctl.test"), RESOLVE_INET4);
	harness_stop(t);
}

static void test_a_and_aaaa_on_a_dual_stack_endpoint(void **state)
{
	struct t *t;
	const struct fake_sctp_call *c;

	(void)state;
	fake_resolve_reset();
	answer("ctl.test", "2001:db8::2", "10.1.0.2");
	t = harness_start(AG "[path.eth]\ninterface = eth0\n"	/* auto: any family */
			  "[controller.c1]\naddress = ctl.test\n" SENSOR);
	harness_run(t);
	assert_int_equal(fake_resolve_last_family("ctl.test"), RESOLVE_ANY);
	c = last_connect(t);
	assert_non_null(c);
	assert_int_equal(c->n_addrs, 2);
	assert_true(connect_has(c, "2001:db8::2"));
	assert_true(connect_has(c, "10.1.0.2"));
	assert_true(fake_log_contains("'ctl.test' is 2001:db8::2, 10.1.0.2"));
	harness_stop(t);
}

static void test_dns_change_moves_controller_on_reconnect(void **state)
{
	struct t *t;
	const struct fake_sctp_call *c;

	(void)state;
	fake_resolve_reset();
	answer("ctl.test", "10.1.0.2", NULL);
	t = harness_start(AG PATHS "[controller.c1]\naddress = ctl.test@eth\n" SENSOR);
	harness_run(t);
	c = last_connect(t);
	fake_sctp_comm_up(t->ep, c->assoc);
	harness_run(t);
	/* the controller moves; the running association is not touched */
	answer("ctl.test", "10.3.0.2", NULL);
	fake_loop_advance(t->l, 5000);
	assert_int_equal(fake_resolve_queries("ctl.test"), 1);
	/* lost: the reconnect looks the name up again and goes to the new one */
	lose_and_reconnect(t, c->assoc);
	assert_int_equal(fake_resolve_queries("ctl.test"), 2);
	assert_int_equal(nconnects(t), 2);
	c = last_connect(t);
	assert_int_equal(c->n_addrs, 1);
	assert_true(connect_has(c, "10.3.0.2"));
	assert_true(fake_log_contains("'ctl.test' moved: 10.3.0.2 (was 10.1.0.2)"));
	assert_int_equal(names_stats(t->ag->names)->moved, 1);
	harness_stop(t);
}

static void test_nxdomain_logged_retried_with_backoff(void **state)
{
	struct t *t;

	(void)state;
	fake_resolve_reset();		/* "nope.test" is unknown: NXDOMAIN */
	t = harness_start(AG PATHS "[controller.c1]\naddress = nope.test\n" SENSOR);
	harness_run(t);
	assert_int_equal(nconnects(t), 0);
	assert_true(fake_log_contains("ctrl=c1: 'nope.test' does not resolve: no such "
				      "host name (NXDOMAIN)"));
	assert_true(fake_log_contains("no address to connect to"));
	assert_true(fake_log_contains("reconnect in"));
	/* retried at the reconnect backoff: 1 s, 2 s, 4 s ... */
	fake_loop_advance(t->l, 1300);
	harness_run(t);
	assert_int_equal(fake_resolve_pending(), 0);
	assert_int_equal(names_stats(t->ag->names)->lookups, 2);
	fake_loop_advance(t->l, 2500);
	assert_int_equal(names_stats(t->ag->names)->lookups, 3);
	/* the name appears in DNS: the next attempt connects */
	answer("nope.test", "10.1.0.7", NULL);
	fake_loop_advance(t->l, 5000);
	harness_run(t);
	assert_int_equal(nconnects(t), 1);
	assert_true(connect_has(last_connect(t), "10.1.0.7"));
	harness_stop(t);
}

static void test_numeric_entries_survive_a_bad_name(void **state)
{
	struct t *t;
	const struct fake_sctp_call *c;

	(void)state;
	fake_resolve_reset();
	t = harness_start(AG PATHS "[controller.c1]\naddress = nope.test@eth, 10.9.1.1@cell\n"
			  SENSOR);
	harness_run(t);
	assert_true(fake_log_contains("'nope.test' does not resolve"));
	c = last_connect(t);
	assert_non_null(c);
	assert_int_equal(c->n_addrs, 1);
	assert_true(connect_has(c, "10.9.1.1"));
	assert_int_equal(t->ag->assoc[0].cfg->addr_path[0], 1);	/* @cell kept */
	harness_stop(t);
}

static void test_no_data_of_the_family(void **state)
{
	struct t *t;

	(void)state;
	fake_resolve_reset();
	answer("v6only.test", "2001:db8::9", NULL);
	t = harness_start(AG PATHS "[controller.c1]\naddress = v6only.test\n" SENSOR);
	harness_run(t);
	assert_int_equal(nconnects(t), 0);
	assert_true(fake_log_contains("'v6only.test' does not resolve: the name has no "
				      "address of a usable family"));
	harness_stop(t);
}

static void test_timeout_keeps_last_addresses(void **state)
{
	struct t *t;
	const struct fake_sctp_call *c;

	(void)state;
	fake_resolve_reset();
	answer("ctl.test", "10.1.0.2", NULL);
	t = harness_start(AG PATHS "[controller.c1]\naddress = ctl.test\n" SENSOR);
	harness_run(t);
	c = last_connect(t);
	fake_sctp_comm_up(t->ep, c->assoc);
	harness_run(t);
	/* the nameserver goes silent: the lookup is bounded by
	 * resolve_timeout_ms, then the last addresses are used */
	fake_resolve_hang("ctl.test");
	fake_sctp_comm_lost(t->ep, c->assoc);
	harness_run(t);
	fake_loop_advance(t->l, 1300);
	assert_int_equal(fake_resolve_pending(), 1);
	assert_int_equal(nconnects(t), 1);
	fake_loop_advance(t->l, 3000);
	assert_int_equal(fake_resolve_pending(), 0);
	assert_int_equal(nconnects(t), 2);
	assert_true(connect_has(last_connect(t), "10.1.0.2"));
	assert_true(fake_log_contains("'ctl.test' does not resolve: no answer in time "
				      "(resolve_timeout_ms); using its last addresses 10.1.0.2"));
	assert_int_equal(names_stats(t->ag->names)->kept, 1);
	/* NXDOMAIN is not passing: the old address is dropped */
	fake_resolve_set("ctl.test", -ENOENT, NULL, 0);
	lose_and_reconnect(t, last_connect(t)->assoc);
	assert_int_equal(nconnects(t), 2);
	harness_stop(t);
}

static void test_numeric_controllers_never_looked_up(void **state)
{
	struct t *t;

	(void)state;
	fake_resolve_reset();
	t = harness_start(AG PATHS "[controller.c1]\naddress = 10.1.0.2\n"
			  "[controller.c2]\naddress = ctl.test\n" SENSOR);
	/* c1 connects inside agent_create, c2 waits for its name */
	assert_int_equal(nconnects(t), 1);
	assert_int_equal(fake_resolve_pending(), 1);
	assert_ptr_equal(names_view(t->ag->names, 0), &t->ag->cfg->ctrls[0]);
	lose_and_reconnect(t, 1);
	assert_int_equal(fake_resolve_queries("10.1.0.2"), 0);
	harness_stop(t);
}

static void test_more_addresses_than_the_limit(void **state)
{
	struct net_addr a[6];
	struct t *t;
	char s[32];

	(void)state;
	fake_resolve_reset();
	for (int i = 0; i < 6; i++) {
		snprintf(s, sizeof(s), "10.1.0.%d", i + 1);
		a[i] = ip(s);
	}
	fake_resolve_set("many.test", 0, a, 6);
	t = harness_start(AG PATHS "[controller.c1]\naddress = 10.1.0.3, many.test\n" SENSOR);
	harness_run(t);
	/* 10.1.0.3 once, then the name's first ones up to the limit */
	assert_int_equal(last_connect(t)->n_addrs, CONFIG_MAX_CTRL_ADDRS);
	assert_true(connect_has(last_connect(t), "10.1.0.3"));
	assert_true(fake_log_contains("more addresses than CONFIG_MAX_CTRL_ADDRS"));
	harness_stop(t);
}

static void test_stop_while_looking_up(void **state)
{
	struct t *t;

	(void)state;
	fake_resolve_reset();
	answer("ctl.test", "10.1.0.2", NULL);
	fake_resolve_set_delay(1000);
	t = harness_start(AG PATHS "[controller.c1]\naddress = ctl.test\n" SENSOR);
	fake_loop_raise(t->l, LOOP_SIG_TERM);
	harness_run(t);
	fake_loop_advance(t->l, 1000);
	assert_int_equal(nconnects(t), 0);	/* no INIT after the stop */
	harness_stop(t);
}

static void test_destroy_drops_pending_lookups(void **state)
{
	struct t *t;

	(void)state;
	fake_resolve_reset();
	fake_resolve_hang("ctl.test");
	t = harness_start(AG PATHS "[controller.c1]\naddress = ctl.test\n"
			  "[controller.c2]\naddress = ctl.test, other.test\n" SENSOR);
	assert_int_equal(fake_resolve_pending(), 3);
	agent_destroy(t->ag);			/* frees them: ASan sees no leak */
	t->ag = NULL;
	assert_int_equal(fake_resolve_pending(), 0);
	config_free(t->cfg);
	free(t);
	fake_reset_all();
	fake_resolve_reset();
}

static void test_lookup_that_cannot_start(void **state)
{
	struct t *t;

	(void)state;
	fake_resolve_reset();
	answer("ctl.test", "10.1.0.2", NULL);
	fake_resolve_fail_start(-EMFILE);
	t = harness_start(AG PATHS "[controller.c1]\naddress = ctl.test\n" SENSOR);
	harness_run(t);
	assert_true(fake_log_contains("'ctl.test' does not resolve: "));
	assert_int_equal(nconnects(t), 0);
	fake_loop_advance(t->l, 1300);		/* the reconnect tries again */
	harness_run(t);
	assert_int_equal(nconnects(t), 1);
	harness_stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_connect_waits_for_lookup),
		cmocka_unit_test(test_a_and_aaaa_on_a_dual_stack_endpoint),
		cmocka_unit_test(test_dns_change_moves_controller_on_reconnect),
		cmocka_unit_test(test_nxdomain_logged_retried_with_backoff),
		cmocka_unit_test(test_numeric_entries_survive_a_bad_name),
		cmocka_unit_test(test_no_data_of_the_family),
		cmocka_unit_test(test_timeout_keeps_last_addresses),
		cmocka_unit_test(test_numeric_controllers_never_looked_up),
		cmocka_unit_test(test_more_addresses_than_the_limit),
		cmocka_unit_test(test_stop_while_looking_up),
		cmocka_unit_test(test_destroy_drops_pending_lookups),
		cmocka_unit_test(test_lookup_that_cannot_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
