/* SPDX-License-Identifier: MIT */
/*
 * Multihoming policy (see paths.h). Peer paths are per association; local
 * paths are agent-wide. Preference = the local path's priority (lower is
 * better), then config order; an address not tied to a path ("@path"
 * missing) ranks after every tied one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/agent_int.h"
#include "agent/mq.h"
#include "agent/paths.h"
#include "agent/paths_int.h"
#include "port/clock.h"
#include "port/loop.h"

#define RECENT_MAX 64		/* messages kept per association for resend */
#define BIND_TRIES 10		/* a new address not yet routable: retries */
#define BIND_RETRY_MS 200
#define PRIM_ECHO_MS 2000	/* our MADE_PRIM is read well within this */

const struct cfg_path *paths_cfg(const struct agent *ag, int p)
{
	return p >= 0 ? &ag->cfg->paths[p] : NULL;
}

static unsigned int rank(const struct assoc *a, int i)
{
	const struct cfg_path *p = paths_cfg(a->ag, a->peers[i].path);

	return (p ? p->priority : 256u) * 16u + (unsigned int)i;
}

bool paths_local_up(const struct agent *ag, int p)
{
	return p < 0 || !ag->lpaths[p].link_known || ag->lpaths[p].link_up;
}

static bool usable(const struct assoc *a, int i)
{
	const struct peer_path *pp = &a->peers[i];

	/* RFC 9260: no data to an address before it is CONFIRMED */
	return paths_local_up(a->ag, pp->path) && pp->state != PS_PATH_INACTIVE &&
	       pp->state != PS_PATH_PF && pp->state != PS_PATH_UNCONFIRMED;
}

int paths_best(const struct assoc *a)
{
	int best = -1;

	for (int i = 0; i < (int)a->n_peers; i++)
		if (usable(a, i) && (best < 0 || rank(a, i) < rank(a, best)))
			best = i;
	return best;
}

static int peer_index(const struct assoc *a, const struct net_addr *addr)
{
	for (unsigned int i = 0; i < a->n_peers; i++)
		if (net_addr_same_host(&a->peers[i].addr, addr))
			return (int)i;
	return -1;
}

const char *paths_peer_name(const struct assoc *a, int i)
{
	const struct cfg_path *p = paths_cfg(a->ag, a->peers[i].path);

	return p ? p->name : "-";
}

/* Send again what went out in the last @window_ms: it may sit on a dead
 * link until T3 fires. The controller deduplicates by (stream, seq).
 * @unordered: the local link died, so the stack has not timed out the
 * originals yet. An ordered copy would wait behind them in the peer's
 * stream until T3 fires on the dead path and they come on the new one
 * (bench: 80 ms, not the 45 of the cell path alone); unordered it is
 * delivered on arrival and the original comes later as a duplicate. */
static void resend_recent(struct assoc *a, uint32_t window_ms, bool unordered)
{
	uint64_t now = clock_mono_ms();
	unsigned int n = 0;

	for (unsigned int i = 0; i < mq_len(a->recent); i++) {
		const struct mq_msg *m = mq_at(a->recent, i);
		struct ps_sndinfo si = { .assoc = a->id, .stream = m->stream,
			.ppid = MSG_PPID,
			.flags = (unordered ? PS_SEND_UNORDERED : m->flags & PS_SEND_UNORDERED) |
				 paths_tx(a),
			.lifetime_ms = m->lifetime_ms, .context = m->seq };

		if (m->at_ms + window_ms < now || m->stream == MSG_STREAM_CTRL)
			continue;
		/* through the secure channel when there is one (seam (a)) */
		if (!(a->env->channel_send ?
		      a->env->channel_send(a->env->arg, a, &si, m->data, m->len) :
		      ps_send(a->ag->ep, &si, m->data, m->len)))
			n++;
	}
	a->st.resent += n;
	if (n)
		ALOG(a, LOG_INFO, "re-sent %u message(s) of the last %u ms on the "
		     "new primary", n, window_ms);
}

