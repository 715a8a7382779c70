/* SPDX-License-Identifier: MIT */
/*
 * SIGHUP without disruption (agent/reload.c) on the fake port: each kind
 * of change applied to the running agent while the associations it does
 * not concern stay up untouched (no EOF, no new INIT): the log level, a
 * sensor's interval, path parameters on the live associations, a
 * controller's new address or port (only it re-associates, its readings
 * kept); what cannot change live is named and left running; a file with
 * an error is refused whole (not even its good changes are applied).
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
#include "agent/sensor.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

#define AGENT "[agent]\nname = t1\n"
#define INFO "log_level = info\n"
#define PATHS "[path.eth]\ninterface = eth0\naddress = 10.0.0.2\nheartbeat_ms = 30000\n"
#define CTRL_A "[controller.a]\naddress = 10.0.1.1@eth\n"
#define CTRL_B "[controller.b]\naddress = 10.0.2.1@eth\n"
#define TEMP "[sensor.temp]\ndriver = simulated\nsource = counter\ninterval_ms = 100\n"
#define HUM "[sensor.hum]\ndriver = simulated\nsource = counter\ninterval_ms = 500\n"

static const char base[] = AGENT INFO PATHS CTRL_A CTRL_B TEMP HUM;

static struct t *up(void)
{
	struct t *t;

	log_set_level(LOG_INFO);	/* the level is global: as main() sets it */
	t = harness_start(base);

	fake_sctp_comm_up(t->ep, 1);
	fake_sctp_comm_up(t->ep, 2);
	harness_run(t);
	fake_log_clear();
	return t;
}

static void hup(struct t *t, const char *ini)
{
	fake_file_put("t.ini", ini, 0644);
	assert_int_equal(fake_loop_raise(t->l, LOOP_SIG_HUP), 0);
	harness_run(t);
}

/* Nothing happened to association @id: still up, no EOF sent to it. */
static void untouched(struct t *t, ps_assoc_id id, unsigned int connects)
{
	assert_int_equal(fake_sctp_assoc_state(t->ep, id), FAKE_ASSOC_UP);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), connects);
}

static void test_log_level_and_interval(void **state)
{
	struct t *t = up();

	(void)state;
	assert_int_equal(log_level_of(LOGM_MAIN), LOG_INFO);
	hup(t, AGENT "log_level = debug\n" PATHS CTRL_A CTRL_B
	    "[sensor.temp]\ndriver = simulated\nsource = counter\ninterval_ms = 250\n" HUM);
	assert_int_equal(log_level_of(LOGM_MAIN), LOG_DEBUG);
	assert_int_equal(sampler_interval(t->ag->sampler, 0), 250);
	assert_int_equal(sampler_interval(t->ag->sampler, 1), 500);
	assert_true(fake_log_contains("reload: [sensor.temp] every 250 ms"));
	assert_true(fake_log_contains("1 agent keys, 0 paths, 1 sensor intervals, 0 controllers "
				      "re-associated, 0 removed, 0 back; 0 changes wait"));
	assert_false(fake_log_contains("needs a restart"));
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	/* the new interval is what the sampler keeps: 4 readings a second */
	{
		struct sampler_stats a, b;

		sampler_get_stats(t->ag->sampler, 0, &a);
		fake_loop_advance(t->l, 1000);
		sampler_get_stats(t->ag->sampler, 0, &b);
		assert_int_equal(b.reads - a.reads, 4);
	}
	harness_stop(t);
}

static void test_path_parameters_on_live_associations(void **state)
{
	struct t *t = up();
	unsigned int before;
	const struct fake_sctp_call *c;
	bool hb = false;

	(void)state;
	before = fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PATH_PARAMS);
	hup(t, AGENT INFO "[path.eth]\ninterface = eth0\naddress = 10.0.0.2\nheartbeat_ms = 5000\n"
	    "path_max_retrans = 3\n" CTRL_A CTRL_B TEMP HUM);
	assert_true(fake_log_contains("reload: [path.eth] parameters applied to the live associations"));
	for (unsigned int i = before; i < fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PATH_PARAMS); i++) {
		c = fake_sctp_call(t->ep, FAKE_SCTP_SET_PATH_PARAMS, i);
		if (c->has_peer && c->assoc == 2 && c->params.hb_interval_ms == 5000 &&
		    c->params.path_max_retrans == 3)
			hb = true;
	}
	assert_true(hb);	/* b's live association got them */
	assert_int_equal(t->ag->cfg->paths[0].hb_interval_ms, 5000);
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	harness_stop(t);
}

