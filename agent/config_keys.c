/* SPDX-License-Identifier: MIT */
/*
 * The ini schema as tables (docs/CONFIG.md documents the same keys) and the
 * value parsers. Adding a key = one table line + docs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config_int.h"

#define F(type, field) offsetof(type, field), sizeof(((type *)0)->field)

static const char *const transport_names[] = { "auto", "kernel", "udp", NULL };
static const char *const secmode_names[] = { "none", "dtls-psk", "dtls-cert", NULL };

static const struct key_def agent_keys[] = {
	{ "name", KT_NAME, F(struct cfg_agent, name), 1, 0, false, NULL,
	  "a name of 1..31 letters, digits, '.', '_' or '-'" },
	{ "log_level", KT_LOGLEVEL, F(struct cfg_agent, log_level), 0, 4, false, NULL,
	  "error, warn, info, debug, trace or 0..4" },
	{ "state_dir", KT_STR, F(struct cfg_agent, state_dir), 1, 0, false, NULL,
	  "an absolute directory path" },
	{ "local_port", KT_UINT, F(struct cfg_agent, local_port), 0, 65535, false, NULL, NULL },
	{ "transport", KT_ENUM, F(struct cfg_agent, transport), 0, 0, false, transport_names,
	  "auto, kernel or udp" },
	{ "reconnect_min_ms", KT_UINT, F(struct cfg_agent, reconnect_min_ms), 100, 600000, false, NULL, NULL },
	{ "reconnect_max_ms", KT_UINT, F(struct cfg_agent, reconnect_max_ms), 100, 3600000, false, NULL, NULL },
	{ "init_max_attempts", KT_UINT, F(struct cfg_agent, init_max_attempts), 1, 255, false, NULL, NULL },
	{ "init_timeout_ms", KT_UINT, F(struct cfg_agent, init_timeout_ms), 100, 600000, false, NULL, NULL },
	{ "shutdown_timeout_ms", KT_UINT, F(struct cfg_agent, shutdown_timeout_ms), 0, 60000, false, NULL, NULL },
	{ "assoc_max_retrans", KT_UINT, F(struct cfg_agent, assoc_max_retrans), 0, 255, false, NULL, NULL },
	{ "status_interval_ms", KT_UINT, F(struct cfg_agent, status_interval_ms), 0, 86400000, false, NULL, NULL },
	{ "interleave", KT_BOOL, F(struct cfg_agent, interleave), 0, 0, false, NULL, NULL },
	{ "resolve_timeout_ms", KT_UINT, F(struct cfg_agent, resolve_timeout_ms), 100, 60000, false, NULL, NULL },
	{ "memory_budget_kb", KT_UINT, F(struct cfg_agent, memory_budget_kb), 64, 1048576, false, NULL, NULL },
	{ "log_burst", KT_UINT, F(struct cfg_agent, log_burst), 0, 100000, false, NULL, NULL },
	{ "log_window_ms", KT_UINT, F(struct cfg_agent, log_window_ms), 1000, 86400000, false, NULL, NULL },
	{ "clock_jump_ms", KT_UINT, F(struct cfg_agent, clock_jump_ms), 10, 86400000, false, NULL, NULL },
	{ "status_socket", KT_STR, F(struct cfg_agent, status_socket), 0, 0, false, NULL,
	  "an absolute path, or empty for none" },
};

static const struct key_def path_keys[] = {
	{ "interface", KT_NAME, F(struct cfg_path, interface), 1, 0, true, NULL,
	  "an interface name of 1..15 characters" },
	{ "address", KT_ADDR, F(struct cfg_path, addr), 0, 0, false, NULL,
	  "a numeric IPv4/IPv6 address or 'auto'" },
	{ "priority", KT_UINT, F(struct cfg_path, priority), 0, 255, false, NULL, NULL },
	{ "heartbeat_ms", KT_UINT, F(struct cfg_path, hb_interval_ms), 100, 3600000, false, NULL, NULL },
	{ "rto_initial_ms", KT_UINT, F(struct cfg_path, rto_initial_ms), 10, 120000, false, NULL, NULL },
	{ "rto_min_ms", KT_UINT, F(struct cfg_path, rto_min_ms), 10, 120000, false, NULL, NULL },
	{ "rto_max_ms", KT_UINT, F(struct cfg_path, rto_max_ms), 10, 120000, false, NULL, NULL },
	{ "path_max_retrans", KT_UINT, F(struct cfg_path, path_max_retrans), 1, 255, false, NULL, NULL },
	{ "pf_threshold", KT_UINT, F(struct cfg_path, pf_threshold), 0, 254, false, NULL, NULL },
	{ "metered", KT_BOOL, F(struct cfg_path, metered), 0, 0, false, NULL, NULL },
	{ "failback_hold_ms", KT_UINT, F(struct cfg_path, failback_hold_ms), 0, 3600000, false, NULL, NULL },
	{ "confirm_timeout_ms", KT_UINT, F(struct cfg_path, confirm_timeout_ms), 100, 3600000, false, NULL, NULL },
	{ "udp_port", KT_UINT, F(struct cfg_path, udp_port), 0, 65535, false, NULL, NULL },
};

static const struct key_def ctrl_keys[] = {
	{ "address", KT_ADDRLIST, F(struct cfg_controller, addrs), 0, 0, true, NULL,
	  "addresses or host names (each optionally @path) separated by ',' or spaces" },
	{ "port", KT_UINT, F(struct cfg_controller, port), 1, 65535, false, NULL, NULL },
	{ "streams", KT_UINT, F(struct cfg_controller, streams), 2, CONFIG_MAX_STREAMS, false, NULL, NULL },
	{ "sensors", KT_NAMELIST, 0, 0, 0, 0, false, NULL,
	  "'all' or a list of sensor names" },
	{ "tls_name", KT_STR, F(struct cfg_controller, tls_name), 0, 0, false, NULL,
	  "the DNS name in the controller's certificate" },
};

static const struct key_def sensor_keys[] = {
	{ "driver", KT_NAME, F(struct cfg_sensor, driver), 1, 0, true, NULL,
	  "a sensor driver name" },
	{ "source", KT_STR, F(struct cfg_sensor, source), 0, 0, false, NULL,
	  "the driver's source (a path or a parameter string)" },
	{ "interval_ms", KT_UINT, F(struct cfg_sensor, interval_ms), 10, 86400000, false, NULL, NULL },
	{ "stream", KT_UINT, F(struct cfg_sensor, stream), 1, CONFIG_MAX_STREAMS - 1, false, NULL, NULL },
	{ "unit", KT_STR, F(struct cfg_sensor, unit), 0, 0, false, NULL,
	  "a SenML unit such as Cel, %RH, Pa, V" },
	{ "lifetime_ms", KT_UINT, F(struct cfg_sensor, lifetime_ms), 0, 3600000, false, NULL, NULL },
	{ "ordered", KT_BOOL, F(struct cfg_sensor, ordered), 0, 0, false, NULL, NULL },
	{ "bundle_count", KT_UINT, F(struct cfg_sensor, bundle_count), 1, 64, false, NULL, NULL },
	{ "bundle_ms", KT_UINT, F(struct cfg_sensor, bundle_ms), 0, 3600000, false, NULL, NULL },
	{ "priority", KT_UINT, F(struct cfg_sensor, priority), 0, 255, false, NULL, NULL },
	{ "controllers", KT_NAMELIST, 0, 0, 0, 0, false, NULL,
	  "'all' or a list of controller names" },
};

static const struct key_def security_keys[] = {
	{ "mode", KT_ENUM, F(struct cfg_security_sec, mode), 0, 0, false, secmode_names,
	  "none, dtls-psk or dtls-cert" },
	{ "psk_identity", KT_STR, F(struct cfg_security_sec, psk_identity), 0, 0, false, NULL,
	  "the PSK identity text" },
	{ "psk_key_file", KT_STR, F(struct cfg_security_sec, psk_key_file), 0, 0, false, NULL,
	  "a file path" },
	{ "ca_file", KT_STR, F(struct cfg_security_sec, ca_file), 0, 0, false, NULL, "a file path" },
	{ "cert_file", KT_STR, F(struct cfg_security_sec, cert_file), 0, 0, false, NULL, "a file path" },
	{ "key_file", KT_STR, F(struct cfg_security_sec, key_file), 0, 0, false, NULL, "a file path" },
	{ "suites", KT_STR, F(struct cfg_security_sec, suites), 0, 0, false, NULL,
	  "cipher suite names separated by ',' (mbedTLS names, e.g. TLS-ECDHE-PSK-WITH-CHACHA20-POLY1305-SHA256)" },
	{ "handshake_timeout_ms", KT_UINT, F(struct cfg_security_sec, handshake_timeout_ms), 1000, 120000, false, NULL, NULL },
	{ "rekey_interval_s", KT_UINT, F(struct cfg_security_sec, rekey_interval_s), 0, 31536000, false, NULL, NULL },
	{ "rekey_records", KT_UINT, F(struct cfg_security_sec, rekey_records), 0, 4294967295u, false, NULL, NULL },
};

#define N(a) (unsigned int)(sizeof(a) / sizeof((a)[0]))
const struct sec_def cfg_sections[SEC_N] = {
	[SEC_AGENT] = { "agent", false, agent_keys, N(agent_keys) },
	[SEC_PATH] = { "path", true, path_keys, N(path_keys) },
	[SEC_CTRL] = { "controller", true, ctrl_keys, N(ctrl_keys) },
	[SEC_SENSOR] = { "sensor", true, sensor_keys, N(sensor_keys) },
	[SEC_SECURITY] = { "security", false, security_keys, N(security_keys) },
};

bool cfg_valid_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++) {
		char ch = *s;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-' || ch == '.'))
			return false;
	}
	return true;
}

static void store_uint(void *p, size_t size, uint32_t v)
{
	switch (size) {
	case 1: *(uint8_t *)p = (uint8_t)v; break;
	case 2: *(uint16_t *)p = (uint16_t)v; break;
	default: *(uint32_t *)p = v; break;
	}
}

/* Strict decimal: digits only, no sign, no spaces, no overflow. */
static int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*out = (uint32_t)v;
	return 0;
}

