// SPDX-License-Identifier: MIT
/*
 * The secure channel of one association: DTLS 1.2 over SCTP (RFC 6083).
 *
 *   COMM_UP -> check the peer authenticates DATA (SCTP-AUTH) or ABORT
 *           -> handshake on stream 0 (nothing of the agent's protocol yet)
 *           -> exporter key installed as key id + 1 (65535 wraps to 1)
 *           -> ChangeCipherSpec only once the SCTP sender is dry
 *           -> the new key made active right after our Finished (the
 *              controller has it only once it read our key exchange)
 *           -> open: the old key deactivated, deleted at FREE_KEY;
 *              records that overtook the Finished on other streams fed;
 *              HELLO and the replay go out (assoc_channel_ready)
 *   rekey (lifetime or record count): once the sender is dry (so the
 *           peer has every record of the old epoch before our
 *           ClientHello), renegotiation, the same steps; our application
 *           data held meanwhile; the peer's records of the old epoch are
 *           still read (port/dtls.h), those of the new one held until our
 *           handshake completes; a peer that refuses to renegotiate gets a
 *           graceful close and a new association (new keys, replay)
 *   close: close_notify once dry, then SCTP EOF
 *   failure or refusal: counted by reason, logged, ABORT; the association
 *           layer backs off (its backoff resets only when a channel opens)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/mq.h"
#include "agent/msg.h"
#include "agent/secure_int.h"
#include "port/clock.h"
#include "port/loop.h"

_Static_assert(PD_FAIL_COUNT <= sizeof(((struct secure_stats *)0)->fail_by) /
	       sizeof(((struct secure_stats *)0)->fail_by[0]), "fail_by too small");

static struct sec_chan *chan(const struct secure *s, const struct assoc *a)
{
	return (struct sec_chan *)&s->ch[assoc_index(a)];
}

static struct ps_ep *ep_of(const struct sec_chan *ch)
{
	return ch->sa->env.ep;
}

static const struct cfg_security_sec *sec_cfg(const struct sec_chan *ch)
{
	return &ch->sa->env.cfg->security;
}

const struct secure_stats *secure_stats(const struct secure *s,
					const struct assoc *a)
{
	return &chan(s, a)->st;
}

/* ---- keys (RFC 6083 4.7) ---------------------------------------------- */

uint16_t secure_next_key_id(uint16_t id)
{
	return id == 65535 ? 1 : (uint16_t)(id + 1);
}

static void key_error(struct sec_chan *ch, const char *what, uint16_t id, int rc)
{
	ch->st.key_errors++;
	ALOG(ch->a, LOG_ERR, "SCTP-AUTH: %s key %u failed: %s", what, id, strerror(-rc));
}

/* The exporter value of the handshake in progress: the next key id. */
static void on_key(void *arg, const uint8_t key[PD_KEY_LEN])
{
	struct sec_chan *ch = arg;
	struct assoc *a = ch->a;
	uint16_t id = secure_next_key_id(ch->key);
	int rc = ps_auth_key_set(ep_of(ch), assoc_id(a), id, key, PD_KEY_LEN);

	if (rc) {
		key_error(ch, "install", id, rc);
		return;
	}
	ch->next_key = id;
	ch->has_next = true;
	ALOG(a, LOG_DEBUG, "SCTP-AUTH: key %u installed (exporter)", id);
}

/* Right after our first record of a new epoch (our Finished): switch.
 * We send the first Finished of a full handshake (the client's), and the
 * controller installs the new key only once its application processed our
 * ClientKeyExchange: a Finished under the new key would often reach its
 * kernel first and be discarded (unknown key id) until a retransmission
 * timeout, which also marks the path PF (a spurious failover). OpenSSL's
 * client switches at the same point (TLS_ST_CW_FINISHED post-work); the
 * second Finished (the server's) goes under the new key. */
