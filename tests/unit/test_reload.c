/* SPDX-License-Identifier: MIT */
/*
 * SIGHUP without disruption (agent/reload.c) on the fake port: each kind
 * of change applied to the running agent while the associations it does
 * not concern stay up untouched (no EOF, no new INIT): the log level, a
 * sensor's interval, path parameters on the live associations, a
 * controller's new address or port (only it re-associates, its readings
 * kept); sensors added, removed, changed or moved in the file (the
 * others' streams, seqs and instances untouched, no association made
 * again for a controller that does not take the new one); what cannot
 * change live is named and left running; a file with an error is refused
 * whole (not even its good changes are applied).
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
	assert_true(fake_log_contains("1 agent keys, 0 paths, 1 sensor intervals, 0 sensors added, "
				      "0 removed, 0 restarted, 0 controllers re-associated, "
				      "0 removed, 0 back; 0 changes wait"));
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
	/* a new controller, b's streams: named, not applied */
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B "[controller.c]\naddress = 10.0.3.1\n" TEMP HUM);
	assert_true(fake_log_contains("reload: needs a restart to take effect (running as before): "
				      "new [controller.c]"));
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.1@eth\nstreams = 20\n" TEMP HUM);
	assert_true(fake_log_contains("(running as before): [controller.b] streams, sensors or host names"));
	assert_int_equal(t->ag->cfg->ctrls[1].streams, 3);
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	/* a path's address, [agent] name */
	fake_log_clear();
	hup(t, "[agent]\nname = t2\n" INFO
	    "[path.eth]\ninterface = eth0\naddress = 10.0.0.3\nheartbeat_ms = 30000\n"
	    CTRL_A CTRL_B TEMP HUM);
	assert_true(fake_log_contains("[agent] (name, port"));
	assert_true(fake_log_contains("[path.eth] interface, address or udp_port"));
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

/* ---- sensors ---------------------------------------------------------- */

/* a takes every sensor (with room for more streams: on this branch
 * alone a controller is not made again for a new streams count), b only
 * temp */
#define CTRL_A8 "[controller.a]\naddress = 10.0.1.1@eth\nstreams = 8\n"
#define CTRL_B_TEMP "[controller.b]\naddress = 10.0.2.1@eth\nsensors = temp\n"
#define HUM10 "[sensor.hum]\ndriver = simulated\nsource = counter:start=500\n" \
	"interval_ms = 100\nbundle_count = 10\n"
#define NEW "[sensor.new]\ndriver = simulated\nsource = counter:start=900\ninterval_ms = 100\n"

static struct t *up_with(const char *ini)
{
	struct t *t;

	log_set_level(LOG_INFO);
	t = harness_start(ini);
	fake_sctp_comm_up(t->ep, 1);
	fake_sctp_comm_up(t->ep, 2);
	harness_run(t);
	fake_log_clear();
	return t;
}

/* The READINGS messages sent to @assoc on @stream since the log was
 * cleared: how many, the last seq, the first record's name, the records
 * of the last one. */
struct seen {
	unsigned int msgs, records;
	uint32_t last_seq;
	char name[CFG_NAME_MAX];
};

static struct seen seen_on(struct t *t, ps_assoc_id assoc, uint16_t stream)
{
	struct seen sn = { 0 };

	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		struct msg_reading r[MSG_MAX_ITEMS];
		const uint8_t *body;
		enum msg_err why;
		struct msg_hdr h;
		unsigned int n;
		size_t len;

		if (m->assoc != assoc || m->si.stream != stream ||
		    msg_hdr_parse(m->buf, m->len, &h, &body, &len, &why) ||
		    h.type != MSG_READINGS)
			continue;
		assert_int_equal(msg_decode_readings(body, len, r, MSG_MAX_ITEMS, &n, &why), 0);
		/* a seq never goes back on a stream */
		assert_true(!sn.msgs || h.seq == sn.last_seq + 1);
		sn.msgs++;
		sn.records = n;
		sn.last_seq = h.seq;
		snprintf(sn.name, sizeof(sn.name), "%.*s", (int)r[0].name.len, r[0].name.p);
	}
	return sn;
}

static unsigned int stream_of(struct t *t, const char *name)
{
	int i = config_sensor_index(t->ag->cfg, name);

	assert_true(i >= 0);
	return t->ag->cfg->sensors[i].stream;
}

/* A new sensor reads on a new stream, to the controllers that take it;
 * the others' streams, seqs and instances stay; b, which does not take
 * it, keeps its association. */
