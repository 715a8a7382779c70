/* SPDX-License-Identifier: MIT */
/* tests/conformance: harness shared by ps_conformance.c and ps_checks.c. */
#ifndef TESTS_CONFORMANCE_CONF_H
#define TESTS_CONFORMANCE_CONF_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "port/sctp.h"

#define CONF_QLEN 512

struct qev {			/* a queued event with its own payload copy */
	struct ps_event ev;
	uint8_t *data;
	size_t len;
};

struct tep {			/* a test endpoint */
	const char *name;
	struct ps_ep *ep;
	struct qev q[CONF_QLEN];
	int n;
};

typedef bool (*conf_match)(const struct ps_event *ev, const void *arg);

struct m_assoc_arg {
	enum ps_ev_type type;
	enum ps_assoc_state state;
	ps_assoc_id assoc;		/* 0 = any */
};
bool m_assoc(const struct ps_event *ev, const void *arg);
bool m_type(const struct ps_event *ev, const void *arg);

void conf_result(bool ok, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define CHECK(cond, name, ...) conf_result((cond), (name), __VA_ARGS__)

struct net_addr conf_addr(const char *s, uint16_t port);
int conf_open(struct tep *t, const char *name, const char *const *addrs,
	      unsigned int n, uint16_t port, uint32_t max_msg, bool listen);
/* conf_open with INIT attempts (conf_open: 4). */
int conf_open_attempts(struct tep *t, const char *name, const char *const *addrs,
		       unsigned int n, uint16_t port, uint32_t max_msg,
		       uint16_t init_attempts);
/* The same, offering I-DATA (the port then sets fragment interleave 2). */
int conf_open2(struct tep *t, const char *name, const char *const *addrs,
	       unsigned int n, uint16_t port, uint32_t max_msg, bool listen,
	       bool interleave);
void conf_close(struct tep *t);
long conf_now_ms(void);
/* poll() only @ep's fd for POLLIN, up to @ms. */
bool conf_fd_readable(struct ps_ep *ep, int ms);
bool conf_wait(struct tep *t, conf_match m, const void *arg, int timeout_ms,
	       struct qev *out);
void conf_release(struct qev *q);
void conf_sleep_drain(int ms);
void conf_flush(struct tep *t);
int conf_send(struct tep *t, const struct ps_sndinfo *si, const void *buf,
	      size_t len, int timeout_ms);

/* The port under test (command line): transport, and with the kernel
 * port a UDP port for SCTP over UDP toward every peer (0 = native). */
extern enum ps_transport conf_transport;
extern uint16_t conf_encap;
/* Which port the endpoints really run on ("fake" for the fake port). */
const char *conf_port_name(void);
/* A documented difference of this port: printed "# differs(PORT): ...". */
void conf_differs(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void conf_run_all(void);	/* ps_checks.c */

/* poll_os.c (real ports) or poll_fake.c (the fake): waiting on ps_fd()s,
 * and what the port needs before the first endpoint. */
int conf_poll(struct pollfd *p, unsigned int n, int ms);
void conf_init_port(void);

#endif
