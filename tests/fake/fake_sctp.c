// SPDX-License-Identifier: MIT
/*
 * tests/fake/fake_sctp.c - port/sctp.h as a scriptable recorder.
 * The rules (association states, what ps_send accepts, readiness) are in
 * tests/fake/fake.h; this file follows them and nothing more.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fake/fake.h"

#define MAX_LOCAL 32		/* bound addresses after bind_change */
#define DEFAULT_STREAMS 10

struct fassoc {
	ps_assoc_id id;
	enum fake_assoc_state state;
	struct net_addr addrs[PS_MAX_ADDRS];
	unsigned int n;
	int primary;			/* index into addrs */
	uint16_t out_streams;
	struct ps_path_info paths[PS_MAX_ADDRS];
	unsigned int npaths;
	bool paths_set;
	/* Linux's heartbeat error counting per address (see fake_strike) */
	struct {
		bool hb_out;		/* a demand heartbeat not answered yet */
		uint64_t hb_at_ms;
		unsigned int errors;
		bool pf_set;		/* pf_threshold given by the agent */
		uint16_t pf_threshold;
		bool pf;		/* made PF by a strike */
	} hb[PS_MAX_ADDRS];
	/* SCTP-AUTH: key 0 (empty) exists and is active from the start */
	struct fake_auth_key keys[FAKE_AUTH_KEYS];
	unsigned int nkeys;
	uint16_t active_key;
	uint8_t peer_chunks[PS_AUTH_MAX_CHUNKS];
	int npeer_chunks;		/* -1 = the endpoint's own list */
	unsigned int pending;		/* ps_assoc_pending */
	/* wire mode: the association's other end */
	struct ps_ep *peer;
	ps_assoc_id peer_id;
	bool shutdown_pending;		/* EOF waits for its queued data */
};

struct wmsg {				/* wire mode: queued at the sender */
	struct ps_sndinfo si;
	ps_assoc_id from_id;		/* sender's association */
	uint8_t *buf;
	size_t len;
};

struct qev {
	struct ps_event ev;
	uint8_t *buf;			/* the payload ev points to */
};

struct ps_ep {
	bool closed;
	int fd;
	struct ps_config cfg;
	struct net_addr cfg_local[PS_MAX_ADDRS];
	struct ps_encap cfg_encap[PS_MAX_ENCAP];
	struct net_addr local[MAX_LOCAL];
	unsigned int nlocal;
	struct fassoc *assocs;
	unsigned int nassocs;
	ps_assoc_id next_id;
	struct qev *q;
	unsigned int qhead, qn, qcap;
	uint8_t *cur;			/* payload of the event last returned */
	struct fake_sctp_msg *sent;
	unsigned int nsent, capsent, send_calls;
	struct fake_sctp_call *calls;
	unsigned int ncalls, capcalls;
	unsigned int counts[FAKE_SCTP_NOPS];
	bool unwritable;
	int64_t send_budget;		/* sends left before -EAGAIN; < 0 none */
	size_t max_send;
	struct ps_stats st;
	bool auth;			/* ps_auth_setup done */
	uint8_t auth_chunks[PS_AUTH_MAX_CHUNKS];
	unsigned int nauth_chunks;
	uint16_t hmacs[8];
	unsigned int nhmacs;
	/* wire mode */
	struct wmsg *outq;
	unsigned int nout, capout;
	size_t out_bytes, rx_bytes;
};

static struct ps_ep **eps;
static unsigned int neps, open_calls;
static bool wire;

static void wire_connect(struct ps_ep *ep, struct fassoc *a);
static void wire_send(struct ps_ep *ep, struct fassoc *a,
		      const struct ps_sndinfo *si, const void *buf, size_t len);
static void wire_received(struct ps_ep *ep, size_t len);
static void wire_close(struct ps_ep *ep);
static struct {
	int err;
	unsigned int count;
} faults[FAKE_SCTP_NOPS];

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "fake_sctp: out of memory\n");
		abort();
	}
	return p;
}

static uint8_t *dup_buf(const void *buf, size_t len)
{
	uint8_t *b = xrealloc(NULL, len);

	if (len)
		memcpy(b, buf, len);
	return b;
}

static void check_open(const struct ps_ep *ep, const char *fn)
{
	if (!ep || ep->closed) {
		fprintf(stderr, "fake_sctp: %s on a %s endpoint\n", fn,
			ep ? "closed" : "NULL");
		abort();
	}
}

static int fault(enum fake_sctp_op op)
{
	if (!faults[op].count)
		return 0;
	faults[op].count--;
	return faults[op].err;
}

static void update_ready(const struct ps_ep *ep)
{
	bool full = wire && ep->nout && ep->out_bytes >= FAKE_WIRE_SNDBUF;
	uint32_t ev = (ep->qn > ep->qhead ? LOOP_IN : 0) |
		      (ep->unwritable || full ? 0 : LOOP_OUT);

	fake_fd_set_ready(ep->fd, ep->closed ? 0 : ev);
}

static void log_call(struct ps_ep *ep, struct fake_sctp_call *c, int ret)
{
	if (ep->ncalls == ep->capcalls) {
		ep->capcalls = ep->capcalls ? 2 * ep->capcalls : 16;
		ep->calls = xrealloc(ep->calls,
				     ep->capcalls * sizeof(*ep->calls));
	}
	c->ret = ret;
	c->at_ms = clock_mono_ms();
	ep->calls[ep->ncalls++] = *c;
}

static struct fassoc *find_assoc(const struct ps_ep *ep, ps_assoc_id id)
{
	for (unsigned int i = 0; i < ep->nassocs; i++)
		if (ep->assocs[i].id == id)
			return &ep->assocs[i];
	return NULL;
}

static struct fassoc *new_assoc(struct ps_ep *ep, ps_assoc_id id,
				const struct net_addr *addrs, unsigned int n)
{
	struct fassoc *a;

	ep->assocs = xrealloc(ep->assocs,
			      (ep->nassocs + 1) * sizeof(*ep->assocs));
	a = &ep->assocs[ep->nassocs++];
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->state = FAKE_ASSOC_CONNECTING;
	a->nkeys = 1;			/* key 0, empty, active */
	a->npeer_chunks = -1;
	a->n = n < PS_MAX_ADDRS ? n : PS_MAX_ADDRS;
	if (a->n)
		memcpy(a->addrs, addrs, a->n * sizeof(*addrs));
	if (id >= ep->next_id)
		ep->next_id = id + 1;
	return a;
}

static int addr_index(const struct fassoc *a, const struct net_addr *x)
{
	for (unsigned int i = 0; i < a->n; i++)
		if (net_addr_same_host(&a->addrs[i], x))
			return (int)i;
	return -1;
}

static bool addr_ok(const struct net_addr *x)
{
	return (x->family == NET_AF_INET4 || x->family == NET_AF_INET6) &&
	       !net_addr_is_any(x);
}

