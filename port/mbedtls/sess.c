// SPDX-License-Identifier: MIT
/*
 * port/mbedtls/sess.c - one DTLS 1.2 session per SCTP association on
 * mbedTLS 2.28, set up as RFC 6083 wants: no replay window, no cookie
 * exchange (SCTP's own cookie protects the server), one record per
 * send (datagram packing off), one handshake timeout and no
 * retransmission, the exporter computed from the key derivation callback
 * (2.28 has no mbedtls_ssl_export_keying_material), certificate validity
 * checked on the port's wall clock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/clock.h"
#include "port/mbedtls/pd_int.h"

/* ---- I/O and timer callbacks ------------------------------------------ */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct pd_sess *s = ctx;
	int rc = s->io.send(s->io.arg, buf, len);

	/* An application record the caller could not send is dropped here
	 * (pd_write reports it); DTLS tolerates the sequence gap. Handshake
	 * records are retried: mbedTLS resumes its flight. */
	if (s->in_app_write && len && buf[0] == PD_REC_APP) {
		s->app_send_rc = rc;
		return (int)len;
	}
	if (rc == -EAGAIN)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	return rc ? MBEDTLS_ERR_NET_SEND_FAILED : (int)len;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct pd_sess *s = ctx;
	size_t n = s->rx_len;

	if (!s->rx)
		return MBEDTLS_ERR_SSL_WANT_READ;
	if (n > len)
		n = len;	/* a record larger than mbedTLS's buffer: cut, rejected */
	memcpy(buf, s->rx, n);
	s->rx = NULL;
	s->rx_len = 0;
	return (int)n;
}

static void timer_set(void *ctx, uint32_t int_ms, uint32_t fin_ms)
{
	struct pd_sess *s = ctx;
	uint64_t now = clock_mono_ms();

	s->t_int = fin_ms ? now + int_ms : 0;
	s->t_fin = fin_ms ? now + fin_ms : 0;
	if (s->io.set_timer)
		s->io.set_timer(s->io.arg, fin_ms);
}

static int timer_get(void *ctx)
{
	struct pd_sess *s = ctx;
	uint64_t now = clock_mono_ms();

	if (!s->t_fin)
		return -1;
	if (now >= s->t_fin)
		return 2;
	return now >= s->t_int ? 1 : 0;
}

/* RFC 5705 exporter, label EXPORTER_DTLS_OVER_SCTP, no context:
 * PRF(master_secret, label, client_random + server_random)[0..63]. */
static int export_keys(void *p, const unsigned char *ms, const unsigned char *kb,
		       size_t maclen, size_t keylen, size_t ivlen,
		       const unsigned char crand[32], const unsigned char srand[32],
		       mbedtls_tls_prf_types prf)
{
	struct pd_sess *s = p;
	unsigned char seed[64], key[PD_KEY_LEN];
	int rc;

	(void)kb, (void)maclen, (void)keylen, (void)ivlen;
	memcpy(seed, crand, 32);
	memcpy(seed + 32, srand, 32);
	rc = mbedtls_ssl_tls_prf(prf, ms, 48, PD_EXPORTER_LABEL, seed, sizeof(seed),
				 key, sizeof(key));
	if (!rc && s->io.on_key)
		s->io.on_key(s->io.arg, key);
	mbedtls_platform_zeroize(key, sizeof(key));
	return rc;
}

/* ---- certificate validity on the port's clock ------------------------- */

#define CLOCK_FLOOR_MS 1577836800000ll	/* 2020-01-01: below, the clock is unset */

static int64_t x509_ms(const mbedtls_x509_time *t)
{
	/* days from civil (Howard Hinnant), UTC */
	int y = t->year - (t->mon <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153u * (unsigned)(t->mon + (t->mon > 2 ? -3 : 9)) + 2) / 5 +
		       (unsigned)t->day - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = (int64_t)era * 146097 + (int64_t)doe - 719468;

	return ((days * 24 + t->hour) * 60 + t->min) * 60000ll + t->sec * 1000ll;
}

static void fmt_day(const mbedtls_x509_time *t, char *b, size_t n)
{
	snprintf(b, n, "%04d-%02d-%02d", t->year, t->mon, t->day);
}

/* mbedTLS checks validity against time(); we check against clock_wall_ms()
 * (the board's clock as the agent sees it, faked in tests) and say which
 * certificate and why. */
static int verify_cb(void *p, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct pd_sess *s = p;
	int64_t now = clock_wall_ms();
	char a[16], b[16];

	(void)depth;
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	fmt_day(&crt->valid_from, a, sizeof(a));
	fmt_day(&crt->valid_to, b, sizeof(b));
	if (now < CLOCK_FLOOR_MS) {
		*flags |= MBEDTLS_X509_BADCERT_FUTURE;
		s->fail = PD_FAIL_CLOCK;
		snprintf(s->err, sizeof(s->err), "the board's clock is not set (it says "
			 "%lld s after 1970); certificates cannot be checked until NTP "
			 "or an RTC sets it", (long long)(now / 1000));
	} else if (now < x509_ms(&crt->valid_from)) {
		*flags |= MBEDTLS_X509_BADCERT_FUTURE;
		s->fail = PD_FAIL_CERT_TIME;
		snprintf(s->err, sizeof(s->err), "peer certificate not valid before %s "
			 "(valid %s..%s; is the board's clock right?)", a, a, b);
	} else if (now > x509_ms(&crt->valid_to)) {
		*flags |= MBEDTLS_X509_BADCERT_EXPIRED;
		s->fail = PD_FAIL_CERT_TIME;
		snprintf(s->err, sizeof(s->err), "peer certificate expired on %s "
			 "(valid %s..%s)", b, a, b);
	}
	return 0;
}

