/* SPDX-License-Identifier: MIT */
/*
 * port/lksctp: SCTP over UDP (RFC 6951) with the kernel's own
 * encapsulation (Linux >= 5.11).
 *
 * The kernel sends a path's packets over UDP when its transport has a
 * remote port (SCTP_REMOTE_UDP_ENCAPS_PORT, per socket, association or
 * peer address) and the socket had a local port when it was created
 * (copied from the per-netns sysctl net.sctp.udp_port, which also opens
 * the kernel's UDP socket). A transport follows the packets it receives
 * (a verified packet over UDP sets its remote port, a native one clears
 * it), so the listening side needs nothing but the sysctl.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "port/log.h"
#include "port/lksctp/lksctp.h"
#include "port/sctp_encap.h"

#define UDP_PORT_SYSCTL "/proc/sys/net/sctp/udp_port"
#define MAX_STEERED 16

struct lk_encap {
	struct ps_encap tab[PS_MAX_ENCAP];
	unsigned int n;
	int level;			/* log level of setup errors */
	/* associations whose INIT was steered to an encapsulated address:
	 * at COMM_UP the peer is asked to send to @want instead */
	struct { sctp_assoc_t id; struct net_addr want; } steer[MAX_STEERED];
	unsigned int n_steer;
};

static void say(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(int level, const char *fmt, ...)
{
	char line[300];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		port_log_write(level, line, strlen(line));
}

static int read_sysctl(unsigned int *v)
{
	char buf[16] = "";
	int fd = open(UDP_PORT_SYSCTL, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0 || sscanf(buf, "%u", v) != 1)
		return -EIO;
	return 0;
}

static int write_sysctl(unsigned int v)
{
	char buf[16];
	int fd = open(UDP_PORT_SYSCTL, O_WRONLY | O_CLOEXEC), len, rc = 0;

	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%u\n", v);
	if (write(fd, buf, (size_t)len) != len)
		rc = -errno;
	close(fd);
	return rc;
}

/*
 * The netns must have a local UDP port before the socket is created.
 * Sets it when it is 0 (*changed: the socket must be made again); a port
 * someone already set is used as it is. -EOPNOTSUPP no SCTP over UDP in
 * this kernel, -EACCES not allowed to set it.
 */
static int check_sysctl(uint16_t want, int level, bool *changed)
{
	unsigned int cur;
	int rc = read_sysctl(&cur);

	*changed = false;
	if (rc == -ENOENT) {
		say(level, "SCTP over UDP: this kernel has no net.sctp.udp_port "
		    "(RFC 6951 encapsulation needs Linux >= 5.11); use transport "
		    "= udp (the userspace stack) or a newer kernel");
		return -EOPNOTSUPP;
	}
	if (rc)
		return rc;
	if (cur)
		return 0;
	rc = write_sysctl(want);
	if (rc) {
		say(level, "SCTP over UDP: net.sctp.udp_port is 0 and cannot be "
		    "set to %u (%s); run 'sysctl -w net.sctp.udp_port=%u' as "
		    "root (Raspberry Pi: a line in /etc/sysctl.d/) or run the "
		    "agent as root", want, strerror(-rc), want);
		return rc == -EPERM || rc == -EROFS ? -EACCES : rc;
	}
	say(2, "SCTP over UDP: set net.sctp.udp_port = %u", want);
	*changed = true;
	return 0;
}

/* @port (host order) toward @peer (NULL = every transport of @id, or
 * with @id 0 the socket's default for new associations). */
static int set_port(struct ps_ep *ep, sctp_assoc_t id,
		    const struct net_addr *peer, uint16_t port)
{
	struct sctp_udpencaps ue;
	socklen_t len;

	memset(&ue, 0, sizeof(ue));
	ue.sue_assoc_id = id;
	if (peer) {
		struct sockaddr_storage ss;

		if (lk_to_sa(peer, 0, &ss, &len))
			return -EINVAL;
		memcpy(&ue.sue_address, &ss, sizeof(ss));
	}
	ue.sue_port = htons(port);	/* network order on the wire and here */
	if (setsockopt(ep->fd, IPPROTO_SCTP, SCTP_REMOTE_UDP_ENCAPS_PORT, &ue,
		       sizeof(ue)) < 0)
		return -errno;
	return 0;
}

int lk_encap_open(struct ps_ep *ep, const struct ps_config *cfg, bool *reopen)
{
	struct lk_encap *e;
	int rc;

	*reopen = false;
	if (ps_encap_check(cfg))
		return -EINVAL;
	/* a listener given a UDP port accepts SCTP over UDP (RFC 6951) */
	if (!cfg->n_encap && !(cfg->listen && cfg->udp_port))
		return 0;
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	if (cfg->n_encap)
		memcpy(e->tab, cfg->encap, cfg->n_encap * sizeof(*e->tab));
	e->n = cfg->n_encap;
	e->level = cfg->transport == PS_TRANSPORT_KERNEL ? 0 : 1;
	ep->encap = e;
	rc = check_sysctl(cfg->udp_port ? cfg->udp_port : PS_UDP_PORT_DEFAULT,
			  e->level, reopen);
	return rc;
}

/* Re-made socket: nothing to carry over (options come after this). */
void lk_encap_close(struct ps_ep *ep)
{
	free(ep->encap);
	ep->encap = NULL;
}

/* The local address the kernel would use toward @dst (a UDP connect()
 * sends nothing); 0 or -errno. */
static int route_source(const struct net_addr *dst, struct net_addr *src)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc = 0;

	if (lk_to_sa(dst, 9, &ss, &len))
		return -EINVAL;
	fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&ss, len) < 0)
		rc = -errno;
	len = sizeof(ss);
	if (!rc && getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		rc = -errno;
	close(fd);
	if (!rc)
		rc = lk_from_sa((struct sockaddr *)&ss, len, src);
	src->port = 0;
	return rc;
}

