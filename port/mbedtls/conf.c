// SPDX-License-Identifier: MIT
/*
 * port/mbedtls/conf.c - pd_conf: credentials, suites and the RNG shared by
 * every session (mbedTLS 2.28). Sessions build their own mbedtls_ssl_config
 * on top (the exporter callback of 2.28 is per config, not per context).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port/mbedtls/pd_int.h"

static const char *const default_psk =
	"TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256";
static const char *const default_cert =
	"TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256,"
	"TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256";

const char *pd_default_suites(enum pd_mode mode)
{
	return mode == PD_PSK ? default_psk : default_cert;
}

/* "A,B C" -> ids; every name must be known and fit the mode. */
static int parse_suites(struct pd_conf *c, const char *list, char *why, size_t n)
{
	char buf[512], *save = NULL;
	unsigned int k = 0;

	if (!list || !*list)
		list = pd_default_suites(c->mode);
	if (strlen(list) >= sizeof(buf)) {
		snprintf(why, n, "suites: list too long");
		return -EINVAL;
	}
	strcpy(buf, list);
	for (char *t = strtok_r(buf, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
		int id = mbedtls_ssl_get_ciphersuite_id(t);
		const mbedtls_ssl_ciphersuite_t *cs = id ? mbedtls_ssl_ciphersuite_from_id(id) : NULL;
		bool psk;

		if (!cs) {
			snprintf(why, n, "suites: '%s' is not a suite this build has", t);
			return -EINVAL;
		}
		psk = mbedtls_ssl_ciphersuite_uses_psk(cs);
		if (psk != (c->mode == PD_PSK)) {
			snprintf(why, n, "suites: '%s' is %s a PSK suite", t, psk ? "" : "not");
			return -EINVAL;
		}
		if (k + 1 >= PD_MAX_SUITES) {
			snprintf(why, n, "suites: more than %d", PD_MAX_SUITES - 1);
			return -EINVAL;
		}
		c->suites[k++] = id;
	}
	if (!k) {
		snprintf(why, n, "suites: empty list");
		return -EINVAL;
	}
	c->suites[k] = 0;
	return 0;
}

static void err_text(int rc, const char *what, char *why, size_t n)
{
	char e[120];

	mbedtls_strerror(rc, e, sizeof(e));
	snprintf(why, n, "%s: %s", what, e);
}

static int load_certs(struct pd_conf *c, const struct pd_params *p, char *why, size_t n)
{
	int rc;

	if (!p->ca || !p->cert || !p->key) {
		snprintf(why, n, "certificate mode needs a CA, a certificate and a key");
		return -EINVAL;
	}
	rc = mbedtls_x509_crt_parse(&c->ca, p->ca, p->ca_len);
	if (rc) {
		err_text(rc, "ca", why, n);
		return -EINVAL;
	}
	rc = mbedtls_x509_crt_parse(&c->cert, p->cert, p->cert_len);
	if (rc) {
		err_text(rc, "cert", why, n);
		return -EINVAL;
	}
	rc = mbedtls_pk_parse_key(&c->pk, p->key, p->key_len, NULL, 0);
	if (rc) {
		err_text(rc, "key", why, n);
		return -EINVAL;
	}
	if (mbedtls_pk_check_pair(&c->cert.pk, &c->pk)) {
		snprintf(why, n, "key: does not belong to the certificate");
		return -EINVAL;
	}
	if (!mbedtls_pk_can_do(&c->pk, MBEDTLS_PK_ECDSA)) {
		snprintf(why, n, "key: not an EC key (the suites are ECDSA: use P-256)");
		return -EINVAL;
	}
	return 0;
}

static int load_psk(struct pd_conf *c, const struct pd_params *p, char *why, size_t n)
{
	if (p->role == PD_SERVER) {
		if (!p->psk_lookup) {
			snprintf(why, n, "PSK server without an identity table");
			return -EINVAL;
		}
		c->psk_lookup = p->psk_lookup;
		c->psk_arg = p->psk_arg;
		return 0;
	}
	if (!p->psk_identity_len || p->psk_identity_len > PD_MAX_IDENTITY ||
	    !p->psk_len || p->psk_len > PD_MAX_PSK) {
		snprintf(why, n, "PSK: identity 1..%d bytes and key 1..%d bytes expected",
			 PD_MAX_IDENTITY, PD_MAX_PSK);
		return -EINVAL;
	}
	memcpy(c->psk_id, p->psk_identity, p->psk_identity_len);
	c->psk_id_len = p->psk_identity_len;
	memcpy(c->psk, p->psk, p->psk_len);
	c->psk_len = p->psk_len;
	return 0;
}

int pd_conf_create(const struct pd_params *p, struct pd_conf **out,
		   char *why, size_t why_len)
{
	struct pd_conf *c = calloc(1, sizeof(*c));
	static const char pers[] = "sctpagent-dtls";
	int rc;

	snprintf(why, why_len, "out of memory");
	if (!c)
		return -ENOMEM;
	c->role = p->role;
	c->mode = p->mode;
	c->hs_timeout_ms = p->handshake_timeout_ms ? p->handshake_timeout_ms : 10000;
	c->no_reneg = p->no_renegotiation;
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->cert);
	mbedtls_pk_init(&c->pk);
	mbedtls_entropy_init(&c->entropy);
	mbedtls_ctr_drbg_init(&c->drbg);
	rc = mbedtls_ctr_drbg_seed(&c->drbg, mbedtls_entropy_func, &c->entropy,
				   (const unsigned char *)pers, sizeof(pers) - 1);
	if (rc) {
		err_text(rc, "random generator", why, why_len);
		rc = -EIO;
		goto fail;
	}
	rc = parse_suites(c, p->suites, why, why_len);
	if (!rc)
		rc = p->mode == PD_CERT ? load_certs(c, p, why, why_len)
					: load_psk(c, p, why, why_len);
	if (rc)
		goto fail;
	why[0] = 0;
	*out = c;
	return 0;
fail:
	pd_conf_destroy(c);
	return rc;
}

void pd_conf_destroy(struct pd_conf *c)
{
	if (!c)
		return;
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_x509_crt_free(&c->cert);
	mbedtls_pk_free(&c->pk);		/* zeroizes the private key */
	mbedtls_ctr_drbg_free(&c->drbg);
	mbedtls_entropy_free(&c->entropy);
	mbedtls_platform_zeroize(c, sizeof(*c));
	free(c);
}