static int parse_uint_key(const struct key_def *k, const char *v, void *p,
			  char *why, size_t n)
{
	uint32_t x;
	int rc = parse_u32(v, &x);

	if (rc == -EINVAL) {
		snprintf(why, n, "'%s' is not a whole number; expected %u..%u",
			 v, k->min, k->max);
		return -EINVAL;
	}
	if (rc || x < k->min || x > k->max) {
		snprintf(why, n, "%s is out of range; expected %u..%u", v,
			 k->min, k->max);
		return -EINVAL;
	}
	store_uint(p, k->size, x);
	return 0;
}

static int parse_bool(const char *v, bool *out)
{
	static const char *const t[] = { "true", "yes", "on", "1" };
	static const char *const f[] = { "false", "no", "off", "0" };

	for (unsigned int i = 0; i < 4; i++) {
		if (!strcmp(v, t[i]))
			return *out = true, 0;
		if (!strcmp(v, f[i]))
			return *out = false, 0;
	}
	return -EINVAL;
}

static int find_name(const char *const *names, const char *v)
{
	for (int i = 0; names[i]; i++)
		if (!strcmp(names[i], v))
			return i;
	return -ENOENT;
}

static int parse_loglevel(const char *v, int *out)
{
	static const char *const lv[] = { "error", "warn", "info", "debug", "trace", NULL };
	int i = find_name(lv, v);

	if (i >= 0)
		return *out = i, 0;
	if (v[0] >= '0' && v[0] <= '4' && !v[1])
		return *out = v[0] - '0', 0;
	return -EINVAL;
}

