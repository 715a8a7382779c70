// SPDX-License-Identifier: MIT
/*
 * bench_tput: uplink throughput of small readings through the agent, as a
 * ratio to a raw ps_send() loop on the same port (make bench,
 * tests/vm/scenarios/bench_tput.sh).
 *
 *   bench_tput agent|raw SECONDS INI
 *
 * Both modes build the real agent from INI (one controller, sensors that
 * do not fire during the run) on the real port, wait for its association
 * and HELLO, then for SECONDS:
 *   agent: publish_reading() as fast as the agent takes them: the whole
 *          core path (SenML/CBOR encoding, header and sequence number,
 *          fan-out, queues, the un-ACKed store, ps_send), keeping at most
 *          32 messages in its own queue, the loop run between;
 *   raw:   ps_send() of a 64-byte payload on the same association, stream
 *          and PPID, waiting for POLLOUT on -EAGAIN.
 * Prints "TPUT mode=M transport=T msgs=N secs=S rate=R bytes=B". A loop
 * turn waits at most 10 ms for the socket in both modes.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "agent/agent_int.h"
#include "agent/assoc_int.h"
#include "agent/mq.h"
#include "agent/msg.h"
#include "agent/publish.h"
#include "port/clock.h"
#include "port/loop.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int wait_up(struct agent *ag, double limit)
{
	double end = now_s() + limit;

	while (now_s() < end) {
		loop_run_once(agent_loop(ag), 50);
		if (ag->assoc[0].state == AS_UP && ag->assoc[0].ready &&
		    !mq_len(ag->assoc[0].ctrlq))
			return 0;
	}
	return -ETIMEDOUT;
}

static uint64_t run_agent(struct agent *ag, double secs)
{
	struct assoc *a = &ag->assoc[0];
	uint64_t n0 = a->st.msgs_sent;
	double end = now_s() + secs, v = 0;

	while (now_s() < end) {
		for (int i = 0; i < 64; i++) {
			if (assoc_backlog(a) > 0 || a->state != AS_UP)
				break;
			publish_reading(ag->pub, 0, v, clock_wall_ms(), false);
			v += 0.5;
		}
		loop_run_once(ag->loop, assoc_backlog(a) > 0 ? 10 : 0);
	}
	return a->st.msgs_sent - n0;
}

static uint64_t run_raw(struct agent *ag, double secs)
{
	struct assoc *a = &ag->assoc[0];
	struct ps_sndinfo si = { .assoc = a->id, .stream = 1, .ppid = MSG_PPID };
	uint8_t payload[64];
	double end = now_s() + secs;
	uint64_t n = 0;

	memset(payload, 0x5a, sizeof(payload));
	while (now_s() < end) {
		for (int i = 0; i < 64; i++) {
			int rc = ps_send(ag->ep, &si, payload, sizeof(payload));

			if (rc == 0) {
				n++;
				continue;
			}
			if (rc == -EAGAIN) {
				struct pollfd p = { .fd = ps_fd(ag->ep), .events = POLLOUT };

				poll(&p, 1, 10);
			}
			break;
		}
		loop_run_once(ag->loop, 0);	/* SACKs, ACKs, events */
	}
	return n;
}

int main(int argc, char **argv)
{
	struct cli_opts o;
	struct cfg_diag d;
	struct config *cfg;
	struct agent *ag;
	uint64_t n, b0;
	double secs, t0;
	struct ps_stats st;
	bool raw;

	if (argc != 4 || (strcmp(argv[1], "agent") && strcmp(argv[1], "raw")) ||
	    (secs = atof(argv[2])) <= 0) {
		fprintf(stderr, "usage: bench_tput agent|raw SECONDS INI\n");
		return 2;
	}
	raw = !strcmp(argv[1], "raw");
	if (config_load(argv[3], &cfg, &d)) {
		for (unsigned int i = 0; i < d.n; i++)
			fprintf(stderr, "%s\n", d.msg[i]);
		return 1;
	}
	memset(&o, 0, sizeof(o));
	if (agent_create(cfg, &o, &ag))
		return 1;
	if (wait_up(ag, 15)) {
		fprintf(stderr, "bench_tput: no association\n");
		return 1;
	}
	ps_get_stats(ag->ep, &st);
	b0 = st.tx_bytes;
	t0 = now_s();
	n = raw ? run_raw(ag, secs) : run_agent(ag, secs);
	t0 = now_s() - t0;
	ps_get_stats(ag->ep, &st);
	printf("TPUT mode=%s transport=%s msgs=%llu secs=%.2f rate=%.0f bytes=%.1f\n",
	       argv[1], ps_transport_of(ag->ep) == PS_TRANSPORT_UDP ? "usrsctp" :
	       cfg->paths[0].udp_port ? "kernel+udp" : "kernel",
	       (unsigned long long)n, t0, n / t0,
	       n ? (double)(st.tx_bytes - b0) / n : 0);
	fflush(stdout);
	agent_stop(ag);
	loop_run(ag->loop);
	agent_destroy(ag);
	config_free(cfg);
	return 0;
}
