/* SPDX-License-Identifier: MIT */
/*
 * port/dtls.h - the DTLS 1.2 engine behind DTLS over SCTP (RFC 6083).
 *
 * One session per SCTP association. The engine never touches a socket:
 * every record it produces goes out through pd_io.send (exactly one record
 * per call, so one record per SCTP user message), every record received
 * is handed in by the caller. It runs no retransmission timer of its own
 * (SCTP is reliable; the handshake has one overall timeout), keeps no
 * replay window (RFC 6083: records may legitimately arrive out of order
 * across streams) and computes the RFC 5705 exporter value
 * EXPORTER_DTLS_OVER_SCTP (64 bytes) after every key derivation.
 *
 * Implemented once (port/mbedtls: mbedTLS 2.28) and chosen at link time;
 * no type of the library crosses this header, so another library or
 * mbedTLS 3.x changes one file.
 *
 * Returns are 0 or a negative errno value, listed per function.
 * Ownership: buffers passed in are only read during the call; a pd_conf
 * copies what it needs (key bytes included, wiped when it is destroyed).
 */
#ifndef PORT_DTLS_H
#define PORT_DTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PD_MAX_MSG 16384	/* application bytes per record (RFC 6083) */
#define PD_KEY_LEN 64		/* exporter output: the SCTP-AUTH key */
#define PD_EXPORTER_LABEL "EXPORTER_DTLS_OVER_SCTP"

/* DTLS record content types (byte 0 of a record) and header size. */
enum { PD_REC_CCS = 20, PD_REC_ALERT = 21, PD_REC_HANDSHAKE = 22, PD_REC_APP = 23 };
#define PD_REC_HDR 13

struct pd_conf;			/* credentials + policy, shared by sessions */
struct pd_sess;			/* one DTLS connection */

enum pd_role { PD_CLIENT, PD_SERVER };
enum pd_mode { PD_PSK, PD_CERT };

/* Why a handshake or a session failed (counted per reason by callers). */
enum pd_fail {
	PD_FAIL_NONE,
	PD_FAIL_TIMEOUT,	/* no answer within the handshake timeout */
	PD_FAIL_ALERT,		/* the peer sent a fatal alert */
	PD_FAIL_PSK,		/* unknown PSK identity (server side) */
	PD_FAIL_MAC,		/* bad record MAC: usually a wrong PSK */
	PD_FAIL_CERT,		/* peer certificate refused (CA, name, usage) */
	PD_FAIL_CERT_TIME,	/* peer certificate expired or not yet valid */
	PD_FAIL_CLOCK,		/* our wall clock is not set: cannot check */
	PD_FAIL_PROTOCOL,	/* anything else the peer got wrong */
	PD_FAIL_INTERNAL,	/* out of memory, RNG, our own send failed */
	PD_FAIL_REFUSED,	/* the peer refused our renegotiation */
	PD_FAIL_COUNT
};

/* Server side: look up the key of PSK @id. Write at most @cap bytes to
 * @key, set *len; 0, or -ENOENT for an unknown identity. */
typedef int (*pd_psk_lookup)(void *arg, const uint8_t *id, size_t id_len,
			     uint8_t *key, size_t cap, size_t *len);

struct pd_params {
	enum pd_role role;
	enum pd_mode mode;
	/* PSK client: identity and key */
	const uint8_t *psk_identity;
	size_t psk_identity_len;
	const uint8_t *psk;
	size_t psk_len;
	/* PSK server: identity -> key */
	pd_psk_lookup psk_lookup;
	void *psk_arg;
	/* certificates: PEM (NUL-terminated, length includes the NUL) or DER */
	const uint8_t *ca;
	size_t ca_len;
	const uint8_t *cert;
	size_t cert_len;
	const uint8_t *key;
	size_t key_len;
	/* allowed suites, IANA/mbedTLS names separated by ',' or ' ';
	 * NULL or "" = the mode's default (forward secret AEAD suites) */
	const char *suites;
	uint32_t handshake_timeout_ms;	/* the whole handshake; no resends */
	/* refuse renegotiations with a no_renegotiation warning alert (as
	 * OpenSSL 3.0's servers do unless told otherwise) */
	bool no_renegotiation;
};

/* Default suites per mode (for docs and logs). */
const char *pd_default_suites(enum pd_mode mode);

/*
 * Parse credentials and policy. On error *why names what was wrong
 * ("ca: ...", "suites: 'X' unknown", ...).
 * -EINVAL bad parameter or credential, -ENOMEM, -EIO no entropy source.
 */
int pd_conf_create(const struct pd_params *p, struct pd_conf **out,
		   char *why, size_t why_len);
void pd_conf_destroy(struct pd_conf *c);	/* wipes key material; NULL ok */

