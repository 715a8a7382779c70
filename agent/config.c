/* SPDX-License-Identifier: MIT */
/*
 * Config loader: reads the file through port/file.h, feeds it line by line
 * to inih (ini_parse_stream) so every callback knows its line number, and
 * records every error instead of stopping at the first.
 *
 * inih does the ini syntax (sections, key = value, comments); our reader
 * checks each raw line first so a syntax error is reported with a reason
 * inih cannot give, and hands inih a blank line in its place.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ini.h>

#include "agent/config_int.h"
#include "port/file.h"

/* @src into @dst with every byte that is not printable ASCII as \r, \t,
 * \e or \xHH: a stray CR or ESC in the file must not reach a terminal
 * or a log as is. Cut at a whole escape when @dst is full. */
void cfg_escape(char *dst, size_t size, const char *src)
{
	size_t o = 0;

	for (; *src && o + 1 < size; src++) {
		unsigned char c = (unsigned char)*src;
		char e[5];
		int n = c == '\r' ? snprintf(e, sizeof(e), "\\r") :
			c == '\t' ? snprintf(e, sizeof(e), "\\t") :
			c == 0x1b ? snprintf(e, sizeof(e), "\\e") :
			c < 0x20 || c >= 0x7f ? snprintf(e, sizeof(e), "\\x%02x", c) :
			snprintf(e, sizeof(e), "%c", c);

		if (o + (size_t)n >= size)
			break;
		memcpy(dst + o, e, (size_t)n);
		o += (size_t)n;
	}
	dst[o] = 0;
}

void cfg_err(struct cfg_ctx *x, unsigned int line, const char *sect,
	     const char *key, const char *fmt, ...)
{
	struct cfg_diag *d = x->d;
	char head[96], body[CFG_DIAG_LEN], raw[CFG_DIAG_LEN];
	unsigned int pos;
	va_list ap;

	if (d->n == CFG_DIAG_MAX) {
		d->dropped++;
		return;
	}
	if (sect && key)
		snprintf(head, sizeof(head), "[%s] %s: ", sect, key);
	else if (sect)
		snprintf(head, sizeof(head), "[%s]: ", sect);
	else if (key)
		snprintf(head, sizeof(head), "%s: ", key);
	else
		head[0] = 0;
	va_start(ap, fmt);
	vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	/* keep file order: insert after every message of a line <= @line */
	for (pos = d->n; pos > 0 && x->diag_line[pos - 1] > line; pos--) {
		memcpy(d->msg[pos], d->msg[pos - 1], CFG_DIAG_LEN);
		x->diag_line[pos] = x->diag_line[pos - 1];
	}
	snprintf(raw, sizeof(raw), "%s:%u: %s%s", x->name, line, head, body);
	cfg_escape(d->msg[pos], CFG_DIAG_LEN, raw);
	x->diag_line[pos] = line;
	d->n++;
}

void *cfg_sec_base(struct config *c, enum sec_kind kind, int idx)
{
	switch (kind) {
	case SEC_AGENT: return &c->agent;
	case SEC_PATH: return &c->paths[idx];
	case SEC_CTRL: return &c->ctrls[idx];
	case SEC_SENSOR: return &c->sensors[idx];
	case SEC_SECURITY: return &c->security;
	default: return NULL;
	}
}

struct sec_state *cfg_sec_state(struct cfg_ctx *x, enum sec_kind kind, int idx)
{
	switch (kind) {
	case SEC_AGENT: return &x->agent_st;
	case SEC_PATH: return &x->path_st[idx];
	case SEC_CTRL: return &x->ctrl_st[idx];
	case SEC_SENSOR: return &x->sensor_st[idx];
	case SEC_SECURITY: return &x->sec_st;
	default: return NULL;
	}
}

void cfg_sec_label(const struct config *c, enum sec_kind kind, int idx,
		   char *buf, size_t size)
{
	const char *name = NULL;

	if (kind == SEC_PATH)
		name = c->paths[idx].name;
	else if (kind == SEC_CTRL)
		name = c->ctrls[idx].name;
	else if (kind == SEC_SENSOR)
		name = c->sensors[idx].name;
	if (name)
		snprintf(buf, size, "%s.%s", cfg_sections[kind].prefix, name);
	else
		snprintf(buf, size, "%s", cfg_sections[kind].prefix);
}