/* --- endpoint ----------------------------------------------------------- */

int ps_open(const struct ps_config *cfg, struct ps_ep **out)
{
	struct ps_ep *ep;
	int err;

	open_calls++;
	err = fault(FAKE_SCTP_OPEN);
	if (err)
		return err;
	if (!cfg || !out || cfg->n_local > PS_MAX_ADDRS ||
	    (cfg->n_local && !cfg->local) || cfg->n_encap > PS_MAX_ENCAP ||
	    (cfg->n_encap && !cfg->encap))
		return -EINVAL;
	for (unsigned int i = 0; i < cfg->n_encap; i++)
		if (!cfg->encap[i].udp_port || !addr_ok(&cfg->encap[i].addr))
			return -EINVAL;
	for (unsigned int i = 0; i < cfg->n_local; i++)
		if (!addr_ok(&cfg->local[i]))
			return -EINVAL;
	ep = xrealloc(NULL, sizeof(*ep));
	memset(ep, 0, sizeof(*ep));
	ep->cfg = *cfg;
	if (cfg->n_local) {
		memcpy(ep->cfg_local, cfg->local,
		       cfg->n_local * sizeof(*cfg->local));
		memcpy(ep->local, cfg->local,
		       cfg->n_local * sizeof(*cfg->local));
	}
	ep->cfg.local = ep->cfg_local;
	if (cfg->n_encap)
		memcpy(ep->cfg_encap, cfg->encap, cfg->n_encap * sizeof(*cfg->encap));
	ep->cfg.encap = ep->cfg_encap;
	ep->nlocal = cfg->n_local;
	ep->fd = fake_fd_alloc();
	ep->next_id = 1;
	ep->counts[FAKE_SCTP_OPEN] = 1;
	eps = xrealloc(eps, (neps + 1) * sizeof(*eps));
	eps[neps++] = ep;
	update_ready(ep);
	*out = ep;
	return 0;
}

static void drop_queue(struct ps_ep *ep)
{
	for (unsigned int i = ep->qhead; i < ep->qn; i++)
		free(ep->q[i].buf);
	free(ep->q);
	ep->q = NULL;
	ep->qhead = ep->qn = ep->qcap = 0;
	free(ep->cur);
	ep->cur = NULL;
}

/* Records stay for inspection until fake_sctp_reset(). */
void ps_close(struct ps_ep *ep)
{
	if (!ep)
		return;
	check_open(ep, "ps_close");
	if (wire)
		wire_close(ep);
	drop_queue(ep);
	for (unsigned int i = 0; i < ep->nassocs; i++)
		ep->assocs[i].state = FAKE_ASSOC_DOWN;
	ep->closed = true;
	update_ready(ep);
}

int ps_fd(const struct ps_ep *ep)
{
	check_open(ep, "ps_fd");
	return ep->fd;
}

/* As the real ports: the userspace stack when asked, else the kernel. */
enum ps_transport ps_transport_of(const struct ps_ep *ep)
{
	return ep->cfg.transport == PS_TRANSPORT_UDP ? PS_TRANSPORT_UDP
						     : PS_TRANSPORT_KERNEL;
}

void ps_get_stats(const struct ps_ep *ep, struct ps_stats *st)
{
	*st = ep->st;
}

/* --- calls -------------------------------------------------------------- */

static int check_peers(const struct net_addr *addrs, unsigned int n)
{
	if (!addrs || n == 0 || n > PS_MAX_ADDRS)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (!addr_ok(&addrs[i]) || !addrs[i].port ||
		    addrs[i].port != addrs[0].port)
			return -EINVAL;
	return 0;
}

/* An association that is not DOWN and shares an address with @addrs. */
static const struct fassoc *peer_assoc(const struct ps_ep *ep,
				       const struct net_addr *addrs,
				       unsigned int n)
{
	for (unsigned int i = 0; i < ep->nassocs; i++) {
		const struct fassoc *a = &ep->assocs[i];

		if (a->state == FAKE_ASSOC_DOWN)
			continue;
		/* as Linux (sctp_endpoint_lookup_assoc): the same address at
		 * another port is another peer */
		for (unsigned int j = 0; j < n; j++) {
			int k = addr_index(a, &addrs[j]);

			if (k >= 0 && a->addrs[k].port == addrs[j].port)
				return a;
		}
	}
	return NULL;
}

int ps_connect(struct ps_ep *ep, const struct net_addr *addrs, unsigned int n,
	       ps_assoc_id *assoc)
{
	struct fake_sctp_call c = { .op = FAKE_SCTP_CONNECT };
	const struct fassoc *dup;
	int err;

	check_open(ep, "ps_connect");
	ep->counts[FAKE_SCTP_CONNECT]++;
	c.n_addrs = addrs ? (n < PS_MAX_ADDRS ? n : PS_MAX_ADDRS) : 0;
	if (c.n_addrs)
		memcpy(c.addrs, addrs, c.n_addrs * sizeof(*addrs));
	err = fault(FAKE_SCTP_CONNECT);
	if (!err)
		err = check_peers(addrs, n);
	if (!err && (dup = peer_assoc(ep, addrs, n)))
		err = dup->state == FAKE_ASSOC_CONNECTING ? -EALREADY :
		      -EISCONN;
	if (!err) {
		struct fassoc *a = new_assoc(ep, ep->next_id, addrs, n);

		c.assoc = a->id;
		*assoc = c.assoc;
		if (wire)
			wire_connect(ep, a);
	}
	log_call(ep, &c, err);
	return err;
}

static int check_send(const struct ps_ep *ep, const struct ps_sndinfo *si,
		      const void *buf, size_t len)
{
	const uint32_t all = PS_SEND_UNORDERED | PS_SEND_EOF | PS_SEND_ABORT |
			     PS_SEND_SENDALL | PS_SEND_SACK_NOW;

	if (!si || (si->flags & ~all) || (!buf && len) ||
	    ((si->flags & PS_SEND_EOF) && (si->flags & PS_SEND_ABORT)))
		return -EINVAL;
	/* an ABORT or an EOF without data needs no buffer room (Linux
	 * handles both before it waits for send space) */
	if ((si->flags & PS_SEND_ABORT) || ((si->flags & PS_SEND_EOF) && !len))
		return 0;
	if (ep->unwritable || (wire && ep->nout && ep->out_bytes >= FAKE_WIRE_SNDBUF))
		return -EAGAIN;
	if (ep->max_send && len > ep->max_send)
		return -EMSGSIZE;
	return 0;
}

static int check_assoc_send(const struct fassoc *a, uint16_t stream)
{
	if (!a || a->state == FAKE_ASSOC_NONE)	/* deleted */
		return -ENOENT;
	if (a->state == FAKE_ASSOC_DOWN)
		return -ENOTCONN;
	if (a->state == FAKE_ASSOC_SHUTTING_DOWN)
		return -EPIPE;
	if (a->state == FAKE_ASSOC_UP && stream >= a->out_streams)
		return -EINVAL;
	return 0;
}

