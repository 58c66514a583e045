/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * xtcp - an alternate TCP-like transport for Linux, user-visible ABI.
 *
 * Open an xtcp socket with
 *
 *	socket(AF_INET, SOCK_STREAM, IPPROTO_XTCP);
 *
 * IPPROTO_XTCP is the IP protocol number xtcp uses on the wire: 253, one of
 * the two numbers RFC 3692 reserves for experimentation. The module can be
 * loaded with proto=254 to use the other one; programs then pass 254.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

/* Default IP protocol number (RFC 3692 experimental, first of two). */
#define IPPROTO_XTCP		253
/* The other experimental number, selectable with the module's proto=254. */
#define IPPROTO_XTCP_ALT	254

#endif /* _UAPI_LINUX_XTCP_H */