/* ---- sections ---------------------------------------------------------- */

static unsigned int *instance_count(struct config *c, enum sec_kind kind,
				    unsigned int *max, const char **limit)
{
	switch (kind) {
	case SEC_PATH:
		*max = CONFIG_MAX_PATHS, *limit = "CONFIG_MAX_PATHS";
		return &c->n_paths;
	case SEC_CTRL:
		*max = CONFIG_MAX_CONTROLLERS, *limit = "CONFIG_MAX_CONTROLLERS";
		return &c->n_ctrls;
	default:
		*max = CONFIG_MAX_SENSORS, *limit = "CONFIG_MAX_SENSORS";
		return &c->n_sensors;
	}
}

static void unknown_section(struct cfg_ctx *x, const char *section)
{
	const char *cands[SEC_N] = { "agent", "path.NAME", "controller.NAME",
				     "sensor.NAME", "security" };
	char pre[40];
	const char *dot = strchr(section, '.');
	size_t n = dot ? (size_t)(dot - section) : strlen(section);
	const char *hint;

	snprintf(pre, sizeof(pre), "%.*s%s", (int)(n < 30 ? n : 30), section,
		 dot ? ".NAME" : "");
	hint = cfg_suggest(pre, cands, SEC_N);
	if (hint)
		cfg_err(x, x->line, section, NULL,
			"unknown section; did you mean [%s]?", hint);
	else
		cfg_err(x, x->line, section, NULL, "unknown section; expected "
			"[agent], [path.NAME], [controller.NAME], [sensor.NAME] "
			"or [security]");
}

/* Find or create the instance for a [prefix.NAME] header. */
static int named_instance(struct cfg_ctx *x, enum sec_kind kind,
			  const char *section, const char *name)
{
	const char *limit;
	unsigned int max, *n = instance_count(x->c, kind, &max, &limit);

	if (!cfg_valid_name(name) || strlen(name) >= CFG_NAME_MAX) {
		cfg_err(x, x->line, section, NULL, "bad name '%s'; expected 1..%d "
			"letters, digits, '.', '_' or '-'", name, CFG_NAME_MAX - 1);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < *n; i++) {
		char label[80];
		cfg_sec_label(x->c, kind, (int)i, label, sizeof(label));
		if (!strcmp(label, section)) {
			cfg_err(x, x->line, section, NULL,
				"duplicate section (first at line %u)",
				cfg_sec_state(x, kind, (int)i)->line);
			return -EEXIST;
		}
	}
	if (*n == max) {
		cfg_err(x, x->line, section, NULL, "too many [%s.*] sections; "
			"this build allows %u (%s)", cfg_sections[kind].prefix,
			max, limit);
		return -ENOSPC;
	}
	cfg_defaults(kind, cfg_sec_base(x->c, kind, (int)*n));
	/* name is the first field of every named section struct */
	strcpy((char *)cfg_sec_base(x->c, kind, (int)*n), name);
	cfg_sec_state(x, kind, (int)*n)->line = x->line;
	return (int)(*n)++;
}

/* Called by our reader for every "[...]" line: resolve it once. */
static void enter_section(struct cfg_ctx *x, const char *section)
{
	x->idx = -1;
	for (int k = 0; k < SEC_N; k++) {
		const struct sec_def *s = &cfg_sections[k];
		size_t pl = strlen(s->prefix);

		if (strncmp(section, s->prefix, pl))
			continue;
		if (!s->named && !section[pl]) {
			if (x->has_section[k]) {
				cfg_err(x, x->line, section, NULL,
					"duplicate section (first at line %u)",
					cfg_sec_state(x, k, 0)->line);
				return;
			}
			x->has_section[k] = true;
			cfg_sec_state(x, k, 0)->line = x->line;
			x->kind = k, x->idx = 0;
			return;
		}
		if (s->named && section[pl] == '.') {
			x->has_section[k] = true;
			x->kind = k;
			x->idx = named_instance(x, k, section, section + pl + 1);
			if (x->idx < 0)
				x->idx = -2;	/* error reported; skip its keys */
			return;
		}
		if (s->named && !section[pl]) {
			cfg_err(x, x->line, section, NULL, "needs a name; "
				"expected [%s.NAME]", s->prefix);
			x->idx = -2;
			return;
		}
	}
	unknown_section(x, section);
	x->idx = -2;
}

