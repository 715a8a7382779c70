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
#include "agent/clockwatch.h"
#include "agent/mq.h"
#include "agent/names.h"
#include "agent/outbox.h"
#include "agent/paths.h"
#include "agent/secure.h"
#include "agent/reload.h"
#include "agent/sensor.h"
#include "agent/svc.h"
#include "agent/transport.h"
#include "port/clock.h"
#include "port/ctlsock.h"
#include "port/log.h"
#include "port/loop.h"

#define RECV_BURST 64		/* events per wakeup before others get a turn */
#define MAX_MSG (64 * 1024)
#define STACK_POLL_MS 1000	/* the userspace stack's buffers, to the budget */
#define AGENT_TICK_MS 1000	/* clock-step check, log rate-limit windows */

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
	if ((s == AS_DOWN || s == AS_CLOSED) && ag->sec)
		secure_down(ag->sec, a);	/* the session belonged to that association */
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

	return paths_connect_order(ag, names_view(ag->names, assoc_index(a)), out);
}

static void on_names(void *arg, int rc)
{
	struct assoc *a = arg;
	struct agent *ag = a->ag;

	assoc_resolved(a, names_view(ag->names, assoc_index(a)), rc);
}

static void a_resolve(void *arg, struct assoc *a)
{
	struct agent *ag = arg;
	int rc = names_resolve(ag->names, assoc_index(a), on_names, a);

	if (rc != -EINPROGRESS)
		on_names(a, rc);
}

/* The secure channel (seam (a) of agent/assoc.h): wired only with DTLS. */
static void a_channel_open(void *arg, struct assoc *a)
{
	secure_open(((struct agent *)arg)->sec, a);
}

static int a_channel_send(void *arg, struct assoc *a, const struct ps_sndinfo *si,
			  const void *buf, size_t len)
{
	return secure_send(((struct agent *)arg)->sec, a, si, buf, len);
}

static void a_channel_data(void *arg, struct assoc *a, const struct ps_event *ev)
{
	secure_on_data(((struct agent *)arg)->sec, a, ev);
}