static void deliver(struct ps_ep *ep, struct fassoc *a,
		    const struct ps_sndinfo *si, const void *buf, size_t len)
{
	struct fake_sctp_msg *m;

	if (ep->nsent == ep->capsent) {
		ep->capsent = ep->capsent ? 2 * ep->capsent : 16;
		ep->sent = xrealloc(ep->sent, ep->capsent * sizeof(*ep->sent));
	}
	m = &ep->sent[ep->nsent++];
	m->si = *si;
	m->assoc = a->id;
	m->call = ep->send_calls - 1;
	m->at_ms = clock_mono_ms();
	m->buf = dup_buf(buf, len);
	m->len = len;
	m->auth_key = ep->auth ? a->active_key : -1;
	ep->st.tx_msgs++;
	ep->st.tx_bytes += len;
	/* Linux deletes a CONNECTING association on EOF, without an event
	 * (sctp_sf_cookie_wait_prm_shutdown; ps_conformance measures it) */
	if (si->flags & PS_SEND_EOF)
		a->state = a->state == FAKE_ASSOC_CONNECTING ? FAKE_ASSOC_NONE :
			   FAKE_ASSOC_SHUTTING_DOWN;
	if (si->flags & PS_SEND_ABORT)
		a->state = FAKE_ASSOC_DOWN;
	if (wire && a->peer)
		wire_send(ep, a, si, buf, len);
}

/* One accepted send of the budget (fake_sctp_set_send_budget): the
 * socket buffer fills when it is spent. */
static void spend(struct ps_ep *ep)
{
	if (ep->send_budget > 0 && !--ep->send_budget) {
		ep->unwritable = true;
		update_ready(ep);
	}
}

int ps_send(struct ps_ep *ep, const struct ps_sndinfo *si, const void *buf,
	    size_t len)
{
	int err;

	check_open(ep, "ps_send");
	ep->counts[FAKE_SCTP_SEND]++;
	ep->send_calls++;
	err = fault(FAKE_SCTP_SEND);
	if (!err)
		err = check_send(ep, si, buf, len);
	if (err)
		return err;
	if (!(si->flags & PS_SEND_SENDALL)) {
		struct fassoc *a = find_assoc(ep, si->assoc);

		err = check_assoc_send(a, si->stream);
		if (!err) {
			deliver(ep, a, si, buf, len);
			spend(ep);
		}
		return err;
	}
	/* Validate every recipient first: all or nothing. */
	for (unsigned int i = 0; i < ep->nassocs; i++)
		if (ep->assocs[i].state == FAKE_ASSOC_UP &&
		    si->stream >= ep->assocs[i].out_streams)
			return -EINVAL;
	for (unsigned int i = 0; i < ep->nassocs; i++)
		if (ep->assocs[i].state == FAKE_ASSOC_UP)
			deliver(ep, &ep->assocs[i], si, buf, len);
	spend(ep);
	return 0;
}

int ps_recv(struct ps_ep *ep, struct ps_event *ev)
{
	int err;

	check_open(ep, "ps_recv");
	ep->counts[FAKE_SCTP_RECV]++;
	err = fault(FAKE_SCTP_RECV);
	while (!err) {
		struct qev *q;

		if (ep->qhead == ep->qn) {
			err = -EAGAIN;
			break;
		}
		q = &ep->q[ep->qhead++];
		free(ep->cur);
		ep->cur = q->buf;
		if (q->ev.type == PS_EV_DATA && ep->cfg.max_msg &&
		    q->ev.u.data.len > ep->cfg.max_msg) {
			ep->st.oversize_dropped++;
			if (wire)
				wire_received(ep, q->ev.u.data.len);
			continue;
		}
		*ev = q->ev;
		if (ev->type == PS_EV_DATA) {
			ep->st.rx_msgs++;
			ep->st.rx_bytes += ev->u.data.len;
			if (wire)
				wire_received(ep, ev->u.data.len);
		} else {
			ep->st.notifications++;
			ep->st.unknown_notifications +=
				ev->type == PS_EV_UNKNOWN;
		}
		break;
	}
	if (ep->qhead == ep->qn)
		ep->qhead = ep->qn = 0;
	update_ready(ep);
	return err;
}

int ps_set_primary(struct ps_ep *ep, ps_assoc_id assoc,
		   const struct net_addr *peer)
{
	struct fake_sctp_call c = { .op = FAKE_SCTP_SET_PRIMARY };
	struct fassoc *a;
	int err, i = -1;

	check_open(ep, "ps_set_primary");
	ep->counts[FAKE_SCTP_SET_PRIMARY]++;
	c.assoc = assoc;
	if (peer) {
		c.addrs[0] = *peer;
		c.n_addrs = 1;
	}
	a = find_assoc(ep, assoc);
	err = fault(FAKE_SCTP_SET_PRIMARY);
	if (!err && !a)
		err = -ENOENT;
	if (!err && (!peer || (i = addr_index(a, peer)) < 0))
		err = -EINVAL;
	if (!err) {
		/* Linux's sctp_assoc_set_primary() reports every set (the
		 * same address again included) as MADE_PRIM */
		a->primary = i;
		fake_sctp_paddr(ep, assoc, peer, PS_ADDR_MADE_PRIM);
	}
	log_call(ep, &c, err);
	return err;
}

static int check_params(const struct ps_path_params *p)
{
	if (!p)
		return -EINVAL;
	if (p->rto_min_ms && p->rto_max_ms && p->rto_min_ms > p->rto_max_ms)
		return -EINVAL;	/* the kernel refuses it too */
	return 0;
}

/* The round trip of a heartbeat on path @i: its srtt as ps_paths()
 * reports it (10 ms by default). */
static uint64_t hb_rtt(const struct fassoc *a, int i)
{
	for (unsigned int k = 0; a->paths_set && k < a->npaths; k++)
		if (net_addr_same_host(&a->paths[k].addr, &a->addrs[i]))
			return a->paths[k].srtt_ms ? a->paths[k].srtt_ms : 1;
	return 10;
}

/* As Linux's sctp_do_8_2_transport_strike() for a heartbeat: one sent
 * while an earlier one is unanswered (it is answered one srtt after it
 * went, on this wire that never loses one) counts an error, and an
 * ACTIVE path whose errors exceed its pf_threshold goes PF at once. */
