/* SPDX-License-Identifier: MIT */
/*
 * Multihoming policy against the fake port: per-path parameters, primary
 * on the preferred path, immediate switch on local link down or peer
 * UNREACHABLE/PF with a resend of what was in flight, failback only after
 * the hold-down, no flapping, the unconfirmed-path alarm, and auto
 * addresses following the interface (bindx add/remove).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "agent/agent.h"
#include "agent/agent_int.h"
#include "tests/fake/fake.h"
#include "tests/unit/harness.h"

/* cell is listed first so the kernel's default primary is the wrong one */
static const char ini[] =
	"[agent]\nname = mh\n"
	"[path.eth]\ninterface = eth0\naddress = auto\npriority = 10\n"
	"heartbeat_ms = 1000\nrto_initial_ms = 200\nrto_min_ms = 100\nrto_max_ms = 400\n"
	"path_max_retrans = 2\nfailback_hold_ms = 5000\nconfirm_timeout_ms = 3000\n"
	"[path.cell]\ninterface = wwan0\naddress = 10.9.0.2\npriority = 50\nmetered = yes\n"
	"heartbeat_ms = 600000\nrto_min_ms = 300\nrto_initial_ms = 1000\nrto_max_ms = 3000\n"
	"path_max_retrans = 4\npf_threshold = 1\nconfirm_timeout_ms = 3000\n"
	"[controller.c]\naddress = 10.9.0.1@cell, 10.0.0.1@eth\n"
	"[sensor.t]\ndriver = simulated\nsource = counter\ninterval_ms = 50\n";

static void run(struct t *t)
{
	harness_run(t);
}

static const struct net_addr *cell_peer(struct t *t) { return &t->cfg->ctrls[0].addrs[0]; }
static const struct net_addr *eth_peer(struct t *t) { return &t->cfg->ctrls[0].addrs[1]; }

static bool primary_is(struct t *t, const struct net_addr *a)
{
	const struct net_addr *p = fake_sctp_primary(t->ep, 1);
	return p && net_addr_same_host(p, a);
}

static int setup(void **state)
{
	struct t *t = harness_start(ini);

	fake_nl_link("eth0", 2, true);
	fake_nl_link("wwan0", 3, true);
	run(t);
	fake_sctp_comm_up(t->ep, 1);
	run(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	harness_stop(*state);
	return 0;
}

/* The one association of these tests. */
static struct assoc *A(struct t *t)
{
	return &t->ag->assoc[0];
}

static void test_params_and_preferred_primary(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_call *c;
	bool saw_eth = false, saw_cell = false, saw_assoc = false, saw_defaults = false;

	assert_int_equal(fake_nl_dumps(), 1);
	for (unsigned int i = 0; i < fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PATH_PARAMS); i++) {
		c = fake_sctp_call(t->ep, FAKE_SCTP_SET_PATH_PARAMS, i);
		if (!c->has_peer && c->assoc == 0) {
			/* endpoint defaults: INIT already on the board's RTOs,
			 * the first data above a delayed SACK (250 ms) */
			assert_int_equal(c->params.rto_initial_ms, 250);
			assert_int_equal(c->params.rto_min_ms, 100);
			saw_defaults = true;
			continue;
		}
		if (!c->has_peer && c->params.assoc_max_retrans) {
			/* RTO is per association: the preferred path's, with a
			 * floor above a delayed SACK until the peer showed its
			 * ack delay */
			assert_int_equal(c->params.rto_min_ms, 250);
			assert_int_equal(c->params.rto_max_ms, 400);
			assert_int_equal(c->params.assoc_max_retrans, 6);	/* 2 + 4 */
			saw_assoc = true;
		} else if (!c->has_peer) {
			continue;	/* the floor on its own (paths_health.c) */
		} else if (!c->params.hb_interval_ms && c->params.hb_now) {
			continue;	/* a probe of a new primary */
		} else if (net_addr_same_host(&c->addrs[0], eth_peer(t))) {
			assert_int_equal(c->params.hb_interval_ms, 1000);
			assert_true(c->params.hb_now);	/* RTT measured at once */
			assert_int_equal(c->params.path_max_retrans, 2);
			assert_int_equal(c->params.pf_threshold, 0);
			saw_eth = true;
		} else {
			assert_int_equal(c->params.hb_interval_ms, 600000);
			assert_true(c->params.hb_now);
			assert_int_equal(c->params.pf_threshold, 1);
			saw_cell = true;
		}
	}
	assert_true(saw_eth && saw_cell && saw_assoc && saw_defaults);
	assert_true(primary_is(t, eth_peer(t)));
}

