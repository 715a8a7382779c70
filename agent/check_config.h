/* SPDX-License-Identifier: MIT */
/*
 * Impossible or not-yet-possible Kconfig combinations fail the build here,
 * in one place, with the reason.
 */
#ifndef AGENT_CHECK_CONFIG_H
#define AGENT_CHECK_CONFIG_H

#if !defined(CONFIG_PORT_LKSCTP)
#error "No SCTP port selected: enable CONFIG_PORT_LKSCTP (make menuconfig)"
#endif

#if defined(CONFIG_DTLS) && !defined(CONFIG_PORT_LKSCTP)
#error "CONFIG_DTLS needs SCTP-AUTH from the SCTP port: enable CONFIG_PORT_LKSCTP"
#endif

#if CONFIG_MAX_SENSORS > 64 || CONFIG_MAX_CONTROLLERS > 64
#error "sensor/controller routing masks are 64 bits: keep MAX_SENSORS and MAX_CONTROLLERS <= 64"
#endif

#if CONFIG_MAX_SENSORS >= CONFIG_MAX_STREAMS
#error "CONFIG_MAX_STREAMS must exceed CONFIG_MAX_SENSORS: each sensor needs its own stream and stream 0 is control"
#endif

#endif