/* ---- keys ---------------------------------------------------------------- */

static void unknown_key(struct cfg_ctx *x, const struct sec_def *s,
			const char *section, const char *key)
{
	const char *names[CFG_KEYS_MAX];
	const char *hint;

	for (unsigned int i = 0; i < s->n_keys; i++)
		names[i] = s->keys[i].name;
	hint = cfg_suggest(key, names, s->n_keys);
	if (hint)
		cfg_err(x, x->line, section, key, "unknown key; did you mean '%s'?", hint);
	else
		cfg_err(x, x->line, section, key, "unknown key in [%s]", s->prefix);
}

static int on_key(void *user, const char *section, const char *key,
		  const char *value)
{
	struct cfg_ctx *x = user;
	const struct sec_def *s;
	struct sec_state *st;
	char why[CFG_DIAG_LEN];
	unsigned int i;

	if (x->idx == -2)
		return 1;
	if (x->idx == -1) {
		cfg_err(x, x->line, NULL, key, "key outside any section; expected "
			"a [section] header first");
		return 1;
	}
	s = &cfg_sections[x->kind];
	st = cfg_sec_state(x, x->kind, x->idx);
	for (i = 0; i < s->n_keys && strcmp(s->keys[i].name, key); i++)
		;
	if (i == s->n_keys) {
		unknown_key(x, s, section, key);
		return 1;
	}
	if (st->key_line[i]) {
		cfg_err(x, x->line, section, key, "duplicate key (first set at line %u)",
			st->key_line[i]);
		return 1;
	}
	st->key_line[i] = x->line;
	if (s->keys[i].type == KT_NAMELIST) {
		unsigned int slot = x->kind == SEC_CTRL ? 0 : 1;
		if (strlen(value) >= sizeof(st->list[0])) {
			cfg_err(x, x->line, section, key, "list too long");
			return 1;
		}
		strcpy(st->list[slot], value);
		st->list_line[slot] = x->line;
		return 1;
	}
	if (cfg_parse_value(&s->keys[i], value,
			    cfg_sec_base(x->c, x->kind, x->idx), why, sizeof(why)))
		cfg_err(x, x->line, section, key, "%s", why);
	return 1;
}

/* ---- reader ------------------------------------------------------------- */

static const char *skip_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r')
		s++;
	return s;
}

/* Check one raw line; true if inih may see it. Section headers are
 * resolved here because inih calls us only for keys. */
static bool check_line(struct cfg_ctx *x, char *line)
{
	char *s = (char *)skip_blank(line), *end;
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' ||
		     s[n - 1] == '\t'))
		s[--n] = 0;
	memmove(line, s, n + 1);	/* no leading blanks: no continuations */
	if (!n || line[0] == ';' || line[0] == '#')
		return true;
	if (line[0] == '[') {
		end = strchr(line, ']');
		if (!end || *skip_blank(end + 1) != 0) {
			cfg_err(x, x->line, NULL, NULL, "bad section header '%.40s'; "
				"expected [name] alone on the line", line);
			x->idx = -2;
			return false;
		}
		*end = 0;
		enter_section(x, line + 1);
		*end = ']';
		return true;
	}
	if (!strchr(line, '=')) {
		cfg_err(x, x->line, NULL, NULL, "'%.40s' is not a setting; expected "
			"'key = value', a [section] or a comment", line);
		return false;
	}
	if (line[0] == '=') {
		cfg_err(x, x->line, NULL, NULL, "setting without a key name");
		return false;
	}
	return true;
}

static char *reader(char *buf, int size, void *user)
{
	struct cfg_ctx *x = user;
	const char *nl;
	size_t len;

	if (!*x->pos)
		return NULL;
	x->line++;
	nl = strchr(x->pos, '\n');
	len = nl ? (size_t)(nl - x->pos) : strlen(x->pos);
	if (len >= (size_t)size - 1) {
		cfg_err(x, x->line, NULL, NULL, "line of %zu characters is too "
			"long; expected at most %d", len, size - 2);
		buf[0] = 0;
	} else {
		memcpy(buf, x->pos, len);
		buf[len] = 0;
		if (!check_line(x, buf))
			buf[0] = 0;
	}
	x->pos += len + (nl ? 1 : 0);
	return buf;
}

