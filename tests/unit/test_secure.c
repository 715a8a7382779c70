/* SPDX-License-Identifier: MIT */
/*
 * The secure channel (agent/secure.c) against the fake port, with the
 * real engine (port/mbedtls) on both ends: the agent runs on fake_sctp,
 * a DTLS server session in this file plays the controller, and the test
 * carries records between them. Asserted: nothing of the protocol before
 * the handshake, the RFC 6083 key sequence (exporter key = key id + 1,
 * active before our Finished, CCS with the old key, old key deactivated
 * then deleted at FREE_KEY), the CCS held until the sender is dry,
 * records that overtake the Finished buffered and delivered, rekeying,
 * close_notify before EOF, and every refusal path (peer without AUTH,
 * wrong PSK, unknown identity, plaintext peer, timeout, certificate
 * name, CA, expiry, unset clock) counted, logged, ABORTed, backed off.
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

#include "agent/agent_int.h"
#include "agent/msg.h"
#include "agent/secure.h"
#include "agent/status.h"
#include "agent/status_fmt.h"
#include "port/dtls.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

#define DATA "tests/data/dtls/"
#define WALL_2025 1735689600000ll	/* 2025-01-01: the fixtures are valid */

static const char ini_psk[] =
	"[agent]\nname = pi-1\nreconnect_min_ms = 1000\nreconnect_max_ms = 60000\n"
	"[path.eth]\ninterface = eth0\naddress = 10.0.0.2\n"
	"[controller.c]\naddress = 10.0.1.1\n"
	"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 1000\n"
	"[security]\nmode = dtls-psk\npsk_identity = pi-1\npsk_key_file = /k/psk\n"
	"handshake_timeout_ms = 5000\n";

static const char ini_cert[] =
	"[agent]\nname = pi-0001\nreconnect_min_ms = 1000\n"
	"[controller.c]\naddress = 10.0.1.1\ntls_name = ctl.test\n"
	"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 1000\n"
	"[security]\nmode = dtls-cert\nca_file = /k/ca.pem\ncert_file = /k/agent.pem\n"
	"key_file = /k/agent.key\n";

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = calloc(1, 8192);

	assert_non_null(f);
	*n = fread(b, 1, 8191, f);
	fclose(f);
	return b;
}

static void put_fixture(const char *fake_path, const char *file, uint32_t mode)
{
	size_t n;
	char *b = slurp(file, &n);

	fake_file_put_bin(fake_path, b, n, mode);
	free(b);
}

/* ---- the controller: a DTLS server session fed by the test -------------- */

struct srv {
	struct pd_conf *conf;
	struct pd_sess *s;
	struct ps_ep *ep;		/* the agent's endpoint (records go in there) */
	ps_assoc_id assoc;
	uint8_t key[PD_KEY_LEN];
	unsigned int keys;		/* exporter calls */
	bool wrong_psk, hold;		/* hold: queue records, do not push */
	bool no_reneg;			/* refuse renegotiations (OpenSSL 3's default) */
	uint8_t held[16][2048];
	size_t held_len[16];
	unsigned int n_held;
	unsigned int cursor;		/* next agent message to read */
	/* decrypted messages from the agent */
	unsigned int n_msgs, n_replies;
	uint8_t last_type;
	uint16_t last_stream;
	uint32_t last_seq;
	uint32_t hi[8];			/* per stream: highest seq read */
	unsigned int gaps;		/* seqs skipped on a stream */
	bool saw_close_notify;
	unsigned int alerts;		/* alert records it sent */
};

static struct srv S;
static uint8_t psk_bytes[32];

static int srv_send(void *arg, const uint8_t *rec, size_t len)
{
	struct srv *v = arg;

	v->alerts += len && rec[0] == PD_REC_ALERT;
	if (v->hold) {
		assert_true(v->n_held < 16 && len <= 2048);
		memcpy(v->held[v->n_held], rec, len);
		v->held_len[v->n_held++] = len;
		return 0;
	}
	fake_sctp_data(v->ep, v->assoc, 0, MSG_PPID, rec, len);
	return 0;
}

static void srv_key(void *arg, const uint8_t key[PD_KEY_LEN])
{
	struct srv *v = arg;

	memcpy(v->key, key, PD_KEY_LEN);
	v->keys++;
}

static int srv_lookup(void *arg, const uint8_t *id, size_t n, uint8_t *key,
		      size_t cap, size_t *len)
{
	struct srv *v = arg;

	if (n != 4 || memcmp(id, "pi-1", 4))
		return -ENOENT;
	assert_true(cap >= sizeof(psk_bytes));
	memcpy(key, psk_bytes, sizeof(psk_bytes));
	if (v->wrong_psk)
		key[0] ^= 1;
	*len = sizeof(psk_bytes);
	return 0;
}

static void srv_start(struct t *t, enum pd_mode mode, const char *ca,
		      const char *crt, const char *key)
{
	struct pd_params p = { .role = PD_SERVER, .mode = mode, .psk_lookup = srv_lookup,
			       .psk_arg = &S, .handshake_timeout_ms = 5000,
			       .no_renegotiation = S.no_reneg };
	struct pd_io io = { .send = srv_send, .on_key = srv_key, .arg = &S };
	char why[200];
	char *b[3] = { NULL, NULL, NULL };
	size_t n[3];

	S.ep = t->ep;
	S.assoc = 1;
	if (mode == PD_CERT) {
		b[0] = slurp(ca, &n[0]);
		b[1] = slurp(crt, &n[1]);
		b[2] = slurp(key, &n[2]);
		p.ca = (uint8_t *)b[0], p.ca_len = n[0] + 1;
		p.cert = (uint8_t *)b[1], p.cert_len = n[1] + 1;
		p.key = (uint8_t *)b[2], p.key_len = n[2] + 1;
	}
	assert_int_equal(pd_conf_create(&p, &S.conf, why, sizeof(why)), 0);
	assert_int_equal(pd_sess_create(S.conf, &io, NULL, &S.s), 0);
	for (int i = 0; i < 3; i++)
		free(b[i]);
}

