/* SPDX-License-Identifier: MIT */
/*
 * agent/status_fmt.h - `sctpagent status`: the agent's reply on its
 * status socket (status_encode_all(): an array of the STATUS maps a
 * controller gets, one per controller) shown as a table or as JSON.
 * Pure: bytes in, lines out through a callback, so tests read the output.
 */
#ifndef AGENT_STATUS_FMT_H
#define AGENT_STATUS_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef void (*status_out)(void *ctx, const char *line);

/*
 * The reply as one line of JSON: the array of maps, every key and value
 * as the agent sent it (CBOR text -> JSON string, numbers, bool, null;
 * a float that is not finite -> null; byte strings -> hex strings).
 * 0, -EBADMSG the reply is not well-formed CBOR (nesting over
 * CBOR_MAX_DEPTH included), -ENOMEM.
 */
int status_fmt_json(const uint8_t *buf, size_t len, status_out out, void *ctx);

/*
 * The reply as a table: the agent's line, one block per controller
 * (state, counters, queue and store depth, DTLS state when the map has
 * "dtls", its paths with state/primary/srtt/rto/cwnd), then the sensors
 * (state, interval, last value and its age at @now_wall_ms, reads,
 * errors, the driver's reason). 0, -EBADMSG not the expected shape.
 */
int status_fmt_table(const uint8_t *buf, size_t len, int64_t now_wall_ms,
		     status_out out, void *ctx);

/*
 * `sctpagent status [--json]`: ask the agent on @path (port/ctlsock.h,
 * bounded by @timeout_ms) and print its reply through @out, or one line
 * naming the reason through @err. Returns the exit status: 0, or 1 (no
 * agent there, not allowed, no answer in time, a reply not understood).
 */
int status_cli(const char *path, bool json, uint32_t timeout_ms,
	       status_out out, status_out err, void *ctx);

#endif
