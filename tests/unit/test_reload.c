/* SPDX-License-Identifier: MIT */
/*
 * SIGHUP without disruption (agent/reload.c) on the fake port: each kind
 * of change applied to the running agent while the associations it does
 * not concern stay up untouched (no EOF, no new INIT): the log level, a
 * sensor's interval, path parameters on the live associations, a
 * controller's new address or port (only it re-associates, its readings
 * kept); sensors added, removed, changed or moved in the file (the
 * others' streams, seqs and instances untouched, no association made
 * again for a controller that does not take the new one); a controller
 * added (it connects, gets HELLO and what the outbox holds, the others
 * see nothing new); a controller whose streams, host names or sensors
 * changed (only it re-associates, HELLO lists its new streams, the
 * endpoint's INIT asks for more streams); no slot left; what cannot
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
#include "agent/cbor.h"
#include "agent/kconfig.h"
#include "agent/msg.h"
#include "agent/outbox.h"
#include "agent/sensor.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

#define AGENT "[agent]\nname = t1\n"
#define INFO "log_level = info\n"
#define PATHS "[path.eth]\ninterface = eth0\naddress = 10.0.0.2\nheartbeat_ms = 30000\n"
#define CTRL_A "[controller.a]\naddress = 10.0.1.1@eth\n"
#define CTRL_B "[controller.b]\naddress = 10.0.2.1@eth\n"
#define CTRL_C "[controller.c]\naddress = 10.0.3.1@eth\n"
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
	if (getenv("DUMP"))
		for (unsigned int i = 0; fake_log_line(i); i++)
			fprintf(stderr, "LOG %s\n", fake_log_line(i));
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
				      "0 removed, 0 back, 0 added; 0 changes wait"));
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

/* ---- controllers added, changed ------------------------------------------ */

static struct msg_hdr hdr_of(const struct fake_sctp_msg *m, const uint8_t **body, size_t *len)
{
	struct msg_hdr h;
	enum msg_err why;

	assert_int_equal(msg_hdr_parse(m->buf, m->len, &h, body, len, &why), 0);
	return h;
}

/* Messages of @type sent to association @id since the last clear. */
static unsigned int count_to(struct t *t, ps_assoc_id id, enum msg_type type)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		const uint8_t *b;
		size_t len;

		n += m->assoc == id && hdr_of(m, &b, &len).type == type;
	}
	return n;
}

/* The streams the first HELLO to @id lists (stream numbers in @st). */
static unsigned int hello_streams(struct t *t, ps_assoc_id id, uint16_t *st, unsigned int cap)
{
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		struct msg_stream_info si[8];
		struct msg_low low[8];
		struct msg_hello h;
		enum msg_err why;
		const uint8_t *b;
		size_t len;

		if (m->assoc != id || hdr_of(m, &b, &len).type != MSG_HELLO)
			continue;
		assert_int_equal(msg_decode_hello(b, len, &h, si, 8, low, 8, &why), 0);
		for (unsigned int k = 0; k < h.n_streams && k < cap; k++)
			st[k] = si[k].stream;
		return h.n_streams;
	}
	fail_msg("no HELLO to assoc %u", (unsigned int)id);
	return 0;
}

/* The first READINGS message to @id on @stream: its seq (0 = none). */
static uint32_t first_seq(struct t *t, ps_assoc_id id, uint16_t stream)
{
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);
		const uint8_t *b;
		size_t len;
		struct msg_hdr h;

		if (m->assoc != id || m->si.stream != stream)
			continue;
		h = hdr_of(m, &b, &len);
		if (h.type == MSG_READINGS)
			return h.seq;
	}
	return 0;
}