static void switch_key(struct sec_chan *ch)
{
	struct assoc *a = ch->a;
	int rc;

	if (!ch->has_next)
		return;
	rc = ps_auth_key(ep_of(ch), assoc_id(a), ch->next_key, PS_AUTH_ACTIVATE);
	if (rc) {
		key_error(ch, "activate", ch->next_key, rc);
		return;
	}
	ch->old_key = ch->key;
	ch->has_old = true;
	ch->key = ch->next_key;
	ch->has_next = false;
}

/* After the peer's Finished: the old key goes (at FREE_KEY if the stack
 * can deactivate, so chunks still queued with it are not orphaned). */
static void retire_old_key(struct sec_chan *ch)
{
	struct assoc *a = ch->a;
	int rc;

	if (!ch->has_old)
		return;
	rc = ps_auth_key(ep_of(ch), assoc_id(a), ch->old_key, PS_AUTH_DEACTIVATE);
	if (rc == -EOPNOTSUPP)
		rc = ps_auth_key(ep_of(ch), assoc_id(a), ch->old_key, PS_AUTH_DELETE);
	else if (!rc)
		return;		/* deleted at FREE_KEY */
	if (rc)
		key_error(ch, "remove", ch->old_key, rc);
	ch->has_old = false;
}

/* ---- engine I/O ------------------------------------------------------- */

static bool sender_dry(struct sec_chan *ch)
{
	unsigned int n = 1;

	return !ps_assoc_pending(ep_of(ch), assoc_id(ch->a), &n) && n == 0;
}

static int io_send(void *arg, const uint8_t *rec, size_t len)
{
	struct sec_chan *ch = arg;
	struct assoc *a = ch->a;
	struct ps_sndinfo si = { .assoc = assoc_id(a), .stream = MSG_STREAM_CTRL,
				 .ppid = MSG_PPID };
	uint16_t epoch = pd_record_epoch(rec, len);
	int rc;

	if (rec[0] == PD_REC_APP && ch->cur) {
		si = *ch->cur;
		si.flags &= ~(uint32_t)PS_SEND_SENDALL;
	}
	/* RFC 6083 4.7: all user messages acknowledged before the CCS */
	if (rec[0] == PD_REC_CCS && !sender_dry(ch)) {
		ch->wait_dry = true;
		return -EAGAIN;
	}
	rc = ps_send(ep_of(ch), &si, rec, len);
	ch->send_err = rc;
	if (!rc && epoch > ch->tx_epoch) {
		switch_key(ch);
		ch->tx_epoch = epoch;
	}
	if (!rc)
		ch->st.records_out++;
	else if (rc == -EAGAIN && rec[0] != PD_REC_APP)
		loop_timer_in(ch->hs_timer, SEC_OUT_RETRY_MS);
	else if (rc != -EAGAIN)
		ALOG(a, LOG_WARN, "DTLS record (type %u, %zu bytes, stream %u) not sent: %s",
		     rec[0], len, si.stream, strerror(-rc));
	return rc;
}

static void io_timer(void *arg, uint32_t ms)
{
	struct sec_chan *ch = arg;

	if (ms)
		loop_timer_in(ch->hs_timer, ms);
	else
		loop_timer_stop(ch->hs_timer);
}

/* ---- failure ---------------------------------------------------------- */

static void stop_timers(struct sec_chan *ch)
{
	loop_timer_stop(ch->hs_timer);
	loop_timer_stop(ch->rekey_timer);
	loop_timer_stop(ch->close_timer);
}

/* Refused or failed: logged, ABORT of this association only. The
 * COMM_LOST that follows tears the session down; reconnects back off. */
static void refuse(struct sec_chan *ch, const char *why)
{
	struct assoc *a = ch->a;
	struct ps_sndinfo si = { .assoc = assoc_id(a), .flags = PS_SEND_ABORT };
	char reason[200];
	int n = snprintf(reason, sizeof(reason), "DTLS: %s", why);

	ALOG(a, LOG_ERR, "secure channel refused: %s; aborting this association", why);
	snprintf(ch->last_error, sizeof(ch->last_error), "%s", why);
	ch->state = CH_DEAD;
	stop_timers(ch);
	(void)ps_send(ep_of(ch), &si, reason, n > 0 ? (size_t)n : 0);
}