/* Everything the agent sent since the last pump goes into the server. */
static void pump_once(struct t *t)
{
	uint8_t out[PD_MAX_MSG];

	while (S.cursor < fake_sctp_nsent(t->ep)) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, S.cursor++);
		size_t n = 0;
		int rc;

		if (m->si.flags & (PS_SEND_ABORT | PS_SEND_EOF) || !m->len)
			continue;
		if (!pd_open(S.s)) {
			(void)pd_handshake(S.s, m->buf, m->len);
			continue;
		}
		rc = pd_read(S.s, m->buf, m->len, out, sizeof(out), &n);
		if (rc == -ENOTCONN)
			S.saw_close_notify = true;
		if (rc == -EAGAIN)	/* the agent renegotiates */
			(void)pd_handshake(S.s, NULL, 0);
		if (!rc && n >= 8) {
			S.n_msgs++;
			S.n_replies += out[1] == MSG_REPLY;
			S.last_type = out[1];
			S.last_stream = m->si.stream;
			S.last_seq = (uint32_t)out[4] << 24 | out[5] << 16 | out[6] << 8 | out[7];
			if (out[1] == MSG_READINGS && m->si.stream < 8 &&
			    S.last_seq > S.hi[m->si.stream]) {
				S.gaps += S.last_seq - S.hi[m->si.stream] - 1;
				S.hi[m->si.stream] = S.last_seq;
			}
		}
	}
}

static void pump(struct t *t)
{
	for (int i = 0; i < 8; i++) {
		harness_run(t);
		pump_once(t);
	}
	harness_run(t);
}

static void srv_fini(void)
{
	pd_sess_destroy(S.s);
	pd_conf_destroy(S.conf);
	memset(&S, 0, sizeof(S));
}

/* ---- setup ------------------------------------------------------------- */

/* harness_start() without its reset: the credential files stay. */
static struct t *start(const char *ini)
{
	struct t *t = calloc(1, sizeof(*t));
	struct cfg_diag d;
	struct cli_opts o = { 0 };

	assert_non_null(t);
	fake_nl_fail_open(0);
	if (config_load_text("t.ini", ini, &t->cfg, &d))
		fail_msg("config: %s", d.n ? d.msg[0] : "?");
	assert_int_equal(agent_create(t->cfg, &o, &t->ag), 0);
	t->l = agent_loop(t->ag);
	t->ep = fake_sctp_last_ep();
	return t;
}

static struct t *start_psk(const char *ini)
{
	static const char hex[] =
		"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";

	fake_reset_all();
	for (unsigned int i = 0; i < sizeof(psk_bytes); i++)
		psk_bytes[i] = (uint8_t)(i % 16 * 0x11);
	fake_file_put("/k/psk", hex, 0600);
	return start(ini);
}

static int setup(void **state)
{
	*state = NULL;
	return 0;
}

static int teardown(void **state)
{
	if (*state)
		harness_stop(*state);
	else
		fake_reset_all();
	srv_fini();
	return 0;
}

static const struct secure_stats *stats(struct t *t)
{
	return secure_stats(t->ag->sec, t->ag->assocs[0]);
}

static bool sent_plaintext(struct t *t)
{
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);

		if (m->len && m->buf[0] != PD_REC_HANDSHAKE && m->buf[0] != PD_REC_CCS &&
		    m->buf[0] != PD_REC_ALERT && m->buf[0] != PD_REC_APP &&
		    !(m->si.flags & PS_SEND_ABORT))
			return true;
	}
	return false;
}

static const struct fake_sctp_msg *last_abort(struct t *t)
{
	for (unsigned int i = fake_sctp_nsent(t->ep); i-- > 0;)
		if (fake_sctp_sent(t->ep, i)->si.flags & PS_SEND_ABORT)
			return fake_sctp_sent(t->ep, i);
	return NULL;
}

/* ---- tests -------------------------------------------------------------- */

static void test_psk_handshake_and_keys(void **state)
{
	struct t *t = *state = start_psk(ini_psk);
	const struct fake_auth_key *k;
	uint8_t req[PS_AUTH_MAX_CHUNKS];
	unsigned int n, ccs = 0, fin = 0, app = 0;

	/* AUTH on the endpoint before any connect: DATA and FORWARD-TSN */
	assert_true(fake_sctp_auth_enabled(t->ep));
	n = fake_sctp_auth_required(t->ep, req, sizeof(req));
	assert_non_null(memchr(req, PS_CHUNK_DATA, n));
	assert_non_null(memchr(req, PS_CHUNK_FWD_TSN, n));
	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	/* the ClientHello, on stream 0, and nothing else yet */
	assert_int_equal(fake_sctp_nsent(t->ep), 1);
	assert_int_equal(fake_sctp_sent(t->ep, 0)->buf[0], PD_REC_HANDSHAKE);
	assert_int_equal(fake_sctp_sent(t->ep, 0)->si.stream, 0);
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	fake_loop_advance(t->l, 1500);		/* a reading is due: it waits */
	assert_false(sent_plaintext(t));
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_true(pd_open(S.s));
	assert_false(sent_plaintext(t));
	/* key 1 = the exporter value, the same on both ends, active */
	k = fake_sctp_key(t->ep, 1, 1);
	assert_non_null(k);
	assert_int_equal(k->len, PD_KEY_LEN);
	assert_int_equal(S.keys, 1);
	assert_memory_equal(k->key, S.key, PD_KEY_LEN);
	assert_int_equal(fake_sctp_active_key(t->ep, 1), 1);
	/* CCS and our Finished (the first Finished: the controller installs
	 * key 1 only once it read our key exchange) with key 0, everything
	 * after it (HELLO first) with key 1 */
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++) {
		const struct fake_sctp_msg *m = fake_sctp_sent(t->ep, i);

		if (m->buf[0] == PD_REC_CCS) {
			assert_int_equal(m->auth_key, 0);
			ccs++;
		} else if (m->buf[0] == PD_REC_HANDSHAKE && pd_record_epoch(m->buf, m->len) == 1) {
			assert_int_equal(m->auth_key, 0);
			fin++;
		} else if (m->buf[0] == PD_REC_HANDSHAKE) {
			assert_int_equal(m->si.stream, 0);
		} else if (m->buf[0] == PD_REC_APP) {
			assert_int_equal(m->auth_key, 1);
			assert_int_equal(fin, 1);
			app++;
		}
	}
	assert_int_equal(ccs, 1);
	assert_int_equal(fin, 1);
	assert_true(app >= 1);
	/* key 0 deactivated, deleted once the stack says it is free */
	assert_true(fake_sctp_key(t->ep, 1, 0)->deactivated);
	fake_sctp_auth_event(t->ep, 1, PS_AUTH_FREE_KEY, 0);
	harness_run(t);
	assert_null(fake_sctp_key(t->ep, 1, 0));
	assert_int_equal(fake_sctp_nkeys(t->ep, 1), 1);
	/* HELLO first, decrypted by the controller, then the reading */
	assert_true(S.n_msgs >= 1);
	fake_loop_advance(t->l, 1000);
	pump(t);
	assert_int_equal(S.last_type, MSG_READINGS);
	assert_int_equal(S.last_stream, 1);
	assert_true(fake_log_contains("DTLS up: TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256"));
	assert_int_equal(stats(t)->handshakes, 1);
	{
		struct publish_stats ps;

		publish_get_stats(t->ag->pub, &ps);
		assert_int_equal(ps.sendall, 0);
	}
}