static void test_added_controller_joins_live(void **state)
{
	struct t *t = up();
	const struct fake_sctp_call *c;
	uint16_t st[8];
	struct msg_ack ack = { 1, 2 };
	uint8_t buf[64];
	size_t len;

	(void)state;
	fake_loop_advance(t->l, 300);		/* readings a and b have not acked */
	fake_sctp_clear_sent(t->ep);
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B CTRL_C TEMP HUM);
	assert_true(fake_log_contains("ctrl=c assoc=0 state=idle: added by the reload: connecting"));
	assert_true(fake_log_contains("0 back, 1 added; 0 changes wait"));
	assert_false(fake_log_contains("needs a restart"));
	assert_int_equal(t->ag->n_assoc, 3);
	assert_int_equal(t->ag->cfg->n_ctrls, 3);
	assert_int_equal(t->ag->ssrc.n_assocs, 3);	/* status sees it */
	assert_int_equal(t->ag->penv.n_assocs, 3);	/* and the fan-out */
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	assert_int_equal(c->addrs[0].a[2], 3);		/* 10.0.3.1 */
	untouched(t, 1, 3);
	untouched(t, 2, 3);
	fake_sctp_comm_up(t->ep, c->assoc);
	harness_run(t);
	/* HELLO first, listing what it takes, then what the outbox holds from
	 * seq 1 (where a controller new at start-up starts), then live ones */
	assert_int_equal(hdr_of(fake_sctp_sent(t->ep, 0), &(const uint8_t *){ 0 }, &len).type,
			 MSG_HELLO);
	assert_int_equal(fake_sctp_sent(t->ep, 0)->assoc, c->assoc);
	assert_int_equal(hello_streams(t, c->assoc, st, 8), 2);
	assert_int_equal(first_seq(t, c->assoc, 1), 1);
	fake_loop_advance(t->l, 300);
	assert_true(count_to(t, c->assoc, MSG_READINGS) >= 5);
	/* the others saw nothing new: no HELLO, still up, no connect */
	assert_int_equal(count_to(t, 1, MSG_HELLO), 0);
	assert_int_equal(count_to(t, 2, MSG_HELLO), 0);
	untouched(t, 1, 3);
	untouched(t, 2, 3);
	/* its ACKs move its own cursor in the outbox */
	assert_int_equal(msg_encode_ack(buf, sizeof(buf), 0, &ack, 1, &len), 0);
	fake_sctp_data(t->ep, c->assoc, 0, MSG_PPID, buf, len);
	harness_run(t);
	assert_int_equal(outbox_acked(t->ag->ob, 2, t->ag->epoch, 1), 2);
	assert_int_equal(outbox_acked(t->ag->ob, 0, t->ag->epoch, 1), 0);
	/* the local status socket lists it too (its reply grew for it) */
	{
		uint8_t *reply;
		size_t n;
		struct cbor_dec d;

		assert_int_equal(fake_ctl_request("status", &reply, &len), 0);
		cbor_dec_init(&d, reply, len);
		assert_int_equal(cbor_get_array(&d, &n), 0);
		assert_int_equal(n, 3);
		free(reply);
		assert_int_equal(fake_ctl_reply_max(), status_all_max_len(t->ag->cfg));
	}
	/* the same file again: nothing happens */
	fake_log_clear();
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B CTRL_C TEMP HUM);
	assert_true(fake_log_contains("0 controllers re-associated, 0 removed, 0 back, 0 added"));
	assert_int_equal(fake_sctp_assoc_state(t->ep, c->assoc), FAKE_ASSOC_UP);
	untouched(t, 1, 3);
	harness_stop(t);
}

/* b asks for more streams than the endpoint's INIT did: only b
 * re-associates, after the INIT asks for them; its readings are kept. */
static void test_changed_streams_alone_reassociate(void **state)
{
	struct t *t = up();
	const struct fake_sctp_call *c;
	struct assoc_stats st;

	(void)state;
	assert_int_equal(fake_sctp_config(t->ep)->out_streams, 3);
	fake_loop_advance(t->l, 300);
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.1@eth\nstreams = 20\n"
	    TEMP HUM);
	assert_true(fake_log_contains("ctrl=b assoc=2 state=up: reload changed its streams: "
				      "a new association"));
	assert_true(fake_log_contains("reload: new associations ask for 20 outbound streams (was 3)"));
	assert_false(fake_log_contains("needs a restart"));
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_OUT_STREAMS), 1);
	assert_int_equal(fake_sctp_config(t->ep)->out_streams, 20);
	assert_int_equal(t->ag->cfg->ctrls[1].streams, 20);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 2), FAKE_ASSOC_SHUTTING_DOWN);
	untouched(t, 1, 2);
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	harness_run(t);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 3);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_comm_up(t->ep, c->assoc);
	harness_run(t);
	assert_true(fake_log_contains("ctrl=b assoc=3 state=connecting: association up: 20 out"));
	assert_false(fake_log_contains("ALARM: peer granted"));
	assert_int_equal(count_to(t, c->assoc, MSG_HELLO), 1);
	assoc_get_stats(t->ag->assocs[1], &st);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(first_seq(t, c->assoc, 1), 1);	/* unacked: sent again */
	assert_int_equal(count_to(t, 1, MSG_HELLO), 0);
	untouched(t, 1, 3);
	/* fewer streams again: b re-associates, the INIT is not lowered */
	fake_log_clear();
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B TEMP HUM);
	assert_true(fake_log_contains("ctrl=b assoc=3 state=up: reload changed its streams"));
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_OUT_STREAMS), 1);
	untouched(t, 1, 3);
	harness_stop(t);
}