/* How far back messages may still be unacknowledged on a dead path: two
 * of its current RTOs as the stack reports them (one for the data, one for
 * the SACK that never came), at most the path's rto_max. Resending more
 * only floods the new path. */
static uint32_t inflight_window(struct assoc *a, int dead)
{
	const struct cfg_path *p = paths_cfg(a->ag, a->peers[dead].path);
	uint32_t cap = p ? p->rto_max_ms : 1000, rto = cap;
	struct ps_path_info info[PS_MAX_ADDRS];
	unsigned int n = 0;

	if (!ps_paths(a->ag->ep, a->id, info, PS_MAX_ADDRS, &n))
		for (unsigned int k = 0; k < n; k++)
			if (net_addr_same_host(&info[k].addr, &a->peers[dead].addr) &&
			    info[k].rto_ms)
				rto = info[k].rto_ms;
	return 2 * rto + 20 < cap ? 2 * rto + 20 : cap;
}

static void set_primary(struct assoc *a, int i, const char *why)
{
	char addr[NET_ADDR_STRLEN];
	int old = a->primary, rc;
	bool failover = old >= 0 && !usable(a, old);

	if (i < 0 || i == a->primary)
		return;
	net_addr_format(&a->peers[i].addr, addr, sizeof(addr));
	rc = ps_set_primary(a->ag->ep, a->id, &a->peers[i].addr);
	if (rc) {
		ALOG(a, LOG_WARN, "set primary %s failed: %s", addr, strerror(-rc));
		return;
	}
	a->primary = i;
	a->peers[i].prim_echo = true;
	a->peers[i].prim_ms = clock_mono_ms();
	health_primary_changed(a);
	if (failover)
		a->st.failovers++;
	else if (a->peers[i].failed)
		a->st.failbacks++;	/* back to a path that had failed */
	ALOG(a, LOG_INFO, "primary -> %s (path %s): %s", addr, paths_peer_name(a, i), why);
}

static void arm_failback(struct assoc *a, int best)
{
	const struct cfg_path *p = paths_cfg(a->ag, a->peers[best].path);
	uint32_t hold = p ? p->failback_hold_ms : 0;
	uint64_t now = clock_mono_ms(), since = a->peers[best].good_since_ms;

	if (since && now >= since + hold) {
		set_primary(a, best, "preferred path stable for the hold-down");
		return;
	}
	if (!loop_timer_armed(a->failback_timer))
		loop_timer_at(a->failback_timer, (since ? since : now) + hold, 0);
}

/* Re-evaluate after any change. @urgent: the primary just failed. */
static void evaluate(struct assoc *a, const char *why)
{
	int best;

	if (a->state != AS_UP || !a->n_peers)
		return;
	best = paths_best(a);
	if (best < 0) {
		ALOG(a, LOG_WARN, "no usable path (%s); SCTP keeps trying", why);
		return;
	}
	if (a->primary < 0 || !usable(a, a->primary)) {
		int dead = a->primary;

		set_primary(a, best, why);
		if (dead >= 0 && a->primary == best)
			resend_recent(a, inflight_window(a, dead),
				      !paths_local_up(a->ag, a->peers[dead].path));
		return;
	}
	if (rank(a, best) >= rank(a, a->primary)) {
		loop_timer_stop(a->failback_timer);
		return;
	}
	/* a preferred path that never failed (say, confirmed after INIT went
	 * out on another) takes over at once; one that failed must first
	 * prove itself for the hold-down */
	if (!a->peers[best].failed)
		set_primary(a, best, "preferred path usable");
	else
		arm_failback(a, best);
}

static void on_failback(void *arg, struct loop_timer *t)
{
	struct assoc *a = arg;

	(void)t;
	evaluate(a, "failback check");
}

static uint32_t confirm_limit(const struct assoc *a, unsigned int i)
{
	const struct cfg_path *p = paths_cfg(a->ag, a->peers[i].path);

	return p ? p->confirm_timeout_ms : 10000;
}

