/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
/*
 * The reference controller (sctpctl) against the fake port: protocol v2 as
 * a controller must speak it. A v1 agent is refused (its association
 * alone aborted); messages that overtake their association's HELLO wait
 * for it; GAP and HELLO "low" are counted as lost, reported, and the
 * cumulative ACK moves over them; ACKs go per epoch, the current one
 * implicit, an older one named.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "agent/msg.h"
#include "tests/controller/ctl.h"
#include "tests/controller/track.h"
#include "tests/fake/fake.h"

#define S(lit) ((struct msg_str){ (lit), sizeof(lit) - 1 })

static FILE *out;		/* the controller's stdout */
static int saved_stdout;
static struct ctl_opts opts;
static struct ctl *c;
static struct ps_ep *ep;

static int setup(void **state)
{
	(void)state;
	fake_reset_all();
	fflush(stdout);
	saved_stdout = dup(STDOUT_FILENO);
	out = tmpfile();
	assert_non_null(out);
	dup2(fileno(out), STDOUT_FILENO);
	memset(&opts, 0, sizeof(opts));
	assert_int_equal(net_addr_parse("10.0.0.9", &opts.addrs[0]), 0);
	opts.n_addrs = 1;
	opts.port = 9910;
	opts.name = "ctl";
	opts.ack_ms = 200;
	opts.sack_freq = 1;
	assert_int_equal(ctl_create(&opts, &c), 0);
	ep = fake_sctp_last_ep();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ctl_destroy(c);
	fflush(stdout);
	dup2(saved_stdout, STDOUT_FILENO);
	close(saved_stdout);
	fclose(out);
	fake_reset_all();
	return 0;
}

static void run(void)
{
	for (int i = 0; i < 100 && loop_run_once(ctl_loop(c), 0) > 0; i++)
		;
	fflush(stdout);
}

/* Does the output so far contain @s? */
static bool said(const char *s)
{
	static char buf[65536];
	size_t n;

	fflush(stdout);
	rewind(out);
	n = fread(buf, 1, sizeof(buf) - 1, out);
	buf[n] = 0;
	fseek(out, 0, SEEK_END);
	return strstr(buf, s) != NULL;
}

static void data(ps_assoc_id id, uint16_t stream, const uint8_t *m, size_t len)
{
	fake_sctp_data(ep, id, stream, MSG_PPID, m, len);
}

static void hello(ps_assoc_id id, uint32_t epoch, const struct msg_low *low,
		  unsigned int n_low, uint8_t version)
{
	static const struct msg_stream_info si[] = { { 1, S("temp"), S("Cel") } };
	struct msg_hello h = { S("pi1"), S("9"), 2, 77, 1700000000000ull, si, 1,
			       epoch, low, n_low };
	uint8_t buf[512];
	size_t len;

	assert_int_equal(msg_encode_hello(buf, sizeof(buf), &h, &len), 0);
	buf[0] = version;		/* a v1 agent's header */
	data(id, 0, buf, len);
}

static void reading_of(ps_assoc_id id, uint32_t epoch, uint32_t seq, bool unsynced)
{
	struct msg_reading r = { { 0 }, S("temp"), S("Cel"), 21.5, 1700000000000ll,
				 unsynced };
	uint8_t buf[256];
	size_t len;

	assert_int_equal(msg_encode_readings(buf, sizeof(buf), epoch, seq, S("pi1:"),
					     &r, 1, &len), 0);
	data(id, 1, buf, len);
}

static void reading(ps_assoc_id id, uint32_t epoch, uint32_t seq)
{
	reading_of(id, epoch, seq, false);
}

static void gap(ps_assoc_id id, uint16_t stream, uint32_t first, uint32_t last)
{
	struct msg_gap g = { stream, first, last };
	uint8_t buf[64];
	size_t len;

	assert_int_equal(msg_encode_gap(buf, sizeof(buf), 0, &g, 1, &len), 0);
	data(id, 0, buf, len);
}

/* The ACKs the controller sent to @id since the log was cleared. */
static unsigned int acks_to(ps_assoc_id id, uint32_t *epochs, struct msg_ack *a,
			    unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake_sctp_nsent(ep) && n < max; i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(ep, i);
		const uint8_t *b;
		struct msg_hdr h;
		size_t bl;
		unsigned int k;

		if (m->assoc != id || msg_hdr_parse(m->buf, m->len, &h, &b, &bl, NULL) ||
		    h.type != MSG_ACK)
			continue;
		assert_int_equal(msg_decode_ack(b, bl, &a[n], 1, &k, NULL), 0);
		assert_int_equal(k, 1);
		epochs[n++] = h.epoch;
	}
	return n;
}