/* Which sensors b takes: `sensors = temp` -> `temp, hum`. Only b
 * re-associates and its HELLO lists the new stream; hum's readings then
 * reach it. */
static void test_changed_sensors_reassociate(void **state)
{
	static const char one[] = AGENT INFO PATHS CTRL_A CTRL_B "sensors = temp\n" TEMP HUM;
	struct t *t;
	const struct fake_sctp_call *c;
	uint16_t st[8];

	(void)state;
	log_set_level(LOG_INFO);
	t = harness_start(one);
	fake_sctp_comm_up(t->ep, 1);
	fake_sctp_comm_up(t->ep, 2);
	harness_run(t);
	assert_int_equal(hello_streams(t, 2, st, 8), 1);
	assert_int_equal(st[0], 1);
	assert_int_equal(t->ag->stream_ctrls[2], 1);	/* hum: a only */
	fake_log_clear();
	/* the same routes written otherwise: nothing happens */
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B TEMP
	    "[sensor.hum]\ndriver = simulated\nsource = counter\ninterval_ms = 500\ncontrollers = a\n");
	assert_true(fake_log_contains("0 controllers re-associated"));
	untouched(t, 2, 2);
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B "sensors = temp, hum\n" TEMP HUM);
	/* it takes stream 2 now: 3 streams instead of 2 */
	assert_true(fake_log_contains("ctrl=b assoc=2 state=up: reload changed its streams, "
				      "sensors: a new association"));
	assert_false(fake_log_contains("needs a restart"));
	assert_int_equal(t->ag->stream_ctrls[2], 3);	/* the outbox: hum for b too */
	assert_true((t->ag->cfg->sensors[1].ctrl_mask >> 1) & 1);
	untouched(t, 1, 2);
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	harness_run(t);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	assert_int_equal(c->assoc, 3);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_comm_up(t->ep, 3);
	harness_run(t);
	assert_int_equal(hello_streams(t, 3, st, 8), 2);
	assert_int_equal(st[1], 2);
	fake_loop_advance(t->l, 1000);
	assert_true(first_seq(t, 3, 2) > 0);		/* hum's readings reach b */
	assert_int_equal(count_to(t, 1, MSG_HELLO), 0);
	untouched(t, 1, 3);
	/* back to temp alone: b again, alone */
	fake_log_clear();
	hup(t, one);
	assert_true(fake_log_contains("ctrl=b assoc=3 state=up: reload changed its streams, sensors"));
	assert_int_equal(t->ag->stream_ctrls[2], 1);
	untouched(t, 1, 3);
	harness_stop(t);
}

/* b given by host name: a new name re-associates it (and only it) to
 * what the new name resolves to. */