static void fail(struct sec_chan *ch)
{
	enum pd_fail f = pd_fail_reason(ch->s);
	char why[240];

	if (ch->send_err == -EPIPE) {
		/* the controller shuts the association down (SHUTDOWN) in the
		 * middle of a handshake: not a failure, nothing to ABORT; the
		 * association layer sees SHUTDOWN_COMP and reconnects */
		ALOG(ch->a, LOG_INFO, "DTLS: %s cut short by the controller's shutdown",
		     ch->state == CH_REKEY ? "rekey" : "handshake");
		ch->state = CH_DEAD;
		stop_timers(ch);
		return;
	}
	ch->st.failures++;
	ch->st.fail_by[f < PD_FAIL_COUNT ? f : PD_FAIL_INTERNAL]++;
	snprintf(why, sizeof(why), "%s failed (%s): %s",
		 ch->state == CH_REKEY ? "rekey" : "handshake", pd_fail_name(f),
		 pd_last_error(ch->s));
	refuse(ch, why);
}

/* ---- records in -------------------------------------------------------- */

/* A DTLS 1.x record header: type 20..23, version 254.x. */
static bool is_record(const uint8_t *p, size_t n)
{
	return n >= PD_REC_HDR && p[0] >= PD_REC_CCS && p[0] <= PD_REC_APP &&
	       p[1] == 0xfe && (size_t)(p[11] << 8 | p[12]) + PD_REC_HDR == n;
}

/* One decrypted message to the agent's protocol, as if it came in clear. */
static void deliver(struct sec_chan *ch, const struct ps_event *ev,
		    const uint8_t *msg, size_t n)
{
	/* records carry our PPID; RFC 6083 peers (OpenSSL) often send 0 */
	assoc_deliver(ch->a, ev->u.data.stream,
		      ev->u.data.ppid ? ev->u.data.ppid : MSG_PPID, msg, n);
}

static void handshake_done(struct sec_chan *ch);
static void drive(struct sec_chan *ch, const uint8_t *rec, size_t len);

static uint8_t rx_plain[PD_MAX_MSG];	/* decrypted; the loop's thread only */

static void read_open(struct sec_chan *ch, const struct ps_event *ev)
{
	size_t n = 0;
	int rc = pd_read(ch->s, ev->u.data.buf, ev->u.data.len, rx_plain,
			 sizeof(rx_plain), &n);

	if (!rc) {
		if (n)
			deliver(ch, ev, rx_plain, n);
		return;
	}
	if (ch->state == CH_CLOSING && rc != -EPROTO) {
		/* after a refused rekey: the session is mid-handshake, only
		 * application records are still read; an alert in answer to
		 * our close_notify is expected */
		ALOG(ch->a, LOG_DEBUG, "DTLS: record type %u while closing ignored",
		     ev->u.data.buf[0]);
		return;
	}
	if (rc == -EAGAIN) {		/* the peer asked for a new handshake */
		ch->state = CH_REKEY;
		ch->hs_start_ms = clock_mono_ms();
		ALOG(ch->a, LOG_INFO, "DTLS: the controller started a renegotiation");
	} else if (rc == -ENOTCONN) {
		ch->state = CH_CLOSING;
		ALOG(ch->a, LOG_INFO, "DTLS: the controller closed the session (close_notify)");
	} else if (rc == -EBADMSG) {
		ch->st.bad_records++;
		ALOG(ch->a, LOG_DEBUG, "DTLS: record dropped (%llu so far)", ch->st.bad_records);
	} else {
		fail(ch);
	}
}

/* During a handshake, application records of the epoch it is making have
 * overtaken the Finished (another stream, or unordered): hold them. */
static void hold_early(struct sec_chan *ch, const struct ps_event *ev)
{
	struct mq_msg m = { .stream = ev->u.data.stream, .len = ev->u.data.len,
			    .flags = ev->u.data.unordered ? PS_SEND_UNORDERED : 0,
			    .seq = ev->u.data.ppid };

	if (mq_push(ch->early, &m, ev->u.data.buf, false)) {
		ch->st.early_dropped++;
		ALOG(ch->a, LOG_WARN, "DTLS: early records over %u: oldest dropped",
		     SEC_EARLY_MAX);
	}
	ch->st.early_buffered++;
}

