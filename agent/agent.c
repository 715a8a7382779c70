/* SPDX-License-Identifier: MIT */
/*
 * The running agent, the composition root: one loop, one SCTP endpoint
 * (one one-to-many socket) carrying one association per controller, one
 * sampler, the fan-out, the command handler, the outbox (agent_outbox.c).
 * It wires them together through their envs and dispatches the endpoint's
 * events by type; the socket is closed only at exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "agent/agent_int.h"
#include "agent/budget.h"
#include "agent/mq.h"
#include "agent/paths.h"
#include "agent/sensor.h"
#include "port/clock.h"
#include "port/loop.h"

#define RECV_BURST 64		/* events per wakeup before others get a turn */
#define MAX_MSG (64 * 1024)

static void on_sctp(void *arg, int fd, uint32_t events);

static void want_writable(struct agent *ag, bool on)
{
	if (ag->want_out == on)
		return;
	ag->want_out = on;
	loop_watch(ag->loop, ps_fd(ag->ep), LOOP_IN | (on ? LOOP_OUT : 0u),
		   on_sctp, ag);
}

static void check_stopped(struct agent *ag)
{
	if (!ag->stopping)
		return;
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		if (assoc_state(ag->assocs[i]) == AS_SHUTTING_DOWN)
			return;
	LOG(LOGM_MAIN, LOG_INFO, "every association closed");
	loop_stop(ag->loop);
}

/* ---- what the associations ask of the agent ---------------------------- */

static void a_on_state(void *arg, struct assoc *a, enum assoc_state old)
{
	struct agent *ag = arg;
	enum assoc_state s = assoc_state(a);

	(void)old;
	if (s == AS_UP)
		paths_assoc_up(a);
	else if (s == AS_DOWN || s == AS_CLOSED)
		paths_assoc_down(a);
	if (s == AS_DOWN || s == AS_CLOSED)
		check_stopped(ag);
}

static void a_on_message(void *arg, struct assoc *a, uint16_t stream,
			 uint32_t ppid, const uint8_t *buf, size_t len)
{
	struct agent *ag = arg;

	command_on_message(ag->cmd, a, stream, ppid, buf, len);
}

static void a_on_sent(void *arg, struct assoc *a, const struct mq_msg *m,
		      const void *data)
{
	(void)arg;
	paths_note_sent(a, m->stream, m->flags, m->lifetime_ms, m->seq, data, m->len);
}

static void p_stored(void *arg)
{
	agent_outbox_kick(arg);
}

static uint32_t a_tx_flags(void *arg, struct assoc *a, bool sending)
{
	(void)arg;
	return sending ? paths_tx(a) : paths_send_flags(a);
}

static void a_want_writable(void *arg)
{
	want_writable(arg, true);
}

static unsigned int a_connect_order(void *arg, struct assoc *a, struct net_addr *out)
{
	struct agent *ag = arg;

	return paths_connect_order(ag, &ag->cfg->ctrls[assoc_index(a)], out);
}

/* ---- what the command handler asks of the agent ------------------------ */

static int c_set_interval(void *arg, unsigned int sensor, uint32_t ms)
{
	struct agent *ag = arg;

	return sampler_set_interval(ag->sampler, sensor, ms);
}

static int c_read_now(void *arg, unsigned int sensor)
{
	struct agent *ag = arg;
	int rc = sampler_read_now(ag->sampler, sensor);

	if (!rc)		/* asked for now: do not let it wait in a bundle */
		publish_flush_bundles(ag->pub);
	return rc;
}

static int c_status(void *arg, const struct assoc *a, uint8_t *buf, size_t cap,
		    size_t *len)
{
	struct agent *ag = arg;

	ag->ssrc.unknown_assoc = ag->unknown_assoc;
	return status_encode(&ag->ssrc, a, buf, cap, len);
}

/* ---- events -------------------------------------------------------------- */