static void test_changed_host_names_reassociate(void **state)
{
	static const struct net_addr b1 = { .family = NET_AF_INET4, .a = { 10, 0, 2, 1 } };
	static const struct net_addr b2 = { .family = NET_AF_INET4, .a = { 10, 0, 2, 7 } };
	struct t *t;
	const struct fake_sctp_call *c;

	(void)state;
	if (!IS_ENABLED(CONFIG_RESOLVE))
		skip();
	log_set_level(LOG_INFO);
	fake_resolve_set("b.test", 0, &b1, 1);
	fake_resolve_set("b2.test", 0, &b2, 1);
	t = harness_start(AGENT INFO PATHS CTRL_A "[controller.b]\naddress = b.test@eth\n" TEMP HUM);
	fake_resolve_set("b.test", 0, &b1, 1);	/* the start reset the fakes */
	fake_resolve_set("b2.test", 0, &b2, 1);
	harness_run(t);
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	fake_sctp_comm_up(t->ep, c->assoc);
	harness_run(t);
	assert_int_equal(fake_sctp_assoc_state(t->ep, c->assoc), FAKE_ASSOC_UP);
	fake_log_clear();
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = b2.test@eth\n" TEMP HUM);
	assert_true(fake_log_contains("reload changed its host names: a new association"));
	assert_int_equal(fake_sctp_assoc_state(t->ep, c->assoc), FAKE_ASSOC_SHUTTING_DOWN);
	fake_sctp_assoc_change(t->ep, c->assoc, PS_SHUTDOWN_COMP);
	harness_run(t);
	assert_int_equal(fake_resolve_queries("b2.test"), 1);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	assert_int_equal(c->addrs[0].a[3], 7);
	assert_int_equal(fake_sctp_assoc_state(t->ep, 1), FAKE_ASSOC_UP);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 3);
	/* the same name, more streams, the nameserver gone: b re-associates
	 * to the name's last addresses (the answers are kept) */
	fake_sctp_comm_up(t->ep, c->assoc);
	harness_run(t);
	fake_resolve_set("b2.test", -ETIMEDOUT, NULL, 0);
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = b2.test@eth\nstreams = 9\n"
	    TEMP HUM);
	assert_true(fake_log_contains("reload changed its streams: a new association"));
	fake_sctp_assoc_change(t->ep, c->assoc, PS_SHUTDOWN_COMP);
	harness_run(t);
	assert_int_equal(fake_resolve_queries("b2.test"), 2);
	assert_true(fake_log_contains("'b2.test' does not resolve: no answer in time "
				      "(resolve_timeout_ms); using its last addresses 10.0.2.7"));
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 4);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	assert_int_equal(c->addrs[0].a[3], 7);
	harness_stop(t);
}

/* Slots: a removed controller keeps its own (never reused within a run),
 * a new one takes the next; none left -> named as needing a restart,
 * everything else of the file still applied. A removed one back with the
 * same name takes its old slot. */
static void test_no_slot_left(void **state)
{
	struct t *t = up();
	char ini[2048];
	size_t n;

	(void)state;
	/* b removed: closed, its slot kept */
	hup(t, AGENT INFO PATHS CTRL_A TEMP HUM);
	assert_true(fake_log_contains("ctrl=b assoc=2 state=up: removed from the configuration"));
	fake_sctp_assoc_change(t->ep, 2, PS_SHUTDOWN_COMP);
	harness_run(t);
	/* fill every slot left: c.. after a and the removed b */
	n = (size_t)snprintf(ini, sizeof(ini), "%s", AGENT INFO PATHS CTRL_A);
	for (unsigned int i = 2; i < CONFIG_MAX_CONTROLLERS + 1; i++)
		n += (size_t)snprintf(ini + n, sizeof(ini) - n,
				      "[controller.c%u]\naddress = 10.0.%u.1@eth\n", i, 10 + i);
	n += (size_t)snprintf(ini + n, sizeof(ini) - n, "%s", TEMP HUM);
	fake_log_clear();
	hup(t, ini);
	assert_int_equal(t->ag->n_assoc, CONFIG_MAX_CONTROLLERS);
	assert_true(fake_log_contains("reload: needs a restart to take effect (running as before): "
				      "new [controller.c8]: no controller slot left"));
	assert_int_equal(config_ctrl_index(t->ag->cfg, "c2"), 2);	/* b's slot not reused */
	assert_int_equal(config_ctrl_index(t->ag->cfg, "c8"), -ENOENT);
	assert_true(assoc_removed(t->ag->assocs[1]));
	untouched(t, 1, 1 + 1 + CONFIG_MAX_CONTROLLERS - 2);
	/* b back with its name: its own slot, connected again */
	fake_log_clear();
	hup(t, AGENT INFO PATHS CTRL_A CTRL_B TEMP HUM);
	assert_true(fake_log_contains("ctrl=b assoc=0 state=closed: back in the configuration"));
	assert_int_equal(config_ctrl_index(t->ag->cfg, "b"), 1);
	assert_true(fake_log_contains("0 back, 0 added") == false);
	assert_true(fake_log_contains("1 back, 0 added"));
	harness_stop(t);
}