/* Why a path's non-numeric address was refused, naming host names
 * plainly: the agent binds it before any lookup could run. */
static void addr_why(const char *tok, char *why, size_t n)
{
	if (cfg_looks_like_host(tok))
		snprintf(why, n, "'%s' is a host name; a path's own address is "
			 "numeric IPv4/IPv6 or 'auto'", tok);
	else
		snprintf(why, n, "'%s' is not a valid IPv4 or IPv6 address", tok);
}

/* Next token of @s separated by ',' or blanks, NUL-terminated in place. */
static char *next_token(char **s)
{
	char *p = *s, *tok;

	while (*p == ',' || *p == ' ' || *p == '\t')
		p++;
	if (!*p)
		return NULL;
	tok = p;
	while (*p && *p != ',' && *p != ' ' && *p != '\t')
		p++;
	if (*p)
		*p++ = 0;
	*s = p;
	return tok;
}

static int parse_addrlist(const char *v, struct cfg_controller *ctl, char *why,
			  size_t n)
{
	char buf[256], *tok, *rest = buf;

	if (strlen(v) >= sizeof(buf)) {
		snprintf(why, n, "address list too long; expected at most %u addresses",
			 CONFIG_MAX_CTRL_ADDRS);
		return -EINVAL;
	}
	strcpy(buf, v);
	ctl->n_addrs = 0;
	while ((tok = next_token(&rest))) {
		struct net_addr a;
		char *at = strchr(tok, '@');

		if (ctl->n_addrs == CONFIG_MAX_CTRL_ADDRS) {
			snprintf(why, n, "more than %u addresses (CONFIG_MAX_CTRL_ADDRS)",
				 CONFIG_MAX_CTRL_ADDRS);
			return -EINVAL;
		}
		/* "addr@path": this address is reached over that local path */
		if (at) {
			*at++ = 0;
			if (!cfg_valid_name(at) || strlen(at) >= CFG_NAME_MAX) {
				snprintf(why, n, "'%s' after '@' is not a path name", at);
				return -EINVAL;
			}
		}
		snprintf(ctl->addr_path_name[ctl->n_addrs], CFG_NAME_MAX, "%s", at ? at : "");
		if (net_addr_parse(tok, &a)) {
			if (cfg_parse_host(tok, ctl, why, n))
				return -EINVAL;
			continue;	/* a host name, resolved at connect */
		}
		if (net_addr_is_any(&a)) {
			snprintf(why, n, "'%s' is the wildcard address; expected a "
				 "controller's own address", tok);
			return -EINVAL;
		}
		for (unsigned int i = 0; i < ctl->n_addrs; i++)
			if (net_addr_same_host(&ctl->addrs[i], &a)) {
				snprintf(why, n, "'%s' is listed twice", tok);
				return -EINVAL;
			}
		ctl->addrs[ctl->n_addrs++] = a;
	}
	if (!ctl->n_addrs) {
		snprintf(why, n, "empty; expected at least one address or host name");
		return -EINVAL;
	}
	return 0;
}

