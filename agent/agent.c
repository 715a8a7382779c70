/* SPDX-License-Identifier: MIT */
/*
 * The running agent: one loop, one SCTP endpoint (one one-to-many socket)
 * carrying one association per controller, one sampler. Events from the
 * endpoint are dispatched by type; the socket is closed only at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/agent_int.h"
#include "agent/sensor.h"
#include "agent/transport.h"
#include "port/clock.h"
#include "port/loop.h"

#define RECV_BURST 64		/* events per wakeup before others get a turn */
#define MAX_MSG (64 * 1024)

static void on_sctp(void *arg, int fd, uint32_t events);

void agent_want_writable(struct agent *ag, bool on)
{
	if (ag->want_out == on)
		return;
	ag->want_out = on;
	loop_watch(ag->loop, ps_fd(ag->ep), LOOP_IN | (on ? LOOP_OUT : 0u),
		   on_sctp, ag);
}

void agent_check_stopped(struct agent *ag)
{
	if (!ag->stopping)
		return;
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		if (ag->assoc[i].state == AS_SHUTTING_DOWN)
			return;
	LOG(LOGM_MAIN, LOG_INFO, "every association closed");
	loop_stop(ag->loop);
}

static void foreign_assoc(struct agent *ag, const struct ps_event *ev)
{
	struct ps_sndinfo si = { .assoc = ev->assoc, .flags = PS_SEND_ABORT };

	ag->st.unknown_assoc++;
	if (ev->type == PS_EV_ASSOC_CHANGE &&
	    (ev->u.assoc.state == PS_COMM_UP || ev->u.assoc.state == PS_RESTART)) {
		LOG(LOGM_MAIN, LOG_WARN, "assoc=%u: not a configured controller: aborted",
		    (unsigned int)ev->assoc);
		ps_send(ag->ep, &si, "not a controller", 16);
		return;
	}
	LOG(LOGM_MAIN, LOG_DEBUG, "assoc=%u: %s for no known association (counted)",
	    (unsigned int)ev->assoc, ps_ev_name(ev->type));
}

/* Late events (SEND_FAILED after COMM_LOST) still find their controller. */
static struct assoc *find_assoc(struct agent *ag, ps_assoc_id id)
{
	struct assoc *a = assoc_by_id(ag, id);

	for (unsigned int i = 0; !a && id && i < ag->n_assoc; i++)
		if (ag->assoc[i].old_id == id)
			a = &ag->assoc[i];
	return a;
}

static void on_event(struct agent *ag, const struct ps_event *ev)
{
	struct assoc *a = find_assoc(ag, ev->assoc);

	if (!a) {
		foreign_assoc(ag, ev);
		return;
	}
	switch (ev->type) {
	case PS_EV_ASSOC_CHANGE:
		assoc_on_change(a, ev);
		break;
	case PS_EV_DATA:
		command_on_data(a, ev);
		break;
	case PS_EV_SEND_FAILED:
		publish_send_failed(a, ev);
		break;
	case PS_EV_PEER_ADDR_CHANGE:
		paths_on_peer(a, ev);
		break;
	case PS_EV_SHUTDOWN:
		ALOG(a, LOG_INFO, "peer is shutting down");
		break;
	case PS_EV_REMOTE_ERROR:
		ALOG(a, LOG_WARN, "remote error cause %u", ev->u.remote_error.cause);
		break;
	default:
		ALOG(a, LOG_DEBUG, "event %s", ps_ev_name(ev->type));
		break;
	}
}

static void on_sctp(void *arg, int fd, uint32_t events)
{
	struct agent *ag = arg;
	struct ps_event ev;

	(void)fd;
	if (events & LOOP_OUT)
		publish_flush_all(ag);
	for (int i = 0; i < RECV_BURST; i++) {
		int rc = ps_recv(ag->ep, &ev);

		if (rc == -EAGAIN)
			break;
		if (rc) {
			LOG(LOGM_MAIN, LOG_ERR, "receive failed: %s", strerror(-rc));
			break;
		}
		on_event(ag, &ev);
	}
}

