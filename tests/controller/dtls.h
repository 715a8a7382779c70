/* SPDX-License-Identifier: MIT */
/*
 * tests/controller/dtls.h - sctpctl's DTLS server side (RFC 6083): one
 * DTLS 1.2 session per incoming association on port/dtls.h, SCTP-AUTH
 * keyed from the exporter with the same key-id sequence and switch points
 * as the agent, a PSK table (identity -> key) or certificates with the
 * board's certificate required. Refusals (peer without AUTH, plaintext
 * agent, failed handshake: wrong key, unknown identity, bad certificate,
 * a handshake not completed within the timeout, counted from COMM_UP)
 * are counted, logged on stderr, printed as a JSON event line and ABORT
 * that association only. Renegotiations the agent starts are served (or
 * refused with a no_renegotiation alert, as OpenSSL 3.0 does by default,
 * with no_renegotiation); the agent's records of the old epoch that
 * arrive mid-handshake are read. JSON lines:
 *   {"event":"dtls","state":"up"|"rekeyed"|"refused",...}
 *   {"event":"auth","indication":"new_key","key":N,...}  (the kernel
 *     verified a chunk of the agent with key N)
 */
#ifndef TESTS_CONTROLLER_DTLS_H
#define TESTS_CONTROLLER_DTLS_H

#include <stdbool.h>
#include <stddef.h>

#include "port/sctp.h"

struct ctl_dtls_opts {
	const char *psk_table;		/* file: "identity hexkey" per line */
	const char *ca, *cert, *key;	/* certificate mode */
	const char *suites;		/* NULL = the engine's default */
	const char *name;		/* controller name for the JSON lines */
	unsigned int hs_timeout_ms;	/* 0 = 10000 */
	bool no_renegotiation;		/* refuse the agent's rekeys */
};

struct jbuf;
struct loop;

/* Delivers one decrypted message as a DATA event. */
typedef void (*ctl_dtls_deliver)(void *arg, const struct ps_event *ev);

/* 0, or -1 (logged). Before any association: AUTH on the endpoint.
 * @loop runs the handshake deadlines. */
int ctl_dtls_init(struct ps_ep *ep, struct loop *loop, const struct ctl_dtls_opts *o,
		  ctl_dtls_deliver deliver, void *arg);
void ctl_dtls_fini(void);
bool ctl_dtls_on(void);
/* Events: ASSOC_CHANGE, DATA, AUTH, SENDER_DRY (others ignored). */
void ctl_dtls_event(const struct ps_event *ev);
/* ps_send through the association's session; -ENOTCONN while its
 * handshake runs (the caller retries), -EAGAIN. */
int ctl_dtls_send(struct ps_ep *ep, const struct ps_sndinfo *si, const void *buf,
		  size_t len);
/* The summary's "dtls" member: "dtls":{"handshakes":..,"rekeys":..,
 * "refused":..,"timeouts":..,"rekeys_refused":..,"old_epoch":..,
 * "dropped":..}. Nothing without DTLS. */
void ctl_dtls_summary(struct jbuf *b);

#endif