/* Each peer path has its own path's confirm_timeout_ms from COMM_UP. */
static void on_confirm_timeout(void *arg, struct loop_timer *t)
{
	struct assoc *a = arg;
	uint64_t now = clock_mono_ms(), next = UINT64_MAX;

	(void)t;
	for (unsigned int i = 0; i < a->n_peers; i++) {
		struct peer_path *pp = &a->peers[i];
		uint64_t due = a->up_ms + confirm_limit(a, i);
		char addr[NET_ADDR_STRLEN];

		if (pp->confirmed || pp->alarmed)
			continue;
		if (now < due) {
			next = due < next ? due : next;
			continue;
		}
		net_addr_format(&pp->addr, addr, sizeof(addr));
		pp->alarmed = true;
		a->unconfirmed_alarm = true;
		ALOG(a, LOG_ERR, "ALARM: peer address %s (path %s) never CONFIRMED "
		     "in %u ms: SCTP will not fail over to it", addr,
		     paths_peer_name(a, (int)i), confirm_limit(a, i));
	}
	if (next != UINT64_MAX)
		loop_timer_at(a->confirm_timer, next, 0);
}

static void set_peer_state(struct assoc *a, int i, enum ps_path_state s)
{
	struct peer_path *pp = &a->peers[i];
	bool was = usable(a, i);

	pp->state = s;
	pp->changed_ms = clock_mono_ms();
	if (!usable(a, i) && s != PS_PATH_UNCONFIRMED) {
		pp->good_since_ms = 0;
		pp->failed = true;
	} else if (!usable(a, i))
		pp->good_since_ms = 0;
	else if (!was || !pp->good_since_ms)
		pp->good_since_ms = pp->changed_ms;
}

static void apply_params(struct assoc *a)
{
	const struct config *c = a->ag->cfg;
	struct ps_path_params ap = { .assoc_max_retrans = c->agent.assoc_max_retrans,
				     .pf_threshold = PS_PF_UNSET };
	int best = -1;

	for (unsigned int i = 0; i < a->n_peers; i++) {
		const struct cfg_path *p = paths_cfg(a->ag, a->peers[i].path);
		struct ps_path_params pp = { .pf_threshold = PS_PF_UNSET };
		int rc;

		if (!p)
			continue;
		if (best < 0 || rank(a, (int)i) < rank(a, best))
			best = (int)i;
		pp.hb_interval_ms = p->hb_interval_ms;
		pp.path_max_retrans = p->path_max_retrans;
		pp.pf_threshold = p->pf_threshold;
		/* a sparse-heartbeat backup path would otherwise meet its first
		 * data with the association's initial RTO and no RTT sample:
		 * spurious timeouts exactly when it takes over */
		pp.hb_now = health_hb_due(a, (int)i);
		rc = ps_set_path_params(a->ag->ep, a->id, &a->peers[i].addr, &pp);
		if (rc)
			ALOG(a, LOG_WARN, "path %s parameters refused: %s", p->name,
			     strerror(-rc));
	}
	/* RTO bounds are per association in SCTP: the preferred path's, but
	 * the floor follows the primary and what the peer shows of its SACK
	 * delay (paths_health.c); until then it starts conservative */
	if (best >= 0) {
		const struct cfg_path *p = paths_cfg(a->ag, a->peers[best].path);
		ap.rto_initial_ms = p->rto_initial_ms;
		ap.rto_min_ms = health_start_floor(p->rto_min_ms, p->rto_max_ms);
		ap.rto_max_ms = p->rto_max_ms;
		a->pol.rto_max_ms = p->rto_max_ms;
		a->pol.floor_ms = ap.rto_min_ms;
	}
	if (ps_set_path_params(a->ag->ep, a->id, NULL, &ap))
		ALOG(a, LOG_WARN, "association parameters refused");
}

/* The preferred path's RTOs for every future association, so even INIT
 * retransmits on the board's timing, not the kernel's 3 s default. */