static void fake_strike(struct ps_ep *ep, struct fassoc *a, int i)
{
	uint64_t now = clock_mono_ms();

	if (a->hb[i].hb_out && now >= a->hb[i].hb_at_ms + hb_rtt(a, i)) {
		a->hb[i].hb_out = false;	/* HEARTBEAT-ACK: errors cleared */
		a->hb[i].errors = 0;
		a->hb[i].pf = false;
	}
	if (a->hb[i].hb_out && a->state == FAKE_ASSOC_UP) {
		a->hb[i].errors++;
		if (a->hb[i].pf_set && !a->hb[i].pf &&
		    a->hb[i].errors > a->hb[i].pf_threshold) {
			a->hb[i].pf = true;
			fake_sctp_paddr(ep, a->id, &a->addrs[i], PS_ADDR_PF);
		}
	}
	a->hb[i].hb_out = true;
	a->hb[i].hb_at_ms = now;
}

unsigned int fake_sctp_hb_strikes(const struct ps_ep *ep, ps_assoc_id assoc,
				  const struct net_addr *peer)
{
	const struct fassoc *a = find_assoc(ep, assoc);
	int i = a ? addr_index(a, peer) : -1;

	return i >= 0 ? a->hb[i].errors : 0;
}

int ps_set_path_params(struct ps_ep *ep, ps_assoc_id assoc,
		       const struct net_addr *peer,
		       const struct ps_path_params *p)
{
	struct fake_sctp_call c = { .op = FAKE_SCTP_SET_PATH_PARAMS };
	struct fassoc *a;
	int err;

	check_open(ep, "ps_set_path_params");
	ep->counts[FAKE_SCTP_SET_PATH_PARAMS]++;
	c.assoc = assoc;
	c.has_peer = peer != NULL;
	if (peer) {
		c.addrs[0] = *peer;
		c.n_addrs = 1;
	}
	if (p)
		c.params = *p;
	a = assoc ? find_assoc(ep, assoc) : NULL;
	err = fault(FAKE_SCTP_SET_PATH_PARAMS);
	if (!err)
		err = check_params(p);
	if (!err && assoc && !a)
		err = -ENOENT;
	if (!err && peer && (!a || addr_index(a, peer) < 0))
		err = -EINVAL;
	if (!err && peer) {
		int i = addr_index(a, peer);

		if (p->pf_threshold != PS_PF_UNSET) {
			a->hb[i].pf_set = true;
			a->hb[i].pf_threshold = p->pf_threshold;
		}
		if (p->hb_now)
			fake_strike(ep, a, i);
	}
	log_call(ep, &c, err);
	return err;
}

static unsigned int default_paths(const struct fassoc *a,
				  struct ps_path_info *out, unsigned int max)
{
	unsigned int n = a->n < max ? a->n : max;

	for (unsigned int i = 0; i < n; i++) {
		out[i] = (struct ps_path_info){
			.addr = a->addrs[i],
			.state = a->state == FAKE_ASSOC_UP ? PS_PATH_ACTIVE :
				 PS_PATH_UNCONFIRMED,
			.primary = (int)i == a->primary,
			.srtt_ms = 10, .rto_ms = 1000, .cwnd = 4380,
			.mtu = 1500,
		};
	}
	return n;
}

int ps_paths(struct ps_ep *ep, ps_assoc_id assoc, struct ps_path_info *out,
	     unsigned int max, unsigned int *n)
{
	struct fake_sctp_call c = { .op = FAKE_SCTP_PATHS, .assoc = assoc };
	const struct fassoc *a;
	int err;

	check_open(ep, "ps_paths");
	ep->counts[FAKE_SCTP_PATHS]++;
	a = find_assoc(ep, assoc);
	err = fault(FAKE_SCTP_PATHS);
	if (!err && !a)
		err = -ENOENT;
	if (!err && a->paths_set) {
		*n = a->npaths < max ? a->npaths : max;
		if (*n)
			memcpy(out, a->paths, *n * sizeof(*out));
	} else if (!err) {
		*n = default_paths(a, out, max);
	}
	log_call(ep, &c, err);
	return err;
}

static int local_index(const struct ps_ep *ep, const struct net_addr *x)
{
	for (unsigned int i = 0; i < ep->nlocal; i++)
		if (net_addr_same_host(&ep->local[i], x))
			return (int)i;
	return -1;
}

int ps_bind_change(struct ps_ep *ep, const struct net_addr *local, bool add)
{
	struct fake_sctp_call c = { .op = FAKE_SCTP_BIND_CHANGE, .add = add };
	int err, i = -1;

	check_open(ep, "ps_bind_change");
	ep->counts[FAKE_SCTP_BIND_CHANGE]++;
	if (local) {
		c.addrs[0] = *local;
		c.n_addrs = 1;
	}
	err = fault(FAKE_SCTP_BIND_CHANGE);
	if (!err && (!local || !addr_ok(local)))
		err = -EINVAL;
	if (!err)
		i = local_index(ep, local);
	if (!err && add && i < 0) {
		if (ep->nlocal == MAX_LOCAL)
			err = -EADDRNOTAVAIL;
		else
			ep->local[ep->nlocal++] = *local;
	} else if (!err && !add) {
		if (i < 0)
			err = -EADDRNOTAVAIL;
		else if (ep->nlocal == 1)
			err = -EINVAL;	/* the last address stays */
		else
			ep->local[i] = ep->local[--ep->nlocal];
	}
	log_call(ep, &c, err);
	return err;
}

/* As Linux: the INIT of associations made after the call asks for @n;
 * live ones keep what they negotiated. */
int ps_set_out_streams(struct ps_ep *ep, uint16_t n)
{
	struct fake_sctp_call c = { .op = FAKE_SCTP_OUT_STREAMS, .stream = n };
	int err;

	check_open(ep, "ps_set_out_streams");
	ep->counts[FAKE_SCTP_OUT_STREAMS]++;
	err = fault(FAKE_SCTP_OUT_STREAMS);
	if (!err && !n)
		err = -EINVAL;
	if (!err)
		ep->cfg.out_streams = n;
	log_call(ep, &c, err);
	return err;
}

/* --- inspection --------------------------------------------------------- */

struct ps_ep *fake_sctp_last_ep(void)
{
	return neps ? eps[neps - 1] : NULL;
}

struct ps_ep *fake_sctp_ep(unsigned int i)
{
	return i < neps ? eps[i] : NULL;
}

unsigned int fake_sctp_nep(void)
{
	return neps;
}

bool fake_sctp_closed(const struct ps_ep *ep)
{
	return ep->closed;
}

void fake_sctp_set_stack_bytes(struct ps_ep *ep, uint64_t n)
{
	ep->st.stack_bytes = n;
}

const struct ps_config *fake_sctp_config(const struct ps_ep *ep)
{
	return &ep->cfg;
}

unsigned int fake_sctp_nlocal(const struct ps_ep *ep)
{
	return ep->nlocal;
}

const struct net_addr *fake_sctp_local(const struct ps_ep *ep, unsigned i)
{
	return i < ep->nlocal ? &ep->local[i] : NULL;
}

