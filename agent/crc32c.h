/* SPDX-License-Identifier: MIT */
/*
 * agent/crc32c.h - CRC-32C (Castagnoli, iSCSI; RFC 3720 B.4), the checksum
 * of the outbox's records.
 *
 * Written here rather than linked: Debian ships no C library with a static
 * .a for it (zlib's crc32 is the IEEE polynomial, which detects fewer burst
 * errors at these lengths). Slicing-by-8 tables (8 KiB, built on first use)
 * run at about 1 GB/s on the host and several hundred MB/s on a Cortex-A53,
 * far above an SD card's read rate (docs/OUTBOX.md has the figures).
 */
#ifndef AGENT_CRC32C_H
#define AGENT_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC of @len bytes, continuing from @crc (0 to start): crc32c(0, "123456789",
 * 9) == 0xe3069283. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
