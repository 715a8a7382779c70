/* SPDX-License-Identifier: MIT */
/*
 * Fast failover timers that need no help from the peer (see paths.h):
 * SACK-IMMEDIATELY per message on unmetered paths, the association's RTO
 * floor kept above the ack delay the peer shows, spurious failovers, and
 * one alarm for a flapping path. docs/BENCH-failover.md has the
 * measurements behind each choice.
 */
#include <errno.h>
#include <string.h>

#include "agent/agent_int.h"
#include "agent/paths.h"
#include "agent/paths_int.h"
#include "port/clock.h"
#include "port/loop.h"

/* Until a primary has shown a whole window of ack delays, its floor is
 * at least START_FLOOR_MS: above Linux's 200 ms delayed SACK, so a peer
 * that ignores the I bit cannot make the first RTOs fire spuriously, nor
 * can a few lucky samples in the busy first second of an association
 * (failover_steady: a 32 ms floor learned from three, then a SACK 33 ms
 * late and a failover 0.7 s after COMM_UP). */
#define START_FLOOR_MS 250u
#define PROMPT_SAMPLES PATHS_ACKD_SAMPLES
/* RFC 9260 6.2: a SACK is never delayed more than 500 ms, so a floor
 * above that gains nothing from the I bit. */
#define SACK_DELAY_MAX_MS 500u
/* Slack on "recovered within one RTO": the event reaches us late. */
#define SPURIOUS_SLACK_MS 50u
/* Failures of one path closer than this are one event (several
 * associations report the same loss). */
#define FAIL_DEDUP_MS 200u

uint32_t health_start_floor(uint32_t rto_min_ms, uint32_t rto_max_ms)
{
	uint32_t f = rto_min_ms > START_FLOOR_MS ? rto_min_ms : START_FLOOR_MS;

	return rto_max_ms && f > rto_max_ms ? rto_max_ms : f;
}

/* The path whose rto_min applies to peer path @i: its own, or for an
 * address tied to no path the preferred path's (as the association's). */
static const struct cfg_path *floor_cfg(const struct assoc *a, int i)
{
	const struct config *c = a->ag->cfg;
	const struct cfg_path *best = NULL;

	if (i >= 0 && a->peers[i].path >= 0)
		return paths_cfg(a->ag, a->peers[i].path);
	for (unsigned int p = 0; p < c->n_paths; p++)
		if (!best || c->paths[p].priority < best->priority)
			best = &c->paths[p];
	return best;
}

static uint32_t worst_ackd(const struct peer_path *pp)
{
	unsigned int n = pp->n_ackd < PATHS_ACKD_SAMPLES ? pp->n_ackd : PATHS_ACKD_SAMPLES;
	uint32_t m = 0;

	for (unsigned int k = 0; k < n; k++)
		if (pp->ackd[k] > m)
			m = pp->ackd[k];
	return m;
}

static void push_ackd(struct peer_path *pp, uint64_t ms)
{
	pp->ackd[pp->ackd_next] = ms > 60000 ? 60000 : (uint16_t)ms;
	pp->ackd_next = (pp->ackd_next + 1) % PATHS_ACKD_SAMPLES;
	if (pp->n_ackd < 1000)
		pp->n_ackd++;
}

/* Peer path @i as primary: its path's rto_min, but above the worst recent
 * ack delay by a quarter + 10 ms (an RTO below it fires before the SACK
 * comes), START_FLOOR_MS until the peer showed how fast it SACKs, and
 * never above the association's rto_max (Linux refuses min > max). */
static uint32_t floor_for(const struct assoc *a, int i)
{
	const struct cfg_path *p = floor_cfg(a, i);
	const struct peer_path *pp = &a->peers[i];
	uint32_t f = p ? p->rto_min_ms : 0, need = worst_ackd(pp) * 5 / 4 + 10;

	if (pp->n_ackd < PROMPT_SAMPLES)
		f = health_start_floor(f, 0);
	if (pp->n_ackd && need > f)
		f = need;
	if (a->pol.rto_max_ms && f > a->pol.rto_max_ms)
		f = a->pol.rto_max_ms;
	return f;
}

static void apply_floor(struct assoc *a)
{
	struct ps_path_params pp = { .pf_threshold = PS_PF_UNSET };
	const struct cfg_path *p;
	int i = a->primary, rc, old_peer = a->pol.floor_peer;
	uint32_t f, old = a->pol.floor_ms;

	if (i < 0 || a->state != AS_UP || !a->ag->cfg->n_paths)
		return;
	f = floor_for(a, i);
	/* lower lazily (a few ms are not worth a syscall), raise at once */
	if (i == old_peer && (f == old || (f < old && old - f < 5)))
		return;
	pp.rto_min_ms = f;
	rc = ps_set_path_params(a->ag->ep, a->id, NULL, &pp);
	if (rc) {
		ALOG(a, LOG_WARN, "RTO floor %u ms refused: %s", f, strerror(-rc));
		return;
	}
	a->pol.floor_ms = f;
	a->pol.floor_peer = i;
	/* said when it crosses twice the configured floor (a peer that
	 * ignores the I bit), either way; small moves at debug level */
	p = floor_cfg(a, i);
	if (p && a->peers[i].n_ackd >= PROMPT_SAMPLES)
		ALOG(a, i == old_peer && (f > 2 * p->rto_min_ms) != (old > 2 * p->rto_min_ms) ?
		     LOG_INFO : LOG_DEBUG, "RTO floor %u ms on path %s: the peer "
		     "acknowledges up to %u ms after a send", f,
		     paths_peer_name(a, i), worst_ackd(&a->peers[i]));
}

