/* SPDX-License-Identifier: MIT */
/*
 * tests/fuzz/fuzz_netlink.c - libFuzzer target over port/posix/nlparse.c.
 *
 * Input = the bytes of one recv() on a NETLINK_ROUTE socket. Iterates the
 * whole buffer and checks the parser's promises: only 1 / 0 / -EBADMSG,
 * progress on every call (at most len/16 + 1 calls), a malformed count equal
 * to the -EBADMSG returns, and every event well formed (type, NUL-terminated
 * name, IPv4/IPv6 family, scope only on IPv6). The same input is parsed
 * again from a copy at an odd address: results must not depend on alignment.
 * Also linked with replay.c for a plain-C corpus replay.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "port/netaddr.h"
#include "port/posix/nlparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_event(const struct nlp_msg *m)
{
	const struct pn_event *ev = &m->ev;

	if (!memchr(ev->ifname, '\0', sizeof(ev->ifname)))
		abort();
	switch (ev->type) {
	case PN_LINK:
		if (ev->ifindex == 0 || ev->ifindex > INT32_MAX ||
		    ev->addr.family != NET_AF_NONE)
			abort();
		break;
	case PN_ADDR_ADD:
	case PN_ADDR_DEL:
		if (ev->ifindex == 0 || ev->up)
			abort();
		if (ev->addr.family != NET_AF_INET4 &&
		    ev->addr.family != NET_AF_INET6)
			abort();
		if (ev->addr.family == NET_AF_INET4 && ev->addr.scope_id)
			abort();
		if (ev->addr.scope_id && ev->addr.scope_id != ev->ifindex)
			abort();
		if (ev->addr.port)
			abort();
		break;
	default:
		abort();
	}
}

/* Parse all of buf; write a digest of the results into out[] (bounded). */
static size_t run(const uint8_t *buf, size_t size, struct nlp_msg *out,
		  size_t max)
{
	struct nlp_iter it;
	struct nlp_msg m;
	size_t steps = 0, n = 0, bad = 0, last = 0;
	int r;

	nlp_init(&it, buf, size);
	while ((r = nlp_next(&it, &m)) != 0) {
		if (r != 1 && r != -EBADMSG)
			abort();
		if (++steps > size / 16 + 1)
			abort();
		if (it.off <= last && nlp_more(&it))
			abort();	/* no progress */
		last = it.off;
		if (r < 0) {
			bad++;
			memset(&m, 0, sizeof(m));
		} else if (m.kind == NLP_EVENT) {
			check_event(&m);
		} else if (m.kind != NLP_DONE && m.kind != NLP_ERROR &&
			   m.kind != NLP_IGNORED) {
			abort();
		}
		if (n < max)
			out[n++] = m;
	}
	if (bad != it.bad || nlp_next(&it, &m) != 0)
		abort();
	return n;
}

#define MAXM 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct nlp_msg a[MAXM], b[MAXM];
	uint8_t *odd;
	size_t na, nb;

	if (size > 65536)
		return 0;
	na = run(data, size, a, MAXM);
	odd = malloc(size + 1);
	if (!odd)
		return 0;
	memcpy(odd + 1, data, size);
	nb = run(odd + 1, size, b, MAXM);
	free(odd);
	if (na != nb)
		abort();
	for (size_t i = 0; i < na; i++)
		if (a[i].kind != b[i].kind || a[i].seq != b[i].seq ||
		    a[i].error != b[i].error || a[i].ev.type != b[i].ev.type ||
		    a[i].ev.ifindex != b[i].ev.ifindex ||
		    a[i].ev.up != b[i].ev.up ||
		    strcmp(a[i].ev.ifname, b[i].ev.ifname) ||
		    !net_addr_equal(&a[i].ev.addr, &b[i].ev.addr))
			abort();
	return 0;
}