static void test_link_down_switches_at_once_and_resends(void **state)
{
	struct t *t = *state;
	unsigned int before;

	fake_loop_advance(t->l, 500);		/* readings in flight on eth */
	fake_sctp_clear_sent(t->ep);
	fake_nl_link("eth0", 2, false);
	run(t);
	assert_true(primary_is(t, cell_peer(t)));
	assert_int_equal(A(t)->st.failovers, 1);
	/* the last rto_max (400 ms) of readings went out again: 9 of them
	 * (one every 50 ms, both ends included) */
	before = fake_sctp_nsent(t->ep);
	assert_int_equal(before, 9);
	assert_int_equal(A(t)->st.resent, 9);
	assert_true(fake_log_contains("path=eth if=eth0: link DOWN"));
	/* unordered: an ordered copy would wait in the peer's stream behind
	 * its original until T3 fires on the dead link (bench_failover: the
	 * reading in flight took 80 ms, not the cell path's 45) */
	for (unsigned int i = 0; i < before; i++)
		assert_true(fake_sctp_sent(t->ep, i)->si.flags & PS_SEND_UNORDERED);
}

/* A PF on a live link: T3 fired, the stack sends the originals on the new
 * path itself; the copies keep their stream order (unordered copies of
 * several lost readings could overtake each other). */
static void test_pf_resend_keeps_order(void **state)
{
	struct t *t = *state;

	fake_loop_advance(t->l, 500);
	fake_sctp_clear_sent(t->ep);
	fake_sctp_paddr(t->ep, 1, eth_peer(t), PS_ADDR_PF);
	run(t);
	assert_true(primary_is(t, cell_peer(t)));
	assert_true(A(t)->st.resent > 0);
	for (unsigned int i = 0; i < fake_sctp_nsent(t->ep); i++)
		assert_false(fake_sctp_sent(t->ep, i)->si.flags & PS_SEND_UNORDERED);
}

/* The resend window follows the dead path's current RTO (2 x RTO + 20). */
static void test_resend_window_follows_rto(void **state)
{
	struct t *t = *state;
	struct ps_path_info pi[2] = {
		{ .addr = *cell_peer(t), .state = PS_PATH_ACTIVE, .rto_ms = 300 },
		{ .addr = *eth_peer(t), .state = PS_PATH_ACTIVE, .primary = true,
		  .rto_ms = 50 },
	};

	assert_int_equal(fake_sctp_set_paths(t->ep, 1, pi, 2), 0);
	fake_loop_advance(t->l, 500);
	fake_sctp_clear_sent(t->ep);
	fake_nl_link("eth0", 2, false);
	run(t);
	/* 120 ms back from t=500: the readings of 400, 450 and 500 */
	assert_int_equal(A(t)->st.resent, 3);
}

static void test_failback_after_hold_only(void **state)
{
	struct t *t = *state;

	fake_loop_advance(t->l, 20);	/* the association-up heartbeats answered */
	fake_nl_link("eth0", 2, false);
	run(t);
	assert_true(primary_is(t, cell_peer(t)));
	fake_nl_link("eth0", 2, true);
	run(t);
	fake_loop_advance(t->l, 4999);
	assert_true(primary_is(t, cell_peer(t)));
	fake_loop_advance(t->l, 1);
	assert_true(primary_is(t, eth_peer(t)));
	assert_int_equal(A(t)->st.failbacks, 1);
}

static void test_flapping_cable_does_not_flap_traffic(void **state)
{
	struct t *t = *state;
	unsigned int sets;

	fake_loop_advance(t->l, 20);	/* the association-up heartbeats answered */
	fake_nl_link("eth0", 2, false);
	run(t);
	sets = fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PRIMARY);
	for (int i = 0; i < 20; i++) {		/* 20 flaps, 1 s up / 1 s down */
		fake_nl_link("eth0", 2, true);
		run(t);
		fake_loop_advance(t->l, 1000);
		fake_nl_link("eth0", 2, false);
		run(t);
		fake_loop_advance(t->l, 1000);
	}
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PRIMARY), sets);
	assert_true(primary_is(t, cell_peer(t)));
	/* stable at last: back after the hold-down */
	fake_nl_link("eth0", 2, true);
	run(t);
	fake_loop_advance(t->l, 5000);
	assert_true(primary_is(t, eth_peer(t)));
}

