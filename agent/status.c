/* SPDX-License-Identifier: MIT */
/* The agent's counters as log lines and as the STATUS map (status.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "agent/assoc.h"
#include "agent/budget.h"
#include "agent/cbor.h"
#include "agent/command.h"
#include "agent/config.h"
#include "agent/log.h"
#include "agent/outbox.h"
#include "agent/publish.h"
#include "agent/secure.h"
#include "agent/sensor.h"
#include "agent/status.h"
#include "port/clock.h"
#include "port/sctp.h"

#define ULL(x) ((unsigned long long)(x))

/* Every counter of an association, once, for both views. */
#define ASSOC_COUNTERS(X) \
	X(msgs_sent) X(bytes_sent) X(send_failed) X(requeued) X(replayed) \
	X(abandoned) X(dropped) X(evicted) X(expired) X(lost) \
	X(gap_msgs) X(no_stream) X(connects) X(comm_up) X(comm_lost) \
	X(restarts) X(acks) X(ack_beyond) X(ack_other_epoch) X(cmds) \
	X(bad_msgs) X(failovers) X(spurious) X(failbacks) X(resent)
/* The outbox's counters in the STATUS map's "outbox" map. */
#define OUTBOX_COUNTERS(X) \
	X(segments) X(bytes) X(budget) X(durable_seg) X(durable_off) \
	X(written_seg) X(written_off) X(appended) X(appended_bytes) \
	X(syncs) X(sync_errors) X(sync_skipped) X(sync_max_ms) X(sync_last_ms) \
	X(sync_total_ms) X(unsynced_bytes) X(unsynced_ms) X(write_errors) \
	X(enospc) X(state_writes) X(state_errors) X(segs_deleted) \
	X(segs_evicted) X(expired) X(mem_segments) X(mem_bytes) \
	X(mem_appended) X(mem_evicted) X(mem_written) X(resumes) \
	X(recovery_ms) X(recovered_segments) X(recovered_bytes) \
	X(torn_bytes) X(bad_regions) X(bad_bytes) X(quarantined)
#define COUNT_ONE(f) +1
#define N_ASSOC_COUNTERS (0 ASSOC_COUNTERS(COUNT_ONE))
#define N_OUTBOX_COUNTERS (0 OUTBOX_COUNTERS(COUNT_ONE))
/* Keys of the STATUS map besides the counters. */
#define N_STATUS_KEYS 17
/* Keys of its "outbox" map besides the counters. */
#define N_OUTBOX_KEYS 4

static uint64_t bad_total(const struct status_src *s)
{
	struct command_stats cst;
	uint64_t n = 0;

	command_get_stats(s->cmd, &cst);
	for (int i = 0; i < MSG_ERR_COUNT; i++)
		n += cst.bad_msgs[i];
	return n;
}

static void log_assoc(const struct assoc *a)
{
	struct assoc_stats st;

	assoc_get_stats(a, &st);
	/* two lines: each fits a log line whatever the numbers */
	ALOG(a, LOG_INFO, "sent %llu msgs, %llu bytes; send-failed %llu, "
	     "requeued %llu, replayed %llu, abandoned %llu, dropped %llu, "
	     "lost in the outbox %llu, expired %llu, lost %llu in %llu GAPs, no "
	     "stream %llu; holds %zu bytes, %u waiting",
	     ULL(st.msgs_sent), ULL(st.bytes_sent), ULL(st.send_failed),
	     ULL(st.requeued), ULL(st.replayed), ULL(st.abandoned), ULL(st.dropped),
	     ULL(st.evicted), ULL(st.expired), ULL(st.lost), ULL(st.gap_msgs),
	     ULL(st.no_stream), assoc_bytes(a), assoc_backlog(a));
	ALOG(a, LOG_INFO, "connects %llu, up %llu, lost %llu, restarts %llu; acks "
	     "%llu (%llu refused, %llu other epoch), cmds %llu; failovers %llu (spurious %llu), "
	     "failbacks %llu, re-sent %llu; bad input %llu",
	     ULL(st.connects), ULL(st.comm_up), ULL(st.comm_lost), ULL(st.restarts),
	     ULL(st.acks), ULL(st.ack_beyond), ULL(st.ack_other_epoch), ULL(st.cmds),
	     ULL(st.failovers), ULL(st.spurious), ULL(st.failbacks), ULL(st.resent),
	     ULL(st.bad_msgs));
}

static const char *ob_mode(const struct status_src *s, int degraded)
{
	return !s->ob_on_disk ? "memory" : !degraded ? "disk" :
	       degraded == -ENOSPC ? "memory (disk full)" : "memory (disk failing)";
}

static uint64_t sync_mean(const struct outbox_stats *o)
{
	uint64_t n = o->syncs + o->sync_errors;

	return n ? o->sync_total_ms / n : 0;
}

