// SPDX-License-Identifier: MIT
/*
 * port/mbedtls/io.c - driving a session: handshake, records in and out,
 * and what a failure was, in words a log reader can act on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

/* mbedtls_ssl_decrypt_buf and mbedtls_record: 2.28 installs this header
 * and exports the function; see read_old_epoch() */
#include <mbedtls/ssl_internal.h>

#include "port/mbedtls/pd_int.h"

static const char *const fail_names[PD_FAIL_COUNT] = {
	"none", "timeout", "peer-alert", "unknown-psk-identity", "bad-mac",
	"bad-certificate", "certificate-time", "clock-not-set", "protocol",
	"internal", "renegotiation-refused",
};

const char *pd_fail_name(enum pd_fail f)
{
	return f < PD_FAIL_COUNT ? fail_names[f] : "?";
}

static const char *alert_name(unsigned int a)
{
	switch (a) {
	case 10: return "unexpected_message";
	case 20: return "bad_record_mac";
	case 40: return "handshake_failure";
	case 42: return "bad_certificate";
	case 45: return "certificate_expired";
	case 46: return "certificate_unknown";
	case 47: return "illegal_parameter";
	case 48: return "unknown_ca";
	case 51: return "decrypt_error";
	case 70: return "protocol_version";
	case 71: return "insufficient_security";
	case 80: return "internal_error";
	case 115: return "unknown_psk_identity";
	default: return "alert";
	}
}

static void verify_text(struct pd_sess *s)
{
	uint32_t f = mbedtls_ssl_get_verify_result(&s->ssl);
	char buf[160];

	if (s->fail == PD_FAIL_CLOCK || s->fail == PD_FAIL_CERT_TIME)
		return;		/* verify_cb said it better */
	s->fail = PD_FAIL_CERT;
	if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH)
		snprintf(s->err, sizeof(s->err), "peer certificate is not for '%s' "
			 "(no matching SAN dNSName or CN)", s->peer_name);
	else if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		snprintf(s->err, sizeof(s->err), "peer certificate is not signed by "
			 "our CA (unknown issuer)");
	else if (f & MBEDTLS_X509_BADCERT_MISSING)
		snprintf(s->err, sizeof(s->err), "peer sent no certificate");
	else {
		mbedtls_x509_crt_verify_info(buf, sizeof(buf), "", f);
		buf[strcspn(buf, "\n")] = 0;
		snprintf(s->err, sizeof(s->err), "peer certificate refused: %s", buf);
	}
}

/* Classify a fatal mbedTLS error once; keeps a reason set by a callback. */
static void set_fail(struct pd_sess *s, int rc)
{
	char e[120];

	s->dead = true;
	s->open = false;
	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
		verify_text(s);
		return;
	}
	if (s->fail != PD_FAIL_NONE)
		return;
	switch (rc) {
	case MBEDTLS_ERR_SSL_TIMEOUT:
		s->fail = PD_FAIL_TIMEOUT;
		snprintf(s->err, sizeof(s->err), "no handshake answer within %u ms",
			 (unsigned int)s->c->hs_timeout_ms);
		return;
	case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
		s->fail = s->ssl.in_msg && s->ssl.in_msg[1] == 115 ? PD_FAIL_PSK : PD_FAIL_ALERT;
		snprintf(s->err, sizeof(s->err), "peer sent fatal alert %u (%s)",
			 s->ssl.in_msg ? s->ssl.in_msg[1] : 0,
			 alert_name(s->ssl.in_msg ? s->ssl.in_msg[1] : 0));
		return;
	case MBEDTLS_ERR_SSL_INVALID_MAC:
		s->fail = PD_FAIL_MAC;
		snprintf(s->err, sizeof(s->err), "record with a bad MAC (a wrong PSK, "
			 "or corrupted data)");
		return;
	case MBEDTLS_ERR_SSL_ALLOC_FAILED:
	case MBEDTLS_ERR_NET_SEND_FAILED:
		s->fail = PD_FAIL_INTERNAL;
		break;
	default:
		s->fail = PD_FAIL_PROTOCOL;
		break;
	}
	mbedtls_strerror(rc, e, sizeof(e));
	snprintf(s->err, sizeof(s->err), "%s (-0x%04x)", e, (unsigned int)-rc);
}

/* Tell the peer why, where mbedTLS itself stays silent (DTLS drops a bad
 * MAC quietly; the peer would wait for its timeout). Only there: a
 * refused certificate already got mbedTLS's own fatal alert, and a second
 * one meets the peer's ABORT (a send error, which a controller may take
 * for the peer's shutdown instead of our refusal). */
static void alert_peer(struct pd_sess *s)
{
	if (s->fail == PD_FAIL_MAC)
		(void)mbedtls_ssl_send_alert_message(&s->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL,
						     MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC);
}

