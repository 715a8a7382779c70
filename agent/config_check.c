/* SPDX-License-Identifier: MIT */
/*
 * Checks that need the whole file: required keys, references between
 * sections, stream numbers, value relations, key file permissions, and
 * what this build can do.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/config_int.h"
#include "agent/msg.h"
#include "agent/kconfig.h"
#include "agent/sensor.h"
#include "board/board.h"
#include "port/file.h"

/* Worst-case encoded size of a READINGS message of @n readings: header,
 * base name and time, then per record name (31), unit (15), value, time. */
#define CFG_PACK_MAX(n) (128u + 96u * (unsigned int)(n))

/* Line where @key was set in a section instance, else the header line. */
static unsigned int kline(struct cfg_ctx *x, enum sec_kind kind, int idx,
			  const char *key)
{
	const struct sec_def *s = &cfg_sections[kind];
	struct sec_state *st = cfg_sec_state(x, kind, idx);

	for (unsigned int i = 0; i < s->n_keys; i++)
		if (!strcmp(s->keys[i].name, key) && st->key_line[i])
			return st->key_line[i];
	return st->line ? st->line : 1;
}

static void check_required(struct cfg_ctx *x, enum sec_kind kind, int idx)
{
	const struct sec_def *s = &cfg_sections[kind];
	struct sec_state *st = cfg_sec_state(x, kind, idx);
	char label[80];

	cfg_sec_label(x->c, kind, idx, label, sizeof(label));
	for (unsigned int i = 0; i < s->n_keys; i++)
		if (s->keys[i].required && !st->key_line[i])
			cfg_err(x, st->line, label, s->keys[i].name,
				"missing; expected %s", s->keys[i].expect);
}

