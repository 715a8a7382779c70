/* SPDX-License-Identifier: MIT */
/*
 * tests/unit/test_ctl_dtls.c - the reference controller's DTLS server side
 * (tests/controller/dtls.c) on the fake port, against a DTLS client
 * session of the real engine driven by this test: the handshake deadline
 * (an agent that stalls before or in the middle of its handshake, or of a
 * renegotiation, is ABORTed once it runs out, never before), refusals and
 * handshakes in the summary, rekeys served or refused (no_renegotiation),
 * the agent's old-epoch records read mid-renegotiation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "agent/msg.h"
#include "port/dtls.h"
#include "tests/controller/dtls.h"
#include "tests/controller/track.h"
#include "tests/fake/fake.h"

#define PSK_HEX "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static struct {
	struct loop *l;
	struct ps_ep *ep;
	ps_assoc_id id;
	struct ctl_dtls_opts o;
	/* the agent: a client session; its records queue here */
	struct pd_conf *conf;
	struct pd_sess *s;
	uint8_t rec[32][2048];
	size_t len[32];
	unsigned int n;
	unsigned int cursor;		/* next controller message to read */
	unsigned int delivered;		/* decrypted messages handed to ctl */
	uint8_t psk[32];
} C;

static int cli_send(void *arg, const uint8_t *rec, size_t len)
{
	(void)arg;
	assert_true(C.n < 32 && len <= sizeof(C.rec[0]));
	memcpy(C.rec[C.n], rec, len);
	C.len[C.n++] = len;
	return 0;
}

static void deliver(void *arg, const struct ps_event *ev)
{
	(void)arg;
	assert_int_equal(ev->type, PS_EV_DATA);
	C.delivered++;
}

/* Every event the fake endpoint has queued, to the controller. */
static void ctl_run(void)
{
	struct ps_event ev;

	while (!ps_recv(C.ep, &ev))
		ctl_dtls_event(&ev);
}

/* The agent's queued records to the controller (stream 0, in order). */
static void to_ctl(void)
{
	for (unsigned int i = 0; i < C.n; i++)
		fake_sctp_data(C.ep, C.id, 0, MSG_PPID, C.rec[i], C.len[i]);
	C.n = 0;
	ctl_run();
}

/* The controller's records to the agent; 0 once its handshake is done. */
static int to_agent(void)
{
	int rc = -EAGAIN;

	while (C.cursor < fake_sctp_nsent(C.ep)) {
		const struct fake_sctp_msg *m = fake_sctp_sent(C.ep, C.cursor++);
		uint8_t out[PD_MAX_MSG];
		size_t n;

		if (!m->len || m->si.flags & (PS_SEND_ABORT | PS_SEND_EOF))
			continue;
		if (m->buf[0] == PD_REC_APP)
			rc = pd_read(C.s, m->buf, m->len, out, sizeof(out), &n);
		else
			rc = pd_handshake(C.s, m->buf, m->len);
	}
	return rc;
}

static void handshake(void)
{
	assert_int_equal(pd_handshake(C.s, NULL, 0), -EAGAIN);	/* ClientHello */
	for (int i = 0; i < 6 && !pd_open(C.s); i++) {
		to_ctl();
		(void)to_agent();
	}
	to_ctl();
	assert_true(pd_open(C.s));
}

static int setup_opts(bool no_reneg)
{
	struct ps_config pc = { .port = 9910, .listen = true, .out_streams = 4,
				.in_streams = 16 };
	struct pd_params p = { .role = PD_CLIENT, .mode = PD_PSK,
			       .psk_identity = (const uint8_t *)"pi-1", .psk_identity_len = 4,
			       .psk = C.psk, .psk_len = sizeof(C.psk),
			       .handshake_timeout_ms = 60000 };
	struct pd_io io = { .send = cli_send };
	struct net_addr a;
	char why[200];

	memset(&C, 0, sizeof(C));
	fake_reset_all();
	fake_file_put("/t/psk", "pi-1 " PSK_HEX "\n", 0600);
	for (unsigned int i = 0; i < sizeof(C.psk); i++)
		C.psk[i] = (uint8_t)(i % 16 * 0x11);
	C.o = (struct ctl_dtls_opts){ .psk_table = "/t/psk", .name = "c",
				      .hs_timeout_ms = 2000, .no_renegotiation = no_reneg };
	assert_int_equal(loop_create(&C.l), 0);
	assert_int_equal(ps_open(&pc, &C.ep), 0);
	assert_int_equal(ctl_dtls_init(C.ep, C.l, &C.o, deliver, NULL), 0);
	assert_int_equal(pd_conf_create(&p, &C.conf, why, sizeof(why)), 0);
	assert_int_equal(pd_sess_create(C.conf, &io, NULL, &C.s), 0);
	assert_int_equal(net_addr_parse("10.0.0.2", &a), 0);
	C.id = fake_sctp_accept(C.ep, &a, 1);
	fake_sctp_comm_up(C.ep, C.id);
	ctl_run();
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_opts(false);
}

static int setup_no_reneg(void **state)
{
	(void)state;
	return setup_opts(true);
}

