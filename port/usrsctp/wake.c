/* SPDX-License-Identifier: MIT */
/*
 * port/usrsctp: the file descriptor the loop watches (ps_fd).
 *
 * usrsctp has no fd of its own, so each endpoint has a UNIX stream
 * socketpair. wake[0] is the loop's; it must say what a kernel SCTP
 * socket says:
 *  - readable: usrsctp's threads (upcall, watcher) write one byte into
 *    wake[1] when the stack has something for ps_recv; ps_recv drains it
 *    once usrsctp has nothing left. rd_pending keeps it at one byte.
 *  - writable: normally yes. When a send says EAGAIN the loop fills
 *    wake[0]'s own send buffer (tiny) so it stops being writable, and the
 *    watcher reads that filler from wake[1] a few ticks later, which is
 *    what the loop waits for. usrsctp cannot say when an association of
 *    a one-to-many socket has room again (its "writable" needs a
 *    connected socket, and it calls the upcall on a SACK only when there
 *    is also something to read), so the retry is timed: 1 ms after the
 *    first EAGAIN, doubling while sends keep failing, up to 16 ms.
 * Both directions are independent. Every call here is async-signal-safe
 * and takes no usrsctp lock, so it may run inside usrsctp's upcall.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include "port/usrsctp/us.h"

int us_wake_open(struct ps_ep *ep)
{
	int small = 1;	/* the kernel rounds it up to its minimum (~4.5 KiB) */

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
		       ep->wake) < 0)
		return errno == ENFILE ? -EMFILE : -errno;
	(void)setsockopt(ep->wake[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	atomic_init(&ep->rd_pending, 0);
	atomic_init(&ep->wr_blocked, 0);
	atomic_init(&ep->wr_ticks, 0);
	atomic_init(&ep->wr_backoff, 1);
	return 0;
}

void us_wake_close(struct ps_ep *ep)
{
	for (int i = 0; i < 2; i++)
		if (ep->wake[i] >= 0)
			close(ep->wake[i]);
	ep->wake[0] = ep->wake[1] = -1;
}

static void drain(int fd)
{
	char buf[512];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

void us_wake_read(struct ps_ep *ep)
{
	if (!atomic_exchange(&ep->rd_pending, 1))
		(void)!write(ep->wake[1], "r", 1);
}

void us_wake_writable(struct ps_ep *ep)
{
	if (atomic_exchange(&ep->wr_blocked, 0))
		drain(ep->wake[1]);
}

/* Clear the flag first: a byte written after it is a new wake-up. */
void us_wake_read_done(struct ps_ep *ep)
{
	atomic_store(&ep->rd_pending, 0);
	drain(ep->wake[0]);
}

void us_wake_send_blocked(struct ps_ep *ep)
{
	static const char fill[1024];
	int wait = atomic_load(&ep->wr_backoff);

	atomic_store(&ep->wr_ticks, wait);
	atomic_store(&ep->wr_backoff, wait < US_WR_BACKOFF_MAX ? wait * 2 : wait);
	atomic_store(&ep->wr_blocked, 1);
	while (write(ep->wake[0], fill, sizeof(fill)) > 0)
		;
}

void us_wake_sent(struct ps_ep *ep)
{
	atomic_store(&ep->wr_backoff, 1);
}

/* Watcher tick: a blocked endpoint's retry is due. Returns whether it
 * still waits. */
bool us_wake_tick(struct ps_ep *ep)
{
	if (!atomic_load(&ep->wr_blocked))
		return false;
	if (atomic_fetch_sub(&ep->wr_ticks, 1) > 1)
		return true;
	us_wake_writable(ep);
	return false;
}