/* mbedTLS 2.28 answers a no_renegotiation alert (while it waits for the
 * ServerHello of our renegotiation) by waiting on until its record limit;
 * it has no way back to the old session. Say what happened instead. */
static bool refused_reneg(struct pd_sess *s)
{
	if (s->ssl.in_msgtype != MBEDTLS_SSL_MSG_ALERT || s->ssl.in_msglen < 2 ||
	    s->ssl.in_msg[1] != MBEDTLS_SSL_ALERT_MSG_NO_RENEGOTIATION)
		return false;
	s->ssl.keep_current_message = 0;
	s->refused = true;
	s->open = false;
	s->fail = PD_FAIL_REFUSED;
	snprintf(s->err, sizeof(s->err), "the peer refused to renegotiate "
		 "(no_renegotiation alert)");
	return true;
}

/* A fatal alert in clear (the peer refused us before its ChangeCipherSpec:
 * CA, certificate, PSK). mbedTLS reads records only in a read state; while
 * our ChangeCipherSpec waits for the SCTP sender to be dry it is in a write
 * state and would never see this one before the peer's ABORT. */
static bool clear_fatal_alert(struct pd_sess *s, const uint8_t *rec, size_t len)
{
	if (!rec || len != PD_REC_HDR + 2 || rec[0] != PD_REC_ALERT ||
	    s->ssl.transform_in || rec[PD_REC_HDR] != MBEDTLS_SSL_ALERT_LEVEL_FATAL)
		return false;
	s->dead = true;
	s->open = false;
	s->fail = rec[PD_REC_HDR + 1] == 115 ? PD_FAIL_PSK : PD_FAIL_ALERT;
	snprintf(s->err, sizeof(s->err), "peer sent fatal alert %u (%s)",
		 rec[PD_REC_HDR + 1], alert_name(rec[PD_REC_HDR + 1]));
	return true;
}

int pd_handshake(struct pd_sess *s, const uint8_t *rec, size_t len)
{
	int rc;

	if (s->dead || clear_fatal_alert(s, rec, len))
		return -EPROTO;
	s->rx = rec;
	s->rx_len = rec ? len : 0;
	do
		rc = mbedtls_ssl_handshake_step(&s->ssl);
	while (!rc && s->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER);
	s->rx = NULL;
	if (!rc) {
		s->open = true;
		return 0;
	}
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return -EAGAIN;
	if (rc == MBEDTLS_ERR_SSL_WAITING_SERVER_HELLO_RENEGO && refused_reneg(s))
		return -ECONNREFUSED;
	set_fail(s, rc);
	alert_peer(s);
	return -EPROTO;
}

/* Remember the keys in use now: if this record or call starts a
 * renegotiation, they are the "old epoch" of read_old_epoch(). */
static void note_epoch(struct pd_sess *s)
{
	if (s->ssl.state == MBEDTLS_SSL_HANDSHAKE_OVER) {
		s->old_tf = s->ssl.transform_in;
		s->old_epoch = s->ssl.in_epoch;
	}
}

int pd_renegotiate(struct pd_sess *s)
{
	int rc;

	if (!s->open || s->c->role != PD_CLIENT)
		return -EINVAL;
	s->open = false;
	note_epoch(s);
	rc = mbedtls_ssl_renegotiate(&s->ssl);
	if (!rc) {
		s->open = true;
		return 0;
	}
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
		return -EAGAIN;
	set_fail(s, rc);
	return -EPROTO;
}

bool pd_open(const struct pd_sess *s)
{
	return s && s->open && !s->dead;
}

/* An application record of the epoch before the running renegotiation,
 * decrypted with that epoch's transform (still ssl.transform, or still
 * ssl.transform_in before the peer's ChangeCipherSpec). mbedTLS 2.28's
 * own record layer drops application data during a handshake except
 * right after a client's ClientHello; RFC 6083 peers may send until
 * their ChangeCipherSpec, and SCTP delivers other streams and unordered
 * messages in any order. No replay window to update (RFC 6083). */