static int teardown(void **state)
{
	(void)state;
	ctl_dtls_fini();
	pd_sess_destroy(C.s);
	pd_conf_destroy(C.conf);
	ps_close(C.ep);
	loop_destroy(C.l);
	fake_reset_all();
	return 0;
}

static const struct fake_sctp_msg *abort_msg(void)
{
	for (unsigned int i = fake_sctp_nsent(C.ep); i-- > 0;)
		if (fake_sctp_sent(C.ep, i)->si.flags & PS_SEND_ABORT)
			return fake_sctp_sent(C.ep, i);
	return NULL;
}

static bool abort_says(const char *what)
{
	const struct fake_sctp_msg *m = abort_msg();
	char r[300];

	if (!m)
		return false;
	snprintf(r, sizeof(r), "%.*s", (int)m->len, (const char *)m->buf);
	return strstr(r, what) != NULL;
}

/* The summary line's "dtls" member, as text. */
static const char *summary(void)
{
	static char line[512];
	struct jbuf b;

	jb_init(&b, line, sizeof(line));
	jb_obj(&b);
	ctl_dtls_summary(&b);
	jb_end(&b);
	assert_int_equal(jb_finish(&b), 0);
	return line;
}

/* ---- tests --------------------------------------------------------------- */

/* The agent sends its ClientHello, gets the server's flight and stalls. */
static void test_stall_mid_handshake_aborted(void **state)
{
	(void)state;
	assert_int_equal(pd_handshake(C.s, NULL, 0), -EAGAIN);	/* ClientHello */
	fake_loop_advance(C.l, 500);
	to_ctl();
	assert_true(fake_sctp_nsent(C.ep) >= 1);	/* ServerHello ... */
	assert_int_equal(fake_sctp_sent(C.ep, 0)->buf[0], PD_REC_HANDSHAKE);
	fake_loop_advance(C.l, 1499);			/* 1999 ms after COMM_UP */
	assert_null(abort_msg());
	fake_loop_advance(C.l, 1);
	assert_non_null(abort_msg());
	assert_true(abort_says("handshake not completed within 2000 ms"));
	assert_int_equal(fake_sctp_assoc_state(C.ep, C.id), FAKE_ASSOC_DOWN);
	assert_non_null(strstr(summary(), "\"handshakes\":0,\"rekeys\":0,\"refused\":1,"
			       "\"timeouts\":1"));
}

/* An association that never sends a ClientHello: mbedTLS runs no timer
 * while it waits for one; the deadline from COMM_UP still ends it. */
static void test_silent_agent_aborted(void **state)
{
	(void)state;
	fake_loop_advance(C.l, 2000);
	assert_true(abort_says("handshake not completed within 2000 ms"));
	assert_non_null(strstr(summary(), "\"timeouts\":1"));
}

/* A handshake that completes in time cancels the deadline. */
static void test_completed_handshake_not_aborted(void **state)
{
	(void)state;
	handshake();
	fake_loop_advance(C.l, 10000);
	assert_null(abort_msg());
	assert_non_null(strstr(summary(), "\"handshakes\":1,\"rekeys\":0,\"refused\":0,"
			       "\"timeouts\":0"));
}

/* The agent renegotiates; a reading it sent on the old epoch arrives
 * after its ClientHello (another stream): read, not dropped (mbedTLS
 * alone drops application data mid-handshake). The controller holds its
 * own sends meanwhile. Then a stalled renegotiation runs into the
 * deadline too. (A full handshake completes on the server first, so the
 * controller never meets records of the coming epoch.) */
static void test_rekey_served_old_epoch_read(void **state)
{
	uint8_t old_rec[2048], msg[16] = { 1, MSG_READINGS };
	size_t old_len;

	(void)state;
	handshake();
	assert_int_equal(pd_write(C.s, msg, sizeof(msg)), 0);	/* epoch 1 */
	old_len = C.len[--C.n];
	memcpy(old_rec, C.rec[C.n], old_len);
	assert_int_equal(pd_renegotiate(C.s), -EAGAIN);		/* ClientHello */
	to_ctl();
	fake_sctp_data(C.ep, C.id, 1, MSG_PPID, old_rec, old_len);
	ctl_run();
	assert_int_equal(C.delivered, 1);
	assert_int_equal(ctl_dtls_send(C.ep, &(struct ps_sndinfo){ .assoc = C.id },
				       msg, sizeof(msg)), -ENOTCONN);	/* holds */
	(void)to_agent();		/* the agent: CKE, CCS, Finished */
	to_ctl();
	assert_non_null(strstr(summary(), "\"handshakes\":1,\"rekeys\":1,\"refused\":0,"
			       "\"timeouts\":0,\"rekeys_refused\":0,\"old_epoch\":1"));
	assert_int_equal(to_agent(), 0);
	assert_true(pd_open(C.s));
	assert_int_equal(pd_rx_epoch(C.s), 2);
	/* a stalled renegotiation is aborted at its own deadline */
	assert_int_equal(pd_renegotiate(C.s), -EAGAIN);
	to_ctl();
	fake_loop_advance(C.l, 1999);
	assert_null(abort_msg());
	fake_loop_advance(C.l, 1);
	assert_true(abort_says("renegotiation not completed within 2000 ms"));
}