/* The I bit while the primary is an unmetered path whose configured
 * floor is below any SACK delay a peer may use. A metered path pays for
 * every SACK: there the learned floor does the job alone. */
uint32_t paths_send_flags(const struct assoc *a)
{
	const struct cfg_path *p;

	if (!a->ag->cfg->n_paths)
		return 0;		/* no path policy: Linux's timers */
	p = floor_cfg(a, a->primary);
	return p && !p->metered && p->rto_min_ms < SACK_DELAY_MAX_MS ?
	       PS_SEND_SACK_NOW : 0;
}

uint32_t paths_tx(struct assoc *a)
{
	if (a->state == AS_UP) {
		a->pol.tx_ms = clock_mono_ms();
		a->pol.tx_peer = a->primary;
	}
	return paths_send_flags(a);
}

/* Everything sent is acknowledged: the time since the last send is how
 * long the peer took to SACK it (plus the round trip). A failover in
 * between means a retransmission: no sample. */
void paths_on_dry(struct assoc *a)
{
	struct path_policy *pol = &a->pol;
	uint64_t now = clock_mono_ms();

	if (pol->tx_ms && !pol->tx_disturbed && pol->tx_peer >= 0 &&
	    pol->tx_peer == a->primary && now >= pol->tx_ms) {
		push_ackd(&a->peers[pol->tx_peer], now - pol->tx_ms);
		apply_floor(a);
	}
	pol->tx_ms = 0;
	pol->tx_disturbed = false;
}

void health_assoc_up(struct assoc *a)
{
	a->pol.tx_ms = 0;
	a->pol.tx_peer = -1;
	a->pol.tx_disturbed = false;
	a->pol.floor_peer = -1;
}

/* Linux counts a heartbeat sent while an earlier one is unanswered as a
 * strike (sctp_do_8_2_transport_strike), and at pf_threshold 0 a strike
 * is POTENTIALLY-FAILED: no demand heartbeat to a path that had one
 * within its rto_max (the longest it may take to be answered), so the
 * association-up probe and a primary change right after it ask once. */
bool health_hb_due(struct assoc *a, int i)
{
	const struct cfg_path *p = paths_cfg(a->ag, a->peers[i].path);
	struct peer_path *pp = &a->peers[i];
	uint64_t now = clock_mono_ms();
	uint32_t gap = p ? p->rto_max_ms : a->pol.rto_max_ms;

	if (pp->hb_asked && now - pp->hb_ms < gap)
		return false;
	pp->hb_asked = true;
	pp->hb_ms = now;
	return true;
}

/* A heartbeat to the new primary now if the floor rose: its RTO may sit
 * below the new floor until the stack's next sample (a backup path may
 * have had none for minutes), and the answer clamps it within a round
 * trip. Not when the floor fell (a failback): the path's RTO is above it
 * already, and a heartbeat while a periodic one is unanswered would be a
 * strike (health_hb_due): under load, a PF at the failback itself. */
void health_primary_changed(struct assoc *a)
{
	struct ps_path_params hb = { .hb_now = true, .pf_threshold = PS_PF_UNSET };
	uint32_t old = a->pol.floor_ms;

	if (a->pol.tx_ms)
		a->pol.tx_disturbed = true;
	apply_floor(a);
	if (a->primary >= 0 && a->state == AS_UP && a->pol.floor_ms > old &&
	    health_hb_due(a, a->primary))
		(void)ps_set_path_params(a->ag->ep, a->id, &a->peers[a->primary].addr, &hb);
}

static uint32_t path_rto(struct assoc *a, int i)
{
	struct ps_path_info info[PS_MAX_ADDRS];
	unsigned int n = 0;

	if (!ps_paths(a->ag->ep, a->id, info, PS_MAX_ADDRS, &n))
		for (unsigned int k = 0; k < n; k++)
			if (net_addr_same_host(&info[k].addr, &a->peers[i].addr))
				return info[k].rto_ms;
	return a->pol.floor_ms;
}

void health_peer_failed(struct assoc *a, int i, bool primary)
{
	struct peer_path *pp = &a->peers[i];

	if (!paths_local_up(a->ag, pp->path) || pp->pf_ms)
		return;			/* the link event explains it, or PF
					 * then UNREACHABLE: one failure */
	health_path_failed(a->ag, pp->path);
	pp->pf_ms = clock_mono_ms();
	pp->pf_failover = primary;
	/* the stack reports the RTO already backed off by the timeout: a
	 * live path answers the heartbeat PF sends within it */
	pp->pf_window_ms = path_rto(a, i) + SPURIOUS_SLACK_MS;
}