static void test_ccs_waits_for_sender_dry(void **state)
{
	struct t *t = *state = start_psk(ini_psk);
	bool ccs = false;

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	fake_sctp_set_pending(t->ep, 1, 3);	/* three DATA chunks unacked */
	pump(t);
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++)
		ccs |= fake_sctp_sent(t->ep, i)->buf[0] == PD_REC_CCS;
	assert_false(ccs);
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	fake_sctp_sender_dry(t->ep, 1);
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
}

/* The controller refuses us (a fatal alert in clear, then its ABORT) while
 * our ChangeCipherSpec waits for the sender to be dry: the alert is read
 * and the failure says why (it was dropped unread, and the agent logged
 * only the COMM_LOST of the ABORT). */
static void test_alert_while_ccs_waits(void **state)
{
	struct t *t = *state = start_psk(ini_psk);
	static const uint8_t alert[] = { PD_REC_ALERT, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 9,
					 0, 2, 2, 40 };

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	fake_sctp_set_pending(t->ep, 1, 3);	/* CCS held */
	pump(t);
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_null(last_abort(t));
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, alert, sizeof(alert));
	harness_run(t);
	assert_int_equal(stats(t)->failures, 1);
	assert_int_equal(stats(t)->fail_by[PD_FAIL_ALERT], 1);
	assert_true(fake_log_contains("handshake failed (peer-alert): peer sent fatal "
				      "alert 40 (handshake_failure)"));
	assert_non_null(last_abort(t));
	assert_false(sent_plaintext(t));
}

static void test_early_records_buffered(void **state)
{
	struct t *t = *state = start_psk(ini_psk);
	uint8_t ack[64];
	size_t len;
	struct msg_ack a = { .stream = 1, .seq = 0 };

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	/* run until the server has sent its CCS + Finished; hold them */
	for (int i = 0; i < 6 && !pd_open(S.s); i++) {
		harness_run(t);
		if (fake_sctp_nsent(t->ep) > S.cursor &&
		    fake_sctp_sent(t->ep, fake_sctp_nsent(t->ep) - 1)->buf[0] == PD_REC_HANDSHAKE &&
		    pd_record_epoch(fake_sctp_last_send(t->ep)->buf,
				    fake_sctp_last_send(t->ep)->len) == 1)
			S.hold = true;
		pump_once(t);
	}
	assert_true(pd_open(S.s));
	assert_true(S.n_held >= 2);
	/* an application record of the new epoch on stream 2 overtakes them */
	assert_int_equal(msg_encode_ack(ack, sizeof(ack), 0, &a, 1, &len), 0);
	assert_int_equal(pd_write(S.s, ack, len), 0);	/* held too: the last */
	S.hold = false;
	S.n_held--;
	fake_sctp_data(t->ep, 1, 2, MSG_PPID, S.held[S.n_held], S.held_len[S.n_held]);
	harness_run(t);
	assert_int_equal(stats(t)->early_buffered, 1);
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	for (unsigned int i = 0; i < S.n_held; i++)
		fake_sctp_data(t->ep, 1, 0, MSG_PPID, S.held[i], S.held_len[i]);
	harness_run(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	/* decrypted and handed on: an ACK on stream 2 is rejected as such */
	assert_int_equal(stats(t)->bad_records, 0);
	assert_int_equal(t->ag->assoc[0].st.bad_msgs, 1);
}

static void test_rekey_advances_key_ids(void **state)
{
	static const char ini[] =
		"[agent]\nname = pi-1\n[controller.c]\naddress = 10.0.1.1\n"
		"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 1000\n"
		"[security]\nmode = dtls-psk\npsk_identity = pi-1\npsk_key_file = /k/psk\n"
		"rekey_interval_s = 60\n";
	struct t *t = *state = start_psk(ini);
	unsigned int n0, msgs;

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_int_equal(fake_sctp_active_key(t->ep, 1), 1);
	fake_sctp_auth_event(t->ep, 1, PS_AUTH_FREE_KEY, 0);
	fake_loop_advance(t->l, 60000);		/* lifetime over: renegotiate */
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));	/* data held */
	/* readings sampled meanwhile stay queued (the channel answers
	 * -ENOTCONN): no application record leaves during the rekey ... */
	n0 = fake_sctp_nsent(t->ep);
	fake_loop_advance(t->l, 2500);
	for (unsigned int i = n0; i < fake_sctp_nsent(t->ep); i++)
		assert_int_not_equal(fake_sctp_sent(t->ep, i)->buf[0], PD_REC_APP);
	assert_true(assoc_backlog(t->ag->assocs[0]) > 0);	/* the cursor is behind */
	msgs = S.n_msgs;
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	/* ... and go out once it completes, without waiting for the next one */
	assert_int_equal(assoc_backlog(t->ag->assocs[0]), 0);
	assert_true(S.n_msgs >= msgs + 2);
	assert_int_equal(stats(t)->rekeys, 1);
	assert_int_equal(S.keys, 2);
	assert_int_equal(fake_sctp_active_key(t->ep, 1), 2);
	assert_memory_equal(fake_sctp_key(t->ep, 1, 2)->key, S.key, PD_KEY_LEN);
	assert_true(fake_sctp_key(t->ep, 1, 1)->deactivated);
	fake_sctp_auth_event(t->ep, 1, PS_AUTH_FREE_KEY, 1);
	harness_run(t);
	assert_null(fake_sctp_key(t->ep, 1, 1));
	/* readings held during the rekey went out after it, decryptable */
	fake_loop_advance(t->l, 1000);
	pump(t);
	assert_int_equal(S.last_type, MSG_READINGS);
	assert_true(fake_log_contains("DTLS rekeyed"));
}