/* ---- entry points --------------------------------------------------------- */

static int load(struct cfg_ctx *x)
{
	if (strlen(x->text) > CFG_FILE_MAX) {
		cfg_err(x, 1, NULL, NULL, "file larger than %u bytes", CFG_FILE_MAX);
		return -EINVAL;
	}
	x->idx = -1;
	ini_parse_stream(reader, x, on_key, x);
	cfg_check(x);
	return x->d->n ? -EINVAL : 0;
}

static int load_text(const char *name, const char *text, const struct config *prev,
		     struct config **out, struct cfg_diag *d)
{
	struct cfg_ctx *x = calloc(1, sizeof(*x));
	struct config *c = calloc(1, sizeof(*c));
	int rc = -ENOMEM;

	memset(d, 0, sizeof(*d));
	*out = NULL;
	if (!x || !c)
		goto out;
	snprintf(c->file, sizeof(c->file), "%s", name);
	cfg_defaults(SEC_AGENT, &c->agent);
	cfg_defaults(SEC_SECURITY, &c->security);
	x->c = c, x->prev = prev, x->d = d, x->name = name, x->text = text, x->pos = text;
	rc = load(x);
	if (!rc) {
		*out = c;
		c = NULL;
	}
out:
	free(c);
	free(x);
	return rc;
}

int config_load_text(const char *name, const char *text, struct config **out,
		     struct cfg_diag *d)
{
	return load_text(name, text, NULL, out, d);
}

int config_load_keep(const char *path, const struct config *prev,
		     struct config **out, struct cfg_diag *d)
{
	char *text = NULL;
	size_t len;
	int rc;

	memset(d, 0, sizeof(*d));
	*out = NULL;
	rc = pf_read_all(path, CFG_FILE_MAX, &text, &len);
	if (rc) {
		char raw[CFG_DIAG_LEN];

		snprintf(raw, sizeof(raw), "%s: cannot read: %s%s", path,
			 strerror(-rc), rc == -EFBIG ? " (the limit is 64 KiB)" : "");
		cfg_escape(d->msg[0], CFG_DIAG_LEN, raw);
		d->n = 1;
		return rc;
	}
	if (strlen(text) != len) {
		char esc[CFG_PATH_MAX * 4];
		unsigned int line = 1;

		for (const char *p = text; *p; p++)	/* up to the NUL */
			line += *p == '\n';
		cfg_escape(esc, sizeof(esc), path);
		snprintf(d->msg[0], CFG_DIAG_LEN, "%s:%u: NUL byte in file; "
			 "expected a text file", esc, line);
		d->n = 1;
		free(text);
		return -EINVAL;
	}
	rc = load_text(path, text, prev, out, d);
	free(text);
	return rc;
}

int config_load(const char *path, struct config **out, struct cfg_diag *d)
{
	return config_load_keep(path, NULL, out, d);
}

void config_free(struct config *c)
{
	free(c);
}

int config_sensor_index(const struct config *c, const char *name)
{
	for (unsigned int i = 0; i < c->n_sensors; i++)
		if (!strcmp(c->sensors[i].name, name))
			return (int)i;
	return -ENOENT;
}

int config_ctrl_index(const struct config *c, const char *name)
{
	for (unsigned int i = 0; i < c->n_ctrls; i++)
		if (!strcmp(c->ctrls[i].name, name))
			return (int)i;
	return -ENOENT;
}

void config_summary(const struct config *c, char *buf, size_t size)
{
	static const char *const sec[] = { "none", "dtls-psk", "dtls-cert" };

	snprintf(buf, size, "%s: OK: agent '%s'%s%s%s, %u controller%s, %u sensor%s, "
		 "%u path%s, security %s", c->file, c->agent.name,
		 c->agent.name_note[0] ? " (name " : "", c->agent.name_note,
		 c->agent.name_note[0] ? ")" : "", c->n_ctrls,
		 c->n_ctrls == 1 ? "" : "s", c->n_sensors,
		 c->n_sensors == 1 ? "" : "s", c->n_paths,
		 c->n_paths == 1 ? "" : "s", sec[c->security.mode]);
}