static void apply_defaults(struct agent *ag)
{
	const struct cfg_path *best = NULL;
	struct ps_path_params ap = { .pf_threshold = PS_PF_UNSET };

	for (unsigned int p = 0; p < ag->cfg->n_paths; p++)
		if (!best || ag->cfg->paths[p].priority < best->priority)
			best = &ag->cfg->paths[p];
	/* the first messages of an association go before the peer showed
	 * how fast it SACKs: an initial RTO above a delayed SACK (their RTO
	 * is the initial one until a round trip is measured) */
	ap.rto_initial_ms = best->rto_initial_ms;
	if (ap.rto_initial_ms < health_start_floor(best->rto_min_ms, best->rto_max_ms))
		ap.rto_initial_ms = health_start_floor(best->rto_min_ms, best->rto_max_ms);
	ap.rto_min_ms = best->rto_min_ms;
	ap.rto_max_ms = best->rto_max_ms;
	if (ps_set_path_params(ag->ep, 0, NULL, &ap))
		LOG(LOGM_PATHS, LOG_WARN, "default RTOs for new associations refused");
}

void paths_reapply(struct agent *ag)
{
	apply_defaults(ag);
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		if (assoc_state(ag->assocs[i]) == AS_UP)
			apply_params(ag->assocs[i]);
}

/* Controller addresses for INIT: those whose local link is up first, by
 * path priority, so INIT does not start on a dead link. */
unsigned int paths_connect_order(const struct agent *ag, const struct cfg_controller *c,
				 struct net_addr *out)
{
	unsigned int n = 0;

	for (int pass = 0; pass < 2; pass++)
		for (unsigned int prio = 0; prio <= 256; prio++)
			for (unsigned int i = 0; i < c->n_addrs; i++) {
				int p = c->addr_path[i];
				unsigned int pr = p >= 0 ? ag->cfg->paths[p].priority : 256;
				if (pr == prio && paths_local_up(ag, p) == (pass == 0))
					out[n++] = c->addrs[i];
			}
	return n;
}

void paths_assoc_up(struct assoc *a)
{
	struct ps_path_info info[PS_MAX_ADDRS];
	unsigned int n = 0;
	uint32_t confirm = UINT32_MAX;

	a->n_peers = a->cfg->n_addrs;
	a->up_ms = clock_mono_ms();
	health_assoc_up(a);
	a->primary = -1;
	a->unconfirmed_alarm = false;
	for (unsigned int i = 0; i < a->n_peers; i++) {
		const struct cfg_path *p;
		a->peers[i] = (struct peer_path){ .addr = a->cfg->addrs[i],
			.path = a->cfg->addr_path[i], .state = PS_PATH_UNCONFIRMED };
		(void)p;
		if (confirm_limit(a, i) < confirm)
			confirm = confirm_limit(a, i);
	}
	if (!ps_paths(a->ag->ep, a->id, info, PS_MAX_ADDRS, &n))
		for (unsigned int k = 0; k < n; k++) {
			int i = peer_index(a, &info[k].addr);
			if (i < 0)
				continue;
			set_peer_state(a, i, info[k].state);
			a->peers[i].confirmed = info[k].state == PS_PATH_ACTIVE ||
						info[k].state == PS_PATH_PF;
			if (info[k].primary)
				a->primary = i;
		}
	apply_params(a);
	loop_timer_in(a->confirm_timer, confirm);
	evaluate(a, "association up");
}

void paths_assoc_down(struct assoc *a)
{
	loop_timer_stop(a->failback_timer);
	loop_timer_stop(a->confirm_timer);
	mq_clear(a->recent);
	a->primary = -1;
}

/* Linux reports every SCTP_PRIMARY_ADDR set as MADE_PRIM, ours too.
 * Ours was handled by set_primary(): handling it again sent a second
 * demand heartbeat while the first was unanswered, which Linux counts as
 * a strike (sctp_do_8_2_transport_strike): at pf_threshold 0 the new
 * primary went PF at once, another failover per failback. A late echo of
 * an earlier choice must not take the primary back either. Only a change
 * the stack made on its own is news. */
static void made_prim(struct assoc *a, int i)
{
	struct peer_path *pp = &a->peers[i];
	bool ours = pp->prim_echo && clock_mono_ms() - pp->prim_ms <= PRIM_ECHO_MS;

	pp->prim_echo = false;
	if (ours || i == a->primary)
		return;
	a->primary = i;
	health_primary_changed(a);
}