/* A PF that recovers within one RTO on a live link was no fault: the
 * peer's SACK came later than the RTO. Double this path's floor. */
void health_peer_ok(struct assoc *a, int i)
{
	struct peer_path *pp = &a->peers[i];
	uint64_t dt = clock_mono_ms() - pp->pf_ms;
	uint32_t before;

	if (!pp->pf_ms)
		return;
	pp->pf_ms = 0;
	if (dt > pp->pf_window_ms || !paths_local_up(a->ag, pp->path))
		return;			/* a real outage */
	if (!pp->pf_failover) {
		ALOG(a, LOG_DEBUG, "path %s: PF for %llu ms only (backup, no "
		     "traffic moved)", paths_peer_name(a, i), (unsigned long long)dt);
		return;
	}
	a->st.spurious++;
	before = a->pol.floor_peer == i ? a->pol.floor_ms : floor_for(a, i);
	push_ackd(pp, 2ull * before);
	ALOG(a, LOG_WARN, "spurious failover (%llu so far): path %s was PF for "
	     "%llu ms only; its RTO floor goes from %u to %u ms",
	     (unsigned long long)a->st.spurious, paths_peer_name(a, i),
	     (unsigned long long)dt, before, floor_for(a, i));
}

void health_path_failed(struct agent *ag, int p)
{
	struct local_path *lp;
	uint64_t now = clock_mono_ms(), last, oldest;

	if (p < 0)
		return;
	lp = &ag->lpaths[p];
	last = lp->fail_ms[(lp->fail_next + PATHS_FLAP_COUNT - 1) % PATHS_FLAP_COUNT];
	if (last && now - last < FAIL_DEDUP_MS)
		return;
	lp->fail_ms[lp->fail_next] = now;
	lp->fail_next = (lp->fail_next + 1) % PATHS_FLAP_COUNT;
	lp->failures++;
	oldest = lp->fail_ms[lp->fail_next];
	if (!lp->flapping && lp->failures >= PATHS_FLAP_COUNT &&
	    now - oldest <= PATHS_FLAP_WINDOW_MS) {
		lp->flapping = true;
		lp->flapping_since_ms = now;
		lp->muted = 0;
		LOG(LOGM_PATHS, LOG_ERR, "ALARM: path=%s if=%s is flapping: %u "
		    "failures in %llu ms; its changes are logged at debug level "
		    "until it is stable for %u s", ag->cfg->paths[p].name,
		    ag->cfg->paths[p].interface, PATHS_FLAP_COUNT,
		    (unsigned long long)(now - oldest), PATHS_FLAP_WINDOW_MS / 1000);
	}
	if (lp->flapping)
		loop_timer_in(lp->flap_timer, PATHS_FLAP_WINDOW_MS);
}

static void on_flap_timer(void *arg, struct loop_timer *t)
{
	struct local_path *lp = arg;
	const struct cfg_path *p = &lp->ag->cfg->paths[lp->index];

	(void)t;
	lp->flapping = false;
	LOG(LOGM_PATHS, LOG_INFO, "path=%s if=%s: stable again after flapping "
	    "for %llu s (%u changes logged at debug level)", p->name, p->interface,
	    (unsigned long long)(clock_mono_ms() - lp->flapping_since_ms -
				 PATHS_FLAP_WINDOW_MS) / 1000, lp->muted);
}

int health_level(struct agent *ag, int p, int lvl)
{
	if (p < 0 || !ag->lpaths[p].flapping || lvl < LOG_WARN)
		return lvl;
	ag->lpaths[p].muted++;
	return LOG_DEBUG;
}

void health_log_status(struct assoc *a)
{
	int i = a->pol.floor_peer;

	if (a->state != AS_UP || i < 0)
		return;
	ALOG(a, LOG_INFO, "RTO floor %u ms on path %s (worst ack delay %u ms of "
	     "%u samples); SACK-IMMEDIATELY %s; spurious failovers %llu",
	     a->pol.floor_ms, paths_peer_name(a, i), worst_ackd(&a->peers[i]),
	     a->peers[i].n_ackd, paths_send_flags(a) ? "on" : "off",
	     (unsigned long long)a->st.spurious);
}

void health_log_local(struct agent *ag, int p)
{
	const struct local_path *lp = &ag->lpaths[p];

	LOG(LOGM_PATHS, LOG_INFO, "path=%s if=%s: link %s, %llu failures%s",
	    ag->cfg->paths[p].name, ag->cfg->paths[p].interface,
	    !lp->link_known ? "unknown" : lp->link_up ? "up" : "DOWN",
	    (unsigned long long)lp->failures, lp->flapping ? ", FLAPPING" : "");
}

int health_init(struct agent *ag)
{
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++) {
		int rc = loop_timer_new(ag->loop, on_flap_timer, &ag->lpaths[p],
					&ag->lpaths[p].flap_timer);
		if (rc)
			return rc;
	}
	return 0;
}

void health_fini(struct agent *ag)
{
	for (unsigned int p = 0; p < ag->cfg->n_paths; p++) {
		loop_timer_free(ag->lpaths[p].flap_timer);
		ag->lpaths[p].flap_timer = NULL;
	}
}