static void test_sensor_added(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP TEMP HUM);
	struct sampler_stats before, after;
	struct seen s1, s1b, s3;

	(void)state;
	fake_loop_advance(t->l, 1000);
	s1 = seen_on(t, 1, 1);
	assert_true(s1.msgs >= 9);
	sampler_get_stats(t->ag->sampler, 0, &before);
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP TEMP HUM NEW);
	assert_true(fake_log_contains("reload: [sensor.new] added: driver simulated on stream 3"));
	assert_true(fake_log_contains("0 sensor intervals, 1 sensors added, 0 removed, 0 restarted"));
	assert_int_equal(t->ag->cfg->n_sensors, 3);
	assert_int_equal(stream_of(t, "temp"), 1);
	assert_int_equal(stream_of(t, "hum"), 2);
	assert_int_equal(stream_of(t, "new"), 3);
	/* a's list is all; b's is temp alone */
	assert_int_equal(t->ag->cfg->sensors[2].ctrl_mask, 1);
	assert_true(t->ag->cfg->ctrls[0].all_sensors);
	assert_int_equal(t->ag->cfg->ctrls[1].sensor_mask, 1);
	untouched(t, 2, 2);
	fake_loop_advance(t->l, 1000);
	s3 = seen_on(t, 1, 3);
	assert_true(s3.msgs >= 9);
	assert_string_equal(s3.name, "new");
	assert_int_equal(seen_on(t, 2, 3).msgs, 0);	/* b does not take it */
	/* temp went on: same stream, the next seqs, the same instance */
	s1b = seen_on(t, 1, 1);
	assert_true(s1b.msgs >= s1.msgs + 9);
	assert_string_equal(s1b.name, "temp");
	sampler_get_stats(t->ag->sampler, 0, &after);
	assert_true(after.reads >= before.reads + 9);
	assert_int_equal(seen_on(t, 2, 1).msgs, s1b.msgs);
	/* the status shows it, the outbox knows who takes it */
	assert_true(t->ag->last[2].have);
	assert_int_equal(t->ag->stream_ctrls[3], 1);
	harness_stop(t);
}

/* A removed sensor: its partial bundle goes out first, then it reads no
 * more; temp is untouched. */
static void test_sensor_removed(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A8 CTRL_B TEMP HUM10);
	struct seen s2, s1;

	(void)state;
	fake_loop_advance(t->l, 350);		/* hum: 3 readings waiting */
	assert_int_equal(seen_on(t, 1, 2).msgs, 0);
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B TEMP);
	assert_true(fake_log_contains("reload: [sensor.hum] removed: its readings stop (stream 2)"));
	s2 = seen_on(t, 1, 2);
	assert_int_equal(s2.msgs, 1);
	assert_int_equal(s2.records, 3);
	assert_string_equal(s2.name, "hum");
	assert_int_equal(seen_on(t, 2, 2).msgs, 1);
	assert_int_equal(t->ag->cfg->n_sensors, 1);
	assert_int_equal(sampler_status(t->ag->sampler, 1, &(struct sampler_status){ 0 }),
			 -EINVAL);
	s1 = seen_on(t, 1, 1);
	fake_loop_advance(t->l, 2000);
	assert_int_equal(seen_on(t, 1, 2).msgs, 1);	/* no more */
	assert_true(seen_on(t, 1, 1).msgs >= s1.msgs + 19);
	/* its outbox records still wait for a and b */
	assert_int_equal(t->ag->stream_ctrls[2], 3);
	/* a new one later does not take its stream */
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B TEMP NEW);
	assert_int_equal(stream_of(t, "new"), 3);
	harness_stop(t);
}

/* A changed driver or source: restarted (a new instance), on the same
 * stream, its seqs going on. */
static void test_sensor_changed(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A CTRL_B TEMP HUM);
	struct sampler_stats st;
	struct seen s1;

	(void)state;
	fake_loop_advance(t->l, 1000);
	s1 = seen_on(t, 1, 1);
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B
	    "[sensor.temp]\ndriver = simulated\nsource = counter:start=100\ninterval_ms = 100\n"
	    HUM);
	assert_true(fake_log_contains("reload: [sensor.temp] source changed: restarted "
				      "(driver simulated) on stream 1"));
	assert_true(fake_log_contains("0 sensors added, 0 removed, 1 restarted"));
	assert_false(fake_log_contains("needs a restart"));
	sampler_get_stats(t->ag->sampler, 0, &st);
	assert_int_equal(st.reads, 0);			/* a new instance */
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	fake_loop_advance(t->l, 1000);
	assert_true(seen_on(t, 1, 1).msgs >= s1.msgs + 9);	/* seqs checked there */
	assert_int_equal(stream_of(t, "temp"), 1);
	harness_stop(t);
}

/* A sensor inserted before the others in the file: their streams, seqs,
 * instances and last values are theirs still, under their new index. */