static void on_reading(void *arg, unsigned int sensor, double value, int64_t wall_ms)
{
	publish_reading(arg, sensor, value, wall_ms);
}

static void log_status(struct agent *ag)
{
	struct ps_stats ps;

	ps_get_stats(ag->ep, &ps);
	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		struct assoc *a = &ag->assoc[i];
		ALOG(a, LOG_INFO, "sent %llu msgs, %llu bytes; send-failed %llu, "
		     "requeued %llu, replayed %llu, abandoned %llu, dropped %llu; "
		     "up %llu, lost %llu; failovers %llu, failbacks %llu; bad input %llu",
		     (unsigned long long)a->st.msgs_sent,
		     (unsigned long long)a->st.bytes_sent,
		     (unsigned long long)a->st.send_failed,
		     (unsigned long long)a->st.requeued,
		     (unsigned long long)a->st.replayed,
		     (unsigned long long)a->st.abandoned,
		     (unsigned long long)a->st.dropped,
		     (unsigned long long)a->st.comm_up,
		     (unsigned long long)a->st.comm_lost,
		     (unsigned long long)a->st.failovers,
		     (unsigned long long)a->st.failbacks,
		     (unsigned long long)a->st.bad_msgs);
	}
	LOG(LOGM_MAIN, LOG_INFO, "readings %llu, fan-outs by SENDALL %llu (%llu "
	    "emulated by the port), by unicast %llu; notifications %llu, unknown %llu",
	    (unsigned long long)ag->st.readings, (unsigned long long)ag->st.sendall,
	    (unsigned long long)ps.sendall_fallbacks,
	    (unsigned long long)ag->st.unicast_fanouts,
	    (unsigned long long)ps.notifications,
	    (unsigned long long)ps.unknown_notifications);
	for (int i = 0; i < MSG_ERR_COUNT; i++)
		if (ag->st.bad_msgs[i])
			LOG(LOGM_MAIN, LOG_INFO, "rejected input: %llu x %s",
			    (unsigned long long)ag->st.bad_msgs[i], msg_err_str((enum msg_err)i));
	paths_log_status(ag);
}

static void on_status_timer(void *arg, struct loop_timer *t)
{
	(void)t;
	paths_log_status(arg);
}

static void on_shutdown_timeout(void *arg, struct loop_timer *t)
{
	struct agent *ag = arg;

	(void)t;
	LOG(LOGM_MAIN, LOG_WARN, "shutdown timeout: closing the socket anyway");
	loop_stop(ag->loop);
}

void agent_stop(struct agent *ag)
{
	if (ag->stopping)
		return;
	publish_flush_bundles(ag);	/* partial packs go out before EOF */
	ag->stopping = true;
	LOG(LOGM_MAIN, LOG_INFO, "stopping: SCTP_EOF on every association");
	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		loop_timer_stop(ag->assoc[i].timer);
		assoc_close(&ag->assoc[i]);
	}
	loop_timer_in(ag->shutdown_timer, ag->cfg->agent.shutdown_timeout_ms);
	agent_check_stopped(ag);
}

/* SIGHUP: re-read the file. A controller gone from it is closed with
 * SCTP_EOF on its association only; everything else needs a restart
 * (said in the log), because sensors, streams and paths are bound to the
 * running associations. A file with errors changes nothing. */
