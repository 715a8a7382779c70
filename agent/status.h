/* SPDX-License-Identifier: MIT */
/*
 * agent/status.h - the agent's counters, shown two ways from one place:
 * log lines (SIGUSR1, the end of a run) and the STATUS reply's CBOR map,
 * so nothing that is counted is left unseen.
 */
#ifndef AGENT_STATUS_H
#define AGENT_STATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct assoc;
struct budget;
struct command;
struct config;
struct outbox;
struct ps_ep;
struct publish;
struct sampler;
struct secure;

/* A sensor's last reading, as the agent published it. */
struct status_reading {
	double value;
	int64_t wall_ms;
	bool have;
};

/* Where the counters come from (all owned by the agent). */
struct status_src {
	const struct config *cfg;
	struct ps_ep *ep;
	const struct sampler *sampler;
	struct assoc *const *assocs;
	unsigned int n_assocs;
	const struct publish *pub;
	const struct command *cmd;
	const struct budget *budget;
	const struct outbox *ob;
	bool ob_on_disk;		/* false: in memory only */
	uint32_t epoch;
	uint64_t unknown_assoc;		/* events for associations we do not know */
	const struct status_reading *last;	/* per sensor; NULL = none kept */
	const struct secure *sec;	/* DTLS channels; NULL = [security] none */
};

/* Log every counter, one line per association plus the agent's. */
void status_log(const struct status_src *s);
/* The STATUS map about the agent and @a. 0 and *@len, or -ENOSPC. */
int status_encode(const struct status_src *s, const struct assoc *a,
		  uint8_t *buf, size_t cap, size_t *len);
/* A buffer this large always holds status_encode()'s map for @cfg. */
size_t status_max_len(const struct config *cfg);
/* The local status socket's reply (sctpagent status): an array of
 * status_encode()'s maps, one per controller, in config order. 0 and
 * *@len, or -ENOSPC. */
int status_encode_all(const struct status_src *s, uint8_t *buf, size_t cap,
		      size_t *len);
/* A buffer this large always holds status_encode_all()'s array. */
size_t status_all_max_len(const struct config *cfg);

#endif
