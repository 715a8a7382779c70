// SPDX-License-Identifier: MIT
/*
 * Credentials for the secure channel: the PSK file (hex or raw) or the
 * CA, certificate and key files, each read through port/file.h's checked
 * credential read (O_NOFOLLOW, fstat on the descriptor, owner and mode),
 * handed to the engine and wiped.
 */
#include <errno.h>
#include <string.h>

#include "agent/secure_int.h"
#include "port/file.h"

#define CRED_MAX (256 * 1024)

static const char *cred_err(int rc)
{
	switch (rc) {
	case -ELOOP: return "is a symbolic link";
	case -EISDIR: return "is a directory";
	case -EINVAL: return "is not a regular file";
	case -EPERM: return "is not owned by root or the agent's user";
	case -EKEYREJECTED: return "has a mode that lets group or others in (expected 600 or 400)";
	case -EFBIG: return "is too large";
	default: return strerror(-rc);
	}
}

static int read_one(const char *key, const char *path, enum pf_cred kind,
		    uint8_t **buf, size_t *len)
{
	int rc = pf_read_cred(path, kind, CRED_MAX, buf, len, NULL);

	if (rc)
		LOG(LOGM_MAIN, LOG_ERR, "[security] %s '%s' %s", key, path, cred_err(rc));
	return rc;
}

/* PEM needs its NUL inside the length mbedTLS sees; DER must not have it. */
static size_t pem_len(const uint8_t *b, size_t n)
{
	return n && strstr((const char *)b, "-----BEGIN") ? n + 1 : n;
}

static void wipe(void *p, size_t n)
{
	volatile uint8_t *v = p;

	while (n--)
		*v++ = 0;
}

static int load_psk(const struct cfg_security_sec *s, struct pd_params *p,
		    uint8_t *key, size_t *key_len)
{
	uint8_t *buf = NULL;
	const char *why = "";
	size_t n = 0;
	int rc = read_one("psk_key_file", s->psk_key_file, PF_SECRET, &buf, &n);

	if (rc)
		return rc;
	rc = config_psk_decode(buf, n, key, key_len, &why);
	pf_free_secret(buf, n);
	if (rc) {
		LOG(LOGM_MAIN, LOG_ERR, "[security] psk_key_file '%s': %s",
		    s->psk_key_file, why);
		return -EINVAL;
	}
	p->psk = key;
	p->psk_len = *key_len;
	p->psk_identity = (const uint8_t *)s->psk_identity;
	p->psk_identity_len = strlen(s->psk_identity);
	return 0;
}

int secure_cred_load(const struct config *c, struct pd_conf **out)
{
	const struct cfg_security_sec *s = &c->security;
	struct pd_params p = {
		.role = PD_CLIENT,
		.mode = s->mode == CFG_SEC_DTLS_PSK ? PD_PSK : PD_CERT,
		.suites = s->suites,
		.handshake_timeout_ms = s->handshake_timeout_ms,
	};
	uint8_t psk[CFG_PSK_MAX], *ca = NULL, *crt = NULL, *key = NULL;
	size_t psk_len = 0, ca_n = 0, crt_n = 0, key_n = 0;
	char why[200];
	int rc;

	if (p.mode == PD_PSK) {
		rc = load_psk(s, &p, psk, &psk_len);
	} else {
		rc = read_one("ca_file", s->ca_file, PF_PUBLIC, &ca, &ca_n);
		rc = rc ? rc : read_one("cert_file", s->cert_file, PF_PUBLIC, &crt, &crt_n);
		rc = rc ? rc : read_one("key_file", s->key_file, PF_SECRET, &key, &key_n);
		p.ca = ca, p.ca_len = pem_len(ca, ca_n);
		p.cert = crt, p.cert_len = pem_len(crt, crt_n);
		p.key = key, p.key_len = pem_len(key, key_n);
	}
	if (!rc) {
		rc = pd_conf_create(&p, out, why, sizeof(why));
		if (rc)
			LOG(LOGM_MAIN, LOG_ERR, "[security] %s", why);
	}
	wipe(psk, sizeof(psk));
	pf_free_secret(ca, ca_n);
	pf_free_secret(crt, crt_n);
	pf_free_secret(key, key_n);
	return rc;
}