static int a_channel_close(void *arg, struct assoc *a)
{
	return secure_shutdown(((struct agent *)arg)->sec, a);
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

/* The local status socket (sctpagent status): the STATUS maps of every
 * controller, the same data a controller's STATUS command gets. */
static int on_ctl(void *arg, const char *req, uint8_t *buf, size_t cap, size_t *len)
{
	struct agent *ag = arg;

	if (strcmp(req, "status"))
		return -EINVAL;
	ag->ssrc.unknown_assoc = ag->unknown_assoc;
	return status_encode_all(&ag->ssrc, buf, cap, len);
}

/* Not having the socket is no reason not to run: said once, and the
 * agent goes on (a shell run as a user without /run/sctpagent). */
static void open_ctl(struct agent *ag)
{
	const char *path = ag->cfg->agent.status_socket;
	int rc;

	if (!path[0])
		return;
	rc = ctl_listen(ag->loop, path, status_all_max_len(ag->cfg), on_ctl, ag, &ag->ctl);
	if (rc)
		LOG(LOGM_MAIN, LOG_WARN, "status socket %s: %s; 'sctpagent status' "
		    "will not reach this agent%s", path, strerror(-rc),
		    rc == -ENOENT ? " (no such directory: the unit's "
		    "RuntimeDirectory= makes it)" : rc == -EADDRINUSE ?
		    " (another agent answers there)" : "");
	else
		LOG(LOGM_MAIN, LOG_DEBUG, "status socket %s", path);
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
		svc_changed(ag->svc);
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
	case PS_EV_AUTH:
		if (ag->sec)
			secure_on_event(ag->sec, a, ev);
		break;
	case PS_EV_SENDER_DRY:
		paths_on_dry(a);
		if (ag->sec)
			secure_on_event(ag->sec, a, ev);
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

	ag->last[sensor] = (struct status_reading){ value, wall_ms, true };
	publish_reading(ag->pub, sensor, value, wall_ms, clockwatch_reading(ag->cw));
}

/* What the log held back: rate-limited, or dropped by a stalled output. */
static void log_status_line(void)
{
	struct log_rl_stats rl;
	struct port_log_stats st;

	log_get_rl_stats(&rl);
	port_log_get_stats(&st);
	LOG(LOGM_MAIN, LOG_INFO, "log: %llu lines suppressed as repeated (%llu "
	    "summaries), %llu dropped by a stalled output, %llu lost to errors",
	    (unsigned long long)rl.suppressed, (unsigned long long)rl.summaries,
	    (unsigned long long)st.dropped, (unsigned long long)st.errors);
}

/* Asked for: never rate-limited. */
static void log_status(struct agent *ag)
{
	ag->ssrc.unknown_assoc = ag->unknown_assoc;
	log_unlimited(true);
	status_log(&ag->ssrc);
	for (unsigned int i = 0; ag->sec && i < ag->n_assoc; i++)
		secure_log_status(ag->sec, ag->assocs[i]);
	sampler_log_status(ag->sampler);
	paths_log_status(ag);
	clockwatch_log_status(ag->cw);
	log_status_line();
	log_unlimited(false);
}

static void on_status_timer(void *arg, struct loop_timer *t)
{
	(void)t;
	log_unlimited(true);
	paths_log_status(arg);
	log_unlimited(false);
}

/* Between two ticks the wall clock may have been stepped; windows of
 * rate-limited log lines end. */
static void on_tick(void *arg, struct loop_timer *t)
{
	struct agent *ag = arg;

	(void)t;
	clockwatch_tick(ag->cw);
	log_tick(clock_mono_ms());
}

/* The userspace stack keeps what it has not sent or not had SACKed (and
 * what it reassembles) in this process: charge it to the memory budget,
 * so the budget bounds the stack's buffers and the agent's stores
 * together (a long outage evicts readings rather than growing past it). */
static void on_stack_timer(void *arg, struct loop_timer *t)
{
	struct agent *ag = arg;
	struct ps_stats st;

	(void)t;
	ps_get_stats(ag->ep, &st);
	if (st.stack_bytes > ag->stack_charged)
		budget_charge(ag->budget, ag->stack_acct,
			      (size_t)(st.stack_bytes - ag->stack_charged));
	else if (st.stack_bytes < ag->stack_charged)
		budget_release(ag->budget, ag->stack_acct,
			       (size_t)(ag->stack_charged - st.stack_bytes));
	ag->stack_charged = st.stack_bytes;
}

static int start_stack_account(struct agent *ag)
{
	int rc;

	if (ps_transport_of(ag->ep) != PS_TRANSPORT_UDP)
		return 0;	/* kernel SCTP: its buffers are kernel memory */
	ag->stack_acct = budget_account(ag->budget, NULL, NULL);
	if (ag->stack_acct < 0)
		return ag->stack_acct;
	rc = loop_timer_new(ag->loop, on_stack_timer, ag, &ag->stack_timer);
	if (!rc)
		loop_timer_at(ag->stack_timer, clock_mono_ms() + STACK_POLL_MS,
			      STACK_POLL_MS);
	return rc;
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
	svc_stopping(ag->svc);
	LOG(LOGM_MAIN, LOG_INFO, "stopping: SCTP_EOF on every association");
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_close(ag->assocs[i], ASSOC_CLOSE_STOP, 0);
	loop_timer_in(ag->shutdown_timer, ag->cfg->agent.shutdown_timeout_ms);
	check_stopped(ag);
}

static void paths_changed(void *arg)
{
	paths_reapply(arg);
}

static void sensor_cfgs(const struct config *c, struct sampler_sensor_cfg *sc)
{
	for (unsigned int i = 0; i < c->n_sensors; i++)
		sc[i] = (struct sampler_sensor_cfg){ c->sensors[i].name,
			c->sensors[i].driver, c->sensors[i].source,
			c->sensors[i].interval_ms };
}

static void sensor_leaving(void *arg, unsigned int i)
{
	publish_flush_sensor(((struct agent *)arg)->pub, i);
}

/* A reload rewrote the sensors (agent/reload.h): every module that keeps
 * something per sensor follows their new order. */
static int sensors_changed(void *arg, const int *old_of_new, unsigned int n)
{
	struct agent *ag = arg;
	struct sampler_sensor_cfg sc[CONFIG_MAX_SENSORS];
	struct status_reading last[CONFIG_MAX_SENSORS];
	char why[160] = "";
	int rc;

	sensor_cfgs(ag->cfg, sc);
	rc = sampler_reshape(ag->sampler, sc, old_of_new, n, why, sizeof(why));
	if (rc) {
		LOG(LOGM_CONFIG, LOG_ERR, "reload: the sensors cannot change: %s",
		    why[0] ? why : strerror(-rc));
		return rc;
	}
	publish_reshape(ag->pub, old_of_new, n);
	for (unsigned int j = 0; j < n; j++)
		last[j] = old_of_new[j] >= 0 ? ag->last[old_of_new[j]] :
					       (struct status_reading){ 0 };
	memset(ag->last, 0, sizeof(ag->last));
	memcpy(ag->last, last, n * sizeof(last[0]));
	agent_outbox_routes(ag);
	ag->cenv.status_max = status_max_len(ag->cfg);
	if (ag->ctl && ctl_set_reply_max(ag->ctl, status_all_max_len(ag->cfg)))
		LOG(LOGM_MAIN, LOG_WARN, "status socket: no memory for a reply with "
		    "%u sensors: 'sctpagent status' fails until a restart", n);
	return 0;
}

/* Undo what r_ctrl_added() made of @a before it counted. */
static void unmake_assoc(struct agent *ag, struct assoc *a)
{
	loop_timer_free(a->failback_timer);
	loop_timer_free(a->confirm_timer);
	mq_destroy(a->recent);
	assoc_fini(a);
	memset(a, 0, sizeof(*a));
	ag->add_broken = true;	/* the outbox has its cursor: the index is spent */
}

/* A reload appended run->ctrls[@i]: its cursor in the outbox, its
 * association and everything that goes with one, as make_modules() does
 * at start; reload.c connects it. */
static int r_ctrl_added(void *arg, unsigned int i)
{
	struct agent *ag = arg;
	struct assoc *a = &ag->assoc[i];
	unsigned int oi;
	int rc;

	if (ag->add_broken || i != ag->n_assoc || i >= CONFIG_MAX_CONTROLLERS)
		return -ENOSPC;
	rc = outbox_add_ctrl(ag->ob, ag->cfg->ctrls[i].name, &oi);
	if (rc)
		return rc;
	ag->assocs[i] = a;
	rc = oi == i ? assoc_init(a, &ag->aenv, i) : -EIO;
	a->ag = ag;
	rc = rc ? rc : paths_add_assoc(ag, a);
	rc = rc ? rc : ag->sec ? secure_add(ag->sec, i) : 0;
	if (rc) {
		unmake_assoc(ag, a);
		return rc;
	}
	ag->n_assoc++;
	ag->penv.n_assocs = ag->ssrc.n_assocs = ag->n_assoc;
	if (names_changed(ag->names, i, true))
		ALOG(a, LOG_ERR, "no resolver for its host names: they do not resolve "
		     "until a restart");
	if (ag->ctl && ctl_set_reply_max(ag->ctl, status_all_max_len(ag->cfg)))
		LOG(LOGM_MAIN, LOG_WARN, "status socket: no memory for a reply with "
		    "%u controllers: 'sctpagent status' fails until a restart", ag->n_assoc);
	return 0;
}

static void r_ctrl_changed(void *arg, unsigned int i, bool addrs)
{
	struct agent *ag = arg;

	if (names_changed(ag->names, i, addrs))
		ALOG(ag->assocs[i], LOG_ERR, "no resolver for its host names: they "
		     "do not resolve until a restart");
}

static void r_routes_changed(void *arg)
{
	agent_outbox_routes(arg);
}

static int r_out_streams(void *arg, uint16_t n)
{
	struct agent *ag = arg;
	int rc;

	if (n <= ag->out_streams)
		return 0;
	rc = ps_set_out_streams(ag->ep, n);
	if (rc)
		return rc;
	LOG(LOGM_CONFIG, LOG_INFO, "reload: new associations ask for %u outbound "
	    "streams (was %u)", n, ag->out_streams);
	ag->out_streams = n;
	return 0;
}

/* SIGHUP: re-read the file and apply what changed (agent/reload.h);
 * what cannot change on a live agent is named in the log. A file with
 * errors changes nothing: every error is logged. */
static int reload_config(struct agent *ag)
{
	struct cfg_diag *d = calloc(1, sizeof(*d));
	struct config *nc = NULL;
	struct reload_stats st;

	if (!d)
		return -ENOMEM;
	if (config_load_keep(ag->cfg->file, ag->cfg, &nc, d)) {
		for (unsigned int i = 0; i < d->n; i++)
			LOG(LOGM_CONFIG, LOG_ERR, "%s", d->msg[i]);
		LOG(LOGM_CONFIG, LOG_ERR, "reload: %s has errors; keeping the "
		    "running configuration", ag->cfg->file);
		free(d);
		return -EINVAL;
	}
	reload_apply(&(struct reload_env){ .run = ag->own, .sampler = ag->sampler,
		.status_timer = ag->status_timer, .assocs = ag->assocs,
		.n_assocs = ag->n_assoc, .verbose = ag->verbose,
		.stopping = ag->stopping, .arg = ag, .paths_changed = paths_changed,
		.sensor_leaving = sensor_leaving, .sensors_changed = sensors_changed,
		.ctrl_added = r_ctrl_added, .ctrl_changed = r_ctrl_changed,
		.routes_changed = r_routes_changed, .out_streams = r_out_streams,
		.encap = ag->encap, .n_encap = ag->n_encap },
		nc, &st);
	LOG(LOGM_CONFIG, LOG_INFO, "reload of %s done: %u agent keys, %u paths, "
	    "%u sensor intervals, %u sensors added, %u removed, %u restarted, "
	    "%u controllers re-associated, %u removed, %u back, %u added; "
	    "%u changes wait for a restart", ag->cfg->file, st.agent, st.paths,
	    st.sensors, st.sensors_added, st.sensors_removed, st.sensors_changed,
	    st.ctrls_moved, st.ctrls_removed, st.ctrls_back, st.ctrls_added, st.later);
	config_free(nc);
	free(d);
	return 0;
}

/* The service manager sees RELOADING=1 until the reload is over. */
void agent_reload(struct agent *ag)
{
	svc_reloading(ag->svc);
	svc_reloaded(ag->svc, reload_config(ag) ?
		     "reload refused: the file has errors (see the log); "
		     "running configuration kept" : NULL);
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
	if (transport_fill(c, &pc, ag->encap))
		LOG(LOGM_MAIN, LOG_WARN, "more than %u controller addresses over "
		    "UDP: the rest stay native", PS_MAX_ENCAP);
	ag->n_encap = pc.n_encap;
	ag->out_streams = pc.out_streams;
	return ps_open(&pc, &ag->ep);
}

/* The service manager's one-line STATUS=: who is up, who is not. */
static void svc_summary(void *arg, char *buf, size_t size)
{
	struct agent *ag = arg;
	unsigned int up = 0, n;

	for (unsigned int i = 0; i < ag->n_assoc; i++)
		up += assoc_state(ag->assocs[i]) == AS_UP;
	n = (unsigned int)snprintf(buf, size, "%s%u/%u controllers up, %u sensors",
				   ag->stopping ? "stopping: " : "", up,
				   ag->n_assoc, ag->cfg->n_sensors);
	for (unsigned int i = 0, k = 0; i < ag->n_assoc && n < size; i++)
		if (assoc_state(ag->assocs[i]) != AS_UP && !assoc_removed(ag->assocs[i]))
			n += (unsigned int)snprintf(buf + n, size - n, "%s%s",
						    k++ ? ", " : "; down: ",
						    assoc_name(ag->assocs[i]));
}

static int start_sampler(struct agent *ag, char *why, unsigned int n)
{
	struct sampler_sensor_cfg sc[CONFIG_MAX_SENSORS];

	sensor_cfgs(ag->cfg, sc);
	return sampler_create(ag->loop, sc, ag->cfg->n_sensors, on_reading, ag,
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
		.connect_order = a_connect_order, .resolve = a_resolve,
	};
	ag->penv = (struct publish_env){ .cfg = ag->cfg, .loop = ag->loop,
		.assocs = ag->assocs, .n_assocs = ag->cfg->n_ctrls, .ob = ag->ob,
		.stored = p_stored, .arg = ag };
	ag->cenv = (struct command_env){ .cfg = ag->cfg, .arg = ag,
		.set_interval = c_set_interval, .read_now = c_read_now,
		.status = c_status, .status_max = status_max_len(ag->cfg) };
}

/* DTLS: the channels, before any connect (the AUTH chunk list is set on
 * the endpoint), then the associations send and receive through them. */
static int make_secure(struct agent *ag)
{
	struct secure_env se = { .cfg = ag->cfg, .loop = ag->loop, .ep = ag->ep,
				 .assocs = ag->assocs, .n_assocs = ag->n_assoc };
	int rc = secure_create(&se, &ag->sec);

	if (rc || !ag->sec)
		return rc;
	ag->aenv.channel_open = a_channel_open;
	ag->aenv.channel_send = a_channel_send;
	ag->aenv.channel_data = a_channel_data;
	ag->aenv.channel_close = a_channel_close;
	return 0;
}

static int make_modules(struct agent *ag)
{
	int rc = 0;

	for (unsigned int i = 0; !rc && i < ag->cfg->n_ctrls; i++, ag->n_assoc++) {
		ag->assocs[i] = &ag->assoc[i];
		rc = assoc_init(&ag->assoc[i], &ag->aenv, i);
		ag->assoc[i].ag = ag;
	}
	rc = rc ? rc : make_secure(ag);
	rc = rc ? rc : paths_init(ag);
	rc = rc ? rc : publish_create(&ag->penv, &ag->pub);
	rc = rc ? rc : command_create(&ag->cenv, &ag->cmd);
	ag->ssrc = (struct status_src){ .cfg = ag->cfg, .ep = ag->ep,
		.sampler = NULL, .assocs = ag->assocs, .n_assocs = ag->n_assoc,
		.pub = ag->pub, .cmd = ag->cmd, .budget = ag->budget,
		.ob = ag->ob, .ob_on_disk = ag->ob_on_disk, .epoch = ag->epoch,
		.sec = ag->sec };
	return rc;
}

static int setup(struct agent *ag, const struct cli_opts *o)
{
	char why[200] = "";
	int rc;

	rc = loop_create(&ag->loop);
	rc = rc ? rc : svc_create(ag->loop, svc_summary, ag, &ag->svc);
	if (!rc)
		rc = open_endpoint(ag);
	if (rc) {
		LOG(LOGM_MAIN, LOG_ERR, "cannot open the SCTP endpoint: %s%s",
		    strerror(-rc), rc == -EPROTONOSUPPORT ?
		    " (no SCTP in this kernel: modprobe sctp)" : "");
		svc_failed(ag->svc, -rc, "cannot open the SCTP endpoint: %s", strerror(-rc));
		return rc;
	}
	LOG(LOGM_MAIN, LOG_INFO, "SCTP transport: %s",
	    ps_transport_of(ag->ep) == PS_TRANSPORT_UDP ?
	    "userspace stack over UDP (usrsctp)" : "kernel");
	rc = budget_create((size_t)ag->cfg->agent.memory_budget_kb * 1024, &ag->budget);
	rc = rc ? rc : agent_outbox_open(ag);	/* the epoch of this run */
	if (rc)
		return rc;
	wire(ag);
	rc = loop_watch(ag->loop, ps_fd(ag->ep), LOOP_IN, on_sctp, ag);
	rc = rc ? rc : loop_timer_new(ag->loop, on_shutdown_timeout, ag, &ag->shutdown_timer);
	rc = rc ? rc : loop_timer_new(ag->loop, on_duration, ag, &ag->stop_timer);
	rc = rc ? rc : names_create(ag->loop, ag->cfg, &ag->names);
	rc = rc ? rc : make_modules(ag);
	rc = rc ? rc : start_stack_account(ag);
	rc = rc ? rc : loop_timer_new(ag->loop, on_status_timer, ag, &ag->status_timer);
	rc = rc ? rc : clockwatch_create(ag->cfg->agent.clock_jump_ms, &ag->cw);
	rc = rc ? rc : loop_timer_new(ag->loop, on_tick, ag, &ag->tick_timer);
	if (!rc)
		loop_timer_at(ag->tick_timer, clock_mono_ms() + AGENT_TICK_MS, AGENT_TICK_MS);
	if (!rc && ag->cfg->agent.status_interval_ms)
		loop_timer_at(ag->status_timer, clock_mono_ms() + ag->cfg->agent.status_interval_ms,
			      ag->cfg->agent.status_interval_ms);
	if (!rc)
		rc = start_sampler(ag, why, sizeof(why));
	if (rc) {
		LOG(LOGM_MAIN, LOG_ERR, "cannot start: %s", why[0] ? why : strerror(-rc));
		svc_failed(ag->svc, -rc, "cannot start: %s", why[0] ? why : strerror(-rc));
		return rc;
	}
	ag->ssrc.sampler = ag->sampler;
	ag->ssrc.last = ag->last;
	open_ctl(ag);
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
	ctl_close(ag->ctl);
	sampler_destroy(ag->sampler);
	command_destroy(ag->cmd);
	publish_destroy(ag->pub);
	paths_fini(ag);
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_fini(&ag->assoc[i]);
	agent_outbox_close(ag);
	secure_destroy(ag->sec);
	ag->sec = NULL;
	names_destroy(ag->names);
	budget_destroy(ag->budget);
	loop_timer_free(ag->stack_timer);
	loop_timer_free(ag->status_timer);
	loop_timer_free(ag->tick_timer);
	clockwatch_destroy(ag->cw);
	loop_timer_free(ag->shutdown_timer);
	loop_timer_free(ag->stop_timer);
	svc_destroy(ag->svc);
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
	/* its own copy: a reload changes it in place (agent/reload.c) */
	ag->own = malloc(sizeof(*ag->own));
	if (!ag->own) {
		free(ag);
		return -ENOMEM;
	}
	memcpy(ag->own, cfg, sizeof(*cfg));
	ag->cfg = ag->own;
	ag->verbose = o->verbose;
	log_set_ratelimit(cfg->agent.log_burst, cfg->agent.log_window_ms);
	ag->boot_id = (uint64_t)clock_random() << 32 | clock_random();
	ag->start_wall_ms = clock_wall_ms();
	rc = setup(ag, o);
	if (rc) {
		teardown(ag);
		free(ag->own);
		free(ag);
		return rc;
	}
	for (unsigned int i = 0; i < ag->n_assoc; i++)
		assoc_connect(ag->assocs[i]);
	LOG(LOGM_MAIN, LOG_INFO, "agent '%s' started (%s): %u controllers, "
	    "%u sensors", cfg->agent.name, cli_version(), cfg->n_ctrls, cfg->n_sensors);
	svc_ready(ag->svc);
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
	free(ag->own);
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
