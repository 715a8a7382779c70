// SPDX-License-Identifier: MIT
/*
 * port/posix/nlparse.c - bounded rtnetlink parser (see nlparse.h).
 * Only the kernel uapi headers; no syscalls; every header is memcpy'd out,
 * so the buffer may have any alignment.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "port/posix/nlparse.h"

#define OPER_ABSENT 0xffu

void nlp_init(struct nlp_iter *it, const void *buf, size_t len)
{
	it->buf = buf;
	it->len = buf ? len : 0;
	it->off = 0;
	it->bad = 0;
}

int nlp_more(const struct nlp_iter *it)
{
	return it->off < it->len;
}

/* One attribute walk step over [p, p+left). */
struct attr_walk {
	const uint8_t *p;
	size_t left;
};

/*
 * Next attribute: 1 with type/payload/plen, 0 at the end, -1 when malformed
 * (rta_len < 4 or beyond the bytes left, or leftover bytes that cannot hold
 * an attribute header).
 */
static int attr_next(struct attr_walk *w, unsigned int *type,
		     const uint8_t **payload, size_t *plen)
{
	struct rtattr rta;
	size_t step;

	if (w->left == 0)
		return 0;
	if (w->left < sizeof(rta))
		return -1;
	memcpy(&rta, w->p, sizeof(rta));
	if (rta.rta_len < sizeof(rta) || rta.rta_len > w->left)
		return -1;
	*type = rta.rta_type & NLA_TYPE_MASK;
	*payload = w->p + RTA_LENGTH(0);
	*plen = rta.rta_len - RTA_LENGTH(0);
	step = RTA_ALIGN(rta.rta_len);
	if (step > w->left)
		step = w->left;	/* last attribute without its padding */
	w->p += step;
	w->left -= step;
	return 1;
}

static int decode_link(const uint8_t *body, size_t blen, uint16_t type,
		       struct nlp_msg *m)
{
	struct ifinfomsg ifi;
	struct attr_walk w;
	const uint8_t *pl;
	size_t plen, hdr = NLMSG_ALIGN(sizeof(ifi));
	unsigned int at;
	int r;

	if (blen < sizeof(ifi))
		return -EBADMSG;
	memcpy(&ifi, body, sizeof(ifi));
	if (ifi.ifi_index <= 0)
		return -EBADMSG;
	w.p = body + (hdr < blen ? hdr : blen);
	w.left = hdr < blen ? blen - hdr : 0;
	m->operstate = OPER_ABSENT;
	m->ifi_flags = ifi.ifi_flags;
	while ((r = attr_next(&w, &at, &pl, &plen)) > 0) {
		if (at == IFLA_IFNAME) {
			const void *nul = memchr(pl, '\0', plen);
			size_t n;

			if (!nul)
				return -EBADMSG;
			n = (size_t)((const uint8_t *)nul - pl);
			if (n == 0 || n >= IFNAMSIZ || n >= PN_IFNAMSIZ)
				return -EBADMSG;
			memcpy(m->ev.ifname, pl, n);
			m->ev.ifname[n] = '\0';
		} else if (at == IFLA_OPERSTATE) {
			if (plen != 1)
				return -EBADMSG;
			m->operstate = pl[0];
		}
	}
	if (r < 0)
		return -EBADMSG;
	if (ifi.ifi_family != AF_UNSPEC) {
		m->kind = NLP_IGNORED;	/* AF_BRIDGE port notifications */
		return 0;
	}
	m->kind = NLP_EVENT;
	m->ev.type = PN_LINK;
	m->ev.ifindex = (uint32_t)ifi.ifi_index;
	if (type == RTM_DELLINK) {
		m->ev.up = false;
	} else {
		unsigned int need = IFF_UP | IFF_RUNNING | IFF_LOWER_UP;

		m->ev.up = (ifi.ifi_flags & need) == need;
		if (m->operstate != OPER_ABSENT &&
		    m->operstate != IF_OPER_UP &&
		    m->operstate != IF_OPER_UNKNOWN)
			m->ev.up = false;
	}
	return 0;
}

static int decode_addr(const uint8_t *body, size_t blen, uint16_t type,
		       struct nlp_msg *m)
{
	struct ifaddrmsg ifa;
	struct attr_walk w;
	const uint8_t *pl, *local = NULL, *address = NULL;
	size_t plen, alen, hdr = NLMSG_ALIGN(sizeof(ifa));
	unsigned int at;
	uint32_t flags;
	int r;