static int parse_str(const struct key_def *k, const char *v, char *dst,
		     char *why, size_t n)
{
	if (strlen(v) >= k->size) {
		snprintf(why, n, "value of %zu characters is too long; expected at most %zu",
			 strlen(v), k->size - 1);
		return -EINVAL;
	}
	if (k->type == KT_NAME && !cfg_valid_name(v)) {
		snprintf(why, n, "'%s' is not valid; expected %s", v, k->expect);
		return -EINVAL;
	}
	for (const char *s = v; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f) {
			snprintf(why, n, "control character in value; expected %s", k->expect);
			return -EINVAL;
		}
	strcpy(dst, v);
	return 0;
}

static int parse_path_addr(const char *v, struct cfg_path *p, char *why, size_t n)
{
	if (!strcmp(v, "auto")) {
		p->addr_auto = true;
		return 0;
	}
	if (net_addr_parse(v, &p->addr)) {
		addr_why(v, why, n);
		return -EINVAL;
	}
	if (net_addr_is_any(&p->addr)) {
		snprintf(why, n, "'%s' is the wildcard; the agent binds each path's "
			 "own address (use 'auto' to take the interface's)", v);
		return -EINVAL;
	}
	p->addr_auto = false;
	return 0;
}

int cfg_parse_value(const struct key_def *k, const char *v, void *base,
		    char *why, size_t n)
{
	char *p = (char *)base + k->off;
	int i;

	switch (k->type) {
	case KT_STR:
	case KT_NAME:
		return parse_str(k, v, p, why, n);
	case KT_UINT:
		return parse_uint_key(k, v, p, why, n);
	case KT_BOOL:
		if (!parse_bool(v, (bool *)p))
			return 0;
		snprintf(why, n, "'%s' is not a boolean; expected true or false", v);
		return -EINVAL;
	case KT_ENUM:
		i = find_name(k->enum_names, v);
		if (i >= 0)
			return *(int *)(void *)p = i, 0;
		break;
	case KT_LOGLEVEL:
		if (!parse_loglevel(v, (int *)(void *)p))
			return 0;
		break;
	case KT_ADDR:
		return parse_path_addr(v, base, why, n);
	case KT_ADDRLIST:
		return parse_addrlist(v, base, why, n);
	case KT_NAMELIST:
		return 0;	/* kept raw by the caller, resolved later */
	}
	snprintf(why, n, "'%s' is not valid; expected %s", v, k->expect);
	return -EINVAL;
}