static void test_refuses_v1_agent(void **state)
{
	const struct fake_sctp_msg *m;

	(void)state;
	fake_sctp_comm_up(ep, 5);
	fake_sctp_comm_up(ep, 6);
	run();
	hello(5, 9, NULL, 0, 1);
	run();
	m = fake_sctp_last_send(ep);
	assert_non_null(m);
	assert_int_equal(m->assoc, 5);
	assert_true(m->si.flags & PS_SEND_ABORT);
	assert_int_equal(m->len, strlen("agent speaks protocol 1; this controller needs 2"));
	assert_memory_equal(m->buf, "agent speaks protocol 1; this controller needs 2", m->len);
	assert_int_equal(fake_sctp_assoc_state(ep, 6), FAKE_ASSOC_UP);	/* that one only */
	assert_int_equal(ctl_trk(c)->bad, 1);
	assert_false(said("\"event\":\"hello\""));
}

static void test_v2_gap_low_and_acks(void **state)
{
	struct msg_low low = { 7, 1, 9 };
	struct msg_ack a[8];
	uint32_t ep_of[8];
	unsigned int n;

	(void)state;
	fake_sctp_comm_up(ep, 5);
	run();
	reading(5, 0, 1);		/* overtook the HELLO: held for it */
	run();
	assert_false(said("\"seq\":1"));
	hello(5, 7, NULL, 0, 2);
	run();
	assert_true(said("\"event\":\"hello\""));
	assert_true(said("\"epoch\":7"));
	assert_true(said("\"stream\":1,\"seq\":1,"));
	/* 2..4 will never come: counted lost, the point moves on */
	gap(5, 1, 2, 4);
	reading(5, 0, 5);
	run();
	assert_true(said("{\"event\":\"gap\",\"agent\":\"pi1\",\"controller\":\"ctl\","
			 "\"assoc\":5,\"epoch\":7,\"stream\":1,\"first\":2,\"last\":4,"
			 "\"lost\":3,\"from\":\"gap\""));
	fake_sctp_clear_sent(ep);
	fake_loop_advance(ctl_loop(c), 200);
	n = acks_to(5, ep_of, a, 8);
	assert_int_equal(n, 1);
	assert_int_equal(ep_of[0], 0);			/* the current epoch: implicit */
	assert_int_equal(a[0].seq, 5);
	/* a reading of an older run, and its own ACK, naming that epoch */
	reading(5, 6, 1);
	run();
	assert_true(said("\"epoch\":6}"));
	fake_sctp_clear_sent(ep);
	fake_loop_advance(ctl_loop(c), 200);
	n = acks_to(5, ep_of, a, 8);
	assert_int_equal(n, 1);
	assert_int_equal(ep_of[0], 6);
	assert_int_equal(a[0].seq, 1);
	/* a new association whose HELLO says nothing below 9 will come */
	fake_sctp_comm_up(ep, 8);
	run();
	hello(8, 7, &low, 1, 2);
	run();
	assert_true(said("\"stream\":1,\"first\":6,\"last\":8,\"lost\":3,\"from\":\"hello\""));
	assert_int_equal(ctl_trk(c)->lost, 6);
	assert_int_equal(trk_total_gaps(ctl_trk(c)), 0);
	fake_sctp_clear_sent(ep);
	fake_loop_advance(ctl_loop(c), 200);
	n = acks_to(8, ep_of, a, 8);
	assert_true(n >= 1);
	assert_int_equal(ep_of[0], 0);
	assert_int_equal(a[0].seq, 8);
	ctl_summary(c);
	assert_true(said("\"gaps\":0,\"lost\":6,"));
	assert_false(said("unsync"));
	/* taken before the agent's clock was synchronized: shown as such */
	reading_of(8, 0, 9, true);
	run();
	assert_true(said("\"seq\":9,\"sensor\":\"temp\",\"value\":21.5,\"unit\":\"Cel\","
			 "\"time\":1700000000000,"));
	assert_true(said("\"unsync\":true}"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_refuses_v1_agent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_gap_low_and_acks, setup, teardown),
	};

	return cmocka_run_group_tests_name("ctl", tests, NULL, NULL);
}
