/* SPDX-License-Identifier: MIT */
/* The agent's counters as log lines and as the STATUS map (status.h). */
#include <errno.h>
#include <stdio.h>

#include "agent/assoc.h"
#include "agent/cbor.h"
#include "agent/command.h"
#include "agent/config.h"
#include "agent/log.h"
#include "agent/publish.h"
#include "agent/sensor.h"
#include "agent/status.h"
#include "port/sctp.h"

static void log_assoc(const struct assoc *a)
{
	struct assoc_stats st;

	assoc_get_stats(a, &st);
	ALOG(a, LOG_INFO, "sent %llu msgs, %llu bytes; send-failed %llu, "
	     "requeued %llu, replayed %llu, abandoned %llu, dropped %llu; "
	     "up %llu, lost %llu; failovers %llu, failbacks %llu; bad input %llu",
	     (unsigned long long)st.msgs_sent, (unsigned long long)st.bytes_sent,
	     (unsigned long long)st.send_failed, (unsigned long long)st.requeued,
	     (unsigned long long)st.replayed, (unsigned long long)st.abandoned,
	     (unsigned long long)st.dropped, (unsigned long long)st.comm_up,
	     (unsigned long long)st.comm_lost, (unsigned long long)st.failovers,
	     (unsigned long long)st.failbacks, (unsigned long long)st.bad_msgs);
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
	LOG(LOGM_MAIN, LOG_INFO, "readings %llu, fan-outs by SENDALL %llu (%llu "
	    "emulated by the port), by unicast %llu; notifications %llu, unknown %llu",
	    (unsigned long long)pst.readings, (unsigned long long)pst.sendall,
	    (unsigned long long)ps.sendall_fallbacks,
	    (unsigned long long)pst.unicast_fanouts,
	    (unsigned long long)ps.notifications,
	    (unsigned long long)ps.unknown_notifications);
	for (int i = 0; i < MSG_ERR_COUNT; i++)
		if (cst.bad_msgs[i])
			LOG(LOGM_MAIN, LOG_INFO, "rejected input: %llu x %s",
			    (unsigned long long)cst.bad_msgs[i], msg_err_str((enum msg_err)i));
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
		cbor_put_cstr(e, "srtt_ms"), cbor_put_uint(e, info[i].srtt_ms);
		cbor_put_cstr(e, "rto_ms"), cbor_put_uint(e, info[i].rto_ms);
		cbor_put_cstr(e, "cwnd"), cbor_put_uint(e, info[i].cwnd);
	}
}

int status_encode(const struct status_src *s, const struct assoc *a,
		  uint8_t *buf, size_t cap, size_t *len)
{
	const struct config *c = s->cfg;
	struct assoc_stats st;
	struct cbor_enc e;

	assoc_get_stats(a, &st);
	cbor_enc_init(&e, buf, cap);
	cbor_put_map(&e, 9);
	cbor_put_cstr(&e, "agent"), cbor_put_cstr(&e, c->agent.name);
	cbor_put_cstr(&e, "controller"), cbor_put_cstr(&e, assoc_name(a));
	cbor_put_cstr(&e, "msgs_sent"), cbor_put_uint(&e, st.msgs_sent);
	cbor_put_cstr(&e, "requeued"), cbor_put_uint(&e, st.requeued);
	cbor_put_cstr(&e, "dropped"), cbor_put_uint(&e, st.dropped);
	cbor_put_cstr(&e, "failovers"), cbor_put_uint(&e, st.failovers);
	cbor_put_cstr(&e, "replayed"), cbor_put_uint(&e, st.replayed);
	put_paths(&e, s, a);	/* the association's paths as the stack sees them now */
	cbor_put_cstr(&e, "sensors");
	cbor_put_map(&e, c->n_sensors);
	for (unsigned int i = 0; i < c->n_sensors; i++) {
		cbor_put_cstr(&e, c->sensors[i].name);
		cbor_put_uint(&e, sampler_interval(s->sampler, i));
	}
	return cbor_enc_finish(&e, len) ? -ENOSPC : 0;
}