unsigned int fake_sctp_ncalls(const struct ps_ep *ep, enum fake_sctp_op op)
{
	unsigned int n = 0;

	if (op >= FAKE_SCTP_NOPS)
		return 0;
	if (ep)
		return ep->counts[op];
	if (op == FAKE_SCTP_OPEN)
		return open_calls;
	for (unsigned int i = 0; i < neps; i++)
		n += eps[i]->counts[op];
	return n;
}

const struct fake_sctp_call *fake_sctp_call(const struct ps_ep *ep,
					    enum fake_sctp_op op,
					    unsigned int i)
{
	for (unsigned int k = 0; k < ep->ncalls; k++)
		if (ep->calls[k].op == op && i-- == 0)
			return &ep->calls[k];
	return NULL;
}

const struct fake_sctp_call *fake_sctp_last_call(const struct ps_ep *ep,
						 enum fake_sctp_op op)
{
	for (unsigned int k = ep->ncalls; k-- > 0;)
		if (ep->calls[k].op == op)
			return &ep->calls[k];
	return NULL;
}

unsigned int fake_sctp_nsent(const struct ps_ep *ep)
{
	return ep->nsent;
}

unsigned int fake_sctp_nsent_to(const struct ps_ep *ep, ps_assoc_id assoc)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < ep->nsent; i++)
		n += ep->sent[i].assoc == assoc;
	return n;
}

const struct fake_sctp_msg *fake_sctp_sent(const struct ps_ep *ep,
					   unsigned int i)
{
	return i < ep->nsent ? &ep->sent[i] : NULL;
}

const struct fake_sctp_msg *fake_sctp_last_send(const struct ps_ep *ep)
{
	return ep->nsent ? &ep->sent[ep->nsent - 1] : NULL;
}

static void free_sent(struct ps_ep *ep)
{
	for (unsigned int i = 0; i < ep->nsent; i++)
		free((void *)ep->sent[i].buf);
	free(ep->sent);
	ep->sent = NULL;
	ep->nsent = ep->capsent = 0;
}

void fake_sctp_clear_sent(struct ps_ep *ep)
{
	free_sent(ep);
}

enum fake_assoc_state fake_sctp_assoc_state(const struct ps_ep *ep,
					    ps_assoc_id assoc)
{
	const struct fassoc *a = find_assoc(ep, assoc);

	return a ? a->state : FAKE_ASSOC_NONE;
}

const struct net_addr *fake_sctp_primary(const struct ps_ep *ep,
					 ps_assoc_id assoc)
{
	const struct fassoc *a = find_assoc(ep, assoc);

	return a && a->n ? &a->addrs[a->primary] : NULL;
}

ps_assoc_id fake_sctp_accept(struct ps_ep *ep, const struct net_addr *addrs,
			     unsigned int n)
{
	check_open(ep, "fake_sctp_accept");
	return new_assoc(ep, ep->next_id, addrs, n)->id;
}

int fake_sctp_set_paths(struct ps_ep *ep, ps_assoc_id assoc,
			const struct ps_path_info *p, unsigned int n)
{
	struct fassoc *a = find_assoc(ep, assoc);

	if (!a)
		return -ENOENT;
	if (n > PS_MAX_ADDRS)
		return -EINVAL;
	if (n)
		memcpy(a->paths, p, n * sizeof(*p));
	a->npaths = n;
	a->paths_set = true;
	return 0;
}

/* --- scripted events ---------------------------------------------------- */

/* What an event does to the association table, as the kernel would have
 * done before the notification is read. */
static void apply_event(struct ps_ep *ep, const struct ps_event *ev)
{
	struct fassoc *a = find_assoc(ep, ev->assoc);

	if (ev->type == PS_EV_ASSOC_CHANGE) {
		enum ps_assoc_state s = ev->u.assoc.state;

		if (!a && ev->assoc)
			a = new_assoc(ep, ev->assoc, NULL, 0);
		if (!a)
			return;
		if (s == PS_COMM_UP || s == PS_RESTART) {
			/* Linux keeps the keys and the active key id over a
			 * RESTART (sctp_assoc_update); a new association
			 * starts with key 0 only */
			if (s == PS_COMM_UP) {
				a->nkeys = 1;
				memset(&a->keys[0], 0, sizeof(a->keys[0]));
				a->active_key = 0;
			}
			a->state = FAKE_ASSOC_UP;
			a->out_streams = ev->u.assoc.out_streams ?
					 ev->u.assoc.out_streams :
					 DEFAULT_STREAMS;
		} else {
			a->state = FAKE_ASSOC_DOWN;
		}
	} else if (ev->type == PS_EV_PEER_ADDR_CHANGE && a &&
		   ev->u.paddr.state == PS_ADDR_MADE_PRIM) {
		int i = addr_index(a, &ev->u.paddr.addr);

		if (i >= 0)
			a->primary = i;
	}
}

void fake_sctp_push_event(struct ps_ep *ep, const struct ps_event *ev)
{
	struct qev *q;

	check_open(ep, "fake_sctp_push_event");
	if (ep->qn == ep->qcap && ep->qhead) {
		ep->qn -= ep->qhead;
		memmove(ep->q, ep->q + ep->qhead, ep->qn * sizeof(*ep->q));
		ep->qhead = 0;
	}
	if (ep->qn == ep->qcap) {
		ep->qcap = ep->qcap ? 2 * ep->qcap : 16;
		ep->q = xrealloc(ep->q, ep->qcap * sizeof(*ep->q));
	}
	q = &ep->q[ep->qn++];
	q->ev = *ev;
	q->buf = NULL;
	switch (ev->type) {
	case PS_EV_DATA:
		q->buf = dup_buf(ev->u.data.buf, ev->u.data.len);
		q->ev.u.data.buf = q->buf;
		break;
	case PS_EV_SEND_FAILED:
		q->buf = dup_buf(ev->u.send_failed.buf, ev->u.send_failed.len);
		q->ev.u.send_failed.buf = q->buf;
		break;
	case PS_EV_REMOTE_ERROR:
		q->buf = dup_buf(ev->u.remote_error.buf,
				 ev->u.remote_error.len);
		q->ev.u.remote_error.buf = q->buf;
		break;
	default:
		break;
	}
	apply_event(ep, ev);
	update_ready(ep);
}

unsigned int fake_sctp_pending(const struct ps_ep *ep)
{
	return ep->qn - ep->qhead;
}

void fake_sctp_assoc_change(struct ps_ep *ep, ps_assoc_id assoc,
			    enum ps_assoc_state state)
{
	struct ps_event ev = { .type = PS_EV_ASSOC_CHANGE, .assoc = assoc };
	uint16_t out = ep->cfg.out_streams ? ep->cfg.out_streams :
		       DEFAULT_STREAMS;
	uint16_t in = ep->cfg.in_streams ? ep->cfg.in_streams :
		      DEFAULT_STREAMS;