static void test_peer_unreachable_and_pf(void **state)
{
	struct t *t = *state;

	fake_sctp_paddr(t->ep, 1, eth_peer(t), PS_ADDR_UNREACHABLE);
	run(t);
	assert_true(primary_is(t, cell_peer(t)));
	fake_sctp_paddr(t->ep, 1, eth_peer(t), PS_ADDR_AVAILABLE);
	run(t);
	fake_loop_advance(t->l, 5000);
	assert_true(primary_is(t, eth_peer(t)));
	/* potentially failed (RFC 7829) is enough to move */
	fake_sctp_paddr(t->ep, 1, eth_peer(t), PS_ADDR_PF);
	run(t);
	assert_true(primary_is(t, cell_peer(t)));
	assert_int_equal(A(t)->st.failovers, 2);
}

static void test_unconfirmed_alarm(void **state)
{
	struct t *t = *state;

	/* the peer restarts; only the INIT address (eth) is confirmed now */
	struct ps_path_info pi[2] = {
		{ .addr = *cell_peer(t), .state = PS_PATH_UNCONFIRMED },
		{ .addr = *eth_peer(t), .state = PS_PATH_ACTIVE, .primary = true },
	};
	assert_int_equal(fake_sctp_set_paths(t->ep, 1, pi, 2), 0);
	fake_sctp_assoc_change(t->ep, 1, PS_RESTART);
	run(t);
	fake_loop_advance(t->l, 2999);
	assert_false(A(t)->unconfirmed_alarm);
	fake_loop_advance(t->l, 1);
	assert_true(A(t)->unconfirmed_alarm);
	assert_true(fake_log_contains("ALARM: peer address 10.9.0.1:9910 (path cell) never CONFIRMED in 3000 ms"));
	assert_false(fake_log_contains("ALARM: peer address 10.0.0.1"));
}

static void test_auto_address_follows_interface(void **state)
{
	struct t *t = *state;
	struct net_addr a1, a2;
	const struct fake_sctp_call *c;

	net_addr_parse("10.0.0.2", &a1);
	net_addr_parse("10.0.0.3", &a2);
	fake_nl_addr(2, &a1, true);
	run(t);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_BIND_CHANGE);
	assert_non_null(c);
	assert_true(c->add);
	assert_true(net_addr_same_host(&c->addrs[0], &a1));
	/* a new address replaces it: add the new one, then remove the old */
	fake_nl_addr(2, &a2, true);
	fake_nl_addr(2, &a1, false);
	run(t);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_BIND_CHANGE);
	assert_false(c->add);
	assert_true(net_addr_same_host(&c->addrs[0], &a1));
	/* removing an address it does not hold is a no-op */
	fake_nl_addr(2, &a1, false);
	run(t);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_BIND_CHANGE), 3);
	/* the fixed-address path (cell) never follows netlink */
	fake_nl_addr(3, &a1, true);
	run(t);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_BIND_CHANGE), 3);
}

static void test_bind_retried_and_link_local_skipped(void **state)
{
	struct t *t = *state;
	struct net_addr a1, ll;
	unsigned int before = fake_sctp_ncalls(t->ep, FAKE_SCTP_BIND_CHANGE);

	net_addr_parse("10.0.0.9", &a1);
	net_addr_parse("fe80::1%2", &ll);
	fake_nl_addr(2, &ll, true);		/* link-local: ignored */
	run(t);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_BIND_CHANGE), before);
	/* not routable yet: EADDRNOTAVAIL twice, then it binds */
	fake_sctp_fail_next(FAKE_SCTP_BIND_CHANGE, -EADDRNOTAVAIL, 2);
	fake_nl_addr(2, &a1, true);
	run(t);
	fake_loop_advance(t->l, 200);
	fake_loop_advance(t->l, 200);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_BIND_CHANGE), before + 3);
	assert_int_equal(fake_sctp_last_call(t->ep, FAKE_SCTP_BIND_CHANGE)->ret, 0);
	assert_true(fake_log_contains("path=eth: add local address 10.0.0.9"));
}


