/* SPDX-License-Identifier: MIT */
/*
 * port/log.h - where formatted log lines go (stderr, syslog, a test buffer).
 */
#ifndef PORT_LOG_H
#define PORT_LOG_H

#include <stddef.h>

/* Write one finished line (no trailing newline) at @level (0 err .. 4 trace). */
void port_log_write(int level, const char *line, size_t len);

#endif