static void log_outbox(const struct status_src *s)
{
	struct outbox_stats o;
	char hist[OUTBOX_HIST_N * 12] = "";
	size_t n = 0;

	outbox_stats(s->ob, &o);
	for (unsigned int i = 0; i < OUTBOX_HIST_N; i++)
		n += (size_t)snprintf(hist + n, sizeof(hist) - n, "%s%u",
				      i ? "/" : "", o.sync_hist[i]);
	LOG(LOGM_OUTBOX, LOG_INFO, "outbox %s, epoch %u: %u segments, %llu of "
	    "%llu bytes; written %llu:%llu, durable %llu:%llu (%llu bytes not "
	    "yet, oldest %llu ms); %llu appended (%llu in memory only)",
	    ob_mode(s, o.degraded), o.epoch, o.segments, ULL(o.bytes),
	    ULL(o.budget), ULL(o.written_seg), ULL(o.written_off),
	    ULL(o.durable_seg), ULL(o.durable_off), ULL(o.unsynced_bytes),
	    ULL(o.unsynced_ms), ULL(o.appended), ULL(o.mem_appended));
	LOG(LOGM_OUTBOX, LOG_INFO, "outbox fdatasync %llu (%llu failed, %llu not "
	    "needed), ms <1/<2/<5/<10/<20/<50/<100/<200/<500/<1000/more %s, last "
	    "%u, mean %llu, max %u; state writes %llu (%llu failed); write "
	    "errors %llu (ENOSPC %llu)",
	    ULL(o.syncs), ULL(o.sync_errors), ULL(o.sync_skipped), hist,
	    o.sync_last_ms, ULL(sync_mean(&o)), o.sync_max_ms,
	    ULL(o.state_writes), ULL(o.state_errors),
	    ULL(o.write_errors), ULL(o.enospc));
	LOG(LOGM_OUTBOX, LOG_INFO, "outbox segments deleted %llu, evicted %llu, "
	    "records expired %llu; memory tier %llu bytes in %u segments (%llu "
	    "dropped, %llu written out, %llu resumes); recovery %llu ms: %llu "
	    "segments, %llu bytes, torn %llu, bad %llu regions / %llu bytes, "
	    "quarantined %llu", ULL(o.segs_deleted), ULL(o.segs_evicted),
	    ULL(o.expired), ULL(o.mem_bytes), o.mem_segments, ULL(o.mem_evicted),
	    ULL(o.mem_written), ULL(o.resumes), ULL(o.recovery_ms),
	    ULL(o.recovered_segments), ULL(o.recovered_bytes), ULL(o.torn_bytes),
	    ULL(o.bad_regions), ULL(o.bad_bytes), ULL(o.quarantined));
}

static void log_sensors(const struct status_src *s)
{
	for (unsigned int i = 0; i < s->cfg->n_sensors; i++) {
		struct sampler_stats st;

		sampler_get_stats(s->sampler, i, &st);
		LOG(LOGM_MAIN, LOG_INFO, "sensor=%s: interval %u ms, reads %llu, "
		    "errors %llu, retries %llu, skipped %llu, events %llu",
		    s->cfg->sensors[i].name, sampler_interval(s->sampler, i),
		    ULL(st.reads), ULL(st.errors), ULL(st.retries), ULL(st.skipped),
		    ULL(st.events));
	}
}

void status_log(const struct status_src *s)
{
	struct publish_stats pst;
	struct command_stats cst;
	struct ps_stats ps;

	ps_get_stats(s->ep, &ps);
	publish_get_stats(s->pub, &pst);
	command_get_stats(s->cmd, &cst);
	for (unsigned int i = 0; i < s->n_assocs; i++)
		log_assoc(s->assocs[i]);
	LOG(LOGM_MAIN, LOG_INFO, "readings %llu (%llu not encodable), fan-outs by "
	    "SENDALL %llu (%llu emulated by the port), by unicast %llu; "
	    "notifications %llu, unknown %llu; unknown associations %llu",
	    ULL(pst.readings), ULL(pst.encode_failed), ULL(pst.sendall),
	    ULL(ps.sendall_fallbacks), ULL(pst.unicast_fanouts),
	    ULL(ps.notifications), ULL(ps.unknown_notifications),
	    ULL(s->unknown_assoc));
	LOG(LOGM_MAIN, LOG_INFO, "memory budget %zu KiB: %zu bytes held, peak %zu, "
	    "%llu evicted", budget_limit(s->budget) / 1024, budget_used(s->budget),
	    budget_peak(s->budget), ULL(budget_evictions(s->budget)));
	for (int i = 0; i < MSG_ERR_COUNT; i++)
		if (cst.bad_msgs[i])
			LOG(LOGM_MAIN, LOG_INFO, "rejected input: %llu x %s",
			    ULL(cst.bad_msgs[i]), msg_err_str((enum msg_err)i));
	log_outbox(s);
	log_sensors(s);
}