/* Two new addresses before either can be bound: each keeps its own
 * retries; the second does not overwrite the first. */
static void test_two_pending_addresses(void **state)
{
	struct t *t = *state;
	struct net_addr a1, a2;

	net_addr_parse("10.0.0.21", &a1);
	net_addr_parse("10.0.0.22", &a2);
	fake_sctp_fail_next(FAKE_SCTP_BIND_CHANGE, -EADDRNOTAVAIL, 2);
	fake_nl_addr(2, &a1, true);
	fake_nl_addr(2, &a2, true);
	run(t);
	fake_loop_advance(t->l, 200);			/* both retried, both bind */
	assert_true(fake_log_contains("path=eth: add local address 10.0.0.21"));
	assert_true(fake_log_contains("path=eth: add local address 10.0.0.22"));
	/* one that goes away while pending is not bound later */
	fake_sctp_fail_next(FAKE_SCTP_BIND_CHANGE, -EADDRNOTAVAIL, 1);
	net_addr_parse("10.0.0.23", &a1);
	fake_nl_addr(2, &a1, true);
	fake_nl_addr(2, &a1, false);
	run(t);
	fake_loop_advance(t->l, 1000);
	assert_false(fake_log_contains("path=eth: add local address 10.0.0.23"));
}

/* Events lost in a netlink overrun: the agent asks for the whole state
 * again, and an address the dump no longer names is dropped (unbound). */
static void test_overrun_drops_vanished_addresses(void **state)
{
	struct t *t = *state;
	struct net_addr a1, a2;
	unsigned int dumps = fake_nl_dumps();
	const struct fake_sctp_call *c;

	net_addr_parse("10.0.0.31", &a1);
	net_addr_parse("10.0.0.32", &a2);
	fake_nl_addr(2, &a1, true);
	fake_nl_addr(2, &a2, true);
	run(t);
	fake_nl_overrun();				/* a2's PN_ADDR_DEL was lost */
	run(t);
	assert_int_equal(fake_nl_dumps(), dumps + 1);
	fake_nl_link("eth0", 2, true);			/* the dump: a1 only */
	fake_nl_addr(2, &a1, true);
	fake_nl_dump_done();
	run(t);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_BIND_CHANGE);
	assert_false(c->add);
	assert_true(net_addr_same_host(&c->addrs[0], &a2));
	assert_true(fake_log_contains("path=eth: remove local address 10.0.0.32"));
	assert_false(fake_log_contains("path=eth: remove local address 10.0.0.31"));
	/* a plain dump (no overrun) drops nothing */
	fake_nl_dump_done();
	run(t);
	assert_false(fake_log_contains("path=eth: remove local address 10.0.0.31"));
}

static void test_connect_starts_on_a_live_link(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_call *c;

	/* eth is down when the association is lost: INIT goes to cell first */
	fake_nl_link("eth0", 2, false);
	run(t);
	fake_sctp_comm_lost(t->ep, 1);
	run(t);
	fake_loop_advance(t->l, 1300);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_CONNECT);
	assert_int_equal(c->n_addrs, 2);
	assert_true(net_addr_same_host(&c->addrs[0], cell_peer(t)));
	/* with both up, the preferred (eth) address leads */
	c = fake_sctp_call(t->ep, FAKE_SCTP_CONNECT, 0);
	assert_true(net_addr_same_host(&c->addrs[0], eth_peer(t)));
}

static void test_no_asconf_is_said(void **state)
{
	struct t *t = *state;
	struct ps_event ev = { .type = PS_EV_ASSOC_CHANGE, .assoc = 1,
			       .u.assoc = { .state = PS_RESTART, .out_streams = 10 } };
	struct net_addr a1;

	fake_sctp_push_event(t->ep, &ev);	/* features 0: no ASCONF */
	run(t);
	net_addr_parse("10.0.0.7", &a1);
	fake_nl_addr(2, &a1, true);
	run(t);
	assert_true(fake_log_contains("peer does not support ASCONF"));
}

