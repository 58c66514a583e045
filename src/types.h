/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fixed-width types for xtcp's kernel-independent files: the kernel's own
 * in the module, <stdint.h> ones on the host (unit tests, fuzzer).
 */
#ifndef _XTCP_TYPES_H
#define _XTCP_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/stddef.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef int32_t s32;
typedef uint64_t u64;
#endif

#endif /* _XTCP_TYPES_H */