/* An application record while a handshake runs: one of the epoch before a
 * renegotiation (the peer may send until its ChangeCipherSpec: commands,
 * ACKs) is read now, one of the coming epoch waits for the Finished. */
static void read_in_handshake(struct sec_chan *ch, const struct ps_event *ev)
{
	size_t n = 0;
	int rc = pd_read(ch->s, ev->u.data.buf, ev->u.data.len, rx_plain,
			 sizeof(rx_plain), &n);

	if (rc == -EINPROGRESS) {
		hold_early(ch, ev);
	} else if (!rc) {
		ch->st.old_epoch_read++;
		if (n)
			deliver(ch, ev, rx_plain, n);
	} else {
		ch->st.bad_records++;
		ALOG(ch->a, LOG_WARN, "DTLS: record during the handshake dropped "
		     "(%llu so far)", ch->st.bad_records);
	}
}

static void feed_early(struct sec_chan *ch, const struct ps_event *like)
{
	while (mq_len(ch->early) && ch->state == CH_OPEN) {
		const struct mq_msg *m = mq_peek(ch->early);
		struct ps_event ev = *like;

		ev.u.data.stream = m->stream;
		ev.u.data.unordered = m->flags & PS_SEND_UNORDERED;
		ev.u.data.ppid = m->seq;
		ev.u.data.buf = m->data;
		ev.u.data.len = m->len;
		read_open(ch, &ev);
		if (ch->state == CH_DEAD)
			return;
		mq_pop(ch->early);
	}
}

void secure_on_data(struct secure *s, struct assoc *a, const struct ps_event *ev)
{
	struct sec_chan *ch = chan(s, a);

	if (ch->state == CH_IDLE || ch->state == CH_DEAD || !ch->s)
		return;
	if (!is_record(ev->u.data.buf, ev->u.data.len)) {
		ch->st.plaintext_dropped++;
		if (ch->state == CH_HANDSHAKE)
			refuse(ch, "the controller sent plaintext, not DTLS (is its "
			       "[security] mode dtls too?)");
		else
			ALOG(a, LOG_WARN, "DTLS: message that is not a DTLS record "
			     "dropped (%llu so far)", ch->st.plaintext_dropped);
		return;
	}
	ch->st.records_in++;
	if (ch->state == CH_OPEN || ch->state == CH_CLOSING ||
	    (ch->state == CH_REKEY && ch->rekey_wait)) {
		read_open(ch, ev);
		return;
	}
	if (ev->u.data.buf[0] == PD_REC_APP) {
		read_in_handshake(ch, ev);
		return;
	}
	drive(ch, ev->u.data.buf, ev->u.data.len);
	if (ch->state == CH_OPEN)
		feed_early(ch, ev);
}

/* ---- the handshake driver --------------------------------------------- */

static void close_now(struct sec_chan *ch);

/* The peer refused our renegotiation: this session cannot go on (the
 * engine has no way back to the old keys), and the policy wants new
 * keys: close_notify, SCTP EOF, and the association layer reconnects
 * (SHUTDOWN_COMP of an association it did not close) and replays. */
static void reassociate(struct sec_chan *ch)
{
	ch->st.rekey_refused++;
	ALOG(ch->a, LOG_WARN, "DTLS: %s; closing this association for a new one "
	     "with new keys (refusals so far: %llu)", pd_last_error(ch->s),
	     ch->st.rekey_refused);
	loop_timer_stop(ch->hs_timer);
	loop_timer_stop(ch->rekey_timer);
	ch->state = CH_CLOSING;
	if (sender_dry(ch)) {
		close_now(ch);
		return;
	}
	ch->close_pending = true;
	loop_timer_in(ch->close_timer, SEC_CLOSE_WAIT_MS);
}

static void drive(struct sec_chan *ch, const uint8_t *rec, size_t len)
{
	int rc = pd_handshake(ch->s, rec, len);

	if (!rc)
		handshake_done(ch);
	else if (rc == -ECONNREFUSED)
		reassociate(ch);
	else if (rc != -EAGAIN)
		fail(ch);
}

