// SPDX-License-Identifier: MIT
/*
 * port/lksctp/auth.c - SCTP-AUTH (RFC 4895) on Linux: the endpoint's
 * chunk list and HMACs, shared keys per association (RFC 6458 8.1.20-23,
 * 8.3.1-2), and the send queue's state (SCTP_STATUS) for RFC 6083's
 * "everything acknowledged before ChangeCipherSpec".
 */
#define _DEFAULT_SOURCE		/* explicit_bzero */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "port/lksctp/lksctp.h"

#ifdef SCTP_AUTH_DEACTIVATE_KEY
#define LK_SO_AUTH_DEACTIVATE SCTP_AUTH_DEACTIVATE_KEY
#else
#define LK_SO_AUTH_DEACTIVATE (-1)		/* Linux < 5.0 headers */
#endif

static int auth_err(int e)
{
	switch (e) {
	case EACCES: case EPERM:
		return -EACCES;		/* net.sctp.auth_enable = 0 */
	case ENOPROTOOPT: case EOPNOTSUPP:
		return -EOPNOTSUPP;
	case EINVAL: case ENOENT: case ENOMEM:
		return -e;
	default:
		return -EINVAL;
	}
}

static int set(struct ps_ep *ep, int opt, const void *v, socklen_t len)
{
	if (opt < 0)
		return -EOPNOTSUPP;
	return setsockopt(ep->fd, IPPROTO_SCTP, opt, v, len) ? auth_err(errno) : 0;
}

int ps_auth_setup(struct ps_ep *ep, const uint8_t *chunks, unsigned int n,
		  const uint16_t *hmacs, unsigned int n_hmacs)
{
	struct { struct sctp_hmacalgo h; uint16_t ids[8]; } ha;
	int rc;

	if (!n || n > PS_AUTH_MAX_CHUNKS || !n_hmacs || n_hmacs > 8)
		return -EINVAL;
	if (LK_SO_AUTH_SUPPORTED >= 0) {
		/* per socket since Linux 5.1, whatever net.sctp.auth_enable says */
		struct sctp_assoc_value av = { .assoc_id = SCTP_FUTURE_ASSOC,
					       .assoc_value = 1 };
		(void)set(ep, LK_SO_AUTH_SUPPORTED, &av, sizeof(av));
	}
	for (unsigned int i = 0; i < n; i++) {
		struct sctp_authchunk ac = { .sauth_chunk = chunks[i] };

		rc = set(ep, SCTP_AUTH_CHUNK, &ac, sizeof(ac));
		if (rc)
			return rc;
	}
	memset(&ha, 0, sizeof(ha));
	ha.h.shmac_num_idents = n_hmacs;
	memcpy(ha.h.shmac_idents, hmacs, n_hmacs * sizeof(*hmacs));
	return set(ep, SCTP_HMAC_IDENT, &ha,
		   (socklen_t)(sizeof(ha.h) + n_hmacs * sizeof(uint16_t)));
}

int ps_auth_chunks(struct ps_ep *ep, ps_assoc_id assoc, bool peer,
		   uint8_t *out, unsigned int max, unsigned int *n)
{
	union { struct sctp_authchunks c; uint8_t b[sizeof(struct sctp_authchunks) + 256]; } u;
	socklen_t len = sizeof(u);
	unsigned int k;

	memset(&u, 0, sizeof(u));
	u.c.gauth_assoc_id = (sctp_assoc_t)assoc;
	if (getsockopt(ep->fd, IPPROTO_SCTP, peer ? SCTP_PEER_AUTH_CHUNKS :
		       SCTP_LOCAL_AUTH_CHUNKS, &u, &len))
		return errno == EINVAL && !lk_assoc_known(ep, (sctp_assoc_t)assoc) ?
		       -ENOENT : auth_err(errno);
	k = u.c.gauth_number_of_chunks;
	if (k > len - sizeof(u.c))
		k = (unsigned int)(len - sizeof(u.c));
	*n = k < max ? k : max;
	memcpy(out, u.c.gauth_chunks, *n);
	return 0;
}

int ps_auth_key_set(struct ps_ep *ep, ps_assoc_id assoc, uint16_t id,
		    const uint8_t *key, size_t len)
{
	size_t sz = sizeof(struct sctp_authkey) + len;
	struct sctp_authkey *k;
	int rc;

	if (len > 0xffff || (len && !key))
		return -EINVAL;
	k = calloc(1, sz);
	if (!k)
		return -ENOMEM;
	k->sca_assoc_id = (sctp_assoc_t)assoc;
	k->sca_keynumber = id;
	k->sca_keylength = (uint16_t)len;
	if (len)
		memcpy(k->sca_key, key, len);
	rc = set(ep, SCTP_AUTH_KEY, k, (socklen_t)sz);
	explicit_bzero(k, sz);
	free(k);
	return rc;
}

int ps_auth_key(struct ps_ep *ep, ps_assoc_id assoc, uint16_t id,
		enum ps_auth_op op)
{
	struct sctp_authkeyid k = { .scact_assoc_id = (sctp_assoc_t)assoc,
				    .scact_keynumber = id };
	int opt = op == PS_AUTH_ACTIVATE ? SCTP_AUTH_ACTIVE_KEY :
		  op == PS_AUTH_DELETE ? SCTP_AUTH_DELETE_KEY : LK_SO_AUTH_DEACTIVATE;

	return set(ep, opt, &k, sizeof(k));
}

int ps_assoc_pending(struct ps_ep *ep, ps_assoc_id assoc, unsigned int *chunks)
{
	struct sctp_status st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	st.sstat_assoc_id = (sctp_assoc_t)assoc;
	if (getsockopt(ep->fd, IPPROTO_SCTP, SCTP_STATUS, &st, &len))
		return errno == EINVAL ? -ENOENT : -EINVAL;
	/* TSNs handed out and not yet acknowledged (sstat_penddata is the
	 * receive side's gaps, not ours) */
	*chunks = st.sstat_unackdata;
	return 0;
}