static int read_old_epoch(struct pd_sess *s, const uint8_t *rec, size_t len,
			  uint8_t *out, size_t cap, size_t *n)
{
	mbedtls_ssl_transform *tf = (mbedtls_ssl_transform *)s->old_tf;
	mbedtls_record r;
	uint8_t *buf;
	int rc;

	if (tf != s->ssl.transform && tf != s->ssl.transform_in)
		return -EBADMSG;	/* already freed: too late */
	buf = malloc(len);
	if (!buf)
		return -EBADMSG;
	memcpy(buf, rec, len);
	memset(&r, 0, sizeof(r));
	memcpy(r.ctr, rec + 3, 8);	/* epoch + sequence number */
	r.type = rec[0];
	r.ver[0] = rec[1];
	r.ver[1] = rec[2];
	r.buf = buf;
	r.buf_len = len;
	r.data_offset = PD_REC_HDR;
	r.data_len = len - PD_REC_HDR;
	rc = mbedtls_ssl_decrypt_buf(&s->ssl, tf, &r);
	if (!rc && (r.type != PD_REC_APP || r.data_len > cap))
		rc = -1;
	if (!rc) {
		memcpy(out, r.buf + r.data_offset, r.data_len);
		*n = r.data_len;
	}
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	return rc ? -EBADMSG : 0;
}

static int read_in_handshake(struct pd_sess *s, const uint8_t *rec, size_t len,
			     uint8_t *out, size_t cap, size_t *n)
{
	uint16_t ep = pd_record_epoch(rec, len);

	if (len <= PD_REC_HDR || rec[0] != PD_REC_APP ||
	    (size_t)(rec[11] << 8 | rec[12]) + PD_REC_HDR != len)
		return -EINVAL;
	if (s->old_tf && ep == s->old_epoch)
		return read_old_epoch(s, rec, len, out, cap, n);
	if (ep > (s->old_tf ? s->old_epoch : 0))
		return -EINPROGRESS;
	return -EBADMSG;
}

int pd_read(struct pd_sess *s, const uint8_t *rec, size_t len, uint8_t *out,
	    size_t cap, size_t *n)
{
	int rc;

	*n = 0;
	if (s->dead)
		return -EPROTO;
	if (s->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER)
		return read_in_handshake(s, rec, len, out, cap, n);
	note_epoch(s);
	s->rx = rec;
	s->rx_len = len;
	rc = mbedtls_ssl_read(&s->ssl, out, cap);
	s->rx = NULL;
	if (rc >= 0) {
		*n = (size_t)rc;
		return 0;
	}
	if (s->ssl.state != MBEDTLS_SSL_HANDSHAKE_OVER) {
		s->open = false;	/* a HelloRequest / ClientHello started one */
		if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
			return -EAGAIN;
	}
	/* consumed without data (dropped record, warning alert), or a stale
	 * handshake timer: nothing is lost, the session goes on */
	if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE ||
	    rc == MBEDTLS_ERR_SSL_TIMEOUT)
		return -EBADMSG;
	if (rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
		s->open = false;
		snprintf(s->err, sizeof(s->err), "peer sent close_notify");
		return -ENOTCONN;
	}
	set_fail(s, rc);
	return -EPROTO;
}

int pd_write(struct pd_sess *s, const uint8_t *msg, size_t len)
{
	int rc;

	if (len > PD_MAX_MSG)
		return -EMSGSIZE;
	if (!pd_open(s))
		return -ENOTCONN;
	s->app_send_rc = 0;
	s->in_app_write = true;
	rc = mbedtls_ssl_write(&s->ssl, msg, len);
	s->in_app_write = false;
	if (rc >= 0)
		return s->app_send_rc;
	if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ)
		return -EAGAIN;
	set_fail(s, rc);
	return -EPROTO;
}

int pd_close_notify(struct pd_sess *s)
{
	int rc;

	if (!pd_open(s) && !(s->refused && !s->dead))
		return -ENOTCONN;
	/* mbedtls_ssl_close_notify() is silent outside HANDSHAKE_OVER; after
	 * a refused renegotiation the old keys still protect the alert */
	rc = mbedtls_ssl_send_alert_message(&s->ssl, MBEDTLS_SSL_ALERT_LEVEL_WARNING,
					    MBEDTLS_SSL_ALERT_MSG_CLOSE_NOTIFY);
	s->open = false;
	s->refused = false;
	return rc == MBEDTLS_ERR_SSL_WANT_WRITE ? -EAGAIN : rc ? -EIO : 0;
}

uint16_t pd_rx_epoch(const struct pd_sess *s)
{
	return s->ssl.in_epoch;
}

uint64_t pd_tx_seq(const struct pd_sess *s)
{
	uint64_t v = 0;

	for (int i = 2; i < 8; i++)		/* bytes 0..1 are the epoch */
		v = v << 8 | s->ssl.cur_out_ctr[i];
	return v;
}

enum pd_fail pd_fail_reason(const struct pd_sess *s)
{
	return s->fail;
}

const char *pd_last_error(const struct pd_sess *s)
{
	return s->err[0] ? s->err : "no error";
}

const char *pd_suite(const struct pd_sess *s)
{
	const char *n = s->open ? mbedtls_ssl_get_ciphersuite(&s->ssl) : NULL;

	return n ? n : "";
}
