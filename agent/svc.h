/* SPDX-License-Identifier: MIT */
/*
 * agent/svc.h - what the agent tells its service manager (systemd,
 * Type=notify) through port/notify.h: READY=1 once the endpoint is open
 * and the config applied, a one-line STATUS= that follows changes (at
 * most one per SVC_STATUS_MIN_MS), RELOADING=1 / READY=1 around a reload,
 * STOPPING=1, and WATCHDOG=1 from a loop timer at half the interval the
 * manager asked for, so a loop that stops dispatching is restarted.
 *
 * Without a service manager ($NOTIFY_SOCKET unset) every call is a cheap
 * no-op; a socket that fails is logged once and counted, never fatal.
 */
#ifndef AGENT_SVC_H
#define AGENT_SVC_H

#include <stddef.h>
#include <stdint.h>

struct loop;
struct svc;

#define SVC_STATUS_MIN_MS 1000	/* STATUS= rate limit */
#define SVC_STATUS_MAX 200	/* longest STATUS= text */

/* Writes the one-line summary (NUL-terminated, at most @size bytes). */
typedef void (*svc_summary_fn)(void *arg, char *buf, size_t size);

struct svc_stats {
	uint64_t sent;		/* datagrams the manager took */
	uint64_t failed;	/* sends that failed (dropped) */
	uint64_t pings;		/* WATCHDOG=1 among them */
};

/*
 * Open the notification socket (if any) and start the watchdog pings the
 * manager asked for. A bad $NOTIFY_SOCKET is logged and the agent runs
 * without one. -ENOMEM only. @fn is called whenever a STATUS= is due.
 */
int svc_create(struct loop *l, svc_summary_fn fn, void *arg, struct svc **out);
void svc_destroy(struct svc *s);	/* NULL is fine */

/* READY=1 with the current STATUS=. */
void svc_ready(struct svc *s);
/* The summary may have changed: STATUS= if it did, rate-limited. */
void svc_changed(struct svc *s);
/* RELOADING=1 with MONOTONIC_USEC= (systemd 253+; 252 ignores it). */
void svc_reloading(struct svc *s);
/* READY=1 after a reload, STATUS= @note (NULL: the summary). */
void svc_reloaded(struct svc *s, const char *note);
/* STOPPING=1 with a STATUS=. */
void svc_stopping(struct svc *s);
/* Start-up failed with @err (> 0, an errno): STATUS= the reason (the
 * same text as the log line), ERRNO=@err. */
void svc_failed(struct svc *s, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Watchdog interval in use (ms between pings), 0 = none. */
uint32_t svc_ping_ms(const struct svc *s);
const struct svc_stats *svc_stats(const struct svc *s);

#endif
