/* SPDX-License-Identifier: MIT */
/*
 * The agent's side of the service manager protocol (agent/svc.h). The
 * watchdog is a periodic loop timer: pings prove that the loop still
 * dispatches, which is what a stuck agent stops doing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/log.h"
#include "agent/svc.h"
#include "port/clock.h"
#include "port/loop.h"
#include "port/notify.h"

struct svc {
	struct notify *n;
	struct loop_timer *ping;	/* watchdog */
	struct loop_timer *status;	/* a rate-limited STATUS= is due */
	uint32_t ping_ms;
	svc_summary_fn fn;
	void *arg;
	bool warned;
	bool have_status;
	uint64_t status_ms;		/* when the last STATUS= went out */
	char last[SVC_STATUS_MAX];	/* its text */
	struct svc_stats st;
};

static void send_msg(struct svc *s, const char *msg)
{
	int rc = notify_send(s->n, msg);

	if (!rc) {
		s->st.sent++;
		return;
	}
	s->st.failed++;
	if (!s->warned)
		LOG(LOGM_MAIN, LOG_WARN, "service manager notification failed: %s "
		    "(later failures are only counted)", strerror(-rc));
	s->warned = true;
}

/* One line: a newline would start a new KEY=VALUE. */
static void summary(struct svc *s, char *buf, size_t size)
{
	buf[0] = 0;
	s->fn(s->arg, buf, size);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* "@head\nSTATUS=@text", remembering @text as the last status sent. */
static void send_with_status(struct svc *s, const char *head, const char *text)
{
	char msg[SVC_STATUS_MAX + 64];

	snprintf(s->last, sizeof(s->last), "%s", text);
	s->have_status = true;
	s->status_ms = clock_mono_ms();
	snprintf(msg, sizeof(msg), "%s%sSTATUS=%s", head, *head ? "\n" : "", s->last);
	send_msg(s, msg);
}

static void on_ping(void *arg, struct loop_timer *t)
{
	struct svc *s = arg;

	(void)t;
	s->st.pings++;
	send_msg(s, "WATCHDOG=1");
}

static void on_status(void *arg, struct loop_timer *t)
{
	(void)t;
	svc_changed(arg);
}

static int start_watchdog(struct svc *s, struct loop *l)
{
	uint64_t usec = notify_watchdog_usec(s->n);
	int rc;

	if (!usec)
		return 0;
	/* half the interval, as sd_watchdog_enabled(3) advises */
	s->ping_ms = usec / 2000 > UINT32_MAX ? UINT32_MAX :
		     usec / 2000 ? (uint32_t)(usec / 2000) : 1;
	rc = loop_timer_new(l, on_ping, s, &s->ping);
	if (rc)
		return rc;
	loop_timer_at(s->ping, clock_mono_ms() + s->ping_ms, s->ping_ms);
	LOG(LOGM_MAIN, LOG_INFO, "watchdog: pinging every %u ms", s->ping_ms);
	return 0;
}

int svc_create(struct loop *l, svc_summary_fn fn, void *arg, struct svc **out)
{
	struct svc *s = calloc(1, sizeof(*s));
	int rc;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	s->fn = fn;
	s->arg = arg;
	rc = notify_open(&s->n);
	if (rc == -ENOMEM) {
		free(s);
		return rc;
	}
	if (rc)
		LOG(LOGM_MAIN, LOG_WARN, "NOTIFY_SOCKET: %s; running without "
		    "service manager notifications", strerror(-rc));
	rc = s->n ? loop_timer_new(l, on_status, s, &s->status) : 0;
	rc = rc ? rc : start_watchdog(s, l);
	if (rc) {
		svc_destroy(s);
		return rc;
	}
	*out = s;
	return 0;
}

void svc_destroy(struct svc *s)
{
	if (!s)
		return;
	loop_timer_free(s->ping);
	loop_timer_free(s->status);
	notify_close(s->n);
	free(s);
}

void svc_ready(struct svc *s)
{
	char text[SVC_STATUS_MAX];

	if (!s || !s->n)
		return;
	summary(s, text, sizeof(text));
	send_with_status(s, "READY=1", text);
}

void svc_changed(struct svc *s)
{
	char text[SVC_STATUS_MAX];
	uint64_t now;

	if (!s || !s->n)
		return;
	summary(s, text, sizeof(text));
	if (s->have_status && !strcmp(text, s->last))
		return;
	now = clock_mono_ms();
	if (s->have_status && now - s->status_ms < SVC_STATUS_MIN_MS) {
		if (!loop_timer_armed(s->status))
			loop_timer_at(s->status, s->status_ms + SVC_STATUS_MIN_MS, 0);
		return;
	}
	loop_timer_stop(s->status);
	send_with_status(s, "", text);
}

void svc_reloading(struct svc *s)
{
	char msg[64];

	if (!s || !s->n)
		return;
	snprintf(msg, sizeof(msg), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)notify_mono_usec());
	send_msg(s, msg);
}

void svc_reloaded(struct svc *s, const char *note)
{
	char text[SVC_STATUS_MAX];

	if (!s || !s->n)
		return;
	if (note)
		snprintf(text, sizeof(text), "%s", note);
	else
		summary(s, text, sizeof(text));
	loop_timer_stop(s->status);
	send_with_status(s, "READY=1", text);
}

void svc_stopping(struct svc *s)
{
	if (!s || !s->n)
		return;
	loop_timer_stop(s->status);
	send_with_status(s, "STOPPING=1", "stopping: closing every association");
}

void svc_failed(struct svc *s, int err, const char *fmt, ...)
{
	char text[SVC_STATUS_MAX], msg[SVC_STATUS_MAX + 64];
	va_list ap;

	if (!s || !s->n)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (char *p = text; *p; p++)
		if (*p == '\n')
			*p = ' ';
	snprintf(msg, sizeof(msg), "STATUS=%s\nERRNO=%d", text, err);
	send_msg(s, msg);
}

uint32_t svc_ping_ms(const struct svc *s)
{
	return s ? s->ping_ms : 0;
}

const struct svc_stats *svc_stats(const struct svc *s)
{
	static const struct svc_stats none;

	return s ? &s->st : &none;
}