/* Before sctp_connectx: steer the INIT (port/sctp.h, ps_connect) and give
 * the transports the kernel creates now the INIT's port. *want: the local
 * address the peer should send to later (family NONE = none). */
int lk_encap_pre_connect(struct ps_ep *ep, struct net_addr *addrs,
			 unsigned int n, struct net_addr *want)
{
	struct lk_encap *e = ep->encap;
	struct net_addr first = addrs[0];

	memset(want, 0, sizeof(*want));
	if (!e)
		return 0;
	if (ps_encap_steer(addrs, n, e->tab, e->n) && route_source(&first, want))
		memset(want, 0, sizeof(*want));
	return set_port(ep, 0, NULL, ps_encap_port(e->tab, e->n, &addrs[0], 0));
}

/* Each peer address of @id: its port from the table, else native. */
static void apply(struct ps_ep *ep, sctp_assoc_t id)
{
	struct lk_encap *e = ep->encap;
	struct sockaddr *addrs = NULL;
	const uint8_t *p;
	int cnt = sctp_getpaddrs(ep->fd, id, &addrs);

	p = (const uint8_t *)addrs;
	for (int i = 0; i < cnt; i++) {
		struct sockaddr_storage ss;
		struct net_addr a;
		size_t salen;

		memcpy(&ss, p, sizeof(struct sockaddr));
		salen = ss.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
		memcpy(&ss, p, salen);
		p += salen;
		if (lk_from_sa((struct sockaddr *)&ss, (socklen_t)salen, &a))
			continue;
		(void)set_port(ep, id, &a, ps_encap_port(e->tab, e->n, &a, 0));
	}
	if (cnt > 0)
		sctp_freepaddrs(addrs);
}

void lk_encap_post_connect(struct ps_ep *ep, sctp_assoc_t id,
			   const struct net_addr *want)
{
	struct lk_encap *e = ep->encap;

	if (!e || !id)
		return;
	apply(ep, id);
	if (want->family == NET_AF_NONE)
		return;
	if (e->n_steer == MAX_STEERED)
		memmove(e->steer, e->steer + 1, sizeof(e->steer) - sizeof(e->steer[0]));
	else
		e->n_steer++;
	e->steer[e->n_steer - 1].id = id;
	e->steer[e->n_steer - 1].want = *want;
}

/* RFC 5061 Set Primary: the peer sends to @want (ASCONF, authenticated). */
static void set_peer_primary(struct ps_ep *ep, sctp_assoc_t id,
			     const struct net_addr *want)
{
	struct sctp_setpeerprim sp;
	struct sockaddr_storage ss;
	char a[NET_ADDR_STRLEN];
	socklen_t len;

	memset(&sp, 0, sizeof(sp));
	sp.sspp_assoc_id = id;
	/* Linux matches the association's own address, port included */
	len = sizeof(ss);
	if (getsockname(ep->fd, (struct sockaddr *)&ss, &len) < 0 ||
	    lk_to_sa(want, ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port),
		     &ss, &len))
		return;
	memcpy(&sp.sspp_addr, &ss, sizeof(ss));
	if (setsockopt(ep->fd, IPPROTO_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, &sp,
		       sizeof(sp)) == 0)
		return;
	net_addr_format(want, a, sizeof(a));
	say(1, "assoc=%u: the INIT went over UDP (NAT); cannot ask the peer to "
	    "send to %s (RFC 5061 Set Primary: %s; needs net.sctp.addip_enable "
	    "= 1 here and ASCONF at the peer): its traffic stays on that path",
	    (unsigned int)id, a, strerror(errno));
}

/* COMM_UP / RESTART: the INIT-ACK may have brought addresses. */
void lk_encap_up(struct ps_ep *ep, sctp_assoc_t id)
{
	struct lk_encap *e = ep->encap;

	if (!e)
		return;
	apply(ep, id);
	for (unsigned int i = 0; i < e->n_steer; i++) {
		if (e->steer[i].id != id)
			continue;
		set_peer_primary(ep, id, &e->steer[i].want);
		e->steer[i] = e->steer[--e->n_steer];
		return;
	}
}