	if (blen < sizeof(ifa))
		return -EBADMSG;
	memcpy(&ifa, body, sizeof(ifa));
	w.p = body + (hdr < blen ? hdr : blen);
	w.left = hdr < blen ? blen - hdr : 0;
	flags = ifa.ifa_flags;
	if (ifa.ifa_family == AF_INET)
		alen = 4;
	else if (ifa.ifa_family == AF_INET6)
		alen = 16;
	else
		alen = 0;	/* walked for bounds, then ignored */
	while ((r = attr_next(&w, &at, &pl, &plen)) > 0) {
		switch (at) {
		case IFA_LOCAL:
		case IFA_ADDRESS:
			if (alen && plen != alen)
				return -EBADMSG;
			if (at == IFA_LOCAL)
				local = pl;
			else
				address = pl;
			break;
		case IFA_FLAGS:
			if (plen != sizeof(flags))
				return -EBADMSG;
			memcpy(&flags, pl, sizeof(flags));
			break;
		default:
			break;
		}
	}
	if (r < 0)
		return -EBADMSG;
	if (alen == 0) {
		m->kind = NLP_IGNORED;
		return 0;
	}
	if (!local)
		local = address;
	if (!local || ifa.ifa_index == 0)
		return -EBADMSG;	/* an address message without address */
	m->ifa_flags = flags;
	m->kind = NLP_EVENT;
	m->ev.ifindex = ifa.ifa_index;
	m->ev.addr.family = alen == 4 ? NET_AF_INET4 : NET_AF_INET6;
	memcpy(m->ev.addr.a, local, alen);
	if (alen == 16 && ((local[0] == 0xfe && (local[1] & 0xc0) == 0x80) ||
			   ifa.ifa_scope == RT_SCOPE_LINK))
		m->ev.addr.scope_id = ifa.ifa_index;
	if (type == RTM_DELADDR ||
	    (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)))
		m->ev.type = PN_ADDR_DEL;
	else
		m->ev.type = PN_ADDR_ADD;
	return 0;
}

int nlp_next(struct nlp_iter *it, struct nlp_msg *m)
{
	struct nlmsghdr nh;
	size_t left, step, blen;
	const uint8_t *body;
	int r = 0;

	memset(m, 0, sizeof(*m));
	m->operstate = OPER_ABSENT;
	if (it->off >= it->len)
		return 0;
	left = it->len - it->off;
	if (left < sizeof(nh))
		goto lost;
	memcpy(&nh, it->buf + it->off, sizeof(nh));
	if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > left)
		goto lost;
	body = it->buf + it->off + NLMSG_HDRLEN;
	blen = nh.nlmsg_len - NLMSG_HDRLEN;
	step = NLMSG_ALIGN(nh.nlmsg_len);
	it->off += step < left ? step : left;

	m->type = nh.nlmsg_type;
	m->flags = nh.nlmsg_flags;
	m->seq = nh.nlmsg_seq;
	m->pid = nh.nlmsg_pid;
	switch (nh.nlmsg_type) {
	case NLMSG_DONE:
		m->kind = NLP_DONE;
		if (blen >= sizeof(int))
			memcpy(&m->error, body, sizeof(int));
		if (m->error > 0)
			r = -EBADMSG;
		break;
	case NLMSG_ERROR:
		m->kind = NLP_ERROR;
		if (blen < sizeof(int))
			r = -EBADMSG;
		else
			memcpy(&m->error, body, sizeof(int));
		if (m->error > 0)
			r = -EBADMSG;
		break;
	case RTM_NEWLINK:
	case RTM_DELLINK:
		r = decode_link(body, blen, nh.nlmsg_type, m);
		break;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		r = decode_addr(body, blen, nh.nlmsg_type, m);
		break;
	default:		/* NLMSG_NOOP, NLMSG_OVERRUN, anything else */
		m->kind = NLP_IGNORED;
		break;
	}
	if (r < 0) {
		it->bad++;
		memset(&m->ev, 0, sizeof(m->ev));
		return -EBADMSG;
	}
	return 1;

lost:
	/* Framing lost: no later message can be located. Report once, stop. */
	it->bad++;
	it->off = it->len;
	return -EBADMSG;
}