static void test_rekey_by_record_count(void **state)
{
	static const char ini[] =
		"[agent]\nname = pi-1\n[controller.c]\naddress = 10.0.1.1\n"
		"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\n"
		"[security]\nmode = dtls-psk\npsk_identity = pi-1\npsk_key_file = /k/psk\n"
		"rekey_interval_s = 0\nrekey_records = 20\n";
	struct t *t = *state = start_psk(ini);

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	for (int i = 0; i < 40; i++) {
		fake_loop_advance(t->l, 100);
		pump(t);
	}
	assert_true(stats(t)->rekeys >= 1);
	assert_true(fake_sctp_active_key(t->ep, 1) >= 2);
	assert_true(fake_log_contains("rekeying (record count)"));
}

/* ---- receiving during an agent-initiated rekey --------------------------- */

static const char ini_rekey[] =
	"[agent]\nname = pi-1\nreconnect_min_ms = 1000\n[controller.c]\naddress = 10.0.1.1\n"
	"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 1000\n"
	"[security]\nmode = dtls-psk\npsk_identity = pi-1\npsk_key_file = /k/psk\n"
	"rekey_interval_s = 60\nhandshake_timeout_ms = 5000\n";

/* Up, key 0 freed, then the lifetime runs out: our ClientHello is sent
 * (not yet read by the server). */
static struct t *up_then_rekey(void)
{
	struct t *t = start_psk(ini_rekey);

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	fake_sctp_auth_event(t->ep, 1, PS_AUTH_FREE_KEY, 0);
	fake_loop_advance(t->l, 60000);
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_int_equal(fake_sctp_last_send(t->ep)->buf[0], PD_REC_HANDSHAKE);
	return t;
}

/* The server encrypts a ping now, in its current epoch; the record is
 * kept by the test (delivered later, as another stream or an unordered
 * message would be). */
static size_t srv_ping(uint32_t id, uint8_t *rec)
{
	struct msg_cmd mc = { .op = MSG_OP_PING };
	uint8_t cmd[64];
	size_t len, n;

	assert_int_equal(msg_encode_cmd(cmd, sizeof(cmd), id, &mc, &len), 0);
	S.hold = true;
	S.n_held = 0;
	assert_int_equal(pd_write(S.s, cmd, len), 0);
	S.hold = false;
	assert_int_equal(S.n_held, 1);
	n = S.held_len[0];
	memcpy(rec, S.held[0], n);
	S.n_held = 0;
	return n;
}

/* Readings of two streams every 100 ms while a rekey takes 700 ms (the
 * controller slow to answer): every one is held and goes out after it, in
 * order, none skipped on the live association, and so is the reply to a
 * command read meanwhile (seen in the VM: with a pong queued, the 7
 * readings per stream sampled during the rekey were never sent). */
static void test_rekey_holds_every_reading(void **state)
{
	static const char ini[] =
		"[agent]\nname = pi-1\n[controller.c]\naddress = 10.0.1.1\n"
		"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\n"
		"[sensor.hum]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 100\n"
		"[security]\nmode = dtls-psk\npsk_identity = pi-1\npsk_key_file = /k/psk\n"
		"rekey_interval_s = 1\n";
	struct t *t = *state = start_psk(ini);
	unsigned int replies;
	uint8_t ping[256];
	size_t n;

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	for (int step = 0; step < 600; step++) {
		fake_sctp_set_pending(t->ep, 1, 2);	/* readings in flight */
		fake_loop_advance(t->l, 10);
		if (secure_is_open(t->ag->sec, t->ag->assocs[0])) {
			fake_sctp_sender_dry(t->ep, 1);	/* acknowledged */
			pump(t);
			continue;
		}
		/* the rekey waits for the sender to be dry; a command read in
		 * the old epoch meanwhile: its reply waits, and so do the
		 * readings sampled after it */
		n = srv_ping(100 + (uint32_t)step, ping);
		fake_sctp_data(t->ep, 1, 0, MSG_PPID, ping, n);
		harness_run(t);
		fake_loop_advance(t->l, 130);
		fake_sctp_sender_dry(t->ep, 1);		/* ClientHello goes */
		harness_run(t);
		for (int i = 0; i < 7; i++) {		/* a slow controller's rekey */
			fake_loop_advance(t->l, 30);
			pump_once(t);
			harness_run(t);
			fake_loop_advance(t->l, 70);
		}
		pump(t);
	}
	replies = S.n_replies;
	assert_true(stats(t)->rekeys >= 3);
	assert_true(replies >= 3);	/* every pong, after its rekey */
	assert_int_equal(S.gaps, 0);
	assert_true(S.hi[1] >= 60);
	assert_true(S.hi[2] >= 60);
}


/* A ping the controller sent in the old epoch arrives after its
 * ServerHelloDone: mbedTLS alone would drop it mid-handshake. It is read
 * with the old epoch's keys and answered once the rekey completed. */
static void test_rekey_reads_old_epoch_record(void **state)
{
	struct t *t = *state = up_then_rekey();
	uint8_t ping[256];
	size_t n = srv_ping(7, ping);
	unsigned int replies = S.n_replies;

	pump_once(t);			/* the server reads the ClientHello, answers */
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, ping, n);
	harness_run(t);
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_int_equal(stats(t)->old_epoch_read, 1);
	assert_int_equal(stats(t)->early_dropped, 0);
	assert_int_equal(stats(t)->bad_records, 0);
	assert_int_equal(t->ag->assoc[0].st.bad_msgs, 0);
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_int_equal(stats(t)->rekeys, 1);
	assert_int_equal(S.n_replies, replies + 1);	/* the pong, after the rekey */
	assert_int_equal(fake_sctp_active_key(t->ep, 1), 2);
}

/* Between the server's ChangeCipherSpec and its Finished: an old-epoch
 * ping (read with the old keys, which mbedTLS still holds) and a ping of
 * the new epoch (held, fed after the Finished). Both answered. */
static void test_rekey_records_around_ccs(void **state)
{
	struct t *t = *state = up_then_rekey();
	uint8_t ping[256], ccs[2048], fin[2048], ping2[256];
	size_t n = srv_ping(7, ping), n2, nc, nf;
	unsigned int replies = S.n_replies;

	pump_once(t);
	harness_run(t);			/* the agent's CKE, CCS, Finished */
	S.hold = true;
	pump_once(t);			/* the server's CCS and Finished, held */
	S.hold = false;
	assert_true(pd_open(S.s));
	assert_int_equal(S.n_held, 2);
	assert_int_equal(S.held[0][0], PD_REC_CCS);
	nc = S.held_len[0], nf = S.held_len[1];
	memcpy(ccs, S.held[0], nc);
	memcpy(fin, S.held[1], nf);
	n2 = srv_ping(8, ping2);
	assert_int_equal(pd_record_epoch(ping2, n2), pd_record_epoch(ping, n) + 1);
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, ccs, nc);
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, ping, n);
	fake_sctp_data(t->ep, 1, 2, MSG_PPID, ping2, n2);
	harness_run(t);
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_int_equal(stats(t)->old_epoch_read, 1);
	assert_int_equal(stats(t)->early_buffered, 1);
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, fin, nf);
	harness_run(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_int_equal(stats(t)->early_dropped, 0);
	assert_int_equal(stats(t)->bad_records, 0);
	assert_int_equal(t->ag->assoc[0].st.bad_msgs, 1);	/* ping2 came on stream 2 */
	pump(t);
	assert_int_equal(S.n_replies, replies + 1);
}