static void put_u(struct cbor_enc *e, const char *k, uint64_t v)
{
	cbor_put_cstr(e, k);
	cbor_put_uint(e, v);
}

static void put_paths(struct cbor_enc *e, const struct status_src *s,
		      const struct assoc *a)
{
	struct ps_path_info info[PS_MAX_ADDRS];
	unsigned int n = 0;

	if (ps_paths(s->ep, assoc_id(a), info, PS_MAX_ADDRS, &n))
		n = 0;
	cbor_put_cstr(e, "paths");
	cbor_put_array(e, n);
	for (unsigned int i = 0; i < n; i++) {
		char addr[NET_ADDR_STRLEN];

		net_addr_format(&info[i].addr, addr, sizeof(addr));
		cbor_put_map(e, 6);
		cbor_put_cstr(e, "addr"), cbor_put_cstr(e, addr);
		cbor_put_cstr(e, "state"), cbor_put_cstr(e, ps_path_state_name(info[i].state));
		cbor_put_cstr(e, "primary"), cbor_put_bool(e, info[i].primary);
		put_u(e, "srtt_ms", info[i].srtt_ms);
		put_u(e, "rto_ms", info[i].rto_ms);
		put_u(e, "cwnd", info[i].cwnd);
	}
}

static void put_outbox(struct cbor_enc *e, const struct status_src *s)
{
	struct outbox_stats o;

	outbox_stats(s->ob, &o);
	cbor_put_cstr(e, "outbox");
	cbor_put_map(e, N_OUTBOX_KEYS + N_OUTBOX_COUNTERS);
	cbor_put_cstr(e, "mode"), cbor_put_cstr(e, ob_mode(s, o.degraded));
	put_u(e, "epoch", o.epoch);
#define PUT_OB(f) put_u(e, #f, o.f);
	OUTBOX_COUNTERS(PUT_OB)
#undef PUT_OB
	put_u(e, "state_slots_bad", o.state_slots_bad);
	cbor_put_cstr(e, "sync_hist_ms");	/* <1 <2 <5 ... <1000 more */
	cbor_put_array(e, OUTBOX_HIST_N);
	for (unsigned int i = 0; i < OUTBOX_HIST_N; i++)
		cbor_put_uint(e, o.sync_hist[i]);
}

/* What the sensor does now and what it last gave: "state", "error" (the
 * driver's reason, "" none), "last" (null before the first reading) and
 * "last_ms" (its wall-clock time, 0 none). */
static void put_sensor_state(struct cbor_enc *e, const struct status_src *s,
			     unsigned int i)
{
	const struct status_reading *r = s->last ? &s->last[i] : NULL;
	struct sampler_status ss;
	char err[SAMPLER_WHY_MAX];

	if (sampler_status(s->sampler, i, &ss))
		memset(&ss, 0, sizeof(ss));
	snprintf(err, sizeof(err), "%s", ss.why[0] ? ss.why :
		 ss.error ? strerror(-ss.error) : "");
	cbor_put_cstr(e, "state"), cbor_put_cstr(e, sampler_state_name(ss.state));
	cbor_put_cstr(e, "error"), cbor_put_cstr(e, err);
	cbor_put_cstr(e, "last");
	if (r && r->have)
		cbor_put_float(e, r->value);
	else
		cbor_put_null(e);
	cbor_put_cstr(e, "last_ms");
	cbor_put_int(e, r && r->have ? r->wall_ms : 0);
}

static void put_sensors(struct cbor_enc *e, const struct status_src *s)
{
	const struct config *c = s->cfg;

	cbor_put_cstr(e, "sensors");
	cbor_put_map(e, c->n_sensors);
	for (unsigned int i = 0; i < c->n_sensors; i++) {
		struct sampler_stats st;

		sampler_get_stats(s->sampler, i, &st);
		cbor_put_cstr(e, c->sensors[i].name);
		cbor_put_map(e, 9);
		put_u(e, "interval_ms", sampler_interval(s->sampler, i));
		put_u(e, "reads", st.reads);
		put_u(e, "errors", st.errors);
		put_u(e, "retries", st.retries);
		put_u(e, "skipped", st.skipped);
		put_sensor_state(e, s, i);
	}
}

/* The association's DTLS channel (only with [security] on): where the
 * handshake is, the suite and AUTH key once keyed, and why it was last
 * refused, so a fleet operator sees a wrong PSK without the logs. */
