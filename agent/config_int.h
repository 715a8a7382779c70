/* SPDX-License-Identifier: MIT */
/*
 * agent/config_int.h - internals shared by the config loader's files:
 * config.c (reading, inih glue, diagnostics), config_keys.c (the schema
 * tables and value parsers), config_check.c (cross-section validation).
 */
#ifndef AGENT_CONFIG_INT_H
#define AGENT_CONFIG_INT_H

#include "agent/config.h"

enum sec_kind { SEC_AGENT, SEC_PATH, SEC_CTRL, SEC_SENSOR, SEC_SECURITY, SEC_N };

enum key_type {
	KT_STR,		/* bounded string, printable */
	KT_NAME,	/* identifier [A-Za-z0-9_.-] */
	KT_UINT,	/* decimal integer in [min, max] */
	KT_BOOL,
	KT_ENUM,	/* one of enum_names, stored as int */
	KT_LOGLEVEL,	/* name or 0..4 */
	KT_ADDR,	/* numeric address or "auto" (path) */
	KT_ADDRLIST,	/* 1..MAX_CTRL_ADDRS numeric addresses */
	KT_NAMELIST,	/* resolved after parsing (sensors/controllers) */
	KT_SIZE,	/* bytes, optional K/M/G suffix (1024-based) into a
			 * uint64_t; min/max are in KiB */
};

struct key_def {
	const char *name;
	enum key_type type;
	size_t off;		/* field offset in the section's struct */
	size_t size;		/* field size (strings: buffer size) */
	uint32_t min, max;
	bool required;
	const char *const *enum_names;
	const char *expect;	/* text for "expected ..." */
};

struct sec_def {
	const char *prefix;	/* "agent", "path", ... */
	bool named;		/* [prefix.NAME] */
	const struct key_def *keys;
	unsigned int n_keys;
};

extern const struct sec_def cfg_sections[SEC_N];

/* Where each key of each section instance was set (0 = not set). */
#define CFG_KEYS_MAX 24
struct sec_state {
	unsigned int line;			/* section header line */
	unsigned int key_line[CFG_KEYS_MAX];
	char list[2][160];			/* raw KT_NAMELIST values */
	unsigned int list_line[2];
};

struct cfg_ctx {
	struct config *c;
	const struct config *prev;	/* a reload's running config, or NULL */
	struct cfg_diag *d;
	const char *name;		/* file name for messages */
	const char *text;		/* whole file, NUL-terminated */
	const char *pos;		/* reader position */
	unsigned int line;		/* current line (1-based) */
	unsigned int diag_line[CFG_DIAG_MAX];
	/* the section inih is in, resolved once per header */
	enum sec_kind kind;
	int idx;			/* instance index, -1 = bad section */
	struct sec_state agent_st, sec_st;
	struct sec_state path_st[CONFIG_MAX_PATHS];
	struct sec_state ctrl_st[CONFIG_MAX_CONTROLLERS];
	struct sec_state sensor_st[CONFIG_MAX_SENSORS];
	bool has_section[SEC_N];
};

/* @src with non-printable bytes escaped (\r \t \e \xHH), cut to @size. */
void cfg_escape(char *dst, size_t size, const char *src);

/* Record one error at @line: "NAME:LINE: [sect] key: text". @sect/@key
 * may be NULL. Keeps the diag sorted by line. */
void cfg_err(struct cfg_ctx *x, unsigned int line, const char *sect,
	     const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Parse @value for key @k into the struct at @base. On error, writes the
 * reason into @why and returns -EINVAL. */
int cfg_parse_value(const struct key_def *k, const char *value, void *base,
		    char *why, size_t why_size);

/* Apply defaults to a new section instance. */
void cfg_defaults(enum sec_kind kind, void *base);

/* The key nearest to @name (edit distance), or NULL if none is close. */
const char *cfg_suggest(const char *name, const char *const *cands,
			unsigned int n);

/* Cross-section checks after the whole file is read. */
void cfg_check(struct cfg_ctx *x);

/* No [agent] name in the file: the board's stable id (config_name.c). */
void cfg_default_name(struct cfg_ctx *x);

/* Pointer to the struct of section instance (@kind, @idx). */
void *cfg_sec_base(struct config *c, enum sec_kind kind, int idx);
struct sec_state *cfg_sec_state(struct cfg_ctx *x, enum sec_kind kind, int idx);

/* "agent", "path.eth", ... for messages. */
void cfg_sec_label(const struct config *c, enum sec_kind kind, int idx,
		   char *buf, size_t size);

bool cfg_valid_name(const char *s);

/* config_host.c: @tok (not a numeric address) as entry ctl->n_addrs of a
 * controller's list: a host name is stored (CONFIG_RESOLVE) and n_addrs,
 * n_hosts counted; else -EINVAL with the reason in @why. */
int cfg_parse_host(const char *tok, struct cfg_controller *ctl, char *why,
		   size_t why_size);
/* A word meant as a host name rather than a mistyped address: letters
 * outside hex, or letters and a dot, and no ':' (IPv6 has one). */
bool cfg_looks_like_host(const char *tok);

#endif