static void foreign_assoc(struct agent *ag, const struct ps_event *ev)
{
	struct ps_sndinfo si = { .assoc = ev->assoc, .flags = PS_SEND_ABORT };

	ag->unknown_assoc++;
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

/* The current id first; late events (SEND_FAILED after COMM_LOST) still
 * find their controller by its previous id. */
static struct assoc *find_assoc(struct agent *ag, ps_assoc_id id)
{
	for (unsigned int i = 0; id && i < ag->n_assoc; i++)
		if (assoc_id(ag->assocs[i]) == id)
			return ag->assocs[i];
	for (unsigned int i = 0; id && i < ag->n_assoc; i++)
		if (assoc_owns_id(ag->assocs[i], id))
			return ag->assocs[i];
	return NULL;
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
		assoc_on_data(a, ev);
		break;
	case PS_EV_SEND_FAILED:
		assoc_on_send_failed(a, ev);
		break;
	case PS_EV_PEER_ADDR_CHANGE:
		paths_on_peer(a, ev);
		break;
	case PS_EV_SHUTDOWN:
		ALOG(a, LOG_INFO, "peer is shutting down");
		break;
	case PS_EV_SENDER_DRY:
		paths_on_dry(a);
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
	if (events & LOOP_OUT) {
		want_writable(ag, false);
		for (unsigned int i = 0; i < ag->n_assoc; i++)
			assoc_flush(ag->assocs[i]);
	}
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
	agent_outbox_kick(ag);		/* ACKs may free segments */
}

static void on_reading(void *arg, unsigned int sensor, double value, int64_t wall_ms)
{
	struct agent *ag = arg;

	publish_reading(ag->pub, sensor, value, wall_ms);
}

static void log_status(struct agent *ag)
{
	ag->ssrc.unknown_assoc = ag->unknown_assoc;
	status_log(&ag->ssrc);
	sampler_log_status(ag->sampler);
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
	publish_flush_bundles(ag->pub);	/* partial packs go out before EOF */
	ag->stopping = true;
	LOG(LOGM_MAIN, LOG_INFO, "stopping: SCTP_EOF on every association");
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_close(ag->assocs[i], ASSOC_CLOSE_STOP, 0);
	loop_timer_in(ag->shutdown_timer, ag->cfg->agent.shutdown_timeout_ms);
	check_stopped(ag);
}

/* A controller in both configurations whose section changed: the running
 * settings stay until a restart (they are bound to its association). */
static void warn_changed(const struct cfg_controller *old, const struct cfg_controller *nw)
{
	if (old->n_addrs != nw->n_addrs || old->port != nw->port ||
	    memcmp(old->addrs, nw->addrs, old->n_addrs * sizeof(old->addrs[0])))
		LOG(LOGM_CONFIG, LOG_WARN, "reload: [controller.%s] changed; its new "
		    "addresses take effect at the next start", old->name);
}

/* SIGHUP: re-read the file. A controller gone from it is closed with
 * SCTP_EOF on its association only and what is held for it is dropped
 * (counted); one that comes back is connected again. Anything else needs
 * a restart (said in the log), because sensors, streams and paths are
 * bound to the running associations. A file with errors changes nothing. */
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
		struct assoc *a = ag->assocs[i];
		int k = config_ctrl_index(nc, assoc_name(a));

		if (k >= 0) {
			warn_changed(&ag->cfg->ctrls[i], &nc->ctrls[k]);
			assoc_reopen(a);
		} else if (!assoc_removed(a) && !ag->stopping) {
			ALOG(a, LOG_INFO, "removed from the configuration: closing");
			assoc_close(a, ASSOC_CLOSE_REMOVE, 0);
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

/* ---- set-up -------------------------------------------------------------- */

/* The endpoint: bind every path with a configured address (never the
 * wildcard when one is configured), INIT parameters from the config. */
static int open_endpoint(struct agent *ag)
{
	const struct config *c = ag->cfg;
	struct net_addr local[CONFIG_MAX_PATHS];
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

/* The envs every module gets: what it may ask of the others. */
static void wire(struct agent *ag)
{
	ag->aenv = (struct assoc_env){
		.cfg = ag->cfg, .loop = ag->loop, .ep = ag->ep,
		.budget = ag->budget, .ob = ag->ob, .epoch = ag->epoch,
		.boot_id = ag->boot_id, .start_wall_ms = ag->start_wall_ms,
		.arg = ag, .on_state = a_on_state, .on_message = a_on_message,
		.on_sent = a_on_sent, .tx_flags = a_tx_flags,
		.want_writable = a_want_writable,
		.connect_order = a_connect_order,
	};
	ag->penv = (struct publish_env){ .cfg = ag->cfg, .loop = ag->loop,
		.assocs = ag->assocs, .n_assocs = ag->cfg->n_ctrls, .ob = ag->ob,
		.stored = p_stored, .arg = ag };
	ag->cenv = (struct command_env){ .cfg = ag->cfg, .arg = ag,
		.set_interval = c_set_interval, .read_now = c_read_now,
		.status = c_status, .status_max = status_max_len(ag->cfg) };
}

static int make_modules(struct agent *ag)
{
	int rc = 0;

	for (unsigned int i = 0; !rc && i < ag->cfg->n_ctrls; i++, ag->n_assoc++) {
		ag->assocs[i] = &ag->assoc[i];
		rc = assoc_init(&ag->assoc[i], &ag->aenv, i);
		ag->assoc[i].ag = ag;
	}
	rc = rc ? rc : paths_init(ag);
	rc = rc ? rc : publish_create(&ag->penv, &ag->pub);
	rc = rc ? rc : command_create(&ag->cenv, &ag->cmd);
	ag->ssrc = (struct status_src){ .cfg = ag->cfg, .ep = ag->ep,
		.sampler = NULL, .assocs = ag->assocs, .n_assocs = ag->n_assoc,
		.pub = ag->pub, .cmd = ag->cmd, .budget = ag->budget,
		.ob = ag->ob, .ob_on_disk = ag->ob_on_disk, .epoch = ag->epoch };
	return rc;
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
	rc = budget_create((size_t)ag->cfg->agent.memory_budget_kb * 1024, &ag->budget);
	rc = rc ? rc : agent_outbox_open(ag);	/* the epoch of this run */
	if (rc)
		return rc;
	wire(ag);
	rc = loop_watch(ag->loop, ps_fd(ag->ep), LOOP_IN, on_sctp, ag);
	rc = rc ? rc : loop_timer_new(ag->loop, on_shutdown_timeout, ag, &ag->shutdown_timer);
	rc = rc ? rc : loop_timer_new(ag->loop, on_duration, ag, &ag->stop_timer);
	rc = rc ? rc : make_modules(ag);
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
	ag->ssrc.sampler = ag->sampler;
	loop_signal(ag->loop, LOOP_SIG_TERM, on_signal, ag);
	loop_signal(ag->loop, LOOP_SIG_INT, on_signal, ag);
	loop_signal(ag->loop, LOOP_SIG_USR1, on_signal, ag);
	loop_signal(ag->loop, LOOP_SIG_HUP, on_signal, ag);
	if (o->duration_s)	/* in 64 bits: a year of ms does not fit 32 */
		loop_timer_at(ag->stop_timer, clock_mono_ms() + o->duration_s * 1000ull, 0);
	return 0;
}

static void teardown(struct agent *ag)
{
	sampler_destroy(ag->sampler);
	command_destroy(ag->cmd);
	publish_destroy(ag->pub);
	paths_fini(ag);
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_fini(&ag->assoc[i]);
	agent_outbox_close(ag);
	budget_destroy(ag->budget);
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
		assoc_connect(ag->assocs[i]);
	LOG(LOGM_MAIN, LOG_INFO, "agent '%s' started (%s): %u controllers, "
	    "%u sensors", cfg->agent.name, cli_version(), cfg->n_ctrls, cfg->n_sensors);
	*out = ag;
	return 0;
}

void agent_destroy(struct agent *ag)
{
	if (!ag)
		return;
	if (ag->pub)
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
