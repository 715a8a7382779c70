/* SPDX-License-Identifier: MIT */
/*
 * port/sctp_rename.h - with both real ports built in (CONFIG_PORT_DISPATCH)
 * port/sctp.c owns the ps_* names and picks a port per endpoint; each
 * port's entry points then carry its prefix (PS_PREFIX: lk_, us_). A port's
 * internal header defines PS_PREFIX and includes this before port/sctp.h;
 * it is the only place that renames. A new ps_* function of port/sctp.h
 * needs a line here, a slot in port/sctp_ops.h and one in each ops.c.
 */
#ifndef PORT_SCTP_RENAME_H
#define PORT_SCTP_RENAME_H

#ifdef CONFIG_PORT_DISPATCH
#define PS_RN2(p, n) p##n
#define PS_RN(p, n) PS_RN2(p, n)
#define ps_ep PS_RN(PS_PREFIX, ps_ep)
#define ps_open PS_RN(PS_PREFIX, ps_open)
#define ps_close PS_RN(PS_PREFIX, ps_close)
#define ps_fd PS_RN(PS_PREFIX, ps_fd)
#define ps_transport_of PS_RN(PS_PREFIX, ps_transport_of)
#define ps_connect PS_RN(PS_PREFIX, ps_connect)
#define ps_send PS_RN(PS_PREFIX, ps_send)
#define ps_recv PS_RN(PS_PREFIX, ps_recv)
#define ps_set_primary PS_RN(PS_PREFIX, ps_set_primary)
#define ps_set_path_params PS_RN(PS_PREFIX, ps_set_path_params)
#define ps_paths PS_RN(PS_PREFIX, ps_paths)
#define ps_set_stream_prio PS_RN(PS_PREFIX, ps_set_stream_prio)
#define ps_bind_change PS_RN(PS_PREFIX, ps_bind_change)
#define ps_get_stats PS_RN(PS_PREFIX, ps_get_stats)
#define ps_auth_setup PS_RN(PS_PREFIX, ps_auth_setup)
#define ps_auth_chunks PS_RN(PS_PREFIX, ps_auth_chunks)
#define ps_auth_key_set PS_RN(PS_PREFIX, ps_auth_key_set)
#define ps_auth_key PS_RN(PS_PREFIX, ps_auth_key)
#define ps_assoc_pending PS_RN(PS_PREFIX, ps_assoc_pending)
#define ps_set_out_streams PS_RN(PS_PREFIX, ps_set_out_streams)
#endif

#endif