/* The endpoint's UDP encapsulation table is made at its open: a new
 * controller (or a new address of one) over UDP it lacks is named as
 * needing a restart and changes nothing; one the table has joins. */
static void test_udp_address_not_in_the_table(void **state)
{
	struct t *t;

	(void)state;
	log_set_level(LOG_INFO);
	t = harness_start(AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.1@eth udp=9899\n"
			  TEMP HUM);
	fake_sctp_comm_up(t->ep, 1);
	fake_sctp_comm_up(t->ep, 2);
	harness_run(t);
	fake_log_clear();
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.1@eth udp=9899\n"
	    "[controller.c]\naddress = 10.0.3.1@eth udp=9899\n" TEMP HUM);
	assert_true(fake_log_contains("new [controller.c]: an address over UDP (udp=PORT or its "
				      "path's udp_port) the endpoint was not opened with"));
	assert_int_equal(t->ag->n_assoc, 2);
	untouched(t, 1, 2);
	untouched(t, 2, 2);
	/* b moves to another port over UDP: named, b stays where it is */
	fake_log_clear();
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.1@eth udp=9900\n" TEMP HUM);
	assert_true(fake_log_contains("[controller.b] an address over UDP"));
	assert_int_equal(t->ag->cfg->ctrls[1].addr_udp[0], 9899);
	untouched(t, 2, 2);
	/* c on b's address and port over UDP is in the table: it joins */
	fake_log_clear();
	hup(t, AGENT INFO PATHS CTRL_A "[controller.b]\naddress = 10.0.2.1@eth udp=9899\n"
	    "[controller.c]\naddress = 10.0.2.1@eth udp=9899\nport = 9911\n" TEMP HUM);
	assert_true(fake_log_contains("ctrl=c assoc=0 state=idle: added by the reload"));
	assert_false(fake_log_contains("connect failed"));
	assert_int_equal(fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->addrs[0].port, 9911);
	untouched(t, 2, 3);
	harness_stop(t);
}

/* ---- sensors ---------------------------------------------------------- */

/* a takes every sensor (streams given: only its sensors change), b only
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

/* Controller @id's association re-associates (the sensors it takes
 * changed): its graceful close completes, the new one comes up. Returns
 * the new association's id. */
static ps_assoc_id reassociate(struct t *t, ps_assoc_id id)
{
	ps_assoc_id nid;

	assert_int_equal(fake_sctp_assoc_state(t->ep, id), FAKE_ASSOC_SHUTTING_DOWN);
	fake_sctp_assoc_change(t->ep, id, PS_SHUTDOWN_COMP);
	harness_run(t);
	nid = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc;
	assert_true(nid != id);
	fake_sctp_comm_up(t->ep, nid);
	harness_run(t);
	return nid;
}

static unsigned int stream_of(struct t *t, const char *name)
{
	int i = config_sensor_index(t->ag->cfg, name);

	assert_true(i >= 0);
	return t->ag->cfg->sensors[i].stream;
}

/* A new sensor reads on a new stream, to the controllers that take it
 * (a re-associates: its HELLO lists the new stream); the others'
 * streams, seqs and instances stay; b, which does not take it, keeps its
 * association. */
static void test_sensor_added(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP TEMP HUM);
	struct sampler_stats before, after;
	struct seen s1, s1b, s3;
	ps_assoc_id a2;
	uint16_t st[8];

	(void)state;
	fake_loop_advance(t->l, 1000);
	s1 = seen_on(t, 2, 1);
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
	fake_sctp_clear_sent(t->ep);
	a2 = reassociate(t, 1);
	assert_int_equal(hello_streams(t, a2, st, 8), 3);
	assert_int_equal(st[2], 3);
	fake_loop_advance(t->l, 1000);
	s3 = seen_on(t, a2, 3);
	assert_true(s3.msgs >= 9);
	assert_string_equal(s3.name, "new");
	assert_int_equal(seen_on(t, 2, 3).msgs, 0);	/* b does not take it */
	untouched(t, 2, 3);
	/* temp went on: same stream, the next seqs, the same instance */
	s1b = seen_on(t, 2, 1);
	assert_true(s1b.msgs >= 9);
	assert_string_equal(s1b.name, "temp");
	sampler_get_stats(t->ag->sampler, 0, &after);
	assert_true(after.reads >= before.reads + 9);
	/* the status shows it, the outbox knows who takes it */
	assert_true(t->ag->last[2].have);
	assert_int_equal(t->ag->stream_ctrls[3], 1);
	harness_stop(t);
}