static void test_moved_controller_alone_reassociates(void **state)
{
	struct t *t = up();
	const struct fake_sctp_call *c;
	struct assoc_stats st;
	static const struct net_addr moved = { .family = NET_AF_INET4, .a = { 10, 0, 2, 9 },
						.port = 9910 };

	(void)state;
	fake_loop_advance(t->l, 300);
	assert_true(assoc_bytes(t->ag->assocs[1]) > 0);	/* sent, not ACKed */
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.9\n" TEMP HUM);
	assert_true(fake_log_contains("ctrl=b assoc=2 state=up: reload changed its addresses"));
	assert_int_equal(fake_sctp_assoc_state(t->ep, 2), FAKE_ASSOC_SHUTTING_DOWN);
	untouched(t, 1, 2);
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	harness_run(t);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 3);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	assert_int_equal(c->n_addrs, 1);
	assert_memory_equal(c->addrs[0].a, moved.a, 4);
	assoc_get_stats(t->ag->assocs[1], &st);
	assert_int_equal(st.dropped, 0);	/* kept for the new association */
	assert_true(assoc_bytes(t->ag->assocs[1]) > 0);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 1), FAKE_ASSOC_UP);
	/* a new port alone moves it too */
	fake_sctp_comm_up(t->ep, c->assoc);
	harness_run(t);
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.9\nport = 9911\n" TEMP HUM);
	assert_int_equal(fake_sctp_assoc_state(t->ep, c->assoc), FAKE_ASSOC_SHUTTING_DOWN);
	untouched(t, 1, 3);
	harness_stop(t);
}

static void test_restart_needed_named(void **state)
{
	struct t *t = up();

	(void)state;
	/* a new sensor, a new controller, b's streams: all named, none applied */
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B "[controller.c]\naddress = 10.0.3.1\n" TEMP HUM
	    "[sensor.new]\ndriver = simulated\nsource = counter\n");
	assert_true(fake_log_contains("reload: needs a restart to take effect (running as before): "
				      "[sensor.*] added or removed, new [controller.c]"));
	assert_int_equal(t->ag->cfg->n_sensors, 2);
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.1@eth\nstreams = 20\n" TEMP HUM);
	assert_true(fake_log_contains("(running as before): [controller.b] streams, sensors or host names"));
	assert_int_equal(t->ag->cfg->ctrls[1].streams, 3);
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	/* a sensor's driver or stream, a path's address, [agent] name */
	fake_log_clear();
	hup(t, "[agent]\nname = t2\n" INFO
	    "[path.eth]\ninterface = eth0\naddress = 10.0.0.3\nheartbeat_ms = 30000\n"
	    CTRL_A CTRL_B "[sensor.temp]\ndriver = simulated\nsource = counter\n"
	    "interval_ms = 100\nstream = 7\n" HUM);
	assert_true(fake_log_contains("[agent] (name, port"));
	assert_true(fake_log_contains("[path.eth] interface, address or udp_port"));
	assert_true(fake_log_contains("[sensor.temp] driver, source, stream or delivery"));
	assert_string_equal(t->ag->cfg->agent.name, "t1");
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	harness_stop(t);
}

static void test_bad_file_refused_whole(void **state)
{
	struct t *t = up();

	(void)state;
	/* a good interval change and a bad key: nothing at all is applied */
	hup(t, AGENT "log_level = debug\n" PATHS CTRL_A CTRL_B
	    "[sensor.temp]\ndriver = simulated\nsource = counter\ninterval_ms = 250\n"
	    "[sensor.hum]\ndriver = simulated\nsource = counter\ninterval_ms = 5\n");
	assert_true(fake_log_contains("t.ini:"));
	assert_true(fake_log_contains("interval_ms"));
	assert_true(fake_log_contains("reload: t.ini has errors; keeping the running configuration"));
	assert_int_equal(sampler_interval(t->ag->sampler, 0), 100);
	assert_int_equal(log_level_of(LOGM_MAIN), LOG_INFO);
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	harness_stop(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_level_and_interval),
		cmocka_unit_test(test_path_parameters_on_live_associations),
		cmocka_unit_test(test_moved_controller_alone_reassociates),
		cmocka_unit_test(test_restart_needed_named),
		cmocka_unit_test(test_bad_file_refused_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