static void renegotiate(struct sec_chan *ch);

static void on_hs_timer(void *arg, struct loop_timer *t)
{
	struct sec_chan *ch = arg;

	(void)t;
	if (ch->state == CH_REKEY && ch->rekey_wait) {
		ALOG(ch->a, LOG_WARN, "DTLS: sender not dry after %u ms: rekeying anyway",
		     sec_cfg(ch)->handshake_timeout_ms);
		renegotiate(ch);
	} else if (ch->state == CH_HANDSHAKE || ch->state == CH_REKEY) {
		drive(ch, NULL, 0);
	}
}

/* Our application data is held from here on (the channel is not open).
 * The ClientHello waits until everything we sent is acknowledged, so no
 * record of the old epoch reaches the peer after it: engines such as
 * mbedTLS drop application data in the middle of a handshake. */
static void start_rekey(struct sec_chan *ch, const char *why)
{
	if (ch->state != CH_OPEN)
		return;
	ALOG(ch->a, LOG_INFO, "DTLS: rekeying (%s)", why);
	ch->state = CH_REKEY;
	ch->hs_start_ms = clock_mono_ms();
	if (sender_dry(ch)) {
		renegotiate(ch);
		return;
	}
	ch->rekey_wait = true;
	loop_timer_in(ch->hs_timer, sec_cfg(ch)->handshake_timeout_ms);
}

static void renegotiate(struct sec_chan *ch)
{
	int rc;

	ch->rekey_wait = false;
	loop_timer_stop(ch->hs_timer);
	rc = pd_renegotiate(ch->s);
	if (!rc)
		handshake_done(ch);
	else if (rc != -EAGAIN)
		fail(ch);
}

static void on_rekey_timer(void *arg, struct loop_timer *t)
{
	(void)t;
	start_rekey(arg, "lifetime");
}

static void handshake_done(struct sec_chan *ch)
{
	struct assoc *a = ch->a;
	const struct cfg_security_sec *s = sec_cfg(ch);
	bool first = ch->state == CH_HANDSHAKE;

	loop_timer_stop(ch->hs_timer);
	retire_old_key(ch);
	ch->state = CH_OPEN;
	ch->open_ms = clock_mono_ms();
	if (first)
		ch->st.handshakes++;
	else
		ch->st.rekeys++;
	ALOG(a, LOG_INFO, "DTLS %s: %s, SCTP-AUTH key %u, %llu ms",
	     first ? "up" : "rekeyed", pd_suite(ch->s), ch->key,
	     (unsigned long long)(ch->open_ms - ch->hs_start_ms));
	if (s->rekey_interval_s)
		loop_timer_in(ch->rekey_timer, s->rekey_interval_s * 1000u);
	if (first)
		assoc_channel_ready(a);	/* HELLO, replay, queue */
	else
		assoc_flush(a);		/* what the rekey held */
}

/* ---- association events ------------------------------------------------ */

static bool peer_authenticates(struct sec_chan *ch, char *why, size_t n)
{
	struct assoc *a = ch->a;
	uint8_t c[PS_AUTH_MAX_CHUNKS];
	unsigned int k = 0;
	uint32_t feat = assoc_features(a);
	uint8_t need[2] = { feat & PS_FEAT_INTERLEAVE ? PS_CHUNK_IDATA : PS_CHUNK_DATA,
			    feat & PS_FEAT_INTERLEAVE ? PS_CHUNK_IFWD_TSN : PS_CHUNK_FWD_TSN };
	unsigned int n_need = feat & PS_FEAT_PR ? 2 : 1;

	if (!(feat & PS_FEAT_AUTH)) {
		snprintf(why, n, "the controller does not support SCTP-AUTH (RFC 4895), "
			 "which RFC 6083 requires");
		return false;
	}
	if (ps_auth_chunks(ep_of(ch), assoc_id(a), true, c, sizeof(c), &k))
		k = 0;
	for (unsigned int i = 0; i < n_need; i++)
		if (!memchr(c, need[i], k)) {
			snprintf(why, n, "the controller does not authenticate chunk "
				 "type 0x%02x (SCTP-AUTH, RFC 6083 needs DATA%s)", need[i],
				 n_need > 1 ? " and FORWARD-TSN" : "");
			return false;
		}
	return true;
}