static void test_sensor_inserted_before(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP TEMP HUM);
	struct status_reading temp_last;
	struct sampler_stats before, after;

	(void)state;
	fake_loop_advance(t->l, 1000);
	temp_last = t->ag->last[0];
	assert_true(temp_last.have);
	sampler_get_stats(t->ag->sampler, 0, &before);
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP NEW TEMP HUM);
	assert_int_equal(stream_of(t, "new"), 3);
	assert_int_equal(stream_of(t, "temp"), 1);
	assert_int_equal(stream_of(t, "hum"), 2);
	assert_int_equal(config_sensor_index(t->ag->cfg, "temp"), 1);
	assert_true(t->ag->last[1].value == temp_last.value);
	assert_false(t->ag->last[0].have);
	sampler_get_stats(t->ag->sampler, 1, &after);	/* temp's instance */
	assert_int_equal(after.reads, before.reads);
	/* b takes temp: now sensor 1 */
	assert_int_equal(t->ag->cfg->ctrls[1].sensor_mask, 2);
	assert_int_equal(t->ag->cfg->sensors[1].ctrl_mask, 3);
	untouched(t, 2, 2);
	fake_loop_advance(t->l, 1000);
	assert_string_equal(seen_on(t, 2, 1).name, "temp");
	assert_int_equal(seen_on(t, 2, 3).msgs, 0);
	assert_string_equal(seen_on(t, 1, 3).name, "new");
	/* the last seq on a stream never went back */
	(void)seen_on(t, 1, 1);
	(void)seen_on(t, 1, 2);
	harness_stop(t);
}

/* A kept sensor's partial bundle stays with it across an insert before
 * it (its readings' names follow it into its new config slot). */
static void test_partial_bundle_kept_across_insert(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A8 CTRL_B TEMP HUM10);
	struct seen s2;

	(void)state;
	fake_loop_advance(t->l, 350);		/* hum: 3 readings waiting */
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B NEW TEMP HUM10);
	assert_int_equal(seen_on(t, 1, 2).msgs, 0);	/* not flushed */
	fake_loop_advance(t->l, 700);		/* the 10th */
	s2 = seen_on(t, 1, 2);
	assert_int_equal(s2.msgs, 1);
	assert_int_equal(s2.records, 10);
	assert_string_equal(s2.name, "hum");	/* taken before the reload */
	harness_stop(t);
}

/* Two sensors swap their explicit streams: both restart, and each
 * stream's seqs go on from where they were (a controller deduplicates
 * by stream and seq: a seq must never come twice). */
static void test_streams_swapped_seqs_go_on(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A8 CTRL_B TEMP HUM);
	struct seen s1, s2;

	(void)state;
	fake_loop_advance(t->l, 1000);
	s1 = seen_on(t, 1, 1);
	s2 = seen_on(t, 1, 2);
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B
	    "[sensor.temp]\ndriver = simulated\nsource = counter\ninterval_ms = 100\nstream = 2\n"
	    "[sensor.hum]\ndriver = simulated\nsource = counter\ninterval_ms = 500\nstream = 1\n");
	assert_true(fake_log_contains("0 sensors added, 0 removed, 2 restarted"));
	assert_true(fake_log_contains("reload: [sensor.hum] stream changed: restarted "
				      "(driver simulated) on stream 1"));
	assert_int_equal(stream_of(t, "temp"), 2);
	fake_loop_advance(t->l, 1000);
	/* seen_on() asserts seq + 1 from message to message on a stream */
	assert_true(seen_on(t, 1, 2).last_seq >= s2.last_seq + 9);
	assert_string_equal(seen_on(t, 1, 2).name, "temp");
	assert_true(seen_on(t, 1, 1).last_seq >= s1.last_seq + 2);
	assert_string_equal(seen_on(t, 1, 1).name, "hum");
	harness_stop(t);
}

/* Sensors added: the STATUS replies (a controller's, the local socket's)
 * are sized for them, or the status of a grown agent would not fit. */
static void test_status_fits_added_sensors(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A CTRL_B TEMP HUM);
	char ini[16384] = AGENT INFO PATHS CTRL_A CTRL_B TEMP HUM, one[160];
	uint8_t *reply = NULL;
	size_t len = 0;
	bool found = false;

	(void)state;
	assert_non_null(fake_ctl_path());
	for (unsigned int i = 0; i < CONFIG_MAX_SENSORS - 2; i++) {
		/* DOWN, with the driver's reason in the status */
		snprintf(one, sizeof(one), "[sensor.a-rather-long-sensor-name-x%02u]\n"
			 "driver = hwmon\nsource = chip=no-such-chip-with-a-long-name-%02u,"
			 "input=temp1\ninterval_ms = 100\n", i, i);
		strcat(ini, one);
	}
	hup(t, ini);
	assert_int_equal(t->ag->cfg->n_sensors, CONFIG_MAX_SENSORS);
	fake_loop_advance(t->l, 200);
	assert_int_equal(fake_ctl_request("status", &reply, &len), 0);
	for (size_t i = 0; i + 29 <= len && !found; i++)
		found = !memcmp(reply + i, one + 8, 29);	/* the last one */
	assert_true(found);
	free(reply);
	assert_int_equal(t->ag->cenv.status_max, status_max_len(t->ag->cfg));
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
		cmocka_unit_test(test_sensor_added),
		cmocka_unit_test(test_sensor_removed),
		cmocka_unit_test(test_sensor_changed),
		cmocka_unit_test(test_sensor_inserted_before),
		cmocka_unit_test(test_partial_bundle_kept_across_insert),
		cmocka_unit_test(test_streams_swapped_seqs_go_on),
		cmocka_unit_test(test_status_fits_added_sensors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
