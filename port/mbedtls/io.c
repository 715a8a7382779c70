// SPDX-License-Identifier: MIT
/*
 * port/mbedtls/io.c - driving a session: handshake, records in and out,
 * and what a failure was, in words a log reader can act on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "port/mbedtls/pd_int.h"

static const char *const fail_names[PD_FAIL_COUNT] = {
	"none", "timeout", "peer-alert", "unknown-psk-identity", "bad-mac",
	"bad-certificate", "certificate-time", "clock-not-set", "protocol",
	"internal",
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
 * MAC quietly; the peer would wait for its timeout). */
static void alert_peer(struct pd_sess *s)
{
	unsigned char a = s->fail == PD_FAIL_MAC ? MBEDTLS_SSL_ALERT_MSG_BAD_RECORD_MAC :
			  s->fail == PD_FAIL_CLOCK || s->fail == PD_FAIL_CERT_TIME ?
			  MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED : 0;

	if (a)
		(void)mbedtls_ssl_send_alert_message(&s->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, a);
}

int pd_handshake(struct pd_sess *s, const uint8_t *rec, size_t len)
{
	int rc;

	if (s->dead)
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
	set_fail(s, rc);
	alert_peer(s);
	return -EPROTO;
}

int pd_renegotiate(struct pd_sess *s)
{
	int rc;

	if (!s->open || s->c->role != PD_CLIENT)
		return -EINVAL;
	s->open = false;
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

int pd_read(struct pd_sess *s, const uint8_t *rec, size_t len, uint8_t *out,
	    size_t cap, size_t *n)
{
	int rc;

	*n = 0;
	if (s->dead)
		return -EPROTO;
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

	if (!pd_open(s))
		return -ENOTCONN;
	rc = mbedtls_ssl_close_notify(&s->ssl);
	s->open = false;
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