static void on_nl(void *arg, int fd, uint32_t events);

void paths_on_peer(struct assoc *a, const struct ps_event *ev)
{
	int i;
	char addr[NET_ADDR_STRLEN];

	/* A link event queued beside this failure explains it: read it first
	 * (a busy loop may serve the SCTP socket first; the RTO on a dead
	 * link fires within the floor, before the loop comes round). */
	if ((ev->u.paddr.state == PS_ADDR_PF || ev->u.paddr.state == PS_ADDR_UNREACHABLE) &&
	    a->ag->nl)
		on_nl(a->ag, -1, 0);
	i = peer_index(a, &ev->u.paddr.addr);
	net_addr_format(&ev->u.paddr.addr, addr, sizeof(addr));
	if (i < 0 && ev->u.paddr.state == PS_ADDR_ADDED && a->n_peers < CONFIG_MAX_CTRL_ADDRS) {
		i = (int)a->n_peers++;
		a->peers[i] = (struct peer_path){ .addr = ev->u.paddr.addr, .path = -1,
						  .state = PS_PATH_UNCONFIRMED };
		if (!loop_timer_armed(a->confirm_timer))
			loop_timer_in(a->confirm_timer, confirm_limit(a, (unsigned int)i));
	}
	ALOG(a, health_level(a->ag, i >= 0 ? a->peers[i].path : -1, LOG_INFO),
	     "peer %s (path %s): %s", addr, i >= 0 ? paths_peer_name(a, i) : "?",
	     ps_addr_state_name(ev->u.paddr.state));
	if (i < 0)
		return;
	switch (ev->u.paddr.state) {
	case PS_ADDR_CONFIRMED:
		a->peers[i].confirmed = true;
		/* fall through */
	case PS_ADDR_AVAILABLE:
		set_peer_state(a, i, PS_PATH_ACTIVE);
		health_peer_ok(a, i);
		break;
	case PS_ADDR_UNREACHABLE:
		health_peer_failed(a, i, i == a->primary);
		/* fall through */
	case PS_ADDR_REMOVED:
		set_peer_state(a, i, PS_PATH_INACTIVE);
		break;
	case PS_ADDR_PF:
		health_peer_failed(a, i, i == a->primary);
		set_peer_state(a, i, PS_PATH_PF);
		break;
	case PS_ADDR_MADE_PRIM:
		made_prim(a, i);
		break;
	case PS_ADDR_ADDED:
		break;
	}
	evaluate(a, ps_addr_state_name(ev->u.paddr.state));
}

static int local_by_ifname(const struct agent *ag, const char *ifname)
{
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++)
		if (!strcmp(ag->cfg->paths[p].interface, ifname))
			return (int)p;
	return -1;
}

static int local_by_ifindex(const struct agent *ag, uint32_t ifindex)
{
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++)
		if (ag->lpaths[p].ifindex == ifindex && ifindex)
			return (int)p;
	return -1;
}

static void each_assoc(struct agent *ag, const char *why)
{
	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		struct assoc *a = &ag->assoc[i];
		/* peer states are per association; a local link is for all */
		for (unsigned int k = 0; k < a->n_peers; k++)
			if (usable(a, (int)k) && !a->peers[k].good_since_ms)
				a->peers[k].good_since_ms = clock_mono_ms();
			else if (!usable(a, (int)k) && !paths_local_up(ag, a->peers[k].path)) {
				a->peers[k].good_since_ms = 0;
				a->peers[k].failed = true;
			}
		evaluate(a, why);
	}
}

/* A link that comes back: a heartbeat to each controller address on it
 * now, so SCTP sees it AVAILABLE within a round trip rather than at its
 * next heartbeat (the failback hold-down starts from there). */
static void probe_path(struct agent *ag, int p)
{
	struct ps_path_params hb = { .hb_now = true, .pf_threshold = PS_PF_UNSET };

	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		struct assoc *a = &ag->assoc[i];
		for (unsigned int k = 0; a->state == AS_UP && k < a->n_peers; k++)
			if (a->peers[k].path == p) {
				/* asked even if one is unanswered: it was lost
				 * on the dead link, and the answer is what ends PF */
				(void)health_hb_due(a, (int)k);
				a->peers[k].hb_asked = true;
				a->peers[k].hb_ms = clock_mono_ms();
				(void)ps_set_path_params(ag->ep, a->id, &a->peers[k].addr, &hb);
			}
	}
}