static void test_netlink_missing_is_not_fatal(void **state)
{
	struct config *cfg;
	struct cfg_diag d;
	struct cli_opts o = { 0 };
	struct agent *ag;

	(void)state;
	fake_reset_all();
	fake_nl_fail_open(-EPROTONOSUPPORT);
	assert_int_equal(config_load_text("p.ini", ini, &cfg, &d), 0);
	assert_int_equal(agent_create(cfg, &o, &ag), 0);
	assert_true(fake_log_contains("no link events"));
	agent_destroy(ag);
	config_free(cfg);
	fake_nl_fail_open(0);
}

/* --- fast timers without the peer's help (paths_health.c) --------------
 * The Pi defaults, one slow sensor so each reading is a lone message. */
static const char ini_h[] =
	"[agent]\nname = mh\n"
	"[path.eth]\ninterface = eth0\naddress = 10.0.0.2\npriority = 10\n"
	"heartbeat_ms = 1000\nrto_initial_ms = 100\nrto_min_ms = 30\nrto_max_ms = 1000\n"
	"path_max_retrans = 2\npf_threshold = 0\nfailback_hold_ms = 2000\n"
	"[path.cell]\ninterface = wwan0\naddress = 10.9.0.2\npriority = 50\nmetered = yes\n"
	"heartbeat_ms = 600000\nrto_initial_ms = 1000\nrto_min_ms = 300\nrto_max_ms = 3000\n"
	"path_max_retrans = 4\npf_threshold = 2\n"
	"[controller.c]\naddress = 10.0.0.1@eth, 10.9.0.1@cell\n"
	"[sensor.t]\ndriver = simulated\nsource = counter\ninterval_ms = 1000\n";

static int setup_h(void **state)
{
	struct t *t = harness_start(ini_h);

	fake_nl_link("eth0", 2, true);
	fake_nl_link("wwan0", 3, true);
	run(t);
	fake_sctp_comm_up(t->ep, 1);
	run(t);
	*state = t;
	return 0;
}

static const struct net_addr *h_eth(struct t *t) { return &t->cfg->ctrls[0].addrs[0]; }
static const struct net_addr *h_cell(struct t *t) { return &t->cfg->ctrls[0].addrs[1]; }

/* The RTO floor last applied to association 1 (0 if none). */
static uint32_t last_floor(struct t *t)
{
	uint32_t f = 0;

	for (unsigned int i = 0; i < fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PATH_PARAMS); i++) {
		const struct fake_sctp_call *c = fake_sctp_call(t->ep, FAKE_SCTP_SET_PATH_PARAMS, i);
		if (!c->has_peer && c->assoc == 1 && c->ret == 0 && c->params.rto_min_ms)
			f = c->params.rto_min_ms;
	}
	return f;
}

static void dry(struct t *t)
{
	struct ps_event ev = { .type = PS_EV_SENDER_DRY, .assoc = 1 };

	fake_sctp_push_event(t->ep, &ev);
	run(t);
}

/* The next reading goes out; the peer acknowledges it @ackd_ms later. */
static void reading_acked_after(struct t *t, uint64_t ackd_ms)
{
	fake_loop_advance_to_next(t->l);
	while (fake_sctp_nsent(t->ep) == 0 ||
	       fake_sctp_last_send(t->ep)->at_ms != clock_mono_ms())
		fake_loop_advance_to_next(t->l);
	fake_loop_advance(t->l, ackd_ms);
	dry(t);
}

/* A whole window (8) of prompt acks: the floor is eth's configured 30 ms.
 * Returns the samples taken. */
static unsigned int prompt_peer(struct t *t)
{
	dry(t);				/* the HELLO, acknowledged at once */
	for (int i = 0; i < 7; i++)
		reading_acked_after(t, 1);
	assert_int_equal(last_floor(t), 30);
	return 8;
}