#define N_DTLS_KEYS 9
static void put_dtls(struct cbor_enc *e, const struct status_src *s,
		     const struct assoc *a)
{
	struct secure_info in;

	secure_info(s->sec, a, &in);
	cbor_put_cstr(e, "dtls");
	cbor_put_map(e, N_DTLS_KEYS);
	cbor_put_cstr(e, "state"), cbor_put_cstr(e, in.state);
	cbor_put_cstr(e, "mode"), cbor_put_cstr(e, in.mode);
	cbor_put_cstr(e, "suite"), cbor_put_cstr(e, in.suite);
	put_u(e, "key_id", in.key_id);
	put_u(e, "open_s", in.open_ms ? (clock_mono_ms() - in.open_ms) / 1000 : 0);
	put_u(e, "handshakes", in.st ? in.st->handshakes : 0);
	put_u(e, "rekeys", in.st ? in.st->rekeys : 0);
	put_u(e, "failures", in.st ? in.st->failures : 0);
	cbor_put_cstr(e, "last_error"), cbor_put_cstr(e, in.last_error);
}

/* What the outbox lost of this controller's readings (all causes). */
static uint64_t ob_lost(const struct status_src *s, const struct assoc *a)
{
	struct outbox_ctrl_stats cs;

	return outbox_ctrl_stats(s->ob, assoc_index(a), &cs) ? 0 : cs.lost_records;
}

int status_encode(const struct status_src *s, const struct assoc *a,
		  uint8_t *buf, size_t cap, size_t *len)
{
	struct publish_stats pst;
	struct assoc_stats st;
	struct cbor_enc e;

	assoc_get_stats(a, &st);
	publish_get_stats(s->pub, &pst);
	cbor_enc_init(&e, buf, cap);
	cbor_put_map(&e, N_STATUS_KEYS + N_ASSOC_COUNTERS + (s->sec ? 1 : 0));
	cbor_put_cstr(&e, "agent"), cbor_put_cstr(&e, s->cfg->agent.name);
	cbor_put_cstr(&e, "controller"), cbor_put_cstr(&e, assoc_name(a));
	cbor_put_cstr(&e, "state"), cbor_put_cstr(&e, assoc_state_name(assoc_state(a)));
	put_u(&e, "epoch", s->epoch);
#define PUT_ONE(f) put_u(&e, #f, st.f);
	ASSOC_COUNTERS(PUT_ONE)
#undef PUT_ONE
	put_u(&e, "held_bytes", assoc_bytes(a));
	put_u(&e, "waiting", assoc_backlog(a));
	put_u(&e, "memory_budget", budget_limit(s->budget));
	put_u(&e, "memory_used", budget_used(s->budget));
	put_u(&e, "memory_peak", budget_peak(s->budget));
	put_u(&e, "readings", pst.readings);
	put_u(&e, "encode_failed", pst.encode_failed);
	put_u(&e, "unknown_assoc", s->unknown_assoc);
	put_u(&e, "bad_input", bad_total(s));
	put_u(&e, "outbox_lost", ob_lost(s, a));
	put_paths(&e, s, a);	/* the association's paths as the stack sees them now */
	put_outbox(&e, s);
	put_sensors(&e, s);
	if (s->sec)
		put_dtls(&e, s, a);
	return cbor_enc_finish(&e, len) ? -ENOSPC : 0;
}

size_t status_max_len(const struct config *cfg)
{
	/* keys <= 24 bytes, values <= 9; a path map ~ 120 bytes; a sensor's
	 * name plus five counters */
	return 64 + 2 * (CFG_NAME_MAX + 2) +
	       (N_STATUS_KEYS + N_ASSOC_COUNTERS) * (24 + 9) +
	       (N_OUTBOX_KEYS + N_OUTBOX_COUNTERS) * (24 + 9) + 32 +
	       OUTBOX_HIST_N * 9 +
	       8 + N_DTLS_KEYS * (24 + 9) + 2 * 64 + 160 +	/* dtls */
	       PS_MAX_ADDRS * 160 + cfg->n_sensors * (CFG_NAME_MAX + 2 + 9 * (13 + 9) +
						      SAMPLER_WHY_MAX + 2);
}

int status_encode_all(const struct status_src *s, uint8_t *buf, size_t cap,
		      size_t *len)
{
	struct cbor_enc e;
	size_t off, n;

	cbor_enc_init(&e, buf, cap);
	cbor_put_array(&e, s->n_assocs);
	if (cbor_enc_finish(&e, &off))
		return -ENOSPC;
	for (unsigned int i = 0; i < s->n_assocs; i++) {
		if (status_encode(s, s->assocs[i], buf + off, cap - off, &n))
			return -ENOSPC;
		off += n;
	}
	*len = off;
	return 0;
}

size_t status_all_max_len(const struct config *cfg)
{
	return 9 + (size_t)cfg->n_ctrls * status_max_len(cfg);
}