static void on_link(struct agent *ag, int p, const struct pn_event *ev)
{
	struct local_path *lp = &ag->lpaths[p];
	bool was = lp->link_known ? lp->link_up : true;

	lp->ifindex = ev->ifindex;
	lp->link_known = true;
	lp->link_up = ev->up;
	if (was == ev->up)
		return;
	lp->changed_ms = clock_mono_ms();
	lp->up_since_ms = ev->up ? lp->changed_ms : 0;
	if (!ev->up)
		health_path_failed(ag, p);
	LOG(LOGM_PATHS, health_level(ag, p, ev->up ? LOG_INFO : LOG_WARN),
	    "path=%s if=%s: link %s", ag->cfg->paths[p].name,
	    ag->cfg->paths[p].interface, ev->up ? "up" : "DOWN");
	if (ev->up)
		probe_path(ag, p);
	each_assoc(ag, ev->up ? "local link up" : "local link down");
}

static int held(const struct local_path *lp, const struct net_addr *addr)
{
	for (unsigned int i = 0; i < lp->n_addrs; i++)
		if (net_addr_same_host(&lp->addrs[i], addr))
			return (int)i;
	return -1;
}

static int pending_index(const struct local_path *lp, const struct net_addr *addr)
{
	for (unsigned int i = 0; i < lp->n_pending; i++)
		if (net_addr_same_host(&lp->pending[i].addr, addr))
			return (int)i;
	return -1;
}

static void pending_forget(struct local_path *lp, const struct net_addr *addr)
{
	int i = pending_index(lp, addr);

	if (i >= 0)
		lp->pending[i] = lp->pending[--lp->n_pending];
}

/* Keep @addr for another bind try; false once it had BIND_TRIES. */
static bool pending_retry(struct local_path *lp, const struct net_addr *addr)
{
	int i = pending_index(lp, addr);

	if (i < 0 && lp->n_pending == sizeof(lp->pending) / sizeof(lp->pending[0]))
		return false;
	if (i < 0) {
		i = (int)lp->n_pending++;
		lp->pending[i].addr = *addr;
		lp->pending[i].tries = 0;
	}
	if (lp->pending[i].tries++ >= BIND_TRIES) {
		pending_forget(lp, addr);
		return false;
	}
	if (!loop_timer_armed(lp->bind_timer))
		loop_timer_in(lp->bind_timer, BIND_RETRY_MS);
	return true;
}

/* An auto path follows its interface's addresses: bind a new one, drop
 * one that went away (ASCONF tells peers that support it). */
