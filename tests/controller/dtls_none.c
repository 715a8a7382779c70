// SPDX-License-Identifier: MIT
/* tests/controller/dtls_none.c - sctpctl built without CONFIG_DTLS. */
#include <stdio.h>

#include "tests/controller/dtls.h"

int ctl_dtls_init(struct ps_ep *ep, struct loop *loop, const struct ctl_dtls_opts *o,
		  ctl_dtls_deliver deliver, void *arg)
{
	(void)ep, (void)loop, (void)o, (void)deliver, (void)arg;
	fprintf(stderr, "sctpctl: built without CONFIG_DTLS: no --dtls-* options\n");
	return -1;
}

void ctl_dtls_fini(void) {}
bool ctl_dtls_on(void) { return false; }
void ctl_dtls_event(const struct ps_event *ev) { (void)ev; }
int ctl_dtls_send(struct ps_ep *ep, const struct ps_sndinfo *si, const void *buf,
		  size_t len)
{
	return ps_send(ep, si, buf, len);
}
void ctl_dtls_summary(struct jbuf *b) { (void)b; }