	ev.u.assoc.state = state;
	if (state == PS_COMM_UP || state == PS_RESTART) {
		ev.u.assoc.out_streams = out;
		ev.u.assoc.in_streams = in;
		ev.u.assoc.features = PS_FEAT_PR | PS_FEAT_ASCONF |
				      PS_FEAT_RECONFIG | (ep->auth ? PS_FEAT_AUTH : 0);
	}
	fake_sctp_push_event(ep, &ev);
}

void fake_sctp_comm_up(struct ps_ep *ep, ps_assoc_id assoc)
{
	fake_sctp_assoc_change(ep, assoc, PS_COMM_UP);
}

void fake_sctp_comm_lost(struct ps_ep *ep, ps_assoc_id assoc)
{
	fake_sctp_assoc_change(ep, assoc, PS_COMM_LOST);
}

void fake_sctp_data(struct ps_ep *ep, ps_assoc_id assoc, uint16_t stream,
		    uint32_t ppid, const void *buf, size_t len)
{
	struct ps_event ev = { .type = PS_EV_DATA, .assoc = assoc };
	const struct net_addr *from = fake_sctp_primary(ep, assoc);

	ev.u.data.stream = stream;
	ev.u.data.ppid = ppid;
	ev.u.data.buf = buf;
	ev.u.data.len = len;
	if (from)
		ev.u.data.from = *from;
	fake_sctp_push_event(ep, &ev);
}

void fake_sctp_send_failed(struct ps_ep *ep, ps_assoc_id assoc,
			   const struct ps_sndinfo *si, const void *buf,
			   size_t len, bool unsent)
{
	struct ps_event ev = { .type = PS_EV_SEND_FAILED, .assoc = assoc };

	ev.u.send_failed.unsent = unsent;
	ev.u.send_failed.stream = si->stream;
	ev.u.send_failed.ppid = si->ppid;
	ev.u.send_failed.context = si->context;
	ev.u.send_failed.flags = si->flags;
	ev.u.send_failed.buf = buf;
	ev.u.send_failed.len = len;
	fake_sctp_push_event(ep, &ev);
}

int fake_sctp_fail_sent(struct ps_ep *ep, unsigned int i, bool unsent)
{
	const struct fake_sctp_msg *m = fake_sctp_sent(ep, i);

	if (!m)
		return -ENOENT;
	fake_sctp_send_failed(ep, m->assoc, &m->si, m->buf, m->len, unsent);
	return 0;
}

void fake_sctp_paddr(struct ps_ep *ep, ps_assoc_id assoc,
		     const struct net_addr *addr, enum ps_addr_state state)
{
	struct ps_event ev = { .type = PS_EV_PEER_ADDR_CHANGE, .assoc = assoc };

	ev.u.paddr.addr = *addr;
	ev.u.paddr.state = state;
	fake_sctp_push_event(ep, &ev);
}

/* --- faults and reset --------------------------------------------------- */

void fake_sctp_fail_next(enum fake_sctp_op op, int err, unsigned int count)
{
	if (op >= FAKE_SCTP_NOPS)
		return;
	faults[op].err = err;
	faults[op].count = err ? count : 0;
}

void fake_sctp_set_writable(struct ps_ep *ep, bool writable)
{
	ep->unwritable = !writable;
	if (!ep->closed)
		update_ready(ep);
}

void fake_sctp_set_send_budget(struct ps_ep *ep, int64_t n)
{
	ep->send_budget = n;
	fake_sctp_set_writable(ep, n != 0);
}

void fake_sctp_set_max_send(struct ps_ep *ep, size_t max)
{
	ep->max_send = max;
}

void fake_sctp_reset(void)
{
	for (unsigned int i = 0; i < neps; i++) {
		struct ps_ep *ep = eps[i];

		fake_fd_set_ready(ep->fd, 0);
		drop_queue(ep);
		free_sent(ep);
		for (unsigned int k = 0; k < ep->nout; k++)
			free(ep->outq[k].buf);
		free(ep->outq);
		free(ep->calls);
		free(ep->assocs);
		free(ep);
	}
	free(eps);
	eps = NULL;
	neps = open_calls = 0;
	wire = false;
	memset(faults, 0, sizeof(faults));
}

int ps_set_stream_prio(struct ps_ep *ep, ps_assoc_id assoc, uint16_t stream,
		       uint16_t prio)
{
	struct fake_sctp_call c = { .op = FAKE_SCTP_STREAM_PRIO, .assoc = assoc,
				    .stream = stream, .prio = prio };
	int err;

	check_open(ep, "ps_set_stream_prio");
	ep->counts[FAKE_SCTP_STREAM_PRIO]++;
	err = fault(FAKE_SCTP_STREAM_PRIO);
	if (!err && !find_assoc(ep, assoc))
		err = -ENOENT;
	log_call(ep, &c, err);
	return err;
}

/* --- SCTP-AUTH ---------------------------------------------------------- */

static struct fake_auth_key *key_find(struct fassoc *a, uint16_t id)
{
	for (unsigned int i = 0; i < a->nkeys; i++)
		if (a->keys[i].id == id)
			return &a->keys[i];
	return NULL;
}

int ps_auth_setup(struct ps_ep *ep, const uint8_t *chunks, unsigned int n,
		  const uint16_t *hmacs, unsigned int n_hmacs)
{
	bool sha1 = false;
	int err;

	check_open(ep, "ps_auth_setup");
	err = fault(FAKE_SCTP_AUTH);
	if (err)
		return err;
	if (!n || n > PS_AUTH_MAX_CHUNKS || !n_hmacs || n_hmacs > 8)
		return -EINVAL;
	for (unsigned int i = 0; i < n_hmacs; i++)
		sha1 |= hmacs[i] == PS_HMAC_SHA1;
	if (!sha1)
		return -EINVAL;		/* Linux insists on SHA-1 (RFC 4895) */
	memcpy(ep->auth_chunks, chunks, n);
	ep->nauth_chunks = n;
	memcpy(ep->hmacs, hmacs, n_hmacs * sizeof(*hmacs));
	ep->nhmacs = n_hmacs;
	ep->auth = true;
	return 0;
}

int ps_auth_chunks(struct ps_ep *ep, ps_assoc_id assoc, bool peer,
		   uint8_t *out, unsigned int max, unsigned int *n)
{
	struct fassoc *a;
	const uint8_t *src;
	unsigned int k;

	check_open(ep, "ps_auth_chunks");
	a = find_assoc(ep, assoc);
	if (!a)
		return -ENOENT;
	if (!ep->auth)
		return -EACCES;
	src = peer && a->npeer_chunks >= 0 ? a->peer_chunks : ep->auth_chunks;
	k = peer && a->npeer_chunks >= 0 ? (unsigned int)a->npeer_chunks : ep->nauth_chunks;
	*n = k < max ? k : max;
	memcpy(out, src, *n);
	return 0;
}