static void on_addr(struct agent *ag, int p, const struct pn_event *ev)
{
	struct local_path *lp = &ag->lpaths[p];
	bool add = ev->type == PN_ADDR_ADD;
	int i = held(lp, &ev->addr), rc;
	char addr[NET_ADDR_STRLEN];

	if (i >= 0 && add)
		lp->stale &= (uint8_t)~(1u << i);	/* still there (a re-dump) */
	if (!add)
		pending_forget(lp, &ev->addr);
	if (!ag->cfg->paths[p].addr_auto || (add ? i >= 0 : i < 0))
		return;		/* fixed address, or nothing changes for us */
	/* an IPv6 link-local address reaches no controller */
	if (ev->addr.family == NET_AF_INET6 && ev->addr.a[0] == 0xfe &&
	    (ev->addr.a[1] & 0xc0) == 0x80)
		return;
	if (add && lp->n_addrs == sizeof(lp->addrs) / sizeof(lp->addrs[0]))
		return;
	net_addr_format(&ev->addr, addr, sizeof(addr));
	rc = ps_bind_change(ag->ep, &ev->addr, add);
	/* the kernel announces an address before its local route exists:
	 * a bind that fails so is tried again shortly */
	if (add && rc == -EADDRNOTAVAIL && pending_retry(lp, &ev->addr)) {
		LOG(LOGM_PATHS, LOG_DEBUG, "path=%s: %s not usable yet, retrying",
		    ag->cfg->paths[p].name, addr);
		return;
	}
	pending_forget(lp, &ev->addr);
	LOG(LOGM_PATHS, rc ? LOG_WARN : LOG_INFO, "path=%s: %s local address %s%s%s",
	    ag->cfg->paths[p].name, add ? "add" : "remove", addr, rc ? ": " : "",
	    rc ? strerror(-rc) : "");
	for (unsigned int k = 0; add && !rc && k < ag->n_assoc; k++)
		if (ag->assoc[k].state == AS_UP && !(ag->assoc[k].features & PS_FEAT_ASCONF))
			ALOG(&ag->assoc[k], LOG_WARN, "peer does not support ASCONF: "
			     "it learns %s only on a new association", addr);
	if (add && !rc) {
		lp->addrs[lp->n_addrs++] = ev->addr;
	} else if (!add) {	/* gone from the interface: forget it anyway */
		unsigned int last = --lp->n_addrs;

		lp->addrs[i] = lp->addrs[last];
		lp->stale = (uint8_t)((lp->stale & ~(1u << i)) |
				      ((lp->stale >> last & 1u) << i));
		lp->stale &= (uint8_t)~(1u << last);
	}
}

static void on_bind_retry(void *arg, struct loop_timer *t)
{
	struct local_path *lp = arg;
	unsigned int n = lp->n_pending;
	struct net_addr a[sizeof(lp->pending) / sizeof(lp->pending[0])];

	(void)t;
	for (unsigned int i = 0; i < n; i++)
		a[i] = lp->pending[i].addr;
	for (unsigned int i = 0; i < n; i++) {
		struct pn_event ev = { .type = PN_ADDR_ADD, .ifindex = lp->ifindex,
				       .addr = a[i] };

		on_addr(lp->ag, lp->index, &ev);
	}
}

/* After an overrun every held address must be named again by the dump;
 * one that is not vanished while events were lost: drop it as if its
 * PN_ADDR_DEL had come. */
static void overrun(struct agent *ag)
{
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++)
		ag->lpaths[p].stale = (uint8_t)((1u << ag->lpaths[p].n_addrs) - 1);
}

static void dump_done(struct agent *ag)
{
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++) {
		struct local_path *lp = &ag->lpaths[p];

		for (unsigned int i = lp->n_addrs; i-- > 0;) {
			struct pn_event ev = { .type = PN_ADDR_DEL, .ifindex = lp->ifindex,
					       .addr = lp->addrs[i] };

			if (!(lp->stale >> i & 1u))
				continue;
			LOG(LOGM_PATHS, LOG_INFO, "path=%s: an address vanished while "
			    "netlink events were lost", ag->cfg->paths[p].name);
			on_addr(ag, (int)p, &ev);
		}
		lp->stale = 0;
	}
}

void paths_on_netlink(struct agent *ag, const struct pn_event *ev)
{
	int p = ev->ifname[0] ? local_by_ifname(ag, ev->ifname) :
				local_by_ifindex(ag, ev->ifindex);

	if (ev->type == PN_DUMP_DONE) {
		dump_done(ag);
		return;
	}
	if (p < 0)
		p = local_by_ifindex(ag, ev->ifindex);
	if (p < 0)
		return;
	if (ev->type == PN_LINK)
		on_link(ag, p, ev);
	else
		on_addr(ag, p, ev);
}

void paths_note_sent(struct assoc *a, uint16_t stream, uint32_t flags,
		     uint32_t lifetime_ms, uint32_t seq, const void *data,
		     size_t len)
{
	struct mq_msg m = { .stream = stream, .flags = flags, .lifetime_ms = lifetime_ms,
			    .seq = seq, .at_ms = clock_mono_ms(), .len = len };

	if (a->ag->cfg->n_paths < 2 || stream == MSG_STREAM_CTRL)
		return;		/* nothing to fail over to */
	if (mq_len(a->recent) == RECENT_MAX)
		mq_pop(a->recent);
	mq_push(a->recent, &m, data, false);
}