void agent_reload(struct agent *ag)
{
	struct cfg_diag *d = calloc(1, sizeof(*d));
	struct config *nc = NULL;

	if (!d)
		return;
	if (config_load(ag->cfg->file, &nc, d)) {
		for (unsigned int i = 0; i < d->n; i++)
			LOG(LOGM_CONFIG, LOG_ERR, "%s", d->msg[i]);
		LOG(LOGM_CONFIG, LOG_ERR, "reload: %s has errors; keeping the "
		    "running configuration", ag->cfg->file);
		free(d);
		return;
	}
	for (unsigned int i = 0; i < ag->n_assoc; i++) {
		struct assoc *a = &ag->assoc[i];
		if (config_ctrl_index(nc, a->cfg->name) < 0 && a->state != AS_CLOSED) {
			ALOG(a, LOG_INFO, "removed from the configuration: closing");
			assoc_close(a);
		}
	}
	for (unsigned int i = 0; i < nc->n_ctrls; i++)
		if (config_ctrl_index(ag->cfg, nc->ctrls[i].name) < 0)
			LOG(LOGM_CONFIG, LOG_WARN, "reload: new [controller.%s] "
			    "takes effect at the next start", nc->ctrls[i].name);
	LOG(LOGM_CONFIG, LOG_INFO, "reload of %s done", ag->cfg->file);
	config_free(nc);
	free(d);
}

static void on_signal(void *arg, enum loop_sig sig)
{
	struct agent *ag = arg;

	if (sig == LOOP_SIG_USR1) {
		log_status(ag);
		return;
	}
	if (sig == LOOP_SIG_HUP) {
		agent_reload(ag);
		return;
	}
	agent_stop(ag);
}

static void on_duration(void *arg, struct loop_timer *t)
{
	(void)t;
	LOG(LOGM_MAIN, LOG_INFO, "duration reached");
	agent_stop(arg);
}

/* The endpoint: bind every path with a configured address (never the
 * wildcard when one is configured), INIT parameters from the config. */
static int open_endpoint(struct agent *ag)
{
	const struct config *c = ag->cfg;
	struct net_addr local[CONFIG_MAX_PATHS];
	struct ps_encap encap[PS_MAX_ENCAP];
	struct ps_config pc = {
		.local = local, .port = c->agent.local_port,
		.in_streams = CONFIG_MAX_STREAMS,
		.init_max_attempts = c->agent.init_max_attempts,
		.init_timeout_ms = c->agent.init_timeout_ms,
		.max_msg = MAX_MSG, .nodelay = true,
		.interleave = c->agent.interleave,
	};

	for (unsigned int i = 0; i < c->n_paths; i++)
		if (!c->paths[i].addr_auto)
			local[pc.n_local++] = c->paths[i].addr;
	for (unsigned int i = 0; i < c->n_ctrls; i++)
		if (c->ctrls[i].streams > pc.out_streams)
			pc.out_streams = c->ctrls[i].streams;
	if (transport_fill(c, &pc, encap))
		LOG(LOGM_MAIN, LOG_WARN, "more than %u controller addresses over "
		    "UDP: the rest stay native", PS_MAX_ENCAP);
	return ps_open(&pc, &ag->ep);
}

static int start_sampler(struct agent *ag, char *why, unsigned int n)
{
	const struct config *c = ag->cfg;
	struct sampler_sensor_cfg sc[CONFIG_MAX_SENSORS];

	for (unsigned int i = 0; i < c->n_sensors; i++)
		sc[i] = (struct sampler_sensor_cfg){ c->sensors[i].name,
			c->sensors[i].driver, c->sensors[i].source,
			c->sensors[i].interval_ms };
	return sampler_create(ag->loop, sc, c->n_sensors, on_reading, ag,
			      &ag->sampler, why, n);
}