static void test_sack_now_on_unmetered_primary_only(void **state)
{
	struct t *t = *state;

	/* the HELLO and every reading on eth ask for an immediate SACK */
	assert_true(fake_sctp_sent(t->ep, 0)->si.flags & PS_SEND_SACK_NOW);
	reading_acked_after(t, 1);
	assert_true(fake_sctp_last_send(t->ep)->si.flags & PS_SEND_SACK_NOW);
	/* a late ack (a stall) raises the floor above any SACK delay: the
	 * bit stays, or the peer would really delay the next SACKs */
	reading_acked_after(t, 600);
	assert_int_equal(last_floor(t), 760);
	reading_acked_after(t, 1);
	assert_true(fake_sctp_last_send(t->ep)->si.flags & PS_SEND_SACK_NOW);
	/* on the metered cell path they do not: a SACK per message costs */
	fake_nl_link("eth0", 2, false);
	run(t);
	assert_true(primary_is(t, h_cell(t)));
	assert_false(fake_sctp_last_send(t->ep)->si.flags & PS_SEND_SACK_NOW);
	reading_acked_after(t, 300);
	assert_false(fake_sctp_last_send(t->ep)->si.flags & PS_SEND_SACK_NOW);
	/* back on eth after the hold-down: again */
	fake_nl_link("eth0", 2, true);
	run(t);
	fake_loop_advance(t->l, 2000);
	assert_true(primary_is(t, h_eth(t)));
	reading_acked_after(t, 1);
	assert_true(fake_sctp_last_send(t->ep)->si.flags & PS_SEND_SACK_NOW);
}

/* @n prompt acks; the floor must stay @f. */
static void prompt_acks_keep(struct t *t, int n, uint32_t f)
{
	for (int i = 0; i < n; i++) {
		reading_acked_after(t, 1);
		assert_int_equal(last_floor(t), f);
	}
}

static void test_floor_starts_conservative_then_follows_ack_delay(void **state)
{
	struct t *t = *state;

	/* before the peer showed how fast it SACKs: above a 200 ms delay */
	assert_int_equal(last_floor(t), 250);
	dry(t);
	prompt_acks_keep(t, 6, 250);
	/* a whole window of prompt acks: the configured 30 ms */
	reading_acked_after(t, 1);
	assert_int_equal(last_floor(t), 30);
	/* a peer that ignores the I bit: 200 ms -> floor 200 * 5/4 + 10, at once */
	reading_acked_after(t, 200);
	assert_int_equal(last_floor(t), 260);
	assert_true(fake_log_contains("RTO floor 260 ms on path eth: the peer acknowledges up to 200 ms"));
	/* 8 prompt acks later the 200 ms sample is out of the window */
	prompt_acks_keep(t, 7, 260);
	reading_acked_after(t, 1);
	assert_int_equal(last_floor(t), 30);
}

/* A few prompt acks in the first second of an association must not bring
 * the floor down: failover_steady saw a 32 ms floor learned from three
 * samples, then a SACK 33 ms late on a busy guest and a failover 0.7 s
 * after COMM_UP. Nor does a peer whose SACKs are late now and then. */
static void test_floor_not_lowered_by_a_few_prompt_acks(void **state)
{
	struct t *t = *state;

	dry(t);
	prompt_acks_keep(t, 3, 250);
	reading_acked_after(t, 200);
	assert_int_equal(last_floor(t), 260);
	for (int i = 0; i < 20; i++) {
		reading_acked_after(t, i % 2 ? 1 : 200);
		assert_int_equal(last_floor(t), 260);
	}
}

/* Link down: the SCTP stack's PF (its RTO fired on the dead link) and
 * the netlink event are both queued when a busy loop comes round, the
 * SCTP socket served first. The link event explains the PF: read first,
 * one failover for "local link down", one failure of the path, none of
 * it a PF failover (seen in failover_peers on a loaded arm64 guest: the
 * PF 126 ms before the link event). */
static void test_link_event_read_before_a_pf(void **state)
{
	struct t *t = *state;

	prompt_peer(t);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_PF);
	fake_nl_link("eth0", 2, false);
	run(t);
	assert_true(primary_is(t, h_cell(t)));
	assert_true(fake_log_contains("(path cell): local link down"));
	assert_false(fake_log_contains("(path cell): PF"));
	assert_int_equal(A(t)->st.failovers, 1);
	assert_int_equal(t->ag->lpaths[0].failures, 1);
}

/* An ack that came only after a failover (a retransmission) is no sample. */
static void test_no_sample_across_a_failover(void **state)
{
	struct t *t = *state;

	unsigned int n = prompt_peer(t);

	fake_loop_advance_to_next(t->l);	/* a reading on eth */
	fake_nl_link("eth0", 2, false);
	run(t);
	fake_loop_advance(t->l, 700);
	dry(t);
	assert_int_equal(A(t)->peers[0].n_ackd, n);
	assert_int_equal(A(t)->peers[1].n_ackd, 0);
}

