/* SPDX-License-Identifier: MIT */
/*
 * agent/secure_none.h - a build without CONFIG_DTLS: the plaintext
 * channel, inline (included by agent/secure.h only).
 */
#ifndef AGENT_SECURE_NONE_H
#define AGENT_SECURE_NONE_H

#include "agent/agent_int.h"

static inline int secure_init(struct agent *ag) { (void)ag; return 0; }
static inline void secure_fini(struct agent *ag) { (void)ag; }
static inline bool secure_enabled(const struct agent *ag) { (void)ag; return false; }
static inline bool secure_on_up(struct assoc *a, bool r) { (void)a, (void)r; return false; }
static inline void secure_on_down(struct assoc *a) { (void)a; }
static inline bool secure_is_open(const struct assoc *a) { (void)a; return true; }
static inline int secure_send(struct assoc *a, const struct ps_sndinfo *si,
			      const void *buf, size_t len)
{
	return ps_send(a->ag->ep, si, buf, len);
}
static inline void secure_on_data(struct assoc *a, const struct ps_event *ev)
{
	command_on_data(a, ev);
}
static inline void secure_on_event(struct assoc *a, const struct ps_event *ev)
{
	(void)a, (void)ev;
}
static inline int secure_shutdown(struct assoc *a)
{
	struct ps_sndinfo si = { .assoc = a->id, .flags = PS_SEND_EOF };

	return ps_send(a->ag->ep, &si, NULL, 0);
}
static inline void secure_log_status(struct assoc *a) { (void)a; }

#endif