void cfg_defaults(enum sec_kind kind, void *base)
{
	struct cfg_agent *a = base;
	struct cfg_path *p = base;
	struct cfg_controller *c = base;
	struct cfg_sensor *s = base;
	struct cfg_security_sec *sec = base;

	switch (kind) {
	case SEC_AGENT:
		a->log_level = 2;
		strcpy(a->state_dir, "/var/lib/sctpagent");
		a->transport = CFG_TRANSPORT_AUTO;
		a->reconnect_min_ms = 1000;
		a->reconnect_max_ms = 60000;
		a->init_max_attempts = 4;
		a->init_timeout_ms = 3000;
		a->shutdown_timeout_ms = 3000;
		a->assoc_max_retrans = 0;	/* = the paths' sum (config_check.c) */
		a->interleave = true;
		a->resolve_timeout_ms = 5000;
		a->memory_budget_kb = CONFIG_MEM_BUDGET_KB;
		a->log_burst = 10;
		a->log_window_ms = 60000;
		a->clock_jump_ms = 500;
		strcpy(a->status_socket, CFG_STATUS_SOCKET);
		break;
	case SEC_PATH:
		p->addr_auto = true;
		p->priority = 100;
		p->hb_interval_ms = 30000;
		p->rto_initial_ms = 3000;
		p->rto_min_ms = 1000;
		p->rto_max_ms = 60000;
		p->path_max_retrans = 5;
		p->pf_threshold = 0;
		p->failback_hold_ms = 5000;
		p->confirm_timeout_ms = 10000;
		break;
	case SEC_CTRL:
		c->port = 9910;
		c->all_sensors = true;
		break;
	case SEC_SENSOR:
		s->interval_ms = 1000;
		s->ordered = true;
		s->bundle_count = 1;
		s->priority = 128;
		break;
	case SEC_SECURITY:
		sec->handshake_timeout_ms = 10000;
		sec->rekey_interval_s = 86400;
		break;
	default:
		break;
	}
}

/* Optimal string alignment distance: typos, including swapped letters. */
static unsigned int edit_distance(const char *a, const char *b)
{
	unsigned int d[33][33], la = (unsigned int)strlen(a), lb = (unsigned int)strlen(b);

	if (la > 32 || lb > 32)
		return 99;
	for (unsigned int i = 0; i <= la; i++)
		d[i][0] = i;
	for (unsigned int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (unsigned int i = 1; i <= la; i++)
		for (unsigned int j = 1; j <= lb; j++) {
			unsigned int v = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < v)
				v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
		}
	return d[la][lb];
}

const char *cfg_suggest(const char *name, const char *const *cands,
			unsigned int n)
{
	const char *best = NULL, *prefix = NULL;
	unsigned int bd = 99, limit = (unsigned int)strlen(name) / 3;

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int d = edit_distance(name, cands[i]);
		if (d < bd) {
			bd = d;
			best = cands[i];
		}
		/* "rto_min" vs "rto_min_ms": a long shared prefix is a hint too */
		if (!prefix && strlen(name) >= 4 && !strncmp(name, cands[i], 4))
			prefix = cands[i];
	}
	return bd <= limit ? best : prefix;
}