int ps_auth_key_set(struct ps_ep *ep, ps_assoc_id assoc, uint16_t id,
		    const uint8_t *key, size_t len)
{
	struct fassoc *a;
	struct fake_auth_key *k;
	int err;

	check_open(ep, "ps_auth_key_set");
	err = fault(FAKE_SCTP_AUTH);
	if (err)
		return err;
	a = find_assoc(ep, assoc);
	if (!a)
		return -ENOENT;
	if (!ep->auth)
		return -EACCES;
	if (len > sizeof(k->key))
		return -EINVAL;
	k = key_find(a, id);
	if (!k) {
		if (a->nkeys == FAKE_AUTH_KEYS)
			return -ENOMEM;
		k = &a->keys[a->nkeys++];
	}
	memset(k, 0, sizeof(*k));
	k->id = id;
	k->len = len;
	if (len)
		memcpy(k->key, key, len);
	return 0;
}

int ps_auth_key(struct ps_ep *ep, ps_assoc_id assoc, uint16_t id,
		enum ps_auth_op op)
{
	struct fassoc *a;
	struct fake_auth_key *k;
	int err;

	check_open(ep, "ps_auth_key");
	err = fault(FAKE_SCTP_AUTH);
	if (err)
		return err;
	a = find_assoc(ep, assoc);
	if (!a)
		return -ENOENT;
	if (!ep->auth)
		return -EACCES;
	k = key_find(a, id);
	if (!k)
		return -EINVAL;
	if (op == PS_AUTH_ACTIVATE) {
		if (k->deactivated)
			return -EINVAL;	/* Linux refuses a deactivated key */
		a->active_key = id;
		return 0;
	}
	if (a->active_key == id)
		return -EINVAL;		/* never the active key */
	if (op == PS_AUTH_DEACTIVATE) {
		k->deactivated = true;
		return 0;
	}
	*k = a->keys[--a->nkeys];
	return 0;
}

int ps_assoc_pending(struct ps_ep *ep, ps_assoc_id assoc, unsigned int *chunks)
{
	struct fassoc *a;

	check_open(ep, "ps_assoc_pending");
	a = find_assoc(ep, assoc);
	if (!a)
		return -ENOENT;
	*chunks = a->pending;
	return 0;
}

bool fake_sctp_auth_enabled(const struct ps_ep *ep)
{
	return ep->auth;
}

unsigned int fake_sctp_auth_required(const struct ps_ep *ep, uint8_t *out,
				     unsigned int max)
{
	unsigned int n = ep->nauth_chunks < max ? ep->nauth_chunks : max;

	memcpy(out, ep->auth_chunks, n);
	return n;
}

int fake_sctp_set_peer_auth(struct ps_ep *ep, ps_assoc_id assoc,
			    const uint8_t *chunks, int n)
{
	struct fassoc *a = find_assoc(ep, assoc);

	if (!a)
		return -ENOENT;
	if (n > PS_AUTH_MAX_CHUNKS)
		return -EINVAL;
	if (n > 0)
		memcpy(a->peer_chunks, chunks, (size_t)n);
	a->npeer_chunks = n;
	return 0;
}

const struct fake_auth_key *fake_sctp_key(const struct ps_ep *ep,
					  ps_assoc_id assoc, uint16_t id)
{
	struct fassoc *a = find_assoc(ep, assoc);

	return a ? key_find(a, id) : NULL;
}

unsigned int fake_sctp_nkeys(const struct ps_ep *ep, ps_assoc_id assoc)
{
	const struct fassoc *a = find_assoc(ep, assoc);

	return a ? a->nkeys : 0;
}

int fake_sctp_active_key(const struct ps_ep *ep, ps_assoc_id assoc)
{
	const struct fassoc *a = find_assoc(ep, assoc);

	return a ? a->active_key : -1;
}

void fake_sctp_set_pending(struct ps_ep *ep, ps_assoc_id assoc,
			   unsigned int chunks)
{
	struct fassoc *a = find_assoc(ep, assoc);

	if (a)
		a->pending = chunks;
}

void fake_sctp_auth_event(struct ps_ep *ep, ps_assoc_id assoc,
			  uint32_t indication, uint16_t key)
{
	struct ps_event ev = { .type = PS_EV_AUTH, .assoc = assoc };

	ev.u.auth.indication = indication;
	ev.u.auth.keynumber = key;
	fake_sctp_push_event(ep, &ev);
}

void fake_sctp_sender_dry(struct ps_ep *ep, ps_assoc_id assoc)
{
	struct ps_event ev = { .type = PS_EV_SENDER_DRY, .assoc = assoc };

	fake_sctp_set_pending(ep, assoc, 0);
	fake_sctp_push_event(ep, &ev);
}

/* --- wire mode ------------------------------------------------------------
 * The endpoints of one process talk to each other as over a loopback
 * link: a connect reaches the listening endpoint bound to one of its
 * addresses and port (COMM_UP on both ends, none: CANT_STR_ASSOC), DATA
 * arrives with its stream, ppid, flags and the sender's address, a
 * receiver holds at most FAKE_WIRE_RWND unread bytes and the rest waits at
 * the sender (FAKE_WIRE_SNDBUF, then -EAGAIN), EOF delivers what is queued
 * then SHUTDOWN / SHUTDOWN_COMP, ABORT returns what is queued as
 * SEND_FAILED (unsent) and ends both ends with COMM_LOST, and ps_close
 * aborts what is still up. For the conformance suite (tests/conformance).
 */
void fake_sctp_wire(bool on)
{
	wire = on;
}

static struct ps_ep *listener_of(const struct ps_ep *self,
				 const struct net_addr *addrs, unsigned int n)
{
	for (unsigned int i = 0; i < neps; i++) {
		struct ps_ep *l = eps[i];

		if (l == self || l->closed || !l->cfg.listen)
			continue;
		for (unsigned int k = 0; k < n; k++)
			if (addrs[k].port == l->cfg.port && local_index(l, &addrs[k]) >= 0)
				return l;
	}
	return NULL;
}

static void push_assoc(struct ps_ep *ep, ps_assoc_id id, enum ps_assoc_state st,
		       uint16_t out, uint16_t in)
{
	struct ps_event ev = { .type = PS_EV_ASSOC_CHANGE, .assoc = id };

	ev.u.assoc.state = st;
	ev.u.assoc.out_streams = out;
	ev.u.assoc.in_streams = in;
	if (st == PS_COMM_UP)
		ev.u.assoc.features = PS_FEAT_PR | PS_FEAT_ASCONF | PS_FEAT_RECONFIG;
	fake_sctp_push_event(ep, &ev);
}

static uint16_t min16(uint16_t a, uint16_t b)
{
	a = a ? a : DEFAULT_STREAMS;
	b = b ? b : DEFAULT_STREAMS;
	return a < b ? a : b;
}