static void test_metered_floor_above_its_ack_delay(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_call *c;

	fake_loop_advance(t->l, 5000);	/* cell's association-up probe is old */
	dry(t);
	fake_nl_link("eth0", 2, false);
	run(t);
	assert_true(primary_is(t, h_cell(t)));
	/* cell's own rto_min (300) is the floor while it carries the data,
	 * and a heartbeat at once brings its RTO up to it */
	assert_int_equal(last_floor(t), 300);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_SET_PATH_PARAMS);
	assert_true(c->has_peer && c->params.hb_now);
	assert_true(net_addr_same_host(&c->addrs[0], h_cell(t)));
	/* a peer delaying its SACKs 400 ms: 400 * 5/4 + 10 */
	reading_acked_after(t, 400);
	assert_int_equal(last_floor(t), 510);
}

static void test_spurious_failover_counted_and_floor_doubled(void **state)
{
	struct t *t = *state;

	prompt_peer(t);
	assert_int_equal(last_floor(t), 30);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_PF);
	run(t);
	assert_true(primary_is(t, h_cell(t)));
	assert_int_equal(A(t)->st.failovers, 1);
	/* back within one RTO (the stack's rto 1000 here): no fault */
	fake_loop_advance(t->l, 40);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_AVAILABLE);
	run(t);
	assert_int_equal(A(t)->st.spurious, 1);
	assert_true(fake_log_contains("spurious failover (1 so far): path eth was PF for 40 ms only; its RTO floor goes from 30 to 85 ms"));
	/* after the hold-down eth carries the data again, floor raised */
	fake_loop_advance(t->l, 2000);
	assert_true(primary_is(t, h_eth(t)));
	assert_int_equal(last_floor(t), 85);
	/* and the status says so */
	fake_loop_raise(t->l, LOOP_SIG_USR1);
	run(t);
	assert_true(fake_log_contains("failovers 1 (spurious 1)"));
	assert_true(fake_log_contains("spurious failovers 1"));
}

/* A failback must not make its own path PF. Linux echoes the agent's
 * SCTP_PRIMARY_ADDR as MADE_PRIM; taking that for a new primary sent a
 * second demand heartbeat while the first was unanswered, which Linux
 * counts as a strike: at pf_threshold 0 the path went PF in the same
 * millisecond, another failover, counted spurious, floor doubled, and the
 * same again after every hold-down (seen in failover_steady under load). */
static unsigned int hb_asked(struct t *t, const struct net_addr *peer)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PATH_PARAMS); i++) {
		const struct fake_sctp_call *c = fake_sctp_call(t->ep, FAKE_SCTP_SET_PATH_PARAMS, i);
		n += c->has_peer && c->params.hb_now && net_addr_same_host(&c->addrs[0], peer);
	}
	return n;
}

static void test_failback_heartbeat_is_no_strike(void **state)
{
	struct t *t = *state;
	unsigned int hb;

	prompt_peer(t);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_PF);	/* a VM stall */
	run(t);
	fake_loop_advance(t->l, 40);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_AVAILABLE);
	run(t);
	assert_int_equal(A(t)->st.spurious, 1);
	hb = hb_asked(t, h_eth(t));
	for (int k = 0; k < 3; k++) {		/* hold-downs to come */
		fake_loop_advance(t->l, 2000);
		run(t);
		fake_loop_advance(t->l, 1);	/* well within one round trip */
		run(t);
	}
	assert_true(primary_is(t, h_eth(t)));
	assert_int_equal(fake_sctp_hb_strikes(t->ep, 1, h_eth(t)), 0);
	/* the floor fell (cell's 300 to eth's 85): eth's RTO is above it, no
	 * heartbeat that a periodic one still unanswered would make a strike */
	assert_int_equal(hb_asked(t, h_eth(t)), hb);
	assert_int_equal(fake_log_count_matching("(path eth): PF"), 1);
	assert_int_equal(A(t)->st.failovers, 1);
	assert_int_equal(A(t)->st.failbacks, 1);
	assert_int_equal(A(t)->st.spurious, 1);
	assert_int_equal(last_floor(t), 85);
}

/* A primary change the stack made on its own (MADE_PRIM nobody asked
 * for) is followed; a late echo of our own earlier choice is not. */