struct pd_io {
	/*
	 * One record to send (one SCTP user message). Return 0, -EAGAIN to
	 * be called again with the same record later (the caller then calls
	 * pd_handshake again once it may send: socket writable, or, for a
	 * ChangeCipherSpec, the SCTP sender dry), or another -errno (fatal
	 * for handshake records; for application records pd_write returns it).
	 */
	int (*send)(void *arg, const uint8_t *rec, size_t len);
	/* Call pd_handshake(s, NULL, 0) in @ms (0 = cancel). */
	void (*set_timer)(void *arg, uint32_t ms);
	/* The exporter value after a key derivation (each handshake). */
	void (*on_key)(void *arg, const uint8_t key[PD_KEY_LEN]);
	void *arg;
};

/*
 * New session. @peer_name (client, certificate mode): the name the peer's
 * certificate must carry (SAN dNSName, else CN); NULL = not checked.
 * A client sends its ClientHello at the first pd_handshake().
 * -ENOMEM, -EINVAL.
 */
int pd_sess_create(struct pd_conf *c, const struct pd_io *io,
		   const char *peer_name, struct pd_sess **out);
void pd_sess_destroy(struct pd_sess *s);	/* NULL ok */

/*
 * Drive the handshake, feeding @rec (one received record, or NULL) first.
 * Application records go to pd_read(), even during a handshake.
 * 0 handshake complete; -EAGAIN waiting for the peer (or for the caller,
 * after io.send said -EAGAIN); -ECONNREFUSED the peer refused our
 * renegotiation (a no_renegotiation alert: OpenSSL 3 does so unless told
 * otherwise); the engine cannot go back to the old keys for sending, so
 * the caller ends the session (pd_close_notify still works) and gets new
 * keys from a new association; -EPROTO failed (pd_fail_reason says why;
 * the session is dead).
 */
int pd_handshake(struct pd_sess *s, const uint8_t *rec, size_t len);

/* Start a renegotiation (new keys, next epoch) on an open session; drive
 * it with pd_handshake. -EINVAL not open or not a client, -EPROTO. */
int pd_renegotiate(struct pd_sess *s);

bool pd_open(const struct pd_sess *s);	/* handshake complete, not closed */

/*
 * Decrypt one received record into @out (@cap >= PD_MAX_MSG), *n = bytes
 * (0 for a record without data).
 * On an open session: 0; -EAGAIN the record started a handshake (a
 * renegotiation): drive it with pd_handshake; -ENOTCONN the peer closed
 * (close_notify); -EBADMSG record dropped (not decryptable, old epoch);
 * -EPROTO fatal (the session is dead).
 * While a handshake runs, for application records only (RFC 6083: the
 * peer may send until its ChangeCipherSpec, and records on other streams
 * or unordered ones arrive in any order): a record of the epoch before the
 * renegotiation is decrypted with that epoch's keys, 0 (the engine alone
 * would drop it); -EINPROGRESS the record belongs to the epoch the
 * handshake is making: hold it and hand it in again once pd_handshake
 * returned 0; -EBADMSG undecryptable; -EINVAL not an application record.
 */
int pd_read(struct pd_sess *s, const uint8_t *rec, size_t len, uint8_t *out,
	    size_t cap, size_t *n);

/* Encrypt @len bytes as one application record through io.send.
 * 0; -EMSGSIZE len > PD_MAX_MSG; -ENOTCONN not open; io.send's error
 * (-EAGAIN: nothing was sent, call again later). */
int pd_write(struct pd_sess *s, const uint8_t *msg, size_t len);

/* Send close_notify (also after a refused renegotiation). 0, -ENOTCONN
 * (dead or already closed), -EAGAIN, -EIO. */
int pd_close_notify(struct pd_sess *s);

/* Epoch of the records the session decrypts now; epoch and sequence
 * number of its next outgoing record. */
uint16_t pd_rx_epoch(const struct pd_sess *s);
uint64_t pd_tx_seq(const struct pd_sess *s);

enum pd_fail pd_fail_reason(const struct pd_sess *s);
const char *pd_fail_name(enum pd_fail f);
/* The last error as text for logs ("peer certificate expired on ...",
 * "alert 20 (bad_record_mac)", "unknown PSK identity 'x'"); never NULL. */
const char *pd_last_error(const struct pd_sess *s);
/* Negotiated suite name, "" before the handshake. */
const char *pd_suite(const struct pd_sess *s);

/* Epoch of a record by its header (bytes 3..4); 0 if too short. */
static inline uint16_t pd_record_epoch(const uint8_t *rec, size_t len)
{
	return len >= PD_REC_HDR ? (uint16_t)(rec[3] << 8 | rec[4]) : 0;
}

#endif
