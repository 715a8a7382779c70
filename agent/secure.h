/* SPDX-License-Identifier: MIT */
/*
 * agent/secure.h - the per-association secure channel: DTLS over SCTP
 * (RFC 6083) with SCTP-AUTH keyed from the DTLS exporter, on the engine of
 * port/dtls.h and the AUTH operations of port/sctp.h.
 *
 * With [security] mode = none (or a build without CONFIG_DTLS) every call
 * below is the plaintext path: secure_send() is ps_send(), data goes to
 * command_on_data(), the channel is open as soon as the association is up.
 *
 * HOOKS into the core (to re-apply on a reshaped core; each is one call):
 *   agent.c  setup(), after the endpoint opened, before any connect:
 *                secure_init(ag)  (AUTH chunk list + HMACs on the endpoint,
 *                credentials loaded and checked; an error stops the start)
 *            teardown(): secure_fini(ag)
 *            on_event(): PS_EV_DATA -> secure_on_data(a, ev) (decrypts and
 *                calls command_on_data per message); PS_EV_AUTH and
 *                PS_EV_SENDER_DRY -> secure_on_event(a, ev)
 *            log_status(): secure_log_status(a)
 *   assoc.c  comm_up() (COMM_UP and RESTART): if secure_on_up(a, restart)
 *                returns true the channel is not open yet: skip HELLO and
 *                the replay (and keep the reconnect backoff); the channel
 *                calls secure's "channel ready" = assoc_channel_ready(a)
 *                (HELLO, replay, flush, backoff reset) once the handshake
 *                completed
 *            comm_down() / schedule_reconnect(): secure_on_down(a)
 *            assoc_close(): the EOF goes through secure_shutdown(a) (DTLS:
 *                close_notify once the sender is dry, then EOF)
 *   publish.c send_now(): secure_send() instead of ps_send()
 *            publish_to() / publish_flush(): send only when
 *                secure_is_open(a), else queue as for a down association
 *            sendall_ok(): false when secure_enabled(ag) (keys differ per
 *                association: one SENDALL cannot carry them)
 *   paths.c  resend_recent(): secure_send() instead of ps_send()
 *
 * Returns: 0 or -errno as documented per function.
 */
#ifndef AGENT_SECURE_H
#define AGENT_SECURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/sctp.h"

struct agent;
struct assoc;

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

#ifdef CONFIG_DTLS
/* -EINVAL credentials/setup refused (logged), -EACCES AUTH disabled
 * (net.sctp.auth_enable), -ENOMEM. */
int secure_init(struct agent *ag);
void secure_fini(struct agent *ag);
bool secure_enabled(const struct agent *ag);
/* true: DTLS holds the association until its handshake completes. */
bool secure_on_up(struct assoc *a, bool restart);
void secure_on_down(struct assoc *a);
bool secure_is_open(const struct assoc *a);
/* As ps_send(); under DTLS one record per message. -EMSGSIZE > 16384,
 * -ENOTCONN channel not open, and ps_send()'s errors. */
int secure_send(struct assoc *a, const struct ps_sndinfo *si, const void *buf,
		size_t len);
void secure_on_data(struct assoc *a, const struct ps_event *ev);
void secure_on_event(struct assoc *a, const struct ps_event *ev);
/* Graceful close of @a (SCTP EOF). 0 or ps_send()'s error. */
int secure_shutdown(struct assoc *a);
void secure_log_status(struct assoc *a);
const struct secure_stats *secure_stats(const struct assoc *a);
/* RFC 6083 4.7: the key id after @id (65535 wraps to 1, never 0). */
uint16_t secure_next_key_id(uint16_t id);
#else
#include "agent/secure_none.h"
#endif

#endif
