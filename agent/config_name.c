/* SPDX-License-Identifier: MIT */
/*
 * The default [agent] name: a stable id of the board, so that boards with
 * a copied ini file stay distinct agents in every controller's dedup
 * (which keys on the agent's name). The host name when it is usable, else
 * the systemd machine id; the config says which (name_from, name_note).
 * A stock host name ("raspberrypi" on every fresh Raspberry Pi OS image)
 * is not an id: it is skipped for the machine id.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/config_int.h"
#include "port/file.h"

static const char *const stock_names[] = {
	"localhost", "localhost.localdomain", "raspberrypi", "debian", "ubuntu",
	"(none)", NULL,
};

/* The first line of @path, blanks cut; NULL if absent or empty. */
static char *read_word(const char *path)
{
	char *t = NULL;
	size_t len;

	if (pf_read_all(path, 256, &t, &len))
		return NULL;
	while (len && isspace((unsigned char)t[len - 1]))
		t[--len] = 0;
	if (!len || strchr(t, '\n')) {
		free(t);
		return NULL;
	}
	return t;
}

/* The host name, or its first label when the whole is too long. -ENOENT
 * none or not a valid name, -EEXIST a stock name (@note says so). */
static int from_hostname(char *out, char *note, size_t n)
{
	char *h = read_word(CFG_HOSTNAME_FILE), *dot;
	int rc = -ENOENT;

	if (!h)
		return -ENOENT;
	for (const char *const *s = stock_names; *s; s++)
		if (!strcmp(h, *s)) {
			snprintf(note, n, " (the host name '%s' is a stock name many "
				 "boards share)", h);
			free(h);
			return -EEXIST;
		}
	dot = strchr(h, '.');
	if (strlen(h) >= CFG_NAME_MAX && dot)
		*dot = 0;		/* pi-17.site.example.com -> pi-17 */
	if (cfg_valid_name(h) && strlen(h) < CFG_NAME_MAX) {
		strcpy(out, h);
		rc = 0;
	}
	free(h);
	return rc;
}

/* "mid-" and the first 24 hex digits (96 bits) of /etc/machine-id. */
static int from_machine_id(char *out)
{
	char *m = read_word(CFG_MACHINE_ID_FILE);
	int rc = -ENOENT;

	if (m && strlen(m) == 32 && strspn(m, "0123456789abcdef") == 32) {
		snprintf(out, CFG_NAME_MAX, "mid-%.24s", m);
		rc = 0;
	}
	free(m);
	return rc;
}

void cfg_default_name(struct cfg_ctx *x)
{
	struct cfg_agent *a = &x->c->agent;
	char skipped[80] = "";

	if (!from_hostname(a->name, skipped, sizeof(skipped))) {
		a->name_from = CFG_NAME_HOSTNAME;
		snprintf(a->name_note, sizeof(a->name_note), "from the host name");
		return;
	}
	if (!from_machine_id(a->name)) {
		a->name_from = CFG_NAME_MACHINE_ID;
		snprintf(a->name_note, sizeof(a->name_note), "from %s%s",
			 CFG_MACHINE_ID_FILE, skipped);
		return;
	}
	cfg_err(x, x->agent_st.line ? x->agent_st.line : 1, "agent", "name",
		"missing, and this board has neither a usable host name%s nor %s; "
		"expected a name of 1..%d letters, digits, '.', '_' or '-'",
		skipped[0] ? skipped : "", CFG_MACHINE_ID_FILE, CFG_NAME_MAX - 1);
}