void paths_log_status(struct agent *ag)
{
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++)
		health_log_local(ag, (int)p);
	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		struct assoc *a = &ag->assoc[i];
		struct ps_path_info info[PS_MAX_ADDRS];
		unsigned int n = 0;

		if (a->state != AS_UP || ps_paths(ag->ep, a->id, info, PS_MAX_ADDRS, &n))
			continue;
		for (unsigned int k = 0; k < n; k++) {
			char addr[NET_ADDR_STRLEN];
			int pi = peer_index(a, &info[k].addr);
			net_addr_format(&info[k].addr, addr, sizeof(addr));
			ALOG(a, LOG_INFO, "path %s %s: %s%s srtt=%u rto=%u cwnd=%u mtu=%u "
			     "changed %llu ms ago", pi >= 0 ? paths_peer_name(a, pi) : "-", addr,
			     ps_path_state_name(info[k].state), info[k].primary ? " PRIMARY" : "",
			     info[k].srtt_ms, info[k].rto_ms, info[k].cwnd, info[k].mtu,
			     pi >= 0 ? (unsigned long long)(clock_mono_ms() - a->peers[pi].changed_ms) : 0ull);
		}
		health_log_status(a);
	}
}

static void on_nl(void *arg, int fd, uint32_t events)
{
	struct agent *ag = arg;
	struct pn_event ev;

	(void)fd, (void)events;
	for (int i = 0; i < 64; i++) {
		int rc = pn_recv(ag->nl, &ev);
		if (rc == -EAGAIN)
			break;
		if (rc == -ENOBUFS) {	/* lost events: ask for the whole state */
			LOG(LOGM_PATHS, LOG_WARN, "netlink overrun: re-reading links");
			overrun(ag);
			pn_request_dump(ag->nl);
			continue;
		}
		if (!rc)
			paths_on_netlink(ag, &ev);
	}
}

int paths_add_assoc(struct agent *ag, struct assoc *a)
{
	int rc;

	a->primary = -1;
	rc = loop_timer_new(ag->loop, on_failback, a, &a->failback_timer);
	rc = rc ? rc : loop_timer_new(ag->loop, on_confirm_timeout, a, &a->confirm_timer);
	return rc ? rc : mq_create(RECENT_MAX, &a->recent);
}

int paths_init(struct agent *ag)
{
	int rc;

	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		rc = paths_add_assoc(ag, &ag->assoc[i]);
		if (rc)
			return rc;
	}
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++) {
		struct local_path *lp = &ag->lpaths[p];
		lp->ag = ag;
		lp->index = (int)p;
		rc = loop_timer_new(ag->loop, on_bind_retry, lp, &lp->bind_timer);
		if (rc)
			return rc;
	}
	rc = health_init(ag);
	if (rc)
		return rc;
	if (!ag->cfg->n_paths)
		return 0;
	apply_defaults(ag);
	rc = pn_open(&ag->nl);
	if (rc) {
		LOG(LOGM_PATHS, LOG_WARN, "no link events (%s): failover relies on "
		    "SCTP alone", strerror(-rc));
		return 0;
	}
	rc = loop_watch(ag->loop, pn_fd(ag->nl), LOOP_IN, on_nl, ag);
	return rc ? rc : pn_request_dump(ag->nl);
}

void paths_fini(struct agent *ag)
{
	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		struct assoc *a = &ag->assoc[i];
		loop_timer_free(a->failback_timer);
		loop_timer_free(a->confirm_timer);
		mq_destroy(a->recent);
		a->failback_timer = a->confirm_timer = NULL;
		a->recent = NULL;
	}
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++) {
		loop_timer_free(ag->lpaths[p].bind_timer);
		ag->lpaths[p].bind_timer = NULL;
	}
	health_fini(ag);
	if (ag->nl) {
		loop_unwatch(ag->loop, pn_fd(ag->nl));
		pn_close(ag->nl);
		ag->nl = NULL;
	}
}
