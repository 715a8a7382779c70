/* SPDX-License-Identifier: MIT */
/* port/lksctp: stream scheduling (RFC 8260 priority scheduler, Linux 4.15+). */
#include <errno.h>
#include <string.h>

#include "port/lksctp/lksctp.h"

#if defined(SCTP_STREAM_SCHEDULER) && defined(SCTP_STREAM_SCHEDULER_VALUE)
int ps_set_stream_prio(struct ps_ep *ep, ps_assoc_id assoc, uint16_t stream,
		       uint16_t prio)
{
	struct sctp_assoc_value av;
	struct sctp_stream_value sv;

	if (!lk_assoc_known(ep, assoc))
		return -ENOENT;
	/* the priority scheduler first (idempotent), then the stream's value */
	memset(&av, 0, sizeof(av));
	av.assoc_id = (sctp_assoc_t)assoc;
	av.assoc_value = SCTP_SS_PRIO;
	if (setsockopt(ep->fd, IPPROTO_SCTP, SCTP_STREAM_SCHEDULER, &av, sizeof(av)) < 0)
		return errno == ENOPROTOOPT ? -EOPNOTSUPP : -errno;
	memset(&sv, 0, sizeof(sv));
	sv.assoc_id = (sctp_assoc_t)assoc;
	sv.stream_id = stream;
	sv.stream_value = prio;
	if (setsockopt(ep->fd, IPPROTO_SCTP, SCTP_STREAM_SCHEDULER_VALUE, &sv,
		       sizeof(sv)) < 0)
		return errno == ENOPROTOOPT ? -EOPNOTSUPP : -errno;
	return 0;
}
#else
int ps_set_stream_prio(struct ps_ep *ep, ps_assoc_id assoc, uint16_t stream,
		       uint16_t prio)
{
	(void)ep, (void)assoc, (void)stream, (void)prio;
	return -EOPNOTSUPP;	/* build headers older than Linux 4.15 */
}
#endif
