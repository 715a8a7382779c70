// SPDX-License-Identifier: MIT
/*
 * tests/unit/test_fake.c - the fake port's own tests: if these lie, every
 * agent test built on the fakes lies with them.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/fake/fake.h"

static int reset(void **state)
{
	(void)state;
	fake_reset_all();
	return 0;
}

static struct net_addr addr(const char *s, uint16_t port)
{
	struct net_addr a;

	assert_int_equal(net_addr_parse(s, &a), 0);
	a.port = port;
	return a;
}

static struct ps_ep *open_ep(void)
{
	struct net_addr local[2] = { addr("192.0.2.10", 0),
				     addr("198.51.100.10", 0) };
	struct ps_config cfg = {
		.local = local, .n_local = 2, .out_streams = 4,
		.in_streams = 4, .max_msg = 64,
	};
	struct ps_ep *ep;

	assert_int_equal(ps_open(&cfg, &ep), 0);
	return ep;
}

static ps_assoc_id connect_one(struct ps_ep *ep, const char *a1,
			       const char *a2)
{
	struct net_addr peers[2] = { addr(a1, 36412), addr(a2, 36412) };
	ps_assoc_id id = 0;

	assert_int_equal(ps_connect(ep, peers, 2, &id), 0);
	return id;
}

/* --- sctp --------------------------------------------------------------- */

static void test_sctp_events_in_order(void **state)
{
	struct ps_ep *ep = open_ep();
	uint8_t payload[8] = "reading", big[100] = { 0 };
	struct ps_sndinfo si = { .stream = 2, .ppid = 51, .context = 77 };
	struct ps_event ev;
	struct ps_stats st;
	ps_assoc_id id = connect_one(ep, "203.0.113.1", "203.0.113.2");

	(void)state;
	assert_int_equal(ps_recv(ep, &ev), -EAGAIN);
	fake_sctp_comm_up(ep, id);
	fake_sctp_data(ep, id, 3, 9, payload, sizeof(payload));
	memset(payload, 0, sizeof(payload));	/* the fake kept a copy */
	fake_sctp_data(ep, id, 3, 9, big, sizeof(big));	/* > max_msg */
	fake_sctp_send_failed(ep, id, &si, "lost", 4, true);
	fake_sctp_comm_lost(ep, id);
	assert_int_equal(fake_sctp_pending(ep), 5);

	assert_int_equal(ps_recv(ep, &ev), 0);
	assert_int_equal(ev.type, PS_EV_ASSOC_CHANGE);
	assert_int_equal(ev.assoc, id);
	assert_int_equal(ev.u.assoc.state, PS_COMM_UP);
	assert_int_equal(ev.u.assoc.out_streams, 4);
	assert_int_equal(ps_recv(ep, &ev), 0);
	assert_int_equal(ev.type, PS_EV_DATA);
	assert_int_equal(ev.u.data.stream, 3);
	assert_int_equal(ev.u.data.ppid, 9);
	assert_int_equal(ev.u.data.len, 8);
	assert_memory_equal(ev.u.data.buf, "reading", 8);
	assert_int_equal(ev.u.data.from.family, NET_AF_INET4);
	assert_int_equal(ps_recv(ep, &ev), 0);	/* the big one was dropped */
	assert_int_equal(ev.type, PS_EV_SEND_FAILED);
	assert_true(ev.u.send_failed.unsent);
	assert_int_equal(ev.u.send_failed.context, 77);
	assert_int_equal(ev.u.send_failed.stream, 2);
	assert_memory_equal(ev.u.send_failed.buf, "lost", 4);
	assert_int_equal(ps_recv(ep, &ev), 0);
	assert_int_equal(ev.u.assoc.state, PS_COMM_LOST);
	assert_int_equal(ps_recv(ep, &ev), -EAGAIN);

	ps_get_stats(ep, &st);
	assert_int_equal(st.rx_msgs, 1);
	assert_int_equal(st.rx_bytes, 8);
	assert_int_equal(st.notifications, 3);
	assert_int_equal(st.oversize_dropped, 1);
	assert_int_equal(fake_sctp_assoc_state(ep, id), FAKE_ASSOC_DOWN);
	assert_string_equal(ps_ev_name(PS_EV_SEND_FAILED), "SEND_FAILED");
	assert_string_equal(ps_ev_name((enum ps_ev_type)99), "?");
	ps_close(ep);
	assert_true(fake_sctp_closed(ep));
}