static void test_made_prim_from_the_stack_followed(void **state)
{
	struct t *t = *state;

	unsigned int sets = fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PRIMARY);

	run(t);
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PRIMARY), sets);
	fake_sctp_paddr(t->ep, 1, cell_peer(t), PS_ADDR_MADE_PRIM);
	run(t);
	/* cell was the stack's choice; eth never failed: taken back at once */
	assert_int_equal(fake_sctp_ncalls(t->ep, FAKE_SCTP_SET_PRIMARY), sets + 1);
	assert_true(primary_is(t, eth_peer(t)));
	assert_int_equal(A(t)->primary, 1);
}

static void test_real_outage_is_not_spurious(void **state)
{
	struct t *t = *state;

	prompt_peer(t);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_PF);
	run(t);
	fake_loop_advance(t->l, 3000);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_AVAILABLE);
	run(t);
	assert_int_equal(A(t)->st.failovers, 1);
	assert_int_equal(A(t)->st.spurious, 0);
	/* a PF while the local link is down is the link's failure */
	fake_loop_advance(t->l, 2000);
	fake_nl_link("eth0", 2, false);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_PF);
	run(t);
	fake_nl_link("eth0", 2, true);
	fake_sctp_paddr(t->ep, 1, h_eth(t), PS_ADDR_AVAILABLE);
	run(t);
	assert_int_equal(A(t)->st.spurious, 0);
}

static void test_flapping_raises_one_alarm(void **state)
{
	struct t *t = *state;

	for (int i = 0; i < 12; i++) {
		fake_nl_link("eth0", 2, false);
		run(t);
		fake_loop_advance(t->l, 500);
		fake_nl_link("eth0", 2, true);
		run(t);
		fake_loop_advance(t->l, 500);
	}
	assert_int_equal(fake_log_count_matching("is flapping"), 1);
	assert_true(fake_log_contains("ALARM: path=eth if=eth0 is flapping: 4 failures in 3000 ms"));
	/* three failures logged as usual, then nothing per flip */
	assert_int_equal(fake_log_count_matching("path=eth if=eth0: link DOWN"), 3);
	assert_int_equal(t->ag->lpaths[0].failures, 12);
	fake_loop_raise(t->l, LOOP_SIG_USR1);
	run(t);
	assert_true(fake_log_contains("path=eth if=eth0: link up, 12 failures, FLAPPING"));
	/* a minute without failure: said once, and flips are logged again */
	fake_loop_advance(t->l, 60000);
	assert_true(fake_log_contains("path=eth if=eth0: stable again after flapping"));
	fake_nl_link("eth0", 2, false);
	run(t);
	assert_int_equal(fake_log_count_matching("path=eth if=eth0: link DOWN"), 4);
}

static void test_link_up_probes_its_peers(void **state)
{
	struct t *t = *state;
	const struct fake_sctp_call *c;

	fake_nl_link("eth0", 2, false);
	run(t);
	fake_nl_link("eth0", 2, true);
	run(t);
	c = fake_sctp_last_call(t->ep, FAKE_SCTP_SET_PATH_PARAMS);
	assert_true(c->has_peer && c->params.hb_now);
	assert_true(net_addr_same_host(&c->addrs[0], h_eth(t)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_params_and_preferred_primary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_down_switches_at_once_and_resends, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resend_window_follows_rto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pf_resend_keeps_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failback_after_hold_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flapping_cable_does_not_flap_traffic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_unreachable_and_pf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unconfirmed_alarm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_address_follows_interface, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_pending_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overrun_drops_vanished_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_retried_and_link_local_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_starts_on_a_live_link, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_asconf_is_said, setup, teardown),
		cmocka_unit_test(test_netlink_missing_is_not_fatal),
		cmocka_unit_test_setup_teardown(test_sack_now_on_unmetered_primary_only, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_floor_starts_conservative_then_follows_ack_delay, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_floor_not_lowered_by_a_few_prompt_acks, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_no_sample_across_a_failover, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_link_event_read_before_a_pf, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_metered_floor_above_its_ack_delay, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_spurious_failover_counted_and_floor_doubled, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_failback_heartbeat_is_no_strike, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_made_prim_from_the_stack_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_outage_is_not_spurious, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_flapping_raises_one_alarm, setup_h, teardown),
		cmocka_unit_test_setup_teardown(test_link_up_probes_its_peers, setup_h, teardown),
	};

	return cmocka_run_group_tests_name("paths", tests, NULL, NULL);
}