/* Server, PSK mode: the identity table decides. */
static int psk_cb(void *p, mbedtls_ssl_context *ssl, const unsigned char *id, size_t n)
{
	struct pd_sess *s = p;
	uint8_t key[PD_MAX_PSK];
	size_t len = 0;
	int rc;

	rc = s->c->psk_lookup(s->c->psk_arg, id, n, key, sizeof(key), &len);
	if (!rc && len)
		rc = mbedtls_ssl_set_hs_psk(ssl, key, len);
	mbedtls_platform_zeroize(key, sizeof(key));
	if (rc) {
		s->fail = PD_FAIL_PSK;
		snprintf(s->err, sizeof(s->err), "unknown PSK identity '%.*s'",
			 (int)(n > 64 ? 64 : n), (const char *)id);
		return -1;
	}
	return 0;
}

/* ---- session ----------------------------------------------------------- */

static int setup_conf(struct pd_sess *s)
{
	struct pd_conf *c = s->c;
	mbedtls_ssl_config *k = &s->conf;
	int rc;

	rc = mbedtls_ssl_config_defaults(k, c->role == PD_CLIENT ? MBEDTLS_SSL_IS_CLIENT :
					 MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_DATAGRAM,
					 MBEDTLS_SSL_PRESET_DEFAULT);
	if (rc)
		return rc;
	mbedtls_ssl_conf_rng(k, mbedtls_ctr_drbg_random, &c->drbg);
	mbedtls_ssl_conf_min_version(k, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(k, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_ciphersuites(k, c->suites);
	mbedtls_ssl_conf_dtls_anti_replay(k, MBEDTLS_SSL_ANTI_REPLAY_DISABLED);
	mbedtls_ssl_conf_dtls_badmac_limit(k, 1);
	/* min == max: one timeout for the whole handshake, no resend */
	mbedtls_ssl_conf_handshake_timeout(k, c->hs_timeout_ms, c->hs_timeout_ms);
	mbedtls_ssl_conf_export_keys_ext_cb(k, export_keys, s);
	mbedtls_ssl_conf_renegotiation(k, c->no_reneg ? MBEDTLS_SSL_RENEGOTIATION_DISABLED :
				       MBEDTLS_SSL_RENEGOTIATION_ENABLED);
	mbedtls_ssl_conf_legacy_renegotiation(k, MBEDTLS_SSL_LEGACY_NO_RENEGOTIATION);
	mbedtls_ssl_conf_session_tickets(k, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
	if (c->role == PD_SERVER)
		mbedtls_ssl_conf_dtls_cookies(k, NULL, NULL, NULL);
	if (c->mode == PD_PSK) {
		if (c->role == PD_SERVER)
			mbedtls_ssl_conf_psk_cb(k, psk_cb, s);
		else
			rc = mbedtls_ssl_conf_psk(k, c->psk, c->psk_len, c->psk_id, c->psk_id_len);
		return rc;
	}
	mbedtls_ssl_conf_authmode(k, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ca_chain(k, &c->ca, NULL);
	mbedtls_ssl_conf_verify(k, verify_cb, s);
	return mbedtls_ssl_conf_own_cert(k, &c->cert, &c->pk);
}

int pd_sess_create(struct pd_conf *c, const struct pd_io *io,
		   const char *peer_name, struct pd_sess **out)
{
	struct pd_sess *s;
	int rc;

	if (!c || !io || !io->send || !out)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c = c;
	s->io = *io;
	mbedtls_ssl_config_init(&s->conf);
	mbedtls_ssl_init(&s->ssl);
	rc = setup_conf(s);
	if (!rc)
		rc = mbedtls_ssl_setup(&s->ssl, &s->conf);
	if (!rc && peer_name && c->mode == PD_CERT && c->role == PD_CLIENT) {
		snprintf(s->peer_name, sizeof(s->peer_name), "%s", peer_name);
		rc = mbedtls_ssl_set_hostname(&s->ssl, peer_name);
	}
	if (rc) {
		pd_sess_destroy(s);
		return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EINVAL;
	}
	mbedtls_ssl_set_bio(&s->ssl, s, bio_send, bio_recv, NULL);
	mbedtls_ssl_set_timer_cb(&s->ssl, s, timer_set, timer_get);
	mbedtls_ssl_set_datagram_packing(&s->ssl, 0);
	*out = s;
	return 0;
}

void pd_sess_destroy(struct pd_sess *s)
{
	if (!s)
		return;
	if (s->io.set_timer && s->t_fin)
		s->io.set_timer(s->io.arg, 0);
	mbedtls_ssl_free(&s->ssl);	/* zeroizes keys and transforms */
	mbedtls_ssl_config_free(&s->conf);
	mbedtls_platform_zeroize(s, sizeof(*s));
	free(s);
}
