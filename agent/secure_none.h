/* SPDX-License-Identifier: MIT */
/*
 * agent/secure_none.h - a build without CONFIG_DTLS: no channel object
 * (included by agent/secure.h only). The loader refuses a DTLS mode in
 * such a build (agent/config_check.c), so secure_create() never has one.
 */
#ifndef AGENT_SECURE_NONE_H
#define AGENT_SECURE_NONE_H

#include <errno.h>

static inline int secure_create(const struct secure_env *env, struct secure **out)
{
	(void)env;
	*out = NULL;
	return 0;
}
static inline void secure_destroy(struct secure *s) { (void)s; }
static inline int secure_add(struct secure *s, unsigned int i)
{
	(void)s, (void)i;
	return -EINVAL;
}
static inline void secure_open(struct secure *s, struct assoc *a) { (void)s, (void)a; }
static inline void secure_down(struct secure *s, struct assoc *a) { (void)s, (void)a; }
static inline int secure_send(struct secure *s, struct assoc *a,
			      const struct ps_sndinfo *si, const void *buf, size_t len)
{
	(void)s, (void)a, (void)si, (void)buf, (void)len;
	return -ENOTCONN;
}
static inline void secure_on_data(struct secure *s, struct assoc *a,
				  const struct ps_event *ev)
{
	(void)s, (void)a, (void)ev;
}
static inline void secure_on_event(struct secure *s, struct assoc *a,
				   const struct ps_event *ev)
{
	(void)s, (void)a, (void)ev;
}
static inline int secure_shutdown(struct secure *s, struct assoc *a)
{
	(void)s, (void)a;
	return -ENOTCONN;
}
static inline void secure_log_status(struct secure *s, const struct assoc *a)
{
	(void)s, (void)a;
}

static inline void secure_info(const struct secure *s, const struct assoc *a,
			       struct secure_info *out)
{
	(void)s, (void)a;
	*out = (struct secure_info){ .state = "", .mode = "", .suite = "", .last_error = "" };
}

#endif