/* A RESTART keeps the association's keys (Linux): back to key 0. */
static void reset_keys(struct sec_chan *ch)
{
	struct assoc *a = ch->a;

	if (ch->key == 0 && !ch->has_next && !ch->has_old)
		return;
	(void)ps_auth_key_set(ep_of(ch), assoc_id(a), 0, NULL, 0);
	(void)ps_auth_key(ep_of(ch), assoc_id(a), 0, PS_AUTH_ACTIVATE);
	if (ch->key)
		(void)ps_auth_key(ep_of(ch), assoc_id(a), ch->key, PS_AUTH_DELETE);
	if (ch->has_next)
		(void)ps_auth_key(ep_of(ch), assoc_id(a), ch->next_key, PS_AUTH_DELETE);
	if (ch->has_old && ch->old_key)
		(void)ps_auth_key(ep_of(ch), assoc_id(a), ch->old_key, PS_AUTH_DELETE);
}

static void drop_session(struct sec_chan *ch)
{
	stop_timers(ch);
	pd_sess_destroy(ch->s);
	ch->s = NULL;
	mq_clear(ch->early);
	ch->cur = NULL;
	ch->wait_dry = ch->close_pending = ch->rekey_wait = false;
	ch->send_err = 0;
}

void secure_open(struct secure *s, struct assoc *a)
{
	struct sec_chan *ch = chan(s, a);
	const struct cfg_controller *cc = &s->env.cfg->ctrls[assoc_index(a)];
	struct pd_io io;
	char why[200];
	int rc;

	if (ch->state != CH_IDLE)	/* RESTART: the same association id */
		reset_keys(ch);
	drop_session(ch);
	ch->key = ch->next_key = ch->old_key = 0;
	ch->has_next = ch->has_old = false;
	ch->tx_epoch = 0;
	ch->state = CH_HANDSHAKE;
	ch->hs_start_ms = clock_mono_ms();
	if (!peer_authenticates(ch, why, sizeof(why))) {
		ch->st.refused_no_auth++;
		refuse(ch, why);
		return;
	}
	io = (struct pd_io){ .send = io_send, .set_timer = io_timer, .on_key = on_key,
			     .arg = ch };
	rc = pd_sess_create(s->conf, &io, cc->tls_name[0] ? cc->tls_name : cc->name,
			    &ch->s);
	if (rc) {
		ch->st.failures++;
		ch->st.fail_by[PD_FAIL_INTERNAL]++;
		refuse(ch, strerror(-rc));
		return;
	}
	ALOG(a, LOG_INFO, "DTLS: handshake started (%s)", sec_cfg(ch)->mode ==
	     CFG_SEC_DTLS_PSK ? "PSK" : "certificates");
	drive(ch, NULL, 0);
}

void secure_down(struct secure *s, struct assoc *a)
{
	struct sec_chan *ch = chan(s, a);

	drop_session(ch);
	ch->state = CH_IDLE;
	ch->key = 0;
	ch->has_next = ch->has_old = false;
}

bool secure_is_open(const struct secure *s, const struct assoc *a)
{
	return chan(s, a)->state == CH_OPEN;
}

int secure_send(struct secure *s, struct assoc *a, const struct ps_sndinfo *si,
		const void *buf, size_t len)
{
	struct sec_chan *ch = chan(s, a);
	int rc;

	if (ch->state != CH_OPEN)
		return -ENOTCONN;
	ch->cur = si;
	rc = pd_write(ch->s, buf, len);
	ch->cur = NULL;
	if (rc == -EPROTO) {
		fail(ch);
		return -ENOTCONN;
	}
	if (pd_tx_seq(ch->s) >= (sec_cfg(ch)->rekey_records ?
				 sec_cfg(ch)->rekey_records : SEC_REKEY_SEQ))
		start_rekey(ch, "record count");
	return rc;
}

