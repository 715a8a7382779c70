/* SPDX-License-Identifier: MIT */
/* `sctpagent status` output: the status socket's CBOR as JSON or a table. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/cbor.h"
#include "agent/status_fmt.h"
#include "port/clock.h"
#include "port/ctlsock.h"

/* ---- a growing string ---------------------------------------------------- */

struct sb {
	char *s;
	size_t len, cap;
	int err;
};

static void sb_add(struct sb *b, const char *p, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *ns = realloc(b->s, cap);

		if (!ns) {
			b->err = -ENOMEM;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = 0;
}

static void sb_printf(struct sb *b, const char *fmt, ...)
{
	char tmp[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	sb_add(b, tmp, n < 0 ? 0 : (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void sb_json_str(struct sb *b, const char *s, size_t n)
{
	sb_add(b, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			sb_printf(b, "\\u%04x", c);
		else
			sb_add(b, (const char *)&c, 1);
	}
	sb_add(b, "\"", 1);
}

/* ---- CBOR -> JSON --------------------------------------------------------- */

static int json_item(struct cbor_dec *d, struct sb *b, int depth);

static int json_container(struct cbor_dec *d, struct sb *b, int depth, bool map)
{
	size_t n;
	int rc = map ? cbor_get_map(d, &n) : cbor_get_array(d, &n);

	if (rc)
		return rc;
	sb_add(b, map ? "{" : "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_add(b, ",", 1);
		if (map) {
			const char *k;
			size_t kl;

			if (cbor_get_text(d, &k, &kl))
				return -EBADMSG;	/* JSON keys are strings */
			sb_json_str(b, k, kl);
			sb_add(b, ":", 1);
		}
		rc = json_item(d, b, depth + 1);
		if (rc)
			return rc;
	}
	sb_add(b, map ? "}" : "]", 1);
	return 0;
}

static int json_scalar(struct cbor_dec *d, struct sb *b, enum cbor_type t)
{
	const char *s;
	const uint8_t *p;
	size_t n;
	uint64_t u;
	int64_t i;
	double f;
	bool v;

	switch (t) {
	case CBOR_UINT:
		return cbor_get_uint(d, &u) ? -EBADMSG : (sb_printf(b, "%" PRIu64, u), 0);
	case CBOR_NEGINT:
		return cbor_get_int(d, &i) ? -EBADMSG : (sb_printf(b, "%" PRId64, i), 0);
	case CBOR_TEXT:
		return cbor_get_text(d, &s, &n) ? -EBADMSG : (sb_json_str(b, s, n), 0);
	case CBOR_BYTES:
		if (cbor_get_bytes(d, &p, &n))
			return -EBADMSG;
		sb_add(b, "\"", 1);
		for (size_t k = 0; k < n; k++)
			sb_printf(b, "%02x", p[k]);
		sb_add(b, "\"", 1);
		return 0;
	case CBOR_FLOAT:
		if (cbor_get_float(d, &f))
			return -EBADMSG;
		if (isfinite(f))
			sb_printf(b, "%.17g", f);
		else
			sb_add(b, "null", 4);
		return 0;
	case CBOR_BOOL:
		return cbor_get_bool(d, &v) ? -EBADMSG : (sb_add(b, v ? "true" : "false", v ? 4 : 5), 0);
	default:		/* null, tags, other simple values */
		if (cbor_skip(d, NULL, NULL))
			return -EBADMSG;
		sb_add(b, "null", 4);
		return 0;
	}
}

static int json_item(struct cbor_dec *d, struct sb *b, int depth)
{
	enum cbor_type t;

	if (depth > CBOR_MAX_DEPTH || cbor_peek(d, &t))
		return -EBADMSG;
	if (t == CBOR_MAP || t == CBOR_ARRAY)
		return json_container(d, b, depth, t == CBOR_MAP);
	return json_scalar(d, b, t);
}

int status_fmt_json(const uint8_t *buf, size_t len, status_out out, void *ctx)
{
	struct cbor_dec d;
	struct sb b = { 0 };
	int rc;

	cbor_dec_init(&d, buf, len);
	rc = json_item(&d, &b, 0);
	if (!rc && !cbor_dec_done(&d))
		rc = -EBADMSG;
	rc = rc ? rc : b.err;
	if (!rc)
		out(ctx, b.s);
	free(b.s);
	return rc == -ENOMEM ? rc : rc ? -EBADMSG : 0;
}

/* ---- the table ------------------------------------------------------------ */

/* A decoder on the value of @key in the map at @m, or false. */
static bool find(const struct cbor_dec *m, const char *key, struct cbor_dec *val)
{
	struct cbor_dec d = *m;
	size_t n;

	if (cbor_get_map(&d, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		const char *k;
		size_t kl;

		if (cbor_get_text(&d, &k, &kl))
			return false;
		if (kl == strlen(key) && !memcmp(k, key, kl)) {
			*val = d;
			return true;
		}
		if (cbor_skip(&d, NULL, NULL))
			return false;
	}
	return false;
}

static uint64_t u(const struct cbor_dec *m, const char *key)
{
	struct cbor_dec v;
	uint64_t x = 0;

	if (find(m, key, &v))
		cbor_get_uint(&v, &x);
	return x;
}

/* The text of @key as a C string in @buf ("-" if absent). */
static const char *str(const struct cbor_dec *m, const char *key, char *buf, size_t n)
{
	struct cbor_dec v;
	const char *s;
	size_t l;

	if (!find(m, key, &v) || cbor_get_text(&v, &s, &l))
		return "-";
	snprintf(buf, n, "%.*s", (int)(l < n ? l : n - 1), s);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return buf;
}

static void line(status_out out, void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out(ctx, buf);
}

static void table_paths(const struct cbor_dec *m, status_out out, void *ctx)
{
	struct cbor_dec v;
	size_t n;

	if (!find(m, "paths", &v) || cbor_get_array(&v, &n) || !n) {
		out(ctx, "    (no paths: not associated)");
		return;
	}
	line(out, ctx, "    %-40s %-13s %-7s %8s %8s %8s", "PATH", "STATE", "PRIMARY",
	     "SRTT", "RTO", "CWND");
	for (size_t i = 0; i < n; i++) {
		struct cbor_dec p = v, pv;
		char a[64], s[24];
		bool prim = false;

		if (cbor_skip(&v, NULL, NULL))
			return;
		if (find(&p, "primary", &pv))
			cbor_get_bool(&pv, &prim);
		line(out, ctx, "    %-40s %-13s %-7s %6" PRIu64 "ms %6" PRIu64 "ms %8" PRIu64,
		     str(&p, "addr", a, sizeof(a)), str(&p, "state", s, sizeof(s)),
		     prim ? "yes" : "no", u(&p, "srtt_ms"), u(&p, "rto_ms"), u(&p, "cwnd"));
	}
}

/* DTLS: shown when the agent's map has it (only with [security] on). */
static void table_dtls(const struct cbor_dec *m, status_out out, void *ctx)
{
	char sb[16], mb[16], cb[80], eb[160];
	const char *suite, *err;
	struct cbor_dec v;
	enum cbor_type t;

	if (!find(m, "dtls", &v) || cbor_peek(&v, &t) || t != CBOR_MAP)
		return;
	suite = str(&v, "suite", cb, sizeof(cb));
	err = str(&v, "last_error", eb, sizeof(eb));
	line(out, ctx, "    dtls: %s %s%s%s, key %" PRIu64 ", open %" PRIu64 " s; handshakes %"
	     PRIu64 ", rekeys %" PRIu64 ", failures %" PRIu64 "%s%s",
	     str(&v, "state", sb, sizeof(sb)), str(&v, "mode", mb, sizeof(mb)),
	     *suite && strcmp(suite, "-") ? " " : "", strcmp(suite, "-") ? suite : "",
	     u(&v, "key_id"), u(&v, "open_s"), u(&v, "handshakes"), u(&v, "rekeys"),
	     u(&v, "failures"), *err && strcmp(err, "-") ? "; last refused: " : "",
	     strcmp(err, "-") ? err : "");
}

static void table_ctrl(const struct cbor_dec *m, status_out out, void *ctx)
{
	char name[40], state[24];

	line(out, ctx, "%-20s %-13s sent %" PRIu64 " msgs, waiting %" PRIu64 ", holds %"
	     PRIu64 " B; lost %" PRIu64 ", evicted %" PRIu64 ", dropped %" PRIu64
	     ", no stream %" PRIu64, str(m, "controller", name, sizeof(name)),
	     str(m, "state", state, sizeof(state)), u(m, "msgs_sent"), u(m, "waiting"),
	     u(m, "held_bytes"), u(m, "lost"), u(m, "evicted"), u(m, "dropped"),
	     u(m, "no_stream"));
	line(out, ctx, "    connects %" PRIu64 ", up %" PRIu64 ", lost %" PRIu64
	     ", restarts %" PRIu64 "; acks %" PRIu64 " (refused %" PRIu64 "); failovers %"
	     PRIu64 ", failbacks %" PRIu64 "; send-failed %" PRIu64 ", replayed %" PRIu64,
	     u(m, "connects"), u(m, "comm_up"), u(m, "comm_lost"), u(m, "restarts"),
	     u(m, "acks"), u(m, "ack_beyond"), u(m, "failovers"), u(m, "failbacks"),
	     u(m, "send_failed"), u(m, "replayed"));
	table_dtls(m, out, ctx);
	table_paths(m, out, ctx);
}

static void fmt_last(const struct cbor_dec *s, int64_t now, char *buf, size_t n)
{
	struct cbor_dec v;
	double x;
	int64_t at = 0;

	if (!find(s, "last", &v) || cbor_get_float(&v, &x)) {
		snprintf(buf, n, "-");
		return;
	}
	if (find(s, "last_ms", &v))
		cbor_get_int(&v, &at);
	if (at && now >= at)
		snprintf(buf, n, "%.6g (%" PRId64 " s ago)", x, (now - at) / 1000);
	else
		snprintf(buf, n, "%.6g", x);
}

static void table_sensors(const struct cbor_dec *m, int64_t now, status_out out, void *ctx)
{
	struct cbor_dec v;
	size_t n;

	if (!find(m, "sensors", &v) || cbor_get_map(&v, &n))
		return;
	if (!n) {
		out(ctx, "no sensors");
		return;
	}
	line(out, ctx, "%-20s %-8s %10s %-24s %8s %7s  %s", "SENSOR", "STATE", "INTERVAL",
	     "LAST", "READS", "ERRORS", "ERROR");
	for (size_t i = 0; i < n; i++) {
		const char *k;
		size_t kl;
		struct cbor_dec s;
		char st[16], err[132], last[48];

		if (cbor_get_text(&v, &k, &kl))
			return;
		s = v;
		if (cbor_skip(&v, NULL, NULL))
			return;
		fmt_last(&s, now, last, sizeof(last));
		line(out, ctx, "%-20.*s %-8s %8" PRIu64 "ms %-24s %8" PRIu64 " %7" PRIu64 "  %s",
		     (int)(kl < 20 ? kl : 20), k, str(&s, "state", st, sizeof(st)),
		     u(&s, "interval_ms"), last, u(&s, "reads"), u(&s, "errors"),
		     str(&s, "error", err, sizeof(err)));
	}
}

int status_fmt_table(const uint8_t *buf, size_t len, int64_t now_wall_ms,
		     status_out out, void *ctx)
{
	struct cbor_dec d, first;
	char name[40];
	size_t n;

	cbor_dec_init(&d, buf, len);
	if (cbor_skip(&d, NULL, NULL) || !cbor_dec_done(&d))
		return -EBADMSG;	/* well-formed before a line is printed */
	cbor_dec_init(&d, buf, len);
	if (cbor_get_array(&d, &n) || !n)
		return -EBADMSG;
	first = d;
	line(out, ctx, "agent %s, epoch %" PRIu64 ": %" PRIu64 " readings (%" PRIu64
	     " not encodable), memory %" PRIu64 " B held of %" PRIu64 " KiB (peak %" PRIu64
	     " B), bad input %" PRIu64 ", unknown associations %" PRIu64,
	     str(&first, "agent", name, sizeof(name)), u(&first, "epoch"),
	     u(&first, "readings"), u(&first, "encode_failed"),
	     u(&first, "memory_used"), u(&first, "memory_budget") / 1024,
	     u(&first, "memory_peak"), u(&first, "bad_input"),
	     u(&first, "unknown_assoc"));
	line(out, ctx, "%-20s %-13s", "CONTROLLER", "STATE");
	for (size_t i = 0; i < n; i++) {
		struct cbor_dec m = d;
		enum cbor_type t;

		if (cbor_peek(&d, &t) || t != CBOR_MAP || cbor_skip(&d, NULL, NULL))
			return -EBADMSG;
		table_ctrl(&m, out, ctx);
	}
	table_sensors(&first, now_wall_ms, out, ctx);
	return cbor_dec_done(&d) ? 0 : -EBADMSG;
}

/* ---- the client ----------------------------------------------------------- */

static const char *hint(int rc)
{
	switch (rc) {
	case -ENOENT: return "no such socket: is the agent running? (systemctl status sctpagent)";
	case -ECONNREFUSED: return "nobody answers: the agent is not running (a stale socket file)";
	case -EACCES: case -EPERM: return "permission denied: run it as root or as the sctpagent user";
	case -ETIMEDOUT: return "no answer in time: the agent is busy or stuck";
	case -EPROTO: return "the agent closed without a reply (refused the request)";
	default: return strerror(-rc);
	}
}

int status_cli(const char *path, bool json, uint32_t timeout_ms,
	       status_out out, status_out err, void *ctx)
{
	uint8_t *reply = NULL;
	size_t len = 0;
	char msg[300];
	int rc = ctl_request(path, "status", timeout_ms, &reply, &len);

	if (rc) {
		snprintf(msg, sizeof(msg), "sctpagent status: %s: %s", path, hint(rc));
		err(ctx, msg);
		return 1;
	}
	rc = json ? status_fmt_json(reply, len, out, ctx) :
		    status_fmt_table(reply, len, clock_wall_ms(), out, ctx);
	free(reply);
	if (rc) {
		snprintf(msg, sizeof(msg), "sctpagent status: %s: a reply this version "
			 "does not understand (%s)", path, strerror(-rc));
		err(ctx, msg);
		return 1;
	}
	return 0;
}