/* The ClientHello waits until everything sent is acknowledged (so no
 * reading of the old epoch reaches the peer after it); readings wait. */
static void test_rekey_waits_for_dry(void **state)
{
	struct t *t = *state = start_psk(ini_rekey);
	unsigned int before;

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	fake_loop_advance(t->l, 59990);
	fake_sctp_set_pending(t->ep, 1, 4);
	before = fake_sctp_nsent(t->ep);
	fake_loop_advance(t->l, 10);		/* the lifetime is over */
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	fake_loop_advance(t->l, 2000);		/* readings due: held */
	assert_int_equal(fake_sctp_nsent(t->ep), before);	/* no ClientHello either */
	fake_sctp_sender_dry(t->ep, 1);
	harness_run(t);
	assert_int_equal(fake_sctp_last_send(t->ep)->buf[0], PD_REC_HANDSHAKE);
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_int_equal(stats(t)->rekeys, 1);
	assert_int_equal(S.last_type, MSG_READINGS);	/* the held ones, flushed */
	/* never dry: after handshake_timeout_ms the rekey starts anyway */
	fake_loop_advance(t->l, 60000 - 10);	/* rekeyed at +62 s: next at +122 s */
	fake_sctp_set_pending(t->ep, 1, 4);
	before = fake_sctp_nsent(t->ep);
	fake_loop_advance(t->l, 10 + 4900);
	assert_int_equal(fake_sctp_nsent(t->ep), before);
	fake_loop_advance(t->l, 200);
	assert_true(fake_log_contains("sender not dry after 5000 ms: rekeying anyway"));
	assert_int_equal(fake_sctp_last_send(t->ep)->buf[0], PD_REC_HANDSHAKE);
}

/* A controller that refuses renegotiation (no_renegotiation alert, like
 * OpenSSL 3.0 without -client_renegotiation): no ABORT, no failure, a
 * close_notify and a graceful EOF; the association layer reconnects and
 * the new association has new keys and gets the replay. */
static void test_rekey_refused_reassociates(void **state)
{
	struct t *t;
	const struct fake_sctp_msg *m;

	fake_reset_all();
	S.no_reneg = true;
	t = *state = up_then_rekey();
	pump(t);
	assert_int_equal(stats(t)->rekey_refused, 1);
	assert_int_equal(stats(t)->failures, 0);
	assert_null(last_abort(t));
	m = fake_sctp_last_send(t->ep);
	assert_true(m->si.flags & PS_SEND_EOF);
	m = fake_sctp_sent(t->ep, fake_sctp_nsent(t->ep) - 2);
	assert_int_equal(m->buf[0], PD_REC_ALERT);	/* close_notify, old keys */
	assert_true(S.saw_close_notify);
	assert_true(fake_log_contains("the peer refused to renegotiate (no_renegotiation "
				      "alert); closing this association for a new one"));
	/* the peer completes the shutdown: reconnect at the minimum delay */
	fake_sctp_assoc_change(t->ep, 1, PS_SHUTDOWN_COMP);
	harness_run(t);
	assert_true(fake_log_contains("reconnect in"));
	fake_loop_advance(t->l, 1300);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), 2);
}

/* The controller shuts the association down in the middle of a rekey:
 * our next handshake record meets -EPIPE. Not a failure, no ABORT. */
static void test_rekey_cut_by_peer_shutdown(void **state)
{
	struct t *t = *state = up_then_rekey();

	fake_sctp_fail_next(FAKE_SCTP_SEND, -EPIPE, 8);
	pump(t);
	assert_null(last_abort(t));
	assert_int_equal(stats(t)->failures, 0);
	assert_true(fake_log_contains("DTLS: rekey cut short by the controller's shutdown"));
	fake_sctp_fail_next(FAKE_SCTP_SEND, 0, 0);
}

static void test_key_ids_wrap(void **state)
{
	(void)state;
	assert_int_equal(secure_next_key_id(0), 1);
	assert_int_equal(secure_next_key_id(1), 2);
	assert_int_equal(secure_next_key_id(65534), 65535);
	assert_int_equal(secure_next_key_id(65535), 1);	/* never back to 0 */
}

/* A refusal: ABORT with the reason, counted, logged, and the next
 * reconnect waits longer than the last (no hot loop). */
static void assert_refused(struct t *t, const char *log)
{
	const struct fake_sctp_msg *ab = last_abort(t);

	assert_non_null(ab);
	assert_true(ab->len > 6 && !memcmp(ab->buf, "DTLS: ", 6));
	assert_true(fake_log_contains(log));
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_false(sent_plaintext(t));
}

/* Run the clock until the agent connects again. */
static const struct fake_sctp_call *next_connect(struct t *t)
{
	unsigned int n = fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT);

	for (int i = 0; i < 1000 && fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT) == n; i++)
		fake_loop_advance_to_next(t->l);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_CONNECT), n + 1);
	return fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
}

/* sctpagent status: the table's dtls line and the JSON's "dtls" map, from
 * the same STATUS encoding a controller gets. */
static char dtls_out[4096];

static void dtls_line(void *ctx, const char *line)
{
	(void)ctx;
	strncat(dtls_out, line, sizeof(dtls_out) - strlen(dtls_out) - 2);
	strcat(dtls_out, "\n");
}

static const char *status_text(struct t *t, bool json)
{
	static uint8_t buf[64 * 1024];
	size_t len;

	dtls_out[0] = 0;
	t->ag->ssrc.unknown_assoc = 0;
	assert_int_equal(status_encode_all(&t->ag->ssrc, buf, sizeof(buf), &len), 0);
	if (json)
		assert_int_equal(status_fmt_json(buf, len, dtls_line, NULL), 0);
	else
		assert_int_equal(status_fmt_table(buf, len, WALL_2025, dtls_line, NULL), 0);
	return dtls_out;
}