/* ---- close ------------------------------------------------------------- */

static int send_eof(struct sec_chan *ch)
{
	struct ps_sndinfo si = { .assoc = assoc_id(ch->a), .flags = PS_SEND_EOF };

	return ps_send(ep_of(ch), &si, NULL, 0);
}

/* RFC 6083 4.8: close_notify only once everything was acknowledged. */
static void close_now(struct sec_chan *ch)
{
	int rc;

	ch->close_pending = false;
	loop_timer_stop(ch->close_timer);
	(void)pd_close_notify(ch->s);
	rc = send_eof(ch);
	if (rc) {
		struct ps_sndinfo si = { .assoc = assoc_id(ch->a), .flags = PS_SEND_ABORT };

		ALOG(ch->a, LOG_WARN, "EOF after close_notify failed: %s; aborting",
		     strerror(-rc));
		(void)ps_send(ep_of(ch), &si, "closing", 7);
	}
}

static void on_close_timer(void *arg, struct loop_timer *t)
{
	struct sec_chan *ch = arg;

	(void)t;
	if (ch->close_pending) {
		ALOG(ch->a, LOG_WARN, "DTLS: sender not dry after %u ms: closing anyway",
		     SEC_CLOSE_WAIT_MS);
		close_now(ch);
	}
}

int secure_shutdown(struct secure *s, struct assoc *a)
{
	struct sec_chan *ch = chan(s, a);

	if (ch->state != CH_OPEN)
		return send_eof(ch);
	ch->state = CH_CLOSING;
	if (sender_dry(ch)) {
		close_now(ch);
		return 0;
	}
	ch->close_pending = true;
	loop_timer_in(ch->close_timer, SEC_CLOSE_WAIT_MS);
	return 0;
}

/* ---- notifications ----------------------------------------------------- */

void secure_on_event(struct secure *s, struct assoc *a, const struct ps_event *ev)
{
	struct sec_chan *ch = chan(s, a);

	if (ev->type == PS_EV_SENDER_DRY) {
		if (ch->close_pending)
			close_now(ch);
		if (ch->rekey_wait && ch->state == CH_REKEY)
			renegotiate(ch);
		if (ch->wait_dry && ch->s) {
			ch->wait_dry = false;
			drive(ch, NULL, 0);
		}
		return;
	}
	if (ev->type != PS_EV_AUTH)
		return;
	switch (ev->u.auth.indication) {
	case PS_AUTH_FREE_KEY:
		if (ch->has_old && ev->u.auth.keynumber == ch->old_key) {
			int rc = ps_auth_key(ep_of(ch), assoc_id(a), ch->old_key, PS_AUTH_DELETE);

			if (rc)
				key_error(ch, "delete", ch->old_key, rc);
			ch->has_old = false;
		}
		break;
	case PS_AUTH_NO_AUTH:
		ch->st.refused_no_auth++;
		refuse(ch, "the controller does not support SCTP-AUTH");
		break;
	case PS_AUTH_NEW_KEY:	/* the kernel verified a chunk with this key */
		ALOG(a, LOG_INFO, "SCTP-AUTH: the controller authenticates with key %u",
		     ev->u.auth.keynumber);
		break;
	default:
		ALOG(a, LOG_DEBUG, "SCTP-AUTH: the controller uses key %u",
		     ev->u.auth.keynumber);
		break;
	}
}

/* ---- life cycle -------------------------------------------------------- */

void secure_log_status(struct secure *s, const struct assoc *a)
{
	const struct sec_chan *ch = chan(s, a);

	ALOG(a, LOG_INFO, "DTLS: %s, key %u; handshakes %llu, rekeys %llu (refused "
	     "%llu), failures %llu (no AUTH %llu); records in %llu out %llu, bad %llu, "
	     "early %llu (dropped %llu), old epoch %llu, not DTLS %llu, key errors %llu",
	     ch->state == CH_OPEN ? pd_suite(ch->s) : "not open", ch->key,
	     ch->st.handshakes, ch->st.rekeys, ch->st.rekey_refused, ch->st.failures,
	     ch->st.refused_no_auth, ch->st.records_in, ch->st.records_out,
	     ch->st.bad_records, ch->st.early_buffered, ch->st.early_dropped,
	     ch->st.old_epoch_read, ch->st.plaintext_dropped, ch->st.key_errors);
}

