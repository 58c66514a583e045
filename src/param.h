/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checks of module parameters. Kernel-independent: compiled into xtcp.ko and
 * into the host unit tests.
 */
#ifndef _XTCP_PARAM_H
#define _XTCP_PARAM_H

/* RFC 3692 reserves IP protocol numbers 253 and 254 for experimentation. */
#define XTCP_PROTO_EXP1	253
#define XTCP_PROTO_EXP2	254

/**
 * xtcp_proto_allowed() - may xtcp use this IP protocol number?
 * @proto: value of the module parameter "proto"
 *
 * Only the two RFC 3692 experimental numbers are allowed: xtcp must never
 * claim a number that belongs to a real protocol.
 *
 * Return: 1 if allowed, 0 otherwise.
 */
static inline int xtcp_proto_allowed(int proto)
{
	return proto == XTCP_PROTO_EXP1 || proto == XTCP_PROTO_EXP2;
}

#endif /* _XTCP_PARAM_H */