static int setup(struct agent *ag, const struct cli_opts *o)
{
	char why[200] = "";
	int rc;

	rc = loop_create(&ag->loop);
	if (!rc)
		rc = open_endpoint(ag);
	if (rc) {
		LOG(LOGM_MAIN, LOG_ERR, "cannot open the SCTP endpoint: %s%s",
		    strerror(-rc), rc == -EPROTONOSUPPORT ?
		    " (no SCTP in this kernel: modprobe sctp)" : "");
		return rc;
	}
	LOG(LOGM_MAIN, LOG_INFO, "SCTP transport: %s",
	    ps_transport_of(ag->ep) == PS_TRANSPORT_UDP ?
	    "userspace stack over UDP (usrsctp)" : "kernel");
	rc = loop_watch(ag->loop, ps_fd(ag->ep), LOOP_IN, on_sctp, ag);
	rc = rc ? rc : loop_timer_new(ag->loop, on_shutdown_timeout, ag, &ag->shutdown_timer);
	rc = rc ? rc : loop_timer_new(ag->loop, on_duration, ag, &ag->stop_timer);
	for (unsigned int i = 0; !rc && i < ag->cfg->n_ctrls; i++, ag->n_assoc++)
		rc = assoc_init(ag, &ag->assoc[i], i);
	rc = rc ? rc : paths_init(ag);
	rc = rc ? rc : publish_init(ag);
	rc = rc ? rc : loop_timer_new(ag->loop, on_status_timer, ag, &ag->status_timer);
	if (!rc && ag->cfg->agent.status_interval_ms)
		loop_timer_at(ag->status_timer, clock_mono_ms() + ag->cfg->agent.status_interval_ms,
			      ag->cfg->agent.status_interval_ms);
	if (!rc)
		rc = start_sampler(ag, why, sizeof(why));
	if (rc) {
		LOG(LOGM_MAIN, LOG_ERR, "cannot start: %s", why[0] ? why : strerror(-rc));
		return rc;
	}
	loop_signal(ag->loop, LOOP_SIG_TERM, on_signal, ag);
	loop_signal(ag->loop, LOOP_SIG_INT, on_signal, ag);
	loop_signal(ag->loop, LOOP_SIG_USR1, on_signal, ag);
	loop_signal(ag->loop, LOOP_SIG_HUP, on_signal, ag);
	if (o->duration_s)
		loop_timer_in(ag->stop_timer, o->duration_s * 1000u);
	return 0;
}

static void teardown(struct agent *ag)
{
	sampler_destroy(ag->sampler);
	publish_fini(ag);
	paths_fini(ag);
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_fini(&ag->assoc[i]);
	loop_timer_free(ag->status_timer);
	loop_timer_free(ag->shutdown_timer);
	loop_timer_free(ag->stop_timer);
	if (ag->ep)
		loop_unwatch(ag->loop, ps_fd(ag->ep));
	ps_close(ag->ep);
	loop_destroy(ag->loop);
}

int agent_create(const struct config *cfg, const struct cli_opts *o,
		 struct agent **out)
{
	struct agent *ag = calloc(1, sizeof(*ag));
	int rc;

	if (!ag)
		return -ENOMEM;
	ag->cfg = cfg;
	ag->boot_id = (uint64_t)clock_random() << 32 | clock_random();
	ag->start_wall_ms = clock_wall_ms();
	rc = setup(ag, o);
	if (rc) {
		teardown(ag);
		free(ag);
		return rc;
	}
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_connect(&ag->assoc[i]);
	LOG(LOGM_MAIN, LOG_INFO, "agent '%s' started (%s): %u controllers, "
	    "%u sensors", cfg->agent.name, cli_version(), cfg->n_ctrls, cfg->n_sensors);
	*out = ag;
	return 0;
}

void agent_destroy(struct agent *ag)
{
	if (!ag)
		return;
	log_status(ag);
	teardown(ag);
	free(ag);
}

struct loop *agent_loop(struct agent *ag)
{
	return ag->loop;
}

int agent_run(const struct config *cfg, const struct cli_opts *o)
{
	struct agent *ag;
	int rc = agent_create(cfg, o, &ag);

	if (rc)
		return 1;
	rc = loop_run(ag->loop);
	agent_destroy(ag);
	LOG(LOGM_MAIN, LOG_INFO, "stopped");
	return rc ? 1 : 0;
}