static const char *state_name(enum sec_state st)
{
	static const char *const names[] = { "idle", "handshake", "open", "rekey",
					     "closing", "refused" };

	return (unsigned int)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

void secure_info(const struct secure *s, const struct assoc *a, struct secure_info *out)
{
	const struct sec_chan *ch = chan(s, a);
	bool keyed = ch->state == CH_OPEN || ch->state == CH_REKEY || ch->state == CH_CLOSING;

	*out = (struct secure_info){
		.state = state_name(ch->state),
		.mode = s->env.cfg->security.mode == CFG_SEC_DTLS_PSK ? "dtls-psk" : "dtls-cert",
		.suite = keyed && ch->s ? pd_suite(ch->s) : "",
		.key_id = keyed ? ch->key : 0,
		.open_ms = keyed ? ch->open_ms : 0,
		.last_error = ch->last_error,
		.st = &ch->st,
	};
}

static int chan_init(struct secure *sa, unsigned int i)
{
	struct sec_chan *ch = &sa->ch[i];
	struct loop *l = sa->env.loop;
	int rc;

	ch->sa = sa;
	ch->a = sa->env.assocs[i];
	rc = mq_create(SEC_EARLY_MAX, &ch->early);
	rc = rc ? rc : loop_timer_new(l, on_hs_timer, ch, &ch->hs_timer);
	rc = rc ? rc : loop_timer_new(l, on_rekey_timer, ch, &ch->rekey_timer);
	return rc ? rc : loop_timer_new(l, on_close_timer, ch, &ch->close_timer);
}

int secure_add(struct secure *sa, unsigned int i)
{
	if (!sa || i != sa->env.n_assocs || i >= CONFIG_MAX_CONTROLLERS)
		return -EINVAL;
	sa->env.n_assocs = i + 1;	/* secure_destroy() frees what chan_init made */
	return chan_init(sa, i);
}

int secure_create(const struct secure_env *env, struct secure **out)
{
	static const uint8_t chunks[] = { PS_CHUNK_DATA, PS_CHUNK_FWD_TSN,
					  PS_CHUNK_IDATA, PS_CHUNK_IFWD_TSN };
	static const uint16_t hmacs[] = { PS_HMAC_SHA256, PS_HMAC_SHA1 };
	struct secure *sa;
	int rc;

	*out = NULL;
	if (env->cfg->security.mode == CFG_SEC_NONE)
		return 0;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return -ENOMEM;
	sa->env = *env;
	rc = secure_cred_load(env->cfg, &sa->conf);
	for (unsigned int i = 0; !rc && i < env->n_assocs; i++)
		rc = chan_init(sa, i);
	if (!rc) {
		rc = ps_auth_setup(env->ep, chunks, sizeof(chunks), hmacs, 2);
		if (rc)
			LOG(LOGM_MAIN, LOG_ERR, "SCTP-AUTH cannot be enabled on the socket: %s%s",
			    strerror(-rc), rc == -EACCES ? " (set sysctl net.sctp.auth_enable=1; "
			    "DTLS over SCTP, RFC 6083, needs SCTP-AUTH)" : "");
	}
	if (rc) {
		secure_destroy(sa);
		return rc;
	}
	*out = sa;
	return 0;
}

void secure_destroy(struct secure *sa)
{
	if (!sa)
		return;
	for (unsigned int i = 0; i < CONFIG_MAX_CONTROLLERS; i++) {
		struct sec_chan *ch = &sa->ch[i];

		pd_sess_destroy(ch->s);
		loop_timer_free(ch->hs_timer);
		loop_timer_free(ch->rekey_timer);
		loop_timer_free(ch->close_timer);
		mq_destroy(ch->early);
	}
	pd_conf_destroy(sa->conf);
	free(sa);
}