/* The peer's addresses: the listener's bound ones, with its port. */
static unsigned int addrs_of(const struct ps_ep *ep, struct net_addr *out)
{
	unsigned int n = ep->nlocal < PS_MAX_ADDRS ? ep->nlocal : PS_MAX_ADDRS;

	for (unsigned int i = 0; i < n; i++) {
		out[i] = ep->local[i];
		out[i].port = ep->cfg.port;
	}
	return n;
}

static void wire_connect(struct ps_ep *ep, struct fassoc *a)
{
	struct ps_ep *l = listener_of(ep, a->addrs, a->n);
	struct net_addr pa[PS_MAX_ADDRS];
	struct fassoc *b;
	uint16_t out, in;
	ps_assoc_id aid = a->id;

	if (!l) {		/* nobody answers: INIT gives up */
		push_assoc(ep, aid, PS_CANT_STR_ASSOC, 0, 0);
		return;
	}
	b = new_assoc(l, l->next_id, pa, addrs_of(ep, pa));
	a = find_assoc(ep, aid);	/* new_assoc may move the table */
	a->n = addrs_of(l, a->addrs);
	a->peer = l;
	a->peer_id = b->id;
	b->peer = ep;
	b->peer_id = aid;
	out = min16(ep->cfg.out_streams, l->cfg.in_streams);
	in = min16(l->cfg.out_streams, ep->cfg.in_streams);
	push_assoc(ep, aid, PS_COMM_UP, out, in);
	push_assoc(l, b->id, PS_COMM_UP, in, out);
}

static void finish_shutdown(struct ps_ep *ep, struct fassoc *a)
{
	struct fassoc *b = find_assoc(a->peer, a->peer_id);
	struct ps_event sh = { .type = PS_EV_SHUTDOWN, .assoc = a->peer_id };

	a->shutdown_pending = false;
	fake_sctp_push_event(a->peer, &sh);
	push_assoc(a->peer, a->peer_id, PS_SHUTDOWN_COMP, 0, 0);
	push_assoc(ep, a->id, PS_SHUTDOWN_COMP, 0, 0);
	if (b)
		b->peer = NULL;
	a->peer = NULL;
}

static bool queued_for(const struct ps_ep *ep, ps_assoc_id id)
{
	for (unsigned int i = 0; i < ep->nout; i++)
		if (ep->outq[i].from_id == id)
			return true;
	return false;
}

/* Move what the receivers have room for, oldest first; what waits keeps
 * its order (a full receiver stays full for the rest of the pass). */
static void pump(struct ps_ep *ep)
{
	unsigned int keep = 0;

	for (unsigned int i = 0; i < ep->nout; i++) {
		struct wmsg m = ep->outq[i];
		struct fassoc *a = find_assoc(ep, m.from_id);
		struct ps_event ev = { .type = PS_EV_DATA };
		struct ps_ep *to = a ? a->peer : NULL;

		if (to && to->rx_bytes >= FAKE_WIRE_RWND) {
			ep->outq[keep++] = m;
			continue;
		}
		if (to) {
			ev.assoc = a->peer_id;
			ev.u.data.stream = m.si.stream;
			ev.u.data.ppid = m.si.ppid;
			ev.u.data.unordered = (m.si.flags & PS_SEND_UNORDERED) != 0;
			ev.u.data.buf = m.buf;
			ev.u.data.len = m.len;
			if (ep->nlocal)
				ev.u.data.from = ep->local[0];
			ev.u.data.from.port = ep->cfg.port;
			fake_sctp_push_event(to, &ev);
			to->rx_bytes += m.len;
		}
		ep->out_bytes -= m.len;
		free(m.buf);
	}
	ep->nout = keep;
	for (unsigned int k = 0; k < ep->nassocs; k++)
		if (ep->assocs[k].shutdown_pending && ep->assocs[k].peer &&
		    !queued_for(ep, ep->assocs[k].id))
			finish_shutdown(ep, &ep->assocs[k]);
	update_ready(ep);
}

static void abort_assoc(struct ps_ep *ep, struct fassoc *a)
{
	struct fassoc *b = find_assoc(a->peer, a->peer_id);

	for (unsigned int i = 0; i < ep->nout;) {
		struct wmsg *m = &ep->outq[i];

		if (m->from_id != a->id) {
			i++;
			continue;
		}
		fake_sctp_send_failed(ep, a->id, &m->si, m->buf, m->len, true);
		ep->out_bytes -= m->len;
		free(m->buf);
		memmove(m, m + 1, (ep->nout - i - 1) * sizeof(*m));
		ep->nout--;
	}
	push_assoc(a->peer, a->peer_id, PS_COMM_LOST, 0, 0);
	push_assoc(ep, a->id, PS_COMM_LOST, 0, 0);
	if (b)
		b->peer = NULL;
	a->peer = NULL;
}

static void wire_send(struct ps_ep *ep, struct fassoc *a,
		      const struct ps_sndinfo *si, const void *buf, size_t len)
{
	struct wmsg *m;

	if (si->flags & PS_SEND_ABORT) {
		abort_assoc(ep, a);
		return;
	}
	if (len) {
		if (ep->nout == ep->capout) {
			ep->capout = ep->capout ? 2 * ep->capout : 16;
			ep->outq = xrealloc(ep->outq, ep->capout * sizeof(*ep->outq));
		}
		m = &ep->outq[ep->nout++];
		m->si = *si;
		m->from_id = a->id;
		m->buf = dup_buf(buf, len);
		m->len = len;
		ep->out_bytes += len;
	}
	if (si->flags & PS_SEND_EOF)
		a->shutdown_pending = true;
	pump(ep);
}

/* @ep read @len bytes of DATA: senders may move more. */
static void wire_received(struct ps_ep *ep, size_t len)
{
	ep->rx_bytes -= len < ep->rx_bytes ? len : ep->rx_bytes;
	for (unsigned int i = 0; i < neps; i++)
		if (!eps[i]->closed && eps[i]->nout)
			pump(eps[i]);
}

static void wire_close(struct ps_ep *ep)
{
	for (unsigned int i = 0; i < ep->nassocs; i++) {
		struct fassoc *a = &ep->assocs[i];
		struct fassoc *b;

		if (!a->peer || a->peer->closed)
			continue;
		b = find_assoc(a->peer, a->peer_id);
		push_assoc(a->peer, a->peer_id, PS_COMM_LOST, 0, 0);
		if (b)
			b->peer = NULL;
		a->peer = NULL;
	}
	for (unsigned int i = 0; i < neps; i++)	/* nothing flows to it now */
		for (unsigned int k = 0; k < eps[i]->nassocs; k++)
			if (eps[i]->assocs[k].peer == ep)
				eps[i]->assocs[k].peer = NULL;
}
