/* SPDX-License-Identifier: MIT */
/*
 * port/notify.h - the service manager's notification socket: systemd's
 * sd_notify(3) protocol written by hand (a static binary cannot link
 * libsystemd). One datagram per message, newline-separated KEY=VALUE
 * lines ("READY=1", "STATUS=...", "WATCHDOG=1"), sent to the AF_UNIX
 * datagram socket named by $NOTIFY_SOCKET: a file system path, or
 * "@name" for the abstract namespace. Implemented by port/posix/notify.c
 * and by tests/fake/fake_notify.c (records every message).
 */
#ifndef PORT_NOTIFY_H
#define PORT_NOTIFY_H

#include <stdint.h>

struct notify;

/*
 * Open the socket $NOTIFY_SOCKET names and read $WATCHDOG_USEC and
 * $WATCHDOG_PID. 0 with *out = NULL when $NOTIFY_SOCKET is unset or empty
 * (not started by a service manager: nothing to do). -EINVAL a name that
 * is too long or not a path or "@name" (systemd 254's "vsock:" included),
 * -EMFILE, -ENOMEM. The environment is left as it is.
 */
int notify_open(struct notify **out);
void notify_close(struct notify *n);	/* NULL is fine */

/*
 * Send @msg as one datagram. Never blocks: a full socket drops the
 * message. 0, -EAGAIN dropped (socket full), -ECONNREFUSED / -ENOENT no
 * service manager listens there (any more), -EMSGSIZE, -EINVAL @n NULL.
 */
int notify_send(struct notify *n, const char *msg);

/*
 * The watchdog interval the service manager expects WATCHDOG=1 within,
 * in microseconds; 0 when there is none ($WATCHDOG_USEC unset, 0 or bad,
 * or $WATCHDOG_PID names another process).
 */
uint64_t notify_watchdog_usec(const struct notify *n);

/* CLOCK_MONOTONIC in microseconds, the clock of MONOTONIC_USEC= (which
 * systemd 253+ expects beside RELOADING=1). */
uint64_t notify_mono_usec(void);

#endif
