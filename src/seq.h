/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sequence number arithmetic (RFC 9293 §3.4): 32-bit numbers compared
 * modulo 2^32. Kernel-independent.
 */
#ifndef _XTCP_SEQ_H
#define _XTCP_SEQ_H

#include "types.h"

/* a < b, modulo 2^32 */
static inline bool xtcp_seq_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

/* a > b, modulo 2^32 */
static inline bool xtcp_seq_after(u32 a, u32 b)
{
	return xtcp_seq_before(b, a);
}

/* lo <= x <= hi, modulo 2^32 */
static inline bool xtcp_seq_between(u32 x, u32 lo, u32 hi)
{
	return hi - lo >= x - lo;
}

#endif /* _XTCP_SEQ_H */
