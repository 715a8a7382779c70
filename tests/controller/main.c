// SPDX-License-Identifier: MIT
/*
 * tests/controller/main.c - sctpctl command line (tests/controller/README.md).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/controller/ctl.h"

static const char usage[] =
	"usage: sctpctl -l ADDR[,ADDR...] [-p PORT] [-n NAME] [--ack-ms N]\n"
	"               [--duration SEC] [--quiet]\n"
	"               [--cmd 'OP [ARGS]' [--cmd-at SEC] [--cmd-agent NAME]]...\n"
	"  -l ADDR,...     local addresses to bind (numeric IPv4/IPv6; up to 8)\n"
	"  -p PORT         SCTP port (default 9910)\n"
	"  -n NAME         controller name in the output (default ctl)\n"
	"  --ack-ms N      cumulative ACK period (default 200; 0 = never ACK)\n"
	"  --hb-ms N       heartbeat interval toward agents (sparse on metered links)\n"
	"  --sack-freq N   packets per SACK (default: the kernel's delayed SACK,\n"
	"                  every 2nd packet or 200 ms; 1 = SACK each packet)\n"
	"  --interleave    offer I-DATA (needs sysctl net.sctp.intl_enable=1)\n"
	"  --duration SEC  stop after SEC seconds (default: at SIGTERM/SIGINT)\n"
	"  --quiet         no reading lines (events and the summary only)\n"
	"  --dtls-psk FILE DTLS over SCTP with PSKs: FILE has 'identity hexkey' lines\n"
	"  --dtls-ca F --dtls-cert F --dtls-key F   DTLS with certificates (P-256);\n"
	"                  the agent's certificate must chain to the CA\n"
	"  --dtls-suites L allowed suites (mbedTLS names, comma separated)\n"
	"  --dtls-hs-timeout MS  a handshake (first or rekey) must complete within MS\n"
	"                  from its start, else the association is aborted (10000)\n"
	"  --dtls-no-reneg refuse the agent's renegotiations (no_renegotiation alert,\n"
	"                  as OpenSSL 3.0's s_server does by default)\n"
	"  --cmd 'OP ..'   ping | status | set_interval SENSOR MS |\n"
	"                  read_now SENSOR | close [MS]\n"
	"  --cmd-at SEC    when the last --cmd is sent (default 1; decimals ok)\n"
	"  --cmd-agent N   to which agent (default: the first that said HELLO)\n"
	"  -h, --help      this text\n"
	"Output: one JSON object per line on stdout; diagnostics on stderr.\n";

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int parse_secs_ms(const char *s, uint32_t *ms)
{
	char *end;
	double v;

	if (!s || !*s)
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !(v >= 0) || v > 86400.0 * 30)
		return -1;
	*ms = (uint32_t)(v * 1000.0 + 0.5);
	return 0;
}

static int copy_word(char *dst, size_t cap, const char *src)
{
	size_t n = strlen(src);

	if (n == 0 || n >= cap)
		return -1;
	memcpy(dst, src, n + 1);
	return 0;
}

int ctl_parse_cmd(const char *s, struct ctl_cmd *c, const char **why)
{
	char tmp[sizeof(c->text)], *w[4], *save = NULL, *p;
	unsigned int n = 0;
	unsigned long v;

	if (copy_word(c->text, sizeof(c->text), s) ||
	    copy_word(tmp, sizeof(tmp), s)) {
		*why = "empty or too long";
		return -1;
	}
	for (p = strtok_r(tmp, " \t", &save); p; p = strtok_r(NULL, " \t", &save)) {
		if (n == 4) {
			*why = "too many words";
			return -1;
		}
		w[n++] = p;
	}
	if (!n) {
		*why = "empty";
		return -1;
	}
	c->sensor[0] = '\0';
	c->interval_ms = 0;
	if (!strcmp(w[0], "ping") && n == 1) {
		c->op = MSG_OP_PING;
	} else if (!strcmp(w[0], "status") && n == 1) {
		c->op = MSG_OP_STATUS;
	} else if (!strcmp(w[0], "close") && n <= 2) {
		c->op = MSG_OP_CLOSE;	/* optional MS: how long the agent stays away */
		if (n == 2 && parse_uint(w[1], UINT32_MAX, &v)) {
			*why = "MS must be a number";
			return -1;
		}
		c->interval_ms = n == 2 ? (uint32_t)v : 0;
	} else if (!strcmp(w[0], "read_now") && n == 2) {
		c->op = MSG_OP_READ_NOW;
		if (copy_word(c->sensor, sizeof(c->sensor), w[1])) {
			*why = "sensor name too long";
			return -1;
		}
	} else if (!strcmp(w[0], "set_interval") && n == 3) {
		c->op = MSG_OP_SET_INTERVAL;
		if (copy_word(c->sensor, sizeof(c->sensor), w[1])) {
			*why = "sensor name too long";
			return -1;
		}
		if (parse_uint(w[2], UINT32_MAX, &v)) {
			*why = "MS must be a number";
			return -1;
		}
		c->interval_ms = (uint32_t)v;
	} else {
		*why = "expected ping | status | close [MS] | read_now SENSOR | "
		       "set_interval SENSOR MS";
		return -1;
	}
	return 0;
}