/* An agent that does not authenticate DATA is refused at COMM_UP (before
 * any deadline exists: this crashed on a NULL timer once), a plaintext
 * agent at its first message; both counted, the others untouched. */
static void test_refusals_before_handshake(void **state)
{
	static const uint8_t plain[] = { 1, MSG_HELLO, 0, 0, 0, 0, 0, 0, 0xa0 };
	struct net_addr a;
	ps_assoc_id id2;

	(void)state;
	assert_int_equal(net_addr_parse("10.0.0.3", &a), 0);
	id2 = fake_sctp_accept(C.ep, &a, 1);
	assert_int_equal(fake_sctp_set_peer_auth(C.ep, id2, NULL, 0), 0);
	fake_sctp_comm_up(C.ep, id2);
	ctl_run();
	assert_true(abort_says("does not authenticate DATA"));
	assert_int_equal(fake_sctp_assoc_state(C.ep, id2), FAKE_ASSOC_DOWN);
	fake_sctp_data(C.ep, C.id, 0, MSG_PPID, plain, sizeof(plain));
	ctl_run();
	assert_true(abort_says("speaks plaintext"));
	assert_non_null(strstr(summary(), "\"handshakes\":0,\"rekeys\":0,\"refused\":2,"
			       "\"timeouts\":0"));
	fake_loop_advance(C.l, 5000);		/* no deadline fires on them */
	assert_non_null(strstr(summary(), "\"refused\":2,\"timeouts\":0"));
}

/* The agent stops in the middle of a rekey (SHUTDOWN): our flight meets
 * -EPIPE. Not a refusal, no ABORT. */
static void test_rekey_cut_by_agent_shutdown(void **state)
{
	(void)state;
	handshake();
	assert_int_equal(pd_renegotiate(C.s), -EAGAIN);
	fake_sctp_fail_next(FAKE_SCTP_SEND, -EPIPE, 8);
	to_ctl();
	fake_sctp_fail_next(FAKE_SCTP_SEND, 0, 0);
	assert_null(abort_msg());
	assert_non_null(strstr(summary(), "\"refused\":0"));
	fake_loop_advance(C.l, 5000);		/* and no deadline either */
	assert_null(abort_msg());
}

/* A refusal stays a refusal when our alert meets the agent's ABORT
 * (-EPIPE: it gave up on an earlier alert, or just then): a wrong key
 * here. dtls_refusals saw an expired certificate logged as "cut short by
 * the agent's shutdown" that way, never refused. */
static void test_refusal_alert_meets_abort(void **state)
{
	struct pd_params p = { .role = PD_CLIENT, .mode = PD_PSK,
			       .psk_identity = (const uint8_t *)"pi-1", .psk_identity_len = 4,
			       .psk = C.psk, .psk_len = sizeof(C.psk),
			       .handshake_timeout_ms = 60000 };
	struct pd_io io = { .send = cli_send };
	char why[200];

	(void)state;
	pd_sess_destroy(C.s);
	pd_conf_destroy(C.conf);
	C.psk[0] ^= 1;
	assert_int_equal(pd_conf_create(&p, &C.conf, why, sizeof(why)), 0);
	assert_int_equal(pd_sess_create(C.conf, &io, NULL, &C.s), 0);
	assert_int_equal(pd_handshake(C.s, NULL, 0), -EAGAIN);	/* ClientHello */
	to_ctl();
	(void)to_agent();				/* its flight, up to Finished */
	fake_sctp_fail_next(FAKE_SCTP_SEND, -EPIPE, 8);
	to_ctl();
	fake_sctp_fail_next(FAKE_SCTP_SEND, 0, 0);
	assert_non_null(strstr(summary(), "\"refused\":1"));
}

/* --dtls-no-reneg: the ClientHello of a renegotiation gets a
 * no_renegotiation alert; the session goes on, the refusal is counted. */
static void test_rekey_refused(void **state)
{
	uint8_t msg[16] = { 1, MSG_READINGS };

	(void)state;
	handshake();
	assert_int_equal(pd_renegotiate(C.s), -EAGAIN);
	to_ctl();
	assert_int_equal(to_agent(), -ECONNREFUSED);
	assert_int_equal(pd_fail_reason(C.s), PD_FAIL_REFUSED);
	assert_int_equal(pd_close_notify(C.s), 0);	/* still possible, old keys */
	assert_int_equal(ctl_dtls_send(C.ep, &(struct ps_sndinfo){ .assoc = C.id },
				       msg, sizeof(msg)), 0);	/* still open */
	to_ctl();
	assert_null(abort_msg());
	assert_non_null(strstr(summary(), "\"rekeys\":0,\"refused\":0,\"timeouts\":0,"
			       "\"rekeys_refused\":1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stall_mid_handshake_aborted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silent_agent_aborted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_completed_handshake_not_aborted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_served_old_epoch_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusals_before_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_cut_by_agent_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_alert_meets_abort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_refused, setup_no_reneg, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
