// SPDX-License-Identifier: MIT
/*
 * port/netaddr.c - numeric address parsing and RFC 5952 formatting.
 *
 * Pure C (no OS headers) so every port and the fuzzers share one parser.
 * Acceptance follows inet_pton(): IPv4 is exactly four decimal parts without
 * leading zeros ("01.2.3.4" is rejected, as glibc and musl do, because other
 * parsers read it as octal); IPv6 groups have 1..4 hex digits, "::" stands
 * for at least one zero group and appears at most once, and a dotted IPv4
 * tail may fill the last 32 bits. A "%N" suffix (IPv6 only) is a decimal
 * interface index; an interface name needs the OS and is rejected.
 */
#include <errno.h>
#include <string.h>

#include "port/netaddr.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Dotted quad from @s up to @end into @out[4]. 0 or -EINVAL. */
static int parse_v4(const char *s, const char *end, uint8_t out[4])
{
	for (int part = 0; part < 4; part++) {
		unsigned int v = 0;
		int digits = 0;

		if (part > 0) {
			if (s == end || *s != '.')
				return -EINVAL;
			s++;
		}
		while (s < end && is_digit(*s) && digits < 4) {
			v = v * 10 + (unsigned int)(*s - '0');
			digits++;
			s++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return -EINVAL;
		if (digits > 1 && s[-digits] == '0')
			return -EINVAL;	/* leading zero: octal elsewhere */
		out[part] = (uint8_t)v;
	}
	return s == end ? 0 : -EINVAL;
}

/* Where a dotted IPv4 tail starts in one group's text, or NULL. */
static const char *v4_tail(const char *s, const char *end)
{
	for (const char *p = s; p < end && *p != ':'; p++)
		if (*p == '.')
			return s;
	return NULL;
}

/* IPv6 text from @s up to @end into @out[16]. 0 or -EINVAL. */
static int parse_v6(const char *s, const char *end, uint8_t out[16])
{
	uint8_t w[16] = { 0 };
	int n = 0, gap = -1;	/* bytes written; where "::" sits */

	if (s < end && *s == ':') {
		if (end - s < 2 || s[1] != ':')
			return -EINVAL;	/* a lone leading ':' */
		gap = 0;
		s += 2;
	}
	while (s < end) {
		unsigned int v = 0;
		int digits = 0;

		if (n == 16)
			return -EINVAL;
		if (n <= 12 && v4_tail(s, end)) {
			if (parse_v4(s, end, &w[n]))
				return -EINVAL;
			n += 4;
			s = end;
			break;
		}
		while (s < end && hexval(*s) >= 0) {
			if (++digits > 4)
				return -EINVAL;
			v = v << 4 | (unsigned int)hexval(*s++);
		}
		if (digits == 0)
			return -EINVAL;
		w[n++] = (uint8_t)(v >> 8);
		w[n++] = (uint8_t)v;
		if (s == end)
			break;
		if (*s++ != ':' || s == end)
			return -EINVAL;	/* junk, or a trailing single ':' */
		if (*s == ':') {
			if (gap >= 0)
				return -EINVAL;	/* a second "::" */
			gap = n;
			s++;
		}
	}
	if (gap >= 0) {
		if (n == 16)
			return -EINVAL;	/* "::" must stand for >= 1 group */
		memset(out, 0, 16);
		memcpy(out, w, (size_t)gap);
		memcpy(out + 16 - (n - gap), w + gap, (size_t)(n - gap));
		return 0;
	}
	if (n != 16)
		return -EINVAL;
	memcpy(out, w, 16);
	return 0;
}

/* Decimal interface index after '%'. 0 or -EINVAL (names, overflow). */
static int parse_scope(const char *s, uint32_t *scope)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -EINVAL;
	for (; *s; s++) {
		if (!is_digit(*s))
			return -EINVAL;
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*scope = (uint32_t)v;
	return 0;
}

int net_addr_parse(const char *s, struct net_addr *out)
{
	struct net_addr a;
	const char *end, *pct;
	int err = -EINVAL;

	if (!s || !out)
		return -EINVAL;
	memset(&a, 0, sizeof(a));
	pct = strchr(s, '%');
	end = pct ? pct : s + strlen(s);
	if (memchr(s, ':', (size_t)(end - s))) {
		a.family = NET_AF_INET6;
		err = parse_v6(s, end, a.a);
		if (!err && pct)
			err = parse_scope(pct + 1, &a.scope_id);
	} else if (!pct) {
		a.family = NET_AF_INET4;
		err = parse_v4(s, end, a.a);
	}
	if (err)
		goto out;
	*out = a;
out:
	return err;
}

/* Appends to a bounded buffer; @len keeps counting past @cap. */
struct sbuf {
	char *p;
	unsigned int cap, len;
};

static void put_c(struct sbuf *b, char c)
{
	if (b->len + 1 < b->cap)
		b->p[b->len] = c;
	b->len++;
}

static void put_s(struct sbuf *b, const char *s)
{
	while (*s)
		put_c(b, *s++);
}

static void put_dec(struct sbuf *b, uint32_t v)
{
	char d[10];
	int n = 0;

	do {
		d[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		put_c(b, d[--n]);
}

static void put_hex(struct sbuf *b, unsigned int v)
{
	static const char hex[] = "0123456789abcdef";
	int shift = 12;

	while (shift > 0 && !(v >> shift & 0xf))
		shift -= 4;
	for (; shift >= 0; shift -= 4)
		put_c(b, hex[v >> shift & 0xf]);
}

static void put_v4(struct sbuf *b, const uint8_t *a)
{
	for (int i = 0; i < 4; i++) {
		if (i)
			put_c(b, '.');
		put_dec(b, a[i]);
	}
}

/* RFC 5952: lowercase, no leading zeros, the longest (first on a tie) run
 * of two or more zero groups as "::", ::ffff:0:0/96 in dotted form. */
static void put_v6(struct sbuf *b, const uint8_t *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned int g[8];
	int best = -1, best_len = 1, run = 0;
	int groups = 8;

	for (int i = 0; i < 8; i++)
		g[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	if (!memcmp(a, mapped, sizeof(mapped)))
		groups = 6;
	for (int i = 0; i < groups; i++) {
		run = g[i] ? 0 : run + 1;
		if (run > best_len) {
			best_len = run;
			best = i - run + 1;
		}
	}
	for (int i = 0; i < groups; i++) {
		if (i == best) {
			put_s(b, "::");
			i += best_len - 1;
			continue;
		}
		if (i && i != best + best_len)
			put_c(b, ':');
		put_hex(b, g[i]);
	}
	if (groups == 6) {
		put_c(b, ':');
		put_v4(b, a + 12);
	}
}

void net_addr_format(const struct net_addr *a, char *buf, unsigned int size)
{
	struct sbuf b = { buf, size, 0 };
	bool v6 = a->family == NET_AF_INET6;

	if (!buf || size == 0)
		return;
	if (a->family != NET_AF_INET4 && !v6) {
		put_s(&b, "none");
		goto out;
	}
	if (v6 && a->port)
		put_c(&b, '[');
	if (v6)
		put_v6(&b, a->a);
	else
		put_v4(&b, a->a);
	if (v6 && a->scope_id) {
		put_c(&b, '%');
		put_dec(&b, a->scope_id);
	}
	if (v6 && a->port)
		put_c(&b, ']');
	if (a->port) {
		put_c(&b, ':');
		put_dec(&b, a->port);
	}
out:
	buf[b.len < size ? b.len : size - 1] = '\0';
}

/* Bytes of a[] that carry the address for @family. */
static size_t addr_len(uint8_t family)
{
	return family == NET_AF_INET4 ? 4 : family == NET_AF_INET6 ? 16 : 0;
}

bool net_addr_same_host(const struct net_addr *x, const struct net_addr *y)
{
	if (x->family != y->family)
		return false;
	if (x->family == NET_AF_INET6 && x->scope_id != y->scope_id)
		return false;
	return !memcmp(x->a, y->a, addr_len(x->family));
}

bool net_addr_equal(const struct net_addr *x, const struct net_addr *y)
{
	return x->port == y->port && net_addr_same_host(x, y);
}

bool net_addr_is_any(const struct net_addr *a)
{
	size_t n = addr_len(a->family);

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (a->a[i])
			return false;
	return true;
}
