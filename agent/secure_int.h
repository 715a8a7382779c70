/* SPDX-License-Identifier: MIT */
/*
 * agent/secure_int.h - the secure channel's state, shared by secure.c (the
 * handshake driver, records, keys) and secure_cred.c (credentials).
 */
#ifndef AGENT_SECURE_INT_H
#define AGENT_SECURE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "agent/assoc.h"
#include "agent/config.h"
#include "agent/secure.h"
#include "port/dtls.h"

struct loop_timer;
struct mq;

#define SEC_EARLY_MAX 256	/* records held while a handshake completes */
#define SEC_REKEY_SEQ (1ull << 47)	/* renegotiate long before 2^48 */
#define SEC_CLOSE_WAIT_MS 2000	/* close_notify waits this long for dry */
#define SEC_OUT_RETRY_MS 20	/* a handshake record met a full socket */

enum sec_state {
	CH_IDLE,		/* no association */
	CH_HANDSHAKE,		/* first handshake: nothing of ours flows */
	CH_OPEN,
	CH_REKEY,		/* renegotiation: application data held */
	CH_CLOSING,		/* close_notify sent or waiting to be */
	CH_DEAD,		/* refused or failed: ABORT sent */
};

struct sec_chan {
	struct assoc *a;
	struct secure *sa;
	struct pd_sess *s;
	enum sec_state state;
	uint16_t key;			/* active SCTP-AUTH key id */
	uint16_t next_key;		/* installed from the exporter, not active */
	uint16_t old_key;		/* to remove after the peer's Finished */
	bool has_next, has_old;
	uint16_t tx_epoch;		/* epoch of the last record sent */
	bool wait_dry;			/* a ChangeCipherSpec waits for SENDER_DRY */
	bool rekey_wait;		/* a rekey waits for SENDER_DRY to start */
	int send_err;			/* the last ps_send error of a record */
	bool close_pending;		/* EOF after close_notify, once dry */
	struct mq *early;		/* new-epoch records ahead of the Finished */
	struct loop_timer *hs_timer;	/* the engine's timer, or a resend retry */
	struct loop_timer *rekey_timer;
	struct loop_timer *close_timer;
	uint64_t hs_start_ms, open_ms;
	const struct ps_sndinfo *cur;	/* the application send in progress */
	struct secure_stats st;
	char last_error[160];		/* why the last refusal, for the status */
};

struct secure {
	struct secure_env env;
	struct pd_conf *conf;
	struct sec_chan ch[CONFIG_MAX_CONTROLLERS];
};

/* secure_cred.c: credentials from [security] into an engine config.
 * -EINVAL (logged with the file and the reason), -ENOMEM, -EIO. */
int secure_cred_load(const struct config *c, struct pd_conf **out);

#endif