static void test_status_shows_dtls(void **state)
{
	struct t *t = *state = start_psk(ini_psk);

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	assert_non_null(strstr(status_text(t, false), "dtls: idle dtls-psk, key 0, open 0 s"));
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	assert_non_null(strstr(status_text(t, false), "dtls: handshake dtls-psk, key 0"));
	pump(t);
	fake_loop_advance(t->l, 3000);
	pump(t);
	assert_non_null(strstr(status_text(t, false), "dtls: open dtls-psk "
			       "TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256, key 1, open 3 s; "
			       "handshakes 1, rekeys 0, failures 0\n"));
	assert_non_null(strstr(status_text(t, true), "\"dtls\":{\"state\":\"open\","
			       "\"mode\":\"dtls-psk\",\"suite\":\"TLS-ECDHE-PSK-WITH-CHACHA20-"
			       "POLY1305-SHA256\",\"key_id\":1,\"open_s\":3"));
}

static void test_status_shows_dtls_refusal(void **state)
{
	struct t *t = *state = start_psk(ini_psk);

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	S.wrong_psk = true;
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_non_null(strstr(status_text(t, false), "dtls: refused dtls-psk, key 0, open 0 s; "
			       "handshakes 0, rekeys 0, failures 1; last refused: handshake failed"));
	assert_non_null(strstr(status_text(t, true), "\"failures\":1,\"last_error\":"
			       "\"handshake failed"));
}

static void test_peer_without_auth_refused(void **state)
{
	struct t *t = *state = start_psk(ini_psk);

	fake_sctp_set_peer_auth(t->ep, 1, NULL, 0);	/* authenticates nothing */
	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	assert_refused(t, "does not authenticate chunk type 0x00");
	assert_int_equal(stats(t)->refused_no_auth, 1);
	assert_int_equal(fake_sctp_nsent(t->ep), 1);	/* only the ABORT */
}

static void test_wrong_psk_refused_and_backoff(void **state)
{
	struct t *t = *state = start_psk(ini_psk);
	const struct fake_sctp_call *c1, *c2, *c3;

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	S.wrong_psk = true;
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_refused(t, "handshake failed");
	assert_true(stats(t)->fail_by[PD_FAIL_ALERT] + stats(t)->fail_by[PD_FAIL_MAC] == 1);
	assert_true(pd_fail_reason(S.s) == PD_FAIL_MAC);
	/* COMM_LOST after the ABORT; reconnect; fail again: the delay grows */
	fake_sctp_comm_lost(t->ep, 1);
	harness_run(t);
	c1 = next_connect(t);
	fake_sctp_comm_up(t->ep, c1->assoc);
	harness_run(t);
	fake_sctp_comm_lost(t->ep, c1->assoc);	/* refused again */
	harness_run(t);
	c2 = next_connect(t);
	assert_true(c2->assoc != c1->assoc);
	fake_sctp_comm_up(t->ep, c2->assoc);
	harness_run(t);
	fake_sctp_comm_lost(t->ep, c2->assoc);
	harness_run(t);
	c3 = next_connect(t);
	assert_true(c3->at_ms - c2->at_ms > c2->at_ms - c1->at_ms);
	assert_true(c2->at_ms - c1->at_ms >= 1600);	/* 2 s +- 20 % */
}

static void test_unknown_identity_refused(void **state)
{
	static const char ini[] =
		"[agent]\nname = pi-9\n[controller.c]\naddress = 10.0.1.1\n"
		"[security]\nmode = dtls-psk\npsk_identity = pi-9\npsk_key_file = /k/psk\n";
	struct t *t = *state = start_psk(ini);

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_int_equal(pd_fail_reason(S.s), PD_FAIL_PSK);
	assert_refused(t, "handshake failed");
	assert_int_equal(stats(t)->fail_by[PD_FAIL_PSK], 1);
	assert_true(fake_log_contains("unknown_psk_identity"));
}

static void test_plaintext_controller_refused(void **state)
{
	struct t *t = *state = start_psk(ini_psk);
	uint8_t ack[32];
	size_t len;
	struct msg_ack a = { .stream = 1, .seq = 3 };

	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	assert_int_equal(msg_encode_ack(ack, sizeof(ack), 0, &a, 1, &len), 0);
	fake_sctp_data(t->ep, 1, 0, MSG_PPID, ack, len);
	harness_run(t);
	assert_refused(t, "sent plaintext, not DTLS");
	assert_int_equal(stats(t)->plaintext_dropped, 1);
	assert_int_equal(t->ag->assoc[0].st.acks, 0);	/* never processed */
}

static void test_handshake_timeout(void **state)
{
	struct t *t = *state = start_psk(ini_psk);

	fake_sctp_comm_up(t->ep, 1);
	harness_run(t);
	fake_loop_advance(t->l, 4900);
	assert_null(last_abort(t));
	fake_loop_advance(t->l, 200);
	assert_refused(t, "no handshake answer within 5000 ms");
	assert_int_equal(stats(t)->fail_by[PD_FAIL_TIMEOUT], 1);
}

static void test_restart_back_to_key_0(void **state)
{
	struct t *t = *state = start_psk(ini_psk);

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_int_equal(fake_sctp_active_key(t->ep, 1), 1);
	fake_sctp_auth_event(t->ep, 1, PS_AUTH_FREE_KEY, 0);
	harness_run(t);
	/* the peer restarted: it knows key 0 only */
	srv_fini();
	srv_start(t, PD_PSK, NULL, NULL, NULL);
	S.cursor = fake_sctp_nsent(t->ep);
	fake_sctp_assoc_change(t->ep, 1, PS_RESTART);
	harness_run(t);
	assert_int_equal(fake_sctp_active_key(t->ep, 1), 0);
	assert_int_equal(fake_sctp_last_send(t->ep)->buf[0], PD_REC_HANDSHAKE);
	assert_int_equal(fake_sctp_last_send(t->ep)->auth_key, 0);
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_int_equal(fake_sctp_active_key(t->ep, 1), 1);
	assert_int_equal(stats(t)->handshakes, 2);
}