static int parse_addrs(const char *s, struct ctl_opts *o)
{
	char tmp[512], *save = NULL, *p;

	if (copy_word(tmp, sizeof(tmp), s))
		return -1;
	for (p = strtok_r(tmp, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		if (o->n_addrs == PS_MAX_ADDRS ||
		    net_addr_parse(p, &o->addrs[o->n_addrs]))
			return -1;
		o->n_addrs++;
	}
	return o->n_addrs ? 0 : -1;
}

static int bad_arg(const char *opt, const char *val, const char *why)
{
	fprintf(stderr, "sctpctl: %s '%s': %s\n%s", opt, val ? val : "", why, usage);
	return 2;
}

int main(int argc, char **argv)
{
	static struct ctl_opts o;
	struct ctl_cmd *last = NULL;
	unsigned long v;
	const char *why;

	o.port = 9910;
	o.name = "ctl";
	o.ack_ms = 200;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if (!strcmp(a, "--quiet")) {
			o.quiet = true;
			continue;
		}
		if (!strcmp(a, "--interleave")) {
			o.interleave = true;
			continue;
		}
		if (!strcmp(a, "--dtls-no-reneg")) {
			o.dtls.no_renegotiation = true;
			continue;
		}
		if (!val)
			return bad_arg(a, NULL, "unknown option or missing value");
		i++;
		if (!strcmp(a, "-l")) {
			if (parse_addrs(val, &o))
				return bad_arg(a, val, "numeric addresses, comma separated, up to 8");
		} else if (!strcmp(a, "-p")) {
			if (parse_uint(val, 65535, &v) || v == 0)
				return bad_arg(a, val, "a port 1..65535");
			o.port = (uint16_t)v;
		} else if (!strcmp(a, "-n")) {
			if (!*val || strlen(val) > 63)
				return bad_arg(a, val, "a name of 1..63 characters");
			o.name = val;
		} else if (!strcmp(a, "--ack-ms")) {
			if (parse_uint(val, 3600000, &v))
				return bad_arg(a, val, "milliseconds 0..3600000");
			o.ack_ms = (uint32_t)v;
		} else if (!strcmp(a, "--hb-ms")) {
			if (parse_uint(val, 86400000, &v))
				return bad_arg(a, val, "milliseconds 0..86400000");
			o.hb_ms = (uint32_t)v;
		} else if (!strcmp(a, "--sack-freq")) {
			if (parse_uint(val, 100, &v) || v == 0)
				return bad_arg(a, val, "packets per SACK 1..100");
			o.sack_freq = (uint16_t)v;
		} else if (!strcmp(a, "--dtls-psk")) {
			o.dtls.psk_table = val;
		} else if (!strcmp(a, "--dtls-ca")) {
			o.dtls.ca = val;
		} else if (!strcmp(a, "--dtls-cert")) {
			o.dtls.cert = val;
		} else if (!strcmp(a, "--dtls-key")) {
			o.dtls.key = val;
		} else if (!strcmp(a, "--dtls-suites")) {
			o.dtls.suites = val;
		} else if (!strcmp(a, "--dtls-hs-timeout")) {
			if (parse_uint(val, 600000, &v) || v < 100)
				return bad_arg(a, val, "milliseconds 100..600000");
			o.dtls.hs_timeout_ms = (unsigned int)v;
		} else if (!strcmp(a, "--duration")) {
			if (parse_uint(val, 86400 * 30, &v))
				return bad_arg(a, val, "seconds");
			o.duration_s = (uint32_t)v;
		} else if (!strcmp(a, "--cmd")) {
			if (o.n_cmds == CTL_MAX_CMDS)
				return bad_arg(a, val, "too many commands (16)");
			last = &o.cmds[o.n_cmds++];
			last->at_ms = 1000;
			if (ctl_parse_cmd(val, last, &why))
				return bad_arg(a, val, why);
		} else if (!strcmp(a, "--cmd-at")) {
			if (!last)
				return bad_arg(a, val, "comes after a --cmd");
			if (parse_secs_ms(val, &last->at_ms))
				return bad_arg(a, val, "seconds (decimals ok)");
		} else if (!strcmp(a, "--cmd-agent")) {
			if (!last)
				return bad_arg(a, val, "comes after a --cmd");
			if (copy_word(last->agent, sizeof(last->agent), val))
				return bad_arg(a, val, "an agent name of 1..63 characters");
		} else {
			i--;
			return bad_arg(a, NULL, "unknown option");
		}
	}
	if (o.dtls.ca && (!o.dtls.cert || !o.dtls.key))
		return bad_arg("--dtls-ca", o.dtls.ca, "needs --dtls-cert and --dtls-key");
	o.dtls.name = o.name;
	if (!o.n_addrs)
		return bad_arg("-l", NULL, "at least one local address is required");
	return ctl_run(&o);
}
