/* SPDX-License-Identifier: MIT */
/*
 * Host names in a controller's address list. Checked here for the syntax
 * of RFC 1123 2.1 (labels of letters, digits and '-', at most 63
 * characters each, 253 in all, a final dot allowed) and stored as
 * written; agent/names.c resolves them at every connect, so a DNS change
 * moves the controller. A build without a resolver (CONFIG_RESOLVE=n)
 * refuses them, saying so.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/config_int.h"
#include "agent/kconfig.h"

bool cfg_looks_like_host(const char *tok)
{
	bool letter = false, nonhex = false;

	for (const char *s = tok; *s; s++) {
		char lc = (char)(*s | 0x20);
		if (lc >= 'a' && lc <= 'z') {
			letter = true;
			nonhex |= lc > 'f';
		}
	}
	return !strchr(tok, ':') && (nonhex || (letter && strchr(tok, '.')));
}

static bool is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Labels and lengths; the last label is not all digits (RFC 1123 2.1),
 * which is how "10.0.0.300" stays a bad address rather than a name. */
static int check_syntax(const char *s, char *why, size_t n)
{
	size_t len = strlen(s), i = 0;
	bool digits = true;

	if (len && s[len - 1] == '.')
		len--;			/* absolute name */
	if (!len || len > 253) {
		snprintf(why, n, "'%s' is not a valid host name (%zu characters; "
			 "expected 1..253)", s, len);
		return -EINVAL;
	}
	while (i < len) {
		size_t start = i;

		digits = true;
		for (; i < len && s[i] != '.'; i++) {
			if (!is_alnum(s[i]) && s[i] != '-') {
				snprintf(why, n, "'%s' is not a valid host name ('%c' is "
					 "not allowed; expected letters, digits, '-' "
					 "and '.')", s, s[i]);
				return -EINVAL;
			}
			digits &= s[i] >= '0' && s[i] <= '9';
		}
		if (i == start || i - start > 63 || s[start] == '-' || s[i - 1] == '-') {
			snprintf(why, n, "'%s' is not a valid host name (label '%.*s': "
				 "expected 1..63 letters, digits or inner '-')", s,
				 (int)(i - start), s + start);
			return -EINVAL;
		}
		i++;			/* the dot */
	}
	if (digits) {
		snprintf(why, n, "'%s' is not a valid IPv4 address or host name", s);
		return -EINVAL;
	}
	return 0;
}

/* Case and a final dot do not make another name. */
static bool same_name(const char *a, const char *b)
{
	for (;; a++, b++) {
		char x = (char)(*a | 0x20), y = (char)(*b | 0x20);
		if (!*a || !*b)
			return (!*a || (*a == '.' && !a[1])) && (!*b || (*b == '.' && !b[1]));
		if (x != y)
			return false;
	}
}

int cfg_parse_host(const char *tok, struct cfg_controller *ctl, char *why, size_t n)
{
	unsigned int k = ctl->n_addrs;

	/* meant as an address: IPv6 has ':', a dotted number is IPv4 */
	if (strchr(tok, ':') || strspn(tok, "0123456789.") == strlen(tok)) {
		snprintf(why, n, "'%s' is not a valid IPv4 or IPv6 address", tok);
		return -EINVAL;
	}
	if (!IS_ENABLED(CONFIG_RESOLVE)) {
		if (cfg_looks_like_host(tok))
			snprintf(why, n, "'%s' is a host name; this build has no "
				 "resolver (CONFIG_RESOLVE): expected a numeric "
				 "IPv4/IPv6 address", tok);
		else
			snprintf(why, n, "'%s' is not a valid IPv4 or IPv6 address", tok);
		return -EINVAL;
	}
	if (check_syntax(tok, why, n))
		return -EINVAL;
	for (unsigned int i = 0; i < k; i++)
		if (ctl->host[i][0] && same_name(ctl->host[i], tok)) {
			snprintf(why, n, "'%s' is listed twice", tok);
			return -EINVAL;
		}
	memset(&ctl->addrs[k], 0, sizeof(ctl->addrs[k]));
	snprintf(ctl->host[k], sizeof(ctl->host[k]), "%s", tok);
	ctl->n_addrs++;
	ctl->n_hosts++;
	return 0;
}
