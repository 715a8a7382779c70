/* SPDX-License-Identifier: MIT */
/*
 * agent/seqnum.h - serial-number arithmetic (RFC 1982) for the 32-bit
 * sequence numbers of the wire: a is "before" b when b - a, taken modulo
 * 2^32, is in 1..2^31-1. Sequences and ACKs compare only with these.
 */
#ifndef AGENT_SEQNUM_H
#define AGENT_SEQNUM_H

#include <stdbool.h>
#include <stdint.h>

static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return a != b && (uint32_t)(b - a) < 0x80000000u;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return a == b || seq_lt(a, b);
}

static inline bool seq_gt(uint32_t a, uint32_t b)
{
	return seq_lt(b, a);
}

static inline bool seq_ge(uint32_t a, uint32_t b)
{
	return seq_le(b, a);
}

#endif