static void test_close_notify_then_eof(void **state)
{
	struct t *t = *state = start_psk(ini_psk);
	const struct fake_sctp_msg *m;

	srv_start(t, PD_PSK, NULL, NULL, NULL);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	fake_sctp_set_pending(t->ep, 1, 2);
	agent_stop(t->ag);
	harness_run(t);
	m = fake_sctp_last_send(t->ep);
	assert_false(m->si.flags & PS_SEND_EOF);	/* waits for dry */
	fake_sctp_sender_dry(t->ep, 1);
	harness_run(t);
	m = fake_sctp_last_send(t->ep);
	assert_true(m->si.flags & PS_SEND_EOF);
	m = fake_sctp_sent(t->ep, fake_sctp_nsent(t->ep) - 2);
	assert_int_equal(m->buf[0], PD_REC_ALERT);	/* close_notify, encrypted */
	pump_once(t);
	assert_true(S.saw_close_notify);
}

/* ---- certificates -------------------------------------------------------- */

static struct t *start_cert(const char *ini, const char *agent_crt, const char *agent_key)
{
	fake_reset_all();
	fake_clock_set_wall_offset(WALL_2025 - (int64_t)FAKE_CLOCK_START_MS);
	put_fixture("/k/ca.pem", DATA "ca.pem", 0644);
	put_fixture("/k/agent.pem", agent_crt, 0644);
	put_fixture("/k/agent.key", agent_key, 0600);
	return start(ini);
}

/* A controller a reload adds gets its own channel on the endpoint's AUTH
 * setup: the handshake on its association, HELLO only inside it. */
static void test_added_controller_gets_channel(void **state)
{
	struct t *t = *state = start_psk(ini_psk);
	static const char ini2[] =
		"[agent]\nname = pi-1\nreconnect_min_ms = 1000\nreconnect_max_ms = 60000\n"
		"[path.eth]\ninterface = eth0\naddress = 10.0.0.2\n"
		"[controller.c]\naddress = 10.0.1.1\n"
		"[controller.d]\naddress = 10.0.2.1\n"
		"[sensor.temp]\ndriver = simulated\nsource = counter:start=1\ninterval_ms = 1000\n"
		"[security]\nmode = dtls-psk\npsk_identity = pi-1\npsk_key_file = /k/psk\n"
		"handshake_timeout_ms = 5000\n";

	fake_file_put("t.ini", ini2, 0644);
	assert_int_equal(fake_loop_raise(t->l, LOOP_SIG_HUP), 0);
	harness_run(t);
	assert_true(fake_log_contains("ctrl=d assoc=0 state=idle: added by the reload: connecting"));
	assert_int_equal(t->ag->n_assoc, 2);
	assert_int_equal(fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT)->assoc, 2);
	srv_start(t, PD_PSK, NULL, NULL, NULL);
	S.assoc = 2;
	fake_sctp_comm_up(t->ep, 2);
	harness_run(t);
	assert_int_equal(fake_sctp_sent(t->ep, 0)->buf[0], PD_REC_HANDSHAKE);
	assert_int_equal(fake_sctp_sent(t->ep, 0)->assoc, 2);
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[1]));
	assert_false(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_false(sent_plaintext(t));
	assert_true(S.n_msgs >= 1);		/* HELLO, decrypted by d */
	assert_int_equal(secure_stats(t->ag->sec, t->ag->assocs[1])->handshakes, 1);
	fake_loop_advance(t->l, 1000);
	pump(t);
	assert_int_equal(S.last_type, MSG_READINGS);
}

static void test_cert_handshake(void **state)
{
	struct t *t = *state = start_cert(ini_cert, DATA "agent.pem", DATA "agent.key");

	srv_start(t, PD_CERT, DATA "ca.pem", DATA "ctl.pem", DATA "ctl.key");
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_true(secure_is_open(t->ag->sec, t->ag->assocs[0]));
	assert_true(fake_log_contains("DTLS up: TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256"));
	assert_memory_equal(fake_sctp_key(t->ep, 1, 1)->key, S.key, PD_KEY_LEN);
	assert_true(S.n_msgs >= 1);		/* HELLO */
}

static void test_cert_wrong_name_refused(void **state)
{
	static const char ini[] =
		"[agent]\nname = pi-0001\n[controller.c]\naddress = 10.0.1.1\n"
		"tls_name = other.test\n"
		"[security]\nmode = dtls-cert\nca_file = /k/ca.pem\ncert_file = /k/agent.pem\n"
		"key_file = /k/agent.key\n";
	struct t *t = *state = start_cert(ini, DATA "agent.pem", DATA "agent.key");

	srv_start(t, PD_CERT, DATA "ca.pem", DATA "ctl.pem", DATA "ctl.key");
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_refused(t, "peer certificate is not for 'other.test'");
	assert_int_equal(stats(t)->fail_by[PD_FAIL_CERT], 1);
}

static void test_cert_wrong_ca_refused(void **state)
{
	struct t *t = *state = start_cert(ini_cert, DATA "rogue.pem", DATA "rogue.key");

	srv_start(t, PD_CERT, DATA "ca.pem", DATA "ctl.pem", DATA "ctl.key");
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	/* the controller refuses the board's certificate and says so */
	assert_int_equal(pd_fail_reason(S.s), PD_FAIL_CERT);
	assert_true(strstr(pd_last_error(S.s), "not signed by our CA") != NULL);
	assert_refused(t, "handshake failed");
}

static void test_cert_expired_refused(void **state)
{
	struct t *t = *state = start_cert(ini_cert, DATA "expired.pem", DATA "expired.key");

	srv_start(t, PD_CERT, DATA "ca.pem", DATA "ctl.pem", DATA "ctl.key");
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_int_equal(pd_fail_reason(S.s), PD_FAIL_CERT_TIME);
	assert_true(strstr(pd_last_error(S.s), "expired on 2021-01-01") != NULL);
	assert_refused(t, "handshake failed");
	/* one fatal alert (mbedTLS's own, certificate_expired): a second
	 * one met the board's ABORT (-EPIPE), and the reference controller
	 * took that for the board's shutdown instead of a refusal */
	assert_int_equal(S.alerts, 1);
}

/* Alert records the agent sent on its endpoint. */
static unsigned int agent_alerts(struct t *t)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++)
		n += fake_sctp_sent(t->ep, i)->len && fake_sctp_sent(t->ep, i)->buf[0] == PD_REC_ALERT;
	return n;
}

static void test_clock_not_set_refused(void **state)
{
	struct t *t = *state = start_cert(ini_cert, DATA "agent.pem", DATA "agent.key");

	srv_start(t, PD_CERT, DATA "ca.pem", DATA "ctl.pem", DATA "ctl.key");
	/* a Pi without RTC before NTP: 1970 + uptime */
	fake_clock_set_wall_offset(-(int64_t)FAKE_CLOCK_START_MS + 42000);
	fake_sctp_comm_up(t->ep, 1);
	pump(t);
	assert_refused(t, "the board's clock is not set");
	assert_int_equal(stats(t)->fail_by[PD_FAIL_CLOCK], 1);
	assert_int_equal(agent_alerts(t), 1);	/* one fatal alert, not two */
}