/* A removed sensor: its partial bundle goes out first, then it reads no
 * more; temp is untouched. */
static void test_sensor_removed(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP TEMP HUM10);
	struct seen s2, s1;
	ps_assoc_id a2;

	(void)state;
	fake_loop_advance(t->l, 350);		/* hum: 3 readings waiting */
	assert_int_equal(seen_on(t, 1, 2).msgs, 0);
	s1 = seen_on(t, 2, 1);
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP TEMP);
	assert_true(fake_log_contains("reload: [sensor.hum] removed: its readings stop (stream 2)"));
	/* out before a's association closes (its HELLO listed hum) */
	s2 = seen_on(t, 1, 2);
	assert_int_equal(s2.msgs, 1);
	assert_int_equal(s2.records, 3);
	assert_string_equal(s2.name, "hum");
	assert_int_equal(t->ag->cfg->n_sensors, 1);
	assert_int_equal(sampler_status(t->ag->sampler, 1, &(struct sampler_status){ 0 }),
			 -EINVAL);
	untouched(t, 2, 2);			/* b never took hum */
	a2 = reassociate(t, 1);
	fake_loop_advance(t->l, 2000);
	/* no more hum: at most what a had not acknowledged, again */
	assert_true(seen_on(t, a2, 2).last_seq <= s2.last_seq);
	assert_true(seen_on(t, 2, 1).msgs >= s1.msgs + 19);
	assert_int_equal(seen_on(t, 2, 2).msgs, 0);
	/* its outbox records still wait for a */
	assert_int_equal(t->ag->stream_ctrls[2], 1);
	/* a new one later does not take its stream */
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP TEMP NEW);
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
	ps_assoc_id a2;

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
	a2 = reassociate(t, 1);			/* a takes new: its HELLO */
	fake_loop_advance(t->l, 1000);
	assert_string_equal(seen_on(t, 2, 1).name, "temp");
	assert_int_equal(seen_on(t, 2, 3).msgs, 0);
	assert_string_equal(seen_on(t, a2, 3).name, "new");
	/* the seqs on a stream never went back */
	(void)seen_on(t, a2, 1);
	(void)seen_on(t, a2, 2);
	untouched(t, 2, 3);
	harness_stop(t);
}

/* A kept sensor's partial bundle stays with it across an insert before
 * it (its readings' names follow it into its new config slot). */
static void test_partial_bundle_kept_across_insert(void **state)
{
	struct t *t = up_with(AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP TEMP HUM10);
	struct seen s2;
	ps_assoc_id a2;

	(void)state;
	fake_loop_advance(t->l, 350);		/* hum: 3 readings waiting */
	hup(t, AGENT INFO PATHS CTRL_A8 CTRL_B_TEMP NEW TEMP HUM10);
	assert_int_equal(seen_on(t, 1, 2).msgs, 0);	/* not flushed */
	a2 = reassociate(t, 1);
	fake_loop_advance(t->l, 700);		/* the 10th */
	s2 = seen_on(t, a2, 2);
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
	ps_assoc_id a2;

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
	/* both controllers' HELLO lists change: they re-associate */
	a2 = reassociate(t, 1);
	(void)reassociate(t, 2);
	fake_loop_advance(t->l, 1000);
	/* seen_on() asserts seq + 1 from message to message on a stream */
	assert_true(seen_on(t, a2, 2).last_seq >= s2.last_seq + 9);
	assert_string_equal(seen_on(t, a2, 2).name, "temp");
	assert_true(seen_on(t, a2, 1).last_seq >= s1.last_seq + 2);
	assert_string_equal(seen_on(t, a2, 1).name, "hum");
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
		cmocka_unit_test(test_added_controller_joins_live),
		cmocka_unit_test(test_changed_streams_alone_reassociate),
		cmocka_unit_test(test_changed_sensors_reassociate),
		cmocka_unit_test(test_changed_host_names_reassociate),
		cmocka_unit_test(test_no_slot_left),
		cmocka_unit_test(test_udp_address_not_in_the_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