/* Resolve "all" or a list of names into a bit mask of indexes. */
static uint64_t resolve_list(struct cfg_ctx *x, const char *list, unsigned int line,
			     const char *label, const char *key, bool sensors)
{
	char buf[160], *p = buf;
	uint64_t mask = 0;

	snprintf(buf, sizeof(buf), "%s", list);
	if (!strcmp(buf, "all"))
		return UINT64_MAX;
	while (*p) {
		char *tok;
		int i;

		while (*p == ',' || *p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		tok = p;
		while (*p && *p != ',' && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
		i = sensors ? config_sensor_index(x->c, tok) : config_ctrl_index(x->c, tok);
		if (i < 0)
			cfg_err(x, line, label, key, "'%s' names no [%s.%s] section",
				tok, sensors ? "sensor" : "controller", tok);
		else
			mask |= 1ull << i;
	}
	if (!mask && !x->d->n)
		cfg_err(x, line, label, key, "empty; expected %s",
			sensors ? "'all' or sensor names" : "'all' or controller names");
	return mask;
}

static bool stream_used(const struct config *c, uint16_t st)
{
	for (unsigned int j = 0; j < c->n_sensors; j++)
		if (c->sensors[j].stream == st)
			return true;
	return false;
}

/* A reload: a sensor without `stream =` keeps the stream its running
 * namesake has, unless an explicit stream of the new file took it. */
static void keep_streams(struct cfg_ctx *x)
{
	struct config *c = x->c;

	for (unsigned int i = 0; x->prev && i < c->n_sensors; i++) {
		struct cfg_sensor *s = &c->sensors[i];
		int k;

		if (s->stream)
			continue;
		k = config_sensor_index(x->prev, s->name);
		if (k >= 0 && !stream_used(c, x->prev->sensors[k].stream))
			s->stream = x->prev->sensors[k].stream;
	}
}

static bool stream_of_run(const struct config *c, uint16_t st)
{
	return (c->streams_run[st / 8] >> (st % 8)) & 1;
}

/* The lowest stream from @from no sensor of the new file has and, when
 * @spare_prev, no sensor of the running agent has had; 0 if none. */
static uint16_t free_stream(const struct cfg_ctx *x, uint16_t from, bool spare_prev)
{
	for (uint16_t st = from; st < CONFIG_MAX_STREAMS; st++)
		if (!stream_used(x->c, st) &&
		    !(spare_prev && x->prev && (stream_used(x->prev, st) ||
						stream_of_run(x->prev, st))))
			return st;
	return 0;
}

static void mark_streams(struct cfg_ctx *x)
{
	struct config *c = x->c;

	if (x->prev)
		memcpy(c->streams_run, x->prev->streams_run, sizeof(c->streams_run));
	for (unsigned int i = 0; i < c->n_sensors; i++)
		if (c->sensors[i].stream < CONFIG_MAX_STREAMS)
			c->streams_run[c->sensors[i].stream / 8] |=
				(uint8_t)(1u << (c->sensors[i].stream % 8));
}

static void check_streams(struct cfg_ctx *x)
{
	struct config *c = x->c;
	uint16_t next = 1;

	/* explicit streams first, then kept ones (a reload), then assign
	 * free ones in file order */
	for (unsigned int i = 0; i < c->n_sensors; i++)
		for (unsigned int j = 0; j < i; j++)
			if (c->sensors[i].stream && c->sensors[i].stream == c->sensors[j].stream) {
				char label[80];
				cfg_sec_label(c, SEC_SENSOR, (int)i, label, sizeof(label));
				cfg_err(x, kline(x, SEC_SENSOR, (int)i, "stream"), label,
					"stream", "%u is already used by [sensor.%s] (line %u)",
					c->sensors[i].stream, c->sensors[j].name,
					kline(x, SEC_SENSOR, (int)j, "stream"));
				break;
			}
	keep_streams(x);
	for (unsigned int i = 0; i < c->n_sensors; i++) {
		struct cfg_sensor *s = &c->sensors[i];
		uint16_t st;

		if (s->stream)
			continue;
		/* a removed sensor's stream goes to another only when none
		 * is left: its readings may still be in flight */
		st = free_stream(x, next, true);
		if (!st)
			st = free_stream(x, 1, false);
		if (!st) {
			cfg_err(x, s->line, NULL, NULL, "[sensor.%s] stream: no free "
				"stream; this build has %u (CONFIG_MAX_STREAMS)",
				s->name, CONFIG_MAX_STREAMS);
			return;
		}
		s->stream = st;
		next = st;
	}
	mark_streams(x);
}

static void check_ctrl_streams(struct cfg_ctx *x, unsigned int ci)
{
	struct config *c = x->c;
	struct cfg_controller *ctl = &c->ctrls[ci];
	unsigned int need = 0, who = 0;
	char label[80];

	for (unsigned int i = 0; i < c->n_sensors; i++)
		if ((c->sensors[i].ctrl_mask >> ci) & 1 && c->sensors[i].stream >= need)
			need = c->sensors[i].stream + 1u, who = i;
	if (!ctl->streams) {
		ctl->streams = (uint16_t)(need > 2 ? need : 2);
		return;
	}
	if (ctl->streams < need) {
		cfg_sec_label(c, SEC_CTRL, (int)ci, label, sizeof(label));
		cfg_err(x, kline(x, SEC_CTRL, (int)ci, "streams"), label, "streams",
			"%u is too few for [sensor.%s] on stream %u; expected at least %u",
			ctl->streams, c->sensors[who].name, c->sensors[who].stream, need);
	}
}

static void check_routes(struct cfg_ctx *x)
{
	struct config *c = x->c;
	char label[80];

	for (unsigned int i = 0; i < c->n_ctrls; i++) {
		cfg_sec_label(c, SEC_CTRL, (int)i, label, sizeof(label));
		c->ctrls[i].sensor_mask = x->ctrl_st[i].list_line[0] ?
			resolve_list(x, x->ctrl_st[i].list[0], x->ctrl_st[i].list_line[0],
				     label, "sensors", true) : UINT64_MAX;
		c->ctrls[i].all_sensors = c->ctrls[i].sensor_mask == UINT64_MAX;
	}
	for (unsigned int i = 0; i < c->n_sensors; i++) {
		struct cfg_sensor *s = &c->sensors[i];
		uint64_t m;

		cfg_sec_label(c, SEC_SENSOR, (int)i, label, sizeof(label));
		m = x->sensor_st[i].list_line[1] ?
			resolve_list(x, x->sensor_st[i].list[1], x->sensor_st[i].list_line[1],
				     label, "controllers", false) : UINT64_MAX;
		s->ctrl_mask = 0;
		for (unsigned int j = 0; j < c->n_ctrls; j++)
			if ((m >> j) & 1 && (c->ctrls[j].sensor_mask >> i) & 1)
				s->ctrl_mask |= 1ull << j;
		if (!s->ctrl_mask && c->n_ctrls && !x->d->n)
			cfg_err(x, s->line, label, NULL, "goes to no controller "
				"(check its 'controllers' and the controllers' 'sensors')");
	}
}

/* The driver checks its source's syntax; the device is not touched (that
 * is --check-config --probe, or the start). */
static void check_source(struct cfg_ctx *x, unsigned int i, const struct sensor_ops *ops)
{
	const struct cfg_sensor *s = &x->c->sensors[i];
	char why[160] = "", label[80];

	if (!ops->check || !ops->check(s->source, why, sizeof(why)))
		return;
	cfg_sec_label(x->c, SEC_SENSOR, (int)i, label, sizeof(label));
	cfg_err(x, kline(x, SEC_SENSOR, (int)i, "source"), label, "source",
		"'%s': %s", s->source, why[0] ? why : "rejected by the driver");
}

static void check_driver(struct cfg_ctx *x, unsigned int i)
{
	const char *const *d = board_sensor_drivers();
	char list[160] = "", label[80];

	for (unsigned int k = 0; d[k]; k++) {
		if (!strcmp(d[k], x->c->sensors[i].driver)) {
			check_source(x, i, board_sensor_driver(d[k]));
			return;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 k ? ", " : "", d[k]);
	}
	cfg_sec_label(x->c, SEC_SENSOR, (int)i, label, sizeof(label));
	cfg_err(x, kline(x, SEC_SENSOR, (int)i, "driver"), label, "driver",
		"unknown driver '%s'; this build has: %s", x->c->sensors[i].driver, list);
}

/* A full bundle of this sensor must fit one READINGS message, or every
 * one of them fails to encode at run time. */
static void check_bundle(struct cfg_ctx *x, unsigned int i)
{
	const struct cfg_sensor *s = &x->c->sensors[i];
	size_t base = strlen(x->c->agent.name) + 1, name = strlen(s->name);
	size_t unit = strlen(s->unit);
	unsigned int fit = s->bundle_count;
	char label[80];

	if (msg_readings_max_len(base, name, unit, fit) <= MSG_READINGS_BUF)
		return;
	while (fit > 1 && msg_readings_max_len(base, name, unit, fit) > MSG_READINGS_BUF)
		fit--;
	cfg_sec_label(x->c, SEC_SENSOR, (int)i, label, sizeof(label));
	cfg_err(x, kline(x, SEC_SENSOR, (int)i, "bundle_count"), label, "bundle_count",
		"%u readings of this sensor (name %zu and unit %zu bytes) can take %zu "
		"bytes, more than one message holds (%u); expected at most %u",
		s->bundle_count, name, unit,
		msg_readings_max_len(base, name, unit, s->bundle_count),
		MSG_READINGS_BUF, fit);
}

static void check_path(struct cfg_ctx *x, unsigned int i)
{
	struct cfg_path *p = &x->c->paths[i];
	char label[80];

	cfg_sec_label(x->c, SEC_PATH, (int)i, label, sizeof(label));
	if (p->rto_min_ms > p->rto_initial_ms || p->rto_initial_ms > p->rto_max_ms)
		cfg_err(x, kline(x, SEC_PATH, (int)i, "rto_initial_ms"), label,
			"rto_initial_ms", "rto_min_ms %u <= rto_initial_ms %u <= "
			"rto_max_ms %u does not hold", p->rto_min_ms,
			p->rto_initial_ms, p->rto_max_ms);
	if (p->pf_threshold >= p->path_max_retrans && p->pf_threshold)
		cfg_err(x, kline(x, SEC_PATH, (int)i, "pf_threshold"), label,
			"pf_threshold", "%u is not below path_max_retrans %u; the "
			"kernel rejects it", p->pf_threshold, p->path_max_retrans);
	for (unsigned int j = 0; j < i; j++) {
		const struct cfg_path *q = &x->c->paths[j];
		if (!strcmp(q->interface, p->interface))
			cfg_err(x, kline(x, SEC_PATH, (int)i, "interface"), label, "interface", "'%s' is "
				"already used by [path.%s]", p->interface, q->name);
		else if (!p->addr_auto && !q->addr_auto &&
			 net_addr_same_host(&p->addr, &q->addr))
			cfg_err(x, kline(x, SEC_PATH, (int)i, "address"), label, "address", "already "
				"used by [path.%s]", q->name);
	}
}

/* "addr@path" names a [path.NAME]. */
static void check_ctrl_paths(struct cfg_ctx *x, unsigned int ci)
{
	struct config *c = x->c;
	struct cfg_controller *ctl = &c->ctrls[ci];
	char label[80];

	cfg_sec_label(c, SEC_CTRL, (int)ci, label, sizeof(label));
	for (unsigned int k = 0; k < ctl->n_addrs; k++) {
		const char *name = ctl->addr_path_name[k];
		ctl->addr_path[k] = -1;
		if (!name[0])
			continue;
		for (unsigned int p = 0; p < c->n_paths; p++)
			if (!strcmp(c->paths[p].name, name))
				ctl->addr_path[k] = (int8_t)p;
		if (ctl->addr_path[k] < 0)
			cfg_err(x, kline(x, SEC_CTRL, (int)ci, "address"), label,
				"address", "'@%s' names no [path.%s] section", name, name);
		else if (ctl->host[k][0] && c->paths[ctl->addr_path[k]].udp_port)
			cfg_err(x, kline(x, SEC_CTRL, (int)ci, "address"), label,
				"address", "'%s@%s': SCTP over UDP ([path.%s] udp_port) "
				"needs a numeric address in this version", ctl->host[k],
				name, name);
	}
}

/* RFC 9260 8.1: Association.Max.Retrans should not exceed the sum of
 * the paths' Path.Max.Retrans, or every path can be inactive while the
 * association still counts the peer reachable; Linux refuses it (EINVAL)
 * on a multihomed association. 0 = that sum (or 10 with one path). */
static void check_retrans(struct cfg_ctx *x)
{
	struct cfg_agent *a = &x->c->agent;
	unsigned int sum = 0;

	for (unsigned int p = 0; p < x->c->n_paths; p++)
		sum += x->c->paths[p].path_max_retrans;
	if (!a->assoc_max_retrans) {
		a->assoc_max_retrans = (uint16_t)(x->c->n_paths > 1 ? sum : 10);
		return;
	}
	if (x->c->n_paths > 1 && a->assoc_max_retrans > sum)
		cfg_err(x, kline(x, SEC_AGENT, 0, "assoc_max_retrans"), "agent",
			"assoc_max_retrans", "%u is above the sum of the paths' "
			"path_max_retrans (%u): every path could be down while the "
			"association lives on (RFC 9260 8.1) and the kernel refuses "
			"it; expected at most %u, or 0 for the sum",
			a->assoc_max_retrans, sum, sum);
}

/* PSK file: hex digits (blanks and newlines ignored) or raw bytes. */
static int hexval(uint8_t c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

int config_psk_decode(const uint8_t *in, size_t n, uint8_t *out, size_t *len,
		      const char **why)
{
	size_t k = 0, digits = 0;
	bool hex = n > 0;

	for (size_t i = 0; i < n && hex; i++)
		hex = hexval(in[i]) >= 0 || in[i] == ' ' || in[i] == '\n' ||
		      in[i] == '\r' || in[i] == '\t';
	for (size_t i = 0; hex && i < n; i++) {
		if (hexval(in[i]) < 0)
			continue;
		if (digits / 2 >= CFG_PSK_MAX) {
			*why = "longer than 64 bytes";
			return -EINVAL;
		}
		if (digits++ % 2)
			out[k++] |= (uint8_t)hexval(in[i]);
		else
			out[k] = (uint8_t)(hexval(in[i]) << 4);
	}
	if (hex && digits % 2) {
		*why = "an odd number of hex digits";
		return -EINVAL;
	}
	if (!hex) {			/* binary key */
		if (n > CFG_PSK_MAX) {
			*why = "longer than 64 bytes";
			return -EINVAL;
		}
		memcpy(out, in, n);
		k = n;
	}
	if (k < CFG_PSK_MIN) {
		*why = "shorter than 16 bytes (128 bits)";
		return -EINVAL;
	}
	*len = k;
	return 0;
}

/* Why a credential file was refused, as one clause. */
static void cred_why(int rc, const struct pf_cred_info *in, enum pf_cred kind,
		     char *b, size_t n)
{
	switch (rc) {
	case -ELOOP:
		snprintf(b, n, "is a symbolic link; expected the file itself");
		break;
	case -EISDIR:
		snprintf(b, n, "is a directory; expected a file");
		break;
	case -EINVAL:
		snprintf(b, n, "is not a regular file");
		break;
	case -EPERM:
		snprintf(b, n, "is owned by uid %u; expected root or uid %u (the agent's user)",
			 (unsigned int)in->uid, (unsigned int)in->euid);
		break;
	case -EKEYREJECTED:
		snprintf(b, n, kind == PF_SECRET ? "is readable by group or others (mode %03o); "
			 "expected mode 600 or 400" : "is writable by group or others "
			 "(mode %03o); expected mode 644 or stricter",
			 (unsigned int)in->mode);
		break;
	default:
		snprintf(b, n, "cannot be used: %s", strerror(-rc));
		break;
	}
}

static void check_cred(struct cfg_ctx *x, const char *key, const char *path,
		       enum pf_cred kind)
{
	unsigned int line = kline(x, SEC_SECURITY, 0, key);
	struct pf_cred_info in = { 0 };
	char why[160];
	int rc;

	if (!path[0])
		return;
	rc = pf_check_cred(path, kind, &in);
	if (rc == -ENOENT)
		cfg_err(x, line, "security", key, "cannot use '%s': %s", path, strerror(ENOENT));
	else if (rc) {
		cred_why(rc, &in, kind, why, sizeof(why));
		cfg_err(x, line, "security", key, "'%s' %s", path, why);
	}
}

/* The PSK must also decode: a key that only fails at the handshake is
 * found too late. */
static void check_psk(struct cfg_ctx *x, const char *path)
{
	uint8_t *buf = NULL, key[CFG_PSK_MAX];
	const char *why = NULL;
	size_t n = 0, len;

	if (!path[0] || pf_read_cred(path, PF_SECRET, 4096, &buf, &n, NULL))
		return;		/* reported by check_cred */
	if (config_psk_decode(buf, n, key, &len, &why))
		cfg_err(x, kline(x, SEC_SECURITY, 0, "psk_key_file"), "security",
			"psk_key_file", "'%s': %s; expected 16..64 bytes, as hex "
			"digits or raw", path, why);
	pf_free_secret(buf, n);
	for (size_t i = 0; i < sizeof(key); i++)
		((volatile uint8_t *)key)[i] = 0;
}

static void check_security(struct cfg_ctx *x)
{
	struct cfg_security_sec *s = &x->c->security;
	unsigned int line = kline(x, SEC_SECURITY, 0, "mode");

	check_cred(x, "psk_key_file", s->psk_key_file, PF_SECRET);
	check_cred(x, "key_file", s->key_file, PF_SECRET);
	check_cred(x, "cert_file", s->cert_file, PF_PUBLIC);
	check_cred(x, "ca_file", s->ca_file, PF_PUBLIC);
	if (s->mode == CFG_SEC_NONE)
		return;
	if (!IS_ENABLED(CONFIG_DTLS)) {
		cfg_err(x, line, "security", "mode", "DTLS is not in this build "
			"(CONFIG_DTLS); expected none");
		return;
	}
	if (s->mode == CFG_SEC_DTLS_PSK && (!s->psk_identity[0] || !s->psk_key_file[0]))
		cfg_err(x, line, "security", "mode", "dtls-psk needs psk_identity "
			"and psk_key_file");
	if (s->mode == CFG_SEC_DTLS_PSK)
		check_psk(x, s->psk_key_file);
	if (s->mode == CFG_SEC_DTLS_CERT &&
	    (!s->ca_file[0] || !s->cert_file[0] || !s->key_file[0]))
		cfg_err(x, line, "security", "mode", "dtls-cert needs ca_file, "
			"cert_file and key_file");
	/* RFC 6083: one record per message, at most 16384 bytes of it */
	for (unsigned int i = 0; i < x->c->n_sensors; i++) {
		const struct cfg_sensor *q = &x->c->sensors[i];

		if (CFG_PACK_MAX(q->bundle_count) > 16384)
			cfg_err(x, kline(x, SEC_SENSOR, (int)i, "bundle_count"), NULL, NULL,
				"[sensor.%s] bundle_count: %u readings can exceed the "
				"16384 bytes of one DTLS record; expected at most %u",
				q->name, q->bundle_count, (16384 - 128) / 96);
	}
}

static void check_agent(struct cfg_ctx *x)
{
	struct cfg_agent *a = &x->c->agent;

	/* every [agent] key has a default, the name too (the board's id) */
	check_required(x, SEC_AGENT, 0);
	if (!x->agent_st.key_line[0])		/* keys[0] is name */
		cfg_default_name(x);
	if (a->reconnect_min_ms > a->reconnect_max_ms)
		cfg_err(x, kline(x, SEC_AGENT, 0, "reconnect_max_ms"), "agent",
			"reconnect_max_ms", "%u is below "
			"reconnect_min_ms %u", a->reconnect_max_ms, a->reconnect_min_ms);
	if (a->state_dir[0] != '/')
		cfg_err(x, kline(x, SEC_AGENT, 0, "state_dir"), "agent", "state_dir", "'%s' is "
			"relative; expected an absolute path", a->state_dir);
	if (a->status_socket[0] && a->status_socket[0] != '/')
		cfg_err(x, kline(x, SEC_AGENT, 0, "status_socket"), "agent", "status_socket",
			"'%s' is relative; expected an absolute path, or empty for none",
			a->status_socket);
	if (a->transport == CFG_TRANSPORT_UDP && !IS_ENABLED(CONFIG_PORT_USRSCTP))
		cfg_err(x, kline(x, SEC_AGENT, 0, "transport"), "agent", "transport", "udp "
			"needs the userspace SCTP port (CONFIG_PORT_USRSCTP), which "
			"this build lacks; expected auto or kernel (kernel SCTP "
			"over UDP is [path.NAME] udp_port)");
	if (a->transport == CFG_TRANSPORT_KERNEL && !IS_ENABLED(CONFIG_PORT_LKSCTP))
		cfg_err(x, kline(x, SEC_AGENT, 0, "transport"), "agent", "transport", "kernel "
			"needs the kernel SCTP port (CONFIG_PORT_LKSCTP), which this "
			"build lacks; expected auto or udp");
}

void cfg_check(struct cfg_ctx *x)
{
	struct config *c = x->c;

	for (unsigned int i = 0; i < c->n_paths; i++)
		c->paths[i].line = x->path_st[i].line;
	for (unsigned int i = 0; i < c->n_ctrls; i++)
		c->ctrls[i].line = x->ctrl_st[i].line;
	for (unsigned int i = 0; i < c->n_sensors; i++)
		c->sensors[i].line = x->sensor_st[i].line;
	check_agent(x);
	for (unsigned int i = 0; i < c->n_paths; i++) {
		check_required(x, SEC_PATH, (int)i);
		check_path(x, i);
	}
	for (unsigned int i = 0; i < c->n_ctrls; i++) {
		check_required(x, SEC_CTRL, (int)i);
		for (unsigned int k = 0; k < c->ctrls[i].n_addrs; k++)
			c->ctrls[i].addrs[k].port = c->ctrls[i].port;
	}
	for (unsigned int i = 0; i < c->n_sensors; i++) {
		check_required(x, SEC_SENSOR, (int)i);
		if (x->sensor_st[i].key_line[0])
			check_driver(x, i);
		check_bundle(x, i);
	}
	if (!c->n_ctrls)
		cfg_err(x, x->agent_st.line ? x->agent_st.line : 1, "agent", NULL,
			"no [controller.NAME] section; expected at least one");
	check_streams(x);
	check_routes(x);
	for (unsigned int i = 0; i < c->n_ctrls; i++) {
		check_ctrl_streams(x, i);
		check_ctrl_paths(x, i);
	}
	check_retrans(x);
	check_security(x);
}
