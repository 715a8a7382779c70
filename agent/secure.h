/* SPDX-License-Identifier: MIT */
/*
 * agent/secure.h - the per-association secure channel: DTLS over SCTP
 * (RFC 6083) with SCTP-AUTH keyed from the DTLS exporter, on the engine of
 * port/dtls.h and the AUTH operations of port/sctp.h.
 *
 * One object for the agent (secure_create), one channel per controller
 * index. With [security] mode = none (or a build without CONFIG_DTLS)
 * secure_create() gives NULL and the agent wires no channel: the
 * association core's plaintext path (agent/assoc.h seam (a)) is untouched.
 *
 * How it plugs into the core (agent.c wires it; nothing here includes
 * agent_int.h or assoc_int.h, and the core never includes this file):
 *   assoc_env.channel_open   -> secure_open()   at COMM_UP and RESTART
 *   assoc_env.channel_send   -> secure_send()   every message of xmit()
 *                                               and the failover resend
 *   assoc_env.channel_data   -> secure_on_data() every DATA event
 *   assoc_env.channel_close  -> secure_shutdown() the graceful close
 *   on_state DOWN / CLOSED   -> secure_down()
 *   PS_EV_AUTH, PS_EV_SENDER_DRY -> secure_on_event()
 *   SIGUSR1 status           -> secure_log_status()
 * and it calls back into the core through assoc.h only: assoc_channel_ready()
 * once the first handshake completed (HELLO, replay, queue; refused
 * handshakes never get there, so they back off), assoc_deliver()
 * with each decrypted message, assoc_flush() after a rekey (application
 * data waits meanwhile: secure_send() answers -ENOTCONN, the core queues).
 *
 * Returns: 0 or -errno as documented per function.
 */
#ifndef AGENT_SECURE_H
#define AGENT_SECURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/sctp.h"

struct assoc;
struct secure;

/* Per-association counters (SIGUSR1, STATUS). */
struct secure_stats {
	unsigned long long handshakes, rekeys, failures;
	unsigned long long fail_by[16];		/* per enum pd_fail */
	unsigned long long refused_no_auth;	/* peer does not authenticate DATA */
	unsigned long long rekey_refused;	/* peer refused: new association */
	unsigned long long records_in, records_out, bad_records;
	unsigned long long early_buffered, early_dropped;
	unsigned long long old_epoch_read;	/* previous-epoch records read mid-rekey */
	unsigned long long plaintext_dropped;	/* data that was not a record */
	unsigned long long key_errors;		/* AUTH key operations refused */
};

/* What the status shows of one channel (strings owned by the object,
 * valid until its next event). */
struct secure_info {
	const char *state;	/* idle, handshake, open, rekey, closing, refused */
	const char *mode;	/* dtls-psk, dtls-cert */
	const char *suite;	/* the cipher suite once keyed, else "" */
	uint16_t key_id;	/* active SCTP-AUTH key id once keyed, else 0 */
	uint64_t open_ms;	/* monotonic time of the last handshake's or rekey's end, 0 */
	const char *last_error;	/* why it was last refused, "" never */
	const struct secure_stats *st;
};

struct config;
struct loop;

struct secure_env {
	const struct config *cfg;
	struct loop *loop;
	struct ps_ep *ep;
	/* the associations, by controller index; outlive the object */
	struct assoc *const *assocs;
	unsigned int n_assocs;
};

#ifdef CONFIG_DTLS
/* With a DTLS mode: AUTH chunk list and HMACs set on the endpoint (before
 * any connect), credentials loaded and checked, *out the channels. Mode
 * none: 0 and *out = NULL. -EINVAL credentials/setup refused (logged),
 * -EACCES AUTH disabled (net.sctp.auth_enable), -ENOMEM. */
int secure_create(const struct secure_env *env, struct secure **out);
void secure_destroy(struct secure *s);	/* NULL ok */
/* A controller a reload added, as env->assocs[@i] (@i = the count so far;
 * the agent updated that array): its channel, on the endpoint's AUTH
 * setup (the chunk list applies to every association). -EINVAL @i not
 * the next index, -ENOMEM. */
int secure_add(struct secure *s, unsigned int i);
/* COMM_UP or RESTART of @a: check the peer authenticates DATA (else
 * ABORT), start the handshake. assoc_channel_ready() follows once done. */
void secure_open(struct secure *s, struct assoc *a);
/* @a's association is gone (DOWN, CLOSED): the session with it. */
void secure_down(struct secure *s, struct assoc *a);
bool secure_is_open(const struct secure *s, const struct assoc *a);
/* As ps_send(); one record per message. -EMSGSIZE > 16384, -ENOTCONN the
 * channel is not open (handshake, rekey, closing: the core keeps the
 * message queued), and ps_send()'s errors. */
int secure_send(struct secure *s, struct assoc *a, const struct ps_sndinfo *si,
		const void *buf, size_t len);
void secure_on_data(struct secure *s, struct assoc *a, const struct ps_event *ev);
void secure_on_event(struct secure *s, struct assoc *a, const struct ps_event *ev);
/* Graceful close of @a: close_notify once the sender is dry, then SCTP
 * EOF. 0 or ps_send()'s error. */
int secure_shutdown(struct secure *s, struct assoc *a);
void secure_log_status(struct secure *s, const struct assoc *a);
const struct secure_stats *secure_stats(const struct secure *s,
					const struct assoc *a);
void secure_info(const struct secure *s, const struct assoc *a, struct secure_info *out);
/* RFC 6083 4.7: the key id after @id (65535 wraps to 1, never 0). */
uint16_t secure_next_key_id(uint16_t id);
#else
#include "agent/secure_none.h"
#endif

#endif
