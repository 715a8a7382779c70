/* SPDX-License-Identifier: MIT */
/*
 * port/mbedtls internals: the two opaque types of port/dtls.h on mbedTLS
 * 2.28 (Debian's libmbedtls-dev, full configuration). Only this folder
 * includes mbedTLS headers.
 */
#ifndef PORT_MBEDTLS_PD_INT_H
#define PORT_MBEDTLS_PD_INT_H

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>	/* MBEDTLS_ERR_NET_SEND_FAILED */
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ciphersuites.h>
#include <mbedtls/x509_crt.h>

#include "port/dtls.h"

#define PD_MAX_SUITES 16
#define PD_MAX_IDENTITY 128
#define PD_MAX_PSK 64

struct pd_conf {
	enum pd_role role;
	enum pd_mode mode;
	uint32_t hs_timeout_ms;
	bool no_reneg;			/* refuse renegotiations (alert) */
	int suites[PD_MAX_SUITES];	/* 0-terminated */
	/* PSK client */
	uint8_t psk_id[PD_MAX_IDENTITY];
	size_t psk_id_len;
	uint8_t psk[PD_MAX_PSK];
	size_t psk_len;
	/* PSK server */
	pd_psk_lookup psk_lookup;
	void *psk_arg;
	/* certificates */
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context pk;
	mbedtls_entropy_context entropy;
	mbedtls_ctr_drbg_context drbg;
};

struct pd_sess {
	struct pd_conf *c;
	struct pd_io io;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	/* the one received record mbedTLS may read next */
	const uint8_t *rx;
	size_t rx_len;
	/* application records: what io.send said (mbedTLS is told "sent") */
	int app_send_rc;
	bool in_app_write;
	/* timer (mbedtls_ssl_set_timer_cb), on the monotonic clock */
	uint64_t t_int, t_fin;		/* 0 = cancelled */
	bool open, dead;
	bool refused;			/* the peer refused our renegotiation */
	/* the keys of the epoch before a renegotiation (mbedTLS keeps them
	 * in ssl.transform until the handshake ends): records of that epoch
	 * arriving mid-handshake are decrypted with them (port/dtls.h) */
	const void *old_tf;
	uint16_t old_epoch;
	enum pd_fail fail;
	char err[200];
	char peer_name[128];
};

#endif