/* ---- credential files ---------------------------------------------------- */

/* The config was checked with a good file; by the time the agent starts
 * the file changed (@bad): the agent's own read (O_NOFOLLOW + fstat on the
 * descriptor) refuses it, names the file and the reason, wipes. */
static void expect_start_fails(void (*bad)(void), const char *log)
{
	struct config *cfg = NULL;
	struct cfg_diag d;
	struct cli_opts o = { 0 };
	struct agent *ag = NULL;

	fake_reset_all();
	fake_file_put("/k/psk", "00112233445566778899aabbccddeeff", 0600);
	assert_int_equal(config_load_text("t.ini", ini_psk, &cfg, &d), 0);
	bad();
	assert_true(agent_create(cfg, &o, &ag) < 0);
	if (!fake_log_contains(log))
		fail_msg("no log line with '%s'", log);
	assert_int_equal(fake_file_live_secrets(), 0);	/* wiped and freed */
	config_free(cfg);
}

static void to_symlink(void) { fake_file_set_attr("/k/psk", 0, FAKE_FILE_SYMLINK); }
static void to_other_owner(void) { fake_file_set_attr("/k/psk", 1234, FAKE_FILE_REG); }
static void to_dir(void) { fake_file_set_attr("/k/psk", 0, FAKE_FILE_DIR); }
static void to_mode_640(void) { fake_file_put("/k/psk", "00112233445566778899aabbccddeeff", 0640); }
static void to_short(void) { fake_file_put("/k/psk", "0011", 0600); }

static void test_key_file_checks(void **state)
{
	(void)state;
	expect_start_fails(to_symlink, "psk_key_file '/k/psk' is a symbolic link");
	expect_start_fails(to_other_owner, "is not owned by root or the agent's user");
	expect_start_fails(to_dir, "psk_key_file '/k/psk' is a directory");
	expect_start_fails(to_mode_640, "lets group or others in");
	expect_start_fails(to_short, "shorter than 16 bytes");
	/* owned by the agent's own (non-root) user: fine */
	fake_reset_all();
	fake_file_put("/k/psk", "00112233445566778899aabbccddeeff", 0400);
	fake_file_set_attr("/k/psk", 1234, FAKE_FILE_REG);
	fake_file_set_euid(1234);
	{
		struct t *t = start(ini_psk);

		assert_non_null(t->ag->sec);
		assert_int_equal(fake_file_live_secrets(), 0);
		harness_stop(t);
	}
}

static void test_check_config_messages(void **state)
{
	static const struct { const char *content; uint32_t mode, uid;
			      enum fake_file_type type; const char *msg; } c[] = {
		{ "00112233445566778899aabbccddeeff", 0600, 0, FAKE_FILE_SYMLINK,
		  "t.ini:7: [security] psk_key_file: '/k/psk' is a symbolic link; expected the file itself" },
		{ "00112233445566778899aabbccddeeff", 0600, 77, FAKE_FILE_REG,
		  "t.ini:7: [security] psk_key_file: '/k/psk' is owned by uid 77; expected root or uid 0 (the agent's user)" },
		{ "", 0700, 0, FAKE_FILE_DIR,
		  "t.ini:7: [security] psk_key_file: '/k/psk' is a directory; expected a file" },
		{ "00112233445566778899aabbccddeeff", 0604, 0, FAKE_FILE_REG,
		  "t.ini:7: [security] psk_key_file: '/k/psk' is readable by group or others (mode 604); expected mode 600 or 400" },
		{ "0011223344556677889", 0600, 0, FAKE_FILE_REG,
		  "t.ini:7: [security] psk_key_file: '/k/psk': an odd number of hex digits; expected 16..64 bytes, as hex digits or raw" },
	};
	static const char ini[] =
		"[agent]\nname = a\n[controller.c]\naddress = 10.0.1.1\n"
		"[security]\nmode = dtls-psk\npsk_key_file = /k/psk\npsk_identity = a\n";

	(void)state;
	for (unsigned int i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct config *cfg = NULL;
		struct cfg_diag d;

		fake_reset_all();
		fake_file_put("/k/psk", c[i].content, c[i].mode);
		fake_file_set_attr("/k/psk", c[i].uid, c[i].type);
		assert_int_equal(config_load_text("t.ini", ini, &cfg, &d), -EINVAL);
		if (d.n != 1 || strcmp(d.msg[0], c[i].msg))
			fail_msg("case %u: got '%s'", i, d.n ? d.msg[0] : "");
	}
	{	/* certificates: public, but never writable by others */
		static const char ini2[] =
			"[agent]\nname = a\n[controller.c]\naddress = 10.0.1.1\n"
			"[security]\nmode = dtls-cert\nca_file = /k/ca\ncert_file = /k/c\nkey_file = /k/k\n";
		struct config *cfg = NULL;
		struct cfg_diag d;

		fake_reset_all();
		fake_file_put("/k/ca", "x", 0666);
		fake_file_put("/k/c", "x", 0644);
		fake_file_put("/k/k", "x", 0600);
		assert_int_equal(config_load_text("t.ini", ini2, &cfg, &d), -EINVAL);
		assert_int_equal(d.n, 1);
		assert_string_equal(d.msg[0], "t.ini:7: [security] ca_file: '/k/ca' is writable "
				    "by group or others (mode 666); expected mode 644 or stricter");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_psk_handshake_and_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_shows_dtls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_shows_dtls_refusal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ccs_waits_for_sender_dry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alert_while_ccs_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_early_records_buffered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_advances_key_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_holds_every_reading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_by_record_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_reads_old_epoch_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_records_around_ccs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_waits_for_dry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_refused_reassociates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rekey_cut_by_peer_shutdown, setup, teardown),
		cmocka_unit_test(test_key_ids_wrap),
		cmocka_unit_test_setup_teardown(test_peer_without_auth_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_psk_refused_and_backoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_identity_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_plaintext_controller_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_back_to_key_0, setup, teardown),
		cmocka_unit_test_setup_teardown(test_close_notify_then_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_added_controller_gets_channel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_handshake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_wrong_name_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_wrong_ca_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_expired_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clock_not_set_refused, setup, teardown),
		cmocka_unit_test(test_key_file_checks),
		cmocka_unit_test(test_check_config_messages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