static void test_sctp_connect_and_calls(void **state)
{
	struct ps_ep *ep = open_ep();
	struct net_addr p = addr("203.0.113.1", 36412);
	struct ps_path_params pp = { .hb_interval_ms = 5000,
				     .pf_threshold = 1 };
	struct ps_path_info paths[PS_MAX_ADDRS];
	const struct fake_sctp_call *c;
	struct net_addr other = addr("2001:db8::9", 36412);
	ps_assoc_id a1, a2, a3, id;
	unsigned int n;

	(void)state;
	assert_ptr_equal(fake_sctp_last_ep(), ep);
	assert_int_equal(fake_sctp_config(ep)->n_local, 2);
	assert_int_equal(fake_sctp_config(ep)->out_streams, 4);
	a1 = connect_one(ep, "203.0.113.1", "203.0.113.2");
	a2 = connect_one(ep, "198.51.100.1", "198.51.100.2");
	a3 = connect_one(ep, "2001:db8::1", "2001:db8::2");
	assert_int_equal(a1, 1);
	assert_int_equal(a2, 2);
	assert_int_equal(a3, 3);
	assert_int_equal(ps_connect(ep, &p, 1, &id), -EALREADY);
	assert_int_equal(ps_connect(ep, &p, 0, &id), -EINVAL);
	fake_sctp_comm_up(ep, a1);
	assert_int_equal(ps_connect(ep, &p, 1, &id), -EISCONN);
	assert_int_equal(fake_sctp_ncalls(ep, FAKE_SCTP_CONNECT), 6);
	c = fake_sctp_call(ep, FAKE_SCTP_CONNECT, 1);
	assert_int_equal(c->ret, 0);
	assert_int_equal(c->assoc, 2);
	assert_int_equal(c->n_addrs, 2);
	assert_int_equal(c->addrs[1].port, 36412);
	assert_int_equal(fake_sctp_last_call(ep, FAKE_SCTP_CONNECT)->ret,
			 -EISCONN);

	/* Primary: by call, then by a MADE_PRIM event. */
	p = addr("203.0.113.2", 36412);
	assert_int_equal(ps_set_primary(ep, a1, &p), 0);
	assert_true(net_addr_same_host(fake_sctp_primary(ep, a1), &p));
	assert_int_equal(ps_set_primary(ep, a1, &other), -EINVAL);
	assert_int_equal(ps_set_primary(ep, 42, &p), -ENOENT);
	p = addr("203.0.113.1", 36412);
	fake_sctp_paddr(ep, a1, &p, PS_ADDR_MADE_PRIM);
	assert_true(net_addr_same_host(fake_sctp_primary(ep, a1), &p));

	assert_int_equal(ps_set_path_params(ep, a1, &p, &pp), 0);
	assert_int_equal(ps_set_path_params(ep, 0, NULL, &pp), 0);
	assert_int_equal(ps_set_path_params(ep, a1, &other, &pp), -EINVAL);
	c = fake_sctp_call(ep, FAKE_SCTP_SET_PATH_PARAMS, 0);
	assert_true(c->has_peer);
	assert_int_equal(c->params.hb_interval_ms, 5000);
	assert_false(fake_sctp_call(ep, FAKE_SCTP_SET_PATH_PARAMS, 1)
			     ->has_peer);

	/* Paths: derived, then scripted. */
	assert_int_equal(ps_paths(ep, a1, paths, PS_MAX_ADDRS, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(paths[0].state, PS_PATH_ACTIVE);
	assert_true(paths[0].primary);
	assert_false(paths[1].primary);
	assert_int_equal(ps_paths(ep, a2, paths, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(paths[0].state, PS_PATH_UNCONFIRMED);
	paths[0].state = PS_PATH_PF;
	paths[0].srtt_ms = 900;
	assert_int_equal(fake_sctp_set_paths(ep, a2, paths, 1), 0);
	memset(paths, 0, sizeof(paths));
	assert_int_equal(ps_paths(ep, a2, paths, PS_MAX_ADDRS, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(paths[0].state, PS_PATH_PF);
	assert_int_equal(paths[0].srtt_ms, 900);
	assert_int_equal(ps_paths(ep, 42, paths, PS_MAX_ADDRS, &n), -ENOENT);

	/* Local addresses. */
	p = addr("10.1.1.1", 0);
	assert_int_equal(ps_bind_change(ep, &p, true), 0);
	assert_int_equal(fake_sctp_nlocal(ep), 3);
	assert_int_equal(ps_bind_change(ep, &p, false), 0);
	assert_int_equal(ps_bind_change(ep, &p, false), -EADDRNOTAVAIL);
	p = addr("0.0.0.0", 0);
	assert_int_equal(ps_bind_change(ep, &p, true), -EINVAL);
	c = fake_sctp_call(ep, FAKE_SCTP_BIND_CHANGE, 0);
	assert_true(c->add);
	assert_int_equal(c->ret, 0);
	assert_int_equal(fake_sctp_ncalls(ep, FAKE_SCTP_BIND_CHANGE), 4);
	ps_close(ep);
}

static void test_sctp_sendall_only_up(void **state)
{
	struct ps_ep *ep = open_ep();
	struct ps_sndinfo si = { .stream = 1, .ppid = 51,
				 .flags = PS_SEND_SENDALL };
	ps_assoc_id a1, a2, a3;

	(void)state;
	a1 = connect_one(ep, "203.0.113.1", "203.0.113.2");
	a2 = connect_one(ep, "198.51.100.1", "198.51.100.2");
	a3 = connect_one(ep, "2001:db8::1", "2001:db8::2");
	fake_sctp_comm_up(ep, a1);
	fake_sctp_comm_up(ep, a3);
	assert_int_equal(ps_send(ep, &si, "all", 3), 0);
	assert_int_equal(fake_sctp_nsent(ep), 2);
	assert_int_equal(fake_sctp_sent(ep, 0)->assoc, a1);
	assert_int_equal(fake_sctp_sent(ep, 1)->assoc, a3);
	assert_int_equal(fake_sctp_sent(ep, 1)->call, 0);
	assert_memory_equal(fake_sctp_sent(ep, 1)->buf, "all", 3);
	assert_int_equal(fake_sctp_nsent_to(ep, a2), 0);

	fake_sctp_comm_lost(ep, a1);
	assert_int_equal(ps_send(ep, &si, "two", 3), 0);
	assert_int_equal(fake_sctp_nsent(ep), 3);
	assert_int_equal(fake_sctp_last_send(ep)->assoc, a3);
	assert_int_equal(fake_sctp_last_send(ep)->call, 1);
	si.stream = 4;	/* beyond the 4 negotiated streams: nothing sent */
	assert_int_equal(ps_send(ep, &si, "bad", 3), -EINVAL);
	assert_int_equal(fake_sctp_nsent(ep), 3);
	fake_sctp_comm_lost(ep, a3);
	si.stream = 1;
	assert_int_equal(ps_send(ep, &si, "none", 4), 0);
	assert_int_equal(fake_sctp_nsent(ep), 3);
	assert_int_equal(fake_sctp_ncalls(ep, FAKE_SCTP_SEND), 4);
	ps_close(ep);
}

static void test_sctp_send_rules(void **state)
{
	struct ps_ep *ep = open_ep();
	struct ps_sndinfo si = { .stream = 1, .ppid = 51, .context = 5 };
	ps_assoc_id a1 = connect_one(ep, "203.0.113.1", "203.0.113.2");
	struct ps_event ev;

	(void)state;
	si.assoc = 9;
	assert_int_equal(ps_send(ep, &si, "x", 1), -ENOENT);
	si.assoc = a1;
	assert_int_equal(ps_send(ep, &si, "early", 5), 0);	/* queued */
	fake_sctp_comm_up(ep, a1);
	assert_int_equal(ps_send(ep, &si, "x", 1), 0);
	si.stream = 4;
	assert_int_equal(ps_send(ep, &si, "x", 1), -EINVAL);
	si.stream = 1;
	si.flags = PS_SEND_EOF | PS_SEND_ABORT;
	assert_int_equal(ps_send(ep, &si, NULL, 0), -EINVAL);
	si.flags = 0x100;
	assert_int_equal(ps_send(ep, &si, NULL, 0), -EINVAL);
	si.flags = 0;
	fake_sctp_set_max_send(ep, 4);
	assert_int_equal(ps_send(ep, &si, "toolong", 7), -EMSGSIZE);
	fake_sctp_set_max_send(ep, 0);

	/* Not writable: EAGAIN and no LOOP_OUT until writable again. */
	assert_true(fake_fd_ready(ps_fd(ep)) & LOOP_OUT);
	fake_sctp_set_writable(ep, false);
	assert_false(fake_fd_ready(ps_fd(ep)) & LOOP_OUT);
	assert_int_equal(ps_send(ep, &si, "x", 1), -EAGAIN);
	fake_sctp_set_writable(ep, true);
	assert_true(fake_fd_ready(ps_fd(ep)) & LOOP_OUT);

	/* A logged message comes back as SEND_FAILED with its payload. */
	assert_int_equal(fake_sctp_fail_sent(ep, 0, false), 0);
	assert_int_equal(fake_sctp_fail_sent(ep, 99, false), -ENOENT);
	while (ps_recv(ep, &ev) == 0 && ev.type != PS_EV_SEND_FAILED)
		;
	assert_int_equal(ev.type, PS_EV_SEND_FAILED);
	assert_int_equal(ev.u.send_failed.context, 5);
	assert_int_equal(ev.u.send_failed.len, 5);
	assert_memory_equal(ev.u.send_failed.buf, "early", 5);

	si.flags = PS_SEND_EOF;
	assert_int_equal(ps_send(ep, &si, NULL, 0), 0);
	assert_int_equal(fake_sctp_assoc_state(ep, a1),
			 FAKE_ASSOC_SHUTTING_DOWN);
	si.flags = 0;
	assert_int_equal(ps_send(ep, &si, "x", 1), -EPIPE);
	fake_sctp_assoc_change(ep, a1, PS_SHUTDOWN_COMP);
	assert_int_equal(ps_send(ep, &si, "x", 1), -ENOTCONN);
	assert_int_equal(fake_sctp_nsent(ep), 3);
	fake_sctp_clear_sent(ep);
	assert_int_equal(fake_sctp_nsent(ep), 0);
	/* EOF on a CONNECTING association: Linux deletes it, no event */
	{
		ps_assoc_id a2 = connect_one(ep, "198.51.100.1", "198.51.100.2");
		unsigned int pending = fake_sctp_pending(ep);

		si.assoc = a2;
		si.flags = PS_SEND_EOF;
		assert_int_equal(ps_send(ep, &si, NULL, 0), 0);
		assert_int_equal(fake_sctp_assoc_state(ep, a2), FAKE_ASSOC_NONE);
		assert_int_equal(fake_sctp_pending(ep), pending);
		si.flags = 0;
		assert_int_equal(ps_send(ep, &si, "x", 1), -ENOENT);
	}
	ps_close(ep);
}

static void test_sctp_fault_injection(void **state)
{
	struct ps_config bad = { .n_local = 1 };
	struct ps_sndinfo si = { .stream = 0 };
	struct ps_ep *ep;
	struct ps_event ev;
	ps_assoc_id a1;

	(void)state;
	fake_sctp_fail_next(FAKE_SCTP_OPEN, -EPROTONOSUPPORT, 1);
	assert_int_equal(ps_open(&(struct ps_config){ 0 }, &ep),
			 -EPROTONOSUPPORT);
	assert_int_equal(ps_open(&bad, &ep), -EINVAL);	/* local NULL */
	assert_int_equal(fake_sctp_ncalls(NULL, FAKE_SCTP_OPEN), 2);
	assert_null(fake_sctp_last_ep());
	ep = open_ep();
	a1 = connect_one(ep, "203.0.113.1", "203.0.113.2");
	fake_sctp_comm_up(ep, a1);
	si.assoc = a1;

	fake_sctp_fail_next(FAKE_SCTP_SEND, -EAGAIN, 2);
	assert_int_equal(ps_send(ep, &si, "1", 1), -EAGAIN);
	assert_int_equal(ps_send(ep, &si, "1", 1), -EAGAIN);
	assert_int_equal(ps_send(ep, &si, "1", 1), 0);
	assert_int_equal(fake_sctp_ncalls(ep, FAKE_SCTP_SEND), 3);
	assert_int_equal(fake_sctp_nsent(ep), 1);
	assert_int_equal(fake_sctp_sent(ep, 0)->call, 2);

	fake_sctp_fail_next(FAKE_SCTP_RECV, -EIO, 1);
	assert_int_equal(ps_recv(ep, &ev), -EIO);
	assert_int_equal(ps_recv(ep, &ev), 0);	/* COMM_UP still queued */

	fake_sctp_fail_next(FAKE_SCTP_CONNECT, -ENETUNREACH, 1);
	assert_int_equal(ps_connect(ep, &(struct net_addr){ 0 }, 1, &a1),
			 -ENETUNREACH);
	assert_int_equal(fake_sctp_last_call(ep, FAKE_SCTP_CONNECT)->ret,
			 -ENETUNREACH);
	fake_sctp_fail_next(FAKE_SCTP_SEND, -EIO, 5);
	fake_sctp_fail_next(FAKE_SCTP_SEND, 0, 0);	/* cleared */
	assert_int_equal(ps_send(ep, &si, "1", 1), 0);
	ps_close(ep);
}

/* The agent's way: watch ps_fd() and drain on LOOP_IN. */
struct drain {
	struct ps_ep *ep;
	int calls, events;
};

static void on_sctp(void *arg, int fd, uint32_t events)
{
	struct drain *d = arg;
	struct ps_event ev;

	(void)fd;
	d->calls++;
	if (events & LOOP_IN)
		while (ps_recv(d->ep, &ev) == 0)
			d->events++;
}

static void test_sctp_drives_loop(void **state)
{
	struct drain d = { 0 };
	struct loop *l;
	int fd;

	(void)state;
	d.ep = open_ep();
	assert_int_equal(loop_create(&l), 0);
	assert_true(ps_fd(d.ep) >= FAKE_FD_BASE);
	assert_int_equal(loop_watch(l, ps_fd(d.ep), LOOP_IN, on_sctp, &d), 0);
	assert_int_equal(loop_run_once(l, -1), 0);	/* nothing pending */
	fake_sctp_comm_up(d.ep, 1);	/* incoming association */
	fake_sctp_data(d.ep, 1, 1, 51, "abc", 3);
	assert_int_equal(fake_sctp_assoc_state(d.ep, 1), FAKE_ASSOC_UP);
	assert_int_equal(loop_run_once(l, -1), 1);
	assert_int_equal(d.events, 2);
	assert_int_equal(loop_run_once(l, -1), 0);	/* drained */
	assert_int_equal(loop_run(l), 0);	/* idle: returns */
	fd = ps_fd(d.ep);
	assert_int_equal(loop_unwatch(l, fd), 0);
	ps_close(d.ep);
	assert_int_equal(fake_fd_ready(fd), 0);
	loop_destroy(l);
}

/* --- loop --------------------------------------------------------------- */

struct tl {
	struct loop *l;
	struct loop_timer *t[4];
	int order[64], n;
	uint64_t at[64];
	uint64_t first_due;
	uint32_t period;
	uint64_t fires;
	bool drift;
};

struct targ {
	struct tl *c;
	int id;
};

static void on_t(void *arg, struct loop_timer *t)
{
	struct targ *a = arg;

	(void)t;
	if (a->c->n < 64) {
		a->c->at[a->c->n] = clock_mono_ms();
		a->c->order[a->c->n++] = a->id;
	}
}

static void test_loop_timers_due_order(void **state)
{
	struct tl c = { 0 };
	struct targ args[4];
	uint64_t t0 = clock_mono_ms();

	(void)state;
	assert_int_equal(t0, FAKE_CLOCK_START_MS);
	assert_int_equal(loop_create(&c.l), 0);
	for (int i = 0; i < 4; i++) {
		args[i] = (struct targ){ &c, i };
		assert_int_equal(loop_timer_new(c.l, on_t, &args[i], &c.t[i]),
				 0);
	}
	loop_timer_in(c.t[0], 300);
	loop_timer_in(c.t[1], 100);
	loop_timer_in(c.t[2], 300);	/* same due as t0, armed later */
	loop_timer_at(c.t[3], t0 + 200, 0);
	assert_int_equal(fake_loop_armed_timers(c.l), 4);
	assert_int_equal(fake_loop_next_due(c.l), t0 + 100);
	assert_int_equal(loop_run_once(c.l, -1), 0);	/* nothing due now */
	assert_int_equal(fake_loop_advance(c.l, 250), 2);
	assert_int_equal(clock_mono_ms(), t0 + 250);
	assert_int_equal(fake_loop_advance_to_next(c.l), 2);
	assert_int_equal(clock_mono_ms(), t0 + 300);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.order[0], 1);
	assert_int_equal(c.at[0], t0 + 100);	/* fired at its due time */
	assert_int_equal(c.order[1], 3);
	assert_int_equal(c.at[1], t0 + 200);
	assert_int_equal(c.order[2], 0);
	assert_int_equal(c.order[3], 2);
	assert_int_equal(fake_loop_advance_to_next(c.l), 0);
	assert_int_equal(fake_loop_next_due(c.l), UINT64_MAX);

	/* fake_clock_advance alone runs nothing; run_once then does. */
	loop_timer_in(c.t[0], 10);
	fake_clock_advance(50);
	assert_int_equal(c.n, 4);
	assert_int_equal(loop_run_once(c.l, 0), 1);
	assert_int_equal(c.n, 5);
	for (int i = 0; i < 4; i++)
		loop_timer_free(c.t[i]);
	loop_destroy(c.l);
}

/* Periodic for a simulated day: every fire exactly on its grid. */
static void on_periodic(void *arg, struct loop_timer *t)
{
	struct tl *c = arg;

	(void)t;
	if (clock_mono_ms() != c->first_due + c->fires * c->period)
		c->drift = true;
	c->fires++;
}

static void test_loop_periodic_24h(void **state)
{
	struct tl c = { 0 }, c2 = { 0 };
	struct loop_timer *t, *t2;
	const uint64_t day = 24ull * 3600 * 1000;

	(void)state;
	assert_int_equal(loop_create(&c.l), 0);
	assert_int_equal(loop_timer_new(c.l, on_periodic, &c, &t), 0);
	assert_int_equal(loop_timer_new(c.l, on_periodic, &c2, &t2), 0);
	c.first_due = clock_mono_ms() + 7;
	c.period = 1000;
	c2.first_due = clock_mono_ms() + 333;
	c2.period = 333;
	loop_timer_at(t, c.first_due, c.period);
	loop_timer_at(t2, c2.first_due, c2.period);
	/* In uneven steps, as a test would drive it. */
	for (uint64_t done = 0; done < day; done += 999)
		fake_loop_advance(c.l, done + 999 <= day ? 999 : day - done);
	assert_false(c.drift);
	assert_false(c2.drift);
	assert_int_equal(c.fires, (day - 7) / 1000 + 1);
	assert_int_equal(c2.fires, (day - 333) / 333 + 1);
	assert_true(loop_timer_armed(t));
	loop_timer_free(t);
	loop_timer_free(t2);
	loop_destroy(c.l);
}

/* Callbacks that free themselves, stop others, and re-arm inside the
 * advanced window. */
struct chaos {
	struct loop *l;
	struct loop_timer *self_free, *victim, *rearm;
	int freed, victim_fired, rearm_fired, now_rearms;
};

static void on_self_free(void *arg, struct loop_timer *t)
{
	struct chaos *c = arg;

	loop_timer_free(t);
	c->self_free = NULL;
	c->freed++;
	loop_timer_stop(c->victim);
}

static void on_victim(void *arg, struct loop_timer *t)
{
	(void)t;
	((struct chaos *)arg)->victim_fired++;
}

static void on_rearm(void *arg, struct loop_timer *t)
{
	struct chaos *c = arg;

	if (++c->rearm_fired < 3)
		loop_timer_in(t, 10);
}

static void on_rearm_now(void *arg, struct loop_timer *t)
{
	struct chaos *c = arg;

	c->now_rearms++;
	loop_timer_in(t, 0);	/* would spin if run_once allowed it */
}

static void test_loop_callbacks_edit_timers(void **state)
{
	struct chaos c = { 0 };

	(void)state;
	assert_int_equal(loop_create(&c.l), 0);
	assert_int_equal(loop_timer_new(c.l, on_self_free, &c, &c.self_free),
			 0);
	assert_int_equal(loop_timer_new(c.l, on_victim, &c, &c.victim), 0);
	assert_int_equal(loop_timer_new(c.l, on_rearm, &c, &c.rearm), 0);
	loop_timer_in(c.self_free, 5);
	loop_timer_in(c.victim, 5);
	loop_timer_in(c.rearm, 1);
	assert_int_equal(fake_loop_advance(c.l, 100), 4);
	assert_int_equal(c.freed, 1);
	assert_int_equal(c.victim_fired, 0);
	assert_int_equal(c.rearm_fired, 3);	/* at +1, +11, +21 */
	assert_false(loop_timer_armed(c.rearm));

	loop_timer_free(c.rearm);
	assert_int_equal(loop_timer_new(c.l, on_rearm_now, &c, &c.rearm), 0);
	loop_timer_in(c.rearm, 0);
	assert_int_equal(loop_run_once(c.l, 0), 1);
	assert_int_equal(loop_run_once(c.l, 0), 1);
	assert_int_equal(c.now_rearms, 2);
	loop_timer_free(c.rearm);
	loop_timer_free(c.victim);
	loop_destroy(c.l);
}

struct fdsig {
	struct loop *l;
	int fd_calls, sigs;
	uint32_t events;
	enum loop_sig sig;
};

static void on_fd(void *arg, int fd, uint32_t events)
{
	struct fdsig *c = arg;

	(void)fd;
	c->fd_calls++;
	c->events = events;
}

static void on_sig(void *arg, enum loop_sig sig)
{
	struct fdsig *c = arg;

	c->sigs++;
	c->sig = sig;
	loop_stop(c->l);
}

static void test_loop_fds_and_signals(void **state)
{
	struct fdsig c = { 0 };
	int fd = fake_fd_alloc();

	(void)state;
	assert_int_equal(loop_create(&c.l), 0);
	assert_int_equal(fake_loop_fire_fd(c.l, fd, LOOP_IN), -ENOENT);
	assert_int_equal(loop_watch(c.l, fd, LOOP_IN, on_fd, &c), 0);
	assert_int_equal(fake_loop_watched(c.l, fd), LOOP_IN);
	assert_int_equal(fake_loop_nwatches(c.l), 1);
	assert_int_equal(fake_loop_fire_fd(c.l, fd, LOOP_IN | LOOP_OUT), 0);
	assert_int_equal(c.events, LOOP_IN);	/* masked to the watch */
	fake_fd_set_ready(fd, LOOP_OUT);
	assert_int_equal(loop_run_once(c.l, 0), 0);	/* not watched for OUT */
	fake_fd_set_ready(fd, LOOP_IN | LOOP_ERR);
	assert_int_equal(loop_run_once(c.l, 0), 1);
	assert_int_equal(c.events, LOOP_IN | LOOP_ERR);
	assert_int_equal(loop_run_once(c.l, 0), 1);	/* level stays */
	fake_fd_set_ready(fd, 0);
	assert_int_equal(loop_run_once(c.l, 0), 0);
	assert_int_equal(loop_unwatch(c.l, fd), 0);
	assert_int_equal(loop_unwatch(c.l, fd), -ENOENT);
	assert_int_equal(loop_watch(c.l, -1, LOOP_IN, on_fd, &c), -EBADF);

	assert_int_equal(fake_loop_raise(c.l, LOOP_SIG_TERM), -ENOENT);
	assert_int_equal(loop_signal(c.l, LOOP_SIG_TERM, on_sig, &c), 0);
	assert_int_equal(loop_signal(c.l, (enum loop_sig)0, on_sig, &c),
			 -EINVAL);
	assert_int_equal(fake_loop_raise(c.l, LOOP_SIG_TERM), 0);
	assert_int_equal(fake_loop_raise(c.l, LOOP_SIG_TERM), 0);
	assert_int_equal(c.sigs, 0);	/* queued, not synchronous */
	assert_int_equal(loop_run(c.l), 0);
	assert_int_equal(c.sigs, 1);	/* coalesced */
	assert_int_equal(c.sig, LOOP_SIG_TERM);
	loop_destroy(c.l);
}

/* --- clock, files, log -------------------------------------------------- */

static void test_clock(void **state)
{
	uint32_t a[3];

	(void)state;
	assert_int_equal(clock_wall_ms(), FAKE_CLOCK_WALL_MS);
	fake_clock_advance(1500);
	assert_int_equal(clock_mono_ms(), FAKE_CLOCK_START_MS + 1500);
	assert_int_equal(clock_wall_ms(), FAKE_CLOCK_WALL_MS + 1500);
	fake_clock_set_wall_offset(-(int64_t)clock_mono_ms());
	assert_int_equal(clock_wall_ms(), 0);	/* an NTP step to 1970 */
	fake_clock_seed(42);
	for (int i = 0; i < 3; i++)
		a[i] = clock_random();
	fake_clock_seed(42);
	for (int i = 0; i < 3; i++)
		assert_int_equal(clock_random(), a[i]);
	assert_int_not_equal(a[0], a[1]);
}

static void test_files(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	uint32_t mode = 0;

	(void)state;
	fake_file_put("/etc/sctpagent.ini", "[agent]\nname = pi\n", 0640);
	assert_int_equal(pf_read_all("/etc/sctpagent.ini", 100, &buf, &len),
			 0);
	assert_int_equal(len, 18);
	assert_string_equal(buf, "[agent]\nname = pi\n");
	free(buf);
	assert_int_equal(pf_read_all("/etc/sctpagent.ini", 10, &buf, &len),
			 -EFBIG);
	assert_int_equal(pf_read_all("/nope", 10, &buf, &len), -ENOENT);
	assert_int_equal(pf_mode("/etc/sctpagent.ini", &mode), 0);
	assert_int_equal(mode, 0640);

	fake_file_fail_next(FAKE_FILE_READ, -EACCES);
	assert_int_equal(pf_read_all("/etc/sctpagent.ini", 100, &buf, &len),
			 -EACCES);
	assert_int_equal(pf_read_all("/etc/sctpagent.ini", 100, &buf, &len),
			 0);	/* one-shot */
	free(buf);
	fake_file_fail_next(FAKE_FILE_MODE, -EACCES);
	assert_int_equal(pf_mode("/etc/sctpagent.ini", &mode), -EACCES);

	assert_int_equal(pf_write_atomic("/var/lib/state", "x", 1), -ENOENT);
	fake_file_mkdir_p("/var/lib");
	assert_int_equal(pf_write_atomic("/var/lib/state", "0123456789", 10),
			 0);
	assert_int_equal(pf_mode("/var/lib/state", &mode), 0);
	assert_int_equal(mode, 0600);
	fake_file_fail_next(FAKE_FILE_WRITE, -ENOSPC);
	assert_int_equal(pf_write_atomic("/var/lib/state", "new", 3), -ENOSPC);
	assert_string_equal(fake_file_get("/var/lib/state", &len),
			    "0123456789");
	fake_file_torn_next(4);
	assert_int_equal(pf_write_atomic("/var/lib/state", "abcdefgh", 8),
			 -EIO);
	assert_string_equal(fake_file_get("/var/lib/state", &len), "abcd");
	assert_int_equal(len, 4);
	assert_int_equal(fake_file_writes("/var/lib/state"), 2);
	fake_file_remove("/var/lib/state");
	assert_false(fake_file_exists("/var/lib/state"));
	assert_null(fake_file_get("/var/lib/state", NULL));
}

static void test_log(void **state)
{
	char line[32];

	(void)state;
	port_log_write(1, "ctl0 assoc 3: path 192.0.2.1 PF", 31);
	port_log_write(2, "hello", 5);
	assert_true(fake_log_contains("path 192.0.2.1 PF"));
	assert_false(fake_log_contains("nothing like this"));
	assert_int_equal(fake_log_count(), 2);
	assert_int_equal(fake_log_level(0), 1);
	assert_string_equal(fake_log_line(1), "hello");
	assert_null(fake_log_line(2));
	for (int i = 0; i < FAKE_LOG_LINES + 10; i++) {
		int n = snprintf(line, sizeof(line), "line %d", i);

		port_log_write(3, line, (size_t)n);
	}
	assert_int_equal(fake_log_count(), FAKE_LOG_LINES + 12);
	assert_false(fake_log_contains("hello"));	/* rolled out */
	assert_string_equal(fake_log_line(FAKE_LOG_LINES - 1), "line 521");
	assert_int_equal(fake_log_count_matching("line 52"), 3);
	fake_log_clear();
	assert_int_equal(fake_log_count(), 0);
	assert_false(fake_log_contains("line"));
}

/* Write @s at the end of @f. */
static void append(struct pf_file *f, const char *s)
{
	assert_int_equal(pf_append(f, s, strlen(s)), 0);
}

static void test_files_durability(void **state)
{
	struct pf_file *f, *g;
	char buf[32];
	size_t got;
	uint64_t size;

	(void)state;
	fake_file_mkdir_p("/s");
	assert_int_equal(pf_open("/s/none", PF_RDONLY, &f), -ENOENT);
	assert_int_equal(pf_open("/x/y", PF_APPEND | PF_CREATE, &f), -ENOENT);
	assert_int_equal(pf_open("/s/a", PF_APPEND | PF_RDWR, &f), -EINVAL);
	assert_int_equal(fake_file_ops(), 1);	/* a failed create counts */
	assert_int_equal(pf_open("/s/a", PF_APPEND | PF_CREATE, &f), 0);
	assert_int_equal(fake_file_ops(), 2);
	assert_int_equal(fake_file_op_kind(2), FAKE_OP_CREATE);
	append(f, "synced");
	assert_int_equal(pf_pwrite(f, "x", 1, 0), -EINVAL);	/* append-only */
	assert_int_equal(pf_datasync(f), 0);
	assert_int_equal(pf_sync_dir("/s"), 0);
	append(f, "+lost");
	assert_int_equal(pf_open("/s/a", PF_RDONLY, &g), 0);
	assert_int_equal(pf_pread(g, buf, sizeof(buf), 0, &got), 0);
	assert_int_equal(got, 11);
	assert_memory_equal(buf, "synced+lost", 11);
	assert_int_equal(pf_close(g), 0);
	assert_int_equal(fake_file_durable_len("/s/a"), 6);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	assert_int_equal(pf_size(f, &size), -EIO);	/* stale handle */
	assert_int_equal(pf_close(f), -EIO);
	assert_string_equal(fake_file_get("/s/a", NULL), "synced");
	assert_int_equal(fake_file_open_handles(), 0);

	/* A failed fdatasync drops the pages: the next one "succeeds"
	 * without them, and a power cut shows the hole. */
	assert_int_equal(pf_open("/s/a", PF_APPEND, &f), 0);
	append(f, "AAAA");
	assert_int_equal(fake_file_fault_at(fake_file_ops() + 1,
					    FAKE_FAULT_ERR, -EIO, 0), 0);
	assert_int_equal(pf_datasync(f), -EIO);
	assert_memory_equal(fake_file_get("/s/a", NULL), "synced\0\0\0\0", 10);
	append(f, "BB");
	assert_int_equal(pf_datasync(f), 0);	/* "succeeds" */
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	pf_close(f);
	assert_memory_equal(fake_file_get("/s/a", NULL), "synced\0\0\0\0BB", 12);
	assert_int_equal(pf_open("/s/b", PF_RDWR | PF_CREATE, &f), 0);
	assert_int_equal(pf_sync_dir("/s"), 0);
	memset(buf, 'p', sizeof(buf));
	assert_int_equal(pf_pwrite(f, buf, 8, 0), 0);
	assert_int_equal(fake_file_fault_at(fake_file_ops() + 1,
					    FAKE_FAULT_ERR, -EIO, 0), 0);
	assert_int_equal(pf_datasync(f), -EIO);
	assert_int_equal(pf_pwrite(f, "q", 1, 5000), 0);	/* page 2 */
	assert_int_equal(pf_datasync(f), 0);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	pf_close(f);
	assert_int_equal(fake_file_get("/s/b", &got)[0], '\0');	/* zeros */
	assert_int_equal(got, 5001);
	assert_int_equal(fake_file_get("/s/b", NULL)[5000], 'q');
}

static int collect_names(void *ctx, const char *name, enum pf_type type)
{
	char *out = ctx;

	strcat(out, name);
	strcat(out, type == PF_TYPE_DIR ? "/ " : " ");
	return 0;
}

static void test_files_names(void **state)
{
	struct pf_file *f;
	char names[128] = "";
	uint64_t avail, total;

	(void)state;
	fake_file_mkdir_p("/s");
	assert_int_equal(pf_mkdir("/s", 0700), -EEXIST);
	assert_int_equal(pf_mkdir("/s/q", 0700), 0);
	assert_int_equal(pf_open("/s/new", PF_APPEND | PF_CREATE, &f), 0);
	append(f, "data");
	assert_int_equal(pf_datasync(f), 0);
	assert_int_equal(pf_close(f), 0);
	assert_int_equal(pf_list_dir("/s", collect_names, names), 0);
	assert_non_null(strstr(names, "new "));
	assert_non_null(strstr(names, "q/ "));
	/* Synced data, but no directory sync: the name is lost. */
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	assert_false(fake_file_exists("/s/new"));
	assert_false(fake_file_exists("/s/q"));

	fake_file_put("/s/old", "old", 0600);
	assert_int_equal(pf_rename("/s/old", "/s/moved"), 0);
	assert_int_equal(pf_unlink("/s/moved"), 0);
	assert_int_equal(pf_unlink("/s/moved"), -ENOENT);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	assert_string_equal(fake_file_get("/s/old", NULL), "old");
	assert_int_equal(pf_rename("/s/old", "/s/moved"), 0);
	assert_int_equal(pf_sync_dir("/s"), 0);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	assert_false(fake_file_exists("/s/old"));
	assert_string_equal(fake_file_get("/s/moved", NULL), "old");

	fake_file_set_capacity(10);
	assert_int_equal(pf_fs_space("/s", &avail, &total), 0);
	assert_int_equal(total, 10);
	assert_int_equal(avail, 7);
	assert_int_equal(pf_open("/s/moved", PF_APPEND, &f), 0);
	assert_int_equal(pf_append(f, "123456789", 9), -ENOSPC);
	assert_string_equal(fake_file_get("/s/moved", NULL), "old1234567");
	assert_int_equal(pf_truncate(f, 3), 0);
	assert_int_equal(pf_close(f), 0);
	fake_file_fail_path("/s/moved", -EIO);
	assert_int_equal(pf_open("/s/moved", PF_RDONLY, &f), -EIO);
}

static void test_files_faults(void **state)
{
	struct pf_file *f;
	unsigned long base;
	size_t len;

	(void)state;
	fake_file_mkdir_p("/s");
	fake_file_put("/s/t", "", 0600);
	assert_int_equal(pf_open("/s/t", PF_APPEND, &f), 0);
	base = fake_file_ops();
	fake_file_fault_at(base + 1, FAKE_FAULT_SHORT, 0, 3);
	fake_file_fault_at(base + 2, FAKE_FAULT_ERR, -EIO, 0);
	fake_file_fault_at(base + 4, FAKE_FAULT_TORN, 0, 2);
	assert_int_equal(pf_append(f, "abcdef", 6), -ENOSPC);
	assert_string_equal(fake_file_get("/s/t", NULL), "abc");
	assert_int_equal(pf_append(f, "zz", 2), -EIO);	/* no effect */
	assert_string_equal(fake_file_get("/s/t", NULL), "abc");
	assert_int_equal(pf_truncate(f, 0), 0);
	assert_int_equal(pf_append(f, "torn", 4), -EIO);
	assert_true(fake_file_crashed());
	assert_int_equal(pf_datasync(f), -EIO);		/* dead */
	assert_int_equal(fake_file_op_kind(base + 4), FAKE_OP_WRITE);
	assert_int_equal(fake_file_op_kind(base + 5), FAKE_OP_SYNC);
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	pf_close(f);
	assert_string_equal(fake_file_get("/s/t", &len), "to");
	assert_false(fake_file_crashed());

	/* A cut before the call: nothing of it happens. */
	assert_int_equal(pf_open("/s/t", PF_APPEND, &f), 0);
	fake_file_fault_at(fake_file_ops() + 1, FAKE_FAULT_CRASH, 0, 0);
	assert_int_equal(pf_append(f, "x", 1), -EIO);
	assert_string_equal(fake_file_get("/s/t", NULL), "to");
	fake_file_power_cycle(FAKE_CRASH_LOSE_UNSYNCED, 0);
	pf_close(f);
}

/* Random mode: every seed keeps the synced bytes, and over many seeds
 * each unsynced page is sometimes kept and sometimes lost. */
static void test_files_random_crash(void **state)
{
	unsigned int kept2 = 0, lost2 = 0;
	static char page[4096];

	(void)state;
	for (uint32_t seed = 1; seed <= 64; seed++) {
		struct pf_file *f;
		size_t len;
		const char *d;

		fake_file_reset();
		fake_file_put("/s/r", "base", 0600);
		assert_int_equal(pf_open("/s/r", PF_APPEND, &f), 0);
		memset(page, 'a', sizeof(page) - 4);
		append(f, page);			/* page 0 rest */
		memset(page, 'b', sizeof(page) - 1);
		append(f, page);			/* page 1 */
		append(f, "c");
		fake_file_power_cycle(FAKE_CRASH_RANDOM, seed);
		pf_close(f);
		d = fake_file_get("/s/r", &len);
		assert_memory_equal(d, "base", 4);
		if (len > 4096 + 10 && d[4096 + 5] == 'b')
			kept2++;
		else
			lost2++;
	}
	assert_true(kept2 > 0);
	assert_true(lost2 > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_sctp_events_in_order, reset),
		cmocka_unit_test_teardown(test_sctp_connect_and_calls, reset),
		cmocka_unit_test_teardown(test_sctp_sendall_only_up, reset),
		cmocka_unit_test_teardown(test_sctp_send_rules, reset),
		cmocka_unit_test_teardown(test_sctp_fault_injection, reset),
		cmocka_unit_test_teardown(test_sctp_drives_loop, reset),
		cmocka_unit_test_teardown(test_loop_timers_due_order, reset),
		cmocka_unit_test_teardown(test_loop_periodic_24h, reset),
		cmocka_unit_test_teardown(test_loop_callbacks_edit_timers,
					  reset),
		cmocka_unit_test_teardown(test_loop_fds_and_signals, reset),
		cmocka_unit_test_teardown(test_clock, reset),
		cmocka_unit_test_teardown(test_files, reset),
		cmocka_unit_test_teardown(test_files_durability, reset),
		cmocka_unit_test_teardown(test_files_names, reset),
		cmocka_unit_test_teardown(test_files_faults, reset),
		cmocka_unit_test_teardown(test_files_random_crash, reset),
		cmocka_unit_test_teardown(test_log, reset),
	};

	return cmocka_run_group_tests(tests, reset, NULL);
}
